//! A catalogue of bad input: each case runs the real binary and asserts its
//! exit code (2 bad input, 3 evaluation error) and that the message names
//! the problem. None may panic (exit 101) or die on a signal.

mod common;
use common::{assert_fails, run_with_stdin, Run};
use std::path::PathBuf;

/// A scratch directory for this test process's files.
fn scratch(name: &str, contents: &[u8]) -> String {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("autograd-cli-catalogue-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, contents);
    path.to_string_lossy().into_owned()
}

#[track_caller]
fn check(args: &[&str], stdin: Option<&[u8]>, code: i32, needles: &[&str]) {
    let r: Run = run_with_stdin(args, stdin);
    assert_fails(&r, code, needles);
}

/// `bad!(name: [args…] => code, [needles…])`, optionally `<- stdin`.
macro_rules! bad {
    ($($name:ident: [$($arg:expr),*] $(<- $stdin:expr)? => $code:expr, [$($needle:expr),*];)*) => {$(
        #[test]
        fn $name() {
            #[allow(unused_mut, unused_assignments)]
            let mut stdin: Option<Vec<u8>> = None;
            $(stdin = Some($stdin.to_vec());)?
            check(&[$($arg),*], stdin.as_deref(), $code, &[$($needle),*]);
        }
    )*};
}

bad! {
    // ---- vectors and matrices (SPEC §9) ----
    matmul_inner_sizes: ["sum(W@x)", "--at", "W=[[1,2,3],[4,5,6]], x=[1,2]"] => 2, ["W is 2×3 and x has 2 entries: W@x needs 3", "sum(W@x)\n  |      ^"];
    matmul_of_a_number: ["sum(W@c)", "--at", "W=[[1,2],[3,4]], c=2"] => 2, ["c is a number: `W@c` multiplies vectors and matrices", "write `*`"];
    broadcast_mismatch: ["sum(W + x)", "--at", "W=[[1,2,3],[4,5,6]], x=[1,2]"] => 2, ["W is 2×3 and x has 2 entries: `W + x` needs equal shapes", "       ^"];
    index_out_of_range: ["p[3]", "--at", "p=[1,2,3]"] => 2, ["p has 3 entries: the index 3 is out of range: axis 0 has indices 0 to 2"];
    index_not_an_integer: ["p[0.5]", "--at", "p=[1,2,3]"] => 2, ["the index 0.5 is not an integer"];
    too_many_indices: ["p[0, 1]", "--at", "p=[1,2,3]"] => 2, ["p has 3 entries: `p[0, 1]` has 2 indices"];
    ragged_literal: ["sum([[1,2],[3]]*x)", "--at", "x=1"] => 2, ["the rows of a matrix need one length"];
    dot_of_two_lengths: ["dot(x, y)", "--at", "x=[1,2], y=[1,2,3]"] => 2, ["x has 2 entries and y has 3 entries: `dot(x, y)` needs two vectors of one length"];
    tensor_bare_output: ["W@x", "--at", "W=[[1,2],[3,4]], x=[1,2]", "--gradcheck"] => 2, ["the output `W@x` is a vector of 2 entries", "reduce it", "`(W@x)[0]`"];
    tensor_binding_ragged: ["sum(W)", "--at", "W=[[1,2],[3]]"] => 2, ["the rows of a matrix need one length"];
    tensor_binding_not_a_number: ["sum(x)", "--at", "x=[1,q]"] => 2, ["`q` is not a number"];
    transpose_of_a_number: ["x'", "--at", "x=1"] => 2, ["x is a number: a transpose (`'`) is of a vector or matrix"];
    tensor_binding_given_twice: ["sum(x)", "--at", "x=[1,2], x=3"] => 2, ["`x` is given twice"];
    at_file_not_found: ["sum(x)", "--at", "@/nonexistent/weights.txt"] => 2, ["cannot read `/nonexistent/weights.txt` (of --at @/nonexistent/weights.txt)"];
    at_file_names_no_file: ["sum(x)", "--at", "@"] => 2, ["`--at @` names no file"];
    at_file_caret_at_line_and_column: ["sum(x)", "--at", &format!("@{}", scratch("bad-at.txt", b"# weights\nx=[1,\n q]\n"))] => 2, ["`q` is not a number", "bad-at.txt:3:2", "3 |  q]\n  |  ^"];
    at_file_not_utf8: ["sum(x)", "--at", &format!("@{}", scratch("latin1-at.txt", b"x=[1,\xe9]"))] => 2, ["latin1-at.txt", "it is not UTF-8 text"];
    at_file_empty_binding_on_a_line: ["x+y", "--at", &format!("@{}", scratch("comma-at.txt", b"x=1\ny=2,,\n"))] => 2, ["empty binding", "comma-at.txt:2:5"];
    points_header_misses_an_element: ["sum(x)", "--points", &scratch("gap.csv", b"x[0],x[2]\n1,2\n")] => 2, ["gap.csv: the header makes `x` a vector of 3, but has no column for x[1]"];
    points_header_misses_matrix_elements: ["sum(W)", "--points", &scratch("gap2.csv", b"W[0,0];W[1,1]\n1;2\n")] => 2, ["the header makes `W` a 2×2 matrix, but has no column for W[0,1], W[1,0]"];
    points_header_element_and_whole: ["sum(x)", "--points", &scratch("both.csv", b"x[0],x\n1,2\n")] => 2, ["both.csv, line 1: `x` is a column and so are its elements (`x[…]`)"];
    points_header_bad_index: ["sum(x)", "--points", &scratch("index.csv", b"x[a]\n1\n")] => 2, ["column `x[a]`: an element is named by its indices from 0"];
    points_header_mixed_ranks: ["sum(x)", "--points", &scratch("ranks.csv", b"x[0];x[0,1]\n1;2\n")] => 2, ["the columns of `x` mix one index and two"];
    expect_tensor_of_another_shape: ["sum(W@x)", "--at", "W=[[1,2],[3,4]], x=[1,1]", "--expect", "df/dW = [1, 1]"] => 2, ["the answer to df/dW is a vector of 2 and W is a 2×2 matrix: one entry per element", "--> --expect:1:1"];
    expect_tensor_with_decimal_commas: ["sum(W@x)", "--at", "W=[[1,2],[3,4]], x=[1,1]", "--expect", "df/dW = [[1,0, 1,0], [1,0, 1,0]]"] => 2, ["is a 2×4 matrix and W is a 2×2 matrix", "a comma separates entries: write a decimal point (0.758, not 0,758)"];
    expect_number_for_a_tensor: ["sum(W@x)", "--at", "W=[[1,2],[3,4]], x=[1,1]", "--expect", "df/dW = 1"] => 2, ["W is a 2×2 matrix, and the answer `1` is not: write the whole matrix (`df/dW = [[…], […]]`) or check one element (`df/dW[0,0] = …`)"];
    expect_tensor_for_a_number: ["sum(x)*c", "--at", "x=[1,2], c=2", "--expect", "df/dc = [3]"] => 2, ["the answer to df/dc is a vector of 1 and c is a number"];
    expect_tensor_entry_not_a_number: ["sum(x)", "--at", "x=[1,2]", "--expect", "df/dx = [1, one]"] => 2, ["`one` in the answer to df/dx is not a number", "(a formula checks one element: `df/dx[1] = …`)", "1 | df/dx = [1, one]\n  |             ^^^"];
    expect_tensor_unclosed: ["sum(x)", "--at", "x=[1,2]", "--expect", "df/dx = [1, 1"] => 2, ["a `[` without its `]`"];
    // tcore: indices by a variable (a class label), reductions along an axis.
    select_out_of_range: ["p = softmax(z); L = -ln(p[y])", "--at", "z=[1,2,3], y=3"] => 3, ["p[y]: y = 3, but p has 3 entries (0 to 2)", "an index is an integer"];
    select_not_an_integer: ["p = softmax(z); L = -ln(p[y])", "--at", "z=[1,2,3], y=1.5"] => 3, ["p[y]: y = 1.5 is not an integer"];
    select_column_out_of_range: ["W[i, j]", "--at", "W=[[1,2],[3,4]], i=1, j=2"] => 3, ["W[i, j]: j = 2, but W has 2 columns (0 to 1)"];
    select_row_out_of_range: ["sum(W[i])", "--at", "W=[[1,2],[3,4]], i=-1"] => 3, ["W[i]: i = -1, but W has 2 rows (0 to 1)"];
    select_constant_axis_out_of_range: ["W[i, 2]", "--at", "W=[[1,2],[3,4]], i=1"] => 2, ["W is 2×2: the index 2 is out of range or not an integer: axis 1 has indices 0 to 1"];
    select_by_a_vector: ["p[q]", "--at", "p=[1,2], q=[0,1]"] => 2, ["the index `q` is a vector or matrix: an index is one number"];
    axis_out_of_range: ["sum(W, 2)", "--at", "W=[[1,2],[3,4]]"] => 2, ["`sum(W, 2)` has no axis 2: W is 2×2: its axes are 0", "`sum(W)` all of it"];
    axis_not_a_constant: ["mean(W, a)", "--at", "W=[[1,2],[3,4]], a=0"] => 2, ["the axis `a` of `mean` is not a constant"];
    axis_of_a_vector: ["sum(x, 1)", "--at", "x=[1,2]"] => 2, ["`sum(x, 1)` has no axis 1: x has 2 entries: its one axis is 0"];
    // lead: a decimal comma in an element's answer (and a number's).
    expect_element_with_a_decimal_comma: ["sum(W@x)", "--at", "W=[[1,2],[3,4]], x=[1,1]", "--expect", "df/dW[1,0]=0,758"] => 2, ["bad check `758`: no `=`", "for a decimal comma write a decimal point (`0.758`, not `0,758`)"];
    // lead: formulas of an index by a variable.
    symbolic_of_an_index_by_a_variable: ["p = softmax(z); L = -ln(p[y])", "--at", "z=[1,2,3], y=2", "--symbolic"] => 2, ["--symbolic writes one formula for every value of the variables, and `p[y]` picks an element by the value of a variable", "write the index as a number (`p[2]`)"];
    train_a_tensor_step: ["h = tanh(W@x); L = sum(h)", "--train", "h", "--at", "W=[[1,2],[3,4]], x=[1,1]"] => 2, ["--train h: `h` is a step of the program, not a variable: train the variables it is made of"];
    train_no_such_tensor: ["h = tanh(W@x); L = sum(h)", "--train", "Q", "--at", "W=[[1,2],[3,4]], x=[1,1]"] => 2, ["--train Q: the program has no variable `Q` (its variables: W, x)"];
    train_save_unwritable: ["L = (w - 1)^2", "--train", "w", "--at", "w=0", "--save", "/nonexistent/dir/w.txt"] => 2, ["--save /nonexistent/dir/w.txt"];
    save_without_train: ["L = (w - 1)^2", "--at", "w=0", "--save", "w.txt"] => 2, ["--save is an option of training"];

    // ---- formulas ----
    // Found by fuzzing: a derivative that is a constant and not finite is the
    // program's evaluation error, not an internal one.
    symbolic_infinite_constant_derivative: ["k / (0.)", "--symbolic", "--hessian", "--at", "k=1", "--allow-nonfinite"] => 3, ["1/0 = inf: division by zero", "in the formula of a derivative: 1/0"];

    several_outputs_checked_in_svg: ["p = x*y; q = x + y", "--of", "p,q", "--at", "x=1,y=2", "--format", "svg", "--expect", "p=2"] => 2, ["--format svg"];
    formula_answer_with_hessian: ["x^3", "--hessian", "--at", "x=2", "--expect", "d2f/dx2=6*x"] => 2, ["with --hessian the answer is a number", "--expect 'd2f/dx2=6*x'"];
    latex_of_several_outputs: ["p = x*y; q = x + y", "--of", "p,q", "--format", "latex"] => 2, ["--format latex and --explain --symbolic take one output"];
    second_derivative_of_no_output: ["p = x*y; q = x + y", "--of", "p,q", "--hessian", "--at", "x=1,y=1", "--expect", "d2f/dx2=0"] => 2, ["a second derivative names its output: d2p/dx2 (the outputs: p, q)"];

    // ---- names a student meets (issue 19) ----
    sigma_is_sigmoid: ["sigma(x)", "-a", "x=1"] => 2, ["unknown function `sigma`", "did you mean `sigmoid` (also written `σ`)?"];
    relu_in_capitals: ["ReLU(x)", "-a", "x=1"] => 2, ["did you mean `relu`?"];
    tanh_in_capitals: ["Tanh(x)", "-a", "x=1"] => 2, ["did you mean `tanh`?"];
    two_letters_are_one_name: ["2xy", "-a", "x=1,y=2"] => 2, ["no value for `xy`", "`xy` is one name: for the product, write `x*y`"];
    a_generated_name_lists_definitions: ["(2*x+y^2)*z^3", "-a", "x=4,y=3,z=2", "--expect", "g5=3"] => 2, ["no node named `g5`", "g4 = g1 + g2", "g1 = 2*x"];

    subscript_and_underscore_are_two_names: ["w₁*x", "-a", "w_1=0.5,x=2"] => 2, ["no value for `w₁`", "`w₁` and `w_1` are two names: the program uses `w₁`, so write `w₁=0.5`"];
    underscore_and_subscript_are_two_names: ["w_1*x", "-a", "w₁=0.5,x=2"] => 2, ["no value for `w_1`", "`w_1` and `w₁` are two names"];

    leading_minus_read_as_a_flag: ["-a", "--at", "a=3"] => 2, ["a value is required for '--at", "an expression that starts with `-` goes after `--`: autograd-cli --at a=3 -- -a"];

    // ---- syntax ----
    unclosed_parenthesis: ["(x+1", "-a", "x=1"] => 2, ["expected an operator or `)`", "one `(` not closed", "1 | (x+1\n  |     ^"];
    two_unclosed_parentheses: ["((x+1", "-a", "x=1"] => 2, ["2 `(` not closed"];
    stray_closing_parenthesis: ["x+1)", "-a", "x=1"] => 2, ["found `)`", "has no matching `(`"];
    empty_parentheses: ["()", "-a", "x=1"] => 2, ["expected an operand", "found `)`"];
    dangling_operator: ["x+", "-a", "x=1"] => 2, ["expected an operand", "found the end of the input"];
    leading_binary_operator: ["*x", "-a", "x=1"] => 2, ["syntax error: unexpected `*`", "1 | *x\n  | ^"];
    doubled_operator: ["x+*y", "-a", "x=1,y=1"] => 2, ["expected an operand", "found `*`"];
    doubled_power: ["x^^2", "-a", "x=1"] => 2, ["found `^`"];
    dangling_double_star: ["x**", "-a", "x=1"] => 2, ["expected an operand"];
    number_with_two_points: ["1.2.3*x", "-a", "x=1"] => 2, ["`1.2.3` is not a number", "at most one decimal point", "1 | 1.2.3*x\n  | ^^^^^"];
    number_with_two_points_and_a_trailing_one: ["1.2.*x", "-a", "x=1"] => 2, ["`1.2.` is not a number", "at most one decimal point"];
    two_points_in_a_row: ["2..5", "-a", "x=1"] => 2, ["`2..5` is not a number", "at most one decimal point"];
    dangling_exponent_sign: ["1e+", "-a", "x=1"] => 2, ["expected an operand"];
    number_too_large: ["1e999*x", "-a", "x=1"] => 2, ["`1e999` is too large to be a number"];
    two_names_side_by_side: ["x y", "-a", "x=1,y=1"] => 2, ["found `y`", "write `*` between factors"];
    two_numbers_side_by_side: ["2 3", "-a", "x=1"] => 2, ["found `3`"];
    a_name_after_a_postfix_power: ["x²y", "-a", "x=1,y=1"] => 2, ["found `y`", "write `*` between factors: `x²*y`", "a number may be followed directly by a name or `(` (`2x`, `3(x+1)`), and `)` by `(`"];
    a_name_after_a_negative_superscript: ["x⁻¹y", "-a", "x=1,y=1"] => 2, ["found `y`", "`x⁻¹*y`"];
    a_name_after_a_parenthesis: ["(x+1)y", "-a", "x=1,y=1"] => 2, ["found `y`", "write `*` between factors: `(x+1)*y`", "and `)` by `(`"];
    a_name_after_a_call: ["sin(x) y", "-a", "x=1,y=1"] => 2, ["found `y`", "`sin(x)*y`"];
    a_root_after_a_name: ["x√y", "-a", "x=1,y=1"] => 2, ["found `√`", "`x*√y`"];
    a_function_without_parentheses_before_its_operand: ["exp x", "-a", "x=1"] => 2, ["found `x`", "`exp` is a function: call it with parentheses, as in `exp(x)`"];
    a_function_before_a_product: ["sin 2x + 1", "-a", "x=1"] => 2, ["found `2`", "as in `sin(2x)`"];
    a_lone_superscript_sign: ["x⁻", "-a", "x=1"] => 2, ["found `⁻`"];
    a_lone_root: ["2√", "-a", "x=1"] => 2, ["expected an operand", "found the end of the input"];
    trailing_comma_in_a_call: ["sin(x,)", "-a", "x=1"] => 2, ["expected an operand", "found `)`"];
    leading_comma: [",x", "-a", "x=1"] => 2, ["syntax error"];
    unknown_character: ["x$y", "-a", "x=1,y=1"] => 2, ["found `$`"];
    double_equals: ["x == 3", "-a", "x=1"] => 2, ["syntax error"];
    assignment_without_a_value: ["a = ", "-a", "x=1"] => 2, ["expected an operand", "found the end of the input"];
    assignment_without_a_name: ["= 3", "-a", "x=1"] => 2, ["syntax error: unexpected `=`", "only a name can be assigned"];
    two_statements_without_a_separator: ["a = 1 b = 2", "-a", "x=1"] => 2, ["found `=`", "--> expression:1:9"];
    an_expression_cannot_continue_on_the_next_line: ["a = x +\n1", "-a", "x=1"] => 2, ["--> expression:1:8", "found the end of the line", "a statement ends at the end of its line: put the whole expression on one line, or name a step (`a = …`) and use it on the next"];
    arguments_cannot_continue_on_the_next_line: ["f = max(x,\n1)", "-a", "x=1"] => 2, ["--> expression:1:11", "found the end of the line", "a statement ends at the end of its line"];
    error_on_the_third_line: ["a = x\nb = a*2\nc = b +* 1\nc", "-a", "x=1"] => 2, ["--> expression:3:8", "3 | c = b +* 1"];
    empty_expression: ["", "-a", "x=1"] => 2, ["the program is empty"];
    blank_expression: ["   \t ", "-a", "x=1"] => 2, ["the program is empty"];
    only_comments_and_separators: ["# nothing\n;;\n", "-a", "x=1"] => 2, ["the program is empty"];

    // ---- names ----
    unknown_function_with_a_suggestion: ["sine(x)", "-a", "x=1"] => 2, ["unknown function `sine`", "did you mean `sin`?"];
    misspelt_sigmoid: ["sigmiod(x)", "-a", "x=1"] => 2, ["did you mean `sigmoid`?"];
    unknown_function_listing_the_known: ["foo(x)", "-a", "x=1"] => 2, ["unknown function `foo`", "the functions are: sin cos"];
    a_variable_called_like_a_function: ["x(y+1)", "-a", "x=1,y=1"] => 2, ["unknown function `x`", "to multiply, write `x*(…)`"];
    a_function_without_parentheses: ["sin + 1", "-a", "x=1"] => 2, ["`sin` is a function: call it with parentheses"];
    assigning_pi: ["pi = 3; pi*x", "-a", "x=1"] => 2, ["`pi` is a constant and cannot be assigned or bound"];
    assigning_e: ["e = 2; e*x", "-a", "x=1"] => 2, ["`e` is a constant"];
    assigning_a_function_name: ["exp = 2; x", "-a", "x=1"] => 2, ["`exp` is a function name and cannot be assigned"];
    redefinition: ["a = x; a = 2*x; a", "-a", "x=1"] => 2, ["`a` is defined twice", "--> expression:1:8"];
    use_before_definition: ["a = b*2; b = x; a", "-a", "x=1"] => 2, ["`b` is used before it is defined"];
    self_reference: ["a = a + 1", "-a", "a=1"] => 2, ["`a` is used before it is defined"];
    a_bare_expression_that_is_not_last: ["x*2; y = x", "-a", "x=1"] => 2, ["only the last statement may be a bare expression"];
    assigning_a_bound_variable: ["x = 3; x*2", "-a", "x=1"] => 2, ["`x` is given a value with --at"];
    unknown_output: ["a = x; b = a", "--of", "c", "-a", "x=1"] => 2, ["no node named `c`", "known: a, b"];
    unknown_check_target: ["x^2", "-a", "x=1", "--expect", "g7=1"] => 2, ["no node named `g7`", "known: x, f"];
    check_of_another_output: ["x^2", "-a", "x=1", "--expect", "dg/dx=1"] => 2, ["`g` is not the output"];

    // ---- arity ----
    too_many_arguments: ["sin(x, 2)", "-a", "x=1"] => 2, ["`sin` takes 1 argument, but 2 were given"];
    too_few_for_max: ["max(x)", "-a", "x=1"] => 2, ["`max` takes 2 or more arguments, but 1 was given"];
    none_for_min: ["min()", "-a", "x=1"] => 2, ["`min` takes 2 or more arguments, but 0 were given"];
    three_for_log: ["log(x, 2, 3)", "-a", "x=1"] => 2, ["`log` takes 1 or 2 arguments, but 3 were given"];
    one_for_pow: ["pow(x)", "-a", "x=1"] => 2, ["`pow` takes 2 arguments, but 1 was given"];
    two_for_sqrt: ["sqrt(x, 2)", "-a", "x=1"] => 2, ["`sqrt` takes 1 argument"];
    none_for_exp: ["exp()", "-a", "x=1"] => 2, ["`exp` takes 1 argument, but 0 were given"];

    // ---- bindings ----
    binding_without_equals: ["x+1", "-a", "x"] => 2, ["bad binding `x`: no `=`", "--> --at:1:1"];
    binding_without_a_value: ["x+1", "-a", "x="] => 2, ["no value after `=`"];
    binding_not_a_number: ["x+1", "-a", "x=abc"] => 2, ["`abc` is not a constant"];
    binding_without_a_name: ["x+1", "-a", "=3"] => 2, ["no variable name before `=`"];
    duplicate_binding: ["x+1", "-a", "x=1,x=2"] => 2, ["`x` is given twice"];
    empty_binding: ["x+1", "-a", "x=1,,y=2"] => 2, ["empty binding"];
    no_bindings_at_all: ["x+1", "-a", ""] => 2, ["no bindings given"];
    binding_a_constant: ["x+1", "-a", "x=1,pi=3"] => 2, ["`pi` is a constant"];
    binding_a_non_name: ["x+1", "-a", "2x=3"] => 2, ["`2x` is not a variable name"];
    binding_value_out_of_domain: ["x+1", "-a", "x=1/0"] => 2, ["division by zero"];
    binding_value_with_a_syntax_error: ["x+1", "-a", "x=(1"] => 2, ["`(1` is not a number or constant expression"];
    missing_bindings: ["x*y*z", "-a", "y=2"] => 2, ["no value for `x` and `z`", "--at x=…,y=2,z=…"];
    no_point_for_a_variable: ["x*y"] => 2, ["no value for `x` and `y`"];

    // ---- files and stdin ----
    missing_file: ["-f", "/nonexistent/dir/loss.txt"] => 2, ["cannot read `/nonexistent/dir/loss.txt`", "No such file"];
    a_directory: ["-f", "/tmp"] => 2, ["cannot read `/tmp`", "Is a directory"];
    invalid_utf8_on_stdin: ["-", "-a", "x=1"] <- b"x\xc3\x28+1" => 2, ["`stdin` is not UTF-8 text (invalid byte at offset 1)"];
    nul_byte_on_stdin: ["-", "-a", "x=1"] <- b"x+\x001" => 2, ["the input contains a NUL byte", "--> stdin:1:3"];
    empty_stdin: ["-", "-a", "x=1"] <- b"" => 2, ["the program is empty"];
    program_and_points_both_on_stdin: ["-", "--points", "-"] <- b"x\n" => 2, ["cannot both come from stdin"];
    missing_points_file: ["x", "--points", "/nonexistent.csv"] => 2, ["cannot read `/nonexistent.csv`"];
    // Endless input is read only up to the limit, then refused: memory stays bounded.
    endless_program_file: ["-f", "/dev/zero", "-a", "x=1"] => 2, ["`/dev/zero` is more than 16777216 bytes; the limit is 16777216 bytes (16 MiB)"];

    // ---- CSV points ----
    ragged_row: ["x*y", "--points", "-"] <- b"x,y\n1,2\n3\n" => 2, ["stdin, line 3: 1 fields, but the header has 2"];
    too_many_fields: ["x*y", "--points", "-"] <- b"x,y\n1,2,3\n" => 2, ["line 2: 3 fields"];
    not_a_number_in_a_row: ["x*y", "--points", "-"] <- b"x,y\n1,2\n3,four\n" => 2, ["line 3: column 2 (`y`): `four` is not a number"];
    header_without_a_variable: ["x*y", "--points", "-"] <- b"x\n1\n" => 2, ["no value for `y`", "the header row must name every variable"];
    empty_points: ["x", "--points", "-"] <- b"" => 2, ["no header row"];
    duplicate_column: ["x", "--points", "-"] <- b"x,x\n1,2\n" => 2, ["column `x` appears twice"];
    answer_column_that_is_not_there: ["x^2", "--points", "-", "--expect", "f=@answer"] <- b"x,ans\n1,1\n" => 2, ["no column `answer` in stdin (it has: x, ans)", "--> --expect:1:1"];
    answer_column_without_points: ["x^2", "-a", "x=1", "--expect", "f=@ans"] => 2, ["`@ans` takes each row's answer from a column of --points, and there is none"];
    answer_column_without_a_name: ["x^2", "-a", "x=1", "--expect", "f=@"] => 2, ["bad check `f=@`: no column name after `@`"];
    endless_points_file: ["x", "--points", "/dev/zero"] => 2, ["/dev/zero, line 1: the line is longer than 1048576 bytes (1 MiB), the most a row may be"];
    header_longer_than_a_line_may_be: ["x", "--points", "-"] <- format!("x,{}\n1\n", "y".repeat(1 << 21)).as_bytes() => 2, ["stdin, line 1: the line is longer than 1048576 bytes"];
    row_longer_than_a_line_may_be: ["x", "--points", "-"] <- format!("x\n1\n{}\n", "2".repeat(1 << 21)).as_bytes() => 2, ["stdin, line 3: the line is longer than 1048576 bytes"];
    non_finite_row: ["1/x", "--points", "-", "--format", "csv"] <- b"x\n1\n0\n" => 3, ["division by zero", "at: stdin, line 3"];

    // ---- numeric domain ----
    // The argument in the student's terms, not a bare number.
    log_of_a_difference: ["ln(x - 2)", "-a", "x=1"] => 3, ["f = ln(g1): ln is undefined at x - 2 = -1 (needs x - 2 > 0)"];
    log_of_a_negative: ["ln(x)", "-a", "x=-1"] => 3, ["f = ln(x): ln is undefined at x = -1 (needs x > 0)"];
    division_by_zero: ["1/x", "-a", "x=0"] => 3, ["division by zero"];
    zero_over_zero: ["x/y", "-a", "x=0,y=0"] => 3, ["0/0 is undefined"];
    root_of_a_negative: ["sqrt(x)", "-a", "x=-4"] => 3, ["sqrt is undefined at x = -4 (needs x ≥ 0)"];
    exp_overflow: ["exp(x)", "-a", "x=1000"] => 3, ["exp overflows at x = 1000"];
    cosh_overflow: ["cosh(x)", "-a", "x=1000"] => 3, ["cosh overflows at x = 1000"];
    asin_outside_its_domain: ["asin(x)", "-a", "x=2"] => 3, ["asin is undefined at x = 2 (needs -1 ≤ x ≤ 1)"];
    acos_outside_its_domain: ["acos(x)", "-a", "x=-1.5"] => 3, ["acos is undefined at x = -1.5"];
    cube_root_of_a_negative: ["x^(1/3)", "-a", "x=-8"] => 3, ["a negative base needs an integer exponent"];
    zero_to_a_negative_power: ["x^-1", "-a", "x=0"] => 3, ["0 to a negative power"];
    log_base_one: ["log(x, b)", "-a", "x=2,b=1"] => 3, ["log base 1"];
    log_of_zero_constant: ["ln(0) + x", "-a", "x=1"] => 3, ["ln(0) is -infinity"];
    overflowing_product: ["x*y", "-a", "x=1e200,y=1e200"] => 3, ["too large for a 64-bit float"];
    inner_node_named: ["a = x - 2; b = ln(a) + 1; b", "-a", "x=1"] => 3, ["g1 = ln(a): ln is undefined at a = -1 (needs a > 0)", "1 | a = x - 2; b = ln(a) + 1; b\n  |                ^^^^^"];

    // ---- size and depth ----
    nesting_past_the_limit: ["-", "-a", "x=1"] <- "(".repeat(50_001).as_bytes() => 2, ["parentheses are nested more than 50000 levels deep"];

    // ---- usage ----
    nothing_given: [] => 2, ["Usage"];
    unknown_flag: ["x", "--nope"] => 2, ["unexpected argument '--nope'"];
    unknown_format: ["x", "--format", "yaml"] => 2, ["invalid value 'yaml'"];
    digits_out_of_range: ["x", "-a", "x=1", "--digits", "0"] => 2, ["--digits"];
    tolerance_not_a_number: ["x", "-a", "x=1", "--tol", "abc"] => 2, ["not a tolerance"];
    tolerance_a_bare_percent: ["x", "-a", "x=1", "--expect", "f=1", "--tol", "%"] => 2, ["not a tolerance"];
    expect_empty: ["x", "-a", "x=1", "--expect", ""] => 2, ["--expect has no checks (an unset shell variable?)"];
    expect_only_commas: ["x", "-a", "x=1", "--expect", " , ,"] => 2, ["--expect has no checks"];
    expect_one_list_empty: ["x", "-a", "x=1", "--expect", "f=1", "--expect", ""] => 2, ["--expect has no checks"];
    id_not_a_column: ["x", "--points", "-", "--expect", "f=@a", "--id", "name"] <- b"student,x,a\nann,1,1\n" => 2, ["--id name: no such column (the header has: student, x, a)"];
    id_without_points: ["x", "-a", "x=1", "--id", "name"] => 2, ["--points"];
    shared_and_a_column: ["x*y", "--points", "-", "--at", "x=1"] <- b"x,y\n1,2\n" => 2, ["`x` is given by --at and is a column of stdin"];
    shared_not_a_variable: ["x*y", "--points", "-", "--at", "q=1"] <- b"x,y\n1,2\n" => 2, ["--at q=1: the program has no variable `q`"];
    shared_twice: ["x*y", "--points", "-", "--at", "x=1", "--at", "x=2"] <- b"y\n2\n" => 2, ["give it once"];
    csv_line_after_blank_lines: ["x*y", "--points", "-"] <- b"x,y\n1,2\n\n3,4\n\n5,z\n" => 2, ["stdin, line 6: column 2 (`y`): `z` is not a number"];
    csv_line_with_crlf: ["x*y", "--points", "-"] <- b"x,y\r\n1,2\r\n\r\n3,z\r\n" => 2, ["stdin, line 4: column 2 (`y`): `z` is not a number"];
    csv_semicolons_bad_cell: ["x*y", "--points", "-"] <- b"x;y\n1,5;2\n\n1;zz\n" => 2, ["stdin, line 4: column 2 (`y`): `zz` is not a number"];
    expression_and_file: ["x", "-f", "a.txt"] => 2, ["cannot be used with"];
    unknown_shell: ["--completions", "tcsh"] => 2, ["invalid value 'tcsh'"];
    // No option is silently ignored by a format.
    checks_with_dot: ["x", "-a", "x=1", "--expect", "f=1", "--format", "dot"] => 2, ["--format dot draws the graph: it has no place for --expect"];
    checks_with_mermaid: ["x", "-a", "x=1", "--expect", "f=1", "--format", "mermaid"] => 2, ["--format mermaid draws the graph: it has no place for --expect"];
    explain_with_csv: ["x", "-a", "x=1", "--explain", "--format", "csv"] => 2, ["--format csv has one row a point: it has no place for --explain or --gradcheck"];
    summary_without_checks: ["x", "-a", "x=1", "--summary"] => 2, ["--summary counts the points that pass the checks: give --expect or --gradcheck"];
    summary_with_a_format: ["x", "-a", "x=1", "--expect", "f=1", "--summary", "--format", "json"] => 2, ["--summary prints one line instead of the output"];
    quiet_and_summary: ["x", "-a", "x=1", "--expect", "f=1", "--summary", "-q"] => 2, ["cannot be used with"];
    // A flag where the expression should be must not print the help and pass.
    help_flag_as_an_expression: ["-h", "--at", "h=2", "--expect", "f=999"] => 2, ["`-h` asks for the help or the version", "autograd-cli --at a=2 -- -a"];
    version_flag_as_an_expression: ["-V", "--at", "V=2"] => 2, ["`-V` asks for the help or the version"];
    long_help_after_an_expression: ["x", "--help"] => 2, ["`--help` asks for the help"];
}

#[test]
fn input_over_the_size_limit() {
    let big = "x+".repeat(9 << 20);
    check(
        &["-", "-a", "x=1"],
        Some(big.as_bytes()),
        2,
        &["the limit is 16777216 bytes (16 MiB)"],
    );
}

#[test]
fn files_with_bad_contents() {
    let not_utf8 = scratch("latin1.txt", b"caf\xe9 + x");
    check(
        &["-f", &not_utf8, "-a", "x=1"],
        None,
        2,
        &["is not UTF-8 text (invalid byte at offset 3)"],
    );
    let empty = scratch("empty.txt", b"");
    check(
        &["-f", &empty, "-a", "x=1"],
        None,
        2,
        &["the program is empty"],
    );
    let program = scratch("prog.txt", b"a = x\nb = sin(a, 2)\nb\n");
    check(
        &["-f", &program, "-a", "x=1"],
        None,
        2,
        &["prog.txt:2:5", "`sin` takes 1 argument"],
    );
    let ragged = scratch("ragged.csv", b"x,y\n1,2\n3,4\n5\n");
    check(
        &["x*y", "--points", &ragged],
        None,
        2,
        &["ragged.csv, line 4: 1 fields"],
    );
}

/// Found by fuzzing: nested calls that fail deep inside were re-read at every
/// level (exponential: 7 s for 112 bytes). The grammar now commits to `(`.
#[test]
fn failing_nested_calls_are_read_once() {
    let found = include_bytes!("regressions/nested-calls-that-fail.txt");
    check(
        &["-", "-a", "x=1"],
        Some(found),
        2,
        &["expected an operator, `,` or `)`, found `i`"],
    );
    for depth in [24, 40] {
        let text = format!("{}x,{}", "sin(".repeat(depth), ")".repeat(depth));
        check(
            &["-", "-a", "x=1"],
            Some(text.as_bytes()),
            2,
            &["found `)`"],
        );
        let text = format!("{}(x+){}", "2(".repeat(depth), ")".repeat(depth));
        check(
            &["-", "-a", "x=1"],
            Some(text.as_bytes()),
            2,
            &["expected an operand"],
        );
    }
}

#[test]
fn one_term_past_the_limit() {
    let text = format!("{}x", "-".repeat(autograd::parse::MAX_TERM_BYTES + 1));
    check(
        &["-", "-a", "x=1"],
        Some(text.as_bytes()),
        2,
        &["the limit is 1048576 bytes (1 MiB) between two top-level `+` or `-`"],
    );
}

#[test]
fn graph_past_the_node_limit() {
    // A chain of additions: one node a `+`.
    let text = format!("{}x", "x+".repeat(autograd::graph::MAX_NODES + 10));
    check(
        &["-", "-a", "x=1"],
        Some(text.as_bytes()),
        2,
        &["the graph has more than 4000000 nodes"],
    );
}

#[test]
fn csv_and_at_agree_on_a_number_too_large() {
    check(
        &["x", "--at", "x=1e400"],
        None,
        2,
        &["`1e400` is too large to be a number"],
    );
    check(
        &["x", "--points", "-"],
        Some(b"x\n1e400\n"),
        2,
        &["stdin, line 2: column 1 (`x`): `1e400` is too large to be a number"],
    );
}

#[test]
fn color_governs_stderr_too() {
    let r = run_with_stdin(&["x+", "--color", "always"], None);
    assert_fails(&r, 2, &["\u{1b}["]);
    let r = run_with_stdin(&["x+", "--color", "never"], None);
    assert_fails(&r, 2, &["error: syntax error"]);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
}
