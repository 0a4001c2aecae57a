//! Where evaluated points go: one sink per output format, each with begin /
//! point / end hooks, so that every format streams (one point, and within a
//! point one node, at a time) and the pipeline never holds a whole document.

use crate::batch::Row;
use crate::check::{self, Expectation};
use crate::error::Result;
use crate::graph::Graph;
use crate::number;
use crate::report::{csv as csv_out, dot, explain, json, table, View};
use owo_colors::OwoColorize;
use std::io::Write;

/// One evaluated point, as a sink sees it.
pub struct Point<'a> {
    pub view: View<'a>,
    /// The variables' values, in the order of [`Graph::variables`].
    pub values: &'a [f64],
    /// 0 for the first point.
    pub index: usize,
}

/// What the checks of one point found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    pub checks: usize,
    pub failed: usize,
}

/// An output format.
pub trait Sink {
    /// Before the first point; `several` is whether more than one point may come.
    fn begin(&mut self, _out: &mut dyn Write, _graph: &Graph, _several: bool) -> Result<()> {
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict>;

    /// After the last point, or after an error (`complete` false), so that
    /// what was written stays well-formed where the format allows; `points`
    /// were written.
    fn end(&mut self, _out: &mut dyn Write, _points: usize, _complete: bool) -> Result<()> {
        Ok(())
    }

    /// A renderer of one row from its variables, value and gradient alone,
    /// for formats that need no more: the batch engine then evaluates many
    /// rows at once on all cores.
    fn row_renderer(&self) -> Option<fn(&Row<'_>, &mut String)> {
        None
    }
}

/// `at x=4, y=3, z=2`: the heading of a point among several.
pub fn describe_point(graph: &Graph, values: &[f64]) -> String {
    let list: Vec<String> = graph
        .variables()
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}={}", number::format(*v)))
        .collect();
    format!("at {}", list.join(", "))
}

/// The default table; several points each under their heading.
pub struct Table {
    pub colors: table::Colors,
    several: bool,
}

impl Table {
    pub fn new(color: bool) -> Self {
        Table {
            colors: table::Colors::new(color),
            several: false,
        }
    }
}

/// A blank line between points, and the point's heading, when several.
fn heading(out: &mut dyn Write, several: bool, point: &Point<'_>) -> Result<()> {
    if several {
        if point.index > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", describe_point(point.view.graph, point.values))?;
    }
    Ok(())
}

impl Sink for Table {
    fn begin(&mut self, _out: &mut dyn Write, _graph: &Graph, several: bool) -> Result<()> {
        self.several = several;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict> {
        heading(out, self.several, point)?;
        table::write(out, &point.view, &self.colors)?;
        Ok(Verdict::default())
    }
}

/// One JSON object for one point; an array of them for several.
#[derive(Default)]
pub struct Json {
    several: bool,
}

impl Sink for Json {
    fn begin(&mut self, out: &mut dyn Write, _graph: &Graph, several: bool) -> Result<()> {
        self.several = several;
        if several {
            out.write_all(b"[\n")?;
        }
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict> {
        if self.several && point.index > 0 {
            out.write_all(b",\n")?;
        }
        json::write_point(out, &point.view, self.several)?;
        if !self.several {
            out.write_all(b"\n")?;
        }
        Ok(Verdict::default())
    }

    fn end(&mut self, out: &mut dyn Write, points: usize, _complete: bool) -> Result<()> {
        if self.several {
            out.write_all(if points > 0 { b"\n]\n" } else { b"]\n" })?;
        }
        Ok(())
    }
}

/// A header, then one row a point.
#[derive(Default)]
pub struct Csv {
    line: String,
}

impl Sink for Csv {
    fn begin(&mut self, out: &mut dyn Write, graph: &Graph, _several: bool) -> Result<()> {
        csv_out::write_header(out, graph)?;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict> {
        csv_out::write_row(out, &point.view, point.values, &mut self.line)?;
        Ok(Verdict::default())
    }

    fn row_renderer(&self) -> Option<fn(&Row<'_>, &mut String)> {
        Some(|row, line| csv_out::push_row(line, row))
    }
}

/// A Graphviz digraph a point.
pub struct Dot;

impl Sink for Dot {
    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict> {
        dot::write(out, &point.view)?;
        Ok(Verdict::default())
    }
}

/// Teaching output: `--explain`, `--expect` and `--gradcheck`, in that
/// order at each point, then one line with the count of correct checks.
pub struct Checks {
    pub expectations: Vec<Expectation>,
    pub explain: bool,
    pub gradcheck: bool,
    pub tol: Option<f64>,
    pub color: bool,
    several: bool,
    checks: usize,
    failed: usize,
}

impl Checks {
    pub fn new(
        expectations: Vec<Expectation>,
        explain: bool,
        gradcheck: bool,
        tol: Option<f64>,
        color: bool,
    ) -> Self {
        Checks {
            expectations,
            explain,
            gradcheck,
            tol,
            color,
            several: false,
            checks: 0,
            failed: 0,
        }
    }

    /// One line per expectation; returns how many failed.
    fn write_expectations(&self, out: &mut dyn Write, view: &View<'_>) -> Result<usize> {
        let mut failed = 0;
        let width = widest(self.expectations.iter().map(|e| e.label.as_str()));
        let expected_width = widest(self.expectations.iter().map(|e| e.expected_text.as_str()));
        for e in &self.expectations {
            let outcome = e.check(view.graph, view.eval, self.tol)?;
            let actual = number::format(outcome.actual);
            let pad = " ".repeat(width.saturating_sub(e.label.chars().count()));
            let pad2 = " ".repeat(expected_width.saturating_sub(e.expected_text.chars().count()));
            let (label, expected) = (&e.label, &e.expected_text);
            if outcome.passed {
                let verdict = self.paint("passed", |v| v.green().to_string());
                writeln!(
                    out,
                    "{verdict}  {label}{pad}  expected {expected}{pad2}  actual {actual}"
                )?;
            } else {
                failed += 1;
                let verdict = self.paint("FAILED", |v| v.red().bold().to_string());
                let diff = number::format(outcome.actual - e.expected);
                writeln!(
                    out,
                    "{verdict}  {label}{pad}  expected {expected}{pad2}  actual {actual}  (difference {diff})"
                )?;
            }
        }
        Ok(failed)
    }

    /// One line per variable; returns how many failed.
    fn write_gradcheck(&self, out: &mut dyn Write, point: &Point<'_>) -> Result<usize> {
        let view = &point.view;
        let tol = self.tol.unwrap_or(check::GRADCHECK_TOL);
        let checks = check::gradcheck(view.graph, point.values, view.eval, tol);
        let f = view.output_name();
        writeln!(
            out,
            "gradcheck: ∂{f}/∂v against central differences, tolerance {tol:e}"
        )?;
        let width = widest(checks.iter().map(|c| c.variable.as_str()));
        let mut worst: f64 = 0.0;
        let mut failed = 0;
        for c in &checks {
            let pad = " ".repeat(width.saturating_sub(c.variable.chars().count()));
            let verdict = match (&c.skipped, c.passed) {
                (Some(why), _) => format!("not compared ({why})"),
                (None, true) => "ok".to_string(),
                (None, false) => {
                    failed += 1;
                    "FAILED".to_string()
                }
            };
            let error = match c.skipped {
                Some(_) => String::new(),
                None => {
                    worst = worst.max(c.error);
                    format!("  error {}", number::format_digits(c.error, Some(2)))
                }
            };
            writeln!(
                out,
                "  {}{pad}  analytic {}  numeric {}{error}  {verdict}",
                c.variable,
                number::format(c.analytic),
                number::format(c.numeric),
            )?;
        }
        writeln!(
            out,
            "largest error {}",
            number::format_digits(worst, Some(2))
        )?;
        Ok(failed)
    }

    fn paint(&self, word: &str, style: impl Fn(&str) -> String) -> String {
        if self.color {
            style(word)
        } else {
            word.to_string()
        }
    }
}

impl Sink for Checks {
    fn begin(&mut self, _out: &mut dyn Write, _graph: &Graph, several: bool) -> Result<()> {
        self.several = several;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<Verdict> {
        heading(out, self.several, point)?;
        if self.explain {
            explain::write(&mut &mut *out, &point.view)?;
        }
        let mut failed = 0;
        if !self.expectations.is_empty() {
            if self.explain {
                writeln!(out)?;
            }
            failed += self.write_expectations(out, &point.view)?;
        }
        if self.gradcheck {
            if self.explain || !self.expectations.is_empty() {
                writeln!(out)?;
            }
            failed += self.write_gradcheck(out, point)?;
        }
        self.checks += self.expectations.len();
        self.failed += failed;
        Ok(Verdict {
            checks: self.expectations.len(),
            failed,
        })
    }

    fn end(&mut self, out: &mut dyn Write, _points: usize, complete: bool) -> Result<()> {
        if complete && !self.expectations.is_empty() {
            // Not "N passed, N failed": test harnesses read that line as theirs.
            let correct = self.checks.saturating_sub(self.failed);
            writeln!(
                out,
                "{}checks: {correct} of {} correct",
                if self.several { "\n" } else { "" },
                self.checks
            )?;
        }
        Ok(())
    }
}

/// The width of the widest text, in characters.
fn widest<'a>(texts: impl Iterator<Item = &'a str>) -> usize {
    texts.map(|t| t.chars().count()).max().unwrap_or(0)
}
