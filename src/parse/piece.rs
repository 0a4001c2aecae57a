//! The piece reader: one pest parse of a piece rule at a time, in a window.

use super::builder::{Builder, Op};
use super::wording::{internal, syntax_error};
use super::{grammar, Rule, LEAD_BYTES, MAX_TERM_BYTES, TIGHT_BYTES};
use crate::ast::{Program, Span};
use crate::error::{Error, ErrorKind, Result};

/// One token of a piece: a pair's start or end, at a byte of the input
/// (8 bytes: inputs are at most 16 MiB; a second reader holds half a big
/// input's tokens at once).
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) rule: Rule,
    pub(super) start: bool,
    at: u32,
}

impl Token {
    pub(super) fn at(&self) -> usize {
        self.at as usize
    }
}

/// Where the next piece starts.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Place {
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
            (Rule::expr | Rule::args | Rule::list | Rule::index, true) => depth += 1,
            (Rule::expr | Rule::args | Rule::list | Rule::index, false) => {
                depth = depth.saturating_sub(1)
            }
            (Rule::infix, true) if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    // A piece that starts with its operator has nothing before it.
    last.filter(|&i| i > 0)
}

/// Where the reading of a program is: where the next piece starts, what
/// kind of piece it is, and what the pieces so far say.
#[derive(Clone, Debug)]
pub(super) struct Reader {
    pub(super) pos: usize,
    pub(super) place: Place,
    /// Whether the statement's pieces may be tried without spaces.
    tight: bool,
    /// Where the window of a statement's first piece starts (moved past long
    /// separators and `name =` when they fill it).
    lead_end: Option<usize>,
    /// Whether a statement is being read.
    pub(super) open: bool,
    /// The end of the last token (the next piece starts there and skips
    /// blanks first).
    pub(super) last_end: usize,
    /// Whether the end of the input has been read.
    pub(super) done: bool,
}

/// What [`Reader::next`] gave.
pub(super) enum Step {
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
    pub(super) fn new() -> Self {
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
    pub(super) fn next(
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

/// Reads pieces into the builder until the end of the input, or until the
/// pieces end at the second reader's start (then `Some(())`).
pub(super) fn read_pieces(
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
            Some(op) if matches!(Op::of_infix(op.as_str()), Op::Add | Op::Sub) => {
                pos + op.as_span().end()
            }
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

pub(super) fn read_expression(source: &str) -> Result<Program<'_>> {
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
pub(super) fn term_too_long(source: &str, start: usize) -> Error {
    Error::at(
        ErrorKind::Limit(format!(
            "one term of this statement is more than {MAX_TERM_BYTES} bytes long; the limit is \
             {MAX_TERM_BYTES} bytes (1 MiB) between two top-level `+` or `-`"
        )),
        Span::new(start, (start + 1).min(source.len())),
    )
    .with_help("name intermediate steps in a program (`a = …; b = …`) to split it")
}
