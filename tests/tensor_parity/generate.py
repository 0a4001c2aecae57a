#!/usr/bin/env python3
"""Random tensor programs and their PyTorch float64 values and gradients.

Writes, beside this script:

- cases.json: 1,000 random programs of what the tensor lowering does today
  (SPEC §9): literals, `@` in its four forms, `W'` and `transpose(W)`,
  `+ - * / ^` with NumPy broadcasting (a number, a vector along a matrix's
  last axis, a length 1 that stretches), every elementwise function of the
  language, `sum mean max min dot norm softmax logsumexp` (softmax and
  logsumexp also at arguments near ±800), constant indexing `p[2]`,
  `W[1,0]`, `W[1]`, named statements, and a scalar loss as the last
  statement;
- cases_index_axis.json: programs with an index held by a variable (`p[y]`,
  `W[i,j]`, `--at y=2`) and reductions along an axis (`sum(W, 0)`,
  `mean(W, 1)`), which a later branch adds.

Each case is the program text, its `--at`, the loss's value and the
gradient of every input variable, every element (nested arrays of the
variable's shape; an integer index variable has none: its gradient is 0).
`cargo test --test tensor_parity` runs the binary on each and compares.

The programs are built as trees, bottom up, each subtree evaluated as it is
made, so that domains stay valid by construction: `ln`, `sqrt`, `log2`,
`log10`, a variable exponent's base and a log's base only see values above
0.1; `asin`/`acos` inside ±0.95; a divisor at least 0.3 from 0; `exp`,
`sinh`, `cosh` arguments below 10 in size; `tan` away from its poles; the
kinks (`abs`, `relu`, `step`, `sign`, `max`, `min`) at least 1e-3 from a
tie or from 0, so that a rounding difference cannot pick another branch.
Values stay below 1e4 in size (only softmax's and logsumexp's shifted
arguments reach ±800); a program whose loss or gradient is not finite, or
above 1e8, is drawn again. The text is printed with the fewest parentheses
the README's precedence table allows (`-x^2`, `2^-a`, `a - (b - c)`), so
the parser's rules are tested too.

Deterministic (fixed seed). Run from the repository root:

    python3 tests/tensor_parity/generate.py
"""
import json
import os
import random

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261207
COUNT = 1000
COUNT_INDEX_AXIS = 300

# Precedence of a subexpression's text (README "The language"): sums 1,
# products 2, unary minus 3, powers 4, atoms (names, numbers, calls,
# literals, indexing, transposes) 9.
ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 9


class Expr:
    """A subexpression: its text, precedence, shape, the torch function of
    an environment that computes it, and its value at the case's point."""

    def __init__(self, text, prec, fn, env):
        self.text, self.prec, self.fn = text, prec, fn
        self.value = fn(env)
        self.shape = list(self.value.shape)


def par(e, need):
    return e.text if e.prec >= need else f"({e.text})"


def number_text(v):
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def literal_text(t):
    if t.dim() == 0:
        return number_text(t.item())
    return "[" + ", ".join(literal_text(r) for r in t) + "]"


# The elementwise functions of one argument: the tool's name, torch's
# function, the condition on the argument (None: any value).
def _step(x):
    return (x > 0).to(torch.float64)


UNARY = [
    ("sin", torch.sin, None),
    ("cos", torch.cos, None),
    ("tan", torch.tan, "tan"),
    ("asin", torch.asin, "unit"),
    ("acos", torch.acos, "unit"),
    ("atan", torch.atan, None),
    ("sinh", torch.sinh, "small"),
    ("cosh", torch.cosh, "small"),
    ("tanh", torch.tanh, None),
    ("exp", torch.exp, "small"),
    ("ln", torch.log, "pos"),
    ("log", torch.log, "pos"),
    ("log2", torch.log2, "pos"),
    ("log10", torch.log10, "pos"),
    ("log1p", torch.log1p, "gt-1"),
    ("sqrt", torch.sqrt, "pos"),
    ("abs", torch.abs, "kink"),
    ("sigmoid", torch.sigmoid, None),
    ("σ", torch.sigmoid, None),
    ("relu", torch.relu, "kink"),
    ("softplus", F.softplus, None),
    ("logsigmoid", F.logsigmoid, None),
    ("step", _step, "kink"),
    ("sign", torch.sign, "kink"),
]

CONDITIONS = {
    # condition: (test on a value, range of a fresh leaf's values)
    None: (lambda v: True, (-2.0, 2.0)),
    "pos": (lambda v: bool((v > 0.1).all()), (0.2, 2.0)),
    "unit": (lambda v: bool((v.abs() < 0.95).all()), (-0.9, 0.9)),
    "small": (lambda v: bool((v.abs() < 10).all()), (-2.0, 2.0)),
    "gt-1": (lambda v: bool((v > -0.9).all()), (-0.8, 2.0)),
    "tan": (lambda v: bool((torch.cos(v).abs() > 0.2).all()), (-1.2, 1.2)),
    "kink": (lambda v: bool((v.abs() > 1e-3).all()), (-2.0, 2.0)),
    "nonzero": (lambda v: bool((v.abs() > 0.3).all()), (0.3, 2.0)),
    "exponent": (lambda v: bool((v.abs() < 3).all()), (-2.0, 2.0)),
}

LIMIT = 1e4


def separated(v):
    """The largest and the smallest element are each unique by 1e-3."""
    flat = v.flatten().sort().values
    if flat.numel() < 2:
        return True
    return bool(flat[-1] - flat[-2] > 1e-3 and flat[1] - flat[0] > 1e-3)


class Builder:
    def __init__(self, rng, index_axis=False):
        self.rng = rng
        self.index_axis = index_axis
        self.vars = {}  # name -> torch value
        self.env = {}  # every name's value at the point
        self.steps = []  # (name, Expr) of the statements so far
        self.ints = {}  # integer index variables: name -> value
        self.used_ops = set()

    # ---------------------------------------------------------------- leaves
    def fresh_var(self, shape, cond):
        r = self.rng
        lo, hi = CONDITIONS[cond][1]
        pool = {0: "abcdfg", 1: "xuvwpq", 2: "WVABMK"}[len(shape)]
        for name in pool:
            if name not in self.vars:
                break
        else:
            return None
        n = 1
        for d in shape:
            n *= d
        vals = [round(r.uniform(lo, hi), 2) for _ in range(n)]
        if cond == "nonzero":
            vals = [v if r.random() < 0.5 else -v for v in vals]
        vals = [v if v != 0 else 0.5 for v in vals]
        t = torch.tensor(vals).reshape(shape)
        if not CONDITIONS[cond][0](t):
            return None
        self.vars[name] = t
        self.env[name] = t
        return Expr(name, ATOM, lambda env, name=name: env[name], self.env)

    def leaf(self, shape, cond):
        r = self.rng
        test = CONDITIONS[cond][0]
        known = [
            n
            for n, v in self.env.items()
            if n not in self.ints and list(v.shape) == shape and test(v)
        ]
        pick = r.random()
        if known and pick < 0.55:
            name = r.choice(known)
            return Expr(name, ATOM, lambda env, name=name: env[name], self.env)
        if pick < 0.85:
            e = self.fresh_var(shape, cond)
            if e is not None:
                return e
        # A constant: a number or a literal.
        lo, hi = CONDITIONS[cond][1]
        n = 1
        for d in shape:
            n *= d
        for _ in range(20):
            vals = [round(r.uniform(lo, hi), 1) for _ in range(n)]
            if cond == "nonzero":
                vals = [v if r.random() < 0.5 else -v for v in vals]
            t = torch.tensor(vals).reshape(shape)
            if test(t):
                break
        else:
            t = torch.full(shape, 0.5)
        text = literal_text(t)
        prec = NEG if text.startswith("-") else ATOM
        return Expr(text, prec, lambda env, t=t: t, self.env)

    # ------------------------------------------------------------- builders
    def shape_like(self):
        r = self.rng
        rank = r.choice([0, 1, 1, 2, 2])
        return [r.randint(1, 6) for _ in range(rank)]

    def gen(self, shape, depth, cond=None):
        """An expression of `shape` whose value meets `cond`."""
        test = CONDITIONS[cond][0]
        if depth > 0:
            for _ in range(6):
                try:
                    e = self.node(shape, depth)
                except Reject:
                    continue
                v = e.value
                if (
                    list(v.shape) == shape
                    and torch.isfinite(v).all()
                    and v.abs().max() < LIMIT
                    and test(v)
                ):
                    return e
        for _ in range(6):
            e = self.leaf(shape, cond)
            if test(e.value):
                return e
        raise Reject()

    def bcast_shapes(self, shape):
        """Two operand shapes that broadcast to `shape` (NumPy)."""
        r = self.rng
        if not shape:
            return [], []
        forms = [(shape, shape), (shape, []), ([], shape)]
        if len(shape) == 1:
            forms += [([1], shape), (shape, [1])]
        else:
            m, n = shape
            forms += [
                (shape, [n]),
                ([n], shape),
                ([1, n], shape),
                (shape, [m, 1]),
                ([m, 1], [n]),
                ([m, 1], [1, n]),
            ]
        a, b = r.choice(forms)
        return list(a), list(b)

    def node(self, shape, depth):
        r = self.rng
        kinds = ["binary", "binary", "unary", "unary", "fn2", "neg"]
        if not shape:
            kinds += ["reduce", "reduce", "reduce", "dot", "matvec", "index", "index"]
            if self.index_axis:
                kinds += ["index_var", "index_var", "index_var"]
        elif len(shape) == 1:
            kinds += ["matvec", "matvec", "row", "softmax", "literal", "vtranspose"]
            if self.index_axis:
                kinds += ["axis", "axis", "axis", "row_var"]
        else:
            kinds += ["matvec", "matvec", "transpose", "literal"]
        kind = r.choice(kinds)
        self.used_ops.add(kind)
        return getattr(self, "make_" + kind)(shape, depth - 1)

    def make_binary(self, shape, d):
        r = self.rng
        op = r.choice("+-*/^")
        sa, sb = self.bcast_shapes(shape)
        if op == "/":
            a, b = self.gen(sa, d), self.gen(sb, d, "nonzero")
        elif op == "^":
            exp = r.choice(["int", "int", "half", "neg", "var"])
            if exp == "int":
                a = self.gen(sa, d)
                v = float(r.choice([2, 3]))
                b = Expr(number_text(v), ATOM, lambda env, v=v: torch.tensor(v), self.env)
            elif exp == "half":
                a = self.gen(sa, d, "pos")
                v = r.choice([0.5, 1.5])
                b = Expr(number_text(v), ATOM, lambda env, v=v: torch.tensor(v), self.env)
            elif exp == "neg":
                a = self.gen(sa, d, "nonzero")
                b = Expr("-1", NEG, lambda env: torch.tensor(-1.0), self.env)
            else:
                a, b = self.gen(sa, d, "pos"), self.gen(sb, d, "exponent")
            text = f"{par(a, ATOM)}^{par(b, NEG)}"
            return Expr(text, POW, lambda env, a=a, b=b: torch.pow(a.fn(env), b.fn(env)), self.env)
        else:
            a, b = self.gen(sa, d), self.gen(sb, d)
        f = {
            "+": torch.add,
            "-": torch.sub,
            "*": torch.mul,
            "/": torch.div,
        }[op]
        level = ADD if op in "+-" else MUL
        # Left-associative: the right operand binds tighter. A right operand
        # of `*` that starts with a sign is put in parentheses.
        right = level + 1 if op in "+-" else POW
        text = f"{par(a, level)} {op} {par(b, right)}"
        return Expr(text, level, lambda env, a=a, b=b, f=f: f(a.fn(env), b.fn(env)), self.env)

    def make_neg(self, shape, d):
        a = self.gen(shape, d)
        return Expr(f"-{par(a, POW)}", NEG, lambda env, a=a: -a.fn(env), self.env)

    def make_unary(self, shape, d):
        r = self.rng
        name, f, cond = r.choice(UNARY)
        self.used_ops.add(name)
        a = self.gen(shape, d, cond)
        return Expr(f"{name}({a.text})", ATOM, lambda env, a=a, f=f: f(a.fn(env)), self.env)

    def make_fn2(self, shape, d):
        r = self.rng
        name = r.choice(["max", "min", "pow", "log", "max3"])
        self.used_ops.add(name)
        sa, sb = self.bcast_shapes(shape)
        if name in ("max", "min", "max3"):
            args = [self.gen(sa, d), self.gen(sb, d)]
            if name == "max3":
                args.append(self.gen(shape, d))
            f = torch.maximum if name != "min" else torch.minimum
            vals = [x.value for x in args]
            # No ties within 1e-3, elementwise.
            for i in range(len(vals)):
                for j in range(i + 1, len(vals)):
                    if not bool(((vals[i] - vals[j]).abs() > 1e-3).all()):
                        raise Reject()
            text = ("min" if name == "min" else "max") + "(" + ", ".join(x.text for x in args) + ")"

            def fn(env, args=args, f=f):
                out = args[0].fn(env)
                for x in args[1:]:
                    out = f(out, x.fn(env))
                return out

            return Expr(text, ATOM, fn, self.env)
        if name == "pow":
            a, b = self.gen(sa, d, "pos"), self.gen(sb, d, "exponent")
            return Expr(
                f"pow({a.text}, {b.text})", ATOM, lambda env, a=a, b=b: torch.pow(a.fn(env), b.fn(env)), self.env
            )
        # log(x, base): a base away from 1.
        a = self.gen(sa, d, "pos")
        if r.random() < 0.5:
            v = r.choice([2.0, 10.0, 0.5, 3.0])
            b = Expr(number_text(v), ATOM, lambda env, v=v: torch.tensor(v), self.env)
        else:
            b = self.gen(sb, d, "pos")
            if not bool((torch.log(b.value).abs() > 0.2).all()):
                raise Reject()
        return Expr(
            f"log({a.text}, {b.text})",
            ATOM,
            lambda env, a=a, b=b: torch.log(a.fn(env)) / torch.log(b.fn(env)),
            self.env,
        )

    def make_reduce(self, shape, d):
        r = self.rng
        name = r.choice(["sum", "mean", "max", "min", "norm", "logsumexp", "logsumexp"])
        self.used_ops.add(name)
        s = self.shape_like() or [r.randint(1, 6)]
        if name == "logsumexp":
            s = s[-1:]
            return self.softmax_like(name, s, d)
        a = self.gen(s, d)
        if name in ("max", "min") and not separated(a.value):
            raise Reject()
        f = {
            "sum": torch.sum,
            "mean": torch.mean,
            "max": torch.max,
            "min": torch.min,
            "norm": torch.linalg.vector_norm,
        }[name]
        if name == "norm" and float(a.value.abs().max()) < 0.1:
            raise Reject()
        return Expr(f"{name}({a.text})", ATOM, lambda env, a=a, f=f: f(a.fn(env)), self.env)

    def softmax_like(self, name, s, d):
        """softmax(v) or logsumexp(v), a quarter of them at v ± 800."""
        r = self.rng
        a = self.gen(s, d)
        text = a.text
        fn = a.fn
        if r.random() < 0.25:
            shift = r.choice([800.0, -800.0, 750.5, 1000.0])
            op = "+" if shift > 0 else "-"
            text = f"{par(a, ADD)} {op} {number_text(abs(shift))}"
            fn = lambda env, a=a, shift=shift: a.fn(env) + shift  # noqa: E731
            self.used_ops.add(name + "@800")
        elif r.random() < 0.1:
            # A literal near 800.
            vals = torch.tensor([round(800 + r.uniform(-3, 3), 2) for _ in range(s[0])])
            lit = literal_text(vals)
            text = f"{par(a, ADD)} + {lit}"
            fn = lambda env, a=a, vals=vals: a.fn(env) + vals  # noqa: E731
            self.used_ops.add(name + "@800")
        if name == "softmax":
            f = lambda v: torch.softmax(v, 0)  # noqa: E731
        else:
            f = lambda v: torch.logsumexp(v, 0)  # noqa: E731
        return Expr(f"{name}({text})", ATOM, lambda env, fn=fn, f=f: f(fn(env)), self.env)

    def make_softmax(self, shape, d):
        self.used_ops.add("softmax")
        return self.softmax_like("softmax", shape, d)

    def make_dot(self, shape, d):
        r = self.rng
        n = r.randint(1, 6)
        a, b = self.gen([n], d), self.gen([n], d)
        if r.random() < 0.5:
            text = f"dot({a.text}, {b.text})"
            atom = ATOM
        else:
            text = f"{par(a, MUL)} @ {par(b, POW)}"
            atom = MUL
        self.used_ops.add("dot" if atom == ATOM else "v@v")
        return Expr(text, atom, lambda env, a=a, b=b: torch.dot(a.fn(env), b.fn(env)), self.env)

    def make_matvec(self, shape, d):
        r = self.rng
        k = r.randint(1, 6)
        if not shape:
            sa, sb = [k], [k]
        elif len(shape) == 1:
            sa, sb = r.choice([([shape[0], k], [k]), ([k], [k, shape[0]])])
        else:
            sa, sb = [shape[0], k], [k, shape[1]]
        self.used_ops.add(f"@{len(sa)}{len(sb)}")
        a, b = self.gen(sa, d), self.gen(sb, d)
        text = f"{par(a, MUL)} @ {par(b, POW)}"
        return Expr(text, MUL, lambda env, a=a, b=b: torch.matmul(a.fn(env), b.fn(env)), self.env)

    def make_transpose(self, shape, d):
        r = self.rng
        a = self.gen([shape[1], shape[0]], d)
        if r.random() < 0.5:
            text = f"{par(a, ATOM)}'"
        else:
            text = f"transpose({a.text})"
        return Expr(text, ATOM, lambda env, a=a: a.fn(env).t(), self.env)

    def make_vtranspose(self, shape, d):
        # A vector's transpose is itself (NumPy).
        a = self.gen(shape, d)
        return Expr(f"{par(a, ATOM)}'", ATOM, lambda env, a=a: a.fn(env), self.env)

    def make_index(self, shape, d):
        r = self.rng
        s = self.shape_like() or [r.randint(1, 6)]
        a = self.gen(s, d)
        idx = [r.randrange(n) for n in s]
        text = f"{par(a, ATOM)}[{', '.join(map(str, idx))}]"
        self.used_ops.add(f"index{len(s)}")
        return Expr(text, ATOM, lambda env, a=a, idx=tuple(idx): a.fn(env)[idx], self.env)

    def make_row(self, shape, d):
        r = self.rng
        m = r.randint(1, 6)
        a = self.gen([m, shape[0]], d)
        i = r.randrange(m)
        return Expr(f"{par(a, ATOM)}[{i}]", ATOM, lambda env, a=a, i=i: a.fn(env)[i], self.env)

    def make_literal(self, shape, d):
        """A literal with expressions inside: `[a, 2*b]`, `[x, u]` (rows)."""
        r = self.rng
        items = [self.gen(shape[1:], max(d - 1, 0)) for _ in range(shape[0])]
        text = "[" + ", ".join(i.text for i in items) + "]"
        return Expr(
            text, ATOM, lambda env, items=items: torch.stack([i.fn(env) for i in items]), self.env
        )

    # ------------------------------------------- index by a variable, axis
    def int_var(self, n):
        r = self.rng
        for name in ["y", "i", "j", "k"]:
            if name not in self.env:
                v = r.randrange(n)
                self.ints[name] = v
                self.env[name] = v
                return name, v
        raise Reject()

    def make_index_var(self, shape, d):
        r = self.rng
        if r.random() < 0.6:
            n = r.randint(1, 6)
            if r.random() < 0.5:
                a = self.softmax_like("softmax", [n], d)
                self.used_ops.add("softmax[y]")
            else:
                a = self.gen([n], d)
            y, _ = self.int_var(n)
            text = f"{par(a, ATOM)}[{y}]"
            self.used_ops.add("p[y]")
            return Expr(text, ATOM, lambda env, a=a, y=y: a.fn(env)[env[y]], self.env)
        m, n = r.randint(1, 6), r.randint(1, 6)
        a = self.gen([m, n], d)
        i, _ = self.int_var(m)
        if r.random() < 0.5:
            j, _ = self.int_var(n)
            self.used_ops.add("W[i,j]")
            return Expr(
                f"{par(a, ATOM)}[{i}, {j}]", ATOM, lambda env, a=a, i=i, j=j: a.fn(env)[env[i], env[j]], self.env
            )
        j = r.randrange(n)
        self.used_ops.add("W[i,1]")
        return Expr(f"{par(a, ATOM)}[{i}, {j}]", ATOM, lambda env, a=a, i=i, j=j: a.fn(env)[env[i], j], self.env)

    def make_row_var(self, shape, d):
        r = self.rng
        m = r.randint(1, 6)
        a = self.gen([m, shape[0]], d)
        i, _ = self.int_var(m)
        self.used_ops.add("W[y]")
        return Expr(f"{par(a, ATOM)}[{i}]", ATOM, lambda env, a=a, i=i: a.fn(env)[env[i]], self.env)

    def make_axis(self, shape, d):
        r = self.rng
        name = r.choice(["sum", "sum", "mean"])
        axis = r.randrange(2)
        other = r.randint(1, 6)
        s = [other, shape[0]] if axis == 0 else [shape[0], other]
        a = self.gen(s, d)
        f = torch.sum if name == "sum" else torch.mean
        self.used_ops.add(f"{name}(W,{axis})")
        return Expr(
            f"{name}({a.text}, {axis})", ATOM, lambda env, a=a, f=f, axis=axis: f(a.fn(env), axis), self.env
        )


class Reject(Exception):
    pass


STEP_NAMES = ["h", "z", "r", "o", "s"]


def program(rng, index_axis):
    """A program (statements, then a scalar loss `L`) and its case."""
    b = Builder(rng, index_axis)
    n_steps = rng.choice([0, 1, 1, 2, 2, 3])
    for k in range(n_steps):
        shape = b.shape_like()
        e = b.gen(shape, rng.randint(1, 3))
        name = STEP_NAMES[k]
        b.steps.append((name, e))
        b.env[name] = e.value
    loss = b.gen([], rng.randint(1, 4))
    # Drop the statements the loss does not use (pruned by the tool too).
    steps = b.steps + [("L", loss)]
    used = {"L"}
    for name, e in reversed(steps):
        if name in used:
            used |= {n for n, _ in steps if n != name and mentions(e.text, n)}
    steps = [(n, e) for n, e in steps if n in used]
    text = "; ".join(f"{n} = {e.text}" for n, e in steps)
    names = [v for v in b.vars if any(mentions(e.text, v) for _, e in steps)]
    ints = [v for v in b.ints if any(mentions(e.text, v) for _, e in steps)]
    # torch, with gradients.
    leaves = {n: b.vars[n].clone().requires_grad_(True) for n in names}
    env = dict(leaves)
    env.update({n: b.ints[n] for n in ints})
    for n, e in steps:
        env[n] = e.fn(env)
    value = env["L"]
    if value.dim() != 0 or not value.requires_grad:
        raise Reject()
    value.backward()
    grads = {}
    for n in names:
        g = leaves[n].grad
        grads[n] = torch.zeros_like(leaves[n]) if g is None else g
    everything = [value.detach().reshape(1)] + [g.reshape(-1) for g in grads.values()]
    flat = torch.cat(everything)
    if not torch.isfinite(flat).all() or flat.abs().max() > 1e8:
        raise Reject()
    at = ", ".join([f"{n}={literal_text(b.vars[n])}" for n in names] + [f"{n}={b.ints[n]}" for n in ints])
    case = {
        "program": text,
        "at": at,
        "value": value.item(),
        "grad": {n: g.tolist() for n, g in grads.items()},
    }
    if ints:
        case["index"] = ints
    return case, b.used_ops


def mentions(text, name):
    """Whether `name` appears in `text` as a whole name."""
    import re

    return re.search(r"(?<!\w)" + re.escape(name) + r"(?![\w(])", text) is not None


def has_axis(text):
    """Whether `text` calls `sum` or `mean` with two arguments."""
    for name in ("sum(", "mean("):
        start = text.find(name)
        while start >= 0:
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
                depth = 0
                for ch in text[start + len(name) - 1 :]:
                    depth += ch in "(["
                    depth -= ch in ")]"
                    if depth == 0:
                        break
                    if depth == 1 and ch == ",":
                        return True
            start = text.find(name, start + 1)
    return False


def generate(seed, count, index_axis, must):
    rng = random.Random(seed)
    cases, seen, ops = [], set(), set()
    while len(cases) < count:
        try:
            case, used = program(rng, index_axis)
        except Reject:
            continue
        if case["program"] in seen or (must and not must(case, used)):
            continue
        seen.add(case["program"])
        ops |= used
        cases.append(case)
    return cases, ops


def write(path, cases, note):
    with open(path, "w") as f:
        f.write('{"torch": %s, "seed": %d, "note": %s, "cases": [\n' % (json.dumps(torch.__version__), SEED, json.dumps(note)))
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


def main():
    cases, ops = generate(SEED, COUNT, False, None)
    write(
        os.path.join(HERE, "cases.json"),
        cases,
        "generated by tests/tensor_parity/generate.py; value and gradients from PyTorch float64",
    )
    print(f"cases.json: {len(cases)} programs; constructions used: {sorted(ops)}")
    special = lambda c, used: "index" in c or has_axis(c["program"])  # noqa: E731
    cases, ops = generate(SEED + 1, COUNT_INDEX_AXIS, True, special)
    write(
        os.path.join(HERE, "cases_index_axis.json"),
        cases,
        "p[y], W[i,j] (an index held by a variable; its gradient is 0) and sum/mean(W, axis); "
        "generated by tests/tensor_parity/generate.py from PyTorch float64",
    )
    print(f"cases_index_axis.json: {len(cases)} programs; constructions used: {sorted(ops)}")


if __name__ == "__main__":
    main()
