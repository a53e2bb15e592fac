//! The HTTP suite: what a user, an administrator, an auditor and an attacker would notice.

use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::{Engine, PASSWORD, TestApp, extract_between};
use serde_json::json;
use time::Duration;

crate::on_both_engines!(
    sign_in_cookie_second_factor_and_session_rotation,
    unknown_user_and_wrong_password_look_the_same,
    guessing_is_slowed_then_softly_locked,
    idle_sessions_end,
    every_route_needs_a_session_and_hides_other_organisations,
    state_changes_need_csrf_token_and_same_origin,
    api_validates_fields_and_refuses_unknown_ones,
    pages_keep_input_and_name_fields_on_errors,
    disabling_an_account_ends_its_sessions,
    audited_read_fails_closed,
    audit_edit_is_detected,
    audit_delete_is_detected,
    audit_reorder_is_detected,
    audit_truncation_of_newest_is_detected,
    planted_identity_is_not_in_the_database,
    translations_and_right_to_left,
    health_headers_and_openapi,
    key_rotation_keeps_identities_readable,
    backup_under_write_load_restores_and_verifies,
    console_enrolment_then_sign_in_asks_for_the_code,
    persons_are_recorded_read_with_audit_and_found_by_exact_name,
);

async fn sign_in_cookie_second_factor_and_session_rotation(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "admin", &["administrator"]).await;
    let mut c = app.client();
    let r = c.sign_in("admin", PASSWORD).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/second-factor/enrol"), "an administrator must set up a second factor");
    let sc = r.set_cookie().unwrap();
    assert!(sc.starts_with("__Host-palermo="), "{sc}");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(sc.contains(attr), "cookie lacks {attr}: {sc}");
    }
    let pending = c.cookie.clone();
    let home = c.get("/").await;
    assert_eq!(home.location(), Some("/second-factor/enrol"), "a half-signed-in session cannot see pages");
    assert_eq!(c.get("/api/v1/me").await.status, 401);

    let page = c.get("/second-factor/enrol").await;
    assert!(page.body.contains("<svg"), "QR code shown");
    let secret = extract_between(&page.body, "id=\"totp-secret\">", "<").unwrap();
    let wrong = c.post_form("/second-factor/enrol", &[("code", "000000")]).await;
    assert_eq!(wrong.status, 401);
    let code = app.totp_now(&secret);
    let r = c.post_form("/second-factor/enrol", &[("code", &code)]).await;
    assert_eq!(r.location(), Some("/"));
    assert_ne!(c.cookie, pending, "a new session id after the second factor");
    assert_eq!(c.get("/").await.status, 200);
    let mut old = app.client();
    old.cookie = pending;
    assert_eq!(old.get("/api/v1/me").await.status, 401, "the pre-MFA session id is dead");

    let before_sign_out = c.cookie.clone();
    let r = c.post_form("/sign-out", &[]).await;
    assert_eq!(r.status, 303);
    let mut stale = app.client();
    stale.cookie = before_sign_out;
    assert_eq!(stale.get("/api/v1/me").await.status, 401, "sign-out ends the session on the server");

    let r = c.sign_in("admin", PASSWORD).await;
    assert_eq!(r.location(), Some("/sign-in/second-factor"));
    let replay = c.post_form("/sign-in/second-factor", &[("code", &code)]).await;
    assert_eq!(replay.status, 401, "a used code is refused");
    assert!(replay.body.contains("already used"));
    app.clock.advance(Duration::seconds(30));
    let r = c.post_form("/sign-in/second-factor", &[("code", &app.totp_now(&secret))]).await;
    assert_eq!(r.location(), Some("/"));
    assert_eq!(c.get("/api/v1/me").await.status, 200);
}

async fn unknown_user_and_wrong_password_look_the_same(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "amina", &["analyst"]).await;
    let a = app.client().sign_in("amina", "not the password at all").await;
    let b = app.client().sign_in("nobody-at-all", "not the password at all").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.status, b.status);
    // The typed username is kept in the form; everything else is byte for byte the same.
    assert_eq!(
        a.body.replace("amina", "NAME"),
        b.body.replace("nobody-at-all", "NAME"),
        "identical answers for an unknown user and a wrong password"
    );
    assert!(a.set_cookie().is_none());
}

async fn guessing_is_slowed_then_softly_locked(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "analyst1", &["analyst"]).await;
    let mut attacker = app.client();
    for _ in 0..5 {
        let r = attacker.sign_in("analyst1", "guess guess guess").await;
        assert_eq!(r.status, 401);
    }
    for _ in 0..20 {
        let r = attacker.sign_in("analyst1", "guess guess guess").await;
        assert_eq!(r.status, 429, "locked after repeated failures");
    }
    let r = attacker.sign_in("analyst1", PASSWORD).await;
    assert_eq!(r.status, 429, "even the right password waits while locked");
    assert!(r.body.contains("Try again after"));
    // The real user, from their own machine, is not locked out by the attack.
    let mut real = app.client_from("127.0.0.2".parse().unwrap());
    assert_eq!(real.sign_in("analyst1", PASSWORD).await.status, 303);
    // And the lock ends by itself.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(attacker.sign_in("analyst1", PASSWORD).await.status, 303);
}

async fn idle_sessions_end(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "analyst2", &["analyst"]).await;
    let mut c = app.signed_in("analyst2").await;
    app.clock.advance(Duration::minutes(10));
    assert_eq!(c.get("/api/v1/me").await.status, 200);
    app.clock.advance(Duration::minutes(16));
    assert_eq!(c.get("/api/v1/me").await.status, 401, "idle timeout (15 minutes)");
}

async fn every_route_needs_a_session_and_hides_other_organisations(app: &TestApp) {
    let op = app.operator_org().await;
    let a = app.org("Shelter A", "shelter").await;
    let b = app.org("Shelter B", "shelter").await;
    app.user(&a, "admin-a", &["administrator"]).await;
    let user_b = app.user(&b, "worker-b", &["case_worker"]).await;
    let _ = op;
    let random = uuid::Uuid::now_v7().to_string();
    let mut worker_b = app.signed_in("worker-b").await;
    let created = worker_b.post_json("/api/v1/persons", &json!({"given_name": "Hidden", "family_name": "Person", "sex": "Feminine"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let person_b = created.json()["id"].as_str().unwrap().to_owned();
    let notified = worker_b
        .post_json(
            "/api/v1/cases",
            &json!({"kind": "anonymous_notification", "screened_on": "2026-01-10", "population": "adult", "exploitation_form": "labour", "sex": "Feminine", "age_group": "adult"}),
        )
        .await;
    assert_eq!(notified.status, 201, "{}", notified.body);
    let case_b = notified.json()["id"].as_str().unwrap().to_owned();
    let id_for = |path: &str, missing: bool| {
        let id = if missing {
            random.clone()
        } else if path.contains("/cases/") {
            case_b.clone()
        } else if path.contains("/persons/") {
            person_b.clone()
        } else if path.contains("/users/") {
            user_b.id.to_string()
        } else {
            b.id.to_string()
        };
        path.replace("{id}", &id)
    };
    let user_body =
        json!({"username": "intruder", "display_name": "Intruder", "roles": ["case_worker"], "password": "long enough password"});

    // Anonymous: pages send the browser to sign in; the API answers 401.
    let mut anon = app.client();
    for (method, path) in palermo_web::SESSION_ROUTES.iter().chain(palermo_web::ID_ROUTES) {
        let path = id_for(path, false);
        let r = match *method {
            "GET" => anon.get(&path).await,
            "POST" => anon.post_raw(&path, &[], &[]).await,
            other => anon.bare(other, &path).await,
        };
        if path.starts_with("/api/") {
            assert_eq!(r.status, 401, "{method} {path}");
            assert_eq!(r.headers.get("content-type").unwrap(), "application/problem+json");
        } else {
            assert_eq!((r.status, r.location()), (303, Some("/sign-in")), "{method} {path}");
        }
    }

    // An administrator of another organisation: 404, byte-identical to a missing id.
    let mut c = app.signed_in("admin-a").await;
    let csrf = c.csrf_token().await.unwrap();
    for (method, path) in palermo_web::ID_ROUTES {
        if *method == "GET" && (path == &"/organisations/{id}" || path == &"/api/v1/organisations/{id}") {
            continue; // the directory of organisations is visible to every participant
        }
        let mut answers = Vec::new();
        for missing in [false, true] {
            let p = id_for(path, missing);
            let r = match (*method, p.starts_with("/api/")) {
                ("GET", _) => c.get(&p).await,
                (_, true) => c.post_json(&p, &user_body).await,
                (_, false) => {
                    c.post_form(
                        &p,
                        &[
                            ("csrf", &csrf),
                            ("username", "intruder"),
                            ("display_name", "X"),
                            ("roles", "case_worker"),
                            ("password", "long enough password"),
                        ],
                    )
                    .await
                }
            };
            answers.push((r.status, r.body));
        }
        assert_eq!(answers[0].0, 404, "{method} {path} on another organisation's record: {}", answers[0].1);
        assert_eq!(answers[0], answers[1], "{method} {path}: forbidden and absent must look the same");
    }
    let denied = app.app.recent_audit(&Caller::Console, 500, &RequestMeta::cli()).await.unwrap();
    assert!(denied.iter().filter(|r| r.outcome == "denied").count() >= 8, "each refusal is in the audit log");
    assert_eq!(app.app.user_by_username("intruder").await.unwrap().map(|u| u.username), None);
}

async fn state_changes_need_csrf_token_and_same_origin(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let mut c = app.signed_in("root").await;
    let form = [("name", "New NGO"), ("org_type", "NGO"), ("sector", "shelter"), ("region", "south")];
    let r = c.post_raw("/organisations", &form, &[]).await;
    assert_eq!(r.status, 403, "no CSRF token");
    let token = c.csrf_token().await.unwrap();
    let mut with_token = form.to_vec();
    with_token.push(("csrf", &token));
    let r = c.post_raw("/organisations", &with_token, &[("origin", "http://evil.example")]).await;
    assert_eq!(r.status, 403, "cross-origin");
    let r = c.post_raw("/organisations", &with_token, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, 403, "cross-site fetch metadata");
    let r = c
        .post_raw(
            "/organisations",
            &[("csrf", "wrong"), ("name", "X Y"), ("org_type", "NGO"), ("sector", "shelter"), ("region", "south")],
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "stale or wrong token");
    let api = c.post_raw("/api/v1/organisations", &[], &[("content-type", "application/json")]).await;
    assert_eq!(api.status, 403, "API call without X-CSRF-Token");
    let orgs = app.app.list_organisations(&Caller::Console, &RequestMeta::cli()).await.unwrap();
    assert_eq!(orgs.len(), 1, "nothing was created");
    let r = c.post_raw("/organisations", &with_token, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // No state change on GET.
    let user = app.user(&op, "someone", &["analyst"]).await;
    let r = c.get(&format!("/users/{}/disable", user.id)).await;
    assert_eq!(r.status, 405);
}

async fn api_validates_fields_and_refuses_unknown_ones(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let mut c = app.signed_in("root").await;
    let r = c.post_json("/api/v1/organisations", &json!({"name": "", "org_type": "Bank", "sector": "x", "region": "North Side"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.headers.get("content-type").unwrap(), "application/problem+json");
    let fields: Vec<String> = r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "org_type", "sector", "region"]);
    assert!(r.body.contains("LawEnforcement"), "says what is accepted: {}", r.body);
    let r = c
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Sneaky", "org_type": "NGO", "sector": "shelter", "region": "north", "is_operator": true}),
        )
        .await;
    assert_eq!(r.status, 422, "unknown field refused");
    assert!(r.body.contains("is_operator"));
    let r = c
        .post_json("/api/v1/organisations", &json!({"name": "Hope House", "org_type": "NGO", "sector": "shelter", "region": "north"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["is_operator"], false);
    let org_id = r.json()["id"].as_str().unwrap().to_owned();
    let r = c
        .post_json("/api/v1/organisations", &json!({"name": "hope house", "org_type": "NGO", "sector": "shelter", "region": "north"}))
        .await;
    assert_eq!(r.status, 409);
    // An administrator of an ordinary organisation cannot make administrators or auditors.
    let r = c
        .post_json(
            &format!("/api/v1/organisations/{org_id}/users"),
            &json!({"username": "hope-admin", "display_name": "Hope Admin", "roles": ["administrator"], "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "the operator's administrator can: {}", r.body);
    let mut hope = app.signed_in("hope-admin").await;
    let r = hope
        .post_json(
            &format!("/api/v1/organisations/{org_id}/users"),
            &json!({"username": "hope-auditor", "display_name": "A", "roles": ["auditor"], "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 403, "no self-service escalation");
    let r = hope
        .post_json(
            &format!("/api/v1/organisations/{org_id}/users"),
            &json!({"username": "hope-worker", "display_name": "Worker", "roles": ["case_worker"], "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201);
}

async fn pages_keep_input_and_name_fields_on_errors(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let mut c = app.signed_in("root").await;
    let r = c
        .post_form(
            &format!("/organisations/{}/users", op.id),
            &[("username", "x y"), ("display_name", "Kept Name"), ("roles", "case_worker"), ("password", "short")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("value=\"Kept Name\""), "the form keeps what was typed");
    assert!(r.body.contains("class=\"field-error\""));
    assert!(r.body.contains("12 to 1024 characters"), "says what to fix next to the field");
    assert!(!r.body.contains("short\""), "the password is not echoed back");
}

async fn disabling_an_account_ends_its_sessions(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let victim = app.user(&op, "analyst3", &["analyst"]).await;
    let mut user = app.signed_in("analyst3").await;
    assert_eq!(user.get("/api/v1/me").await.status, 200);
    let mut admin = app.signed_in("root").await;
    let r = admin.post_json(&format!("/api/v1/users/{}/disable", victim.id), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(user.get("/api/v1/me").await.status, 401, "sessions end at once");
    assert_eq!(app.app.session_count(victim.id).await.unwrap(), 0);
    assert_eq!(app.client().sign_in("analyst3", PASSWORD).await.status, 401, "a disabled account cannot sign in");
}

async fn audited_read_fails_closed(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let target = app.user(&op, "contactable", &["analyst"]).await;
    let mut c = app.signed_in("root").await;
    let ok = c.get(&format!("/api/v1/users/{}", target.id)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["contact"], "contactable@example.invalid");
    match app.engine {
        // On SQLite the entries of reads are committed into the audit inbox first.
        Engine::Sqlite => inbox_sql(app, "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_inbox BEGIN SELECT RAISE(ABORT, 'injected fault'); END;").await,
        Engine::Postgres => {
            app.sql("CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$; CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail();").await
        }
    }
    let r = c.get(&format!("/api/v1/users/{}", target.id)).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(!r.body.contains("contactable@"), "no protected data without its audit entry");
    let r = c.get(&format!("/users/{}", target.id)).await;
    assert_eq!(r.status, 503);
    assert!(!r.body.contains("contactable@"));
    match app.engine {
        Engine::Sqlite => inbox_sql(app, "DROP TRIGGER audit_fail").await,
        Engine::Postgres => app.sql("DROP TRIGGER audit_fail ON audit_log").await,
    }
    let r = c.get(&format!("/api/v1/users/{}", target.id)).await;
    assert_eq!(r.status, 200);
}

/// SQLite: while folds of the audit inbox into the chain fail, reads are answered (their entries
/// are durable in the inbox) only until `data.audit_inbox_limit_seconds`; then refused until a fold
/// succeeds again, and every answered read ends up in the chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_refused_once_the_audit_inbox_stays_unfolded_sqlite() {
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.data.audit_inbox_limit_seconds = 2).await.unwrap();
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    let target = app.user(&op, "contactable", &["analyst"]).await;
    let mut c = app.signed_in("root").await;
    let path = format!("/api/v1/users/{}", target.id);
    assert_eq!(c.get(&path).await.status, 200);
    app.app.verify_audit().await.unwrap().expect("the chain is intact");
    let before = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.view'").await;
    // Folds fail from now on: the chain refuses every append.
    app.sql("CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected fault'); END;").await;
    let mut answered = 0;
    let refused = loop {
        let r = c.get(&path).await;
        match r.status {
            200 => answered += 1,
            503 => break r,
            other => panic!("unexpected {other}: {}", r.body),
        }
        assert!(answered < 200, "reads still answered 20 s after folds began to fail");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(!refused.body.contains("contactable@"), "no protected data once the inbox is left unfolded");
    app.sql("DROP TRIGGER audit_fail").await;
    let mut tries = 0;
    while c.get(&path).await.status != 200 {
        tries += 1;
        assert!(tries < 100, "reads answered again once a fold succeeds");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.app.verify_audit().await.unwrap().expect("the chain is intact");
    let after = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.view'").await;
    let (before, after) = (before.unwrap(), after.unwrap());
    assert!(after - before > answered, "every read answered while folds failed is in the chain ({before} -> {after}, {answered} answered)");
    app.stop().await;
}

/// PostgreSQL, two servers on one database: each keeps the sessions it has resolved in memory
/// (crate::session_cache), and forgets them when any server or tool changes a session, a user or
/// an organisation — announced by migration 28's triggers. A change made on one server is
/// refused on the other within moments (on the server that made it, at once), and a change made
/// outside any server (SQL, the CLI) too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_on_one_database_hear_of_session_changes_postgres() {
    let Some(a) = TestApp::spawn(Engine::Postgres).await else { return };
    let b = a.spawn_beside().await;
    let op = a.operator_org().await;
    a.user(&op, "root", &["administrator"]).await;
    let analyst = a.user(&op, "analyst5", &["analyst"]).await;

    // Refused on B within 5 s (an announcement takes milliseconds).
    async fn refused_soon(on_b: &mut palermo_testkit::Client) -> bool {
        for _ in 0..50 {
            if on_b.get("/api/v1/me").await.status == 401 {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }
    let on_b_with = |cookie: &Option<String>| {
        let mut c = b.client();
        c.cookie = cookie.clone();
        c
    };

    // Signed in on A, used on B: B keeps the session. The proof that B answers from memory: with
    // the announcing trigger off, the session's row deleted behind B's back is still accepted.
    let user = a.signed_in("analyst5").await;
    let mut on_b = on_b_with(&user.cookie);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await; // B's listener subscribes
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    a.sql("ALTER TABLE sessions DISABLE TRIGGER sessions_ended; DELETE FROM sessions; ALTER TABLE sessions ENABLE TRIGGER sessions_ended")
        .await;
    assert_eq!(on_b.get("/api/v1/me").await.status, 200, "B answers from the session it keeps");
    // Any announced change (here: a user's row touched by SQL, as a tool would) makes B forget.
    a.sql("UPDATE users SET updated_at = updated_at WHERE username = 'root'").await;
    assert!(refused_soon(&mut on_b).await, "the deleted session refused on B once a change is announced");

    // Sign-out on A: refused on A at once, on B within moments.
    let mut user = a.signed_in("analyst5").await;
    let mut on_b = on_b_with(&user.cookie);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    let cookie = user.cookie.clone();
    assert_eq!(user.post_form("/sign-out", &[]).await.status, 303);
    let mut stale_on_a = a.client();
    stale_on_a.cookie = cookie;
    assert_eq!(stale_on_a.get("/api/v1/me").await.status, 401, "refused at once on the server that signed out");
    assert!(refused_soon(&mut on_b).await, "sign-out on A reaches B");

    // An administrator on A disables the account: B refuses its session.
    let user = a.signed_in("analyst5").await;
    let mut on_b = on_b_with(&user.cookie);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    let mut admin = a.signed_in("root").await;
    let r = admin.post_json(&format!("/api/v1/users/{}/disable", analyst.id), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(refused_soon(&mut on_b).await, "disabling on A reaches B");

    // Changed outside any server (the CLI, SQL): an account disabled in the database.
    a.sql("UPDATE users SET disabled = false WHERE username = 'analyst5'").await;
    let user = a.signed_in("analyst5").await;
    let mut on_b = on_b_with(&user.cookie);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    a.sql("UPDATE users SET disabled = true WHERE username = 'analyst5'").await;
    assert!(refused_soon(&mut on_b).await, "a change made by SQL reaches B");
    b.stop().await;
    a.stop().await;
}

/// Run SQL on the SQLite audit inbox of the test's database.
async fn inbox_sql(app: &TestApp, sql: &str) {
    let path = palermo_store::audit_inbox_path(&app.db_url).unwrap();
    palermo_store::testing::execute_raw(&format!("sqlite://{}", path.display()), sql).await.unwrap();
}

/// Produce a few audit entries and check the chain is intact before tampering.
async fn audited_activity(app: &TestApp) -> i64 {
    let op = app.operator_org().await;
    app.user(&op, "root", &["administrator"]).await;
    for i in 0..4 {
        app.org(&format!("Organisation {i}"), "shelter").await;
    }
    let v = app.app.verify_audit().await.unwrap().expect("intact before tampering");
    assert!(v.entries >= 6);
    let unlock = match app.engine {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Engine::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER USER;",
    };
    app.sql(unlock).await; // an attacker with database superuser rights
    v.entries
}

async fn audit_edit_is_detected(app: &TestApp) {
    audited_activity(app).await;
    app.sql("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 3").await;
    let e = app.app.verify_audit().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("entry 3 was altered"), "{e}");
}

async fn audit_delete_is_detected(app: &TestApp) {
    audited_activity(app).await;
    app.sql("DELETE FROM audit_log WHERE seq = 2").await;
    let e = app.app.verify_audit().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("entry 2 is missing"), "{e}");
}

async fn audit_reorder_is_detected(app: &TestApp) {
    audited_activity(app).await;
    app.sql("UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -1;").await;
    let e = app.app.verify_audit().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("entry 2"), "{e}");
}

async fn audit_truncation_of_newest_is_detected(app: &TestApp) {
    let n = audited_activity(app).await;
    // Delete the two newest entries and make the head row inside the database agree.
    let sql = format!(
        "DELETE FROM audit_log WHERE seq > {keep}; UPDATE audit_head SET seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep}) WHERE id = 1;",
        keep = n - 2
    );
    app.sql(&sql).await;
    let e = app.app.verify_audit().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("newest entries were deleted"), "{e}");
}

async fn planted_identity_is_not_in_the_database(app: &TestApp) {
    let op = app.operator_org().await;
    let canary = "canary-7f3a9c@example.invalid";
    let input = palermo_service::admin::NewUser {
        organisation_id: op.id.to_string(),
        username: "canary".into(),
        display_name: "Canary User".into(),
        roles: vec!["analyst".into()],
        password: PASSWORD.into(),
        contact: canary.into(),
    };
    let u = app.app.create_user(&Caller::Console, &input, &RequestMeta::cli()).await.unwrap();
    let detail = app.app.user(&Caller::Console, &u.id.to_string(), &RequestMeta::cli()).await.unwrap();
    assert_eq!(detail.contact.as_deref(), Some(canary), "readable through the application");
    let found = app.app.find_users_by_contact(&Caller::Console, "CANARY-7f3a9c@example.invalid ", &RequestMeta::cli()).await.unwrap();
    assert_eq!(found.len(), 1, "exact search through the blind index");
    match app.engine {
        Engine::Sqlite => {
            let mut scanned = 0;
            for entry in std::fs::read_dir(&app.dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).unwrap();
                    scanned += bytes.len();
                    assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "plaintext identity in {}", path.display());
                }
            }
            assert!(scanned > 0);
        }
        Engine::Postgres => {
            let out = std::process::Command::new("pg_dump").arg(&app.db_url).output().expect("pg_dump must be installed for this test");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stdout.len() > 1000);
            assert!(!out.stdout.windows(canary.len()).any(|w| w == canary.as_bytes()), "plaintext identity in pg_dump");
        }
    }
}

async fn translations_and_right_to_left(app: &TestApp) {
    let mut c = app.client();
    let r = c.get_with("/sign-in", &[("accept-language", "ar,en;q=0.5")]).await;
    assert!(r.body.contains("dir=\"rtl\""));
    assert!(r.body.contains("lang=\"ar\""));
    assert!(r.body.contains("تسجيل الدخول"));
    let r = c.post_raw("/language", &[("lang", "fr")], &[]).await;
    assert_eq!(r.status, 303);
    let cookie = r.set_cookie().unwrap();
    assert!(cookie.starts_with("palermo_lang=fr"));
    let r = c.get_with("/sign-in", &[("cookie", "palermo_lang=fr")]).await;
    assert!(r.body.contains("Connexion"));
    assert!(r.body.contains("dir=\"ltr\""));
}

async fn health_headers_and_openapi(app: &TestApp) {
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.body, "ok");
    assert_eq!(c.get("/readyz").await.status, 200);
    let r = c.get("/sign-in").await;
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(r.headers.get("x-request-id").is_some());
    assert!(r.headers.get("strict-transport-security").is_none(), "no HSTS without TLS");
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (_, path) in palermo_web::ID_ROUTES.iter().chain(palermo_web::SESSION_ROUTES) {
        if path.starts_with("/api/v1/") {
            assert!(doc["paths"][*path].is_object(), "{path} is documented");
        }
    }
    let missing = c.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
}

async fn key_rotation_keeps_identities_readable(app: &TestApp) {
    let op = app.operator_org().await;
    let u = app.user(&op, "rotated", &["analyst"]).await;
    let mut rotated = app.app.clone();
    let r = rotated.rotate_keys(true, &|_| {}).await.unwrap();
    assert_eq!(r.new_key_id, 2);
    assert!(r.reencrypted >= 1);
    let d = rotated.user(&Caller::Console, &u.id.to_string(), &RequestMeta::cli()).await.unwrap();
    assert_eq!(d.contact.as_deref(), Some("rotated@example.invalid"));
    let again = rotated.rotate_keys(false, &|_| {}).await.unwrap();
    assert_eq!(again.new_key_id, 3);
}

async fn backup_under_write_load_restores_and_verifies(app: &TestApp) {
    use palermo_service::backup::{generate_backup_identity, restore};
    let op = app.operator_org().await;
    let canary = "canary-backup-51d2@example.invalid";
    let input = palermo_service::admin::NewUser {
        organisation_id: op.id.to_string(),
        username: "kept".into(),
        display_name: "Kept".into(),
        roles: vec!["analyst".into()],
        password: PASSWORD.into(),
        contact: canary.into(),
    };
    let kept = app.app.create_user(&Caller::Console, &input, &RequestMeta::cli()).await.unwrap();
    let identity_path = app.dir.join("backup-identity.txt");
    let recipient = generate_backup_identity(&identity_path, "test").unwrap();

    // Writers keep going while the backup is taken.
    let mut writers = Vec::new();
    for w in 0..4 {
        let a = app.app.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..40 {
                let input = palermo_service::admin::NewOrganisation {
                    name: format!("Load {w}-{i}"),
                    org_type: "NGO".into(),
                    sector: "shelter".into(),
                    region: "south".into(),
                };
                a.create_organisation(&Caller::Console, &input, &RequestMeta::cli()).await.unwrap();
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let out = app.dir.join("palermo.backup");
    let manifest = app.app.backup(&recipient, &out).await.unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let bytes = std::fs::read(&out).unwrap();
    assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "no plaintext identity in the backup file");

    // Restore into a fresh place with a copy of the key file.
    let target = app.dir.join("restored");
    std::fs::create_dir_all(target.join("keys")).unwrap();
    std::fs::copy(app.app.config().key_file(), target.join("keys").join("palermo.keys")).unwrap();
    let (url, pg_name) = match app.engine {
        Engine::Sqlite => (format!("sqlite://{}", target.join("palermo.db").display()), None),
        Engine::Postgres => {
            let admin = palermo_testkit::postgres_admin_url().unwrap();
            let name = format!("restored_{}", uuid::Uuid::now_v7().simple());
            let admin_db = format!("{}/postgres", admin.trim_end_matches('/'));
            palermo_store::testing::create_postgres_database(&admin_db, &name).await.unwrap();
            (format!("{}/{}", admin.trim_end_matches('/'), name), Some((admin_db, name)))
        }
    };
    let config = palermo_testkit::test_config(&target, &url);
    let identity = std::fs::read_to_string(&identity_path).unwrap();
    let report = restore(config.clone(), &identity, &out, app.clock.clone()).await.unwrap();
    assert_eq!(report.audit_entries, manifest.audit_head_seq);
    assert_eq!(report.manifest, manifest);
    let restored = palermo_service::Palermo::open(config.clone(), app.clock.clone()).await.unwrap();
    let d = restored.user(&Caller::Console, &kept.id.to_string(), &RequestMeta::cli()).await.unwrap();
    assert_eq!(d.contact.as_deref(), Some(canary), "identities readable with the key file");
    let orgs = restored.list_organisations(&Caller::Console, &RequestMeta::cli()).await.unwrap();
    let expected = manifest.row_counts.iter().find(|(t, _)| t == "organisations").unwrap().1;
    assert_eq!(orgs.len() as i64, expected, "the snapshot's organisations, no more, no less");
    // A second restore into the same, now non-empty, place is refused.
    let again = restore(config, &identity, &out, app.clock.clone()).await;
    assert!(again.is_err());
    if let Some((admin, name)) = pg_name {
        drop(restored);
        let _ = palermo_store::testing::drop_postgres_database(&admin, &name).await;
    }
}

async fn console_enrolment_then_sign_in_asks_for_the_code(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "auditor1", &["auditor"]).await;
    let e = app.app.console_start_mfa("auditor1").await.unwrap();
    assert!(e.otpauth_uri.starts_with("otpauth://totp/Palermo:auditor1?secret="));
    assert!(app.app.console_confirm_mfa("auditor1", "000000").await.is_err() || app.totp_now(&e.secret_base32) == "000000");
    let code = app.totp_now(&e.secret_base32);
    app.app.console_confirm_mfa("auditor1", &code).await.unwrap();
    assert!(app.app.console_confirm_mfa("auditor1", &code).await.is_err(), "a code is used once");
    let mut c = app.client();
    let r = c.sign_in("auditor1", PASSWORD).await;
    assert_eq!(r.location(), Some("/sign-in/second-factor"), "enrolled from the console: straight to the code");
    app.clock.advance(Duration::seconds(30));
    let r = c.post_form("/sign-in/second-factor", &[("code", &app.totp_now(&e.secret_base32))]).await;
    assert_eq!(r.location(), Some("/"));
    let audit = c.get("/audit").await;
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("The audit chain is intact"), "the auditor sees the verification");
}

async fn persons_are_recorded_read_with_audit_and_found_by_exact_name(app: &TestApp) {
    let police = app.org("Police North", "police").await;
    let ngo = app.org("Outreach South", "ngo_outreach").await;
    app.user(&police, "officer", &["first_responder"]).await;
    app.user(&ngo, "outreach", &["first_responder"]).await;
    let mut officer = app.signed_in("officer").await;
    let canary = "Zhanargul-7Q";
    let bad = officer
        .post_json(
            "/api/v1/persons",
            &json!({"sex": "Unknown", "citizenships": "Syria", "date_of_birth": "31/12/1990", "age_at_identification": "200"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<String> = bad.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    for f in ["family_name", "date_of_birth", "sex", "age_at_identification", "citizenships"] {
        assert!(fields.iter().any(|x| x == f), "{f} named in {fields:?}");
    }
    let r = officer
        .post_json(
            "/api/v1/persons",
            &json!({"given_name": "Amina", "family_name": format!("Kamara {canary}"), "name_native": "أمينة", "date_of_birth": "2009-04-01", "sex": "Feminine",
                    "age_at_identification": "16", "citizenships": "sle, GIN", "languages": "en", "migration_status": "irregular_migrant", "contacts": "+232 76 000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.json();
    let reference = created["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("P-2026-"), "{reference}");
    assert_eq!(created["age_group"], "child");
    assert_eq!(created["citizenships"], json!(["SLE", "GIN"]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created.get("identity").is_none(), "creating does not echo identity");

    // Reading the identity is audited before it is shown.
    let before = app.app.recent_audit(&Caller::Console, 1000, &RequestMeta::cli()).await.unwrap().len();
    let page = officer.get(&format!("/persons/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(canary) && page.body.contains("أمينة"));
    let entries = app.app.recent_audit(&Caller::Console, 1000, &RequestMeta::cli()).await.unwrap();
    assert!(entries.len() > before);
    let view = entries.iter().find(|e| e.action == "person.view" && e.object_id.as_deref() == Some(id.as_str())).expect("audited");
    assert_eq!(view.section.as_deref(), Some("identity"));
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(canary)), "no identity in the audit log");

    // Exact search: by reference, by name whatever the case and accents; never through a URL.
    for q in [reference.as_str(), "AMINA", "kamara zhanargul-7q", "أمينة"] {
        let r = officer.post_json("/api/v1/persons/search", &json!({"query": q})).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.json().as_array().map(|a| a.len()), Some(1), "{q}");
    }
    let short = officer.post_json("/api/v1/persons/search", &json!({"query": "a"})).await;
    assert_eq!(short.status, 422);

    // Another organisation: the same 404 as a person that does not exist, and no search hits.
    let mut other = app.signed_in("outreach").await;
    let hidden = other.get(&format!("/api/v1/persons/{id}")).await;
    let missing = other.get(&format!("/api/v1/persons/{}", uuid::Uuid::now_v7())).await;
    assert_eq!((hidden.status, &hidden.body), (404, &missing.body));
    let r = other.post_json("/api/v1/persons/search", &json!({"query": "Amina"})).await;
    assert_eq!(r.json().as_array().map(|a| a.len()), Some(0));

    // The name is not in the database in plain text.
    if app.engine == Engine::Sqlite {
        for entry in std::fs::read_dir(&app.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "{}", path.display());
            }
        }
    }
}
