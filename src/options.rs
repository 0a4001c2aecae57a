//! What the user asked for, checked once: the output [`Format`], the
//! [`Options`] of a run, the [`Mode`] that answers it (chosen in one place,
//! [`Options::mode`]) and the one table of which flag goes with which mode
//! and format ([`Options::check`]: every refusal and its message). The
//! command line builds an `Options` from its flags, the session from a line.

use crate::bindings::{self, Binding};
use crate::error::{Error, ErrorKind, Result};
use std::io::BufRead;

/// The output formats (`--format`; clap reads them by their lowercase names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
    Dot,
    Mermaid,
    Svg,
    /// Formulas as LaTeX: written by `--symbolic` ([`crate::symbolic`]).
    Latex,
}

/// Everything that decides what a run computes and prints, built by the
/// command line from its flags (or by any other caller).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Differentiate this statement instead of the last one (`--of`).
    pub of: Option<String>,
    pub format: Format,
    /// Answers to check (`--expect 'f=136, df/dx=16'`), one list a flag.
    pub expect: Vec<String>,
    pub gradcheck: bool,
    /// Overrides the tolerance of `expect` and `gradcheck`.
    pub tol: Option<f64>,
    /// `--tol T%`: for number answers, `tol` is a fraction of the true value.
    pub tol_percent: bool,
    /// The column of `--points` that names each row (`--id`).
    pub id: Option<String>,
    /// The fewest significant digits a decimal answer may have (`--sig`).
    pub sig: Option<u32>,
    pub explain: bool,
    /// Significant digits for display (`--digits`); `None` for exact.
    pub digits: Option<usize>,
    /// Keep going at a non-finite value instead of stopping (exit 3).
    pub allow_nonfinite: bool,
    /// Which way a picture's layers run (`--layout`); `None`: svg chooses
    /// from the graph's shape, dot and mermaid go left to right.
    pub layout: Option<Direction>,
    /// Colour the table and the verdicts.
    pub color: bool,
    /// Threads for batches of CSV points; 0 (the default) is every core,
    /// counted by the batch engine only when a batch has rows to share
    /// ([`crate::batch::cores`]).
    pub threads: usize,
    /// Print nothing: the exit code is the answer (`--quiet`).
    pub quiet: bool,
    /// Print one line of verdicts at the end (`--summary`).
    pub summary: bool,
    /// Where formula answers are compared (`--domain 'x=1..5, y=0|1'`).
    pub domain: Option<String>,
    /// `--symbolic`, `--inline`, `--hessian`: the run is [`crate::symbolic`]'s.
    pub symbolic: SymbolicArgs,
    /// `--train` was given: the run is [`crate::train`]'s.
    pub train: bool,
    /// A flag of training that was given (`--lr`, `--epochs`, …), refused
    /// without `--train`.
    pub training_flag: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            of: None,
            format: Format::Table,
            expect: Vec::new(),
            gradcheck: false,
            tol: None,
            tol_percent: false,
            id: None,
            sig: None,
            explain: false,
            digits: None,
            allow_nonfinite: false,
            layout: None,
            color: false,
            threads: 0,
            quiet: false,
            summary: false,
            domain: None,
            symbolic: Default::default(),
            train: false,
            training_flag: None,
        }
    }
}

/// Where the points come from.
pub enum PointSource<'a> {
    /// `--at` lists, each one point, with the text it was written as. An
    /// empty list is one point with no bindings (a constant expression).
    At(Vec<(String, Vec<Binding>)>),
    /// A CSV stream: a header row of names, then one row a point.
    Csv {
        reader: Box<dyn BufRead + 'a>,
        /// The file's name in messages (`stdin` for `-`).
        origin: String,
        /// Values every row shares (`--at` with `--points`).
        shared: Vec<Binding>,
    },
}

impl PointSource<'_> {
    /// Parses `--at` texts; the error points into the text at fault.
    pub fn at(texts: &[String]) -> Result<Self> {
        let mut list = Vec::with_capacity(texts.len());
        for text in texts {
            let text = crate::input::nfc(text);
            let parsed = bindings::parse(&text).map_err(|e| e.in_source(&text, "--at"))?;
            list.push((text.into_owned(), parsed));
        }
        Ok(PointSource::At(list))
    }

    /// The values every row of `--points` shares: one `--at`, or none.
    pub fn shared(texts: &[String]) -> Result<Vec<Binding>> {
        match texts {
            [] => Ok(Vec::new()),
            [text] => {
                let text = crate::input::nfc(text);
                bindings::parse(&text).map_err(|e| e.in_source(&text, "--at"))
            }
            _ => Err(Error::new(ErrorKind::Usage(
                "with --points, --at gives the values every row shares: give it once".into(),
            ))),
        }
    }
}

/// What a run tells as it goes, besides its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something to know (a binding the program does not use, a non-finite
    /// gradient); the output is complete.
    Warning(String),
    /// A row of `--points` that could not be evaluated: written with its
    /// error, and the run's exit code will be 3.
    RowError(String),
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Warning(text) => write!(f, "warning: {text}"),
            Notice::RowError(text) => write!(f, "error: {text}"),
        }
    }
}

/// Which way the layers run (`--layout lr|tb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Direction {
    /// Inputs on the left, the output on the right.
    #[default]
    Lr,
    /// Inputs at the top, the output at the bottom.
    Tb,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Points evaluated and written.
    pub points: usize,
    /// Checks made (`--expect` targets times points) and how many failed
    /// (gradient checks that failed count too).
    pub checks: usize,
    pub failed: usize,
    /// Rows of `--points` that could not be evaluated (written with their
    /// error; the run's exit code is then 3).
    pub errors: usize,
}

/// The command-line flags of formulas (flattened into the tool's; see
/// [`crate::symbolic`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct SymbolicArgs {
    /// Print each gradient ∂f/∂v as a formula (no point needed; with --at,
    /// its value too). Named steps stay as shorthand.
    #[arg(long)]
    pub symbolic: bool,
    /// With --symbolic: substitute the named steps, so formulas name
    /// variables only.
    #[arg(long)]
    pub inline: bool,
    /// The matrix of second derivatives at the point, by double backward as
    /// PyTorch's (with --symbolic, as formulas too).
    #[arg(long)]
    pub hessian: bool,
}

impl SymbolicArgs {
    /// Whether formulas answer the run.
    pub fn active(&self, format: Format) -> bool {
        self.symbolic || self.hessian || self.inline || format == Format::Latex
    }
}

/// What answers a run: one per run, chosen by [`Options::mode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// One output's values and gradients at each point ([`crate::pipeline`]).
    One,
    /// `--of p1,p2`: every output's gradient, the Jacobian ([`crate::jacobian`]).
    Several(Vec<String>),
    /// `--symbolic`, `--hessian`, `--format latex` ([`crate::symbolic`]).
    Formulas,
    /// `--train` ([`crate::train`]).
    Train,
    /// The interactive session ([`crate::session`]).
    Session,
}

/// The points a run was given, as far as the checks need to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Given {
    /// How many `--at` points.
    pub at: usize,
    /// `--points FILE` was given.
    pub points: bool,
    /// Both the program and the points would be read from stdin.
    pub stdin_twice: bool,
}

/// Which modes a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    Several,
    Formulas,
    Train,
    Session,
}

const EVALUATING: &[Kind] = &[Kind::One, Kind::Several, Kind::Formulas];
const NUMBERS: &[Kind] = &[Kind::One, Kind::Several];
const EVALUATING_OR_TRAINING: &[Kind] = &[Kind::One, Kind::Several, Kind::Formulas, Kind::Train];

/// A refusal: in these modes, when the options are so, the run is a usage
/// error with this message.
struct Rule {
    modes: &'static [Kind],
    when: fn(&Options, Given) -> bool,
    says: fn(&Options) -> String,
}

macro_rules! rule {
    ($modes:expr, |$o:ident, $g:ident| $when:expr, $says:expr) => {
        Rule {
            modes: $modes,
            #[allow(unused_variables)]
            when: |$o: &Options, $g: Given| $when,
            #[allow(unused_variables)]
            says: |$o: &Options| $says.to_string(),
        }
    };
}

const NOT_IN_TRAINING: &str = "has no place in training (--train): the log shows the loss, the parameters and the gradients of every step";
const NOT_IN_SESSION: &str = "an interactive session does not take";
const SESSION_TAKES: &str = "start it with at most a program (EXPR or -f FILE), --at, --digits, --color, --tol, --sig and --allow-nonfinite";
const DRAWS: &str = "draws the graph: it has no place for --expect, --gradcheck or --explain (use the table or --format json)";

fn judged(o: &Options) -> bool {
    !o.expect.is_empty() || o.gradcheck
}

fn format_name(format: Format) -> String {
    format!("{format:?}").to_lowercase()
}

/// The outputs `--of` names (none without it).
pub fn several_outputs(o: &Options) -> Vec<&str> {
    o.of.as_deref()
        .map_or(Vec::new(), |of| of.split(',').map(str::trim).collect())
}

/// Every refusal, in the order they are tried: the first that applies is
/// the error. Adding a format or a mode is one row here per flag it refuses.
const RULES: &[Rule] = &[
    // ---- the session ----
    rule!(&[Kind::Session], |o, g| g.points, format!("{NOT_IN_SESSION} --points: {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| g.at > 1, format!("{NOT_IN_SESSION} several --at (a session has one point): {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| o.of.is_some(), format!("{NOT_IN_SESSION} --of: {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| o.format != Format::Table, format!("{NOT_IN_SESSION} --format (a session shows the table): {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| !o.expect.is_empty(), format!("{NOT_IN_SESSION} --expect (use :expect in the session): {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| o.gradcheck, format!("{NOT_IN_SESSION} --gradcheck: {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| o.explain, format!("{NOT_IN_SESSION} --explain (use :explain in the session): {SESSION_TAKES}")),
    rule!(&[Kind::Session], |o, g| o.quiet || o.summary, format!("{NOT_IN_SESSION} --quiet and --summary: {SESSION_TAKES}")),
    // ---- where the inputs come from ----
    rule!(EVALUATING_OR_TRAINING, |o, g| g.stdin_twice, "the program and the points cannot both come from stdin: give one of them as a file"),
    // ---- an empty --expect is a slip (an unset shell variable), never a pass ----
    rule!(EVALUATING, |o, g| o.expect.iter().any(|e| e.trim_matches(|c: char| c == ',' || c.is_whitespace()).is_empty()), "--expect has no checks (an unset shell variable?): give target=value, such as --expect 'f=136, df/dx=16'"),
    // ---- training's flags and data ----
    rule!(EVALUATING, |o, g| o.training_flag.is_some(), format!("{} is an option of training: give the parameters with --train w,b", o.training_flag.unwrap_or_default())),
    rule!(&[Kind::Train], |o, g| !o.expect.is_empty(), format!("--expect {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.gradcheck, format!("--gradcheck {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.tol.is_some(), format!("--tol {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.sig.is_some(), format!("--sig {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.quiet, format!("--quiet {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.summary, format!("--summary {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| o.allow_nonfinite, format!("--allow-nonfinite {NOT_IN_TRAINING}")),
    rule!(&[Kind::Train], |o, g| matches!(o.format, Format::Json | Format::Csv) && o.explain, "--explain writes the updates as text: use it with the table format"),
    rule!(&[Kind::Train], |o, g| !matches!(o.format, Format::Table | Format::Json | Format::Csv), format!("--format {} draws the graph: training writes a log as table, csv or json", format_name(o.format))),
    // ---- formulas ----
    rule!(&[Kind::Formulas], |o, g| several_outputs(o).len() > 1 && (o.format == Format::Latex || o.explain), "--format latex and --explain --symbolic take one output: give --of one name"),
    rule!(&[Kind::Formulas], |o, g| g.points, "--symbolic and --hessian take their points from --at, not --points"),
    rule!(&[Kind::Formulas], |o, g| o.gradcheck, "--gradcheck checks the numeric gradients: it cannot go with --symbolic or --hessian"),
    rule!(&[Kind::Formulas], |o, g| matches!(o.format, Format::Csv | Format::Dot | Format::Mermaid | Format::Svg), "--symbolic and --hessian write the table, --format json or --format latex"),
    rule!(&[Kind::Formulas], |o, g| o.symbolic.inline && !(o.symbolic.symbolic || o.format == Format::Latex), "--inline substitutes the steps in the formulas: give --symbolic too"),
    rule!(&[Kind::Formulas], |o, g| o.symbolic.hessian && !(o.symbolic.symbolic || o.format == Format::Latex) && g.at == 0, "--hessian needs a point (--at x=…) or --symbolic for formulas"),
    rule!(&[Kind::Formulas], |o, g| o.explain && (o.format != Format::Table || o.symbolic.hessian), "--explain --symbolic writes the chain rule as a table of lines: without --format or --hessian"),
    rule!(&[Kind::Formulas], |o, g| !o.expect.is_empty() && (!o.symbolic.hessian || g.at == 0 || o.format != Format::Table), "with --symbolic, --expect checks second derivatives (d2f/dx2, d2f/dxdy): give --hessian and --at, in the table"),
    // ---- numbers at points: what each format has a place for ----
    rule!(NUMBERS, |o, g| o.format == Format::Dot && (judged(o) || o.explain), format!("--format dot {DRAWS}")),
    rule!(NUMBERS, |o, g| o.format == Format::Mermaid && (judged(o) || o.explain), format!("--format mermaid {DRAWS}")),
    rule!(NUMBERS, |o, g| o.format == Format::Svg && (judged(o) || o.explain), format!("--format svg {DRAWS}")),
    rule!(NUMBERS, |o, g| o.format == Format::Csv && (o.explain || o.gradcheck), "--format csv has one row a point: it has no place for --explain or --gradcheck (use the table or --format json)"),
    rule!(NUMBERS, |o, g| o.summary && !judged(o), "--summary counts the points that pass the checks: give --expect or --gradcheck"),
    rule!(NUMBERS, |o, g| o.summary && (o.format != Format::Table || o.explain), "--summary prints one line instead of the output: it cannot go with --format or --explain"),
    // ---- several outputs ----
    rule!(&[Kind::Several], |o, g| several_outputs(o).iter().any(|n| n.is_empty()), format!("--of takes statement names separated by commas: `{}` has an empty one", o.of.as_deref().unwrap_or_default())),
    rule!(&[Kind::Several], |o, g| { let n = several_outputs(o); n.iter().enumerate().any(|(i, x)| n[..i].contains(x)) }, { let n = several_outputs(o); let twice = n.iter().enumerate().find(|(i, x)| n[..*i].contains(x)).map_or("", |p| *p.1); format!("--of names `{twice}` twice") }),
    // ---- pictures ----
    rule!(&[Kind::One, Kind::Several, Kind::Formulas, Kind::Train, Kind::Session], |o, g| o.layout.is_some() && !matches!(o.format, Format::Svg | Format::Dot | Format::Mermaid), "--layout arranges a picture of the graph: give --format svg, dot or mermaid"),
];

impl Options {
    /// The mode that answers these options: training, then formulas, then
    /// several outputs, then one.
    pub fn mode(&self) -> Mode {
        if self.train {
            return Mode::Train;
        }
        if self.symbolic.active(self.format) {
            return Mode::Formulas;
        }
        let names = several_outputs(self);
        match names.len() > 1 {
            true => Mode::Several(names.into_iter().map(str::to_string).collect()),
            false => Mode::One,
        }
    }

    /// The options checked against the table of rules for `mode`: the first refusal
    /// that applies is a usage error.
    pub fn check(&self, mode: &Mode, given: Given) -> Result<()> {
        let kind = match mode {
            Mode::One => Kind::One,
            Mode::Several(_) => Kind::Several,
            Mode::Formulas => Kind::Formulas,
            Mode::Train => Kind::Train,
            Mode::Session => Kind::Session,
        };
        match RULES
            .iter()
            .find(|r| r.modes.contains(&kind) && (r.when)(self, given))
        {
            Some(rule) => Err(Error::new(ErrorKind::Usage((rule.says)(self)))),
            None => Ok(()),
        }
    }
}
