//! The NRM over HTTP, on both engines: screening and referral, the legal stages and their
//! clocks, need-to-know (404 for outsiders, sections, consent withdrawal, regional
//! coordinators), break-glass and its review, anonymous notifications.

use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::{Client, TestApp};
use serde_json::{Value, json};
use time::Duration;

crate::on_both_engines!(
    referral_decisions_and_clocks,
    need_to_know_consent_and_break_glass,
    notifications_children_and_reconsideration,
    generated_cases_cover_every_stage,
    jurisdiction_settings_from_the_page,
    retention_erases_identities_once_their_time_has_come,
);

struct World {
    police: String,
    authority_org: String,
    shelter: String,
    operator: palermo_service::admin::OrgView,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator_org().await;
    let police = app.org("City Police", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let shelter = app.org("Safe Shelter", "shelter").await;
    let other = app.org("Other NGO", "ngo_outreach").await;
    app.user(&police, "responder", &["first_responder"]).await;
    app.user(&directorate, "authority", &["competent_authority"]).await;
    app.user(&shelter, "worker", &["case_worker"]).await;
    app.user(&other, "outsider", &["case_worker"]).await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    app.user(&op, "auditor", &["auditor"]).await;
    World { police: police.id.to_string(), authority_org: directorate.id.to_string(), shelter: shelter.id.to_string(), operator: op }
}

async fn person(c: &mut Client, given: &str, age: &str) -> String {
    let r = c
        .post_json(
            "/api/v1/persons",
            &json!({"given_name": given, "family_name": "Testperson", "sex": "Feminine", "age_at_identification": age}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["reference"].as_str().unwrap().to_owned()
}

/// An adult labour screening that meets both the art. 3 elements and the ILO rule.
fn adult_referral(person: &str, authority: &str) -> Value {
    json!({
        "kind": "referral", "person": person, "screened_on": "2026-11-17", "population": "adult", "exploitation_form": "labour",
        "acts": ["recruitment", "transportation"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
        "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"],
        "competent_authority": authority, "referral_consent": "given", "consent_form": "written", "interpreter_language": "ro",
        "checklist": ["consent_to_interview", "informed_of_purpose", "informed_of_withdrawal"]
    })
}

async fn cases_in_db(app: &TestApp) -> i64 {
    palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM cases").await.unwrap()
}

async fn referral_decisions_and_clocks(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let p = person(&mut fr, "Mariana", "29").await;

    // An adult without consent cannot be referred: a clear error, and nothing is created.
    let mut no_consent = adult_referral(&p, &w.authority_org);
    no_consent["referral_consent"] = json!("refused");
    let r = fr.post_json("/api/v1/cases", &no_consent).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("referral_consent") && r.body.contains("anonymous notification"), "{}", r.body);
    // An unknown indicator code is named.
    let mut bad = adult_referral(&p, &w.authority_org);
    bad["indicators"] = json!(["DR.01", "ZZ.99"]);
    let r = fr.post_json("/api/v1/cases", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("ZZ.99"), "{}", r.body);
    // A country of exploitation that is not an ISO 3166-1 alpha-3 code is named.
    let mut bad = adult_referral(&p, &w.authority_org);
    bad["exploitation_country"] = json!("Romania");
    let r = fr.post_json("/api/v1/cases", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"exploitation_country\"") && r.body.contains("alpha-3"), "{}", r.body);
    assert_eq!(cases_in_db(app).await, 0);

    let mut referral = adult_referral(&p, &w.authority_org);
    referral["exploitation_country"] = json!("ita");
    let r = fr.post_json("/api/v1/cases", &referral).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let opened = r.json();
    let id = opened["id"].as_str().unwrap().to_owned();
    assert!(opened["reference"].as_str().unwrap().starts_with("NRM-2026-"), "{opened}");
    // Referred on Wednesday 18 November 2026: 5 working days → Wednesday 25 November.
    assert_eq!(opened["deadline"]["kind"], "reasonable_grounds_decision");
    assert_eq!(opened["deadline"]["due"], "2026-11-25");
    assert_eq!(opened["deadline"]["ends_at"], "2026-11-26T00:00:00Z");

    // The screening's suggestion and its reasons.
    let view = fr.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(view.status, 200, "{}", view.body);
    let v = view.json();
    assert_eq!(v["exploitation_country"], "ITA");
    assert_eq!(v["screening"]["elements_met"], true);
    assert_eq!(v["screening"]["indicators_suggest"], true);
    assert_eq!(v["screening"]["positive_dimensions"], json!(["DR", "EX", "CD"]));
    assert_eq!(v["person"]["identity"]["given_name"], "Mariana");
    // The first responder may not decide.
    let decision = json!({"decision": "reasonable_grounds", "outcome": "positive", "decided_on": "2026-11-18", "reasons": "Credible account, documents withheld by employer."});
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/decision"), &decision).await.status, 403);

    // The competent authority decides; the recovery period starts.
    let mut ca = app.signed_in("authority").await;
    let r = ca.post_json(&format!("/api/v1/cases/{id}/decision"), &decision).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "recovery_period");
    let v = ca.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["recovery_period_ends"], "2026-12-18");
    assert_eq!(v["earliest_conclusive_grounds"], "2026-12-18");
    assert_eq!(v["deadline"]["kind"], "conclusive_grounds_decision");
    assert_eq!(v["awaited_decision"], "conclusive_grounds");
    // The decision and its reasons are on the timeline.
    let timeline = v["timeline"].as_array().unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e["kind"] == "decide_reasonable_grounds" && e["reasons"] == "Credible account, documents withheld by employer.")
    );

    // Too early for the CG decision: refused, naming the earliest date; nothing changes.
    let cg = json!({"decision": "conclusive_grounds", "outcome": "positive", "decided_on": "2026-11-18", "reasons": "Account corroborated by labour inspection."});
    let r = ca.post_json(&format!("/api/v1/cases/{id}/decision"), &cg).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("2026-12-18"), "{}", r.body);
    // A decision in the future is refused too.
    let mut future = cg.clone();
    future["decided_on"] = json!("2027-01-20");
    assert_eq!(ca.post_json(&format!("/api/v1/cases/{id}/decision"), &future).await.status, 422);

    // 31 days later the CG decision is taken; the case moves to assistance and has no deadline.
    app.clock.advance(Duration::days(31));
    let mut ca = app.signed_in("authority").await;
    let mut cg = cg;
    cg["decided_on"] = json!("2026-12-19");
    cg["told_on"] = json!("2026-12-19");
    let r = ca.post_json(&format!("/api/v1/cases/{id}/decision"), &cg).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "assistance");
    assert!(r.json()["deadline"].is_null());
    // Assistance → a second CG decision is an illegal transition: a clear error.
    let r = ca.post_json(&format!("/api/v1/cases/{id}/decision"), &cg).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("cannot decide_conclusive_grounds"), "{}", r.body);

    // A second referral left without a decision becomes overdue, and the authority is alerted.
    let mut fr = app.signed_in("responder").await;
    let p2 = person(&mut fr, "Oksana", "34").await;
    let mut second = adult_referral(&p2, &w.authority_org);
    second["screened_on"] = json!("2026-12-19");
    let r = fr.post_json("/api/v1/cases", &second).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second_ref = r.json()["reference"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(10));
    let mut ca = app.signed_in("authority").await;
    let list = ca.get("/api/v1/cases?deadline=overdue").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let rows = list.json()["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["reference"], second_ref.as_str());
    assert_eq!(rows[0]["deadline"]["status"], "overdue");
    let home = ca.get("/").await;
    assert!(home.body.contains("id=\"overdue-alert\""), "{}", home.body);
    assert!(home.body.contains("Victim Directorate"), "per-authority table");
    // Filters are validated.
    assert_eq!(ca.get("/api/v1/cases?stage=nonsense").await.status, 422);
    let page = ca.get("/cases?stage=recovery_period&deadline=week").await;
    assert_eq!(page.status, 200);

    // Every case read was audited with the sections read.
    let audit = app.app.recent_audit(&Caller::Console, 500, &RequestMeta::cli()).await.unwrap();
    let views: Vec<_> = audit.iter().filter(|r| r.action == "case.view").collect();
    assert!(views.iter().any(|r| r.section.as_deref() == Some("summary,identity,screening,decisions")), "{views:?}");
    let _ = (&w.police, &w.shelter);
    decision_dates_follow_the_timeline(app).await;
}

/// The first RG and CG decision dates kept on each case (for the waiting times) are the
/// timeline's, and some were set.
pub(crate) async fn decision_dates_follow_the_timeline(app: &TestApp) {
    let q = |col: &str, kind: &str| {
        format!(
            "SELECT COUNT(*) FROM cases c WHERE COALESCE(CAST(c.{col} AS TEXT), '-') <> \
             COALESCE((SELECT CAST(MIN(e.on_date) AS TEXT) FROM case_events e WHERE e.case_id = c.id AND e.kind = '{kind}'), '-')"
        )
    };
    for (col, kind) in [("rg_decided_on", "decide_reasonable_grounds"), ("cg_decided_on", "decide_conclusive_grounds")] {
        let sql = q(col, kind);
        assert_eq!(palermo_store::testing::count(&app.db_url, sql.leak()).await.unwrap(), 0, "{col}");
    }
    assert!(palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM cases WHERE rg_decided_on IS NOT NULL").await.unwrap() > 0);
    for bad in [
        "SELECT COUNT(*) FROM cases WHERE (rg_decided_on IS NULL) <> (rg_wait_days IS NULL) OR (cg_decided_on IS NULL OR rg_decided_on IS NULL) <> (cg_wait_days IS NULL)",
        "SELECT COUNT(*) FROM cases WHERE rg_wait_days < 0 OR cg_wait_days < 0",
        "SELECT COUNT(*) FROM cases c JOIN persons p ON p.id = c.person_id WHERE p.citizenships <> '' AND (c.nationality IS NULL OR p.citizenships NOT LIKE c.nationality || '%')",
    ] {
        assert_eq!(palermo_store::testing::count(&app.db_url, bad).await.unwrap(), 0, "{bad}");
    }
}

async fn need_to_know_consent_and_break_glass(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let p = person(&mut fr, "Amal", "25").await;
    let r = fr.post_json("/api/v1/cases", &adult_referral(&p, &w.authority_org)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let reference = r.json()["reference"].as_str().unwrap().to_owned();

    // An unrelated organisation: the same 404 as a case that does not exist, page and API.
    let mut outsider = app.signed_in("outsider").await;
    let hidden = outsider.get(&format!("/api/v1/cases/{id}")).await;
    let missing = outsider.get(&format!("/api/v1/cases/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(strip_request_id(&hidden.body), strip_request_id(&missing.body));
    assert_eq!(outsider.get(&format!("/cases/{id}")).await.status, 404);
    let list = outsider.get("/api/v1/cases").await.json();
    assert_eq!(list["total"], 0);

    // The shelter's case worker has no relation yet: 404. Consent alone opens nothing; a
    // consented referral to the shelter's service opens the summary and identity (not the
    // screening); withdrawal closes it on the next request.
    let mut worker = app.signed_in("worker").await;
    assert_eq!(worker.get(&format!("/api/v1/cases/{id}")).await.status, 404);
    let consent = json!({"purpose": "referral", "recipient": w.shelter, "status": "given", "decided_on": "2026-11-18", "form": "written", "given_by": "person", "checklist": ["informed_of_purpose"]});
    let r = fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(worker.get(&format!("/api/v1/cases/{id}")).await.status, 404);
    let service = worker
        .post_json(
            "/api/v1/services",
            &json!({"kind": "accommodation", "name": "Safe Shelter beds", "regions": "capital", "capacity": "4"}),
        )
        .await;
    assert_eq!(service.status, 201, "{}", service.body);
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": service.json()["id"]})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = worker.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let v = v.json();
    assert_eq!(v["sections"], json!(["summary", "identity"]));
    assert_eq!(v["person"]["identity"]["given_name"], "Amal");
    assert!(v["screening"].is_null());
    assert_eq!(worker.get("/api/v1/cases").await.json()["total"], 1);
    let mut withdrawn = consent.clone();
    withdrawn["status"] = json!("withdrawn");
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &withdrawn).await.status, 200);
    assert_eq!(worker.get(&format!("/api/v1/cases/{id}")).await.status, 404, "withdrawal takes effect on the next request");
    assert_eq!(worker.get("/api/v1/cases").await.json()["total"], 0);

    // The national coordinator sees the case and its decisions, never the identity.
    let mut coord = app.signed_in("coordinator").await;
    let v = coord.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert!(v.json()["person"].is_null());
    assert_eq!(v.json()["sections"], json!(["summary", "decisions"]));

    // Break-glass: a reason is required; then time-boxed access, visible to the owner and
    // on the review page.
    let r = outsider.post_json("/api/v1/break-glass", &json!({"reference": reference, "reason": "urgent"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("reason"));
    let r = outsider
        .post_json("/api/v1/break-glass", &json!({"reference": "NRM-2026-999999", "reason": "Person at risk tonight, owner unreachable"}))
        .await;
    assert_eq!(r.status, 404);
    let r = outsider
        .post_json("/api/v1/break-glass", &json!({"reference": reference, "reason": "Person at risk tonight, owner unreachable"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = outsider.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200);
    assert_eq!(v.json()["break_glass_active"], true);
    assert_eq!(v.json()["person"]["identity"]["given_name"], "Amal");
    let home = fr.get("/").await;
    assert!(home.body.contains("id=\"break-glass-alert\""), "the owner is alerted");
    let mut auditor = app.signed_in("auditor").await;
    let review = auditor.get("/break-glass/review").await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains(&reference) && review.body.contains("Person at risk tonight"), "{}", review.body);
    assert_eq!(fr.get("/break-glass/review").await.status, 403);
    let audit = app.app.recent_audit(&Caller::Console, 200, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "case.view" && r.purpose.as_deref() == Some("break_glass")));
    // The grant expires after an hour.
    app.clock.advance(Duration::minutes(61));
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.get(&format!("/api/v1/cases/{id}")).await.status, 404);
}

fn strip_request_id(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut v = v;
    if let Some(o) = v.as_object_mut() {
        o.remove("request_id");
    }
    v.to_string()
}

async fn notifications_children_and_reconsideration(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;

    // An anonymous notification carries no identity; it counts, and converts once the person
    // consents (audited).
    let n = json!({"kind": "anonymous_notification", "screened_on": "2026-11-16", "population": "adult", "exploitation_form": "sexual",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["exploitation_of_prostitution_of_others"], "indicators": ["CD.06", "DR.01"],
        "sex": "Feminine", "age_group": "adult"});
    let r = fr.post_json("/api/v1/cases", &n).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nid = r.json()["id"].as_str().unwrap().to_owned();
    assert!(r.json()["reference"].as_str().unwrap().starts_with("AN-2026-"));
    assert!(r.json()["stage"].is_null());
    let mut with_person = n.clone();
    with_person["person"] = json!("P-2026-000001");
    assert_eq!(fr.post_json("/api/v1/cases", &with_person).await.status, 422, "no identity in a notification");
    let listed = fr.get("/api/v1/cases?kind=anonymous_notification").await.json();
    assert_eq!(listed["total"], 1);
    let p = person(&mut fr, "Ines", "31").await;
    let csrf = fr.csrf_token().await.unwrap();
    let r =
        fr.post_form(&format!("/cases/{nid}/convert"), &[("csrf", &csrf), ("person", &p), ("competent_authority", &w.authority_org)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let v = fr.get(&format!("/api/v1/cases/{nid}")).await.json();
    assert_eq!(v["kind"], "referral");
    assert_eq!(v["stage"], "referred");
    let audit = app.app.recent_audit(&Caller::Console, 200, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "case.convert"));

    // A child is referred without consent (the child rule), and means are not required.
    let child = person(&mut fr, "Sami", "15").await;
    let c = json!({"kind": "referral", "person": child, "screened_on": "2026-11-18", "population": "child", "exploitation_form": "labour",
        "acts": ["recruitment"], "purposes": ["forced_labour_or_services"], "indicators": ["EX.01", "EX.03"],
        "competent_authority": w.authority_org, "views": "Wants to stay with her aunt; guardian agrees."});
    let r = fr.post_json("/api/v1/cases", &c).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cid = r.json()["id"].as_str().unwrap().to_owned();
    let v = fr.get(&format!("/api/v1/cases/{cid}")).await.json();
    assert_eq!(v["screening"]["elements_met"], true, "no means needed for a child");
    assert_eq!(v["screening"]["indicators_suggest"], true);
    let mut as_notification = c.clone();
    as_notification["kind"] = json!("anonymous_notification");
    as_notification["person"] = json!("");
    as_notification["sex"] = json!("Masculine");
    as_notification["age_group"] = json!("unknown");
    assert_eq!(fr.post_json("/api/v1/cases", &as_notification).await.status, 422, "children are referred, not notified");

    // A negative RG decision needs the date the person was told; reconsideration reopens it.
    let mut ca = app.signed_in("authority").await;
    let neg = json!({"decision": "reasonable_grounds", "outcome": "negative", "decided_on": "2026-11-18", "reasons": "Insufficient indicators at this stage."});
    let r = ca.post_json(&format!("/api/v1/cases/{cid}/decision"), &neg).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("told_on"), "{}", r.body);
    let mut neg = neg;
    neg["told_on"] = json!("2026-11-18");
    let r = ca.post_json(&format!("/api/v1/cases/{cid}/decision"), &neg).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "negative_reasonable_grounds");
    assert_eq!(r.json()["deadline"]["kind"], "reconsideration_window_closes");
    let req = json!({"command": "request_reconsideration", "on": "2026-11-18", "reasons": "New evidence from the labour inspectorate."});
    let r = fr.post_json(&format!("/api/v1/cases/{cid}/command"), &req).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "reconsideration");
    let mut pos = neg.clone();
    pos["outcome"] = json!("positive");
    assert_eq!(ca.post_json(&format!("/api/v1/cases/{cid}/decision"), &pos).await.json()["stage"], "recovery_period");
    // Withdraw, then reopen: back where it was.
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{cid}/command"),
            &json!({"command": "withdraw", "on": "2026-11-18", "reasons": "The family moved abroad."}),
        )
        .await;
    assert_eq!(r.json()["stage"], "withdrawn", "{}", r.body);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{cid}/command"),
            &json!({"command": "reopen", "on": "2026-11-18", "reasons": "The family came back."}),
        )
        .await;
    assert_eq!(r.json()["stage"], "recovery_period", "{}", r.body);
    let _ = (&w.police, &w.shelter);
}

async fn generated_cases_cover_every_stage(app: &TestApp) {
    let w = world(app).await;
    let report = app.app.generate_cases(600, 7, &|_| {}).await.unwrap();
    assert_eq!(report.cases, 600);
    assert!(report.notifications > 10 && report.children > 50 && report.overdue > 0, "{report:?}");
    // A few referrals are of a person referred before: their case joins the person's record,
    // referred by the organisation that holds it.
    assert!((3..30).contains(&report.referred_again), "{report:?}");
    let persons_with_two = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM (SELECT c.person_id FROM cases c JOIN persons p ON p.id = c.person_id \
         WHERE c.owner_org_id = p.organisation_id GROUP BY c.person_id HAVING COUNT(*) > 1) AS x",
    )
    .await
    .unwrap();
    assert!(persons_with_two >= 3, "{persons_with_two}");
    let cases_of_persons =
        palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM cases WHERE person_id IS NOT NULL").await.unwrap();
    let persons = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM persons").await.unwrap();
    assert_eq!(cases_of_persons - persons, report.referred_again as i64, "one person record less per case of a person referred before");
    for stage in
        ["referred", "recovery_period", "assistance", "negative_reasonable_grounds", "negative_conclusive_grounds", "closed", "withdrawn"]
    {
        let n = palermo_store::testing::count(
            &app.db_url,
            Box::leak(format!("SELECT COUNT(*) FROM cases WHERE stage = '{stage}'").into_boxed_str()),
        )
        .await
        .unwrap();
        assert!(n > 0, "no generated case at stage {stage}");
    }
    // The same seed gives the same cases (stages and dates), whatever the ids.
    let first: i64 = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM cases WHERE stage = 'assistance'").await.unwrap();
    app.app.generate_cases(600, 7, &|_| {}).await.unwrap();
    let second: i64 = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM cases WHERE stage = 'assistance'").await.unwrap();
    assert_eq!(second, 2 * first);
    // Generated cases are ordinary cases: listed, paged and readable by the authority, identity
    // decrypted and the read audited.
    let mut ca = app.signed_in("authority").await;
    let list = ca.get("/api/v1/cases?stage=recovery_period").await.json();
    assert!(list["total"].as_i64().unwrap() > 0);
    let id = list["rows"][0]["id"].as_str().unwrap().to_owned();
    let v = ca.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert!(v.json()["person"]["reference"].as_str().unwrap().starts_with("P-2026-"));
    // Dates of birth are stored as a person's form stores them (YYYY-MM-DD or YYYY), whatever
    // form the generator wrote them in (it also writes DD/MM/YYYY).
    let mut dated = 0;
    for row in list["rows"].as_array().unwrap().iter().take(30) {
        let v = ca.get(&format!("/api/v1/cases/{}", row["id"].as_str().unwrap())).await.json();
        if let Some(d) = v["person"]["identity"]["date_of_birth"].as_str() {
            dated += 1;
            let iso = d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-';
            assert!(iso || (d.len() == 4 && d.parse::<u16>().is_ok()), "{d}");
            // The age group is the one the date of birth gives on the day of the referral (a
            // year alone counts from 1 January).
            let referred = v["referred_on"].as_str().unwrap();
            let age =
                referred[..4].parse::<i32>().unwrap() - d[..4].parse::<i32>().unwrap() - i32::from(d.len() == 10 && referred[5..] < d[5..]);
            assert_eq!(v["age_group"], if age < 18 { "child" } else { "adult" }, "born {d}, referred {referred}");
        }
    }
    assert!(dated > 10, "{dated}");
    let children = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM persons WHERE age_group = 'child'").await.unwrap();
    let persons = palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM persons").await.unwrap();
    assert!((0.12..0.3).contains(&(children as f64 / persons as f64)), "{children} children of {persons} persons");
    // Keyset paging: the next page continues the order with no case twice.
    let first = ca.get("/api/v1/cases").await.json();
    let next = first["next"].as_str().unwrap().to_owned();
    let second = ca.get(&format!("/api/v1/cases?after={next}")).await.json();
    let ids = |v: &Value| v["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!((a.len(), b.len()), (50, 50));
    assert!(a.iter().all(|x| !b.contains(x)), "pages overlap");
    // The next page says the same total (carried in its cursor, not counted again); a cursor
    // without one (an older link) counts again; an impossible one is refused.
    assert_eq!((second["total"].as_i64(), second["more"].as_bool()), (first["total"].as_i64(), first["more"].as_bool()));
    let (place, carried) = next.split_once('~').unwrap();
    assert_eq!(carried.parse::<i64>().ok(), first["total"].as_i64().map(|t| t + i64::from(first["more"] == true)));
    let recounted = ca.get(&format!("/api/v1/cases?after={place}")).await.json();
    assert_eq!((ids(&recounted), recounted["total"].as_i64()), (b.clone(), first["total"].as_i64()));
    let r = ca.get(&format!("/api/v1/cases?after={place}~-5")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("after"), "{}", r.body);
    let overdue = ca.get("/api/v1/cases?deadline=week").await.json();
    if let Some(n) = overdue["next"].as_str() {
        let more = ca.get(&format!("/api/v1/cases?deadline=week&after={n}")).await.json();
        let last_due = overdue["rows"].as_array().unwrap().last().unwrap()["deadline"]["due"].as_str().unwrap().to_owned();
        assert!(more["rows"].as_array().unwrap().iter().all(|r| r["deadline"]["due"].as_str().unwrap() >= last_due.as_str()));
    }
    assert_eq!(ca.get("/api/v1/cases?after=nonsense").await.status, 422);
    // The national coordinator sees every case: walked page by page, each list holds every case
    // that meets its filter, once (a cursor out of step with the order would skip or repeat).
    app.user(&w.operator, "nrm-coordinator", &["coordinator"]).await;
    let mut coord = app.signed_in("nrm-coordinator").await;
    // Counted up to the cap, beyond which the list says "more than".
    let cap = palermo_store::CASE_COUNT_CAP;
    for (filter, sql) in [
        ("", "SELECT COUNT(*) FROM cases"),
        ("stage=assistance", "SELECT COUNT(*) FROM cases WHERE stage = 'assistance'"),
        ("kind=anonymous_notification", "SELECT COUNT(*) FROM cases WHERE kind = 'anonymous_notification'"),
        ("age_group=child", "SELECT COUNT(*) FROM cases WHERE age_group = 'child'"),
    ] {
        let expected = palermo_store::testing::count(&app.db_url, sql).await.unwrap();
        let (mut seen, mut url) = (std::collections::HashSet::new(), format!("/api/v1/cases?{filter}"));
        loop {
            let page = coord.get(&url).await.json();
            assert_eq!((page["total"].as_i64(), page["more"].as_bool()), (Some(expected.min(cap)), Some(expected > cap)), "{filter}");
            for r in page["rows"].as_array().unwrap() {
                assert!(seen.insert(r["id"].as_str().unwrap().to_owned()), "{filter}: a case twice");
            }
            let Some(n) = page["next"].as_str() else { break };
            url = format!("/api/v1/cases?{filter}&after={n}");
        }
        assert_eq!(seen.len() as i64, expected, "{filter}");
    }
    let due = coord.get("/api/v1/cases?deadline=week").await.json();
    let dues: Vec<&str> = due["rows"].as_array().unwrap().iter().map(|r| r["deadline"]["due"].as_str().unwrap()).collect();
    assert!(!dues.is_empty() && dues.windows(2).all(|p| p[0] <= p[1]), "{dues:?}");
    let page2 = ca.get(&format!("/cases?after={next}")).await;
    assert_eq!(page2.status, 200);
    assert!(page2.body.contains("id=\"first-page\""));
    // References continue after generated ones.
    let mut fr = app.signed_in("responder").await;
    let p = person(&mut fr, "After", "30").await;
    let n: i64 = p.trim_start_matches("P-2026-").parse().unwrap();
    assert!(n > 1000, "{p}");
}

/// The operator's administrator changes the clocks on the page and through the API: wrong values
/// are named and change nothing, others may only read, every change is audited, and a new
/// referral's deadline is counted under the new settings.
async fn jurisdiction_settings_from_the_page(app: &TestApp) {
    let w = world(app).await;
    app.user(&w.operator, "nrm-admin", &["administrator"]).await;
    let mut admin = app.signed_in("nrm-admin").await;
    let mut fr = app.signed_in("responder").await;

    let v = fr.get("/api/v1/jurisdiction").await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.json()["source"], "file");
    assert_eq!(v.json()["can_edit"], false);
    assert_eq!(v.json()["settings"]["rg_target_working_days"], 5);
    // Only the operator's administrators change them; the refusal is audited.
    assert_eq!(fr.patch_json("/api/v1/jurisdiction", &json!({"rg_target_working_days": 2})).await.status, 403);
    let page = fr.get("/jurisdiction").await;
    assert!(!page.body.contains("id=\"save-jurisdiction\""), "{}", page.body);

    // Wrong values: every field named, typed values kept, nothing saved.
    let page = admin.get("/jurisdiction").await;
    assert!(page.body.contains("id=\"save-jurisdiction\""));
    let mut form: Vec<(&str, &str)> = vec![
        ("name", "Demo country"),
        ("time_zone", "Mars/Olympus"),
        ("rg_target_working_days", "ten"),
        ("min_recovery_days", "30"),
        ("earliest_cg_days_after_rg", "30"),
        ("cg_target_days_after_rg", "90"),
        ("reconsideration_window_days", "90"),
        ("reconsideration_target_working_days", "10"),
        ("weekend", "6, 7"),
        ("holidays", "2026-11-20"),
        ("break_glass_minutes", "60"),
        ("step_up_minutes", "5"),
        ("urgent_referral_hours", "24"),
        ("permit_expiry_alert_days", "30"),
        ("support_plan_approval", "true"),
    ];
    let r = admin.post_form("/jurisdiction", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("a whole number of working days") && r.body.contains("value=\"ten\""), "{}", r.body);
    form[2].1 = "10";
    let r = admin.post_form("/jurisdiction", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Mars/Olympus"), "{}", r.body);
    assert_eq!(admin.get("/api/v1/jurisdiction").await.json()["source"], "file");
    let r = admin.patch_json("/api/v1/jurisdiction", &json!({"weekend": [0]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("weekend"), "{}", r.body);
    let r = admin.patch_json("/api/v1/jurisdiction", &json!({"rg_target": 3})).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Saved: ten working days, and Friday 20 November 2026 a holiday.
    form[1].1 = "Europe/London";
    let r = admin.post_form("/jurisdiction", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get("/jurisdiction?saved=1").await;
    assert!(page.body.contains("id=\"jurisdiction-saved\"") && page.body.contains("nrm-admin"), "{}", page.body);
    let v = fr.get("/api/v1/jurisdiction").await.json();
    assert_eq!(v["source"], "page");
    assert_eq!(v["saved"]["by"], "nrm-admin");
    assert_eq!(v["settings"]["holidays"], json!(["2026-11-20"]));
    // A PATCH changes only what it names.
    let r = admin.patch_json("/api/v1/jurisdiction", &json!({"break_glass_minutes": 30})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["settings"]["break_glass_minutes"], 30);
    assert_eq!(r.json()["settings"]["rg_target_working_days"], 10);

    // A new referral (Wednesday 18 November) is counted under the new settings: ten working
    // days, skipping the weekend and the holiday on the 20th → Thursday 3 December.
    let p = person(&mut fr, "Ioana", "31").await;
    let r = fr.post_json("/api/v1/cases", &adult_referral(&p, &w.authority_org)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["deadline"]["due"], "2026-12-03");

    // Both changes are in the audit log, and the refusal too (a refusal is recorded like a
    // read: through the audit inbox on SQLite, so fold it into the chain before counting).
    app.app.verify_audit().await.unwrap().unwrap();
    let n = |sql: &'static str| palermo_store::testing::count(&app.db_url, sql);
    assert_eq!(n("SELECT COUNT(*) FROM audit_log WHERE action = 'jurisdiction.update' AND outcome = 'ok'").await.unwrap(), 2);
    assert_eq!(n("SELECT COUNT(*) FROM audit_log WHERE action = 'jurisdiction.update' AND outcome = 'denied'").await.unwrap(), 1);
    let _ = (w.police, w.shelter);
}

/// Security goal 20: the retention schedule erases an identity `retention.identity_years` (6)
/// after registration and the last change to every case, once all have ended; a person with an
/// open case keeps theirs; each erasure is audited under the task's name; a second run finds
/// nothing due.
async fn retention_erases_identities_once_their_time_has_come(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let closed_person = person(&mut fr, "Closedcase", "30").await;
    let r = fr.post_json("/api/v1/cases", &adult_referral(&closed_person, &w.authority_org)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let closed = r.json()["id"].as_str().unwrap().to_owned();
    let withdraw = json!({"command": "withdraw", "on": "2026-11-18", "reasons": "The person moved abroad."});
    let r = fr.post_json(&format!("/api/v1/cases/{closed}/command"), &withdraw).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let no_case = person(&mut fr, "Nocase", "40").await;
    let open_person = person(&mut fr, "Opencase", "22").await;
    let r = fr.post_json("/api/v1/cases", &adult_referral(&open_person, &w.authority_org)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let open = r.json()["id"].as_str().unwrap().to_owned();
    let task = RequestMeta::task("retention");

    // Not yet: nothing is due, nothing erased.
    assert_eq!(app.app.retention_due().await.unwrap(), 0);
    assert_eq!(app.app.apply_retention(&task).await.unwrap(), palermo_service::erasure::RetentionReport::default());
    app.clock.advance(Duration::days(6 * 366));
    assert_eq!(app.app.retention_due().await.unwrap(), 2, "the closed case's person and the person without a case");
    let r = app.app.apply_retention(&task).await.unwrap();
    assert_eq!((r.erased, r.held), (2, 0));
    assert_eq!(app.app.retention_due().await.unwrap(), 0, "the daily check finds nothing overdue");
    assert_eq!(app.app.apply_retention(&task).await.unwrap().erased, 0);

    let mut fr = app.signed_in("responder").await;
    let v = fr.get(&format!("/api/v1/cases/{closed}")).await.json();
    assert!(v["person"]["identity"]["given_name"].is_null() && v["person"]["identity_erased_on"].is_string(), "{v}");
    assert_eq!(v["stage"], "withdrawn");
    let v = fr.get(&format!("/api/v1/cases/{open}")).await.json();
    assert_eq!(v["person"]["identity"]["given_name"], "Opencase", "an open case keeps its identity");
    for q in ["Closedcase", "Nocase"] {
        let r = fr.post_json("/api/v1/persons/search", &json!({"query": q})).await;
        assert_eq!(r.json().as_array().map(|a| a.len()), Some(0), "{q}: {}", r.body);
    }
    let r = fr.post_json("/api/v1/persons/search", &json!({"query": "Opencase"})).await;
    assert_eq!(r.json().as_array().map(|a| a.len()), Some(1));
    let audit = app.app.recent_audit(&Caller::Console, 300, &RequestMeta::cli()).await.unwrap();
    let erasures: Vec<_> = audit.iter().filter(|e| e.action == "person.erase").collect();
    assert_eq!(erasures.len(), 2, "{erasures:?}");
    assert!(erasures.iter().all(|e| e.request_id.as_deref() == Some("retention") && e.actor_user_id.is_none() && e.outcome == "ok"));
    let mut auditor = app.signed_in("auditor").await;
    let page = auditor.get("/erasure").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&closed_person) && page.body.contains(&no_case) && !page.body.contains(&open_person), "{}", page.body);
    let due = palermo_testkit::extract_between(&page.body, "id=\"retention\">", "</p>").unwrap().replace(['\u{2068}', '\u{2069}'], "");
    assert!(due.contains("6 years") && due.contains("Due now: 0."), "{due}");
}
