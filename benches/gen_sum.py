#!/usr/bin/env python3
"""Writes the big-expression benchmark: a sum of N terms
sin(x*a_i+y*b_i)*z^2/(k_i+x*x), about 9 nodes a term.

    python3 benches/gen_sum.py 100000 > /tmp/sum100k.txt
"""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(42)
terms = []
for _ in range(n):
    # Distinct constants, so that no two terms share a node.
    a = round(1 + rng.random() * 0.001, 7)
    b = round(rng.random() * 0.01, 7)
    k = round(1 + rng.random() * 9, 5)
    terms.append(f"sin(x*{a}+y*{b})*z^2/({k}+x*x)")
sys.stdout.write("+".join(terms) + "\n")
