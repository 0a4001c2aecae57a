//! Tensors in and out (SPEC §9, issue 21): `--at @FILE`, `--points` headers
//! `x[0],x[1]`, `--expect` on tensors and training tensor parameters. These
//! tests run the binary.

mod common;
use common::*;
use std::path::PathBuf;

/// A scratch file for this test process; returns its path.
fn scratch(name: &str, contents: &str) -> String {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("autograd-cli-tensor-io-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("the scratch file is written");
    path.to_string_lossy().into_owned()
}

const LAYER: &str = "h = tanh(W@x + b); yhat = σ(v@h + c); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const LAYER_AT: &str = "W=[[0.5,-0.5],[1,0.25]], x=[2,1], b=[0,-1], v=[1,-2], c=0.5, y=1";

#[test]
fn at_file_reads_what_at_reads() {
    // Line breaks separate bindings (a comma at a line's end is allowed),
    // a matrix may span lines, `#` starts a comment, blank lines are nothing.
    let file = scratch(
        "layer.txt",
        "# the worked example of SPEC §9\nW=[[0.5,-0.5],\n   [1,0.25]]   # rows\n\nx=[2,1], b=[0,-1]\nv=[1,-2]\nc=0.5,\ny=1\n",
    );
    let inline = run(&[LAYER, "--at", LAYER_AT, "--format", "json"]);
    let from_file = run(&[LAYER, "--at", &format!("@{file}"), "--format", "json"]);
    assert_eq!(inline.code, 0, "{}", inline.stderr);
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_file.stdout, inline.stdout);
}

#[test]
fn at_file_holds_more_than_one_argument_can() {
    // Linux caps one argument at 128 KiB (MAX_ARG_STRLEN): 200×300 weights
    // written with 8 digits are about 600 KB.
    let (rows, cols) = (200usize, 300usize);
    let w: Vec<String> = (0..rows)
        .map(|i| {
            let row: Vec<String> = (0..cols)
                .map(|j| format!("{:.8}", ((i * cols + j) % 97) as f64 / 97.0 - 0.5))
                .collect();
            format!("[{}]", row.join(","))
        })
        .collect();
    let x: Vec<String> = (0..cols)
        .map(|j| format!("{}", (j % 7) as f64 - 3.0))
        .collect();
    let text = format!("W=[{}]\nx=[{}]\n", w.join(",\n"), x.join(","));
    assert!(text.len() > 128 * 1024);
    let file = scratch("big.txt", &text);
    let r = run(&["sum(W@x)", "--at", &format!("@{file}"), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let mut want = 0.0;
    for i in 0..rows {
        for j in 0..cols {
            let wij: f64 = format!("{:.8}", ((i * cols + j) % 97) as f64 / 97.0 - 0.5)
                .parse()
                .expect("a number");
            want += wij * ((j % 7) as f64 - 3.0);
        }
    }
    let got = num(&out["value"]);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{got} vs {want}"
    );
    // ∂/∂W[i,j] = x[j].
    assert_eq!(num(&out["gradient"]["W[199,6]"]), 3.0);
}

#[test]
fn at_file_unused_tensor_is_named_once() {
    let file = scratch("unused.txt", "x=[1,2]\nW=[[1,2],[3,4]]\n");
    let r = run(&["sum(x)", "--at", &format!("@{file}")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "warning: `W` is bound by --at but the expression does not use it"
    );
}

#[test]
fn points_header_fills_vectors_and_matrices() {
    // `x[0],x[1]` fill the vector x; `W[0,1]` (quoted, as pandas writes
    // it, or bare) a matrix; columns in any order, `student` passes through.
    let data = scratch("layer.csv", "student,x[1],x[0],y\nann,1,2,1\nbob,-1,1,0\n");
    let r = run(&[
        LAYER,
        "--at",
        "W=[[0.5,-0.5],[1,0.25]], b=[0,-1], v=[1,-2], c=0.5",
        "--points",
        &data,
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("student,x[1],x[0],y,L,"),
        "{}",
        lines[0]
    );
    // ann's row is SPEC §9's worked example.
    assert!(
        lines[1].starts_with("ann,1,2,1,1.126336252776848"),
        "{}",
        lines[1]
    );
    let at = run(&[LAYER, "--at", LAYER_AT, "--format", "json"]);
    let out: serde_json::Value = serde_json::from_str(&at.stdout).expect("JSON");
    let mut csv = csv::Reader::from_reader(r.stdout.as_bytes());
    let header = csv.headers().expect("a header").clone();
    let ann = csv.records().next().expect("a row").expect("a record");
    let column = |name: &str| {
        let c = header.iter().position(|h| h == name);
        c.map(|c| ann[c].parse::<f64>().expect("a number"))
    };
    for name in ["W[1,0]", "W[0,1]", "x[0]", "x[1]", "b[0]", "b[1]", "v[1]", "c"] {
        let want = num(&out["gradient"][name]);
        assert_eq!(column(&format!("dL/d{name}")), Some(want), "{name}");
    }

    for header in [
        "\"W[0,0]\",\"W[0,1]\",\"W[1,0]\",\"W[1,1]\",x[0],x[1]",
        "W[0,0],W[0,1],W[1,0],W[1, 1],x[0],x[1]",
        "W[0,0];W[0,1];W[1,0];W[1,1];x[0];x[1]",
    ] {
        let sep = if header.contains(';') { ";" } else { "," };
        let body = ["1", "2", "3", "4", "1", "0.5"].join(sep);
        let data = scratch("matrix.csv", &format!("{header}\n{body}\n"));
        let r = run(&["sum(W@x)", "--points", &data, "--format", "json"]);
        assert_eq!(r.code, 0, "{header}: {}", r.stderr);
        let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let point = &out[0];
        // W@x = [1 + 1, 3 + 2]; ∂/∂W[i,j] = x[j], ∂/∂x = column sums.
        assert_eq!(num(&point["value"]), 7.0, "{header}: {}", r.stdout);
        assert_eq!(num(&point["gradient"]["W[1,1]"]), 0.5, "{header}");
        assert_eq!(num(&point["gradient"]["x[1]"]), 6.0, "{header}");
    }
}

#[test]
fn points_header_with_several_outputs_and_row_answers() {
    let data = scratch(
        "answers.csv",
        "student,x[0],x[1],ans\nann,2,1,5\nbob,1,3,9\n",
    );
    let r = run(&[
        "p = dot(x, x); q = sum(x)",
        "--of",
        "p,q",
        "--points",
        &data,
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "student,x[0],x[1],ans,p,dp/dx[0],dp/dx[1],q,dq/dx[0],dq/dx[1]\nann,2,1,5,5,4,2,3,1,1\nbob,1,3,9,10,2,6,4,1,1\n"
    );
    let r = run(&[
        "p = dot(x, x)",
        "--points",
        &data,
        "--expect",
        "p=@ans",
        "--summary",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("failed: bob"), "{}", r.stdout);
}
