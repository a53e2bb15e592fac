//! The year-wide disclosure check of the cases' releases (`cases_release::release_cases`: the
//! victims' tables, the SDG observations, the cases per month and the referrals' tables, checked
//! together): `cargo bench -p palermo-service --bench cases_release`. Two synthetic years: a large
//! one (100,000 cases over 30 nationalities and 30 countries of exploitation, most groups large)
//! and a small one with many nationalities (2,000 cases over 60, most groups small, so much is
//! hidden and the check works hardest).

use palermo_service::cases_release::{CaseCounts, release_cases};
use palermo_stats::Policy;
use std::collections::HashMap;
use std::time::Instant;

/// A deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    /// Skewed: index i drawn with weight about 1 / (i + 1).
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        self.below(a + 1)
    }
}

fn year(cases: usize, nationalities: usize, countries: usize, seed: u64) -> CaseCounts {
    let mut rng = Rng(seed);
    let sexes = ["Feminine", "Masculine", "Other"];
    let ages = ["adult", "child", "unknown"];
    let forms = ["sexual", "labour", "other"];
    let code = |i: usize| format!("C{i:02}");
    let mut c = CaseCounts::default();
    let mut by_form: HashMap<(usize, usize, usize), i64> = HashMap::new();
    let mut by_place: HashMap<(usize, usize, usize, usize), i64> = HashMap::new();
    let mut referrals: HashMap<(usize, usize, usize), (i64, i64)> = HashMap::new();
    for _ in 0..cases {
        let (sex, age, form) = (rng.skewed(3), rng.skewed(3), rng.skewed(3));
        let (nat, country) = (rng.skewed(nationalities), rng.skewed(countries));
        let referral = rng.below(100) >= 8;
        let positive = rng.below(100) < 80;
        c.months[rng.below(12)] += 1;
        *by_form.entry((sex, age, form)).or_default() += 1;
        *by_place.entry((sex, age, nat, country)).or_default() += 1;
        if referral {
            let r = referrals.entry((sex, age, nat)).or_default();
            r.0 += 1;
            r.1 += i64::from(positive);
        }
    }
    c.by_form = by_form.into_iter().map(|((s, a, f), n)| (sexes[s].into(), ages[a].into(), forms[f].into(), n)).collect();
    c.by_place = by_place.into_iter().map(|((s, a, k, w), n)| (sexes[s].into(), ages[a].into(), code(k), code(w), n)).collect();
    c.referrals = referrals.into_iter().map(|((s, a, k), (n, p))| (sexes[s].into(), ages[a].into(), code(k), n, p)).collect();
    c
}

fn main() {
    let policy = Policy::default();
    for (cases, nationalities, countries, runs) in [(100_000, 30, 30, 10), (2_000, 60, 40, 10)] {
        let c = year(cases, nationalities, countries, 11);
        let started = Instant::now();
        let mut hidden = 0;
        for _ in 0..runs {
            match release_cases(&c, 2026, &policy) {
                Ok(r) => {
                    hidden = r
                        .victims
                        .tables
                        .iter()
                        .chain([&r.by_month, &r.referrals.decisions])
                        .map(|t| t.cells.iter().flatten().filter(|x| x.count().is_none()).count())
                        .sum::<usize>();
                }
                Err(e) => {
                    eprintln!("release refused: {e}");
                    return;
                }
            }
        }
        let each = started.elapsed().as_secs_f64() / f64::from(runs);
        println!(
            "release_cases, {cases} cases, {nationalities} nationalities, {countries} countries ({} place rows, {} referral rows): {:.1} ms; {hidden} table cells hidden",
            c.by_place.len(),
            c.referrals.len(),
            each * 1000.0
        );
    }
}
