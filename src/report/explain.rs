//! `--explain`: the two passes written out as the lecture writes them.
//!
//! Forward, in evaluation order: `g1 = 2*x = 2·4 = 8`. Backward, in reverse
//! order, each node's gradient from its uses:
//! `∂f/∂g1 = ∂f/∂g4 · ∂g4/∂g1 = 8 · 1 = 8`, a sum where a node has several
//! uses (the copy gate), and the gate's rule named. Linear in the graph: the
//! uses of every node and every local derivative are found once.

use super::View;
use crate::graph::{Kind, NodeId};
use std::io::{self, Write};

pub fn write(out: &mut impl Write, view: &View<'_>) -> io::Result<()> {
    let g = view.graph;
    let values = &view.eval.values;
    let f = view.output_name();
    let mut line = String::new();

    writeln!(out, "forward pass (values flow from the inputs to {f})")?;
    for id in g.shown() {
        line.clear();
        line.push_str("  ");
        g.write_name(&mut line, id);
        match g.kind(id) {
            Kind::Var(_) => {}
            _ => {
                line.push_str(" = ");
                g.write_definition(&mut line, id);
                let mut substituted = String::new();
                g.write_substituted(&mut substituted, id, values, view.digits);
                let definition = &line[line.rfind(" = ").map_or(0, |i| i + 3)..];
                // `g2 = -y = -1 = -1` says the same thing twice.
                if substituted != definition && substituted != view.num(view.value(id)) {
                    line.push_str(" = ");
                    line.push_str(&substituted);
                }
            }
        }
        line.push_str(" = ");
        view.write_num(&mut line, view.value(id));
        writeln!(out, "{line}")?;
    }

    // Uses of every node (user, slot), and every local derivative, aligned
    // with the inputs: one pass each.
    let n = g.len();
    let mut starts = Vec::with_capacity(n + 1);
    let mut locals: Vec<f64> = Vec::new();
    let mut use_count = vec![0u32; n + 1];
    for id in 0..n as NodeId {
        starts.push(locals.len());
        let ins = g.inputs(id);
        let at = locals.len();
        locals.resize(at + ins.len(), 0.0);
        g.local_derivatives(id, values, &mut locals[at..]);
        for &j in ins {
            use_count[j as usize + 1] += 1;
        }
    }
    starts.push(locals.len());
    for i in 1..use_count.len() {
        use_count[i] += use_count[i - 1];
    }
    let mut fill = use_count.clone();
    let mut uses = vec![(0 as NodeId, 0usize); locals.len()];
    for id in 0..n as NodeId {
        for (slot, &j) in g.inputs(id).iter().enumerate() {
            uses[fill[j as usize] as usize] = (id, starts[id as usize] + slot);
            fill[j as usize] += 1;
        }
    }

    writeln!(out)?;
    writeln!(
        out,
        "backward pass (gradients flow from {f} back to the inputs)"
    )?;
    let output = g.output();
    for id in (0..n as NodeId).rev().filter(|&id| g.is_shown(id)) {
        line.clear();
        line.push_str("  ∂");
        line.push_str(&f);
        line.push_str("/∂");
        g.write_name(&mut line, id);
        line.push_str(" = ");
        if id == output {
            line.push('1');
            writeln!(out, "{line}")?;
            continue;
        }
        let my_uses = &uses[use_count[id as usize] as usize..use_count[id as usize + 1] as usize];
        let mut symbols = Vec::with_capacity(my_uses.len());
        let mut numbers = Vec::with_capacity(my_uses.len());
        for &(user, at) in my_uses {
            let local = view.num(locals[at]);
            let local = if local.starts_with('-') {
                format!("({local})")
            } else {
                local
            };
            symbols.push(format!(
                "∂{f}/∂{} · ∂{}/∂{}",
                g.name(user),
                g.name(user),
                g.name(id)
            ));
            numbers.push(format!("{} · {local}", view.num(view.grad(user))));
        }
        // A single use by the output itself: its local derivative is the
        // answer (the lecture's ∂f/∂g4 = g3 = 8).
        let direct = my_uses.len() == 1 && my_uses[0].0 == output;
        let swaps = g.op(output).is_some_and(|op| op.def().local_is_other_input);
        if direct && swaps {
            // The local derivative is the other input (mul swaps).
            let ins = g.inputs(output);
            let other = if ins[0] == id { ins[1] } else { ins[0] };
            g.write_name(&mut line, other);
            line.push_str(" = ");
        }
        if !direct {
            line.push_str(&symbols.join(" + "));
            line.push_str(" = ");
            line.push_str(&numbers.join(" + "));
            line.push_str(" = ");
        }
        view.write_num(&mut line, view.grad(id));
        let mut rule = if my_uses.len() > 1 {
            "copy gate: the uses add up".to_string()
        } else {
            g.op(my_uses[0].0)
                .map_or("", |op| op.def().rule)
                .to_string()
        };
        // A use at its kink says which convention gave its local derivative.
        for &(user, _) in my_uses {
            if let Some(note) = kink_convention(view, user) {
                rule.push_str("; ");
                rule.push_str(&g.name(user).to_string());
                rule.push_str(" is at its kink: ");
                rule.push_str(note);
            }
        }
        line.push_str("   [");
        line.push_str(&rule);
        line.push(']');
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The convention that decided `id`'s local derivatives, when its inputs
/// sit at its kink (relu at 0, a tie in max).
fn kink_convention(view: &View<'_>, id: NodeId) -> Option<&'static str> {
    let g = view.graph;
    let def = g.op(id)?.def();
    let inputs: Vec<f64> = g.inputs(id).iter().map(|&j| view.value(j)).collect();
    (def.kink)(&inputs, view.value(id)).map(|_| def.convention)
}
