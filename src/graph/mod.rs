//! Syntax tree → computational graph (README, "The graph"): a flat list of nodes in
//! evaluation order, the lecture's g1, g2, ….
//!
//! Lowering is one loop over the expression arena (operands come first).
//! Constants are folded; identical subexpressions become one node (so a value
//! used twice has one gradient, the copy gate's sum); what the output does not
//! depend on is dropped; the rest is ordered by level — leaves, then every
//! operation on leaves only, then operations on those, … — which is the
//! lecture's numbering (g1 = 2x, g2 = y², g3 = z³, g4 = g1 + g2).

use crate::ast::{BinOp, ExprId, ExprKind, Program, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::ops::{self, Notation, Op};
use rustc_hash::{FxHashMap, FxHashSet};

mod display;
mod lower;
use display::Display;
pub use display::{element_name, Row};
use lower::Lowerer;

pub type NodeId = u32;

/// The largest graph the tool builds (the 100,000-term benchmark sum has
/// 835,000 nodes; 16 MiB of typical text makes about 3 million). Checked as
/// nodes are made, so memory stays bounded (about 600 MB at the limit).
pub const MAX_NODES: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The i-th variable, in order of first appearance.
    Var(u32),
    /// The i-th constant; hidden in output, shown inside its user's definition.
    Const(u32),
    Op(Op),
}

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    start: u32,
    len: u32,
}

/// How a folded constant's text must be wrapped inside a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `2`, `pi`
    Atom,
    /// `-2`: parenthesised except as the first operand of `+ - * /`
    Negated,
    /// `1/2`: always parenthesised, except as a call argument
    Compound,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    pub value: f64,
    /// As written (`pi`, `1/2`); `None` for a number, shown by its value.
    pub text: Option<Box<str>>,
    pub form: Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Hidden,
    Var(u32),
    /// An operation not yet named (during lowering only).
    Unnamed,
    G(u32),
    /// Index into `Graph::names`.
    Named(u32),
}

/// `2×3`, `3`: a tensor's shape in messages and tables.
pub fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    dims.join("×")
}

/// A named vector or matrix (SPEC §9): its elements are scalar nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// `[n]` for a vector, `[rows, columns]` for a matrix.
    pub shape: Vec<usize>,
    /// The elements' nodes, row-major.
    pub nodes: Vec<NodeId>,
    /// A statement's expression as written (`tanh(W@x + b)`); `None` for a
    /// variable.
    pub definition: Option<String>,
    /// The operation its row shows: `var`, `matmul`, `add`, `tanh`, ….
    pub op: &'static str,
}

/// An output that is a vector or matrix (SPEC §9): its values are shown,
/// and gradients, which need a scalar output, are not.
#[derive(Debug, Clone)]
pub struct TensorOutput {
    /// The group's name (`h`, or `f` for a bare last expression).
    pub name: String,
    /// Why gradients cannot be had, with the hint to reduce it: the note
    /// of a run that shows values, the error of one that needs gradients.
    pub error: Error,
}

/// The graph: nodes in evaluation order, the output last.
#[derive(Debug, Clone)]
pub struct Graph {
    groups: Vec<Group>,
    tensor_output: Option<TensorOutput>,
    /// What the table shows of tensor operations (empty for a scalar
    /// program).
    display: Display,
    nodes: Vec<Node>,
    inputs: Vec<NodeId>,
    labels: Vec<Label>,
    /// Where each node was first written in the source.
    spans: Vec<(u32, u32)>,
    consts: Vec<Constant>,
    variables: Vec<String>,
    var_nodes: Vec<NodeId>,
    names: Vec<String>,
    statements: Vec<String>,
    output: NodeId,
}

/// Whether `text` is one call, `softmax(V@x)`: indexed without parentheses.
fn is_call(text: &str) -> bool {
    let Some(open) = text.find('(') else {
        return false;
    };
    if open == 0 || !crate::parse::is_name(&text[..open]) || !text.ends_with(')') {
        return false;
    }
    // The first parenthesis closes at the end.
    let mut depth = 0;
    for (i, c) in text.char_indices().skip_while(|&(i, _)| i < open) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return i + 1 == text.len();
        }
    }
    false
}

/// `W[1,0]` → (`W`, [1, 0]): the tensor an element's name belongs to, and
/// its indices (lowering names elements so; no other name holds `[`).
pub fn parse_element(name: &str) -> Option<(&str, Vec<usize>)> {
    crate::points::element(name).ok().flatten()
}

/// `at x=4, y=3, z=2`: `names` bound to `values`, as a heading says it; a
/// vector's or matrix's elements as the tensor, `W=[[1, 2], [3, 4]]`.
pub fn describe_point<N: AsRef<str>>(names: &[N], values: &[f64]) -> String {
    // Each tensor, in order of its first element: its elements' indices
    // and values.
    type Elements = Vec<(Vec<usize>, f64)>;
    let mut tensors: Vec<(&str, Elements)> = Vec::new();
    let mut list: Vec<Option<String>> = Vec::new();
    for (n, &v) in names.iter().zip(values) {
        match parse_element(n.as_ref()) {
            Some((base, index)) => match tensors.iter_mut().find(|(b, _)| *b == base) {
                Some((_, elements)) => elements.push((index, v)),
                None => {
                    tensors.push((base, vec![(index, v)]));
                    list.push(None);
                }
            },
            None => list.push(Some(format!("{}={}", n.as_ref(), crate::number::format(v)))),
        }
    }
    let mut tensors = tensors.into_iter();
    let list: Vec<String> = list
        .into_iter()
        .map(|item| match item {
            Some(item) => item,
            None => tensors.next().map_or_else(String::new, |(base, elements)| {
                format!("{base}={}", tensor_text(&elements))
            }),
        })
        .collect();
    format!("at {}", list.join(", "))
}

/// `[1, 2]` or `[[1, 2], [3, 4]]` from elements by their indices (row-major
/// or not); a missing element is `?`.
fn tensor_text(elements: &[(Vec<usize>, f64)]) -> String {
    // By hash: a heading may hold a network's 50,890 parameters.
    let by_index: FxHashMap<&[usize], f64> =
        elements.iter().map(|(i, v)| (i.as_slice(), *v)).collect();
    let get = |index: &[usize]| {
        by_index
            .get(index)
            .map_or_else(|| "?".to_string(), |v| crate::number::format(*v))
    };
    let rank = elements.first().map_or(1, |(i, _)| i.len());
    let shape: Vec<usize> = (0..rank)
        .map(|axis| {
            elements
                .iter()
                .filter_map(|(i, _)| i.get(axis))
                .max()
                .map_or(0, |m| m + 1)
        })
        .collect();
    let cells: Vec<String> = match *shape.as_slice() {
        [rows, columns] => (0..rows * columns)
            .map(|k| get(&[k / columns, k % columns]))
            .collect(),
        _ => (0..shape.first().copied().unwrap_or(0))
            .map(|k| get(&[k]))
            .collect(),
    };
    nest(cells, &shape)
}

/// `cells` (row-major) in `shape`: `[1, 2]` or `[[1, 2], [3, 4]]`. Every
/// writer of a tensor (tables, checks, training logs, `--at` lines,
/// headings) nests with it.
pub fn nest(cells: Vec<String>, shape: &[usize]) -> String {
    match shape {
        [_, cols] if *cols > 0 => {
            let rows: Vec<String> = cells
                .chunks(*cols)
                .map(|row| format!("[{}]", row.join(", ")))
                .collect();
            format!("[{}]", rows.join(", "))
        }
        _ => format!("[{}]", cells.join(", ")),
    }
}

/// A node's name, displayed without allocating.
pub struct Name<'g>(&'g Graph, NodeId);

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = String::new();
        self.0.write_name(&mut buf, self.1);
        f.write_str(&buf)
    }
}

impl Graph {
    /// Builds the graph of `program`; its output is the statement `of`, or
    /// the last statement.
    /// The syntax tree is consumed, and freed before the graph's final
    /// arrays are built, which keeps the peak memory of a big input down.
    pub fn lower(program: Program<'_>, of: Option<&str>) -> Result<Graph> {
        Lowerer::new(program, &FxHashMap::default())?.run(of)
    }

    /// [`Graph::lower`] with the shapes of the tensor variables (SPEC §9:
    /// `W` is 2×2 when `--at` gives it a matrix).
    pub fn lower_shaped(
        program: Program<'_>,
        of: Option<&str>,
        shapes: &FxHashMap<String, Vec<usize>>,
    ) -> Result<Graph> {
        Lowerer::new(program, shapes)?.run(of)
    }

    /// [`Graph::lower_shaped`], where the output may be a vector or matrix
    /// ([`Graph::tensor_output`]): a run that shows values only.
    pub fn lower_values(
        program: Program<'_>,
        of: Option<&str>,
        shapes: &FxHashMap<String, Vec<usize>>,
    ) -> Result<Graph> {
        let mut lowerer = Lowerer::new(program, shapes)?;
        lowerer.tensor_values = true;
        lowerer.run(of)
    }

    /// The output when it is a vector or matrix: [`Graph::output`] is then
    /// its last element, and the gradients are of that element alone, not
    /// to be shown.
    pub fn tensor_output(&self) -> Option<&TensorOutput> {
        self.tensor_output.as_ref()
    }

    /// The group of a tensor output.
    pub fn output_group(&self) -> Option<&Group> {
        let t = self.tensor_output.as_ref()?;
        self.groups.iter().find(|g| g.name == t.name)
    }

    /// Each vector's or matrix's shape by its name: what a text read
    /// against this graph (a formula answer) lowers with, so that `x[0]`
    /// there is x's element.
    pub fn shapes(&self) -> FxHashMap<String, Vec<usize>> {
        self.groups
            .iter()
            .map(|g| (g.name.clone(), g.shape.clone()))
            .collect()
    }

    /// The vectors and matrices with names (variables and statements), each
    /// a group of the graph's nodes in row-major order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// `at x=4, y=3, z=2`: the heading of a point among several.
    pub fn describe_point(&self, values: &[f64]) -> String {
        describe_point(self.variables(), values)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn kind(&self, id: NodeId) -> Kind {
        self.nodes[id as usize].kind
    }

    pub fn inputs(&self, id: NodeId) -> &[NodeId] {
        let n = self.nodes[id as usize];
        &self.inputs[n.start as usize..(n.start + n.len) as usize]
    }

    /// Constants are folded into their users and never shown as rows; nor
    /// are the nodes inside a tensor operation's expansion (a matmul's
    /// products and partial sums), which no row shows.
    pub fn is_shown(&self, id: NodeId) -> bool {
        !matches!(self.kind(id), Kind::Const(_))
            && !self
                .display
                .hidden
                .get(id as usize)
                .copied()
                .unwrap_or(false)
    }

    /// The group node `id` is an element of (the first, in
    /// [`Graph::groups`]' order).
    pub fn group_of(&self, id: NodeId) -> Option<usize> {
        match self.display.unit_of.get(id as usize) {
            Some(&g) if g != u32::MAX => Some(g as usize),
            _ => None,
        }
    }

    /// Whether the node is the one node of a scalar tensor operation
    /// (`sum(h)`, `v@h + c`): its row's definition is the source text.
    pub fn is_scalar_unit(&self, id: NodeId) -> bool {
        !self.display.scalar_units.is_empty() && self.display.scalar_units.contains_key(&id)
    }

    /// The table's rows in order: each shown node that is no group's
    /// element, and each group where its last element is.
    pub fn rows(&self) -> Vec<Row> {
        let groups = &self.groups;
        let mut out = Vec::new();
        let mut gi = 0;
        let lasts: Vec<NodeId> = groups
            .iter()
            .map(|g| g.nodes.iter().copied().max().unwrap_or(0))
            .collect();
        for id in 0..self.len() as NodeId {
            if self.is_shown(id) && self.group_of(id).is_none() {
                out.push(Row::Node(id));
            }
            while gi < groups.len() && lasts[gi] == id {
                out.push(Row::Group(gi));
                gi += 1;
            }
        }
        out
    }

    /// The shown nodes, in evaluation order.
    pub fn shown(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.len() as NodeId).filter(|&id| self.is_shown(id))
    }

    /// Whether the node has a name of its own: a statement's, or the output's.
    pub fn is_named(&self, id: NodeId) -> bool {
        matches!(self.labels[id as usize], Label::Named(_))
    }

    pub fn name(&self, id: NodeId) -> Name<'_> {
        Name(self, id)
    }

    /// Appends the node's name to `out` (the hot path of the renderers).
    pub fn write_name(&self, out: &mut String, id: NodeId) {
        match self.labels[id as usize] {
            Label::Var(v) => out.push_str(&self.variables[v as usize]),
            Label::Named(i) => out.push_str(&self.names[i as usize]),
            Label::G(k) => {
                out.push('g');
                out.push_str(itoa::Buffer::new().format(k));
            }
            Label::Hidden | Label::Unnamed => match self.kind(id) {
                Kind::Const(c) => {
                    let c = &self.consts[c as usize];
                    match &c.text {
                        Some(text) => out.push_str(text),
                        None => crate::number::write(out, c.value),
                    }
                }
                _ => {
                    out.push('#');
                    out.push_str(itoa::Buffer::new().format(id));
                }
            },
        }
    }

    /// Where the node was (first) written in the program's text.
    pub fn span(&self, id: NodeId) -> Span {
        let (start, end) = self.spans[id as usize];
        Span::new(start as usize, end as usize)
    }

    pub fn output(&self) -> NodeId {
        self.output
    }

    pub fn constant(&self, c: u32) -> &Constant {
        &self.consts[c as usize]
    }

    /// The variables, in order of first appearance.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    pub fn variable_node(&self, v: usize) -> NodeId {
        self.var_nodes[v]
    }

    /// Names given by statements (and `f` for a bare last expression).
    pub fn statement_names(&self) -> &[String] {
        &self.statements
    }

    /// `var`, `const` or the operation's name (a scalar tensor operation's
    /// as written: `sum`, `dot`).
    pub fn op_name(&self, id: NodeId) -> &'static str {
        if let Some((_, op)) = self.scalar_unit(id) {
            return op;
        }
        match self.kind(id) {
            Kind::Var(_) => "var",
            Kind::Const(_) => "const",
            Kind::Op(op) => op.name(),
        }
    }

    /// The node with this name (a variable, a statement, `gK`, the output).
    pub fn find(&self, name: &str) -> Option<NodeId> {
        let mut buf = String::new();
        self.shown().find(|&id| {
            buf.clear();
            self.write_name(&mut buf, id);
            buf == name
        })
    }

    /// The names of every shown node, for error messages.
    pub fn shown_names(&self) -> Vec<String> {
        self.shown().map(|id| self.name(id).to_string()).collect()
    }

    /// The names a check may use, for an unknown one: when it looks like a
    /// generated name (`g5`), each operation with its definition (`g1 =
    /// x^2`), since a name close by spelling is no help there.
    pub fn names_for(&self, unknown: &str) -> Vec<String> {
        let generated = unknown.len() > 1
            && unknown.starts_with('g')
            && unknown[1..].bytes().all(|b| b.is_ascii_digit());
        if !generated {
            return self.shown_names();
        }
        self.shown()
            .map(|id| match self.kind(id) {
                Kind::Var(_) => self.name(id).to_string(),
                _ => format!("{} = {}", self.name(id), self.definition(id)),
            })
            .collect()
    }

    /// The node's definition in terms of its inputs: `g1 + g2`, `2*x`, `ln(g3)`.
    pub fn definition(&self, id: NodeId) -> String {
        let mut out = String::new();
        self.write_definition(&mut out, id);
        out
    }

    pub fn write_definition(&self, out: &mut String, id: NodeId) {
        if !self.display.unit_of.is_empty() {
            if let Some((text, _)) = self.scalar_unit(id) {
                out.push_str(text);
                return;
            }
            // An element whose inputs no row shows: the group's expression,
            // indexed (`(W@x + b)[0]`).
            if let Some(g) = self.group_of(id) {
                let hidden = self
                    .inputs(id)
                    .iter()
                    .any(|&j| !matches!(self.kind(j), Kind::Const(_)) && !self.is_shown(j));
                let group = &self.groups[g];
                if let (true, Some(def)) = (hidden, &group.definition) {
                    let flat = group.nodes.iter().position(|&n| n == id).unwrap_or(0);
                    // (Only the groups of operations have definitions: a
                    // statement's or a subexpression's, of modest size.)
                    let index = element_name("", &group.shape, flat);
                    match crate::parse::is_name(def) || is_call(def) {
                        true => out.push_str(def),
                        false => {
                            out.push('(');
                            out.push_str(def);
                            out.push(')');
                        }
                    }
                    out.push_str(&index);
                    return;
                }
            }
        }
        self.write_expression(out, id, None);
    }

    /// A select node's (`p[y]`) expression, index name and what its axis
    /// has, for its error.
    pub(crate) fn select_meta(&self, id: NodeId) -> Option<(&str, &str, &str)> {
        let (w, i, c) = self.display.selects.get(&id)?;
        Some((w, i, c))
    }

    /// The operands as written of the tensor operation written
    /// `definition` (a group's or a scalar row's): `[W, x, b]` for the
    /// affine `W@x + b`, `[W, x]` for `W@x`, `[z]` for `tanh(z)`.
    pub fn operands(&self, definition: &str) -> &[String] {
        self.display
            .operands
            .get(definition)
            .map_or(&[], |v| v.as_slice())
    }

    /// The scalar row of a tensor operation: its definition as written and
    /// its operation (`sum(h)`, `sum`).
    pub fn scalar_unit_of(&self, id: NodeId) -> Option<(&str, &'static str)> {
        self.scalar_unit(id)
    }

    fn scalar_unit(&self, id: NodeId) -> Option<(&str, &'static str)> {
        if self.display.scalar_units.is_empty() {
            return None;
        }
        let (text, op) = self.display.scalar_units.get(&id)?;
        Some((text, op))
    }

    /// The definition with every input replaced by its value, lecture
    /// style: `2·4` for `g1 = 2*x` at x = 4.
    pub fn write_substituted(
        &self,
        out: &mut String,
        id: NodeId,
        values: &[f64],
        digits: Option<usize>,
    ) {
        self.write_expression(out, id, Some((values, digits)));
    }

    fn write_expression(
        &self,
        out: &mut String,
        id: NodeId,
        values: Option<(&[f64], Option<usize>)>,
    ) {
        let op = match self.kind(id) {
            Kind::Var(_) | Kind::Const(_) => {
                self.write_operand(out, id, true, values);
                return;
            }
            Kind::Op(op) => op,
        };
        let inputs = self.inputs(id);
        match op.def().notation {
            Notation::Infix(symbol) => {
                self.write_operand(out, inputs[0], true, values);
                out.push_str(if symbol == "*" && values.is_some() {
                    "·"
                } else {
                    symbol
                });
                self.write_operand(out, inputs[1], false, values);
            }
            Notation::Prefix(symbol) => {
                out.push_str(symbol);
                self.write_operand(out, inputs[0], false, values);
            }
            // `b = a`, `c = 1/2`: the input itself, unwrapped.
            Notation::Bare => match values {
                Some(_) => self.write_operand(out, inputs[0], true, values),
                None => self.write_name(out, inputs[0]),
            },
            Notation::Call => {
                out.push_str(op.name());
                out.push('(');
                for (i, &input) in inputs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match values {
                        Some((v, digits)) => {
                            out.push_str(&crate::number::format_digits(v[input as usize], digits))
                        }
                        None => self.write_name(out, input),
                    }
                }
                out.push(')');
            }
        }
    }

    /// One operand of a definition: its name (constants as written), or its
    /// value; parenthesised where a sign or an operator would misread.
    fn write_operand(
        &self,
        out: &mut String,
        id: NodeId,
        first: bool,
        values: Option<(&[f64], Option<usize>)>,
    ) {
        if let Some((v, digits)) = values {
            let x = v[id as usize];
            let text = crate::number::format_digits(x, digits);
            if text.starts_with('-') && !first {
                out.push('(');
                out.push_str(&text);
                out.push(')');
            } else {
                out.push_str(&text);
            }
            return;
        }
        let wrap = match self.kind(id) {
            Kind::Const(c) => match self.consts[c as usize].form {
                Form::Atom => false,
                Form::Negated => !first,
                Form::Compound => true,
            },
            _ => false,
        };
        if wrap {
            out.push('(');
            self.write_name(out, id);
            out.push(')');
        } else {
            self.write_name(out, id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shown node as `name = definition`, in graph order.
    fn lines(program: &str, of: Option<&str>) -> Vec<String> {
        let parsed = crate::parse::parse_program(program).expect("the test program parses");
        let graph = Graph::lower(parsed, of).expect("the test program lowers");
        graph
            .shown()
            .map(|id| format!("{} = {}", graph.name(id), graph.definition(id)))
            .collect()
    }

    /// Program, `--of`, and the expected nodes: folding, sharing (through
    /// first users in either input and through the table), dropping, the
    /// level order and naming.
    const CASES: &[(&str, Option<&str>, &[&str])] = &[
        (
            "sin(x)*sin(x)+sin(x)",
            None,
            &["x = x", "g1 = sin(x)", "g2 = g1*g1", "f = g2 + g1"],
        ),
        (
            "(2*x+y^2)*z^3",
            None,
            &[
                "x = x",
                "y = y",
                "z = z",
                "g1 = 2*x",
                "g2 = y^2",
                "g3 = z^3",
                "g4 = g1 + g2",
                "f = g4*g3",
            ],
        ),
        (
            // Folded constants share a node by value, shown as first written.
            "2*3*x + 6*x + (1/2)*x + 0.5*x + pi*x + -2*x + x*-2",
            None,
            &[
                "x = x",
                "g1 = (2*3)*x",
                "g2 = (1/2)*x",
                "g3 = pi*x",
                "g4 = -2*x",
                "g5 = x*(-2)",
                "g6 = g1 + g1",
                "g7 = g6 + g2",
                "g8 = g7 + g2",
                "g9 = g8 + g3",
                "g10 = g9 + g4",
                "f = g10 + g5",
            ],
        ),
        (
            // `x*y` is no input's first user: shared through the table.
            "p = x + 1; q = y + 1; r = x*y; s = x*y; r + s + y*x + p*q",
            None,
            &[
                "x = x",
                "y = y",
                "p = x + 1",
                "q = y + 1",
                "r = x*y",
                "g1 = y*x",
                "s = r",
                "g2 = p*q",
                "g3 = r + s",
                "g4 = g3 + g1",
                "f = g4 + g2",
            ],
        ),
        (
            // `x*g1` is the first user of its second input only; `g1*x`
            // must not be taken for it. `p` is dropped.
            "p = x + 1; x*sin(y) + sin(y)*x + x*sin(y) + -sin(y) + -(sin(y))",
            None,
            &[
                "x = x",
                "y = y",
                "g1 = sin(y)",
                "g2 = x*g1",
                "g3 = g1*x",
                "g4 = -g1",
                "g5 = g2 + g3",
                "g6 = g5 + g2",
                "g7 = g6 + g4",
                "f = g7 + g4",
            ],
        ),
        (
            "-x + sin(x) + -x + sin(x)",
            None,
            &[
                "x = x",
                "g1 = -x",
                "g2 = sin(x)",
                "g3 = g1 + g2",
                "g4 = g3 + g1",
                "f = g4 + g2",
            ],
        ),
        (
            "max(x, y, 1, z) + max(x, y, 1, z) + max(x, y) + min(x, y)",
            None,
            &[
                "x = x",
                "y = y",
                "z = z",
                "g1 = max(x, y, 1, z)",
                "g2 = max(x, y)",
                "g3 = min(x, y)",
                "g4 = g1 + g1",
                "g5 = g4 + g2",
                "f = g5 + g3",
            ],
        ),
        (
            "a = x*2; b = a + 1; c = y*3; d = b*b",
            Some("b"),
            &["x = x", "a = x*2", "b = a + 1"],
        ),
        (
            // Automatic names skip the statements' `gK`.
            "g1 = x*2; g3 = g1 + 1; g3*g3 + g1",
            None,
            &[
                "x = x",
                "g1 = x*2",
                "g3 = g1 + 1",
                "g2 = g3*g3",
                "f = g2 + g1",
            ],
        ),
        (
            "a = 2; b = a; c = b*x; c",
            None,
            &["x = x", "a = 2", "b = a", "c = b*x", "f = c"],
        ),
        (
            "f = x*y; out = f + 1; out + f",
            None,
            &[
                "x = x",
                "y = y",
                "f = x*y",
                "out = f + 1",
                "result = out + f",
            ],
        ),
        (
            "u = x; v = u; w = sin(v) + sin(u) + sin(x)",
            None,
            &[
                "x = x",
                "u = x",
                "g1 = sin(x)",
                "v = u",
                "g2 = sin(u)",
                "g3 = sin(v)",
                "g4 = g3 + g2",
                "w = g4 + g1",
            ],
        ),
    ];

    #[test]
    fn programs_lower_to_these_nodes() {
        for &(program, of, expected) in CASES {
            assert_eq!(lines(program, of), expected, "program: {program}");
        }
    }

    #[test]
    fn many_constants_are_shared_by_value() {
        // Enough distinct constants to grow the tables several times.
        let terms: Vec<String> = (0..3000).map(|i| format!("x*{}", i % 1000 + 2)).collect();
        let program = terms.join(" + ");
        let got = lines(&program, None);
        // x, 1000 products, 2999 sums.
        assert_eq!(got.len(), 1 + 1000 + 2999);
        assert_eq!(got[1], "g1 = x*2");
        assert_eq!(got[1000], "g1000 = x*1001");
        assert_eq!(got[1001], "g1001 = g1 + g2");
    }
}
