#!/usr/bin/env python3
"""PyTorch's side of the 2-8-1 training benchmark (float64, CPU): full-batch
SGD on the mean over the rows of

    h = tanh(W@x + b); z = v@h + c; L = softplus(z) - y*z

from the starting values of PARAMS.at (the tool's `--at` text, scalar
names w00…, b0…, v0…, c or tensors W, b, v, c), as `autograd-cli --train …
--points DATA --epochs E --lr LR` computes it. Prints the final parameters
as the unrolled program names them (`w00=…,…`, exact digits) and, on
stderr, the time of loading and of the epochs.

    python3 benches/tensors/train_torch.py DATA.csv PARAMS.at --epochs 100 --lr 0.5
"""
import argparse
import json
import re
import sys
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def read_at(path):
    text = open(path).read().strip()
    return json.loads("{" + re.sub(r"(?:^|,\s*)(\w+)=", lambda m: ("," if m.start() else "") + f'"{m.group(1)}":', text) + "}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("params")
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    data = np.loadtxt(args.data, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    x = torch.from_numpy(np.ascontiguousarray(data[:, :2]))
    y = torch.from_numpy(np.ascontiguousarray(data[:, 2]))
    at = read_at(args.params)
    if "W" in at:
        W, b, v, c = at["W"], at["b"], at["v"], at["c"]
    else:
        W = [[at[f"w{j}0"], at[f"w{j}1"]] for j in range(8)]
        b = [at[f"b{j}"] for j in range(8)]
        v = [at[f"v{j}"] for j in range(8)]
        c = at["c"]
    W, b, v, c = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (W, b, v, c))
    opt = torch.optim.SGD([W, b, v, c], lr=args.lr)
    t1 = time.perf_counter()
    for _ in range(args.epochs):
        opt.zero_grad()
        h = torch.tanh(x @ W.T + b)
        z = h @ v + c
        loss = (torch.nn.functional.softplus(z) - y * z).mean()
        loss.backward()
        opt.step()
    t2 = time.perf_counter()
    out = []
    for j in range(8):
        out += [f"w{j}0={W[j, 0].item()!r}", f"w{j}1={W[j, 1].item()!r}"]
    out += [f"b{j}={b[j].item()!r}" for j in range(8)]
    out += [f"v{j}={v[j].item()!r}" for j in range(8)]
    out.append(f"c={c.item()!r}")
    print(",".join(out))
    print(f"torch: {len(y)} rows, load {t1 - t0:.3f} s, {args.epochs} epochs {t2 - t1:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
