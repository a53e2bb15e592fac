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

code_list! {
    /// Routes to compensation and restitution.
    ClaimKind, "kind" {
        CriminalCourtOrder => "criminal_court_order",
        CivilClaim => "civil_claim",
        StateCompensationScheme => "state_compensation_scheme",
        LabourBackPay => "labour_back_pay",
    }
}

code_list! {
    ClaimStatus, "status" {
        Prepared => "prepared",
        Filed => "filed",
        Awarded => "awarded",
        Rejected => "rejected",
        PartlyPaid => "partly_paid",
        Paid => "paid",
        Withdrawn => "withdrawn",
    }
}

code_list! {
    RiskLevel, "level" {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

code_list! {
    /// Whom a risk threatens.
    RiskTo, "risk_to" {
        Person => "person",
        Family => "family",
        Staff => "staff",
    }
}

code_list! {
    /// What a safety plan puts in place.
    SafetyMeasure, "safety_measures" {
        Relocation => "relocation",
        PoliceProtection => "police_protection",
        ConfidentialAddress => "confidential_address",
        NewPhone => "new_phone",
        Accompaniment => "accompaniment",
        SeparateAccommodation => "separate_accommodation",
    }
}

/// Money as integer minor units of an ISO 4217 currency — never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: [u8; 3],
}

/// Digits after the decimal point of a currency (ISO 4217 minor unit): 0 and 3 for the
/// currencies that use them, 2 for the rest.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF"
        | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

impl Money {
    /// Parse `amount` ("1500", "1500.5", "1 500.50") in `currency` (three capital letters), exactly.
    pub fn parse(field: &'static str, amount: &str, currency: &str) -> Result<Money, ValidationError> {
        let cur = currency.trim().to_ascii_uppercase();
        let code: [u8; 3] = match cur.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => [*a, *b, *c],
            _ => return Err(ValidationError::new("currency", "an ISO 4217 currency code such as EUR, USD, NGN")),
        };
        let digits = minor_digits(&cur);
        let bad = || {
            ValidationError::new(field, format!("an amount such as 1500 or 1500.{} in {cur}, not negative", "0".repeat(digits as usize)))
        };
        let s: String = amount.trim().chars().filter(|c| *c != ' ' && *c != '\u{a0}').collect();
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        if whole.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > digits as usize
        {
            return Err(bad());
        }
        let scale = 10i64.pow(digits);
        let w: i64 = whole.parse().map_err(|_| bad())?;
        let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = digits as usize).parse().map_err(|_| bad())? };
        let minor = w.checked_mul(scale).and_then(|x| x.checked_add(f)).filter(|x| *x <= 1_000_000_000_000_000).ok_or_else(bad)?;
        Ok(Money { minor, currency: code })
    }

    pub fn currency(&self) -> &str {
        std::str::from_utf8(&self.currency).unwrap_or("XXX")
    }

    /// The amount for people, e.g. `1500.50 EUR`.
    pub fn display(minor: i64, currency: &str) -> String {
        let digits = minor_digits(currency);
        if digits == 0 {
            return format!("{minor} {currency}");
        }
        let scale = 10i64.pow(digits);
        format!("{}.{:0width$} {currency}", minor / scale, minor % scale, width = digits as usize)
    }
}

#[cfg(test)]
mod money_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_in_minor_units() {
        assert_eq!(Money::parse("claimed", "1500.5", "eur").unwrap().minor, 150_050);
        assert_eq!(Money::parse("claimed", "1 500", "JPY").unwrap().minor, 1_500);
        assert_eq!(Money::parse("claimed", "2.125", "KWD").unwrap().minor, 2_125);
        assert_eq!(Money::parse("claimed", "2.125", "EUR").unwrap_err().field, "claimed");
        assert_eq!(Money::parse("claimed", "-3", "EUR").unwrap_err().field, "claimed");
        assert_eq!(Money::parse("claimed", "3", "euro").unwrap_err().field, "currency");
        assert_eq!(Money::display(150_050, "EUR"), "1500.50 EUR");
        assert_eq!(Money::display(2_125, "KWD"), "2.125 KWD");
    }

    proptest! {
        /// What is displayed parses back to the same minor units; nothing panics on any text.
        #[test]
        fn round_trip(minor in 0i64..1_000_000_000_000, cur in prop_oneof![Just("EUR"), Just("JPY"), Just("KWD"), Just("NGN")]) {
            let shown = Money::display(minor, cur);
            let amount = shown.split(' ').next().unwrap();
            prop_assert_eq!(Money::parse("amount", amount, cur).unwrap().minor, minor);
        }

        #[test]
        fn never_panics(amount in "\\PC{0,30}", cur in "\\PC{0,5}") {
            let _ = Money::parse("amount", &amount, &cur);
        }
    }
}

code_list! {
    /// Where a person's way out of the NRM leads.
    ReintegrationPath, "path" {
        ReturnToCountryOfOrigin => "return_to_country_of_origin",
        LocalIntegration => "local_integration",
        ResettlementInThirdCountry => "resettlement_in_third_country",
    }
}

code_list! {
    /// Why a case was closed (HTCDS names the field `cas_ReasonForCaseClosure` without a code
    /// list [verify]; these are Palermo's codes).
    ClosureReason, "closure_reason" {
        AssistanceCompleted => "assistance_completed",
        PersonDeclinedFurtherSupport => "person_declined_further_support",
        ReturnedToCountryOfOrigin => "returned_to_country_of_origin",
        LostContact => "lost_contact",
        TransferredToAnotherOrganisation => "transferred_to_another_organisation",
        NotAVictim => "not_a_victim",
        Deceased => "deceased",
        Other => "other",
    }
}

code_list! {
    FollowUpOutcome, "outcome" {
        ReachedDoingWell => "reached_doing_well",
        ReachedNeedsSupport => "reached_needs_support",
        NotReached => "not_reached",
    }
}

/// Follow-up contacts at a set interval: `times` dates, the first `every_days` after `start`.
pub fn follow_up_schedule(start: Date, every_days: u32, times: u32) -> Result<Vec<Date>, ValidationError> {
    if !(7..=365).contains(&every_days) {
        return Err(ValidationError::new("every_days", "an interval of 7 to 365 days"));
    }
    if !(1..=24).contains(&times) {
        return Err(ValidationError::new("times", "1 to 24 contacts"));
    }
    Ok((1..=times).map(|k| start + time::Duration::days(i64::from(every_days) * i64::from(k))).collect())
}

#[cfg(test)]
mod follow_up_tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    proptest! {
        /// The schedule has `times` dates, evenly spaced, all after the start.
        #[test]
        fn schedule(every in 7u32..=365, times in 1u32..=24) {
            let start = date!(2026 - 11 - 28);
            let s = follow_up_schedule(start, every, times).unwrap();
            prop_assert_eq!(s.len() as u32, times);
            prop_assert!(s.windows(2).all(|w| (w[1] - w[0]).whole_days() == i64::from(every)));
            prop_assert!(s[0] > start);
        }
    }

    #[test]
    fn bounds_are_named() {
        assert_eq!(follow_up_schedule(date!(2026 - 11 - 28), 3, 2).unwrap_err().field, "every_days");
        assert_eq!(follow_up_schedule(date!(2026 - 11 - 28), 30, 0).unwrap_err().field, "times");
    }
}

code_list! {
    /// HTCDS `spl_Type` (support plan types), in Palermo's snake_case.
    SupportPlanType, "plan_type" {
        Education => "education",
        Financial => "financial",
        Health => "health",
        LabourExploitationRehabilitation => "labour_exploitation_rehabilitation",
        Legal => "legal",
        Livelihood => "livelihood",
        RightsBasedTraining => "rights_based_training",
        SexualExploitationRehabilitation => "sexual_exploitation_rehabilitation",
        SocialCare => "social_care",
    }
}

code_list! {
    SupportPlanStatus, "status" {
        AwaitingApproval => "awaiting_approval",
        Active => "active",
        Closed => "closed",
    }
}

/// Four eyes: a support plan is approved by another person of the organisation that wrote it,
/// holding a case-work or coordination role.
pub fn may_approve(
    author: crate::ids::UserId,
    author_org: crate::ids::OrgId,
    approver: &crate::policy::Actor,
) -> Result<(), ValidationError> {
    use crate::role::Role;
    if approver.user_id == author {
        return Err(ValidationError::new("plan", "approval by someone other than the plan's author"));
    }
    if approver.org_id != author_org || !(approver.roles.has(Role::CaseWorker) || approver.roles.has(Role::Coordinator)) {
        return Err(ValidationError::new("plan", "approval by a case worker or coordinator of the organisation that wrote the plan"));
    }
    Ok(())
}
