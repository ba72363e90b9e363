#!/usr/bin/python3
"""Plots a campaign archive (runs/<name>/campaign.h5): the runs on the cost / scale axes in the
order they were proposed, the recommended mixture's trajectory, and the predicted target
objective with its interval.

usage: scripts/plot_campaign.py CAMPAIGN [-o OUT.png]
CAMPAIGN: the campaign folder (runs/<name>) or its campaign.h5.

Needs h5py, numpy and matplotlib: Debian's python3-h5py and python3-matplotlib
(scripts/install-deps.sh). Started by a Python that lacks them (e.g. a pyenv interpreter first
on PATH), it re-runs itself with /usr/bin/python3 when that one has them.
"""
import argparse
import os
import sys

from plot_support import need_plotting_modules, one_line_errors

need_plotting_modules("plot_campaign")
import h5py  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive", help="campaign folder or its campaign.h5 (written by `mixbo run`)")
    ap.add_argument("-o", "--output", help="PNG to write (default: next to the archive)")
    a = ap.parse_args()
    if os.path.isdir(a.archive):
        a.archive = os.path.join(a.archive, "campaign.h5")
    if not os.path.isfile(a.archive):
        raise FileNotFoundError(f"{a.archive} does not exist: the campaign has not run yet")
    out = a.output or a.archive.rsplit(".", 1)[0] + ".png"
    with h5py.File(a.archive, "r") as f:
        name = text(f.attrs["campaign"])
        strategy = text(f.attrs["strategy"])
        sp = f["space"]
        domains = [text(d) for d in sp["domains"][()]]
        scale_names = [text(s) for s in sp["scale_names"][()]]
        scale_params = sp["scale_params"][()]
        target = text(sp.attrs["target_scale"])
        max_steps = int(sp.attrs["max_steps"])
        t = f["trials"]
        n = len(t["id"])
        scale = t["scale"][()] if n else np.zeros(0, int)
        steps = t["steps"][()] if n else np.zeros(0, int)
        cost = t["cost"][()] if n else np.zeros(0)
        state = t["state"][()] if n else np.zeros(0, int)
        state_names = [text(s) for s in t["state"].attrs["state_names"]] if n else []
        ob = f["observations"]
        o_trial, o_step, o_value = ob["trial"][()], ob["step"][()], ob["value"][()]
        it = f["iterations"]
        rec_valid = it["rec_valid"][()].astype(bool) if len(it["iteration"]) else np.zeros(0, bool)
        rec_w = it["rec_w"][()] if len(rec_valid) else np.zeros((0, len(domains)))
        rec_mean, rec_lo, rec_hi = it["rec_mean"][()], it["rec_lo"][()], it["rec_hi"][()]
        # Values a baseline took from a cheaper scale are not the target's: not plotted as such
        # (archives before these labels: every value is taken as the target's).
        at_target = (it["rec_at_target"][()].astype(bool) if "rec_at_target" in it
                     else np.ones(len(rec_valid), bool))
        it_no = it["iteration"][()]
        trial_it = t["iteration"][()] if n else np.zeros(0, int)
        # The latest recommendation (after the last round: it has seen every run).
        latest = None
        if "recommendation" in f and int(f["recommendation"].attrs["valid"]):
            g = f["recommendation"]
            latest = (int(g.attrs["iteration"]), g["w"][()], float(g.attrs["mean"]),
                     float(g.attrs["lo"]), float(g.attrs["hi"]),
                     bool(int(g.attrs.get("at_target", 1))))
    # Final objective of each trial: its value at its last checkpoint.
    final = np.full(n, np.nan)
    for tr in range(n):
        m = o_trial == tr
        if m.any():
            final[tr] = o_value[m][np.argmax(o_step[m])]
    cum = np.cumsum(cost)
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    ax = axes[0]
    size = 15 + 120 * steps / max(max_steps, 1)
    failed = np.array([state_names[s] in ("failed", "cancelled") if state_names else False for s in state], bool)
    sc = ax.scatter(cum[~failed], scale_params[scale[~failed]], c=final[~failed], s=size[~failed],
                    cmap="viridis_r", edgecolors="k", linewidths=0.3)
    if failed.any():
        ax.scatter(cum[failed], scale_params[scale[failed]], marker="x", color="red", label="failed")
        ax.legend(fontsize=8)
    fig.colorbar(sc, ax=ax, label="objective at the run's last checkpoint")
    ax.set(yscale="log", xlabel="cumulative cost at proposal (full target-scale runs)",
           ylabel="model scale", title=f"{name} ({strategy}): {n} runs; marker size = steps")
    ax.set_yticks(scale_params, scale_names)
    ax.minorticks_off()
    ax.grid(True, alpha=0.3)
    # Cost spent before each round's recommendation (trials of earlier rounds).
    spent_at = np.array([cost[trial_it < i].sum() for i in it_no]) if len(it_no) else np.zeros(0)
    if latest is not None and (not len(it_no) or latest[0] > it_no.max()):
        spent_at = np.append(spent_at, cost[trial_it < latest[0]].sum())
        rec_valid = np.append(rec_valid, True)
        rec_w = np.vstack([rec_w.reshape(-1, len(domains)), latest[1][None, :]])
        rec_mean = np.append(rec_mean, latest[2])
        rec_lo = np.append(rec_lo, latest[3])
        rec_hi = np.append(rec_hi, latest[4])
        at_target = np.append(at_target, latest[5])
    bx = axes[1]
    if rec_valid.any():
        x = spent_at[rec_valid]
        bx.stackplot(x, rec_w[rec_valid].T, labels=domains, step="post", alpha=0.85)
        bx.legend(fontsize=8, loc="upper left")
    bx.set(xlabel="cumulative cost (full target-scale runs)", ylabel="proportion", ylim=(0, 1),
           title=f"recommended mixture for {target}")
    cx = axes[2]
    shown = rec_valid & at_target
    if shown.any():
        x = spent_at[shown]
        cx.step(x, rec_mean[shown], where="post", label="objective at the target")
        if (rec_hi[shown] > rec_lo[shown]).any():
            cx.fill_between(x, rec_lo[shown], rec_hi[shown], step="post", alpha=0.25,
                            label="95% interval")
        cx.legend(fontsize=8)
    cx.set(xlabel="cumulative cost (full target-scale runs)", ylabel="objective",
           title=f"recommendation at {target}, {max_steps} steps")
    cx.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    one_line_errors("plot_campaign", main)
