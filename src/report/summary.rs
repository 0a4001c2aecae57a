//! `--summary`: a short report at the end of a run instead of every point.

use crate::error::Result;
use crate::points::Header;
use crate::report::sink::{row_id, Failed, Frame, Point, Sink};
use std::io::Write;

/// A short report at the end (`--summary`): how many points passed every
/// check and which did not (by the row's id, else 1-based; the first
/// [`Summary::LISTED`]), then for each check how many passed it and its
/// most common slips.
#[derive(Default)]
pub struct Summary {
    /// What a point is called: `rows` for `--points`, `points` for `--at`.
    pub unit: &'static str,
    points: usize,
    failed: Vec<String>,
    /// Failed points beyond the listed ones.
    more: usize,
    header: Option<Header>,
    /// Per check: its target, how many points passed it, how many were
    /// checked, and its slips with their counts, in the order first met.
    checks: Vec<Tally>,
}

/// One check's line in [`Summary`].
#[derive(Default)]
struct Tally {
    target: String,
    passed: usize,
    total: usize,
    /// Each slip's name and count, in the order first met.
    slips: Vec<(String, usize)>,
}

impl Summary {
    /// Failing points listed by name; the rest are counted.
    pub const LISTED: usize = 20;

    pub fn new(unit: &'static str) -> Self {
        Summary {
            unit,
            ..Summary::default()
        }
    }

    /// The summary with one line a check (the `--expect` targets).
    pub fn with_targets(unit: &'static str, targets: Vec<String>) -> Self {
        Summary {
            unit,
            checks: targets
                .into_iter()
                .map(|target| Tally {
                    target,
                    ..Tally::default()
                })
                .collect(),
            ..Summary::default()
        }
    }

    fn fail(&mut self, index: usize, cells: Option<&[String]>) {
        if self.failed.len() < Self::LISTED {
            let name = match row_id(self.header.as_ref(), cells) {
                Some(id) if !id.trim().is_empty() => id.trim().to_string(),
                _ => (index + 1).to_string(),
            };
            self.failed.push(name);
        } else {
            self.more += 1;
        }
    }
}

/// The name of a slip: a reason up to its first `:` or `(` (`not precise
/// enough`, `off by a factor of -3`).
fn slip(reason: &str) -> &str {
    reason.split([':', '(']).next().unwrap_or(reason).trim()
}

impl Sink for Summary {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.header = frame.header.cloned();
        Ok(())
    }

    fn failed(&mut self, _out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        self.points += 1;
        self.fail(point.index, point.cells);
        for check in &mut self.checks {
            check.total += 1;
        }
        Ok(())
    }

    fn point(&mut self, _out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        self.points += 1;
        if !point.passed() {
            self.fail(point.index, point.cells);
        }
        for (check, c) in self.checks.iter_mut().zip(point.checks) {
            check.total += 1;
            if c.passed {
                check.passed += 1;
            } else if let Some(reason) = &c.reason {
                let name = slip(reason);
                match check.slips.iter_mut().find(|(s, _)| s == name) {
                    Some((_, n)) => *n += 1,
                    None => check.slips.push((name.to_string(), 1)),
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, _points: usize, complete: bool) -> Result<()> {
        if !complete {
            return Ok(());
        }
        let failed = self.failed.len() + self.more;
        let passed = self.points - failed;
        write!(
            out,
            "checks: {passed} of {} {} passed",
            self.points, self.unit
        )?;
        if failed > 0 {
            let named = self.header.as_ref().is_some_and(|h| h.id.is_some());
            let noun = match (named, self.unit == "rows") {
                (true, _) => "",
                (false, true) => " rows",
                (false, false) => " points",
            };
            write!(out, "; failed{noun}: {}", self.failed.join(", "))?;
            if self.more > 0 {
                write!(out, " and {} more", self.more)?;
            }
        }
        writeln!(out)?;
        // Per check, when there is more than one or a row failed it.
        if self.checks.len() > 1 || failed > 0 {
            for check in &mut self.checks {
                write!(
                    out,
                    "  {}: {} of {}",
                    check.target, check.passed, check.total
                )?;
                // The most common first; the first met among equals.
                check.slips.sort_by_key(|s| std::cmp::Reverse(s.1));
                for (i, (name, n)) in check.slips.iter().take(3).enumerate() {
                    write!(out, "{} {n} × \"{name}\"", if i == 0 { ";" } else { "," })?;
                }
                writeln!(out)?;
            }
        }
        Ok(())
    }
}
