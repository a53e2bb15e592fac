//! Blocking: only pairs that share at least one blocking key are compared. Several keys catch
//! different kinds of error (a typo in one name, a swapped date, a missing field); their union is
//! bounded: a key shared by more than [`MAX_BLOCK`] records (a quarter of that for a single name)
//! is dropped.

use crate::record::Prepared;
use std::collections::HashMap;

pub const MAX_BLOCK: usize = 120;
fn dob_year(p: &Prepared) -> Option<i32> {
    p.dob.map(|d| d.year)
}

/// The blocking keys of one record. Name keys use each name separately as well as the pair, so
/// a swap of given and family name, or an error in one of them, still meets.
pub fn keys(p: &Prepared) -> Vec<String> {
    let mut k = Vec::with_capacity(8);
    let g = p.given.as_ref().map(|n| n.skeleton.as_str()).filter(|s| !s.is_empty());
    let f = p.family.as_ref().map(|n| n.skeleton.as_str()).filter(|s| !s.is_empty());
    if let (Some(g), Some(f)) = (g, f) {
        let (a, b) = if g <= f { (g, f) } else { (f, g) };
        k.push(format!("n:{a}|{b}"));
    }
    let names: Vec<&str> = [g, f].into_iter().flatten().collect();
    for s in &names {
        // a rare name on its own (common ones exceed the block limit and are dropped)
        k.push(format!("s:{s}"));
    }
    if let Some(y) = dob_year(p) {
        for s in &names {
            k.push(format!("yn:{y}|{s}"));
        }
    }
    if let Some(d) = p.dob
        && let (Some(m), Some(day)) = (d.month, d.day)
    {
        // day and month in either order; with the first letter of either name
        let (lo, hi) = if m <= day { (m, day) } else { (day, m) };
        for s in &names {
            k.push(format!("d:{}-{lo}-{hi}|{}", d.year, s.get(..1).unwrap_or("")));
            k.push(format!("dn:{lo}-{hi}|{s}"));
        }
    }
    if let Some(ph) = &p.phone {
        k.push(format!("p:{ph}"));
    }
    k.sort();
    k.dedup();
    k
}

/// Training block 1: the full date of birth (day and month in either order). Pairs agree on
/// the date, so the name comparisons can be learned from them.
pub fn dob_keys(p: &Prepared) -> Vec<String> {
    match p.dob {
        Some(d) => match (d.month, d.day) {
            (Some(m), Some(day)) => {
                let (lo, hi) = if m <= day { (m, day) } else { (day, m) };
                vec![format!("{}-{lo}-{hi}", d.year)]
            }
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

/// Training block 2: both names (order-free skeletons). The date comparison is learned here.
pub fn name_keys(p: &Prepared) -> Vec<String> {
    match (&p.given, &p.family) {
        (Some(g), Some(f)) if !g.skeleton.is_empty() && !f.skeleton.is_empty() => {
            let (a, b) = if g.skeleton <= f.skeleton { (&g.skeleton, &f.skeleton) } else { (&f.skeleton, &g.skeleton) };
            vec![format!("{a}|{b}")]
        }
        _ => Vec::new(),
    }
}

/// Candidate pairs `(i, j)` with `i < j`, sorted and without repeats, from the union of all
/// blocking keys.
pub fn candidate_pairs(records: &[Prepared]) -> Vec<(u32, u32)> {
    pairs_by(records, keys)
}

/// Candidate pairs from one key function.
pub fn pairs_by(records: &[Prepared], key_fn: impl Fn(&Prepared) -> Vec<String>) -> Vec<(u32, u32)> {
    Blocks::of(records, key_fn).pairs(0, 1)
}

/// The blocks kept (two to [`MAX_BLOCK`] records; a quarter of that for a single name), each
/// a list of record numbers in increasing order. Their pairs can be drawn in parts, so that at a
/// million records the candidate pairs never have to be held all at once.
pub struct Blocks {
    lists: Vec<Vec<u32>>,
}

impl Blocks {
    /// Keys are held as 64-bit hashes while grouping (a collision only adds a few pairs to
    /// compare).
    pub fn of(records: &[Prepared], key_fn: impl Fn(&Prepared) -> Vec<String>) -> Self {
        use std::hash::Hasher;
        let mut blocks: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for key in key_fn(r) {
                let mut h = std::hash::DefaultHasher::new();
                h.write(key.as_bytes());
                // The lowest bit says whether this is a single-name key.
                let single = u64::from(key.starts_with("s:"));
                blocks.entry((h.finish() & !1) | single).or_default().push(i);
            }
        }
        // A very common key (a common full name, a common name with a year) is dropped: at a
        // million records such a block is mostly namesakes, and its pairs are met through the
        // other keys when they are the same person. (A sorted neighbourhood of these blocks was
        // tried: nothing gained at 100,000 records, and at 1,000,000 it added 16 M pairs and
        // halved precision — docs/PERFORMANCE.md.) A single name is weak evidence: small groups.
        let lists = blocks
            .into_iter()
            .filter(|(key, m)| m.len() >= 2 && m.len() <= if key & 1 == 1 { MAX_BLOCK / 4 } else { MAX_BLOCK })
            .map(|(_, m)| m)
            .collect();
        Blocks { lists }
    }

    /// Pairs counted with repeats (a pair sharing several keys counts once per key).
    pub fn pairs_with_repeats(&self) -> usize {
        self.lists.iter().map(|m| m.len() * (m.len() - 1) / 2).sum()
    }

    /// Part `part` of `parts` of the candidate pairs `(i, j)`, `i < j`: those with
    /// `i % parts == part`, sorted and without repeats. The parts together are all the pairs,
    /// each once.
    pub fn pairs(&self, part: u32, parts: u32) -> Vec<(u32, u32)> {
        let parts = parts.max(1);
        let mine = |a: u32| a % parts == part;
        // The exact number first: a vector grown by doubling would hold up to twice that.
        let total: usize =
            self.lists.iter().map(|m| m.iter().enumerate().filter(|(_, a)| mine(**a)).map(|(x, _)| m.len() - x - 1).sum::<usize>()).sum();
        let mut pairs = Vec::with_capacity(total);
        for members in &self.lists {
            for (x, &a) in members.iter().enumerate() {
                if mine(a) {
                    pairs.extend(members.iter().skip(x + 1).map(|&b| (a, b)));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_together_are_every_pair_once() {
        let (records, _) = crate::generate::generate(3_000, 7);
        let prepared: Vec<Prepared> = records.iter().map(Prepared::of).collect();
        let blocks = Blocks::of(&prepared, keys);
        let whole = blocks.pairs(0, 1);
        assert!(whole.len() > 1_000, "{}", whole.len());
        assert!(whole.iter().all(|(a, b)| a < b) && whole.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(blocks.pairs_with_repeats() >= whole.len());
        let mut joined: Vec<(u32, u32)> = (0..5).flat_map(|p| blocks.pairs(p, 5)).collect();
        joined.sort_unstable();
        assert_eq!(joined, whole);
        assert_eq!(candidate_pairs(&prepared), whole);
    }
}
