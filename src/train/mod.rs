//! `--train w,b`: the optimizer step (SPEC §7). The program's output is the
//! loss; the named variables are parameters, starting from `--at`; the
//! others are data, from `--at` (one example, `--steps N`) or `--points` (a
//! dataset: the loss of a step is the mean — or `--reduce sum` — over the
//! rows of its batch, `--epochs`, `--batch-size`, `--shuffle SEED`). Each
//! step is one pass of the batch engine ([`crate::batch::sums`]) and one
//! update from the optimizer table ([`optim`]), in PyTorch's order.
//!
//! A dataset is read once and kept in memory as numbers while it fits in
//! [`MEMORY_LIMIT`] numbers; a larger file is read again each epoch (stdin
//! cannot be, and says so).

mod args;
mod data;
pub mod log;
pub mod optim;
mod saturated;

use args::*;
pub use args::{Config, PlotWhen, Reduce, TrainArgs};
use data::*;
pub use data::{Data, SplitMix64};

use crate::batch::{self, Sums};
use crate::bindings;
use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::options::{Notice, Options};

use optim::State;
use std::io::{self, IsTerminal, Write};

/// The most numbers a dataset may hold in memory (256 MiB of f64: 8 million
/// rows of 4 columns); a larger file is streamed from disk every epoch.
pub const MEMORY_LIMIT: usize = 32 << 20;

/// Rows evaluated in one call of the batch engine: a batch larger than this
/// is summed a chunk at a time, so memory stays bounded.
const CHUNK: usize = 1 << 16;

/// The training mode on a compiled loss (options already checked,
/// [`Options::check`]): writes the log to `out`, warnings to `warn`.
/// `at` gives the parameters' starting values (and, without `points`, the
/// one example); `points` is a dataset's file (`-` for stdin).
pub fn run(
    compiled: &Compiled,
    args: &TrainArgs,
    options: &Options,
    data: Data,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<()> {
    let config = args.config(data.points.is_some(), options.threads)?;
    let plot = match args.plot {
        Some(PlotWhen::Always) => true,
        Some(PlotWhen::Auto) if !io::stdout().is_terminal() => {
            warn(Notice::Warning("--plot draws on a terminal only, and the output is not one (--plot always draws anyway)".into()));
            false
        }
        Some(PlotWhen::Auto) => true,
        None => false,
    };
    let look = log::Look {
        format: options.format,
        explain: options.explain,
        digits: options.digits,
        color: options.color,
        plot: plot.then(log::PlotStyle::from_env),
        // Where the terminal's locale has no Unicode, as the plot falls back.
        ascii: io::stdout().is_terminal() && log::PlotStyle::from_env() == log::PlotStyle::Ascii,
    };
    let mut warn = |w: String| warn(Notice::Warning(w));
    let result = train(&compiled.graph, &config, data, &look, out, &mut warn);
    let flushed = out.flush();
    match result {
        Err(e) if matches!(e.kind, ErrorKind::NonFinite { .. }) => Err(compiled.place(e)),
        Err(e) => Err(e),
        Ok(_) => Ok(flushed?),
    }
}

/// Trains `graph`'s output as the loss, writing the log to `out`; returns
/// the final parameters in `--train`'s order.
pub fn train(
    graph: &Graph,
    config: &Config,
    data: Data,
    look: &log::Look,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(String),
) -> Result<Vec<f64>> {
    let variables = graph.variables();
    // A tensor parameter (`--train W`) is its elements, row-major.
    let (expanded, tensors) = tensor_params(graph, &config.params)?;
    let config = &Config {
        params: expanded,
        ..config.clone()
    };
    let index: rustc_hash::FxHashMap<&str, usize> = variables
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let mut params = Vec::with_capacity(config.params.len());
    for p in &config.params {
        match index.get(p.as_str()) {
            Some(&v) => params.push(v),
            None => {
                return Err(usage(format!(
                    "--train {p}: the program has no variable `{p}` (its variables: {})",
                    variable_list(graph)
                )))
            }
        }
    }
    let data_vars: Vec<usize> = (0..variables.len())
        .filter(|v| !params.contains(v))
        .collect();
    let slots = (0..variables.len())
        .map(|v| match params.iter().position(|&p| p == v) {
            Some(i) => Ok(i),
            None => Err(data_vars.iter().position(|&d| d == v).unwrap_or(0)),
        })
        .collect();
    let layout = Layout {
        slots,
        params,
        data: data_vars,
    };
    let (at_texts, csv, stdin_header) = (data.at, data.points, data.stdin_header);
    let at_texts = match (&csv, at_texts.as_slice()) {
        (_, [one]) => vec![one.clone()],
        (Some(_), []) | (None, []) => {
            return Err(usage(format!(
                "--train needs the parameters' starting values: --at {}",
                config.params.iter().map(|p| format!("{p}=…")).collect::<Vec<_>>().join(",")
            )))
        }
        _ => {
            return Err(usage(
                "--train trains on one example from --at: give one --at (for many examples, a dataset with --points)",
            ))
        }
    };
    let text = crate::input::nfc(&at_texts[0]).into_owned();
    let bound = bindings::parse(&text).map_err(|e| e.in_source(&text, "--at"))?;
    let mut start = vec![f64::NAN; layout.params.len()];
    let mut example = vec![f64::NAN; layout.data.len()];
    let mut missing = Vec::new();
    for b in &bound {
        match index.get(b.name.as_str()).copied() {
            Some(v) => match layout.slots[v] {
                Ok(p) => start[p] = b.value,
                Err(_) if csv.is_some() => {
                    return Err(Error::at(
                        ErrorKind::Usage(format!(
                            "`{}` is data, which comes from --points: --at gives the parameters' starting values only",
                            b.name
                        )),
                        b.span,
                    )
                    .in_source(&text, "--at"))
                }
                Err(c) => example[c] = b.value,
            },
            None => warn(format!("`{}` is bound by --at but the expression does not use it", b.name)),
        }
    }
    for (i, &v) in layout.params.iter().enumerate() {
        if start[i].is_nan() {
            missing.push(variables[v].clone());
        }
    }
    if csv.is_none() {
        for (c, &v) in layout.data.iter().enumerate() {
            if example[c].is_nan() {
                missing.push(variables[v].clone());
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::new(ErrorKind::MissingBindings(missing))
            .with_help("--at gives the parameters' starting values (and, without --points, the example's data)"));
    }
    let mut trainer = Trainer {
        graph,
        config,
        layout: &layout,
        params: start,
        states: vec![State::default(); config.params.len()],
        step: 0,
        matrix: Vec::new(),
        chunk: Vec::new(),
        stdin_header,
    };
    let names: Vec<&str> = layout
        .params
        .iter()
        .map(|&v| variables[v].as_str())
        .collect();
    // The final `--at` line runs as printed: the example's data after the
    // parameters (a dataset's data come from its file).
    let data: Vec<String> = match csv {
        None => data_bindings(graph, &layout.data, &example),
        Some(_) => Vec::new(),
    };
    let mut logger = log::Logger::new(look, graph, &names, csv.is_some())
        .with_data(data)
        .with_tensors(tensors)
        .with_save(config.save.clone());
    // The data are read (their columns checked) before the log begins.
    let rows = match &csv {
        None => Rows::Memory {
            values: example,
            lines: vec![0],
        },
        Some(path) => trainer.load(path, warn)?,
    };
    logger.begin(out)?;
    let result = trainer.run(&rows, csv.as_deref(), &mut logger, out);
    match result {
        Ok(loss) => {
            logger.end(out, &trainer.params, loss)?;
            Ok(trainer.params)
        }
        Err(e) => {
            let _ = logger.abort(out, &e);
            Err(e)
        }
    }
}

/// `--train W,b,c` with each tensor parameter (a group of variables) as
/// its elements, row-major; and the tensors, each with its shape and its
/// elements' range among the parameters.
fn tensor_params(graph: &Graph, names: &[String]) -> Result<(Vec<String>, Vec<log::ParamTensor>)> {
    let mut expanded = Vec::with_capacity(names.len());
    let mut tensors = Vec::new();
    for p in names {
        let group = graph.groups().iter().find(|g| {
            g.name == *p
                && g.definition.is_none()
                && g.nodes
                    .iter()
                    .all(|&n| matches!(graph.kind(n), crate::graph::Kind::Var(_)))
        });
        match group {
            Some(g) => {
                let start = expanded.len();
                expanded.extend(g.nodes.iter().map(|&n| graph.name(n).to_string()));
                tensors.push(log::ParamTensor {
                    name: p.clone(),
                    shape: g.shape.clone(),
                    range: start..expanded.len(),
                });
            }
            None if graph.groups().iter().any(|g| g.name == *p) => {
                return Err(usage(format!(
                    "--train {p}: `{p}` is a step of the program, not a variable: train the variables it is made of"
                )))
            }
            None => expanded.push(p.clone()),
        }
    }
    Ok((expanded, tensors))
}

/// The example's data variables `data` (with `values`) as `--at` bindings,
/// a tensor whole (`x=[2, 1]`, `y=1`).
fn data_bindings(graph: &Graph, data: &[usize], values: &[f64]) -> Vec<String> {
    let variables = graph.variables();
    let value: rustc_hash::FxHashMap<&str, f64> = data
        .iter()
        .zip(values)
        .map(|(&v, &x)| (variables[v].as_str(), x))
        .collect();
    let mut out = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for &v in data {
        let name = variables[v].as_str();
        let base = bindings::base_name(name);
        let group = graph
            .groups()
            .iter()
            .find(|g| g.name == base && g.definition.is_none());
        match group {
            Some(g) if base != name => {
                if done.contains(&base) {
                    continue;
                }
                done.push(base);
                let tensor = log::ParamTensor {
                    name: base.to_string(),
                    shape: g.shape.clone(),
                    range: 0..g.nodes.len(),
                };
                let xs: Vec<f64> = g
                    .nodes
                    .iter()
                    .map(|&n| {
                        value
                            .get(graph.name(n).to_string().as_str())
                            .copied()
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                out.push(format!(
                    "{base}={}",
                    tensor.array(&xs, crate::number::format)
                ));
            }
            _ => out.push(format!(
                "{name}={}",
                crate::number::format(value.get(name).copied().unwrap_or(f64::NAN))
            )),
        }
    }
    out
}

/// The program's variables, a tensor named once (`W, x, b`).
fn variable_list(graph: &Graph) -> String {
    let mut names: Vec<&str> = Vec::new();
    for v in graph.variables() {
        let base = bindings::base_name(v);
        if names.last() != Some(&base) {
            names.push(base);
        }
    }
    names.join(", ")
}

/// The state of a training run.
struct Trainer<'a> {
    graph: &'a Graph,
    config: &'a Config,
    layout: &'a Layout,
    /// The parameters' current values, in `--train`'s order.
    params: Vec<f64>,
    states: Vec<State>,
    /// Steps taken.
    step: u64,
    /// Scratch: full points of a chunk, and data rows of a chunk.
    matrix: Vec<f64>,
    chunk: Vec<f64>,
    /// Stdin's header, read ahead (see [`Data::stdin_header`]).
    stdin_header: Option<Vec<u8>>,
}

impl Trainer<'_> {
    /// Reads the dataset into memory, or finds it too large and streams it.
    fn load(&mut self, path: &str, warn: &mut dyn FnMut(String)) -> Result<Rows> {
        let mut points = open_points(path, self.graph, self.layout, &mut self.stdin_header)?;
        let origin = if path == "-" { "stdin" } else { path };
        for (c, name) in points.layout.names.iter().enumerate() {
            if let Some(v) = points.layout.variable[c] {
                if self.layout.params.contains(&v) {
                    warn(format!(
                        "column `{name}` of {origin} is a parameter: its starting value comes from --at, and the column is not used"
                    ));
                }
            }
        }
        let mut values = Vec::new();
        let mut lines = Vec::new();
        let mut row = Vec::new();
        while points.next_point(&mut row)? {
            if values.len() + row.len() > self.config.memory_limit {
                if path == "-" {
                    return Err(Error::new(ErrorKind::Limit(format!(
                        "the dataset on stdin holds more than {} numbers, the most kept in memory, and stdin cannot be read again for the next epoch: give it as a file",
                        self.config.memory_limit
                    ))));
                }
                if self.config.shuffle.is_some() {
                    return Err(Error::new(ErrorKind::Limit(format!(
                        "{path} holds more than {} numbers, the most kept in memory, so it is read from the file each epoch in file order: --shuffle cannot be used with it",
                        self.config.memory_limit
                    ))));
                }
                return Ok(Rows::Stream);
            }
            values.extend_from_slice(&row);
            lines.push(points.line());
        }
        if lines.is_empty() {
            return Err(Error::new(ErrorKind::Input(format!(
                "{path} has no rows: training needs at least one example"
            ))));
        }
        Ok(Rows::Memory { values, lines })
    }

    /// Every epoch; returns the loss after the last update (over every row).
    fn run(
        &mut self,
        rows: &Rows,
        path: Option<&str>,
        logger: &mut log::Logger<'_>,
        out: &mut dyn Write,
    ) -> Result<f64> {
        let width = self.layout.data.len();
        let mut shuffler = self.config.shuffle.map(SplitMix64);
        for epoch in 1..=self.config.epochs {
            match rows {
                Rows::Memory { values, lines } => {
                    let n = lines.len();
                    let batch = self.config.batch_size.unwrap_or(n).min(n);
                    let mut order: Vec<u32> = Vec::new();
                    if let Some(s) = &mut shuffler {
                        order = (0..n as u32).collect();
                        s.shuffle(&mut order);
                    }
                    let mut first = 0;
                    while first < n {
                        let last = (first + batch).min(n);
                        let mut sums = Sums::new(self.layout.params.len());
                        let mut at = first;
                        while at < last {
                            let end = (at + CHUNK).min(last);
                            self.chunk.clear();
                            match order.is_empty() {
                                true => self
                                    .chunk
                                    .extend_from_slice(&values[at * width..end * width]),
                                false => {
                                    for &r in &order[at..end] {
                                        let r = r as usize;
                                        self.chunk
                                            .extend_from_slice(&values[r * width..(r + 1) * width]);
                                    }
                                }
                            }
                            let where_ = |i: usize| {
                                let r = if order.is_empty() {
                                    at + i
                                } else {
                                    order[at + i] as usize
                                };
                                (r, lines.get(r).copied().unwrap_or(0))
                            };
                            self.accumulate(end - at, &mut sums, path, &where_, true)?;
                            at = end;
                        }
                        self.update(&sums, epoch, logger, out)?;
                        first = last;
                    }
                }
                Rows::Stream => {
                    let path = path.unwrap_or("-");
                    let mut points =
                        open_points(path, self.graph, self.layout, &mut self.stdin_header)?;
                    let batch = self.config.batch_size.unwrap_or(usize::MAX);
                    let mut row = Vec::new();
                    let mut lines = Vec::new();
                    let mut index = 0usize;
                    let mut more = true;
                    while more {
                        let mut sums = Sums::new(self.layout.params.len());
                        let mut in_batch = 0;
                        while in_batch < batch {
                            self.chunk.clear();
                            lines.clear();
                            let want = CHUNK.min(batch - in_batch);
                            while lines.len() < want {
                                more = points.next_point(&mut row)?;
                                if !more {
                                    break;
                                }
                                self.chunk.extend_from_slice(&row);
                                lines.push(points.line());
                            }
                            if lines.is_empty() {
                                break;
                            }
                            let first = index;
                            let where_ = |i: usize| (first + i, lines[i]);
                            self.accumulate(lines.len(), &mut sums, Some(path), &where_, true)?;
                            index += lines.len();
                            in_batch += lines.len();
                            if !more {
                                break;
                            }
                        }
                        if sums.rows > 0 {
                            self.update(&sums, epoch, logger, out)?;
                        } else if index == 0 {
                            return Err(Error::new(ErrorKind::Input(format!(
                                "{path} has no rows: training needs at least one example"
                            ))));
                        }
                    }
                }
            }
        }
        self.final_loss(rows, path)
    }

    /// The loss over every row at the final parameters.
    fn final_loss(&mut self, rows: &Rows, path: Option<&str>) -> Result<f64> {
        let mut sums = Sums::new(0);
        match rows {
            Rows::Memory { values, lines } => {
                let width = self.layout.data.len();
                let n = lines.len();
                let mut at = 0;
                while at < n {
                    let end = (at + CHUNK).min(n);
                    self.chunk.clear();
                    self.chunk
                        .extend_from_slice(&values[at * width..end * width]);
                    let where_ = |i: usize| (at + i, lines.get(at + i).copied().unwrap_or(0));
                    self.accumulate(end - at, &mut sums, path, &where_, false)?;
                    at = end;
                }
            }
            Rows::Stream => {
                let path = path.unwrap_or("-");
                let mut points =
                    open_points(path, self.graph, self.layout, &mut self.stdin_header)?;
                let mut row = Vec::new();
                let mut lines = Vec::new();
                let mut more = true;
                let mut index = 0;
                while more {
                    self.chunk.clear();
                    lines.clear();
                    while lines.len() < CHUNK {
                        more = points.next_point(&mut row)?;
                        if !more {
                            break;
                        }
                        self.chunk.extend_from_slice(&row);
                        lines.push(points.line());
                    }
                    let first = index;
                    let where_ = |i: usize| (first + i, lines[i]);
                    self.accumulate(lines.len(), &mut sums, Some(path), &where_, false)?;
                    index += lines.len();
                }
            }
        }
        Ok(self.reduce(sums.value, sums.rows))
    }

    fn reduce(&self, sum: f64, rows: usize) -> f64 {
        match self.config.reduce {
            Reduce::Mean => sum / rows.max(1) as f64,
            Reduce::Sum => sum,
        }
    }

    /// The loss (and, with `gradients`, the parameters' gradients) of the
    /// chunk in `self.chunk` (`n` rows) added to `sums`; `where_(i)` is row
    /// i's index and line, for errors.
    fn accumulate(
        &mut self,
        n: usize,
        sums: &mut Sums,
        path: Option<&str>,
        where_: &dyn Fn(usize) -> (usize, u64),
        gradients: bool,
    ) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.layout
            .points(&self.params, &self.chunk, n, &mut self.matrix);
        let params: &[usize] = match gradients {
            true => &self.layout.params,
            false => &[],
        };
        let part = batch::sums(self.graph, &self.matrix, n, params, self.config.threads);
        if !part.is_finite() {
            return Err(self.nonfinite(n, path, where_, gradients));
        }
        sums.add(&part);
        Ok(())
    }

    /// The error for a chunk whose sums are not finite: the first row whose
    /// loss or gradient is not, found with the scalar passes, and the node.
    fn nonfinite(
        &self,
        n: usize,
        path: Option<&str>,
        where_: &dyn Fn(usize) -> (usize, u64),
        gradients: bool,
    ) -> Error {
        let graph = self.graph;
        let width = graph.variables().len();
        let step = match gradients {
            true => format!("at step {}", self.step + 1),
            false => "after the last step".to_string(),
        };
        let place = |i: usize| {
            let (row, line) = where_(i);
            match path {
                Some(p) => format!(
                    "{step}, row {} of {} (line {line})",
                    row + 1,
                    if p == "-" { "stdin" } else { p }
                ),
                None => step.clone(),
            }
        };
        let mut eval = crate::Evaluation::default();
        for i in 0..n {
            let point = &self.matrix[i * width..(i + 1) * width];
            if let Err(mut e) = graph.forward(point, &mut eval.values, true) {
                // Not --allow-nonfinite's hint: training refuses that option.
                let at = eval.values.len() as crate::graph::NodeId;
                e.help = Some(saturated::help(graph, &eval.values, at).unwrap_or_else(|| {
                    "training stops here; the log so far shows the steps before (a smaller --lr may keep the loss finite)".into()
                }));
                return e.with_note(format!("the loss is not finite {}", place(i)));
            }
            if !gradients {
                continue;
            }
            graph.backward(&eval.values, &mut eval.grads, &mut eval.nonfinite_locals);
            for &v in &self.layout.params {
                let g = eval.grads[graph.variable_node(v) as usize];
                if g.is_finite() {
                    continue;
                }
                let output = graph.name(graph.output()).to_string();
                let name = &graph.variables()[v];
                let origin = eval.nonfinite_locals.first().map(|&id| {
                    format!(
                        ", from the local derivative of {} = {}",
                        graph.name(id),
                        graph.definition(id)
                    )
                });
                let kind = ErrorKind::NonFinite {
                    node: format!("∂{output}/∂{name}"),
                    def: "the gradient of the loss".into(),
                    reason: format!(
                        "it is {}{}",
                        crate::number::format(g),
                        origin.unwrap_or_default()
                    ),
                };
                let e = match eval.nonfinite_locals.first() {
                    Some(&id) => Error::at(kind, graph.span(id)),
                    None => Error::new(kind),
                };
                return e.with_note(format!("training stops {}", place(i)));
            }
        }
        // Every row is finite: their sum is not (an overflow).
        Error::new(ErrorKind::NonFinite {
            node: graph.name(graph.output()).to_string(),
            def: "the loss summed over the batch".into(),
            reason: "the sum overflows (every row's loss and gradient are finite)".into(),
        })
        .with_note(format!("training stops {step}"))
    }

    /// One optimizer step from the batch's sums, logged.
    fn update(
        &mut self,
        sums: &Sums,
        epoch: u64,
        logger: &mut log::Logger<'_>,
        out: &mut dyn Write,
    ) -> Result<()> {
        self.step += 1;
        let loss = self.reduce(sums.value, sums.rows);
        let grads: Vec<f64> = sums
            .grads
            .iter()
            .map(|&g| self.reduce(g, sums.rows))
            .collect();
        let before = self.params.clone();
        let def = self.config.optim;
        let mut explained = String::new();
        let num = logger.formatter();
        let explain = logger.explains();
        for (i, (p, g)) in self.params.iter_mut().zip(&grads).enumerate() {
            let mut e = optim::Explain {
                out: &mut explained,
                name: &self.config.params[i],
                num: &num,
            };
            let ex = explain.then_some(&mut e);
            *p = (def.rule)(
                &self.config.hyper,
                self.step,
                *p,
                *g,
                &mut self.states[i],
                ex,
            );
        }
        logger.step(
            out,
            &log::StepRecord {
                step: self.step,
                epoch,
                rows: sums.rows,
                loss,
                params: &before,
                grads: &grads,
                explained: &explained,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Format;

    fn graph(text: &str) -> Graph {
        crate::parse::parse_program(text)
            .and_then(|p| Graph::lower(p, None))
            .expect("the test's program")
    }

    fn args(extra: &[&str]) -> TrainArgs {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            train: TrainArgs,
        }
        let mut all = vec!["test", "--train", "w,b"];
        all.extend(extra);
        <Cli as clap::Parser>::try_parse_from(all)
            .expect("flags")
            .train
    }

    /// The JSON log of a run over `path` with `memory_limit` numbers.
    fn log(path: &str, memory_limit: usize, extra: &[&str]) -> Result<String> {
        let g = graph("z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)");
        let mut config = args(extra).config(true, 2)?;
        config.memory_limit = memory_limit;
        let look = log::Look {
            format: Format::Json,
            explain: false,
            digits: None,
            color: false,
            plot: None,
            ascii: false,
        };
        let data = Data {
            at: vec!["w=0.5,b=-1".into()],
            points: Some(path.into()),
            stdin_header: None,
        };
        let mut out = Vec::new();
        train(&g, &config, data, &look, &mut out, &mut |_| {})?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// A file over the memory limit is read again each epoch, with the same
    /// log to the last digit; a chunk boundary inside a batch changes nothing.
    #[test]
    fn streamed_as_in_memory() {
        let path = std::env::temp_dir().join(format!("autograd-train-{}.csv", std::process::id()));
        let mut text = String::from("x,y\n");
        for i in 0..(CHUNK + 77) {
            let x = ((i * 7919) % 1000) as f64 / 250.0 - 2.0;
            text.push_str(&format!("{x},{}\n", i % 3 % 2));
        }
        std::fs::write(&path, text).expect("a temporary file");
        let path = path.to_string_lossy().into_owned();
        for extra in [
            &["--epochs", "2", "--lr", "0.5"][..],
            &["--epochs", "2", "--batch-size", "40000", "--optim", "adam"][..],
        ] {
            let memory = log(&path, MEMORY_LIMIT, extra).expect("in memory");
            let streamed = log(&path, 1000, extra).expect("streamed");
            assert_eq!(memory, streamed, "{extra:?}");
            assert!(memory.contains("\"step\": 2"), "{memory}");
        }
        let e = log(&path, 1000, &["--shuffle", "1"]).expect_err("no shuffle when streamed");
        assert!(e.to_string().contains("--shuffle cannot be used"), "{e}");
        let _ = std::fs::remove_file(&path);
    }

    /// SplitMix64's first outputs from seed 0 (the published reference
    /// values), and a shuffle is a permutation.
    #[test]
    fn splitmix64_and_the_shuffle() {
        let mut g = SplitMix64(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut order: Vec<u32> = (0..100).collect();
        SplitMix64(7).shuffle(&mut order);
        assert_ne!(order, (0..100).collect::<Vec<_>>());
        order.sort_unstable();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }
}
