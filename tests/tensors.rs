//! Vectors and matrices (SPEC §9, issue 21): a tensor is a group of scalar
//! nodes, so the scalar engine computes them; these tests run the binary.
//!
//! The worked examples' numbers are SPEC §9's (PyTorch float64). Where
//! PyTorch's own kernels round differently (its tanh and sigmoid, and
//! log_softmax's fused backward) the tool's scalar chain lands within a few
//! units in the last place, so each number is compared to 4e-15 relative
//! (about 16 ulp); every digit the SPEC gives is checked there.

mod common;
use common::*;
use serde_json::Value;

/// `a` and `b` agree to a few units in the last place.
#[track_caller]
fn close(what: &str, got: f64, want: f64) {
    let tol = 4e-15 * want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:?}, SPEC says {want:?} (difference {:e})",
        got - want
    );
}

#[track_caller]
fn gradient(out: &Value, name: &str) -> f64 {
    num(&out["gradient"][name])
}

const LAYER: &str = "h = tanh(W@x + b); yhat = σ(v@h + c); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const LAYER_AT: &str = "W=[[0.5,-0.5],[1,0.25]], x=[2,1], b=[0,-1], v=[1,-2], c=0.5, y=1";

#[test]
fn worked_example_one_hidden_layer() {
    let out = json(LAYER, LAYER_AT);
    close("L", num(&out["value"]), 1.1263362527768488);
    close(
        "h[0]",
        num(&node(&out, "h[0]")["value"]),
        0.4621171572600098,
    );
    close(
        "h[1]",
        num(&node(&out, "h[1]")["value"]),
        0.8482836399575129,
    );
    close(
        "yhat",
        num(&node(&out, "yhat")["value"]),
        0.32421893931336626,
    );
    let want = [
        ("W[0,0]", -1.0629329663166258),
        ("W[0,1]", -0.5314664831583129),
        ("W[1,0]", 0.7579962227988529),
        ("W[1,1]", 0.37899811139942646),
        ("b[0]", -0.5314664831583129),
        ("b[1]", 0.37899811139942646),
        ("v[0]", -0.31229002269466133),
        ("v[1]", -0.5732540179736065),
        ("c", -0.6757810606866337),
    ];
    for (name, value) in want {
        close(&format!("dL/d{name}"), gradient(&out, name), value);
    }
}

const SOFTMAX_AT: &str = "V=[[1,0],[0,1],[1,1]], x=[2,1]";

#[test]
fn worked_example_softmax_cross_entropy() {
    let out = json("L = -ln(softmax(V@x)[2])", SOFTMAX_AT);
    close("L", num(&out["value"]), 0.40760596444438046);
    let want = [
        ("V[0,0]", 0.48945694210959517),
        ("V[0,1]", 0.24472847105479759),
        ("V[1,0]", 0.18006114634076087),
        ("V[1,1]", 0.09003057317038043),
        ("V[2,0]", -0.6695180884503564),
        ("V[2,1]", -0.3347590442251782),
    ];
    for (name, value) in want {
        close(&format!("dL/d{name}"), gradient(&out, name), value);
    }
    let softmax = [0.2447284710547976, 0.09003057317038045, 0.6652409557748218];
    for (i, want) in softmax.iter().enumerate() {
        let got = value(&format!("softmax(V@x)[{i}]"), SOFTMAX_AT);
        close(&format!("softmax[{i}]"), got, *want);
    }
}

#[test]
fn tensor_variables_are_groups_of_scalar_variables() {
    let out = json(LAYER, LAYER_AT);
    let names: Vec<&str> = out["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter(|n| n["op"] == "var")
                .filter_map(|n| n["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        names,
        [
            "W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]", "b[0]", "b[1]", "v[0]", "v[1]",
            "c", "y"
        ]
    );
    // A tensor statement's elements are named nodes: `h[0]`, `h[1]`.
    assert_eq!(node(&out, "h[1]")["op"], "tanh");
}

/// Every operation of the slice in one program: its value (worked out by
/// hand, in Python's floats) and its gradients (finite differences).
#[test]
fn every_operation_by_value_and_gradcheck() {
    let program = "sum(W' @ [1, 2]) + mean(W) + norm(x) + logsumexp(x) + dot(x,x) + max(W) \
                   + W[1,0] + sum(exp(W)) + min(x) + sum(W*x) + sum(2^x) + sum(W@W) \
                   + sum(transpose(W)[1]) + sum(W - 1) + sum(x/2) + sum(-x)";
    let at = "W=[[1,2],[3,4]], x=[1,2]";
    // 197.8403545487396 (the first twelve terms, Python) + 6 + 6 + 1.5 - 3.
    close("value", value(program, at), 197.8403545487396 + 10.5);
    let r = run(&[program, "--at", at, "--gradcheck"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn broadcasting_follows_numpy() {
    // A vector along a matrix's last axis: [[1,2],[3,4]] + [10,20].
    let at = "W=[[1,2],[3,4]], x=[10,20]";
    close("W+x", value("(W + x)[1,0]", at), 13.0);
    close("W+x", value("(W + x)[0,1]", at), 22.0);
    close("2*W", value("sum(2*W)", at), 20.0);
    // A literal column broadcasts along rows.
    close("col", value("(W * [[1],[10]])[1,1]", at), 40.0);
}

#[test]
fn matrix_products_of_every_kind() {
    let at = "A=[[1,2,3],[4,5,6]], B=[[1,0],[0,1],[1,1]], x=[1,1,1], u=[1,2]";
    close("A@x", value("(A@x)[1]", at), 15.0);
    close("x@x", value("x@x", at), 3.0);
    close("A@B", value("(A@B)[1,1]", at), 11.0);
    close("u@A", value("(u@A)[2]", at), 15.0);
    close("A'", value("A'[2,0]", at), 3.0);
}

#[test]
fn softmax_and_logsumexp_are_stable_for_large_arguments() {
    let at = "x=[1000, 1001, 1002]";
    let lse = value("logsumexp(x)", at);
    let want = 1002.0 + ((-2.0f64).exp() + (-1.0f64).exp() + 1.0).ln();
    close("logsumexp", lse, want);
    let p = value("softmax(x)[2]", at);
    close(
        "softmax",
        p,
        1.0 / ((-2.0f64).exp() + (-1.0f64).exp() + 1.0),
    );
}

#[test]
fn constant_literals_fold_in_statements() {
    let out = json("v = [1, 2, 3]; L = sum(v*w)", "w=2");
    close("L", num(&out["value"]), 12.0);
    close("dL/dw", gradient(&out, "w"), 6.0);
}

#[test]
fn scalar_names_sum_and_norm_stay_variables() {
    // `sum` is a tensor function only when called.
    close("sum", value("sum*2 + norm", "sum=3,norm=1"), 7.0);
}

#[test]
fn tensor_output_is_printed_with_its_value() {
    let at = "W=[[1,2],[3,4]], x=[1,1]";
    let r = run(&["W@x", "--at", at]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["node", "shape", "op", "definition", "value"],
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("\nf     2      matmul  W@x         [3, 7]\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("\nf = [3, 7]\n"), "{}", r.stdout);
    assert!(!r.stdout.contains('∂'), "{}", r.stdout);
    // The message says why there are no gradients and how to reduce it;
    // an index binds tighter than `@`, so the element is `(W@x)[0]`.
    assert_contains(
        &r.stderr,
        &[
            "the output `W@x` is a vector of 2 entries",
            "gradients need a scalar output",
            "`sum(W@x)`",
            "`(W@x)[0]`",
        ],
    );
    assert!(!r.stderr.contains("`W@x[0]`"), "{}", r.stderr);
}

#[test]
fn tensor_output_in_csv_and_json() {
    let at = "W=[[1,2],[3,4]], x=[1,1]";
    let r = run(&["h = W@x", "--at", at, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "\"W[0,0]\",\"W[0,1]\",\"W[1,0]\",\"W[1,1]\",x[0],x[1],h[0],h[1]\n1,2,3,4,1,1,3,7\n"
    );
    let out = json("h = W + 1", at);
    assert_eq!(out["output"], "h");
    assert_eq!(out["shape"], serde_json::json!([2, 2]));
    assert_eq!(out["value"], serde_json::json!([[2, 3], [4, 5]]));
    assert!(out.get("gradient").is_none(), "{out}");
    // A matrix's element has two indices.
    let r = run(&["h = W + 1", "--at", at]);
    assert_contains(&r.stderr, &["a 2×2 matrix", "`h[0, 0]`"]);
}

#[test]
fn tensor_output_with_points_gives_each_rows_values() {
    let r = run_with_stdin(
        &["h = [a, b]*2", "--points", "-", "--format", "csv"],
        Some(b"a,b\n1,2\n3,4\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "a,b,h[0],h[1]\n1,2,2,4\n3,4,6,8\n");
}

#[test]
fn tensor_output_refuses_what_needs_gradients() {
    let at = "W=[[1,2],[3,4]], x=[1,2]";
    let needles = [
        "the output `h` is a vector of 2 entries",
        "gradients need a scalar output",
        "`sum(h)`",
    ];
    let r = run(&["h = W@x", "--at", at, "--gradcheck"]);
    assert_fails(&r, 2, &needles);
    let r = run(&["h = W@x", "--at", at, "--expect", "dh/dW[0,0]=1"]);
    assert_fails(&r, 2, &needles);
    let r = run(&["h = W@x", "--at", at, "--hessian"]);
    assert_fails(&r, 2, &needles);
    // Values alone are no refusal.
    let r = run(&["h = W@x", "--at", at, "--expect", "h[1]=11"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn json_has_tensors_as_nested_arrays_with_shapes() {
    let out = json(LAYER, LAYER_AT);
    let tensors = out["tensors"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = tensors.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["W", "x", "b", "v", "g3", "h"]);
    let w = &tensors[0];
    assert_eq!(w["shape"], serde_json::json!([2, 2]));
    assert_eq!(w["value"], serde_json::json!([[0.5, -0.5], [1, 0.25]]));
    close("dL/dW[1][0]", num(&w["grad"][1][0]), 0.7579962227988529);
    close("dL/dW[0][1]", num(&w["grad"][0][1]), -0.5314664831583129);
    let h = &tensors[5];
    assert_eq!(h["shape"], serde_json::json!([2]));
    close("h[1]", num(&h["value"][1]), 0.8482836399575129);
}

#[test]
fn scalar_json_has_no_tensors_key() {
    let out = json("x*y", "x=1,y=2");
    assert!(out.get("tensors").is_none(), "{out}");
}

#[test]
fn table_has_one_row_per_tensor_and_gradients_as_arrays() {
    let r = run(&[LAYER, "--at", LAYER_AT]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["node", "shape", "op", "definition", "value", "∂L/∂node"]
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no row {name} in\n{}", r.stdout))
    };
    assert_eq!(
        row("W"),
        "W 2×2 var [[0.5, -0.5], [1, 0.25]] [[-1.06, -0.531], [0.758, 0.379]]"
    );
    assert_eq!(
        row("h"),
        "h 2 tanh tanh(W@x + b) [0.462, 0.848] [-0.676, 1.35]"
    );
    assert!(!r.stdout.contains("\nW[0,0] "), "{}", r.stdout);
    assert_contains(
        &r.stdout,
        &[
            "∂L/∂W = [[-1.0629329663166258, -0.5314664831583129], [0.757996222798853, 0.3789981113994265]]",
            "∂L/∂c = -0.6757810606866338",
        ],
    );
}

/// SPEC §9's table reads as the lecture's matrix form: a row per tensor
/// subexpression, none for the nodes inside an expansion.
#[test]
fn table_hides_the_expansions_inner_nodes() {
    let r = run(&[LAYER, "--at", LAYER_AT]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<String> = r
        .stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let want = [
        "node shape op definition value ∂L/∂node",
        "W 2×2 var [[0.5, -0.5], [1, 0.25]] [[-1.06, -0.531], [0.758, 0.379]]",
        "x 2 var [2, 1] [0.113, 0.36]",
        "b 2 var [0, -1] [-0.531, 0.379]",
        "v 2 var [1, -2] [-0.312, -0.573]",
        "c var 0.5 -0.6757810606866338",
        "y var 1 0.734450122655016",
        "g1 neg -y -1 -1.1263362527768488",
        "g2 sub 1 - y 0 0.3918861301218329",
        "g3 2 add W@x + b [0.5, 1.25] [-0.531, 0.379]",
        "h 2 tanh tanh(W@x + b) [0.462, 0.848] [-0.676, 1.35]",
        "g4 add v@h + c -0.734450122655016 -0.6757810606866338",
        "yhat sigmoid sigmoid(g4) 0.3242189393133662 -3.0843355484346753",
        "g5 ln ln(yhat) -1.1263362527768488 -1",
        "g6 sub 1 - yhat 0.6757810606866338 0",
        "g7 mul g1*g5 1.1263362527768488 1",
        "g8 ln ln(g6) -0.3918861301218329 0",
        "g9 mul g2*g8 0 -1",
        "L sub g7 - g9 1.1263362527768488 1",
    ];
    assert_eq!(rows, want, "{}", r.stdout);
}

#[test]
fn softmax_row_shows_every_entry_and_its_user_names_the_element() {
    let r = run(&["L = -ln(softmax(V@x)[2])", "--at", SOFTMAX_AT]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<String> = r
        .stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows[3..],
        [
            "g1 3 matmul V@x [2, 1, 3] [0.245, 0.09, -0.335]",
            "g2 3 softmax softmax(V@x) [0.245, 0.09, 0.665] [0, 0, -1.5]",
            "g3 ln ln(g2[2]) -0.40760596444438046 -1",
            "L neg -g3 0.40760596444438046 1",
        ],
        "{}",
        r.stdout
    );
}

/// JSON's `nodes` are the scalar nodes the rows show: every element of a
/// tensor (`g1[0]`), no node inside an expansion; `tensors` has every
/// tensor row; the flat `gradient` and CSV keep the elements.
#[test]
fn json_nodes_are_the_shown_elements() {
    let out = json(LAYER, LAYER_AT);
    let names: Vec<&str> = out["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().filter_map(|n| n["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"g3[1]"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('#')), "{names:?}");
    assert_eq!(names.len(), 12 + 2 + 2 + 10, "{names:?}");
    assert_eq!(node(&out, "g3[0]")["expr"], "(W@x + b)[0]");
    assert_eq!(node(&out, "h[1]")["expr"], "tanh(g3[1])");
    let softmax = json("L = -ln(softmax(V@x)[2])", SOFTMAX_AT);
    assert_eq!(node(&softmax, "g2[1]")["expr"], "softmax(V@x)[1]");
    let tensors: Vec<&str> = out["tensors"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(tensors, ["W", "x", "b", "v", "g3", "h"]);
    assert_eq!(out["tensors"][4]["expr"], "W@x + b");
    assert_eq!(out["tensors"][4]["op"], "add");
    let r = run(&[LAYER, "--at", LAYER_AT, "--format", "csv"]);
    assert!(
        r.stdout.starts_with("\"W[0,0]\",\"W[0,1]\""),
        "{}",
        r.stdout
    );
}

#[test]
fn scalar_results_of_tensor_operations_are_one_row() {
    let r = run(&[
        "s = sum(W@x); L = s*dot(x, x)",
        "--at",
        "W=[[1,2],[3,4]], x=[1,2]",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "\ng1    2      matmul  W@x         [5, 11]",
            "\ng2           dot     dot(x, x)   5 ",
            "\ns            sum     sum(W@x)    16 ",
            "\nL            mul     s*g2        80 ",
        ],
    );
    assert!(!r.stdout.contains("\ng3 "), "{}", r.stdout);
}

/// `p[y]` with `y` a class label: the value and gradients are those of the
/// constant index (SPEC §9's softmax example), and nothing flows to `y`.
#[test]
fn index_by_a_class_label_selects() {
    let at = format!("{SOFTMAX_AT}, y=2");
    let out = json("L = -ln(softmax(V@x)[y])", &at);
    close("L", num(&out["value"]), 0.40760596444438046);
    close("dL/dV[2,0]", gradient(&out, "V[2,0]"), -0.6695180884503564);
    close("dL/dV[0,1]", gradient(&out, "V[0,1]"), 0.24472847105479759);
    assert_eq!(gradient(&out, "y"), 0.0);
    let constant = json("L = -ln(softmax(V@x)[2])", SOFTMAX_AT);
    assert_eq!(out["gradient"]["V[1,1]"], constant["gradient"]["V[1,1]"]);
    let r = run(&["L = -ln(softmax(V@x)[y])", "--at", &at]);
    assert_contains(
        &r.stdout,
        &["\ng3           select   softmax(V@x)[y]  0.6652409557748218 "],
    );
}

#[test]
fn index_by_variables_of_a_matrix() {
    let at = "W=[[1,2,3],[4,5,6]], i=1, j=2";
    close("W[i, j]", value("W[i, j]", at), 6.0);
    close("W[i, 0]", value("W[i, 0]", at), 4.0);
    close("W[0, j]", value("W[0, j]", at), 3.0);
    close("W[i]", value("sum(W[i])", at), 15.0);
    let out = json("L = W[i, j]*W[j - 1, i] + sum(W[i]^2)", at);
    // 6*5 + 16 + 25 + 36
    close("L", num(&out["value"]), 107.0);
    close("dL/dW[1,2]", gradient(&out, "W[1,2]"), 5.0 + 12.0);
    close("dL/dW[1,1]", gradient(&out, "W[1,1]"), 6.0 + 10.0);
    close("dL/dW[0,0]", gradient(&out, "W[0,0]"), 0.0);
    assert_eq!(gradient(&out, "i"), 0.0);
}

/// The batch engine (CSV in, CSV out) selects per row; a row whose label is
/// out of range is an error row (exit 3), the others go on.
#[test]
fn index_by_a_label_column_in_the_batch_engine() {
    let program = "L = -ln(softmax([a, b, c])[y])";
    let r = run_with_stdin(
        &[program, "--points", "-", "--format", "csv"],
        Some(b"a,b,c,y\n1,2,3,0\n1,2,3,2\n1,2,3,4\n"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    for (line, label) in lines[1..3].iter().zip(["0", "2"]) {
        let want = value(program, &format!("a=1, b=2, c=3, y={label}"));
        let got: f64 = line
            .split(',')
            .nth(4)
            .and_then(|c| c.parse().ok())
            .unwrap_or(f64::NAN);
        assert_eq!(got, want, "{line}");
    }
    assert_eq!(lines[3], "1,2,3,4,,,,,");
    assert_contains(
        &r.stderr,
        &[
            "y = 4, but softmax([a, b, c]) has 3 entries (0 to 2)",
            "line 4",
        ],
    );
}

#[test]
fn sum_and_mean_along_an_axis_follow_numpy() {
    let at = "W=[[1,2,3],[4,5,6]]";
    let out = json("sum(W, 0)", at);
    assert_eq!(out["value"], serde_json::json!([5, 7, 9]));
    let out = json("mean(W, 1)", at);
    assert_eq!(out["value"], serde_json::json!([2, 5]));
    let out = json("mean(W, -1)", at);
    assert_eq!(out["value"], serde_json::json!([2, 5]));
    close("vector", value("sum([1, 2, 3]*w, 0)", "w=2"), 12.0);
    let program = "L = sum(sum(W, 0)*[1, 2, 3]) + mean(W, 1)[1]";
    let out = json(program, at);
    close("L", num(&out["value"]), 46.0 + 5.0);
    close("dL/dW[1,2]", gradient(&out, "W[1,2]"), 3.0 + 1.0 / 3.0);
    let r = run(&[program, "--at", at, "--gradcheck"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// `--explain` in matrix form (SPEC §9): the forward line of a tensor
/// operation with its operands' values, the backward pass's rules for `@`,
/// the elementwise functions and the broadcast sums, with the numbers.
#[test]
fn explain_writes_the_matrix_form() {
    let at = "W=[[0.5,-0.5],[1,0.25]], x=[2,1], b=[0,-1]";
    let r = run(&[
        "z = W@x + b; h = tanh(z); L = sum(h)",
        "--at",
        at,
        "--explain",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "\n  z = W@x + b = [[0.5, -0.5], [1, 0.25]]·[2, 1] + [0, -1] = [0.5, 1.25]\n",
            "\n  h = tanh(z) = tanh([0.5, 1.25]) = [0.462, 0.848]\n",
            "\n  L = sum(h) = sum([0.462, 0.848]) = 1.3104007972175227\n",
            "in matrix form)\n  ∂L/∂L = 1\n    ∂L/∂h ⟵ ∂L/∂L in every entry it sums",
            "\n  ∂L/∂h = [1, 1]\n    ∂L/∂z ⟵ ∂L/∂h ⊙ (1 − h²) = [1, 1] ⊙ (1 − [0.462, 0.848]²)\n",
            "\n  ∂L/∂z = [0.786, 0.28]\n    ∂L/∂W ⟵ ∂L/∂z · xᵀ = [0.786, 0.28] · [2, 1]ᵀ\n",
            "\n    ∂L/∂x ⟵ Wᵀ · ∂L/∂z = [[0.5, -0.5], [1, 0.25]]ᵀ · [0.786, 0.28]\n",
            "\n    ∂L/∂b ⟵ ∂L/∂z = [0.786, 0.28]\n",
            "\n  ∂L/∂W = [[1.57, 0.786], [0.561, 0.28]]\n",
        ],
    );
    // (1.3104007972175227 = math.tanh(0.5) + math.tanh(1.25) in Python.)
    // Softmax's rule, and an element's value where it is used.
    let r = run(&["L = -ln(softmax(V@x)[2])", "--at", SOFTMAX_AT, "--explain"]);
    assert_contains(
        &r.stdout,
        &[
            "\n  g3 = ln(g2[2]) = ln(0.6652409557748218) = -0.40760596444438046\n",
            "\n    ∂L/∂g1 ⟵ g2 ⊙ (∂L/∂g2 − (∂L/∂g2 · g2)) = ",
        ],
    );
}

/// Pictures (dot, mermaid, svg): a box per row of the table, a tensor's
/// with its shape and compact arrays; edges between boxes, none to the
/// nodes inside an expansion.
#[test]
fn pictures_have_a_box_per_tensor() {
    let r = run(&[
        "L = -ln(softmax(V@x)[2])",
        "--at",
        SOFTMAX_AT,
        "--format",
        "mermaid",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let boxes = r.stdout.lines().filter(|l| l.contains("[\"")).count();
    let edges: Vec<&str> = r.stdout.lines().filter(|l| l.contains("-->")).collect();
    assert_eq!(boxes, 6, "{}", r.stdout);
    assert_eq!(edges.len(), 5, "{}", r.stdout);
    assert_contains(
        &r.stdout,
        &["[\"g2<br/>softmax 3: softmax(V@x)<br/>value [0.245, 0.09, 0.665]<br/>∂L/∂g2 = [0, 0, -1.5]\"]"],
    );
    let r = run(&[LAYER, "--at", LAYER_AT, "--format", "dot"]);
    assert_contains(
        &r.stdout,
        &[
            "[label=\"W | var 2×2 | value [[0.5, -0.5], [1, 0.25]] | ∂L/∂W = [[-1.06, -0.531], [0.758, 0.379]]\"]",
            "\"W[1,1]\" -> \"g3[1]\";",
            "\"g3[1]\" -> \"h[1]\";",
        ],
    );
    assert_eq!(r.stdout.matches(" -> ").count(), 19, "{}", r.stdout);
    let r = run(&[LAYER, "--at", LAYER_AT, "--format", "svg"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("tanh 2: tanh(W@x + b)"), "{}", r.stdout);
}

#[test]
fn a_row_definition_keeps_its_parentheses() {
    // The left operand's `(` is outside a binary expression's span: the
    // row's text takes it back (it printed `W@x - y)^2`).
    let r = run(&[
        "sum((W@x - y)^2)",
        "--at",
        "W=[[1,2],[3,4]], x=[1,1], y=[1,2]",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &["  pow  (W@x - y)^2 ", "  sum  sum((W@x - y)^2)  29 "],
    );
}

#[test]
fn a_point_heading_writes_tensors_whole() {
    let r = run(&[
        "sum(W@x)",
        "--at",
        "W=[[0.5,-0.5],[1,0.25]], x=[1,2]",
        "--at",
        "W=[[1,0],[0,1]], x=[3,4]",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "at W=[[0.5, -0.5], [1, 0.25]], x=[1, 2]\n",
            "at W=[[1, 0], [0, 1]], x=[3, 4]\n",
        ],
    );
}

#[test]
fn a_large_tensor_is_summarized_in_the_table_as_numpy_prints_it() {
    // 40×30 = 1,200 elements, over NumPy's threshold of 1,000: the table
    // shows each long axis's first and last 3 (a 784×64 matrix printed a
    // 330 KB cell on every row); JSON keeps every element.
    let rows: Vec<String> = (0..40)
        .map(|r| {
            let cells: Vec<String> = (0..30).map(|c| (r * 30 + c).to_string()).collect();
            format!("[{}]", cells.join(","))
        })
        .collect();
    let at = format!("W=[{}], x=[1, 2]", rows.join(","));
    let r = run(&["sum(W)*x[0]", "--at", &at]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        // (3 significant digits: 1171 shows as 1170.)
        &["[[0, 1, 2, …, 27, 28, 29], [30, 31, 32, …, 57, 58, 59], [60, 61, 62, …, 87, 88, 89], …, [1110, 1110, 1110, …, 1140, 1140, 1140], [1140, 1140, 1140, …, 1170, 1170, 1170], [1170, 1170, 1170, …, 1200, 1200, 1200]]"],
    );
    let out = json("sum(W)*x[0]", &at);
    let tensors = out["tensors"].as_array().expect("tensors");
    let w = tensors.iter().find(|t| t["name"] == "W").expect("W");
    assert_eq!(w["value"].as_array().map(Vec::len), Some(40));
    assert_eq!(w["value"][39][29], 1199);
}
