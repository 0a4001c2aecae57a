//! The table format of a run with checks (`--expect`, `--gradcheck`) or
//! `--explain`: the teaching output.

use crate::error::Result;
use crate::number;
use crate::points::Header;
use crate::report::explain;
use crate::report::sink::{row_id, CheckResult, Failed, Frame, GradReport, Point, Sink};
use crate::report::table::{heading, write_failed};
use owo_colors::OwoColorize;
use std::io::Write;

/// Teaching output: `--explain`, `--expect` and `--gradcheck`, in that
/// order at each point, then one line with the count of correct checks.
pub struct CheckTable {
    pub explain: bool,
    pub color: bool,
    several: bool,
    header: Option<Header>,
    checks: usize,
    failed: usize,
}

impl CheckTable {
    pub fn new(explain: bool, color: bool) -> Self {
        CheckTable {
            explain,
            color,
            several: false,
            header: None,
            checks: 0,
            failed: 0,
        }
    }

    /// One line per expectation.
    fn write_expectations(&self, out: &mut dyn Write, checks: &[CheckResult]) -> Result<()> {
        let width = widest(checks.iter().map(|c| c.target.as_str()));
        // An empty answer cell shows as such.
        fn shown(c: &CheckResult) -> &str {
            match c.expected_text.as_str() {
                "" => "(empty)",
                text => text,
            }
        }
        let expected_width = widest(checks.iter().map(shown));
        for c in checks {
            let actual = match &c.tensor {
                // A tensor's entries, compact (the reason gives the digits
                // of the first that fails).
                Some(t) => t.array(&t.actual, |x| number::format_digits(x, Some(4))),
                None => number::format(c.actual),
            };
            let pad = " ".repeat(width.saturating_sub(c.target.chars().count()));
            let expected = shown(c);
            let pad2 = " ".repeat(expected_width.saturating_sub(expected.chars().count()));
            let label = &c.target;
            if c.formula {
                // A formula has no one actual value: the verdict and the
                // point where the two sides differ say it.
                let (verdict, rest) = match (&c.reason, c.passed) {
                    (Some(reason), false) => (
                        self.paint("FAILED", |v| v.red().bold().to_string()),
                        format!("  {reason}"),
                    ),
                    _ => (
                        self.paint("passed", |v| v.green().to_string()),
                        format!("  actual {actual}, and equal at every point compared"),
                    ),
                };
                writeln!(
                    out,
                    "{verdict}  {label}{pad}  expected {expected}{pad2}{rest}"
                )?;
            } else if c.passed {
                let verdict = self.paint("passed", |v| v.green().to_string());
                writeln!(
                    out,
                    "{verdict}  {label}{pad}  expected {expected}{pad2}  actual {actual}"
                )?;
            } else {
                let verdict = self.paint("FAILED", |v| v.red().bold().to_string());
                let reason = match &c.reason {
                    Some(reason) => reason.clone(),
                    None => format!("difference {}", number::format(c.actual - c.expected)),
                };
                writeln!(
                    out,
                    "{verdict}  {label}{pad}  expected {expected}{pad2}  actual {actual}  ({reason})"
                )?;
            }
        }
        Ok(())
    }

    /// One line per variable, then the largest error.
    fn write_gradcheck(&self, out: &mut dyn Write, f: &str, report: &GradReport) -> Result<()> {
        let tol = report.tol;
        writeln!(
            out,
            "gradcheck: ∂{f}/∂v against central differences, tolerance {tol:e}"
        )?;
        let width = widest(report.variables.iter().map(|c| c.variable.as_str()));
        for c in &report.variables {
            let pad = " ".repeat(width.saturating_sub(c.variable.chars().count()));
            let verdict = match (&c.skipped, c.passed) {
                (Some(why), _) => format!("not compared ({why})"),
                (None, true) => "ok".to_string(),
                (None, false) => "FAILED".to_string(),
            };
            let error = match c.skipped {
                Some(_) => String::new(),
                None => format!("  error {}", number::format_digits(c.error, Some(2))),
            };
            writeln!(
                out,
                "  {}{pad}  analytic {}  numeric {}{error}  {verdict}",
                c.variable,
                number::format(c.analytic),
                number::format(c.numeric),
            )?;
        }
        if report.variables.iter().all(|c| c.skipped.is_some()) {
            writeln!(
                out,
                "no variable compared: each sits at a kink or where the function is not finite a step away"
            )?;
        } else {
            writeln!(
                out,
                "largest error {}",
                number::format_digits(report.largest_error(), Some(2))
            )?;
        }
        Ok(())
    }

    fn paint(&self, word: &str, style: impl Fn(&str) -> String) -> String {
        if self.color {
            style(word)
        } else {
            word.to_string()
        }
    }
}

impl Sink for CheckTable {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        self.header = frame.header.cloned();
        Ok(())
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        write_failed(out, self.several, point, self.header.as_ref())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        let view = &point.view;
        let id = row_id(self.header.as_ref(), point.cells);
        heading(out, self.several, point.index, view.graph, point.values, id)?;
        if self.explain {
            explain::write(&mut &mut *out, &point.view)?;
        }
        if !point.checks.is_empty() {
            if self.explain {
                writeln!(out)?;
            }
            self.write_expectations(out, point.checks)?;
        }
        if let Some(report) = point.gradcheck {
            if self.explain || !point.checks.is_empty() {
                writeln!(out)?;
            }
            self.write_gradcheck(out, &point.view.output_name(), report)?;
            self.failed += report.failed();
        }
        self.checks += point.checks.len();
        self.failed += point.checks.iter().filter(|c| !c.passed).count();
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, _points: usize, complete: bool) -> Result<()> {
        if complete && self.checks > 0 {
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
