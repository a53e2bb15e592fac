//! Guessing protection at sign-in: a progressive delay, then a soft lock that expires by
//! itself, so an attacker is slowed to a crawl while the real user can still get in later (and
//! from another address at once: the state is kept per account and client address).

use time::{Duration, OffsetDateTime};

/// Failures allowed before any delay.
pub const FREE_FAILURES: i64 = 4;
/// The longest a lock lasts.
pub const MAX_LOCK: Duration = Duration::minutes(15);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub last_failure_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

/// Whether an attempt may proceed to the password check now.
pub fn may_attempt(state: Option<&ThrottleState>, now: OffsetDateTime) -> Result<(), OffsetDateTime> {
    match state.and_then(|s| s.locked_until) {
        Some(until) if until > now => Err(until),
        _ => Ok(()),
    }
}

/// The state after one more failure: the 5th failure locks for 1 s, each further one doubles
/// the lock, up to [`MAX_LOCK`].
pub fn after_failure(state: Option<&ThrottleState>, now: OffsetDateTime) -> ThrottleState {
    let previous = match state {
        Some(s) if now - s.last_failure_at < FORGET_AFTER => s.failures,
        _ => 0,
    };
    let failures = previous + 1;
    let locked_until = if failures > FREE_FAILURES {
        let exponent = u32::try_from((failures - FREE_FAILURES - 1).min(20)).unwrap_or(20);
        let secs = 1i64 << exponent;
        Some(now + Duration::seconds(secs).min(MAX_LOCK))
    } else {
        None
    };
    ThrottleState { failures, last_failure_at: now, locked_until }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn delay_grows_then_caps() {
        let mut s = None;
        let now = t0();
        for _ in 0..4 {
            s = Some(after_failure(s.as_ref(), now));
            assert!(may_attempt(s.as_ref(), now).is_ok());
        }
        s = Some(after_failure(s.as_ref(), now));
        assert_eq!(may_attempt(s.as_ref(), now), Err(now + Duration::seconds(1)));
        for _ in 0..30 {
            s = Some(after_failure(s.as_ref(), now));
        }
        assert_eq!(s.unwrap().locked_until, Some(now + MAX_LOCK));
        assert!(may_attempt(s.as_ref(), now + MAX_LOCK).is_ok(), "the lock ends by itself");
    }

    proptest! {
        #[test]
        fn a_lock_never_exceeds_the_cap(n in 1usize..200, gap in 0i64..100_000) {
            let mut s = None;
            let mut now = t0();
            for _ in 0..n {
                now += Duration::seconds(gap);
                s = Some(after_failure(s.as_ref(), now));
                if let Some(until) = s.unwrap().locked_until {
                    prop_assert!(until - now <= MAX_LOCK);
                }
            }
        }
    }
}
