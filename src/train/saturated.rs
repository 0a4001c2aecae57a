//! Why a training loss stopped at ln(0): a sigmoid that rounded to exactly
//! 1 or 0 in float64 (σ(37) = 1), the lecture's loss `-y*ln(yhat) -
//! (1-y)*ln(1-yhat)` then takes a log of 0. A smaller learning rate only
//! delays that; the same loss written with logits does not have it.

use crate::graph::{Graph, NodeId};
use crate::ops::Op;

/// The help for a loss that is not finite at node `id`, whose inputs'
/// values are in `values` (the nodes before `id`): the cause and the
/// finite way to write the loss when a log's argument is exactly 0 because
/// a sigmoid upstream saturated; `None` otherwise.
pub fn help(graph: &Graph, values: &[f64], id: NodeId) -> Option<String> {
    let op = graph.op(id)?;
    if !matches!(op, Op::Ln | Op::Log | Op::Log2 | Op::Log10) {
        return None;
    }
    let arg = *graph.inputs(id).first()?;
    if values.get(arg as usize) != Some(&0.0) {
        return None;
    }
    // The saturated sigmoid the log's argument comes from (no recursion:
    // a stack over the argument's inputs).
    let mut stack = vec![arg];
    let mut seen = vec![false; values.len()];
    let mut sigmoid = None;
    while let Some(n) = stack.pop() {
        let Some(slot) = seen.get_mut(n as usize) else {
            continue;
        };
        if std::mem::replace(slot, true) {
            continue;
        }
        let v = values[n as usize];
        if graph.op(n) == Some(Op::Sigmoid) && (v == 1.0 || v == 0.0) {
            sigmoid = Some((n, v));
            break;
        }
        stack.extend_from_slice(graph.inputs(n));
    }
    let (s, v) = sigmoid?;
    let z = match graph.inputs(s).first() {
        Some(&a) if graph.op(a).is_some() && !graph.is_named(a) => {
            format!("({})", graph.definition(a))
        }
        Some(&a) => graph.name(a).to_string(),
        None => "z".to_string(),
    };
    let (loss, y) = (graph.name(graph.output()), label(graph, s));
    Some(format!(
        "training stops here; the log so far shows the steps before. {} = {} rounded to exactly {} \
         in float64, so {} = {} is a log of 0 (a smaller --lr only delays it): the same loss \
         written with logits, `{loss} = softplus({z}) - {y}*{z}`, or with logsigmoid, \
         `{loss} = -({y}*logsigmoid({z}) + (1-{y})*logsigmoid(-{z}))`, stays finite",
        graph.name(s),
        graph.definition(s),
        crate::number::format(v),
        graph.name(id),
        graph.definition(id),
    ))
}

/// The label's name in the forms suggested: the one variable the loss uses
/// that does not feed the sigmoid `s` (`y` in the lecture's loss); `y`
/// when there is not exactly one.
fn label(graph: &Graph, s: NodeId) -> String {
    let mut feeds = vec![false; graph.len()];
    let mut stack = vec![s];
    while let Some(n) = stack.pop() {
        if let Some(slot) = feeds.get_mut(n as usize) {
            if !std::mem::replace(slot, true) {
                stack.extend_from_slice(graph.inputs(n));
            }
        }
    }
    let mut others = (0..graph.variables().len()).filter(|&v| {
        !feeds
            .get(graph.variable_node(v) as usize)
            .copied()
            .unwrap_or(true)
    });
    match (others.next(), others.next()) {
        (Some(v), None) => graph.variables()[v].clone(),
        _ => "y".to_string(),
    }
}
