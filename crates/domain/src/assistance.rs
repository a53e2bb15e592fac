//! Assistance records beside the NRM stages (resolution 58/137 ¶6–¶7): residence status
//! (reflection period, permits, asylum) with its expiry alerts, and the protection records of a
//! child (guardian, best-interests assessment and determination, age assessment, family
//! tracing), with the rule that a child's case does not close without a best-interests
//! determination.

use crate::values::{ValidationError, code_list};
use time::Date;

code_list! {
    /// Kinds of residence status.
    PermitKind, "kind" {
        ReflectionPeriod => "reflection_period",
        TemporaryResidence => "temporary_residence",
        PermanentResidence => "permanent_residence",
        AsylumClaim => "asylum_claim",
        Other => "other",
    }
}

code_list! {
    PermitStatus, "status" {
        Applied => "applied",
        Granted => "granted",
        Refused => "refused",
        Expired => "expired",
        Withdrawn => "withdrawn",
    }
}

code_list! {
    /// A child's protection records.
    ChildRecordKind, "kind" {
        GuardianAppointment => "guardian_appointment",
        BestInterestsAssessment => "best_interests_assessment",
        BestInterestsDetermination => "best_interests_determination",
        AgeAssessment => "age_assessment",
        FamilyTracing => "family_tracing",
    }
}

code_list! {
    AgeAssessmentMethod, "method" {
        Documents => "documents",
        Interview => "interview",
        Medical => "medical",
        Multidisciplinary => "multidisciplinary",
    }
}

code_list! {
    FamilyTracingStatus, "tracing_status" {
        Started => "started",
        FamilyFound => "family_found",
        NotFound => "not_found",
        ReunificationNotInBestInterests => "reunification_not_in_best_interests",
        Reunified => "reunified",
    }
}

/// A permit's dates must make sense: from ≤ until.
pub fn check_permit_dates(valid_from: Option<Date>, valid_until: Option<Date>) -> Result<(), ValidationError> {
    match (valid_from, valid_until) {
        (Some(f), Some(u)) if u < f => Err(ValidationError::new("valid_until", format!("a date on or after valid_from ({f})"))),
        _ => Ok(()),
    }
}

/// Whether a granted permit ending on `valid_until` is within `alert_days` of expiring (or has
/// expired) on `today`.
pub fn expiry_alert(status: PermitStatus, valid_until: Option<Date>, today: Date, alert_days: u32) -> bool {
    match (status, valid_until) {
        (PermitStatus::Granted, Some(u)) => u <= today + time::Duration::days(i64::from(alert_days)),
        _ => false,
    }
}

/// A child's case closes only after a best-interests determination is on record.
pub fn may_close(child: bool, has_determination: bool) -> Result<(), ValidationError> {
    if child && !has_determination {
        return Err(ValidationError::new(
            "command",
            "a best-interests determination on record first: a child's case cannot be closed without one (record it under Child protection)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn closing_a_childs_case_needs_a_determination() {
        assert!(may_close(true, false).unwrap_err().expected.contains("best-interests determination"));
        assert!(may_close(true, true).is_ok());
        assert!(may_close(false, false).is_ok());
    }

    #[test]
    fn permit_dates() {
        assert_eq!(check_permit_dates(Some(date!(2026 - 12 - 01)), Some(date!(2026 - 11 - 01))).unwrap_err().field, "valid_until");
        assert!(check_permit_dates(Some(date!(2026 - 11 - 01)), None).is_ok());
    }

    proptest! {
        /// An alert is raised exactly for granted permits ending within the window (or already past).
        #[test]
        fn expiry_window(days_left in -400i64..400, window in 0u32..200, granted in any::<bool>()) {
            let today = date!(2026 - 11 - 28);
            let until = today + time::Duration::days(days_left);
            let status = if granted { PermitStatus::Granted } else { PermitStatus::Applied };
            prop_assert_eq!(expiry_alert(status, Some(until), today, window), granted && days_left <= i64::from(window));
        }
    }
}
