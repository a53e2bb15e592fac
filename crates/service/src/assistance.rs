//! Residence status and children's protection records on a case (issue 4, parts 4 and 5).
//! Rules in `palermo_domain::assistance`; recorded by the case team, audited, on the timeline.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::access::CaseOp;
use palermo_domain::assistance::{self, AgeAssessmentMethod, ChildRecordKind, FamilyTracingStatus, PermitKind, PermitStatus};
use palermo_domain::deadline::Rules;
use palermo_domain::ids::OrgId;
use palermo_store::{ChildRecord, PermitRecord};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// `POST /cases/{id}/residence`, as typed (dates `YYYY-MM-DD`, empty when unknown).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PermitInput {
    pub kind: String,
    pub status: String,
    pub applied_on: String,
    pub valid_from: String,
    pub valid_until: String,
    pub authority: String,
    /// `reasonable_grounds` or `conclusive_grounds` when the permit follows from that decision.
    pub linked_decision: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PermitView {
    pub kind: String,
    pub status: String,
    pub applied_on: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub authority: String,
    pub linked_decision: Option<String>,
    /// Granted and ending within the jurisdiction's alert window (or already ended).
    pub expiry_alert: bool,
}

/// `POST /cases/{id}/child-protection`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChildRecordInput {
    pub kind: String,
    pub on_date: String,
    /// Guardian appointment: the guardian's organisation (id).
    pub guardian_organisation: String,
    /// Age assessment: method, estimated age in years, whether the person disputes it.
    pub method: String,
    pub estimated_age: String,
    pub disputed: bool,
    /// Family tracing: where it stands.
    pub tracing_status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildRecordView {
    pub kind: String,
    pub on_date: String,
    pub organisation: String,
    pub detail: serde_json::Value,
}

/// A permit flagged for renewal, for the home page.
#[derive(Debug, Clone, Serialize)]
pub struct PermitAlert {
    pub case_id: Uuid,
    pub case_reference: String,
    pub kind: String,
    pub valid_until: String,
    /// Negative once ended.
    pub days_left: i64,
}

pub(crate) fn date(field: &'static str, s: &str, required: bool, errs: &mut Vec<ValidationError>) -> Option<Date> {
    if s.trim().is_empty() {
        if required {
            errs.push(ValidationError::new(field, "a date as YYYY-MM-DD"));
        }
        return None;
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| errs.push(ValidationError::new(field, "a date as YYYY-MM-DD"))).ok()
}

pub(crate) fn child_record_view(r: &ChildRecord, orgs: &std::collections::HashMap<OrgId, String>) -> ChildRecordView {
    let mut detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null);
    if let Some(g) = detail.get("guardian_organisation").and_then(|g| g.as_str()).and_then(|g| Uuid::parse_str(g).ok()) {
        detail["guardian_organisation_name"] = serde_json::Value::String(orgs.get(&OrgId(g)).cloned().unwrap_or_default());
    }
    ChildRecordView {
        kind: r.kind.clone(),
        on_date: r.on_date.to_string(),
        organisation: orgs.get(&r.organisation_id).cloned().unwrap_or_default(),
        detail,
    }
}

impl Palermo {
    pub(crate) fn permit_view(&self, p: &PermitRecord, rules: &Rules) -> PermitView {
        let today = rules.local_date(self.now());
        let days = self.jurisdiction().settings.permit_expiry_alert_days;
        let status = PermitStatus::parse(&p.status).unwrap_or(PermitStatus::Applied);
        PermitView {
            kind: p.kind.clone(),
            status: p.status.clone(),
            applied_on: p.applied_on.map(|d| d.to_string()),
            valid_from: p.valid_from.map(|d| d.to_string()),
            valid_until: p.valid_until.map(|d| d.to_string()),
            authority: p.authority.clone(),
            linked_decision: p.linked_decision.clone(),
            expiry_alert: assistance::expiry_alert(status, p.valid_until, today, days),
        }
    }

    /// Record a residence status on a case (the case team).
    pub async fn record_permit(&self, caller: &Caller, case_id: &str, input: &PermitInput, meta: &RequestMeta) -> Result<PermitView> {
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let kind = PermitKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let status = PermitStatus::parse(&input.status).map_err(|e| errs.push(e)).ok();
        let applied_on = date("applied_on", &input.applied_on, false, &mut errs);
        let valid_from = date("valid_from", &input.valid_from, false, &mut errs);
        let valid_until = date("valid_until", &input.valid_until, status == Some(PermitStatus::Granted), &mut errs);
        if let Err(e) = assistance::check_permit_dates(valid_from, valid_until) {
            errs.push(e);
        }
        let authority = input.authority.trim();
        if authority.is_empty() || authority.chars().count() > 200 {
            errs.push(ValidationError::new("authority", "the issuing authority, 1 to 200 characters"));
        }
        let linked = match input.linked_decision.trim() {
            "" => None,
            d @ ("reasonable_grounds" | "conclusive_grounds") => Some(d.to_owned()),
            _ => {
                errs.push(ValidationError::new("linked_decision", "reasonable_grounds, conclusive_grounds, or empty"));
                None
            }
        };
        let (Some(kind), Some(status), true) = (kind, status, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let (_, id) = self.new_ids()?;
        let p = PermitRecord {
            id: id.0,
            case_id: c.id,
            kind: kind.code().into(),
            status: status.code().into(),
            applied_on,
            valid_from,
            valid_until,
            authority: authority.into(),
            linked_decision: linked,
            recorded_by: actor.user_id,
            organisation_id: actor.org_id,
            recorded_at: self.now(),
        };
        let event = self.case_event(
            actor,
            c.id,
            "residence_recorded",
            None,
            valid_until,
            serde_json::json!({"kind": p.kind, "status": p.status, "valid_until": p.valid_until.map(|d| d.to_string()), "linked_decision": p.linked_decision}),
        )?;
        let ev = self.case_audit(actor, meta, "residence.record", c.id);
        self.store.insert_permit(&p, &event, &[ev]).await?;
        Ok(self.permit_view(&p, &self.rules()))
    }

    /// Record a child's protection step (the case team; children's cases only).
    pub async fn record_child_protection(
        &self,
        caller: &Caller,
        case_id: &str,
        input: &ChildRecordInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        if c.age_group != "child" {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "kind",
                "a child's case (this person was identified as an adult)",
            )]));
        }
        let mut errs = Vec::new();
        let kind = ChildRecordKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let on = date("on_date", &input.on_date, true, &mut errs);
        let today = self.rules().local_date(self.now());
        if on.is_some_and(|d| d > today) {
            errs.push(ValidationError::new("on_date", format!("a date not after today ({today})")));
        }
        let mut detail = serde_json::Map::new();
        match kind {
            Some(ChildRecordKind::GuardianAppointment) => {
                let org = Uuid::parse_str(input.guardian_organisation.trim()).ok().map(OrgId);
                match org {
                    Some(o) if self.org_cached(o).await?.is_some() => {
                        detail.insert("guardian_organisation".into(), o.to_string().into());
                    }
                    _ => errs.push(ValidationError::new("guardian_organisation", "the organisation the guardian belongs to")),
                }
            }
            Some(ChildRecordKind::AgeAssessment) => {
                match AgeAssessmentMethod::parse(&input.method) {
                    Ok(m) => {
                        detail.insert("method".into(), m.code().into());
                    }
                    Err(e) => errs.push(e),
                }
                match input.estimated_age.trim().parse::<u8>() {
                    Ok(a) if a <= 30 => {
                        detail.insert("estimated_age".into(), a.into());
                    }
                    _ => errs.push(ValidationError::new("estimated_age", "the estimated age in whole years (0 to 30)")),
                }
                detail.insert("disputed".into(), input.disputed.into());
            }
            Some(ChildRecordKind::FamilyTracing) => match FamilyTracingStatus::parse(&input.tracing_status) {
                Ok(t) => {
                    detail.insert("tracing_status".into(), t.code().into());
                }
                Err(e) => errs.push(e),
            },
            _ => {}
        }
        let (Some(kind), Some(on), true) = (kind, on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let detail = serde_json::Value::Object(detail);
        let (_, id) = self.new_ids()?;
        let r = ChildRecord {
            id: id.0,
            case_id: c.id,
            kind: kind.code().into(),
            on_date: on,
            organisation_id: actor.org_id,
            detail: detail.to_string(),
            recorded_by: actor.user_id,
            recorded_at: self.now(),
        };
        let event = self.case_event(actor, c.id, &format!("child_{}", kind.code()), None, Some(on), detail)?;
        let ev = self.case_audit(actor, meta, "child_protection.record", c.id);
        self.store.insert_child_record(&r, &event, &[ev]).await?;
        Ok(())
    }

    /// Granted permits on the caller's cases (owned by their organisation, before it as the
    /// competent authority, or assigned to them) ending within the alert window.
    pub async fn permit_alerts(&self, caller: &Caller) -> Result<Vec<PermitAlert>> {
        let actor = Self::user_of(caller)?;
        let today = self.rules().local_date(self.now());
        let days = self.jurisdiction().settings.permit_expiry_alert_days;
        let until = today + time::Duration::days(i64::from(days));
        let rows = self.store.permits_expiring(actor.org_id, actor.user_id, until).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(p, reference)| {
                let u = p.valid_until?;
                Some(PermitAlert {
                    case_id: p.case_id,
                    case_reference: reference,
                    kind: p.kind,
                    valid_until: u.to_string(),
                    days_left: (u - today).whole_days(),
                })
            })
            .collect())
    }
}

/// `POST /cases/{id}/compensation`: amounts as typed ("1500.50"), in `currency`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimInput {
    pub kind: String,
    pub status: String,
    pub currency: String,
    pub claimed: String,
    pub awarded: String,
    pub paid: String,
    pub filed_on: String,
    pub decided_on: String,
    pub paid_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    pub kind: String,
    pub status: String,
    pub currency: String,
    pub claimed_minor: i64,
    pub awarded_minor: Option<i64>,
    pub paid_minor: Option<i64>,
    /// For people: `1500.50 EUR`.
    pub claimed: String,
    pub awarded: Option<String>,
    pub paid: Option<String>,
    pub filed_on: Option<String>,
    pub decided_on: Option<String>,
    pub paid_on: Option<String>,
}

pub(crate) fn claim_view(c: &palermo_store::ClaimRecord) -> ClaimView {
    use palermo_domain::assistance::Money;
    ClaimView {
        kind: c.kind.clone(),
        status: c.status.clone(),
        currency: c.currency.clone(),
        claimed_minor: c.claimed_minor,
        awarded_minor: c.awarded_minor,
        paid_minor: c.paid_minor,
        claimed: Money::display(c.claimed_minor, &c.currency),
        awarded: c.awarded_minor.map(|m| Money::display(m, &c.currency)),
        paid: c.paid_minor.map(|m| Money::display(m, &c.currency)),
        filed_on: c.filed_on.map(|d| d.to_string()),
        decided_on: c.decided_on.map(|d| d.to_string()),
        paid_on: c.paid_on.map(|d| d.to_string()),
    }
}

/// `POST /cases/{id}/risk`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskInput {
    pub assessed_on: String,
    pub level: String,
    pub risk_to: Vec<String>,
    pub safety_measures: Vec<String>,
    pub review_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskView {
    pub assessed_on: String,
    pub level: String,
    pub risk_to: Vec<String>,
    pub safety_measures: Vec<String>,
    pub review_on: String,
    /// The review date has come.
    pub review_due: bool,
}

/// The latest assessment (by date) is high.
pub(crate) fn high_risk(risks: &[palermo_store::RiskRecord]) -> bool {
    risks
        .iter()
        .max_by_key(|r| (r.assessed_on, r.recorded_at))
        .is_some_and(|r| r.level == palermo_domain::assistance::RiskLevel::High.code())
}

fn list(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

impl Palermo {
    pub(crate) fn risk_view(&self, r: &palermo_store::RiskRecord, rules: &Rules) -> RiskView {
        RiskView {
            assessed_on: r.assessed_on.to_string(),
            level: r.level.clone(),
            risk_to: list(&r.risk_to),
            safety_measures: list(&r.safety_measures),
            review_on: r.review_on.to_string(),
            review_due: r.review_on <= rules.local_date(self.now()),
        }
    }

    /// Record a compensation or restitution claim (the case team). Money in minor units.
    pub async fn record_claim(&self, caller: &Caller, case_id: &str, input: &ClaimInput, meta: &RequestMeta) -> Result<ClaimView> {
        use palermo_domain::assistance::{ClaimKind, ClaimStatus, Money};
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let kind = ClaimKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let status = ClaimStatus::parse(&input.status).map_err(|e| errs.push(e)).ok();
        let money = |field: &'static str, s: &str, errs: &mut Vec<ValidationError>| -> Option<Money> {
            if s.trim().is_empty() {
                return None;
            }
            Money::parse(field, s, &input.currency).map_err(|e| errs.push(e)).ok()
        };
        let claimed = money("claimed", &input.claimed, &mut errs);
        if input.claimed.trim().is_empty() {
            errs.push(ValidationError::new("claimed", "the amount claimed"));
        }
        let awarded = money("awarded", &input.awarded, &mut errs);
        let paid = money("paid", &input.paid, &mut errs);
        if let (Some(a), Some(p)) = (awarded, paid)
            && p.minor > a.minor
        {
            errs.push(ValidationError::new("paid", "at most the amount awarded"));
        }
        let filed_on = date("filed_on", &input.filed_on, false, &mut errs);
        let decided_on = date("decided_on", &input.decided_on, false, &mut errs);
        let paid_on = date("paid_on", &input.paid_on, false, &mut errs);
        errs.dedup_by(|a, b| a.field == b.field);
        let (Some(kind), Some(status), Some(claimed), true) = (kind, status, claimed, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let (_, id) = self.new_ids()?;
        let rec = palermo_store::ClaimRecord {
            id: id.0,
            case_id: c.id,
            kind: kind.code().into(),
            status: status.code().into(),
            currency: claimed.currency().to_owned(),
            claimed_minor: claimed.minor,
            awarded_minor: awarded.map(|m| m.minor),
            paid_minor: paid.map(|m| m.minor),
            filed_on,
            decided_on,
            paid_on,
            recorded_by: actor.user_id,
            organisation_id: actor.org_id,
            recorded_at: self.now(),
        };
        let event = self.case_event(
            actor,
            c.id,
            "compensation_recorded",
            None,
            decided_on.or(filed_on),
            serde_json::json!({"kind": rec.kind, "status": rec.status}),
        )?;
        let ev = self.case_audit(actor, meta, "compensation.record", c.id);
        self.store.insert_claim(&rec, &event, &[ev]).await?;
        Ok(claim_view(&rec))
    }

    /// Record a risk assessment and its safety plan (the case team).
    pub async fn record_risk(&self, caller: &Caller, case_id: &str, input: &RiskInput, meta: &RequestMeta) -> Result<RiskView> {
        use palermo_domain::assistance::{RiskLevel, RiskTo, SafetyMeasure};
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let assessed_on = date("assessed_on", &input.assessed_on, true, &mut errs);
        let review_on = date("review_on", &input.review_on, true, &mut errs);
        if let (Some(a), Some(r)) = (assessed_on, review_on)
            && r <= a
        {
            errs.push(ValidationError::new("review_on", format!("a review date after the assessment ({a})")));
        }
        let level = RiskLevel::parse(&input.level).map_err(|e| errs.push(e)).ok();
        let to: Vec<&str> =
            input.risk_to.iter().filter_map(|x| RiskTo::parse(x).map_err(|e| errs.push(e)).ok()).map(|x| x.code()).collect();
        if to.is_empty() && input.risk_to.is_empty() {
            errs.push(ValidationError::new("risk_to", "whom the risk threatens: person, family, staff"));
        }
        let measures: Vec<&str> =
            input.safety_measures.iter().filter_map(|x| SafetyMeasure::parse(x).map_err(|e| errs.push(e)).ok()).map(|x| x.code()).collect();
        errs.dedup_by(|a, b| a.field == b.field);
        let (Some(assessed_on), Some(review_on), Some(level), true) = (assessed_on, review_on, level, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let (_, id) = self.new_ids()?;
        let rec = palermo_store::RiskRecord {
            id: id.0,
            case_id: c.id,
            assessed_on,
            level: level.code().into(),
            risk_to: to.join(","),
            safety_measures: measures.join(","),
            review_on,
            recorded_by: actor.user_id,
            organisation_id: actor.org_id,
            recorded_at: self.now(),
        };
        let event = self.case_event(actor, c.id, "risk_assessed", None, Some(assessed_on), serde_json::json!({"level": rec.level}))?;
        let ev = self.case_audit(actor, meta, "risk.record", c.id);
        self.store.insert_risk(&rec, &event, &[ev]).await?;
        Ok(self.risk_view(&rec, &self.rules()))
    }
}

/// `POST /cases/{id}/follow-ups`: plan follow-up contacts at a set interval.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowUpPlanInput {
    pub path: String,
    pub start_on: String,
    pub every_days: String,
    pub times: String,
}

/// `POST /cases/{id}/follow-ups/done`: record one contact.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowUpDoneInput {
    pub follow_up: String,
    pub done_on: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub path: String,
    pub due_on: String,
    pub done_on: Option<String>,
    pub outcome: Option<String>,
    pub overdue: bool,
}

/// A follow-up due on one of the user's cases (home page).
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpAlert {
    pub case_reference: String,
    pub follow_up: FollowUpView,
}

pub(crate) fn follow_up_view(f: &palermo_store::FollowUpRecord, today: Date) -> FollowUpView {
    FollowUpView {
        id: f.id,
        case_id: f.case_id,
        path: f.path.clone(),
        due_on: f.due_on.to_string(),
        done_on: f.done_on.map(|d| d.to_string()),
        outcome: f.outcome.clone(),
        overdue: f.done_on.is_none() && f.due_on < today,
    }
}

impl Palermo {
    /// Plan reintegration follow-ups: `times` contacts every `every_days` from `start_on`.
    pub async fn plan_follow_ups(
        &self,
        caller: &Caller,
        case_id: &str,
        input: &FollowUpPlanInput,
        meta: &RequestMeta,
    ) -> Result<Vec<FollowUpView>> {
        use palermo_domain::assistance::ReintegrationPath;
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let path = ReintegrationPath::parse(&input.path).map_err(|e| errs.push(e)).ok();
        let start = date("start_on", &input.start_on, true, &mut errs);
        let every = input
            .every_days
            .trim()
            .parse::<u32>()
            .map_err(|_| errs.push(ValidationError::new("every_days", "an interval of 7 to 365 days")))
            .ok();
        let times = input.times.trim().parse::<u32>().map_err(|_| errs.push(ValidationError::new("times", "1 to 24 contacts"))).ok();
        let schedule = match (start, every, times) {
            (Some(s), Some(e), Some(t)) => assistance::follow_up_schedule(s, e, t).map_err(|e| errs.push(e)).ok(),
            _ => None,
        };
        let (Some(path), Some(schedule), true) = (path, schedule, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let now = self.now();
        let mut rows = Vec::new();
        for due in &schedule {
            let (_, id) = self.new_ids()?;
            rows.push(palermo_store::FollowUpRecord {
                id: id.0,
                case_id: c.id,
                path: path.code().into(),
                due_on: *due,
                done_on: None,
                outcome: None,
                organisation_id: actor.org_id,
                planned_by: actor.user_id,
                created_at: now,
                version: 1,
            });
        }
        let event = self.case_event(
            actor,
            c.id,
            "reintegration_planned",
            None,
            start,
            serde_json::json!({"path": path.code(), "contacts": rows.len()}),
        )?;
        let ev = self.case_audit(actor, meta, "follow_up.plan", c.id);
        self.store.insert_follow_ups(&rows, &event, &[ev]).await?;
        let today = self.rules().local_date(now);
        Ok(rows.iter().map(|f| follow_up_view(f, today)).collect())
    }

    /// Record a follow-up contact as made, with its outcome.
    pub async fn record_follow_up(&self, caller: &Caller, case_id: &str, input: &FollowUpDoneInput, meta: &RequestMeta) -> Result<()> {
        use palermo_domain::assistance::FollowUpOutcome;
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let target = Uuid::parse_str(input.follow_up.trim()).ok();
        let mut f = match target {
            Some(t) => self.store.follow_ups_of(c.id).await?.into_iter().find(|f| f.id == t),
            None => None,
        };
        if f.as_ref().is_none_or(|f| f.done_on.is_some()) {
            errs.push(ValidationError::new("follow_up", "a planned follow-up of this case that is not yet recorded"));
            f = None;
        }
        let done = date("done_on", &input.done_on, true, &mut errs);
        let today = self.rules().local_date(self.now());
        if done.is_some_and(|d| d > today) {
            errs.push(ValidationError::new("done_on", format!("a date not after today ({today})")));
        }
        let outcome = FollowUpOutcome::parse(&input.outcome).map_err(|e| errs.push(e)).ok();
        let (Some(mut f), Some(done), Some(outcome), true) = (f, done, outcome, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        f.done_on = Some(done);
        f.outcome = Some(outcome.code().into());
        let event = self.case_event(actor, c.id, "follow_up_done", None, Some(done), serde_json::json!({"outcome": outcome.code()}))?;
        let ev = self.case_audit(actor, meta, "follow_up.record", c.id);
        self.store.complete_follow_up(&f, &event, &[ev]).await?;
        Ok(())
    }

    /// Follow-ups due today or overdue on the caller's cases.
    pub async fn follow_up_alerts(&self, caller: &Caller) -> Result<Vec<FollowUpAlert>> {
        let actor = Self::user_of(caller)?;
        let today = self.rules().local_date(self.now());
        let rows = self.store.follow_ups_due(actor.org_id, actor.user_id, today).await?;
        Ok(rows.into_iter().map(|(f, r)| FollowUpAlert { case_reference: r, follow_up: follow_up_view(&f, today) }).collect())
    }
}

/// One action of a support plan, as typed: what, who (username), by when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanTaskInput {
    pub action: String,
    pub owner: String,
    pub due_on: String,
}

/// `POST /cases/{id}/support-plans`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupportPlanInput {
    pub plan_type: String,
    /// Free text, sealed in the vault.
    pub objectives: String,
    pub tasks: Vec<PlanTaskInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub id: Uuid,
    pub action: String,
    pub owner: String,
    pub due_on: String,
    pub done_on: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupportPlanView {
    pub id: Uuid,
    pub plan_type: String,
    pub status: String,
    pub objectives: String,
    pub approved_by: Option<String>,
    pub tasks: Vec<TaskView>,
}

/// A task of the caller's that is past its due date (home page).
#[derive(Debug, Clone, Serialize)]
pub struct TaskAlert {
    pub case_id: Uuid,
    pub case_reference: String,
    pub action: String,
    pub due_on: String,
}

impl Palermo {
    async fn user_names(
        &self,
        ids: Vec<palermo_domain::ids::UserId>,
    ) -> Result<std::collections::HashMap<palermo_domain::ids::UserId, String>> {
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(e) = out.entry(id)
                && let Some(u) = self.store.get_user(id).await?
            {
                e.insert(u.display_name);
            }
        }
        Ok(out)
    }

    /// The case's support plans with their objectives opened (the case view has audited the read).
    pub(crate) async fn support_plan_views(
        &self,
        plans: &[palermo_store::SupportPlanRecord],
        tasks: &[palermo_store::PlanTaskRecord],
        sealed: &[palermo_store::VaultEntry],
        today: Date,
    ) -> Result<Vec<SupportPlanView>> {
        if plans.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<palermo_domain::ids::UserId> = tasks.iter().map(|t| t.owner_id).collect();
        ids.extend(plans.iter().filter_map(|p| p.approved_by));
        let names = self.user_names(ids).await?;
        let mut objectives = std::collections::HashMap::new();
        for v in sealed.iter().filter(|v| v.record_type == "support_plan") {
            let aad = format!("support_plan:{}:{}", v.field, v.record_id);
            objectives.insert(v.record_id, String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned());
        }
        Ok(plans
            .iter()
            .map(|p| SupportPlanView {
                id: p.id,
                plan_type: p.plan_type.clone(),
                status: p.status.clone(),
                objectives: objectives.remove(&p.id).unwrap_or_default(),
                approved_by: p.approved_by.and_then(|u| names.get(&u).cloned()),
                tasks: tasks
                    .iter()
                    .filter(|t| t.plan_id == p.id)
                    .map(|t| TaskView {
                        id: t.id,
                        action: t.action.clone(),
                        owner: names.get(&t.owner_id).cloned().unwrap_or_default(),
                        due_on: t.due_on.to_string(),
                        done_on: t.done_on.map(|d| d.to_string()),
                        overdue: t.done_on.is_none() && t.due_on < today,
                    })
                    .collect(),
            })
            .collect())
    }

    /// Write a support plan with its actions (the case team). Where the jurisdiction requires it
    /// the plan waits for a supervisor's approval (another case worker or coordinator of the
    /// same organisation).
    pub async fn create_support_plan(&self, caller: &Caller, case_id: &str, input: &SupportPlanInput, meta: &RequestMeta) -> Result<Uuid> {
        use palermo_domain::assistance::{SupportPlanStatus, SupportPlanType};
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let mut errs = Vec::new();
        let plan_type = SupportPlanType::parse(&input.plan_type).map_err(|e| errs.push(e)).ok();
        let objectives = input.objectives.trim();
        if objectives.is_empty() || objectives.chars().count() > 2000 {
            errs.push(ValidationError::new("objectives", "the plan's objectives, 1 to 2000 characters"));
        }
        let tasks_in: Vec<&PlanTaskInput> = input
            .tasks
            .iter()
            .filter(|t| !(t.action.trim().is_empty() && t.owner.trim().is_empty() && t.due_on.trim().is_empty()))
            .collect();
        if tasks_in.is_empty() || tasks_in.len() > 20 {
            errs.push(ValidationError::new("tasks", "1 to 20 actions, each with an owner and a due date"));
        }
        let now = self.now();
        let (_, plan_id) = self.new_ids()?;
        let mut tasks = Vec::new();
        for t in &tasks_in {
            let action = t.action.trim();
            if action.is_empty() || action.chars().count() > 200 {
                errs.push(ValidationError::new(
                    "action",
                    "what is to be done, 1 to 200 characters (no names or health details: those belong in the objectives)",
                ));
            }
            let owner = self
                .store
                .user_by_username(&t.owner.trim().to_lowercase())
                .await?
                .filter(|u| !u.disabled && (u.organisation_id == actor.org_id || Some(u.id) == c.case_worker_id));
            if owner.is_none() {
                errs.push(ValidationError::new(
                    "owner",
                    "the username of an active user of your organisation, or of the case's case worker",
                ));
            }
            let due = date("due_on", &t.due_on, true, &mut errs);
            if let (Some(owner), Some(due)) = (owner, due) {
                let (_, id) = self.new_ids()?;
                tasks.push(palermo_store::PlanTaskRecord {
                    id: id.0,
                    plan_id: plan_id.0,
                    case_id: c.id,
                    action: action.chars().take(200).collect(),
                    owner_id: owner.id,
                    due_on: due,
                    done_on: None,
                    created_at: now,
                });
            }
        }
        errs.dedup_by(|a, b| a.field == b.field);
        let (Some(plan_type), true) = (plan_type, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let approval = self.jurisdiction().settings.support_plan_approval;
        let plan = palermo_store::SupportPlanRecord {
            id: plan_id.0,
            case_id: c.id,
            plan_type: plan_type.code().into(),
            status: if approval { SupportPlanStatus::AwaitingApproval } else { SupportPlanStatus::Active }.code().into(),
            organisation_id: actor.org_id,
            created_by: actor.user_id,
            approved_by: None,
            approved_at: None,
            created_at: now,
            version: 1,
        };
        let sealed = self.seal_field("support_plan", plan.id, "objectives", objectives, false)?;
        let event = self.case_event(
            actor,
            c.id,
            "support_plan_written",
            None,
            None,
            serde_json::json!({"plan_type": plan.plan_type, "status": plan.status, "actions": tasks.len()}),
        )?;
        let ev = self.case_audit(actor, meta, "support_plan.create", c.id);
        self.store.insert_support_plan(&plan, &tasks, &[sealed], &event, &[ev]).await?;
        Ok(plan.id)
    }

    /// Approve a plan awaiting approval (four eyes: `domain::assistance::may_approve`).
    pub async fn approve_support_plan(&self, caller: &Caller, case_id: &str, plan_id: &str, meta: &RequestMeta) -> Result<()> {
        use palermo_domain::assistance::SupportPlanStatus;
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let (plans, _) = self.store.support_plans_of(c.id).await?;
        let target = Uuid::parse_str(plan_id.trim()).ok();
        let Some(mut plan) = plans.into_iter().find(|p| Some(p.id) == target && p.status == SupportPlanStatus::AwaitingApproval.code())
        else {
            return Err(ServiceError::Invalid(vec![ValidationError::new("plan", "a plan of this case that awaits approval")]));
        };
        assistance::may_approve(plan.created_by, plan.organisation_id, actor).map_err(|e| ServiceError::Invalid(vec![e]))?;
        plan.status = SupportPlanStatus::Active.code().into();
        plan.approved_by = Some(actor.user_id);
        plan.approved_at = Some(self.now());
        let event = self.case_event(actor, c.id, "support_plan_approved", None, None, serde_json::json!({"plan": plan.id.to_string()}))?;
        let ev = self.case_audit(actor, meta, "support_plan.approve", c.id);
        self.store.approve_support_plan(&plan, &event, &[ev]).await?;
        Ok(())
    }

    /// Record a plan's action as done (its owner, or the case team).
    pub async fn complete_task(&self, caller: &Caller, case_id: &str, task_id: &str, done_on: &str, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        let (c, _, _, _) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        let (_, tasks) = self.store.support_plans_of(c.id).await?;
        let target = Uuid::parse_str(task_id.trim()).ok();
        let mut errs = Vec::new();
        let task = tasks.into_iter().find(|t| Some(t.id) == target && t.done_on.is_none());
        if task.is_none() {
            errs.push(ValidationError::new("task", "an open action of this case's support plans"));
        }
        let done = date("done_on", done_on, true, &mut errs);
        let today = self.rules().local_date(self.now());
        if done.is_some_and(|d| d > today) {
            errs.push(ValidationError::new("done_on", format!("a date not after today ({today})")));
        }
        let (Some(mut task), Some(done), true) = (task, done, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        task.done_on = Some(done);
        let event =
            self.case_event(actor, c.id, "support_task_done", None, Some(done), serde_json::json!({"task": task.id.to_string()}))?;
        let ev = self.case_audit(actor, meta, "support_plan.task_done", c.id);
        self.store.complete_task(&task, &event, &[ev]).await?;
        Ok(())
    }

    /// The caller's own actions past their due date.
    pub async fn task_alerts(&self, caller: &Caller) -> Result<Vec<TaskAlert>> {
        let actor = Self::user_of(caller)?;
        let today = self.rules().local_date(self.now());
        let rows = self.store.tasks_overdue(actor.user_id, today).await?;
        Ok(rows
            .into_iter()
            .map(|(t, r)| TaskAlert { case_id: t.case_id, case_reference: r, action: t.action, due_on: t.due_on.to_string() })
            .collect())
    }
}
