//! `--at x=4,y=3,z=2`: the values of the variables at one point. Values may be
//! constant expressions (`x=1/3,y=-pi/2`), so commas split only outside
//! parentheses. `--at @FILE` reads the same text from a file ([`load`]), where
//! a line break also separates bindings and `#` starts a comment.

use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: String,
    pub value: f64,
    /// Where `name=value` is in the `--at` text.
    pub span: Span,
}

/// Parses one `--at` text.
pub fn parse(text: &str) -> Result<Vec<Binding>> {
    let mut out: Vec<Binding> = Vec::new();
    // The names given so far (a tensor's once): a check by hash, as a file
    // may give 10⁵ numbers.
    let mut given: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    for (start, item) in split_top_level(text) {
        let trimmed = item.trim();
        let lead = item.len() - item.trim_start().len();
        let span = Span::new(start + lead, start + lead + trimmed.len());
        let bad = |reason: &str| {
            Error::at(
                ErrorKind::Binding {
                    text: shown(trimmed),
                    reason: reason.to_string(),
                },
                span,
            )
            .with_help("write each binding as name=value, separated by commas: --at x=4,y=3")
        };
        if trimmed.is_empty() {
            // A line break separates bindings (a file's lines, [`load`]): a
            // comma at a line's end or a blank line is not an empty binding.
            if item.contains('\n') && !text.trim().is_empty() {
                continue;
            }
            if text.trim().is_empty() {
                return Err(bad("no bindings given"));
            }
            return Err(bad(
                "empty binding (two commas in a row, or a comma at the end?)",
            ));
        }
        let Some(eq) = trimmed.find('=') else {
            return Err(bad("no `=` (expected name=value)"));
        };
        let name = trimmed[..eq].trim();
        let value_text = trimmed[eq + 1..].trim();
        if name.is_empty() {
            return Err(bad("no variable name before `=`"));
        }
        if !crate::parse::is_name(name) {
            return Err(bad(&format!("`{name}` is not a variable name")));
        }
        if crate::ops::constant(name).is_some() {
            return Err(Error::at(ErrorKind::AssignToConstant(name.into()), span));
        }
        if value_text.is_empty() {
            return Err(bad("no value after `=`"));
        }
        let value_start =
            span.start + eq + 1 + (trimmed[eq + 1..].len() - trimmed[eq + 1..].trim_start().len());
        if value_text.starts_with('[') {
            let (shape, values) = tensor_value(value_text, value_start)?;
            if !given.insert(name) {
                return Err(bad(&format!("`{name}` is given twice")));
            }
            for (flat, value) in values.into_iter().enumerate() {
                out.push(Binding {
                    name: element_name(name, &shape, flat),
                    value,
                    span,
                });
            }
            continue;
        }
        let value = crate::constant_value(value_text).map_err(|e| {
            let reason = match &e.kind {
                ErrorKind::Syntax(_) => {
                    format!("`{value_text}` is not a number or constant expression")
                }
                _ => e.kind.to_string(),
            };
            let inner = e
                .span
                .map(|s| Span::new(value_start + s.start, value_start + s.end));
            Error::at(
                ErrorKind::Binding {
                    text: shown(trimmed),
                    reason,
                },
                inner.unwrap_or(span),
            )
        })?;
        if !given.insert(name) {
            return Err(bad(&format!("`{name}` is given twice")));
        }
        out.push(Binding {
            name: name.to_string(),
            value,
            span,
        });
    }
    Ok(out)
}

/// A binding as an error message quotes it: on one line (a file's
/// matrix may span several), at most 80 characters.
fn shown(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

/// The comma-separated items of `text`, with their byte offsets; a line
/// break outside brackets separates items too (a file's lines).
pub fn split_top_level(text: &str) -> Vec<(usize, &str)> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            // Blank so far: the line break belongs to the next item.
            '\n' if depth <= 0 && !text[start..i].trim().is_empty() => {
                items.push((start, &text[start..i]));
                start = i;
            }
            ',' if depth <= 0 => {
                items.push((start, &text[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, &text[start..]));
    items
}

/// An `--at` text as given and where it came from: `@FILE` is the text of
/// FILE (its `#` comments blanked, so that carets keep their line and
/// column), named by the file in errors; anything else is itself, `--at`.
#[derive(Debug, Clone, PartialEq)]
pub struct AtText {
    pub text: String,
    /// `--at`, or the file's name.
    pub origin: String,
}

/// Reads an `--at` text: `@FILE` from the file (a 784-64-10 network's
/// 50,890 parameters do not fit in one command-line argument).
pub fn load(given: &str) -> Result<AtText> {
    let Some(path) = given.strip_prefix('@') else {
        return Ok(AtText {
            text: crate::input::nfc(given).into_owned(),
            origin: "--at".into(),
        });
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::new(ErrorKind::Usage(
            "`--at @` names no file: write --at @FILE (a file of bindings such as `W=[[1,2],[3,4]]`, one or more a line)".into(),
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(ErrorKind::Read {
            what: format!("`{path}` (of --at @{path})"),
            reason: e.to_string(),
        })
    })?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Error::new(ErrorKind::Read {
            what: format!("`{path}` (of --at @{path})"),
            reason: "it is not UTF-8 text".into(),
        }));
    };
    let text = blank_comments(&crate::input::nfc(&text));
    Ok(AtText {
        text,
        origin: path.to_string(),
    })
}

/// Parses an `--at` text as [`load`] reads it; errors point into it (a
/// file's line and column).
pub fn parse_given(given: &str) -> Result<(AtText, Vec<Binding>)> {
    let at = load(given)?;
    let bindings = parse(&at.text).map_err(|e| e.in_source(&at.text, &at.origin))?;
    Ok((at, bindings))
}

/// `--at` texts with each `@FILE` replaced by its file's text, checked
/// first so that an error names the file (its line and column); the others
/// are left as they are, for their own parse to judge.
pub fn read_all(given: &[String]) -> Result<Vec<String>> {
    given
        .iter()
        .map(|g| match g.starts_with('@') {
            true => parse_given(g).map(|(at, _)| at.text),
            false => Ok(g.clone()),
        })
        .collect()
}

/// `text` with each `#` comment (to the end of its line) made spaces, so
/// byte offsets stay where they were.
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find('#') {
            Some(at) => {
                out.push_str(&line[..at]);
                let rest = &line[at..];
                let kept = rest.trim_end_matches(['\n', '\r']);
                out.extend(std::iter::repeat_n(' ', kept.len()));
                out.push_str(&rest[kept.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// An element's name: `W[1,0]`, `x[2]` (SPEC §9: a tensor variable is a
/// group of scalar variables).
pub fn element_name(name: &str, shape: &[usize], flat: usize) -> String {
    match *shape {
        [_, cols] => format!("{name}[{},{}]", flat / cols, flat % cols),
        _ => format!("{name}[{flat}]"),
    }
}

/// `W` of an element's name `W[1,0]` (the name itself otherwise).
pub fn base_name(name: &str) -> &str {
    name.split_once('[').map_or(name, |(base, _)| base)
}

/// The shapes of the tensor values in `--at` texts (`W=[[1,2],[3,4]]` is
/// 2×2), by name; texts that do not parse are left to [`parse`]'s errors.
pub fn shapes(texts: &[String]) -> rustc_hash::FxHashMap<String, Vec<usize>> {
    let mut out = rustc_hash::FxHashMap::default();
    for text in texts.iter().filter(|t| t.contains('[')) {
        for (_, item) in split_top_level(text) {
            let Some((name, value)) = item.split_once('=') else {
                continue;
            };
            if let Ok((shape, _)) = tensor_value(value.trim(), 0) {
                out.insert(name.trim().to_string(), shape);
            }
        }
    }
    out
}

/// A vector `[1, 2]` or a matrix `[[1, 2], [3, 4]]` (rows) of constant
/// expressions: its shape and its values, row-major. `at` is where the text
/// starts in the `--at` text (for the caret).
fn tensor_value(text: &str, at: usize) -> Result<(Vec<usize>, Vec<f64>)> {
    let (shape, cells) = tensor_cells(text, at)?;
    let mut values = Vec::with_capacity(cells.len());
    for (cell, span) in cells {
        match crate::constant_value(cell) {
            Ok(v) => values.push(v),
            Err(_) => {
                return Err(tensor_error(
                    text,
                    format!("`{cell}` is not a number"),
                    span,
                ))
            }
        }
    }
    Ok((shape, values))
}

fn tensor_error(text: &str, reason: String, span: Span) -> Error {
    Error::at(
        ErrorKind::Binding {
            text: shown(text),
            reason,
        },
        span,
    )
    .with_help("a vector is `[1, 2]`, a matrix its rows: `[[1, 2], [3, 4]]`")
}

/// An entry of a tensor as written, and its place.
pub type Cell<'t> = (&'t str, Span);

/// The entries of a vector `[1, 2]` or a matrix `[[1, 2], [3, 4]]` (rows),
/// as written, row-major, each with its place (`at` is where `text` starts
/// in the text its errors point into), and the shape.
pub fn tensor_cells(text: &str, at: usize) -> Result<(Vec<usize>, Vec<Cell<'_>>)> {
    let bad = |reason: String, start: usize, end: usize| {
        tensor_error(text, reason, Span::new(at + start, at + end))
    };
    fn inner(t: &str) -> Option<&str> {
        t.strip_prefix('[')?.strip_suffix(']')
    }
    let Some(body) = inner(text.trim()) else {
        return Err(bad("a `[` without its `]`".into(), 0, text.len()));
    };
    let offset = text.find('[').map_or(0, |i| i + 1);
    let mut cells = Vec::new();
    let mut rows: Vec<usize> = Vec::new();
    let items = split_top_level(body);
    let matrix = body.trim_start().starts_with('[');
    for (start, item) in &items {
        let item_at = offset + start;
        let trimmed = item.trim();
        let lead = item.len() - item.trim_start().len();
        let (from, to) = (item_at + lead, item_at + lead + trimmed.len());
        let mut one = |t: &'_ str, from: usize, to: usize| -> Result<()> {
            if t.is_empty() {
                return Err(bad("an empty entry".into(), from, to.max(from + 1)));
            }
            cells.push((from, to));
            Ok(())
        };
        if !matrix {
            one(trimmed, from, to)?;
            continue;
        }
        let Some(row) = inner(trimmed) else {
            return Err(bad(
                "a matrix's entries are its rows, each in `[…]`".into(),
                from,
                to,
            ));
        };
        if row.contains('[') {
            return Err(bad(
                "only vectors and matrices (two levels of `[…]`)".into(),
                from,
                to,
            ));
        }
        let parts = split_top_level(row);
        for (s, part) in &parts {
            let p = part.trim();
            let lead = part.len() - part.trim_start().len();
            let f = from + 1 + s + lead;
            one(p, f, f + p.len())?;
        }
        rows.push(parts.len());
    }
    let shape = match rows.first() {
        None => vec![cells.len()],
        Some(&cols) => {
            if rows.iter().any(|&r| r != cols) {
                return Err(bad(
                    "the rows of a matrix need one length".into(),
                    0,
                    text.len(),
                ));
            }
            vec![rows.len(), cols]
        }
    };
    let cells = cells
        .into_iter()
        .map(|(from, to)| (&text[from..to], Span::new(at + from, at + to)))
        .collect();
    Ok((shape, cells))
}

/// A point resolved against a graph: the value of each of its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub values: Vec<f64>,
    /// Bindings the expression does not use (a warning, not an error).
    pub unused: Vec<String>,
}

/// Matches bindings to the graph's variables. Every missing variable is named
/// in one error; binding a statement's name is an error.
pub fn resolve(graph: &Graph, bindings: &[Binding]) -> Result<Point> {
    let statements: rustc_hash::FxHashSet<&str> =
        graph.statement_names().iter().map(String::as_str).collect();
    for b in bindings {
        if statements.contains(b.name.as_str()) {
            return Err(Error::at(ErrorKind::AssignToBound(b.name.clone()), b.span));
        }
    }
    // By name: a 784-64-10 network binds 50,890 elements.
    let by_name: rustc_hash::FxHashMap<&str, &Binding> =
        bindings.iter().map(|b| (b.name.as_str(), b)).collect();
    let mut values = Vec::with_capacity(graph.variables().len());
    let mut missing = Vec::new();
    for var in graph.variables() {
        match by_name.get(var.as_str()) {
            Some(b) => values.push(b.value),
            None => missing.push(var.clone()),
        }
    }
    if !missing.is_empty() {
        let fix: Vec<String> = graph
            .variables()
            .iter()
            .map(|v| match bindings.iter().find(|b| b.name == *v) {
                Some(b) => format!("{v}={}", crate::number::format(b.value)),
                None => format!("{v}=…"),
            })
            .collect();
        // `2xy` is 2 times the variable `xy`: a student who meant x*y
        // learns it here, where the name shows up.
        let joined = missing.iter().find(|m| {
            let n = m.chars().count();
            (2..=3).contains(&n) && m.chars().all(|c| c.is_ascii_lowercase())
        });
        let mut err = Error::new(ErrorKind::MissingBindings(missing.clone())).with_help(format!(
            "give every variable a value: --at {}",
            fix.join(",")
        ));
        // `w₁` in the program, `--at w_1=…` on the command line (or the
        // other way round): two names.
        if let Some((m, b)) = missing.iter().find_map(|m| {
            let twin = crate::input::subscript_twin(m)?;
            bindings.iter().find(|b| b.name == twin).map(|b| (m, b))
        }) {
            err = err.with_note(format!(
                "`{m}` and `{}` are two names: the program uses `{m}`, so write `{m}={}`",
                b.name,
                crate::number::format(b.value)
            ));
        }
        if let Some(name) = joined {
            let product: Vec<String> = name.chars().map(String::from).collect();
            err = err.with_note(format!(
                "`{name}` is one name: for the product, write `{}`",
                product.join("*")
            ));
        }
        return Err(err);
    }
    let used: rustc_hash::FxHashSet<&str> = graph.variables().iter().map(String::as_str).collect();
    // A tensor none of whose elements is used is named once (`W`, not
    // each `W[i,j]`).
    let used_bases: rustc_hash::FxHashSet<&str> = used.iter().map(|n| base_name(n)).collect();
    let mut unused: Vec<String> = Vec::new();
    for b in bindings.iter().filter(|b| !used.contains(b.name.as_str())) {
        let base = base_name(&b.name);
        match used_bases.contains(base) {
            true => unused.push(b.name.clone()),
            false if unused.last().map(String::as_str) == Some(base) => {}
            false => unused.push(base.to_string()),
        }
    }
    Ok(Point { values, unused })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_values(text: &str) -> Vec<(String, f64)> {
        parse(text)
            .unwrap_or_default()
            .into_iter()
            .map(|b| (b.name, b.value))
            .collect()
    }

    #[test]
    fn plain_and_constant_values() {
        assert_eq!(
            names_values("x=4,y=3,z=2"),
            [("x".into(), 4.0), ("y".into(), 3.0), ("z".into(), 2.0)]
        );
        let v = names_values("x=1/3, y=-pi/2, w=max(1,2)");
        assert_eq!(v[0].1, 1.0 / 3.0);
        assert_eq!(v[1].1, -std::f64::consts::PI / 2.0);
        assert_eq!(v[2], ("w".into(), 2.0));
        assert_eq!(names_values("ŷ=0.5")[0].0, "ŷ");
        // Any name the grammar accepts, combining marks included (found by fuzzing).
        assert_eq!(names_values("x\u{487}=1")[0].0, "x\u{487}");
    }

    #[test]
    fn bad_bindings() {
        for (text, needle) in [
            ("x", "no `=`"),
            ("x=", "no value"),
            ("=3", "no variable name"),
            ("x=abc", "`abc` is not a constant"),
            ("x=1,x=2", "given twice"),
            ("x=1,,y=2", "empty binding"),
            ("pi=3", "constant"),
            ("2x=3", "not a variable name"),
            ("x=1.2.3", "not a number"),
        ] {
            let err = parse(text)
                .err()
                .map(|e| e.kind.to_string())
                .unwrap_or_default();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
