//! `--format csv`: one row per point — the variables, the output's value,
//! then `d<output>/dv` for every variable.

use super::View;
use crate::batch::Row;
use crate::graph::Graph;
use crate::number;
use std::io::{self, Write};

/// The header; `extra` names columns after the computed ones.
pub fn write_header(out: &mut dyn Write, graph: &Graph, extra: &[&str]) -> io::Result<()> {
    let f = graph.name(graph.output()).to_string();
    let mut line = String::new();
    for v in graph.variables() {
        line.push_str(&field(v));
        line.push(',');
    }
    line.push_str(&field(&f));
    for v in graph.variables() {
        line.push(',');
        line.push_str(&field(&format!("d{f}/d{v}")));
    }
    for e in extra {
        line.push(',');
        line.push_str(&field(e));
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// Quotes a header field when CSV needs it (names are identifiers, but
/// being safe costs nothing).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One point's row, then the `extra` cells. `line` is a reused buffer.
pub fn write_row(
    out: &mut dyn Write,
    view: &View<'_>,
    point: &[f64],
    extra: &[&str],
    line: &mut String,
) -> io::Result<()> {
    let g = view.graph;
    let grads: Vec<f64> = (0..g.variables().len())
        .map(|v| view.grad(g.variable_node(v)))
        .collect();
    line.clear();
    push_row(
        line,
        &Row {
            point,
            value: view.output_value(),
            grads: &grads,
        },
    );
    if !extra.is_empty() {
        line.pop();
        for e in extra {
            line.push(',');
            line.push_str(&field(e));
        }
        line.push('\n');
    }
    out.write_all(line.as_bytes())
}

/// Appends one point's row to `line`: the variables, the output, the gradient.
pub fn push_row(line: &mut String, row: &Row<'_>) {
    for &x in row.point {
        number::write(line, x);
        line.push(',');
    }
    number::write(line, row.value);
    for &g in row.grads {
        line.push(',');
        number::write(line, g);
    }
    line.push('\n');
}
