#!/usr/bin/env python3
"""Regenerates fuzz/seeds/<target>/ from the test suite.

Expressions and programs come from the string literals of tests/cli.rs and
tests/lecture.rs and from the "expr" fields of tests/oracle/vectors.json;
`--at` texts from the literals that look like bindings and from the "at"
fields. Run from anywhere: python3 fuzz/make_seeds.py
"""
import hashlib
import json
import os
import random
import re

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)

LITERAL = re.compile(r'(?<![A-Za-z0-9_])(?:b)?"((?:[^"\\]|\\.)*)"', re.S)
RAW = re.compile(r'r(#*)"(.*?)"\1', re.S)


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n == "u" and s[i + 2] == "{":
            j = s.index("}", i)
            out.append(chr(int(s[i + 3 : j], 16)))
            i = j + 1
            continue
        if n == "x":
            out.append(chr(int(s[i + 2 : i + 4], 16)))
            i += 4
            continue
        if n == "\n":  # line continuation: skip the newline and leading blanks
            i += 2
            while i < len(s) and s[i] in " \t\n":
                i += 1
            continue
        out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}[n])
        i += 2
    return "".join(out)


def literals(path):
    text = open(path, encoding="utf-8").read()
    found = [m.group(2) for m in RAW.finditer(text)]
    text = RAW.sub("", text)
    # drop char literals like '"' so they do not start a string
    text = re.sub(r"'(?:[^'\\]|\\.)'", "''", text)
    for m in LITERAL.finditer(text):
        try:
            found.append(unescape(m.group(1)))
        except (ValueError, KeyError, IndexError):
            pass
    return found


STOP = {"json", "table", "nodes", "gradient", "value", "output", "name", "expr",
        "grad", "op", "inputs", "warnings", "an input", "spawn", "wait", "write",
        "an array", "always", "never", "temp dir", "", "-"}


def is_flag(s):
    return s.startswith("--") or re.fullmatch(r"-[a-zA-Z]", s) is not None


BINDING = re.compile(r"^\s*[^\s=,;()]+\s*=[^;\n]*$")


def write(target, items):
    d = os.path.join(FUZZ, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    seen = set()
    for s in items:
        data = s.encode("utf-8")
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(d, h), "wb") as f:
            f.write(data)
    print(f"{target}: {len(seen)} seeds")


def main():
    rng = random.Random(1)
    lits = []
    for name in ["cli.rs", "lecture.rs", "properties.rs"]:
        p = os.path.join(ROOT, "tests", name)
        if os.path.exists(p):
            lits += literals(p)
    lits = [s for s in lits if s not in STOP and not is_flag(s) and "{" not in s and len(s) <= 400]
    bindings = [s for s in lits if BINDING.match(s) and "," in s or re.fullmatch(r"[^\s=,;]+=[^;\n]+", s)]
    exprs = [s for s in lits if s not in bindings]

    vec_exprs, vec_ats = [], []
    vp = os.path.join(ROOT, "tests", "oracle", "vectors.json")
    if os.path.exists(vp):
        vectors = json.load(open(vp, encoding="utf-8"))
        vec_exprs = sorted({v["expr"] for v in vectors})
        vec_ats = sorted({v["at"] for v in vectors if v["at"]})
        rng.shuffle(vec_exprs)
        rng.shuffle(vec_ats)

    programs = exprs + vec_exprs[:250] + [
        "(2*x+y^2)*z^3",
        "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)",
        "a = 2*x   # double\n\nb = a^2\n# result\nb + 1\n",
        "x" + "+x" * 40,
        "(" * 30 + "x" + ")" * 30,
        "sin(" * 20 + "x" + ")" * 20,
        "-" * 50 + "x",
        "^".join(["x"] * 30),
        "a = x + 1\nb = a *\nb",
        "1e308*10 + x",
        "0^-1 + x",
        "sqrt(x) + ln(x) + 1/x",
        "log(x, 1) + asin(2x) + acosh(x)",
    ]
    write("pipeline", programs)
    write("bindings", bindings + vec_ats[:150] + [
        "x=4,y=3,z=2", "x=1/3,y=-pi/2", "x=max(1,2)", "x=1/3, y=-pi/2, w=max(1,2)",
        "ŷ=0.5", "x", "x=", "=3", "x=abc", "x=1,x=2", "x=1,,y=2", "pi=3", "2x=3",
        "x=1.2.3", "x=(1,2", "x=log(8, 2),y=min(1,2,3)", "x=1e400", "x=-0", "x=0/0",
        " x = 2 , y = 3 ", "x=1,", ",x=1", "x=sin(", "α=2,ŷ=0.25",
        # --expect texts
        "f=136, df/dx=16, ∂f/∂y=48, df/dz=204, g4=17, df/dg1=8", "f=136, df/dz=200",
        "L=0.1269, yhat=0.881, dL/dw=-0.2384, ∂L/∂yhat=-1.135",
        "yhat=1/(1+e^-2), dL/dy=-2, yhat=88/100", "yhat=0.88", "f=1, df/dx=2", "f", "f=",
        "=1", "f=abc", "dg/dx=1", "f=1,,x=2", "∂f/∂x=1e-3", "df/dx=-0.000", "L=max(1,2), dL/dL=1",
    ])


if __name__ == "__main__":
    main()
