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
use crate::eval::Evaluation;
use crate::graph::Graph;
use crate::points::Header;
use crate::points::Points;
use crate::report::View;
use crate::sink::{self, CheckResult, Failed, Frame, GradReport, Point, Sink};
use std::borrow::Cow;
use std::io::{self, BufRead, Write};

pub use crate::options::{Format, Notice, Options, PointSource, Summary};

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

    /// Whether points get a verdict (`--expect`, `--gradcheck`).
    pub fn is_judged(&self) -> bool {
        !self.expectations.is_empty() || self.options.gradcheck
    }

    /// The sink of this job's format; `unit` names the points (`points`,
    /// `rows`) in a summary.
    fn sink(&self, unit: &'static str) -> Box<dyn Sink> {
        let o = &self.options;
        if o.quiet {
            return Box::new(sink::Quiet);
        }
        if o.summary {
            return Box::new(sink::Summary::with_targets(
                unit,
                self.expectations.iter().map(|e| e.label.clone()).collect(),
            ));
        }
        match o.format {
            Format::Table if self.is_judged() || o.explain => {
                Box::new(sink::Checks::new(o.explain, o.color))
            }
            Format::Table => Box::new(sink::Table::new(o.color)),
            Format::Json => Box::new(sink::Json::new(self.is_judged(), o.explain)),
            Format::Csv => Box::new(sink::Csv::new(
                self.expectations.iter().map(|e| e.label.clone()).collect(),
                self.is_judged(),
            )),
            Format::Dot => {
                let mut sink = sink::Dot::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            Format::Mermaid => {
                let mut sink = sink::Mermaid::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            Format::Svg => {
                let mut sink = sink::Svg::default();
                sink.layout = o.layout;
                Box::new(sink)
            }
            // Refused by `check_combinations`.
            Format::Latex => Box::new(sink::Table::new(o.color)),
        }
    }

    /// Evaluates every point and writes it to `out`; `warn` receives each
    /// warning (a binding the program does not use, a non-finite gradient,
    /// a row that could not be evaluated). With `--at`, every point is
    /// evaluated before anything is written, so an error (exit code 3 for
    /// a value that is not finite) leaves `out` empty. With `--points`, a
    /// row that cannot be evaluated is written with its error and the
    /// others go on ([`Summary::errors`]). When `out`'s reader goes away
    /// early, a run with checks goes on to the end (its summary is the
    /// verdict); one without stops with [`crate::ErrorKind::BrokenPipe`].
    pub fn run(
        &self,
        points: PointSource<'_>,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Summary> {
        let unit = match points {
            PointSource::At(_) => "points",
            PointSource::Csv { .. } => "rows",
        };
        let mut sink = self.sink(unit);
        let out = &mut Output {
            inner: out,
            keep_going: self.is_judged(),
            closed: false,
        };
        let mut run = Run {
            job: self,
            warn,
            summary: Summary::default(),
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
                let mut reader = Points::with_shared(reader, &self.graph, &shared, &origin)?;
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
    fn unused_options(&self) -> Vec<String> {
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

/// Whether `name` could be a variable that a point binds and the program
/// does not use (not a statement, function or constant).
fn could_be_a_variable(name: &str, graph: &Graph) -> bool {
    crate::parse::is_name(name)
        && crate::ops::constant(name).is_none()
        && !crate::ops::is_function(name)
        && !graph.statement_names().iter().any(|s| s == name)
}

/// What a point gives an expectation besides the evaluation: a row's
/// answer (`@COLUMN`), or the value of a bound but unused variable.
#[derive(Debug, Clone, Copy, Default)]
struct Given<'a> {
    answer: Option<&'a str>,
    unused_value: Option<f64>,
}

/// An `--at` point evaluated: its values, the passes, what its checks get.
type Evaluated = (Vec<f64>, Evaluation, Vec<Given<'static>>);

/// Ends the sink, and returns the run's result: the first error wins.
fn finish(
    sink: &mut dyn Sink,
    out: &mut dyn Write,
    summary: Summary,
    result: Result<()>,
) -> Result<Summary> {
    let ended = sink.end(out, summary.points, result.is_ok());
    result?;
    ended?;
    out.flush()?;
    Ok(summary)
}

/// The output of a run that, once its reader has gone (`… | head`),
/// discards the rest when `keep_going` (the run has checks): the checks
/// still run to the end, so the exit code is the verdict.
struct Output<W> {
    inner: W,
    keep_going: bool,
    closed: bool,
}

impl<W: Write> Output<W> {
    fn guard(&mut self, result: io::Result<usize>, len: usize) -> io::Result<usize> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe && self.keep_going => {
                self.closed = true;
                Ok(len)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.guard(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush().map(|()| 0);
        self.guard(result, 0).map(|_| ())
    }
}

/// The state of one run.
struct Run<'j, 'w> {
    job: &'j Job,
    warn: &'w mut dyn FnMut(Notice),
    summary: Summary,
    /// The point was drawn (no `--at`): a number answer to a derivative
    /// is a constant formula, checked at every point.
    drawn: bool,
    /// Formula answers of `@COLUMN` cells, compiled once a text (a class
    /// writes the same few answers).
    compiled:
        std::cell::RefCell<rustc_hash::FxHashMap<String, std::rc::Rc<crate::formula::Formula>>>,
}

impl Run<'_, '_> {
    /// Resolves and evaluates every `--at` point, before anything is written.
    fn evaluate_all(&mut self, list: &[(String, Vec<Binding>)]) -> Result<Vec<Evaluated>> {
        let job = self.job;
        let several = list.len() > 1;
        let mut evaluated = Vec::with_capacity(list.len());
        for (text, bindings) in list {
            let mut given = Vec::with_capacity(job.unused_targets.len());
            for (i, name) in job.unused_targets.iter().enumerate() {
                let unused_value = match name {
                    Some(name) => match bindings.iter().find(|b| b.name == *name) {
                        Some(b) => Some(b.value),
                        None => return Err(job.unknown_target(i, name)),
                    },
                    None => None,
                };
                given.push(Given {
                    answer: None,
                    unused_value,
                });
            }
            let point =
                bindings::resolve(&job.graph, bindings).map_err(|e| e.in_source(text, "--at"))?;
            for name in &point.unused {
                (self.warn)(Notice::Warning(format!(
                    "`{name}` is bound by --at but the expression does not use it"
                )));
            }
            let eval = self.evaluate(&point.values).map_err(|e| match several {
                true => e.with_note(format!("at: {text}")),
                false => e,
            })?;
            evaluated.push((point.values, eval, given));
        }
        Ok(evaluated)
    }

    /// Both passes at one point; an error points into the program.
    fn evaluate(&self, values: &[f64]) -> Result<Evaluation> {
        let job = self.job;
        let mut eval = Evaluation::default();
        job.graph
            .forward(values, &mut eval.values, !job.options.allow_nonfinite)
            .map_err(|e| e.in_source(&job.source, &job.origin))?;
        job.graph
            .backward(&eval.values, &mut eval.grads, &mut eval.nonfinite_locals);
        Ok(eval)
    }

    /// CSV rows one at a time, for formats that show every node, checks,
    /// or columns that pass through. A row that cannot be evaluated is
    /// written with its error; the others go on.
    fn csv_points(
        &mut self,
        reader: &mut Points<Box<dyn BufRead + '_>>,
        origin: &str,
        [answers, unused]: &[Vec<Option<usize>>; 2],
        sink: &mut dyn Sink,
        out: &mut dyn Write,
    ) -> Result<()> {
        let graph = &self.job.graph;
        let mut values = Vec::new();
        let mut cells = Vec::new();
        while reader.next_point(&mut values)? {
            cells.clear();
            cells.extend((0..reader.layout.names.len()).map(|c| reader.cell(c).into_owned()));
            let context = match reader.layout.id.and_then(|c| cells.get(c)) {
                Some(id) => format!("at: {origin}, line {}, {id}", reader.line()),
                None => format!("at: {origin}, line {}", reader.line()),
            };
            let given: Vec<Given> = answers
                .iter()
                .zip(unused)
                .map(|(a, u)| Given {
                    answer: a.map(|c| cells[c].as_str()),
                    unused_value: u.and_then(|c| cells[c].trim().parse().ok()),
                })
                .collect();
            match self.evaluate(&values) {
                Ok(eval) => {
                    let cells = Some(cells.as_slice());
                    let context = Some(context.as_str());
                    self.emit(&values, &eval, cells, context, &given, sink, out)?;
                }
                Err(e) => {
                    (self.warn)(Notice::RowError(format!("{} ({context})", e.kind)));
                    let failed = Failed {
                        graph,
                        values: &values,
                        index: self.summary.points,
                        cells: Some(&cells),
                        error: &e,
                    };
                    sink.failed(out, &failed)?;
                    self.summary.points += 1;
                    self.summary.errors += 1;
                    self.summary.checks += answers.len();
                    self.summary.failed += answers.len();
                }
            }
        }
        Ok(())
    }

    /// Warnings, checks and the sink, for one evaluated point. `context`
    /// (which point, when there are several) is added to warnings;
    /// `answers` are the row's cells for `@COLUMN` checks.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        values: &[f64],
        eval: &Evaluation,
        cells: Option<&[String]>,
        context: Option<&str>,
        given: &[Given],
        sink: &mut dyn Sink,
        out: &mut dyn Write,
    ) -> Result<()> {
        let job = self.job;
        let view = View {
            graph: &job.graph,
            eval,
            digits: job.options.digits,
        };
        for w in view.warnings() {
            (self.warn)(Notice::Warning(match context {
                Some(c) => format!("{w} ({c})"),
                None => w,
            }));
        }
        let mut checks = Vec::with_capacity(job.expectations.len());
        // Made at the first formula answer, shared by the others.
        let here = std::cell::OnceCell::new();
        let draw = || crate::formula::Sample {
            point: values.to_vec(),
            values: eval.values.clone(),
            grads: eval.grads.clone(),
        };
        for (i, e) in job.expectations.iter().enumerate() {
            let given = given.get(i).copied().unwrap_or_default();
            checks.push(self.check(i, e, given, &view, &|| here.get_or_init(draw))?);
        }
        let gradcheck = job.options.gradcheck.then(|| {
            let tol = job.options.tol.unwrap_or(check::GRADCHECK_TOL);
            GradReport {
                tol,
                variables: check::gradcheck(view.graph, values, view.eval, tol),
            }
        });
        self.summary.points += 1;
        self.summary.checks += checks.len();
        self.summary.failed += checks.iter().filter(|c| !c.passed).count();
        self.summary.failed += gradcheck.as_ref().map_or(0, GradReport::failed);
        let point = Point {
            view,
            values,
            index: self.summary.points - 1,
            checks: &checks,
            gradcheck: gradcheck.as_ref(),
            cells,
        };
        sink.point(out, &point)
    }

    /// Expectation `i` at one point, with what the point gives it.
    fn check<'s>(
        &self,
        i: usize,
        e: &Expectation,
        given: Given,
        view: &View<'_>,
        here: &dyn Fn() -> &'s crate::formula::Sample,
    ) -> Result<CheckResult> {
        let job = self.job;
        let resolved;
        let e = match (&e.column, given.answer) {
            (Some(_), Some(text)) => match e.with_answer(text) {
                Ok(row) => {
                    resolved = row;
                    &resolved
                }
                Err(reason) => {
                    let actual = match &job.second_derivatives[i] {
                        Some(cell) => second(cell, view).map(|actual| e.judge(actual, None, None)),
                        None => e.check(view.graph, view.eval, None, None),
                    };
                    let actual = actual.map_err(|err| err.in_source(&job.expect, "--expect"))?;
                    return Ok(CheckResult {
                        target: e.label.clone(),
                        expected_text: text.trim().to_string(),
                        expected: f64::NAN,
                        actual: actual.actual,
                        passed: false,
                        reason: Some(reason),
                        formula: false,
                    });
                }
            },
            _ => e,
        };
        let (sig, percent) = (job.options.sig, job.options.tol_percent);
        let tol = job
            .options
            .tol
            .map(|value| check::Tolerance { value, percent });
        if let Some(reason) = self_reference(e, &job.graph) {
            return Ok(unanswered(e, reason, e.formula));
        }
        if e.formula || (self.drawn && e.column.is_none() && constant_derivative(e)) {
            return self.check_formula(i, e, here());
        }
        let outcome = match &job.unused_targets[i] {
            // Bound but unused: its value as bound, its gradient 0.
            Some(name) => {
                let value = given
                    .unused_value
                    .ok_or_else(|| job.unknown_target(i, name))?;
                let actual = match e.target {
                    check::Target::Value(_) => value,
                    check::Target::Grad(_) | check::Target::Second(_) => 0.0,
                };
                e.judge(actual, tol, sig)
            }
            None => match &job.second_derivatives[i] {
                Some(cell) => e.judge(second(cell, view)?, tol, sig),
                None => e
                    .check(view.graph, view.eval, tol, sig)
                    .map_err(|err| err.in_source(&job.expect, "--expect"))?,
            },
        };
        Ok(CheckResult {
            target: e.label.clone(),
            expected_text: e.expected_text.clone(),
            expected: e.expected,
            actual: outcome.actual,
            passed: outcome.passed,
            reason: outcome.reason,
            formula: false,
        })
    }

    /// A formula answer at one point and its random neighbours. A row's
    /// formula (`@COLUMN`) that names no node fails its check: it is the
    /// student's answer, not bad input.
    fn check_formula(
        &self,
        i: usize,
        e: &Expectation,
        here: &crate::formula::Sample,
    ) -> Result<CheckResult> {
        let job = self.job;
        let compiled;
        let cached = self.compiled.borrow().get(&e.expected_text).cloned();
        let formula = match job.formulas.get(i).and_then(Option::as_ref) {
            Some(f) if e.column.is_none() && job.expectations[i].formula => f,
            _ if cached.is_some() => {
                compiled = cached;
                compiled
                    .as_deref()
                    .ok_or_else(|| Error::internal("cached formula"))?
            }
            _ => match crate::formula::Formula::compile(
                &e.expected_text,
                &job.graph,
                &job.definitions,
            ) {
                Ok(f) => {
                    let f = std::rc::Rc::new(f);
                    let mut cache = self.compiled.borrow_mut();
                    if cache.len() < 10_000 {
                        cache.insert(e.expected_text.clone(), f.clone());
                    }
                    compiled = Some(f);
                    compiled
                        .as_deref()
                        .ok_or_else(|| Error::internal("compiled formula"))?
                }
                Err(err) => {
                    let reason = match &err.help {
                        // A lone word (`one`) was meant as a number.
                        _ if crate::parse::is_name(e.expected_text.trim()) => {
                            format!("the answer `{}` is not a number", e.expected_text)
                        }
                        Some(help) => {
                            format!("the answer `{}`: {} ({help})", e.expected_text, err.kind)
                        }
                        None => format!("the answer `{}`: {}", e.expected_text, err.kind),
                    };
                    return Ok(unanswered(e, reason, true));
                }
            },
        };
        let node = e
            .node(&job.graph)
            .map_err(|err| err.in_source(&job.expect, "--expect"))?;
        let truth = match (&e.target, &job.second_derivatives[i]) {
            (check::Target::Second(_), Some((u, v))) => crate::formula::Truth::Second(*u, *v),
            (check::Target::Grad(_), _) => crate::formula::Truth::Grad(node),
            _ => crate::formula::Truth::Value(node),
        };
        let tol = job.options.tol.unwrap_or(check::DEFAULT_RELATIVE);
        let random = job
            .random
            .get_or_init(|| crate::formula::random_points(&job.graph, &job.domain));
        let v = crate::formula::judge(
            formula,
            &job.graph,
            truth,
            Some(here),
            random,
            &job.domain,
            tol,
        );
        Ok(CheckResult {
            target: e.label.clone(),
            expected_text: e.expected_text.clone(),
            expected: v.student,
            actual: v.truth,
            passed: v.passed,
            reason: v.reason,
            formula: true,
        })
    }

    /// CSV in, rows out: rows read in batches, each batch evaluated and
    /// rendered on all cores by the batch engine, written in order. Memory
    /// stays constant. A row that cannot be evaluated is written with
    /// empty cells and named in a warning.
    fn csv_batches(
        &mut self,
        reader: &mut Points<Box<dyn BufRead + '_>>,
        origin: &str,
        render: &sink::RowRenderer,
        out: &mut dyn Write,
    ) -> Result<()> {
        const BATCH: usize = 16_384;
        let job = self.job;
        let strict = !job.options.allow_nonfinite;
        let width = job.graph.variables().len();
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
            let parts = crate::batch::run(
                &job.graph,
                &points,
                lines.len(),
                strict,
                job.options.threads,
                render,
            );
            for part in parts {
                if let Some(e) = part.failure {
                    return Err(e);
                }
                out.write_all(part.text.as_bytes())?;
                for (r, w) in part.warnings {
                    let line = lines[r];
                    (self.warn)(Notice::Warning(format!("{w} (at: {origin}, line {line})")));
                }
                for (r, e) in &part.errors {
                    let line = lines[*r];
                    (self.warn)(Notice::RowError(format!(
                        "{} (at: {origin}, line {line})",
                        e.kind
                    )));
                }
                self.summary.errors += part.errors.len();
            }
            self.summary.points += lines.len();
            if let Some(e) = stopped {
                return Err(e);
            }
            if lines.len() < BATCH {
                return Ok(());
            }
        }
    }
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

/// A number answer to a derivative, which is a constant formula when
/// there is no point (`d2f/dxdy = 1`).
fn constant_derivative(e: &Expectation) -> bool {
    e.column.is_none() && matches!(e.target, check::Target::Grad(_) | check::Target::Second(_))
}

/// A check that fails before any value is computed (a non-answer, an
/// answer that cannot be read): no expected or actual number.
fn unanswered(e: &Expectation, reason: String, formula: bool) -> CheckResult {
    CheckResult {
        target: e.label.clone(),
        expected_text: e.expected_text.clone(),
        expected: f64::NAN,
        actual: f64::NAN,
        passed: false,
        reason: Some(reason),
        formula,
    }
}

/// An answer that names its own target (`L` for `L`): not an answer.
/// So is one that restates the target's own definition in the graph's
/// generated nodes (`g6 - g8` for `L = g6 - g8`): it copies the table's
/// definition column instead of computing (`ln(yhat)` for `g4`, in the
/// program's own names, is a formula and is checked as one).
fn self_reference(e: &Expectation, graph: &Graph) -> Option<String> {
    let node = e.node(graph).ok()?;
    let name = graph.name(node).to_string();
    if let Some(reason) = e.names_itself(&name, node == graph.output()) {
        return Some(reason);
    }
    let bare = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let definition = graph.definition(node);
    // A generated name (`g6`): names the table's rows, not the program's.
    let generated = |t: &str| {
        check::names_in(t).any(|n| {
            n.strip_prefix('g')
                .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let restated = matches!(e.target, check::Target::Value(_))
        && !matches!(graph.kind(node), crate::graph::Kind::Var(_))
        && generated(&e.expected_text)
        && bare(&e.expected_text) == bare(&definition);
    restated.then(|| {
        format!("not an answer: it restates the definition of `{name}` ({definition}) instead of its value")
    })
}

/// A Hessian cell's value at the point of `view`.
fn second(&(row, column): &(usize, usize), view: &View<'_>) -> Result<f64> {
    Ok(crate::hessian::row(view.graph, view.eval, row)[column])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `source` at the `--at` points; what it printed, its warnings, and
    /// its summary or error.
    fn run(source: &str, at: &[&str], options: Options) -> (String, Vec<String>, Result<Summary>) {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        let at: Vec<String> = at.iter().map(|s| s.to_string()).collect();
        let result = Job::new(source, "expression", options).and_then(|job| {
            job.run(PointSource::at(&at)?, &mut out, &mut |w| {
                warnings.push(w.to_string())
            })
        });
        (String::from_utf8_lossy(&out).into_owned(), warnings, result)
    }

    #[test]
    fn summaries_count_points_and_failed_checks() {
        let options = Options {
            expect: vec!["f=4, df/dx=4".into()],
            ..Options::default()
        };
        let (out, _, result) = run("x^2", &["x=2", "x=3"], options);
        let summary = result.ok();
        assert_eq!(
            summary,
            Some(Summary {
                points: 2,
                checks: 4,
                failed: 2,
                errors: 0
            }),
            "{out}"
        );
        assert!(out.ends_with("\nchecks: 2 of 4 correct\n"), "{out}");
    }

    #[test]
    fn an_error_at_an_at_point_leaves_the_output_empty() {
        let options = Options {
            format: Format::Json,
            ..Options::default()
        };
        let (out, _, result) = run("1/x", &["x=1", "x=0"], options);
        let report = result.err().map(|e| e.report()).unwrap_or_default();
        assert!(
            report.contains("division by zero") && report.ends_with("= at: x=0"),
            "{report}"
        );
        assert_eq!(
            out, "",
            "every point is evaluated before anything is written"
        );
    }

    #[test]
    fn warnings_go_to_the_callback_with_their_point() {
        let (_, warnings, result) = run("sqrt(x)", &["x=0,y=1", "x=4"], Options::default());
        assert!(result.is_ok());
        assert_eq!(
            warnings,
            [
                "warning: `y` is bound by --at but the expression does not use it",
                "warning: non-finite gradient: ∂f/∂x = inf; the local derivative is not finite at f = sqrt(x) (sqrt'(0) = +inf) (at: x=0,y=1)",
            ]
        );
    }

    #[test]
    fn a_big_graphs_json_is_formatted_in_parts_and_in_order() {
        let terms: Vec<String> = (1..=20_000).map(|i| format!("sin({i}*x)")).collect();
        let source = terms.join("+");
        let options = Options {
            format: Format::Json,
            threads: 2,
            ..Options::default()
        };
        let (out, _, result) = run(&source, &["x=0.5"], options);
        assert!(result.is_ok());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            nodes.len(),
            1 + 3 * 20_000 - 1,
            "x, then g1 = 1*x … and the sums"
        );
        assert_eq!(nodes[0]["name"], "x");
        assert_eq!(nodes[nodes.len() - 1]["name"], "f");
        let names: Vec<&str> = nodes.iter().filter_map(|n| n["name"].as_str()).collect();
        let gs: Vec<usize> = names
            .iter()
            .filter_map(|n| n.strip_prefix('g')?.parse().ok())
            .collect();
        assert!(
            gs.windows(2).all(|w| w[0] + 1 == w[1]),
            "g1, g2, … in order"
        );
    }

    #[test]
    fn csv_points_stream_through_the_batch_engine() {
        let job = Job::new(
            "x*y",
            "expression",
            Options {
                format: Format::Csv,
                threads: 2,
                ..Options::default()
            },
        );
        let rows: String = (0..40_000).map(|i| format!("{i},2\n")).collect();
        let input = format!("x,y\n{rows}");
        let mut out = Vec::new();
        let summary = job.and_then(|job| {
            let points = PointSource::Csv {
                reader: Box::new(input.as_bytes()),
                origin: "rows.csv".into(),
                shared: Vec::new(),
            };
            job.run(points, &mut out, &mut |_| {})
        });
        assert_eq!(summary.map(|s| s.points).ok(), Some(40_000));
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text.lines().nth(1), Some("0,2,0,2,0"));
        assert_eq!(text.lines().last(), Some("39999,2,79998,2,39999"));
    }
}
