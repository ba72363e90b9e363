#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs the demo campaign
# (examples/demo.ini: mfms-bo on the built-in BiMix-law simulator) from scratch on the local
# executor, each trial a mixbo-proxy job, then prints the recommended mixture. The driver runs
# under mpiexec with MIXBO_RANKS ranks (default 2; rank 0 drives, the others fit and search).
# Extra arguments go to `mixbo run` (e.g. --json, --quiet, --campaign.budget=5).
# The campaign lands in runs/demo/ (campaign.h5 and one folder per trial).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
scripts/build.sh release
build/release/mixbo validate examples/demo.ini
rm -rf runs/demo  # a fresh campaign each time; `mixbo run examples/demo.ini` alone resumes one
ranks="${MIXBO_RANKS:-2}"
if [ "$ranks" -gt 1 ]; then
  exec mpiexec -n "$ranks" build/release/mixbo run examples/demo.ini "$@"
fi
exec build/release/mixbo run examples/demo.ini "$@"
