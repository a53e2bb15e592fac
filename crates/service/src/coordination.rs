//! Coordination and assistance (issue 4): the service directory, referrals between
//! organisations with their consent basis, services delivered, and each organisation's
//! dashboard. Rules are in `palermo_domain::coordination`; every use case here authorises and
//! audits.

use crate::admin::Caller;
use crate::cases::referral_consent;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::access::CaseOp;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::coordination::{
    self, AgeEligibility, BasisMissing, ConsentState, ReferralBasis, ReferralCommand, ReferralStatus, ServiceKind, ServiceOutcome,
    SexEligibility,
};
use palermo_domain::ids::OrgId;
use palermo_domain::policy::{Actor, Denied};
use palermo_domain::role::Role;
use palermo_store::{OrgServiceRecord, ReferralRecord, ServiceDeliveredRecord};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// A service in the directory, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub id: Uuid,
    pub organisation_id: OrgId,
    pub organisation: String,
    pub kind: String,
    pub name: String,
    pub regions: Vec<String>,
    pub languages: Vec<String>,
    pub ages: String,
    pub sexes: String,
    pub capacity: Option<i64>,
    pub available: Option<i64>,
    pub active: bool,
    pub updated_at: String,
}

/// A new directory entry, as typed (lists comma-separated).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewService {
    pub kind: String,
    pub name: String,
    pub regions: String,
    pub languages: String,
    pub ages: String,
    pub sexes: String,
    pub capacity: String,
    pub available: String,
}

/// A directory search: "a shelter for a 16-year-old girl in the north with a Romanian
/// interpreter" is `kind=accommodation&age=16&sex=female&region=north&language=ro&free=true`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSearch {
    pub kind: String,
    pub region: String,
    pub language: String,
    /// The person's age in years (empty: any).
    pub age: String,
    /// `female` or `male` (empty: any).
    pub sex: String,
    /// Only services with a free place now.
    pub free: bool,
}

/// A referral, as shown on the case page and in an organisation's lists.
#[derive(Debug, Clone, Serialize)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub service: String,
    pub sender: String,
    pub recipient: String,
    pub recipient_org_id: OrgId,
    pub urgent: bool,
    pub basis: String,
    pub override_reason: Option<String>,
    pub status: String,
    pub decline_reason: Option<String>,
    pub sent_at: String,
    pub responded_at: Option<String>,
    /// Seconds from sent to accepted or declined.
    pub response_seconds: Option<i64>,
    /// Whether this urgent referral waited past the jurisdiction's target without an answer.
    pub overdue: bool,
    /// Whether the consent behind it was withdrawn (the recipient's access stopped).
    pub suspended: bool,
    /// What the caller may do with it now.
    pub commands: Vec<String>,
}

/// A service delivered, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDeliveredView {
    pub kind: String,
    pub organisation: String,
    pub delivered_on: String,
    pub outcome: String,
}

/// `POST /cases/{id}/referrals`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewReferral {
    pub service: String,
    pub urgent: bool,
    /// For an emergency without consent: the written reason (audited, shown to coordinators).
    pub emergency_reason: Option<String>,
}

/// `POST /referrals/{id}`: accept, decline (with a reason), complete, revoke.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralAction {
    pub command: String,
    pub reason: String,
}

/// `POST /cases/{id}/services`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewServiceDelivered {
    pub kind: String,
    pub delivered_on: String,
    pub outcome: String,
}

/// An organisation's coordination dashboard (exact counts, internal).
#[derive(Debug, Clone, Serialize)]
pub struct OrgDashboard {
    pub organisation: String,
    /// Live referrals received (sent or accepted).
    pub open_received: usize,
    /// Live referrals this organisation sent.
    pub open_sent: usize,
    /// Median seconds from sent to answered, over referrals received and answered.
    pub median_response_seconds: Option<i64>,
    /// Per service kind received: (kind, answered, median seconds).
    pub response_by_kind: Vec<(String, usize, Option<i64>)>,
    pub services_delivered_this_month: i64,
    /// Free places now over the organisation's counted services, and their capacity.
    pub free_places: i64,
    pub capacity: i64,
    /// Received referrals waiting for an answer, newest first.
    pub inbox: Vec<ReferralView>,
    /// Urgent referrals received and not answered within the target.
    pub overdue_urgent: usize,
    pub urgent_target_hours: i64,
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n']).map(|x| x.trim().to_lowercase()).filter(|x| !x.is_empty()).collect()
}

fn fmt_time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Service providers and case workers of an organisation keep its directory entries.
fn keeps_directory(actor: &Actor) -> bool {
    [Role::ServiceProvider, Role::CaseWorker, Role::Administrator].iter().any(|r| actor.roles.has(*r))
}

/// The roles that work referrals received by their organisation.
fn works_referrals(actor: &Actor) -> bool {
    actor.roles.has(Role::ServiceProvider) || actor.roles.has(Role::CaseWorker)
}

impl Palermo {
    fn service_view(&self, s: &OrgServiceRecord, orgs: &std::collections::HashMap<OrgId, String>) -> ServiceView {
        ServiceView {
            id: s.id,
            organisation_id: s.organisation_id,
            organisation: orgs.get(&s.organisation_id).cloned().unwrap_or_default(),
            kind: s.kind.clone(),
            name: s.name.clone(),
            regions: split_list(&s.regions),
            languages: split_list(&s.languages),
            ages: s.ages.clone(),
            sexes: s.sexes.clone(),
            capacity: s.capacity,
            available: s.available,
            active: s.active,
            updated_at: fmt_time(s.updated_at),
        }
    }

    /// Add a service to the caller's organisation's directory entry.
    pub async fn add_service(&self, caller: &Caller, input: &NewService, meta: &RequestMeta) -> Result<ServiceView> {
        let actor = Self::user_of(caller)?;
        if !keeps_directory(actor) {
            return Err(self.denied(actor, meta, "service.create", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let kind = ServiceKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errs.push(ValidationError::new("name", "a name of 1 to 200 characters"));
        }
        let regions = split_list(&input.regions);
        if regions.is_empty()
            || regions.iter().any(|r| r.len() > 40 || !r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            errs.push(ValidationError::new("regions", "one or more region codes (a-z, 0-9, -), separated by commas"));
        }
        let languages = split_list(&input.languages);
        if languages.iter().any(|l| !(2..=3).contains(&l.len()) || !l.chars().all(|c| c.is_ascii_lowercase())) {
            errs.push(ValidationError::new("languages", "ISO 639 codes such as ro, ar, en, separated by commas"));
        }
        let ages = AgeEligibility::parse(if input.ages.trim().is_empty() { "all" } else { &input.ages }).map_err(|e| errs.push(e)).ok();
        let sexes = SexEligibility::parse(if input.sexes.trim().is_empty() { "any" } else { &input.sexes }).map_err(|e| errs.push(e)).ok();
        let count = |field: &'static str, s: &str, errs: &mut Vec<ValidationError>| -> Option<i64> {
            if s.trim().is_empty() {
                return None;
            }
            match s.trim().parse::<i64>() {
                Ok(n) if (0..=100_000).contains(&n) => Some(n),
                _ => {
                    errs.push(ValidationError::new(
                        field,
                        "a whole number of places from 0 to 100000, or empty when places are not counted",
                    ));
                    None
                }
            }
        };
        let capacity = count("capacity", &input.capacity, &mut errs);
        let available = count("available", &input.available, &mut errs).or(capacity);
        if let (Some(c), Some(a)) = (capacity, available)
            && a > c
        {
            errs.push(ValidationError::new("available", format!("at most the capacity ({c})")));
        }
        if available.is_some() && capacity.is_none() {
            errs.push(ValidationError::new("capacity", "the number of places, when free places are given"));
        }
        let (Some(kind), Some(ages), Some(sexes)) = (kind, ages, sexes) else { return Err(ServiceError::Invalid(errs)) };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = OrgServiceRecord {
            id: id.0,
            organisation_id: actor.org_id,
            kind: kind.code().into(),
            name: name.into(),
            regions: regions.join(","),
            languages: languages.join(","),
            ages: ages.code().into(),
            sexes: sexes.code().into(),
            capacity,
            available,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(Some(actor), meta, "service.create", Some(("service", rec.id.to_string())), AuditOutcome::Ok);
        self.store.insert_org_service(&rec, &[ev]).await?;
        Ok(self.service_view(&rec, &self.org_names().await?))
    }

    /// Set the free places of one of the caller's organisation's services.
    pub async fn set_availability(&self, caller: &Caller, service: &str, available: &str, meta: &RequestMeta) -> Result<ServiceView> {
        let actor = Self::user_of(caller)?;
        let found = match Uuid::parse_str(service.trim()) {
            Ok(u) => self.store.get_org_service(u).await?,
            Err(_) => None,
        };
        let Some(mut rec) = found.filter(|s| s.organisation_id == actor.org_id && keeps_directory(actor)) else {
            return Err(self.denied(actor, meta, "service.update", None, Denied::Hidden).await);
        };
        let cap = rec.capacity.unwrap_or(0);
        match available.trim().parse::<i64>() {
            Ok(n) if rec.capacity.is_some() && (0..=cap).contains(&n) => rec.available = Some(n),
            _ => {
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "available",
                    format!("a whole number of free places from 0 to {cap}"),
                )]));
            }
        }
        rec.updated_at = self.now();
        let ev = self.event(Some(actor), meta, "service.update", Some(("service", rec.id.to_string())), AuditOutcome::Ok);
        self.store.update_org_service(&rec, &[ev]).await?;
        Ok(self.service_view(&rec, &self.org_names().await?))
    }

    /// Search the directory (organisational data: any signed-in user).
    pub async fn search_services(&self, caller: &Caller, q: &ServiceSearch) -> Result<Vec<ServiceView>> {
        Self::user_of(caller)?;
        let mut errs = Vec::new();
        let kind = if q.kind.trim().is_empty() { None } else { ServiceKind::parse(&q.kind).map_err(|e| errs.push(e)).ok() };
        let age: Option<u32> = if q.age.trim().is_empty() {
            None
        } else {
            q.age.trim().parse().map_err(|_| errs.push(ValidationError::new("age", "the person's age in whole years, or empty"))).ok()
        };
        let sex = match q.sex.trim() {
            "" => None,
            "female" => Some(SexEligibility::Female),
            "male" => Some(SexEligibility::Male),
            _ => {
                errs.push(ValidationError::new("sex", "female, male, or empty"));
                None
            }
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let region = q.region.trim().to_lowercase();
        let language = q.language.trim().to_lowercase();
        let orgs = self.org_names().await?;
        let mut out: Vec<ServiceView> = self
            .store
            .list_org_services()
            .await?
            .iter()
            .filter(|s| s.active)
            .filter(|s| kind.is_none_or(|k| s.kind == k.code()))
            .filter(|s| region.is_empty() || split_list(&s.regions).contains(&region))
            .filter(|s| language.is_empty() || split_list(&s.languages).contains(&language))
            .filter(|s| match age {
                None => true,
                Some(a) if a < 18 => s.ages != AgeEligibility::Adults.code(),
                Some(_) => s.ages != AgeEligibility::Children.code(),
            })
            .filter(|s| sex.is_none_or(|x| s.sexes == SexEligibility::Any.code() || s.sexes == x.code()))
            .filter(|s| !q.free || s.available.is_some_and(|n| n > 0))
            .map(|s| self.service_view(s, &orgs))
            .collect();
        out.sort_by(|a, b| b.available.unwrap_or(-1).cmp(&a.available.unwrap_or(-1)).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    pub(crate) fn referral_view(
        &self,
        actor: &Actor,
        r: &ReferralRecord,
        consent: Option<ConsentState>,
        may_revoke: bool,
        orgs: &std::collections::HashMap<OrgId, String>,
        services: &std::collections::HashMap<Uuid, String>,
    ) -> ReferralView {
        let status = ReferralStatus::parse(&r.status).unwrap_or(ReferralStatus::Revoked);
        let basis = ReferralBasis::parse(&r.basis).unwrap_or(ReferralBasis::Consent);
        let recipient = actor.org_id == r.recipient_org_id && works_referrals(actor);
        let commands = coordination::allowed(status)
            .into_iter()
            .filter(|c| if c.by_recipient() { recipient } else { may_revoke })
            .map(|c| c.code().to_owned())
            .collect();
        let target = time::Duration::hours(self.jurisdiction().settings.urgent_referral_hours);
        ReferralView {
            id: r.id,
            case_id: r.case_id,
            kind: r.kind.clone(),
            service: services.get(&r.service_id).cloned().unwrap_or_default(),
            sender: orgs.get(&r.sender_org_id).cloned().unwrap_or_default(),
            recipient: orgs.get(&r.recipient_org_id).cloned().unwrap_or_default(),
            recipient_org_id: r.recipient_org_id,
            urgent: r.urgent,
            basis: r.basis.clone(),
            override_reason: r.override_reason.clone(),
            status: r.status.clone(),
            decline_reason: r.decline_reason.clone(),
            sent_at: fmt_time(r.sent_at),
            responded_at: r.responded_at.map(fmt_time),
            response_seconds: r.responded_at.map(|t| (t - r.sent_at).whole_seconds()),
            overdue: r.urgent && status == ReferralStatus::Sent && self.now() - r.sent_at > target,
            suspended: coordination::is_live(status) && !coordination::basis_stands(basis, consent),
            commands,
        }
    }

    pub(crate) async fn service_names(&self) -> Result<std::collections::HashMap<Uuid, String>> {
        Ok(self.store.list_org_services().await?.into_iter().map(|s| (s.id, s.name)).collect())
    }

    /// Refer the case's person to a service. Refused, naming the missing consent, unless the
    /// person consented to a referral to that organisation, the person is a child (the child
    /// rule), or an emergency reason is given (audited as an override, shown to coordinators).
    pub async fn send_referral(&self, caller: &Caller, case_id: &str, input: &NewReferral, meta: &RequestMeta) -> Result<ReferralView> {
        let actor = Self::user_of(caller)?;
        let (c, _facts, _region, consents) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        if c.kind != "referral" {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "case",
                "a referral case: an anonymous notification has no person to refer (convert it first, with consent)",
            )]));
        }
        let service = match Uuid::parse_str(input.service.trim()) {
            Ok(u) => self.store.get_org_service(u).await?.filter(|s| s.active),
            Err(_) => None,
        };
        let Some(service) = service else {
            return Err(ServiceError::Invalid(vec![ValidationError::new("service", "a service from the directory (its id)")]));
        };
        let orgs = self.org_names().await?;
        let recipient_name = orgs.get(&service.organisation_id).cloned().unwrap_or_default();
        let consent = referral_consent(&consents, service.organisation_id);
        let child = c.age_group == "child";
        let reason = input.emergency_reason.as_deref().filter(|r| !r.trim().is_empty());
        let basis = match coordination::referral_basis(consent, child, reason) {
            Ok(b) => b,
            Err(BasisMissing::OverrideReason) => {
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "emergency_reason",
                    "a written reason of at least 10 characters for referring without consent",
                )]));
            }
            Err(BasisMissing::Consent { status }) => {
                let why = coordination::consent_standing(status);
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "consent",
                    format!(
                        "the person's consent to a referral to {recipient_name} {why}: record consent (purpose: referral, recipient: {recipient_name}) on the case first, or, in an emergency, give a written reason to override"
                    ),
                )]));
            }
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let r = ReferralRecord {
            id: id.0,
            case_id: c.id,
            service_id: service.id,
            kind: service.kind.clone(),
            sender_org_id: actor.org_id,
            recipient_org_id: service.organisation_id,
            sent_by: actor.user_id,
            urgent: input.urgent,
            basis: basis.code().into(),
            override_reason: if basis == ReferralBasis::EmergencyOverride { reason.map(|r| r.trim().to_owned()) } else { None },
            status: ReferralStatus::Sent.code().into(),
            decline_reason: None,
            sent_at: now,
            responded_at: None,
            closed_at: None,
            updated_at: now,
            version: 1,
        };
        let event = self.case_event(
            actor,
            c.id,
            "referral_sent",
            None,
            None,
            serde_json::json!({"referral": r.id.to_string(), "kind": r.kind, "recipient": r.recipient_org_id.to_string(), "basis": r.basis, "urgent": r.urgent}),
        )?;
        let mut ev = self.case_audit(actor, meta, "referral.send", c.id);
        ev.purpose = Some(format!("referral {} basis {}", r.id, r.basis));
        let (subject, what) = if r.urgent {
            (
                "Palermo: an urgent referral is waiting for your answer",
                format!("An urgent referral for {} was sent to your organisation.", r.kind),
            )
        } else {
            ("Palermo: a referral is waiting for your answer", format!("A referral for {} was sent to your organisation.", r.kind))
        };
        let body = format!("{what}\n\nAnswer it on Palermo: {}", self.link("/coordination"));
        let outbox = self
            .notices_for_org(r.recipient_org_id, &[Role::ServiceProvider, Role::CaseWorker], "referral_received", subject, &body)
            .await?;
        self.store.insert_referral(&r, &event, &outbox, &[ev]).await?;
        let services = std::collections::HashMap::from([(service.id, service.name.clone())]);
        Ok(self.referral_view(actor, &r, consent, true, &orgs, &services))
    }

    /// Accept, decline, complete (the recipient) or revoke (the sender's case team).
    pub async fn act_on_referral(
        &self,
        caller: &Caller,
        referral: &str,
        input: &ReferralAction,
        meta: &RequestMeta,
    ) -> Result<ReferralView> {
        let actor = Self::user_of(caller)?;
        let found = match Uuid::parse_str(referral.trim()) {
            Ok(u) => self.store.get_referral(u).await?,
            Err(_) => None,
        };
        let hidden = || ("referral", referral.trim().chars().take(36).collect::<String>());
        let Some(mut r) = found else {
            return Err(self.denied(actor, meta, "referral.update", Some(hidden()), Denied::Hidden).await);
        };
        let recipient = actor.org_id == r.recipient_org_id && works_referrals(actor);
        // The recipient works it; the sender's side is whoever may manage the case (its team).
        // Anyone else: 404, as for a referral that does not exist.
        let team = if recipient { None } else { Some(self.case_for(actor, &r.case_id.to_string(), CaseOp::Manage, meta).await?) };
        let cmd = ReferralCommand::parse(&input.command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        if cmd.by_recipient() != recipient && !(cmd == ReferralCommand::Revoke && team.is_some()) {
            return Err(self.denied(actor, meta, "referral.update", Some(hidden()), Denied::Forbidden).await);
        }
        let (c, consents) = match team {
            Some((c, _, _, consents)) => (c, consents),
            None => {
                let c = self.store.get_case(r.case_id).await?.ok_or(ServiceError::NotFound)?;
                let consents = self.store.consents_of(c.id).await?;
                (c, consents)
            }
        };
        let status = ReferralStatus::parse(&r.status).map_err(|e| ServiceError::Internal(e.expected))?;
        let next = coordination::next_status(status, cmd).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let reason = input.reason.trim();
        if cmd == ReferralCommand::Decline && reason.chars().count() < 3 {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "reason",
                "why the referral is declined (no full bed, not eligible, …)",
            )]));
        }
        let now = self.now();
        r.status = next.code().into();
        match cmd {
            ReferralCommand::Accept => r.responded_at = Some(now),
            ReferralCommand::Decline => {
                r.responded_at = Some(now);
                r.closed_at = Some(now);
                r.decline_reason = Some(reason.chars().take(500).collect());
            }
            ReferralCommand::Complete | ReferralCommand::Revoke => r.closed_at = Some(now),
        }
        r.updated_at = now;
        // Accommodation holds a place from acceptance until the referral ends.
        let delta = match (status, next) {
            (_, ReferralStatus::Accepted) => Some(-1),
            (ReferralStatus::Accepted, ReferralStatus::Completed | ReferralStatus::Revoked) => Some(1),
            _ => None,
        };
        let places = delta.filter(|_| r.kind == ServiceKind::Accommodation.code()).map(|d| (r.service_id, d));
        let event = self.case_event(
            actor,
            c.id,
            &format!("referral_{}", next.code()),
            None,
            None,
            serde_json::json!({"referral": r.id.to_string(), "kind": r.kind}),
        )?;
        let ev = self.event(Some(actor), meta, &format!("referral.{}", cmd.code()), Some(("referral", r.id.to_string())), AuditOutcome::Ok);
        let outbox = match next {
            ReferralStatus::Accepted | ReferralStatus::Declined => {
                let answer = next.code();
                let body = format!(
                    "The referral for {} that you sent was {answer} by the receiving organisation.\n\nSee the case on Palermo: {}",
                    r.kind,
                    self.link(&format!("/cases/{}", r.case_id))
                );
                self.notice_for_user(r.sent_by, "referral_answered", &format!("Palermo: your referral was {answer}"), &body)?
            }
            _ => Vec::new(),
        };
        self.store.update_referral(&r, &event, places, &outbox, &[ev]).await?;
        r.version += 1;
        let orgs = self.org_names().await?;
        let services = self.service_names().await?;
        Ok(self.referral_view(actor, &r, referral_consent(&consents, r.recipient_org_id), !cmd.by_recipient(), &orgs, &services))
    }

    /// A provider (through a live accepted referral) or the case worker records a service.
    pub async fn record_service(&self, caller: &Caller, case_id: &str, input: &NewServiceDelivered, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        let parsed = Uuid::parse_str(case_id.trim()).ok();
        let case = match parsed {
            Some(u) => self.store.get_case(u).await?,
            None => None,
        };
        let object = parsed.map(|u| ("case", u.to_string()));
        let Some(c) = case else {
            return Err(self.denied(actor, meta, "service.record", object, Denied::Hidden).await);
        };
        let referrals = self.store.referrals_of_case(c.id).await?;
        let via = referrals.iter().find(|r| r.recipient_org_id == actor.org_id && r.status == ReferralStatus::Accepted.code());
        let case_worker = c.case_worker_id == Some(actor.user_id);
        if !(case_worker || (via.is_some() && works_referrals(actor))) {
            return Err(self.denied(actor, meta, "service.record", object, Denied::Hidden).await);
        }
        let mut errs = Vec::new();
        let kind = ServiceKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let outcome = ServiceOutcome::parse(&input.outcome).map_err(|e| errs.push(e)).ok();
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let on = Date::parse(input.delivered_on.trim(), &fmt)
            .map_err(|_| errs.push(ValidationError::new("delivered_on", "a date as YYYY-MM-DD")))
            .ok();
        let today = self.rules().local_date(self.now());
        if on.is_some_and(|d| d > today) {
            errs.push(ValidationError::new("delivered_on", format!("a date not after today ({today})")));
        }
        let (Some(kind), Some(outcome), Some(on), true) = (kind, outcome, on, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let (_, id) = self.new_ids()?;
        let d = ServiceDeliveredRecord {
            id: id.0,
            case_id: c.id,
            referral_id: via.map(|r| r.id),
            organisation_id: actor.org_id,
            kind: kind.code().into(),
            delivered_on: on,
            delivered_by: actor.user_id,
            outcome: outcome.code().into(),
            recorded_at: self.now(),
        };
        let event =
            self.case_event(actor, c.id, "service_delivered", None, Some(on), serde_json::json!({"kind": d.kind, "outcome": d.outcome}))?;
        let ev = self.case_audit(actor, meta, "service.record", c.id);
        self.store.insert_service_delivered(&d, &event, &[ev]).await?;
        Ok(())
    }

    pub(crate) fn delivered_views(
        &self,
        actor: &Actor,
        all: bool,
        services: &[ServiceDeliveredRecord],
        orgs: &std::collections::HashMap<OrgId, String>,
    ) -> Vec<ServiceDeliveredView> {
        services
            .iter()
            .filter(|d| all || d.organisation_id == actor.org_id)
            .map(|d| ServiceDeliveredView {
                kind: d.kind.clone(),
                organisation: orgs.get(&d.organisation_id).cloned().unwrap_or_default(),
                delivered_on: d.delivered_on.to_string(),
                outcome: d.outcome.clone(),
            })
            .collect()
    }

    /// The caller's organisation's coordination dashboard.
    pub async fn org_dashboard(&self, caller: &Caller) -> Result<OrgDashboard> {
        let actor = Self::user_of(caller)?;
        let org = actor.org_id;
        let orgs = self.org_names().await?;
        let services = self.store.list_org_services().await?;
        let names: std::collections::HashMap<Uuid, String> = services.iter().map(|s| (s.id, s.name.clone())).collect();
        let referrals = self.store.referrals_of_org(org, 5_000).await?;
        let live = |r: &ReferralRecord| ReferralStatus::parse(&r.status).is_ok_and(coordination::is_live);
        let received: Vec<&ReferralRecord> = referrals.iter().filter(|r| r.recipient_org_id == org).collect();
        let answered = |rs: &[&ReferralRecord]| -> Vec<i64> {
            rs.iter().filter_map(|r| r.responded_at.map(|t| (t - r.sent_at).whole_seconds())).collect()
        };
        let mut by_kind: std::collections::BTreeMap<String, Vec<&ReferralRecord>> = Default::default();
        for r in &received {
            by_kind.entry(r.kind.clone()).or_default().push(r);
        }
        let today = self.rules().local_date(self.now());
        let month_start = today.replace_day(1).unwrap_or(today);
        let own: Vec<&OrgServiceRecord> = services.iter().filter(|s| s.organisation_id == org && s.active).collect();
        let inbox: Vec<ReferralView> = received
            .iter()
            .filter(|r| r.status == ReferralStatus::Sent.code())
            .map(|r| self.referral_view(actor, r, Some(ConsentState::Given), false, &orgs, &names))
            .collect();
        Ok(OrgDashboard {
            organisation: orgs.get(&org).cloned().unwrap_or_default(),
            open_received: received.iter().filter(|r| live(r)).count(),
            open_sent: referrals.iter().filter(|r| r.sender_org_id == org && live(r)).count(),
            median_response_seconds: coordination::median(answered(&received)),
            response_by_kind: by_kind
                .into_iter()
                .map(|(k, rs)| {
                    let a = answered(&rs);
                    (k, a.len(), coordination::median(a))
                })
                .collect(),
            services_delivered_this_month: self.store.services_delivered_count(org, month_start).await?,
            free_places: own.iter().filter_map(|s| s.available).sum(),
            capacity: own.iter().filter_map(|s| s.capacity).sum(),
            overdue_urgent: inbox.iter().filter(|r| r.overdue).count(),
            inbox,
            urgent_target_hours: self.jurisdiction().settings.urgent_referral_hours,
        })
    }

    /// Referrals sent on an emergency override in the last 90 days (coordinators and auditors).
    pub async fn referral_overrides(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<ReferralView>> {
        let actor = Self::user_of(caller)?;
        if !(actor.roles.has(Role::Coordinator) || actor.roles.has(Role::Auditor)) {
            return Err(self.denied(actor, meta, "referral.overrides", None, Denied::Forbidden).await);
        }
        let orgs = self.org_names().await?;
        let names = self.service_names().await?;
        let since = self.now() - time::Duration::days(90);
        let rows = self.store.referrals_since(since).await?;
        let ev = self.event(Some(actor), meta, "referral.overrides", None, AuditOutcome::Ok);
        self.audit_read(ev).await?;
        Ok(rows
            .iter()
            .filter(|r| r.basis == ReferralBasis::EmergencyOverride.code())
            .map(|r| self.referral_view(actor, r, None, false, &orgs, &names))
            .collect())
    }
}
