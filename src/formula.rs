//! Formula answers in `--expect` (`'dL/dz = yhat - y'`): the student's
//! formula, in terms of the program's variables and named steps, against the
//! true value, first or second derivative at the given point and at random
//! points spread over each variable's range (`--domain`, or [-2, 2]), with
//! the likely slip named when a check fails (README, "Formula answers").
//!
//! The rules, as WeBWorK and MITx's FormulaGrader check formulas, for real
//! values only:
//! - the random points are drawn independently and uniformly over each
//!   range, and drawn again where the program is undefined (up to
//!   [`MAX_DRAWS`] draws); points where the true value is undefined do not
//!   count, and a point where it is defined and the answer is not fails;
//! - values are compared relative to the larger magnitude, with no absolute
//!   floor; a value is zero only up to the rounding of the computation that
//!   made it ([`ROUNDING`] times the magnitudes met on the way);
//! - names the program does not have are drawn at random too: an answer
//!   that depends on them fails, one that does not (`cos(k)^2 + sin(k)^2`)
//!   is as good as its value;
//! - a slip is named only when it explains every point compared.

use crate::ast::{ExprKind, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::Op;

/// The flags of formula answers, flattened into the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FormulaArgs {
    /// Where formula answers in --expect are compared, e.g. 'x=1..5, y=0|1'
    /// (a range, or choices); other variables: in [-2, 2].
    #[arg(long, value_name = "RANGES")]
    pub domain: Option<String>,
}

/// Random points a formula is checked at, besides the given one.
pub const RANDOM_POINTS: usize = 20;
/// Draws tried to find [`RANDOM_POINTS`] where the program is defined (as
/// WeBWorK retries).
pub const MAX_DRAWS: usize = 1000;
/// The fewest points with a true value for a verdict.
pub const MIN_USABLE: usize = 10;
/// The seed of the random points: the same command draws the same points.
pub const SEED: u64 = 0x5eed_f0a1_2026_0001;
/// The range of a variable that `--domain` does not name.
const DEFAULT_RANGE: (f64, f64) = (-2.0, 2.0);
/// A value is zero when it is within this times the magnitudes added on
/// the way to it (about 45 roundings of a double).
pub const ROUNDING: f64 = 1e-14;
/// How exactly a slip must explain the differences (the ratio, or the
/// difference, the same at every point to this relative tolerance).
const SLIP_TOL: f64 = 1e-7;

/// Whether an expected value names something other than numbers, constants
/// and functions (then it is a formula), or is a constant with no real
/// value (`(1 - 2*sqrt(2))^(7/4)`: a formula undefined everywhere, whose
/// check fails). Text that does not parse is not a formula: the number
/// reader reports its error.
pub fn is_formula(text: &str) -> bool {
    let Ok(program) = crate::parse::parse_expression(text) else {
        return false;
    };
    let names = (0..program.exprs.len() as crate::ast::ExprId).any(|id| {
        let name = program.name(id);
        program.expr(id).kind == ExprKind::Name
            && crate::ops::constant(name).is_none()
            && !crate::ops::is_function(name)
    });
    names
        || match crate::constant_value(text) {
            Ok(v) => !v.is_finite(),
            Err(e) => matches!(e.kind, ErrorKind::NonFinite { .. }),
        }
}

/// What one of a formula's variables stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bind {
    /// A node of the program (a variable, a step, `f`).
    Node(NodeId),
    /// The i-th name the program does not have, drawn at random.
    Extra(usize),
}

/// A student's formula, lowered to a graph of its own whose variables are
/// nodes of the program's graph (or names it does not have).
pub struct Formula {
    graph: Graph,
    binds: Vec<Bind>,
    /// The names the program does not have, in order of first appearance.
    extra: Vec<String>,
    /// A constant part has no real value (`ln(-1)`): the formula is
    /// undefined everywhere.
    nowhere: bool,
}

/// The spellings that are one name in an answer (`ŷ`, `yhat`, `y_hat`; `σ`,
/// `sigmoid`), the name itself first.
fn spellings(name: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = vec![name.to_string()];
    let decomposed: String = name.nfd().collect();
    let base = decomposed
        .strip_suffix('\u{302}')
        .map(str::to_string)
        .or_else(|| name.strip_suffix("_hat").map(str::to_string))
        .or_else(|| name.strip_suffix("hat").map(str::to_string))
        .filter(|b| !b.is_empty() && crate::parse::is_name(b));
    if let Some(base) = base {
        let hat: String = format!("{base}\u{302}").nfc().collect();
        for v in [hat, format!("{base}hat"), format!("{base}_hat")] {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    // `w₁` and `w_1`: two names in a program, one in an answer.
    if let Some(twin) = crate::input::subscript_twin(name) {
        if !out.contains(&twin) {
            out.push(twin);
        }
    }
    for group in [["σ", "sigmoid"]] {
        if group.contains(&name) {
            out.extend(group.iter().filter(|g| **g != name).map(|g| g.to_string()));
        }
    }
    out
}

/// The program's node an answer's name stands for: `f` is the output;
/// `ŷ` is `yhat` when the program says `yhat`.
fn resolve(name: &str, program: &Graph) -> Option<NodeId> {
    if name == "f" {
        return Some(program.output());
    }
    spellings(name).iter().find_map(|n| program.find(n))
}

impl Formula {
    /// Parses `text` and binds its names to `program`'s nodes (`f` is the
    /// output). A statement that is not in the graph (the graph is one
    /// output's, `--of`) stands for its definition, from `definitions`
    /// (name, expression text). Other names are drawn at random; an answer
    /// that is one unknown word is refused (`one`: a number was meant).
    /// Error places are offsets into `text`.
    pub fn compile(
        text: &str,
        program: &Graph,
        definitions: &[(String, String)],
    ) -> Result<Formula> {
        let mut text = std::borrow::Cow::Borrowed(text);
        let defined = |n: &str| {
            let names = spellings(n);
            definitions.iter().find(|(d, _)| names.contains(d))
        };
        let shapes = program.shapes();
        // Statements name only earlier ones: one round a statement at most.
        for _ in 0..=definitions.len() {
            let graph =
                match Graph::lower_shaped(crate::parse::parse_expression(&text)?, None, &shapes) {
                    Ok(graph) => graph,
                    Err(e) if matches!(e.kind, ErrorKind::NonFinite { .. }) => break,
                    Err(e) => return Err(e),
                };
            let missing: Vec<(&String, &(String, String))> = graph
                .variables()
                .iter()
                .filter(|n| resolve(n, program).is_none())
                .filter_map(|n| defined(n).map(|d| (n, d)))
                .collect();
            if missing.is_empty() {
                break;
            }
            let mut replaced = text.to_string();
            for (name, (_, definition)) in missing {
                replaced = substitute(&replaced, name, &format!("({definition})"));
            }
            text = replaced.into();
        }
        Self::bind(&text, program)
    }

    fn bind(text: &str, program: &Graph) -> Result<Formula> {
        // Constants are folded as the formula is lowered: one with no real
        // value makes a formula undefined everywhere, a failed check.
        let shapes = program.shapes();
        let (graph, nowhere) =
            match Graph::lower_shaped(crate::parse::parse_expression(text)?, None, &shapes) {
                Ok(graph) => (graph, false),
                Err(e) if matches!(e.kind, ErrorKind::NonFinite { .. }) => (
                    Graph::lower(crate::parse::parse_expression("0")?, None)?,
                    true,
                ),
                Err(e) => return Err(e),
            };
        let mut binds = Vec::with_capacity(graph.variables().len());
        let mut extra = Vec::new();
        for (v, name) in graph.variables().iter().enumerate() {
            if let Some(node) = resolve(name, program) {
                binds.push(Bind::Node(node));
                continue;
            }
            if crate::parse::is_name(text.trim()) {
                let known = program.shown_names();
                let span = graph.span(graph.variable_node(v));
                let mut err = Error::at(
                    ErrorKind::UnknownNode {
                        name: name.clone(),
                        known: known.clone(),
                    },
                    span,
                );
                if let Some(near) = nearest(name, &known) {
                    err = err.with_help(format!("did you mean `{near}`?"));
                }
                return Err(err);
            }
            binds.push(Bind::Extra(extra.len()));
            extra.push(name.clone());
        }
        Ok(Formula {
            graph,
            binds,
            extra,
            nowhere,
        })
    }

    /// The names the program does not have.
    pub fn extra_names(&self) -> &[String] {
        &self.extra
    }

    /// The formula's value at a point of the program (its node values),
    /// with `extra` the values of the names the program does not have;
    /// `buf` holds every node's value afterwards.
    fn value(
        &self,
        program_values: &[f64],
        extra: &[f64],
        point: &mut Vec<f64>,
        buf: &mut Vec<f64>,
    ) -> f64 {
        if self.nowhere {
            return f64::NAN;
        }
        point.clear();
        point.extend(self.binds.iter().map(|b| match *b {
            Bind::Node(n) => program_values[n as usize],
            Bind::Extra(k) => extra[k],
        }));
        match self.graph.forward(point, buf, false) {
            Ok(()) => buf[self.graph.output() as usize],
            Err(_) => f64::NAN,
        }
    }

    /// The random values of the extra names at the `i`-th point compared
    /// (reproducible, uniform in [-2, 2]).
    fn extra_values(&self, i: usize, out: &mut Vec<f64>) {
        out.clear();
        for k in 0..self.extra.len() {
            let mut rng = Rng(SEED ^ ((i as u64) << 20) ^ ((k as u64 + 1) << 40));
            out.push(DEFAULT_RANGE.0 + (DEFAULT_RANGE.1 - DEFAULT_RANGE.0) * rng.unit());
        }
    }
}

/// `text` with every whole name `name` replaced.
fn substitute(text: &str, name: &str, replacement: &str) -> String {
    let is_name =
        |c: char| c.is_alphanumeric() || c == '_' || crate::parse::is_name(&c.to_string());
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word == name { replacement } else { word });
        word.clear();
    };
    for c in text.chars() {
        if is_name(c) || (!word.is_empty() && c.is_ascii_digit()) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The known name nearest to an unknown one, if one is close (one edit for
/// short names, two for long ones).
fn nearest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let len = name.chars().count();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k.as_str()))
        .filter(|&(d, _)| d < len.max(2) && d <= if len <= 4 { 1 } else { 2 })
        .min()
        .map(|(_, k)| k)
}

/// Moves an error's place by `offset` bytes (the formula inside `--expect`).
pub fn shifted(mut e: Error, offset: usize) -> Error {
    if let Some(s) = e.span {
        e.span = Some(Span::new(s.start + offset, s.end + offset));
    }
    e
}

/// Where one variable's random values come from (`--domain`).
#[derive(Debug, Clone, PartialEq)]
pub enum Range {
    /// Uniform in `lo..hi`.
    Between(f64, f64),
    /// One of these, each as likely.
    OneOf(Vec<f64>),
}

/// `--domain 'x=1..5, y=0|1'`, resolved to the program's variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Domain {
    /// One entry a variable of the graph, `None` where not given.
    ranges: Vec<Option<Range>>,
}

impl Domain {
    /// Parses `--domain`; every name must be a variable of `graph`. Error
    /// places are offsets into `text`.
    pub fn parse(text: &str, graph: &Graph) -> Result<Domain> {
        let mut ranges = vec![None; graph.variables().len()];
        let help = "write ranges as --domain 'x=1..5, y=0|1' (a range lo..hi, or choices a|b|c)";
        for (start, item) in crate::bindings::split_top_level(text) {
            let trimmed = item.trim();
            let lead = item.len() - item.trim_start().len();
            let span = Span::new(start + lead, start + lead + trimmed.len());
            let bad = |reason: String| {
                Error::at(
                    ErrorKind::Binding {
                        text: trimmed.to_string(),
                        reason,
                    },
                    span,
                )
                .with_help(help)
            };
            if trimmed.is_empty() {
                if start + item.len() == text.len() && start > 0 {
                    break;
                }
                return Err(bad("empty range".into()));
            }
            let Some((name, spec)) = trimmed.split_once('=') else {
                return Err(bad("no `=` (expected name=lo..hi or name=a|b)".into()));
            };
            let name = name.trim();
            let Some(v) = graph.variables().iter().position(|n| n == name) else {
                return Err(bad(format!(
                    "`{name}` is not a variable of the program (its variables: {})",
                    graph.variables().join(", ")
                )));
            };
            let number = |t: &str| {
                if t.trim().is_empty() {
                    return Err(bad("a number is missing".into()));
                }
                crate::constant_value(t.trim())
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| bad(format!("`{}` is not a number", t.trim())))
            };
            let range = if let Some((lo, hi)) = spec.split_once("..") {
                let (lo, hi) = (number(lo)?, number(hi)?);
                if lo > hi {
                    return Err(bad(format!("the range is empty ({lo} > {hi})")));
                }
                Range::Between(lo, hi)
            } else {
                let choices = spec.split('|').map(number).collect::<Result<Vec<_>>>()?;
                Range::OneOf(choices)
            };
            if ranges[v].replace(range).is_some() {
                return Err(bad(format!("`{name}` is given twice")));
            }
        }
        Ok(Domain { ranges })
    }
}

/// SplitMix64: a tiny generator with a fixed, documented stream, so the
/// random points never change with a crate's version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The program evaluated at one point: the variables, every node's value
/// and the gradient of the output with respect to every node.
#[derive(Debug, Clone)]
pub struct Sample {
    pub point: Vec<f64>,
    pub values: Vec<f64>,
    pub grads: Vec<f64>,
}

impl Sample {
    /// Both passes at `point`; `None` where the program is undefined.
    fn at(graph: &Graph, point: Vec<f64>) -> Option<Sample> {
        let mut values = Vec::new();
        graph.forward(&point, &mut values, true).ok()?;
        let (mut grads, mut nonfinite) = (Vec::new(), Vec::new());
        graph.backward(&values, &mut grads, &mut nonfinite);
        Some(Sample {
            point,
            values,
            grads,
        })
    }
}

/// [`RANDOM_POINTS`] reproducible random points where the program is
/// defined, each variable drawn independently and uniformly from its range
/// in `domain` ([-2, 2] when not given), whatever point is given: points
/// spread over the whole domain, never clustered around one. Points where
/// the program is undefined are drawn again, up to [`MAX_DRAWS`] draws.
pub fn random_points(graph: &Graph, domain: &Domain) -> Vec<Sample> {
    let n = graph.variables().len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut rng = Rng(SEED);
    for _ in 0..MAX_DRAWS {
        if out.len() >= RANDOM_POINTS {
            break;
        }
        let point: Vec<f64> = (0..n)
            .map(|v| {
                let u = rng.unit();
                match domain.ranges.get(v).and_then(Option::as_ref) {
                    Some(Range::Between(lo, hi)) => lo + (hi - lo) * u,
                    Some(Range::OneOf(choices)) => {
                        let i = ((u * choices.len() as f64) as usize).min(choices.len() - 1);
                        choices[i]
                    }
                    None => DEFAULT_RANGE.0 + (DEFAULT_RANGE.1 - DEFAULT_RANGE.0) * u,
                }
            })
            .collect();
        out.extend(Sample::at(graph, point));
    }
    out
}

/// A point with no `--at`: the first random point where the program is
/// defined, as `--at` text.
pub fn first_point(graph: &Graph, domain: &Domain) -> Option<String> {
    let s = random_points(graph, domain).into_iter().next()?;
    let list: Vec<String> = graph
        .variables()
        .iter()
        .zip(&s.point)
        .map(|(n, v)| format!("{n}={}", crate::number::format(*v)))
        .collect();
    Some(list.join(","))
}

/// ∂²f/∂u∂v at a sample by double backward, and the size of its Hessian
/// row (the magnitude its rounding is measured against).
fn second(program: &Graph, s: &Sample, u: usize, v: usize) -> (f64, f64) {
    let eval = crate::eval::Evaluation {
        values: s.values.clone(),
        grads: s.grads.clone(),
        nonfinite_locals: Vec::new(),
    };
    let row = crate::hessian::row(program, &eval, u);
    let size = row.iter().map(|h| h.abs()).fold(0.0, f64::max);
    (row.get(v).copied().unwrap_or(f64::NAN), size)
}

/// What a formula answer is compared with.
#[derive(Debug, Clone, Copy)]
pub enum Truth {
    /// A node's value (`z = w*x + b`).
    Value(NodeId),
    /// The output's derivative with respect to a node (`dL/dw = …`).
    Grad(NodeId),
    /// A second derivative (`d2f/dxdy = …`): the Hessian's cell (row,
    /// column: the program's variables), by double backward at each point
    /// ([`crate::hessian`]).
    Second(usize, usize),
}

/// A formula check's verdict at one point (and the random points).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The formula's value and the true one, at the given point or, for a
    /// failure, at the point shown in `reason`.
    pub student: f64,
    pub truth: f64,
    pub passed: bool,
    pub reason: Option<String>,
    /// Points where the true value is defined.
    pub usable: usize,
}

/// One point compared: its index in the judge's points, the student's
/// value and the true one, and their zero levels (filled in on failure).
#[derive(Debug, Clone, Copy)]
struct Pair {
    i: usize,
    s: f64,
    t: f64,
    zs: f64,
    zt: f64,
}

/// |a − b| ≤ tol · max(|a|, |b|) + zero: relative, and equal when both are
/// zero up to their rounding (`zero`: the sum of their zero levels).
fn close(a: f64, b: f64, tol: f64, zero: f64) -> bool {
    let d = (a - b).abs();
    d <= tol * a.abs().max(b.abs()) || d <= zero
}

/// For every node of a forward pass, the magnitude its rounding error is
/// measured in: |v| plus, for each input, |∂v/∂input| times the input's
/// (a first-order running error bound, in units of one rounding).
fn magnitudes(graph: &Graph, values: &[f64]) -> Vec<f64> {
    let mut m: Vec<f64> = Vec::with_capacity(graph.len());
    let mut d = Vec::new();
    for id in 0..graph.len() as NodeId {
        let mut total = values[id as usize].abs();
        let inputs = graph.inputs(id);
        if !inputs.is_empty() {
            d.clear();
            d.resize(inputs.len(), 0.0);
            graph.local_derivatives(id, values, &mut d);
            for (k, &j) in inputs.iter().enumerate() {
                let c = d[k].abs() * m[j as usize];
                if c.is_finite() {
                    total += c;
                }
            }
        }
        m.push(total);
    }
    m
}

/// For every node, the sum of the magnitudes of the terms its gradient
/// adds up (the backward pass with every term's absolute value).
fn grad_magnitudes(graph: &Graph, values: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; graph.len()];
    if graph.is_empty() {
        return g;
    }
    g[graph.output() as usize] = 1.0;
    let mut d = Vec::new();
    for id in (0..graph.len() as NodeId).rev() {
        let up = g[id as usize];
        let inputs = graph.inputs(id);
        if up == 0.0 || inputs.is_empty() {
            continue;
        }
        d.clear();
        d.resize(inputs.len(), 0.0);
        graph.local_derivatives(id, values, &mut d);
        let op = graph.op(id);
        let first = values[inputs[0] as usize];
        for (k, &j) in inputs.iter().enumerate() {
            let c = up * local_magnitude(op, first, values[id as usize], d[k]);
            if c.is_finite() {
                g[j as usize] += c;
            }
        }
    }
    g
}

/// The magnitude a local derivative's rounding is measured in: itself,
/// or what its formula subtracts where that cancels (tanh′ = 1 − t², near
/// t = ±1; σ′ = y(1 − y) near y = 1; asin′ = 1/√(1 − a²) near a = ±1).
fn local_magnitude(op: Option<Op>, a: f64, y: f64, d: f64) -> f64 {
    let d = d.abs();
    match op {
        Some(Op::Tanh) => d.max(1.0 + y * y),
        Some(Op::Sigmoid) => d.max(y.abs() * (1.0 + y.abs())),
        Some(Op::Asin | Op::Acos) if a.abs() < 1.0 => d * (1.0 + a * a) / (1.0 - a * a),
        _ => d,
    }
}

/// Everything a verdict is made from.
struct Judge<'a> {
    formula: &'a Formula,
    program: &'a Graph,
    truth: Truth,
    /// The given point (if any), then the random ones.
    points: Vec<&'a Sample>,
    domain: &'a Domain,
    tol: f64,
}

/// Compares `formula` with `truth` at the given point (if any) and the
/// random points; `tol` is relative.
pub fn judge(
    formula: &Formula,
    program: &Graph,
    truth: Truth,
    given: Option<&Sample>,
    random: &[Sample],
    domain: &Domain,
    tol: f64,
) -> Verdict {
    let mut points: Vec<&Sample> = given.into_iter().chain(random).collect();
    // A program without variables has one point; the names only the answer
    // has are still drawn at many.
    if !formula.extra.is_empty() {
        if let Some(&first) = points.first() {
            points.resize(points.len().max(1 + RANDOM_POINTS), first);
        }
    }
    let judge = Judge {
        formula,
        program,
        truth,
        points,
        domain,
        tol,
    };
    judge.verdict()
}

/// Buffers for evaluating formulas.
#[derive(Default)]
struct Scratch {
    point: Vec<f64>,
    buf: Vec<f64>,
    extra: Vec<f64>,
}

impl Judge<'_> {
    /// The true value at a sample.
    fn truth_at(&self, s: &Sample) -> f64 {
        match self.truth {
            Truth::Value(n) => s.values[n as usize],
            Truth::Grad(n) => s.grads[n as usize],
            Truth::Second(u, v) => second(self.program, s, u, v).0,
        }
    }

    /// The true value's zero level at a sample.
    fn truth_zero(&self, s: &Sample) -> f64 {
        let m = match self.truth {
            Truth::Value(n) => magnitudes(self.program, &s.values)[n as usize],
            Truth::Grad(n) => grad_magnitudes(self.program, &s.values)[n as usize],
            Truth::Second(u, v) => second(self.program, s, u, v).1,
        };
        ROUNDING * m
    }

    /// The student's value at a sample (the `i`-th point, for the extra
    /// names' values).
    fn student_at(&self, i: usize, s: &Sample, scratch: &mut Scratch) -> f64 {
        self.formula.extra_values(i, &mut scratch.extra);
        self.formula.value(
            &s.values,
            &scratch.extra,
            &mut scratch.point,
            &mut scratch.buf,
        )
    }

    /// The student's zero level at a sample (after [`Judge::student_at`],
    /// whose node values are in `scratch.buf`).
    fn student_zero(&self, scratch: &Scratch) -> f64 {
        let g = &self.formula.graph;
        ROUNDING * magnitudes(g, &scratch.buf)[g.output() as usize]
    }

    /// "at x=1.3, y=-0.2" (and the extra names' values).
    fn describe(&self, i: usize) -> String {
        let mut text = self.program.describe_point(&self.points[i].point);
        if !self.formula.extra.is_empty() {
            let mut extra = Vec::new();
            self.formula.extra_values(i, &mut extra);
            let list: Vec<String> = self
                .formula
                .extra
                .iter()
                .zip(&extra)
                .map(|(n, v)| format!("{n}={}", crate::number::format(*v)))
                .collect();
            match self.program.variables().is_empty() {
                true => text = format!("at {}", list.join(", ")),
                false => text.push_str(&format!(" (and {})", list.join(", "))),
            }
        }
        text
    }

    fn verdict(&self) -> Verdict {
        // `L = L`, `f = f`: a non-answer, equal at every point.
        if let Truth::Value(target) = self.truth {
            if self.formula.binds.contains(&Bind::Node(target)) {
                let name = self.program.name(target).to_string();
                return Verdict {
                    student: f64::NAN,
                    truth: self
                        .points
                        .first()
                        .map_or(f64::NAN, |s| s.values[target as usize]),
                    passed: false,
                    reason: Some(format!(
                        "the answer names `{name}`, what it should compute: it is no answer"
                    )),
                    usable: 0,
                };
            }
        }
        let mut scratch = Scratch::default();
        let n = self.points.len();
        let mut pairs: Vec<Pair> = Vec::with_capacity(n);
        let mut undefined: Option<Pair> = None;
        let mut usable = 0;
        for (i, s) in self.points.iter().enumerate() {
            let t = self.truth_at(s);
            if !t.is_finite() {
                continue;
            }
            usable += 1;
            let v = self.student_at(i, s, &mut scratch);
            let pair = Pair {
                i,
                s: v,
                t,
                zs: 0.0,
                zt: 0.0,
            };
            if v.is_finite() {
                pairs.push(pair);
            } else if undefined.is_none() {
                undefined = Some(pair);
            }
        }
        let first = |p: Option<&Pair>| p.map_or((f64::NAN, f64::NAN), |p| (p.s, p.t));
        let fail = |(student, truth): (f64, f64), reason: String| Verdict {
            student,
            truth,
            passed: false,
            reason: Some(reason),
            usable,
        };
        let needed = match self.program.variables().is_empty() && self.formula.extra.is_empty() {
            true => 1,
            false => MIN_USABLE,
        };
        if usable < needed {
            return fail(
                first(pairs.first().or(undefined.as_ref())),
                format!(
                    "too few points to compare: the true value is defined at only {usable} (at least {needed} are needed; {MAX_DRAWS} random points were tried): give a --domain where it is defined"
                ),
            );
        }
        if pairs.is_empty() {
            return fail(
                first(undefined.as_ref()),
                format!("your formula has no real value at any of the {usable} points compared"),
            );
        }
        if let Some(u) = undefined {
            return fail(
                (u.s, u.t),
                format!(
                    "your formula is undefined {}, where the true value is {}",
                    self.describe(u.i),
                    crate::number::format(u.t)
                ),
            );
        }
        // Relative first; the zero levels only where that fails.
        let mut failed = None;
        for (k, p) in pairs.iter_mut().enumerate() {
            if close(p.s, p.t, self.tol, 0.0) {
                continue;
            }
            let s = self.points[p.i];
            self.student_at(p.i, s, &mut scratch);
            p.zs = self.student_zero(&scratch);
            p.zt = self.truth_zero(s);
            if !close(p.s, p.t, self.tol, p.zs + p.zt) && failed.is_none() {
                failed = Some(k);
            }
        }
        let Some(k) = failed else {
            return Verdict {
                student: pairs[0].s,
                truth: pairs[0].t,
                passed: true,
                reason: None,
                usable,
            };
        };
        // Every pair's zero levels, for the slips.
        for p in pairs.iter_mut() {
            if p.zs == 0.0 && p.zt == 0.0 {
                let s = self.points[p.i];
                self.student_at(p.i, s, &mut scratch);
                p.zs = self.student_zero(&scratch);
                p.zt = self.truth_zero(s);
            }
        }
        let p = pairs[k];
        let values = format!(
            "{}, your formula gives {}, the true value is {}",
            self.describe(p.i),
            crate::number::format(p.s),
            crate::number::format(p.t)
        );
        let reason = match self.slip(&pairs, k) {
            Some(slip) => format!("{slip}: {values}"),
            None => values,
        };
        fail((p.s, p.t), reason)
    }
}

/// A factor a slip may be about.
#[derive(Debug, Clone, Copy)]
enum Factor {
    /// A node's value.
    Node(NodeId),
    /// σ′ of a sigmoid node y: y*(1 - y).
    SigmoidSlope(NodeId),
    /// tanh′ of a tanh node t: 1 - t^2.
    TanhSlope(NodeId),
}

/// The most candidate factors tried (a big program's nodes are not all
/// tried at every failure).
const MAX_FACTORS: usize = 400;
/// Slips that re-evaluate the program are looked for in programs up to
/// this size.
const MAX_REEVALUATED: usize = 20_000;

impl Judge<'_> {
    /// The slip that explains every difference, if one does.
    fn slip(&self, pairs: &[Pair], failed: usize) -> Option<String> {
        if let Some(extra) = self.depends_on_extra(pairs[failed]) {
            return Some(extra);
        }
        // "missing a factor of x (this is ∂L/∂b, not ∂L/∂w)": both, when
        // both are true.
        let slip = self
            .constant_ratio(pairs)
            .or_else(|| self.factor(pairs))
            .or_else(|| self.constant_difference(pairs));
        match (slip, self.other_target(pairs)) {
            (Some(slip), Some(other)) => Some(format!("{slip} ({other})")),
            (slip, other) => slip.or(other).or_else(|| self.right_only_where(pairs)),
        }
    }

    /// The student's value at point `i` with the extra names at `extra`.
    fn student_with(&self, i: usize, extra: &[f64], scratch: &mut Scratch) -> f64 {
        self.formula.value(
            &self.points[i].values,
            extra,
            &mut scratch.point,
            &mut scratch.buf,
        )
    }

    /// "depends on k, which the problem does not have": the answer changes
    /// with a name the program does not have.
    fn depends_on_extra(&self, p: Pair) -> Option<String> {
        let mut scratch = Scratch::default();
        let mut extra = Vec::new();
        self.formula.extra_values(p.i, &mut extra);
        for (k, name) in self.formula.extra.iter().enumerate() {
            let kept = extra[k];
            let depends = [-1.7, -0.3, 0.9, 1.6].iter().any(|&x| {
                extra[k] = x;
                let v = self.student_with(p.i, &extra, &mut scratch);
                !(v.is_finite() && close(v, p.s, SLIP_TOL, p.zs))
            });
            extra[k] = kept;
            if depends {
                let known = self.program.shown_names();
                let near = nearest(name, &known).filter(|_| name.len() > 1);
                let hint = match near {
                    Some(near) => format!(" (did you mean `{near}`?)"),
                    None => String::new(),
                };
                return Some(format!(
                    "your formula depends on {name}, which the problem does not have{hint}"
                ));
            }
        }
        None
    }

    /// Nodes in the order slips name them: variables and named steps (the
    /// student's words) first, then generated nodes.
    fn candidates(&self) -> Vec<NodeId> {
        let program = self.program;
        let named = |n: NodeId| program.is_named(n) || matches!(program.kind(n), Kind::Var(_));
        program
            .shown()
            .filter(|&n| named(n))
            .chain(program.shown().filter(|&n| !named(n)))
            .take(MAX_FACTORS)
            .collect()
    }

    /// A node's name, with its definition when the tool made the name up
    /// ("g4 = 2*x + y^2").
    fn label(&self, n: NodeId) -> String {
        let program = self.program;
        let name = program.name(n).to_string();
        if program.is_named(n) || !matches!(program.kind(n), Kind::Op(_)) {
            return name;
        }
        let formula = crate::symbolic::differentiate(program, false, true)
            .ok()
            .map(|f| f.text(f.value[n as usize]))
            .filter(|t| !t.is_empty() && !t.contains("NaN"));
        let definition = formula.unwrap_or_else(|| program.definition(n));
        format!("{name} = {definition}")
    }

    /// "this is ∂L/∂x, not ∂L/∂w": the answer is another node's gradient
    /// (or value) at every point.
    fn other_target(&self, pairs: &[Pair]) -> Option<String> {
        let (target, grad) = match self.truth {
            Truth::Grad(n) => (n, true),
            Truth::Value(n) => (n, false),
            Truth::Second(..) => return None,
        };
        let of = |s: &Sample, n: NodeId| match grad {
            true => s.grads[n as usize],
            false => s.values[n as usize],
        };
        // Variables and named steps only: ∂f/∂g1 is not what a student
        // meant to write.
        let named =
            |n: NodeId| self.program.is_named(n) || matches!(self.program.kind(n), Kind::Var(_));
        for n in self.candidates() {
            if n == target || !named(n) {
                continue;
            }
            let same_as_truth = pairs
                .iter()
                .all(|p| close(of(self.points[p.i], n), p.t, SLIP_TOL, p.zt));
            if same_as_truth {
                continue;
            }
            let matches = pairs.iter().all(|p| {
                let o = of(self.points[p.i], n);
                o.is_finite() && close(p.s, o, SLIP_TOL, p.zs + p.zt)
            });
            if matches {
                let output = self.program.name(self.program.output()).to_string();
                let (this, wanted) = (self.label(n), self.program.name(target).to_string());
                return Some(match grad {
                    true => format!("this is ∂{output}/∂{this}, not ∂{output}/∂{wanted}"),
                    false => format!("this is the value of {this}, not of {wanted}"),
                });
            }
        }
        None
    }

    /// "twice the true value", "missing a factor of 2", "the sign is
    /// flipped": the same ratio, not 1, at every point.
    fn constant_ratio(&self, pairs: &[Pair]) -> Option<String> {
        let big = pairs
            .iter()
            .max_by(|a, b| a.t.abs().total_cmp(&b.t.abs()))
            .filter(|p| p.t.abs() > p.zt)?;
        let k = big.s / big.t;
        if !k.is_finite() || k.abs() <= 1e-12 || (k - 1.0).abs() <= 1e-6 {
            return None;
        }
        pairs
            .iter()
            .all(|p| close(p.s, k * p.t, SLIP_TOL, p.zs + k.abs() * p.zt))
            .then(|| factor_words(k))
    }

    /// A factor's value at a sample.
    fn factor_value(&self, f: Factor, s: &Sample) -> f64 {
        match f {
            Factor::Node(n) => s.values[n as usize],
            Factor::SigmoidSlope(n) => {
                let y = s.values[n as usize];
                y * (1.0 - y)
            }
            Factor::TanhSlope(n) => {
                let t = s.values[n as usize];
                1.0 - t * t
            }
        }
    }

    fn factor_label(&self, f: Factor) -> String {
        match f {
            Factor::Node(n) => self.label(n),
            Factor::SigmoidSlope(n) => {
                let y = self.program.name(n).to_string();
                format!("{y}*(1 - {y}) (σ′, once too often)")
            }
            Factor::TanhSlope(n) => {
                let t = self.program.name(n).to_string();
                format!("(1 - {t}^2) (tanh′, once too often)")
            }
        }
    }

    /// "missing a factor of x", "an extra factor of yhat*(1 - yhat)": a
    /// node's value (or σ′, tanh′) is the ratio at every point.
    fn factor(&self, pairs: &[Pair]) -> Option<String> {
        let mut factors: Vec<Factor> = Vec::new();
        for n in self.candidates() {
            factors.push(Factor::Node(n));
            match self.program.kind(n) {
                Kind::Op(Op::Sigmoid) => factors.push(Factor::SigmoidSlope(n)),
                Kind::Op(Op::Tanh) => factors.push(Factor::TanhSlope(n)),
                _ => {}
            }
        }
        for f in factors {
            let values: Vec<f64> = pairs
                .iter()
                .map(|p| self.factor_value(f, self.points[p.i]))
                .collect();
            // A constant explains nothing a constant ratio does not.
            if values
                .iter()
                .any(|v| !v.is_finite() || close(*v, 0.0, 0.0, 0.0))
                || values.iter().all(|v| close(*v, values[0], SLIP_TOL, 0.0))
            {
                continue;
            }
            let extra = pairs
                .iter()
                .zip(&values)
                .all(|(p, v)| close(p.s, p.t * v, SLIP_TOL, p.zs + p.zt * v.abs()));
            if extra {
                let words = self.factor_label(f).replace(", once too often", " twice");
                return Some(format!("an extra factor of {words}"));
            }
            if matches!(f, Factor::Node(_)) {
                let missing = pairs
                    .iter()
                    .zip(&values)
                    .all(|(p, v)| close(p.s * v, p.t, SLIP_TOL, p.zs * v.abs() + p.zt));
                if missing {
                    return Some(format!("missing a factor of {}", self.factor_label(f)));
                }
            }
        }
        None
    }

    /// "3 more than the true value at every point".
    fn constant_difference(&self, pairs: &[Pair]) -> Option<String> {
        let big = pairs
            .iter()
            .max_by(|a, b| (a.s - a.t).abs().total_cmp(&(b.s - b.t).abs()))?;
        let c = big.s - big.t;
        let scale = pairs.iter().fold(0.0f64, |m, p| m.max(p.t.abs()));
        if c.abs() <= SLIP_TOL * scale {
            return None;
        }
        let same = pairs.iter().all(|p| {
            let d = p.s - p.t;
            (d - c).abs() <= SLIP_TOL * p.s.abs().max(p.t.abs()).max(c.abs()) + p.zs + p.zt
        });
        let amount = crate::number::format_digits(c.abs(), Some(6));
        same.then(|| match c > 0.0 {
            true => format!("{amount} more than the true value at every point"),
            false => format!("{amount} less than the true value at every point"),
        })
    }

    /// "right only where y = 1: is y 0 or 1?": the answer agrees with the
    /// truth wherever a variable is 0 (or 1), and only there.
    fn right_only_where(&self, pairs: &[Pair]) -> Option<String> {
        let program = self.program;
        // With one variable, fixing it leaves one point: that says nothing.
        if program.len() > MAX_REEVALUATED || program.variables().len() < 2 {
            return None;
        }
        let mut scratch = Scratch::default();
        for (v, name) in program.variables().iter().enumerate() {
            if matches!(self.domain.ranges.get(v), Some(Some(Range::OneOf(_)))) {
                continue;
            }
            // Right at `value` at enough points, most of them not zero (a
            // factor `y` is 0 at y = 0 in any answer: that says nothing).
            let right_at = |value: f64, scratch: &mut Scratch| {
                let (mut compared, mut nonzero) = (0, 0);
                for p in pairs {
                    let mut point = self.points[p.i].point.clone();
                    point[v] = value;
                    let Some(s) = Sample::at(program, point) else {
                        continue;
                    };
                    let t = self.truth_at(&s);
                    self.formula.extra_values(p.i, &mut scratch.extra);
                    let extra = std::mem::take(&mut scratch.extra);
                    let a =
                        self.formula
                            .value(&s.values, &extra, &mut scratch.point, &mut scratch.buf);
                    scratch.extra = extra;
                    if !t.is_finite() {
                        continue;
                    }
                    let zero = ROUNDING * 100.0 * (a.abs() + t.abs() + 1.0);
                    if !(a.is_finite() && close(a, t, self.tol.max(SLIP_TOL), zero)) {
                        return false;
                    }
                    compared += 1;
                    nonzero += usize::from(t.abs() > zero);
                }
                compared >= MIN_USABLE.min(pairs.len()) && 2 * nonzero > compared
            };
            // Right where it is 0 or 1, and not elsewhere (`sqrt(x^2)` for
            // `x` is right for every x ≥ 0: not this slip).
            if right_at(0.5, &mut scratch)
                || right_at(2.0, &mut scratch)
                || right_at(-1.0, &mut scratch)
            {
                continue;
            }
            let (zero, one) = (right_at(0.0, &mut scratch), right_at(1.0, &mut scratch));
            let hint = format!("is {name} 0 or 1? (--domain '{name}=0|1')");
            match (zero, one) {
                (true, true) => return Some(format!("right only where {name} is 0 or 1: {hint}")),
                (true, false) => return Some(format!("right only where {name} = 0: {hint}")),
                (false, true) => return Some(format!("right only where {name} = 1: {hint}")),
                (false, false) => {}
            }
        }
        None
    }
}

/// A ratio in a teacher's words: "twice the true value", "missing a factor
/// of 2", "3/2 times the true value", "the sign is flipped".
fn factor_words(k: f64) -> String {
    let a = k.abs();
    if (a - 1.0).abs() <= 1e-6 {
        return "the sign is flipped".into();
    }
    let words = match (a > 1.0, simple(a), simple(1.0 / a)) {
        (true, Some(t), _) if t == "2" => "twice the true value".to_string(),
        (true, Some(t), _) => format!("{t} times the true value"),
        (false, _, Some(t)) => format!("missing a factor of {t}"),
        _ => format!(
            "{} times the true value",
            crate::number::format_digits(a, Some(6))
        ),
    };
    match k < 0.0 {
        true => format!("{words}, and the sign is flipped"),
        false => words,
    }
}

/// `x` as a small integer or fraction (`2`, `3/2`), if it is one.
fn simple(x: f64) -> Option<String> {
    (1..=12u32).find_map(|q| {
        let p = x * f64::from(q);
        let r = p.round();
        ((p - r).abs() <= 1e-9 * p && (1.0..=1000.0).contains(&r)).then(|| match q {
            1 => crate::number::format(r),
            q => format!("{}/{q}", crate::number::format(r)),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(text: &str) -> Graph {
        let program = crate::parse::parse_program(text).unwrap_or_else(|e| panic!("{e}"));
        Graph::lower(program, None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn evaluated(g: &Graph, point: &[f64]) -> Sample {
        let e = g.evaluate(point, false).unwrap_or_else(|e| panic!("{e}"));
        Sample {
            point: point.to_vec(),
            values: e.values,
            grads: e.grads,
        }
    }

    /// The verdict of `text` for node `target`'s value or gradient.
    fn verdict(program: &str, target: &str, grad: bool, text: &str, point: &[f64]) -> Verdict {
        let g = graph(program);
        let formula = Formula::compile(text, &g, &[]).unwrap_or_else(|e| panic!("{text}: {e}"));
        let node = g.find(target).unwrap_or_else(|| panic!("{target}"));
        let truth = match grad {
            true => Truth::Grad(node),
            false => Truth::Value(node),
        };
        let domain = Domain::default();
        let here = evaluated(&g, point);
        let random = random_points(&g, &domain);
        judge(&formula, &g, truth, Some(&here), &random, &domain, 1e-9)
    }

    #[test]
    fn formulas_name_variables_or_steps() {
        for (text, want) in [
            ("yhat - y", true),
            ("2*z^3", true),
            ("1/3", false),
            ("sigmoid(2)", false),
            ("-pi/2 + e", false),
            ("σ(z)*(1-σ(z))", true),
            ("1.2.3", false),
            // No real value: a formula undefined everywhere.
            ("(1 - 2*sqrt(2))^(7/4)", true),
            ("ln(-1)", true),
        ] {
            assert_eq!(is_formula(text), want, "{text}");
        }
    }

    /// Each row: program, target (d…/dNODE when the bool is true), the
    /// student's formula, the point, and the verdict's reason (`None`: passes).
    #[test]
    fn verdicts_and_slips() {
        let loss = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
        let at = &[0.5, 2.0, 1.0, 1.0];
        type Row<'a> = (&'a str, &'a str, bool, &'a str, &'a [f64], Option<&'a str>);
        let rows: &[Row] = &[
            ("(2*x+y^2)*z^3", "x", true, "2*z^3", &[4.0, 3.0, 2.0], None),
            (
                "(2*x+y^2)*z^3",
                "x",
                true,
                "4*z^3",
                &[4.0, 3.0, 2.0],
                Some("twice the true value:"),
            ),
            (
                "(2*x+y^2)*z^3",
                "x",
                true,
                "z^3",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of 2:"),
            ),
            (
                "(2*x+y^2)*z^3",
                "x",
                true,
                "-2*z^3",
                &[4.0, 3.0, 2.0],
                Some("the sign is flipped:"),
            ),
            (
                "(2*x+y^2)*z^3",
                "y",
                true,
                "2*z^3",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of y (this is ∂f/∂x, not ∂f/∂y):"),
            ),
            (
                "x*y*z",
                "x",
                true,
                "z",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of y:"),
            ),
            (
                "(2*x+y^2)*z^3",
                "z",
                true,
                "3*z^2",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of g4 = 2*x + y^2:"),
            ),
            (
                "(2*x+y^2)*z^3",
                "z",
                true,
                "3z²(2x+y²)",
                &[4.0, 3.0, 2.0],
                None,
            ),
            (loss, "z", true, "yhat - y", at, None),
            (loss, "z", true, "ŷ - y", at, None),
            (loss, "z", true, "y_hat - y", at, None),
            (loss, "z", true, "sigmoid(w*x+b) - y", at, None),
            (
                loss,
                "w",
                true,
                "yhat - y",
                at,
                Some("missing a factor of x (this is ∂L/∂b, not ∂L/∂w):"),
            ),
            (
                loss,
                "w",
                true,
                "(yhat - y)*x*w",
                at,
                Some("an extra factor of w:"),
            ),
            (
                loss,
                "w",
                true,
                "x*(yhat-y)*yhat*(1-yhat)",
                at,
                Some("an extra factor of yhat*(1 - yhat)"),
            ),
            (
                loss,
                "yhat",
                true,
                "-1/yhat",
                at,
                Some("right only where y = 1: is y 0 or 1? (--domain 'y=0|1')"),
            ),
            (loss, "yhat", false, "σ(z)", at, None),
            (
                loss,
                "z",
                true,
                "y - yhat",
                at,
                Some("the sign is flipped:"),
            ),
            ("x^2", "x", true, "x + x*x", &[1.0], Some("at x=")),
            // Relative, with no absolute floor.
            (
                "1e-50*cos(x)",
                "f",
                false,
                "1e-50*sin(x)",
                &[1.0],
                Some("at x="),
            ),
            ("1e-50*cos(x)", "f", false, "1e-50*cos(x)", &[1.0], None),
            // Not "off by a factor of 1".
            ("2*x+1E9", "f", false, "x+1E9", &[1.0], Some("at x=")),
            // Undefined where the truth is defined.
            (
                "ln(x^2)",
                "f",
                false,
                "2*ln(x)",
                &[1.0],
                Some("your formula is undefined at x="),
            ),
            ("2*ln(x)", "f", false, "ln(x^2)", &[1.0], None),
            (
                "sqrt(x)",
                "x",
                true,
                "sqrt(-x-1)",
                &[1.0],
                Some("no real value at any of the 21 points"),
            ),
            (
                "x*y",
                "x",
                true,
                "(1 - 2*sqrt(2))^(7/4)",
                &[1.0, 1.0],
                Some("no real value"),
            ),
            // Points spread over [-2, 2]: not clustered around the first.
            (
                "abs(x+2)-2",
                "f",
                false,
                "abs(x+1)-1",
                &[1.0],
                Some("at x="),
            ),
            (
                "x*y*z",
                "f",
                false,
                "sqrt(x^2)*y*z",
                &[1.0, 1.0, 1.0],
                Some("at x="),
            ),
            // Names the problem does not have.
            (
                "x*y",
                "f",
                false,
                "x*y*(cos(k)^2 + sin(k)^2)",
                &[1.0, 2.0],
                None,
            ),
            // Naming its own target is no answer.
            ("x*y", "f", false, "f", &[1.0, 2.0], Some("it is no answer")),
            (
                loss,
                "L",
                false,
                "L + 0*w",
                at,
                Some("the answer names `L`"),
            ),
            (
                "x*y",
                "f",
                false,
                "x*y + k",
                &[1.0, 2.0],
                Some("depends on k, which the problem does not have"),
            ),
            // A cancellation in the true value is zero, not a difference.
            (loss, "z", true, "yhat - y", &[0.0, 0.0, 0.0, 0.5], None),
        ];
        for &(program, target, grad, text, point, want) in rows {
            let v = verdict(program, target, grad, text, point);
            match want {
                None => assert!(v.passed, "{text}: {:?}", v.reason),
                Some(needle) => {
                    let reason = v.reason.unwrap_or_default();
                    assert!(!v.passed && reason.contains(needle), "{text}: {reason}");
                }
            }
        }
    }

    #[test]
    fn unknown_lone_words_are_refused() {
        let g = graph("z = w*x + b; yhat = σ(z); L = (yhat - y)^2");
        let err = Formula::compile("yht", &g, &[]).err().map(|e| e.report());
        let report = err.unwrap_or_default();
        assert!(report.contains("no node named `yht`"), "{report}");
        assert!(report.contains("did you mean `yhat`?"), "{report}");
        let v = verdict(
            "z = w*x + b; yhat = σ(z); L = (yhat - y)^2",
            "z",
            true,
            "2*(yht - y)",
            &[1.0, 1.0, 1.0, 1.0],
        );
        let reason = v.reason.unwrap_or_default();
        assert!(
            reason
                .contains("depends on yht, which the problem does not have (did you mean `yhat`?)"),
            "{reason}"
        );
    }

    #[test]
    fn second_derivatives_are_formulas_too() {
        let g = graph("x^3*y");
        let domain = Domain::default();
        let random = random_points(&g, &domain);
        for (text, passed) in [("6*x*y", true), ("3*x*y", false), ("6*x", false)] {
            let formula = Formula::compile(text, &g, &[]).unwrap_or_else(|e| panic!("{e}"));
            let v = judge(
                &formula,
                &g,
                Truth::Second(0, 0),
                None,
                &random,
                &domain,
                1e-9,
            );
            assert_eq!(v.passed, passed, "{text}: {:?}", v.reason);
        }
    }

    #[test]
    fn the_domain_decides_the_random_points() {
        let g = graph("x*y");
        let d = Domain::parse("x=1..5, y=0|1", &g).unwrap_or_else(|e| panic!("{e}"));
        let s = random_points(&g, &d);
        assert_eq!(s.len(), RANDOM_POINTS);
        assert!(s.iter().all(|s| (1.0..=5.0).contains(&s.point[0])));
        assert!(s.iter().all(|s| s.point[1] == 0.0 || s.point[1] == 1.0));
        assert!(s.iter().any(|s| s.point[1] == 0.0) && s.iter().any(|s| s.point[1] == 1.0));
        let again = random_points(&g, &d);
        assert!(
            s.iter().zip(&again).all(|(a, b)| a.point == b.point),
            "reproducible"
        );
        for (text, needle) in [
            ("q=1..2", "not a variable"),
            ("x=5..1", "empty"),
            ("x", "no `=`"),
            ("x=a..2", "not a number"),
            ("x=1..2, x=0|1", "twice"),
        ] {
            let err = Domain::parse(text, &g).err().map(|e| e.kind.to_string());
            let err = err.unwrap_or_default();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    /// Each variable's draws cover its range: no quarter of [-2, 2] is
    /// empty, and the variables are not drawn together.
    #[test]
    fn random_points_spread_over_the_whole_range() {
        let g = graph("x + y + z");
        let s = random_points(&g, &Domain::default());
        assert_eq!(s.len(), RANDOM_POINTS);
        for v in 0..3 {
            for quarter in 0..4 {
                let lo = -2.0 + f64::from(quarter);
                assert!(
                    s.iter().any(|p| (lo..lo + 1.0).contains(&p.point[v])),
                    "variable {v}, quarter {quarter}"
                );
            }
        }
        // Where ln is undefined, points are drawn again.
        let g = graph("ln(x) + y");
        let s = random_points(&g, &Domain::default());
        assert_eq!(s.len(), RANDOM_POINTS);
        assert!(s.iter().all(|p| p.point[0] > 0.0));
        assert!(s.iter().any(|p| p.point[1] < -1.0) && s.iter().any(|p| p.point[1] > 1.0));
    }

    #[test]
    fn factors_in_a_teachers_words() {
        for (k, want) in [
            (2.0, "twice the true value"),
            (0.5, "missing a factor of 2"),
            (3.0, "3 times the true value"),
            (1.5, "3/2 times the true value"),
            (2.0 / 3.0, "missing a factor of 3/2"),
            (-1.0, "the sign is flipped"),
            (-2.0, "twice the true value, and the sign is flipped"),
            (-0.25, "missing a factor of 4, and the sign is flipped"),
            (1.2345678, "1.23457 times the true value"),
        ] {
            assert_eq!(factor_words(k), want, "{k}");
        }
    }

    proptest::proptest! {
        /// Any constant factor K ≠ 1 on the right derivative is named, at
        /// any point.
        #[test]
        fn a_constant_factor_is_always_named(
            k in -8i32..=8,
            x in -3.0f64..3.0,
            z in 0.2f64..3.0,
        ) {
            proptest::prop_assume!(k != 1 && k != 0);
            let v = verdict("(2*x+y^2)*z^3", "x", true, &format!("{k}*2*z^3"), &[x, 1.0, z]);
            let reason = v.reason.unwrap_or_default();
            let want = format!("{}:", factor_words(f64::from(k)));
            proptest::prop_assert!(!v.passed && reason.starts_with(&want), "{}", reason);
        }
    }
}
