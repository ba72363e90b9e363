#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs the demo campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
scripts/build.sh release
build/release/mixbo validate examples/demo.ini "$@"
