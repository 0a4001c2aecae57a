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
    for name in [
        "W[1,0]", "W[0,1]", "x[0]", "x[1]", "b[0]", "b[1]", "v[1]", "c",
    ] {
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

/// `--expect` at SPEC §9's worked example: the exit code and stdout.
fn expect(checks: &str) -> (i32, String) {
    let r = run(&[LAYER, "--at", LAYER_AT, "--expect", checks]);
    (r.code, r.stdout + &r.stderr)
}

#[test]
fn expect_a_whole_tensor_entry_by_entry() {
    // ∂L/∂W = [[-1.0629…, -0.53146…], [0.75799…, 0.37899…]] (SPEC §9).
    for good in [
        "dL/dW = [[-1.063, -0.5315], [0.758, 0.379]]",
        "∂L/∂W = [[-1.06, -0.531], [0.757, 0.378]]",
        "dL/dW = [[-1.063E0, -5.315e-1], [7.58E-1, 3.79e-1]]",
        "dL/dW = [[-1.0629329663166258, -0.5314664831583129], [0.757996222798853, 0.3789981113994265]]",
        "h = [0.462, 0.848]",
        "h = [tanh(0.5), tanh(1.25)]",
        "dL/db = [-0.531, 0.379], dL/dv = [-0.312, -0.573]",
    ] {
        let (code, out) = expect(good);
        assert_eq!(code, 0, "{good}: {out}");
        assert!(out.contains("checks: "), "{good}: {out}");
    }
    // The verdict: the reason of the first entry that fails, which one, and
    // how many pass.
    for (bad, needle) in [
        (
            "dL/dW = [[-1.063, -0.5315], [0.75, 0.379]]",
            "not precise enough: 2 significant digits, at least 3 (in dL/dW[1,0]; 3 of 4 entries pass)",
        ),
        (
            "dL/dW = [[-1.1, -0.5], [0.758, 0.379]]",
            "not precise enough: 2 significant digits, at least 3 (in dL/dW[0,0]; 2 of 4 entries pass)",
        ),
        (
            "dL/dW = [[-1.063, -0.5315], [0.758, -0.379]]",
            "the sign is flipped: -0.379 vs the true 0.378998… (in dL/dW[1,1]; 3 of 4 entries pass)",
        ),
        (
            "dL/dW = [[-1.063, -0.5315], [0.760, 0.379]]",
            "off by more than one unit of the last digit: 0.760 vs the true 0.757996… (in dL/dW[1,0]; 3 of 4 entries pass)",
        ),
        ("h = [h[0], 0.848]", "not an answer: it names its own target `h`"),
    ] {
        let (code, out) = expect(bad);
        assert_eq!(code, 1, "{bad}: {out}");
        assert!(out.contains(needle), "{bad}: {out}");
        assert!(out.contains("FAILED"), "{bad}: {out}");
    }
    // --tol replaces the rule for every entry.
    let r = run(&[
        LAYER,
        "--at",
        LAYER_AT,
        "--expect",
        "dL/dW = [[-1.1, -0.5], [0.8, 0.4]]",
        "--tol",
        "10%",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn expect_one_element() {
    let (code, out) = expect("dL/dW[1,0] = 0.758, dL/dW[1, 1] = 0.379, h[1] = 0.848");
    assert_eq!(code, 0, "{out}");
    let (code, out) = expect("dL/dW[1,0] = 0.75");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not precise enough"), "{out}");
}

#[test]
fn expect_tensor_verdicts_in_json_csv_and_summary() {
    let data = scratch(
        "rows.csv",
        "student,x[0],x[1],dW\nann,2,1,\"[[-1.063, -0.5315], [0.758, 0.379]]\"\nbob,2,1,\"[[-1.06, -0.531], [0.76, 0.379]]\"\nkim,2,1,0.5\n",
    );
    let at = "W=[[0.5,-0.5],[1,0.25]], b=[0,-1], v=[1,-2], c=0.5, y=1";
    let args = |format: &str| {
        let mut a = vec![
            LAYER,
            "--at",
            at,
            "--points",
            data.as_str(),
            "--expect",
            "dL/dW=@dW",
        ];
        match format {
            "summary" => a.push("--summary"),
            f => a.extend(["--format", f]),
        }
        run(&a)
    };
    let r = args("json");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ann = &out[0]["checks"][0];
    assert_eq!(ann["passed"], true);
    assert_eq!(ann["shape"], serde_json::json!([2, 2]));
    assert_eq!(
        ann["expected"],
        serde_json::json!([[-1.063, -0.5315], [0.758, 0.379]])
    );
    assert_eq!(num(&ann["actual"][1][0]), 0.757996222798853);
    let bob = &out[1]["checks"][0];
    assert_eq!(bob["passed"], false);
    assert_eq!(bob["entries_passed"], 3);
    let kim = &out[2]["checks"][0];
    assert_eq!(
        kim["reason"],
        "the answer is a number and W is a 2×2 matrix"
    );

    let r = args("csv");
    let pass: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(pass, ["true", "false", "false"], "{}", r.stdout);

    let r = args("summary");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("checks: 1 of 3 rows passed; failed: bob, kim"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 × \"not precise enough\""),
        "{}",
        r.stdout
    );
}

const NET: &str = "L = sum((W@x - y)^2)";

#[test]
fn training_tensor_parameters_ends_with_an_at_line_that_runs() {
    let r = run(&[
        NET,
        "--train",
        "W",
        "--at",
        "W=[[1,2],[3,4]], x=[1,1], y=[0,1]",
        "--steps",
        "1",
        "--lr",
        "0.1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One update: W - 0.1 * 2 (W@x - y) xᵀ.
    let last = r.stdout.lines().last().expect("a line");
    assert_eq!(
        last,
        "--at W=[[0.3999999999999999, 1.4], [1.7999999999999998, 2.8]],x=[1, 1],y=[0, 1]"
    );
    assert!(r.stdout.contains("‖∂L/∂W‖"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("W = [[0.3999999999999999, 1.4], [1.7999999999999998, 2.8]]"),
        "{}",
        r.stdout
    );
    let again = run(&[
        NET,
        "--at",
        last.trim_start_matches("--at "),
        "--format",
        "json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);

    // JSON: a tensor is one key, nested arrays.
    let r = run(&[
        NET,
        "--train",
        "W",
        "--at",
        "W=[[1,2],[3,4]], x=[1,1], y=[0,1]",
        "--lr",
        "0.1",
        "--format",
        "json",
    ]);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        out["steps"][0]["gradient"]["W"],
        serde_json::json!([[6, 6], [12, 12]])
    );
    assert_eq!(out["params"]["W"][1][1], 2.8);
}

#[test]
fn training_saves_its_parameters_for_at_file() {
    let saved = scratch("saved.txt", "");
    let data = scratch("net.csv", "x[0],x[1],y[0],y[1]\n1,1,0,1\n1,0,1,0\n");
    let r = run(&[
        NET,
        "--train",
        "W",
        "--at",
        "W=[[1,2],[3,4]]",
        "--points",
        &data,
        "--epochs",
        "3",
        "--lr",
        "0.1",
        "--save",
        &saved,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().last(),
        Some(format!("--at @{saved}").as_str())
    );
    let text = std::fs::read_to_string(&saved).expect("saved");
    assert!(text.starts_with("W=[["), "{text}");
    // The saved file trains on from where it stopped: three epochs and
    // three more are six.
    let six = run(&[
        NET,
        "--train",
        "W",
        "--at",
        "W=[[1,2],[3,4]]",
        "--points",
        &data,
        "--epochs",
        "6",
        "--lr",
        "0.1",
        "--format",
        "json",
    ]);
    let more = run(&[
        NET,
        "--train",
        "W",
        "--at",
        &format!("@{saved}"),
        "--points",
        &data,
        "--epochs",
        "3",
        "--lr",
        "0.1",
        "--format",
        "json",
    ]);
    assert_eq!(more.code, 0, "{}", more.stderr);
    let six: serde_json::Value = serde_json::from_str(&six.stdout).expect("JSON");
    let more: serde_json::Value = serde_json::from_str(&more.stdout).expect("JSON");
    assert_eq!(six["params"], more["params"]);
}

#[test]
fn a_long_at_line_says_how_to_save_it() {
    // 30×30 weights: the --at line is longer than the table shows.
    let w: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "[{}]",
                (0..30)
                    .map(|j| format!("0.{:02}{i}{j}", (i * j) % 97))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    let at = format!("W=[{}], x=[{}]", w.join(","), vec!["1"; 30].join(","));
    let r = run(&[
        "L = sum(tanh(W@x))",
        "--train",
        "W",
        "--at",
        &at,
        "--lr",
        "0.01",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let last = r.stdout.lines().last().expect("a line");
    assert!(last.starts_with("--at … ("), "{last}");
    assert!(last.ends_with("characters, too long to show: --save FILE writes them to a file that --at @FILE reads)"), "{last}");
}
