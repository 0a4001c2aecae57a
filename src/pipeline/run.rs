//! One run of a [`Job`]: its points evaluated, checked and written
//! through the sink, and the output guard for `… | head`.

use super::Job;
use crate::bindings::{self, Binding};
use crate::check::{self};
use crate::error::Result;
use crate::eval::Evaluation;
use crate::options::{Counts, Notice};
use crate::points::Points;
use crate::report::sink::{self, Failed, GradReport, Point, Sink};
use crate::report::View;
use std::io::{self, BufRead, Write};

/// What a point gives an expectation besides the evaluation: a row's
/// answer (`@COLUMN`), or the value of a bound but unused variable.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Given<'a> {
    pub(super) answer: Option<&'a str>,
    pub(super) unused_value: Option<f64>,
}

/// An `--at` point evaluated: its values, the passes, what its checks get.
pub(super) type Evaluated = (Vec<f64>, Evaluation, Vec<Given<'static>>);

/// Ends the sink, and returns the run's result: the first error wins.
pub(super) fn finish(
    sink: &mut dyn Sink,
    out: &mut dyn Write,
    summary: Counts,
    result: Result<()>,
) -> Result<Counts> {
    let ended = sink.end(out, summary.points, result.is_ok());
    result?;
    ended?;
    out.flush()?;
    Ok(summary)
}

/// The output of a run that, once its reader has gone (`… | head`),
/// discards the rest when `keep_going` (the run has checks): the checks
/// still run to the end, so the exit code is the verdict.
pub(super) struct Output<W> {
    pub(super) inner: W,
    pub(super) keep_going: bool,
    pub(super) closed: bool,
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
pub(super) struct Run<'j, 'w> {
    pub(super) job: &'j Job,
    pub(super) warn: &'w mut dyn FnMut(Notice),
    pub(super) summary: Counts,
    /// The point was drawn (no `--at`): a number answer to a derivative
    /// is a constant formula, checked at every point.
    pub(super) drawn: bool,
    /// Formula answers of `@COLUMN` cells, compiled once a text (a class
    /// writes the same few answers).
    pub(super) compiled:
        std::cell::RefCell<rustc_hash::FxHashMap<String, std::rc::Rc<crate::formula::Formula>>>,
}

impl Run<'_, '_> {
    /// Resolves and evaluates every `--at` point, before anything is written.
    pub(super) fn evaluate_all(
        &mut self,
        list: &[(String, Vec<Binding>)],
    ) -> Result<Vec<Evaluated>> {
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
    pub(super) fn evaluate(&self, values: &[f64]) -> Result<Evaluation> {
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
    pub(super) fn csv_points(
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
    pub(super) fn emit(
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

    /// CSV in, rows out: rows read in batches, each batch evaluated and
    /// rendered on all cores by the batch engine, written in order. Memory
    /// stays constant. A row that cannot be evaluated is written with
    /// empty cells and named in a warning.
    pub(super) fn csv_batches(
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
