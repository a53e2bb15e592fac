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

/// A figure of a table (0 or 1 in a [`Network::chain`]) at a grid position with margins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Figure {
    pub(crate) table: usize,
    pub(crate) at: (usize, usize),
}

/// The hidden figures of one or more tables as a flow network.
pub(crate) struct Network {
    nodes: usize,
    /// (from, to, flow, position) of every hidden figure: the grid position, and for a chain of
    /// two tables the table too ([`Network::chain`]).
    edges: Vec<(usize, usize, u64, Figure)>,
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
        for (i, line) in g.iter().enumerate() {
            for (j, &x) in line.iter().enumerate() {
                if hidden(i, j) {
                    let (row, col) = (i, rows + j);
                    let (a, b) = if row_to_column(i, j, rows, cols) { (row, col) } else { (col, row) };
                    edges.push((a, b, x, Figure { table: 0, at: (i, j) }));
                }
            }
        }
        Self::of(rows + cols, edges)
    }

    /// Two tables of the same people by different rows and the same columns, their column totals
    /// and grand total the same figures (hidden in both or in neither): a chain. A source node
    /// gives each row of `a` its total, the row passes it to the columns through its cells, each
    /// column passes its total on (the column split in two nodes, its total the edge between),
    /// the columns pass it to the rows of `b` through `b`'s cells, the rows of `b` to a sink by
    /// their totals, and the sink returns the grand total to the source. A circulation again, so
    /// the ranges are exact for the two tables together. Figures of `b`'s margins' row are those
    /// of `a` (table 0).
    #[cfg(test)]
    pub(crate) fn chain(a: &[Vec<u64>], b: &[Vec<u64>], hidden: impl Fn(usize, usize, usize) -> bool) -> Self {
        let (ra, rb) = (a.len().saturating_sub(1), b.len().saturating_sub(1));
        let c = a.first().map_or(0, Vec::len).saturating_sub(1);
        // Nodes: source, sink, a's rows, columns in, columns out, b's rows.
        let (source, sink) = (0, 1);
        let a_row = |i: usize| 2 + i;
        let col_in = |j: usize| 2 + ra + j;
        let col_out = |j: usize| 2 + ra + c + j;
        let b_row = |k: usize| 2 + ra + 2 * c + k;
        let mut edges = Vec::new();
        let mut edge = |from: usize, to: usize, x: u64, table: usize, at: (usize, usize)| {
            if hidden(table, at.0, at.1) {
                edges.push((from, to, x, Figure { table, at }));
            }
        };
        for (i, line) in a.iter().enumerate() {
            for (j, &x) in line.iter().enumerate() {
                match (i < ra, j < c) {
                    (true, true) => edge(a_row(i), col_in(j), x, 0, (i, j)),
                    (true, false) => edge(source, a_row(i), x, 0, (i, j)),
                    (false, true) => edge(col_in(j), col_out(j), x, 0, (i, j)),
                    (false, false) => edge(sink, source, x, 0, (i, j)),
                }
            }
        }
        for (k, line) in b.iter().enumerate().take(rb) {
            for (j, &x) in line.iter().enumerate() {
                if j < c {
                    edge(col_out(j), b_row(k), x, 1, (k, j));
                } else {
                    edge(b_row(k), sink, x, 1, (k, j));
                }
            }
        }
        Self::of(2 + ra + 2 * c + rb, edges)
    }

    fn of(nodes: usize, edges: Vec<(usize, usize, u64, Figure)>) -> Self {
        let mut out = vec![Vec::new(); nodes];
        for (k, &(a, b, _, _)) in edges.iter().enumerate() {
            out[a].push((k, true));
            out[b].push((k, false));
        }
        Self { nodes, edges, out }
    }

    /// The hidden figures, by grid position, with their range: the least value each can take and
    /// the greatest, up to `limit` (`limit` meaning that or more).
    #[cfg(test)]
    pub(crate) fn ranges(&self, limit: u64) -> Vec<(Figure, u64, u64)> {
        (0..self.edges.len())
            .map(|e| {
                let (_, _, x, at) = self.edges[e];
                (at, x - self.fall(e), (x + self.rise(e, limit.saturating_sub(x))).min(limit))
            })
            .collect()
    }

    /// A hidden figure the published ones pin between 1 and `threshold - 1`, if any: one that
    /// can be neither 0 nor `threshold`. Only a figure from 1 to `threshold - 1` can be; for
    /// each, whether it can fall to 0 is asked first.
    pub(crate) fn pinned(&self, threshold: u64) -> Option<Figure> {
        (0..self.edges.len()).find_map(|e| {
            let (_, _, x, at) = self.edges[e];
            let small = x >= 1 && x < threshold;
            (small && self.fall(e) < x && self.rise(e, threshold - x) < threshold - x).then_some(at)
        })
    }

    /// How far hidden figure `e` can fall below its true value (at most to 0): what can be
    /// re-routed from its tail to its head around it.
    fn fall(&self, e: usize) -> u64 {
        let (a, b, x, _) = self.edges[e];
        self.max_flow(a, b, e, x)
    }

    /// How far hidden figure `e` can rise above its true value, up to `room`: what can flow back
    /// from its head to its tail around it.
    fn rise(&self, e: usize, room: u64) -> u64 {
        let (a, b, _, _) = self.edges[e];
        self.max_flow(b, a, e, room)
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
        let mut seen = vec![false; self.nodes];
        let mut queue = std::collections::VecDeque::new();
        let mut flow = 0u64;
        while flow < limit {
            via.fill(None);
            seen.fill(false);
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

    /// Ranges by grid position (one table).
    fn at(ranges: Vec<(Figure, u64, u64)>) -> Vec<((usize, usize), u64, u64)> {
        ranges.into_iter().map(|(f, lo, hi)| (f.at, lo, hi)).collect()
    }

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
        let ranges = at(net.ranges(11));
        assert!(ranges.contains(&((0, 2), 1, 6)), "{ranges:?}");
        assert!(ranges.contains(&((1, 0), 0, 5)), "{ranges:?}");
        // Hiding the middle 0 as well changes nothing (row 1 and column 2 still say the corner is
        // 1 more than row 1's two others); hiding column 2's total frees it to be 0.
        let net = Network::new(&g, |i, j| !shown.contains(&(i, j)) || (i, j) == (1, 1));
        let corner = at(net.ranges(11)).into_iter().find(|r| r.0 == (0, 2));
        assert_eq!(corner, Some(((0, 2), 1, 6)));
        let net = Network::new(&g, |i, j| !shown.contains(&(i, j)) || (i, j) == (3, 2));
        let corner = at(net.ranges(11)).into_iter().find(|r| r.0 == (0, 2));
        assert_eq!(corner, Some(((0, 2), 0, 6)));
    }

    #[test]
    fn nothing_published_nothing_pinned() {
        let g = grid(&[vec![3, 1], vec![0, 2]]);
        let all = at(Network::new(&g, |_, _| true).ranges(50));
        assert_eq!(all.len(), 9);
        assert!(all.iter().all(|&(_, lo, hi)| lo == 0 && hi == 50), "{all:?}");
    }

    /// Two tables sharing their columns' totals: every filling of both tables' hidden inner cells
    /// that publishes the same figures, and the least and greatest value of each hidden figure.
    fn brute_force_pair(a: &[Vec<u64>], b: &[Vec<u64>], hidden: &dyn Fn(usize, usize, usize) -> bool) -> Vec<(Figure, u64, u64)> {
        let g = [a, b];
        let c = a[0].len() - 1;
        let rows = [a.len() - 1, b.len() - 1];
        let bound = a[rows[0]][c];
        let unknown: Vec<(usize, usize, usize)> = (0..2)
            .flat_map(|t| (0..rows[t]).flat_map(move |i| (0..c).map(move |j| (t, i, j))))
            .filter(|&(t, i, j)| hidden(t, i, j))
            .collect();
        let mut x: [Vec<Vec<u64>>; 2] = [a.to_vec(), b.to_vec()];
        // A figure's value from the inner cells of its table.
        let value = |x: &[Vec<Vec<u64>>; 2], t: usize, i: usize, j: usize| -> u64 {
            let is: Vec<usize> = if i == rows[t] { (0..rows[t]).collect() } else { vec![i] };
            let js: Vec<usize> = if j == c { (0..c).collect() } else { vec![j] };
            is.iter().flat_map(|&p| js.iter().map(move |&q| (p, q))).map(|(p, q)| x[t][p][q]).sum()
        };
        let figures: Vec<(usize, usize, usize)> = (0..2)
            .flat_map(|t| (0..=rows[t]).flat_map(move |i| (0..=c).map(move |j| (t, i, j))))
            // b's margins' row is a's.
            .filter(|&(t, i, _)| !(t == 1 && i == rows[1]))
            .collect();
        let mut out: Vec<(Figure, u64, u64)> =
            figures.iter().filter(|&&(t, i, j)| hidden(t, i, j)).map(|&(t, i, j)| (Figure { table: t, at: (i, j) }, u64::MAX, 0)).collect();
        let total = unknown.len();
        let mut counter = vec![0u64; total];
        loop {
            for (k, &(t, i, j)) in unknown.iter().enumerate() {
                x[t][i][j] = counter[k];
            }
            let fits = figures.iter().all(|&(t, i, j)| hidden(t, i, j) || value(&x, t, i, j) == g[t][i][j])
                && (0..=c).all(|j| value(&x, 0, rows[0], j) == value(&x, 1, rows[1], j))
                && (0..rows[1]).all(|k| hidden(1, k, c) || value(&x, 1, k, c) == b[k][c])
                && (0..c).all(|j| hidden(0, rows[0], j) || value(&x, 1, rows[1], j) == a[rows[0]][j]);
            if fits {
                for (f, lo, hi) in out.iter_mut() {
                    let v = value(&x, f.table, f.at.0, f.at.1);
                    *lo = (*lo).min(v);
                    *hi = (*hi).max(v);
                }
            }
            // Next filling.
            let mut k = 0;
            while k < total && counter[k] == bound {
                counter[k] = 0;
                k += 1;
            }
            if k == total {
                break;
            }
            counter[k] += 1;
        }
        out
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
            let mut flows = at(Network::new(&g, |i, j| hidden[i][j]).ranges(limit));
            let mut brute = brute_force(&g, &hidden);
            flows.sort_unstable();
            brute.sort_unstable();
            prop_assert_eq!(flows, brute, "{:?} hidden {:?}", cells, hidden);
        }

        /// The chain of two tables gives the ranges of every pair of tables publishing the same
        /// figures with the same column totals (the grand total published: finitely many).
        #[test]
        fn a_chain_of_two_tables_ranges_as_both_together(
            a in (1usize..3, 1usize..3).prop_flat_map(|(r, c)| proptest::collection::vec(proptest::collection::vec(0u64..3, c), r)),
            b_rows in 1usize..3,
            spread in proptest::collection::vec(0usize..2, 12),
            mask in proptest::collection::vec(proptest::bool::weighted(0.4), 24),
        ) {
            // b: the same people as a, by another row.
            let c = a[0].len();
            let mut b = vec![vec![0u64; c]; b_rows];
            for (i, row) in a.iter().enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    for p in 0..v {
                        b[(spread[(i * c + j + p as usize) % 12]) % b_rows][j] += 1;
                    }
                }
            }
            let (ga, gb) = (grid(&a), grid(&b));
            let (ra, rb) = (a.len(), b.len());
            let hidden = |t: usize, i: usize, j: usize| -> bool {
                let shared = i == ra && t == 0 || i == rb && t == 1;
                if shared && j == c {
                    return false;
                }
                if shared {
                    return mask[j];
                }
                let k = 4 + t * 10 + i * (c + 1) + j;
                mask[k % 24]
            };
            let limit = ga[ra][c] + 1;
            let mut flows = Network::chain(&ga, &gb, hidden).ranges(limit);
            let mut brute = brute_force_pair(&ga, &gb, &hidden);
            flows.sort_unstable();
            brute.sort_unstable();
            prop_assert_eq!(flows, brute, "{:?} / {:?}", a, b);
        }
    }
}
