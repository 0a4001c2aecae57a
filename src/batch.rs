//! Many points at once. A batch is split into contiguous parts, one a core,
//! so the output keeps the rows' order. Within a part, both passes run a
//! node at a time over every row (columns, not rows): each operation's rule
//! from the op table runs in a tight loop the compiler can inline and
//! vectorise, instead of one walk over the graph per point.

use crate::error::Error;
use crate::eval::backprop;
use crate::eval::Evaluation;
use crate::graph::{Graph, Kind, NodeId};
use crate::ops::{OpDef, PerOp, DEFS};

/// What one part of a batch produced: its rows' output in order, and the
/// rows that could not be evaluated (they are rendered too, with their error:
/// one bad row does not stop the others).
#[derive(Debug, Default)]
pub struct Part {
    pub text: String,
    /// Rows (index into the batch) whose value was not finite, in strict mode.
    pub errors: Vec<(usize, Error)>,
    /// A failure of the part itself (a bug): its text is incomplete.
    pub failure: Option<Error>,
    /// Warnings about non-finite numbers (with `strict` off), by row.
    pub warnings: Vec<(usize, String)>,
}

/// How many warnings a part keeps; the rest are counted by the caller's cap.
const MAX_WARNINGS: usize = 20;

/// Rows evaluated together: the columns of one block stay in the cache.
const BLOCK: usize = 256;

/// One row's result, as renderers see it.
pub struct Row<'a> {
    pub point: &'a [f64],
    pub value: f64,
    /// ∂output/∂v for every variable, in the graph's order.
    pub grads: &'a [f64],
    /// Why the row has no value (a non-finite number, in strict mode); then
    /// `value` is NaN and `grads` is empty.
    pub error: Option<&'a Error>,
}

/// `threads` as asked, 0 meaning every core. Counted only here, once a
/// batch has rows to share: counting reads the cgroup files, which took
/// about a fifth of the user time of a one-point run when done at start-up.
pub fn cores(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Evaluates `rows` points (`points` holds `graph.variables().len()` values
/// a row) and renders each with `render`, on up to `threads` threads (0:
/// every core, [`cores`]). Parts come back in row order.
pub fn run<F>(
    graph: &Graph,
    points: &[f64],
    rows: usize,
    strict: bool,
    threads: usize,
    render: F,
) -> Vec<Part>
where
    F: Fn(&Row<'_>, &mut String) + Sync,
{
    let threads = if rows < 2 { 1 } else { cores(threads) };
    let threads = threads.clamp(1, 8).min(rows.max(1));
    let per_part = rows.div_ceil(threads).max(1);
    let part = |first: usize| {
        part(
            graph,
            points,
            first,
            (first + per_part).min(rows),
            strict,
            &render,
        )
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
                    failure: Some(Error::internal(format!(
                        "the evaluation thread of rows from {first} stopped"
                    ))),
                    ..Part::default()
                })
            })
            .collect()
    })
}

/// Rows `first..last`, a block at a time.
fn part<F>(
    graph: &Graph,
    points: &[f64],
    first: usize,
    last: usize,
    strict: bool,
    render: &F,
) -> Part
where
    F: Fn(&Row<'_>, &mut String),
{
    let width = graph.variables().len();
    let mut out = Part::default();
    let mut block = Columns::new(graph, BLOCK);
    let mut grads = vec![0.0; width];
    let mut start = first;
    while start < last {
        let end = (start + BLOCK).min(last);
        let rows = &points[start * width..end * width];
        block.evaluate(graph, rows, end - start);
        if !block.all_finite() {
            // Rare: redo this block a row at a time, for the exact error or
            // the warnings of each row.
            rows_one_by_one(graph, points, start, end, strict, render, &mut out);
            start = end;
            continue;
        }
        for r in 0..end - start {
            for (v, g) in grads.iter_mut().enumerate() {
                *g = block.grad(graph.variable_node(v), r);
            }
            let row = Row {
                point: &rows[r * width..(r + 1) * width],
                value: block.value(graph.output(), r),
                grads: &grads,
                error: None,
            };
            render(&row, &mut out.text);
        }
        start = end;
    }
    out
}

/// The output summed over rows, and the gradients of some variables summed
/// likewise: what a training step needs of a batch (`--train`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub rows: usize,
    pub value: f64,
    /// One sum a variable of `wanted`, in its order.
    pub grads: Vec<f64>,
}

impl Sums {
    pub fn new(wanted: usize) -> Self {
        Sums {
            rows: 0,
            value: 0.0,
            grads: vec![0.0; wanted],
        }
    }

    /// Adds another part's sums (the same `wanted`).
    pub fn add(&mut self, other: &Sums) {
        self.rows += other.rows;
        self.value += other.value;
        for (g, o) in self.grads.iter_mut().zip(&other.grads) {
            *g += o;
        }
    }

    /// Whether the value and every gradient are finite.
    pub fn is_finite(&self) -> bool {
        self.value.is_finite() && self.grads.iter().all(|g| g.is_finite())
    }
}

/// Sums the output and the gradients of the variables `wanted` over `rows`
/// points (row-major in `points`, as for [`run`]), on up to `threads`
/// threads (0: every core). Only sums are checked for finiteness by the caller: a
/// non-finite row makes its sum non-finite (NaN and infinity propagate), and
/// the caller then looks for it row by row with the scalar passes.
pub fn sums(graph: &Graph, points: &[f64], rows: usize, wanted: &[usize], threads: usize) -> Sums {
    let width = graph.variables().len();
    // A thread pays for itself only on many rows.
    let threads = match rows / 4096 {
        0 | 1 => 1,
        most => cores(threads).clamp(1, 8).min(most),
    };
    let per_part = rows.div_ceil(threads).max(1);
    // Nodes are in evaluation order: a node depends on a wanted variable
    // when one of its inputs does.
    let mut needed = vec![false; graph.len()];
    for &v in wanted {
        needed[graph.variable_node(v) as usize] = true;
    }
    for id in 0..graph.len() as NodeId {
        if graph.inputs(id).iter().any(|&i| needed[i as usize]) {
            needed[id as usize] = true;
        }
    }
    let needed = &needed;
    let part = |first: usize| {
        let last = (first + per_part).min(rows);
        let mut sums = Sums::new(wanted.len());
        let mut block = Columns::new(graph, BLOCK.min(last - first).max(1));
        block.needed = Some(needed.clone());
        let mut start = first;
        while start < last {
            let end = (start + block.cap).min(last);
            block.evaluate(graph, &points[start * width..end * width], end - start);
            let n = end - start;
            let column = |id: NodeId, of: &Vec<f64>| -> f64 {
                let at = id as usize * block.cap;
                of[at..at + n].iter().sum()
            };
            sums.value += column(graph.output(), &block.values);
            for (g, &v) in sums.grads.iter_mut().zip(wanted) {
                *g += column(graph.variable_node(v), &block.grads);
            }
            sums.rows += n;
            start = end;
        }
        sums
    };
    if threads == 1 {
        return part(0);
    }
    let part = &part;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..rows)
            .step_by(per_part)
            .map(|first| scope.spawn(move || part(first)))
            .collect();
        let mut total = Sums::new(wanted.len());
        for h in handles {
            match h.join() {
                Ok(s) => total.add(&s),
                // A thread that stopped leaves a NaN: the caller looks row by row.
                Err(_) => total.value = f64::NAN,
            }
        }
        total
    })
}

/// The scalar path, for blocks with a non-finite number: each row's exact
/// error (strict mode) or warnings.
fn rows_one_by_one<F>(
    graph: &Graph,
    points: &[f64],
    start: usize,
    end: usize,
    strict: bool,
    render: &F,
    out: &mut Part,
) where
    F: Fn(&Row<'_>, &mut String),
{
    let width = graph.variables().len();
    let mut eval = Evaluation::default();
    let mut grads = vec![0.0; width];
    for row in start..end {
        let point = &points[row * width..(row + 1) * width];
        if let Err(e) = graph.forward(point, &mut eval.values, strict) {
            let r = Row {
                point,
                value: f64::NAN,
                grads: &[],
                error: Some(&e),
            };
            render(&r, &mut out.text);
            out.errors.push((row, e));
            continue;
        }
        graph.backward(&eval.values, &mut eval.grads, &mut eval.nonfinite_locals);
        if out.warnings.len() < MAX_WARNINGS {
            out.warnings
                .extend(eval.warnings(graph).into_iter().map(|w| (row, w)));
        }
        for (v, g) in grads.iter_mut().enumerate() {
            *g = eval.grads[graph.variable_node(v) as usize];
        }
        let r = Row {
            point,
            value: eval.values[graph.output() as usize],
            grads: &grads,
            error: None,
        };
        render(&r, &mut out.text);
    }
}

/// Values and adjoints of every node for a block of rows, node-major: node
/// i's column is `values[i * cap..i * cap + rows]`.
struct Columns {
    cap: usize,
    rows: usize,
    values: Vec<f64>,
    grads: Vec<f64>,
    /// Two columns of local derivatives, for the backward pass.
    scratch: Vec<f64>,
    /// For [`sums`]: the nodes whose adjoint is needed (those that depend
    /// on a wanted variable); the backward pass skips the others. `None`:
    /// every node.
    needed: Option<Vec<bool>>,
}

impl Columns {
    fn new(graph: &Graph, cap: usize) -> Self {
        Columns {
            cap,
            rows: 0,
            values: vec![0.0; graph.len() * cap],
            grads: vec![0.0; graph.len() * cap],
            scratch: vec![0.0; 2 * cap],
            needed: None,
        }
    }

    fn value(&self, id: NodeId, r: usize) -> f64 {
        self.values[id as usize * self.cap + r]
    }

    fn grad(&self, id: NodeId, r: usize) -> f64 {
        self.grads[id as usize * self.cap + r]
    }

    fn all_finite(&self) -> bool {
        let cap = self.cap;
        let rows = self.rows;
        let finite = |v: &Vec<f64>| {
            v.chunks(cap)
                .all(|c| c[..rows].iter().all(|x| x.is_finite()))
        };
        finite(&self.values) && finite(&self.grads)
    }

    /// Both passes over `rows` points (row-major in `points`).
    fn evaluate(&mut self, graph: &Graph, points: &[f64], rows: usize) {
        let cap = self.cap;
        let width = graph.variables().len();
        self.rows = rows;
        for id in 0..graph.len() as NodeId {
            let at = id as usize * cap;
            match graph.kind(id) {
                Kind::Var(v) => {
                    for (r, slot) in self.values[at..at + rows].iter_mut().enumerate() {
                        *slot = points[r * width + v as usize];
                    }
                }
                Kind::Const(c) => self.values[at..at + rows].fill(graph.constant(c).value),
                Kind::Op(op) => {
                    let (done, rest) = self.values.split_at_mut(at);
                    op.specialise(Forward {
                        ins: graph.inputs(id),
                        values: done,
                        cap,
                        out: &mut rest[..rows],
                    });
                }
            }
        }
        for g in self.grads.chunks_mut(cap) {
            g[..rows].fill(0.0);
        }
        let out = graph.output() as usize * cap;
        self.grads[out..out + rows].fill(1.0);
        let needed = self.needed.as_deref();
        for id in (0..graph.len() as NodeId).rev() {
            if needed.is_some_and(|n| !n[id as usize]) {
                continue;
            }
            if let Kind::Op(op) = graph.kind(id) {
                let node = Node {
                    needed,
                    graph,
                    id: id as usize,
                    ins: graph.inputs(id),
                    cap,
                    rows,
                };
                op.specialise(Backward {
                    node: &node,
                    values: &self.values,
                    grads: &mut self.grads,
                    scratch: &mut self.scratch,
                });
            }
        }
    }
}

/// The columns of a node's inputs, out of the values before it.
fn column(values: &[f64], input: NodeId, cap: usize) -> &[f64] {
    &values[input as usize * cap..input as usize * cap + cap]
}

/// One node's values over a block. `def` is a constant entry of the op
/// table (see [`Op::specialise`]), so its rule is inlined into the loop.
#[inline(always)]
fn forward_with(def: &'static OpDef, ins: &[NodeId], values: &[f64], cap: usize, out: &mut [f64]) {
    match *ins {
        [a] => {
            let a = &column(values, a, cap)[..out.len()];
            if let Some(kernel) = def.column {
                return kernel(a, out);
            }
            for (y, &x) in out.iter_mut().zip(a) {
                *y = (def.forward)(&[x]);
            }
        }
        [a, b] => {
            let n = out.len();
            let (a, b) = (&column(values, a, cap)[..n], &column(values, b, cap)[..n]);
            for ((y, &x), &z) in out.iter_mut().zip(a).zip(b) {
                *y = (def.forward)(&[x, z]);
            }
        }
        _ => {
            let mut args = vec![0.0; ins.len()];
            for (r, y) in out.iter_mut().enumerate() {
                for (slot, &i) in args.iter_mut().zip(ins) {
                    *slot = values[i as usize * cap + r];
                }
                *y = (def.forward)(&args);
            }
        }
    }
}

/// Adds one node's contribution to its inputs' adjoints over a block: the
/// scalar pass's step ([`backprop`]) laid out by columns. For one and two
/// inputs, the local derivatives of every row go first into a column per
/// input (`scratch`), then each live input's adjoint column takes its flow
/// ([`OpDef::flow`]) in one loop over the rows: no scatter, no branch on
/// liveness inside a loop, and each adjoint receives the same terms in the
/// same order as in the scalar pass (input 0's, then input 1's, a row at a
/// time), so the sums are the same to the bit. Constant inputs (`live(i)`
/// false) receive nothing, as in the scalar pass.
#[inline(always)]
fn backward_with(
    def: &'static OpDef,
    node: &Node<'_>,
    values: &[f64],
    grads: &mut [f64],
    scratch: &mut [f64],
) {
    let (cap, rows, y0) = (node.cap, node.rows, node.id * node.cap);
    let ins = node.ins;
    let y = &values[y0..y0 + rows];
    match *ins {
        [a] => {
            if !node.live(0) {
                return;
            }
            let a0 = a as usize * cap;
            let va = &values[a0..a0 + rows];
            let d0 = &mut scratch[..rows];
            for ((d, &x), &y) in d0.iter_mut().zip(va).zip(y) {
                let mut d1 = [0.0];
                (def.local)(&[x], y, &mut d1);
                *d = d1[0];
            }
            // Inputs come before the node: its adjoint column is above theirs.
            let (below, above) = grads.split_at_mut(y0);
            let up = &above[..rows];
            let g = &mut below[a0..a0 + rows];
            for (((g, &up), &d), &x) in g.iter_mut().zip(up).zip(&*d0).zip(va) {
                *g += def.flow(&[x], 0, up, d);
            }
        }
        [a, b] => {
            let live = [node.live(0), node.live(1)];
            if live == [false, false] {
                return;
            }
            let (a0, b0) = (a as usize * cap, b as usize * cap);
            let (va, vb) = (&values[a0..a0 + rows], &values[b0..b0 + rows]);
            let (d0, d1) = scratch.split_at_mut(cap);
            let (d0, d1) = (&mut d0[..rows], &mut d1[..rows]);
            for ((((da, db), &x), &z), &y) in
                d0.iter_mut().zip(d1.iter_mut()).zip(va).zip(vb).zip(y)
            {
                let mut d = [0.0; 2];
                (def.local)(&[x, z], y, &mut d);
                *da = d[0];
                *db = d[1];
            }
            let (below, above) = grads.split_at_mut(y0);
            let up = &above[..rows];
            for (i, (&at, d)) in [a0, b0].iter().zip([&*d0, &*d1]).enumerate() {
                if !live[i] {
                    continue;
                }
                let g = &mut below[at..at + rows];
                for ((((g, &up), &d), &x), &z) in g.iter_mut().zip(up).zip(d).zip(va).zip(vb) {
                    *g += def.flow(&[x, z], i, up, d);
                }
            }
        }
        _ => {
            let mut args = vec![0.0; ins.len()];
            let mut d = vec![0.0; ins.len()];
            for r in 0..rows {
                for (slot, &i) in args.iter_mut().zip(ins) {
                    *slot = values[i as usize * cap + r];
                }
                let up = grads[y0 + r];
                backprop(
                    def,
                    &args,
                    y[r],
                    up,
                    &mut d,
                    |i| node.live(i),
                    |i, g| grads[ins[i] as usize * cap + r] += g,
                );
            }
        }
    }
}

/// One op node over a block, as the specialised loops see it.
struct Node<'a> {
    graph: &'a Graph,
    needed: Option<&'a [bool]>,
    id: usize,
    ins: &'a [NodeId],
    cap: usize,
    rows: usize,
}

impl Node<'_> {
    /// Whether input `i` is not a constant (constants have no gradient).
    fn live(&self, i: usize) -> bool {
        let input = self.ins[i];
        !matches!(self.graph.kind(input), Kind::Const(_))
            && self.needed.is_none_or(|n| n[input as usize])
    }
}

/// The forward loop of one node, specialised for its operation.
struct Forward<'a> {
    ins: &'a [NodeId],
    values: &'a [f64],
    cap: usize,
    out: &'a mut [f64],
}

impl PerOp for Forward<'_> {
    type Output = ();
    #[inline(always)]
    fn run<const K: usize>(self) {
        forward_with(
            const { &DEFS[K] },
            self.ins,
            self.values,
            self.cap,
            self.out,
        )
    }
}

/// The backward loop of one node, specialised for its operation.
struct Backward<'a> {
    node: &'a Node<'a>,
    values: &'a [f64],
    grads: &'a mut [f64],
    scratch: &'a mut [f64],
}

impl PerOp for Backward<'_> {
    type Output = ();
    #[inline(always)]
    fn run<const K: usize>(self) {
        backward_with(
            const { &DEFS[K] },
            self.node,
            self.values,
            self.grads,
            self.scratch,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block engine's text for `points` against the scalar engine's.
    fn engines_agree(source: &str, points: &[f64], width: usize) {
        let graph = crate::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .expect("the test's program");
        assert_eq!(graph.variables().len(), width);
        let rows = points.len() / width;
        let render = |row: &Row<'_>, out: &mut String| {
            out.push_str(&format!("{:?} {:?}\n", row.value, row.grads));
        };
        let parts = run(&graph, points, rows, true, 3, render);
        let text: String = parts.iter().map(|p| p.text.as_str()).collect();
        let mut want = String::new();
        for p in points.chunks(width) {
            let e = graph.evaluate(p, true).expect("finite");
            let grads: Vec<f64> = (0..width)
                .map(|v| e.grads[graph.variable_node(v) as usize])
                .collect();
            want.push_str(&format!(
                "{:?} {:?}\n",
                e.values[graph.output() as usize],
                grads
            ));
        }
        assert_eq!(text, want, "{source}");
    }

    /// The block engine gives exactly the scalar engine's numbers.
    #[test]
    fn columns_match_the_scalar_passes() {
        let source = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat) + max(w, x, b)^2 + relu(b - x)";
        let rows = 1000;
        let points: Vec<f64> = (0..rows * 4)
            .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
            .collect();
        let points: Vec<f64> = points
            .chunks(4)
            .flat_map(|p| [p[0], p[1], p[2], if p[3] > 0.0 { 1.0 } else { 0.0 }])
            .collect();
        engines_agree(source, &points, 4);
    }

    /// `sums` (with the backward pass pruned to what the wanted variables
    /// need) against the scalar passes row by row.
    #[test]
    fn sums_match_the_scalar_passes() {
        let source = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat) + (1-y)^2*w";
        let graph = crate::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .expect("the test's program");
        let rows = 10_000;
        let points: Vec<f64> = (0..rows)
            .flat_map(|i| {
                let t = ((i * 7919) % 1000) as f64 / 500.0 - 1.0;
                [t, 0.3 * t - 0.1, 2.0 * t, (i % 2) as f64]
            })
            .collect();
        let order = graph.variables().to_vec();
        for wanted in [vec![0usize, 2], vec![1], vec![]] {
            let got = sums(&graph, &points, rows, &wanted, 2);
            let mut want = Sums::new(wanted.len());
            for p in points.chunks(4) {
                let e = graph.evaluate(p, true).expect("finite");
                want.value += e.values[graph.output() as usize];
                for (g, &v) in want.grads.iter_mut().zip(&wanted) {
                    *g += e.grads[graph.variable_node(v) as usize];
                }
            }
            assert_eq!(got.rows, rows);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            assert!(close(got.value, want.value), "{order:?} {wanted:?}");
            for (a, b) in got.grads.iter().zip(&want.grads) {
                assert!(close(*a, *b), "{wanted:?}: {a} against {b}");
            }
        }
    }

    /// A negative base under a constant exponent: the NaN of ln(base) goes
    /// to the constant, which has no gradient in either engine; and relu
    /// and max route an infinite gradient the same way in both.
    #[test]
    fn constants_and_routing_as_in_the_scalar_pass() {
        let points: Vec<f64> = (0..600)
            .flat_map(|i| [-(i as f64) / 100.0 - 0.5, (i % 7) as f64 - 3.0])
            .collect();
        engines_agree(
            "(2*x)^2*y + (3*x)^3*y + sqrt(relu(x)) + sqrt(max(x, 0))",
            &points,
            2,
        );
        let graph = crate::parse::parse_program("(2*x)^2*y")
            .and_then(|p| Graph::lower(p, None))
            .expect("the test's program");
        let mut block = Columns::new(&graph, BLOCK);
        block.evaluate(&graph, &points[..2 * BLOCK], BLOCK);
        assert!(block.all_finite(), "stays on the block path");
    }
}
