#!/usr/bin/env python3
"""The training benchmark's dataset: N rows of x,y for logistic regression
(y is 0 or 1, drawn from σ(1.5x − 0.5)), six decimals a value.

    python3 benches/train/gen_data.py 1000000 > /tmp/train.csv
"""
import math
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = random.Random(11)
out = sys.stdout
out.write("x,y\n")
rows = []
for _ in range(n):
    x = rng.uniform(-3, 3)
    y = 1 if rng.random() < 1 / (1 + math.exp(-(1.5 * x - 0.5))) else 0
    rows.append(f"{x:.6f},{y}\n")
    if len(rows) == 10000:
        out.write("".join(rows))
        rows.clear()
out.write("".join(rows))
