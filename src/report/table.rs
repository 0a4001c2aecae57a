//! The default output (README, "Output"): one row per node in evaluation order, then
//! the output's value and its gradient with respect to every variable.

use super::View;
use crate::error::Result;
use crate::graph::Graph;
use crate::graph::{Kind, NodeId};
use crate::points::Header;
use crate::report::log::{LogEnd, LogFrame, LogSink, StepRecord};
use crate::report::sink::row_id;
use crate::report::sink::{Failed, Frame, Point, Sink};
use crate::report::FormulaSet;
use crate::symbolic::{grad_label, hessian_label};
use owo_colors::{OwoColorize, Style};
use std::io::{self, Write};

pub struct Colors {
    pub enabled: bool,
    pub header: Style,
    pub name: Style,
    pub output: Style,
    pub summary: Style,
}

impl Colors {
    pub fn new(enabled: bool) -> Self {
        if enabled {
            Colors {
                enabled: true,
                header: Style::new().bold().dimmed(),
                name: Style::new().cyan(),
                output: Style::new().bold().green(),
                summary: Style::new().bold(),
            }
        } else {
            Colors {
                enabled: false,
                header: Style::new(),
                name: Style::new(),
                output: Style::new(),
                summary: Style::new(),
            }
        }
    }
}

const GAP: &str = "  ";

pub fn write(out: &mut dyn Write, view: &View<'_>, colors: &Colors) -> io::Result<()> {
    let g = view.graph;
    if !g.groups().is_empty() {
        return write_tensors(out, view, colors);
    }
    let f = view.output_name();
    let headers = ["node", "op", "definition", "value", &format!("∂{f}/∂node")];
    let mut widths: [usize; 5] = std::array::from_fn(|i| width(headers[i]));
    // Every cell is formatted once, into per-part buffers (column widths
    // need all rows before the first is written); big graphs are formatted
    // on all cores, in contiguous parts, then written in order.
    let rows: Vec<NodeId> = g.shown().collect();
    let parts = if rows.len() < 20_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    let chunk = rows.len().div_ceil(parts).max(1);
    let formatted: Vec<Formatted> = if parts == 1 {
        vec![format_rows(view, &rows)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(chunk)
                .map(|part| scope.spawn(move || format_rows(view, part)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| format_rows(view, &[])))
                .collect()
        })
    };
    for part in &formatted {
        for (w, pw) in widths.iter_mut().zip(part.widths) {
            *w = (*w).max(pw);
        }
    }
    let mut line = String::new();
    for (h, w) in headers.iter().zip(widths) {
        pad(&mut line, h, w);
    }
    writeln!(out, "{}", line.trim_end().style(colors.header))?;
    let mut ids = rows.iter();
    for part in &formatted {
        let mut start = 0;
        for (row, &id) in part.ends.chunks_exact(5).zip(&mut ids) {
            line.clear();
            for (&end, w) in row.iter().zip(widths) {
                pad(&mut line, &part.cells[start..end as usize], w);
                start = end as usize;
            }
            let text = line.trim_end();
            if !colors.enabled {
                // Plain text is most of the output of a big graph: no formatting machinery.
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
            } else if id == g.output() {
                writeln!(out, "{}", text.style(colors.output))?;
            } else {
                let split = text
                    .char_indices()
                    .nth(widths[0])
                    .map_or(text.len(), |(i, _)| i);
                let (name, rest) = text.split_at(split);
                writeln!(out, "{}{rest}", name.style(colors.name))?;
            }
        }
    }
    writeln!(out)?;
    let summary = format!("{f} = {}", view.num(view.output_value()));
    writeln!(out, "{}", summary.style(colors.summary))?;
    for v in 0..g.variables().len() {
        let id = g.variable_node(v);
        let line = format!("∂{f}/∂{} = {}", g.name(id), view.num(view.grad(id)));
        writeln!(out, "{}", line.style(colors.summary))?;
    }
    Ok(())
}

/// The table of a graph with vectors and matrices (SPEC §9): one row per
/// tensor, with its shape and compact arrays.
fn write_tensors(out: &mut dyn Write, view: &View<'_>, colors: &Colors) -> io::Result<()> {
    let f = view.output_name();
    let grad = format!("∂{f}/∂node");
    let headers = ["node", "shape", "op", "definition", "value", grad.as_str()];
    let rows = super::tensor::rows(view);
    let mut widths: [usize; 6] = std::array::from_fn(|i| width(headers[i]));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut line = String::new();
    for (h, w) in headers.iter().zip(widths) {
        pad(&mut line, h, w);
    }
    writeln!(out, "{}", line.trim_end().style(colors.header))?;
    for row in &rows {
        line.clear();
        for (cell, w) in row.iter().zip(widths) {
            pad(&mut line, cell, w);
        }
        let text = line.trim_end();
        if row[0] == f {
            writeln!(out, "{}", text.style(colors.output))?;
        } else {
            writeln!(out, "{text}")?;
        }
    }
    writeln!(out)?;
    for l in super::tensor::gradient_lines(view) {
        writeln!(out, "{}", l.style(colors.summary))?;
    }
    Ok(())
}

/// Rows formatted into one buffer: `ends` has each cell's end, five a row.
struct Formatted {
    cells: String,
    ends: Vec<u32>,
    widths: [usize; 5],
}

fn format_rows(view: &View<'_>, rows: &[NodeId]) -> Formatted {
    let mut f = Formatted {
        cells: String::new(),
        ends: Vec::with_capacity(rows.len() * 5),
        widths: [0; 5],
    };
    for &id in rows {
        let mut start = f.cells.len();
        for (column, w) in f.widths.iter_mut().enumerate() {
            fill(view, id, column, &mut f.cells);
            *w = (*w).max(width(&f.cells[start..]));
            f.ends.push(f.cells.len() as u32);
            start = f.cells.len();
        }
    }
    f
}

/// Appends one cell of node `id`'s row.
fn fill(view: &View<'_>, id: NodeId, column: usize, out: &mut String) {
    let g = view.graph;
    match column {
        0 => g.write_name(out, id),
        1 => out.push_str(g.op_name(id)),
        2 if !matches!(g.kind(id), Kind::Var(_)) => g.write_definition(out, id),
        3 => view.write_num(out, view.value(id)),
        4 => view.write_num(out, view.grad(id)),
        _ => {}
    }
}

/// Display width, counting characters (`∂`, `σ` are one column each).
fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn pad(line: &mut String, cell: &str, column: usize) {
    line.push_str(cell);
    line.extend(std::iter::repeat_n(' ', column.saturating_sub(width(cell))));
    line.push_str(GAP);
}

/// The default table; several points each under their heading.
pub struct Table {
    pub colors: Colors,
    several: bool,
    header: Option<Header>,
}

impl Table {
    pub fn new(color: bool) -> Self {
        Table {
            colors: Colors::new(color),
            several: false,
            header: None,
        }
    }
}

/// A blank line between points, and the point's heading, when several;
/// `id` names the row (`ann: at w=0.5, …`).
pub(super) fn heading(
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

/// A failed point in the text outputs: its heading and its error.
pub(super) fn write_failed(
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
        write(out, &point.view, &self.colors)?;
        Ok(())
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        write_failed(out, self.several, point, self.header.as_ref())
    }
}

/// The formulas mode's table: the steps and ∂f/∂v formulas (with their
/// values when there is one point), the Hessian's formulas, then each
/// point's numbers, Hessian and checks.
pub fn formula_set(out: &mut dyn Write, set: &FormulaSet<'_>) -> Result<()> {
    let graph = set.graph;
    let output = &graph.name(graph.output()).to_string();
    let variables = graph.variables();
    let num = |x: f64| crate::number::format_digits(x, set.digits);
    let one = match set.points.as_slice() {
        [one] => Some(one),
        _ => None,
    };
    if set.symbolic {
        if !set.steps_program.is_empty() {
            write!(out, "{}", set.steps_program)?;
            writeln!(out)?;
        }
        for (i, v) in variables.iter().enumerate() {
            write!(out, "{} = {}", grad_label(output, v), set.gradient[i])?;
            if let Some(p) = one {
                write!(out, " = {}", num(p.gradient[i]))?;
            }
            writeln!(out)?;
        }
        if let Some(rows) = &set.hessian {
            writeln!(out)?;
            for (i, u) in variables.iter().enumerate() {
                for (j, v) in variables.iter().enumerate().skip(i) {
                    write!(out, "{} = {}", hessian_label(output, u, v), rows[i][j])?;
                    if let Some(h) = one.and_then(|p| p.hessian.as_ref()) {
                        write!(out, " = {}", num(h[i][j]))?;
                    }
                    writeln!(out)?;
                }
            }
        }
    }
    let several = set.points.len() > 1;
    for p in &set.points {
        if !set.symbolic || several {
            if several {
                writeln!(out)?;
                writeln!(out, "at: {}", p.at)?;
            }
            if !set.symbolic {
                writeln!(out, "{output} = {}", num(p.value))?;
            }
            for (i, v) in variables.iter().enumerate() {
                writeln!(out, "{} = {}", grad_label(output, v), num(p.gradient[i]))?;
            }
            if let Some(h) = &p.hessian {
                writeln!(out)?;
                hessian_matrix(out, output, variables, h, &num)?;
            }
        }
        for c in &p.checks {
            writeln!(
                out,
                "{} {}: expected {}, got {}",
                if c.passed { "passed" } else { "FAILED" },
                c.label,
                c.expected_text,
                num(c.actual)
            )?;
        }
    }
    Ok(())
}

/// A Hessian's numbers as a matrix with the variables as row and column
/// heads, columns aligned.
fn hessian_matrix(
    out: &mut dyn Write,
    output: &str,
    variables: &[String],
    h: &[Vec<f64>],
    num: &dyn Fn(f64) -> String,
) -> Result<()> {
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(variables.len() + 1);
    let mut head = vec![format!("∂²{output}")];
    head.extend(variables.iter().cloned());
    rows.push(head);
    for (i, u) in variables.iter().enumerate() {
        let mut row = vec![u.clone()];
        row.extend(h[i].iter().map(|&x| num(x)));
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if c + 1 < columns {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count()));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The training log as a table, columns padded to one width; with
/// `--explain`, each step's update written out instead of a row.
pub struct TableLog {
    pub explain: bool,
}

impl TableLog {
    fn row(frame: &LogFrame<'_>, cells: &[String], text: &mut Vec<u8>) {
        let width = match frame.digits {
            Some(d) => d + 8,
            None => 22,
        };
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            line.push_str(c);
            if i + 1 < cells.len() {
                let pad = width.saturating_sub(c.chars().count()).max(2);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        line.push('\n');
        text.extend_from_slice(line.as_bytes());
    }
}

impl LogSink for TableLog {
    fn begin(&mut self, frame: &LogFrame<'_>, text: &mut Vec<u8>) {
        if self.explain {
            return;
        }
        let mut cells = vec!["step".to_string()];
        if frame.dataset {
            cells.push("epoch".into());
        }
        cells.push(frame.output.to_string());
        let d = if frame.ascii { "d" } else { "∂" };
        let output = frame.output;
        if !frame.tensors.is_empty() {
            // Tensor parameters (SPEC §9): a number's value and gradient,
            // a tensor's gradient norm; every element is in CSV and JSON.
            let units = crate::report::log::units(frame.names.len(), frame.tensors);
            cells.extend(
                units
                    .iter()
                    .filter_map(|u| u.ok())
                    .map(|k| frame.names[k].to_string()),
            );
            cells.extend(units.iter().map(|u| match u {
                Ok(k) => format!("{d}{output}/{d}{}", frame.names[*k]),
                Err(t) => format!("‖{d}{output}/{d}{}‖", frame.tensors[*t].name),
            }));
            return Self::row(frame, &cells, text);
        }
        cells.extend(frame.names.iter().map(|n| n.to_string()));
        cells.extend(frame.names.iter().map(|n| format!("{d}{output}/{d}{n}")));
        Self::row(frame, &cells, text);
    }

    fn step(&mut self, frame: &LogFrame<'_>, r: &StepRecord<'_>, text: &mut Vec<u8>) {
        if !self.explain {
            let mut cells = vec![r.step.to_string()];
            if frame.dataset {
                cells.push(r.epoch.to_string());
            }
            cells.push(frame.num(r.loss));
            if !frame.tensors.is_empty() {
                let units = crate::report::log::units(frame.names.len(), frame.tensors);
                cells.extend(
                    units
                        .iter()
                        .filter_map(|u| u.ok())
                        .map(|k| frame.num(r.params[k])),
                );
                cells.extend(units.iter().map(|u| match u {
                    Ok(k) => frame.num(r.grads[*k]),
                    Err(t) => {
                        let range = frame.tensors[*t].range.clone();
                        frame.num(r.grads[range].iter().map(|g| g * g).sum::<f64>().sqrt())
                    }
                }));
                return Self::row(frame, &cells, text);
            }
            cells.extend(r.params.iter().map(|&x| frame.num(x)));
            cells.extend(r.grads.iter().map(|&x| frame.num(x)));
            return Self::row(frame, &cells, text);
        }
        let of = match frame.dataset {
            true => format!(" (epoch {}, {} rows)", r.epoch, r.rows),
            false => String::new(),
        };
        let output = frame.output;
        let mut t = format!("step {}{of}: {output} = {}\n", r.step, frame.num(r.loss));
        let grads: Vec<String> = frame
            .names
            .iter()
            .zip(r.grads)
            .map(|(n, &g)| format!("∂{output}/∂{n} = {}", frame.num(g)))
            .collect();
        t.push_str(&format!("  {}\n", grads.join(", ")));
        t.push_str(r.explained);
        text.extend_from_slice(t.as_bytes());
    }

    fn end(&mut self, frame: &LogFrame<'_>, end: &LogEnd<'_>, text: &mut Vec<u8>) {
        let mut t = format!(
            "\nafter the last update: {} = {}\n",
            frame.output,
            frame.num(end.loss)
        );
        for unit in crate::report::log::units(frame.names.len(), frame.tensors) {
            match unit {
                Ok(k) => t.push_str(&format!(
                    "{} = {}\n",
                    frame.names[k],
                    frame.num(end.params[k])
                )),
                Err(i) => {
                    let p = &frame.tensors[i];
                    let array = p.array(&end.params[p.range.clone()], |x| frame.num(x));
                    t.push_str(&format!("{} = {array}\n", p.name));
                }
            }
        }
        t.push_str(&format!("--at {}\n", end.at));
        text.extend_from_slice(t.as_bytes());
    }
}
