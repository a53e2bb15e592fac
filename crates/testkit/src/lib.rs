//! Spawns the real application on a free port with a fresh database (SQLite in a temporary
//! directory, or a new PostgreSQL database) and a manual clock, and gives tests an HTTP client
//! that keeps its own session cookie and CSRF token.
//!
//! PostgreSQL tests need `PALERMO_TEST_POSTGRES` (for example
//! `postgres://postgres@127.0.0.1:5432`). Without it they are skipped, unless
//! `PALERMO_REQUIRE_POSTGRES=1`, which turns the skip into a failure (CI sets it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palermo_domain::clock::ManualClock;
use palermo_service::admin::{Caller, NewOrganisation, NewUser, OrgView, UserView};
use palermo_service::{Config, Palermo, RequestMeta};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use time::OffsetDateTime;

pub use palermo_crypto::totp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server for tests, or `None` to skip (panics if PostgreSQL is required).
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("PALERMO_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("PALERMO_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PALERMO_REQUIRE_POSTGRES=1 but PALERMO_TEST_POSTGRES is not set: the PostgreSQL suite must run");
            }
            eprintln!("skipping a PostgreSQL test: PALERMO_TEST_POSTGRES is not set");
            None
        }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub engine: Engine,
    pub addr: SocketAddr,
    pub app: Palermo,
    pub clock: Arc<ManualClock>,
    pub dir: PathBuf,
    pub db_url: String,
    pg: Option<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    secrets: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A unique name for this test's files and database.
fn unique() -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let r = palermo_crypto::random_bytes::<4>().unwrap();
    format!("p{}_{}_{}", std::process::id(), n, hex_lower(&r))
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A test configuration: fast-but-OWASP Argon2, secure cookies, data in `dir`.
pub fn test_config(dir: &std::path::Path, db_url: &str) -> Config {
    let mut c = Config::default();
    c.data.dir = dir.to_path_buf();
    c.data.database = db_url.to_owned();
    c.security.argon2_memory_kib = 19_456;
    c.security.argon2_iterations = 2;
    c.server.listen = "127.0.0.1:0".into();
    c
}

impl TestApp {
    /// Start the application on `engine`; `None` when the engine's tests are skipped here.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let name = unique();
        let dir = std::env::temp_dir().join(format!("palermo-test-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (db_url, pg) = match engine {
            Engine::Sqlite => (format!("sqlite://{}", dir.join("palermo.db").display()), None),
            Engine::Postgres => {
                let admin = postgres_admin_url()?;
                let admin_db = format!("{}/postgres", admin.trim_end_matches('/'));
                palermo_store::testing::create_postgres_database(&admin_db, &name).await.expect("create test database");
                (format!("{}/{}", admin.trim_end_matches('/'), name), Some((admin_db, name.clone())))
            }
        };
        let mut config = test_config(&dir, &db_url);
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()));
        Some(Self::serve(engine, config, clock, dir, pg).await)
    }

    async fn serve(engine: Engine, config: Config, clock: Arc<ManualClock>, dir: PathBuf, pg: Option<(String, String)>) -> TestApp {
        let db_url = config.data.database.clone();
        let app = Palermo::open(config, clock.clone()).await.expect("open app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            let _ = palermo_web::serve(served, listener, async move {
                let _ = rx.await;
            })
            .await;
        });
        TestApp { engine, addr, app, clock, dir, db_url, pg, shutdown: Some(tx), secrets: Default::default() }
    }

    /// A second server on this one's database (PostgreSQL scale-out): its own data directory
    /// holding a copy of the key file, the same clock. Stopping it leaves the database.
    pub async fn spawn_beside(&self) -> TestApp {
        let dir = std::env::temp_dir().join(format!("palermo-test-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = test_config(&dir, &self.db_url);
        let key_file = config.key_file();
        std::fs::create_dir_all(key_file.parent().expect("the key file's directory")).unwrap();
        std::fs::copy(test_config(&self.dir, &self.db_url).key_file(), &key_file).expect("copy the key file");
        Self::serve(self.engine, config, self.clock.clone(), dir, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client without a session.
    pub fn client(&self) -> Client {
        Client::new(self.addr, None)
    }

    /// A client whose requests come from another loopback address (another "machine").
    pub fn client_from(&self, ip: IpAddr) -> Client {
        Client::new(self.addr, Some(ip))
    }

    /// The organisation that runs the platform, created from the console.
    pub async fn operator_org(&self) -> OrgView {
        let input = NewOrganisation {
            name: "Coordination Office".into(),
            org_type: "CentralGovernmentOrganisation".into(),
            sector: "national_coordination".into(),
            region: "capital".into(),
        };
        self.app.create_operator_organisation(&input, &RequestMeta::cli()).await.unwrap()
    }

    pub async fn org(&self, name: &str, sector: &str) -> OrgView {
        let input = NewOrganisation { name: name.into(), org_type: "NGO".into(), sector: sector.into(), region: "north".into() };
        self.app.create_organisation(&Caller::Console, &input, &RequestMeta::cli()).await.unwrap()
    }

    /// A user created from the console with the test password.
    pub async fn user(&self, org: &OrgView, username: &str, roles: &[&str]) -> UserView {
        let input = NewUser {
            organisation_id: org.id.to_string(),
            username: username.into(),
            display_name: format!("Test {username}"),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            password: PASSWORD.into(),
            contact: format!("{username}@example.invalid"),
        };
        self.app.create_user(&Caller::Console, &input, &RequestMeta::cli()).await.unwrap()
    }

    /// Run raw SQL against the test database (fault injection, tampering).
    pub async fn sql(&self, sql: &str) {
        palermo_store::testing::execute_raw(&self.db_url, sql).await.unwrap();
    }

    /// The current TOTP code for a secret at the app's clock.
    pub fn totp_now(&self, secret_base32: &str) -> String {
        let secret = data_encoding_decode(secret_base32);
        let t = palermo_domain::clock::Clock::now(&*self.clock).unix_timestamp();
        format!("{:06}", totp::code_at_step(&secret, totp::step_of(t)))
    }

    /// A fresh second-factor code for a user enrolled by [`TestApp::signed_in`] (the clock moves to
    /// the next 30-second step first, so the code has not been used).
    pub fn next_code(&self, username: &str) -> String {
        self.clock.advance(time::Duration::seconds(30));
        let secret = self.secrets.lock().unwrap().get(username).cloned().expect("enrolled earlier in this test");
        self.totp_now(&secret)
    }

    /// Sign in fully: password, then enrolment or the second factor as the account needs
    /// (moving the clock to the next 30-second step so a code is never reused).
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.sign_in(username, PASSWORD).await;
        assert_eq!(r.status, 303, "sign-in of {username}: {}", r.body);
        match r.location() {
            Some("/") => {}
            Some("/second-factor/enrol") => {
                let page = c.get("/second-factor/enrol").await;
                let secret = extract_between(&page.body, "id=\"totp-secret\">", "<").expect("secret on the enrolment page");
                let code = self.totp_now(&secret);
                let r = c.post_form("/second-factor/enrol", &[("code", &code)]).await;
                assert_eq!(r.location(), Some("/"), "enrolment of {username}: {}", r.body);
                self.secrets.lock().unwrap().insert(username.to_owned(), secret);
            }
            Some("/sign-in/second-factor") => {
                self.clock.advance(time::Duration::seconds(30));
                let secret = self.secrets.lock().unwrap().get(username).cloned().expect("enrolled earlier in this test");
                let code = self.totp_now(&secret);
                let r = c.post_form("/sign-in/second-factor", &[("code", &code)]).await;
                assert_eq!(r.location(), Some("/"), "second factor of {username}: {}", r.body);
            }
            other => panic!("unexpected redirect {other:?}"),
        }
        c.csrf = None;
        c
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, name)) = self.pg.take() {
            let _ = palermo_store::testing::drop_postgres_database(&admin, &name).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn data_encoding_decode(s: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD.decode(s.as_bytes()).unwrap()
}

/// An HTTP client that keeps one session cookie and its CSRF token, and does not follow
/// redirects (tests look at them).
pub struct Client {
    http: reqwest::Client,
    base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    /// The body as sent (for binary downloads such as XLSX).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn set_cookie(&self) -> Option<String> {
        self.headers.get("set-cookie").and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

impl Client {
    fn new(addr: SocketAddr, from: Option<IpAddr>) -> Self {
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(ip) = from {
            b = b.local_address(ip);
        }
        Self { http: b.build().unwrap(), base: format!("http://{addr}"), cookie: None, csrf: None }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Reply {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", c.clone()),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let reply = Reply { status, headers, body, bytes };
        if let Some(sc) = reply.set_cookie()
            && sc.contains("palermo=")
        {
            let pair = sc.split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
            self.csrf = None;
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let r = self.http.get(format!("{}{path}", self.base));
        self.send(r).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut r = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send(r).await
    }

    /// POST a form; adds the session's CSRF token unless the form has one.
    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut fields: Vec<(String, String)> = form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        if !form.iter().any(|(k, _)| *k == "csrf")
            && let Some(t) = self.csrf_token().await
        {
            fields.push(("csrf".into(), t));
        }
        let r = self.http.post(format!("{}{path}", self.base)).form(&fields);
        self.send(r).await
    }

    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut r = self.http.post(format!("{}{path}", self.base)).form(form);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send(r).await
    }

    /// POST JSON to the API with the session's CSRF header.
    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        let token = self.csrf_token().await.unwrap_or_default();
        let r = self.http.post(format!("{}{path}", self.base)).header("x-csrf-token", token).json(body);
        self.send(r).await
    }

    /// POST a raw body of the given content type with the session's CSRF header (file uploads).
    pub async fn post_raw_body(&mut self, path: &str, body: &[u8], content_type: &str) -> Reply {
        let token = self.csrf_token().await.unwrap_or_default();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", token)
            .header("content-type", content_type)
            .body(body.to_vec());
        self.send(r).await
    }

    /// Any method, no body, no CSRF token (for checks that a route refuses anonymous callers).
    pub async fn bare(&mut self, method: &str, path: &str) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let r = self.http.request(m, format!("{}{path}", self.base));
        self.send(r).await
    }

    /// PATCH JSON to the API with the session's CSRF header.
    pub async fn patch_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        let token = self.csrf_token().await.unwrap_or_default();
        let r = self.http.patch(format!("{}{path}", self.base)).header("x-csrf-token", token).json(body);
        self.send(r).await
    }

    /// The CSRF token of the current session (from `/api/v1/me`, or from a pending session's
    /// form).
    pub async fn csrf_token(&mut self) -> Option<String> {
        if self.csrf.is_some() {
            return self.csrf.clone();
        }
        self.cookie.as_ref()?;
        let me = self.get("/api/v1/me").await;
        let token = if me.status == 200 {
            me.json()["csrf_token"].as_str().map(str::to_owned)
        } else {
            let page = self.get("/sign-in/second-factor").await;
            let page = if page.status == 200 { page } else { self.get("/second-factor/enrol").await };
            extract_between(&page.body, "name=\"csrf\" value=\"", "\"")
        };
        self.csrf = token.clone();
        token
    }

    /// Sign in with a password; returns where the server sent the browser.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Reply {
        self.post_raw("/sign-in", &[("username", username), ("password", password)], &[]).await
    }
}

pub fn extract_between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(s[i..j].to_owned())
}
