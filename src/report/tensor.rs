//! Vectors and matrices in the output (SPEC §9): a graph with groups (named
//! tensors of scalar nodes) shows one row per tensor, its value and
//! gradient as compact arrays, `∂L/∂W` as a nested array of W's shape, and
//! in JSON a `"tensors"` key with nested arrays and `"shape"`. A graph
//! without groups never comes here: scalar output is unchanged.

use super::View;
use crate::graph::{Group, NodeId, Row};
use crate::number;

/// Significant digits of the table's compact arrays (`[0.462, 0.848]`),
/// unless `--digits` says otherwise.
const COMPACT_DIGITS: usize = 3;

/// `[1, 2]` or `[[1, 2], [3, 4]]` of each element's `num`.
pub fn array(group: &Group, mut num: impl FnMut(NodeId) -> String) -> String {
    nest(
        group.nodes.iter().map(|&id| num(id)).collect(),
        &group.shape,
    )
}

pub use crate::graph::nest;

/// More elements than this and [`summary`] shows each long axis's ends
/// only, as NumPy prints (its `threshold` and `edgeitems`).
const SUMMARY_THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

/// [`array()`] for a person to read (the table, `--explain`, pictures): a
/// tensor of more than 1,000 elements shows the first and last 3 of each
/// longer axis around `…`, as NumPy prints it, so a 784×64 matrix is one
/// readable cell and not 330 KB. JSON, CSV and the `∂L/∂W` lines keep
/// every element.
pub fn summary(group: &Group, mut num: impl FnMut(NodeId) -> String) -> String {
    if group.nodes.len() <= SUMMARY_THRESHOLD {
        return array(group, num);
    }
    let kept = |n: usize| -> Vec<Option<usize>> {
        match n > 2 * EDGE_ITEMS {
            true => (0..EDGE_ITEMS)
                .map(Some)
                .chain([None])
                .chain((n - EDGE_ITEMS..n).map(Some))
                .collect(),
            false => (0..n).map(Some).collect(),
        }
    };
    let mut row = |r: usize, columns: usize| -> String {
        let cells: Vec<String> = kept(columns)
            .into_iter()
            .map(|c| match c {
                Some(c) => num(group.nodes[r * columns + c]),
                None => "…".to_string(),
            })
            .collect();
        format!("[{}]", cells.join(", "))
    };
    match *group.shape.as_slice() {
        [rows, columns] if columns > 0 => {
            let lines: Vec<String> = kept(rows)
                .into_iter()
                .map(|r| match r {
                    Some(r) => row(r, columns),
                    None => "…".to_string(),
                })
                .collect();
            format!("[{}]", lines.join(", "))
        }
        _ => row(0, group.nodes.len()),
    }
}

/// The compact form of a number in a table's array.
fn compact(view: &View<'_>, x: f64) -> String {
    number::format_digits(x, Some(view.digits.unwrap_or(COMPACT_DIGITS)))
}

/// The rows of the table ([`crate::graph::Graph::rows`]): a tensor where
/// its last element is, every other shown node as it is. Each row is
/// `(name, shape, op, definition, value, gradient)`.
pub fn rows(view: &View<'_>) -> Vec<[String; 6]> {
    let g = view.graph;
    let mut out = Vec::new();
    for row in g.rows() {
        match row {
            Row::Node(id) => {
                let definition = match g.kind(id) {
                    crate::graph::Kind::Var(_) => String::new(),
                    _ => g.definition(id),
                };
                out.push([
                    g.name(id).to_string(),
                    String::new(),
                    g.op_name(id).to_string(),
                    definition,
                    view.num(view.value(id)),
                    view.num(view.grad(id)),
                ]);
            }
            Row::Group(i) => {
                let group = &g.groups()[i];
                out.push([
                    group.name.clone(),
                    crate::graph::shape_text(&group.shape),
                    group.op.to_string(),
                    group.definition.clone().unwrap_or_default(),
                    summary(group, |n| compact(view, view.value(n))),
                    summary(group, |n| compact(view, view.grad(n))),
                ]);
            }
        }
    }
    out
}

/// The lines under the table: the output's value, then `∂L/∂v` for each
/// variable, a tensor variable once, as an array of its shape.
pub fn gradient_lines(view: &View<'_>) -> Vec<String> {
    let g = view.graph;
    if let Some(group) = g.output_group() {
        // A tensor output: its value, no gradients (they need a loss).
        let value = array(group, |n| view.num(view.value(n)));
        return vec![format!("{} = {value}", group.name)];
    }
    let f = view.output_name();
    let mut lines = vec![format!("{f} = {}", view.num(view.output_value()))];
    let mut seen = vec![false; g.groups().len()];
    for v in 0..g.variables().len() {
        let id = g.variable_node(v);
        match g.group_of(id) {
            Some(i) if seen[i] => {}
            Some(i) => {
                seen[i] = true;
                let group = &g.groups()[i];
                let grads = array(group, |n| view.num(view.grad(n)));
                lines.push(format!("∂{f}/∂{} = {grads}", group.name));
            }
            None => lines.push(format!(
                "∂{f}/∂{} = {}",
                g.name(id),
                view.num(view.grad(id))
            )),
        }
    }
    lines
}

/// A number as JSON writes it.
pub fn json_number(x: f64) -> String {
    let mut b = Vec::new();
    super::json::push_number(&mut b, x);
    String::from_utf8_lossy(&b).into_owned()
}

/// JSON's `"tensors"`: each named tensor's shape, value and gradient as
/// nested arrays, full digits (no gradient for a tensor output's run).
pub fn json(view: &View<'_>) -> Vec<u8> {
    let g = view.graph;
    let mut out = Vec::new();
    out.extend_from_slice(b"[\n");
    let last = g.groups().len().saturating_sub(1);
    for (i, group) in g.groups().iter().enumerate() {
        out.extend_from_slice(b"    {\"name\": ");
        super::json::push_string(&mut out, &group.name);
        out.extend_from_slice(b", \"op\": ");
        super::json::push_string(&mut out, group.op);
        out.extend_from_slice(b", \"expr\": ");
        super::json::push_string(&mut out, group.definition.as_deref().unwrap_or_default());
        let shape: Vec<String> = group.shape.iter().map(|d| d.to_string()).collect();
        out.extend_from_slice(format!(", \"shape\": [{}]", shape.join(", ")).as_bytes());
        let json_num = |x: f64| {
            let mut b = Vec::new();
            super::json::push_number(&mut b, x);
            String::from_utf8_lossy(&b).into_owned()
        };
        let value = array(group, |n| json_num(view.value(n)));
        out.extend_from_slice(format!(", \"value\": {value}").as_bytes());
        if g.tensor_output().is_none() {
            let grad = array(group, |n| json_num(view.grad(n)));
            out.extend_from_slice(format!(", \"grad\": {grad}").as_bytes());
        }
        out.push(b'}');
        out.extend_from_slice(if i < last { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"  ]");
    out
}
