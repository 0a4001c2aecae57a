//! The training log, one row a step, as a table, CSV or JSON (SPEC §7),
//! with `--explain`'s updates and `--plot`'s loss curve. Rows are written
//! as the steps go, so a long run shows progress and holds no log in memory
//! (only the losses, for the plot).

use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::number;
use crate::pipeline::Format;
use crate::report::json::{push_number, push_string};
use std::io::Write;

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

/// The characters of the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotStyle {
    Unicode,
    /// For terminals without Unicode: the same drawing in `+-|/\`.
    Ascii,
}

impl PlotStyle {
    /// Unicode when the locale says UTF-8 (`LC_ALL`, `LC_CTYPE`, `LANG`, the
    /// first one set), ASCII otherwise.
    pub fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        match locale.contains("utf-8") || locale.contains("utf8") {
            true => PlotStyle::Unicode,
            false => PlotStyle::Ascii,
        }
    }
}

/// One step, as the log shows it: the loss and the parameters before the
/// update, and the gradient that made it.
pub struct StepRecord<'a> {
    pub step: u64,
    pub epoch: u64,
    /// Rows in the step's batch.
    pub rows: usize,
    pub loss: f64,
    pub params: &'a [f64],
    pub grads: &'a [f64],
    /// `--explain`'s lines for the update, when asked.
    pub explained: &'a str,
}

/// Writes the log.
pub struct Logger<'a> {
    look: &'a Look,
    names: &'a [&'a str],
    /// The loss's name (`L`), for ∂L/∂w.
    output: String,
    dataset: bool,
    losses: Vec<f64>,
    /// Column width of the table.
    width: usize,
    /// The other variables' values (one example's data), for the `--at` line.
    data: Vec<(String, f64)>,
}

/// The loss curve's size: wide enough to see a trend, short enough to fit
/// beside the log in an 80-column terminal.
pub const PLOT_WIDTH: u32 = 60;
pub const PLOT_HEIGHT: u32 = 12;

impl<'a> Logger<'a> {
    pub fn new(look: &'a Look, graph: &Graph, names: &'a [&'a str], dataset: bool) -> Self {
        let width = match look.digits {
            Some(d) => d + 8,
            None => 22,
        };
        Logger {
            look,
            names,
            output: graph.name(graph.output()).to_string(),
            dataset,
            losses: Vec::new(),
            width,
            data: Vec::new(),
        }
    }

    /// The example's data, which the final `--at` line gives after the
    /// parameters so that it runs as printed.
    pub fn with_data(mut self, data: Vec<(String, f64)>) -> Self {
        self.data = data;
        self
    }

    fn num(&self, x: f64) -> String {
        number::format_digits(x, self.look.digits)
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

    fn table_row(&self, out: &mut String, cells: &[String]) {
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < cells.len() {
                let pad = self.width.saturating_sub(c.chars().count()).max(2);
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }

    /// The header (table, CSV) or the opening of the document (JSON).
    pub fn begin(&mut self, out: &mut dyn Write) -> Result<()> {
        let mut text = String::new();
        match self.look.format {
            Format::Json => text.push_str("{\n  \"steps\": ["),
            Format::Csv => {
                let mut cells = vec!["step".to_string()];
                if self.dataset {
                    cells.push("epoch".into());
                }
                cells.push("loss".into());
                cells.extend(self.names.iter().map(|n| n.to_string()));
                cells.extend(self.names.iter().map(|n| format!("d{}/d{n}", self.output)));
                let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            _ if self.look.explain => {}
            _ => {
                let mut cells = vec!["step".to_string()];
                if self.dataset {
                    cells.push("epoch".into());
                }
                cells.push(self.output.clone());
                cells.extend(self.names.iter().map(|n| n.to_string()));
                let d = if self.look.ascii { "d" } else { "∂" };
                cells.extend(
                    self.names
                        .iter()
                        .map(|n| format!("{d}{}/{d}{n}", self.output)),
                );
                self.table_row(&mut text, &cells);
            }
        }
        write_all(out, &text)
    }

    /// One step's row.
    pub fn step(&mut self, out: &mut dyn Write, r: &StepRecord<'_>) -> Result<()> {
        if self.look.plot.is_some() {
            self.losses.push(r.loss);
        }
        let mut text = String::new();
        match self.look.format {
            Format::Json => {
                let mut b = Vec::with_capacity(128);
                b.extend_from_slice(if r.step == 1 { b"\n" } else { b",\n" });
                b.extend_from_slice(format!("    {{\"step\": {}", r.step).as_bytes());
                if self.dataset {
                    b.extend_from_slice(
                        format!(", \"epoch\": {}, \"rows\": {}", r.epoch, r.rows).as_bytes(),
                    );
                }
                b.extend_from_slice(b", \"loss\": ");
                push_number(&mut b, r.loss);
                b.extend_from_slice(b", \"params\": ");
                self.json_object(&mut b, r.params);
                b.extend_from_slice(b", \"gradient\": ");
                self.json_object(&mut b, r.grads);
                b.push(b'}');
                return out.write_all(&b).map_err(write_error);
            }
            Format::Csv => {
                let mut cells = vec![r.step.to_string()];
                if self.dataset {
                    cells.push(r.epoch.to_string());
                }
                cells.push(number::format(r.loss));
                cells.extend(r.params.iter().map(|&x| number::format(x)));
                cells.extend(r.grads.iter().map(|&x| number::format(x)));
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            _ if self.look.explain => {
                let of = match self.dataset {
                    true => format!(" (epoch {}, {} rows)", r.epoch, r.rows),
                    false => String::new(),
                };
                text.push_str(&format!(
                    "step {}{of}: {} = {}\n",
                    r.step,
                    self.output,
                    self.num(r.loss)
                ));
                let grads: Vec<String> = self
                    .names
                    .iter()
                    .zip(r.grads)
                    .map(|(n, &g)| format!("∂{}/∂{n} = {}", self.output, self.num(g)))
                    .collect();
                text.push_str(&format!("  {}\n", grads.join(", ")));
                text.push_str(r.explained);
            }
            _ => {
                let mut cells = vec![r.step.to_string()];
                if self.dataset {
                    cells.push(r.epoch.to_string());
                }
                cells.push(self.num(r.loss));
                cells.extend(r.params.iter().map(|&x| self.num(x)));
                cells.extend(r.grads.iter().map(|&x| self.num(x)));
                self.table_row(&mut text, &cells);
            }
        }
        write_all(out, &text)
    }

    fn json_object(&self, b: &mut Vec<u8>, values: &[f64]) {
        b.push(b'{');
        for (i, (n, &x)) in self.names.iter().zip(values).enumerate() {
            if i > 0 {
                b.extend_from_slice(b", ");
            }
            push_string(b, n);
            b.extend_from_slice(b": ");
            push_number(b, x);
        }
        b.push(b'}');
    }

    /// The parameters as `--at` takes them, exact.
    pub fn at_line(&self, params: &[f64]) -> String {
        let parts: Vec<String> = self
            .names
            .iter()
            .zip(params)
            .map(|(n, &x)| format!("{n}={}", number::format(x)))
            .chain(
                self.data
                    .iter()
                    .map(|(n, x)| format!("{n}={}", number::format(*x))),
            )
            .collect();
        parts.join(",")
    }

    /// The final parameters and loss, and the `--at` line; then the plot.
    pub fn end(&mut self, out: &mut dyn Write, params: &[f64], loss: f64) -> Result<()> {
        let at = self.at_line(params);
        let mut text = String::new();
        match self.look.format {
            Format::Json => {
                let mut b = Vec::new();
                b.extend_from_slice(b"\n  ],\n  \"params\": ");
                self.json_object(&mut b, params);
                b.extend_from_slice(b",\n  \"loss\": ");
                push_number(&mut b, loss);
                b.extend_from_slice(b",\n  \"at\": ");
                push_string(&mut b, &at);
                b.extend_from_slice(b"\n}\n");
                return out.write_all(&b).map_err(write_error);
            }
            Format::Csv => {
                // The final row: no step, no gradient (none was computed there).
                let mut cells = vec!["final".to_string()];
                if self.dataset {
                    cells.push(String::new());
                }
                cells.push(number::format(loss));
                cells.extend(params.iter().map(|&x| number::format(x)));
                cells.extend(params.iter().map(|_| String::new()));
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            _ => {
                text.push('\n');
                text.push_str(&format!(
                    "after the last update: {} = {}\n",
                    self.output,
                    self.num(loss)
                ));
                for (n, &x) in self.names.iter().zip(params) {
                    text.push_str(&format!("{n} = {}\n", self.num(x)));
                }
                text.push_str(&format!("--at {at}\n"));
            }
        }
        if let Some(style) = self.look.plot {
            text.push('\n');
            text.push_str(&plot(&self.losses, style, &self.output));
        }
        write_all(out, &text)
    }

    /// Closes the log after an error (the error itself goes to stderr):
    /// a JSON document stays valid, with the error in it.
    pub fn abort(&mut self, out: &mut dyn Write, e: &Error) -> Result<()> {
        if self.look.format == Format::Json {
            let mut b = b"\n  ],\n  \"error\": ".to_vec();
            push_string(&mut b, &e.kind.to_string());
            b.extend_from_slice(b"\n}\n");
            out.write_all(&b).map_err(write_error)?;
        }
        Ok(())
    }
}

fn csv_cell(text: &str) -> String {
    match text.contains([',', '"', '\n']) {
        true => format!("\"{}\"", text.replace('"', "\"\"")),
        false => text.to_string(),
    }
}

fn write_error(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => Error::new(ErrorKind::BrokenPipe),
        _ => Error::new(ErrorKind::Write(e.to_string())),
    }
}

fn write_all(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes()).map_err(write_error)
}

/// The loss curve, one value a step, [`PLOT_WIDTH`] × [`PLOT_HEIGHT`]
/// (rasciigraph; its box-drawing characters become `+-|` in ASCII).
pub fn plot(losses: &[f64], style: PlotStyle, name: &str) -> String {
    let (min, max) = losses
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if losses.len() < 2 || !(min.is_finite() && max.is_finite()) {
        return format!(
            "(a curve of {name} needs two steps or more; this run took {})\n",
            losses.len()
        );
    }
    // rasciigraph scales to whole rows from the values themselves: a curve
    // far from zero compared with its range would need billions of rows.
    if max - min <= max.abs().max(min.abs()) * 1e-6 {
        return format!(
            "({name} stays at {} within 1e-6 over the {} steps: a flat line)\n",
            number::format(min),
            losses.len()
        );
    }
    let width = PLOT_WIDTH.min(losses.len().max(2) as u32);
    let config = rasciigraph::Config::default()
        .with_height(PLOT_HEIGHT)
        .with_width(width)
        .with_caption(format!("{name} at each of the {} steps", losses.len()));
    let text = rasciigraph::plot(losses.to_vec(), config);
    let text = match style {
        PlotStyle::Unicode => text,
        PlotStyle::Ascii => text
            .chars()
            .map(|c| match c {
                '─' => '-',
                '│' => '|',
                '┤' | '┼' => '+',
                '╭' | '╯' => '/',
                '╮' | '╰' => '\\',
                other => other,
            })
            .collect(),
    };
    let mut text = text.trim_end().to_string();
    text.push('\n');
    text
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

    #[test]
    fn the_plot_in_both_styles() {
        let losses: Vec<f64> = (0..40).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let unicode = plot(&losses, PlotStyle::Unicode, "L");
        assert!(
            unicode.contains('┤') && unicode.contains("L at each of the 40 steps"),
            "{unicode}"
        );
        let ascii = plot(&losses, PlotStyle::Ascii, "L");
        assert!(ascii.is_ascii(), "{ascii}");
        assert_eq!(ascii.lines().count(), unicode.lines().count());
        assert!(plot(&[1.0], PlotStyle::Ascii, "L").contains("this run took 1"));
        assert!(plot(&[1e9, 1e9 + 1e-3], PlotStyle::Ascii, "L").contains("flat line"));
    }
}
