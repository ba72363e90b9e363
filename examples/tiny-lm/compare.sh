#!/bin/bash
# Compares strategies on the tiny-lm problem as the README's "Measured result" does: one campaign
# of campaign.ini per strategy and seed (same budget), then each final recommendation trained at
# the target scale with 3 fresh seeds (score.py), then a table (compare_table.py).
# Run from the repository root after prepare.sh and a release build:
#   examples/tiny-lm/compare.sh                      # all of it, into runs/tiny-lm-compare/
#   STRATEGIES="mfms-bo random" SEEDS="1 2" JOBS=1 examples/tiny-lm/compare.sh
# A campaign or score already finished is kept (mixbo resumes; score.json is reused), so an
# interrupted comparison continues where it stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mixbo=${MIXBO:-build/release/mixbo}
out=${OUT:-runs/tiny-lm-compare}
jobs=${JOBS:-2}
mkdir -p "$out"
for seed in ${SEEDS:-1 2 3}; do
  for strategy in ${STRATEGIES:-mfms-bo random regmix hyperband}; do
    dir="$out/$strategy-seed$seed"
    if [[ ! -f "$dir/score/score.json" ]]; then
      start=$(date +%s)
      "$mixbo" run "$here/campaign.ini" --quiet --campaign.name="tiny-lm-$strategy-$seed" \
        --campaign.workdir="$dir" --campaign.seed="$seed" --strategy.type="$strategy" \
        --executor.max_concurrent="$jobs" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
      echo "$(( $(date +%s) - start ))" >"$dir.wall_seconds"
      /usr/bin/python3 "$here/score.py" "$dir/campaign.h5" --jobs "$jobs" >>"$dir.log"
    fi
    echo "compare: $strategy seed $seed: $(tail -1 "$dir.log")"
  done
done
/usr/bin/python3 "$here/compare_table.py" "$out"
