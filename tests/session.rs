//! The interactive session through the real binary: plain lines from a pipe
//! (`-i`), and a pseudo-terminal for the line editor (README, "The
//! interactive session").

mod common;

use common::{assert_contains, run, run_with_stdin, Run};

/// `autograd-cli -i ARGS` with `script` on stdin.
fn session(args: &[&str], script: &str) -> Run {
    let mut all = vec!["-i"];
    all.extend_from_slice(args);
    run_with_stdin(&all, Some(script.as_bytes()))
}

#[test]
fn statements_expressions_and_the_point() {
    let r = session(
        &[],
        "z = w*x + b\n:at w=0.5,b=1,x=2,y=1\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\nL\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_contains(
        &r.stdout,
        &[
            "z = w*x + b   (no value yet: :at w=…,x=…,b=…)\n",
            "yhat = 0.8807970779778823\n",
            "L = 0.12692801104297263\n",
            "yhat  sigmoid  sigmoid(z)  0.8807970779778823    -1.1353352832366128\n",
            "∂L/∂w = -0.23840584404423537\n",
        ],
    );
}

#[test]
fn the_table_is_the_command_lines() {
    let r = session(&[], ":at x=4,y=3,z=2\n(2*x+y^2)*z^3\n");
    let cli = run(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]);
    assert_eq!(r.stdout, cli.stdout);
    // --at starts the session at that point; --digits applies to every table.
    let r = session(&["--at", "x=1", "--digits", "3"], "x/3\n");
    let cli = run(&["x/3", "--at", "x=1", "--digits", "3"]);
    assert_eq!((r.code, r.stdout), (0, cli.stdout));
}

#[test]
fn an_error_shows_its_caret_and_the_session_goes_on() {
    let r = session(&[], ":at x=2\nx*/2\nsinh(x\n:at y==1\nx^3\n");
    assert_eq!(r.stdout.matches("f = 8\n").count(), 1, "{}", r.stdout);
    assert_contains(
        &r.stderr,
        &[
            "error: syntax error: expected an operand",
            " --> input:1:3\n  |\n1 | x*/2\n  |   ^\n  = at: stdin, line 2\n",
            "1 | sinh(x\n  |       ^\n  = help: one `(` not closed: add `)`\n  = at: stdin, line 3\n",
            "1 | :at y==1\n",
            "= at: stdin, line 4",
        ],
    );
    // A script can tell that a line failed: the most serious code wins.
    assert_eq!(r.code, 2);
}

#[test]
fn exit_codes_of_a_script() {
    for (script, code) in [
        (":at x=2\nx^2\n", 0),
        (":at x=2\nx^2\n:expect df/dx=5\n", 1),
        (":at x=0\nln(x)\n", 3),
        (":at x=0\nln(x)\n:expect f=1\nq\n", 2),
        // `:quit` leaves at once: the lines after it are not read.
        (":quit\nsin(\n", 0),
        // The end of the input without a newline, and an empty input.
        (":at x=1\nx", 0),
        ("", 0),
    ] {
        let r = session(&[], script);
        assert_eq!(r.code, code, "{script:?}\n{}", r.stderr);
    }
}

#[test]
fn save_writes_a_program_that_f_runs_to_the_same_numbers() {
    let dir = std::env::temp_dir().join(format!("autograd-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = dir.join("loss.txt");
    let path = file.to_string_lossy().into_owned();
    let script = format!(
        "z = w*x + b\nyhat = σ(z)\n:at w=0.5,b=1,x=2,y=1\n-y*ln(yhat) - (1-y)*ln(1-yhat)\n:save {path}\n"
    );
    let r = session(&[], &script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let saved = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        saved.contains(&format!(
            "# autograd-cli -f {path} --at w=0.5,x=2,b=1,y=1\n"
        )),
        "{saved}"
    );
    let cli = run(&["-f", &path, "--at", "w=0.5,x=2,b=1,y=1"]);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    let table = r.stdout.split("saved to").next().unwrap_or_default();
    assert!(table.ends_with(&cli.stdout), "{table}\n---\n{}", cli.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flags_without_a_place_in_a_session_are_refused() {
    for args in [
        &["--points", "p.csv"][..],
        &["--format", "json"],
        &["--expect", "f=1"],
        &["--at", "x=1", "--at", "x=2"],
        &["--explain"],
    ] {
        let r = session(args, "");
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("an interactive session does not take"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn no_expression_and_stdin_not_a_terminal_is_a_usage_error() {
    let r = run_with_stdin(&["--at", "x=1"], Some(b"x^2\n"));
    assert_eq!(r.code, 2);
    assert_contains(
        &r.stderr,
        &["no expression given", "-i for an interactive session"],
    );
    // `-` and `-f -` still read the program from stdin.
    let r = run_with_stdin(&["-", "--at", "x=3"], Some(b"x^2\n"));
    assert_contains(&r.stdout, &["f = 9\n"]);
    let r = run_with_stdin(&["-f", "-", "--at", "x=3"], Some(b"x^2\n"));
    assert_contains(&r.stdout, &["f = 9\n"]);
}

/// The line editor through a pseudo-terminal: the prompt, Tab, Ctrl-C,
/// Ctrl-D, and the history file.
#[cfg(unix)]
#[test]
fn on_a_terminal() -> Result<(), rexpect::error::Error> {
    use rexpect::process::wait::WaitStatus;
    let data = std::env::temp_dir().join(format!("autograd-pty-{}", std::process::id()));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_autograd-cli"));
    // No EXPR and stdin a terminal: the session starts without -i.
    cmd.args(["--at", "x=0"])
        .env("XDG_DATA_HOME", &data)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000))?;
    p.exp_string("autograd> ")?;
    // Tab completes a function's name and opens its call.
    p.send("sigm")?;
    p.send("\t")?;
    p.send_line("x)")?;
    // The table's definition column shows what the line became.
    p.exp_string("sigmoid(x)")?;
    p.exp_string("f = 0.5")?;
    p.exp_string("autograd> ")?;
    // Ctrl-C drops the line: nothing is evaluated, the prompt comes back.
    p.send("1/x")?;
    p.send_control('c')?;
    p.exp_string("autograd> ")?;
    // Were `1/x` still there, this line would be `1/xx + 7`.
    p.send_line("x + 7")?;
    p.exp_string("f = 7")?;
    p.exp_string("autograd> ")?;
    // An error keeps the session going.
    p.send_line("x*/2")?;
    p.exp_string("expected an operand")?;
    p.exp_string("autograd> ")?;
    p.send_line(":at x=1")?;
    p.exp_string("autograd> ")?;
    p.send_line("x + 1")?;
    p.exp_string("f = 2")?;
    p.exp_string("autograd> ")?;
    // Ctrl-D leaves with 0 (the errors were seen as they happened).
    p.send_control('d')?;
    p.exp_eof()?;
    let status = p.process.wait()?;
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let history = std::fs::read_to_string(data.join("autograd-cli").join("history"));
    let history = history.unwrap_or_default();
    assert!(history.contains("sigmoid(x)"), "{history}");
    assert!(history.contains("x + 7"), "{history}");
    assert!(!history.contains("1/x"), "a cancelled line is not kept");
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// A line from a pipe is never written to the history.
#[test]
fn a_script_writes_no_history() {
    let data = std::env::temp_dir().join(format!("autograd-nohist-{}", std::process::id()));
    let mut cmd = assert_cmd::Command::cargo_bin("autograd-cli").expect("the binary is built");
    let out = cmd
        .args(["-i", "--at", "x=1"])
        .env("XDG_DATA_HOME", &data)
        .write_stdin("x+1\n")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(!data.exists());
}

#[test]
fn train_takes_the_lecture_step_and_moves_the_point() {
    let r = session(
        &[],
        "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)\n\
         :at w=0.5,b=1,x=2,y=1\nL\n:train w,b --lr 0.1\n:at\n:train w,b --optim adam --lr 0.1 --steps 3\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "w = 0.5238405844044235\nb = 1.0119202922022117\n",
            // The point holds the trained values; the next run starts there.
            "the point is now w=0.5238405844044235,b=1.0119202922022117,x=2,y=1\n",
            "\nw=0.5238405844044235,b=1.0119202922022117,x=2,y=1\n",
            "1                     0.12000702776881621",
        ],
    );
}

#[test]
fn train_refuses_what_it_cannot_do_and_goes_on() {
    let r = session(
        &[],
        ":train w\n:at x=3\nx^2\n:train w\n:train x --optim adam --bogus\n:train x --epochs 2\n:train x --lr 0.25\n",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stderr,
        &[
            ":train is about the last expression, and none was evaluated yet",
            "= at: stdin, line 1",
            "--train w: the program has no variable `w`",
            "unexpected argument '--bogus'",
            "= at: stdin, line 6",
        ],
    );
    // x^2 at 3, gradient 6: x ← 3 − 0.25·6 = 1.5.
    assert_contains(&r.stdout, &["the point is now x=1.5\n"]);
}

#[test]
fn symbolic_needs_no_point_and_shows_values_when_there_is_one() {
    let r = session(
        &[],
        "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)\nL\n:symbolic\n\
         :at w=0.5,b=1,x=2,y=1\n:symbolic hessian\n:symbolic inline\n:symbolic sideways\n",
    );
    // Line 2 lacks values (exit 2), line 7 is refused; the rest go through.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "∂L/∂w = x*(yhat - y)\n∂L/∂x = w*(yhat - y)\n∂L/∂b = yhat - y\n",
            "∂L/∂w = x*(yhat - y) = -0.23840584404423537\n",
            "∂²L/∂b² = yhat*(1 - yhat) = 0.1049935854035066\n",
            "∂L/∂b = sigmoid(w*x + b) - y = -0.11920292202211769\n",
        ],
    );
    assert_contains(
        &r.stderr,
        &[
            "no value for `w`, `x`, `b` and `y`",
            ":symbolic takes `inline` and `hessian`, not `sideways`",
            "= at: stdin, line 7",
        ],
    );
}

#[test]
fn a_program_given_is_read_first_and_its_output_is_the_last_expression() {
    let dir = std::env::temp_dir().join(format!("autograd-session-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("loss.txt");
    let program =
        "# the lecture's loss\nz = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n";
    std::fs::write(&path, program).unwrap_or_else(|e| panic!("{e}"));
    let path = path.to_string_lossy().to_string();
    let r = session(
        &["-f", &path],
        ":symbolic\n:at w=0.5,b=1,x=2,y=1\n:explain\n:list\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "∂L/∂w = x*(yhat - y)\n",
            "3 | L = -y*ln(yhat) - (1-y)*ln(1-yhat)\n",
            "last expression: L\n",
        ],
    );
    // An error in the program names its line, and the session goes on.
    let r = session(&["a = 2*x\nb = a +"], ":at x=1\na\n");
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, &["= at: expression, line 2"]);
    assert_contains(&r.stdout, &["a     mul  2*x         2      1\n"]);
    // The session's lines come from stdin, so the program cannot.
    let r = session(&["-"], "x^2\n");
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, &["give it with -f FILE or as EXPR"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each step is lowered once, when typed: a long chain of steps gives the
/// same values as the program run whole, a line at a time, and a failed
/// line leaves the steps as they were. (Its speed is in the README, not
/// asserted here.)
#[test]
fn a_long_chain_of_steps_is_the_program() {
    let mut program = String::from("x0 = x\n");
    for i in 1..=2000 {
        program.push_str(&format!("x{i} = x{} * 1.001 + sin(x{})\n", i - 1, i - 1));
    }
    let mut script = String::from(":at x=0.5\n");
    script.push_str(&program);
    script.push_str("q = x2000 + ; q2 = 1\nx2000 / 2\n");
    let r = session(&[], &script);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, &["expected an operand"]);
    let cli = run(&[&format!("{program}f = x2000 / 2"), "--at", "x=0.5"]);
    let last = |text: &str| -> String {
        text.lines()
            .filter(|l| l.starts_with("f = ") || l.starts_with("∂f/∂x = "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(last(&r.stdout), last(&cli.stdout));
    assert!(!last(&cli.stdout).is_empty(), "{}", cli.stdout);
    let x2000 = r
        .stdout
        .lines()
        .find(|l| l.starts_with("x2000 = "))
        .unwrap_or_default();
    let whole = run(&[
        &program, "--of", "x2000", "--at", "x=0.5", "--format", "csv",
    ]);
    let value = whole
        .stdout
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(1))
        .unwrap_or_default();
    assert_eq!(x2000, format!("x2000 = {value}"));
    // The failed line added neither step.
    assert!(!r.stdout.contains("q2 = 1"), "{}", r.stdout);
}

/// The last statement is the current expression (`:symbolic`, `:expect`,
/// `:explain` work on it); `:explain NAME` names the gradients after the
/// step; a bare expression before `:at` waits for its values as a
/// statement does (no error, exit 0).
#[test]
fn statements_are_current_and_expressions_wait_for_values() {
    let r = session(
        &[],
        "x^2 + w\nz = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n:symbolic\n:at w=0.5,b=1,x=2,y=1\n:explain L\n:expect dL/dw = x*(yhat-y)\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_contains(
        &r.stdout,
        &[
            "x^2 + w   (no value yet: :at x=…,w=…)\n",
            "∂L/∂w = x*(yhat - y)\n",
            "∂L/∂w = ∂L/∂g1 · ∂g1/∂w = -0.11920292202211769 · 2 = -0.23840584404423537",
            "passed  dL/dw",
        ],
    );
    assert!(!r.stdout.contains("∂f/∂"), "{}", r.stdout);
}

/// `:train` takes the command line's training options: `--explain` writes
/// each update, `--plot always` draws the curve.
#[test]
fn train_in_the_session_takes_explain_and_plot() {
    let r = session(
        &["--at", "w=0.5,b=1,x=2,y=1"],
        "L = -y*ln(σ(w*x+b)) - (1-y)*ln(1-σ(w*x+b))\n:train w,b --lr 0.1 --explain\n:train w,b --lr 0.1 --steps 20 --plot always\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "w ← w − η·∂L/∂w = 0.5 − 0.1·(−0.23840584404423537) = 0.5238405844044235",
            "L at each of the 20 steps",
        ],
    );
}

/// A new name one edit from a known step is a warning (the line still
/// counts); `w2` after `w1` is a new name on purpose.
#[test]
fn a_typo_of_a_step_is_a_warning() {
    let r = session(
        &[],
        "z = w*x + b\nyhat = σ(z)\nq = ln(yht)\nw2 = w1 + 1\n:list\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: `yht` is a new variable: did you mean `yhat`?\n"
    );
    assert_contains(&r.stdout, &["3 | q = ln(yht)\n", "4 | w2 = w1 + 1\n"]);
}

/// `:at X=1` for a step's `x` warns (the value still goes in); `:at y=1`
/// before any step uses `y` is the lecture's order and says nothing.
#[test]
fn a_value_for_a_name_in_another_case_is_a_warning() {
    let r = session(&[], "z = w*x + b\n:at X=1,w=2,b=3\n:at y=1\n:at\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: no step uses `X` yet: did you mean `x`?\n"
    );
    assert_contains(&r.stdout, &["X=1,w=2,b=3,y=1\n"]);
}

#[test]
fn vectors_and_matrices_in_a_session() {
    // SPEC §9's layer typed a step at a time: each tensor step shows its
    // elements, the loss's table is the command line's, and a tensor given
    // anew with another shape lowers the steps again.
    let layer = "h = tanh(W@x + b); yhat = σ(v@h + c); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
    let at = "W=[[0.5,-0.5],[1,0.25]], x=[2,1], b=[0,-1], v=[1,-2], c=0.5, y=1";
    let script = format!(
        ":at {at}\nh = tanh(W@x + b)\nyhat = σ(v@h + c)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\nL\n"
    );
    let r = session(&[], &script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_contains(
        &r.stdout,
        &[
            "h = [0.46211715726000974, 0.8482836399575129]\n",
            "yhat = 0.3242189393133662\n",
            "L = 1.1263362527768488\n",
        ],
    );
    let cli = run(&[layer, "--at", at]);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    assert!(
        r.stdout.ends_with(&cli.stdout),
        "session:\n{}\ncli:\n{}",
        r.stdout,
        cli.stdout
    );

    let r = session(
        &["--at", "W=[[1,2],[3,4]], x=[1,1]"],
        "h = tanh(W@x)\nL = sum(h)\n:at W=[[1,0,0],[0,1,0]], x=[1,2,3]\nh\n:at W=[[1,2]]\n",
    );
    assert_contains(
        &r.stdout,
        &[
            "h = [0.9950547536867305, 0.9999983369439447]\n",
            "L = 1.9950530906306752\n",
        ],
    );
    // The 2×3 W was kept when the 1×2 one could not lower h.
    assert_contains(&r.stderr, &["W is 1×2 and x has 3 entries: W@x needs 2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn save_writes_tensors_as_at_takes_them() {
    let dir = std::env::temp_dir().join(format!("autograd-session-tensor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("layer.txt");
    let file = file.to_str().expect("utf-8 path");
    let r = session(
        &[],
        &format!(
            ":at W=[[1,0,0],[0,1,0]], x=[1,2,3], c=2\nh = tanh(W@x)\nL = sum(h)*c\n:save {file}\n"
        ),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let saved = std::fs::read_to_string(file).expect("saved");
    assert_contains(&saved, &["--at 'W=[[1, 0, 0], [0, 1, 0]],x=[1, 2, 3],c=2'"]);
    let cli = run(&[
        "-f",
        file,
        "--at",
        "W=[[1, 0, 0], [0, 1, 0]],x=[1, 2, 3],c=2",
    ]);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    assert_contains(&cli.stdout, &["L = 3.4512434720631635\n"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tensor_without_its_shape_says_to_give_it_with_at() {
    let r = session(&[], "h = tanh(W@x)\n");
    assert_eq!(r.code, 2);
    assert_contains(
        &r.stderr,
        &[
            "W is a number: `W@x` multiplies vectors and matrices",
            "give a tensor variable its value with :at first, e.g. :at x=[1,2]",
        ],
    );
}
