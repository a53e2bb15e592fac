//! Online, consistent, encrypted backups and verified restores.
//!
//! A backup file is an age file (encrypted to a recipient's X25519 public key) holding:
//! `PALERMO-BACKUP 1\n`, a one-line JSON manifest (engine, schema version, row counts and audit
//! head *of the snapshot*), then the database image — a `VACUUM INTO` copy for SQLite, a
//! `pg_dump --format=custom --snapshot=…` for PostgreSQL. Identity values inside are still
//! encrypted with the key file, which is never part of a backup.
//!
//! A restore goes into an empty database only, and says "restored" only after the integrity
//! check, the audit chain (against the manifest's head) and the row counts all agree.

use crate::{Config, Palermo, RequestMeta, Result, ServiceError};
use palermo_crypto::backup as agebackup;
use palermo_domain::audit::{Head, Outcome};
use palermo_domain::clock::Clock;
use palermo_store::{NoWitness, Store};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

const MAGIC: &str = "PALERMO-BACKUP 1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub engine: String,
    pub created_at: String,
    pub schema_version: i64,
    pub row_counts: Vec<(String, i64)>,
    pub audit_head_seq: i64,
    pub audit_head_hash: String,
}

#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub audit_entries: i64,
}

fn setup(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Setup(e.to_string())
}

/// Create a file readable only by its owner; refuse to overwrite.
fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| setup(format!("{}: {e}", path.display())))
}

/// Write a new backup identity file (mode 0600); returns the recipient to pass to `backup`.
pub fn generate_backup_identity(path: &Path, created: &str) -> Result<String> {
    let (text, recipient) = agebackup::generate_identity(created);
    let mut f = create_private(path)?;
    f.write_all(text.as_bytes()).map_err(setup)?;
    f.sync_all().map_err(setup)?;
    Ok(recipient)
}

async fn pg_tool(program: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Result<Vec<u8>> {
    use tokio::io::AsyncWriteExt;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    cmd.stdin(if stdin.is_some() { std::process::Stdio::piped() } else { std::process::Stdio::null() });
    let mut child = cmd.spawn().map_err(|e| setup(format!("cannot run {program} (install postgresql-client): {e}")))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(&data).await.map_err(setup)?;
        drop(pipe);
    }
    let out = child.wait_with_output().await.map_err(setup)?;
    if !out.status.success() {
        return Err(setup(format!("{program} failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(out.stdout)
}

impl Palermo {
    /// Take a consistent backup while the server runs, encrypted to `recipient` (age1…),
    /// written to `out` (which must not exist). Returns the manifest.
    pub async fn backup(&self, recipient: &str, out: &Path) -> Result<Manifest> {
        agebackup::parse_recipient(recipient)?;
        let created_at = self.now().to_string();
        // The backup holds the chain: entries still in the audit inbox go into it first.
        self.store.fold_audit_inbox().await?;
        let (manifest, image) = match self.engine() {
            palermo_store::EngineKind::Sqlite => {
                let tmp = self.config.data.dir.join(format!(".backup-{}.db", hex::encode(palermo_crypto::random_bytes::<8>()?)));
                let tmp_str = tmp.display().to_string();
                self.store.sqlite_backup_into(&tmp_str).await?;
                let result = async {
                    let snap = Store::connect(&format!("sqlite://{tmp_str}"), Arc::new(NoWitness)).await?;
                    let counts = snap.row_counts().await?;
                    let head = snap.audit_head().await?;
                    let version = snap.schema_version().await?;
                    snap.close().await;
                    Ok::<_, palermo_store::StoreError>((counts, head, version))
                }
                .await;
                let image = std::fs::read(&tmp).map_err(setup);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{tmp_str}{suffix}"));
                }
                let (counts, head, version) = result?;
                (manifest("sqlite", &created_at, version, counts, &head), image?)
            }
            palermo_store::EngineKind::Postgres => {
                let snap = self.store.pg_snapshot().await?.ok_or_else(|| setup("not PostgreSQL"))?;
                let url = self.config.database_url();
                let snapshot_arg = format!("--snapshot={}", snap.id);
                let dump = pg_tool("pg_dump", &["--format=custom", "--no-owner", "--no-privileges", &snapshot_arg, &url], None).await;
                let (counts, head) = (snap.counts.clone(), snap.head.clone());
                snap.finish().await?;
                let version = self.store.schema_version().await?;
                (manifest("postgres", &created_at, version, counts, &head), dump?)
            }
        };
        let header = format!("{MAGIC}\n{}\n", serde_json::to_string(&manifest).map_err(setup)?);
        let file = create_private(out)?;
        let mut writer = std::io::BufWriter::new(file);
        agebackup::encrypt_to(recipient, header.as_bytes().chain(&image[..]), &mut writer)?;
        let file = writer.into_inner().map_err(setup)?;
        file.sync_all().map_err(setup)?;
        let mut ev = self.event(None, &RequestMeta::cli(), "instance.backup", None, Outcome::Ok);
        ev.actor_user_id = Some("console".into());
        ev.purpose = Some(format!("backup at audit entry {}", manifest.audit_head_seq));
        self.sink.record(ev).await?;
        Ok(manifest)
    }
}

fn manifest(engine: &str, created_at: &str, schema_version: i64, row_counts: Vec<(String, i64)>, head: &Head) -> Manifest {
    Manifest {
        engine: engine.into(),
        created_at: created_at.into(),
        schema_version,
        row_counts,
        audit_head_seq: head.seq,
        audit_head_hash: hex::encode(head.hash),
    }
}

/// Restore a backup into the (empty) database that `config` names, then verify it.
pub async fn restore(config: Config, identity_text: &str, input: &Path, clock: Arc<dyn Clock>) -> Result<RestoreReport> {
    let file = std::fs::File::open(input).map_err(|e| setup(format!("{}: {e}", input.display())))?;
    let mut reader = BufReader::new(agebackup::decrypt_with(identity_text, BufReader::new(file))?);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(setup)?;
    if line.trim_end() != MAGIC {
        return Err(setup("not a Palermo backup"));
    }
    line.clear();
    reader.read_line(&mut line).map_err(setup)?;
    let manifest: Manifest = serde_json::from_str(line.trim_end()).map_err(|e| setup(format!("backup manifest: {e}")))?;
    let mut image = Vec::new();
    reader.read_to_end(&mut image).map_err(setup)?;

    let url = config.database_url();
    let target_engine = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
    if manifest.engine != target_engine {
        return Err(setup(format!("this backup is of a {} database; the target is {target_engine}", manifest.engine)));
    }
    let head_file = config.audit_head_file();
    match target_engine {
        "sqlite" => {
            let Some(path) = palermo_store::sqlite_file(&url) else {
                return Err(setup("the database URL names no SQLite file to restore into"));
            };
            if path.exists() {
                return Err(setup(format!("{} already exists: restore only into an empty place", path.display())));
            }
            // An audit inbox left beside it belongs to another database's chain.
            if let Some(inbox) = palermo_store::audit_inbox_path(&url).filter(|p| p.exists()) {
                return Err(setup(format!("{} already exists: restore only into an empty place", inbox.display())));
            }
            std::fs::create_dir_all(&config.data.dir).map_err(setup)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(setup)?;
            }
            let mut f = create_private(&path)?;
            f.write_all(&image).map_err(setup)?;
            f.sync_all().map_err(setup)?;
        }
        _ => {
            let probe = Store::connect(&url, Arc::new(NoWitness)).await?;
            let version = probe.schema_version().await?;
            probe.close().await;
            if version != 0 {
                return Err(setup("the target PostgreSQL database is not empty: restore only into an empty database"));
            }
            pg_tool("pg_restore", &["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", &url], Some(image)).await?;
        }
    }
    // The witness outside the database is the head recorded in the backup.
    if let Some(dir) = head_file.parent() {
        std::fs::create_dir_all(dir).map_err(setup)?;
    }
    std::fs::write(&head_file, format!("{} {}\n", manifest.audit_head_seq, manifest.audit_head_hash)).map_err(setup)?;

    let app = Palermo::open(config, clock).await?;
    let integrity = app.integrity_check().await?;
    if integrity != "ok" {
        return Err(setup(format!("integrity check failed: {integrity}")));
    }
    let verification = app.verify_audit().await?.map_err(|e| setup(format!("audit chain of the restored database: {e}")))?;
    let counts = app.row_counts().await?;
    if counts != manifest.row_counts {
        return Err(setup(format!("row counts differ from the backup's: restored {counts:?}, expected {:?}", manifest.row_counts)));
    }
    if verification.entries != manifest.audit_head_seq {
        return Err(setup("the restored audit log does not end where the backup's did"));
    }
    app.store.close().await;
    Ok(RestoreReport { manifest, audit_entries: verification.entries })
}
