//! The browser journey, in headless Chromium through WebDriver (Debian's chromium-driver):
//! sign in with password and a TOTP second factor, create an organisation and a user, sign out.
//!
//! Skipped when `chromedriver` is missing, unless `PALERMO_REQUIRE_BROWSER=1` (CI sets it).

use fantoccini::{ClientBuilder, Locator};
use palermo_testkit::{Engine, PASSWORD, TestApp};
use std::process::{Child, Command, Stdio};
use time::Duration;

fn chromedriver_path() -> Option<String> {
    let candidates = [
        std::env::var("PALERMO_CHROMEDRIVER").unwrap_or_default(),
        "/usr/bin/chromedriver".into(),
    ];
    match candidates
        .into_iter()
        .find(|p| !p.is_empty() && std::path::Path::new(p).exists())
    {
        Some(p) => Some(p),
        None => {
            if std::env::var("PALERMO_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!(
                    "PALERMO_REQUIRE_BROWSER=1 but chromedriver was not found: install chromium and chromium-driver"
                );
            }
            eprintln!("skipping the browser test: chromedriver not found");
            None
        }
    }
}

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver(path: &str) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (Driver(child), url)
}

async fn browser(driver_url: &str, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": args, "binary": "/usr/bin/chromium"}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("WebDriver session")
}

async fn fill(b: &fantoccini::Client, id: &str, text: &str) {
    let el = b
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn click(b: &fantoccini::Client, id: &str) {
    b.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn path_of(b: &fantoccini::Client) -> String {
    b.current_url().await.unwrap().path().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_sign_in_with_totp_create_organisation_and_user_sign_out() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());

    // Sign in with the password; the administrator's role requires an authenticator.
    b.goto(&format!("{base}/sign-in")).await.unwrap();
    fill(&b, "username", "root").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "sign-in").await;
    assert_eq!(path_of(&b).await, "/second-factor/enrol");
    let secret = b
        .find(Locator::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    fill(&b, "code", &app.totp_now(secret.trim())).await;
    click(&b, "verify").await;
    assert_eq!(path_of(&b).await, "/");
    assert!(
        b.find(Locator::Id("welcome"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Test root")
    );

    // Create an organisation.
    b.goto(&format!("{base}/organisations")).await.unwrap();
    fill(&b, "name", "Harbour Light Shelter").await;
    b.find(Locator::Css("#org_type option[value='NGO']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Css("#sector option[value='shelter']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&b, "region", "south").await;
    click(&b, "create-organisation").await;
    assert!(path_of(&b).await.starts_with("/organisations/"));
    assert!(b.source().await.unwrap().contains("Harbour Light Shelter"));

    // Create a user in it; first with a too-short password, which is refused next to the field.
    fill(&b, "username", "rosa.m").await;
    fill(&b, "display_name", "Rosa Mendes").await;
    click(&b, "role-case_worker").await;
    fill(&b, "password", "short").await;
    click(&b, "create-user").await;
    let page = b.source().await.unwrap();
    assert!(
        page.contains("12 to 1024 characters"),
        "validation message shown"
    );
    assert_eq!(
        b.find(Locator::Id("display_name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Rosa Mendes"),
        "input kept"
    );
    fill(&b, "password", "a long enough pass phrase").await;
    fill(&b, "contact", "rosa@example.invalid").await;
    click(&b, "create-user").await;
    assert!(path_of(&b).await.starts_with("/users/"));
    assert_eq!(
        b.find(Locator::Id("contact"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "rosa@example.invalid"
    );

    // Sign out, then in again with password + TOTP (a later code: codes are single-use).
    click(&b, "sign-out").await;
    assert_eq!(path_of(&b).await, "/sign-in");
    b.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(path_of(&b).await, "/sign-in", "signed out");
    fill(&b, "username", "root").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "sign-in").await;
    assert_eq!(path_of(&b).await, "/sign-in/second-factor");
    app.clock.advance(Duration::seconds(30));
    fill(&b, "code", &app.totp_now(secret.trim())).await;
    click(&b, "verify").await;
    assert_eq!(path_of(&b).await, "/");
    click(&b, "sign-out").await;
    assert_eq!(path_of(&b).await, "/sign-in");

    let _ = b.close().await;
    let created = app
        .app
        .user_by_username("rosa.m")
        .await
        .unwrap()
        .expect("user created through the browser");
    assert_eq!(created.display_name, "Rosa Mendes");
    app.stop().await;
}
