//! Palermo's use cases. Each has the same shape: authorize with the domain policy → validate →
//! write through the store in one transaction together with its audit entry → return. The web
//! and the command line both call these, so neither can bypass a rule.

pub mod admin;
pub mod assistance;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bulk_read;
pub mod cases;
pub mod cases_release;
pub mod config;
pub mod coordination;
pub mod ctdc;
pub mod demo;
pub mod duplicates;
pub mod erasure;
pub mod export;
pub mod glotip;
pub mod htcds;
pub mod import;
pub mod jurisdiction;
pub mod justice;
pub mod keys;
pub mod notify;
pub mod persons;
pub mod prevention;
pub mod report;
pub mod statistics;
pub mod synth;
pub mod transfer;
mod witness;

use palermo_crypto::keys::KeyRing;
use palermo_crypto::password::{HashCost, PasswordHasher};
use palermo_domain::ValidationError;
use palermo_domain::audit::{AuditEvent, Outcome};
use palermo_domain::clock::Clock;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::policy::{Actor, Denied};
use palermo_store::{AuditSink, Store, StoreError};
use std::net::IpAddr;
use std::sync::Arc;

pub use config::Config;
pub use palermo_domain;
pub use palermo_stats;
pub use palermo_store::EngineKind;

/// What a use case can answer instead of a result. The web maps each to one HTTP status and
/// one readable message; none carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ValidationError>),
    /// Absent, or present but not for this actor: the same answer either way.
    #[error("not found")]
    NotFound,
    #[error("you do not have a role that allows this")]
    Forbidden,
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Conflict(String),
    #[error("the username or password is not right")]
    SignInFailed,
    #[error("too many failed attempts; try again after {0}")]
    Locked(time::OffsetDateTime),
    /// The bulk-read watch (security goal 8): identities outside the caller's caseload are
    /// not opened until then.
    #[error("identity reads outside your caseload are paused until {0}")]
    ReadsPaused(time::OffsetDateTime),
    #[error("the code is not right, or was already used")]
    BadCode,
    #[error("a second factor is needed first")]
    SecondFactorRequired,
    #[error("the audit log could not be written, so nothing was done or shown")]
    AuditUnavailable,
    #[error("{0}")]
    Setup(String),
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict(what) => ServiceError::Conflict(format!("{what} already exists")),
            StoreError::Stale(why) => ServiceError::Conflict(why.to_owned()),
            StoreError::Replay => ServiceError::BadCode,
            StoreError::AuditUnavailable => ServiceError::AuditUnavailable,
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<ValidationError> for ServiceError {
    fn from(e: ValidationError) -> Self {
        ServiceError::Invalid(vec![e])
    }
}

impl From<palermo_crypto::CryptoError> for ServiceError {
    fn from(e: palermo_crypto::CryptoError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// An instant as pages show it: `2026-12-06 18:05 UTC`.
pub(crate) fn minute_utc(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(&f).unwrap_or_default()
}

/// Facts about the request that go into the audit log.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub client_ip: IpAddr,
    /// When the session's user last entered their password (sign-in or step-up), if known:
    /// recent enough, it opens the shelter location (`jurisdiction.step_up_minutes`).
    pub reauthenticated_at: Option<time::OffsetDateTime>,
}

impl RequestMeta {
    /// For work started from the command line.
    pub fn cli() -> Self {
        Self { request_id: "cli".into(), client_ip: IpAddr::from([127, 0, 0, 1]), reauthenticated_at: None }
    }

    /// For work the system does by itself (a background task, the demo loader, an import):
    /// the audit review shows the task's name where a request id would be.
    pub fn task(name: &str) -> Self {
        Self { request_id: name.into(), ..Self::cli() }
    }
}

/// The running application: storage, keys, clock and settings.
#[derive(Clone)]
pub struct Palermo {
    pub(crate) store: Store,
    pub(crate) sink: AuditSink,
    pub(crate) keys: Arc<KeyRing>,
    pub(crate) hasher: PasswordHasher,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<Config>,
    /// At most one password hash per core at a time: Argon2id is memory-hard by design, and a
    /// burst of sign-ins must queue rather than exhaust memory.
    pub(crate) hashing: Arc<tokio::sync::Semaphore>,
    /// Whether this instance was created by `palermo demo` (shown on every page).
    pub(crate) demo: Arc<std::sync::atomic::AtomicBool>,
    /// The jurisdiction's NRM clocks: the configuration file's, or those saved on the page.
    pub(crate) jurisdiction: Arc<std::sync::RwLock<jurisdiction::Jurisdiction>>,
    /// The ILO/EC indicator lists (data/ilo-indicators-2009.toml).
    pub(crate) catalogue: Arc<palermo_domain::indicators::Catalogue>,
    /// Organisations by id. They are only ever added (never renamed or moved), so an id not
    /// found here reloads the list.
    pub(crate) orgs: Arc<std::sync::RwLock<std::collections::HashMap<OrgId, palermo_store::OrgRecord>>>,
    /// The bulk-read watch: each user's identity reads outside their caseload in the current
    /// window (`bulk_read.rs`). Per process: servers sharing PostgreSQL each count their own.
    pub(crate) bulk_reads: Arc<std::sync::Mutex<std::collections::HashMap<UserId, palermo_domain::bulk_read::Reads>>>,
}

impl Palermo {
    /// Open (creating on first run) the key file, the audit head witness and the database, and
    /// apply pending migrations.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Self> {
        let key_path = config.key_file();
        let keys = if key_path.exists() {
            KeyRing::load(&key_path)?
        } else {
            let ring = KeyRing::generate(&clock.now().to_string())?;
            ring.save(&key_path)?;
            tracing::info!(path = %key_path.display(), "created a new key file; back it up separately from the database");
            ring
        };
        if config.database_url().starts_with("sqlite:") {
            std::fs::create_dir_all(&config.data.dir)
                .map_err(|e| ServiceError::Setup(format!("data.dir {}: {e}", config.data.dir.display())))?;
        }
        let witness = Arc::new(witness::HeadFile::open(config.audit_head_file())?);
        let unfolded_limit = std::time::Duration::from_secs(config.data.audit_inbox_limit_seconds.into());
        let store = Store::connect_for_application(&config.database_url(), witness, unfolded_limit, config.data.postgres_connections)
            .await
            .map_err(|e| ServiceError::Setup(e.to_string()))?;
        store.migrate(&clock.now().to_string()).await.map_err(|e| ServiceError::Setup(e.to_string()))?;
        // Entries of reads answered before a crash or stop are in the inbox: into the chain now.
        store
            .fold_audit_inbox()
            .await
            .map_err(|e| ServiceError::Setup(format!("the audit inbox could not be folded into the chain: {e}")))?;
        let cost =
            HashCost { memory_kib: config.security.argon2_memory_kib, iterations: config.security.argon2_iterations, parallelism: 1 };
        let hasher = PasswordHasher::new(cost)?;
        if config.security.bulk_read_people == 0 {
            tracing::warn!("security.bulk_read_people = 0: the bulk-read watch is off; identities may be read in bulk without an alert");
        }
        let sink = AuditSink::spawn(store.clone());
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let hashing = Arc::new(tokio::sync::Semaphore::new(cores));
        let demo = store.get_setting("demo").await.map_err(|e| ServiceError::Setup(e.to_string()))?.as_deref() == Some("true");
        let demo = Arc::new(std::sync::atomic::AtomicBool::new(demo));
        let jurisdiction = Arc::new(std::sync::RwLock::new(jurisdiction::Jurisdiction::from_file(&config.jurisdiction)?));
        let catalogue = Arc::new(palermo_domain::indicators::Catalogue::builtin().map_err(|e| ServiceError::Setup(e.to_string()))?);
        let app = Self {
            store,
            sink,
            keys: Arc::new(keys),
            hasher,
            clock,
            config: Arc::new(config),
            hashing,
            demo,
            jurisdiction,
            catalogue,
            orgs: Default::default(),
            bulk_reads: Default::default(),
        };
        app.refresh_jurisdiction().await?;
        Ok(app)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The disclosure gate's policy: `[statistics] threshold` and `round_to`.
    pub fn disclosure(&self) -> palermo_stats::Policy {
        self.config.statistics.policy()
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn engine(&self) -> EngineKind {
        self.store.kind()
    }

    /// The newest migration applied.
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(self.store.schema_version().await?)
    }

    /// Whether the database answers and is migrated (for `/readyz`).
    pub async fn ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// Whether this instance was created by `palermo demo` (shown as "DEMO" on every page).
    /// Read once at start-up and set by [`Palermo::create_demo`]: not a query per request.
    pub fn is_demo(&self) -> bool {
        self.demo.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn event(
        &self,
        actor: Option<&Actor>,
        meta: &RequestMeta,
        action: &str,
        object: Option<(&str, String)>,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            at: self.clock.now(),
            actor_user_id: actor.map(|a| a.user_id.to_string()),
            actor_org_id: actor.map(|a| a.org_id.to_string()),
            action: action.to_owned(),
            object_type: object.as_ref().map(|(t, _)| (*t).to_owned()),
            object_id: object.map(|(_, id)| id),
            section: None,
            purpose: None,
            request_id: Some(meta.request_id.clone()),
            outcome,
        }
    }

    /// Record a refusal and turn it into the answer the actor sees.
    pub(crate) async fn denied(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        action: &str,
        object: Option<(&str, String)>,
        why: Denied,
    ) -> ServiceError {
        if let Err(e) = self.sink.record(self.event(Some(actor), meta, action, object, Outcome::Denied)).await {
            return e.into();
        }
        match why {
            Denied::Hidden => ServiceError::NotFound,
            Denied::Forbidden => ServiceError::Forbidden,
        }
    }

    /// Record an audited read; the caller returns data only if this succeeds.
    pub(crate) async fn audit_read(&self, event: AuditEvent) -> Result<()> {
        self.sink.record(event).await.map_err(|_| ServiceError::AuditUnavailable)
    }

    /// Hash a password off the async runtime, one hash per core at a time.
    pub(crate) async fn hash_password(&self, password: &str) -> Result<String> {
        let _permit = self.hashing.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        let hasher = self.hasher.clone();
        let pw = zeroize::Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || hasher.hash(&pw)).await.map_err(|e| ServiceError::Internal(e.to_string()))?.map_err(Into::into)
    }

    /// Verify a password (or, for `None`, spend the same time on a dummy hash).
    pub(crate) async fn verify_password(&self, password: &str, stored: Option<String>) -> Result<bool> {
        let _permit = self.hashing.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        let hasher = self.hasher.clone();
        let pw = zeroize::Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || hasher.verify(&pw, stored.as_deref())).await.map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// An organisation, from the in-process directory (reloaded when an id is not in it).
    pub(crate) async fn org_cached(&self, id: OrgId) -> Result<Option<palermo_store::OrgRecord>> {
        if let Ok(map) = self.orgs.read()
            && let Some(o) = map.get(&id)
        {
            return Ok(Some(o.clone()));
        }
        self.reload_orgs().await?;
        Ok(self.orgs.read().ok().and_then(|m| m.get(&id).cloned()))
    }

    /// Every organisation's name, from the in-process directory.
    pub(crate) async fn org_names(&self) -> Result<std::collections::HashMap<OrgId, String>> {
        if self.orgs.read().map(|m| m.is_empty()).unwrap_or(true) {
            self.reload_orgs().await?;
        }
        Ok(self.orgs.read().map(|m| m.iter().map(|(k, v)| (*k, v.name.clone())).collect()).unwrap_or_default())
    }

    async fn reload_orgs(&self) -> Result<()> {
        let all = self.store.list_organisations().await?;
        if let Ok(mut map) = self.orgs.write() {
            *map = all.into_iter().map(|o| (o.id, o)).collect();
        }
        Ok(())
    }

    pub(crate) fn new_ids(&self) -> Result<(OrgId, UserId)> {
        let now_ms = u64::try_from(self.clock.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let a = palermo_crypto::random_bytes::<10>()?;
        let b = palermo_crypto::random_bytes::<10>()?;
        Ok((OrgId::from_parts(now_ms, a), UserId::from_parts(now_ms, b)))
    }
}
