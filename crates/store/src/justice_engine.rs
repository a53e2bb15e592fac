// The justice track's storage (issue 5), written once and compiled per engine beside `engine.rs`.

/// `INSERT … ON CONFLICT (id) DO UPDATE` guarded by the version: an update applies only when the
/// record's version is one more than the stored one (otherwise nothing is written: stale).
fn justice_upsert_sql(table: &str, cols: &[&str]) -> String {
    let params = (1..=cols.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let updates = cols.iter().filter(|c| **c != "id").map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({params}) ON CONFLICT (id) DO UPDATE SET {updates} WHERE {table}.version + 1 = excluded.version",
        cols.join(", ")
    )
}

fn justice_select_sql<T: Stored<DB>>(tail: &str) -> String {
    format!("SELECT {} FROM {} {tail}", T::COLUMNS.join(", "), T::TABLE)
}

const STALE_JUSTICE: &str = "someone changed this record while you were working on it; nothing was saved — reload it and try again";

impl EngineStore {
    async fn justice_put_in<T: Stored<DB>>(tx: &mut Tx, rec: &T) -> Result<()> {
        let sql = justice_upsert_sql(T::TABLE, T::COLUMNS);
        let r = rec.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut **tx).await.map_err(|e| {
            if unique_violation(&e) { StoreError::Conflict("a record with this reference") } else { StoreError::Database(e) }
        })?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Stale(STALE_JUSTICE));
        }
        Ok(())
    }

    async fn justice_one<T: Stored<DB>>(&self, column: &str, value: impl sqlx::Encode<'_, DB> + sqlx::Type<DB>) -> Result<Option<T>> {
        let sql = justice_select_sql::<T>(&format!("WHERE {column} = $1"));
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(&self.readers).await?;
        Ok(row.as_ref().map(T::from_row).transpose()?)
    }

    async fn justice_of<T: Stored<DB>>(&self, column: &str, id: Uuid, order: &str) -> Result<Vec<T>> {
        let sql = justice_select_sql::<T>(&format!("WHERE {column} = $1 ORDER BY {order}"));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(T::from_row).collect::<Result<Vec<_>, _>>()?)
    }

    /// Save justice records in one transaction with their sealed values, the case-timeline
    /// events (for disclosures) and the audit entries. With `reference_prefix`, the first record
    /// is new and gets the next reference for that prefix, which is returned.
    pub async fn save_justice(
        &self,
        records: &[JusticeRecord],
        reference_prefix: Option<&str>,
        vault: &[VaultEntry],
        events: &[CaseEventRecord],
        audit: &[AuditEvent],
    ) -> Result<Option<String>> {
        let mut tx = self.begin_write().await?;
        let mut reference = None;
        for (i, r) in records.iter().enumerate() {
            let numbered;
            let r = match reference_prefix {
                Some(prefix) if i == 0 => {
                    let (n,): (i64,) = sqlx::query_as(
                        "INSERT INTO reference_counters (prefix, last) VALUES ($1, 1) ON CONFLICT (prefix) DO UPDATE SET last = reference_counters.last + 1 RETURNING last",
                    )
                    .bind(prefix)
                    .fetch_one(&mut *tx)
                    .await?;
                    let given = format!("{prefix}-{n:06}");
                    numbered = r.with_reference(&given);
                    reference = Some(given);
                    &numbered
                }
                _ => r,
            };
            match r {
                JusticeRecord::Investigation(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Report(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Mla(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Suspect(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Charge(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Asset(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Disclosure(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Hearing(x) => Self::justice_put_in(&mut tx, x).await?,
                JusticeRecord::Note(x) => Self::justice_put_in(&mut tx, x).await?,
            }
        }
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        for e in events {
            Self::insert_case_event_in(&mut tx, e).await?;
        }
        self.commit_with(tx, audit).await?;
        Ok(reference)
    }

    pub async fn get_crime_report(&self, id: Uuid) -> Result<Option<CrimeReportRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn get_investigation(&self, id: Uuid) -> Result<Option<InvestigationRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn investigation_by_reference(&self, reference: &str) -> Result<Option<InvestigationRecord>> {
        self.justice_one("reference", reference.to_owned()).await
    }

    pub async fn get_suspect(&self, id: Uuid) -> Result<Option<SuspectRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn get_charge(&self, id: Uuid) -> Result<Option<ChargeRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn get_asset(&self, id: Uuid) -> Result<Option<AssetRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn get_mla_request(&self, id: Uuid) -> Result<Option<MlaRequestRecord>> {
        self.justice_one("id", id).await
    }

    pub async fn get_disclosure(&self, id: Uuid) -> Result<Option<DisclosureRecord>> {
        self.justice_one("id", id).await
    }

    /// The newest reports received by an organisation.
    pub async fn crime_reports_of(&self, org: Uuid, limit: i64) -> Result<Vec<CrimeReportRecord>> {
        let sql = justice_select_sql::<CrimeReportRecord>("WHERE org_id = $1 ORDER BY received_on DESC, id DESC LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(limit).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(<CrimeReportRecord as Stored<DB>>::from_row).collect::<Result<Vec<_>, _>>()?)
    }

    /// The newest investigations an organisation leads or prosecutes.
    pub async fn investigations_of(&self, org: Uuid, limit: i64) -> Result<Vec<InvestigationRecord>> {
        let sql = justice_select_sql::<InvestigationRecord>(
            "WHERE lead_org_id = $1 OR prosecution_org_id = $2 ORDER BY opened_on DESC, id DESC LIMIT $3",
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(org).bind(limit).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(<InvestigationRecord as Stored<DB>>::from_row).collect::<Result<Vec<_>, _>>()?)
    }

    /// An investigation with everything recorded under it.
    pub async fn investigation_file(&self, id: Uuid) -> Result<Option<InvestigationFile>> {
        let Some(investigation) = self.get_investigation(id).await? else { return Ok(None) };
        Ok(Some(InvestigationFile {
            investigation,
            reports: self.justice_of("investigation_id", id, "received_on, id").await?,
            mla: self.justice_of("investigation_id", id, "requested_on, id").await?,
            suspects: self.justice_of("investigation_id", id, "reference").await?,
            charges: self.justice_of("investigation_id", id, "charged_on, id").await?,
            assets: self.justice_of("investigation_id", id, "created_at, id").await?,
            disclosures: self.justice_of("investigation_id", id, "created_at, id").await?,
            hearings: self.justice_of("investigation_id", id, "held_on, id").await?,
            notes: self.justice_of("investigation_id", id, "created_at, id").await?,
        }))
    }

    /// A victim's case's disclosures to investigations and their hearings, with each
    /// investigation's reference.
    pub async fn disclosures_of_case(&self, case_id: Uuid) -> Result<(Vec<(DisclosureRecord, String)>, Vec<HearingRecord>)> {
        let cols = <DisclosureRecord as Stored<DB>>::COLUMNS.iter().map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {cols}, i.reference AS investigation_reference FROM disclosures d JOIN investigations i ON i.id = d.investigation_id \
             WHERE d.case_id = $1 ORDER BY d.created_at, d.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case_id).fetch_all(&self.readers).await?;
        let disclosures = rows
            .iter()
            .map(|r| Ok((<DisclosureRecord as Stored<DB>>::from_row(r)?, r.try_get("investigation_reference")?)))
            .collect::<Result<Vec<_>>>()?;
        let hearings = if disclosures.is_empty() {
            Vec::new()
        } else {
            let sql = justice_select_sql::<HearingRecord>(
                "WHERE case_id = $1 OR (disclosure_id IS NULL AND investigation_id IN (SELECT investigation_id FROM disclosures WHERE case_id = $2)) ORDER BY held_on, id",
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case_id).bind(case_id).fetch_all(&self.readers).await?;
            rows.iter().map(<HearingRecord as Stored<DB>>::from_row).collect::<Result<Vec<_>, _>>()?
        };
        Ok((disclosures, hearings))
    }

    /// Hearings from `from` to `until` in the cases a user is the assigned case worker of, with
    /// the case reference (the case worker's reminders).
    pub async fn hearings_for_case_worker(&self, user: UserId, from: time::Date, until: time::Date) -> Result<Vec<(HearingRecord, String)>> {
        let cols = <HearingRecord as Stored<DB>>::COLUMNS.iter().map(|c| format!("h.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT DISTINCT {cols}, c.id AS for_case, c.reference AS case_reference FROM hearings h \
             JOIN disclosures d ON (d.id = h.disclosure_id OR (h.disclosure_id IS NULL AND d.investigation_id = h.investigation_id)) \
             JOIN cases c ON c.id = d.case_id \
             WHERE c.case_worker_id = $1 AND h.held_on >= $2 AND h.held_on <= $3 AND d.ended_on IS NULL ORDER BY h.held_on, h.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.0).bind(from).bind(until).fetch_all(&self.readers).await?;
        rows.iter()
            .map(|r| {
                let mut h = <HearingRecord as Stored<DB>>::from_row(r)?;
                h.case_id = Some(r.try_get("for_case")?);
                Ok((h, r.try_get("case_reference")?))
            })
            .collect()
    }

    /// Reports received from victims that are neither investigated nor closed (¶5(b)(i)).
    pub async fn victim_reports_waiting(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM crime_reports WHERE channel = 'victim' AND status = 'received'").fetch_one(&self.readers).await?;
        Ok(n)
    }

    /// Persons investigated (became suspects), prosecuted (charged) and convicted between `from`
    /// and `to` (exclusive), by sex, age group and citizenships: the UNODC questionnaire's
    /// persons tables. A person counts once per stage however many charges they face.
    pub async fn justice_counts(&self, from: time::Date, to: time::Date) -> Result<Vec<JusticeCount>> {
        let rows = sqlx::query(
            "SELECT 'investigated' AS stage, sex, age_group, citizenships, COUNT(*) AS persons FROM suspects \
               WHERE suspected_on >= $1 AND suspected_on < $2 GROUP BY sex, age_group, citizenships \
             UNION ALL \
             SELECT 'prosecuted', s.sex, s.age_group, s.citizenships, COUNT(*) FROM suspects s \
               WHERE EXISTS (SELECT 1 FROM charges c WHERE c.suspect_id = s.id AND c.charged_on >= $3 AND c.charged_on < $4) \
               GROUP BY s.sex, s.age_group, s.citizenships \
             UNION ALL \
             SELECT 'convicted', s.sex, s.age_group, s.citizenships, COUNT(*) FROM suspects s \
               WHERE EXISTS (SELECT 1 FROM charges c WHERE c.suspect_id = s.id AND c.verdict = 'convicted' AND c.verdict_on >= $5 AND c.verdict_on < $6) \
               GROUP BY s.sex, s.age_group, s.citizenships \
             ORDER BY 1, 2, 3, 4",
        )
        .bind(from)
        .bind(to)
        .bind(from)
        .bind(to)
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JusticeCount {
                    stage: r.try_get(0)?,
                    sex: r.try_get(1)?,
                    age_group: r.try_get(2)?,
                    citizenships: r.try_get(3)?,
                    persons: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The value of assets confiscated between `from` and `to` (exclusive), per currency, in
    /// minor units (whatever happened to them afterwards).
    pub async fn confiscated_value(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT currency, CAST(SUM(value_minor) AS BIGINT) FROM assets WHERE confiscated_on >= $1 AND confiscated_on < $2 GROUP BY currency ORDER BY currency",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows)
    }

    /// Victims detected: cases (referrals and anonymous notifications) referred between `from`
    /// and `to` (exclusive), by sex, age group and form of exploitation — SDG 16.2.2.
    pub async fn victims_detected(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, i64)>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT sex, age_group, exploitation_form, COUNT(*) FROM cases WHERE referred_on >= $1 AND referred_on < $2 \
             GROUP BY sex, age_group, exploitation_form ORDER BY 1, 2, 3",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows)
    }

    /// The cases of victims detected between `from` and `to` (exclusive) and the persons they
    /// concern: a person with several cases in the period — referred again, or recorded twice
    /// and merged in the duplicate review (a merge moves the cases to the record kept) — counts
    /// once; an anonymous notification (no person record) counts as one person.
    pub async fn victims_detected_persons(&self, from: time::Date, to: time::Date) -> Result<DetectedPersons> {
        let (cases, persons, more_than_once): (i64, i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), COUNT(*), CAST(COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM (SELECT COUNT(*) AS n FROM cases WHERE referred_on >= $1 AND referred_on < $2 GROUP BY COALESCE(person_id, id)) AS per_person",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.readers)
        .await?;
        Ok(DetectedPersons { cases, persons, more_than_once })
    }

    /// Save prevention records (campaigns, trainings, budgets, treaty status) in one transaction:
    /// a treaty-status import is all or nothing.
    pub async fn save_prevention(&self, records: &[PreventionRecord], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for r in records {
            match r {
                PreventionRecord::Campaign(x) => Self::justice_put_in(&mut tx, x).await?,
                PreventionRecord::Training(x) => Self::justice_put_in(&mut tx, x).await?,
                PreventionRecord::Budget(x) => Self::justice_put_in(&mut tx, x).await?,
                PreventionRecord::Treaty(x) => Self::justice_put_in(&mut tx, x).await?,
            }
        }
        self.commit_with(tx, audit).await
    }

    async fn all_of<T: Stored<DB>>(&self, order: &str) -> Result<Vec<T>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(justice_select_sql::<T>(&format!("ORDER BY {order}")))).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(T::from_row).collect::<Result<Vec<_>, _>>()?)
    }

    pub async fn campaigns(&self) -> Result<Vec<CampaignRecord>> {
        self.all_of("starts_on DESC, id").await
    }

    pub async fn trainings(&self) -> Result<Vec<TrainingRecord>> {
        self.all_of("held_on DESC, id").await
    }

    pub async fn budgets(&self) -> Result<Vec<BudgetRecord>> {
        self.all_of("fiscal_year DESC, programme_area, id").await
    }

    pub async fn treaty_status(&self) -> Result<Vec<TreatyStatusRecord>> {
        self.all_of("country, instrument").await
    }

    /// Named yearly figures for the implementation report, each counted over `[from, to)` (dates)
    /// or `[from_at, to_at)` (timestamps), in one statement.
    pub async fn report_numbers(&self, from: time::Date, to: time::Date, from_at: OffsetDateTime, to_at: OffsetDateTime) -> Result<Vec<(String, i64)>> {
        // (name, query with two placeholders {a} {b}, whether the range is timestamps)
        let parts: &[(&str, &str, bool)] = &[
            ("investigations_opened", "SELECT COUNT(*) FROM investigations WHERE opened_on >= {a} AND opened_on < {b}", false),
            ("joint_teams", "SELECT COUNT(*) FROM investigations WHERE joint_team AND opened_on >= {a} AND opened_on < {b}", false),
            ("mla_sent", "SELECT COUNT(*) FROM mla_requests WHERE direction = 'sent' AND requested_on >= {a} AND requested_on < {b}", false),
            ("mla_received", "SELECT COUNT(*) FROM mla_requests WHERE direction = 'received' AND requested_on >= {a} AND requested_on < {b}", false),
            ("victim_reports_investigated", "SELECT COUNT(*) FROM crime_reports WHERE channel = 'victim' AND status = 'investigated' AND received_on >= {a} AND received_on < {b}", false),
            ("victim_reports_closed", "SELECT COUNT(*) FROM crime_reports WHERE channel = 'victim' AND status = 'closed' AND received_on >= {a} AND received_on < {b}", false),
            ("victim_reports_waiting", "SELECT COUNT(*) FROM crime_reports WHERE channel = 'victim' AND status = 'received' AND received_on >= {a} AND received_on < {b}", false),
            ("other_reports", "SELECT COUNT(*) FROM crime_reports WHERE channel <> 'victim' AND received_on >= {a} AND received_on < {b}", false),
            ("money_laundering_persons", "SELECT COUNT(DISTINCT suspect_id) FROM charges WHERE offence = 'money_laundering' AND charged_on >= {a} AND charged_on < {b}", false),
            ("victims_in_proceedings", "SELECT COUNT(DISTINCT case_id) FROM disclosures WHERE created_at >= {a} AND created_at < {b}", true),
            ("victims_with_protection", "SELECT COUNT(DISTINCT case_id) FROM disclosures WHERE protection <> '' AND created_at >= {a} AND created_at < {b}", true),
            ("rg_positive", "SELECT COUNT(*) FROM cases WHERE rg_positive_on >= {a} AND rg_positive_on < {b}", false),
        ];
        let mut sql = String::new();
        for (i, (name, q, _)) in parts.iter().enumerate() {
            if i > 0 {
                sql.push_str(" UNION ALL ");
            }
            let q = q.replace("{a}", &format!("${}", 2 * i + 1)).replace("{b}", &format!("${}", 2 * i + 2));
            sql.push_str(&format!("SELECT '{name}' AS name, ({q}) AS n"));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (_, _, ts) in parts {
            query = if *ts { query.bind(from_at).bind(to_at) } else { query.bind(from).bind(to) };
        }
        let rows = query.fetch_all(&self.readers).await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>("name")?, r.try_get::<i64, _>("n")?))).collect()
    }

    /// Services delivered in `[from, to)` by kind.
    pub async fn services_by_kind(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT kind, COUNT(*) FROM services_delivered WHERE delivered_on >= $1 AND delivered_on < $2 GROUP BY kind ORDER BY kind")
            .bind(from)
            .bind(to)
            .fetch_all(&self.readers)
            .await?)
    }

    /// Referrals into the NRM in `[from, to)` by sex, age group and nationality (the first
    /// citizenship when the case was opened; empty when none): (sex, age group, nationality,
    /// referrals, of them with a positive reasonable-grounds decision) — the one read behind the
    /// published referral tables (process equity, ¶8). Grouped in the order of the index
    /// `cases_waits` (migration 0016), so the groups stream from it without a sort.
    pub async fn referrals_by_group(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT sex, age_group, COALESCE(nationality, ''), COUNT(*), CAST(SUM(CASE WHEN rg_positive_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
             FROM cases WHERE kind = 'referral' AND referred_on >= $1 AND referred_on < $2 GROUP BY sex, age_group, nationality",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?)
    }

    pub async fn set_dp_budget(&self, budget: &DpBudgetRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Self::justice_put_in(&mut tx, budget).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn dp_budget(&self, series: &str) -> Result<Option<DpBudgetRecord>> {
        self.justice_one("series", series.to_owned()).await
    }

    pub async fn dp_releases(&self, series: &str) -> Result<Vec<DpReleaseRecord>> {
        let sql = justice_select_sql::<DpReleaseRecord>("WHERE series = $1 ORDER BY released_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(series).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(<DpReleaseRecord as Stored<DB>>::from_row).collect::<Result<Vec<_>, _>>()?)
    }

    pub async fn charge_dp_release(&self, release: &DpReleaseRecord, audit: &[AuditEvent]) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
        let budget: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT epsilon_budget_micro FROM dp_budgets WHERE series = $1{lock}")))
            .bind(&release.series)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((budget,)) = budget else { return Ok(false) };
        let (spent,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(epsilon_micro), 0) AS BIGINT) FROM dp_releases WHERE series = $1")
            .bind(&release.series)
            .fetch_one(&mut *tx)
            .await?;
        if spent.saturating_add(release.epsilon_micro) > budget {
            return Ok(false);
        }
        Self::justice_put_in(&mut tx, release).await?;
        self.commit_with(tx, audit).await?;
        Ok(true)
    }

    /// NRM waiting times of the referrals made in `[from, to)`, grouped: (sex, age group,
    /// citizenships, days from referral to the first reasonable-grounds decision, days from it to
    /// the first conclusive-grounds decision, referrals). One grouped scan of the cases (the
    /// decision dates are kept on the case, migration 0015).
    pub async fn decision_waits(&self, from: time::Date, to: time::Date) -> Result<Vec<DecisionWait>> {
        // Grouped in the order of the index `cases_waits` (migration 0016): no sort.
        Ok(sqlx::query_as(
            "SELECT sex, age_group, COALESCE(nationality, ''), CAST(rg_wait_days AS BIGINT), CAST(cg_wait_days AS BIGINT), COUNT(*) \
             FROM cases WHERE kind = 'referral' AND referred_on >= $1 AND referred_on < $2 \
             GROUP BY sex, age_group, nationality, rg_wait_days, cg_wait_days",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Victims detected in `[from, to)` by sex, age group, nationality (the first citizenship
    /// when the case was opened; anonymous notifications have no person: empty) and country of
    /// exploitation (empty when not recorded), in one pass for GLOTIP's linked tables.
    pub async fn victims_by_country(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT sex, age_group, COALESCE(nationality, ''), COALESCE(exploitation_country, ''), COUNT(*) FROM cases \
             WHERE referred_on >= $1 AND referred_on < $2 GROUP BY sex, age_group, nationality, exploitation_country",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Investigations opened in `[from, to)` by their forms of exploitation (a list of codes).
    pub async fn investigation_forms(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT forms, COUNT(*) FROM investigations WHERE opened_on >= $1 AND opened_on < $2 GROUP BY forms ORDER BY 1")
            .bind(from)
            .bind(to)
            .fetch_all(&self.readers)
            .await?)
    }

    /// One row per victim detected in `[from, to)` with the coded facts the CTDC microdata
    /// carry: referral date, sex, age group, age at identification, citizenships, form of
    /// exploitation, the latest screening's means and purposes, and the latest consent to
    /// statistics (given, refused, withdrawn or empty), the country of exploitation (ISO 3166-1
    /// alpha-3 or empty). No identity.
    pub async fn ctdc_sources(&self, from: time::Date, to: time::Date) -> Result<Vec<CtdcSource>> {
        Ok(sqlx::query_as(
            "SELECT c.referred_on, c.sex, c.age_group, p.age_at_identification, COALESCE(p.citizenships, ''), c.exploitation_form, \
               COALESCE((SELECT s.means FROM screenings s WHERE s.case_id = c.id ORDER BY s.screened_on DESC, s.created_at DESC LIMIT 1), ''), \
               COALESCE((SELECT s.purposes FROM screenings s WHERE s.case_id = c.id ORDER BY s.screened_on DESC, s.created_at DESC LIMIT 1), '') \
               , COALESCE((SELECT k.status FROM consents k WHERE k.case_id = c.id AND k.purpose = 'statistics' \
                   ORDER BY k.case_version DESC, k.recorded_at DESC LIMIT 1), ''), COALESCE(c.exploitation_country, '') \
             FROM cases c LEFT JOIN persons p ON p.id = c.person_id \
             WHERE c.referred_on >= $1 AND c.referred_on < $2 ORDER BY c.referred_on, c.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Referrals between organisations sent in `[from, to)`: service kind, status, when sent and
    /// when answered (accepted or declined), for the response-time statistics.
    pub async fn referral_responses(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, String, OffsetDateTime, Option<OffsetDateTime>)>> {
        Ok(sqlx::query_as("SELECT kind, status, sent_at, responded_at FROM referrals WHERE sent_at >= $1 AND sent_at < $2")
            .bind(from)
            .bind(to)
            .fetch_all(&self.readers)
            .await?)
    }

    /// Victims detected in `[from, to)` by sex, age group, form of exploitation and day of
    /// referral: the finest cells of the victims tables and of the cases per month, in one read.
    /// Grouped in the order of the covering index `cases_detected`, so the groups stream from it
    /// (at 1M cases on SQLite 0.14–0.3 s, where the months as twelve sums over a scan took 0.49 s
    /// beside a read by form of 0.14 s).
    pub async fn victims_by_day(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, time::Date, i64)>> {
        Ok(sqlx::query_as(
            "SELECT sex, age_group, exploitation_form, referred_on, COUNT(*) FROM cases WHERE referred_on >= $1 AND referred_on < $2 \
             GROUP BY sex, age_group, exploitation_form, referred_on",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.readers)
        .await?)
    }
}
