//! The session's point (`:at`) and what runs at it: an expression
//! evaluated through the front door, `:train`.

use super::*;
use crate::ast::Span;
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::number;
use crate::options::{Format, Notice, Options, PointSource};

use std::io::{self, IsTerminal, Write};

impl Session {
    /// The graph's variables that the point has no value for.
    pub(super) fn missing(&self, graph: &Graph) -> Vec<String> {
        let given = |v: &String| self.point.iter().any(|(n, _)| n == v);
        graph
            .variables()
            .iter()
            .filter(|v| !given(v))
            .cloned()
            .collect()
    }

    /// The point's values of the graph's variables (all given).
    pub(super) fn values(&self, graph: &Graph) -> Vec<f64> {
        let value = |v: &String| self.point.iter().find(|(n, _)| n == v).map(|p| p.1);
        graph
            .variables()
            .iter()
            .map(|v| value(v).unwrap_or(f64::NAN))
            .collect()
    }

    /// The point's bindings of the graph's variables (all given), and
    /// their text as `--at` would write them (for messages).
    pub(super) fn bindings(&self, graph: &Graph) -> (String, Vec<crate::bindings::Binding>) {
        let mut text = String::new();
        let mut list = Vec::with_capacity(graph.variables().len());
        for (name, value) in graph.variables().iter().zip(self.values(graph)) {
            if !text.is_empty() {
                text.push(',');
            }
            let start = text.len();
            text.push_str(&format!("{name}={}", number::format(value)));
            list.push(crate::bindings::Binding {
                name: name.clone(),
                value,
                span: Span::new(start, text.len()),
            });
        }
        (text, list)
    }

    /// Runs `target` through the pipeline at the point with `options`
    /// (the table, `:explain`, `:expect`); errors point into `line`.
    pub(super) fn evaluate(
        &self,
        target: &Target,
        options: Options,
        line: &str,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        let (source, pieces) = compose(&self.steps, target);
        let options = Options {
            of: match target {
                Target::Step(name) => Some(name.to_string()),
                Target::Expression { .. } => None,
            },
            ..options
        };
        let located = |e: Error| locate(e, &source, &pieces, line);
        let mode = options.mode();
        options
            .check(
                &mode,
                crate::options::Given {
                    at: 1,
                    ..Default::default()
                },
            )
            .map_err(located)?;
        let compiled =
            crate::compile::compile(&source, PROGRAM, options.of.as_deref()).map_err(located)?;
        let missing = self.missing(&compiled.graph);
        // Formulas need no point: without a whole one, they come alone.
        if !missing.is_empty() && !options.symbolic.symbolic {
            return Err(Error::new(ErrorKind::MissingBindings(missing.clone()))
                .with_help(format!("give it a value: {}", fix(&missing))));
        }
        // Only the variables this expression uses: the point may hold more.
        let point = match missing.is_empty() {
            true => vec![self.bindings(&compiled.graph)],
            false => Vec::new(),
        };
        let summary = crate::front::run_compiled(
            vec![compiled],
            &options,
            &mode,
            PointSource::At(point),
            out,
            warn,
        )
        .map_err(located)?;
        Ok(match summary.failed {
            0 => Flow::Go,
            _ => Flow::Failed,
        })
    }

    /// `:train PARAMS [OPTIONS]`: the command line's training on the last
    /// expression at the point, then the point takes the trained values.
    pub(super) fn train(
        &mut self,
        call: &Call,
        out: &mut dyn Write,
        warn: &mut dyn FnMut(Notice),
    ) -> Result<Flow> {
        use clap::Parser;
        /// `:train`'s arguments: the command line's training flags.
        #[derive(Parser)]
        #[command(name = ":train", no_binary_name = true, disable_help_flag = true)]
        struct TrainLine {
            #[command(flatten)]
            args: crate::train::TrainArgs,
            /// Write out each update, as the command line's --explain.
            #[arg(long)]
            explain: bool,
        }
        let mut words = call.args.split_whitespace();
        let Some(params) = words.next() else {
            return Err(Error::new(ErrorKind::Usage(
                ":train needs the parameters to train, e.g. :train w,b --lr 0.1 --steps 5".into(),
            )));
        };
        let tokens = ["--train", params].into_iter().chain(words);
        let line = TrainLine::try_parse_from(tokens).map_err(|e| {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            Error::new(ErrorKind::Usage(
                first.trim_start_matches("error: ").to_string(),
            ))
        })?;
        let target = self.last_target(":train")?;
        let (source, pieces) = compose(&self.steps, &target);
        let of = match target {
            Target::Step(name) => Some(name.to_string()),
            Target::Expression { .. } => None,
        };
        let located = |e: Error| locate(e, &source, &pieces, call.line);
        let compiled = crate::compile::compile(&source, PROGRAM, of.as_deref()).map_err(located)?;
        let graph = compiled.graph;
        let missing = self.missing(&graph);
        if !missing.is_empty() {
            return Err(Error::new(ErrorKind::MissingBindings(missing.clone()))
                .with_help(format!("give it a value: {}", fix(&missing))));
        }
        let at: Vec<String> = graph
            .variables()
            .iter()
            .zip(self.values(&graph))
            .map(|(name, value)| format!("{name}={}", number::format(value)))
            .collect();
        let config = line.args.config(false, self.options.threads)?;
        // The session's output is a terminal or a script's pipe: `--plot`
        // draws with `always`, and with `auto` on a terminal.
        let plot = match line.args.plot {
            Some(crate::train::PlotWhen::Always) => true,
            Some(crate::train::PlotWhen::Auto) => io::stdout().is_terminal(),
            None => false,
        };
        let look = crate::train::log::Look {
            format: Format::Table,
            explain: line.explain,
            digits: self.options.digits,
            color: self.options.color,
            plot: plot.then(crate::train::log::PlotStyle::from_env),
            ascii: false,
        };
        let data = crate::train::Data {
            at: vec![at.join(",")],
            points: None,
            stdin_header: None,
        };
        let mut warning = |m: String| warn(Notice::Warning(m));
        let trained = crate::train::train(&graph, &config, data, &look, out, &mut warning)
            .map_err(located)?;
        for (name, value) in config.params.iter().zip(trained) {
            if let Some(p) = self.point.iter_mut().find(|(n, _)| n == name) {
                p.1 = value;
            }
        }
        self.known.refresh(&self.point);
        writeln!(out, "the point is now {}", self.point_text())?;
        Ok(Flow::Go)
    }

    /// `:at` bindings (`text`, composed as `nfc`) merged into the point;
    /// `offset` is where they start in `line`.
    pub(super) fn set_point(
        &mut self,
        line: &str,
        text: &str,
        offset: usize,
        origin: &str,
    ) -> Result<()> {
        let in_line = |e: Error| shift(e, offset, line.len()).in_source(line, origin);
        let bindings = crate::bindings::parse(text).map_err(in_line)?;
        for b in &bindings {
            if self.steps.iter().any(|s| s.name == b.name) {
                let what = format!(
                    "`{}` is a step of the program, so it cannot also be given a value",
                    b.name
                );
                return Err(in_line(Error::at(ErrorKind::Input(what), b.span)));
            }
        }
        for b in bindings {
            match self.point.iter_mut().find(|(n, _)| *n == b.name) {
                Some(p) => p.1 = b.value,
                None => self.point.push((b.name, b.value)),
            }
        }
        self.known.refresh(&self.point);
        Ok(())
    }

    /// `w=0.5, b=1`.
    pub(super) fn point_text(&self) -> String {
        let items: Vec<String> = self
            .point
            .iter()
            .map(|(n, v)| format!("{n}={}", number::format(*v)))
            .collect();
        items.join(",")
    }

    /// The last expression, for `:explain` and `:expect`.
    pub(super) fn last_target(&self, what: &str) -> Result<Target<'_>> {
        match &self.last {
            Some(name) if self.steps.iter().any(|s| s.name == *name) => Ok(Target::Step(name)),
            Some(text) => Ok(Target::Expression {
                text,
                offset: usize::MAX,
            }),
            None => Err(Error::new(ErrorKind::Input(format!(
                "{what} is about the last expression, and none was evaluated yet: type one, such as `x^2 + 1`"
            )))),
        }
    }
}
