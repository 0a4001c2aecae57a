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

mod commands;
mod enter;
mod lines;
mod point;
mod steps;
mod terminal;

use commands::*;
pub use commands::{help, COMMANDS};
use enter::*;
pub use lines::{Line, LineSource, Plain, MAX_LINE_BYTES};
pub use terminal::Terminal;

use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Notice, Options};
use owo_colors::OwoColorize;
use std::io::{self, IsTerminal, Write};

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
/// A lowering error's hint says how to give a tensor its value on the
/// command line; in a session that is `:at`.
fn at_in_a_session(mut e: Error) -> Error {
    if let Some(help) = &mut e.help {
        *help = help.replace(
            "with --at, e.g. --at 'x=[1,2]'",
            "with :at first, e.g. :at x=[1,2]",
        );
    }
    e
}

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
    /// The shapes of the point's vectors and matrices (SPEC §9, `:at
    /// W=[[…]]`): lowering needs them before the values.
    shapes: rustc_hash::FxHashMap<String, Vec<usize>>,
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
            shapes: rustc_hash::FxHashMap::default(),
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
            None => self.enter(&line, out, warn).map_err(at_in_a_session),
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
}

#[cfg(test)]
mod tests;
