//! Countries as ISO 3166-1 codes: the list (from `data/iso-3166-1.csv`, its source in
//! `data/iso-3166-1-SOURCES.md`), the check that a recorded country exists, and the alpha-2 code
//! where an export's standard asks for it (CTDC).

use crate::values::ValidationError;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const LIST: &str = include_str!("../../../data/iso-3166-1.csv");

/// alpha-3 → alpha-2, from the list.
static ALPHA2: LazyLock<BTreeMap<&'static str, &'static str>> = LazyLock::new(|| {
    LIST.lines()
        .skip(1)
        .filter_map(|line| {
            let mut parts = line.splitn(4, ',');
            let a3 = parts.next()?.trim();
            let a2 = parts.next()?.trim();
            (a3.len() == 3 && a2.len() == 2).then_some((a3, a2))
        })
        .collect()
});

/// Every country in the list: (alpha-3, English short name), by code.
pub fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    LIST.lines().skip(1).filter_map(|line| {
        let mut parts = line.splitn(4, ',');
        let a3 = parts.next()?;
        let name = parts.nth(2)?;
        Some((a3, name.trim_matches('"')))
    })
}

/// The ISO 3166-1 alpha-3 codes the list holds.
pub fn known() -> impl Iterator<Item = &'static str> {
    ALPHA2.keys().copied()
}

/// A user-assigned alpha-3 code (ISO 3166-1 §8.1.3: `AAA`–`AAZ`, `QMA`–`QZZ`, `XAA`–`XZZ`, `ZZZ`),
/// such as the demo country's `XVR` or Kosovo's `XKX`.
pub fn user_assigned(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 3
        && b.iter().all(u8::is_ascii_uppercase)
        && (b[0] == b'X' || (b[0] == b'A' && b[1] == b'A') || (b[0] == b'Q' && b[1] >= b'M') || code == "ZZZ")
}

/// An ISO 3166-1 alpha-3 code in the list, or a user-assigned one.
pub fn is_country(code: &str) -> bool {
    ALPHA2.contains_key(code) || user_assigned(code)
}

/// The alpha-2 code of an alpha-3 one; none for a user-assigned or unknown code.
pub fn alpha2(alpha3: &str) -> Option<&'static str> {
    ALPHA2.get(alpha3).copied()
}

/// One country for `field`, as ISO 3166-1 alpha-3 (upper case); empty means not known.
pub fn parse_country(field: &'static str, s: &str) -> Result<Option<String>, ValidationError> {
    let code = s.trim().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    if is_country(&code) {
        Ok(Some(code))
    } else {
        Err(ValidationError::new(field, "one ISO 3166-1 alpha-3 country code such as ROU, NGA or ITA, or empty if not known"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_list_is_whole_and_maps_to_alpha2() {
        assert_eq!(known().count(), 249);
        assert_eq!(names().count(), 249);
        assert!(names().any(|(c, n)| c == "BOL" && n.starts_with("Bolivia")));
        assert_eq!(alpha2("ROU"), Some("RO"));
        assert_eq!(alpha2("NGA"), Some("NG"));
        assert_eq!(alpha2("GBR"), Some("GB"));
        assert_eq!(alpha2("XVR"), None);
        assert!(is_country("XVR") && is_country("XKX") && is_country("QMA") && is_country("ZZZ"));
        assert!(!is_country("ABC") && !is_country("rou") && !is_country("RO"));
    }

    #[test]
    fn parsing_names_the_field() {
        assert_eq!(parse_country("exploitation_country", " rou "), Ok(Some("ROU".into())));
        assert_eq!(parse_country("exploitation_country", ""), Ok(None));
        let e = parse_country("exploitation_country", "Romania").unwrap_err();
        assert_eq!(e.field, "exploitation_country");
        assert!(e.expected.contains("alpha-3"));
    }

    proptest! {
        /// Any text: an error or a code that exists, never a panic.
        #[test]
        fn any_text_is_a_country_or_an_error(s in "\\PC{0,8}") {
            if let Ok(Some(c)) = parse_country("c", &s) {
                prop_assert!(is_country(&c));
            }
        }
    }
}
