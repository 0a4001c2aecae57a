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
