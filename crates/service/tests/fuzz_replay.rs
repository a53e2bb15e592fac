//! The fuzz targets' checks (`fuzz/bodies.rs`, the same functions libFuzzer runs) on every test
//! run: over each target's seed corpus (`fuzz/seeds/<target>/`), the files kept from earlier
//! finds (`fuzz/regressions/<target>_*`), and a few thousand deterministic mutations of them (bit
//! flips, bytes that matter to the formats, insertions, deletions, duplicated and spliced
//! chunks). No coverage guidance — that is what the libFuzzer runs by hand add — but a harness
//! that no longer holds on its own seeds, or a reader that panics on a nearby input, fails here.

#![allow(clippy::expect_used, clippy::panic)]

#[path = "../../../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

/// A small deterministic generator (xorshift64*): the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("seeds").join(target)).expect("the target's seed corpus") {
        let path = entry.expect("a corpus entry").path();
        out.push((path.display().to_string(), std::fs::read(&path).expect("a seed file")));
    }
    for entry in std::fs::read_dir(root.join("regressions")).expect("fuzz/regressions") {
        let path = entry.expect("a regressions entry").path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&format!("{target}_"))) {
            out.push((path.display().to_string(), std::fs::read(&path).expect("a regression file")));
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

/// Bytes the readers give meaning to: separators, quotes, line ends, a byte-order mark, the
/// start of multi-byte UTF-8 sequences, digits and signs of dates and numbers, XML's brackets.
const INTERESTING: &[u8] = b"\0\xff\x80\xc3\xe2\xef\xbb\xbf\",;\n\r\t-+:/0912<>&=";

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut m = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(m.len() + 1);
        match rng.below(7) {
            0 if !m.is_empty() => {
                let i = at.min(m.len() - 1);
                m[i] ^= 1 << rng.below(8);
            }
            1 if !m.is_empty() => {
                let i = at.min(m.len() - 1);
                m[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => m.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 => {
                let end = (at + 1 + rng.below(16)).min(m.len());
                m.drain(at.min(end)..end);
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(m.len());
                let chunk = m[at.min(end)..end].to_vec();
                let to = rng.below(m.len() + 1);
                m.splice(to..to, chunk);
            }
            5 => m.truncate(at),
            _ => {
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(128)).min(other.len());
                m.splice(at..at, other[from..end].iter().copied());
            }
        }
    }
    m
}

fn replay(target: &str, mutations_per_seed: usize, check: fn(&[u8])) {
    let seeds = seeds(target);
    let mut rng = Rng(0x5EED_0F9A_1E12_u64 ^ target.len() as u64);
    for (name, seed) in &seeds {
        check(seed);
        for _ in 0..mutations_per_seed {
            let other = &seeds[rng.below(seeds.len())].1;
            let input = mutate(&mut rng, seed, other);
            if std::panic::catch_unwind(|| check(&input)).is_err() {
                let kept = std::env::temp_dir().join(format!("fuzz-replay-{target}-{}.bin", std::process::id()));
                let _ = std::fs::write(&kept, &input);
                panic!("{target}: a mutation of {name} fails the harness; the input is kept in {}", kept.display());
            }
        }
    }
}

#[test]
fn import_csv_holds_on_its_seeds_and_nearby_inputs() {
    replay("import_csv", 5000, bodies::import_csv);
}

#[test]
fn import_xlsx_holds_on_its_seeds_and_nearby_inputs() {
    replay("import_xlsx", 3000, bodies::import_xlsx);
}

#[test]
fn link_csv_holds_on_its_seeds_and_nearby_inputs() {
    replay("link_csv", 500, bodies::link_csv);
}
