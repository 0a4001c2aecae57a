#!/usr/bin/env python3
"""Builds equivalence.tsv, the table of formula-answer equivalence that
tests/equivalence.rs runs through the binary.

The pairs are STACK's answer-test fixtures (stack_rows.txt: maths/moodle-qtype_stack,
tests/answertestfixtures.class.php, with the line of each), each run both ways
(the teacher's answer as the true formula and the student's as the answer, then
the other way round: a real-valued check is not symmetric where the domains differ).

The verdict is the real-valued one of SPEC section 6, computed here
independently of the tool, in 50-digit arithmetic (mpmath): at 400 random
points with every variable uniform in [-2, 2], the points where the true
formula has a real value count; the answer is equivalent when it has a real
value at every one of them and agrees there to the tool's relative tolerance (1e-9 of the larger
magnitude: SPEC section 6), and at least 10 such points exist. A name only the answer has is drawn like the others.

Run: python3 tests/answers/generate.py  (needs mpmath, which comes with sympy)
"""
import random
import re
import sys
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50
HERE = Path(__file__).parent
SOURCE = "maths/moodle-qtype_stack tests/answertestfixtures.class.php@f266d04c43ddba9493bd9870ec529cc08d6fb3de"
FUNCTIONS = {"sin", "cos", "tan", "sqrt", "abs", "exp", "ln", "log10", "sinh", "cosh", "tanh"}
CONSTANTS = {"e", "pi"}


def translate(text):
    """Maxima to the tool's language."""
    t = text.replace("%e", "e").replace("%pi", "pi")
    t = re.sub(r"\blg\(", "log10(", t)
    t = re.sub(r"\blog\(", "ln(", t)
    t = re.sub(r"\bsec\(", "1/cos(", t)
    t = re.sub(r"\b(cosec|csc)\(", "1/sin(", t)
    return t


def names(text):
    return sorted(set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)) - FUNCTIONS - CONSTANTS)


def real(f):
    def g(*a):
        y = f(*a)
        if isinstance(y, mp.mpc):
            if y.imag != 0:
                raise ValueError("not real")
            y = y.real
        return y
    return g


def ln(x):
    if x <= 0:
        raise ValueError("ln")
    return mp.log(x)


def sqrt(x):
    if x < 0:
        raise ValueError("sqrt")
    return mp.sqrt(x)


def power(a, b):
    if a == 0 and b < 0:
        raise ZeroDivisionError
    if a < 0 and b != mp.floor(b):
        raise ValueError("pow")
    return mp.power(a, b)


NAMESPACE = {
    "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sqrt": sqrt, "abs": abs,
    "exp": mp.exp, "ln": ln, "log10": lambda x: ln(x) / mp.log(10),
    "sinh": mp.sinh, "cosh": mp.cosh, "tanh": mp.tanh,
    "e": mp.e, "pi": mp.pi, "mpf": mp.mpf, "power": power,
}


def compile_expr(text):
    """The expression as Python over mpmath: numbers exact, ^ a checked power."""
    t = re.sub(r"(?<![A-Za-z_0-9.])(\d+\.?\d*(?:[eE][-+]?\d+)?)", r"mpf('\1')", text)
    # a^b -> power(a, b): right-associative, applied innermost-first by a
    # small parser over the token stream.
    tokens = re.findall(r"mpf\('[^']*'\)|[A-Za-z_][A-Za-z_0-9]*|\*\*|[-+*/^(),]", t)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr():
        out = term()
        while peek() in ("+", "-"):
            op = take()
            out = f"({out}{op}{term()})"
        return out

    def term():
        out = unary()
        while peek() in ("*", "/"):
            op = take()
            out = f"({out}{op}{unary()})"
        return out

    def unary():
        if peek() == "-":
            take()
            return f"(-{unary()})"
        if peek() == "+":
            take()
            return unary()
        return pow_()

    def pow_():
        base = atom()
        if peek() == "^":
            take()
            return f"power({base},{unary()})"
        return base

    def atom():
        tok = take()
        if tok == "(":
            inner = expr()
            take()
            return f"({inner})"
        if peek() == "(" and tok in NAMESPACE:
            take()
            inner = expr()
            take()
            return f"{tok}({inner})"
        return tok

    code = expr()
    if pos != len(tokens):
        raise SyntaxError(text)
    return compile(code, text, "eval")


def value(code, env):
    try:
        y = eval(code, dict(NAMESPACE), env)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(y, mp.mpc):
        return None if y.imag != 0 else y.real
    return y


def equivalent(truth, student):
    variables = sorted(set(names(truth)) | set(names(student)))
    t_code, s_code = compile_expr(truth), compile_expr(student)
    rng = random.Random(2026)
    usable = 0
    for _ in range(400):
        env = {v: mp.mpf(rng.uniform(-2, 2)) for v in variables}
        t = value(t_code, env)
        if t is None:
            continue
        usable += 1
        s = value(s_code, env)
        if s is None:
            return False, "the answer is undefined where the true value is defined"
        if abs(s - t) > mp.mpf("1e-9") * max(abs(s), abs(t)) + mp.mpf("1e-40"):
            return False, "different values"
    if usable < 10:
        return False, "the true formula is undefined almost everywhere in [-2, 2]"
    return True, ""


def main():
    rows = []
    for line in (HERE / "stack_rows.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        number, test, sans, tans, score = line.split("\t")
        s, t = translate(sans), translate(tans)
        if re.search(r"\^\(?\d{3,}", s + t):
            continue  # (x-a)^6000 overflows a double: not a real-valued check
        for direction, truth, student in (("as given", t, s), ("reversed", s, t)):
            if not names(truth) and not names(student):
                continue  # two numbers: a number answer, not a formula
            if names(truth) and not names(student):
                continue  # a number for a formula with variables needs --at
            ok, why = equivalent(truth, student)
            rows.append((f"{SOURCE}:{number}", test, score if direction == "as given" else "-",
                         direction, truth, student, "yes" if ok else "no", why))
    out = ["source\tstack_test\tstack_result\tdirection\ttrue_formula\tanswer\tequivalent\twhy_not"]
    out += ["\t".join(r) for r in rows]
    (HERE / "equivalence.tsv").write_text("\n".join(out) + "\n")
    print(f"{len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
