#!/usr/bin/python3
"""Runs bench_iteration over a grid of rank counts and prints the strong-scaling table.

  bench/scaling_table.py --bench build/release/bench/bench_iteration --ranks 1,2 \
      --n 500,1000 [--dedicated] [-- extra bench_iteration flags, e.g. --fit-evals 100]

For each n: the iteration on 1 rank, then for each N > 1 the MpiTeam run (rank 0 also
computes), optionally the dedicated-server variant, and the ceiling (N independent processes,
each running 1/N of the tasks at once). Efficiency = T1 / (N * TN); vs ceiling = Tceil / TN,
where Tceil is the mean over ranks of the time each spent on its share (so imbalance of the
fixed split does not count against the ceiling). CPU efficiency = CPU(1 rank) / (N * CPU of
the busiest rank), from /usr/bin/time around every rank: on a machine where the ranks do not
get a core each, it still shows the split and the overhead (idle ranks sleep, so waiting
costs no CPU).
"""
import argparse
import os
import re
import subprocess
import sys

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none")


def run(bench, np, n, mode, extra, mpiexec):
    # Each rank under /usr/bin/time: its CPU seconds (user + system, all threads, whole run).
    cmd = [mpiexec, "-n", str(np), "--bind-to", "none", "/usr/bin/time", "-f",
           "rank_cpu=%U+%S", bench, "--n", str(n)]
    if mode == "ceiling":
        cmd += ["--mode", "ceiling"]
    elif mode == "dedicated":
        cmd += ["--dedicated"]
    cmd += extra
    load = open("/proc/loadavg").read().split()[0]
    p = subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True)
    out = p.stdout
    sys.stderr.write(f"[load {load}] {out}{p.stderr}")
    rows = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in out.splitlines() if "mode=" in line]
    row = min(rows, key=lambda r: float(r["total_s"]))
    row["load"] = load
    cpu = [float(u) + float(s) for u, s in re.findall(r"rank_cpu=([\d.]+)\+([\d.]+)", p.stderr)]
    row["cpu_max"], row["cpu_sum"] = max(cpu), sum(cpu)
    return row


def best(rows):
    """Fastest of the repetitions: the one least disturbed by other load on the machine."""
    return min(rows, key=lambda r: float(r["total_s"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="build/release/bench/bench_iteration")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--n", default="500,1000,2000")
    ap.add_argument("--dedicated", action="store_true", help="also time rank 0 as a pure server")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run every variant this many times, interleaved; report the fastest")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    ranks = [int(x) for x in a.ranks.split(",")]
    print("| n | ranks | variant | fit s | acq s | total s | efficiency vs 1 rank | "
          "ceiling total s | efficiency vs ceiling | CPU s max rank / all ranks | "
          "CPU efficiency | load avg at start |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    variants = ["team"] + (["dedicated"] if a.dedicated else [])
    for n in [int(x) for x in a.n.split(",")]:
        runs = {}
        for _ in range(a.repeat):  # interleaved, so slow phases of other load hit every variant
            runs.setdefault((1, "team"), []).append(run(a.bench, 1, n, "team", a.extra, a.mpiexec))
            for np in [r for r in ranks if r > 1]:
                for v in ["ceiling"] + variants:
                    runs.setdefault((np, v), []).append(run(a.bench, np, n, v, a.extra, a.mpiexec))
        one = best(runs[(1, "team")])
        t1 = float(one["total_s"])
        print(f"| {n} | 1 | team | {float(one['fit_s']):.2f} | {float(one['acq_s']):.2f} | "
              f"{t1:.2f} | 1.00 | | | {one['cpu_max']:.1f} / {one['cpu_sum']:.1f} | 1.00 | "
              f"{one['load']} |", flush=True)
        for np in [r for r in ranks if r > 1]:
            ceil = best(runs[(np, "ceiling")])
            tc = float(ceil["total_s"])
            for v in variants:
                r = best(runs[(np, v)])
                if r["best_fit"] != one["best_fit"] or r["acq"] != one["acq"]:
                    sys.exit(f"n={n} ranks={np} {v}: answer differs from 1 rank: {r} {one}")
                tn = float(r["total_s"])
                print(f"| {n} | {np} | {v} | {float(r['fit_s']):.2f} | {float(r['acq_s']):.2f} | "
                      f"{tn:.2f} | {t1 / (np * tn):.2f} | {tc:.2f} | {tc / tn:.2f} | "
                      f"{r['cpu_max']:.1f} / {r['cpu_sum']:.1f} | "
                      f"{one['cpu_sum'] / (np * r['cpu_max']):.2f} | {r['load']} |", flush=True)

if __name__ == "__main__":
    main()
