//! Checking answers: `--expect` (a student's values and gradients against
//! the computed ones) and `--gradcheck` (every analytic gradient against
//! central finite differences).

use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::eval::Evaluation;
use crate::graph::{Graph, Kind, NodeId};
use crate::written::Written;

/// What an expectation is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A node's value: `g4=17`, `f=136`.
    Value(String),
    /// The output's gradient with respect to a node: `df/dx=16`, `∂L/∂w=…`.
    Grad(String),
    /// A second derivative of the output, as written: `d2f/dx2`, `d2f/dxdy`,
    /// `∂²f/∂x∂y` (its variables are read against the program's, see
    /// [`second_target`]).
    Second(String),
}

impl Target {
    /// The node the target is about.
    pub fn name(&self) -> &str {
        match self {
            Target::Value(n) | Target::Grad(n) | Target::Second(n) => n,
        }
    }
}

/// `--tol T` or `--tol T%`: replaces the rule for numbers. `value` is a
/// fraction when `percent` (`1%` is 0.01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub value: f64,
    /// Measured against |true value| (`--tol 1%`); else absolute.
    pub percent: bool,
}

/// How close a constant expression (`1/3`, `-ln(σ(2))`) must be, relative
/// to the true value: "exactly right".
pub const DEFAULT_RELATIVE: f64 = 1e-9;

/// The fewest significant digits a decimal answer may have (`--sig`).
pub const DEFAULT_SIG: u32 = 3;

/// A true value this close to 0 counts as 0 (WeBWorK's zeroLevel)…
pub const ZERO_LEVEL: f64 = 1e-14;
/// …and takes answers this close to 0 as exactly right.
pub const ZERO_TOL: f64 = 1e-12;

/// One `target=value` of `--expect`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub target: Target,
    /// The target as written (`df/dx`), for the report.
    pub label: String,
    pub expected: f64,
    /// The expected value as written (`0.881`, `1/3`).
    pub expected_text: String,
    /// The answer read as a written number (its significant digits and
    /// last digit); `None` for a constant expression (`1/3`), which must
    /// be exactly right.
    pub written: Option<Written>,
    /// `@COLUMN`: the expected value is each row's answer in that column
    /// of `--points` (see [`Expectation::with_answer`]).
    pub column: Option<String>,
    /// Where the check is in the `--expect` text.
    pub span: Span,
    /// The expected value names variables or steps (`yhat - y`): a formula,
    /// compared at many points (see [`crate::formula`]).
    pub formula: bool,
    /// A whole tensor's answer (`dL/dW = [[…], […]]`, SPEC §9): each entry
    /// a check of its element, judged by the rule of numbers.
    pub tensor: Option<TensorAnswer>,
}

/// The answer to a tensor target: its shape as written and one check per
/// entry (`dL/dW[1,0] = 0.758`), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorAnswer {
    pub shape: Vec<usize>,
    pub entries: Vec<Expectation>,
}

/// The verdict on a tensor answer's entries, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorVerdict {
    pub shape: Vec<usize>,
    pub expected: Vec<f64>,
    pub actual: Vec<f64>,
    pub passed: Vec<bool>,
}

impl TensorVerdict {
    /// `values` (one per entry) as `[1, 2]` or `[[1, 2], [3, 4]]`, each
    /// number written by `num`.
    pub fn array(&self, values: &[f64], num: impl Fn(f64) -> String) -> String {
        crate::report::tensor::nest(values.iter().map(|&x| num(x)).collect(), &self.shape)
    }
}

/// `2×3`, `a vector of 2`, `a number`: a shape in words.
pub fn shape_words(shape: &[usize]) -> String {
    match shape {
        [] => "a number".into(),
        [n] => format!("a vector of {n}"),
        [r, c] => format!("a {r}×{c} matrix"),
        _ => format!("{shape:?}"),
    }
}

/// The answer `text` (`[[1, 2], [3, 4]]`) to the tensor `target`, its
/// entries' places shifted by `at` (where `text` starts in the `--expect`
/// text). An entry that is not a number nor a constant expression is kept
/// as written (a formula), for the check to judge.
pub fn tensor_answer(target: &Target, label: &str, text: &str, at: usize) -> Result<TensorAnswer> {
    let (shape, cells) = crate::bindings::tensor_cells(text, at)?;
    let (top, base) = match label.rsplit_once('/') {
        Some((top, bottom)) => {
            let d = if bottom.trim_start().starts_with('∂') {
                "∂"
            } else {
                "d"
            };
            (format!("{top}/{d}"), target.name())
        }
        None => (String::new(), target.name()),
    };
    let mut entries = Vec::with_capacity(cells.len());
    for (k, (cell, span)) in cells.into_iter().enumerate() {
        let element = crate::bindings::element_name(base, &shape, k);
        let target = match target {
            Target::Grad(_) => Target::Grad(element.clone()),
            _ => Target::Value(element.clone()),
        };
        let (expected, written, formula) = match read_answer(cell) {
            Ok((v, w)) => (v, w, false),
            Err(_) => (f64::NAN, None, true),
        };
        entries.push(Expectation {
            target,
            label: format!("{top}{element}"),
            expected,
            expected_text: cell.to_string(),
            written,
            column: None,
            span,
            formula,
            tensor: None,
        });
    }
    Ok(TensorAnswer { shape, entries })
}

/// Parses `--expect 'f=136, df/dx=16, g4=17'`. `output` is the name of the
/// program's output (`f`, or a statement's name such as `L`): `dL/dw` and the
/// generic `df/dw` both mean its gradient.
pub fn parse_expectations(text: &str, output: &str) -> Result<Vec<Expectation>> {
    let mut out = Vec::new();
    for (start, item) in crate::bindings::split_top_level(text) {
        let trimmed = item.trim();
        let lead = item.len() - item.trim_start().len();
        let span = Span::new(start + lead, start + lead + trimmed.len());
        let bad = |reason: String| {
            let kind = ErrorKind::Check {
                check: trimmed.to_string(),
                reason,
            };
            Error::at(kind, span).with_help(
                "write checks as target=value, separated by commas: --expect 'f=136, df/dx=16, g4=17'",
            )
        };
        // A trailing comma (`f=1, df/dx=2,`) ends the list.
        if trimmed.is_empty() && start + item.len() == text.len() && !out.is_empty() {
            break;
        }
        if trimmed.is_empty() {
            return Err(bad(
                "empty check (two commas in a row, or a comma at the end?)".into(),
            ));
        }
        let Some(eq) = trimmed.find('=') else {
            // `df/dx=0,25`: digits after a comma that follows a digit are
            // a decimal comma's, not a check.
            let before = text[..start].strip_suffix(',').unwrap_or_default();
            let whole = &before[before.trim_end_matches(|c: char| c.is_ascii_digit()).len()..];
            let digits = !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit());
            if !whole.is_empty() && lead == 0 && digits {
                return Err(Error::at(
                    ErrorKind::Check {
                        check: trimmed.to_string(),
                        reason: "no `=` (expected target=value)".into(),
                    },
                    span,
                )
                .with_help(format!(
                    "a comma separates checks: for a decimal comma write a decimal point (`{whole}.{trimmed}`, not `{whole},{trimmed}`)"
                )));
            }
            return Err(bad("no `=` (expected target=value)".into()));
        };
        let label = trimmed[..eq].trim();
        let value_text = trimmed[eq + 1..].trim();
        if label.is_empty() {
            return Err(bad("no target before `=`".into()));
        }
        if value_text.is_empty() {
            return Err(bad("no value after `=`".into()));
        }
        let target = parse_target(label, output).map_err(bad)?;
        // What every kind of answer shares; each kind fills in its part.
        let check = Expectation {
            target,
            label: label.to_string(),
            expected: f64::NAN,
            expected_text: value_text.to_string(),
            written: None,
            column: None,
            span,
            formula: false,
            tensor: None,
        };
        if let Some(column) = value_text.strip_prefix('@') {
            if column.trim().is_empty() {
                return Err(bad("no column name after `@`".into()));
            }
            out.push(Expectation {
                column: Some(column.trim().to_string()),
                ..check
            });
            continue;
        }
        if value_text.starts_with('[') {
            let at = span.start
                + eq
                + 1
                + (trimmed[eq + 1..].len() - trimmed[eq + 1..].trim_start().len());
            let tensor = tensor_answer(&check.target, label, value_text, at).map_err(|e| {
                let kind = ErrorKind::Check {
                    check: trimmed.to_string(),
                    reason: match &e.kind {
                        ErrorKind::Binding { reason, .. } => reason.clone(),
                        other => other.to_string(),
                    },
                };
                Error::at(kind, e.span.unwrap_or(span))
                    .with_help("a vector is `[1, 2]`, a matrix its rows: `[[1, 2], [3, 4]]`")
            })?;
            out.push(Expectation {
                tensor: Some(tensor),
                ..check
            });
            continue;
        }
        if crate::written::read(value_text).is_none() && crate::formula::is_formula(value_text) {
            out.push(Expectation {
                formula: true,
                ..check
            });
            continue;
        }
        let (expected, written) = read_answer(value_text).map_err(|e| bad(e.kind.to_string()))?;
        out.push(Expectation {
            expected,
            written,
            ..check
        });
    }
    Ok(out)
}

/// The checks of one `--expect` list, each trimmed (empty ones skipped):
/// the items [`parse_expectations`] reads, for routing them first.
pub fn items(text: &str) -> impl Iterator<Item = &str> {
    crate::bindings::split_top_level(text)
        .into_iter()
        .map(|(_, item)| item.trim())
        .filter(|item| !item.is_empty())
}

/// The output a check's target names, when it is a derivative: `p2` in
/// `dp2/dx`, `∂p2/∂x` or `d2p2/dx2`; `None` for a node's value (`g4=17`).
/// Several outputs (`--of p1,p2`) send each check to its output's run.
pub fn target_output(item: &str) -> Option<&str> {
    let label = item.split('=').next().unwrap_or_default().trim();
    let (top, _) = label.split_once('/')?;
    let top = top.trim();
    let second = ["d2", "∂²", "d^2", "∂^2"]
        .iter()
        .find_map(|p| top.strip_prefix(p));
    Some(second.unwrap_or_else(|| {
        top.strip_prefix('d')
            .or_else(|| top.strip_prefix('∂'))
            .unwrap_or(top)
    }))
}

/// `df/dx`, `∂f/∂x`, `dL/dx` (with `L` the output) or a node name.
fn parse_target(label: &str, output: &str) -> std::result::Result<Target, String> {
    let Some((top, bottom)) = label.split_once('/') else {
        return Ok(Target::Value(element_spelling(label)));
    };
    // No name starts with a digit, so `d2…/` is always a second derivative.
    if ["d2", "∂²", "d^2", "∂^2"]
        .iter()
        .any(|p| top.trim().starts_with(p))
    {
        return Ok(Target::Second(label.to_string()));
    }
    let strip = |s: &str| {
        s.trim()
            .strip_prefix('d')
            .or_else(|| s.trim().strip_prefix('∂'))
            .map(str::to_string)
    };
    match (strip(top), strip(bottom)) {
        (Some(of), Some(node)) if (of == "f" || of == output) && !node.is_empty() => {
            Ok(Target::Grad(element_spelling(&node)))
        }
        (Some(of), Some(_)) if output == "f" => Err(format!(
            "`{of}` is not the output: gradients are of `f` (write df/dNODE)"
        )),
        (Some(of), Some(_)) => Err(format!(
            "`{of}` is not the output: gradients are of `{output}` (write d{output}/dNODE or df/dNODE)"
        )),
        _ => Err(format!(
            "a gradient is written d{output}/dNODE or ∂{output}/∂NODE"
        )),
    }
}

/// An element as the graph names it: `W[1, 0]` is `W[1,0]`.
fn element_spelling(name: &str) -> String {
    match name.split_once('[') {
        Some((base, index)) => {
            let index: String = index.chars().filter(|c| !c.is_whitespace()).collect();
            format!("{}[{index}", base.trim())
        }
        None => name.to_string(),
    }
}

/// An answer's value: a written number (with its digits) in any notation
/// ([`crate::written`]), else a constant expression (`1/3`).
fn read_answer(text: &str) -> Result<(f64, Option<Written>)> {
    match crate::written::read(text) {
        Some(w) => Ok((w.value, Some(w))),
        None => crate::constant_value(text).map(|v| (v, None)),
    }
}

/// The names an answer mentions (`g6 - g8 + g8`: g6, g8, g8).
pub(crate) fn names_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
}

/// `--tol`: a finite number ≥ 0, or a percentage of the true value
/// (`1%`).
pub fn parse_tolerance(text: &str) -> std::result::Result<Tolerance, String> {
    let (number, percent) = match text.trim().strip_suffix('%') {
        Some(n) => (n, true),
        None => (text.trim(), false),
    };
    match number.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(Tolerance {
            value: if percent { t / 100.0 } else { t },
            percent,
        }),
        _ => Err(format!(
            "`{text}` is not a tolerance (a number ≥ 0, such as 1e-6, or a percentage of the true value, such as 1%)"
        )),
    }
}

/// The true value, to a few more digits than the answer has, with `…`
/// when there are more (`0.12692801…`).
fn true_value(actual: f64, significant: u32) -> String {
    let digits = significant.max(1) as usize + 3;
    let short = crate::number::format_digits(actual, Some(digits));
    if short == crate::number::format(actual) {
        short
    } else {
        format!("{short}…")
    }
}

/// The result of one expectation at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub actual: f64,
    pub passed: bool,
    /// Why it failed, in words.
    pub reason: Option<String>,
}

impl Expectation {
    /// Whether `actual` (the true value) matches the answer; `tol`
    /// (`--tol`) replaces the rule, `min_sig` is `--sig`.
    pub fn accepts(&self, actual: f64, tol: Option<Tolerance>, min_sig: Option<u32>) -> bool {
        self.judge(actual, tol, min_sig).passed
    }

    /// The verdict on the answer against `actual`, the true value (SPEC
    /// §5). Exactly right (1e-9 relative; a true value within 1e-14 of 0
    /// is 0 and takes answers within 1e-12) passes. Else a written number
    /// passes when it is within one unit of its last digit of the true
    /// value and has at least `min_sig` (default 3) significant digits; a
    /// constant expression must be exactly right. `tol` (`--tol T` or
    /// `T%`, against the true value) replaces the rule.
    pub fn judge(&self, actual: f64, tol: Option<Tolerance>, min_sig: Option<u32>) -> Outcome {
        let answer = self.expected;
        let truth = if actual.abs() <= ZERO_LEVEL {
            0.0
        } else {
            actual
        };
        let diff = (answer - truth).abs();
        let shown = &self.expected_text;
        let reason = if let Some(t) = tol {
            let bound = if t.percent {
                t.value * truth.abs()
            } else {
                t.value
            };
            (diff > bound || diff.is_nan()).then(|| {
                let tol_text = if t.percent {
                    format!(
                        "{}%",
                        crate::number::format_digits(t.value * 100.0, Some(12))
                    )
                } else {
                    crate::number::format(t.value)
                };
                format!(
                    "{shown} is off by {} (more than --tol {tol_text}): the true value is {}",
                    crate::number::format_digits(diff, Some(3)),
                    crate::number::format(actual)
                )
            })
        } else if (truth == 0.0 && diff <= ZERO_TOL) || diff <= DEFAULT_RELATIVE * truth.abs() {
            None
        } else {
            match self.written {
                None => Some(format!(
                    "{shown} is {}, not the true value {}",
                    crate::number::format(answer),
                    crate::number::format(actual)
                )),
                Some(w)
                    if answer * truth < 0.0
                        && diff > w.unit() * (1.0 + 1e-9)
                        && (answer + truth).abs() <= w.unit() * (1.0 + 1e-9) =>
                {
                    Some(format!(
                        "the sign is flipped: {shown} vs the true {}",
                        true_value(actual, w.significant)
                    ))
                }
                // The slack covers the binary representation of decimals.
                Some(w) if diff.is_nan() || diff > w.unit() * (1.0 + 1e-9) => Some(format!(
                    "off by more than one unit of the last digit: {shown} vs the true {}",
                    true_value(actual, w.significant)
                )),
                Some(w) => {
                    let min = min_sig.unwrap_or(DEFAULT_SIG);
                    (w.significant < min).then(|| {
                        format!(
                            "not precise enough: {} significant digit{}, at least {min}",
                            match w.significant {
                                0 => "no".to_string(),
                                n => n.to_string(),
                            },
                            if w.significant <= 1 { "" } else { "s" }
                        )
                    })
                }
            }
        };
        Outcome {
            actual,
            passed: reason.is_none(),
            reason,
        }
    }

    /// Why this answer is not an answer: it names its own target (`L` for
    /// `L`, `f` for the output, `g6 - g8 + g8` for `g6`). `target` is the
    /// name of the target's node; `output` whether it is the output.
    pub fn names_itself(&self, target: &str, output: bool) -> Option<String> {
        if !matches!(self.target, Target::Value(_)) {
            return None;
        }
        let found = names_in(&self.expected_text)
            .find(|&n| n == target || n == self.target.name() || (output && n == "f"))?;
        Some(format!("not an answer: it names its own target `{found}`"))
    }

    /// This `@COLUMN` expectation with one row's answer: the student's
    /// text, judged as if written in `--expect`. An empty or unreadable
    /// answer is the reason its check fails.
    pub fn with_answer(&self, answer: &str) -> std::result::Result<Expectation, String> {
        let answer = answer.trim();
        if answer.is_empty() {
            return Err("the answer is empty".into());
        }
        if answer.starts_with('[') {
            let tensor =
                tensor_answer(&self.target, &self.label, answer, 0).map_err(|e| match &e.kind {
                    ErrorKind::Binding { reason, .. } => format!("the answer `{answer}`: {reason}"),
                    other => format!("the answer `{answer}`: {other}"),
                })?;
            return Ok(Expectation {
                expected: f64::NAN,
                expected_text: answer.to_string(),
                written: None,
                column: None,
                formula: false,
                tensor: Some(tensor),
                ..self.clone()
            });
        }
        if crate::written::read(answer).is_none() && crate::formula::is_formula(answer) {
            return Ok(Expectation {
                expected: f64::NAN,
                expected_text: answer.to_string(),
                written: None,
                column: None,
                formula: true,
                tensor: None,
                ..self.clone()
            });
        }
        let (expected, written) =
            read_answer(answer).map_err(|_| format!("the answer `{answer}` is not a number"))?;
        Ok(Expectation {
            expected,
            expected_text: answer.to_string(),
            written,
            column: None,
            formula: false,
            tensor: None,
            ..self.clone()
        })
    }

    /// The node this expectation is about, or an error naming the known ones.
    pub fn node(&self, graph: &Graph) -> Result<NodeId> {
        let name = match &self.target {
            Target::Value(n) | Target::Grad(n) => n,
            // About the output, as its gradient is.
            Target::Second(_) => return Ok(graph.output()),
        };
        // `f` is always the output, whatever its name (`L`, `loss`).
        if name == "f" {
            return Ok(graph.output());
        }
        // `dL/dw_1` for a program's `w₁`: one name in an answer.
        let twin = || crate::input::subscript_twin(name).and_then(|t| graph.find(&t));
        graph.find(name).or_else(twin).ok_or_else(|| {
            Error::at(
                ErrorKind::UnknownNode {
                    name: name.clone(),
                    known: graph.names_for(name),
                },
                self.span,
            )
        })
    }

    /// Checks this expectation against one evaluated point.
    pub fn check(
        &self,
        graph: &Graph,
        eval: &Evaluation,
        tol: Option<Tolerance>,
        min_sig: Option<u32>,
    ) -> Result<Outcome> {
        let id = self.node(graph)? as usize;
        let actual = match self.target {
            Target::Value(_) => eval.values[id],
            Target::Grad(_) => eval.grads[id],
            Target::Second(_) => {
                return Err(Error::internal(
                    "a second derivative is checked with its Hessian cell (pipeline)",
                ))
            }
        };
        Ok(self.judge(actual, tol, min_sig))
    }
}

/// One variable's gradient check.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheck {
    pub variable: String,
    pub analytic: f64,
    pub numeric: f64,
    /// |analytic − numeric| / max(1, |analytic|, |numeric|).
    pub error: f64,
    /// Why the two are not compared, if they are not: the variable sits at a
    /// kink (`g3 = relu(g2) at 0`), where the derivative is a convention and
    /// not a limit, or the function is not finite a step away (a domain edge).
    pub skipped: Option<String>,
    pub passed: bool,
}

/// The default tolerance of `--gradcheck`.
pub const GRADCHECK_TOL: f64 = 1e-6;

/// Every variable's analytic gradient against a central difference with a
/// step scaled to the variable: h = ∛ε · max(1, |v|), the step that balances
/// truncation and rounding error.
pub fn gradcheck(graph: &Graph, point: &[f64], eval: &Evaluation, tol: f64) -> Vec<GradCheck> {
    let kinks = kinks(graph, &eval.values);
    let mut values = Vec::new();
    let mut f_at = |p: &[f64]| -> f64 {
        match graph.forward(p, &mut values, false) {
            Ok(()) => values[graph.output() as usize],
            Err(_) => f64::NAN,
        }
    };
    let mut shifted = point.to_vec();
    (0..graph.variables().len())
        .map(|v| {
            let node = graph.variable_node(v) as usize;
            let analytic = eval.grads[node];
            let h = f64::EPSILON.cbrt() * point[v].abs().max(1.0);
            shifted[v] = point[v] + h;
            let up = f_at(&shifted);
            shifted[v] = point[v] - h;
            let down = f_at(&shifted);
            shifted[v] = point[v];
            let numeric = (up - down) / (2.0 * h);
            let error = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1.0);
            let skipped = match kinks[node] {
                Some(k) => Some(format!("at a kink: {}", describe_kink(graph, k))),
                None if !numeric.is_finite() => Some(format!(
                    "the function is not finite a step away (x ± {}), so there is no central difference",
                    crate::number::format_digits(h, Some(2))
                )),
                None => None,
            };
            GradCheck {
                variable: graph.variables()[v].clone(),
                analytic,
                numeric,
                error,
                passed: skipped.is_some() || error <= tol,
                skipped,
            }
        })
        .collect()
}

/// For every node, a kink that depends on it (a node whose operation says
/// its inputs sit at a kink: relu or abs at exactly 0, a tie in max or min),
/// with the table's words for it, found in one pass back over the graph.
fn kinks(graph: &Graph, values: &[f64]) -> Vec<Option<(NodeId, &'static str)>> {
    let mut kink_of: Vec<Option<(NodeId, &'static str)>> = vec![None; graph.len()];
    let mut ins: Vec<f64> = Vec::new();
    for id in (0..graph.len() as NodeId).rev() {
        let here = match graph.kind(id) {
            Kind::Op(op) => {
                ins.clear();
                ins.extend(graph.inputs(id).iter().map(|&j| values[j as usize]));
                match (op.def().kink)(&ins, values[id as usize]) {
                    Some(what) => Some((id, what)),
                    None => kink_of[id as usize],
                }
            }
            _ => kink_of[id as usize],
        };
        if let Some(k) = here {
            for &j in graph.inputs(id) {
                kink_of[j as usize].get_or_insert(k);
            }
        }
    }
    kink_of
}

fn describe_kink(graph: &Graph, (id, what): (NodeId, &'static str)) -> String {
    format!("{} = {} {what}", graph.name(id), graph.definition(id))
}

/// The Hessian cell of a `d2f/dxdy` target: longest variable names first,
/// so that `d2f/dxdy` with variables `x`, `y`, `xd` reads unambiguously
/// where it can.
pub fn second_target(target: &str, output: &str, variables: &[String]) -> Option<(usize, usize)> {
    // `d^2f/dz^2`, as typed from a textbook, is `d2f/dz2`.
    let written = target.replacen("d^2", "d2", 1).replacen("∂^2", "∂²", 1);
    let written = match written.strip_suffix("^2") {
        Some(head) => format!("{head}2"),
        None => written,
    };
    let target = written.as_str();
    let rest = target
        .strip_prefix("d2")
        .or_else(|| target.strip_prefix("∂²"))?;
    let rest = rest
        .strip_prefix(output)
        .or_else(|| rest.strip_prefix('f'))?;
    let rest = rest
        .strip_prefix("/d")
        .or_else(|| rest.strip_prefix("/∂"))?;
    let find = |name: &str| variables.iter().position(|v| v == name);
    if let Some(v) = rest.strip_suffix('2').or_else(|| rest.strip_suffix('²')) {
        if let Some(i) = find(v) {
            return Some((i, i));
        }
    }
    for (i, u) in variables.iter().enumerate() {
        if let Some(v) = rest
            .strip_prefix(u.as_str())
            .and_then(|r| r.strip_prefix('d').or_else(|| r.strip_prefix('∂')))
        {
            if let Some(j) = find(v) {
                return Some((i, j));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(text: &str) -> Vec<Expectation> {
        parse_expectations(text, "f").unwrap_or_default()
    }

    #[test]
    fn targets_and_answers() {
        let e = expect("f=136, df/dx=16, ∂f/∂y = 48, g4=0.881, dz=1/3");
        assert_eq!(e.len(), 5);
        assert_eq!(e[0].target, Target::Value("f".into()));
        assert_eq!(e[1].target, Target::Grad("x".into()));
        assert_eq!(e[2].target, Target::Grad("y".into()));
        assert_eq!(e[3].written.map(|w| (w.significant, w.last)), Some((3, -3)));
        assert_eq!(
            e[4].target,
            Target::Value("dz".into()),
            "no `/`: a node called dz"
        );
        assert_eq!(e[4].written, None, "an expression is judged exactly");
        assert_eq!(e[4].expected, 1.0 / 3.0);
        let l = parse_expectations("dL/dw=-2.384×10^-1", "L").unwrap_or_default();
        assert_eq!(l[0].target, Target::Grad("w".into()));
        assert_eq!(l[0].expected, -0.2384);
        assert!(!l[0].formula, "`×10^` is a number, not a name");
    }

    /// The verdict on `answer` for the true value `truth`, default rule.
    fn verdict(answer: &str, truth: f64) -> (bool, String) {
        let e = &expect(&format!("f={answer}"))[0];
        let o = e.judge(truth, None, None);
        (o.passed, o.reason.unwrap_or_default())
    }

    /// SPEC §5: within one unit of the last written digit, and 3
    /// significant digits, unless exactly right.
    #[test]
    fn one_unit_of_the_last_digit_and_three_digits() {
        let truth = 0.12692801104297263;
        for answer in [
            "0.1269", "0.12692", "0.127", "0.1270", "0.126", ".127", "1.27e-1",
        ] {
            assert_eq!(verdict(answer, truth), (true, String::new()), "{answer}");
        }
        for (answer, why) in [
            (
                "0.12694",
                "off by more than one unit of the last digit: 0.12694 vs the true 0.12692801…",
            ),
            (
                "0.125",
                "off by more than one unit of the last digit: 0.125 vs the true 0.126928…",
            ),
            ("0.1", "not precise enough: 1 significant digit, at least 3"),
            (
                "0.13",
                "not precise enough: 2 significant digits, at least 3",
            ),
            (
                "1/8",
                "1/8 is 0.125, not the true value 0.12692801104297263",
            ),
        ] {
            assert_eq!(verdict(answer, truth), (false, why.to_string()), "{answer}");
        }
        // Truncated, and in other notations.
        let truth = -0.23840584404423537;
        for answer in [
            "-0.238405",
            "-0.2384",
            "−0.2384",
            "–0.2384",
            "- 0.2384",
            "-(0.2384)",
            "-2.384*10^-1",
            "-2.384×10^-1",
            "−2.384·10⁻¹",
        ] {
            assert!(verdict(answer, truth).0, "{answer}");
        }
        assert!(!verdict("-0.1", -0.0596).0, "68% off");
        assert_eq!(
            verdict("0.2384", truth),
            (
                false,
                "the sign is flipped: 0.2384 vs the true -0.2384058…".to_string()
            )
        );
        // Exactly right passes whatever its digits.
        assert!(verdict("16", 16.0).0);
        assert!(verdict("0.5", 0.5).0);
        assert!(verdict("1/3", 1.0 / 3.0).0);
        assert!(verdict("-ln(σ(2))", 0.12692801104297263).0);
        assert!(!verdict("16", 16.3).0, "an integer is judged by its digits");
        // Integers: the last nonzero digit is the last written one.
        assert!(verdict("112704", 112704.37).0);
        assert!(verdict("1230", 1234.0).0);
        assert!(!verdict("1230", 1241.0).0);
        assert!(verdict("590e-3", 0.5904).0);
        assert!(verdict("0.590", 0.5904).0);
        // Zero: WeBWorK's zeroLevel.
        assert!(verdict("0", -1.1e-16).0);
        assert!(verdict("0.000", 3e-15).0);
        assert_eq!(
            verdict("0.0", -3.3e-5),
            (
                false,
                "not precise enough: no significant digit, at least 3".to_string()
            )
        );
    }

    #[test]
    fn sig_and_tol() {
        let e = &expect("f=0.13")[0];
        assert!(e.accepts(0.1269, None, Some(2)), "--sig 2");
        assert!(!e.accepts(0.1269, None, None));
        let tol = |text: &str| parse_tolerance(text).ok();
        let e = &expect("f=9.9")[0];
        assert!(!e.accepts(10.0, tol("0.01"), None));
        assert!(e.accepts(10.0, tol("0.1"), None));
        assert!(e.accepts(10.0, tol("1%"), None), "1% of the true 10");
        let e = &expect("f=10.1")[0];
        assert!(
            !e.accepts(10.0, tol("0.01"), None),
            "against the true value"
        );
        let e = &expect("f=9.9")[0];
        assert!(!e.accepts(10.0, tol("0.5%"), None));
        assert_eq!(
            e.judge(10.0, tol("0.5%"), None).reason.as_deref(),
            Some("9.9 is off by 0.1 (more than --tol 0.5%): the true value is 10")
        );
        assert_eq!(
            parse_tolerance("1%").ok(),
            Some(Tolerance {
                value: 0.01,
                percent: true
            })
        );
        assert!(parse_tolerance("-1%").is_err());
        assert!(parse_tolerance("%").is_err());
    }

    #[test]
    fn an_answer_naming_its_target_is_not_an_answer() {
        let e = &expect("L=L, g6=g6-g8+g8, f=f, yhat=σ(z), L=yhat2")[..];
        assert_eq!(
            e[0].names_itself("L", true).as_deref(),
            Some("not an answer: it names its own target `L`")
        );
        assert!(e[1].names_itself("g6", false).is_some());
        assert!(e[2].names_itself("L", true).is_some(), "`f` is the output");
        assert!(e[3].names_itself("yhat", false).is_none());
        assert!(
            e[4].names_itself("L", true).is_none(),
            "a longer name is another"
        );
    }

    #[test]
    fn answers_from_a_column() {
        let e = &expect("f=@ans_f")[0];
        assert_eq!(e.column.as_deref(), Some("ans_f"));
        let row = e.with_answer(" 8.8e-1 ").unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(
            (row.expected, row.written.map(|w| w.last)),
            (0.88, Some(-2))
        );
        let row = e.with_answer("0,1269").unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(row.expected, 0.1269, "a decimal comma in a cell");
        assert_eq!(
            e.with_answer("").err().as_deref(),
            Some("the answer is empty")
        );
        assert_eq!(
            e.with_answer("1.2.3").err().as_deref(),
            Some("the answer `1.2.3` is not a number")
        );
        let formula = e
            .with_answer("x*(yhat - y)")
            .unwrap_or_else(|r| panic!("{r}"));
        assert!(formula.formula, "a cell that names nodes is a formula");
    }

    #[test]
    fn a_trailing_comma_ends_the_list() {
        assert_eq!(expect("f=1, df/dx=2,").len(), 2);
    }

    #[test]
    fn bad_checks() {
        for (text, needle) in [
            ("f", "no `=`"),
            ("f=", "no value"),
            ("=1", "no target"),
            ("f=1.2.3", "not a number"),
            ("dg/dx=1", "`g` is not the output"),
            ("f=1,,x=2", "empty check"),
        ] {
            let err = parse_expectations(text, "f")
                .err()
                .map(|e| e.kind.to_string())
                .unwrap_or_default();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
