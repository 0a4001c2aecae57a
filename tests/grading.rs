//! Grading a class (SPEC §5): the one rule for numbers through the real
//! binary, non-answers, and the class file: separators, decimal commas,
//! shared values, row ids, `--summary`, column names, line numbers.

mod common;
use common::{assert_contains, run, run_with_stdin};

const LOSS: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const AT: &str = "w=0.5,b=1,x=2,y=1";

/// The exit code of checking `L` (0.126928…) against `answer`.
fn code_for(answer: &str, extra: &[&str]) -> i32 {
    let check = format!("L={answer}");
    let args = [&[LOSS, "--at", AT, "--expect", check.as_str()][..], extra].concat();
    run(&args).code
}

/// SPEC §5's examples for 0.126928…, the default rule, --sig and --tol.
#[test]
fn the_rule_for_numbers_through_the_binary() {
    for answer in [
        "0.1269",
        "0.12692",
        "0.127",
        "0.1270",
        "0.126",
        "-ln(σ(2))",
        "1.27E-01",
    ] {
        assert_eq!(code_for(answer, &[]), 0, "{answer} passes");
    }
    for answer in ["0.12694", "0.125", "0.1", "0.13", "1/8", "L", "f", "L-z+z"] {
        assert_eq!(code_for(answer, &[]), 1, "{answer} fails");
    }
    assert_eq!(code_for("0.13", &["--sig", "2"]), 0);
    assert_eq!(code_for("0.1", &["--tol", "0.03"]), 0);
    assert_eq!(
        code_for("0.1", &["--tol", "20%"]),
        1,
        "0.0269 is 21.2% of 0.1269"
    );
    assert_eq!(code_for("0.1", &["--tol", "21.3%"]), 0);
    assert_eq!(code_for("0.1", &["--tol", "21%"]), 1);
}

/// `--tol` is measured against the true value, never the answer.
#[test]
fn tolerance_is_against_the_true_value() {
    let code = |answer: &str, tol: &str| {
        run(&[
            "x",
            "--at",
            "x=10",
            "--expect",
            &format!("f={answer}"),
            "--tol",
            tol,
        ])
        .code
    };
    assert_eq!(code("9.9", "1%"), 0, "0.1 is 1% of the true 10");
    assert_eq!(code("10.1", "1%"), 0);
    assert_eq!(code("9.9", "0.99%"), 1);
    assert_eq!(code("9.9", "0.1"), 0);
    assert_eq!(code("9.9", "0.099"), 1);
}

/// The reason is in every format, the table too.
#[test]
fn the_reason_is_in_the_table_json_and_csv_summary() {
    let r = run(&[
        LOSS,
        "--at",
        AT,
        "--expect",
        "L=0.1, dL/dw=0.2384, yhat=yhat",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "FAILED  L      expected 0.1     actual 0.12692801104297263  (not precise enough: 1 significant digit, at least 3)",
            "FAILED  dL/dw  expected 0.2384  actual -0.23840584404423537  (the sign is flipped: 0.2384 vs the true -0.2384058…)",
            "FAILED  yhat   expected yhat    not an answer: it names its own target `yhat`",
        ],
    );
    let r = run(&[
        LOSS,
        "--at",
        AT,
        "--expect",
        "L=0.12694",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(
        v["checks"][0]["reason"],
        "off by more than one unit of the last digit: 0.12694 vs the true 0.12692801…"
    );
}

/// A class file as a spreadsheet in much of Europe writes it: `;`, decimal
/// commas, a blank line; the same verdicts as its `,` twin.
#[test]
fn semicolons_tabs_and_decimal_commas() {
    let comma = b"student,w,b,x,y,ans\nann,0.5,1,2,1,0.1269\nben,0.5,1,2,1,0.1\n\ncho,0.5,1,2,1,\"0,127\"\n";
    let semi =
        b"student;w;b;x;y;ans\nann;0,5;1;2;1;0,1269\nben;0,5;1;2;1;0,1\n\ncho;0,5;1;2;1;0,127\n";
    let tab = b"student\tw\tb\tx\ty\tans\nann\t0,5\t1\t2\t1\t0,1269\nben\t0.5\t1\t2\t1\t0.1\n\ncho\t0,5\t1\t2\t1\t0,127\n";
    let args = [LOSS, "--points", "-", "--expect", "L=@ans", "--summary"];
    for file in [&comma[..], &semi[..], &tab[..]] {
        let r = run_with_stdin(&args, Some(file));
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(
            r.stdout,
            "checks: 2 of 3 rows passed; failed: ben\n  L: 2 of 3; 1 × \"not precise enough\"\n"
        );
    }
}

/// The row's id names it in headings, errors and the summary; `--id`
/// chooses another column; the failing list is capped at 20.
#[test]
fn rows_are_named_by_their_id() {
    let class = b"n,student,x,ans\n1,ann,2,4\n2,ben,0,0\n3,cho,-1,2\n";
    let r = run_with_stdin(
        &["x^2/x^2*x^2", "--points", "-", "--expect", "f=@ans"],
        Some(class),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_contains(&r.stdout, &["1: at x=2\n", "3: at x=-1\n"]);
    assert_contains(&r.stderr, &["(at: stdin, line 3, 2)"]);
    let r = run_with_stdin(
        &[
            "x^2/x^2*x^2",
            "--points",
            "-",
            "--expect",
            "f=@ans",
            "--id",
            "student",
        ],
        Some(class),
    );
    assert_contains(
        &r.stdout,
        &["ann: at x=2\n", "cho: at x=-1\n", "ben: at x=0\nerror:"],
    );
    assert_contains(&r.stderr, &["(at: stdin, line 3, ben)"]);
    let mut many = String::from("student,x,ans\n");
    for i in 0..25 {
        many.push_str(&format!("s{i},{i},{}\n", i * i + 7));
    }
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--expect", "f=@ans", "--summary"],
        Some(many.as_bytes()),
    );
    assert_eq!(r.code, 1);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("checks: 0 of 25 rows passed; failed: s0, s1, s2,")
            && first.ends_with(", s19 and 5 more"),
        "{first}"
    );
}

/// `--at` with `--points`: the values every row shares.
#[test]
fn shared_values_and_unique_column_names() {
    let class = b"student,x,y,L\nann,2,1,0.1269\nben,2,0,2.127\n";
    let r = run_with_stdin(
        &[
            LOSS,
            "--points",
            "-",
            "--at",
            "w=0.5,b=1",
            "--expect",
            "L=@L",
            "--format",
            "csv",
        ],
        Some(class),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        header,
        "student,x,y,L,computed:L,dL/dx,dL/dy,dL/dw,dL/db,pass:L,passed"
    );
    let names: Vec<&str> = header.split(',').collect();
    for (i, n) in names.iter().enumerate() {
        assert!(!names[..i].contains(n), "{n} twice in {header}");
    }
    let r = run(&[
        "x",
        "--at",
        "x=1",
        "--expect",
        "f=1, f=1.00",
        "--format",
        "csv",
    ]);
    assert_eq!(
        r.stdout.lines().next(),
        Some("x,f,df/dx,pass:f,pass:f (2),passed")
    );
}

/// An empty answer shows as such, and a cell naming its own target fails.
#[test]
fn empty_and_self_naming_cells() {
    let class = b"student,x,ans\nann,3,\nben,3,f\ncho,3,f-x+x\ndan,3,x^2\n";
    let r = run_with_stdin(
        &["f = x^2", "--points", "-", "--expect", "f=@ans"],
        Some(class),
    );
    assert_eq!(r.code, 1);
    let g = run_with_stdin(
        &["f = x^2 + 1", "--points", "-", "--expect", "g1=@ans"],
        Some(b"student,x,ans\ncho,3,g1-x+x\n"),
    );
    assert_contains(&g.stdout, &["not an answer: it names its own target `g1`"]);
    assert_contains(
        &r.stdout,
        &[
            "FAILED  f  expected (empty)  actual 9  (the answer is empty)",
            "ben: at x=3\nFAILED  f  expected f  not an answer: it names its own target `f`",
            "cho: at x=3\nFAILED  f  expected f-x+x  not an answer",
            "dan: at x=3\npassed",
        ],
    );
    assert!(!r.stdout.contains("NaN"), "{}", r.stdout);
}

/// examples/grading/notations.csv and its `;` twin: every row's `verdict`
/// (a fair TA's) is the tool's.
#[test]
fn the_notation_class_gets_the_tas_verdicts() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for file in ["notations.csv", "notations-semicolon.csv"] {
        let path = format!("{dir}/examples/grading/{file}");
        let loss = format!("{dir}/examples/loss.txt");
        let r = run(&[
            "-f",
            &loss,
            "--points",
            &path,
            "--expect",
            "L=@ans_L, dL/dw=@ans_dw",
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 1, "{file}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
        let rows = v.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 26, "{file}");
        for row in rows {
            let ta = row["columns"]["verdict"] == "pass";
            assert_eq!(
                row["passed"], ta,
                "{file}: {} ({}): {}",
                row["columns"]["student"], row["columns"]["note"], row["checks"]
            );
        }
    }
}

/// Copying the table's definition column (`g6 - g8` for `L = g6 - g8`) is
/// not an answer; a formula in the program's own names (`ln(yhat)` for
/// `g4`) is checked as a formula.
#[test]
fn restating_a_generated_definition_is_not_an_answer() {
    let r = run(&[LOSS, "--at", AT, "--expect", "L=g6-g8, g4=ln(yhat)"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "FAILED  L   expected g6-g8     not an answer: it restates the definition of `L` (g6 - g8) instead of its value",
            "passed  g4  expected ln(yhat)",
        ],
    );
}

/// A second derivative as a textbook writes it, `d^2f/dz^2`, is `d2f/dz2`.
#[test]
fn second_derivatives_written_with_carets() {
    let r = run(&[
        "(2*x+y^2)*z^3",
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d^2f/dz^2 = 204, d^2f/dxdz = 24",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["passed  d^2f/dz^2", "checks: 2 of 2 correct"]);
}
