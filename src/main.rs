//! The command line (SPEC §3): read the program and the points, run the
//! library, print. No math here.

use anyhow::Context as _;
use autograd::bindings;
use autograd::check::{self, Expectation};
use autograd::points::Points;
use autograd::report::{csv as csv_out, dot, explain, json, table, View};
use autograd::{parse, Error, Evaluation, Graph};
use clap::{CommandFactory, Parser, ValueEnum};
use owo_colors::OwoColorize;
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

/// Differentiate an expression: every node of its computational graph with
/// its value (forward pass) and its gradient (backward pass).
#[derive(Debug, Parser)]
#[command(
    name = "autograd-cli",
    version,
    after_help = "Examples:
  autograd-cli \"(2*x+y^2)*z^3\" --at x=4,y=3,z=2
  autograd-cli 'z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)' --at w=0.5,b=1,x=2,y=1
  autograd-cli \"(2*x+y^2)*z^3\" --at x=4,y=3,z=2 --expect 'f=136, df/dx=16, g4=17'
  autograd-cli \"(2*x+y^2)*z^3\" --at x=4,y=3,z=2 --explain
  autograd-cli -f loss.txt --points data.csv --format csv

Exit codes: 0 success, 1 a check failed, 2 bad input, 3 a value is not finite."
)]
struct Cli {
    /// The expression or program (`name = expr` statements separated by `;`
    /// or newlines); `-` reads it from stdin.
    #[arg(
        value_name = "EXPR",
        required_unless_present_any = ["file", "completions", "man"],
        conflicts_with = "file",
        allow_hyphen_values = true
    )]
    expr: Option<String>,

    /// Read the expression or program from FILE (`-` for stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,

    /// Values of the variables, e.g. `x=4,y=3,z=2` (values may be constant
    /// expressions such as `1/3` or `-pi/2`). Repeat for several points.
    #[arg(short = 'a', long = "at", value_name = "BINDINGS")]
    at: Vec<String>,

    /// Read many points from a CSV file (`-` for stdin): a header row of
    /// variable names, then one row a point. Streamed in constant memory.
    #[arg(long, value_name = "FILE", conflicts_with = "at")]
    points: Option<String>,

    /// Differentiate the statement NAME instead of the last one.
    #[arg(long = "of", value_name = "NAME")]
    of: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// Check answers, e.g. 'f=136, df/dx=16, g4=17': node values and
    /// gradients (df/dNODE or ∂f/∂NODE); values may be expressions. Exit 1
    /// when a check fails.
    #[arg(long, value_name = "CHECKS")]
    expect: Option<String>,

    /// Compare every gradient with central finite differences; exit 1 when
    /// one is off by more than the tolerance (default 1e-6).
    #[arg(long)]
    gradcheck: bool,

    /// Tolerance for --expect (relative, against max(1, |expected|)) and
    /// --gradcheck, instead of the defaults.
    #[arg(long, value_name = "TOL", value_parser = parse_tolerance)]
    tol: Option<f64>,

    /// Write out the forward and backward passes step by step, lecture style.
    #[arg(long)]
    explain: bool,

    /// When to colour the output: auto means when stdout is a terminal and
    /// NO_COLOR is not set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Round numbers to N significant digits for display (table, dot, --explain).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: Option<u8>,

    /// Keep going when a value is infinite or NaN (printed as inf/NaN, or
    /// null in JSON) instead of stopping with exit code 3.
    #[arg(long)]
    allow_nonfinite: bool,

    /// Print a completion script for SHELL and exit.
    #[arg(long, value_name = "SHELL")]
    completions: Option<clap_complete::Shell>,

    /// Print the manual page (roff) and exit.
    #[arg(long)]
    man: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "`{text}` is not a tolerance (a number ≥ 0, such as 1e-6)"
        )),
    }
}

/// A failure already rendered for the user, with its exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn from_error(e: &Error, source: &str, origin: &str) -> Self {
        Failure {
            message: e.render(source, origin),
            code: e.exit_code(),
        }
    }

    fn input(e: anyhow::Error) -> Self {
        Failure {
            message: format!("error: {e:#}"),
            code: 2,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(failure) => {
            let stderr = io::stderr();
            let color = stderr.is_terminal() && !no_color_env();
            let message = match failure.message.strip_prefix("error:") {
                Some(rest) if color => format!("{}{rest}", "error:".red().bold()),
                _ => failure.message,
            };
            let _ = writeln!(stderr.lock(), "{message}");
            ExitCode::from(failure.code)
        }
    }
}

fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Warnings go to stderr; after many (a million-row batch), the rest are counted.
struct Warnings {
    shown: usize,
    hidden: usize,
}

impl Warnings {
    const MAX: usize = 20;

    fn warn(&mut self, message: &str) {
        if self.shown >= Self::MAX {
            self.hidden += 1;
            return;
        }
        self.shown += 1;
        let stderr = io::stderr();
        let color = stderr.is_terminal() && !no_color_env();
        let label = if color {
            "warning:".yellow().bold().to_string()
        } else {
            "warning:".to_string()
        };
        let _ = writeln!(stderr.lock(), "{label} {message}");
    }

    fn finish(&self) {
        if self.hidden > 0 {
            let _ = writeln!(
                io::stderr().lock(),
                "warning: {} more warnings not shown",
                self.hidden
            );
        }
    }
}

fn read_source(cli: &Cli) -> Result<(String, String), Failure> {
    let path = match (&cli.expr, &cli.file) {
        (Some(e), None) if e != "-" => return Ok((e.clone(), "expression".into())),
        (Some(_), None) => "-".to_string(),
        (_, Some(path)) => path.clone(),
        (None, None) => {
            return Err(Failure::input(anyhow::anyhow!(
                "no expression given: autograd-cli \"EXPR\" --at x=…"
            )))
        }
    };
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .take(parse::MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .context("cannot read the program from stdin")
            .map_err(Failure::input)?;
        buf
    } else {
        std::fs::read(&path)
            .with_context(|| format!("cannot read `{path}`"))
            .map_err(Failure::input)?
    };
    let origin = if path == "-" {
        "stdin".to_string()
    } else {
        path
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, origin)),
        Err(e) => Err(Failure::input(anyhow::anyhow!(
            "`{origin}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// Where the points come from: `--at` texts, or a CSV stream.
enum PointSource {
    At(Vec<(String, Vec<bindings::Binding>)>),
    Csv(Box<Points<Box<dyn BufRead>>>, String),
}

impl PointSource {
    fn several(&self) -> bool {
        match self {
            PointSource::At(points) => points.len() > 1,
            PointSource::Csv(..) => true,
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    if let Some(shell) = cli.completions {
        let mut cmd = Cli::command();
        clap_complete::generate(shell, &mut cmd, "autograd-cli", &mut io::stdout().lock());
        return Ok(ExitCode::SUCCESS);
    }
    if cli.man {
        let page = clap_mangen::Man::new(Cli::command());
        return match page.render(&mut io::stdout().lock()) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => io_outcome(e),
        };
    }
    let reads_stdin = cli.expr.as_deref() == Some("-") || cli.file.as_deref() == Some("-");
    if reads_stdin && cli.points.as_deref() == Some("-") {
        return Err(Failure::input(anyhow::anyhow!(
            "the program and the points cannot both come from stdin: give one of them as a file"
        )));
    }

    let (source, origin) = read_source(cli)?;
    let program =
        parse::parse_program(&source).map_err(|e| Failure::from_error(&e, &source, &origin))?;
    let graph = Graph::lower(program, cli.of.as_deref())
        .map_err(|e| Failure::from_error(&e, &source, &origin))?;
    let output_name = graph.name(graph.output()).to_string();

    let expectations: Vec<Expectation> = match &cli.expect {
        Some(text) => {
            let list = check::parse_expectations(text, &output_name)
                .map_err(|e| Failure::from_error(&e, text, "--expect"))?;
            for e in &list {
                e.node(&graph)
                    .map_err(|err| Failure::from_error(&err, text, "--expect"))?;
            }
            list
        }
        None => Vec::new(),
    };

    let mut warnings = Warnings {
        shown: 0,
        hidden: 0,
    };
    let mut points = match &cli.points {
        Some(path) => {
            let reader: Box<dyn BufRead> = if path == "-" {
                Box::new(io::BufReader::with_capacity(1 << 16, io::stdin()))
            } else {
                let file = std::fs::File::open(path)
                    .with_context(|| format!("cannot read `{path}`"))
                    .map_err(Failure::input)?;
                Box::new(io::BufReader::with_capacity(1 << 16, file))
            };
            let origin = if path == "-" {
                "stdin".to_string()
            } else {
                path.clone()
            };
            let points = Points::new(reader, &graph, &origin)
                .map_err(|e| Failure::from_error(&e, "", &origin))?;
            for name in &points.unused {
                warnings.warn(&format!(
                    "column `{name}` of {origin} is not a variable of the expression"
                ));
            }
            PointSource::Csv(Box::new(points), origin)
        }
        None => {
            let mut list = Vec::new();
            for text in &cli.at {
                let parsed =
                    bindings::parse(text).map_err(|e| Failure::from_error(&e, text, "--at"))?;
                list.push((text.clone(), parsed));
            }
            if list.is_empty() {
                list.push((String::new(), Vec::new()));
            }
            PointSource::At(list)
        }
    };

    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && !no_color_env(),
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut session = Session {
        cli,
        graph: &graph,
        source: &source,
        origin: &origin,
        expectations,
        colors: table::Colors::new(color),
        several: points.several(),
        failed_checks: 0,
        count: 0,
        line: String::new(),
        eval: Evaluation::default(),
    };
    let result = session.all_points(&mut out, &mut points, &mut warnings);
    warnings.finish();
    match result {
        Ok(()) => {}
        Err(Outcome::Io(e)) => return io_outcome(e),
        Err(Outcome::Failed(f)) => {
            let _ = out.flush();
            return Err(f);
        }
    }
    if let Err(e) = out.flush() {
        return io_outcome(e);
    }
    Ok(if session.failed_checks > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Why the loop over points stopped early.
enum Outcome {
    Io(io::Error),
    Failed(Failure),
}

impl From<io::Error> for Outcome {
    fn from(e: io::Error) -> Self {
        Outcome::Io(e)
    }
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Outcome::Failed(f)
    }
}

/// The state of one run over every point.
struct Session<'a> {
    cli: &'a Cli,
    graph: &'a Graph,
    source: &'a str,
    origin: &'a str,
    expectations: Vec<Expectation>,
    colors: table::Colors,
    several: bool,
    failed_checks: usize,
    /// Points done so far.
    count: usize,
    line: String,
    eval: Evaluation,
}

impl Session<'_> {
    fn all_points(
        &mut self,
        out: &mut impl Write,
        points: &mut PointSource,
        warnings: &mut Warnings,
    ) -> Result<(), Outcome> {
        let checking = self.checking();
        if !checking && self.cli.format == Format::Csv {
            csv_out::write_header(out, self.graph)?;
        }
        if !checking && self.cli.format == Format::Json && self.several {
            out.write_all(b"[\n")?;
        }
        match points {
            PointSource::At(list) => {
                for (text, bindings) in list.iter() {
                    let point = bindings::resolve(self.graph, bindings)
                        .map_err(|e| Failure::from_error(&e, text, "--at"))?;
                    for name in &point.unused {
                        warnings.warn(&format!(
                            "`{name}` is bound by --at but the expression does not use it"
                        ));
                    }
                    let context = format!("at: {text}");
                    self.one_point(out, &point.values, &context, warnings)?;
                }
            }
            PointSource::Csv(reader, origin) if !checking && self.cli.format == Format::Csv => {
                self.csv_batches(out, reader, origin, warnings)?;
            }
            PointSource::Csv(reader, origin) => {
                let mut values = Vec::new();
                loop {
                    match reader.next_point(&mut values) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => return Err(Failure::from_error(&e, "", origin).into()),
                    }
                    let context = format!("at: {origin}, line {}", reader.line());
                    self.one_point(out, &values, &context, warnings)?;
                }
            }
        }
        if !checking && self.cli.format == Format::Json && self.several {
            out.write_all(if self.count > 0 { b"\n]\n" } else { b"]\n" })?;
        }
        if !self.expectations.is_empty() {
            // Not "N passed, N failed": test harnesses read that line as theirs.
            let total = self.count * self.expectations.len();
            let correct = total.saturating_sub(self.failed_checks);
            writeln!(
                out,
                "{}checks: {correct} of {total} correct",
                if self.several { "\n" } else { "" }
            )?;
        }
        Ok(())
    }

    /// CSV in, CSV out: rows read in batches, each batch evaluated and
    /// formatted on all cores, written in order. Memory stays constant.
    fn csv_batches(
        &mut self,
        out: &mut impl Write,
        reader: &mut Points<Box<dyn BufRead>>,
        origin: &str,
        warnings: &mut Warnings,
    ) -> Result<(), Outcome> {
        const BATCH: usize = 16_384;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let strict = !self.cli.allow_nonfinite;
        let width = self.graph.variables().len();
        let mut points = Vec::with_capacity(BATCH * width);
        let mut lines = Vec::with_capacity(BATCH);
        let mut row = Vec::with_capacity(width);
        loop {
            points.clear();
            lines.clear();
            let mut stopped = None;
            while lines.len() < BATCH {
                match reader.next_point(&mut row) {
                    Ok(true) => {
                        points.extend_from_slice(&row);
                        lines.push(reader.line());
                    }
                    Ok(false) => break,
                    Err(e) => {
                        stopped = Some(e);
                        break;
                    }
                }
            }
            let parts = autograd::batch::run(
                self.graph,
                &points,
                lines.len(),
                strict,
                threads,
                |row, text| csv_out::push_row(text, row),
            );
            for part in parts {
                out.write_all(part.text.as_bytes())?;
                for (r, w) in part.warnings {
                    warnings.warn(&format!("{w} (at: {origin}, line {})", lines[r]));
                }
                if let Some((r, e)) = part.error {
                    let mut f = Failure::from_error(&e, self.source, self.origin);
                    f.message
                        .push_str(&format!("\n  = at: {origin}, line {}", lines[r]));
                    return Err(f.into());
                }
            }
            self.count += lines.len();
            if let Some(e) = stopped {
                return Err(Failure::from_error(&e, "", origin).into());
            }
            if lines.len() < BATCH {
                return Ok(());
            }
        }
    }

    /// Whether the output is checks or explanations rather than a format.
    fn checking(&self) -> bool {
        !self.expectations.is_empty() || self.cli.gradcheck || self.cli.explain
    }

    fn one_point(
        &mut self,
        out: &mut impl Write,
        point: &[f64],
        context: &str,
        warnings: &mut Warnings,
    ) -> Result<(), Outcome> {
        let graph = self.graph;
        let strict = !self.cli.allow_nonfinite;
        if let Err(e) = graph.forward(point, &mut self.eval.values, strict) {
            let mut f = Failure::from_error(&e, self.source, self.origin);
            if self.several {
                f.message.push_str(&format!("\n  = {context}"));
            }
            return Err(f.into());
        }
        graph.backward(
            &self.eval.values,
            &mut self.eval.grads,
            &mut self.eval.nonfinite_locals,
        );
        let view = View {
            graph,
            eval: &self.eval,
            digits: self.cli.digits.map(usize::from),
        };
        for w in view.warnings() {
            warnings.warn(&if self.several {
                format!("{w} ({context})")
            } else {
                w
            });
        }
        let first = self.count == 0;
        self.count += 1;
        if self.checking() {
            if self.several {
                if !first {
                    writeln!(out)?;
                }
                writeln!(out, "{}", describe_point(graph, point))?;
            }
            if self.cli.explain {
                explain::write(out, &view)?;
            }
            let mut failed = 0;
            if !self.expectations.is_empty() {
                if self.cli.explain {
                    writeln!(out)?;
                }
                failed += self.write_checks(out, &view)?;
            }
            if self.cli.gradcheck {
                if self.cli.explain || !self.expectations.is_empty() {
                    writeln!(out)?;
                }
                failed += self.write_gradcheck(out, &view, point)?;
            }
            self.failed_checks += failed;
            return Ok(());
        }
        match self.cli.format {
            Format::Table => {
                if self.several {
                    if !first {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", describe_point(graph, point))?;
                }
                table::write(out, &view, &self.colors)?;
            }
            Format::Json => {
                if self.several && !first {
                    out.write_all(b",\n")?;
                }
                json::write_point(out, &json::value(&view), self.several)?;
                if !self.several {
                    out.write_all(b"\n")?;
                }
            }
            Format::Csv => csv_out::write_row(out, &view, point, &mut self.line)?,
            Format::Dot => dot::write(out, &view)?,
        }
        Ok(())
    }

    /// Prints one line per check; returns how many failed.
    fn write_checks(&self, out: &mut impl Write, view: &View<'_>) -> Result<usize, Outcome> {
        let mut failed = 0;
        let width = widest(self.expectations.iter().map(|e| e.label.as_str()));
        let expected_width = widest(self.expectations.iter().map(|e| e.expected_text.as_str()));
        for e in &self.expectations {
            let outcome = e
                .check(view.graph, view.eval, self.cli.tol)
                .map_err(|err| {
                    Failure::from_error(&err, self.cli.expect.as_deref().unwrap_or(""), "--expect")
                })?;
            let actual = autograd::number::format(outcome.actual);
            let pad = " ".repeat(width.saturating_sub(e.label.chars().count()));
            let pad2 = " ".repeat(expected_width.saturating_sub(e.expected_text.chars().count()));
            if outcome.passed {
                let verdict = if self.colors.enabled {
                    "passed".green().to_string()
                } else {
                    "passed".to_string()
                };
                writeln!(
                    out,
                    "{verdict}  {}{pad}  expected {}{pad2}  actual {actual}",
                    e.label, e.expected_text
                )?;
            } else {
                failed += 1;
                let verdict = if self.colors.enabled {
                    "FAILED".red().bold().to_string()
                } else {
                    "FAILED".to_string()
                };
                let diff = autograd::number::format(outcome.actual - e.expected);
                writeln!(
                    out,
                    "{verdict}  {}{pad}  expected {}{pad2}  actual {actual}  (difference {diff})",
                    e.label, e.expected_text
                )?;
            }
        }
        Ok(failed)
    }

    /// Prints one line per variable; returns how many failed.
    fn write_gradcheck(
        &self,
        out: &mut impl Write,
        view: &View<'_>,
        point: &[f64],
    ) -> Result<usize, Outcome> {
        let mut failed = 0;
        let tol = self.cli.tol.unwrap_or(check::GRADCHECK_TOL);
        let checks = check::gradcheck(view.graph, point, view.eval, tol);
        let f = view.output_name();
        writeln!(
            out,
            "gradcheck: ∂{f}/∂v against central differences, tolerance {tol:e}"
        )?;
        let width = widest(checks.iter().map(|c| c.variable.as_str()));
        let mut worst: f64 = 0.0;
        for c in &checks {
            let pad = " ".repeat(width.saturating_sub(c.variable.chars().count()));
            let verdict = match (&c.skipped, c.passed) {
                (Some(why), _) => format!("not compared ({why})"),
                (None, true) => "ok".to_string(),
                (None, false) => {
                    failed += 1;
                    "FAILED".to_string()
                }
            };
            if c.skipped.is_none() {
                worst = worst.max(c.error);
            }
            let error = match c.skipped {
                Some(_) => String::new(),
                None => format!(
                    "  error {}",
                    autograd::number::format_digits(c.error, Some(2))
                ),
            };
            writeln!(
                out,
                "  {}{pad}  analytic {}  numeric {}{error}  {verdict}",
                c.variable,
                autograd::number::format(c.analytic),
                autograd::number::format(c.numeric),
            )?;
        }
        writeln!(
            out,
            "largest error {}",
            autograd::number::format_digits(worst, Some(2))
        )?;
        Ok(failed)
    }
}

/// The width of the widest text, in characters.
fn widest<'a>(texts: impl Iterator<Item = &'a str>) -> usize {
    texts.map(|t| t.chars().count()).max().unwrap_or(0)
}

/// A closed pipe (`… | head`) ends quietly; other write errors are reported.
fn io_outcome(e: io::Error) -> Result<ExitCode, Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::input(
            anyhow::Error::new(e).context("cannot write the output"),
        ))
    }
}

fn describe_point(graph: &Graph, values: &[f64]) -> String {
    let list: Vec<String> = graph
        .variables()
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}={}", autograd::number::format(*v)))
        .collect();
    format!("at {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
