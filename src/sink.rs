//! Where evaluated points go: one sink per output format, each with begin /
//! point / end hooks, so that every format streams (one point, and within a
//! point one node, at a time) and the pipeline never holds a whole document.

use crate::batch::Row;
use crate::check;
use crate::error::Result;
use crate::error::{Error, ErrorKind};
use crate::graph::Graph;
use crate::number;
use crate::points::Header;
use crate::report::{csv as csv_out, dot, explain, json, mermaid, svg, table, View};
use owo_colors::OwoColorize;
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

/// The default table; several points each under their heading.
pub struct Table {
    pub colors: table::Colors,
    several: bool,
    header: Option<Header>,
}

impl Table {
    pub fn new(color: bool) -> Self {
        Table {
            colors: table::Colors::new(color),
            several: false,
            header: None,
        }
    }
}

/// A blank line between points, and the point's heading, when several;
/// `id` names the row (`ann: at w=0.5, …`).
fn heading(
    out: &mut dyn Write,
    several: bool,
    index: usize,
    graph: &Graph,
    values: &[f64],
    id: Option<&str>,
) -> Result<()> {
    if several {
        if index > 0 {
            writeln!(out)?;
        }
        match id {
            Some(id) => writeln!(out, "{id}: {}", graph.describe_point(values))?,
            None => writeln!(out, "{}", graph.describe_point(values))?,
        }
    }
    Ok(())
}

/// The cell of the row's id column, if it has one.
fn row_id<'c>(header: Option<&Header>, cells: Option<&'c [String]>) -> Option<&'c str> {
    let c = header?.id?;
    cells?.get(c).map(String::as_str)
}

/// A failed point in the text outputs: its heading and its error.
fn write_failed(
    out: &mut dyn Write,
    several: bool,
    point: &Failed<'_>,
    header: Option<&Header>,
) -> Result<()> {
    let id = row_id(header, point.cells);
    heading(out, several, point.index, point.graph, point.values, id)?;
    writeln!(out, "error: {}", point.error.kind)?;
    Ok(())
}

/// `"columns": {"student": "ann", …}`: the cells of the columns that are
/// not variables, as written.
fn columns_json(header: Option<&Header>, cells: Option<&[String]>) -> Option<Vec<u8>> {
    let (header, cells) = (header?, cells?);
    let mut out = b"{".to_vec();
    let mut first = true;
    for ((name, var), cell) in header.names.iter().zip(&header.variable).zip(cells) {
        if var.is_none() {
            if !first {
                out.extend_from_slice(b", ");
            }
            first = false;
            json::push_string(&mut out, name);
            out.extend_from_slice(b": ");
            json::push_string(&mut out, cell);
        }
    }
    out.push(b'}');
    (!first).then_some(out)
}

impl Sink for Table {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        self.header = frame.header.cloned();
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        heading(
            out,
            self.several,
            point.index,
            point.view.graph,
            point.values,
            row_id(self.header.as_ref(), point.cells),
        )?;
        table::write(out, &point.view, &self.colors)?;
        Ok(())
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        write_failed(out, self.several, point, self.header.as_ref())
    }
}

/// One JSON object for one point; an array of them for several. With
/// checks, each point also carries `checks`, `gradcheck`, `explain` (as
/// asked) and `passed`.
#[derive(Default)]
pub struct Json {
    several: bool,
    header: Option<Header>,
    /// Whether points carry `passed`: there are checks.
    pub judged: bool,
    /// Whether points carry the passes written out (`--explain`).
    pub explain: bool,
}

impl Json {
    pub fn new(judged: bool, explain: bool) -> Self {
        Json {
            several: false,
            header: None,
            judged,
            explain,
        }
    }

    /// The keys after `nodes`, rendered.
    fn extra_fields(&self, point: &Point<'_>) -> Result<Vec<(&'static str, Vec<u8>)>> {
        let mut fields = Vec::new();
        if let Some(columns) = columns_json(self.header.as_ref(), point.cells) {
            fields.push(("columns", columns));
        }
        if self.explain {
            fields.push(("explain", explain_json(point)?));
        }
        if self.judged {
            let mut checks = b"[".to_vec();
            for (i, c) in point.checks.iter().enumerate() {
                checks.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                checks.extend_from_slice(b"    {\"target\": ");
                json::push_string(&mut checks, &c.target);
                checks.extend_from_slice(b", \"expected\": ");
                json::push_number(&mut checks, c.expected);
                if c.formula {
                    checks.extend_from_slice(b", \"formula\": ");
                    json::push_string(&mut checks, &c.expected_text);
                }
                checks.extend_from_slice(b", \"actual\": ");
                json::push_number(&mut checks, c.actual);
                checks.extend_from_slice(b", \"passed\": ");
                checks.extend_from_slice(if c.passed { b"true" } else { b"false" });
                checks.extend_from_slice(b", \"reason\": ");
                match &c.reason {
                    Some(r) => json::push_string(&mut checks, r),
                    None => checks.extend_from_slice(b"null"),
                }
                checks.push(b'}');
            }
            checks.extend_from_slice(if point.checks.is_empty() {
                b"]"
            } else {
                b"\n  ]"
            });
            fields.push(("checks", checks));
        }
        if let Some(report) = point.gradcheck {
            let mut g = b"{\"tolerance\": ".to_vec();
            json::push_number(&mut g, report.tol);
            g.extend_from_slice(b", \"largest_error\": ");
            json::push_number(&mut g, report.largest_error());
            g.extend_from_slice(b", \"variables\": [");
            for (i, c) in report.variables.iter().enumerate() {
                g.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                g.extend_from_slice(b"    {\"variable\": ");
                json::push_string(&mut g, &c.variable);
                for (key, x) in [
                    ("analytic", c.analytic),
                    ("numeric", c.numeric),
                    ("error", c.error),
                ] {
                    g.extend_from_slice(format!(", \"{key}\": ").as_bytes());
                    json::push_number(&mut g, x);
                }
                g.extend_from_slice(b", \"passed\": ");
                g.extend_from_slice(if c.passed { b"true" } else { b"false" });
                g.extend_from_slice(b", \"skipped\": ");
                match &c.skipped {
                    Some(why) => json::push_string(&mut g, why),
                    None => g.extend_from_slice(b"null"),
                }
                g.push(b'}');
            }
            g.extend_from_slice(b"\n  ]}");
            fields.push(("gradcheck", g));
        }
        if self.judged {
            let passed: &[u8] = if point.passed() { b"true" } else { b"false" };
            fields.push(("passed", passed.to_vec()));
        }
        Ok(fields)
    }
}

/// `{"forward": [lines], "backward": [lines]}`: `--explain`'s two passes,
/// a line each, as the text form writes them.
fn explain_json(point: &Point<'_>) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    explain::write(&mut text, &point.view)?;
    let text = String::from_utf8_lossy(&text);
    let mut passes: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
    let mut pass = 0;
    for line in text.lines() {
        if line.is_empty() {
            pass = 1;
        } else if let Some(step) = line.strip_prefix("  ") {
            passes[pass].push(step);
        }
    }
    let mut out = Vec::new();
    for (i, (key, lines)) in ["forward", "backward"].iter().zip(&passes).enumerate() {
        out.extend_from_slice(if i == 0 { b"{" } else { b", " });
        json::push_string(&mut out, key);
        out.extend_from_slice(b": [");
        for (j, line) in lines.iter().enumerate() {
            out.extend_from_slice(if j == 0 { b"\n    " } else { b",\n    " });
            json::push_string(&mut out, line);
        }
        out.extend_from_slice(b"\n  ]");
    }
    out.push(b'}');
    Ok(out)
}

impl Sink for Json {
    fn begin(&mut self, out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        self.header = frame.header.cloned();
        if self.several {
            out.write_all(b"[\n")?;
        }
        Ok(())
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        if self.several && point.index > 0 {
            out.write_all(b",\n")?;
        }
        let indent = if self.several { "  " } else { "" };
        let mut text = format!("{indent}{{");
        let mut line = Vec::new();
        if let Some(columns) = columns_json(self.header.as_ref(), point.cells) {
            line.extend_from_slice(b"\"columns\": ");
            line.extend_from_slice(&columns);
            line.extend_from_slice(b", ");
        }
        line.extend_from_slice(b"\"point\": {");
        for (v, name) in point.graph.variables().iter().enumerate() {
            if v > 0 {
                line.extend_from_slice(b", ");
            }
            json::push_string(&mut line, name);
            line.extend_from_slice(b": ");
            json::push_number(&mut line, point.values[v]);
        }
        line.extend_from_slice(b"}, \"error\": ");
        json::push_string(&mut line, &point.error.kind.to_string());
        if self.judged {
            line.extend_from_slice(b", \"passed\": false");
        }
        text.push_str(&String::from_utf8_lossy(&line));
        text.push('}');
        if !self.several {
            text.push('\n');
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        if self.several && point.index > 0 {
            out.write_all(b",\n")?;
        }
        let extra = self.extra_fields(point)?;
        json::write_point(out, &point.view, self.several, &extra)?;
        if !self.several {
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, points: usize, _complete: bool) -> Result<()> {
        if self.several {
            out.write_all(if points > 0 { b"\n]\n" } else { b"]\n" })?;
        }
        Ok(())
    }
}

/// A header, then one row a point: the CSV's own columns in its order (or
/// the variables), the output, the gradient; with checks, a `pass:TARGET`
/// column for each and a `passed` column. A failed row has its computed
/// cells empty.
#[derive(Default)]
pub struct Csv {
    line: String,
    /// The `--expect` targets, for the `pass:` columns.
    pub targets: Vec<String>,
    pub judged: bool,
    header: Option<Header>,
    /// The variables in the order of the gradient columns.
    order: Vec<usize>,
}

impl Csv {
    pub fn new(targets: Vec<String>, judged: bool) -> Self {
        Csv {
            targets,
            judged,
            ..Csv::default()
        }
    }

    /// The input's cells (or the variables), then the computed cells.
    fn write(
        &mut self,
        out: &mut dyn Write,
        values: &[f64],
        cells: Option<&[String]>,
        computed: Option<(f64, Vec<f64>)>,
        passes: &[bool],
    ) -> Result<()> {
        let line = &mut self.line;
        line.clear();
        match (&self.header, cells) {
            (Some(header), Some(cells)) => {
                for (c, (var, cell)) in header.variable.iter().zip(cells).enumerate() {
                    if c > 0 {
                        line.push(',');
                    }
                    match var {
                        Some(v) => number::write(line, values[*v]),
                        None => line.push_str(&csv_out::field(cell)),
                    }
                }
            }
            _ => {
                for (v, x) in values.iter().enumerate() {
                    if v > 0 {
                        line.push(',');
                    }
                    number::write(line, *x);
                }
            }
        }
        match computed {
            Some((value, grads)) => {
                line.push(',');
                number::write(line, value);
                for &v in &self.order {
                    line.push(',');
                    number::write(line, grads[v]);
                }
            }
            None => line.push_str(&",".repeat(1 + self.order.len())),
        }
        for &pass in passes {
            line.push_str(if pass { ",true" } else { ",false" });
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        Ok(())
    }
}

impl Sink for Csv {
    fn begin(&mut self, out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        let graph = frame.graph;
        self.header = frame.header.cloned();
        self.order = match frame.header {
            // Then the variables every row shares (`--at` with `--points`).
            Some(header) => {
                let mut order = header.variable_order();
                let shared: Vec<usize> = (0..graph.variables().len())
                    .filter(|v| !order.contains(v))
                    .collect();
                order.extend(shared);
                order
            }
            None => (0..graph.variables().len()).collect(),
        };
        let mut names: Vec<String> = match frame.header {
            Some(header) => header.names.clone(),
            None => graph.variables().to_vec(),
        };
        let f = graph.name(graph.output()).to_string();
        let mut computed = vec![f.clone()];
        computed.extend(
            self.order
                .iter()
                .map(|&v| format!("d{f}/d{}", graph.variables()[v])),
        );
        computed.extend(self.targets.iter().map(|t| format!("pass:{t}")));
        if self.judged {
            computed.push("passed".into());
        }
        // No two columns share a name: a computed one that meets an input
        // column (a class's answer column `L`) is `computed:L`, a second
        // check of one target `pass:L (2)`.
        for name in computed {
            let mut unique = name.clone();
            if names.contains(&unique) && !name.starts_with("pass:") {
                unique = format!("computed:{name}");
            }
            let mut k = 2;
            while names.contains(&unique) {
                unique = format!("{name} ({k})");
                k += 1;
            }
            names.push(unique);
        }
        let header: Vec<String> = names.iter().map(|n| csv_out::field(n)).collect();
        writeln!(out, "{}", header.join(","))?;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        let g = point.view.graph;
        let grads = (0..g.variables().len())
            .map(|v| point.view.grad(g.variable_node(v)))
            .collect();
        let mut passes: Vec<bool> = point.checks.iter().map(|c| c.passed).collect();
        if self.judged {
            passes.push(point.passed());
        }
        let computed = Some((point.view.output_value(), grads));
        self.write(out, point.values, point.cells, computed, &passes)
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        let mut passes = vec![false; self.targets.len()];
        if self.judged {
            passes.push(false);
        }
        self.write(out, point.values, point.cells, None, &passes)
    }

    fn row_renderer(&self) -> Option<RowRenderer> {
        // Rows with checks, or with columns to pass through, go one by one.
        if self.judged
            || self.header.as_ref().is_some_and(|h| {
                h.variable.contains(&None) || h.variable_order().len() != self.order.len()
            })
        {
            return None;
        }
        let order = self.order.clone();
        Some(Box::new(move |row: &Row<'_>, line: &mut String| {
            csv_out::push_row(line, row, &order)
        }))
    }
}

/// A Graphviz digraph a point; several are each labelled with their point.
#[derive(Default)]
pub struct Dot {
    several: bool,
    /// `--layout`: which way rankdir runs (left to right without it).
    pub layout: Option<crate::report::layout::Direction>,
}

impl Sink for Dot {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        let label = self
            .several
            .then(|| point.view.graph.describe_point(point.values));
        dot::write(out, &point.view, label.as_deref(), self.layout)?;
        Ok(())
    }
}

/// A Mermaid flowchart a point, separated by a blank line; several are
/// each titled with their point.
#[derive(Default)]
pub struct Mermaid {
    several: bool,
    written: bool,
    /// `--layout`: the flowchart's direction (left to right without it).
    pub layout: Option<crate::report::layout::Direction>,
}

impl Sink for Mermaid {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        if std::mem::replace(&mut self.written, true) {
            writeln!(out)?;
        }
        let title = self
            .several
            .then(|| point.view.graph.describe_point(point.values));
        mermaid::write(out, &point.view, title.as_deref(), self.layout)?;
        Ok(())
    }
}

/// One SVG document, a titled panel a point when there may be several. SVG
/// states its size first, so the panels wait for the end (bounded by
/// [`svg::MAX_NODES`] and [`svg::MAX_PANELS`]).
#[derive(Default)]
pub struct Svg {
    several: bool,
    panels: Vec<svg::Panel>,
    /// `--layout` (`None`: chosen from the graph's shape).
    pub layout: Option<crate::report::layout::Direction>,
}

impl Svg {
    fn room_for_another(&self) -> Result<()> {
        if self.panels.len() < svg::MAX_PANELS {
            return Ok(());
        }
        Err(Error::new(ErrorKind::Limit(format!(
            "--format svg draws at most {} points in one picture; use --format csv or json for more",
            svg::MAX_PANELS
        ))))
    }
}

impl Sink for Svg {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        let nodes = frame.graph.shown().count();
        if nodes > svg::MAX_NODES {
            return Err(Error::new(ErrorKind::Limit(format!(
                "--format svg draws at most {} nodes, and this graph has {}; use --format dot, json or csv",
                svg::grouped(svg::MAX_NODES),
                svg::grouped(nodes),
            ))));
        }
        Ok(())
    }

    fn point(&mut self, _out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        self.room_for_another()?;
        let title = self
            .several
            .then(|| point.view.graph.describe_point(point.values));
        let prefix = format!("p{}-", self.panels.len());
        self.panels.push(svg::panel(
            &point.view,
            title.as_deref(),
            &prefix,
            self.layout,
        ));
        Ok(())
    }

    fn failed(&mut self, _out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        self.room_for_another()?;
        let title = point.graph.describe_point(point.values);
        let prefix = format!("p{}-", self.panels.len());
        let message = point.error.kind.to_string();
        self.panels
            .push(svg::failed_panel(&title, &message, &prefix));
        Ok(())
    }

    /// Written even after an error, so that the file is a whole picture of
    /// the points before it; nothing when no point came.
    fn end(&mut self, out: &mut dyn Write, _points: usize, complete: bool) -> Result<()> {
        if complete || !self.panels.is_empty() {
            svg::write_document(out, &self.panels)?;
        }
        Ok(())
    }
}

/// Nothing at all (`--quiet`): the exit code is the answer.
pub struct Quiet;

impl Sink for Quiet {
    fn point(&mut self, _out: &mut dyn Write, _point: &Point<'_>) -> Result<()> {
        Ok(())
    }
}

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

/// Teaching output: `--explain`, `--expect` and `--gradcheck`, in that
/// order at each point, then one line with the count of correct checks.
pub struct Checks {
    pub explain: bool,
    pub color: bool,
    several: bool,
    header: Option<Header>,
    checks: usize,
    failed: usize,
}

impl Checks {
    pub fn new(explain: bool, color: bool) -> Self {
        Checks {
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
            let actual = number::format(c.actual);
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

impl Sink for Checks {
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
