#!/usr/bin/env python3
"""The training benchmark in PyTorch (float64, CPU): logistic regression
w, b from 0 by SGD, the lecture's loss

    z = w*x + b;  yhat = sigmoid(z);  L = -y*ln(yhat) - (1-y)*ln(1-yhat)

the mean over each batch, as `autograd-cli --train w,b --at w=0,b=0
--points FILE --lr LR --epochs E [--batch-size B]` computes it. Reads the
CSV (header x,y) with numpy.loadtxt, trains with torch.optim.SGD, prints the
final parameters as `w=…,b=…` (exact digits) on stdout and, on stderr, the
time of loading and of each epoch's compute (forward, backward, step).

    python3 train_torch.py data.csv --lr 0.5 --epochs 10
    python3 train_torch.py data.csv --lr 0.5 --epochs 1 --batch-size 32
"""
import argparse
import sys
import time

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    data = np.loadtxt(args.data, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    x = torch.from_numpy(np.ascontiguousarray(data[:, 0]))
    y = torch.from_numpy(np.ascontiguousarray(data[:, 1]))
    t1 = time.perf_counter()
    w = torch.zeros((), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=args.lr)
    n = len(x)
    batch = args.batch_size or n
    epochs = []
    for _ in range(args.epochs):
        e0 = time.perf_counter()
        for first in range(0, n, batch):
            xb, yb = x[first : first + batch], y[first : first + batch]
            opt.zero_grad()
            yhat = torch.sigmoid(w * xb + b)
            loss = (-yb * torch.log(yhat) - (1 - yb) * torch.log(1 - yhat)).mean()
            loss.backward()
            opt.step()
        epochs.append(time.perf_counter() - e0)
    print(f"w={w.item()!r},b={b.item()!r}")
    print(
        f"torch: {n} rows, {torch.get_num_threads()} threads, load {t1 - t0:.3f} s, "
        f"epochs {' '.join(f'{e:.4f}' for e in epochs)} s, best epoch {min(epochs):.4f} s, "
        f"mean epoch {sum(epochs) / len(epochs):.4f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
