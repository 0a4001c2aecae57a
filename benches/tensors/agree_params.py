#!/usr/bin/env python3
"""Final parameters of two trainings, `name=value,…` each (the tool's
`--format json` "at", and train_torch.py's line): the largest relative
difference.

    python3 benches/tensors/agree_params.py "w00=…,…" "w00=…,…"
"""
import sys

a = dict(kv.split("=") for kv in sys.argv[1].split(","))
b = dict(kv.split("=") for kv in sys.argv[2].split(","))
worst = max(abs(float(a[k]) - float(b[k])) / max(abs(float(b[k])), 1e-300) for k in b)
print(f"{len(b)} parameters: largest relative difference {worst:.1e}" + ("" if worst <= 1e-9 else " (MORE THAN 1e-9)"))
