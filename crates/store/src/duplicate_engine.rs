// Duplicate review (issue 7), written once and compiled per engine beside `engine.rs`.

impl EngineStore {
    /// The organisations that have persons not merged into another record.
    pub async fn organisations_with_persons(&self) -> Result<Vec<OrgId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT organisation_id FROM persons WHERE merged_into IS NULL")
            .fetch_all(&self.readers)
            .await?;
        Ok(ids.into_iter().map(OrgId).collect())
    }

    /// Every person of an organisation not merged into another record (for linkage).
    pub async fn persons_for_linkage(&self, org: OrgId) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE organisation_id = $1 AND merged_into IS NULL \
             AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.person_id = persons.id) ORDER BY id"
        )))
        .bind(org.0)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(person_from).collect()
    }

    /// Replace an organisation's open candidates with those just found: a pair already open
    /// keeps its id and gets the new probability and levels; a pair someone decided on
    /// (merged, different) is left as decided; open pairs not found again are removed.
    pub async fn replace_duplicate_candidates(&self, org: OrgId, found: &[DuplicateCandidateRecord], at: OffsetDateTime, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for d in found {
            sqlx::query(
                "INSERT INTO duplicate_candidates (id, organisation_id, person_a, person_b, probability, levels, status, found_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, 1) \
                 ON CONFLICT (person_a, person_b) DO UPDATE SET probability = excluded.probability, levels = excluded.levels, \
                 found_at = excluded.found_at, version = duplicate_candidates.version + 1 WHERE duplicate_candidates.status = 'open'",
            )
            .bind(d.id)
            .bind(org.0)
            .bind(d.person_a)
            .bind(d.person_b)
            .bind(d.probability)
            .bind(&d.levels)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM duplicate_candidates WHERE organisation_id = $1 AND status = 'open' AND found_at <> $2")
            .bind(org.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        self.commit_with(tx, audit).await
    }

    /// An organisation's candidates: the open ones whose two records both still stand (most
    /// probable first), then the decided ones (newest decision first); at most `limit` of each.
    pub async fn duplicate_candidates_of(&self, org: OrgId, limit: i64) -> Result<Vec<DuplicateCandidateRecord>> {
        let open = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DUPLICATE_COLUMNS} FROM duplicate_candidates d \
             JOIN persons pa ON pa.id = d.person_a JOIN persons pb ON pb.id = d.person_b \
             WHERE d.organisation_id = $1 AND d.status = 'open' AND pa.merged_into IS NULL AND pb.merged_into IS NULL \
             ORDER BY d.probability DESC, d.id LIMIT $2"
        )))
        .bind(org.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        let decided = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DUPLICATE_COLUMNS} FROM duplicate_candidates d WHERE d.organisation_id = $1 AND d.status <> 'open' \
             ORDER BY d.decided_at DESC, d.id LIMIT $2"
        )))
        .bind(org.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        open.iter().chain(decided.iter()).map(duplicate_from).collect()
    }

    pub async fn get_duplicate_candidate(&self, id: Uuid) -> Result<Option<DuplicateCandidateRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DUPLICATE_COLUMNS} FROM duplicate_candidates d WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(duplicate_from).transpose()
    }

    /// The ids of the cases about a person.
    pub async fn cases_of_person(&self, person: Uuid) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar("SELECT id FROM cases WHERE person_id = $1 ORDER BY id").bind(person).fetch_all(&self.readers).await?)
    }

    /// Record a reviewer's "different people" on an open candidate (`d.version` is the version read).
    pub async fn decide_duplicate_different(&self, d: &DuplicateCandidateRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE duplicate_candidates SET status = 'different', decided_by = $1, decided_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND status = 'open'",
        )
        .bind(d.decided_by.map(|u| u.0))
        .bind(d.decided_at)
        .bind(d.id)
        .bind(d.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale("someone decided on this pair while you were working on it; nothing was saved — reload and try again"));
        }
        self.commit_with(tx, audit).await
    }

    /// Merge: the other record of the pair is marked merged into `d.survivor`, and its cases —
    /// exactly `moved` — now concern the survivor; what moved is kept on the candidate so an
    /// unmerge can put it back. All or nothing: [`StoreError::Stale`] if the pair, either record
    /// or the other record's cases changed since they were read, or if one of those cases is
    /// no longer owned by the pair's organisation.
    pub async fn merge_duplicate(&self, d: &DuplicateCandidateRecord, absorbed: Uuid, moved: &[Uuid], events: &[CaseEventRecord], audit: &[AuditEvent]) -> Result<()> {
        const STALE: &str = "these records changed while you were reviewing them; nothing was saved — reload and try again";
        let survivor = d.survivor.ok_or(StoreError::Stale(STALE))?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE duplicate_candidates SET status = 'merged', decided_by = $1, decided_at = $2, survivor = $3, moved_cases = $4, version = version + 1 \
             WHERE id = $5 AND version = $6 AND status = 'open'",
        )
        .bind(d.decided_by.map(|u| u.0))
        .bind(d.decided_at)
        .bind(survivor)
        .bind(&d.moved_cases)
        .bind(d.id)
        .bind(d.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale(STALE));
        }
        let still: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons WHERE id = $1 AND merged_into IS NULL").bind(survivor).fetch_one(&mut *tx).await?;
        let marked = sqlx::query("UPDATE persons SET merged_into = $1, version = version + 1 WHERE id = $2 AND merged_into IS NULL")
            .bind(survivor)
            .bind(absorbed)
            .execute(&mut *tx)
            .await?;
        if still != 1 || marked.rows_affected() != 1 {
            return Err(StoreError::Stale(STALE));
        }
        // Only cases the pair's organisation still owns move: a transfer of ownership accepted
        // since the service checked would otherwise show another organisation the record kept
        // (need-to-know); the count then differs and nothing is saved.
        let moved_now = sqlx::query("UPDATE cases SET person_id = $1, updated_at = $2, version = version + 1 WHERE person_id = $3 AND owner_org_id = $4")
            .bind(survivor)
            .bind(d.decided_at)
            .bind(absorbed)
            .bind(d.organisation_id.0)
            .execute(&mut *tx)
            .await?;
        if moved_now.rows_affected() != moved.len() as u64 {
            return Err(StoreError::Stale(STALE));
        }
        for e in events {
            Self::insert_case_event_in(&mut tx, e).await?;
        }
        Self::refresh_decision_dates_in(&mut tx, moved).await?;
        self.commit_with(tx, audit).await
    }

    /// Undo a merge: the absorbed record stands again and the cases the merge moved go back to
    /// it. [`StoreError::Stale`] if the pair changed, or if a moved case no longer concerns the
    /// survivor (a later merge took it further: undo that one first).
    pub async fn unmerge_duplicate(&self, d: &DuplicateCandidateRecord, absorbed: Uuid, moved: &[Uuid], events: &[CaseEventRecord], audit: &[AuditEvent]) -> Result<()> {
        const STALE: &str = "these records changed since the merge (undo any later merge of them first); nothing was saved — reload and try again";
        let survivor = d.survivor.ok_or(StoreError::Stale(STALE))?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE duplicate_candidates SET status = 'open', decided_by = $1, decided_at = $2, survivor = NULL, moved_cases = NULL, version = version + 1 \
             WHERE id = $3 AND version = $4 AND status = 'merged'",
        )
        .bind(d.decided_by.map(|u| u.0))
        .bind(d.decided_at)
        .bind(d.id)
        .bind(d.version)
        .execute(&mut *tx)
        .await?;
        let restored = sqlx::query("UPDATE persons SET merged_into = NULL, version = version + 1 WHERE id = $1 AND merged_into = $2")
            .bind(absorbed)
            .bind(survivor)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 || restored.rows_affected() != 1 {
            return Err(StoreError::Stale(STALE));
        }
        let mut back = 0;
        for id in moved {
            back += sqlx::query("UPDATE cases SET person_id = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND person_id = $4")
                .bind(absorbed)
                .bind(d.decided_at)
                .bind(*id)
                .bind(survivor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if back != moved.len() as u64 {
            return Err(StoreError::Stale(STALE));
        }
        for e in events {
            Self::insert_case_event_in(&mut tx, e).await?;
        }
        Self::refresh_decision_dates_in(&mut tx, moved).await?;
        self.commit_with(tx, audit).await
    }
}
