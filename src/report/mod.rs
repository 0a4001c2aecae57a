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

    /// The boxes of a picture: every shown node; with vectors and
    /// matrices (SPEC §9) a box per row of the table, a group's box named
    /// by its last element (so the output's box is the output node).
    pub fn picture_nodes(&self) -> Vec<NodeId> {
        let g = self.graph;
        if g.groups().is_empty() {
            return g.shown().collect();
        }
        g.rows()
            .into_iter()
            .map(|row| match row {
                crate::graph::Row::Node(id) => id,
                crate::graph::Row::Group(i) => last_element(&g.groups()[i]),
            })
            .collect()
    }

    /// The label of a picture's box: a node's, or a group's (its shape and
    /// expression, value and gradient as compact arrays).
    pub fn picture_label(&self, id: NodeId) -> NodeLabel {
        let g = self.graph;
        let group = g
            .group_of(id)
            .map(|i| &g.groups()[i])
            .filter(|group| last_element(group) == id);
        let Some(group) = group else {
            return self.node_label(id);
        };
        let shape = crate::graph::shape_text(&group.shape);
        let compact = |x: f64| number::format_digits(x, Some(self.digits.unwrap_or(3)));
        NodeLabel {
            name: group.name.clone(),
            what: match &group.definition {
                None => format!("var {shape}"),
                Some(def) => format!("{} {shape}: {def}", group.op),
            },
            value: tensor::summary(group, |n| compact(self.value(n))),
            grad: match g.tensor_output() {
                Some(_) => "—".to_string(),
                None => tensor::summary(group, |n| compact(self.grad(n))),
            },
        }
    }

    /// The edges of a picture: [`View::edges`]; with vectors and matrices,
    /// between the boxes of [`View::picture_nodes`], through the nodes
    /// inside expansions, each once.
    pub fn picture_edges(&self) -> Vec<(NodeId, NodeId)> {
        let g = self.graph;
        if g.groups().is_empty() {
            return self.edges().collect();
        }
        // Each shown node's box.
        let boxes = self.picture_nodes();
        let mut box_of = vec![NodeId::MAX; g.len()];
        for &b in &boxes {
            match g.group_of(b) {
                Some(i) if last_element(&g.groups()[i]) == b => {
                    for &n in &g.groups()[i].nodes {
                        if g.group_of(n) == Some(i) {
                            box_of[n as usize] = b;
                        }
                    }
                }
                _ => box_of[b as usize] = b,
            }
        }
        // For each box, the boxes its nodes read, through hidden nodes
        // (a stack, not recursion; each node once a box).
        let mut stamp = vec![NodeId::MAX; g.len()];
        let mut edges = Vec::new();
        let mut stack = Vec::new();
        for &b in &boxes {
            let members: Vec<NodeId> = match g.group_of(b) {
                Some(i) if last_element(&g.groups()[i]) == b => g.groups()[i].nodes.clone(),
                _ => vec![b],
            };
            let mut from = Vec::new();
            for m in members {
                stack.extend_from_slice(g.inputs(m));
                while let Some(j) = stack.pop() {
                    if stamp[j as usize] == b {
                        continue;
                    }
                    stamp[j as usize] = b;
                    match box_of[j as usize] {
                        NodeId::MAX if !g.is_shown(j) => stack.extend_from_slice(g.inputs(j)),
                        NodeId::MAX => {}
                        src if src != b && !from.contains(&src) => from.push(src),
                        _ => {}
                    }
                }
            }
            edges.extend(from.into_iter().map(|src| (src, b)));
        }
        edges
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

/// A group's last element: its box in a picture.
fn last_element(group: &crate::graph::Group) -> NodeId {
    group.nodes.iter().copied().max().unwrap_or(0)
}
