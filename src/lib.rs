//! autograd: differentiate an expression, showing every node of its graph.
//!
//! The pipeline, one module a stage:
//!
//! ```text
//! text ──parse──▶ ast::Program ──Graph::lower──▶ Graph ──forward──▶ values
//!                                                      └─backward─▶ ∂f/∂node
//! ```
//!
//! ```
//! let program = autograd::parse::parse_program("(2*x+y^2)*z^3").unwrap();
//! let graph = autograd::Graph::lower(program, None).unwrap();
//! let e = graph.evaluate(&[4.0, 3.0, 2.0], true).unwrap();
//! assert_eq!(e.values[graph.output() as usize], 136.0);
//! let grads: Vec<f64> = (0..3).map(|v| e.grads[graph.variable_node(v) as usize]).collect();
//! assert_eq!(grads, [16.0, 48.0, 204.0]);
//! ```

pub mod args;
pub mod ast;
pub mod batch;
pub mod bindings;
pub mod check;
pub mod compile;
pub mod error;
pub mod eval;
pub mod formula;
pub mod front;
pub mod graph;
pub mod hessian;
pub mod input;
pub mod jacobian;
pub mod kernels;
pub mod number;
pub mod ops;
pub mod options;
pub mod parse;
pub mod pipeline;
pub mod points;
pub mod report;
pub mod session;
pub mod symbolic;
pub mod symbolic_mode;
pub mod train;
pub mod written;

pub use error::{Error, ErrorKind, Result};
pub use eval::Evaluation;
pub use graph::{Graph, Kind, NodeId};
pub use ops::Op;

/// The value of a constant expression such as `1/3` or `-pi/2`.
pub fn constant_value(text: &str) -> Result<f64> {
    // A plain decimal such as `4` or `0.5`, the common value, is read as the
    // parser reads a number literal (the same `parse`), without a parse and
    // a graph: a tenth of the lecture example's start-up.
    if text.starts_with(|c: char| c.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
    {
        if let Ok(v) = text.parse::<f64>() {
            if v.is_finite() {
                return Ok(v);
            }
        }
    }
    let program = parse::parse_expression(text)?;
    let variable = (0..program.exprs.len() as ast::ExprId).find_map(|id| {
        let name = program.name(id);
        let is_variable = program.expr(id).kind == ast::ExprKind::Name
            && ops::constant(name).is_none()
            && !ops::is_function(name);
        is_variable.then(|| (name, program.expr(id).span()))
    });
    if let Some((name, span)) = variable {
        return Err(Error::at(
            ErrorKind::Input(format!(
                "`{name}` is not a constant: a value here may use numbers, pi, e and functions"
            )),
            span,
        ));
    }
    let graph = Graph::lower(program, None)?;
    let e = graph.evaluate(&[], true)?;
    Ok(e.values[graph.output() as usize])
}
