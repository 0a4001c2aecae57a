//! `--points FILE.csv`: many points, streamed in constant memory. A header
//! row names the variables, in any order; other columns (a student's id,
//! answers) pass through to the output. Then one row a point. Lines are
//! bounded ([`MAX_LINE_BYTES`]), so memory is bounded whatever the file
//! holds.

use crate::error::{Error, ErrorKind, Result};
use crate::input::{LineLimit, MAX_LINE_BYTES};
use std::io::{Chain, Cursor, Read};

/// The stream the csv reader reads: the header line (read first, to find
/// the separator), then the rest, blank lines kept visible.
type Stream<R> = LineLimit<BlankLines<Chain<Cursor<Vec<u8>>, R>>>;

pub struct Points<R: Read> {
    reader: csv::Reader<Stream<R>>,
    /// For each of the graph's variables, its column.
    columns: Vec<usize>,
    header: csv::StringRecord,
    record: csv::ByteRecord,
    origin: String,
    /// The header's columns as the output shows them.
    pub layout: Header,
    /// Variables every row shares (`--at` with `--points`), by index, and
    /// a row's values before they join them.
    shared: Vec<(usize, f64)>,
    read: Vec<f64>,
}

/// The columns of a CSV file of points, in the file's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub names: Vec<String>,
    /// For each column, the graph variable it holds; `None` for a column
    /// that passes through (`student`, an answer).
    pub variable: Vec<Option<usize>>,
    /// The column that names each row (`student`): the first that is not a
    /// variable nor an answer, or `--id` (see [`Header::choose_id`]).
    pub id: Option<usize>,
}

impl Header {
    /// The variables in the order the file has them.
    pub fn variable_order(&self) -> Vec<usize> {
        self.variable.iter().flatten().copied().collect()
    }

    /// Sets [`Header::id`]: the column named `wanted` (`--id`), else the
    /// first column that is neither a variable nor in `answers`.
    pub fn choose_id(
        &mut self,
        answers: &[usize],
        wanted: Option<&str>,
    ) -> std::result::Result<(), String> {
        self.id = match wanted {
            Some(name) => Some(self.names.iter().position(|n| n == name).ok_or_else(|| {
                format!(
                    "--id {name}: no such column (the header has: {})",
                    self.names.join(", ")
                )
            })?),
            None => {
                (0..self.names.len()).find(|c| self.variable[*c].is_none() && !answers.contains(c))
            }
        };
        Ok(())
    }

    /// Whether the file is just the variables, in the graph's order.
    pub fn is_plain(&self) -> bool {
        self.variable.iter().enumerate().all(|(c, v)| *v == Some(c))
    }
}

/// The header line, read a byte at a time (the input is buffered), with
/// its line break; bounded by [`MAX_LINE_BYTES`]. The caller puts it back
/// in front of the rest (`Cursor::new(line).chain(input)`).
pub fn first_line<R: Read>(input: &mut R, origin: &str) -> Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    loop {
        match input.read(&mut byte) {
            Ok(0) => return Ok(line),
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    return Ok(line);
                }
                if line.len() > MAX_LINE_BYTES {
                    return Err(bad(
                        origin,
                        1,
                        format!(
                            "the line is longer than {MAX_LINE_BYTES} bytes (1 MiB), the most a row may be"
                        ),
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(bad(origin, 1, format!("cannot read the header row ({e})"))),
        }
    }
}

/// The separator of a file, from its header: `;` or a tab when the header
/// has more of them than commas (what spreadsheets write where the comma
/// is the decimal mark), else `,`.
fn separator(header: &[u8]) -> u8 {
    // Outside brackets: `W[0,1];W[1,0]` is separated by `;`.
    let mut depth = 0i32;
    let outside: Vec<u8> = header
        .iter()
        .filter(|&&c| {
            match c {
                b'[' => depth += 1,
                b']' => depth -= 1,
                _ => {}
            }
            depth <= 0
        })
        .copied()
        .collect();
    let header = outside.as_slice();
    let count = |b: u8| header.iter().filter(|&&c| c == b).count();
    let commas = count(b',');
    [b';', b'\t']
        .into_iter()
        .filter(|&b| count(b) > commas)
        .max_by_key(|&b| count(b))
        .unwrap_or(b',')
}

/// A header with `W[0,1]` in a comma-separated file: each bracketed name
/// put in quotes, so that its comma stays in the name (what pandas writes
/// is quoted already).
fn quote_bracketed(line: Vec<u8>, delimiter: u8) -> Vec<u8> {
    if delimiter != b',' || !line.contains(&b'[') || line.contains(&b'"') {
        return line;
    }
    let mut out = Vec::with_capacity(line.len() + 8);
    let mut depth = 0i32;
    let mut field: Vec<u8> = Vec::new();
    let flush = |field: &mut Vec<u8>, out: &mut Vec<u8>| {
        let inner = field
            .iter()
            .position(|&c| c == b'[')
            .is_some_and(|i| field[i..].contains(&b','));
        match inner {
            true => {
                out.push(b'"');
                out.extend_from_slice(field);
                out.push(b'"');
            }
            false => out.extend_from_slice(field),
        }
        field.clear();
    };
    for &c in &line {
        match c {
            b'[' => depth += 1,
            b']' => depth -= 1,
            _ => {}
        }
        if (c == b',' && depth <= 0) || c == b'\n' || c == b'\r' {
            flush(&mut field, &mut out);
            out.push(c);
        } else {
            field.push(c);
        }
    }
    flush(&mut field, &mut out);
    out
}

/// The element a column names: `x[1]` is (`x`, `[1]`), `W[0, 1]` is (`W`,
/// `[0, 1]`); `None` for a plain name. `Err` for brackets that hold no
/// index (`x[a]`, `x[]`, `x[-1]`).
pub fn element(name: &str) -> std::result::Result<Option<(&str, Vec<usize>)>, String> {
    let Some((base, rest)) = name.split_once('[') else {
        return Ok(None);
    };
    let bad = || {
        format!("column `{name}`: an element is named by its indices from 0, as `x[0]` or `W[1,0]`")
    };
    let inside = rest.strip_suffix(']').ok_or_else(bad)?;
    let indices: Vec<usize> = inside
        .split(',')
        .map(|i| i.trim().parse::<usize>().map_err(|_| bad()))
        .collect::<std::result::Result<_, _>>()?;
    if !crate::parse::is_name(base.trim()) || indices.len() > 2 {
        return Err(bad());
    }
    Ok(Some((base.trim(), indices)))
}

/// The shapes of the tensors a header's columns fill (`x[0],x[1]` fill a
/// vector x of 2; `W[0,0],W[0,1],W[1,0],W[1,1]` a 2×2 matrix), from its
/// line as [`first_line`] read it. Every element must have its column.
pub fn header_shapes(
    line: &[u8],
    origin: &str,
) -> Result<rustc_hash::FxHashMap<String, Vec<usize>>> {
    let delimiter = separator(line);
    let line = quote_bracketed(line.to_vec(), delimiter);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(line.as_slice());
    let mut record = csv::StringRecord::new();
    let mut shapes = rustc_hash::FxHashMap::default();
    if !matches!(reader.read_record(&mut record), Ok(true)) || !line.contains(&b'[') {
        return Ok(shapes);
    }
    // Each tensor's elements, in the header's order of first sight.
    let mut seen: Vec<(String, Vec<Vec<usize>>)> = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    for name in record.iter() {
        let name = crate::input::nfc(name);
        match element(&name).map_err(|reason| bad(origin, 1, reason))? {
            None => plain.push(name.into_owned()),
            Some((base, index)) => match seen.iter_mut().find(|(b, _)| b == base) {
                Some((_, all)) => all.push(index),
                None => seen.push((base.to_string(), vec![index])),
            },
        }
    }
    for (base, all) in &seen {
        let rank = all[0].len();
        if all.iter().any(|i| i.len() != rank) {
            return Err(bad(
                origin,
                1,
                format!("the columns of `{base}` mix one index and two (a vector `{base}[0]` or a matrix `{base}[0,0]`)"),
            ));
        }
        if plain.iter().any(|p| p == base) {
            return Err(bad(
                origin,
                1,
                format!("`{base}` is a column and so are its elements (`{base}[…]`): give one or the other"),
            ));
        }
        let shape: Vec<usize> = (0..rank)
            .map(|axis| all.iter().map(|i| i[axis] + 1).max().unwrap_or(0))
            .collect();
        let size: usize = shape.iter().product();
        let mut present = vec![false; size];
        for i in all {
            let flat = match i.as_slice() {
                [r, c] => r * shape[1] + c,
                [k] => *k,
                _ => 0,
            };
            present[flat] = true;
        }
        let missing: Vec<String> = (0..size)
            .filter(|&f| !present[f])
            .map(|f| crate::bindings::element_name(base, &shape, f))
            .collect();
        if !missing.is_empty() {
            let shown = match missing.len() {
                n if n > 8 => format!("{} and {} more", missing[..8].join(", "), n - 8),
                _ => missing.join(", "),
            };
            let what = match shape.as_slice() {
                [r, c] => format!("a {r}×{c} matrix"),
                [n] => format!("a vector of {n}"),
                _ => String::new(),
            };
            return Err(Error::new(ErrorKind::Usage(format!(
                "{origin}: the header makes `{base}` {what}, but has no column for {shown}: give every element its column"
            ))));
        }
        shapes.insert(base.clone(), shape);
    }
    Ok(shapes)
}

/// A reader that puts a space on each blank line outside quotes, so that
/// the csv reader sees it (it skips empty lines without counting them), and
/// reads a CRLF line break outside quotes as LF (the csv reader's line
/// numbers lag behind with CRLF: BurntSushi/rust-csv#395). Its line
/// numbers are then the file's own.
pub struct BlankLines<R> {
    inner: R,
    /// The last byte passed on, whether a quote is open, and whether a CR
    /// waits to see if a LF follows.
    last: u8,
    quoted: bool,
    cr: bool,
    chunk: Vec<u8>,
}

impl<R> BlankLines<R> {
    pub fn new(inner: R) -> Self {
        BlankLines {
            inner,
            last: b'\n',
            quoted: false,
            cr: false,
            chunk: Vec::new(),
        }
    }
}

impl<R: Read> Read for BlankLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Each byte in gives at most two out (a space, or a held CR, and
        // itself): read less than half.
        if buf.len() < 4 {
            let mut small = [0u8; 4];
            let n = self.read(&mut small)?;
            let n = n.min(buf.len());
            buf[..n].copy_from_slice(&small[..n]);
            return Ok(n);
        }
        let want = buf.len() / 2 - 1;
        self.chunk.resize(want, 0);
        let n = self.inner.read(&mut self.chunk[..want])?;
        let mut out = 0;
        if n == 0 && self.cr {
            self.cr = false;
            buf[0] = b'\r';
            return Ok(1);
        }
        for &b in &self.chunk[..n] {
            if std::mem::take(&mut self.cr) && b != b'\n' {
                buf[out] = b'\r';
                out += 1;
                self.last = b'\r';
            }
            if !self.quoted && b == b'\r' {
                self.cr = true;
                continue;
            }
            if !self.quoted && self.last == b'\n' && b == b'\n' {
                buf[out] = b' ';
                out += 1;
            }
            if b == b'"' {
                self.quoted = !self.quoted;
            }
            buf[out] = b;
            out += 1;
            self.last = b;
        }
        Ok(out)
    }
}

/// A CSV error in the user's words, naming the file and the line.
fn bad(origin: &str, line: u64, reason: String) -> Error {
    Error::new(ErrorKind::Csv {
        origin: origin.to_string(),
        line,
        column: None,
        reason,
    })
}

/// The error for a failed read: the line limit, or what the csv crate says.
fn read_error<R: Read>(
    reader: &csv::Reader<Stream<R>>,
    origin: &str,
    e: &csv::Error,
    what: &str,
) -> Error {
    let limit = reader.get_ref();
    if limit.overlong {
        return bad(
            origin,
            limit.lines + 1,
            format!(
                "the line is longer than {MAX_LINE_BYTES} bytes (1 MiB), the most a row may be"
            ),
        );
    }
    let line = e.position().map_or(limit.lines + 1, |p| p.line());
    bad(origin, line, format!("cannot read the {what} ({e})"))
}

impl<R: Read> Points<R> {
    /// Reads the header and matches it to the graph's variables; every
    /// missing variable is named in one error.
    pub fn new(input: R, variables: &[String], origin: &str) -> Result<Self> {
        let all: Vec<usize> = (0..variables.len()).collect();
        Self::for_variables(input, variables, &all, origin)
    }

    /// As [`Points::new`], with values every row shares (`--at w=0.5,b=1`
    /// with `--points`): the file holds the other variables, and a point
    /// holds every variable in the graph's order. A variable in both, or a
    /// name that is no variable, is a usage error.
    pub fn with_shared(
        input: R,
        variables: &[String],
        shared: &[crate::bindings::Binding],
        origin: &str,
    ) -> Result<Self> {
        let mut given = Vec::with_capacity(shared.len());
        for b in shared {
            match variables.iter().position(|v| *v == b.name) {
                Some(v) => given.push((v, b.value)),
                None => {
                    return Err(Error::new(ErrorKind::Usage(format!(
                        "--at {}={}: the program has no variable `{}` (it has: {})",
                        b.name,
                        crate::number::format(b.value),
                        b.name,
                        variables.join(", ")
                    ))))
                }
            }
        }
        let wanted: Vec<usize> = (0..variables.len())
            .filter(|v| !given.iter().any(|(g, _)| g == v))
            .collect();
        let mut points = Self::for_variables(input, variables, &wanted, origin)?;
        if let Some((v, _)) = given
            .iter()
            .find(|(v, _)| points.layout.names.iter().any(|n| *n == variables[*v]))
        {
            return Err(Error::new(ErrorKind::Usage(format!(
                "`{}` is given by --at and is a column of {origin}: give each variable once (--at for the values every row shares)",
                variables[*v]
            ))));
        }
        given.sort_by_key(|(v, _)| *v);
        points.shared = given;
        Ok(points)
    }

    /// As [`Points::new`], for some of the graph's variables only (the
    /// others have values from elsewhere: `--train`'s parameters); a point
    /// holds their values in the order of `wanted`.
    pub fn for_variables(
        mut input: R,
        variables: &[String],
        wanted: &[usize],
        origin: &str,
    ) -> Result<Self> {
        let first = first_line(&mut input, origin)?;
        let delimiter = separator(&first);
        let first = quote_bracketed(first, delimiter);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .delimiter(delimiter)
            .trim(csv::Trim::All)
            .from_reader(LineLimit::new(BlankLines::new(
                Cursor::new(first).chain(input),
            )));
        let header = match reader.headers() {
            // Names compare composed (NFC), as in the program.
            // `W[0, 1]` is the element `W[0,1]`.
            Ok(header) => header
                .iter()
                .map(|h| match element(h) {
                    Ok(Some((base, index))) => {
                        let index: Vec<String> = index.iter().map(usize::to_string).collect();
                        crate::input::nfc(&format!("{base}[{}]", index.join(","))).into_owned()
                    }
                    _ => crate::input::nfc(h).into_owned(),
                })
                .collect::<csv::StringRecord>(),
            Err(e) => return Err(read_error(&reader, origin, &e, "header row")),
        };
        if header.is_empty() || header.iter().all(str::is_empty) {
            return Err(bad(
                origin,
                1,
                "no header row: the first line names the variables, e.g. `x,y,z`".into(),
            ));
        }
        let mut columns = Vec::with_capacity(variables.len());
        let mut missing = Vec::new();
        for v in wanted.iter().filter_map(|&v| variables.get(v)) {
            match header.iter().position(|h| h == v) {
                Some(c) => columns.push(c),
                None => missing.push(v.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(
                Error::new(ErrorKind::MissingBindings(missing)).with_help(format!(
                    "{origin}: the header row must name every variable (it has: {})",
                    header.iter().collect::<Vec<_>>().join(", ")
                )),
            );
        }
        for (i, h) in header.iter().enumerate() {
            if header.iter().take(i).any(|earlier| earlier == h) {
                return Err(bad(
                    origin,
                    1,
                    format!("column `{h}` appears twice in the header"),
                ));
            }
        }
        let layout = Header {
            names: header.iter().map(str::to_string).collect(),
            variable: header
                .iter()
                .map(|h| variables.iter().position(|v| v == h))
                .collect(),
            id: None,
        };
        Ok(Points {
            reader,
            columns,
            header,
            record: csv::ByteRecord::new(),
            origin: origin.to_string(),
            layout,
            shared: Vec::new(),
            read: Vec::new(),
        })
    }

    /// The text of column `c` in the row last read.
    pub fn cell(&self, c: usize) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.record.get(c).unwrap_or_default())
    }

    /// The line number of the row last read.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// Reads the next point into `values`; `Ok(false)` at the end. Blank
    /// lines are skipped (and counted in line numbers).
    pub fn next_point(&mut self, values: &mut Vec<f64>) -> Result<bool> {
        if self.shared.is_empty() {
            return self.next_row(values);
        }
        let mut read = std::mem::take(&mut self.read);
        let more = self.next_row(&mut read);
        if let Ok(true) = more {
            // The file's values, in order, around the shared ones.
            values.clear();
            let mut from_file = read.iter();
            let mut shared = self.shared.iter().peekable();
            for v in 0..read.len() + self.shared.len() {
                match shared.peek() {
                    Some((s, value)) if *s == v => {
                        values.push(*value);
                        shared.next();
                    }
                    _ => values.extend(from_file.next()),
                }
            }
        }
        self.read = read;
        more
    }

    /// The variables of the next row, as the file has them.
    fn next_row(&mut self, values: &mut Vec<f64>) -> Result<bool> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) => {}
                Err(e) => return Err(read_error(&self.reader, &self.origin, &e, "row")),
            }
            let blank = self.record.len() == 1 && self.record[0].trim_ascii().is_empty();
            if !blank {
                break;
            }
        }
        let line = self.line();
        if self.record.len() != self.header.len() {
            return Err(bad(
                &self.origin,
                line,
                format!(
                    "{} fields, but the header has {} ({})",
                    self.record.len(),
                    self.header.len(),
                    self.header.iter().collect::<Vec<_>>().join(",")
                ),
            ));
        }
        values.clear();
        for &c in &self.columns {
            let raw = &self.record[c];
            let value = std::str::from_utf8(raw)
                .ok()
                .and_then(|t| t.trim().parse::<f64>().ok());
            if let Some(v) = value.filter(|v| v.is_finite()) {
                values.push(v);
                continue;
            }
            // A decimal comma (`0,5`), as spreadsheets write in much of Europe.
            let comma = std::str::from_utf8(raw)
                .ok()
                .filter(|t| t.matches(',').count() == 1 && !t.contains('.'))
                .and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok());
            if let Some(v) = comma.filter(|v| v.is_finite()) {
                values.push(v);
                continue;
            }
            // The rare bad cell: only now is its text needed.
            let text = String::from_utf8_lossy(raw);
            let reason = match value {
                // As in --at: `1e400` is not infinity.
                Some(v) if !v.is_nan() && !text.to_ascii_lowercase().contains("inf") => {
                    format!("`{text}` is too large to be a number")
                }
                _ => format!("`{text}` is not a number"),
            };
            return Err(Error::new(ErrorKind::Csv {
                origin: self.origin.clone(),
                line,
                column: Some((c + 1, self.header[c].to_string())),
                reason,
            }));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_comes_from_the_header() {
        assert_eq!(separator(b"student,w,x\n"), b',');
        assert_eq!(separator(b"student;w;x\n"), b';');
        assert_eq!(separator(b"student\tw\tx\n"), b'\t');
        assert_eq!(separator(b"x\n"), b',');
        assert_eq!(separator(b"a;b,c;d,e\n"), b',', "a tie stays a comma");
    }

    #[test]
    fn blank_lines_become_visible_outside_quotes() {
        let mut out = String::new();
        let input = &b"x,y\n1,2\n\n3,\"a\n\nb\"\r\n\r\n4,5\n"[..];
        let read = BlankLines::new(input).read_to_string(&mut out);
        assert!(read.is_ok());
        assert_eq!(out, "x,y\n1,2\n \n3,\"a\n\nb\"\n \n4,5\n");
        let mut out = String::new();
        let read = BlankLines::new(&b"a\r\n\r\nb\rc\r"[..]).read_to_string(&mut out);
        assert!(read.is_ok());
        assert_eq!(out, "a\n \nb\rc\r", "a lone CR stays");
    }
}
