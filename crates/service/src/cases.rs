//! NRM cases: screening and referral (or anonymous notification), legal decisions through the
//! domain's stage machine, consent, break-glass, the case page with its timeline, and the case
//! list. Every read and write is authorised by `palermo_domain::access` and audited.

use crate::admin::Caller;
use crate::minute_utc as fmt_time;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::access::{self, CaseDenied, CaseFacts, CaseOp, Circumstances, Section};
use palermo_domain::assistance::ChildRecordKind;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::consent::{ChecklistItem, ConsentForm, ConsentGivenBy, ConsentPurpose, ConsentStatus};
use palermo_domain::coordination::{self, ConsentState, ReferralBasis, ReferralStatus, ServiceKind};
use palermo_domain::deadline::{DeadlineStatus, Rules};
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::indicators::{Assessment, Catalogue, ExploitationForm, Population, assess};
use palermo_domain::nrm::{self, CaseState, Command, Decision, DecisionKind, Outcome, Stage};
use palermo_domain::person::{AgeGroup, Gender};
use palermo_domain::policy::Actor;
use palermo_domain::screening::{self, Act, Elements, Means, Purpose};
use palermo_domain::values::Reason;
use palermo_store::{BreakGlassRecord, CaseEventRecord, CaseFilter, CaseRecord, CaseScope, ConsentRecord, ReferralRecord, ScreeningRecord};
use serde::Serialize;
use std::collections::BTreeSet;
use time::Date;
use uuid::Uuid;

/// A screening and what follows from it, as typed into the form or sent to the API.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewCase {
    /// `referral` (into the NRM) or `anonymous_notification` (an adult who does not consent).
    pub kind: String,
    /// The person (id or `P-…` reference); empty for an anonymous notification.
    pub person: String,
    pub screened_on: String,
    /// `adult` or `child` at the time of the facts (decides the indicator list and the child rule).
    pub population: String,
    pub exploitation_form: String,
    /// Where the person was exploited (ISO 3166-1 alpha-3); empty if not known.
    pub exploitation_country: String,
    pub acts: Vec<String>,
    pub means: Vec<String>,
    pub purposes: Vec<String>,
    pub indicators: Vec<String>,
    /// The competent authority to refer to (organisation id).
    pub competent_authority: String,
    /// For a referral of an adult: the person's consent to the referral (`given`).
    pub referral_consent: String,
    pub consent_form: String,
    pub interpreter_language: String,
    pub checklist: Vec<String>,
    /// For a child: the child's and the guardian's views, in their words (sealed).
    pub views: String,
    /// For an anonymous notification: the statistical fields.
    pub sex: String,
    pub age_group: String,
}

impl std::fmt::Debug for NewCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewCase(…)")
    }
}

#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionInput {
    pub decision: String,
    pub outcome: String,
    pub decided_on: String,
    pub told_on: String,
    pub reasons: String,
}

#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandInput {
    /// `request_reconsideration`, `withdraw`, `transfer`, `close` or `reopen`.
    pub command: String,
    pub on: String,
    pub reasons: String,
    /// For a transfer: the receiving country (ISO 3166-1 alpha-3).
    pub country: String,
    /// For closing: why (`domain::assistance::ClosureReason`).
    pub closure_reason: String,
}

#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentInput {
    pub purpose: String,
    pub recipient: String,
    pub status: String,
    pub decided_on: String,
    pub form: String,
    pub given_by: String,
    pub interpreter_language: String,
    pub checklist: Vec<String>,
}

/// One row of the case list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub id: Uuid,
    pub reference: String,
    pub kind: String,
    pub stage: Option<String>,
    pub region: String,
    pub sex: String,
    pub age_group: String,
    pub exploitation_form: String,
    pub referred_on: String,
    pub deadline: Option<DeadlineView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    pub kind: String,
    pub due: String,
    /// The instant the due date ends in the jurisdiction (UTC, RFC 3339).
    pub ends_at: String,
    /// `upcoming`, `due_today` or `overdue`.
    pub status: String,
    pub days: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseList {
    pub rows: Vec<CaseRow>,
    /// How many cases match, counted up to [`palermo_store::CASE_COUNT_CAP`] (1,000).
    pub total: i64,
    /// More than `total` match.
    pub more: bool,
    pub per_page: i64,
    /// The cursor of the next page (`after=`), if there is one.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScreeningView {
    pub screened_on: String,
    pub population: String,
    pub exploitation_form: String,
    pub catalogue_version: String,
    pub list_id: String,
    pub list_status: String,
    pub acts: Vec<String>,
    pub means: Vec<String>,
    pub purposes: Vec<String>,
    pub indicators: Vec<String>,
    /// Each indicator recorded as the list names it: (code, text, weight); the text and weight
    /// are empty for a code the list no longer has.
    pub indicator_texts: Vec<(String, String, String)>,
    pub elements_met: bool,
    pub indicators_suggest: bool,
    /// Why: the art. 3 elements missing, and the indicator dimensions positive / missing.
    pub missing_elements: Vec<String>,
    pub positive_dimensions: Vec<String>,
    /// Each part of the decision rule not met, as the dimensions any one of which would meet
    /// it: `[["DR", "CR", "VR"], ["CD", "VD"]]`.
    pub missing_dimensions: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: String,
    pub kind: String,
    pub stage_after: Option<String>,
    pub on_date: Option<String>,
    pub actor_org: Option<String>,
    pub detail: serde_json::Value,
    /// Decrypted free text (decisions section readers only).
    pub reasons: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub purpose: String,
    pub recipient: Option<String>,
    pub status: String,
    pub decided_on: String,
    pub form: String,
    pub given_by: String,
    pub interpreter_language: Option<String>,
    pub checklist: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub reference: String,
    pub kind: String,
    pub stage: Option<String>,
    pub region: String,
    pub sex: String,
    pub age_group: String,
    pub exploitation_form: String,
    /// ISO 3166-1 alpha-3, if recorded.
    pub exploitation_country: Option<String>,
    pub referred_on: String,
    pub owner_org: String,
    pub authority_org: Option<String>,
    pub deadline: Option<DeadlineView>,
    /// Recovery period end and earliest CG date, once a positive RG decision was taken.
    pub recovery_period_ends: Option<String>,
    pub earliest_conclusive_grounds: Option<String>,
    pub sections: Vec<String>,
    /// What this user may do next (stage machine ∩ access).
    pub commands: Vec<String>,
    pub awaited_decision: Option<String>,
    pub person: Option<crate::persons::PersonDetail>,
    pub screening: Option<ScreeningView>,
    pub timeline: Vec<TimelineEntry>,
    pub consents: Vec<ConsentView>,
    pub break_glass_active: bool,
    /// May record consent and assign the team.
    pub can_manage: bool,
    /// May propose to hand the case to another organisation (the owner organisation's team).
    pub may_transfer: bool,
    pub time_zone: String,
    /// Referrals of this case: all of them for the case team, the caller's organisation's own
    /// for a recipient.
    pub referrals: Vec<crate::coordination::ReferralView>,
    pub services: Vec<crate::coordination::ServiceDeliveredView>,
    /// Residence status and a child's protection records (the case team).
    pub permits: Vec<crate::assistance::PermitView>,
    pub child_records: Vec<crate::assistance::ChildRecordView>,
    /// Compensation claims and risk assessments (the case team).
    pub claims: Vec<crate::assistance::ClaimView>,
    pub risks: Vec<crate::assistance::RiskView>,
    /// The latest risk assessment is high (the case is highlighted; the location is restricted).
    pub high_risk: bool,
    /// Reintegration follow-up contacts (the case team).
    pub follow_ups: Vec<crate::assistance::FollowUpView>,
    /// Support plans with their actions (the case team).
    pub support_plans: Vec<crate::assistance::SupportPlanView>,
    /// Where the person stays (accepted accommodation referrals), when the caller may read the
    /// location section now.
    pub location: Option<Vec<String>>,
    /// The caller may read the location after re-entering their password (step-up).
    pub location_needs_step_up: bool,
    /// Disclosures to investigations with hearing dates and protection measures (the case
    /// team; never the investigation file).
    pub disclosures: Vec<crate::justice::DisclosureView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakGlassView {
    pub case_reference: String,
    pub case_id: Uuid,
    pub user: String,
    pub organisation: String,
    pub reason: String,
    pub granted_at: String,
    pub expires_at: String,
}

/// Due and overdue cases, grouped for the dashboards.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DeadlineSummary {
    pub overdue: i64,
    pub due_soon: i64,
    /// (competent authority name, overdue, due within a week)
    pub per_authority: Vec<(String, i64, i64)>,
    /// (case worker name, overdue, due within a week)
    pub per_case_worker: Vec<(String, i64, i64)>,
    /// Break-glass accesses to cases of the caller's organisation in the last 7 days.
    pub break_glass_alerts: i64,
}

fn date_format() -> &'static [time::format_description::BorrowedFormatItem<'static>] {
    time::macros::format_description!("[year]-[month]-[day]")
}

pub(crate) fn fmt_date(d: Date) -> String {
    d.format(date_format()).unwrap_or_default()
}

fn parse_date(field: &'static str, s: &str, errs: &mut Vec<ValidationError>) -> Option<Date> {
    let t = s.trim();
    match Date::parse(t, date_format()) {
        Ok(d) => Some(d),
        Err(_) => {
            errs.push(ValidationError::new(field, "a date as YYYY-MM-DD"));
            None
        }
    }
}

fn parse_optional_date(field: &'static str, s: &str, errs: &mut Vec<ValidationError>) -> Option<Date> {
    if s.trim().is_empty() { None } else { parse_date(field, s, errs) }
}

fn codes<T: Copy + Ord>(
    field_values: &[String],
    parse: impl Fn(&str) -> std::result::Result<T, ValidationError>,
    errs: &mut Vec<ValidationError>,
) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    for v in field_values.iter().filter(|v| !v.trim().is_empty()) {
        match parse(v) {
            Ok(c) => {
                out.insert(c);
            }
            Err(e) => {
                if !errs.iter().any(|x| x.field == e.field) {
                    errs.push(e);
                }
            }
        }
    }
    out
}

fn join<T: std::fmt::Display>(xs: impl IntoIterator<Item = T>) -> String {
    xs.into_iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

fn split(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// The domain state stored in a case row.
fn state_of(c: &CaseRecord) -> Option<CaseState> {
    let stage = Stage::from_code(c.stage.as_deref()?)?;
    let last_negative = match (c.last_negative_kind.as_deref().and_then(DecisionKind::from_code), c.last_negative_told_on) {
        (Some(k), Some(d)) => Some((k, d)),
        _ => None,
    };
    Some(CaseState {
        stage,
        referred_on: c.referred_on,
        rg_positive_on: c.rg_positive_on,
        last_negative,
        ended_from: c.ended_from.as_deref().and_then(Stage::from_code),
    })
}

/// Write a domain state into a case row (with its next deadline).
pub(crate) fn store_state(c: &mut CaseRecord, s: &CaseState, rules: &Rules) {
    c.stage = Some(s.stage.code().to_owned());
    c.rg_positive_on = s.rg_positive_on;
    c.last_negative_kind = s.last_negative.map(|(k, _)| k.code().to_owned());
    c.last_negative_told_on = s.last_negative.map(|(_, d)| d);
    c.ended_from = s.ended_from.map(|st| st.code().to_owned());
    // Only targets the authorities must meet are indexed for the due/overdue lists; a
    // reconsideration window that closes is shown on the case but is nobody's overdue work.
    let d = rules.next_deadline(s).filter(|d| d.kind.is_target());
    c.deadline_kind = d.map(|d| d.kind.code().to_owned());
    c.deadline_on = d.map(|d| d.due);
}

impl Palermo {
    /// The jurisdiction's rules in force (built when the settings were loaded or saved).
    pub fn rules(&self) -> std::sync::Arc<Rules> {
        match self.jurisdiction.read() {
            Ok(j) => j.rules.clone(),
            Err(p) => p.into_inner().rules.clone(),
        }
    }

    /// The indicator catalogue (the versioned data file compiled into the binary; parsed once).
    pub fn catalogue(&self) -> Result<std::sync::Arc<Catalogue>> {
        Ok(self.catalogue.clone())
    }

    fn deadline_view(&self, rules: &Rules, c: &CaseRecord) -> Option<DeadlineView> {
        let state = state_of(c)?;
        let d = rules.next_deadline(&state)?;
        let status = rules.status(&d, self.now());
        let days = match status {
            DeadlineStatus::Upcoming { days } | DeadlineStatus::Overdue { days } => days,
            DeadlineStatus::DueToday => 0,
        };
        Some(DeadlineView {
            kind: d.kind.code().into(),
            due: fmt_date(d.due),
            ends_at: d.ends_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            status: if !d.kind.is_target() && matches!(status, DeadlineStatus::Overdue { .. }) {
                "passed".into()
            } else {
                status.code().into()
            },
            days,
        })
    }

    fn row(&self, rules: &Rules, c: &CaseRecord) -> CaseRow {
        CaseRow {
            id: c.id,
            reference: c.reference.clone(),
            kind: c.kind.clone(),
            stage: c.stage.clone(),
            region: c.region.clone(),
            sex: c.sex.clone(),
            age_group: c.age_group.clone(),
            exploitation_form: c.exploitation_form.clone(),
            referred_on: fmt_date(c.referred_on),
            deadline: self.deadline_view(rules, c),
        }
    }

    pub(crate) async fn org_region(&self, actor: &Actor) -> Result<String> {
        Ok(self.org_cached(actor.org_id).await?.map(|o| o.region).unwrap_or_default())
    }

    /// The access facts of a case, as of now.
    pub(crate) async fn facts(&self, c: &CaseRecord) -> Result<(CaseFacts, Vec<ConsentRecord>)> {
        let consents = self.store.consents_of(c.id).await?;
        let break_glass = self.store.break_glass_of(c.id).await?;
        let referrals = self.store.referrals_of_case(c.id).await?;
        let risks = self.store.risks_of(c.id).await?;
        Ok((self.facts_of(c, &consents, &break_glass, &referrals, &risks), consents))
    }

    /// The access facts from what was read: the latest consent per (purpose, recipient) and
    /// the break-glass grants not yet expired.
    pub(crate) fn facts_of(
        &self,
        c: &CaseRecord,
        consents: &[ConsentRecord],
        grants: &[BreakGlassRecord],
        referrals: &[ReferralRecord],
        risks: &[palermo_store::RiskRecord],
    ) -> CaseFacts {
        let now = self.now();
        // A live referral opens the sections its service needs while its basis stands (a
        // consent-based one: while the latest referral consent to that organisation is given).
        let shared_with = referrals
            .iter()
            .filter(|r| ReferralStatus::parse(&r.status).is_ok_and(coordination::is_live))
            .filter(|r| {
                let basis = ReferralBasis::parse(&r.basis).unwrap_or(ReferralBasis::Consent);
                coordination::basis_stands(basis, referral_consent(consents, r.recipient_org_id))
            })
            .map(|r| {
                (r.recipient_org_id, ServiceKind::parse(&r.kind).map(coordination::sections_for).unwrap_or_else(|_| vec![Section::Summary]))
            })
            .collect();
        let break_glass = grants.iter().filter(|g| g.expires_at > now).map(|g| g.user_id).collect();
        CaseFacts {
            owner_org: Some(c.owner_org_id),
            authority_org: c.authority_org_id,
            case_worker: c.case_worker_id,
            decision_maker: c.decision_maker_id,
            referred_by: Some(c.created_by),
            region: c.region.clone(),
            shared_with,
            break_glass,
            high_risk: crate::assistance::high_risk(risks),
        }
    }

    /// Check `op` on a case that was found; a refusal is audited and answered as 404 (no
    /// relation) or 403. Returns the actor's organisation's region.
    pub(crate) async fn check_case(
        &self,
        actor: &Actor,
        c: &CaseRecord,
        facts: &CaseFacts,
        op: CaseOp,
        meta: &RequestMeta,
    ) -> Result<String> {
        let (region, verdict) = self.case_allows(actor, facts, op).await?;
        match verdict {
            Ok(()) => Ok(region),
            Err(why) => {
                let why = match why {
                    CaseDenied::Hidden => palermo_domain::policy::Denied::Hidden,
                    CaseDenied::Forbidden | CaseDenied::Reauthenticate => palermo_domain::policy::Denied::Forbidden,
                };
                Err(self.denied(actor, meta, op.code(), Some(("case", c.id.to_string())), why).await)
            }
        }
    }

    /// Whether `actor` may do `op` on a case with these facts (the relations of
    /// `domain::access`, without a recent sign-in), with the actor's organisation's region.
    /// Nothing is audited: [`Self::check_case`] audits a refusal; a list leaves a case out.
    pub(crate) async fn case_allows(
        &self,
        actor: &Actor,
        facts: &CaseFacts,
        op: CaseOp,
    ) -> Result<(String, std::result::Result<(), CaseDenied>)> {
        let region = self.org_region(actor).await?;
        let verdict = Self::case_allows_in(actor, &region, facts, op);
        Ok((region, verdict))
    }

    /// [`Self::case_allows`] with the actor's organisation's region already read (a list of
    /// cases reads it once).
    pub(crate) fn case_allows_in(actor: &Actor, org_region: &str, facts: &CaseFacts, op: CaseOp) -> std::result::Result<(), CaseDenied> {
        access::case_access(actor, Circumstances { org_region, recently_authenticated: false }, facts, op)
    }

    /// Load a case and check `op`; a missing case and a hidden one are the same 404, both audited.
    pub(crate) async fn case_for(
        &self,
        actor: &Actor,
        id: &str,
        op: CaseOp,
        meta: &RequestMeta,
    ) -> Result<(CaseRecord, CaseFacts, String, Vec<ConsentRecord>)> {
        let parsed = Uuid::parse_str(id.trim()).ok();
        let record = match parsed {
            Some(u) => self.store.get_case(u).await?,
            None => None,
        };
        let object = parsed.map(|u| ("case", u.to_string()));
        let Some(record) = record else {
            return Err(self.denied(actor, meta, op.code(), object, palermo_domain::policy::Denied::Hidden).await);
        };
        let (facts, consents) = self.facts(&record).await?;
        let region = self.check_case(actor, &record, &facts, op, meta).await?;
        Ok((record, facts, region, consents))
    }

    /// The audit entry of a use case that wrote to a case.
    pub(crate) fn case_audit(&self, actor: &Actor, meta: &RequestMeta, action: &str, case_id: Uuid) -> palermo_domain::audit::AuditEvent {
        self.event(Some(actor), meta, action, Some(("case", case_id.to_string())), AuditOutcome::Ok)
    }

    pub(crate) fn case_event(
        &self,
        actor: &Actor,
        case_id: Uuid,
        kind: &str,
        stage_after: Option<Stage>,
        on: Option<Date>,
        detail: serde_json::Value,
    ) -> Result<CaseEventRecord> {
        let (_, id) = self.new_ids()?;
        Ok(CaseEventRecord {
            id: id.0,
            case_id,
            at: self.now(),
            actor_user_id: Some(actor.user_id),
            actor_org_id: Some(actor.org_id),
            kind: kind.into(),
            stage_after: stage_after.map(|s| s.code().to_owned()),
            on_date: on,
            detail: detail.to_string(),
        })
    }

    pub(crate) fn user_of(caller: &Caller) -> Result<&Actor> {
        match caller {
            Caller::User(a) => Ok(a),
            Caller::Console => Err(ServiceError::Forbidden),
        }
    }

    /// Screen a person and open a referral into the NRM, or file an anonymous notification.
    pub async fn open_case(&self, caller: &Caller, input: &NewCase, meta: &RequestMeta) -> Result<CaseRow> {
        self.check(caller, palermo_domain::policy::Action::CreatePerson, meta, None).await?;
        let actor = Self::user_of(caller)?;
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let mut errs = Vec::new();
        let notification = match input.kind.trim() {
            "referral" => false,
            "anonymous_notification" => true,
            _ => {
                errs.push(ValidationError::new("kind", "referral or anonymous_notification"));
                false
            }
        };
        let screened_on = parse_date("screened_on", &input.screened_on, &mut errs);
        if let Some(d) = screened_on
            && d > today
        {
            errs.push(ValidationError::new("screened_on", format!("a date not after today ({})", fmt_date(today))));
        }
        let population = Population::parse(&input.population).map_err(|e| errs.push(e)).ok();
        let form = ExploitationForm::parse(&input.exploitation_form).map_err(|e| errs.push(e)).ok();
        let exploitation_country = palermo_domain::country::parse_country("exploitation_country", &input.exploitation_country)
            .unwrap_or_else(|e| {
                errs.push(e);
                None
            });
        let acts = codes(&input.acts, Act::parse, &mut errs);
        let means = codes(&input.means, Means::parse, &mut errs);
        let purposes = codes(&input.purposes, Purpose::parse, &mut errs);
        let checklist = codes(&input.checklist, ChecklistItem::parse, &mut errs);
        let catalogue = self.catalogue()?;
        let indicators: BTreeSet<String> = input.indicators.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        let assessment = match (population, form) {
            (Some(p), Some(f)) => match catalogue.list(p, f) {
                Some(list) => assess(list, &indicators).map_err(|e| errs.push(e)).ok(),
                None => None,
            },
            _ => None,
        };
        // The person (referral) or the statistical fields (notification).
        let mut person = None;
        let (sex, age_group) = if notification {
            if !input.person.trim().is_empty() {
                errs.push(ValidationError::new("person", "empty: an anonymous notification carries no identity"));
            }
            let sex = Gender::parse(&input.sex).map_err(|e| errs.push(e)).ok();
            let age = AgeGroup::parse(&input.age_group).map_err(|e| errs.push(e)).ok();
            if population == Some(Population::Child) {
                errs.push(ValidationError::new(
                    "kind",
                    "a referral: a child is referred without waiting for consent (the child rule); anonymous notifications are for adults",
                ));
            }
            (sex.map(|s| s.code().to_owned()), age.map(|a| a.code().to_owned()))
        } else {
            let found = self.person_for(actor, &input.person, meta).await?;
            match &found {
                Some(p) => {
                    person = Some(p.clone());
                }
                None => errs.push(ValidationError::new("person", "the reference (P-2026-000123) of a person you recorded or may see")),
            }
            (found.as_ref().map(|p| p.sex.clone()), found.map(|p| p.age_group))
        };
        let mut authority = None;
        if !notification {
            match OrgId::parse(input.competent_authority.trim()) {
                Some(o) if self.store.get_organisation(o).await?.is_some() => authority = Some(o),
                _ => {
                    errs.push(ValidationError::new("competent_authority", "the competent authority to refer to (choose one from the list)"))
                }
            }
            if population == Some(Population::Adult) && input.referral_consent.trim() != "given" {
                errs.push(ValidationError::new(
                    "referral_consent",
                    "given: an adult is referred only with consent; without it, file an anonymous notification",
                ));
            }
        }
        let consent_form = if !notification && population == Some(Population::Adult) {
            ConsentForm::parse(&input.consent_form).map_err(|e| errs.push(e)).ok()
        } else {
            ConsentForm::from_code(input.consent_form.trim())
        };
        let interpreter = input.interpreter_language.trim();
        let interpreter = if interpreter.is_empty() {
            None
        } else {
            match palermo_domain::person::parse_languages(interpreter) {
                Ok(l) if l.len() == 1 => l.into_iter().next(),
                _ => {
                    errs.push(ValidationError::new("interpreter_language", "one ISO 639 language code, or empty"));
                    None
                }
            }
        };
        let views = input.views.trim();
        if views.chars().count() > 2000 {
            errs.push(ValidationError::new("views", "at most 2000 characters"));
        }
        let (Some(screened_on), Some(population), Some(form), Some(assessment), Some(sex), Some(age_group)) =
            (screened_on, population, form, assessment, sex, age_group)
        else {
            return Err(ServiceError::Invalid(errs));
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let elements =
            Elements { acts: acts.clone(), means: means.clone(), purposes: purposes.clone(), child: population == Population::Child };
        let suggestion = screening::suggest(&elements);
        let (_, case_uid) = self.new_ids()?;
        let (_, screening_uid) = self.new_ids()?;
        let case_id = case_uid.0;
        let region = self.org_region(actor).await?;
        let now = self.now();
        let list_id = assessment.list_id.clone();
        let mut record = CaseRecord {
            id: case_id,
            reference: String::new(),
            kind: if notification { "anonymous_notification" } else { "referral" }.into(),
            person_id: person.as_ref().map(|p| p.id),
            owner_org_id: actor.org_id,
            authority_org_id: authority,
            case_worker_id: None,
            decision_maker_id: None,
            region,
            stage: None,
            referred_on: screened_on,
            rg_positive_on: None,
            last_negative_kind: None,
            last_negative_told_on: None,
            ended_from: None,
            deadline_kind: None,
            deadline_on: None,
            sex,
            age_group,
            exploitation_form: form.code().into(),
            exploitation_country,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut events = vec![self.case_event(
            actor,
            case_id,
            "screened",
            None,
            Some(screened_on),
            serde_json::json!({"elements_met": suggestion.elements_met, "indicators_suggest": assessment.suggests_victim, "list": list_id}),
        )?];
        if !notification {
            let referred_on = today;
            record.referred_on = referred_on;
            store_state(&mut record, &CaseState::referred(referred_on), &rules);
            events.push(self.case_event(
                actor,
                case_id,
                "referred",
                Some(Stage::Referred),
                Some(referred_on),
                serde_json::json!({"competent_authority": authority.map(|o| o.to_string())}),
            )?);
        } else {
            events.push(self.case_event(actor, case_id, "notified", None, Some(screened_on), serde_json::json!({}))?);
        }
        let mut consents = Vec::new();
        let mut vault = Vec::new();
        if !notification {
            let (_, kid) = self.new_ids()?;
            let status = if input.referral_consent.trim() == "given" { ConsentStatus::Given } else { ConsentStatus::Refused };
            let given_by = if population == Population::Child { ConsentGivenBy::PersonAndGuardian } else { ConsentGivenBy::Person };
            if population == Population::Adult || input.referral_consent.trim() == "given" {
                consents.push(ConsentRecord {
                    id: kid.0,
                    case_id,
                    purpose: ConsentPurpose::Referral.code().into(),
                    recipient_org_id: authority,
                    status: status.code().into(),
                    decided_on: screened_on,
                    form: consent_form.unwrap_or(ConsentForm::Oral).code().into(),
                    interpreter_language: interpreter.clone(),
                    checklist: join(checklist.iter().map(|c| c.code())),
                    given_by: given_by.code().into(),
                    recorded_by: actor.user_id,
                    case_version: 1,
                    recorded_at: now,
                });
            }
            if !views.is_empty() {
                let ev = &events[0];
                vault.push(self.seal_field("case_event", ev.id, "views", views, false)?);
            }
        }
        let screening = ScreeningRecord {
            id: screening_uid.0,
            case_id,
            organisation_id: actor.org_id,
            screened_by: actor.user_id,
            screened_on,
            population: population.code().into(),
            exploitation_form: form.code().into(),
            catalogue_version: catalogue.version.clone(),
            list_id,
            acts: join(acts.iter().map(|a| a.code())),
            means: join(means.iter().map(|m| m.code())),
            purposes: join(purposes.iter().map(|p| p.code())),
            indicators: join(indicators.iter()),
            elements_met: suggestion.elements_met,
            indicators_suggest: assessment.suggests_victim,
            created_at: now,
        };
        let prefix = if notification { format!("AN-{}", today.year()) } else { format!("NRM-{}", today.year()) };
        let ev = self.event(
            Some(actor),
            meta,
            if notification { "case.notify" } else { "case.refer" },
            Some(("case", case_id.to_string())),
            AuditOutcome::Ok,
        );
        let reference = self.store.insert_case(&record, &prefix, &screening, &events, &consents, &vault, &[ev]).await?;
        record.reference = reference;
        Ok(self.row(&rules, &record))
    }

    /// A person the actor may see, by id or reference (no identity read).
    async fn person_for(&self, actor: &Actor, key: &str, _meta: &RequestMeta) -> Result<Option<palermo_store::PersonRecord>> {
        let k = key.trim();
        if k.is_empty() {
            return Ok(None);
        }
        let p = match Uuid::parse_str(k) {
            Ok(u) => self.store.get_person(u).await?,
            Err(_) => self.store.person_by_reference(&k.to_uppercase()).await?,
        };
        Ok(p.filter(|p| {
            palermo_domain::policy::authorize(actor, palermo_domain::policy::Action::ViewPerson { org: p.organisation_id }).is_ok()
        }))
    }

    /// The case page: what this user may see of it, audited with the sections read.
    pub async fn case(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<CaseView> {
        let actor = Self::user_of(caller)?;
        let op = CaseOp::Read(Section::Summary);
        let parsed = Uuid::parse_str(id.trim()).ok();
        let file = match parsed {
            Some(u) => self.store.case_file(u).await?,
            None => None,
        };
        let Some(file) = file else {
            let object = parsed.map(|u| ("case", u.to_string()));
            return Err(self.denied(actor, meta, op.code(), object, palermo_domain::policy::Denied::Hidden).await);
        };
        let palermo_store::CaseFile {
            case: c,
            person: person_record,
            consents: consent_records,
            break_glass: grants,
            screening,
            events,
            sealed,
            referrals,
            services,
            permits,
            child_records,
            claims,
            risks,
            follow_ups,
            plans,
            tasks,
            has_disclosures,
        } = file;
        let facts = self.facts_of(&c, &consent_records, &grants, &referrals, &risks);
        let region = self.check_case(actor, &c, &facts, op, meta).await?;
        let step_up = time::Duration::minutes(self.jurisdiction().settings.step_up_minutes);
        let fresh = meta.reauthenticated_at.is_some_and(|t| self.now() - t <= step_up);
        let circ = Circumstances { org_region: &region, recently_authenticated: fresh };
        let sections = access::readable_sections(actor, circ, &facts);
        let location_needs_step_up =
            access::case_access(actor, circ, &facts, CaseOp::Read(Section::Location)) == Err(CaseDenied::Reauthenticate);
        let rules = self.rules();
        let glass = facts.break_glass.contains(&actor.user_id);
        if let Some(person) = person_record.as_ref().filter(|_| sections.contains(&Section::Identity)) {
            let within = palermo_domain::bulk_read::within_caseload(actor, &facts);
            self.watch_identity_read(actor, person.id, within, "case.view", ("case", c.id.to_string()), meta).await?;
        }
        let mut ev = self.event(Some(actor), meta, "case.view", Some(("case", c.id.to_string())), AuditOutcome::Ok);
        ev.section = Some(join(sections.iter().map(|s| s.code())));
        ev.purpose = Some(if glass { "break_glass" } else { "case_work" }.into());
        self.audit_read(ev).await?;
        let can = |s: Section| sections.contains(&s);
        let (person_sealed, other_sealed): (Vec<_>, Vec<_>) = sealed.into_iter().partition(|v| v.record_type == "person");
        let (plans_sealed, events_sealed): (Vec<_>, Vec<_>) = other_sealed.into_iter().partition(|v| v.record_type == "support_plan");
        let person = match (person_record, can(Section::Identity)) {
            (Some(record), true) => {
                let mut detail = self.person_detail_from(&record, &person_sealed)?;
                if person_sealed.is_empty() {
                    detail.identity_erased_on = self.erased_on(record.id).await?;
                }
                Some(detail)
            }
            _ => None,
        };
        let screening = if can(Section::Screening) { screening.as_ref().map(|s| self.screening_view(s)) } else { None };
        let orgs = self.org_names().await?;
        let org_name = |o: OrgId| orgs.get(&o).cloned().unwrap_or_default();
        let mut reasons_of: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
        if can(Section::Decisions) {
            for v in events_sealed {
                if v.field == "reasons" {
                    let aad = format!("case_event:reasons:{}", v.record_id);
                    reasons_of.insert(v.record_id, String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned());
                }
            }
        }
        let mut timeline = Vec::new();
        for e in events {
            let is_decision = e.kind.starts_with("decide")
                || matches!(e.kind.as_str(), "request_reconsideration" | "withdraw" | "transfer" | "close" | "reopen");
            if is_decision && !can(Section::Decisions) {
                continue;
            }
            let reasons = reasons_of.remove(&e.id);
            timeline.push(TimelineEntry {
                at: e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                kind: e.kind.clone(),
                stage_after: e.stage_after.clone(),
                on_date: e.on_date.map(fmt_date),
                actor_org: e.actor_org_id.map(org_name),
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
                reasons,
            });
        }
        let mut consents = Vec::new();
        let consent_records_for_view = consent_records.clone();
        for k in consent_records {
            consents.push(ConsentView {
                purpose: k.purpose,
                recipient: k.recipient_org_id.map(org_name),
                status: k.status,
                decided_on: fmt_date(k.decided_on),
                form: k.form,
                given_by: k.given_by,
                interpreter_language: k.interpreter_language,
                checklist: split(&k.checklist),
            });
        }
        let can_manage = access::case_access(actor, circ, &facts, CaseOp::Manage).is_ok();
        let state = state_of(&c);
        let mut commands: Vec<String> = Vec::new();
        if let Some(s) = &state {
            for cmd in nrm::allowed(s) {
                let op = match cmd {
                    "decide_reasonable_grounds" | "decide_conclusive_grounds" => CaseOp::Decide,
                    "request_reconsideration" => CaseOp::RequestReconsideration,
                    _ => CaseOp::Manage,
                };
                if access::case_access(actor, circ, &facts, op).is_ok() {
                    commands.push(cmd.to_owned());
                }
            }
        } else if c.kind == "anonymous_notification" && access::case_access(actor, circ, &facts, CaseOp::Manage).is_ok() {
            commands.push("convert".into());
        }
        Ok(CaseView {
            id: c.id,
            reference: c.reference.clone(),
            kind: c.kind.clone(),
            stage: c.stage.clone(),
            region: c.region.clone(),
            sex: c.sex.clone(),
            age_group: c.age_group.clone(),
            exploitation_form: c.exploitation_form.clone(),
            exploitation_country: c.exploitation_country.clone(),
            referred_on: fmt_date(c.referred_on),
            owner_org: org_name(c.owner_org_id),
            authority_org: c.authority_org_id.map(org_name),
            deadline: self.deadline_view(&rules, &c),
            recovery_period_ends: c.rg_positive_on.map(|d| fmt_date(rules.recovery_period_ends(d))),
            earliest_conclusive_grounds: c.rg_positive_on.map(|d| fmt_date(rules.earliest_conclusive_grounds(d))),
            sections: sections.iter().map(|s| s.code().to_owned()).collect(),
            commands,
            awaited_decision: state.as_ref().and_then(|s| s.awaited_decision()).map(|k| k.code().to_owned()),
            person,
            screening,
            timeline,
            consents,
            break_glass_active: glass,
            can_manage,
            may_transfer: can_manage && actor.org_id == c.owner_org_id && c.kind == "referral",
            referrals: {
                let names = if referrals.is_empty() { Default::default() } else { self.service_names().await? };
                referrals
                    .iter()
                    .filter(|r| can_manage || r.recipient_org_id == actor.org_id)
                    .map(|r| {
                        self.referral_view(
                            actor,
                            r,
                            referral_consent(&consent_records_for_view, r.recipient_org_id),
                            can_manage,
                            &orgs,
                            &names,
                        )
                    })
                    .collect()
            },
            services: self.delivered_views(actor, can_manage, &services, &orgs),
            permits: if can_manage { permits.iter().map(|p| self.permit_view(p, &rules)).collect() } else { Vec::new() },
            child_records: if can_manage {
                child_records.iter().map(|r| crate::assistance::child_record_view(r, &orgs)).collect()
            } else {
                Vec::new()
            },
            claims: if can_manage { claims.iter().map(crate::assistance::claim_view).collect() } else { Vec::new() },
            risks: if can_manage { risks.iter().map(|r| self.risk_view(r, &rules)).collect() } else { Vec::new() },
            high_risk: facts.high_risk,
            location: if can(Section::Location) {
                let names = self.service_names().await?;
                Some(
                    referrals
                        .iter()
                        .filter(|r| r.kind == ServiceKind::Accommodation.code() && r.status == ReferralStatus::Accepted.code())
                        .map(|r| format!("{} — {}", names.get(&r.service_id).cloned().unwrap_or_default(), org_name(r.recipient_org_id)))
                        .collect(),
                )
            } else {
                None
            },
            location_needs_step_up,
            support_plans: if can_manage {
                self.support_plan_views(&plans, &tasks, &plans_sealed, rules.local_date(self.now())).await?
            } else {
                Vec::new()
            },
            follow_ups: if can_manage {
                let today = rules.local_date(self.now());
                follow_ups.iter().map(|f| crate::assistance::follow_up_view(f, today)).collect()
            } else {
                Vec::new()
            },
            disclosures: if can_manage && has_disclosures {
                self.disclosure_views(c.id, &consent_records_for_view).await?
            } else {
                Vec::new()
            },
            time_zone: rules.time_zone_name.clone(),
        })
    }

    fn screening_view(&self, s: &ScreeningRecord) -> ScreeningView {
        let catalogue = &self.catalogue;
        let list = catalogue.lists.iter().find(|l| l.id == s.list_id);
        let indicators: BTreeSet<String> = split(&s.indicators).into_iter().collect();
        let assessment: Option<Assessment> = list.and_then(|l| assess(l, &indicators).ok());
        let elements = Elements {
            acts: split(&s.acts).iter().filter_map(|a| Act::from_code(a)).collect(),
            means: split(&s.means).iter().filter_map(|a| Means::from_code(a)).collect(),
            purposes: split(&s.purposes).iter().filter_map(|a| Purpose::from_code(a)).collect(),
            child: s.population == "child",
        };
        let suggestion = screening::suggest(&elements);
        ScreeningView {
            screened_on: fmt_date(s.screened_on),
            population: s.population.clone(),
            exploitation_form: s.exploitation_form.clone(),
            catalogue_version: s.catalogue_version.clone(),
            list_id: s.list_id.clone(),
            list_status: list.map(|l| l.status.clone()).unwrap_or_default(),
            acts: split(&s.acts),
            means: split(&s.means),
            purposes: split(&s.purposes),
            indicator_texts: split(&s.indicators)
                .into_iter()
                .map(|code| {
                    let found = list.and_then(|l| l.indicator(&code));
                    let (text, weight) = found.map(|i| (i.text.clone(), i.weight.code().to_owned())).unwrap_or_default();
                    (code, text, weight)
                })
                .collect(),
            indicators: split(&s.indicators),
            elements_met: s.elements_met,
            indicators_suggest: s.indicators_suggest,
            missing_elements: suggestion
                .missing
                .iter()
                .map(|e| match e {
                    screening::Element::Act => "act",
                    screening::Element::Means => "means",
                    screening::Element::Purpose => "purpose",
                })
                .map(str::to_owned)
                .collect(),
            positive_dimensions: assessment
                .as_ref()
                .map(|a| a.dimensions.iter().filter(|d| d.positive).map(|d| d.dimension.code().to_owned()).collect())
                .unwrap_or_default(),
            missing_dimensions: assessment
                .map(|a| a.missing.iter().map(|group| group.iter().map(|d| d.code().to_owned()).collect()).collect())
                .unwrap_or_default(),
        }
    }

    /// Check that the caller may do `op` on a case before anything else about the request is
    /// looked at (so a body that does not parse cannot tell an outsider that the case exists).
    pub async fn ensure_case_access(&self, caller: &Caller, id: &str, op: CaseOp, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        self.case_for(actor, id, op, meta).await.map(|_| ())
    }

    /// Take a reasonable-grounds or conclusive-grounds decision.
    pub async fn decide(&self, caller: &Caller, id: &str, input: &DecisionInput, meta: &RequestMeta) -> Result<CaseRow> {
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, id, CaseOp::Decide, meta).await?;
        let mut errs = Vec::new();
        let kind = DecisionKind::parse(&input.decision).map_err(|e| errs.push(e)).ok();
        let outcome = Outcome::parse(&input.outcome).map_err(|e| errs.push(e)).ok();
        let decided_on = parse_date("decided_on", &input.decided_on, &mut errs);
        let told_on = parse_optional_date("told_on", &input.told_on, &mut errs);
        let reasons = Reason::parse("reasons", &input.reasons).map_err(|e| errs.push(e)).ok();
        let (Some(kind), Some(outcome), Some(decided_on), Some(reasons)) = (kind, outcome, decided_on, reasons) else {
            return Err(ServiceError::Invalid(errs));
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let cmd = Command::Decide(Decision { kind, outcome, decided_on, told_on });
        let detail = serde_json::json!({"decision": kind.code(), "outcome": outcome.code(), "decided_on": fmt_date(decided_on), "told_on": told_on.map(fmt_date), "decision_maker": actor.user_id.to_string()});
        self.transition(actor, c, cmd, detail, reasons.as_str(), meta, |c| {
            if c.decision_maker_id.is_none() {
                c.decision_maker_id = Some(actor.user_id);
            }
        })
        .await
    }

    /// Reconsideration request, withdrawal, transfer, closure, reopening.
    pub async fn case_command(&self, caller: &Caller, id: &str, input: &CommandInput, meta: &RequestMeta) -> Result<CaseRow> {
        let actor = Self::user_of(caller)?;
        let op = if input.command.trim() == "request_reconsideration" { CaseOp::RequestReconsideration } else { CaseOp::Manage };
        let (c, _, _, _) = self.case_for(actor, id, op, meta).await?;
        let mut errs = Vec::new();
        let on = parse_date(if op == CaseOp::RequestReconsideration { "requested_on" } else { "on" }, &input.on, &mut errs);
        let reasons = Reason::parse("reasons", &input.reasons).map_err(|e| errs.push(e)).ok();
        let country = if input.command.trim() == "transfer" {
            match palermo_domain::person::parse_citizenships(&input.country) {
                Ok(c) if c.len() == 1 => c.into_iter().next(),
                _ => {
                    errs.push(ValidationError::new("country", "the receiving country as one ISO 3166-1 alpha-3 code"));
                    None
                }
            }
        } else {
            None
        };
        let cmd = match (input.command.trim(), on) {
            (_, None) => None,
            ("request_reconsideration", Some(d)) => Some(Command::RequestReconsideration { requested_on: d }),
            ("withdraw", Some(on)) => Some(Command::Withdraw { on }),
            ("transfer", Some(on)) => Some(Command::Transfer { on }),
            ("close", Some(on)) => Some(Command::Close { on }),
            ("reopen", Some(on)) => Some(Command::Reopen { on }),
            _ => {
                errs.push(ValidationError::new("command", "request_reconsideration, withdraw, transfer, close or reopen"));
                None
            }
        };
        let (Some(cmd), Some(reasons)) = (cmd, reasons) else { return Err(ServiceError::Invalid(errs)) };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        if matches!(cmd, Command::Close { .. }) && c.age_group == "child" {
            let records = self.store.child_records_of(c.id).await?;
            let determined = records.iter().any(|r| r.kind == ChildRecordKind::BestInterestsDetermination.code());
            palermo_domain::assistance::may_close(true, determined).map_err(|e| ServiceError::Invalid(vec![e]))?;
        }
        let mut detail = serde_json::json!({"country": country});
        if matches!(cmd, Command::Close { .. }) {
            let reason =
                palermo_domain::assistance::ClosureReason::parse(&input.closure_reason).map_err(|e| ServiceError::Invalid(vec![e]))?;
            detail["closure_reason"] = reason.code().into();
        }
        self.transition(actor, c, cmd, detail, reasons.as_str(), meta, |_| {}).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn transition(
        &self,
        actor: &Actor,
        mut c: CaseRecord,
        cmd: Command,
        detail: serde_json::Value,
        reasons: &str,
        meta: &RequestMeta,
        also: impl FnOnce(&mut CaseRecord),
    ) -> Result<CaseRow> {
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let Some(state) = state_of(&c) else {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "command",
                "an NRM case; an anonymous notification must first be converted into a referral",
            )]));
        };
        let next = nrm::apply(&state, cmd, today, &rules)
            .map_err(|r| ServiceError::Invalid(vec![ValidationError::new(r.field(), r.to_string())]))?;
        store_state(&mut c, &next, &rules);
        also(&mut c);
        c.updated_at = self.now();
        let event = self.case_event(actor, c.id, cmd.code(), Some(next.stage), Some(cmd.date()), detail)?;
        let sealed = self.seal_field("case_event", event.id, "reasons", reasons, false)?;
        let mut ev = self.event(Some(actor), meta, &format!("case.{}", cmd.code()), Some(("case", c.id.to_string())), AuditOutcome::Ok);
        ev.section = Some("decisions".into());
        self.store.update_case(&c, &[event], &[], &[sealed], &[ev]).await?;
        c.version += 1;
        Ok(self.row(&rules, &c))
    }

    /// Record a consent decision (given, refused or withdrawn) for one purpose and recipient.
    /// Withdrawal takes effect on the next request: access is computed from the latest record.
    pub async fn record_consent(&self, caller: &Caller, id: &str, input: &ConsentInput, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        let (mut c, _, _, _) = self.case_for(actor, id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let purpose = ConsentPurpose::parse(&input.purpose).map_err(|e| errs.push(e)).ok();
        let status = ConsentStatus::parse(&input.status).map_err(|e| errs.push(e)).ok();
        let decided_on = parse_date("decided_on", &input.decided_on, &mut errs);
        let form = ConsentForm::parse(&input.form).map_err(|e| errs.push(e)).ok();
        let given_by = ConsentGivenBy::parse(&input.given_by).map_err(|e| errs.push(e)).ok();
        let checklist = codes(&input.checklist, ChecklistItem::parse, &mut errs);
        let recipient = if input.recipient.trim().is_empty() {
            None
        } else {
            match OrgId::parse(input.recipient.trim()) {
                Some(o) if self.store.get_organisation(o).await?.is_some() => Some(o),
                _ => {
                    errs.push(ValidationError::new("recipient", "an organisation from the list, or empty"));
                    None
                }
            }
        };
        if purpose == Some(ConsentPurpose::Referral) && recipient.is_none() && !errs.iter().any(|e| e.field == "recipient") {
            errs.push(ValidationError::new("recipient", "the organisation the referral goes to"));
        }
        let today = self.rules().local_date(self.now());
        if let Some(d) = decided_on
            && d > today
        {
            errs.push(ValidationError::new("decided_on", format!("a date not after today ({})", fmt_date(today))));
        }
        let (Some(purpose), Some(status), Some(decided_on), Some(form), Some(given_by)) = (purpose, status, decided_on, form, given_by)
        else {
            return Err(ServiceError::Invalid(errs));
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let (_, kid) = self.new_ids()?;
        let now = self.now();
        let consent = ConsentRecord {
            id: kid.0,
            case_id: c.id,
            purpose: purpose.code().into(),
            recipient_org_id: recipient,
            status: status.code().into(),
            decided_on,
            form: form.code().into(),
            interpreter_language: Some(input.interpreter_language.trim().to_owned()).filter(|s| !s.is_empty()),
            checklist: join(checklist.iter().map(|c| c.code())),
            given_by: given_by.code().into(),
            recorded_by: actor.user_id,
            case_version: c.version + 1,
            recorded_at: now,
        };
        let event = self.case_event(
            actor,
            c.id,
            "consent",
            None,
            Some(decided_on),
            serde_json::json!({"purpose": purpose.code(), "status": status.code(), "recipient": recipient.map(|o| o.to_string())}),
        )?;
        let ev = self.event(Some(actor), meta, "case.consent", Some(("case", c.id.to_string())), AuditOutcome::Ok);
        c.updated_at = now;
        self.store.update_case(&c, &[event], &[consent], &[], &[ev]).await?;
        Ok(())
    }

    /// Assign the case worker (a user with the case-worker role).
    pub async fn assign_case_worker(&self, caller: &Caller, id: &str, username: &str, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        let (mut c, _, _, _) = self.case_for(actor, id, CaseOp::Manage, meta).await?;
        let user = self.store.user_by_username(&username.trim().to_lowercase()).await?;
        let Some(user) = user.filter(|u| !u.disabled && u.roles.split(',').any(|r| r == "case_worker")) else {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "case_worker",
                "the username of an active user with the case_worker role",
            )]));
        };
        c.case_worker_id = Some(user.id);
        c.updated_at = self.now();
        let event = self.case_event(actor, c.id, "assigned", None, None, serde_json::json!({"case_worker": user.id.to_string()}))?;
        let ev = self.event(Some(actor), meta, "case.assign", Some(("case", c.id.to_string())), AuditOutcome::Ok);
        self.store.update_case(&c, &[event], &[], &[], &[ev]).await?;
        Ok(())
    }

    /// Convert an anonymous notification into a referral once the person consents.
    pub async fn convert_notification(
        &self,
        caller: &Caller,
        id: &str,
        person: &str,
        authority: &str,
        meta: &RequestMeta,
    ) -> Result<CaseRow> {
        let actor = Self::user_of(caller)?;
        let (mut c, _, _, _) = self.case_for(actor, id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        if c.kind != "anonymous_notification" {
            errs.push(ValidationError::new("kind", "an anonymous notification (this case is already a referral)"));
        }
        let p = self.person_for(actor, person, meta).await?;
        if p.is_none() {
            errs.push(ValidationError::new("person", "the reference (P-2026-000123) of a person you recorded or may see"));
        }
        let authority = match OrgId::parse(authority.trim()) {
            Some(o) if self.store.get_organisation(o).await?.is_some() => Some(o),
            _ => {
                errs.push(ValidationError::new("competent_authority", "the competent authority to refer to (choose one from the list)"));
                None
            }
        };
        let (Some(p), Some(authority)) = (p, authority) else { return Err(ServiceError::Invalid(errs)) };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let now = self.now();
        c.kind = "referral".into();
        c.person_id = Some(p.id);
        c.authority_org_id = Some(authority);
        c.referred_on = today;
        store_state(&mut c, &CaseState::referred(today), &rules);
        c.updated_at = now;
        let (_, kid) = self.new_ids()?;
        let consent = ConsentRecord {
            id: kid.0,
            case_id: c.id,
            purpose: ConsentPurpose::Referral.code().into(),
            recipient_org_id: Some(authority),
            status: ConsentStatus::Given.code().into(),
            decided_on: today,
            form: ConsentForm::Written.code().into(),
            interpreter_language: None,
            checklist: String::new(),
            given_by: ConsentGivenBy::Person.code().into(),
            recorded_by: actor.user_id,
            case_version: c.version + 1,
            recorded_at: now,
        };
        let event = self.case_event(
            actor,
            c.id,
            "converted",
            Some(Stage::Referred),
            Some(today),
            serde_json::json!({"competent_authority": authority.to_string()}),
        )?;
        let ev = self.event(Some(actor), meta, "case.convert", Some(("case", c.id.to_string())), AuditOutcome::Ok);
        self.store.update_case(&c, &[event], &[consent], &[], &[ev]).await?;
        c.version += 1;
        Ok(self.row(&rules, &c))
    }

    /// Break-glass: time-boxed access to a case the user has no relation to, with a written
    /// reason. The grant appears on the case's timeline (the owner sees it), on the
    /// coordinators' and auditors' review page, and in the audit log.
    pub async fn break_glass(&self, caller: &Caller, reference: &str, reason: &str, meta: &RequestMeta) -> Result<Uuid> {
        let actor = Self::user_of(caller)?;
        if !access::may_request_break_glass(actor) {
            return Err(self.denied(actor, meta, "case.break_glass", None, palermo_domain::policy::Denied::Forbidden).await);
        }
        let reason = Reason::parse("reason", reason)?;
        let c = self.store.case_by_reference(&reference.trim().to_uppercase()).await?;
        let Some(c) = c else {
            return Err(self.denied(actor, meta, "case.break_glass", None, palermo_domain::policy::Denied::Hidden).await);
        };
        let now = self.now();
        let (_, gid) = self.new_ids()?;
        let grant = BreakGlassRecord {
            id: gid.0,
            case_id: c.id,
            user_id: actor.user_id,
            org_id: actor.org_id,
            reason: reason.as_str().to_owned(),
            granted_at: now,
            expires_at: now + time::Duration::minutes(self.jurisdiction().settings.break_glass_minutes),
        };
        let event = self.case_event(
            actor,
            c.id,
            "break_glass",
            None,
            None,
            serde_json::json!({"user": actor.user_id.to_string(), "minutes": self.jurisdiction().settings.break_glass_minutes}),
        )?;
        let mut ev = self.event(Some(actor), meta, "case.break_glass", Some(("case", c.id.to_string())), AuditOutcome::Ok);
        ev.purpose = Some("break_glass".into());
        self.store.insert_break_glass(&grant, &event, &[ev]).await?;
        Ok(c.id)
    }

    /// The break-glass review: every grant, newest first (auditors and coordinators).
    pub async fn break_glass_review(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<BreakGlassView>> {
        let actor = Self::user_of(caller)?;
        if !(actor.roles.has(palermo_domain::role::Role::Auditor) || actor.roles.has(palermo_domain::role::Role::Coordinator)) {
            return Err(self.denied(actor, meta, "case.break_glass_review", None, palermo_domain::policy::Denied::Forbidden).await);
        }
        let mut out = Vec::new();
        for g in self.store.break_glass_recent(500).await? {
            let case = self.store.get_case(g.case_id).await?;
            let user = self.store.get_user(g.user_id).await?;
            let org = self.store.get_organisation(g.org_id).await?;
            out.push(BreakGlassView {
                case_reference: case.map(|c| c.reference).unwrap_or_default(),
                case_id: g.case_id,
                user: user.map(|u| u.username).unwrap_or_default(),
                organisation: org.map(|o| o.name).unwrap_or_default(),
                reason: g.reason,
                granted_at: fmt_time(g.granted_at),
                expires_at: fmt_time(g.expires_at),
            });
        }
        let ev = self.event(Some(actor), meta, "case.break_glass_review", None, AuditOutcome::Ok);
        self.audit_read(ev).await?;
        Ok(out)
    }

    fn scope(actor: &Actor, region: &str) -> CaseScope {
        use palermo_domain::role::Role;
        let has = |r: Role| actor.roles.has(r);
        CaseScope {
            user: Some(actor.user_id.0),
            owner_org: (has(Role::FirstResponder) || has(Role::CaseWorker)).then_some(actor.org_id.0),
            authority_org: has(Role::CompetentAuthority).then_some(actor.org_id.0),
            region: (has(Role::Coordinator) && !region.is_empty()).then(|| region.to_owned()),
            all_regions: has(Role::Coordinator) && actor.org_is_operator,
            shared_org: (has(Role::CaseWorker) || has(Role::ServiceProvider)).then_some(actor.org_id.0),
        }
    }

    /// The cases this user may see, filtered and paged (no identity).
    pub async fn list_cases(&self, caller: &Caller, filter: &CaseListQuery, meta: &RequestMeta) -> Result<CaseList> {
        let actor = Self::user_of(caller)?;
        let region = self.org_region(actor).await?;
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let mut errs = Vec::new();
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let stage = opt(&filter.stage);
        if let Some(s) = &stage
            && Stage::from_code(s).is_none()
        {
            errs.push(ValidationError::new("stage", format!("one of: {}", join(Stage::ALL.iter().map(|s| s.code())))));
        }
        let age_group = opt(&filter.age_group);
        if let Some(a) = &age_group
            && AgeGroup::from_code(a).is_none()
        {
            errs.push(ValidationError::new("age_group", "child, adult or unknown"));
        }
        let form = opt(&filter.exploitation_form);
        if let Some(f) = &form
            && ExploitationForm::from_code(f).is_none()
        {
            errs.push(ValidationError::new("exploitation_form", "labour or sexual"));
        }
        let deadline_by = match filter.deadline.trim() {
            "" => None,
            "overdue" => today.previous_day(),
            "week" => Some(today + time::Duration::days(7)),
            _ => {
                errs.push(ValidationError::new("deadline", "overdue or week, or empty"));
                None
            }
        };
        let organisation = match opt(&filter.organisation) {
            None => None,
            Some(o) => match OrgId::parse(&o) {
                Some(o) => Some(o.0),
                None => {
                    errs.push(ValidationError::new("organisation", "an organisation from the list"));
                    None
                }
            },
        };
        let case_worker = match filter.case_worker.trim() {
            "" => None,
            "me" => Some(actor.user_id.0),
            other => match UserId::parse(other) {
                Some(u) => Some(u.0),
                None => {
                    errs.push(ValidationError::new("case_worker", "me, or a user id"));
                    None
                }
            },
        };
        let kind = opt(&filter.kind);
        if let Some(k) = &kind
            && k != "referral"
            && k != "anonymous_notification"
        {
            errs.push(ValidationError::new("kind", "referral or anonymous_notification"));
        }
        let by_deadline = deadline_by.is_some();
        let (after, counted) = match filter.after.trim() {
            "" => (None, None),
            c => match parse_cursor(c, by_deadline) {
                Some((cur, counted)) => (Some(cur), counted),
                None => {
                    errs.push(ValidationError::new("after", "the cursor of a next-page link, or empty for the first page"));
                    (None, None)
                }
            },
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let per_page = 50;
        let f = CaseFilter {
            kind,
            stage,
            region: opt(&filter.region),
            age_group,
            exploitation_form: form,
            deadline_by,
            organisation,
            case_worker,
            after,
        };
        // A next-page cursor carries the total counted for the first page, so paging on does
        // not count the whole list again (a count reads up to a thousand rows per relation).
        let (mut rows, total) = self.store.list_cases(&Self::scope(actor, &region), &f, per_page + 1, counted.is_none()).await?;
        let total = total.or(counted).unwrap_or(0);
        let next = if rows.len() > per_page as usize {
            rows.truncate(per_page as usize);
            rows.last().map(|c| cursor_of(c, by_deadline, total))
        } else {
            None
        };
        let mut ev = self.event(Some(actor), meta, "case.list", None, AuditOutcome::Ok);
        // The audit log states only what was counted here, never a total a cursor brought along.
        ev.purpose = Some(match counted {
            None => format!("{} of {total}", rows.len()),
            Some(_) => format!("{} on a next page", rows.len()),
        });
        self.audit_read(ev).await?;
        let more = total > palermo_store::CASE_COUNT_CAP;
        let total = total.min(palermo_store::CASE_COUNT_CAP);
        Ok(CaseList { rows: rows.iter().map(|c| self.row(&rules, c)).collect(), total, more, per_page, next })
    }

    /// Due and overdue cases for this user's dashboard, per competent authority and case worker.
    pub async fn deadline_summary(&self, caller: &Caller) -> Result<DeadlineSummary> {
        let actor = Self::user_of(caller)?;
        let region = self.org_region(actor).await?;
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let f = CaseFilter { deadline_by: Some(today + time::Duration::days(7)), ..Default::default() };
        let (rows, _) = self.store.list_cases(&Self::scope(actor, &region), &f, 1000, false).await?;
        let mut out = DeadlineSummary::default();
        let mut per_auth: std::collections::BTreeMap<Option<OrgId>, (i64, i64)> = Default::default();
        let mut per_worker: std::collections::BTreeMap<Option<UserId>, (i64, i64)> = Default::default();
        for c in &rows {
            let Some(d) = c.deadline_on else { continue };
            let overdue = d < today;
            let slot = per_auth.entry(c.authority_org_id).or_default();
            let wslot = per_worker.entry(c.case_worker_id).or_default();
            if overdue {
                out.overdue += 1;
                slot.0 += 1;
                wslot.0 += 1;
            } else {
                out.due_soon += 1;
                slot.1 += 1;
                wslot.1 += 1;
            }
        }
        let orgs = self.org_names().await?;
        for (o, (a, b)) in per_auth {
            let name = o.and_then(|o| orgs.get(&o).cloned()).unwrap_or_else(|| "—".into());
            out.per_authority.push((name, a, b));
        }
        for (u, (a, b)) in per_worker {
            let name = match u {
                Some(u) => self.store.get_user(u).await?.map(|r| r.display_name).unwrap_or_default(),
                None => "(not assigned)".into(),
            };
            out.per_case_worker.push((name, a, b));
        }
        let week_ago = self.now() - time::Duration::days(7);
        for g in self.store.break_glass_recent(200).await? {
            if g.granted_at < week_ago {
                break;
            }
            if let Some(c) = self.store.get_case(g.case_id).await?
                && c.owner_org_id == actor.org_id
            {
                out.break_glass_alerts += 1;
            }
        }
        Ok(out)
    }

    /// The competent authorities a referral may go to (organisations of government type).
    /// The organisations with an active competent-authority user.
    pub async fn competent_authorities(&self) -> Result<Vec<(OrgId, String)>> {
        let users = self.store.list_users(None).await?;
        let with: BTreeSet<OrgId> = users
            .iter()
            .filter(|u| !u.disabled && u.roles.split(',').any(|r| r == "competent_authority"))
            .map(|u| u.organisation_id)
            .collect();
        Ok(self.store.list_organisations().await?.into_iter().filter(|o| with.contains(&o.id)).map(|o| (o.id, o.name)).collect())
    }
}

/// The case list's query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CaseListQuery {
    pub kind: String,
    pub stage: String,
    pub region: String,
    pub age_group: String,
    pub exploitation_form: String,
    /// `overdue`, `week` or empty.
    pub deadline: String,
    pub organisation: String,
    /// `me` or a user id.
    pub case_worker: String,
    /// The cursor from the previous page's `next`.
    pub after: String,
}

/// `u<unix microseconds>.<uuid>` (list by last change) or `d<YYYY-MM-DD>.<uuid>` (by deadline).
/// The next-page cursor after `c`: its place in the list order, then `~` and the list's total
/// as counted for the first page (capped).
fn cursor_of(c: &CaseRecord, by_deadline: bool, total: i64) -> String {
    match (by_deadline, c.deadline_on) {
        (true, Some(d)) => format!("d{}.{}~{total}", fmt_date(d), c.id),
        _ => format!("u{}.{}~{total}", c.updated_at.unix_timestamp_nanos() / 1000, c.id),
    }
}

/// A cursor's place in the list and the total it carries (`None`: count again). The total
/// only says how long the list is; a changed one changes nothing the caller may not see.
fn parse_cursor(s: &str, by_deadline: bool) -> Option<(palermo_store::CaseCursor, Option<i64>)> {
    let (s, total) = match s.split_once('~') {
        Some((place, n)) => (place, Some(n.parse::<i64>().ok().filter(|n| (0..=palermo_store::CASE_COUNT_CAP + 1).contains(n))?)),
        None => (s, None),
    };
    let (key, id) = s.get(1..)?.split_once('.')?;
    let id = Uuid::parse_str(id).ok()?;
    let place = match (s.chars().next()?, by_deadline) {
        ('u', false) => {
            let micros: i128 = key.parse().ok()?;
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
            palermo_store::CaseCursor::Updated(t, id)
        }
        ('d', true) => palermo_store::CaseCursor::Deadline(Date::parse(key, date_format()).ok()?, id),
        _ => return None,
    };
    Some((place, total))
}

/// The latest referral consent on record for `recipient` (records are in the order written).
pub(crate) fn referral_consent(consents: &[ConsentRecord], recipient: OrgId) -> Option<ConsentState> {
    consents.iter().rev().find(|k| k.purpose == ConsentPurpose::Referral.code() && k.recipient_org_id == Some(recipient)).map(|k| {
        match ConsentStatus::parse(&k.status) {
            Ok(ConsentStatus::Given) => ConsentState::Given,
            Ok(ConsentStatus::Refused) => ConsentState::Refused,
            _ => ConsentState::Withdrawn,
        }
    })
}
