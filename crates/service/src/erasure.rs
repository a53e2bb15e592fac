//! Erasure of a person's identity on request (security goal 19; the rule and the legal hold
//! are `palermo_domain::erasure`). The operator's data-protection officer names the person by
//! reference and records the request; unless a case of the person is disclosed to an
//! investigation the victim is still part of, one transaction deletes the identity values of
//! the person and of the records merged into it, the free text sealed on their cases (decision
//! reasons, screening views, support-plan objectives) and their duplicate candidates, and
//! records the erasure and its audit entry. A held or refused attempt is audited as denied.
//!
//! What stays: the person's pseudonymous reference and coded facts (sex, age group,
//! citizenship), the cases' stages, decisions' outcomes and dates — what the statistics count.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::erasure::{self, Disclosed};
use palermo_domain::policy::Denied;
use palermo_store::ErasureRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the erasure form and `POST /api/v1/erasures` take.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ErasureInput {
    /// The person's reference (`P-2026-000123`).
    pub person: String,
    /// The request and its ground, as recorded (no name).
    pub request: String,
}

/// An erasure as the erasure page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ErasureView {
    pub person: String,
    pub erased_at: String,
    pub erased_by: String,
    pub request: String,
}

fn fmt_time(t: time::OffsetDateTime) -> String {
    t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).unwrap_or_default()
}

impl Palermo {
    /// Erase a person's identity, or say why not (named field, legal hold, already erased).
    pub async fn erase_person(&self, caller: &Caller, input: &ErasureInput, meta: &RequestMeta) -> Result<ErasureView> {
        let actor = Self::user_of(caller)?;
        if !erasure::may_erase(actor) {
            return Err(self.denied(actor, meta, "person.erase", None, Denied::Forbidden).await);
        }
        let request = erasure::request(&input.request);
        let reference = input.person.trim().to_uppercase();
        let person = if reference.is_empty() { None } else { self.store.person_by_reference(&reference).await? };
        let (person, request) = match (person, request) {
            (Some(p), Ok(r)) => (p, r),
            (p, r) => {
                let mut errs = Vec::new();
                if p.is_none() {
                    errs.push(palermo_domain::ValidationError::new("person", "the reference of a recorded person, such as P-2026-000123"));
                }
                if let Err(e) = r {
                    errs.push(e);
                }
                return Err(ServiceError::Invalid(errs));
            }
        };
        if let Some(e) = self.store.erasure_of(person.id).await? {
            return Err(ServiceError::Conflict(format!("{} was already erased on {}", person.reference, fmt_time(e.erased_at))));
        }
        let mut persons = vec![person.clone()];
        persons.extend(self.store.persons_merged_into(person.id).await?);
        let mut cases = Vec::new();
        for p in &persons {
            cases.extend(self.store.cases_of_person(p.id).await?);
        }
        let mut disclosed = Vec::new();
        for c in &cases {
            for (d, investigation) in self.store.disclosures_of_case(*c).await?.0 {
                disclosed.push(Disclosed { investigation, ended: d.ended_on.is_some() });
            }
        }
        let object = ("person", person.id.to_string());
        if let Some(hold) = erasure::legal_hold(&disclosed) {
            let mut ev = self.event(Some(actor), meta, "person.erase", Some(object), AuditOutcome::Denied);
            ev.purpose = Some(format!("legal hold: investigation {}", hold.investigation));
            self.audit_read(ev).await?;
            return Err(ServiceError::Conflict(format!(
                "legal hold: a case of {} is disclosed to investigation {} and the person is still part of it; restrict the processing \
                 instead of erasing (GDPR art. 17(3)(e) and art. 18), and erase once the disclosure has ended",
                person.reference, hold.investigation
            )));
        }
        let now = self.now();
        let rows: Vec<ErasureRecord> = persons
            .iter()
            .map(|p| ErasureRecord { person_id: p.id, erased_at: now, erased_by: actor.user_id, request: request.clone() })
            .collect();
        let mut ev = self.event(Some(actor), meta, "person.erase", Some(object), AuditOutcome::Ok);
        ev.section = Some("identity".into());
        ev.purpose = Some(format!("erasure on request: {} person record(s), {} case(s)", rows.len(), cases.len()));
        self.store.erase_persons(&rows, &cases, &[ev]).await?;
        Ok(ErasureView { person: person.reference, erased_at: fmt_time(now), erased_by: String::new(), request })
    }

    /// Erasures, newest first (the operator's auditors). Audited as a read of the list.
    pub async fn erasures(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<ErasureView>> {
        let actor = Self::user_of(caller)?;
        if !erasure::may_erase(actor) {
            return Err(self.denied(actor, meta, "person.erasures", None, Denied::Forbidden).await);
        }
        let mut out = Vec::new();
        for e in self.store.erasures_recent(500).await? {
            let person = self.store.get_person(e.person_id).await?.map(|p| p.reference).unwrap_or_else(|| e.person_id.to_string());
            let by = self.store.get_user(e.erased_by).await?.map(|u| u.username).unwrap_or_default();
            out.push(ErasureView { person, erased_at: fmt_time(e.erased_at), erased_by: by, request: e.request });
        }
        let ev = self.event(Some(actor), meta, "person.erasures", None, AuditOutcome::Ok);
        self.audit_read(ev).await?;
        Ok(out)
    }

    /// When a person's identity was erased, if it was.
    pub(crate) async fn erased_on(&self, person: Uuid) -> Result<Option<String>> {
        Ok(self.store.erasure_of(person).await?.map(|e| fmt_time(e.erased_at)))
    }
}
