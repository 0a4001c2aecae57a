//! The two passes: forward is one loop over the nodes, backward one loop back,
//! each node adding its upstream gradient times its local derivatives into its
//! inputs' adjoints (the lecture's gates; a node used twice gets both terms).

use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::Op;

/// Values and adjoints (∂output/∂node) of every node at one point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub values: Vec<f64>,
    pub grads: Vec<f64>,
    /// Nodes whose local derivative was not finite (sqrt at 0, …), in
    /// backward order: why a gradient is infinite or NaN.
    pub nonfinite_locals: Vec<NodeId>,
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

impl Graph {
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
        let reason = match self.kind(id) {
            Kind::Op(op) => {
                let mut scratch = Vec::new();
                with_inputs(self, values, id, &mut scratch, |a| (op.def().domain)(a))
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

    /// Backward pass: `grads[i]` = ∂output/∂node i. Constants' slots are
    /// filled too but mean nothing.
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
            with_inputs(self, values, id, &mut scratch, |a| op.local(a, y, d));
            let mut finite = true;
            for (&j, &dj) in ins.iter().zip(d.iter()) {
                if !matches!(self.kind(j), Kind::Const(_)) {
                    finite &= dj.is_finite();
                    grads[j as usize] += upstream * dj;
                }
            }
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
