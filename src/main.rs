//! The command line (README, "Usage"): read the program and points, run the library, print.

use autograd::args::ColorChoice;
use autograd::front::{self, Inputs};
use autograd::options::{Format, Notice, Options};
use autograd::{input, Error, ErrorKind};
use clap::{CommandFactory, Parser};
use owo_colors::OwoColorize;
use std::io::{self, IsTerminal, Write};
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
  autograd-cli -f examples/loss.txt --points data.csv --format csv

Exit codes: 0 success, 1 a check failed, 2 bad input, 3 a value is not finite,
70 an internal error (a bug: please report it)."
)]
struct Cli {
    /// The expression or program (`name = expr` statements separated by `;`
    /// or newlines); `-` reads it from stdin.
    #[arg(
        value_name = "EXPR",
        conflicts_with = "file",
        allow_hyphen_values = true
    )]
    expr: Option<String>,

    /// Read the expression or program from FILE (`-` for stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,

    /// Values of the variables, e.g. `x=4,y=3,z=2` (values may be constant
    /// expressions such as `1/3` or `-pi/2`, vectors `x=[2,1]` or matrices
    /// `W=[[1,0],[0,1]]`). Repeat for several points. `@FILE` reads the
    /// bindings from FILE (line breaks separate them too; `#` comments).
    #[arg(short = 'a', long = "at", value_name = "BINDINGS")]
    at: Vec<String>,

    /// Read many points from a CSV file (`-` for stdin): a header row of
    /// variable names, then one row a point. Streamed in constant memory.
    /// Separated by `,`, `;` or tabs (read from the header); a decimal
    /// comma (`0,5`) is a decimal point. Columns `x[0],x[1]` fill the
    /// vector x, `W[0,0],W[0,1],…` the matrix W.
    #[arg(long, value_name = "FILE")]
    points: Option<String>,

    /// The column of --points that names each row in headings, --summary
    /// and errors (default: the first column that is not a variable nor an
    /// answer, such as `student`).
    #[arg(long, value_name = "COLUMN", requires = "points")]
    id: Option<String>,

    /// Differentiate the statement NAME instead of the last one; p1,p2,… for several (the Jacobian).
    #[arg(long = "of", value_name = "NAME")]
    of: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// Check answers, e.g. 'f=136, df/dx=16, g4=17': node values and
    /// gradients (df/dNODE or ∂f/∂NODE); values may be expressions, formulas (yhat - y), or
    /// @COLUMN of --points. A number passes within one unit of its last written
    /// digit with at least 3 significant digits (--sig), or exactly right; an
    /// answer naming its own target fails. A tensor is checked whole,
    /// entry by entry (`dL/dW=[[0.758, 0.379], …]`), or one element
    /// (`dL/dW[1,0]=0.758`). May be repeated. Exit 1 when a check fails.
    #[arg(long, value_name = "CHECKS")]
    expect: Vec<String>,

    /// Compare every gradient with central finite differences; exit 1 when
    /// one is off by more than the tolerance (default 1e-6).
    #[arg(long)]
    gradcheck: bool,

    /// Replaces the rule for number answers: pass when |answer − true| ≤ TOL,
    /// or ≤ TOL·|true| written as a percentage (`--tol 1%`); also the
    /// tolerance of formula answers and --gradcheck (default 1e-6).
    #[arg(long, value_name = "TOL", value_parser = autograd::check::parse_tolerance)]
    tol: Option<autograd::check::Tolerance>,

    /// The fewest significant digits a number answer to --expect must have
    /// (default 3; fewer fails as "not precise enough"). A number answer
    /// passes when it is within one unit of its last written digit of the
    /// true value (rounded or truncated: 0.1269, 0.12692, 0.127 and 0.126
    /// for 0.126928…) with enough digits, or is exactly right (16, 1/3).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=17))]
    sig: Option<u32>,

    /// Write out the forward and backward passes step by step, lecture style.
    #[arg(long)]
    explain: bool,

    /// Print nothing: the exit code says whether every check passed.
    #[arg(short, long, conflicts_with = "summary")]
    quiet: bool,

    /// Print one line: how many points passed every check, and which failed.
    #[arg(long)]
    summary: bool,

    /// When to colour the output: auto means when stdout is a terminal and
    /// NO_COLOR is not set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Round numbers to N significant digits for display (table, dot, mermaid, svg, --explain).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: Option<u8>,

    /// Which way a picture of the graph runs: lr (inputs left, output
    /// right) or tb (inputs at the top). Without it, --format svg draws
    /// top to bottom when left to right would be more than 3 times as wide
    /// as high and top to bottom is nearer a page's shape; dot and mermaid
    /// go left to right. Only with --format svg, dot or mermaid.
    #[arg(long, value_enum, value_name = "DIR")]
    layout: Option<autograd::options::Direction>,

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
    #[command(flatten)]
    modes: autograd::args::ModeArgs,
}

fn main() -> ExitCode {
    if let Some(flag) = autograd::args::help_among_arguments(std::env::args_os().skip(1)) {
        let _ = writeln!(
            io::stderr().lock(),
            "error: `{flag}` asks for the help or the version, but other arguments were given too\n  \
             = help: an expression that starts with `-` goes after `--`: autograd-cli --at a=2 -- -a"
        );
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(autograd::args::command_line_error(e)),
    };
    let stderr_color = cli.color.enabled(io::stderr().is_terminal());
    let mut warnings = Warnings {
        shown: 0,
        hidden: 0,
        color: stderr_color,
    };
    let result = run(&cli, &mut warnings);
    warnings.finish();
    match result {
        Ok(code) => code,
        // `… | head`: the reader has what it wanted.
        Err(e) if matches!(e.kind, ErrorKind::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.report();
            let message = match message.strip_prefix("error:") {
                Some(rest) if stderr_color => format!("{}{rest}", "error:".red().bold()),
                _ => message,
            };
            let _ = writeln!(io::stderr().lock(), "{message}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Warnings go to stderr; after many (a million-row batch), the rest are counted.
struct Warnings {
    shown: usize,
    hidden: usize,
    color: bool,
}

impl Warnings {
    const MAX: usize = 20;

    fn warn(&mut self, notice: Notice) {
        if self.shown >= Self::MAX {
            self.hidden += 1;
            return;
        }
        self.shown += 1;
        let (label, message, style) = match notice {
            Notice::Warning(m) => ("warning:", m, owo_colors::Style::new().yellow().bold()),
            Notice::RowError(m) => ("error:", m, owo_colors::Style::new().red().bold()),
        };
        let _ = match self.color {
            true => writeln!(io::stderr().lock(), "{} {message}", label.style(style)),
            false => writeln!(io::stderr().lock(), "{label} {message}"),
        };
    }

    fn finish(&self) {
        if self.hidden > 0 {
            let _ = writeln!(io::stderr(), "warning: {} more not shown", self.hidden);
        }
    }
}

/// The program's text and where it came from (`expression`, `stdin`, a file).
fn read_source(cli: &Cli) -> Result<(String, String), Error> {
    let path = match (&cli.expr, &cli.file) {
        (Some(e), None) if e != "-" => return Ok((e.clone(), "expression".into())),
        (Some(_), None) => "-",
        (_, Some(path)) => path.as_str(),
        (None, None) => return Err(autograd::session::no_program()),
    };
    if path == "-" {
        let text = input::read_program(io::stdin().lock(), "stdin")?;
        return Ok((text, "stdin".into()));
    }
    let file = input::open(path)?;
    Ok((input::read_program(file, path)?, path.to_string()))
}

fn run(cli: &Cli, warnings: &mut Warnings) -> Result<ExitCode, Error> {
    if let Some(shell) = cli.completions {
        let mut cmd = Cli::command();
        clap_complete::generate(shell, &mut cmd, "autograd-cli", &mut io::stdout().lock());
        return Ok(ExitCode::SUCCESS);
    }
    if cli.man {
        clap_mangen::Man::new(Cli::command()).render(&mut io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    let options = Options {
        of: cli.of.clone(),
        format: cli.format,
        expect: cli.expect.clone(),
        gradcheck: cli.gradcheck,
        tol: cli.tol.map(|t| t.value),
        tol_percent: cli.tol.is_some_and(|t| t.percent),
        id: cli.id.clone(),
        sig: cli.sig,
        explain: cli.explain,
        digits: cli.digits.map(usize::from),
        allow_nonfinite: cli.allow_nonfinite,
        layout: cli.layout,
        quiet: cli.quiet,
        summary: cli.summary,
        domain: cli.modes.answers.domain.clone(),
        color: cli.color.enabled(io::stdout().is_terminal()),
        symbolic: cli.modes.symbolic.clone(),
        train: cli.modes.train.train.is_some(),
        training_flag: cli.modes.train.stray_flag(),
        ..Options::default()
    };
    if cli
        .modes
        .session
        .starts(cli.expr.is_some() || cli.file.is_some())
    {
        let program = (cli.expr.is_some() || cli.file.is_some()).then(|| read_source(cli));
        let (points, program) = (cli.points.is_some(), program.transpose()?);
        let at = autograd::bindings::read_all(&cli.at)?;
        return autograd::session::run(program, points, &at, options, warnings.color)
            .map(ExitCode::from);
    }
    let (source, origin) = read_source(cli)?;
    let inputs = Inputs {
        at: cli.at.clone(),
        points: cli.points.clone(),
        train: cli.modes.train.clone(),
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let summary = front::run(&source, &origin, &options, &inputs, &mut out, &mut |w| {
        warnings.warn(w)
    })?;
    // The most serious wins: a row that could not be evaluated, then a check.
    Ok(ExitCode::from(match summary {
        s if s.errors > 0 => 3,
        s if s.failed > 0 => 1,
        _ => 0,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
