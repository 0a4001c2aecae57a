//! Where evaluated points go: the [`Sink`] trait every format's writer
//! implements (one per file of [`crate::report`]), with begin / point / end
//! hooks, so that every format streams (one point, and within a point one
//! node, at a time) and the pipeline never holds a whole document; and the
//! results a sink is given.

use crate::batch::Row;
use crate::check;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::points::Header;
use crate::report::View;
use std::io::Write;

/// Renders one row of the batch engine into a line of text.
pub type RowRenderer = Box<dyn Fn(&Row<'_>, &mut String) + Sync>;

/// One evaluated point, as a sink sees it.
pub struct Point<'a> {
    pub view: View<'a>,
    /// The variables' values, in the order of [`Graph::variables`].
    pub values: &'a [f64],
    /// 0 for the first point.
    pub index: usize,
    /// Every `--expect` check at this point, in the order written.
    pub checks: &'a [CheckResult],
    /// `--gradcheck` at this point, when asked for.
    pub gradcheck: Option<&'a GradReport>,
    /// The row's cells as written, every column (`--points` only).
    pub cells: Option<&'a [String]>,
}

/// A point that could not be evaluated (a row of `--points` whose value is
/// not finite): it is written with its error, and the others go on.
pub struct Failed<'a> {
    pub graph: &'a Graph,
    pub values: &'a [f64],
    pub index: usize,
    pub cells: Option<&'a [String]>,
    pub error: &'a Error,
}

impl Point<'_> {
    /// Whether every check and every gradient check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed) && self.gradcheck.is_none_or(GradReport::passed)
    }
}

/// One `--expect` check at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The target as written (`df/dx`).
    pub target: String,
    /// The expected value as written (`0.881`, `1/3`).
    pub expected_text: String,
    pub expected: f64,
    pub actual: f64,
    pub passed: bool,
    /// Why it failed, in words.
    pub reason: Option<String>,
    /// The answer is a formula: `expected` is its value at the point.
    pub formula: bool,
    /// A whole tensor's check (`dL/dW = [[…]]`): every entry's numbers;
    /// `expected` and `actual` are then NaN.
    pub tensor: Option<crate::check::TensorVerdict>,
}

/// `--gradcheck` at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct GradReport {
    pub tol: f64,
    pub variables: Vec<check::GradCheck>,
}

impl GradReport {
    pub fn passed(&self) -> bool {
        self.variables.iter().all(|c| c.passed)
    }

    pub fn failed(&self) -> usize {
        self.variables.iter().filter(|c| !c.passed).count()
    }

    /// The largest error among the variables compared.
    pub fn largest_error(&self) -> f64 {
        self.variables
            .iter()
            .filter(|c| c.skipped.is_none())
            .map(|c| c.error)
            .fold(0.0, f64::max)
    }
}

/// An output format.
pub trait Sink {
    /// Before the first point; `several` is whether more than one point may
    /// come; `header` the columns of a CSV of points.
    fn begin(&mut self, _out: &mut dyn Write, _frame: &Frame<'_>) -> Result<()> {
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()>;

    /// A point whose evaluation failed; the run goes on.
    fn failed(&mut self, _out: &mut dyn Write, _point: &Failed<'_>) -> Result<()> {
        Ok(())
    }

    /// After the last point, or after an error (`complete` false), so that
    /// what was written stays well-formed where the format allows; `points`
    /// were written.
    fn end(&mut self, _out: &mut dyn Write, _points: usize, _complete: bool) -> Result<()> {
        Ok(())
    }

    /// A renderer of one row from its variables, value and gradient alone,
    /// for formats that need no more: the batch engine then evaluates many
    /// rows at once on all cores.
    fn row_renderer(&self) -> Option<RowRenderer> {
        None
    }
}

/// What a sink knows before the first point.
pub struct Frame<'a> {
    pub graph: &'a Graph,
    /// Whether more than one point may come.
    pub several: bool,
    /// The columns of a CSV file of points.
    pub header: Option<&'a Header>,
}

/// The cell of the row's id column, if it has one.
pub fn row_id<'c>(header: Option<&Header>, cells: Option<&'c [String]>) -> Option<&'c str> {
    let c = header?.id?;
    cells?.get(c).map(String::as_str)
}

/// Nothing at all (`--quiet`): the exit code is the answer.
pub struct Quiet;

impl Sink for Quiet {
    fn point(&mut self, _out: &mut dyn Write, _point: &Point<'_>) -> Result<()> {
        Ok(())
    }
}
