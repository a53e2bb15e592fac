//! Clustering that does not chain. Links are taken strongest first; two groups merge only if
//! every record of one matches every record of the other at least at `floor` (complete
//! linkage). A → B and B → C therefore never put A with C unless A and C match too: a false
//! merge of two people is the expensive error here.

/// The largest group considered; real duplicates come in handfuls.
pub const MAX_CLUSTER: usize = 30;

struct Groups {
    of: Vec<usize>,
    members: Vec<Vec<u32>>,
}

/// `edges`: (i, j, probability) for linked candidates; `score(i, j)` gives the probability of
/// any pair on demand. Returns a cluster number per record.
pub fn cluster(n: usize, mut edges: Vec<(u32, u32, f64)>, threshold: f64, floor: f64, score: impl Fn(u32, u32) -> f64) -> Vec<usize> {
    edges.retain(|e| e.2 >= threshold);
    edges.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut g = Groups { of: (0..n).collect(), members: (0..n).map(|i| vec![i as u32]).collect() };
    for (a, b, _) in edges {
        let (ga, gb) = match (g.of.get(a as usize), g.of.get(b as usize)) {
            (Some(x), Some(y)) => (*x, *y),
            _ => continue,
        };
        if ga == gb {
            continue;
        }
        let (ma, mb) = (&g.members[ga], &g.members[gb]);
        if ma.len() + mb.len() > MAX_CLUSTER {
            continue;
        }
        let coherent = ma.iter().all(|&x| mb.iter().all(|&y| (x == a && y == b) || score(x, y) >= floor));
        if !coherent {
            continue;
        }
        let (keep, gone) = if ma.len() >= mb.len() { (ga, gb) } else { (gb, ga) };
        let moved = std::mem::take(&mut g.members[gone]);
        for &m in &moved {
            g.of[m as usize] = keep;
        }
        g.members[keep].extend(moved);
    }
    // Renumber clusters densely in order of first appearance.
    let mut number = vec![usize::MAX; n];
    let mut next = 0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let root = g.of[i];
        if number[root] == usize::MAX {
            number[root] = next;
            next += 1;
        }
        out.push(number[root]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_does_not_merge_its_ends() {
        // 0-1 strong, 1-2 strong, but 0 and 2 are clearly different people.
        let edges = vec![(0, 1, 0.99), (1, 2, 0.98)];
        let score = |a: u32, b: u32| {
            if (a, b) == (0, 2) || (a, b) == (2, 0) { 0.01 } else { 0.99 }
        };
        let c = cluster(3, edges, 0.9, 0.5, score);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[1], c[2]);
    }

    #[test]
    fn a_coherent_group_merges() {
        let edges = vec![(0, 1, 0.99), (1, 2, 0.98), (3, 4, 0.2)];
        let c = cluster(5, edges, 0.9, 0.5, |_, _| 0.95);
        assert_eq!(c[0], c[2]);
        assert_ne!(c[3], c[4]);
    }
}
