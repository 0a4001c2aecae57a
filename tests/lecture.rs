//! The lecture's worked examples, node by node, through the real binary.
//! Figures from the course's `worked-examples.md` (lecture 2, backprop).

mod common;
use common::{json, node, num, run};

/// (node, definition, value, ∂f/∂node) for (2x + y²)·z³ at x=4, y=3, z=2.
const EXAMPLE_1: [(&str, &str, f64, f64); 8] = [
    ("x", "x", 4.0, 16.0),
    ("y", "y", 3.0, 48.0),
    ("z", "z", 2.0, 204.0),
    ("g1", "2*x", 8.0, 8.0),
    ("g2", "y^2", 9.0, 8.0),
    ("g3", "z^3", 8.0, 17.0),
    ("g4", "g1 + g2", 17.0, 8.0),
    ("f", "g4*g3", 136.0, 1.0),
];

#[test]
fn example_1_every_node() {
    let out = json("(2*x+y^2)*z^3", "x=4,y=3,z=2");
    let nodes = out["nodes"].as_array().expect("nodes");
    let names: Vec<&str> = nodes.iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(
        names,
        ["x", "y", "z", "g1", "g2", "g3", "g4", "f"],
        "the lecture's order"
    );
    for (name, expr, value, grad) in EXAMPLE_1 {
        let n = node(&out, name);
        assert_eq!(n["expr"], expr, "{name}");
        assert_eq!(num(&n["value"]), value, "{name}");
        assert_eq!(num(&n["grad"]), grad, "∂f/∂{name}");
    }
    assert_eq!(out["output"], "f");
    assert_eq!(num(&out["value"]), 136.0);
    for (v, g) in [("x", 16.0), ("y", 48.0), ("z", 204.0)] {
        assert_eq!(num(&out["gradient"][v]), g, "∂f/∂{v}");
    }
}

#[test]
fn example_1_table() {
    let r = run(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(r.stdout);
}

/// The logistic-regression loss at w=0.5, b=1, x=2, y=1.
const SIGMOID_2: f64 = 0.8807970779778823;
const LOSS: f64 = 0.12692801104297263;
const D_YHAT: f64 = -1.1353352832366128;
const D_Z: f64 = -0.11920292202211769;
const D_W: f64 = -0.23840584404423537;
const D_B: f64 = -0.11920292202211769;
const D_Y: f64 = -1.9999999999999987;
/// The lecture prints ∂L/∂x = -0.059601461011058836, one unit in the last
/// place from ∂L/∂z · w = -0.11920292202211769 · 0.5, which is exact in
/// binary. The tool computes the product: the lecture's own ∂L/∂z and ∂L/∂w
/// (= ∂L/∂z · x) fix it, so the figure itself is checked to within one ulp.
const D_X_LECTURE: f64 = -0.059601461011058836;

fn check_logistic(out: &serde_json::Value, output: &str, sigmoid_node: &str) {
    assert_eq!(out["output"], output);
    assert_eq!(num(&out["value"]), LOSS);
    let g = &out["gradient"];
    assert_eq!(num(&g["w"]), D_W);
    assert_eq!(num(&g["b"]), D_B);
    assert_eq!(num(&g["y"]), D_Y);
    let dx = num(&g["x"]);
    assert_eq!(dx, D_Z * 0.5, "∂L/∂x = ∂L/∂z · w");
    assert!(
        (dx - D_X_LECTURE).abs() <= f64::EPSILON * D_X_LECTURE.abs(),
        "{dx}"
    );
    let yhat = node(out, sigmoid_node);
    assert_eq!(yhat["op"], "sigmoid");
    assert_eq!(num(&yhat["value"]), SIGMOID_2);
    assert_eq!(
        num(&yhat["grad"]),
        D_YHAT,
        "both uses of ŷ add up (copy gate)"
    );
    let z = node(out, yhat["inputs"][0].as_str().expect("an input"));
    assert_eq!(num(&z["value"]), 2.0);
    assert_eq!(num(&z["grad"]), D_Z);
}

#[test]
fn example_2_as_a_program() {
    let out = json(
        "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)",
        "w=0.5,b=1,x=2,y=1",
    );
    check_logistic(&out, "L", "yhat");
    assert_eq!(node(&out, "z")["expr"], "g1 + b");
    assert_eq!(node(&out, "yhat")["expr"], "sigmoid(z)");
}

#[test]
fn example_2_as_one_line() {
    let out = json(
        "-y*ln(σ(w*x+b)) - (1-y)*ln(1-σ(w*x+b))",
        "w=0.5,b=1,x=2,y=1",
    );
    let sigmoids: Vec<&str> = out["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["op"] == "sigmoid")
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(sigmoids.len(), 1, "σ(w*x+b) written twice is one node");
    check_logistic(&out, "f", sigmoids[0]);
}

#[test]
fn example_2_with_newlines_and_comments() {
    let program = "# logistic regression\nz = w*x + b   # the logit\nyhat = σ(z)\n\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n";
    let out = json(program, "w=0.5,b=1,x=2,y=1");
    check_logistic(&out, "L", "yhat");
}

#[test]
fn example_2_program_table() {
    let r = run(&[
        "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)",
        "--at",
        "w=0.5,b=1,x=2,y=1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(r.stdout);
}
