//! Text → syntax tree, by one path for every input.
//!
//! The grammar (`grammar/expr.pest`) recognises the language; precedence and
//! associativity live in the Pratt table below, loosest first (README, "The language"):
//!
//! | level | operators                          | associativity |
//! |-------|------------------------------------|---------------|
//! | 1     | `+` `-`                            | left          |
//! | 2     | `*` `/`, implicit multiplication   | left          |
//! | 3     | unary `-` `+`, `√`                 | prefix        |
//! | 4     | `^` `**`                           | right         |
//! | 5     | superscripts `²` `¹⁰` `⁻¹`         | postfix       |
//!
//! (The table is `binding_power`; postfix powers apply at once.)
//!
//! A program is read a piece at a time: each piece is one pest parse, from
//! where the last one stopped, of a piece rule of the grammar (`piece_first`,
//! `piece_next`, `piece_more`). A piece holds at most 512 top-level operands
//! and ends where the program rule would go on: before an operator (the
//! statement goes on in the next piece) or at a statement's end. Its tokens
//! go, in order, into one `Builder` whose operator and operand stacks live
//! across pieces, so the tree is the one a single parse of the whole program
//! would give, and pest's token queue stays small (a 4.6 MB sum parsed whole
//! needs about 250 MB of it). Where a piece fails, pest has tried what the
//! program rule tries there, so its error is the program's error.
//!
//! Each parse reads at most a window of the input: a top-level term (the
//! text between two top-level `+` or `-`) may be at most [`MAX_TERM_BYTES`]
//! long, and the window ends just past that, so pest never holds more than
//! about one term's tokens. A piece cut by its window is cut back to its
//! last complete operand; a term that does not fit is refused.
//!
//! Inputs of 1 MiB (`TWO_READERS_BYTES`) and more are read by two readers on two
//! threads: the second starts at a `+` in the middle that begins a piece, and
//! its tokens are used once the first reader's pieces end exactly there,
//! inside a statement, which proves that `+` an operator of the statement's
//! top level; otherwise the second reader's work is dropped.
//!
//! Operators are applied with explicit stacks, and nested parentheses and
//! calls with an explicit stack of frames (no recursion), so long chains of
//! signs or powers cost no stack. pest recurses once per parenthesis, so the
//! nesting of parentheses is measured first ([`nesting_depth`]) and refused
//! past [`MAX_DEPTH`] with an error that names the limit; deep inputs are
//! parsed on a thread with a big stack.
//!
//! Errors of building (a bad number) are kept until the whole input has been
//! read: a syntax error anywhere is reported first, as a whole parse would.

use crate::ast::{Program, Span, Statement};
use crate::error::{Error, ErrorKind, Result};

pub mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/expr.pest"]
    pub struct ExprParser;
}

pub use grammar::Rule;

mod builder;
mod piece;
mod two;
mod wording;

use piece::read_expression;
use two::read_program;
use wording::internal;

/// The deepest nesting of parentheses (and calls) the parser accepts; the
/// stack the parser runs on ([`PARSER_STACK_BYTES`]) is sized for it.
pub const MAX_DEPTH: usize = 50_000;

/// The largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// The longest top-level term of a statement (the text between two `+` or
/// `-` outside parentheses): pest's token queue for one piece grows with its
/// length (about 80 bytes a token), so what one parse reads is bounded.
pub const MAX_TERM_BYTES: usize = 1 << 20;

/// The stack the parser needs: deep nesting recurses in pest's generated
/// parser, at most [`MAX_DEPTH`] levels. Callers run parsing on a thread
/// with this much stack (it is reserved, not used, until needed).
pub const PARSER_STACK_BYTES: usize = 1 << 30;

/// Room in a statement's first window for what comes before its first term
/// (separators, `name =`); more is measured with the `lead` rules.
const LEAD_BYTES: usize = 64 * 1024;

/// The window of a parse without spaces (the `tight_*` rules): a piece that
/// does not fit is cut back, or read again with spaces allowed. Small, so
/// that a failing attempt (pest then describes the line it failed on) is cheap.
const TIGHT_BYTES: usize = 64 * 1024;

/// Parses a program: statements separated by `;` or newlines.
pub fn parse_program(source: &str) -> Result<Program<'_>> {
    with_plain_spaces(source, |text| on_deep_stack(text, read_program))
}

/// Parses a single expression (a binding's value, an expected answer).
pub fn parse_expression(source: &str) -> Result<Program<'_>> {
    with_plain_spaces(source, |text| on_deep_stack(text, read_expression))
}

/// Runs `parse` on `source` with each no-break space (U+00A0, U+202F)
/// replaced by as many ASCII spaces as it has bytes, so that every span is
/// the same in both texts; the program refers to `source`. (The grammar's
/// `WHITESPACE` is tried between every two tokens: two more alternatives
/// there cost 8–11% of the parse of a text with spaces.)
fn with_plain_spaces<'a>(
    source: &'a str,
    parse: impl for<'b> FnOnce(&'b str) -> Result<Program<'b>>,
) -> Result<Program<'a>> {
    const NO_BREAK: [char; 2] = ['\u{00A0}', '\u{202F}'];
    if !NO_BREAK.iter().any(|&c| source.contains(c)) {
        return parse(source);
    }
    let mut text = String::with_capacity(source.len());
    for c in source.chars() {
        if NO_BREAK.contains(&c) {
            text.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            text.push(c);
        }
    }
    let program = parse(&text)?;
    let statements = program
        .statements
        .into_iter()
        .map(|s| Statement {
            name: s
                .name
                .map(|(_, span)| (&source[span.start..span.end], span)),
            first: s.first,
            root: s.root,
            span: s.span,
        })
        .collect();
    Ok(Program {
        source,
        exprs: program.exprs,
        args: program.args,
        statements,
    })
}

/// Checks the input's size and nesting, then runs `parse` — on a thread with
/// [`PARSER_STACK_BYTES`] of stack when the nesting is deep, so that the
/// library is safe to call from any thread.
fn on_deep_stack<'a>(
    source: &'a str,
    parse: impl FnOnce(&'a str) -> Result<Program<'a>> + Send,
) -> Result<Program<'a>> {
    let depth = check_size(source)?;
    if depth < 500 {
        return parse(source);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("autograd-parse".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, move || parse(source))
            .map_err(|_| internal("parser thread"))?
            .join()
            .map_err(|_| internal("parser thread"))?
    })
}

/// Whether `text` is a name in the language (for `--at` and CSV headers,
/// which must accept exactly the names the grammar does).
pub fn is_name(text: &str) -> bool {
    use pest::Parser as _;
    grammar::ExprParser::parse(Rule::lone_name, text).is_ok()
}

/// Refuses inputs over the limits; returns the nesting depth.
fn check_size(source: &str) -> Result<usize> {
    if source.len() > MAX_INPUT_BYTES {
        return Err(Error::new(ErrorKind::Limit(format!(
            "the input is {} bytes; the limit is {MAX_INPUT_BYTES} bytes (16 MiB)",
            source.len()
        ))));
    }
    if let Some(at) = source.find('\0') {
        return Err(Error::at(
            ErrorKind::Input("the input contains a NUL byte".into()),
            Span::new(at, at + 1),
        ));
    }
    if source.trim().is_empty() {
        return Err(Error::new(ErrorKind::Empty));
    }
    let (depth, at) = nesting_depth(source);
    if depth > MAX_DEPTH {
        return Err(Error::at(
            ErrorKind::Limit(format!(
                "parentheses are nested more than {MAX_DEPTH} levels deep"
            )),
            Span::new(at, at + 1),
        )
        .with_help("name intermediate steps in a program (`a = …; b = …`) to flatten it"));
    }
    Ok(depth)
}

/// How deeply the parser will recurse, and where that depth is first
/// reached: the nesting of parentheses (calls included). Signs and `^`
/// chains are handled by explicit stacks and do not count.
pub fn nesting_depth(source: &str) -> (usize, usize) {
    let mut depth = 0usize;
    let mut max = (0, 0);
    for (at, b) in source.bytes().enumerate() {
        match b {
            b'(' | b'[' => {
                depth += 1;
                if depth > max.0 {
                    max = (depth, at);
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::two::{read_program_with, TWO_READERS_BYTES};
    use super::*;
    use crate::ast::{BinOp, ExprId, ExprKind};

    /// A program's statements, compactly: `name = (op a b)`, `;` between.
    fn shape(source: &str) -> String {
        let program = match parse_program(source) {
            Ok(program) => program,
            Err(e) => return format!("error: {e}"),
        };
        let tree = |root: ExprId| {
            // Post-order arena: each expression's operands are already shaped.
            let mut shapes: Vec<String> = Vec::with_capacity(root as usize + 1);
            for id in 0..=root {
                let s = match program.expr(id).kind {
                    ExprKind::Number(v) => format!("{v}"),
                    ExprKind::Name => program.name(id).to_string(),
                    ExprKind::Neg(a) => format!("(neg {})", shapes[a as usize]),
                    ExprKind::Binary(op, a, b) => format!(
                        "({} {} {})",
                        match op {
                            BinOp::Add => "+",
                            BinOp::Sub => "-",
                            BinOp::Mul => "*",
                            BinOp::Div => "/",
                            BinOp::Pow => "^",
                            BinOp::MatMul => "@",
                        },
                        shapes[a as usize],
                        shapes[b as usize]
                    ),
                    ExprKind::Transpose(a) => format!("(T {})", shapes[a as usize]),
                    ExprKind::List { .. } | ExprKind::Index { .. } => {
                        let args: Vec<&str> = program
                            .call_args(id)
                            .iter()
                            .map(|&a| shapes[a as usize].as_str())
                            .collect();
                        let kind = if matches!(program.expr(id).kind, ExprKind::List { .. }) {
                            "list"
                        } else {
                            "index"
                        };
                        format!("{kind}[{}]", args.join(" "))
                    }
                    ExprKind::Call { .. } => {
                        let args: Vec<&str> = program
                            .call_args(id)
                            .iter()
                            .map(|&a| shapes[a as usize].as_str())
                            .collect();
                        format!("{}({})", program.name(id), args.join(" "))
                    }
                };
                shapes.push(s);
            }
            shapes.pop().unwrap_or_default()
        };
        program
            .statements
            .iter()
            .map(|s| match s.name {
                Some((name, _)) => format!("{name} = {}", tree(s.root)),
                None => tree(s.root),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn trees() {
        for (source, expected) in [
            ("x", "x"),
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("a - b - c", "(- (- a b) c)"),
            ("2^3^2", "(^ 2 (^ 3 2))"),
            ("x ** -y", "(^ x (neg y))"),
            ("-x^2", "(neg (^ x 2))"),
            ("--x", "(neg (neg x))"),
            ("+x + y", "(+ x y)"),
            ("2x", "(* 2 x)"),
            ("2(x+1)", "(* 2 (+ x 1))"),
            ("(x)(y)", "(* x y)"),
            ("x²³", "(^ x 23)"),
            ("x²^3", "(^ (^ x 2) 3)"),
            (
                "x⁻¹ + x¹⁰ + x⁰ + x⁺⁴⁵⁶⁷⁸⁹",
                "(+ (+ (+ (^ x -1) (^ x 10)) (^ x 0)) (^ x 456789))",
            ),
            ("-x⁻¹", "(neg (^ x -1))"),
            ("√x", "√(x)"),
            ("√x^2 + √x²", "(+ √((^ x 2)) √((^ x 2)))"),
            ("-√x", "(neg √(x))"),
            ("√-x", "√((neg x))"),
            ("√(x+1)", "√((+ x 1))"),
            ("√3x", "(* √(3) x)"),
            ("2√x", "(* 2 √(x))"),
            ("2 √x^2", "(* 2 √((^ x 2)))"),
            ("2√3√x", "(* (* 2 √(3)) √(x))"),
            ("2√√x", "(* 2 √(√(x)))"),
            ("x^√y", "(^ x √(y))"),
            ("2.*x + 2. + 3.e1", "(+ (+ (* 2 x) 2) 30)"),
            ("a – b – –c", "(- (- a b) (neg c))"),
            ("a\u{a0}=\u{202f}x\u{a0}+ 1", "a = (+ x 1)"),
            ("max(x, -y, 1)", "max(x (neg y) 1)"),
            ("f()", "f()"),
            ("1.5e-3 x", "(* 0.0015 x)"),
            ("3 − 1 ÷ 2 × 4 · 5 ⋅ 6", "(- 3 (* (* (* (/ 1 2) 4) 5) 6))"),
            ("a = 1; b = a + 1\nb", "a = 1; b = (+ a 1); b"),
            ("a = 1 # one\r\nb = 2\r# two\rb", "a = 1; b = 2; b"),
            ("\n\n  x  \n\n", "x"),
            (
                "# only a comment",
                "error: the program is empty: write an expression such as `x^2 + 1`",
            ),
        ] {
            assert_eq!(shape(source), expected, "{source:?}");
        }
    }

    /// Sums, products and chains longer than a piece (512 operands) build
    /// the tree a single parse would.
    #[test]
    fn trees_across_pieces() {
        let fold =
            |op: &str, n: usize| (1..n).fold("x".to_string(), |acc, _| format!("({op} {acc} x)"));
        for n in [511, 512, 513, 1025, 2000] {
            let sum = vec!["x"; n].join(" + ");
            assert_eq!(shape(&sum), fold("+", n), "sum of {n}");
            let product = vec!["x"; n].join("*");
            assert_eq!(shape(&product), fold("*", n), "product of {n}");
            let chain = format!("{}x", "x^".repeat(n - 1));
            let right = (1..n).fold("x".to_string(), |acc, _| format!("(^ x {acc})"));
            assert_eq!(shape(&chain), right, "power chain of {n}");
            let named = format!("a = {sum}\nb = -a; b");
            assert_eq!(
                shape(&named),
                format!("a = {}; b = (neg a); b", fold("+", n))
            );
        }
    }

    #[test]
    fn statement_spans() {
        for (source, spans) in [
            ("x", vec![(0, 1)]),
            ("x   ", vec![(0, 1)]),
            ("  a = x + 1  ;b=2\nb", vec![(2, 11), (14, 17), (18, 19)]),
            ("+x+y", vec![(0, 4)]),
            ("f(x) ", vec![(0, 4)]),
        ] {
            let program = parse_program(source).map_err(|e| e.to_string());
            let got: Vec<(usize, usize)> = program
                .map(|p| {
                    p.statements
                        .iter()
                        .map(|s| (s.span.start, s.span.end))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(got, spans, "{source:?}");
        }
    }

    #[test]
    fn syntax_errors() {
        const OPERAND: &str = "expected an operand (a number, a name, a call or `(`)";
        let long = format!("{} + ", vec!["x"; 600].join(" + "));
        let long_tight = format!("{}+*y", vec!["x"; 600].join("+"));
        let long_named = format!("a = {} x", vec!["x"; 700].join("*"));
        for (source, message, at) in [
            ("x +", format!("{OPERAND}, found the end of the input"), 3),
            ("x + * y", format!("{OPERAND}, found `*`"), 4),
            (
                "x y",
                "expected an operator, `=` or the end of the input, found `y`".into(),
                2,
            ),
            (
                "(x+1",
                "expected an operator or `)`, found the end of the input".into(),
                4,
            ),
            ("sin(x,)", format!("{OPERAND}, found `)`"), 6),
            (
                "sin(x",
                "expected an operator, `,` or `)`, found the end of the input".into(),
                5,
            ),
            (
                "x)",
                "expected an operator, `=` or the end of the input, found `)`".into(),
                1,
            ),
            ("\n)", "unexpected `)`".into(), 1),
            ("a = 1\n= 2", "unexpected `=`".into(), 6),
            ("x = ", format!("{OPERAND}, found the end of the input"), 4),
            (
                "a = x +\nb",
                format!("{OPERAND}, found the end of the line"),
                7,
            ),
            (
                "1.2.3 +",
                format!("{OPERAND}, found the end of the input"),
                7,
            ),
            (
                long.as_str(),
                format!("{OPERAND}, found the end of the input"),
                long.len(),
            ),
            (
                long_tight.as_str(),
                format!("{OPERAND}, found `*`"),
                long_tight.len() - 2,
            ),
            (
                long_named.as_str(),
                "expected an operator or the end of the input, found `x`".into(),
                long_named.len() - 1,
            ),
        ] {
            let e = parse_program(source).expect_err(source);
            assert_eq!(e.kind, ErrorKind::Syntax(message), "{source:?}");
            assert_eq!(e.span.map(|s| s.start), Some(at), "{source:?}");
        }
    }

    /// Errors of building wait for the whole input: a syntax error anywhere
    /// is reported first, then the first bad number.
    #[test]
    fn errors_of_building_come_after_syntax_errors() {
        let tail = vec!["x"; 1000].join("+");
        for (source, kind, at) in [
            ("1.2.3", ErrorKind::BadNumber("1.2.3".into()), 0),
            ("1.2.", ErrorKind::BadNumber("1.2.".into()), 0),
            ("x + 1e999", ErrorKind::NumberOverflow("1e999".into()), 4),
            ("1.2.3 + 1e999", ErrorKind::BadNumber("1.2.3".into()), 0),
        ] {
            let e = parse_program(source).expect_err(source);
            assert_eq!(
                (e.kind.clone(), e.span.map(|s| s.start)),
                (kind, Some(at)),
                "{source:?}"
            );
            let later = format!("{source} + {tail} +");
            let e = parse_program(&later).expect_err(source);
            assert!(matches!(e.kind, ErrorKind::Syntax(_)), "{source:?}: {e:?}");
            assert_eq!(e.span.map(|s| s.start), Some(later.len()));
        }
    }

    /// Windows: an operand cut by one is read again in the next piece; a
    /// term past the limit is refused, at its start; long separators before
    /// a statement do not count.
    #[test]
    fn terms_near_the_limit() {
        let big = |n: usize| format!("({}x)", "x*".repeat(n));
        // A 700 KB operand, then a 400 KB name: the name is cut by the
        // first window and read whole by the next piece.
        let source = format!("{} + {}", big(350_000), "n".repeat(400_000));
        let program = parse_program(&source).expect("parses");
        assert_eq!(program.exprs.len(), 350_001 + 350_000 + 2);
        // Long separators, then a term just under the limit.
        let source = format!("{}{}", "\n".repeat(200_000), big(500_000));
        assert!(parse_program(&source).is_ok());
        let too_long = |source: &str, at: usize| {
            let e = parse_program(source).expect_err("a term past the limit");
            assert!(matches!(e.kind, ErrorKind::Limit(_)), "{e:?}");
            assert_eq!(e.span.map(|s| s.start), Some(at));
        };
        // One operand past the limit, after a `+` and at a statement start.
        too_long(&format!("y + {}", big(600_000)), 3);
        too_long(&format!("y\na = {}", big(600_000)), 5);
        // A product past the limit, made of many small operands.
        too_long(&format!("y - {}x", "x*".repeat(600_000)), 3);
    }

    /// Two readers build what one builds: whether the second one starts at
    /// an operator of the statement, inside parentheses, in an exponent,
    /// in a comment, or after an error.
    #[test]
    fn two_readers_read_as_one() {
        let term = "sin(x*1.0006394+y*0.0002501)*z^2/(3.47526+x*x)";
        let sum = |n: usize| vec![term; n].join("+");
        let n = TWO_READERS_BYTES / term.len() + 10;
        let cases = [
            sum(n),
            format!("a = {}\nb = a - {}\nb", sum(n / 2), sum(n / 2)),
            format!("{}+1e+5+{}", sum(n / 2), sum(n / 2)),
            format!("{}*(x+y)+{}", sum(n / 2), sum(n / 2)),
            format!("{}\n# a + b\n{}", sum(n / 2), sum(n / 2)),
            format!("{}\n+x+{}", sum(n / 2), sum(n / 2)),
            format!("{}+(x+{}", sum(n / 2), sum(n / 2)),
            format!("{}+1.2.3+{} +", sum(n / 2), sum(n / 2)),
            format!("{}+1.2.3+{}", sum(n / 2), sum(n / 2)),
            format!("{} + {}", sum(n / 2).replace('+', " + "), sum(n / 2)),
        ];
        for source in &cases {
            let one = read_program_with(source, false);
            let two = read_program_with(source, true);
            match (&one, &two) {
                (Ok(a), Ok(b)) => assert!(a == b, "{}", &source[..60]),
                (Err(a), Err(b)) => assert_eq!(a, b, "{}", &source[..60]),
                _ => panic!("{}: {:?} vs {:?}", &source[..60], one.is_ok(), two.is_ok()),
            }
        }
    }

    #[test]
    fn names() {
        for (text, ok) in [
            ("x", true),
            ("x_2", true),
            ("ŷ", true),
            ("x\u{487}", true),
            ("e\u{301}", true),
            ("√x", false),
            ("x²", false),
            ("x–y", false),
            ("2x", false),
            ("x y", false),
            ("", false),
        ] {
            assert_eq!(is_name(text), ok, "{text:?}");
        }
    }
}
