//! The builder: pieces' tokens → the expression arena, by the precedence table.

use super::wording::internal;
use super::{piece::term_too_long, piece::Token, Rule, MAX_TERM_BYTES};
use crate::ast::{BinOp, Expr, ExprId, ExprKind, Program, Span, Statement};
use crate::error::{Error, ErrorKind, Result};

/// An operator of the precedence table.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Neg,
    Pos,
    Root,
    MatMul,
}

impl Op {
    /// The binary operator an `infix` token's text spells (the grammar's
    /// `infix` rule: `**` before `*`).
    pub(super) fn of_infix(text: &str) -> Op {
        match text.as_bytes() {
            [b'+', ..] => Op::Add,
            [b'-', ..] => Op::Sub,
            [b'*', b'*', ..] | [b'^', ..] => Op::Pow,
            [b'/', ..] => Op::Div,
            _ => match text.chars().next() {
                Some('\u{2212}' | '\u{2013}') => Op::Sub,
                Some('\u{00F7}') => Op::Div,
                Some('@') => Op::MatMul,
                _ => Op::Mul,
            },
        }
    }

    /// The precedence table, loosest first (see the module docs): the
    /// operator's binding power and whether it groups to the right.
    fn binding_power(self) -> (u8, bool) {
        match self {
            Op::Add | Op::Sub => (1, false),
            // `@` with `*` and `/`, as in Python.
            Op::Mul | Op::Div | Op::MatMul => (2, false),
            Op::Neg | Op::Pos | Op::Root => (3, false),
            Op::Pow => (4, true),
        }
    }
}

/// A statement being read.
struct Open<'a> {
    name: Option<(&'a str, Span)>,
    first: ExprId,
    start: usize,
}

/// A nesting level: a parenthesised expression, a call's argument, or a call
/// (`call` is where its name starts and how long it is). Its operators and
/// operands are those above the bases.
struct Frame {
    operators: usize,
    operands: usize,
    call: Option<(usize, u32)>,
}

/// Builds the expression arena from pieces' tokens; pushes each expression
/// after its operands. Its stacks live across pieces.
pub(super) struct Builder<'a> {
    source: &'a str,
    pub(super) exprs: Vec<Expr>,
    args: Vec<ExprId>,
    pub(super) statements: Vec<Statement<'a>>,
    operands: Vec<ExprId>,
    /// Pending operators: operator, binding power, where it starts.
    operators: Vec<(Op, u8, usize)>,
    frames: Vec<Frame>,
    open: Option<Open<'a>>,
    /// Where the current top-level term starts.
    pub(super) term_start: usize,
    /// The end of the last token read (a statement's span ends there).
    last_end: usize,
    /// The first error of building (a bad number), reported once the whole
    /// input has been read without a syntax error.
    deferred: Option<Error>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Builder {
            source,
            exprs: Vec::new(),
            args: Vec::new(),
            statements: Vec::new(),
            operands: Vec::new(),
            operators: Vec::new(),
            frames: Vec::new(),
            open: None,
            term_start: 0,
            last_end: 0,
            deferred: None,
        }
    }

    fn len(&self) -> ExprId {
        self.exprs.len() as ExprId
    }

    fn push(&mut self, kind: ExprKind, span: Span) -> ExprId {
        self.exprs.push(Expr::new(kind, span));
        (self.exprs.len() - 1) as ExprId
    }

    fn span_of_expr(&self, id: ExprId) -> Span {
        self.exprs
            .get(id as usize)
            .map_or(Span::default(), |e| e.span())
    }

    fn term_too_long(&self, start: usize) -> Error {
        term_too_long(self.source, start)
    }

    /// Ends the current top-level term at `end`, refusing it when too long.
    fn end_term(&mut self, end: usize) -> Result<()> {
        if end.saturating_sub(self.term_start) > MAX_TERM_BYTES {
            return Err(self.term_too_long(self.term_start));
        }
        Ok(())
    }

    pub(super) fn begin_statement(&mut self, start: usize) {
        self.open = Some(Open {
            name: None,
            first: self.len(),
            start,
        });
        self.term_start = start;
        self.operands.clear();
        self.operators.clear();
        self.frames.clear();
        self.frames.push(Frame {
            operators: 0,
            operands: 0,
            call: None,
        });
    }

    pub(super) fn end_statement(&mut self, end: usize) -> Result<Statement<'a>> {
        self.end_term(end)?;
        self.reduce_frame()?;
        let open = self.open.take().ok_or_else(|| internal("statement end"))?;
        let root = match (self.operands.pop(), self.operands.is_empty()) {
            (Some(root), true) => root,
            _ => return Err(internal("expression shape")),
        };
        self.frames.clear();
        Ok(Statement {
            name: open.name,
            first: open.first,
            root,
            span: Span::new(open.start, self.last_end.max(open.start)),
        })
    }

    /// Applies the innermost frame's pending operators.
    fn reduce_frame(&mut self) -> Result<()> {
        let base = self.frames.last().map_or(0, |f| f.operators);
        while self.operators.len() > base {
            let (top, _, start) = self.operators.pop().ok_or_else(|| internal("operator"))?;
            self.reduce(top, start)?;
        }
        Ok(())
    }

    /// Reads a piece's tokens; sets `done` at the end of the input. The next
    /// piece starts at `last_end` (its rules skip blanks first).
    pub(super) fn feed(
        &mut self,
        tokens: &mut std::iter::Peekable<impl Iterator<Item = Token>>,
        done: &mut bool,
    ) -> Result<()> {
        let mut start = 0;
        while let Some(t) = tokens.next() {
            if t.start {
                match t.rule {
                    Rule::stmt => self.begin_statement(t.at()),
                    Rule::stmt_end => {
                        let statement = self.end_statement(t.at())?;
                        self.statements.push(statement);
                    }
                    // A bracket's frame keeps where `[` is (for its span).
                    Rule::list | Rule::index => self.frames.push(Frame {
                        operators: self.operators.len(),
                        operands: self.operands.len(),
                        call: Some((t.at(), 0)),
                    }),
                    Rule::expr | Rule::args => self.frames.push(Frame {
                        operators: self.operators.len(),
                        operands: self.operands.len(),
                        call: None,
                    }),
                    Rule::EOI => *done = true,
                    _ => {}
                }
                start = t.at();
                continue;
            }
            let end = t.at();
            let span = Span::new(start, end);
            match t.rule {
                Rule::stmt | Rule::run | Rule::stmt_end | Rule::EOI => continue,
                Rule::number => self.number(span),
                Rule::name => match tokens.peek().map(|n| (n.rule, n.start)) {
                    Some((Rule::assign, true)) => {
                        let name = (&self.source[start..end], span);
                        if let Some(open) = self.open.as_mut() {
                            open.name = Some(name);
                        }
                    }
                    Some((Rule::args, true)) => {
                        tokens.next();
                        self.frames.push(Frame {
                            operators: self.operators.len(),
                            operands: self.operands.len(),
                            call: Some((start, (end - start) as u32)),
                        });
                    }
                    _ => {
                        let id = self.push(ExprKind::Name, span);
                        self.operands.push(id);
                    }
                },
                Rule::assign => self.term_start = end,
                Rule::expr => {
                    self.reduce_frame()?;
                    let frame = self.frames.pop().ok_or_else(|| internal("frame"))?;
                    if self.operands.len() != frame.operands + 1 {
                        return Err(internal("expression shape"));
                    }
                }
                Rule::args => {
                    let frame = self.frames.pop().ok_or_else(|| internal("frame"))?;
                    let (name_start, name_len) = frame.call.ok_or_else(|| internal("call"))?;
                    let first = self.args.len() as u32;
                    let count = self.operands.len().saturating_sub(frame.operands);
                    self.args.extend(self.operands.drain(frame.operands..));
                    let kind = ExprKind::Call {
                        name_len,
                        first,
                        count: count as u32,
                    };
                    let id = self.push(kind, Span::new(name_start, end));
                    self.operands.push(id);
                }
                Rule::list | Rule::index => {
                    let frame = self.frames.pop().ok_or_else(|| internal("frame"))?;
                    let items: Vec<ExprId> = self.operands.drain(frame.operands..).collect();
                    let open = frame.call.map_or(start, |(at, _)| at);
                    let span = Span::new(open, end);
                    let first = self.args.len() as u32;
                    let (kind, span) = if t.rule == Rule::list {
                        let kind = ExprKind::List {
                            first,
                            count: items.len() as u32,
                        };
                        (kind, span)
                    } else {
                        let base = self.operands.pop().ok_or_else(|| internal("index"))?;
                        self.args.push(base);
                        let kind = ExprKind::Index {
                            first,
                            count: items.len() as u32 + 1,
                        };
                        (kind, self.span_of_expr(base).to(span))
                    };
                    self.args.extend(items);
                    let id = self.push(kind, span);
                    self.operands.push(id);
                }
                Rule::transpose => {
                    let base = self.operands.pop().ok_or_else(|| internal("postfix"))?;
                    let span = self.span_of_expr(base).to(span);
                    let id = self.push(ExprKind::Transpose(base), span);
                    self.operands.push(id);
                }
                Rule::neg => self.operators.push((Op::Neg, 3, start)),
                Rule::pos => self.operators.push((Op::Pos, 3, start)),
                Rule::root => self.operators.push((Op::Root, 3, start)),
                Rule::superscript => {
                    // Postfix powers bind tightest: apply to the operand at once.
                    let lhs = self.operands.pop().ok_or_else(|| internal("postfix"))?;
                    let power = self.superscript(span);
                    let exponent = self.push(ExprKind::Number(power), span);
                    let span = self.span_of_expr(lhs).to(span);
                    let id = self.push(ExprKind::Binary(BinOp::Pow, lhs, exponent), span);
                    self.operands.push(id);
                }
                rule => {
                    let op = match rule {
                        Rule::infix => Some(Op::of_infix(&self.source[start..end])),
                        Rule::implicit | Rule::implicit_paren => Some(Op::Mul),
                        _ => None,
                    };
                    if let Some(op) = op {
                        let (power, right) = op.binding_power();
                        if power == 1 && self.frames.len() == 1 {
                            self.end_term(start)?;
                            self.term_start = end;
                        }
                        let base = self.frames.last().map_or(0, |f| f.operators);
                        while self.operators.len() > base {
                            let Some(&(top, top_power, top_start)) = self.operators.last() else {
                                break;
                            };
                            if top_power > power || (top_power == power && !right) {
                                self.operators.pop();
                                self.reduce(top, top_start)?;
                            } else {
                                break;
                            }
                        }
                        // Only a sign's start is ever used (for its span).
                        self.operators.push((op, power, 0));
                    }
                }
            }
            if !matches!(t.rule, Rule::expr) {
                self.last_end = self.last_end.max(end);
            }
        }
        Ok(())
    }

    fn number(&mut self, span: Span) {
        let text = &self.source[span.start..span.end];
        let value = if text.bytes().filter(|&b| b == b'.').count() > 1 {
            self.defer(
                Error::at(ErrorKind::BadNumber(text.into()), span)
                    .with_help("write decimals with a single `.`, as in `1.25`"),
            );
            f64::NAN
        } else {
            match text.parse::<f64>() {
                Ok(v) if v.is_infinite() => {
                    self.defer(Error::at(ErrorKind::NumberOverflow(text.into()), span));
                    v
                }
                Ok(v) => v,
                Err(_) => {
                    self.defer(internal("number"));
                    f64::NAN
                }
            }
        };
        let id = self.push(ExprKind::Number(value), span);
        self.operands.push(id);
    }

    /// The value of a superscript exponent (`²`, `¹⁰`, `⁻¹`).
    fn superscript(&mut self, span: Span) -> f64 {
        let text = &self.source[span.start..span.end];
        let ascii: String = text
            .chars()
            .map(|c| match c {
                '\u{207A}' => '+',
                '\u{207B}' => '-',
                '\u{00B9}' => '1',
                '\u{00B2}' => '2',
                '\u{00B3}' => '3',
                // ⁰ and ⁴…⁹ are U+2070 and U+2074…U+2079.
                c => char::from_digit(u32::from(c).wrapping_sub(0x2070), 10).unwrap_or('?'),
            })
            .collect();
        match ascii.parse::<f64>() {
            Ok(v) if v.is_infinite() => {
                self.defer(Error::at(ErrorKind::NumberOverflow(text.into()), span));
                v
            }
            Ok(v) => v,
            Err(_) => {
                self.defer(internal("superscript"));
                f64::NAN
            }
        }
    }

    fn defer(&mut self, e: Error) {
        self.deferred.get_or_insert(e);
    }

    /// Applies one pending operator to the operands on the stack.
    fn reduce(&mut self, op: Op, start: usize) -> Result<()> {
        let rhs = self.operands.pop().ok_or_else(|| internal("operand"))?;
        let id = match op {
            Op::Pos => rhs,
            // `√x` is a call of `sqrt`, named by its `√`.
            Op::Root => {
                let first = self.args.len() as u32;
                self.args.push(rhs);
                let kind = ExprKind::Call {
                    name_len: '\u{221A}'.len_utf8() as u32,
                    first,
                    count: 1,
                };
                let span = Span::new(start, self.span_of_expr(rhs).end);
                self.push(kind, span)
            }
            Op::Neg => {
                let span = Span::new(start, self.span_of_expr(rhs).end);
                self.push(ExprKind::Neg(rhs), span)
            }
            _ => {
                let lhs = self.operands.pop().ok_or_else(|| internal("operand"))?;
                let bin = match op {
                    Op::Add => BinOp::Add,
                    Op::Sub => BinOp::Sub,
                    Op::Div => BinOp::Div,
                    Op::Pow => BinOp::Pow,
                    Op::MatMul => BinOp::MatMul,
                    _ => BinOp::Mul,
                };
                let span = self.span_of_expr(lhs).to(self.span_of_expr(rhs));
                self.push(ExprKind::Binary(bin, lhs, rhs), span)
            }
        };
        self.operands.push(id);
        Ok(())
    }

    pub(super) fn finish_program(self) -> Result<Program<'a>> {
        if let Some(e) = self.deferred {
            return Err(e);
        }
        if self.statements.is_empty() {
            return Err(Error::new(ErrorKind::Empty));
        }
        Ok(Program {
            source: self.source,
            exprs: self.exprs,
            args: self.args,
            statements: self.statements,
        })
    }
}
