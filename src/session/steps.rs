//! The session's steps, each lowered once when it is typed: its own small
//! graph (earlier steps are its leaves), the variables it needs, and its
//! value at the point. A new step costs the size of its line, not of the
//! program, so 1,000 chained steps take as long as 1,000 short lines.

use crate::error::Result;
use crate::graph::Graph;

/// One step's graph and what it depends on.
#[derive(Debug, Clone)]
pub(super) struct Lowered {
    graph: Graph,
    /// For each of the graph's variables: the earlier step it names, or
    /// `None` for a variable of the program.
    inputs: Vec<Option<usize>>,
    /// The program's variables this step needs, through earlier steps too,
    /// in order of first appearance.
    pub variables: Vec<String>,
}

/// The lowered steps and their values at the point.
#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    lowered: Vec<Lowered>,
    /// Each step's value, `None` while a variable it needs has none.
    values: Vec<Option<f64>>,
}

impl Known {
    /// The step `text` (`name = expr`, after the steps known so far, whose
    /// names are `names`) lowered; errors point into `text`.
    pub fn lower(&self, text: &str, names: &[&str]) -> Result<Lowered> {
        let graph = Graph::lower(crate::parse::parse_program(text)?, None)?;
        let mut variables: Vec<String> = Vec::new();
        let mut inputs = Vec::with_capacity(graph.variables().len());
        for v in graph.variables() {
            let step = names.iter().position(|n| n == v);
            let needed = match step {
                Some(i) => self.lowered[i].variables.as_slice(),
                None => std::slice::from_ref(v),
            };
            for n in needed {
                if !variables.contains(n) {
                    variables.push(n.clone());
                }
            }
            inputs.push(step);
        }
        Ok(Lowered {
            graph,
            inputs,
            variables,
        })
    }

    /// Adds a lowered step and computes its value at `point`.
    pub fn push(&mut self, lowered: Lowered, point: &[(String, f64)]) {
        let value = self.value(&lowered, point);
        self.lowered.push(lowered);
        self.values.push(value);
    }

    /// Every value again (the point changed).
    pub fn refresh(&mut self, point: &[(String, f64)]) {
        let lowered = std::mem::take(&mut self.lowered);
        self.values.clear();
        for l in &lowered {
            let value = self.value(l, point);
            self.values.push(value);
        }
        self.lowered = lowered;
    }

    /// Every step lowered again (a step was replaced); `texts` in order.
    pub fn rebuild(&mut self, texts: &[(&str, &str)], point: &[(String, f64)]) -> Result<()> {
        *self = Known::default();
        let mut names: Vec<&str> = Vec::with_capacity(texts.len());
        for &(name, text) in texts {
            let lowered = self.lower(text, &names)?;
            self.push(lowered, point);
            names.push(name);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.lowered.len()
    }

    /// Forgets the steps from `len` on (a line that failed part-way).
    pub fn truncate(&mut self, len: usize) {
        self.lowered.truncate(len);
        self.values.truncate(len);
    }

    pub fn value_of(&self, step: usize) -> Option<f64> {
        self.values.get(step).copied().flatten()
    }

    pub fn variables_of(&self, step: usize) -> &[String] {
        self.lowered
            .get(step)
            .map_or(&[], |l| l.variables.as_slice())
    }

    /// A step's value from its inputs' values; not strict: a value that is
    /// not finite is shown as such (the table of an expression that uses it
    /// says why).
    fn value(&self, lowered: &Lowered, point: &[(String, f64)]) -> Option<f64> {
        let mut values = Vec::with_capacity(lowered.inputs.len());
        for (v, input) in lowered.graph.variables().iter().zip(&lowered.inputs) {
            values.push(match input {
                Some(step) => self.values.get(*step).copied().flatten()?,
                None => point.iter().find(|(n, _)| n == v)?.1,
            });
        }
        let e = lowered.graph.evaluate(&values, false).ok()?;
        Some(
            e.values
                .get(lowered.graph.output() as usize)
                .copied()
                .unwrap_or(f64::NAN),
        )
    }
}
