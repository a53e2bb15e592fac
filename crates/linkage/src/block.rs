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

/// Candidate pairs from one key function. Keys are held as 64-bit hashes (a collision only adds
/// a few pairs to compare), which at a million records is most of blocking's memory saved.
pub fn pairs_by(records: &[Prepared], key_fn: impl Fn(&Prepared) -> Vec<String>) -> Vec<(u32, u32)> {
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
    // A single name is weak evidence of a candidate: only small groups.
    let kept = |key: u64, members: &Vec<u32>| members.len() >= 2 && members.len() <= if key & 1 == 1 { MAX_BLOCK / 4 } else { MAX_BLOCK };
    // The exact number of pairs (repeats included) first: at a million records a vector grown by
    // doubling would hold up to twice that, and briefly both copies.
    let total: usize = blocks.iter().filter(|(k, m)| kept(**k, m)).map(|(_, m)| m.len() * (m.len() - 1) / 2).sum();
    let mut pairs = Vec::with_capacity(total);
    for (key, members) in blocks {
        // A very common key (a common full name, a common name with a year) is dropped: at a
        // million records the neighbours in such a block are mostly namesakes, and its pairs
        // are met through the other keys when they are the same person. (A sorted
        // neighbourhood of these blocks was tried: nothing gained at 100,000 records, and at
        // 1,000,000 it added 16 M pairs and halved precision — docs/PERFORMANCE.md.)
        if !kept(key, &members) {
            continue;
        }
        for (x, &a) in members.iter().enumerate() {
            for &b in members.iter().skip(x + 1) {
                pairs.push(if a < b { (a, b) } else { (b, a) });
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
