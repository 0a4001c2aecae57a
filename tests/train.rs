//! `--train` (SPEC §7): trajectories of torch.optim checked step by step,
//! the lecture's SGD step, the log's formats, and bad input with its exit code.

mod common;

use common::{run, run_with_stdin, Run};
use serde_json::Value;

const LOSS: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";

#[track_caller]
fn close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= 1e-9 * scale.max(1e-12) || actual == expected,
        "{what}: {actual} against torch's {expected} (relative error {:e})",
        (actual - expected).abs() / scale
    );
}

#[track_caller]
fn json_of(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}

#[track_caller]
fn compare_objects(actual: &Value, expected: &Value, what: &str) {
    let expected = expected.as_object().expect("an object");
    let actual = actual
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object"));
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: the parameters, in --train's order"
    );
    for (k, e) in expected {
        let a = actual[k]
            .as_f64()
            .unwrap_or_else(|| panic!("{what}.{k}: not a number"));
        close(a, e.as_f64().expect("a number"), &format!("{what}.{k}"));
    }
}

/// Every committed trajectory (tests/train/generate.py, torch.optim in
/// float64): each step's loss, parameters and gradient, and the end.
#[test]
fn trajectories_match_torch_optim() {
    let text = std::fs::read_to_string("tests/train/trajectories.json").expect("committed");
    let all: Value = serde_json::from_str(&text).expect("JSON");
    let cases = all["cases"].as_array().expect("cases");
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().expect("a name");
        let mut args: Vec<&str> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("text"))
            .collect();
        args.extend(["--format", "json"]);
        let out = json_of(&run(&args));
        let want = case["steps"].as_array().expect("steps");
        let got = out["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no steps"));
        assert_eq!(got.len(), want.len(), "{name}: the number of steps");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let at = format!("{name}, step {}", i + 1);
            assert_eq!(g["step"], i + 1, "{at}");
            close(
                g["loss"].as_f64().expect("loss"),
                w["loss"].as_f64().expect("loss"),
                &format!("{at}: loss"),
            );
            compare_objects(&g["params"], &w["params"], &format!("{at}: params"));
            compare_objects(&g["gradient"], &w["gradient"], &format!("{at}: gradient"));
        }
        compare_objects(
            &out["params"],
            &case["params"],
            &format!("{name}: final params"),
        );
        close(
            out["loss"].as_f64().expect("loss"),
            case["loss"].as_f64().expect("loss"),
            &format!("{name}: final loss"),
        );
    }
}

/// The lecture's example: one SGD step, η = 0.1, from w = 0.5, b = 1 at x = 2, y = 1.
#[test]
fn the_lecture_sgd_step() {
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--lr",
        "0.1",
        "--format",
        "json",
    ]);
    let out = json_of(&r);
    assert_eq!(out["params"]["w"].as_f64(), Some(0.5238405844044235));
    assert_eq!(out["params"]["b"].as_f64(), Some(1.0119202922022117));
    assert_eq!(out["steps"][0]["loss"].as_f64(), Some(0.12692801104297263));
    assert_eq!(
        out["at"],
        "w=0.5238405844044235,b=1.0119202922022117,x=2,y=1"
    );
    // The table ends with the line --at takes, and it reads back.
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--lr",
        "0.1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let last = r.stdout.lines().last().expect("a line");
    assert_eq!(
        last,
        "--at w=0.5238405844044235,b=1.0119202922022117,x=2,y=1"
    );
    // It runs as printed: the example's data come after the parameters.
    let at = last.trim_start_matches("--at ");
    let again = run(&[LOSS, "--at", at, "--format", "json"]);
    assert_eq!(json_of(&again)["value"].as_f64(), Some(0.12000702776881621));
}

#[test]
fn explain_writes_each_update() {
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--lr",
        "0.1",
        "--explain",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("w ← w − η·∂L/∂w = 0.5 − 0.1·(−0.23840584404423537) = 0.5238405844044235"),
        "{}",
        r.stdout
    );
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--optim",
        "adam",
        "--explain",
        "--digits",
        "4",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in [
        "m_w = β1·m_w + (1−β1)·∂L/∂w",
        "v_w = β2·v_w",
        "m̂_w = m_w/(1−β1^1)",
        "m_b = β1·m_b + (1−β1)·∂L/∂b",
        "w ← w − η·m̂_w/(√v̂_w + ε)",
        "v̂_w = v_w/(1−β2^1)",
        "w ← w − η·m̂_w/(√v̂_w + ε) = 0.5 − 0.001·(−0.2384)",
    ] {
        assert!(r.stdout.contains(part), "{part}: {}", r.stdout);
    }
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--optim",
        "momentum",
        "--steps",
        "2",
        "--explain",
    ]);
    assert!(
        r.stdout
            .contains("buf = g = -0.23840584404423537   [first step]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("buf = μ·buf + (1−τ)·g = 0.9·(−0.23840584404423537)"),
        "{}",
        r.stdout
    );
}

#[test]
fn csv_log_and_its_final_row() {
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0,b=0",
        "--points",
        "tests/train/data/logistic.csv",
        "--batch-size",
        "10",
        "--epochs",
        "2",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "step,epoch,loss,w,b,dL/dw,dL/db");
    // 23 rows in batches of 10: 3 steps an epoch.
    assert_eq!(lines.len(), 1 + 6 + 1, "{}", r.stdout);
    assert!(
        lines[1].starts_with("1,1,0.6931471805599453,0,0,"),
        "{}",
        lines[1]
    );
    assert!(lines[4].starts_with("4,2,"), "{}", lines[4]);
    let last: Vec<&str> = lines[7].split(',').collect();
    assert_eq!(
        (last[0], last[1], last.len()),
        ("final", "", 7),
        "{}",
        lines[7]
    );
}

#[test]
fn the_plot_only_when_asked() {
    let args = [
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--lr",
        "0.5",
        "--steps",
        "30",
    ];
    let r = run(&args);
    assert!(
        !r.stdout.contains("L at each of") && !r.stdout.contains('┤'),
        "{}",
        r.stdout
    );
    let mut with = args.to_vec();
    with.push("--plot");
    let r = run(&with);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("--plot draws on a terminal only"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stdout.contains("L at each of the 30 steps"),
        "{}",
        r.stdout
    );
    with.push("always");
    let r = run_with_env(&with, "LANG", "C.UTF-8");
    assert!(
        r.contains("L at each of the 30 steps") && r.contains('┤'),
        "{r}"
    );
    let r = run_with_env(&with, "LANG", "C");
    let plot = r.split("\n--at ").nth(1).unwrap_or_default();
    assert!(
        plot.contains("L at each of the 30 steps") && plot.is_ascii(),
        "{r}"
    );
}

fn run_with_env(args: &[&str], key: &str, value: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("autograd-cli")
        .expect("built")
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env(key, value)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loss that becomes infinite stops with exit 3, naming the step and the node.
#[test]
fn a_nonfinite_loss_stops_training() {
    // ln(w) with w pushed below 0 at the second step.
    let r = run(&[
        "L = ln(w) + 10*w",
        "--train",
        "w",
        "--at",
        "w=0.5",
        "--lr",
        "1",
        "--steps",
        "3",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("ln") && r.stderr.contains("at step 2"),
        "{}",
        r.stderr
    );
    // In a dataset: the row and its line.
    let csv = "x\n1\n0\n";
    let r = run_with_stdin(
        &["L = w/x", "--train", "w", "--at", "w=1", "--points", "-"],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("at step 1, row 2 of stdin (line 3)"),
        "{}",
        r.stderr
    );
    // A gradient that is not finite while the loss is: sqrt at 0.
    let r = run(&["L = sqrt(w*w*x)", "--train", "w", "--at", "w=0,x=1"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("∂L/∂w") && r.stderr.contains("at step 1"),
        "{}",
        r.stderr
    );
    // The JSON log stays a document, with the error in it.
    let r = run(&[
        "L = ln(w) + 10*w",
        "--train",
        "w",
        "--at",
        "w=0.5",
        "--lr",
        "1",
        "--steps",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 3);
    let out: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(out["steps"].as_array().map(Vec::len), Some(1));
    assert!(
        out["error"].as_str().is_some_and(|e| e.contains("ln")),
        "{}",
        r.stdout
    );
}

/// The lecture's loss on separable data: σ(z) rounds to exactly 1 at the
/// second step and ln(1 - yhat) is ln 0. The message says so and names the
/// two ways to write the same loss that stay finite; both train to the end.
#[test]
fn a_saturated_sigmoid_names_the_logits_form() {
    let data = "tests/train/data/separable.csv";
    let common = [
        "--train", "w,b", "--at", "w=0,b=0", "--points", data, "--lr", "5", "--epochs", "200",
    ];
    let lecture = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
    let mut args = vec![lecture];
    args.extend(common);
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.stderr);
    for needle in [
        "g7 = ln(g5): ln(0) is -infinity",
        "yhat = sigmoid(z) rounded to exactly 1 in float64, so g7 = ln(g5) is a log of 0",
        "`L = softplus(z) - y*z`",
        "`L = -(y*logsigmoid(z) + (1-y)*logsigmoid(-z))`, stays finite",
        "the loss is not finite at step 2, row 3",
    ] {
        assert!(r.stderr.contains(needle), "{needle}\n{}", r.stderr);
    }
    assert!(
        !r.stderr.contains("a smaller --lr may keep"),
        "{}",
        r.stderr
    );
    // The forms use the program's own names for the loss and the label.
    let renamed = std::env::temp_dir().join(format!("separable-t-{}.csv", std::process::id()));
    let text = std::fs::read_to_string(data).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&renamed, text.replacen("x,y", "x,t", 1)).unwrap_or_else(|e| panic!("{e}"));
    let renamed_path = renamed.to_string_lossy().into_owned();
    let r = run(&[
        "z = w*x + b; p = σ(z); E = -t*ln(p) - (1-t)*ln(1-p)",
        "--train",
        "w,b",
        "--at",
        "w=0,b=0",
        "--points",
        &renamed_path,
        "--lr",
        "5",
        "--epochs",
        "200",
    ]);
    let _ = std::fs::remove_file(&renamed);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("`E = softplus(z) - t*z`")
            && r.stderr
                .contains("`E = -(t*logsigmoid(z) + (1-t)*logsigmoid(-z))`"),
        "{}",
        r.stderr
    );
    // Not a saturated σ: the general hint stays.
    let r = run(&[
        "L = ln(w) + 10*w",
        "--train",
        "w",
        "--at",
        "w=0.5",
        "--lr",
        "1",
        "--steps",
        "3",
    ]);
    assert!(
        r.stderr.contains("a smaller --lr may keep the loss finite"),
        "{}",
        r.stderr
    );
    for form in [
        "z = w*x + b; L = softplus(z) - y*z",
        "z = w*x + b; L = -(y*logsigmoid(z) + (1-y)*logsigmoid(-z))",
    ] {
        let mut args = vec![form];
        args.extend(common);
        args.extend(["--format", "json"]);
        let r = run(&args);
        assert_eq!(r.code, 0, "{form}: {}", r.stderr);
        let out = json_of(&r);
        let steps = out["steps"].as_array().expect("steps");
        assert_eq!(steps.len(), 200, "{form}");
        let loss = steps[199]["loss"].as_f64().expect("loss");
        assert!(loss.is_finite() && loss < 1e-3, "{form}: final loss {loss}");
        let w = steps[199]["params"]["w"].as_f64().expect("w");
        assert!(w > 5.0, "{form}: w = {w}");
    }
}

/// Bad input and options that have no place in training: exit 2, in words.
#[test]
fn bad_input_and_usage() {
    let d = "tests/train/data/logistic.csv";
    let cases: &[(&[&str], &str)] = &[
        (
            &[LOSS, "--train", "w,q", "--at", "w=0,b=0,x=1,y=1"],
            "no variable `q`",
        ),
        (
            &[LOSS, "--train", "w,,b", "--at", "w=0,b=0,x=1,y=1"],
            "name the parameters",
        ),
        (
            &[LOSS, "--train", "w,w", "--at", "w=0,b=0,x=1,y=1"],
            "named twice",
        ),
        (
            &[LOSS, "--train", "w,b", "--at", "w=0,x=1,y=1"],
            "no value for `b`",
        ),
        (
            &[LOSS, "--train", "w,b", "--at", "w=0,b=0"],
            "no value for `x` and `y`",
        ),
        (
            &[LOSS, "--train", "w,b", "--at", "w=0,b=0,x=1", "--points", d],
            "is data, which comes from --points",
        ),
        (&[LOSS, "--train", "w,b", "--points", d], "starting values"),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--at",
                "w=1,b=0,x=1,y=1",
            ],
            "give one --at",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--epochs",
                "3",
            ],
            "--epochs is about a dataset",
        ),
        (
            &[
                LOSS, "--train", "w,b", "--at", "w=0,b=0", "--points", d, "--steps", "3",
            ],
            "give --epochs",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0",
                "--points",
                d,
                "--batch-size",
                "0",
            ],
            "at least 1",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "adam",
                "--momentum",
                "0.9",
            ],
            "--momentum has no place in --optim adam",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "sgd",
                "--betas",
                "0.9,0.99",
            ],
            "--betas has no place in --optim sgd",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "adam",
                "--betas",
                "0.9",
            ],
            "give two numbers",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "adam",
                "--betas",
                "0.9,1",
            ],
            "[0, 1)",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "nesterov",
                "--dampening",
                "0.1",
            ],
            "no dampening",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--lr",
                "-1",
            ],
            "--lr must be 0 or more",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--optim",
                "lbfgs",
            ],
            "invalid value 'lbfgs'",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--expect",
                "L=1",
            ],
            "--expect has no place in training",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--gradcheck",
            ],
            "--gradcheck has no place",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--format",
                "dot",
            ],
            "table, csv or json",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0,x=1,y=1",
                "--format",
                "json",
                "--explain",
            ],
            "use it with the table",
        ),
        (
            &[LOSS, "--at", "w=0,b=0,x=1,y=1", "--optim", "adam"],
            "--optim is an option of training",
        ),
        (
            &[LOSS, "--at", "w=0,b=0,x=1,y=1", "--lr", "0.1"],
            "--lr is an option of training",
        ),
        (
            &[LOSS, "--at", "w=0,b=0,x=1", "--points", d],
            "`x` is given by --at and is a column",
        ),
        (
            &[
                LOSS,
                "--train",
                "w,b",
                "--at",
                "w=0,b=0",
                "--points",
                "tests/train/data/none.csv",
            ],
            "cannot read `tests/train/data/none.csv`",
        ),
    ];
    for (args, message) in cases {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    }
    // A bad row names its line; an empty dataset says so.
    let r = run_with_stdin(
        &[
            "L = (w*x)^2",
            "--train",
            "w",
            "--at",
            "w=1",
            "--points",
            "-",
        ],
        Some(b"x\n1\nfoo\n"),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("line 3") && r.stderr.contains("`foo` is not a number"),
        "{}",
        r.stderr
    );
    let r = run_with_stdin(
        &[
            "L = (w*x)^2",
            "--train",
            "w",
            "--at",
            "w=1",
            "--points",
            "-",
        ],
        Some(b"x\n"),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no rows"), "{}", r.stderr);
}

/// A column named like a parameter is not used (a warning says so), and
/// --reduce sum is the mean times the rows.
#[test]
fn columns_and_reduce() {
    let csv = b"w,x\n100,1\n100,3\n";
    let args = [
        "L = (w*x)^2",
        "--train",
        "w",
        "--at",
        "w=1",
        "--points",
        "-",
        "--format",
        "json",
    ];
    let r = run_with_stdin(&args, Some(csv));
    assert!(
        r.stderr.contains("column `w` of stdin is a parameter"),
        "{}",
        r.stderr
    );
    let mean = json_of(&r);
    assert_eq!(mean["steps"][0]["loss"].as_f64(), Some(5.0));
    assert_eq!(mean["steps"][0]["gradient"]["w"].as_f64(), Some(10.0));
    let mut sum = args.to_vec();
    sum.extend(["--reduce", "sum"]);
    let sum = json_of(&run_with_stdin(&sum, Some(csv)));
    assert_eq!(sum["steps"][0]["loss"].as_f64(), Some(10.0));
    assert_eq!(sum["steps"][0]["gradient"]["w"].as_f64(), Some(20.0));
}

/// The data's columns are checked before the log begins: a missing column
/// leaves stdout empty (no header above the error).
#[test]
fn a_missing_column_is_found_before_the_log_begins() {
    let dir = std::env::temp_dir().join(format!("autograd-cli-train-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("no-y.csv");
    std::fs::write(&path, "x\n1\n2\n").expect("a scratch file");
    let path = path.to_string_lossy().into_owned();
    let r = run(&[
        LOSS,
        "--train",
        "w,b",
        "--at",
        "w=0.5,b=1",
        "--points",
        &path,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains('y'), "{}", r.stderr);
}
