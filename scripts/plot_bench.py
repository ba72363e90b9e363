#!/usr/bin/python3
"""Plots a `mixbo bench` result: simple regret of each strategy's recommendation against
cumulative cost, median over seeds with an interquartile band (the legend counts the seeds
whose recommendation held within 2 eps once within eps), and the cost-to-target per seed.

usage: scripts/plot_bench.py BENCH [-o OUT.png]
BENCH: the bench output folder or its bench.h5.

Needs h5py, numpy and matplotlib: Debian's python3-h5py and python3-matplotlib
(scripts/install-deps.sh). Started by a Python that lacks them (e.g. a pyenv interpreter first
on PATH), it re-runs itself with /usr/bin/python3 when that one has them.
"""
import argparse
import math
import os
import sys
import warnings

from plot_support import need_plotting_modules, one_line_errors

need_plotting_modules("plot_bench")
import h5py  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def step_interp(cost, regret, grid):
    """Regret of the latest recommendation made at or before each grid cost (NaN before any)."""
    out = np.full(grid.shape, np.nan)
    idx = np.searchsorted(cost, grid, side="right") - 1
    ok = idx >= 0
    out[ok] = regret[idx[ok]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", help="bench output folder or its bench.h5 (`mixbo bench`)")
    ap.add_argument("-o", "--output", help="PNG to write (default: next to BENCH.h5)")
    ap.add_argument("--floor", type=float, default=1e-5, help="regret floor of the log axis")
    a = ap.parse_args()
    if os.path.isdir(a.bench):
        a.bench = os.path.join(a.bench, "bench.h5")
    if not os.path.isfile(a.bench):
        raise FileNotFoundError(f"{a.bench} does not exist")
    out = a.output or a.bench.rsplit(".", 1)[0] + ".png"
    with h5py.File(a.bench, "r") as f:
        eps = float(f.attrs["epsilon"])
        title = f"{text(f.attrs['objective'])} at {text(f.attrs['target_scale'])}, " \
                f"{int(f.attrs['max_steps'])} steps (simulator: {text(f.attrs['simulator'])})"
        f_attrs = dict(f.attrs)
        strategies = [text(s) for s in f["strategies"][()]]
        # Issue 13's no-drift count per strategy (bench.h5 from before it existed has none).
        holds = {}
        if "summary" in f and "holds" in f["summary"]:
            sm = f["summary"]
            for s, h, r in zip(sm["strategy"][()], sm["holds"][()], sm["reached"][()]):
                holds[text(s)] = f", holds {int(h)}/{int(r)}"
        curves = {}
        for s in strategies:
            g = f["curves"][s]
            curves[s] = [(g[k]["cost"][()], g[k]["regret"][()], float(g[k].attrs["cost_to_target"]))
                         for k in sorted(g.keys())]
    budget = float(f_attrs["budget"])
    # Cost axis: from the first cost at which any recommendation exists to a little past the
    # largest spend, so a recommendation made at the very end still shows as a segment.
    valid_costs = [c[0][~np.isnan(c[1])] for cs in curves.values() for c in cs]
    positive = [x[x > 0] for x in valid_costs if len(x)]
    lo = min((x.min() for x in positive if len(x)), default=1e-2)
    hi = max((c[0].max() for cs in curves.values() for c in cs if len(c[0])), default=1.0)
    hi = max(hi, budget)
    grid = np.geomspace(lo, hi * 1.15, 400)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [2, 1]})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, s in enumerate(strategies):
        col = colors[i % len(colors)]
        r = np.array([step_interp(c, np.maximum(g, a.floor), grid) for c, g, _ in curves[s]])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns before any rec
            valid = np.sum(~np.isnan(r), axis=0) * 2 > r.shape[0]  # most seeds have a value
            med = np.where(valid, np.nanmedian(r, axis=0), np.nan)
            q1 = np.where(valid, np.nanpercentile(r, 25, axis=0), np.nan)
            q3 = np.where(valid, np.nanpercentile(r, 75, axis=0), np.nan)
        ax.plot(grid, med, color=col, label=f"{s} ({len(curves[s])} seeds{holds.get(s, '')})")
        ax.fill_between(grid, q1, q3, color=col, alpha=0.2, linewidth=0)
        ctt = [c for _, _, c in curves[s]]
        finite = [c for c in ctt if math.isfinite(c)]
        bx.scatter(finite, [i] * len(finite), color=col, s=18, alpha=0.8)
        never = len(ctt) - len(finite)
        if never:
            # Censored at the budget: open markers there, with the count.
            bx.scatter([budget], [i], facecolors="none", edgecolors=col, s=40, marker=">")
            bx.annotate(f"{never} never", (budget, i), xytext=(6, 4), textcoords="offset points",
                        fontsize=8, color=col)
        if finite and len(finite) * 2 > len(ctt):
            bx.plot([np.median(ctt)] * 2, [i - 0.3, i + 0.3], color="k", linewidth=2)
    ax.axhline(eps, color="gray", linestyle="--", linewidth=1, label=f"target: {eps:.2%}")
    ax.axhline(2 * eps, color="gray", linestyle=":", linewidth=1,
               label=f"holds: never above {2 * eps:.2%} once within {eps:.2%}")
    ax.set(xscale="log", yscale="log", xlabel="cumulative cost (full target-scale runs)",
           ylabel="relative simple regret of the recommendation", title=title)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    bx.set(xscale="log", xlabel="cost to reach the target (per seed; bar: median)",
           yticks=range(len(strategies)), yticklabels=strategies, ylim=(-0.7, len(strategies) - 0.3),
           xlim=(lo / 1.5, hi * 3))
    bx.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    one_line_errors("plot_bench", main)
