#!/usr/bin/env bash
# The README's test command: installs what is missing, builds release and ASan+UBSan, runs every
# test (labels unit, mpi, slurm, e2e) in release and the unit, mpi and e2e tests under the
# sanitizers (about 5 min more than unit alone on 2 cores; slurm only in release).
# Pass ctest arguments to narrow it, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
scripts/build.sh release
ctest --test-dir build/release --output-on-failure --timeout 600 "$@"
if [ "${MIXBO_SKIP_ASAN:-0}" != 1 ]; then
  scripts/build.sh asan
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure --timeout 600 -L 'unit|mpi|e2e'
fi
