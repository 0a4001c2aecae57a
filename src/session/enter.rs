//! A typed line that is not a command: statements become steps (each
//! lowered once), an expression becomes current, a new name near a known
//! one gets "did you mean".

use super::*;
use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::number;
use crate::options::Notice;
use std::io::Write;

impl Session {
    /// Statements and an expression: the statements become steps (one of
    /// an existing name replaces that step where it is), the expression is
    /// evaluated at the point and shown as the table.
    pub(super) fn enter(
        &mut self,
        line: &str,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let parsed = match crate::parse::parse_program(line) {
            Ok(parsed) => parsed,
            // A comment alone.
            Err(e) if e.kind == ErrorKind::Empty => return Ok(Flow::Go),
            Err(e) => return Err(e.in_source(line, INPUT)),
        };
        if self.new_steps_only(&parsed) {
            return self.add_steps(line, &parsed, out, warn);
        }
        let mut steps = self.steps.clone();
        // Where each step of this line came from in the line.
        let mut from_line: Vec<(usize, usize)> = Vec::new();
        let mut named = Vec::new();
        let mut bare = None;
        let count = parsed.statements.len();
        for (i, s) in parsed.statements.iter().enumerate() {
            let text = &line[s.span.start..s.span.end];
            let Some((name, name_span)) = s.name else {
                if i + 1 < count {
                    let e = Error::at(ErrorKind::BareExpressionNotLast, s.span);
                    return Err(e.in_source(line, INPUT));
                }
                bare = Some((text, s.span.start));
                continue;
            };
            if self.point.iter().any(|(n, _)| n == name) {
                let what = format!(
                    "`{name}` has a value at the point (:at), so it cannot also be a step: give the step another name"
                );
                return Err(Error::at(ErrorKind::Input(what), name_span).in_source(line, INPUT));
            }
            let step = Step {
                name: name.to_string(),
                text: text.to_string(),
            };
            let index = match steps.iter().position(|s| s.name == name) {
                Some(i) => {
                    steps[i] = step;
                    i
                }
                None => {
                    steps.push(step);
                    steps.len() - 1
                }
            };
            from_line.retain(|&(i, _)| i != index);
            from_line.push((index, s.span.start));
            named.push(name.to_string());
        }
        // The new steps must make a program, the expression included.
        let target = match bare {
            Some((text, _)) if steps.iter().any(|s| s.name == text.trim()) => {
                Target::Step(text.trim())
            }
            Some((text, offset)) => Target::Expression { text, offset },
            None => Target::Step(""),
        };
        let (source, mut pieces) = compose(&steps, &target);
        for &(index, line_start) in &from_line {
            let start: usize = steps[..index].iter().map(|s| s.text.len() + 1).sum();
            pieces.push((start, steps[index].text.len(), line_start));
        }
        // One step alone on the line: its graph is also the one that shows its value.
        let single = (bare.is_none() && named.len() == 1).then(|| named[0].as_str());
        let of = match target {
            Target::Step(name) if !name.is_empty() => Some(name),
            _ => single,
        };
        let program =
            crate::parse::parse_program(&source).map_err(|e| locate(e, &source, &pieces, line))?;
        let graph = Graph::lower_values(program, of, &self.shapes)
            .map_err(|e| locate(e, &source, &pieces, line))?;
        let replaced = steps.len() < self.steps.len() + named.len();
        self.steps = steps;
        for v in graph.variables() {
            if !self.variables.contains(v) {
                if let Some(near) = self.near_name(v) {
                    warn(Notice::Warning(format!(
                        "`{v}` is a new variable: did you mean `{near}`?"
                    )));
                }
                self.variables.push(v.clone());
            }
        }
        if replaced {
            self.known.rebuild(&self.steps, &self.point, &self.shapes)?;
        } else {
            let names: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
            for i in self.steps.len() - named.len()..self.steps.len() {
                let step = &self.steps[i];
                let lowered =
                    self.known
                        .lower(&step.name, &step.text, &names[..i], &self.shapes)?;
                self.known.push(lowered, &self.point);
            }
        }
        for name in &named {
            self.show_step(name, out)?;
        }
        match target {
            // Statements alone: the last one is the current expression.
            Target::Step("") => {
                self.last = named.last().cloned();
                Ok(Flow::Go)
            }
            target => {
                let result = self.evaluate(&target, self.options.clone(), line, out, warn);
                // An expression that only lacks values is still the last one,
                // as a statement is: `:symbolic` needs no point, and `:at`
                // then `:explain` work on it.
                let missing = match &result {
                    Err(e) => match &e.kind {
                        ErrorKind::MissingBindings(missing) => Some(missing.clone()),
                        _ => None,
                    },
                    Ok(_) => None,
                };
                if result.is_ok() || missing.is_some() {
                    self.last = Some(match target {
                        Target::Step(name) => name.to_string(),
                        Target::Expression { text, .. } => text.to_string(),
                    });
                }
                match (missing, &target) {
                    (Some(missing), Target::Expression { text, .. }) => {
                        writeln!(out, "{}   (no value yet: {})", text.trim(), fix(&missing))?;
                        Ok(Flow::Go)
                    }
                    _ => result,
                }
            }
        }
    }

    /// A known step or variable one or two edits from `name` (a typo
    /// that would otherwise make a new variable silently).
    pub(super) fn near_name(&self, name: &str) -> Option<String> {
        // A tensor's elements (`x[0]`, `b[0]`) differ by design.
        if name.contains('[') {
            return None;
        }
        let len = name.chars().count();
        let limit = if len <= 4 { 1 } else { 2 };
        self.steps
            .iter()
            .map(|s| &s.name)
            .chain(&self.variables)
            .chain(self.point.iter().map(|(n, _)| n))
            .filter(|known| known.as_str() != name)
            // `w2` after `w1` is a new name on purpose, not a typo.
            .filter(|known| {
                let letters = |n: &str| {
                    n.chars()
                        .filter(|c| !c.is_ascii_digit())
                        .collect::<String>()
                };
                letters(known) != letters(name)
            })
            .map(|known| (strsim::damerau_levenshtein(name, known), known))
            .filter(|&(d, _)| d <= limit && d < len)
            .min()
            .map(|(_, known)| known.clone())
    }

    /// `name = value` at the point, or what the point still needs.
    pub(super) fn show_step(&self, name: &str, out: &mut dyn Write) -> Result<()> {
        let Some(i) = self.steps.iter().position(|s| s.name == name) else {
            return Err(Error::internal(format!("no step `{name}`")));
        };
        let given = |v: &String| self.point.iter().any(|(n, _)| n == v);
        let missing: Vec<String> = self
            .known
            .variables_of(i)
            .iter()
            .filter(|v| !given(v))
            .cloned()
            .collect();
        if !missing.is_empty() {
            writeln!(
                out,
                "{}   (no value yet: {})",
                self.steps[i].text,
                fix(&missing)
            )?;
            return Ok(());
        }
        let num = |x: &f64| number::format_digits(*x, self.options.digits);
        let value = match (self.known.value_of(i), self.known.shape_of(i)) {
            (Some(values), Some(shape)) => tensor_text(values, shape, num),
            (Some([value]), None) => num(value),
            _ => num(&f64::NAN),
        };
        writeln!(out, "{name} = {value}")?;
        Ok(())
    }

    /// Whether `parsed` only adds steps of new names (no bare expression,
    /// no name already a step or a variable of one): then each is lowered
    /// alone, in the time of its own line.
    pub(super) fn new_steps_only(&self, parsed: &crate::ast::Program<'_>) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        parsed.statements.iter().all(|s| match s.name {
            Some((name, _)) => {
                let new = !seen.contains(&name)
                    && !self.steps.iter().any(|t| t.name == name)
                    && !self.variables.iter().any(|v| v == name);
                seen.push(name);
                new
            }
            None => false,
        })
    }

    /// Adds the new steps of `line` (see [`Session::new_steps_only`]) and
    /// shows their values.
    pub(super) fn add_steps(
        &mut self,
        line: &str,
        parsed: &crate::ast::Program<'_>,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let start = self.known.len();
        let mut added: Vec<Step> = Vec::new();
        for s in &parsed.statements {
            let Some((name, name_span)) = s.name else {
                return Err(Error::internal("a bare expression among new steps"));
            };
            let text = &line[s.span.start..s.span.end];
            let in_line = |e: Error| shift(e, s.span.start, line.len()).in_source(line, INPUT);
            let lowered = match self.point.iter().any(|(n, _)| n == name) {
                true => {
                    let what = format!(
                        "`{name}` has a value at the point (:at), so it cannot also be a step: give the step another name"
                    );
                    Err(Error::at(ErrorKind::Input(what), name_span).in_source(line, INPUT))
                }
                false => {
                    let names: Vec<&str> = self
                        .steps
                        .iter()
                        .map(|s| s.name.as_str())
                        .chain(added.iter().map(|s| s.name.as_str()))
                        .collect();
                    self.known
                        .lower(name, text, &names, &self.shapes)
                        .map_err(in_line)
                }
            };
            let lowered = match lowered {
                Ok(lowered) => lowered,
                // The line counts whole or not at all.
                Err(e) => {
                    self.known.truncate(start);
                    return Err(e);
                }
            };
            self.known.push(lowered, &self.point);
            added.push(Step {
                name: name.to_string(),
                text: text.to_string(),
            });
        }
        for step in added {
            for v in self.known.variables_of(self.steps.len()) {
                if !self.variables.contains(v) {
                    if let Some(near) = self.near_name(v) {
                        warn(Notice::Warning(format!(
                            "`{v}` is a new variable: did you mean `{near}`?"
                        )));
                    }
                    self.variables.push(v.clone());
                }
            }
            self.steps.push(step);
            let name = self.steps[self.steps.len() - 1].name.clone();
            self.show_step(&name, out)?;
            // The last statement is the current expression.
            self.last = Some(name);
        }
        Ok(Flow::Go)
    }
}

/// The program's text: the steps, then the expression (if any), one a
/// line; and where the expression is (a piece of the line, unless it is
/// not from the line: `offset` `usize::MAX`).
pub(super) fn compose(steps: &[Step], target: &Target) -> (String, Vec<Piece>) {
    let mut source = String::new();
    for s in steps {
        source.push_str(&s.text);
        source.push('\n');
    }
    let mut pieces = Vec::new();
    if let Target::Expression { text, offset } = target {
        if *offset != usize::MAX {
            pieces.push((source.len(), text.len(), *offset));
        }
        source.push_str(text);
    }
    (source, pieces)
}

/// An error in the program's `source` rendered where it is: in the line
/// typed when it falls in a piece of it, else in the earlier steps.
pub(super) fn locate(mut e: Error, source: &str, pieces: &[Piece], line: &str) -> Error {
    if let Some(span) = e.span {
        let piece = pieces
            .iter()
            .find(|(start, len, _)| span.start >= *start && span.start <= start + len);
        if let Some(&(start, _, line_start)) = piece {
            e.place = None;
            e.span = Some(Span::new(span.start - start, span.end - start));
            return shift(e, line_start, line.len()).in_source(line, INPUT);
        }
    }
    e.in_source(source, PROGRAM)
}

/// Moves an error's span `by` bytes on (the text it points into starts
/// there in a line of `len` bytes).
pub(super) fn shift(mut e: Error, by: usize, len: usize) -> Error {
    if let Some(span) = e.span {
        e.span = Some(Span::new(
            (span.start + by).min(len),
            (span.end + by).min(len),
        ));
    }
    e
}

/// `:at b=…,x=…`.
pub(super) fn fix(missing: &[String]) -> String {
    // A tensor's elements are asked for as the tensor: `W=[[…]]`.
    let mut items: Vec<String> = Vec::new();
    for m in missing {
        let item = match m.split_once('[') {
            Some((base, rest)) if rest.contains(',') => format!("{base}=[[…]]"),
            Some((base, _)) => format!("{base}=[…]"),
            None => format!("{m}=…"),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    format!(":at {}", items.join(","))
}

/// `[1, 2]` or `[[1, 2], [3, 4]]`: a tensor's elements (row-major) in its
/// shape, each written by `num`.
pub(super) fn tensor_text(values: &[f64], shape: &[usize], num: impl Fn(&f64) -> String) -> String {
    crate::report::tensor::nest(values.iter().map(num).collect(), shape)
}
