//! Lowering: the syntax tree's arena, one loop over it (operands first),
//! into the [`Graph`]'s flat node list: constants folded, identical
//! subexpressions shared, what the output does not need dropped, the rest
//! ordered by level (the lecture's g1, g2, …).

use super::*;

mod tensor;

/// A value during lowering: a node, or a constant not yet given a node —
/// a number literal (its value is in the tree), or a folded constant (its
/// value and the expression it came from, for its text, in
/// `Lowerer::folded`). 8 bytes: there is one per expression of a big input.
#[derive(Clone, Copy)]
enum Val {
    Node(NodeId),
    Number(ExprId),
    Folded(u32),
    /// A vector or matrix: `Lowerer::tensors[i]` (SPEC §9).
    Tensor(u32),
}

/// A node during lowering: all that `finish` reads of it in 32 bytes, so
/// reordering a big graph costs one cache miss a node.
#[derive(Clone, Copy)]
struct Draft {
    kind: Kind,
    label: Label,
    /// `[a, b]`, `[a, NONE]`, `[NONE, NONE]`, or for more inputs
    /// `[start, MANY | count]` into `Lowerer::many`.
    ins: [NodeId; 2],
    span: (u32, u32),
}

const NONE: NodeId = NodeId::MAX;
/// Marks `Draft::ins[1]` as a count (node ids stay below 2³¹: inputs are at
/// most 16 MiB).
const MANY: NodeId = 1 << 31;

/// The first user of a node among the operations of one or two inputs, and
/// that operation's key: enough to tell whether it is `op(a, b)` without
/// reading it.
#[derive(Clone, Copy)]
struct FirstUser {
    user: NodeId,
    /// The operation's other input (`NONE` for an operation of one input).
    other: NodeId,
    op: Op,
    /// Whether this node is the operation's second input.
    second: bool,
}

const UNUSED: FirstUser = FirstUser {
    user: NONE,
    other: NONE,
    op: Op::Id,
    second: false,
};

pub(super) struct Lowerer<'a> {
    program: Program<'a>,
    drafts: Vec<Draft>,
    /// The inputs of operations of more than two.
    many: Vec<NodeId>,
    consts: Vec<Constant>,
    folded: Vec<(f64, ExprId)>,
    const_ids: FxHashMap<u64, NodeId>,
    var_ids: FxHashMap<&'a str, NodeId>,
    variables: Vec<String>,
    /// Each node's first user among the operations of one or two inputs
    /// (`NodeId::MAX` for none yet). An operation that is the first user of
    /// one of its inputs is found through it, and is not put in `interned`:
    /// in a big expression most nodes are, and their inputs are recent, so
    /// sharing costs no cache miss in a big table.
    first_user: Vec<FirstUser>,
    /// The other operations of one or two inputs (the second `NodeId::MAX`
    /// for one), kept apart from the rare `max`/`min` of more so entries
    /// stay 16 bytes.
    interned: FxHashMap<(Op, NodeId, NodeId), NodeId>,
    interned_many: FxHashMap<(Op, Box<[NodeId]>), NodeId>,
    defined: FxHashMap<&'a str, NodeId>,
    /// Every statement name, to tell "defined later" from "a variable".
    statement_names: FxHashSet<&'a str>,
    names: Vec<String>,
    /// The shapes of the tensor variables (from `--at`), by name.
    shapes: FxHashMap<String, Vec<usize>>,
    tensors: Vec<tensor::Tensor>,
    tensor_vars: FxHashMap<&'a str, u32>,
    defined_tensors: FxHashMap<&'a str, u32>,
    /// The tensors shown as rows (variables, statements, the tensor
    /// subexpressions), for display.
    groups: Vec<Group>,
    /// Display only (SPEC §9): the nodes made inside a tensor operation's
    /// expansion (hidden unless a row shows them); the groups and scalar
    /// rows of tensor subexpressions, by expression (dropped when a
    /// statement names them, or an affine `W@x + b` takes in its product);
    /// each scalar row's definition (source text) and operation.
    hidden: Vec<bool>,
    expr_units: FxHashMap<ExprId, tensor::Unit>,
    dead_groups: FxHashSet<usize>,
    scalar_units: FxHashMap<NodeId, (Box<str>, &'static str)>,
    /// Each select node (`p[y]`): the expression, the index's name, and
    /// what its axis has (`p has 3 entries (0 to 2)`), for its error.
    selects: FxHashMap<NodeId, display::SelectMeta>,
    /// Each tensor operation's operands as written, by its text.
    operands: FxHashMap<String, Vec<String>>,
    /// Whether the output may be a tensor (its values are shown; SPEC §9).
    pub(super) tensor_values: bool,
    tensor_output: Option<TensorOutput>,
}

impl<'a> Lowerer<'a> {
    pub(super) fn new(
        program: Program<'a>,
        shapes: &FxHashMap<String, Vec<usize>>,
    ) -> Result<Self> {
        let mut statement_names = FxHashSet::default();
        let last = program.statements.len().saturating_sub(1);
        for (i, st) in program.statements.iter().enumerate() {
            match st.name {
                None if i != last => {
                    return Err(Error::at(ErrorKind::BareExpressionNotLast, st.span)
                        .with_help("give it a name: `name = …`, or delete it"));
                }
                None => {}
                Some((name, span)) => {
                    if ops::constant(name).is_some() {
                        return Err(Error::at(ErrorKind::AssignToConstant(name.into()), span));
                    }
                    if ops::is_function(name) {
                        return Err(Error::at(ErrorKind::AssignToFunction(name.into()), span));
                    }
                    if !statement_names.insert(name) {
                        return Err(
                            Error::at(ErrorKind::Redefined(name.into()), span).with_help(
                                "each name is assigned once; pick a new name for this step",
                            ),
                        );
                    }
                }
            }
        }
        Ok(Lowerer {
            program,
            drafts: Vec::new(),
            many: Vec::new(),
            consts: Vec::new(),
            folded: Vec::new(),
            const_ids: FxHashMap::default(),
            var_ids: FxHashMap::default(),
            variables: Vec::new(),
            first_user: Vec::new(),
            interned: FxHashMap::default(),
            interned_many: FxHashMap::default(),
            defined: FxHashMap::default(),
            statement_names,
            names: Vec::new(),
            shapes: shapes.clone(),
            tensors: Vec::new(),
            tensor_vars: FxHashMap::default(),
            defined_tensors: FxHashMap::default(),
            groups: Vec::new(),
            hidden: Vec::new(),
            expr_units: FxHashMap::default(),
            dead_groups: FxHashSet::default(),
            scalar_units: FxHashMap::default(),
            selects: FxHashMap::default(),
            operands: FxHashMap::default(),
            tensor_values: false,
            tensor_output: None,
        })
    }

    pub(super) fn run(mut self, of: Option<&str>) -> Result<Graph> {
        let n = self.program.exprs.len();
        let mut vals: Vec<Val> = Vec::with_capacity(n);
        // At most one node per expression: reserve, rather than copy as they grow.
        self.drafts.reserve(n);
        self.first_user.reserve(n);
        let mut last_output = None;
        let mut last_node = 0;
        let mut tensor_last: Option<(String, String, u32, Span)> = None;
        let mut of_tensor = None;
        let statements = std::mem::take(&mut self.program.statements);
        for st in &statements {
            for id in st.first..=st.root {
                let val = self.lower_expr(id, &vals)?;
                vals.push(val);
                if self.drafts.len() > MAX_NODES {
                    return Err(Error::at(
                        ErrorKind::Limit(format!(
                            "the graph has more than {MAX_NODES} nodes, the most the tool builds"
                        )),
                        self.program.expr(id).span(),
                    ));
                }
            }
            if let Val::Tensor(t) = vals[st.root as usize] {
                match st.name {
                    Some((name, _)) => {
                        self.tensor_statement(name, t, st.span, st.root);
                        tensor_last = Some((name.to_string(), name.to_string(), t, st.span));
                        if of == Some(name) {
                            of_tensor = tensor_last.clone();
                        }
                    }
                    None => {
                        // A bare last expression that is a tensor: named as
                        // a scalar one would be (`f`), its elements `f[0]`.
                        let text = self.program.text(st.span).trim();
                        let name = ["f", "out", "result", "f_"]
                            .into_iter()
                            .find(|n| {
                                !self.var_ids.contains_key(n)
                                    && !self.tensor_vars.contains_key(n)
                                    && !self.statement_names.contains(n)
                            })
                            .unwrap_or("f_");
                        self.tensor_statement(name, t, st.span, st.root);
                        tensor_last = Some((name.to_string(), text.to_string(), t, st.span));
                    }
                }
                continue;
            }
            tensor_last = None;
            let node = match vals[st.root as usize] {
                Val::Node(n) if self.drafts[n as usize].label == Label::Unnamed => n,
                Val::Node(n) => self.push(Kind::Op(Op::Id), &[n], Label::Unnamed, st.span),
                constant => {
                    let c = self.node_of(constant);
                    self.push(Kind::Op(Op::Id), &[c], Label::Unnamed, st.span)
                }
            };
            match st.name {
                Some((name, _)) => {
                    self.drafts[node as usize].label = Label::Named(self.names.len() as u32);
                    self.names.push(name.to_string());
                    self.defined.insert(name, node);
                }
                None => last_output = Some(node),
            }
            last_node = node;
        }
        drop(vals);
        // A tensor output (SPEC §9): its values are shown, gradients need a
        // scalar output.
        let tensor_output = match of {
            None => tensor_last,
            Some(_) => of_tensor,
        };
        if let Some((name, text, t, span)) = tensor_output {
            let err = self.tensor_output(&text, t, span);
            if !self.tensor_values {
                return Err(err);
            }
            let statements = self.names.clone();
            let group = self
                .groups
                .iter()
                .rposition(|g| g.name == name)
                .ok_or_else(|| Error::internal("a tensor output without its group"))?;
            let roots = self.groups[group].nodes.clone();
            self.tensor_output = Some(TensorOutput { name, error: err });
            return Ok(self.finish(&roots, statements));
        }
        self.program.exprs = Vec::new();
        let statements = self.names.clone();
        let bare_output = last_output.filter(|_| of.is_some_and(|n| n == "f"));
        let of = if bare_output.is_some() { None } else { of };
        let output = match of {
            Some(name) => *self.defined.get(name).ok_or_else(|| {
                Error::new(ErrorKind::UnknownNode {
                    name: name.into(),
                    known: statements.clone(),
                })
                .with_help("--of takes the name of a statement (`name = …`)")
            })?,
            None => match last_output {
                Some(node) => {
                    let name = ["f", "out", "result", "f_"]
                        .into_iter()
                        .find(|n| !self.var_ids.contains_key(n) && !self.defined.contains_key(n))
                        .unwrap_or("f_");
                    self.drafts[node as usize].label = Label::Named(self.names.len() as u32);
                    self.names.push(name.into());
                    node
                }
                None => last_node,
            },
        };
        let mut statements = statements;
        if last_output.is_some() && of.is_none() {
            statements.push(self.names[self.names.len() - 1].clone());
        }
        Ok(self.finish(&[output], statements))
    }

    fn lower_expr(&mut self, id: ExprId, vals: &[Val]) -> Result<Val> {
        if self.is_tensor_expr(id, vals) {
            let before = self.drafts.len();
            let val = self.lower_tensor_expr(id, vals)?;
            self.expansion(id, before, val);
            return Ok(val);
        }
        let before = self.drafts.len();
        let val = self.lower_scalar_expr(id, vals)?;
        if !self.expr_units.is_empty() {
            self.affine_scalar(id, before, val);
        }
        Ok(val)
    }

    fn lower_scalar_expr(&mut self, id: ExprId, vals: &[Val]) -> Result<Val> {
        let expr = *self.program.expr(id);
        let span = expr.span();
        Ok(match expr.kind {
            ExprKind::List { .. } | ExprKind::Index { .. } | ExprKind::Transpose(_) => {
                return Err(Error::internal("a tensor expression on the scalar path"))
            }
            ExprKind::Number(_) => Val::Number(id),
            ExprKind::Name => self.resolve(self.program.name(id), span, id)?,
            ExprKind::Neg(a) => match self.constant(vals[a as usize]) {
                Some((v, _)) => self.fold_to(-v, id),
                None => self.op(Op::Neg, &[vals[a as usize]], id)?,
            },
            ExprKind::Binary(bin, a, b) => {
                self.op(scalar_op(bin), &[vals[a as usize], vals[b as usize]], id)?
            }
            ExprKind::Call { .. } => {
                let name = self.program.name(id);
                let args = self.program.call_args(id);
                let name_span = Span::new(span.start, span.start + name.len());
                let op = match ops::function(name, args.len()) {
                    Some(Ok(op)) => op,
                    Some(Err(arity)) => {
                        return Err(Error::at(
                            ErrorKind::Arity {
                                name: (*name).into(),
                                expected: arity.to_string(),
                                found: args.len(),
                            },
                            span,
                        ))
                    }
                    None => {
                        let mut err = Error::at(
                            ErrorKind::UnknownFunction {
                                name: (*name).into(),
                            },
                            name_span,
                        );
                        err = match ops::suggest(name) {
                            Some("sigmoid") if name.eq_ignore_ascii_case("sigma") => {
                                err.with_help("did you mean `sigmoid` (also written `σ`)?")
                            }
                            Some(s) => err.with_help(format!("did you mean `{s}`?")),
                            None => err.with_help(format!(
                                "to multiply, write `{name}*(…)`; the functions are: {}",
                                ops::FUNCTIONS.join(" ")
                            )),
                        };
                        return Err(err);
                    }
                };
                let mut buf = [Val::Node(0); 4];
                if args.len() <= buf.len() {
                    for (slot, &a) in buf.iter_mut().zip(args) {
                        *slot = vals[a as usize];
                    }
                    self.op(op, &buf[..args.len()], id)?
                } else {
                    let args: Vec<Val> = args.iter().map(|&a| vals[a as usize]).collect();
                    self.op(op, &args, id)?
                }
            }
        })
    }

    fn resolve(&mut self, name: &'a str, span: Span, id: ExprId) -> Result<Val> {
        if let Some(&node) = self.defined.get(name) {
            return Ok(Val::Node(node));
        }
        if let Some(&t) = self.defined_tensors.get(name) {
            return Ok(Val::Tensor(t));
        }
        // Names already known as variables are never statements or functions.
        if let Some(&node) = self.var_ids.get(name) {
            return Ok(Val::Node(node));
        }
        if let Some(&t) = self.tensor_vars.get(name) {
            return Ok(Val::Tensor(t));
        }
        if self.statement_names.contains(name) {
            return Err(
                Error::at(ErrorKind::UsedBeforeDefinition(name.into()), span)
                    .with_help("a statement may use only the names of earlier statements"),
            );
        }
        if let Some(v) = ops::constant(name) {
            return Ok(self.fold_to(v, id));
        }
        if ops::is_function(name) {
            return Err(Error::at(ErrorKind::FunctionWithoutCall(name.into()), span));
        }
        if self.shapes.contains_key(name) {
            return Ok(self.tensor_variable(name, span));
        }
        let v = self.variables.len() as u32;
        self.variables.push(name.to_string());
        let node = self.push(Kind::Var(v), &[], Label::Var(v), span);
        self.var_ids.insert(name, node);
        Ok(Val::Node(node))
    }

    /// An operation on lowered values: folded when every input is constant,
    /// shared when the same operation on the same inputs exists already.
    fn op(&mut self, op: Op, args: &[Val], id: ExprId) -> Result<Val> {
        if args.iter().all(|a| !matches!(a, Val::Node(_))) {
            return self.fold(op, args, id);
        }
        let mut buf = [0 as NodeId; 4];
        let mut many = Vec::new();
        let ids: &[NodeId] = if args.len() <= buf.len() {
            for (slot, &a) in buf.iter_mut().zip(args) {
                *slot = self.node_of(a);
            }
            &buf[..args.len()]
        } else {
            many.extend(args.iter().map(|&a| self.node_of(a)));
            &many
        };
        let next = self.drafts.len() as NodeId;
        let node = match *ids {
            [a] => self.share(op, a, NONE, next),
            [a, b] => self.share(op, a, b, next),
            _ => *self.interned_many.entry((op, ids.into())).or_insert(next),
        };
        if node == next {
            let span = self.program.expr(id).span();
            self.push(Kind::Op(op), ids, Label::Unnamed, span);
        }
        Ok(Val::Node(node))
    }

    /// The node of `op` on `a` (and `b`, unless `NONE`) if there is one,
    /// else `next`, recorded as that operation.
    fn share(&mut self, op: Op, a: NodeId, b: NodeId, next: NodeId) -> NodeId {
        let fa = self.first_user[a as usize];
        let fb = match b {
            NONE => fa,
            b => self.first_user[b as usize],
        };
        if fa.user == NONE || fb.user == NONE {
            // An input nothing uses yet: the operation is new.
            if fa.user == NONE {
                self.first_user[a as usize] = FirstUser {
                    user: next,
                    other: b,
                    op,
                    second: false,
                };
            }
            // (For `op(a, a)`, `a` has its first user now.)
            if b != NONE && self.first_user[b as usize].user == NONE {
                self.first_user[b as usize] = FirstUser {
                    user: next,
                    other: a,
                    op,
                    second: true,
                };
            }
            return next;
        }
        if fa.op == op && !fa.second && fa.other == b {
            return fa.user;
        }
        if b != NONE && fb.op == op && fb.second && fb.other == a {
            return fb.user;
        }
        *self.interned.entry((op, a, b)).or_insert(next)
    }

    fn node_of(&mut self, val: Val) -> NodeId {
        match (val, self.constant(val)) {
            (Val::Node(n), _) => n,
            (_, Some((value, e))) => self.const_node(value, e),
            (_, None) => NodeId::MAX,
        }
    }

    /// A constant's value and the expression it came from.
    fn constant(&self, val: Val) -> Option<(f64, ExprId)> {
        match val {
            Val::Node(_) => None,
            Val::Number(e) => match self.program.expr(e).kind {
                ExprKind::Number(v) => Some((v, e)),
                _ => None,
            },
            Val::Folded(i) => Some(self.folded[i as usize]),
            Val::Tensor(_) => None,
        }
    }

    /// The constant `value`, folded from expression `id`.
    fn fold_to(&mut self, value: f64, id: ExprId) -> Val {
        self.folded.push((value, id));
        Val::Folded(self.folded.len() as u32 - 1)
    }

    /// An operation on constants only: its value, as a constant.
    fn fold(&mut self, op: Op, args: &[Val], id: ExprId) -> Result<Val> {
        let span = self.program.expr(id).span();
        let values: Vec<f64> = args
            .iter()
            .map(|&a| self.constant(a).map_or(f64::NAN, |(v, _)| v))
            .collect();
        let value = op.forward(&values);
        if !value.is_finite() {
            return Err(Error::at(
                ErrorKind::NonFinite {
                    node: self.program.text(span).trim().to_string(),
                    def: crate::number::format(value),
                    reason: (op.def().domain)(&values),
                },
                span,
            ));
        }
        Ok(self.fold_to(value, id))
    }

    /// The node of constant `value` (shared by every use of the value),
    /// written as expression `expr` was.
    fn const_node(&mut self, value: f64, expr: ExprId) -> NodeId {
        if let Some(&node) = self.const_ids.get(&value.to_bits()) {
            return node;
        }
        let e = self.program.expr(expr);
        let span = e.span();
        let form = match e.kind {
            ExprKind::Number(_) | ExprKind::Name => Form::Atom,
            ExprKind::Neg(_) => Form::Negated,
            _ => Form::Compound,
        };
        // A number is shown by its value; anything else as written.
        let text = match e.kind {
            ExprKind::Number(_) => None,
            _ => Some(self.program.text(span).trim().into()),
        };
        let c = self.consts.len() as u32;
        self.consts.push(Constant { value, text, form });
        let node = self.push(Kind::Const(c), &[], Label::Hidden, span);
        self.const_ids.insert(value.to_bits(), node);
        node
    }

    fn push(&mut self, kind: Kind, inputs: &[NodeId], label: Label, span: Span) -> NodeId {
        let id = self.drafts.len() as NodeId;
        let ins = match *inputs {
            [] => [NONE, NONE],
            [a] => [a, NONE],
            [a, b] => [a, b],
            _ => {
                let start = self.many.len() as NodeId;
                self.many.extend_from_slice(inputs);
                [start, MANY | inputs.len() as NodeId]
            }
        };
        self.drafts.push(Draft {
            kind,
            label,
            ins,
            // Offsets fit in u32: inputs are at most 16 MiB.
            span: (span.start as u32, span.end as u32),
        });
        self.first_user.push(UNUSED);
        id
    }

    /// The inputs of a draft node.
    fn inputs_of<'d>(many: &'d [NodeId], d: &'d Draft) -> &'d [NodeId] {
        match d.ins {
            [NONE, _] => &[],
            [_, NONE] => &d.ins[..1],
            [start, count] if count & MANY != 0 => {
                &many[start as usize..(start + (count & !MANY)) as usize]
            }
            _ => &d.ins,
        }
    }

    /// Drops what the output does not use, orders by level, names g1, g2, ….
    /// `roots`: the output, or a tensor output's elements.
    fn finish(mut self, roots: &[NodeId], statements: Vec<String>) -> Graph {
        // The lookup tables are done with; free them before the final arrays.
        self.interned = FxHashMap::default();
        self.first_user = Vec::new();
        self.interned_many = FxHashMap::default();
        self.const_ids = FxHashMap::default();
        let n = self.drafts.len();
        let (drafts, many) = (&self.drafts, &self.many[..]);
        // `at[i]`: 0 for a node the output does not use; then its level + 1;
        // then its index in the graph.
        let mut at = vec![0u32; n];
        for &r in roots {
            at[r as usize] = 1;
        }
        // The last node is a root (nothing kept comes after every root), so
        // it is the output: a tensor output's last element in graph order.
        let output = roots.iter().copied().max().unwrap_or(0);
        let mark = |at: &mut [u32]| {
            let mut input_count = 0;
            for i in (0..=output as usize).rev() {
                if at[i] != 0 {
                    let ins = Self::inputs_of(many, &drafts[i]);
                    input_count += ins.len();
                    for &j in ins {
                        at[j as usize] = 1;
                    }
                }
            }
            input_count
        };
        let mut input_count = mark(&mut at);
        // A group the output uses part of is kept whole, so its row shows
        // every element (`softmax(z)` of `-ln(softmax(z)[2])`): when made
        // before the output, none of its elements depends on it.
        let tensors = !self.groups.is_empty();
        if tensors {
            let mut more = false;
            for (i, g) in self.groups.iter().enumerate() {
                let used = g.nodes.iter().any(|&x| at[x as usize] != 0);
                if used && !self.dead_groups.contains(&i) && g.nodes.iter().all(|&x| x < output) {
                    for &x in &g.nodes {
                        more |= at[x as usize] == 0;
                        at[x as usize] = 1;
                    }
                }
            }
            if more {
                input_count = mark(&mut at);
            }
        }
        // Creation order is topological, so one forward pass finds levels;
        // `start[l + 1]` counts the nodes of level l.
        let mut start = vec![0u32; 2];
        for i in 0..=output as usize {
            if at[i] != 0 {
                let level = Self::inputs_of(many, &drafts[i])
                    .iter()
                    .map(|&j| at[j as usize])
                    .max()
                    .unwrap_or(0);
                at[i] = level + 1;
                if start.len() < level as usize + 2 {
                    start.push(0);
                }
                start[level as usize + 1] += 1;
            }
        }
        if tensors {
            // The output last, after the groups kept whole.
            let level = at[output as usize] as usize;
            start[level] -= 1;
            start.push(1);
            at[output as usize] = start.len() as u32 - 1;
        }
        // Counting sort by level, stable in creation order.
        for l in 1..start.len() {
            start[l] += start[l - 1];
        }
        let kept = start[start.len() - 1] as usize;
        let mut order = vec![0u32; kept];
        for i in 0..=output as usize {
            if at[i] != 0 {
                let slot = &mut start[at[i] as usize - 1];
                order[*slot as usize] = i as u32;
                at[i] = *slot;
                *slot += 1;
            }
        }
        drop(start);

        let user_names: FxHashSet<&str> = self
            .variables
            .iter()
            .chain(self.names.iter())
            .map(String::as_str)
            .filter(|s| s.starts_with('g'))
            .collect();
        let mut next_g = 0u32;
        let mut g_name = || loop {
            next_g += 1;
            if user_names.is_empty() || !user_names.contains(format!("g{next_g}").as_str()) {
                return next_g;
            }
        };

        let mut nodes = Vec::with_capacity(kept);
        let mut inputs = Vec::with_capacity(input_count);
        let mut labels = Vec::with_capacity(kept);
        let mut spans = Vec::with_capacity(kept);
        let mut variables = Vec::new();
        let mut var_nodes = Vec::new();
        for &old in &order {
            let d = &drafts[old as usize];
            let ins = Self::inputs_of(many, d);
            let mut kind = d.kind;
            let label = match d.label {
                Label::Var(v) => {
                    let nv = variables.len() as u32;
                    variables.push(self.variables[v as usize].clone());
                    var_nodes.push(nodes.len() as NodeId);
                    kind = Kind::Var(nv);
                    Label::Var(nv)
                }
                Label::Unnamed => Label::G(g_name()),
                other => other,
            };
            nodes.push(Node {
                kind,
                start: inputs.len() as u32,
                len: ins.len() as u32,
            });
            inputs.extend(ins.iter().map(|&j| at[j as usize]));
            labels.push(label);
            spans.push(d.span);
        }
        let mut display = Display::default();
        let groups = match self.groups.is_empty() && self.hidden.is_empty() {
            true => Vec::new(),
            false => {
                let mut new_of = vec![NONE; n];
                for (new, &old) in order.iter().enumerate() {
                    new_of[old as usize] = new as NodeId;
                }
                let dead = std::mem::take(&mut self.dead_groups);
                let mut groups: Vec<Group> = std::mem::take(&mut self.groups)
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| !dead.contains(i))
                    .filter_map(|(_, mut g)| {
                        for node in g.nodes.iter_mut() {
                            *node = new_of[*node as usize];
                        }
                        g.nodes.iter().all(|&x| x != NONE).then_some(g)
                    })
                    .collect();
                // In the table's order: a group where its last element is.
                groups.sort_by_key(|g| g.nodes.iter().max().copied());
                let scalar_units = renumber(std::mem::take(&mut self.scalar_units), &new_of);
                let hidden: Vec<bool> = order
                    .iter()
                    .map(|&old| self.hidden.get(old as usize).copied().unwrap_or(false))
                    .collect();
                display = Display::new(&groups, scalar_units, hidden, &nodes, &inputs, &labels);
                display.operands = std::mem::take(&mut self.operands);
                display.selects = renumber(std::mem::take(&mut self.selects), &new_of);
                let taken: FxHashSet<String> = user_names
                    .iter()
                    .map(|s| s.to_string())
                    .chain(groups.iter().map(|g| g.name.clone()))
                    .collect();
                display.name(&mut groups, &mut labels, &mut self.names, &taken);
                groups
            }
        };
        Graph {
            groups,
            nodes,
            inputs,
            labels,
            spans,
            consts: self.consts,
            variables,
            var_nodes,
            names: self.names,
            statements,
            output: (kept - 1) as NodeId,
            tensor_output: self.tensor_output,
            display,
        }
    }
}

/// The graph operation of a binary operator on numbers (`@` never reaches
/// the scalar path: it is a tensor expression).
fn scalar_op(bin: BinOp) -> Op {
    match bin {
        BinOp::Add => Op::Add,
        BinOp::Sub => Op::Sub,
        BinOp::Mul => Op::Mul,
        BinOp::Div => Op::Div,
        BinOp::Pow | BinOp::MatMul => Op::Pow,
    }
}

/// A map by node kept for the final graph: each node by its new id, the
/// nodes pruned (`NONE`) dropped.
fn renumber<V>(map: FxHashMap<NodeId, V>, new_of: &[NodeId]) -> FxHashMap<NodeId, V> {
    map.into_iter()
        .filter_map(|(old, v)| {
            let new = new_of[old as usize];
            (new != NONE).then_some((new, v))
        })
        .collect()
}
