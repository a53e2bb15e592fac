//! The justice track over HTTP, on both engines: a victim's report triaged into an
//! investigation, suspects charged, assets seized and confiscated, a conviction; the victim's case
//! disclosed on consent (the investigator's minimal view, lost on withdrawal, back on a recorded
//! legal obligation); the case worker's hearing dates and protection measures; the UNODC
//! numbers; and the separation of tracks in both directions.

use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::{Client, TestApp};
use serde_json::{Value, json};

crate::on_both_engines!(
    justice_track_end_to_end,
    tracks_are_separate_in_both_directions,
    demo_justice_numbers,
    sdg_export_through_the_gate,
    dp_budget_is_refused_once_spent,
    erasure_on_request_and_legal_hold
);

struct World {
    police: String,
    prosecution: String,
    authority: String,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator_org().await;
    let police = app.org("City Police", "police").await;
    let other_police = app.org("Border Police", "police").await;
    let prosecution = app.org("Public Prosecutor", "prosecution").await;
    let directorate = app.org("Victim Directorate", "social_services").await;
    let shelter = app.org("Safe Shelter", "shelter").await;
    app.user(&police, "investigator", &["investigator"]).await;
    app.user(&police, "police-responder", &["first_responder"]).await;
    app.user(&other_police, "other-investigator", &["investigator"]).await;
    app.user(&prosecution, "prosecutor", &["prosecutor"]).await;
    app.user(&directorate, "authority", &["competent_authority"]).await;
    app.user(&shelter, "responder", &["first_responder"]).await;
    app.user(&shelter, "case-worker", &["case_worker"]).await;
    app.user(&op, "coordinator", &["coordinator"]).await;
    app.user(&op, "analyst", &["analyst"]).await;
    World { police: police.id.to_string(), prosecution: prosecution.id.to_string(), authority: directorate.id.to_string() }
}

async fn victim_case(c: &mut Client, w: &World) -> String {
    victim_case_of(c, w, json!({"given_name": "Olena", "family_name": "Witness", "sex": "Feminine", "age_at_identification": "31"})).await
}

/// A person recorded from `person` (the body of `POST /api/v1/persons`) and referred.
async fn victim_case_of(c: &mut Client, w: &World, person: Value) -> String {
    let r = c.post_json("/api/v1/persons", &person).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let person = r.json()["reference"].as_str().unwrap().to_owned();
    let r = c
        .post_json(
            "/api/v1/cases",
            &json!({
                "kind": "referral", "person": person, "screened_on": "2026-11-12", "population": "adult", "exploitation_form": "labour",
                "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
                "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"],
                "competent_authority": w.authority, "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn law_enforcement_consent(police: &str, status: &str) -> Value {
    json!({"purpose": "law_enforcement", "recipient": police, "status": status, "decided_on": "2026-11-17", "form": "written", "given_by": "person", "checklist": ["informed_of_purpose"]})
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    app.app
        .recent_audit(&Caller::Console, 500, &RequestMeta::cli())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.action, r.outcome.to_owned(), r.object_id))
        .collect()
}

async fn justice_track_end_to_end(app: &TestApp) {
    let w = world(app).await;
    let mut inv = app.signed_in("investigator").await;
    let mut coord = app.signed_in("coordinator").await;

    // A report from a victim: logged; invalid input names every field and changes nothing.
    let r = inv.post_json("/api/v1/justice/reports", &json!({"channel": "pigeon", "received_on": "2031-01-01", "summary": ""})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["channel", "received_on", "summary"] {
        assert!(r.body.contains(&format!("\"field\":\"{field}\"")), "{field}: {}", r.body);
    }
    assert_eq!(inv.get("/api/v1/justice/reports").await.json().as_array().unwrap().len(), 0);
    let r = inv
        .post_json(
            "/api/v1/justice/reports",
            &json!({"channel": "victim", "received_on": "2026-11-10", "risk": "high", "summary": "Workers held at a farm near the river; passports taken"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let report = r.json();
    assert!(report["reference"].as_str().unwrap().starts_with("RPT-2026-"), "{report}");
    assert!(report["summary"].is_null(), "the list and the answer to a write do not carry what was reported");
    let report_id = report["id"].as_str().unwrap().to_owned();
    let stats = app.signed_in("analyst").await.get("/api/v1/justice/statistics?year=2026").await;
    assert_eq!(stats.status, 200, "{}", stats.body);
    assert_eq!(stats.json()["victim_reports_waiting"], 1, "a victim's report not yet investigated is counted");
    let r = inv.get(&format!("/api/v1/justice/reports/{report_id}")).await;
    assert_eq!(r.json()["summary"], "Workers held at a farm near the river; passports taken");
    // Triaged into a new investigation.
    let r = inv
        .post_json(&format!("/api/v1/justice/reports/{report_id}"), &json!({"command": "investigate", "forms": ["forced_labour"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "investigated");
    let inv_id = r.json()["investigation_id"].as_str().unwrap().to_owned();
    let r = inv.post_json(&format!("/api/v1/justice/reports/{report_id}"), &json!({"command": "close", "reason": "duplicate"})).await;
    assert_eq!(r.status, 422, "an investigated report is not closed: {}", r.body);
    let file = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["iccs"], json!(["02042"]));
    assert_eq!(file["reports"].as_array().unwrap().len(), 1);
    let reference = file["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("INV-2026-"), "{file}");
    let stats = app.signed_in("analyst").await.get("/api/v1/justice/statistics?year=2026").await;
    assert_eq!(stats.json()["victim_reports_waiting"], 0);

    // Suspects, charges, a conviction and an acquittal.
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/suspects"),
            &json!({"given_name": "Viktor", "family_name": "Farmer", "sex": "Masculine", "age": "44", "citizenships": "UKR", "roles": ["Exploiter", "RecruiterOrIntermediary"], "relation_to_victims": "employer", "suspected_on": "2026-11-11", "arrested_on": "2026-11-12"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let boss = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/suspects"),
            &json!({"given_name": "Ana", "family_name": "Driver", "sex": "Feminine", "age": "35", "citizenships": "ROU", "roles": ["Transporter"], "suspected_on": "2026-11-11"}),
        )
        .await;
    let driver = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv.post_json(&format!("/api/v1/justice/suspects/{driver}/arrest"), &json!({"arrested_on": "2026-11-01"})).await;
    assert_eq!(r.status, 422, "not before the person became a suspect: {}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/suspects/{driver}/arrest"), &json!({"arrested_on": "2026-11-12"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/investigations/{inv_id}/suspects"), &json!({"roles": ["Wizard"], "age": "200"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["roles", "age", "family_name"] {
        assert!(r.body.contains(&format!("\"field\":\"{field}\"")), "{field}: {}", r.body);
    }
    let charge = |suspect: &str| {
        (
            format!("/api/v1/justice/suspects/{suspect}/charges"),
            json!({"offence": "trafficking_in_persons", "iccs": "02042", "legal_provision": "Criminal Code art. 210", "charged_on": "2026-11-13"}),
        )
    };
    let (path, body) = charge(&boss);
    let r = inv.post_json(&path, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let boss_charge = r.json()["id"].as_str().unwrap().to_owned();
    let (path, body) = charge(&driver);
    let driver_charge = inv.post_json(&path, &body).await.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(&path, &json!({"offence": "trafficking_in_persons", "iccs": "0301", "legal_provision": "", "charged_on": "2026-11-01"}))
        .await;
    assert_eq!(r.status, 422);
    for field in ["iccs", "legal_provision", "charged_on"] {
        assert!(r.body.contains(&format!("\"field\":\"{field}\"")), "{field}: {}", r.body);
    }
    let r = inv
        .post_json(
            &format!("/api/v1/justice/suspects/{boss}/charges"),
            &json!({"offence": "money_laundering", "legal_provision": "AML Act s. 4", "charged_on": "2026-11-14"}),
        )
        .await;
    let ml_charge = r.json()["id"].as_str().unwrap().to_owned();

    // Assets: seized, then confiscated; a step out of order is refused with the allowed steps.
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/assets"),
            &json!({"kind": "bank_account", "status": "frozen", "value": "15000.50", "currency": "EUR", "authority": "District Court", "on": "2026-11-12", "charge": ml_charge}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let asset = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["value_minor"], 1_500_050);
    let r = inv.post_json(&format!("/api/v1/justice/assets/{asset}"), &json!({"status": "returned", "on": "2026-11-13"})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("one of: seized, confiscated, released"), "{}", r.body);
    for status in ["seized", "confiscated"] {
        let r = inv.post_json(&format!("/api/v1/justice/assets/{asset}"), &json!({"status": status, "on": "2026-11-14"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = inv.post_json(&format!("/api/v1/justice/assets/{asset}"), &json!({"status": "released", "on": "2026-11-15"})).await;
    assert_eq!(r.status, 422, "a confiscated asset is not released");

    // MLA sent and executed; the file is referred to the prosecutor, who records the verdicts.
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/mla"),
            &json!({"direction": "sent", "country": "ROU", "requested_on": "2026-11-12", "subject": "Bank records"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mla = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        inv.post_json(&format!("/api/v1/justice/mla/{mla}"), &json!({"status": "executed", "answered_on": "2026-11-16"})).await.status,
        200
    );
    let mut prosecutor = app.signed_in("prosecutor").await;
    assert_eq!(prosecutor.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.status, 404, "not yet referred");
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}"),
            &json!({"command": "refer_to_prosecution", "prosecution_office": w.police}),
        )
        .await;
    assert_eq!(r.status, 422, "a police force is not a prosecution office: {}", r.body);
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}"),
            &json!({"command": "refer_to_prosecution", "prosecution_office": w.prosecution}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "prosecution");
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/charges/{boss_charge}/verdict"),
            &json!({"verdict": "convicted", "verdict_on": "2026-11-17", "sentence_months": "96", "fine": "5000", "currency": "EUR"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["fine"], "5000.00 EUR");
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/charges/{driver_charge}/verdict"),
            &json!({"verdict": "acquitted", "verdict_on": "2026-11-17", "sentence_months": "12"}),
        )
        .await;
    assert_eq!(r.status, 422, "no sentence on an acquittal: {}", r.body);
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/charges/{driver_charge}/verdict"),
            &json!({"verdict": "acquitted", "verdict_on": "2026-11-17"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file = prosecutor.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["suspects"][0]["name"], "Viktor Farmer", "{file}");
    assert_eq!(file["suspects"][0]["charges"][0]["verdict"], "convicted");
    assert_eq!(file["mla"][0]["status"], "executed");
    assert_eq!(file["assets"][0]["status"], "confiscated");

    // The UNODC numbers: persons investigated, prosecuted, convicted; value confiscated.
    let s = app.signed_in("analyst").await.get("/api/v1/justice/statistics?year=2026").await.json();
    assert_eq!(s["totals"], json!([["investigated", 2], ["prosecuted", 2], ["convicted", 1]]), "{s}");
    assert!(s["persons"].as_array().unwrap().contains(&json!(["convicted", "Masculine", "adult", "UKR", 1])), "{s}");
    assert_eq!(s["confiscated"], json!([["EUR", "15000.50 EUR"]]));
    // What may be published: two persons are far under the threshold, so nothing is shown.
    assert_publishable_safe(&s);
    assert_eq!(s["publishable"][2]["total"], "primary", "{s}");
    let s = app.signed_in("analyst").await.get("/api/v1/justice/statistics?year=2025").await.json();
    assert_eq!(s["totals"], json!([["investigated", 0], ["prosecuted", 0], ["convicted", 0]]));
    assert_eq!(coord.get("/api/v1/justice/statistics?year=1700").await.status, 422);
    assert_eq!(app.signed_in("case-worker").await.get("/api/v1/justice/statistics").await.status, 403);

    // The victim's case: opened by the shelter, disclosed on consent to the police.
    let mut fr = app.signed_in("responder").await;
    let case = victim_case(&mut fr, &w).await;
    let r = fr.post_form(&format!("/cases/{case}/assign"), &[("case_worker", "case-worker")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut cw = app.signed_in("case-worker").await;
    let r = cw.post_json(&format!("/api/v1/cases/{case}/disclosures"), &json!({"investigation": reference, "basis": "consent"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("consent to law enforcement for City Police: it is not on record"), "{}", r.body);
    assert!(inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json()["victims"].as_array().unwrap().is_empty());
    assert_eq!(cw.post_json(&format!("/api/v1/cases/{case}/consent"), &law_enforcement_consent(&w.police, "given")).await.status, 200);
    let r = cw.post_json(&format!("/api/v1/cases/{case}/disclosures"), &json!({"investigation": reference, "basis": "consent"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["state"], "standing");
    let r = cw.post_json(&format!("/api/v1/cases/{case}/disclosures"), &json!({"investigation": reference, "basis": "consent"})).await;
    assert_eq!(r.status, 409, "already disclosed");

    // The investigator's minimal view: reference, contact through the case worker, nothing else.
    let file = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    let victim = &file["victims"][0];
    assert_eq!(victim["state"], "standing", "{file}");
    assert!(victim["case_reference"].as_str().unwrap().starts_with("NRM-") || victim["case_reference"].is_string());
    assert!(victim["contact"].as_str().unwrap().contains("Safe Shelter"), "{victim}");
    let keys: Vec<&String> = victim.as_object().unwrap().keys().collect();
    for k in &keys {
        assert!(
            [
                "disclosure_id",
                "state",
                "case_reference",
                "contact",
                "participation",
                "protection",
                "interpreter_language",
                "legal_representative",
                "hearings"
            ]
            .contains(&k.as_str()),
            "unexpected {k}"
        );
    }
    assert!(!file.to_string().contains("Olena"), "the victim's identity never reaches the investigation");
    assert!(
        audit_actions(app).await.iter().any(|(a, o, id)| a == "justice.victim_view" && o == "ok" && id.as_deref() == Some(case.as_str()))
    );
    // …and still no way into the victim's case.
    assert_eq!(inv.get(&format!("/api/v1/cases/{case}")).await.status, 404);

    // Proceedings: participation, protection measures, interpreter, a hearing.
    let disclosure = victim["disclosure_id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(
            &format!("/api/v1/justice/disclosures/{disclosure}"),
            &json!({"participation": ["witness", "injured_party"], "protection": ["before:police_protection", "during:video_testimony"], "interpreter_language": "uk", "legal_representative": "Legal Aid Clinic"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/disclosures/{disclosure}"), &json!({"protection": ["video_testimony"]})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"protection\""), "{}", r.body);
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/disclosures/{disclosure}/hearings"),
            &json!({"held_on": "2026-12-03", "kind": "trial", "court": "District Court, room 4"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A hearing of the whole case, and the prosecutor assigned by name.
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/hearings"),
            &json!({"held_on": "2026-12-15", "kind": "sentencing", "court": "District Court"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/investigations/{inv_id}/investigators"), &json!({"username": "case-worker"})).await;
    assert_eq!(r.status, 422, "a case worker is not assignable: {}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/investigations/{inv_id}/investigators"), &json!({"username": "prosecutor"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file = prosecutor.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["investigators"].as_array().unwrap().len(), 2, "{file}");
    assert_eq!(file["hearings"][0]["held_on"], "2026-12-15");

    // The case worker sees hearing dates and protection measures, not the investigation file.
    let v = cw.get(&format!("/api/v1/cases/{case}")).await.json();
    let d = &v["disclosures"][0];
    assert_eq!(d["investigation"], reference.as_str(), "{v}");
    assert_eq!(d["protection"], json!(["before:police_protection", "during:video_testimony"]));
    assert_eq!(d["hearings"][0]["held_on"], "2026-12-03");
    assert_eq!(d["hearings"][1]["held_on"], "2026-12-15", "the case's hearings too: {d}");
    assert!(!v.to_string().contains("Viktor"), "no suspect in the victim's file");
    assert_eq!(cw.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.status, 404);
    let alerts = cw.get("/api/v1/hearings/upcoming").await.json();
    assert_eq!(alerts[0]["held_on"], "2026-12-03", "{alerts}");
    assert_eq!(alerts[1]["held_on"], "2026-12-15", "{alerts}");
    assert_eq!(alerts[1]["case_id"], case.as_str());
    let events = cw.get(&format!("/api/v1/cases/{case}")).await.json()["timeline"].to_string();
    assert!(events.contains("disclosed_to_investigation") && events.contains("hearing_scheduled"), "{events}");

    // Consent withdrawn: the investigator loses the view at once, and cannot add hearings.
    assert_eq!(cw.post_json(&format!("/api/v1/cases/{case}/consent"), &law_enforcement_consent(&w.police, "withdrawn")).await.status, 200);
    let file = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["victims"][0]["state"], "suspended");
    assert!(file["victims"][0]["case_reference"].is_null() && file["victims"][0]["contact"].is_null(), "{file}");
    assert!(file["victims"][0]["hearings"].as_array().unwrap().is_empty());
    let r = prosecutor
        .post_json(
            &format!("/api/v1/justice/disclosures/{disclosure}/hearings"),
            &json!({"held_on": "2026-12-09", "kind": "trial", "court": "X"}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(cw.get(&format!("/api/v1/cases/{case}")).await.json()["disclosures"][0]["state"], "suspended");

    // A recorded legal obligation (a court's witness summons) restores the minimal view.
    let r = cw
        .post_json(
            &format!("/api/v1/cases/{case}/disclosures"),
            &json!({"investigation": reference, "basis": "legal_obligation", "legal_obligation": "short"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"legal_obligation\""), "{}", r.body);
    app.clock.advance(time::Duration::minutes(5));
    let r = cw
        .post_json(
            &format!("/api/v1/cases/{case}/disclosures"),
            &json!({"investigation": reference, "basis": "legal_obligation", "legal_obligation": "Code of Criminal Procedure art. 84: witness summons of 2026-11-17"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let new_disclosure = r.json()["id"].as_str().unwrap().to_owned();
    let file = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    let states: Vec<&str> = file["victims"].as_array().unwrap().iter().map(|v| v["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["suspended", "standing"]);
    // The case team ends it; the view goes again.
    let r = cw.post_json(&format!("/api/v1/cases/{case}/disclosures/end"), &json!({"disclosure": new_disclosure})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["victims"][1]["state"], "ended");

    // Notes and evidence references: sealed, shown in the file.
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/notes"),
            &json!({"kind": "evidence_reference", "text": "Exhibit 14: payroll ledger, evidence room B"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = inv.post_json(&format!("/api/v1/justice/investigations/{inv_id}/notes"), &json!({"kind": "file", "text": ""})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"kind\"") && r.body.contains("\"field\":\"text\""), "{}", r.body);
    let file = prosecutor.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json();
    assert_eq!(file["notes"][0]["text"], "Exhibit 14: payroll ledger, evidence room B", "{file}");
    assert_eq!(file["notes"].as_array().unwrap().len(), 1);

    // Closing the investigation needs a reason.
    let r = prosecutor.post_json(&format!("/api/v1/justice/investigations/{inv_id}"), &json!({"command": "close"})).await;
    assert_eq!(r.status, 422);
    let r = prosecutor
        .post_json(&format!("/api/v1/justice/investigations/{inv_id}"), &json!({"command": "close", "reason": "proceedings_concluded"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

async fn tracks_are_separate_in_both_directions(app: &TestApp) {
    let w = world(app).await;
    let mut inv = app.signed_in("investigator").await;
    let r = inv
        .post_json(
            "/api/v1/justice/investigations",
            &json!({"forms": ["sexual_exploitation"], "origin_countries": "NGA", "destination_countries": "ITA"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let inv_id = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(&format!("/api/v1/justice/investigations/{inv_id}/suspects"), &json!({"family_name": "Madam", "sex": "Feminine"}))
        .await;
    let suspect = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(
            &format!("/api/v1/justice/suspects/{suspect}/charges"),
            &json!({"offence": "trafficking_in_persons", "iccs": "02041", "legal_provision": "art. 210", "charged_on": "2026-11-18"}),
        )
        .await;
    let charge = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/assets"),
            &json!({"kind": "cash", "status": "seized", "value": "900", "currency": "EUR", "authority": "Police", "on": "2026-11-18"}),
        )
        .await;
    let asset = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json(
            &format!("/api/v1/justice/investigations/{inv_id}/mla"),
            &json!({"direction": "received", "country": "NGA", "requested_on": "2026-11-18", "subject": "Witness hearing"}),
        )
        .await;
    let mla = r.json()["id"].as_str().unwrap().to_owned();
    let r = inv
        .post_json("/api/v1/justice/reports", &json!({"channel": "hotline", "received_on": "2026-11-18", "summary": "Call about a flat"}))
        .await;
    let report = r.json()["id"].as_str().unwrap().to_owned();
    let mut fr = app.signed_in("responder").await;
    let case = victim_case(&mut fr, &w).await;
    assert_eq!(fr.post_json(&format!("/api/v1/cases/{case}/consent"), &law_enforcement_consent(&w.police, "given")).await.status, 200);
    let reference = inv.get(&format!("/api/v1/justice/investigations/{inv_id}")).await.json()["reference"].as_str().unwrap().to_owned();
    let r = fr.post_json(&format!("/api/v1/cases/{case}/disclosures"), &json!({"investigation": reference, "basis": "consent"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let disclosure = r.json()["id"].as_str().unwrap().to_owned();

    let justice_routes: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/v1/justice/reports/{report}"), json!({})),
        ("POST", format!("/api/v1/justice/reports/{report}"), json!({"command": "close", "reason": "duplicate"})),
        ("GET", format!("/api/v1/justice/investigations/{inv_id}"), json!({})),
        ("POST", format!("/api/v1/justice/investigations/{inv_id}"), json!({"command": "close", "reason": "other"})),
        (
            "POST",
            format!("/api/v1/justice/investigations/{inv_id}/mla"),
            json!({"direction": "sent", "country": "ROU", "requested_on": "2026-11-18", "subject": "x"}),
        ),
        ("POST", format!("/api/v1/justice/investigations/{inv_id}/suspects"), json!({"family_name": "X"})),
        ("POST", format!("/api/v1/justice/investigations/{inv_id}/assets"), json!({"kind": "cash"})),
        ("POST", format!("/api/v1/justice/investigations/{inv_id}/notes"), json!({"kind": "note", "text": "x"})),
        ("POST", format!("/api/v1/justice/investigations/{inv_id}/investigators"), json!({"username": "investigator"})),
        (
            "POST",
            format!("/api/v1/justice/investigations/{inv_id}/hearings"),
            json!({"held_on": "2026-12-01", "kind": "trial", "court": "x"}),
        ),
        ("POST", format!("/api/v1/justice/mla/{mla}"), json!({"status": "refused"})),
        (
            "POST",
            format!("/api/v1/justice/suspects/{suspect}/charges"),
            json!({"offence": "other", "legal_provision": "x", "charged_on": "2026-11-18"}),
        ),
        ("POST", format!("/api/v1/justice/charges/{charge}/verdict"), json!({"verdict": "dismissed", "verdict_on": "2026-11-18"})),
        ("POST", format!("/api/v1/justice/suspects/{suspect}/arrest"), json!({"arrested_on": "2026-11-18"})),
        ("POST", format!("/api/v1/justice/assets/{asset}"), json!({"status": "released", "on": "2026-11-18"})),
        ("POST", format!("/api/v1/justice/disclosures/{disclosure}"), json!({"participation": ["witness"]})),
        (
            "POST",
            format!("/api/v1/justice/disclosures/{disclosure}/hearings"),
            json!({"held_on": "2026-12-01", "kind": "trial", "court": "x"}),
        ),
    ];
    let random = uuid::Uuid::now_v7().to_string();
    // Victim track, another police force, the coordinator, the prosecutor before referral: all
    // get the answer for a missing record, byte for byte, with the body unread.
    for user in ["case-worker", "responder", "authority", "other-investigator", "coordinator", "prosecutor", "police-responder"] {
        let mut c = app.signed_in(user).await;
        for (method, path, body) in &justice_routes {
            let missing = path.replace(&path.rsplit('/').find(|s| s.len() == 36).unwrap().to_owned(), &random);
            let mut answers = Vec::new();
            for p in [path, &missing] {
                let r = if *method == "GET" { c.get(p).await } else { c.post_json(p, body).await };
                answers.push((r.status, r.body));
            }
            assert_eq!(answers[0].0, 404, "{user} {method} {path}: {}", answers[0].1);
            assert_eq!(answers[0], answers[1], "{user} {method} {path}: refused and absent look the same");
        }
        if !["other-investigator", "prosecutor"].contains(&user) {
            assert_eq!(c.get("/api/v1/justice/investigations").await.status, 403, "{user} has no list of investigations");
            assert_eq!(c.get("/api/v1/justice/reports").await.status, 403, "{user} has no list of reports");
        } else {
            assert!(c.get("/api/v1/justice/investigations").await.json().as_array().unwrap().is_empty(), "{user}");
        }
    }
    // The other direction: the investigator reaches no victim record, list or search.
    assert_eq!(inv.get(&format!("/api/v1/cases/{case}")).await.status, 404);
    assert_eq!(inv.get(&format!("/api/v1/cases/{case}/disclosures")).await.status, 404);
    assert_eq!(
        inv.post_json(&format!("/api/v1/cases/{case}/disclosures"), &json!({"investigation": reference, "basis": "consent"})).await.status,
        404
    );
    let list = inv.get("/api/v1/cases").await;
    assert!(list.status == 403 || list.json()["rows"].as_array().is_some_and(|c| c.is_empty()), "{}", list.body);
    let search = inv.post_json("/api/v1/persons/search", &json!({"query": "Olena Witness"})).await;
    assert!(search.status == 403 || search.json().as_array().is_some_and(|a| a.is_empty()), "{}", search.body);
    let denied = audit_actions(app).await.into_iter().filter(|(_, o, _)| o == "denied").count();
    assert!(denied >= 7 * 17, "every refusal is in the audit log ({denied})");
}

/// The demo country's justice data, through the same pages and API a user sees.
async fn demo_justice_numbers(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let signed_in = |name: &'static str| async move {
        let mut c = app.client();
        let r = c.sign_in(name, palermo_service::demo::DEMO_PASSWORD).await;
        assert_eq!(r.location(), Some("/"), "{}", r.body);
        c
    };
    let mut analyst = signed_in("analyst").await;
    let s = analyst.get("/api/v1/justice/statistics?year=2026").await.json();
    // Four suspects in two investigations, all charged (one also with money laundering, counted
    // once); two convicted, one acquitted; the frozen account confiscated.
    assert_eq!(s["totals"], json!([["investigated", 4], ["prosecuted", 4], ["convicted", 2]]), "{s}");
    assert_eq!(s["confiscated"], json!([["EUR", "48200.00 EUR"]]));
    assert_eq!(s["victim_reports_waiting"], 1);
    assert_publishable_safe(&s);
    let mut inv = signed_in("investigator").await;
    let list = inv.get("/api/v1/justice/investigations").await.json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let page = inv.get("/justice").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("INV-2026-000001") && page.body.contains("RPT-2026-000004"), "{}", page.body);
    let id = list.as_array().unwrap().iter().find(|i| i["status"] == "prosecution").unwrap()["id"].as_str().unwrap().to_owned();
    let file = inv.get(&format!("/justice/investigations/{id}")).await;
    assert_eq!(file.status, 200);
    assert!(
        file.body.contains("Borislav Kestrel") && file.body.contains("confiscated") && file.body.contains("Court of Appeal"),
        "{}",
        file.body
    );
    let mut prosecutor = signed_in("prosecutor").await;
    assert_eq!(prosecutor.get("/api/v1/justice/investigations").await.json().as_array().unwrap().len(), 1);
    let mut coord = signed_in("coordinator").await;
    let home = coord.get("/").await;
    assert!(home.body.contains("id=\"victim-reports-waiting\""), "{}", home.body);
}

/// No count from 1 to the threshold in anything marked publishable.
fn assert_publishable_safe(s: &Value) {
    let tables = s["publishable"].as_array().expect("publishable tables");
    assert_eq!(tables.len(), 3);
    for t in tables {
        let threshold = t["threshold"].as_u64().unwrap();
        let mut values: Vec<&Value> = t["cells"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter()).collect();
        values.extend(t["row_totals"].as_array().unwrap());
        values.extend(t["col_totals"].as_array().unwrap());
        values.push(&t["total"]);
        for v in values {
            if let Some(n) = v.as_u64() {
                assert!(n == 0 || n >= threshold, "{n} published in {t}");
            }
        }
    }
}

/// SDG 16.2.2 from the demo's 300 cases, as SDMX-CSV read back with a CSV parser: the columns
/// and codes, no observation between 1 and the threshold, the totals right, the release audited.
async fn sdg_export_through_the_gate(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let r = analyst.get("/api/v1/statistics/sdg-16-2-2?year=2026&ref_area=Veridia").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"ref_area\""), "{}", r.body);
    let r = analyst.get("/api/v1/statistics/sdg-16-2-2?year=2026&ref_area=999").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, palermo_service::statistics::SDMX_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3 * 9, "three series × (F, M, _T) × (<18, 18+, _T)");
    let mut total = None;
    let mut forms_total = 0u64;
    for row in &rows {
        assert_eq!(&row[0], "IAEG-SDGs:DF_SDG_GLH(1.12)");
        assert!(["VC_HTF_DETV", "VC_HTF_DETVSX", "VC_HTF_DETVFL"].contains(&&row[3]), "{row:?}");
        assert_eq!((&row[4], &row[7]), ("999", "2026"));
        assert!(["F", "M", "_T"].contains(&&row[5]) && ["<18", "18+", "_T"].contains(&&row[6]), "{row:?}");
        match &row[8] {
            "" => assert_eq!(&row[10], "C", "a suppressed observation is marked confidential"),
            v => {
                let n: u64 = v.parse().unwrap();
                assert!(n == 0 || n >= 11, "{n} published: {row:?}");
                if (&row[5], &row[6]) == ("_T", "_T") {
                    if &row[3] == "VC_HTF_DETV" { total = Some(n) } else { forms_total += n }
                }
            }
        }
    }
    let coordinator_total = palermo_store::testing::count(
        &app.db_url,
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01'",
    )
    .await
    .unwrap() as u64;
    assert_eq!(total, Some(coordinator_total), "every detected victim counted once");
    assert_eq!(forms_total, coordinator_total, "labour and sexual exploitation add up to the total");
    crate::nrm::decision_dates_follow_the_timeline(app).await;
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "statistics.release" && e.outcome == "ok"), "the release is audited");
    let mut cw = app.client();
    cw.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    assert_eq!(cw.get("/api/v1/statistics/sdg-16-2-2?year=2026&ref_area=999").await.status, 403);
    assert_eq!(cw.get("/api/v1/statistics/waiting-times?year=2026").await.status, 403);

    // Waiting times (¶8): medians and 90th percentiles only over groups large enough.
    let w = analyst.get("/api/v1/statistics/waiting-times?year=2026").await.json();
    let rows = w["rows"].as_array().unwrap();
    let all = rows.iter().find(|r| r["dimension"] == "all").unwrap();
    assert!(all["rg_median_days"].as_i64().unwrap() >= 0 && all["rg_p90_days"].as_i64() >= all["rg_median_days"].as_i64(), "{all}");
    for r in rows {
        if let Some(n) = r["referrals"].as_str().and_then(|n| n.parse::<u64>().ok()) {
            assert!(n == 0 || n >= 11, "{n} referrals published: {r}");
            if n < 11 {
                assert!(r["rg_median_days"].is_null() && r["cg_median_days"].is_null(), "a small group publishes no waiting time: {r}");
            }
        }
    }
    // The groups of a dimension add up to all the referrals: never exactly one of them hidden
    // while the total is published (it would be the total minus the others).
    for d in ["sex", "age_group", "nationality"] {
        let hidden = rows.iter().filter(|r| r["dimension"] == d && r["referrals"] == "x").count();
        assert!(hidden != 1 || all["referrals"] == "x", "{d}: one group hidden alone: {rows:?}");
    }
}

/// Differentially private releases: charged against the series' budget, recorded (ε, what,
/// when, by whom), refused with nothing released once the budget is spent.
async fn dp_budget_is_refused_once_spent(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut analyst = app.client();
    analyst.sign_in("analyst", palermo_service::demo::DEMO_PASSWORD).await;
    let r = analyst.post_json("/api/v1/statistics/dp-release", &json!({"year": 2026, "epsilon": 0.4})).await;
    assert_eq!(r.status, 422, "no budget yet: {}", r.body);
    assert_eq!(analyst.post_json("/api/v1/statistics/dp-budget", &json!({"series": "sdg-16-2-2-2026", "epsilon": 1.0})).await.status, 403);
    let mut coord = app.client();
    coord.sign_in("coordinator", palermo_service::demo::DEMO_PASSWORD).await;
    let r = coord.post_json("/api/v1/statistics/dp-budget", &json!({"series": "SDG 2026", "epsilon": -1})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"series\"") && r.body.contains("\"field\":\"epsilon\""), "{}", r.body);
    let r = coord.post_json("/api/v1/statistics/dp-budget", &json!({"series": "sdg-16-2-2-2026", "epsilon": 1.0})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for _ in 0..2 {
        let r = analyst.post_json("/api/v1/statistics/dp-release", &json!({"year": 2026, "epsilon": 0.4})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let t = r.json();
        let cells: u64 =
            t["cells"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter()).map(|c| c.as_u64().unwrap()).sum();
        assert_eq!(cells, t["total"].as_u64().unwrap(), "totals are sums of the noisy cells");
    }
    let r = analyst.post_json("/api/v1/statistics/dp-release", &json!({"year": 2026, "epsilon": 0.4})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("budget is spent"), "{}", r.body);
    let ledger = analyst.get("/api/v1/statistics/dp-ledger?series=sdg-16-2-2-2026").await.json();
    assert_eq!(ledger["releases"].as_array().unwrap().len(), 2, "{ledger}");
    assert!((ledger["epsilon_spent"].as_f64().unwrap() - 0.8).abs() < 1e-9, "the refused release spent nothing");
    assert_eq!(ledger["releases"][0]["released_by"], "Kwame Asante");
    // What is left can still be spent exactly.
    let r = analyst.post_json("/api/v1/statistics/dp-release", &json!({"year": 2026, "epsilon": 0.2})).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn person_vault_rows(app: &TestApp, reference: &str) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM identity_vault v JOIN persons p ON p.id = v.record_id WHERE v.record_type = 'person' AND p.reference = '{reference}'"
    );
    // `count` takes SQL known at compile time or leaked (a test's few queries).
    palermo_store::testing::count(&app.db_url, Box::leak(sql.into_boxed_str())).await.unwrap()
}

/// Security goal 19: the operator's data-protection officer erases a person's identity on
/// request; a person whose case is disclosed to an investigation they are still part of is held.
async fn erasure_on_request_and_legal_hold(app: &TestApp) {
    let w = world(app).await;
    let orgs = app.app.list_organisations(&Caller::Console, &RequestMeta::cli()).await.unwrap();
    let operator = orgs.iter().find(|o| o.name == "Coordination Office").unwrap();
    app.user(operator, "dpo", &["auditor"]).await;
    let mut fr = app.signed_in("responder").await;

    // A person to erase: names nobody else has, a document, a decision with written reasons.
    let zdravka = json!({"given_name": "Zdravka", "family_name": "Canaryova", "date_of_birth": "1990-04-03", "documents": "PASS-CANARY-77",
                         "sex": "Feminine", "age_at_identification": "36"});
    let case = victim_case_of(&mut fr, &w, zdravka).await;
    let person = fr.get(&format!("/api/v1/cases/{case}")).await.json()["person"]["reference"].as_str().unwrap().to_owned();
    let decision = json!({"decision": "reasonable_grounds", "outcome": "positive", "decided_on": "2026-11-18", "reasons": "Zdravka's account is credible."});
    let r = app.signed_in("authority").await.post_json(&format!("/api/v1/cases/{case}/decision"), &decision).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = person_vault_rows(app, &person).await;
    assert!(before >= 4, "{before}");

    // A victim in proceedings: her case is disclosed to an investigation.
    let held_case = victim_case(&mut fr, &w).await;
    assert_eq!(fr.post_form(&format!("/cases/{held_case}/assign"), &[("case_worker", "case-worker")]).await.status, 303);
    let mut cw = app.signed_in("case-worker").await;
    assert_eq!(cw.post_json(&format!("/api/v1/cases/{held_case}/consent"), &law_enforcement_consent(&w.police, "given")).await.status, 200);
    let mut inv = app.signed_in("investigator").await;
    let r = inv
        .post_json(
            "/api/v1/justice/investigations",
            &json!({"forms": ["forced_labour"], "origin_countries": "UKR", "destination_countries": "ITA"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let investigation = r.json()["reference"].as_str().unwrap().to_owned();
    let r =
        cw.post_json(&format!("/api/v1/cases/{held_case}/disclosures"), &json!({"investigation": investigation, "basis": "consent"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let held_person = cw.get(&format!("/api/v1/cases/{held_case}")).await.json()["person"]["reference"].as_str().unwrap().to_owned();

    // Only the operator's auditor erases; bad input names its fields and erases nothing.
    let request = json!({"person": person, "request": "Request 2026/17 of 3 December, art. 17(1)(a)"});
    assert_eq!(fr.post_json("/api/v1/erasures", &request).await.status, 403);
    assert_eq!(app.signed_in("coordinator").await.post_json("/api/v1/erasures", &request).await.status, 403);
    let mut dpo = app.signed_in("dpo").await;
    let r = dpo.post_json("/api/v1/erasures", &json!({"person": "P-2026-999999", "request": "short"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("\"field\":\"person\"") && r.body.contains("\"field\":\"request\""), "{}", r.body);

    // The legal hold: refused with the reason, audited, nothing erased.
    let r = dpo.post_json("/api/v1/erasures", &json!({"person": held_person, "request": "Request 2026/18, art. 17(1)(a)"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("legal hold") && r.body.contains(&investigation), "{}", r.body);
    assert!(person_vault_rows(app, &held_person).await > 0);
    assert_eq!(cw.get(&format!("/api/v1/cases/{held_case}")).await.json()["person"]["identity"]["given_name"], "Olena");

    // The erasure: identity, search, reasons and the duplicate review no longer know her.
    let r = dpo.post_json("/api/v1/erasures", &request).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(person_vault_rows(app, &person).await, 0);
    let v = fr.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(v.status, 200, "the case stays, for the statistics: {}", v.body);
    let v = v.json();
    assert!(v["person"]["identity"]["given_name"].is_null() && v["person"]["identity"]["documents"].is_null(), "{v}");
    assert!(v["person"]["identity_erased_on"].is_string(), "{v}");
    assert_eq!(v["person"]["sex"], "Feminine", "coded facts stay");
    assert_eq!(v["stage"], "recovery_period");
    assert!(!v.to_string().contains("credible"), "the decision's reasons are erased: {v}");
    for q in ["Zdravka", "Canaryova", "Zdravka Canaryova"] {
        let r = fr.post_json("/api/v1/persons/search", &json!({"query": q})).await;
        assert_eq!(r.json().as_array().map(|a| a.len()), Some(0), "{q}: {}", r.body);
    }
    let page = fr.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("id=\"identity-erased\"") && !page.body.contains("Zdravka"), "{}", page.body);
    assert_eq!(dpo.post_json("/api/v1/erasures", &request).await.status, 409, "already erased");

    // The record of it: the erasure page and the audit log; no name anywhere in either.
    let list = dpo.get("/erasure").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&person) && list.body.contains("Request 2026/17"), "{}", list.body);
    assert_eq!(fr.get("/erasure").await.status, 403);
    let audit = app.app.recent_audit(&Caller::Console, 500, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "person.erase" && e.outcome == "ok"));
    assert!(audit.iter().any(|e| e.action == "person.erase"
        && e.outcome == "denied"
        && e.purpose.as_deref() == Some(format!("legal hold: investigation {investigation}").as_str())));
    assert!(audit.iter().all(|e| !format!("{e:?}").contains("Zdravka")));
}
