//! Criminal justice (issue 5): reports received, investigations, mutual legal assistance,
//! suspects, charges and verdicts, proceeds of crime, and victims in proceedings. The rules are
//! in `palermo_domain::justice`; every use case here authorises and audits.
//!
//! Separation of tracks: only investigators and prosecutors of the organisations an
//! investigation belongs to reach it (anyone else gets the 404 of a missing one); a victim's
//! case reaches an investigation only through a disclosure recorded by the case team, standing on
//! a live consent to law enforcement or a recorded legal obligation; the investigator then sees a
//! minimal view of it, and each such view is audited.

use crate::admin::Caller;
use crate::assistance::date;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::access::CaseOp;
use palermo_domain::assistance::{Money, RiskLevel};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::consent::{ConsentPurpose, ConsentStatus};
use palermo_domain::coordination::ConsentState;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::justice::{
    self, AssetKind, AssetStatus, DisclosureBasis, ExploitationForm, HearingKind, InvestigationClosure, InvestigationCommand,
    InvestigationFacts, InvestigationStatus, MlaDirection, MlaStatus, Offence, Participation, RelationToVictims, ReportChannel,
    ReportClosure, ReportCommand, ReportStatus, RoleInProcess, Verdict,
};
use palermo_domain::person::{AgeGroup, Gender, parse_countries, parse_languages};
use palermo_domain::policy::{Actor, Denied};
use palermo_store::{
    AssetRecord, ChargeRecord, ConsentRecord, CrimeReportRecord, DisclosureRecord, HearingRecord, InvestigationRecord, JusticeRecord,
    MlaRequestRecord, SuspectRecord,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// `POST /justice/reports`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewReport {
    pub channel: String,
    pub received_on: String,
    pub risk: String,
    /// What was reported (sealed in the vault).
    pub summary: String,
}

/// `POST /justice/reports/{id}`: investigate (into a new investigation, or an existing one by
/// reference), close with a reason, reopen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportAction {
    pub command: String,
    pub reason: String,
    /// For `investigate`: an existing investigation's reference; empty opens a new one.
    pub investigation: String,
    /// For `investigate` into a new investigation: its forms of exploitation.
    pub forms: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: Uuid,
    pub reference: String,
    pub channel: String,
    pub received_on: String,
    pub risk: String,
    pub status: String,
    pub closure_reason: Option<String>,
    pub investigation_id: Option<Uuid>,
    pub decided_on: Option<String>,
    /// Only on the report's own page (an audited read).
    pub summary: Option<String>,
    pub commands: Vec<&'static str>,
}

/// `POST /justice/investigations`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewInvestigation {
    pub opened_on: String,
    pub forms: Vec<String>,
    pub origin_countries: String,
    pub transit_countries: String,
    pub destination_countries: String,
    pub joint_team: bool,
    pub jit_countries: String,
}

/// `POST /justice/investigations/{id}`: refer to prosecution, close, reopen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvestigationAction {
    pub command: String,
    /// For `refer_to_prosecution`: the prosecution office's organisation id.
    pub prosecution_office: String,
    pub reason: String,
    pub on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvestigationRow {
    pub id: Uuid,
    pub reference: String,
    pub lead_agency: String,
    pub prosecution_office: Option<String>,
    pub status: String,
    pub opened_on: String,
    pub forms: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewMla {
    pub direction: String,
    pub country: String,
    pub requested_on: String,
    pub subject: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlaUpdate {
    pub status: String,
    pub answered_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewSuspect {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub age: String,
    pub citizenships: String,
    pub roles: Vec<String>,
    pub relation_to_victims: String,
    pub suspected_on: String,
    pub arrested_on: String,
}

/// `POST /justice/suspects/{id}/arrest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArrestInput {
    pub arrested_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCharge {
    pub offence: String,
    pub iccs: String,
    pub legal_provision: String,
    pub charged_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerdictInput {
    pub verdict: String,
    pub verdict_on: String,
    pub sentence_months: String,
    pub fine: String,
    pub currency: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewAsset {
    pub kind: String,
    /// `frozen` or `seized`: how the asset was first secured.
    pub status: String,
    pub value: String,
    pub currency: String,
    pub authority: String,
    pub on: String,
    /// A money-laundering charge in the same investigation the asset is linked to.
    pub charge: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssetStep {
    pub status: String,
    pub on: String,
}

/// `POST /cases/{id}/disclosures`: the case team discloses the case to an investigation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewDisclosure {
    /// The investigation's reference, as the police gave it.
    pub investigation: String,
    pub basis: String,
    /// For `legal_obligation`: the provision and what it requires.
    pub legal_obligation: String,
}

/// `POST /justice/disclosures/{id}`: the investigation records how the victim takes part.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProceedingsInput {
    pub participation: Vec<String>,
    /// `phase:measure` pairs.
    pub protection: Vec<String>,
    pub interpreter_language: String,
    pub legal_representative: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewHearing {
    pub held_on: String,
    pub kind: String,
    pub court: String,
}

/// `POST /justice/investigations/{id}/notes`: a note, or a reference to evidence held elsewhere.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewNote {
    /// `note` or `evidence_reference`.
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub kind: String,
    pub text: String,
    pub author: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MlaView {
    pub id: Uuid,
    pub direction: String,
    pub country: String,
    pub requested_on: String,
    pub subject: String,
    pub status: String,
    pub answered_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChargeView {
    pub id: Uuid,
    pub offence: String,
    pub iccs: Option<String>,
    pub legal_provision: String,
    pub charged_on: String,
    pub verdict: Option<String>,
    pub verdict_on: Option<String>,
    pub sentence_months: Option<i64>,
    pub fine: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuspectView {
    pub id: Uuid,
    pub reference: String,
    pub name: String,
    pub date_of_birth: Option<String>,
    pub sex: String,
    pub age: Option<i64>,
    pub age_group: String,
    pub citizenships: Vec<String>,
    pub roles: Vec<String>,
    pub relation_to_victims: String,
    pub suspected_on: String,
    pub arrested_on: Option<String>,
    pub charges: Vec<ChargeView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub value: String,
    pub value_minor: i64,
    pub currency: String,
    pub authority: String,
    pub steps: Vec<(String, String)>,
    pub next: Vec<&'static str>,
    pub charge_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HearingView {
    pub held_on: String,
    pub kind: String,
    pub court: String,
}

/// A victim in proceedings as the investigation sees them: only while the disclosure stands,
/// and then only the minimal view (reference, whom to contact, protection needs).
#[derive(Debug, Clone, Serialize)]
pub struct VictimInProceedings {
    pub disclosure_id: Uuid,
    /// `standing`, `suspended` (the consent behind it was withdrawn) or `ended`.
    pub state: &'static str,
    pub case_reference: Option<String>,
    /// How to reach the person: through their case worker.
    pub contact: Option<String>,
    pub participation: Vec<String>,
    pub protection: Vec<String>,
    pub interpreter_language: Option<String>,
    pub legal_representative: Option<String>,
    pub hearings: Vec<HearingView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvestigationView {
    pub id: Uuid,
    pub reference: String,
    pub lead_agency: String,
    pub prosecution_office: Option<String>,
    pub status: String,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub closure_reason: Option<String>,
    pub forms: Vec<String>,
    pub iccs: Vec<&'static str>,
    pub origin_countries: Vec<String>,
    pub transit_countries: Vec<String>,
    pub destination_countries: Vec<String>,
    pub joint_team: bool,
    pub jit_countries: Vec<String>,
    pub reports: Vec<String>,
    pub mla: Vec<MlaView>,
    pub suspects: Vec<SuspectView>,
    pub assets: Vec<AssetView>,
    pub victims: Vec<VictimInProceedings>,
    /// Hearings of the whole case.
    pub hearings: Vec<HearingView>,
    /// The investigators and prosecutors assigned.
    pub investigators: Vec<String>,
    pub notes: Vec<NoteView>,
    pub commands: Vec<&'static str>,
}

/// A disclosure as the victim's case team sees it on the case page: hearing dates and
/// protection measures, never the investigation file.
#[derive(Debug, Clone, Serialize)]
pub struct DisclosureView {
    pub id: Uuid,
    pub investigation: String,
    pub basis: String,
    pub state: &'static str,
    pub participation: Vec<String>,
    pub protection: Vec<String>,
    pub interpreter_language: Option<String>,
    pub legal_representative: Option<String>,
    pub hearings: Vec<HearingView>,
}

/// A hearing coming up in one of the case worker's cases.
#[derive(Debug, Clone, Serialize)]
pub struct HearingAlert {
    pub case_id: Uuid,
    pub case_reference: String,
    pub held_on: String,
    pub kind: String,
    pub court: String,
}

/// The persons and proceeds tables of the UNODC questionnaire for one year (exact counts:
/// internal; publication goes through the disclosure gate of the statistics module).
#[derive(Debug, Clone, Serialize)]
pub struct JusticeStatistics {
    pub year: i32,
    /// (stage, sex, age group, citizenships, persons).
    pub persons: Vec<(String, String, String, String, i64)>,
    /// Totals per stage: investigated, prosecuted, convicted.
    pub totals: Vec<(String, i64)>,
    /// Value of assets confiscated per currency, as decimal text.
    pub confiscated: Vec<(String, String)>,
    pub victim_reports_waiting: i64,
    /// The persons tables as they may be published: one per stage (investigated, prosecuted,
    /// convicted), citizenship × women, men, girls, boys, other or unknown, through the
    /// disclosure gate — the very release of the GLOTIP file and the implementation report
    /// ([`crate::glotip::persons_tables`]), so publishing more than one of them reveals nothing
    /// more than one does.
    pub publishable: Vec<palermo_stats::Released>,
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn text(field: &'static str, s: &str, max: usize, required: bool, errs: &mut Vec<ValidationError>) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        if required {
            errs.push(ValidationError::new(field, format!("text of 1 to {max} characters")));
        }
        return None;
    }
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errs.push(ValidationError::new(field, format!("text of 1 to {max} characters")));
        return None;
    }
    Some(t.to_owned())
}

fn codes<T: Copy>(
    field: &'static str,
    items: &[String],
    parse: fn(&str) -> std::result::Result<T, ValidationError>,
    code: fn(T) -> &'static str,
    min: usize,
    errs: &mut Vec<ValidationError>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        match parse(i) {
            Ok(v) => {
                let c = code(v).to_owned();
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            Err(mut e) => {
                e.field = field;
                errs.push(e);
                return out;
            }
        }
    }
    if out.len() < min {
        let mut e = parse("").err().unwrap_or_else(|| ValidationError::new(field, "at least one"));
        e.field = field;
        e.expected = format!("at least one of: {}", e.expected.trim_start_matches("one of: "));
        errs.push(e);
    }
    out
}

fn not_after(field: &'static str, d: Option<Date>, today: Date, errs: &mut Vec<ValidationError>) -> Option<Date> {
    if let Some(x) = d
        && x > today
    {
        errs.push(ValidationError::new(field, format!("a date not after today ({today})")));
        return None;
    }
    d
}

fn money_text(minor: i64, currency: &str) -> String {
    crate::prevention::money_text(minor, currency)
}

/// The latest consent to law enforcement for `recipient` on a case.
fn law_enforcement_consent(consents: &[ConsentRecord], recipient: OrgId) -> Option<ConsentState> {
    consents.iter().rev().find(|k| k.purpose == ConsentPurpose::LawEnforcement.code() && k.recipient_org_id == Some(recipient)).map(|k| {
        match ConsentStatus::parse(&k.status) {
            Ok(ConsentStatus::Given) => ConsentState::Given,
            Ok(ConsentStatus::Refused) => ConsentState::Refused,
            _ => ConsentState::Withdrawn,
        }
    })
}

fn disclosure_state(d: &DisclosureRecord, consents: &[ConsentRecord]) -> &'static str {
    if d.ended_on.is_some() {
        return "ended";
    }
    let basis = DisclosureBasis::parse(&d.basis).unwrap_or(DisclosureBasis::Consent);
    if justice::disclosure_stands(basis, law_enforcement_consent(consents, OrgId(d.recipient_org_id))) { "standing" } else { "suspended" }
}

fn protection_labels(d: &DisclosureRecord) -> Vec<String> {
    list(&d.protection)
}

/// The hearings a disclosed victim's side sees: those of their part, and those of the whole case.
fn hearing_views(hearings: &[HearingRecord], disclosure: &DisclosureRecord) -> Vec<HearingView> {
    hearings
        .iter()
        .filter(|h| {
            h.disclosure_id == Some(disclosure.id) || (h.disclosure_id.is_none() && h.investigation_id == disclosure.investigation_id)
        })
        .map(|h| HearingView { held_on: h.held_on.to_string(), kind: h.kind.clone(), court: h.court.clone() })
        .collect()
}

fn report_view(r: &CrimeReportRecord, summary: Option<String>) -> ReportView {
    let status = ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Received);
    ReportView {
        id: r.id,
        reference: r.reference.clone(),
        channel: r.channel.clone(),
        received_on: r.received_on.to_string(),
        risk: r.risk.clone(),
        status: r.status.clone(),
        closure_reason: r.closure_reason.clone(),
        investigation_id: r.investigation_id,
        decided_on: r.decided_on.map(|d| d.to_string()),
        summary,
        commands: justice::report_commands(status),
    }
}

impl Palermo {
    fn justice_actor<'a>(&self, caller: &'a Caller) -> Result<&'a Actor> {
        Self::user_of(caller)
    }

    fn today(&self) -> Date {
        self.rules().local_date(self.now())
    }

    fn parse_id(id: &str) -> Option<Uuid> {
        Uuid::parse_str(id.trim()).ok()
    }

    /// Load an investigation and check the caller works on it; otherwise the audited 404.
    async fn investigation_for(&self, actor: &Actor, id: Uuid, action: &str, meta: &RequestMeta) -> Result<InvestigationRecord> {
        let found = self.store.get_investigation(id).await?;
        match found {
            Some(i)
                if justice::investigation_access(
                    actor,
                    &InvestigationFacts { lead_org: OrgId(i.lead_org_id), prosecution_org: i.prosecution_org_id.map(OrgId) },
                )
                .is_ok() =>
            {
                Ok(i)
            }
            _ => Err(self.denied(actor, meta, action, Some(("investigation", id.to_string())), Denied::Hidden).await),
        }
    }

    /// An investigation named by the id in a request.
    async fn investigation_named(&self, actor: &Actor, id: &str, action: &str, meta: &RequestMeta) -> Result<InvestigationRecord> {
        match Self::parse_id(id) {
            Some(u) => self.investigation_for(actor, u, action, meta).await,
            None => Err(self.hidden(actor, meta, action, "investigation", id).await),
        }
    }

    /// A record under an investigation (found with its investigation's id), and the
    /// investigation, if the caller works on it; otherwise the audited 404.
    async fn under_investigation<T>(
        &self,
        actor: &Actor,
        found: Option<(Uuid, T)>,
        object: &str,
        id: &str,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<(T, InvestigationRecord)> {
        let Some((investigation, record)) = found else { return Err(self.hidden(actor, meta, action, object, id).await) };
        let inv = self.investigation_for(actor, investigation, action, meta).await?;
        Ok((record, inv))
    }

    async fn hidden(&self, actor: &Actor, meta: &RequestMeta, action: &str, object: &str, id: &str) -> ServiceError {
        let object = Self::parse_id(id).map(|u| (object, u.to_string()));
        self.denied(actor, meta, action, object, Denied::Hidden).await
    }

    fn justice_audit(&self, actor: &Actor, meta: &RequestMeta, action: &str, investigation: Uuid) -> palermo_domain::audit::AuditEvent {
        self.event(Some(actor), meta, action, Some(("investigation", investigation.to_string())), AuditOutcome::Ok)
    }

    /// Log a report received (investigators and prosecutors; the report belongs to their organisation).
    pub async fn record_report(&self, caller: &Caller, input: &NewReport, meta: &RequestMeta) -> Result<ReportView> {
        let actor = self.justice_actor(caller)?;
        if !justice::justice_track(actor) {
            return Err(self.denied(actor, meta, "crime_report.create", None, Denied::Forbidden).await);
        }
        let today = self.today();
        let mut errs = Vec::new();
        let channel = ReportChannel::parse(&input.channel).map_err(|e| errs.push(e)).ok();
        let received_on = not_after("received_on", date("received_on", &input.received_on, true, &mut errs), today, &mut errs);
        let risk = RiskLevel::parse(if input.risk.trim().is_empty() { "medium" } else { &input.risk }).map_err(|mut e| {
            e.field = "risk";
            errs.push(e)
        });
        let summary = text("summary", &input.summary, 4000, true, &mut errs);
        let (Some(channel), Some(received_on), Ok(risk), Some(summary), true) = (channel, received_on, risk, summary, errs.is_empty())
        else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = CrimeReportRecord {
            id: id.0,
            reference: String::new(),
            org_id: actor.org_id.0,
            channel: channel.code().into(),
            received_on,
            risk: risk.code().into(),
            status: ReportStatus::Received.code().into(),
            closure_reason: None,
            investigation_id: None,
            decided_on: None,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let sealed = self.seal_field("crime_report", rec.id, "summary", &summary, false)?;
        let ev = self.event(Some(actor), meta, "crime_report.create", Some(("crime_report", rec.id.to_string())), AuditOutcome::Ok);
        let prefix = format!("RPT-{}", received_on.year());
        let reference = self.store.save_justice(&[JusticeRecord::Report(rec.clone())], Some(&prefix), &[sealed], &[], &[ev]).await?;
        let mut rec = rec;
        rec.reference = reference.unwrap_or_default();
        Ok(report_view(&rec, None))
    }

    /// The reports the caller's organisation received, newest first (without what they say).
    pub async fn reports(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<ReportView>> {
        let actor = self.justice_actor(caller)?;
        if !justice::justice_track(actor) {
            return Err(self.denied(actor, meta, "crime_report.list", None, Denied::Forbidden).await);
        }
        Ok(self.store.crime_reports_of(actor.org_id.0, 200).await?.iter().map(|r| report_view(r, None)).collect())
    }

    async fn report_for(&self, actor: &Actor, id: &str, action: &str, meta: &RequestMeta) -> Result<CrimeReportRecord> {
        let found = match Self::parse_id(id) {
            Some(u) => self.store.get_crime_report(u).await?,
            None => None,
        };
        match found {
            Some(r) if justice::report_access(actor, OrgId(r.org_id)).is_ok() => Ok(r),
            _ => Err(self.hidden(actor, meta, action, "crime_report", id).await),
        }
    }

    /// One report with what it says (an audited read).
    pub async fn report(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<ReportView> {
        let actor = self.justice_actor(caller)?;
        let r = self.report_for(actor, id, "crime_report.view", meta).await?;
        self.audit_read(self.event(Some(actor), meta, "crime_report.view", Some(("crime_report", r.id.to_string())), AuditOutcome::Ok))
            .await?;
        let sealed = self.store.vault_get("crime_report", r.id).await?;
        let mut summary = None;
        for v in sealed.iter().filter(|v| v.field == "summary") {
            let aad = format!("crime_report:summary:{}", r.id);
            summary = Some(String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned());
        }
        Ok(report_view(&r, summary))
    }

    fn new_investigation(
        &self,
        actor: &Actor,
        input: &NewInvestigation,
        today: Date,
        errs: &mut Vec<ValidationError>,
    ) -> Result<Option<InvestigationRecord>> {
        let opened_on = if input.opened_on.trim().is_empty() { Some(today) } else { date("opened_on", &input.opened_on, true, errs) };
        let opened_on = not_after("opened_on", opened_on, today, errs);
        let forms = codes("forms", &input.forms, ExploitationForm::parse, ExploitationForm::code, 1, errs);
        let mut countries =
            |field: &'static str, s: &str| parse_countries(field, s).map_err(|e| errs.push(e)).unwrap_or_default().join(",");
        let origin = countries("origin_countries", &input.origin_countries);
        let transit = countries("transit_countries", &input.transit_countries);
        let destination = countries("destination_countries", &input.destination_countries);
        let jit = countries("jit_countries", &input.jit_countries);
        if input.joint_team && jit.is_empty() {
            errs.push(ValidationError::new("jit_countries", "the countries in the joint investigation team"));
        }
        let Some(opened_on) = opened_on else { return Ok(None) };
        if !errs.is_empty() {
            return Ok(None);
        }
        let now = self.now();
        let (_, id) = self.new_ids()?;
        Ok(Some(InvestigationRecord {
            id: id.0,
            reference: String::new(),
            lead_org_id: actor.org_id.0,
            prosecution_org_id: None,
            status: InvestigationStatus::Open.code().into(),
            opened_on,
            closed_on: None,
            closure_reason: None,
            forms: forms.join(","),
            origin_countries: origin,
            transit_countries: transit,
            destination_countries: destination,
            joint_team: input.joint_team,
            jit_countries: jit,
            investigators: actor.user_id.0.to_string(),
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        }))
    }

    /// Open an investigation led by the caller's organisation.
    pub async fn open_investigation(&self, caller: &Caller, input: &NewInvestigation, meta: &RequestMeta) -> Result<InvestigationRow> {
        let actor = self.justice_actor(caller)?;
        if !justice::justice_track(actor) {
            return Err(self.denied(actor, meta, "investigation.create", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let Some(mut rec) = self.new_investigation(actor, input, self.today(), &mut errs)? else {
            return Err(ServiceError::Invalid(errs));
        };
        let ev = self.justice_audit(actor, meta, "investigation.create", rec.id);
        let prefix = format!("INV-{}", rec.opened_on.year());
        rec.reference = self
            .store
            .save_justice(&[JusticeRecord::Investigation(rec.clone())], Some(&prefix), &[], &[], &[ev])
            .await?
            .unwrap_or_default();
        let orgs = self.org_names().await?;
        Ok(investigation_row(&rec, &orgs))
    }

    /// Investigate a report (into a new or an existing investigation), close it with a reason, or reopen it.
    pub async fn act_on_report(&self, caller: &Caller, id: &str, input: &ReportAction, meta: &RequestMeta) -> Result<ReportView> {
        let actor = self.justice_actor(caller)?;
        let mut r = self.report_for(actor, id, "crime_report.update", meta).await?;
        let status = ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Received);
        let command = ReportCommand::parse(&input.command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let next = justice::report_transition(status, command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let today = self.today();
        let mut records = Vec::new();
        let mut prefix = None;
        let mut audit = Vec::new();
        match command {
            ReportCommand::Investigate => {
                let reference = input.investigation.trim();
                let inv_id = if reference.is_empty() {
                    let mut errs = Vec::new();
                    let new = NewInvestigation { forms: input.forms.clone(), ..Default::default() };
                    let Some(inv) = self.new_investigation(actor, &new, today, &mut errs)? else {
                        return Err(ServiceError::Invalid(errs));
                    };
                    prefix = Some(format!("INV-{}", inv.opened_on.year()));
                    audit.push(self.justice_audit(actor, meta, "investigation.create", inv.id));
                    let id = inv.id;
                    records.push(JusticeRecord::Investigation(inv));
                    id
                } else {
                    let found = self.store.investigation_by_reference(reference).await?;
                    let Some(inv) = found else {
                        return Err(ServiceError::Invalid(vec![ValidationError::new(
                            "investigation",
                            "the reference of an investigation your organisation works on, or empty to open a new one",
                        )]));
                    };
                    self.investigation_for(actor, inv.id, "investigation.update", meta).await?.id
                };
                r.investigation_id = Some(inv_id);
                r.closure_reason = None;
            }
            ReportCommand::Close => {
                let reason = ReportClosure::parse(&input.reason).map_err(|e| ServiceError::Invalid(vec![e]))?;
                r.closure_reason = Some(reason.code().into());
            }
            ReportCommand::Reopen => r.closure_reason = None,
        }
        r.status = next.code().into();
        r.decided_on = (next != ReportStatus::Received).then_some(today);
        r.updated_at = self.now();
        r.version += 1;
        audit.push(self.event(Some(actor), meta, "crime_report.update", Some(("crime_report", r.id.to_string())), AuditOutcome::Ok));
        records.push(JusticeRecord::Report(r.clone()));
        self.store.save_justice(&records, prefix.as_deref(), &[], &[], &audit).await?;
        Ok(report_view(&r, None))
    }

    /// The investigations the caller's organisation leads or prosecutes.
    pub async fn investigations(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<InvestigationRow>> {
        let actor = self.justice_actor(caller)?;
        if !justice::justice_track(actor) {
            return Err(self.denied(actor, meta, "investigation.list", None, Denied::Forbidden).await);
        }
        let orgs = self.org_names().await?;
        Ok(self.store.investigations_of(actor.org_id.0, 200).await?.iter().map(|i| investigation_row(i, &orgs)).collect())
    }

    /// The investigation file: suspects with their identity (an audited read), charges, assets,
    /// MLA, and the victims in proceedings in their minimal view (each view audited).
    pub async fn investigation(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<InvestigationView> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, id, "investigation.view", meta).await?;
        let Some(file) = self.store.investigation_file(inv.id).await? else { return Err(ServiceError::NotFound) };
        let mut ev = self.justice_audit(actor, meta, "investigation.view", inv.id);
        if !file.suspects.is_empty() {
            ev.section = Some("identity".into());
        }
        self.audit_read(ev).await?;
        // Victims in proceedings: the minimal view, only while the disclosure stands.
        let mut victims = Vec::new();
        for d in &file.disclosures {
            let consents = self.store.consents_of(d.case_id).await?;
            let state = disclosure_state(d, &consents);
            if state != "standing" {
                victims.push(VictimInProceedings {
                    disclosure_id: d.id,
                    state,
                    case_reference: None,
                    contact: None,
                    participation: Vec::new(),
                    protection: Vec::new(),
                    interpreter_language: None,
                    legal_representative: None,
                    hearings: Vec::new(),
                });
                continue;
            }
            let case = self.store.get_case(d.case_id).await?;
            let mut view_ev = self.event(Some(actor), meta, "justice.victim_view", Some(("case", d.case_id.to_string())), AuditOutcome::Ok);
            view_ev.section = Some("summary".into());
            view_ev.purpose = Some(format!("investigation {}", inv.reference));
            self.audit_read(view_ev).await?;
            let contact = match case.as_ref().and_then(|c| c.case_worker_id) {
                Some(u) => match self.store.get_user(u).await? {
                    Some(user) => {
                        let orgs = self.org_names().await?;
                        Some(format!("{} ({})", user.display_name, orgs.get(&user.organisation_id).cloned().unwrap_or_default()))
                    }
                    None => None,
                },
                None => None,
            };
            victims.push(VictimInProceedings {
                disclosure_id: d.id,
                state,
                case_reference: case.map(|c| c.reference),
                contact,
                participation: list(&d.participation),
                protection: protection_labels(d),
                interpreter_language: d.interpreter_language.clone(),
                legal_representative: d.legal_representative.clone(),
                hearings: hearing_views(&file.hearings, d),
            });
        }
        let orgs = self.org_names().await?;
        let mut suspects = Vec::new();
        for s in &file.suspects {
            let sealed = self.store.vault_get("suspect", s.id).await?;
            let mut fields: HashMap<String, String> = HashMap::new();
            for v in &sealed {
                let aad = format!("suspect:{}:{}", v.field, s.id);
                fields.insert(v.field.clone(), String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned());
            }
            let name = [fields.get("given_name"), fields.get("family_name")].into_iter().flatten().cloned().collect::<Vec<_>>().join(" ");
            suspects.push(SuspectView {
                id: s.id,
                reference: s.reference.clone(),
                name,
                date_of_birth: fields.remove("date_of_birth"),
                sex: s.sex.clone(),
                age: s.age,
                age_group: s.age_group.clone(),
                citizenships: list(&s.citizenships),
                roles: list(&s.roles),
                relation_to_victims: s.relation_to_victims.clone(),
                suspected_on: s.suspected_on.to_string(),
                arrested_on: s.arrested_on.map(|d| d.to_string()),
                charges: file.charges.iter().filter(|c| c.suspect_id == s.id).map(charge_view).collect(),
            });
        }
        let mut notes = Vec::new();
        if !file.notes.is_empty() {
            let ids: Vec<Uuid> = file.notes.iter().map(|n| n.id).collect();
            let sealed = self.store.vault_get_many("investigation_note", &ids).await?;
            let mut authors = HashMap::new();
            for n in &file.notes {
                if let std::collections::hash_map::Entry::Vacant(e) = authors.entry(n.created_by)
                    && let Some(u) = self.store.get_user(UserId(n.created_by)).await?
                {
                    e.insert(u.display_name);
                }
            }
            for n in &file.notes {
                let mut text = String::new();
                for v in sealed.iter().filter(|v| v.record_id == n.id) {
                    let aad = format!("investigation_note:{}:{}", v.field, n.id);
                    text = String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned();
                }
                notes.push(NoteView {
                    kind: n.kind.clone(),
                    text,
                    author: authors.get(&n.created_by).cloned().unwrap_or_default(),
                    at: n.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                });
            }
        }
        let forms: Vec<String> = list(&inv.forms);
        let mut iccs: Vec<&'static str> = forms.iter().filter_map(|f| ExploitationForm::from_code(f)).map(ExploitationForm::iccs).collect();
        iccs.sort_unstable();
        iccs.dedup();
        let status = InvestigationStatus::parse(&inv.status).unwrap_or(InvestigationStatus::Open);
        Ok(InvestigationView {
            id: inv.id,
            reference: inv.reference.clone(),
            lead_agency: orgs.get(&OrgId(inv.lead_org_id)).cloned().unwrap_or_default(),
            prosecution_office: inv.prosecution_org_id.and_then(|o| orgs.get(&OrgId(o)).cloned()),
            status: inv.status.clone(),
            opened_on: inv.opened_on.to_string(),
            closed_on: inv.closed_on.map(|d| d.to_string()),
            closure_reason: inv.closure_reason.clone(),
            forms,
            iccs,
            origin_countries: list(&inv.origin_countries),
            transit_countries: list(&inv.transit_countries),
            destination_countries: list(&inv.destination_countries),
            joint_team: inv.joint_team,
            jit_countries: list(&inv.jit_countries),
            reports: file.reports.iter().map(|r| r.reference.clone()).collect(),
            mla: file.mla.iter().map(mla_view).collect(),
            suspects,
            assets: file.assets.iter().map(asset_view).collect(),
            victims,
            hearings: file
                .hearings
                .iter()
                .filter(|h| h.disclosure_id.is_none())
                .map(|h| HearingView { held_on: h.held_on.to_string(), kind: h.kind.clone(), court: h.court.clone() })
                .collect(),
            investigators: {
                let mut names = Vec::new();
                for id in inv.investigators.split(',').filter_map(|u| Uuid::parse_str(u).ok()) {
                    if let Some(u) = self.store.get_user(UserId(id)).await? {
                        let orgs = self.org_names().await?;
                        names.push(format!("{} ({})", u.display_name, orgs.get(&u.organisation_id).cloned().unwrap_or_default()));
                    }
                }
                names
            },
            notes,
            commands: justice::investigation_commands(status),
        })
    }

    /// Refer to prosecution, close with a reason, reopen.
    pub async fn investigation_command(
        &self,
        caller: &Caller,
        id: &str,
        input: &InvestigationAction,
        meta: &RequestMeta,
    ) -> Result<InvestigationRow> {
        let actor = self.justice_actor(caller)?;
        let mut inv = self.investigation_named(actor, id, "investigation.update", meta).await?;
        let status = InvestigationStatus::parse(&inv.status).unwrap_or(InvestigationStatus::Open);
        let command = InvestigationCommand::parse(&input.command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let next = justice::investigation_transition(status, command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let today = self.today();
        let mut errs = Vec::new();
        let on = not_after(
            "on",
            if input.on.trim().is_empty() { Some(today) } else { date("on", &input.on, true, &mut errs) },
            today,
            &mut errs,
        );
        match command {
            InvestigationCommand::ReferToProsecution => {
                let office = Uuid::parse_str(input.prosecution_office.trim()).ok().map(OrgId);
                let org = match office {
                    Some(o) => self.org_cached(o).await?,
                    None => None,
                };
                match org {
                    Some(o) if o.sector == "prosecution" || o.sector == "judiciary" => inv.prosecution_org_id = Some(o.id.0),
                    _ => errs.push(ValidationError::new(
                        "prosecution_office",
                        "the id of an organisation of the prosecution or judiciary sector",
                    )),
                }
            }
            InvestigationCommand::Close => match InvestigationClosure::parse(&input.reason) {
                Ok(r) => {
                    inv.closure_reason = Some(r.code().into());
                    inv.closed_on = on;
                }
                Err(e) => errs.push(e),
            },
            InvestigationCommand::Reopen => {
                inv.closure_reason = None;
                inv.closed_on = None;
            }
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        inv.status = next.code().into();
        inv.updated_at = self.now();
        inv.version += 1;
        let ev = self.justice_audit(actor, meta, &format!("investigation.{}", command.code()), inv.id);
        self.store.save_justice(&[JusticeRecord::Investigation(inv.clone())], None, &[], &[], &[ev]).await?;
        Ok(investigation_row(&inv, &self.org_names().await?))
    }

    /// Add a note or an evidence reference to an investigation (the text is sealed).
    pub async fn add_note(&self, caller: &Caller, investigation: &str, input: &NewNote, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, investigation, "investigation.update", meta).await?;
        let mut errs = Vec::new();
        let kind = match input.kind.trim() {
            k @ ("note" | "evidence_reference") => Some(k.to_owned()),
            _ => {
                errs.push(ValidationError::new("kind", "one of: note, evidence_reference"));
                None
            }
        };
        let body = text("text", &input.text, 4000, true, &mut errs);
        let (Some(kind), Some(body), true) = (kind, body, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = palermo_store::InvestigationNoteRecord {
            id: id.0,
            investigation_id: inv.id,
            kind,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let sealed = self.seal_field("investigation_note", rec.id, "text", &body, false)?;
        let ev = self.justice_audit(actor, meta, "investigation.note", inv.id);
        self.store.save_justice(&[JusticeRecord::Note(rec)], None, &[sealed], &[], &[ev]).await?;
        Ok(())
    }

    /// Record a mutual legal assistance request sent or received.
    pub async fn add_mla(&self, caller: &Caller, investigation: &str, input: &NewMla, meta: &RequestMeta) -> Result<MlaView> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, investigation, "investigation.update", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let direction = MlaDirection::parse(&input.direction).map_err(|e| errs.push(e)).ok();
        let country = parse_countries("country", &input.country).map_err(|e| errs.push(e)).ok();
        if country.as_ref().is_some_and(|c| c.len() != 1) {
            errs.push(ValidationError::new("country", "one ISO 3166-1 alpha-3 country code such as ROU"));
        }
        let requested_on = not_after("requested_on", date("requested_on", &input.requested_on, true, &mut errs), today, &mut errs);
        let subject = text("subject", &input.subject, 500, true, &mut errs);
        let (Some(direction), Some(country), Some(requested_on), Some(subject), true) =
            (direction, country, requested_on, subject, errs.is_empty())
        else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = MlaRequestRecord {
            id: id.0,
            investigation_id: inv.id,
            direction: direction.code().into(),
            country: country.join(","),
            requested_on,
            subject,
            status: MlaStatus::Pending.code().into(),
            answered_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let ev = self.justice_audit(actor, meta, "mla.create", inv.id);
        self.store.save_justice(&[JusticeRecord::Mla(rec.clone())], None, &[], &[], &[ev]).await?;
        Ok(mla_view(&rec))
    }

    /// Record the answer to an MLA request.
    pub async fn update_mla(&self, caller: &Caller, id: &str, input: &MlaUpdate, meta: &RequestMeta) -> Result<MlaView> {
        let actor = self.justice_actor(caller)?;
        let found = match Self::parse_id(id) {
            Some(u) => self.store.get_mla_request(u).await?,
            None => None,
        };
        let (mut rec, inv) =
            self.under_investigation(actor, found.map(|r| (r.investigation_id, r)), "mla_request", id, "mla.update", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let status = MlaStatus::parse(&input.status).map_err(|e| errs.push(e)).ok();
        let answered_on = not_after("answered_on", date("answered_on", &input.answered_on, false, &mut errs), today, &mut errs);
        if answered_on.is_some_and(|d| d < rec.requested_on) {
            errs.push(ValidationError::new("answered_on", format!("a date not before the request ({})", rec.requested_on)));
        }
        let (Some(status), true) = (status, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        rec.status = status.code().into();
        rec.answered_on = if status == MlaStatus::Pending { None } else { answered_on.or(Some(today)) };
        rec.updated_at = self.now();
        rec.version += 1;
        let ev = self.justice_audit(actor, meta, "mla.update", inv.id);
        self.store.save_justice(&[JusticeRecord::Mla(rec.clone())], None, &[], &[], &[ev]).await?;
        Ok(mla_view(&rec))
    }

    /// Add a suspect to an investigation; identity sealed in the vault (record type `suspect`).
    pub async fn add_suspect(&self, caller: &Caller, investigation: &str, input: &NewSuspect, meta: &RequestMeta) -> Result<Uuid> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, investigation, "investigation.update", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let given = text("given_name", &input.given_name, 200, false, &mut errs);
        let family = text("family_name", &input.family_name, 200, false, &mut errs);
        if given.is_none() && family.is_none() && !errs.iter().any(|e| e.field.ends_with("_name")) {
            errs.push(ValidationError::new("family_name", "a given or a family name (an alias will do if the name is not known)"));
        }
        let dob = palermo_domain::person::parse_date_of_birth(&input.date_of_birth, today).map_err(|e| errs.push(e)).ok().flatten();
        let sex =
            Gender::parse(if input.sex.trim().is_empty() { "NonSpecifiedUnknown" } else { &input.sex }).map_err(|e| errs.push(e)).ok();
        let age = palermo_domain::person::parse_age(&input.age).map_err(|mut e| {
            e.field = "age";
            errs.push(e)
        });
        let citizenships = palermo_domain::person::parse_citizenships(&input.citizenships).map_err(|e| errs.push(e)).unwrap_or_default();
        let roles = codes("roles", &input.roles, RoleInProcess::parse, RoleInProcess::code, 0, &mut errs);
        let relation =
            RelationToVictims::parse(if input.relation_to_victims.trim().is_empty() { "unknown" } else { &input.relation_to_victims })
                .map_err(|e| errs.push(e))
                .ok();
        let suspected_on = not_after(
            "suspected_on",
            if input.suspected_on.trim().is_empty() { Some(today) } else { date("suspected_on", &input.suspected_on, true, &mut errs) },
            today,
            &mut errs,
        );
        let arrested_on = not_after("arrested_on", date("arrested_on", &input.arrested_on, false, &mut errs), today, &mut errs);
        let (Some(sex), Ok(age), Some(relation), Some(suspected_on), true) = (sex, age, relation, suspected_on, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = SuspectRecord {
            id: id.0,
            reference: String::new(),
            investigation_id: inv.id,
            suspected_on,
            sex: sex.code().into(),
            age: age.map(i64::from),
            age_group: AgeGroup::of(age).code().into(),
            citizenships: citizenships.join(","),
            roles: roles.join(","),
            relation_to_victims: relation.code().into(),
            arrested_on,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut vault = Vec::new();
        for (field, value) in [("given_name", given), ("family_name", family), ("date_of_birth", dob)] {
            if let Some(v) = value {
                vault.push(self.seal_field("suspect", rec.id, field, &v, field != "date_of_birth")?);
            }
        }
        let ev = self.justice_audit(actor, meta, "suspect.create", inv.id);
        let prefix = format!("S-{}", suspected_on.year());
        self.store.save_justice(&[JusticeRecord::Suspect(rec.clone())], Some(&prefix), &vault, &[], &[ev]).await?;
        Ok(rec.id)
    }

    async fn suspect_for(&self, actor: &Actor, id: &str, action: &str, meta: &RequestMeta) -> Result<(SuspectRecord, InvestigationRecord)> {
        let found = match Self::parse_id(id) {
            Some(u) => self.store.get_suspect(u).await?,
            None => None,
        };
        let Some(s) = found else { return Err(self.hidden(actor, meta, action, "suspect", id).await) };
        let inv = self.investigation_for(actor, s.investigation_id, action, meta).await?;
        Ok((s, inv))
    }

    /// Record a suspect's arrest (after the suspect was recorded).
    pub async fn record_arrest(&self, caller: &Caller, suspect: &str, input: &ArrestInput, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let (mut s, inv) = self.suspect_for(actor, suspect, "suspect.update", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let on = not_after("arrested_on", date("arrested_on", &input.arrested_on, true, &mut errs), today, &mut errs);
        if on.is_some_and(|d| d < s.suspected_on) {
            errs.push(ValidationError::new("arrested_on", format!("a date not before the person became a suspect ({})", s.suspected_on)));
        }
        let (Some(on), true) = (on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        s.arrested_on = Some(on);
        s.updated_at = self.now();
        s.version += 1;
        let ev = self.justice_audit(actor, meta, "suspect.arrest", inv.id);
        self.store.save_justice(&[JusticeRecord::Suspect(s)], None, &[], &[], &[ev]).await?;
        Ok(())
    }

    /// Charge a suspect (national provision and ICCS code).
    pub async fn add_charge(&self, caller: &Caller, suspect: &str, input: &NewCharge, meta: &RequestMeta) -> Result<ChargeView> {
        let actor = self.justice_actor(caller)?;
        let (s, inv) = self.suspect_for(actor, suspect, "charge.create", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let offence = Offence::parse(&input.offence).map_err(|e| errs.push(e)).ok();
        let iccs = offence.and_then(|o| justice::parse_iccs(o, &input.iccs).map_err(|e| errs.push(e)).ok()).flatten();
        let provision = text("legal_provision", &input.legal_provision, 200, true, &mut errs);
        let charged_on = not_after("charged_on", date("charged_on", &input.charged_on, true, &mut errs), today, &mut errs);
        if charged_on.is_some_and(|d| d < s.suspected_on) {
            errs.push(ValidationError::new("charged_on", format!("a date not before the person became a suspect ({})", s.suspected_on)));
        }
        let (Some(offence), Some(provision), Some(charged_on), true) = (offence, provision, charged_on, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = ChargeRecord {
            id: id.0,
            suspect_id: s.id,
            investigation_id: inv.id,
            offence: offence.code().into(),
            iccs,
            legal_provision: provision,
            charged_on,
            verdict: None,
            verdict_on: None,
            sentence_months: None,
            fine_minor: None,
            fine_currency: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let ev = self.justice_audit(actor, meta, "charge.create", inv.id);
        self.store.save_justice(&[JusticeRecord::Charge(rec.clone())], None, &[], &[], &[ev]).await?;
        Ok(charge_view(&rec))
    }

    /// Record the verdict on a charge (and the sentence, for a conviction).
    pub async fn record_verdict(&self, caller: &Caller, charge: &str, input: &VerdictInput, meta: &RequestMeta) -> Result<ChargeView> {
        let actor = self.justice_actor(caller)?;
        let found = match Self::parse_id(charge) {
            Some(u) => self.store.get_charge(u).await?,
            None => None,
        };
        let (mut c, inv) =
            self.under_investigation(actor, found.map(|r| (r.investigation_id, r)), "charge", charge, "charge.verdict", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let verdict = Verdict::parse(&input.verdict).map_err(|e| errs.push(e)).ok();
        let on = not_after("verdict_on", date("verdict_on", &input.verdict_on, true, &mut errs), today, &mut errs);
        if on.is_some_and(|d| d < c.charged_on) {
            errs.push(ValidationError::new("verdict_on", format!("a date not before the charge ({})", c.charged_on)));
        }
        let months = match input.sentence_months.trim() {
            "" => None,
            m => match m.parse::<i64>() {
                Ok(n) if (0..=1200).contains(&n) => Some(n),
                _ => {
                    errs.push(ValidationError::new("sentence_months", "months of imprisonment, a whole number from 0 to 1200, or empty"));
                    None
                }
            },
        };
        let fine = if input.fine.trim().is_empty() {
            None
        } else {
            Money::parse("fine", &input.fine, &input.currency).map_err(|e| errs.push(e)).ok()
        };
        if verdict.is_some_and(|v| v != Verdict::Convicted) && (months.is_some() || fine.is_some()) {
            errs.push(ValidationError::new("verdict", "convicted, when a sentence or fine is given"));
        }
        let (Some(verdict), Some(on), true) = (verdict, on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        c.verdict = Some(verdict.code().into());
        c.verdict_on = Some(on);
        c.sentence_months = months;
        c.fine_minor = fine.map(|m| m.minor);
        c.fine_currency = fine.map(|m| m.currency().to_owned());
        c.updated_at = self.now();
        c.version += 1;
        let ev = self.justice_audit(actor, meta, "charge.verdict", inv.id);
        self.store.save_justice(&[JusticeRecord::Charge(c.clone())], None, &[], &[], &[ev]).await?;
        Ok(charge_view(&c))
    }

    /// Record an asset frozen or seized.
    pub async fn add_asset(&self, caller: &Caller, investigation: &str, input: &NewAsset, meta: &RequestMeta) -> Result<AssetView> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, investigation, "investigation.update", meta).await?;
        let today = self.today();
        let mut errs = Vec::new();
        let kind = AssetKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let status = match AssetStatus::parse(&input.status) {
            Ok(s @ (AssetStatus::Frozen | AssetStatus::Seized)) => Some(s),
            _ => {
                errs.push(ValidationError::new("status", "frozen or seized (how the asset was first secured)"));
                None
            }
        };
        let value = Money::parse("value", &input.value, &input.currency).map_err(|e| errs.push(e)).ok();
        let authority = text("authority", &input.authority, 200, true, &mut errs);
        let on = not_after("on", date("on", &input.on, true, &mut errs), today, &mut errs);
        let charge = match input.charge.trim() {
            "" => None,
            c => match Self::parse_id(c) {
                Some(u) => match self.store.get_charge(u).await? {
                    Some(ch) if ch.investigation_id == inv.id && ch.offence == Offence::MoneyLaundering.code() => Some(ch.id),
                    _ => {
                        errs.push(ValidationError::new("charge", "a money-laundering charge in this investigation, or empty"));
                        None
                    }
                },
                None => {
                    errs.push(ValidationError::new("charge", "a money-laundering charge in this investigation, or empty"));
                    None
                }
            },
        };
        let (Some(kind), Some(status), Some(value), Some(authority), Some(on), true) =
            (kind, status, value, authority, on, errs.is_empty())
        else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let mut rec = AssetRecord {
            id: id.0,
            investigation_id: inv.id,
            kind: kind.code().into(),
            status: status.code().into(),
            value_minor: value.minor,
            currency: value.currency().to_owned(),
            authority,
            frozen_on: None,
            seized_on: None,
            confiscated_on: None,
            returned_on: None,
            compensation_on: None,
            released_on: None,
            charge_id: charge,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        set_step(&mut rec, status, on);
        let ev = self.justice_audit(actor, meta, "asset.create", inv.id);
        self.store.save_justice(&[JusticeRecord::Asset(rec.clone())], None, &[], &[], &[ev]).await?;
        Ok(asset_view(&rec))
    }

    /// Move an asset a step: seized, confiscated, returned, used for compensation, released.
    pub async fn asset_step(&self, caller: &Caller, asset: &str, input: &AssetStep, meta: &RequestMeta) -> Result<AssetView> {
        let actor = self.justice_actor(caller)?;
        let found = match Self::parse_id(asset) {
            Some(u) => self.store.get_asset(u).await?,
            None => None,
        };
        let (mut a, inv) =
            self.under_investigation(actor, found.map(|r| (r.investigation_id, r)), "asset", asset, "asset.update", meta).await?;
        let from = AssetStatus::parse(&a.status).unwrap_or(AssetStatus::Frozen);
        let today = self.today();
        let mut errs = Vec::new();
        let to = match AssetStatus::parse(&input.status) {
            Ok(t) if justice::asset_step_allowed(from, t) => Some(t),
            _ => {
                let next = justice::asset_next(from);
                errs.push(ValidationError::new(
                    "status",
                    if next.is_empty() {
                        format!("nothing: a {} asset is final", from.code())
                    } else {
                        format!("one of: {} (the asset is {})", next.join(", "), from.code())
                    },
                ));
                None
            }
        };
        let on = not_after("on", date("on", &input.on, true, &mut errs), today, &mut errs);
        let (Some(to), Some(on), true) = (to, on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        a.status = to.code().into();
        set_step(&mut a, to, on);
        a.updated_at = self.now();
        a.version += 1;
        let ev = self.justice_audit(actor, meta, "asset.update", inv.id);
        self.store.save_justice(&[JusticeRecord::Asset(a.clone())], None, &[], &[], &[ev]).await?;
        Ok(asset_view(&a))
    }

    /// The case team discloses a victim's case to an investigation: on the person's consent to
    /// law enforcement for the investigation's lead agency, or on a recorded legal obligation.
    pub async fn disclose_case(&self, caller: &Caller, case_id: &str, input: &NewDisclosure, meta: &RequestMeta) -> Result<DisclosureView> {
        let actor = self.justice_actor(caller)?;
        let (c, _, _, consents) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let basis = DisclosureBasis::parse(&input.basis).map_err(|e| errs.push(e)).ok();
        let inv = match input.investigation.trim() {
            "" => None,
            r => self.store.investigation_by_reference(r).await?,
        };
        if inv.is_none() {
            errs.push(ValidationError::new(
                "investigation",
                "the reference of an investigation, as the police or prosecutor gave it (INV-…)",
            ));
        }
        let obligation = match basis {
            Some(DisclosureBasis::LegalObligation) => {
                let t = text("legal_obligation", &input.legal_obligation, 500, true, &mut errs);
                if t.as_ref().is_some_and(|t| t.chars().count() < 10) {
                    errs.push(ValidationError::new("legal_obligation", "the provision and what it requires, at least 10 characters"));
                }
                t
            }
            _ => None,
        };
        let (Some(basis), Some(inv), true) = (basis, inv, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let lead = OrgId(inv.lead_org_id);
        if basis == DisclosureBasis::Consent && law_enforcement_consent(&consents, lead) != Some(ConsentState::Given) {
            let orgs = self.org_names().await?;
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "basis",
                format!(
                    "a recorded legal obligation, or first record the person's consent to law enforcement for {}: it is not on record",
                    orgs.get(&lead).cloned().unwrap_or_default()
                ),
            )]));
        }
        let (existing, _) = self.store.disclosures_of_case(c.id).await?;
        if existing.iter().any(|(d, _)| d.investigation_id == inv.id && disclosure_state(d, &consents) == "standing") {
            return Err(ServiceError::Conflict("this case is already disclosed to that investigation".into()));
        }
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = DisclosureRecord {
            id: id.0,
            investigation_id: inv.id,
            case_id: c.id,
            recipient_org_id: inv.lead_org_id,
            basis: basis.code().into(),
            legal_obligation: obligation,
            participation: String::new(),
            protection: String::new(),
            interpreter_language: None,
            legal_representative: None,
            ended_on: None,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = self.case_event(
            actor,
            c.id,
            "disclosed_to_investigation",
            None,
            Some(self.today()),
            serde_json::json!({"investigation": inv.reference, "basis": rec.basis}),
        )?;
        let mut ev = self.case_audit(actor, meta, "case.disclose", c.id);
        ev.purpose = Some(format!("investigation {}", inv.reference));
        self.store.save_justice(&[JusticeRecord::Disclosure(rec.clone())], None, &[], &[event], &[ev]).await?;
        Ok(disclosure_view(&rec, &inv.reference, &consents, &[]))
    }

    /// The case team ends a disclosure (one on a legal obligation, once it no longer applies).
    pub async fn end_disclosure(&self, caller: &Caller, case_id: &str, disclosure: &str, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let found = match Self::parse_id(disclosure) {
            Some(u) => self.store.get_disclosure(u).await?,
            None => None,
        };
        let Some(mut d) = found.filter(|d| d.case_id == c.id) else {
            return Err(self.hidden(actor, meta, "case.disclose_end", "disclosure", disclosure).await);
        };
        if d.ended_on.is_some() {
            return Err(ServiceError::Conflict("this disclosure has already ended".into()));
        }
        d.ended_on = Some(self.today());
        d.updated_at = self.now();
        d.version += 1;
        let event = self.case_event(actor, c.id, "disclosure_ended", None, d.ended_on, serde_json::json!({"disclosure": d.id}))?;
        let ev = self.case_audit(actor, meta, "case.disclose_end", c.id);
        self.store.save_justice(&[JusticeRecord::Disclosure(d)], None, &[], &[event], &[ev]).await?;
        Ok(())
    }

    /// A disclosure the caller's investigation may work with: it must stand.
    async fn standing_disclosure(
        &self,
        actor: &Actor,
        id: &str,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<(DisclosureRecord, InvestigationRecord)> {
        let found = match Self::parse_id(id) {
            Some(u) => self.store.get_disclosure(u).await?,
            None => None,
        };
        let Some(d) = found else { return Err(self.hidden(actor, meta, action, "disclosure", id).await) };
        let inv = self.investigation_for(actor, d.investigation_id, action, meta).await?;
        let consents = self.store.consents_of(d.case_id).await?;
        if disclosure_state(&d, &consents) != "standing" {
            return Err(self.hidden(actor, meta, action, "disclosure", id).await);
        }
        Ok((d, inv))
    }

    /// The investigation records how the victim takes part, the protection measures before,
    /// during and after proceedings, the interpreter and the legal representative.
    pub async fn record_proceedings(&self, caller: &Caller, disclosure: &str, input: &ProceedingsInput, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let (mut d, inv) = self.standing_disclosure(actor, disclosure, "disclosure.update", meta).await?;
        let mut errs = Vec::new();
        let participation = codes("participation", &input.participation, Participation::parse, Participation::code, 0, &mut errs);
        let protection =
            justice::parse_protection(&input.protection.iter().flat_map(|s| s.split(',')).map(str::to_owned).collect::<Vec<_>>())
                .map_err(|e| errs.push(e))
                .unwrap_or_default();
        let interpreter = parse_languages(&input.interpreter_language).map_err(|mut e| {
            e.field = "interpreter_language";
            errs.push(e)
        });
        let representative = text("legal_representative", &input.legal_representative, 200, false, &mut errs);
        let (Ok(interpreter), true) = (interpreter, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        d.participation = participation.join(",");
        d.protection = protection.iter().map(|(p, m)| format!("{}:{}", p.code(), m.code())).collect::<Vec<_>>().join(",");
        d.interpreter_language = interpreter.first().cloned();
        d.legal_representative = representative;
        d.updated_at = self.now();
        d.version += 1;
        let event =
            self.case_event_by_justice(actor, d.case_id, "proceedings_updated", None, serde_json::json!({"investigation": inv.reference}))?;
        let ev = self.justice_audit(actor, meta, "disclosure.update", inv.id);
        self.store.save_justice(&[JusticeRecord::Disclosure(d)], None, &[], &[event], &[ev]).await?;
        Ok(())
    }

    /// Add a hearing date (the victim's case worker is reminded of it).
    pub async fn add_hearing(&self, caller: &Caller, disclosure: &str, input: &NewHearing, meta: &RequestMeta) -> Result<HearingView> {
        let actor = self.justice_actor(caller)?;
        let (d, inv) = self.standing_disclosure(actor, disclosure, "hearing.create", meta).await?;
        let mut errs = Vec::new();
        let held_on = date("held_on", &input.held_on, true, &mut errs);
        let kind = HearingKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let court = text("court", &input.court, 200, true, &mut errs);
        let (Some(held_on), Some(kind), Some(court), true) = (held_on, kind, court, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = HearingRecord {
            id: id.0,
            disclosure_id: Some(d.id),
            investigation_id: inv.id,
            case_id: Some(d.case_id),
            held_on,
            kind: kind.code().into(),
            court,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event =
            self.case_event_by_justice(actor, d.case_id, "hearing_scheduled", Some(held_on), serde_json::json!({"kind": rec.kind}))?;
        let ev = self.justice_audit(actor, meta, "hearing.create", inv.id);
        self.store.save_justice(&[JusticeRecord::Hearing(rec.clone())], None, &[], &[event], &[ev]).await?;
        Ok(HearingView { held_on: held_on.to_string(), kind: rec.kind, court: rec.court })
    }

    /// Assign an investigator or prosecutor of the lead agency or the prosecution office.
    pub async fn assign_investigator(&self, caller: &Caller, investigation: &str, username: &str, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let mut inv = self.investigation_named(actor, investigation, "investigation.assign", meta).await?;
        let user = self.store.user_by_username(username.trim()).await?;
        let member = user.filter(|u| {
            !u.disabled
                && (u.organisation_id.0 == inv.lead_org_id || Some(u.organisation_id.0) == inv.prosecution_org_id)
                && u.roles.split(',').any(|r| r == "investigator" || r == "prosecutor")
        });
        let Some(member) = member else {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "username",
                "the username of an active investigator or prosecutor of the lead agency or the prosecution office",
            )]));
        };
        let id = member.id.0.to_string();
        if inv.investigators.split(',').any(|u| u == id) {
            return Ok(());
        }
        inv.investigators = if inv.investigators.is_empty() { id } else { format!("{},{id}", inv.investigators) };
        inv.updated_at = self.now();
        inv.version += 1;
        let ev = self.justice_audit(actor, meta, "investigation.assign", inv.id);
        self.store.save_justice(&[JusticeRecord::Investigation(inv)], None, &[], &[], &[ev]).await?;
        Ok(())
    }

    /// A hearing of the whole case: every disclosed victim's case worker is reminded of it, and it
    /// lands on the timeline of each case whose disclosure stands.
    pub async fn add_case_hearing(
        &self,
        caller: &Caller,
        investigation: &str,
        input: &NewHearing,
        meta: &RequestMeta,
    ) -> Result<HearingView> {
        let actor = self.justice_actor(caller)?;
        let inv = self.investigation_named(actor, investigation, "hearing.create", meta).await?;
        let mut errs = Vec::new();
        let held_on = date("held_on", &input.held_on, true, &mut errs);
        let kind = HearingKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let court = text("court", &input.court, 200, true, &mut errs);
        let (Some(held_on), Some(kind), Some(court), true) = (held_on, kind, court, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = HearingRecord {
            id: id.0,
            disclosure_id: None,
            investigation_id: inv.id,
            case_id: None,
            held_on,
            kind: kind.code().into(),
            court,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut events = Vec::new();
        if let Some(file) = self.store.investigation_file(inv.id).await? {
            for d in &file.disclosures {
                let consents = self.store.consents_of(d.case_id).await?;
                if disclosure_state(d, &consents) == "standing" {
                    events.push(self.case_event_by_justice(
                        actor,
                        d.case_id,
                        "hearing_scheduled",
                        Some(held_on),
                        serde_json::json!({"kind": rec.kind}),
                    )?);
                }
            }
        }
        let ev = self.justice_audit(actor, meta, "hearing.create", inv.id);
        self.store.save_justice(&[JusticeRecord::Hearing(rec.clone())], None, &[], &events, &[ev]).await?;
        Ok(HearingView { held_on: held_on.to_string(), kind: rec.kind, court: rec.court })
    }

    fn case_event_by_justice(
        &self,
        actor: &Actor,
        case_id: Uuid,
        kind: &str,
        on: Option<Date>,
        detail: serde_json::Value,
    ) -> Result<palermo_store::CaseEventRecord> {
        self.case_event(actor, case_id, kind, None, on, detail)
    }

    /// The case page's "criminal proceedings" section: disclosures with hearing dates and
    /// protection measures (the case team has already been authorised and audited).
    pub(crate) async fn disclosure_views(&self, case_id: Uuid, consents: &[ConsentRecord]) -> Result<Vec<DisclosureView>> {
        let (disclosures, hearings) = self.store.disclosures_of_case(case_id).await?;
        Ok(disclosures.iter().map(|(d, reference)| disclosure_view(d, reference, consents, &hearings)).collect())
    }

    /// The case team's view of a case's disclosures (`GET /api/v1/cases/{id}/disclosures`).
    pub async fn case_disclosures(&self, caller: &Caller, case_id: &str, meta: &RequestMeta) -> Result<Vec<DisclosureView>> {
        let actor = self.justice_actor(caller)?;
        let (c, _, _, consents) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        self.disclosure_views(c.id, &consents).await
    }

    /// Hearings in the next `days` days in the caller's cases (the case worker's reminders).
    pub async fn hearing_alerts(&self, caller: &Caller, days: i64) -> Result<Vec<HearingAlert>> {
        let actor = self.justice_actor(caller)?;
        let today = self.today();
        let rows = self.store.hearings_for_case_worker(UserId(actor.user_id.0), today, today + time::Duration::days(days)).await?;
        Ok(rows
            .into_iter()
            .map(|(h, reference)| HearingAlert {
                case_id: h.case_id.unwrap_or_default(),
                case_reference: reference,
                held_on: h.held_on.to_string(),
                kind: h.kind,
                court: h.court,
            })
            .collect())
    }

    /// The UNODC questionnaire's persons and proceeds numbers for a year (coordinators and
    /// analysts; exact, internal).
    pub async fn justice_statistics(&self, caller: &Caller, year: i32, meta: &RequestMeta) -> Result<JusticeStatistics> {
        let actor = self.justice_actor(caller)?;
        use palermo_domain::role::Role;
        if !(actor.roles.has(Role::Coordinator) || actor.roles.has(Role::Analyst)) {
            return Err(self.denied(actor, meta, "justice.statistics", None, Denied::Forbidden).await);
        }
        let bad = || ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]);
        if !(1990..=2100).contains(&year) {
            return Err(bad());
        }
        let from = Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| bad())?;
        let to = Date::from_calendar_date(year + 1, time::Month::January, 1).map_err(|_| bad())?;
        let counts = self.store.justice_counts(from, to).await?;
        let publishable = crate::glotip::persons_tables(&self.disclosure(), year, &counts)?;
        let mut totals: Vec<(String, i64)> = ["investigated", "prosecuted", "convicted"].iter().map(|s| ((*s).to_owned(), 0)).collect();
        for c in &counts {
            if let Some(t) = totals.iter_mut().find(|t| t.0 == c.stage) {
                t.1 += c.persons;
            }
        }
        let persons: Vec<(String, String, String, String, i64)> =
            counts.into_iter().map(|c| (c.stage, c.sex, c.age_group, c.citizenships, c.persons)).collect();
        Ok(JusticeStatistics {
            year,
            publishable,
            persons,
            totals,
            confiscated: self
                .store
                .confiscated_value(from, to)
                .await?
                .into_iter()
                .map(|(cur, v)| (cur.clone(), money_text(v, &cur)))
                .collect(),
            victim_reports_waiting: self.store.victim_reports_waiting().await?,
        })
    }

    /// The organisations an investigation may be referred to (prosecution and judiciary sectors).
    pub async fn prosecution_offices(&self) -> Result<Vec<(OrgId, String)>> {
        Ok(self
            .store
            .list_organisations()
            .await?
            .into_iter()
            .filter(|o| o.sector == "prosecution" || o.sector == "judiciary")
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// Today in the jurisdiction's time zone (the default of date fields).
    pub fn today_local(&self) -> Date {
        self.today()
    }

    /// Reports from victims neither investigated nor closed: a number for the coordinator's dashboard.
    pub async fn victim_reports_waiting(&self, caller: &Caller) -> Result<Option<i64>> {
        let actor = self.justice_actor(caller)?;
        if !actor.roles.has(palermo_domain::role::Role::Coordinator) {
            return Ok(None);
        }
        Ok(Some(self.store.victim_reports_waiting().await?))
    }
}

/// The kinds of justice record a request can name by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JusticeObject {
    Report,
    Investigation,
    Mla,
    Suspect,
    Charge,
    Asset,
    Disclosure,
}

impl Palermo {
    /// Whether the caller may work on the named record: checked before a request body is read,
    /// so a refusal is the same 404 whatever was sent.
    pub async fn ensure_justice_access(&self, caller: &Caller, object: JusticeObject, id: &str, meta: &RequestMeta) -> Result<()> {
        let actor = self.justice_actor(caller)?;
        let uid = Self::parse_id(id);
        let investigation = match (object, uid) {
            (JusticeObject::Report, _) => return self.report_for(actor, id, "crime_report.update", meta).await.map(|_| ()),
            (JusticeObject::Suspect, _) => return self.suspect_for(actor, id, "suspect.update", meta).await.map(|_| ()),
            (JusticeObject::Disclosure, _) => return self.standing_disclosure(actor, id, "disclosure.update", meta).await.map(|_| ()),
            (_, None) => None,
            (JusticeObject::Investigation, Some(u)) => Some(u),
            (JusticeObject::Mla, Some(u)) => self.store.get_mla_request(u).await?.map(|m| m.investigation_id),
            (JusticeObject::Charge, Some(u)) => self.store.get_charge(u).await?.map(|c| c.investigation_id),
            (JusticeObject::Asset, Some(u)) => self.store.get_asset(u).await?.map(|a| a.investigation_id),
        };
        match investigation {
            Some(i) => self.investigation_for(actor, i, "investigation.update", meta).await.map(|_| ()),
            None => Err(self.hidden(actor, meta, "investigation.update", "investigation", id).await),
        }
    }
}

fn set_step(a: &mut AssetRecord, status: AssetStatus, on: Date) {
    let slot = match status {
        AssetStatus::Frozen => &mut a.frozen_on,
        AssetStatus::Seized => &mut a.seized_on,
        AssetStatus::Confiscated => &mut a.confiscated_on,
        AssetStatus::Returned => &mut a.returned_on,
        AssetStatus::UsedForCompensation => &mut a.compensation_on,
        AssetStatus::Released => &mut a.released_on,
    };
    *slot = Some(on);
}

fn investigation_row(i: &InvestigationRecord, orgs: &HashMap<OrgId, String>) -> InvestigationRow {
    InvestigationRow {
        id: i.id,
        reference: i.reference.clone(),
        lead_agency: orgs.get(&OrgId(i.lead_org_id)).cloned().unwrap_or_default(),
        prosecution_office: i.prosecution_org_id.and_then(|o| orgs.get(&OrgId(o)).cloned()),
        status: i.status.clone(),
        opened_on: i.opened_on.to_string(),
        forms: list(&i.forms),
    }
}

fn mla_view(m: &MlaRequestRecord) -> MlaView {
    MlaView {
        id: m.id,
        direction: m.direction.clone(),
        country: m.country.clone(),
        requested_on: m.requested_on.to_string(),
        subject: m.subject.clone(),
        status: m.status.clone(),
        answered_on: m.answered_on.map(|d| d.to_string()),
    }
}

fn charge_view(c: &ChargeRecord) -> ChargeView {
    ChargeView {
        id: c.id,
        offence: c.offence.clone(),
        iccs: c.iccs.clone(),
        legal_provision: c.legal_provision.clone(),
        charged_on: c.charged_on.to_string(),
        verdict: c.verdict.clone(),
        verdict_on: c.verdict_on.map(|d| d.to_string()),
        sentence_months: c.sentence_months,
        fine: match (c.fine_minor, &c.fine_currency) {
            (Some(m), Some(cur)) => Some(money_text(m, cur)),
            _ => None,
        },
    }
}

fn asset_view(a: &AssetRecord) -> AssetView {
    let status = AssetStatus::parse(&a.status).unwrap_or(AssetStatus::Frozen);
    let steps = [
        ("frozen", a.frozen_on),
        ("seized", a.seized_on),
        ("confiscated", a.confiscated_on),
        ("returned", a.returned_on),
        ("used_for_compensation", a.compensation_on),
        ("released", a.released_on),
    ]
    .into_iter()
    .filter_map(|(s, d)| d.map(|d| (s.to_owned(), d.to_string())))
    .collect();
    AssetView {
        id: a.id,
        kind: a.kind.clone(),
        status: a.status.clone(),
        value: money_text(a.value_minor, &a.currency),
        value_minor: a.value_minor,
        currency: a.currency.clone(),
        authority: a.authority.clone(),
        steps,
        next: justice::asset_next(status),
        charge_id: a.charge_id,
    }
}

fn disclosure_view(d: &DisclosureRecord, reference: &str, consents: &[ConsentRecord], hearings: &[HearingRecord]) -> DisclosureView {
    DisclosureView {
        id: d.id,
        investigation: reference.to_owned(),
        basis: d.basis.clone(),
        state: disclosure_state(d, consents),
        participation: list(&d.participation),
        protection: protection_labels(d),
        interpreter_language: d.interpreter_language.clone(),
        legal_representative: d.legal_representative.clone(),
        hearings: hearing_views(hearings, d),
    }
}
