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
//! The span is computed modulo the prime p = 2⁶¹ − 1. A hidden figure that is a combination of
//! the published ones over the rationals is found modulo p unless p divides one of the minors of
//! the published figures' 0/1 matrix (then the rank modulo p drops); the minors of these
//! matrices — figures summing whole groups of a few tens of atoms — are small integers, mostly 0
//! or ±1, so that does not happen in practice. Exact rational arithmetic would make it certain at
//! the cost of big integers.

/// The prime of the arithmetic.
const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
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

/// A reduced row of the published figures' span: its leading atom, its vector over the atoms, and
/// which published figures (with which coefficients) it is made of.
struct Row {
    pivot: usize,
    vector: Vec<u64>,
    made_of: Vec<u64>,
}

fn indicator(atoms: &[usize], n: usize) -> Vec<u64> {
    let mut v = vec![0u64; n];
    for &a in atoms {
        if let Some(x) = v.get_mut(a) {
            *x = 1;
        }
    }
    v
}

/// Reduce `v` (and its provenance `made_of`) by the rows, in the order they were found.
fn reduce(rows: &[Row], v: &mut [u64], made_of: &mut [u64]) {
    for r in rows {
        let c = v[r.pivot];
        if c == 0 {
            continue;
        }
        for (x, y) in v.iter_mut().zip(&r.vector) {
            *x = sub(*x, mul(c, *y));
        }
        for (x, y) in made_of.iter_mut().zip(&r.made_of) {
            *x = sub(*x, mul(c, *y));
        }
    }
}

/// The hidden figures the published ones determine: for each, its index and the published
/// figures one combination giving it uses. `figures[i]` lists the atoms figure `i` adds up
/// (indices below `atoms`); `hidden[i]` says whether it is hidden.
pub fn recomputable(figures: &[Vec<usize>], hidden: &[bool], atoms: usize) -> Vec<(usize, Vec<usize>)> {
    let n = figures.len();
    let mut rows: Vec<Row> = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        if hidden.get(i).copied().unwrap_or(true) {
            continue;
        }
        let mut v = indicator(f, atoms);
        let mut made_of = vec![0u64; n];
        made_of[i] = 1;
        reduce(&rows, &mut v, &mut made_of);
        if let Some(pivot) = v.iter().position(|x| *x != 0) {
            let inv = inverse(v[pivot]);
            v.iter_mut().for_each(|x| *x = mul(*x, inv));
            made_of.iter_mut().for_each(|x| *x = mul(*x, inv));
            rows.push(Row { pivot, vector: v, made_of });
        }
    }
    let mut out = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        if !hidden.get(i).copied().unwrap_or(false) {
            continue;
        }
        let mut v = indicator(f, atoms);
        // What was subtracted: the combination of published figures equal to this one.
        let mut made_of = vec![0u64; n];
        reduce(&rows, &mut v, &mut made_of);
        if v.iter().all(|x| *x == 0) {
            out.push((i, made_of.iter().enumerate().filter(|(_, c)| **c != 0).map(|(j, _)| j).collect()));
        }
    }
    out
}

/// Hide published figures until no hidden figure can be recomputed from the published ones:
/// while one can, hide the smallest positive figure (else a zero) of the published ones its
/// combination uses. Returns how many were hidden here. `values[i]` is figure `i`'s count.
pub fn protect(figures: &[Vec<usize>], values: &[u64], hidden: &mut [bool], atoms: usize) -> usize {
    let mut added = 0;
    loop {
        let found = recomputable(figures, hidden, atoms);
        let Some((_, uses)) = found.first() else { return added };
        let value = |j: usize| values.get(j).copied().unwrap_or(0);
        let pick = uses.iter().copied().filter(|&j| value(j) > 0).min_by_key(|&j| (value(j), j)).or_else(|| uses.first().copied());
        match pick {
            Some(j) if !hidden[j] => {
                hidden[j] = true;
                added += 1;
            }
            // A hidden figure equal to an empty combination: its atoms are none (a figure
            // of nothing); nothing to protect.
            _ => return added,
        }
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

    proptest! {
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
