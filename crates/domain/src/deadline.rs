//! The NRM's clocks: the jurisdiction's time limits, working days with a holiday calendar, and
//! time zones.
//!
//! Legal time limits count calendar dates *in the jurisdiction's time zone*: a referral made at
//! 23:30 local time on a Friday is a Friday referral even though it is Saturday in UTC. Every
//! instant is turned into a local date with [`Rules::local_date`] before counting, and a due
//! date ends at local midnight ([`Rules::end_of_day`]), which is a different UTC instant in
//! summer and in winter.
//!
//! Counting convention: "N working days after D" is the N-th working day strictly after D
//! (the day of the event itself never counts), skipping the jurisdiction's weekend days and
//! holidays. Calendar-day limits ("at least 30 days") are D + N.

use crate::nrm::{CaseState, DecisionKind, Stage};
use crate::values::ValidationError;
use std::collections::BTreeSet;
use time::{Date, Duration, Month, OffsetDateTime, Weekday};

/// The jurisdiction's settings for the NRM clocks.
#[derive(Debug, Clone)]
pub struct Rules {
    /// IANA time-zone name, e.g. `Europe/Chisinau`.
    pub time_zone_name: String,
    time_zone: jiff::tz::TimeZone,
    /// Target for the reasonable-grounds decision, in working days after the referral.
    pub rg_target_working_days: u32,
    /// Minimum recovery and reflection period, in days after the positive RG decision
    /// (Council of Europe Convention art. 13: at least 30 days).
    pub min_recovery_days: u32,
    /// The conclusive-grounds decision may not be taken earlier than this many days after the
    /// positive RG decision.
    pub earliest_cg_days_after_rg: u32,
    /// Target for the conclusive-grounds decision, in days after the positive RG decision.
    pub cg_target_days_after_rg: u32,
    /// A first responder may ask for reconsideration until this many days after the person was
    /// told of a negative decision.
    pub reconsideration_window_days: u32,
    /// Target for a reconsidered decision, in working days after the request.
    pub reconsideration_target_working_days: u32,
    /// Days of the week that are not working days.
    pub weekend: BTreeSet<u8>,
    /// Public holidays (local dates).
    pub holidays: BTreeSet<Date>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            time_zone_name: "UTC".into(),
            time_zone: jiff::tz::TimeZone::UTC,
            rg_target_working_days: 5,
            min_recovery_days: 30,
            earliest_cg_days_after_rg: 30,
            cg_target_days_after_rg: 90,
            reconsideration_window_days: 90,
            reconsideration_target_working_days: 10,
            weekend: [weekday_number(Weekday::Saturday), weekday_number(Weekday::Sunday)].into(),
            holidays: BTreeSet::new(),
        }
    }
}

/// Monday = 1 … Sunday = 7 (ISO 8601).
pub fn weekday_number(w: Weekday) -> u8 {
    w.number_from_monday()
}

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

impl Rules {
    /// Set the time zone by its IANA name (from the bundled time-zone database).
    pub fn with_time_zone(mut self, name: &str) -> Result<Self, ValidationError> {
        let tz = jiff::tz::TimeZone::get(name.trim())
            .map_err(|_| ValidationError::new("time_zone", "an IANA time-zone name such as Europe/Chisinau, Africa/Lagos or UTC"))?;
        self.time_zone_name = name.trim().to_owned();
        self.time_zone = tz;
        Ok(self)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        !self.weekend.contains(&weekday_number(d.weekday())) && !self.holidays.contains(&d)
    }

    /// The `n`-th working day strictly after `from`. With n = 0, `from` itself.
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut d = from;
        let mut left = n;
        // A calendar in which no day is a working day would never end: stop after ten years.
        let mut guard = 3660u32;
        while left > 0 && guard > 0 {
            d = d.next_day().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
            guard -= 1;
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 if `to` is not after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.next_day().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    pub fn rg_due(&self, referred_on: Date) -> Date {
        self.add_working_days(referred_on, self.rg_target_working_days)
    }

    pub fn recovery_period_ends(&self, rg_positive_on: Date) -> Date {
        rg_positive_on + days(self.min_recovery_days)
    }

    pub fn earliest_conclusive_grounds(&self, rg_positive_on: Date) -> Date {
        rg_positive_on + days(self.earliest_cg_days_after_rg.max(self.min_recovery_days))
    }

    pub fn cg_due(&self, rg_positive_on: Date) -> Date {
        (rg_positive_on + days(self.cg_target_days_after_rg)).max(self.earliest_conclusive_grounds(rg_positive_on))
    }

    pub fn reconsideration_last_day(&self, told_on: Date) -> Date {
        told_on + days(self.reconsideration_window_days)
    }

    /// The jurisdiction's calendar date at an instant.
    pub fn local_date(&self, at: OffsetDateTime) -> Date {
        let ts = jiff::Timestamp::from_second(at.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let local = self.time_zone.to_datetime(ts).date();
        to_time_date(local).unwrap_or_else(|| at.date())
    }

    /// The instant a local date ends (local midnight at its close), in UTC.
    pub fn end_of_day(&self, d: Date) -> OffsetDateTime {
        let next = d.next_day().unwrap_or(d);
        let start = jiff::civil::Date::new(next.year() as i16, next.month() as i8, next.day() as i8)
            .ok()
            .and_then(|c| c.to_zoned(self.time_zone.clone()).ok())
            .map(|z| z.timestamp().as_second());
        match start.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()) {
            Some(t) => t,
            None => next.midnight().assume_utc(),
        }
    }

    /// What the case is waiting for and by when.
    pub fn next_deadline(&self, s: &CaseState) -> Option<Deadline> {
        let (kind, due) = match s.stage {
            Stage::Referred => (DeadlineKind::ReasonableGroundsDecision, self.rg_due(s.referred_on)),
            Stage::RecoveryPeriod => {
                let rg = s.rg_positive_on?;
                (DeadlineKind::ConclusiveGroundsDecision, self.cg_due(rg))
            }
            Stage::NegativeReasonableGrounds | Stage::NegativeConclusiveGrounds => {
                let (_, told) = s.last_negative?;
                (DeadlineKind::ReconsiderationWindowCloses, self.reconsideration_last_day(told))
            }
            Stage::Reconsideration => {
                let (kind, told) = s.last_negative?;
                let k = match kind {
                    DecisionKind::ReasonableGrounds => DeadlineKind::ReconsideredReasonableGrounds,
                    DecisionKind::ConclusiveGrounds => DeadlineKind::ReconsideredConclusiveGrounds,
                };
                // The request date is on the timeline; the window start is the safe lower bound.
                (k, self.add_working_days(told, self.reconsideration_target_working_days))
            }
            Stage::Assistance | Stage::Withdrawn | Stage::Transferred | Stage::Closed => return None,
        };
        Some(Deadline { kind, due, ends_at: self.end_of_day(due) })
    }

    /// Whether a deadline is met, due today, or overdue, at the instant `now`.
    pub fn status(&self, d: &Deadline, now: OffsetDateTime) -> DeadlineStatus {
        let today = self.local_date(now);
        if today > d.due {
            DeadlineStatus::Overdue { days: (today - d.due).whole_days() }
        } else if today == d.due {
            DeadlineStatus::DueToday
        } else {
            DeadlineStatus::Upcoming { days: (d.due - today).whole_days() }
        }
    }
}

fn to_time_date(d: jiff::civil::Date) -> Option<Date> {
    let month = Month::try_from(u8::try_from(d.month()).ok()?).ok()?;
    Date::from_calendar_date(i32::from(d.year()), month, u8::try_from(d.day()).ok()?).ok()
}

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    ReasonableGroundsDecision,
    ConclusiveGroundsDecision,
    ReconsiderationWindowCloses,
    ReconsideredReasonableGrounds,
    ReconsideredConclusiveGrounds,
}

impl DeadlineKind {
    pub fn code(self) -> &'static str {
        match self {
            DeadlineKind::ReasonableGroundsDecision => "reasonable_grounds_decision",
            DeadlineKind::ConclusiveGroundsDecision => "conclusive_grounds_decision",
            DeadlineKind::ReconsiderationWindowCloses => "reconsideration_window_closes",
            DeadlineKind::ReconsideredReasonableGrounds => "reconsidered_reasonable_grounds_decision",
            DeadlineKind::ReconsideredConclusiveGrounds => "reconsidered_conclusive_grounds_decision",
        }
    }

    /// Whether missing it is the authorities' failure (raises an alert), rather than a window
    /// that simply closes.
    pub fn is_target(self) -> bool {
        !matches!(self, DeadlineKind::ReconsiderationWindowCloses)
    }
}

/// A deadline: the last local date, and the instant that date ends in the jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due: Date,
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStatus {
    Upcoming { days: i64 },
    DueToday,
    Overdue { days: i64 },
}

impl DeadlineStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeadlineStatus::Upcoming { .. } => "upcoming",
            DeadlineStatus::DueToday => "due_today",
            DeadlineStatus::Overdue { .. } => "overdue",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    fn rules_with_holidays() -> Rules {
        // Christmas and Boxing Day 2026 fall on Friday and Saturday; New Year's Day on Friday.
        Rules { holidays: [date!(2026 - 12 - 25), date!(2026 - 12 - 28), date!(2027 - 01 - 01)].into(), ..Rules::default() }
    }

    #[test]
    fn working_days_skip_weekends() {
        let r = Rules::default();
        // Friday + 5 working days = next Friday.
        assert_eq!(r.rg_due(date!(2026 - 11 - 27)), date!(2026 - 12 - 04));
        // A Saturday referral: Mon..Fri.
        assert_eq!(r.rg_due(date!(2026 - 11 - 28)), date!(2026 - 12 - 04));
        assert_eq!(r.add_working_days(date!(2026 - 11 - 27), 1), date!(2026 - 11 - 30));
        assert_eq!(r.add_working_days(date!(2026 - 11 - 27), 0), date!(2026 - 11 - 27));
    }

    #[test]
    fn working_days_skip_holidays() {
        let r = rules_with_holidays();
        // Wed 23 Dec: Thu 24 (1), [Fri 25 holiday], [Sat, Sun], [Mon 28 substitute holiday],
        // Tue 29 (2), Wed 30 (3), Thu 31 (4), [Fri 1 Jan], [Sat, Sun], Mon 4 Jan (5).
        assert_eq!(r.rg_due(date!(2026 - 12 - 23)), date!(2027 - 01 - 04));
        assert_eq!(r.working_days_between(date!(2026 - 12 - 23), date!(2027 - 01 - 04)), 5);
    }

    #[test]
    fn other_weekends() {
        // A Friday–Saturday weekend.
        let r = Rules { weekend: [weekday_number(Weekday::Friday), weekday_number(Weekday::Saturday)].into(), ..Rules::default() };
        // Thursday + 1 working day = Sunday.
        assert_eq!(r.add_working_days(date!(2026 - 11 - 26), 1), date!(2026 - 11 - 29));
    }

    #[test]
    fn a_calendar_without_working_days_does_not_hang() {
        let r = Rules { weekend: (1..=7).collect(), ..Rules::default() };
        let d = r.add_working_days(date!(2026 - 01 - 01), 5);
        assert!(d > date!(2035 - 01 - 01));
    }

    #[test]
    fn local_dates_follow_the_time_zone() {
        // 23:30 UTC on Friday 27 Nov is already Saturday in Chisinau (UTC+2 in winter)
        // and still Friday in New York.
        let at = datetime!(2026-11-27 23:30 UTC);
        let chisinau = Rules::default().with_time_zone("Europe/Chisinau").unwrap_or_default();
        let new_york = Rules::default().with_time_zone("America/New_York").unwrap_or_default();
        assert_eq!(chisinau.local_date(at), date!(2026 - 11 - 28));
        assert_eq!(new_york.local_date(at), date!(2026 - 11 - 27));
        assert_eq!(Rules::default().local_date(at), date!(2026 - 11 - 27));
        // 03:00 UTC on Saturday is still Friday evening in New York.
        assert_eq!(new_york.local_date(datetime!(2026-11-28 03:00 UTC)), date!(2026 - 11 - 27));
    }

    #[test]
    fn a_day_ends_at_local_midnight_across_daylight_saving() {
        let london = Rules::default().with_time_zone("Europe/London").unwrap_or_default();
        // Winter: midnight local = midnight UTC. Summer: 23:00 UTC the evening before.
        assert_eq!(london.end_of_day(date!(2026 - 01 - 14)), datetime!(2026-01-15 00:00 UTC));
        assert_eq!(london.end_of_day(date!(2026 - 07 - 14)), datetime!(2026-07-14 23:00 UTC));
        // The day the clocks go forward (29 March 2026) still ends at the next local midnight.
        assert_eq!(london.end_of_day(date!(2026 - 03 - 28)), datetime!(2026-03-29 00:00 UTC));
        assert_eq!(london.end_of_day(date!(2026 - 03 - 29)), datetime!(2026-03-29 23:00 UTC));
        // Santiago moves its clocks at midnight: the local day may start at 01:00.
        let santiago = Rules::default().with_time_zone("America/Santiago").unwrap_or_default();
        let end = santiago.end_of_day(date!(2026 - 09 - 05));
        assert_eq!(santiago.local_date(end), date!(2026 - 09 - 06));
        assert_eq!(santiago.local_date(end - Duration::seconds(1)), date!(2026 - 09 - 05));
    }

    #[test]
    fn unknown_time_zone_is_a_clear_error() {
        let err = Rules::default().with_time_zone("Mars/Olympus_Mons").err();
        assert_eq!(err.map(|e| e.field), Some("time_zone"));
    }

    #[test]
    fn status_is_judged_on_the_local_date() {
        let r = Rules::default().with_time_zone("Asia/Manila").unwrap_or_default();
        let s = CaseState::referred(date!(2026 - 11 - 27));
        let d = r.next_deadline(&s).expect("a referred case has a deadline");
        assert_eq!(d.due, date!(2026 - 12 - 04));
        assert_eq!(d.ends_at, datetime!(2026-12-04 16:00 UTC)); // UTC+8
        assert_eq!(r.status(&d, datetime!(2026-12-04 15:59 UTC)), DeadlineStatus::DueToday);
        assert_eq!(r.status(&d, datetime!(2026-12-04 16:00 UTC)), DeadlineStatus::Overdue { days: 1 });
        assert_eq!(r.status(&d, datetime!(2026-12-02 00:00 UTC)), DeadlineStatus::Upcoming { days: 2 });
    }

    proptest! {
        /// The due date is a working day, exactly N working days after the start.
        #[test]
        fn add_working_days_counts_exactly(start in 0i64..2000, n in 1u32..40, hol in proptest::collection::btree_set(0i64..2100, 0..60)) {
                let base = date!(2025-01-01);
            let r = Rules { holidays: hol.into_iter().map(|d| base + Duration::days(d)).collect(), ..Rules::default() };
            let from = base + Duration::days(start);
            let due = r.add_working_days(from, n);
            prop_assert!(r.is_working_day(due));
            prop_assert_eq!(r.working_days_between(from, due), n);
        }

        /// The end of a local day is the first instant of the next local day, in any zone.
        #[test]
        fn end_of_day_is_the_boundary(day in 0i64..1500, zone in proptest::sample::select(vec!["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Apia", "America/Santiago"])) {
            let r = Rules::default().with_time_zone(zone).unwrap_or_default();
            let d = date!(2025-01-01) + Duration::days(day);
            let end = r.end_of_day(d);
            prop_assert_eq!(r.local_date(end - Duration::seconds(1)), d);
            prop_assert!(r.local_date(end) > d);
        }
    }
}
