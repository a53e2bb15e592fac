//! How good cross-border matching on encodings can be, and what the blocking costs:
//! `cargo run --release -p palermo-linkage --example clk_quality -- N SEED`.
//! Generates N records, splits them into two jurisdictions' files, encodes both, and scores
//! one-to-one matching at several Dice thresholds twice: with the locality-sensitive blocking of
//! `link match`, and comparing every pair (no blocking: the ceiling of the encoding itself).

use palermo_linkage::clk::{Clk, common_bits, dice_of, encode, match_one_to_one, popcount};
use palermo_linkage::generate::{generate, split_two};
use std::collections::{HashMap, HashSet};

fn score(pairs: &[(usize, usize, f64)], pa: &[usize], pb: &[usize], both: usize) -> (f64, f64, f64) {
    let correct = pairs.iter().filter(|(x, y, _)| pa.get(*x) == pb.get(*y)).count();
    let p = correct as f64 / pairs.len().max(1) as f64;
    let r = correct as f64 / both.max(1) as f64;
    (p, r, if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
}

fn greedy(mut scored: Vec<(usize, usize, f64)>, threshold: f64, na: usize, nb: usize) -> Vec<(usize, usize, f64)> {
    scored.retain(|s| s.2 >= threshold);
    scored.sort_by(|p, q| q.2.total_cmp(&p.2));
    let (mut used_a, mut used_b) = (vec![false; na], vec![false; nb]);
    scored
        .into_iter()
        .filter(|&(x, y, _)| {
            let free = !used_a[x] && !used_b[y];
            if free {
                used_a[x] = true;
                used_b[y] = true;
            }
            free
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(6);
    let (records, truth) = generate(n, seed);
    let person: HashMap<&str, usize> = truth.iter().map(|t| (t.id.as_str(), t.person)).collect();
    let (a, b) = split_two(&records, &truth, seed);
    let pa: Vec<usize> = a.iter().map(|r| person[r.id.as_str()]).collect();
    let pb: Vec<usize> = b.iter().map(|r| person[r.id.as_str()]).collect();
    let in_b: HashSet<usize> = pb.iter().copied().collect();
    let both = pa.iter().filter(|p| in_b.contains(p)).count();
    let secret = b"experiment secret";
    let ca: Vec<Clk> = a.iter().map(|r| encode(r, secret)).collect();
    let cb: Vec<Clk> = b.iter().map(|r| encode(r, secret)).collect();
    let countb: Vec<u32> = cb.iter().map(popcount).collect();
    println!("{} x {} records, {both} persons on both sides", a.len(), b.len());
    // Every pair at or above the lowest threshold tried.
    let lowest = 0.6;
    let every: Vec<u32> = (0..cb.len() as u32).collect();
    let mut all = Vec::new();
    let mut common = vec![0u32; cb.len()];
    for (x, c) in ca.iter().enumerate() {
        common_bits(c, &cb, &every, &mut common);
        let p = popcount(c);
        for (y, (k, q)) in common.iter().zip(&countb).enumerate() {
            let d = dice_of(*k, p, *q);
            if d >= lowest {
                all.push((x, y, d));
            }
        }
    }
    for t in [0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85] {
        let (p, r, f) = score(&match_one_to_one(&ca, &cb, t), &pa, &pb, both);
        let (p2, r2, f2) = score(&greedy(all.clone(), t, ca.len(), cb.len()), &pa, &pb, both);
        println!("threshold {t:.2}: blocked P {p:.3} R {r:.3} F1 {f:.3} | every pair P {p2:.3} R {r2:.3} F1 {f2:.3}");
    }
}
