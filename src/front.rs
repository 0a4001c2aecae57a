//! The front door: a program's text, the [`Options`] and the points in,
//! a run's output out. The options are checked once ([`Options::check`]),
//! the mode chosen once ([`Options::mode`]), the program compiled once
//! ([`crate::compile`]), and the mode's module runs on the compiled program.
//!
//! ```
//! use autograd::front::{run, Inputs};
//! use autograd::options::{Format, Options};
//!
//! let options = Options { format: Format::Csv, ..Options::default() };
//! let inputs = Inputs { at: vec!["x=4,y=3,z=2".into()], ..Inputs::default() };
//! let mut out = Vec::new();
//! let summary = run("(2*x+y^2)*z^3", "expression", &options, &inputs, &mut out, &mut |n| eprintln!("{n}"))?;
//! assert_eq!(String::from_utf8_lossy(&out), "x,y,z,f,df/dx,df/dy,df/dz\n4,3,2,136,16,48,204\n");
//! assert_eq!(summary.points, 1);
//! # Ok::<(), autograd::Error>(())
//! ```

use crate::compile::{self, Compiled};
use crate::error::{Error, Result};
use crate::options::{Counts, Given, Mode, Notice, Options, PointSource};
use crate::pipeline::Job;
use crate::train::TrainArgs;
use std::io::{self, BufRead, Read, Write};

/// Where a run's points come from, as given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--at` texts, one a point.
    pub at: Vec<String>,
    /// `--points FILE` (`-` for stdin).
    pub points: Option<String>,
    /// `--train`'s flags (training's mode reads them).
    pub train: TrainArgs,
}

impl Inputs {
    fn given(&self, origin: &str) -> Given {
        Given {
            at: self.at.len(),
            points: self.points.is_some(),
            stdin_twice: origin == "stdin" && self.points.as_deref() == Some("-"),
        }
    }

    /// The points as one evaluation reads them: `--at` parsed, or the CSV
    /// stream opened, its header read ahead for the shapes of the tensors
    /// its columns fill (`x[0],x[1]`: SPEC §9) and put back.
    fn point_source(&self) -> Result<(PointSource<'static>, Shapes)> {
        let Some(path) = &self.points else {
            return Ok((PointSource::at(&self.at)?, Shapes::default()));
        };
        let (mut reader, origin): (Box<dyn BufRead>, String) = match path.as_str() {
            "-" => (
                Box::new(io::BufReader::with_capacity(1 << 16, io::stdin())),
                "stdin".into(),
            ),
            _ => (
                Box::new(io::BufReader::with_capacity(
                    1 << 16,
                    crate::input::open(path)?,
                )),
                path.clone(),
            ),
        };
        let first = crate::points::first_line(&mut reader, &origin)?;
        let shapes = crate::points::header_shapes(&first, &origin)?;
        let source = PointSource::Csv {
            reader: Box::new(io::Cursor::new(first).chain(reader)),
            origin,
            shared: PointSource::shared(&self.at)?,
        };
        Ok((source, shapes))
    }
}

/// The shapes of tensor variables, by name.
type Shapes = rustc_hash::FxHashMap<String, Vec<usize>>;

/// Runs `source` (`origin` names it in errors) as `options` ask, at
/// `inputs`' points, writing to `out`; `warn` receives what a user should
/// know besides. The summary's counts decide the exit code.
pub fn run(
    source: &str,
    origin: &str,
    options: &Options,
    inputs: &Inputs,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Counts> {
    let mode = options.mode();
    options.check(&mode, inputs.given(origin))?;
    // `--at @FILE`: the file's text from here on.
    let read = Inputs {
        at: crate::bindings::read_all(&inputs.at)?,
        ..inputs.clone()
    };
    let inputs = &read;
    if mode == Mode::Train {
        // Tensor parameters take their shapes from `--at`, tensor data from
        // the dataset's header (read ahead: stdin's is handed on).
        let mut shapes = crate::bindings::shapes(&inputs.at);
        let header = match inputs.points.as_deref() {
            Some("-") => {
                let mut stdin = io::stdin().lock();
                Some(crate::points::first_line(&mut stdin, "stdin")?)
            }
            Some(path) => {
                let mut file = io::BufReader::new(crate::input::open(path)?);
                Some(crate::points::first_line(&mut file, path)?)
            }
            None => None,
        };
        if let (Some(line), Some(path)) = (&header, inputs.points.as_deref()) {
            let origin = if path == "-" { "stdin" } else { path };
            shapes.extend(crate::points::header_shapes(line, origin)?);
        }
        let of = [options.of.as_deref()];
        let compiled = compile::compile_outputs_shaped(source, origin, &of, &shapes)?
            .pop()
            .ok_or_else(|| Error::internal("compiling one output gave none"))?;
        let data = crate::train::Data {
            at: inputs.at.clone(),
            points: inputs.points.clone(),
            stdin_header: header.filter(|_| inputs.points.as_deref() == Some("-")),
        };
        crate::train::run(&compiled, &inputs.train, options, data, out, warn)?;
        return Ok(Counts::default());
    }
    let outputs = crate::options::several_outputs(options);
    // Tensor variables (SPEC §9) take their shapes from `--at` and the
    // header of `--points`.
    let (points, header_shapes) = inputs.point_source()?;
    let mut shapes = crate::bindings::shapes(&inputs.at);
    shapes.extend(header_shapes);
    let names: Vec<Option<&str>> = match outputs.len() > 1 {
        true => outputs.into_iter().map(Some).collect(),
        false => vec![options.of.as_deref()],
    };
    let compiled = compile::compile_outputs_shaped(source, origin, &names, &shapes)?;
    run_compiled(compiled, options, &mode, points, out, warn)
}

/// Runs compiled outputs (one, or one per `--of` name) in `mode` at
/// `points`; the options are already checked.
pub fn run_compiled(
    mut compiled: Vec<Compiled>,
    options: &Options,
    mode: &Mode,
    points: PointSource<'_>,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(Notice),
) -> Result<Counts> {
    match mode {
        Mode::Several(_) => {
            let jobs = crate::jacobian::jobs(compiled, options)?;
            crate::jacobian::run(&jobs, options, points, out, warn)
        }
        Mode::Formulas if compiled.len() > 1 => {
            crate::symbolic_mode::run_several(&compiled, options, points, out, warn)
        }
        Mode::One | Mode::Formulas => {
            let compiled = compiled
                .pop()
                .ok_or_else(|| Error::internal("no program to run"))?;
            match mode {
                Mode::Formulas => crate::symbolic_mode::run(&compiled, options, points, out, warn),
                _ => Job::from_compiled(compiled, options.clone())?.run(points, out, warn),
            }
        }
        Mode::Train | Mode::Session => Err(Error::internal(
            "training and the session are not runs at points",
        )),
    }
}
