//! Where a session's lines come from: the [`LineSource`] trait and
//! [`Plain`] lines from a pipe or a file (the terminal's is `terminal.rs`).

use crate::error::{Error, ErrorKind, Result};
use std::io::{self, BufRead, Read};

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
