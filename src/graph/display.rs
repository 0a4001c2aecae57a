//! What the output shows of a graph with vectors and matrices (SPEC §9):
//! the lecture's matrix form. Lowering expands `W@x + b` into scalar nodes
//! (the engines need them all); the table shows one row per tensor
//! subexpression (a group: `g1 = W@x + b`, `h = tanh(W@x + b)`), one row
//! for a scalar result of a tensor operation (`v@h + c`, `sum(h)`, its
//! definition as written), and no row for the nodes inside an expansion
//! (a matmul's products and partial sums, softmax's shifted terms), which
//! are hidden. A scalar program has none of this: [`Display`] is empty.

use super::{Group, Label, Node, NodeId};
use rustc_hash::{FxHashMap, FxHashSet};

/// An element's name: `W[1,0]`, `x[2]`.
pub fn element_name(name: &str, shape: &[usize], flat: usize) -> String {
    match *shape {
        [_, cols] => format!("{name}[{},{}]", flat / cols, flat % cols),
        _ => format!("{name}[{flat}]"),
    }
}

/// One row of the table: a node, or a group (an index into
/// [`super::Graph::groups`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Node(NodeId),
    Group(usize),
}

#[derive(Debug, Clone, Default)]
pub(super) struct Display {
    /// For each node, the group it is an element of (the first), or
    /// `u32::MAX`. Empty for a scalar program.
    pub(super) unit_of: Vec<u32>,
    /// For each node: made inside an expansion, and shown by no row.
    pub(super) hidden: Vec<bool>,
    /// The scalar rows of tensor operations: their definition as written
    /// and their operation (`sum`, `add`).
    pub(super) scalar_units: FxHashMap<NodeId, (Box<str>, &'static str)>,
}

impl Display {
    /// `made`: each node was made inside a tensor operation's expansion.
    /// Such a node is hidden unless it is a group's element, a scalar row,
    /// or named; and a shown node whose definition names its inputs (any
    /// but an element or a scalar row, whose definitions are the source
    /// text) shows its inputs.
    pub(super) fn new(
        groups: &[Group],
        scalar_units: FxHashMap<NodeId, (Box<str>, &'static str)>,
        made: Vec<bool>,
        nodes: &[Node],
        inputs: &[NodeId],
        labels: &[Label],
    ) -> Display {
        let n = nodes.len();
        let mut unit_of = vec![u32::MAX; n];
        for (i, g) in groups.iter().enumerate() {
            for &node in &g.nodes {
                if unit_of[node as usize] == u32::MAX {
                    unit_of[node as usize] = i as u32;
                }
            }
        }
        let mut hidden: Vec<bool> = (0..n)
            .map(|id| {
                made[id]
                    && unit_of[id] == u32::MAX
                    && !scalar_units.contains_key(&(id as NodeId))
                    && !matches!(labels[id], Label::Named(_) | Label::Var(_))
            })
            .collect();
        // Backwards, so a node shown here shows its own inputs in turn.
        for id in (0..n).rev() {
            if hidden[id] || unit_of[id] != u32::MAX || scalar_units.contains_key(&(id as NodeId)) {
                continue;
            }
            let node = nodes[id];
            for &j in &inputs[node.start as usize..(node.start + node.len) as usize] {
                hidden[j as usize] = false;
            }
        }
        Display {
            unit_of,
            hidden,
            scalar_units,
        }
    }

    /// Names the rows in the table's order: a shown unnamed node `gK`, an
    /// unnamed group `gK` at its last element, its elements `gK[0]`, ….
    /// `taken`: the names a user gave, which `gK` skips.
    pub(super) fn name(
        &self,
        groups: &mut [Group],
        labels: &mut [Label],
        names: &mut Vec<String>,
        taken: &FxHashSet<String>,
    ) {
        let mut next = 0u32;
        let mut g_name = || loop {
            next += 1;
            if !taken.contains(&format!("g{next}")) {
                return next;
            }
        };
        let lasts: Vec<NodeId> = groups
            .iter()
            .map(|g| g.nodes.iter().copied().max().unwrap_or(0))
            .collect();
        let mut gi = 0;
        for (id, label) in labels.iter_mut().enumerate() {
            if self.unit_of[id] == u32::MAX {
                if let Label::G(_) = label {
                    *label = match self.hidden[id] {
                        true => Label::Hidden,
                        false => Label::G(g_name()),
                    };
                }
            }
            while gi < groups.len() && lasts[gi] as usize == id {
                if groups[gi].name.is_empty() {
                    groups[gi].name = format!("g{}", g_name());
                }
                gi += 1;
            }
        }
        for (i, g) in groups.iter().enumerate() {
            for (flat, &node) in g.nodes.iter().enumerate() {
                let unnamed = matches!(labels[node as usize], Label::G(_) | Label::Hidden);
                if self.unit_of[node as usize] == i as u32 && unnamed {
                    labels[node as usize] = Label::Named(names.len() as u32);
                    names.push(element_name(&g.name, &g.shape, flat));
                }
            }
        }
    }
}
