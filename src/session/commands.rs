//! THE command table (`COMMANDS`: name, arguments, help, handler; a
//! command is one entry), `:help` and `:save`.

use super::*;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Notice, Options};
use std::io::Write;

/// The arguments of a command, and where they are in the line typed.
pub(super) struct Call<'l> {
    pub(super) line: &'l str,
    pub(super) args: &'l str,
    pub(super) args_at: usize,
}

pub(super) type Handler =
    fn(&mut Session, &Call, &mut dyn Write, &mut dyn FnMut(Notice)) -> Result<Flow>;

/// A `:command`: one entry of [`COMMANDS`].
pub struct Command {
    pub name: &'static str,
    /// The arguments as `:help` shows them.
    pub args: &'static str,
    pub help: &'static str,
    pub(super) run: Handler,
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
                // A tensor's element (`W[0,2]`): its tensor was given whole.
                .filter(|n| !n.contains('['))
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
    pub(super) fn saved_program(&self, file: &str) -> Result<String> {
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
        let graph = self.compile(&source, of, true)?.graph;
        let mut command = format!("autograd-cli -f {file}");
        if let Some(of) = of {
            command.push_str(&format!(" --of {of}"));
        }
        let at = self.at_text(graph.variables());
        if !at.is_empty() {
            // `[` is a shell pattern: a tensor's value goes in quotes.
            match at.contains('[') {
                true => command.push_str(&format!(" --at '{at}'")),
                false => command.push_str(&format!(" --at {at}")),
            }
        }
        Ok(format!(
            "# saved by an autograd-cli session; run it with:\n# {command}\n{source}\n"
        ))
    }
}
