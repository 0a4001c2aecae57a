#!/usr/bin/env python3
"""Whether the tool's `--format json` answer and grad_torch.py's agree: the
loss and every gradient element, the largest relative difference (and the
parity suite's rule: 1e-9 relative, or 1e-12 at the case's scale).

    python3 benches/tensors/agree.py TOOL.json TORCH.txt
"""
import json
import sys


def main():
    tool = json.load(open(sys.argv[1]))
    lines = open(sys.argv[2]).read().splitlines()
    want = {"L": float(lines[0].split(" = ")[1])}
    got = {"L": tool["value"]}
    grads = tool["gradient"]
    shapes = {t["name"]: t["shape"] for t in tool.get("tensors", [])}
    for line in lines[1:]:
        name, values = line.split(" = ")
        name = name.removeprefix("∂L/∂")
        values = [float(v) for v in values.split()]
        shape = shapes.get(name)
        for k, v in enumerate(values):
            if shape and len(shape) == 2:
                key = f"{name}[{k // shape[1]},{k % shape[1]}]"
            else:
                key = f"{name}[{k}]"
            want[key] = v
            got[key] = grads.get(key, 0.0)
    scale = max(1.0, max(abs(v) for v in want.values()))
    worst, bad = 0.0, 0
    for k, w in want.items():
        d = abs(got[k] - w)
        if d > 1e-9 * abs(w) and d > 1e-12 * scale:
            bad += 1
        if w != 0:
            worst = max(worst, d / abs(w))
    print(f"{len(want) - 1} gradients and the loss: largest relative difference {worst:.1e}, "
          f"{bad} outside 1e-9 relative / 1e-12 absolute")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
