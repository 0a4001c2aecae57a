//! Text → syntax tree, by one path for every input.
//!
//! The grammar (`grammar/expr.pest`) recognises the language; precedence and
//! associativity live in the Pratt table below, loosest first (README, "The language"):
//!
//! | level | operators                          | associativity |
//! |-------|------------------------------------|---------------|
//! | 1     | `+` `-`                            | left          |
//! | 2     | `*` `/`, implicit multiplication   | left          |
//! | 3     | unary `-` `+`, `√`                 | prefix        |
//! | 4     | `^` `**`                           | right         |
//! | 5     | superscripts `²` `¹⁰` `⁻¹`         | postfix       |
//!
//! (The table is `binding_power`; postfix powers apply at once.)
//!
//! A program is read a piece at a time: each piece is one pest parse, from
//! where the last one stopped, of a piece rule of the grammar (`piece_first`,
//! `piece_next`, `piece_more`). A piece holds at most 512 top-level operands
//! and ends where the program rule would go on: before an operator (the
//! statement goes on in the next piece) or at a statement's end. Its tokens
//! go, in order, into one `Builder` whose operator and operand stacks live
//! across pieces, so the tree is the one a single parse of the whole program
//! would give, and pest's token queue stays small (a 4.6 MB sum parsed whole
//! needs about 250 MB of it). Where a piece fails, pest has tried what the
//! program rule tries there, so its error is the program's error.
//!
//! Each parse reads at most a window of the input: a top-level term (the
//! text between two top-level `+` or `-`) may be at most [`MAX_TERM_BYTES`]
//! long, and the window ends just past that, so pest never holds more than
//! about one term's tokens. A piece cut by its window is cut back to its
//! last complete operand; a term that does not fit is refused.
//!
//! Inputs of 1 MiB (`TWO_READERS_BYTES`) and more are read by two readers on two
//! threads: the second starts at a `+` in the middle that begins a piece, and
//! its tokens are used once the first reader's pieces end exactly there,
//! inside a statement, which proves that `+` an operator of the statement's
//! top level; otherwise the second reader's work is dropped.
//!
//! Operators are applied with explicit stacks, and nested parentheses and
//! calls with an explicit stack of frames (no recursion), so long chains of
//! signs or powers cost no stack. pest recurses once per parenthesis, so the
//! nesting of parentheses is measured first ([`nesting_depth`]) and refused
//! past [`MAX_DEPTH`] with an error that names the limit; deep inputs are
//! parsed on a thread with a big stack.
//!
//! Errors of building (a bad number) are kept until the whole input has been
//! read: a syntax error anywhere is reported first, as a whole parse would.

use crate::ast::{BinOp, Expr, ExprId, ExprKind, Program, Span, Statement};
use crate::error::{Error, ErrorKind, Result};

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

/// The longest top-level term of a statement (the text between two `+` or
/// `-` outside parentheses): pest's token queue for one piece grows with its
/// length (about 80 bytes a token), so what one parse reads is bounded.
pub const MAX_TERM_BYTES: usize = 1 << 20;

/// The stack the parser needs: deep nesting recurses in pest's generated
/// parser, at most [`MAX_DEPTH`] levels. Callers run parsing on a thread
/// with this much stack (it is reserved, not used, until needed).
pub const PARSER_STACK_BYTES: usize = 1 << 30;

/// Room in a statement's first window for what comes before its first term
/// (separators, `name =`); more is measured with the `lead` rules.
const LEAD_BYTES: usize = 64 * 1024;

/// The window of a parse without spaces (the `tight_*` rules): a piece that
/// does not fit is cut back, or read again with spaces allowed. Small, so
/// that a failing attempt (pest then describes the line it failed on) is cheap.
const TIGHT_BYTES: usize = 64 * 1024;

/// The precedence table, loosest first (see the module docs): an operator
/// token's binding power and whether it groups to the right.
fn binding_power(rule: Rule) -> Option<(u8, bool)> {
    Some(match rule {
        Rule::add | Rule::sub => (1, false),
        Rule::mul | Rule::div | Rule::implicit | Rule::implicit_paren => (2, false),
        Rule::neg | Rule::pos | Rule::root => (3, false),
        Rule::pow => (4, true),
        _ => return None,
    })
}

/// Parses a program: statements separated by `;` or newlines.
pub fn parse_program(source: &str) -> Result<Program<'_>> {
    with_plain_spaces(source, |text| on_deep_stack(text, read_program))
}

/// Parses a single expression (a binding's value, an expected answer).
pub fn parse_expression(source: &str) -> Result<Program<'_>> {
    with_plain_spaces(source, |text| on_deep_stack(text, read_expression))
}

/// Runs `parse` on `source` with each no-break space (U+00A0, U+202F)
/// replaced by as many ASCII spaces as it has bytes, so that every span is
/// the same in both texts; the program refers to `source`. (The grammar's
/// `WHITESPACE` is tried between every two tokens: two more alternatives
/// there cost 8–11% of the parse of a text with spaces.)
fn with_plain_spaces<'a>(
    source: &'a str,
    parse: impl for<'b> FnOnce(&'b str) -> Result<Program<'b>>,
) -> Result<Program<'a>> {
    const NO_BREAK: [char; 2] = ['\u{00A0}', '\u{202F}'];
    if !NO_BREAK.iter().any(|&c| source.contains(c)) {
        return parse(source);
    }
    let mut text = String::with_capacity(source.len());
    for c in source.chars() {
        if NO_BREAK.contains(&c) {
            text.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            text.push(c);
        }
    }
    let program = parse(&text)?;
    let statements = program
        .statements
        .into_iter()
        .map(|s| Statement {
            name: s
                .name
                .map(|(_, span)| (&source[span.start..span.end], span)),
            first: s.first,
            root: s.root,
            span: s.span,
        })
        .collect();
    Ok(Program {
        source,
        exprs: program.exprs,
        args: program.args,
        statements,
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

/// One token of a piece: a pair's start or end, at a byte of the input
/// (8 bytes: inputs are at most 16 MiB; a second reader holds half a big
/// input's tokens at once).
#[derive(Clone, Copy, Debug)]
struct Token {
    rule: Rule,
    start: bool,
    at: u32,
}

impl Token {
    fn at(&self) -> usize {
        self.at as usize
    }
}

/// Where the next piece starts.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Place {
    /// The start of the program.
    First,
    /// After a statement.
    Next,
    /// Before an operator of the statement being read.
    More,
}

impl Place {
    /// The piece rule, and its variant for text without spaces.
    fn rules(self) -> (Rule, Rule) {
        match self {
            Place::First => (Rule::piece_first, Rule::tight_first),
            Place::Next => (Rule::piece_next, Rule::tight_next),
            Place::More => (Rule::piece_more, Rule::tight_more),
        }
    }
}

/// What one parse of a piece gave.
enum Piece {
    /// Its tokens (positions in the whole input).
    Read(Vec<Token>),
    /// It reached the end of its window: the rest may read differently.
    Cut(Vec<Token>),
    /// Its first operand did not fit in the window.
    TooLong,
}

/// Runs `rule` on `source[pos..end]`. An error at the window's end (not the
/// input's) is no error: the window was too small.
fn read_piece(rule: Rule, source: &str, pos: usize, end: usize) -> Result<Piece> {
    use pest::Parser as _;
    let text = &source[pos..end];
    let cut = end < source.len();
    match grammar::ExprParser::parse(rule, text) {
        Ok(pairs) => {
            let mut reached = 0;
            let tokens: Vec<Token> = pairs
                .tokens()
                .map(|t| {
                    let (rule, start, p) = match t {
                        pest::Token::Start { rule, pos } => (rule, true, pos.pos()),
                        pest::Token::End { rule, pos } => (rule, false, pos.pos()),
                    };
                    if !matches!(rule, Rule::stmt | Rule::run) {
                        reached = reached.max(p);
                    }
                    Token {
                        rule,
                        start,
                        at: (pos + p) as u32,
                    }
                })
                // The `$` wrappers say nothing.
                .filter(|t| {
                    !matches!(
                        t.rule,
                        Rule::tight_first | Rule::tight_next | Rule::tight_more
                    )
                })
                .collect();
            Ok(if cut && reached == text.len() {
                Piece::Cut(tokens)
            } else {
                Piece::Read(tokens)
            })
        }
        Err(e) => {
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            if cut && at == text.len() {
                Ok(Piece::TooLong)
            } else {
                Err(syntax_error(source, pos, e))
            }
        }
    }
}

/// The tokens of a cut piece up to its last top-level operator (the operand
/// after it may have been cut), or `None` when it has none.
fn before_last_operator(tokens: &[Token]) -> Option<usize> {
    let mut depth = 0usize;
    let mut last = None;
    for (i, t) in tokens.iter().enumerate() {
        match (t.rule, t.start) {
            (Rule::expr | Rule::args, true) => depth += 1,
            (Rule::expr | Rule::args, false) => depth = depth.saturating_sub(1),
            (Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow, true) if depth == 0 => {
                last = Some(i)
            }
            _ => {}
        }
    }
    // A piece that starts with its operator has nothing before it.
    last.filter(|&i| i > 0)
}

/// Where the reading of a program is: where the next piece starts, what
/// kind of piece it is, and what the pieces so far say.
#[derive(Clone, Debug)]
struct Reader {
    pos: usize,
    place: Place,
    /// Whether the statement's pieces may be tried without spaces.
    tight: bool,
    /// Where the window of a statement's first piece starts (moved past long
    /// separators and `name =` when they fill it).
    lead_end: Option<usize>,
    /// Whether a statement is being read.
    open: bool,
    /// The end of the last token (the next piece starts there and skips
    /// blanks first).
    last_end: usize,
    /// Whether the end of the input has been read.
    done: bool,
}

/// What [`Reader::next`] gave.
enum Step {
    /// The next piece's tokens.
    Tokens(Vec<Token>),
    /// The tokens up to `stop_at`, where the statement goes on.
    Reached(Vec<Token>),
    /// The piece did not stop at `stop_at`: read it again without it.
    Missed,
    /// A term too long to place without the builder (a second reader).
    GiveUp,
}

impl Reader {
    fn new() -> Self {
        Reader {
            pos: 0,
            place: Place::First,
            tight: true,
            lead_end: None,
            open: false,
            last_end: 0,
            done: false,
        }
    }

    /// Reads the next piece. `term_start` is where the builder's current
    /// term starts (to place a term that is too long); `stop_at`, a place
    /// where another reader has started, ends the window.
    fn next(
        &mut self,
        source: &str,
        term_start: Option<usize>,
        stop_at: Option<usize>,
    ) -> Result<Step> {
        let (rule, tight_rule) = self.place.rules();
        let pos = self.pos;
        // The window ends just past the longest term that may start here
        // (a piece of a statement starts with its operator, at most 3 bytes).
        let first = match self.place {
            Place::More => pos + 3,
            _ => self.lead_end.unwrap_or(pos + LEAD_BYTES),
        };
        let mut end = char_floor(source, first + MAX_TERM_BYTES + 1);
        let stop = stop_at.filter(|&s| s > pos && s <= end);
        if let Some(s) = stop {
            end = s;
        }
        let blank_ahead = source[pos..char_floor(source, pos + 64).max(pos)].contains([' ', '\t']);
        let mut piece = None;
        if self.tight && !blank_ahead {
            let tight_end = char_floor(source, pos + TIGHT_BYTES).clamp(pos, end);
            match read_piece(tight_rule, source, pos, tight_end) {
                Ok(Piece::TooLong) => {}
                Ok(Piece::Cut(tokens)) if before_last_operator(&tokens).is_none() => {}
                Ok(read) => piece = Some(read),
                Err(_) => self.tight = false,
            }
        }
        let piece = match piece {
            Some(piece) => piece,
            None => read_piece(rule, source, pos, end)?,
        };
        if let Some(s) = stop {
            return Ok(match piece {
                Piece::Read(tokens) => self.advance(tokens),
                Piece::Cut(mut tokens) => {
                    // The statement must end at `s` (where the other reader
                    // found an operator) and be open: drop that ending.
                    let ends_at_s = matches!(
                        tokens.as_slice(),
                        [.., a, b] if a.rule == Rule::stmt_end && a.at() == s && b.rule == Rule::stmt_end
                    );
                    // A number's exponent (`1e+5`) is the one token with a `+`
                    // in it: read there, `1e` would be `1·e`.
                    let exponent = source[..s].ends_with(['e', 'E']);
                    if !ends_at_s || exponent {
                        return Ok(Step::Missed);
                    }
                    tokens.truncate(tokens.len() - 2);
                    let mut probe = self.clone();
                    probe.update(&tokens);
                    if !probe.open || probe.done {
                        return Ok(Step::Missed);
                    }
                    Step::Reached(tokens)
                }
                Piece::TooLong => Step::Missed,
            });
        }
        let tokens = match piece {
            Piece::Read(tokens) => tokens,
            Piece::Cut(mut tokens) => match before_last_operator(&tokens) {
                Some(i) => {
                    tokens.truncate(i);
                    tokens
                }
                None => return self.too_long(source, end, term_start),
            },
            Piece::TooLong => return self.too_long(source, end, term_start),
        };
        Ok(self.advance(tokens))
    }

    fn too_long(&mut self, source: &str, end: usize, term_start: Option<usize>) -> Result<Step> {
        if self.place == Place::More && term_start.is_none() {
            return Ok(Step::GiveUp);
        }
        self.lead_end = Some(too_long(
            source,
            self.place,
            self.pos,
            end,
            term_start.unwrap_or(0),
        )?);
        // The same piece again, in a window placed after its lead.
        Ok(Step::Tokens(Vec::new()))
    }

    /// Moves past a piece's tokens.
    fn advance(&mut self, tokens: Vec<Token>) -> Step {
        self.update(&tokens);
        Step::Tokens(tokens)
    }

    /// What a piece's tokens say: where the next piece starts, and what
    /// kind it is (the builder reads the same tokens the same way).
    fn update(&mut self, tokens: &[Token]) {
        if tokens.is_empty() {
            return;
        }
        for t in tokens {
            match (t.rule, t.start) {
                (Rule::stmt, true) => self.open = true,
                (Rule::stmt_end, true) => self.open = false,
                (Rule::EOI, true) => self.done = true,
                (Rule::expr | Rule::stmt | Rule::run | Rule::stmt_end | Rule::EOI, _) => {}
                (_, false) => self.last_end = self.last_end.max(t.at()),
                _ => {}
            }
        }
        self.lead_end = None;
        self.pos = self.last_end;
        if self.open {
            // The piece stopped before an operator of the statement.
            self.place = Place::More;
        } else {
            self.place = Place::Next;
            self.tight = true;
        }
    }
}

/// Inputs at least this long are read by two readers: the second starts at
/// an operator in the middle (found by pest: the first that begins a piece),
/// and its pieces are used when the first reader's pieces end exactly there
/// inside a statement, which proves it an operator of the statement's top
/// level. Otherwise its work is dropped.
const TWO_READERS_BYTES: usize = 1 << 20;

/// What the second reader read: its pieces, and why it stopped.
struct Second {
    pieces: Vec<Vec<Token>>,
    stop: Result<Option<Reader>>,
}

/// The second reader: from the first `+` after the middle that begins a
/// piece, to the end or to a term it cannot place.
fn read_second(
    source: &str,
    start: &std::sync::atomic::AtomicUsize,
    cancel: &std::sync::atomic::AtomicBool,
) -> Second {
    use std::sync::atomic::Ordering;
    let mut from = source.len() / 2;
    let mut pieces = Vec::new();
    let mut reader = None;
    for _ in 0..16 {
        let Some(s) = source
            .get(from..)
            .and_then(|rest| rest.find('+'))
            .map(|i| from + i)
        else {
            break;
        };
        let mut r = Reader::new();
        r.pos = s;
        r.last_end = s;
        r.place = Place::More;
        r.open = true;
        if let Ok(Step::Tokens(tokens)) = r.next(source, None, None) {
            if !tokens.is_empty() {
                pieces.push(tokens);
                start.store(s, Ordering::Release);
                reader = Some(r);
                break;
            }
        }
        from = s + 1;
    }
    let Some(mut reader) = reader else {
        start.store(usize::MAX, Ordering::Release);
        return Second {
            pieces,
            stop: Ok(None),
        };
    };
    // Stopped when the first reader fails or passes the start without
    // using it.
    while !reader.done && !cancel.load(Ordering::Relaxed) {
        match reader.next(source, None, None) {
            Ok(Step::Tokens(tokens)) => pieces.push(tokens),
            Ok(_) => {
                return Second {
                    pieces,
                    stop: Ok(Some(reader)),
                }
            }
            Err(e) => {
                return Second {
                    pieces,
                    stop: Err(e),
                }
            }
        }
    }
    Second {
        pieces,
        stop: Ok(None),
    }
}

fn read_program(source: &str) -> Result<Program<'_>> {
    let two = source.len() >= TWO_READERS_BYTES
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    read_program_with(source, two)
}

fn read_program_with(source: &str, two: bool) -> Result<Program<'_>> {
    let mut builder = Builder::new(source);
    // About one expression per two bytes of a long sum; reserving it up front
    // saves copying a 100 MB arena as it grows (untouched pages cost nothing).
    if source.len() > TIGHT_BYTES {
        builder.exprs.reserve(source.len() / 2);
    }
    if !two {
        read_pieces(source, &mut builder, Reader::new(), None)?;
        return builder.finish_program();
    }
    let start = std::sync::atomic::AtomicUsize::new(0);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .name("autograd-parse-2".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || read_second(source, &start, &cancel))
            .map_err(|_| internal("parser thread"))?;
        let reached = read_pieces(source, &mut builder, Reader::new(), Some(&start));
        if !matches!(reached, Ok(Some(()))) {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let reached = reached?;
        let second = second.join().map_err(|_| internal("parser thread"))?;
        if let Some(()) = reached {
            let mut done = false;
            for piece in second.pieces {
                builder.feed(&mut piece.into_iter().peekable(), &mut done)?;
            }
            if let Some(reader) = second.stop? {
                read_pieces(source, &mut builder, reader, None)?;
            }
        }
        Ok::<_, Error>(())
    })?;
    builder.finish_program()
}

/// Reads pieces into the builder until the end of the input, or until the
/// pieces end at the second reader's start (then `Some(())`).
fn read_pieces(
    source: &str,
    builder: &mut Builder<'_>,
    mut reader: Reader,
    second: Option<&std::sync::atomic::AtomicUsize>,
) -> Result<Option<()>> {
    use std::sync::atomic::Ordering;
    let mut stop_at = None;
    while !reader.done {
        if let Some(start) = second {
            stop_at = match start.load(Ordering::Acquire) {
                0 | usize::MAX => None,
                s if s > reader.pos => Some(s),
                _ => None,
            };
        }
        let step = reader.next(source, Some(builder.term_start), stop_at)?;
        let tokens = match step {
            Step::Tokens(tokens) => tokens,
            Step::Reached(tokens) => {
                let mut done = false;
                builder.feed(&mut tokens.into_iter().peekable(), &mut done)?;
                return Ok(Some(()));
            }
            Step::Missed => {
                // Not an operator of this statement's top level: read alone.
                return read_pieces(source, builder, reader, None);
            }
            Step::GiveUp => return Err(internal("piece")),
        };
        let mut done = false;
        builder.feed(&mut tokens.into_iter().peekable(), &mut done)?;
    }
    Ok(None)
}

/// The char boundary at or before `at`, at most the end of `source`.
fn char_floor(source: &str, at: usize) -> usize {
    let mut at = at.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A piece's first operand does not fit in its window. In a statement, its
/// term is too long. At a statement's start, measures what comes before the
/// term (separators, `name =`) and returns where the window should start
/// instead, or refuses the term when it is too long wherever it starts.
fn too_long(
    source: &str,
    place: Place,
    pos: usize,
    end: usize,
    current_term: usize,
) -> Result<usize> {
    use pest::Parser as _;
    let lead = |rule| {
        grammar::ExprParser::parse(rule, &source[pos..])
            .ok()
            .and_then(|mut pairs| pairs.next())
    };
    if place == Place::More {
        // After a `+` or `-`, a new term starts; after another operator, the
        // term goes on.
        let op = lead(Rule::lead_more).and_then(|p| p.into_inner().next());
        let term_start = match op {
            Some(op) if matches!(op.as_rule(), Rule::add | Rule::sub) => pos + op.as_span().end(),
            _ => current_term,
        };
        return Err(term_too_long(source, term_start));
    }
    let rule = if place == Place::First {
        Rule::lead
    } else {
        Rule::lead_next
    };
    let term_start = lead(rule).map_or(pos, |lead| pos + lead.as_span().end());
    if term_start + MAX_TERM_BYTES + 1 > end && end < source.len() {
        Ok(term_start)
    } else {
        Err(term_too_long(source, term_start))
    }
}

fn read_expression(source: &str) -> Result<Program<'_>> {
    use pest::Parser as _;
    let parsed = if source.contains([' ', '\t']) {
        None
    } else {
        grammar::ExprParser::parse(Rule::tight_expr, source).ok()
    };
    let pairs = match parsed {
        Some(pairs) => pairs,
        None => grammar::ExprParser::parse(Rule::lone_expr, source)
            .map_err(|e| syntax_error(source, 0, e))?,
    };
    let mut builder = Builder::new(source);
    let mut span = None;
    let tokens: Vec<Token> = pairs
        .tokens()
        .map(|t| match t {
            pest::Token::Start { rule, pos } => Token {
                rule,
                start: true,
                at: pos.pos() as u32,
            },
            pest::Token::End { rule, pos } => Token {
                rule,
                start: false,
                at: pos.pos() as u32,
            },
        })
        .filter(|t| !matches!(t.rule, Rule::tight_expr | Rule::EOI))
        .collect();
    // The expression's span is its outer `expr` pair's (trailing blanks
    // included, as ever).
    if let (Some(first), Some(last)) = (tokens.first(), tokens.last()) {
        span = Some(Span::new(first.at(), last.at()));
    }
    let span = span.ok_or_else(|| Error::new(ErrorKind::Empty))?;
    builder.begin_statement(span.start);
    // A lone expression has no limit on its terms.
    builder.term_start = usize::MAX;
    let mut done = false;
    builder.feed(&mut tokens.into_iter().peekable(), &mut done)?;
    let mut statement = builder.end_statement(span.end)?;
    statement.span = span;
    builder.statements.push(statement);
    builder.finish_program()
}

/// A term longer than [`MAX_TERM_BYTES`], refused at its start.
fn term_too_long(source: &str, start: usize) -> Error {
    Error::at(
        ErrorKind::Limit(format!(
            "one term of this statement is more than {MAX_TERM_BYTES} bytes long; the limit is \
             {MAX_TERM_BYTES} bytes (1 MiB) between two top-level `+` or `-`"
        )),
        Span::new(start, (start + 1).min(source.len())),
    )
    .with_help("name intermediate steps in a program (`a = …; b = …`) to split it")
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
struct Builder<'a> {
    source: &'a str,
    exprs: Vec<Expr>,
    args: Vec<ExprId>,
    statements: Vec<Statement<'a>>,
    operands: Vec<ExprId>,
    /// Pending operators: rule, binding power, where the operator starts.
    operators: Vec<(Rule, u8, usize)>,
    frames: Vec<Frame>,
    open: Option<Open<'a>>,
    /// Where the current top-level term starts.
    term_start: usize,
    /// The end of the last token read (a statement's span ends there).
    last_end: usize,
    /// The first error of building (a bad number), reported once the whole
    /// input has been read without a syntax error.
    deferred: Option<Error>,
}

impl<'a> Builder<'a> {
    fn new(source: &'a str) -> Self {
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

    fn begin_statement(&mut self, start: usize) {
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

    fn end_statement(&mut self, end: usize) -> Result<Statement<'a>> {
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
    fn feed(
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
                Rule::neg | Rule::pos | Rule::root => self.operators.push((t.rule, 3, start)),
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
                    if let Some((power, right)) = binding_power(rule) {
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
                        self.operators.push((rule, power, 0));
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
    fn reduce(&mut self, rule: Rule, start: usize) -> Result<()> {
        let rhs = self.operands.pop().ok_or_else(|| internal("operand"))?;
        let id = match rule {
            Rule::pos => rhs,
            // `√x` is a call of `sqrt`, named by its `√`.
            Rule::root => {
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
            Rule::neg => {
                let span = Span::new(start, self.span_of_expr(rhs).end);
                self.push(ExprKind::Neg(rhs), span)
            }
            _ => {
                let lhs = self.operands.pop().ok_or_else(|| internal("operand"))?;
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
        self.operands.push(id);
        Ok(())
    }

    fn finish_program(self) -> Result<Program<'a>> {
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

/// A pest error, in the user's words: what was expected at the column.
fn syntax_error(source: &str, start: usize, e: pest::error::Error<Rule>) -> Error {
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
        Rule::superscript => "an operator",
        Rule::number | Rule::name | Rule::expr | Rule::run => OPERAND,
        Rule::neg | Rule::pos | Rule::root => OPERAND,
        Rule::assign => "`=`",
        Rule::comma => "`,`",
        Rule::close => "`)`",
        Rule::EOI => "the end of the input",
        _ => return None,
    })
}

const OPERAND: &str = "an operand (a number, a name, a call or `(`)";

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
    // A line break where the statement is not complete: the student meant
    // the expression to go on on the next line.
    if rest.starts_with(['\n', '\r']) && !rest.trim().is_empty() {
        return Some(
            "a statement ends at the end of its line: put the whole expression on one line, \
             or name a step (`a = …`) and use it on the next"
                .into(),
        );
    }
    let next = rest.chars().next()?;
    if !(next.is_alphanumeric() || next == '_' || next == '(' || next == '\u{221A}')
        || is_superscript(next)
    {
        return None;
    }
    let prev = before.chars().next_back()?;
    let operand = right_operand(rest);
    if is_word(prev) {
        let word = last_word(before);
        if crate::ops::is_function(word) && at > before.len() {
            return Some(format!(
                "`{word}` is a function: call it with parentheses, as in `{word}({operand})`"
            ));
        }
    } else if !(prev == ')' || is_superscript(prev)) {
        return None;
    }
    let left = left_operand(before);
    Some(format!(
        "write `*` between factors: `{left}*{operand}`; a number may be followed directly \
         by a name or `(` (`2x`, `3(x+1)`), and `)` by `(`"
    ))
}

/// A superscript exponent's character (`⁰`…`⁹`, `⁺`, `⁻`).
fn is_superscript(c: char) -> bool {
    matches!(
        c,
        '\u{00B2}' | '\u{00B3}' | '\u{00B9}' | '\u{2070}' | '\u{2074}'..='\u{207B}'
    )
}

/// A character of a name or a number, as far as a hint needs to know.
fn is_word(c: char) -> bool {
    !is_superscript(c)
        && (c.is_alphanumeric()
            || c == '_'
            || c == '.'
            || (!c.is_ascii() && !c.is_whitespace() && !"·×⋅÷−–√".contains(c)))
}

/// The name or number that ends `text`.
fn last_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// The operand that ends `text` (a name, a number, a parenthesised group or
/// a call, with its superscripts), shortened to its end when long.
fn left_operand(text: &str) -> String {
    let core = text.trim_end_matches(is_superscript);
    let start = if core.ends_with(')') {
        // Back to the matching `(`, then the name of a call.
        let mut depth = 0usize;
        let mut open = 0;
        for (i, b) in core.bytes().enumerate().rev() {
            match b {
                b')' => depth += 1,
                b'(' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        open = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        open - last_word(&core[..open]).len()
    } else {
        core.len() - last_word(core).len()
    };
    shorten(&text[start..], false)
}

/// The operand that starts `text`: a name or number, a parenthesised group,
/// or `√` and its operand; shortened to its start when long.
fn right_operand(text: &str) -> String {
    let root = if text.starts_with('\u{221A}') {
        '\u{221A}'.len_utf8()
    } else {
        0
    };
    let body = &text[root..];
    let len = if body.starts_with('(') {
        let mut depth = 0usize;
        let mut end = body.find(['\n', '\r']).unwrap_or(body.len());
        for (i, b) in body.bytes().enumerate() {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                b'\n' | b'\r' => break,
                _ => {}
            }
        }
        end
    } else {
        body.char_indices()
            .find(|&(_, c)| !is_word(c))
            .map_or(body.len(), |(i, _)| i)
    };
    shorten(&text[..root + len], true)
}

/// `text`, or `…` and its last (or first, `head`) 16 characters when longer.
fn shorten(text: &str, head: bool) -> String {
    const KEEP: usize = 16;
    if text.chars().count() <= KEEP + 4 {
        return text.to_string();
    }
    if head {
        let end = text.char_indices().nth(KEEP).map_or(text.len(), |(i, _)| i);
        format!("{}…", &text[..end])
    } else {
        let start = text
            .char_indices()
            .rev()
            .nth(KEEP - 1)
            .map_or(0, |(i, _)| i);
        format!("…{}", &text[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A program's statements, compactly: `name = (op a b)`, `;` between.
    fn shape(source: &str) -> String {
        let program = match parse_program(source) {
            Ok(program) => program,
            Err(e) => return format!("error: {e}"),
        };
        let tree = |root: ExprId| {
            // Post-order arena: each expression's operands are already shaped.
            let mut shapes: Vec<String> = Vec::with_capacity(root as usize + 1);
            for id in 0..=root {
                let s = match program.expr(id).kind {
                    ExprKind::Number(v) => format!("{v}"),
                    ExprKind::Name => program.name(id).to_string(),
                    ExprKind::Neg(a) => format!("(neg {})", shapes[a as usize]),
                    ExprKind::Binary(op, a, b) => format!(
                        "({} {} {})",
                        match op {
                            BinOp::Add => "+",
                            BinOp::Sub => "-",
                            BinOp::Mul => "*",
                            BinOp::Div => "/",
                            BinOp::Pow => "^",
                        },
                        shapes[a as usize],
                        shapes[b as usize]
                    ),
                    ExprKind::Call { .. } => {
                        let args: Vec<&str> = program
                            .call_args(id)
                            .iter()
                            .map(|&a| shapes[a as usize].as_str())
                            .collect();
                        format!("{}({})", program.name(id), args.join(" "))
                    }
                };
                shapes.push(s);
            }
            shapes.pop().unwrap_or_default()
        };
        program
            .statements
            .iter()
            .map(|s| match s.name {
                Some((name, _)) => format!("{name} = {}", tree(s.root)),
                None => tree(s.root),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn trees() {
        for (source, expected) in [
            ("x", "x"),
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("a - b - c", "(- (- a b) c)"),
            ("2^3^2", "(^ 2 (^ 3 2))"),
            ("x ** -y", "(^ x (neg y))"),
            ("-x^2", "(neg (^ x 2))"),
            ("--x", "(neg (neg x))"),
            ("+x + y", "(+ x y)"),
            ("2x", "(* 2 x)"),
            ("2(x+1)", "(* 2 (+ x 1))"),
            ("(x)(y)", "(* x y)"),
            ("x²³", "(^ x 23)"),
            ("x²^3", "(^ (^ x 2) 3)"),
            (
                "x⁻¹ + x¹⁰ + x⁰ + x⁺⁴⁵⁶⁷⁸⁹",
                "(+ (+ (+ (^ x -1) (^ x 10)) (^ x 0)) (^ x 456789))",
            ),
            ("-x⁻¹", "(neg (^ x -1))"),
            ("√x", "√(x)"),
            ("√x^2 + √x²", "(+ √((^ x 2)) √((^ x 2)))"),
            ("-√x", "(neg √(x))"),
            ("√-x", "√((neg x))"),
            ("√(x+1)", "√((+ x 1))"),
            ("√3x", "(* √(3) x)"),
            ("2√x", "(* 2 √(x))"),
            ("2 √x^2", "(* 2 √((^ x 2)))"),
            ("2√3√x", "(* (* 2 √(3)) √(x))"),
            ("2√√x", "(* 2 √(√(x)))"),
            ("x^√y", "(^ x √(y))"),
            ("2.*x + 2. + 3.e1", "(+ (+ (* 2 x) 2) 30)"),
            ("a – b – –c", "(- (- a b) (neg c))"),
            ("a\u{a0}=\u{202f}x\u{a0}+ 1", "a = (+ x 1)"),
            ("max(x, -y, 1)", "max(x (neg y) 1)"),
            ("f()", "f()"),
            ("1.5e-3 x", "(* 0.0015 x)"),
            ("3 − 1 ÷ 2 × 4 · 5 ⋅ 6", "(- 3 (* (* (* (/ 1 2) 4) 5) 6))"),
            ("a = 1; b = a + 1\nb", "a = 1; b = (+ a 1); b"),
            ("a = 1 # one\r\nb = 2\r# two\rb", "a = 1; b = 2; b"),
            ("\n\n  x  \n\n", "x"),
            (
                "# only a comment",
                "error: the program is empty: write an expression such as `x^2 + 1`",
            ),
        ] {
            assert_eq!(shape(source), expected, "{source:?}");
        }
    }

    /// Sums, products and chains longer than a piece (512 operands) build
    /// the tree a single parse would.
    #[test]
    fn trees_across_pieces() {
        let fold =
            |op: &str, n: usize| (1..n).fold("x".to_string(), |acc, _| format!("({op} {acc} x)"));
        for n in [511, 512, 513, 1025, 2000] {
            let sum = vec!["x"; n].join(" + ");
            assert_eq!(shape(&sum), fold("+", n), "sum of {n}");
            let product = vec!["x"; n].join("*");
            assert_eq!(shape(&product), fold("*", n), "product of {n}");
            let chain = format!("{}x", "x^".repeat(n - 1));
            let right = (1..n).fold("x".to_string(), |acc, _| format!("(^ x {acc})"));
            assert_eq!(shape(&chain), right, "power chain of {n}");
            let named = format!("a = {sum}\nb = -a; b");
            assert_eq!(
                shape(&named),
                format!("a = {}; b = (neg a); b", fold("+", n))
            );
        }
    }

    #[test]
    fn statement_spans() {
        for (source, spans) in [
            ("x", vec![(0, 1)]),
            ("x   ", vec![(0, 1)]),
            ("  a = x + 1  ;b=2\nb", vec![(2, 11), (14, 17), (18, 19)]),
            ("+x+y", vec![(0, 4)]),
            ("f(x) ", vec![(0, 4)]),
        ] {
            let program = parse_program(source).map_err(|e| e.to_string());
            let got: Vec<(usize, usize)> = program
                .map(|p| {
                    p.statements
                        .iter()
                        .map(|s| (s.span.start, s.span.end))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(got, spans, "{source:?}");
        }
    }

    #[test]
    fn syntax_errors() {
        const OPERAND: &str = "expected an operand (a number, a name, a call or `(`)";
        let long = format!("{} + ", vec!["x"; 600].join(" + "));
        let long_tight = format!("{}+*y", vec!["x"; 600].join("+"));
        let long_named = format!("a = {} x", vec!["x"; 700].join("*"));
        for (source, message, at) in [
            ("x +", format!("{OPERAND}, found the end of the input"), 3),
            ("x + * y", format!("{OPERAND}, found `*`"), 4),
            (
                "x y",
                "expected an operator, `=` or the end of the input, found `y`".into(),
                2,
            ),
            (
                "(x+1",
                "expected an operator or `)`, found the end of the input".into(),
                4,
            ),
            ("sin(x,)", format!("{OPERAND}, found `)`"), 6),
            (
                "sin(x",
                "expected an operator, `,` or `)`, found the end of the input".into(),
                5,
            ),
            (
                "x)",
                "expected an operator, `=` or the end of the input, found `)`".into(),
                1,
            ),
            ("\n)", "unexpected `)`".into(), 1),
            ("a = 1\n= 2", "unexpected `=`".into(), 6),
            ("x = ", format!("{OPERAND}, found the end of the input"), 4),
            (
                "a = x +\nb",
                format!("{OPERAND}, found the end of the line"),
                7,
            ),
            (
                "1.2.3 +",
                format!("{OPERAND}, found the end of the input"),
                7,
            ),
            (
                long.as_str(),
                format!("{OPERAND}, found the end of the input"),
                long.len(),
            ),
            (
                long_tight.as_str(),
                format!("{OPERAND}, found `*`"),
                long_tight.len() - 2,
            ),
            (
                long_named.as_str(),
                "expected an operator or the end of the input, found `x`".into(),
                long_named.len() - 1,
            ),
        ] {
            let e = parse_program(source).expect_err(source);
            assert_eq!(e.kind, ErrorKind::Syntax(message), "{source:?}");
            assert_eq!(e.span.map(|s| s.start), Some(at), "{source:?}");
        }
    }

    /// Errors of building wait for the whole input: a syntax error anywhere
    /// is reported first, then the first bad number.
    #[test]
    fn errors_of_building_come_after_syntax_errors() {
        let tail = vec!["x"; 1000].join("+");
        for (source, kind, at) in [
            ("1.2.3", ErrorKind::BadNumber("1.2.3".into()), 0),
            ("1.2.", ErrorKind::BadNumber("1.2.".into()), 0),
            ("x + 1e999", ErrorKind::NumberOverflow("1e999".into()), 4),
            ("1.2.3 + 1e999", ErrorKind::BadNumber("1.2.3".into()), 0),
        ] {
            let e = parse_program(source).expect_err(source);
            assert_eq!(
                (e.kind.clone(), e.span.map(|s| s.start)),
                (kind, Some(at)),
                "{source:?}"
            );
            let later = format!("{source} + {tail} +");
            let e = parse_program(&later).expect_err(source);
            assert!(matches!(e.kind, ErrorKind::Syntax(_)), "{source:?}: {e:?}");
            assert_eq!(e.span.map(|s| s.start), Some(later.len()));
        }
    }

    /// Windows: an operand cut by one is read again in the next piece; a
    /// term past the limit is refused, at its start; long separators before
    /// a statement do not count.
    #[test]
    fn terms_near_the_limit() {
        let big = |n: usize| format!("({}x)", "x*".repeat(n));
        // A 700 KB operand, then a 400 KB name: the name is cut by the
        // first window and read whole by the next piece.
        let source = format!("{} + {}", big(350_000), "n".repeat(400_000));
        let program = parse_program(&source).expect("parses");
        assert_eq!(program.exprs.len(), 350_001 + 350_000 + 2);
        // Long separators, then a term just under the limit.
        let source = format!("{}{}", "\n".repeat(200_000), big(500_000));
        assert!(parse_program(&source).is_ok());
        let too_long = |source: &str, at: usize| {
            let e = parse_program(source).expect_err("a term past the limit");
            assert!(matches!(e.kind, ErrorKind::Limit(_)), "{e:?}");
            assert_eq!(e.span.map(|s| s.start), Some(at));
        };
        // One operand past the limit, after a `+` and at a statement start.
        too_long(&format!("y + {}", big(600_000)), 3);
        too_long(&format!("y\na = {}", big(600_000)), 5);
        // A product past the limit, made of many small operands.
        too_long(&format!("y - {}x", "x*".repeat(600_000)), 3);
    }

    /// Two readers build what one builds: whether the second one starts at
    /// an operator of the statement, inside parentheses, in an exponent,
    /// in a comment, or after an error.
    #[test]
    fn two_readers_read_as_one() {
        let term = "sin(x*1.0006394+y*0.0002501)*z^2/(3.47526+x*x)";
        let sum = |n: usize| vec![term; n].join("+");
        let n = TWO_READERS_BYTES / term.len() + 10;
        let cases = [
            sum(n),
            format!("a = {}\nb = a - {}\nb", sum(n / 2), sum(n / 2)),
            format!("{}+1e+5+{}", sum(n / 2), sum(n / 2)),
            format!("{}*(x+y)+{}", sum(n / 2), sum(n / 2)),
            format!("{}\n# a + b\n{}", sum(n / 2), sum(n / 2)),
            format!("{}\n+x+{}", sum(n / 2), sum(n / 2)),
            format!("{}+(x+{}", sum(n / 2), sum(n / 2)),
            format!("{}+1.2.3+{} +", sum(n / 2), sum(n / 2)),
            format!("{}+1.2.3+{}", sum(n / 2), sum(n / 2)),
            format!("{} + {}", sum(n / 2).replace('+', " + "), sum(n / 2)),
        ];
        for source in &cases {
            let one = read_program_with(source, false);
            let two = read_program_with(source, true);
            match (&one, &two) {
                (Ok(a), Ok(b)) => assert!(a == b, "{}", &source[..60]),
                (Err(a), Err(b)) => assert_eq!(a, b, "{}", &source[..60]),
                _ => panic!("{}: {:?} vs {:?}", &source[..60], one.is_ok(), two.is_ok()),
            }
        }
    }

    #[test]
    fn names() {
        for (text, ok) in [
            ("x", true),
            ("x_2", true),
            ("ŷ", true),
            ("x\u{487}", true),
            ("e\u{301}", true),
            ("√x", false),
            ("x²", false),
            ("x–y", false),
            ("2x", false),
            ("x y", false),
            ("", false),
        ] {
            assert_eq!(is_name(text), ok, "{text:?}");
        }
    }
}
