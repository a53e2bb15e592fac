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
use crate::minute_utc as fmt_time;
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

/// What one run of the retention schedule did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub erased: usize,
    pub held: usize,
}

/// An erasure as the erasure page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ErasureView {
    pub person: String,
    pub erased_at: String,
    pub erased_by: String,
    pub request: String,
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
        // A record merged into another is the same person: erase from the record kept.
        let mut person = person;
        for _ in 0..64 {
            let Some(kept) = person.merged_into else { break };
            match self.store.get_person(kept).await? {
                Some(k) => person = k,
                None => break,
            }
        }
        if let Some(e) = self.store.erasure_of(person.id).await? {
            return Err(ServiceError::Conflict(format!("{} was already erased on {}", person.reference, fmt_time(e.erased_at))));
        }
        match self.erase_unless_held(&person, Some(actor), &request, meta).await? {
            Ok(at) => Ok(ErasureView { person: person.reference, erased_at: fmt_time(at), erased_by: String::new(), request }),
            Err(hold) => Err(ServiceError::Conflict(format!(
                "legal hold: a case of {} is disclosed to investigation {} and the person is still part of it; restrict the processing \
                 instead of erasing (GDPR art. 17(3)(e) and art. 18), and erase once the disclosure has ended",
                person.reference, hold.investigation
            ))),
        }
    }

    /// Erase `person` (and the records merged into it) for `actor`, or for the retention
    /// schedule when `None` — unless a legal hold stands, which is audited as a denied erasure
    /// and returned. Returns when the erasure was made.
    async fn erase_unless_held(
        &self,
        person: &palermo_store::PersonRecord,
        actor: Option<&palermo_domain::policy::Actor>,
        request: &str,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<time::OffsetDateTime, erasure::Hold>> {
        // The person and every record merged into it, however deep the merges go.
        let mut persons = vec![person.clone()];
        let mut next = 0;
        while next < persons.len() && persons.len() < 10_000 {
            let absorbed = self.store.persons_merged_into(persons[next].id).await?;
            persons.extend(absorbed.into_iter().filter(|a| persons.iter().all(|p| p.id != a.id)).collect::<Vec<_>>());
            next += 1;
        }
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
            let mut ev = self.event(actor, meta, "person.erase", Some(object), AuditOutcome::Denied);
            ev.purpose = Some(format!("legal hold: investigation {}", hold.investigation));
            self.audit_read(ev).await?;
            return Ok(Err(hold));
        }
        let now = self.now();
        let rows: Vec<ErasureRecord> = persons
            .iter()
            .map(|p| ErasureRecord { person_id: p.id, erased_at: now, erased_by: actor.map(|a| a.user_id), request: request.to_owned() })
            .collect();
        let mut ev = self.event(actor, meta, "person.erase", Some(object), AuditOutcome::Ok);
        ev.section = Some("identity".into());
        let why = if actor.is_some() { "erasure on request" } else { "retention" };
        ev.purpose = Some(format!("{why}: {} person record(s), {} case(s)", rows.len(), cases.len()));
        self.store.erase_persons(&rows, &cases, &[ev]).await?;
        Ok(Ok(now))
    }

    /// The retention schedule (security goal 20): erase every identity whose time has come
    /// (`palermo_domain::retention`), except those under a legal hold. Run by the server once a
    /// day and by `palermo retention run`; each erasure is audited under the task's name.
    pub async fn apply_retention(&self, meta: &RequestMeta) -> Result<RetentionReport> {
        let years = self.config.retention.identity_years;
        let mut report = RetentionReport::default();
        let Some(cutoff) = palermo_domain::retention::cutoff(self.now(), years) else { return Ok(report) };
        let request = format!("retention: {years} years after registration and the end of every case (retention.identity_years)");
        let ended = palermo_domain::retention::ended_stages();
        let mut held = std::collections::HashSet::new();
        loop {
            let due = self.store.persons_due_for_retention(cutoff, &ended, i64::try_from(held.len()).unwrap_or(i64::MAX) + 500).await?;
            let fresh: Vec<_> = due.into_iter().filter(|p| !held.contains(&p.id)).collect();
            if fresh.is_empty() {
                break;
            }
            for p in fresh {
                match self.erase_unless_held(&p, None, &request, meta).await? {
                    Ok(_) => report.erased += 1,
                    Err(_) => {
                        held.insert(p.id);
                        report.held += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// How many identities are due for the retention schedule now, held ones included (counted
    /// up to 10,000): 0 on a healthy instance once the day's run is done, except those held.
    pub async fn retention_due(&self) -> Result<usize> {
        let Some(cutoff) = palermo_domain::retention::cutoff(self.now(), self.config.retention.identity_years) else { return Ok(0) };
        let ended = palermo_domain::retention::ended_stages();
        Ok(self.store.persons_due_for_retention(cutoff, &ended, 10_000).await?.len())
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
            let by = match e.erased_by {
                Some(u) => self.store.get_user(u).await?.map(|u| u.username).unwrap_or_default(),
                None => "retention".to_owned(),
            };
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
