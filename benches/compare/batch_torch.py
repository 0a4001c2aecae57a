#!/usr/bin/env python3
"""The batch benchmark in PyTorch (float64, CPU), vectorized: reads the
points CSV (header w,b,x,y) with numpy.loadtxt, computes the lecture's
logistic-regression loss

    z = w*x + b;  yhat = sigmoid(z);  L = -y*ln(yhat) - (1-y)*ln(1-yhat)

for every row at once with torch autograd (backward of sum(L): each row's
loss depends only on its own inputs, so the gradient of the sum is every
row's gradient), and writes the same columns as
`autograd-cli -f loss.txt --points points.csv --format csv`:

    w,x,b,y,L,dL/dw,dL/dx,dL/db,dL/dy

with numpy.savetxt ('%.17g': every float reads back exactly). To stderr: the
time of the vectorized forward+backward alone (no I/O) on its own line, then
the time of each stage.

    python3 batch_torch.py points.csv out.csv          # the CSV-to-CSV run
    python3 batch_torch.py points.csv --compute-only [--repeats 5] [--threads 1]

The CSV-to-CSV run computes once (its compute figure includes PyTorch's
one-time start of its thread pool and allocator); --compute-only writes
nothing and reports the best of --repeats computations after a first one.
--threads sets torch.set_num_threads (default: PyTorch's, the core count).
"""
import argparse
import sys
import time

import numpy as np
import torch


def compute(cols):
    w, b, x, y = (cols[n].clone().requires_grad_(True) for n in ("w", "b", "x", "y"))
    z = w * x + b
    yhat = torch.sigmoid(z)
    loss = -y * torch.log(yhat) - (1 - y) * torch.log(1 - yhat)
    loss.sum().backward()
    return w, b, x, y, loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("points")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--compute-only", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if not args.compute_only and args.out is None:
        ap.error("give an output file, or --compute-only")
    if args.threads:
        torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    with open(args.points) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(args.points, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    cols = {name: torch.from_numpy(np.ascontiguousarray(data[:, i]))
            for i, name in enumerate(header)}
    t1 = time.perf_counter()
    w, b, x, y, loss = compute(cols)
    t2 = time.perf_counter()
    what = f"{len(data)} rows, {torch.get_num_threads()} threads"

    if args.compute_only:
        times = []
        for _ in range(args.repeats):
            s = time.perf_counter()
            compute(cols)
            times.append(time.perf_counter() - s)
        print(f"torch batch compute (forward+backward, {what}): {min(times):.4f} s "
              f"(best of {args.repeats}, median {sorted(times)[len(times) // 2]:.4f} s; "
              f"first call {t2 - t1:.4f} s)", file=sys.stderr)
        return

    # The tool's columns: the file's, the loss, the gradients in the file's order.
    leaf = {"w": w, "b": b, "x": x, "y": y}
    tensors = [leaf[n] for n in header] + [loss] + [leaf[n].grad for n in header]
    out = np.column_stack([t.detach().numpy() for t in tensors])
    names = header + ["L"] + [f"dL/d{n}" for n in header]
    np.savetxt(args.out, out, fmt="%.17g", delimiter=",", comments="",
               header=",".join(names))
    t3 = time.perf_counter()
    print(f"torch batch compute (forward+backward, {what}): {t2 - t1:.4f} s", file=sys.stderr)
    print(f"torch batch stages: loadtxt {t1 - t0:.3f} s, compute {t2 - t1:.3f} s, "
          f"savetxt {t3 - t2:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
