//! The justice track's records (issue 5): reports received, investigations, mutual legal
//! assistance, suspects, charges, proceeds, and disclosures of victims' cases with their
//! hearings. Each is one row of its table; `version` guards against lost updates.
//!
//! The records are declared once with `stored_record!` (`stored.rs`), which also writes how each
//! binds its columns and reads them back on both engines.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

stored_record! {
    /// A tip or report of suspected trafficking, tracked until investigated or closed with a
    /// reason. What was reported is free text, sealed in the vault (`crime_report` / `summary`).
    CrimeReportRecord, "crime_reports" {
        id: Uuid,
        reference: String,
        org_id: Uuid,
        channel: String,
        received_on: Date,
        risk: String,
        status: String,
        closure_reason: Option<String>,
        investigation_id: Option<Uuid>,
        decided_on: Option<Date>,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    InvestigationRecord, "investigations" {
        id: Uuid,
        reference: String,
        lead_org_id: Uuid,
        prosecution_org_id: Option<Uuid>,
        status: String,
        opened_on: Date,
        closed_on: Option<Date>,
        closure_reason: Option<String>,
        /// GLOTIP forms of exploitation, comma-separated.
        forms: String,
        origin_countries: String,
        transit_countries: String,
        destination_countries: String,
        joint_team: bool,
        jit_countries: String,
        /// The investigators and prosecutors assigned (user ids, comma-separated).
        investigators: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A mutual legal assistance request sent or received.
    MlaRequestRecord, "mla_requests" {
        id: Uuid,
        investigation_id: Uuid,
        direction: String,
        country: String,
        requested_on: Date,
        subject: String,
        status: String,
        answered_on: Option<Date>,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A suspect in one investigation. Identity (names, date of birth, aliases) is sealed in the
    /// vault (`suspect`), never in the victims' register.
    SuspectRecord, "suspects" {
        id: Uuid,
        reference: String,
        investigation_id: Uuid,
        suspected_on: Date,
        sex: String,
        age: Option<i64>,
        age_group: String,
        citizenships: String,
        roles: String,
        relation_to_victims: String,
        arrested_on: Option<Date>,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    ChargeRecord, "charges" {
        id: Uuid,
        suspect_id: Uuid,
        investigation_id: Uuid,
        offence: String,
        iccs: Option<String>,
        legal_provision: String,
        charged_on: Date,
        verdict: Option<String>,
        verdict_on: Option<Date>,
        sentence_months: Option<i64>,
        fine_minor: Option<i64>,
        fine_currency: Option<String>,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// Proceeds of crime, with the date of each step.
    AssetRecord, "assets" {
        id: Uuid,
        investigation_id: Uuid,
        kind: String,
        status: String,
        value_minor: i64,
        currency: String,
        authority: String,
        frozen_on: Option<Date>,
        seized_on: Option<Date>,
        confiscated_on: Option<Date>,
        returned_on: Option<Date>,
        compensation_on: Option<Date>,
        released_on: Option<Date>,
        /// A money-laundering charge the asset is linked to.
        charge_id: Option<Uuid>,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A victim's case disclosed to an investigation, on consent or a recorded legal obligation.
    DisclosureRecord, "disclosures" {
        id: Uuid,
        investigation_id: Uuid,
        case_id: Uuid,
        /// The investigation's lead agency when disclosed: the recipient the consent names.
        recipient_org_id: Uuid,
        basis: String,
        legal_obligation: Option<String>,
        participation: String,
        /// `phase:measure` pairs, comma-separated.
        protection: String,
        interpreter_language: Option<String>,
        legal_representative: Option<String>,
        ended_on: Option<Date>,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A hearing: of the whole case (no disclosure), or of one victim's part in it.
    HearingRecord, "hearings" {
        id: Uuid,
        disclosure_id: Option<Uuid>,
        investigation_id: Uuid,
        case_id: Option<Uuid>,
        held_on: Date,
        kind: String,
        court: String,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A note or an evidence reference on an investigation; the text is sealed in the vault
    /// (`investigation_note` / `text`). No evidence files are stored.
    InvestigationNoteRecord, "investigation_notes" {
        id: Uuid,
        investigation_id: Uuid,
        /// `note` or `evidence_reference`.
        kind: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

/// One record of the justice track, to be saved (inserted, or updated when its version is one
/// more than the stored one).
#[derive(Debug, Clone)]
pub enum JusticeRecord {
    Investigation(InvestigationRecord),
    Report(CrimeReportRecord),
    Mla(MlaRequestRecord),
    Suspect(SuspectRecord),
    Charge(ChargeRecord),
    Asset(AssetRecord),
    Disclosure(DisclosureRecord),
    Hearing(HearingRecord),
    Note(InvestigationNoteRecord),
}

/// An investigation with everything recorded under it.
#[derive(Debug, Clone)]
pub struct InvestigationFile {
    pub investigation: InvestigationRecord,
    pub reports: Vec<CrimeReportRecord>,
    pub mla: Vec<MlaRequestRecord>,
    pub suspects: Vec<SuspectRecord>,
    pub charges: Vec<ChargeRecord>,
    pub assets: Vec<AssetRecord>,
    pub disclosures: Vec<DisclosureRecord>,
    pub hearings: Vec<HearingRecord>,
    pub notes: Vec<InvestigationNoteRecord>,
}

/// One row of the UNODC questionnaire's persons tables: how many persons at `stage`
/// (`investigated`, `prosecuted`, `convicted`) with this sex, age group and citizenships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JusticeCount {
    pub stage: String,
    pub sex: String,
    pub age_group: String,
    pub citizenships: String,
    pub persons: i64,
}

/// Victims detected in a period: the cases, the persons they concern (a person with several
/// cases once; an anonymous notification as one person), and how many persons have more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedPersons {
    pub cases: i64,
    pub persons: i64,
    pub more_than_once: i64,
}

/// NRM waiting times, grouped: sex, age group, citizenships, days to the first RG decision, days
/// from it to the first CG decision, referrals.
pub type DecisionWait = (String, String, String, Option<i64>, Option<i64>, i64);

/// One victim for CTDC microdata: referred on, sex, age group, age at identification,
/// citizenships, form of exploitation, the latest screening's means and purposes (code lists),
/// the latest consent to statistics (`given`, `refused`, `withdrawn`, or empty when none).
pub type CtdcSource = (time::Date, String, String, Option<i32>, String, String, String, String, String, String);

impl JusticeRecord {
    /// The same record with its reference set (the store numbers new references).
    pub fn with_reference(&self, reference: &str) -> JusticeRecord {
        let mut r = self.clone();
        match &mut r {
            JusticeRecord::Investigation(x) => x.reference = reference.to_owned(),
            JusticeRecord::Report(x) => x.reference = reference.to_owned(),
            JusticeRecord::Suspect(x) => x.reference = reference.to_owned(),
            _ => {}
        }
        r
    }
}
