#!/usr/bin/env bash
# The README's test command: installs what is missing, builds release and ASan+UBSan, runs every
# test (labels unit, mpi, slurm, e2e) in release and the unit, mpi and e2e tests under the
# sanitizers (slurm only in release). CTest runs as many tests at once as there are cores.
# Pass ctest arguments to narrow it, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
scripts/build.sh release
ctest --test-dir build/release --output-on-failure --timeout 600 -j "$(nproc)" "$@"
if [ "${MIXBO_SKIP_ASAN:-0}" != 1 ]; then
  scripts/build.sh asan
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure --timeout 600 -j "$(nproc)" \
    -L 'unit|mpi|e2e'
fi
