//! The field's exports over HTTP, on both engines, each read back with a real parser: lists as
//! XLSX (calamine: text stays a string cell, counts are numbers), the GLOTIP tables as CSV and
//! XLSX through the disclosure gate, CTDC microdata through the k-anonymity gate (a planted
//! unique person never leaves as they are), and HTCDS 2.0 JSON validated against our schema,
//! sent only on consent or the child rule.

use crate::coordination::{consent, open_case, world};
use calamine::{Data, Reader, Xlsx};
use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::TestApp;
use serde_json::{Value, json};
use std::collections::HashMap;

crate::on_both_engines!(
    xlsx_lists_keep_text_as_text,
    glotip_tables_through_the_gate,
    ctdc_microdata_is_k_anonymous,
    htcds_exchange_on_consent
);

fn workbook(bytes: &[u8]) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a readable XLSX file")
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn xlsx_lists_keep_text_as_text(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut p = app.client();
    p.sign_in("prevention-officer", palermo_service::demo::DEMO_PASSWORD).await;
    for (title, reach) in [("=HYPERLINK(\"http://evil.example\",\"click\")", "1200"), ("00123 outreach", "35")] {
        let r = p
            .post_json(
                "/api/v1/prevention/campaigns",
                &json!({"title": title, "kind": "education", "channels": ["schools"], "audience": ["children_and_youth"], "regions": "south", "starts_on": "2026-04-01", "reach": reach}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = p.get("/api/v1/prevention/campaigns.xlsx").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers.get("content-type").unwrap(), XLSX);
    assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().contains("campaigns.xlsx"));
    let mut wb = workbook(&r.bytes);
    assert_eq!(wb.sheet_names(), vec!["Campaigns".to_owned()]);
    let sheet = wb.worksheet_range("Campaigns").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("title".into()));
    let titles: Vec<&Data> = rows[1..].iter().map(|r| &r[0]).collect();
    assert!(
        titles.contains(&&Data::String("=HYPERLINK(\"http://evil.example\",\"click\")".into())),
        "a formula-like title is a string: {titles:?}"
    );
    assert!(titles.contains(&&Data::String("00123 outreach".into())), "leading zeros kept: {titles:?}");
    let formulas = wb.worksheet_formula("Campaigns").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no cell is a formula");
    let reach = rows[0].iter().position(|h| *h == Data::String("reach".into())).unwrap();
    assert!(rows[1..].iter().all(|r| matches!(r[reach], Data::Float(_) | Data::Int(_))), "reach is a number");
    // Anonymous: 401.
    assert_eq!(app.client().get("/api/v1/prevention/budgets.xlsx").await.status, 401);

    // The case list as XLSX: the same rows as the list, over all its pages.
    let mut u = app.client();
    u.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    let total = u.get("/api/v1/cases").await.json()["total"].as_u64().unwrap();
    let r = u.get("/api/v1/cases.xlsx").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut wb = workbook(&r.bytes);
    let sheet = wb.worksheet_range("Cases").unwrap();
    assert_eq!(sheet.rows().next().unwrap()[0], Data::String("reference".into()));
    assert_eq!(sheet.rows().count() as u64 - 1, total);
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "case.export" && e.purpose.as_deref().unwrap_or("").contains("XLSX")), "audited");
}

/// No published figure between 1 and the threshold; in every table no row or column (with its
/// total) has exactly one hidden figure; the victims tables agree on their shared totals and
/// add up to the cases in the database when published.
async fn glotip_tables_through_the_gate(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let r = analyst.get("/api/v1/statistics/glotip.csv?year=1066").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"year\""), "{}", r.body);
    let r = analyst.get("/api/v1/statistics/glotip.csv?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["table", "row", "column", "value", "status"]);
    // table → (row, column) → value (None when hidden)
    let mut tables: HashMap<String, HashMap<(String, String), Option<u64>>> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if rec[0].starts_with("Value of assets confiscated") {
            assert!(rec[3].parse::<f64>().is_ok(), "{rec:?}");
            continue;
        }
        let v = match &rec[4] {
            "published" => {
                let n: u64 = rec[3].parse().unwrap();
                assert!(n == 0 || n >= 11, "{n} published: {rec:?}");
                Some(n)
            }
            "suppressed_primary" | "suppressed_complementary" => {
                assert_eq!(&rec[3], "");
                None
            }
            other => panic!("status {other}"),
        };
        tables.entry(rec[0].to_owned()).or_default().insert((rec[1].to_owned(), rec[2].to_owned()), v);
    }
    assert_eq!(tables.len(), 7, "{:?}", tables.keys());
    for (title, cells) in &tables {
        let rows: std::collections::BTreeSet<&String> = cells.keys().map(|k| &k.0).collect();
        let cols: std::collections::BTreeSet<&String> = cells.keys().map(|k| &k.1).collect();
        for r in &rows {
            let hidden = cols.iter().filter(|c| cells.get(&(r.to_string(), c.to_string())).is_some_and(Option::is_none)).count();
            assert_ne!(hidden, 1, "{title}: row {r} has one hidden figure, recomputable from the others");
        }
        for c in &cols {
            let hidden = rows.iter().filter(|r| cells.get(&(r.to_string(), c.to_string())).is_some_and(Option::is_none)).count();
            assert_ne!(hidden, 1, "{title}: column {c} has one hidden figure, recomputable from the others");
        }
    }
    let by_form = tables.iter().find(|(t, _)| t.starts_with("Victims detected by form")).unwrap().1;
    let by_cit = tables.iter().find(|(t, _)| t.starts_with("Victims detected by citizenship")).unwrap().1;
    let by_where = tables.iter().find(|(t, _)| t.starts_with("Victims detected by country of exploitation")).unwrap().1;
    for g in ["women", "men", "girls", "boys", "other_or_unknown", "total"] {
        let key = ("total".to_owned(), g.to_owned());
        assert_eq!(by_form.get(&key), by_cit.get(&key), "the victims tables publish the same {g} total, or hide it in all");
        assert_eq!(by_form.get(&key), by_where.get(&key), "the victims tables publish the same {g} total, or hide it in all");
    }
    // Exploited at home and abroad: the published row totals are the database's.
    let mut abroad = 0;
    for ((row, col), v) in by_where {
        if col != "total" || row == "total" {
            continue;
        }
        let sql: &'static str = match row.as_str() {
            "XVR" => {
                "SELECT COUNT(*) FROM cases WHERE exploitation_country = 'XVR' AND referred_on >= '2026-01-01' AND referred_on < '2027-01-01'"
            }
            "ITA" => {
                "SELECT COUNT(*) FROM cases WHERE exploitation_country = 'ITA' AND referred_on >= '2026-01-01' AND referred_on < '2027-01-01'"
            }
            "unknown" => {
                "SELECT COUNT(*) FROM cases WHERE exploitation_country IS NULL AND referred_on >= '2026-01-01' AND referred_on < '2027-01-01'"
            }
            _ => {
                abroad += 1;
                continue;
            }
        };
        let n = palermo_store::testing::count(&app.db_url, sql).await.unwrap() as u64;
        if let Some(v) = v {
            assert_eq!(*v, n, "victims exploited in {row}");
        }
    }
    assert!(by_where.contains_key(&("XVR".to_owned(), "total".to_owned())), "{:?}", by_where.keys());
    assert!(abroad > 0, "victims exploited abroad are counted by country");
    let in_db = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01'",
    )
    .await
    .unwrap() as u64;
    let total = by_form.get(&("total".to_owned(), "total".to_owned())).copied().flatten();
    assert_eq!(total, Some(in_db), "every victim detected counted once, and the year's total is published");
    let hidden = tables.values().flat_map(|t| t.values()).filter(|v| v.is_none()).count();
    assert!(hidden > 0, "the demo has small groups, and they are hidden");

    // One release of these people wherever they are published: the justice statistics'
    // publishable tables are the GLOTIP stage tables figure for figure, and the implementation
    // report's figures are those tables' totals (x where they are hidden) — so that no two
    // releases, side by side, give away a figure one of them hides.
    let figure = |c: &serde_json::Value| c.as_u64();
    let s = analyst.get("/api/v1/justice/statistics?year=2026").await.json();
    let report = analyst.get("/report?year=2026").await.body;
    let dd = |what: &str| {
        report.split(&format!("<dt>{what}</dt><dd>")).nth(1).and_then(|d| d.split("</dd>").next()).unwrap_or_default().to_owned()
    };
    for (i, (title, shown)) in [
        ("Persons brought into formal contact", "Persons investigated"),
        ("Persons prosecuted", "Persons prosecuted"),
        ("Persons convicted", "Persons convicted"),
    ]
    .into_iter()
    .enumerate()
    {
        let glotip = tables.iter().find(|(t, _)| t.starts_with(title)).unwrap().1;
        let t = &s["publishable"][i];
        let rows: Vec<String> = t["row_labels"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
        let cols: Vec<String> = t["col_labels"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        for (r, row) in rows.iter().enumerate() {
            for (c, col) in cols.iter().enumerate() {
                assert_eq!(figure(&t["cells"][r][c]), glotip[&(row.clone(), col.clone())], "{title}: {row} × {col}");
            }
        }
        let total = glotip.get(&("total".to_owned(), "total".to_owned())).copied().flatten();
        assert_eq!(figure(&t["total"]), total, "{title}");
        assert_eq!(dd(shown), total.map_or_else(|| "x".to_owned(), |n| n.to_string()), "the report's {shown}");
    }
    let sexual = by_form.get(&("sexual_exploitation".to_owned(), "total".to_owned())).copied().flatten();
    assert_eq!(
        dd("Victims detected, trafficked for sexual exploitation"),
        sexual.map_or_else(|| "x".to_owned(), |n| n.to_string()),
        "the report's figure is the GLOTIP table's"
    );

    let r = analyst.get("/api/v1/statistics/glotip.xlsx?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut wb = workbook(&r.bytes);
    let names = wb.sheet_names();
    for s in ["About", "Offences", "Convicted", "Victims by form", "Victims by citizenship", "Victims by country", "Assets confiscated"] {
        assert!(names.contains(&s.to_owned()), "{s} in {names:?}");
    }
    let sheet = wb.worksheet_range("Victims by form").unwrap();
    for row in sheet.rows().skip(1) {
        for c in &row[1..] {
            match c {
                Data::String(s) => assert_eq!(s, "x", "a hidden figure is the text x"),
                Data::Float(n) => assert!(*n == 0.0 || *n >= 11.0, "{n}"),
                Data::Int(n) => assert!(*n == 0 || *n >= 11, "{n}"),
                other => panic!("{other:?}"),
            }
        }
    }
    let mut cw = app.client();
    cw.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    assert_eq!(cw.get("/api/v1/statistics/glotip.xlsx?year=2026").await.status, 403);
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "statistics.release" && e.object_id.as_deref() == Some("glotip/2026")), "audited");
}

async fn ctdc_microdata_is_k_anonymous(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    // Plant unique people: the only Icelander, and the only one exploited in New Zealand.
    app.sql(
        "UPDATE persons SET citizenships = 'ISL' WHERE id = (SELECT person_id FROM cases WHERE person_id IS NOT NULL AND referred_on >= '2026-01-01' ORDER BY reference LIMIT 1)",
    )
    .await;
    app.sql(
        "UPDATE cases SET exploitation_country = 'NZL' WHERE id = (SELECT id FROM cases WHERE referred_on >= '2026-01-01' ORDER BY reference DESC LIMIT 1)",
    )
    .await;
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let r = analyst.get("/api/v1/statistics/ctdc.csv?year=2026&k=5").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"k\""), "{}", r.body);
    let r = analyst.get("/api/v1/statistics/ctdc.csv?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let header = |n: &str| r.headers.get(n).unwrap().to_str().unwrap().parse::<usize>().unwrap();
    assert_eq!(header("x-palermo-k"), 11);
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    let cols: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(cols, palermo_service::ctdc::columns());
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    assert_eq!(rows.len(), header("x-palermo-released"));
    let in_db = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01'",
    )
    .await
    .unwrap() as usize;
    assert_eq!(rows.len() + header("x-palermo-dropped-records") + header("x-palermo-without-consent"), in_db);
    assert!(rows.len() > in_db / 2, "most victims are released: {} of {in_db}", rows.len());
    let mut classes: HashMap<&Vec<String>, usize> = HashMap::new();
    for row in &rows {
        *classes.entry(row).or_default() += 1;
    }
    for (row, n) in &classes {
        assert!(*n >= 11, "a combination shared by {n} lines only: {row:?}");
    }
    let cit = cols.iter().position(|c| c == "citizenship").unwrap();
    assert!(rows.iter().all(|r| r[cit] != "IS"), "the planted unique person's citizenship never leaves");
    let exploited_in = cols.iter().position(|c| c == "CountryOfExploitation").unwrap();
    assert!(rows.iter().all(|r| r[exploited_in] != "NZ"), "the planted unique country of exploitation never leaves");
    assert!(rows.iter().any(|r| r[exploited_in] == "XVR"), "the demo country (user-assigned, no alpha-2) is written as recorded");
    let user_assigned = palermo_service::palermo_domain::country::user_assigned;
    assert!(
        rows.iter().all(|r| r[cit] == "-99" || r[cit].len() == 2 || user_assigned(&r[cit])),
        "citizenship in ISO 3166-1 alpha-2 as CTDC writes it (a user-assigned code such as Kosovo's XKX as recorded)"
    );
    let mut cw = app.client();
    cw.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    assert_eq!(cw.get("/api/v1/statistics/ctdc.csv?year=2026").await.status, 403);
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "statistics.release" && e.purpose.as_deref().unwrap_or("").contains("CTDC microdata, k = 11")),
        "audited with the gate's figures"
    );
}

fn validate(doc: &Value) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schemas/htcds-2.0-case.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles");
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}\n{doc:#}");
}

async fn htcds_exchange_on_consent(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "30").await;
    let url = format!("/api/v1/cases/{id}/htcds");
    let ask = |identity: bool| json!({"recipient": w.shelter, "purpose": "referral for accommodation", "identity": identity});

    // No consent to the shelter: refused, naming the field and why.
    let r = fr.post_json(&url, &ask(false)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("\"field\":\"recipient\"") && r.body.contains("not recorded"), "{}", r.body);
    let r = fr.post_json(&url, &json!({"recipient": w.police.id.to_string(), "purpose": "x"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"purpose\"") && r.body.contains("another organisation than your own"), "{}", r.body);

    // With consent: the case in HTCDS names, valid against our schema, no identity unless asked.
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "given")).await.status, 200);
    let r = fr.post_json(&url, &ask(false)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let doc = r.json();
    validate(&doc);
    assert_eq!(doc["export"]["basis"], "consent");
    assert_eq!(doc["vic_TraffickingStatus"], "PossibleVictimOfTrafficking");
    assert_eq!(doc["vic_TypeOfExploitation"], json!(["ForcedLabour"]));
    assert_eq!(doc["prs_Gender"], "Feminine");
    assert!(doc.get("prs_FirstName").is_none() && !r.body.contains("Testperson"), "no identity: {doc}");
    let r = fr.post_json(&url, &ask(true)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    validate(&r.json());
    assert_eq!((r.json()["prs_FirstName"].as_str(), r.json()["prs_SecondName"].as_str()), (Some("Elena"), Some("Testperson")));
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    let e = audit.iter().find(|e| e.action == "case.export_htcds" && e.outcome == "ok").expect("the export is audited");
    assert!(e.purpose.as_deref().unwrap_or("").contains("referral for accommodation"), "{:?}", e.purpose);
    assert!(audit.iter().any(|e| e.action == "case.export_htcds" && e.section.as_deref() == Some("summary,identity")));

    // Consent withdrawn: refused on the next request.
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "withdrawn")).await.status, 200);
    let r = fr.post_json(&url, &ask(false)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("withdrawn"), "{}", r.body);

    // A child: the child rule stands in for consent.
    let child = open_case(app, &mut fr, &w, "15").await;
    let r = fr.post_json(&format!("/api/v1/cases/{child}/htcds"), &ask(false)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    validate(&r.json());
    assert_eq!(r.json()["export"]["basis"], "child_rule");

    // Outside the case: the 404 of a missing case; anonymous: 401; the recipient itself (not the team): 404 here.
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.post_json(&url, &ask(false)).await.status, 404);
    assert_eq!(app.client().post_raw(&url, &[], &[]).await.status, 401);
    let mut shelter = app.signed_in("shelter-user").await;
    assert_eq!(shelter.post_json(&url, &ask(false)).await.status, 404);
}

/// `[statistics] threshold = 30, round_to = 5`: every release follows the configuration.
async fn a_stricter_threshold_from_the_configuration(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let mut published = Vec::new();
    let r = analyst.get("/api/v1/statistics/glotip.csv?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    for rec in csv::Reader::from_reader(r.body.as_bytes()).records() {
        let rec = rec.unwrap();
        if &rec[4] == "published" && !rec[0].starts_with("Value of assets") {
            published.push(rec[3].parse::<u64>().unwrap());
        }
    }
    let r = analyst.get("/api/v1/statistics/sdg-16-2-2?year=2026&ref_area=999").await;
    for rec in csv::Reader::from_reader(r.body.as_bytes()).records() {
        if let Ok(n) = rec.unwrap()[8].parse::<u64>() {
            published.push(n);
        }
    }
    assert!(!published.is_empty());
    for n in &published {
        assert!(*n == 0 || (*n >= 30 && n % 5 == 0), "{n} published under threshold 30, base 5");
    }
    let r = analyst.get("/api/v1/statistics/ctdc.csv?year=2026&k=11").await;
    assert_eq!(r.status, 422, "k below the configured threshold: {}", r.body);
    assert!(r.body.contains("from 30 to 1000"), "{}", r.body);
    let r = analyst.get("/api/v1/statistics/ctdc.csv?year=2026").await;
    assert_eq!(r.headers.get("x-palermo-k").unwrap(), "30");
}

mod configured_threshold {
    use palermo_testkit::{Engine, TestApp};

    async fn run(engine: Engine) {
        let Some(app) = TestApp::spawn_with(engine, |c| {
            c.statistics.threshold = 30;
            c.statistics.round_to = 5;
        })
        .await
        else {
            return;
        };
        super::a_stricter_threshold_from_the_configuration(&app).await;
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Engine::Postgres).await;
    }
}

/// Referrals between organisations (¶6, ¶9): the answers per service kind through the gate and
/// the hours to an answer, published only where enough were answered. Threshold 3, so the
/// demo's ten referrals give figures on both sides of it.
async fn referral_statistics_through_the_gate(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let r = analyst.get("/api/v1/statistics/referrals?year=1492").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"year\""), "{}", r.body);
    let r = analyst.get("/api/v1/statistics/referrals?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let out = &v["outcomes"];
    let count = |c: &Value| c.as_u64();
    let mut published = Vec::new();
    for row in out["cells"].as_array().unwrap() {
        published.extend(row.as_array().unwrap().iter().filter_map(count));
    }
    published.extend(out["row_totals"].as_array().unwrap().iter().filter_map(count));
    published.extend(out["col_totals"].as_array().unwrap().iter().filter_map(count));
    assert!(published.iter().all(|n| *n == 0 || *n >= 3), "{published:?}");
    let in_db = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM referrals WHERE sent_at >= '2026-01-01' AND sent_at < '2027-01-01'",
    )
    .await
    .unwrap() as u64;
    assert!(in_db >= 10, "the demo's referrals: {in_db}");
    assert_eq!(count(&out["total"]), Some(in_db), "every referral counted once: {out}");
    let accommodation = out["row_labels"].as_array().unwrap().iter().position(|l| l == "accommodation").expect("accommodation row");
    assert_eq!(count(&out["cells"][accommodation][0]), Some(5), "the shelter accepted five: {out}");
    let times = v["times"].as_array().unwrap();
    let all = times.iter().find(|t| t["kind"] == "all").unwrap();
    assert!(all["median_hours"].is_i64() && all["p90_hours"].is_i64(), "enough answered to publish: {all}");
    for t in times {
        if t["median_hours"].is_null() {
            assert!(t["p90_hours"].is_null(), "{t}");
        }
    }
    let mut cw = app.client();
    cw.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    assert_eq!(cw.get("/api/v1/statistics/referrals?year=2026").await.status, 403);
    assert_eq!(app.client().get("/api/v1/statistics/referrals?year=2026").await.status, 401);
}

mod referral_threshold {
    use palermo_testkit::{Engine, TestApp};

    async fn run(engine: Engine) {
        let Some(app) = TestApp::spawn_with(engine, |c| c.statistics.threshold = 3).await else {
            return;
        };
        super::referral_statistics_through_the_gate(&app).await;
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Engine::Postgres).await;
    }
}
