//! The only crate that speaks SQL.
//!
//! Two engines, one meaning: SQLite (embedded, the default) and PostgreSQL (scale-out). The
//! implementation is written once in `engine.rs` and compiled twice, once per engine, with the
//! few dialect differences (write locking, migrations) defined per engine module. [`Store`]
//! is what the rest of the application holds; the conformance tests run the same story on both.
//!
//! Every write that changes protected data takes its audit entries and appends them to the
//! hash chain in the same transaction. Reads that must be audited go through [`AuditSink`],
//! which groups concurrent entries into one transaction (group commit) and answers each caller
//! only after the commit is durable.

#[macro_use]
mod stored;
mod justice_records;
mod prevention_records;
mod records;
pub mod session_cache;
mod sink;

pub use justice_records::*;
pub use prevention_records::*;
pub use records::*;
pub use sink::AuditSink;
pub use stored::Stored;

use palermo_domain::audit::{AuditEvent, ChainedEntry, Head};
use palermo_domain::ids::{OrgId, UserId};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// What can go wrong in storage. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// Someone else changed the record since it was read; nothing was written.
    #[error("{0}")]
    Stale(&'static str),
    #[error("not found")]
    NotFound,
    #[error("this one-time code was already used")]
    Replay,
    #[error("the database URL is not valid: {0}")]
    BadUrl(String),
    #[error("migration {version} ({name}) was changed after it was applied; migrations are forward-only")]
    MigrationChanged { version: i64, name: &'static str },
    #[error("the database holds migration {0}, newer than this binary knows; upgrade Palermo")]
    TooNew(i64),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("the audit log could not be written")]
    AuditUnavailable,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Told about every new audit head after its commit, to keep a witness outside the database.
pub trait HeadWitness: Send + Sync + 'static {
    fn observe(&self, head: &Head);
}

/// A witness that keeps nothing (tools that only read).
pub struct NoWitness;
impl HeadWitness for NoWitness {
    fn observe(&self, _head: &Head) {}
}

/// A forward-only migration, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

fn checksum(sql: &str) -> String {
    // FNV-1a 64: enough to notice an edited migration; not a security boundary.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Sqlite,
    Postgres,
}

pub mod sqlite {
    //! SQLite: WAL, `synchronous=FULL`, foreign keys on, a busy timeout; one writer connection
    //! (writes are serialised in-process, and `BEGIN IMMEDIATE` takes the file's write lock up
    //! front), readers in parallel.
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    use std::str::FromStr;
    use std::time::Duration;

    pub type DB = sqlx::Sqlite;
    const IS_POSTGRES: bool = false;
    const LOCK_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
    /// The single writer connection and `BEGIN IMMEDIATE` already serialise migrations.
    const MIGRATION_LOCK: Option<&str> = None;

    pub const MIGRATIONS: &[Migration] = &[
        Migration { version: 1, name: "foundation", sql: include_str!("../migrations/sqlite/0001_foundation.sql") },
        Migration { version: 2, name: "persons", sql: include_str!("../migrations/sqlite/0002_persons.sql") },
        Migration { version: 3, name: "cases", sql: include_str!("../migrations/sqlite/0003_cases.sql") },
        Migration { version: 4, name: "case_list_indexes", sql: include_str!("../migrations/sqlite/0004_case_list_indexes.sql") },
        Migration {
            version: 5,
            name: "case_list_stage_indexes",
            sql: include_str!("../migrations/sqlite/0005_case_list_stage_indexes.sql"),
        },
        Migration { version: 6, name: "case_list_kind_indexes", sql: include_str!("../migrations/sqlite/0006_case_list_kind_indexes.sql") },
        Migration { version: 7, name: "coordination", sql: include_str!("../migrations/sqlite/0007_coordination.sql") },
        Migration { version: 8, name: "residence_and_children", sql: include_str!("../migrations/sqlite/0008_residence_and_children.sql") },
        Migration { version: 9, name: "claims_and_risk", sql: include_str!("../migrations/sqlite/0009_claims_and_risk.sql") },
        Migration { version: 10, name: "follow_ups", sql: include_str!("../migrations/sqlite/0010_follow_ups.sql") },
        Migration { version: 11, name: "support_plans", sql: include_str!("../migrations/sqlite/0011_support_plans.sql") },
        Migration { version: 12, name: "justice", sql: include_str!("../migrations/sqlite/0012_justice.sql") },
        Migration { version: 13, name: "prevention", sql: include_str!("../migrations/sqlite/0013_prevention.sql") },
        Migration { version: 14, name: "dp_releases", sql: include_str!("../migrations/sqlite/0014_dp_releases.sql") },
        Migration { version: 15, name: "decision_dates", sql: include_str!("../migrations/sqlite/0015_decision_dates.sql") },
        Migration { version: 16, name: "case_statistics", sql: include_str!("../migrations/sqlite/0016_case_statistics.sql") },
        Migration { version: 17, name: "exploitation_country", sql: include_str!("../migrations/sqlite/0017_exploitation_country.sql") },
        Migration { version: 18, name: "referrals_sent", sql: include_str!("../migrations/sqlite/0018_referrals_sent.sql") },
        Migration { version: 19, name: "case_transfers", sql: include_str!("../migrations/sqlite/0019_case_transfers.sql") },
        Migration {
            version: 20,
            name: "victims_by_country_index",
            sql: include_str!("../migrations/sqlite/0020_victims_by_country_index.sql"),
        },
        Migration { version: 21, name: "duplicate_review", sql: include_str!("../migrations/sqlite/0021_duplicate_review.sql") },
        Migration { version: 22, name: "email_outbox", sql: include_str!("../migrations/sqlite/0022_email_outbox.sql") },
        Migration { version: 23, name: "audit_inbox", sql: include_str!("../migrations/sqlite/0023_audit_inbox.sql") },
        Migration { version: 24, name: "case_list_covering", sql: include_str!("../migrations/sqlite/0024_case_list_covering.sql") },
        Migration { version: 25, name: "case_sections_present", sql: include_str!("../migrations/sqlite/0025_case_sections_present.sql") },
        Migration { version: 26, name: "case_list_all_regions", sql: include_str!("../migrations/sqlite/0026_case_list_all_regions.sql") },
        Migration {
            version: 27,
            name: "case_list_filters_covering",
            sql: include_str!("../migrations/sqlite/0027_case_list_filters_covering.sql"),
        },
        Migration { version: 28, name: "session_announcements", sql: include_str!("../migrations/sqlite/0028_session_announcements.sql") },
        Migration { version: 29, name: "bulk_read_alerts", sql: include_str!("../migrations/sqlite/0029_bulk_read_alerts.sql") },
        Migration { version: 30, name: "erasures", sql: include_str!("../migrations/sqlite/0030_erasures.sql") },
    ];

    impl EngineStore {
        pub async fn connect(url: &str, witness: Arc<dyn HeadWitness>, audit_inbox: Option<Duration>) -> Result<Self> {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                // No memory map (SQLite's default): a reader drops its map, like its page cache,
                // whenever the write-ahead log changed, and with the audit inbox folded ten times
                // a second, unmapping and re-faulting the map cost more than the copies it saves
                // (measured in docs/PERFORMANCE.md).
                .busy_timeout(Duration::from_secs(10));
            let writer = SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(opts.clone()).await?;
            let readers = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
            let inbox = match (audit_inbox_path(url), audit_inbox) {
                (Some(path), Some(limit)) => Some(AuditInbox::open(&path, limit).await?),
                _ => None,
            };
            Ok(Self { lists: readers.clone(), readers, writer, witness, inbox, sessions: None, _stop_listening: None })
        }

        async fn begin_write(&self) -> Result<sqlx::Transaction<'static, DB>> {
            Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
        }

        /// A consistent copy of the live database into `path` (`VACUUM INTO`), safe while
        /// the server writes.
        pub async fn backup_into(&self, path: &str) -> Result<()> {
            sqlx::query("VACUUM INTO $1").bind(path).execute(&self.writer).await?;
            Ok(())
        }

        /// SQLite's own integrity check: "ok" or the problems found.
        pub async fn integrity_check(&self) -> Result<String> {
            let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&self.readers).await?;
            Ok(rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("; "))
        }
    }

    include!("engine.rs");
    include!("justice_engine.rs");
    include!("duplicate_engine.rs");
    include!("outbox_engine.rs");
    include!("audit_inbox_engine.rs");

    impl AuditInbox {
        async fn open(path: &std::path::Path, limit: Duration) -> Result<Self> {
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new().max_connections(2).min_connections(1).connect_with(opts).await?;
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS audit_inbox_generation (id INTEGER PRIMARY KEY CHECK (id = 1), generation BLOB NOT NULL); \
                 INSERT OR IGNORE INTO audit_inbox_generation (id, generation) VALUES (1, randomblob(16)); \
                 CREATE TABLE IF NOT EXISTS audit_inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor_user_id TEXT, \
                 actor_org_id TEXT, action TEXT NOT NULL, object_type TEXT, object_id TEXT, section TEXT, purpose TEXT, request_id TEXT, \
                 outcome TEXT NOT NULL);",
            )
            .execute(&pool)
            .await?;
            let generation: Vec<u8> =
                sqlx::query_scalar("SELECT generation FROM audit_inbox_generation WHERE id = 1").fetch_one(&pool).await?;
            Ok(Self { pool, generation, limit, last_fold: std::sync::Mutex::new(std::time::Instant::now()), refusing: Default::default() })
        }
    }
}

/// The file a SQLite database URL names (`sqlite://path`, `sqlite:path`, with or without
/// `?options`), or `None` for one that names no file (in memory, or not SQLite).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Where the application's SQLite database keeps its audit inbox: `<database file>.audit-inbox`
/// (with its own `-wal` and `-shm`), or `None` for a URL that names no file.
pub fn audit_inbox_path(url: &str) -> Option<std::path::PathBuf> {
    let mut name = sqlite_file(url)?.into_os_string();
    name.push(".audit-inbox");
    Some(name.into())
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        let p = |s: &str| sqlite_file(s).map(|p| p.display().to_string());
        assert_eq!(p("sqlite:///var/palermo/palermo.db").as_deref(), Some("/var/palermo/palermo.db"));
        assert_eq!(p("sqlite:/var/palermo/palermo.db?mode=rwc").as_deref(), Some("/var/palermo/palermo.db"));
        assert_eq!(p("sqlite::memory:"), None);
        assert_eq!(p("postgres://localhost/palermo"), None);
        assert_eq!(
            audit_inbox_path("sqlite://data/palermo.db?mode=rwc").map(|p| p.display().to_string()).as_deref(),
            Some("data/palermo.db.audit-inbox")
        );
    }
}

pub mod postgres {
    //! PostgreSQL: a connection pool shared by readers and writers; the audit chain's head row
    //! is locked (`FOR UPDATE`) by each appending transaction, so several app servers can share
    //! one database and one chain.
    use super::*;
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use std::str::FromStr;
    use std::time::Duration;

    pub type DB = sqlx::Postgres;
    const IS_POSTGRES: bool = true;
    const LOCK_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";
    /// Several servers starting at once migrate one at a time.
    const MIGRATION_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(7270736900)");

    pub const MIGRATIONS: &[Migration] = &[
        Migration { version: 1, name: "foundation", sql: include_str!("../migrations/postgres/0001_foundation.sql") },
        Migration { version: 2, name: "persons", sql: include_str!("../migrations/postgres/0002_persons.sql") },
        Migration { version: 3, name: "cases", sql: include_str!("../migrations/postgres/0003_cases.sql") },
        Migration { version: 4, name: "case_list_indexes", sql: include_str!("../migrations/postgres/0004_case_list_indexes.sql") },
        Migration {
            version: 5,
            name: "case_list_stage_indexes",
            sql: include_str!("../migrations/postgres/0005_case_list_stage_indexes.sql"),
        },
        Migration {
            version: 6,
            name: "case_list_kind_indexes",
            sql: include_str!("../migrations/postgres/0006_case_list_kind_indexes.sql"),
        },
        Migration { version: 7, name: "coordination", sql: include_str!("../migrations/postgres/0007_coordination.sql") },
        Migration {
            version: 8,
            name: "residence_and_children",
            sql: include_str!("../migrations/postgres/0008_residence_and_children.sql"),
        },
        Migration { version: 9, name: "claims_and_risk", sql: include_str!("../migrations/postgres/0009_claims_and_risk.sql") },
        Migration { version: 10, name: "follow_ups", sql: include_str!("../migrations/postgres/0010_follow_ups.sql") },
        Migration { version: 11, name: "support_plans", sql: include_str!("../migrations/postgres/0011_support_plans.sql") },
        Migration { version: 12, name: "justice", sql: include_str!("../migrations/postgres/0012_justice.sql") },
        Migration { version: 13, name: "prevention", sql: include_str!("../migrations/postgres/0013_prevention.sql") },
        Migration { version: 14, name: "dp_releases", sql: include_str!("../migrations/postgres/0014_dp_releases.sql") },
        Migration { version: 15, name: "decision_dates", sql: include_str!("../migrations/postgres/0015_decision_dates.sql") },
        Migration { version: 16, name: "case_statistics", sql: include_str!("../migrations/postgres/0016_case_statistics.sql") },
        Migration { version: 17, name: "exploitation_country", sql: include_str!("../migrations/postgres/0017_exploitation_country.sql") },
        Migration { version: 18, name: "referrals_sent", sql: include_str!("../migrations/postgres/0018_referrals_sent.sql") },
        Migration { version: 19, name: "case_transfers", sql: include_str!("../migrations/postgres/0019_case_transfers.sql") },
        Migration {
            version: 20,
            name: "victims_by_country_index",
            sql: include_str!("../migrations/postgres/0020_victims_by_country_index.sql"),
        },
        Migration { version: 21, name: "duplicate_review", sql: include_str!("../migrations/postgres/0021_duplicate_review.sql") },
        Migration { version: 22, name: "email_outbox", sql: include_str!("../migrations/postgres/0022_email_outbox.sql") },
        Migration { version: 23, name: "audit_inbox", sql: include_str!("../migrations/postgres/0023_audit_inbox.sql") },
        Migration { version: 24, name: "case_list_covering", sql: include_str!("../migrations/postgres/0024_case_list_covering.sql") },
        Migration {
            version: 25,
            name: "case_sections_present",
            sql: include_str!("../migrations/postgres/0025_case_sections_present.sql"),
        },
        Migration {
            version: 26,
            name: "case_list_all_regions",
            sql: include_str!("../migrations/postgres/0026_case_list_all_regions.sql"),
        },
        Migration {
            version: 27,
            name: "case_list_filters_covering",
            sql: include_str!("../migrations/postgres/0027_case_list_filters_covering.sql"),
        },
        Migration {
            version: 28,
            name: "session_announcements",
            sql: include_str!("../migrations/postgres/0028_session_announcements.sql"),
        },
        Migration { version: 29, name: "bulk_read_alerts", sql: include_str!("../migrations/postgres/0029_bulk_read_alerts.sql") },
        Migration { version: 30, name: "erasures", sql: include_str!("../migrations/postgres/0030_erasures.sql") },
    ];

    impl EngineStore {
        /// `cache_sessions`: keep resolved sessions in memory while the database announces
        /// nothing about them (see [`crate::session_cache`]); for the application's server, not
        /// for one-shot tools.
        pub async fn connect(url: &str, witness: Arc<dyn HeadWitness>, connections: u32, cache_sessions: bool) -> Result<Self> {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
            // The case list's own connections keep generic plans (see `list_cases`).
            let generic = opts.clone().options([("plan_cache_mode", "force_generic_plan")]);
            let listen_opts = opts.clone();
            let pool =
                PgPoolOptions::new().max_connections(connections).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
            let lists = PgPoolOptions::new()
                .max_connections(list_connections(connections))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(generic)
                .await?;
            let (sessions, stop) = if cache_sessions {
                let cache = Arc::new(crate::session_cache::SessionCache::default());
                let (stop, stopped) = tokio::sync::oneshot::channel();
                // The listener's own connection, opened when it subscribes.
                let listen_pool = PgPoolOptions::new().max_connections(1).connect_lazy_with(listen_opts);
                tokio::spawn(crate::session_cache::listen(listen_pool, cache.clone(), stopped));
                (Some(cache), Some(stop))
            } else {
                (None, None)
            };
            Ok(Self { readers: pool.clone(), lists, writer: pool, witness, inbox: None, sessions, _stop_listening: stop })
        }

        async fn begin_write(&self) -> Result<sqlx::Transaction<'static, DB>> {
            Ok(self.writer.begin().await?)
        }

        pub async fn integrity_check(&self) -> Result<String> {
            let (ok,): (i32,) = sqlx::query_as("SELECT 1").fetch_one(&self.readers).await?;
            Ok(if ok == 1 { "ok".into() } else { "not ok".into() })
        }

        pub async fn snapshot(&self) -> Result<Snapshot> {
            use sqlx::Row;
            let mut tx = self.readers.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
            let (id,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
            let mut counts = Vec::new();
            for (name, sql) in COUNT_QUERIES {
                let (n,): (i64,) = sqlx::query_as(*sql).fetch_one(&mut *tx).await?;
                counts.push(((*name).to_owned(), n));
            }
            let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *tx).await?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let hash = hash.try_into().map_err(|_| StoreError::Corrupt("audit head".into()))?;
            Ok(Snapshot { tx, id, counts, head: Head { seq: row.try_get("seq")?, hash } })
        }
    }

    /// An exported snapshot, held open until [`Snapshot::finish`].
    pub struct Snapshot {
        tx: sqlx::Transaction<'static, DB>,
        pub id: String,
        pub counts: Vec<(String, i64)>,
        pub head: Head,
    }

    impl Snapshot {
        pub async fn finish(self) -> Result<()> {
            self.tx.commit().await?;
            Ok(())
        }
    }

    include!("engine.rs");
    include!("justice_engine.rs");
    include!("duplicate_engine.rs");
    include!("outbox_engine.rs");
    include!("audit_inbox_engine.rs");
}

enum Engine {
    Sqlite(sqlite::EngineStore),
    Postgres(postgres::EngineStore),
}

/// The size of a process's main pool of PostgreSQL connections unless told otherwise
/// (`data.postgres_connections`; the case list's pool, [`list_connections`], comes beside it).
/// On a two-core machine running both the server and the database, 8 served the case page 5–7 %
/// faster than 16, at a lower p99 (docs/PERFORMANCE.md): past the database's cores, more
/// connections only add switching between its backends.
pub const DEFAULT_POSTGRES_CONNECTIONS: u32 = 8;

/// PostgreSQL: the case list's own pool beside a main pool of `connections` (half as many, at
/// least 2), so a server opens at most `connections + list_connections(connections)`.
pub fn list_connections(connections: u32) -> u32 {
    (connections / 2).max(2)
}

/// The application's storage, on whichever engine the database URL names.
#[derive(Clone)]
pub struct Store {
    engine: Arc<Engine>,
}

impl Store {
    /// Connect to `sqlite://path` or `postgres://…`. Does not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str, witness: Arc<dyn HeadWitness>) -> Result<Self> {
        Self::connect_with(url, witness, None, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// Connect as the application does: on SQLite with the audit inbox (`<database>.audit-inbox`),
    /// so that committing the audit entry of a read does not make every reading connection drop
    /// its page cache; [`Store::fold_audit_inbox`] moves the entries into the chain. Only the
    /// running application (which folds about ten times a second) should open the inbox.
    ///
    /// `unfolded_limit`: once no fold has succeeded for that long, reads are refused (their
    /// entries would be durable but outside the chain, where nothing would show them altered).
    ///
    /// `postgres_connections`: on PostgreSQL, the size of the main pool (readers and writers share
    /// it); the case list's pages have a pool of [`list_connections`] beside it. SQLite keeps its
    /// own pools (one writer, eight readers).
    pub async fn connect_for_application(
        url: &str,
        witness: Arc<dyn HeadWitness>,
        unfolded_limit: std::time::Duration,
        postgres_connections: u32,
    ) -> Result<Self> {
        Self::connect_with(url, witness, Some(unfolded_limit), postgres_connections).await
    }

    async fn connect_with(
        url: &str,
        witness: Arc<dyn HeadWitness>,
        audit_inbox: Option<std::time::Duration>,
        postgres_connections: u32,
    ) -> Result<Self> {
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Opened for the application (`audit_inbox` given): its server keeps sessions.
            Engine::Postgres(postgres::EngineStore::connect(url, witness, postgres_connections, audit_inbox.is_some()).await?)
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite(sqlite::EngineStore::connect(url, witness, audit_inbox).await?)
        } else {
            return Err(StoreError::BadUrl("expected sqlite://PATH or postgres://USER@HOST/DB".into()));
        };
        Ok(Self { engine: Arc::new(engine) })
    }

    pub fn kind(&self) -> EngineKind {
        match &*self.engine {
            Engine::Sqlite(_) => EngineKind::Sqlite,
            Engine::Postgres(_) => EngineKind::Postgres,
        }
    }

    /// Close every connection (before the database file is copied or removed).
    pub async fn close(&self) {
        match &*self.engine {
            Engine::Sqlite(s) => s.close().await,
            Engine::Postgres(s) => s.close().await,
        }
    }

    /// PostgreSQL only: open a repeatable-read transaction, export its snapshot (for
    /// `pg_dump --snapshot`), and read the row counts and audit head *in that snapshot*, so a
    /// backup's manifest describes exactly what the dump holds.
    pub async fn pg_snapshot(&self) -> Result<Option<postgres::Snapshot>> {
        match &*self.engine {
            Engine::Postgres(s) => s.snapshot().await.map(Some),
            Engine::Sqlite(_) => Ok(None),
        }
    }

    /// `VACUUM INTO` a file (SQLite only; PostgreSQL backups use `pg_dump`).
    pub async fn sqlite_backup_into(&self, path: &str) -> Result<bool> {
        match &*self.engine {
            Engine::Sqlite(s) => s.backup_into(path).await.map(|()| true),
            Engine::Postgres(_) => Ok(false),
        }
    }
}

macro_rules! delegate {
    ($( $(#[$m:meta])* pub async fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Store {
            $( $(#[$m])* pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match &*self.engine {
                    Engine::Sqlite(s) => s.$name($($arg),*).await,
                    Engine::Postgres(s) => s.$name($($arg),*).await,
                }
            } )*
        }
    };
}

delegate! {
    /// Apply pending migrations, recording `applied_at` (a timestamp) with each; returns the
    /// versions applied now.
    pub async fn migrate(&self, applied_at: &str) -> Result<Vec<i64>>;
    /// The newest migration applied, 0 for an empty database.
    pub async fn schema_version(&self) -> Result<i64>;
    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()>;
    pub async fn integrity_check(&self) -> Result<String>;
    /// Rows per table, for backup verification.
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>>;

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    pub async fn put_setting(&self, key: &str, value: &str, audit: &[AuditEvent]) -> Result<()>;

    pub async fn insert_organisation(&self, org: &OrgRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn list_organisations(&self) -> Result<Vec<OrgRecord>>;
    pub async fn get_organisation(&self, id: OrgId) -> Result<Option<OrgRecord>>;

    pub async fn insert_user(&self, user: &UserRecord, vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<()>;
    pub async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<UserRecord>>;
    pub async fn get_user(&self, id: UserId) -> Result<Option<UserRecord>>;
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Disable or enable an account; disabling ends all its sessions in the same transaction.
    pub async fn set_user_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()>;
    /// Set a new password hash; ends all sessions of the account.
    pub async fn set_password(&self, id: UserId, hash: &str, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()>;
    /// Store a (new, not yet confirmed) encrypted TOTP secret, or clear it.
    pub async fn set_mfa_secret(&self, id: UserId, secret: Option<&[u8]>, enabled: bool, now: OffsetDateTime, audit: &[AuditEvent]) -> Result<()>;

    pub async fn vault_get(&self, record_type: &str, record_id: Uuid) -> Result<Vec<VaultEntry>>;
    pub async fn vault_find(&self, record_type: &str, field: &str, blind_index: &[u8]) -> Result<Vec<Uuid>>;
    /// Every vault entry and MFA secret encrypted with a key other than `active`, a page at a time.
    pub async fn ciphertexts_not_under(&self, active: i64, limit: i64) -> Result<Vec<Ciphertext>>;
    /// Replace ciphertexts after re-encryption under a new key.
    pub async fn replace_ciphertexts(&self, items: &[Ciphertext], audit: &[AuditEvent]) -> Result<()>;

    pub async fn get_throttle(&self, key: &str) -> Result<Option<ThrottleRecord>>;
    /// A failed sign-in: the throttle state and its audit entry, together.
    pub async fn record_failed_sign_in(&self, key: &str, state: &ThrottleRecord, audit: &[AuditEvent]) -> Result<()>;
    /// A successful first factor: clear the throttle, optionally upgrade the hash, open a session.
    pub async fn complete_sign_in(&self, key: &str, user: UserId, rehash: Option<&str>, session: &SessionRecord, audit: &[AuditEvent]) -> Result<()>;
    /// A successful second factor: consume the step (refusing a replay), replace the session
    /// with a new id, optionally confirm enrolment.
    pub async fn complete_mfa(&self, user: UserId, step: i64, confirm_enrolment: bool, old_session: &[u8], session: &SessionRecord, audit: &[AuditEvent]) -> Result<()>;

    /// Confirm an enrolment made from the console with its first code.
    pub async fn confirm_mfa(&self, user: UserId, step: i64, audit: &[AuditEvent]) -> Result<()>;
    /// A session with its user; on PostgreSQL a server may answer from the sessions it keeps
    /// (see [`session_cache`]): refuse a session only on [`Store::session_context_fresh`].
    pub async fn session_context(&self, token_hash: &[u8]) -> Result<Option<SessionContext>>;
    /// A session with its user, read from the database.
    pub async fn session_context_fresh(&self, token_hash: &[u8]) -> Result<Option<SessionContext>>;
    pub async fn reauthenticate(&self, token_hash: &[u8], user: UserId, step: Option<i64>, now: time::OffsetDateTime, audit: &[AuditEvent]) -> Result<()>;
    pub async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()>;
    pub async fn end_session(&self, token_hash: &[u8], audit: &[AuditEvent]) -> Result<()>;
    pub async fn sessions_of(&self, user: UserId) -> Result<i64>;

    /// Insert a person with the next reference for `prefix` (e.g. `P-2026`), the identity values and
    /// the audit entry, in one transaction. Returns the reference given.
    pub async fn insert_person(&self, person: &PersonRecord, prefix: &str, vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<String>;
    pub async fn get_person(&self, id: Uuid) -> Result<Option<PersonRecord>>;
    pub async fn get_persons(&self, ids: &[Uuid]) -> Result<Vec<PersonRecord>>;
    pub async fn person_by_reference(&self, reference: &str) -> Result<Option<PersonRecord>>;
    /// The newest persons recorded by an organisation.
    pub async fn persons_of(&self, org: OrgId, limit: i64) -> Result<Vec<PersonRecord>>;
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_case(&self, c: &CaseRecord, prefix: &str, screening: &ScreeningRecord, events: &[CaseEventRecord], consents: &[ConsentRecord], vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<String>;
    pub async fn get_case(&self, id: Uuid) -> Result<Option<CaseRecord>>;
    pub async fn get_cases(&self, ids: &[Uuid]) -> Result<Vec<CaseRecord>>;
    pub async fn case_file(&self, id: Uuid) -> Result<Option<CaseFile>>;
    pub async fn analyze(&self) -> Result<()>;
    pub async fn insert_org_service(&self, s: &OrgServiceRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn update_org_service(&self, s: &OrgServiceRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn get_org_service(&self, id: Uuid) -> Result<Option<OrgServiceRecord>>;
    pub async fn list_org_services(&self) -> Result<Vec<OrgServiceRecord>>;
    pub async fn insert_referral(&self, r: &ReferralRecord, event: &CaseEventRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()>;
    pub async fn update_referral(&self, r: &ReferralRecord, event: &CaseEventRecord, places: Option<(Uuid, i64)>, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()>;
    pub async fn get_referral(&self, id: Uuid) -> Result<Option<ReferralRecord>>;
    pub async fn insert_transfer(&self, t: &TransferRecord, event: &CaseEventRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()>;
    pub async fn answer_transfer(&self, t: &TransferRecord, new_owner: Option<(i64, time::OffsetDateTime)>, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn get_transfer(&self, id: Uuid) -> Result<Option<TransferRecord>>;
    pub async fn transfers_of_case(&self, case_id: Uuid) -> Result<Vec<TransferRecord>>;
    pub async fn transfers_of_org(&self, org: OrgId, limit: i64) -> Result<Vec<TransferRecord>>;
    pub async fn referrals_of_case(&self, case_id: Uuid) -> Result<Vec<ReferralRecord>>;
    pub async fn referrals_of_org(&self, org: OrgId, limit: i64) -> Result<Vec<ReferralRecord>>;
    pub async fn referrals_since(&self, since: time::OffsetDateTime) -> Result<Vec<ReferralRecord>>;
    pub async fn insert_service_delivered(&self, d: &ServiceDeliveredRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn insert_permit(&self, p: &PermitRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn permits_expiring(&self, org: OrgId, user: UserId, until: time::Date) -> Result<Vec<(PermitRecord, String)>>;
    pub async fn insert_child_record(&self, r: &ChildRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn child_records_of(&self, case_id: Uuid) -> Result<Vec<ChildRecord>>;
    pub async fn insert_claim(&self, c: &ClaimRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn risks_of(&self, case_id: Uuid) -> Result<Vec<RiskRecord>>;
    pub async fn insert_follow_ups(&self, rows: &[FollowUpRecord], event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn complete_follow_up(&self, f: &FollowUpRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn follow_ups_of(&self, case_id: Uuid) -> Result<Vec<FollowUpRecord>>;
    pub async fn insert_support_plan(&self, plan: &SupportPlanRecord, tasks: &[PlanTaskRecord], vault: &[VaultEntry], event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn approve_support_plan(&self, plan: &SupportPlanRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn complete_task(&self, task: &PlanTaskRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn support_plans_of(&self, case_id: Uuid) -> Result<(Vec<SupportPlanRecord>, Vec<PlanTaskRecord>)>;
    pub async fn tasks_overdue(&self, owner: UserId, before: time::Date) -> Result<Vec<(PlanTaskRecord, String)>>;
    pub async fn follow_ups_due(&self, org: OrgId, user: UserId, until: time::Date) -> Result<Vec<(FollowUpRecord, String)>>;
    pub async fn insert_risk(&self, r: &RiskRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn services_delivered_count(&self, org: OrgId, from: time::Date) -> Result<i64>;
    pub async fn case_by_reference(&self, reference: &str) -> Result<Option<CaseRecord>>;
    pub async fn update_case(&self, c: &CaseRecord, events: &[CaseEventRecord], consents: &[ConsentRecord], vault: &[VaultEntry], audit: &[AuditEvent]) -> Result<()>;
    pub async fn case_events(&self, case_id: Uuid) -> Result<Vec<CaseEventRecord>>;
    pub async fn screening_of(&self, case_id: Uuid) -> Result<Option<ScreeningRecord>>;
    pub async fn consents_of(&self, case_id: Uuid) -> Result<Vec<ConsentRecord>>;
    pub async fn insert_break_glass(&self, g: &BreakGlassRecord, event: &CaseEventRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn break_glass_of(&self, case_id: Uuid) -> Result<Vec<BreakGlassRecord>>;
    pub async fn break_glass_recent(&self, limit: i64) -> Result<Vec<BreakGlassRecord>>;
    /// Record a bulk-read alert with its notices and audit entry, in one transaction.
    pub async fn insert_bulk_read_alert(&self, a: &BulkReadAlertRecord, outbox: &[OutboxRecord], audit: &[AuditEvent]) -> Result<()>;
    /// Bulk-read alerts raised at or after `since`, newest first.
    pub async fn bulk_read_alerts_since(&self, since: OffsetDateTime, limit: i64) -> Result<Vec<BulkReadAlertRecord>>;
    /// Erase the identities of `persons` (a person and the records merged into it): their
    /// vault values, the free text sealed on `cases` (decision reasons, screening views,
    /// support-plan objectives) and their duplicate candidates, with one erasure row per person
    /// and the audit entry, in one transaction.
    pub async fn erase_persons(&self, erasures: &[ErasureRecord], cases: &[Uuid], audit: &[AuditEvent]) -> Result<()>;
    /// The erasure of a person record, if it was erased.
    pub async fn erasure_of(&self, person: Uuid) -> Result<Option<ErasureRecord>>;
    /// Erasures, newest first.
    pub async fn erasures_recent(&self, limit: i64) -> Result<Vec<ErasureRecord>>;
    /// Persons (not merged into another) registered before `cutoff`, not erased, every case of
    /// whom is in one of the `ended` stages and unchanged since `cutoff`: oldest first.
    pub async fn persons_due_for_retention(&self, cutoff: OffsetDateTime, ended: &[&str], limit: i64) -> Result<Vec<PersonRecord>>;
    /// The person records merged into `person` (kept for an unmerge).
    pub async fn persons_merged_into(&self, person: Uuid) -> Result<Vec<PersonRecord>>;
    pub async fn bulk_insert_cases(&self, bundles: &[CaseBundle], counters: &[(String, i64)], audit: &[AuditEvent]) -> Result<()>;
    pub async fn reference_counter(&self, prefix: &str) -> Result<i64>;
    pub async fn vault_get_many(&self, record_type: &str, ids: &[Uuid]) -> Result<Vec<VaultEntry>>;
    pub async fn list_cases(&self, scope: &CaseScope, filter: &CaseFilter, limit: i64, count: bool) -> Result<(Vec<CaseRecord>, Option<i64>)>;
    pub async fn outbox_due(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutboxRecord>>;
    pub async fn outbox_mark(&self, o: &OutboxRecord) -> Result<()>;
    pub async fn outbox_of_user(&self, user: UserId, limit: i64) -> Result<Vec<OutboxRecord>>;
    pub async fn organisations_with_persons(&self) -> Result<Vec<OrgId>>;
    pub async fn persons_for_linkage(&self, org: OrgId) -> Result<Vec<PersonRecord>>;
    pub async fn replace_duplicate_candidates(&self, org: OrgId, found: &[DuplicateCandidateRecord], at: OffsetDateTime, audit: &[AuditEvent]) -> Result<()>;
    pub async fn duplicate_candidates_of(&self, org: OrgId, limit: i64) -> Result<Vec<DuplicateCandidateRecord>>;
    pub async fn get_duplicate_candidate(&self, id: Uuid) -> Result<Option<DuplicateCandidateRecord>>;
    pub async fn cases_of_person(&self, person: Uuid) -> Result<Vec<Uuid>>;
    pub async fn decide_duplicate_different(&self, d: &DuplicateCandidateRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn merge_duplicate(&self, d: &DuplicateCandidateRecord, absorbed: Uuid, moved: &[Uuid], events: &[CaseEventRecord], audit: &[AuditEvent]) -> Result<()>;
    pub async fn unmerge_duplicate(&self, d: &DuplicateCandidateRecord, absorbed: Uuid, moved: &[Uuid], events: &[CaseEventRecord], audit: &[AuditEvent]) -> Result<()>;

    pub async fn save_justice(&self, records: &[JusticeRecord], reference_prefix: Option<&str>, vault: &[VaultEntry], events: &[CaseEventRecord], audit: &[AuditEvent]) -> Result<Option<String>>;
    pub async fn get_crime_report(&self, id: Uuid) -> Result<Option<CrimeReportRecord>>;
    pub async fn get_investigation(&self, id: Uuid) -> Result<Option<InvestigationRecord>>;
    pub async fn investigation_by_reference(&self, reference: &str) -> Result<Option<InvestigationRecord>>;
    pub async fn get_suspect(&self, id: Uuid) -> Result<Option<SuspectRecord>>;
    pub async fn get_charge(&self, id: Uuid) -> Result<Option<ChargeRecord>>;
    pub async fn get_asset(&self, id: Uuid) -> Result<Option<AssetRecord>>;
    pub async fn get_mla_request(&self, id: Uuid) -> Result<Option<MlaRequestRecord>>;
    pub async fn get_disclosure(&self, id: Uuid) -> Result<Option<DisclosureRecord>>;
    pub async fn crime_reports_of(&self, org: Uuid, limit: i64) -> Result<Vec<CrimeReportRecord>>;
    pub async fn investigations_of(&self, org: Uuid, limit: i64) -> Result<Vec<InvestigationRecord>>;
    pub async fn investigation_file(&self, id: Uuid) -> Result<Option<InvestigationFile>>;
    pub async fn disclosures_of_case(&self, case_id: Uuid) -> Result<(Vec<(DisclosureRecord, String)>, Vec<HearingRecord>)>;
    pub async fn hearings_for_case_worker(&self, user: UserId, from: time::Date, until: time::Date) -> Result<Vec<(HearingRecord, String)>>;
    pub async fn victim_reports_waiting(&self) -> Result<i64>;
    pub async fn justice_counts(&self, from: time::Date, to: time::Date) -> Result<Vec<JusticeCount>>;
    pub async fn confiscated_value(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>>;
    pub async fn save_prevention(&self, records: &[PreventionRecord], audit: &[AuditEvent]) -> Result<()>;
    pub async fn campaigns(&self) -> Result<Vec<CampaignRecord>>;
    pub async fn trainings(&self) -> Result<Vec<TrainingRecord>>;
    pub async fn budgets(&self) -> Result<Vec<BudgetRecord>>;
    pub async fn treaty_status(&self) -> Result<Vec<TreatyStatusRecord>>;
    pub async fn report_numbers(&self, from: time::Date, to: time::Date, from_at: OffsetDateTime, to_at: OffsetDateTime) -> Result<Vec<(String, i64)>>;
    pub async fn services_by_kind(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>>;
    pub async fn referrals_by_group(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, i64, i64)>>;
    pub async fn set_dp_budget(&self, budget: &DpBudgetRecord, audit: &[AuditEvent]) -> Result<()>;
    pub async fn dp_budget(&self, series: &str) -> Result<Option<DpBudgetRecord>>;
    pub async fn dp_releases(&self, series: &str) -> Result<Vec<DpReleaseRecord>>;
    /// Charge a release against its series' budget and record it, in one transaction (the budget
    /// row locked on PostgreSQL): `Ok(false)` and nothing written when the budget would be exceeded.
    pub async fn charge_dp_release(&self, release: &DpReleaseRecord, audit: &[AuditEvent]) -> Result<bool>;
    #[allow(clippy::type_complexity)]
    pub async fn decision_waits(&self, from: time::Date, to: time::Date) -> Result<Vec<DecisionWait>>;
    /// Victims detected by sex, age group, form of exploitation and day of referral.
    #[allow(clippy::type_complexity)]
    pub async fn victims_by_day(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, time::Date, i64)>>;
    #[allow(clippy::type_complexity)]
    pub async fn referral_responses(&self, from: time::OffsetDateTime, to: time::OffsetDateTime) -> Result<Vec<(String, String, time::OffsetDateTime, Option<time::OffsetDateTime>)>>;
    /// Victims detected by sex, age group, nationality and country of exploitation.
    #[allow(clippy::type_complexity)]
    pub async fn victims_by_country(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, String, i64)>>;
    pub async fn investigation_forms(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, i64)>>;
    pub async fn ctdc_sources(&self, from: time::Date, to: time::Date) -> Result<Vec<CtdcSource>>;
    pub async fn victims_detected(&self, from: time::Date, to: time::Date) -> Result<Vec<(String, String, String, i64)>>;
    /// The cases of victims detected and the persons they concern (see the engine's doc).
    pub async fn victims_detected_persons(&self, from: time::Date, to: time::Date) -> Result<DetectedPersons>;

    /// Append audit entries on their own, in one transaction (used by [`AuditSink`]).
    pub async fn append_audit(&self, events: &[AuditEvent]) -> Result<Head>;
    /// Make audit entries durable: into the audit inbox where the store has one (SQLite, the
    /// application), else straight into the chain ([`Store::append_audit`]).
    pub async fn record_audit(&self, events: &[AuditEvent]) -> Result<()>;
    /// Move the audit inbox's entries into the hash chain (nothing to do without an inbox);
    /// returns how many moved.
    pub async fn fold_audit_inbox(&self) -> Result<u64>;
    pub async fn audit_head(&self) -> Result<Head>;
    /// Entries with `seq > after`, oldest first, at most `limit`.
    pub async fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<ChainedEntry>>;
    /// The newest entries, newest first.
    pub async fn audit_recent(&self, limit: i64) -> Result<Vec<ChainedEntry>>;
}

/// Helpers for tests and tools that must reach under the application (fault injection,
/// tampering, creating throw-away PostgreSQL databases). Not used by the application itself.
#[doc(hidden)]
pub mod testing {
    use super::*;
    use sqlx::Connection;

    /// Run raw SQL against a database URL, outside the application.
    pub async fn execute_raw(url: &str, sql: &str) -> Result<()> {
        if url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await?;
        } else {
            let mut c = sqlx::SqliteConnection::connect(url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await?;
        }
        Ok(())
    }

    /// A single number from a query (test assertions on raw tables).
    pub async fn count(url: &str, sql: &'static str) -> Result<i64> {
        let (n,): (i64,) = if url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::query_as(sql).fetch_one(&mut c).await?
        } else {
            let mut c = sqlx::SqliteConnection::connect(url).await?;
            sqlx::query_as(sql).fetch_one(&mut c).await?
        };
        Ok(n)
    }

    /// Create an empty PostgreSQL database `name` using the server at `admin_url`.
    pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<()> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::BadUrl("database name".into()));
        }
        let mut c = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await?;
        Ok(())
    }

    pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<()> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::BadUrl("database name".into()));
        }
        let mut c = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut c).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migrations are forward-only and never drop data.
    #[test]
    fn migrations_never_drop_or_delete() {
        for m in sqlite::MIGRATIONS.iter().chain(postgres::MIGRATIONS) {
            let upper = m.sql.to_uppercase();
            for forbidden in ["DROP TABLE", "DROP COLUMN", "TRUNCATE", "DELETE FROM", "RENAME"] {
                let lines = upper.lines().filter(|l| !l.trim_start().starts_with("--"));
                for line in lines {
                    assert!(!line.contains(forbidden) || line.contains("BEFORE"), "migration {} contains {forbidden}", m.version);
                }
            }
        }
        assert_eq!(sqlite::MIGRATIONS.len(), postgres::MIGRATIONS.len(), "both engines have the same migrations");
    }

    /// The bits the case page reads from `cases.sections_present` are the ones the triggers set,
    /// on each engine: the migration backfills and marks every section table with its bit.
    #[test]
    fn section_bits_are_the_migrations() {
        for (migrations, tables) in [(sqlite::MIGRATIONS, sqlite::section::TABLES), (postgres::MIGRATIONS, postgres::section::TABLES)] {
            let m = migrations.iter().find(|m| m.name == "case_sections_present").map(|m| m.sql).unwrap_or_default();
            for (table, bit) in tables {
                let backfill = format!("sections_present | {bit} WHERE id IN (SELECT case_id FROM {table});");
                assert!(m.contains(&backfill), "{table}: {backfill}");
                let trigger = m.lines().skip_while(|l| !l.contains(&format!("AFTER INSERT ON {table} "))).take(2).collect::<String>();
                assert!(
                    trigger.contains(&format!("'{bit}'")) || trigger.contains(&format!("| {bit} WHERE id = NEW.case_id")),
                    "{table}: trigger {trigger}"
                );
            }
        }
    }
}
