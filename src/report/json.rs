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
