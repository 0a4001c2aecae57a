//! The formulas mode (`--symbolic`, `--hessian`, `--format latex`) over
//! [`crate::symbolic`]:
//! the formulas, their values at the `--at` points, the Hessian, and the
//! checks of second derivatives (`d2f/dx2`, `d2f/dxdy` in `--expect`).

use crate::bindings::Binding;
use crate::check::second_target;
use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, Kind, NodeId};
use crate::options::{Format, Options, PointSource, Summary};
use crate::symbolic::{differentiate, formula_graph, grad_label, hessian, hessian_label, Formulas};
use crate::symbolic::{evaluate_graph, print};
use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};
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
) -> Result<Summary> {
    let PointSource::At(points) = points else {
        return Err(Error::internal("formulas are refused with --points"));
    };
    let failed = formulas(compiled, o, &points, out, warn)?;
    Ok(Summary {
        points: points.len(),
        checks: o.expect.len(),
        failed: usize::from(failed),
        errors: 0,
    })
}

/// Writes the formulas (and their values at `points`); 1 when a check
/// failed. The numbers of the Hessian at a point are the double backward's
/// ([`crate::hessian`]), with or without formulas; without `--symbolic` no
/// formula is built.
fn formulas(
    compiled: &Compiled,
    o: &Options,
    points: &[(String, Vec<Binding>)],
    out: &mut dyn Write,
    warn: Warn<'_>,
) -> Result<u8> {
    let args = &o.symbolic;
    let symbolic = args.symbolic || o.format == Format::Latex;
    let graph = &compiled.graph;
    let bare = compiled.bare;
    let formulas = match symbolic {
        true => differentiate(graph, args.inline, bare)?,
        false => Formulas::default(),
    };
    let steps = formulas.steps_program(graph);
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
    let mut failed = 0;
    let w = &mut Writer {
        out,
        digits: o.digits,
    };
    match o.format {
        Format::Json => {
            let doc = json_doc(
                graph, &formulas, &output, &gradient, &second, symbolic, &evaluated, bare,
            );
            let text = serde_json::to_string_pretty(&doc)
                .map_err(|e| Error::internal(format!("JSON: {e}")))?;
            w.line(&text)?;
        }
        Format::Latex => {
            let text =
                crate::symbolic::latex::document(graph, &formulas, &output, second.as_ref(), bare);
            w.text(&text)?;
        }
        _ if o.explain => {
            let text = explain(graph, &output, bare, args.inline)?;
            w.text(&text)?;
        }
        _ => {
            if o.quiet {
                return Ok(0);
            }
            if symbolic {
                if !steps.is_empty() {
                    w.text(&steps)?;
                    w.line("")?;
                }
                for (i, v) in variables.iter().enumerate() {
                    let mut line = format!("{} = {}", grad_label(&output, v), gradient[i]);
                    if let [(_, _, grads, _)] = evaluated.as_slice() {
                        line.push_str(&format!(" = {}", w.num(grads[i])));
                    }
                    w.line(&line)?;
                }
                if let Some(h) = &second {
                    w.line("")?;
                    for (i, u) in variables.iter().enumerate() {
                        for (j, v) in variables.iter().enumerate().skip(i) {
                            let mut line =
                                format!("{} = {}", hessian_label(&output, u, v), h.rows[i][j]);
                            if let [(_, _, _, Some(hv))] = evaluated.as_slice() {
                                line.push_str(&format!(" = {}", w.num(hv[i][j])));
                            }
                            w.line(&line)?;
                        }
                    }
                }
            }
            let several =
                evaluated.len() > 1 || (symbolic && !evaluated.is_empty() && (evaluated.len() > 1));
            for (text, value, grads, h) in &evaluated {
                if !symbolic || several {
                    if several {
                        w.line("")?;
                        w.line(&format!("at: {text}"))?;
                    }
                    if !symbolic {
                        w.line(&format!("{output} = {}", w.num(*value)))?;
                        for (i, v) in variables.iter().enumerate() {
                            w.line(&format!("{} = {}", grad_label(&output, v), w.num(grads[i])))?;
                        }
                    } else {
                        for (i, v) in variables.iter().enumerate() {
                            w.line(&format!("{} = {}", grad_label(&output, v), w.num(grads[i])))?;
                        }
                    }
                }
                if let Some(h) = h {
                    if !symbolic || several {
                        w.line("")?;
                        hessian_table(w, &output, &variables, h)?;
                    }
                }
                for c in &checks {
                    let actual = h.as_ref().map_or(f64::NAN, |h| h[c.row][c.column]);
                    let outcome = c.expectation.judge(actual, None, None);
                    if !outcome.passed {
                        failed += 1;
                    }
                    w.line(&format!(
                        "{} {}: expected {}, got {}",
                        if outcome.passed { "passed" } else { "FAILED" },
                        c.expectation.label,
                        c.expectation.expected_text,
                        w.num(actual)
                    ))?;
                }
            }
        }
    }
    w.out.flush()?;
    Ok(u8::from(failed > 0))
}

struct Writer<'o> {
    out: &'o mut dyn Write,
    digits: Option<usize>,
}

impl Writer<'_> {
    fn line(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }
    fn text(&mut self, text: &str) -> Result<()> {
        write!(self.out, "{text}")?;
        Ok(())
    }
    fn num(&self, x: f64) -> String {
        crate::number::format_digits(x, self.digits)
    }
}

fn hessian_table(
    w: &mut Writer<'_>,
    output: &str,
    variables: &[String],
    h: &[Vec<f64>],
) -> Result<()> {
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(variables.len() + 1);
    let mut head = vec![format!("∂²{output}")];
    head.extend(variables.iter().cloned());
    rows.push(head);
    for (i, u) in variables.iter().enumerate() {
        let mut row = vec![u.clone()];
        row.extend(h[i].iter().map(|&x| w.num(x)));
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if c + 1 < columns {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count()));
            }
        }
        w.line(&line)?;
    }
    Ok(())
}

type Point = (String, f64, Vec<f64>, Option<Vec<Vec<f64>>>);

#[allow(clippy::too_many_arguments)]
fn json_doc(
    graph: &Graph,
    formulas: &Formulas,
    output: &str,
    gradient: &[String],
    second: &Option<crate::symbolic::Hessian>,
    symbolic: bool,
    evaluated: &[Point],
    _bare: bool,
) -> Value {
    let variables = graph.variables();
    let numbers = |(text, value, grads, h): &Point| {
        let mut o = Map::new();
        if !symbolic {
            o.insert("output".into(), json!(output));
        } else {
            o.insert("at".into(), json!(text));
        }
        o.insert("value".into(), num(*value));
        o.insert(
            "gradient".into(),
            Value::Object(
                variables
                    .iter()
                    .cloned()
                    .zip(grads.iter().map(|&g| num(g)))
                    .collect(),
            ),
        );
        if let Some(h) = h {
            o.insert("hessian".into(), matrix(variables, |i, j| num(h[i][j])));
        }
        Value::Object(o)
    };
    if !symbolic {
        let list: Vec<Value> = evaluated.iter().map(numbers).collect();
        return match <[Value; 1]>::try_from(list) {
            Ok([one]) => one,
            Err(list) => Value::Array(list),
        };
    }
    let mut doc = Map::new();
    doc.insert("output".into(), json!(output));
    let steps: Map<String, Value> = formulas
        .steps
        .iter()
        .map(|&(node, def)| (graph.name(node).to_string(), json!(formulas.text(def))))
        .collect();
    doc.insert("steps".into(), Value::Object(steps));
    doc.insert(
        "gradient".into(),
        Value::Object(
            variables
                .iter()
                .cloned()
                .zip(gradient.iter().map(|g| json!(g)))
                .collect(),
        ),
    );
    if let Some(h) = second {
        doc.insert(
            "hessian".into(),
            matrix(variables, |i, j| json!(h.rows[i][j])),
        );
    }
    if !evaluated.is_empty() {
        doc.insert(
            "points".into(),
            Value::Array(evaluated.iter().map(numbers).collect()),
        );
    }
    Value::Object(doc)
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    } else {
        Value::Null
    }
}

fn matrix(variables: &[String], cell: impl Fn(usize, usize) -> Value) -> Value {
    Value::Object(
        variables
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let row: Map<String, Value> = variables
                    .iter()
                    .enumerate()
                    .map(|(j, v)| (v.clone(), cell(i, j)))
                    .collect();
                (u.clone(), Value::Object(row))
            })
            .collect(),
    )
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
        for (_, item) in crate::bindings::split_top_level(list) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
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
