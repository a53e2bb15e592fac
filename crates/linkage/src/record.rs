//! The input record and the keys derived from it once, before any comparison.

use crate::normalise::{fold, name_key, phone_key, skeleton};

/// A date of birth, possibly only a year (estimated age) or year and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dob {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl Dob {
    /// Accepts `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `DD/MM/YYYY`, `DD.MM.YYYY`. Anything else is
    /// treated as missing.
    pub fn parse(s: &str) -> Option<Dob> {
        let s = s.trim();
        let nums: Vec<&str> = s.split(['-', '/', '.']).collect();
        let num = |x: &str| x.parse::<i32>().ok();
        let d = match nums.as_slice() {
            [y] if y.len() == 4 => Dob { year: num(y)?, month: None, day: None },
            [y, m] if y.len() == 4 => Dob { year: num(y)?, month: Some(u8::try_from(num(m)?).ok()?), day: None },
            [y, m, d] if y.len() == 4 => {
                Dob { year: num(y)?, month: Some(u8::try_from(num(m)?).ok()?), day: Some(u8::try_from(num(d)?).ok()?) }
            }
            [d, m, y] if y.len() == 4 => {
                Dob { year: num(y)?, month: Some(u8::try_from(num(m)?).ok()?), day: Some(u8::try_from(num(d)?).ok()?) }
            }
            _ => return None,
        };
        let month_ok = d.month.is_none_or(|m| (1..=12).contains(&m));
        let day_ok = d.day.is_none_or(|x| (1..=31).contains(&x));
        ((1880..=2100).contains(&d.year) && month_ok && day_ok).then_some(d)
    }
}

/// One person record as read from a file. Empty values are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub place_of_birth: Option<String>,
    pub phone: Option<String>,
}

/// A name prepared for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameKeys {
    /// Folded, particles dropped, words joined.
    pub key: String,
    pub skeleton: String,
    /// The words' skeletons, for "one name contains the other" (a dropped second surname).
    pub words: Vec<String>,
    /// How often each of a–z and 0–9 occurs in `key`, when `key` is nothing else (else `None`):
    /// bounds the Jaro–Winkler similarity before it is computed.
    pub letters: Option<[u8; 36]>,
    /// Hashes of `key` and `skeleton`: two names whose hashes differ differ, without comparing
    /// the strings (most pairs compared).
    pub key_hash: u64,
    pub skeleton_hash: u64,
}

impl NameKeys {
    pub fn same_key(&self, other: &NameKeys) -> bool {
        self.key_hash == other.key_hash && self.key == other.key
    }

    pub fn same_skeleton(&self, other: &NameKeys) -> bool {
        self.skeleton_hash == other.skeleton_hash && self.skeleton == other.skeleton
    }
}

fn hash_of(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(s)
}

impl NameKeys {
    fn of(s: &Option<String>) -> Option<NameKeys> {
        let s = s.as_deref()?;
        let key = name_key(s);
        if key.is_empty() {
            return None;
        }
        let words = crate::normalise::fold(s).split(' ').map(skeleton).filter(|w| !w.is_empty()).collect();
        let letters = key.bytes().try_fold([0u8; 36], |mut h, b| {
            let slot = match b {
                b'a'..=b'z' => usize::from(b - b'a'),
                b'0'..=b'9' => 26 + usize::from(b - b'0'),
                _ => return None,
            };
            h[slot] = h[slot].saturating_add(1);
            Some(h)
        });
        let skeleton = skeleton(s);
        Some(NameKeys { key_hash: hash_of(&key), skeleton_hash: hash_of(&skeleton), skeleton, key, words, letters })
    }
}

/// What comparisons and blocking look at.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub given: Option<NameKeys>,
    pub family: Option<NameKeys>,
    pub sex: Option<char>,
    pub dob: Option<Dob>,
    pub nationality: Option<String>,
    pub place: Option<String>,
    pub phone: Option<String>,
}

impl Prepared {
    pub fn of(r: &Record) -> Prepared {
        let sex = r.sex.as_deref().map(fold).and_then(|s| match s.chars().next() {
            Some('m') | Some('h') => Some('m'),
            Some('f') | Some('w') => Some('f'),
            _ => None,
        });
        Prepared {
            given: NameKeys::of(&r.given_name),
            family: NameKeys::of(&r.family_name),
            sex,
            dob: r.date_of_birth.as_deref().and_then(Dob::parse),
            nationality: r.nationality.as_deref().map(|n| fold(n).replace(' ', "")).filter(|n| !n.is_empty()),
            place: r.place_of_birth.as_deref().map(fold).filter(|p| !p.is_empty()),
            phone: r.phone.as_deref().and_then(phone_key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_seen_in_the_field() {
        assert_eq!(Dob::parse("1990-03-07"), Some(Dob { year: 1990, month: Some(3), day: Some(7) }));
        assert_eq!(Dob::parse("07/03/1990"), Dob::parse("1990-03-07"));
        assert_eq!(Dob::parse("1990"), Some(Dob { year: 1990, month: None, day: None }));
        assert_eq!(Dob::parse("1990-13-01"), None);
        assert_eq!(Dob::parse("unknown"), None);
    }
}
