//! `--format json` (SPEC §4): one object per point, an array for several.
//! Integral values print as integers (`136`), others in the shortest exact
//! form; a non-finite number is `null` with an entry in `warnings`.

use super::View;
use crate::graph::Kind;
use serde_json::{json, Map, Number, Value};

pub fn number(x: f64) -> Value {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        // -0 is shown as 0, as in the table.
        Value::Number(Number::from(x as i64))
    } else {
        Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

pub fn value(view: &View<'_>) -> Value {
    let g = view.graph;
    let mut gradient = Map::new();
    for v in 0..g.variables().len() {
        let id = g.variable_node(v);
        gradient.insert(g.variables()[v].clone(), number(view.grad(id)));
    }
    let nodes: Vec<Value> = g
        .shown()
        .map(|id| {
            let inputs: Vec<Value> = g
                .inputs(id)
                .iter()
                .filter(|&&j| g.is_shown(j))
                .map(|&j| Value::String(g.name(j).to_string()))
                .collect();
            let expr = match g.kind(id) {
                Kind::Var(_) => g.name(id).to_string(),
                _ => g.definition(id),
            };
            json!({
                "name": g.name(id).to_string(),
                "op": g.op_name(id),
                "expr": expr,
                "inputs": inputs,
                "value": number(view.value(id)),
                "grad": number(view.grad(id)),
            })
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("output".into(), Value::String(view.output_name()));
    obj.insert("value".into(), number(view.output_value()));
    obj.insert("gradient".into(), Value::Object(gradient));
    obj.insert("nodes".into(), Value::Array(nodes));
    let warnings = view.warnings();
    if !warnings.is_empty() {
        obj.insert(
            "warnings".into(),
            Value::Array(warnings.into_iter().map(Value::String).collect()),
        );
    }
    Value::Object(obj)
}

/// Compact JSON with a space after `:` and `,` (`{"x": 16, "y": 48}`), the
/// layout of the SPEC's examples.
struct Spaced;

/// `, ` before every element but the first.
fn separator<W: ?Sized + std::io::Write>(writer: &mut W, first: bool) -> std::io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

fn write_spaced(out: &mut impl std::io::Write, value: &Value) -> std::io::Result<()> {
    use serde::Serialize as _;
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Spaced);
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// Writes one point's object: one line per key, and one line per node.
/// `nested` indents it as an element of the array of several points; the
/// caller writes the brackets and commas, so points stream one at a time.
pub fn write_point(
    out: &mut impl std::io::Write,
    point: &Value,
    nested: bool,
) -> std::io::Result<()> {
    let indent = if nested { "  " } else { "" };
    let Value::Object(map) = point else {
        return write_spaced(out, point);
    };
    writeln!(out, "{indent}{{")?;
    for (k, (key, value)) in map.iter().enumerate() {
        write!(out, "{indent}  ")?;
        write_spaced(out, &Value::String(key.clone()))?;
        out.write_all(b": ")?;
        match value {
            Value::Array(items) if !items.is_empty() && (key == "nodes" || key == "warnings") => {
                out.write_all(b"[\n")?;
                for (j, item) in items.iter().enumerate() {
                    write!(out, "{indent}    ")?;
                    write_spaced(out, item)?;
                    out.write_all(if j + 1 < items.len() { b",\n" } else { b"\n" })?;
                }
                write!(out, "{indent}  ]")?;
            }
            other => write_spaced(out, other)?,
        }
        out.write_all(if k + 1 < map.len() { b",\n" } else { b"\n" })?;
    }
    write!(out, "{indent}}}")
}
