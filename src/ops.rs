//! THE operation table: for every gate, its forward rule and its local
//! derivatives side by side, with the convention at each kink (SPEC §2,
//! matching PyTorch):
//!
//! - relu'(0) = 0, abs'(0) = 0
//! - max/min: tied arguments share the gradient equally
//! - 0^0 = 1 with zero gradients; sqrt'(0) = +inf
//!
//! `local(a, y, d)` writes ∂y/∂a[i] into `d[i]`, given the inputs `a` and the
//! forward value `y`. `domain(a)` explains, in a student's words, why the
//! forward value at `a` is not a finite number.

/// An operation of the graph. The discriminant indexes [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Neg,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Ln,
    Log,
    Log2,
    Log10,
    Sqrt,
    Abs,
    Sigmoid,
    Relu,
    Softplus,
    Max,
    Min,
    /// A named statement that is just another node or a constant (`b = a`).
    Id,
}

/// How an operation is written in a node's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// `a + b`; the string includes any spaces.
    Infix(&'static str),
    Prefix(&'static str),
    /// `name(a, b, …)`
    Call,
    /// The input itself (`Id`).
    Bare,
}

/// Number of arguments: exactly `min` when `min == max`, `max == 0` for "or more".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    pub max: usize,
}

impl Arity {
    const fn exactly(n: usize) -> Self {
        Arity { min: n, max: n }
    }
    const fn at_least(n: usize) -> Self {
        Arity { min: n, max: 0 }
    }
    pub fn accepts(self, n: usize) -> bool {
        n >= self.min && (self.max == 0 || n <= self.max)
    }
}

impl std::fmt::Display for Arity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match (self.min, self.max) {
            (n, 0) => write!(f, "{n} or more arguments"),
            (a, b) if a == b => write!(f, "{a} {}", plural(a)),
            (a, b) => write!(f, "{a} or {b} arguments"),
        }
    }
}

pub struct OpDef {
    /// The name in JSON output and in definitions of function calls.
    pub name: &'static str,
    pub notation: Notation,
    pub arity: Arity,
    pub forward: fn(&[f64]) -> f64,
    pub local: fn(&[f64], f64, &mut [f64]),
    pub domain: fn(&[f64]) -> String,
    /// How the gate passes the gradient back, in the lecture's words.
    pub rule: &'static str,
}

impl Op {
    pub fn def(self) -> &'static OpDef {
        &TABLE[self as usize]
    }

    pub fn forward(self, a: &[f64]) -> f64 {
        (self.def().forward)(a)
    }

    pub fn local(self, a: &[f64], y: f64, d: &mut [f64]) {
        (self.def().local)(a, y, d)
    }

    pub fn name(self) -> &'static str {
        self.def().name
    }
}

fn overflow(_: &[f64]) -> String {
    "the result is too large for a 64-bit float".into()
}

fn not_finite(_: &[f64]) -> String {
    "the result is not a finite number".into()
}

fn num(x: f64) -> String {
    crate::number::format(x)
}

fn positive_domain(name: &'static str, x: f64) -> String {
    if x == 0.0 {
        format!("{name}(0) is -infinity (needs x > 0)")
    } else {
        format!("{name} is undefined at {} (needs x > 0)", num(x))
    }
}

fn unit_domain(name: &'static str, x: f64) -> String {
    format!("{name} is undefined at {} (needs -1 ≤ x ≤ 1)", num(x))
}

fn grows(name: &'static str, x: f64) -> String {
    format!(
        "{name} overflows at {} (the result is larger than 1.8e308)",
        num(x)
    )
}

/// Numerically stable logistic function: no overflow at ±800.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The gradient share of each argument of max/min: tied winners split it.
fn extremum_local(a: &[f64], y: f64, d: &mut [f64]) {
    let ties = a.iter().filter(|&&v| v == y).count().max(1) as f64;
    for (d, &v) in d.iter_mut().zip(a) {
        *d = if v == y { 1.0 / ties } else { 0.0 };
    }
}

const fn unary(
    name: &'static str,
    forward: fn(&[f64]) -> f64,
    local: fn(&[f64], f64, &mut [f64]),
    domain: fn(&[f64]) -> String,
    rule: &'static str,
) -> OpDef {
    OpDef {
        name,
        notation: Notation::Call,
        arity: Arity::exactly(1),
        forward,
        local,
        domain,
        rule,
    }
}

/// Indexed by `Op as usize`; the order must follow the enum (checked by a test).
pub static TABLE: [OpDef; 28] = [
    OpDef {
        name: "add",
        notation: Notation::Infix(" + "),
        arity: Arity::exactly(2),
        forward: |a| a[0] + a[1],
        local: |_, _, d| {
            d[0] = 1.0;
            d[1] = 1.0;
        },
        domain: overflow,
        rule: "add distributes",
    },
    OpDef {
        name: "sub",
        notation: Notation::Infix(" - "),
        arity: Arity::exactly(2),
        forward: |a| a[0] - a[1],
        local: |_, _, d| {
            d[0] = 1.0;
            d[1] = -1.0;
        },
        domain: overflow,
        rule: "sub distributes, negated on the right",
    },
    OpDef {
        name: "mul",
        notation: Notation::Infix("*"),
        arity: Arity::exactly(2),
        forward: |a| a[0] * a[1],
        local: |a, _, d| {
            d[0] = a[1];
            d[1] = a[0];
        },
        domain: overflow,
        rule: "mul swaps",
    },
    OpDef {
        name: "div",
        notation: Notation::Infix("/"),
        arity: Arity::exactly(2),
        forward: |a| a[0] / a[1],
        local: |a, y, d| {
            d[0] = 1.0 / a[1];
            d[1] = -y / a[1];
        },
        domain: |a| match (a[0], a[1]) {
            (n, d) if d == 0.0 && n == 0.0 => "0/0 is undefined".into(),
            (_, 0.0) => "division by zero".into(),
            _ => "the result is too large for a 64-bit float".into(),
        },
        rule: "quotient rule",
    },
    OpDef {
        name: "pow",
        notation: Notation::Infix("^"),
        arity: Arity::exactly(2),
        forward: |a| a[0].powf(a[1]),
        // PyTorch's masks: no gradient through a zero exponent, and none into
        // the exponent at a zero base with a non-negative exponent.
        local: |a, y, d| {
            let (x, p) = (a[0], a[1]);
            d[0] = if p == 0.0 { 0.0 } else { p * x.powf(p - 1.0) };
            d[1] = if x == 0.0 && p >= 0.0 {
                0.0
            } else {
                y * x.ln()
            };
        },
        domain: |a| match (a[0], a[1]) {
            (x, p) if x < 0.0 && p.fract() != 0.0 => format!(
                "a negative base needs an integer exponent ({}^{} is not a real number)",
                num(x),
                num(p)
            ),
            (x, p) if x == 0.0 && p < 0.0 => {
                format!("0 to a negative power ({}) is a division by zero", num(p))
            }
            _ => "the result is too large for a 64-bit float".into(),
        },
        rule: "power rule",
    },
    OpDef {
        name: "neg",
        notation: Notation::Prefix("-"),
        arity: Arity::exactly(1),
        forward: |a| -a[0],
        local: |_, _, d| d[0] = -1.0,
        domain: not_finite,
        rule: "negation flips the sign",
    },
    unary(
        "sin",
        |a| a[0].sin(),
        |a, _, d| d[0] = a[0].cos(),
        not_finite,
        "sin' = cos",
    ),
    unary(
        "cos",
        |a| a[0].cos(),
        |a, _, d| d[0] = -a[0].sin(),
        not_finite,
        "cos' = -sin",
    ),
    unary(
        "tan",
        |a| a[0].tan(),
        |_, y, d| d[0] = 1.0 + y * y,
        not_finite,
        "tan' = 1 + tan²",
    ),
    unary(
        "asin",
        |a| a[0].asin(),
        |a, _, d| d[0] = 1.0 / (1.0 - a[0] * a[0]).sqrt(),
        |a| unit_domain("asin", a[0]),
        "asin' = 1/√(1-x²)",
    ),
    unary(
        "acos",
        |a| a[0].acos(),
        |a, _, d| d[0] = -1.0 / (1.0 - a[0] * a[0]).sqrt(),
        |a| unit_domain("acos", a[0]),
        "acos' = -1/√(1-x²)",
    ),
    unary(
        "atan",
        |a| a[0].atan(),
        |a, _, d| d[0] = 1.0 / (1.0 + a[0] * a[0]),
        not_finite,
        "atan' = 1/(1+x²)",
    ),
    unary(
        "sinh",
        |a| a[0].sinh(),
        |a, _, d| d[0] = a[0].cosh(),
        |a| grows("sinh", a[0]),
        "sinh' = cosh",
    ),
    unary(
        "cosh",
        |a| a[0].cosh(),
        |a, _, d| d[0] = a[0].sinh(),
        |a| grows("cosh", a[0]),
        "cosh' = sinh",
    ),
    unary(
        "tanh",
        |a| a[0].tanh(),
        |_, y, d| d[0] = 1.0 - y * y,
        not_finite,
        "tanh' = 1 - tanh²",
    ),
    unary(
        "exp",
        |a| a[0].exp(),
        |_, y, d| d[0] = y,
        |a| grows("exp", a[0]),
        "exp' = exp",
    ),
    unary(
        "ln",
        |a| a[0].ln(),
        |a, _, d| d[0] = 1.0 / a[0],
        |a| positive_domain("ln", a[0]),
        "ln' = 1/x",
    ),
    OpDef {
        name: "log",
        notation: Notation::Call,
        arity: Arity::exactly(2),
        forward: |a| a[0].ln() / a[1].ln(),
        local: |a, _, d| {
            let lb = a[1].ln();
            d[0] = 1.0 / (a[0] * lb);
            d[1] = -a[0].ln() / (a[1] * lb * lb);
        },
        domain: |a| match (a[0], a[1]) {
            (x, _) if x <= 0.0 => positive_domain("log", x),
            (_, 1.0) => "log base 1 is a division by zero (ln 1 = 0)".into(),
            (_, b) => format!("log base {} is undefined (needs a base > 0)", num(b)),
        },
        rule: "log(x, b)' = 1/(x ln b)",
    },
    unary(
        "log2",
        |a| a[0].log2(),
        |a, _, d| d[0] = 1.0 / (a[0] * std::f64::consts::LN_2),
        |a| positive_domain("log2", a[0]),
        "log2' = 1/(x ln 2)",
    ),
    unary(
        "log10",
        |a| a[0].log10(),
        |a, _, d| d[0] = 1.0 / (a[0] * std::f64::consts::LN_10),
        |a| positive_domain("log10", a[0]),
        "log10' = 1/(x ln 10)",
    ),
    unary(
        "sqrt",
        |a| a[0].sqrt(),
        |_, y, d| d[0] = 0.5 / y,
        |a| format!("sqrt is undefined at {} (needs x ≥ 0)", num(a[0])),
        "sqrt' = 1/(2 sqrt)",
    ),
    // abs'(0) = 0, as sign(0) = 0.
    unary(
        "abs",
        |a| a[0].abs(),
        |a, _, d| {
            d[0] = if a[0] > 0.0 {
                1.0
            } else if a[0] < 0.0 {
                -1.0
            } else {
                0.0
            }
        },
        not_finite,
        "abs' = sign (0 at 0)",
    ),
    unary(
        "sigmoid",
        |a| sigmoid(a[0]),
        |_, y, d| d[0] = y * (1.0 - y),
        not_finite,
        "σ' = σ(1-σ)",
    ),
    // relu'(0) = 0.
    OpDef {
        ..unary(
            "relu",
            |a| if a[0] > 0.0 { a[0] } else { 0.0 },
            |a, _, d| d[0] = if a[0] > 0.0 { 1.0 } else { 0.0 },
            not_finite,
            "relu passes the gradient where the input is positive",
        )
    },
    // ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^-|x|).
    unary(
        "softplus",
        |a| a[0].max(0.0) + (-a[0].abs()).exp().ln_1p(),
        |a, _, d| d[0] = sigmoid(a[0]),
        not_finite,
        "softplus' = σ",
    ),
    OpDef {
        name: "max",
        notation: Notation::Call,
        arity: Arity::at_least(2),
        forward: |a| a.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        local: extremum_local,
        domain: not_finite,
        rule: "max routes",
    },
    OpDef {
        name: "min",
        notation: Notation::Call,
        arity: Arity::at_least(2),
        forward: |a| a.iter().copied().fold(f64::INFINITY, f64::min),
        local: extremum_local,
        domain: not_finite,
        rule: "min routes",
    },
    OpDef {
        name: "id",
        notation: Notation::Bare,
        arity: Arity::exactly(1),
        forward: |a| a[0],
        local: |_, _, d| d[0] = 1.0,
        domain: not_finite,
        rule: "a name passes the gradient through",
    },
];

pub const ALL: [Op; 28] = [
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Div,
    Op::Pow,
    Op::Neg,
    Op::Sin,
    Op::Cos,
    Op::Tan,
    Op::Asin,
    Op::Acos,
    Op::Atan,
    Op::Sinh,
    Op::Cosh,
    Op::Tanh,
    Op::Exp,
    Op::Ln,
    Op::Log,
    Op::Log2,
    Op::Log10,
    Op::Sqrt,
    Op::Abs,
    Op::Sigmoid,
    Op::Relu,
    Op::Softplus,
    Op::Max,
    Op::Min,
    Op::Id,
];

/// Every callable name (SPEC §1), for lookup and for "did you mean".
pub const FUNCTIONS: [&str; 22] = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "ln", "log",
    "log2", "log10", "sqrt", "abs", "sigmoid", "σ", "relu", "softplus", "max",
    "min", // "pow" below
];

/// The operation a call to `name` with `n` arguments means, or the arity it
/// needs; `None` when no function has this name.
pub fn function(name: &str, n: usize) -> Option<Result<Op, Arity>> {
    let (op, arity) = match name {
        "log" => {
            return Some(match n {
                1 => Ok(Op::Ln),
                2 => Ok(Op::Log),
                _ => Err(Arity { min: 1, max: 2 }),
            })
        }
        "pow" => (Op::Pow, Arity::exactly(2)),
        "σ" => (Op::Sigmoid, Arity::exactly(1)),
        _ => {
            let op = ALL
                .iter()
                .copied()
                .find(|op| op.def().notation == Notation::Call && op.name() == name)?;
            (op, op.def().arity)
        }
    };
    Some(if arity.accepts(n) { Ok(op) } else { Err(arity) })
}

/// Whether `name` is a function (so it cannot be a variable or a statement).
pub fn is_function(name: &str) -> bool {
    function(name, 1).is_some()
}

/// The known function nearest to an unknown name, if any is close.
pub fn suggest(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .map(|f| (strsim::damerau_levenshtein(name, f), *f))
        // One edit for short names, two for long ones, and never a rewrite
        // of the whole name (`x` is not a typo of `σ`).
        .filter(|&(dist, _)| {
            let len = name.chars().count();
            dist < len && dist <= if len <= 4 { 1 } else { 2 }
        })
        .min()
        .map(|(_, f)| f)
}

/// The constants of the language.
pub fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "π" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_the_enum() {
        for (i, op) in ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
        assert_eq!(TABLE.len(), ALL.len());
        assert_eq!(Op::Sigmoid.name(), "sigmoid");
        assert_eq!(Op::Id.name(), "id");
    }

    #[test]
    fn functions_resolve_with_their_arity() {
        assert_eq!(function("log", 1), Some(Ok(Op::Ln)));
        assert_eq!(function("log", 2), Some(Ok(Op::Log)));
        assert!(matches!(function("log", 3), Some(Err(_))));
        assert_eq!(function("σ", 1), Some(Ok(Op::Sigmoid)));
        assert_eq!(function("max", 3), Some(Ok(Op::Max)));
        assert!(matches!(function("max", 1), Some(Err(_))));
        assert!(matches!(function("sin", 2), Some(Err(a))
            if a.to_string() == "1 argument"));
        assert_eq!(function("sine", 1), None);
        assert_eq!(function("add", 2), None, "operators are not functions");
        for f in FUNCTIONS {
            assert!(is_function(f), "{f}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("sine"), Some("sin"));
        assert_eq!(suggest("sigmod"), Some("sigmoid"));
        assert_eq!(suggest("sqr"), Some("sqrt"));
        assert_eq!(suggest("lg"), Some("ln"));
        assert_eq!(suggest("banana"), None);
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest("foo"), None);
        assert_eq!(suggest("sigmoidd"), Some("sigmoid"));
    }

    #[test]
    fn kinks_follow_pytorch() {
        let mut d = [9.0; 3];
        Op::Relu.local(&[0.0], 0.0, &mut d[..1]);
        assert_eq!(d[0], 0.0);
        Op::Abs.local(&[0.0], 0.0, &mut d[..1]);
        assert_eq!(d[0], 0.0);
        Op::Max.local(&[2.0, 2.0], 2.0, &mut d[..2]);
        assert_eq!(&d[..2], &[0.5, 0.5]);
        Op::Min.local(&[1.0, 5.0, 1.0], 1.0, &mut d);
        assert_eq!(d, [0.5, 0.0, 0.5]);
        assert_eq!(Op::Pow.forward(&[0.0, 0.0]), 1.0);
        Op::Pow.local(&[0.0, 0.0], 1.0, &mut d[..2]);
        assert_eq!(&d[..2], &[0.0, 0.0]);
        Op::Sqrt.local(&[0.0], 0.0, &mut d[..1]);
        assert_eq!(d[0], f64::INFINITY);
    }

    #[test]
    fn no_overflow_at_the_tails() {
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(Op::Softplus.forward(&[800.0]), 800.0);
        assert_eq!(Op::Softplus.forward(&[-800.0]), 0.0);
        let mut d = [0.0];
        Op::Softplus.local(&[800.0], 800.0, &mut d);
        assert_eq!(d[0], 1.0);
        Op::Sigmoid.local(&[-800.0], 0.0, &mut d);
        assert_eq!(d[0], 0.0);
    }

    #[test]
    fn domains_explain() {
        assert_eq!(
            (Op::Ln.def().domain)(&[-1.0]),
            "ln is undefined at -1 (needs x > 0)"
        );
        assert_eq!((Op::Div.def().domain)(&[1.0, 0.0]), "division by zero");
        assert!((Op::Pow.def().domain)(&[-8.0, 1.0 / 3.0]).contains("integer exponent"));
        assert!((Op::Asin.def().domain)(&[2.0]).contains("-1 ≤ x ≤ 1"));
        assert!((Op::Exp.def().domain)(&[1000.0]).contains("overflows at 1000"));
    }
}
