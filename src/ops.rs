//! THE operation table: for every gate, everything the tool knows about it
//! in one entry — its forward rule and local derivatives side by side, its
//! spellings, its kink and the convention there (README, "The graph"; matching PyTorch),
//! what a non-finite value or local derivative means, and the lecture's
//! words for its backward rule:
//!
//! - relu'(0) = 0, abs'(0) = 0
//! - max/min: tied arguments share the gradient equally
//! - 0^0 = 1 with zero gradients; sqrt'(0) = +inf
//! - relu, max and min *route* the gradient (a select, as PyTorch's masks):
//!   an input they do not select receives nothing, not 0 × upstream
//!
//! `local(a, y, d)` writes ∂y/∂a\[i\] into `d[i]`, given the inputs `a` and the
//! forward value `y`. `domain(a)` explains, in a student's words, why the
//! forward value at `a` is not a finite number.
//!
//! Adding an operation is one line of `op_table!` below (its variant and
//! its [`OpDef`]) plus its tests: the enum, [`ALL`], [`TABLE`], the function
//! names, the suggestions and the batch engine's specialised loops all
//! follow from that list.

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

/// Number of arguments: at least `min`, at most `max` (`None`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    pub max: Option<usize>,
}

impl Arity {
    pub const fn exactly(n: usize) -> Self {
        Arity {
            min: n,
            max: Some(n),
        }
    }
    pub const fn at_least(n: usize) -> Self {
        Arity { min: n, max: None }
    }
    pub fn accepts(self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
    /// The arities of two spellings of one name, together (`log`: 1 or 2).
    fn or(self, other: Arity) -> Arity {
        Arity {
            min: self.min.min(other.min),
            max: self.max.zip(other.max).map(|(a, b)| a.max(b)),
        }
    }
}

impl std::fmt::Display for Arity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match (self.min, self.max) {
            (n, None) => write!(f, "{n} or more arguments"),
            (a, Some(b)) if a == b => write!(f, "{a} {}", plural(a)),
            (a, Some(b)) => write!(f, "{a} or {b} arguments"),
        }
    }
}

/// Another name an operation is called by: `σ(x)` for `sigmoid(x)`,
/// `pow(x, p)` for `x^p`, `log(x)` (one argument) for `ln(x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub name: &'static str,
    pub arity: Arity,
}

/// A rule over a column: `out[i]` from `a[i]`.
pub type Column = fn(&[f64], &mut [f64]);

pub struct OpDef {
    /// The name in JSON output and in definitions of function calls.
    pub name: &'static str,
    pub notation: Notation,
    pub arity: Arity,
    /// Other call spellings. Those of a function are listed with it (in
    /// help and suggestions); those of an operator (`pow`) are accepted only.
    pub aliases: &'static [Alias],
    pub forward: fn(&[f64]) -> f64,
    /// For a function of one input, `forward` over a column at once
    /// (`out[i]` from `a[i]`), bit for bit `forward`'s results: the batch
    /// engine's vectorised `exp`/`ln` ([`crate::kernels`]). `None`: the
    /// batch engine calls `forward` a row at a time.
    pub column: Option<Column>,
    pub local: fn(&[f64], f64, &mut [f64]),
    /// Why the forward value at these inputs is not finite.
    pub domain: fn(&[f64]) -> String,
    /// How the gate passes the gradient back, in the lecture's words.
    pub rule: &'static str,
    /// Given the inputs and the value: whether they sit at a kink, where the
    /// derivative is a convention and not a limit, and which ("at 0").
    pub kink: fn(&[f64], f64) -> Option<&'static str>,
    /// The convention at the kink, said where one is used (`--explain`).
    pub convention: &'static str,
    /// The gate routes the gradient (a select, as PyTorch's relu and
    /// maximum): an input whose local derivative is exactly 0 receives
    /// nothing, even from an infinite or NaN upstream gradient.
    pub routes: bool,
    /// Whether input `i`'s local derivative at inputs `a` is, for this
    /// gate, a select as well (PyTorch's `where`): pow's base when the
    /// exponent is 0. A zero there passes nothing, as for a routing gate.
    pub selects: fn(&[f64], usize) -> bool,
    /// For two inputs: the local derivative with respect to one input is
    /// the other input (mul), which `--explain` names.
    pub local_is_other_input: bool,
    /// Why a local derivative of this gate is not finite, when warning.
    pub nonfinite_local: Option<&'static str>,
    /// The local derivative with respect to each input as a formula of the
    /// language (`--symbolic`, `symbolic::rules`): `a`, `b` are the inputs,
    /// `out` the gate's own value (σ: `out*(1 - out)`). Empty for max and
    /// min, whose n-argument rule is built in code.
    pub derivative: &'static [&'static str],
    /// The double backward (`--hessian --at`, [`crate::hessian`]): the
    /// second-order part of the gate's backward step, written as PyTorch's
    /// backward formula of the gate differentiated step by step, so that
    /// its conventions (masks, 0 × inf) come out as its double backward's.
    pub second: fn(&Twice<'_>, &mut [Option<f64>], &mut Option<f64>),
}

/// What a gate's double backward step ([`OpDef::second`]) is given: its
/// inputs `a`, its value `y`, its upstream gradient `g` = ∂f/∂y, and `t[k]`,
/// the tangent of input k along the Hessian row's variable (`None` where
/// the input does not depend on it, or is a constant). The rule adds, for
/// each input j, the second-order part of ∂²f/∂v∂a\[j\] into `da[j]`, and
/// that through the gate's own value (rules written in terms of `out`, as
/// tanh' = 1 - out²) into `dy`; a slot stays `None` where PyTorch's double
/// backward has no term (which matters: a term of 0 times inf is NaN).
pub struct Twice<'a> {
    pub a: &'a [f64],
    pub y: f64,
    pub g: f64,
    pub t: &'a [Option<f64>],
}

/// Adds `v` into a second-adjoint slot.
#[inline]
pub fn accumulate(slot: &mut Option<f64>, v: f64) {
    *slot = Some(slot.map_or(v, |s| s + v));
}

impl OpDef {
    /// The gradient that flows into input `i` (of inputs `a`) with local
    /// derivative `local` under `upstream`: their product, or nothing where
    /// a routing gate does not select the input, or the input's derivative
    /// is a select ([`OpDef::selects`]) that is 0 (so 0, not 0 × inf = NaN).
    #[inline(always)]
    pub fn flow(&self, a: &[f64], i: usize, upstream: f64, local: f64) -> f64 {
        if local == 0.0 && (self.routes || (self.selects)(a, i)) {
            0.0
        } else {
            upstream * local
        }
    }

    /// Every call spelling with its arity: the name of a function, then its
    /// aliases.
    pub fn spellings(&self) -> impl Iterator<Item = Alias> + '_ {
        let own = (self.notation == Notation::Call).then_some(Alias {
            name: self.name,
            arity: self.arity,
        });
        own.into_iter().chain(self.aliases.iter().copied())
    }
}

/// A computation made once per operation, with the operation's index in
/// [`DEFS`] a compile-time constant: `const { &DEFS[K] }` is then a
/// constant, and its rules are inlined (the batch engine's loops).
pub trait PerOp {
    type Output;
    fn run<const K: usize>(self) -> Self::Output;
}

/// The one list of operations: generates [`Op`], [`ALL`], [`TABLE`] and
/// [`Op::specialise`], which cannot drift apart.
macro_rules! op_table {
    ($($(#[$attr:meta])* $variant:ident => $def:expr,)*) => {
        /// An operation of the graph. The discriminant indexes [`TABLE`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op {
            $($(#[$attr])* $variant,)*
        }

        /// Every operation, in the table's order.
        pub const ALL: [Op; [$(Op::$variant),*].len()] = [$(Op::$variant),*];

        /// Indexed by `Op as usize`: the table as a constant, so that a
        /// specialised loop's `const { &DEFS[K] }` calls its rules directly
        /// (inlined) rather than through pointers loaded from a static.
        pub const DEFS: [OpDef; ALL.len()] = [$($def,)*];

        /// [`DEFS`] at one address, for `&'static` references at run time.
        pub static TABLE: [OpDef; ALL.len()] = DEFS;

        impl Op {
            /// Runs `f` for this operation, its table index a constant.
            #[inline(always)]
            pub fn specialise<F: PerOp>(self, f: F) -> F::Output {
                match self {
                    $(Op::$variant => f.run::<{ Op::$variant as usize }>(),)*
                }
            }
        }
    };
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

/// Where PyTorch's softplus becomes the identity (its `threshold`): its
/// derivative is 1 above, its second derivative 0.
pub const SOFTPLUS_THRESHOLD: f64 = 20.0;

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

/// Relu and abs: a kink where the input is 0.
fn at_zero(a: &[f64], _: f64) -> Option<&'static str> {
    (a[0] == 0.0).then_some("at 0")
}

/// Max and min: a kink where arguments tie for the result.
fn at_a_tie(a: &[f64], y: f64) -> Option<&'static str> {
    (a.iter().filter(|&&v| v == y).count() > 1).then_some("at a tie")
}

/// The entry index `a[0]` names among `a[1..]`, if it is an integer in
/// range.
pub fn selected(a: &[f64]) -> Option<usize> {
    let (i, n) = (a[0], a.len() - 1);
    (i.fract() == 0.0 && i >= 0.0 && i < n as f64).then_some(i as usize)
}

fn select_forward(a: &[f64]) -> f64 {
    match selected(a) {
        Some(i) => a[1 + i],
        None => f64::NAN,
    }
}

fn select_local(a: &[f64], _: f64, d: &mut [f64]) {
    let chosen = selected(a);
    d[0] = 0.0;
    for (k, dk) in d[1..].iter_mut().enumerate() {
        *dk = if chosen == Some(k) { 1.0 } else { 0.0 };
    }
}

fn select_domain(a: &[f64]) -> String {
    let (i, n) = (a[0], a.len() - 1);
    if selected(a).is_some() {
        "the chosen entry is not finite".into()
    } else if i.fract() != 0.0 || i.is_nan() {
        format!("the index {} is not an integer", num(i))
    } else {
        format!(
            "the index {} is out of range: there are {n} entries (0 to {})",
            num(i),
            n - 1
        )
    }
}

fn smooth(_: &[f64], _: f64) -> Option<&'static str> {
    None
}

/// An entry with every optional property off.
const fn entry(
    name: &'static str,
    notation: Notation,
    arity: Arity,
    forward: fn(&[f64]) -> f64,
    local: fn(&[f64], f64, &mut [f64]),
    domain: fn(&[f64]) -> String,
    rule: &'static str,
) -> OpDef {
    OpDef {
        name,
        notation,
        arity,
        aliases: &[],
        forward,
        column: None,
        local,
        domain,
        rule,
        kink: smooth,
        convention: "",
        routes: false,
        selects: never,
        local_is_other_input: false,
        nonfinite_local: None,
        derivative: &[],
        second: linear,
    }
}

fn never(_: &[f64], _: usize) -> bool {
    false
}

/// No second-order term: the backward step does not depend on the inputs
/// (add, sub, neg, a name), or only through a mask (max, min, step, sign).
fn linear(_: &Twice<'_>, _: &mut [Option<f64>], _: &mut Option<f64>) {}

/// The second-order terms of `grad / b` (PyTorch's div backward into the
/// numerator) and `-grad * ((a / b) / b)` (into the denominator), with
/// tangents `ta`, `tb` of their outputs: the additions to the second
/// adjoints of `a` and `b`, in PyTorch's order of operations.
fn div_terms(
    a: f64,
    b: f64,
    g: f64,
    ta: Option<f64>,
    tb: Option<f64>,
    da: &mut Option<f64>,
    db: &mut Option<f64>,
) {
    if let Some(t) = ta {
        // grad / b, differentiated in b.
        accumulate(db, -t * ((g / b) / b));
    }
    if let Some(t) = tb {
        // -grad * w, w = u / b, u = a / b.
        let u = a / b;
        let w = u / b;
        let wbar = t * -g;
        accumulate(db, -wbar * (w / b));
        let ubar = wbar / b;
        accumulate(da, ubar / b);
        accumulate(db, -ubar * w);
    }
}

/// ln's backward `grad / a` differentiated in `a`, given the tangent `t`
/// of its output and the upstream `g`.
fn ln_terms(a: f64, g: f64, t: f64) -> f64 {
    -t * ((g / a) / a)
}

/// The double backward of `grad * c(a)` where c' is `dc`: tangent × grad × c'.
fn times_local(w: &Twice<'_>, da: &mut [Option<f64>], dc: impl Fn(f64) -> f64) {
    if let Some(t) = w.t[0] {
        accumulate(&mut da[0], (t * w.g) * dc(w.a[0]));
    }
}

/// `grad / (c * a)` (log2, log10: c = ln 2, ln 10) differentiated in `a`.
fn over_scaled(w: &Twice<'_>, da: &mut [Option<f64>], c: f64) {
    if let Some(t) = w.t[0] {
        let d = w.a[0] * c;
        let dbar = -t * ((w.g / d) / d);
        accumulate(&mut da[0], dbar * c);
    }
}

/// asin (sign 1) and acos (sign -1): `grad * ±(1 - a*a).rsqrt()`, the
/// rsqrt's argument written `-a*a + 1` as PyTorch does.
fn arc_sine(w: &Twice<'_>, da: &mut [Option<f64>], sign: f64) {
    if let Some(t) = w.t[0] {
        let a = w.a[0];
        let r = 1.0 / (-a * a + 1.0).sqrt();
        let rbar = sign * (t * w.g);
        let qbar = -0.5 * rbar * (r * r * r);
        accumulate(&mut da[0], -(qbar * a) + qbar * -a);
    }
}

/// A function of one argument.
const fn unary(
    name: &'static str,
    forward: fn(&[f64]) -> f64,
    local: fn(&[f64], f64, &mut [f64]),
    domain: fn(&[f64]) -> String,
    rule: &'static str,
) -> OpDef {
    entry(
        name,
        Notation::Call,
        Arity::exactly(1),
        forward,
        local,
        domain,
        rule,
    )
}

const fn infix(
    name: &'static str,
    symbol: &'static str,
    forward: fn(&[f64]) -> f64,
    local: fn(&[f64], f64, &mut [f64]),
    domain: fn(&[f64]) -> String,
    rule: &'static str,
) -> OpDef {
    entry(
        name,
        Notation::Infix(symbol),
        Arity::exactly(2),
        forward,
        local,
        domain,
        rule,
    )
}

op_table! {
    Add => OpDef {
        derivative: &["1", "1"],
        ..infix(
            "add",
            " + ",
            |a| a[0] + a[1],
            |_, _, d| {
                d[0] = 1.0;
                d[1] = 1.0;
            },
            overflow,
            "add distributes",
        )
    },
    Sub => OpDef {
        derivative: &["1", "-1"],
        ..infix(
            "sub",
            " - ",
            |a| a[0] - a[1],
            |_, _, d| {
                d[0] = 1.0;
                d[1] = -1.0;
            },
            overflow,
            "sub distributes, negated on the right",
        )
    },
    Mul => OpDef {
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                accumulate(&mut da[1], t * w.g);
            }
            if let Some(t) = w.t[1] {
                accumulate(&mut da[0], t * w.g);
            }
        },
        derivative: &["b", "a"],
        local_is_other_input: true,
        ..infix(
            "mul",
            "*",
            |a| a[0] * a[1],
            |a, _, d| {
                d[0] = a[1];
                d[1] = a[0];
            },
            overflow,
            "mul swaps",
        )
    },
    Div => OpDef {
        second: |w, da, _| {
            let (x, y) = da.split_at_mut(1);
            div_terms(w.a[0], w.a[1], w.g, w.t[0], w.t[1], &mut x[0], &mut y[0]);
        },
        derivative: &["1/b", "-out/b"],
        ..infix(
            "div",
            "/",
            |a| a[0] / a[1],
            |a, y, d| {
                d[0] = 1.0 / a[1];
                d[1] = -y / a[1];
            },
            |a| match (a[0], a[1]) {
                (n, d) if d == 0.0 && n == 0.0 => "0/0 is undefined".into(),
                (_, 0.0) => "division by zero".into(),
                _ => "the result is too large for a 64-bit float".into(),
            },
            "quotient rule",
        )
    },
    Pow => OpDef {
        // PyTorch: `where(p == 0, 0, grad * (p * x.pow(p - 1)))` into the
        // base, `grad * where(x == 0 & p >= 0, 0, out * x.log())` into the
        // exponent; a `where` routes.
        second: |w, da, dy| {
            let (x, p, g) = (w.a[0], w.a[1], w.g);
            if let Some(t) = w.t[0] {
                // The branch a `where` does not select gets a zero, not
                // nothing: its terms are still computed (0 × inf is NaN).
                let mbar = if p == 0.0 { 0.0 } else { t * g };
                let s = x.powf(p - 1.0);
                accumulate(&mut da[1], mbar * s);
                let sbar = mbar * p;
                let q = p - 1.0;
                let base = if q == 0.0 { 0.0 } else { sbar * (q * x.powf(q - 1.0)) };
                accumulate(&mut da[0], base);
                let exponent = if x == 0.0 && q >= 0.0 { 0.0 } else { sbar * (s * x.ln()) };
                accumulate(&mut da[1], exponent);
            }
            if let Some(t) = w.t[1] {
                let wbar = t * g;
                let nbar = if x == 0.0 && p >= 0.0 { 0.0 } else { wbar };
                accumulate(dy, nbar * x.ln());
                let lbar = nbar * w.y;
                accumulate(&mut da[0], lbar / x);
            }
        },
        derivative: &["b*a^(b - 1)", "out*ln(a)"],
        selects: |a, i| i == 0 && a[1] == 0.0,
        aliases: &[Alias {
            name: "pow",
            arity: Arity::exactly(2),
        }],
        ..infix(
            "pow",
            "^",
            |a| a[0].powf(a[1]),
            // PyTorch's masks: no gradient through a zero exponent (a
            // `where`, so a select: `selects`), and none into the exponent
            // at a zero base with a non-negative exponent (a mask of the
            // local derivative: 0 × inf is NaN there, as in PyTorch).
            |a, y, d| {
                let (x, p) = (a[0], a[1]);
                d[0] = if p == 0.0 { 0.0 } else { p * x.powf(p - 1.0) };
                d[1] = if x == 0.0 && p >= 0.0 {
                    0.0
                } else {
                    y * x.ln()
                };
            },
            |a| match (a[0], a[1]) {
                (x, p) if x < 0.0 && p.fract() != 0.0 => format!(
                    "a negative base needs an integer exponent (({})^{} is not a real number)",
                    num(x),
                    num(p)
                ),
                (x, p) if x == 0.0 && p < 0.0 => {
                    format!("0 to a negative power ({}) is a division by zero", num(p))
                }
                _ => "the result is too large for a 64-bit float".into(),
            },
            "power rule",
        )
    },
    Neg => OpDef {
        derivative: &["-1"],
        ..entry(
            "neg",
            Notation::Prefix("-"),
            Arity::exactly(1),
            |a| -a[0],
            |_, _, d| d[0] = -1.0,
            not_finite,
            "negation flips the sign",
        )
    },
    Sin => OpDef {
        second: |w, da, _| times_local(w, da, |a| -a.sin()),
        derivative: &["cos(a)"],
        ..unary(
            "sin",
            |a| a[0].sin(),
            |a, _, d| d[0] = a[0].cos(),
            not_finite,
            "sin' = cos",
        )
    },
    Cos => OpDef {
        second: |w, da, _| times_local(w, da, |a| -(a.cos())),
        derivative: &["-sin(a)"],
        ..unary(
            "cos",
            |a| a[0].cos(),
            |a, _, d| d[0] = -a[0].sin(),
            not_finite,
            "cos' = -sin",
        )
    },
    Tan => OpDef {
        second: |w, _, dy| {
            if let Some(t) = w.t[0] {
                accumulate(dy, (t * w.g) * (2.0 * w.y));
            }
        },
        derivative: &["1 + out^2"],
        ..unary(
            "tan",
            |a| a[0].tan(),
            |_, y, d| d[0] = 1.0 + y * y,
            not_finite,
            "tan' = 1 + tan²",
        )
    },
    Asin => OpDef {
        second: |w, da, _| arc_sine(w, da, 1.0),
        derivative: &["1/sqrt(1 - a^2)"],
        ..unary(
            "asin",
            |a| a[0].asin(),
            |a, _, d| d[0] = 1.0 / (1.0 - a[0] * a[0]).sqrt(),
            |a| unit_domain("asin", a[0]),
            "asin' = 1/√(1-x²)",
        )
    },
    Acos => OpDef {
        second: |w, da, _| arc_sine(w, da, -1.0),
        derivative: &["-1/sqrt(1 - a^2)"],
        ..unary(
            "acos",
            |a| a[0].acos(),
            |a, _, d| d[0] = -1.0 / (1.0 - a[0] * a[0]).sqrt(),
            |a| unit_domain("acos", a[0]),
            "acos' = -1/√(1-x²)",
        )
    },
    Atan => OpDef {
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                let a = w.a[0];
                let d = a * a + 1.0;
                let dbar = -t * ((w.g / d) / d);
                accumulate(&mut da[0], dbar * a + dbar * a);
            }
        },
        derivative: &["1/(1 + a^2)"],
        ..unary(
            "atan",
            |a| a[0].atan(),
            |a, _, d| d[0] = 1.0 / (1.0 + a[0] * a[0]),
            not_finite,
            "atan' = 1/(1+x²)",
        )
    },
    Sinh => OpDef {
        second: |w, da, _| times_local(w, da, f64::sinh),
        derivative: &["cosh(a)"],
        ..unary(
            "sinh",
            |a| a[0].sinh(),
            |a, _, d| d[0] = a[0].cosh(),
            |a| grows("sinh", a[0]),
            "sinh' = cosh",
        )
    },
    Cosh => OpDef {
        second: |w, da, _| times_local(w, da, f64::cosh),
        derivative: &["sinh(a)"],
        ..unary(
            "cosh",
            |a| a[0].cosh(),
            |a, _, d| d[0] = a[0].sinh(),
            |a| grows("cosh", a[0]),
            "cosh' = sinh",
        )
    },
    Tanh => OpDef {
        // tanh_backward(grad, out) = grad * (1 - out²), in the output only:
        // 0 where tanh saturates, as PyTorch's.
        second: |w, _, dy| {
            if let Some(t) = w.t[0] {
                accumulate(dy, t * (-2.0 * w.y * w.g));
            }
        },
        derivative: &["1 - out^2"],
        ..unary(
            "tanh",
            |a| a[0].tanh(),
            |_, y, d| d[0] = 1.0 - y * y,
            not_finite,
            "tanh' = 1 - tanh²",
        )
    },
    Exp => OpDef {
        second: |w, _, dy| {
            if let Some(t) = w.t[0] {
                accumulate(dy, t * w.g);
            }
        },
        derivative: &["out"],
        column: Some(crate::kernels::exp_column),
        ..unary(
            "exp",
            |a| a[0].exp(),
            |_, y, d| d[0] = y,
            |a| grows("exp", a[0]),
            "exp' = exp",
        )
    },
    Ln => OpDef {
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                accumulate(&mut da[0], ln_terms(w.a[0], w.g, t));
            }
        },
        derivative: &["1/a"],
        aliases: &[Alias {
            name: "log",
            arity: Arity::exactly(1),
        }],
        ..unary(
            "ln",
            |a| a[0].ln(),
            |a, _, d| d[0] = 1.0 / a[0],
            |a| positive_domain("ln", a[0]),
            "ln' = 1/x",
        )
    },
    Log => OpDef {
        // ln(a)/ln(b) in PyTorch: two logs and a division.
        second: |w, da, _| {
            let (a, b, g) = (w.a[0], w.a[1], w.g);
            let (la, lb) = (a.ln(), b.ln());
            let (mut dla, mut dlb) = (None, None);
            let ta = w.t[0].map(|t| t / a);
            let tb = w.t[1].map(|t| t / b);
            div_terms(la, lb, g, ta, tb, &mut dla, &mut dlb);
            if let Some(t) = w.t[0] {
                accumulate(&mut da[0], ln_terms(a, g / lb, t));
            }
            if let Some(t) = w.t[1] {
                accumulate(&mut da[1], ln_terms(b, -g * ((la / lb) / lb), t));
            }
            if let Some(d) = dla {
                accumulate(&mut da[0], d / a);
            }
            if let Some(d) = dlb {
                accumulate(&mut da[1], d / b);
            }
        },
        derivative: &["1/(a*ln(b))", "-ln(a)/(b*ln(b)^2)"],
        ..entry(
            "log",
            Notation::Call,
            Arity::exactly(2),
            |a| a[0].ln() / a[1].ln(),
            |a, _, d| {
                let lb = a[1].ln();
                d[0] = 1.0 / (a[0] * lb);
                d[1] = -a[0].ln() / (a[1] * lb * lb);
            },
            |a| match (a[0], a[1]) {
                (x, _) if x <= 0.0 => positive_domain("log", x),
                (_, 1.0) => "log base 1 is a division by zero (ln 1 = 0)".into(),
                (_, b) => format!("log base {} is undefined (needs a base > 0)", num(b)),
            },
            "log(x, b)' = 1/(x ln b)",
        )
    },
    Log2 => OpDef {
        second: |w, da, _| over_scaled(w, da, std::f64::consts::LN_2),
        derivative: &["1/(a*ln(2))"],
        ..unary(
            "log2",
            |a| a[0].log2(),
            |a, _, d| d[0] = 1.0 / (a[0] * std::f64::consts::LN_2),
            |a| positive_domain("log2", a[0]),
            "log2' = 1/(x ln 2)",
        )
    },
    Log10 => OpDef {
        second: |w, da, _| over_scaled(w, da, std::f64::consts::LN_10),
        derivative: &["1/(a*ln(10))"],
        ..unary(
            "log10",
            |a| a[0].log10(),
            |a, _, d| d[0] = 1.0 / (a[0] * std::f64::consts::LN_10),
            |a| positive_domain("log10", a[0]),
            "log10' = 1/(x ln 10)",
        )
    },
    // ln(1 + x) without the rounding of 1 + x near 0 (PyTorch's log1p).
    Log1p => OpDef {
        // log1p_backward: grad / (a + 1), differentiated in a.
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                accumulate(&mut da[0], ln_terms(w.a[0] + 1.0, w.g, t));
            }
        },
        derivative: &["1/(1 + a)"],
        ..unary(
            "log1p",
            |a| a[0].ln_1p(),
            |a, _, d| d[0] = 1.0 / (a[0] + 1.0),
            |a| match a[0] {
                -1.0 => "log1p(-1) is -infinity (needs x > -1)".into(),
                x => format!("log1p is undefined at {} (needs x > -1)", num(x)),
            },
            "log1p' = 1/(1+x)",
        )
    },
    Sqrt => OpDef {
        // grad / (2 * out)
        second: |w, _, dy| {
            if let Some(t) = w.t[0] {
                let d = 2.0 * w.y;
                let dbar = -t * ((w.g / d) / d);
                accumulate(dy, dbar * 2.0);
            }
        },
        derivative: &["1/(2*out)"],
        nonfinite_local: Some("sqrt'(0) = +inf"),
        ..unary(
            "sqrt",
            |a| a[0].sqrt(),
            |_, y, d| d[0] = 0.5 / y,
            |a| format!("sqrt is undefined at {} (needs x ≥ 0)", num(a[0])),
            "sqrt' = 1/(2 sqrt)",
        )
    },
    // abs'(0) = 0, as sign(0) = 0. A multiplication by the sign in
    // PyTorch, not a select: sqrt(abs(x))' at 0 is inf × 0 = NaN there too.
    Abs => OpDef {
        // grad * a.sgn(); sgn's backward is 0 for a real input, NaN
        // where its upstream is not finite, and masked to 0 at 0.
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                let a = w.a[0];
                let sbar = t * w.g;
                let sg = a.signum();
                let v = if a == 0.0 {
                    0.0
                } else {
                    (sbar - (sg * sg) * sbar) / (2.0 * a.abs())
                };
                accumulate(&mut da[0], v);
            }
        },
        derivative: &["sign(a)"],
        kink: at_zero,
        convention: "at 0 the derivative is taken as 0, as PyTorch does",
        ..unary(
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
        )
    },
    Sigmoid => OpDef {
        // sigmoid_backward(grad, out) = grad * (1 - out) * out.
        second: |w, _, dy| {
            if let Some(t) = w.t[0] {
                accumulate(dy, (t * w.g) * (-2.0 * w.y + 1.0));
            }
        },
        derivative: &["out*(1 - out)"],
        aliases: &[Alias {
            name: "σ",
            arity: Arity::exactly(1),
        }],
        column: Some(crate::kernels::sigmoid_column),
        ..unary(
            "sigmoid",
            |a| sigmoid(a[0]),
            |_, y, d| d[0] = y * (1.0 - y),
            not_finite,
            "σ' = σ(1-σ)",
        )
    },
    // relu'(0) = 0; a select, as PyTorch's threshold_backward.
    Relu => OpDef {
        // threshold_backward(grad, out, 0): a select; its term in the
        // output is a zero (there, not absent).
        second: |w, _, dy| {
            if w.t[0].is_some() {
                accumulate(dy, 0.0);
            }
        },
        derivative: &["step(a)"],
        kink: at_zero,
        convention: "at 0 the derivative is taken as 0, as PyTorch does",
        routes: true,
        ..unary(
            "relu",
            |a| if a[0] > 0.0 { a[0] } else { 0.0 },
            |a, _, d| d[0] = if a[0] > 0.0 { 1.0 } else { 0.0 },
            not_finite,
            "relu passes the gradient where the input is positive",
        )
    },
    // ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^-|x|).
    Softplus => OpDef {
        // softplus_double_backward: σ' where the argument is below
        // PyTorch's threshold 20, 0 above, where softplus is the identity.
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                let a = w.a[0];
                let s = sigmoid(a);
                let mask = if a < SOFTPLUS_THRESHOLD { 1.0 } else { 0.0 };
                accumulate(&mut da[0], ((t * w.g) * (1.0 - s) * s) * mask);
            }
        },
        derivative: &["sigmoid(a)"],
        ..unary(
            "softplus",
            |a| {
                if a[0] > SOFTPLUS_THRESHOLD {
                    a[0]
                } else {
                    a[0].max(0.0) + (-a[0].abs()).exp().ln_1p()
                }
            },
            // Above the threshold PyTorch's softplus is the identity.
            |a, _, d| {
                d[0] = if a[0] > SOFTPLUS_THRESHOLD {
                    1.0
                } else {
                    sigmoid(a[0])
                }
            },
            not_finite,
            "softplus' = σ",
        )
    },
    // ln σ(x) without underflow, as PyTorch's logsigmoid:
    // min(x, 0) - ln(1 + e^-|x|); logsigmoid(-800) = -800, not ln(0).
    Logsigmoid => OpDef {
        // log_sigmoid_double_backward: grad * (σ(a) - 1) * σ(a).
        second: |w, da, _| {
            if let Some(t) = w.t[0] {
                let z = sigmoid(w.a[0]);
                accumulate(&mut da[0], (t * w.g) * (z - 1.0) * z);
            }
        },
        derivative: &["sigmoid(-a)"],
        ..unary(
            "logsigmoid",
            |a| a[0].min(0.0) - (-a[0].abs()).exp().ln_1p(),
            // σ(-x) = 1 - σ(x), without the cancellation where σ(x) ≈ 1.
            |a, _, d| d[0] = sigmoid(-a[0]),
            not_finite,
            "logsigmoid' = σ(-x) = 1 - σ",
        )
    },
    // A select, as torch.maximum/minimum (ties share). PyTorch's amax of a
    // stack multiplies by its mask instead, so for three or more arguments
    // it can give NaN (inf × 0) where this gives 0.
    Max => OpDef {
        kink: at_a_tie,
        convention: "tied arguments share the gradient equally, as PyTorch does",
        routes: true,
        ..entry(
            "max",
            Notation::Call,
            Arity::at_least(2),
            |a| a.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            extremum_local,
            not_finite,
            "max routes",
        )
    },
    Min => OpDef {
        kink: at_a_tie,
        convention: "tied arguments share the gradient equally, as PyTorch does",
        routes: true,
        ..entry(
            "min",
            Notation::Call,
            Arity::at_least(2),
            |a| a.iter().copied().fold(f64::INFINITY, f64::min),
            extremum_local,
            not_finite,
            "min routes",
        )
    },
    // The derivatives of the kinked functions (`--symbolic`): relu' =
    // step, abs' = sign, max/min from sign. Constant where they are not
    // kinked, so their own derivative is 0 everywhere, as PyTorch's.
    /// 1 for x > 0, else 0 (so step(0) = 0, relu'(0) = 0).
    Step => OpDef {
        derivative: &["0"],
        kink: at_zero,
        convention: "at 0 the derivative is taken as 0, as PyTorch does",
        ..unary(
            "step",
            |a| if a[0] > 0.0 { 1.0 } else if a[0].is_nan() { f64::NAN } else { 0.0 },
            |_, _, d| d[0] = 0.0,
            not_finite,
            "step is flat: step' = 0",
        )
    },
    /// -1, 0 or 1 (sign(0) = 0, so abs'(0) = 0).
    Sign => OpDef {
        derivative: &["0"],
        kink: at_zero,
        convention: "at 0 the derivative is taken as 0, as PyTorch does",
        ..unary(
            "sign",
            |a| {
                if a[0] > 0.0 {
                    1.0
                } else if a[0] < 0.0 {
                    -1.0
                } else {
                    a[0] * 0.0
                }
            },
            |_, _, d| d[0] = 0.0,
            not_finite,
            "sign is flat: sign' = 0",
        )
    },
    /// A named statement that is just another node or a constant (`b = a`).
    Id => OpDef {
        derivative: &["1"],
        ..entry(
            "id",
            Notation::Bare,
            Arity::exactly(1),
            |a| a[0],
            |_, _, d| d[0] = 1.0,
            not_finite,
            "a name passes the gradient through",
        )
    },
    /// `p[y]` with `y` a variable holding an integer, a class label (SPEC
    /// §9): inputs the index, then the entries; the value is the entry at
    /// the index. A select, as PyTorch's indexing: the chosen entry's local
    /// derivative is 1, the others' 0 (nothing flows to them), and the
    /// index's 0 — an integer label is data, and the value is piecewise
    /// constant in it. An index that is not an integer in range gives NaN,
    /// an evaluation error naming it ([`crate::Graph::nonfinite_error`]).
    /// Not callable: written `p[y]`.
    Select => OpDef {
        routes: true,
        ..entry(
            "select",
            Notation::Bare,
            Arity::at_least(2),
            select_forward,
            select_local,
            select_domain,
            "select routes: the chosen entry gets the gradient, the others and the index nothing",
        )
    },
}

/// Every callable name (README, "The language"), in the table's order, for lookup, "did
/// you mean" and the list in help: each function's name, then its aliases.
/// An operator's call spelling (`pow`) is accepted but not listed.
pub static FUNCTIONS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let mut names: Vec<&'static str> = Vec::new();
    for def in TABLE.iter().filter(|d| d.notation == Notation::Call) {
        for spelling in def.spellings() {
            if !names.contains(&spelling.name) {
                names.push(spelling.name);
            }
        }
    }
    names
});

/// The operation a call to `name` with `n` arguments means, or the arity it
/// needs; `None` when no function has this name.
pub fn function(name: &str, n: usize) -> Option<Result<Op, Arity>> {
    // `√x` (a prefix in the grammar) is a call of `sqrt` named by its `√`.
    let name = if name == "\u{221A}" { "sqrt" } else { name };
    let mut needs: Option<Arity> = None;
    for op in ALL {
        for spelling in op.def().spellings().filter(|s| s.name == name) {
            if spelling.arity.accepts(n) {
                return Some(Ok(op));
            }
            needs = Some(needs.map_or(spelling.arity, |a| a.or(spelling.arity)));
        }
    }
    needs.map(Err)
}

/// Whether `name` is a function (so it cannot be a variable or a statement).
pub fn is_function(name: &str) -> bool {
    function(name, 1).is_some()
}

/// The known function nearest to an unknown name, if any is close: first
/// the names other notations give the same function (`sigma`, `ReLU`,
/// `Tanh`: a spelling nearby, `sign`, has another meaning), then one or two
/// edits away.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let other_names = [
        ("sigma", "sigmoid"),
        ("logistic", "sigmoid"),
        ("expit", "sigmoid"),
    ];
    if let Some((_, f)) = other_names.iter().find(|(n, _)| *n == lower) {
        return Some(f);
    }
    if let Some(f) = FUNCTIONS.iter().find(|f| **f == lower && lower != name) {
        return Some(f);
    }
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
        for f in FUNCTIONS.iter() {
            assert!(is_function(f), "{f}");
        }
        assert_eq!(function("pow", 2), Some(Ok(Op::Pow)));
        assert!(
            !FUNCTIONS.contains(&"pow"),
            "an operator's spelling, not listed"
        );
        assert_eq!(
            FUNCTIONS.join(" "),
            "sin cos tan asin acos atan sinh cosh tanh exp ln log log2 log10 log1p sqrt abs \
             sigmoid σ relu softplus logsigmoid max min step sign"
        );
        assert_eq!(
            function("log", 3),
            Some(Err(Arity {
                min: 1,
                max: Some(2)
            }))
        );
    }

    /// Every entry says everything: a name, an arity, a rule for the
    /// lecture, a domain note, a kink convention; every alias resolves to
    /// its operation; every name resolves to exactly one operation.
    #[test]
    fn the_table_is_complete() {
        assert_eq!(TABLE.len(), ALL.len());
        let mut names = std::collections::HashSet::new();
        for op in ALL {
            let def = op.def();
            assert!(!def.name.is_empty(), "{op:?}");
            assert!(names.insert(def.name), "{op:?}: name {} twice", def.name);
            assert!(def.arity.min >= 1, "{op:?}");
            assert!(def.arity.max.is_none_or(|m| m >= def.arity.min), "{op:?}");
            assert!(!def.rule.is_empty(), "{op:?} has no rule text");
            let args = vec![f64::NAN; def.arity.min];
            assert!(!(def.domain)(&args).is_empty(), "{op:?} has no domain note");
            assert_eq!((def.kink)(&[1.0, 2.0, 3.0][..def.arity.min], 3.5), None);
            for alias in def.aliases {
                for n in alias.arity.min..=alias.arity.max.unwrap_or(alias.arity.min + 2) {
                    assert_eq!(
                        function(alias.name, n),
                        Some(Ok(op)),
                        "{} with {n}",
                        alias.name
                    );
                }
            }
            if def.notation == Notation::Call {
                assert_eq!(function(def.name, def.arity.min), Some(Ok(op)));
            } else {
                assert!(def.name == "pow" || !is_function(def.name), "{op:?}");
            }
            if def.local_is_other_input {
                assert_eq!(def.arity, Arity::exactly(2), "{op:?}");
                let mut d = [0.0; 2];
                (def.local)(&[3.0, 5.0], (def.forward)(&[3.0, 5.0]), &mut d);
                assert_eq!(d, [5.0, 3.0], "{op:?}");
            }
        }
        let routing: Vec<Op> = ALL.into_iter().filter(|op| op.def().routes).collect();
        assert_eq!(routing, [Op::Relu, Op::Max, Op::Min, Op::Select]);
        // `p[y]`: the entry at the index; 1 into it, 0 into the others and
        // into the index; NaN (an error naming it) out of range.
        let a = [1.0, 10.0, 20.0, 30.0];
        assert_eq!(Op::Select.forward(&a), 20.0);
        let mut d = [9.0; 4];
        Op::Select.local(&a, 20.0, &mut d);
        assert_eq!(d, [0.0, 0.0, 1.0, 0.0]);
        assert!(Op::Select.forward(&[3.0, 10.0, 20.0, 30.0]).is_nan());
        assert!(Op::Select.forward(&[0.5, 10.0, 20.0]).is_nan());
        assert!((Op::Select.def().domain)(&[3.0, 1.0, 2.0, 3.0]).contains("3 entries (0 to 2)"));
        assert!((Op::Select.def().domain)(&[0.5, 1.0]).contains("not an integer"));
        assert_eq!(Op::Relu.def().flow(&[-1.0], 0, f64::INFINITY, 0.0), 0.0);
        assert!(Op::Abs.def().flow(&[0.0], 0, f64::INFINITY, 0.0).is_nan());
        // pow's base through a zero exponent is a `where`: a select; the
        // exponent's mask at a zero base is not.
        assert_eq!(Op::Pow.def().flow(&[2.0, 0.0], 0, f64::INFINITY, 0.0), 0.0);
        assert!(Op::Pow
            .def()
            .flow(&[0.0, 2.0], 1, f64::INFINITY, 0.0)
            .is_nan());
        assert_eq!((Op::Relu.def().kink)(&[0.0], 0.0), Some("at 0"));
        assert_eq!((Op::Max.def().kink)(&[1.0, 1.0], 1.0), Some("at a tie"));
    }

    /// `specialise` hands each operation its own index.
    #[test]
    fn specialise_follows_the_table() {
        struct Index;
        impl PerOp for Index {
            type Output = usize;
            fn run<const K: usize>(self) -> usize {
                K
            }
        }
        for op in ALL {
            assert_eq!(op.specialise(Index), op as usize);
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
        // Other notations' names, before a near spelling of another meaning.
        assert_eq!(suggest("sigma"), Some("sigmoid"));
        assert_eq!(suggest("ReLU"), Some("relu"));
        assert_eq!(suggest("Sigmoid"), Some("sigmoid"));
        assert_eq!(suggest("Tanh"), Some("tanh"));
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

    /// logsigmoid and log1p: PyTorch's stable forms, where the naive
    /// formulas lose everything (ln σ(-800) = ln 0; ln(1 + 1e-17) = 0).
    #[test]
    fn logsigmoid_and_log1p_stay_finite() {
        assert_eq!(Op::Logsigmoid.forward(&[-800.0]), -800.0);
        assert_eq!(Op::Logsigmoid.forward(&[800.0]), 0.0);
        assert_eq!(Op::Logsigmoid.forward(&[0.0]), -std::f64::consts::LN_2);
        let x: f64 = 1.5;
        let naive = sigmoid(x).ln();
        assert!((Op::Logsigmoid.forward(&[x]) - naive).abs() < 1e-15);
        let mut d = [0.0];
        Op::Logsigmoid.local(&[-800.0], -800.0, &mut d);
        assert_eq!(d[0], 1.0);
        Op::Logsigmoid.local(&[40.0], 0.0, &mut d);
        assert!(d[0] > 0.0 && d[0] < 1e-17, "σ(-40), not 1 - σ(40) = 0");
        assert_eq!(Op::Log1p.forward(&[1e-17]), 1e-17);
        Op::Log1p.local(&[3.0], 4f64.ln(), &mut d);
        assert_eq!(d[0], 0.25);
        assert_eq!(
            (Op::Log1p.def().domain)(&[-1.0]),
            "log1p(-1) is -infinity (needs x > -1)"
        );
        assert_eq!(
            (Op::Log1p.def().domain)(&[-2.0]),
            "log1p is undefined at -2 (needs x > -1)"
        );
        assert!(Op::Log1p.forward(&[-2.0]).is_nan());
        assert_eq!(Op::Log1p.forward(&[-1.0]), f64::NEG_INFINITY);
    }

    #[test]
    fn domains_explain() {
        assert_eq!(
            (Op::Ln.def().domain)(&[-1.0]),
            "ln is undefined at -1 (needs x > 0)"
        );
        assert_eq!((Op::Div.def().domain)(&[1.0, 0.0]), "division by zero");
        assert!((Op::Pow.def().domain)(&[-8.0, 1.0 / 3.0]).contains("integer exponent"));
        assert!((Op::Pow.def().domain)(&[-2.0, 0.5]).contains("((-2)^0.5 is not a real number)"));
        assert!((Op::Asin.def().domain)(&[2.0]).contains("-1 ≤ x ≤ 1"));
        assert!((Op::Exp.def().domain)(&[1000.0]).contains("overflows at 1000"));
    }
}
