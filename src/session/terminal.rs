//! The session on a terminal: rustyline's line editor, Tab completion of
//! names, functions and commands, and history in the user's data directory
//! (`$XDG_DATA_HOME/autograd-cli/history`, else
//! `~/.local/share/autograd-cli/history`).

use super::{Line, LineSource, COMMANDS};
use crate::error::{Error, ErrorKind, Result};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::io::Write;
use std::path::PathBuf;

const PROMPT: &str = "autograd> ";

/// Lines typed at a terminal.
pub struct Terminal {
    editor: Option<Editor<Completion, FileHistory>>,
    history: Option<PathBuf>,
}

impl Terminal {
    /// The editor with the history loaded; a problem with the history is a
    /// warning on `err`, never an error. Without a usable terminal the
    /// session ends at once with a warning.
    pub fn new(err: &mut dyn Write) -> Self {
        let history = dirs::data_dir().map(|d| d.join("autograd-cli").join("history"));
        let config = rustyline::Config::builder()
            .auto_add_history(false)
            .max_history_size(1000)
            .map_or_else(|_| rustyline::Config::default(), |b| b.build());
        let editor = match Editor::with_config(config) {
            Ok(mut editor) => {
                editor.set_helper(Some(Completion::default()));
                if let Some(path) = history.as_ref().filter(|p| p.exists()) {
                    if let Err(e) = editor.load_history(path) {
                        let _ = writeln!(
                            err,
                            "warning: cannot read the history {}: {e}",
                            path.display()
                        );
                    }
                }
                Some(editor)
            }
            Err(e) => {
                let _ = writeln!(err, "warning: no line editor on this terminal: {e}");
                None
            }
        };
        Terminal { editor, history }
    }

    /// Writes the history; failing to is a warning on `err`.
    pub fn save_history(&mut self, err: &mut dyn Write) {
        let (Some(editor), Some(path)) = (self.editor.as_mut(), self.history.as_ref()) else {
            return;
        };
        let saved = match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir).map_err(ReadlineError::from),
            None => Ok(()),
        }
        .and_then(|()| editor.save_history(path));
        if let Err(e) = saved {
            let _ = writeln!(
                err,
                "warning: cannot write the history {}: {e}",
                path.display()
            );
        }
    }
}

impl LineSource for Terminal {
    fn read(&mut self, names: &[String]) -> Result<Line> {
        let Some(editor) = self.editor.as_mut() else {
            return Ok(Line::End);
        };
        if let Some(helper) = editor.helper_mut() {
            helper.names = names.to_vec();
        }
        match editor.readline(PROMPT) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    // A history that cannot take the line is no reason to stop.
                    let _ = editor.add_history_entry(line.as_str());
                }
                Ok(Line::Text(line))
            }
            Err(ReadlineError::Interrupted) => Ok(Line::Cancelled),
            Err(ReadlineError::Eof) => Ok(Line::End),
            Err(e) => Err(Error::new(ErrorKind::Read {
                what: "the terminal".into(),
                reason: e.to_string(),
            })),
        }
    }

    fn is_terminal(&self) -> bool {
        true
    }
}

/// Tab: commands after `:`, else the session's names, the functions (with
/// their `(`) and the constants.
#[derive(Default)]
pub struct Completion {
    names: Vec<String>,
}

/// Whether `c` can be part of a name (letters of any script, digits, `_`,
/// and the combining marks and primes a name may carry).
fn in_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '\'' || ('\u{300}'..='\u{36f}').contains(&c)
}

impl Completion {
    #[cfg(test)]
    pub fn with_names(names: Vec<String>) -> Self {
        Completion { names }
    }

    /// The word before `pos` and the candidates that complete it.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let pos = pos.min(line.len());
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| in_name(c))
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &line[start..pos];
        let trimmed = before.trim_start();
        if trimmed.starts_with(':') && !trimmed.contains(char::is_whitespace) {
            let pairs = COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(word))
                .map(|c| pair(c.name, format!("{} ", c.name)))
                .collect();
            return (start, pairs);
        }
        if word.is_empty() {
            return (start, Vec::new());
        }
        let mut pairs: Vec<Pair> = Vec::new();
        let names = self.names.iter().map(String::as_str);
        for name in names.chain(["pi", "e"]) {
            if name.starts_with(word) && !pairs.iter().any(|p| p.display == name) {
                pairs.push(pair(name, name.to_string()));
            }
        }
        for f in crate::ops::FUNCTIONS.iter() {
            if f.starts_with(word) && !pairs.iter().any(|p| p.display == *f) {
                pairs.push(pair(f, format!("{f}(")));
            }
        }
        (start, pairs)
    }
}

fn pair(display: &str, replacement: String) -> Pair {
    Pair {
        display: display.to_string(),
        replacement,
    }
}

impl Completer for Completion {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {}
impl Helper for Completion {}
