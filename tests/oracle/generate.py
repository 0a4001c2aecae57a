#!/usr/bin/env python3
"""PyTorch oracle for autograd-cli: writes tests/oracle/vectors.json.

Seeded and deterministic. Each test case is an expression (or a program of
named statements), a point, and the value and gradient PyTorch computes there
in float64. `tests/oracle.rs` runs every case through the real binary.

How a case is made:

1. A random syntax tree is built (`Gen`), often around a "feature" that must
   be covered: an operator or alias, a function and arity, a form of implicit
   multiplication, a position of unary minus, a kind of program.
2. The tree is rendered with as few parentheses as the precedence table of the
   language allows (`render`): a child is parenthesised only when its level is
   looser than its position needs. Styles (aliases, implicit multiplication,
   spacing) are picked at random per node and per case.
3. The text is parsed back by an independent parser of the specification
   (`SpecParser`, precedence climbing) and must give the same tree; a mismatch
   is a generator bug and stops the run. (It also catches lexical traps such as
   `2e+1`, which is a number, not `2*e + 1`.)
4. A point is drawn; PyTorch evaluates the tree with float64 leaves that
   require grad, and `torch.autograd.grad` gives the gradient. Points near
   kinks and singularities are refused (see `Reject`), and so is any case
   where a value or gradient is not finite or is huge.
5. The same tree is evaluated with mpmath at 40 digits (forward-mode
   derivatives). A case where PyTorch's float64 answer is more than 1e-11
   (relative) off the exact one is ill-conditioned: two correct float64
   implementations could then differ by more than the test's 1e-9, so it is
   refused. The recorded numbers are PyTorch's.

Run from the repository root:  python3 tests/oracle/generate.py
"""

import argparse
import json
import math
import os
import random
import re
import sys
import unicodedata
from collections import Counter

import mpmath
import torch

SEED = 20240611
mpmath.mp.dps = 40
DTYPE = torch.float64

# ---------------------------------------------------------------------------
# The language (README, "The language")
# ---------------------------------------------------------------------------

# Precedence levels, loosest first. Postfix ²/³ is rendered as a power whose
# base is an atom, so for its parent it is a level-4 node like `x^2`.
LEVEL = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
PREFIX_LEVEL = 3
ATOM = 5

VARIABLES = ["x", "y", "z", "w", "t", "u", "v", "k", "α", "β", "θ", "λ", "μ", "ŷ", "x1", "x_2", "_k"]
STATEMENT_NAMES = ["a", "b", "c", "h", "p", "q", "m", "s", "loss", "out", "hid", "act", "z2", "L", "ŷ2"]

# (name, arity) → how to build it. `spelled` is what the text says.
UNARY_FUNCTIONS = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp",
    "ln", "log2", "log10", "sqrt", "abs", "sigmoid", "σ", "relu", "softplus",
]
# Every call form the generator knows: (spelled name, number of arguments).
CALL_FORMS = [(f, 1) for f in UNARY_FUNCTIONS] + [
    ("log", 1), ("log", 2), ("max", 2), ("max", 3), ("min", 2), ("min", 3), ("pow", 2),
]

# Number literals in every written form, with a weight.
NUMBER_LITERALS = [
    "2", "3", "4", "5", "7", "10", "1",
    "0.5", "1.5", "2.25", "3.14", "0.1", "1.25",
    ".5", ".25", ".75",
    "1e-3", "5e-1", "1.5e2", "2.5E+4", "2E0", "3e+0", "2.5e-1", "1E-2",
]

CONSTANTS = {"pi": math.pi, "π": math.pi, "e": math.e}


class Node:
    """A syntax tree node.

    kind: num(value, text) | var(name) | ref(name: an earlier statement)
          | const(name) | bin(op, a, b, style) | neg(a, style) | pos(a)
          | call(spelled, args)
    bin styles: `+`; `-` `−`; `*` `·` `×` `implicit`; `/` `÷`; `^` `**` `²` `³`.
    """

    __slots__ = ("kind", "op", "a", "b", "style", "value", "text", "name", "args")

    def __init__(self, kind, **kw):
        self.kind = kind
        self.op = self.a = self.b = self.style = None
        self.value = self.text = self.name = None
        self.args = ()
        for k, v in kw.items():
            setattr(self, k, v)


def Num(text):
    return Node("num", value=float(text), text=text)


def Var(name):
    return Node("var", name=name)


def Ref(name):
    return Node("ref", name=name)


def Const(name):
    return Node("const", name=name)


STYLES = {"+": ("+",), "-": ("-", "−"), "*": ("*", "·", "×", "implicit"), "/": ("/", "÷"), "^": ("^", "**", "²", "³")}


def Bin(op, a, b, style=None):
    if style not in STYLES[op]:
        style = op
    if style in ("²", "³") and not (b.kind == "num" and b.text == ("2" if style == "²" else "3")):
        style = "^"  # a postfix power only for its own exponent
    return Node("bin", op=op, a=a, b=b, style=style or op)


def Neg(a, style="-"):
    return Node("neg", a=a, style=style)


def Pos(a):
    return Node("pos", a=a)


def Call(spelled, *args):
    return Node("call", name=spelled, args=tuple(args))


def level(n):
    if n.kind == "bin":
        return LEVEL[n.op]
    if n.kind in ("neg", "pos"):
        return PREFIX_LEVEL
    return ATOM


def walk(n):
    yield n
    if n.kind == "bin":
        yield from walk(n.a)
        yield from walk(n.b)
    elif n.kind in ("neg", "pos"):
        yield from walk(n.a)
    elif n.kind == "call":
        for a in n.args:
            yield from walk(a)


def is_constant(n):
    """No variable or statement below: a constant expression."""
    return not any(m.kind in ("var", "ref") for m in walk(n))


# ---------------------------------------------------------------------------
# Lexer and parser of the specification (independent of the renderer)
# ---------------------------------------------------------------------------

NUMBER_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]+)*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
DIGITS = "0123456789"
SINGLE = {
    "+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00b7": "*", "\u00d7": "*",
    "/": "/", "\u00f7": "/", "^": "^", "\u00b2": "²", "\u00b3": "³",
    "(": "(", ")": ")", ",": ",",
}


def name_start(c):
    return c.isalpha() or c == "_"


def name_continue(c):
    cat = unicodedata.category(c)
    return c.isalpha() or c == "_" or cat == "Nd" or cat.startswith("M")


def lex(s):
    """Tokens (kind, payload): num, name, or an operator/punctuation."""
    toks = []
    i = 0
    while i < len(s):
        c = s[i]
        if c in " \t\r":
            i += 1
            continue
        if c in DIGITS or (c == "." and i + 1 < len(s) and s[i + 1] in DIGITS):
            m = NUMBER_RE.match(s, i)
            toks.append(("num", m.group()))
            i = m.end()
            continue
        if name_start(c):
            j = i + 1
            while j < len(s) and name_continue(s[j]):
                j += 1
            toks.append(("name", s[i:j]))
            i = j
            continue
        if s.startswith("**", i):
            toks.append(("^", "**"))
            i += 2
            continue
        if c in SINGLE:
            toks.append((SINGLE[c], c))
            i += 1
            continue
        raise SyntaxError(f"unexpected {c!r} in {s!r}")
    return toks


class SpecParser:
    """Precedence climbing over the precedence table of the README, "The language"; returns canonical tuples."""

    def __init__(self, text):
        self.toks = lex(text)
        self.i = 0
        self.last = None  # kind of the last token consumed

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        self.last = t[0]
        return t

    def parse(self):
        e = self.expr(1)
        if self.i != len(self.toks):
            raise SyntaxError(f"trailing {self.toks[self.i:]}")
        return e

    def expr(self, min_level):
        t = self.peek()
        if t in ("-", "+"):
            self.take()
            operand = self.expr(PREFIX_LEVEL + 1)
            lhs = ("neg", operand) if t == "-" else ("pos", operand)
        else:
            lhs = self.primary()
        while True:
            t = self.peek()
            if t in ("²", "³"):
                self.take()
                lhs = ("^", lhs, ("num", 2.0 if t == "²" else 3.0))
                continue
            if t in LEVEL:
                lv = LEVEL[t]
                if lv < min_level:
                    break
                self.take()
                rhs = self.expr(lv if t == "^" else lv + 1)
                lhs = (t, lhs, rhs)
                continue
            implicit = (self.last == "num" and t in ("name", "(")) or (self.last == ")" and t == "(")
            if implicit:
                if LEVEL["*"] < min_level:
                    break
                rhs = self.expr(LEVEL["*"] + 1)
                lhs = ("*", lhs, rhs)
                continue
            break
        return lhs

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "name":
            if self.peek() == "(":
                self.take()
                args = [self.expr(1)]
                while self.peek() == ",":
                    self.take()
                    args.append(self.expr(1))
                if self.take()[0] != ")":
                    raise SyntaxError("expected )")
                return ("call", text, tuple(args))
            return ("name", text)
        if kind == "(":
            e = self.expr(1)
            if self.take()[0] != ")":
                raise SyntaxError("expected )")
            return e
        raise SyntaxError(f"unexpected {text!r}")


def canon(n):
    """The tree as the spec parser would return it."""
    k = n.kind
    if k == "num":
        return ("num", n.value)
    if k in ("var", "ref", "const"):
        return ("name", n.name)
    if k == "neg":
        return ("neg", canon(n.a))
    if k == "pos":
        return ("pos", canon(n.a))
    if k == "call":
        return ("call", n.name, tuple(canon(a) for a in n.args))
    return (n.op, canon(n.a), canon(n.b))


# ---------------------------------------------------------------------------
# Rendering with minimal parentheses
# ---------------------------------------------------------------------------


class Renderer:
    """Renders a tree. `spaced`: False (no blanks), "ops" (blanks around
    binary operators but `^`, after commas) or "all" (around `^` too)."""

    def __init__(self, spaced, no_implicit_e=False):
        self.spaced = spaced
        self.no_implicit_e = no_implicit_e
        self.implicit_forms = []  # one entry per implicit multiplication written

    def child(self, n, min_level):
        s = self.render(n)
        return f"({s})" if level(n) < min_level else s

    def binop(self, sym):
        return f" {sym} " if self.spaced else sym

    def render(self, n):
        k = n.kind
        if k == "num":
            return n.text
        if k in ("var", "ref", "const"):
            return n.name
        if k == "neg":
            return n.style + self.child(n.a, PREFIX_LEVEL)
        if k == "pos":
            return "+" + self.child(n.a, PREFIX_LEVEL)
        if k == "call":
            sep = ", " if self.spaced else ","
            return n.name + "(" + sep.join(self.render(a) for a in n.args) + ")"
        op = n.op
        if op in ("+", "-"):
            return self.child(n.a, 1) + self.binop(n.style) + self.child(n.b, 2)
        if op == "/":
            return self.child(n.a, 2) + self.binop(n.style) + self.child(n.b, 3)
        if op == "*":
            left = self.child(n.a, 2)
            right = self.child(n.b, 3)
            if n.style == "implicit":
                form = implicit_form(left, right, n.b)
                if form is None or (self.no_implicit_e and lex(right)[0] == ("name", "e")):
                    n.style = "*"  # not writable without an operator here
                else:
                    self.implicit_forms.append(form)
                    return left + right
            return left + self.binop(n.style) + right
        # op == "^"
        if n.style in ("²", "³"):
            return self.child(n.a, ATOM) + n.style
        sym = f" {n.style} " if self.spaced == "all" else n.style
        return self.child(n.a, ATOM) + sym + self.child(n.b, PREFIX_LEVEL)


def implicit_form(left, right, right_node):
    """Which form of implicit multiplication `left right` is, or None when the
    language does not read it as one (README, "The language": a number followed by a name, a
    call or `(`; and `)(`)."""
    lt, rt = lex(left), lex(right)
    last, first = lt[-1], rt[0]
    if last[0] == "num" and first[0] == "name":
        if len(rt) > 1 and rt[1][0] == "(":
            return "number·call"
        if first[1] in CONSTANTS:
            return "number·constant"
        return "number·name"
    if last[0] == "num" and first[0] == "(":
        return "number·(…)"
    if last[0] == ")" and first[0] == "(":
        # Does the `)` close a call or a group?
        depth = 0
        for j in range(len(lt) - 1, -1, -1):
            if lt[j][0] == ")":
                depth += 1
            elif lt[j][0] == "(":
                depth -= 1
                if depth == 0:
                    return "call(…)(…)" if j > 0 and lt[j - 1][0] == "name" else "(…)(…)"
    return None


# ---------------------------------------------------------------------------
# Random trees
# ---------------------------------------------------------------------------


class Gen:
    def __init__(self, rng, names):
        self.rng = rng
        self.names = names  # variables (and statement refs) a leaf may use

    def leaf(self, var_weight=0.72):
        r = self.rng.random()
        if r < var_weight:
            name = self.rng.choice(self.names)
            return Ref(name) if name in STATEMENT_NAMES else Var(name)
        if r < 0.95:
            return Num(self.rng.choice(NUMBER_LITERALS))
        return Const(self.rng.choice(list(CONSTANTS)))

    def var(self):
        name = self.rng.choice(self.names)
        return Ref(name) if name in STATEMENT_NAMES else Var(name)

    def mul_style(self):
        return self.rng.choices(["*", "·", "×", "implicit"], [0.45, 0.1, 0.1, 0.35])[0]

    def tree(self, depth):
        rng = self.rng
        if depth <= 0 or rng.random() < 0.12:
            return self.leaf()
        kind = rng.choices(
            ["+", "-", "*", "/", "^", "neg", "pos", "call"],
            [0.15, 0.12, 0.18, 0.1, 0.1, 0.08, 0.02, 0.25],
        )[0]
        d = depth - 1
        if kind == "+":
            return Bin("+", self.tree(d), self.tree(d))
        if kind == "-":
            return Bin("-", self.tree(d), self.tree(d), rng.choice(["-", "-", "-", "−"]))
        if kind == "*":
            a = Num(rng.choice(NUMBER_LITERALS)) if rng.random() < 0.3 else self.tree(d)
            return Bin("*", a, self.tree(d), self.mul_style())
        if kind == "/":
            return Bin("/", self.tree(d), self.tree(d), rng.choice(["/", "/", "/", "÷"]))
        if kind == "^":
            return self.power(d)
        if kind == "neg":
            return Neg(self.tree(d), rng.choice(["-", "-", "-", "−"]))
        if kind == "pos":
            return Pos(self.tree(d))
        return self.call(rng.choice(CALL_FORMS), d)

    def exponent(self, d):
        """A constant exponent (integer, fraction, negative) or a variable one."""
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return Num(rng.choice(["2", "3", "2", "3", "4", "1"]))
        if r < 0.5:
            return Num(rng.choice(["0.5", ".5", "1.5", "2.5", "0.25"]))
        if r < 0.62:
            return Neg(Num(rng.choice(["1", "2", "0.5", "3"])), rng.choice(["-", "−"]))
        return self.tree(min(d, 1))  # a variable exponent (base must be > 0)

    def power(self, d):
        rng = self.rng
        base = self.tree(min(d, 2))
        e = self.exponent(d)
        style = rng.choice(["^", "^", "^", "**"])
        if e.kind == "num" and e.text in ("2", "3") and rng.random() < 0.3:
            style = "²" if e.text == "2" else "³"
        return Bin("^", base, e, style)

    def call(self, form, d):
        name, arity = form
        return Call(name, *[self.tree(d) for _ in range(arity)])


# ---------------------------------------------------------------------------
# Features: each builds a subtree that must contain it
# ---------------------------------------------------------------------------


def build_feature(g, feature, d):
    """A subtree exercising `feature` (its other parts random, depth ≤ d)."""
    rng = g.rng
    t = lambda: g.tree(d)  # noqa: E731
    v = g.var
    small = lambda: g.tree(min(d, 1))  # noqa: E731
    if feature.startswith("call:"):
        name, arity = feature[5:].rsplit("/", 1)
        return g.call((name, int(arity)), d)
    F = {
        "op:+": lambda: Bin("+", t(), t()),
        "op:-": lambda: Bin("-", t(), t()),
        "op:− (U+2212)": lambda: Bin("-", t(), t(), "−"),
        "op:*": lambda: Bin("*", t(), t(), "*"),
        "op:·": lambda: Bin("*", t(), t(), "·"),
        "op:×": lambda: Bin("*", t(), t(), "×"),
        "op:/": lambda: Bin("/", t(), t(), "/"),
        "op:÷": lambda: Bin("/", t(), t(), "÷"),
        "op:^": lambda: Bin("^", small(), g.exponent(1), "^"),
        "op:**": lambda: Bin("^", small(), g.exponent(1), "**"),
        "op:²": lambda: Bin("^", small(), Num("2"), "²"),
        "op:³": lambda: Bin("^", small(), Num("3"), "³"),
        "op:unary -": lambda: Neg(t(), "-"),
        "op:unary −": lambda: Neg(t(), "−"),
        "op:unary +": lambda: Pos(t()),
        # Powers
        "pow:constant integer exponent": lambda: Bin("^", small(), Num(rng.choice(["2", "3", "4"])), rng.choice(["^", "**"])),
        "pow:constant fractional exponent": lambda: Bin("^", small(), Num(rng.choice(["0.5", ".5", "1.5", "2.5"])), rng.choice(["^", "**"])),
        "pow:negative exponent": lambda: Bin("^", small(), Neg(Num(rng.choice(["1", "2", "0.5"]))), rng.choice(["^", "**"])),
        "pow:variable exponent": lambda: Bin("^", rng.choice([Num(rng.choice(["2", "3", "0.5", "1.5"])), Const("e"), v()]), small(), rng.choice(["^", "**"])),
        "pow:right associative chain": lambda: Bin("^", rng.choice([Num("2"), Num("1.5"), v()]), Bin("^", rng.choice([v(), Num("2")]), rng.choice([Num("2"), Num("0.5"), v()]))),
        "pow:left-nested (parenthesised)": lambda: Bin("^", Bin("^", v(), Num(rng.choice(["2", "3"]))), Num(rng.choice(["2", "0.5"]))),
        "pow:negative base (-x)^n": lambda: Bin("^", Neg(small()), Num(rng.choice(["2", "3"])), rng.choice(["^", "²", "³"])),
        "pow:of a call": lambda: Bin("^", g.call(rng.choice(CALL_FORMS), min(d, 1)), g.exponent(1), rng.choice(["^", "**", "²", "^"])),
        # Unary minus in every position
        "neg:leading (-x^2)": lambda: Neg(Bin("^", v(), Num("2"), rng.choice(["^", "²"]))),
        "neg:leading (-a*b)": lambda: Bin("*", Neg(v()), t(), rng.choice(["*", "·"])),
        "neg:after + -": lambda: Bin(rng.choice(["+", "-"]), t(), Neg(t()), rng.choice(["+", "-", "−"])),
        "neg:after * /": lambda: Bin(rng.choice(["*", "/"]), t(), Neg(small()), None),
        "neg:in exponent": lambda: Bin("^", rng.choice([Num("2"), v(), Const("e")]), Neg(small()), rng.choice(["^", "**"])),
        "neg:in exponent with power (x^-y^2)": lambda: Bin("^", Num(rng.choice(["2", "3"])), Neg(Bin("^", v(), Num("2"))), "^"),
        "neg:nested (--x)": lambda: Neg(Neg(t())),
        "neg:nested (-(-x))": lambda: Neg(Neg(small())),
        "neg:nested (-f(-x))": lambda: Neg(Call(rng.choice(UNARY_FUNCTIONS), Neg(small()))),
        "neg:in call argument": lambda: g_call_with_neg(g, d),
        "neg:of a group -(a+b)": lambda: Neg(Bin(rng.choice(["+", "-"]), t(), t())),
        # Implicit multiplication
        "implicit:number·name (2x)": lambda: Bin("*", Num(rng.choice(NUMBER_LITERALS)), v(), "implicit"),
        "implicit:number·constant (2pi)": lambda: Bin("*", Num(rng.choice(["2", "3", "0.5", ".5"])), Const(rng.choice(["pi", "π", "e"])), "implicit"),
        "implicit:number·call (2sin(x))": lambda: Bin("*", Num(rng.choice(NUMBER_LITERALS)), g.call(rng.choice(CALL_FORMS), min(d, 1)), "implicit"),
        "implicit:number·(…) (3(x+1))": lambda: Bin("*", Num(rng.choice(NUMBER_LITERALS)), Bin(rng.choice(["+", "-"]), t(), t()), "implicit"),
        "implicit:(…)(…)": lambda: Bin("*", Bin(rng.choice(["+", "-"]), small(), small()), Bin(rng.choice(["+", "-", "*", "/"]), small(), small()), "implicit"),
        "implicit:call(…)(…)": lambda: Bin("*", g.call(rng.choice(CALL_FORMS), min(d, 1)), Bin(rng.choice(["+", "-"]), small(), small()), "implicit"),
        "implicit:number·name^n (2x^2)": lambda: Bin("*", Num(rng.choice(NUMBER_LITERALS)), Bin("^", v(), Num(rng.choice(["2", "3"])), rng.choice(["^", "²", "³", "**"])), "implicit"),
        "implicit:after a fraction (1/2x)": lambda: Bin("*", Bin("/", rng.choice([Num("1"), v()]), Num(rng.choice(["2", "3", "4"]))), v(), "implicit"),
        "implicit:after an exponent (x^2y)": lambda: Bin("*", Bin("^", v(), Num(rng.choice(["2", "3"]))), v(), "implicit"),
        "implicit:after a sign (-2x)": lambda: Bin("*", Neg(Num(rng.choice(["2", "3", "0.5"]))), v(), "implicit"),
        "implicit:chain (2x(y+1)…)": lambda: Bin("*", Bin("*", Num(rng.choice(["2", "3"])), Bin("+", v(), Num("1")), "implicit"), Bin("-", v(), small()), "implicit"),
        # Constants and numbers
        "const:pi": lambda: Bin(rng.choice(["*", "+", "/"]), Const("pi"), t()),
        "const:π": lambda: Bin(rng.choice(["*", "+", "-"]), t(), Const("π")),
        "const:e": lambda: Bin(rng.choice(["*", "+", "^"]), Const("e"), small()),
        "number:integer": lambda: Bin("*", Num(rng.choice(["2", "3", "7", "10"])), t()),
        "number:decimal": lambda: Bin("+", t(), Num(rng.choice(["0.5", "3.14", "1.25"]))),
        "number:leading dot (.5)": lambda: Bin("*", Num(rng.choice([".5", ".25", ".75"])), t()),
        "number:exponent (1e-3, 2.5E+4)": lambda: Bin(rng.choice(["*", "/", "+"]), t(), Num(rng.choice(["1e-3", "2.5E+4", "1.5e2", "5e-1", "2E0", "3e+0", "1E-2"]))),
        # Associativity
        "assoc:a-b-c": lambda: Bin("-", Bin("-", t(), t()), t()),
        "assoc:a-(b-c)": lambda: Bin("-", t(), Bin(rng.choice(["-", "+"]), t(), t())),
        "assoc:x/y/z": lambda: Bin("/", Bin("/", t(), small()), small()),
        "assoc:x/(y/z)": lambda: Bin("/", t(), Bin(rng.choice(["/", "*"]), small(), small())),
        "assoc:x/(y*z)": lambda: Bin("/", t(), Bin("*", small(), small(), g.mul_style())),
        # Identical subexpressions (one node in the graph; gradients add up)
        "shared:repeated subexpression": lambda: shared(g, t()),
        "shared:repeated call (σ(z)(1-σ(z)))": lambda: shared_call(g, small()),
    }
    return F[feature]()


def shared(g, sub):
    """`sub` used twice or three times."""
    rng = g.rng
    f = rng.choice(UNARY_FUNCTIONS)
    return rng.choice([
        lambda: Bin(rng.choice(["+", "-", "*", "/"]), sub, Call(f, sub), g.mul_style()),
        lambda: Bin("*", sub, sub, rng.choice(["*", "·", "implicit"])),
        lambda: Bin("+", Bin("^", sub, Num("2"), rng.choice(["^", "²"])), Bin("*", Num("3"), sub, "implicit")),
        lambda: Call(rng.choice(["max", "min"]), sub, Bin("*", Num("2"), sub, "implicit"), Neg(sub)),
        lambda: Bin("-", Call(f, sub), Bin("/", sub, Call(f, sub))),
    ])()


def shared_call(g, z):
    rng = g.rng
    f = rng.choice(["σ", "sigmoid", "tanh", "exp", "sin", "softplus"])
    fz = Call(f, z)
    return rng.choice([
        lambda: Bin("*", fz, Bin("-", Num("1"), fz), "implicit"),
        lambda: Bin("+", fz, Bin("*", fz, fz)),
        lambda: Bin("/", fz, Bin("+", Num("1"), Call(f, z))),
    ])()


def g_call_with_neg(g, d):
    name, arity = g.rng.choice(CALL_FORMS)
    args = [g.tree(d) for _ in range(arity)]
    args[g.rng.randrange(arity)] = Neg(g.tree(min(d, 1)))
    return Call(name, *args)


EXPRESSION_FEATURES = (
    [f"call:{name}/{arity}" for name, arity in CALL_FORMS]
    + [
        "op:+", "op:-", "op:− (U+2212)", "op:*", "op:·", "op:×", "op:/", "op:÷",
        "op:^", "op:**", "op:²", "op:³", "op:unary -", "op:unary −", "op:unary +",
        "pow:constant integer exponent", "pow:constant fractional exponent",
        "pow:negative exponent", "pow:variable exponent", "pow:right associative chain",
        "pow:left-nested (parenthesised)", "pow:negative base (-x)^n", "pow:of a call",
        "neg:leading (-x^2)", "neg:leading (-a*b)", "neg:after + -", "neg:after * /",
        "neg:in exponent", "neg:in exponent with power (x^-y^2)", "neg:nested (--x)",
        "neg:nested (-(-x))", "neg:nested (-f(-x))", "neg:in call argument", "neg:of a group -(a+b)",
        "implicit:number·name (2x)", "implicit:number·constant (2pi)",
        "implicit:number·call (2sin(x))", "implicit:number·(…) (3(x+1))", "implicit:(…)(…)",
        "implicit:call(…)(…)", "implicit:number·name^n (2x^2)", "implicit:after a fraction (1/2x)",
        "implicit:after an exponent (x^2y)", "implicit:after a sign (-2x)", "implicit:chain (2x(y+1)…)",
        "const:pi", "const:π", "const:e",
        "number:integer", "number:decimal", "number:leading dot (.5)", "number:exponent (1e-3, 2.5E+4)",
        "assoc:a-b-c", "assoc:a-(b-c)", "assoc:x/y/z", "assoc:x/(y/z)", "assoc:x/(y*z)",
        "shared:repeated subexpression", "shared:repeated call (σ(z)(1-σ(z)))",
    ]
)
# Functions added after the vectors were first made: drawn last, and only
# as features (not in the random trees), so that the cases before them stay
# as they were.
LATER_FEATURES = ["call:logsigmoid/1", "call:log1p/1"]
PROGRAM_FEATURES = ["program:; separated", "program:newline separated", "program:newlines with # comments", "program:mixed ; and newlines"]


def embed(g, sub, d):
    """Puts `sub` somewhere in a small random tree (or alone)."""
    rng = g.rng
    r = rng.random()
    if r < 0.35 or d <= 0:
        return sub
    other = g.tree(min(d, 2))
    if r < 0.55:
        return Bin(rng.choice(["+", "-", "*", "/"]), sub, other, None)
    if r < 0.75:
        op = rng.choice(["+", "-", "*", "/"])
        return Bin(op, other, sub, g.mul_style() if op == "*" else None)
    if r < 0.9:
        return Call(rng.choice(UNARY_FUNCTIONS), sub)
    return Bin("^", sub, Num(rng.choice(["2", "3"])), rng.choice(["^", "²"])) if rng.random() < 0.5 else Neg(sub)


# ---------------------------------------------------------------------------
# Evaluation: PyTorch (the oracle) and mpmath (the conditioning check)
# ---------------------------------------------------------------------------


class Reject(Exception):
    pass


def as_int_exponent(n):
    """The integer value of a constant exponent, or None."""
    if not is_constant(n):
        return None
    v = eval_const(n)
    return int(v) if v == int(v) and abs(v) < 64 else None


def eval_const(n):
    with torch.no_grad():
        return TorchEval({}, {}).ev(n).item()


class TorchEval:
    def __init__(self, leaves, refs):
        self.leaves = leaves  # variable name → leaf tensor
        self.refs = refs      # statement name → tensor

    def ev(self, n):
        out = self._ev(n)
        val = out.item()
        if not math.isfinite(val) or abs(val) > 1e12:
            raise Reject("value not finite or huge")
        return out

    def _ev(self, n):
        k = n.kind
        if k == "num":
            return torch.tensor(n.value, dtype=DTYPE)
        if k == "const":
            return torch.tensor(CONSTANTS[n.name], dtype=DTYPE)
        if k == "var":
            return self.leaves[n.name]
        if k == "ref":
            return self.refs[n.name]
        if k == "neg":
            return -self.ev(n.a)
        if k == "pos":
            return self.ev(n.a)
        if k == "bin":
            a, b = self.ev(n.a), self.ev(n.b)
            if n.op == "+":
                return a + b
            if n.op == "-":
                return a - b
            if n.op == "*":
                return a * b
            if n.op == "/":
                if abs(b.item()) < 1e-3:
                    raise Reject("division near zero")
                return a / b
            return self.power(a, b, n.b)
        return self.call(n)

    def power(self, a, b, exponent_node):
        av, bv = a.item(), b.item()
        if is_constant(exponent_node) and bv == int(bv):
            if bv < 0 and abs(av) < 1e-3:
                raise Reject("negative power near zero")
        elif av < 1e-2:
            raise Reject("non-integer or variable exponent on a base not > 0")
        if abs(bv) > 60:
            raise Reject("exponent too large")
        return torch.pow(a, b)

    def call(self, n):
        name = n.name
        args = [self.ev(a) for a in n.args]
        vals = [a.item() for a in args]
        x = args[0]
        v = vals[0]
        if name in ("max", "min"):
            for i in range(len(vals)):
                for j in range(i + 1, len(vals)):
                    if abs(vals[i] - vals[j]) < 1e-3:
                        raise Reject("max/min arguments close")
            f = torch.maximum if name == "max" else torch.minimum
            out = args[0]
            for a in args[1:]:
                out = f(out, a)
            return out
        if name == "pow":
            return self.power(args[0], args[1], n.args[1])
        if name == "log1p" and v < -1 + 1e-3:
            raise Reject("log1p argument not > -1")
        if name in ("ln", "log", "log2", "log10", "sqrt") and v < 1e-3:
            raise Reject(f"{name} argument not positive")
        if name == "log" and len(args) == 2:
            if vals[1] < 1e-3 or abs(math.log(vals[1])) < 0.05:
                raise Reject("log base not > 0 or near 1")
            return torch.log(args[0]) / torch.log(args[1])
        if name in ("relu", "abs") and abs(v) < 1e-3:
            raise Reject(f"{name} at a kink")
        if name in ("asin", "acos") and not -0.95 < v < 0.95:
            raise Reject(f"{name} argument outside (-0.95, 0.95)")
        if name == "tan" and abs(math.cos(v)) < 0.02:
            raise Reject("tan near a pole")
        if name in ("exp", "sinh", "cosh") and abs(v) > 50:
            raise Reject(f"{name} argument too large")
        if name == "softplus" and 15 <= v <= 40:
            raise Reject("softplus near PyTorch's threshold")
        fn = {
            "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin,
            "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
            "tanh": torch.tanh, "exp": torch.exp, "ln": torch.log, "log": torch.log,
            "log2": torch.log2, "log10": torch.log10, "sqrt": torch.sqrt, "abs": torch.abs,
            "sigmoid": torch.sigmoid, "σ": torch.sigmoid, "relu": torch.relu,
            "softplus": torch.nn.functional.softplus,
            "logsigmoid": torch.nn.functional.logsigmoid, "log1p": torch.log1p,
        }[name]
        return fn(x)


class MpEval:
    """Forward-mode derivatives at 40 digits: (value, {variable: ∂/∂variable})."""

    def __init__(self, point, refs):
        self.point = point
        self.refs = refs

    def ev(self, n):
        mp = mpmath.mp
        k = n.kind
        if k == "num":
            return mp.mpf(n.text), {}
        if k == "const":
            return (mp.pi if n.name in ("pi", "π") else mp.e), {}
        if k == "var":
            return mp.mpf(self.point[n.name]), {n.name: mp.mpf(1)}
        if k == "ref":
            return self.refs[n.name]
        if k == "neg":
            v, d = self.ev(n.a)
            return -v, scale(d, -1)
        if k == "pos":
            return self.ev(n.a)
        if k == "bin":
            (a, da), (b, db) = self.ev(n.a), self.ev(n.b)
            if n.op == "+":
                return a + b, combine(da, 1, db, 1)
            if n.op == "-":
                return a - b, combine(da, 1, db, -1)
            if n.op == "*":
                return a * b, combine(da, b, db, a)
            if n.op == "/":
                return a / b, combine(da, 1 / b, db, -a / (b * b))
            return self.power(a, da, b, db, n.b)
        return self.call(n)

    def power(self, a, da, b, db, exponent_node):
        mp = mpmath.mp
        ie = as_int_exponent(exponent_node)
        if ie is not None:
            return a ** ie, scale(da, ie * a ** (ie - 1))
        y = mp.power(a, b)
        return y, combine(da, b * mp.power(a, b - 1), db, y * mp.log(a))

    def call(self, n):
        mp = mpmath.mp
        name = n.name
        evs = [self.ev(a) for a in n.args]
        x, dx = evs[0]
        if name in ("max", "min"):
            pick = (max if name == "max" else min)(evs, key=lambda e: e[0])
            return pick
        if name == "pow":
            return self.power(evs[0][0], evs[0][1], evs[1][0], evs[1][1], n.args[1])
        if name == "log" and len(evs) == 2:
            b, db = evs[1]
            lb = mp.log(b)
            return mp.log(x) / lb, combine(dx, 1 / (x * lb), db, -mp.log(x) / (b * lb * lb))
        sig = lambda t: 1 / (1 + mp.exp(-t))  # noqa: E731
        f, df = {
            "sin": (mp.sin, mp.cos),
            "cos": (mp.cos, lambda t: -mp.sin(t)),
            "tan": (mp.tan, lambda t: 1 / mp.cos(t) ** 2),
            "asin": (mp.asin, lambda t: 1 / mp.sqrt(1 - t * t)),
            "acos": (mp.acos, lambda t: -1 / mp.sqrt(1 - t * t)),
            "atan": (mp.atan, lambda t: 1 / (1 + t * t)),
            "sinh": (mp.sinh, mp.cosh),
            "cosh": (mp.cosh, mp.sinh),
            "tanh": (mp.tanh, lambda t: 1 / mp.cosh(t) ** 2),
            "exp": (mp.exp, mp.exp),
            "ln": (mp.log, lambda t: 1 / t),
            "log": (mp.log, lambda t: 1 / t),
            "log2": (lambda t: mp.log(t, 2), lambda t: 1 / (t * mp.log(2))),
            "log10": (lambda t: mp.log(t, 10), lambda t: 1 / (t * mp.log(10))),
            "sqrt": (mp.sqrt, lambda t: 1 / (2 * mp.sqrt(t))),
            "abs": (abs, lambda t: mp.sign(t)),
            "sigmoid": (sig, lambda t: sig(t) * (1 - sig(t))),
            "σ": (sig, lambda t: sig(t) * (1 - sig(t))),
            "relu": (lambda t: t if t > 0 else mp.mpf(0), lambda t: mp.mpf(1 if t > 0 else 0)),
            "softplus": (lambda t: mp.log(1 + mp.exp(t)), sig),
            "logsigmoid": (lambda t: mp.log(sig(t)), lambda t: sig(-t)),
            "log1p": (mp.log1p, lambda t: 1 / (1 + t)),
        }[name]
        return f(x), scale(dx, df(x))


def scale(d, c):
    return {k: v * c for k, v in d.items()}


def combine(da, ca, db, cb):
    out = {k: v * ca for k, v in da.items()}
    for k, v in db.items():
        out[k] = out.get(k, 0) + v * cb
    return out


def close(a, b, rel, floor):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), floor)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


class Case:
    """An expression or a program: statements [(name or None, tree)], the
    variables it uses in order of first appearance, and its text."""

    def __init__(self, statements, text, variables, feature, meta):
        self.statements = statements
        self.text = text
        self.variables = variables
        self.feature = feature
        self.meta = meta  # coverage notes from rendering


def sample_point(rng, variables, mode):
    point = {}
    for name in variables:
        if mode == "positive":
            val = rng.uniform(0.2, 3.0)
        elif mode == "nice":
            val = rng.choice([-2.5, -2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0])
        elif mode == "wide":
            val = rng.uniform(-12.0, 12.0)
            if abs(val) < 0.05:
                val = 7.5
        elif mode == "small":
            val = rng.uniform(-0.9, 0.9)
            if abs(val) < 0.05:
                val = 0.5
        else:
            val = rng.uniform(-3.0, 3.0)
            if abs(val) < 0.05:
                val = 1.25
        point[name] = val
    return point


def evaluate(case, point):
    """PyTorch's value and gradient at `point`, checked against mpmath; raises
    Reject when the point is unsuitable."""
    leaves = {name: torch.tensor(point[name], dtype=DTYPE, requires_grad=True) for name in case.variables}
    refs = {}
    out = None
    for name, tree in case.statements:
        out = TorchEval(leaves, refs).ev(tree)
        if name is not None:
            refs[name] = out
    if not out.requires_grad:
        raise Reject("output does not depend on a variable")
    grads = torch.autograd.grad(out, [leaves[v] for v in case.variables], allow_unused=True)
    value = out.item()
    gradient = {}
    for name, g in zip(case.variables, grads):
        gv = 0.0 if g is None else g.item()
        if not math.isfinite(gv) or abs(gv) > 1e12:
            raise Reject("gradient not finite or huge")
        gradient[name] = gv

    # The exact answer, to refuse ill-conditioned cases.
    mrefs = {}
    mv = md = None
    for name, tree in case.statements:
        mv, md = MpEval(point, mrefs).ev(tree)
        if name is not None:
            mrefs[name] = (mv, md)
    if not close(value, float(mv), 1e-11, 1e-13):
        raise Reject("ill-conditioned value")
    for name in case.variables:
        if not close(gradient[name], float(md.get(name, 0)), 1e-11, 1e-13):
            raise Reject("ill-conditioned gradient")
    return value, gradient


def format_point(point, variables):
    return ",".join(f"{name}={point[name]!r}" for name in variables)


def first_appearance(text, allowed):
    order = []
    for kind, payload in lex_program(text):
        if kind == "name" and payload in allowed and payload not in order:
            order.append(payload)
    return order


def lex_program(text):
    toks = []
    for line in text.split("\n"):
        code = line.split("#", 1)[0]
        for piece in code.split(";"):
            piece = piece.replace("=", " ")
            if piece.strip():
                toks.extend(lex(piece))
    return toks


def check_roundtrip(text, tree):
    got = SpecParser(text).parse()
    if got != canon(tree):
        raise AssertionError(f"generator bug: {text!r} parses as {got}, meant {canon(tree)}")


def render_tree(tree, spaced):
    """Text of a tree, verified by the spec parser. Implicit multiplication by
    a bare `e` can be read as a number's exponent (`2e-1`); such a node falls
    back to `*`."""
    r = Renderer(spaced)
    text = r.render(tree)
    try:
        check_roundtrip(text, tree)
    except AssertionError:
        r = Renderer(spaced, no_implicit_e=True)
        text = r.render(tree)
        check_roundtrip(text, tree)
    return text, r.implicit_forms


def make_expression(rng, feature):
    nvars = rng.choices([1, 2, 3, 4], [0.25, 0.4, 0.25, 0.1])[0]
    names = rng.sample(VARIABLES, nvars)
    g = Gen(rng, names)
    d = rng.choice([1, 2, 2, 3])
    tree = embed(g, build_feature(g, feature, d), d) if feature else g.tree(rng.choice([2, 3, 3, 4, 5]))
    used = [m.name for m in walk(tree) if m.kind == "var"]
    if not used:
        return None
    spaced = rng.choices([False, "ops", "all"], [0.55, 0.3, 0.15])[0]
    text, forms = render_tree(tree, spaced)
    variables = first_appearance(text, set(used))
    return Case([(None, tree)], text, variables, feature, {"implicit": forms, "spaced": spaced, "texts": [text]})


def make_program(rng, feature):
    nvars = rng.choices([1, 2, 3], [0.3, 0.45, 0.25])[0]
    names = rng.sample(VARIABLES, nvars)
    nstat = rng.choice([2, 2, 3, 3, 4])
    stmt_names = rng.sample(STATEMENT_NAMES, nstat)
    bare_last = rng.random() < 0.5
    statements = []
    texts = []
    bodies = []
    forms = []
    spaced = rng.choices([False, "ops", "all"], [0.5, 0.35, 0.15])[0]
    for i in range(nstat):
        avail = names + stmt_names[:i]
        g = Gen(rng, avail)
        inner = rng.random() < 0.5 and i > 0
        f = rng.choice(EXPRESSION_FEATURES) if rng.random() < 0.5 else None
        d = rng.choice([1, 2])
        tree = embed(g, build_feature(g, f, d), d) if f else g.tree(rng.choice([1, 2, 3]))
        if i > 0 and not any(m.kind == "ref" and m.name == stmt_names[i - 1] for m in walk(tree)):
            # Each statement feeds the next, so every one reaches the output.
            op = rng.choice(["+", "-", "*", "/"])
            prev = Ref(stmt_names[i - 1])
            tree = Bin(op, tree, prev, g.mul_style() if op == "*" else None) if inner else Bin(op, prev, tree, g.mul_style() if op == "*" else None)
        if i > 0 and rng.random() < 0.3:
            # Another use of an earlier statement.
            tree = Bin(rng.choice(["+", "-", "*"]), tree, Call(rng.choice(UNARY_FUNCTIONS), Ref(rng.choice(stmt_names[:i]))), g.mul_style())
        text, fs = render_tree(tree, spaced)
        forms += fs
        bodies.append(text)
        name = None if (bare_last and i == nstat - 1) else stmt_names[i]
        statements.append((name, tree))
        eq = " = " if spaced else rng.choice(["=", " = "])
        texts.append(text if name is None else f"{name}{eq}{text}")
    if feature == "program:; separated":
        src = rng.choice(["; ", ";"]).join(texts)
    elif feature == "program:newline separated":
        src = "\n".join(texts)
    elif feature == "program:newlines with # comments":
        lines = ["# an oracle program"] + [t + (f"  # step {i + 1}" if rng.random() < 0.5 else "") for i, t in enumerate(texts)]
        src = "\n".join(lines) + "\n"
    else:
        src = texts[0]
        for t in texts[1:]:
            src += rng.choice(["; ", "\n", ";\n", "\n\n", "\r\n", " ;  "]) + t
    used = {m.name for _, tree in statements for m in walk(tree) if m.kind == "var"}
    if not used:
        return None
    variables = first_appearance(src, used)
    return Case(statements, src, variables, feature, {"implicit": forms, "spaced": spaced, "bare_last": bare_last, "texts": bodies})


def points_for(rng, case, want, stats):
    mode = rng.choice(["uniform", "positive", "positive", "nice", "small", "wide"])
    out = []
    for _ in range(40):
        if len(out) == want:
            break
        point = sample_point(rng, case.variables, mode)
        try:
            value, gradient = evaluate(case, point)
        except Reject as e:
            stats[str(e)] += 1
            continue
        except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError) as e:
            stats[f"math error: {type(e).__name__}"] += 1
            continue
        at = format_point(point, case.variables)
        if any(o["at"] == at for o in out):
            continue
        out.append({"expr": case.text, "at": at, "value": value, "gradient": gradient})
    return out


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------


def coverage(case):
    """Feature names this case exercises (for the report and the minimums)."""
    c = Counter()
    for stmt_name, tree in case.statements:
        parents = {}
        for n in walk(tree):
            if n.kind == "bin":
                parents[id(n.a)] = (n, "a")
                parents[id(n.b)] = (n, "b")
            elif n.kind in ("neg", "pos"):
                parents[id(n.a)] = (n, "a")
            elif n.kind == "call":
                for a in n.args:
                    parents[id(a)] = (n, "arg")
        for n in walk(tree):
            k = n.kind
            if k == "bin":
                c["op " + ("implicit ×" if n.style == "implicit" else n.style)] += 1
                if n.op == "^":
                    if not is_constant(n.b):
                        c["pow: variable exponent"] += 1
                    elif as_int_exponent(n.b) is not None:
                        c["pow: constant integer exponent"] += 1
                    else:
                        c["pow: constant non-integer exponent"] += 1
                    if n.b.kind == "bin" and n.b.op == "^" and n.b.style not in ("²", "³"):
                        c["pow: right-assoc chain a^b^c"] += 1
                    if n.a.kind == "bin" and n.a.op == "^":
                        c["pow: parenthesised base (a^b)^c"] += 1
            elif k == "neg":
                c["op unary " + n.style] += 1
                p = parents.get(id(n))
                if p is None:
                    pass
                elif p[0].kind == "bin" and p[1] == "b" and p[0].op == "^":
                    c["unary minus: in an exponent"] += 1
                elif p[0].kind == "bin" and p[1] == "b":
                    c["unary minus: after a binary operator"] += 1
                elif p[0].kind == "call":
                    c["unary minus: function argument"] += 1
                if any(m is not n and m.kind == "neg" for m in walk(n.a)):
                    c["unary minus: nested"] += 1
            elif k == "pos":
                c["op unary +"] += 1
            elif k == "call":
                key = n.name
                if n.name in ("log", "max", "min"):
                    key += f" ({len(n.args)} args)"
                c["fn " + key] += 1
            elif k == "const":
                c["const " + n.name] += 1
            elif k == "num":
                t = n.text
                if re.search("[eE]", t):
                    c["number: exponent notation"] += 1
                elif t.startswith("."):
                    c["number: leading dot"] += 1
                elif "." in t:
                    c["number: decimal"] += 1
                else:
                    c["number: integer"] += 1
    for text in case.meta["texts"]:
        if text[:1] in ("-", "\u2212"):
            c["unary minus: leading (a statement starts with it)"] += 1
    for form in case.meta["implicit"]:
        c["implicit: " + form] += 1
    seen = Counter(canon(n) for _, tree in case.statements for n in walk(tree) if n.kind in ("bin", "call", "neg"))
    if any(v > 1 for v in seen.values()):
        c["identical subexpressions (shared node)"] += 1
    if len(case.statements) > 1:
        refs = Counter(n.name for _, tree in case.statements for n in walk(tree) if n.kind == "ref")
        if any(v > 1 for v in refs.values()):
            c["program: a statement used more than once"] += 1
        if "\r\n" in case.text:
            c["program: CRLF line ends"] += 1
        c["program: " + ("; separated" if "\n" not in case.text else ("newlines" if ";" not in case.text else "; and newlines"))] += 1
        if "#" in case.text:
            c["program: # comments"] += 1
        c["program: bare last expression" if case.meta.get("bare_last") else "program: named last statement"] += 1
    c["spacing: " + {False: "tight", "ops": "blanks around operators", "all": "blanks around ^ too"}[case.meta["spaced"]]] += 1
    return c


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json"))
    ap.add_argument("--per-feature", type=int, default=12, help="expressions per feature")
    ap.add_argument("--random", type=int, default=150, help="extra expressions with no forced feature")
    ap.add_argument("--programs", type=int, default=30, help="programs per program feature")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    torch.set_num_threads(1)
    rng = random.Random(args.seed)
    rejects = Counter()
    cases = []        # the JSON records
    cov = Counter()   # feature counts over accepted cases (one per point)
    exprs = 0

    plan = [(f, args.per_feature, make_expression) for f in EXPRESSION_FEATURES]
    plan += [(None, args.random, make_expression)]
    plan += [(f, args.programs, make_program) for f in PROGRAM_FEATURES]
    plan += [(f, args.per_feature, make_expression) for f in LATER_FEATURES]
    for feature, count, make in plan:
        made = 0
        attempts = 0
        while made < count:
            attempts += 1
            if attempts > count * 200:
                sys.exit(f"cannot make cases for {feature!r}: {rejects.most_common(5)}")
            case = make(rng, feature)
            if case is None:
                continue
            if any(c["expr"] == case.text for c in cases):
                continue
            want = rng.choices([1, 2, 3], [0.55, 0.3, 0.15])[0]
            got = points_for(rng, case, want, rejects)
            if not got:
                continue
            made += 1
            exprs += 1
            cases.extend(got)
            c = coverage(case)
            for k, v in c.items():
                cov[k] += v * len(got)
            cov["cases: " + (feature or "random").split(":")[0]] += len(got)

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]\n")

    print(f"{len(cases)} cases from {exprs} expressions/programs -> {args.out}")
    print(f"file size: {os.path.getsize(args.out)} bytes; torch {torch.__version__}, mpmath {mpmath.__version__}")
    print("\ncoverage (cases exercising each, counted per occurrence):")
    for k in sorted(cov):
        print(f"  {cov[k]:6d}  {k}")
    print("\npoints refused:")
    for k, v in rejects.most_common():
        print(f"  {v:6d}  {k}")


if __name__ == "__main__":
    main()
