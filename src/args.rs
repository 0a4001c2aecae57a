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

#[cfg(test)]
mod tests {
    use super::help_among_arguments;

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
