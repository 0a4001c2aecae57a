//! `--format dot`: a Graphviz digraph. One record per node (name, operation
//! and definition, value, gradient); edges from inputs to their uses.

use super::View;
use crate::graph::Kind;
use std::io::{self, Write};

/// Escapes text for a record label: `{ } | < >` and quotes are structure.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '{' | '}' | '|' | '<' | '>' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A node's identifier: its name, quoted.
fn id_of(view: &View<'_>, id: crate::NodeId) -> String {
    format!(
        "\"{}\"",
        view.graph
            .name(id)
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    )
}

/// One digraph; `label` titles it (the point, when there are several).
pub fn write(out: &mut dyn Write, view: &View<'_>, label: Option<&str>) -> io::Result<()> {
    let g = view.graph;
    let f = view.output_name();
    writeln!(out, "digraph autograd {{")?;
    writeln!(out, "  rankdir=LR;")?;
    if let Some(label) = label {
        writeln!(out, "  label=\"{}\"; labelloc=t;", escape(label))?;
    }
    writeln!(
        out,
        "  node [shape=record, fontname=\"Helvetica\", fontsize=11];"
    )?;
    for id in g.shown() {
        let what = match g.kind(id) {
            Kind::Var(_) => "var".to_string(),
            _ => format!("{}: {}", g.op_name(id), g.definition(id)),
        };
        let style = if id == g.output() { ", style=bold" } else { "" };
        writeln!(
            out,
            "  {} [label=\"{name} | {} | value {} | ∂{}/∂{name} = {}\"{style}];",
            id_of(view, id),
            escape(&what),
            escape(&view.num(view.value(id))),
            escape(&f),
            escape(&view.num(view.grad(id))),
            name = escape(&g.name(id).to_string()),
        )?;
    }
    for id in g.shown() {
        for &input in g.inputs(id) {
            if g.is_shown(input) {
                writeln!(out, "  {} -> {};", id_of(view, input), id_of(view, id))?;
            }
        }
    }
    writeln!(out, "}}")
}
