//! Text → syntax tree. The grammar (`grammar/expr.pest`) recognises the
//! language; precedence and associativity live in the Pratt table below,
//! loosest first (SPEC §1):
//!
//! | level | operators                          | associativity |
//! |-------|------------------------------------|---------------|
//! | 1     | `+` `-`                            | left          |
//! | 2     | `*` `/`, implicit multiplication   | left          |
//! | 3     | unary `-` `+`                      | prefix        |
//! | 4     | `^` `**`                           | right         |
//! | 5     | `²` `³`                            | postfix       |
//!
//! (The table is [`binding_power`]; postfix powers apply at once.)
//!
//! Operators are applied with explicit stacks (no recursion), so long chains
//! of signs or powers cost no stack. pest recurses once per parenthesis, so
//! the nesting of parentheses is measured first ([`nesting_depth`]) and
//! refused past [`MAX_DEPTH`] with an error that names the limit.

use crate::ast::{BinOp, Expr, ExprId, ExprKind, Program, Span, Statement};
use crate::error::{Error, ErrorKind, Result};
use pest::iterators::{Pair, Pairs};
use std::cell::{Cell, RefCell};

pub mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/expr.pest"]
    pub struct ExprParser;
}

pub use grammar::Rule;

/// The deepest nesting of parentheses (and calls) the parser accepts; the
/// stack the parser runs on ([`PARSER_STACK_BYTES`]) is sized for it.
pub const MAX_DEPTH: usize = 50_000;

/// The largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// The precedence table, loosest first (see the module docs): an operator
/// token's binding power and whether it groups to the right.
fn binding_power(rule: Rule) -> Option<(u8, bool)> {
    Some(match rule {
        Rule::add | Rule::sub => (1, false),
        Rule::mul | Rule::div | Rule::implicit | Rule::implicit_paren => (2, false),
        Rule::neg | Rule::pos => (3, false),
        Rule::pow => (4, true),
        _ => return None,
    })
}

/// The longest top-level term of a statement (the text between two `+` or
/// `-` outside parentheses): pest's token queue for one piece grows with its
/// length (about 80 bytes a token), so a piece is bounded to bound memory.
pub const MAX_TERM_BYTES: usize = 1 << 20;

/// Statements longer than this are parsed one top-level term at a time, so
/// pest's token queue stays small: a 4 MB sum parsed whole would need about
/// 250 MB of tokens.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Parses a program: statements separated by `;` or newlines.
pub fn parse_program(source: &str) -> Result<Program<'_>> {
    parse_program_chunked(source, CHUNK_BYTES)
}

/// [`parse_program`] with the chunking threshold as a parameter, so tests can
/// check that chunked and whole parses agree.
#[doc(hidden)]
pub fn parse_program_chunked(source: &str, chunk_bytes: usize) -> Result<Program<'_>> {
    on_deep_stack(source, |source| {
        if source.len() <= chunk_bytes {
            return parse_whole(source);
        }
        // Errors come from the piece that holds them, with positions in the
        // whole input; re-parsing it whole for the message would undo the
        // memory bound (tests check the messages agree).
        parse_in_chunks(source, chunk_bytes)
    })
}

/// Checks the input's size and nesting, then runs `parse` — on a thread with
/// [`PARSER_STACK_BYTES`] of stack when the nesting is deep, so that the
/// library is safe to call from any thread.
fn on_deep_stack<'a>(
    source: &'a str,
    parse: impl FnOnce(&'a str) -> Result<Program<'a>> + Send,
) -> Result<Program<'a>> {
    let depth = check_size(source)?;
    if depth < 500 {
        return parse(source);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("autograd-parse".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, move || parse(source))
            .map_err(|_| internal("parser thread"))?
            .join()
            .map_err(|_| internal("parser thread"))?
    })
}

fn parse_whole(source: &str) -> Result<Program<'_>> {
    let pairs = parse_rule(Rule::program, source, 0, source.len())?;
    let builder = Builder::new(0);
    let mut statements = Vec::new();
    let statement_pairs = pairs
        .into_iter()
        .next()
        .map(|program| program.into_inner())
        .into_iter()
        .flatten()
        .filter(|p| p.as_rule() == Rule::statement);
    for pair in statement_pairs {
        statements.push(builder.statement(pair)?);
    }
    finish(source, builder, statements)
}

fn finish<'a>(
    source: &'a str,
    builder: Builder<'a>,
    statements: Vec<Statement<'a>>,
) -> Result<Program<'a>> {
    if statements.is_empty() {
        return Err(Error::new(ErrorKind::Empty));
    }
    let (exprs, args) = builder.finish();
    Ok(Program {
        source,
        exprs,
        args,
        statements,
    })
}

/// Statement by statement, and a long statement term by term: `t1 + t2 - t3`
/// is parsed as three expressions folded left, exactly as the Pratt table
/// folds them, since `+` and `-` are the loosest, left-associative operators.
fn parse_in_chunks(source: &str, chunk_bytes: usize) -> Result<Program<'_>> {
    // A whole parse finds every syntax error before any error of building
    // (a bad number); in pieces, look for one in the rest before reporting.
    build_in_chunks(source, chunk_bytes).map_err(|e| match e.kind {
        ErrorKind::BadNumber(_) | ErrorKind::NumberOverflow(_) => {
            first_syntax_error(source, chunk_bytes).unwrap_or(e)
        }
        _ => e,
    })
}

/// The first syntax error of the input, piece by piece (pest only).
fn first_syntax_error(source: &str, chunk_bytes: usize) -> Option<Error> {
    for (start, end) in outline(source) {
        if end - start <= chunk_bytes {
            if let Err(e) = parse_rule(Rule::program, source, start, end) {
                return Some(e);
            }
            continue;
        }
        let expr_start = match parse_rule(Rule::head, source, start, end) {
            Ok(head) => head.last().map_or(start, |h| start + h.as_span().end()),
            Err(_) => start,
        };
        let ranges = match batch_ranges(source, expr_start, end, chunk_bytes) {
            Ok(ranges) => ranges,
            Err(e) => return Some(e),
        };
        for &(s, e, _) in &ranges {
            if let Err(err) = parse_rule(Rule::lone_expr, source, s, e) {
                return Some(err);
            }
        }
    }
    None
}

/// The batches of a long statement's expression `source[expr_start..end]`:
/// runs of top-level terms of about `chunk_bytes`, each but the first with
/// the operator joining it to the sum on its left.
fn batch_ranges(
    source: &str,
    expr_start: usize,
    end: usize,
    chunk_bytes: usize,
) -> Result<Vec<BatchRange>> {
    // Terms are parsed in batches of about `chunk_bytes`; each batch
    // continues the sum on its left, so the tree is the one a single
    // parse of the statement builds.
    let terms = top_level_terms(source, expr_start, end);
    if let Some(&(_, s, e)) = terms.iter().find(|&&(_, s, e)| e - s > MAX_TERM_BYTES) {
        return Err(Error::at(
            ErrorKind::Limit(format!(
                "one term of this statement is {} bytes long; the limit is {MAX_TERM_BYTES} bytes (1 MiB) \
                 between two top-level `+` or `-`",
                e - s
            )),
            Span::new(s, s + 1),
        )
        .with_help("name intermediate steps in a program (`a = …; b = …`) to split it"));
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < terms.len() {
        let (op, s, _) = terms[i];
        let mut j = i;
        while j + 1 < terms.len() && terms[j + 1].2 - s <= chunk_bytes {
            j += 1;
        }
        // The sum so far starts where its first expression does: after
        // blanks and opening parentheses, which no expression's span holds.
        let first_term = &source[terms[0].1..terms[0].2];
        // A unary `+` makes no expression either.
        let lead = first_term.len() - first_term.trim_start_matches([' ', '\t', '(', '+']).len();
        let sum_start = terms[0].1 + lead;
        let left = op
            .filter(|_| i > 0)
            .map(|op| (op, Span::new(sum_start, sum_start)));
        ranges.push((s, terms[j].2, left));
        i = j + 1;
    }
    Ok(ranges)
}

fn build_in_chunks(source: &str, chunk_bytes: usize) -> Result<Program<'_>> {
    let builder = Builder::new(0);
    // About one expression per two bytes of a long sum; reserving it up front
    // saves copying a 100 MB arena as it grows (untouched pages cost nothing).
    builder.exprs.borrow_mut().reserve(source.len() / 2);
    let mut statements = Vec::new();
    for (start, end) in outline(source) {
        let text = &source[start..end];
        builder.offset.set(start);
        if text.len() <= chunk_bytes {
            // The program rule on one statement's text: at its edges pest
            // then expects what it expects in the whole program, so errors
            // read the same whichever way the input was parsed.
            let pair = parse_rule(Rule::program, source, start, end)?
                .flat_map(|program| program.into_inner())
                .find(|p| p.as_rule() == Rule::statement)
                .ok_or_else(|| internal("statement"))?;
            statements.push(builder.statement(pair)?);
            continue;
        }
        let first = builder.len();
        let (name, expr_start) = match parse_rule(Rule::head, source, start, end) {
            Ok(mut head) => {
                let head = head.next().ok_or_else(|| internal("head"))?;
                let name = head
                    .clone()
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::name)
                    .ok_or_else(|| internal("head"))?;
                (
                    Some((name.as_str(), builder.span(&name))),
                    start + head.as_span().end(),
                )
            }
            Err(_) => (None, start),
        };
        let ranges = batch_ranges(source, expr_start, end, chunk_bytes)?;
        let mut root: Option<ExprId> = None;
        for_each_batch(source, &ranges, |batch| {
            root = Some(builder.append(batch, root.unwrap_or(LEFT)));
        })?;
        let root = root.ok_or_else(|| internal("empty statement"))?;
        statements.push(Statement {
            name,
            first,
            root,
            span: Span::new(
                start,
                start + source[start..end].trim_end_matches([' ', '\t']).len(),
            ),
        });
    }
    finish(source, builder, statements)
}

/// Stands for the sum so far in a batch that continues it (see [`Batch`]).
const LEFT: ExprId = ExprId::MAX;

/// A batch of a long sum's terms parsed on its own: its arena (ids from 0),
/// its call arguments, and its root. A batch after the first continues
/// `sum-so-far op …`, with the sum so far written [`LEFT`] until the batch is
/// appended.
struct Batch {
    exprs: Vec<Expr>,
    args: Vec<ExprId>,
    root: ExprId,
}

/// A batch's text range, and for all but the first the operator joining it
/// to the sum so far (with that sum's span).
type BatchRange = (usize, usize, Option<(BinOp, Span)>);

fn parse_batch(source: &str, &(s, e, left): &BatchRange) -> Result<Batch> {
    let builder = Builder::new(s);
    let pair = parse_rule(Rule::lone_expr, source, s, e)?
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| internal("term"))?;
    let left = left.map(|(op, span)| {
        builder.left_span.set(span);
        (LEFT, op)
    });
    let root = builder.expr_after(pair, left)?;
    let (exprs, args) = builder.finish();
    Ok(Batch { exprs, args, root })
}

/// Parses the batches, in order, handing each to `append`: on two threads
/// when there are enough of them (the second half is parsed while the
/// first is), so a 4 MB sum takes about half the time.
fn for_each_batch(
    source: &str,
    ranges: &[BatchRange],
    mut append: impl FnMut(Batch),
) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || ranges.len() < 4 {
        for range in ranges {
            append(parse_batch(source, range)?);
        }
        return Ok(());
    }
    let (first, second) = ranges.split_at(ranges.len() / 2);
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("autograd-parse-2".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || {
                second
                    .iter()
                    .map(|range| parse_batch(source, range))
                    .collect::<Result<Vec<_>>>()
            })
            .map_err(|_| internal("parser thread"))?;
        for range in first {
            append(parse_batch(source, range)?);
        }
        let rest = worker.join().map_err(|_| internal("parser thread"))??;
        rest.into_iter().for_each(append);
        Ok(())
    })
}

/// The stack the parser needs: deep nesting recurses in pest's generated
/// parser, at most [`MAX_DEPTH`] levels. Callers run parsing on a thread
/// with this much stack (it is reserved, not used, until needed).
pub const PARSER_STACK_BYTES: usize = 1 << 30;

/// The byte ranges of the statements: text between `;` and line ends, with
/// `#` comments and leading blanks removed (the grammar's `separator`).
fn outline(source: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    // Lines end as the grammar's NEWLINE says: `\n`, `\r\n` or a lone `\r`.
    for line in source.split_inclusive(['\n', '\r']) {
        let code = line.find('#').map_or(line, |i| &line[..i]);
        let mut piece_start = line_start;
        for piece in code.split(';') {
            // Blanks before a statement are dropped; blanks after it are
            // kept, so that pest reports an error at its end where a whole
            // parse would (after them).
            let trimmed = piece.trim_start_matches([' ', '\t']);
            let lead = piece.len() - trimmed.len();
            let body = trimmed.trim_end_matches(['\r', '\n']);
            if !body.trim_end_matches([' ', '\t']).is_empty() {
                out.push((piece_start + lead, piece_start + lead + body.len()));
            }
            piece_start += piece.len() + 1;
        }
        line_start += line.len();
    }
    out
}

/// Splits `source[start..end]` at the `+` and `-` outside parentheses that
/// are binary (they follow an operand). Each term comes with the operator
/// before it. The scan is lexical and conservative: a sign inside a number's
/// exponent (`1e-3`) or after an operator is never a split point.
fn top_level_terms(source: &str, start: usize, end: usize) -> Vec<(Option<BinOp>, usize, usize)> {
    let text = &source[start..end];
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut after_operand = false;
    // Inside a number literal, and whether an exponent sign may come next.
    let mut in_number = false;
    let mut in_name = false;
    let mut term_start = 0;
    let mut op: Option<BinOp> = None;
    let bytes = text.as_bytes();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let starts_exponent = in_number
            && (c == 'e' || c == 'E')
            && matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(b'0'..=b'9'), _) | (Some(b'+' | b'-'), Some(b'0'..=b'9'))
            );
        if starts_exponent {
            // Consume the sign, so it is not taken for an operator.
            if let Some(&(_, '+' | '-')) = chars.peek() {
                chars.next();
            }
            continue;
        }
        match c {
            '0'..='9' | '.' if !in_name => {
                in_number = true;
                after_operand = true;
            }
            '(' => {
                depth += 1;
                after_operand = false;
                in_number = false;
                in_name = false;
            }
            ')' => {
                depth = depth.saturating_sub(1);
                after_operand = true;
                in_number = false;
                in_name = false;
            }
            '+' | '-' | '\u{2212}' if depth == 0 && after_operand => {
                terms.push((op, start + term_start, start + i));
                op = Some(if c == '+' { BinOp::Add } else { BinOp::Sub });
                term_start = i + c.len_utf8();
                after_operand = false;
                in_number = false;
                in_name = false;
            }
            ' ' | '\t' => {
                in_number = false;
                in_name = false;
            }
            c if c.is_alphanumeric() || c == '_' || c == '²' || c == '³' => {
                in_name = !in_number || c.is_alphabetic() || in_name;
                in_number = in_number && !in_name;
                after_operand = true;
            }
            _ => {
                // Operators, commas, combining marks: a mark continues a name.
                let is_mark = matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF);
                if !is_mark {
                    after_operand = false;
                    in_number = false;
                    in_name = false;
                }
            }
        }
    }
    terms.push((op, start + term_start, end));
    terms
}

/// Parses a single expression (a binding's value, an expected answer).
pub fn parse_expression(source: &str) -> Result<Program<'_>> {
    on_deep_stack(source, parse_lone_expression)
}

fn parse_lone_expression(source: &str) -> Result<Program<'_>> {
    let pairs = parse_rule(Rule::lone_expr, source, 0, source.len())?;
    let builder = Builder::new(0);
    let expr = pairs
        .into_iter()
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| Error::new(ErrorKind::Empty))?;
    let span = builder.span(&expr);
    let root = builder.expr(expr)?;
    let (exprs, args) = builder.finish();
    Ok(Program {
        source,
        exprs,
        args,
        statements: vec![Statement {
            name: None,
            first: 0,
            root,
            span,
        }],
    })
}

/// Whether `text` is a name in the language (for `--at` and CSV headers,
/// which must accept exactly the names the grammar does).
pub fn is_name(text: &str) -> bool {
    use pest::Parser as _;
    grammar::ExprParser::parse(Rule::lone_name, text).is_ok()
}

/// Refuses inputs over the limits; returns the nesting depth.
fn check_size(source: &str) -> Result<usize> {
    if source.len() > MAX_INPUT_BYTES {
        return Err(Error::new(ErrorKind::Limit(format!(
            "the input is {} bytes; the limit is {MAX_INPUT_BYTES} bytes (16 MiB)",
            source.len()
        ))));
    }
    if let Some(at) = source.find('\0') {
        return Err(Error::at(
            ErrorKind::Input("the input contains a NUL byte".into()),
            Span::new(at, at + 1),
        ));
    }
    if source.trim().is_empty() {
        return Err(Error::new(ErrorKind::Empty));
    }
    let (depth, at) = nesting_depth(source);
    if depth > MAX_DEPTH {
        return Err(Error::at(
            ErrorKind::Limit(format!(
                "parentheses are nested more than {MAX_DEPTH} levels deep"
            )),
            Span::new(at, at + 1),
        )
        .with_help("name intermediate steps in a program (`a = …; b = …`) to flatten it"));
    }
    Ok(depth)
}

/// Runs the grammar's `rule` on `source[start..end]`; an error is placed and
/// described in the whole input (what is found there, what comes after).
fn parse_rule(rule: Rule, source: &str, start: usize, end: usize) -> Result<Pairs<'_, Rule>> {
    use pest::Parser as _;
    let text = &source[start..end];
    let tight = match rule {
        _ if text.contains([' ', '\t']) => rule,
        Rule::program => Rule::tight_program,
        Rule::lone_expr => Rule::tight_expr,
        _ => rule,
    };
    if tight != rule {
        if let Ok(mut pairs) = grammar::ExprParser::parse(tight, text) {
            // The `$` wrapper is a pair of its own; what it wraps is the answer.
            if let Some(wrapper) = pairs.next() {
                return Ok(wrapper.into_inner());
            }
        }
    }
    grammar::ExprParser::parse(rule, text).map_err(|e| syntax_error(rule, source, start, end, e))
}

/// How deeply the parser will recurse, and where that depth is first
/// reached: the nesting of parentheses (calls included). Signs and `^`
/// chains are handled by explicit stacks and do not count.
pub fn nesting_depth(source: &str) -> (usize, usize) {
    let mut depth = 0usize;
    let mut max = (0, 0);
    for (at, b) in source.bytes().enumerate() {
        match b {
            b'(' => {
                depth += 1;
                if depth > max.0 {
                    max = (depth, at);
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn internal(what: &str) -> Error {
    Error::internal(format!("the parser met an unexpected {what}"))
}

/// Builds the expression arena; pushes each expression after its operands.
struct Builder<'a> {
    exprs: RefCell<Vec<Expr>>,
    args: RefCell<Vec<ExprId>>,
    _source: std::marker::PhantomData<&'a str>,
    /// Where the text being parsed starts in the whole input.
    offset: Cell<usize>,
    /// The span of [`LEFT`] in a batch that continues a sum.
    left_span: Cell<Span>,
}

impl<'a> Builder<'a> {
    fn new(offset: usize) -> Self {
        Builder {
            exprs: RefCell::new(Vec::new()),
            args: RefCell::new(Vec::new()),
            _source: std::marker::PhantomData,
            offset: Cell::new(offset),
            left_span: Cell::new(Span::default()),
        }
    }

    /// A pair's span in the whole input.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let offset = self.offset.get();
        Span::new(offset + s.start(), offset + s.end())
    }

    fn statement(&self, pair: Pair<'a, Rule>) -> Result<Statement<'a>> {
        // pest counts the blanks after a statement in its span; the caret
        // under a statement (and the batched parse) ends at its last token.
        let text = pair.as_str();
        let start = self.span(&pair).start;
        let span = Span::new(start, start + text.trim_end_matches([' ', '\t']).len());
        let first = self.len();
        let mut inner = pair.into_inner();
        let (name, expr) = match (inner.next(), inner.next(), inner.next()) {
            (Some(name), Some(_assign), Some(expr)) => {
                (Some((name.as_str(), self.span(&name))), expr)
            }
            (Some(expr), None, None) => (None, expr),
            _ => return Err(internal("statement shape")),
        };
        let root = self.expr(expr)?;
        Ok(Statement {
            name,
            first,
            root,
            span,
        })
    }

    fn len(&self) -> ExprId {
        self.exprs.borrow().len() as ExprId
    }

    fn finish(self) -> (Vec<Expr>, Vec<ExprId>) {
        (self.exprs.into_inner(), self.args.into_inner())
    }

    fn push(&self, kind: ExprKind, span: Span) -> ExprId {
        let mut exprs = self.exprs.borrow_mut();
        exprs.push(Expr::new(kind, span));
        (exprs.len() - 1) as ExprId
    }

    fn span_of_expr(&self, id: ExprId) -> Span {
        if id == LEFT {
            return self.left_span.get();
        }
        self.exprs.borrow()[id as usize].span()
    }

    /// Appends a batch parsed apart, its [`LEFT`] standing for `left`;
    /// returns the batch's root here.
    fn append(&self, batch: Batch, left: ExprId) -> ExprId {
        let mut exprs = self.exprs.borrow_mut();
        let mut args = self.args.borrow_mut();
        let base = exprs.len() as ExprId;
        let args_base = args.len() as u32;
        let at = |id: ExprId| if id == LEFT { left } else { id + base };
        exprs.extend(batch.exprs.iter().map(|e| {
            let kind = match e.kind {
                ExprKind::Neg(a) => ExprKind::Neg(at(a)),
                ExprKind::Binary(op, a, b) => ExprKind::Binary(op, at(a), at(b)),
                ExprKind::Call {
                    name_len,
                    first,
                    count,
                } => ExprKind::Call {
                    name_len,
                    first: first + args_base,
                    count,
                },
                leaf => leaf,
            };
            Expr::new(kind, e.span())
        }));
        args.extend(batch.args.iter().map(|&a| at(a)));
        at(batch.root)
    }

    /// One `expr` pair: operator precedence by the table in
    /// [`binding_power`], with explicit stacks rather than recursion, so
    /// 20,000 signs or a 20,000-long `x^x^…` chain cost no stack.
    fn expr(&self, pair: Pair<'a, Rule>) -> Result<ExprId> {
        self.expr_after(pair, None)
    }

    /// An `expr` pair that continues `left op …` (a long sum parsed in
    /// batches): the pending `left op` is reduced exactly as if it had been
    /// parsed together with this text.
    fn expr_after(&self, pair: Pair<'a, Rule>, left: Option<(ExprId, BinOp)>) -> Result<ExprId> {
        let mut operands: Vec<ExprId> = Vec::new();
        // Pending operators: rule, binding power, where the operator starts.
        let mut operators: Vec<(Rule, u8, usize)> = Vec::new();
        if let Some((acc, op)) = left {
            let rule = if op == BinOp::Add {
                Rule::add
            } else {
                Rule::sub
            };
            operands.push(acc);
            operators.push((rule, 1, self.span_of_expr(acc).end));
        }
        let mut tokens = pair.into_inner().peekable();
        while let Some(token) = tokens.next() {
            let rule = token.as_rule();
            match rule {
                Rule::neg | Rule::pos => operators.push((rule, 3, self.span(&token).start)),
                Rule::square | Rule::cube => {
                    // Postfix powers bind tightest: apply to the operand at once.
                    let lhs = operands.pop().ok_or_else(|| internal("postfix"))?;
                    let op_span = self.span(&token);
                    let power = if rule == Rule::cube { 3.0 } else { 2.0 };
                    let exponent = self.push(ExprKind::Number(power), op_span);
                    let span = self.span_of_expr(lhs).to(op_span);
                    operands.push(self.push(ExprKind::Binary(BinOp::Pow, lhs, exponent), span));
                }
                _ => match binding_power(rule) {
                    Some((power, right)) => {
                        while let Some(&(top, top_power, start)) = operators.last() {
                            if top_power > power || (top_power == power && !right) {
                                operators.pop();
                                self.reduce(&mut operands, top, start)?;
                            } else {
                                break;
                            }
                        }
                        // Only a sign's start is ever used (for its span).
                        operators.push((rule, power, 0));
                    }
                    None => {
                        let args = match rule {
                            Rule::name => tokens.next_if(|t| t.as_rule() == Rule::args),
                            _ => None,
                        };
                        operands.push(self.primary(token, args)?);
                    }
                },
            }
        }
        while let Some((top, _, start)) = operators.pop() {
            self.reduce(&mut operands, top, start)?;
        }
        match (operands.pop(), operands.is_empty()) {
            (Some(root), true) => Ok(root),
            _ => Err(internal("expression shape")),
        }
    }

    /// Applies one pending operator to the operands on the stack.
    fn reduce(&self, operands: &mut Vec<ExprId>, rule: Rule, start: usize) -> Result<()> {
        let rhs = operands.pop().ok_or_else(|| internal("operand"))?;
        let id = match rule {
            Rule::pos => rhs,
            Rule::neg => {
                let span = Span::new(start, self.span_of_expr(rhs).end);
                self.push(ExprKind::Neg(rhs), span)
            }
            _ => {
                let lhs = operands.pop().ok_or_else(|| internal("operand"))?;
                let bin = match rule {
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::div => BinOp::Div,
                    Rule::pow => BinOp::Pow,
                    _ => BinOp::Mul,
                };
                let span = self.span_of_expr(lhs).to(self.span_of_expr(rhs));
                self.push(ExprKind::Binary(bin, lhs, rhs), span)
            }
        };
        operands.push(id);
        Ok(())
    }

    /// A number, a name, a parenthesised `expr`, or a call (a name and its
    /// `args`).
    fn primary(&self, pair: Pair<'a, Rule>, args: Option<Pair<'a, Rule>>) -> Result<ExprId> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::number => {
                let text = pair.as_str();
                if text.bytes().filter(|&b| b == b'.').count() > 1 {
                    return Err(Error::at(ErrorKind::BadNumber(text.into()), span)
                        .with_help("write decimals with a single `.`, as in `1.25`"));
                }
                let value: f64 = text.parse().map_err(|_| internal("number"))?;
                if value.is_infinite() {
                    return Err(Error::at(ErrorKind::NumberOverflow(text.into()), span));
                }
                Ok(self.push(ExprKind::Number(value), span))
            }
            Rule::name => match args {
                None => Ok(self.push(ExprKind::Name, span)),
                Some(args) => {
                    let span = span.to(self.span(&args));
                    let ids = args
                        .into_inner()
                        .map(|arg| self.expr(arg))
                        .collect::<Result<Vec<_>>>()?;
                    let mut all = self.args.borrow_mut();
                    let first = all.len() as u32;
                    all.extend_from_slice(&ids);
                    drop(all);
                    let kind = ExprKind::Call {
                        name_len: pair.as_str().len() as u32,
                        first,
                        count: ids.len() as u32,
                    };
                    Ok(self.push(kind, span))
                }
            },
            Rule::expr => self.expr(pair),
            _ => Err(internal("token")),
        }
    }
}

/// A pest error, in the user's words: what was expected at the column.
fn syntax_error(
    rule: Rule,
    source: &str,
    start: usize,
    end: usize,
    e: pest::error::Error<Rule>,
) -> Error {
    use pest::error::{ErrorVariant, InputLocation};
    let at = start
        + match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let found = describe_found(source, at);
    let mut expected: Vec<&str> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| describe_rule(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.extend(expected_literals(rule, &source[start..end]));
    // After a complete operand, "an operand" is only implicit multiplication:
    // not what a student left out.
    if expected.contains(&"an operator") {
        expected.retain(|d| *d != OPERAND);
    }
    expected.sort_unstable();
    expected.dedup();
    // Operators first, then operands, then closing tokens: the order of a sentence.
    expected.sort_by_key(|d| EXPECTED_ORDER.iter().position(|o| o == d));
    // "Expected the end of the input" alone says nothing a student can use
    // (and pest reports it only where a piece of the input happens to end).
    if expected == ["the end of the input"] {
        expected.clear();
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let found_end = source[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    let mut err = Error::at(ErrorKind::Syntax(message), Span::new(at, found_end));
    if let Some(help) = syntax_help(source, at) {
        err = err.with_help(help);
    }
    err
}

const EXPECTED_ORDER: [&str; 6] = [
    "an operator",
    OPERAND,
    "`=`",
    "`,`",
    "`)`",
    "the end of the input",
];

fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow => "an operator",
        Rule::square | Rule::cube => "an operator",
        Rule::number | Rule::name | Rule::expr => OPERAND,
        Rule::neg | Rule::pos => OPERAND,
        Rule::assign => "`=`",
        Rule::EOI => "the end of the input",
        _ => return None,
    })
}

const OPERAND: &str = "an operand (a number, a name, a call or `(`)";

/// Literal tokens worth naming (`)` and `,`), from a second, detailed parse
/// that runs only when the first one failed.
fn expected_literals(rule: Rule, source: &str) -> Vec<&'static str> {
    use pest::Parser as _;
    pest::set_error_detail(true);
    let result = grammar::ExprParser::parse(rule, source);
    pest::set_error_detail(false);
    let Err(e) = result else {
        return Vec::new();
    };
    let Some(attempts) = e.parse_attempts() else {
        return Vec::new();
    };
    attempts
        .expected_tokens()
        .into_iter()
        .filter_map(|t| match t.to_string().as_str() {
            ")" => Some("`)`"),
            "," => Some("`,`"),
            _ => None,
        })
        .collect()
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_found(source: &str, at: usize) -> String {
    match source[at..].chars().next() {
        None => "the end of the input".into(),
        Some('\n') | Some('\r') => "the end of the line".into(),
        Some(c) => format!("`{c}`"),
    }
}

/// A hint for the mistakes students make most.
fn syntax_help(source: &str, at: usize) -> Option<String> {
    let rest = &source[at..];
    let before = source[..at].trim_end();
    let open = source[..at].matches('(').count();
    let close = source[..at].matches(')').count();
    if rest.trim().is_empty() && open > close {
        return Some(format!(
            "{} `(` not closed: add `)`",
            if open - close == 1 {
                "one".to_string()
            } else {
                (open - close).to_string()
            }
        ));
    }
    if rest.starts_with(')') && open <= close {
        return Some("this `)` has no matching `(`".into());
    }
    if rest.starts_with('=') {
        return Some("only a name can be assigned: `name = expression`".into());
    }
    let prev_is_name = before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ')');
    let next_is_name = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '(');
    if prev_is_name && next_is_name {
        return Some("write `*` between factors: only a number or `)` may be followed directly by a name or `(`".into());
    }
    None
}
