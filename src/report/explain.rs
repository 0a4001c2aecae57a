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
    if !g.groups().is_empty() {
        return write_matrix_form(out, view);
    }
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

/// A row's name and its value as the lecture writes it: an array for a
/// tensor, a number for a scalar.
struct Rows<'v> {
    view: &'v View<'v>,
}

impl Rows<'_> {
    /// The value of what `name` names (a tensor, a variable, a statement, a
    /// row), compact: `[0.462, 0.848]`, `0.5`.
    fn value(&self, name: &str) -> Option<String> {
        let (g, view) = (self.view.graph, self.view);
        if let Some(group) = g.groups().iter().find(|gr| gr.name == name) {
            return Some(super::tensor::summary(group, |n| self.num(view.value(n))));
        }
        if let Ok(x) = name.parse::<f64>() {
            return Some(self.num(x));
        }
        g.find(name).map(|id| self.num(view.value(id)))
    }

    fn grad(&self, name: &str) -> Option<String> {
        let (g, view) = (self.view.graph, self.view);
        if let Some(group) = g.groups().iter().find(|gr| gr.name == name) {
            return Some(super::tensor::summary(group, |n| self.num(view.grad(n))));
        }
        g.find(name).map(|id| self.num(view.grad(id)))
    }

    fn num(&self, x: f64) -> String {
        crate::number::format_digits(x, Some(self.view.digits.unwrap_or(3)))
    }

    /// The name a row of these operands goes by: an operand written as a
    /// tensor row's expression is that row (`g3` for `W@x + b`).
    fn name_of(&self, text: &str) -> String {
        let g = self.view.graph;
        match g
            .groups()
            .iter()
            .find(|gr| gr.definition.as_deref() == Some(text))
        {
            Some(group) if group.name.starts_with('g') => group.name.clone(),
            _ => text.to_string(),
        }
    }

    /// `text` with every name whose value is known replaced by it, and `@`
    /// written `·`: the lecture's `[[0.5, -0.5], [1, 0.25]]·[2, 1] + [0, -1]`.
    fn substitute(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut k = 0;
        while k < chars.len() {
            let (i, c) = chars[k];
            if c.is_alphabetic() || c == '_' {
                let mut end = k;
                while end < chars.len() && (chars[end].1.is_alphanumeric() || chars[end].1 == '_') {
                    end += 1;
                }
                let mut stop = chars.get(end).map_or(text.len(), |&(j, _)| j);
                // An element, `g2[2]`, `W[1, 0]`: its own value.
                if chars.get(end).is_some_and(|&(_, c)| c == '[') {
                    if let Some(close) = text[stop..].find(']') {
                        let element: String = text[i..stop + close + 1]
                            .chars()
                            .filter(|c| *c != ' ')
                            .collect();
                        if let Some(v) = self.view.graph.find(&element) {
                            out.push_str(&self.num(self.view.value(v)));
                            any = true;
                            stop += close + 1;
                            k = chars.partition_point(|&(j, _)| j < stop);
                            continue;
                        }
                    }
                }
                let word = &text[i..stop];
                let call = chars.get(end).is_some_and(|&(_, c)| c == '(');
                match (call, self.value(word)) {
                    (false, Some(v)) => {
                        out.push_str(&v);
                        any = true;
                    }
                    _ => out.push_str(word),
                }
                k = end;
                continue;
            }
            if c == '@' {
                out.push('·');
            } else {
                out.push(c);
            }
            k += 1;
        }
        any.then_some(out)
    }
}

/// The chain rule into a tensor operation's operands, in matrix form: for
/// each operand, `(∂L/∂operand, the rule in symbols, the rule's template
/// with `{d}` for ∂L/∂row and `{0}`, `{1}`, … for the operands)`.
fn rules(op: &str, operands: &[String]) -> Vec<(usize, &'static str)> {
    match (op, operands.len()) {
        ("matmul", 2) | ("add", 3) | ("sub", 3) => {
            let mut r = vec![(0, "{d} · {1}ᵀ"), (1, "{0}ᵀ · {d}")];
            if operands.len() == 3 {
                r.push((2, if op == "sub" { "−{d}" } else { "{d}" }));
            }
            r
        }
        ("add", 2) => vec![(0, "{d}"), (1, "{d}")],
        ("sub", 2) => vec![(0, "{d}"), (1, "−{d}")],
        ("mul", 2) => vec![(0, "{d} ⊙ {1}"), (1, "{d} ⊙ {0}")],
        ("div", 2) => vec![(0, "{d} ⊘ {1}"), (1, "−{d} ⊙ {0} ⊘ {1}²")],
        ("pow", 2) => vec![(0, "{d} ⊙ {1} ⊙ {0}^({1} − 1)")],
        ("neg", 1) => vec![(0, "−{d}")],
        ("tanh", 1) => vec![(0, "{d} ⊙ (1 − {r}²)")],
        ("sigmoid", 1) => vec![(0, "{d} ⊙ {r} ⊙ (1 − {r})")],
        ("exp", 1) => vec![(0, "{d} ⊙ {r}")],
        ("ln", 1) => vec![(0, "{d} ⊘ {0}")],
        ("sqrt", 1) => vec![(0, "{d} ⊘ (2{r})")],
        ("relu", 1) => vec![(0, "{d} ⊙ [{0} > 0]")],
        ("sum", _) => vec![(0, "{d} in every entry it sums")],
        ("mean", _) => vec![(0, "{d} / n in every entry it averages")],
        ("dot", 2) => vec![(0, "{d} · {1}"), (1, "{d} · {0}")],
        ("norm", 1) => vec![(0, "{d} · {0} / {r}")],
        ("softmax", 1) => vec![(0, "{r} ⊙ ({d} − ({d} · {r}))")],
        ("logsumexp", 1) => vec![(0, "{d} · softmax({0})")],
        ("select", _) => vec![(0, "{d} at the selected entry, 0 elsewhere")],
        ("max", 1) | ("min", 1) => vec![(0, "{d} at the extreme entry, 0 elsewhere")],
        (_, 1) => vec![(0, "{d} ⊙ f'({0})")],
        _ => Vec::new(),
    }
}

/// Fills a rule's template.
fn fill(template: &str, d: &str, r: &str, operands: &[String]) -> String {
    let mut out = template.replace("{d}", d).replace("{r}", r);
    for (i, o) in operands.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), o);
    }
    out
}

/// `--explain` of a graph with vectors and matrices (SPEC §9): a line a
/// row of the table, the forward pass with the values substituted
/// (`g3 = W@x + b = [[0.5, -0.5], [1, 0.25]]·[2, 1] + [0, -1] = [0.5, 1.25]`),
/// and the backward pass in matrix form: each row's gradient, then the
/// chain rule into its operands (`∂L/∂W = ∂L/∂g3 · xᵀ = [-0.531, 0.379] ·
/// [2, 1]ᵀ`), each operand's own total on its row's line.
fn write_matrix_form(out: &mut impl Write, view: &View<'_>) -> io::Result<()> {
    let g = view.graph;
    let f = view.output_name();
    let rows = Rows { view };
    let tensor_output = g.tensor_output().is_some();
    let table = g.rows();
    // Each row: its name, its definition (None for a variable), its op and
    // value / gradient texts.
    let described: Vec<(String, Option<String>, &'static str, String, String)> = table
        .iter()
        .map(|row| match *row {
            crate::graph::Row::Group(i) => {
                let group = &g.groups()[i];
                (
                    group.name.clone(),
                    group.definition.clone(),
                    group.op,
                    super::tensor::summary(group, |n| rows.num(view.value(n))),
                    super::tensor::summary(group, |n| rows.num(view.grad(n))),
                )
            }
            crate::graph::Row::Node(id) => (
                g.name(id).to_string(),
                match g.kind(id) {
                    Kind::Var(_) => None,
                    _ => Some(g.definition(id)),
                },
                g.op_name(id),
                view.num(view.value(id)),
                view.num(view.grad(id)),
            ),
        })
        .collect();
    writeln!(out, "forward pass (values flow from the inputs to {f})")?;
    for (row, (name, definition, _, value, _)) in table.iter().zip(&described) {
        // A scalar node's line as a scalar program's: its inputs' values.
        if let crate::graph::Row::Node(id) = *row {
            let unit = g.scalar_unit_of(id).is_some();
            if let (false, Some(def)) = (unit, definition) {
                let mut substituted = String::new();
                g.write_substituted(&mut substituted, id, &view.eval.values, view.digits);
                match substituted != *def && substituted != *value {
                    true => writeln!(out, "  {name} = {def} = {substituted} = {value}")?,
                    false => writeln!(out, "  {name} = {def} = {value}")?,
                }
                continue;
            }
        }
        match definition {
            None => writeln!(out, "  {name} = {value}")?,
            Some(def) => match rows.substitute(def) {
                Some(s) if s != *value => writeln!(out, "  {name} = {def} = {s} = {value}")?,
                _ => writeln!(out, "  {name} = {def} = {value}")?,
            },
        }
    }
    if tensor_output {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "backward pass (gradients flow from {f} back to the inputs, in matrix form)"
    )?;
    for (k, (name, definition, op, value, grad)) in described.iter().enumerate().rev() {
        if k + 1 == described.len() {
            writeln!(out, "  ∂{f}/∂{name} = 1")?;
        } else {
            writeln!(out, "  ∂{f}/∂{name} = {grad}")?;
        }
        let Some(def) = definition else {
            continue;
        };
        let operands = g.operands(def);
        if operands.is_empty() {
            continue;
        }
        let names: Vec<String> = operands.iter().map(|o| rows.name_of(o)).collect();
        let values: Vec<String> = names
            .iter()
            .map(|n| rows.value(n).unwrap_or_else(|| n.clone()))
            .collect();
        let d_symbol = format!("∂{f}/∂{name}");
        let d_value = if k + 1 == described.len() {
            "1".to_string()
        } else {
            grad.clone()
        };
        for (i, template) in rules(op, operands) {
            let Some(target) = names.get(i) else {
                continue;
            };
            if rows.grad(target).is_none() {
                continue; // a constant operand has no gradient
            }
            let symbols = fill(template, &d_symbol, name, &names);
            let numbers = fill(template, &d_value, value, &values);
            match numbers == symbols {
                true => writeln!(out, "    ∂{f}/∂{target} ⟵ {symbols}")?,
                false => writeln!(out, "    ∂{f}/∂{target} ⟵ {symbols} = {numbers}")?,
            }
        }
    }
    Ok(())
}
