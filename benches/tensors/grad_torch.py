#!/usr/bin/env python3
"""PyTorch's side of the tensor benchmarks (float64, CPU): the loss and
every gradient of one point, from a cold start (`import torch` included),
written out in full as the tool writes them.

    python3 benches/tensors/grad_torch.py mlp POINT.at
        h = tanh(W1@x/28 + b1); z = W2@h + b2; L = logsumexp(z) - z[3]
    python3 benches/tensors/grad_torch.py square POINT.at
        h = tanh(W@x + b); L = logsumexp(h)

POINT.at is the tool's `--at` text (gen.py). Prints `L = …` and one line
`∂L/∂NAME = …` a parameter with every element (shortest exact digits), and
on stderr the time of reading and of the compute (forward and backward).
"""
import json
import re
import sys
import time

import torch

torch.set_default_dtype(torch.float64)


def read_at(path):
    text = open(path).read().strip()
    return json.loads("{" + re.sub(r"(?:^|,\s*)(\w+)=", lambda m: ("," if m.start() else "") + f'"{m.group(1)}":', text) + "}")


def main():
    kind, path = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k != "x") for k, v in read_at(path).items()}
    t1 = time.perf_counter()
    if kind == "mlp":
        h = torch.tanh(p["W1"] @ p["x"] / 28 + p["b1"])
        z = p["W2"] @ h + p["b2"]
        loss = torch.logsumexp(z, 0) - z[3]
        names = ["W1", "b1", "W2", "b2"]
    else:
        h = torch.tanh(p["W"] @ p["x"] + p["b"])
        loss = torch.logsumexp(h, 0)
        names = ["W", "b"]
    loss.backward()
    t2 = time.perf_counter()
    out = [f"L = {loss.item()!r}"]
    for n in names:
        out.append(f"∂L/∂{n} = " + " ".join(map(repr, p[n].grad.flatten().tolist())))
    sys.stdout.write("\n".join(out) + "\n")
    print(f"torch: read {t1 - t0:.4f} s, compute {t2 - t1:.4f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
