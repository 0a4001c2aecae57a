//! Every input in `fuzz/regressions/` (minimized findings of the fuzz
//! targets), parsed as a program: the tree or the error each must give.
//! The `batching-*` ones were found by comparing the old chunked parser with
//! the whole one; with one parse path they pin what the whole parse gave.

mod common;
use autograd::ast::Span;
use autograd::parse::{is_name, parse_program};
use autograd::ErrorKind;
use common::shape;

/// What a regression must give.
enum Expect {
    /// A program: each statement's shape and span.
    Tree(&'static [(&'static str, (usize, usize))]),
    /// A syntax error: its message, the bytes under the caret, its hint.
    Error(&'static str, (usize, usize), Option<&'static str>),
}
use Expect::*;

const OPERAND: &str =
    "expected an operand (a number, a name, a call or `(`), found the end of the input";

/// File, what it is, what it must give.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "batching-bad-number-before-a-syntax-error",
        "`.2.3 +`: a bad number, then a missing operand. The syntax error is reported, as a whole parse does (pest fails before numbers are read); chunked, the number was",
        Error(OPERAND, (6, 6), None),
    ),
    (
        "batching-bad-number-before-syntax-error",
        "`.2.3+`: the same without the blank",
        Error(OPERAND, (5, 5), None),
    ),
    (
        "batching-number-overflow-before-syntax-error",
        "`1e999+`: an overflowing number, then a missing operand; the syntax error wins",
        Error(OPERAND, (6, 6), None),
    ),
    (
        "batching-bare-cr-separator",
        "`\\re`: a lone `\\r` ends a line (pest's NEWLINE); the chunked lexer did not split there",
        Tree(&[("e", (1, 2))]),
    ),
    (
        "batching-error-at-a-statement-start",
        "`\\n)`: an error at a statement's start reads as in a whole parse",
        Error("unexpected `)`", (1, 2), Some("this `)` has no matching `(`")),
    ),
    (
        "batching-leading-unary-plus-span",
        "`+x+y`: the sum spans from its first operand; the statement from the `+`",
        Tree(&[("(+ x y)", (0, 4))]),
    ),
    (
        "pipeline-symbolic-infinite-constant-derivative",
        "`k / (0.)`: its derivative `1/0` folds to inf as it is read back; that is the program's evaluation error (exit 3, `tests/catalogue.rs`), not an internal one",
        Tree(&[("(/ k 0)", (0, 8))]),
    ),
    (
        "batching-trailing-blank-span",
        "`i `: a statement's span ends at its last token, not after its blanks",
        Tree(&[("i", (0, 1))]),
    ),
    (
        "batching-trailing-blanks-error-position",
        "` + `: the error is placed after the blanks, at the end of the input",
        Error(OPERAND, (3, 3), None),
    ),
    (
        "pipeline-call-nesting-timeout",
        "`f(` 20 times then `x`: failing nested calls were re-read at every level (exponential); the grammar commits to `(`",
        Error(
            "expected an operator, `,` or `)`, found the end of the input",
            (41, 41),
            Some("20 `(` not closed: add `)`"),
        ),
    ),
    (
        "pipeline-call-nesting-timeout-raw",
        "the fuzzer's own input for the same finding",
        Error(
            "expected an operator, `,` or `)`, found `i`",
            (97, 98),
            Some("write `*` between factors: `…n(sin(sin(x)))))*in`; a number may be followed directly by a name or `(` (`2x`, `3(x+1)`), and `)` by `(`"),
        ),
    ),
    (
        "pipeline-unbindable-mark-name",
        "`x` and U+0487: a name with a combining mark, which `--at` must accept too",
        Tree(&[("x\u{487}", (0, 3))]),
    ),
];

#[test]
fn every_fuzz_regression_is_a_case() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("fuzz/regressions is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut names: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    names.sort();
    assert_eq!(
        files, names,
        "a file in fuzz/regressions without a case, or a case without a file"
    );
}

#[test]
fn fuzz_regressions_parse_as_pinned() {
    for (file, what, expect) in CASES {
        let path = format!("{}/fuzz/regressions/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let text = std::str::from_utf8(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        match (parse_program(text), expect) {
            (Ok(program), Tree(statements)) => {
                let got: Vec<(String, (usize, usize))> = program
                    .statements
                    .iter()
                    .map(|s| (shape(&program, s.root), (s.span.start, s.span.end)))
                    .collect();
                let want: Vec<(String, (usize, usize))> = statements
                    .iter()
                    .map(|(s, span)| (s.to_string(), *span))
                    .collect();
                assert_eq!(got, want, "{file} ({what})");
            }
            (Err(e), Error(message, (start, end), help)) => {
                assert_eq!(
                    e.kind,
                    ErrorKind::Syntax(message.to_string()),
                    "{file} ({what})"
                );
                assert_eq!(e.span, Some(Span::new(*start, *end)), "{file} ({what})");
                assert_eq!(e.help.as_deref(), *help, "{file} ({what})");
            }
            (got, _) => panic!("{file} ({what}): {got:?}"),
        }
    }
}

#[test]
fn a_name_with_a_combining_mark_is_a_name() {
    assert!(is_name("x\u{487}"));
}
