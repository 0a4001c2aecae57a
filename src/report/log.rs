//! The training log (SPEC §7), one row a step: what each format's writer
//! ([`LogSink`], in `table.rs`, `csv.rs` and `json.rs`) is given. Rows are
//! written as the steps go, so a long run shows progress and holds no log
//! in memory.

/// What every row of one log shares.
pub struct LogFrame<'a> {
    /// The parameters trained, in the log's column order.
    pub names: &'a [&'a str],
    /// The loss's name (`L`), for ∂L/∂w.
    pub output: &'a str,
    /// Data rows come from a CSV: each step has an epoch and a batch.
    pub dataset: bool,
    /// Significant digits (`--digits`); `None` for exact.
    pub digits: Option<usize>,
    /// The terminal cannot show `∂`: the table's header says `dL/dw`.
    pub ascii: bool,
    /// The tensor parameters among `names` (SPEC §9); empty when every
    /// parameter is a number, and the log is then as it always was.
    pub tensors: &'a [ParamTensor],
}

/// A tensor parameter (`--train W`): its name, shape, and its elements'
/// range in the log's parameters (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub range: std::ops::Range<usize>,
}

impl ParamTensor {
    /// `values` (one per element) as `[1, 2]` or `[[1, 2], [3, 4]]`.
    pub fn array(&self, values: &[f64], num: impl Fn(f64) -> String) -> String {
        crate::report::tensor::nest(values.iter().map(|&x| num(x)).collect(), &self.shape)
    }
}

/// The parameters in order, each a number or a whole tensor: `Ok(i)` the
/// i-th parameter, `Err(t)` the t-th tensor.
pub fn units(names: usize, tensors: &[ParamTensor]) -> Vec<Result<usize, usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < names {
        match tensors.iter().position(|t| t.range.start == i) {
            Some(t) => {
                out.push(Err(t));
                i = tensors[t].range.end.max(i + 1);
            }
            None => {
                out.push(Ok(i));
                i += 1;
            }
        }
    }
    out
}

impl LogFrame<'_> {
    pub fn num(&self, x: f64) -> String {
        crate::number::format_digits(x, self.digits)
    }
}

/// One step, as the log shows it: the loss and the parameters before the
/// update, and the gradient that made it.
pub struct StepRecord<'a> {
    pub step: u64,
    pub epoch: u64,
    /// Rows in the step's batch.
    pub rows: usize,
    pub loss: f64,
    pub params: &'a [f64],
    pub grads: &'a [f64],
    /// `--explain`'s lines for the update, when asked.
    pub explained: &'a str,
}

/// The run's end: the parameters after the last update, the loss there,
/// and the `--at` line that reproduces it.
pub struct LogEnd<'a> {
    pub params: &'a [f64],
    pub loss: f64,
    pub at: &'a str,
}

/// One format's training log. Each hook appends its text to `text`.
pub trait LogSink {
    /// The header (table, CSV) or the opening of the document (JSON).
    fn begin(&mut self, frame: &LogFrame<'_>, text: &mut Vec<u8>);
    fn step(&mut self, frame: &LogFrame<'_>, record: &StepRecord<'_>, text: &mut Vec<u8>);
    fn end(&mut self, frame: &LogFrame<'_>, end: &LogEnd<'_>, text: &mut Vec<u8>);
    /// Closes the log after an error (the error itself goes to stderr),
    /// so that a document stays valid where the format allows.
    fn abort(&mut self, _frame: &LogFrame<'_>, _error: &str, _text: &mut Vec<u8>) {}
}
