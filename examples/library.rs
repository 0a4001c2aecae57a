//! Using autograd-cli's library from another Rust program, as the CLI does:
//! a `Job` runs the whole pipeline into any writer, and the graph can be
//! evaluated directly for the numbers alone.
//!
//!     cargo run --example library

use autograd::pipeline::{Format, Job, Options, PointSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let loss = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";

    // The pipeline, exactly as `autograd-cli LOSS --at … --format csv` runs it.
    let options = Options {
        format: Format::Csv,
        ..Options::default()
    };
    let job = Job::new(loss, "expression", options).map_err(|e| e.report())?;
    let points = PointSource::at(&["w=0.5,b=1,x=2,y=1".into(), "w=0.5,b=1,x=2,y=0".into()])
        .map_err(|e| e.report())?;
    let mut csv = Vec::new();
    job.run(points, &mut csv, &mut |warning| eprintln!("{warning}"))
        .map_err(|e| e.report())?;
    print!("{}", String::from_utf8(csv)?);

    // The numbers alone: one forward and one backward pass over the graph.
    let graph = job.graph();
    let point: Vec<f64> = graph
        .variables()
        .iter()
        .map(|v| match v.as_str() {
            "w" => 0.5,
            "b" => 1.0,
            "x" => 2.0,
            _ => 1.0,
        })
        .collect();
    let e = graph.evaluate(&point, true).map_err(|e| e.report())?;
    for (v, name) in graph.variables().iter().enumerate() {
        let grad = e.grads[graph.variable_node(v) as usize];
        println!("∂L/∂{name} = {grad}");
    }
    Ok(())
}
