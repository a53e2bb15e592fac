//! The browser journey, in headless Chromium through WebDriver (Debian's chromium-driver):
//! sign in with password and a TOTP second factor, create an organisation and a user, sign out;
//! then a first responder records a person, finds them by name and reads the record.
//!
//! Skipped when `chromedriver` is missing, unless `PALERMO_REQUIRE_BROWSER=1` (CI sets it).

use fantoccini::{ClientBuilder, Locator};
use palermo_testkit::{Engine, PASSWORD, TestApp};
use std::process::{Child, Command, Stdio};
use time::Duration;

fn chromedriver_path() -> Option<String> {
    let candidates = [std::env::var("PALERMO_CHROMEDRIVER").unwrap_or_default(), "/usr/bin/chromedriver".into()];
    match candidates.into_iter().find(|p| !p.is_empty() && std::path::Path::new(p).exists()) {
        Some(p) => Some(p),
        None => {
            if std::env::var("PALERMO_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("PALERMO_REQUIRE_BROWSER=1 but chromedriver was not found: install chromium and chromium-driver");
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
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child =
        Command::new(path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
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
    caps.insert("goog:chromeOptions".into(), serde_json::json!({"args": args, "binary": "/usr/bin/chromium"}));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("WebDriver session")
}

/// An element by id, waiting for the page to show it.
async fn el(b: &fantoccini::Client, id: &str) -> fantoccini::elements::Element {
    let found = b.wait().at_most(std::time::Duration::from_secs(10)).for_element(Locator::Id(id)).await;
    match found {
        Ok(e) => e,
        Err(e) => panic!("#{id} not found on {}: {e}\n{}", path_of(b).await, b.source().await.unwrap_or_default()),
    }
}

/// Wait until the browser is on a page whose path satisfies `ok` (navigation after a click
/// completes asynchronously).
async fn wait_path(b: &fantoccini::Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let p = path_of(b).await;
        if ok(&p) && b.find(Locator::Css("footer")).await.is_ok() {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("expected {what}, still on {}:\n{}", path_of(b).await, b.source().await.unwrap_or_default());
}

async fn fill(b: &fantoccini::Client, id: &str, text: &str) {
    let el = el(b, id).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn click(b: &fantoccini::Client, id: &str) {
    el(b, id).await.click().await.unwrap();
}

async fn path_of(b: &fantoccini::Client) -> String {
    b.current_url().await.unwrap().path().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_sign_in_with_totp_create_organisation_and_user_sign_out() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    // Plain HTTP on localhost: the one case where cookies are not marked Secure (Chromium
    // refuses Secure cookies from an http:// origin).
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let police = app.org("Border Police East", "police").await;
    app.user(&police, "officer", &["first_responder"]).await;
    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());

    // Sign in with the password; the administrator's role requires an authenticator.
    b.goto(&format!("{base}/sign-in")).await.unwrap();
    fill(&b, "username", "root").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "sign-in").await;
    wait_path(&b, "the enrolment page", |p| p == "/second-factor/enrol").await;
    let secret = el(&b, "totp-secret").await.text().await.unwrap();
    fill(&b, "code", &app.totp_now(secret.trim())).await;
    click(&b, "verify").await;
    wait_path(&b, "home", |p| p == "/").await;
    assert!(el(&b, "welcome").await.text().await.unwrap().contains("Test root"));

    // Create an organisation.
    b.goto(&format!("{base}/organisations")).await.unwrap();
    fill(&b, "name", "Harbour Light Shelter").await;
    el(&b, "org_type").await.find(Locator::Css("option[value='NGO']")).await.unwrap().click().await.unwrap();
    el(&b, "sector").await.find(Locator::Css("option[value='shelter']")).await.unwrap().click().await.unwrap();
    fill(&b, "region", "south").await;
    click(&b, "create-organisation").await;
    wait_path(&b, "the new organisation", |p| p.starts_with("/organisations/")).await;
    assert!(b.source().await.unwrap().contains("Harbour Light Shelter"));

    // Create a user in it; first with a too-short password, which is refused next to the field.
    fill(&b, "username", "rosa.m").await;
    fill(&b, "display_name", "Rosa Mendes").await;
    click(&b, "role-case_worker").await;
    fill(&b, "password", "short").await;
    click(&b, "create-user").await;
    wait_path(&b, "the form again", |p| p.ends_with("/users")).await;
    assert!(el(&b, "form-errors").await.text().await.unwrap().contains("12 to 1024 characters"), "validation message shown");
    assert_eq!(el(&b, "display_name").await.prop("value").await.unwrap().as_deref(), Some("Rosa Mendes"), "input kept");
    fill(&b, "password", "a long enough pass phrase").await;
    fill(&b, "contact", "rosa@example.invalid").await;
    click(&b, "create-user").await;
    wait_path(&b, "the new user", |p| p.starts_with("/users/")).await;
    assert_eq!(el(&b, "contact").await.text().await.unwrap(), "rosa@example.invalid");

    // Sign out, then in again with password + TOTP (a later code: codes are single-use).
    click(&b, "sign-out").await;
    wait_path(&b, "the sign-in page", |p| p == "/sign-in").await;
    b.goto(&format!("{base}/")).await.unwrap();
    wait_path(&b, "the sign-in page (signed out)", |p| p == "/sign-in").await;
    fill(&b, "username", "root").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "sign-in").await;
    wait_path(&b, "the second-factor page", |p| p == "/sign-in/second-factor").await;
    app.clock.advance(Duration::seconds(30));
    fill(&b, "code", &app.totp_now(secret.trim())).await;
    click(&b, "verify").await;
    wait_path(&b, "home", |p| p == "/").await;
    click(&b, "sign-out").await;
    wait_path(&b, "the sign-in page", |p| p == "/sign-in").await;

    // A first responder records a person, finds them again by name, and reads the record.
    fill(&b, "username", "officer").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "sign-in").await;
    wait_path(&b, "the enrolment page", |p| p == "/second-factor/enrol").await;
    let officer_secret = el(&b, "totp-secret").await.text().await.unwrap();
    fill(&b, "code", &app.totp_now(officer_secret.trim())).await;
    click(&b, "verify").await;
    wait_path(&b, "home", |p| p == "/").await;
    b.goto(&format!("{base}/persons/new")).await.unwrap();
    fill(&b, "given_name", "Nadia").await;
    fill(&b, "family_name", "Moroz").await;
    fill(&b, "name_native", "Надія Мороз").await;
    fill(&b, "date_of_birth", "31/12/2001").await;
    el(&b, "sex").await.find(Locator::Css("option[value='Feminine']")).await.unwrap().click().await.unwrap();
    fill(&b, "citizenships", "UKR").await;
    click(&b, "create-person").await;
    wait_path(&b, "the form again", |p| p == "/persons").await;
    assert!(el(&b, "form-errors").await.text().await.unwrap().contains("YYYY-MM-DD"), "the date error is explained");
    assert_eq!(el(&b, "given_name").await.prop("value").await.unwrap().as_deref(), Some("Nadia"), "input kept");
    fill(&b, "date_of_birth", "2001-12-31").await;
    click(&b, "create-person").await;
    let person_path = wait_path(&b, "the person", |p| p.starts_with("/persons/") && p.len() > 20).await;
    let reference = el(&b, "reference").await.text().await.unwrap();
    assert!(reference.starts_with("P-2026-"), "{reference}");
    assert!(el(&b, "identity").await.text().await.unwrap().contains("Надія Мороз"));
    b.goto(&format!("{base}/persons")).await.unwrap();
    fill(&b, "query", "nadia").await;
    click(&b, "search").await;
    wait_path(&b, "results", |p| p == "/persons/search").await;
    let results = el(&b, "results").await;
    results.find(Locator::Css("a")).await.unwrap().click().await.unwrap();
    wait_path(&b, "the person again", |p| p == person_path).await;
    click(&b, "sign-out").await;
    wait_path(&b, "the sign-in page", |p| p == "/sign-in").await;

    let _ = b.close().await;
    let created = app.app.user_by_username("rosa.m").await.unwrap().expect("user created through the browser");
    assert_eq!(created.display_name, "Rosa Mendes");
    app.stop().await;
}

/// Sign in through the pages, enrolling or answering the second factor as needed (codes are
/// single-use, so the clock moves to the next step first).
async fn sign_in(
    b: &fantoccini::Client,
    app: &TestApp,
    base: &str,
    username: &str,
    secrets: &mut std::collections::HashMap<String, String>,
) {
    sign_in_with(b, app, base, username, PASSWORD, secrets).await;
}

async fn sign_in_with(
    b: &fantoccini::Client,
    app: &TestApp,
    base: &str,
    username: &str,
    password: &str,
    secrets: &mut std::collections::HashMap<String, String>,
) {
    b.goto(&format!("{base}/sign-in")).await.unwrap();
    fill(b, "username", username).await;
    fill(b, "password", password).await;
    click(b, "sign-in").await;
    let p = wait_path(b, "the second factor (or home, for a role without one)", |p| {
        p == "/second-factor/enrol" || p == "/sign-in/second-factor" || p == "/"
    })
    .await;
    if p == "/" {
        return;
    }
    if p == "/second-factor/enrol" {
        let secret = el(b, "totp-secret").await.text().await.unwrap().trim().to_owned();
        fill(b, "code", &app.totp_now(&secret)).await;
        secrets.insert(username.to_owned(), secret);
    } else {
        app.clock.advance(Duration::seconds(30));
        fill(b, "code", &app.totp_now(&secrets[username])).await;
    }
    click(b, "verify").await;
    wait_path(b, "home", |p| p == "/").await;
}

async fn sign_out(b: &fantoccini::Client) {
    click(b, "sign-out").await;
    wait_path(b, "the sign-in page", |p| p == "/sign-in").await;
}

async fn check(b: &fantoccini::Client, css: &str) {
    let e = b.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    if !e.is_selected().await.unwrap() {
        e.click().await.unwrap();
    }
}

async fn select(b: &fantoccini::Client, id: &str, value: &str) {
    el(b, id).await.find(Locator::Css(&format!("option[value='{value}']"))).await.unwrap().click().await.unwrap();
}

async fn set_date(b: &fantoccini::Client, id: &str, value: &str) {
    b.execute(&format!("document.getElementById('{id}').value = '{value}'"), vec![]).await.unwrap();
}

async fn record_person(b: &fantoccini::Client, base: &str, given: &str, age: &str) -> String {
    b.goto(&format!("{base}/persons/new")).await.unwrap();
    fill(b, "given_name", given).await;
    fill(b, "family_name", "Aliyeva").await;
    select(b, "sex", "Feminine").await;
    fill(b, "age_at_identification", age).await;
    click(b, "create-person").await;
    wait_path(b, "the person", |p| p.starts_with("/persons/") && p.len() > 20).await;
    el(b, "reference").await.text().await.unwrap()
}

/// The NRM in a real browser: a first responder screens an adult (indicators met, consent
/// required and then given) and a child (no consent needed) and refers them; the competent
/// authority takes a positive RG decision and the clock shows the recovery period; 31 days
/// later the CG decision; an unrelated organisation gets "not found", uses break-glass with a
/// reason, and the auditor sees it on the review page; the auditor, as data-protection officer,
/// erases the adult's identity on request, and her case page says so without her name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_screening_referral_decisions_and_break_glass() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let op = app.operator_org().await;
    let police = app.org("Border Police East", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let other = app.org("Unrelated NGO", "ngo_outreach").await;
    app.user(&police, "officer", &["first_responder"]).await;
    app.user(&directorate, "decider", &["competent_authority"]).await;
    app.user(&other, "outsider", &["case_worker"]).await;
    app.user(&op, "auditor", &["auditor"]).await;
    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-nrm");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();

    // The first responder screens an adult for labour exploitation.
    sign_in(&b, &app, &base, "officer", &mut secrets).await;
    let adult = record_person(&b, &base, "Leyla", "27").await;
    click(&b, "screen-person").await;
    wait_path(&b, "the screening form", |p| p == "/cases/new").await;
    assert_eq!(el(&b, "person").await.prop("value").await.unwrap().as_deref(), Some(adult.as_str()));
    set_date(&b, "screened_on", "2026-11-17").await;
    check(&b, "input[name='acts'][value='recruitment']").await;
    check(&b, "input[name='means'][value='deception']").await;
    check(&b, "input[name='purposes'][value='forced_labour_or_services']").await;
    for code in ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"] {
        click(&b, &format!("ind-{code}")).await;
    }
    select(&b, "competent_authority", &directorate.id.to_string()).await;
    // No consent yet: refused next to the field, everything typed is kept.
    click(&b, "open-case").await;
    wait_path(&b, "the form again", |p| p == "/cases").await;
    assert!(el(&b, "form-errors").await.text().await.unwrap().contains("referral_consent"));
    assert!(el(&b, "ind-CD.03").await.is_selected().await.unwrap(), "indicators kept");
    select(&b, "referral_consent", "given").await;
    select(&b, "consent_form", "written").await;
    click(&b, "open-case").await;
    let adult_case = wait_path(&b, "the case", |p| p.starts_with("/cases/") && p.len() > 20).await;
    assert_eq!(el(&b, "stage").await.text().await.unwrap(), "Referred: awaiting the reasonable-grounds decision");
    assert!(el(&b, "suggestion").await.text().await.unwrap().contains("refer as a presumed victim"));
    let positive = el(&b, "positive-dimensions").await.text().await.unwrap();
    assert!(positive.contains("Exploitative conditions") && positive.contains("Coercion at destination"), "{positive}");
    let recorded = el(&b, "screening-indicators").await.text().await.unwrap();
    assert!(recorded.contains("CD.03 Isolation, confinement or surveillance (strong)"), "the indicators in the list's words: {recorded}");
    assert!(el(&b, "next-deadline").await.text().await.unwrap().contains("2026-11-25"));
    let adult_ref = el(&b, "case-reference").await.text().await.unwrap();

    // A child screened for sexual exploitation: no means, no consent needed.
    let child = record_person(&b, &base, "Aysel", "15").await;
    b.goto(&format!("{base}/cases/new?person={child}&population=child&exploitation_form=sexual")).await.unwrap();
    assert!(el(&b, "list-warning").await.text().await.unwrap().contains("provisional"), "unverified list flagged");
    set_date(&b, "screened_on", "2026-11-18").await;
    check(&b, "input[name='acts'][value='recruitment']").await;
    check(&b, "input[name='purposes'][value='exploitation_of_prostitution_of_others']").await;
    click(&b, "ind-EX.01").await;
    click(&b, "ind-EX.03").await;
    select(&b, "competent_authority", &directorate.id.to_string()).await;
    fill(&b, "exploitation_country", "tur").await;
    click(&b, "open-case").await;
    wait_path(&b, "the child's case", |p| p.starts_with("/cases/") && p.len() > 20).await;
    assert_eq!(el(&b, "stage").await.text().await.unwrap(), "Referred: awaiting the reasonable-grounds decision");
    assert_eq!(el(&b, "exploitation-country").await.text().await.unwrap(), "TUR", "recorded as the ISO code");
    assert!(el(&b, "screening").await.text().await.unwrap().contains("child"));
    sign_out(&b).await;

    // The competent authority finds the case in its list and takes a positive RG decision.
    sign_in(&b, &app, &base, "decider", &mut secrets).await;
    b.goto(&format!("{base}/cases")).await.unwrap();
    b.find(Locator::LinkText(&adult_ref)).await.unwrap().click().await.unwrap();
    wait_path(&b, "the case", |p| p == adult_case).await;
    assert_eq!(el(&b, "awaited-decision").await.text().await.unwrap(), "Reasonable-grounds decision");
    select(&b, "outcome", "positive").await;
    set_date(&b, "decided_on", "2026-11-18").await;
    fill(&b, "reasons", "Consistent account; passport held by the employer.").await;
    click(&b, "take-decision").await;
    // The form posts back to the same path: wait for the new page's stage, not the path.
    wait_text(&b, "stage", "Recovery and reflection period").await;
    let clock = el(&b, "recovery-period").await.text().await.unwrap();
    assert!(clock.contains("2026-12-18"), "{clock}");
    assert!(el(&b, "timeline").await.text().await.unwrap().contains("passport held by the employer"));

    // 31 days later: the conclusive-grounds decision.
    app.clock.advance(Duration::days(31));
    sign_in(&b, &app, &base, "decider", &mut secrets).await;
    b.goto(&format!("{base}{adult_case}")).await.unwrap();
    assert_eq!(el(&b, "awaited-decision").await.text().await.unwrap(), "Conclusive-grounds decision");
    select(&b, "outcome", "positive").await;
    set_date(&b, "decided_on", "2026-12-19").await;
    set_date(&b, "told_on", "2026-12-19").await;
    fill(&b, "reasons", "Labour inspection corroborated the account.").await;
    click(&b, "take-decision").await;
    wait_text(&b, "stage", "Assistance (recognised victim)").await;
    sign_out(&b).await;

    // An unrelated organisation: "not found"; break-glass with a reason opens it.
    sign_in(&b, &app, &base, "outsider", &mut secrets).await;
    b.goto(&format!("{base}{adult_case}")).await.unwrap();
    assert!(b.find(Locator::Id("case-reference")).await.is_err(), "the case is hidden");
    assert!(b.source().await.unwrap().contains("not found") || b.source().await.unwrap().contains("Not found"));
    b.goto(&format!("{base}/break-glass")).await.unwrap();
    fill(&b, "reference", &adult_ref).await;
    fill(&b, "reason", "Person reported missing from the shelter tonight").await;
    click(&b, "break-glass").await;
    wait_path(&b, "the case through break-glass", |p| p == adult_case).await;
    assert!(el(&b, "break-glass-active").await.is_displayed().await.unwrap());
    sign_out(&b).await;

    // The auditor reviews emergency accesses.
    sign_in(&b, &app, &base, "auditor", &mut secrets).await;
    b.goto(&format!("{base}/break-glass/review")).await.unwrap();
    let review = el(&b, "break-glass-review").await.text().await.unwrap();
    assert!(review.contains(&adult_ref) && review.contains("missing from the shelter"), "{review}");
    assert!(el(&b, "bulk-read-none").await.is_displayed().await.unwrap(), "nobody read identities in bulk");
    // As the data-protection officer, the auditor erases the adult's identity on request.
    b.goto(&format!("{base}/erasure")).await.unwrap();
    fill(&b, "person", &adult).await;
    fill(&b, "request", "Request 2026/21 of 30 November, art. 17(1)(a)").await;
    click(&b, "erase").await;
    wait_text(&b, "erasure-done", &adult).await;
    let erased = el(&b, "erasures").await.text().await.unwrap();
    assert!(erased.contains(&adult) && erased.contains("Request 2026/21"), "{erased}");
    sign_out(&b).await;
    // The first responder's case page no longer shows her name, and says why.
    sign_in(&b, &app, &base, "officer", &mut secrets).await;
    b.goto(&format!("{base}{adult_case}")).await.unwrap();
    let note = el(&b, "identity-erased").await.text().await.unwrap();
    assert!(note.contains("erased on request"), "{note}");
    assert!(!b.source().await.unwrap().contains("Leyla"));
    sign_out(&b).await;
    let _ = b.close().await;
    app.stop().await;
}

/// Wait until the element `id` contains `needle` (for a form that posts and comes back to the
/// same page: the path alone does not tell that the new page has loaded).
async fn wait_text(b: &fantoccini::Client, id: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = b.find(Locator::Id(id)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(needle) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("#{id} never contained {needle:?}; last: {last}");
}

fn actor_of(u: &palermo_service::admin::UserView) -> palermo_service::palermo_domain::policy::Actor {
    palermo_service::palermo_domain::policy::Actor {
        user_id: u.id,
        org_id: u.organisation_id,
        org_is_operator: false,
        roles: palermo_service::palermo_domain::role::Roles::new(u.roles.iter().copied()),
    }
}

/// Coordination in a real browser: the shelter lists its beds; the first responder finds a
/// shelter with a free bed for the person, is refused while the person's consent to that
/// shelter is missing (the message names it), records the consent and refers, and sends an
/// emergency referral to a clinic; the shelter accepts from its inbox and records accommodation
/// and a medical check; the coordinator sees the emergency override.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_directory_referral_acceptance_and_override() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    use palermo_service::RequestMeta;
    use palermo_service::admin::Caller;
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let op = app.operator_org().await;
    let police = app.org("Border Police East", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let shelter = app.org("Harbour Shelter", "shelter").await;
    let clinic = app.org("Harbour Clinic", "health").await;
    let officer = app.user(&police, "officer", &["first_responder"]).await;
    app.user(&directorate, "decider", &["competent_authority"]).await;
    app.user(&shelter, "shelter-worker", &["service_provider"]).await;
    let clinic_worker = app.user(&clinic, "clinic-worker", &["service_provider"]).await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    let meta = RequestMeta::cli();
    // The clinic's entry and the person's case, through the service (the pages for these are
    // tested elsewhere).
    let care = palermo_service::coordination::NewService {
        kind: "medical".into(),
        name: "Walk-in care".into(),
        regions: "north".into(),
        ..Default::default()
    };
    app.app.add_service(&Caller::User(actor_of(&clinic_worker)), &care, &meta).await.unwrap();
    let fr = Caller::User(actor_of(&officer));
    let person: palermo_service::persons::NewPerson = serde_json::from_value(serde_json::json!({
        "given_name": "Leyla", "family_name": "Aliyeva", "sex": "Feminine", "age_at_identification": "30"
    }))
    .unwrap();
    let person = app.app.create_person(&fr, &person, &meta).await.unwrap();
    let case: palermo_service::cases::NewCase = serde_json::from_value(serde_json::json!({
        "kind": "referral", "person": person.reference, "screened_on": "2026-11-17", "population": "adult", "exploitation_form": "labour",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
        "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"], "competent_authority": directorate.id.to_string(),
        "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    }))
    .unwrap();
    let case = app.app.open_case(&fr, &case, &meta).await.unwrap();
    let case_path = format!("/cases/{}", case.id);

    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-coordination");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();

    // The shelter lists its beds in the directory.
    sign_in(&b, &app, &base, "shelter-worker", &mut secrets).await;
    b.goto(&format!("{base}/services")).await.unwrap();
    select(&b, "new-kind", "accommodation").await;
    fill(&b, "new-name", "Harbour beds").await;
    fill(&b, "new-regions", "north, coast").await;
    fill(&b, "new-languages", "ro, en").await;
    fill(&b, "new-capacity", "3").await;
    select(&b, "new-sexes", "female").await;
    click(&b, "add-service").await;
    wait_path(&b, "the directory", |p| p == "/services").await;
    assert!(el(&b, "own-services").await.text().await.unwrap().contains("Harbour beds"));
    sign_out(&b).await;

    // The first responder looks for a shelter with a free bed for a 30-year-old woman in the
    // north who speaks Romanian.
    sign_in(&b, &app, &base, "officer", &mut secrets).await;
    b.goto(&format!("{base}/services")).await.unwrap();
    select(&b, "kind", "accommodation").await;
    fill(&b, "region", "north").await;
    fill(&b, "language", "ro").await;
    fill(&b, "age", "30").await;
    select(&b, "sex", "female").await;
    check(&b, "#free").await;
    click(&b, "search-services").await;
    wait_path(&b, "the results", |p| p == "/services").await;
    let results = el(&b, "service-results").await.text().await.unwrap();
    assert!(results.contains("Harbour beds") && results.contains("3 / 3"), "{results}");

    // Referring without the person's consent to that shelter is refused, naming the consent.
    b.goto(&format!("{base}{case_path}")).await.unwrap();
    let beds = el(&b, "referral-service").await.find(Locator::XPath("option[contains(., 'Harbour beds')]")).await.unwrap();
    let beds_id = beds.prop("value").await.unwrap().unwrap();
    beds.click().await.unwrap();
    click(&b, "send-referral").await;
    let msg = el(&b, "referral-consent-error").await.text().await.unwrap();
    assert!(msg.contains("consent to a referral to Harbour Shelter is not on record"), "{msg}");
    // The consent, then the referral.
    select(&b, "purpose", "referral").await;
    select(&b, "recipient", &shelter.id.to_string()).await;
    select(&b, "consent-status", "given").await;
    set_date(&b, "consent-date", "2026-11-18").await;
    click(&b, "record-consent").await;
    wait_text(&b, "consents", "Harbour Shelter").await;
    select(&b, "referral-service", &beds_id).await;
    click(&b, "send-referral").await;
    wait_text(&b, "referral-list", "Sent").await;
    // An emergency referral to the clinic, with a written reason.
    let care_opt = el(&b, "referral-service").await.find(Locator::XPath("option[contains(., 'Walk-in care')]")).await.unwrap();
    care_opt.click().await.unwrap();
    fill(&b, "emergency_reason", "Bleeding wound; cannot wait for the consent interview").await;
    click(&b, "send-referral").await;
    wait_text(&b, "referral-list", "Emergency override").await;
    sign_out(&b).await;

    // The shelter accepts from its inbox, then records accommodation and a medical check.
    sign_in(&b, &app, &base, "shelter-worker", &mut secrets).await;
    b.goto(&format!("{base}/coordination")).await.unwrap();
    assert_eq!(el(&b, "open-received").await.text().await.unwrap(), "1");
    b.find(Locator::Css("button[id^='referral-accept-']")).await.unwrap().click().await.unwrap();
    wait_path(&b, "the case", |p| p == case_path).await;
    wait_text(&b, "referral-list", "Accepted").await;
    select(&b, "service-kind", "accommodation").await;
    select(&b, "service-outcome", "ongoing").await;
    click(&b, "record-service").await;
    wait_text(&b, "service-list", "Accommodation").await;
    select(&b, "service-kind", "medical").await;
    select(&b, "service-outcome", "provided").await;
    click(&b, "record-service").await;
    wait_text(&b, "service-list", "Medical care").await;
    // The shelter sees what the referral shares, not the screening.
    assert!(b.find(Locator::Id("screening")).await.is_err(), "no screening for the shelter");
    b.goto(&format!("{base}/coordination")).await.unwrap();
    assert_eq!(el(&b, "services-month").await.text().await.unwrap(), "2");
    assert_eq!(el(&b, "free-places").await.text().await.unwrap(), "2 / 3");
    sign_out(&b).await;

    // The coordinator sees the emergency override.
    sign_in(&b, &app, &base, "coordinator", &mut secrets).await;
    b.goto(&format!("{base}/coordination")).await.unwrap();
    let overrides = el(&b, "overrides").await.text().await.unwrap();
    assert!(overrides.contains("Harbour Clinic") && overrides.contains("Bleeding wound"), "{overrides}");
    sign_out(&b).await;
    let _ = b.close().await;
    app.stop().await;
}

/// A child's case in a real browser: the first responder records a reflection period, a
/// compensation claim, a risk assessment and a guardian's appointment from the case page, then
/// proposes to hand the case to an NGO (the child rule stands in for consent); the NGO's case
/// worker accepts it from its dashboard and finds the records on its new case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_child_records_and_transfer_of_ownership() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    use palermo_service::RequestMeta;
    use palermo_service::admin::Caller;
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let police = app.org("Border Police West", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let ngo = app.org("Children First NGO", "ngo_outreach").await;
    let officer = app.user(&police, "officer", &["first_responder"]).await;
    app.user(&ngo, "ngo-worker", &["case_worker"]).await;
    let meta = RequestMeta::cli();
    let fr = Caller::User(actor_of(&officer));
    let person: palermo_service::persons::NewPerson = serde_json::from_value(serde_json::json!({
        "given_name": "Mira", "family_name": "Novak", "sex": "Feminine", "age_at_identification": "16"
    }))
    .unwrap();
    let person = app.app.create_person(&fr, &person, &meta).await.unwrap();
    let case: palermo_service::cases::NewCase = serde_json::from_value(serde_json::json!({
        "kind": "referral", "person": person.reference, "screened_on": "2026-11-17", "population": "child", "exploitation_form": "labour",
        "acts": ["recruitment"], "purposes": ["forced_labour_or_services"], "competent_authority": directorate.id.to_string(),
        "exploitation_country": "XVR"
    }))
    .unwrap();
    let case = app.app.open_case(&fr, &case, &meta).await.unwrap();
    let case_path = format!("/cases/{}", case.id);

    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-transfer");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();

    sign_in(&b, &app, &base, "officer", &mut secrets).await;
    b.goto(&format!("{base}{case_path}")).await.unwrap();
    // A reflection period, granted.
    select(&b, "permit-kind", "reflection_period").await;
    select(&b, "permit-status", "granted").await;
    set_date(&b, "permit-valid_from", "2026-11-18").await;
    set_date(&b, "permit-valid_until", "2027-01-15").await;
    fill(&b, "permit-authority", "Immigration Office").await;
    click(&b, "record-permit").await;
    wait_text(&b, "permit-list", "Reflection period").await;
    // A claim for back pay, in euros and cents.
    select(&b, "claim-kind", "labour_back_pay").await;
    select(&b, "claim-status", "filed").await;
    fill(&b, "claim-currency", "EUR").await;
    fill(&b, "claim-claimed", "1250.50").await;
    set_date(&b, "claim-filed_on", "2026-11-18").await;
    click(&b, "record-claim").await;
    let claims = wait_text(&b, "claim-list", "Unpaid wages").await;
    assert!(claims.contains("1250.50"), "{claims}");
    // A risk assessment with a review date.
    select(&b, "risk-level", "medium").await;
    check(&b, "input[name='risk_to'][value='person']").await;
    check(&b, "input[name='safety_measures'][value='accompaniment']").await;
    set_date(&b, "review_on", "2027-01-15").await;
    click(&b, "record-risk").await;
    wait_text(&b, "risk-list", "Accompaniment").await;
    // The guardian's appointment (the NGO).
    select(&b, "child-kind", "guardian_appointment").await;
    select(&b, "guardian_organisation", &ngo.id.to_string()).await;
    click(&b, "record-child").await;
    wait_text(&b, "child-records", "Guardian appointed").await;
    // Hand the case to the NGO: a reason that is too short is named, then the transfer waits.
    select(&b, "transfer-to", &ngo.id.to_string()).await;
    fill(&b, "transfer-reason", "short").await;
    click(&b, "propose-transfer").await;
    wait_text(&b, "transfer", "10 to 500 characters").await;
    select(&b, "transfer-to", &ngo.id.to_string()).await;
    fill(&b, "transfer-reason", "The guardian's organisation takes the case on.").await;
    click(&b, "propose-transfer").await;
    wait_text(&b, "timeline", "Transfer of ownership proposed").await;
    sign_out(&b).await;

    // The NGO accepts from its dashboard and lands on its new case, records included.
    sign_in(&b, &app, &base, "ngo-worker", &mut secrets).await;
    b.goto(&format!("{base}/coordination")).await.unwrap();
    let offered = el(&b, "transfer-list").await.text().await.unwrap();
    assert!(offered.contains(&case.reference) && offered.contains("Child"), "{offered}");
    b.find(Locator::Css("button[id^='transfer-accept-']")).await.unwrap().click().await.unwrap();
    wait_path(&b, "the case", |p| p == case_path).await;
    wait_text(&b, "timeline", "Case ownership transferred").await;
    assert!(el(&b, "permit-list").await.text().await.unwrap().contains("Immigration Office"));
    assert!(el(&b, "child-records").await.text().await.unwrap().contains("Children First NGO"));
    assert_eq!(el(&b, "exploitation-country").await.text().await.unwrap(), "XVR");
    sign_out(&b).await;
    let _ = b.close().await;
    app.stop().await;
}

/// The duplicate review in a real browser: the police's first responder finds the pair the
/// linkage found (Oleksandr Shevchenko / Aleksandr Ševčenko, day and month swapped), sees both
/// records side by side, merges them (the second record's case moves to the first), then undoes
/// the merge; the auditor finds both steps in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_duplicate_review_merge_and_unmerge() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    use palermo_service::RequestMeta;
    use palermo_service::admin::Caller;
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let op = app.operator_org().await;
    let police = app.org("Border Police West", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let officer = app.user(&police, "officer", &["first_responder"]).await;
    app.user(&op, "auditor", &["auditor"]).await;
    let meta = RequestMeta::cli();
    let fr = Caller::User(actor_of(&officer));
    let mut refs = Vec::new();
    for (given, family, dob) in [("Oleksandr", "Shevchenko", "1988-04-12"), ("Aleksandr", "Ševčenko", "1988-12-04")] {
        let person: palermo_service::persons::NewPerson = serde_json::from_value(serde_json::json!({
            "given_name": given, "family_name": family, "sex": "Masculine", "date_of_birth": dob, "citizenships": "UKR"
        }))
        .unwrap();
        refs.push(app.app.create_person(&fr, &person, &meta).await.unwrap().reference);
    }
    let case: palermo_service::cases::NewCase = serde_json::from_value(serde_json::json!({
        "kind": "referral", "person": refs[1], "screened_on": "2026-11-17", "population": "adult", "exploitation_form": "labour",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"], "competent_authority": directorate.id.to_string(),
        "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    }))
    .unwrap();
    let case = app.app.open_case(&fr, &case, &meta).await.unwrap();
    let found = app.app.refresh_duplicates(&meta).await.unwrap();
    assert_eq!(found.candidates, 1, "{found:?}");

    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-duplicates");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();

    sign_in(&b, &app, &base, "officer", &mut secrets).await;
    b.goto(&format!("{base}/persons")).await.unwrap();
    click(&b, "duplicates-link").await;
    wait_path(&b, "the duplicate list", |p| p == "/duplicates").await;
    let list = el(&b, "duplicate-list").await.text().await.unwrap();
    assert!(list.contains(&refs[0]) && list.contains(&refs[1]), "{list}");
    b.find(Locator::Css("a.duplicate-link")).await.unwrap().click().await.unwrap();
    let pair_path = wait_path(&b, "the pair", |p| p.starts_with("/duplicates/") && p.len() > 20).await;
    let sides = el(&b, "side-by-side").await.text().await.unwrap();
    assert!(sides.contains("Oleksandr") && sides.contains("Ševčenko") && sides.contains(&case.reference), "{sides}");
    let compared = el(&b, "comparisons").await.text().await.unwrap();
    assert!(compared.contains("day and month swapped"), "{compared}");
    // Same person: keep the first record; the second's case moves to it.
    check(&b, &format!("input[name='keep'][value='{}']", refs[0])).await;
    click(&b, "merge").await;
    let status = wait_text(&b, "duplicate-status", "merged").await;
    assert!(status.contains(&refs[0]), "the record kept is named: {status}");
    b.goto(&format!("{base}/cases/{}", case.id)).await.unwrap();
    wait_text(&b, "timeline", "Person records merged").await;
    // Undo the merge: both records stand again.
    b.goto(&format!("{base}{pair_path}")).await.unwrap();
    click(&b, "unmerge").await;
    wait_text(&b, "duplicate-status", "to review").await;
    assert!(el(&b, "merge").await.is_displayed().await.unwrap(), "the pair can be decided again");
    sign_out(&b).await;

    // Both steps are in the audit log.
    sign_in(&b, &app, &base, "auditor", &mut secrets).await;
    b.goto(&format!("{base}/audit")).await.unwrap();
    let log = el(&b, "audit-log").await.text().await.unwrap();
    assert!(log.contains("duplicate.merge") && log.contains("duplicate.unmerge"), "{log}");
    sign_out(&b).await;
    let _ = b.close().await;
    let person = app.app.case(&fr, &case.id.to_string(), &meta).await.unwrap();
    assert_eq!(person.person.map(|p| p.summary.reference), Some(refs[1].clone()), "the case is the restored record's again");
    app.stop().await;
}

/// The justice track in a real browser: an investigator logs a victim's report and triages it
/// into an investigation, adds and charges a suspect, records an asset seized then confiscated,
/// and refers the file to the prosecutor, who records the conviction; the victim's case worker
/// is refused a disclosure until the person's consent to law enforcement is recorded, then
/// discloses; the investigator sees only the minimal view and records protection measures and a
/// hearing; the case worker sees the hearing and the measures but not the investigation file;
/// after the consent is withdrawn the investigator's view is suspended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_report_investigation_conviction_and_victim_disclosure() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    use palermo_service::RequestMeta;
    use palermo_service::admin::Caller;
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    let police = app.org("City Police", "police").await;
    let prosecution = app.org("Public Prosecutor", "prosecution").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let shelter = app.org("Safe Shelter", "shelter").await;
    app.user(&police, "investigator", &["investigator"]).await;
    app.user(&prosecution, "prosecutor", &["prosecutor"]).await;
    app.user(&directorate, "decider", &["competent_authority"]).await;
    let responder = app.user(&shelter, "responder", &["first_responder"]).await;
    app.user(&shelter, "case-worker", &["case_worker"]).await;
    let meta = RequestMeta::cli();
    let fr = Caller::User(actor_of(&responder));
    let person: palermo_service::persons::NewPerson = serde_json::from_value(serde_json::json!({
        "given_name": "Olena", "family_name": "Witness", "sex": "Feminine", "age_at_identification": "31"
    }))
    .unwrap();
    let person = app.app.create_person(&fr, &person, &meta).await.unwrap();
    let case: palermo_service::cases::NewCase = serde_json::from_value(serde_json::json!({
        "kind": "referral", "person": person.reference, "screened_on": "2026-11-17", "population": "adult", "exploitation_form": "labour",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
        "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"], "competent_authority": directorate.id.to_string(),
        "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    }))
    .unwrap();
    let case = app.app.open_case(&fr, &case, &meta).await.unwrap();
    app.app.assign_case_worker(&fr, &case.id.to_string(), "case-worker", &meta).await.unwrap();
    let case_path = format!("/cases/{}", case.id);

    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-justice");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();

    // The investigator logs the victim's report and triages it into an investigation.
    sign_in(&b, &app, &base, "investigator", &mut secrets).await;
    b.goto(&format!("{base}/justice")).await.unwrap();
    select(&b, "channel", "victim").await;
    set_date(&b, "received_on", "2026-11-16").await;
    fill(&b, "summary", "Twelve workers kept at a farm; documents taken by the owner").await;
    click(&b, "record-report").await;
    wait_path(&b, "the report", |p| p.starts_with("/justice/reports/")).await;
    assert!(el(&b, "report-summary").await.text().await.unwrap().contains("Twelve workers"));
    check(&b, "input[name='forms'][value='forced_labour']").await;
    click(&b, "report-investigate").await;
    let inv_path = wait_path(&b, "the investigation", |p| p.starts_with("/justice/investigations/")).await;
    let title = b.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    let reference = title.split_whitespace().last().unwrap().to_owned();
    assert!(reference.starts_with("INV-2026-"), "{title}");

    // A suspect, charged; an asset frozen, seized, then confiscated.
    fill(&b, "given_name", "Viktor").await;
    fill(&b, "family_name", "Farmer").await;
    fill(&b, "age", "44").await;
    fill(&b, "citizenships", "UKR").await;
    select(&b, "sex", "Masculine").await;
    check(&b, "input[name='roles'][value='Exploiter']").await;
    click(&b, "add-suspect").await;
    wait_text(&b, "suspects", "Viktor Farmer").await;
    let provision = b.find(Locator::Css("input[id^='provision-']")).await.unwrap();
    provision.send_keys("Criminal Code art. 210").await.unwrap();
    b.find(Locator::Css("button[id^='charge-']")).await.unwrap().click().await.unwrap();
    wait_text(&b, "suspects", "art. 210").await;
    fill(&b, "value", "15000").await;
    fill(&b, "currency", "EUR").await;
    fill(&b, "authority", "District Court").await;
    click(&b, "add-asset").await;
    wait_text(&b, "asset-list", "Frozen").await;
    click(&b, "asset-step-1").await;
    wait_text(&b, "asset-list", "Seized").await;
    click(&b, "asset-step-1").await;
    wait_text(&b, "asset-list", "Confiscated").await;
    select(&b, "prosecution_office", &prosecution.id.to_string()).await;
    click(&b, "investigation-refer_to_prosecution").await;
    wait_text(&b, "investigation-status", "Referred for prosecution").await;
    sign_out(&b).await;

    // The prosecutor records the conviction.
    sign_in(&b, &app, &base, "prosecutor", &mut secrets).await;
    b.goto(&format!("{base}{inv_path}")).await.unwrap();
    b.find(Locator::Css("input[id^='months-']")).await.unwrap().send_keys("96").await.unwrap();
    b.find(Locator::Css("button[id^='record-verdict-']")).await.unwrap().click().await.unwrap();
    wait_text(&b, "suspects", "96").await;
    let verdict = b.find(Locator::Css(".verdict")).await.unwrap().text().await.unwrap();
    assert_eq!(verdict, "Convicted");
    sign_out(&b).await;

    // The case worker: no disclosure without consent; then the consent, then the disclosure.
    sign_in(&b, &app, &base, "case-worker", &mut secrets).await;
    b.goto(&format!("{base}{case_path}")).await.unwrap();
    fill(&b, "disclose-investigation", &reference).await;
    click(&b, "disclose").await;
    let refused = wait_text(&b, "criminal-proceedings", "consent to law enforcement for City Police").await;
    assert!(refused.contains("not on record"), "{refused}");
    select(&b, "purpose", "law_enforcement").await;
    select(&b, "recipient", &police.id.to_string()).await;
    select(&b, "consent-status", "given").await;
    set_date(&b, "consent-date", "2026-11-18").await;
    click(&b, "record-consent").await;
    wait_text(&b, "consents", "Law enforcement").await;
    fill(&b, "disclose-investigation", &reference).await;
    click(&b, "disclose").await;
    wait_text(&b, "criminal-proceedings", &reference).await;
    // The investigation file stays closed to the case worker.
    b.goto(&format!("{base}{inv_path}")).await.unwrap();
    assert!(b.find(Locator::Id("investigation")).await.is_err(), "no investigation file for the case worker");
    sign_out(&b).await;

    // The investigator sees the minimal view and records protection and a hearing.
    sign_in(&b, &app, &base, "investigator", &mut secrets).await;
    b.goto(&format!("{base}{inv_path}")).await.unwrap();
    let victim = el(&b, "victim-1").await.text().await.unwrap();
    assert!(victim.contains(&case.reference) && victim.contains("Safe Shelter"), "{victim}");
    assert!(!b.source().await.unwrap().contains("Olena"), "no victim identity in the investigation file");
    check(&b, "input[name='participation'][value='witness']").await;
    check(&b, "input[name='protection'][value='during:video_testimony']").await;
    click(&b, "record-proceedings-1").await;
    wait_text(&b, "victim-1", "During the trial: Testimony by video").await;
    set_date(&b, "held-on-1", "2026-12-03").await;
    fill(&b, "court-1", "District Court, room 4").await;
    click(&b, "add-hearing-1").await;
    wait_text(&b, "victim-1", "2026-12-03").await;
    sign_out(&b).await;

    // The case worker sees the hearing and the protection measures; then withdraws the consent.
    sign_in(&b, &app, &base, "case-worker", &mut secrets).await;
    let home = el(&b, "hearing-alerts").await.text().await.unwrap();
    assert!(home.contains("2026-12-03"), "{home}");
    b.goto(&format!("{base}{case_path}")).await.unwrap();
    let section = el(&b, "criminal-proceedings").await.text().await.unwrap();
    assert!(section.contains("2026-12-03") && section.contains("During the trial: Testimony by video"), "{section}");
    assert!(!section.contains("Viktor"), "no suspect in the victim's file");
    select(&b, "purpose", "law_enforcement").await;
    select(&b, "recipient", &police.id.to_string()).await;
    select(&b, "consent-status", "withdrawn").await;
    set_date(&b, "consent-date", "2026-11-18").await;
    click(&b, "record-consent").await;
    wait_text(&b, "consents", "Withdrawn").await;
    sign_out(&b).await;

    // The investigator's view is suspended at once.
    sign_in(&b, &app, &base, "investigator", &mut secrets).await;
    b.goto(&format!("{base}{inv_path}")).await.unwrap();
    let victim = el(&b, "victim-1").await.text().await.unwrap();
    assert!(!victim.contains(&case.reference) && victim.contains("withdrawn"), "{victim}");
    sign_out(&b).await;
    let audit = app.app.recent_audit(&Caller::Console, 500, &meta).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "justice.victim_view"), "the cross-track view is audited");
    let _ = b.close().await;
    app.stop().await;
}

/// The statistics dashboard and the implementation report in Arabic, in a real browser: the
/// language chosen in the page header, the page laid out right to left, the tables' and charts'
/// words in Arabic and the figures the same as in English; back to English with the same switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_statistics_and_report_in_arabic() {
    let Some(driver_path) = chromedriver_path() else {
        return;
    };
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.server.cookie_secure = false).await.unwrap();
    app.app.create_demo(&|_| {}).await.unwrap();
    let (_driver, driver_url) = start_driver(&driver_path).await;
    let profile = app.dir.join("chrome-profile-statistics");
    let b = browser(&driver_url, &profile).await;
    let base = format!("http://localhost:{}", app.addr.port());
    let mut secrets = std::collections::HashMap::new();
    sign_in_with(&b, &app, &base, "analyst", palermo_service::demo::DEMO_PASSWORD, &mut secrets).await;
    let figures = |text: &str| -> Vec<String> {
        text.split_whitespace().filter(|w| *w == "x" || w.chars().all(|c| c.is_ascii_digit())).map(str::to_owned).collect()
    };
    b.goto(&format!("{base}/statistics?year=2026")).await.unwrap();
    let english = el(&b, "by-form-table").await.text().await.unwrap();
    assert!(english.contains("Sexual exploitation"), "{english}");

    select(&b, "lang-select", "ar").await;
    click(&b, "lang-choose").await;
    wait_path(&b, "home, in Arabic", |p| p == "/").await;
    b.goto(&format!("{base}/statistics?year=2026")).await.unwrap();
    let html = b.find(Locator::Css("html")).await.unwrap();
    assert_eq!(html.attr("dir").await.unwrap().as_deref(), Some("rtl"), "laid out right to left");
    let arabic = el(&b, "by-form-table").await.text().await.unwrap();
    assert!(arabic.contains("الاستغلال الجنسي") && arabic.contains("النساء") && !arabic.contains("Sexual"), "{arabic}");
    assert_eq!(figures(&arabic), figures(&english), "the same figures in either language");
    let chart = el(&b, "by-form").await.find(Locator::Css("svg title")).await.unwrap().html(true).await.unwrap();
    assert!(chart.contains("الضحايا المكتشفون حسب شكل الاستغلال"), "the chart's title: {chart}");
    b.goto(&format!("{base}/report?year=2026")).await.unwrap();
    let first = el(&b, "paragraph-1").await.text().await.unwrap();
    assert!(
        first.contains("التحقيقات المفتوحة") && first.contains("Urges Member States"),
        "figures in Arabic, the resolution quoted: {first}"
    );

    select(&b, "lang-select", "en").await;
    click(&b, "lang-choose").await;
    wait_path(&b, "home, in English", |p| p == "/").await;
    b.goto(&format!("{base}/statistics?year=2026")).await.unwrap();
    assert_eq!(el(&b, "by-form-table").await.text().await.unwrap(), english);
    sign_out(&b).await;
    let _ = b.close().await;
    app.stop().await;
}
