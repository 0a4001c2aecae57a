#!/usr/bin/env python3
"""Final parameters of two trainings of the 2-8-1 network, each the tool's
`--format json` "at" or train_torch.py's line: scalar names (`w00=…,…`) or
tensors (`W=[[…]], b=[…], v=[…], c=…`), compared element by element; prints
the largest relative difference.

    python3 benches/tensors/agree_params.py "w00=…,…" "W=[[…]], …"
"""
import json
import re
import sys


def params(text):
    d = json.loads("{" + re.sub(r"(?:^|,\s*)(\w+)=", lambda m: ("," if m.start() else "") + f'"{m.group(1)}":', text.strip()) + "}")
    if "W" not in d:
        return {k: float(v) for k, v in d.items()}
    out = {}
    for j, row in enumerate(d["W"]):
        out[f"w{j}0"], out[f"w{j}1"] = row
    out.update({f"b{j}": v for j, v in enumerate(d["b"])})
    out.update({f"v{j}": v for j, v in enumerate(d["v"])})
    out["c"] = d["c"]
    return out


a, b = params(sys.argv[1]), params(sys.argv[2])
worst = max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-300) for k in b)
print(f"{len(b)} parameters: largest relative difference {worst:.1e}" + ("" if worst <= 1e-9 else " (MORE THAN 1e-9)"))
