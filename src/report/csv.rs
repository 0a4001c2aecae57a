//! `--format csv` pieces: quoting, and the row of the batch engine's fast
//! path (the variables, the output's value, then `d<output>/dv` for every
//! variable). The sink ([`Csv`]) writes headers and other rows.

use crate::batch::Row;
use crate::error::Result;
use crate::number;
use crate::points::Header;
use crate::report::log::{LogEnd, LogFrame, LogSink, StepRecord};
use crate::report::sink::RowRenderer;
use crate::report::sink::{Failed, Frame, Point, Sink};
use std::io::Write;

/// Quotes a cell when CSV needs it (a comma, a quote, a line break).
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Appends one point's row to `line`: the variables and the gradient in
/// `order` (the file's), the output between them; empty cells for a row
/// that could not be evaluated.
pub fn push_row(line: &mut String, row: &Row<'_>, order: &[usize]) {
    for &v in order {
        number::write(line, row.point[v]);
        line.push(',');
    }
    if row.error.is_some() {
        line.push_str(&",".repeat(order.len()));
        line.push('\n');
        return;
    }
    number::write(line, row.value);
    for &v in order {
        line.push(',');
        number::write(line, row.grads[v]);
    }
    line.push('\n');
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
    /// The variables in the order of the gradient columns (none for a
    /// tensor output).
    order: Vec<usize>,
    /// How many value columns: 1, or a tensor output's elements.
    outputs: usize,
    tensor_output: bool,
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
        computed: Option<(Vec<f64>, Vec<f64>)>,
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
                        None => line.push_str(&field(cell)),
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
            Some((values, grads)) => {
                for value in values {
                    line.push(',');
                    number::write(line, value);
                }
                for &v in &self.order {
                    line.push(',');
                    number::write(line, grads[v]);
                }
            }
            None => line.push_str(&",".repeat(self.outputs + self.order.len())),
        }
        for &pass in passes {
            line.push_str(if pass { ",true" } else { ",false" });
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        Ok(())
    }
}

/// The header's names: the input's columns (or the variables), then the
/// output, its gradient in `order`, a `pass:TARGET` a check and `passed`.
/// No two columns share a name: a computed one that meets an input column
/// (a class's answer column `L`) is `computed:L`, a second check of one
/// target `pass:L (2)`.
pub fn column_names(
    graph: &crate::graph::Graph,
    header: Option<&Header>,
    order: &[usize],
    targets: &[String],
    judged: bool,
) -> Vec<String> {
    let mut names = UniqueNames::new(match header {
        Some(header) => header.names.clone(),
        None => graph.variables().to_vec(),
    });
    let f = graph.name(graph.output()).to_string();
    let mut computed = match graph.output_group() {
        // A tensor output: a column an element (`h[0]`), no gradient.
        Some(group) => group
            .nodes
            .iter()
            .map(|&n| graph.name(n).to_string())
            .collect(),
        None => vec![f.clone()],
    };
    computed.extend(
        order
            .iter()
            .map(|&v| format!("d{f}/d{}", graph.variables()[v])),
    );
    computed.extend(targets.iter().map(|t| format!("pass:{t}")));
    if judged {
        computed.push("passed".into());
    }
    for name in computed {
        names.push(name);
    }
    names.names
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
        self.outputs = graph.output_group().map_or(1, |g| g.nodes.len());
        if graph.tensor_output().is_some() {
            self.order.clear();
            self.tensor_output = true;
        }
        let names = column_names(graph, frame.header, &self.order, &self.targets, self.judged);
        let header: Vec<String> = names.iter().map(|n| field(n)).collect();
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
        let values = match g.output_group() {
            Some(group) => group.nodes.iter().map(|&n| point.view.value(n)).collect(),
            None => vec![point.view.output_value()],
        };
        let computed = Some((values, grads));
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
        // Rows with checks, or with columns to pass through, go one by one;
        // so do a tensor output's.
        if self.judged
            || self.tensor_output
            || self.header.as_ref().is_some_and(|h| {
                h.variable.contains(&None) || h.variable_order().len() != self.order.len()
            })
        {
            return None;
        }
        let order = self.order.clone();
        Some(Box::new(move |row: &Row<'_>, line: &mut String| {
            push_row(line, row, &order)
        }))
    }
}

/// The training log as CSV: a header, a row a step (exact numbers), and a
/// `final` row with the parameters after the last update.
pub struct CsvLog;

impl LogSink for CsvLog {
    fn begin(&mut self, frame: &LogFrame<'_>, text: &mut Vec<u8>) {
        let mut cells = vec!["step".to_string()];
        if frame.dataset {
            cells.push("epoch".into());
        }
        cells.push("loss".into());
        cells.extend(frame.names.iter().map(|n| n.to_string()));
        let output = frame.output;
        cells.extend(frame.names.iter().map(|n| format!("d{output}/d{n}")));
        let cells: Vec<String> = cells.iter().map(|c| field(c)).collect();
        text.extend_from_slice(cells.join(",").as_bytes());
        text.push(b'\n');
    }

    fn step(&mut self, frame: &LogFrame<'_>, r: &StepRecord<'_>, text: &mut Vec<u8>) {
        let mut cells = vec![r.step.to_string()];
        if frame.dataset {
            cells.push(r.epoch.to_string());
        }
        cells.push(number::format(r.loss));
        cells.extend(r.params.iter().map(|&x| number::format(x)));
        cells.extend(r.grads.iter().map(|&x| number::format(x)));
        text.extend_from_slice(cells.join(",").as_bytes());
        text.push(b'\n');
    }

    fn end(&mut self, frame: &LogFrame<'_>, end: &LogEnd<'_>, text: &mut Vec<u8>) {
        // The final row: no step, no gradient (none was computed there).
        let mut cells = vec!["final".to_string()];
        if frame.dataset {
            cells.push(String::new());
        }
        cells.push(number::format(end.loss));
        cells.extend(end.params.iter().map(|&x| number::format(x)));
        cells.extend(end.params.iter().map(|_| String::new()));
        text.extend_from_slice(cells.join(",").as_bytes());
        text.push(b'\n');
    }
}

/// Several outputs (`--of p1,p2`) in one CSV: the point's own columns
/// (the variables, or a CSV row's cells), then each output's value, its
/// gradient over every variable of the outputs (0 for one it does not
/// use: a row of the Jacobian) and its `pass:` columns, then `passed`.
pub struct Outputs {
    /// For each output, for each gradient column, its variable in that
    /// output's graph.
    columns: Vec<Vec<Option<usize>>>,
    line: String,
}

/// One output's part of a point: its point, or none (the row could not be
/// evaluated: empty cells, its checks failed).
pub struct OutputPart<'a> {
    pub point: Option<Point<'a>>,
    pub checks: usize,
}

impl Outputs {
    /// The header line, and the writer of rows. `leading` are the point's
    /// own columns; `variables` the gradient's columns, in order; each
    /// output with its `--expect` targets.
    pub fn new(
        leading: &[String],
        variables: &[String],
        outputs: &[(&crate::graph::Graph, &[String])],
        judged: bool,
    ) -> (String, Self) {
        let mut names = UniqueNames::new(leading.to_vec());
        let mut columns = Vec::with_capacity(outputs.len());
        for (graph, targets) in outputs {
            let f = graph.name(graph.output()).to_string();
            names.push(f.clone());
            for v in variables {
                names.push(format!("d{f}/d{v}"));
            }
            for t in *targets {
                names.push(format!("pass:{t}"));
            }
            let position: rustc_hash::FxHashMap<&str, usize> = graph
                .variables()
                .iter()
                .enumerate()
                .map(|(i, g)| (g.as_str(), i))
                .collect();
            columns.push(
                variables
                    .iter()
                    .map(|v| position.get(v.as_str()).copied())
                    .collect(),
            );
        }
        if judged {
            names.push("passed".into());
        }
        let header: Vec<String> = names.names.iter().map(|n| field(n)).collect();
        let line = String::new();
        (header.join(","), Outputs { columns, line })
    }

    /// One point's line (without its line break).
    pub fn row(
        &mut self,
        leading: &[&str],
        parts: &[OutputPart<'_>],
        passed: Option<bool>,
    ) -> &str {
        let line = &mut self.line;
        line.clear();
        for (i, cell) in leading.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&field(cell));
        }
        for (part, columns) in parts.iter().zip(&self.columns) {
            if !line.is_empty() || !leading.is_empty() {
                line.push(',');
            }
            match &part.point {
                Some(p) => {
                    let graph = p.view.graph;
                    number::write(line, p.view.output_value());
                    for v in columns {
                        line.push(',');
                        match v {
                            Some(v) => number::write(line, p.view.grad(graph.variable_node(*v))),
                            None => line.push('0'),
                        }
                    }
                    for c in p.checks {
                        line.push_str(if c.passed { ",true" } else { ",false" });
                    }
                }
                None => {
                    line.push_str(&",".repeat(columns.len()));
                    line.push_str(&",false".repeat(part.checks));
                }
            }
        }
        if let Some(passed) = passed {
            line.push_str(if passed { ",true" } else { ",false" });
        }
        line
    }
}

/// A header's names as they are added, each made unique: a computed
/// column that meets an input column (a class's answer column `L`) is
/// `computed:L`, a second check of one target `pass:L (2)`. The names are
/// also kept in a set: a network's header has 10⁵ columns.
struct UniqueNames {
    names: Vec<String>,
    seen: rustc_hash::FxHashSet<String>,
}

impl UniqueNames {
    fn new(names: Vec<String>) -> Self {
        let seen = names.iter().cloned().collect();
        UniqueNames { names, seen }
    }

    fn push(&mut self, name: String) {
        let mut unique = name.clone();
        if self.seen.contains(&unique) && !name.starts_with("pass:") {
            unique = format!("computed:{name}");
        }
        let mut k = 2;
        while self.seen.contains(&unique) {
            unique = format!("{name} ({k})");
            k += 1;
        }
        self.seen.insert(unique.clone());
        self.names.push(unique);
    }
}
