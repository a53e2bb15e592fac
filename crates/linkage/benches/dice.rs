//! CLK comparison throughput: `cargo bench -p palermo-linkage --bench dice`.
//! Encodes generated records, then compares every encoding of side A with a block of side B
//! (Dice on 1024-bit filters) and prints comparisons per second on all cores.

use palermo_linkage::clk::{Clk, dice, encode, popcount};
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
    let total: f64 = std::thread::scope(|s| {
        let chunk = a.len().div_ceil(threads);
        let handles: Vec<_> = a
            .chunks(chunk)
            .zip(ca.chunks(chunk))
            .map(|(a, ca)| {
                s.spawn(move || {
                    let mut acc = 0.0;
                    for _ in 0..rounds {
                        for (x, px) in a.iter().zip(ca) {
                            for (y, py) in b.iter().zip(cb) {
                                acc += dice(x, y, *px, *py);
                            }
                        }
                    }
                    acc
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    });
    let secs = started.elapsed().as_secs_f64();
    let comparisons = (a.len() * b.len() * rounds) as f64;
    println!(
        "{comparisons:.0} Dice comparisons of 1024-bit CLKs in {secs:.2} s on {threads} threads: {:.0} million/s (checksum {total:.1})",
        comparisons / secs / 1e6
    );
    let started = Instant::now();
    let n = records.len();
    let _: Vec<Clk> = records.iter().map(|r| encode(r, secret)).collect();
    println!(
        "encoding: {n} records in {:.3} s on one thread = {:.0} records/s",
        started.elapsed().as_secs_f64(),
        n as f64 / started.elapsed().as_secs_f64()
    );
}
