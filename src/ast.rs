//! The syntax tree: a flat arena of expressions in post-order (every
//! expression's operands come before it), so later stages walk it with a loop
//! and dropping it never recurses.

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Index of an expression in [`Program::exprs`] (u32 keeps the arena small:
/// a 4 MB expression has two million of them).
pub type ExprId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    /// `@`: the matrix product (SPEC §9).
    MatMul,
}

/// What an expression is. 16 bytes: names are read from the source by span,
/// call arguments live in [`Program::args`], so a big input's arena stays small.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExprKind {
    Number(f64),
    /// A name; its text is the expression's span.
    Name,
    Neg(ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// A call: the name is the first `name_len` bytes of the span, the
    /// arguments `Program::args[first..first + count]`.
    Call {
        name_len: u32,
        first: u32,
        count: u32,
    },
    /// A vector or matrix literal `[a, b, …]`: its elements are
    /// `Program::args[first..first + count]`.
    List {
        first: u32,
        count: u32,
    },
    /// `base[i, …]`: `Program::args[first]` is the base, the rest the indices.
    Index {
        first: u32,
        count: u32,
    },
    /// `W'`, the transpose.
    Transpose(ExprId),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    start: u32,
    end: u32,
}

impl Expr {
    /// Inputs are at most 16 MiB (`parse::MAX_INPUT_BYTES`), so offsets fit in u32.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr {
            kind,
            start: span.start as u32,
            end: span.end as u32,
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// `name = expr`, or a bare expression when `name` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement<'a> {
    pub name: Option<(&'a str, Span)>,
    /// The statement's expressions are `first..=root` in the arena.
    pub first: ExprId,
    pub root: ExprId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program<'a> {
    pub source: &'a str,
    pub exprs: Vec<Expr>,
    /// The arguments of every call, each call's contiguous.
    pub args: Vec<ExprId>,
    pub statements: Vec<Statement<'a>>,
}

impl<'a> Program<'a> {
    pub fn text(&self, span: Span) -> &'a str {
        &self.source[span.start..span.end]
    }

    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id as usize]
    }

    /// The name of a `Name` or `Call` expression.
    pub fn name(&self, id: ExprId) -> &'a str {
        let e = self.expr(id);
        let span = e.span();
        match e.kind {
            ExprKind::Call { name_len, .. } => {
                &self.source[span.start..span.start + name_len as usize]
            }
            _ => self.text(span),
        }
    }

    /// The arguments of a `Call` expression, the elements of a `List`, the
    /// base and indices of an `Index` (empty for any other).
    pub fn call_args(&self, id: ExprId) -> &[ExprId] {
        match self.expr(id).kind {
            ExprKind::Call { first, count, .. }
            | ExprKind::List { first, count }
            | ExprKind::Index { first, count } => {
                &self.args[first as usize..(first + count) as usize]
            }
            _ => &[],
        }
    }
}
