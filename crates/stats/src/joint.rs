//! Several releases of the same people, checked together. A table gated on its own is safe on
//! its own; set beside another table of the same people classified differently (sex × age
//! against form × women, men, girls, boys) a hidden figure may follow from published ones of
//! both. Here every published figure is a sum of the finest cells of the people counted (the
//! *atoms*: form × sex × age, say), and a hidden figure is given away exactly when its atoms'
//! indicator vector is a linear combination of the published figures' vectors — whatever the
//! values, by any sequence of additions and subtractions, not only one equation at a time
//! ([`crate::recoverable`] looks for those). [`protect`] hides more published figures until no
//! hidden one can be recomputed.
//!
//! Releases that classify the same people by different dimensions need not share one set of
//! atoms (form × sex × age × citizenship × country × month would be millions of cells). Each
//! release can keep its own block of atoms (its own dimensions and the ones it shares), and the
//! blocks are glued by **constraints**: relations every attacker knows, such as "the form block
//! summed over forms equals the hub summed over nationality, for each sex × age". For blocks that
//! share only a hub of common dimensions (a star), a hidden figure follows from the published ones
//! over the full product of all dimensions exactly when it follows from them and the constraints
//! over the glued blocks ([`recomputable_given`]; the proof is in docs/STATISTICS.md and a property
//! test below compares both models).
//!
//! The span is computed modulo the prime p = 2⁶¹ − 1, by sparse elimination (figures are sums of
//! a few atoms). A hidden figure that is a combination of the published ones over the rationals
//! is found modulo p unless p divides one of the minors of the published figures' matrix (then
//! the rank modulo p drops); the minors of these matrices — figures summing whole groups of atoms,
//! constraints with coefficients ±1 — are small integers, so that does not happen in practice.
//! Exact rational arithmetic would make it certain at the cost of big integers.

/// The prime of the arithmetic.
const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    // Reduction modulo the Mersenne prime: 2⁶¹ ≡ 1.
    let x = u128::from(a) * u128::from(b);
    let r = (x as u64 & P) + (x >> 61) as u64;
    let r = (r & P) + (r >> 61);
    if r >= P { r - P } else { r }
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    // Fermat: a^(P-2).
    let (mut base, mut exp, mut out) = (a % P, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            out = mul(out, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    out
}

fn modular(c: i64) -> u64 {
    let m = c.unsigned_abs() % P;
    if c < 0 && m != 0 { P - m } else { m }
}

/// A reduced row of the published figures' span: its leading atom, its vector over the atoms
/// (sparse, leading coefficient 1), and which published figures (with which coefficients) it is
/// made of.
struct Row {
    pivot: usize,
    vector: Vec<(usize, u64)>,
    made_of: Vec<(usize, u64)>,
}

/// Dense accumulators for one vector being reduced, emptied after each use.
struct Work {
    v: Vec<u64>,
    m: Vec<u64>,
}

impl Work {
    fn reduce(&mut self, rows: &[Row]) {
        for r in rows {
            let c = self.v[r.pivot];
            if c == 0 {
                continue;
            }
            for &(a, y) in &r.vector {
                self.v[a] = sub(self.v[a], mul(c, y));
            }
            for &(f, y) in &r.made_of {
                self.m[f] = sub(self.m[f], mul(c, y));
            }
        }
    }

    fn drain(xs: &mut [u64]) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for (i, x) in xs.iter_mut().enumerate() {
            if *x != 0 {
                out.push((i, *x));
                *x = 0;
            }
        }
        out
    }

    /// Reduce what is loaded; if something is left, it becomes a new row.
    fn push_row(&mut self, rows: &mut Vec<Row>) {
        self.reduce(rows);
        let mut vector = Self::drain(&mut self.v);
        let mut made_of = Self::drain(&mut self.m);
        if let Some(&(pivot, lead)) = vector.first() {
            let inv = inverse(lead);
            vector.iter_mut().for_each(|x| x.1 = mul(x.1, inv));
            made_of.iter_mut().for_each(|x| x.1 = mul(x.1, inv));
            rows.push(Row { pivot, vector, made_of });
        }
    }
}

/// The hidden figures the published ones determine: for each, its index and the published
/// figures one combination giving it uses. `figures[i]` lists the atoms figure `i` adds up
/// (indices below `atoms`); `hidden[i]` says whether it is hidden.
pub fn recomputable(figures: &[Vec<usize>], hidden: &[bool], atoms: usize) -> Vec<(usize, Vec<usize>)> {
    recomputable_given(figures, &[], hidden, atoms)
}

/// [`recomputable`] where the atoms also obey known relations: each constraint, a list of
/// (atom, coefficient), adds up to zero (atoms outside `0..atoms` are ignored).
pub fn recomputable_given(
    figures: &[Vec<usize>],
    constraints: &[Vec<(usize, i64)>],
    hidden: &[bool],
    atoms: usize,
) -> Vec<(usize, Vec<usize>)> {
    let n = figures.len();
    let mut work = Work { v: vec![0; atoms], m: vec![0; n] };
    let mut rows: Vec<Row> = Vec::new();
    for c in constraints {
        for &(a, k) in c.iter().filter(|(a, _)| *a < atoms) {
            work.v[a] = (work.v[a] + modular(k)) % P;
        }
        work.push_row(&mut rows);
    }
    let load = |work: &mut Work, f: &[usize]| {
        for &a in f.iter().filter(|a| **a < atoms) {
            work.v[a] = 1;
        }
    };
    for (i, f) in figures.iter().enumerate() {
        if hidden.get(i).copied().unwrap_or(true) {
            continue;
        }
        load(&mut work, f);
        work.m[i] = 1;
        work.push_row(&mut rows);
    }
    let mut out = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        if !hidden.get(i).copied().unwrap_or(false) {
            continue;
        }
        load(&mut work, f);
        work.reduce(&rows);
        let left = Work::drain(&mut work.v);
        // What was subtracted: the combination of published figures equal to this one.
        let made_of = Work::drain(&mut work.m);
        if left.is_empty() {
            out.push((i, made_of.into_iter().map(|(j, _)| j).collect()));
        }
    }
    out
}

/// Hide published figures until no hidden figure can be recomputed from the published ones:
/// while one can, hide the smallest positive figure (else a zero) of the published ones its
/// combination uses. Returns how many were hidden here. `values[i]` is figure `i`'s count.
pub fn protect(figures: &[Vec<usize>], values: &[u64], hidden: &mut [bool], atoms: usize) -> usize {
    protect_given(figures, &[], values, hidden, atoms)
}

/// [`protect`] with known relations between the atoms ([`recomputable_given`]). Each round hides
/// one figure for every recomputable one whose combination uses none hidden in that round.
pub fn protect_given(
    figures: &[Vec<usize>],
    constraints: &[Vec<(usize, i64)>],
    values: &[u64],
    hidden: &mut [bool],
    atoms: usize,
) -> usize {
    let mut added = 0;
    loop {
        let found = recomputable_given(figures, constraints, hidden, atoms);
        let value = |j: usize| values.get(j).copied().unwrap_or(0);
        let mut this_round = 0;
        for (_, uses) in &found {
            if uses.iter().any(|&j| hidden[j]) {
                // Broken by a figure hidden in this round; checked again in the next.
                continue;
            }
            let pick = uses.iter().copied().filter(|&j| value(j) > 0).min_by_key(|&j| (value(j), j)).or_else(|| uses.first().copied());
            if let Some(j) = pick {
                hidden[j] = true;
                this_round += 1;
            }
        }
        // Nothing recomputable, or only figures equal to an empty combination (a figure of no
        // atoms: nothing to protect).
        if this_round == 0 {
            return added;
        }
        added += this_round;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_total_minus_the_published_cells_gives_the_hidden_one_away() {
        // Atoms 0, 1, 2; figures: each atom, and the total.
        let figures = vec![vec![0], vec![1], vec![2], vec![0, 1, 2]];
        let mut hidden = vec![false, true, false, false];
        assert_eq!(recomputable(&figures, &hidden, 3), vec![(1, vec![0, 2, 3])]);
        let values = [20, 3, 15, 38];
        assert_eq!(protect(&figures, &values, &mut hidden, 3), 1);
        assert_eq!(hidden, vec![false, true, true, false], "the smaller of the cells beside it hidden too");
        assert!(recomputable(&figures, &hidden, 3).is_empty());
    }

    #[test]
    fn two_tables_of_the_same_people_classified_differently() {
        // Atoms: sex (F, M) × age (child, adult) = 0 F-child, 1 F-adult, 2 M-child, 3 M-adult.
        // Table A: by sex (F, M, total); table B: by age (child, adult, total). Hidden in A: F.
        // Alone, A hides F with M (row equation); but B's total = A's total, and nothing else
        // combines: F is safe only if M is hidden too.
        let figures = vec![vec![0, 1], vec![2, 3], vec![0, 1, 2, 3], vec![0, 2], vec![1, 3], vec![0, 1, 2, 3]];
        let mut hidden = vec![true, true, false, false, false, false];
        assert!(recomputable(&figures, &hidden, 4).is_empty(), "F and M hidden: sex cannot be recovered from age");
        // A third table, F-child alone and F-adult alone, gives F away.
        let mut figures = figures;
        figures.push(vec![0]);
        figures.push(vec![1]);
        hidden.extend([false, false]);
        let found = recomputable(&figures, &hidden, 4);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![0, 1]);
        let values = [5, 40, 45, 12, 33, 45, 2, 3];
        protect(&figures, &values, &mut hidden, 4);
        assert!(recomputable(&figures, &hidden, 4).is_empty());
    }

    #[test]
    fn a_constraint_carries_a_total_from_one_block_to_another() {
        // Block A: atoms 0, 1 (women, men) by sex; block B: atoms 2, 3 (children, adults).
        // Known: A's total equals B's. Published: women, children, adults; hidden: men.
        let figures = vec![vec![0], vec![1], vec![2], vec![3]];
        let glue = vec![vec![(0, 1), (1, 1), (2, -1), (3, -1)]];
        let mut hidden = vec![false, true, false, false];
        assert!(recomputable(&figures, &hidden, 4).is_empty(), "without the glue the blocks are unrelated");
        assert_eq!(recomputable_given(&figures, &glue, &hidden, 4), vec![(1, vec![0, 2, 3])]);
        protect_given(&figures, &glue, &[30, 4, 12, 22], &mut hidden, 4);
        assert!(recomputable_given(&figures, &glue, &hidden, 4).is_empty());
        assert_eq!(hidden, vec![false, true, true, false], "the smallest figure of the combination hidden");
    }

    /// Three releases over dimensions h1 × h2 (shared), p1, p2, p3 (each release's own): A over
    /// (h1, h2, p1), B over (h1, p2), C over (h2, p3). Over the product of all five the atoms are
    /// 2·2·2·3·2; glued, A's 8, B's 6 and C's 4 atoms with B's and C's totals per h1 and per h2
    /// tied to A's.
    const H1: usize = 2;
    const H2: usize = 2;
    const P1: usize = 2;
    const P2: usize = 3;
    const P3: usize = 2;

    fn product_atom(h1: usize, h2: usize, p1: usize, p2: usize, p3: usize) -> usize {
        (((h1 * H2 + h2) * P1 + p1) * P2 + p2) * P3 + p3
    }

    fn product() -> impl Iterator<Item = [usize; 5]> {
        (0..H1).flat_map(|a| {
            (0..H2).flat_map(move |b| (0..P1).flat_map(move |c| (0..P2).flat_map(move |d| (0..P3).map(move |e| [a, b, c, d, e]))))
        })
    }

    /// A cell of the glued blocks: A (h1, h2, p1), B (h1, p2), C (h2, p3).
    fn glued_atom(block: usize, x: [usize; 5]) -> usize {
        match block {
            0 => (x[0] * H2 + x[1]) * P1 + x[2],
            1 => H1 * H2 * P1 + x[0] * P2 + x[3],
            _ => H1 * H2 * P1 + H1 * P2 + x[1] * P3 + x[4],
        }
    }

    proptest! {
        /// Whether a hidden figure follows from the published ones is the same over the product
        /// of every dimension and over the glued blocks: the gluing loses nothing and adds nothing.
        #[test]
        fn the_glued_blocks_decide_as_the_product_does(
            picks in proptest::collection::vec((0usize..3, proptest::collection::vec(any::<bool>(), 8), any::<bool>()), 1..16),
        ) {
            let glued_n = H1 * H2 * P1 + H1 * P2 + H2 * P3;
            let product_n = H1 * H2 * P1 * P2 * P3;
            let mut glued: Vec<Vec<usize>> = Vec::new();
            let mut full: Vec<Vec<usize>> = Vec::new();
            let mut hidden = Vec::new();
            for (block, cells, hide) in &picks {
                // The figure: the block's cells chosen by `cells` (indices within the block).
                let size = [H1 * H2 * P1, H1 * P2, H2 * P3][*block];
                let offset = [0, H1 * H2 * P1, H1 * H2 * P1 + H1 * P2][*block];
                let chosen: Vec<usize> = (0..size).filter(|&i| cells[i]).map(|i| offset + i).collect();
                full.push(product().filter(|x| chosen.contains(&glued_atom(*block, *x))).map(|x| product_atom(x[0], x[1], x[2], x[3], x[4])).collect());
                glued.push(chosen);
                hidden.push(*hide);
            }
            let mut glue: Vec<Vec<(usize, i64)>> = Vec::new();
            for h1 in 0..H1 {
                let mut c: Vec<(usize, i64)> = product().filter(|x| x[0] == h1 && x[3] == 0 && x[4] == 0).map(|x| (glued_atom(0, x), 1)).collect();
                c.extend((0..P2).map(|p2| (glued_atom(1, [h1, 0, 0, p2, 0]), -1)));
                glue.push(c);
            }
            for h2 in 0..H2 {
                let mut c: Vec<(usize, i64)> = product().filter(|x| x[1] == h2 && x[3] == 0 && x[4] == 0).map(|x| (glued_atom(0, x), 1)).collect();
                c.extend((0..P3).map(|p3| (glued_atom(2, [0, h2, 0, 0, p3]), -1)));
                glue.push(c);
            }
            let by_product: Vec<usize> = recomputable(&full, &hidden, product_n).into_iter().map(|r| r.0).collect();
            let by_glue: Vec<usize> = recomputable_given(&glued, &glue, &hidden, glued_n).into_iter().map(|r| r.0).collect();
            prop_assert_eq!(by_product, by_glue);
        }

        /// Whatever the figures and the counts: after `protect`, no hidden figure is a
        /// combination of the published ones, and every figure hidden before is still hidden.
        #[test]
        fn nothing_hidden_can_be_recomputed_after_protect(
            counts in proptest::collection::vec(0u64..30, 2..10),
            subsets in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 10), 1..25),
            threshold in 3u64..15,
        ) {
            let atoms = counts.len();
            let figures: Vec<Vec<usize>> =
                subsets.iter().map(|s| (0..atoms).filter(|&a| s[a]).collect()).collect();
            let values: Vec<u64> = figures.iter().map(|f| f.iter().map(|&a| counts[a]).sum()).collect();
            let before: Vec<bool> = values.iter().map(|&v| v > 0 && v < threshold).collect();
            let mut hidden = before.clone();
            protect(&figures, &values, &mut hidden, atoms);
            prop_assert!(recomputable(&figures, &hidden, atoms).is_empty());
            for (b, h) in before.iter().zip(&hidden) {
                prop_assert!(!b || *h);
            }
        }
    }
}
