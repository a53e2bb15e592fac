// The store, written once and compiled per engine: included into `sqlite` and `postgres`, each
// of which defines `DB`, `IS_POSTGRES`, `LOCK_HEAD`, `MIGRATION_LOCK`, `MIGRATIONS` and
// `EngineStore::{connect, begin_write}`.

use palermo_domain::audit::{GENESIS, Outcome, chain_hash};
use palermo_domain::clock::truncate_to_micros;
use sqlx::Row;

type Row_ = <DB as sqlx::Database>::Row;
type Tx = sqlx::Transaction<'static, DB>;

/// A timeline entry that is a reasonable-grounds or conclusive-grounds decision.
fn is_decision_event(kind: &str) -> bool {
    matches!(kind, "decide_reasonable_grounds" | "decide_conclusive_grounds")
}

pub struct EngineStore {
    readers: sqlx::Pool<DB>,
    /// The case list's statements (see `list_cases`). PostgreSQL: a pool of its own whose
    /// connections keep generic plans (`plan_cache_mode = force_generic_plan`); SQLite: the readers.
    lists: sqlx::Pool<DB>,
    writer: sqlx::Pool<DB>,
    witness: Arc<dyn HeadWitness>,
    /// SQLite's audit inbox, when this store was opened for the application (see
    /// `audit_inbox_engine.rs`); `None` on PostgreSQL and for tools.
    inbox: Option<AuditInbox>,
    /// PostgreSQL, opened for the application: the sessions resolved and not announced changed
    /// since (see [`crate::session_cache`]); `None` on SQLite and for tools.
    sessions: Option<Arc<crate::session_cache::SessionCache>>,
    /// Dropped with the store: stops the session listener.
    _stop_listening: Option<tokio::sync::oneshot::Sender<()>>,
}

/// SQLite's audit inbox: a database file of its own beside the main one (opened in the
/// `sqlite` module; never on PostgreSQL).
struct AuditInbox {
    pool: sqlx::Pool<DB>,
    /// A random id made when the inbox file is created; the chain records per generation the
    /// last inbox entry it holds.
    generation: Vec<u8>,
    /// Reads are refused once no fold has succeeded for this long.
    limit: std::time::Duration,
    /// When a fold last succeeded (or the inbox was opened).
    last_fold: std::sync::Mutex<std::time::Instant>,
    /// Reads are being refused (logged once when it starts).
    refusing: std::sync::atomic::AtomicBool,
}

/// An update that touched no row means the record does not exist.
fn found(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

fn unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

fn org_from(row: &Row_) -> Result<OrgRecord> {
    Ok(OrgRecord {
        id: OrgId(row.try_get("id")?),
        name: row.try_get("name")?,
        org_type: row.try_get("org_type")?,
        sector: row.try_get("sector")?,
        region: row.try_get("region")?,
        is_operator: row.try_get("is_operator")?,
        created_at: row.try_get("created_at")?,
    })
}

fn user_from(row: &Row_) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        organisation_id: OrgId(row.try_get("organisation_id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        roles: row.try_get("roles")?,
        password_hash: row.try_get("password_hash")?,
        locale: row.try_get("locale")?,
        disabled: row.try_get("disabled")?,
        mfa_secret: row.try_get("mfa_secret")?,
        mfa_enabled: row.try_get("mfa_enabled")?,
        mfa_last_step: row.try_get("mfa_last_step")?,
        mfa_exempt: row.try_get("mfa_exempt")?,
        password_changed_at: row.try_get("password_changed_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn person_from(row: &Row_) -> Result<PersonRecord> {
    person_from_prefixed(row, "")
}

/// A column's name with a prefix (`p_id`), without an allocation when there is none.
fn column(prefix: &str, name: &'static str) -> std::borrow::Cow<'static, str> {
    if prefix.is_empty() { std::borrow::Cow::Borrowed(name) } else { std::borrow::Cow::Owned(format!("{prefix}{name}")) }
}

/// A person from columns named with `prefix` (`p_id`, `p_reference`, … where a statement selects
/// the person beside another record, see [`PERSON_COLUMNS_AS_P`]).
fn person_from_prefixed(row: &Row_, prefix: &str) -> Result<PersonRecord> {
    let col = |name: &'static str| column(prefix, name);
    Ok(PersonRecord {
        id: row.try_get(&*col("id"))?,
        reference: row.try_get(&*col("reference"))?,
        organisation_id: OrgId(row.try_get(&*col("organisation_id"))?),
        created_by: UserId(row.try_get(&*col("created_by"))?),
        sex: row.try_get(&*col("sex"))?,
        age_at_identification: row.try_get(&*col("age_at_identification"))?,
        age_group: row.try_get(&*col("age_group"))?,
        citizenships: row.try_get(&*col("citizenships"))?,
        languages: row.try_get(&*col("languages"))?,
        migration_status: row.try_get(&*col("migration_status"))?,
        created_at: row.try_get(&*col("created_at"))?,
        merged_into: row.try_get(&*col("merged_into"))?,
    })
}

const PERSON_COLUMNS: &str =
    "id, reference, organisation_id, created_by, sex, age_at_identification, age_group, citizenships, languages, migration_status, created_at, merged_into";

/// [`PERSON_COLUMNS`] of the persons table aliased `p`, each named with the prefix `p_`.
const PERSON_COLUMNS_AS_P: &str = "p.id AS p_id, p.reference AS p_reference, p.organisation_id AS p_organisation_id, p.created_by AS p_created_by, \
     p.sex AS p_sex, p.age_at_identification AS p_age_at_identification, p.age_group AS p_age_group, p.citizenships AS p_citizenships, \
     p.languages AS p_languages, p.migration_status AS p_migration_status, p.created_at AS p_created_at, p.merged_into AS p_merged_into";

const DUPLICATE_COLUMNS: &str = "d.id, d.organisation_id, d.person_a, d.person_b, d.probability, d.levels, d.status, d.found_at, d.decided_by, d.decided_at, \
     d.survivor, d.moved_cases, d.version";

fn duplicate_from(row: &Row_) -> Result<DuplicateCandidateRecord> {
    Ok(DuplicateCandidateRecord {
        id: row.try_get("id")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        person_a: row.try_get("person_a")?,
        person_b: row.try_get("person_b")?,
        probability: row.try_get("probability")?,
        levels: row.try_get("levels")?,
        status: row.try_get("status")?,
        found_at: row.try_get("found_at")?,
        decided_by: row.try_get::<Option<Uuid>, _>("decided_by")?.map(UserId),
        decided_at: row.try_get("decided_at")?,
        survivor: row.try_get("survivor")?,
        moved_cases: row.try_get("moved_cases")?,
        version: row.try_get("version")?,
    })
}

/// The case file's optional sections: each a table with a `case_id`, and the bit that says, in
/// `cases.sections_present`, that the case has rows there. The triggers of migration 0025 set the
/// bit when a row is inserted (see the test `section_bits_are_the_migrations`).
pub(crate) mod section {
    pub const BREAK_GLASS: i32 = 2;
    pub const REFERRALS: i32 = 8;
    pub const SERVICES_DELIVERED: i32 = 16;
    pub const RESIDENCE_PERMITS: i32 = 32;
    pub const CHILD_RECORDS: i32 = 64;
    pub const COMPENSATION_CLAIMS: i32 = 128;
    pub const RISK_ASSESSMENTS: i32 = 256;
    pub const FOLLOW_UPS: i32 = 512;
    pub const SUPPORT_PLANS: i32 = 1024;
    pub const DISCLOSURES: i32 = 2048;
    #[cfg(test)]
    pub const TABLES: [(&str, i32); 10] = [
        ("break_glass", BREAK_GLASS),
        ("referrals", REFERRALS),
        ("services_delivered", SERVICES_DELIVERED),
        ("residence_permits", RESIDENCE_PERMITS),
        ("child_records", CHILD_RECORDS),
        ("compensation_claims", COMPENSATION_CLAIMS),
        ("risk_assessments", RISK_ASSESSMENTS),
        ("follow_ups", FOLLOW_UPS),
        ("support_plans", SUPPORT_PLANS),
        ("disclosures", DISCLOSURES),
    ];
}

const CASE_COLUMNS: &str = "c.id, c.reference, c.kind, c.person_id, c.owner_org_id, c.authority_org_id, c.case_worker_id, c.decision_maker_id, c.region, c.stage, \
     c.referred_on, c.rg_positive_on, c.last_negative_kind, c.last_negative_told_on, c.ended_from, c.deadline_kind, c.deadline_on, c.sex, c.age_group, \
     c.exploitation_form, c.exploitation_country, c.created_by, c.created_at, c.updated_at, c.version";

fn case_from(row: &Row_) -> Result<CaseRecord> {
    Ok(CaseRecord {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        kind: row.try_get("kind")?,
        person_id: row.try_get("person_id")?,
        owner_org_id: OrgId(row.try_get("owner_org_id")?),
        authority_org_id: row.try_get::<Option<Uuid>, _>("authority_org_id")?.map(OrgId),
        case_worker_id: row.try_get::<Option<Uuid>, _>("case_worker_id")?.map(UserId),
        decision_maker_id: row.try_get::<Option<Uuid>, _>("decision_maker_id")?.map(UserId),
        region: row.try_get("region")?,
        stage: row.try_get("stage")?,
        referred_on: row.try_get("referred_on")?,
        rg_positive_on: row.try_get("rg_positive_on")?,
        last_negative_kind: row.try_get("last_negative_kind")?,
        last_negative_told_on: row.try_get("last_negative_told_on")?,
        ended_from: row.try_get("ended_from")?,
        deadline_kind: row.try_get("deadline_kind")?,
        deadline_on: row.try_get("deadline_on")?,
        sex: row.try_get("sex")?,
        age_group: row.try_get("age_group")?,
        exploitation_form: row.try_get("exploitation_form")?,
        exploitation_country: row.try_get("exploitation_country")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

fn screening_from(row: &Row_) -> Result<ScreeningRecord> {
    screening_from_prefixed(row, "")
}

/// A screening from columns named with `prefix` (see [`SCREENING_COLUMNS_AS_S`]).
fn screening_from_prefixed(row: &Row_, prefix: &str) -> Result<ScreeningRecord> {
    let col = |name: &'static str| column(prefix, name);
    Ok(ScreeningRecord {
        id: row.try_get(&*col("id"))?,
        case_id: row.try_get(&*col("case_id"))?,
        organisation_id: OrgId(row.try_get(&*col("organisation_id"))?),
        screened_by: UserId(row.try_get(&*col("screened_by"))?),
        screened_on: row.try_get(&*col("screened_on"))?,
        population: row.try_get(&*col("population"))?,
        exploitation_form: row.try_get(&*col("exploitation_form"))?,
        catalogue_version: row.try_get(&*col("catalogue_version"))?,
        list_id: row.try_get(&*col("list_id"))?,
        acts: row.try_get(&*col("acts"))?,
        means: row.try_get(&*col("means"))?,
        purposes: row.try_get(&*col("purposes"))?,
        indicators: row.try_get(&*col("indicators"))?,
        elements_met: row.try_get(&*col("elements_met"))?,
        indicators_suggest: row.try_get(&*col("indicators_suggest"))?,
        created_at: row.try_get(&*col("created_at"))?,
    })
}

/// The screening columns of the screenings table aliased `s`, each named with the prefix `s_`.
const SCREENING_COLUMNS_AS_S: &str = "s.id AS s_id, s.case_id AS s_case_id, s.organisation_id AS s_organisation_id, s.screened_by AS s_screened_by, \
     s.screened_on AS s_screened_on, s.population AS s_population, s.exploitation_form AS s_exploitation_form, \
     s.catalogue_version AS s_catalogue_version, s.list_id AS s_list_id, s.acts AS s_acts, s.means AS s_means, s.purposes AS s_purposes, \
     s.indicators AS s_indicators, s.elements_met AS s_elements_met, s.indicators_suggest AS s_indicators_suggest, s.created_at AS s_created_at";

fn case_event_from(row: &Row_) -> Result<CaseEventRecord> {
    case_event_from_prefixed(row, "")
}

fn case_event_from_prefixed(row: &Row_, prefix: &str) -> Result<CaseEventRecord> {
    let col = |name: &'static str| column(prefix, name);
    Ok(CaseEventRecord {
        id: row.try_get(&*col("id"))?,
        case_id: row.try_get(&*col("case_id"))?,
        at: row.try_get(&*col("at"))?,
        actor_user_id: row.try_get::<Option<Uuid>, _>(&*col("actor_user_id"))?.map(UserId),
        actor_org_id: row.try_get::<Option<Uuid>, _>(&*col("actor_org_id"))?.map(OrgId),
        kind: row.try_get(&*col("kind"))?,
        stage_after: row.try_get(&*col("stage_after"))?,
        on_date: row.try_get(&*col("on_date"))?,
        detail: row.try_get(&*col("detail"))?,
    })
}

fn consent_from(row: &Row_) -> Result<ConsentRecord> {
    consent_from_prefixed(row, "")
}

fn consent_from_prefixed(row: &Row_, prefix: &str) -> Result<ConsentRecord> {
    let col = |name: &'static str| column(prefix, name);
    Ok(ConsentRecord {
        id: row.try_get(&*col("id"))?,
        case_id: row.try_get(&*col("case_id"))?,
        purpose: row.try_get(&*col("purpose"))?,
        recipient_org_id: row.try_get::<Option<Uuid>, _>(&*col("recipient_org_id"))?.map(OrgId),
        status: row.try_get(&*col("status"))?,
        decided_on: row.try_get(&*col("decided_on"))?,
        form: row.try_get(&*col("form"))?,
        interpreter_language: row.try_get(&*col("interpreter_language"))?,
        checklist: row.try_get(&*col("checklist"))?,
        given_by: row.try_get(&*col("given_by"))?,
        recorded_by: UserId(row.try_get(&*col("recorded_by"))?),
        case_version: row.try_get(&*col("case_version"))?,
        recorded_at: row.try_get(&*col("recorded_at"))?,
    })
}

fn vault_entry_from_prefixed(row: &Row_, prefix: &str) -> Result<VaultEntry> {
    let col = |name: &'static str| column(prefix, name);
    Ok(VaultEntry {
        record_type: row.try_get(&*col("record_type"))?,
        record_id: row.try_get(&*col("record_id"))?,
        field: row.try_get(&*col("field"))?,
        ciphertext: row.try_get(&*col("ciphertext"))?,
        key_id: row.try_get(&*col("key_id"))?,
        blind_index: row.try_get(&*col("blind_index"))?,
        updated_at: row.try_get(&*col("updated_at"))?,
    })
}

const CONSENT_PART_COLUMNS: &[(&str, &str)] = &[
    ("id", "uuid"),
    ("case_id", "uuid"),
    ("purpose", "text"),
    ("recipient_org_id", "uuid"),
    ("status", "text"),
    ("decided_on", "date"),
    ("form", "text"),
    ("interpreter_language", "text"),
    ("checklist", "text"),
    ("given_by", "text"),
    ("recorded_by", "uuid"),
    ("case_version", "bigint"),
    ("recorded_at", "timestamptz"),
];
const EVENT_PART_COLUMNS: &[(&str, &str)] = &[
    ("id", "uuid"),
    ("case_id", "uuid"),
    ("at", "timestamptz"),
    ("actor_user_id", "uuid"),
    ("actor_org_id", "uuid"),
    ("kind", "text"),
    ("stage_after", "text"),
    ("on_date", "date"),
    ("detail", "text"),
];
const VAULT_PART_COLUMNS: &[(&str, &str)] = &[
    ("record_type", "text"),
    ("record_id", "uuid"),
    ("field", "text"),
    ("ciphertext", "bytea"),
    ("key_id", "bigint"),
    ("blind_index", "bytea"),
    ("updated_at", "timestamptz"),
];

/// The column groups of the case file's record statement: each row fills one group (its
/// columns named with the group's prefix), the others are NULL.
const RECORD_GROUPS: [(&str, &[(&str, &str)]); 3] = [("k_", CONSENT_PART_COLUMNS), ("e_", EVENT_PART_COLUMNS), ("v_", VAULT_PART_COLUMNS)];

/// The case file's consents (`k_…` columns, part 0), timeline events (`e_…`, part 1) and sealed
/// values (`v_…`, parts 2–4: the person's, the events', the support plans') in one statement: a
/// UNION ALL in which each part fills its own columns and the others are NULL (typed, so that
/// PostgreSQL can match the parts). Parameters: $1 and $2 the case (consents, events), $3 the
/// person, $4 and $5 the case (events' and plans' sealed values). Built once per process.
static CASE_FILE_RECORDS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let parts = [
        ("k_", "FROM consents WHERE case_id = $1"),
        ("e_", "FROM case_events WHERE case_id = $2"),
        ("v_", "FROM identity_vault WHERE record_type = 'person' AND record_id = $3"),
        ("v_", "FROM identity_vault WHERE record_type = 'case_event' AND record_id IN (SELECT id FROM case_events WHERE case_id = $4)"),
        ("v_", "FROM identity_vault WHERE record_type = 'support_plan' AND record_id IN (SELECT id FROM support_plans WHERE case_id = $5)"),
    ];
    let selects: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(tag, (own, from))| {
            let columns: Vec<String> = RECORD_GROUPS
                .iter()
                .flat_map(|(prefix, columns)| {
                    columns.iter().map(move |(name, ty)| {
                        if prefix == own { format!("{name} AS {prefix}{name}") } else { format!("CAST(NULL AS {ty}) AS {prefix}{name}") }
                    })
                })
                .collect();
            format!("SELECT {tag} AS part, {} {from}", columns.join(", "))
        })
        .collect();
    format!("{} ORDER BY part, k_case_version, k_recorded_at, e_at, e_id", selects.join(" UNION ALL "))
});

/// The case's own statement in [`Store::case_file`]: the case, which of its sections have rows,
/// its person and its first screening. Built once per process.
static CASE_FILE_CASE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {CASE_COLUMNS}, c.sections_present AS present, {PERSON_COLUMNS_AS_P}, {SCREENING_COLUMNS_AS_S} FROM cases c \
         LEFT JOIN persons p ON p.id = c.person_id \
         LEFT JOIN screenings s ON s.id = (SELECT x.id FROM screenings x WHERE x.case_id = c.id ORDER BY x.created_at LIMIT 1) \
         WHERE c.id = $1"
    )
});

fn erasure_from(row: &Row_) -> Result<ErasureRecord> {
    Ok(ErasureRecord {
        person_id: row.try_get("person_id")?,
        erased_at: row.try_get("erased_at")?,
        erased_by: row.try_get::<Option<Uuid>, _>("erased_by")?.map(UserId),
        request: row.try_get("request")?,
    })
}

fn break_glass_from(row: &Row_) -> Result<BreakGlassRecord> {
    Ok(BreakGlassRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        user_id: UserId(row.try_get("user_id")?),
        org_id: OrgId(row.try_get("org_id")?),
        reason: row.try_get("reason")?,
        granted_at: row.try_get("granted_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

const SERVICE_COLUMNS: &str =
    "id, organisation_id, kind, name, regions, languages, ages, sexes, capacity, available, active, created_at, updated_at";
const REFERRAL_COLUMNS: &str = "id, case_id, service_id, kind, sender_org_id, recipient_org_id, sent_by, urgent, basis, override_reason, status, \
     decline_reason, sent_at, responded_at, closed_at, updated_at, version";
const DELIVERED_COLUMNS: &str = "id, case_id, referral_id, organisation_id, kind, delivered_on, delivered_by, outcome, recorded_at";

const PERMIT_COLUMNS: &str =
    "id, case_id, kind, status, applied_on, valid_from, valid_until, authority, linked_decision, recorded_by, organisation_id, recorded_at";
const CHILD_COLUMNS: &str = "id, case_id, kind, on_date, organisation_id, detail, recorded_by, recorded_at";

const CLAIM_COLUMNS: &str =
    "id, case_id, kind, status, currency, claimed_minor, awarded_minor, paid_minor, filed_on, decided_on, paid_on, recorded_by, organisation_id, recorded_at";
const RISK_COLUMNS: &str = "id, case_id, assessed_on, level, risk_to, safety_measures, review_on, recorded_by, organisation_id, recorded_at";

fn claim_from(row: &Row_) -> Result<ClaimRecord> {
    Ok(ClaimRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        currency: row.try_get("currency")?,
        claimed_minor: row.try_get("claimed_minor")?,
        awarded_minor: row.try_get("awarded_minor")?,
        paid_minor: row.try_get("paid_minor")?,
        filed_on: row.try_get("filed_on")?,
        decided_on: row.try_get("decided_on")?,
        paid_on: row.try_get("paid_on")?,
        recorded_by: UserId(row.try_get("recorded_by")?),
        organisation_id: OrgId(row.try_get("organisation_id")?),
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn risk_from(row: &Row_) -> Result<RiskRecord> {
    Ok(RiskRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        assessed_on: row.try_get("assessed_on")?,
        level: row.try_get("level")?,
        risk_to: row.try_get("risk_to")?,
        safety_measures: row.try_get("safety_measures")?,
        review_on: row.try_get("review_on")?,
        recorded_by: UserId(row.try_get("recorded_by")?),
        organisation_id: OrgId(row.try_get("organisation_id")?),
        recorded_at: row.try_get("recorded_at")?,
    })
}

const FOLLOW_UP_COLUMNS: &str = "id, case_id, path, due_on, done_on, outcome, organisation_id, planned_by, created_at, version";

fn follow_up_from(row: &Row_) -> Result<FollowUpRecord> {
    Ok(FollowUpRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        path: row.try_get("path")?,
        due_on: row.try_get("due_on")?,
        done_on: row.try_get("done_on")?,
        outcome: row.try_get("outcome")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        planned_by: UserId(row.try_get("planned_by")?),
        created_at: row.try_get("created_at")?,
        version: row.try_get("version")?,
    })
}

const PLAN_COLUMNS: &str = "id, case_id, plan_type, status, organisation_id, created_by, approved_by, approved_at, created_at, version";
const TASK_COLUMNS: &str = "id, plan_id, case_id, action, owner_id, due_on, done_on, created_at";

fn plan_from(row: &Row_) -> Result<SupportPlanRecord> {
    Ok(SupportPlanRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        plan_type: row.try_get("plan_type")?,
        status: row.try_get("status")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        created_by: UserId(row.try_get("created_by")?),
        approved_by: row.try_get::<Option<Uuid>, _>("approved_by")?.map(UserId),
        approved_at: row.try_get("approved_at")?,
        created_at: row.try_get("created_at")?,
        version: row.try_get("version")?,
    })
}

fn task_from(row: &Row_) -> Result<PlanTaskRecord> {
    Ok(PlanTaskRecord {
        id: row.try_get("id")?,
        plan_id: row.try_get("plan_id")?,
        case_id: row.try_get("case_id")?,
        action: row.try_get("action")?,
        owner_id: UserId(row.try_get("owner_id")?),
        due_on: row.try_get("due_on")?,
        done_on: row.try_get("done_on")?,
        created_at: row.try_get("created_at")?,
    })
}

fn permit_from(row: &Row_) -> Result<PermitRecord> {
    Ok(PermitRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        applied_on: row.try_get("applied_on")?,
        valid_from: row.try_get("valid_from")?,
        valid_until: row.try_get("valid_until")?,
        authority: row.try_get("authority")?,
        linked_decision: row.try_get("linked_decision")?,
        recorded_by: UserId(row.try_get("recorded_by")?),
        organisation_id: OrgId(row.try_get("organisation_id")?),
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn child_record_from(row: &Row_) -> Result<ChildRecord> {
    Ok(ChildRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        kind: row.try_get("kind")?,
        on_date: row.try_get("on_date")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        detail: row.try_get("detail")?,
        recorded_by: UserId(row.try_get("recorded_by")?),
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn service_from(row: &Row_) -> Result<OrgServiceRecord> {
    Ok(OrgServiceRecord {
        id: row.try_get("id")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        regions: row.try_get("regions")?,
        languages: row.try_get("languages")?,
        ages: row.try_get("ages")?,
        sexes: row.try_get("sexes")?,
        capacity: row.try_get("capacity")?,
        available: row.try_get("available")?,
        active: row.try_get("active")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn referral_from(row: &Row_) -> Result<ReferralRecord> {
    Ok(ReferralRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        service_id: row.try_get("service_id")?,
        kind: row.try_get("kind")?,
        sender_org_id: OrgId(row.try_get("sender_org_id")?),
        recipient_org_id: OrgId(row.try_get("recipient_org_id")?),
        sent_by: UserId(row.try_get("sent_by")?),
        urgent: row.try_get("urgent")?,
        basis: row.try_get("basis")?,
        override_reason: row.try_get("override_reason")?,
        status: row.try_get("status")?,
        decline_reason: row.try_get("decline_reason")?,
        sent_at: row.try_get("sent_at")?,
        responded_at: row.try_get("responded_at")?,
        closed_at: row.try_get("closed_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

const TRANSFER_COLUMNS: &str = "id, case_id, from_org_id, to_org_id, proposed_by, reason, basis, status, decline_reason, proposed_at, answered_at, answered_by, version";

fn transfer_from(row: &Row_) -> Result<TransferRecord> {
    Ok(TransferRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        from_org_id: OrgId(row.try_get("from_org_id")?),
        to_org_id: OrgId(row.try_get("to_org_id")?),
        proposed_by: UserId(row.try_get("proposed_by")?),
        reason: row.try_get("reason")?,
        basis: row.try_get("basis")?,
        status: row.try_get("status")?,
        decline_reason: row.try_get("decline_reason")?,
        proposed_at: row.try_get("proposed_at")?,
        answered_at: row.try_get("answered_at")?,
        answered_by: row.try_get::<Option<Uuid>, _>("answered_by")?.map(UserId),
        version: row.try_get("version")?,
    })
}

fn delivered_from(row: &Row_) -> Result<ServiceDeliveredRecord> {
    Ok(ServiceDeliveredRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        referral_id: row.try_get("referral_id")?,
        organisation_id: OrgId(row.try_get("organisation_id")?),
        kind: row.try_get("kind")?,
        delivered_on: row.try_get("delivered_on")?,
        delivered_by: UserId(row.try_get("delivered_by")?),
        outcome: row.try_get("outcome")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

/// One relation through which a user may see cases (the scope is their union).
enum Branch {
    CaseWorker(Uuid),
    DecisionMaker(Uuid),
    Owner(Uuid),
    Authority(Uuid),
    Region(String),
    All,
    Shared(Uuid),
}

fn branches(scope: &CaseScope) -> Vec<Branch> {
    // Every other relation's cases are among all cases: one walk, one count.
    if scope.all_regions {
        return vec![Branch::All];
    }
    let mut out = Vec::new();
    if let Some(u) = scope.user {
        out.push(Branch::CaseWorker(u));
        out.push(Branch::DecisionMaker(u));
    }
    if let Some(o) = scope.owner_org {
        out.push(Branch::Owner(o));
    }
    if let Some(o) = scope.authority_org {
        out.push(Branch::Authority(o));
    }
    if let Some(r) = &scope.region {
        out.push(Branch::Region(r.clone()));
    }
    if let Some(o) = scope.shared_org {
        out.push(Branch::Shared(o));
    }
    out
}

/// The cases of one relation: `FROM cases c WHERE <the relation>`, to which the caller ANDs its
/// filter ([`push_case_filter`]).
fn push_branch(q: &mut sqlx::QueryBuilder<DB>, b: &Branch) {
    match b {
        Branch::CaseWorker(u) => {
            q.push("FROM cases c WHERE c.case_worker_id = ").push_bind(*u);
        }
        Branch::DecisionMaker(u) => {
            q.push("FROM cases c WHERE c.decision_maker_id = ").push_bind(*u);
        }
        Branch::Owner(o) => {
            q.push("FROM cases c WHERE c.owner_org_id = ").push_bind(*o);
        }
        Branch::Authority(o) => {
            q.push("FROM cases c WHERE c.authority_org_id = ").push_bind(*o);
        }
        Branch::Region(r) => {
            q.push("FROM cases c WHERE c.region = ").push_bind(r.clone());
        }
        Branch::All => {
            q.push("FROM cases c WHERE 1 = 1");
        }
        Branch::Shared(o) => push_shared(q, *o),
    }
}

/// The cases shared with organisation `o`: a live referral to it whose basis stands —
/// consent-based ones only while the latest referral consent to that organisation is `given`
/// (domain::coordination).
///
/// The organisation's referrals are read first and each case looked up by id (on SQLite, CROSS
/// JOIN fixes that order): a page costs what that organisation's live referrals cost, however
/// many cases the country holds. Left to choose, SQLite (no statistics) walked an index of a
/// filter's column (kind, stage) over every case that met it, testing each against the
/// referrals: 0.3–0.7 s a page at 100k cases for `kind=referral`, a whole walk when nothing
/// matched. The same shape on PostgreSQL, whose planner may still reorder it.
fn push_shared(q: &mut sqlx::QueryBuilder<DB>, o: Uuid) {
    // DISTINCT: a case referred twice to the organisation is one case of the list.
    q.push("FROM (SELECT DISTINCT r.case_id AS shared_id FROM referrals r WHERE r.recipient_org_id = ").push_bind(o).push(
        " AND r.status IN ('sent', 'accepted') AND (r.basis <> 'consent' OR EXISTS (SELECT 1 FROM consents k \
         WHERE k.case_id = r.case_id AND k.purpose = 'referral' AND k.recipient_org_id = r.recipient_org_id AND k.status = 'given' \
         AND NOT EXISTS (SELECT 1 FROM consents k2 WHERE k2.case_id = k.case_id AND k2.purpose = k.purpose \
         AND k2.recipient_org_id = k.recipient_org_id AND k2.case_version > k.case_version)))) s CROSS JOIN cases c WHERE c.id = s.shared_id",
    );
}

/// A value of one of the domain's closed code lists (kind, stage, age group, exploitation
/// form), written into the statement as a literal when it has the shape of a code (lower-case
/// letters and `_`, so it cannot end the literal); anything else is bound. A kept-prepared
/// statement's plan then sees the value (see `list_cases`).
fn push_code(q: &mut sqlx::QueryBuilder<DB>, value: &str) {
    let is_code = !value.is_empty() && value.len() <= 40 && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if is_code {
        q.push(format!("'{value}'"));
    } else {
        q.push_bind(value.to_owned());
    }
}

/// The filter part of a case list's WHERE clause (AND-ed to a scope condition already pushed).
fn push_case_filter(q: &mut sqlx::QueryBuilder<DB>, f: &CaseFilter) {
    if let Some(k) = &f.kind {
        q.push(" AND c.kind = ");
        push_code(q, k);
    }
    if let Some(s) = &f.stage {
        q.push(" AND c.stage = ");
        push_code(q, s);
    }
    if let Some(r) = &f.region {
        q.push(" AND c.region = ").push_bind(r.clone());
    }
    if let Some(a) = &f.age_group {
        q.push(" AND c.age_group = ");
        push_code(q, a);
    }
    if let Some(e) = &f.exploitation_form {
        q.push(" AND c.exploitation_form = ");
        push_code(q, e);
    }
    if let Some(d) = f.deadline_by {
        q.push(" AND c.deadline_on <= ").push_bind(d);
    }
    if let Some(o) = f.organisation {
        q.push(" AND (c.owner_org_id = ").push_bind(o).push(" OR c.authority_org_id = ").push_bind(o).push(")");
    }
    if let Some(u) = f.case_worker {
        q.push(" AND c.case_worker_id = ").push_bind(u);
    }
    // The cursor as one row-value comparison, which both engines seek to in the walk's index.
    // Written as `a < t OR (a = t AND id < x)`, SQLite (its values bound) read the two halves
    // separately and sorted them: every case between the cursor and the deadline filter's end,
    // 5–9 ms a page of the coordinator's deadline lists at 1M cases.
    match f.after {
        Some(CaseCursor::Updated(t, id)) => {
            q.push(" AND (c.updated_at, c.id) < (").push_bind(t).push(", ").push_bind(id).push(")");
        }
        Some(CaseCursor::Deadline(d, id)) => {
            q.push(" AND (c.deadline_on, c.id) > (").push_bind(d).push(", ").push_bind(id).push(")");
        }
        None => {}
    }
}

/// The columns of an audit event, in the order [`push_event`] binds them (the chain's
/// `audit_log` and SQLite's audit inbox share them).
const EVENT_COLUMNS: &str = "at, actor_user_id, actor_org_id, action, object_type, object_id, section, purpose, request_id, outcome";

/// Bind an audit event's values, in the order of [`EVENT_COLUMNS`], to one row of a multi-row
/// insert.
fn push_event(b: &mut sqlx::query_builder::Separated<'_, DB, &'static str>, e: &AuditEvent) {
    b.push_bind(e.at)
        .push_bind(e.actor_user_id.as_deref())
        .push_bind(e.actor_org_id.as_deref())
        .push_bind(e.action.as_str())
        .push_bind(e.object_type.as_deref())
        .push_bind(e.object_id.as_deref())
        .push_bind(e.section.as_deref())
        .push_bind(e.purpose.as_deref())
        .push_bind(e.request_id.as_deref())
        .push_bind(e.outcome.code());
}

fn entry_from(row: &Row_) -> Result<ChainedEntry> {
    Ok(ChainedEntry { seq: row.try_get("seq")?, event: event_from(row)?, prev_hash: row.try_get("prev_hash")?, hash: row.try_get("hash")? })
}

/// The event columns of an audit row (of the chain or of the audit inbox).
fn event_from(row: &Row_) -> Result<AuditEvent> {
    let outcome: String = row.try_get("outcome")?;
    Ok(AuditEvent {
        at: row.try_get("at")?,
        actor_user_id: row.try_get("actor_user_id")?,
        actor_org_id: row.try_get("actor_org_id")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        section: row.try_get("section")?,
        purpose: row.try_get("purpose")?,
        request_id: row.try_get("request_id")?,
        outcome: Outcome::from_code(&outcome).unwrap_or(Outcome::Unrecognised),
    })
}

fn to_hash(v: &[u8]) -> Result<palermo_domain::audit::Hash> {
    v.try_into().map_err(|_| StoreError::Corrupt("audit head hash is not 32 bytes".into()))
}

/// The tables whose row counts describe a backup.
pub const COUNT_QUERIES: &[(&str, &str)] = &[
    ("organisations", "SELECT COUNT(*) FROM organisations"),
    ("users", "SELECT COUNT(*) FROM users"),
    ("identity_vault", "SELECT COUNT(*) FROM identity_vault"),
    ("persons", "SELECT COUNT(*) FROM persons"),
    ("instance_settings", "SELECT COUNT(*) FROM instance_settings"),
    ("audit_log", "SELECT COUNT(*) FROM audit_log"),
];

impl EngineStore {
    /// Append `events` to the chain inside `tx`. The head row is read (and, on PostgreSQL,
    /// locked) here, so concurrent appenders queue up behind one another.
    async fn append_in(tx: &mut Tx, events: &[AuditEvent]) -> Result<Option<Head>> {
        if events.is_empty() {
            return Ok(None);
        }
        let row = sqlx::query(LOCK_HEAD).fetch_one(&mut **tx).await?;
        let mut seq: i64 = row.try_get("seq")?;
        let mut prev: Vec<u8> = row.try_get("hash")?;
        // Chained first, then written many rows to a statement (a fold of the audit inbox
        // appends thousands at once).
        let mut chained = Vec::with_capacity(events.len());
        for e in events {
            let mut e = e.clone();
            e.at = truncate_to_micros(e.at);
            seq += 1;
            let hash = chain_hash(&prev, seq, &e);
            let prev_hash = std::mem::replace(&mut prev, hash.to_vec());
            chained.push((seq, e, prev_hash, hash));
        }
        for chunk in chained.chunks(64) {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("INSERT INTO audit_log (seq, {EVENT_COLUMNS}, prev_hash, hash) "));
            q.push_values(chunk, |mut b, (seq, e, prev_hash, hash)| {
                b.push_bind(*seq);
                push_event(&mut b, e);
                b.push_bind(prev_hash.as_slice()).push_bind(hash.as_slice());
            });
            q.build().execute(&mut **tx).await?;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1").bind(seq).bind(&prev).execute(&mut **tx).await?;
        Ok(Some(Head { seq, hash: to_hash(&prev)? }))
    }

    /// [`Self::commit_with`] for a write to sessions or users: this server's kept sessions are
    /// forgotten once it has committed, before it is answered. (A write that forgot to call this
    /// would still be announced by migration 28's triggers — milliseconds later, not at once.)
    async fn commit_sessions(&self, tx: Tx, audit: &[AuditEvent]) -> Result<()> {
        let r = self.commit_with(tx, audit).await;
        self.sessions_changed();
        r
    }

    /// Append the audit entries and commit; then tell the witness about the new head.
    async fn commit_with(&self, mut tx: Tx, audit: &[AuditEvent]) -> Result<()> {
        let head = Self::append_in(&mut tx, audit).await?;
        tx.commit().await?;
        if let Some(h) = head {
            self.witness.observe(&h);
        }
        Ok(())
    }

    pub async fn migrate(&self, applied_at: &str) -> Result<Vec<i64>> {
        let mut applied = Vec::new();
        {
            let mut tx = self.begin_write().await?;
            if let Some(lock) = MIGRATION_LOCK {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS palermo_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        for m in MIGRATIONS {
            let mut tx = self.begin_write().await?;
            if let Some(lock) = MIGRATION_LOCK {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT checksum FROM palermo_migrations WHERE version = $1").bind(m.version).fetch_optional(&mut *tx).await?;
            match existing {
                Some((sum,)) if sum == checksum(m.sql) => continue,
                Some(_) => return Err(StoreError::MigrationChanged { version: m.version, name: m.name }),
                None => {}
            }
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO palermo_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(checksum(m.sql))
                .bind(applied_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(m.version);
        }
        // Migrations 0015 and 0016 rewrite every case: on PostgreSQL, reclaim the old row
        // versions and refresh the planner's statistics now rather than when autovacuum gets
        // there (measured at 1M cases: the report's figures in 2.6 s before, 0.9 s after).
        if IS_POSTGRES && applied.iter().any(|v| *v == 15 || *v == 16) {
            sqlx::query("VACUUM (ANALYZE) cases").execute(&self.writer).await?;
        }
        let newest: Option<(i64,)> = sqlx::query_as("SELECT MAX(version) FROM palermo_migrations").fetch_optional(&self.readers).await?;
        let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        if let Some((v,)) = newest
            && v > known
        {
            return Err(StoreError::TooNew(v));
        }
        Ok(applied)
    }

    pub async fn schema_version(&self) -> Result<i64> {
        let exists: Option<(i64,)> = if IS_POSTGRES {
            sqlx::query_as("SELECT 1::bigint FROM information_schema.tables WHERE table_name = 'palermo_migrations' AND table_schema = current_schema()")
                .fetch_optional(&self.readers)
                .await?
        } else {
            sqlx::query_as("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'palermo_migrations'").fetch_optional(&self.readers).await?
        };
        if exists.is_none() {
            return Ok(0);
        }
        let (v,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM palermo_migrations").fetch_one(&self.readers).await?;
        Ok(v.unwrap_or(0))
    }

    /// Refresh PostgreSQL's planner statistics after a bulk write: autovacuum gets there, but
    /// until it does a freshly loaded table gets poor plans (measured: the case page's sealed
    /// values by hash join, seconds instead of a millisecond). SQLite plans these queries on
    /// its indexes without statistics, and a full ANALYZE of a large file is slow: nothing to do.
    /// On PostgreSQL this is `VACUUM (ANALYZE)`: the vacuum also marks the freshly written pages
    /// all-visible, without which the case list's counts and walks cannot be answered from their
    /// indexes alone (measured: the list at 100k cases, 560–590 → ~1,000 req/s; docs/PERFORMANCE.md).
    /// (VACUUM cannot run in a transaction: sent as a simple query, on its own.)
    pub async fn analyze(&self) -> Result<()> {
        if IS_POSTGRES {
            sqlx::raw_sql("VACUUM (ANALYZE)").execute(&self.writer).await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(inbox) = &self.inbox {
            inbox.pool.close().await;
        }
        self.writer.close().await;
        self.readers.close().await;
    }

    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for (name, sql) in COUNT_QUERIES {
            let (n,): (i64,) = sqlx::query_as(*sql).fetch_one(&self.readers).await?;
            out.push(((*name).to_owned(), n));
        }
        Ok(out)
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let v: Option<(String,)> = sqlx::query_as("SELECT value FROM instance_settings WHERE key = $1").bind(key).fetch_optional(&self.readers).await?;
        Ok(v.map(|v| v.0))
    }

    pub async fn put_setting(&self, key: &str, value: &str, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO instance_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        self.commit_with(tx, audit).await
    }

    pub async fn insert_organisation(&self, org: &OrgRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "INSERT INTO organisations (id, name, name_key, org_type, sector, region, is_operator, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.id.0)
        .bind(&org.name)
        .bind(org.name.to_lowercase())
        .bind(&org.org_type)
        .bind(&org.sector)
        .bind(&org.region)
        .bind(org.is_operator)
        .bind(org.created_at)
        .execute(&mut *tx)
        .await;
        match r {
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict("an organisation with this name")),
            r => r?,
        };
        self.commit_with(tx, audit).await
    }

    pub async fn list_organisations(&self) -> Result<Vec<OrgRecord>> {
        const Q: &str = "SELECT id, name, org_type, sector, region, is_operator, created_at FROM organisations ORDER BY name";
        let rows = sqlx::query(Q).fetch_all(&self.readers).await?;
        rows.iter().map(org_from).collect()
    }

    pub async fn get_organisation(&self, id: OrgId) -> Result<Option<OrgRecord>> {
        let row = sqlx::query("SELECT id, name, org_type, sector, region, is_operator, created_at FROM organisations WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(org_from).transpose()
    }

    pub async fn insert_user(&self, user: &UserRecord, vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "INSERT INTO users (id, organisation_id, username, display_name, roles, password_hash, locale, disabled, mfa_secret, mfa_enabled, \
             mfa_last_step, mfa_exempt, password_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(user.id.0)
        .bind(user.organisation_id.0)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.roles)
        .bind(&user.password_hash)
        .bind(&user.locale)
        .bind(user.disabled)
        .bind(&user.mfa_secret)
        .bind(user.mfa_enabled)
        .bind(user.mfa_last_step)
        .bind(user.mfa_exempt)
        .bind(user.password_changed_at)
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(&mut *tx)
        .await;
        match r {
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict("a user with this username")),
            r => r?,
        };
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        self.commit_with(tx, audit).await
    }

    /// End every session of a user (disable, password or second-factor reset).
    async fn end_sessions_in(tx: &mut Tx, user: UserId) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut **tx).await?;
        Ok(())
    }

    async fn vault_put_in(tx: &mut Tx, v: &VaultEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO identity_vault (record_type, record_id, field, ciphertext, key_id, blind_index, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (record_type, record_id, field) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, \
             blind_index = excluded.blind_index, updated_at = excluded.updated_at",
        )
        .bind(&v.record_type)
        .bind(v.record_id)
        .bind(&v.field)
        .bind(&v.ciphertext)
        .bind(v.key_id)
        .bind(&v.blind_index)
        .bind(v.updated_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<UserRecord>> {
        let rows = match org {
            Some(o) => {
                sqlx::query(
                    "SELECT u.id, u.organisation_id, u.username, u.display_name, u.roles, u.password_hash, u.locale, u.disabled, u.mfa_secret, u.mfa_enabled, \
                     u.mfa_last_step, u.mfa_exempt, u.password_changed_at, u.created_at, u.updated_at FROM users u WHERE u.organisation_id = $1 ORDER BY u.username",
                )
                .bind(o.0)
                .fetch_all(&self.readers)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT u.id, u.organisation_id, u.username, u.display_name, u.roles, u.password_hash, u.locale, u.disabled, u.mfa_secret, u.mfa_enabled, \
                     u.mfa_last_step, u.mfa_exempt, u.password_changed_at, u.created_at, u.updated_at FROM users u ORDER BY u.username",
                )
                .fetch_all(&self.readers)
                .await?
            }
        };
        rows.iter().map(user_from).collect()
    }

    pub async fn get_user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.organisation_id, u.username, u.display_name, u.roles, u.password_hash, u.locale, u.disabled, u.mfa_secret, u.mfa_enabled, \
             u.mfa_last_step, u.mfa_exempt, u.password_changed_at, u.created_at, u.updated_at FROM users u WHERE u.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.readers)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.organisation_id, u.username, u.display_name, u.roles, u.password_hash, u.locale, u.disabled, u.mfa_secret, u.mfa_enabled, \
             u.mfa_last_step, u.mfa_exempt, u.password_changed_at, u.created_at, u.updated_at FROM users u WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.readers)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub async fn set_user_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE users SET disabled = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(disabled)
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        found(r.rows_affected())?;
        if disabled {
            Self::end_sessions_in(&mut tx, id).await?;
        }
        self.commit_sessions(tx, audit).await
    }

    pub async fn set_password(&self, id: UserId, hash: &str, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        found(r.rows_affected())?;
        Self::end_sessions_in(&mut tx, id).await?;
        self.commit_sessions(tx, audit).await
    }

    pub async fn set_mfa_secret(&self, id: UserId, secret: Option<&[u8]>, enabled: bool, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE users SET mfa_secret = $1, mfa_enabled = $2, mfa_last_step = NULL, updated_at = $3, version = version + 1 WHERE id = $4",
        )
        .bind(secret)
        .bind(enabled)
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        found(r.rows_affected())?;
        if !enabled && secret.is_none() {
            // A reset second factor ends every session of the account.
            Self::end_sessions_in(&mut tx, id).await?;
        }
        self.commit_sessions(tx, audit).await
    }

    pub async fn vault_get(&self, record_type: &str, record_id: Uuid) -> Result<Vec<VaultEntry>> {
        let rows = sqlx::query(
            "SELECT record_type, record_id, field, ciphertext, key_id, blind_index, updated_at FROM identity_vault WHERE record_type = $1 AND record_id = $2 ORDER BY field",
        )
        .bind(record_type)
        .bind(record_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VaultEntry {
                    record_type: r.try_get("record_type")?,
                    record_id: r.try_get("record_id")?,
                    field: r.try_get("field")?,
                    ciphertext: r.try_get("ciphertext")?,
                    key_id: r.try_get("key_id")?,
                    blind_index: r.try_get("blind_index")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    pub async fn vault_find(&self, record_type: &str, field: &str, blind_index: &[u8]) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT record_id FROM identity_vault WHERE record_type = $1 AND field = $2 AND blind_index = $3 ORDER BY record_id LIMIT 100",
        )
        .bind(record_type)
        .bind(field)
        .bind(blind_index)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn ciphertexts_not_under(&self, active: i64, limit: i64) -> Result<Vec<Ciphertext>> {
        let mut out = Vec::new();
        let rows = sqlx::query("SELECT record_type, record_id, field, ciphertext, key_id FROM identity_vault WHERE key_id <> $1 LIMIT $2")
            .bind(active)
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        for r in &rows {
            out.push(Ciphertext {
                place: CiphertextPlace::Vault { record_type: r.try_get("record_type")?, record_id: r.try_get("record_id")?, field: r.try_get("field")? },
                ciphertext: r.try_get("ciphertext")?,
                key_id: r.try_get("key_id")?,
            });
        }
        // MFA secrets carry their key id inside the ciphertext; the caller filters by it.
        let rows = sqlx::query("SELECT id, mfa_secret FROM users WHERE mfa_secret IS NOT NULL").fetch_all(&self.readers).await?;
        for r in &rows {
            let ct: Vec<u8> = r.try_get("mfa_secret")?;
            let key_id = ct.get(3..7).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(|b| i64::from(u32::from_be_bytes(b))).unwrap_or(-1);
            if key_id != active && (out.len() as i64) < limit {
                out.push(Ciphertext { place: CiphertextPlace::MfaSecret { user: UserId(r.try_get("id")?) }, ciphertext: ct, key_id });
            }
        }
        Ok(out)
    }

    pub async fn replace_ciphertexts(&self, items: &[Ciphertext], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for c in items {
            match &c.place {
                CiphertextPlace::Vault { record_type, record_id, field } => {
                    sqlx::query("UPDATE identity_vault SET ciphertext = $1, key_id = $2 WHERE record_type = $3 AND record_id = $4 AND field = $5")
                        .bind(&c.ciphertext)
                        .bind(c.key_id)
                        .bind(record_type)
                        .bind(*record_id)
                        .bind(field)
                        .execute(&mut *tx)
                        .await?;
                }
                CiphertextPlace::MfaSecret { user } => {
                    sqlx::query("UPDATE users SET mfa_secret = $1 WHERE id = $2").bind(&c.ciphertext).bind(user.0).execute(&mut *tx).await?;
                }
            }
        }
        self.commit_sessions(tx, audit).await
    }

    pub async fn get_throttle(&self, key: &str) -> Result<Option<ThrottleRecord>> {
        let row = sqlx::query("SELECT failures, last_failure_at, locked_until FROM sign_in_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&self.readers)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(ThrottleRecord {
                failures: r.try_get("failures")?,
                last_failure_at: r.try_get("last_failure_at")?,
                locked_until: r.try_get("locked_until")?,
            })),
        }
    }

    pub async fn record_failed_sign_in(&self, key: &str, state: &ThrottleRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sign_in_throttle (throttle_key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(state.failures)
        .bind(state.last_failure_at)
        .bind(state.locked_until)
        .execute(&mut *tx)
        .await?;
        self.commit_with(tx, audit).await
    }

    async fn insert_session_in(tx: &mut Tx, s: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, mfa_done, csrf_token, reauth_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.mfa_done)
        .bind(&s.csrf_token)
        .bind(s.reauth_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn complete_sign_in(&self, key: &str, user: UserId, rehash: Option<&str>, session: &SessionRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_throttle WHERE throttle_key = $1").bind(key).execute(&mut *tx).await?;
        if let Some(h) = rehash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(h).bind(user.0).execute(&mut *tx).await?;
        }
        Self::insert_session_in(&mut tx, session).await?;
        // A new session is in no server's memory: only a rehash changes what one may keep.
        if rehash.is_some() { self.commit_sessions(tx, audit).await } else { self.commit_with(tx, audit).await }
    }

    pub async fn complete_mfa(
        &self,
        user: UserId,
        step: i64,
        confirm_enrolment: bool,
        old_session: &[u8],
        session: &SessionRecord,
        audit: &[AuditEvent],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE users SET mfa_last_step = $1, mfa_enabled = CASE WHEN $2 THEN $2 ELSE mfa_enabled END \
             WHERE id = $3 AND (mfa_last_step IS NULL OR mfa_last_step < $1)",
        )
        .bind(step)
        .bind(confirm_enrolment)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Replay);
        }
        let r = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2").bind(old_session).bind(user.0).execute(&mut *tx).await?;
        found(r.rows_affected())?;
        Self::insert_session_in(&mut tx, session).await?;
        self.commit_sessions(tx, audit).await
    }

    pub async fn confirm_mfa(&self, user: UserId, step: i64, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE users SET mfa_last_step = $1, mfa_enabled = $2 WHERE id = $3 AND mfa_secret IS NOT NULL AND (mfa_last_step IS NULL OR mfa_last_step < $1)",
        )
        .bind(step)
        .bind(true)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Replay);
        }
        self.commit_sessions(tx, audit).await
    }

    /// A session with its user: from memory where this server keeps sessions (PostgreSQL, see
    /// [`crate::session_cache`]) and holds this one, from the database otherwise.
    pub async fn session_context(&self, token_hash: &[u8]) -> Result<Option<SessionContext>> {
        let Some(cache) = &self.sessions else { return self.session_context_fresh(token_hash).await };
        if let Some(ctx) = cache.get(token_hash) {
            return Ok(Some(ctx));
        }
        let epoch = cache.epoch();
        let ctx = self.session_context_fresh(token_hash).await?;
        if let Some(c) = &ctx {
            cache.keep(epoch, token_hash, c);
        }
        Ok(ctx)
    }

    /// This server wrote to sessions or users: it forgets the sessions it keeps before the
    /// write is answered (other servers hear of it from migration 28's announcement).
    fn sessions_changed(&self) {
        if let Some(cache) = &self.sessions {
            cache.forget_all();
        }
    }

    /// A session with its user, read from the database.
    pub async fn session_context_fresh(&self, token_hash: &[u8]) -> Result<Option<SessionContext>> {
        let row = sqlx::query(
            "SELECT u.id, u.organisation_id, u.username, u.display_name, u.roles, u.password_hash, u.locale, u.disabled, u.mfa_secret, u.mfa_enabled, \
             u.mfa_last_step, u.mfa_exempt, u.password_changed_at, u.created_at, u.updated_at, \
             s.token_hash AS s_token_hash, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, \
             s.mfa_done AS s_mfa_done, s.csrf_token AS s_csrf_token, s.reauth_at AS s_reauth_at, o.is_operator AS o_is_operator \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.readers)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from(&row)?;
        Ok(Some(SessionContext {
            session: SessionRecord {
                token_hash: row.try_get("s_token_hash")?,
                user_id: user.id,
                created_at: row.try_get("s_created_at")?,
                last_seen_at: row.try_get("s_last_seen_at")?,
                expires_at: row.try_get("s_expires_at")?,
                mfa_done: row.try_get("s_mfa_done")?,
                csrf_token: row.try_get("s_csrf_token")?,
                reauth_at: row.try_get("s_reauth_at")?,
            },
            user,
            org_is_operator: row.try_get("o_is_operator")?,
        }))
    }

    /// Record a re-authentication on a session; with a second-factor step, that step is used up
    /// (a code is accepted once: [`StoreError::Replay`] otherwise).
    pub async fn reauthenticate(&self, token_hash: &[u8], user: UserId, step: Option<i64>, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if let Some(step) = step {
            let r = sqlx::query("UPDATE users SET mfa_last_step = $1 WHERE id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $3)")
                .bind(step)
                .bind(user.0)
                .bind(step)
                .execute(&mut *tx)
                .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::Replay);
            }
        }
        let r = sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE token_hash = $2 AND user_id = $3")
            .bind(now)
            .bind(token_hash)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        found(r.rows_affected())?;
        self.commit_sessions(tx, audit).await
    }

    pub async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(now).bind(token_hash).execute(&self.writer).await?;
        if let Some(cache) = &self.sessions {
            cache.touched(token_hash, now);
        }
        Ok(())
    }

    pub async fn end_session(&self, token_hash: &[u8], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
        self.commit_sessions(tx, audit).await
    }

    pub async fn sessions_of(&self, user: UserId) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user.0).fetch_one(&self.readers).await?;
        Ok(n)
    }

    pub async fn insert_person(&self, p: &PersonRecord, prefix: &str, vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO reference_counters (prefix, last) VALUES ($1, 1) ON CONFLICT (prefix) DO UPDATE SET last = reference_counters.last + 1 RETURNING last",
        )
        .bind(prefix)
        .fetch_one(&mut *tx)
        .await?;
        let reference = format!("{prefix}-{n:06}");
        sqlx::query(
            "INSERT INTO persons (id, reference, organisation_id, created_by, sex, age_at_identification, age_group, citizenships, languages, migration_status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(p.id)
        .bind(&reference)
        .bind(p.organisation_id.0)
        .bind(p.created_by.0)
        .bind(&p.sex)
        .bind(p.age_at_identification)
        .bind(&p.age_group)
        .bind(&p.citizenships)
        .bind(&p.languages)
        .bind(&p.migration_status)
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        self.commit_with(tx, audit).await?;
        Ok(reference)
    }

    pub async fn get_person(&self, id: Uuid) -> Result<Option<PersonRecord>> {
        let row = sqlx::query(
            sqlx::AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1")),
        )
        .bind(id)
        .fetch_optional(&self.readers)
        .await?;
        row.as_ref().map(person_from).transpose()
    }

    /// Rows of `select` (ending in `WHERE <id column>`) whose id is one of `ids`, one statement
    /// per 500 ids (order not kept; missing ids left out).
    async fn rows_with_ids<T>(&self, select: &str, ids: &[Uuid], from: fn(&Row_) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("{select} IN ("));
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.readers).await? {
                out.push(from(&r)?);
            }
        }
        Ok(out)
    }

    /// Several persons at once (order not kept; missing ids left out).
    pub async fn get_persons(&self, ids: &[Uuid]) -> Result<Vec<PersonRecord>> {
        self.rows_with_ids(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id"), ids, person_from).await
    }

    pub async fn person_by_reference(&self, reference: &str) -> Result<Option<PersonRecord>> {
        let row = sqlx::query(
            sqlx::AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM persons WHERE reference = $1")),
        )
        .bind(reference)
        .fetch_optional(&self.readers)
        .await?;
        row.as_ref().map(person_from).transpose()
    }

    pub async fn persons_of(&self, org: OrgId, limit: i64) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(
            sqlx::AssertSqlSafe(format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE organisation_id = $1 AND merged_into IS NULL ORDER BY created_at DESC, reference DESC LIMIT $2"
            )),
        )
        .bind(org.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(person_from).collect()
    }

    async fn insert_case_event_in(tx: &mut Tx, e: &CaseEventRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO case_events (id, case_id, at, actor_user_id, actor_org_id, kind, stage_after, on_date, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.id)
        .bind(e.case_id)
        .bind(e.at)
        .bind(e.actor_user_id.map(|u| u.0))
        .bind(e.actor_org_id.map(|o| o.0))
        .bind(&e.kind)
        .bind(&e.stage_after)
        .bind(e.on_date)
        .bind(&e.detail)
        .execute(&mut **tx)
        .await?;
        if is_decision_event(&e.kind) {
            Self::refresh_decision_dates_in(tx, &[e.case_id]).await?;
        }
        Ok(())
    }

    /// Keep the case's statistics columns (migrations 0015, 0016) equal to what its record,
    /// person and timeline say: the first RG and CG decision dates, the waiting days, and the
    /// person's first citizenship.
    async fn refresh_decision_dates_in(tx: &mut Tx, case_ids: &[Uuid]) -> Result<()> {
        let (first, rg_days, cg_days) = if IS_POSTGRES {
            (
                "NULLIF(split_part(p.citizenships, ',', 1), '')",
                "rg_decided_on - referred_on",
                "cg_decided_on - rg_decided_on",
            )
        } else {
            (
                "CASE WHEN instr(p.citizenships, ',') > 0 THEN substr(p.citizenships, 1, instr(p.citizenships, ',') - 1) ELSE NULLIF(p.citizenships, '') END",
                "CAST(julianday(rg_decided_on) - julianday(referred_on) AS INTEGER)",
                "CAST(julianday(cg_decided_on) - julianday(rg_decided_on) AS INTEGER)",
            )
        };
        for chunk in case_ids.chunks(500) {
            for step in [
                "UPDATE cases SET \
                   rg_decided_on = (SELECT MIN(e.on_date) FROM case_events e WHERE e.case_id = cases.id AND e.kind = 'decide_reasonable_grounds'), \
                   cg_decided_on = (SELECT MIN(e.on_date) FROM case_events e WHERE e.case_id = cases.id AND e.kind = 'decide_conclusive_grounds')"
                    .to_owned(),
                format!(
                    "UPDATE cases SET rg_wait_days = {rg_days}, cg_wait_days = {cg_days}, \
                       nationality = (SELECT {first} FROM persons p WHERE p.id = cases.person_id)"
                ),
            ] {
                let mut q = sqlx::QueryBuilder::<DB>::new(step);
                q.push(" WHERE id IN (");
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    async fn insert_consent_in(tx: &mut Tx, k: &ConsentRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO consents (id, case_id, purpose, recipient_org_id, status, decided_on, form, interpreter_language, checklist, given_by, recorded_by, case_version, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(k.id)
        .bind(k.case_id)
        .bind(&k.purpose)
        .bind(k.recipient_org_id.map(|o| o.0))
        .bind(&k.status)
        .bind(k.decided_on)
        .bind(&k.form)
        .bind(&k.interpreter_language)
        .bind(&k.checklist)
        .bind(&k.given_by)
        .bind(k.recorded_by.0)
        .bind(k.case_version)
        .bind(k.recorded_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Insert a case with its screening, first timeline entry, consents and sealed values, all or
    /// nothing. Returns the reference assigned (`<prefix>-000001`).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_case(
        &self,
        c: &CaseRecord,
        prefix: &str,
        screening: &ScreeningRecord,
        events: &[CaseEventRecord],
        consents: &[ConsentRecord],
        vault: &[VaultEntry],
        audit: &[AuditEvent],
    ) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO reference_counters (prefix, last) VALUES ($1, 1) ON CONFLICT (prefix) DO UPDATE SET last = reference_counters.last + 1 RETURNING last",
        )
        .bind(prefix)
        .fetch_one(&mut *tx)
        .await?;
        let reference = format!("{prefix}-{n:06}");
        sqlx::query(
            "INSERT INTO cases (id, reference, kind, person_id, owner_org_id, authority_org_id, case_worker_id, decision_maker_id, region, stage, referred_on, \
             rg_positive_on, last_negative_kind, last_negative_told_on, ended_from, deadline_kind, deadline_on, sex, age_group, exploitation_form, created_by, \
             created_at, updated_at, version, exploitation_country) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1, $24)",
        )
        .bind(c.id)
        .bind(&reference)
        .bind(&c.kind)
        .bind(c.person_id)
        .bind(c.owner_org_id.0)
        .bind(c.authority_org_id.map(|o| o.0))
        .bind(c.case_worker_id.map(|u| u.0))
        .bind(c.decision_maker_id.map(|u| u.0))
        .bind(&c.region)
        .bind(&c.stage)
        .bind(c.referred_on)
        .bind(c.rg_positive_on)
        .bind(&c.last_negative_kind)
        .bind(c.last_negative_told_on)
        .bind(&c.ended_from)
        .bind(&c.deadline_kind)
        .bind(c.deadline_on)
        .bind(&c.sex)
        .bind(&c.age_group)
        .bind(&c.exploitation_form)
        .bind(c.created_by.0)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(&c.exploitation_country)
        .execute(&mut *tx)
        .await?;
        let s = screening;
        sqlx::query(
            "INSERT INTO screenings (id, case_id, organisation_id, screened_by, screened_on, population, exploitation_form, catalogue_version, list_id, acts, \
             means, purposes, indicators, elements_met, indicators_suggest, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(s.id)
        .bind(s.case_id)
        .bind(s.organisation_id.0)
        .bind(s.screened_by.0)
        .bind(s.screened_on)
        .bind(&s.population)
        .bind(&s.exploitation_form)
        .bind(&s.catalogue_version)
        .bind(&s.list_id)
        .bind(&s.acts)
        .bind(&s.means)
        .bind(&s.purposes)
        .bind(&s.indicators)
        .bind(s.elements_met)
        .bind(s.indicators_suggest)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await?;
        for e in events {
            Self::insert_case_event_in(&mut tx, e).await?;
        }
        Self::refresh_decision_dates_in(&mut tx, &[c.id]).await?;
        for k in consents {
            Self::insert_consent_in(&mut tx, k).await?;
        }
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        self.commit_with(tx, audit).await?;
        Ok(reference)
    }

    pub async fn get_case(&self, id: Uuid) -> Result<Option<CaseRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1"))).bind(id).fetch_optional(&self.readers).await?;
        row.as_ref().map(case_from).transpose()
    }

    /// Many cases by id, in one statement per 500 (order not kept; missing ids left out).
    pub async fn get_cases(&self, ids: &[Uuid]) -> Result<Vec<CaseRecord>> {
        self.rows_with_ids(&format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id"), ids, case_from).await
    }

    pub async fn case_by_reference(&self, reference: &str) -> Result<Option<CaseRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.reference = $1")))
            .bind(reference)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(case_from).transpose()
    }

    /// Write a case's new state if nobody changed it since `c.version` was read (otherwise
    /// [`StoreError::Conflict`], nothing written), with its timeline entries, consents and sealed
    /// values, all or nothing.
    pub async fn update_case(
        &self,
        c: &CaseRecord,
        events: &[CaseEventRecord],
        consents: &[ConsentRecord],
        vault: &[VaultEntry],
        audit: &[AuditEvent],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE cases SET kind = $1, person_id = $2, authority_org_id = $3, case_worker_id = $4, decision_maker_id = $5, region = $6, stage = $7, \
             referred_on = $8, rg_positive_on = $9, last_negative_kind = $10, last_negative_told_on = $11, ended_from = $12, deadline_kind = $13, \
             deadline_on = $14, updated_at = $15, version = version + 1 WHERE id = $16 AND version = $17",
        )
        .bind(&c.kind)
        .bind(c.person_id)
        .bind(c.authority_org_id.map(|o| o.0))
        .bind(c.case_worker_id.map(|u| u.0))
        .bind(c.decision_maker_id.map(|u| u.0))
        .bind(&c.region)
        .bind(&c.stage)
        .bind(c.referred_on)
        .bind(c.rg_positive_on)
        .bind(&c.last_negative_kind)
        .bind(c.last_negative_told_on)
        .bind(&c.ended_from)
        .bind(&c.deadline_kind)
        .bind(c.deadline_on)
        .bind(c.updated_at)
        .bind(c.id)
        .bind(c.version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Stale("someone changed this case while you were working on it; nothing was saved — reload the case and try again"));
        }
        for e in events {
            Self::insert_case_event_in(&mut tx, e).await?;
        }
        Self::refresh_decision_dates_in(&mut tx, &[c.id]).await?;
        for k in consents {
            Self::insert_consent_in(&mut tx, k).await?;
        }
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        self.commit_with(tx, audit).await
    }

    /// The case page's reads on one connection (see [`CaseFile`]); `None` for a missing case.
    pub async fn case_file(&self, id: Uuid) -> Result<Option<CaseFile>> {
        let mut conn = self.readers.acquire().await?;
        // Which of the case's sections have rows comes with the case (`sections_present`, kept by
        // triggers): on most cases most sections are empty, and each statement saved is a
        // hand-off to the database saved.
        // The case's person and its (first) screening come in the same statement.
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(CASE_FILE_CASE.as_str()))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let case = case_from(&row)?;
        let present: i32 = row.try_get("present")?;
        let has = |bit: i32| present & bit != 0;
        let person = match row.try_get::<Option<Uuid>, _>("p_id")? {
            Some(_) => Some(person_from_prefixed(&row, "p_")?),
            None => None,
        };
        // Consents, the timeline and the sealed values in one statement (see
        // [`CASE_FILE_RECORDS`]), in part order.
        let (mut consents, mut events, mut sealed) = (Vec::new(), Vec::new(), Vec::new());
        let rows = sqlx::query(sqlx::AssertSqlSafe(CASE_FILE_RECORDS.as_str()))
            .bind(id)
            .bind(id)
            .bind(case.person_id.unwrap_or(Uuid::nil()))
            .bind(id)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            match r.try_get::<i32, _>("part")? {
                0 => consents.push(consent_from_prefixed(r, "k_")?),
                1 => events.push(case_event_from_prefixed(r, "e_")?),
                _ => sealed.push(vault_entry_from_prefixed(r, "v_")?),
            }
        }
        let break_glass = if !has(section::BREAK_GLASS) {
            Vec::new()
        } else {
            sqlx::query("SELECT id, case_id, user_id, org_id, reason, granted_at, expires_at FROM break_glass WHERE case_id = $1 ORDER BY granted_at")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(break_glass_from)
            .collect::<Result<Vec<_>>>()?
        };
        let screening = match row.try_get::<Option<Uuid>, _>("s_id")? {
            Some(_) => Some(screening_from_prefixed(&row, "s_")?),
            None => None,
        };
        let referrals = if !has(section::REFERRALS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY sent_at, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(referral_from)
            .collect::<Result<Vec<_>>>()?
        };
        let services = if !has(section::SERVICES_DELIVERED) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DELIVERED_COLUMNS} FROM services_delivered WHERE case_id = $1 ORDER BY delivered_on, recorded_at")))
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(delivered_from)
                .collect::<Result<Vec<_>>>()?
        };
        let permits = if !has(section::RESIDENCE_PERMITS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PERMIT_COLUMNS} FROM residence_permits WHERE case_id = $1 ORDER BY recorded_at, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(permit_from)
            .collect::<Result<Vec<_>>>()?
        };
        let child_records = if !has(section::CHILD_RECORDS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CHILD_COLUMNS} FROM child_records WHERE case_id = $1 ORDER BY on_date, recorded_at")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(child_record_from)
            .collect::<Result<Vec<_>>>()?
        };
        let claims = if !has(section::COMPENSATION_CLAIMS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CLAIM_COLUMNS} FROM compensation_claims WHERE case_id = $1 ORDER BY recorded_at, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(claim_from)
            .collect::<Result<Vec<_>>>()?
        };
        let risks = if !has(section::RISK_ASSESSMENTS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RISK_COLUMNS} FROM risk_assessments WHERE case_id = $1 ORDER BY assessed_on, recorded_at")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(risk_from)
            .collect::<Result<Vec<_>>>()?
        };
        let follow_ups = if !has(section::FOLLOW_UPS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE case_id = $1 ORDER BY due_on, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(follow_up_from)
            .collect::<Result<Vec<_>>>()?
        };
        let plans = if !has(section::SUPPORT_PLANS) {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PLAN_COLUMNS} FROM support_plans WHERE case_id = $1 ORDER BY created_at, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(plan_from)
            .collect::<Result<Vec<_>>>()?
        };
        let tasks = if plans.is_empty() {
            Vec::new()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TASK_COLUMNS} FROM support_plan_tasks WHERE case_id = $1 ORDER BY due_on, id")))
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(task_from)
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Some(CaseFile {
            has_disclosures: has(section::DISCLOSURES),
            follow_ups,
            plans,
            tasks,
            case,
            person,
            consents,
            break_glass,
            screening,
            events,
            sealed,
            referrals,
            services,
            permits,
            child_records,
            claims,
            risks,
        }))
    }

    pub async fn insert_org_service(&self, s: &OrgServiceRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO org_services ({SERVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(s.id)
        .bind(s.organisation_id.0)
        .bind(&s.kind)
        .bind(&s.name)
        .bind(&s.regions)
        .bind(&s.languages)
        .bind(&s.ages)
        .bind(&s.sexes)
        .bind(s.capacity)
        .bind(s.available)
        .bind(s.active)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await?;
        self.commit_with(tx, audit).await
    }

    /// Change a service's free places (and whether it is offered).
    pub async fn update_org_service(&self, s: &OrgServiceRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE org_services SET capacity = $1, available = $2, active = $3, updated_at = $4 WHERE id = $5")
            .bind(s.capacity)
            .bind(s.available)
            .bind(s.active)
            .bind(s.updated_at)
            .bind(s.id)
            .execute(&mut *tx)
            .await?;
        found(r.rows_affected())?;
        self.commit_with(tx, audit).await
    }

    pub async fn get_org_service(&self, id: Uuid) -> Result<Option<OrgServiceRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SERVICE_COLUMNS} FROM org_services WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(service_from).transpose()
    }

    /// Every service in the directory (a few per organisation: filtered by the caller).
    pub async fn list_org_services(&self) -> Result<Vec<OrgServiceRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SERVICE_COLUMNS} FROM org_services ORDER BY kind, name, id")))
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(service_from).collect()
    }

    async fn put_referral_in(tx: &mut Tx, r: &ReferralRecord) -> Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        )))
        .bind(r.id)
        .bind(r.case_id)
        .bind(r.service_id)
        .bind(&r.kind)
        .bind(r.sender_org_id.0)
        .bind(r.recipient_org_id.0)
        .bind(r.sent_by.0)
        .bind(r.urgent)
        .bind(&r.basis)
        .bind(&r.override_reason)
        .bind(&r.status)
        .bind(&r.decline_reason)
        .bind(r.sent_at)
        .bind(r.responded_at)
        .bind(r.closed_at)
        .bind(r.updated_at)
        .bind(r.version)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Send a referral: the referral, its timeline entry and audit entry in one transaction.
    pub async fn insert_referral(&self, r: &ReferralRecord, event: &CaseEventRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Self::put_referral_in(&mut tx, r).await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        Self::insert_outbox_in(&mut tx, outbox).await?;
        self.commit_with(tx, audit).await
    }

    /// Move a referral on; `r.version` is the version read ([`StoreError::Stale`] if it moved
    /// meanwhile). A service's free places change in the same transaction when given.
    pub async fn update_referral(
        &self,
        r: &ReferralRecord,
        event: &CaseEventRecord,
        places: Option<(Uuid, i64)>,
        outbox: &[OutboxRecord],
        audit: &[AuditEvent],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_outbox_in(&mut tx, outbox).await?;
        let done = sqlx::query(
            "UPDATE referrals SET status = $1, decline_reason = $2, responded_at = $3, closed_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(&r.status)
        .bind(&r.decline_reason)
        .bind(r.responded_at)
        .bind(r.closed_at)
        .bind(r.updated_at)
        .bind(r.id)
        .bind(r.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale("someone changed this referral while you were working on it; nothing was saved — reload and try again"));
        }
        if let Some((service, delta)) = places {
            // Kept within 0..=capacity: a place the provider had already freed by hand is not
            // counted twice.
            sqlx::query(
                "UPDATE org_services SET available = CASE WHEN available + $1 < 0 THEN 0 WHEN available + $2 > capacity THEN capacity ELSE available + $3 END, \
                 updated_at = $4 WHERE id = $5 AND available IS NOT NULL",
            )
            .bind(delta)
            .bind(delta)
            .bind(delta)
            .bind(r.updated_at)
            .bind(service)
            .execute(&mut *tx)
            .await?;
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// Propose a transfer of ownership, with its timeline entry, in one transaction.
    pub async fn insert_transfer(&self, t: &TransferRecord, event: &CaseEventRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_outbox_in(&mut tx, outbox).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO case_transfers ({TRANSFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(t.id)
        .bind(t.case_id)
        .bind(t.from_org_id.0)
        .bind(t.to_org_id.0)
        .bind(t.proposed_by.0)
        .bind(&t.reason)
        .bind(&t.basis)
        .bind(&t.status)
        .bind(&t.decline_reason)
        .bind(t.proposed_at)
        .bind(t.answered_at)
        .bind(t.answered_by.map(|u| u.0))
        .bind(t.version)
        .execute(&mut *tx)
        .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// Answer a transfer; `t.version` is the version read. When `new_owner` is given (accepted),
    /// the case changes owner in the same transaction — only if it is still at `case_version`
    /// and still owned by the proposer — and its assigned case worker is cleared (the receiver
    /// assigns its own). [`StoreError::Stale`] if either moved meanwhile.
    pub async fn answer_transfer(
        &self,
        t: &TransferRecord,
        new_owner: Option<(i64, OffsetDateTime)>,
        event: &CaseEventRecord,
        audit: &[AuditEvent],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE case_transfers SET status = $1, decline_reason = $2, answered_at = $3, answered_by = $4, version = version + 1 \
             WHERE id = $5 AND version = $6",
        )
        .bind(&t.status)
        .bind(&t.decline_reason)
        .bind(t.answered_at)
        .bind(t.answered_by.map(|u| u.0))
        .bind(t.id)
        .bind(t.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale("someone answered this transfer while you were working on it; nothing was saved — reload and try again"));
        }
        if let Some((case_version, at)) = new_owner {
            let moved = sqlx::query(
                "UPDATE cases SET owner_org_id = $1, case_worker_id = NULL, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4 AND owner_org_id = $5",
            )
            .bind(t.to_org_id.0)
            .bind(at)
            .bind(t.case_id)
            .bind(case_version)
            .bind(t.from_org_id.0)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() == 0 {
                return Err(StoreError::Stale("the case changed while the transfer waited; nothing was saved — reload and try again"));
            }
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn get_transfer(&self, id: Uuid) -> Result<Option<TransferRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TRANSFER_COLUMNS} FROM case_transfers WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(transfer_from).transpose()
    }

    pub async fn transfers_of_case(&self, case_id: Uuid) -> Result<Vec<TransferRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSFER_COLUMNS} FROM case_transfers WHERE case_id = $1 ORDER BY proposed_at, id"
        )))
        .bind(case_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(transfer_from).collect()
    }

    /// Transfers an organisation proposed or was offered (newest first, at most `limit`).
    pub async fn transfers_of_org(&self, org: OrgId, limit: i64) -> Result<Vec<TransferRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSFER_COLUMNS} FROM case_transfers WHERE to_org_id = $1 UNION SELECT {TRANSFER_COLUMNS} FROM case_transfers WHERE from_org_id = $2 \
             ORDER BY proposed_at DESC, id LIMIT $3"
        )))
        .bind(org.0)
        .bind(org.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(transfer_from).collect()
    }

    pub async fn get_referral(&self, id: Uuid) -> Result<Option<ReferralRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(referral_from).transpose()
    }

    pub async fn referrals_of_case(&self, case_id: Uuid) -> Result<Vec<ReferralRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY sent_at, id")))
            .bind(case_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(referral_from).collect()
    }

    /// Referrals an organisation sent or received (newest first, at most `limit`).
    pub async fn referrals_of_org(&self, org: OrgId, limit: i64) -> Result<Vec<ReferralRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE recipient_org_id = $1 UNION SELECT {REFERRAL_COLUMNS} FROM referrals WHERE sender_org_id = $2 \
             ORDER BY sent_at DESC, id LIMIT $3"
        )))
        .bind(org.0)
        .bind(org.0)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(referral_from).collect()
    }

    /// Every referral (for the coordinator's overview of overrides and response times).
    pub async fn referrals_since(&self, since: OffsetDateTime) -> Result<Vec<ReferralRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE sent_at >= $1 ORDER BY sent_at DESC, id")))
            .bind(since)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(referral_from).collect()
    }

    pub async fn insert_service_delivered(&self, d: &ServiceDeliveredRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO services_delivered ({DELIVERED_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
            .bind(d.id)
            .bind(d.case_id)
            .bind(d.referral_id)
            .bind(d.organisation_id.0)
            .bind(&d.kind)
            .bind(d.delivered_on)
            .bind(d.delivered_by.0)
            .bind(&d.outcome)
            .bind(d.recorded_at)
            .execute(&mut *tx)
            .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// How many services an organisation delivered from `from` (a date, inclusive).
    pub async fn services_delivered_count(&self, org: OrgId, from: time::Date) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM services_delivered WHERE organisation_id = $1 AND delivered_on >= $2")
            .bind(org.0)
            .bind(from)
            .fetch_one(&self.readers)
            .await?;
        Ok(n)
    }

    pub async fn insert_permit(&self, p: &PermitRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO residence_permits ({PERMIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")))
            .bind(p.id)
            .bind(p.case_id)
            .bind(&p.kind)
            .bind(&p.status)
            .bind(p.applied_on)
            .bind(p.valid_from)
            .bind(p.valid_until)
            .bind(&p.authority)
            .bind(&p.linked_decision)
            .bind(p.recorded_by.0)
            .bind(p.organisation_id.0)
            .bind(p.recorded_at)
            .execute(&mut *tx)
            .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// Granted permits ending on or before `until` on cases owned by `org`, before its competent
    /// authority, or worked by `user` (newest record per case and kind is the caller's concern).
    pub async fn permits_expiring(&self, org: OrgId, user: UserId, until: time::Date) -> Result<Vec<(PermitRecord, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, c.reference AS case_reference FROM residence_permits p JOIN cases c ON c.id = p.case_id \
             WHERE p.status = 'granted' AND p.valid_until IS NOT NULL AND p.valid_until <= $1 \
             AND (c.owner_org_id = $2 OR c.authority_org_id = $3 OR c.case_worker_id = $4) ORDER BY p.valid_until, p.id LIMIT 200",
            PERMIT_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(until)
        .bind(org.0)
        .bind(org.0)
        .bind(user.0)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(|r| Ok((permit_from(r)?, r.try_get("case_reference")?))).collect()
    }

    pub async fn insert_child_record(&self, r: &ChildRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO child_records ({CHILD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")))
            .bind(r.id)
            .bind(r.case_id)
            .bind(&r.kind)
            .bind(r.on_date)
            .bind(r.organisation_id.0)
            .bind(&r.detail)
            .bind(r.recorded_by.0)
            .bind(r.recorded_at)
            .execute(&mut *tx)
            .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn insert_claim(&self, c: &ClaimRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO compensation_claims ({CLAIM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )))
        .bind(c.id)
        .bind(c.case_id)
        .bind(&c.kind)
        .bind(&c.status)
        .bind(&c.currency)
        .bind(c.claimed_minor)
        .bind(c.awarded_minor)
        .bind(c.paid_minor)
        .bind(c.filed_on)
        .bind(c.decided_on)
        .bind(c.paid_on)
        .bind(c.recorded_by.0)
        .bind(c.organisation_id.0)
        .bind(c.recorded_at)
        .execute(&mut *tx)
        .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn insert_risk(&self, r: &RiskRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO risk_assessments ({RISK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
            .bind(r.id)
            .bind(r.case_id)
            .bind(r.assessed_on)
            .bind(&r.level)
            .bind(&r.risk_to)
            .bind(&r.safety_measures)
            .bind(r.review_on)
            .bind(r.recorded_by.0)
            .bind(r.organisation_id.0)
            .bind(r.recorded_at)
            .execute(&mut *tx)
            .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn insert_follow_ups(&self, rows: &[FollowUpRecord], event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for f in rows {
            sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO follow_ups ({FOLLOW_UP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
                .bind(f.id)
                .bind(f.case_id)
                .bind(&f.path)
                .bind(f.due_on)
                .bind(f.done_on)
                .bind(&f.outcome)
                .bind(f.organisation_id.0)
                .bind(f.planned_by.0)
                .bind(f.created_at)
                .bind(f.version)
                .execute(&mut *tx)
                .await?;
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// Record a follow-up as done; `f.version` is the version read.
    pub async fn complete_follow_up(&self, f: &FollowUpRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE follow_ups SET done_on = $1, outcome = $2, version = version + 1 WHERE id = $3 AND version = $4")
            .bind(f.done_on)
            .bind(&f.outcome)
            .bind(f.id)
            .bind(f.version)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Stale("someone recorded this follow-up while you were working on it; nothing was saved — reload and try again"));
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn insert_support_plan(
        &self,
        plan: &SupportPlanRecord,
        tasks: &[PlanTaskRecord],
        vault: &[VaultEntry],
        event: &CaseEventRecord,
        audit: &[AuditEvent],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO support_plans ({PLAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
            .bind(plan.id)
            .bind(plan.case_id)
            .bind(&plan.plan_type)
            .bind(&plan.status)
            .bind(plan.organisation_id.0)
            .bind(plan.created_by.0)
            .bind(plan.approved_by.map(|u| u.0))
            .bind(plan.approved_at)
            .bind(plan.created_at)
            .bind(plan.version)
            .execute(&mut *tx)
            .await?;
        for t in tasks {
            sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO support_plan_tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")))
                .bind(t.id)
                .bind(t.plan_id)
                .bind(t.case_id)
                .bind(&t.action)
                .bind(t.owner_id.0)
                .bind(t.due_on)
                .bind(t.done_on)
                .bind(t.created_at)
                .execute(&mut *tx)
                .await?;
        }
        for v in vault {
            Self::vault_put_in(&mut tx, v).await?;
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    /// Approve a plan awaiting approval; `plan.version` is the version read.
    pub async fn approve_support_plan(&self, plan: &SupportPlanRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE support_plans SET status = $1, approved_by = $2, approved_at = $3, version = version + 1 WHERE id = $4 AND version = $5")
            .bind(&plan.status)
            .bind(plan.approved_by.map(|u| u.0))
            .bind(plan.approved_at)
            .bind(plan.id)
            .bind(plan.version)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Stale("someone changed this plan while you were working on it; nothing was saved — reload and try again"));
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn complete_task(&self, task: &PlanTaskRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE support_plan_tasks SET done_on = $1 WHERE id = $2 AND done_on IS NULL")
            .bind(task.done_on)
            .bind(task.id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Stale("this task was already recorded as done; reload the case"));
        }
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn support_plans_of(&self, case_id: Uuid) -> Result<(Vec<SupportPlanRecord>, Vec<PlanTaskRecord>)> {
        let mut conn = self.readers.acquire().await?;
        let plans = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PLAN_COLUMNS} FROM support_plans WHERE case_id = $1 ORDER BY created_at, id")))
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(plan_from)
            .collect::<Result<Vec<_>>>()?;
        let tasks = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TASK_COLUMNS} FROM support_plan_tasks WHERE case_id = $1 ORDER BY due_on, id")))
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(task_from)
            .collect::<Result<Vec<_>>>()?;
        Ok((plans, tasks))
    }

    /// Tasks of `owner` not done and due before `before`, with their case's reference.
    pub async fn tasks_overdue(&self, owner: UserId, before: time::Date) -> Result<Vec<(PlanTaskRecord, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, c.reference AS case_reference FROM support_plan_tasks t JOIN cases c ON c.id = t.case_id \
             WHERE t.owner_id = $1 AND t.done_on IS NULL AND t.due_on < $2 ORDER BY t.due_on, t.id LIMIT 200",
            TASK_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(owner.0)
        .bind(before)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(|r| Ok((task_from(r)?, r.try_get("case_reference")?))).collect()
    }

    pub async fn follow_ups_of(&self, case_id: Uuid) -> Result<Vec<FollowUpRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE case_id = $1 ORDER BY due_on, id")))
            .bind(case_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(follow_up_from).collect()
    }

    /// Follow-ups not done and due by `until`, on cases owned by `org`, before it as competent
    /// authority, or worked by `user`.
    pub async fn follow_ups_due(&self, org: OrgId, user: UserId, until: time::Date) -> Result<Vec<(FollowUpRecord, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, c.reference AS case_reference FROM follow_ups f JOIN cases c ON c.id = f.case_id \
             WHERE f.done_on IS NULL AND f.due_on <= $1 AND (c.owner_org_id = $2 OR c.authority_org_id = $3 OR c.case_worker_id = $4) \
             ORDER BY f.due_on, f.id LIMIT 200",
            FOLLOW_UP_COLUMNS.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(until)
        .bind(org.0)
        .bind(org.0)
        .bind(user.0)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(|r| Ok((follow_up_from(r)?, r.try_get("case_reference")?))).collect()
    }

    pub async fn risks_of(&self, case_id: Uuid) -> Result<Vec<RiskRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RISK_COLUMNS} FROM risk_assessments WHERE case_id = $1 ORDER BY assessed_on, recorded_at")))
            .bind(case_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(risk_from).collect()
    }

    pub async fn child_records_of(&self, case_id: Uuid) -> Result<Vec<ChildRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CHILD_COLUMNS} FROM child_records WHERE case_id = $1 ORDER BY on_date, recorded_at")))
            .bind(case_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(child_record_from).collect()
    }

    pub async fn case_events(&self, case_id: Uuid) -> Result<Vec<CaseEventRecord>> {
        let rows = sqlx::query(
            "SELECT id, case_id, at, actor_user_id, actor_org_id, kind, stage_after, on_date, detail FROM case_events WHERE case_id = $1 ORDER BY at, id",
        )
        .bind(case_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(case_event_from).collect()
    }

    pub async fn screening_of(&self, case_id: Uuid) -> Result<Option<ScreeningRecord>> {
        let row = sqlx::query(
            "SELECT id, case_id, organisation_id, screened_by, screened_on, population, exploitation_form, catalogue_version, list_id, acts, means, purposes, \
             indicators, elements_met, indicators_suggest, created_at FROM screenings WHERE case_id = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&self.readers)
        .await?;
        row.as_ref().map(screening_from).transpose()
    }

    pub async fn consents_of(&self, case_id: Uuid) -> Result<Vec<ConsentRecord>> {
        let rows = sqlx::query(
            "SELECT id, case_id, purpose, recipient_org_id, status, decided_on, form, interpreter_language, checklist, given_by, recorded_by, case_version, recorded_at \
             FROM consents WHERE case_id = $1 ORDER BY case_version, recorded_at",
        )
        .bind(case_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(consent_from).collect()
    }

    pub async fn insert_break_glass(&self, g: &BreakGlassRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO break_glass (id, case_id, user_id, org_id, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(g.id)
            .bind(g.case_id)
            .bind(g.user_id.0)
            .bind(g.org_id.0)
            .bind(&g.reason)
            .bind(g.granted_at)
            .bind(g.expires_at)
            .execute(&mut *tx)
            .await?;
        Self::insert_case_event_in(&mut tx, event).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn break_glass_of(&self, case_id: Uuid) -> Result<Vec<BreakGlassRecord>> {
        let rows = sqlx::query("SELECT id, case_id, user_id, org_id, reason, granted_at, expires_at FROM break_glass WHERE case_id = $1 ORDER BY granted_at")
            .bind(case_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(break_glass_from).collect()
    }

    /// Break-glass grants, newest first (for the review page).
    pub async fn break_glass_recent(&self, limit: i64) -> Result<Vec<BreakGlassRecord>> {
        let rows = sqlx::query("SELECT id, case_id, user_id, org_id, reason, granted_at, expires_at FROM break_glass ORDER BY granted_at DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(break_glass_from).collect()
    }

    pub async fn insert_bulk_read_alert(&self, a: &BulkReadAlertRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()> {
        let people = a.people.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",");
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO bulk_read_alerts (id, user_id, org_id, since, raised_at, paused_until, people) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(a.id)
            .bind(a.user_id.0)
            .bind(a.org_id.0)
            .bind(a.since)
            .bind(a.raised_at)
            .bind(a.paused_until)
            .bind(people)
            .execute(&mut *tx)
            .await?;
        Self::insert_outbox_in(&mut tx, outbox).await?;
        self.commit_with(tx, audit).await
    }

    pub async fn bulk_read_alerts_since(&self, since: OffsetDateTime, limit: i64) -> Result<Vec<BulkReadAlertRecord>> {
        let rows = sqlx::query(
            "SELECT id, user_id, org_id, since, raised_at, paused_until, people FROM bulk_read_alerts WHERE raised_at >= $1 ORDER BY raised_at DESC LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|row| {
                let people: String = row.try_get("people")?;
                Ok(BulkReadAlertRecord {
                    id: row.try_get("id")?,
                    user_id: UserId(row.try_get("user_id")?),
                    org_id: OrgId(row.try_get("org_id")?),
                    since: row.try_get("since")?,
                    raised_at: row.try_get("raised_at")?,
                    paused_until: row.try_get("paused_until")?,
                    people: people.split(',').filter_map(|p| Uuid::parse_str(p).ok()).collect(),
                })
            })
            .collect()
    }

    pub async fn erase_persons(&self, erasures: &[ErasureRecord], cases: &[Uuid], audit: &[AuditEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for e in erasures {
            sqlx::query("DELETE FROM identity_vault WHERE record_type = 'person' AND record_id = $1").bind(e.person_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM duplicate_candidates WHERE person_a = $1 OR person_b = $1").bind(e.person_id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO erasures (person_id, erased_at, erased_by, request) VALUES ($1, $2, $3, $4)")
                .bind(e.person_id)
                .bind(e.erased_at)
                .bind(e.erased_by.map(|u| u.0))
                .bind(&e.request)
                .execute(&mut *tx)
                .await?;
        }
        for c in cases {
            sqlx::query("DELETE FROM identity_vault WHERE record_type = 'case_event' AND record_id IN (SELECT id FROM case_events WHERE case_id = $1)")
                .bind(c)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM identity_vault WHERE record_type = 'support_plan' AND record_id IN (SELECT id FROM support_plans WHERE case_id = $1)",
            )
            .bind(c)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_with(tx, audit).await
    }

    pub async fn erasure_of(&self, person: Uuid) -> Result<Option<ErasureRecord>> {
        let row = sqlx::query("SELECT person_id, erased_at, erased_by, request FROM erasures WHERE person_id = $1")
            .bind(person)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(erasure_from).transpose()
    }

    pub async fn erasures_recent(&self, limit: i64) -> Result<Vec<ErasureRecord>> {
        let rows = sqlx::query("SELECT person_id, erased_at, erased_by, request FROM erasures ORDER BY erased_at DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(erasure_from).collect()
    }

    pub async fn persons_due_for_retention(&self, cutoff: OffsetDateTime, ended: &[&str], limit: i64) -> Result<Vec<PersonRecord>> {
        let stages = (0..ended.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
        let stages = if stages.is_empty() { "NULL".to_owned() } else { stages };
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons p WHERE p.merged_into IS NULL AND p.created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.person_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id AND (c.stage IS NULL OR c.stage NOT IN ({stages}) OR c.updated_at >= $1)) \
             ORDER BY p.created_at, p.id LIMIT ${}",
            ended.len() + 2
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cutoff);
        for s in ended {
            q = q.bind(*s);
        }
        let rows = q.bind(limit).fetch_all(&self.readers).await?;
        rows.iter().map(person_from).collect()
    }

    pub async fn persons_merged_into(&self, person: Uuid) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM persons WHERE merged_into = $1 ORDER BY id")))
            .bind(person)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(person_from).collect()
    }

    /// One page of the cases in `scope` matching `filter` — soonest deadline first when the
    /// filter is on deadlines, otherwise most recently changed first — and how many there are,
    /// counted up to [`CASE_COUNT_CAP`] (+1 when there are more) if `count`.
    ///
    /// Each relation of the scope is queried on its own (so each can walk its index in list
    /// order) and the results are merged; a case reached through two relations appears once.
    pub async fn list_cases(&self, scope: &CaseScope, filter: &CaseFilter, limit: i64, count: bool) -> Result<(Vec<CaseRecord>, Option<i64>)> {
        let by_deadline = filter.deadline_by.is_some();
        let bs = branches(scope);
        if bs.is_empty() {
            return Ok((Vec::new(), count.then_some(0)));
        }
        let order = if by_deadline { " ORDER BY c.deadline_on, c.id" } else { " ORDER BY c.updated_at DESC, c.id DESC" };
        let (sort_key, union_order) =
            if by_deadline { ("c.deadline_on", " ORDER BY o, i") } else { ("c.updated_at", " ORDER BY o DESC, i DESC") };
        // One statement: each relation's first `limit` ids in list order (each walks its own
        // index, which holds the order's columns), their union cut to its first `limit` in list
        // order, then the rows of those — so only the rows shown are read in full, and a case
        // reached through two relations appears once.
        // On SQLite the walks return rowids: each walk is then answered from its relation's
        // covering index alone (migration 0024), and each row shown is one lookup by rowid
        // rather than one in the id index and one in the table.
        let key = if IS_POSTGRES { "id" } else { "rowid" };
        let mut q = sqlx::QueryBuilder::<DB>::new(format!("SELECT {CASE_COLUMNS} FROM ("));
        for (i, b) in bs.iter().enumerate() {
            if i > 0 {
                q.push(" UNION ");
            }
            q.push(format!("SELECT k, o, i FROM (SELECT c.{key} AS k, {sort_key} AS o, c.id AS i "));
            push_branch(&mut q, b);
            push_case_filter(&mut q, filter);
            q.push(format!("{order} LIMIT {limit}) b{i}"));
        }
        // CROSS JOIN: SQLite looks each row up, rather than walking the cases to find them.
        q.push(format!("{union_order} LIMIT {limit}) u CROSS JOIN cases c WHERE c.{key} = u.k{order} LIMIT {limit}"));
        // The statements are kept prepared (sqlx's default). The codes (closed lists) and the
        // limits are written into the statement ([`push_code`]): a generic plan that could not
        // see them was, with them bound, a sequential scan of every case for a rare stage of a
        // large organisation (100–170 ms instead of 0.1 ms; docs/PERFORMANCE.md). What is still
        // bound — the user's or organisation's id, a region, the cursor, a deadline — only picks
        // where the walk starts in its relation's index (or, for shared cases, which
        // organisation's referrals are read: [`push_shared`]), which fits every value alike, so on
        // PostgreSQL these statements run on connections that keep generic plans ([`Self::lists`]):
        // left to choose, PostgreSQL planned two executions in three anew (custom plans look
        // cheaper when they know the id), at ~0.5 ms each with the cases table's indexes — a
        // third of the list's time in the database; a case worker's four-relation statement took
        // ~1.9 ms to plan, more than to run. Not the counts below: with no order to follow, their
        // generic plans scanned every case for a decision-maker's children (100–330 ms instead of
        // ~1 ms; docs/PERFORMANCE.md).
        let page = q.build().fetch_all(&self.lists).await?.iter().map(case_from).collect::<Result<Vec<_>>>()?;
        if !count {
            return Ok((page, None));
        }
        // A first page shorter than the limit is the whole list: each relation's walk found
        // fewer cases than the limit, so it found all of its cases. Counting again would walk
        // the same indexes a second time — for filters that few or no cases meet, the whole of
        // a large organisation's.
        if filter.after.is_none() && (page.len() as i64) < limit {
            let total = page.len() as i64;
            return Ok((page, Some(total)));
        }
        // The total ignores the cursor: it is the size of the whole list.
        let filter = &CaseFilter { after: None, ..filter.clone() };
        // Count each relation on its own index, stopping at the cap (an OR over all of them
        // would have to collect every matching row first). If one relation alone passes the
        // cap, so does their union; otherwise the union is small and counted in one statement.
        let mut counts = Vec::with_capacity(bs.len());
        for b in &bs {
            let mut n = sqlx::QueryBuilder::<DB>::new("SELECT COUNT(*) FROM (SELECT 1 ");
            push_branch(&mut n, b);
            push_case_filter(&mut n, filter);
            // On SQLite: counted in list order, along the walk's index, where a filter's cases
            // are spread evenly. Left to choose, SQLite scanned another covering index holding
            // the filter's column — for children, one sorted by sex first (`cases_detected`) or by
            // kind first, through every adult or every anonymous notification (all adults) before
            // the first child: 10–50 ms instead of 2.
            if !IS_POSTGRES {
                n.push(order);
            }
            n.push(format!(" LIMIT {}) capped", CASE_COUNT_CAP + 1));
            // PostgreSQL: planned for its values every time (an unnamed statement). Kept prepared,
            // a connection that had counted the competent authority's 900k cases five times
            // switched to the generic plan — a sequential scan that stops at the cap, cheap for
            // them — and then used it for a user who is the decision-maker of no case: every case
            // read, 1–2 s a count, p99 1.1–1.4 s under the five roles' load at 1M.
            let part: i64 = n.build_query_scalar().persistent(!IS_POSTGRES).fetch_one(&self.readers).await?;
            if part > CASE_COUNT_CAP {
                return Ok((page, Some(CASE_COUNT_CAP + 1)));
            }
            counts.push(part);
        }
        let nonzero: Vec<usize> = (0..bs.len()).filter(|&i| counts[i] > 0).collect();
        let total = match nonzero.as_slice() {
            [] => 0,
            [only] => counts[*only],
            several => {
                let mut q = sqlx::QueryBuilder::<DB>::new("SELECT COUNT(*) FROM (");
                for (n, &i) in several.iter().enumerate() {
                    if n > 0 {
                        q.push(" UNION ");
                    }
                    q.push("SELECT c.id ");
                    push_branch(&mut q, &bs[i]);
                    push_case_filter(&mut q, filter);
                }
                let union: i64 = q.push(") u").build_query_scalar().persistent(!IS_POSTGRES).fetch_one(&self.readers).await?;
                union.min(CASE_COUNT_CAP + 1)
            }
        };
        Ok((page, Some(total)))
    }

    /// Vault entries of many records of one type (e.g. the reasons of a case's timeline).
    pub async fn vault_get_many(&self, record_type: &str, ids: &[Uuid]) -> Result<Vec<VaultEntry>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::<DB>::new("SELECT record_type, record_id, field, ciphertext, key_id, blind_index, updated_at FROM identity_vault WHERE record_type = ");
            q.push_bind(record_type.to_owned()).push(" AND record_id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.readers).await? {
                out.push(VaultEntry {
                    record_type: r.try_get("record_type")?,
                    record_id: r.try_get("record_id")?,
                    field: r.try_get("field")?,
                    ciphertext: r.try_get("ciphertext")?,
                    key_id: r.try_get("key_id")?,
                    blind_index: r.try_get("blind_index")?,
                    updated_at: r.try_get("updated_at")?,
                });
            }
        }
        Ok(out)
    }

    /// Insert many generated cases in one transaction with multi-row inserts, and move the
    /// reference counters forward to at least the given values. For the demo and benchmarks.
    pub async fn bulk_insert_cases(&self, bundles: &[CaseBundle], counters: &[(String, i64)], audit: &[AuditEvent]) -> Result<()> {
        // Both engines accept at least 32766 bound parameters per statement.
        fn chunk_rows(columns: usize) -> usize {
            30_000 / columns
        }
        let mut tx = self.begin_write().await?;
        let persons: Vec<&PersonRecord> = bundles.iter().filter_map(|b| b.person.as_ref()).collect();
        for chunk in persons.chunks(chunk_rows(11)) {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO persons (id, reference, organisation_id, created_by, sex, age_at_identification, age_group, citizenships, languages, migration_status, created_at) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.id)
                    .push_bind(p.reference.clone())
                    .push_bind(p.organisation_id.0)
                    .push_bind(p.created_by.0)
                    .push_bind(p.sex.clone())
                    .push_bind(p.age_at_identification)
                    .push_bind(p.age_group.clone())
                    .push_bind(p.citizenships.clone())
                    .push_bind(p.languages.clone())
                    .push_bind(p.migration_status.clone())
                    .push_bind(p.created_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        let cases: Vec<&CaseRecord> = bundles.iter().map(|b| &b.case).collect();
        for chunk in cases.chunks(chunk_rows(25)) {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO cases (id, reference, kind, person_id, owner_org_id, authority_org_id, case_worker_id, decision_maker_id, region, stage, referred_on, \
                 rg_positive_on, last_negative_kind, last_negative_told_on, ended_from, deadline_kind, deadline_on, sex, age_group, exploitation_form, created_by, \
                 created_at, updated_at, version, exploitation_country) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(c.id)
                    .push_bind(c.reference.clone())
                    .push_bind(c.kind.clone())
                    .push_bind(c.person_id)
                    .push_bind(c.owner_org_id.0)
                    .push_bind(c.authority_org_id.map(|o| o.0))
                    .push_bind(c.case_worker_id.map(|u| u.0))
                    .push_bind(c.decision_maker_id.map(|u| u.0))
                    .push_bind(c.region.clone())
                    .push_bind(c.stage.clone())
                    .push_bind(c.referred_on)
                    .push_bind(c.rg_positive_on)
                    .push_bind(c.last_negative_kind.clone())
                    .push_bind(c.last_negative_told_on)
                    .push_bind(c.ended_from.clone())
                    .push_bind(c.deadline_kind.clone())
                    .push_bind(c.deadline_on)
                    .push_bind(c.sex.clone())
                    .push_bind(c.age_group.clone())
                    .push_bind(c.exploitation_form.clone())
                    .push_bind(c.created_by.0)
                    .push_bind(c.created_at)
                    .push_bind(c.updated_at)
                    .push_bind(c.version)
                    .push_bind(c.exploitation_country.clone());
            });
            q.build().execute(&mut *tx).await?;
        }
        let screenings: Vec<&ScreeningRecord> = bundles.iter().map(|b| &b.screening).collect();
        for chunk in screenings.chunks(chunk_rows(16)) {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO screenings (id, case_id, organisation_id, screened_by, screened_on, population, exploitation_form, catalogue_version, list_id, acts, \
                 means, purposes, indicators, elements_met, indicators_suggest, created_at) ",
            );
            q.push_values(chunk, |mut b, s| {
                b.push_bind(s.id)
                    .push_bind(s.case_id)
                    .push_bind(s.organisation_id.0)
                    .push_bind(s.screened_by.0)
                    .push_bind(s.screened_on)
                    .push_bind(s.population.clone())
                    .push_bind(s.exploitation_form.clone())
                    .push_bind(s.catalogue_version.clone())
                    .push_bind(s.list_id.clone())
                    .push_bind(s.acts.clone())
                    .push_bind(s.means.clone())
                    .push_bind(s.purposes.clone())
                    .push_bind(s.indicators.clone())
                    .push_bind(s.elements_met)
                    .push_bind(s.indicators_suggest)
                    .push_bind(s.created_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        let events: Vec<&CaseEventRecord> = bundles.iter().flat_map(|b| b.events.iter()).collect();
        for chunk in events.chunks(chunk_rows(9)) {
            let mut q = sqlx::QueryBuilder::<DB>::new("INSERT INTO case_events (id, case_id, at, actor_user_id, actor_org_id, kind, stage_after, on_date, detail) ");
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.id)
                    .push_bind(e.case_id)
                    .push_bind(e.at)
                    .push_bind(e.actor_user_id.map(|u| u.0))
                    .push_bind(e.actor_org_id.map(|o| o.0))
                    .push_bind(e.kind.clone())
                    .push_bind(e.stage_after.clone())
                    .push_bind(e.on_date)
                    .push_bind(e.detail.clone());
            });
            q.build().execute(&mut *tx).await?;
        }
        let written: Vec<Uuid> = bundles.iter().map(|b| b.case.id).collect();
        Self::refresh_decision_dates_in(&mut tx, &written).await?;
        let consents: Vec<&ConsentRecord> = bundles.iter().flat_map(|b| b.consents.iter()).collect();
        for chunk in consents.chunks(chunk_rows(13)) {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO consents (id, case_id, purpose, recipient_org_id, status, decided_on, form, interpreter_language, checklist, given_by, recorded_by, case_version, recorded_at) ",
            );
            q.push_values(chunk, |mut b, k| {
                b.push_bind(k.id)
                    .push_bind(k.case_id)
                    .push_bind(k.purpose.clone())
                    .push_bind(k.recipient_org_id.map(|o| o.0))
                    .push_bind(k.status.clone())
                    .push_bind(k.decided_on)
                    .push_bind(k.form.clone())
                    .push_bind(k.interpreter_language.clone())
                    .push_bind(k.checklist.clone())
                    .push_bind(k.given_by.clone())
                    .push_bind(k.recorded_by.0)
                    .push_bind(k.case_version)
                    .push_bind(k.recorded_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        let vault: Vec<&VaultEntry> = bundles.iter().flat_map(|b| b.vault.iter()).collect();
        for chunk in vault.chunks(chunk_rows(7)) {
            let mut q = sqlx::QueryBuilder::<DB>::new("INSERT INTO identity_vault (record_type, record_id, field, ciphertext, key_id, blind_index, updated_at) ");
            q.push_values(chunk, |mut b, v| {
                b.push_bind(v.record_type.clone())
                    .push_bind(v.record_id)
                    .push_bind(v.field.clone())
                    .push_bind(v.ciphertext.clone())
                    .push_bind(v.key_id)
                    .push_bind(v.blind_index.clone())
                    .push_bind(v.updated_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        for (prefix, last) in counters {
            sqlx::query(
                "INSERT INTO reference_counters (prefix, last) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET last = \
                 CASE WHEN reference_counters.last > excluded.last THEN reference_counters.last ELSE excluded.last END",
            )
            .bind(prefix)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_with(tx, audit).await
    }

    pub async fn reference_counter(&self, prefix: &str) -> Result<i64> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT last FROM reference_counters WHERE prefix = $1").bind(prefix).fetch_optional(&self.readers).await?;
        Ok(row.map(|r| r.0).unwrap_or(0))
    }

    pub async fn append_audit(&self, events: &[AuditEvent]) -> Result<Head> {
        let tx = self.begin_write().await?;
        let mut tx = tx;
        let head = Self::append_in(&mut tx, events).await?;
        tx.commit().await?;
        match head {
            Some(h) => {
                self.witness.observe(&h);
                Ok(h)
            }
            None => self.audit_head().await,
        }
    }

    pub async fn audit_head(&self) -> Result<Head> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(&self.readers).await?;
        match row {
            None => Ok(Head { seq: 0, hash: GENESIS }),
            Some(r) => {
                let hash: Vec<u8> = r.try_get("hash")?;
                Ok(Head { seq: r.try_get("seq")?, hash: to_hash(&hash)? })
            }
        }
    }

    pub async fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_user_id, actor_org_id, action, object_type, object_id, section, purpose, request_id, outcome, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    pub async fn audit_recent(&self, limit: i64) -> Result<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_user_id, actor_org_id, action, object_type, object_id, section, purpose, request_id, outcome, prev_hash, hash \
             FROM audit_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(entry_from).collect()
    }
}
