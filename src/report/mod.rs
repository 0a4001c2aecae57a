//! Renderers: one file per output format, all reading the same [`View`].

pub mod checks;
pub mod csv;
pub mod dot;
pub mod explain;
pub mod json;
pub mod layout;
pub mod log;
pub mod mermaid;
pub mod plot;
pub mod sink;
pub mod summary;
pub mod svg;
pub mod table;
pub mod tensor;

use crate::eval::Evaluation;
use crate::graph::{Graph, NodeId};
use crate::number;

/// One evaluated point, as the renderers see it.
pub struct View<'a> {
    pub graph: &'a Graph,
    pub eval: &'a Evaluation,
    /// Significant digits for display (`--digits`); `None` for exact.
    pub digits: Option<usize>,
}

/// What the formulas mode (`--symbolic`, `--hessian`) found, as its
/// writers ([`table::formula_set`], [`json::formula_set`]) see it.
pub struct FormulaSet<'a> {
    pub graph: &'a Graph,
    /// Formulas were asked for (`--symbolic`); without, numbers only.
    pub symbolic: bool,
    /// The named steps as a program, one `name = formula` a line.
    pub steps_program: String,
    /// Each named step and its formula.
    pub steps: Vec<(String, String)>,
    /// ∂f/∂v's formula for each variable (empty without `--symbolic`).
    pub gradient: Vec<String>,
    /// The Hessian's formulas, a row a variable.
    pub hessian: Option<Vec<Vec<String>>>,
    /// The values at each `--at` point.
    pub points: Vec<FormulaPoint>,
    /// Significant digits of numbers (`--digits`); `None` for exact.
    pub digits: Option<usize>,
}

impl FormulaSet<'_> {
    /// Whether a check failed at some point.
    pub fn failed(&self) -> bool {
        self.points
            .iter()
            .flat_map(|p| &p.checks)
            .any(|c| !c.passed)
    }
}

/// One `--at` point of a [`FormulaSet`].
pub struct FormulaPoint {
    /// The point as written.
    pub at: String,
    pub value: f64,
    /// For each variable.
    pub gradient: Vec<f64>,
    /// With `--hessian`.
    pub hessian: Option<Vec<Vec<f64>>>,
    /// The second-derivative checks (`d2f/dx2=…`) at the point.
    pub checks: Vec<SecondChecked>,
}

/// A second-derivative check at one point.
pub struct SecondChecked {
    /// The target as written (`d2f/dxdy`).
    pub label: String,
    pub expected_text: String,
    pub actual: f64,
    pub passed: bool,
}

/// What a picture of the graph (dot, mermaid, svg) shows of one node, unescaped.
pub struct NodeLabel {
    pub name: String,
    /// `var`, or the operation and its definition: `mul: 2*x`.
    pub what: String,
    pub value: String,
    pub grad: String,
}

impl View<'_> {
    /// The label of a node in a picture of the graph.
    pub fn node_label(&self, id: NodeId) -> NodeLabel {
        let g = self.graph;
        NodeLabel {
            name: g.name(id).to_string(),
            what: match g.kind(id) {
                crate::Kind::Var(_) => "var".to_string(),
                _ => format!("{}: {}", g.op_name(id), g.definition(id)),
            },
            value: self.num(self.value(id)),
            grad: self.num(self.grad(id)),
        }
    }

    /// The edges of a picture, from each shown input to its user.
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        let g = self.graph;
        g.shown().flat_map(move |id| {
            g.inputs(id)
                .iter()
                .filter(|&&input| g.is_shown(input))
                .map(move |&input| (input, id))
        })
    }

    pub fn value(&self, id: NodeId) -> f64 {
        self.eval.values[id as usize]
    }

    pub fn grad(&self, id: NodeId) -> f64 {
        self.eval.grads[id as usize]
    }

    pub fn output_value(&self) -> f64 {
        self.value(self.graph.output())
    }

    pub fn num(&self, x: f64) -> String {
        number::format_digits(x, self.digits)
    }

    pub fn write_num(&self, out: &mut String, x: f64) {
        match self.digits {
            None => number::write(out, x),
            Some(_) => out.push_str(&self.num(x)),
        }
    }

    /// The output's name, for `∂f/∂x` headings.
    pub fn output_name(&self) -> String {
        if let Some(group) = self.graph.output_group() {
            return group.name.clone();
        }
        self.graph.name(self.graph.output()).to_string()
    }

    /// What a user should know about non-finite numbers at this point.
    pub fn warnings(&self) -> Vec<String> {
        self.eval.warnings(self.graph)
    }
}
