//! The compute of one full-batch training epoch, no I/O: what
//! `--train w,b --points FILE` does each epoch once the file is in memory —
//! fill each row's parameters, the batch engine's sums of the loss and of
//! ∂L/∂w, ∂L/∂b over every row (`autograd::batch::sums`, all cores), one
//! SGD update — timed best of N, as train_torch.py times its epochs.
//!
//! Built by compare.sh against the library of the release build:
//!
//!     rustc --edition 2021 -C opt-level=3 epoch_compute.rs \
//!         --extern autograd=target/release/libautograd.rlib -L dependency=target/release/deps
//!     epoch_compute DATA_CSV [repeats]
use std::time::Instant;

const LOSS: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: epoch_compute DATA_CSV [repeats]");
        std::process::exit(2);
    };
    let repeats: usize = args.get(2).map_or(10, |r| r.parse().expect("repeats"));
    let graph = autograd::parse::parse_program(LOSS)
        .and_then(|p| autograd::Graph::lower(p, None))
        .expect("the loss");
    let vars = graph.variables().to_vec();
    let find = |name: &str| vars.iter().position(|v| v == name).expect("a variable");
    let (w, b, x, y) = (find("w"), find("b"), find("x"), find("y"));
    // The data, x and y a row, as the trainer keeps it (untimed).
    let csv = std::fs::read_to_string(path).expect("cannot read the data");
    let mut data = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut f = line.split(',').map(|t| t.parse::<f64>().expect("a number"));
        data.push(f.next().expect("x"));
        data.push(f.next().expect("y"));
    }
    let rows = data.len() / 2;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let width = vars.len();
    let mut matrix = vec![0.0; rows * width];
    let (mut pw, mut pb) = (0.0, 0.0);
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    for _ in 0..repeats {
        let t = Instant::now();
        for r in 0..rows {
            let row = &mut matrix[r * width..(r + 1) * width];
            row[w] = pw;
            row[b] = pb;
            row[x] = data[2 * r];
            row[y] = data[2 * r + 1];
        }
        let s = autograd::batch::sums(&graph, &matrix, rows, &[w, b], threads);
        let n = s.rows as f64;
        pw += -0.5 * (s.grads[0] / n);
        pb += -0.5 * (s.grads[1] / n);
        let took = t.elapsed().as_secs_f64();
        best = best.min(took);
        total += took;
    }
    let mean = total / repeats.max(1) as f64;
    println!(
        "tool: {rows} rows, {threads} threads, best epoch {best:.4} s, mean epoch {mean:.4} s ({repeats} epochs; w={pw},b={pb})"
    );
}
