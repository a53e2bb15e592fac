//! The disclosure gate's cost on tables of the sizes Palermo publishes:
//! `cargo bench -p palermo-stats --bench gate`. A GLOTIP-like table of citizenships × five groups
//! (many small cells, so much is hidden and the bridge pass works hard), released alone and
//! linked with a second classification of the same people; and the joint check of a set of
//! figures over 27 atoms (the victims' form × sex × age).

use palermo_stats::{Policy, Table, joint, release, release_linked};
use std::time::Instant;

/// A deterministic generator (xorshift64*).
fn counts(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) % 100;
            // Half the cells small (1–10), a quarter zero, a quarter large.
            match r {
                0..25 => 0,
                25..75 => 1 + r % 10,
                _ => 11 + r * 3,
            }
        })
        .collect()
}

fn table(rows: usize, seed: u64) -> Table {
    let c = counts(rows * 5, seed);
    Table {
        title: "bench".into(),
        row_labels: (0..rows).map(|i| i.to_string()).collect(),
        col_labels: (0..5).map(|j| j.to_string()).collect(),
        cells: c.chunks(5).map(<[u64]>::to_vec).collect(),
    }
}

fn time<T>(what: &str, runs: u32, mut f: impl FnMut() -> T) {
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    let each = started.elapsed().as_secs_f64() / f64::from(runs);
    println!("{what}: {:.3} ms", each * 1000.0);
}

fn main() {
    let policy = Policy::default();
    for rows in [30, 200] {
        let t = table(rows, 7 + rows as u64);
        let Ok(r) = release(&t, &policy) else {
            eprintln!("the table was refused");
            return;
        };
        let hidden = r.cells.iter().flatten().filter(|c| c.count().is_none()).count();
        println!("{rows} × 5 table: {hidden} of {} cells hidden", rows * 5);
        time(&format!("release, {rows} × 5"), 20, || release(&t, &policy));
        // The same people by another classification: the rows folded in half (same column totals).
        let half: Vec<Vec<u64>> = t.cells.chunks(2).map(|pair| (0..5).map(|j| pair.iter().map(|row| row[j]).sum()).collect()).collect();
        let t2 = Table { row_labels: (0..half.len()).map(|i| i.to_string()).collect(), cells: half, ..t.clone() };
        time(&format!("release_linked, {rows} × 5 and {} × 5", rows.div_ceil(2)), 20, || {
            release_linked(&[t.clone(), t2.clone()], &policy)
        });
    }
    // 27 atoms, 45 figures (a 3 × 5 table with margins and 27 sums of thirds): the victims' joint check.
    let atoms = counts(27, 3);
    let mut figures: Vec<Vec<usize>> = (0..27).map(|a| vec![a]).collect();
    figures.extend((0..9).map(|k| (0..3).map(|f| f * 9 + k).collect()));
    figures.extend((0..9).map(|k| (k * 3..k * 3 + 3).collect()));
    let values: Vec<u64> = figures.iter().map(|f| f.iter().map(|&a| atoms[a]).sum()).collect();
    time("joint::protect, 27 atoms, 45 figures", 200, || {
        let mut hidden: Vec<bool> = values.iter().map(|&v| v > 0 && v < 11).collect();
        joint::protect(&figures, &values, &mut hidden, 27)
    });
}
