#!/usr/bin/python3
"""tiny-lm: one mixbo proxy-training run of a small byte-level decoder-only transformer.

Reads the run from mixbo's job environment (README "Result files"): $MIXBO_DOMAINS and
$MIXBO_MIXTURE (the sampling proportions, in that order), $MIXBO_SCALE (a name of LADDER below),
$MIXBO_STEPS, $MIXBO_CHECKPOINT_INTERVAL, $MIXBO_SEED, $MIXBO_METRICS, $MIXBO_TRIAL_ID and
$MIXBO_RESULT. Every $MIXBO_CHECKPOINT_INTERVAL steps it measures the validation cross-entropy
(nats per byte) of every domain on a fixed validation slice and rewrites result.h5 with the curve
so far (status "partial"; "ok" after the last step). Metrics are named <domain>_CE.

The data are the shards examples/tiny-lm/prepare.sh writes (--data, default $TINYLM_DATA or
data/ beside this file). One thread, CPU only. Bad input: a message naming what is wrong on
stderr and exit status 2.

`train.py --measure N` times N training steps of every scale instead (how campaign.ini's step
costs were measured).
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch starts its thread pools
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

CONTEXT = 64  # bytes per training sequence
BATCH = 16  # sequences per step: 1,024 predicted bytes per step at every scale
LR, WARMUP = 3e-3, 20  # AdamW; linear warmup, then constant (see constant_lr)
EVAL_WINDOWS = 32  # fixed validation windows per domain (32 x 64 = 2,048 bytes)

# Scale name -> (width, layers, heads). The names are the parameter counts (rounded) that
# campaign.ini gives mixbo; `train.py --measure` prints the exact counts.
LADDER = {
    "35K": (32, 2, 2),
    "70K": (48, 2, 4),
    "120K": (64, 2, 4),
    "360K": (96, 3, 4),
}


class UsageError(Exception):
    pass


class Block(nn.Module):
    """Pre-norm transformer block: causal multi-head self-attention, then a 4x MLP."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        mask = torch.triu(torch.full((CONTEXT, CONTEXT), float("-inf")), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, d // self.heads).unbind(2)
        q, k, v = (z.transpose(1, 2) for z in (q, k, v))  # (b, heads, t, d/heads)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads) + self.mask[:t, :t]
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, d, layers, heads):
        super().__init__()
        self.tok, self.pos = nn.Embedding(256, d), nn.Embedding(CONTEXT, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        for name, p in self.named_parameters():  # GPT-2's initialisation: small logits at start
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return self.ln(x) @ self.tok.weight.t()  # tied output embedding


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def env(name):
    v = os.environ.get(name)
    if v is None or v == "":
        raise UsageError(f"${name} is not set (train.py runs as a mixbo job; see README)")
    return v


def env_int(name, minimum):
    try:
        v = int(env(name))
    except ValueError:
        raise UsageError(f"${name} = '{os.environ[name]}' is not an integer")
    if v < minimum:
        raise UsageError(f"${name} = {v} must be at least {minimum}")
    return v


def load_data(data_dir):
    """{domain: {"train": uint8 tensor, "val": uint8 tensor}} after checking the checksums."""
    path = os.path.join(data_dir, "manifest.json")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: {e} (run examples/tiny-lm/prepare.sh first)")
    data = {}
    for domain, entry in manifest["domains"].items():
        data[domain] = {}
        for split in ("train", "val"):
            file = os.path.join(data_dir, entry[split]["file"])
            blob = open(file, "rb").read()
            if hashlib.sha256(blob).hexdigest() != entry[split]["sha256"]:
                raise UsageError(f"{file}: checksum differs from {path} (run prepare.sh again)")
            if len(blob) < CONTEXT + 2:
                raise UsageError(f"{file}: {len(blob)} bytes, fewer than one sequence")
            data[domain][split] = torch.from_numpy(np.frombuffer(blob, dtype=np.uint8).copy())
    return data


def read_run(data):
    """The run mixbo asked for, checked: (domains, mixture, scale, steps, interval, seed, metrics)."""
    domains = env("MIXBO_DOMAINS").split(",")
    try:
        mixture = [float(x) for x in env("MIXBO_MIXTURE").split(",")]
    except ValueError:
        raise UsageError(f"$MIXBO_MIXTURE = '{os.environ['MIXBO_MIXTURE']}' is not a number list")
    if len(mixture) != len(domains):
        raise UsageError(f"$MIXBO_MIXTURE has {len(mixture)} values for {len(domains)} domains")
    if not all(math.isfinite(w) and w >= 0 for w in mixture) or abs(sum(mixture) - 1) > 1e-6:
        raise UsageError(f"$MIXBO_MIXTURE = {mixture} is not a mixture (>= 0, summing to 1)")
    for d in domains:
        if d not in data:
            raise UsageError(f"domain '{d}' of $MIXBO_DOMAINS has no data (prepared: "
                             f"{', '.join(data)})")
    scale = env("MIXBO_SCALE")
    if scale not in LADDER:
        raise UsageError(f"$MIXBO_SCALE = '{scale}' is not one of {', '.join(LADDER)}")
    metrics = env("MIXBO_METRICS").split(",")
    for m in metrics:
        if not (m.endswith("_CE") and m[:-3] in data):
            raise UsageError(f"metric '{m}' of $MIXBO_METRICS is not <domain>_CE of a prepared "
                             f"domain ({', '.join(d + '_CE' for d in data)})")
    return (domains, np.asarray(mixture) / sum(mixture), scale, env_int("MIXBO_STEPS", 1),
            env_int("MIXBO_CHECKPOINT_INTERVAL", 1), env_int("MIXBO_SEED", 0), metrics)


def write_result(path, trial_id, steps, losses, status):
    """README "Result files": written to a temporary file, then renamed (atomic)."""
    import h5py

    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update(schema=1, trial_id=trial_id, status=status)
        f["steps"] = np.asarray(steps, dtype=np.int64)
        for name, values in losses.items():
            f[name] = np.asarray(values, dtype=np.float64)
    os.replace(path + ".tmp", path)


def sample_batch(rng, data, domains, mixture):
    """BATCH sequences, each from a domain drawn with the mixture's probabilities."""
    picks = rng.choice(len(domains), size=BATCH, p=mixture)
    rows = []
    for i in picks:
        train = data[domains[i]]["train"]
        start = int(rng.integers(0, len(train) - CONTEXT - 1))
        rows.append(train[start:start + CONTEXT + 1])
    batch = torch.stack(rows).long()
    return batch[:, :-1], batch[:, 1:]


def validation_windows(val):
    """EVAL_WINDOWS sequences at evenly spaced offsets: the same slice for every run."""
    starts = np.linspace(0, len(val) - CONTEXT - 1, EVAL_WINDOWS).astype(np.int64)
    batch = torch.stack([val[s:s + CONTEXT + 1] for s in starts]).long()
    return batch[:, :-1], batch[:, 1:]


@torch.no_grad()
def evaluate(model, windows):
    model.eval()
    out = {}
    for domain, (x, y) in windows.items():
        out[domain] = F.cross_entropy(model(x).reshape(-1, 256), y.reshape(-1)).item()
    model.train()
    return out


def constant_lr(step):
    # Constant after warmup: the loss at step s must not depend on how long the run will be,
    # since mixbo reads a run to z steps as the curve of every shorter run (its checkpoints).
    return min(1.0, (step + 1) / WARMUP)


def make_model(scale, seed):
    torch.manual_seed(seed)
    model = TinyLM(*LADDER[scale])
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    return model, opt, torch.optim.lr_scheduler.LambdaLR(opt, constant_lr)


def train_step(model, opt, sched, x, y):
    loss = F.cross_entropy(model(x).reshape(-1, 256), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss.item()


def run(data):
    domains, mixture, scale, steps, interval, seed, metrics = read_run(data)
    result, trial_id = env("MIXBO_RESULT"), env("MIXBO_TRIAL_ID")
    model, opt, sched = make_model(scale, seed)
    rng = np.random.default_rng(seed)
    evaluated = sorted(set(domains) | {m[:-3] for m in metrics})
    windows = {d: validation_windows(data[d]["val"]) for d in evaluated}
    print(f"tiny-lm {trial_id}: scale {scale} ({parameter_count(model):,} parameters), "
          f"{steps} steps, seed {seed}, mixture " +
          ", ".join(f"{d} {w:.3f}" for d, w in zip(domains, mixture)), flush=True)
    checkpoints = sorted(set(range(interval, steps + 1, interval)) | {steps})
    done_steps, curves = [], {f"{d}_CE": [] for d in evaluated}
    start = time.perf_counter()
    for step in range(1, steps + 1):
        train_loss = train_step(model, opt, sched, *sample_batch(rng, data, domains, mixture))
        if not math.isfinite(train_loss):
            sys.exit(f"tiny-lm {trial_id}: training loss is {train_loss} at step {step}")
        if step in checkpoints:
            ce = evaluate(model, windows)
            done_steps.append(step)
            for d in evaluated:
                curves[f"{d}_CE"].append(ce[d])
            write_result(result, trial_id, done_steps, curves,
                         "ok" if step == steps else "partial")
            print(f"step {step} ({(time.perf_counter() - start) / step:.4f} s/step) train "
                  f"{train_loss:.4f} | " + " ".join(f"{d} {ce[d]:.4f}" for d in evaluated),
                  flush=True)


def measure(data, n):
    """CPU seconds per training step of every scale (median of 3 blocks of n steps, uniform
    mixture, evaluation excluded) and the step cost of each relative to the largest. CPU time
    (time.process_time, one thread) rather than wall time, so other work on a shared machine
    does not inflate it."""
    domains = sorted(data)
    mixture = np.full(len(domains), 1 / len(domains))
    rng = np.random.default_rng(0)
    seconds = {}
    for scale in LADDER:
        model, opt, sched = make_model(scale, 0)
        for _ in range(5):  # warm-up: allocator, first AdamW step
            train_step(model, opt, sched, *sample_batch(rng, data, domains, mixture))
        blocks = []
        for _ in range(3):
            t = time.process_time()
            for _ in range(n):
                train_step(model, opt, sched, *sample_batch(rng, data, domains, mixture))
            blocks.append((time.process_time() - t) / n)
        seconds[scale] = (sorted(blocks)[1], parameter_count(model))
    ref = seconds[list(LADDER)[-1]][0]
    for scale, (s, params) in seconds.items():
        print(f"{scale:>6s} {params:>9,} parameters  {s * 1000:8.2f} CPU ms/step  "
              f"step cost {s / ref:.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.environ.get("TINYLM_DATA") or os.path.join(here, "data"),
                    help="folder prepare.sh wrote (default $TINYLM_DATA, else data/ beside "
                         "train.py)")
    ap.add_argument("--measure", type=int, metavar="N",
                    help="time N steps of every scale instead of training")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    try:
        data = load_data(a.data)
        if a.measure is not None:
            if a.measure < 1:
                raise UsageError("--measure needs at least 1 step")
            measure(data, a.measure)
        else:
            run(data)
    except UsageError as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
