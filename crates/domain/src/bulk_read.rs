//! Bulk reads of identity (security goal 8): one user opening the identities of many people
//! outside their own caseload in a short time is how an insider harvests a register. Reads
//! within the caseload — cases where the user is the assigned case worker, the decision-maker or
//! the one who referred it — are never counted; every other identity read is.
//!
//! The rule: a user may open the identities of at most `limit` different people outside their
//! caseload within any `window`. A person already opened within the window may be opened again
//! (it renews that person's place in the window, so no window ever holds more than `limit`
//! different people). Beyond it, further identity reads outside the caseload are refused until
//! the oldest leaves the window, and the first refusal after a quiet window raises an alert
//! naming the people read in it.

use std::collections::VecDeque;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::access::CaseFacts;
use crate::policy::Actor;

/// The jurisdiction's limit: so many different people in so long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub people: usize,
    pub window: Duration,
}

/// Whether reading this case's identity is part of the actor's own caseload: they are its
/// assigned case worker, its decision-maker, or referred it themselves.
pub fn within_caseload(actor: &Actor, facts: &CaseFacts) -> bool {
    let me = Some(actor.user_id);
    me == facts.case_worker || me == facts.decision_maker || me == facts.referred_by
}

/// The answer to one identity read outside the caseload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Refused until `until`. `alert` is set on the first refusal after a quiet window.
    Paused {
        until: OffsetDateTime,
        alert: Option<Tripped>,
    },
}

/// What an alert reports: the people whose identities were opened in the window, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tripped {
    pub since: OffsetDateTime,
    pub people: Vec<Uuid>,
}

/// One user's identity reads outside their caseload within the window, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    recent: VecDeque<(OffsetDateTime, Uuid)>,
    alerted_at: Option<OffsetDateTime>,
}

impl Reads {
    fn forget_before(&mut self, now: OffsetDateTime, window: Duration) {
        while self.recent.front().is_some_and(|(at, _)| now - *at >= window) {
            self.recent.pop_front();
        }
    }

    /// Decide one read of `person`'s identity at `now`, and remember it if admitted.
    pub fn admit(&mut self, person: Uuid, now: OffsetDateTime, limit: Limit) -> Admission {
        self.forget_before(now, limit.window);
        if let Some(i) = self.recent.iter().position(|(_, p)| *p == person) {
            self.recent.remove(i);
            self.recent.push_back((now, person));
            return Admission::Admitted;
        }
        if self.recent.len() < limit.people {
            self.recent.push_back((now, person));
            return Admission::Admitted;
        }
        let oldest = self.recent.front().map_or(now, |(at, _)| *at);
        let quiet = self.alerted_at.is_none_or(|at| now - at >= limit.window);
        let alert = quiet.then(|| {
            self.alerted_at = Some(now);
            Tripped { since: oldest, people: self.recent.iter().map(|(_, p)| *p).collect() }
        });
        Admission::Paused { until: oldest + limit.window, alert }
    }

    /// Nothing left to remember at `now` (the user's entry can be dropped).
    pub fn is_idle(&self, now: OffsetDateTime, window: Duration) -> bool {
        self.recent.back().is_none_or(|(at, _)| now - *at >= window) && self.alerted_at.is_none_or(|at| now - at >= window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }
    fn person(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }
    const LIMIT: Limit = Limit { people: 3, window: Duration::minutes(10) };

    #[test]
    fn the_fourth_person_is_refused_and_alerted_once() {
        let mut r = Reads::default();
        let now = t0();
        for n in 1..=3 {
            assert_eq!(r.admit(person(n), now + Duration::minutes(n.into()), LIMIT), Admission::Admitted);
        }
        // The same person again is no new person.
        assert_eq!(r.admit(person(2), now + Duration::minutes(4), LIMIT), Admission::Admitted);
        let Admission::Paused { until, alert: Some(t) } = r.admit(person(4), now + Duration::minutes(5), LIMIT) else {
            panic!("a fourth person within ten minutes must be refused with an alert");
        };
        assert_eq!(until, now + Duration::minutes(11), "until the oldest read (person 1, minute 1) leaves the window");
        assert_eq!(t.since, now + Duration::minutes(1));
        assert_eq!(t.people, vec![person(1), person(3), person(2)]);
        // A second refusal in the same window raises no second alert.
        assert_eq!(
            r.admit(person(5), now + Duration::minutes(6), LIMIT),
            Admission::Paused { until: now + Duration::minutes(11), alert: None }
        );
        // Once person 1 has left the window there is room for one more.
        assert_eq!(r.admit(person(4), now + Duration::minutes(11), LIMIT), Admission::Admitted);
        assert!(matches!(r.admit(person(5), now + Duration::minutes(12), LIMIT), Admission::Paused { alert: None, .. }));
        // A quiet window later, a new burst alerts again.
        let later = now + Duration::minutes(30);
        for n in 10..13 {
            assert_eq!(r.admit(person(n), later, LIMIT), Admission::Admitted);
        }
        assert!(matches!(r.admit(person(13), later, LIMIT), Admission::Paused { alert: Some(_), .. }));
        assert!(!r.is_idle(later, LIMIT.window));
        assert!(r.is_idle(later + LIMIT.window, LIMIT.window));
    }

    proptest! {
        /// No window ever holds more than `limit` different people admitted, alerts are at least a
        /// window apart, and a refusal after a quiet window always alerts.
        #[test]
        fn no_window_holds_more_than_the_limit(
            steps in proptest::collection::vec((0u8..12, 0i64..400), 1..200),
            people in 1usize..6,
            minutes in 1i64..30,
        ) {
            let limit = Limit { people, window: Duration::minutes(minutes) };
            let mut r = Reads::default();
            let mut now = t0();
            let mut admitted: Vec<(OffsetDateTime, Uuid)> = Vec::new();
            let mut alerts: Vec<OffsetDateTime> = Vec::new();
            for (p, dt) in steps {
                now += Duration::seconds(dt);
                match r.admit(person(p), now, limit) {
                    Admission::Admitted => admitted.push((now, person(p))),
                    Admission::Paused { until, alert } => {
                        prop_assert!(until > now);
                        let quiet = alerts.last().is_none_or(|at| now - *at >= limit.window);
                        prop_assert_eq!(alert.is_some(), quiet);
                        if let Some(t) = alert {
                            prop_assert_eq!(t.people.len(), people);
                            alerts.push(now);
                        }
                    }
                }
                let mut seen: Vec<Uuid> =
                    admitted.iter().filter(|(at, _)| now - *at < limit.window).map(|(_, p)| *p).collect();
                seen.sort();
                seen.dedup();
                prop_assert!(seen.len() <= people, "{} different people within the window", seen.len());
            }
        }
    }
}
