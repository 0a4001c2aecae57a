//! The whole pipeline on arbitrary input, through the library API the CLI
//! uses (`pipeline::Job`): parse → lower → checks → bind → evaluate → every
//! sink. Nothing may panic, and every error must render.
//!
//! Invariants checked besides "no panic":
//! - no error is internal (exit code 70 is a bug of the tool);
//! - every variable of a graph can be bound with `--at name=…`;
//! - a run that keeps going at non-finite values (`--allow-nonfinite`)
//!   never fails;
//! - a strict run that succeeds prints exactly what the non-strict one does;
//! - JSON output is valid JSON;
//! - `--symbolic --hessian` (every formula read back) is never internal.
#![no_main]

use autograd::error::INTERNAL_EXIT_CODE;
use autograd::pipeline::{Format, Job, Options, PointSource};
use autograd::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Some(job) = job(source, Options::default()) else {
        return;
    };
    // `--of NAME`: the first named statement, and a name that is not there.
    if let Some(first) = job.graph().statement_names().first().cloned() {
        job_of(source, Some(first));
    }
    job_of(source, Some("no_such_node".into()));

    let variables = job.graph().variables().to_vec();
    // Digits for `--digits`, from the input so that runs vary.
    let digits = Some(1 + data.len() % 17);
    for x in [0.5, -1.5] {
        let at: Vec<String> = variables.iter().map(|v| format!("{v}={x}")).collect();
        let at = vec![at.join(",")];
        for format in [Format::Table, Format::Json, Format::Csv, Format::Dot, Format::Mermaid, Format::Svg] {
            let options = |allow_nonfinite| Options {
                format,
                digits,
                allow_nonfinite,
                color: x < 0.0,
                threads: 1,
                ..Options::default()
            };
            let strict = run(source, options(false), &at);
            let lax = run(source, options(true), &at);
            let lax = match lax {
                Ok(out) => out,
                // A picture has a size limit that the data formats have not.
                Err(e) if format == Format::Svg && matches!(e.kind, autograd::ErrorKind::Limit(_)) => continue,
                Err(e) => panic!("a non-strict run failed:\n{}", e.report()),
            };
            if let Ok(out) = strict {
                assert_eq!(out, lax, "strict and non-strict runs differ");
            }
            if format == Format::Json {
                serde_json::from_slice::<serde_json::Value>(&lax).expect("valid JSON");
            }
        }
        // The teaching outputs: every check of every node, explain, gradcheck.
        let expect = job
            .graph()
            .shown_names()
            .iter()
            .map(|n| format!("{n}=1, df/d{n}=0"))
            .collect::<Vec<_>>()
            .join(",");
        let teaching = Options {
            expect: vec![expect],
            explain: true,
            gradcheck: true,
            allow_nonfinite: true,
            threads: 1,
            ..Options::default()
        };
        if let Err(e) = run(source, teaching, &at) {
            panic!("a teaching run failed:\n{}", e.report());
        }
        // Formulas: every printed formula reads back (an internal error if
        // not), with values and the Hessian at the point, as text and JSON.
        for format in [Format::Table, Format::Json, Format::Latex] {
            let formulas = Options {
                format,
                symbolic: autograd::symbolic::SymbolicArgs {
                    symbolic: true,
                    inline: x < 0.0,
                    hessian: true,
                },
                allow_nonfinite: true,
                threads: 1,
                ..Options::default()
            };
            let _ = run(source, formulas, &at);
        }
    }
});

fn job(source: &str, options: Options) -> Option<Job> {
    match Job::new(source, "expression", options) {
        Ok(job) => Some(job),
        Err(e) => {
            check_error(&e);
            None
        }
    }
}

fn job_of(source: &str, of: Option<String>) {
    job(source, Options { of, ..Options::default() });
}

/// One run at the `--at` points; what it printed, or its error.
fn run(source: &str, options: Options, at: &[String]) -> Result<Vec<u8>, Error> {
    // The front door's steps, with the points as this target makes them.
    let mode = options.mode();
    options.check(&mode, Default::default())?;
    let compiled = autograd::compile::compile(source, "expression", options.of.as_deref())?;
    let points = match PointSource::at(at) {
        Ok(points) => points,
        // `--at ""` is refused as "no bindings given"; the CLI then binds
        // nothing, which is fine for a constant expression.
        Err(_) if compiled.graph.variables().is_empty() => PointSource::At(Vec::new()),
        Err(e) => panic!("variables cannot be bound by `--at {at:?}`:\n{}", e.report()),
    };
    let mut out = Vec::new();
    let result = autograd::front::run_compiled(vec![compiled], &options, &mode, points, &mut out, &mut |w| {
        assert!(!w.to_string().is_empty())
    });
    match result {
        Ok(_) => Ok(out),
        Err(e) => {
            check_error(&e);
            Err(e)
        }
    }
}

fn check_error(e: &Error) {
    assert!(e.report().starts_with("error: "));
    assert_ne!(e.exit_code(), INTERNAL_EXIT_CODE, "internal error: {}", e.report());
}
