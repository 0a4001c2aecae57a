//! `--format json` (README, "JSON"): one object per point, an array for
//! several. Written as it goes, one line per node, with no document held in
//! memory. Integral values print as integers (`136`), others in the
//! shortest exact form; a non-finite number is `null` with an entry in
//! `warnings`.

use super::View;
use crate::error::Result;
use crate::graph::{Kind, NodeId};
use crate::points::Header;
use crate::report::explain;
use crate::report::log::{LogEnd, LogFrame, LogSink, StepRecord};
use crate::report::sink::{Failed, Frame, Point, Sink};
use crate::report::{FormulaPoint, FormulaSet};
use std::io::{self, Write};

/// Appends `x` as JSON: an integer when integral, else the shortest form
/// that reads back exactly; `null` when not finite.
pub fn push_number(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        // -0 is shown as 0, as in the table.
        out.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
    } else if x.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Appends `text` as a JSON string.
pub fn push_string(out: &mut Vec<u8>, text: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// `{"name": …, "op": …, "expr": …, "inputs": […], "value": …, "grad": …}`
fn push_node(out: &mut Vec<u8>, view: &View<'_>, id: NodeId, text: &mut String) {
    let g = view.graph;
    text.clear();
    g.write_name(text, id);
    out.extend_from_slice(b"{\"name\": ");
    push_string(out, text);
    out.extend_from_slice(b", \"op\": ");
    push_string(out, g.op_name(id));
    out.extend_from_slice(b", \"expr\": ");
    if !matches!(g.kind(id), Kind::Var(_)) {
        text.clear();
        g.write_definition(text, id);
    }
    push_string(out, text);
    out.extend_from_slice(b", \"inputs\": [");
    let mut first = true;
    for &j in g.inputs(id).iter().filter(|&&j| g.is_shown(j)) {
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        text.clear();
        g.write_name(text, j);
        push_string(out, text);
    }
    out.extend_from_slice(b"], \"value\": ");
    push_number(out, view.value(id));
    out.extend_from_slice(b", \"grad\": ");
    push_number(out, view.grad(id));
    out.push(b'}');
}

/// The node lines, in order. A big graph's lines are formatted on all
/// cores, a chunk at a time, so memory stays a few MB.
fn write_nodes(
    out: &mut dyn Write,
    view: &View<'_>,
    ids: &[NodeId],
    indent: &[u8],
) -> io::Result<()> {
    const CHUNK: usize = 1 << 15;
    let threads = match ids.len() {
        n if n < CHUNK => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
    };
    let last = ids.len().saturating_sub(1);
    let format = |first: usize, part: &[NodeId]| {
        let mut buf = Vec::with_capacity(part.len() * 128);
        let mut text = String::new();
        for (k, &id) in part.iter().enumerate() {
            buf.extend_from_slice(indent);
            buf.extend_from_slice(b"    ");
            push_node(&mut buf, view, id, &mut text);
            buf.extend_from_slice(if first + k < last { b",\n" } else { b"\n" });
        }
        buf
    };
    for (c, chunk) in ids.chunks(CHUNK * threads).enumerate() {
        let first = c * CHUNK * threads;
        if threads == 1 {
            out.write_all(&format(first, chunk))?;
            continue;
        }
        let per = chunk.len().div_ceil(threads);
        let bufs: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per)
                .enumerate()
                .map(|(i, part)| scope.spawn(move || format(first + i * per, part)))
                .collect();
            // A formatting thread cannot panic on valid nodes; if one did,
            // its lines are formatted again here.
            handles
                .into_iter()
                .zip(chunk.chunks(per).enumerate())
                .map(|(h, (i, part))| h.join().unwrap_or_else(|_| format(first + i * per, part)))
                .collect()
        });
        for buf in bufs {
            out.write_all(&buf)?;
        }
    }
    Ok(())
}

/// Writes one point's object: one line per key, and one line per node, then
/// the `extra` keys with their values already rendered. `nested` indents it
/// as an element of the array of several points; the caller writes the
/// brackets and commas between points.
pub fn write_point(
    out: &mut dyn Write,
    view: &View<'_>,
    nested: bool,
    extra: &[(&str, Vec<u8>)],
) -> io::Result<()> {
    let g = view.graph;
    let indent: &[u8] = if nested { b"  " } else { b"" };
    let mut line: Vec<u8> = Vec::with_capacity(256);
    line.extend_from_slice(indent);
    line.extend_from_slice(b"{\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"output\": ");
    push_string(&mut line, &view.output_name());
    line.extend_from_slice(b",\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"value\": ");
    push_number(&mut line, view.output_value());
    line.extend_from_slice(b",\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"gradient\": {");
    for (v, name) in g.variables().iter().enumerate() {
        if v > 0 {
            line.extend_from_slice(b", ");
        }
        push_string(&mut line, name);
        line.extend_from_slice(b": ");
        push_number(&mut line, view.grad(g.variable_node(v)));
    }
    line.extend_from_slice(b"},\n");
    line.extend_from_slice(indent);
    line.extend_from_slice(b"  \"nodes\": [");
    let shown: Vec<NodeId> = g.shown().collect();
    let any = !shown.is_empty();
    if any {
        line.push(b'\n');
    }
    out.write_all(&line)?;
    write_nodes(out, view, &shown, indent)?;
    line.clear();
    if any {
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ");
    }
    line.push(b']');
    let warnings = view.warnings();
    if !warnings.is_empty() {
        line.extend_from_slice(b",\n");
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  \"warnings\": [\n");
        for (i, w) in warnings.iter().enumerate() {
            line.extend_from_slice(indent);
            line.extend_from_slice(b"    ");
            push_string(&mut line, w);
            line.extend_from_slice(if i + 1 < warnings.len() {
                b",\n"
            } else {
                b"\n"
            });
        }
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ]");
    }
    let tensors;
    let mut extra: Vec<(&str, &[u8])> = extra.iter().map(|(k, v)| (*k, v.as_slice())).collect();
    if !g.groups().is_empty() {
        tensors = super::tensor::json(view);
        extra.insert(0, ("tensors", &tensors));
    }
    for (key, value) in extra {
        line.extend_from_slice(b",\n");
        line.extend_from_slice(indent);
        line.extend_from_slice(b"  ");
        push_string(&mut line, key);
        line.extend_from_slice(b": ");
        // Values rendered on several lines are indented for their place.
        for (i, part) in value.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                line.push(b'\n');
                line.extend_from_slice(indent);
            }
            line.extend_from_slice(part);
        }
    }
    line.push(b'\n');
    line.extend_from_slice(indent);
    line.push(b'}');
    out.write_all(&line)
}

/// `"columns": {"student": "ann", …}`: the cells of the columns that are
/// not variables, as written.
fn columns_json(header: Option<&Header>, cells: Option<&[String]>) -> Option<Vec<u8>> {
    let (header, cells) = (header?, cells?);
    let mut out = b"{".to_vec();
    let mut first = true;
    for ((name, var), cell) in header.names.iter().zip(&header.variable).zip(cells) {
        if var.is_none() {
            if !first {
                out.extend_from_slice(b", ");
            }
            first = false;
            push_string(&mut out, name);
            out.extend_from_slice(b": ");
            push_string(&mut out, cell);
        }
    }
    out.push(b'}');
    (!first).then_some(out)
}

/// One JSON object for one point; an array of them for several. With
/// checks, each point also carries `checks`, `gradcheck`, `explain` (as
/// asked) and `passed`.
#[derive(Default)]
pub struct Json {
    several: bool,
    header: Option<Header>,
    /// Whether points carry `passed`: there are checks.
    pub judged: bool,
    /// Whether points carry the passes written out (`--explain`).
    pub explain: bool,
}

impl Json {
    pub fn new(judged: bool, explain: bool) -> Self {
        Json {
            several: false,
            header: None,
            judged,
            explain,
        }
    }

    /// The keys after `nodes`, rendered.
    pub fn extra_fields(&self, point: &Point<'_>) -> Result<Vec<(&'static str, Vec<u8>)>> {
        let mut fields = Vec::new();
        if let Some(columns) = columns_json(self.header.as_ref(), point.cells) {
            fields.push(("columns", columns));
        }
        if self.explain {
            fields.push(("explain", explain_json(point)?));
        }
        if self.judged {
            let mut checks = b"[".to_vec();
            for (i, c) in point.checks.iter().enumerate() {
                checks.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                checks.extend_from_slice(b"    {\"target\": ");
                push_string(&mut checks, &c.target);
                checks.extend_from_slice(b", \"expected\": ");
                // A tensor's check: nested arrays of its entries.
                let nested = |values: &[f64], t: &crate::check::TensorVerdict| {
                    t.array(values, |x| {
                        let mut b = Vec::new();
                        push_number(&mut b, x);
                        String::from_utf8_lossy(&b).into_owned()
                    })
                };
                match &c.tensor {
                    Some(t) => checks.extend_from_slice(nested(&t.expected, t).as_bytes()),
                    None => push_number(&mut checks, c.expected),
                }
                if c.formula {
                    checks.extend_from_slice(b", \"formula\": ");
                    push_string(&mut checks, &c.expected_text);
                }
                checks.extend_from_slice(b", \"actual\": ");
                match &c.tensor {
                    Some(t) => {
                        checks.extend_from_slice(nested(&t.actual, t).as_bytes());
                        let shape: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
                        let passing = t.passed.iter().filter(|&&p| p).count();
                        checks.extend_from_slice(
                            format!(
                                ", \"shape\": [{}], \"entries_passed\": {passing}",
                                shape.join(", ")
                            )
                            .as_bytes(),
                        );
                    }
                    None => push_number(&mut checks, c.actual),
                }
                checks.extend_from_slice(b", \"passed\": ");
                checks.extend_from_slice(if c.passed { b"true" } else { b"false" });
                checks.extend_from_slice(b", \"reason\": ");
                match &c.reason {
                    Some(r) => push_string(&mut checks, r),
                    None => checks.extend_from_slice(b"null"),
                }
                checks.push(b'}');
            }
            checks.extend_from_slice(if point.checks.is_empty() {
                b"]"
            } else {
                b"\n  ]"
            });
            fields.push(("checks", checks));
        }
        if let Some(report) = point.gradcheck {
            let mut g = b"{\"tolerance\": ".to_vec();
            push_number(&mut g, report.tol);
            g.extend_from_slice(b", \"largest_error\": ");
            push_number(&mut g, report.largest_error());
            g.extend_from_slice(b", \"variables\": [");
            for (i, c) in report.variables.iter().enumerate() {
                g.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                g.extend_from_slice(b"    {\"variable\": ");
                push_string(&mut g, &c.variable);
                for (key, x) in [
                    ("analytic", c.analytic),
                    ("numeric", c.numeric),
                    ("error", c.error),
                ] {
                    g.extend_from_slice(format!(", \"{key}\": ").as_bytes());
                    push_number(&mut g, x);
                }
                g.extend_from_slice(b", \"passed\": ");
                g.extend_from_slice(if c.passed { b"true" } else { b"false" });
                g.extend_from_slice(b", \"skipped\": ");
                match &c.skipped {
                    Some(why) => push_string(&mut g, why),
                    None => g.extend_from_slice(b"null"),
                }
                g.push(b'}');
            }
            g.extend_from_slice(b"\n  ]}");
            fields.push(("gradcheck", g));
        }
        if self.judged {
            let passed: &[u8] = if point.passed() { b"true" } else { b"false" };
            fields.push(("passed", passed.to_vec()));
        }
        Ok(fields)
    }
}

/// `{"forward": [lines], "backward": [lines]}`: `--explain`'s two passes,
/// a line each, as the text form writes them.
fn explain_json(point: &Point<'_>) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    explain::write(&mut text, &point.view)?;
    let text = String::from_utf8_lossy(&text);
    let mut passes: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
    let mut pass = 0;
    for line in text.lines() {
        if line.is_empty() {
            pass = 1;
        } else if let Some(step) = line.strip_prefix("  ") {
            passes[pass].push(step);
        }
    }
    let mut out = Vec::new();
    for (i, (key, lines)) in ["forward", "backward"].iter().zip(&passes).enumerate() {
        out.extend_from_slice(if i == 0 { b"{" } else { b", " });
        push_string(&mut out, key);
        out.extend_from_slice(b": [");
        for (j, line) in lines.iter().enumerate() {
            out.extend_from_slice(if j == 0 { b"\n    " } else { b",\n    " });
            push_string(&mut out, line);
        }
        out.extend_from_slice(b"\n  ]");
    }
    out.push(b'}');
    Ok(out)
}

impl Sink for Json {
    fn begin(&mut self, out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        self.header = frame.header.cloned();
        if self.several {
            out.write_all(b"[\n")?;
        }
        Ok(())
    }

    fn failed(&mut self, out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        if self.several && point.index > 0 {
            out.write_all(b",\n")?;
        }
        let indent = if self.several { "  " } else { "" };
        let mut text = format!("{indent}{{");
        let mut line = Vec::new();
        if let Some(columns) = columns_json(self.header.as_ref(), point.cells) {
            line.extend_from_slice(b"\"columns\": ");
            line.extend_from_slice(&columns);
            line.extend_from_slice(b", ");
        }
        line.extend_from_slice(b"\"point\": {");
        for (v, name) in point.graph.variables().iter().enumerate() {
            if v > 0 {
                line.extend_from_slice(b", ");
            }
            push_string(&mut line, name);
            line.extend_from_slice(b": ");
            push_number(&mut line, point.values[v]);
        }
        line.extend_from_slice(b"}, \"error\": ");
        push_string(&mut line, &point.error.kind.to_string());
        if self.judged {
            line.extend_from_slice(b", \"passed\": false");
        }
        text.push_str(&String::from_utf8_lossy(&line));
        text.push('}');
        if !self.several {
            text.push('\n');
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        if self.several && point.index > 0 {
            out.write_all(b",\n")?;
        }
        let extra = self.extra_fields(point)?;
        write_point(out, &point.view, self.several, &extra)?;
        if !self.several {
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, points: usize, _complete: bool) -> Result<()> {
        if self.several {
            out.write_all(if points > 0 { b"\n]\n" } else { b"]\n" })?;
        }
        Ok(())
    }
}

/// The formulas mode's JSON: without `--symbolic` a point's numbers (an
/// array for several); with it the steps, the gradient's and the Hessian's
/// formulas and each point's numbers.
pub fn formula_set(out: &mut dyn Write, set: &FormulaSet<'_>) -> Result<()> {
    write_value(out, &formula_value(set))
}

/// Several outputs' formulas (`--of p1,p2 --symbolic`): `{"outputs": […]}`,
/// each as [`formula_set`] writes one.
pub fn formula_sets(out: &mut dyn Write, sets: &[FormulaSet<'_>]) -> Result<()> {
    let outputs = sets.iter().map(formula_value).collect();
    let mut doc = serde_json::Map::new();
    doc.insert("outputs".into(), serde_json::Value::Array(outputs));
    write_value(out, &serde_json::Value::Object(doc))
}

fn write_value(out: &mut dyn Write, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::error::Error::internal(format!("JSON: {e}")))?;
    writeln!(out, "{text}")?;
    Ok(())
}

fn formula_value(set: &FormulaSet<'_>) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let graph = set.graph;
    let output = &graph.name(graph.output()).to_string();
    let variables = graph.variables();
    let num = |x: f64| match x.is_finite() {
        true => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        false => Value::Null,
    };
    let matrix = |cell: &dyn Fn(usize, usize) -> Value| {
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
    };
    let numbers = |p: &FormulaPoint| {
        let mut o = Map::new();
        match set.symbolic {
            false => o.insert("output".into(), json!(output)),
            true => o.insert("at".into(), json!(p.at)),
        };
        o.insert("value".into(), num(p.value));
        let gradient = variables
            .iter()
            .cloned()
            .zip(p.gradient.iter().map(|&g| num(g)));
        o.insert("gradient".into(), Value::Object(gradient.collect()));
        if let Some(h) = &p.hessian {
            o.insert("hessian".into(), matrix(&|i, j| num(h[i][j])));
        }
        Value::Object(o)
    };
    let doc = match set.symbolic {
        false => {
            let list: Vec<Value> = set.points.iter().map(numbers).collect();
            match <[Value; 1]>::try_from(list) {
                Ok([one]) => one,
                Err(list) => Value::Array(list),
            }
        }
        true => {
            let mut doc = Map::new();
            doc.insert("output".into(), json!(output));
            let steps = set.steps.iter().map(|(n, f)| (n.clone(), json!(f)));
            doc.insert("steps".into(), Value::Object(steps.collect()));
            let gradient = variables
                .iter()
                .cloned()
                .zip(set.gradient.iter().map(|g| json!(g)));
            doc.insert("gradient".into(), Value::Object(gradient.collect()));
            if let Some(rows) = &set.hessian {
                doc.insert("hessian".into(), matrix(&|i, j| json!(rows[i][j])));
            }
            if !set.points.is_empty() {
                let points = set.points.iter().map(numbers).collect();
                doc.insert("points".into(), Value::Array(points));
            }
            Value::Object(doc)
        }
    };
    doc
}

/// The training log as one JSON document: `steps` (a line each), then the
/// final `params`, `loss` and `at`; after an error, `error` closes it.
pub struct JsonLog;

/// `{"w": 0.5, "b": 1}`: one number a parameter.
fn push_named(b: &mut Vec<u8>, frame: &LogFrame<'_>, values: &[f64]) {
    let names = frame.names;
    b.push(b'{');
    // A tensor parameter (SPEC §9) is one key, its value nested arrays.
    for (i, unit) in crate::report::log::units(names.len(), frame.tensors)
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            b.extend_from_slice(b", ");
        }
        match unit {
            Ok(k) => {
                push_string(b, names[k]);
                b.extend_from_slice(b": ");
                push_number(b, values[k]);
            }
            Err(t) => {
                let t = &frame.tensors[t];
                push_string(b, &t.name);
                b.extend_from_slice(b": ");
                let array = t.array(&values[t.range.clone()], |x| {
                    let mut n = Vec::new();
                    push_number(&mut n, x);
                    String::from_utf8_lossy(&n).into_owned()
                });
                b.extend_from_slice(array.as_bytes());
            }
        }
    }
    b.push(b'}');
}

impl LogSink for JsonLog {
    fn begin(&mut self, _frame: &LogFrame<'_>, text: &mut Vec<u8>) {
        text.extend_from_slice(b"{\n  \"steps\": [");
    }

    fn step(&mut self, frame: &LogFrame<'_>, r: &StepRecord<'_>, b: &mut Vec<u8>) {
        b.extend_from_slice(if r.step == 1 { b"\n" } else { b",\n" });
        b.extend_from_slice(format!("    {{\"step\": {}", r.step).as_bytes());
        if frame.dataset {
            b.extend_from_slice(
                format!(", \"epoch\": {}, \"rows\": {}", r.epoch, r.rows).as_bytes(),
            );
        }
        b.extend_from_slice(b", \"loss\": ");
        push_number(b, r.loss);
        b.extend_from_slice(b", \"params\": ");
        push_named(b, frame, r.params);
        b.extend_from_slice(b", \"gradient\": ");
        push_named(b, frame, r.grads);
        b.push(b'}');
    }

    fn end(&mut self, frame: &LogFrame<'_>, end: &LogEnd<'_>, b: &mut Vec<u8>) {
        b.extend_from_slice(b"\n  ],\n  \"params\": ");
        push_named(b, frame, end.params);
        b.extend_from_slice(b",\n  \"loss\": ");
        push_number(b, end.loss);
        b.extend_from_slice(b",\n  \"at\": ");
        push_string(b, end.at);
        b.extend_from_slice(b"\n}\n");
    }

    fn abort(&mut self, _frame: &LogFrame<'_>, error: &str, b: &mut Vec<u8>) {
        b.extend_from_slice(b"\n  ],\n  \"error\": ");
        push_string(b, error);
        b.extend_from_slice(b"\n}\n");
    }
}

/// One output's part of a point of several outputs: its point as that
/// output's writer has it, or the error that stopped it (a CSV row).
pub enum OutputPart<'a> {
    Point(&'a Json, Point<'a>),
    Failed {
        output: &'a str,
        variables: &'a [String],
        values: &'a [f64],
        error: String,
    },
}

/// `--of p1,p2`: one point, an object per output under `"outputs"`, each
/// as that output alone writes it; a CSV row's own columns (`"columns"`)
/// once, after them; `"passed"` when there are checks.
pub fn outputs_point(
    out: &mut dyn Write,
    outputs: &[OutputPart<'_>],
    columns: Option<(&Header, &[String])>,
    passed: Option<bool>,
) -> Result<()> {
    out.write_all(b"{\"outputs\": [\n")?;
    for (k, part) in outputs.iter().enumerate() {
        if k > 0 {
            out.write_all(b",\n")?;
        }
        match part {
            OutputPart::Point(json, point) => {
                let extra = json.extra_fields(point)?;
                write_point(out, &point.view, false, &extra)?;
            }
            OutputPart::Failed {
                output,
                variables,
                values,
                error,
            } => {
                let mut line = b"{\"output\": ".to_vec();
                push_string(&mut line, output);
                line.extend_from_slice(b", \"point\": {");
                for (v, (name, value)) in variables.iter().zip(*values).enumerate() {
                    if v > 0 {
                        line.extend_from_slice(b", ");
                    }
                    push_string(&mut line, name);
                    line.extend_from_slice(b": ");
                    push_number(&mut line, *value);
                }
                line.extend_from_slice(b"}, \"error\": ");
                push_string(&mut line, error);
                line.push(b'}');
                out.write_all(&line)?;
            }
        }
    }
    out.write_all(b"\n]")?;
    if let Some(columns) = columns.and_then(|(h, cells)| columns_json(Some(h), Some(cells))) {
        out.write_all(b", \"columns\": ")?;
        out.write_all(&columns)?;
    }
    if let Some(passed) = passed {
        write!(out, ", \"passed\": {passed}")?;
    }
    out.write_all(b"}")?;
    Ok(())
}
