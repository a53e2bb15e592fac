//! Crash durability: concurrent writes and audited reads against a real `palermo serve`
//! process, killed with SIGKILL at random moments, 20 rounds per engine. Every write answered
//! 2xx must be there after the restart; every organisation that exists must have its audit
//! entry (no write without its audit, or the reverse); every read answered 2xx must have its
//! audit entry in the chain, exactly once (on SQLite it went through the audit inbox, which a
//! kill interrupts between commit and fold); and the audit chain must still verify.

use palermo_testkit::{Engine, PASSWORD, extract_between, postgres_admin_url, totp};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_palermo");

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn envs(dir: &std::path::Path, db: &str, port: u16) -> Vec<(String, String)> {
    vec![
        ("PALERMO_DATA_DIR".into(), dir.display().to_string()),
        ("PALERMO_DATA_DATABASE".into(), db.into()),
        ("PALERMO_SERVER_LISTEN".into(), format!("127.0.0.1:{port}")),
        ("PALERMO_SERVER_COOKIE_SECURE".into(), "false".into()),
        ("PALERMO_SECURITY_ARGON2_MEMORY_KIB".into(), "19456".into()),
        ("PALERMO_SECURITY_ARGON2_ITERATIONS".into(), "2".into()),
        ("PALERMO_SECURITY_SESSION_IDLE_MINUTES".into(), "60".into()),
        ("PALERMO_LOG_LEVEL".into(), "warn".into()),
    ]
}

fn palermo(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(args).envs(env.iter().cloned()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "palermo {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn start(env: &[(String, String)], port: u16) -> Server {
    let server =
        Server(Command::new(BIN).arg("serve").envs(env.iter().cloned()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.map(|r| r.status().is_success()).unwrap_or(false) {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn run(engine: Engine) {
    let rounds: u32 = std::env::var("PALERMO_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("palermo-crash-{}-{:?}", std::process::id(), engine));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.join("palermo.db").display()),
        Engine::Postgres => {
            let Some(admin) = postgres_admin_url() else {
                return;
            };
            let name = format!("crash_{}", std::process::id());
            let admin_db = format!("{}/postgres", admin.trim_end_matches('/'));
            let _ = palermo_store_drop(&admin_db, &name).await;
            palermo_store::testing::create_postgres_database(&admin_db, &name).await.unwrap();
            format!("{}/{}", admin.trim_end_matches('/'), name)
        }
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = envs(&dir, &db, port);
    palermo(
        &env,
        &[
            "org",
            "create",
            "--operator",
            "--name",
            "Coordination",
            "--type",
            "CentralGovernmentOrganisation",
            "--sector",
            "national_coordination",
            "--region",
            "capital",
        ],
        None,
    );
    palermo(
        &env,
        &["user", "create", "--username", "writer", "--name", "Writer", "--org", "Coordination", "--roles", "administrator"],
        Some(&format!("{PASSWORD}\n")),
    );

    // Sign in once (password + TOTP at the real time); the session lives in the database and
    // survives every crash.
    let mut server = start(&env, port).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let r = http.post(format!("{base}/sign-in")).form(&[("username", "writer"), ("password", PASSWORD)]).send().await.unwrap();
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = http.get(format!("{base}/second-factor/enrol")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    let secret = extract_between(&page, "id=\"totp-secret\">", "<").unwrap();
    let csrf = extract_between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    #[allow(clippy::disallowed_methods)]
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = format!("{:06}", totp::code_at_step(&key, totp::step_of(now)));
    let r = http
        .post(format!("{base}/second-factor/enrol"))
        .header("cookie", &cookie)
        .form(&[("code", code.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = r.headers().get("set-cookie").expect("signed in").to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: serde_json::Value = http.get(format!("{base}/api/v1/me")).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let user_id = me["user_id"].as_str().unwrap().to_owned();

    let acknowledged = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let reads_answered = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let mut rng = Rng(u64::from(std::process::id()) ^ 0x9e37_79b9_7f4a_7c15);
    for round in 0..rounds {
        let mut writers = Vec::new();
        for w in 0..8 {
            let (http, base, cookie, csrf, acked) = (http.clone(), base.clone(), cookie.clone(), csrf.clone(), acknowledged.clone());
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("Crash {round}-{w}-{i}");
                    let body = serde_json::json!({"name": name, "org_type": "NGO", "sector": "shelter", "region": "south"});
                    match http
                        .post(format!("{base}/api/v1/organisations"))
                        .header("cookie", &cookie)
                        .header("x-csrf-token", &csrf)
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().as_u16() == 201 => {
                            acked.lock().unwrap().insert(name);
                        }
                        Ok(r) if r.status().is_success() => panic!("unexpected {}", r.status()),
                        _ => break,
                    }
                }
            }));
        }
        // Audited reads of a user's contact (`user.view`), each answered only once its entry
        // is durable; their request ids are remembered.
        for _ in 0..2 {
            let (http, cookie, url, answered) =
                (http.clone(), cookie.clone(), format!("{base}/api/v1/users/{user_id}"), reads_answered.clone());
            writers.push(tokio::spawn(async move {
                loop {
                    match http.get(&url).header("cookie", &cookie).send().await {
                        Ok(r) if r.status().as_u16() == 200 => {
                            let id = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                            if r.text().await.is_ok() {
                                answered.lock().unwrap().insert(id);
                            }
                        }
                        Ok(r) if r.status().is_success() => panic!("unexpected {}", r.status()),
                        _ => break,
                    }
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(150 + rng.next(900))).await;
        drop(server); // SIGKILL
        for w in writers {
            let _ = w.await;
        }
        server = start(&env, port).await;
        let list: serde_json::Value =
            http.get(format!("{base}/api/v1/organisations")).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
        let present: BTreeSet<String> = list.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_owned()).collect();
        let lost: Vec<_> = acknowledged.lock().unwrap().difference(&present).cloned().collect();
        assert!(lost.is_empty(), "round {round}: acknowledged writes lost: {lost:?}");
    }
    drop(server);
    let verify = palermo(&env, &["audit", "verify"], None);
    assert!(verify.contains("audit chain intact"), "{verify}");
    // Every organisation has exactly its creation entry: nothing half-applied.
    let orgs = palermo(&env, &["org", "list"], None);
    let n_orgs = orgs.lines().count();
    let acked = acknowledged.lock().unwrap().len();
    assert!(n_orgs > acked, "{n_orgs} organisations for {acked} acknowledged writes");
    let counted = count_org_create_entries(&db).await;
    assert_eq!(counted as usize, n_orgs, "each organisation has its audit entry and no entry lacks its organisation");
    // Every answered read is in the chain, and no entry was folded twice (request ids are unique).
    let answered: Vec<String> = reads_answered.lock().unwrap().iter().cloned().collect();
    let reads = answered.len() as i64;
    let (entries, distinct) = count_read_entries(&db).await;
    assert!(reads > 0);
    assert_eq!(entries, distinct, "an audit entry of a read appears twice in the chain");
    let mut found = 0;
    for ids in answered.chunks(500) {
        assert!(ids.iter().all(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')), "{ids:?}");
        let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        let sql: &'static str = format!("SELECT COUNT(*) FROM audit_log WHERE action = 'user.view' AND request_id IN ({list})").leak();
        found += palermo_store::testing::count(&db, sql).await.unwrap();
    }
    assert_eq!(found, reads, "every answered audited read has its entry in the chain");
    eprintln!(
        "{engine:?}: {rounds} kills, {acked} acknowledged writes, {n_orgs} organisations, {reads} answered audited reads, chain intact"
    );
    if let Engine::Postgres = engine {
        let admin = postgres_admin_url().unwrap();
        let _ = palermo_store_drop(&format!("{}/postgres", admin.trim_end_matches('/')), &format!("crash_{}", std::process::id())).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn palermo_store_drop(admin: &str, name: &str) -> Result<(), palermo_store::StoreError> {
    palermo_store::testing::drop_postgres_database(admin, name).await
}

async fn count_org_create_entries(db: &str) -> i64 {
    palermo_store::testing::count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'organisation.create' AND outcome = 'ok'")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_sqlite() {
    run(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_postgres() {
    run(Engine::Postgres).await;
}

async fn count_read_entries(db: &str) -> (i64, i64) {
    let all =
        palermo_store::testing::count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.view' AND outcome = 'ok'").await.unwrap();
    let distinct =
        palermo_store::testing::count(db, "SELECT COUNT(DISTINCT request_id) FROM audit_log WHERE action = 'user.view' AND outcome = 'ok'")
            .await
            .unwrap();
    (all, distinct)
}
