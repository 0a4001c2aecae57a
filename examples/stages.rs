use std::time::Instant;
fn hwm() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_string())
        .collect::<Vec<_>>()
        .join("/")
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(path).unwrap();
    let t = Instant::now();
    let prog = autograd::parse::parse_program(&src).unwrap();
    let t1 = t.elapsed();
    eprintln!("after parse {} exprs {}", hwm(), prog.exprs.len());
    let g = autograd::Graph::lower(prog, None).unwrap();
    let t2 = t.elapsed();
    eprintln!("after lower {}", hwm());
    let t3 = t.elapsed();
    let mut vals = Vec::new();
    g.forward(&[1.0, 2.0, 3.0], &mut vals, true).unwrap();
    let t4 = t.elapsed();
    let mut grads = Vec::new();
    let mut nf = Vec::new();
    g.backward(&vals, &mut grads, &mut nf);
    let t5 = t.elapsed();
    let mut out = Vec::new();
    let e = autograd::Evaluation {
        values: vals,
        grads,
        nonfinite_locals: nf,
    };
    let view = autograd::report::View {
        graph: &g,
        eval: &e,
        digits: None,
    };
    autograd::report::table::write(
        &mut out,
        &view,
        &autograd::report::table::Colors::new(false),
    )
    .unwrap();
    let t6 = t.elapsed();
    eprintln!("after table {}", hwm());
    eprintln!(
        "nodes {} parse {:?} lower {:?} drop {:?} fwd {:?} bwd {:?} table {:?}",
        g.len(),
        t1,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        t5 - t4,
        t6 - t5
    );
}
