//! The session's steps, each lowered once when it is typed: its own small
//! graph (earlier steps are its leaves), the variables it needs, and its
//! value at the point. A new step costs the size of its line, not of the
//! program, so 1,000 chained steps take as long as 1,000 short lines.

use crate::error::Result;
use crate::graph::Graph;
use rustc_hash::FxHashMap;

/// One step's graph and what it depends on.
#[derive(Debug, Clone)]
pub(super) struct Lowered {
    graph: Graph,
    /// For each of the graph's variables: the earlier step it names and
    /// the element (0 for a number), or `None` for a variable of the
    /// program.
    inputs: Vec<Option<(usize, usize)>>,
    /// The program's variables this step needs, through earlier steps too,
    /// in order of first appearance.
    pub variables: Vec<String>,
    /// A vector or matrix step (SPEC §9): its shape.
    pub shape: Option<Vec<usize>>,
    /// The nodes holding the step's value: its elements, row-major, or the
    /// one node of a number.
    value_nodes: Vec<crate::graph::NodeId>,
}

/// The lowered steps and their values at the point.
#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    lowered: Vec<Lowered>,
    /// Each step's value (one number, or a tensor's elements), `None`
    /// while a variable it needs has none.
    values: Vec<Option<Vec<f64>>>,
}

impl Known {
    /// The step `name = text` (after the steps known so far, whose names
    /// are `names`) lowered with the tensor variables' `shapes`; errors
    /// point into `text`.
    pub fn lower(
        &self,
        name: &str,
        text: &str,
        names: &[&str],
        shapes: &FxHashMap<String, Vec<usize>>,
    ) -> Result<Lowered> {
        // Earlier tensor steps are tensor variables of this step's graph.
        let mut shapes = shapes.clone();
        for (l, n) in self.lowered.iter().zip(names) {
            if let Some(shape) = &l.shape {
                shapes.insert(n.to_string(), shape.clone());
            }
        }
        let graph = Graph::lower_values(crate::parse::parse_program(text)?, Some(name), &shapes)?;
        let (shape, value_nodes) = match graph.output_group() {
            Some(group) => (Some(group.shape.clone()), group.nodes.clone()),
            None => (None, vec![graph.output()]),
        };
        let mut variables: Vec<String> = Vec::new();
        let mut inputs = Vec::with_capacity(graph.variables().len());
        for v in graph.variables() {
            let (base, element) = match crate::symbolic::element_of(v, &shapes) {
                Some((base, k)) => (base, k),
                None => (v.as_str(), 0),
            };
            let step = names.iter().position(|n| *n == base).map(|i| (i, element));
            let needed = match step {
                Some((i, _)) => self.lowered[i].variables.as_slice(),
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
            shape,
            value_nodes,
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

    /// Every step lowered again (a step was replaced, or a tensor
    /// variable's shape changed).
    pub fn rebuild(
        &mut self,
        steps: &[super::Step],
        point: &[(String, f64)],
        shapes: &FxHashMap<String, Vec<usize>>,
    ) -> Result<()> {
        *self = Known::default();
        let mut names: Vec<&str> = Vec::with_capacity(steps.len());
        for step in steps {
            let lowered = self.lower(&step.name, &step.text, &names, shapes)?;
            self.push(lowered, point);
            names.push(&step.name);
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

    /// A step's value: one number, or a tensor's elements row-major.
    pub fn value_of(&self, step: usize) -> Option<&[f64]> {
        self.values.get(step)?.as_deref()
    }

    /// A tensor step's shape.
    pub fn shape_of(&self, step: usize) -> Option<&[usize]> {
        self.lowered.get(step)?.shape.as_deref()
    }

    pub fn variables_of(&self, step: usize) -> &[String] {
        self.lowered
            .get(step)
            .map_or(&[], |l| l.variables.as_slice())
    }

    /// A step's value from its inputs' values; not strict: a value that is
    /// not finite is shown as such (the table of an expression that uses it
    /// says why).
    fn value(&self, lowered: &Lowered, point: &[(String, f64)]) -> Option<Vec<f64>> {
        let mut values = Vec::with_capacity(lowered.inputs.len());
        for (v, input) in lowered.graph.variables().iter().zip(&lowered.inputs) {
            values.push(match input {
                Some((step, k)) => *self.values.get(*step)?.as_ref()?.get(*k)?,
                None => point.iter().find(|(n, _)| n == v)?.1,
            });
        }
        let e = lowered.graph.evaluate(&values, false).ok()?;
        Some(
            lowered
                .value_nodes
                .iter()
                .map(|&n| e.values.get(n as usize).copied().unwrap_or(f64::NAN))
                .collect(),
        )
    }
}
