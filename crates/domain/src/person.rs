//! A person as the NRM records them: the non-identifying fields kept in clear for statistics.
//! (Identity values — names, date of birth, documents, contacts, address — are encrypted and
//! never pass through these types.)

use crate::values::{ValidationError, code_list};

code_list! {
    /// HTCDS v2.0 `prs_Gender`.
    Gender, "sex" {
        Feminine => "Feminine",
        Masculine => "Masculine",
        TransgenderFeminine => "TransgenderFeminine",
        TransgenderMasculine => "TransgenderMasculine",
        NonConforming => "NonConforming",
        NonSpecifiedUnknown => "NonSpecifiedUnknown",
    }
}

code_list! {
    /// Migration status at identification (Palermo's list; no international code list was found).
    MigrationStatus, "migration_status" {
        Citizen => "citizen",
        RegularMigrant => "regular_migrant",
        IrregularMigrant => "irregular_migrant",
        AsylumSeeker => "asylum_seeker",
        Refugee => "refugee",
        Stateless => "stateless",
        Unknown => "unknown",
    }
}

code_list! {
    /// Child (under 18 at identification), adult, or not known.
    AgeGroup, "age_group" {
        Child => "child",
        Adult => "adult",
        Unknown => "unknown",
    }
}

impl AgeGroup {
    pub fn of(age: Option<i32>) -> AgeGroup {
        match age {
            Some(a) if a < 18 => AgeGroup::Child,
            Some(_) => AgeGroup::Adult,
            None => AgeGroup::Unknown,
        }
    }
}

/// Age at identification in whole years, 0 to 120; empty for unknown.
pub fn parse_age(s: &str) -> Result<Option<i32>, ValidationError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i32>() {
        Ok(a) if (0..=120).contains(&a) => Ok(Some(a)),
        _ => Err(ValidationError::new("age_at_identification", "a whole number of years from 0 to 120, or empty if unknown")),
    }
}

fn codes(field: &'static str, s: &str, ok: impl Fn(&str) -> bool, expected: &str) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split([',', ' ', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        if !ok(part) {
            return Err(ValidationError::new(field, format!("{expected}; {part:?} is not one")));
        }
        if !out.iter().any(|c| c == part) {
            out.push(part.to_owned());
        }
    }
    if out.len() > 5 {
        return Err(ValidationError::new(field, "at most 5 codes"));
    }
    Ok(out)
}

/// Citizenships as ISO 3166-1 alpha-3 codes (`SYR, UKR`), upper case: codes in the ISO list or
/// user-assigned ones (`XKX`), see [`crate::country`].
pub fn parse_citizenships(s: &str) -> Result<Vec<String>, ValidationError> {
    codes(
        "citizenships",
        &s.to_uppercase(),
        crate::country::is_country,
        "ISO 3166-1 alpha-3 country codes such as SYR, UKR, NGA, separated by commas",
    )
}

/// A list of countries (origin, transit, destination) as ISO 3166-1 alpha-3 codes, for `field`.
pub fn parse_countries(field: &'static str, s: &str) -> Result<Vec<String>, ValidationError> {
    codes(
        field,
        &s.to_uppercase(),
        crate::country::is_country,
        "ISO 3166-1 alpha-3 country codes such as SYR, UKR, NGA, separated by commas",
    )
}

/// Languages as ISO 639 codes (`ar, uk, fra`), lower case.
pub fn parse_languages(s: &str) -> Result<Vec<String>, ValidationError> {
    codes(
        "languages",
        &s.to_lowercase(),
        |c| (2..=3).contains(&c.len()) && c.chars().all(|x| x.is_ascii_lowercase()),
        "ISO 639 language codes such as ar, uk, fr, separated by commas",
    )
}

/// A date of birth: `YYYY-MM-DD`, or `YYYY` when only the year is estimated. Not after `today`.
pub fn parse_date_of_birth(s: &str, today: time::Date) -> Result<Option<String>, ValidationError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let err = || ValidationError::new("date_of_birth", "a date as YYYY-MM-DD, or a year YYYY if only the year is known, not in the future");
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() == 4 {
        let y: i32 = s.parse().map_err(|_| err())?;
        return if (1900..=today.year()).contains(&y) { Ok(Some(s.to_owned())) } else { Err(err()) };
    }
    let d = time::Date::parse(s, &fmt).map_err(|_| err())?;
    if d > today || d.year() < 1900 { Err(err()) } else { Ok(Some(s.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_and_ages() {
        assert_eq!(parse_citizenships("syr, UKR  syr").unwrap(), vec!["SYR", "UKR"]);
        assert_eq!(parse_citizenships("Syria").unwrap_err().field, "citizenships");
        let e = parse_citizenships("SYR, ABC").unwrap_err();
        assert!(e.expected.contains("\"ABC\" is not one"), "a code ISO does not list: {}", e.expected);
        assert_eq!(parse_citizenships("xkx").unwrap(), vec!["XKX"], "a user-assigned code");
        assert_eq!(parse_countries("origin_countries", "NGA LBY").unwrap(), vec!["NGA", "LBY"]);
        assert!(parse_countries("origin_countries", "NGR").is_err());
        assert_eq!(parse_languages("AR, uk").unwrap(), vec!["ar", "uk"]);
        assert_eq!(AgeGroup::of(parse_age("16").unwrap()), AgeGroup::Child);
        assert_eq!(AgeGroup::of(parse_age("").unwrap()), AgeGroup::Unknown);
        assert!(parse_age("-1").is_err());
        let today = time::macros::date!(2026 - 11 - 28);
        assert!(parse_date_of_birth("2030-01-01", today).is_err());
        assert_eq!(parse_date_of_birth("1990", today).unwrap().as_deref(), Some("1990"));
        assert!(parse_date_of_birth("31/12/1990", today).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let today = time::macros::date!(2026 - 11 - 28);
            let _ = parse_age(&s);
            let _ = parse_citizenships(&s);
            let _ = parse_languages(&s);
            let _ = parse_date_of_birth(&s, today);
        }
    }
}
