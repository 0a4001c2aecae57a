#!/usr/bin/env python3
"""The big-expression benchmark in PyTorch eager (float64, CPU): reads the
file written by benches/gen_sum.py (a sum of terms
sin(x*a_i+y*b_i)*z^2/(k_i+x*x)), builds the same sum term by term, left to
right, with one autograd node an operation, then calls backward. Prints the
value and the gradients at the point (default x=1, y=2, z=3, as
benches/big_sum.sh), and to stderr the time of build+backward alone.

    python3 benches/gen_sum.py 10000 > /tmp/sum10k.txt
    python3 benches/compare/big_sum_torch.py /tmp/sum10k.txt [x y z]

Each term is written as in the file, so z^2 and x*x are computed once a term
(autograd-cli shares identical subexpressions, so it computes them once in
all): about 10 operations a term here against about 8.4 nodes in the tool.
The constants are parsed from the file (`float(text)`, the same
correctly-rounded float64 as the tool's).
"""
import re
import sys
import time

import torch

TERM = re.compile(
    r"sin\(x\*([-+0-9.eE]+)\+y\*([-+0-9.eE]+)\)\*z\^2/\(([-+0-9.eE]+)\+x\*x\)"
)


def main():
    path = sys.argv[1]
    at = [float(v) for v in sys.argv[2:5]] if len(sys.argv) >= 5 else [1.0, 2.0, 3.0]
    text = open(path).read().strip()
    consts = [(float(a), float(b), float(k)) for a, b, k in TERM.findall(text)]
    if "+".join(f"sin(x*{a}+y*{b})*z^2/({k}+x*x)" for a, b, k in TERM.findall(text)) != text:
        sys.exit(f"{path}: not a sum written by benches/gen_sum.py")

    t0 = time.perf_counter()
    x, y, z = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in at)
    total = None
    for a, b, k in consts:
        term = torch.sin(x * a + y * b) * z**2 / (k + x * x)
        total = term if total is None else total + term
    t1 = time.perf_counter()
    total.backward()
    t2 = time.perf_counter()

    print(f"terms = {len(consts)}")
    print(f"f = {total.item():.17g}")
    print(f"df/dx = {x.grad.item():.17g}")
    print(f"df/dy = {y.grad.item():.17g}")
    print(f"df/dz = {z.grad.item():.17g}")
    print(
        f"torch big sum: {len(consts)} terms, build {t1 - t0:.3f} s, "
        f"backward {t2 - t1:.3f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
