// The audit inbox (SQLite, the application only; PostgreSQL never has one).
//
// Every audited read commits its entry before the data is returned. Committed straight into
// the hash chain, each of those commits changes the main database's write-ahead log, and
// SQLite makes every reading connection drop its memory map and page cache at its next read
// when the log changed — dozens of times a second under load (docs/PERFORMANCE.md). So entries
// of reads are committed (durably, `synchronous=FULL`) into a small database file of their own,
// and folded into the chain about ten times a second (a fold of a whole second's entries at
// once, ~4,000 under load, writes so many pages of the audit indexes in one commit that the
// answers waiting meanwhile see their 99th percentile double; measured in docs/PERFORMANCE.md).
// The fold records, in that same transaction, the last inbox entry it moved (per inbox
// generation, a random id made when the inbox file is created), so a crash between the fold's
// commit and its clean-up neither loses nor repeats an entry. Writes keep their audit entries in
// their own transaction. Entries in the inbox are durable but not yet in the chain, where an alteration would show; so
// once no fold has succeeded for the inbox's limit (`data.audit_inbox_limit_seconds`), entries
// are refused, and with them the reads they audit, until a fold succeeds again.

/// Entries moved per fold transaction.
const FOLD_BATCH: i64 = 10_000;

impl EngineStore {
    pub async fn record_audit(&self, events: &[AuditEvent]) -> Result<()> {
        let Some(inbox) = &self.inbox else {
            return self.append_audit(events).await.map(|_| ());
        };
        inbox.admit()?;
        let mut tx = inbox.pool.begin().await?;
        for chunk in events.chunks(64) {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("INSERT INTO audit_inbox ({EVENT_COLUMNS}) "));
            q.push_values(chunk, |mut b, e| push_event(&mut b, e));
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn fold_audit_inbox(&self) -> Result<u64> {
        let Some(inbox) = &self.inbox else { return Ok(0) };
        let moved = self.fold_inbox(inbox).await?;
        inbox.folded();
        Ok(moved)
    }

    async fn fold_inbox(&self, inbox: &AuditInbox) -> Result<u64> {
        let mut moved = 0u64;
        loop {
            let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_inbox").fetch_one(&inbox.pool).await?;
            if newest.is_none() {
                return Ok(moved);
            }
            let mut tx = self.begin_write().await?;
            let upto: i64 = sqlx::query_scalar("SELECT folded_upto FROM audit_inbox_folds WHERE generation = $1")
                .bind(&inbox.generation)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(0);
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id, {EVENT_COLUMNS} FROM audit_inbox WHERE id > $1 ORDER BY id LIMIT $2")))
            .bind(upto)
            .bind(FOLD_BATCH)
            .fetch_all(&inbox.pool)
            .await?;
            let Some(last) = rows.last().map(|r| r.try_get::<i64, _>("id")).transpose()? else {
                // Only entries already in the chain (a crash came before the clean-up).
                tx.rollback().await?;
                sqlx::query("DELETE FROM audit_inbox WHERE id <= $1").bind(upto).execute(&inbox.pool).await?;
                return Ok(moved);
            };
            let events = rows.iter().map(event_from).collect::<Result<Vec<_>>>()?;
            let head = Self::append_in(&mut tx, &events).await?;
            sqlx::query(
                "INSERT INTO audit_inbox_folds (generation, folded_upto) VALUES ($1, $2) \
                 ON CONFLICT (generation) DO UPDATE SET folded_upto = excluded.folded_upto",
            )
            .bind(&inbox.generation)
            .bind(last)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if let Some(h) = head {
                self.witness.observe(&h);
            }
            sqlx::query("DELETE FROM audit_inbox WHERE id <= $1").bind(last).execute(&inbox.pool).await?;
            moved += events.len() as u64;
            if (rows.len() as i64) < FOLD_BATCH {
                return Ok(moved);
            }
        }
    }
}

impl AuditInbox {
    /// Refuse new entries once no fold has succeeded for the limit (logged once when it starts).
    fn admit(&self) -> Result<()> {
        let since = self.last_fold.lock().map(|t| t.elapsed()).unwrap_or(std::time::Duration::MAX);
        if since <= self.limit {
            return Ok(());
        }
        if !self.refusing.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::error!(
                seconds = since.as_secs(),
                "no fold of the audit inbox into the chain has succeeded for longer than data.audit_inbox_limit_seconds; audited reads are refused until one does"
            );
        }
        Err(StoreError::AuditUnavailable)
    }

    /// A fold succeeded: entries are admitted again.
    fn folded(&self) {
        if let Ok(mut t) = self.last_fold.lock() {
            *t = std::time::Instant::now();
        }
        if self.refusing.swap(false, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!("the audit inbox was folded into the chain again; audited reads are answered again");
        }
    }
}
