//! Gradients as formulas (README, "Formulas: --symbolic"): reverse mode run
//! on formulas instead of numbers. Each node of the graph gets its formula
//! ([`expr`]), each adjoint is built from its users' adjoints and the op
//! table's local derivative templates (`OpDef::derivative`), the simplifier
//! being the canonical constructors themselves. The printed formulas are a
//! program of the language again: the gradients' values (`--at`) come from
//! lowering that text to a [`Graph`] and running the same evaluator on it,
//! the Hessian's formulas from differentiating it once more (its numbers are
//! [`crate::hessian`]'s double backward).

pub mod expr;
pub mod latex;
pub mod print;

use crate::ast::ExprKind;
use crate::error::{Error, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::{Op, TABLE};
use expr::{Exprs, Id, Node};
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

pub use crate::options::SymbolicArgs;

/// The derivative templates of the op table, parsed once.
static RULES: LazyLock<Vec<Vec<Result<crate::ast::Program<'static>>>>> = LazyLock::new(|| {
    TABLE
        .iter()
        .map(|def| {
            def.derivative
                .iter()
                .map(|t| crate::parse::parse_expression(t))
                .collect()
        })
        .collect()
});

/// tan' where the gate's value is not a named step. (tanh' stays
/// `1 - tanh(a)^2`: `1/cosh(a)^2` overflows where tanh saturates.)
static UNNAMED_TAN: LazyLock<Vec<Result<crate::ast::Program<'static>>>> =
    LazyLock::new(|| vec![crate::parse::parse_expression("1/cos(a)^2")]);

/// The local derivative ∂out/∂a\[i\] of `op` as a formula of the inputs
/// `a` and the gate's own value `out`.
pub fn local_derivative(ex: &mut Exprs, op: Op, a: &[Id], out: Id, i: usize) -> Result<Id> {
    if matches!(op, Op::Max | Op::Min) {
        return Ok(extremum_share(ex, op, a, out, i));
    }
    // At a constant zero base PyTorch gives the exponent no gradient (its
    // mask): no `ln(0)` term, which would be undefined everywhere.
    if op == Op::Pow && i == 1 && ex.number(a[0]) == Some(0.0) {
        return Ok(ex.num(0.0));
    }
    // tan' in terms of its own value when that value has a name (`1 + t^2`
    // for `t = tan(z)`); written out, the shorter form SymPy also prints.
    // Every other rule is the table's, which stays finite where the
    // function does (tanh' = 1 - out^2, σ' = out*(1 - out)).
    let unnamed = !matches!(ex.node(out), expr::Node::Sym(_));
    let rules = match op {
        Op::Tan if unnamed => &*UNNAMED_TAN,
        _ => &RULES[op as usize],
    };
    let template = rules
        .get(i)
        .ok_or_else(|| Error::internal(format!("{} has no derivative rule {i}", op.name())))?
        .as_ref()
        .map_err(|e| Error::internal(format!("the rule of {}: {e}", op.name())))?;
    build(ex, template, |ex, name| match name {
        "a" => Some(a[0]),
        "b" => Some(a[1]),
        "out" => Some(out),
        other => crate::ops::constant(other).map(|v| ex.num(v)),
    })
}

/// The formula of an expression's syntax tree, its names given by `name`
/// (`None`: not a formula).
fn build(
    ex: &mut Exprs,
    template: &crate::ast::Program<'_>,
    mut name: impl FnMut(&mut Exprs, &str) -> Option<Id>,
) -> Result<Id> {
    let mut made: Vec<Id> = Vec::with_capacity(template.exprs.len());
    for id in 0..template.exprs.len() as u32 {
        let node = match template.expr(id).kind {
            ExprKind::Number(v) => ex.num(v),
            ExprKind::Name => match name(ex, template.name(id)) {
                Some(n) => n,
                None => return Err(Error::internal("a name in a constant")),
            },
            ExprKind::Neg(x) => ex.scale(made[x as usize], -1.0),
            ExprKind::Binary(b, l, r) => {
                let op = match b {
                    crate::ast::BinOp::Add => Op::Add,
                    crate::ast::BinOp::Sub => Op::Sub,
                    crate::ast::BinOp::Mul => Op::Mul,
                    crate::ast::BinOp::Div => Op::Div,
                    crate::ast::BinOp::Pow => Op::Pow,
                    crate::ast::BinOp::MatMul => {
                        return Err(Error::internal("a derivative rule multiplies matrices"))
                    }
                };
                ex.apply(op, &[made[l as usize], made[r as usize]])
            }
            ExprKind::List { .. } | ExprKind::Index { .. } | ExprKind::Transpose(_) => {
                return Err(Error::internal("a derivative rule with a vector"))
            }
            ExprKind::Call { .. } => {
                let args: Vec<Id> = template
                    .call_args(id)
                    .iter()
                    .map(|&x| made[x as usize])
                    .collect();
                match crate::ops::function(template.name(id), args.len()) {
                    Some(Ok(f)) => ex.apply(f, &args),
                    _ => {
                        return Err(Error::internal(
                            "a derivative rule calls an unknown function",
                        ))
                    }
                }
            }
        };
        made.push(node);
    }
    made.last()
        .copied()
        .ok_or_else(|| Error::internal("an empty derivative rule"))
}

/// ∂max/∂aᵢ with PyTorch's ties (tied arguments share equally):
/// `(1 + sign(a - b))/2` for two arguments; for n, aᵢ's indicator
/// `1 - sign(out - aᵢ)` over the sum of all of them (min: `aⱼ - out`).
fn extremum_share(ex: &mut Exprs, op: Op, a: &[Id], out: Id, i: usize) -> Id {
    let max = op == Op::Max;
    if a.len() == 2 {
        let (x, y) = if max {
            (a[i], a[1 - i])
        } else {
            (a[1 - i], a[i])
        };
        let d = ex.exact_difference(x, y);
        let s = ex.call(Op::Sign, &[d]);
        let one = ex.num(1.0);
        return ex.add(&[(one, 0.5), (s, 0.5)]);
    }
    let one = ex.num(1.0);
    let mut indicators = Vec::with_capacity(a.len());
    for &aj in a {
        let d = if max {
            ex.exact_difference(out, aj)
        } else {
            ex.exact_difference(aj, out)
        };
        let s = ex.call(Op::Sign, &[d]);
        indicators.push(ex.add(&[(one, 1.0), (s, -1.0)]));
    }
    let count: Vec<(Id, f64)> = indicators.iter().map(|&t| (t, 1.0)).collect();
    let count = ex.add(&count);
    ex.mul(&[(indicators[i], 1.0), (count, -1.0)])
}

/// The formulas of one program: each node's, and each adjoint.
#[derive(Default)]
pub struct Formulas {
    pub ex: Exprs,
    /// What a user of the node refers to: its step's name, or its formula.
    pub value: Vec<Id>,
    /// The named steps kept as shorthand, in evaluation order, with their
    /// definitions in terms of variables and earlier steps.
    pub steps: Vec<(NodeId, Id)>,
    /// ∂output/∂node, `None` where the output does not depend on the node.
    pub adjoint: Vec<Option<Id>>,
    /// ∂output/∂v for each variable of the graph, in order.
    pub gradient: Vec<Id>,
}

/// Symbolic reverse mode on `graph`. Named statements stay as steps unless
/// `inline`; `bare` says the output is a bare expression (named `f` by the
/// tool, not by the user), which is never a step.
pub fn differentiate(graph: &Graph, inline: bool, bare: bool) -> Result<Formulas> {
    differentiate_in(graph, inline, bare, Exprs::new())
}

/// [`differentiate`] in an arena whose symbols may already be ordered
/// ([`Exprs::with_names`]).
pub fn differentiate_in(graph: &Graph, inline: bool, bare: bool, ex: Exprs) -> Result<Formulas> {
    // An index by a variable (`p[y]`, a class label) picks an element by
    // the label's value: no one formula holds for every label.
    if let Some(id) = (0..graph.len() as NodeId).find(|&id| graph.kind(id) == Kind::Op(Op::Select))
    {
        return Err(Error::new(crate::error::ErrorKind::Usage(format!(
            "--symbolic writes one formula for every value of the variables, and `{}` picks an element by the value of a variable: write the index as a number (`p[2]`) for formulas, or leave out --symbolic for the numbers",
            graph.definition(id)
        ))));
    }
    let mut ex = ex;
    // Variables rank by first appearance in the program, before any step.
    for v in graph.variables() {
        ex.sym(v);
    }
    let n = graph.len();
    let mut value: Vec<Id> = Vec::with_capacity(n);
    let mut steps = Vec::new();
    let output = graph.output();
    let mut name = String::new();
    // A step is a statement's (`h[0]` of `h = tanh(W@x + b)` too), not an
    // element of a subexpression the table names as a row (`g1[0]` of
    // `W@x + b`).
    let statements: rustc_hash::FxHashSet<&str> =
        graph.statement_names().iter().map(String::as_str).collect();
    let steps_by_node: Vec<bool> = (0..n as NodeId)
        .map(|id| {
            !inline
                && graph.is_named(id)
                && matches!(graph.kind(id), Kind::Op(_))
                && !(bare && id == output)
                && statements.contains(graph.name(id).to_string().as_str())
        })
        .collect();
    let is_step = |id: NodeId| steps_by_node[id as usize];
    let linear = |id: NodeId| matches!(graph.kind(id), Kind::Op(Op::Add | Op::Sub | Op::Neg));
    // A sum used only by a sum is not built: its terms are handed on, so a
    // chain of n additions makes one n-term sum, not n growing ones.
    let mut users = vec![0u32; n];
    let mut user = vec![0 as NodeId; n];
    for id in 0..n as NodeId {
        for &input in graph.inputs(id) {
            users[input as usize] += 1;
            user[input as usize] = id;
        }
    }
    let mut pending: Vec<Option<Vec<(Id, f64)>>> = vec![None; n];
    // What a pending sum's users would read: never, as the rules of +, -
    // and negation do not name their inputs.
    let unread = ex.num(f64::NAN);
    for id in 0..n as NodeId {
        let formula = match graph.kind(id) {
            Kind::Var(v) => ex.sym(&graph.variables()[v as usize]),
            Kind::Const(c) => constant(&mut ex, graph, c),
            Kind::Op(op) if linear(id) => {
                let signs: &[f64] = match op {
                    Op::Add => &[1.0, 1.0],
                    Op::Sub => &[1.0, -1.0],
                    _ => &[-1.0],
                };
                let mut items = Vec::new();
                for (&input, &sign) in graph.inputs(id).iter().zip(signs) {
                    match pending[input as usize].take() {
                        Some(terms) => items.extend(terms.into_iter().map(|(t, c)| (t, c * sign))),
                        None => items.push((value[input as usize], sign)),
                    }
                }
                let handed_on = users[id as usize] == 1
                    && linear(user[id as usize])
                    && !is_step(id)
                    && id != output;
                if handed_on {
                    pending[id as usize] = Some(items);
                    value.push(unread);
                    continue;
                }
                ex.add(&items)
            }
            Kind::Op(op) => {
                let args: Vec<Id> = graph
                    .inputs(id)
                    .iter()
                    .map(|&i| value[i as usize])
                    .collect();
                ex.apply(op, &args)
            }
        };
        if is_step(id) {
            steps.push((id, formula));
            name.clear();
            graph.write_name(&mut name, id);
            value.push(ex.sym(&name));
        } else {
            value.push(formula);
        }
    }
    let mut parts: Vec<Vec<Id>> = vec![Vec::new(); n];
    let mut adjoint: Vec<Option<Id>> = vec![None; n];
    for id in (0..n as NodeId).rev() {
        let upstream = if id == output {
            ex.num(1.0)
        } else if parts[id as usize].is_empty() {
            continue;
        } else {
            let items: Vec<(Id, f64)> = parts[id as usize].iter().map(|&p| (p, 1.0)).collect();
            parts[id as usize] = Vec::new();
            ex.add(&items)
        };
        adjoint[id as usize] = Some(upstream);
        let Kind::Op(op) = graph.kind(id) else {
            continue;
        };
        let inputs = graph.inputs(id);
        let args: Vec<Id> = inputs.iter().map(|&i| value[i as usize]).collect();
        for (i, &input) in inputs.iter().enumerate() {
            if matches!(graph.kind(input), Kind::Const(_)) {
                continue;
            }
            let local = local_derivative(&mut ex, op, &args, value[id as usize], i)?;
            let flow = ex.times(upstream, local);
            parts[input as usize].push(flow);
        }
    }
    let zero = ex.num(0.0);
    let mut gradient: Vec<Id> = (0..graph.variables().len())
        .map(|v| adjoint[graph.variable_node(v) as usize].unwrap_or(zero))
        .collect();
    // A step's definition that the simplifier rebuilt inside a formula
    // (σ(u) in 1 - σ(u), from `L = 1/(1+exp(-u))`) reads as its name, as
    // the other factor already does: x*L*(1 - L).
    let shorthand: FxHashMap<Id, Id> = steps
        .iter()
        .filter(|(_, def)| !matches!(ex.node(*def), Node::Num(_) | Node::Sym(_)))
        .map(|&(node, def)| (def, value[node as usize]))
        .collect();
    let products: Vec<(Id, Id)> = shorthand
        .iter()
        .filter(|(def, _)| matches!(ex.node(**def), Node::Mul(_, fs) if fs.len() >= 2))
        .map(|(&def, &sym)| (def, sym))
        .collect();
    if !shorthand.is_empty() {
        // Every formula at once: they share their parts.
        let mut formulas: Vec<Id> = gradient
            .iter()
            .chain(adjoint.iter().flatten())
            .copied()
            .collect();
        ex.substitute(&mut formulas, &shorthand, &products);
        let mut new = formulas.into_iter();
        for f in gradient.iter_mut().chain(adjoint.iter_mut().flatten()) {
            *f = new.next().unwrap_or(*f);
        }
    }
    Ok(Formulas {
        ex,
        value,
        steps,
        adjoint,
        gradient,
    })
}

/// A constant of the graph as a formula: `pi` and `e` stay symbols, a
/// number is exact ([`expr::F`]).
pub fn constant(ex: &mut Exprs, graph: &Graph, c: u32) -> Id {
    let k = graph.constant(c);
    // A folded constant written with `pi`, `e` or a fraction (`2*pi`,
    // `10/7`) is built from its text, exactly; its value is the same.
    let folded = k.text.as_deref().filter(|t| {
        t.contains(['/', '*', '+', '-', '^', '('])
            && (t.contains("pi") || t.contains('π') || t.contains('e') || t.contains('/'))
    });
    if let Some(text) = folded {
        let built = crate::parse::parse_expression(text).ok().and_then(|p| {
            build(ex, &p, |ex, name| match name {
                "pi" | "π" | "e" => Some(ex.constant(Some(name), 0.0)),
                other => crate::ops::constant(other).map(|v| ex.num(v)),
            })
            .ok()
        });
        if let Some(id) = built {
            let same = ex
                .number(id)
                .is_none_or(|v| (v - k.value).abs() <= 1e-12 * k.value.abs());
            if same {
                return id;
            }
        }
    }
    ex.constant(k.text.as_deref(), k.value)
}

impl Formulas {
    pub fn text(&self, id: Id) -> String {
        print::to_text(&self.ex, id)
    }

    /// The steps as statements (`z = w*x + b`), one a line: the program the
    /// formulas are read after.
    pub fn steps_program(&self, graph: &Graph) -> String {
        let mut out = String::new();
        for &(node, def) in &self.steps {
            graph.write_name(&mut out, node);
            out.push_str(" = ");
            print::write(&self.ex, def, &mut out);
            out.push('\n');
        }
        out
    }
}

/// The name of the statement a formula is read as, after the steps.
const FORMULA_NAME: &str = "__formula";

/// The steps as a program the formulas can be read after: one statement a
/// scalar step, and one list statement a tensor's (`h = [tanh(…), tanh(…)]`,
/// SPEC §9), so `h[0]` in a formula reads back as an index of `h`; with
/// the tensor variables' shapes, so `W[0,1]` reads back as W's element.
#[derive(Debug, Clone, Default)]
pub struct ReadBack {
    pub text: String,
    pub shapes: FxHashMap<String, Vec<usize>>,
}

impl ReadBack {
    /// No steps: the formulas are in the variables alone (`--inline`).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

use crate::graph::parse_element as element_name;

/// `W[1,0]` with W 2×3 → (`W`, 3): the tensor a variable is an element of,
/// and the element's place in it, row-major.
pub fn element_of<'n>(
    name: &'n str,
    shapes: &FxHashMap<String, Vec<usize>>,
) -> Option<(&'n str, usize)> {
    let (base, index) = element_name(name)?;
    let shape = shapes.get(base)?;
    if shape.len() != index.len() || index.iter().zip(shape).any(|(i, n)| i >= n) {
        return None;
    }
    Some((base, index.iter().zip(shape).fold(0, |k, (i, n)| k * n + i)))
}

/// A tensor as the read-back program needs it: the smallest shape holding
/// the elements named, and each named element's formula.
#[derive(Default)]
struct Elements {
    shape: Vec<usize>,
    formulas: FxHashMap<Vec<usize>, Id>,
}

impl Elements {
    fn add(&mut self, index: Vec<usize>, formula: Id) {
        self.shape.resize(index.len(), 0);
        for (extent, &i) in self.shape.iter_mut().zip(&index) {
            *extent = (*extent).max(i + 1);
        }
        self.formulas.insert(index, formula);
    }
}

impl Formulas {
    /// [`ReadBack`] of these formulas' steps. A tensor's shape is the
    /// smallest that holds the elements the formulas name: an element the
    /// output does not use was dropped from the graph, and no formula reads
    /// it, so its place in the list holds a 0.
    pub fn read_back(&self, graph: &Graph) -> ReadBack {
        let mut shapes: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for v in graph.variables() {
            if let Some((base, index)) = element_name(v) {
                let shape = shapes.entry(base.to_string()).or_default();
                shape.resize(index.len(), 0);
                for (extent, &i) in shape.iter_mut().zip(&index) {
                    *extent = (*extent).max(i + 1);
                }
            }
        }
        let mut name = String::new();
        let names: Vec<String> = self
            .steps
            .iter()
            .map(|&(node, _)| {
                name.clear();
                graph.write_name(&mut name, node);
                name.clone()
            })
            .collect();
        let mut tensors: FxHashMap<&str, Elements> = FxHashMap::default();
        // Where each tensor's statement goes: after its last element step.
        // Its elements come from one statement of the program, so no step
        // between them reads one of them.
        let mut last: FxHashMap<&str, usize> = FxHashMap::default();
        for (k, (name, &(_, def))) in names.iter().zip(&self.steps).enumerate() {
            if let Some((base, index)) = element_name(name) {
                tensors.entry(base).or_default().add(index, def);
                last.insert(base, k);
            }
        }
        let mut text = String::new();
        for (k, (name, &(_, def))) in names.iter().zip(&self.steps).enumerate() {
            let Some((base, _)) = element_name(name) else {
                text.push_str(name);
                text.push_str(" = ");
                print::write(&self.ex, def, &mut text);
                text.push('\n');
                continue;
            };
            if last.get(base) != Some(&k) {
                continue;
            }
            let tensor = &tensors[base];
            text.push_str(base);
            text.push_str(" = ");
            write_list(&self.ex, tensor, &mut text);
            text.push('\n');
        }
        ReadBack { text, shapes }
    }
}

/// `[f0, f1]` or `[[f00, f01], [f10, f11]]`, 0 where no formula is named.
fn write_list(ex: &Exprs, tensor: &Elements, out: &mut String) {
    let element = |index: Vec<usize>, out: &mut String| match tensor.formulas.get(&index) {
        Some(&f) => print::write(ex, f, out),
        None => out.push('0'),
    };
    let row = |r: Option<usize>, out: &mut String| {
        out.push('[');
        let n = *tensor.shape.last().unwrap_or(&0);
        for c in 0..n {
            if c > 0 {
                out.push_str(", ");
            }
            element(r.into_iter().chain([c]).collect(), out);
        }
        out.push(']');
    };
    match tensor.shape.as_slice() {
        [_, _] => {
            out.push('[');
            for r in 0..tensor.shape[0] {
                if r > 0 {
                    out.push_str(", ");
                }
                row(Some(r), out);
            }
            out.push(']');
        }
        _ => row(None, out),
    }
}

/// The graph of `formula` read after `steps` ([`Formulas::read_back`]): the
/// formula as a program of the language.
pub fn formula_graph(steps: &ReadBack, formula: &str) -> Result<Graph> {
    let text = format!("{}{FORMULA_NAME} = {formula}\n", steps.text);
    let program = crate::parse::parse_program(&text)
        .map_err(|e| Error::internal(format!("a printed formula does not read back: {e}")))?;
    Graph::lower_shaped(program, Some(FORMULA_NAME), &steps.shapes).map_err(|e| {
        match e.exit_code() {
            // A derivative that is a constant and not finite (`1/0` for k/0):
            // an evaluation error of the user's program, not a bug.
            3 => e.with_note(format!("in the formula of a derivative: {formula}")),
            _ => Error::internal(format!("a printed formula does not lower: {e}")),
        }
    })
}

/// The value of a formula's graph at the named values.
pub fn evaluate_graph(graph: &Graph, point: &FxHashMap<String, f64>) -> Result<f64> {
    let values: Vec<f64> = graph
        .variables()
        .iter()
        .map(|v| point.get(v).copied().unwrap_or(f64::NAN))
        .collect();
    let e = graph.evaluate(&values, false)?;
    Ok(e.values[graph.output() as usize])
}

/// The Hessian as formulas: for each variable u, ∂(∂f/∂u)/∂v, the gradient
/// formula read back as a program and differentiated again (its steps kept
/// as shorthand, or none with `inline`).
pub struct Hessian {
    /// Row u: the formulas of ∂²f/∂u∂v for every variable v of the program.
    pub rows: Vec<Vec<String>>,
}

pub fn hessian(graph: &Graph, first: &Formulas, steps: &ReadBack) -> Result<Hessian> {
    let variables = graph.variables();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(variables.len());
    let constants = first.ex.constant_names();
    for &g in &first.gradient {
        let text = first.text(g);
        let second_graph = formula_graph(steps, &text)?;
        // The gradient's order of operands, so the two mixed entries are
        // built alike.
        let ordered = Exprs::with_names(first.ex.names(), &constants);
        let second = differentiate_in(&second_graph, steps.is_empty(), true, ordered)?;
        let by_name: FxHashMap<&str, Id> = second_graph
            .variables()
            .iter()
            .zip(&second.gradient)
            .map(|(v, &d)| (v.as_str(), d))
            .collect();
        let row = variables
            .iter()
            .map(|v| match by_name.get(v.as_str()) {
                Some(&d) => second.text(d),
                None => "0".to_string(),
            })
            .collect();
        rows.push(row);
    }
    // ∂²f/∂v∂u is ∂²f/∂u∂v: one formula, printed once the same way.
    let n = rows.len();
    for (i, j) in (0..n).flat_map(|i| (0..i).map(move |j| (i, j))) {
        let upper = rows[j][i].clone();
        rows[i][j] = upper;
    }
    Ok(Hessian { rows })
}

/// `∂L/∂w`, `∂²L/∂w∂b` labels.
pub fn grad_label(output: &str, v: &str) -> String {
    format!("∂{output}/∂{v}")
}

pub use crate::hessian::label as hessian_label;

/// A formula read from text into `ex`, simplified as it is built (names
/// are symbols); `None` when the text is not a formula of the language.
pub fn read(ex: &mut Exprs, text: &str) -> Option<Id> {
    let program = crate::parse::parse_expression(text).ok()?;
    let graph = Graph::lower(program, None).ok()?;
    let mut value: Vec<Id> = Vec::with_capacity(graph.len());
    for id in 0..graph.len() as NodeId {
        let v = match graph.kind(id) {
            Kind::Var(v) => ex.sym(&graph.variables()[v as usize]),
            Kind::Const(c) => constant(ex, &graph, c),
            Kind::Op(op) => {
                let args: Vec<Id> = graph
                    .inputs(id)
                    .iter()
                    .map(|&i| value[i as usize])
                    .collect();
                ex.apply(op, &args)
            }
        };
        value.push(v);
    }
    value.last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formulas(source: &str) -> Vec<String> {
        let program = crate::parse::parse_program(source).unwrap();
        let bare = program.statements.last().unwrap().name.is_none();
        let graph = Graph::lower(program, None).unwrap();
        let f = differentiate(&graph, false, bare).unwrap();
        f.gradient.iter().map(|&g| f.text(g)).collect()
    }

    #[test]
    fn the_lectures_forms() {
        assert_eq!(
            formulas("(2*x+y^2)*z^3"),
            ["2*z^3", "2*y*z^3", "3*z^2*(2*x + y^2)"]
        );
        assert_eq!(
            formulas("z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)"),
            [
                "x*(yhat - y)",
                "w*(yhat - y)",
                "yhat - y",
                "ln(1 - yhat) - ln(yhat)"
            ]
        );
    }

    /// The simplifier's identities, and the printer's parentheses: each
    /// text, read and printed, gives the second.
    #[test]
    fn identities_and_parentheses() {
        for (text, printed) in [
            ("0 + a", "a"),
            ("1*a", "a"),
            ("a^1", "a"),
            ("a - a", "0"),
            ("a/a", "1"),
            ("x*x*x", "x^3"),
            ("2*x + 3*x", "5*x"),
            ("-(a - b)", "b - a"),
            ("x*y - x*z", "x*(y - z)"),
            ("(x + 1)*(x - 1) - x^2", "-1"),
            ("-x^2", "-x^2"),
            ("(-2)^x", "(-2)^x"),
            ("2^-1", "0.5"),
            ("x^(y - 1)*x", "x^y"),
            ("1/(2*x)", "1/(2*x)"),
            ("x/3", "x/3"),
            ("(a + b)/(c*d)", "(a + b)/(c*d)"),
            ("cos(-x) + sin(-x)", "cos(x) - sin(x)"),
            ("exp(x)^2", "exp(2*x)"),
            ("exp(x)*exp(2*x)*y", "y*exp(3*x)"),
            ("sqrt(u)^2*y", "u*y"),
            ("sqrt(u)^4", "u^2"),
            ("(-a - b)^2", "(a + b)^2"),
            ("2*3 + ln(1)", "6"),
        ] {
            let mut ex = Exprs::new();
            let id = read(&mut ex, text).unwrap();
            assert_eq!(print::to_text(&ex, id), printed, "{text}");
        }
    }

    #[test]
    fn every_rule_parses_and_has_the_ops_arity() {
        for op in crate::ops::ALL {
            let def = op.def();
            // Select (`p[y]`) has no formula: tensors' formulas are built
            // per element, or refused.
            if matches!(op, Op::Max | Op::Min | Op::Select) {
                assert!(def.derivative.is_empty());
                continue;
            }
            assert_eq!(Some(def.derivative.len()), def.arity.max, "{op:?}");
            for (i, rule) in RULES[op as usize].iter().enumerate() {
                assert!(rule.is_ok(), "{op:?} rule {i}");
            }
        }
    }
}
