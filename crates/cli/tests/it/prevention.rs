//! Prevention and capacity over HTTP, on both engines: campaigns, trainings and budgets with
//! validation naming each field, who may record them, and the treaty-status import (all or
//! nothing, every bad row named by line and field; re-import replaces; the as-of date shown).

use palermo_testkit::TestApp;
use serde_json::json;

crate::on_both_engines!(campaigns_trainings_budgets, treaty_status_import_all_or_nothing, demo_prevention_data);

async fn campaigns_trainings_budgets(app: &TestApp) {
    let op = app.operator_org().await;
    let ngo = app.org("Street Outreach", "ngo_outreach").await;
    app.user(&op, "prevention", &["prevention_officer"]).await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    app.user(&ngo, "worker", &["case_worker"]).await;
    let mut p = app.signed_in("prevention").await;
    let r = p
        .post_json(
            "/api/v1/prevention/campaigns",
            &json!({"title": "", "kind": "party", "channels": [], "audience": ["aliens"], "regions": "", "starts_on": "2026-02-30"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for f in ["title", "kind", "channels", "audience", "regions", "starts_on"] {
        assert!(r.body.contains(&format!("\"field\":\"{f}\"")), "{f}: {}", r.body);
    }
    let r = p
        .post_json(
            "/api/v1/prevention/campaigns",
            &json!({"title": "Know your rights at work", "kind": "information", "channels": ["radio", "social_media"], "audience": ["workers", "migrants"], "regions": "north, coast", "starts_on": "2026-03-01", "ends_on": "2026-05-31", "reach": "120000", "cost": "18500.00", "currency": "EUR", "partners": "Street Outreach"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = p
        .post_json(
            "/api/v1/prevention/trainings",
            &json!({"topic": "Identifying victims", "audience": "police", "held_on": "2030-01-01", "organiser": "Academy"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"held_on\"") && r.body.contains("\"field\":\"participants_female\""), "{}", r.body);
    let r = p
        .post_json(
            "/api/v1/prevention/trainings",
            &json!({"topic": "Identifying victims at the border", "audience": "border_guards", "held_on": "2026-10-02", "participants_female": "7", "participants_male": "19", "organiser": "Police Academy"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Budgets are the coordinator's.
    let budget = json!({"programme_area": "victim_services", "fiscal_year": "2026", "allocated": "250000", "spent": "187500", "currency": "EUR", "funder": "Ministry of Social Affairs"});
    assert_eq!(p.post_json("/api/v1/prevention/budgets", &budget).await.status, 403);
    let mut c = app.signed_in("coordinator").await;
    assert_eq!(c.post_json("/api/v1/prevention/budgets", &budget).await.status, 201);
    let r = c
        .post_json(
            "/api/v1/prevention/budgets",
            &json!({"programme_area": "x", "fiscal_year": "26", "allocated": "-1", "currency": "EUR", "funder": ""}),
        )
        .await;
    assert_eq!(r.status, 422);
    for f in ["programme_area", "fiscal_year", "allocated", "funder"] {
        assert!(r.body.contains(&format!("\"field\":\"{f}\"")), "{f}: {}", r.body);
    }
    // Everyone signed in reads them; a case worker records none.
    let mut w = app.signed_in("worker").await;
    assert_eq!(w.post_json("/api/v1/prevention/trainings", &json!({})).await.status, 403);
    let v = w.get("/api/v1/prevention").await.json();
    assert_eq!(v["campaigns"][0]["cost"], "18500.00 EUR");
    assert_eq!(v["trainings"][0]["participants"], 26);
    assert_eq!(v["budgets"][0]["execution"], "75.0%");
    let page = w.get("/prevention").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Know your rights at work") && page.body.contains("75.0%"), "{}", page.body);
    // CSV exports: a title a spreadsheet would evaluate is written as text.
    let r = p
        .post_json(
            "/api/v1/prevention/campaigns",
            &json!({"title": "=HYPERLINK(\"http://evil.example\",\"click\")", "kind": "education", "channels": ["schools"], "audience": ["children_and_youth"], "regions": "south", "starts_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let csv = w.get("/api/v1/prevention/campaigns.csv").await;
    assert_eq!(csv.status, 200);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let titles: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert!(titles.contains(&"'=HYPERLINK(\"http://evil.example\",\"click\")".to_owned()), "{titles:?}");
    assert!(titles.contains(&"Know your rights at work".to_owned()));
    for list in ["trainings", "budgets"] {
        let r = w.get(&format!("/api/v1/prevention/{list}.csv")).await;
        assert_eq!(r.status, 200);
        assert_eq!(csv::Reader::from_reader(r.body.as_bytes()).records().count(), 1, "{list}");
    }
    assert_eq!(app.client().get("/api/v1/prevention/budgets.csv").await.status, 401);

    // The page form shows its errors next to the fields.
    let csrf = p.csrf_token().await.unwrap();
    let r = p
        .post_form(
            "/prevention/trainings",
            &[
                ("csrf", &csrf),
                ("topic", ""),
                ("audience", "police"),
                ("held_on", "2026-10-01"),
                ("participants_male", "3"),
                ("organiser", "X"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("field-error"), "{}", r.body);
}

async fn treaty_status_import_all_or_nothing(app: &TestApp) {
    let op = app.operator_org().await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    app.user(&op, "analyst", &["analyst"]).await;
    let mut c = app.signed_in("coordinator").await;
    let bad = "country,iso3,instrument,signature_date,consent_date,consent_type\nAlbania,ALB,UNTOC,2000-12-12,2002-08-21,ratification\nAtlantis,atl,PALERMO,2001-13-01,,\nNauru,NRU,UNTOC,,2012-07-12,\n";
    let r = c.post_raw_body("/api/v1/prevention/treaty-status?source=test&as_of=2026-01-01", bad.as_bytes(), "text/csv").await;
    assert_eq!(r.status, 422, "{}", r.body);
    for needle in
        ["line 3: an ISO 3166-1", "\"field\":\"instrument\"", "\"field\":\"signature_date\"", "line 4: given exactly when consent_date is"]
    {
        assert!(r.body.contains(needle), "{needle}: {}", r.body);
    }
    assert!(c.get("/api/v1/prevention").await.json()["treaties"].as_array().unwrap().is_empty(), "nothing written");
    // The shipped UNTC snapshot.
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/treaty-status.csv")).unwrap();
    let url = "/api/v1/prevention/treaty-status?source=UNTC%20via%20zmjones%2Funtreaties&as_of=2015-01-27";
    let r = c.post_raw_body(url, &file, "text/csv").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["rows"].as_u64(), r.json()["added"].as_u64()), (Some(530), Some(530)));
    let r = c.post_raw_body(url, &file, "text/csv").await;
    assert_eq!((r.json()["added"].as_u64(), r.json()["updated"].as_u64()), (Some(0), Some(530)), "a re-import replaces");
    let mut a = app.signed_in("analyst").await;
    assert_eq!(a.post_raw_body(url, &file, "text/csv").await.status, 403);
    let v = a.get("/api/v1/prevention?country=ALB").await.json();
    let rows = v["treaties"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{v}");
    assert!(rows.iter().all(|t| t["as_of"] == "2015-01-27"), "the as-of date travels with every row");
    let page = a.get("/prevention?country=ALB").await;
    assert!(page.body.contains("2015-01-27") && page.body.contains("Trafficking in Persons Protocol"), "{}", page.body);
}

async fn demo_prevention_data(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut c = app.client();
    c.sign_in("prevention-officer", palermo_service::demo::DEMO_PASSWORD).await;
    let v = c.get("/api/v1/prevention?country=XVR").await.json();
    assert_eq!(v["campaigns"].as_array().unwrap().len(), 3);
    assert_eq!(v["trainings"].as_array().unwrap().len(), 5);
    assert_eq!(v["budgets"].as_array().unwrap().len(), 8);
    assert_eq!(v["treaties"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(c.get("/api/v1/prevention").await.json()["treaties"].as_array().unwrap().len(), 533);
    // The case list as CSV: what the list shows, all pages, no identity.
    for user in ["coordinator", "case-worker"] {
        let mut u = app.client();
        u.sign_in(user, palermo_service::demo::DEMO_PASSWORD).await;
        let total = u.get("/api/v1/cases").await.json()["total"].as_u64().unwrap();
        let r = u.get("/api/v1/cases.csv").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut reader = csv::Reader::from_reader(r.body.as_bytes());
        assert_eq!(&reader.headers().unwrap()[0], "reference");
        assert_eq!(reader.records().count() as u64, total, "{user}: every row the list shows, over all its pages");
    }
    let audit = app.app.recent_audit(&palermo_service::admin::Caller::Console, 50, &palermo_service::RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "case.export"), "the export is audited");
}
