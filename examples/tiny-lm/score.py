#!/usr/bin/python3
"""Scores a tiny-lm campaign's answer: trains the recommended mixture of CAMPAIGN.h5 (its
/recommendation) at the campaign's target scale and full steps once per seed with train.py, and
prints the campaign objective at the last step for each seed, their mean and standard deviation.
Writes OUT/score.json (default: <campaign folder>/score).

  examples/tiny-lm/score.py runs/tiny-lm/campaign.h5 --seeds 1001,1002,1003 --jobs 2
"""
import argparse
import configparser
import json
import os
import re
import statistics
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def text(v):
    """An HDF5 string (scalar, or an array of one) as str."""
    if isinstance(v, np.ndarray):
        v = v.reshape(-1)[0]
    return v.decode() if isinstance(v, bytes) else str(v)


def objective_terms(config_text):
    """[(weight, metric)] of the campaign's objective.metric ("0.25*a_CE + 0.25*b_CE" or "a_CE")."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(config_text)
    expr = cp["objective"]["metric"]
    for flag in re.findall(r"^# flag: --objective\.metric=(.*)$", config_text, re.M):
        expr = flag  # mixbo stores the flags given as comments; a flag overrides the file
    terms = []
    for term in expr.split("+"):
        m = re.fullmatch(r"\s*(?:([0-9.eE+-]+)\s*\*\s*)?([A-Za-z0-9_.-]+)\s*", term)
        if not m:
            sys.exit(f"score: cannot read objective.metric '{expr}'")
        terms.append((float(m.group(1) or 1), m.group(2)))
    return terms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("campaign", help="campaign.h5 of a finished campaign")
    ap.add_argument("--seeds", default="1001,1002,1003", help="comma list (default 1001,1002,1003)")
    ap.add_argument("--jobs", type=int, default=2, help="training runs at once (default 2)")
    ap.add_argument("--out", help="output folder (default: <campaign folder>/score)")
    ap.add_argument("--data", help="data folder (passed to train.py)")
    a = ap.parse_args()
    with h5py.File(a.campaign, "r") as f:
        if not f["recommendation"].attrs["valid"]:
            sys.exit(f"score: {a.campaign} has no valid recommendation")
        w = f["recommendation/w"][:]
        domains = [d.decode() for d in f["space/domains"][:]]
        space = f["space"].attrs
        scale = text(space["target_scale"])
        steps, interval = int(space["max_steps"]), int(space["step_interval"])
        config = text(f["config"][()])
    terms = objective_terms(config)
    out = os.path.abspath(a.out or os.path.join(os.path.dirname(os.path.abspath(a.campaign)),
                                                "score"))
    seeds = [int(s) for s in a.seeds.split(",")]
    mixture = ",".join(repr(float(x)) for x in w)
    procs, results = [], {}
    train = [sys.executable, os.path.join(HERE, "train.py")] + (["--data", a.data] if a.data else [])

    def start(seed):
        d = os.path.join(out, f"seed{seed}")
        os.makedirs(d, exist_ok=True)
        env = dict(os.environ, MIXBO_DOMAINS=",".join(domains), MIXBO_MIXTURE=mixture,
                   MIXBO_SCALE=scale, MIXBO_STEPS=str(steps),
                   MIXBO_CHECKPOINT_INTERVAL=str(interval), MIXBO_SEED=str(seed),
                   MIXBO_METRICS=",".join(m for _, m in terms), MIXBO_TRIAL_ID=f"score{seed}",
                   MIXBO_RESULT=os.path.join(d, "result.h5"))
        log = open(os.path.join(d, "stdout"), "w")
        return seed, subprocess.Popen(train, env=env, stdout=log, stderr=subprocess.STDOUT)

    pending = list(seeds)
    while pending or procs:
        while pending and len(procs) < a.jobs:
            procs.append(start(pending.pop(0)))
        seed, p = procs.pop(0)
        if p.wait() != 0:
            sys.exit(f"score: training seed {seed} failed (see {out}/seed{seed}/stdout)")
        with h5py.File(os.path.join(out, f"seed{seed}", "result.h5"), "r") as f:
            results[seed] = sum(wt * float(f[m][-1]) for wt, m in terms)
        print(f"score: seed {seed}: objective {results[seed]:.4f}", flush=True)
    values = [results[s] for s in seeds]
    summary = {"campaign": os.path.abspath(a.campaign), "mixture": dict(zip(domains, map(float, w))),
               "scale": scale, "steps": steps, "seeds": seeds, "objective": values,
               "mean": statistics.mean(values),
               "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    with open(os.path.join(out, "score.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"score: {scale} x {steps} steps, mixture " +
          ", ".join(f"{d} {x:.3f}" for d, x in zip(domains, w)) +
          f": mean {summary['mean']:.4f}, std {summary['std']:.4f} over {len(values)} seeds")


if __name__ == "__main__":
    main()
