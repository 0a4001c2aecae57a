//! Formula answers in `--expect` (`'dL/dz = yhat - y'`): the student's
//! formula, in terms of the program's variables and named steps, against the
//! true value or derivative at the given point and at random points around
//! it (or in `--domain`), with the likely slip named when a check fails.

use crate::ast::{ExprKind, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};

/// The flags of formula answers, flattened into the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FormulaArgs {
    /// Where formula answers in --expect are compared, e.g. 'x=1..5, y=0|1'
    /// (a range, or choices); other variables: near the --at point, or in
    /// [-2, 2].
    #[arg(long, value_name = "RANGES")]
    pub domain: Option<String>,
}

/// Random points drawn for each point a formula is checked at.
pub const RANDOM_POINTS: usize = 20;
/// Draws tried to find [`RANDOM_POINTS`] where the program is defined.
const MAX_DRAWS: usize = 200;
/// The fewest points where both sides are defined for a verdict.
pub const MIN_USABLE: usize = 10;
/// The seed of the random points: the same command draws the same points.
pub const SEED: u64 = 0x5eed_f0a1_2026_0001;
/// Values closer than this times the tolerance count as equal even when
/// their relative difference is large (rounding dust around zero).
const ZERO_SCALE: f64 = 1e-3;

/// Whether an expected value names something other than numbers, constants
/// and functions (then it is a formula). Text that does not parse is not a
/// formula: the number reader reports its error.
pub fn is_formula(text: &str) -> bool {
    let Ok(program) = crate::parse::parse_expression(text) else {
        return false;
    };
    (0..program.exprs.len() as crate::ast::ExprId).any(|id| {
        let name = program.name(id);
        program.expr(id).kind == ExprKind::Name
            && crate::ops::constant(name).is_none()
            && !crate::ops::is_function(name)
    })
}

/// A student's formula, lowered to a graph of its own whose variables are
/// nodes of the program's graph.
pub struct Formula {
    graph: Graph,
    /// For each of the formula's variables, the program's node it names.
    nodes: Vec<NodeId>,
}

impl Formula {
    /// Parses `text` and binds its names to `program`'s nodes (`f` is the
    /// output). A statement that is not in the graph (the graph is one
    /// output's, `--of`) stands for its definition, from `definitions`
    /// (name, expression text). Error places are offsets into `text`.
    pub fn compile(
        text: &str,
        program: &Graph,
        definitions: &[(String, String)],
    ) -> Result<Formula> {
        let mut text = std::borrow::Cow::Borrowed(text);
        // Statements name only earlier ones: one round a statement at most.
        for _ in 0..=definitions.len() {
            let graph = Graph::lower(crate::parse::parse_expression(&text)?, None)?;
            let missing: Vec<&(String, String)> = graph
                .variables()
                .iter()
                .filter(|n| *n != "f" && program.find(n).is_none())
                .filter_map(|n| definitions.iter().find(|(d, _)| d == n))
                .collect();
            if missing.is_empty() {
                break;
            }
            for (name, definition) in missing {
                text = substitute(&text, name, &format!("({definition})")).into();
            }
        }
        Self::bind(&text, program)
    }

    fn bind(text: &str, program: &Graph) -> Result<Formula> {
        let graph = Graph::lower(crate::parse::parse_expression(text)?, None)?;
        let mut nodes = Vec::with_capacity(graph.variables().len());
        for (v, name) in graph.variables().iter().enumerate() {
            let node = match name.as_str() {
                "f" => Some(program.output()),
                _ => program.find(name),
            };
            let Some(node) = node else {
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
            };
            nodes.push(node);
        }
        Ok(Formula { graph, nodes })
    }

    /// The formula's value at a point of the program (its node values).
    fn value(&self, program_values: &[f64], point: &mut Vec<f64>, buf: &mut Vec<f64>) -> f64 {
        point.clear();
        point.extend(self.nodes.iter().map(|&n| program_values[n as usize]));
        match self.graph.forward(point, buf, false) {
            Ok(()) => buf[self.graph.output() as usize],
            Err(_) => f64::NAN,
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
pub struct Sample {
    pub point: Vec<f64>,
    pub values: Vec<f64>,
    pub grads: Vec<f64>,
}

/// The points a formula is compared at: the given one (`given`, already
/// evaluated), then up to [`RANDOM_POINTS`] random points where the
/// program is defined. A variable in `domain` is drawn from it; another is
/// drawn within ±(0.5 + |v|/2) of its given value v, or in [-2, 2] when
/// there is no given point.
pub fn samples(graph: &Graph, given: Option<Sample>, domain: &Domain) -> Vec<Sample> {
    let mut out: Vec<Sample> = given.into_iter().collect();
    if graph.variables().is_empty() {
        return out;
    }
    let centre = out.first().map(|s| s.point.clone());
    let mut rng = Rng(SEED);
    let mut values = Vec::new();
    let mut nonfinite = Vec::new();
    for _ in 0..MAX_DRAWS {
        if out.len() >= RANDOM_POINTS + usize::from(centre.is_some()) {
            break;
        }
        let point: Vec<f64> = (0..graph.variables().len())
            .map(|v| {
                let u = rng.unit();
                match (domain.ranges.get(v).and_then(Option::as_ref), &centre) {
                    (Some(Range::Between(lo, hi)), _) => lo + (hi - lo) * u,
                    (Some(Range::OneOf(choices)), _) => {
                        let i = ((u * choices.len() as f64) as usize).min(choices.len() - 1);
                        choices[i]
                    }
                    (None, Some(c)) => c[v] + (2.0 * u - 1.0) * (0.5 + c[v].abs() / 2.0),
                    (None, None) => 4.0 * u - 2.0,
                }
            })
            .collect();
        if graph.forward(&point, &mut values, true).is_err() {
            continue;
        }
        let mut grads = Vec::new();
        graph.backward(&values, &mut grads, &mut nonfinite);
        out.push(Sample {
            point,
            values: std::mem::take(&mut values),
            grads,
        });
    }
    out
}

/// A point with no `--at`: the first random point where the program is
/// defined, as `--at` text.
pub fn first_point(graph: &Graph, domain: &Domain) -> Option<String> {
    let s = samples(graph, None, domain).into_iter().next()?;
    let list: Vec<String> = graph
        .variables()
        .iter()
        .zip(&s.point)
        .map(|(n, v)| format!("{n}={}", crate::number::format(*v)))
        .collect();
    Some(list.join(","))
}

/// A formula check's verdict at one point (and its random neighbours).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The formula's value and the true one, at the given point or, for a
    /// failure, at the point shown in `reason`.
    pub student: f64,
    pub truth: f64,
    pub passed: bool,
    pub reason: Option<String>,
    /// Points where both sides are defined.
    pub usable: usize,
}

/// |a − b| ≤ tol · max(|a|, |b|, 1e-3): relative, but two values within
/// 1e-3 · tol of each other (1e-12 by default) are equal.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(ZERO_SCALE)
}

/// Compares `formula` with node `target`'s value (`grad` false) or the
/// output's gradient with respect to it at every sample; `tol` is relative.
pub fn judge(
    formula: &Formula,
    program: &Graph,
    target: NodeId,
    grad: bool,
    samples: &[Sample],
    tol: f64,
) -> Verdict {
    let (mut point, mut buf) = (Vec::new(), Vec::new());
    // (sample, student, truth) where both are defined.
    let pairs: Vec<(usize, f64, f64)> = samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let truth = match grad {
                true => s.grads[target as usize],
                false => s.values[target as usize],
            };
            let student = formula.value(&s.values, &mut point, &mut buf);
            (truth.is_finite() && student.is_finite()).then_some((i, student, truth))
        })
        .collect();
    let needed = MIN_USABLE.min(samples.len());
    let first = pairs.first().map_or((f64::NAN, f64::NAN), |p| (p.1, p.2));
    if pairs.len() < needed.max(1) {
        return Verdict {
            student: first.0,
            truth: first.1,
            passed: false,
            reason: Some(format!(
                "only {} of {} points could be compared (at the others your formula or the true value is undefined); at least {needed} are needed",
                pairs.len(),
                samples.len()
            )),
            usable: pairs.len(),
        };
    }
    let Some(&(at, student, truth)) = pairs.iter().find(|p| !close(p.1, p.2, tol)) else {
        return Verdict {
            student: first.0,
            truth: first.1,
            passed: true,
            reason: None,
            usable: pairs.len(),
        };
    };
    let shown = program.describe_point(&samples[at].point);
    let values = format!(
        "{shown}, your formula gives {}, the true value is {}",
        crate::number::format(student),
        crate::number::format(truth)
    );
    let reason = match slip(program, &pairs, samples, tol) {
        Some(slip) => format!("{slip}: {values}"),
        None => values,
    };
    Verdict {
        student,
        truth,
        passed: false,
        reason: Some(reason),
        usable: pairs.len(),
    }
}

/// The slip that explains every difference, if one does: the same constant
/// factor at every point, or a factor that is one node of the graph.
fn slip(
    program: &Graph,
    pairs: &[(usize, f64, f64)],
    samples: &[Sample],
    tol: f64,
) -> Option<String> {
    let nonzero = pairs.iter().find(|p| !close(p.2, 0.0, tol))?;
    let k = nonzero.1 / nonzero.2;
    if k != 0.0 && pairs.iter().all(|&(_, s, t)| close(s, k * t, tol)) {
        return Some(factor_words(k));
    }
    // A node's value as the ratio at every point: the student has it once
    // too often, or once too few. Named nodes first: they are the words the
    // student used.
    let candidates = program
        .shown()
        .filter(|&n| program.is_named(n) || matches!(program.kind(n), Kind::Var(_)))
        .chain(
            program
                .shown()
                .filter(|&n| !program.is_named(n) && !matches!(program.kind(n), Kind::Var(_))),
        );
    for n in candidates {
        let value = |i: usize| samples[i].values[n as usize];
        // A node that is 1 everywhere explains nothing.
        if pairs.iter().all(|&(i, _, _)| close(value(i), 1.0, tol)) {
            continue;
        }
        let name = program.name(n).to_string();
        if pairs.iter().all(|&(i, s, t)| close(s, t * value(i), tol)) {
            return Some(format!("an extra factor of {name}"));
        }
        if pairs.iter().all(|&(i, s, t)| close(s * value(i), t, tol)) {
            return Some(format!("missing a factor of {name}"));
        }
    }
    None
}

/// "off by a factor of 2", "the sign is flipped", "off by a factor of -3
/// (and the sign is flipped)".
fn factor_words(k: f64) -> String {
    let nice = |x: f64| {
        let r = x.round();
        if (x - r).abs() <= 1e-9 * x.abs().max(1.0) {
            crate::number::format(r)
        } else {
            crate::number::format_digits(x, Some(6))
        }
    };
    if close(k, -1.0, 1e-9) {
        "the sign is flipped".into()
    } else if k < 0.0 {
        format!("off by a factor of {} (the sign is flipped)", nice(k))
    } else {
        format!("off by a factor of {}", nice(k))
    }
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
        ] {
            assert_eq!(is_formula(text), want, "{text}");
        }
    }

    /// Each row: program, target (d…/dNODE when the bool is true), the
    /// student's formula, the point, and the verdict's reason (`None`: passes).
    #[test]
    fn verdicts_and_slips() {
        let loss = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
        type Row<'a> = (&'a str, &'a str, bool, &'a str, &'a [f64], Option<&'a str>);
        let rows: &[Row] = &[
            ("(2*x+y^2)*z^3", "x", true, "2*z^3", &[4.0, 3.0, 2.0], None),
            (
                "(2*x+y^2)*z^3",
                "x",
                true,
                "4*z^3",
                &[4.0, 3.0, 2.0],
                Some("off by a factor of 2"),
            ),
            (
                "(2*x+y^2)*z^3",
                "x",
                true,
                "-2*z^3",
                &[4.0, 3.0, 2.0],
                Some("the sign is flipped"),
            ),
            (
                "(2*x+y^2)*z^3",
                "y",
                true,
                "2*z^3",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of y"),
            ),
            (
                "(2*x+y^2)*z^3",
                "z",
                true,
                "3*z^2",
                &[4.0, 3.0, 2.0],
                Some("missing a factor of g4"),
            ),
            (loss, "z", true, "yhat - y", &[0.5, 2.0, 1.0, 1.0], None),
            (
                loss,
                "z",
                true,
                "sigmoid(w*x+b) - y",
                &[0.5, 2.0, 1.0, 1.0],
                None,
            ),
            (
                loss,
                "w",
                true,
                "yhat - y",
                &[0.5, 2.0, 1.0, 1.0],
                Some("missing a factor of x"),
            ),
            (
                loss,
                "w",
                true,
                "(yhat - y)*x*w",
                &[0.5, 2.0, 1.0, 1.0],
                Some("an extra factor of w"),
            ),
            (loss, "yhat", false, "σ(z)", &[0.5, 2.0, 1.0, 1.0], None),
            (
                loss,
                "z",
                true,
                "y - yhat",
                &[0.5, 2.0, 1.0, 1.0],
                Some("the sign is flipped"),
            ),
            ("x^2", "x", true, "x + x*x", &[1.0], Some("at x=")),
            (
                "sqrt(x)",
                "x",
                true,
                "sqrt(-x-1)",
                &[1.0],
                Some("only 0 of 21 points"),
            ),
        ];
        for &(program, target, grad, text, point, want) in rows {
            let g = graph(program);
            let formula = Formula::compile(text, &g, &[]).unwrap_or_else(|e| panic!("{text}: {e}"));
            let node = g.find(target).unwrap_or_else(|| panic!("{target}"));
            let s = samples(&g, Some(evaluated(&g, point)), &Domain::default());
            let v = judge(&formula, &g, node, grad, &s, 1e-9);
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
    fn unknown_names_suggest_the_nearest() {
        let g = graph("z = w*x + b; yhat = σ(z); L = (yhat - y)^2");
        let err = Formula::compile("yht - y", &g, &[])
            .err()
            .map(|e| e.report());
        let report = err.unwrap_or_default();
        assert!(report.contains("no node named `yht`"), "{report}");
        assert!(report.contains("did you mean `yhat`?"), "{report}");
    }

    #[test]
    fn the_domain_decides_the_random_points() {
        let g = graph("x*y");
        let d = Domain::parse("x=1..5, y=0|1", &g).unwrap_or_else(|e| panic!("{e}"));
        let s = samples(&g, None, &d);
        assert_eq!(s.len(), RANDOM_POINTS);
        assert!(s.iter().all(|s| (1.0..=5.0).contains(&s.point[0])));
        assert!(s.iter().all(|s| s.point[1] == 0.0 || s.point[1] == 1.0));
        assert!(s.iter().any(|s| s.point[1] == 0.0) && s.iter().any(|s| s.point[1] == 1.0));
        let again = samples(&g, None, &d);
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

    proptest::proptest! {
        /// Any constant factor K ≠ 1 on the right derivative is named, at
        /// any point: "off by a factor of K" (or the sign, for K = -1).
        #[test]
        fn a_constant_factor_is_always_named(
            k in -8i32..=8,
            x in -3.0f64..3.0,
            z in 0.2f64..3.0,
        ) {
            proptest::prop_assume!(k != 1 && k != 0);
            let g = graph("(2*x+y^2)*z^3");
            let formula = Formula::compile(&format!("{k}*2*z^3"), &g, &[]);
            let formula = formula.unwrap_or_else(|e| panic!("{e}"));
            let node = g.find("x").unwrap_or_else(|| panic!("x"));
            let s = samples(&g, Some(evaluated(&g, &[x, 1.0, z])), &Domain::default());
            let v = judge(&formula, &g, node, true, &s, 1e-9);
            let reason = v.reason.unwrap_or_default();
            let want = match k {
                -1 => "the sign is flipped:".to_string(),
                k if k < 0 => format!("off by a factor of {k} (the sign is flipped):"),
                k => format!("off by a factor of {k}:"),
            };
            proptest::prop_assert!(!v.passed && reason.starts_with(&want), "{}", reason);
        }
    }

    #[test]
    fn random_points_lie_near_the_given_one() {
        let g = graph("x^2 + y");
        let s = samples(&g, Some(evaluated(&g, &[10.0, -1.0])), &Domain::default());
        assert_eq!(s.len(), 1 + RANDOM_POINTS);
        for p in &s[1..] {
            assert!((p.point[0] - 10.0).abs() <= 5.5 && (p.point[1] + 1.0).abs() <= 1.0);
        }
    }
}
