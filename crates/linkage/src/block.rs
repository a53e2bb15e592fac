//! Blocking: only pairs that share at least one blocking key are compared. Several keys catch
//! different kinds of error (a typo in one name, a swapped date, a missing field); their union is
//! bounded: a key shared by more than [`MAX_BLOCK`] records is compared only between neighbours in
//! date-of-birth order (a sorted neighbourhood), and a single-name key that common is dropped.

use crate::record::Prepared;
use std::collections::HashMap;

pub const MAX_BLOCK: usize = 120;
/// In a block larger than [`MAX_BLOCK`], each record is compared with this many neighbours in
/// date-of-birth order.
pub const WINDOW: usize = 12;

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
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let Ok(i) = u32::try_from(i) else { break };
        for key in key_fn(r) {
            blocks.entry(key).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for (key, members) in &mut blocks {
        if members.len() < 2 {
            continue;
        }
        // A single name is weak evidence of a candidate: only small groups.
        if key.starts_with("s:") && members.len() > MAX_BLOCK / 4 {
            continue;
        }
        if members.len() <= MAX_BLOCK {
            for (x, &a) in members.iter().enumerate() {
                for &b in members.iter().skip(x + 1) {
                    pairs.push(if a < b { (a, b) } else { (b, a) });
                }
            }
        } else {
            // A very common key (a common full name): instead of dropping the block, sort it by
            // date of birth and compare each record with its neighbours only.
            members
                .sort_by_key(|&i| records.get(i as usize).and_then(|r| r.dob).map(|d| (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0))));
            for (x, &a) in members.iter().enumerate() {
                for &b in members.iter().skip(x + 1).take(WINDOW) {
                    pairs.push(if a < b { (a, b) } else { (b, a) });
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
