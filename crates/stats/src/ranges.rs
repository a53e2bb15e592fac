//! What an attacker can say of a hidden figure knowing only that counts are whole and not
//! negative: the range of values it can take among all tables that publish the same figures.
//!
//! A table with its margins is a circulation. Take a node for every line — the rows 0..=r (the
//! last the column totals' row) and the columns 0..=c (the last the row totals' column) — and an
//! edge for every figure at (i, j) from row i to column j, turned round for the margins: an inner
//! cell and the grand total flow row → column; a row total and a column total flow column → row.
//! Then every line's equation says that what flows into its node flows out, and a table of
//! counts is a circulation of non-negative flows. Published figures are fixed flows; the hidden
//! ones are edges of unbounded capacity. With the true table as one feasible flow `x`, a hidden
//! figure on the edge a → b can rise by as much as can flow back from b to a in the residual
//! graph without it, and fall by as much as can flow from a to b (at most `x`). The constraint
//! matrix is the incidence matrix of a graph, totally unimodular, so the bounds of the relaxation
//! are whole numbers: these ranges are exact.

/// Whether figure (i, j) of a grid with margins (`rows`, `cols` counting the margins) flows from
/// its row's node to its column's node.
fn row_to_column(i: usize, j: usize, rows: usize, cols: usize) -> bool {
    (i + 1 < rows) == (j + 1 < cols)
}

/// The hidden figures of a grid with margins as a flow network.
pub(crate) struct Network {
    nodes: usize,
    /// (from, to, flow, grid position) of every hidden figure.
    edges: Vec<(usize, usize, u64, (usize, usize))>,
    /// For every node, the residual arcs leaving it: (edge, forward). Edge k a → b gives a → b
    /// forward (more of it: no bound) and b → a backward (less of it: down to 0).
    out: Vec<Vec<(usize, bool)>>,
}

impl Network {
    /// `g` is the true grid with margins; `hidden(i, j)` says which figures are hidden.
    pub(crate) fn new(g: &[Vec<u64>], hidden: impl Fn(usize, usize) -> bool) -> Self {
        let rows = g.len();
        let cols = g.first().map_or(0, Vec::len);
        let mut edges = Vec::new();
        let mut out = vec![Vec::new(); rows + cols];
        for (i, line) in g.iter().enumerate() {
            for (j, &x) in line.iter().enumerate() {
                if hidden(i, j) {
                    let (row, col) = (i, rows + j);
                    let (a, b) = if row_to_column(i, j, rows, cols) { (row, col) } else { (col, row) };
                    out[a].push((edges.len(), true));
                    out[b].push((edges.len(), false));
                    edges.push((a, b, x, (i, j)));
                }
            }
        }
        Self { nodes: rows + cols, edges, out }
    }

    /// The hidden figures, by grid position, with their range: the least value each can take and
    /// the greatest, up to `limit` (`limit` meaning that or more).
    #[cfg(test)]
    pub(crate) fn ranges(&self, limit: u64) -> Vec<((usize, usize), u64, u64)> {
        (0..self.edges.len())
            .map(|e| {
                let (a, b, x, at) = self.edges[e];
                let down = self.max_flow(a, b, e, x);
                let up = self.max_flow(b, a, e, limit.saturating_sub(x));
                (at, x - down, (x + up).min(limit))
            })
            .collect()
    }

    /// A hidden figure the published ones pin between 1 and `threshold - 1`, if any: one that
    /// can be neither 0 nor `threshold`. Only a figure from 1 to `threshold - 1` can be; for
    /// each, whether it can fall to 0 is asked first.
    pub(crate) fn pinned(&self, threshold: u64) -> Option<(usize, usize)> {
        (0..self.edges.len()).find_map(|e| {
            let (a, b, x, at) = self.edges[e];
            let small = x >= 1 && x < threshold;
            (small && self.max_flow(a, b, e, x) < x && self.max_flow(b, a, e, threshold - x) < threshold - x).then_some(at)
        })
    }

    /// The most that can flow from `s` to `t` in the residual graph without edge `skip`, up to
    /// `limit` (Edmonds–Karp; stops once `limit` is reached).
    fn max_flow(&self, s: usize, t: usize, skip: usize, limit: u64) -> u64 {
        if limit == 0 {
            return 0;
        }
        // What each edge carries more than in the true table (negative: less).
        let mut delta = vec![0i128; self.edges.len()];
        let mut via: Vec<Option<(usize, bool)>> = vec![None; self.nodes];
        let mut queue = std::collections::VecDeque::new();
        let mut flow = 0u64;
        while flow < limit {
            via.iter_mut().for_each(|v| *v = None);
            let mut seen = vec![false; self.nodes];
            seen[s] = true;
            queue.clear();
            queue.push_back(s);
            while let Some(n) = queue.pop_front() {
                if n == t {
                    break;
                }
                for &(k, forward) in &self.out[n] {
                    let (a, b, x, _) = self.edges[k];
                    let (m, open) = if forward { (b, true) } else { (a, i128::from(x) + delta[k] > 0) };
                    if k != skip && open && !seen[m] {
                        seen[m] = true;
                        via[m] = Some((k, forward));
                        queue.push_back(m);
                    }
                }
            }
            if !seen[t] {
                break;
            }
            // The most the path can carry: the least of what its backward arcs can give back.
            let mut push = i128::from(limit - flow);
            let mut n = t;
            while let Some((k, forward)) = via[n] {
                let (a, b, x, _) = self.edges[k];
                if !forward {
                    push = push.min(i128::from(x) + delta[k]);
                }
                n = if forward { a } else { b };
            }
            let mut n = t;
            while let Some((k, forward)) = via[n] {
                let (a, b, _, _) = self.edges[k];
                delta[k] += if forward { push } else { -push };
                n = if forward { a } else { b };
            }
            flow += u64::try_from(push).unwrap_or(0);
        }
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grid(cells: &[Vec<u64>]) -> Vec<Vec<u64>> {
        let (r, c) = (cells.len(), cells[0].len());
        let mut g = vec![vec![0u64; c + 1]; r + 1];
        for i in 0..r {
            for j in 0..c {
                let v = cells[i][j];
                g[i][j] = v;
                g[i][c] += v;
                g[r][j] += v;
                g[r][c] += v;
            }
        }
        g
    }

    /// Every filling of the hidden inner cells with whole, non-negative numbers that publishes the
    /// same figures; the least and greatest value of each hidden figure over them.
    fn brute_force(g: &[Vec<u64>], hidden: &[Vec<bool>]) -> Vec<((usize, usize), u64, u64)> {
        let (rows, cols) = (g.len(), g[0].len());
        let (r, c) = (rows - 1, cols - 1);
        // Figure (i, j) as its inner cells.
        let inner = |i: usize, j: usize| -> Vec<(usize, usize)> {
            let is = if i == r { (0..r).collect::<Vec<_>>() } else { vec![i] };
            let js = if j == c { (0..c).collect::<Vec<_>>() } else { vec![j] };
            is.iter().flat_map(|&a| js.iter().map(move |&b| (a, b))).collect()
        };
        let unknown: Vec<(usize, usize)> = (0..r).flat_map(|i| (0..c).map(move |j| (i, j))).filter(|&(i, j)| hidden[i][j]).collect();
        let published: Vec<(Vec<(usize, usize)>, u64)> = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .filter(|&(i, j)| !hidden[i][j])
            .map(|(i, j)| (inner(i, j), g[i][j]))
            .collect();
        let bound = g[r][c];
        let mut x: Vec<Vec<u64>> = g.to_vec();
        for &(i, j) in &unknown {
            x[i][j] = 0;
        }
        let mut out: Vec<((usize, usize), u64, u64)> =
            (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j))).filter(|&(i, j)| hidden[i][j]).map(|at| (at, u64::MAX, 0)).collect();
        fn go(
            d: usize,
            unknown: &[(usize, usize)],
            bound: u64,
            x: &mut Vec<Vec<u64>>,
            published: &[(Vec<(usize, usize)>, u64)],
            inner: &dyn Fn(usize, usize) -> Vec<(usize, usize)>,
            out: &mut Vec<((usize, usize), u64, u64)>,
        ) {
            let set = |k: &(usize, usize)| !unknown.contains(k) || unknown[..d].contains(k);
            for (cells, v) in published {
                let s: u64 = cells.iter().filter(|k| set(k)).map(|&(i, j)| x[i][j]).sum();
                if s > *v || (cells.iter().all(set) && s != *v) {
                    return;
                }
            }
            if d == unknown.len() {
                for (at, lo, hi) in out.iter_mut() {
                    let s: u64 = inner(at.0, at.1).iter().map(|&(i, j)| x[i][j]).sum();
                    *lo = (*lo).min(s);
                    *hi = (*hi).max(s);
                }
                return;
            }
            let (i, j) = unknown[d];
            for v in 0..=bound {
                x[i][j] = v;
                go(d + 1, unknown, bound, x, published, inner, out);
            }
            x[i][j] = 0;
        }
        go(0, &unknown, bound, &mut x, &published, &inner, &mut out);
        out
    }

    #[test]
    fn a_figure_pinned_by_the_published_ones() {
        // Published: row 1's total 31 and its middle 0; column 2's total 32; the grand total 59.
        // Row 1 and column 2 then say the corner (0, 2) is one more than (1, 0), and the grand
        // total that (0, 0), (0, 2) and (2, 1) are 6 together: the corner is 1 to 6.
        let g = grid(&[vec![1, 22, 2], vec![1, 0, 30], vec![0, 3, 0]]);
        let shown = [(0, 1), (1, 1), (1, 3), (2, 0), (2, 2), (3, 2), (3, 3)];
        let net = Network::new(&g, |i, j| !shown.contains(&(i, j)));
        let ranges = net.ranges(11);
        assert!(ranges.contains(&((0, 2), 1, 6)), "{ranges:?}");
        assert!(ranges.contains(&((1, 0), 0, 5)), "{ranges:?}");
        // Hiding the middle 0 as well changes nothing (row 1 and column 2 still say the corner is
        // 1 more than row 1's two others); hiding column 2's total frees it to be 0.
        let net = Network::new(&g, |i, j| !shown.contains(&(i, j)) || (i, j) == (1, 1));
        let corner = net.ranges(11).into_iter().find(|r| r.0 == (0, 2));
        assert_eq!(corner, Some(((0, 2), 1, 6)));
        let net = Network::new(&g, |i, j| !shown.contains(&(i, j)) || (i, j) == (3, 2));
        let corner = net.ranges(11).into_iter().find(|r| r.0 == (0, 2));
        assert_eq!(corner, Some(((0, 2), 0, 6)));
    }

    #[test]
    fn nothing_published_nothing_pinned() {
        let g = grid(&[vec![3, 1], vec![0, 2]]);
        let all = Network::new(&g, |_, _| true).ranges(50);
        assert_eq!(all.len(), 9);
        assert!(all.iter().all(|&(_, lo, hi)| lo == 0 && hi == 50), "{all:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The ranges from the flows are those of every whole, non-negative table that publishes
        /// the same figures (the grand total published, so there are finitely many).
        #[test]
        fn ranges_are_those_of_every_table_publishing_the_same(
            cells in (1usize..3, 2usize..4).prop_flat_map(|(r, c)| proptest::collection::vec(proptest::collection::vec(0u64..4, c), r)),
            mask in proptest::collection::vec(any::<bool>(), 16),
        ) {
            let g = grid(&cells);
            let (rows, cols) = (g.len(), g[0].len());
            let hidden: Vec<Vec<bool>> = (0..rows)
                .map(|i| (0..cols).map(|j| (i, j) != (rows - 1, cols - 1) && mask[i * cols + j]).collect())
                .collect();
            let limit = g[rows - 1][cols - 1] + 1;
            let mut flows = Network::new(&g, |i, j| hidden[i][j]).ranges(limit);
            let mut brute = brute_force(&g, &hidden);
            flows.sort_unstable();
            brute.sort_unstable();
            prop_assert_eq!(flows, brute, "{:?} hidden {:?}", cells, hidden);
        }
    }
}
