//! `palermo`: the one binary. Run `palermo --help`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use palermo_domain::clock::SystemClock;
use palermo_service::admin::{Caller, NewOrganisation, NewUser};
use palermo_service::{Config, Palermo, RequestMeta};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Palermo: the shared, safe workplace of a country's anti-trafficking system: identification
/// and referral of victims (the National Referral Mechanism), assistance, criminal justice,
/// prevention and privacy-safe statistics.
///
/// Settings come from a TOML file (--config) and PALERMO_* environment variables; see
/// docs/CONFIGURATION.md. Without any, Palermo keeps its data in ./palermo-data/ (SQLite) and
/// listens on 127.0.0.1:8080.
#[derive(Parser)]
#[command(name = "palermo", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Global {
    /// Configuration file (TOML).
    #[arg(long, global = true, env = "PALERMO_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (overrides the configuration).
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Data directory for the embedded database, key file and audit head (overrides the configuration).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The national report on resolution 58/137, operative paragraph by operative paragraph, with
    /// the figures from the data (through the disclosure gate) and the coordinator's texts. Written
    /// as HTML, or as PDF when `--out` ends in `.pdf` (printed by headless Chromium: set
    /// PALERMO_CHROMIUM to its path if it is not `chromium` on the PATH).
    Implementation {
        #[arg(long)]
        year: i32,
        /// ISO 3166-1 alpha-3 code of the reporting state (for its treaty status).
        #[arg(long, default_value = "")]
        country: String,
        /// Where to write the report (`.html` or `.pdf`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The language of the report's headings, tables and figures (the resolution's text is
        /// quoted in English).
        #[arg(long, default_value = "en", value_parser = ["en", "fr", "ar"])]
        lang: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import treaty status (the UN Treaty Collection's participants of UNTOC, the Trafficking
    /// Protocol and the CRC Optional Protocol on the sale of children) from a CSV file with the
    /// columns country, iso3, instrument, signature_date, consent_date, consent_type. All or
    /// nothing; rows already held for a (country, instrument) are replaced.
    TreatyStatus {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Where the data come from (shown with every figure).
        #[arg(long)]
        source: String,
        /// The date the source's status is as of (YYYY-MM-DD), shown with every figure.
        #[arg(long, value_name = "DATE")]
        as_of: String,
    },
    /// Import NRM cases from a CSV or XLSX file (first worksheet; the first row names the
    /// columns). Every row is checked first and every problem reported by row and column;
    /// with any problem nothing is written. Otherwise all rows are written in one transaction.
    Cases {
        /// The file (`.csv` or `.xlsx`).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// A TOML mapping file (`[columns]` field = "column header"); HTCDS names by default.
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// The first responder or case worker the cases are recorded by (their organisation
        /// becomes the referring organisation).
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: String,
        /// Check the file and report, without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// NRM cases across every stage (persons with encrypted identity, screenings, decisions,
    /// consents), assigned to the instance's first responders, competent authorities and case
    /// workers. The same seed gives the same cases.
    Cases {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (pages and the JSON API). Applies pending migrations first.
    Serve {
        /// Start a fresh demo instance in ./palermo-demo/ (fictional data, demo users without a
        /// second factor, plain-HTTP cookies for localhost) and print how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a fresh demo database: a fictional country with its organisations and one user per role.
    Demo {
        /// Delete an existing SQLite database in the data directory first.
        #[arg(long)]
        replace: bool,
    },
    /// Generate seeded synthetic data (for demos and benchmarks).
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Import data from spreadsheets.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage the encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Take an online, consistent backup (SQLite VACUUM INTO, or pg_dump of one snapshot),
    /// encrypted with age to a recipient's public key. The key file is not included: back it up
    /// separately. Create a recipient with `palermo keys backup-identity`.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The age public key (age1…) that may decrypt the backup.
        #[arg(long, env = "PALERMO_BACKUP_RECIPIENT")]
        recipient: String,
    },
    /// Restore a backup into an empty database (the configured one), then verify it: integrity
    /// check, audit chain against the backup's head, row counts. Says "restored" only if all agree.
    Restore {
        /// The backup file.
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// The age identity file (AGE-SECRET-KEY-…) matching the backup's recipient.
        #[arg(long, value_name = "FILE")]
        identity: PathBuf,
    },
    /// Record linkage: find records of the same person (no server needed).
    #[command(subcommand)]
    Link(LinkCommand),
    /// The duplicate review of the persons in the database.
    #[command(subcommand)]
    Duplicates(DuplicatesCommand),
    /// The retention schedule of identities (`retention.identity_years`).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Print the effective configuration, with secrets masked.
    Config,
}

#[derive(Subcommand)]
enum DuplicatesCommand {
    /// Search every organisation's persons for possible duplicates now and replace the open
    /// candidates on the review page (the server also does this every `linkage.refresh_hours`
    /// and `import cases` after every import).
    Refresh,
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Erase now every identity whose retention period is over (the server does this once a
    /// day), except those under a legal hold; print how many were erased and held.
    Run,
    /// Print how many identities are due (0 once the day's run is done, except those held).
    Status,
}

#[derive(Subcommand)]
enum LinkCommand {
    /// Find duplicate persons in a CSV file (header with `id` and any of given_name,
    /// family_name, sex, date_of_birth, nationality, place_of_birth, phone). Writes
    /// `id,cluster_id`, one row per input id. Learns its model without labels, or uses --model.
    Dedupe {
        #[arg(long = "in", value_name = "CSV")]
        input: PathBuf,
        #[arg(long, value_name = "CSV")]
        out: PathBuf,
        /// Use this model (JSON, from --save-model) instead of learning one.
        #[arg(long, value_name = "JSON")]
        model: Option<PathBuf>,
        /// Write the model used (learned or loaded) to this file.
        #[arg(long, value_name = "JSON")]
        save_model: Option<PathBuf>,
        /// Match probability at which two records are linked (ignored with --model, which has its own).
        #[arg(long, default_value_t = 0.9)]
        threshold: f64,
        /// Also write every candidate pair with its match probability (`id_a,id_b,probability`).
        #[arg(long, value_name = "CSV")]
        pairs: Option<PathBuf>,
    },
    /// Encode records as CLKs (Bloom filters of HMAC-hashed bigrams, schema in docs/clk-schema.json)
    /// with a secret shared by the two parties, to match across borders without sending names.
    Encode {
        #[arg(long = "in", value_name = "CSV")]
        input: PathBuf,
        #[arg(long, value_name = "CSV")]
        out: PathBuf,
        /// A file holding the shared secret (at least 16 bytes; keep it as secret as a key).
        #[arg(long, value_name = "FILE")]
        secret_file: PathBuf,
        /// Salt the name tokens: `none`, or `birth-year` (a common name no longer sets the same
        /// bits in every record; costs recall where the years differ or one is missing — both
        /// sides must choose the same, docs/LINKAGE.md).
        #[arg(long, default_value = "none")]
        salt: palermo_linkage::clk::Salt,
    },
    /// Find one-to-one pairs between two CLK files: privacy-preserving blocking (bit-sample LSH),
    /// then match probabilities from each field segment's similarity, learned from the two files
    /// (docs/LINKAGE.md). Writes `id_a,id_b,probability`.
    Match {
        #[arg(long, value_name = "CSV")]
        a: PathBuf,
        #[arg(long, value_name = "CSV")]
        b: PathBuf,
        #[arg(long, value_name = "CSV")]
        out: PathBuf,
        /// Match probability at or above which two encodings are taken to be the same person.
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
    },
    /// Generate synthetic person records with ground truth (for tests and benchmarks).
    Generate {
        #[arg(long, default_value_t = 10_000)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "CSV")]
        out: PathBuf,
        /// Where to write `id,person_id`.
        #[arg(long, value_name = "CSV")]
        truth: PathBuf,
        /// Split into two jurisdictions: --out gets side A, this file side B (each person at most
        /// once per side; persons with several records on both sides).
        #[arg(long, value_name = "CSV")]
        split_b: Option<PathBuf>,
    },
    /// Precision, recall and F1 of `id_a,id_b` pairs against `id,person_id` for both sides.
    ScorePairs {
        #[arg(long, value_name = "CSV")]
        truth: PathBuf,
        #[arg(long, value_name = "CSV")]
        pairs: PathBuf,
        #[arg(long, value_name = "CSV")]
        a: PathBuf,
        #[arg(long, value_name = "CSV")]
        b: PathBuf,
    },
    /// Pairwise precision, recall and F1 of `id,cluster_id` against `id,person_id`.
    Score {
        #[arg(long, value_name = "CSV")]
        truth: PathBuf,
        #[arg(long, value_name = "CSV")]
        clusters: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input (not the command line).
    Create {
        /// Sign-in name: letters a-z, digits, '.', '_' or '-'.
        #[arg(long)]
        username: String,
        /// Full name as shown to colleagues.
        #[arg(long)]
        name: String,
        /// Organisation name (exactly as listed by `palermo org list`).
        #[arg(long)]
        org: String,
        /// Roles, comma-separated: first_responder, competent_authority, case_worker,
        /// service_provider, investigator, prosecutor, prevention_officer, coordinator,
        /// analyst, liaison, auditor, administrator.
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        /// E-mail address or telephone number (stored encrypted).
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List all users.
    List,
    /// Disable an account; ends all its sessions.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new password (read from standard input); ends all sessions of the account.
    ResetPassword { username: String },
    /// Forget the user's authenticator: they set up a new one at their next sign-in.
    ResetMfa { username: String },
    /// Set up the user's authenticator from the console: prints the key and an otpauth:// URI,
    /// then reads the 6-digit code the app shows from standard input to confirm.
    EnrolMfa { username: String },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        name: String,
        /// HTCDS org_Type: NGO, LawEnforcement, HealthServiceOrganisation,
        /// CentralGovernmentOrganisation, LocalGovernmentOrganisation, ImmigrationService,
        /// LegalService, CorporateBusiness, SchoolOrCollege.
        #[arg(long = "type")]
        org_type: String,
        /// police, prosecution, judiciary, labour_inspection, immigration, social_services,
        /// health, shelter, legal_aid, ngo_outreach, international_organisation, national_coordination.
        #[arg(long)]
        sector: String,
        /// Region code, e.g. north.
        #[arg(long)]
        region: String,
        /// This organisation runs the platform: its administrators administer all organisations.
        #[arg(long)]
        operator: bool,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain from the first entry, compare it with the head kept beside the key
    /// file, and name the first bad entry. Exits non-zero if the chain is broken.
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create the key file if there is none (it is also created on first start).
    Generate,
    /// Create an age identity for backups (keep it offline); prints the recipient to give to
    /// `palermo backup --recipient`.
    BackupIdentity {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Add a new encryption key, make it active and re-encrypt everything under it. Stop the
    /// server first.
    Rotate {
        /// Remove the old keys from the key file afterwards.
        #[arg(long)]
        retire: bool,
    },
}

fn load_config(g: &Global, demo: bool) -> Result<Config> {
    let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("PALERMO_")).collect();
    let mut config = Config::load(g.config.as_deref(), &env)?;
    if demo {
        config.data.dir = PathBuf::from("./palermo-demo");
        config.data.database = String::new();
        config.data.key_file = PathBuf::new();
        config.server.cookie_secure = false;
    }
    if let Some(dir) = &g.data_dir {
        config.data.dir = dir.clone();
    }
    if let Some(db) = &g.database {
        config.data.database = db.clone();
    }
    Ok(config)
}

fn init_logging(level: &str, bulk: bool) {
    let slow_statements = if bulk { ",sqlx::query=error" } else { "" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALERMO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},sqlx=warn{slow_statements}")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn open(config: Config) -> Result<Palermo> {
    Palermo::open(config, Arc::new(SystemClock)).await.context("cannot open Palermo")
}

fn read_password(prompt: &str) -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn remove_sqlite_files(config: &Config) -> Result<()> {
    let url = config.database_url();
    let Some(path) = url.strip_prefix("sqlite://") else { bail!("--replace works only for SQLite; drop the PostgreSQL database yourself") };
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        if std::path::Path::new(&p).exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {p}"))?;
        }
    }
    let head = config.audit_head_file();
    if head.exists() {
        std::fs::remove_file(&head)?;
    }
    Ok(())
}

async fn make_demo(config: Config) -> Result<Palermo> {
    let app = open(config).await?;
    let bar = indicatif::ProgressBar::new_spinner();
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let creds = app.create_demo(&|step| bar.set_message(step.to_owned())).await?;
    bar.finish_and_clear();
    println!("Demo instance ready (fictional data). Every demo user's password is: {}", palermo_service::demo::DEMO_PASSWORD);
    println!("{:<22} {:<22} organisation", "username", "role");
    for c in &creds {
        println!("{:<22} {:<22} {}", c.username, c.role, c.organisation);
    }
    Ok(app)
}

async fn user_id(app: &Palermo, username: &str) -> Result<String> {
    match app.user_by_username(username).await? {
        Some(u) => Ok(u.id.to_string()),
        None => bail!("no user named {username:?}"),
    }
}

fn open_file(p: &std::path::Path) -> Result<std::fs::File> {
    std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))
}

fn create_file(p: &std::path::Path) -> Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?))
}

fn link(cmd: LinkCommand) -> Result<()> {
    use palermo_linkage::{csvio, dedupe, generate, score};
    match cmd {
        LinkCommand::Dedupe { input, out, model, save_model, threshold, pairs } => {
            if !(0.0..=1.0).contains(&threshold) {
                bail!("--threshold must be between 0 and 1");
            }
            let started = std::time::Instant::now();
            let records = csvio::read_records(&input.display().to_string(), open_file(&input)?)?;
            let model = match model {
                Some(p) => {
                    let m: palermo_linkage::model::Model =
                        serde_json::from_reader(open_file(&p)?).with_context(|| format!("{} is not a linkage model", p.display()))?;
                    m.check()?;
                    Some(m)
                }
                None => None,
            };
            let bar = indicatif::ProgressBar::new(5);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            if !std::io::stderr().is_terminal() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let progress = |stage: dedupe::Stage, done: usize, total: usize| {
                let pos = match stage {
                    dedupe::Stage::Prepare => 0,
                    dedupe::Stage::Block => 1,
                    dedupe::Stage::Compare => 2,
                    dedupe::Stage::Learn => 3,
                    dedupe::Stage::Cluster => 4,
                };
                bar.set_position(pos);
                bar.set_message(format!("{stage:?} {done}/{total}"));
            };
            let options = dedupe::Options { threshold, model, keep_scored: pairs.is_some(), ..Default::default() };
            let outcome = dedupe::run(&records, &options, &progress);
            bar.finish_and_clear();
            csvio::write_clusters(create_file(&out)?, &records, &outcome.clusters)?;
            if let Some(p) = save_model {
                serde_json::to_writer_pretty(create_file(&p)?, &outcome.model)?;
            }
            if let Some(p) = pairs {
                let mut w = create_file(&p)?;
                writeln!(w, "id_a,id_b,probability")?;
                for (a, b, prob) in &outcome.scored {
                    if let (Some(ra), Some(rb)) = (records.get(*a as usize), records.get(*b as usize)) {
                        writeln!(w, "{},{},{prob:.6}", csvio::formula_safe(&ra.id), csvio::formula_safe(&rb.id))?;
                    }
                }
            }
            let clusters: std::collections::HashSet<usize> = outcome.clusters.iter().copied().collect();
            eprintln!(
                "{} records, {} candidate pairs, {} linked, {} clusters, EM iterations {}, {:.2} s",
                records.len(),
                outcome.candidate_pairs,
                outcome.linked_pairs,
                clusters.len(),
                outcome.em_iterations,
                started.elapsed().as_secs_f64()
            );
        }
        LinkCommand::Encode { input, out, secret_file, salt } => {
            use palermo_linkage::clk;
            let secret = std::fs::read(&secret_file).with_context(|| format!("cannot read {}", secret_file.display()))?;
            if secret.len() < 16 {
                bail!("{}: the shared secret must be at least 16 bytes", secret_file.display());
            }
            let started = std::time::Instant::now();
            let records = csvio::read_records(&input.display().to_string(), open_file(&input)?)?;
            let clks = dedupe::par_map_with(&records, || clk::Encoder::new(&secret, salt), |e, r| e.encode(r));
            let mut w = create_file(&out)?;
            writeln!(w, "id,{}", salt.format())?;
            for (r, c) in records.iter().zip(&clks) {
                writeln!(w, "{},{}", csvio::formula_safe(&r.id), clk::to_base64(c))?;
            }
            w.flush()?;
            eprintln!("{} records encoded ({}) in {:.2} s", records.len(), salt.describe(), started.elapsed().as_secs_f64());
            // What the file shows to whoever holds it (docs/LINKAGE.md, "Threat model").
            for (name, segment) in [("given-name", clk::GIVEN), ("family-name", clk::FAMILY)] {
                let f = clk::segment_frequencies(&clks, segment);
                let share = |k: usize| 100.0 * k as f64 / f.filled.max(1) as f64;
                eprintln!(
                    "{name} segments: {} filled, {} distinct; the most common is held by {} ({:.1} %), the ten most common by {} ({:.1} %)",
                    f.filled,
                    f.distinct,
                    f.most_common,
                    share(f.most_common),
                    f.ten_most_common,
                    share(f.ten_most_common)
                );
            }
        }
        LinkCommand::Match { a, b, out, threshold } => {
            if !(0.0..=1.0).contains(&threshold) {
                bail!("--threshold must be between 0 and 1");
            }
            type Read = (palermo_linkage::clk::Salt, Vec<String>, Vec<palermo_linkage::clk::Clk>);
            let read = |p: &PathBuf| -> Result<Read> {
                let (salt, mut ids) = csvio::read_clks(&p.display().to_string(), open_file(p)?)?;
                ids.sort_by(|x, y| x.0.cmp(&y.0));
                let (ids, clks) = ids.into_iter().unzip();
                Ok((salt, ids, clks))
            };
            let started = std::time::Instant::now();
            let (salt_a, ida, ca) = read(&a)?;
            let (salt_b, idb, cb) = read(&b)?;
            if salt_a != salt_b {
                bail!(
                    "{} is {} and {} is {}: their name bits would not line up. Both sides must encode with the same --salt",
                    a.display(),
                    salt_a.describe(),
                    b.display(),
                    salt_b.describe()
                );
            }
            let matched = palermo_linkage::clk_match::match_salted(&ca, &cb, threshold, salt_a);
            let mut w = create_file(&out)?;
            writeln!(w, "id_a,id_b,probability")?;
            for (x, y, p) in &matched.pairs {
                if let (Some(i), Some(j)) = (ida.get(*x), idb.get(*y)) {
                    writeln!(w, "{},{},{p:.4}", csvio::formula_safe(i), csvio::formula_safe(j))?;
                }
            }
            eprintln!(
                "{} × {} encodings, {} candidate pairs, model learned in {} EM iterations (prior {:.3e}), {} pairs, {:.2} s",
                ca.len(),
                cb.len(),
                matched.candidates,
                matched.model.em_iterations,
                matched.model.prior,
                matched.pairs.len(),
                started.elapsed().as_secs_f64()
            );
        }
        LinkCommand::ScorePairs { truth, pairs, a, b } => {
            let t = csvio::read_labels(&truth.display().to_string(), open_file(&truth)?)?;
            let ids_a = csvio::read_labels(&a.display().to_string(), open_file(&a)?)?;
            let ids_b = csvio::read_labels(&b.display().to_string(), open_file(&b)?)?;
            let persons_a: std::collections::HashSet<&String> = ids_a.keys().filter_map(|i| t.get(i)).collect();
            let in_both = ids_b.keys().filter_map(|i| t.get(i)).filter(|p| persons_a.contains(p)).count();
            let mut rdr = csv::Reader::from_reader(open_file(&pairs)?);
            let (mut predicted, mut correct) = (0u64, 0u64);
            for row in rdr.records() {
                let row = row?;
                predicted += 1;
                if let (Some(x), Some(y)) = (row.get(0), row.get(1))
                    && t.contains_key(x)
                    && t.get(x) == t.get(y)
                {
                    correct += 1;
                }
            }
            let precision = if predicted == 0 { 1.0 } else { correct as f64 / predicted as f64 };
            let recall = if in_both == 0 { 1.0 } else { correct as f64 / in_both as f64 };
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            println!(
                "precision {precision:.4} recall {recall:.4} F1 {f1:.4} (persons on both sides {in_both}, predicted {predicted}, correct {correct})"
            );
        }
        LinkCommand::Generate { n, seed, out, truth, split_b } => {
            let (records, t) = generate::generate(n, seed);
            match split_b {
                None => csvio::write_records(create_file(&out)?, &records)?,
                Some(b) => {
                    let (side_a, side_b) = generate::split_two(&records, &t, seed);
                    csvio::write_records(create_file(&out)?, &side_a)?;
                    csvio::write_records(create_file(&b)?, &side_b)?;
                }
            }
            let mut w = create_file(&truth)?;
            writeln!(w, "id,person_id")?;
            for x in t {
                writeln!(w, "{},{}", x.id, x.person)?;
            }
        }
        LinkCommand::Score { truth, clusters } => {
            let t = csvio::read_labels(&truth.display().to_string(), open_file(&truth)?)?;
            let c = csvio::read_labels(&clusters.display().to_string(), open_file(&clusters)?)?;
            let mut ids: Vec<&String> = t.keys().collect();
            ids.sort();
            let missing = ids.iter().filter(|id| !c.contains_key(**id)).count();
            if missing > 0 {
                bail!("{missing} ids of the truth file are not in the clusters file");
            }
            let tv: Vec<&String> = ids.iter().filter_map(|id| t.get(*id)).collect();
            let cv: Vec<&String> = ids.iter().filter_map(|id| c.get(*id)).collect();
            let s = score::pairwise(&tv, &cv);
            println!(
                "precision {:.4} recall {:.4} F1 {:.4} (true pairs {}, predicted {}, correct {})",
                s.precision, s.recall, s.f1, s.true_pairs, s.predicted_pairs, s.correct_pairs
            );
        }
    }
    Ok(())
}

/// mimalloc, not glibc's malloc: measured in docs/PERFORMANCE.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Link(cmd) = cli.command {
        return link(cmd);
    }
    let demo_serve = matches!(cli.command, Command::Serve { demo: true });
    let config = load_config(&cli.global, demo_serve)?;
    // The synthetic generator writes in large multi-row statements on purpose: sqlx's warning
    // that one took over a second would print each whole statement (100 KB of placeholders).
    let bulk = matches!(cli.command, Command::Generate(_));
    init_logging(&config.log.level, bulk);
    let meta = RequestMeta::cli();
    match cli.command {
        Command::Serve { demo } => {
            let addr = config.listen_addr()?;
            let app = if demo {
                remove_sqlite_files(&config)?;
                make_demo(config).await?
            } else {
                open(config).await?
            };
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (server.listen)"))?;
            println!("Palermo is listening on http://{addr}/ ({:?}). Sign in at http://{addr}/sign-in", app.engine());
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            palermo_web::serve(app, listener, shutdown).await?;
        }
        Command::Migrate => {
            let app = open(config).await?;
            println!("database is at migration {} ({:?})", app.schema_version().await?, app.engine());
        }
        Command::Demo { replace } => {
            if replace {
                remove_sqlite_files(&config)?;
            }
            make_demo(config).await?;
        }
        Command::Generate(GenerateCommand::Cases { count, seed }) => {
            let app = open(config).await?;
            let bar = indicatif::ProgressBar::new(count as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec} eta {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let started = std::time::Instant::now();
            let report = app.generate_cases(count, seed, &|done| bar.set_position(done as u64)).await?;
            bar.finish_and_clear();
            println!(
                "{} cases written in {:.1} s ({} anonymous notifications, {} children's cases, {} overdue, {} of a person referred before)",
                report.cases,
                started.elapsed().as_secs_f64(),
                report.notifications,
                report.children,
                report.overdue,
                report.referred_again
            );
        }
        Command::Report(ReportCommand::Implementation { year, country, out, lang }) => {
            let app = open(config).await?;
            let report = app.implementation_report(&Caller::Console, year, &country, &RequestMeta::cli()).await.map_err(|e| match e {
                palermo_service::ServiceError::Invalid(errors) => {
                    anyhow::anyhow!("{}", errors.iter().map(|e| format!("--{}: {}", e.field, e.expected)).collect::<Vec<_>>().join("; "))
                }
                other => other.into(),
            })?;
            let html = palermo_web::report_document(report, &lang).map_err(|e| anyhow::anyhow!("rendering the report: {e}"))?;
            let pdf = out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
            if pdf {
                print_pdf(&html, &out)?;
            } else {
                std::fs::write(&out, html).with_context(|| format!("--out {}", out.display()))?;
            }
            println!("wrote the implementation report for {year} to {}", out.display());
        }
        Command::Import(ImportCommand::TreatyStatus { file, source, as_of }) => {
            let bytes = std::fs::read(&file).with_context(|| format!("--file {}", file.display()))?;
            let app = open(config).await?;
            match app.import_treaty_status(&Caller::Console, &bytes, &source, &as_of, &RequestMeta::cli()).await {
                Ok(r) => println!("imported {} rows ({} added, {} replaced) as of {as_of}", r.rows, r.added, r.updated),
                Err(palermo_service::ServiceError::Invalid(errors)) => {
                    for e in &errors {
                        println!("{}: {}", e.field, e.expected);
                    }
                    anyhow::bail!("{} problem(s); nothing was imported", errors.len());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Import(ImportCommand::Cases { file, mapping, as_user, dry_run }) => {
            let bytes = std::fs::read(&file).with_context(|| format!("--file {}", file.display()))?;
            let is_xlsx = file.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let table = if is_xlsx { palermo_service::import::read_xlsx(&bytes) } else { palermo_service::import::read_csv(&bytes) }
                .map_err(|e| anyhow::anyhow!("--file {}: {e}", file.display()))?;
            let mapping = match mapping {
                Some(m) => {
                    let text = std::fs::read_to_string(&m).with_context(|| format!("--mapping {}", m.display()))?;
                    palermo_service::import::Mapping::parse(&text).map_err(|e| anyhow::anyhow!("--mapping {}: {e}", m.display()))?
                }
                None => palermo_service::import::Mapping::default(),
            };
            let app = open(config).await?;
            let bar = indicatif::ProgressBar::new(table.rows.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg:12} {bar:40} {pos}/{len} rows")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let report = app
                .import_cases(&table, &mapping, &as_user, dry_run, &source, &|stage, done, _| {
                    bar.set_message(stage.to_owned());
                    bar.set_position(done as u64);
                })
                .await?;
            bar.finish_and_clear();
            for p in &report.problems {
                println!("{p}");
            }
            if !report.problems.is_empty() {
                anyhow::bail!("{} problem(s) in {} row(s); nothing was imported", report.problems.len(), report.rows);
            }
            if report.written {
                println!("imported {} cases from {} rows", report.cases, report.rows);
                match app.refresh_duplicates(&RequestMeta::cli()).await {
                    Ok(r) => println!("possible duplicates to review: {} (among {} persons)", r.candidates, r.persons),
                    Err(e) => {
                        eprintln!("warning: the search for duplicates after the import failed ({e}); run `palermo duplicates refresh`")
                    }
                }
            } else {
                println!("dry run: {} rows checked, no problems; {} cases would be imported", report.rows, report.cases);
            }
        }
        Command::Duplicates(DuplicatesCommand::Refresh) => {
            let app = open(config).await?;
            let started = std::time::Instant::now();
            let r = app.refresh_duplicates(&RequestMeta::cli()).await?;
            println!(
                "{} possible duplicate pairs to review among {} persons of {} organisations ({:.1} s)",
                r.candidates,
                r.persons,
                r.organisations,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Retention(cmd) => {
            let app = open(config).await?;
            match cmd {
                RetentionCommand::Run => {
                    let r = app.apply_retention(&RequestMeta::task("retention")).await?;
                    println!(
                        "retention: {} identities erased, {} held (a case disclosed to an investigation not yet ended)",
                        r.erased, r.held
                    );
                }
                RetentionCommand::Status => println!("retention: {} identities due", app.retention_due().await?),
            }
        }
        Command::Config => print!("{}", config.to_masked_toml()),
        Command::Link(cmd) => link(cmd)?,
        Command::Backup { out, recipient } => {
            let app = open(config).await?;
            let m = app.backup(&recipient, &out).await?;
            println!(
                "backup written to {} ({}; audit entry {}; {} rows). The key file is not in it: keep a copy of the key file elsewhere.",
                out.display(),
                m.engine,
                m.audit_head_seq,
                m.row_counts.iter().map(|(_, n)| n).sum::<i64>()
            );
        }
        Command::Restore { input, identity } => {
            let id = std::fs::read_to_string(&identity).with_context(|| format!("reading {}", identity.display()))?;
            let r = palermo_service::backup::restore(config, &id, &input, Arc::new(SystemClock)).await?;
            println!(
                "restored: integrity ok, audit chain intact ({} entries), row counts match the backup taken {}",
                r.audit_entries, r.manifest.created_at
            );
        }
        Command::Keys(KeysCommand::BackupIdentity { out }) => {
            let recipient = palermo_service::backup::generate_backup_identity(&out, "now")?;
            println!("backup identity written to {} (keep it offline). Recipient: {recipient}", out.display());
        }
        Command::User(cmd) => {
            let app = open(config).await?;
            match cmd {
                UserCommand::Create { username, name, org, roles, contact } => {
                    let orgs = app.list_organisations(&Caller::Console, &meta).await?;
                    let Some(o) = orgs.iter().find(|o| o.name == org) else {
                        bail!("no organisation named {org:?}; see `palermo org list`")
                    };
                    let password = read_password("password (12 characters or more)")?;
                    let input = NewUser { organisation_id: o.id.to_string(), username, display_name: name, roles, password, contact };
                    let u = app.create_user(&Caller::Console, &input, &meta).await?;
                    println!("created user {} ({})", u.username, u.id);
                }
                UserCommand::List => {
                    for u in app.all_users().await? {
                        let roles: Vec<&str> = u.roles.iter().map(|r| r.code()).collect();
                        println!(
                            "{:<24} {:<36} {:<8} {}",
                            u.username,
                            u.organisation_id,
                            if u.disabled { "disabled" } else { "active" },
                            roles.join(",")
                        );
                    }
                }
                UserCommand::Disable { username } => {
                    app.set_user_disabled(&Caller::Console, &user_id(&app, &username).await?, true, &meta).await?;
                    println!("disabled {username}; their sessions have ended");
                }
                UserCommand::Enable { username } => {
                    app.set_user_disabled(&Caller::Console, &user_id(&app, &username).await?, false, &meta).await?;
                    println!("enabled {username}");
                }
                UserCommand::ResetPassword { username } => {
                    let password = read_password("new password (12 characters or more)")?;
                    app.reset_password(&Caller::Console, &user_id(&app, &username).await?, &password, &meta).await?;
                    println!("password of {username} changed; their sessions have ended");
                }
                UserCommand::EnrolMfa { username } => {
                    let e = app.console_start_mfa(&username).await?;
                    println!("Add this to the authenticator app of {username}:\n  key: {}\n  uri: {}", e.secret_base32, e.otpauth_uri);
                    let code = read_password("code shown by the app")?;
                    app.console_confirm_mfa(&username, &code).await?;
                    println!("second factor of {username} confirmed");
                }
                UserCommand::ResetMfa { username } => {
                    app.reset_second_factor(&Caller::Console, &user_id(&app, &username).await?, &meta).await?;
                    println!("second factor of {username} reset; they set up a new one at their next sign-in");
                }
            }
        }
        Command::Org(cmd) => {
            let app = open(config).await?;
            match cmd {
                OrgCommand::Create { name, org_type, sector, region, operator } => {
                    let input = NewOrganisation { name, org_type, sector, region };
                    let o = if operator {
                        app.create_operator_organisation(&input, &meta).await?
                    } else {
                        app.create_organisation(&Caller::Console, &input, &meta).await?
                    };
                    println!("created organisation {} ({})", o.name, o.id);
                }
                OrgCommand::List => {
                    for o in app.list_organisations(&Caller::Console, &meta).await? {
                        println!(
                            "{:<36} {:<26} {:<10} {}{}",
                            o.id,
                            o.sector,
                            o.region,
                            o.name,
                            if o.is_operator { " [operator]" } else { "" }
                        );
                    }
                }
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open(config).await?;
            match app.verify_audit().await? {
                Ok(v) => println!(
                    "audit chain intact: {} entries; head {} (witnessed outside the database: {})",
                    v.entries,
                    v.head_hash,
                    v.witnessed_seq.map_or("none".to_owned(), |s| format!("entry {s}"))
                ),
                Err(e) => {
                    eprintln!("AUDIT CHAIN BROKEN: {e}");
                    std::process::exit(2);
                }
            }
        }
        Command::Keys(KeysCommand::Generate) => {
            let path = config.key_file();
            if path.exists() {
                println!("key file already exists at {}", path.display());
            } else {
                let _ = open(config).await?;
                println!("created key file {}; back it up separately from the database", path.display());
            }
        }
        Command::Keys(KeysCommand::Rotate { retire }) => {
            let mut app = open(config).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            if !std::io::stderr().is_terminal() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let r = app.rotate_keys(retire, &|n| bar.set_message(format!("{n} values re-encrypted"))).await?;
            bar.finish_and_clear();
            println!("key {} is now active; {} values re-encrypted; retired keys: {:?}", r.new_key_id, r.reencrypted, r.retired);
        }
    }
    Ok(())
}

/// Print an HTML document to PDF with headless Chromium (the same engine the browser tests use).
fn print_pdf(html: &str, out: &std::path::Path) -> anyhow::Result<()> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let source = dir.join(format!(".palermo-report-{}.html", std::process::id()));
    std::fs::write(&source, html).with_context(|| format!("writing {}", source.display()))?;
    let absolute = std::fs::canonicalize(&source)?;
    let out_abs = std::fs::canonicalize(dir)?.join(out.file_name().unwrap_or_default());
    let chromium = std::env::var("PALERMO_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let profile = std::env::temp_dir().join(format!("palermo-pdf-{}", std::process::id()));
    let status = std::process::Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", out_abs.display()))
        .arg(format!("file://{}", absolute.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let _ = std::fs::remove_file(&source);
    let _ = std::fs::remove_dir_all(&profile);
    match status {
        Ok(s) if s.success() && out_abs.exists() => Ok(()),
        Ok(s) => anyhow::bail!("{chromium} could not print the report ({s}); write it as .html and print it from a browser"),
        Err(e) => anyhow::bail!("PDF needs Chromium ({chromium}: {e}); install it, set PALERMO_CHROMIUM, or write the report as .html"),
    }
}
