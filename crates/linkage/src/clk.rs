//! Privacy-preserving matching across borders: cryptographic long-term keys (CLKs).
//!
//! Each record becomes one 1024-bit Bloom filter: every character bigram of each normalised
//! field is hashed with HMAC-SHA-256 under a secret shared by the two jurisdictions, and sets
//! `k` bits (k per field: the field's weight) within the field's own **segment** of the filter
//! (see [`SEGMENTS`]). Since format 3 the given and family names are hashed alike (the same
//! HMAC input, the same offsets within their equal-sized segments), so a name recorded as given
//! on one side and as family on the other can be compared crossed ([`cross_common`]). Two jurisdictions encode their own records, exchange only the
//! filters, and compare them segment by segment ([`crate::clk_match`]); names never leave either
//! side. The whole filter's Dice coefficient is still what blocking and the throughput bench use.
//!
//! Threat model and hardening: see `docs/LINKAGE.md` ("Privacy-preserving mode").

use crate::normalise::{fold, phone_key, skeleton};
use crate::record::{Dob, Record};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const BITS: usize = 1024;
pub const WORDS: usize = BITS / 64;

/// One record's encoding.
pub type Clk = [u64; WORDS];

/// The encoding's format, written in the header of a CLK file (`id,palermo-clk-v3`) so that
/// files of another format or schema are refused rather than compared.
pub const FORMAT: &str = "palermo-clk-v3";
/// The same format with the name tokens salted by the year of birth ([`Salt::BirthYear`]), in
/// two overlapping bands of two years.
pub const FORMAT_SALTED_BY_BIRTH_YEAR: &str = "palermo-clk-v3-salted-birth-year-bands";

/// Hardening of the name tokens against frequency attacks (docs/LINKAGE.md, "Salting").
/// Salted by the year of birth, a name sets bits that depend on the year too: one common name
/// becomes one pattern per birth year, each about as rare as that name in that year, so the
/// frequency table of identical name segments that a CLK file reveals is flattened.
///
/// The year enters in two bands, each half of the name segment: the first half's tokens are
/// salted with `a⌊y/2⌋`, the second's with `b⌊(y+1)/2⌋`. Two years one apart fall in one band
/// of one of the halves, so a year estimated or mistyped by one still lets the names meet there;
/// two equal segments are still the same name in the same year (the two bands together name the
/// year). What is lost: names of one person whose years differ by two or more, or where one
/// record has no date. Records without a year are salted alike (`?`), so they still meet each
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Salt {
    #[default]
    None,
    BirthYear,
}

impl Salt {
    /// The format written in a CLK file's header.
    pub fn format(self) -> &'static str {
        match self {
            Salt::None => FORMAT,
            Salt::BirthYear => FORMAT_SALTED_BY_BIRTH_YEAR,
        }
    }

    /// The salting of a CLK file, from its header's format; `None` for an unknown format.
    pub fn of_format(format: &str) -> Option<Salt> {
        [Salt::None, Salt::BirthYear].into_iter().find(|s| s.format() == format)
    }

    /// The value of `palermo link encode --salt` that chooses this salting.
    pub fn option(self) -> &'static str {
        match self {
            Salt::None => "none",
            Salt::BirthYear => "birth-year",
        }
    }

    /// How the salting is named to people (messages, `--salt`).
    pub fn describe(self) -> &'static str {
        match self {
            Salt::None => "not salted",
            Salt::BirthYear => "salted by the year of birth",
        }
    }
}

impl std::str::FromStr for Salt {
    type Err = String;

    /// From the option's value (`none`, `birth-year`); anything else is refused naming both.
    fn from_str(v: &str) -> Result<Self, String> {
        let all = [Salt::None, Salt::BirthYear];
        all.into_iter().find(|s| s.option() == v).ok_or_else(|| format!("expected one of: {}", all.map(|s| s.option()).join(", ")))
    }
}

/// A segment of the filter: the 64-bit words `words.0..words.1` hold one compared field's
/// tokens and nothing else, so two filters can be compared field by field.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub name: &'static str,
    pub words: (usize, usize),
}

/// The segments, in word order, covering the 1024 bits.
pub const SEGMENTS: [Segment; 7] = [
    Segment { name: "given_name", words: (0, 4) },
    Segment { name: "family_name", words: (4, 8) },
    Segment { name: "date_of_birth", words: (8, 11) },
    Segment { name: "sex", words: (11, 12) },
    Segment { name: "phone", words: (12, 14) },
    Segment { name: "nationality", words: (14, 15) },
    Segment { name: "place_of_birth", words: (15, 16) },
];
pub const NSEG: usize = SEGMENTS.len();
/// The segments by name, as indices into [`SEGMENTS`].
pub const GIVEN: usize = 0;
pub const FAMILY: usize = 1;
pub const DATE_OF_BIRTH: usize = 2;
pub const SEX: usize = 3;
pub const PHONE: usize = 4;
pub const NATIONALITY: usize = 5;
pub const PLACE_OF_BIRTH: usize = 6;
/// The name segments: hashed alike (crossed comparison), weighed by how common a value is, and
/// the ones salting changes.
pub const NAME_SEGMENTS: [usize; 2] = [GIVEN, FAMILY];

/// A field of the encoding schema: what is encoded, with how many hash functions per token, into
/// which segment.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    /// What the HMAC is keyed on besides the token: the field's name, except that given and
    /// family names share one (`name`, `name_skeleton`) so that their segments line up crossed.
    pub hashed_as: &'static str,
    pub k: u32,
    pub segment: usize,
}

/// The schema, published in `docs/clk-schema.json`. Both sides must use the same one.
pub const SCHEMA: &[FieldSpec] = &[
    FieldSpec { name: "given_name", hashed_as: "name", k: 2, segment: GIVEN },
    FieldSpec { name: "given_skeleton", hashed_as: "name_skeleton", k: 2, segment: GIVEN },
    FieldSpec { name: "family_name", hashed_as: "name", k: 2, segment: FAMILY },
    FieldSpec { name: "family_skeleton", hashed_as: "name_skeleton", k: 2, segment: FAMILY },
    FieldSpec { name: "date_of_birth", hashed_as: "date_of_birth", k: 6, segment: DATE_OF_BIRTH },
    FieldSpec { name: "sex", hashed_as: "sex", k: 6, segment: SEX },
    FieldSpec { name: "phone", hashed_as: "phone", k: 2, segment: PHONE },
    FieldSpec { name: "nationality", hashed_as: "nationality", k: 8, segment: NATIONALITY },
    FieldSpec { name: "place_of_birth", hashed_as: "place_of_birth", k: 1, segment: PLACE_OF_BIRTH },
];

fn bigrams(s: &str) -> Vec<String> {
    let padded: Vec<char> = format!("_{s}_").chars().collect();
    padded.windows(2).map(|w| w.iter().collect()).collect()
}

/// The values of each schema field for a record (normalised; empty when missing), its date of
/// birth as read from `r`.
fn field_values(r: &Record, dob: Option<Dob>) -> Vec<(usize, Vec<String>)> {
    let name_parts = |v: &Option<String>| -> (Vec<String>, Vec<String>) {
        match v.as_deref() {
            Some(s) if !fold(s).is_empty() => {
                let f = fold(s).replace(' ', "");
                let sk = skeleton(s);
                (bigrams(&f), if sk.is_empty() { Vec::new() } else { bigrams(&sk) })
            }
            _ => (Vec::new(), Vec::new()),
        }
    };
    let (g, gs) = name_parts(&r.given_name);
    let (f, fs) = name_parts(&r.family_name);
    // Dates as separate tokens so that a swap of day and month, or a year off by one, still
    // shares most of them.
    let dob = dob.map(|d| {
        let mut t = vec![format!("y{}", d.year)];
        if let (Some(m), Some(day)) = (d.month, d.day) {
            t.push(format!("d{}", m.min(day)));
            t.push(format!("d{}", m.max(day)));
            t.push(format!("m{m}d{day}"));
        }
        t
    });
    let sex = r.sex.as_deref().map(fold).and_then(|s| s.chars().next()).map(|c| vec![format!("s{c}")]);
    let phone = r.phone.as_deref().and_then(phone_key).map(|p| bigrams(&p));
    let nationality = r.nationality.as_deref().map(|n| vec![format!("n{}", fold(n))]);
    let place = r.place_of_birth.as_deref().map(|p| fold(p).replace(' ', "")).filter(|p| !p.is_empty()).map(|p| bigrams(&p));
    vec![
        (0, g),
        (1, gs),
        (2, f),
        (3, fs),
        (4, dob.unwrap_or_default()),
        (5, sex.unwrap_or_default()),
        (6, phone.unwrap_or_default()),
        (7, nationality.unwrap_or_default()),
        (8, place.unwrap_or_default()),
    ]
}

/// Encode one record with the shared secret (names not salted).
pub fn encode(r: &Record, secret: &[u8]) -> Clk {
    encode_salted(r, secret, Salt::None)
}

/// Encode one record with the shared secret, the name tokens salted as `salt` says.
pub fn encode_salted(r: &Record, secret: &[u8], salt: Salt) -> Clk {
    Encoder::new(secret, salt).encode(r)
}

/// Encodes records with one shared secret, remembering the two hash values of each token it
/// has hashed: name bigrams, dates, sexes and countries repeat from record to record, so over a
/// file most tokens are hashed once (an HMAC is two SHA-256 blocks; a look-up is much less). The
/// encodings are those of [`encode_salted`], bit for bit. What it remembers is what the CLKs
/// themselves are made of; it lives as long as the encoder, in memory only. One per thread.
pub struct Encoder {
    base: Option<Hmac<Sha256>>,
    salt: Salt,
    /// HMAC input (field, band, token) → (h1, h2).
    seen: std::collections::HashMap<Vec<u8>, (u64, u64)>,
    input: Vec<u8>,
}

impl Encoder {
    pub fn new(secret: &[u8], salt: Salt) -> Self {
        Self { base: <Hmac<Sha256> as Mac>::new_from_slice(secret).ok(), salt, seen: Default::default(), input: Vec::new() }
    }

    /// The two hash values of one token: from memory, or HMAC-SHA256 of `input` (the field's
    /// name, 0, the band and 0 when salted, the token).
    fn hashes(&mut self) -> (u64, u64) {
        if let Some(&h) = self.seen.get(self.input.as_slice()) {
            return h;
        }
        let Some(base) = &self.base else { return (0, 1) };
        let mut mac = base.clone();
        mac.update(&self.input);
        let d = mac.finalize().into_bytes();
        let h1 = u64::from_be_bytes(d[0..8].try_into().unwrap_or([0; 8]));
        let h2 = u64::from_be_bytes(d[8..16].try_into().unwrap_or([0; 8])) | 1;
        self.seen.insert(self.input.clone(), (h1, h2));
        (h1, h2)
    }

    pub fn encode(&mut self, r: &Record) -> Clk {
        let mut clk = [0u64; WORDS];
        if self.base.is_none() {
            return clk;
        }
        let dob = r.date_of_birth.as_deref().and_then(Dob::parse);
        // Salted, the year's two bands: `a⌊y/2⌋` for the first half of a name segment, `b⌊(y+1)/2⌋`
        // for the second (`a?`, `b?` without a year).
        let bands = match self.salt {
            Salt::None => None,
            Salt::BirthYear => {
                let band =
                    |tag: char, shift: i32| dob.map_or_else(|| format!("{tag}?"), |d| format!("{tag}{}", (d.year + shift).div_euclid(2)));
                Some([band('a', 0), band('b', 1)])
            }
        };
        for (field, tokens) in field_values(r, dob) {
            let Some(spec) = SCHEMA.get(field) else { continue };
            let Some(segment) = SEGMENTS.get(spec.segment) else { continue };
            // Where this field's tokens go: its segment, or — a salted name — each half with its band.
            let targets: Vec<(Option<&str>, (usize, usize))> = match &bands {
                Some(b) if NAME_SEGMENTS.contains(&spec.segment) => b.iter().map(|s| Some(s.as_str())).zip(halves(segment.words)).collect(),
                _ => vec![(None, segment.words)],
            };
            for (band, (from, to)) in targets {
                // The HMAC input before the token, once per field and band.
                let mut prefix = spec.hashed_as.as_bytes().to_vec();
                prefix.push(0);
                if let Some(y) = band {
                    prefix.extend_from_slice(y.as_bytes());
                    prefix.push(0);
                }
                let (first, bits) = (from * 64, (to - from) as u64 * 64);
                for t in &tokens {
                    self.input.clear();
                    self.input.extend_from_slice(&prefix);
                    self.input.extend_from_slice(t.as_bytes());
                    // Double hashing: positions h1 + i·h2 for i in 0..k.
                    let (h1, h2) = self.hashes();
                    for i in 0..u64::from(spec.k) {
                        let bit = first + (h1.wrapping_add(i.wrapping_mul(h2)) % bits) as usize;
                        if let Some(w) = clk.get_mut(bit / 64) {
                            *w |= 1u64 << (bit % 64);
                        }
                    }
                }
            }
        }
        clk
    }
}

/// What a CLK file shows of one segment to whoever holds it: how many records fill it, how many
/// distinct values it takes, and how many records hold the most common one and the ten most
/// common ones. The most common values are what a frequency attack aligns with a population's
/// most common names (docs/LINKAGE.md); salting spreads them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentFrequencies {
    pub filled: usize,
    pub distinct: usize,
    pub most_common: usize,
    pub ten_most_common: usize,
}

/// [`SegmentFrequencies`] of segment `segment` (an index into [`SEGMENTS`]) over `clks`.
pub fn segment_frequencies(clks: &[Clk], segment: usize) -> SegmentFrequencies {
    let Some(s) = SEGMENTS.get(segment) else {
        return SegmentFrequencies { filled: 0, distinct: 0, most_common: 0, ten_most_common: 0 };
    };
    let mut counts: std::collections::HashMap<&[u64], usize> = std::collections::HashMap::new();
    for c in clks {
        if let Some(w) = c.get(s.words.0..s.words.1).filter(|w| w.iter().any(|x| *x != 0)) {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut sizes: Vec<usize> = counts.into_values().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    SegmentFrequencies {
        filled: sizes.iter().sum(),
        distinct: sizes.len(),
        most_common: sizes.first().copied().unwrap_or(0),
        ten_most_common: sizes.iter().take(10).sum(),
    }
}

pub fn popcount(c: &Clk) -> u32 {
    c.iter().map(|w| w.count_ones()).sum()
}

/// The two halves of a segment's words (salted name tokens: one year band each).
pub fn halves(words: (usize, usize)) -> [(usize, usize); 2] {
    let mid = words.0 + (words.1 - words.0) / 2;
    [(words.0, mid), (mid, words.1)]
}

/// The bits set in each segment.
pub fn segment_counts(c: &Clk) -> [u16; NSEG] {
    SEGMENTS.map(|s| words_count(c, s.words))
}

/// The bits two encodings share in each segment.
pub fn segment_common(a: &Clk, b: &Clk) -> [u16; NSEG] {
    let mut word = [0u16; WORDS];
    for ((o, x), y) in word.iter_mut().zip(a).zip(b) {
        *o = (x & y).count_ones() as u16;
    }
    SEGMENTS.map(|s| word.get(s.words.0..s.words.1).map_or(0, |w| w.iter().sum()))
}

/// The bits segment `sa` of `a` shares with segment `sb` of `b`, offset by offset (the two
/// segments must be of one size; 0 otherwise): the given name of one against the family name of
/// the other.
pub fn cross_common(a: &Clk, sa: usize, b: &Clk, sb: usize) -> u16 {
    let (Some(x), Some(y)) = (SEGMENTS.get(sa), SEGMENTS.get(sb)) else { return 0 };
    if x.words.1 - x.words.0 != y.words.1 - y.words.0 {
        return 0;
    }
    words_common(a, x.words, b, y.words)
}

/// The bits words `ra` of `a` share with words `rb` of `b`, word by word (0 for a range out of
/// the filter).
pub fn words_common(a: &Clk, ra: (usize, usize), b: &Clk, rb: (usize, usize)) -> u16 {
    match (a.get(ra.0..ra.1), b.get(rb.0..rb.1)) {
        (Some(x), Some(y)) => x.iter().zip(y).map(|(p, q)| (p & q).count_ones() as u16).sum(),
        _ => 0,
    }
}

/// The bits set in words `r` of `c`.
pub fn words_count(c: &Clk, r: (usize, usize)) -> u16 {
    c.get(r.0..r.1).map_or(0, |w| w.iter().map(|x| x.count_ones() as u16).sum())
}

/// The Dice coefficient of two encodings: 2·|A∧B| / (|A| + |B|).
pub fn dice(a: &Clk, b: &Clk, pa: u32, pb: u32) -> f64 {
    dice_of(and_count(a, b), pa, pb)
}

/// The Dice coefficient from the bits two encodings share and their bit counts.
pub fn dice_of(common: u32, pa: u32, pb: u32) -> f64 {
    // Two empty encodings share nothing (common is 0): 0, without a branch, so that a row of
    // these vectorises.
    2.0 * f64::from(common) / f64::from((pa + pb).max(1))
}

/// |A ∧ B|.
#[inline(always)]
fn and_count(a: &Clk, b: &Clk) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

/// `out[i] = |a ∧ others[which[i]]|` (0 for an index out of range). Plain Rust; compiled once
/// for the baseline CPU and once for AVX-512 below, with the count of one pair
/// (`count`) as its own function so that the compiler vectorises within a pair (two 512-bit
/// halves) rather than across pairs (which needs slow gathers).
#[inline(always)]
fn common_bits_body(a: &Clk, others: &[Clk], which: &[u32], out: &mut [u32], count: impl Fn(&Clk, &Clk) -> u32) {
    for (o, &j) in out.iter_mut().zip(which) {
        *o = others.get(j as usize).map_or(0, |b| count(a, b));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
#[inline(never)]
fn and_count_avx512(a: &Clk, b: &Clk) -> u32 {
    and_count(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
fn common_bits_avx512(a: &Clk, others: &[Clk], which: &[u32], out: &mut [u32]) {
    common_bits_body(a, others, which, out, |a, b| and_count_avx512(a, b))
}

/// The bits `a` shares with each of the encodings `others[which[i]]`, into `out[i]` (as many as
/// both `which` and `out` hold): the inner loop of every comparison of encodings. Uses the CPU's
/// vector bit count where it has one (AVX-512 VPOPCNTDQ), found at run time; the result is the
/// same on every CPU. (An AVX2 copy was measured no faster than scalar POPCNT and is not kept.)
#[allow(unsafe_code)]
pub fn common_bits(a: &Clk, others: &[Clk], which: &[u32], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
            // SAFETY: the CPU has both features the function is compiled for (checked just above);
            // the function itself is safe Rust.
            unsafe { common_bits_avx512(a, others, which, out) };
            return;
        }
    }
    common_bits_body(a, others, which, out, and_count)
}

pub fn to_base64(c: &Clk) -> String {
    let bytes: Vec<u8> = c.iter().flat_map(|w| w.to_be_bytes()).collect();
    data_encoding::BASE64.encode(&bytes)
}

pub fn from_base64(s: &str) -> Option<Clk> {
    let bytes = data_encoding::BASE64.decode(s.trim().as_bytes()).ok()?;
    if bytes.len() != BITS / 8 {
        return None;
    }
    let mut c = [0u64; WORDS];
    for (w, chunk) in c.iter_mut().zip(bytes.chunks_exact(8)) {
        *w = u64::from_be_bytes(chunk.try_into().ok()?);
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(g: &str, f: &str, d: &str) -> Record {
        Record {
            id: "x".into(),
            given_name: Some(g.into()),
            family_name: Some(f.into()),
            date_of_birth: Some(d.into()),
            ..Default::default()
        }
    }

    /// Encodings written by `palermo link encode` before the encoder remembered its tokens
    /// (4a2a4dd): the format is a contract between jurisdictions, so these stay bit for bit.
    #[test]
    fn known_answers() {
        let k = b"known-answer secret, not for real use";
        let full = Record {
            id: "r1".into(),
            given_name: Some("Mohammed".into()),
            family_name: Some("Hassan".into()),
            sex: Some("M".into()),
            date_of_birth: Some("1990-03-07".into()),
            nationality: Some("SYR".into()),
            place_of_birth: Some("Aleppo".into()),
            phone: Some("+963 944 123 456".into()),
        };
        let cyrillic = Record {
            id: "r2".into(),
            given_name: Some("Олена".into()),
            family_name: Some("Коваленко".into()),
            sex: Some("F".into()),
            date_of_birth: Some("1985".into()),
            nationality: Some("UKR".into()),
            ..Default::default()
        };
        let expected = [
            (
                Salt::None,
                "ACAiAAQAIDECICQCQAgBAACAAAABCAAQUAAAUIACAAAAAAAABBgCAAAAAQAAIAAgAqAgAACAFAAQAQBEAEgAAAhACAAAgBAAAAIG1AABBQAgACAJAEAAKgAAECBAgQIAAGyAIIAQCBgkBFwAAgAAABCABCEACEIAAAEBAEUABBA=",
                "AAACJEAAgAAUAQBAAAAAIAAACAAABAACAIAIBAAAEAADAAAoQACBABAgBiQAgAAAQgIABQSACIIQQAIEAAAQAAAAAAAAAAAgAAAAAIAAEAACBABAAAAAAAAAACBAgQIEAAAAAAAAAAAAAAAAAAAAAAIQIEAECACBAAAAAAAAAAA=",
            ),
            (
                Salt::BirthYear,
                "KCAAgBJEQBAcIID0AQAQgWJIEAUBAEQGAgcAIAOFIiIgCAAIR1AgATIAgCABDABAAFIAASgkjAAkAgAQAEMQIAhACAAAgBAAAAIG1AABBQAgACAJAEAAKgAAECBAgQIAAGyAIIAQCBgkBFwAAgAAABCABCEACEIAAAEBAEUABBA=",
                "EEAAAAASKBBIIQYABgBICAVQDAMAAIAIAkAIIAgAEAxAQACkArQgQEEBghgTEgkgAZZEACBAYAgSAECiACgQKQAAAAAAAAAgAAAAAIAAEAACBABAAAAAAAAAACBAgQIEAAAAAAAAAAAAAAAAAAAAAAIQIEAECACBAAAAAAAAAAA=",
            ),
        ];
        for (salt, a, b) in expected {
            let mut e = Encoder::new(k, salt);
            for _ in 0..2 {
                assert_eq!(to_base64(&e.encode(&full)), a, "{salt:?}");
                assert_eq!(to_base64(&e.encode(&cyrillic)), b, "{salt:?}");
            }
        }
    }

    /// One encoder over many records (its tokens remembered) gives what a fresh one gives each.
    #[test]
    fn a_remembering_encoder_encodes_as_a_fresh_one() {
        let (records, _) = crate::generate::generate(400, 3);
        let k = b"shared secret between two ministries";
        for salt in [Salt::None, Salt::BirthYear] {
            let mut shared = Encoder::new(k, salt);
            for r in &records {
                assert_eq!(shared.encode(r), encode_salted(r, k, salt), "{}", r.id);
            }
        }
    }

    #[test]
    fn similar_records_have_similar_encodings_and_the_secret_matters() {
        let k = b"shared secret between two ministries";
        let a = encode(&rec("Mohammed", "Hassan", "1990-03-07"), k);
        let b = encode(&rec("محمد", "حسن", "1990-07-03"), k);
        let c = encode(&rec("Olena", "Kovalenko", "1985-01-01"), k);
        let d = |x: &Clk, y: &Clk| dice(x, y, popcount(x), popcount(y));
        assert!(d(&a, &b) > 0.5, "{}", d(&a, &b));
        assert!(d(&a, &c) < 0.3, "{}", d(&a, &c));
        let other = encode(&rec("Mohammed", "Hassan", "1990-03-07"), b"another secret");
        assert!(d(&a, &other) < 0.3, "without the secret the encodings do not line up");
        assert_eq!(from_base64(&to_base64(&a)), Some(a));
        // The CPU-specific loop counts what the plain one counts.
        let others = [a, b, c, [u64::MAX; WORDS], [0; WORDS]];
        let which = [0, 1, 2, 3, 4, 99];
        let mut out = [7u32; 6];
        common_bits(&a, &others, &which, &mut out);
        let plain: Vec<u32> = which.iter().map(|&j| others.get(j as usize).map_or(0, |o| and_count(&a, o))).collect();
        assert_eq!(out.to_vec(), plain);
        assert_eq!(out[3], popcount(&a));
        assert_eq!(from_base64("not base64"), None);
    }

    #[test]
    fn salting_by_birth_year_spreads_a_name_over_the_years_and_leaves_the_rest_alone() {
        let k = b"shared secret between two ministries";
        let salted = |g: &str, d: &str| encode_salted(&rec(g, "Hassan", d), k, Salt::BirthYear);
        let (a, b) = (salted("Mohammed", "1990-03-07"), salted("محمد", "1990-07-03"));
        let (c, e) = (salted("Mohammed", "1991-03-07"), salted("Mohammed", "1992-03-07"));
        let n = segment_counts(&a);
        // Same name, same year: the name segments agree as unsalted ones do.
        assert_eq!(segment_common(&a, &b)[FAMILY], n[FAMILY]);
        assert!(segment_common(&a, &b)[GIVEN] >= n[GIVEN] / 2);
        // Same name, a year apart: one half (one year band) agrees whole, the other shares no more
        // than random bits. 1990 and 1991 share the first band (a995), 1991 and 1992 the second (b996).
        let family = SEGMENTS[FAMILY].words;
        let [first, second] = halves(family);
        let (bits, common) = (words_count, |x: &Clk, y: &Clk, r| words_common(x, r, y, r));
        assert_eq!(common(&a, &c, first), bits(&a, first));
        assert!(common(&a, &c, second) < bits(&a, second) / 3);
        assert_eq!(common(&c, &e, second), bits(&c, second));
        assert!(common(&c, &e, first) < bits(&c, first) / 3);
        // Two years apart: the name segments share no more than random bits (each half is a
        // fifth full, so about a fifth of a name's bits meet by chance), the date most.
        let ae = segment_common(&a, &e);
        assert!(ae[GIVEN] < n[GIVEN] / 3 && ae[FAMILY] < n[FAMILY] / 3, "{ae:?} {n:?}");
        assert!(ae[DATE_OF_BIRTH] > 0);
        // Equal segments are still one name in one year: the two bands together name the year.
        assert_ne!(a[family.0..family.1], c[family.0..family.1]);
        assert_ne!(c[family.0..family.1], e[family.0..family.1]);
        // Only the names are salted: every other segment is the unsalted one.
        let plain = encode(&rec("Mohammed", "Hassan", "1990-03-07"), k);
        for s in [DATE_OF_BIRTH, SEX, PHONE, NATIONALITY, PLACE_OF_BIRTH] {
            let w = SEGMENTS[s].words;
            assert_eq!(a[w.0..w.1], plain[w.0..w.1], "{}", SEGMENTS[s].name);
        }
        assert_ne!(a[0..8], plain[0..8]);
        // Records without a year are salted alike, so they still meet each other.
        let (x, y) = (salted("Mohammed", ""), salted("Mohammed", "unknown"));
        assert_eq!(x[0..8], y[0..8]);
        // The header names the salting, and only known formats are read.
        for s in [Salt::None, Salt::BirthYear] {
            assert_eq!(Salt::of_format(s.format()), Some(s));
            assert_eq!(s.option().parse::<Salt>(), Ok(s));
        }
        assert_eq!("year".parse::<Salt>(), Err("expected one of: none, birth-year".to_owned()));
        assert_eq!(Salt::of_format("palermo-clk-v2"), None);
        // Over a population the most common name segment is shared by fewer records when salted.
        let (recs, _) = crate::generate::generate(3_000, 11);
        let plain: Vec<Clk> = recs.iter().map(|r| encode(r, k)).collect();
        let salted: Vec<Clk> = recs.iter().map(|r| encode_salted(r, k, Salt::BirthYear)).collect();
        let (p, q) = (segment_frequencies(&plain, GIVEN), segment_frequencies(&salted, GIVEN));
        assert_eq!(p.filled, q.filled);
        assert!(q.distinct > 3 * p.distinct, "{p:?} {q:?}");
        assert!(q.most_common * 4 < p.most_common, "{p:?} {q:?}");
    }

    #[test]
    fn crossed_names_line_up_and_the_published_schema_is_the_one_used() {
        let k = b"shared secret between two ministries";
        let a = encode(&rec("Dragan", "Ionescu", "1990-03-07"), k);
        let b = encode(&rec("Ionescu", "Dragan", "1990-03-07"), k);
        let n = segment_counts(&a);
        assert_eq!(cross_common(&a, GIVEN, &b, FAMILY), n[GIVEN], "a given name sets the same bits in the family segment");
        assert_eq!(cross_common(&a, FAMILY, &b, GIVEN), n[FAMILY]);
        assert!(segment_common(&a, &b)[GIVEN] < n[GIVEN] / 2, "read straight they differ");
        assert_eq!(cross_common(&a, GIVEN, &b, DATE_OF_BIRTH), 0, "segments of other sizes are not compared");

        let published: serde_json::Value = serde_json::from_str(include_str!("../../../docs/clk-schema.json")).unwrap();
        assert_eq!(published["format"], FORMAT);
        let segments = published["segments"].as_array().unwrap();
        assert_eq!(segments.len(), SEGMENTS.len());
        for (p, s) in segments.iter().zip(SEGMENTS) {
            assert_eq!(p["name"], s.name);
            assert_eq!(p["bits"], serde_json::json!([s.words.0 * 64, s.words.1 * 64]));
        }
        let fields = published["fields"].as_array().unwrap();
        assert_eq!(fields.len(), SCHEMA.len());
        for (p, f) in fields.iter().zip(SCHEMA) {
            assert_eq!(p["name"], f.name);
            assert_eq!(p["hashed_as"], f.hashed_as);
            assert_eq!(p["k"], f.k, "{}", f.name);
            assert_eq!(p["segment"], SEGMENTS[f.segment].name, "{}", f.name);
        }
        let salting = &published["salting"];
        assert_eq!(salting["format"], Salt::BirthYear.format());
        let salted: Vec<&str> = SCHEMA.iter().filter(|f| NAME_SEGMENTS.contains(&f.segment)).map(|f| f.name).collect();
        assert_eq!(salting["applies_to"], serde_json::json!(salted));
    }
}
