//! The bulk-read watch (security goal 8). Every read of a person's identity outside the
//! reader's own caseload passes [`Palermo::watch_identity_read`] before anything is opened:
//! beyond `security.bulk_read_people` different people within
//! `security.bulk_read_window_minutes`, the read is refused (429, audited as denied with the
//! purpose `bulk_read_limit`) until the oldest read leaves the window. The first refusal after a
//! quiet window raises an alert — a row naming the people read (by id), an audit entry, and an
//! e-mail to the operator's auditors and the reader's organisation's administrators — committed
//! before the refusal is answered; the alerts are listed on the access review
//! (`/break-glass/review`) and counted on auditors' home page.
//!
//! The rule itself is `palermo_domain::bulk_read`. The count is kept in this process's memory:
//! servers sharing a PostgreSQL database each count their own readers (docs/SECURITY.md).

use crate::admin::Caller;
use crate::minute_utc as fmt_time;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::bulk_read::{Admission, Tripped};
use palermo_domain::policy::Actor;
use palermo_domain::role::Role;
use palermo_store::BulkReadAlertRecord;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Users idle in the watch are dropped once it holds more than this many.
const SWEEP_ABOVE: usize = 4096;

/// One alert as the access review shows it (person references, never names).
#[derive(Debug, Clone, Serialize)]
pub struct BulkReadAlertView {
    pub user: String,
    pub organisation: String,
    pub since: String,
    pub raised_at: String,
    pub paused_until: String,
    pub people: Vec<String>,
}

impl Palermo {
    /// Let `actor` open `person`'s identity now, or refuse: `within_caseload` reads always pass.
    /// `action` and `object` name the read in the audit entry of a refusal.
    pub(crate) async fn watch_identity_read(
        &self,
        actor: &Actor,
        person: Uuid,
        within_caseload: bool,
        action: &str,
        object: (&str, String),
        meta: &RequestMeta,
    ) -> Result<()> {
        if within_caseload {
            return Ok(());
        }
        let Some(limit) = self.config.security.bulk_read_limit() else { return Ok(()) };
        let now = self.now();
        let admission = {
            // A panic elsewhere while holding the lock leaves counts that are still counts.
            let mut watch = self.bulk_reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if watch.len() > SWEEP_ABOVE {
                watch.retain(|_, r| !r.is_idle(now, limit.window));
            }
            watch.entry(actor.user_id).or_default().admit(person, now, limit)
        };
        let Admission::Paused { until, alert } = admission else { return Ok(()) };
        if let Some(tripped) = alert {
            self.raise_bulk_read_alert(actor, tripped, until, meta).await?;
        }
        let mut ev = self.event(Some(actor), meta, action, Some(object), AuditOutcome::Denied);
        ev.section = Some("identity".into());
        ev.purpose = Some("bulk_read_limit".into());
        self.audit_read(ev).await?;
        Err(ServiceError::ReadsPaused(until))
    }

    async fn raise_bulk_read_alert(&self, actor: &Actor, t: Tripped, until: OffsetDateTime, meta: &RequestMeta) -> Result<()> {
        let (_, id) = self.new_ids()?;
        let now = self.now();
        let alert = BulkReadAlertRecord {
            id: id.0,
            user_id: actor.user_id,
            org_id: actor.org_id,
            since: t.since,
            raised_at: now,
            paused_until: until,
            people: t.people,
        };
        let minutes = self.config.security.bulk_read_window_minutes;
        let own = self.org_cached(actor.org_id).await?;
        let org = own.as_ref().map(|o| o.name.as_str()).unwrap_or_default();
        let subject = "Palermo: identities read in bulk";
        let body = format!(
            "A user of {org} opened the identities of {} people outside their own caseload within {minutes} minutes. \
             Further such reads by this user are paused until {} (UTC).\n\nReview the alert and the reads on Palermo: {}",
            alert.people.len(),
            fmt_time(until),
            self.link("/break-glass/review")
        );
        let mut outbox = Vec::new();
        for o in self.store.list_organisations().await? {
            if o.is_operator {
                outbox.extend(self.notices_for_org(o.id, &[Role::Auditor], "bulk_read_alert", subject, &body).await?);
            }
        }
        if let Some(own) = own.as_ref().filter(|o| !o.is_operator) {
            outbox.extend(self.notices_for_org(own.id, &[Role::Administrator], "bulk_read_alert", subject, &body).await?);
        }
        let mut ev = self.event(Some(actor), meta, "security.bulk_read_alert", Some(("user", actor.user_id.to_string())), AuditOutcome::Ok);
        ev.purpose = Some(format!("{} people outside the caseload since {}", alert.people.len(), fmt_time(alert.since)));
        self.store.insert_bulk_read_alert(&alert, &outbox, &[ev]).await?;
        tracing::warn!(user = %actor.user_id, people = alert.people.len(), "bulk-read alert: identity reads outside the caseload paused");
        Ok(())
    }

    /// Bulk-read alerts of the last 90 days, newest first (auditors and coordinators, as the
    /// break-glass review). Audited as a read of the review.
    pub async fn bulk_read_alerts(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<BulkReadAlertView>> {
        let actor = Self::user_of(caller)?;
        if !(actor.roles.has(Role::Auditor) || actor.roles.has(Role::Coordinator)) {
            return Err(self.denied(actor, meta, "security.bulk_read_review", None, palermo_domain::policy::Denied::Forbidden).await);
        }
        let since = self.now() - time::Duration::days(90);
        let orgs = self.org_names().await?;
        let mut out = Vec::new();
        for a in self.store.bulk_read_alerts_since(since, 500).await? {
            let user = self.store.get_user(a.user_id).await?.map(|u| u.username).unwrap_or_default();
            let mut people = Vec::with_capacity(a.people.len());
            for p in &a.people {
                people.push(self.store.get_person(*p).await?.map(|p| p.reference).unwrap_or_else(|| p.to_string()));
            }
            out.push(BulkReadAlertView {
                user,
                organisation: orgs.get(&a.org_id).cloned().unwrap_or_default(),
                since: fmt_time(a.since),
                raised_at: fmt_time(a.raised_at),
                paused_until: fmt_time(a.paused_until),
                people,
            });
        }
        let ev = self.event(Some(actor), meta, "security.bulk_read_review", None, AuditOutcome::Ok);
        self.audit_read(ev).await?;
        Ok(out)
    }

    /// Bulk-read alerts raised in the last 7 days, for an auditor's home page (0 for others).
    pub async fn bulk_read_alerts_this_week(&self, caller: &Caller) -> Result<i64> {
        let actor = Self::user_of(caller)?;
        if !actor.roles.has(Role::Auditor) {
            return Ok(0);
        }
        let since = self.now() - time::Duration::days(7);
        Ok(i64::try_from(self.store.bulk_read_alerts_since(since, 1000).await?.len()).unwrap_or(i64::MAX))
    }
}
