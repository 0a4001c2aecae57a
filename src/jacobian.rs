//! Several outputs (`--of p1,p2,p3`): one gradient block per output, the
//! Jacobian, in every format. Each output is a job of its own (its graph
//! lowered for that output); at each point every job runs and their
//! outputs are put together: the table one block per output, JSON an
//! object per output under `"outputs"`, CSV each output's value and
//! gradient columns side by side, dot and Mermaid one picture per output.

use crate::bindings::Binding;
use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Format, Notice, Options, PointSource, Summary};
use crate::pipeline::Job;
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
        for (_, item) in crate::bindings::split_top_level(text) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let label = item.split('=').next().unwrap_or_default().trim();
            let owner = match label.split_once('/') {
                Some((top, _)) => {
                    let top = top.trim();
                    let of = top.strip_prefix('d').or_else(|| top.strip_prefix('∂'));
                    match of.and_then(|of| names.iter().position(|n| n == of)) {
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
                    }
                }
                None => compiled
                    .iter()
                    .position(|c| c.graph.find(label).is_some())
                    .unwrap_or(0),
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

/// Runs every output's job at each `--at` point and writes them together.
/// Every point is evaluated before anything is written, as with one output.
pub fn run(
    jobs: &[Job],
    options: &Options,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Summary> {
    let PointSource::At(mut list) = points else {
        return Err(Error::internal("several outputs are refused with --points"));
    };
    if list.is_empty() {
        list.push((String::new(), Vec::new()));
    }
    let several = list.len() > 1;
    let mut summary = Summary::default();
    let mut notices: Vec<Notice> = Vec::new();
    // For each point: each output's text and summary.
    let mut parts: Vec<Vec<(Vec<u8>, Summary)>> = Vec::with_capacity(list.len());
    for (text, bindings) in &list {
        let mut row = Vec::with_capacity(jobs.len());
        for job in jobs {
            let mut buf = Vec::new();
            let point = PointSource::At(vec![(text.clone(), bindings.clone())]);
            let s =
                job.run(point, &mut buf, &mut |n| notices.push(n))
                    .map_err(|e| match several {
                        true => e.with_note(format!("at: {text}")),
                        false => e,
                    })?;
            row.push((buf, s));
        }
        parts.push(row);
    }
    emit_notices(notices, jobs.len(), warn);
    let judged = jobs.iter().any(|j| j.is_judged());
    let names: Vec<String> = jobs
        .iter()
        .map(|j| j.graph().name(j.graph().output()).to_string())
        .collect();
    let mut failed_points = Vec::new();
    let mut json_points = Vec::new();
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
        match options.format {
            Format::Table => {
                if several {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", heading(text, bindings))?;
                }
                for (k, ((buf, _), name)) in row.iter().zip(&names).enumerate() {
                    if k > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "output {name}:")?;
                    out.write_all(buf)?;
                }
            }
            // Refused before: svg above, latex by `Job::new` (formulas take one output).
            Format::Svg | Format::Latex => {}
            Format::Dot | Format::Mermaid => {
                for (k, (buf, _)) in row.iter().enumerate() {
                    if options.format == Format::Mermaid && (i > 0 || k > 0) {
                        writeln!(out)?;
                    }
                    out.write_all(buf)?;
                }
            }
            Format::Csv => {
                let (header, line) = csv_row(jobs, row, judged, passed)?;
                if i == 0 {
                    writeln!(out, "{header}")?;
                }
                writeln!(out, "{line}")?;
            }
            Format::Json => {
                // Each output's object as its job wrote it (one node a line).
                let outputs: Vec<String> = row
                    .iter()
                    .map(|(buf, _)| String::from_utf8_lossy(buf).trim_end().to_string())
                    .collect();
                let mut text = format!("{{\"outputs\": [\n{}\n]", outputs.join(",\n"));
                if judged {
                    text.push_str(&format!(", \"passed\": {passed}"));
                }
                text.push('}');
                json_points.push(text);
            }
        }
    }
    if options.format == Format::Json && !options.quiet && !options.summary {
        match several {
            true => writeln!(out, "[\n{}\n]", json_points.join(",\n"))?,
            false => writeln!(out, "{}", json_points.concat())?,
        }
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

/// The CSV header and row of one point: the variables, then each output's
/// value and gradient (and its checks' `pass:` columns), then `passed`.
fn csv_row(
    jobs: &[Job],
    row: &[(Vec<u8>, Summary)],
    judged: bool,
    passed: bool,
) -> Result<(String, String)> {
    let mut header: Vec<String> = Vec::new();
    let mut line: Vec<String> = Vec::new();
    for (k, (job, (buf, _))) in jobs.iter().zip(row).enumerate() {
        let text = String::from_utf8_lossy(buf);
        let mut lines = text.lines();
        let (Some(h), Some(l)) = (lines.next(), lines.next()) else {
            return Err(Error::internal("an output's CSV has no row"));
        };
        // Names and numbers only: no field is quoted, so commas split.
        let mut h: Vec<&str> = h.split(',').collect();
        let mut l: Vec<&str> = l.split(',').collect();
        if job.is_judged() {
            h.pop();
            l.pop();
        }
        let skip = if k == 0 {
            0
        } else {
            job.graph().variables().len()
        };
        header.extend(h.iter().skip(skip).map(|s| s.to_string()));
        line.extend(l.iter().skip(skip).map(|s| s.to_string()));
    }
    if judged {
        header.push("passed".into());
        line.push(passed.to_string());
    }
    Ok((header.join(","), line.join(",")))
}
