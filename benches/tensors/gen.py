#!/usr/bin/env python3
"""Inputs of the tensor benchmarks (benches/tensors/compare.sh), deterministic.

    python3 benches/tensors/gen.py mlp OUT.at [--digits]
        The 784-64-10 network's point: W1 (64×784), b1, W2 (10×64), b2 and
        an example x (784 pixels in 0..1), as one `--at` text. With
        --digits every value is a single digit (W1, W2 in -1..1, x in 0..1,
        b1, b2 0): 121 KB, under Linux's 128 KiB limit on one argument, for
        a tool without `--at @FILE`; otherwise three decimals (about 290 KB).
    python3 benches/tensors/gen.py square N OUT.at [--digits]
        A square layer: W (N×N), b, x (N).
    python3 benches/tensors/gen.py moons ROWS OUT.csv
        Two moons, columns x[0],x[1],y (six decimals).
    python3 benches/tensors/gen.py moons-scalar ROWS OUT.csv
        The same rows, columns x0,x1,y (for the unrolled scalar program).
    python3 benches/tensors/gen.py net281 OUT.txt PARAMS.at
        The 2-8-1 network unrolled into scalar parameters w00…w71, b0…b7,
        v0…v7, c (the program), and their starting values (`--at`).
    python3 benches/tensors/gen.py net281-tensor PARAMS.at
        The same starting values as tensors W (8×2), b, v, c.

The programs (the same text for the tool and, in torch, the same
operations; see mlp_torch.py, square_torch.py, train_torch.py):

    MLP:    h = tanh(W1@x/28 + b1); z = W2@h + b2; L = logsumexp(z) - z[3]
    square: h = tanh(W@x + b); L = logsumexp(h)
"""
import math
import random
import sys

MLP = "h = tanh(W1@x/28 + b1); z = W2@h + b2; L = logsumexp(z) - z[3]"
SQUARE = "h = tanh(W@x + b); L = logsumexp(h)"
NET281_TENSOR = "h = tanh(W@x + b); z = v@h + c; L = softplus(z) - y*z"


def num(v):
    """The shortest text of v (three decimals at most)."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def mat(rows):
    return "[" + ",".join("[" + ",".join(num(v) for v in r) + "]" for r in rows) + "]"


def vec(v):
    return "[" + ",".join(num(x) for x in v) + "]"


def mlp(out, digits):
    rng = random.Random(784)
    if digits:
        w1 = [[rng.choice((-1, 0, 1)) for _ in range(784)] for _ in range(64)]
        w2 = [[rng.choice((-1, 0, 1)) for _ in range(64)] for _ in range(10)]
        b1, b2 = [0] * 64, [0] * 10
        x = [rng.choice((0, 1)) for _ in range(784)]
    else:
        w1 = [[rng.uniform(-1, 1) for _ in range(784)] for _ in range(64)]
        w2 = [[rng.uniform(-0.3, 0.3) for _ in range(64)] for _ in range(10)]
        b1 = [rng.uniform(-0.1, 0.1) for _ in range(64)]
        b2 = [rng.uniform(-0.1, 0.1) for _ in range(10)]
        x = [round(rng.random(), 2) for _ in range(784)]
    text = f"W1={mat(w1)}, b1={vec(b1)}, W2={mat(w2)}, b2={vec(b2)}, x={vec(x)}"
    with open(out, "w") as f:
        f.write(text)


def square(n, out, digits):
    rng = random.Random(n)
    s = 1 / math.sqrt(n)
    if digits:
        w = [[rng.choice((-1, 0, 1)) for _ in range(n)] for _ in range(n)]
        b = [0] * n
        x = [rng.choice((0, 1)) for _ in range(n)]
    else:
        w = [[rng.uniform(-s, s) for _ in range(n)] for _ in range(n)]
        b = [rng.uniform(-0.1, 0.1) for _ in range(n)]
        x = [rng.uniform(-1, 1) for _ in range(n)]
    with open(out, "w") as f:
        f.write(f"W={mat(w)}, b={vec(b)}, x={vec(x)}")


def moons(rows, out, header):
    rng = random.Random(2)
    with open(out, "w") as f:
        f.write(header + "\n")
        lines = []
        for i in range(rows):
            y = i % 2
            t = rng.uniform(0, math.pi)
            if y == 0:
                a, b = math.cos(t), math.sin(t)
            else:
                a, b = 1 - math.cos(t), 0.5 - math.sin(t)
            a += rng.gauss(0, 0.1)
            b += rng.gauss(0, 0.1)
            lines.append(f"{a:.6f},{b:.6f},{y}\n")
        f.write("".join(lines))


def start281():
    rng = random.Random(281)
    w = [[round(rng.uniform(-1, 1), 3) for _ in range(2)] for _ in range(8)]
    b = [round(rng.uniform(-0.5, 0.5), 3) for _ in range(8)]
    v = [round(rng.uniform(-1, 1), 3) for _ in range(8)]
    c = 0.0
    return w, b, v, c


def net281(out, params):
    w, b, v, c = start281()
    lines = [f"h{j} = tanh(w{j}0*x0 + w{j}1*x1 + b{j})" for j in range(8)]
    lines.append("z = " + " + ".join(f"v{j}*h{j}" for j in range(8)) + " + c")
    lines.append("L = softplus(z) - y*z")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    at = []
    for j in range(8):
        at += [f"w{j}0={num(w[j][0])}", f"w{j}1={num(w[j][1])}"]
    at += [f"b{j}={num(b[j])}" for j in range(8)]
    at += [f"v{j}={num(v[j])}" for j in range(8)]
    at.append(f"c={num(c)}")
    with open(params, "w") as f:
        f.write(",".join(at))


def net281_tensor(params):
    w, b, v, c = start281()
    with open(params, "w") as f:
        f.write(f"W={mat(w)}, b={vec(b)}, v={vec(v)}, c={num(c)}")


def main():
    a = sys.argv[1:]
    digits = "--digits" in a
    a = [x for x in a if x != "--digits"]
    kind = a[0]
    if kind == "mlp":
        mlp(a[1], digits)
    elif kind == "square":
        square(int(a[1]), a[2], digits)
    elif kind == "moons":
        moons(int(a[1]), a[2], "x[0],x[1],y")
    elif kind == "moons-scalar":
        moons(int(a[1]), a[2], "x0,x1,y")
    elif kind == "net281":
        net281(a[1], a[2])
    elif kind == "net281-tensor":
        net281_tensor(a[1])
    elif kind == "program":
        print({"mlp": MLP, "square": SQUARE, "net281": NET281_TENSOR}[a[1]])
    else:
        sys.exit(f"gen.py: unknown kind {kind}")


if __name__ == "__main__":
    main()
