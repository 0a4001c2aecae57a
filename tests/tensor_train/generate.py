#!/usr/bin/env python3
"""Reference trajectories of `autograd-cli --train` on tensor parameters
(SPEC §9, issue 21) from torch.optim in float64.

The network is 2-8-1: h = tanh(W@x + b), z = v@h + c, and the logits loss
L = softplus(z) - y*z (binary cross-entropy on the logit, as
torch.nn.BCEWithLogitsLoss computes it), the mean over the rows of a batch.
Writes tests/tensor_train/data.csv (24 rows of two interleaved half-moons,
seeded) and tests/tensor_train/trajectories.json; `cargo test --test
tensor_train` runs the binary on each case and compares every step's loss,
parameters and gradient at 1e-9 relative. CI needs no Python: the output is
committed. Run from the repository root:

    python3 tests/tensor_train/generate.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = "h = tanh(W@x + b); z = v@h + c; L = softplus(z) - y*z"
HIDDEN = 8


def moons(n, seed):
    """Two interleaved half-moons with a little noise, rows alternating."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i in range(n):
        label = i % 2
        t = math.pi * torch.rand(1, generator=g).item()
        if label == 0:
            x0, x1 = math.cos(t), math.sin(t)
        else:
            x0, x1 = 1 - math.cos(t), 0.5 - math.sin(t)
        x0 += 0.1 * torch.randn(1, generator=g).item()
        x1 += 0.1 * torch.randn(1, generator=g).item()
        rows.append((round(x0, 6), round(x1, 6), label))
    return rows


def start(seed):
    g = torch.Generator().manual_seed(seed)
    return {
        "W": torch.randn(HIDDEN, 2, generator=g) * 0.7,
        "b": torch.randn(HIDDEN, generator=g) * 0.1,
        "v": torch.randn(HIDDEN, generator=g) * 0.5,
        "c": torch.zeros(()),
    }


def text(t):
    """A tensor as --at writes it, every digit (repr of a float64)."""
    if t.dim() == 0:
        return repr(t.item())
    if t.dim() == 1:
        return "[" + ", ".join(repr(x) for x in t.tolist()) + "]"
    return "[" + ", ".join(text(row) for row in t) + "]"


def nested(t):
    return t.item() if t.dim() == 0 else t.tolist()


def loss_of(p, X, Y):
    h = torch.tanh(X @ p["W"].T + p["b"])
    z = h @ p["v"] + p["c"]
    # softplus(z) - y*z; torch's softplus is z itself above 20.
    return (torch.nn.functional.softplus(z) - Y * z).mean()


def run(name, optim, kwargs, epochs, batch, rows, seed):
    init = start(seed)
    params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    opt = getattr(torch.optim, optim)(list(params.values()), **kwargs)
    X = torch.tensor([[r[0], r[1]] for r in rows])
    Y = torch.tensor([float(r[2]) for r in rows])
    steps = []
    n = len(rows)
    for _ in range(epochs):
        for first in range(0, n, batch):
            xb, yb = X[first:first + batch], Y[first:first + batch]
            opt.zero_grad()
            loss = loss_of(params, xb, yb)
            loss.backward()
            steps.append({
                "loss": loss.item(),
                "params": {k: nested(v.detach()) for k, v in params.items()},
                "gradient": {k: nested(v.grad) for k, v in params.items()},
            })
            opt.step()
    with torch.no_grad():
        final = loss_of(params, X, Y).item()
    at = ", ".join(f"{k}={text(v)}" for k, v in init.items())
    args = [PROGRAM, "--train", "W,b,v,c", "--at", at, "--points",
            "tests/tensor_train/data.csv", "--optim", optim.lower(),
            "--epochs", str(epochs)]
    if batch < n:
        args += ["--batch-size", str(batch)]
    flags = {"lr": "--lr", "momentum": "--momentum", "weight_decay": "--weight-decay"}
    for k, v in kwargs.items():
        if k == "betas":
            args += ["--betas", f"{v[0]!r},{v[1]!r}"]
        else:
            args += [flags[k], repr(v)]
    return {
        "name": name,
        "args": args,
        "steps": steps,
        "params": {k: nested(v.detach()) for k, v in params.items()},
        "loss": final,
    }


def main():
    rows = moons(24, seed=21)
    with open(os.path.join(HERE, "data.csv"), "w") as f:
        f.write("x[0],x[1],y\n")
        for r in rows:
            f.write(f"{r[0]!r},{r[1]!r},{r[2]}\n")
    cases = [
        run("sgd full batch", "SGD", {"lr": 0.5}, 120, 24, rows, seed=1),
        run("sgd momentum, batches of 8", "SGD", {"lr": 0.1, "momentum": 0.9}, 40, 8, rows, seed=2),
        run("adam full batch", "Adam", {"lr": 0.05}, 120, 24, rows, seed=3),
        run("adam weight decay, batches of 6", "Adam",
            {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01}, 30, 6, rows, seed=4),
    ]
    with open(os.path.join(HERE, "trajectories.json"), "w") as f:
        json.dump({"generator": "tests/tensor_train/generate.py",
                   "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")
    for c in cases:
        print(c["name"], len(c["steps"]), "steps, final loss", c["loss"])


if __name__ == "__main__":
    main()
