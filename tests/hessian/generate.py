#!/usr/bin/env python3
"""PyTorch's double backward on random expressions, for tests/hessian.rs
(`--hessian --at` is the graph's own double backward, src/hessian.rs).
CI needs no Python: run once from the repository root and commit the JSON:

    pip install torch        # the CPU wheel; float64 throughout
    python3 tests/hessian/generate.py

Writes tests/hessian/parity.json: a list of
{"kind", "expr", "at": {var: value}, "hessian": {u: {v: value}}}, each
value a number or "nan", "inf", "-inf" as PyTorch gives it. The Hessian is
torch.autograd.grad of the gradient (create_graph=True), one row per
variable, as torch.autograd.functional.hessian does; an input a row does
not reach is 0.

Kinds: "random" (smooth and kinked functions at random points) and, for
the conventions, "saturating" (tanh, sigmoid, softplus of an argument
with |u| > 20), "logsigmoid-log1p" (the two, logsigmoid out to |u| = 800), "relu-power" (relu(u)^p, u either side of 0), "tie"
(max/min whose arguments are equal at the point), "abs-zero" (abs at 0),
"zero-base" (u^v at u = 0).

The expressions are written in the tool's language by this script (fully
parenthesised), and built in PyTorch from the same tree: constants are
tensors that do not require grad; max/min (two arguments) are
torch.maximum/minimum (ties share equally); the tool's max/min of three arguments, which selects where
PyTorch's amax of a stack multiplies by its mask, is not drawn; log(a, b)
is ln(a)/ln(b).
"""
import json
import math
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 18
D = torch.float64
VARIABLES = ["x", "y", "z"]
UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp",
         "ln", "log2", "log10", "sqrt", "abs", "sigmoid", "relu", "softplus"]

# A tree: ("num", v) | ("var", name) | ("neg", t) | (op, a, b) for + - * / ^
# | ("call", name, [args]).


def text(t):
    k = t[0]
    if k == "num":
        v = t[1]
        s = repr(float(v))
        if s.endswith(".0"):
            s = s[:-2]
        return f"({s})" if v < 0 else s
    if k == "var":
        return t[1]
    if k == "neg":
        return f"(-{text(t[1])})"
    if k == "call":
        return f"{t[1]}({', '.join(text(a) for a in t[2])})"
    return f"({text(t[1])} {k} {text(t[2])})"


def build(t, leaves):
    k = t[0]
    if k == "num":
        return torch.tensor(t[1], dtype=D)
    if k == "var":
        return leaves[t[1]]
    if k == "neg":
        return -build(t[1], leaves)
    if k == "call":
        a = [build(x, leaves) for x in t[2]]
        name = t[1]
        if name in ("max", "min"):
            if len(a) == 2:
                return (torch.maximum if name == "max" else torch.minimum)(a[0], a[1])
            return (torch.amax if name == "max" else torch.amin)(torch.stack(a), 0)
        if name == "log":
            return torch.log(a[0]) / torch.log(a[1])
        fn = {
            "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin,
            "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
            "tanh": torch.tanh, "exp": torch.exp, "ln": torch.log, "log2": torch.log2,
            "log10": torch.log10, "sqrt": torch.sqrt, "abs": torch.abs,
            "sigmoid": torch.sigmoid, "relu": torch.relu,
            "softplus": torch.nn.functional.softplus,
            "logsigmoid": torch.nn.functional.logsigmoid, "log1p": torch.log1p,
        }[name]
        return fn(a[0])
    a, b = build(t[1], leaves), build(t[2], leaves)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "/": lambda: a / b, "^": lambda: torch.pow(a, b)}[k]()


def variables_of(t, out):
    stack = [t]
    order = []
    while stack:
        n = stack.pop()
        if n[0] == "var":
            order.append(n[1])
        elif n[0] == "neg":
            stack.append(n[1])
        elif n[0] == "call":
            stack.extend(reversed(n[2]))
        elif n[0] in "+-*/^":
            stack.extend([n[2], n[1]])
    for v in order:
        if v not in out:
            out.append(v)
    return out


def value(t, point):
    with torch.no_grad():
        leaves = {v: torch.tensor(x, dtype=D) for v, x in point.items()}
        return build(t, leaves).item()


def encode(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def hessian(t, variables, point):
    leaves = {v: torch.tensor(point[v], dtype=D, requires_grad=True) for v in variables}
    out = build(t, leaves)
    xs = [leaves[v] for v in variables]
    grads = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    rows = {}
    for u, g in zip(variables, grads):
        if g is None or not g.requires_grad:
            second = [None] * len(xs)
        else:
            second = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        rows[u] = {v: encode(0.0 if s is None else s.item()) for v, s in zip(variables, second)}
    return rows


class Gen:
    def __init__(self, rng, names):
        self.rng = rng
        self.names = names

    def num(self):
        r = self.rng
        return ("num", r.choice([2.0, 3.0, 0.5, 1.5, 10.0, -1.0, -2.0, 0.3, 2.5, 4.0]))

    def leaf(self):
        if self.rng.random() < 0.75:
            return ("var", self.rng.choice(self.names))
        return self.num()

    def expr(self, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.15:
            return self.leaf()
        c = r.random()
        if c < 0.45:
            op = r.choice("+-*/^")
            if op == "^":
                base = self.expr(depth - 1)
                if r.random() < 0.7:
                    return ("^", base, ("num", r.choice([2.0, 3.0, 0.5, 1.5, -1.0, 2.5, 4.0])))
                return ("^", base, self.expr(depth - 1))
            return (op, self.expr(depth - 1), self.expr(depth - 1))
        if c < 0.5:
            return ("neg", self.expr(depth - 1))
        if c < 0.9:
            return ("call", r.choice(UNARY), [self.expr(depth - 1)])
        name = r.choice(["max", "min", "log"])
        if name == "log":
            return ("call", "log", [self.expr(depth - 1), ("num", r.choice([2.0, 10.0, 3.0]))])
        args = [self.expr(depth - 1), self.expr(depth - 1)]
        if r.random() < 0.2:
            # Three arguments as two calls: PyTorch's amax of a stack
            # multiplies by its mask where the tool's n-ary max selects.
            args = [("call", name, args), self.expr(depth - 1)]
        return ("call", name, args)


def finite_point(rng, t, names, tries=50):
    for _ in range(tries):
        point = {v: round(rng.uniform(-2, 2), 3) for v in names}
        try:
            y = value(t, point)
        except Exception:
            continue
        if math.isfinite(y) and abs(y) < 1e8:
            return point
    return None


def constants_finite(t):
    """Whether every subexpression without a variable has a finite value:
    the tool folds those when it reads the text, and refuses `ln(0)`."""
    stack = [t]
    while stack:
        n = stack.pop()
        if n[0] in ("num", "var"):
            continue
        if not variables_of(n, []):
            try:
                if not math.isfinite(value(n, {})):
                    return False
            except Exception:
                return False
            continue
        if n[0] == "neg":
            stack.append(n[1])
        elif n[0] == "call":
            stack.extend(n[2])
        else:
            stack.extend([n[1], n[2]])
    return True


def acceptable(h):
    for row in h.values():
        for x in row.values():
            if isinstance(x, float) and abs(x) > 1e12:
                return False
    return True


def random_case(rng):
    names = VARIABLES[: rng.choice([1, 2, 2, 3])]
    g = Gen(rng, names)
    t = g.expr(rng.choice([2, 3, 3, 4]))
    variables = variables_of(t, [])
    if not variables:
        return None
    point = finite_point(rng, t, variables)
    if point is None:
        return None
    return t, point


def times_context(rng, g, core):
    """The special core inside a little random context."""
    c = rng.random()
    if c < 0.3:
        return core
    if c < 0.6:
        return ("*", g.expr(1), core)
    if c < 0.8:
        return ("+", core, ("*", g.expr(1), g.expr(1)))
    return ("^", core, ("num", rng.choice([2.0, 3.0])))


def saturating_case(rng):
    names = VARIABLES[: rng.choice([1, 2, 3])]
    g = Gen(rng, names)
    for _ in range(20):
        inner = g.expr(2)
        variables = variables_of(inner, [])
        if not variables:
            continue
        point = finite_point(rng, inner, variables)
        if point is None:
            continue
        e = value(inner, point)
        target = rng.choice([1, -1]) * rng.uniform(20.5, 60)
        shift = round(target - e, 3)
        arg = ("+", inner, ("num", shift))
        if rng.random() < 0.3:
            # a power that saturates: tanh(a^10) at a = 2.36
            v = rng.choice(variables)
            point[v] = round(rng.uniform(1.5, 3.0), 3) * rng.choice([1, -1])
            arg = ("*", ("^", ("var", v), ("num", 10.0)), g.expr(1))
        f = rng.choice(["tanh", "sigmoid", "softplus"])
        core = ("call", f, [arg])
        t = times_context(rng, g, core)
        vs = variables_of(t, [])
        for v in vs:
            point.setdefault(v, round(rng.uniform(-2, 2), 3))
        y = value(t, point)
        if math.isfinite(y) and abs(y) < 1e8:
            return t, point
    return None


def relu_power_case(rng):
    names = VARIABLES[: rng.choice([1, 2, 3])]
    g = Gen(rng, names)
    for _ in range(20):
        inner = g.expr(rng.choice([0, 1, 2]))
        variables = variables_of(inner, [])
        if not variables:
            continue
        point = finite_point(rng, inner, variables)
        if point is None:
            continue
        p = rng.choice([1.5, 2.0, 2.5, 3.0, 0.5])
        core = ("^", ("call", "relu", [inner]), ("num", p))
        if rng.random() < 0.3:
            core = ("*", ("-", ("num", 3.0), ("call", "cosh", [g.expr(1)])), core)
        t = times_context(rng, g, core)
        for v in variables_of(t, []):
            point.setdefault(v, round(rng.uniform(-2, 2), 3))
        y = value(t, point)
        if math.isfinite(y) and abs(y) < 1e8:
            return t, point
    return None


def tie_case(rng):
    """max/min whose arguments are equal at the point: the same value
    reached two ways (x*y and y*x, x^2 and y^2 at |x| = |y|, a sum equal to
    a constant at dyadic values)."""
    g = Gen(rng, VARIABLES[:2])
    x = rng.choice([0.5, 0.25, 1.0, 1.5, -0.5, -1.25, 0.75, 2.0])
    y = rng.choice([0.5, 0.25, 1.0, 1.5, -0.5, -1.25, 0.75, 2.0])
    form = rng.randrange(6)
    vx, vy = ("var", "x"), ("var", "y")
    if form == 0:
        args = [("*", vx, vy), ("*", vy, vx)]
    elif form == 1:
        y = x if rng.random() < 0.5 else -x
        args = [("^", vx, ("num", 2.0)), ("^", vy, ("num", 2.0))]
    elif form == 2:
        args = [("+", vx, vy), ("num", x + y)]
    elif form == 3:
        args = [("*", ("num", 2.0), vx), ("+", vx, vx)]
    elif form == 4:
        y = x
        args = [("call", "sin", [vx]), ("call", "sin", [vy])]
    else:
        args = [("*", vx, vy), ("*", vy, vx)]
    name = rng.choice(["max", "min"])
    core = ("call", name, args)
    if form == 5:
        core = ("call", name, [core, ("num", x * y)])
    if rng.random() < 0.5:
        core = ("^", core, ("num", rng.choice([2.0, 3.0])))
    t = times_context(rng, g, core)
    point = {"x": x, "y": y}
    for v in variables_of(t, []):
        point.setdefault(v, round(rng.uniform(-2, 2), 3))
    return t, point


def abs_zero_case(rng):
    g = Gen(rng, VARIABLES[:2])
    x = rng.choice([0.5, 1.0, -1.5, 0.0, 2.0])
    vx, vy = ("var", "x"), ("var", "y")
    inner = rng.choice([vx, ("-", vx, vy), ("*", vx, vy), ("^", ("-", vx, vy), ("num", 3.0))])
    core = ("call", "abs", [inner])
    if rng.random() < 0.5:
        core = ("^", core, ("num", rng.choice([1.5, 2.0, 3.0])))
    t = times_context(rng, g, core)
    point = {"x": x, "y": x}
    if inner == vx or inner[0] == "*":
        point = {"x": 0.0, "y": x}
    for v in variables_of(t, []):
        point.setdefault(v, round(rng.uniform(-2, 2), 3))
    return t, point


def zero_base_case(rng):
    vx, vy = ("var", "x"), ("var", "y")
    base = rng.choice([vx, ("*", vx, vy), ("-", vx, vx), ("call", "relu", [vx])])
    exponent = rng.choice([vy, ("num", 2.0), ("num", 3.0), ("num", 1.5), ("+", vy, ("num", 1.0))])
    t = ("^", base, exponent)
    if rng.random() < 0.5:
        t = ("*", ("call", "sin", [vy]), t)
    point = {"x": 0.0, "y": rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 1.5])}
    if base[0] == "call":
        point["x"] = rng.choice([0.0, -1.0])
    return t, point


def log_case(rng):
    """logsigmoid and log1p (drawn last, so the kinds before keep their
    cases): around a random inner expression, logsigmoid also far out in
    both tails (|u| from 20 to 800, where ln(σ(u)) would be ln 0)."""
    names = VARIABLES[: rng.choice([1, 2, 3])]
    g = Gen(rng, names)
    for _ in range(20):
        inner = g.expr(rng.choice([1, 2]))
        variables = variables_of(inner, [])
        if not variables:
            continue
        point = finite_point(rng, inner, variables)
        if point is None:
            continue
        f = rng.choice(["logsigmoid", "log1p"])
        arg = inner
        if f == "logsigmoid" and rng.random() < 0.4:
            target = rng.choice([1, -1]) * rng.choice([rng.uniform(20.5, 60), rng.uniform(100, 800)])
            arg = ("+", inner, ("num", round(target - value(inner, point), 3)))
        core = ("call", f, [arg])
        t = times_context(rng, g, core)
        for v in variables_of(t, []):
            point.setdefault(v, round(rng.uniform(-2, 2), 3))
        y = value(t, point)
        if math.isfinite(y) and abs(y) < 1e8:
            return t, point
    return None


KINDS = [
    ("saturating", saturating_case, 140),
    ("relu-power", relu_power_case, 90),
    ("tie", tie_case, 90),
    ("abs-zero", abs_zero_case, 40),
    ("zero-base", zero_base_case, 40),
    ("random", random_case, 1900),
    ("logsigmoid-log1p", log_case, 80),
]


def main():
    rng = random.Random(SEED)
    cases, seen = [], set()
    for kind, make, count in KINDS:
        made = 0
        attempts = 0
        while made < count and attempts < count * 50:
            attempts += 1
            got = make(rng)
            if got is None:
                continue
            t, point = got
            expr = text(t)
            if expr in seen:
                continue
            variables = variables_of(t, [])
            if not variables or not constants_finite(t):
                continue
            point = {v: point[v] for v in variables}
            try:
                y = value(t, point)
            except Exception:
                continue
            if not math.isfinite(y):
                continue
            h = hessian(t, variables, point)
            if not acceptable(h):
                continue
            seen.add(expr)
            cases.append({"kind": kind, "expr": expr, "at": point, "hessian": h})
            made += 1
        print(kind, made, file=sys.stderr)
    with open(os.path.join(HERE, "parity.json"), "w") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]\n")
    print(len(cases), "cases,", torch.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
