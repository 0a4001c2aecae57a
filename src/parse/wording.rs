//! Error wording: a pest error in the user's words.

use super::Rule;
use crate::ast::Span;
use crate::error::{Error, ErrorKind};

pub(super) fn internal(what: &str) -> Error {
    Error::internal(format!("the parser met an unexpected {what}"))
}

/// A pest error, in the user's words: what was expected at the column.
pub(super) fn syntax_error(source: &str, start: usize, e: pest::error::Error<Rule>) -> Error {
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

const EXPECTED_ORDER: [&str; 7] = [
    "an operator",
    OPERAND,
    "`=`",
    "`,`",
    "`)`",
    "`]`",
    "the end of the input",
];

fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::infix => "an operator",
        Rule::superscript => "an operator",
        Rule::number | Rule::name | Rule::expr | Rule::run => OPERAND,
        Rule::neg | Rule::pos | Rule::root => OPERAND,
        Rule::assign => "`=`",
        Rule::comma => "`,`",
        Rule::close => "`)`",
        Rule::rbrack => "`]`",
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
