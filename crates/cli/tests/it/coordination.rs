//! Coordination over HTTP, on both engines: the service directory and its search, referrals
//! refused without consent, sent on consent or on an emergency override (visible to the
//! coordinator), accepted by the recipient who then sees only what the referral shares, services
//! delivered, revocation and consent withdrawal ending access, response times and the
//! organisation's dashboard.

use palermo_testkit::{Client, TestApp};
use serde_json::{Value, json};
use time::Duration;

crate::on_both_engines!(
    referrals_consent_and_access,
    directory_search_and_dashboard_numbers,
    demo_coordination_numbers,
    residence_expiry_and_child_closure,
    compensation_and_risk,
    step_up_for_the_location,
    reintegration_follow_up,
    support_plans_with_approval,
    ownership_transfer_with_acceptance,
    coded_values_read_as_words_in_the_users_language,
    a_persons_record_lists_the_cases_about_them
);

pub(crate) struct World {
    pub(crate) authority_org: String,
    pub(crate) shelter: String,
    pub(crate) police: palermo_service::admin::OrgView,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let op = app.operator_org().await;
    let police = app.org("City Police", "police").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let shelter = app.org("Safe Shelter", "shelter").await;
    let clinic = app.org("Harbour Clinic", "health").await;
    let other = app.org("Other NGO", "ngo_outreach").await;
    app.user(&police, "responder", &["first_responder"]).await;
    app.user(&directorate, "authority", &["competent_authority"]).await;
    app.user(&shelter, "shelter-user", &["service_provider"]).await;
    app.user(&clinic, "clinic-user", &["service_provider"]).await;
    app.user(&other, "outsider", &["case_worker"]).await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    World { authority_org: directorate.id.to_string(), shelter: shelter.id.to_string(), police }
}

pub(crate) async fn open_case(app: &TestApp, fr: &mut Client, w: &World, age: &str) -> String {
    let r = fr
        .post_json(
            "/api/v1/persons",
            &json!({"given_name": "Elena", "family_name": "Testperson", "sex": "Feminine", "age_at_identification": age}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let person = r.json()["reference"].as_str().unwrap().to_owned();
    let child = age.parse::<u32>().unwrap() < 18;
    let mut body = json!({
        "kind": "referral", "person": person, "screened_on": "2026-11-17", "population": if child { "child" } else { "adult" }, "exploitation_form": "labour",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
        "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"],
        "competent_authority": w.authority_org, "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    });
    if child {
        body["indicators"] = json!([]);
        body["means"] = json!([]);
    }
    let r = fr.post_json("/api/v1/cases", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let _ = app;
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn add_service(c: &mut Client, body: Value) -> String {
    let r = c.post_json("/api/v1/services", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

pub(crate) fn consent(recipient: &str, status: &str) -> Value {
    json!({"purpose": "referral", "recipient": recipient, "status": status, "decided_on": "2026-11-18", "form": "written", "given_by": "person", "checklist": ["informed_of_purpose"]})
}

async fn referrals_consent_and_access(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let mut shelter = app.signed_in("shelter-user").await;
    let mut clinic = app.signed_in("clinic-user").await;
    let beds = add_service(
        &mut shelter,
        json!({"kind": "accommodation", "name": "Women's shelter", "regions": "north, capital", "languages": "ro, en", "ages": "all", "sexes": "female", "capacity": "3"}),
    )
    .await;
    let care = add_service(&mut clinic, json!({"kind": "medical", "name": "Walk-in clinic", "regions": "north"})).await;
    let id = open_case(app, &mut fr, &w, "24").await;

    // Without consent to the shelter: refused, naming which consent is missing; nothing sent.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("consent to a referral to Safe Shelter is not on record"), "{}", r.body);
    assert_eq!(shelter.get(&format!("/api/v1/cases/{id}")).await.status, 404);
    // An outsider cannot refer (404), nor see the referral list.
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds})).await.status, 404);

    // With consent: sent; the shelter sees summary and identity, never screening, health or counselling.
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "given")).await.status, 200);
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds, "urgent": true})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let referral = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["basis"], "consent");
    let v = shelter.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.json()["sections"], json!(["summary", "identity"]));
    assert!(v.json()["screening"].is_null());
    assert_eq!(v.json()["referrals"].as_array().unwrap().len(), 1);
    assert_eq!(v.json()["referrals"][0]["commands"], json!(["accept", "decline"]));
    // The sender cannot accept on the shelter's behalf; the shelter cannot revoke.
    assert_eq!(fr.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "accept"})).await.status, 403);
    assert_eq!(shelter.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "revoke"})).await.status, 403);
    assert_eq!(outsider.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "accept"})).await.status, 404);

    // Accepted two hours later: a bed is taken; accommodation and a medical check recorded.
    app.clock.advance(Duration::minutes(10));
    let mut shelter = app.signed_in("shelter-user").await;
    let r = shelter.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "accept"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "accepted");
    let svc = shelter.get("/api/v1/services?kind=accommodation").await.json();
    assert_eq!(svc[0]["available"], 2);
    for (kind, outcome) in [("accommodation", "ongoing"), ("medical", "provided")] {
        let r = shelter
            .post_json(&format!("/api/v1/cases/{id}/services"), &json!({"kind": kind, "delivered_on": "2026-11-18", "outcome": outcome}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = shelter
        .post_json(
            &format!("/api/v1/cases/{id}/services"),
            &json!({"kind": "massage", "delivered_on": "2026-11-18", "outcome": "provided"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("kind"), "{}", r.body);
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/services"), &json!({})).await.status, 404);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["services"].as_array().unwrap().len(), 2, "{v}");
    let dash = shelter.get("/api/v1/coordination").await.json();
    assert_eq!(dash["open_received"], 1);
    // Ten minutes, plus the 30-second step the test clock takes for the second factor of signing in again.
    assert_eq!(dash["median_response_seconds"], 630);
    assert_eq!(dash["response_by_kind"], json!([["accommodation", 1, 630]]));
    assert_eq!(dash["services_delivered_this_month"], 2);
    assert_eq!((dash["free_places"].as_i64(), dash["capacity"].as_i64()), (Some(2), Some(3)));

    // An emergency referral to the clinic without consent: a written reason, shown to the coordinator.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": care, "emergency_reason": "short"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("emergency_reason"));
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/referrals"),
            &json!({"service": care, "urgent": true, "emergency_reason": "Injured, needs care tonight; cannot be asked now"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["basis"], "emergency_override");
    let v = clinic.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["sections"], json!(["summary", "identity", "health"]));
    assert_eq!(v["referrals"].as_array().unwrap().len(), 1, "the clinic sees only its own referral");
    let mut coord = app.signed_in("coordinator").await;
    let o = coord.get("/api/v1/referrals/overrides").await;
    assert_eq!(o.status, 200, "{}", o.body);
    assert_eq!(o.json().as_array().unwrap().len(), 1);
    assert!(o.body.contains("cannot be asked now"));
    assert_eq!(shelter.get("/api/v1/referrals/overrides").await.status, 403);

    // Revoked by the sender: the shelter loses the case at once; the bed comes back.
    let r = fr.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "revoke"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(shelter.get(&format!("/api/v1/cases/{id}")).await.status, 404);
    assert_eq!(shelter.get("/api/v1/cases").await.json()["total"], 0);
    assert_eq!(shelter.get("/api/v1/services?kind=accommodation").await.json()[0]["available"], 3);
    let r = fr.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "revoke"})).await;
    assert_eq!(r.status, 422, "a closed referral stays closed");

    // A new consented referral, then the consent withdrawn: access ends on the next request.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.json()["id"].clone();
    assert_eq!(shelter.get(&format!("/api/v1/cases/{id}")).await.status, 200);
    assert_eq!(shelter.get("/api/v1/cases").await.json()["total"], 1);
    // Referred to the shelter twice over: still one case in its list, filtered or not; a filter
    // the case does not meet lists nothing.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for f in ["", "?kind=referral", "?age_group=adult"] {
        let l = shelter.get(&format!("/api/v1/cases{f}")).await.json();
        assert_eq!((l["total"].as_i64(), l["rows"].as_array().map(Vec::len)), (Some(1), Some(1)), "{f}: {l}");
        assert_eq!(l["rows"][0]["id"].as_str(), Some(id.as_str()), "{f}");
    }
    for f in ["?kind=anonymous_notification", "?age_group=child", "?stage=closed"] {
        let l = shelter.get(&format!("/api/v1/cases{f}")).await.json();
        assert_eq!((l["total"].as_i64(), l["rows"].as_array().map(Vec::len)), (Some(0), Some(0)), "{f}: {l}");
    }
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "withdrawn")).await.status, 200);
    assert_eq!(shelter.get(&format!("/api/v1/cases/{id}")).await.status, 404);
    assert_eq!(shelter.get("/api/v1/cases").await.json()["total"], 0);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    let last = v["referrals"].as_array().unwrap().iter().find(|r| r["id"] == second).unwrap().clone();
    assert_eq!((last["status"].as_str(), last["suspended"].as_bool()), (Some("sent"), Some(true)));

    // A child is referred without waiting for consent (the child rule).
    let child = open_case(app, &mut fr, &w, "15").await;
    let r = fr.post_json(&format!("/api/v1/cases/{child}/referrals"), &json!({"service": beds})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["basis"], "child_rule");

    // Every step is in the audit log.
    for (action, n) in [("referral.send", 5), ("referral.accept", 1), ("referral.revoke", 1), ("service.record", 2)] {
        let sql: &'static str = format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND outcome = 'ok'").leak();
        assert_eq!(palermo_store::testing::count(&app.db_url, sql).await.unwrap(), n, "{action}");
    }
}

async fn directory_search_and_dashboard_numbers(app: &TestApp) {
    let w = world(app).await;
    let mut shelter = app.signed_in("shelter-user").await;
    let mut clinic = app.signed_in("clinic-user").await;
    let mut fr = app.signed_in("responder").await;
    let north = add_service(
        &mut shelter,
        json!({"kind": "accommodation", "name": "North girls' home", "regions": "north", "languages": "ro, en", "ages": "children", "sexes": "female", "capacity": "2"}),
    )
    .await;
    add_service(&mut shelter, json!({"kind": "accommodation", "name": "North adult shelter", "regions": "north", "languages": "ro", "ages": "adults", "sexes": "any", "capacity": "5"})).await;
    add_service(&mut clinic, json!({"kind": "accommodation", "name": "South home", "regions": "south", "languages": "ro", "ages": "all", "sexes": "any", "capacity": "9"})).await;
    // Wrong values are named.
    let r = shelter
        .post_json("/api/v1/services", &json!({"kind": "castle", "name": "", "regions": "North Side!", "capacity": "2", "available": "5"}))
        .await;
    assert_eq!(r.status, 422);
    for f in ["kind", "name", "regions", "available"] {
        assert!(r.body.contains(&format!("\"field\":\"{f}\"")), "{f}: {}", r.body);
    }
    assert_eq!(fr.post_json("/api/v1/services", &json!({"kind": "medical", "name": "x", "regions": "north"})).await.status, 403);

    // "A shelter for a 16-year-old girl in the north with a Romanian interpreter", with a free bed.
    let found = fr.get("/api/v1/services?kind=accommodation&age=16&sex=female&region=north&language=ro&free=true").await;
    assert_eq!(found.status, 200, "{}", found.body);
    let names: Vec<String> = found.json().as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["North girls' home"]);
    assert_eq!(fr.get("/api/v1/services?age=sixteen").await.status, 422);
    // No free bed: not found with free=true.
    let r = shelter.post_json(&format!("/api/v1/services/{north}/availability"), &json!({"available": 0})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        fr.get("/api/v1/services?kind=accommodation&age=16&sex=female&region=north&free=true").await.json().as_array().unwrap().len(),
        0
    );
    assert_eq!(shelter.post_json(&format!("/api/v1/services/{north}/availability"), &json!({"available": 3})).await.status, 422);
    assert_eq!(clinic.post_json(&format!("/api/v1/services/{north}/availability"), &json!({"available": 1})).await.status, 404);
    shelter.post_json(&format!("/api/v1/services/{north}/availability"), &json!({"available": 2})).await;

    // Response times: three referrals answered after 1 h, 3 h and 2 h (median 2 h); an urgent
    // one unanswered past the 24-hour target is overdue.
    let mut ids = Vec::new();
    for _ in 0..4 {
        let case = open_case(app, &mut fr, &w, "16").await;
        let r = fr.post_json(&format!("/api/v1/cases/{case}/referrals"), &json!({"service": north, "urgent": true})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    for (i, hours) in [1, 3, 2].iter().enumerate() {
        app.clock.advance(Duration::hours(*hours));
        let mut s = app.signed_in("shelter-user").await;
        let command =
            if *hours == 3 { json!({"command": "decline", "reason": "no female staff tonight"}) } else { json!({"command": "accept"}) };
        let r = s.post_json(&format!("/api/v1/referrals/{}", ids[i]), &command).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Sent at t0; answered at +1 h, +4 h, +6 h (each plus the 30-second second-factor step of
    // signing in again: +30 s, +60 s, +90 s).
    app.clock.advance(Duration::hours(20));
    let mut s = app.signed_in("shelter-user").await;
    let dash = s.get("/api/v1/coordination").await.json();
    assert_eq!(dash["median_response_seconds"], 4 * 3600 + 60, "{dash}");
    assert_eq!(dash["open_received"], 3, "two accepted and one waiting");
    assert_eq!(dash["overdue_urgent"], 1);
    assert_eq!(dash["inbox"].as_array().unwrap().len(), 1);
    assert_eq!(dash["free_places"], 5, "the girls' home's two beds taken by the two accepted referrals; the adult shelter's five free");
    assert_eq!(dash["capacity"], 7);
    // The declined one needs a reason.
    let r = s.post_json(&format!("/api/v1/referrals/{}", ids[3]), &json!({"command": "decline"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("reason"));
}

/// The demo country's coordination data, as the shelter's case worker and the coordinator see it.
async fn demo_coordination_numbers(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut c = app.client();
    let r = c.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/"), "{}", r.body);
    let d = c.get("/api/v1/coordination").await.json();
    // Nine referrals from the police to the shelter: five accepted (two services each), one
    // declined, three waiting; the shelter's 18 places less the five taken.
    assert_eq!(d["organisation"], "Safe Harbour Shelter");
    assert_eq!(d["open_received"], 8, "{d}");
    assert_eq!(d["inbox"].as_array().unwrap().len(), 3);
    assert_eq!(d["services_delivered_this_month"], 10);
    assert_eq!((d["free_places"].as_i64(), d["capacity"].as_i64()), (Some(8), Some(18)));
    assert_eq!(d["median_response_seconds"], 0, "the demo answers at once");
    let page = c.get("/coordination").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"open-received\">8<"), "{}", page.body);
    // Response times per service: an SVG chart with the table of the same numbers behind it.
    let chart = page.body.split("id=\"response-chart\"").nth(1).expect("the response-time chart").split("</figure>").next().unwrap();
    assert!(chart.contains("<svg") && chart.contains("Accommodation: 0 minutes"), "{chart}");
    assert!(page.body.contains("id=\"response-by-kind\""));
    // The coordinator sees the emergency override to the hospital.
    let mut coord = app.client();
    coord.sign_in("coordinator", palermo_service::demo::DEMO_PASSWORD).await;
    let o = coord.get("/api/v1/referrals/overrides").await.json();
    assert_eq!(o.as_array().unwrap().len(), 1, "{o}");
    assert_eq!(o[0]["recipient"], "Northern Regional Hospital");
    // One permit ends within the 30-day window: on the first responder's home page.
    let mut fr = app.client();
    fr.sign_in("first-responder", palermo_service::demo::DEMO_PASSWORD).await;
    let alerts = fr.get("/api/v1/residence/alerts").await.json();
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["days_left"], 20);
}

/// Residence permits raise an alert ahead of their end; a child's case does not close without a
/// best-interests determination.
async fn residence_expiry_and_child_closure(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "27").await;
    let permit = json!({"kind": "temporary_residence", "status": "granted", "valid_from": "2026-11-18", "valid_until": "2027-01-31",
        "authority": "Border and Migration Service", "linked_decision": "reasonable_grounds"});
    // Wrong values named; an outsider gets 404.
    let mut bad = permit.clone();
    bad["valid_until"] = json!("2026-11-01");
    let r = fr.post_json(&format!("/api/v1/cases/{id}/residence"), &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("valid_until"), "{}", r.body);
    bad["valid_until"] = json!("");
    assert!(fr.post_json(&format!("/api/v1/cases/{id}/residence"), &bad).await.body.contains("valid_until"));
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/residence"), &permit).await.status, 404);
    let r = fr.post_json(&format!("/api/v1/cases/{id}/residence"), &permit).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["expiry_alert"], false, "74 days left, window 30");
    assert_eq!(fr.get("/api/v1/residence/alerts").await.json().as_array().unwrap().len(), 0);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert!(v["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "residence_recorded"), "on the timeline");

    // 50 days later: 24 days left, inside the 30-day window: on the home page and the case.
    app.clock.advance(Duration::days(50));
    let mut fr = app.signed_in("responder").await;
    let alerts = fr.get("/api/v1/residence/alerts").await.json();
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["days_left"], 24);
    assert_eq!(alerts[0]["kind"], "temporary_residence");
    assert!(fr.get("/").await.body.contains("id=\"permit-alerts\""));
    assert_eq!(fr.get(&format!("/api/v1/cases/{id}")).await.json()["permits"][0]["expiry_alert"], true);
    // Not to an unrelated organisation.
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.get("/api/v1/residence/alerts").await.json().as_array().unwrap().len(), 0);

    // A child's case, negative RG decision: closing waits for a best-interests determination.
    let child = open_case(app, &mut fr, &w, "15").await;
    let mut ca = app.signed_in("authority").await;
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let decision = json!({"decision": "reasonable_grounds", "outcome": "negative", "decided_on": today, "told_on": today, "reasons": "No indicator of exploitation found after interview."});
    let r = ca.post_json(&format!("/api/v1/cases/{child}/decision"), &decision).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let no_reason = json!({"command": "close", "on": today, "reasons": "Returned to family with support."});
    let r = fr.post_json(&format!("/api/v1/cases/{child}/command"), &no_reason).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let close = json!({"command": "close", "on": today, "reasons": "Returned to family with support.", "closure_reason": "returned_to_country_of_origin"});
    let r = fr.post_json(&format!("/api/v1/cases/{child}/command"), &close).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("best-interests determination"), "{}", r.body);
    // Child records: an adult's case refuses them; wrong values are named.
    let r = fr
        .post_json(&format!("/api/v1/cases/{id}/child-protection"), &json!({"kind": "best_interests_determination", "on_date": today}))
        .await;
    assert_eq!(r.status, 422);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{child}/child-protection"),
            &json!({"kind": "age_assessment", "on_date": today, "method": "x-ray", "estimated_age": "old"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("method") && r.body.contains("estimated_age"), "{}", r.body);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{child}/child-protection"),
            &json!({"kind": "guardian_appointment", "on_date": today, "guardian_organisation": w.shelter}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = fr
        .post_json(&format!("/api/v1/cases/{child}/child-protection"), &json!({"kind": "best_interests_determination", "on_date": today}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = fr.post_json(&format!("/api/v1/cases/{child}/command"), &close).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "closed");
    let v = fr.get(&format!("/api/v1/cases/{child}")).await.json();
    assert_eq!(v["child_records"].as_array().unwrap().len(), 2);
    assert_eq!(v["child_records"][0]["detail"]["guardian_organisation_name"], "Safe Shelter");
}

/// Claims keep money as integer minor units of an ISO 4217 currency; a high risk highlights the
/// case and takes the location out of break-glass.
async fn compensation_and_risk(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "33").await;
    let claim = json!({"kind": "labour_back_pay", "status": "awarded", "currency": "eur", "claimed": "2 500.50", "awarded": "1800", "paid": "2000"});
    let r = fr.post_json(&format!("/api/v1/cases/{id}/compensation"), &claim).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"paid\""), "{}", r.body);
    let mut bad = claim.clone();
    bad["currency"] = json!("euro");
    assert!(fr.post_json(&format!("/api/v1/cases/{id}/compensation"), &bad).await.body.contains("\"field\":\"currency\""));
    bad["currency"] = json!("EUR");
    bad["claimed"] = json!("12.345");
    assert!(fr.post_json(&format!("/api/v1/cases/{id}/compensation"), &bad).await.body.contains("\"field\":\"claimed\""));
    let mut ok = claim.clone();
    ok["paid"] = json!("900.25");
    let r = fr.post_json(&format!("/api/v1/cases/{id}/compensation"), &ok).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["claimed_minor"].as_i64(), v["awarded_minor"].as_i64(), v["paid_minor"].as_i64()),
        (Some(250_050), Some(180_000), Some(90_025))
    );
    assert_eq!(v["claimed"], "2500.50 EUR");
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/compensation"),
            &json!({"kind": "state_compensation_scheme", "status": "filed", "currency": "JPY", "claimed": "150000"}),
        )
        .await;
    assert_eq!(r.json()["claimed_minor"], 150_000);
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/compensation"), &ok).await.status, 404);

    // Break-glass reads the location while the risk is not high.
    let case = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    let reference = case["reference"].as_str().unwrap().to_owned();
    assert_eq!(case["claims"].as_array().unwrap().len(), 2);
    let r = outsider
        .post_json("/api/v1/break-glass", &json!({"reference": reference, "reason": "Person missing from the shelter tonight"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sections = outsider.get(&format!("/api/v1/cases/{id}")).await.json()["sections"].clone();
    assert!(sections.as_array().unwrap().contains(&json!("location")), "{sections}");
    // A high risk: wrong values named, then recorded; the case is highlighted and break-glass no
    // longer opens the location.
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/risk"),
            &json!({"assessed_on": today, "level": "extreme", "risk_to": [], "review_on": today}),
        )
        .await;
    assert_eq!(r.status, 422);
    for f in ["level", "risk_to", "review_on"] {
        assert!(r.body.contains(&format!("\"field\":\"{f}\"")), "{f}: {}", r.body);
    }
    let review = time::Date::parse(&today, &time::macros::format_description!("[year]-[month]-[day]")).unwrap() + Duration::days(14);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/risk"),
            &json!({"assessed_on": today, "level": "high", "risk_to": ["person", "family"], "safety_measures": ["relocation", "confidential_address"], "review_on": review.to_string()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["high_risk"], true);
    assert_eq!(v["risks"][0]["safety_measures"], json!(["relocation", "confidential_address"]));
    assert!(fr.get(&format!("/cases/{id}")).await.body.contains("id=\"high-risk\""));
    let sections = outsider.get(&format!("/api/v1/cases/{id}")).await.json()["sections"].clone();
    assert!(!sections.as_array().unwrap().contains(&json!("location")), "{sections}");
    assert!(sections.as_array().unwrap().contains(&json!("identity")), "break-glass still reads the rest: {sections}");
}

/// The shelter location (accepted accommodation) is for the assigned case worker, within a few
/// minutes of entering the password; never for the shelter's referral view.
async fn step_up_for_the_location(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let mut shelter = app.signed_in("shelter-user").await;
    let beds =
        add_service(&mut shelter, json!({"kind": "accommodation", "name": "Safe Shelter beds", "regions": "north", "capacity": "2"})).await;
    let id = open_case(app, &mut fr, &w, "29").await;
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&w.shelter, "given")).await.status, 200);
    let r = fr.post_json(&format!("/api/v1/cases/{id}/referrals"), &json!({"service": beds})).await;
    let referral = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(shelter.post_json(&format!("/api/v1/referrals/{referral}"), &json!({"command": "accept"})).await.status, 200);
    // The referring organisation's first responder is not the case worker: no location at all.
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert!(v["location"].is_null() && v["location_needs_step_up"] == false, "{v}");
    let unit = app.org("Case Work Unit", "social_services").await;
    app.user(&unit, "case-worker", &["case_worker"]).await;
    let r = fr.post_form(&format!("/cases/{id}/assign"), &[("case_worker", "case-worker")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The assigned case worker, just signed in: recent enough.
    let mut fr = app.signed_in("case-worker").await;
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["location"], json!(["Safe Shelter beds — Safe Shelter"]), "{v}");
    // Six minutes later (step-up window 5): hidden, with the way to step up.
    app.clock.advance(Duration::minutes(6));
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert!(v["location"].is_null(), "{v}");
    assert_eq!(v["location_needs_step_up"], true);
    assert!(fr.get(&format!("/cases/{id}")).await.body.contains("id=\"step-up\""));
    // A wrong password is named and changes nothing; the right one (and a code) opens it.
    let r = fr.post_form("/reauthenticate", &[("password", "wrong password here"), ("code", ""), ("back", &format!("/cases/{id}"))]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(fr.get(&format!("/api/v1/cases/{id}")).await.json()["location"].is_null());
    let code = app.next_code("case-worker");
    let r = fr
        .post_form("/reauthenticate", &[("password", palermo_testkit::PASSWORD), ("code", &code), ("back", &format!("/cases/{id}"))])
        .await;
    assert_eq!((r.status, r.location()), (303, Some(format!("/cases/{id}").as_str())), "{}", r.body);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["location"], json!(["Safe Shelter beds — Safe Shelter"]), "{v}");
    // The same code again is refused (each code works once).
    let r = fr
        .post_form("/reauthenticate", &[("password", palermo_testkit::PASSWORD), ("code", &code), ("back", "https://evil.example/")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    // An open redirect is not followed.
    let code = app.next_code("case-worker");
    let r = fr
        .post_form("/reauthenticate", &[("password", palermo_testkit::PASSWORD), ("code", &code), ("back", "https://evil.example/")])
        .await;
    assert_eq!(r.location(), Some("/"));
    // The shelter's referral view never includes the location.
    let v = shelter.get(&format!("/api/v1/cases/{id}")).await.json();
    assert!(v["location"].is_null() && !v["sections"].as_array().unwrap().contains(&json!("location")), "{v}");
    let n = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.reauthenticate' AND outcome = 'ok'",
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
}

/// Follow-up contacts at a set interval: planned, due on the home page when their day comes,
/// recorded with an outcome; closing names its reason.
async fn reintegration_follow_up(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "41").await;
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/follow-ups"),
            &json!({"path": "local_integration", "start_on": today, "every_days": "3", "times": "3"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("every_days"), "{}", r.body);
    let mut outsider = app.signed_in("outsider").await;
    let plan = json!({"path": "local_integration", "start_on": today, "every_days": "30", "times": "3"});
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/follow-ups"), &plan).await.status, 404);
    let r = fr.post_json(&format!("/api/v1/cases/{id}/follow-ups"), &plan).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let planned = r.json();
    assert_eq!(planned.as_array().unwrap().len(), 3);
    assert_eq!(fr.get("/api/v1/follow-ups/due").await.json().as_array().unwrap().len(), 0);
    app.clock.advance(Duration::days(31));
    let mut fr = app.signed_in("responder").await;
    let due = fr.get("/api/v1/follow-ups/due").await.json();
    assert_eq!(due.as_array().unwrap().len(), 1, "{due}");
    assert_eq!(due[0]["follow_up"]["overdue"], true);
    assert!(fr.get("/").await.body.contains("id=\"follow-up-alerts\""));
    let first = planned[0]["id"].as_str().unwrap();
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let r = fr
        .post_json(&format!("/api/v1/cases/{id}/follow-ups/done"), &json!({"follow_up": first, "done_on": today, "outcome": "fine"}))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("outcome"));
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/follow-ups/done"),
            &json!({"follow_up": first, "done_on": today, "outcome": "reached_doing_well"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(fr.get("/api/v1/follow-ups/due").await.json().as_array().unwrap().len(), 0);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{id}/follow-ups/done"),
            &json!({"follow_up": first, "done_on": today, "outcome": "reached_doing_well"}),
        )
        .await;
    assert_eq!(r.status, 422, "recorded once");
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["follow_ups"][0]["outcome"], "reached_doing_well");
}

/// A support plan: objectives sealed, actions with owners and due dates, approved by a second
/// person of the organisation; overdue actions on their owner's home page.
async fn support_plans_with_approval(app: &TestApp) {
    let w = world(app).await;
    app.user(&w.police, "police-worker", &["case_worker"]).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "35").await;
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let week =
        (time::Date::parse(&today, &time::macros::format_description!("[year]-[month]-[day]")).unwrap() + Duration::days(7)).to_string();
    let bad = json!({"plan_type": "health", "objectives": "Regain health and learn the language.",
        "tasks": [{"action": "Book a GP appointment", "owner": "responder", "due_on": week}, {"action": "Enrol in a course", "owner": "shelter-user", "due_on": week}]});
    let r = fr.post_json(&format!("/api/v1/cases/{id}/support-plans"), &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"owner\""), "another organisation's user: {}", r.body);
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.post_json(&format!("/api/v1/cases/{id}/support-plans"), &bad).await.status, 404);
    let plan = json!({"plan_type": "health", "objectives": "Regain health and learn the language.",
        "tasks": [{"action": "Book a GP appointment", "owner": "responder", "due_on": week}, {"action": "Enrol in a language course", "owner": "police-worker", "due_on": week}]});
    let r = fr.post_json(&format!("/api/v1/cases/{id}/support-plans"), &plan).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let plan_id = r.json()["id"].as_str().unwrap().to_owned();
    // The objectives are sealed, not in the clear.
    let sealed =
        palermo_store::testing::count(&app.db_url, "SELECT COUNT(*) FROM identity_vault WHERE record_type = 'support_plan'").await.unwrap();
    assert_eq!(sealed, 1);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["support_plans"][0]["status"], "awaiting_approval");
    assert_eq!(v["support_plans"][0]["objectives"], "Regain health and learn the language.");
    // Four eyes: not the author; another case worker of the organisation.
    let r = fr.post_json(&format!("/api/v1/cases/{id}/support-plans/approve"), &json!({"plan": plan_id})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("other than the plan's author"), "{}", r.body);
    let mut cw = app.signed_in("police-worker").await;
    let r = cw.post_json(&format!("/api/v1/cases/{id}/support-plans/approve"), &json!({"plan": plan_id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(v["support_plans"][0]["status"], "active");
    assert_eq!(v["support_plans"][0]["approved_by"], "Test police-worker");
    // Eight days later the responder's action is overdue on their home page; done, it is gone.
    app.clock.advance(Duration::days(8));
    let mut fr = app.signed_in("responder").await;
    let overdue = fr.get("/api/v1/tasks/overdue").await.json();
    assert_eq!(overdue.as_array().unwrap().len(), 1, "only the responder's own: {overdue}");
    assert!(fr.get("/").await.body.contains("id=\"task-alerts\""));
    let task = fr.get(&format!("/api/v1/cases/{id}")).await.json()["support_plans"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["owner"] == "Test responder")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = fr.get("/api/v1/jurisdiction").await.json()["today"].as_str().unwrap().to_owned();
    let r = fr.post_json(&format!("/api/v1/cases/{id}/tasks/done"), &json!({"task": task, "done_on": today})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(fr.get("/api/v1/tasks/overdue").await.json().as_array().unwrap().len(), 0);
}

/// Transfer of case ownership: proposed by the owner's team on consent, invisible to the
/// receiver until it accepts, then the case is the receiver's and the former owner loses it;
/// declined with a reason or cancelled, nothing moves.
async fn ownership_transfer_with_acceptance(app: &TestApp) {
    let w = world(app).await;
    let ngo = app.org("Harbour NGO", "ngo_outreach").await;
    app.user(&ngo, "ngo-worker", &["case_worker"]).await;
    let ngo_id = ngo.id.to_string();
    let mut fr = app.signed_in("responder").await;
    let mut receiver = app.signed_in("ngo-worker").await;
    let mut outsider = app.signed_in("outsider").await;
    let id = open_case(app, &mut fr, &w, "31").await;
    let url = format!("/api/v1/cases/{id}/transfer");
    let propose = json!({"to": ngo_id, "reason": "The person moved to the harbour district."});
    // The person's record lists the case while its organisation may open it.
    let person = fr.get(&format!("/api/v1/cases/{id}")).await.json()["person"]["id"].as_str().unwrap().to_owned();
    let listed = |v: Value| v["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(listed(fr.get(&format!("/api/v1/persons/{person}")).await.json()), std::slice::from_ref(&id));

    // Outside the case: 404; anonymous: 401.
    assert_eq!(outsider.post_json(&url, &propose).await.status, 404);
    assert_eq!(app.client().post_raw(&url, &[], &[]).await.status, 401);
    assert_eq!(app.client().get("/api/v1/transfers").await.status, 401);
    // No consent to the receiver: refused, naming it; bad fields named.
    let r = fr.post_json(&url, &propose).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("consent to a referral to Harbour NGO is not on record"), "{}", r.body);
    let r = fr.post_json(&url, &json!({"to": w.police.id.to_string(), "reason": "short"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"to\"") && r.body.contains("\"field\":\"reason\""), "{}", r.body);
    assert!(receiver.get("/api/v1/transfers").await.json().as_array().unwrap().is_empty(), "nothing was proposed");

    // With consent: proposed; one at a time; the receiver sees the transfer, not the case.
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&ngo_id, "given")).await.status, 200);
    let r = fr.post_json(&url, &propose).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let t = r.json();
    let transfer = t["id"].as_str().unwrap().to_owned();
    assert_eq!((t["status"].as_str(), t["basis"].as_str()), (Some("proposed"), Some("consent")));
    assert_eq!(t["commands"], json!(["cancel"]));
    assert_eq!(fr.post_json(&url, &propose).await.status, 422, "a second proposal waits for the first");
    let offered = receiver.get("/api/v1/transfers").await.json();
    assert_eq!(offered[0]["id"], transfer.as_str());
    assert_eq!(offered[0]["commands"], json!(["accept", "decline"]));
    assert_eq!(offered[0]["age_group"], "adult");
    assert_eq!(receiver.get(&format!("/api/v1/cases/{id}")).await.status, 404, "not the receiver's until it accepts");
    let act = format!("/api/v1/transfers/{transfer}");
    assert_eq!(outsider.post_json(&act, &json!({"command": "accept"})).await.status, 404, "a third organisation");
    let r = receiver.post_json(&act, &json!({"command": "decline", "reason": ""})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"reason\""), "{}", r.body);
    assert_eq!(receiver.post_json(&act, &json!({"command": "cancel"})).await.status, 403, "only the proposer's side cancels");

    // Accepted: the case is the receiver's; the former owner's first responder loses it.
    let r = receiver.post_json(&act, &json!({"command": "accept"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "accepted");
    let v = receiver.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.json()["owner_org"], "Harbour NGO");
    assert!(v.body.contains("ownership_transferred"), "on the timeline");
    assert_eq!(fr.get(&format!("/api/v1/cases/{id}")).await.status, 404, "the former owner no longer sees it");
    assert!(listed(fr.get(&format!("/api/v1/persons/{person}")).await.json()).is_empty(), "nor lists it on the person's record");
    let page = fr.get(&format!("/persons/{person}")).await;
    assert!(page.body.contains("id=\"no-person-cases\"") && !page.body.contains(&format!("/cases/{id}")), "{}", page.body);
    let r = receiver.post_json(&act, &json!({"command": "accept"})).await;
    assert_eq!(r.status, 422, "a transfer moves once");
    assert!(r.body.contains("already accepted"), "{}", r.body);
    let audit = app.app.recent_audit(&palermo_service::admin::Caller::Console, 100, &palermo_service::RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "case.transfer_accept"));
    assert!(audit.iter().any(|e| e.action == "case.transfer_propose"));

    // Back to the police: declined with a reason (nothing moves), then proposed and cancelled.
    let police = w.police.id.to_string();
    assert_eq!(receiver.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&police, "given")).await.status, 200);
    let back = json!({"to": police, "reason": "The person asks to return to the city."});
    let r = receiver.post_json(&url, &back).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let t2 = r.json()["id"].as_str().unwrap().to_owned();
    // Consent withdrawn after the proposal: the receiver cannot take the case on.
    assert_eq!(receiver.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&police, "withdrawn")).await.status, 200);
    let r = fr.post_json(&format!("/api/v1/transfers/{t2}"), &json!({"command": "accept"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("was withdrawn since the transfer was proposed"), "{}", r.body);
    assert_eq!(receiver.post_json(&format!("/api/v1/cases/{id}/consent"), &consent(&police, "given")).await.status, 200);
    let r = fr.post_json(&format!("/api/v1/transfers/{t2}"), &json!({"command": "decline", "reason": "No team free this month."})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "declined");
    assert_eq!(fr.get(&format!("/api/v1/cases/{id}")).await.status, 404, "declined: nothing moved");
    // This time from the pages: the case page's form, the dashboard's cancel button.
    let csrf = receiver.csrf_token().await.unwrap();
    let page = receiver.get(&format!("/cases/{id}")).await;
    assert!(page.body.contains("id=\"propose-transfer\""), "the owner's team sees the transfer form");
    let r = receiver
        .post_form(
            &format!("/cases/{id}/transfer"),
            &[("csrf", &csrf), ("to", &police), ("reason", "The person asks to return to the city.")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some(format!("/cases/{id}").as_str())), "{}", r.body);
    let listed = receiver.get("/api/v1/transfers").await.json();
    let t3 = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["status"], "proposed");
    let dash = receiver.get("/coordination").await;
    assert!(dash.body.contains(&format!("id=\"transfer-cancel-{t3}\"")), "the cancel button on the dashboard");
    let r = receiver.post_form(&format!("/transfers/{t3}"), &[("csrf", &csrf), ("command", "cancel")]).await;
    assert_eq!((r.status, r.location()), (303, Some("/coordination")), "{}", r.body);
    let listed = receiver.get("/api/v1/transfers").await.json();
    let t3_now = listed.as_array().unwrap().iter().find(|t| t["id"] == t3.as_str()).unwrap();
    assert_eq!(t3_now["status"], "cancelled");
    assert_eq!(receiver.get(&format!("/api/v1/cases/{id}")).await.json()["owner_org"], "Harbour NGO");
}

/// A case page shows its coded values as words in the reader's language; the forms still post
/// the codes, and the API still speaks them.
async fn coded_values_read_as_words_in_the_users_language(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let id = open_case(app, &mut fr, &w, "30").await;
    let stage = |body: &str| body.split("id=\"stage\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or("").to_owned();
    let page = fr.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(stage(&page.body), "Referred: awaiting the reasonable-grounds decision");
    assert!(page.body.contains("<dd>Labour exploitation</dd>") && page.body.contains("<dd>Female</dd>"), "{}", page.body);
    assert!(
        page.body.contains(">forced labour or services<") || page.body.contains("forced labour or services"),
        "screening purposes in words"
    );
    assert!(page.body.contains(r#"<option value="temporary_residence">Temporary residence</option>"#), "the form posts the code");
    let page = fr.get_with(&format!("/cases/{id}"), &[("accept-language", "fr")]).await;
    assert_eq!(stage(&page.body), "Orienté : en attente de la décision sur motifs raisonnables");
    assert!(page.body.contains("<dd>Exploitation par le travail</dd>"), "{}", page.body);
    assert!(page.body.contains(r#"<option value="temporary_residence">Séjour temporaire</option>"#));
    let positive = page.body.split("id=\"positive-dimensions\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or("");
    assert!(positive.contains("Recrutement trompeur") && positive.contains("Contrainte à destination"), "{positive}");
    assert!(
        page.body.contains("CD.01</span> Confiscation of documents <span class=\"weight strong\">(fort)</span>"),
        "the catalogue's text, the weight in words: {}",
        page.body
    );
    let page = fr.get_with(&format!("/cases/{id}"), &[("accept-language", "ar")]).await;
    assert_eq!(stage(&page.body), "محال: بانتظار قرار الأسباب المعقولة");
    let list = fr.get_with("/cases", &[("accept-language", "fr")]).await;
    assert!(list.body.contains("<td>Exploitation par le travail</td>"), "{}", list.body);
    let v = fr.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!((v["stage"].as_str(), v["exploitation_form"].as_str()), (Some("referred"), Some("labour")), "the API speaks codes");
}

/// A person referred twice has two cases; their record lists both, oldest first, for their
/// organisation, and nobody else reads the record.
async fn a_persons_record_lists_the_cases_about_them(app: &TestApp) {
    let w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let first = open_case(app, &mut fr, &w, "30").await;
    let v = fr.get(&format!("/api/v1/cases/{first}")).await.json();
    let (person, reference) = (v["person"]["id"].as_str().unwrap().to_owned(), v["person"]["reference"].as_str().unwrap().to_owned());
    let body = json!({
        "kind": "referral", "person": reference, "screened_on": "2026-11-18", "population": "adult", "exploitation_form": "sexual",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["exploitation_of_prostitution_of_others"],
        "indicators": ["DR.01", "EX.01", "CD.01"],
        "competent_authority": w.authority_org, "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    });
    let r = fr.post_json("/api/v1/cases", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.json()["id"].as_str().unwrap().to_owned();
    let p = fr.get(&format!("/api/v1/persons/{person}")).await.json();
    let cases = p["cases"].as_array().unwrap();
    assert_eq!(cases.iter().map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>(), [first.as_str(), second.as_str()], "{p}");
    assert_eq!((cases[0]["stage"].as_str(), cases[0]["kind"].as_str()), (Some("referred"), Some("referral")));
    let page = fr.get(&format!("/persons/{person}")).await;
    assert_eq!(page.status, 200);
    let table = page.body.split("id=\"person-cases\"").nth(1).expect("the cases table").split("</table>").next().unwrap();
    assert!(table.contains(&format!("/cases/{first}")) && table.contains(&format!("/cases/{second}")), "{table}");
    assert!(table.contains("Referred: awaiting the reasonable-grounds decision"), "{table}");
    // Another organisation's user: the record is not there at all; no session: 401 / sign-in.
    let mut outsider = app.signed_in("outsider").await;
    assert_eq!(outsider.get(&format!("/api/v1/persons/{person}")).await.status, 404);
    assert_eq!(app.client().get(&format!("/api/v1/persons/{person}")).await.status, 401);
    assert_eq!(app.client().get(&format!("/persons/{person}")).await.status, 303);
}
