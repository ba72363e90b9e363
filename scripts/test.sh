#!/usr/bin/env bash
# The README's test command: installs what is missing, builds release and ASan+UBSan, runs every
# test (labels unit, mpi, slurm, e2e) in release and the unit, mpi and e2e tests under the
# sanitizers (slurm only in release, and four whole-campaign tests, below). CTest runs as many
# tests at once as there are cores.
# Pass ctest arguments to narrow it, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
scripts/build.sh release
ctest --test-dir build/release --output-on-failure --timeout 600 -j "$(nproc)" "$@"
# Under the sanitizers, six tests that repeat whole mfms-bo campaigns run in release only: they
# check what the sanitizers add nothing to (the budget, bench = loop, answer modes leave the runs
# alone, compare_bench.py's pairing, a resumed campaign without seed noise and with it declared),
# on code that the sanitizer pass's other mfms-bo campaigns (Synchronous.*, MpiRun.*,
# BenchCli.QuickCompletesAndWritesValidFiles, the resumed campaign with the noise measured, whose
# code has the declared case's in it) run too. At ASan speed the first four took 390 s between
# them (session 45) and the two resumed campaigns 233 s (session 58): the pass is CPU-bound on
# two cores, so each such test's time comes off it about by half.
release_only='^(AnswerModes\.TransferModesChangeTheAnswersAndNotTheRuns'
release_only+='|Strategies/HardBudget\.NoStrategySpendsMoreThanTheBudget/mfms_bo'
release_only+='|Strategies/BenchVsLoop\.SameProposalsAndRecommendations/mfms_bo'
release_only+='|BenchCli\.CompareBenchPairsCampaignsBySeed'
release_only+='|SeedNoise/ResumedCampaign\.ProposesWhatTheUninterruptedOneDoes/(none|declared))( |$)'
if [ "${MIXBO_SKIP_ASAN:-0}" != 1 ]; then
  scripts/build.sh asan
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure --timeout 600 -j "$(nproc)" \
    -L 'unit|mpi|e2e' -E "$release_only"
fi
