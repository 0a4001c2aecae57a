use super::*;

/// Runs `source` at the `--at` points; what it printed, its warnings, and
/// its summary or error.
fn run(source: &str, at: &[&str], options: Options) -> (String, Vec<String>, Result<Counts>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let at: Vec<String> = at.iter().map(|s| s.to_string()).collect();
    let result = Job::new(source, "expression", options).and_then(|job| {
        job.run(PointSource::at(&at)?, &mut out, &mut |w| {
            warnings.push(w.to_string())
        })
    });
    (String::from_utf8_lossy(&out).into_owned(), warnings, result)
}

#[test]
fn summaries_count_points_and_failed_checks() {
    let options = Options {
        expect: vec!["f=4, df/dx=4".into()],
        ..Options::default()
    };
    let (out, _, result) = run("x^2", &["x=2", "x=3"], options);
    let summary = result.ok();
    assert_eq!(
        summary,
        Some(Counts {
            points: 2,
            checks: 4,
            failed: 2,
            errors: 0
        }),
        "{out}"
    );
    assert!(out.ends_with("\nchecks: 2 of 4 correct\n"), "{out}");
}

#[test]
fn an_error_at_an_at_point_leaves_the_output_empty() {
    let options = Options {
        format: Format::Json,
        ..Options::default()
    };
    let (out, _, result) = run("1/x", &["x=1", "x=0"], options);
    let report = result.err().map(|e| e.report()).unwrap_or_default();
    assert!(
        report.contains("division by zero") && report.ends_with("= at: x=0"),
        "{report}"
    );
    assert_eq!(
        out, "",
        "every point is evaluated before anything is written"
    );
}

#[test]
fn warnings_go_to_the_callback_with_their_point() {
    let (_, warnings, result) = run("sqrt(x)", &["x=0,y=1", "x=4"], Options::default());
    assert!(result.is_ok());
    assert_eq!(
        warnings,
        [
            "warning: `y` is bound by --at but the expression does not use it",
            "warning: non-finite gradient: ∂f/∂x = inf; the local derivative is not finite at f = sqrt(x) (sqrt'(0) = +inf) (at: x=0,y=1)",
        ]
    );
}

#[test]
fn a_big_graphs_json_is_formatted_in_parts_and_in_order() {
    let terms: Vec<String> = (1..=20_000).map(|i| format!("sin({i}*x)")).collect();
    let source = terms.join("+");
    let options = Options {
        format: Format::Json,
        threads: 2,
        ..Options::default()
    };
    let (out, _, result) = run(&source, &["x=0.5"], options);
    assert!(result.is_ok());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        nodes.len(),
        1 + 3 * 20_000 - 1,
        "x, then g1 = 1*x … and the sums"
    );
    assert_eq!(nodes[0]["name"], "x");
    assert_eq!(nodes[nodes.len() - 1]["name"], "f");
    let names: Vec<&str> = nodes.iter().filter_map(|n| n["name"].as_str()).collect();
    let gs: Vec<usize> = names
        .iter()
        .filter_map(|n| n.strip_prefix('g')?.parse().ok())
        .collect();
    assert!(
        gs.windows(2).all(|w| w[0] + 1 == w[1]),
        "g1, g2, … in order"
    );
}

#[test]
fn csv_points_stream_through_the_batch_engine() {
    let job = Job::new(
        "x*y",
        "expression",
        Options {
            format: Format::Csv,
            threads: 2,
            ..Options::default()
        },
    );
    let rows: String = (0..40_000).map(|i| format!("{i},2\n")).collect();
    let input = format!("x,y\n{rows}");
    let mut out = Vec::new();
    let summary = job.and_then(|job| {
        let points = PointSource::Csv {
            reader: Box::new(input.as_bytes()),
            origin: "rows.csv".into(),
            shared: Vec::new(),
        };
        job.run(points, &mut out, &mut |_| {})
    });
    assert_eq!(summary.map(|s| s.points).ok(), Some(40_000));
    let text = String::from_utf8_lossy(&out);
    assert_eq!(text.lines().nth(1), Some("0,2,0,2,0"));
    assert_eq!(text.lines().last(), Some("39999,2,79998,2,39999"));
}
