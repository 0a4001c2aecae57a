//! Several outputs over the rows of `--points`: the file is read once,
//! each row evaluated for every output and written at once (memory stays
//! constant), as one output writes its rows. A row one output cannot
//! evaluate is written with that output's cells empty and named in an
//! error line; the other outputs and rows go on.

use super::{union, At, Capture, Part, Writer};
use crate::bindings::Binding;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Counts, Format, Notice, Options};
use crate::pipeline::{Job, RowColumns};
use crate::points::Points;
use std::io::{BufRead, Write};

pub(super) fn run(
    jobs: &[Job],
    options: &Options,
    reader: Box<dyn BufRead + '_>,
    origin: &str,
    shared: &[Binding],
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Counts> {
    let variables = union(jobs);
    let mut points = Points::with_shared(reader, &variables, shared, origin)?;
    let mut columns: Vec<RowColumns> = jobs
        .iter()
        .map(|j| j.row_columns(&points.layout, origin))
        .collect::<Result<_>>()?;
    let taken: Vec<usize> = columns.iter().flat_map(RowColumns::taken).collect();
    points
        .layout
        .choose_id(&taken, options.id.as_deref())
        .map_err(|e| Error::new(ErrorKind::Usage(e)))?;
    let mut said: Vec<String> = Vec::new();
    for text in jobs.iter().flat_map(Job::unused_options) {
        if !said.contains(&text) {
            warn(Notice::Warning(text.clone()));
            said.push(text);
        }
    }
    // Each output's variables, as places in `variables`.
    let places: Vec<Vec<usize>> = jobs
        .iter()
        .map(|j| {
            j.graph()
                .variables()
                .iter()
                .map(|v| variables.iter().position(|u| u == v))
                .collect::<Option<_>>()
                .ok_or_else(|| Error::internal("an output's variable is not among the outputs'"))
        })
        .collect::<Result<_>>()?;
    // The gradient's columns: the file's order, then the shared ones.
    let mut order: Vec<usize> = points.layout.variable_order();
    let shared: Vec<usize> = (0..variables.len())
        .filter(|v| !order.contains(v))
        .collect();
    order.extend(shared);
    let gradient: Vec<String> = order.iter().map(|&v| variables[v].clone()).collect();
    let layout = points.layout.clone();
    let mut writer = Writer::new(jobs, options, gradient, true, Some(&layout.names));
    let mut values = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    while points.next_point(&mut values)? {
        cells.clear();
        cells.extend((0..layout.names.len()).map(|c| points.cell(c).into_owned()));
        let id = layout.id.and_then(|c| cells.get(c));
        let context = match id {
            Some(id) => format!("at: {origin}, line {}, {id}", points.line()),
            None => format!("at: {origin}, line {}", points.line()),
        };
        let mut row = Vec::with_capacity(jobs.len());
        for ((job, places), columns) in jobs.iter().zip(&places).zip(&mut columns) {
            let own: Vec<f64> = places.iter().map(|&v| values[v]).collect();
            let mut capture = Capture::default();
            let part = match job.run_row(&own, &cells, columns, &context, &mut capture, warn)? {
                Ok(counts) => match capture.point.take() {
                    Some(c) => (Part::Done(c), counts),
                    None => return Err(Error::internal("an output's row wrote no point")),
                },
                Err(e) => {
                    warn(Notice::RowError(format!("{} ({context})", e.kind)));
                    let counts = Counts {
                        points: 1,
                        checks: columns.checks(),
                        failed: columns.checks(),
                        errors: 1,
                    };
                    let error = e.kind.to_string();
                    (Part::Failed { values: own, error }, counts)
                }
            };
            row.push(part);
        }
        if options.format == Format::Svg {
            writer.check_panels(writer.points() + 1)?;
        }
        let point = crate::graph::describe_point(&variables, &values);
        let heading = match id {
            Some(id) => format!("{id}: {point}"),
            None => point,
        };
        let leading: Vec<&str> = cells.iter().map(String::as_str).collect();
        let at = At {
            heading,
            leading: &leading,
            cells: Some((&layout, &cells)),
        };
        writer.point(out, &at, &row)?;
    }
    writer.finish(out)
}
