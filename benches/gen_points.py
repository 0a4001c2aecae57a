#!/usr/bin/env python3
"""Writes the batch benchmark's points: N rows of w,b,x,y for the
logistic-regression loss (y is 0 or 1).

    python3 benches/gen_points.py 1000000 > /tmp/points.csv
"""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = random.Random(7)
out = sys.stdout
out.write("w,b,x,y\n")
rows = []
for i in range(n):
    rows.append(f"{rng.uniform(-2, 2):.6f},{rng.uniform(-1, 1):.6f},{rng.uniform(-3, 3):.6f},{rng.randint(0, 1)}\n")
    if len(rows) == 10000:
        out.write("".join(rows))
        rows.clear()
out.write("".join(rows))
