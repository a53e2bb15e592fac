//! How good cross-border matching on encodings can be, and what the blocking costs:
//! `cargo run --release -p palermo-linkage --example clk_quality -- N SEED`.
//! Generates N records, splits them into two jurisdictions' files, encodes both, and scores
//! one-to-one matching at several Dice thresholds twice: with the locality-sensitive blocking of
//! `link match`, and comparing every pair (no blocking: the ceiling of the encoding itself).

use palermo_linkage::clk::{Clk, Encoder, SEGMENTS, Salt, common_bits, dice_of, popcount};
use palermo_linkage::clk_match::{LEVEL_NAMES, Side, candidates, match_by_dice, match_candidates, match_salted};
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
    // SALT=birth-year encodes as `link encode --salt birth-year` does.
    let salt = if std::env::var("SALT").as_deref() == Ok("birth-year") { Salt::BirthYear } else { Salt::None };
    let mut encoder = Encoder::new(secret, salt);
    let ca: Vec<Clk> = a.iter().map(|r| encoder.encode(r)).collect();
    let cb: Vec<Clk> = b.iter().map(|r| encoder.encode(r)).collect();
    let countb: Vec<u32> = cb.iter().map(popcount).collect();
    println!("{} x {} records, {both} persons on both sides", a.len(), b.len());
    // Every pair at or above the lowest threshold tried.
    let lowest = 0.5;
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
        let (p, r, f) = score(&match_by_dice(&ca, &cb, t), &pa, &pb, both);
        let (p2, r2, f2) = score(&greedy(all.clone(), t, ca.len(), cb.len()), &pa, &pb, both);
        println!("threshold {t:.2}: blocked P {p:.3} R {r:.3} F1 {f:.3} | every pair P {p2:.3} R {r2:.3} F1 {f2:.3}");
    }
    // The levels of the true pairs, per segment (what m should be).
    let (sa, sb) = (Side::salted(&ca, salt), Side::salted(&cb, salt));
    let index_b: HashMap<usize, usize> = pb.iter().enumerate().map(|(j, p)| (*p, j)).collect();
    let mut true_levels = vec![[0usize; LEVEL_NAMES.len() + 1]; SEGMENTS.len()];
    for (x, p) in pa.iter().enumerate() {
        if let Some(v) = index_b.get(p).and_then(|&y| sa.vector(x, &sb, y)) {
            for (s, l) in v.iter().enumerate() {
                true_levels[s][usize::from(*l).min(LEVEL_NAMES.len())] += 1;
            }
        }
    }
    for (s, seg) in SEGMENTS.iter().enumerate() {
        println!("true pairs, {}: levels by LEVEL_NAMES, then missing {:?}", seg.name, true_levels[s]);
    }
    let cand = candidates(&ca, &cb);
    let kept = cand.iter().filter(|(x, y)| pa.get(*x as usize) == pb.get(*y as usize)).count();
    println!("segments: {} candidate pairs, {kept} of {both} true pairs among them", cand.len());
    let in_cand: HashSet<(u32, u32)> = cand.iter().copied().collect();
    let mut missed: HashMap<[u8; 7], usize> = HashMap::new();
    for (x, p) in pa.iter().enumerate() {
        if let Some(&y) = index_b.get(p)
            && !in_cand.contains(&(x as u32, y as u32))
            && let Some(v) = sa.vector(x, &sb, y)
        {
            *missed.entry(v).or_default() += 1;
        }
    }
    let mut missed: Vec<_> = missed.into_iter().collect();
    missed.sort_by_key(|q| std::cmp::Reverse(q.1));
    println!("true pairs not blocked, by vector: {:?}", &missed[..missed.len().min(12)]);
    for t in [0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
        let started = std::time::Instant::now();
        let m = match_salted(&ca, &cb, t, salt);
        let (p, r, f) = score(&m.pairs, &pa, &pb, both);
        println!("probability {t:.2}: P {p:.3} R {r:.3} F1 {f:.3} ({:.2} s)", started.elapsed().as_secs_f64());
    }
    let lowest_of_all = all.iter().map(|p| p.2).fold(1.0, f64::min);
    for floor in [0.5, 0.6] {
        let mut wide: Vec<(u32, u32)> = all.iter().filter(|p| p.2 >= floor).map(|p| (p.0 as u32, p.1 as u32)).collect();
        wide.sort_unstable();
        let kept = wide.iter().filter(|(x, y)| pa.get(*x as usize) == pb.get(*y as usize)).count();
        for t in [0.5, 0.9] {
            let m = match_candidates(&ca, &cb, wide.clone(), t);
            let (p, r, f) = score(&m.pairs, &pa, &pb, both);
            println!(
                "every pair with whole Dice >= {floor} ({} pairs, {kept} true; lowest kept {lowest_of_all:.2}), probability {t}: P {p:.3} R {r:.3} F1 {f:.3}, prior {:.4}",
                wide.len(),
                m.model.prior
            );
        }
    }
    let matched = match_salted(&ca, &cb, 0.5, salt);
    let mut false_links: HashMap<[u8; 7], (usize, f64)> = HashMap::new();
    let mut true_links: HashMap<[u8; 7], usize> = HashMap::new();
    for (x, y, p) in &matched.pairs {
        if let Some(v) = sa.vector(*x, &sb, *y) {
            if pa.get(*x) == pb.get(*y) {
                *true_links.entry(v).or_default() += 1;
            } else {
                let e = false_links.entry(v).or_default();
                e.0 += 1;
                e.1 += p;
            }
        }
    }
    let mut fl: Vec<_> = false_links.into_iter().collect();
    fl.sort_by_key(|q| std::cmp::Reverse(q.1.0));
    println!("false links by vector (given, family, date, sex, phone, nationality, place; 255 missing):");
    for (v, (n, p)) in fl.iter().take(12) {
        println!("  {v:?}: {n} false (mean probability {:.3}), {} true", p / *n as f64, true_links.get(v).copied().unwrap_or(0));
    }
    let m = matched.model;
    println!("model: prior {:.4}, {} EM iterations", m.prior, m.em_iterations);
    for (s, seg) in SEGMENTS.iter().enumerate() {
        let levels: Vec<String> =
            LEVEL_NAMES.iter().enumerate().map(|(l, name)| format!("{name} m {:.3} u {:.4}", m.m[s][l], m.u[s][l])).collect();
        println!("  {}: {}", seg.name, levels.join("; "));
    }
}
