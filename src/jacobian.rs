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
use crate::report::csv::OutputPoint;
use crate::report::sink::{CheckResult, Frame, GradReport, Point, Sink};
use crate::report::svg;
use crate::report::View;
use std::io::Write;

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

/// Runs every output's job at each `--at` point and writes them together.
/// Every point is evaluated before anything is written, as with one output.
pub fn run(
    jobs: &[Job],
    options: &Options,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Counts> {
    let PointSource::At(mut list) = points else {
        return Err(Error::internal("several outputs are refused with --points"));
    };
    if list.is_empty() {
        list.push((String::new(), Vec::new()));
    }
    let several = list.len() > 1;
    let mut summary = Counts::default();
    let mut notices: Vec<Notice> = Vec::new();
    // For each point: each output's results and counts.
    let mut parts: Vec<Vec<(Captured, Counts)>> = Vec::with_capacity(list.len());
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
            row.push((captured, counts));
        }
        parts.push(row);
    }
    emit_notices(notices, jobs.len(), warn);
    let judged = jobs.iter().any(|j| j.is_judged());
    let digits = options.digits;
    let targets: Vec<Vec<String>> = jobs.iter().map(Job::targets).collect();
    let mut failed_points = Vec::new();
    // `--format svg`: a titled panel an output at each point, one document.
    if options.format == Format::Svg {
        let nodes = jobs
            .iter()
            .map(|j| j.graph().shown().count())
            .max()
            .unwrap_or(0);
        svg::check_size(nodes, list.len() * jobs.len())?;
    }
    let mut panels = Vec::new();
    for (i, ((text, bindings), row)) in list.iter().zip(&parts).enumerate() {
        let passed = row.iter().all(|(_, s)| s.failed == 0);
        if !passed {
            failed_points.push(i + 1);
        }
        summary.points += 1;
        for (_, s) in row {
            summary.checks += s.checks;
            summary.failed += s.failed;
            summary.errors += s.errors;
        }
        if options.quiet || options.summary {
            continue;
        }
        let passed_field = judged.then_some(passed);
        match options.format {
            Format::Table => {
                if several {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", heading(text, bindings))?;
                }
                for (k, (job, (c, _))) in jobs.iter().zip(row).enumerate() {
                    if k > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "output {}:", job.graph().name(job.graph().output()))?;
                    replay(job, c, out)?;
                }
            }
            Format::Svg => {
                for (job, (c, _)) in jobs.iter().zip(row) {
                    let name = job.graph().name(job.graph().output()).to_string();
                    let title = match several {
                        true => format!("output {name}, {}", heading(text, bindings)),
                        false => format!("output {name}"),
                    };
                    let point = c.point(job.graph(), digits);
                    let prefix = format!("p{}-", panels.len());
                    panels.push(svg::panel(
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
                for (k, (job, (c, _))) in jobs.iter().zip(row).enumerate() {
                    if options.format == Format::Mermaid && (i > 0 || k > 0) {
                        writeln!(out)?;
                    }
                    replay(job, c, out)?;
                }
            }
            Format::Csv => {
                let outputs: Vec<OutputPoint<'_>> = jobs
                    .iter()
                    .zip(row.iter().zip(&targets))
                    .map(|(job, ((c, _), targets))| OutputPoint {
                        point: c.point(job.graph(), digits),
                        targets,
                    })
                    .collect();
                let (header, line) = crate::report::csv::outputs_lines(&outputs, passed_field);
                if i == 0 {
                    writeln!(out, "{header}")?;
                }
                writeln!(out, "{line}")?;
            }
            Format::Json => {
                let writers: Vec<crate::report::json::Json> = jobs
                    .iter()
                    .map(|j| crate::report::json::Json::new(j.is_judged(), options.explain))
                    .collect();
                let outputs: Vec<_> = writers
                    .iter()
                    .zip(jobs.iter().zip(row))
                    .map(|(w, (job, (c, _)))| (w, c.point(job.graph(), digits)))
                    .collect();
                out.write_all(match (several, i) {
                    (false, _) => b"",
                    (true, 0) => b"[\n",
                    (true, _) => b",\n",
                })?;
                crate::report::json::outputs_point(out, &outputs, passed_field)?;
                if !several {
                    writeln!(out)?;
                }
            }
        }
    }
    if options.format == Format::Svg && !options.quiet && !options.summary {
        svg::write_document(out, &panels)?;
    }
    if options.format == Format::Json && several && !options.quiet && !options.summary {
        writeln!(out, "\n]")?;
    }
    if options.summary {
        write!(
            out,
            "checks: {} of {} points passed",
            summary.points - failed_points.len(),
            summary.points
        )?;
        if !failed_points.is_empty() {
            let list: Vec<String> = failed_points.iter().map(usize::to_string).collect();
            write!(out, "; failed points: {}", list.join(", "))?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(summary)
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
    let list: Vec<String> = bindings
        .iter()
        .map(|b| format!("{}={}", b.name, crate::number::format(b.value)))
        .collect();
    format!("at {}", list.join(", "))
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
