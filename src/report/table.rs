//! The default output (README, "Output"): one row per node in evaluation order, then
//! the output's value and its gradient with respect to every variable.

use super::View;
use crate::graph::{Kind, NodeId};
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
