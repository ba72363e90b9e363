#!/usr/bin/python3
"""Prints the README's tiny-lm comparison table from the folder compare.sh wrote: per campaign
its cost (in full target runs), runs per scale, wall time, recommended mixture and the score of
that mixture (score.py: trained at the target with 3 seeds); then per strategy the mean over its
campaigns' scores with the standard deviation between campaigns.

  examples/tiny-lm/compare_table.py runs/tiny-lm-compare
"""
import argparse
import glob
import json
import os
import statistics

import h5py
import numpy as np


def campaign_row(folder):
    with h5py.File(os.path.join(folder, "campaign.h5"), "r") as f:
        scales = [s.decode() for s in f["space/scale_names"][:]]
        done = f["trials/state"][:] == 3
        cost = float(f["trials/cost"][:][done].sum())
        per_scale = [int(((f["trials/scale"][:] == i) & done).sum()) for i in range(len(scales))]
        failed = int((f["trials/state"][:] == 4).sum())
    with open(os.path.join(folder, "score", "score.json")) as f:
        score = json.load(f)
    wall_file = folder + ".wall_seconds"
    wall = int(open(wall_file).read()) if os.path.exists(wall_file) else None
    return dict(cost=cost, per_scale=per_scale, scales=scales, failed=failed, wall=wall,
                mixture=score["mixture"], scores=score["objective"], mean=score["mean"],
                std=score["std"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="compare.sh's output folder (default runs/tiny-lm-compare)")
    a = ap.parse_args()
    rows = {}
    for d in sorted(glob.glob(os.path.join(a.folder, "*-seed*"))):
        if os.path.isdir(d) and os.path.exists(os.path.join(d, "score", "score.json")):
            strategy, seed = os.path.basename(d).rsplit("-seed", 1)
            rows.setdefault(strategy, []).append((int(seed), campaign_row(d)))
    if not rows:
        raise SystemExit(f"compare_table: no scored campaign under {a.folder}")
    order = ["mfms-bo", "random", "regmix", "hyperband", "sf-bo", "bimix-law"]
    rows = dict(sorted(rows.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                     else len(order), kv[0])))
    scales = next(iter(rows.values()))[0][1]["scales"]
    print("| strategy | seed | cost (target runs) | runs (" + " / ".join(scales) +
          ") | failed | wall | recommended mixture | score: mean ± std of 3 seeds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for strategy, runs in rows.items():
        for seed, r in sorted(runs):
            wall = f"{r['wall'] / 60:.1f} min" if r["wall"] is not None else "-"
            mix = ", ".join(f"{x:.3f}" for x in r["mixture"].values())
            print(f"| {strategy} | {seed} | {r['cost']:.3f} | " +
                  " / ".join(map(str, r["per_scale"])) + f" | {r['failed']} | {wall} | {mix} | "
                  f"{r['mean']:.4f} ± {r['std']:.4f} |")
    print()
    print("| strategy | campaigns | mean score | std between campaigns | mean cost |")
    print("| --- | --- | --- | --- | --- |")
    for strategy, runs in rows.items():
        means = [r["mean"] for _, r in runs]
        spread = statistics.stdev(means) if len(means) > 1 else float("nan")
        print(f"| {strategy} | {len(runs)} | {np.mean(means):.4f} | {spread:.4f} | "
              f"{np.mean([r['cost'] for _, r in runs]):.3f} |")


if __name__ == "__main__":
    main()
