//! Many points at once: both passes at every row of a batch, on all cores,
//! each core on a contiguous part so the output keeps the rows' order.

use crate::error::{Error, ErrorKind};
use crate::eval::Evaluation;
use crate::graph::Graph;
use crate::report::View;

/// What one part of a batch produced: its rows' output in order, and where
/// it stopped if a row could not be evaluated.
#[derive(Debug, Default)]
pub struct Part {
    pub text: String,
    /// The first row (index into the batch) whose value was not finite.
    pub error: Option<(usize, Error)>,
    /// Warnings about non-finite numbers (with `strict` off), by row.
    pub warnings: Vec<(usize, String)>,
}

/// How many warnings a part keeps; the rest are counted by the caller's cap.
const MAX_WARNINGS: usize = 20;

/// Evaluates `rows` points (`points` holds `graph.variables().len()` values
/// a row) and renders each with `render(view, row values, output)`, on up to
/// `threads` threads. Parts come back in row order.
pub fn run<F>(
    graph: &Graph,
    points: &[f64],
    rows: usize,
    strict: bool,
    threads: usize,
    render: F,
) -> Vec<Part>
where
    F: Fn(&View<'_>, &[f64], &mut String) + Sync,
{
    let width = graph.variables().len();
    let threads = threads.clamp(1, 8).min(rows.max(1));
    let per_part = rows.div_ceil(threads).max(1);
    let part = |first: usize| -> Part {
        let last = (first + per_part).min(rows);
        let mut out = Part::default();
        let mut eval = Evaluation::default();
        for row in first..last {
            let point = &points[row * width..(row + 1) * width];
            if let Err(e) = graph.forward(point, &mut eval.values, strict) {
                out.error = Some((row, e));
                break;
            }
            graph.backward(&eval.values, &mut eval.grads, &mut eval.nonfinite_locals);
            let view = View {
                graph,
                eval: &eval,
                digits: None,
            };
            if !strict && out.warnings.len() < MAX_WARNINGS {
                out.warnings
                    .extend(view.warnings().into_iter().map(|w| (row, w)));
            }
            render(&view, point, &mut out.text);
        }
        out
    };
    if threads == 1 {
        return vec![part(0)];
    }
    let part = &part;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..rows)
            .step_by(per_part)
            .map(|first| (first, scope.spawn(move || part(first))))
            .collect();
        handles
            .into_iter()
            .map(|(first, h)| {
                h.join().unwrap_or_else(|_| Part {
                    error: Some((
                        first,
                        Error::new(ErrorKind::Input(
                            "internal error: an evaluation thread stopped (please report this)"
                                .into(),
                        )),
                    )),
                    ..Part::default()
                })
            })
            .collect()
    })
}
