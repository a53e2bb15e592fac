//! Field comparisons with levels. Level 0 is the strongest agreement; `None` means a value is
//! missing on either side and the comparison says nothing.

use crate::record::{Dob, NameKeys, Prepared};
use strsim::jaro_winkler;

/// The comparisons, in the order of a [`Vector`].
pub const COMPARISONS: &[(&str, &[&str])] = &[
    ("given_name", &["exact", "transliteration-equal", "jaro-winkler >= 0.92", "jaro-winkler >= 0.80", "different"]),
    ("family_name", &["exact", "transliteration-equal", "jaro-winkler >= 0.92", "jaro-winkler >= 0.80", "different"]),
    (
        "date_of_birth",
        &[
            "exact",
            "day and month swapped",
            "year +/- 1, day and month equal",
            "same year, month or day equal",
            "year only: same year",
            "year only: +/- 1",
            "different",
        ],
    ),
    ("sex", &["same", "different"]),
    ("nationality", &["same", "different"]),
    ("place_of_birth", &["exact", "jaro-winkler >= 0.85", "different"]),
    ("phone", &["same", "different"]),
];

pub const N: usize = 7;
pub const GIVEN: usize = 0;
pub const FAMILY: usize = 1;
pub const DOB: usize = 2;
pub const SEX: usize = 3;
pub const NATIONALITY: usize = 4;
pub const PLACE: usize = 5;
pub const PHONE: usize = 6;

/// The levels of one pair, one per comparison.
pub type Vector = [Option<u8>; N];

pub fn name_level(a: &NameKeys, b: &NameKeys) -> u8 {
    if a.same_key(b) {
        0
    } else if !a.skeleton.is_empty() && a.same_skeleton(b) {
        1
    } else if a.words.len() != b.words.len() && (a.words.iter().all(|w| b.words.contains(w)) || b.words.iter().all(|w| a.words.contains(w)))
    {
        // one name is the other with a word dropped: a second surname, a middle name
        2
    } else if jaro_winkler_at_most(a, b) < 0.80 {
        4
    } else {
        let jw = jaro_winkler(&a.key, &b.key);
        if jw >= 0.92 {
            2
        } else if jw >= 0.80 {
            3
        } else {
            4
        }
    }
}

/// An upper bound of the Jaro–Winkler similarity of two names' keys, from their letters alone
/// (1 when unknown). Jaro is (m/|a| + m/|b| + (m − t)/m) / 3 with m matching characters, which
/// are equal characters, so m is at most the letters the two share; Winkler's boost adds at most
/// 0.4·(1 − Jaro). Most names in a block differ enough that the full computation can be skipped.
fn jaro_winkler_at_most(a: &NameKeys, b: &NameKeys) -> f64 {
    let (Some(x), Some(y)) = (&a.letters, &b.letters) else { return 1.0 };
    let shared: u32 = x.iter().zip(y).map(|(p, q)| u32::from(*p.min(q))).sum();
    let (la, lb) = (a.key.len() as f64, b.key.len() as f64);
    if shared == 0 || la == 0.0 || lb == 0.0 {
        return 0.4;
    }
    let m = f64::from(shared);
    let jaro = (m / la + m / lb + 1.0) / 3.0;
    jaro.min(1.0) * 0.6 + 0.4
}

pub fn dob_level(a: &Dob, b: &Dob) -> u8 {
    let full = |d: &Dob| d.month.is_some() && d.day.is_some();
    let years_apart = (a.year - b.year).abs();
    if full(a) && full(b) {
        // Both dates complete: a match differs only by a slip (swapped, a year or a day off); two
        // complete dates that share the year and nothing else are evidence against.
        if a == b {
            0
        } else if years_apart == 0 && a.month == b.day && a.day == b.month {
            1
        } else if years_apart == 1 && a.month == b.month && a.day == b.day {
            2
        } else if years_apart == 0 && (a.month == b.month || a.day == b.day) {
            3
        } else {
            6
        }
    } else if years_apart == 0 {
        4
    } else if years_apart == 1 {
        5
    } else {
        6
    }
}

fn opt2<T, F: Fn(&T, &T) -> u8>(a: &Option<T>, b: &Option<T>, f: F) -> Option<u8> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        _ => None,
    }
}

/// The given- and family-name levels of two records, and whether they were read crossed (this
/// given name against the other's family name and the reverse): a swap of the two is common on
/// forms. Crossed is read when it is clearly better, also when a side has only one of its names
/// (a swapped record whose given name was then left out: "Ionescu Dragan" / "– Ionescu").
pub fn name_levels(a: &Prepared, b: &Prepared) -> ((Option<u8>, Option<u8>), bool) {
    let direct = (opt2(&a.given, &b.given, name_level), opt2(&a.family, &b.family, name_level));
    let crossed = (opt2(&a.given, &b.family, name_level), opt2(&a.family, &b.given, name_level));
    let cost = |p: (Option<u8>, Option<u8>)| p.0.unwrap_or(5) as u32 + p.1.unwrap_or(5) as u32;
    if (crossed.0.is_some() || crossed.1.is_some()) && cost(crossed) + 1 < cost(direct) { (crossed, true) } else { (direct, false) }
}

/// Compare two prepared records (names straight or crossed, [`name_levels`]).
pub fn compare(a: &Prepared, b: &Prepared) -> Vector {
    let ((given, family), _) = name_levels(a, b);
    [
        given,
        family,
        opt2(&a.dob, &b.dob, dob_level),
        opt2(&a.sex, &b.sex, |x, y| u8::from(x != y)),
        opt2(&a.nationality, &b.nationality, |x, y| u8::from(x != y)),
        opt2(&a.place, &b.place, |x, y| {
            if x == y {
                0
            } else if jaro_winkler(x, y) >= 0.85 {
                1
            } else {
                2
            }
        }),
        opt2(&a.phone, &b.phone, |x, y| u8::from(x != y)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn rec(g: &str, f: &str, dob: &str) -> Prepared {
        Prepared::of(&Record {
            id: "x".into(),
            given_name: Some(g.into()),
            family_name: Some(f.into()),
            date_of_birth: Some(dob.into()),
            ..Default::default()
        })
    }

    proptest::proptest! {
        #[test]
        fn the_bound_is_never_below_jaro_winkler(a in "[a-z0-9 ]{0,14}", b in "[a-z0-9 ]{0,14}") {
            if let (Some(x), Some(y)) = (rec(&a, "x", "2000").given, rec(&b, "x", "2000").given) {
                proptest::prop_assert!(jaro_winkler_at_most(&x, &y) + 1e-12 >= jaro_winkler(&x.key, &y.key));
            }
        }
    }

    #[test]
    fn levels_for_the_field_cases() {
        let v = compare(&rec("Mohammed", "Hassan", "1990-03-07"), &rec("محمد", "حسن", "1990-07-03"));
        assert_eq!(v[GIVEN], Some(1), "transliteration-equal");
        assert_eq!(v[FAMILY], Some(1));
        assert_eq!(v[2], Some(1), "day and month swapped");
        let v = compare(&rec("Olena", "Kovalenko", "1985"), &rec("Kovalenko", "Olena", "1986-01-01"));
        assert_eq!((v[GIVEN], v[FAMILY]), (Some(0), Some(0)), "swapped names recognised");
        assert!(name_levels(&rec("Olena", "Kovalenko", "1985"), &rec("Kovalenko", "Olena", "1986-01-01")).1, "and said to be read crossed");
        assert!(!name_levels(&rec("Olena", "Kovalenko", "1985"), &rec("Olena", "Kovalenko", "1985")).1);
        assert_eq!(v[2], Some(5), "year only, one year apart");
        let v = compare(&rec("Ana", "Garcia", "2001-05-05"), &rec("Ana", "", "2001-05-05"));
        assert_eq!(v[FAMILY], None, "missing says nothing");
        assert_eq!(v[2], Some(0));
        let swapped = Prepared::of(&Record { id: "y".into(), family_name: Some("Ionescu".into()), ..Default::default() });
        let v = compare(&rec("Ionescu", "Dragan", "1983-01-27"), &swapped);
        assert_eq!((v[GIVEN], v[FAMILY]), (Some(0), None), "a swapped name meets the one name the other side has");
    }
}
