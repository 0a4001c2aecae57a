//! Errors of every stage, with the place in the input they point at, and the
//! one mapping from error kind to exit code (README, "Exit codes").

use crate::ast::Span;
use std::fmt::Write as _;

/// The exit code of an internal error (sysexits' EX_SOFTWARE): never 2, so
/// that a script does not take a bug of the tool for a student's bad input.
pub const INTERNAL_EXIT_CODE: u8 = 70;

/// What went wrong. The kind decides the exit code; the message is written
/// for a student who has just typed the expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("syntax error: {0}")]
    Syntax(String),
    #[error("`{0}` is not a number: a number has at most one decimal point")]
    BadNumber(String),
    #[error("`{0}` is too large to be a number")]
    NumberOverflow(String),
    #[error("unknown function `{name}`")]
    UnknownFunction { name: String },
    #[error("`{name}` takes {expected}, but {found} {were} given", were = if *.found == 1 { "was" } else { "were" })]
    Arity {
        name: String,
        expected: String,
        found: usize,
    },
    #[error("`{0}` is a function: call it with parentheses, as in `{0}(x)`")]
    FunctionWithoutCall(String),
    #[error("`{0}` is a constant and cannot be assigned or bound")]
    AssignToConstant(String),
    #[error("`{0}` is a function name and cannot be assigned")]
    AssignToFunction(String),
    #[error("`{0}` is defined twice")]
    Redefined(String),
    #[error("`{0}` is used before it is defined")]
    UsedBeforeDefinition(String),
    #[error("`{0}` is given a value with --at, so it cannot also be defined by a statement")]
    AssignToBound(String),
    #[error(
        "this expression's value is never used: only the last statement may be a bare expression"
    )]
    BareExpressionNotLast,
    #[error("the program is empty: write an expression such as `x^2 + 1`")]
    Empty,
    #[error("no node named `{name}`{}", known_list(.known))]
    UnknownNode { name: String, known: Vec<String> },
    #[error("no value for {}", join_names(.0))]
    MissingBindings(Vec<String>),
    #[error("bad binding `{text}`: {reason}")]
    Binding { text: String, reason: String },
    #[error("{0}")]
    Limit(String),
    #[error("{0}")]
    Input(String),
    /// An `--expect` check that cannot be read (no `=`, an unknown output…).
    #[error("bad check `{check}`: {reason}")]
    Check { check: String, reason: String },
    /// A row of a CSV file of points that cannot be used.
    #[error("{origin}, line {line}: {}{reason}", column_label(.column))]
    Csv {
        origin: String,
        line: u64,
        /// The column (1-based) and its header name, when one cell is at fault.
        column: Option<(usize, String)>,
        reason: String,
    },
    /// A file or stdin that cannot be read (`what`: "`data.csv`", "the program from stdin").
    #[error("cannot read {what}: {reason}")]
    Read { what: String, reason: String },
    /// The output cannot be written (a full disk, a closed terminal).
    #[error("cannot write the output: {0}")]
    Write(String),
    /// The reader of the output went away (`… | head`): not a failure of the tool.
    #[error("the output was closed before the end")]
    BrokenPipe,
    /// Options that cannot go together (exit 2, like clap's usage errors).
    #[error("{0}")]
    Usage(String),
    /// Vectors and matrices whose shapes do not fit (SPEC §9), or an index
    /// out of range: found at lowering, exit 2.
    #[error("{0}")]
    Shape(String),
    /// A broken invariant of this program, not of the input: a bug to report.
    #[error("internal error: {0} (please report this at the project's issue tracker)")]
    Internal(String),
    #[error("{node} = {def}: {reason}")]
    NonFinite {
        node: String,
        def: String,
        reason: String,
    },
}

fn column_label(column: &Option<(usize, String)>) -> String {
    match column {
        Some((n, name)) => format!("column {n} (`{name}`): "),
        None => String::new(),
    }
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("`{n}`")).collect();
            format!("{} and `{last}`", init.join(", "))
        }
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", known.join(", "))
    }
}

/// What an [`Error`] says: its kind, the place it points at, a hint, and
/// where it happened once that is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub kind: ErrorKind,
    /// The place in the text the error is about (byte offsets).
    pub span: Option<Span>,
    pub help: Option<String>,
    /// The place rendered (`--> origin:line:col`, the line, a caret), filled
    /// in by [`Error::in_source`] by whoever knows the text and its origin.
    pub place: Option<String>,
    /// Context lines such as `at: data.csv, line 7`, printed after the hint.
    pub notes: Vec<String>,
}

/// An error of any stage. Boxed, so that the `Result`s of the hot loops
/// (one per expression of a big input) stay one word wide.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<Diagnostic>);

impl std::ops::Deref for Error {
    type Target = Diagnostic;
    fn deref(&self) -> &Diagnostic {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Diagnostic {
        &mut self.0
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error(Box::new(d))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// A failure to write the output.
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::new(ErrorKind::BrokenPipe)
        } else {
            Error::new(ErrorKind::Write(e.to_string()))
        }
    }
}

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Diagnostic {
            kind,
            span: None,
            help: None,
            place: None,
            notes: Vec::new(),
        }
        .into()
    }

    pub fn at(kind: ErrorKind, span: Span) -> Self {
        let mut e = Error::new(kind);
        e.span = Some(span);
        e
    }

    /// Says which text the error's span is in (`origin`: `expression`,
    /// `--at`, a file name) and renders the place once; an error that
    /// already knows its place keeps it.
    pub fn in_source(mut self, source: &str, origin: &str) -> Self {
        if let (Some(span), None) = (self.span, &self.place) {
            self.place = Some(snippet(source, span, origin));
        }
        self
    }

    /// Adds a context line, printed as `  = NOTE`.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The exit code (README, "Exit codes"): 2 for bad input, 3 for an
    /// evaluation error, [`INTERNAL_EXIT_CODE`] for a bug of the tool.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::NonFinite { .. } => 3,
            ErrorKind::Internal(_) => INTERNAL_EXIT_CODE,
            _ => 2,
        }
    }

    /// An [`ErrorKind::Internal`] error.
    pub fn internal(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal(what.into()))
    }

    /// The message, then the input line with a caret under the place (see
    /// [`Error::in_source`]), then the hint and the notes.
    pub fn report(&self) -> String {
        let mut out = format!("error: {}", self.kind);
        if let Some(place) = &self.place {
            out.push('\n');
            out.push_str(place);
        }
        if let Some(help) = &self.help {
            let _ = write!(out, "\n  = help: {help}");
        }
        for note in &self.notes {
            let _ = write!(out, "\n  = {note}");
        }
        out
    }

    /// [`Error::in_source`] then [`Error::report`].
    pub fn render(&self, source: &str, origin: &str) -> String {
        self.clone().in_source(source, origin).report()
    }
}

/// `--> origin:line:col`, the line, and carets under the span (one line).
pub fn snippet(source: &str, span: Span, origin: &str) -> String {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line_no = source[..line_start].matches('\n').count() + 1;
    let line = source[line_start..line_end].trim_end_matches('\r');
    let col = source[line_start..start].chars().count();
    let end = floor_char_boundary(source, span.end.clamp(start, line_end));
    let width = source[start..end].chars().count().max(1);
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    // Long lines (a 4 MB expression) are cut to a window around the caret.
    let (shown, shift, cut_left) = window(line, col);
    let marker_col = col - shift + usize::from(cut_left);
    let width = width.min(shown.chars().count().saturating_sub(marker_col).max(1));
    format!(
        "{pad}--> {origin}:{line_no}:{}\n{pad} |\n{line_no} | {shown}\n{pad} | {}{}",
        col + 1,
        " ".repeat(marker_col),
        "^".repeat(width)
    )
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// At most 100 characters of `line` around column `col`; returns the text,
/// how many characters were dropped on the left, and whether an ellipsis
/// was put in front.
fn window(line: &str, col: usize) -> (String, usize, bool) {
    const WIDTH: usize = 100;
    let total = line.chars().count();
    if total <= WIDTH {
        return (line.to_string(), 0, false);
    }
    let from = col
        .saturating_sub(WIDTH / 2)
        .min(total.saturating_sub(WIDTH));
    let mut text: String = line.chars().skip(from).take(WIDTH).collect();
    if from + WIDTH < total {
        text.push('…');
    }
    if from > 0 {
        (format!("…{text}"), from, true)
    } else {
        (text, 0, false)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_column() {
        let e = Error::at(
            ErrorKind::Syntax("expected an operand".into()),
            Span::new(4, 5),
        );
        let text = e.render("2*x+*y", "expression");
        assert_eq!(
            text,
            "error: syntax error: expected an operand\n --> expression:1:5\n  |\n1 | 2*x+*y\n  |     ^"
        );
    }

    #[test]
    fn second_line_of_a_program() {
        let e = Error::at(
            ErrorKind::UsedBeforeDefinition("b".into()),
            Span::new(10, 11),
        );
        let text = e.render("a = 1\nc = b*2", "prog.txt");
        assert!(text.contains("--> prog.txt:2:5"), "{text}");
        assert!(text.ends_with("2 | c = b*2\n  |     ^"), "{text}");
    }

    #[test]
    fn long_lines_are_windowed() {
        let line = "x+".repeat(1000) + "*";
        let e = Error::at(ErrorKind::Syntax("x".into()), Span::new(2000, 2001));
        let text = e.render(&line, "expression");
        let last = text.lines().last().unwrap_or_default();
        let above = text.lines().nth(3).unwrap_or_default();
        let caret = last.find('^').unwrap_or(0);
        assert_eq!(above.chars().nth(caret), Some('*'), "{text}");
        assert!(above.chars().count() < 120);
    }

    #[test]
    fn exit_codes_by_kind() {
        let cases = [
            (Error::new(ErrorKind::Empty), 2),
            (Error::internal("a broken invariant"), INTERNAL_EXIT_CODE),
            (
                Error::new(ErrorKind::NonFinite {
                    node: "f".into(),
                    def: "1/x".into(),
                    reason: "division by zero".into(),
                }),
                3,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.exit_code(), code, "{e}");
        }
        assert_ne!(INTERNAL_EXIT_CODE, 2);
    }

    #[test]
    fn csv_errors_name_the_file_line_and_column() {
        let e = ErrorKind::Csv {
            origin: "data.csv".into(),
            line: 7,
            column: Some((2, "y".into())),
            reason: "`four` is not a number".into(),
        };
        assert_eq!(
            e.to_string(),
            "data.csv, line 7: column 2 (`y`): `four` is not a number"
        );
    }

    #[test]
    fn notes_follow_the_help() {
        let e = Error::at(ErrorKind::Syntax("x".into()), Span::new(0, 1))
            .with_help("a hint")
            .with_note("at: x=1")
            .in_source("y", "expression");
        assert_eq!(
            e.report(),
            "error: syntax error: x\n --> expression:1:1\n  |\n1 | y\n  | ^\n  = help: a hint\n  = at: x=1"
        );
    }

    #[test]
    fn missing_bindings_are_listed_together() {
        let e = ErrorKind::MissingBindings(vec!["y".into(), "z".into(), "w".into()]);
        assert_eq!(e.to_string(), "no value for `y`, `z` and `w`");
    }
}
