//! Where a dedupe run loses precision and recall, on a generated file with its truth:
//! `cargo run --release -p palermo-linkage --example dedupe_errors -- records.csv truth.csv`.
//! Every true pair is classed as linked, missed by blocking, scored below the threshold, or kept
//! apart by the clustering; false links are classed likewise. The most frequent comparison
//! vectors of each class are printed (levels per comparison, `-` = missing on a side).
//! `SHOW=field:level` prints names and dates of true pairs: for generated data only, never for a
//! register of real people.

use palermo_linkage::compare::{Vector, compare};
use palermo_linkage::model::{Model, NameRarity, TermFrequencies, Weights};
use palermo_linkage::record::Prepared;
use palermo_linkage::{block, csvio, dedupe, generate};
use std::collections::{HashMap, HashSet};
use std::fs::File;

fn show(v: &Vector) -> String {
    v.iter().map(|l| l.map_or("-".to_owned(), |x| x.to_string())).collect::<Vec<_>>().join("")
}

fn top(title: &str, rows: &HashMap<String, (usize, f64)>, k: usize) {
    let total: usize = rows.values().map(|r| r.0).sum();
    println!("{title}: {total} pairs (vector g f dob sex nat place phone: count, mean probability)");
    let mut v: Vec<_> = rows.iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1.0));
    let k = if std::env::var_os("ALL").is_some() { usize::MAX } else { k };
    for (key, (n, p)) in v.into_iter().take(k) {
        println!("  {key}  {n:>6}  {:.3}", p / *n as f64);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(records), Some(truth)) = (args.get(1), args.get(2)) else {
        return Err("usage: dedupe_errors records.csv truth.csv | dedupe_errors --generate N SEED".into());
    };
    let (recs, t) = if records == "--generate" {
        let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
        let (recs, truth) = generate::generate(truth.parse()?, seed);
        let t: HashMap<String, String> = truth.into_iter().map(|t| (t.id, t.person.to_string())).collect();
        (recs, t)
    } else {
        (csvio::read_records(records, File::open(records)?)?, csvio::read_labels(truth, File::open(truth)?)?)
    };
    let options = dedupe::Options { keep_scored: true, ..Default::default() };
    let out = dedupe::run(&recs, &options, &|_, _, _| {});
    let model: &Model = &out.model;
    let prepared: Vec<Prepared> = recs.iter().map(Prepared::of).collect();
    let tf = TermFrequencies::of(&prepared);
    let weights = Weights::of(model);
    let rarity: Vec<NameRarity> = prepared.iter().map(|p| NameRarity::of(p, &tf)).collect();
    let person: Vec<Option<&String>> = recs.iter().map(|r| t.get(&r.id)).collect();
    let candidates: HashSet<(u32, u32)> = block::candidate_pairs(&prepared).into_iter().collect();
    let p_of = |a: usize, b: usize| {
        let v = compare(&prepared[a], &prepared[b]);
        (v, Model::probability(weights.weight(&v, &rarity[a])))
    };
    let mut by_person: HashMap<&String, Vec<usize>> = HashMap::new();
    for (i, p) in person.iter().enumerate() {
        if let Some(p) = p {
            by_person.entry(p).or_default().push(i);
        }
    }
    // How many other persons share a record's full name (both skeletons, order-free).
    let mut by_name: HashMap<(String, String), HashSet<&String>> = HashMap::new();
    for (r, p) in prepared.iter().zip(&person) {
        if let (Some(g), Some(f), Some(p)) = (&r.given, &r.family, p) {
            let (a, b) = if g.skeleton <= f.skeleton { (&g.skeleton, &f.skeleton) } else { (&f.skeleton, &g.skeleton) };
            by_name.entry((a.clone(), b.clone())).or_default().insert(p);
        }
    }
    let mut hist = [0usize; 5];
    let mut with = 0usize;
    for (r, p) in prepared.iter().zip(&person) {
        if let (Some(g), Some(f), Some(_)) = (&r.given, &r.family, p) {
            let (a, b) = if g.skeleton <= f.skeleton { (&g.skeleton, &f.skeleton) } else { (&f.skeleton, &g.skeleton) };
            let others = by_name.get(&(a.clone(), b.clone())).map_or(0, |s| s.len() - 1);
            with += 1;
            hist[match others {
                0 => 0,
                1 => 1,
                2..=4 => 2,
                5..=19 => 3,
                _ => 4,
            }] += 1;
        }
    }
    println!(
        "records by other persons sharing their full name (skeletons): none {:.3}, 1 {:.3}, 2-4 {:.3}, 5-19 {:.3}, 20+ {:.3}",
        hist[0] as f64 / with as f64,
        hist[1] as f64 / with as f64,
        hist[2] as f64 / with as f64,
        hist[3] as f64 / with as f64,
        hist[4] as f64 / with as f64
    );
    // SHOW=field:level prints a few true pairs compared at that level (for reading the data).
    let show_level: Option<(usize, u8)> = std::env::var("SHOW").ok().and_then(|s| {
        let (f, l) = s.split_once(':')?;
        Some((f.parse().ok()?, l.parse().ok()?))
    });
    let mut shown = 0;
    let mut classes: [HashMap<String, (usize, f64)>; 4] = Default::default();
    let names = ["linked", "not blocked", "scored below threshold", "kept apart by clustering"];
    for members in by_person.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                let (a, b) = (a.min(b), a.max(b));
                let (v, p) = p_of(a, b);
                if let Some((f, l)) = show_level
                    && v[f] == Some(l)
                    && shown < 40
                {
                    shown += 1;
                    let (x, y) = (&recs[a], &recs[b]);
                    println!(
                        "  {:?} {:?} {:?} | {:?} {:?} {:?} ({p:.3})",
                        x.given_name, x.family_name, x.date_of_birth, y.given_name, y.family_name, y.date_of_birth
                    );
                }
                let class = if out.clusters[a] == out.clusters[b] {
                    0
                } else if !candidates.contains(&(a as u32, b as u32)) {
                    1
                } else if p < model.threshold {
                    2
                } else {
                    3
                };
                let e = classes[class].entry(show(&v)).or_default();
                e.0 += 1;
                e.1 += p;
            }
        }
    }
    // m as learned against m as it is among the true pairs.
    let mut level_counts: Vec<Vec<usize>> = palermo_linkage::compare::COMPARISONS.iter().map(|c| vec![0; c.1.len()]).collect();
    for class in &classes {
        for (key, (n, _)) in class {
            for (c, ch) in key.chars().enumerate() {
                if let (Some(l), Some(row)) = (ch.to_digit(10), level_counts.get_mut(c))
                    && let Some(x) = row.get_mut(l as usize)
                {
                    *x += n;
                }
            }
        }
    }
    for (c, row) in level_counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        let learned: Vec<String> = model.comparisons[c].levels.iter().map(|l| format!("{:.4}", l.m)).collect();
        let truth: Vec<String> = row.iter().map(|n| format!("{:.4}", *n as f64 / total.max(1) as f64)).collect();
        println!("m of {}: learned [{}] true [{}]", model.comparisons[c].name, learned.join(" "), truth.join(" "));
    }
    for (c, name) in names.iter().enumerate() {
        top(&format!("true pairs {name}"), &classes[c], if c == 0 { 5 } else { 25 });
    }
    let mut by_cluster: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, c) in out.clusters.iter().enumerate() {
        by_cluster.entry(*c).or_default().push(i);
    }
    let mut false_links: HashMap<String, (usize, f64)> = HashMap::new();
    let mut direct = 0;
    for members in by_cluster.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if person[a] != person[b] {
                    let (v, p) = p_of(a.min(b), a.max(b));
                    direct += usize::from(p >= model.threshold);
                    let e = false_links.entry(show(&v)).or_default();
                    e.0 += 1;
                    e.1 += p;
                }
            }
        }
    }
    top(&format!("false links ({direct} scored at or above the threshold themselves)"), &false_links, 30);
    // An upper bound for any classifier over these comparison vectors and the names' rarity:
    // the candidate pairs grouped by (vector, term-frequency bits rounded), each group linked or
    // not as a whole, best groups first, knowing the truth (in-sample, so optimistic).
    let cand: Vec<(u32, u32)> = candidates.iter().copied().collect();
    // The names' rarity in bins of this many bits (TF_BIN; half a bit unless told).
    let tf_bin: f64 = std::env::var("TF_BIN").ok().and_then(|b| b.parse().ok()).filter(|b: &f64| *b > 0.0).unwrap_or(0.5);
    let keyed = dedupe::par_map(&cand, |&(a, b)| {
        let (x, y) = (&prepared[a as usize], &prepared[b as usize]);
        let v = compare(x, y);
        let w: f64 = rarity[a as usize].names(&v).iter().sum();
        (show(&v), (w / tf_bin).round() as i64, person[a as usize] == person[b as usize])
    });
    let true_pairs: usize = classes.iter().map(|c| c.values().map(|r| r.0).sum::<usize>()).sum();
    // In sample: every group ranked by its own truth rate (small groups are pure by chance, so
    // this is optimistic). Out of sample: the groups ranked by their rate among half of the
    // candidate pairs, and scored on the other half (a supervised classifier over these features
    // with labels for half the pairs could do about this well).
    let half = |a: u32, b: u32| (u64::from(a).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(b)).count_ones() % 2 == 0;
    let mut groups: HashMap<(String, i64), [(usize, usize); 2]> = HashMap::new();
    for ((v, w, same), &(a, b)) in keyed.into_iter().zip(&cand) {
        let e = &mut groups.entry((v, w)).or_default()[usize::from(half(a, b))];
        if same { e.0 += 1 } else { e.1 += 1 }
    }
    let rate = |(m, u): (usize, usize)| if m + u == 0 { -1.0 } else { m as f64 / (m + u) as f64 };
    let sweep = |ranked: Vec<(usize, usize)>, true_pairs: f64| {
        let (mut tp, mut fp, mut best, mut at98) = (0usize, 0usize, (0.0, 0.0, 0.0), 0.0);
        for (m, u) in ranked {
            tp += m;
            fp += u;
            let (p, r) = (tp as f64 / (tp + fp).max(1) as f64, tp as f64 / true_pairs);
            let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
            if f1 > best.2 {
                best = (p, r, f1);
            }
            if p >= 0.98 {
                at98 = r;
            }
        }
        (best, at98)
    };
    // Groups in the order of their key first, so that groups of one rate (ties) are swept in the
    // same order on every run: the hash map's order made the figures differ in the 4th decimal.
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut all: Vec<(usize, usize)> = groups.iter().map(|(_, [x, y])| (x.0 + y.0, x.1 + y.1)).collect();
    all.sort_by(|a, b| rate(*b).total_cmp(&rate(*a)));
    let (best, at98) = sweep(all, true_pairs as f64);
    println!("oracle recall at precision >= 0.98: {at98:.4}");
    println!("oracle best pairwise F1 over the candidates: precision {:.4} recall {:.4} F1 {:.4}", best.0, best.1, best.2);
    // Ranked by the rate shrunk for small groups ((m + ½) / (n + 1)): a group of one true pair is
    // not evidence that its kind is always true. A group the first half never saw goes last.
    let shrunk = |(m, u): (usize, usize)| if m + u == 0 { -1.0 } else { (m as f64 + 0.5) / (m + u + 1) as f64 };
    let mut held: Vec<[(usize, usize); 2]> = groups.into_iter().map(|(_, h)| h).collect();
    held.sort_by(|a, b| shrunk(b[0]).total_cmp(&shrunk(a[0])));
    let (best, at98) = sweep(held.into_iter().map(|[_, test]| test).collect(), true_pairs as f64 / 2.0);
    println!(
        "out of sample (ranked on half the candidates, scored on the other; true pairs halved): recall at precision >= 0.98: {at98:.4}"
    );
    println!("out of sample best F1: precision {:.4} recall {:.4} F1 {:.4}", best.0, best.1, best.2);
    println!("lambda {:.3e}", model.lambda);
    println!("{}", serde_json::to_string(model)?);
    Ok(())
}
