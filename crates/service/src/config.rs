//! Configuration: one TOML file, overridden by `PALERMO_<SECTION>_<KEY>` environment variables.
//! Every key is documented in `docs/CONFIGURATION.md`. A wrong value stops start-up with a
//! message naming the key and what is accepted.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub data: DataConfig,
    pub security: SecurityConfig,
    pub log: LogConfig,
    pub jurisdiction: JurisdictionConfig,
    pub statistics: StatisticsConfig,
    pub linkage: LinkageConfig,
    pub smtp: SmtpConfig,
    pub retention: RetentionConfig,
}

/// Retention of identities (security goal 20, docs/SECURITY.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Years after a person's registration and the last change to their cases, all ended,
    /// after which the schedule erases their identity; 0 keeps identities until erased on
    /// request. Default 6 (UNHCR's example of a retention period, docs/SECURITY.md).
    pub identity_years: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self { identity_years: 6 }
    }
}

/// E-mail notifications (docs/CONFIGURATION.md, docs/COORDINATION.md). Off unless `host` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// The SMTP relay to hand messages to (a host name or address); empty: no e-mail.
    pub host: String,
    pub port: u16,
    /// The sender address, e.g. `Palermo <palermo@nrm.example.org>`.
    pub from: String,
    /// How people reach Palermo, for the link in a message (e.g. `https://palermo.example.org`).
    pub base_url: String,
    /// Seconds between two looks at the outbox.
    pub poll_seconds: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self { host: String::new(), port: 25, from: String::new(), base_url: String::new(), poll_seconds: 10 }
    }
}

impl SmtpConfig {
    pub fn enabled(&self) -> bool {
        !self.host.trim().is_empty()
    }
}

/// The duplicate review (docs/LINKAGE.md, "In the application").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkageConfig {
    /// Pairs of persons whose match probability is at least this many percent are offered for
    /// review. Default 50; 10 to 99.
    pub review_from_percent: u32,
    /// Hours between two searches for duplicates while the server runs (also run after every
    /// import); 0 for only after imports and on `palermo duplicates refresh`. Default 24.
    pub refresh_hours: u32,
}

impl Default for LinkageConfig {
    fn default() -> Self {
        Self { review_from_percent: 50, refresh_hours: 24 }
    }
}

/// Disclosure control of every published figure (docs/STATISTICS.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatisticsConfig {
    /// Counts from 1 to `threshold - 1` are never published (and the k of CTDC microdata is at
    /// least this). Default 11, the CTDC level; 3 to 100.
    pub threshold: u64,
    /// Round published counts down to a multiple of this base; 0 for no rounding, else 2 to 100.
    pub round_to: u64,
}

impl Default for StatisticsConfig {
    fn default() -> Self {
        Self { threshold: 11, round_to: 0 }
    }
}

impl StatisticsConfig {
    /// The gate's policy.
    pub fn policy(&self) -> palermo_stats::Policy {
        palermo_stats::Policy { threshold: self.threshold, round_to: (self.round_to > 0).then_some(self.round_to) }
    }
}

/// The NRM's legal time limits and calendar (see docs/CONFIGURATION.md and `palermo_domain::deadline`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JurisdictionConfig {
    /// Name shown on pages and reports.
    pub name: String,
    /// IANA time zone in which legal dates are counted.
    pub time_zone: String,
    /// Target for the reasonable-grounds decision, in working days after the referral.
    pub rg_target_working_days: u32,
    /// Minimum recovery and reflection period, in days.
    pub min_recovery_days: u32,
    /// Earliest conclusive-grounds decision, in days after the positive RG decision.
    pub earliest_cg_days_after_rg: u32,
    /// Target for the conclusive-grounds decision, in days after the positive RG decision.
    pub cg_target_days_after_rg: u32,
    /// Days after being told of a negative decision during which reconsideration may be asked.
    pub reconsideration_window_days: u32,
    /// Target for a reconsidered decision, in working days.
    pub reconsideration_target_working_days: u32,
    /// Non-working days of the week, ISO numbers (Monday = 1 … Sunday = 7).
    pub weekend: Vec<u8>,
    /// Public holidays, `YYYY-MM-DD`.
    pub holidays: Vec<String>,
    /// Minutes a break-glass grant lasts (at most 60).
    pub break_glass_minutes: i64,
    /// Minutes a re-authentication counts as recent for the shelter location (at most 15).
    pub step_up_minutes: i64,
    /// Hours within which an urgent referral should be answered (accepted or declined).
    pub urgent_referral_hours: i64,
    /// Days ahead of a residence permit's end at which it is flagged for renewal.
    pub permit_expiry_alert_days: u32,
    /// Support plans wait for a supervisor's approval before they are active.
    pub support_plan_approval: bool,
}

impl Default for JurisdictionConfig {
    fn default() -> Self {
        let r = palermo_domain::deadline::Rules::default();
        Self {
            name: "Demo country".into(),
            time_zone: r.time_zone_name.clone(),
            rg_target_working_days: r.rg_target_working_days,
            min_recovery_days: r.min_recovery_days,
            earliest_cg_days_after_rg: r.earliest_cg_days_after_rg,
            cg_target_days_after_rg: r.cg_target_days_after_rg,
            reconsideration_window_days: r.reconsideration_window_days,
            reconsideration_target_working_days: r.reconsideration_target_working_days,
            weekend: r.weekend.iter().copied().collect(),
            holidays: Vec::new(),
            break_glass_minutes: 60,
            step_up_minutes: 5,
            urgent_referral_hours: 24,
            permit_expiry_alert_days: 30,
            support_plan_approval: true,
        }
    }
}

impl JurisdictionConfig {
    /// The domain's rules, or the key that is wrong.
    pub fn rules(&self) -> Result<palermo_domain::deadline::Rules, ConfigError> {
        let mut r = palermo_domain::deadline::Rules::default()
            .with_time_zone(&self.time_zone)
            .map_err(|e| err("jurisdiction.time_zone", e.expected))?;
        r.rg_target_working_days = self.rg_target_working_days;
        r.min_recovery_days = self.min_recovery_days;
        r.earliest_cg_days_after_rg = self.earliest_cg_days_after_rg;
        r.cg_target_days_after_rg = self.cg_target_days_after_rg;
        r.reconsideration_window_days = self.reconsideration_window_days;
        r.reconsideration_target_working_days = self.reconsideration_target_working_days;
        if self.weekend.iter().any(|d| !(1..=7).contains(d)) || self.weekend.len() > 6 {
            return Err(err("jurisdiction.weekend", "up to six day numbers from 1 (Monday) to 7 (Sunday)"));
        }
        r.weekend = self.weekend.iter().copied().collect();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut holidays = std::collections::BTreeSet::new();
        for h in &self.holidays {
            let d = time::Date::parse(h.trim(), &format)
                .map_err(|_| err("jurisdiction.holidays", format!("dates as YYYY-MM-DD; {h:?} is not one")))?;
            holidays.insert(d);
        }
        r.holidays = holidays;
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(err("jurisdiction.name", "a name of 1 to 100 characters"));
        }
        if !(1..=60).contains(&self.break_glass_minutes) {
            return Err(err("jurisdiction.break_glass_minutes", "1 to 60 minutes"));
        }
        if !(1..=15).contains(&self.step_up_minutes) {
            return Err(err("jurisdiction.step_up_minutes", "1 to 15 minutes"));
        }
        if self.permit_expiry_alert_days > 365 {
            return Err(err("jurisdiction.permit_expiry_alert_days", "0 to 365 days"));
        }
        if !(1..=168).contains(&self.urgent_referral_hours) {
            return Err(err("jurisdiction.urgent_referral_hours", "1 to 168 hours"));
        }
        for (key, v, max) in [
            ("jurisdiction.rg_target_working_days", self.rg_target_working_days, 60),
            ("jurisdiction.min_recovery_days", self.min_recovery_days, 365),
            ("jurisdiction.earliest_cg_days_after_rg", self.earliest_cg_days_after_rg, 365),
            ("jurisdiction.cg_target_days_after_rg", self.cg_target_days_after_rg, 730),
            ("jurisdiction.reconsideration_window_days", self.reconsideration_window_days, 365),
            ("jurisdiction.reconsideration_target_working_days", self.reconsideration_target_working_days, 120),
        ] {
            if v > max {
                return Err(err(key, format!("0 to {max}")));
            }
        }
        Ok(r)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Mark cookies `Secure` and name the session cookie `__Host-palermo`. Turn off only for
    /// plain-HTTP access on localhost.
    pub cookie_secure: bool,
    /// Send `Strict-Transport-Security` (set when Palermo is reached over HTTPS).
    pub hsts: bool,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory for the embedded database, the key file and the audit head.
    pub dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`. Empty: SQLite in `dir`.
    pub database: String,
    /// Key file path. Empty: `dir/keys/palermo.keys`. Keep it off the database's disk backups.
    pub key_file: PathBuf,
    /// SQLite: once no fold of the audit inbox into the chain has succeeded for this many
    /// seconds, audited reads are refused (503) until one does.
    pub audit_inbox_limit_seconds: u32,
    /// PostgreSQL: the most connections this server opens to the database (readers and writers
    /// share them). More than the database host's cores can use only adds switching.
    pub postgres_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Minutes without a request after which a session ends (ASVS: at most 15 for L3 data).
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends regardless of use.
    pub session_absolute_hours: i64,
    /// Argon2id memory in KiB (at least 19456, the OWASP baseline).
    pub argon2_memory_kib: u32,
    /// Argon2id passes (at least 2).
    pub argon2_iterations: u32,
    /// Bulk-read watch (security goal 8): a user may open the identities of at most this many
    /// different people outside their own caseload within `bulk_read_window_minutes`; beyond
    /// it such reads are refused for the rest of the window and the auditors are alerted.
    /// 0 turns the watch off (load tests only; a warning is logged at start).
    pub bulk_read_people: u32,
    pub bulk_read_window_minutes: u32,
}

impl SecurityConfig {
    /// The bulk-read watch's limit, or `None` when it is off.
    pub fn bulk_read_limit(&self) -> Option<palermo_domain::bulk_read::Limit> {
        (self.bulk_read_people > 0).then(|| palermo_domain::bulk_read::Limit {
            people: usize::try_from(self.bulk_read_people).unwrap_or(usize::MAX),
            window: time::Duration::minutes(self.bulk_read_window_minutes.into()),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { listen: "127.0.0.1:8080".into(), cookie_secure: true, hsts: false, trusted_proxies: Vec::new() }
    }
}
impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("./palermo-data"),
            database: String::new(),
            key_file: PathBuf::new(),
            audit_inbox_limit_seconds: 300,
            postgres_connections: palermo_store::DEFAULT_POSTGRES_CONNECTIONS,
        }
    }
}
impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 15,
            session_absolute_hours: 12,
            argon2_memory_kib: 65_536,
            argon2_iterations: 8,
            bulk_read_people: 40,
            bulk_read_window_minutes: 10,
        }
    }
}
impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into() }
    }
}

/// A configuration problem, naming the key (as in the file, and as an environment variable).
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn err(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { key: key.to_owned(), message: message.into() }
}

/// Every key, its type, for environment overrides: (section, key, kind).
const KEYS: &[(&str, &str, Kind)] = &[
    ("server", "listen", Kind::Str),
    ("server", "cookie_secure", Kind::Bool),
    ("server", "hsts", Kind::Bool),
    ("server", "trusted_proxies", Kind::List),
    ("data", "dir", Kind::Str),
    ("data", "database", Kind::Str),
    ("data", "key_file", Kind::Str),
    ("data", "audit_inbox_limit_seconds", Kind::Int),
    ("data", "postgres_connections", Kind::Int),
    ("security", "session_idle_minutes", Kind::Int),
    ("security", "session_absolute_hours", Kind::Int),
    ("security", "argon2_memory_kib", Kind::Int),
    ("security", "argon2_iterations", Kind::Int),
    ("security", "bulk_read_people", Kind::Int),
    ("security", "bulk_read_window_minutes", Kind::Int),
    ("log", "level", Kind::Str),
    ("jurisdiction", "name", Kind::Str),
    ("jurisdiction", "time_zone", Kind::Str),
    ("jurisdiction", "rg_target_working_days", Kind::Int),
    ("jurisdiction", "min_recovery_days", Kind::Int),
    ("jurisdiction", "earliest_cg_days_after_rg", Kind::Int),
    ("jurisdiction", "cg_target_days_after_rg", Kind::Int),
    ("jurisdiction", "reconsideration_window_days", Kind::Int),
    ("jurisdiction", "reconsideration_target_working_days", Kind::Int),
    ("jurisdiction", "holidays", Kind::List),
    ("jurisdiction", "break_glass_minutes", Kind::Int),
    ("jurisdiction", "step_up_minutes", Kind::Int),
    ("jurisdiction", "urgent_referral_hours", Kind::Int),
    ("jurisdiction", "permit_expiry_alert_days", Kind::Int),
    ("jurisdiction", "support_plan_approval", Kind::Bool),
    ("statistics", "threshold", Kind::Int),
    ("statistics", "round_to", Kind::Int),
    ("linkage", "review_from_percent", Kind::Int),
    ("linkage", "refresh_hours", Kind::Int),
    ("smtp", "host", Kind::Str),
    ("smtp", "port", Kind::Int),
    ("smtp", "from", Kind::Str),
    ("smtp", "base_url", Kind::Str),
    ("smtp", "poll_seconds", Kind::Int),
    ("retention", "identity_years", Kind::Int),
];

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Int,
    List,
}

impl Config {
    /// Load from an optional TOML file, then apply `PALERMO_*` variables from `env`, then check.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let mut table: toml::Table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| err("config file", format!("{}: {e}", path.display())))?;
                toml::from_str(&text).map_err(|e| err("config file", format!("{}: {}", path.display(), e.message())))?
            }
            None => toml::Table::new(),
        };
        for (section, key, kind) in KEYS {
            let var = format!("PALERMO_{}_{}", section.to_uppercase(), key.to_uppercase());
            let Some((_, raw)) = env.iter().find(|(k, _)| *k == var) else {
                continue;
            };
            let value = match kind {
                Kind::Str => toml::Value::String(raw.clone()),
                Kind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => toml::Value::Boolean(true),
                    "false" | "0" | "no" | "off" => toml::Value::Boolean(false),
                    _ => return Err(err(&var, "true or false")),
                },
                Kind::Int => toml::Value::Integer(raw.trim().parse().map_err(|_| err(&var, "a whole number"))?),
                Kind::List => toml::Value::Array(
                    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| toml::Value::String(s.to_owned())).collect(),
                ),
            };
            let entry = table.entry((*section).to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => {
                    t.insert((*key).to_owned(), value);
                }
                _ => return Err(err(section, "must be a table")),
            }
        }
        let config: Config = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| err("config", e.message().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        for p in &self.server.trusted_proxies {
            p.parse::<std::net::IpAddr>().map_err(|_| err("server.trusted_proxies", format!("{p:?} is not an IP address")))?;
        }
        if !(1..=86_400).contains(&self.data.audit_inbox_limit_seconds) {
            return Err(err("data.audit_inbox_limit_seconds", "1 to 86400 seconds"));
        }
        if !(4..=500).contains(&self.data.postgres_connections) {
            return Err(err("data.postgres_connections", "a whole number from 4 to 500 (and below the database's max_connections)"));
        }
        if !(1..=24 * 60).contains(&self.security.session_idle_minutes) {
            return Err(err("security.session_idle_minutes", "1 to 1440 minutes"));
        }
        if !(1..=7 * 24).contains(&self.security.session_absolute_hours) {
            return Err(err("security.session_absolute_hours", "1 to 168 hours"));
        }
        if self.security.argon2_memory_kib < 19_456 {
            return Err(err("security.argon2_memory_kib", "at least 19456 (19 MiB, the OWASP minimum for Argon2id)"));
        }
        if self.security.argon2_memory_kib > 4 * 1024 * 1024 {
            return Err(err("security.argon2_memory_kib", "at most 4194304 (4 GiB)"));
        }
        if !(2..=20).contains(&self.security.argon2_iterations) {
            return Err(err("security.argon2_iterations", "2 to 20"));
        }
        if self.security.bulk_read_people > 10_000 {
            return Err(err("security.bulk_read_people", "1 to 10000 people (0 turns the bulk-read watch off: for load tests only)"));
        }
        if !(1..=24 * 60).contains(&self.security.bulk_read_window_minutes) {
            return Err(err("security.bulk_read_window_minutes", "1 to 1440 minutes"));
        }
        self.jurisdiction.rules()?;
        if !(3..=100).contains(&self.statistics.threshold) {
            return Err(err("statistics.threshold", "a whole number from 3 to 100 (counts below it are not published)"));
        }
        if self.statistics.round_to == 1 || self.statistics.round_to > 100 {
            return Err(err("statistics.round_to", "0 for no rounding, or a base from 2 to 100"));
        }
        if !(10..=99).contains(&self.linkage.review_from_percent) {
            return Err(err("linkage.review_from_percent", "a whole number from 10 to 99 (percent match probability)"));
        }
        if self.retention.identity_years > 100 {
            return Err(err("retention.identity_years", "0 (keep until erased on request) or 1 to 100 years"));
        }
        if self.linkage.refresh_hours > 24 * 7 {
            return Err(err("linkage.refresh_hours", "0 (only after imports) or 1 to 168 hours"));
        }
        if self.smtp.enabled() {
            if self.smtp.port == 0 {
                return Err(err("smtp.port", "a port from 1 to 65535 (25 or 587 for a relay)"));
            }
            if self.smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(err("smtp.from", "the sender's e-mail address, e.g. Palermo <palermo@nrm.example.org>"));
            }
            let base = self.smtp.base_url.trim();
            if !(base.starts_with("https://") || base.starts_with("http://")) || base.chars().any(char::is_whitespace) {
                return Err(err("smtp.base_url", "the address people use to reach Palermo, e.g. https://palermo.example.org"));
            }
            if !(1..=3600).contains(&self.smtp.poll_seconds) {
                return Err(err("smtp.poll_seconds", "1 to 3600 seconds"));
            }
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log.level.as_str()) {
            return Err(err("log.level", "one of error, warn, info, debug, trace"));
        }
        let db = self.database_url();
        if !(db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://")) {
            return Err(err("data.database", "sqlite://PATH or postgres://USER@HOST/DATABASE"));
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.listen.parse().map_err(|_| err("server.listen", "an address and port such as 127.0.0.1:8080 or [::1]:8080"))
    }

    /// The database URL, defaulting to SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        if self.data.database.is_empty() {
            format!("sqlite://{}", self.data.dir.join("palermo.db").display())
        } else {
            self.data.database.clone()
        }
    }

    pub fn key_file(&self) -> PathBuf {
        if self.data.key_file.as_os_str().is_empty() { self.data.dir.join("keys").join("palermo.keys") } else { self.data.key_file.clone() }
    }

    /// The audit head witness, beside the key file.
    pub fn audit_head_file(&self) -> PathBuf {
        self.key_file().with_file_name("audit-head")
    }

    /// The effective configuration as TOML, with the database password masked.
    pub fn to_masked_toml(&self) -> String {
        let mut c = self.clone();
        c.data.database = mask_url_password(&self.database_url());
        c.data.key_file = self.key_file();
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot print configuration: {e}\n"))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:****@host/db`.
pub fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn defaults_are_safe() {
        let c = Config::load(None, &[]).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert!(c.server.cookie_secure);
        assert!(c.database_url().starts_with("sqlite://./palermo-data"));
    }

    #[test]
    fn environment_overrides_and_errors_name_the_key() {
        let c = Config::load(None, &env(&[("PALERMO_SERVER_LISTEN", "0.0.0.0:9000"), ("PALERMO_SERVER_COOKIE_SECURE", "false")])).unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        assert!(!c.server.cookie_secure);
        let e = Config::load(None, &env(&[("PALERMO_SERVER_LISTEN", "nowhere")])).unwrap_err();
        assert_eq!(e.key, "server.listen");
        let e = Config::load(None, &env(&[("PALERMO_SECURITY_ARGON2_MEMORY_KIB", "1024")])).unwrap_err();
        assert_eq!(e.key, "security.argon2_memory_kib");
        let e = Config::load(None, &env(&[("PALERMO_SERVER_HSTS", "maybe")])).unwrap_err();
        assert_eq!(e.key, "PALERMO_SERVER_HSTS");
        let c = Config::load(None, &env(&[("PALERMO_DATA_POSTGRES_CONNECTIONS", "24")])).unwrap();
        assert_eq!(c.data.postgres_connections, 24);
        for bad in ["2", "501"] {
            let e = Config::load(None, &env(&[("PALERMO_DATA_POSTGRES_CONNECTIONS", bad)])).unwrap_err();
            assert_eq!(e.key, "data.postgres_connections");
            assert!(e.to_string().contains("4 to 500"), "{e}");
        }
    }

    #[test]
    fn the_disclosure_threshold_and_rounding_are_settings() {
        let c = Config::load(None, &[]).unwrap();
        assert_eq!(c.statistics.policy(), palermo_stats::Policy { threshold: 11, round_to: None });
        let c = Config::load(None, &env(&[("PALERMO_STATISTICS_THRESHOLD", "20"), ("PALERMO_STATISTICS_ROUND_TO", "5")])).unwrap();
        assert_eq!(c.statistics.policy(), palermo_stats::Policy { threshold: 20, round_to: Some(5) });
        let e = Config::load(None, &env(&[("PALERMO_STATISTICS_THRESHOLD", "1")])).unwrap_err();
        assert_eq!(e.key, "statistics.threshold");
        let e = Config::load(None, &env(&[("PALERMO_STATISTICS_ROUND_TO", "1")])).unwrap_err();
        assert_eq!(e.key, "statistics.round_to");
    }

    #[test]
    fn smtp_and_linkage_settings_are_checked() {
        let c = Config::load(None, &[]).unwrap();
        assert!(!c.smtp.enabled(), "no e-mail unless a relay is named");
        let relay = [
            ("PALERMO_SMTP_HOST", "127.0.0.1"),
            ("PALERMO_SMTP_FROM", "Palermo <p@nrm.example.org>"),
            ("PALERMO_SMTP_BASE_URL", "https://p.example.org"),
        ];
        let c = Config::load(None, &env(&relay)).unwrap();
        assert!(c.smtp.enabled() && c.smtp.port == 25);
        let e = Config::load(None, &env(&[relay[0], ("PALERMO_SMTP_FROM", "not an address"), relay[2]])).unwrap_err();
        assert_eq!(e.key, "smtp.from");
        let e = Config::load(None, &env(&[relay[0], relay[1], ("PALERMO_SMTP_BASE_URL", "palermo.example.org")])).unwrap_err();
        assert_eq!(e.key, "smtp.base_url");
        let e = Config::load(None, &env(&[("PALERMO_LINKAGE_REVIEW_FROM_PERCENT", "5")])).unwrap_err();
        assert_eq!(e.key, "linkage.review_from_percent");
        let e = Config::load(None, &env(&[("PALERMO_LINKAGE_REFRESH_HOURS", "1000")])).unwrap_err();
        assert_eq!(e.key, "linkage.refresh_hours");
    }

    #[test]
    fn the_bulk_read_watch_is_on_unless_turned_off() {
        let c = Config::load(None, &[]).unwrap();
        assert_eq!(c.security.bulk_read_limit().map(|l| l.people), Some(40));
        let c = Config::load(None, &env(&[("PALERMO_SECURITY_BULK_READ_PEOPLE", "0")])).unwrap();
        assert_eq!(c.security.bulk_read_limit(), None);
        let e = Config::load(None, &env(&[("PALERMO_SECURITY_BULK_READ_PEOPLE", "10001")])).unwrap_err();
        assert_eq!(e.key, "security.bulk_read_people");
        let e = Config::load(None, &env(&[("PALERMO_SECURITY_BULK_READ_WINDOW_MINUTES", "0")])).unwrap_err();
        assert_eq!(e.key, "security.bulk_read_window_minutes");
        assert_eq!(Config::load(None, &[]).unwrap().retention.identity_years, 6);
        let e = Config::load(None, &env(&[("PALERMO_RETENTION_IDENTITY_YEARS", "101")])).unwrap_err();
        assert_eq!(e.key, "retention.identity_years");
    }

    #[test]
    fn unknown_keys_in_the_file_are_named() {
        let dir = std::env::temp_dir().join(format!("palermo-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("palermo.toml");
        std::fs::write(&f, "[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n").unwrap();
        let e = Config::load(Some(&f), &[]).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask_url_password("postgres://palermo:s3cret@db/palermo"), "postgres://palermo:****@db/palermo");
        let c = Config::load(None, &env(&[("PALERMO_DATA_DATABASE", "postgres://u:pw@h/d")])).unwrap();
        assert!(!c.to_masked_toml().contains("pw@"));
    }
}
