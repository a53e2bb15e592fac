//! Retention of identities (security goal 20): a person's identity is kept while it serves the
//! case work, then erased by a schedule. The clock: `identity_years` after the person was
//! registered and after the last change to any of their cases, all of which must have ended
//! (withdrawn, transferred or closed). A case still open, or changed since, keeps the identity;
//! the legal hold of `erasure` applies as it does to an erasure on request.

use crate::nrm::Stage;
use time::{Date, OffsetDateTime};

/// The instant before which registration and the last change of every case must lie for an
/// identity to be due, or `None` when retention is off (`years` = 0). Calendar years: 29
/// February counts back to 28 February of a common year.
pub fn cutoff(now: OffsetDateTime, years: u32) -> Option<OffsetDateTime> {
    if years == 0 {
        return None;
    }
    let back = i32::try_from(years).ok().and_then(|y| now.year().checked_sub(y))?;
    let date = Date::from_calendar_date(back, now.month(), now.day())
        .or_else(|_| Date::from_calendar_date(back, now.month(), now.day().saturating_sub(1)))
        .ok()?;
    Some(now.replace_date(date))
}

/// The stages after which no further work is expected (`Stage::is_ended`), as stored.
pub fn ended_stages() -> Vec<&'static str> {
    Stage::ALL.iter().filter(|s| s.is_ended()).map(|s| s.code()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_cutoff_counts_calendar_years() {
        assert_eq!(cutoff(datetime!(2032-11-19 10:00 UTC), 6), Some(datetime!(2026-11-19 10:00 UTC)));
        assert_eq!(cutoff(datetime!(2028-02-29 00:00 UTC), 1), Some(datetime!(2027-02-28 00:00 UTC)));
        assert_eq!(cutoff(datetime!(2032-11-19 10:00 UTC), 0), None, "off");
        assert_eq!(cutoff(datetime!(2032-11-19 10:00 UTC), u32::MAX), None, "no panic beyond the calendar");
    }

    #[test]
    fn closed_withdrawn_and_transferred_cases_have_ended() {
        assert_eq!(ended_stages(), vec!["withdrawn", "transferred", "closed"]);
    }
}
