//! Group commit for audit entries of reads.
//!
//! Every audited read waits for its entry to be durable before the data is returned. Entries
//! from concurrent requests are gathered into one transaction (one fsync), so auditing every
//! read costs one commit per batch, not per request. Nothing is written "later in the
//! background": a caller whose entry failed gets an error, and so does its request.
//!
//! On SQLite the entries are committed into the audit inbox (a file of its own, see
//! `audit_inbox_engine.rs`), and a second task folds the inbox into the hash chain about ten
//! times a second (and once more when the sink is dropped); on PostgreSQL into the chain directly.

use crate::{Result, Store, StoreError};
use palermo_domain::audit::AuditEvent;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 512;
/// How often the audit inbox is folded into the chain.
const FOLD_EVERY: Duration = Duration::from_millis(100);

type Request = (AuditEvent, oneshot::Sender<bool>);

#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Request>,
}

impl AuditSink {
    /// Start the writer task on the current Tokio runtime.
    pub fn spawn(store: Store) -> Self {
        let (tx, rx) = mpsc::channel::<Request>(8192);
        tokio::spawn(fold(store.clone(), tx.downgrade()));
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Append one entry; returns once it is committed, or an error if it could not be.
    pub async fn record(&self, event: AuditEvent) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((event, reply)).await.map_err(|_| StoreError::AuditUnavailable)?;
        match answer.await {
            Ok(true) => Ok(()),
            _ => Err(StoreError::AuditUnavailable),
        }
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Request>) {
    let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let events: Vec<AuditEvent> = batch.iter().map(|(e, _)| e.clone()).collect();
        let ok = match store.record_audit(&events).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, entries = events.len(), "audit append failed; the requests waiting on it fail");
                false
            }
        };
        for (_, reply) in batch.drain(..) {
            let _ = reply.send(ok);
        }
    }
}

/// Fold the audit inbox into the chain every [`FOLD_EVERY`] while the sink lives, then once
/// more. A failed fold leaves the entries in the inbox (durable) for the next one.
async fn fold(store: Store, sink: mpsc::WeakSender<Request>) {
    let mut tick = tokio::time::interval(FOLD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Failures in a row: the first is logged, then one in 600 (once a minute), not ten a second.
    let mut failing = 0u32;
    loop {
        tick.tick().await;
        let last = sink.strong_count() == 0;
        match store.fold_audit_inbox().await {
            Ok(_) => failing = 0,
            Err(StoreError::Database(sqlx::Error::PoolClosed)) => return,
            Err(e) => {
                if failing.is_multiple_of(600) {
                    tracing::error!(error = %e, failures = failing + 1, "folding the audit inbox into the chain failed; its entries stay in the inbox for the next fold");
                }
                failing = failing.saturating_add(1);
            }
        }
        if last {
            return;
        }
    }
}
