//! The checks of one point: each `--expect` target judged against the
//! run's values (numbers, formulas, second derivatives).

use super::run::{Given, Run};
use crate::check::{self, Expectation};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::report::sink::CheckResult;
use crate::report::View;

impl Run<'_, '_> {
    /// Expectation `i` at one point, with what the point gives it.
    pub(super) fn check<'s>(
        &self,
        i: usize,
        e: &Expectation,
        given: Given,
        view: &View<'_>,
        here: &dyn Fn() -> &'s crate::formula::Sample,
    ) -> Result<CheckResult> {
        let job = self.job;
        let resolved;
        let e = match (&e.column, given.answer) {
            (Some(_), Some(text)) => match e.with_answer(text) {
                Ok(row) => {
                    resolved = row;
                    &resolved
                }
                Err(reason) if tensor_group(e, view.graph).is_some() => {
                    return Ok(CheckResult {
                        expected_text: text.trim().to_string(),
                        ..unanswered(e, reason, false)
                    });
                }
                Err(reason) => {
                    let actual = match &job.second_derivatives[i] {
                        Some(cell) => second(cell, view).map(|actual| e.judge(actual, None, None)),
                        None => e.check(view.graph, view.eval, None, None),
                    };
                    let actual = actual.map_err(|err| err.in_source(&job.expect, "--expect"))?;
                    return Ok(CheckResult {
                        target: e.label.clone(),
                        expected_text: text.trim().to_string(),
                        expected: f64::NAN,
                        actual: actual.actual,
                        passed: false,
                        reason: Some(reason),
                        formula: false,
                        tensor: None,
                    });
                }
            },
            _ => e,
        };
        let (sig, percent) = (job.options.sig, job.options.tol_percent);
        let tol = job
            .options
            .tol
            .map(|value| check::Tolerance { value, percent });
        if e.tensor.is_some() || tensor_group(e, &job.graph).is_some() {
            return self.check_tensor(e, view, tol);
        }
        if let Some(reason) = self_reference(e, &job.graph) {
            return Ok(unanswered(e, reason, e.formula));
        }
        if e.formula || (self.drawn && e.column.is_none() && constant_derivative(e)) {
            return self.check_formula(i, e, here());
        }
        let outcome = match &job.unused_targets[i] {
            // Bound but unused: its value as bound, its gradient 0.
            Some(name) => {
                let value = given
                    .unused_value
                    .ok_or_else(|| job.unknown_target(i, name))?;
                let actual = match e.target {
                    check::Target::Value(_) => value,
                    check::Target::Grad(_) | check::Target::Second(_) => 0.0,
                };
                e.judge(actual, tol, sig)
            }
            None => match &job.second_derivatives[i] {
                Some(cell) => e.judge(second(cell, view)?, tol, sig),
                None => e
                    .check(view.graph, view.eval, tol, sig)
                    .map_err(|err| err.in_source(&job.expect, "--expect"))?,
            },
        };
        Ok(CheckResult {
            target: e.label.clone(),
            expected_text: e.expected_text.clone(),
            expected: e.expected,
            actual: outcome.actual,
            passed: outcome.passed,
            reason: outcome.reason,
            formula: false,
            tensor: None,
        })
    }

    /// A whole tensor's answer (SPEC §9): each entry by the rule of
    /// numbers; the verdict names the first entry that fails and how many
    /// pass. A row's answer of the wrong shape fails (it is the student's).
    fn check_tensor(
        &self,
        e: &Expectation,
        view: &View<'_>,
        tol: Option<check::Tolerance>,
    ) -> Result<CheckResult> {
        let job = self.job;
        let name = e.target.name();
        if let Some(reason) = e.names_itself(name, false) {
            return Ok(unanswered(e, reason, false));
        }
        let group = tensor_group(e, view.graph);
        let (tensor, group) = match (&e.tensor, group) {
            (Some(t), Some(g)) if t.shape == g.shape => (t, g),
            (t, g) => {
                let shape = |s: Option<&Vec<usize>>| check::shape_words(s.map_or(&[][..], |s| s));
                let reason = format!(
                    "the answer is {} and {name} is {}",
                    shape(t.as_ref().map(|t| &t.shape)),
                    shape(g.map(|g| &g.shape))
                );
                return Ok(unanswered(e, reason, false));
            }
        };
        if let Some(entry) = tensor.entries.iter().find(|x| x.formula) {
            let reason = format!(
                "{}: `{}` is not a number (a tensor's entries are numbers)",
                entry.label, entry.expected_text
            );
            return Ok(unanswered(e, reason, false));
        }
        let sig = job.options.sig;
        let mut verdict = check::TensorVerdict {
            shape: group.shape.clone(),
            expected: Vec::with_capacity(tensor.entries.len()),
            actual: Vec::with_capacity(tensor.entries.len()),
            passed: Vec::with_capacity(tensor.entries.len()),
        };
        let mut first_failure = None;
        for entry in &tensor.entries {
            let outcome = entry
                .check(view.graph, view.eval, tol, sig)
                .map_err(|err| err.in_source(&job.expect, "--expect"))?;
            if !outcome.passed && first_failure.is_none() {
                first_failure = Some((outcome.reason.clone().unwrap_or_default(), &entry.label));
            }
            verdict.expected.push(entry.expected);
            verdict.actual.push(outcome.actual);
            verdict.passed.push(outcome.passed);
        }
        let passing = verdict.passed.iter().filter(|&&p| p).count();
        // The reason first, so that --summary counts it as the slip.
        let reason = first_failure.map(|(reason, label)| {
            format!(
                "{reason} (in {label}; {passing} of {} entries pass)",
                verdict.passed.len()
            )
        });
        Ok(CheckResult {
            target: e.label.clone(),
            expected_text: e.expected_text.clone(),
            expected: f64::NAN,
            actual: f64::NAN,
            passed: reason.is_none(),
            reason,
            formula: false,
            tensor: Some(verdict),
        })
    }

    /// A formula answer at one point and its random neighbours. A row's
    /// formula (`@COLUMN`) that names no node fails its check: it is the
    /// student's answer, not bad input.
    fn check_formula(
        &self,
        i: usize,
        e: &Expectation,
        here: &crate::formula::Sample,
    ) -> Result<CheckResult> {
        let job = self.job;
        let compiled;
        let cached = self.compiled.borrow().get(&e.expected_text).cloned();
        let formula = match job.formulas.get(i).and_then(Option::as_ref) {
            Some(f) if e.column.is_none() && job.expectations[i].formula => f,
            _ if cached.is_some() => {
                compiled = cached;
                compiled
                    .as_deref()
                    .ok_or_else(|| Error::internal("cached formula"))?
            }
            _ => match crate::formula::Formula::compile(
                &e.expected_text,
                &job.graph,
                &job.definitions,
            ) {
                Ok(f) => {
                    let f = std::rc::Rc::new(f);
                    let mut cache = self.compiled.borrow_mut();
                    if cache.len() < 10_000 {
                        cache.insert(e.expected_text.clone(), f.clone());
                    }
                    compiled = Some(f);
                    compiled
                        .as_deref()
                        .ok_or_else(|| Error::internal("compiled formula"))?
                }
                Err(err) => {
                    let reason = match &err.help {
                        // A lone word (`one`) was meant as a number.
                        _ if crate::parse::is_name(e.expected_text.trim()) => {
                            format!("the answer `{}` is not a number", e.expected_text)
                        }
                        Some(help) => {
                            format!("the answer `{}`: {} ({help})", e.expected_text, err.kind)
                        }
                        None => format!("the answer `{}`: {}", e.expected_text, err.kind),
                    };
                    return Ok(unanswered(e, reason, true));
                }
            },
        };
        let node = e
            .node(&job.graph)
            .map_err(|err| err.in_source(&job.expect, "--expect"))?;
        let truth = match (&e.target, &job.second_derivatives[i]) {
            (check::Target::Second(_), Some((u, v))) => crate::formula::Truth::Second(*u, *v),
            (check::Target::Grad(_), _) => crate::formula::Truth::Grad(node),
            _ => crate::formula::Truth::Value(node),
        };
        let tol = job.options.tol.unwrap_or(check::DEFAULT_RELATIVE);
        let random = job
            .random
            .get_or_init(|| crate::formula::random_points(&job.graph, &job.domain));
        let v = crate::formula::judge(
            formula,
            &job.graph,
            truth,
            Some(here),
            random,
            &job.domain,
            tol,
        );
        Ok(CheckResult {
            target: e.label.clone(),
            expected_text: e.expected_text.clone(),
            expected: v.student,
            actual: v.truth,
            passed: v.passed,
            reason: v.reason,
            formula: true,
            tensor: None,
        })
    }
}

/// A number answer to a derivative, which is a constant formula when
/// there is no point (`d2f/dxdy = 1`).
pub(super) fn constant_derivative(e: &Expectation) -> bool {
    e.column.is_none() && matches!(e.target, check::Target::Grad(_) | check::Target::Second(_))
}

/// A check that fails before any value is computed (a non-answer, an
/// answer that cannot be read): no expected or actual number.
pub(super) fn unanswered(e: &Expectation, reason: String, formula: bool) -> CheckResult {
    CheckResult {
        target: e.label.clone(),
        expected_text: e.expected_text.clone(),
        expected: f64::NAN,
        actual: f64::NAN,
        passed: false,
        reason: Some(reason),
        formula,
        tensor: None,
    }
}

/// An answer that names its own target (`L` for `L`): not an answer.
/// So is one that restates the target's own definition in the graph's
/// generated nodes (`g6 - g8` for `L = g6 - g8`): it copies the table's
/// definition column instead of computing (`ln(yhat)` for `g4`, in the
/// program's own names, is a formula and is checked as one).
pub(super) fn self_reference(e: &Expectation, graph: &Graph) -> Option<String> {
    let node = e.node(graph).ok()?;
    let name = graph.name(node).to_string();
    if let Some(reason) = e.names_itself(&name, node == graph.output()) {
        return Some(reason);
    }
    let bare = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let definition = graph.definition(node);
    // A generated name (`g6`): names the table's rows, not the program's.
    let generated = |t: &str| {
        check::names_in(t).any(|n| {
            n.strip_prefix('g')
                .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let restated = matches!(e.target, check::Target::Value(_))
        && !matches!(graph.kind(node), crate::graph::Kind::Var(_))
        && generated(&e.expected_text)
        && bare(&e.expected_text) == bare(&definition);
    restated.then(|| {
        format!("not an answer: it restates the definition of `{name}` ({definition}) instead of its value")
    })
}

/// A Hessian cell's value at the point of `view`.
pub(super) fn second(&(row, column): &(usize, usize), view: &View<'_>) -> Result<f64> {
    Ok(crate::hessian::row(view.graph, view.eval, row)[column])
}

/// The tensor a check's target names (`W` of `dL/dW`, `h`), if any.
pub(super) fn tensor_group<'g>(
    e: &Expectation,
    graph: &'g Graph,
) -> Option<&'g crate::graph::Group> {
    match e.target {
        check::Target::Second(_) => None,
        _ => graph.groups().iter().find(|g| g.name == e.target.name()),
    }
}

/// A check of a whole tensor (its target one, or its answer `[…]`): the
/// shapes agree, or it is a usage error naming both. An entry must be a
/// number (a formula answer checks one element), unless the answer names
/// its own target, which fails as no answer.
pub(super) fn tensor_target(e: &Expectation, graph: &Graph) -> Result<bool> {
    let group = tensor_group(e, graph);
    let name = e.target.name();
    let usage = |m: String| Error::at(crate::error::ErrorKind::Usage(m), e.span);
    match (group, &e.tensor) {
        (None, None) => Ok(false),
        (Some(_), None) if e.column.is_some() => Ok(true),
        (Some(g), None) => Err(usage(format!(
            "{name} is {}, and the answer `{}` is not: write the whole {} (`{} = {}`) or check one element (`{}`)",
            check::shape_words(&g.shape),
            e.expected_text,
            if g.shape.len() == 2 { "matrix" } else { "vector" },
            e.label,
            if g.shape.len() == 2 { "[[…], […]]" } else { "[…]" },
            e.label.replacen(name, &crate::bindings::element_name(name, &g.shape, 0), 1) + " = …",
        ))),
        (None, Some(t)) => match graph.find(name) {
            Some(_) => Err(usage(format!(
                "the answer to {} is {} and {name} is a number",
                e.label,
                check::shape_words(&t.shape)
            ))),
            None => e.node(graph).map(|_| true),
        },
        (Some(g), Some(t)) if g.shape != t.shape => {
            let mut err = usage(format!(
                "the answer to {} is {} and {name} is {}: one entry per element",
                e.label,
                check::shape_words(&t.shape),
                check::shape_words(&g.shape)
            ));
            // `[0,758, 0,379]`: twice the entries along the last axis, and
            // a comma between two digits.
            let doubled = t.shape.len() == g.shape.len()
                && t.shape.last().zip(g.shape.last()).is_some_and(|(a, b)| *a == 2 * b)
                && t.shape[..t.shape.len() - 1] == g.shape[..g.shape.len() - 1];
            let digit_comma_digit = e
                .expected_text
                .as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && w[1] == b',' && w[2].is_ascii_digit());
            if doubled && digit_comma_digit {
                err = err.with_help(
                    "in a vector or matrix a comma separates entries: write a decimal point (0.758, not 0,758)",
                );
            }
            Err(err)
        }
        (Some(_), Some(t)) => {
            if e.names_itself(name, false).is_none() {
                if let Some(entry) = t.entries.iter().find(|x| x.formula) {
                    return Err(Error::at(
                        crate::error::ErrorKind::Usage(format!(
                            "`{}` in the answer to {} is not a number: a tensor's entries are numbers or constant expressions (a formula checks one element: `{} = …`)",
                            entry.expected_text, e.label, entry.label
                        )),
                        entry.span,
                    ));
                }
            }
            Ok(true)
        }
    }
}
