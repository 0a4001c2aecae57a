//! `--format json` (README, "JSON"): one object per point, an array for
//! several. Written as it goes, one line per node, with no document held in
//! memory. Integral values print as integers (`136`), others in the
//! shortest exact form; a non-finite number is `null` with an entry in
//! `warnings`.

use super::View;
use crate::graph::{Kind, NodeId};
use std::io::{self, Write};

/// Appends `x` as JSON: an integer when integral, else the shortest form
/// that reads back exactly; `null` when not finite.
pub fn push_number(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        // -0 is shown as 0, as in the table.
        out.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
    } else if x.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Appends `text` as a JSON string.
pub fn push_string(out: &mut Vec<u8>, text: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// `{"name": …, "op": …, "expr": …, "inputs": […], "value": …, "grad": …}`
fn push_node(out: &mut Vec<u8>, view: &View<'_>, id: NodeId, text: &mut String) {
    let g = view.graph;
    text.clear();
    g.write_name(text, id);
    out.extend_from_slice(b"{\"name\": ");
    push_string(out, text);
    out.extend_from_slice(b", \"op\": ");
    push_string(out, g.op_name(id));
    out.extend_from_slice(b", \"expr\": ");
    if !matches!(g.kind(id), Kind::Var(_)) {
        text.clear();
        g.write_definition(text, id);
    }
    push_string(out, text);
    out.extend_from_slice(b", \"inputs\": [");
    let mut first = true;
    for &j in g.inputs(id).iter().filter(|&&j| g.is_shown(j)) {
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        text.clear();
        g.write_name(text, j);
        push_string(out, text);
    }
    out.extend_from_slice(b"], \"value\": ");
    push_number(out, view.value(id));
    out.extend_from_slice(b", \"grad\": ");
    push_number(out, view.grad(id));
    out.push(b'}');
}

/// The node lines, in order. A big graph's lines are formatted on all
/// cores, a chunk at a time, so memory stays a few MB.
fn write_nodes(
    out: &mut dyn Write,
    view: &View<'_>,
    ids: &[NodeId],
    indent: &[u8],
) -> io::Result<()> {
    const CHUNK: usize = 1 << 15;
    let threads = match ids.len() {
        n if n < CHUNK => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
    };
    let last = ids.len().saturating_sub(1);
    let format = |first: usize, part: &[NodeId]| {
        let mut buf = Vec::with_capacity(part.len() * 128);
        let mut text = String::new();
        for (k, &id) in part.iter().enumerate() {
            buf.extend_from_slice(indent);
            buf.extend_from_slice(b"    ");
            push_node(&mut buf, view, id, &mut text);
            buf.extend_from_slice(if first + k < last { b",\n" } else { b"\n" });
        }
        buf
    };
    for (c, chunk) in ids.chunks(CHUNK * threads).enumerate() {
        let first = c * CHUNK * threads;
        if threads == 1 {
            out.write_all(&format(first, chunk))?;
            continue;
        }
        let per = chunk.len().div_ceil(threads);
        let bufs: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per)
                .enumerate()
                .map(|(i, part)| scope.spawn(move || format(first + i * per, part)))
                .collect();
            // A formatting thread cannot panic on valid nodes; if one did,
            // its lines are formatted again here.
            handles
                .into_iter()
                .zip(chunk.chunks(per).enumerate())
                .map(|(h, (i, part))| h.join().unwrap_or_else(|_| format(first + i * per, part)))
                .collect()
        });
        for buf in bufs {
            out.write_all(&buf)?;
        }
    }
    Ok(())
}

/// Writes one point's object: one line per key, and one line per node, then
/// the `extra` keys with their values already rendered. `nested` indents it
/// as an element of the array of several points; the caller writes the
/// brackets and commas between points.
pub fn write_point(
    out: &mut dyn Write,
    view: &View<'_>,
    nested: bool,
    extra: &[(&str, Vec<u8>)],
) -> io::Result<()> {
    let g = view.graph;
    let indent: &[u8] = if nested { b"  " } else { b"" };
    let mut line: Vec<u8> = Vec::with_capacity(256);
    line.extend_from_slice(indent);
    line.extend_from_slice(b"{\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"output\": ");
    push_string(&mut line, &view.output_name());
    line.extend_from_slice(b",\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"value\": ");
    push_number(&mut line, view.output_value());
    line.extend_from_slice(b",\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"gradient\": {");
    for (v, name) in g.variables().iter().enumerate() {
        if v > 0 {
            line.extend_from_slice(b", ");
        }
        push_string(&mut line, name);
        line.extend_from_slice(b": ");
        push_number(&mut line, view.grad(g.variable_node(v)));
    }
    line.extend_from_slice(b"},\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"nodes\": [");
    let shown: Vec<NodeId> = g.shown().collect();
    let any = !shown.is_empty();
    if any {
        line.push(b'\n');
    }
    out.write_all(&line)?;
    write_nodes(out, view, &shown, indent)?;
    line.clear();
    if any {
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ");
    }
    line.push(b']');
    let warnings = view.warnings();
    if !warnings.is_empty() {
        line.extend_from_slice(b",\n");
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  \"warnings\": [\n");
        for (i, w) in warnings.iter().enumerate() {
            line.extend_from_slice(indent);
            line.extend_from_slice(b"    ");
            push_string(&mut line, w);
            line.extend_from_slice(if i + 1 < warnings.len() {
                b",\n"
            } else {
                b"\n"
            });
        }
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ]");
    }
    for (key, value) in extra {
        line.extend_from_slice(b",\n");
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ");
        push_string(&mut line, key);
        line.extend_from_slice(b": ");
        // Values rendered on several lines are indented for their place.
        for (i, part) in value.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                line.push(b'\n');
                line.extend_from_slice(indent);
            }
            line.extend_from_slice(part);
        }
    }
    line.push(b'\n');
    line.extend_from_slice(indent);
    line.push(b'}');
    out.write_all(&line)
}
