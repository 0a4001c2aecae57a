//! The formulas mode (`--symbolic`, `--hessian`, `--format latex`) over
//! [`crate::symbolic`]:
//! the formulas, their values at the `--at` points, the Hessian, and the
//! checks of second derivatives (`d2f/dx2`, `d2f/dxdy` in `--expect`).

use crate::bindings::Binding;
use crate::check::second_target;
use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::options::{Counts, Format, Options, PointSource};
use crate::report::{FormulaPoint, FormulaSet, SecondChecked};
use crate::symbolic::{differentiate, formula_graph, hessian, Formulas};
use crate::symbolic::{evaluate_graph, print};
use rustc_hash::FxHashMap;
use std::io::Write;

/// Where the formulas mode's warnings go (a non-finite second derivative).
pub type Warn<'w> = &'w mut dyn FnMut(crate::options::Notice);

/// The formulas mode on a compiled program at the `--at` points (options
/// already checked, [`Options::check`]): writes its output, returns what it
/// did.
pub fn run(
    compiled: &Compiled,
    o: &Options,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: Warn<'_>,
) -> Result<Counts> {
    let points = at_points(points)?;
    let failed = formulas(compiled, o, &points, out, warn)?;
    Ok(Counts {
        points: points.len(),
        checks: o
            .expect
            .iter()
            .map(|l| crate::check::items(l).count())
            .sum(),
        failed: usize::from(failed),
        errors: 0,
    })
}

/// The `--at` points (`--points` is refused for formulas by the options' table).
fn at_points(points: PointSource<'_>) -> Result<Vec<(String, Vec<Binding>)>> {
    match points {
        PointSource::At(points) => Ok(points),
        _ => Err(Error::internal("formulas are refused with --points")),
    }
}

/// Several outputs (`--of p1,p2`): each one's formulas, in `--of`'s order,
/// the table a block an output, JSON `{"outputs": […]}`; each check goes
/// to the output its target names (`d2p2/dx2`).
pub fn run_several(
    compiled: &[Compiled],
    o: &Options,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: Warn<'_>,
) -> Result<Counts> {
    let points = at_points(points)?;
    let names: Vec<String> = compiled
        .iter()
        .map(|c| c.graph.name(c.graph.output()).to_string())
        .collect();
    let mut lists: Vec<Vec<&str>> = vec![Vec::new(); names.len()];
    for text in &o.expect {
        for item in crate::check::items(text) {
            let owner = crate::check::target_output(item)
                .and_then(|of| names.iter().position(|n| n == of))
                .ok_or_else(|| {
                    Error::new(ErrorKind::Check {
                        check: item.to_string(),
                        reason: format!(
                            "with several outputs a second derivative names its output: d2{}/dx2 (the outputs: {})",
                            names[0],
                            names.join(", ")
                        ),
                    })
                })?;
            lists[owner].push(item);
        }
    }
    let mut built = Vec::with_capacity(compiled.len());
    for (c, list) in compiled.iter().zip(&lists) {
        let one = Options {
            expect: match list.is_empty() {
                true => Vec::new(),
                false => vec![list.join(", ")],
            },
            ..o.clone()
        };
        built.push(build(c, &one, &points, warn)?.set);
    }
    match o.format {
        Format::Json => crate::report::json::formula_sets(out, &built)?,
        _ if o.quiet => {}
        _ => {
            for (k, (set, name)) in built.iter().zip(&names).enumerate() {
                if k > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "output {name}:")?;
                crate::report::table::formula_set(out, set)?;
            }
        }
    }
    out.flush()?;
    Ok(Counts {
        points: points.len(),
        checks: lists.iter().map(Vec::len).sum(),
        failed: built.iter().filter(|s| s.failed()).count(),
        errors: 0,
    })
}

/// Writes the formulas (and their values at `points`); 1 when a check
/// failed.
fn formulas(
    compiled: &Compiled,
    o: &Options,
    points: &[(String, Vec<Binding>)],
    out: &mut dyn Write,
    warn: Warn<'_>,
) -> Result<u8> {
    let Built {
        set,
        formulas,
        second,
    } = build(compiled, o, points, warn)?;
    let graph = &compiled.graph;
    let output = graph.name(graph.output()).to_string();
    let (bare, inline) = (compiled.bare, o.symbolic.inline);
    match o.format {
        Format::Json => crate::report::json::formula_set(out, &set)?,
        Format::Latex => {
            let text =
                crate::symbolic::latex::document(graph, &formulas, &output, second.as_ref(), bare);
            write!(out, "{text}")?;
        }
        _ if o.explain => write!(out, "{}", explain(graph, &output, bare, inline)?)?,
        _ if o.quiet => {}
        _ => crate::report::table::formula_set(out, &set)?,
    }
    out.flush()?;
    Ok(u8::from(set.failed()))
}

/// What [`build`] finds: the set the writers take, and the symbolic
/// objects LaTeX is written from.
struct Built<'g> {
    set: FormulaSet<'g>,
    formulas: Formulas,
    second: Option<crate::symbolic::Hessian>,
}

/// The formulas (with `--symbolic`), their values at `points` and the
/// checks judged. The numbers of the Hessian at a point are the double
/// backward's ([`crate::hessian`]), with or without formulas; without
/// `--symbolic` no formula is built.
fn build<'g>(
    compiled: &'g Compiled,
    o: &Options,
    points: &[(String, Vec<Binding>)],
    warn: Warn<'_>,
) -> Result<Built<'g>> {
    let args = &o.symbolic;
    let symbolic = args.symbolic || o.format == Format::Latex;
    let graph = &compiled.graph;
    let bare = compiled.bare;
    let formulas = match symbolic {
        true => differentiate(graph, args.inline, bare)?,
        false => Formulas::default(),
    };
    let steps = formulas.read_back(graph);
    let output = graph.name(graph.output()).to_string();
    let variables = graph.variables().to_vec();
    let gradient: Vec<String> = formulas
        .gradient
        .iter()
        .map(|&g| formulas.text(g))
        .collect();
    let second = if args.hessian && symbolic {
        Some(hessian(graph, &formulas, &steps)?)
    } else {
        None
    };
    // Every point first: an error leaves stdout empty.
    let mut evaluated = Vec::with_capacity(points.len());
    for (text, bindings) in points {
        let point =
            crate::bindings::resolve(graph, bindings).map_err(|e| e.in_source(text, "--at"))?;
        let named: FxHashMap<String, f64> = variables
            .iter()
            .cloned()
            .zip(point.values.iter().copied())
            .collect();
        let e = graph.evaluate(&point.values, !o.allow_nonfinite)?;
        let value = e.values[graph.output() as usize];
        let grads = match symbolic {
            true => gradient
                .iter()
                .map(|g| evaluate_graph(&formula_graph(&steps, g)?, &named))
                .collect::<Result<Vec<f64>>>()?,
            false => (0..variables.len())
                .map(|v| e.grads[graph.variable_node(v) as usize])
                .collect(),
        };
        let h = args.hessian.then(|| crate::hessian::matrix(graph, &e));
        let view = crate::report::View {
            graph,
            eval: &e,
            digits: o.digits,
        };
        let mut warnings = view.warnings();
        if let Some(h) = &h {
            warnings.extend(crate::hessian::warning(graph, &e, h));
        }
        for w in warnings {
            let w = match points.len() {
                1 => w,
                _ => format!("at {text}: {w}"),
            };
            warn(crate::options::Notice::Warning(w));
        }
        evaluated.push((text.clone(), value, grads, h));
    }
    let checks = parse_checks(&o.expect, &output, &variables)?;
    let points: Vec<FormulaPoint> = evaluated
        .into_iter()
        .map(|(at, value, gradient, hessian)| {
            let checks = checks
                .iter()
                .map(|c| {
                    let actual = hessian.as_ref().map_or(f64::NAN, |h| h[c.row][c.column]);
                    SecondChecked {
                        label: c.expectation.label.clone(),
                        expected_text: c.expectation.expected_text.clone(),
                        actual,
                        passed: c.expectation.judge(actual, None, None).passed,
                    }
                })
                .collect();
            FormulaPoint {
                at,
                value,
                gradient,
                hessian,
                checks,
            }
        })
        .collect();
    let set = FormulaSet {
        graph,
        symbolic,
        steps_program: formulas.steps_program(graph),
        steps: formulas
            .steps
            .iter()
            .map(|&(node, def)| (graph.name(node).to_string(), formulas.text(def)))
            .collect(),
        gradient,
        hessian: second.as_ref().map(|h| h.rows.clone()),
        points,
        digits: o.digits,
    };
    Ok(Built {
        set,
        formulas,
        second,
    })
}

/// A second-derivative check: the expectation and its cell of the Hessian.
struct SecondCheck {
    expectation: crate::check::Expectation,
    row: usize,
    column: usize,
}

/// `d2f/dx2` (also `∂²f/∂x²`, `d2L/dx2`) and `d2f/dxdy` targets.
fn parse_checks(lists: &[String], output: &str, variables: &[String]) -> Result<Vec<SecondCheck>> {
    let mut checks = Vec::new();
    for list in lists {
        for item in crate::check::items(list) {
            let bad = |reason: String| {
                Error::new(ErrorKind::Check {
                    check: item.to_string(),
                    reason,
                })
            };
            let Some((target, answer)) = item.split_once('=') else {
                return Err(bad("write TARGET=VALUE, e.g. d2f/dxdy=6".into()));
            };
            let target = target.trim();
            let (row, column) = second_target(target, output, variables).ok_or_else(|| {
                bad(format!(
                    "with --hessian a target is a second derivative: d2{output}/dx2 or d2{output}/dxdy, with x and y among {}",
                    variables.join(", ")
                ))
            })?;
            let parsed =
                crate::check::parse_expectations(&format!("{output}={}", answer.trim()), output)?;
            let Some(mut expectation) = parsed.into_iter().next() else {
                return Err(bad("no expected value".into()));
            };
            // A formula is judged over its whole domain by the run of one
            // output (random points, slips named), not by a Hessian cell.
            // (An answer that restates its target stays a failed check.)
            if (expectation.formula || expectation.column.is_some()) && answer.trim() != target {
                return Err(bad(format!(
                    "with --hessian the answer is a number; a formula answer is checked without --hessian, over the whole domain: --expect '{target}={}'",
                    answer.trim()
                )));
            }
            expectation.label = target.to_string();
            checks.push(SecondCheck {
                expectation,
                row,
                column,
            });
        }
    }
    Ok(checks)
}

/// `--explain --symbolic`: for each node, output first, the chain rule as
/// the lecture writes it: `∂L/∂z = ∂L/∂yhat · ∂yhat/∂z = ∂L/∂yhat ·
/// yhat*(1 - yhat) = yhat - y`.
fn explain(graph: &Graph, output: &str, bare: bool, inline: bool) -> Result<String> {
    // Every node named, so each local derivative reads in its inputs' names.
    let mut named = differentiate_named(graph);
    let full = differentiate(graph, inline, bare)?;
    let n = graph.len();
    let mut users: Vec<Vec<(NodeId, usize)>> = vec![Vec::new(); n];
    for id in 0..n as NodeId {
        for (i, &input) in graph.inputs(id).iter().enumerate() {
            users[input as usize].push((id, i));
        }
    }
    let mut text = String::new();
    let out = graph.output();
    let name = |id: NodeId| graph.name(id).to_string();
    text.push_str(&format!("∂{output}/∂{output} = 1\n"));
    for id in (0..n as NodeId).rev() {
        if id == out || matches!(graph.kind(id), Kind::Const(_)) {
            continue;
        }
        let Some(adjoint) = full.adjoint[id as usize] else {
            continue;
        };
        let me = name(id);
        let mut chain = Vec::new();
        let mut locals = Vec::new();
        for &(user, i) in &users[id as usize] {
            if full.adjoint[user as usize].is_none() {
                continue;
            }
            let u = name(user);
            let up = if user == out {
                String::new()
            } else {
                format!("∂{output}/∂{u} · ")
            };
            if !up.is_empty() {
                chain.push(format!("{up}∂{u}/∂{me}"));
            }
            let Kind::Op(op) = graph.kind(user) else {
                continue;
            };
            let args: Vec<_> = graph
                .inputs(user)
                .iter()
                .map(|&a| named.value[a as usize])
                .collect();
            let value = named.value[user as usize];
            let local = crate::symbolic::local_derivative(&mut named.ex, op, &args, value, i)?;
            let mut local_text = print::to_text(&named.ex, local);
            let compound = matches!(named.ex.node(local), crate::symbolic::expr::Node::Add(..))
                || local_text.starts_with('-');
            if compound && !up.is_empty() {
                local_text = format!("({local_text})");
            }
            locals.push(format!("{up}{local_text}"));
        }
        let result = full.text(adjoint);
        let mut line = format!("∂{output}/∂{me}");
        if !chain.is_empty() {
            line.push_str(&format!(" = {}", chain.join(" + ")));
        }
        let local_line = locals.join(" + ");
        line.push_str(&format!(" = {local_line}"));
        if result != local_line {
            line.push_str(&format!(" = {result}"));
        }
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

/// The formulas with every operation node a step (`g1`, `yhat`, …), for
/// local derivatives written in the nodes' names.
fn differentiate_named(graph: &Graph) -> Formulas {
    let mut ex = crate::symbolic::expr::Exprs::new();
    let mut value = Vec::with_capacity(graph.len());
    let mut name = String::new();
    for id in 0..graph.len() as NodeId {
        value.push(match graph.kind(id) {
            Kind::Const(c) => crate::symbolic::constant(&mut ex, graph, c),
            _ => {
                name.clear();
                graph.write_name(&mut name, id);
                ex.sym(&name)
            }
        });
    }
    Formulas {
        ex,
        value,
        steps: Vec::new(),
        adjoint: Vec::new(),
        gradient: Vec::new(),
    }
}
