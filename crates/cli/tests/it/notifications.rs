//! E-mail notifications through a real SMTP server (Python's aiosmtpd, Debian package
//! `python3-aiosmtpd`, writing what it receives to a maildir), on both engines: a referral
//! offered, a referral answered and a transfer offered each reach the right people and say no
//! more than what is waiting and where; a contact that is not an e-mail address is skipped; a
//! relay that is down gets the message later (the notice was queued with the change).

use crate::coordination::{consent, open_case, world};
use palermo_testkit::{Engine, TestApp};
use serde_json::json;
use std::path::{Path, PathBuf};
use time::Duration;

const PYTHON: &str = "/usr/bin/python3";

fn smtp_available() -> bool {
    let ok = std::process::Command::new(PYTHON).args(["-c", "import aiosmtpd"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("PALERMO_REQUIRE_SMTP").is_err(),
            "PALERMO_REQUIRE_SMTP is set but {PYTHON} cannot import aiosmtpd (apt-get install python3-aiosmtpd)"
        );
        eprintln!("skipping the e-mail test: {PYTHON} cannot import aiosmtpd");
    }
    ok
}

/// A real SMTP server on `port` that keeps every message in `maildir`.
struct SmtpServer(std::process::Child);

impl SmtpServer {
    /// Start it on a free port and return it with the port. A port found free may be taken by
    /// another test before the server binds it (and then a plain connect would succeed against
    /// the wrong listener): [`SmtpServer::start_on`] checks that the port is this server's, and
    /// on such a race another port is tried.
    async fn start(maildir: &Path) -> (SmtpServer, u16) {
        for _ in 0..10 {
            let port = free_port();
            if let Some(server) = SmtpServer::start_on(port, maildir).await {
                return (server, port);
            }
        }
        panic!("no SMTP server could be started");
    }

    /// Start it on `port`; `None` if the port is not its own (the process ended, or the port
    /// does not greet in SMTP).
    async fn start_on(port: u16, maildir: &Path) -> Option<SmtpServer> {
        let child = std::process::Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut server = SmtpServer(child);
        for _ in 0..100 {
            if server.0.try_wait().unwrap().is_some() {
                return None;
            }
            if greets_in_smtp(port).await {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }
}

/// Whether the listener on `port` answers with an SMTP greeting ("220 …").
async fn greets_in_smtp(port: u16) -> bool {
    use tokio::io::AsyncReadExt;
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return false };
    let mut greeting = [0u8; 3];
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), stream.read_exact(&mut greeting)).await,
        Ok(Ok(_)) if &greeting == b"220"
    )
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Every message in the maildir, as text.
fn messages(maildir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(dir) = std::fs::read_dir(maildir.join(sub)) {
            for e in dir.flatten() {
                // Undo quoted-printable's soft line breaks and the one escape a URL can carry.
                let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
                out.push(raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="));
            }
        }
    }
    out
}

/// Wait for a message to `to` whose text contains `needle`.
async fn wait_message(maildir: &Path, to: &str, needle: &str) -> String {
    for _ in 0..150 {
        if let Some(m) = messages(maildir).into_iter().find(|m| m.contains(&format!("To: {to}")) && m.contains(needle)) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message to {to} containing {needle:?}; received: {:#?}", messages(maildir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_notifications_sqlite() {
    email_notifications(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_notifications_postgres() {
    email_notifications(Engine::Postgres).await;
}

/// The relay first, on a port known to be its own; then the application, told that port (and
/// adjusted further by `adjust`). `None` when the engine is not available.
async fn spawn_with_relay(
    engine: Engine,
    name: &str,
    adjust: impl FnOnce(&mut palermo_service::config::Config),
) -> Option<(TestApp, SmtpServer, u16, PathBuf)> {
    let maildir: PathBuf = std::env::temp_dir().join(format!("palermo-{name}-{}-{engine:?}", std::process::id()));
    let (server, port) = SmtpServer::start(&maildir).await;
    let app = TestApp::spawn_with(engine, |c| {
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.from = "Palermo <palermo@nrm.example.invalid>".into();
        c.smtp.base_url = "https://palermo.example.invalid/".into();
        c.smtp.poll_seconds = 1;
        adjust(c);
    })
    .await?;
    Some((app, server, port, maildir))
}

async fn email_notifications(engine: Engine) {
    if !smtp_available() {
        return;
    }
    let Some((app, server, port, maildir)) = spawn_with_relay(engine, "mail", |_| {}).await else { return };
    let w = world(&app).await;
    let shelter_org = app
        .app
        .list_organisations(&palermo_service::admin::Caller::Console, &palermo_service::RequestMeta::cli())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Safe Shelter")
        .unwrap();
    app.user(&shelter_org, "shelter-cw", &["case_worker"]).await;
    // A provider whose contact is a telephone number: no e-mail for them.
    let phone_only = app
        .app
        .create_user(
            &palermo_service::admin::Caller::Console,
            &palermo_service::admin::NewUser {
                organisation_id: shelter_org.id.to_string(),
                username: "night-desk".into(),
                display_name: "Night desk".into(),
                roles: vec!["service_provider".into()],
                password: palermo_testkit::PASSWORD.into(),
                contact: "+381 11 222 333".into(),
            },
            &palermo_service::RequestMeta::cli(),
        )
        .await
        .unwrap();
    let mut fr = app.signed_in("responder").await;
    let mut shelter = app.signed_in("shelter-user").await;
    let r = shelter
        .post_json("/api/v1/services", &json!({"kind": "accommodation", "name": "Women's shelter", "regions": "north", "capacity": "3"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let beds = r.json()["id"].as_str().unwrap().to_owned();
    let id = open_case(&app, &mut fr, &w, "24").await;
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "given")).await.status, 200);

    // An urgent referral: the shelter's provider and case worker are told, with a link, nothing more.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds, "urgent": true})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let referral = r.json()["id"].as_str().unwrap().to_owned();
    let m = wait_message(&maildir, "shelter-user@example.invalid", "urgent referral").await;
    assert!(m.contains("From: Palermo <palermo@nrm.example.invalid>"), "{m}");
    assert!(m.contains("https://palermo.example.invalid/coordination"), "{m}");
    let case_ref = fr.get(&format!("/api/v1/cases/{id}")).await.json()["reference"].as_str().unwrap().to_owned();
    for secret in ["Elena", "Testperson", case_ref.as_str(), id.as_str()] {
        assert!(!m.contains(secret), "{secret} must not be in an e-mail: {m}");
    }
    wait_message(&maildir, "shelter-cw@example.invalid", "urgent referral").await;
    let mut skipped = Vec::new();
    for _ in 0..50 {
        skipped = app.app.notifications_of(phone_only.id).await.unwrap();
        if skipped.first().is_some_and(|n| n.status != "pending") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(skipped.first().map(|n| n.status.as_str()), Some("no_address"), "a telephone contact gets no e-mail");
    assert!(!messages(&maildir).iter().any(|m| m.contains("outsider@")), "nobody outside the shelter is told");
    // Opening a staff member's address to send is a sealed read like any other: audited.
    let audit = app.app.recent_audit(&palermo_service::admin::Caller::Console, 100, &palermo_service::RequestMeta::cli()).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "user.contact_read"
            && e.purpose.as_deref().is_some_and(|p| p.starts_with("e-mail notification "))
            && e.request_id.as_deref() == Some("email-outbox")),
        "the contact read for sending is audited"
    );

    // Accepted: the sender hears back, with a link to the case.
    let r = shelter.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "accept"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = wait_message(&maildir, "responder@example.invalid", "your referral was accepted").await;
    assert!(m.contains(&format!("https://palermo.example.invalid/cases/{id}")), "{m}");

    // The relay is down when a transfer is offered: the notice waits and goes out once it is back.
    drop(server);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/transfer"),
            &json!({"to": w.shelter, "reason": "The shelter takes over the case management."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cw = app.app.user_by_username("shelter-cw").await.unwrap().unwrap();
    let mut waiting = Vec::new();
    for _ in 0..100 {
        waiting = app.app.notifications_of(cw.id).await.unwrap();
        if waiting.iter().any(|n| n.kind == "transfer_offered" && n.attempts > 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let offered = waiting.iter().find(|n| n.kind == "transfer_offered").unwrap();
    assert_eq!(offered.status, "pending", "kept for a retry: {offered:?}");
    assert!(offered.attempts >= 1 && offered.last_error.is_some(), "{offered:?}");
    let _server = SmtpServer::start_on(port, &maildir).await.expect("the relay starts again on its port");
    app.clock.advance(Duration::minutes(5));
    wait_message(&maildir, "shelter-cw@example.invalid", "a case is offered to your organisation").await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(&maildir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reads_are_paused_and_alerted_sqlite() {
    bulk_reads_are_paused_and_alerted(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reads_are_paused_and_alerted_postgres() {
    bulk_reads_are_paused_and_alerted(Engine::Postgres).await;
}

/// Security goal 8, as a synthetic insider: a competent-authority user opens the identities of
/// the directorate's cases one after another. Beyond the limit (here 3 people in 10 minutes)
/// the reads are refused, the auditor and the organisation's administrator get an e-mail, the
/// review page names the user and the people read, and the refusals are in the audit log. The
/// referrer's own cases stay open to the referrer; the pause ends with the window.
async fn bulk_reads_are_paused_and_alerted(engine: Engine) {
    if !smtp_available() {
        return;
    }
    let Some((app, _server, _port, maildir)) = spawn_with_relay(engine, "bulk-mail", |c| {
        c.security.bulk_read_people = 3;
        c.security.bulk_read_window_minutes = 10;
    })
    .await
    else {
        return;
    };
    let w = world(&app).await;
    let console = palermo_service::admin::Caller::Console;
    let cli = palermo_service::RequestMeta::cli();
    let orgs = app.app.list_organisations(&console, &cli).await.unwrap();
    let directorate = orgs.iter().find(|o| o.name == "Victim Directorate").unwrap();
    app.user(directorate, "director", &["administrator"]).await;
    let operator = orgs.iter().find(|o| o.name == "Coordination Office").unwrap();
    app.user(operator, "dpo", &["auditor"]).await;

    let mut fr = app.signed_in("responder").await;
    let mut cases = Vec::new();
    for _ in 0..5 {
        cases.push(open_case(&app, &mut fr, &w, "30").await);
    }
    // The responder's own referrals are their caseload: never counted.
    let mut people = Vec::new();
    for id in &cases {
        let r = fr.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        people.push(r.json()["person"]["reference"].as_str().unwrap().to_owned());
    }

    let mut insider = app.signed_in("authority").await;
    for id in &cases[..3] {
        let r = insider.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["person"]["identity"]["given_name"], "Elena");
    }
    assert_eq!(insider.get(&format!("/api/v1/cases/{}", cases[0])).await.status, 200, "the same person again is no new person");
    let paused = insider.get(&format!("/api/v1/cases/{}", cases[3])).await;
    assert_eq!(paused.status, 429, "{}", paused.body);
    assert_eq!(paused.json()["type"], "https://palermo.invalid/problems/reads-paused");
    assert!(!paused.body.contains("Elena") && !paused.body.contains(&people[3]), "{}", paused.body);
    let page = insider.get(&format!("/cases/{}", cases[4])).await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("outside your own caseload") && page.body.contains("data-protection officer"), "{}", page.body);
    assert!(!page.body.contains("Elena"));
    // Other readers are not affected.
    assert_eq!(fr.get(&format!("/api/v1/cases/{}", cases[3])).await.status, 200);

    // The alert: one, however many refusals, by e-mail to the operator's auditor and the
    // reader's administrator — saying what happened and where to look, naming nobody.
    for to in ["dpo@example.invalid", "director@example.invalid"] {
        let m = wait_message(&maildir, to, "identities read in bulk").await;
        assert!(m.contains("opened the identities of 3 people outside their own caseload within 10 minutes"), "{m}");
        assert!(m.contains("https://palermo.example.invalid/break-glass/review"), "{m}");
        for secret in ["Elena", "Testperson", "authority", people[0].as_str(), cases[0].as_str()] {
            assert!(!m.contains(secret), "{secret} must not be in an e-mail: {m}");
        }
    }
    assert!(!messages(&maildir).iter().any(|m| m.contains("To: outsider@") || m.contains("To: responder@")), "nobody else is told");
    let mut dpo = app.signed_in("dpo").await;
    assert!(dpo.get("/").await.body.contains("id=\"bulk-read-alert\""), "the auditor's home page shows the alert");
    let review = dpo.get("/break-glass/review").await;
    assert_eq!(review.status, 200);
    let table = palermo_testkit::extract_between(&review.body, "id=\"bulk-read-alerts\"", "</table>").expect("the alerts table");
    assert_eq!(table.matches("<tr>").count(), 2, "a header and one alert: {table}");
    assert!(table.contains("authority") && table.contains("Victim Directorate"), "{table}");
    for p in &people[..3] {
        assert!(table.contains(p.as_str()), "{p} is flagged: {table}");
    }
    assert!(!table.contains(&people[3]) && !table.contains("Elena"), "{table}");
    assert_eq!(insider.get("/break-glass/review").await.status, 403);

    // The audit log: both refusals, as denied reads of the identity, and the alert.
    let audit = app.app.recent_audit(&console, 200, &cli).await.unwrap();
    let refused: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "case.view" && e.purpose.as_deref() == Some("bulk_read_limit") && e.outcome == "denied")
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(audit.iter().filter(|e| e.action == "security.bulk_read_alert").count(), 1);

    // The window passes: the insider reads again (and a new burst would alert again).
    app.clock.advance(Duration::minutes(11));
    let mut insider = app.signed_in("authority").await;
    let r = insider.get(&format!("/api/v1/cases/{}", cases[3])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.stop().await;
    let _ = std::fs::remove_dir_all(&maildir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reads_count_person_pages_outside_the_caseload_sqlite() {
    bulk_reads_count_person_pages_outside_the_caseload(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reads_count_person_pages_outside_the_caseload_postgres() {
    bulk_reads_count_person_pages_outside_the_caseload(Engine::Postgres).await;
}

/// The person page passes the same watch: the person's registrar reads their records freely; a
/// colleague of the same organisation, at a limit of one person, is paused at the second.
async fn bulk_reads_count_person_pages_outside_the_caseload(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.security.bulk_read_people = 1).await else { return };
    world(&app).await;
    let orgs = app.app.list_organisations(&palermo_service::admin::Caller::Console, &palermo_service::RequestMeta::cli()).await.unwrap();
    app.user(orgs.iter().find(|o| o.name == "City Police").unwrap(), "colleague", &["first_responder"]).await;
    let mut fr = app.signed_in("responder").await;
    let (a, _) = crate::duplicates::person(&mut fr, json!({"given_name": "Anna", "family_name": "Ferreira", "sex": "Feminine"})).await;
    let (b, _) = crate::duplicates::person(&mut fr, json!({"given_name": "Bianca", "family_name": "Sousa", "sex": "Feminine"})).await;
    for p in [&a, &b, &a] {
        assert_eq!(fr.get(&format!("/api/v1/persons/{p}")).await.status, 200, "the registrar's own records are never counted");
    }
    let mut colleague = app.signed_in("colleague").await;
    let r = colleague.get(&format!("/api/v1/persons/{a}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = colleague.get(&format!("/api/v1/persons/{b}")).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(!r.body.contains("Bianca"));
    assert_eq!(colleague.get(&format!("/persons/{b}")).await.status, 429);
    app.stop().await;
}
