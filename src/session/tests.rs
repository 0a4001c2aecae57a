use super::terminal::Completion;
use super::*;

/// Runs `script` (one line a statement or command); stdout, stderr, exit code.
fn session(script: &str) -> (String, String, u8) {
    let mut s = Session::new(Options::default(), false);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut lines = Plain::new(script.as_bytes(), "stdin");
    let code = drive(&mut s, &mut lines, &mut out, &mut err).unwrap_or(99);
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (text(out), text(err), code)
}

#[test]
fn what_each_line_does() {
    // (script, in stdout, in stderr, exit code)
    let cases: &[(&str, &str, &str, u8)] = &[
        (":at x=4,y=3,z=2\n(2*x+y^2)*z^3", "∂f/∂z = 204\n", "", 0),
        ("z = w*x + b\n", "z = w*x + b   (no value yet: :at w=…,x=…,b=…)\n", "", 0),
        (":at w=2,x=3,b=1\nz = w*x + b\n", "z = 7\n", "", 0),
        // A step replaced where it is: the steps after it use the new one.
        (":at x=3\na = x\nb = a*2\na = x^2\nb", "b = 18", "", 0),
        (":at x=3\na = x; b = a*2; b + 1", "f = 7\n", "", 0),
        // A step's name evaluates that step, its output named as the step.
        (":at x=3\na = x^2\na", "∂a/∂x = 6\n", "", 0),
        // The point is merged: only the values given change.
        (":at x=1,y=2\n:at y=5\n:at", "x=1,y=5\n", "", 0),
        // An expression before the point has its values waits, as a statement does.
        ("x^2", "x^2   (no value yet: :at x=…)\n", "", 0),
        // An error with its caret under the place in the line, then the session goes on.
        (":at x=2\nx*/2\nx*3", "f = 6\n", " --> input:1:3\n  |\n1 | x*/2\n  |   ^", 2),
        (":at x=2\nx^2; y = 1", "", "only the last statement may be a bare expression", 2),
        (":at x=2\nx = 1", "", "`x` has a value at the point (:at)", 2),
        ("x = 1\n:at x=2", "x = 1\n", "`x` is a step of the program", 2),
        ("a = b\nb = 1", "", "`b` is used before it is defined", 2),
        ("a = 1\nb = a\na = b", "", "`b` is used before it is defined", 2),
        // An error in a step replaced in the middle points into the line.
        ("a = 1\nb = a\na = 2*foo(x)", "", " --> input:1:7\n  |\n1 | a = 2*foo(x)\n  |       ^", 2),
        (":at x=0\nln(x)", "", "ln(0)", 3),
        (":at x=0\nln(x)\nsin(", "", "syntax error", 2),
        (":at x=2\nx^2\n:expect f=4, df/dx=4", "passed  f", "", 0),
        (":at x=2\nx^2\n:expect df/dx=5", "FAILED  df/dx", "", 1),
        (":expect f=1", "", "none was evaluated yet", 2),
        (":at x=2\nx^2\n:expect  f=4, g=1", "", " --> input:1:15\n  |\n1 | :expect  f=4, g=1\n  |               ^^^", 2),
        (":at x=2\nx^2\n:explain", "backward pass (gradients flow from f back to the inputs)\n  ∂f/∂f = 1\n  ∂f/∂x = 4   [power rule]\n", "", 0),
        (":at x=2\n:explain 3*x", "  f = 3*x = 3·2 = 6\n", "", 0),
        ("a = x\n:at x=1\n:list", "1 | a = x\npoint: x=1\n", "", 0),
        (":help", ":save FILE", "", 0),
        (":q\nx^2", "", "", 0),
        (":hel", "Tab completes", "", 0),
        (":e", "", "`:e` could be several commands", 2),
        (":frobnicate", "", "unknown command `:frobnicate`", 2),
        ("# a comment\n\n   \n", "", "", 0),
        (":save", "", ":save needs a file name", 2),
        (":save /tmp", "", "nothing to save yet", 2),
    ];
    for &(script, stdout, stderr, code) in cases {
        let (out, err, got) = session(script);
        assert!(out.contains(stdout), "{script:?}: stdout\n{out}");
        assert!(err.contains(stderr), "{script:?}: stderr\n{err}");
        assert_eq!(got, code, "{script:?}: exit code\n{err}");
        if stderr.is_empty() {
            assert_eq!(err, "", "{script:?}");
        }
    }
}

#[test]
fn an_error_in_an_earlier_step_points_into_the_program() {
    let (_, err, code) = session("a = x - 3\nb = 1/a\n:at x=3\nb + 1");
    assert_eq!(code, 3);
    assert!(
        err.contains(" --> program:2:5\n  |\n2 | b = 1/a\n  |     ^^^"),
        "{err}"
    );
}

#[test]
fn the_most_serious_code_wins() {
    for (codes, worst) in [
        (&[1, 3][..], 3),
        (&[3, 2, 1][..], 2),
        (&[1, 1][..], 1),
        (&[0][..], 0),
    ] {
        assert_eq!(codes.iter().fold(0, |a, &b| more_serious(a, b)), worst);
    }
}

#[test]
fn long_and_non_utf8_lines_are_reported_and_skipped() {
    let mut script = b":at x=2\n".to_vec();
    script.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
    script.extend(b"\n\xff\xfe\nx+1\n");
    let mut s = Session::new(Options::default(), false);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = drive(
        &mut s,
        &mut Plain::new(&script[..], "t"),
        &mut out,
        &mut err,
    );
    let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert_eq!(code.ok(), Some(2));
    assert!(
        err.contains("longer than 1 MiB\n  = at: t, line 2"),
        "{err}"
    );
    assert!(err.contains("not UTF-8 text\n  = at: t, line 3"), "{err}");
    assert!(out.contains("f = 3\n"), "{out}");
}

#[test]
fn saved_programs_name_the_command_that_runs_them() {
    let cases = [
        // The last expression is the output.
        (
            "z = w*x\n:at w=2,x=3,q=1\nz + 1",
            "# autograd-cli -f F --at w=2,x=3\nz = w*x\nz + 1\n",
        ),
        // The last step evaluated by name, not the last one: --of.
        (
            "a = x\nb = a*2\n:at x=1\na",
            "# autograd-cli -f F --of a --at x=1\na = x\nb = a*2\n",
        ),
        // No expression yet: the steps.
        ("a = 2*x", "# autograd-cli -f F\na = 2*x\n"),
    ];
    for (script, tail) in cases {
        let mut s = Session::new(Options::default(), false);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = drive(
            &mut s,
            &mut Plain::new(script.as_bytes(), "t"),
            &mut out,
            &mut err,
        );
        let saved = s.saved_program("F").unwrap_or_default();
        assert!(saved.ends_with(tail), "{script:?}:\n{saved}");
    }
}

#[test]
fn tab_completes_commands_names_and_functions() {
    let c = Completion::default();
    let cases: &[(&str, &[&str])] = &[
        ("sigm", &["sigmoid("]),
        ("2*tanh", &["tanh("]),
        ("2*ta", &["tan(", "tanh("]),
        (":e", &["explain ", "expect "]),
        ("  :q", &["quit "]),
        (":at x=p", &["pi"]),
        ("", &[]),
        ("x + ", &[]),
    ];
    for &(line, expected) in cases {
        let (_, pairs) = c.candidates(line, line.len());
        let got: Vec<&str> = pairs.iter().map(|p| p.replacement.as_str()).collect();
        assert_eq!(got, expected, "{line:?}");
    }
}

#[test]
fn tab_completes_the_sessions_names() {
    let mut s = Session::new(Options::default(), false);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let script = "yhat = σ(weight*x)\n:at x=1";
    let _ = drive(
        &mut s,
        &mut Plain::new(script.as_bytes(), "t"),
        &mut out,
        &mut err,
    );
    let c = Completion::with_names(s.names());
    for (line, expected) in [("1 - yh", "yhat"), ("we", "weight")] {
        let (start, pairs) = c.candidates(line, line.len());
        let got: Vec<&str> = pairs.iter().map(|p| p.replacement.as_str()).collect();
        assert_eq!(got, [expected], "{line:?}");
        assert_eq!(start, line.len() - 2);
    }
}
