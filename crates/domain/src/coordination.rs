//! Coordination and assistance (resolution 58/137 ¶6, ¶7, ¶9): the services organisations offer,
//! referrals of a person from one organisation to another for a service, and the services
//! delivered.
//!
//! A referral is a small state machine: sent → accepted / declined → completed, or revoked by the
//! sender while sent or accepted. It may be sent only on a **basis**: the person's consent to a
//! referral to that organisation; for a child, the child rule (protection and assistance do not
//! wait for consent); or an emergency override with a written reason. While a referral is live
//! (sent or accepted) and its basis still stands, the recipient reads the sections its service
//! needs — no more (see [`sections_for`]).

use crate::access::Section;
use crate::values::{ValidationError, code_list};

code_list! {
    /// What an organisation provides (the list, after the HTCDS assistance types).
    ServiceKind, "kind" {
        Accommodation => "accommodation",
        Medical => "medical",
        Psychological => "psychological",
        LegalAid => "legal_aid",
        SocialAssistance => "social_assistance",
        Education => "education",
        VocationalTraining => "vocational_training",
        Employment => "employment",
        FinancialSupport => "financial_support",
        Interpretation => "interpretation",
        FamilyTracing => "family_tracing",
        ReturnAndReintegration => "return_and_reintegration",
        Other => "other",
    }
}

code_list! {
    /// Which ages a service takes.
    AgeEligibility, "ages" {
        Adults => "adults",
        Children => "children",
        All => "all",
    }
}

code_list! {
    /// Which sexes a service takes (a women's shelter: `female`).
    SexEligibility, "sexes" {
        Any => "any",
        Female => "female",
        Male => "male",
    }
}

code_list! {
    ReferralStatus, "status" {
        Sent => "sent",
        Accepted => "accepted",
        Declined => "declined",
        Completed => "completed",
        Revoked => "revoked",
    }
}

code_list! {
    /// On what a referral was sent.
    ReferralBasis, "basis" {
        Consent => "consent",
        ChildRule => "child_rule",
        EmergencyOverride => "emergency_override",
    }
}

code_list! {
    /// How a delivered service ended.
    ServiceOutcome, "outcome" {
        Provided => "provided",
        PartlyProvided => "partly_provided",
        Ongoing => "ongoing",
        NotTakenUp => "not_taken_up",
    }
}

/// What may happen to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralCommand {
    Accept,
    Decline,
    Complete,
    Revoke,
}

impl ReferralCommand {
    pub fn code(self) -> &'static str {
        match self {
            ReferralCommand::Accept => "accept",
            ReferralCommand::Decline => "decline",
            ReferralCommand::Complete => "complete",
            ReferralCommand::Revoke => "revoke",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "accept" => Ok(Self::Accept),
            "decline" => Ok(Self::Decline),
            "complete" => Ok(Self::Complete),
            "revoke" => Ok(Self::Revoke),
            _ => Err(ValidationError::new("command", "one of accept, decline, complete, revoke")),
        }
    }

    /// Whether the recipient (accept, decline, complete) or the sender (revoke) gives it.
    pub fn by_recipient(self) -> bool {
        !matches!(self, ReferralCommand::Revoke)
    }
}

/// The status after `cmd`, or a refusal naming what is allowed from `status`.
pub fn next_status(status: ReferralStatus, cmd: ReferralCommand) -> Result<ReferralStatus, ValidationError> {
    use ReferralCommand as C;
    use ReferralStatus as S;
    match (status, cmd) {
        (S::Sent, C::Accept) => Ok(S::Accepted),
        (S::Sent, C::Decline) => Ok(S::Declined),
        (S::Accepted, C::Complete) => Ok(S::Completed),
        (S::Sent | S::Accepted, C::Revoke) => Ok(S::Revoked),
        _ => {
            let can: Vec<&str> = allowed(status).iter().map(|c| c.code()).collect();
            let can = if can.is_empty() { "nothing (it is closed)".to_owned() } else { can.join(", ") };
            Err(ValidationError::new("command", format!("a referral that is {} allows: {can}", status.code())))
        }
    }
}

/// The commands allowed from `status`.
pub fn allowed(status: ReferralStatus) -> Vec<ReferralCommand> {
    use ReferralCommand as C;
    match status {
        ReferralStatus::Sent => vec![C::Accept, C::Decline, C::Revoke],
        ReferralStatus::Accepted => vec![C::Complete, C::Revoke],
        _ => Vec::new(),
    }
}

/// Whether a referral in this status still opens the case to its recipient.
pub fn is_live(status: ReferralStatus) -> bool {
    matches!(status, ReferralStatus::Sent | ReferralStatus::Accepted)
}

/// The case sections a referral for `kind` carries: what the recipient needs to deliver the
/// service. Health goes to medical services only, counselling notes to psychological ones; the
/// shelter location to nobody by referral (it stays with the case worker, behind step-up).
pub fn sections_for(kind: ServiceKind) -> Vec<Section> {
    use Section as S;
    use ServiceKind as K;
    match kind {
        K::Medical => vec![S::Summary, S::Identity, S::Health],
        K::Psychological => vec![S::Summary, S::Identity, S::Counselling],
        K::LegalAid => vec![S::Summary, S::Identity, S::Decisions],
        K::Interpretation => vec![S::Summary],
        _ => vec![S::Summary, S::Identity],
    }
}

/// Why a referral may not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasisMissing {
    /// The person's consent to a referral to this organisation is not on record (or not given,
    /// or withdrawn): which consent is missing.
    Consent { status: Option<ConsentState> },
    /// An emergency override was asked for without a written reason.
    OverrideReason,
}

/// The latest consent on record for (purpose referral, this recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    Given,
    Refused,
    Withdrawn,
}

/// How the latest consent on record stands, in the words of a refusal message ("the person's
/// consent to a referral to X {standing}").
pub fn consent_standing(state: Option<ConsentState>) -> &'static str {
    match state {
        None => "is not on record",
        Some(ConsentState::Refused) => "was refused",
        Some(ConsentState::Withdrawn) => "was withdrawn",
        Some(ConsentState::Given) => "is given",
    }
}

/// The basis a referral is sent on: consent if given; otherwise, for a child, the child rule;
/// otherwise an emergency override if asked for with a reason of at least ten characters.
pub fn referral_basis(consent: Option<ConsentState>, child: bool, emergency_reason: Option<&str>) -> Result<ReferralBasis, BasisMissing> {
    if consent == Some(ConsentState::Given) {
        return Ok(ReferralBasis::Consent);
    }
    if child {
        return Ok(ReferralBasis::ChildRule);
    }
    match emergency_reason.map(str::trim) {
        Some(r) if r.chars().count() >= 10 => Ok(ReferralBasis::EmergencyOverride),
        Some(_) => Err(BasisMissing::OverrideReason),
        None => Err(BasisMissing::Consent { status: consent }),
    }
}

/// Whether a live referral still opens the case: its basis must still stand. A consent-based
/// referral stops at once when the consent is withdrawn (or refused afterwards); the child rule
/// and an override last until the referral is closed or revoked.
pub fn basis_stands(basis: ReferralBasis, consent: Option<ConsentState>) -> bool {
    match basis {
        ReferralBasis::Consent => consent == Some(ConsentState::Given),
        ReferralBasis::ChildRule | ReferralBasis::EmergencyOverride => true,
    }
}

code_list! {
    /// A transfer of case ownership to another organisation: proposed by the owner's case team,
    /// then accepted or declined by the receiving organisation, or cancelled by the proposer.
    TransferStatus, "status" {
        Proposed => "proposed",
        Accepted => "accepted",
        Declined => "declined",
        Cancelled => "cancelled",
    }
}

code_list! {
    /// What may happen to a proposed transfer.
    TransferCommand, "command" {
        Accept => "accept",
        Decline => "decline",
        Cancel => "cancel",
    }
}

impl TransferCommand {
    /// Whether the receiving organisation (accept, decline) or the proposer's side (cancel) gives it.
    pub fn by_receiver(self) -> bool {
        !matches!(self, TransferCommand::Cancel)
    }
}

/// The status of a transfer after `cmd`: only a proposed transfer moves, once.
pub fn next_transfer(status: TransferStatus, cmd: TransferCommand) -> Result<TransferStatus, ValidationError> {
    match (status, cmd) {
        (TransferStatus::Proposed, TransferCommand::Accept) => Ok(TransferStatus::Accepted),
        (TransferStatus::Proposed, TransferCommand::Decline) => Ok(TransferStatus::Declined),
        (TransferStatus::Proposed, TransferCommand::Cancel) => Ok(TransferStatus::Cancelled),
        _ => Err(ValidationError::new("command", format!("nothing: the transfer is already {}", status.code()))),
    }
}

/// The median of response times in seconds (sent → accepted or declined); `None` for none.
pub fn median(mut xs: Vec<i64>) -> Option<i64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_unstable();
    let n = xs.len();
    Some(if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2 })
}

#[cfg(test)]
mod tests {
    proptest! {
        /// A transfer moves once, from proposed; an illegal command is refused naming the field.
        #[test]
        fn a_transfer_moves_once(cmds in proptest::collection::vec(0usize..3, 1..6)) {
            let mut status = TransferStatus::Proposed;
            for (n, i) in cmds.into_iter().enumerate() {
                let cmd = TransferCommand::ALL[i];
                match next_transfer(status, cmd) {
                    Ok(next) => {
                        prop_assert_eq!(n, 0, "only the first command moves it");
                        prop_assert_ne!(next, TransferStatus::Proposed);
                        status = next;
                    }
                    Err(e) => {
                        prop_assert!(n > 0);
                        prop_assert_eq!(e.field, "command");
                        prop_assert!(e.expected.contains(status.code()));
                    }
                }
            }
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn arb_cmd() -> impl Strategy<Value = ReferralCommand> {
        prop_oneof![
            Just(ReferralCommand::Accept),
            Just(ReferralCommand::Decline),
            Just(ReferralCommand::Complete),
            Just(ReferralCommand::Revoke)
        ]
    }

    proptest! {
        /// Any sequence of commands: refused ones change nothing, a closed referral stays
        /// closed, and nothing is completed that was not accepted first.
        #[test]
        fn referral_lifecycle(cmds in proptest::collection::vec(arb_cmd(), 0..12)) {
            let mut s = ReferralStatus::Sent;
            let mut was_accepted = false;
            for c in cmds {
                match next_status(s, c) {
                    Ok(n) => {
                        prop_assert!(is_live(s), "a closed referral moved");
                        prop_assert!(allowed(s).contains(&c));
                        if n == ReferralStatus::Completed { prop_assert!(was_accepted); }
                        if n == ReferralStatus::Accepted { was_accepted = true; }
                        s = n;
                    }
                    Err(e) => {
                        prop_assert!(!allowed(s).contains(&c));
                        prop_assert_eq!(e.field, "command");
                    }
                }
            }
        }

        /// A referral is sent only on a basis, and consent is always preferred when given.
        #[test]
        fn basis_rule(consent in proptest::option::of(prop_oneof![Just(ConsentState::Given), Just(ConsentState::Refused), Just(ConsentState::Withdrawn)]),
                      child in any::<bool>(), reason in proptest::option::of("[ a-z]{0,20}")) {
            let r = referral_basis(consent, child, reason.as_deref());
            match r {
                Ok(ReferralBasis::Consent) => prop_assert_eq!(consent, Some(ConsentState::Given)),
                Ok(ReferralBasis::ChildRule) => prop_assert!(child && consent != Some(ConsentState::Given)),
                Ok(ReferralBasis::EmergencyOverride) => prop_assert!(!child && reason.unwrap().trim().chars().count() >= 10),
                Err(_) => prop_assert!(!child && consent != Some(ConsentState::Given)),
            }
        }
    }

    #[test]
    fn sections_never_include_the_location() {
        for k in ServiceKind::ALL {
            let s = sections_for(*k);
            assert!(s.contains(&Section::Summary));
            assert!(!s.contains(&Section::Location));
            assert_eq!(s.contains(&Section::Counselling), *k == ServiceKind::Psychological);
            assert_eq!(s.contains(&Section::Health), *k == ServiceKind::Medical);
        }
    }

    #[test]
    fn withdrawal_ends_a_consented_referral_only() {
        assert!(!basis_stands(ReferralBasis::Consent, Some(ConsentState::Withdrawn)));
        assert!(basis_stands(ReferralBasis::Consent, Some(ConsentState::Given)));
        assert!(basis_stands(ReferralBasis::ChildRule, Some(ConsentState::Withdrawn)));
    }

    #[test]
    fn median_of_response_times() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![40, 10, 20, 30]), Some(25));
    }
}
