//! A layered ("Sugiyama") layout from left to right, or from top to bottom
//! ([`Direction`], `--layout`), for `--format svg`.
//!
//! 1. Layers: a node's layer is the longest path to it from a leaf, so every
//!    edge goes rightwards, the inputs sit in the first column and the output
//!    (the one node nothing uses) in the last. The nodes come in evaluation
//!    order (inputs before uses), so one loop over them is enough.
//! 2. An edge that skips layers gets a waypoint in each layer it crosses, so
//!    that the ordering below keeps it clear of the boxes there.
//! 3. Order within a layer: a few sweeps that sort each layer by the mean
//!    position of its neighbours in the layer before (then after); the
//!    order with the fewest crossings wins (counted with a Fenwick tree).
//!    Then two neighbours in a layer trade places wherever that removes
//!    crossings with the layers either side (a tie of means, as g6 and g7
//!    of the logistic loss, is left to this), until no trade helps.
//! 4. Heights: each item wants the mean height of its neighbours; an
//!    isotonic regression (pool adjacent violators) finds the nearest heights
//!    that keep the order and the spacing, a layer at a time.
//!
//! Top to bottom is the same layout made with each box's width and height
//! swapped, then transposed. Without `--layout`, [`choose`] draws both and
//! keeps the one nearer a page's shape when left to right is long and low.
//!
//! Every step is a loop over the items and edges (sorting a layer is its
//! only `log`), with no recursion, so a long chain or a wide layer costs
//! time in proportion to its size.

/// Space between columns (horizontal) and between boxes in a column.
const COLUMN_GAP: f64 = 56.0;
const BOX_GAP: f64 = 18.0;
/// Space between an edge's waypoint and its neighbours in a column.
const WAYPOINT_GAP: f64 = 8.0;
/// Edges that skip layers get waypoints while there are at most this many in
/// all; beyond, they are drawn straight (a graph that big is for the data,
/// not the picture) so that the layout stays linear.
const WAYPOINT_BUDGET: usize = 200_000;
const ORDER_SWEEPS: usize = 6;
/// Passes of neighbour trades at most (each one removes a crossing or ends).
const SWITCH_PASSES: usize = 8;
const HEIGHT_ROUNDS: usize = 4;

/// A laid-out graph: boxes by their top-left corners, and edges as the
/// points they pass through (first on the right side of the input's box,
/// last on the left side of the user's; top to bottom: the bottom side of
/// the input's, the top of the user's).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub boxes: Vec<(f64, f64)>,
    pub edges: Vec<Vec<(f64, f64)>>,
    pub width: f64,
    pub height: f64,
    pub direction: Direction,
}

/// Which way the layers run (`--layout lr|tb`): an option, defined with
/// the others.
pub use crate::options::Direction;

/// Left to right is kept while it is at most this many times as wide as it
/// is high; beyond, top to bottom is drawn too, and the one whose shape is
/// nearer `PAGE` (4:3) wins.
pub const LONG_AND_LOW: f64 = 3.0;
/// The shape pictures are read in: a page or a screen, 4:3.
const PAGE: f64 = 4.0 / 3.0;

/// The layout in `direction`, or without one the one nearer a page's shape
/// (left to right unless that is more than [`LONG_AND_LOW`] to 1).
pub fn choose(
    sizes: &[(f64, f64)],
    edges: &[(usize, usize)],
    margin: f64,
    direction: Option<Direction>,
) -> Layout {
    match direction {
        Some(Direction::Lr) => layered(sizes, edges, margin),
        Some(Direction::Tb) => top_down(sizes, edges, margin),
        None => {
            let lr = layered(sizes, edges, margin);
            if lr.width <= LONG_AND_LOW * lr.height {
                return lr;
            }
            let tb = top_down(sizes, edges, margin);
            let off = |l: &Layout| (l.width / l.height / PAGE).ln().abs();
            if off(&tb) < off(&lr) {
                tb
            } else {
                lr
            }
        }
    }
}

/// Layers from top to bottom: the left-to-right layout of the boxes turned
/// on their sides, transposed.
pub fn top_down(sizes: &[(f64, f64)], edges: &[(usize, usize)], margin: f64) -> Layout {
    let turned: Vec<(f64, f64)> = sizes.iter().map(|&(w, h)| (h, w)).collect();
    let l = layered(&turned, edges, margin);
    let swap = |&(x, y): &(f64, f64)| (y, x);
    Layout {
        boxes: l.boxes.iter().map(swap).collect(),
        edges: l
            .edges
            .iter()
            .map(|route| route.iter().map(swap).collect())
            .collect(),
        width: l.height,
        height: l.width,
        direction: Direction::Tb,
    }
}

/// Lays out `sizes.len()` boxes of the given (width, height) joined by
/// `edges` (input, user). Edges must go forwards (input < user), as in
/// evaluation order; one that does not is drawn but does not shape the
/// layers.
pub fn layered(sizes: &[(f64, f64)], edges: &[(usize, usize)], margin: f64) -> Layout {
    let n = sizes.len();
    let forward = |&(a, b): &(usize, usize)| a < b && b < n;

    // 1. Layers, in one pass over the edges sorted by user.
    let mut by_user: Vec<usize> = (0..edges.len()).filter(|&e| forward(&edges[e])).collect();
    by_user.sort_by_key(|&e| edges[e].1);
    let mut layer = vec![0usize; n];
    for &e in &by_user {
        let (a, b) = edges[e];
        layer[b] = layer[b].max(layer[a] + 1);
    }
    let layers = layer.iter().max().map_or(0, |&l| l + 1);

    // 2. Items: the boxes, then the waypoints; segments join items in
    // neighbouring layers (or any layers, without waypoints).
    let spans: usize = by_user
        .iter()
        .map(|&e| layer[edges[e].1] - layer[edges[e].0] - 1)
        .sum();
    let waypoints = spans <= WAYPOINT_BUDGET;
    let mut item_layer = layer.clone();
    let mut item_height: Vec<f64> = sizes.iter().map(|s| s.1).collect();
    let mut segments = Vec::with_capacity(edges.len() + if waypoints { spans } else { 0 });
    // For each edge, the items it passes through, from input to user.
    let mut paths: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    for &(a, b) in edges {
        let mut path = vec![a];
        if forward(&(a, b)) && waypoints {
            for l in layer[a] + 1..layer[b] {
                item_layer.push(l);
                item_height.push(0.0);
                path.push(item_layer.len() - 1);
            }
        }
        path.push(b);
        if a < n && b < n {
            segments.extend(path.windows(2).map(|w| (w[0], w[1])));
        }
        paths.push(path);
    }
    let items = item_layer.len();
    let (preds, succs) = adjacency(items, &segments);

    // 3. Order within layers.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (i, &l) in item_layer.iter().enumerate() {
        rows[l].push(i);
    }
    let mut pos = vec![0usize; items];
    renumber(&rows, &mut pos);
    let mut best = (crossings(&rows, &pos, &segments, &item_layer), rows.clone());
    for sweep in 0..ORDER_SWEEPS {
        let (range, neighbours): (Vec<usize>, _) = if sweep % 2 == 0 {
            ((1..layers).collect(), &preds)
        } else {
            ((0..layers.saturating_sub(1)).rev().collect(), &succs)
        };
        for l in range {
            let key: Vec<f64> = rows[l]
                .iter()
                .map(|&i| {
                    mean(neighbours.of(i).iter().map(|&j| pos[j] as f64)).unwrap_or(pos[i] as f64)
                })
                .collect();
            let mut order: Vec<usize> = (0..rows[l].len()).collect();
            order.sort_by(|&p, &q| key[p].total_cmp(&key[q]));
            rows[l] = order.iter().map(|&k| rows[l][k]).collect();
            for (k, &i) in rows[l].iter().enumerate() {
                pos[i] = k;
            }
        }
        let c = crossings(&rows, &pos, &segments, &item_layer);
        if c < best.0 {
            best = (c, rows.clone());
        }
    }
    let mut rows = best.1;
    renumber(&rows, &mut pos);
    switch_neighbours(&mut rows, &mut pos, &preds, &succs);

    // 4. Heights (centres), first packed, then pulled towards neighbours.
    let mut y = vec![0.0f64; items];
    for row in &rows {
        let offsets = offsets(row, &item_height);
        let half = offsets.last().copied().unwrap_or(0.0) / 2.0;
        for (&i, o) in row.iter().zip(offsets) {
            y[i] = o - half;
        }
    }
    for round in 0..=2 * HEIGHT_ROUNDS {
        let last = round == 2 * HEIGHT_ROUNDS;
        let ls: Vec<usize> = if round % 2 == 0 {
            (0..layers).collect()
        } else {
            (0..layers).rev().collect()
        };
        for l in ls {
            let row = &rows[l];
            let wanted: Vec<f64> = row
                .iter()
                .map(|&i| {
                    let near: &[usize] = if last {
                        &[]
                    } else if round % 2 == 0 {
                        preds.of(i)
                    } else {
                        succs.of(i)
                    };
                    let both = preds.of(i).iter().chain(succs.of(i));
                    let m = if last {
                        mean(both.map(|&j| y[j]))
                    } else {
                        mean(near.iter().map(|&j| y[j]))
                    };
                    m.unwrap_or(y[i])
                })
                .collect();
            let placed = nearest_spaced(&wanted, &offsets(row, &item_height));
            for (&i, v) in row.iter().zip(placed) {
                y[i] = v;
            }
        }
    }

    // Columns: each as wide as its widest box; boxes aligned on its left,
    // so that their text starts in one line.
    let mut column_width = vec![0.0f64; layers];
    for (i, s) in sizes.iter().enumerate() {
        column_width[layer[i]] = column_width[layer[i]].max(s.0);
    }
    let mut column_x = Vec::with_capacity(layers);
    let mut x = margin;
    for w in &column_width {
        column_x.push(x);
        x += w + COLUMN_GAP;
    }
    let width = if layers == 0 {
        2.0 * margin
    } else {
        x - COLUMN_GAP + margin
    };
    let top = (0..items)
        .map(|i| y[i] - item_height[i] / 2.0)
        .fold(f64::INFINITY, f64::min);
    let bottom = (0..items)
        .map(|i| y[i] + item_height[i] / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = if top.is_finite() {
        margin - top
    } else {
        margin
    };
    let height = if bottom.is_finite() {
        bottom - top + 2.0 * margin
    } else {
        2.0 * margin
    };
    for v in &mut y {
        *v += shift;
    }

    let boxes: Vec<(f64, f64)> = (0..n)
        .map(|i| (column_x[layer[i]], y[i] - sizes[i].1 / 2.0))
        .collect();
    let mut routes: Vec<Vec<(f64, f64)>> = paths
        .iter()
        .map(|path| {
            let mut points = Vec::with_capacity(2 * path.len());
            if let (Some(&a), Some(&b)) = (path.first(), path.last()) {
                if a < n && b < n {
                    // Out along its own row to the column's edge, so that
                    // the curve to the next column passes no wider box.
                    points.push((boxes[a].0 + sizes[a].0, y[a]));
                    let edge = column_x[layer[a]] + column_width[layer[a]];
                    if edge > boxes[a].0 + sizes[a].0 {
                        points.push((edge, y[a]));
                    }
                    for &w in &path[1..path.len() - 1] {
                        let l = item_layer[w];
                        points.push((column_x[l], y[w]));
                        points.push((column_x[l] + column_width[l], y[w]));
                    }
                    points.push((boxes[b].0, y[b]));
                }
            }
            points
        })
        .collect();
    spread_ports(&mut routes, edges, &boxes, sizes);
    Layout {
        boxes,
        edges: routes,
        width,
        height,
        direction: Direction::Lr,
    }
}

/// Where several edges enter one box, their ends are spread along its left
/// side, in the order of where they come from, so they do not cross there.
fn spread_ports(
    routes: &mut [Vec<(f64, f64)>],
    edges: &[(usize, usize)],
    boxes: &[(f64, f64)],
    sizes: &[(f64, f64)],
) {
    let n = boxes.len();
    let mut into: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, &(_, b)) in edges.iter().enumerate() {
        if b < n && routes[e].len() >= 2 {
            into[b].push(e);
        }
    }
    for (b, list) in into.iter_mut().enumerate() {
        if list.len() < 2 {
            continue;
        }
        let before = |e: usize| routes[e][routes[e].len() - 2].1;
        list.sort_by(|&p, &q| before(p).total_cmp(&before(q)));
        let k = list.len() as f64;
        let step = (sizes[b].1 * 0.7 / (k - 1.0)).min(12.0);
        let centre = boxes[b].1 + sizes[b].1 / 2.0;
        for (i, &e) in list.iter().enumerate() {
            if let Some(end) = routes[e].last_mut() {
                end.1 = centre + (i as f64 - (k - 1.0) / 2.0) * step;
            }
        }
    }
}

/// The crossings between the segments of `u` and those of `v` to the
/// items `nb` gives, with `u` above `v`.
fn pair_crossings(u: usize, v: usize, nb: &Adjacency, pos: &[usize]) -> usize {
    let mut c = 0;
    for &p in nb.of(u) {
        c += nb.of(v).iter().filter(|&&q| pos[p] > pos[q]).count();
    }
    c
}

/// Trades neighbours in a layer where the trade removes crossings (the
/// "greedy switch"): deterministic, and it never adds one, since a trade
/// changes only the crossings between the two items' own segments.
fn switch_neighbours(
    rows: &mut [Vec<usize>],
    pos: &mut [usize],
    preds: &Adjacency,
    succs: &Adjacency,
) {
    let cost = |u: usize, v: usize, pos: &[usize]| {
        pair_crossings(u, v, preds, pos) + pair_crossings(u, v, succs, pos)
    };
    for _ in 0..SWITCH_PASSES {
        let mut traded = false;
        for row in rows.iter_mut() {
            for k in 1..row.len() {
                let (u, v) = (row[k - 1], row[k]);
                if cost(v, u, pos) < cost(u, v, pos) {
                    row.swap(k - 1, k);
                    pos[u] = k;
                    pos[v] = k - 1;
                    traded = true;
                }
            }
        }
        if !traded {
            break;
        }
    }
}

/// The distance of each item's centre from the first's, packed tight.
fn offsets(row: &[usize], height: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(row.len());
    let mut at = 0.0;
    for (k, &i) in row.iter().enumerate() {
        if k > 0 {
            let prev = row[k - 1];
            let gap = if height[prev] > 0.0 && height[i] > 0.0 {
                BOX_GAP
            } else {
                WAYPOINT_GAP
            };
            at += height[prev] / 2.0 + height[i] / 2.0 + gap;
        }
        out.push(at);
    }
    out
}

/// The heights nearest to `wanted` (least squares) that keep the order and
/// at least the packed spacing: with z = wanted − offset, a non-decreasing
/// fit of z (pool adjacent violators) plus the offset.
fn nearest_spaced(wanted: &[f64], offsets: &[f64]) -> Vec<f64> {
    // Blocks of pooled values: (mean, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(wanted.len());
    for (w, o) in wanted.iter().zip(offsets) {
        let mut block = (w - o, 1usize);
        while let Some(&(m, c)) = blocks.last() {
            if m <= block.0 {
                break;
            }
            blocks.pop();
            let total = c + block.1;
            block = (
                (m * c as f64 + block.0 * block.1 as f64) / total as f64,
                total,
            );
        }
        blocks.push(block);
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (m, c) in blocks {
        for _ in 0..c {
            out.push(m + offsets[out.len()]);
        }
    }
    out
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

fn renumber(rows: &[Vec<usize>], pos: &mut [usize]) {
    for row in rows {
        for (k, &i) in row.iter().enumerate() {
            pos[i] = k;
        }
    }
}

/// Neighbour lists in one flat array (compressed rows).
struct Adjacency {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Adjacency {
    fn of(&self, i: usize) -> &[usize] {
        &self.list[self.start[i]..self.start[i + 1]]
    }

    fn build(items: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Self {
        let mut start = vec![0usize; items + 1];
        for (a, _) in pairs.clone() {
            start[a + 1] += 1;
        }
        for i in 0..items {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0usize; start[items]];
        for (a, b) in pairs {
            list[fill[a]] = b;
            fill[a] += 1;
        }
        Adjacency { start, list }
    }
}

/// Each item's predecessors and successors along the segments.
fn adjacency(items: usize, segments: &[(usize, usize)]) -> (Adjacency, Adjacency) {
    let preds = Adjacency::build(items, segments.iter().map(|&(a, b)| (b, a)));
    let succs = Adjacency::build(items, segments.iter().copied());
    (preds, succs)
}

/// Crossings between neighbouring layers: the segments between two layers
/// sorted by their left end, then counting the inversions of their right
/// ends with a Fenwick tree. Segments that skip layers are not counted.
fn crossings(
    rows: &[Vec<usize>],
    pos: &[usize],
    segments: &[(usize, usize)],
    layer: &[usize],
) -> u64 {
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); rows.len()];
    for &(a, b) in segments {
        if layer[b] == layer[a] + 1 {
            by_layer[layer[a]].push((pos[a], pos[b]));
        }
    }
    let mut total = 0u64;
    for (l, mut list) in by_layer.into_iter().enumerate() {
        if list.len() < 2 {
            continue;
        }
        list.sort_unstable();
        let size = rows.get(l + 1).map_or(0, Vec::len);
        let mut tree = vec![0u64; size + 1];
        for (seen, &(_, b)) in list.iter().enumerate() {
            // How many earlier segments end strictly below b.
            let mut at_most = 0;
            let mut i = b + 1;
            while i > 0 {
                at_most += tree[i];
                i &= i - 1;
            }
            total += seen as u64 - at_most;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(n: usize) -> Vec<(f64, f64)> {
        vec![(60.0, 40.0); n]
    }

    /// No two boxes overlap, and each lies inside the canvas.
    #[track_caller]
    fn check_boxes(layout: &Layout, sizes: &[(f64, f64)]) {
        for (i, (&(x, y), &(w, h))) in layout.boxes.iter().zip(sizes).enumerate() {
            assert!(x >= 0.0 && y >= 0.0, "box {i} at {x},{y}");
            assert!(
                x + w <= layout.width + 1e-9 && y + h <= layout.height + 1e-9,
                "box {i}"
            );
            for (j, (&(x2, y2), &(w2, h2))) in
                layout.boxes.iter().zip(sizes).enumerate().skip(i + 1)
            {
                let apart = x + w <= x2 || x2 + w2 <= x || y + h <= y2 || y2 + h2 <= y;
                assert!(apart, "boxes {i} and {j} overlap: {:?}", layout.boxes);
            }
        }
    }

    #[test]
    fn layers_are_longest_paths_from_the_leaves() {
        // The lecture: x y z, g1=2x, g2=y², g3=z³, g4=g1+g2, f=g4·g3.
        let sizes = boxes(8);
        let edges = [(0, 3), (1, 4), (2, 5), (3, 6), (4, 6), (6, 7), (5, 7)];
        let l = layered(&sizes, &edges, 10.0);
        check_boxes(&l, &sizes);
        let column = |i: usize| l.boxes[i].0;
        for (a, b) in [(0, 1), (1, 2), (3, 4), (4, 5)] {
            assert_eq!(column(a), column(b), "{a} and {b} share a column");
        }
        for (a, b) in [(0, 3), (3, 6), (6, 7)] {
            assert!(column(a) < column(b), "{a} left of {b}");
        }
        // g3 = z³ uses only z, so it is in the second column, not the third.
        assert_eq!(column(5), column(3));
        // Every edge runs from the right of its input to the left of its user.
        for (route, &(a, b)) in l.edges.iter().zip(&edges) {
            assert_eq!(route.first().map(|p| p.0), Some(l.boxes[a].0 + 60.0));
            assert_eq!(route.last().map(|p| p.0), Some(l.boxes[b].0));
        }
        // z → g3 → f skips g4's layer: a waypoint in it.
        assert_eq!(l.edges[6].len(), 4, "{:?}", l.edges[6]);
    }

    #[test]
    fn ordering_removes_a_crossing() {
        // a→d, b→c laid out in the order written crosses once; sorted, never.
        let sizes = boxes(4);
        let edges = [(0, 3), (1, 2)];
        let l = layered(&sizes, &edges, 0.0);
        check_boxes(&l, &sizes);
        let above = |i: usize, j: usize| l.boxes[i].1 < l.boxes[j].1;
        assert_eq!(above(0, 1), above(3, 2), "{:?}", l.boxes);
    }

    #[test]
    fn neighbours_trade_places_where_that_removes_crossings() {
        // a→d and b→c cross; trading a and b removes it (the first layer
        // is tried first), and a second trade would bring it back.
        let mut rows = vec![vec![0, 1], vec![2, 3]];
        let mut pos = vec![0, 1, 0, 1];
        let segments = [(0, 3), (1, 2)];
        let layer = [0, 0, 1, 1];
        let (preds, succs) = adjacency(4, &segments);
        assert_eq!(crossings(&rows, &pos, &segments, &layer), 1);
        switch_neighbours(&mut rows, &mut pos, &preds, &succs);
        assert_eq!(crossings(&rows, &pos, &segments, &layer), 0);
        assert_eq!(rows, [vec![1, 0], vec![2, 3]]);
    }

    #[test]
    fn single_box_and_empty() {
        let l = layered(&[(30.0, 20.0)], &[], 5.0);
        assert_eq!(l.boxes, [(5.0, 5.0)]);
        assert_eq!((l.width, l.height), (40.0, 30.0));
        let l = layered(&[], &[], 5.0);
        assert!(l.boxes.is_empty() && l.width >= 0.0 && l.height >= 0.0);
    }

    #[test]
    fn nearest_spaced_keeps_order_and_spacing() {
        let cases: [(&[f64], &[f64], &[f64]); 4] = [
            (&[0.0, 100.0], &[0.0, 10.0], &[0.0, 100.0]),
            (&[5.0, 5.0], &[0.0, 10.0], &[0.0, 10.0]),
            (&[10.0, 0.0, 20.0], &[0.0, 10.0, 20.0], &[0.0, 10.0, 20.0]),
            (&[0.0, 0.0, 0.0], &[0.0, 10.0, 20.0], &[-10.0, 0.0, 10.0]),
        ];
        for (wanted, offsets, expected) in cases {
            assert_eq!(nearest_spaced(wanted, offsets), expected, "{wanted:?}");
        }
    }

    #[test]
    fn crossings_are_counted() {
        // Two layers of two; a→d and b→c cross once.
        let rows = vec![vec![0, 1], vec![2, 3]];
        let layer = [0, 0, 1, 1];
        let pos = [0, 1, 0, 1];
        assert_eq!(crossings(&rows, &pos, &[(0, 3), (1, 2)], &layer), 1);
        assert_eq!(crossings(&rows, &pos, &[(0, 2), (1, 3)], &layer), 0);
        assert_eq!(crossings(&rows, &pos, &[(0, 3), (0, 2), (1, 2)], &layer), 1);
    }

    #[test]
    fn wide_and_deep_graphs_stay_apart() {
        // A chain of 300 with one input used by every link (long edges),
        // and a layer of 300 leaves summed pairwise.
        let mut edges = Vec::new();
        for i in 1..300 {
            edges.push((i - 1, i));
            edges.push((0, i));
        }
        let sizes = boxes(300);
        check_boxes(&layered(&sizes, &edges, 4.0), &sizes);
        let mut edges = Vec::new();
        let mut next = 300;
        let mut level: Vec<usize> = (0..300).collect();
        while level.len() > 1 {
            let mut up = Vec::new();
            for pair in level.chunks(2) {
                for &p in pair {
                    edges.push((p, next));
                }
                up.push(next);
                next += 1;
            }
            level = up;
        }
        let sizes = boxes(next);
        check_boxes(&layered(&sizes, &edges, 4.0), &sizes);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Box sizes and edges.
    type Drawing = (Vec<(f64, f64)>, Vec<(usize, usize)>);

    /// Random graphs in evaluation order: each node's inputs come before it.
    fn graphs() -> impl Strategy<Value = Drawing> {
        (1usize..60).prop_flat_map(|n| {
            let sizes = proptest::collection::vec((20.0f64..220.0, 30.0f64..90.0), n);
            let edges =
                proptest::collection::vec((0usize..n, 0usize..n), 0..3 * n).prop_map(|pairs| {
                    pairs
                        .into_iter()
                        .filter(|(a, b)| a != b)
                        .map(|(a, b)| (a.min(b), a.max(b)))
                        .collect::<Vec<_>>()
                });
            (sizes, edges)
        })
    }

    proptest! {
        #[test]
        fn boxes_never_overlap_and_edges_run_rightwards((sizes, edges) in graphs()) {
            let l = layered(&sizes, &edges, 8.0);
            for (i, (&(x, y), &(w, h))) in l.boxes.iter().zip(&sizes).enumerate() {
                prop_assert!(x >= 8.0 - 1e-9 && y >= 8.0 - 1e-9);
                prop_assert!(x + w <= l.width + 1e-9 && y + h <= l.height + 1e-9);
                for (&(x2, y2), &(w2, h2)) in l.boxes.iter().zip(&sizes).skip(i + 1) {
                    prop_assert!(x + w <= x2 || x2 + w2 <= x || y + h <= y2 || y2 + h2 <= y);
                }
            }
            for (route, &(a, b)) in l.edges.iter().zip(&edges) {
                prop_assert_eq!(route.first().map(|p| p.0), Some(l.boxes[a].0 + sizes[a].0));
                prop_assert_eq!(route.last().map(|p| p.0), Some(l.boxes[b].0));
                let end = route.last().map_or(0.0, |p| p.1);
                prop_assert!(end >= l.boxes[b].1 && end <= l.boxes[b].1 + sizes[b].1);
                for pair in route.windows(2) {
                    prop_assert!(pair[0].0 <= pair[1].0, "{:?}", route);
                }
            }
        }
    }
}
