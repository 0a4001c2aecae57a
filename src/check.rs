//! Checking answers: `--expect` (a student's values and gradients against
//! the computed ones) and `--gradcheck` (every analytic gradient against
//! central finite differences).

use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::eval::Evaluation;
use crate::graph::{Graph, Kind, NodeId};

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

/// How close the computed number must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Written to this decimal place (`0.88`, `8.8e-1` and `88e-2`: 2;
    /// `3.059e-7`: 10; `1.5e3`: -2): the computed value must round to it.
    Decimals(i32),
    /// |actual − expected| ≤ tol · max(1, |expected|).
    Relative(f64),
}

/// The tolerance of integers and constant expressions.
pub const DEFAULT_RELATIVE: f64 = 1e-9;

/// One `target=value` of `--expect`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub target: Target,
    /// The target as written (`df/dx`), for the report.
    pub label: String,
    pub expected: f64,
    /// The expected value as written (`0.881`, `1/3`).
    pub expected_text: String,
    pub tolerance: Tolerance,
    /// Significant digits written, for a decimal answer (`0.880`: 3).
    pub significant: Option<u32>,
    /// `@COLUMN`: the expected value is each row's answer in that column
    /// of `--points` (see [`Expectation::with_answer`]).
    pub column: Option<String>,
    /// Where the check is in the `--expect` text.
    pub span: Span,
    /// The expected value names variables or steps (`yhat - y`): a formula,
    /// compared at many points (see [`crate::formula`]).
    pub formula: bool,
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
        if let Some(column) = value_text.strip_prefix('@') {
            if column.trim().is_empty() {
                return Err(bad("no column name after `@`".into()));
            }
            out.push(Expectation {
                target,
                label: label.to_string(),
                expected: f64::NAN,
                expected_text: value_text.to_string(),
                tolerance: Tolerance::Relative(DEFAULT_RELATIVE),
                significant: None,
                column: Some(column.trim().to_string()),
                span,
                formula: false,
            });
            continue;
        }
        if crate::formula::is_formula(value_text) {
            out.push(Expectation {
                target,
                label: label.to_string(),
                expected: f64::NAN,
                expected_text: value_text.to_string(),
                tolerance: Tolerance::Relative(DEFAULT_RELATIVE),
                significant: None,
                column: None,
                span,
                formula: true,
            });
            continue;
        }
        let expected = crate::constant_value(value_text).map_err(|e| bad(e.kind.to_string()))?;
        out.push(Expectation {
            target,
            label: label.to_string(),
            expected,
            expected_text: value_text.to_string(),
            tolerance: precision(value_text)
                .map_or(Tolerance::Relative(DEFAULT_RELATIVE), |(decimals, _)| {
                    Tolerance::Decimals(decimals)
                }),
            significant: precision(value_text).map(|(_, sig)| sig),
            column: None,
            span,
            formula: false,
        });
    }
    Ok(out)
}

/// `df/dx`, `∂f/∂x`, `dL/dx` (with `L` the output) or a node name.
fn parse_target(label: &str, output: &str) -> std::result::Result<Target, String> {
    let Some((top, bottom)) = label.split_once('/') else {
        return Ok(Target::Value(label.to_string()));
    };
    // No name starts with a digit, so `d2…/` is always a second derivative.
    if top.trim().starts_with("d2") || top.trim().starts_with("∂²") {
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
            Ok(Target::Grad(node))
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

/// The precision of an answer written as a decimal number, in any
/// notation: the decimal place it is written to and its significant digits
/// (`0.880` → (3, 3), `8.8e-1` → (2, 2), `3.059e-7` → (10, 4)). `None` for
/// an integer or an expression, which must match exactly (to 1e-9).
fn precision(text: &str) -> Option<(i32, u32)> {
    let unsigned = text.trim().trim_start_matches(['-', '+', '−']);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let exponent: i32 = match exponent {
        Some(e) => e.parse().ok()?,
        None => 0,
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || int.len() + frac.len() == 0 {
        return None;
    }
    if !mantissa.contains('.') && exponent >= 0 {
        return None;
    }
    let all = format!("{int}{frac}");
    let significant = all.trim_start_matches('0').len().max(1) as u32;
    Some((frac.len() as i32 - exponent, significant))
}

/// `--tol`: a finite number ≥ 0.
pub fn parse_tolerance(text: &str) -> std::result::Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "`{text}` is not a tolerance (a number ≥ 0, such as 1e-6)"
        )),
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
    /// Whether `actual` matches; `tol` (from `--tol`) overrides the default.
    pub fn accepts(&self, actual: f64, tol: Option<f64>) -> bool {
        let diff = (actual - self.expected).abs();
        match (tol, self.tolerance) {
            (Some(t), _) | (None, Tolerance::Relative(t)) => {
                diff <= t * self.expected.abs().max(1.0)
            }
            (None, Tolerance::Decimals(d)) => {
                // Rounds to the expected value at d places; the slack covers
                // the binary representation of the decimal written.
                let half = 0.5 * 10f64.powi(-d);
                diff <= half * (1.0 + 1e-9)
            }
        }
    }

    /// The verdict on `actual`: `tol` (`--tol`) overrides the rounding
    /// rule; `min_sig` (`--sig`) fails a decimal answer written with fewer
    /// significant digits ("not precise enough"), and an integer one that
    /// is not exactly right.
    pub fn judge(&self, actual: f64, tol: Option<f64>, min_sig: Option<u32>) -> Outcome {
        let right = self.accepts(actual, tol);
        let reason = match (self.significant, min_sig) {
            (Some(sig), Some(min)) if sig < min => Some(format!(
                "not precise enough: {} has {sig} significant digit{}, at least {min} are asked for",
                self.expected_text,
                if sig == 1 { "" } else { "s" }
            )),
            _ if right => None,
            _ => Some(match (tol, self.tolerance) {
                (None, Tolerance::Decimals(d)) => format!(
                    "{} does not round to {} at {}",
                    crate::number::format(actual),
                    self.expected_text,
                    match d {
                        1 => "1 decimal".to_string(),
                        d if d > 0 => format!("{d} decimals"),
                        d => format!("the {}s", crate::number::format(10f64.powi(-d))),
                    }
                ),
                (tol, _) => format!(
                    "{} differs from {} by {} (relative tolerance {})",
                    crate::number::format(actual),
                    self.expected_text,
                    crate::number::format(actual - self.expected),
                    crate::number::format(tol.unwrap_or(DEFAULT_RELATIVE))
                ),
            }),
        };
        Outcome {
            actual,
            passed: reason.is_none(),
            reason,
        }
    }

    /// This `@COLUMN` expectation with one row's answer: the student's
    /// text, judged as if written in `--expect`. An empty or unreadable
    /// answer is the reason its check fails.
    pub fn with_answer(&self, answer: &str) -> std::result::Result<Expectation, String> {
        let answer = answer.trim();
        if answer.is_empty() {
            return Err("the answer is empty".into());
        }
        if crate::formula::is_formula(answer) {
            return Ok(Expectation {
                expected: f64::NAN,
                expected_text: answer.to_string(),
                tolerance: Tolerance::Relative(DEFAULT_RELATIVE),
                significant: None,
                column: None,
                formula: true,
                ..self.clone()
            });
        }
        let expected = crate::constant_value(answer)
            .map_err(|_| format!("the answer `{answer}` is not a number"))?;
        let (tolerance, significant) = match precision(answer) {
            Some((decimals, sig)) => (Tolerance::Decimals(decimals), Some(sig)),
            None => (Tolerance::Relative(DEFAULT_RELATIVE), None),
        };
        Ok(Expectation {
            expected,
            expected_text: answer.to_string(),
            tolerance,
            significant,
            column: None,
            formula: false,
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
        graph.find(name).ok_or_else(|| {
            Error::at(
                ErrorKind::UnknownNode {
                    name: name.clone(),
                    known: graph.shown_names(),
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
        tol: Option<f64>,
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
    fn targets_and_tolerances() {
        let e = expect("f=136, df/dx=16, ∂f/∂y = 48, g4=0.881, dz=1/3");
        assert_eq!(e.len(), 5);
        assert_eq!(e[0].target, Target::Value("f".into()));
        assert_eq!(e[1].target, Target::Grad("x".into()));
        assert_eq!(e[2].target, Target::Grad("y".into()));
        assert_eq!(e[3].tolerance, Tolerance::Decimals(3));
        assert_eq!(
            e[4].target,
            Target::Value("dz".into()),
            "no `/`: a node called dz"
        );
        assert_eq!(e[4].tolerance, Tolerance::Relative(DEFAULT_RELATIVE));
        assert_eq!(e[4].expected, 1.0 / 3.0);
        let l = parse_expectations("dL/dw=-0.2384", "L").unwrap_or_default();
        assert_eq!(l[0].target, Target::Grad("w".into()));
        assert_eq!(l[0].tolerance, Tolerance::Decimals(4));
    }

    #[test]
    fn decimals_round() {
        let e = &expect("f=0.881")[0];
        assert!(e.accepts(0.8807970779778823, None));
        assert!(!e.accepts(0.88151, None));
        assert!(e.accepts(0.8814999, None));
        let e = &expect("f=-0.1192")[0];
        assert!(e.accepts(-0.11920292202211769, None));
        assert!(!e.accepts(-0.1193, None));
        let e = &expect("f=136")[0];
        assert!(e.accepts(136.0 + 1e-8, None));
        assert!(!e.accepts(136.001, None));
        assert!(e.accepts(136.001, Some(1e-3)));
    }

    /// An answer is as precise as it is written, in any notation.
    #[test]
    fn precision_as_written() {
        for (text, want) in [
            ("0.88", Some((2, 2))),
            (".88", Some((2, 2))),
            ("8.8e-1", Some((2, 2))),
            ("88e-2", Some((2, 2))),
            ("-2.384e-1", Some((4, 4))),
            ("3.059e-7", Some((10, 4))),
            ("0.0012", Some((4, 2))),
            ("1.20", Some((2, 3))),
            ("1.5e3", Some((-2, 2))),
            ("2.", Some((0, 1))),
            ("136", None),
            ("1e3", None),
            ("1/3", None),
            ("pi", None),
        ] {
            assert_eq!(precision(text), want, "{text}");
        }
        let e = &expect("f=3.059e-7")[0];
        assert!(e.accepts(3.0590000004e-7, None));
        assert!(
            !e.accepts(3.0596e-7, None),
            "rounded at the 10th decimal, not 1e-9 absolute"
        );
    }

    #[test]
    fn significant_digits_are_the_teachers_minimum() {
        let check = |text: &str, actual: f64| {
            let e = &expect(&format!("f={text}"))[0];
            let o = e.judge(actual, None, Some(3));
            (o.passed, o.reason.unwrap_or_default())
        };
        assert!(check("0.881", 0.8807970779778823).0);
        let (passed, reason) = check("0.88", 0.8807970779778823);
        assert!(!passed);
        assert_eq!(
            reason,
            "not precise enough: 0.88 has 2 significant digits, at least 3 are asked for"
        );
        assert!(check("12", 12.0).0, "an exact integer is exempt");
        let (passed, reason) = check("0.1", 0.1269);
        assert!(
            !passed && reason.starts_with("not precise enough"),
            "{reason}"
        );
        let (passed, reason) = check("0.127", 0.1269);
        assert!(passed, "{reason}");
        let (passed, reason) = check("0.125", 0.1269);
        assert_eq!(
            (passed, reason.as_str()),
            (false, "0.1269 does not round to 0.125 at 3 decimals")
        );
    }

    #[test]
    fn answers_from_a_column() {
        let e = &expect("f=@ans_f")[0];
        assert_eq!(e.column.as_deref(), Some("ans_f"));
        let row = e.with_answer(" 8.8e-1 ").unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(
            (row.expected, row.tolerance),
            (0.88, Tolerance::Decimals(2))
        );
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
