//! Reading input with bounded memory: a program is read up to its size
//! limit and no further; a CSV of points up to a line-length limit, so that
//! `/dev/zero` or a file with no line breaks is refused early instead of
//! filling memory.

use crate::error::{Error, ErrorKind, Result};
use crate::parse::MAX_INPUT_BYTES;
use std::borrow::Cow;
use std::io::{self, Read};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `text` in Unicode's composed form (NFC), so that a name typed with a
/// combining accent (`y` + U+0302) and one pasted precomposed (`ŷ`) are the
/// same name. Borrowed when already composed, which is almost always.
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// The other spelling of a name with a numbered subscript: `w₁` ↔ `w_1`,
/// `x₁₂` ↔ `x_12` (a run of subscript digits, or `_` and ASCII digits not
/// at the start). They are two names in a program (README, "The
/// language"); an answer may write either, and a value given for one when
/// the program needs the other gets a hint. `None` when there is no
/// subscript.
pub fn subscript_twin(name: &str) -> Option<String> {
    const SUB: char = '\u{2080}';
    let sub = |c: char| ('\u{2080}'..='\u{2089}').contains(&c);
    let mut out = String::with_capacity(name.len() + 4);
    let mut changed = false;
    if name.chars().any(sub) {
        let mut prev_sub = false;
        for c in name.chars() {
            if sub(c) {
                if !prev_sub {
                    out.push('_');
                }
                out.push(char::from(b'0' + (c as u32 - SUB as u32) as u8));
                changed = true;
            } else {
                out.push(c);
            }
            prev_sub = sub(c);
        }
    } else {
        let chars: Vec<char> = name.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let digits = chars[i + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .count();
            if c == '_' && i > 0 && digits > 0 {
                for d in &chars[i + 1..=i + digits] {
                    let k = *d as u32 - '0' as u32;
                    out.push(char::from_u32(SUB as u32 + k).unwrap_or(*d));
                }
                changed = true;
                i += 1 + digits;
            } else {
                out.push(c);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

/// The longest line of a CSV file of points (a row of a few hundred
/// numbers is a few KiB).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads a whole program from `reader`, at most [`MAX_INPUT_BYTES`];
/// `origin` names it in errors (`stdin`, a file name).
pub fn read_program(reader: impl Read, origin: &str) -> Result<String> {
    let what = if origin == "stdin" {
        "the program from stdin".to_string()
    } else {
        format!("`{origin}`")
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::new(ErrorKind::Read {
                what: what.clone(),
                reason: e.to_string(),
            })
        })?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::new(ErrorKind::Limit(format!(
            "`{origin}` is more than {MAX_INPUT_BYTES} bytes; the limit is {MAX_INPUT_BYTES} bytes (16 MiB)"
        ))));
    }
    // A byte-order mark (Windows editors write one) is not part of the text.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(ErrorKind::Input(format!(
            "`{origin}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )))
    })
}

/// Opens a file to read, with an error that names it.
pub fn open(path: &str) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        Error::new(ErrorKind::Read {
            what: format!("`{path}`"),
            reason: e.to_string(),
        })
    })
}

/// A reader that fails once a line grows longer than [`MAX_LINE_BYTES`],
/// and counts lines, so the error can say where.
pub struct LineLimit<R> {
    inner: R,
    line_len: usize,
    /// Line breaks passed so far.
    pub lines: u64,
    /// Set when the limit stopped the reading.
    pub overlong: bool,
}

impl<R> LineLimit<R> {
    pub fn new(inner: R) -> Self {
        LineLimit {
            inner,
            line_len: 0,
            lines: 0,
            overlong: false,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.overlong {
            return Err(io::Error::other("line too long"));
        }
        // Never hand out more than the rest of the allowed line, so the
        // limit holds however large the caller's buffer is.
        let room = MAX_LINE_BYTES + 1 - self.line_len;
        let len = buf.len().min(room.max(1));
        let n = self.inner.read(&mut buf[..len])?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.lines += 1;
                self.line_len = 0;
            } else {
                self.line_len += 1;
            }
        }
        if self.line_len > MAX_LINE_BYTES {
            self.overlong = true;
            return Err(io::Error::other("line too long"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscript_twins() {
        assert_eq!(subscript_twin("w₁").as_deref(), Some("w_1"));
        assert_eq!(subscript_twin("x₁₂").as_deref(), Some("x_12"));
        assert_eq!(subscript_twin("w_1").as_deref(), Some("w₁"));
        assert_eq!(subscript_twin("x_12").as_deref(), Some("x₁₂"));
        assert_eq!(subscript_twin("h₀_out").as_deref(), Some("h_0_out"));
        assert_eq!(subscript_twin("_1"), None);
        assert_eq!(subscript_twin("y_hat"), None);
        assert_eq!(subscript_twin("w1"), None);
        assert_eq!(subscript_twin("w"), None);
    }

    #[test]
    fn a_program_is_read_up_to_the_limit_only() {
        let endless = io::repeat(b'x');
        let e = read_program(endless, "/dev/zero")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("`/dev/zero` is more than 16777216 bytes; the limit is 16777216 bytes (16 MiB)")
        );
        assert_eq!(
            read_program(&b"x^2"[..], "stdin").ok().as_deref(),
            Some("x^2")
        );
    }

    #[test]
    fn lines_are_bounded_and_counted() {
        let mut r = LineLimit::new(&b"a\nbb\n"[..]);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_ok());
        assert_eq!(r.lines, 2);
        let mut r = LineLimit::new(io::repeat(0).take(MAX_LINE_BYTES as u64 * 3));
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert!(r.overlong);
        assert_eq!(r.lines, 0);
    }
}
