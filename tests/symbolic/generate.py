#!/usr/bin/env python3
"""Reference data for `--symbolic` and `--hessian` (tests/symbolic.rs reads
it; CI needs no Python). Run once from the repository root:

    python3 tests/symbolic/generate.py

Writes
- tests/symbolic/sympy_sizes.json: for every smooth single expression of the
  oracle (tests/oracle/vectors.json) and each of its variables, SymPy's
  `simplify(diff(expr, v))` as SymPy prints it and its `count_ops`;
- tests/symbolic/hessians.json: PyTorch's double backward (float64) Hessian
  of oracle expressions at their points.

The language is read with the oracle generator's own parser of the spec
(tests/oracle/generate.py, `SpecParser`), not with the tool's.
"""
import json
import math
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
import generate as oracle  # noqa: E402
import sympy  # noqa: E402
import torch  # noqa: E402

KINKED = {"abs", "relu", "max", "min", "sign", "step"}


def tree_of(text):
    p = oracle.SpecParser(text)
    return p.parse()


def names(tree, out):
    stack = [tree]
    while stack:
        t = stack.pop()
        if t[0] == "name" and t[1] not in oracle.CONSTANTS:
            out.append(t[1])
        elif t[0] == "call":
            stack.extend(t[2])
        elif t[0] in ("neg", "pos"):
            stack.append(t[1])
        elif t[0] in ("+", "-", "*", "/", "^"):
            stack.extend([t[1], t[2]])
    return out


def calls(tree):
    out, stack = set(), [tree]
    while stack:
        t = stack.pop()
        if t[0] == "call":
            out.add(t[1])
            stack.extend(t[2])
        elif t[0] in ("neg", "pos"):
            stack.append(t[1])
        elif t[0] in ("+", "-", "*", "/", "^"):
            stack.extend([t[1], t[2]])
    return out


def to_sympy(t, syms):
    k = t[0]
    if k == "num":
        return sympy.nsimplify(sympy.Float(repr(t[1])), rational=True)
    if k == "name":
        if t[1] in ("pi", "π"):
            return sympy.pi
        if t[1] == "e":
            return sympy.E
        return syms[t[1]]
    if k == "neg":
        return -to_sympy(t[1], syms)
    if k == "pos":
        return to_sympy(t[1], syms)
    if k == "call":
        a = [to_sympy(x, syms) for x in t[2]]
        name = t[1]
        table = {
            "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "asin": sympy.asin,
            "acos": sympy.acos, "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh,
            "tanh": sympy.tanh, "exp": sympy.exp, "ln": sympy.log, "sqrt": sympy.sqrt,
        }
        if name in table:
            return table[name](a[0])
        if name in ("sigmoid", "σ"):
            return 1 / (1 + sympy.exp(-a[0]))
        if name == "softplus":
            return sympy.log(1 + sympy.exp(a[0]))
        if name == "log":
            return sympy.log(a[0]) if len(a) == 1 else sympy.log(a[0]) / sympy.log(a[1])
        if name == "log2":
            return sympy.log(a[0]) / sympy.log(2)
        if name == "log10":
            return sympy.log(a[0]) / sympy.log(10)
        if name == "pow":
            return a[0] ** a[1]
        raise ValueError(name)
    a, b = to_sympy(t[1], syms), to_sympy(t[2], syms)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "^": a ** b}[k]


def to_torch(t, leaves):
    k = t[0]
    if k == "num":
        return torch.tensor(t[1], dtype=torch.float64)
    if k == "name":
        if t[1] in oracle.CONSTANTS:
            return torch.tensor(oracle.CONSTANTS[t[1]], dtype=torch.float64)
        return leaves[t[1]]
    if k == "neg":
        return -to_torch(t[1], leaves)
    if k == "pos":
        return to_torch(t[1], leaves)
    if k == "call":
        a = [to_torch(x, leaves) for x in t[2]]
        name = t[1]
        if name in ("max", "min"):
            f = torch.maximum if name == "max" else torch.minimum
            out = a[0]
            for x in a[1:]:
                out = f(out, x)
            return out
        if name == "log" and len(a) == 2:
            return torch.log(a[0]) / torch.log(a[1])
        if name == "pow":
            return torch.pow(a[0], a[1])
        fn = {
            "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin,
            "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
            "tanh": torch.tanh, "exp": torch.exp, "ln": torch.log, "log": torch.log,
            "log2": torch.log2, "log10": torch.log10, "sqrt": torch.sqrt, "abs": torch.abs,
            "sigmoid": torch.sigmoid, "σ": torch.sigmoid, "relu": torch.relu,
            "softplus": torch.nn.functional.softplus,
        }[name]
        return fn(a[0])
    a, b = to_torch(t[1], leaves), to_torch(t[2], leaves)
    if k == "+":
        return a + b
    if k == "-":
        return a - b
    if k == "*":
        return a * b
    if k == "/":
        return a / b
    return torch.pow(a, b)


class Timeout(Exception):
    pass


def on_alarm(*_):
    raise Timeout()


def hessian(tree, variables, point):
    leaves = {v: torch.tensor(point[v], dtype=torch.float64, requires_grad=True) for v in variables}
    out = to_torch(tree, leaves)
    xs = [leaves[v] for v in variables]
    grads = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    rows = {}
    for u, g in zip(variables, grads):
        row = {}
        if g is None or not g.requires_grad:
            second = [None] * len(xs)
        else:
            second = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        for v, s in zip(variables, second):
            x = 0.0 if s is None else s.item()
            if not math.isfinite(x) or abs(x) > 1e10:
                return None
            row[v] = x
        rows[u] = row
    return rows


def main():
    cases = json.load(open(os.path.join(HERE, "..", "oracle", "vectors.json")))
    single = [c for c in cases if "\n" not in c["expr"] and ";" not in c["expr"] and "=" not in c["expr"]]
    hess = []
    for c in single:
        try:
            tree = tree_of(c["expr"])
        except Exception:
            continue
        point = {}
        for item in c["at"].split(","):
            k, v = item.split("=")
            point[k] = float(v)
        variables = list(c["gradient"].keys())
        h = hessian(tree, variables, point)
        if h is not None:
            hess.append({"expr": c["expr"], "at": c["at"], "hessian": h})
    json.dump(hess, open(os.path.join(HERE, "hessians.json"), "w"), ensure_ascii=False, indent=0)
    print(len(hess), "Hessians", file=sys.stderr)

    sizes, seen = [], set()
    signal.signal(signal.SIGALRM, on_alarm)
    for c in single:
        text = c["expr"]
        if text in seen:
            continue
        seen.add(text)
        try:
            tree = tree_of(text)
        except Exception:
            continue
        if calls(tree) & KINKED:
            continue
        variables = list(c["gradient"].keys())
        syms = {v: sympy.Symbol(v, real=True) for v in variables}
        try:
            expr = to_sympy(tree, syms)
        except Exception:
            continue
        for v in variables:
            signal.alarm(8)
            try:
                d = sympy.simplify(sympy.diff(expr, syms[v]))
                signal.alarm(0)
            except Timeout:
                print("timeout:", text, v, file=sys.stderr)
                continue
            finally:
                signal.alarm(0)
            sizes.append({"expr": text, "variable": v, "sympy": str(d), "count_ops": int(sympy.count_ops(d))})
            if len(sizes) % 50 == 0:
                print(len(sizes), "done", file=sys.stderr, flush=True)
    json.dump(sizes, open(os.path.join(HERE, "sympy_sizes.json"), "w"), ensure_ascii=False, indent=0)
    print(len(sizes), "SymPy derivatives", file=sys.stderr)



if __name__ == "__main__":
    main()
