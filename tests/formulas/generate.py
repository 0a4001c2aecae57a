#!/usr/bin/env python3
"""Writes tests/formulas/cases.json: formula answers for `--expect`.

For each expression (taken from tests/oracle/vectors.json where SymPy can
read it, and the lecture's two programs) and each of its variables, SymPy
differentiates; the derivative is then

- rewritten in equivalent forms (`expand`, `factor`, `trigsimp`,
  `together`, σ written out with `exp`): the tool must accept every one;
- perturbed (a factor 2, a flipped sign, a dropped term, a dropped chain
  factor): the tool must refuse every one.

Every pair is checked numerically here first, at points near the case's
point and in [-2, 2] (the places the tool compares at): a rewrite must agree
wherever both sides are defined, a perturbation must differ at most of them.
Pairs that fail this sanity check are left out (and counted), never forced.

Run from the repository root: python3 tests/formulas/generate.py
(SymPy 1.14; deterministic: same input, same file.)
"""

import json
import math
import random
import re
import sys

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    rationalize,
    standard_transformations,
)
from sympy.printing.str import StrPrinter


class sigmoid(sp.Function):
    """σ(z) = 1/(1 + e^-z), differentiated as the tool does: σ(1 − σ)."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))


class ToolPrinter(StrPrinter):
    """SymPy's text in the tool's syntax: ln, e, pi, ^."""

    def _print_log(self, expr):
        return "ln(%s)" % self._print(expr.args[0])

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "pi"

    def _print_sigmoid(self, expr):
        return "sigmoid(%s)" % self._print(expr.args[0])


def tool_text(expr):
    return ToolPrinter().doprint(expr).replace("**", "^")


FUNCTIONS = {"sin", "cos", "tan", "exp", "ln", "log", "sqrt", "tanh", "sigmoid", "σ"}
# Operators and names SymPy reads the same way as the tool (no kinks:
# abs, relu, max and min have conventions, not derivatives).
ALLOWED = re.compile(r"^[\w .+\-*/^()]*$")
LOCALS = {"sigmoid": sigmoid, "ln": sp.log, "log": sp.log, "e": sp.E, "pi": sp.pi}
TRANSFORMS = standard_transformations + (convert_xor, rationalize)


def read_expression(text):
    """The tool's text as SymPy, or None when it uses something else."""
    text = text.replace("σ", "sigmoid").replace("π", "pi").replace("−", "-")
    if not ALLOWED.match(text) or "**" in text:
        return None
    names = set(re.findall(r"[^\W\d]\w*", text))
    if any(n.endswith("_") or n.startswith("_") for n in names):
        return None
    calls = set(re.findall(r"([^\W\d]\w*)\s*\(", text))
    if not calls <= FUNCTIONS:
        return None
    if re.search(r"\d\s*[^\W\d]|\)\s*[\w(]", text):  # implicit multiplication
        return None
    local = dict(LOCALS)
    for n in names - FUNCTIONS - {"e", "pi"}:
        local[n] = sp.Symbol(n, real=True)
    try:
        expr = parse_expr(text, local_dict=local, transformations=TRANSFORMS)
    except Exception:  # noqa: BLE001 - anything SymPy cannot read is skipped
        return None
    if expr.has(sp.log) and any(len(a.args) > 1 for a in expr.atoms(sp.log)):
        return None
    return expr


def at_text(at):
    return ",".join(f"{k}={v!r}" for k, v in at.items())


def numeric(expr, symbols):
    f = sp.lambdify(
        symbols,
        expr.rewrite(sp.exp) if expr.has(sigmoid) else expr,
        modules=[{"sigmoid": lambda z: 1 / (1 + math.exp(-z))}, "math"],
    )

    def call(point):
        try:
            y = complex(f(*point))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        if y.imag != 0 or not math.isfinite(y.real):
            return None
        return y.real

    return call


def sample_points(at, symbols, rng):
    """Near the case's point (the tool's ±(0.5 + |v|/2)) and in [-2, 2]."""
    centre = [at[str(s)] for s in symbols]
    points = [centre]
    for _ in range(30):
        points.append([c + rng.uniform(-1, 1) * (0.5 + abs(c) / 2) for c in centre])
    for _ in range(10):
        points.append([rng.uniform(-2, 2) for _ in centre])
    return points


def close(a, b, tol=1e-7):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-3)


def agree(truth, answer, points):
    """How many points both are defined at, and how many of those agree."""
    both = same = 0
    for p in points:
        t, a = truth(p), answer(p)
        if t is None or a is None:
            continue
        both += 1
        same += close(t, a)
    return both, same


def rewrites(d):
    out = [
        ("expand", sp.expand(d)),
        ("factor", sp.factor(d)),
        ("trigsimp", sp.trigsimp(d)),
        ("together", sp.together(d)),
        ("cancel", sp.cancel(d)),
        ("expand_trig", sp.expand_trig(d)),
    ]
    if d.has(sigmoid):
        out.append(("sigmoid as exp", d.rewrite(sp.exp)))
        out.append(("sigmoid as exp, expanded", sp.expand(d.rewrite(sp.exp))))
    return out


def perturbations(d, var):
    out = [("factor 2", 2 * d), ("sign", -d)]
    if isinstance(d, sp.Add) and len(d.args) > 1:
        out.append(("dropped term", sp.Add(*d.args[1:])))
        out.append(("dropped term", sp.Add(*d.args[:-1])))
    if isinstance(d, sp.Mul):
        factors = [a for a in d.args if a.free_symbols]
        if len(factors) > 1 or (factors and any(not a.free_symbols for a in d.args)):
            for f in factors[:2]:
                out.append(("dropped chain factor", d / f))
    return out


def lecture_cases():
    w, b, x, y, z = sp.symbols("w b x y z", real=True)
    loss_z = w * x + b
    yhat = sigmoid(loss_z)
    loss = -y * sp.log(yhat) - (1 - y) * sp.log(1 - yhat)
    return [
        ("(2*x+y^2)*z^3", (2 * x + y**2) * z**3, {"x": 4.0, "y": 3.0, "z": 2.0}),
        (
            "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)",
            loss,
            {"w": 0.5, "b": 1.0, "x": 2.0, "y": 1.0},
        ),
    ]


def step_cases():
    """The lecture's chain in the program's own steps (yhat, z)."""
    answers = {
        "dL/dz": ["yhat - y", "-y + yhat", "-(y - yhat)", "yhat*(1-yhat)*(-y/yhat + (1-y)/(1-yhat))"],
        "dL/dw": ["x*(yhat - y)", "x*yhat - x*y", "(yhat-y)*x", "x*yhat*(1-yhat)*((1-y)/(1-yhat) - y/yhat)"],
        "dL/db": ["yhat - y", "σ(z) - y", "sigmoid(w*x+b) - y"],
        "dL/dx": ["w*(yhat - y)", "w*yhat - w*y"],
        "dL/dyhat": ["-y/yhat + (1-y)/(1-yhat)", "(yhat - y)/(yhat*(1-yhat))"],
        "yhat": ["σ(z)", "1/(1+exp(-z))", "1/(1+e^(-w*x-b))"],
    }
    wrong = {
        "dL/dz": ["y - yhat", "2*(yhat - y)", "yhat", "(yhat - y)*x"],
        "dL/dw": ["yhat - y", "x*(y - yhat)", "x*yhat", "x*(yhat-y)*yhat*(1-yhat)"],
        "dL/db": ["x*(yhat - y)", "y - yhat", "-y"],
        "dL/dx": ["yhat - y", "x*(yhat - y)"],
        "dL/dyhat": ["-y/yhat", "y/yhat - (1-y)/(1-yhat)"],
        "yhat": ["σ(-z)", "1/(1+exp(z))"],
    }
    return answers, wrong


def main():
    seed = 20261128
    rng = random.Random(seed)
    vectors = json.load(open("tests/oracle/vectors.json", encoding="utf-8"))
    sources = lecture_cases()
    for case in vectors:
        if ";" in case["expr"] or "=" in case["expr"]:
            continue
        expr = read_expression(case["expr"])
        if expr is None or not expr.free_symbols:
            continue
        at = {k: float(v) for k, v in (kv.split("=") for kv in case["at"].split(","))}
        if {str(s) for s in expr.free_symbols} - set(at):
            continue
        sources.append((case["expr"], expr, at))
    cases, skipped = [], {"rewrite not equal": 0, "perturbation equal": 0, "too few points": 0, "not a formula": 0}
    for text, expr, at in sources:
        if sum(1 for c in cases for e in c["equivalent"] if e["how"] != "SymPy's derivative") >= 240:
            break
        symbols = sorted(expr.free_symbols, key=lambda s: str(s))
        points = sample_points(at, symbols, rng)
        for var in symbols:
            d = sp.diff(expr, var)
            # A derivative without names is a number: checked at the point
            # only, as numbers are, so not a formula answer.
            if not d.free_symbols or d.has(sp.Derivative, sp.Subs):
                continue
            truth = numeric(d, symbols)
            if truth([at[str(s)] for s in symbols]) is None:
                continue
            good, bad = [{"how": "SymPy's derivative", "formula": tool_text(d)}], []
            # Only rewrites that read differently from SymPy's derivative.
            seen = {tool_text(d)}
            for how, r in rewrites(d):
                r_text = tool_text(r)
                if r_text in seen or len(r_text) > 400:
                    continue
                both, same = agree(truth, numeric(r, symbols), points)
                if both < 15:
                    skipped["too few points"] += 1
                elif same < both:
                    skipped["rewrite not equal"] += 1
                else:
                    seen.add(r_text)
                    good.append({"how": how, "formula": r_text})
            for how, p in perturbations(d, var):
                p_text = tool_text(p)
                if not p.free_symbols:
                    skipped["not a formula"] += 1
                    continue
                both, same = agree(truth, numeric(p, symbols), points)
                if both < 15:
                    skipped["too few points"] += 1
                elif same > both // 2:
                    skipped["perturbation equal"] += 1
                else:
                    bad.append({"how": how, "formula": p_text})
            if good or bad:
                cases.append(
                    {
                        "program": text,
                        "at": at_text(at),
                        "target": f"df/d{var}",
                        "truth": tool_text(d),
                        "equivalent": good,
                        "perturbed": bad,
                    }
                )
    answers, wrong = step_cases()
    loss = lecture_cases()[1]
    for target in answers:
        cases.append(
            {
                "program": loss[0],
                "at": at_text(loss[2]),
                "target": target,
                "truth": "(the lecture's)",
                "equivalent": [{"how": "the program's steps", "formula": f} for f in answers[target]],
                "perturbed": [{"how": "a slip", "formula": f} for f in wrong[target]],
            }
        )
    n_good = sum(len(c["equivalent"]) for c in cases)
    n_rewritten = sum(1 for c in cases for e in c["equivalent"] if e["how"] != "SymPy's derivative")
    n_bad = sum(len(c["perturbed"]) for c in cases)
    with open("tests/formulas/cases.json", "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases: {n_good} equivalent answers ({n_rewritten} rewritten), {n_bad} perturbed answers", file=sys.stderr)
    print(f"left out: {skipped}", file=sys.stderr)


if __name__ == "__main__":
    main()
