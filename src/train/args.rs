//! The flags of `--train`, checked and turned into a [`Config`]: the
//! optimizer's hyperparameters, the batches, the log.

use super::*;

use crate::error::{Error, ErrorKind, Result};

use optim::{Hyper, Hyperparameters, OptimDef};

/// The flags of `--train` (flattened into the command line).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Training (--train)")]
pub struct TrainArgs {
    /// Train the parameters PARAMS (`w,b`) of the loss: their starting values
    /// come from --at; the other variables are data (--at or --points).
    #[arg(long, value_name = "PARAMS")]
    pub train: Option<String>,

    /// The optimizer (PyTorch's update rule and defaults, float64).
    #[arg(long, value_name = "NAME", value_parser = optim_names())]
    pub optim: Option<String>,

    /// Learning rate (default 0.001; rmsprop 0.01).
    #[arg(long, value_name = "η", allow_negative_numbers = true)]
    pub lr: Option<f64>,

    /// Momentum (sgd, rmsprop: 0; momentum and nesterov: 0.9).
    #[arg(long, value_name = "μ", allow_negative_numbers = true)]
    pub momentum: Option<f64>,

    /// Dampening of SGD's momentum (0).
    #[arg(long, value_name = "τ", allow_negative_numbers = true)]
    pub dampening: Option<f64>,

    /// Weight decay (0; adamw 0.01): added to the gradient, decoupled for adamw.
    #[arg(long, value_name = "λ", allow_negative_numbers = true)]
    pub weight_decay: Option<f64>,

    /// Adam's β1,β2 (0.9,0.999).
    #[arg(long, value_name = "β1,β2")]
    pub betas: Option<String>,

    /// Adam's and RMSprop's ε (1e-8).
    #[arg(long, value_name = "ε", allow_negative_numbers = true)]
    pub eps: Option<f64>,

    /// RMSprop's smoothing constant α (0.99).
    #[arg(long, value_name = "α", allow_negative_numbers = true)]
    pub alpha: Option<f64>,

    /// Centered RMSprop (normalise by the variance of the gradient).
    #[arg(long)]
    pub centered: bool,

    /// Steps on the one example of --at (default 1).
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,

    /// Passes over the --points dataset (default 1).
    #[arg(long, value_name = "E")]
    pub epochs: Option<u64>,

    /// Rows a step (default: all rows, full batch).
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,

    /// Shuffle the rows each epoch, reproducibly from SEED (SplitMix64 and
    /// Fisher–Yates; default: file order).
    #[arg(long, value_name = "SEED")]
    pub shuffle: Option<u64>,

    /// The loss of a batch: the mean of its rows' losses or their sum.
    #[arg(long, value_enum, value_name = "HOW")]
    pub reduce: Option<Reduce>,

    /// Draw the loss curve after the log: `auto` only on a terminal, `always`
    /// even into a file or pipe.
    #[arg(long, value_enum, value_name = "WHEN", num_args = 0..=1, default_missing_value = "auto")]
    pub plot: Option<PlotWhen>,

    /// Write the trained parameters to FILE as bindings (one a line), for
    /// `--at @FILE`; the log's last line is then `--at @FILE`.
    #[arg(long, value_name = "FILE")]
    pub save: Option<String>,
}

/// `--reduce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Reduce {
    #[default]
    Mean,
    Sum,
}

/// `--plot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotWhen {
    Auto,
    Always,
}

pub(super) fn optim_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        optim::OPTIMIZERS
            .iter()
            .map(|d| clap::builder::PossibleValue::new(d.name).help(d.about)),
    )
}

pub(super) fn usage(text: impl Into<String>) -> Error {
    Error::new(ErrorKind::Usage(text.into()))
}

/// What a run of training is, every default filled in.
#[derive(Debug, Clone)]
pub struct Config {
    /// The parameters, by name, in `--train`'s order.
    pub params: Vec<String>,
    pub optim: &'static OptimDef,
    pub hyper: Hyperparameters,
    /// Passes over the data (`--steps` on one example, `--epochs` on a dataset).
    pub epochs: u64,
    /// Rows a step; `None` for the whole dataset.
    pub batch_size: Option<usize>,
    pub shuffle: Option<u64>,
    pub reduce: Reduce,
    /// Numbers a dataset may keep in memory before it is streamed.
    pub memory_limit: usize,
    pub threads: usize,
    /// `--save FILE`: the trained parameters written there, for `--at @FILE`.
    pub save: Option<String>,
}

impl TrainArgs {
    /// The hyperparameters given, each with its flag.
    pub(super) fn given(&self) -> Vec<Hyper> {
        let mut given = Vec::new();
        let flags = [
            (self.lr.is_some(), Hyper::Lr),
            (self.momentum.is_some(), Hyper::Momentum),
            (self.dampening.is_some(), Hyper::Dampening),
            (self.weight_decay.is_some(), Hyper::WeightDecay),
            (self.betas.is_some(), Hyper::Betas),
            (self.eps.is_some(), Hyper::Eps),
            (self.alpha.is_some(), Hyper::Alpha),
            (self.centered, Hyper::Centered),
        ];
        for (is_given, h) in flags {
            if is_given {
                given.push(h);
            }
        }
        given
    }

    /// Flags of training given without `--train`.
    pub(super) fn stray(&self) -> Option<&'static str> {
        let flags = [
            (self.optim.is_some(), "--optim"),
            (self.steps.is_some(), "--steps"),
            (self.epochs.is_some(), "--epochs"),
            (self.batch_size.is_some(), "--batch-size"),
            (self.shuffle.is_some(), "--shuffle"),
            (self.reduce.is_some(), "--reduce"),
            (self.plot.is_some(), "--plot"),
            (self.save.is_some(), "--save"),
        ];
        flags
            .iter()
            .find(|f| f.0)
            .map(|f| f.1)
            .or_else(|| self.given().first().map(|h| h.flag()))
    }

    /// The configuration, checked: an option the optimizer does not take,
    /// or one that makes no sense for the data given, is a usage error.
    pub fn config(&self, dataset: bool, threads: usize) -> Result<Config> {
        let text = self.train.as_deref().unwrap_or_default();
        let params: Vec<String> = text
            .split(',')
            .map(|p| crate::input::nfc(p.trim()).into_owned())
            .collect();
        if let Some(bad) = params.iter().find(|p| !crate::parse::is_name(p)) {
            return Err(usage(match bad.is_empty() {
                true => format!(
                    "--train `{text}`: name the parameters, separated by commas: --train w,b"
                ),
                false => format!("--train: `{bad}` is not a variable name"),
            }));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].contains(p) {
                return Err(usage(format!("--train: `{p}` is named twice")));
            }
        }
        let name = self.optim.as_deref().unwrap_or("sgd");
        let def = optim::find(name)
            .ok_or_else(|| Error::internal(format!("--optim {name} is not in the table")))?;
        for h in self.given() {
            if !def.takes.contains(&h) {
                let takes: Vec<&str> = def.takes.iter().map(|h| h.flag()).collect();
                return Err(usage(format!(
                    "{} has no place in --optim {name}, which takes {}",
                    h.flag(),
                    takes.join(", ")
                )));
            }
        }
        let betas = match &self.betas {
            None => (0.9, 0.999),
            Some(text) => parse_betas(text)?,
        };
        let hyper = Hyperparameters {
            lr: self.lr.unwrap_or(def.lr),
            momentum: self.momentum.unwrap_or(def.momentum),
            dampening: self.dampening.unwrap_or(0.0),
            weight_decay: self.weight_decay.unwrap_or(def.weight_decay),
            betas,
            eps: self.eps.unwrap_or(1e-8),
            alpha: self.alpha.unwrap_or(0.99),
            centered: self.centered,
            nesterov: def.nesterov,
        };
        check_ranges(&hyper, name)?;
        let (epochs, batch_size) = match dataset {
            true => {
                if self.steps.is_some() {
                    return Err(usage("--steps counts steps on the one example of --at; with --points, give --epochs (and --batch-size)"));
                }
                (self.epochs.unwrap_or(1), self.batch_size)
            }
            false => {
                let flag = [
                    (self.epochs.is_some(), "--epochs"),
                    (self.batch_size.is_some(), "--batch-size"),
                    (self.shuffle.is_some(), "--shuffle"),
                    (self.reduce.is_some(), "--reduce"),
                ]
                .into_iter()
                .find(|f| f.0);
                if let Some((_, flag)) = flag {
                    return Err(usage(format!("{flag} is about a dataset: give one with --points (with --at alone, --steps N trains on the one example)")));
                }
                (self.steps.unwrap_or(1), Some(1))
            }
        };
        if batch_size == Some(0) {
            return Err(usage("--batch-size must be at least 1"));
        }
        Ok(Config {
            params,
            optim: def,
            hyper,
            epochs,
            batch_size,
            shuffle: self.shuffle,
            reduce: self.reduce.unwrap_or_default(),
            memory_limit: MEMORY_LIMIT,
            threads,
            save: self.save.clone(),
        })
    }

    /// Flags of training given without `--train` (refused then, see
    /// [`crate::options::Options::check`]).
    pub fn stray_flag(&self) -> Option<&'static str> {
        match self.train {
            Some(_) => None,
            None => self.stray(),
        }
    }
}

/// `--betas 0.9,0.999`.
pub(super) fn parse_betas(text: &str) -> Result<(f64, f64)> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let bad = || {
        usage(format!(
            "--betas `{text}`: give two numbers, as in --betas 0.9,0.999"
        ))
    };
    let [a, b] = parts[..] else {
        return Err(bad());
    };
    match (crate::constant_value(a), crate::constant_value(b)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err(bad()),
    }
}

/// PyTorch's own checks of the hyperparameters (it raises ValueError).
pub(super) fn check_ranges(h: &Hyperparameters, name: &str) -> Result<()> {
    let checks = [
        (h.lr >= 0.0, "--lr must be 0 or more"),
        (h.momentum >= 0.0, "--momentum must be 0 or more"),
        (h.weight_decay >= 0.0, "--weight-decay must be 0 or more"),
        (h.eps >= 0.0, "--eps must be 0 or more"),
        (h.alpha >= 0.0, "--alpha must be 0 or more"),
        (
            (0.0..1.0).contains(&h.betas.0) && (0.0..1.0).contains(&h.betas.1),
            "--betas must both be in [0, 1)",
        ),
        (
            !h.nesterov || (h.momentum > 0.0 && h.dampening == 0.0),
            "--optim nesterov needs a momentum above 0 and no dampening",
        ),
    ];
    let finite = [
        h.lr,
        h.momentum,
        h.dampening,
        h.weight_decay,
        h.betas.0,
        h.betas.1,
        h.eps,
        h.alpha,
    ]
    .iter()
    .all(|x| x.is_finite());
    if !finite {
        return Err(usage(format!(
            "--optim {name}: every hyperparameter must be a finite number"
        )));
    }
    match checks.iter().find(|c| !c.0) {
        Some((_, text)) => Err(usage(*text)),
        None => Ok(()),
    }
}
