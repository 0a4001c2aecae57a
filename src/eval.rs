//! The two passes: forward is one loop over the nodes, backward one loop back,
//! each node adding its upstream gradient times its local derivatives into its
//! inputs' adjoints (the lecture's gates; a node used twice gets both terms).
//!
//! `backprop` is the one backward step of a gate, shared by the scalar pass
//! here and the column engine ([`crate::batch`]); [`Graph::local_derivatives`]
//! is the one way to a node's local derivatives, for the scalar pass and
//! `--explain`. Constants have no gradient: nothing flows into them.

use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::{Op, OpDef};

/// Values and adjoints (∂output/∂node) of every node at one point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub values: Vec<f64>,
    pub grads: Vec<f64>,
    /// Nodes whose local derivative was not finite (sqrt at 0, …), in
    /// backward order: why a gradient is infinite or NaN.
    pub nonfinite_locals: Vec<NodeId>,
}

impl Evaluation {
    /// What a user should know about non-finite numbers at this point.
    pub fn warnings(&self, g: &Graph) -> Vec<String> {
        let f = g.name(g.output());
        let mut out = Vec::new();
        for id in g.nonfinite_origins(&self.values) {
            let err = g.nonfinite_error(&self.values, id, self.values[id as usize]);
            out.push(format!(
                "{} is {}: {}",
                g.name(id),
                crate::number::format(self.values[id as usize]),
                match &err.kind {
                    crate::ErrorKind::NonFinite { reason, .. } => reason.clone(),
                    other => other.to_string(),
                }
            ));
        }
        let bad: Vec<String> = g
            .shown()
            .filter(|&id| {
                matches!(g.kind(id), Kind::Var(_)) && !self.grads[id as usize].is_finite()
            })
            .map(|id| {
                format!(
                    "∂{f}/∂{} = {}",
                    g.name(id),
                    crate::number::format(self.grads[id as usize])
                )
            })
            .collect();
        if !bad.is_empty() {
            let w = format!("non-finite gradient: {}", bad.join(", "));
            out.push(w + &self.nonfinite_because(g));
        }
        out
    }

    /// `; the local derivative is not finite at g3 = sqrt(x) (…)`: the
    /// first three gates whose local derivative was not finite, or nothing.
    pub fn nonfinite_because(&self, g: &Graph) -> String {
        let because: Vec<String> = self
            .nonfinite_locals
            .iter()
            .take(3)
            .map(|&id| {
                let why = g.op(id).and_then(|op| op.def().nonfinite_local);
                match why {
                    Some(why) => format!("{} = {} ({why})", g.name(id), g.definition(id)),
                    None => format!("{} = {}", g.name(id), g.definition(id)),
                }
            })
            .collect();
        match because.is_empty() {
            true => String::new(),
            false => format!(
                "; the local derivative is not finite at {}",
                because.join(", ")
            ),
        }
    }
}

/// Runs `f` on each node's input values, gathered without allocating for the
/// common arities.
#[inline]
fn with_inputs<R>(
    graph: &Graph,
    values: &[f64],
    id: NodeId,
    scratch: &mut Vec<f64>,
    f: impl FnOnce(&[f64]) -> R,
) -> R {
    let ins = graph.inputs(id);
    if ins.len() <= 4 {
        let mut a = [0.0; 4];
        for (slot, &j) in a.iter_mut().zip(ins) {
            *slot = values[j as usize];
        }
        f(&a[..ins.len()])
    } else {
        scratch.clear();
        scratch.extend(ins.iter().map(|&j| values[j as usize]));
        f(scratch)
    }
}

/// One gate's backward step at one point: its local derivatives ∂y/∂aᵢ at
/// inputs `a` and value `y` into `d`, then, for every input `i` with
/// `live(i)` (not a constant), the gradient it receives — `upstream` times
/// the local derivative, or nothing where a routing gate does not select it
/// ([`OpDef::flow`]) — handed to `add(i, g)`. Returns whether the local
/// derivatives into live inputs are finite.
#[inline(always)]
pub(crate) fn backprop(
    def: &OpDef,
    a: &[f64],
    y: f64,
    upstream: f64,
    d: &mut [f64],
    live: impl Fn(usize) -> bool,
    mut add: impl FnMut(usize, f64),
) -> bool {
    (def.local)(a, y, d);
    let mut finite = true;
    for (i, &di) in d.iter().enumerate() {
        if live(i) {
            finite &= di.is_finite();
            add(i, def.flow(a, i, upstream, di));
        }
    }
    finite
}

impl Graph {
    /// The local derivatives ∂node/∂input of op node `id` (one per input, in
    /// order) at the node values `values`, written into `d`; nothing for a
    /// leaf. The gradient of the output is built from these alone.
    pub fn local_derivatives(&self, id: NodeId, values: &[f64], d: &mut [f64]) {
        if let Kind::Op(op) = self.kind(id) {
            let mut scratch = Vec::new();
            let y = values[id as usize];
            with_inputs(self, values, id, &mut scratch, |a| op.local(a, y, d));
        }
    }

    /// Forward pass at `point` (one value per variable, in the order of
    /// [`Graph::variables`]). With `strict`, the first non-finite value is an
    /// error naming the node, its operation and the offending input.
    pub fn forward(&self, point: &[f64], values: &mut Vec<f64>, strict: bool) -> Result<()> {
        values.clear();
        values.reserve(self.len());
        let mut scratch = Vec::new();
        for id in 0..self.len() as NodeId {
            let y = match self.kind(id) {
                Kind::Var(v) => point[v as usize],
                Kind::Const(c) => self.constant(c).value,
                Kind::Op(op) => with_inputs(self, values, id, &mut scratch, |a| op.forward(a)),
            };
            if strict && !y.is_finite() {
                return Err(self.nonfinite_error(values, id, y));
            }
            values.push(y);
        }
        Ok(())
    }

    /// The error for node `id` whose value `y` is not finite.
    pub fn nonfinite_error(&self, values: &[f64], id: NodeId, y: f64) -> Error {
        if let Some(e) = self.select_error(values, id) {
            return e;
        }
        let reason = match self.kind(id) {
            Kind::Op(op) => {
                let mut scratch = Vec::new();
                let reason = with_inputs(self, values, id, &mut scratch, |a| (op.def().domain)(a));
                self.in_terms_of_the_argument(reason, values, id)
            }
            _ => format!("the value is {}", crate::number::format(y)),
        };
        Error::at(
            ErrorKind::NonFinite {
                node: self.name(id).to_string(),
                def: self.definition(id),
                reason,
            },
            self.span(id),
        )
        .with_help("--allow-nonfinite keeps going and prints the value as inf or NaN")
    }

    /// The error of a select (`p[y]`) whose index is not an integer in
    /// range: `p[y]: y = 3, but p has 3 entries (0 to 2)`.
    fn select_error(&self, values: &[f64], id: NodeId) -> Option<Error> {
        if self.op(id) != Some(Op::Select) {
            return None;
        }
        let ins = self.inputs(id);
        let a: Vec<f64> = ins.iter().map(|&j| values[j as usize]).collect();
        if crate::ops::selected(&a).is_some() {
            return None;
        }
        let (whole, index, clause) = self.select_meta(id)?;
        let i = crate::number::format(a[0]);
        let reason = match a[0].fract() != 0.0 || a[0].is_nan() {
            true => format!("{index} = {i} is not an integer"),
            false => format!("{index} = {i}, but {clause}"),
        };
        Some(
            Error::at(
                ErrorKind::NonFinite {
                    // `g3 = p[y]: y = 3, …`; a select inside `W[i, j]`
                    // (its row's) has no name of its own.
                    node: match self.is_shown(id) {
                        true => self.name(id).to_string(),
                        false => "index".to_string(),
                    },
                    def: whole.to_string(),
                    reason,
                },
                self.span(id),
            )
            .with_help("an index is an integer from 0 to the length less 1 (a class label)"),
        )
    }

    /// A function's domain note says `x` for its argument: say what the
    /// argument is instead (`ln is undefined at x - 2 = -1 (needs x - 2 > 0)`).
    fn in_terms_of_the_argument(&self, reason: String, values: &[f64], id: NodeId) -> String {
        let &[arg] = self.inputs(id) else {
            return reason;
        };
        let text = match self.kind(arg) {
            Kind::Const(_) => return reason,
            Kind::Op(_) if !self.is_named(arg) => self.definition(arg),
            _ => self.name(arg).to_string(),
        };
        let value = crate::number::format(values[arg as usize]);
        reason
            .replacen(&format!("at {value} "), &format!("at {text} = {value} "), 1)
            .replace("needs x ", &format!("needs {text} "))
            .replace("≤ x ≤", &format!("≤ {text} ≤"))
    }

    /// Nodes whose value is not finite although their inputs are: where a
    /// NaN or infinity starts.
    pub fn nonfinite_origins(&self, values: &[f64]) -> Vec<NodeId> {
        (0..self.len() as NodeId)
            .filter(|&id| {
                !values[id as usize].is_finite()
                    && self
                        .inputs(id)
                        .iter()
                        .all(|&j| values[j as usize].is_finite())
            })
            .collect()
    }

    /// Backward pass: `grads[i]` = ∂output/∂node i; 0 for constants, which
    /// have no gradient.
    pub fn backward(&self, values: &[f64], grads: &mut Vec<f64>, nonfinite: &mut Vec<NodeId>) {
        grads.clear();
        grads.resize(self.len(), 0.0);
        nonfinite.clear();
        if self.is_empty() {
            return;
        }
        grads[self.output() as usize] = 1.0;
        let mut scratch = Vec::new();
        let mut local = Vec::new();
        for id in (0..self.len() as NodeId).rev() {
            let Kind::Op(op) = self.kind(id) else {
                continue;
            };
            let upstream = grads[id as usize];
            let ins = self.inputs(id);
            let y = values[id as usize];
            let mut d = [0.0; 4];
            let d: &mut [f64] = if ins.len() <= 4 {
                &mut d[..ins.len()]
            } else {
                local.resize(ins.len(), 0.0);
                &mut local[..]
            };
            let finite = with_inputs(self, values, id, &mut scratch, |a| {
                backprop(
                    op.def(),
                    a,
                    y,
                    upstream,
                    d,
                    |i| !matches!(self.kind(ins[i]), Kind::Const(_)),
                    |i, g| grads[ins[i] as usize] += g,
                )
            });
            if !finite {
                nonfinite.push(id);
            }
        }
    }

    /// Both passes at one point.
    pub fn evaluate(&self, point: &[f64], strict: bool) -> Result<Evaluation> {
        let mut e = Evaluation::default();
        self.forward(point, &mut e.values, strict)?;
        self.backward(&e.values, &mut e.grads, &mut e.nonfinite_locals);
        Ok(e)
    }

    /// The operation of an op node (`None` for leaves).
    pub fn op(&self, id: NodeId) -> Option<Op> {
        match self.kind(id) {
            Kind::Op(op) => Some(op),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse, lower and evaluate `source` at `point`, in-process.
    fn evaluate(source: &str, point: &[f64]) -> (Graph, Evaluation) {
        let graph = crate::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let e = graph
            .evaluate(point, false)
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        (graph, e)
    }

    /// Equal, both NaN, or within rounding of the last few bits.
    fn same(actual: f64, expected: f64) -> bool {
        actual == expected
            || (actual.is_nan() && expected.is_nan())
            || (actual - expected).abs() <= 1e-14 * expected.abs().max(1.0)
    }

    const NAN: f64 = f64::NAN;
    const INF: f64 = f64::INFINITY;

    /// (expression, point in variable order, value, ∂f/∂variable in order).
    const CASES: &[(&str, &[f64], f64, &[f64])] = &[
        // The lecture's example.
        (
            "(2*x+y^2)*z^3",
            &[4.0, 3.0, 2.0],
            136.0,
            &[16.0, 48.0, 204.0],
        ),
        // The copy gate: a value used twice gets both terms.
        ("x*x", &[3.0], 9.0, &[6.0]),
        ("x*y + x", &[2.0, 5.0], 12.0, &[6.0, 2.0]),
        ("x - y", &[1.0, 2.0], -1.0, &[1.0, -1.0]),
        ("x / y", &[1.0, 4.0], 0.25, &[0.25, -0.0625]),
        ("-x", &[2.0], -2.0, &[-1.0]),
        // Kinks, PyTorch's conventions.
        ("relu(x)", &[0.0], 0.0, &[0.0]),
        ("relu(x)", &[2.0], 2.0, &[1.0]),
        ("abs(x)", &[0.0], 0.0, &[0.0]),
        ("abs(x)", &[-3.0], 3.0, &[-1.0]),
        ("max(x, y)", &[2.0, 2.0], 2.0, &[0.5, 0.5]),
        ("min(x, y, z)", &[1.0, 1.0, 1.0], 1.0, &[1.0 / 3.0; 3]),
        ("max(x, y, z)", &[3.0, 1.0, 3.0], 3.0, &[0.5, 0.0, 0.5]),
        ("x^y", &[0.0, 0.0], 1.0, &[0.0, 0.0]),
        ("x^y", &[0.0, 0.5], 0.0, &[INF, 0.0]),
        ("x^y", &[-2.0, 3.0], -8.0, &[12.0, NAN]),
        ("sqrt(x)", &[0.0], 0.0, &[INF]),
        // Routing gates select: nothing flows where they do not pass.
        ("sqrt(relu(z))", &[-1.0], 0.0, &[0.0]),
        ("sqrt(relu(z))", &[0.0], 0.0, &[0.0]),
        ("sqrt(max(z, 0))", &[-1.0], 0.0, &[0.0]),
        ("sqrt(min(z, 0))", &[1.0], 0.0, &[0.0]),
        ("sqrt(max(z, 0))", &[0.0], 0.0, &[INF]),
        // abs multiplies by the sign, as in PyTorch: inf × 0.
        ("sqrt(abs(z))", &[0.0], 0.0, &[NAN]),
        // A constant exponent gets no gradient, so no NaN from ln of a
        // negative base.
        ("(-2*x)^2", &[-1.0], 4.0, &[-8.0]),
        // Aliases.
        (
            "log(x)",
            &[std::f64::consts::E],
            1.0,
            &[1.0 / std::f64::consts::E],
        ),
        (
            "log(x, 2)",
            &[8.0],
            3.0,
            &[1.0 / (8.0 * std::f64::consts::LN_2)],
        ),
        ("σ(x)", &[0.0], 0.5, &[0.25]),
        ("pow(x, 3)", &[2.0], 8.0, &[12.0]),
        ("softplus(x)", &[800.0], 800.0, &[1.0]),
        ("sigmoid(x)", &[-800.0], 0.0, &[0.0]),
        // Named steps (Id) pass the gradient through.
        ("b = a\nc = b*2", &[3.0], 6.0, &[2.0]),
        (
            "z = w*x + b\nL = relu(z)",
            &[2.0, 3.0, -1.0],
            5.0,
            &[3.0, 2.0, 1.0],
        ),
    ];

    #[test]
    fn values_and_gradients() {
        for &(source, point, value, grads) in CASES {
            let (graph, e) = evaluate(source, point);
            let got = e.values[graph.output() as usize];
            assert!(
                same(got, value),
                "{source} at {point:?}: value {got}, want {value}"
            );
            assert_eq!(graph.variables().len(), grads.len(), "{source}");
            for (v, &want) in grads.iter().enumerate() {
                let got = e.grads[graph.variable_node(v) as usize];
                let name = &graph.variables()[v];
                assert!(
                    same(got, want),
                    "{source} at {point:?}: ∂f/∂{name} = {got}, want {want}"
                );
            }
        }
    }

    /// Constants have no gradient, and their local derivatives (ln of a
    /// negative base into a constant exponent) are never reported.
    #[test]
    fn constants_have_no_gradient() {
        let (graph, e) = evaluate("(-2*x)^2 + 3", &[-1.0]);
        for id in 0..graph.len() as NodeId {
            if matches!(graph.kind(id), Kind::Const(_)) {
                assert_eq!(e.grads[id as usize], 0.0, "{id}");
            }
        }
        assert!(e.nonfinite_locals.is_empty(), "{:?}", e.nonfinite_locals);
        let (graph, e) = evaluate("sqrt(abs(z))", &[0.0]);
        assert_eq!(e.nonfinite_locals, [graph.output()]);
    }

    /// The local derivatives `--explain` shows are the backward pass's.
    #[test]
    fn local_derivatives_of_a_node() {
        let (graph, e) = evaluate("x*y", &[3.0, 5.0]);
        let mut d = [0.0; 2];
        graph.local_derivatives(graph.output(), &e.values, &mut d);
        assert_eq!(d, [5.0, 3.0]);
    }
}
