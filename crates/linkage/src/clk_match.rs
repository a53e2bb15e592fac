//! Matching two jurisdictions' encodings ([`crate::clk`]) without names: privacy-preserving
//! blocking on the filters, then a Fellegi–Sunter model over the similarity of each **segment**
//! (given name, family name, date of birth, …), learned from the two files without labels — u from
//! random pairs, m by EM over the candidates — with an adjustment for how common an exactly equal
//! name segment is in the two files, and one-to-one pairs taken greedily from the strongest down.
//!
//! Everything here works on what both parties already hold after the exchange (the filters);
//! nothing needs the secret. What the segments let an attacker learn is in docs/LINKAGE.md.

use crate::clk::{
    Clk, DATE_OF_BIRTH, FAMILY, GIVEN, NAME_SEGMENTS, NATIONALITY, NSEG, PHONE, PLACE_OF_BIRTH, SCHEMA, SEX, Salt, common_bits,
    cross_common, dice_of, popcount, segment_common, segment_counts, words_common, words_count,
};
use crate::rng::Rng;
use std::collections::HashMap;

/// Levels of a segment's similarity: bits equal; one side's bits all among the other's (a year
/// of birth alone against a full date of that year); then Dice bands.
pub const LEVELS: usize = 7;
pub const LEVEL_NAMES: [&str; LEVELS] = ["equal", "contained", "dice >= 0.8", "dice >= 0.6", "dice >= 0.4", "dice >= 0.2", "dice < 0.2"];
/// The segment is empty on one side (the field was missing): no evidence either way.
const MISSING: u8 = u8::MAX;
/// The segments whose agreement goes with the name's (sex, nationality, place of birth).
const NAME_DEPENDENT: [usize; 3] = [SEX, NATIONALITY, PLACE_OF_BIRTH];

pub type Vector = [u8; NSEG];

/// The level of one segment from the bits the two share and the bits each has.
fn level(common: u16, pa: u16, pb: u16) -> u8 {
    if pa == 0 || pb == 0 {
        return MISSING;
    }
    if common == pa && common == pb {
        return 0;
    }
    if common == pa.min(pb) {
        return 1;
    }
    let d = 2.0 * f64::from(common) / f64::from(pa + pb);
    if d >= 0.8 {
        2
    } else if d >= 0.6 {
        3
    } else if d >= 0.4 {
        4
    } else if d >= 0.2 {
        5
    } else {
        6
    }
}

/// One side's encodings with what every comparison needs, computed once.
pub struct Side<'a> {
    clks: &'a [Clk],
    counts: Vec<[u16; NSEG]>,
    /// A hash of each segment's bits (0 when empty): equal segments, equal hash.
    hashes: Vec<[u64; NSEG]>,
    salt: Salt,
    /// Salted: each name segment's halves (one year band each), by [`NAME_SEGMENTS`] then half.
    halves: Vec<[[Half; 2]; 2]>,
}

/// One half of a salted name segment: a hash of its bits (0 when empty) and how many are set.
#[derive(Debug, Clone, Copy)]
struct Half {
    hash: u64,
    bits: u16,
}

/// The word ranges of the two halves of a name segment.
fn name_halves(segment: usize) -> [(usize, usize); 2] {
    crate::clk::SEGMENTS.get(segment).map_or([(0, 0); 2], |s| crate::clk::halves(s.words))
}

fn segment_hash(c: &Clk, segment: usize) -> u64 {
    crate::clk::SEGMENTS.get(segment).map_or(0, |s| words_hash(c, s.words))
}

fn words_hash(c: &Clk, r: (usize, usize)) -> u64 {
    let words = c.get(r.0..r.1).unwrap_or(&[]);
    if words.iter().all(|w| *w == 0) {
        return 0;
    }
    // FNV-1a over the words: a fingerprint for counting equal segments, not a security measure.
    words.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, w| (h ^ w).wrapping_mul(0x100_0000_01b3)).max(1)
}

impl<'a> Side<'a> {
    pub fn new(clks: &'a [Clk]) -> Self {
        Self::salted(clks, Salt::None)
    }

    /// A side whose files were encoded with the salting `salt`.
    pub fn salted(clks: &'a [Clk], salt: Salt) -> Self {
        let halves = match salt {
            Salt::None => Vec::new(),
            Salt::BirthYear => clks
                .iter()
                .map(|c| NAME_SEGMENTS.map(|s| name_halves(s).map(|r| Half { hash: words_hash(c, r), bits: words_count(c, r) })))
                .collect(),
        };
        Side {
            clks,
            counts: clks.iter().map(segment_counts).collect(),
            hashes: clks.iter().map(|c| std::array::from_fn(|s| segment_hash(c, s))).collect(),
            salt,
            halves,
        }
    }

    /// The two halves of name segment `s` of record `i` (salted sides only).
    fn halves_of(&self, i: usize, s: usize) -> Option<[Half; 2]> {
        let k = NAME_SEGMENTS.iter().position(|&n| n == s)?;
        self.halves.get(i).map(|h| h[k])
    }

    /// The level of each segment for record `x` of this side against record `y` of `other`
    /// (`u8::MAX`: missing on one side). The names are read straight or crossed (this given name
    /// against the other's family name, and the reverse), whichever agrees more: one side may
    /// have recorded them the other way round.
    pub fn vector(&self, x: usize, other: &Side, y: usize) -> Option<Vector> {
        let (a, b) = (self.clks.get(x)?, other.clks.get(y)?);
        let (ca, cb) = (self.counts.get(x)?, other.counts.get(y)?);
        let common = segment_common(a, b);
        let mut v = [MISSING; NSEG];
        for (i, o) in v.iter_mut().enumerate() {
            *o = level(common[i], ca[i], cb[i]);
        }
        let agreement = |(common, pa, pb): (u16, u16, u16)| if pa == 0 || pb == 0 { 0.0 } else { f64::from(common) / f64::from(pa + pb) };
        // Name segment `sa` of a against `sb` of b: (bits shared, bits of each). Salted, the
        // better of the two halves: each is one year band, so names whose years differ by one
        // still meet in one of them.
        let names = |sa: usize, sb: usize| -> (u16, u16, u16) {
            if self.salt == Salt::None {
                let common = if sa == sb { common[sa] } else { cross_common(a, sa, b, sb) };
                return (common, ca[sa], cb[sb]);
            }
            let (ra, rb) = (name_halves(sa), name_halves(sb));
            let (Some(pa), Some(pb)) = (self.halves_of(x, sa), other.halves_of(y, sb)) else { return (0, 0, 0) };
            let half = |k: usize| (words_common(a, ra[k], b, rb[k]), pa[k].bits, pb[k].bits);
            let (first, second) = (half(0), half(1));
            if agreement(second) > agreement(first) { second } else { first }
        };
        let (g, f) = (names(GIVEN, GIVEN), names(FAMILY, FAMILY));
        let (gf, fg) = (names(GIVEN, FAMILY), names(FAMILY, GIVEN));
        let crossed = agreement(gf) + agreement(fg) > agreement(g) + agreement(f);
        let (g, f) = if crossed { (gf, fg) } else { (g, f) };
        v[GIVEN] = level(g.0, g.1, g.2);
        v[FAMILY] = level(f.0, f.1, f.2);
        Some(v)
    }
}

/// The learned model: prior odds that a candidate pair is a match, and per segment and level the
/// probability of that level among matches (m) and among non-matches (u).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    pub prior: f64,
    pub m: [[f64; LEVELS]; NSEG],
    pub u: [[f64; LEVELS]; NSEG],
    pub em_iterations: usize,
}

impl FieldModel {
    /// log2 of the Bayes factor of a level of a segment.
    fn bf(&self, segment: usize, level: u8) -> f64 {
        let l = usize::from(level);
        match (self.m.get(segment).and_then(|m| m.get(l)), self.u.get(segment).and_then(|u| u.get(l))) {
            (Some(m), Some(u)) => (m / u).log2(),
            _ => 0.0,
        }
    }

    /// The match weight (log2 odds) of a vector under the model's prior, without the frequency
    /// adjustment.
    pub fn weight(&self, v: &Vector) -> f64 {
        (self.prior / (1.0 - self.prior)).log2() + self.evidence(v)
    }

    /// The sum of the segments' log2 Bayes factors: the weight without the prior.
    fn evidence(&self, v: &Vector) -> f64 {
        v.iter().enumerate().filter(|(_, l)| **l != MISSING).map(|(s, l)| self.bf(s, *l)).sum()
    }
}

/// How often each name segment's exact bits occur in the two files together.
struct Frequencies {
    counts: [HashMap<u64, u32>; 2],
    total: f64,
}

impl Frequencies {
    /// Salted, the two halves of a segment are counted apart (their values never coincide: each
    /// half has its own salt), so that a half's share is among the records of its year band.
    fn of(a: &Side, b: &Side) -> Self {
        let mut counts = [HashMap::new(), HashMap::new()];
        let count = |c: &mut HashMap<u64, u32>, h: u64| {
            if h != 0 {
                *c.entry(h).or_insert(0u32) += 1;
            }
        };
        if a.salt == Salt::None {
            for hashes in a.hashes.iter().chain(&b.hashes) {
                for (c, s) in counts.iter_mut().zip(NAME_SEGMENTS) {
                    count(c, hashes[s]);
                }
            }
        } else {
            for halves in a.halves.iter().chain(&b.halves) {
                for (c, segment) in counts.iter_mut().zip(halves) {
                    for half in segment {
                        count(c, half.hash);
                    }
                }
            }
        }
        Frequencies { counts, total: (a.hashes.len() + b.hashes.len()).max(1) as f64 }
    }

    /// Salted by the year of birth, a name segment's share is its name's share among the
    /// records of its year (or of records without a date) times that group's share of all
    /// records. What equal names say beyond the year is the first; so the shares of a side with
    /// salted names are divided by the chance that two records fall in one group: for a record
    /// without a date, the share of records without one; for a dated record, the chance that two
    /// dated records share a year, from the records that give only a year (their date segment is
    /// the year's bits alone, so equal segments are equal years). A half's salt is a band of two
    /// years, so two dated records share it about twice as often as a year (neighbouring years
    /// hold about as many people; the files do not say which years neighbour).
    fn salt_groups(a: &Side, b: &Side) -> (f64, f64) {
        let (mut total, mut undated) = (0usize, 0usize);
        let mut years: HashMap<u64, usize> = HashMap::new();
        let year_bits = SCHEMA.iter().find(|f| f.segment == DATE_OF_BIRTH).map_or(0, |f| f.k) as u16;
        for side in [a, b] {
            for (counts, hashes) in side.counts.iter().zip(&side.hashes) {
                total += 1;
                match counts[DATE_OF_BIRTH] {
                    0 => undated += 1,
                    n if n <= year_bits => *years.entry(hashes[DATE_OF_BIRTH]).or_default() += 1,
                    _ => {}
                }
            }
        }
        let year_only: usize = years.values().sum();
        // Σ n² / N², summed in integers: exact whatever order the map gives its counts in, so
        // that the same files give the same weights (and the same order of tied pairs) every run.
        let squares: u128 = years.values().map(|&n| (n as u128) * (n as u128)).sum();
        let same_year = if year_only == 0 { 0.5 } else { squares as f64 / (year_only as f64).powi(2) };
        ((undated as f64 / total.max(1) as f64).max(1e-6), (2.0 * same_year).clamp(1e-6, 1.0))
    }

    /// The share of records holding this exact name segment (at least one record's share).
    fn share(&self, which: usize, hash: u64) -> f64 {
        let n = self.counts.get(which).and_then(|c| c.get(&hash)).copied().unwrap_or(1);
        f64::from(n.max(1)) / self.total
    }
}

/// Privacy-preserving blocking: locality-sensitive hashing on bit samples. Each of `bands` keys
/// is the values of `rows` fixed bit positions (chosen from a public seed); filters that share
/// most bits share some band with high probability.
fn band_keys(c: &Clk, bands: usize, rows: usize, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    (0..bands)
        .map(|b| {
            let mut key: u64 = b as u64;
            for _ in 0..rows {
                let bit = rng.below(crate::clk::BITS);
                let set = c.get(bit / 64).is_some_and(|w| w >> (bit % 64) & 1 == 1);
                key = key.wrapping_mul(0x100_0000_01b3) ^ u64::from(set);
            }
            key
        })
        .collect()
}

/// Candidate pairs of the earlier method (whole-filter bit sampling), sorted, without repeats.
pub fn candidates_by_bits(a: &[Clk], b: &[Clk]) -> Vec<(u32, u32)> {
    const BANDS: usize = 24;
    const ROWS: usize = 12;
    const SEED: u64 = 0x5eed;
    let mut buckets: HashMap<u64, (Vec<u32>, Vec<u32>)> = HashMap::new();
    for (i, c) in a.iter().enumerate() {
        for k in band_keys(c, BANDS, ROWS, SEED) {
            buckets.entry(k).or_default().0.push(i as u32);
        }
    }
    for (j, c) in b.iter().enumerate() {
        for k in band_keys(c, BANDS, ROWS, SEED) {
            if let Some(e) = buckets.get_mut(&k) {
                e.1.push(j as u32);
            }
        }
    }
    pairs_of_buckets(&buckets)
}

/// Every pair within each bucket (records of `a`, records of `b`), sorted, without repeats;
/// a bucket of more than 10,000 pairs is left out (nearly empty filters, or a key so common that
/// it tells nobody apart).
fn pairs_of_buckets(buckets: &HashMap<u64, (Vec<u32>, Vec<u32>)>) -> Vec<(u32, u32)> {
    let mut cand: Vec<(u32, u32)> = Vec::new();
    for (xs, ys) in buckets.values() {
        if xs.len() * ys.len() > 10_000 {
            continue;
        }
        for &x in xs {
            for &y in ys {
                cand.push((x, y));
            }
        }
    }
    cand.sort_unstable();
    cand.dedup();
    cand
}

/// A 64-bit mix (splitmix64's finaliser): the public "permutations" of MinHash.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// MinHash of a segment's set bits under `n` public permutations (all `u64::MAX` when empty):
/// two segments share each value with probability equal to the Jaccard similarity of their bits.
fn minhashes<const N: usize>(c: &Clk, words: (usize, usize), seed: u64) -> [u64; N] {
    let mut out = [u64::MAX; N];
    for (w, word) in c.iter().enumerate().take(words.1).skip(words.0) {
        let mut bits = *word;
        while bits != 0 {
            // Offsets within the segment: a name has the same values in either name segment.
            let position = ((w - words.0) * 64) as u64 + u64::from(bits.trailing_zeros());
            bits &= bits - 1;
            for (i, o) in out.iter_mut().enumerate() {
                *o = (*o).min(mix(position ^ seed.wrapping_add(i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
            }
        }
    }
    out
}

/// Bands of the names' MinHash: each key is two values of the given name's and two of the
/// family name's, so a pair whose names are spelled differently (Jaccard ~0.5 each) shares one of
/// the bands with good probability, and two unrelated names rarely do.
const NAME_BANDS: usize = 20;

/// The blocking keys of one record, all from its encoding: equal full name, equal family or given
/// name and birth date, equal birth date, equal phone, and the names' MinHash bands. The name keys
/// do not depend on which name was recorded as given and which as family (a name sets the same
/// bits in either segment). Each key is tagged with its kind so that keys of different kinds never
/// meet.
fn blocking_keys(side: &Side, i: usize, min_date_bits: u16) -> Vec<u64> {
    let (Some(c), Some(h), Some(n)) = (side.clks.get(i), side.hashes.get(i), side.counts.get(i)) else { return Vec::new() };
    let mut keys = Vec::with_capacity(NAME_BANDS + 5);
    let tagged = |tag: u64, parts: &[u64]| parts.iter().fold(mix(tag), |k, p| mix(k ^ p));
    let unordered = |x: u64, y: u64| [x.min(y), x.max(y)];
    let date = (n[DATE_OF_BIRTH] >= min_date_bits).then_some(h[DATE_OF_BIRTH]);
    let (given, family) = (h[GIVEN], h[FAMILY]);
    if given != 0 && family != 0 {
        keys.push(tagged(1, &unordered(given, family)));
    }
    if let Some(d) = date {
        keys.push(tagged(5, &[d]));
        for name in [given, family] {
            if name != 0 {
                keys.push(tagged(2, &[name, d]));
            }
        }
    }
    if h[PHONE] != 0 {
        keys.push(tagged(4, &[h[PHONE]]));
    }
    if given != 0 && family != 0 {
        // Salted, the keys are per half (one year band each; the halves' keys never meet): names
        // of one person whose years differ by one meet in one of them — equal half-names, and a
        // quarter as many MinHash bands per half (a band of two years holds a name's records of
        // two years, and its pairs grow with the square).
        let (ranges, bands): (Vec<[(usize, usize); 2]>, usize) = match side.salt {
            Salt::None => (vec![NAME_SEGMENTS.map(|s| crate::clk::SEGMENTS.get(s).map_or((0, 0), |x| x.words))], NAME_BANDS),
            Salt::BirthYear => ((0..2).map(|k| NAME_SEGMENTS.map(|s| name_halves(s)[k])).collect(), NAME_BANDS / 4),
        };
        for (k, [rg, rf]) in ranges.into_iter().enumerate() {
            let tag = 100 + 100 * k as u64;
            if let Some([g, f]) = side.halves.get(i) {
                keys.push(tagged(tag + 99, &unordered(g[k].hash, f[k].hash)));
            }
            let g: [u64; NAME_BANDS * 2] = minhashes(c, rg, 0x61);
            let f: [u64; NAME_BANDS * 2] = minhashes(c, rf, 0x61);
            for band in 0..bands {
                let part =
                    |m: &[u64; NAME_BANDS * 2]| mix(m.get(2 * band).copied().unwrap_or(0)) ^ m.get(2 * band + 1).copied().unwrap_or(0);
                keys.push(tagged(tag + band as u64, &unordered(part(&g), part(&f))));
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The fewest bits a complete birth date sets in its segment (three or four tokens); a year alone
/// sets fewer and is too common to block or pair on.
fn min_date_bits() -> u16 {
    crate::clk::SCHEMA.iter().find(|f| f.name == "date_of_birth").map_or(1, |f| f.k as u16 * 2 + 1)
}

/// Candidate pairs `(index in a, index in b)`, sorted, without repeats: pairs sharing a blocking
/// key ([`blocking_keys`]), leaving out keys shared by more than 10,000 pairs (a name so common
/// that, without more, it tells nobody apart).
pub fn candidates(a: &[Clk], b: &[Clk]) -> Vec<(u32, u32)> {
    let (sa, sb) = (Side::new(a), Side::new(b));
    candidates_of(&sa, &sb)
}

fn candidates_of(a: &Side, b: &Side) -> Vec<(u32, u32)> {
    let min_date = min_date_bits();
    let mut buckets: HashMap<u64, (Vec<u32>, Vec<u32>)> = HashMap::new();
    let keys_a = crate::dedupe::par_map(&(0..a.clks.len()).collect::<Vec<_>>(), |&i| blocking_keys(a, i, min_date));
    for (i, keys) in keys_a.iter().enumerate() {
        for k in keys {
            buckets.entry(*k).or_default().0.push(i as u32);
        }
    }
    drop(keys_a);
    let keys_b = crate::dedupe::par_map(&(0..b.clks.len()).collect::<Vec<_>>(), |&j| blocking_keys(b, j, min_date));
    for (j, keys) in keys_b.iter().enumerate() {
        for k in keys {
            if let Some(e) = buckets.get_mut(k) {
                e.1.push(j as u32);
            }
        }
    }
    pairs_of_buckets(&buckets)
}

/// Pairs whose segments `segments` are all equal (and have at least `min_bits` bits each): per
/// value, every pair of its records on the two sides, or `per_value` of them drawn at random; at
/// most `max`.
fn pairs_equal_on(a: &Side, b: &Side, segments: &[usize], min_bits: u16, per_value: usize, max: usize, rng: &mut Rng) -> Vec<(u32, u32)> {
    let mut groups: HashMap<u64, (Vec<u32>, Vec<u32>)> = HashMap::new();
    let usable = |side: &Side, i: usize| {
        let (hashes, counts) = (side.hashes.get(i)?, side.counts.get(i)?);
        let mut key = 0u64;
        for &s in segments {
            let (h, c) = (*hashes.get(s)?, *counts.get(s)?);
            if h == 0 || c < min_bits {
                return None;
            }
            key = key.rotate_left(17) ^ h;
        }
        Some(key)
    };
    for i in 0..a.clks.len() {
        if let Some(h) = usable(a, i) {
            groups.entry(h).or_default().0.push(i as u32);
        }
    }
    for j in 0..b.clks.len() {
        if let Some(h) = usable(b, j)
            && let Some(g) = groups.get_mut(&h)
        {
            g.1.push(j as u32);
        }
    }
    let mut keys: Vec<&u64> = groups.keys().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for k in keys {
        let Some((xs, ys)) = groups.get(k) else { continue };
        if xs.is_empty() || ys.is_empty() {
            continue;
        }
        if xs.len() * ys.len() <= per_value {
            out.extend(xs.iter().flat_map(|&x| ys.iter().map(move |&y| (x, y))));
        } else {
            for _ in 0..per_value {
                if let (Some(&x), Some(&y)) = (xs.get(rng.below(xs.len())), ys.get(rng.below(ys.len()))) {
                    out.push((x, y));
                }
            }
        }
    }
    rng.shuffle(&mut out);
    out.truncate(max);
    out
}

/// One EM session over pairs chosen for agreeing on segment `fixed`: m of every other segment
/// and the session's own prior are estimated, with u held at the random pairs' (the agreement
/// the pairs were chosen by is left out of their weights: it says nothing within the session).
/// (The distinct vectors are kept in order, so that the sums, and so the model, are the same on
/// every run.)
fn em_session(
    a: &Side,
    b: &Side,
    pairs: &[(u32, u32)],
    fixed: &[usize],
    held: &[usize],
    start: &FieldModel,
) -> ([[f64; LEVELS]; NSEG], usize) {
    let mut patterns: std::collections::BTreeMap<Vector, f64> = Default::default();
    for v in crate::dedupe::par_map(pairs, |&(x, y)| a.vector(x as usize, b, y as usize)).into_iter().flatten() {
        let mut v = v;
        for &s in fixed {
            if let Some(l) = v.get_mut(s) {
                *l = MISSING;
            }
        }
        *patterns.entry(v).or_insert(0.0) += 1.0;
    }
    let mut model = start.clone();
    model.prior = 0.1;
    let mut iterations = 0;
    for iteration in 1..=100 {
        let mut counts = [[1e-3; LEVELS]; NSEG];
        let (mut matched, mut total) = (0.0, 0.0);
        for (v, n) in &patterns {
            let p = probability(model.weight(v));
            add(&mut counts, v, p * n);
            matched += p * n;
            total += n;
        }
        let prior = (matched / total.max(1.0)).clamp(1e-6, 0.999);
        let mut m = normalised(counts).map(|c| c.map(|x| x.max(1e-4)));
        for &s in held.iter().chain(fixed) {
            if let (Some(x), Some(y)) = (m.get_mut(s), start.m.get(s)) {
                *x = *y;
            }
        }
        let change = (prior - model.prior).abs()
            + m.iter().zip(&model.m).flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs())).sum::<f64>();
        model.prior = prior;
        model.m = m;
        iterations = iteration;
        if change < 1e-6 {
            break;
        }
    }
    (model.m, iterations)
}

/// Learn the model from the two files, without labels: u from random pairs; m in two EM
/// sessions, one over pairs with equal (complete) birth dates, which gives m of the names and
/// the other fields, one over pairs with equal given and family names, which gives m of the date.
/// The prior is left for [`match_candidates`] to estimate.
///
/// Salted by the year of birth ([`Salt::BirthYear`]), names and dates are no longer independent:
/// two records' name segments can agree only if their years do. Pairs chosen for an equal date
/// share a year, so their non-matches agree on names far more often than random pairs do (and
/// pairs chosen for equal names share a year, so their dates agree more). Left with the random
/// pairs' u, EM would take those non-matches for matches; so each session's u is taken from the
/// session's own pairs (mostly non-matches).
pub fn learn(a: &Side, b: &Side, salt: Salt) -> FieldModel {
    let (na, nb) = (a.clks.len(), b.clks.len());
    let mut rng = Rng::new(0x0c1c);
    let mut counts = [[1.0; LEVELS]; NSEG]; // one pseudo-count per level
    if na > 0 && nb > 0 {
        for _ in 0..200_000 {
            if let Some(v) = a.vector(rng.below(na), b, rng.below(nb)) {
                add(&mut counts, &v, 1.0);
            }
        }
    }
    let mut u = normalised(counts);
    // Sex, nationality and place of birth go with the name: two different people who share a
    // given name are usually of one sex and often of one country. Their u is taken from pairs
    // with equal given names (nearly all different people), so that agreeing on them adds only
    // what the name did not already say.
    let namesakes = pairs_equal_on(a, b, &[GIVEN], 1, 50, 200_000, &mut rng);
    let mut counts = [[1.0; LEVELS]; NSEG];
    for v in crate::dedupe::par_map(&namesakes, |&(x, y)| a.vector(x as usize, b, y as usize)).into_iter().flatten() {
        add(&mut counts, &v, 1.0);
    }
    let namesakes_u = normalised(counts);
    for s in NAME_DEPENDENT {
        if let (Some(x), Some(y)) = (u.get_mut(s), namesakes_u.get(s)) {
            *x = *y;
        }
    }
    let mut model = FieldModel { prior: 0.1, m: [[0.55, 0.05, 0.2, 0.1, 0.05, 0.03, 0.02]; NSEG], u, em_iterations: 0 };
    // The model a session starts from: salted, with u over the session's own pairs.
    let session_start = |pairs: &[(u32, u32)]| -> FieldModel {
        if salt == Salt::None {
            return model.clone();
        }
        let mut counts = [[1.0; LEVELS]; NSEG];
        for v in crate::dedupe::par_map(pairs, |&(x, y)| a.vector(x as usize, b, y as usize)).into_iter().flatten() {
            add(&mut counts, &v, 1.0);
        }
        FieldModel { u: normalised(counts), ..model.clone() }
    };
    let by_date = pairs_equal_on(a, b, &[DATE_OF_BIRTH], min_date_bits(), 50, 300_000, &mut rng);
    let same_year = session_start(&by_date);
    let (m1, i1) = em_session(a, b, &by_date, &[DATE_OF_BIRTH], &[], &same_year);
    let by_name = pairs_equal_on(a, b, &[GIVEN, FAMILY], 1, 50, 300_000, &mut rng);
    let (m2, i2) = em_session(a, b, &by_name, &[GIVEN, FAMILY], &[], &FieldModel { m: m1, ..session_start(&by_name) });
    model.m = m1;
    if let (Some(x), Some(y)) = (model.m.get_mut(DATE_OF_BIRTH), m2.get(DATE_OF_BIRTH)) {
        *x = *y;
    }
    // Salted, equal or similar names already say that the years agree, which the date segment
    // says again: names are weighed against people of one year (the first session's own pairs),
    // not against random pairs, so that the year is counted once.
    if salt != Salt::None {
        for s in NAME_SEGMENTS {
            if let (Some(x), Some(y)) = (model.u.get_mut(s), same_year.u.get(s)) {
                *x = *y;
            }
        }
    }
    model.em_iterations = i1 + i2;
    model
}

fn add(counts: &mut [[f64; LEVELS]; NSEG], v: &Vector, w: f64) {
    for (c, l) in counts.iter_mut().zip(v) {
        if let Some(x) = c.get_mut(usize::from(*l)) {
            *x += w;
        }
    }
}

fn normalised(counts: [[f64; LEVELS]; NSEG]) -> [[f64; LEVELS]; NSEG] {
    counts.map(|c| {
        let t: f64 = c.iter().sum();
        c.map(|x| x / t.max(f64::MIN_POSITIVE))
    })
}

/// The probability of a match weight (log2 odds).
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// What [`match_one_to_one`] found and learned.
pub struct Matched {
    /// `(index in a, index in b, match probability)`, one-to-one, strongest first.
    pub pairs: Vec<(usize, usize, f64)>,
    pub candidates: usize,
    pub model: FieldModel,
}

/// One-to-one pairs whose match probability is at least `threshold`, greedily from the highest
/// weight down.
pub fn match_one_to_one(a: &[Clk], b: &[Clk], threshold: f64) -> Matched {
    match_salted(a, b, threshold, Salt::None)
}

/// [`match_one_to_one`] for two files encoded with the salting `salt` (both sides alike).
pub fn match_salted(a: &[Clk], b: &[Clk], threshold: f64, salt: Salt) -> Matched {
    let (sa, sb) = (Side::salted(a, salt), Side::salted(b, salt));
    let cand = candidates_of(&sa, &sb);
    match_sides(&sa, &sb, cand, threshold, salt)
}

/// [`match_one_to_one`] over given candidate pairs (sorted by the index in `a`).
pub fn match_candidates(a: &[Clk], b: &[Clk], cand: Vec<(u32, u32)>, threshold: f64) -> Matched {
    match_sides(&Side::new(a), &Side::new(b), cand, threshold, Salt::None)
}

fn match_sides(sa: &Side, sb: &Side, cand: Vec<(u32, u32)>, threshold: f64, salt: Salt) -> Matched {
    let (a, b) = (sa.clks, sb.clks);
    let mut model = learn(sa, sb, salt);
    let freq = Frequencies::of(sa, sb);
    let salt_groups = (salt != Salt::None).then(|| Frequencies::salt_groups(sa, sb));
    // log2(m / u) of an equal name segment, to be replaced by log2(m / share of that value).
    let equal_bf = NAME_SEGMENTS.map(|s| model.bf(s, 0));
    let equal_m = NAME_SEGMENTS.map(|s| model.m.get(s).map_or(1.0, |m| m[0]));
    // The evidence of each candidate pair (log2 Bayes factor, name frequencies included).
    let rows: Vec<&[(u32, u32)]> = cand.chunk_by(|p, q| p.0 == q.0).collect();
    let evidence: Vec<Vec<(u32, f64)>> = crate::dedupe::par_map(&rows, |row| {
        let mut out = Vec::with_capacity(row.len());
        for &(x, y) in *row {
            let Some(v) = sa.vector(x as usize, sb, y as usize) else { continue };
            let mut w = model.evidence(&v);
            for (i, &s) in NAME_SEGMENTS.iter().enumerate() {
                if v.get(s) != Some(&0) {
                    continue;
                }
                // Salted, the share of the half that agrees (of either, the more common: the
                // weaker claim).
                let share = match sa.halves_of(x as usize, s) {
                    Some([p, q]) => freq.share(i, p.hash).max(freq.share(i, q.hash)),
                    None => sa.hashes.get(x as usize).map_or(1.0, |n| freq.share(i, n[s])),
                };
                let group = match salt_groups {
                    Some((undated, _)) if sa.counts.get(x as usize).is_some_and(|c| c[DATE_OF_BIRTH] == 0) => undated,
                    Some((_, same_year)) => same_year,
                    None => 1.0,
                };
                w += (equal_m[i] * group / share).log2() - equal_bf[i];
            }
            out.push((y, w));
        }
        out
    });
    // The prior over all pairs of the two files, M / (|a| |b|), where M is how many persons are
    // on both sides: estimated from each record of `a`'s most probable candidate (a record has at
    // most one match on the other side, however many namesakes it is a candidate with), a fixed
    // point from M = half the smaller file.
    let all_pairs = (a.len() as f64 * b.len() as f64).max(1.0);
    let most = a.len().min(b.len()).max(1) as f64;
    let mut persons_on_both = most / 2.0;
    for _ in 0..30 {
        let prior = (persons_on_both / all_pairs).clamp(1e-12, 0.5);
        let logit = (prior / (1.0 - prior)).log2();
        let estimate: f64 =
            evidence.iter().map(|row| row.iter().map(|(_, w)| probability(w + logit)).fold(0.0, f64::max)).sum::<f64>().clamp(1.0, most);
        let done = (estimate - persons_on_both).abs() < 0.5;
        persons_on_both = estimate;
        if done {
            break;
        }
    }
    model.prior = (persons_on_both / all_pairs).clamp(1e-12, 0.5);
    let logit = (model.prior / (1.0 - model.prior)).log2();
    let scored: Vec<(usize, usize, f64)> = rows
        .iter()
        .zip(&evidence)
        .flat_map(|(row, ev)| {
            let x = row.first().map_or(0, |p| p.0 as usize);
            ev.iter().filter(move |(_, w)| probability(w + logit) >= threshold).map(move |&(y, w)| (x, y as usize, w + logit))
        })
        .collect();
    let pairs = one_to_one(scored, a.len(), b.len()).into_iter().map(|(x, y, w)| (x, y, probability(w))).collect();
    Matched { pairs, candidates: cand.len(), model }
}

/// The earlier method, kept for comparison (`examples/clk_quality`): one-to-one pairs by the Dice
/// coefficient of the whole filters, at or above `threshold`.
pub fn match_by_dice(a: &[Clk], b: &[Clk], threshold: f64) -> Vec<(usize, usize, f64)> {
    let pa: Vec<u32> = a.iter().map(popcount).collect();
    let pb: Vec<u32> = b.iter().map(popcount).collect();
    let cand = candidates_by_bits(a, b);
    // The candidates of each record of `a` (they are sorted by it), compared in one call.
    let rows: Vec<&[(u32, u32)]> = cand.chunk_by(|p, q| p.0 == q.0).collect();
    let scored: Vec<(usize, usize, f64)> = crate::dedupe::par_map(&rows, |row| {
        let Some(&(x, _)) = row.first() else { return Vec::new() };
        let (Some(ca), Some(&p1)) = (a.get(x as usize), pa.get(x as usize)) else { return Vec::new() };
        let which: Vec<u32> = row.iter().map(|p| p.1).collect();
        let mut common = vec![0u32; which.len()];
        common_bits(ca, b, &which, &mut common);
        which
            .iter()
            .zip(common)
            .filter_map(|(&y, c)| {
                let d = dice_of(c, p1, *pb.get(y as usize)?);
                (d >= threshold).then_some((x as usize, y as usize, d))
            })
            .collect()
    })
    .into_iter()
    .flatten()
    .collect();
    one_to_one(scored, a.len(), b.len())
}

/// One-to-one pairs from scored ones, greedily from the highest score down (ties by index).
fn one_to_one(mut scored: Vec<(usize, usize, f64)>, na: usize, nb: usize) -> Vec<(usize, usize, f64)> {
    scored.sort_by(|p, q| q.2.total_cmp(&p.2).then(p.0.cmp(&q.0)).then(p.1.cmp(&q.1)));
    let (mut used_a, mut used_b) = (vec![false; na], vec![false; nb]);
    let mut out = Vec::new();
    for (x, y, s) in scored {
        if used_a.get(x).copied().unwrap_or(true) || used_b.get(y).copied().unwrap_or(true) {
            continue;
        }
        used_a[x] = true;
        used_b[y] = true;
        out.push((x, y, s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_shared_bits() {
        assert_eq!(level(0, 0, 12), MISSING);
        assert_eq!(level(10, 10, 10), 0);
        assert_eq!(level(9, 9, 10), 1, "one side's bits within the other's");
        assert_eq!(level(9, 10, 10), 2);
        assert_eq!(level(0, 10, 10), 6);
    }

    #[test]
    fn names_recorded_the_other_way_round_are_read_crossed_and_meet_in_blocking() {
        let rec = |g: &str, f: &str| crate::record::Record {
            id: "x".into(),
            given_name: Some(g.into()),
            family_name: Some(f.into()),
            date_of_birth: Some("1990-03-07".into()),
            ..Default::default()
        };
        let secret = b"a secret of the test, 32 bytes..";
        let a = [crate::clk::encode(&rec("Dragan", "Ionescu"), secret)];
        let b = [crate::clk::encode(&rec("Ionescu", "Dragan"), secret), crate::clk::encode(&rec("Dragan", "Popescu"), secret)];
        let (sa, sb) = (Side::new(&a), Side::new(&b));
        let crossed = sa.vector(0, &sb, 0).unwrap();
        assert_eq!((crossed[GIVEN], crossed[FAMILY]), (0, 0), "both names equal once read crossed");
        let straight = sa.vector(0, &sb, 1).unwrap();
        assert_eq!(straight[GIVEN], 0, "a pair in the same order is read straight");
        assert_ne!(straight[FAMILY], 0);
        assert!(candidates(&a, &b).contains(&(0, 0)), "the crossed pair is a candidate");
    }

    #[test]
    fn salted_names_a_year_apart_meet_in_one_band_and_two_years_apart_do_not() {
        let rec = |g: &str, f: &str, d: &str| crate::record::Record {
            id: "x".into(),
            given_name: Some(g.into()),
            family_name: Some(f.into()),
            date_of_birth: Some(d.into()),
            ..Default::default()
        };
        let secret = b"a secret of the test, 32 bytes..";
        let salted = |r: &crate::record::Record| crate::clk::encode_salted(r, secret, Salt::BirthYear);
        let a = [salted(&rec("Dragan", "Ionescu", "1990-03-07"))];
        let b = [
            salted(&rec("Dragan", "Ionescu", "1991-03-07")),
            salted(&rec("Ionescu", "Dragan", "1989-03-07")),
            salted(&rec("Dragan", "Ionescu", "1992-03-07")),
        ];
        let (sa, sb) = (Side::salted(&a, Salt::BirthYear), Side::salted(&b, Salt::BirthYear));
        for y in [0, 1] {
            let v = sa.vector(0, &sb, y).unwrap();
            assert_eq!((v[GIVEN], v[FAMILY]), (0, 0), "a year apart (also crossed), the names agree in one band: {y}");
        }
        let far = sa.vector(0, &sb, 2).unwrap();
        assert!(far[GIVEN] >= 4 && far[FAMILY] >= 4, "two years apart the names share only random bits: {far:?}");
        let cand = candidates_of(&sa, &sb);
        assert!(cand.contains(&(0, 0)) && cand.contains(&(0, 1)), "{cand:?}");
        // Read as unsalted, the same files would not see the names agree.
        let plain = Side::new(&b);
        assert_ne!(Side::new(&a).vector(0, &plain, 0).unwrap()[GIVEN], 0);
    }

    #[test]
    fn matches_generated_jurisdictions_better_than_whole_filter_dice() {
        let (records, truth) = crate::generate::generate(6_000, 21);
        let person: HashMap<&str, usize> = truth.iter().map(|t| (t.id.as_str(), t.person)).collect();
        let (a, b) = crate::generate::split_two(&records, &truth, 21);
        let secret = b"a secret of the test, 32 bytes..";
        let ca: Vec<Clk> = a.iter().map(|r| crate::clk::encode(r, secret)).collect();
        let cb: Vec<Clk> = b.iter().map(|r| crate::clk::encode(r, secret)).collect();
        let pa: Vec<usize> = a.iter().filter_map(|r| person.get(r.id.as_str()).copied()).collect();
        let pb: Vec<usize> = b.iter().filter_map(|r| person.get(r.id.as_str()).copied()).collect();
        let in_b: std::collections::HashSet<usize> = pb.iter().copied().collect();
        let both = pa.iter().filter(|p| in_b.contains(p)).count() as f64;
        let f1 = |pairs: &[(usize, usize, f64)]| {
            let correct = pairs.iter().filter(|(x, y, _)| pa.get(*x) == pb.get(*y)).count() as f64;
            let (p, r) = (correct / pairs.len().max(1) as f64, correct / both);
            (p, 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE))
        };
        let fields = match_one_to_one(&ca, &cb, 0.5);
        let (precision, by_fields) = f1(&fields.pairs);
        let (_, by_dice) = f1(&match_by_dice(&ca, &cb, 0.72));
        assert!(by_fields > by_dice + 0.05, "by segments F1 {by_fields:.3}, by whole-filter Dice {by_dice:.3}");
        assert!(precision >= 0.9, "precision {precision:.3}");
        // Learned, not assumed: an equal name segment is far likelier among matches than at random.
        assert!(fields.model.m[0][0] > 10.0 * fields.model.u[0][0], "{:?}", fields.model);
    }
}
