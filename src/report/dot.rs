//! `--format dot`: a Graphviz digraph. One record per node (name, operation
//! and definition, value, gradient); edges from inputs to their uses.

use super::View;
use crate::error::Result;
use crate::report::sink::{Frame, Point, Sink};
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
    for id in view.picture_nodes() {
        let l = view.picture_label(id);
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
    for (input, id) in view.picture_edges() {
        writeln!(out, "  {} -> {};", id_of(view, input), id_of(view, id))?;
    }
    writeln!(out, "}}")
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
        write(out, &point.view, label.as_deref(), self.layout)?;
        Ok(())
    }
}
