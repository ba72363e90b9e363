#!/usr/bin/python3
"""Compares one strategy's campaigns in two `mixbo bench` outputs, seed by seed: the question a
change to a strategy asks ("same seeds, before and after: which campaigns got better?"), which
the medians of two summary.csv files answer only in part. Campaigns are deterministic but
chaotic, so a change's effect shows in how many seeds move each way, and, where the runs are
the same (a change to the answer alone), in the answers round by round.

usage: scripts/compare_bench.py BEFORE AFTER [--strategy mfms-bo]
BEFORE, AFTER: bench output folders (bench.h5, runs.csv, summary.csv), or `mixbo bench --family`
folders (their member_*/ folders); campaigns are paired by member and seed, and a family's medians
are over all its members' campaigns pooled (the suite's are medians over members). Each side may
be several folders joined by commas, benches of other seeds of the same objective (`mixbo bench
--campaign.seed=30` runs seeds 31 on), pooled into one set of campaigns: a baseline chosen on one
set of seeds flatters itself there, so a change is best judged on seeds it was not chosen on too
(docs/decision-quality.md, session 49).

Prints, for each side, the medians (cost to eps, regret at the bench's report costs, final
regret), holds (once within eps, within 2 eps to the end: issue 13's goal 3) with the seeds that
drift and how far, interval coverage and time per round; then, paired by seed, how many
campaigns are better and worse at each report cost and how many gain or lose their hold, each
with a two-sided exact sign test (the campaigns are independent, so a split like 14 to 16 reads
as no effect and 2 to 12 as one), and, over the campaigns whose runs are identical, how many
rounds' answers are better and worse (no test: a campaign's rounds are not independent). The
per-campaign figures are the bench's own (runs.csv); the curves (bench.h5) give the regret at a
cost (the latest answer at or before it, as `mixbo bench` reads it) and the rounds.

Needs h5py and numpy (scripts/install-deps.sh); re-runs itself with /usr/bin/python3 when the
running interpreter lacks them.
"""
import argparse
import csv
import glob
import math
import os

from plot_support import need_plotting_modules, one_line_errors

need_plotting_modules("compare_bench")
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def bench_folders(path):
    members = sorted(glob.glob(os.path.join(path, "member_*", "bench.h5")))
    if members:
        return [(os.path.basename(os.path.dirname(f)), os.path.dirname(f)) for f in members]
    if not os.path.exists(os.path.join(path, "bench.h5")):
        raise OSError(f"{path}: no bench.h5 (and no member_*/bench.h5)")
    return [("", path)]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def load(paths, strategy):
    """(member, seed) -> the campaign's curve and runs.csv row, over the comma-separated bench
    folders of `paths`; the benches' eps and report costs, which must agree."""
    campaigns, eps, costs, objective = {}, None, None, None
    first = paths.split(",")[0]
    for path in paths.split(","):
        part, eps_p, costs_p, objective_p = load_one(path, strategy)
        if eps is not None and (eps_p != eps or costs_p != costs):
            raise ValueError(f"{path}: another eps or other report costs than {first}")
        if objective is not None and not same_objective(objective, objective_p):
            raise ValueError(f"{path}: another objective, budget or best value than {first}")
        eps, costs, objective = eps_p, costs_p, objective_p
        for key in part:
            if key in campaigns:
                raise ValueError(f"{path}: {name_of(key)} is in two of the folders {paths}")
        campaigns.update(part)
    return campaigns, eps, costs


def same_objective(a, b):
    """Whether two benches scored the same objective: the same names and budget, and best values
    (each bench's own dense search) that agree, so that their regrets have one origin."""
    (names_a, best_a), (names_b, best_b) = a, b
    return names_a == names_b and all(abs(x - y) <= 1e-9 * max(1.0, abs(x))
                                      for x, y in zip(best_a, best_b))


def load_one(path, strategy):
    """(member, seed) -> the campaign's curve and runs.csv row; the bench's eps and costs; what
    identifies its objective (names and budget, then the members' best values)."""
    campaigns, eps, costs, names, best = {}, None, None, [], []
    for member, folder in bench_folders(path):
        summary = [r for r in read_csv(os.path.join(folder, "summary.csv"))
                   if r["strategy"] == strategy]
        if not summary:
            raise KeyError(f"{folder}: no campaigns of strategy '{strategy}'")
        eps = float(summary[0]["epsilon"])
        rows = {int(r["seed"]): r for r in read_csv(os.path.join(folder, "runs.csv"))
                if r["strategy"] == strategy}
        with h5py.File(os.path.join(folder, "bench.h5"), "r") as h:
            costs = list(h["summary/report_costs"][:])
            names.append(tuple(str(h.attrs[a]) for a in
                               ("simulator", "objective", "target_scale", "budget")) + (member,))
            best.append(float(h.attrs["best_value"]))
            for name, c in h["curves"][strategy].items():
                seed = int(name.split("_")[-1])
                campaigns[(member, seed)] = dict(
                    cost=c["cost"][:], regret=c["regret"][:], value=c["value"][:],
                    lo=c["lo"][:], hi=c["hi"][:], seconds=c["round_seconds"][:], row=rows[seed])
    return campaigns, eps, costs, (tuple(names), tuple(best))


def regret_at(c, cost):
    i = np.searchsorted(c["cost"], cost, side="right") - 1
    return math.inf if i < 0 or not np.isfinite(c["regret"][i]) else float(c["regret"][i])


def holds(c, eps):
    """None when never within eps; else (held, worst regret after first within eps)."""
    if c["row"]["reached"] != "1":
        return None
    worst = float(c["row"]["worst_regret_after_target"])
    return worst <= 2 * eps, worst


def held(c, eps):
    """Whether the campaign holds (a campaign never within eps does not)."""
    h = holds(c, eps)
    return h is not None and h[0]


def sign_test_p(better, worse):
    """Two-sided exact sign test: the chance, were a change as likely to help a campaign as to
    hurt it, of a split of the changed campaigns at least this uneven (1 when none changed)."""
    n, low = better + worse, min(better, worse)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(low + 1)) / 2 ** n) if n else 1.0


def coverage(c):
    m = np.isfinite(c["lo"]) & np.isfinite(c["hi"]) & np.isfinite(c["value"])
    inside = (c["lo"][m] <= c["value"][m]) & (c["value"][m] <= c["hi"][m])
    return int(inside.sum()), int(m.sum())


def name_of(key):
    member, seed = key
    return f"{member}/seed {seed}" if member else f"seed {seed}"


def report(label, path, campaigns, keys, eps, costs):
    print(f"{label} {path}: {len(keys)} campaigns")
    to_eps = [float(campaigns[k]["row"]["cost_to_target"]) for k in keys]
    print(f"  median cost to within {100 * eps:g}%: {np.median(to_eps):.3f}")
    print("  median regret " + "  ".join(
        f"@{x:g} {100 * np.median([regret_at(campaigns[k], x) for k in keys]):.3f}%"
        for x in costs))
    final = [float(campaigns[k]["row"]["final_regret"]) for k in keys]
    print(f"  median final regret {100 * np.median(final):.3f}%")
    h = {k: holds(campaigns[k], eps) for k in keys}
    reached = [k for k in keys if h[k] is not None]
    drifts = [k for k in reached if not h[k][0]]
    print(f"  holds {len(reached) - len(drifts)}/{len(reached)}"
          + (": drifts " + ", ".join(f"{name_of(k)} {100 * h[k][1]:.2f}%" for k in drifts)
             if drifts else ""))
    cov = np.array([coverage(campaigns[k]) for k in keys])
    covered, rounds = int(cov[:, 0].sum()), int(cov[:, 1].sum())
    share = f"{100 * covered / rounds:.1f}%" if rounds else "none"
    seconds = np.concatenate([campaigns[k]["seconds"] for k in keys])
    print(f"  interval coverage {share} of {rounds} rounds; {np.mean(seconds):.3f} s a round")


def compare(before, after, strategy):
    A, eps, costs = load(before, strategy)
    B, eps_b, costs_b = load(after, strategy)
    if eps != eps_b or costs != costs_b:
        raise ValueError("the two benches use different eps or report costs")
    keys = sorted(set(A) & set(B))
    if not keys:
        raise ValueError("the two benches share no campaign (member and seed)")
    report("before", before, A, keys, eps, costs)
    report("after ", after, B, keys, eps, costs)
    same = [k for k in keys if len(A[k]["cost"]) == len(B[k]["cost"])
            and np.array_equal(A[k]["cost"], B[k]["cost"])]
    print(f"paired by seed ({len(keys)}; {len(same)} with the same runs):")
    for x in costs:
        pairs = np.array([(regret_at(A[k], x), regret_at(B[k], x)) for k in keys])
        both = np.isfinite(pairs).all(axis=1)  # an answer on both sides by this cost
        d = pairs[both, 1] - pairs[both, 0]
        mean = f", mean {100 * d.mean():+.3f} points" if len(d) else ""
        better, worse = int((d < -1e-9).sum()), int((d > 1e-9).sum())
        print(f"  @{x:g}: after better in {better}, worse in {worse}{mean}, "
              f"sign test p = {sign_test_p(better, worse):.2g}")
    held_a = {k for k in keys if held(A[k], eps)}
    held_b = {k for k in keys if held(B[k], eps)}
    gained, lost = len(held_b - held_a), len(held_a - held_b)
    print(f"  holds: gained in {gained}, lost in {lost} (a campaign that never comes within eps "
          f"does not hold), sign test p = {sign_test_p(gained, lost):.2g}")
    if same:
        d = np.concatenate([B[k]["regret"] - A[k]["regret"] for k in same])
        d = d[np.isfinite(d)]
        changed = d[np.abs(d) > 1e-9]
        mean = f", mean {100 * changed.mean():+.3f} points" if len(changed) else ""
        print(f"  rounds of the campaigns with the same runs: after better in "
              f"{(d < -1e-9).sum()}, worse in {(d > 1e-9).sum()} of {len(d)}{mean}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    folders = ("bench output folder (or --family folder); several, joined by commas, pool "
               "benches of other seeds of the same objective")
    p.add_argument("before", help=folders)
    p.add_argument("after", help=folders)
    p.add_argument("--strategy", default="mfms-bo",
                   help="the strategy whose campaigns are compared (default: mfms-bo)")
    a = p.parse_args()
    compare(a.before, a.after, a.strategy)


if __name__ == "__main__":
    one_line_errors("compare_bench", main)
