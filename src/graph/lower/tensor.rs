//! Vectors and matrices (SPEC §9) at lowering: a tensor is a group of
//! scalar values, so `W@x`, broadcasting, the elementwise functions and the
//! reductions become the scalar operations the graph already has (shared
//! as any other), and the group (its shape, its elements in row-major
//! order) is kept for display. Every loop here runs over elements; nothing
//! recurses.
//!
//! Choices: sums are left-to-right chains of binary `add`, the order
//! PyTorch uses for short dots; `mean` divides by a constant node;
//! `softmax`/`logsumexp` subtract `max(v)` first. The worked examples of
//! SPEC §9 agree with PyTorch to a few ulp, not to the bit: PyTorch's
//! tanh/sigmoid kernels and log_softmax's fused backward round differently
//! from the scalar chain (bit-exact parity would need fused ops in
//! `ops.rs`). Tensor variables get their shapes from `--at` (front door
//! only: training and the session compile without shapes yet); their
//! elements are variables named `W[0,1]`.
//!
//! For display (`super::super::display`): the nodes a tensor operation
//! makes are its expansion, hidden; the operation is a row (a group, or
//! one scalar node), an affine `A@B + c` one row with its product; a
//! statement names its expression's row. `p[y]` by a variable is a
//! select (`Op::Select`); `sum(W, axis)` and `mean(W, axis)` reduce along
//! an axis. An output that is a tensor is refused here unless the run
//! shows values only (`Lowerer::tensor_values`).

use super::*;

/// A vector (`shape = [n]`) or a matrix (`[rows, columns]`) of values,
/// row-major.
#[derive(Clone)]
pub(super) struct Tensor {
    pub(super) shape: Vec<usize>,
    pub(super) elems: Vec<Val>,
}

/// A tensor subexpression's row in the table: a group, or one scalar node
/// (`sum(h)`, `v@h + c`).
#[derive(Clone, Copy)]
pub(super) enum Unit {
    Group(usize),
    Scalar(NodeId),
}

/// The functions that take or make whole tensors, known only as calls (so
/// that `sum` or `norm` stays a variable name in a scalar program).
const TENSOR_FUNCTIONS: [&str; 7] = [
    "sum",
    "mean",
    "dot",
    "norm",
    "softmax",
    "logsumexp",
    "transpose",
];

pub(super) fn is_tensor_function(name: &str) -> bool {
    TENSOR_FUNCTIONS.contains(&name)
}

/// `W is 2×3`, `x has 2 entries`, `c is a number`.
fn describe(text: &str, shape: &[usize]) -> String {
    match shape {
        [] => format!("{text} is a number"),
        [1] => format!("{text} has 1 entry"),
        [n] => format!("{text} has {n} entries"),
        s => format!("{text} is {}", shape_text(s)),
    }
}

/// NumPy's broadcasting of two shapes (aligned at the last axis; a length
/// 1 stretches), or `None`.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for (k, slot) in out.iter_mut().enumerate() {
        let da = (k + a.len()).checked_sub(rank).map_or(1, |i| a[i]);
        let db = (k + b.len()).checked_sub(rank).map_or(1, |i| b[i]);
        *slot = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// The flat index into a tensor of `shape` of the broadcast result's
/// element at multi-index `at` (of the result's rank).
fn source_index(shape: &[usize], at: &[usize]) -> usize {
    let skip = at.len() - shape.len();
    let mut flat = 0;
    for (k, &d) in shape.iter().enumerate() {
        let i = if d == 1 { 0 } else { at[skip + k] };
        flat = flat * d + i;
    }
    flat
}

/// The multi-index of row-major element `flat` of `shape`.
fn multi_index(shape: &[usize], mut flat: usize) -> Vec<usize> {
    let mut at = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        at[k] = flat % shape[k];
        flat /= shape[k];
    }
    at
}

impl<'a> Lowerer<'a> {
    /// The shape of a value (`[]` for a scalar).
    pub(super) fn shape_of(&self, v: Val) -> Vec<usize> {
        match v {
            Val::Tensor(t) => self.tensors[t as usize].shape.clone(),
            _ => Vec::new(),
        }
    }

    fn tensor(&mut self, shape: Vec<usize>, elems: Vec<Val>) -> Val {
        self.tensors.push(Tensor { shape, elems });
        Val::Tensor(self.tensors.len() as u32 - 1)
    }

    fn shape_error(&self, message: String, span: Span) -> Error {
        Error::at(ErrorKind::Shape(message), span)
    }

    /// The text of expression `id`, trimmed (for messages).
    fn text_of(&self, id: ExprId) -> &'a str {
        let span = self.program.expr(id).span();
        let source = self.program.source;
        // A binary expression's span starts at its left operand's, which
        // leaves out that operand's `(` (`(W@x - y)^2`): the parentheses
        // the text closes but does not open are taken from around it.
        let (mut start, mut end) = (span.start, span.end);
        let depth = |t: &str| {
            t.chars().fold((0i64, 0i64), |(d, low), c| match c {
                '(' => (d + 1, low),
                ')' => (d - 1, low.min(d - 1)),
                _ => (d, low),
            })
        };
        let (mut d, mut low) = depth(&source[start..end]);
        while low < 0 {
            let before = source[..start].trim_end();
            if !before.ends_with('(') {
                break;
            }
            start = before.len() - 1;
            d += 1;
            low += 1;
        }
        while d > 0 {
            let after = &source[end..];
            let skipped = after.len() - after.trim_start().len();
            if !after.trim_start().starts_with(')') {
                break;
            }
            end += skipped + 1;
            d -= 1;
        }
        source[start..end].trim()
    }

    /// Where the operator between two operands is (the caret of a shape
    /// error): its first character after the left operand and its closing
    /// parentheses; the whole expression for an implicit product.
    fn operator_span(&self, whole: ExprId, a: ExprId, b: ExprId) -> Span {
        let (left, right) = (self.program.expr(a).span(), self.program.expr(b).span());
        let gap = self
            .program
            .text(Span::new(left.end, right.start.max(left.end)));
        match gap
            .char_indices()
            .find(|(_, c)| !matches!(c, ' ' | '\t' | ')' | '('))
        {
            Some((i, c)) => Span::new(left.end + i, left.end + i + c.len_utf8()),
            None => self.program.expr(whole).span(),
        }
    }

    /// The operation a tensor subexpression's row shows (`matmul`, `tanh`,
    /// `sum`); `None` for one that makes no node (a name, a literal, an
    /// index, a transpose).
    fn unit_op(&self, id: ExprId) -> Option<&'static str> {
        match self.program.expr(id).kind {
            ExprKind::Binary(BinOp::MatMul, _, _) => Some("matmul"),
            ExprKind::Binary(bin, _, _) => Some(scalar_op(bin).name()),
            ExprKind::Neg(_) => Some("neg"),
            // A row only when it made a node: an index by a variable.
            ExprKind::Index { .. } => Some("select"),
            ExprKind::Call { .. } => {
                let name = self.program.name(id);
                match name {
                    "transpose" => None,
                    "sum" => Some("sum"),
                    "mean" => Some("mean"),
                    "dot" => Some("dot"),
                    "norm" => Some("norm"),
                    "softmax" => Some("softmax"),
                    "logsumexp" => Some("logsumexp"),
                    _ => match ops::function(name, self.program.call_args(id).len()) {
                        Some(Ok(op)) => Some(op.name()),
                        _ => None,
                    },
                }
            }
            _ => None,
        }
    }

    /// The operation a statement's group shows.
    fn shown_op(&self, id: ExprId) -> &'static str {
        match self.unit_op(id) {
            Some(op) => op,
            None => match self.program.expr(id).kind {
                ExprKind::Index { .. } => "index",
                ExprKind::List { .. } => "list",
                ExprKind::Transpose(_) | ExprKind::Call { .. } => "transpose",
                _ => "id",
            },
        }
    }

    fn is_matmul(&self, id: ExprId) -> bool {
        matches!(
            self.program.expr(id).kind,
            ExprKind::Binary(BinOp::MatMul, _, _)
        )
    }

    /// An affine `A@B + c` (or `- c`) is one row, as the lecture writes
    /// z = Wx + b: its product's row is taken in. Whether it had one.
    fn take_in_product(&mut self, id: ExprId) -> bool {
        let ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) = self.program.expr(id).kind else {
            return false;
        };
        let mut taken = false;
        for c in [a, b] {
            if !self.is_matmul(c) {
                continue;
            }
            match self.expr_units.remove(&c) {
                Some(Unit::Group(i)) => {
                    self.dead_groups.insert(i);
                    taken = true;
                }
                Some(Unit::Scalar(n)) => {
                    self.scalar_units.remove(&n);
                    taken = true;
                }
                None => {}
            }
        }
        taken
    }

    /// The operands of a tensor operation as written, for `--explain`'s
    /// matrix form: an affine `A@B + c` gives `[A, B, c]`.
    fn record_operands(&mut self, id: ExprId) {
        let text = |e: ExprId| self.text_of(e).to_string();
        let product = |e: ExprId| match self.program.expr(e).kind {
            ExprKind::Binary(BinOp::MatMul, a, b) => Some((a, b)),
            _ => None,
        };
        let list: Vec<String> = match self.program.expr(id).kind {
            ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) if product(a).is_some() => {
                let (pa, pb) = product(a).unwrap_or((a, b));
                vec![text(pa), text(pb), text(b)]
            }
            ExprKind::Binary(BinOp::Add, a, b) if product(b).is_some() => {
                let (pa, pb) = product(b).unwrap_or((a, b));
                vec![text(pa), text(pb), text(a)]
            }
            ExprKind::Binary(_, a, b) => vec![text(a), text(b)],
            ExprKind::Neg(a) | ExprKind::Transpose(a) => vec![text(a)],
            ExprKind::Call { .. } | ExprKind::Index { .. } | ExprKind::List { .. } => self
                .program
                .call_args(id)
                .iter()
                .map(|&e| text(e))
                .collect(),
            _ => Vec::new(),
        };
        let definition = self.text_of(id).to_string();
        self.operands.entry(definition).or_insert(list);
    }

    /// After a tensor operation is lowered: the nodes it made are its
    /// expansion (hidden unless a row shows them), and it becomes a row —
    /// a group, or its one scalar node — unless it made no node.
    pub(super) fn expansion(&mut self, id: ExprId, before: usize, val: Val) {
        let after = self.drafts.len();
        if after > before {
            if self.hidden.len() < after {
                self.hidden.resize(after, false);
            }
            self.hidden[before..after].fill(true);
        }
        self.take_in_product(id);
        let Some(op) = self.unit_op(id) else {
            return;
        };
        self.record_operands(id);
        match val {
            Val::Tensor(t) => {
                let tensor = &self.tensors[t as usize];
                let nodes: Option<Vec<NodeId>> = tensor
                    .elems
                    .iter()
                    .map(|e| match *e {
                        Val::Node(n) if n as usize >= before => Some(n),
                        _ => None,
                    })
                    .collect();
                // Elements made before (shared) or constant: no row of its own.
                let Some(nodes) = nodes else {
                    return;
                };
                let shape = tensor.shape.clone();
                self.groups.push(Group {
                    name: String::new(),
                    shape,
                    nodes,
                    definition: Some(self.text_of(id).to_string()),
                    op,
                });
                self.expr_units
                    .insert(id, Unit::Group(self.groups.len() - 1));
            }
            Val::Node(n) if n as usize >= before => {
                self.scalar_units.insert(n, (self.text_of(id).into(), op));
                self.expr_units.insert(id, Unit::Scalar(n));
            }
            _ => {}
        }
    }

    /// A scalar `v@h + c`: one row with its product, its definition as
    /// written.
    pub(super) fn affine_scalar(&mut self, id: ExprId, before: usize, val: Val) {
        if !self.take_in_product(id) {
            return;
        }
        if let (Val::Node(n), Some(op)) = (val, self.unit_op(id)) {
            if n as usize >= before {
                self.record_operands(id);
                self.scalar_units.insert(n, (self.text_of(id).into(), op));
                self.expr_units.insert(id, Unit::Scalar(n));
            }
        }
    }

    /// A tensor variable: one scalar variable per element, named `W[1,0]`.
    pub(super) fn tensor_variable(&mut self, name: &'a str, span: Span) -> Val {
        let shape = self.shapes.get(name).cloned().unwrap_or_default();
        let count: usize = shape.iter().product();
        let mut elems = Vec::with_capacity(count);
        let mut nodes = Vec::with_capacity(count);
        for flat in 0..count {
            let v = self.variables.len() as u32;
            self.variables.push(element_name(name, &shape, flat));
            let node = self.push(Kind::Var(v), &[], Label::Var(v), span);
            elems.push(Val::Node(node));
            nodes.push(node);
        }
        self.groups.push(Group {
            name: name.to_string(),
            shape: shape.clone(),
            nodes,
            definition: None,
            op: "var",
        });
        let t = self.tensor(shape, elems);
        if let Val::Tensor(i) = t {
            self.tensor_vars.insert(name, i);
        }
        t
    }

    /// A statement whose value is a tensor: each element becomes a named
    /// node (`h[0]`), the group is recorded.
    pub(super) fn tensor_statement(&mut self, name: &'a str, t: u32, span: Span, root: ExprId) {
        let definition = Some(self.text_of(root).to_string());
        // The statement's group is the row of its expression.
        if let Some(Unit::Group(i)) = self.expr_units.remove(&root) {
            self.dead_groups.insert(i);
        }
        let op = self.shown_op(root);
        self.record_operands(root);
        let Tensor { shape, elems } = self.tensors[t as usize].clone();
        let mut nodes = Vec::with_capacity(elems.len());
        let mut named = Vec::with_capacity(elems.len());
        for (flat, &e) in elems.iter().enumerate() {
            let node = match e {
                Val::Node(n) if self.drafts[n as usize].label == Label::Unnamed => n,
                Val::Node(n) => self.push(Kind::Op(Op::Id), &[n], Label::Unnamed, span),
                constant => {
                    let c = self.node_of(constant);
                    self.push(Kind::Op(Op::Id), &[c], Label::Unnamed, span)
                }
            };
            self.drafts[node as usize].label = Label::Named(self.names.len() as u32);
            self.names.push(element_name(name, &shape, flat));
            nodes.push(node);
            named.push(Val::Node(node));
        }
        self.groups.push(Group {
            name: name.to_string(),
            shape: shape.clone(),
            nodes,
            definition,
            op,
        });
        if let Val::Tensor(i) = self.tensor(shape, named) {
            self.defined_tensors.insert(name, i);
        }
    }

    /// The error for an output that is a tensor: gradients need a loss.
    /// `text` is its name, or the expression of a bare last one.
    pub(super) fn tensor_output(&self, text: &str, t: u32, span: Span) -> Error {
        let shape = &self.tensors[t as usize].shape;
        let what = match shape.as_slice() {
            [n] => format!("a vector of {n} entries"),
            s => format!("a {} matrix", shape_text(s)),
        };
        // `(W@x)[0]`: an index binds tighter than any operator.
        let atom = crate::parse::is_name(text) || is_call(text);
        let indexed = match atom {
            true => text.to_string(),
            false => format!("({text})"),
        };
        let element = match shape.len() {
            1 => format!("{indexed}[0]"),
            _ => format!("{indexed}[0, 0]"),
        };
        self.shape_error(
            format!("the output `{text}` is {what}: gradients need a scalar output (a loss)"),
            span,
        )
        .with_help(format!(
            "reduce it to one number: `sum({text})`, `mean({text})`, or an element such as `{element}`"
        ))
    }

    /// Whether expression `id` needs the tensor path.
    pub(super) fn is_tensor_expr(&self, id: ExprId, vals: &[Val]) -> bool {
        let expr = self.program.expr(id);
        let tensor = |e: ExprId| matches!(vals[e as usize], Val::Tensor(_));
        if self.tensors.is_empty() {
            // A scalar program (the common case): only a tensor's syntax
            // starts the tensor path.
            return match expr.kind {
                ExprKind::List { .. } | ExprKind::Index { .. } | ExprKind::Transpose(_) => true,
                ExprKind::Binary(bin, _, _) => bin == BinOp::MatMul,
                ExprKind::Call { name_len, .. } => {
                    // Every tensor function's name is 3 to 9 bytes long.
                    (3..=9).contains(&name_len) && is_tensor_function(self.program.name(id))
                }
                _ => false,
            };
        }
        match expr.kind {
            ExprKind::List { .. } | ExprKind::Index { .. } | ExprKind::Transpose(_) => true,
            ExprKind::Binary(BinOp::MatMul, _, _) => true,
            ExprKind::Binary(_, a, b) => tensor(a) || tensor(b),
            ExprKind::Neg(a) => tensor(a),
            ExprKind::Call { .. } => {
                let (name, args) = (self.program.name(id), self.program.call_args(id));
                if is_tensor_function(name) {
                    return true;
                }
                // `max(W)`: of every element. An unknown function or a wrong
                // count of arguments: the scalar path's error.
                let reduction = args.len() == 1 && matches!(name, "max" | "min");
                let known = reduction || matches!(ops::function(name, args.len()), Some(Ok(_)));
                known && args.iter().any(|&a| tensor(a))
            }
            _ => false,
        }
    }

    /// Lowers an expression on the tensor path.
    pub(super) fn lower_tensor_expr(&mut self, id: ExprId, vals: &[Val]) -> Result<Val> {
        let expr = *self.program.expr(id);
        let span = expr.span();
        match expr.kind {
            ExprKind::List { .. } => self.list(id, vals),
            ExprKind::Index { .. } => self.index(id, vals),
            ExprKind::Transpose(a) => {
                self.transposable(vals[a as usize], a, span)?;
                Ok(self.transpose(vals[a as usize]))
            }
            ExprKind::Neg(a) => self.map(vals[a as usize], id, |l, v| match l.constant(v) {
                Some((x, _)) => Ok(l.fold_to(-x, id)),
                None => l.op(Op::Neg, &[v], id),
            }),
            ExprKind::Binary(BinOp::MatMul, a, b) => self.matmul(id, a, b, vals),
            ExprKind::Binary(bin, a, b) => {
                let op = scalar_op(bin);
                let at = self.operator_span(id, a, b);
                self.elementwise(op, id, &[a, b], vals, at)
            }
            ExprKind::Call { .. } => {
                let name = self.program.name(id);
                let args: Vec<ExprId> = self.program.call_args(id).to_vec();
                let name_span = Span::new(span.start, span.start + name.len());
                if is_tensor_function(name) {
                    return self.tensor_function(name, id, &args, vals, name_span);
                }
                if args.len() == 1 && matches!(name, "max" | "min") {
                    let op = if name == "max" { Op::Max } else { Op::Min };
                    return self.reduce_many(op, vals[args[0] as usize], id);
                }
                let op = match ops::function(name, args.len()) {
                    Some(Ok(op)) => op,
                    // Unknown names and wrong counts: the scalar path's errors.
                    _ => return Err(Error::internal("tensor call of an unknown function")),
                };
                if matches!(op, Op::Max | Op::Min) && args.len() == 1 {
                    let v = vals[args[0] as usize];
                    return self.reduce_many(op, v, id);
                }
                self.elementwise(op, id, &args, vals, name_span)
            }
            _ => Err(Error::internal("a scalar on the tensor path")),
        }
    }

    /// `f(v)` of each element.
    fn map(
        &mut self,
        v: Val,
        id: ExprId,
        mut f: impl FnMut(&mut Self, Val) -> Result<Val>,
    ) -> Result<Val> {
        match v {
            Val::Tensor(t) => {
                let Tensor { shape, elems } = self.tensors[t as usize].clone();
                let mut out = Vec::with_capacity(elems.len());
                for e in elems {
                    out.push(f(self, e)?);
                }
                Ok(self.tensor(shape, out))
            }
            scalar => {
                let _ = id;
                f(self, scalar)
            }
        }
    }

    /// `op` of its arguments, element by element, with NumPy's broadcasting.
    fn elementwise(
        &mut self,
        op: Op,
        id: ExprId,
        args: &[ExprId],
        vals: &[Val],
        at: Span,
    ) -> Result<Val> {
        let mut shape: Vec<usize> = Vec::new();
        for (k, &a) in args.iter().enumerate() {
            let s = self.shape_of(vals[a as usize]);
            shape = match broadcast(&shape, &s) {
                Some(b) => b,
                None => {
                    let before = args[..k]
                        .iter()
                        .rev()
                        .find(|&&p| broadcast(&self.shape_of(vals[p as usize]), &s).is_none())
                        .copied()
                        .unwrap_or(args[0]);
                    let (ta, tb) = (self.text_of(before), self.text_of(a));
                    let sa = self.shape_of(vals[before as usize]);
                    return Err(self
                        .shape_error(
                            format!(
                                "{} and {}: `{}` needs equal shapes, or a length 1 or a number to broadcast",
                                describe(ta, &sa),
                                describe(tb, &s),
                                self.text_of(id)
                            ),
                            at,
                        )
                        .with_help(
                            "a vector broadcasts along a matrix's last axis (its rows); transpose with `'` if you meant the columns",
                        ));
                }
            };
        }
        let count: usize = shape.iter().product();
        let mut out = Vec::with_capacity(count);
        let mut operands = Vec::with_capacity(args.len());
        for flat in 0..count {
            let multi = multi_index(&shape, flat);
            operands.clear();
            for &a in args {
                let v = vals[a as usize];
                operands.push(match v {
                    Val::Tensor(t) => {
                        let tensor = &self.tensors[t as usize];
                        tensor.elems[source_index(&tensor.shape, &multi)]
                    }
                    scalar => scalar,
                });
            }
            let ops_now = operands.clone();
            out.push(self.op(op, &ops_now, id)?);
        }
        Ok(self.tensor(shape, out))
    }

    /// A literal: numbers make a vector, vectors of one length a matrix.
    fn list(&mut self, id: ExprId, vals: &[Val]) -> Result<Val> {
        let items: Vec<ExprId> = self.program.call_args(id).to_vec();
        let span = self.program.expr(id).span();
        let first = self.shape_of(vals[items[0] as usize]);
        for &item in &items {
            let s = self.shape_of(vals[item as usize]);
            if s.len() > 1 {
                return Err(self.shape_error(
                    format!(
                        "{}: a literal's entries are numbers (a vector) or vectors (a matrix's rows)",
                        describe(self.text_of(item), &s)
                    ),
                    self.program.expr(item).span(),
                ));
            }
            if s != first {
                return Err(self.shape_error(
                    format!(
                        "{} and {}: the rows of a matrix need one length",
                        describe(self.text_of(items[0]), &first),
                        describe(self.text_of(item), &s)
                    ),
                    self.program.expr(item).span(),
                ));
            }
        }
        let _ = span;
        match first.as_slice() {
            [] => {
                let elems = items.iter().map(|&i| vals[i as usize]).collect();
                Ok(self.tensor(vec![items.len()], elems))
            }
            [n] => {
                let mut elems = Vec::with_capacity(items.len() * n);
                for &i in &items {
                    if let Val::Tensor(t) = vals[i as usize] {
                        elems.extend_from_slice(&self.tensors[t as usize].elems);
                    }
                }
                Ok(self.tensor(vec![items.len(), *n], elems))
            }
            _ => Err(Error::internal("a literal of matrices")),
        }
    }

    /// A number has no transpose: `f'` is no derivative either.
    fn transposable(&self, v: Val, of: ExprId, at: Span) -> Result<()> {
        match v {
            Val::Tensor(_) => Ok(()),
            _ => Err(self
                .shape_error(
                    format!(
                        "{}: a transpose (`'`) is of a vector or matrix",
                        describe(self.text_of(of), &[])
                    ),
                    at,
                )
                .with_help(
                    "for a derivative, write the expression and read ∂f/∂x from the output",
                )),
        }
    }

    fn transpose(&mut self, v: Val) -> Val {
        match v {
            Val::Tensor(t) if self.tensors[t as usize].shape.len() == 2 => {
                let Tensor { shape, elems } = self.tensors[t as usize].clone();
                let (rows, cols) = (shape[0], shape[1]);
                let mut out = Vec::with_capacity(elems.len());
                for c in 0..cols {
                    for r in 0..rows {
                        out.push(elems[r * cols + c]);
                    }
                }
                self.tensor(vec![cols, rows], out)
            }
            // A vector's and a number's transpose are themselves (NumPy).
            other => other,
        }
    }

    /// `p[2]`, `W[1, 0]`, `W[1]` (a row): constant indices, checked here.
    fn index(&mut self, id: ExprId, vals: &[Val]) -> Result<Val> {
        let args: Vec<ExprId> = self.program.call_args(id).to_vec();
        let (base, indices) = (args[0], &args[1..]);
        let shape = self.shape_of(vals[base as usize]);
        let text = self.text_of(base);
        if indices.len() > shape.len() {
            let span = self.program.expr(indices[shape.len()]).span();
            return Err(self.shape_error(
                format!(
                    "{}: `{}` has {} {}",
                    describe(text, &shape),
                    self.text_of(id),
                    indices.len(),
                    if indices.len() == 1 {
                        "index"
                    } else {
                        "indices"
                    }
                ),
                span,
            ));
        }
        if indices
            .iter()
            .any(|&ix| self.constant(vals[ix as usize]).is_none())
        {
            return self.select(id, base, indices, vals);
        }
        let mut flat_start = 0;
        for (k, &ix) in indices.iter().enumerate() {
            let span = self.program.expr(ix).span();
            let Some((value, _)) = self.constant(vals[ix as usize]) else {
                return Err(self
                    .shape_error(
                        format!("the index `{}` is not a constant", self.text_of(ix)),
                        span,
                    )
                    .with_help("write the index as a number, `p[2]` (an index by a variable is not supported yet)"));
            };
            let len = shape[k];
            if value.fract() != 0.0 || value < 0.0 || value >= len as f64 {
                let reason = if value.fract() != 0.0 {
                    "is not an integer".to_string()
                } else {
                    format!(
                        "is out of range: axis {k} has indices 0 to {}",
                        len.saturating_sub(1)
                    )
                };
                return Err(self.shape_error(
                    format!(
                        "{}: the index {} {reason}",
                        describe(text, &shape),
                        crate::number::format(value)
                    ),
                    span,
                ));
            }
            flat_start = flat_start * len + value as usize;
        }
        let rest: Vec<usize> = shape[indices.len()..].to_vec();
        let size: usize = rest.iter().product();
        let Val::Tensor(t) = vals[base as usize] else {
            return Err(Error::internal("an index of a number"));
        };
        let start = flat_start * size;
        let elems = self.tensors[t as usize].elems[start..start + size].to_vec();
        Ok(match rest.is_empty() {
            true => elems[0],
            false => self.tensor(rest, elems),
        })
    }

    /// `p[y]`, `W[i, j]`, `W[i]` with an index that is a variable (a class
    /// label): a select of the entries along each such axis (SPEC §9). An
    /// index that is not an integer in range is an evaluation error naming
    /// it and the axis's length.
    fn select(
        &mut self,
        id: ExprId,
        base: ExprId,
        indices: &[ExprId],
        vals: &[Val],
    ) -> Result<Val> {
        let Val::Tensor(t) = vals[base as usize] else {
            return Err(Error::internal("an index of a number"));
        };
        let Tensor { shape, elems } = self.tensors[t as usize].clone();
        let text = self.text_of(base);
        let whole = self.text_of(id);
        let mut index: Vec<Option<Val>> = vec![None; shape.len()];
        for (k, &ix) in indices.iter().enumerate() {
            let v = vals[ix as usize];
            if let Some((value, _)) = self.constant(v) {
                let len = shape[k];
                if value.fract() != 0.0 || value < 0.0 || value >= len as f64 {
                    return Err(self.shape_error(
                        format!(
                            "{}: the index {} is out of range or not an integer: axis {k} has indices 0 to {}",
                            describe(text, &shape),
                            crate::number::format(value),
                            len.saturating_sub(1)
                        ),
                        self.program.expr(ix).span(),
                    ));
                }
            }
            if matches!(v, Val::Tensor(_)) {
                return Err(self.shape_error(
                    format!(
                        "the index `{}` is a vector or matrix: an index is one number",
                        self.text_of(ix)
                    ),
                    self.program.expr(ix).span(),
                ));
            }
            index[k] = Some(v);
        }
        // What an index out of range says: `p has 3 entries (0 to 2)`.
        let clause = |k: usize| -> String {
            let n = shape[k];
            let what = match (shape.len(), k) {
                (1, _) => "entries",
                (_, 0) => "rows",
                _ => "columns",
            };
            format!("{text} has {n} {what} (0 to {})", n.saturating_sub(1))
        };
        // The entry at a multi-index whose axes may be selected: constant
        // axes pick, variable ones select.
        let cols = if shape.len() == 2 { shape[1] } else { 1 };
        let entry = |l: &mut Self, r: Option<usize>, c: Option<usize>| -> Result<Val> {
            // r/c: a fixed row/column, or None for the axis to select along.
            match shape.len() {
                1 => {
                    let ix = index[0].unwrap_or(Val::Node(0));
                    let mut args = vec![ix];
                    args.extend_from_slice(&elems);
                    l.select_node(&args, id, whole, &clause(0))
                }
                _ => {
                    let row = |l: &mut Self, r: usize| -> Result<Val> {
                        match (c, index.get(1).copied().flatten()) {
                            (Some(c), _) => Ok(elems[r * cols + c]),
                            (None, Some(j)) => {
                                let mut args = vec![j];
                                args.extend_from_slice(&elems[r * cols..(r + 1) * cols]);
                                l.select_node(&args, id, whole, &clause(1))
                            }
                            (None, None) => Err(Error::internal("a select without an index")),
                        }
                    };
                    match (r, index[0]) {
                        (Some(r), _) => row(l, r),
                        (None, Some(i)) => {
                            let mut args = vec![i];
                            for r in 0..shape[0] {
                                args.push(row(l, r)?);
                            }
                            l.select_node(&args, id, whole, &clause(0))
                        }
                        (None, None) => Err(Error::internal("a select without an index")),
                    }
                }
            }
        };
        let fixed = |k: usize| -> Option<usize> {
            index
                .get(k)
                .copied()
                .flatten()
                .and_then(|v| self.constant(v))
                .map(|(x, _)| x as usize)
        };
        let (r, c) = (fixed(0), fixed(1));
        match (shape.len(), indices.len()) {
            (1, _) | (2, 2) => entry(self, r, c),
            // `W[i]`: row i, a select along the rows for each column.
            _ => {
                let mut out = Vec::with_capacity(cols);
                for col in 0..cols {
                    out.push(entry(self, None, Some(col))?);
                }
                Ok(self.tensor(vec![cols], out))
            }
        }
    }

    /// One select node: `args` are the index, then the entries.
    fn select_node(&mut self, args: &[Val], id: ExprId, whole: &str, clause: &str) -> Result<Val> {
        let v = self.op(Op::Select, args, id)?;
        if let Val::Node(n) = v {
            let index = match args[0] {
                Val::Node(i) => self.node_text(i),
                _ => String::new(),
            };
            self.selects
                .entry(n)
                .or_insert_with(|| (whole.into(), index.into(), clause.into()));
        }
        Ok(v)
    }

    /// A short name of a node for a message: a variable's or a
    /// statement's name, else `the index`.
    fn node_text(&self, n: NodeId) -> String {
        match self.drafts[n as usize].label {
            Label::Var(v) => self.variables[v as usize].clone(),
            Label::Named(i) => self.names[i as usize].clone(),
            _ => "the index".to_string(),
        }
    }

    /// The sum of values, left to right (`((a + b) + c) + …`).
    fn sum_of(&mut self, elems: &[Val], id: ExprId) -> Result<Val> {
        let mut acc = elems[0];
        for &e in &elems[1..] {
            acc = self.op(Op::Add, &[acc, e], id)?;
        }
        Ok(acc)
    }

    /// A number as a constant node, shown by its value.
    fn number(&mut self, value: f64, id: ExprId) -> Val {
        if let Some(&node) = self.const_ids.get(&value.to_bits()) {
            return Val::Node(node);
        }
        let span = self.program.expr(id).span();
        let c = self.consts.len() as u32;
        self.consts.push(Constant {
            value,
            text: None,
            form: Form::Atom,
        });
        let node = self.push(Kind::Const(c), &[], Label::Hidden, span);
        self.const_ids.insert(value.to_bits(), node);
        Val::Node(node)
    }

    fn elements(&self, v: Val) -> Vec<Val> {
        match v {
            Val::Tensor(t) => self.tensors[t as usize].elems.clone(),
            scalar => vec![scalar],
        }
    }

    /// `max` or `min` of every element of one argument.
    fn reduce_many(&mut self, op: Op, v: Val, id: ExprId) -> Result<Val> {
        let elems = self.elements(v);
        match elems.len() {
            1 => Ok(elems[0]),
            _ => self.op(op, &elems, id),
        }
    }

    fn tensor_function(
        &mut self,
        name: &str,
        id: ExprId,
        args: &[ExprId],
        vals: &[Val],
        name_span: Span,
    ) -> Result<Val> {
        let expected = if name == "dot" { 2 } else { 1 };
        // `sum(W, 0)`, `mean(W, 1)`: along an axis, as NumPy and PyTorch.
        if args.len() == 2 && matches!(name, "sum" | "mean") {
            return self.along_axis(name == "mean", id, args, vals);
        }
        if args.len() != expected {
            return Err(Error::at(
                ErrorKind::Arity {
                    name: name.into(),
                    expected: expected.to_string(),
                    found: args.len(),
                },
                self.program.expr(id).span(),
            ));
        }
        let v = vals[args[0] as usize];
        match name {
            "transpose" => {
                self.transposable(v, args[0], name_span)?;
                Ok(self.transpose(v))
            }
            "dot" => {
                let (a, b) = (args[0], args[1]);
                let (sa, sb) = (self.shape_of(v), self.shape_of(vals[b as usize]));
                if sa.len() != 1 || sa != sb {
                    return Err(self.shape_error(
                        format!(
                            "{} and {}: `{}` needs two vectors of one length",
                            describe(self.text_of(a), &sa),
                            describe(self.text_of(b), &sb),
                            self.text_of(id)
                        ),
                        name_span,
                    ));
                }
                let (ea, eb) = (self.elements(v), self.elements(vals[b as usize]));
                self.dot(&ea, &eb, id)
            }
            "sum" => {
                let elems = self.elements(v);
                self.sum_of(&elems, id)
            }
            "mean" => {
                let elems = self.elements(v);
                let s = self.sum_of(&elems, id)?;
                if elems.len() == 1 {
                    return Ok(s);
                }
                let n = self.number(elems.len() as f64, id);
                self.op(Op::Div, &[s, n], id)
            }
            "norm" => {
                let elems = self.elements(v);
                let squares = elems
                    .iter()
                    .map(|&e| self.op(Op::Mul, &[e, e], id))
                    .collect::<Result<Vec<Val>>>()?;
                let s = self.sum_of(&squares, id)?;
                self.op(Op::Sqrt, &[s], id)
            }
            "softmax" | "logsumexp" => {
                // Stable: exp(v - max(v)), as PyTorch computes them.
                let elems = self.elements(v);
                let m = self.reduce_many(Op::Max, v, id)?;
                let mut exps = Vec::with_capacity(elems.len());
                for &e in &elems {
                    let d = self.op(Op::Sub, &[e, m], id)?;
                    exps.push(self.op(Op::Exp, &[d], id)?);
                }
                let s = self.sum_of(&exps, id)?;
                if name == "logsumexp" {
                    let l = self.op(Op::Ln, &[s], id)?;
                    return self.op(Op::Add, &[m, l], id);
                }
                let mut out = Vec::with_capacity(exps.len());
                for e in exps {
                    out.push(self.op(Op::Div, &[e, s], id)?);
                }
                let shape = match self.shape_of(v) {
                    s if s.is_empty() => vec![1],
                    s => s,
                };
                Ok(self.tensor(shape, out))
            }
            _ => Err(Error::internal("an unknown tensor function")),
        }
    }

    /// `sum(W, axis)` or `mean(W, axis)`: axis 0 sums the rows together
    /// (the result has W's column count), axis 1 each row; a vector's axis
    /// 0 is all of it. The axis is a constant 0 or 1 (-1 the last).
    fn along_axis(&mut self, mean: bool, id: ExprId, args: &[ExprId], vals: &[Val]) -> Result<Val> {
        let (of, axis) = (args[0], args[1]);
        let v = vals[of as usize];
        let shape = self.shape_of(v);
        let axis_span = self.program.expr(axis).span();
        let name = if mean { "mean" } else { "sum" };
        let axes = match shape.len() {
            0 => format!("{}: it has no axes", describe(self.text_of(of), &shape)),
            1 => format!("{}: its one axis is 0", describe(self.text_of(of), &shape)),
            _ => format!(
                "{}: its axes are 0 (down the columns: one value per column) and 1 (along each row)",
                describe(self.text_of(of), &shape)
            ),
        };
        let value = match self.constant(vals[axis as usize]) {
            Some((x, _)) => x,
            None => {
                return Err(self
                    .shape_error(
                        format!(
                            "the axis `{}` of `{name}` is not a constant: {axes}",
                            self.text_of(axis)
                        ),
                        axis_span,
                    )
                    .with_help(format!(
                        "write the axis as a number: `{name}(W, 0)`, `{name}(W, 1)`"
                    )));
            }
        };
        let rank = shape.len() as f64;
        let k = if value < 0.0 { value + rank } else { value };
        if value.fract() != 0.0 || k < 0.0 || k >= rank {
            return Err(self
                .shape_error(
                    format!(
                        "`{}` has no axis {}: {axes}",
                        self.text_of(id),
                        crate::number::format(value)
                    ),
                    axis_span,
                )
                .with_help(format!("`{name}(W, 0)` sums the rows together, `{name}(W, 1)` each row; `{name}(W)` all of it")));
        }
        let elems = self.elements(v);
        let reduce = |l: &mut Self, part: &[Val]| -> Result<Val> {
            let s = l.sum_of(part, id)?;
            if !mean || part.len() == 1 {
                return Ok(s);
            }
            let n = l.number(part.len() as f64, id);
            l.op(Op::Div, &[s, n], id)
        };
        match (shape.as_slice(), k as usize) {
            ([_], _) => reduce(self, &elems),
            ([rows, cols], 0) => {
                let (rows, cols) = (*rows, *cols);
                let mut out = Vec::with_capacity(cols);
                for c in 0..cols {
                    let column: Vec<Val> = (0..rows).map(|r| elems[r * cols + c]).collect();
                    out.push(reduce(self, &column)?);
                }
                Ok(self.tensor(vec![cols], out))
            }
            ([rows, cols], _) => {
                let (rows, cols) = (*rows, *cols);
                let mut out = Vec::with_capacity(rows);
                for r in 0..rows {
                    out.push(reduce(self, &elems[r * cols..(r + 1) * cols])?);
                }
                Ok(self.tensor(vec![rows], out))
            }
            _ => Err(Error::internal("an axis of a number")),
        }
    }

    /// `a₀b₀ + a₁b₁ + …`.
    fn dot(&mut self, a: &[Val], b: &[Val], id: ExprId) -> Result<Val> {
        let mut terms = Vec::with_capacity(a.len());
        for (&x, &y) in a.iter().zip(b) {
            terms.push(self.op(Op::Mul, &[x, y], id)?);
        }
        self.sum_of(&terms, id)
    }

    /// `A@B`: matrix@vector, vector@vector (the dot product), matrix@matrix,
    /// vector@matrix.
    fn matmul(&mut self, id: ExprId, a: ExprId, b: ExprId, vals: &[Val]) -> Result<Val> {
        let (va, vb) = (vals[a as usize], vals[b as usize]);
        let (sa, sb) = (self.shape_of(va), self.shape_of(vb));
        let inner_a = sa.last().copied();
        let inner_b = match sb.as_slice() {
            [n] => Some(*n),
            [n, _] => Some(*n),
            _ => None,
        };
        let at = self.operator_span(id, a, b);
        let (ta, tb) = (self.text_of(a), self.text_of(b));
        let whole = self.text_of(id);
        match (inner_a, inner_b) {
            (Some(x), Some(y)) if x == y => {}
            (None, _) | (_, None) => {
                let (t, s) = if sa.is_empty() { (ta, &sa) } else { (tb, &sb) };
                return Err(self
                    .shape_error(
                        format!(
                            "{}: `{whole}` multiplies vectors and matrices",
                            describe(t, s)
                        ),
                        at,
                    )
                    .with_help("for a number times a tensor write `*`; give a tensor variable its value with --at, e.g. --at 'x=[1,2]'"));
            }
            (Some(x), Some(_)) => {
                return Err(self.shape_error(
                    format!(
                        "{} and {}: {whole} needs {x}",
                        describe(ta, &sa),
                        describe(tb, &sb)
                    ),
                    at,
                ));
            }
        }
        let (ea, eb) = (self.elements(va), self.elements(vb));
        let n = inner_a.unwrap_or(0);
        let rows = if sa.len() == 2 { sa[0] } else { 1 };
        let cols = if sb.len() == 2 { sb[1] } else { 1 };
        let mut out = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                let row: Vec<Val> = (0..n).map(|k| ea[r * n + k]).collect();
                let col: Vec<Val> = (0..n).map(|k| eb[k * cols + c]).collect();
                out.push(self.dot(&row, &col, id)?);
            }
        }
        let shape: Vec<usize> = match (sa.len(), sb.len()) {
            (1, 1) => return Ok(out[0]),
            (2, 1) => vec![rows],
            (1, 2) => vec![cols],
            _ => vec![rows, cols],
        };
        Ok(self.tensor(shape, out))
    }
}
