// The e-mail outbox (issue 4), written once and compiled per engine beside `engine.rs`.

const OUTBOX_COLUMNS: &str = "id, recipient_user_id, kind, subject, body, status, attempts, next_attempt_at, last_error, created_at, sent_at";

fn outbox_from(row: &Row_) -> Result<OutboxRecord> {
    Ok(OutboxRecord {
        id: row.try_get("id")?,
        recipient_user_id: UserId(row.try_get("recipient_user_id")?),
        kind: row.try_get("kind")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

impl EngineStore {
    /// Queue notifications inside the transaction of the change they announce.
    async fn insert_outbox_in(tx: &mut Tx, rows: &[OutboxRecord]) -> Result<()> {
        for o in rows {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO email_outbox ({OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )))
            .bind(o.id)
            .bind(o.recipient_user_id.0)
            .bind(&o.kind)
            .bind(&o.subject)
            .bind(&o.body)
            .bind(&o.status)
            .bind(o.attempts)
            .bind(o.next_attempt_at)
            .bind(&o.last_error)
            .bind(o.created_at)
            .bind(o.sent_at)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Pending notifications whose time has come, oldest first.
    pub async fn outbox_due(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutboxRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(outbox_from).collect()
    }

    /// Record what became of a notification (sent, a retry later, given up, no address).
    pub async fn outbox_mark(&self, o: &OutboxRecord) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE email_outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, sent_at = $5 WHERE id = $6")
            .bind(&o.status)
            .bind(o.attempts)
            .bind(o.next_attempt_at)
            .bind(&o.last_error)
            .bind(o.sent_at)
            .bind(o.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's newest notifications (for their own view and the tests).
    pub async fn outbox_of_user(&self, user: UserId, limit: i64) -> Result<Vec<OutboxRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM email_outbox WHERE recipient_user_id = $1 ORDER BY created_at DESC, id LIMIT $2"
        )))
        .bind(user.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(outbox_from).collect()
    }
}
