//! Several outputs (`--of p1,p2,p3`): one gradient block per output, the
//! Jacobian, in every format. Each output is a job of its own (its graph
//! lowered for that output); at each point every job runs and their
//! outputs are put together, from their values: the table one block per
//! output, JSON an object per output under `"outputs"`, CSV each output's
//! value and gradient columns side by side, dot and Mermaid one picture per
//! output.

use crate::bindings::Binding;
use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result};
use crate::eval::Evaluation;
use crate::options::{Counts, Format, Notice, Options, PointSource};
use crate::pipeline::Job;
use crate::points::Header;
use crate::report::sink::{CheckResult, Frame, GradReport, Point, Sink};
use crate::report::svg;
use crate::report::View;
use std::io::Write;

mod rows;

/// One job per output, each with the checks about it: `dp2/dx` goes to
/// `p2`; a node's value to the first output whose graph has the node.
/// `compiled` holds the outputs in `--of`'s order.
pub fn jobs(compiled: Vec<Compiled>, options: &Options) -> Result<Vec<Job>> {
    let names: Vec<String> = compiled
        .iter()
        .map(|c| c.graph.name(c.graph.output()).to_string())
        .collect();
    let plain = |name: &str, expect: Vec<String>| Options {
        of: Some(name.to_string()),
        expect,
        // The parts are printed together: a summary is this module's.
        quiet: options.quiet || options.summary,
        summary: false,
        ..options.clone()
    };
    let mut lists: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for text in &options.expect {
        for item in crate::check::items(text) {
            let owner = match crate::check::target_output(item) {
                Some(of) => match names.iter().position(|n| n == of) {
                    Some(i) => i,
                    None => {
                        return Err(Error::new(ErrorKind::Check {
                            check: item.to_string(),
                            reason: format!(
                                "with several outputs a gradient names its output: d{}/dNODE (the outputs: {})",
                                names[0],
                                names.join(", ")
                            ),
                        }))
                    }
                },
                None => {
                    let label = item.split('=').next().unwrap_or_default().trim();
                    compiled
                        .iter()
                        .position(|c| c.graph.find(label).is_some())
                        .unwrap_or(0)
                }
            };
            lists[owner].push(item.to_string());
        }
    }
    compiled
        .into_iter()
        .zip(names.iter().zip(lists))
        .map(|(c, (n, expect))| {
            let expect = if expect.is_empty() {
                Vec::new()
            } else {
                vec![expect.join(", ")]
            };
            Job::from_compiled(c, plain(n, expect))
        })
        .collect()
}

/// One output's results at one point, kept until every point is evaluated.
struct Captured {
    values: Vec<f64>,
    eval: Evaluation,
    checks: Vec<CheckResult>,
    gradcheck: Option<GradReport>,
}

impl Captured {
    fn point<'a>(&'a self, graph: &'a crate::graph::Graph, digits: Option<usize>) -> Point<'a> {
        Point {
            view: View {
                graph,
                eval: &self.eval,
                digits,
            },
            values: &self.values,
            index: 0,
            checks: &self.checks,
            gradcheck: self.gradcheck.as_ref(),
            cells: None,
        }
    }
}

/// The sink that keeps a job's point instead of writing it.
#[derive(Default)]
struct Capture {
    point: Option<Captured>,
}

impl Sink for Capture {
    fn point(&mut self, _out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        self.point = Some(Captured {
            values: point.values.to_vec(),
            eval: point.view.eval.clone(),
            checks: point.checks.to_vec(),
            gradcheck: point.gradcheck.cloned(),
        });
        Ok(())
    }
}

/// Runs every output's job at each `--at` point (or each row of
/// `--points`, in the `rows` module) and writes them together. Every
/// `--at` point is evaluated before anything is written, as with one
/// output.
pub fn run(
    jobs: &[Job],
    options: &Options,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Counts> {
    let mut list = match points {
        PointSource::At(list) => list,
        PointSource::Csv {
            reader,
            origin,
            shared,
        } => return rows::run(jobs, options, reader, &origin, &shared, out, warn),
    };
    if list.is_empty() {
        list.push((String::new(), Vec::new()));
    }
    let several = list.len() > 1;
    let mut notices: Vec<Notice> = Vec::new();
    // For each point: each output's results and counts.
    let mut parts: Vec<Vec<(Part, Counts)>> = Vec::with_capacity(list.len());
    for (text, bindings) in &list {
        let mut row = Vec::with_capacity(jobs.len());
        for job in jobs {
            let point = PointSource::At(vec![(text.clone(), bindings.clone())]);
            let mut capture = Capture::default();
            let counts = job
                .run_into(point, &mut capture, &mut std::io::sink(), &mut |n| {
                    notices.push(n)
                })
                .map_err(|e| match several {
                    true => e.with_note(format!("at: {text}")),
                    false => e,
                })?;
            let Some(captured) = capture.point.take() else {
                return Err(Error::internal("an output's job wrote no point"));
            };
            row.push((Part::Done(captured), counts));
        }
        parts.push(row);
    }
    emit_notices(notices, jobs.len(), warn);
    let variables = union(jobs);
    let mut writer = Writer::new(jobs, options, variables.clone(), several, None);
    if options.format == Format::Svg {
        writer.check_panels(list.len())?;
    }
    for ((text, bindings), row) in list.iter().zip(&parts) {
        let values: Vec<String> = variables
            .iter()
            .map(|v| {
                bindings
                    .iter()
                    .find(|b| b.name == *v)
                    .map_or_else(String::new, |b| crate::number::format(b.value))
            })
            .collect();
        let leading: Vec<&str> = values.iter().map(String::as_str).collect();
        let at = At {
            heading: heading(text, bindings),
            leading: &leading,
            cells: None,
        };
        writer.point(out, &at, row)?;
    }
    writer.finish(out)
}

/// The variables of every output, each once, in the order the outputs
/// (in `--of`'s order) first have them.
fn union(jobs: &[Job]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for job in jobs {
        for v in job.graph().variables() {
            if !all.contains(v) {
                all.push(v.clone());
            }
        }
    }
    all
}

/// One output's results at one point, or the error that stopped it (a row
/// of `--points`, which the others outlive).
enum Part {
    Done(Captured),
    Failed { values: Vec<f64>, error: String },
}

/// What a point shows besides its outputs' results.
struct At<'a> {
    /// `at x=1, y=2`; `ann: at x=1, y=2` for a named row.
    heading: String,
    /// Its CSV cells before the outputs' columns: the variables' values,
    /// or the row's own cells.
    leading: &'a [&'a str],
    /// A row's cells with the file's header, for JSON's `"columns"`.
    cells: Option<(&'a Header, &'a [String])>,
}

/// Writes points of several outputs in the chosen format, and counts them.
struct Writer<'a> {
    jobs: &'a [Job],
    options: &'a Options,
    /// Headings (and JSON's array) when there are several points.
    several: bool,
    judged: bool,
    csv: Option<crate::report::csv::Outputs>,
    csv_header: Option<String>,
    json: Vec<crate::report::json::Json>,
    panels: Vec<svg::Panel>,
    /// Pictures written so far (Mermaid's blank line between them).
    pictures: usize,
    failed_points: Vec<usize>,
    summary: Counts,
}

impl<'a> Writer<'a> {
    /// `leading` names the CSV's first columns (default: the variables).
    fn new(
        jobs: &'a [Job],
        options: &'a Options,
        variables: Vec<String>,
        several: bool,
        leading: Option<&[String]>,
    ) -> Self {
        let judged = jobs.iter().any(|j| j.is_judged());
        let (csv_header, csv) = match options.format {
            Format::Csv => {
                let targets: Vec<Vec<String>> = jobs.iter().map(Job::targets).collect();
                let outputs: Vec<_> = jobs
                    .iter()
                    .zip(&targets)
                    .map(|(j, t)| (j.graph(), t.as_slice()))
                    .collect();
                let leading = leading.unwrap_or(&variables);
                let (header, writer) =
                    crate::report::csv::Outputs::new(leading, &variables, &outputs, judged);
                (Some(header), Some(writer))
            }
            _ => (None, None),
        };
        let json = jobs
            .iter()
            .map(|j| crate::report::json::Json::new(j.is_judged(), options.explain))
            .collect();
        Writer {
            jobs,
            options,
            several,
            judged,
            csv,
            csv_header,
            json,
            panels: Vec::new(),
            pictures: 0,
            failed_points: Vec::new(),
            summary: Counts::default(),
        }
    }

    /// Points written so far.
    fn points(&self) -> usize {
        self.summary.points
    }

    /// The size limits of a picture of `points` points, a panel an output.
    fn check_panels(&self, points: usize) -> Result<()> {
        let nodes = self
            .jobs
            .iter()
            .map(|j| j.graph().shown().count())
            .max()
            .unwrap_or(0);
        svg::check_size(nodes, points * self.jobs.len())
    }

    fn point(&mut self, out: &mut dyn Write, at: &At<'_>, row: &[(Part, Counts)]) -> Result<()> {
        let (jobs, options) = (self.jobs, self.options);
        let index = self.summary.points;
        let passed = row.iter().all(|(_, s)| s.failed == 0);
        if !passed {
            self.failed_points.push(index + 1);
        }
        self.summary.points += 1;
        for (_, s) in row {
            self.summary.checks += s.checks;
            self.summary.failed += s.failed;
            self.summary.errors += s.errors;
        }
        if options.quiet || options.summary {
            return Ok(());
        }
        let digits = options.digits;
        let passed_field = self.judged.then_some(passed);
        let name = |job: &Job| job.graph().name(job.graph().output()).to_string();
        match options.format {
            Format::Table => {
                if self.several {
                    if index > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", at.heading)?;
                }
                for (k, (job, (part, _))) in jobs.iter().zip(row).enumerate() {
                    if k > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "output {}:", name(job))?;
                    match part {
                        Part::Done(c) => replay(job, c, out)?,
                        Part::Failed { error, .. } => writeln!(out, "error: {error}")?,
                    }
                }
            }
            Format::Svg => {
                for (job, (part, _)) in jobs.iter().zip(row) {
                    let Part::Done(c) = part else { continue };
                    let title = match self.several {
                        true => format!("output {}, {}", name(job), at.heading),
                        false => format!("output {}", name(job)),
                    };
                    let point = c.point(job.graph(), digits);
                    let prefix = format!("p{}-", self.panels.len());
                    self.panels.push(svg::panel(
                        &point.view,
                        Some(&title),
                        &prefix,
                        options.layout,
                    ));
                }
            }
            // Formulas take their own mode (`symbolic_mode`).
            Format::Latex => {}
            Format::Dot | Format::Mermaid => {
                for (job, (part, _)) in jobs.iter().zip(row) {
                    let Part::Done(c) = part else { continue };
                    if options.format == Format::Mermaid && self.pictures > 0 {
                        writeln!(out)?;
                    }
                    replay(job, c, out)?;
                    self.pictures += 1;
                }
            }
            Format::Csv => {
                let parts: Vec<_> = jobs
                    .iter()
                    .zip(row)
                    .map(|(job, (part, counts))| crate::report::csv::OutputPart {
                        point: match part {
                            Part::Done(c) => Some(c.point(job.graph(), digits)),
                            Part::Failed { .. } => None,
                        },
                        checks: counts.checks,
                    })
                    .collect();
                if let Some(header) = self.csv_header.take() {
                    writeln!(out, "{header}")?;
                }
                if let Some(csv) = &mut self.csv {
                    writeln!(out, "{}", csv.row(at.leading, &parts, passed_field))?;
                }
            }
            Format::Json => {
                use crate::report::json::OutputPart;
                let names: Vec<String> = jobs.iter().map(name).collect();
                let parts: Vec<OutputPart<'_>> = jobs
                    .iter()
                    .zip(row.iter().zip(&self.json).zip(&names))
                    .map(|(job, (((part, _), json), output))| match part {
                        Part::Done(c) => OutputPart::Point(json, c.point(job.graph(), digits)),
                        Part::Failed { values, error } => OutputPart::Failed {
                            output,
                            variables: job.graph().variables(),
                            values,
                            error: error.clone(),
                        },
                    })
                    .collect();
                out.write_all(match (self.several, index) {
                    (false, _) => b"",
                    (true, 0) => b"[\n",
                    (true, _) => b",\n",
                })?;
                crate::report::json::outputs_point(out, &parts, at.cells, passed_field)?;
                if !self.several {
                    writeln!(out)?;
                }
            }
        }
        Ok(())
    }

    /// Ends the document (svg's panels, JSON's array, `--summary`).
    fn finish(self, out: &mut dyn Write) -> Result<Counts> {
        let options = self.options;
        let shown = !options.quiet && !options.summary;
        if options.format == Format::Svg && shown {
            svg::write_document(out, &self.panels)?;
        }
        if options.format == Format::Json && self.several && shown {
            match self.summary.points {
                0 => writeln!(out, "[]")?,
                _ => writeln!(out, "\n]")?,
            }
        }
        let summary = self.summary;
        if options.summary {
            write!(
                out,
                "checks: {} of {} points passed",
                summary.points - self.failed_points.len(),
                summary.points
            )?;
            if !self.failed_points.is_empty() {
                let list: Vec<String> = self.failed_points.iter().map(usize::to_string).collect();
                write!(out, "; failed points: {}", list.join(", "))?;
            }
            writeln!(out)?;
        }
        out.flush()?;
        Ok(summary)
    }
}

/// Writes one output's point as its own job would (its format's sink).
fn replay(job: &Job, c: &Captured, out: &mut dyn Write) -> Result<()> {
    let mut sink = job.sink("points");
    let graph = job.graph();
    let frame = Frame {
        graph,
        several: false,
        header: None,
    };
    sink.begin(out, &frame)?;
    sink.point(out, &c.point(graph, job.options().digits))?;
    sink.end(out, 1, true)
}

/// `at a1=1, a2=2`: a point among several, as bound.
fn heading(text: &str, bindings: &[Binding]) -> String {
    if bindings.is_empty() {
        return format!("at {text}");
    }
    let names: Vec<&str> = bindings.iter().map(|b| b.name.as_str()).collect();
    let values: Vec<f64> = bindings.iter().map(|b| b.value).collect();
    crate::graph::describe_point(&names, &values)
}

/// Warnings once each; a binding one output does not use is a warning
/// only when no output uses it.
fn emit_notices(notices: Vec<Notice>, outputs: usize, warn: &mut dyn FnMut(Notice)) {
    let mut seen: Vec<(Notice, usize)> = Vec::new();
    for n in notices {
        match seen.iter_mut().find(|(m, _)| *m == n) {
            Some((_, count)) => *count += 1,
            None => seen.push((n, 1)),
        }
    }
    for (n, count) in seen {
        let unused =
            matches!(&n, Notice::Warning(w) if w.contains("the expression does not use it"));
        if !unused || count % outputs == 0 {
            warn(n);
        }
    }
}
