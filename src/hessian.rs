//! Second derivatives at a point (`--hessian --at`, `--expect d2f/dxdy`):
//! the backward pass differentiated numerically on the graph itself, as
//! PyTorch's double backward does (SPEC §6, "Numbers of second
//! derivatives").
//!
//! Row u of the Hessian is the gradient of ∂f/∂u. For each variable u, two
//! loops over the graph:
//!
//! 1. forward, the tangents ṫ = ∂node/∂u (the adjoints, in the second
//!    backward, of the first backward's gradients): each gate passes its
//!    inputs' tangents times its local derivatives, a routing gate (relu,
//!    max, min) nothing where it does not select the input;
//! 2. backward, the second adjoints x̄ = ∂(∂f/∂u)/∂node: each gate adds the
//!    second-order part of its backward step ([`crate::ops::OpDef::second`],
//!    PyTorch's backward formula differentiated step by step), then passes
//!    its own x̄ back to its inputs as the first backward passes gradients.
//!
//! The cost is two passes over the graph per variable, never a formula
//! that grows with depth. Where a quantity does not depend on u at all it
//! is absent (`None`), not 0, as in PyTorch's graph: a term 0 × inf is NaN
//! only where PyTorch computes it.

use crate::eval::Evaluation;
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::{accumulate, Twice};

/// The local derivatives of every gate at one evaluation, in the order of
/// the gates' inputs (computed once for all the rows).
struct Locals {
    start: Vec<usize>,
    d: Vec<f64>,
}

impl Locals {
    fn new(graph: &Graph, values: &[f64]) -> Locals {
        let mut start = Vec::with_capacity(graph.len() + 1);
        let mut d = Vec::new();
        for id in 0..graph.len() as NodeId {
            start.push(d.len());
            let n = graph.inputs(id).len();
            if graph.op(id).is_some() {
                let at = d.len();
                d.resize(at + n, 0.0);
                graph.local_derivatives(id, values, &mut d[at..]);
            } else {
                d.resize(d.len() + n, 0.0);
            }
        }
        start.push(d.len());
        Locals { start, d }
    }

    fn of(&self, id: NodeId) -> &[f64] {
        &self.d[self.start[id as usize]..self.start[id as usize + 1]]
    }
}

/// Reusable buffers of the passes.
struct Passes<'g> {
    graph: &'g Graph,
    eval: &'g Evaluation,
    locals: Locals,
    tangent: Vec<Option<f64>>,
    bar: Vec<Option<f64>>,
    inputs: Vec<f64>,
    tangents: Vec<Option<f64>>,
    terms: Vec<Option<f64>>,
}

impl<'g> Passes<'g> {
    fn new(graph: &'g Graph, eval: &'g Evaluation) -> Self {
        Passes {
            graph,
            eval,
            locals: Locals::new(graph, &eval.values),
            tangent: vec![None; graph.len()],
            bar: vec![None; graph.len()],
            inputs: Vec::new(),
            tangents: Vec::new(),
            terms: Vec::new(),
        }
    }

    fn live(&self, id: NodeId) -> bool {
        !matches!(self.graph.kind(id), Kind::Const(_))
    }

    /// ∂²f/∂u∂v for every variable v, in the order of the variables.
    fn row(&mut self, u: usize) -> Vec<f64> {
        let graph = self.graph;
        let n = graph.len() as NodeId;
        // 1. Tangents along u.
        self.tangent.fill(None);
        self.tangent[graph.variable_node(u) as usize] = Some(1.0);
        for id in 0..n {
            let Kind::Op(op) = graph.kind(id) else {
                continue;
            };
            let def = op.def();
            let ins = graph.inputs(id);
            self.inputs.clear();
            self.inputs
                .extend(ins.iter().map(|&i| self.eval.values[i as usize]));
            let mut sum: Option<f64> = None;
            for (k, (&input, &d)) in ins.iter().zip(self.locals.of(id)).enumerate() {
                if let Some(t) = self.tangent[input as usize] {
                    accumulate(&mut sum, def.flow(&self.inputs, k, t, d));
                }
            }
            self.tangent[id as usize] = sum;
        }
        // 2. Second adjoints, output first.
        self.bar.fill(None);
        for id in (0..n).rev() {
            let Kind::Op(op) = graph.kind(id) else {
                continue;
            };
            let def = op.def();
            let ins = graph.inputs(id);
            self.tangents.clear();
            self.tangents
                .extend(ins.iter().map(|&i| self.tangent[i as usize]));
            self.inputs.clear();
            self.inputs
                .extend(ins.iter().map(|&i| self.eval.values[i as usize]));
            if self.tangents.iter().any(Option::is_some) {
                self.terms.clear();
                self.terms.resize(ins.len(), None);
                let mut own = None;
                let twice = Twice {
                    a: &self.inputs,
                    y: self.eval.values[id as usize],
                    g: self.eval.grads[id as usize],
                    t: &self.tangents,
                };
                (def.second)(&twice, &mut self.terms, &mut own);
                if let Some(v) = own {
                    accumulate(&mut self.bar[id as usize], v);
                }
                for (k, &input) in ins.iter().enumerate() {
                    if let (Some(v), true) = (self.terms[k], self.live(input)) {
                        accumulate(&mut self.bar[input as usize], v);
                    }
                }
            }
            if let Some(upstream) = self.bar[id as usize] {
                for (k, &input) in ins.iter().enumerate() {
                    if self.live(input) {
                        let d = self.locals.of(id)[k];
                        let g = def.flow(&self.inputs, k, upstream, d);
                        accumulate(&mut self.bar[input as usize], g);
                    }
                }
            }
        }
        (0..graph.variables().len())
            .map(|v| self.bar[graph.variable_node(v) as usize].unwrap_or(0.0))
            .collect()
    }
}

/// The Hessian of the graph's output at the evaluated point (`eval` from
/// [`Graph::evaluate`], values and gradients): row u, column v is
/// ∂²f/∂u∂v, with PyTorch's double-backward conventions.
pub fn matrix(graph: &Graph, eval: &Evaluation) -> Vec<Vec<f64>> {
    let mut passes = Passes::new(graph, eval);
    (0..graph.variables().len())
        .map(|u| passes.row(u))
        .collect()
}

/// One row of [`matrix`]: ∂²f/∂u∂v for every v.
pub fn row(graph: &Graph, eval: &Evaluation, u: usize) -> Vec<f64> {
    Passes::new(graph, eval).row(u)
}

/// The warning for second derivatives that are not finite (as SPEC §2 warns
/// about a non-finite gradient), naming the cells and the gates whose local
/// derivative is not finite; `None` when every cell is finite.
pub fn warning(graph: &Graph, eval: &Evaluation, h: &[Vec<f64>]) -> Option<String> {
    let f = graph.name(graph.output()).to_string();
    let variables = graph.variables();
    let mut bad = Vec::new();
    for (i, u) in variables.iter().enumerate() {
        for (j, v) in variables.iter().enumerate().skip(i) {
            let x = h[i][j];
            if !x.is_finite() {
                let label = label(&f, u, v);
                bad.push(format!("{label} = {}", crate::number::format(x)));
            }
            if j != i && !h[j][i].is_finite() && h[j][i].to_bits() != x.to_bits() {
                let label = label(&f, v, u);
                bad.push(format!("{label} = {}", crate::number::format(h[j][i])));
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    let text = format!("non-finite second derivative: {}", bad.join(", "));
    Some(text + &eval.nonfinite_because(graph))
}

/// `∂²f/∂x²`, `∂²f/∂x∂y`: a cell of the Hessian, as the table names it.
pub fn label(output: &str, u: &str, v: &str) -> String {
    if u == v {
        format!("∂²{output}/∂{u}²")
    } else {
        format!("∂²{output}/∂{u}∂{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hessian(source: &str, point: &[f64]) -> Vec<Vec<f64>> {
        let graph = crate::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let e = graph
            .evaluate(point, false)
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        matrix(&graph, &e)
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits()
            || (a.is_nan() && b.is_nan())
            || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    }

    const NAN: f64 = f64::NAN;
    const INF: f64 = f64::INFINITY;

    /// (expression, point, Hessian): the values PyTorch 2.15's double
    /// backward gives (float64), kinks and saturation included.
    #[test]
    fn as_pytorchs_double_backward() {
        type Case = (&'static str, &'static [f64], &'static [&'static [f64]]);
        let cases: &[Case] = &[
            (
                "(2*x+y^2)*z^3",
                &[4.0, 3.0, 2.0],
                &[&[0.0, 0.0, 24.0], &[0.0, 16.0, 72.0], &[24.0, 72.0, 204.0]],
            ),
            ("tanh(a^10)", &[2.36], &[&[0.0]]),
            (
                "(3-cosh(z))*relu(u)^1.5",
                &[0.3, -2.86],
                &[&[0.0, 0.0], &[0.0, 0.0]],
            ),
            ("x^y", &[0.0, 0.0], &[&[NAN, NAN], &[NAN, NAN]]),
            ("x^y", &[0.0, 2.0], &[&[2.0, 0.0], &[NAN, NAN]]),
            ("x^y", &[0.0, 0.5], &[&[-INF, NAN], &[NAN, NAN]]),
            ("abs(x)*x", &[0.0], &[&[0.0]]),
            ("abs(x)^3", &[0.0], &[&[0.0]]),
            ("sqrt(x)", &[0.0], &[&[-INF]]),
            ("softplus(x)^2", &[25.0], &[&[2.0]]),
            ("max(x*x, y*y)", &[2.0, 2.0], &[&[1.0, 0.0], &[0.0, 1.0]]),
            (
                "x/y",
                &[2.0, 3.0],
                &[&[0.0, -1.0 / 9.0], &[-1.0 / 9.0, 4.0 / 27.0]],
            ),
            ("sigmoid(x*x)", &[0.7], &[&[0.36023638579268846]]),
            ("sigmoid(x*x)", &[30.0], &[&[0.0]]),
        ];
        for &(source, point, want) in cases {
            let got = hessian(source, point);
            for (i, row) in want.iter().enumerate() {
                for (j, &w) in row.iter().enumerate() {
                    assert!(
                        same(got[i][j], w),
                        "{source} at {point:?}: [{i}][{j}] = {}, PyTorch {w}",
                        got[i][j]
                    );
                }
            }
        }
    }

    /// Cost: two passes per variable, so a tower of powers 200 deep (whose
    /// formulas grow exponentially) is immediate.
    #[test]
    fn deep_towers_are_linear() {
        let tower = vec!["x"; 200].join("^");
        let h = hessian(&format!("{tower} + x*y"), &[1.0, 2.0]);
        // x^x^…^x at 1: 2 for a tower of two or more.
        assert_eq!(h, [[2.0, 1.0], [1.0, 0.0]]);
    }
}
