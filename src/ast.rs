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
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind<'a> {
    Number(f64),
    Name(&'a str),
    Neg(ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// A call; the name starts where the call's span starts.
    Call {
        name: &'a str,
        args: Box<[ExprId]>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub span: Span,
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
    pub exprs: Vec<Expr<'a>>,
    pub statements: Vec<Statement<'a>>,
}

impl<'a> Program<'a> {
    pub fn text(&self, span: Span) -> &'a str {
        &self.source[span.start..span.end]
    }

    pub fn expr(&self, id: ExprId) -> &Expr<'a> {
        &self.exprs[id as usize]
    }
}
