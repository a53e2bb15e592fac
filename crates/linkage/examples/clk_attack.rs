//! A frequency attack on a CLK file, measured: what an attacker holding the encodings of one
//! jurisdiction, but not the secret, learns of the names in it.
//! `cargo run --release -p palermo-linkage --example clk_attack -- N SEED`.
//!
//! The attacker is strong: besides the file, they hold a plaintext sample of the same
//! population (another N records of the generator, another seed) — the spellings people use and
//! how common each is, and with a salted file the years of birth too. They rank the file's name
//! segments by how many records hold each, rank the sample's names (salted: names with their
//! year) by how many people bear them, and read the i-th most common segment as the i-th most
//! common name. Printed per salting and name segment: the share of the file's records whose
//! name the attacker then reads right, among the records of the 10, 100 and all segments.
//! Generated data only: never run on a register of real people.

use palermo_linkage::clk::{Clk, FAMILY, GIVEN, SEGMENTS, Salt, encode_salted};
use palermo_linkage::generate::generate;
use palermo_linkage::normalise::fold;
use palermo_linkage::record::{Dob, Record};
use std::collections::HashMap;

/// What one name segment holds of a record: its folded name (what decides the segment's bits)
/// and, salted, the year of birth (`?` without one).
fn value(r: &Record, segment: usize, salt: Salt) -> Option<String> {
    let name = if segment == GIVEN { r.given_name.as_deref() } else { r.family_name.as_deref() };
    let folded = fold(name?).replace(' ', "");
    if folded.is_empty() {
        return None;
    }
    Some(match salt {
        Salt::None => folded,
        Salt::BirthYear => {
            let year = r.date_of_birth.as_deref().and_then(Dob::parse).map_or("?".to_owned(), |d| d.year.to_string());
            format!("{folded} {year}")
        }
    })
}

/// Values by how many records hold them, most common first (ties in a fixed order).
fn ranked<K: Ord + Clone>(counts: HashMap<K, usize>) -> Vec<(K, usize)> {
    let mut v: Vec<(K, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let (target, _) = generate(n, seed);
    let (sample, _) = generate(n, seed + 1_000);
    let secret = b"the two ministries' secret, which the attacker does not hold";
    println!("{n} records encoded (seed {seed}); the attacker's plaintext sample: {n} other records of the same population");
    for salt in [Salt::None, Salt::BirthYear] {
        let clks: Vec<Clk> = target.iter().map(|r| encode_salted(r, secret, salt)).collect();
        for segment in [GIVEN, FAMILY] {
            let words = SEGMENTS[segment].words;
            // The file: segments by frequency, each with the names its records really hold.
            let mut held: HashMap<&[u64], Vec<Option<String>>> = HashMap::new();
            for (c, r) in clks.iter().zip(&target) {
                let bits = &c[words.0..words.1];
                if bits.iter().any(|w| *w != 0) {
                    held.entry(bits).or_default().push(value(r, segment, salt));
                }
            }
            let filled: usize = held.values().map(Vec::len).sum();
            let mut file: Vec<(&[u64], Vec<Option<String>>)> = held.into_iter().collect();
            file.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            // The attacker's table: the sample's values by frequency.
            let mut counts: HashMap<String, usize> = HashMap::new();
            for r in &sample {
                if let Some(v) = value(r, segment, salt) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let table = ranked(counts);
            let mut line = format!("{:<26} {:<12}", salt.describe(), SEGMENTS[segment].name);
            for top in [10, 100, usize::MAX] {
                let (mut covered, mut right) = (0usize, 0usize);
                for ((_, names), (guess, _)) in file.iter().zip(&table).take(top) {
                    covered += names.len();
                    right += names.iter().filter(|v| v.as_deref() == Some(guess.as_str())).count();
                }
                let label = if top == usize::MAX { "all".to_owned() } else { format!("top {top}") };
                line.push_str(&format!(
                    " | {label}: {:.1} % of records, {:.1} % read right",
                    100.0 * covered as f64 / filled.max(1) as f64,
                    100.0 * right as f64 / filled.max(1) as f64
                ));
            }
            println!("{line}");
        }
    }
}
