//! A training run's data: the rows in memory or streamed from the file,
//! the shuffle (PyTorch's generator is not needed: SplitMix64, seeded),
//! and which columns are parameters and which are data.

use crate::error::Result;
use crate::graph::Graph;

use crate::points::Points;

use std::io::{self, BufRead, Read};

/// Where the starting values and the data come from.
pub struct Data {
    /// `--at` texts: the parameters' starting values and, without a
    /// dataset, the one example.
    pub at: Vec<String>,
    /// `--points FILE` (`-` for stdin): the dataset.
    pub points: Option<String>,
    /// Stdin's header line, when it was read ahead for the shapes of its
    /// columns (`x[0],x[1]`): read again in front of the rest.
    pub stdin_header: Option<Vec<u8>>,
}

/// A SplitMix64 generator (Steele, Lea and Flood 2014): the shuffle's
/// source, small enough that the test generator reimplements it.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Shuffles `order` in place (Fisher–Yates from the end: position i
    /// swaps with `next % (i + 1)`; the modulo's bias is below n/2⁶⁴).
    pub fn shuffle(&mut self, order: &mut [u32]) {
        for i in (1..order.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
    }
}

/// The rows of a dataset: in memory (row-major, the data variables only),
/// or read again from the file each epoch.
pub(super) enum Rows {
    Memory {
        values: Vec<f64>,
        /// Each row's line in the file, for messages.
        lines: Vec<u64>,
    },
    Stream,
}

/// What the training loop needs to know about the graph's variables.
pub(super) struct Layout {
    /// For each variable: `Ok(i)` the i-th parameter, `Err(j)` the j-th data column.
    pub(super) slots: Vec<std::result::Result<usize, usize>>,
    /// The parameters' variable indices.
    pub(super) params: Vec<usize>,
    /// The data variables' indices, in the order of a data row.
    pub(super) data: Vec<usize>,
}

impl Layout {
    /// Fills `matrix` with full points (every variable) from data rows.
    pub(super) fn points(&self, params: &[f64], rows: &[f64], n: usize, matrix: &mut Vec<f64>) {
        let width = self.data.len();
        let full = self.slots.len();
        // Sized once and written in place: no capacity check a value.
        matrix.clear();
        matrix.resize(n * full, 0.0);
        for (r, point) in matrix.chunks_exact_mut(full.max(1)).enumerate() {
            let row = &rows[r * width..(r + 1) * width];
            for (m, slot) in point.iter_mut().zip(&self.slots) {
                *m = match *slot {
                    Ok(p) => params[p],
                    Err(c) => row[c],
                };
            }
        }
    }
}

/// A CSV file of data rows, opened for one pass.
pub(super) fn open_points<'p>(
    path: &str,
    graph: &Graph,
    layout: &Layout,
    stdin_header: &mut Option<Vec<u8>>,
) -> Result<Points<Box<dyn BufRead + 'p>>> {
    let reader: Box<dyn BufRead> = match path {
        "-" => Box::new(
            io::Cursor::new(stdin_header.take().unwrap_or_default())
                .chain(io::BufReader::with_capacity(1 << 16, io::stdin())),
        ),
        _ => Box::new(io::BufReader::with_capacity(
            1 << 16,
            crate::input::open(path)?,
        )),
    };
    let origin = if path == "-" { "stdin" } else { path };
    Points::for_variables(reader, graph.variables(), &layout.data, origin)
}
