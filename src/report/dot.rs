//! `--format dot`: a Graphviz digraph. One record per node (name, operation
//! and definition, value, gradient); edges from inputs to their uses.

use super::View;
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
pub fn write(
    out: &mut dyn Write,
    view: &View<'_>,
    label: Option<&str>,
    direction: Option<super::layout::Direction>,
) -> io::Result<()> {
    let g = view.graph;
    let f = view.output_name();
    writeln!(out, "digraph autograd {{")?;
    let across = direction != Some(super::layout::Direction::Tb);
    writeln!(out, "  rankdir={};", if across { "LR" } else { "TB" })?;
    if let Some(label) = label {
        writeln!(out, "  label=\"{}\"; labelloc=t;", escape(label))?;
    }
    writeln!(
        out,
        "  node [shape=record, fontname=\"Helvetica\", fontsize=11];"
    )?;
    for id in g.shown() {
        let l = view.node_label(id);
        let style = if id == g.output() { ", style=bold" } else { "" };
        writeln!(
            out,
            "  {} [label=\"{name} | {} | value {} | ∂{}/∂{name} = {}\"{style}];",
            id_of(view, id),
            escape(&l.what),
            escape(&l.value),
            escape(&f),
            escape(&l.grad),
            name = escape(&l.name),
        )?;
    }
    for (input, id) in view.edges() {
        writeln!(out, "  {} -> {};", id_of(view, input), id_of(view, id))?;
    }
    writeln!(out, "}}")
}
