//! The flags of the modes beyond one evaluation (formula answers, the
//! session, training, formulas), each defined by its own module and gathered here so
//! the command line flattens them in one line.

/// Every mode's flags; `#[command(flatten)]` into a clap parser.
#[derive(Debug, Clone, clap::Args)]
pub struct ModeArgs {
    #[command(flatten)]
    pub answers: crate::formula::FormulaArgs,
    #[command(flatten)]
    pub session: crate::session::SessionArgs,
    #[command(flatten)]
    pub train: crate::train::TrainArgs,
    #[command(flatten)]
    pub symbolic: crate::symbolic::SymbolicArgs,
}

/// `autograd-cli -h --at h=2 --expect f=999` would exit 0, a pass to a grading
/// script: a help or version flag is only itself as the only argument. Returns
/// the flag when it comes among others (before any `--`).
pub fn help_among_arguments<I>(args: I) -> Option<String>
where
    I: IntoIterator<Item = std::ffi::OsString>,
{
    let args: Vec<_> = args.into_iter().collect();
    if args.len() < 2 {
        return None;
    }
    args.iter()
        .take_while(|a| *a != "--")
        .filter_map(|a| a.to_str())
        .find(|a| matches!(*a, "-h" | "--help" | "-V" | "--version"))
        .map(str::to_string)
}

/// A command line clap could not read: its error (with the fix for an
/// expression that starts with `-`) on stderr, and the exit code, 2. Help
/// and version go to stdout with exit 0, as clap prints them.
pub fn command_line_error(e: clap::Error) -> u8 {
    use std::io::{IsTerminal, Write};
    if !e.use_stderr() {
        e.exit();
    }
    let hint = leading_minus_hint(std::env::args().skip(1));
    let text = match std::io::stderr().is_terminal() {
        true => e.render().ansi().to_string(),
        false => e.render().to_string(),
    };
    let _ = writeln!(
        std::io::stderr(),
        "{}{}",
        text.trim_end(),
        hint.unwrap_or_default()
    );
    2
}

/// When the command line could not be read and an argument that is not a
/// flag of the tool starts with `-` (`autograd-cli -a --at a=3`), the fix:
/// an expression that starts with `-` goes after `--`.
pub fn leading_minus_hint<I: IntoIterator<Item = String>>(args: I) -> Option<String> {
    const SHORT: &[&str] = &["-a", "-f", "-i", "-q", "-h", "-V"];
    let args: Vec<String> = args.into_iter().take_while(|a| a != "--").collect();
    let expr = args.iter().enumerate().find(|(i, a)| {
        // `-a` read as --at whose value is another flag.
        let short_as_expr = SHORT.contains(&a.as_str())
            && args.get(i + 1).is_some_and(|next| next.starts_with('-'));
        let not_a_flag = a.starts_with('-')
            && a.len() > 1
            && !a.starts_with("--")
            && !SHORT.iter().any(|s| a.starts_with(s))
            && a.parse::<f64>().is_err();
        short_as_expr || not_a_flag
    })?;
    let rest: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != expr.0)
        .map(|(_, a)| a.as_str())
        .collect();
    Some(format!(
        "\n  = help: an expression that starts with `-` goes after `--`: autograd-cli {} -- {}",
        rest.join(" "),
        expr.1
    ))
}

/// `--color`: when to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream; `auto` honours NO_COLOR (non-empty).
    pub fn enabled(self, terminal: bool) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        self == ColorChoice::Always || (self == ColorChoice::Auto && terminal && !no_color)
    }
}

#[cfg(test)]
mod tests {
    use super::{help_among_arguments, leading_minus_hint};

    #[test]
    fn an_expression_that_starts_with_minus() {
        let hint = |args: &[&str]| leading_minus_hint(args.iter().map(|a| a.to_string()));
        assert_eq!(
            hint(&["-a", "--at", "a=3"]).as_deref(),
            Some("\n  = help: an expression that starts with `-` goes after `--`: autograd-cli --at a=3 -- -a")
        );
        assert!(hint(&["-x^2", "--at", "x=3"]).is_some_and(|h| h.ends_with("-- -x^2")));
        assert_eq!(hint(&["x", "--at", "x=1", "--nope"]), None);
    }

    #[test]
    fn help_is_only_itself_alone() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&["-h"], None),
            (&["--version"], None),
            (&["-h", "--at", "h=2"], Some("-h")),
            (&["x", "--help"], Some("--help")),
            (&["x", "--", "-h"], None),
            (&["x", "--at", "x=1"], None),
        ];
        for (args, want) in cases {
            let got = help_among_arguments(args.iter().map(std::ffi::OsString::from));
            assert_eq!(got.as_deref(), *want, "{args:?}");
        }
    }
}
