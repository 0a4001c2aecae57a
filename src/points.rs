//! `--points FILE.csv`: many points, streamed in constant memory. A header
//! row names the variables, in any order; other columns (a student's id,
//! answers) pass through to the output. Then one row a point. Lines are
//! bounded ([`MAX_LINE_BYTES`]), so memory is bounded whatever the file
//! holds.

use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::input::{LineLimit, MAX_LINE_BYTES};
use std::io::Read;

pub struct Points<R: Read> {
    reader: csv::Reader<LineLimit<R>>,
    /// For each of the graph's variables, its column.
    columns: Vec<usize>,
    header: csv::StringRecord,
    record: csv::ByteRecord,
    origin: String,
    /// The header's columns as the output shows them.
    pub layout: Header,
}

/// The columns of a CSV file of points, in the file's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub names: Vec<String>,
    /// For each column, the graph variable it holds; `None` for a column
    /// that passes through (`student`, an answer).
    pub variable: Vec<Option<usize>>,
}

impl Header {
    /// The variables in the order the file has them.
    pub fn variable_order(&self) -> Vec<usize> {
        self.variable.iter().flatten().copied().collect()
    }

    /// Whether the file is just the variables, in the graph's order.
    pub fn is_plain(&self) -> bool {
        self.variable.iter().enumerate().all(|(c, v)| *v == Some(c))
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
    reader: &csv::Reader<LineLimit<R>>,
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
    pub fn new(input: R, graph: &Graph, origin: &str) -> Result<Self> {
        let all: Vec<usize> = (0..graph.variables().len()).collect();
        Self::for_variables(input, graph, &all, origin)
    }

    /// As [`Points::new`], for some of the graph's variables only (the
    /// others have values from elsewhere: `--train`'s parameters); a point
    /// holds their values in the order of `wanted`.
    pub fn for_variables(input: R, graph: &Graph, wanted: &[usize], origin: &str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(LineLimit::new(input));
        let header = match reader.headers() {
            // Names compare composed (NFC), as in the program.
            Ok(header) => header
                .iter()
                .map(crate::input::nfc)
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
        let mut columns = Vec::with_capacity(graph.variables().len());
        let mut missing = Vec::new();
        for v in wanted.iter().filter_map(|&v| graph.variables().get(v)) {
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
                .map(|h| graph.variables().iter().position(|v| v == h))
                .collect(),
        };
        Ok(Points {
            reader,
            columns,
            header,
            record: csv::ByteRecord::new(),
            origin: origin.to_string(),
            layout,
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

    /// Reads the next point into `values`; `Ok(false)` at the end.
    pub fn next_point(&mut self, values: &mut Vec<f64>) -> Result<bool> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(e) => return Err(read_error(&self.reader, &self.origin, &e, "row")),
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
