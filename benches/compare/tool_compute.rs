//! autograd-cli's batch compute alone, no I/O: the loss program's graph
//! evaluated (forward and backward) at every row of a points CSV held in
//! memory, as the `--points` path does it, minus reading and writing text.
//! The batch engine (`autograd::batch::run`, the CLI's own loop, nothing
//! rendered) on one thread and on all cores, against PyTorch on 1 and on
//! all threads; and, for reference, the scalar engine a row at a time.
//!
//! Built by compare.sh against the library the release build leaves in
//! target/release (no Cargo project of its own):
//!
//!     rustc --edition 2021 -O tool_compute.rs \
//!         --extern autograd=target/release/libautograd.rlib -L dependency=target/release/deps
//!     tool_compute loss.txt points.csv [repeats]
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: tool_compute LOSS_FILE POINTS_CSV [repeats]");
        std::process::exit(2);
    }
    let repeats: usize = args.get(3).map_or(3, |r| r.parse().expect("repeats"));
    let source = std::fs::read_to_string(&args[1]).expect("cannot read the program");
    let program = autograd::parse::parse_program(&source).expect("parse");
    let graph = autograd::Graph::lower(program, None).expect("lower");

    // Points, in the graph's variable order (untimed).
    let csv = std::fs::read_to_string(&args[2]).expect("cannot read the points");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let column: Vec<usize> = graph
        .variables()
        .iter()
        .map(|v| header.iter().position(|h| h == v).expect("a variable has no column"))
        .collect();
    let width = column.len();
    let mut points = Vec::new();
    let mut fields = Vec::with_capacity(header.len());
    for line in lines.filter(|l| !l.is_empty()) {
        fields.clear();
        fields.extend(line.split(',').map(|f| f.parse::<f64>().expect("number")));
        points.extend(column.iter().map(|&c| fields[c]));
    }
    let rows = points.len() / width;
    let grads: Vec<u32> = (0..width).map(|v| graph.variable_node(v)).collect();
    let out = graph.output() as usize;

    let best = |f: &mut dyn FnMut() -> f64| -> (f64, f64) {
        let mut best = f64::INFINITY;
        let mut check = 0.0;
        for _ in 0..repeats {
            let t = Instant::now();
            check = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, check)
    };

    // The batch engine (the `--points` path: columns, a block at a time),
    // through the CLI's own parallel loop with nothing rendered: on one
    // thread, then on every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let batch = |threads: usize| {
        best(&mut || {
            let parts = autograd::batch::run(&graph, &points, rows, true, threads, |_, _| {});
            assert!(parts.iter().all(|p| p.errors.is_empty() && p.failure.is_none()));
            parts.len() as f64
        })
        .0
    };
    let one = batch(1);
    let all = batch(threads);

    // For reference, the scalar engine a row at a time on one thread
    // (forward strict, as the CLI, then backward): what the batch engine
    // replaces, and what it agrees with to the bit.
    let (scalar, checksum) = best(&mut || {
        let mut e = autograd::Evaluation::default();
        let mut sum = 0.0;
        for row in 0..rows {
            let point = &points[row * width..(row + 1) * width];
            graph.forward(point, &mut e.values, true).expect("non-finite");
            graph.backward(&e.values, &mut e.grads, &mut e.nonfinite_locals);
            sum += e.values[out] + grads.iter().map(|&g| e.grads[g as usize]).sum::<f64>();
        }
        sum
    });

    println!(
        "tool batch compute (forward+backward, {rows} rows, {} nodes): \
         batch engine 1 thread {one:.4} s, {threads} threads {all:.4} s; \
         scalar engine row by row {scalar:.4} s (best of {repeats}; checksum {checksum:.6e})",
        graph.len()
    );
}
