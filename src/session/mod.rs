//! The interactive session (README, "The interactive session"): statements
//! add steps, a bare expression is evaluated at the current point and shown
//! as the table, `:commands` set the point, explain, check, list and save.
//!
//! Each step is lowered once when typed (`steps.rs`: its own graph, its
//! value at the point); every evaluation goes through the front door
//! ([`crate::front::run_compiled`]) over the steps it uses, so the session
//! prints exactly what the command line prints. Lines
//! come from a [`LineSource`]: the terminal's line editor ([`Terminal`]),
//! plain lines from a pipe ([`Plain`]), or a test's list.
//!
//! ```
//! use autograd::session::{drive, Plain, Session};
//!
//! let script = "z = w*x + b\n:at w=0.5,b=1,x=2\nz*2\n";
//! let mut session = Session::new(Default::default(), false);
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! let code = drive(&mut session, &mut Plain::new(script.as_bytes(), "stdin"), &mut out, &mut err)?;
//! assert!(String::from_utf8_lossy(&out).contains("f = 4\n"));
//! assert_eq!(code, 0);
//! # Ok::<(), autograd::Error>(())
//! ```

mod steps;
mod terminal;

pub use terminal::Terminal;

use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::number;
use crate::options::{Format, Notice, Options, PointSource};
use owo_colors::OwoColorize;
use std::io::{self, BufRead, IsTerminal, Read, Write};

/// `-i`, flattened into the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SessionArgs {
    /// Start an interactive session (also what no EXPR on a terminal does):
    /// `name = expr` adds a step, an expression is evaluated at the point
    /// set with `:at`; `:help` lists the commands. With stdin not a
    /// terminal it reads plain lines (scripts).
    #[arg(short = 'i', long = "interactive")]
    pub interactive: bool,
}

impl SessionArgs {
    /// Whether this run is a session: `-i`, or no program and stdin a terminal.
    pub fn starts(&self, program_given: bool) -> bool {
        self.interactive || (!program_given && io::stdin().is_terminal())
    }
}

/// The error of a run with no program, no `-i` and stdin not a terminal.
pub fn no_program() -> Error {
    Error::new(ErrorKind::Usage(
        "no expression given: autograd-cli \"EXPR\" --at x=…, or -i for an interactive session\n\n\
         Usage: autograd-cli [OPTIONS] [EXPR]\n\nFor more information, try '--help'."
            .into(),
    ))
}

/// The session of the command line. `program` (its text and where it came
/// from), when given, is read first, a line at a time as if typed: its
/// statements become the steps, a bare last expression the last one.
/// `points` says whether `--points` came too (a usage error), `at` is the
/// starting point, and `options` the flags (only those that make sense in a
/// session are accepted). On a terminal it uses the line editor, otherwise
/// plain lines from stdin. Returns the exit code (see [`drive`]).
pub fn run(
    program: Option<(String, String)>,
    points: bool,
    at: &[String],
    options: Options,
    stderr_color: bool,
) -> Result<u8> {
    let given = crate::options::Given {
        at: at.len(),
        points,
        stdin_twice: false,
    };
    options.check(&crate::options::Mode::Session, given)?;
    if program
        .as_ref()
        .is_some_and(|(_, origin)| origin == "stdin")
    {
        return Err(Error::new(ErrorKind::Usage(
            "a session reads its lines from stdin, so its program cannot come from there too: give it with -f FILE or as EXPR".into(),
        )));
    }
    let mut session = Session::new(options, stderr_color);
    if let Some(text) = at.first() {
        session.set_point(text, &crate::input::nfc(text), 0, "--at")?;
    }
    let (stdout, mut stderr) = (io::stdout(), io::stderr());
    let mut worst = 0;
    if let Some((text, origin)) = &program {
        let mut lines = Plain::new(text.as_bytes(), origin);
        worst = drive(&mut session, &mut lines, &mut stdout.lock(), &mut stderr)?;
        // The program's output is what `:explain`, `:symbolic`, `:train` are about.
        if session.last.is_none() {
            session.last = session.steps.last().map(|s| s.name.clone());
        }
    }
    let code = if io::stdin().is_terminal() {
        let mut lines = Terminal::new(&mut stderr);
        let code = drive(&mut session, &mut lines, &mut stdout.lock(), &mut stderr);
        lines.save_history(&mut stderr);
        code
    } else {
        let mut lines = Plain::new(io::stdin().lock(), "stdin");
        drive(&mut session, &mut lines, &mut stdout.lock(), &mut stderr)
    };
    code.map(|code| more_serious(worst, code))
}

/// One line from a [`LineSource`].
#[derive(Debug)]
pub enum Line {
    Text(String),
    /// Ctrl-C: the line is dropped and the session goes on.
    Cancelled,
    /// A line that cannot be used (too long, not UTF-8): reported, and the
    /// session goes on.
    Bad(Error),
    /// Ctrl-D or the end of the input.
    End,
}

/// Where the lines of a session come from.
pub trait LineSource {
    /// The next line; `names` (steps and variables) are what Tab completes
    /// besides functions and commands.
    fn read(&mut self, names: &[String]) -> Result<Line>;

    /// Where the last line is, for the errors of a script (`stdin, line 3`).
    fn place(&self) -> Option<String> {
        None
    }

    /// Whether a person types the lines: the exit code is then 0, since each
    /// error was seen when it happened.
    fn is_terminal(&self) -> bool {
        false
    }
}

/// The longest line a script may have.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Plain lines from a reader (a pipe, a file, a test's text).
pub struct Plain<R> {
    reader: R,
    origin: String,
    line: u64,
}

impl<R: BufRead> Plain<R> {
    pub fn new(reader: R, origin: &str) -> Self {
        Plain {
            reader,
            origin: origin.to_string(),
            line: 0,
        }
    }
}

impl<R: BufRead> LineSource for Plain<R> {
    fn read(&mut self, _names: &[String]) -> Result<Line> {
        let mut buf = Vec::new();
        let read_error = |e: io::Error, origin: &str| {
            Error::new(ErrorKind::Read {
                what: origin.to_string(),
                reason: e.to_string(),
            })
        };
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .map_err(|e| read_error(e, &self.origin))?;
        if n == 0 {
            return Ok(Line::End);
        }
        self.line += 1;
        if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            // The rest of the line is skipped a bounded piece at a time.
            loop {
                buf.clear();
                let n = (&mut self.reader)
                    .take(limit)
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| read_error(e, &self.origin))?;
                if n == 0 || buf.last() == Some(&b'\n') {
                    break;
                }
            }
            return Ok(Line::Bad(Error::new(ErrorKind::Limit(format!(
                "the line is longer than {} MiB",
                MAX_LINE_BYTES >> 20
            )))));
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        match String::from_utf8(buf) {
            Ok(text) => Ok(Line::Text(text)),
            Err(_) => Ok(Line::Bad(Error::new(ErrorKind::Input(
                "the line is not UTF-8 text".into(),
            )))),
        }
    }

    fn place(&self) -> Option<String> {
        Some(format!("{}, line {}", self.origin, self.line))
    }
}

/// Runs a session until `:quit` or the end of its lines: results to `out`,
/// errors and warnings to `err`. The exit code: 0 on a terminal; for a
/// script the most serious of its lines' (2 bad input, then 3 a value not
/// finite, then 1 a check failed), so a script can tell that a line failed.
/// An error that ends the session (stdin cannot be read) is returned.
pub fn drive(
    session: &mut Session,
    lines: &mut dyn LineSource,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let mut worst = 0;
    loop {
        let names = session.names();
        let line = match lines.read(&names)? {
            Line::Text(text) => text,
            Line::Cancelled => {
                writeln!(
                    err,
                    "(Ctrl-C cancels the line; :quit or Ctrl-D leaves the session)"
                )?;
                continue;
            }
            Line::End => break,
            Line::Bad(e) => {
                let e = with_place(e, lines.place());
                writeln!(err, "{}", session.paint_error(&e.report()))?;
                worst = more_serious(worst, e.exit_code());
                continue;
            }
        };
        let mut warn = |notice: Notice| {
            let _ = writeln!(err, "{notice}");
        };
        let result = session.handle(&line, out, &mut warn);
        // Results come before the next prompt or the next line's error.
        let flushed = out.flush();
        match result {
            Ok(Flow::Go) => {}
            Ok(Flow::Failed) => worst = more_serious(worst, 1),
            Ok(Flow::Quit) => break,
            // The reader of the results has gone: nothing more to say.
            Err(e) if matches!(e.kind, ErrorKind::BrokenPipe) => break,
            Err(e) => {
                let e = with_place(e, lines.place());
                writeln!(err, "{}", session.paint_error(&e.report()))?;
                worst = more_serious(worst, e.exit_code());
            }
        }
        if let Err(e) = flushed {
            if e.kind() == io::ErrorKind::BrokenPipe {
                break;
            }
            return Err(e.into());
        }
    }
    Ok(if lines.is_terminal() { 0 } else { worst })
}

fn with_place(e: Error, place: Option<String>) -> Error {
    match place {
        Some(place) => e.with_note(format!("at: {place}")),
        None => e,
    }
}

/// The more serious of two exit codes: 2, then 3, then 1 (README, "Exit codes").
fn more_serious(a: u8, b: u8) -> u8 {
    let rank = |code: u8| match code {
        0 => 0,
        1 => 1,
        3 => 2,
        2 => 3,
        _ => 4,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// What a line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Go,
    /// A check of `:expect` failed.
    Failed,
    Quit,
}

/// A named step of the program.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    /// `z = w*x + b`, as typed.
    text: String,
}

/// The origin of errors in the line just typed.
const INPUT: &str = "input";
/// The origin of errors in earlier steps (the lines of `:list`).
const PROGRAM: &str = "program";

/// The session's state: the steps, the point, the last expression.
pub struct Session {
    steps: Vec<Step>,
    /// The point: each variable's value, in the order first given.
    point: Vec<(String, f64)>,
    /// The variables the steps use, for Tab.
    variables: Vec<String>,
    /// The last bare expression evaluated (`:explain`, `:expect`, `:save`).
    last: Option<String>,
    options: Options,
    stderr_color: bool,
    /// Each step lowered once, with its value at the point.
    known: steps::Known,
}

/// A piece of the program's text that came from the line being handled:
/// where it starts in the program, its length, where it starts in the line.
type Piece = (usize, usize, usize);

/// What to evaluate: a step by its name, or an expression after the steps.
enum Target<'t> {
    Step(&'t str),
    Expression { text: &'t str, offset: usize },
}

impl Session {
    /// A session with no steps and no point; `options` (digits, colour,
    /// tolerance…) apply to every evaluation.
    pub fn new(options: Options, stderr_color: bool) -> Self {
        Session {
            steps: Vec::new(),
            point: Vec::new(),
            variables: Vec::new(),
            last: None,
            options,
            stderr_color,
            known: steps::Known::default(),
        }
    }

    /// The names Tab completes besides functions: steps, then variables.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.steps.iter().map(|s| s.name.clone()).collect();
        for name in self
            .variables
            .iter()
            .chain(self.point.iter().map(|(n, _)| n))
        {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The program the steps make, one a line (what `:save` writes).
    pub fn program(&self) -> String {
        let texts: Vec<&str> = self.steps.iter().map(|s| s.text.as_str()).collect();
        texts.join("\n")
    }

    fn paint_error(&self, report: &str) -> String {
        match report.strip_prefix("error:") {
            Some(rest) if self.stderr_color => format!("{}{rest}", "error:".red().bold()),
            _ => report.to_string(),
        }
    }

    /// Handles one line: a command, statements, or an expression.
    pub fn handle(
        &mut self,
        line: &str,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let line = crate::input::nfc(line);
        let start = line.len() - line.trim_start().len();
        match line.trim_start().strip_prefix(':') {
            Some(rest) => self.command(&line, start + 1, rest.trim_end(), out, warn),
            None if line.trim().is_empty() => Ok(Flow::Go),
            None => self.enter(&line, out, warn),
        }
    }

    /// `:name args`: `at` is where `rest` starts in `line`.
    fn command(
        &mut self,
        line: &str,
        at: usize,
        rest: &str,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let name_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let name = &rest[..name_len];
        let args = rest[name_len..].trim_start();
        let args_at = at + rest.len() - args.len();
        let matching: Vec<&Command> = match COMMANDS.iter().find(|c| c.name == name) {
            Some(exact) => vec![exact],
            None if name.is_empty() => Vec::new(),
            None => COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(name))
                .collect(),
        };
        match matching.as_slice() {
            [command] => {
                let call = Call {
                    line,
                    args,
                    args_at,
                };
                (command.run)(self, &call, out, warn)
            }
            _ => {
                let span = Span::new(at - 1, at + name_len);
                let what = match matching.len() {
                    0 => format!("unknown command `:{name}`"),
                    _ => format!("`:{name}` could be several commands"),
                };
                let names: Vec<String> = COMMANDS.iter().map(|c| format!(":{}", c.name)).collect();
                Err(Error::at(ErrorKind::Input(what), span)
                    .with_help(format!("the commands: {}", names.join(", ")))
                    .in_source(line, INPUT))
            }
        }
    }

    /// Statements and an expression: the statements become steps (one of
    /// an existing name replaces that step where it is), the expression is
    /// evaluated at the point and shown as the table.
    fn enter(
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
        let graph = Graph::lower(program, of).map_err(|e| locate(e, &source, &pieces, line))?;
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
            let texts: Vec<(&str, &str)> = self
                .steps
                .iter()
                .map(|s| (s.name.as_str(), s.text.as_str()))
                .collect();
            self.known.rebuild(&texts, &self.point)?;
        } else {
            let names: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
            for i in self.steps.len() - named.len()..self.steps.len() {
                let lowered = self.known.lower(&self.steps[i].text, &names[..i])?;
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
    fn near_name(&self, name: &str) -> Option<String> {
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
    fn show_step(&self, name: &str, out: &mut dyn Write) -> Result<()> {
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
        let value = self.known.value_of(i).unwrap_or(f64::NAN);
        let value = number::format_digits(value, self.options.digits);
        writeln!(out, "{name} = {value}")?;
        Ok(())
    }

    /// Whether `parsed` only adds steps of new names (no bare expression,
    /// no name already a step or a variable of one): then each is lowered
    /// alone, in the time of its own line.
    fn new_steps_only(&self, parsed: &crate::ast::Program<'_>) -> bool {
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
    fn add_steps(
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
                    self.known.lower(text, &names).map_err(in_line)
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

    /// The graph's variables that the point has no value for.
    fn missing(&self, graph: &Graph) -> Vec<String> {
        let given = |v: &String| self.point.iter().any(|(n, _)| n == v);
        graph
            .variables()
            .iter()
            .filter(|v| !given(v))
            .cloned()
            .collect()
    }

    /// The point's values of the graph's variables (all given).
    fn values(&self, graph: &Graph) -> Vec<f64> {
        let value = |v: &String| self.point.iter().find(|(n, _)| n == v).map(|p| p.1);
        graph
            .variables()
            .iter()
            .map(|v| value(v).unwrap_or(f64::NAN))
            .collect()
    }

    /// The point's bindings of the graph's variables (all given), and
    /// their text as `--at` would write them (for messages).
    fn bindings(&self, graph: &Graph) -> (String, Vec<crate::bindings::Binding>) {
        let mut text = String::new();
        let mut list = Vec::with_capacity(graph.variables().len());
        for (name, value) in graph.variables().iter().zip(self.values(graph)) {
            if !text.is_empty() {
                text.push(',');
            }
            let start = text.len();
            text.push_str(&format!("{name}={}", number::format(value)));
            list.push(crate::bindings::Binding {
                name: name.clone(),
                value,
                span: Span::new(start, text.len()),
            });
        }
        (text, list)
    }

    /// Runs `target` through the pipeline at the point with `options`
    /// (the table, `:explain`, `:expect`); errors point into `line`.
    fn evaluate(
        &self,
        target: &Target,
        options: Options,
        line: &str,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let (source, pieces) = compose(&self.steps, target);
        let options = Options {
            of: match target {
                Target::Step(name) => Some(name.to_string()),
                Target::Expression { .. } => None,
            },
            ..options
        };
        let located = |e: Error| locate(e, &source, &pieces, line);
        let mode = options.mode();
        options
            .check(
                &mode,
                crate::options::Given {
                    at: 1,
                    ..Default::default()
                },
            )
            .map_err(located)?;
        let compiled =
            crate::compile::compile(&source, PROGRAM, options.of.as_deref()).map_err(located)?;
        let missing = self.missing(&compiled.graph);
        // Formulas need no point: without a whole one, they come alone.
        if !missing.is_empty() && !options.symbolic.symbolic {
            return Err(Error::new(ErrorKind::MissingBindings(missing.clone()))
                .with_help(format!("give it a value: {}", fix(&missing))));
        }
        // Only the variables this expression uses: the point may hold more.
        let point = match missing.is_empty() {
            true => vec![self.bindings(&compiled.graph)],
            false => Vec::new(),
        };
        let summary = crate::front::run_compiled(
            vec![compiled],
            &options,
            &mode,
            PointSource::At(point),
            out,
            warn,
        )
        .map_err(located)?;
        Ok(match summary.failed {
            0 => Flow::Go,
            _ => Flow::Failed,
        })
    }

    /// `:train PARAMS [OPTIONS]`: the command line's training on the last
    /// expression at the point, then the point takes the trained values.
    fn train(
        &mut self,
        call: &Call,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        use clap::Parser;
        /// `:train`'s arguments: the command line's training flags.
        #[derive(Parser)]
        #[command(name = ":train", no_binary_name = true, disable_help_flag = true)]
        struct TrainLine {
            #[command(flatten)]
            args: crate::train::TrainArgs,
            /// Write out each update, as the command line's --explain.
            #[arg(long)]
            explain: bool,
        }
        let mut words = call.args.split_whitespace();
        let Some(params) = words.next() else {
            return Err(Error::new(ErrorKind::Usage(
                ":train needs the parameters to train, e.g. :train w,b --lr 0.1 --steps 5".into(),
            )));
        };
        let tokens = ["--train", params].into_iter().chain(words);
        let line = TrainLine::try_parse_from(tokens).map_err(|e| {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            Error::new(ErrorKind::Usage(
                first.trim_start_matches("error: ").to_string(),
            ))
        })?;
        let target = self.last_target(":train")?;
        let (source, pieces) = compose(&self.steps, &target);
        let of = match target {
            Target::Step(name) => Some(name.to_string()),
            Target::Expression { .. } => None,
        };
        let located = |e: Error| locate(e, &source, &pieces, call.line);
        let compiled = crate::compile::compile(&source, PROGRAM, of.as_deref()).map_err(located)?;
        let graph = compiled.graph;
        let missing = self.missing(&graph);
        if !missing.is_empty() {
            return Err(Error::new(ErrorKind::MissingBindings(missing.clone()))
                .with_help(format!("give it a value: {}", fix(&missing))));
        }
        let at: Vec<String> = graph
            .variables()
            .iter()
            .zip(self.values(&graph))
            .map(|(name, value)| format!("{name}={}", number::format(value)))
            .collect();
        let config = line.args.config(false, self.options.threads)?;
        // The session's output is a terminal or a script's pipe: `--plot`
        // draws with `always`, and with `auto` on a terminal.
        let plot = match line.args.plot {
            Some(crate::train::PlotWhen::Always) => true,
            Some(crate::train::PlotWhen::Auto) => io::stdout().is_terminal(),
            None => false,
        };
        let look = crate::train::log::Look {
            format: Format::Table,
            explain: line.explain,
            digits: self.options.digits,
            color: self.options.color,
            plot: plot.then(crate::train::log::PlotStyle::from_env),
            ascii: false,
        };
        let data = crate::train::Data {
            at: vec![at.join(",")],
            points: None,
        };
        let mut warning = |m: String| warn(Notice::Warning(m));
        let trained = crate::train::train(&graph, &config, data, &look, out, &mut warning)
            .map_err(located)?;
        for (name, value) in config.params.iter().zip(trained) {
            if let Some(p) = self.point.iter_mut().find(|(n, _)| n == name) {
                p.1 = value;
            }
        }
        self.known.refresh(&self.point);
        writeln!(out, "the point is now {}", self.point_text())?;
        Ok(Flow::Go)
    }

    /// `:at` bindings (`text`, composed as `nfc`) merged into the point;
    /// `offset` is where they start in `line`.
    fn set_point(&mut self, line: &str, text: &str, offset: usize, origin: &str) -> Result<()> {
        let in_line = |e: Error| shift(e, offset, line.len()).in_source(line, origin);
        let bindings = crate::bindings::parse(text).map_err(in_line)?;
        for b in &bindings {
            if self.steps.iter().any(|s| s.name == b.name) {
                let what = format!(
                    "`{}` is a step of the program, so it cannot also be given a value",
                    b.name
                );
                return Err(in_line(Error::at(ErrorKind::Input(what), b.span)));
            }
        }
        for b in bindings {
            match self.point.iter_mut().find(|(n, _)| *n == b.name) {
                Some(p) => p.1 = b.value,
                None => self.point.push((b.name, b.value)),
            }
        }
        self.known.refresh(&self.point);
        Ok(())
    }

    /// `w=0.5, b=1`.
    fn point_text(&self) -> String {
        let items: Vec<String> = self
            .point
            .iter()
            .map(|(n, v)| format!("{n}={}", number::format(*v)))
            .collect();
        items.join(",")
    }

    /// The last expression, for `:explain` and `:expect`.
    fn last_target(&self, what: &str) -> Result<Target<'_>> {
        match &self.last {
            Some(name) if self.steps.iter().any(|s| s.name == *name) => Ok(Target::Step(name)),
            Some(text) => Ok(Target::Expression {
                text,
                offset: usize::MAX,
            }),
            None => Err(Error::new(ErrorKind::Input(format!(
                "{what} is about the last expression, and none was evaluated yet: type one, such as `x^2 + 1`"
            )))),
        }
    }
}

/// The program's text: the steps, then the expression (if any), one a
/// line; and where the expression is (a piece of the line, unless it is
/// not from the line: `offset` `usize::MAX`).
fn compose(steps: &[Step], target: &Target) -> (String, Vec<Piece>) {
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
fn locate(mut e: Error, source: &str, pieces: &[Piece], line: &str) -> Error {
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
fn shift(mut e: Error, by: usize, len: usize) -> Error {
    if let Some(span) = e.span {
        e.span = Some(Span::new(
            (span.start + by).min(len),
            (span.end + by).min(len),
        ));
    }
    e
}

/// `:at b=…,x=…`.
fn fix(missing: &[String]) -> String {
    let items: Vec<String> = missing.iter().map(|m| format!("{m}=…")).collect();
    format!(":at {}", items.join(","))
}

/// The arguments of a command, and where they are in the line typed.
struct Call<'l> {
    line: &'l str,
    args: &'l str,
    args_at: usize,
}

type Handler = fn(&mut Session, &Call, &mut dyn Write, &mut dyn FnMut(Notice)) -> Result<Flow>;

/// A `:command`: one entry of [`COMMANDS`].
pub struct Command {
    pub name: &'static str,
    /// The arguments as `:help` shows them.
    pub args: &'static str,
    pub help: &'static str,
    run: Handler,
}

/// The commands, in the order `:help` lists them. A command is typed as
/// `:name` or any unambiguous start of it (`:q`).
pub static COMMANDS: &[Command] = &[
    Command {
        name: "at",
        args: "[BINDINGS]",
        help: "set values of the point, e.g. `:at w=0.5,b=1` (the others are kept); alone, show the point",
        run: |s, call, out, warn| {
            if call.args.is_empty() {
                match s.point.is_empty() {
                    true => writeln!(out, "the point has no values yet: :at x=4,y=3")?,
                    false => writeln!(out, "{}", s.point_text())?,
                }
                return Ok(Flow::Go);
            }
            // A name no step uses, one edit from one that a step does
            // (`X` for `x`): the value goes in, with a warning.
            let before: Vec<String> = s.point.iter().map(|(n, _)| n.clone()).collect();
            s.set_point(call.line, call.args, call.args_at, INPUT)?;
            let new: Vec<String> = s
                .point
                .iter()
                .map(|(n, _)| n.clone())
                .filter(|n| !before.contains(n) && !s.variables.contains(n))
                .collect();
            for name in new {
                // Short names differ by one letter on purpose (`x`, `y`):
                // there only a different case is a slip.
                let near = s.variables.iter().find(|v| {
                    v.to_lowercase() == name.to_lowercase()
                        || (name.chars().count() > 2 && strsim::damerau_levenshtein(v, &name) == 1)
                });
                if let Some(near) = near {
                    warn(Notice::Warning(format!(
                        "no step uses `{name}` yet: did you mean `{near}`?"
                    )));
                }
            }
            Ok(Flow::Go)
        },
    },
    Command {
        name: "explain",
        args: "[EXPR]",
        help: "the forward and backward passes of the last expression (or EXPR), step by step",
        run: |s, call, out, warn| {
            let options = Options {
                explain: true,
                ..s.options.clone()
            };
            if call.args.is_empty() {
                let target = s.last_target(":explain")?;
                return s.evaluate(&target, options, call.line, out, warn);
            }
            // A step's name explains that step: ∂L/∂w, not ∂f/∂w of `f = L`.
            let target = match s.steps.iter().find(|st| st.name == call.args.trim()) {
                Some(step) => Target::Step(&step.name),
                None => Target::Expression {
                    text: call.args,
                    offset: call.args_at,
                },
            };
            s.evaluate(&target, options, call.line, out, warn)
        },
    },
    Command {
        name: "expect",
        args: "CHECKS",
        help: "check answers about the last expression, e.g. `:expect f=136, df/dx=16` (as --expect)",
        run: |s, call, out, warn| {
            if call.args.is_empty() {
                return Err(Error::new(ErrorKind::Usage(
                    ":expect needs the answers to check, e.g. :expect f=136, df/dx=16".into(),
                )));
            }
            // The verdicts show exact numbers: --digits has nothing to round.
            let options = Options {
                expect: vec![call.args.to_string()],
                digits: None,
                ..s.options.clone()
            };
            let target = s.last_target(":expect")?;
            let result = s.evaluate(&target, options, call.line, out, warn);
            // The pipeline places a check's error in `--expect`: here that is the line.
            result.map_err(|mut e| match e.place.as_deref() {
                Some(place) if place.contains("--> --expect:") => {
                    e.place = None;
                    shift(e, call.args_at, call.line.len()).in_source(call.line, INPUT)
                }
                _ => e,
            })
        },
    },
    Command {
        name: "symbolic",
        args: "[inline] [hessian]",
        help: "the gradient of the last expression as formulas, with values when the point has them (as --symbolic); `inline` names variables only, `hessian` adds the second derivatives",
        run: |s, call, out, warn| {
            let mut args = crate::symbolic::SymbolicArgs {
                symbolic: true,
                ..Default::default()
            };
            for word in call.args.split_whitespace() {
                match word {
                    "inline" => args.inline = true,
                    "hessian" => args.hessian = true,
                    _ => {
                        return Err(Error::new(ErrorKind::Usage(format!(
                            ":symbolic takes `inline` and `hessian`, not `{word}`"
                        ))))
                    }
                }
            }
            let options = Options {
                symbolic: args,
                ..s.options.clone()
            };
            let target = s.last_target(":symbolic")?;
            s.evaluate(&target, options, call.line, out, warn)
        },
    },
    Command {
        name: "train",
        args: "PARAMS [OPTIONS]",
        help: "train PARAMS of the last expression (the loss) from the point, as --train: e.g. `:train w,b --optim adam --lr 0.1 --steps 5`; the point then holds the trained values",
        run: |s, call, out, warn| s.train(call, out, warn),
    },
    Command {
        name: "list",
        args: "",
        help: "show the steps, the point and the last expression",
        run: |s, _, out, _| {
            if s.steps.is_empty() {
                writeln!(out, "no steps yet: a statement such as `z = w*x + b` adds one")?;
            }
            let width = s.steps.len().to_string().len();
            for (i, step) in s.steps.iter().enumerate() {
                writeln!(out, "{:>width$} | {}", i + 1, step.text)?;
            }
            match s.point.is_empty() {
                true => writeln!(out, "point: none yet (:at x=4,y=3)")?,
                false => writeln!(out, "point: {}", s.point_text())?,
            }
            if let Some(last) = &s.last {
                writeln!(out, "last expression: {last}")?;
            }
            Ok(Flow::Go)
        },
    },
    Command {
        name: "save",
        args: "FILE",
        help: "write the steps and the last expression as a program for `autograd-cli -f FILE`",
        run: |s, call, out, _| {
            if call.args.is_empty() {
                return Err(Error::new(ErrorKind::Usage(
                    ":save needs a file name, e.g. :save loss.txt".into(),
                )));
            }
            let text = s.saved_program(call.args)?;
            std::fs::write(call.args, text).map_err(|e| {
                Error::new(ErrorKind::Input(format!(
                    "cannot write `{}`: {e}",
                    call.args
                )))
            })?;
            writeln!(out, "saved to {}", call.args)?;
            Ok(Flow::Go)
        },
    },
    Command {
        name: "help",
        args: "",
        help: "this help",
        run: |_, _, out, _| {
            out.write_all(help().as_bytes())?;
            Ok(Flow::Go)
        },
    },
    Command {
        name: "quit",
        args: "",
        help: "leave the session (so does Ctrl-D; Ctrl-C only cancels the line)",
        run: |_, _, _, _| Ok(Flow::Quit),
    },
];

/// What `:help` prints: what a line does, then the commands.
pub fn help() -> String {
    let mut text = String::from(
        "A line is one of:
  name = expr        add a step (a step of that name is replaced where it is)
  expr               evaluate at the point, with the steps it uses: the table
  :command           one of the commands below (any unambiguous start: :q)
Several statements may share a line, separated by `;`.

",
    );
    let usage = |c: &Command| match c.args {
        "" => format!(":{}", c.name),
        args => format!(":{} {args}", c.name),
    };
    let width = COMMANDS.iter().map(|c| usage(c).len()).max().unwrap_or(0);
    for c in COMMANDS {
        text.push_str(&format!("  {:<width$}  {}\n", usage(c), c.help));
    }
    text.push_str("Tab completes names, functions and commands.\n");
    text
}

impl Session {
    /// The program `:save FILE` writes: a comment with the command that
    /// runs it at the session's point, the steps, then the last expression
    /// (the output; a step's name becomes `--of` when it is not the last).
    fn saved_program(&self, file: &str) -> Result<String> {
        let (source, of) = match &self.last {
            None if self.steps.is_empty() => {
                return Err(Error::new(ErrorKind::Input(
                    "nothing to save yet: add a step or evaluate an expression".into(),
                )))
            }
            None => (self.program(), None),
            Some(last) if self.steps.last().is_some_and(|s| s.name == *last) => {
                (self.program(), None)
            }
            Some(last) if self.steps.iter().any(|s| s.name == *last) => {
                (self.program(), Some(last.as_str()))
            }
            Some(last) => (
                compose(
                    &self.steps,
                    &Target::Expression {
                        text: last,
                        offset: 0,
                    },
                )
                .0,
                None,
            ),
        };
        let graph = Graph::lower(crate::parse::parse_program(&source)?, of)?;
        let mut command = format!("autograd-cli -f {file}");
        if let Some(of) = of {
            command.push_str(&format!(" --of {of}"));
        }
        let at: Vec<String> = graph
            .variables()
            .iter()
            .filter_map(|v| {
                let (n, value) = self.point.iter().find(|(n, _)| n == v)?;
                Some(format!("{n}={}", number::format(*value)))
            })
            .collect();
        if !at.is_empty() {
            command.push_str(&format!(" --at {}", at.join(",")));
        }
        Ok(format!(
            "# saved by an autograd-cli session; run it with:\n# {command}\n{source}\n"
        ))
    }
}

#[cfg(test)]
mod tests;
