#!/usr/bin/env bash
# Fuzzes mixbo's readers of untrusted input with libFuzzer under ASan+UBSan, one target at a
# time: the campaign-file parser, the trial params reader, the result-file reader and the
# archive loader (tests/fuzz/targets.cpp). Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 120 s, every target). Builds build/fuzz with clang (preset "fuzz"). New coverage goes
# to build/fuzz/corpus/<target> (seeded from tests/fuzz/corpus/<target>); a crash leaves its
# input in build/fuzz/crashes/<target>/: after fixing the bug, copy it into
# tests/fuzz/corpus/<target>/ so the unit test test_fuzz_corpus replays it from then on (inputs
# that break libhdf5 itself are kept in tests/fuzz/hdf5-findings/ instead).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(campaign_file trial_params result_file archive)
MIXBO_FUZZ_DEPS=1 scripts/install-deps.sh
source scripts/env.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"${MIXBO_JOBS:-$(nproc)}" $(printf -- '--target fuzz_%s ' "${targets[@]}")
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t crashes=build/fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  echo "== fuzz_$t for ${seconds} s"
  # Fork mode: a timeout or crash is saved and the run goes on, so one run reports them all.
  build/fuzz/tests/fuzz/fuzz_$t -fork=1 -ignore_timeouts=1 -ignore_crashes=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$crashes/" "$corpus" "tests/fuzz/corpus/$t" 2>&1 |
    grep -E '^#[0-9]+|^INFO: (fuzzed|exiting)|==ERROR|SUMMARY' | tail -n 4 || true
  if [ -n "$(ls -A "$crashes")" ]; then
    echo "fuzz_$t: $(ls "$crashes" | wc -l) crash/timeout input(s) in $crashes"
    status=1
  fi
done
exit $status
