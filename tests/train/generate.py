#!/usr/bin/env python3
"""Reference trajectories of `autograd-cli --train` from torch.optim (float64).

Writes tests/train/data/*.csv (the datasets) and tests/train/trajectories.json;
`cargo test --test train` runs the binary on each case and compares every
step's loss, parameters and gradient at 1e-9 relative. CI needs no Python:
the output is committed. Run from the repository root:

    python3 tests/train/generate.py

The shuffle is the tool's: SplitMix64 seeded with --shuffle's SEED, and each
epoch a Fisher–Yates pass over 0..n from the end (i swaps with next() % (i+1)),
starting from file order every epoch.
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def shuffle(self, order):
        for i in range(len(order) - 1, 0, -1):
            j = self.next() % (i + 1)
            order[i], order[j] = order[j], order[i]


# The programs: the tool's text and the same loss in torch, row-wise.
PROGRAMS = {
    "logistic": {
        "text": "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)",
        "params": ["w", "b"],
        "data": ["x", "y"],
        "loss": lambda p, d: -d["y"] * torch.log(torch.sigmoid(p["w"] * d["x"] + p["b"]))
        - (1 - d["y"]) * torch.log(1 - torch.sigmoid(p["w"] * d["x"] + p["b"])),
    },
    "linear": {
        "text": "L = (w1*x1 + w2*x2 + b - y)^2",
        "params": ["w1", "w2", "b"],
        "data": ["x1", "x2", "y"],
        "loss": lambda p, d: (p["w1"] * d["x1"] + p["w2"] * d["x2"] + p["b"] - d["y"]) ** 2,
    },
    "wavy": {
        "text": "L = (a*x - y)^2 + 0.1*tanh(a*c) + c^2*x^2/4",
        "params": ["a", "c"],
        "data": ["x", "y"],
        "loss": lambda p, d: (p["a"] * d["x"] - d["y"]) ** 2
        + 0.1 * torch.tanh(p["a"] * p["c"])
        + p["c"] ** 2 * d["x"] ** 2 / 4,
    },
}

STARTS = {
    "logistic": {"w": 0.5, "b": 1.0},
    "linear": {"w1": 0.0, "w2": 0.0, "b": 0.0},
    "wavy": {"a": 0.3, "c": -0.7},
}

EXAMPLES = {
    "logistic": {"x": 2.0, "y": 1.0},
    "linear": {"x1": 1.5, "x2": -0.5, "y": 2.0},
    "wavy": {"x": 1.2, "y": 0.8},
}


def make_data(rng):
    """Small datasets, written as the shortest exact decimals."""
    sets = {}
    n = 23
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * x - 0.3)))).astype(float)
    sets["logistic"] = {"x": x, "y": y}
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    sets["linear"] = {"x1": x1, "x2": x2, "y": 2 * x1 - x2 + 0.5 + 0.1 * rng.normal(size=n)}
    x = rng.uniform(-1, 1, size=n)
    sets["wavy"] = {"x": x, "y": 0.7 * x + 0.05 * rng.normal(size=n)}
    for name, cols in sets.items():
        keys = PROGRAMS[name]["data"]
        with open(os.path.join(HERE, "data", f"{name}.csv"), "w") as f:
            # A column the program does not use passes unnoticed.
            f.write(",".join(["id"] + keys) + "\n")
            for i in range(n):
                f.write(",".join([f"r{i}"] + [repr(float(cols[k][i])) for k in keys]) + "\n")
    return sets


# Optimizer settings: the tool's flags and torch.optim's constructor.
OPTIMS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.8}),
    ("momentum", {"lr": 0.1}),
    ("momentum", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.02}),
    ("nesterov", {"lr": 0.05}),
    ("nesterov", {"lr": 0.02, "momentum": 0.7, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.1}),
    ("adamw", {"lr": 0.05, "betas": (0.85, 0.995), "weight_decay": 0.1, "eps": 1e-7}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True, "lr": 0.05}),
    ("rmsprop", {"momentum": 0.9, "lr": 0.005}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "alpha": 0.9, "eps": 1e-4, "weight_decay": 0.03, "lr": 0.02}),
]


def torch_optimizer(name, opts, params):
    o = dict(opts)
    if name == "sgd":
        return torch.optim.SGD(params, lr=o.pop("lr", 1e-3), **o)
    if name in ("momentum", "nesterov"):
        o.setdefault("momentum", 0.9)
        return torch.optim.SGD(params, lr=o.pop("lr", 1e-3), nesterov=(name == "nesterov"), **o)
    if name == "adam":
        return torch.optim.Adam(params, **o)
    if name == "adamw":
        return torch.optim.AdamW(params, **o)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, **o)
    raise ValueError(name)


def flags(name, opts):
    args = ["--optim", name]
    for k, v in opts.items():
        flag = "--" + k.replace("_", "-")
        if k == "centered":
            args.append(flag)
        elif k == "betas":
            args += [flag, f"{v[0]!r},{v[1]!r}"]
        else:
            args += [flag, repr(v)]
    return args


def trajectory(program, name, opts, rows, batch, epochs, shuffle, reduce):
    """Trains in torch; `rows` is a list of dicts of data values."""
    prog = PROGRAMS[program]
    p = {k: torch.tensor(v, requires_grad=True) for k, v in STARTS[program].items()}
    opt = torch_optimizer(name, opts, [p[k] for k in prog["params"]])
    rng = SplitMix64(shuffle) if shuffle is not None else None
    cols = {k: torch.tensor([r[k] for r in rows]) for k in prog["data"]}
    n = len(rows)
    steps = []
    for _ in range(epochs):
        order = list(range(n))
        if rng is not None:
            rng.shuffle(order)
        for first in range(0, n, batch):
            idx = torch.tensor(order[first : first + batch])
            d = {k: v[idx] for k, v in cols.items()}
            opt.zero_grad()
            per_row = prog["loss"](p, d)
            loss = per_row.mean() if reduce == "mean" else per_row.sum()
            before = {k: p[k].item() for k in prog["params"]}
            loss.backward()
            steps.append(
                {
                    "loss": loss.item(),
                    "params": before,
                    "gradient": {k: p[k].grad.item() for k in prog["params"]},
                }
            )
            opt.step()
    with torch.no_grad():
        per_row = prog["loss"](p, cols)
        final = per_row.mean() if reduce == "mean" else per_row.sum()
    return steps, {k: p[k].item() for k in prog["params"]}, final.item()


def main():
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    sets = make_data(np.random.default_rng(20261128))
    cases = []
    programs = list(PROGRAMS)
    # (batch, epochs, shuffle, reduce) for the dataset cases, in turn.
    dataset_runs = [
        (None, 6, None, "mean"),
        (4, 2, None, "mean"),
        (5, 3, 7, "mean"),
        (8, 2, None, "sum"),
        (1, 1, 42, "mean"),
        (23, 4, 3, "sum"),
        (6, 5, 12345678901234567, "mean"),
    ]
    for i, (name, opts) in enumerate(OPTIMS):
        program = programs[i % len(programs)]
        prog = PROGRAMS[program]
        start = ",".join(f"{k}={v!r}" for k, v in STARTS[program].items())
        # One example, --steps N.
        steps_n = [1, 20, 37, 60, 100][i % 5]
        ex = EXAMPLES[program]
        steps, params, loss = trajectory(program, name, opts, [ex], 1, steps_n, None, "mean")
        at = start + "," + ",".join(f"{k}={v!r}" for k, v in ex.items())
        cases.append(
            {
                "name": f"{program} {name} {opts} at, {steps_n} steps",
                "args": [prog["text"], "--train", ",".join(prog["params"]), "--at", at, "--steps", str(steps_n)]
                + flags(name, opts),
                "steps": steps,
                "params": params,
                "loss": loss,
            }
        )
        # Two dataset runs per optimizer setting, on two programs.
        for k in range(2):
            program = programs[(i + k + 1) % len(programs)]
            prog = PROGRAMS[program]
            start = ",".join(f"{kk}={v!r}" for kk, v in STARTS[program].items())
            batch, epochs, shuffle, reduce = dataset_runs[(2 * i + k) % len(dataset_runs)]
            cols = sets[program]
            rows = [{c: float(cols[c][r]) for c in prog["data"]} for r in range(len(cols[prog["data"][0]]))]
            steps, params, loss = trajectory(
                program, name, opts, rows, batch or len(rows), epochs, shuffle, reduce
            )
            args = [prog["text"], "--train", ",".join(prog["params"]), "--at", start]
            args += ["--points", f"tests/train/data/{program}.csv", "--epochs", str(epochs)]
            if batch:
                args += ["--batch-size", str(batch)]
            if shuffle is not None:
                args += ["--shuffle", str(shuffle)]
            if reduce != "mean":
                args += ["--reduce", reduce]
            cases.append(
                {
                    "name": f"{program} {name} {opts} dataset batch {batch} epochs {epochs} shuffle {shuffle} {reduce}",
                    "args": args + flags(name, opts),
                    "steps": steps,
                    "params": params,
                    "loss": loss,
                }
            )
    for c in cases:
        for s in c["steps"]:
            assert all(math.isfinite(v) for v in [s["loss"], *s["params"].values(), *s["gradient"].values()]), c["name"]
    with open(os.path.join(HERE, "trajectories.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} trajectories, {sum(len(c['steps']) for c in cases)} steps")


if __name__ == "__main__":
    main()
