//! Reading and verifying the audit log.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::{ChainError, ChainVerifier, ChainedEntry, Head};
use palermo_domain::policy::Action;
use serde::Serialize;

/// The outcome of walking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Entries walked.
    pub entries: i64,
    /// The head witnessed outside the database, if there is one.
    pub witnessed_seq: Option<i64>,
    /// The head recorded inside the database.
    pub database_head_seq: i64,
    /// The chain's head hash, hex: the value an auditor writes down.
    pub head_hash: String,
}

/// One entry as shown to an auditor.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub section: Option<String>,
    pub purpose: Option<String>,
    pub request_id: Option<String>,
    pub outcome: &'static str,
}

impl From<&ChainedEntry> for AuditRow {
    fn from(e: &ChainedEntry) -> Self {
        let ev = &e.event;
        AuditRow {
            seq: e.seq,
            at: ev.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            actor_user_id: ev.actor_user_id.clone(),
            actor_org_id: ev.actor_org_id.clone(),
            action: ev.action.clone(),
            object_type: ev.object_type.clone(),
            object_id: ev.object_id.clone(),
            section: ev.section.clone(),
            purpose: ev.purpose.clone(),
            request_id: ev.request_id.clone(),
            outcome: ev.outcome.code(),
        }
    }
}

impl Palermo {
    /// Walk the whole chain, oldest first, and compare it with the head witnessed outside the
    /// database and the head row inside it. Names the first bad entry.
    pub async fn verify_audit(&self) -> Result<Result<Verification, ChainError>> {
        self.store.fold_audit_inbox().await?;
        let witnessed = crate::witness::read(&self.config.audit_head_file())?;
        let db_head = self.store.audit_head().await?;
        let mut witnesses: Vec<Head> = witnessed.iter().cloned().collect();
        witnesses.push(db_head.clone());
        let mut v = ChainVerifier::new(witnesses);
        let mut after = 0;
        let mut last_hash = palermo_domain::audit::GENESIS.to_vec();
        loop {
            let page = self.store.audit_page(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            last_hash = last.hash.clone();
            for e in &page {
                if let Err(err) = v.push(e) {
                    return Ok(Err(err));
                }
            }
        }
        match v.finish() {
            Ok(entries) => Ok(Ok(Verification {
                entries,
                witnessed_seq: witnessed.map(|h| h.seq),
                database_head_seq: db_head.seq,
                head_hash: hex::encode(last_hash),
            })),
            Err(e) => Ok(Err(e)),
        }
    }

    /// Verify as a signed-in auditor (audited).
    pub async fn verify_audit_as(&self, caller: &Caller, meta: &RequestMeta) -> Result<Result<Verification, ChainError>> {
        self.check(caller, Action::ViewAuditLog, meta, None).await?;
        let result = self.verify_audit().await?;
        let ev = self.event(caller.actor(), meta, "audit.verify", None, palermo_domain::audit::Outcome::Ok);
        self.audit_read(ev).await?;
        Ok(result)
    }

    /// The newest entries, newest first (audited: reading the audit log is itself recorded).
    pub async fn recent_audit(&self, caller: &Caller, limit: i64, meta: &RequestMeta) -> Result<Vec<AuditRow>> {
        self.check(caller, Action::ViewAuditLog, meta, None).await?;
        self.store.fold_audit_inbox().await?;
        let rows = self.store.audit_recent(limit.clamp(1, 1000)).await?;
        let ev = self.event(caller.actor(), meta, "audit.view", None, palermo_domain::audit::Outcome::Ok);
        self.audit_read(ev).await?;
        Ok(rows.iter().map(AuditRow::from).collect())
    }

    /// Rows per table (for backup verification and `palermo restore`).
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(self.store.row_counts().await?)
    }

    pub async fn integrity_check(&self) -> Result<String> {
        self.store.integrity_check().await.map_err(|e| ServiceError::Internal(e.to_string()))
    }
}
