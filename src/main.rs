//! The command line (SPEC §3): read the program and the points, run the
//! library, print. No math here.

use anyhow::Context as _;

use autograd::bindings::{self, Binding};
use autograd::report::{json, table, View};
use autograd::{parse, Error, Graph};
use clap::{Parser, ValueEnum};
use owo_colors::OwoColorize;
use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

/// Differentiate an expression: every node of its computational graph with
/// its value (forward pass) and its gradient (backward pass).
#[derive(Debug, Parser)]
#[command(
    name = "autograd-cli",
    version,
    after_help = "Examples:\n  autograd-cli \"(2*x+y^2)*z^3\" --at x=4,y=3,z=2\n  autograd-cli 'z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)' --at w=0.5,b=1,x=2,y=1\n  autograd-cli -f loss.txt --at w=0.5,b=1,x=2,y=1 --format json"
)]
struct Cli {
    /// The expression or program (`name = expr` statements separated by `;`
    /// or newlines); `-` reads it from stdin.
    #[arg(
        value_name = "EXPR",
        required_unless_present = "file",
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

    /// Differentiate the statement NAME instead of the last one.
    #[arg(long = "of", value_name = "NAME")]
    of: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// When to colour the table: auto means when stdout is a terminal and
    /// NO_COLOR is not set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Round numbers to N significant digits for display (the table only).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: Option<u8>,

    /// Keep going when a value is infinite or NaN (printed as inf/NaN, or
    /// null in JSON) instead of stopping with exit code 3.
    #[arg(long)]
    allow_nonfinite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
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

fn warn(message: &str) {
    let stderr = io::stderr();
    let color = stderr.is_terminal() && !no_color_env();
    let label = if color {
        "warning:".yellow().bold().to_string()
    } else {
        "warning:".to_string()
    };
    let _ = writeln!(stderr.lock(), "{label} {message}");
}

fn read_source(cli: &Cli) -> Result<(String, String), Failure> {
    let (path, origin) = match (&cli.expr, &cli.file) {
        (Some(e), None) if e != "-" => return Ok((e.clone(), "expression".into())),
        (Some(_), None) => ("-".to_string(), "stdin".to_string()),
        (_, Some(path)) => (path.clone(), path.clone()),
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
        origin
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, origin)),
        Err(e) => Err(Failure::input(anyhow::anyhow!(
            "`{origin}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))),
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    let (source, origin) = read_source(cli)?;
    let program =
        parse::parse_program(&source).map_err(|e| Failure::from_error(&e, &source, &origin))?;
    let graph = Graph::lower(program, cli.of.as_deref())
        .map_err(|e| Failure::from_error(&e, &source, &origin))?;

    let mut points: Vec<Vec<Binding>> = Vec::new();
    for text in &cli.at {
        points.push(bindings::parse(text).map_err(|e| Failure::from_error(&e, text, "--at"))?);
    }
    if points.is_empty() {
        points.push(Vec::new());
    }

    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && !no_color_env(),
    };
    let colors = table::Colors::new(color);
    let digits = cli.digits.map(usize::from);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut json_points = Vec::new();
    let several = points.len() > 1;
    for (i, bindings) in points.iter().enumerate() {
        let at_text = cli.at.get(i).map(String::as_str).unwrap_or("");
        let point = bindings::resolve(&graph, bindings)
            .map_err(|e| Failure::from_error(&e, at_text, "--at"))?;
        for name in &point.unused {
            warn(&format!(
                "`{name}` is bound by --at but the expression does not use it"
            ));
        }
        let eval = graph
            .evaluate(&point.values, !cli.allow_nonfinite)
            .map_err(|e| {
                let mut f = Failure::from_error(&e, &source, &origin);
                if several {
                    f.message.push_str(&format!("\n  = at: {at_text}"));
                }
                f
            })?;
        let view = View {
            graph: &graph,
            eval: &eval,
            digits,
        };
        for w in view.warnings() {
            warn(&w);
        }
        let written = match cli.format {
            Format::Table => {
                if several {
                    if i > 0 {
                        let _ = writeln!(out);
                    }
                    let _ = writeln!(out, "at {}", describe_point(&graph, &point.values));
                }
                table::write(&mut out, &view, &colors)
            }
            Format::Json => {
                json_points.push(json::value(&view));
                Ok(())
            }
        };
        if let Err(e) = written {
            return io_outcome(e);
        }
    }
    if cli.format == Format::Json {
        if let Err(e) = json::write(&mut out, &json_points, several) {
            return io_outcome(e);
        }
    }
    if let Err(e) = out.flush() {
        return io_outcome(e);
    }
    Ok(ExitCode::SUCCESS)
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
    graph
        .variables()
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}={}", autograd::number::format(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
