//! One output's run: a compiled program ([`crate::compile`]) and
//! [`Options`] make a [`Job`] (the checks of `--expect` parsed);
//! [`Job::run`] evaluates it at every point of a [`PointSource`] and writes
//! each through the [`Sink`] of the chosen format. [`crate::front`] is the
//! front door that picks this mode; [`Job::new`] is its shorthand for one
//! output.
//!
//! ```
//! use autograd::pipeline::{Format, Job, Options, PointSource};
//!
//! let options = Options { format: Format::Csv, ..Options::default() };
//! let job = Job::new("(2*x+y^2)*z^3", "expression", options)?;
//! let mut out = Vec::new();
//! let points = PointSource::at(&["x=4,y=3,z=2".to_string()])?;
//! let summary = job.run(points, &mut out, &mut |notice| eprintln!("{notice}"))?;
//! assert_eq!(String::from_utf8_lossy(&out), "x,y,z,f,df/dx,df/dy,df/dz\n4,3,2,136,16,48,204\n");
//! assert_eq!(summary.points, 1);
//! # Ok::<(), autograd::Error>(())
//! ```

use crate::bindings::{self, Binding};
use crate::check::{self, Expectation};
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::points::Header;
use crate::points::Points;
use crate::report::sink::{self, Frame, Sink};
use crate::report::{checks, csv, dot, json, mermaid, summary, svg, table};
use std::borrow::Cow;
use std::io::{self, Write};

pub use crate::options::{Counts, Format, Notice, Options, PointSource};

mod judge;
mod run;
#[cfg(test)]
mod tests;

use judge::constant_derivative;
use run::{finish, Output, Run};

/// A program ready to run: its graph and its parsed checks.
pub struct Job {
    /// The program's text, composed (NFC): error places point into it.
    source: String,
    /// Every `--expect` list in one, for the places of its errors.
    expect: String,
    origin: String,
    graph: Graph,
    expectations: Vec<Expectation>,
    /// For each expectation whose target is not a node: the name, a
    /// variable the point binds but the program does not use (its value as
    /// bound, its gradient 0).
    unused_targets: Vec<Option<String>>,
    /// Each expectation's formula, compiled, when its answer is one.
    formulas: Vec<Option<crate::formula::Formula>>,
    /// Each second-derivative target's Hessian cell, as a formula's graph
    /// (in the variables) evaluated at each point.
    second_derivatives: Vec<Option<(usize, usize)>>,
    domain: crate::formula::Domain,
    /// The random points formula answers are compared at (the same for
    /// every point given), drawn at the first formula answer.
    random: std::sync::OnceLock<Vec<crate::formula::Sample>>,
    options: Options,
    /// Each named statement's expression text, for formula answers that
    /// name a statement this output's graph does not hold.
    definitions: Vec<(String, String)>,
}

impl Job {
    /// Compiles `source` (`origin` names it in errors: `expression`,
    /// `stdin`, a file name) for one output and parses the checks: a
    /// shorthand of [`crate::compile::compile`] and [`Job::from_compiled`]
    /// that also checks the options as one output's.
    pub fn new(source: &str, origin: &str, options: Options) -> Result<Self> {
        options.check(&crate::options::Mode::One, crate::options::Given::default())?;
        let compiled = crate::compile::compile(source, origin, options.of.as_deref())?;
        Job::from_compiled(compiled, options)
    }

    /// The job of one compiled output with `options` (already checked,
    /// [`Options::check`]): the checks of `--expect` and `--domain` parsed.
    pub fn from_compiled(compiled: crate::compile::Compiled, options: Options) -> Result<Self> {
        let crate::compile::Compiled {
            source,
            origin,
            graph,
            definitions,
            ..
        } = compiled;
        // Several lists are one (a trailing comma is allowed in each).
        let lists: Vec<Cow<str>> = options
            .expect
            .iter()
            .map(|e| crate::input::nfc(e.trim_end().trim_end_matches(',')))
            .collect();
        let expect = lists.join(", ");
        let mut expectations = Vec::new();
        let mut unused_targets = Vec::new();
        let mut formulas = Vec::new();
        if !expect.is_empty() {
            let output = graph.name(graph.output()).to_string();
            let in_expect = |e: Error| e.in_source(&expect, "--expect");
            expectations = check::parse_expectations(&expect, &output).map_err(in_expect)?;
            for e in &expectations {
                if judge::tensor_target(e, &graph).map_err(in_expect)? {
                    formulas.push(None);
                    unused_targets.push(None);
                    continue;
                }
                // A formula's value starts where the check's text ends
                // minus the formula's length (the check is trimmed).
                formulas.push(match e.formula {
                    true => {
                        let offset = e.span.end - e.expected_text.len();
                        let f = crate::formula::Formula::compile(
                            &e.expected_text,
                            &graph,
                            &definitions,
                        );
                        Some(f.map_err(|err| in_expect(crate::formula::shifted(err, offset)))?)
                    }
                    false => None,
                });
                if e.formula {
                    e.node(&graph).map_err(in_expect)?;
                }
                // A name that could be a variable may be bound but unused:
                // whether it is, each point says.
                let unused = match e.node(&graph) {
                    Ok(_) => None,
                    Err(_) if could_be_a_variable(e.target.name(), &graph) => {
                        Some(e.target.name().to_string())
                    }
                    Err(err) => return Err(in_expect(err)),
                };
                unused_targets.push(unused);
            }
        }
        let second_derivatives = second_derivatives(&graph, &expectations)
            .map_err(|e| e.in_source(&expect, "--expect"))?;
        let domain = match &options.domain {
            Some(text) => {
                let text = crate::input::nfc(text);
                crate::formula::Domain::parse(&text, &graph)
                    .map_err(|e| e.in_source(&text, "--domain"))?
            }
            None => crate::formula::Domain::default(),
        };
        Ok(Job {
            source,
            expect,
            origin,
            graph,
            expectations,
            unused_targets,
            formulas,
            second_derivatives,
            domain,
            random: std::sync::OnceLock::new(),
            options,
            definitions,
        })
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The `--expect` targets as written, in order (CSV's `pass:` columns).
    pub fn targets(&self) -> Vec<String> {
        self.expectations.iter().map(|e| e.label.clone()).collect()
    }

    /// Whether points get a verdict (`--expect`, `--gradcheck`).
    pub fn is_judged(&self) -> bool {
        !self.expectations.is_empty() || self.options.gradcheck
    }

    /// The sink of this job's format; `unit` names the points (`points`,
    /// `rows`) in a summary.
    pub fn sink(&self, unit: &'static str) -> Box<dyn Sink> {
        let o = &self.options;
        if o.quiet {
            return Box::new(sink::Quiet);
        }
        if o.summary {
            return Box::new(summary::Summary::with_targets(unit, self.targets()));
        }
        match o.format {
            Format::Table if self.is_judged() || o.explain => {
                Box::new(checks::CheckTable::new(o.explain, o.color))
            }
            Format::Table => Box::new(table::Table::new(o.color)),
            Format::Json => Box::new(json::Json::new(self.is_judged(), o.explain)),
            Format::Csv => Box::new(csv::Csv::new(self.targets(), self.is_judged())),
            Format::Dot => {
                let mut sink = dot::Dot::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            Format::Mermaid => {
                let mut sink = mermaid::Mermaid::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            Format::Svg => {
                let mut sink = svg::Svg::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            // Refused by `check_combinations`.
            Format::Latex => Box::new(table::Table::new(o.color)),
        }
    }

    /// Evaluates every point and writes it to `out`; `warn` receives each
    /// warning (a binding the program does not use, a non-finite gradient,
    /// a row that could not be evaluated). With `--at`, every point is
    /// evaluated before anything is written, so an error (exit code 3 for
    /// a value that is not finite) leaves `out` empty. With `--points`, a
    /// row that cannot be evaluated is written with its error and the
    /// others go on ([`Counts::errors`]). When `out`'s reader goes away
    /// early, a run with checks goes on to the end (its summary is the
    /// verdict); one without stops with [`crate::ErrorKind::BrokenPipe`].
    pub fn run(
        &self,
        points: PointSource<'_>,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Counts> {
        let unit = match points {
            PointSource::At(_) => "points",
            PointSource::Csv { .. } => "rows",
        };
        self.run_into(points, &mut *self.sink(unit), out, warn)
    }

    /// [`Job::run`] into another sink than the format's: several outputs
    /// collect each output's points this way and write them together.
    pub fn run_into(
        &self,
        points: PointSource<'_>,
        sink: &mut dyn Sink,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Counts> {
        let out = &mut Output {
            inner: out,
            keep_going: self.is_judged(),
            closed: false,
        };
        let mut run = Run {
            job: self,
            warn,
            summary: Counts::default(),
            drawn: false,
            compiled: Default::default(),
        };
        for unused in self.unused_options() {
            (run.warn)(Notice::Warning(unused));
        }
        match points {
            PointSource::At(mut list) => {
                if let Some(e) = self.expectations.iter().find(|e| e.column.is_some()) {
                    return Err(Error::at(
                        ErrorKind::Usage(format!(
                            "`{}` takes each row's answer from a column of --points, and there is none",
                            e.expected_text
                        )),
                        e.span,
                    )
                    .in_source(&self.expect, "--expect"));
                }
                if list.is_empty() {
                    list.push(self.default_point()?);
                    run.drawn = !list[0].0.is_empty();
                }
                let evaluated = run.evaluate_all(&list)?;
                let several = list.len() > 1;
                let frame = Frame {
                    graph: &self.graph,
                    several,
                    header: None,
                };
                sink.begin(out, &frame)?;
                let mut result = Ok(());
                for ((text, _), (values, eval, given)) in list.iter().zip(&evaluated) {
                    let context = several.then(|| format!("at: {text}"));
                    let context = context.as_deref();
                    result = run.emit(values, eval, None, context, given, &mut *sink, out);
                    if result.is_err() {
                        break;
                    }
                }
                finish(&mut *sink, out, run.summary, result)
            }
            PointSource::Csv {
                reader,
                origin,
                shared,
            } => {
                let mut reader =
                    Points::with_shared(reader, self.graph.variables(), &shared, &origin)?;
                let answers = self.answer_columns(&reader.layout, &origin)?;
                let unused = self.unused_columns(&reader.layout)?;
                let taken: Vec<usize> = answers.iter().chain(&unused).flatten().copied().collect();
                reader
                    .layout
                    .choose_id(&taken, self.options.id.as_deref())
                    .map_err(|e| Error::new(ErrorKind::Usage(e)))?;
                let frame = Frame {
                    graph: &self.graph,
                    several: true,
                    header: Some(&reader.layout),
                };
                sink.begin(out, &frame)?;
                let result = if let Some(render) = sink.row_renderer() {
                    run.csv_batches(&mut reader, &origin, &render, out)
                } else {
                    let columns = [answers, unused];
                    run.csv_points(&mut reader, &origin, &columns, &mut *sink, out)
                };
                finish(&mut *sink, out, run.summary, result)
            }
        }
    }

    /// This output's side of a CSV file that several outputs read
    /// (`--of p,q --points FILE`): the columns its checks read.
    pub fn row_columns(&self, header: &Header, origin: &str) -> Result<RowColumns> {
        Ok(RowColumns {
            answers: self.answer_columns(header, origin)?,
            unused: self.unused_columns(header)?,
            compiled: Default::default(),
        })
    }

    /// One CSV row of several outputs' file: `values` are this output's
    /// variables in its graph's order, `cells` the row's text. The point
    /// goes to `sink`; its warnings end with `context`. `Ok(Err(e))`: the
    /// row cannot be evaluated, for the caller to write in the row.
    pub fn run_row(
        &self,
        values: &[f64],
        cells: &[String],
        columns: &mut RowColumns,
        context: &str,
        sink: &mut dyn Sink,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<std::result::Result<Counts, Error>> {
        let mut run = Run {
            job: self,
            warn,
            summary: Counts::default(),
            drawn: false,
            compiled: std::mem::take(&mut columns.compiled),
        };
        let eval = match run.evaluate(values) {
            Ok(eval) => eval,
            Err(e) => {
                columns.compiled = std::mem::take(&mut run.compiled);
                return Ok(Err(e));
            }
        };
        let given: Vec<run::Given> = columns
            .answers
            .iter()
            .zip(&columns.unused)
            .map(|(a, u)| run::Given {
                answer: a.and_then(|c| cells.get(c)).map(String::as_str),
                unused_value: u.and_then(|c| cells.get(c)?.trim().parse().ok()),
            })
            .collect();
        let context = Some(context);
        let result = run.emit(
            values,
            &eval,
            Some(cells),
            context,
            &given,
            sink,
            &mut io::sink(),
        );
        columns.compiled = std::mem::take(&mut run.compiled);
        result.map(|()| Ok(run.summary))
    }

    /// The point of a run without `--at`: none for a constant program;
    /// when every check is a formula, the first random point where the
    /// program is defined (in `--domain`, or each variable in [-2, 2]).
    fn default_point(&self) -> Result<(String, Vec<Binding>)> {
        let formulas_only = !self.expectations.is_empty()
            && self
                .expectations
                .iter()
                .all(|e| e.formula || constant_derivative(e));
        if !formulas_only || self.graph.variables().is_empty() {
            return Ok((String::new(), Vec::new()));
        }
        let Some(text) = crate::formula::first_point(&self.graph, &self.domain) else {
            return Err(Error::new(ErrorKind::Input(format!(
                "the program is not defined at any of {} random points: give a point with --at or a range with --domain",
                crate::formula::MAX_DRAWS
            ))));
        };
        let bindings = bindings::parse(&text).map_err(|e| e.in_source(&text, "--at"))?;
        Ok((text, bindings))
    }

    /// Options given that no output of this run uses.
    pub(crate) fn unused_options(&self) -> Vec<String> {
        let o = &self.options;
        let mut unused = Vec::new();
        if o.tol.is_some() && !self.is_judged() {
            unused.push(
                "--tol is the tolerance of --expect and --gradcheck; neither is given".into(),
            );
        }
        if o.sig.is_some() && self.expectations.is_empty() {
            unused.push(
                "--sig is the precision asked of --expect's answers; no --expect is given".into(),
            );
        }
        if o.domain.is_some()
            && !self
                .expectations
                .iter()
                .any(|e| e.formula || e.column.is_some())
        {
            unused.push("--domain is where formula answers to --expect are compared; no answer is a formula".into());
        }
        let exact = matches!(o.format, Format::Json | Format::Csv) && !o.explain;
        if o.digits.is_some() && (exact || o.quiet || o.summary || (self.is_judged() && !o.explain))
        {
            unused.push("--digits rounds the table, dot, mermaid, svg and --explain for display; this output shows none of them".into());
        }
        unused
    }

    /// The error for a check of `name`, which is neither a node nor bound.
    fn unknown_target(&self, i: usize, name: &str) -> Error {
        let e = &self.expectations[i];
        Error::at(
            ErrorKind::UnknownNode {
                name: name.to_string(),
                known: self.graph.names_for(name),
            },
            e.span,
        )
        .in_source(&self.expect, "--expect")
    }

    /// For each expectation about a bound but unused variable, its column.
    fn unused_columns(&self, header: &Header) -> Result<Vec<Option<usize>>> {
        let mut columns = Vec::with_capacity(self.unused_targets.len());
        for (i, name) in self.unused_targets.iter().enumerate() {
            columns.push(match name {
                Some(name) => match header.names.iter().position(|n| n == name) {
                    Some(c) => Some(c),
                    None => return Err(self.unknown_target(i, name)),
                },
                None => None,
            });
        }
        Ok(columns)
    }

    /// For each expectation, the column its answers come from (`@COLUMN`).
    fn answer_columns(&self, header: &Header, origin: &str) -> Result<Vec<Option<usize>>> {
        self.expectations
            .iter()
            .map(|e| {
                let Some(name) = &e.column else {
                    return Ok(None);
                };
                match header.names.iter().position(|n| n == name) {
                    Some(c) => Ok(Some(c)),
                    None => Err(Error::at(
                        ErrorKind::Input(format!(
                            "no column `{name}` in {origin} (it has: {})",
                            header.names.join(", ")
                        )),
                        e.span,
                    )
                    .in_source(&self.expect, "--expect")),
                }
            })
            .collect()
    }
}

/// The columns of a shared CSV file that one output's checks read
/// ([`Job::row_columns`]).
pub struct RowColumns {
    answers: Vec<Option<usize>>,
    unused: Vec<Option<usize>>,
    compiled:
        std::cell::RefCell<rustc_hash::FxHashMap<String, std::rc::Rc<crate::formula::Formula>>>,
}

impl RowColumns {
    /// The columns that hold answers or values, so not a row's name.
    pub fn taken(&self) -> impl Iterator<Item = usize> + '_ {
        self.answers.iter().chain(&self.unused).flatten().copied()
    }

    /// How many checks a row makes (each fails when the row cannot be
    /// evaluated).
    pub fn checks(&self) -> usize {
        self.answers.len()
    }
}

/// Whether `name` could be a variable that a point binds and the program
/// does not use (not a statement, function or constant).
fn could_be_a_variable(name: &str, graph: &Graph) -> bool {
    crate::parse::is_name(name)
        && crate::ops::constant(name).is_none()
        && !crate::ops::is_function(name)
        && !graph.statement_names().iter().any(|s| s == name)
}

/// The Hessian cell (row, column) of each `d2f/dxdy` target; `None` for
/// the other targets. Its value at a point is the double backward's
/// ([`crate::hessian`]).
fn second_derivatives(
    graph: &Graph,
    expectations: &[Expectation],
) -> Result<Vec<Option<(usize, usize)>>> {
    if !expectations
        .iter()
        .any(|e| matches!(e.target, check::Target::Second(_)))
    {
        return Ok(vec![None; expectations.len()]);
    }
    let output = graph.name(graph.output()).to_string();
    let variables = graph.variables();
    let mut cells = Vec::with_capacity(expectations.len());
    for e in expectations {
        let check::Target::Second(label) = &e.target else {
            cells.push(None);
            continue;
        };
        let bad = |reason: String| {
            Error::at(
                ErrorKind::Check {
                    check: label.clone(),
                    reason,
                },
                e.span,
            )
        };
        let cell = check::second_target(label.trim(), &output, variables);
        let Some((row, column)) = cell else {
            return Err(bad(format!(
                "a second derivative is written d2{output}/dx2 or d2{output}/dxdy, with x and y among the variables: {}",
                variables.join(", ")
            )));
        };
        cells.push(Some((row, column)));
    }
    Ok(cells)
}
