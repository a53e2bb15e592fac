//! Criminal justice (resolution 58/137 ¶1, ¶4, ¶5, ¶7): reports received, investigations,
//! suspects and offenders, charges and verdicts, proceeds of crime, and victims in proceedings.
//!
//! The justice track is separate from the victim track. Police, prosecutors and courts keep their
//! own records; a case worker cannot browse investigations and an investigator cannot browse the
//! victim register. A victim's case reaches an investigation only through a *disclosure* that
//! stands on the person's consent to law enforcement or on a legal obligation recorded as such,
//! and even then the investigator sees a minimal view (reference, how to reach the person through
//! the case worker, protection needs), never counselling or health notes.

use crate::coordination::ConsentState;
use crate::ids::OrgId;
use crate::policy::{Actor, Denied};
use crate::role::Role;
use crate::values::{ValidationError, code_list};

code_list! {
    /// How a report of suspected trafficking reached the authorities.
    ReportChannel, "channel" {
        Victim => "victim",
        Public => "public",
        Hotline => "hotline",
        LabourInspection => "labour_inspection",
        Ngo => "ngo",
        OtherState => "other_state",
        OwnInitiative => "own_initiative",
        Other => "other",
    }
}

code_list! {
    /// Where a report stands: every report ends investigated or closed with a reason (¶5(b)(i)).
    ReportStatus, "status" {
        Received => "received",
        Investigated => "investigated",
        Closed => "closed",
    }
}

code_list! {
    /// Why a report was closed without an investigation.
    ReportClosure, "reason" {
        NoOffenceIdentified => "no_offence_identified",
        InsufficientInformation => "insufficient_information",
        ReferredToOtherAuthority => "referred_to_other_authority",
        Duplicate => "duplicate",
        WithdrawnByReporter => "withdrawn_by_reporter",
        Other => "other",
    }
}

code_list! {
    /// What may be done with a report.
    ReportCommand, "command" {
        Investigate => "investigate",
        Close => "close",
        Reopen => "reopen",
    }
}

/// The report's next status after `command`, or why not.
pub fn report_transition(status: ReportStatus, command: ReportCommand) -> Result<ReportStatus, ValidationError> {
    use ReportCommand as C;
    use ReportStatus as S;
    match (status, command) {
        (S::Received, C::Investigate) => Ok(S::Investigated),
        (S::Received, C::Close) => Ok(S::Closed),
        (S::Closed, C::Reopen) => Ok(S::Received),
        _ => Err(ValidationError::new(
            "command",
            format!("one of: {} (the report is {})", report_commands(status).join(", "), status.code()),
        )),
    }
}

/// The commands a report in `status` accepts.
pub fn report_commands(status: ReportStatus) -> Vec<&'static str> {
    ReportCommand::ALL.iter().filter(|c| report_transition_ok(status, **c)).map(|c| c.code()).collect()
}

fn report_transition_ok(status: ReportStatus, command: ReportCommand) -> bool {
    matches!(
        (status, command),
        (ReportStatus::Received, ReportCommand::Investigate | ReportCommand::Close) | (ReportStatus::Closed, ReportCommand::Reopen)
    )
}

code_list! {
    InvestigationStatus, "status" {
        Open => "open",
        Prosecution => "prosecution",
        Closed => "closed",
    }
}

code_list! {
    InvestigationCommand, "command" {
        ReferToProsecution => "refer_to_prosecution",
        Close => "close",
        Reopen => "reopen",
    }
}

code_list! {
    /// Why an investigation was closed.
    InvestigationClosure, "reason" {
        ProceedingsConcluded => "proceedings_concluded",
        InsufficientEvidence => "insufficient_evidence",
        NoOffence => "no_offence",
        SuspectNotIdentified => "suspect_not_identified",
        TransferredToOtherState => "transferred_to_other_state",
        Other => "other",
    }
}

/// The investigation's next status after `command`, or why not.
pub fn investigation_transition(
    status: InvestigationStatus,
    command: InvestigationCommand,
) -> Result<InvestigationStatus, ValidationError> {
    use InvestigationCommand as C;
    use InvestigationStatus as S;
    match (status, command) {
        (S::Open, C::ReferToProsecution) => Ok(S::Prosecution),
        (S::Open | S::Prosecution, C::Close) => Ok(S::Closed),
        (S::Closed, C::Reopen) => Ok(S::Open),
        _ => Err(ValidationError::new(
            "command",
            format!("one of: {} (the investigation is {})", investigation_commands(status).join(", "), status.code()),
        )),
    }
}

pub fn investigation_commands(status: InvestigationStatus) -> Vec<&'static str> {
    use InvestigationCommand as C;
    use InvestigationStatus as S;
    InvestigationCommand::ALL
        .iter()
        .filter(|c| {
            matches!((status, **c), (S::Open, C::ReferToProsecution | C::Close) | (S::Prosecution, C::Close) | (S::Closed, C::Reopen))
        })
        .map(|c| c.code())
        .collect()
}

code_list! {
    /// Forms of exploitation as the UNODC Global Report counts them (GLOTIP; fine-grained). Each
    /// maps to one ICCS 0204x code with [`ExploitationForm::iccs`].
    ExploitationForm, "forms" {
        SexualExploitation => "sexual_exploitation",
        ForcedLabour => "forced_labour",
        ForcedCriminalActivity => "forced_criminal_activity",
        Begging => "begging",
        ForcedMarriage => "forced_marriage",
        BabySelling => "baby_selling",
        IllegalAdoption => "illegal_adoption",
        RemovalOfOrgans => "removal_of_organs",
        Other => "other",
    }
}

impl ExploitationForm {
    /// The ICCS v1.0 code: 02041 sexual exploitation, 02042 forced labour or services, 02043
    /// organ removal, 02044 other purposes. Placing forced criminal activity, begging, forced
    /// marriage and the adoption/baby-selling forms under 02044 follows the GLOTIP "other
    /// purposes" grouping [verify against the ICCS manual].
    pub fn iccs(self) -> &'static str {
        match self {
            ExploitationForm::SexualExploitation => "02041",
            ExploitationForm::ForcedLabour => "02042",
            ExploitationForm::RemovalOfOrgans => "02043",
            _ => "02044",
        }
    }
}

code_list! {
    /// HTCDS v2.0 `per_RoleInProcess`: what a suspect did in the trafficking process.
    RoleInProcess, "roles" {
        TravellingPartner => "TravellingPartner",
        Transporter => "Transporter",
        RecruiterOrIntermediary => "RecruiterOrIntermediary",
        BrokerTravelAgent => "BrokerTravelAgent",
        TransferredIndividual => "TransferredIndividual",
        HarbouredIndividual => "HarbouredIndividual",
        SoldIndividual => "SoldIndividual",
        BoughtIndividual => "BoughtIndividual",
        ReceivedIndividual => "ReceivedIndividual",
        ControlledIndividual => "ControlledIndividual",
        Smuggler => "Smuggler",
        Abuser => "Abuser",
        Kidnapper => "Kidnapper",
        Exploiter => "Exploiter",
        Other => "Other",
    }
}

code_list! {
    /// The suspect's relation to the victims (Palermo's list; IC-TIP's perpetrator unit may
    /// define one [verify]).
    RelationToVictims, "relation_to_victims" {
        FamilyMember => "family_member",
        IntimatePartner => "intimate_partner",
        Acquaintance => "acquaintance",
        Employer => "employer",
        Stranger => "stranger",
        Other => "other",
        Unknown => "unknown",
    }
}

code_list! {
    /// The offence charged. Trafficking is also a predicate offence for money laundering (¶4).
    Offence, "offence" {
        TraffickingInPersons => "trafficking_in_persons",
        MoneyLaundering => "money_laundering",
        Other => "other",
    }
}

/// The ICCS code of a charge: for trafficking, 0204 or one of 02041–02044; for other offences a
/// code of 2 to 6 digits, or none.
pub fn parse_iccs(offence: Offence, s: &str) -> Result<Option<String>, ValidationError> {
    let s = s.trim();
    match offence {
        Offence::TraffickingInPersons => match s {
            "0204" | "02041" | "02042" | "02043" | "02044" => Ok(Some(s.to_owned())),
            _ => Err(ValidationError::new("iccs", "for trafficking in persons, one of: 0204, 02041, 02042, 02043, 02044")),
        },
        _ if s.is_empty() => Ok(None),
        _ if (2..=6).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit()) => Ok(Some(s.to_owned())),
        _ => Err(ValidationError::new("iccs", "an ICCS code of 2 to 6 digits, or empty")),
    }
}

code_list! {
    Verdict, "verdict" {
        Convicted => "convicted",
        Acquitted => "acquitted",
        Dismissed => "dismissed",
    }
}

code_list! {
    /// Proceeds of crime: what kind of asset.
    AssetKind, "kind" {
        Cash => "cash",
        BankAccount => "bank_account",
        RealEstate => "real_estate",
        Vehicle => "vehicle",
        Business => "business",
        Valuables => "valuables",
        VirtualAssets => "virtual_assets",
        Other => "other",
    }
}

code_list! {
    /// Where an asset stands: frozen or seized, then confiscated, then returned or used for the
    /// victims' compensation; or released.
    AssetStatus, "status" {
        Frozen => "frozen",
        Seized => "seized",
        Confiscated => "confiscated",
        Returned => "returned",
        UsedForCompensation => "used_for_compensation",
        Released => "released",
    }
}

/// Whether an asset may move from `from` to `to` (forward only; release only before confiscation).
pub fn asset_step_allowed(from: AssetStatus, to: AssetStatus) -> bool {
    use AssetStatus as A;
    matches!(
        (from, to),
        (A::Frozen, A::Seized | A::Confiscated | A::Released)
            | (A::Seized, A::Confiscated | A::Released)
            | (A::Confiscated, A::Returned | A::UsedForCompensation)
    )
}

/// The statuses an asset may move to from `from`.
pub fn asset_next(from: AssetStatus) -> Vec<&'static str> {
    AssetStatus::ALL.iter().filter(|t| asset_step_allowed(from, **t)).map(|t| t.code()).collect()
}

code_list! {
    /// Mutual legal assistance: sent to or received from another state.
    MlaDirection, "direction" {
        Sent => "sent",
        Received => "received",
    }
}

code_list! {
    MlaStatus, "status" {
        Pending => "pending",
        Executed => "executed",
        PartiallyExecuted => "partially_executed",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
}

code_list! {
    /// How a victim takes part in proceedings.
    Participation, "participation" {
        Witness => "witness",
        InjuredParty => "injured_party",
        CivilClaimant => "civil_claimant",
    }
}

code_list! {
    /// When a protection measure applies (¶7: before, during and after proceedings).
    ProtectionPhase, "phase" {
        Before => "before",
        During => "during",
        After => "after",
    }
}

code_list! {
    ProtectionMeasure, "measure" {
        Anonymity => "anonymity",
        VideoTestimony => "video_testimony",
        SeparateWaitingRoom => "separate_waiting_room",
        PoliceProtection => "police_protection",
        Relocation => "relocation",
        ClosedHearing => "closed_hearing",
        Other => "other",
    }
}

code_list! {
    HearingKind, "kind" {
        PreTrial => "pre_trial",
        Trial => "trial",
        Sentencing => "sentencing",
        Appeal => "appeal",
        Other => "other",
    }
}

code_list! {
    /// What a disclosure of a victim's case to an investigation stands on.
    DisclosureBasis, "basis" {
        Consent => "consent",
        LegalObligation => "legal_obligation",
    }
}

/// Whether a disclosure still stands: one on consent stops when the latest consent to law
/// enforcement for the investigation's lead agency is no longer "given"; one on a recorded
/// legal obligation stands until it is ended.
pub fn disclosure_stands(basis: DisclosureBasis, consent: Option<ConsentState>) -> bool {
    match basis {
        DisclosureBasis::Consent => consent == Some(ConsentState::Given),
        DisclosureBasis::LegalObligation => true,
    }
}

/// Protection measures as stored: `phase:measure` pairs.
pub fn parse_protection(items: &[String]) -> Result<Vec<(ProtectionPhase, ProtectionMeasure)>, ValidationError> {
    let mut out = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let bad = || {
            ValidationError::new(
                "protection",
                format!(
                    "phase:measure pairs such as during:video_testimony; phases: {}; measures: {}",
                    ProtectionPhase::ALL.iter().map(|p| p.code()).collect::<Vec<_>>().join(", "),
                    ProtectionMeasure::ALL.iter().map(|p| p.code()).collect::<Vec<_>>().join(", ")
                ),
            )
        };
        let (p, m) = item.split_once(':').ok_or_else(bad)?;
        let pair = (ProtectionPhase::from_code(p.trim()).ok_or_else(bad)?, ProtectionMeasure::from_code(m.trim()).ok_or_else(bad)?);
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    Ok(out)
}

/// Police, prosecutors and courts: the roles of the justice track.
pub fn justice_track(actor: &Actor) -> bool {
    actor.roles.has(Role::Investigator) || actor.roles.has(Role::Prosecutor)
}

/// The organisations an investigation belongs to: the lead agency and, once referred, the
/// prosecution office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvestigationFacts {
    pub lead_org: OrgId,
    pub prosecution_org: Option<OrgId>,
}

/// Who may read and work on an investigation: investigators and prosecutors of the lead agency
/// or of the prosecution office it was referred to. Anyone else — a case worker, a coordinator,
/// an investigator of another agency — gets [`Denied::Hidden`], the answer for an investigation
/// that does not exist.
pub fn investigation_access(actor: &Actor, facts: &InvestigationFacts) -> Result<(), Denied> {
    if justice_track(actor) && (actor.org_id == facts.lead_org || Some(actor.org_id) == facts.prosecution_org) {
        Ok(())
    } else {
        Err(Denied::Hidden)
    }
}

/// Who may read and work on a report: the justice-track users of the organisation that received it.
pub fn report_access(actor: &Actor, received_by: OrgId) -> Result<(), Denied> {
    if justice_track(actor) && actor.org_id == received_by { Ok(()) } else { Err(Denied::Hidden) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::role::Roles;
    use proptest::prelude::*;

    fn actor(org: OrgId, roles: &[Role]) -> Actor {
        Actor { user_id: UserId(uuid::Uuid::nil()), org_id: org, org_is_operator: false, roles: Roles::new(roles.iter().copied()) }
    }

    fn org(n: u8) -> OrgId {
        OrgId(uuid::Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn tracks_are_separate() {
        let facts = InvestigationFacts { lead_org: org(1), prosecution_org: Some(org(2)) };
        assert!(investigation_access(&actor(org(1), &[Role::Investigator]), &facts).is_ok());
        assert!(investigation_access(&actor(org(2), &[Role::Prosecutor]), &facts).is_ok());
        // A case worker of the lead agency's organisation, a coordinator, another police force: hidden.
        assert_eq!(investigation_access(&actor(org(1), &[Role::CaseWorker, Role::FirstResponder]), &facts), Err(Denied::Hidden));
        assert_eq!(investigation_access(&actor(org(1), &[Role::Coordinator, Role::Administrator]), &facts), Err(Denied::Hidden));
        assert_eq!(investigation_access(&actor(org(3), &[Role::Investigator]), &facts), Err(Denied::Hidden));
        assert!(report_access(&actor(org(1), &[Role::Investigator]), org(1)).is_ok());
        assert_eq!(report_access(&actor(org(1), &[Role::CaseWorker]), org(1)), Err(Denied::Hidden));
    }

    #[test]
    fn iccs_codes() {
        assert_eq!(ExploitationForm::SexualExploitation.iccs(), "02041");
        assert_eq!(ExploitationForm::RemovalOfOrgans.iccs(), "02043");
        assert_eq!(parse_iccs(Offence::TraffickingInPersons, "02042").unwrap().as_deref(), Some("02042"));
        assert_eq!(parse_iccs(Offence::TraffickingInPersons, "").unwrap_err().field, "iccs");
        assert_eq!(parse_iccs(Offence::MoneyLaundering, "").unwrap(), None);
        assert!(parse_iccs(Offence::Other, "07x").is_err());
    }

    #[test]
    fn disclosures_follow_consent() {
        assert!(disclosure_stands(DisclosureBasis::Consent, Some(ConsentState::Given)));
        assert!(!disclosure_stands(DisclosureBasis::Consent, Some(ConsentState::Withdrawn)));
        assert!(!disclosure_stands(DisclosureBasis::Consent, None));
        assert!(disclosure_stands(DisclosureBasis::LegalObligation, Some(ConsentState::Withdrawn)));
    }

    #[test]
    fn protection_pairs() {
        let p = parse_protection(&["during:video_testimony".into(), "before:police_protection".into(), " during:video_testimony ".into()])
            .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(parse_protection(&["video_testimony".into()]).unwrap_err().field, "protection");
    }

    proptest! {
        /// Every report either stays where it is (refused) or moves along the allowed edges;
        /// "investigated" is reached only by investigating a received report and never left.
        #[test]
        fn report_machine(cmds in proptest::collection::vec(0usize..3, 0..20)) {
            let mut s = ReportStatus::Received;
            for c in cmds {
                let cmd = ReportCommand::ALL[c];
                match report_transition(s, cmd) {
                    Ok(next) => {
                        prop_assert!(report_commands(s).contains(&cmd.code()));
                        if next == ReportStatus::Investigated { prop_assert_eq!((s, cmd), (ReportStatus::Received, ReportCommand::Investigate)); }
                        prop_assert_ne!(s, ReportStatus::Investigated);
                        s = next;
                    }
                    Err(e) => {
                        prop_assert!(!report_commands(s).contains(&cmd.code()));
                        prop_assert_eq!(e.field, "command");
                    }
                }
            }
        }

        #[test]
        fn investigation_machine(cmds in proptest::collection::vec(0usize..3, 0..20)) {
            let mut s = InvestigationStatus::Open;
            for c in cmds {
                let cmd = InvestigationCommand::ALL[c];
                let listed = investigation_commands(s).contains(&cmd.code());
                match investigation_transition(s, cmd) {
                    Ok(next) => { prop_assert!(listed); s = next; }
                    Err(_) => prop_assert!(!listed),
                }
            }
        }

        /// Assets only move forward: once confiscated, never released; nothing leaves returned.
        #[test]
        fn assets_move_forward(steps in proptest::collection::vec(0usize..6, 0..12)) {
            let mut s = AssetStatus::Frozen;
            let mut confiscated = false;
            for i in steps {
                let to = AssetStatus::ALL[i];
                if asset_step_allowed(s, to) {
                    prop_assert!(asset_next(s).contains(&to.code()));
                    prop_assert!(!(confiscated && to == AssetStatus::Released));
                    confiscated |= to == AssetStatus::Confiscated;
                    s = to;
                }
            }
            prop_assert!(asset_next(AssetStatus::Returned).is_empty());
        }

        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = parse_protection(std::slice::from_ref(&s));
            for o in Offence::ALL { let _ = parse_iccs(*o, &s); }
        }
    }
}
