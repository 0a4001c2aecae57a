//! The training log's driver: what the log looks like (from the options),
//! the format's writer ([`crate::report::log::LogSink`]), and what every
//! format shares (the losses for `--plot`, the final `--at` line).

use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::number;
use crate::pipeline::Format;
use crate::report::log::{LogEnd, LogFrame, LogSink};
use std::io::Write;

pub use crate::report::log::{ParamTensor, StepRecord};
pub use crate::report::plot::{plot, PlotStyle};

/// How the log looks: from the command line's options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub format: Format,
    pub explain: bool,
    pub digits: Option<usize>,
    pub color: bool,
    /// Draw the loss curve after the log, in this style.
    pub plot: Option<PlotStyle>,
    /// The terminal cannot show `∂`: the table's header says `dL/dw`.
    pub ascii: bool,
}

/// Writes the log.
pub struct Logger<'a> {
    look: &'a Look,
    names: &'a [&'a str],
    /// The loss's name (`L`), for ∂L/∂w.
    output: String,
    dataset: bool,
    sink: Box<dyn LogSink>,
    losses: Vec<f64>,
    /// The other variables' values (one example's data) as `--at`
    /// bindings (`x=[2, 1]`, `y=1`), for the `--at` line.
    data: Vec<String>,
    /// The tensor parameters among `names`.
    tensors: Vec<ParamTensor>,
    /// `--save FILE`.
    save: Option<String>,
}

/// The longest `--at` line the table prints; a longer one is saved with
/// `--save FILE` and read back with `--at @FILE`.
pub const AT_LINE_MAX: usize = 4000;

impl<'a> Logger<'a> {
    pub fn new(look: &'a Look, graph: &Graph, names: &'a [&'a str], dataset: bool) -> Self {
        let sink: Box<dyn LogSink> = match look.format {
            Format::Json => Box::new(crate::report::json::JsonLog),
            Format::Csv => Box::new(crate::report::csv::CsvLog),
            _ => Box::new(crate::report::table::TableLog {
                explain: look.explain,
            }),
        };
        Logger {
            look,
            names,
            output: graph.name(graph.output()).to_string(),
            dataset,
            sink,
            losses: Vec::new(),
            data: Vec::new(),
            tensors: Vec::new(),
            save: None,
        }
    }

    /// The tensor parameters among the names (their columns are grouped).
    pub fn with_tensors(mut self, tensors: Vec<ParamTensor>) -> Self {
        self.tensors = tensors;
        self
    }

    /// `--save FILE`: the end writes the parameters there.
    pub fn with_save(mut self, save: Option<String>) -> Self {
        self.save = save;
        self
    }

    /// The example's data, which the final `--at` line gives after the
    /// parameters so that it runs as printed.
    pub fn with_data(mut self, data: Vec<String>) -> Self {
        self.data = data;
        self
    }

    /// Whether each update is written out.
    pub fn explains(&self) -> bool {
        self.look.explain
    }

    /// The number formatter of `--explain`.
    pub fn formatter(&self) -> impl Fn(f64) -> String {
        let digits = self.look.digits;
        move |x| number::format_digits(x, digits)
    }

    /// The header (table, CSV) or the opening of the document (JSON).
    pub fn begin(&mut self, out: &mut dyn Write) -> Result<()> {
        self.emit(out, 0, |sink, frame, text| sink.begin(frame, text))
    }

    /// What `write` has the sink write, with the frame every row shares,
    /// written to `out` at once.
    fn emit(
        &mut self,
        out: &mut dyn Write,
        capacity: usize,
        write: impl FnOnce(&mut dyn LogSink, &LogFrame<'_>, &mut Vec<u8>),
    ) -> Result<()> {
        let mut text = Vec::with_capacity(capacity);
        // Built from the fields, not `&self`, so the sink is borrowed beside it.
        let frame = LogFrame {
            names: self.names,
            output: &self.output,
            dataset: self.dataset,
            digits: self.look.digits,
            ascii: self.look.ascii,
            tensors: &self.tensors,
        };
        write(self.sink.as_mut(), &frame, &mut text);
        write_all(out, &text)
    }

    /// One step's row.
    pub fn step(&mut self, out: &mut dyn Write, r: &StepRecord<'_>) -> Result<()> {
        if self.look.plot.is_some() {
            self.losses.push(r.loss);
        }
        self.emit(out, 128, |sink, frame, text| sink.step(frame, r, text))
    }

    /// The parameters as `--at` takes them, exact.
    pub fn at_line(&self, params: &[f64]) -> String {
        self.bindings(params).join(",")
    }

    /// Each parameter (a tensor whole: `W=[[…]]`) and the example's data
    /// as `--at` takes them, exact.
    fn bindings(&self, params: &[f64]) -> Vec<String> {
        let units = crate::report::log::units(self.names.len(), &self.tensors);
        units
            .into_iter()
            .map(|u| match u {
                Ok(i) => format!("{}={}", self.names[i], number::format(params[i])),
                Err(t) => {
                    let t = &self.tensors[t];
                    let values = &params[t.range.clone()];
                    format!("{}={}", t.name, t.array(values, number::format))
                }
            })
            .chain(self.data.iter().cloned())
            .collect()
    }

    /// The final parameters and loss, and the `--at` line; then the plot.
    pub fn end(&mut self, out: &mut dyn Write, params: &[f64], loss: f64) -> Result<()> {
        let mut at = self.at_line(params);
        if let Some(path) = &self.save {
            let mut text = self.bindings(params).join("\n");
            text.push('\n');
            std::fs::write(path, text)
                .map_err(|e| Error::new(ErrorKind::Write(format!("--save {path}: {e}"))))?;
            at = format!("@{path}");
        } else if at.chars().count() > AT_LINE_MAX && self.look.format == Format::Table {
            at = format!(
                "… ({} characters, too long to show: --save FILE writes them to a file that --at @FILE reads)",
                at.chars().count()
            );
        }
        let end = LogEnd {
            params,
            loss,
            at: &at,
        };
        // JSON is one document: the curve is for the text formats.
        let curve = match (self.look.plot, self.look.format == Format::Json) {
            (Some(style), false) => Some(plot(&self.losses, style, &self.output)),
            _ => None,
        };
        self.emit(out, 0, |sink, frame, text| {
            sink.end(frame, &end, text);
            if let Some(curve) = curve {
                text.push(b'\n');
                text.extend_from_slice(curve.as_bytes());
            }
        })
    }

    /// Closes the log after an error (the error itself goes to stderr):
    /// a JSON document stays valid, with the error in it.
    pub fn abort(&mut self, out: &mut dyn Write, e: &Error) -> Result<()> {
        let error = e.kind.to_string();
        self.emit(out, 0, |sink, frame, text| sink.abort(frame, &error, text))
    }
}

fn write_all(out: &mut dyn Write, text: &[u8]) -> Result<()> {
    out.write_all(text).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Error::new(ErrorKind::BrokenPipe),
        _ => Error::new(ErrorKind::Write(e.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_falls_back_to_d_where_the_terminal_lacks_unicode() {
        let graph = crate::parse::parse_program("L = (w*x - y)^2")
            .and_then(|p| Graph::lower(p, None))
            .expect("the test's program");
        for (ascii, header) in [(false, "∂L/∂w"), (true, "dL/dw")] {
            let look = Look {
                format: Format::Table,
                explain: false,
                digits: None,
                color: false,
                plot: None,
                ascii,
            };
            let names = ["w"];
            let mut logger = Logger::new(&look, &graph, &names, false);
            let mut out = Vec::new();
            logger.begin(&mut out).expect("a header");
            let text = String::from_utf8_lossy(&out).into_owned();
            assert!(text.contains(header), "{text}");
            assert_eq!(text.contains('∂'), !ascii, "{text}");
        }
    }
}
