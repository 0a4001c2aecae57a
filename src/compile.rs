//! The front end, once: a program's text and where it came from are
//! composed (NFC), parsed and lowered to a [`Graph`], each error placed in
//! the source with a caret. Every mode — one output, several, formulas,
//! training, the session — starts from a [`Compiled`], never from text.
//!
//! ```
//! let c = autograd::compile::compile("z = w*x + b; L = z^2", "expression", None)?;
//! assert_eq!(c.graph.name(c.graph.output()).to_string(), "L");
//! assert_eq!(c.definitions[0], ("z".to_string(), "w*x + b".to_string()));
//! # Ok::<(), autograd::Error>(())
//! ```

use crate::ast::Program;
use crate::error::{Error, Result};
use crate::graph::Graph;

/// A program, parsed and lowered for one output.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The text, composed (NFC): error places point into it.
    pub source: String,
    /// Where it came from, in messages: `expression`, `stdin`, a file.
    pub origin: String,
    pub graph: Graph,
    /// Each named statement's name and expression text: a formula answer
    /// may name a statement that another output's graph holds.
    pub definitions: Vec<(String, String)>,
    /// The output is a bare last expression (named `f`), not a statement.
    pub bare: bool,
}

impl Compiled {
    /// `e` placed in this program's text (caret, line, origin).
    pub fn place(&self, e: Error) -> Error {
        e.in_source(&self.source, &self.origin)
    }
}

/// Composes, parses and lowers `source` for the output `of` (the last
/// statement when `None`).
pub fn compile(source: &str, origin: &str, of: Option<&str>) -> Result<Compiled> {
    let mut all = compile_outputs(source, origin, &[of])?;
    all.pop()
        .ok_or_else(|| Error::internal("compiling one output gave none"))
}

/// [`compile`] for several outputs of one program: parsed once, lowered
/// once per output.
pub fn compile_outputs(
    source: &str,
    origin: &str,
    outputs: &[Option<&str>],
) -> Result<Vec<Compiled>> {
    compile_outputs_shaped(source, origin, outputs, &rustc_hash::FxHashMap::default())
}

/// [`compile_outputs`] with the shapes of the tensor variables (SPEC §9),
/// from `--at` ([`crate::bindings::shapes`]).
pub fn compile_outputs_shaped(
    source: &str,
    origin: &str,
    outputs: &[Option<&str>],
    shapes: &rustc_hash::FxHashMap<String, Vec<usize>>,
) -> Result<Vec<Compiled>> {
    compile_outputs_for(source, origin, outputs, shapes, false)
}

/// [`compile_outputs_shaped`]; with `tensor_values`, an output that is a
/// vector or matrix is no error: a run that shows values only allows it
/// ([`Graph::tensor_output`]; SPEC §9).
pub fn compile_outputs_for(
    source: &str,
    origin: &str,
    outputs: &[Option<&str>],
    shapes: &rustc_hash::FxHashMap<String, Vec<usize>>,
    tensor_values: bool,
) -> Result<Vec<Compiled>> {
    let source = crate::input::nfc(source).into_owned();
    let place = |e: Error| e.in_source(&source, origin);
    let program = crate::parse::parse_program(&source).map_err(place)?;
    let definitions = definitions(&program);
    let last_is_bare = program.statements.last().is_some_and(|s| s.name.is_none());
    let mut program = Some(program);
    let mut compiled = Vec::with_capacity(outputs.len());
    for (i, &of) in outputs.iter().enumerate() {
        // The last output takes the program itself: no copy of a big one.
        let program = match i + 1 == outputs.len() {
            true => program.take(),
            false => program.clone(),
        };
        let program = program.ok_or_else(|| Error::internal("a program lowered twice"))?;
        let graph = match tensor_values {
            true => Graph::lower_values(program, of, shapes),
            false => Graph::lower_shaped(program, of, shapes),
        }
        .map_err(place)?;
        compiled.push(Compiled {
            source: source.clone(),
            origin: origin.to_string(),
            graph,
            definitions: definitions.clone(),
            bare: of.is_none() && last_is_bare,
        });
    }
    Ok(compiled)
}

/// Each named statement's name and expression text.
fn definitions(program: &Program<'_>) -> Vec<(String, String)> {
    program
        .statements
        .iter()
        .filter_map(|st| {
            let (name, _) = st.name?;
            let span = program.expr(st.root).span();
            Some((
                name.to_string(),
                program.source.get(span.start..span.end)?.to_string(),
            ))
        })
        .collect()
}
