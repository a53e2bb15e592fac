//! CLK comparison throughput: `cargo bench -p palermo-linkage --bench dice`.
//! Encodes generated records, then compares every encoding of side A with a block of side B
//! (Dice on 1024-bit filters) and prints comparisons per second on all cores.

use palermo_linkage::clk::{Clk, Encoder, Salt, common_bits, dice_of, encode, popcount};
use palermo_linkage::generate::generate;
use std::time::Instant;

fn main() {
    let (records, _) = generate(20_000, 9);
    let secret = b"benchmark secret, not for real use";
    let clks: Vec<Clk> = records.iter().map(|r| encode(r, secret)).collect();
    let counts: Vec<u32> = clks.iter().map(popcount).collect();
    let (a, b) = clks.split_at(10_000);
    let (ca, cb) = counts.split_at(10_000);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let started = Instant::now();
    let rounds = 4;
    // Each record of A against all of B, through the same call the matcher makes, B in tiles of
    // 256 encodings (32 KB) so that a tile stays in the core's first-level cache while every
    // record of A is compared with it: otherwise each comparison streams 128 bytes from L3 and
    // the memory, not the comparison, is measured.
    const TILE: usize = 256;
    let all_of_b: Vec<u32> = (0..b.len() as u32).collect();
    let total: usize = std::thread::scope(|s| {
        let chunk = a.len().div_ceil(threads);
        let handles: Vec<_> = a
            .chunks(chunk)
            .zip(ca.chunks(chunk))
            .map(|(a, ca)| {
                let all_of_b = &all_of_b;
                s.spawn(move || {
                    // What the matcher does with each pair: its Dice coefficient, kept if at or
                    // above the threshold (here counted).
                    let mut above = 0usize;
                    let (mut common, mut scores) = (vec![0u32; TILE], vec![0.0f64; TILE]);
                    for _ in 0..rounds {
                        for (tile, counts) in all_of_b.chunks(TILE).zip(cb.chunks(TILE)) {
                            for (x, px) in a.iter().zip(ca) {
                                common_bits(x, b, tile, &mut common);
                                for ((d, c), py) in scores.iter_mut().zip(&common).zip(counts) {
                                    *d = dice_of(*c, *px, *py);
                                }
                                above += scores.iter().take(tile.len()).filter(|d| **d >= 0.7).count();
                            }
                        }
                    }
                    above
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let secs = started.elapsed().as_secs_f64();
    let comparisons = (a.len() * b.len() * rounds) as f64;
    println!(
        "{comparisons:.0} Dice comparisons of 1024-bit CLKs in {secs:.2} s on {threads} threads: {:.0} million/s ({total} pairs at or above 0.7)",
        comparisons / secs / 1e6
    );
    let started = Instant::now();
    let n = records.len();
    // As `link encode` does on each thread: one encoder, each token hashed once.
    let mut encoder = Encoder::new(secret, Salt::None);
    let _: Vec<Clk> = records.iter().map(|r| encoder.encode(r)).collect();
    println!(
        "encoding: {n} records in {:.3} s on one thread = {:.0} records/s",
        started.elapsed().as_secs_f64(),
        n as f64 / started.elapsed().as_secs_f64()
    );
}
