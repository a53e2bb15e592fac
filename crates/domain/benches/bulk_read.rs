//! The bulk-read watch's cost per identity read outside the caseload (security goal 8):
//! `cargo bench -p palermo-domain --bench bulk_read`. One user's reads: at the default limit
//! (40 people in 10 minutes), a read a second; at the largest limit the configuration accepts
//! (10,000), twenty reads a second, so the window is full and its scan longest. A fifth of the
//! reads are of someone read just before. The service adds a mutex and a hash lookup by user.

use palermo_domain::bulk_read::{Admission, Limit, Reads};
use std::time::Instant;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` (the test suite) runs this too,
    // unoptimised: a short run there, which only shows that it works.
    let n: u32 = if std::env::args().any(|a| a == "--bench") { 1_000_000 } else { 10_000 };
    let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    for (people, apart_ms) in [(40usize, 1000i64), (10_000, 50)] {
        let limit = Limit { people, window: Duration::minutes(10) };
        let mut reads = Reads::default();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let started = Instant::now();
        let mut admitted = 0u32;
        for i in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // A fifth of the reads are of one of the last few people read.
            let back = u32::try_from(x % 3).unwrap_or(0) + 1;
            let person = if x.is_multiple_of(5) { i.saturating_sub(back) } else { i };
            let now = start + Duration::milliseconds(apart_ms * i64::from(i));
            if reads.admit(Uuid::from_u128(u128::from(person)), now, limit) == Admission::Admitted {
                admitted += 1;
            }
        }
        let each = started.elapsed().as_secs_f64() / f64::from(n);
        println!(
            "limit {people} people in 10 minutes, a read every {apart_ms} ms: {:.0} ns per read ({admitted} of {n} admitted)",
            each * 1e9
        );
    }
}
