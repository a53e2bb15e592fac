//! The duplicate review over HTTP, on both engines: candidates found within one organisation's
//! register (never across organisations), both records side by side with identity reads
//! audited, "same person" merging (the other record's cases move to the record kept), unmerge
//! restoring both exactly, "different" remembered across refreshes, and every refusal named.

use crate::coordination::{World, world};
use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::{Client, TestApp};
use serde_json::{Value, json};

crate::on_both_engines!(duplicate_review_merge_and_unmerge);
crate::on_both_engines!(names_recorded_the_other_way_round_are_said_to_be_compared_crossed);
crate::on_both_engines!(erasing_a_merged_person_erases_every_record_of_them);

pub(crate) async fn person(c: &mut Client, body: Value) -> (String, String) {
    let r = c.post_json("/api/v1/persons", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    (v["id"].as_str().unwrap().to_owned(), v["reference"].as_str().unwrap().to_owned())
}

/// A referral about an existing person; returns the case id.
pub(crate) async fn case_of(c: &mut Client, w: &World, person: &str) -> String {
    let body = json!({
        "kind": "referral", "person": person, "screened_on": "2026-11-17", "population": "adult", "exploitation_form": "labour",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
        "indicators": ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"],
        "competent_authority": w.authority_org, "referral_consent": "given", "consent_form": "written", "checklist": ["informed_of_purpose"]
    });
    let r = c.post_json("/api/v1/cases", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The persons of the pair a reviewer would be shown for these two references.
pub(crate) fn pair_of<'a>(list: &'a Value, a: &str, b: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|d| {
        let (x, y) = (d["a_reference"].as_str().unwrap_or(""), d["b_reference"].as_str().unwrap_or(""));
        (x == a && y == b) || (x == b && y == a)
    })
}

async fn refresh(app: &TestApp) -> palermo_service::duplicates::RefreshReport {
    app.app.refresh_duplicates(&RequestMeta::cli()).await.unwrap()
}

/// A reviewer shown "given name: agrees" next to two different given names would doubt the
/// pair: where one record has the names the other way round, the pair says so (API and page).
async fn names_recorded_the_other_way_round_are_said_to_be_compared_crossed(app: &TestApp) {
    let _w = world(app).await;
    let mut fr = app.signed_in("responder").await;
    let (_, r1) = person(
        &mut fr,
        json!({"given_name": "Dragan", "family_name": "Ionescu", "sex": "Masculine", "date_of_birth": "1983-01-27", "citizenships": "ROU"}),
    )
    .await;
    let (_, r2) = person(
        &mut fr,
        json!({"given_name": "Ionescu", "family_name": "Dragan", "sex": "Masculine", "date_of_birth": "1983-01-27", "citizenships": "ROU"}),
    )
    .await;
    let (_, r3) = person(
        &mut fr,
        json!({"given_name": "Dragan", "family_name": "Ionescu", "sex": "Masculine", "date_of_birth": "1983", "citizenships": "ROU"}),
    )
    .await;
    refresh(app).await;
    let list = fr.get("/api/v1/duplicates").await.json();
    let id =
        |a: &str, b: &str| pair_of(&list, a, b).unwrap_or_else(|| panic!("{a} / {b} offered: {list}"))["id"].as_str().unwrap().to_owned();
    let (crossed, straight) = (id(&r1, &r2), id(&r1, &r3));
    let d = fr.get(&format!("/api/v1/duplicates/{crossed}")).await.json();
    assert_eq!(d["names_crossed"], true, "{d}");
    let verdict =
        |d: &Value, field: &str| d["comparisons"].as_array().unwrap().iter().find(|c| c["field"] == field).unwrap()["verdict"].clone();
    assert_eq!((verdict(&d, "given_name"), verdict(&d, "family_name")), (json!("agrees"), json!("agrees")));
    assert_eq!(fr.get(&format!("/api/v1/duplicates/{straight}")).await.json()["names_crossed"], false);
    let page = fr.get(&format!("/duplicates/{crossed}")).await;
    assert!(page.status == 200 && page.body.contains("id=\"names-crossed\"") && page.body.contains("the other way round"), "{}", page.body);
    assert!(!fr.get(&format!("/duplicates/{straight}")).await.body.contains("id=\"names-crossed\""));
}

async fn duplicate_review_merge_and_unmerge(app: &TestApp) {
    let w = world(app).await;
    // (created before the first request, as organisations are loaded once by the service)
    let ngo = app.org("Harbour NGO", "ngo_outreach").await;
    app.user(&ngo, "ngo-worker", &["case_worker"]).await;
    let mut fr = app.signed_in("responder").await;
    let mut outsider = app.signed_in("outsider").await;
    // The same man recorded twice by the police: transliterated names, day and month swapped.
    let (p1, r1) = person(
        &mut fr,
        json!({"given_name": "Mohammed", "family_name": "Al-Hassan", "sex": "Masculine", "date_of_birth": "1990-03-07", "citizenships": "SYR", "contacts": "+963 944 123 456"}),
    )
    .await;
    let (p2, r2) = person(
        &mut fr,
        json!({"given_name": "Muhammad", "family_name": "Al Hasan", "sex": "Masculine", "date_of_birth": "1990-07-03", "citizenships": "SYR", "contacts": "0944 123 456"}),
    )
    .await;
    // Someone else entirely, and a pair of namesakes born the same day (to be told apart).
    let (_, r3) = person(
        &mut fr,
        json!({"given_name": "Olena", "family_name": "Kovalenko", "sex": "Feminine", "date_of_birth": "1985-01-01", "citizenships": "UKR"}),
    )
    .await;
    let (_, r4) = person(
        &mut fr,
        json!({"given_name": "Anna", "family_name": "Petrova", "sex": "Feminine", "date_of_birth": "1992-05-05", "citizenships": "MDA"}),
    )
    .await;
    let (_, r5) = person(
        &mut fr,
        json!({"given_name": "Ana", "family_name": "Petrova", "sex": "Feminine", "date_of_birth": "1992-05-05", "citizenships": "MDA"}),
    )
    .await;
    // Another organisation's record of the same man: never paired with the police's.
    let (_, r6) = person(
        &mut outsider,
        json!({"given_name": "Mohammed", "family_name": "Al-Hassan", "sex": "Masculine", "date_of_birth": "1990-03-07", "citizenships": "SYR"}),
    )
    .await;
    let case2 = case_of(&mut fr, &w, &r2).await;

    assert!(fr.get("/api/v1/duplicates").await.json().as_array().unwrap().is_empty(), "nothing before the first search");
    let report = refresh(app).await;
    assert!(report.candidates >= 2, "{report:?}");

    // The police's reviewer sees the two pairs, not the unrelated person, no identity in the list.
    let list = fr.get("/api/v1/duplicates").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let pair = pair_of(&list, &r1, &r2).unwrap_or_else(|| panic!("the transliterated pair is offered: {list}"));
    assert!(pair["probability_percent"].as_u64().unwrap() >= 50, "{pair}");
    assert_eq!(pair["status"], "open");
    let verdict = |field: &str| pair["comparisons"].as_array().unwrap().iter().find(|c| c["field"] == field).unwrap()["verdict"].clone();
    assert_eq!(verdict("given_name"), "agrees", "Mohammed / Muhammad: transliteration-equal");
    assert_eq!(verdict("date_of_birth"), "close", "day and month swapped");
    assert!(pair_of(&list, &r4, &r5).is_some(), "the namesakes are offered: {list}");
    assert!(!list.to_string().contains(&r3) && !list.to_string().contains(&r6), "{list}");
    assert!(!list.to_string().contains("Mohammed"), "no identity in the list");
    let id = pair["id"].as_str().unwrap().to_owned();
    let namesakes = pair_of(&list, &r4, &r5).unwrap()["id"].as_str().unwrap().to_owned();

    // Need-to-know: another organisation gets 404 on the pair and sees only its own register.
    let url = format!("/api/v1/duplicates/{id}");
    assert_eq!(outsider.get(&url).await.status, 404);
    assert_eq!(outsider.post_json(&url, &json!({"decision": "same", "keep": r1, "version": "1"})).await.status, 404);
    assert_eq!(
        outsider.post_raw_body(&url, b"not json", "application/json").await.status,
        404,
        "an outsider learns nothing from a bad body either"
    );
    assert!(!outsider.get("/api/v1/duplicates").await.body.contains(&r1));
    assert_eq!(app.client().get(&url).await.status, 401);
    assert_eq!(app.client().get("/api/v1/duplicates").await.status, 401);
    assert_eq!(app.client().get(&format!("/duplicates/{id}")).await.status, 303, "a person is sent to sign in");

    // Side by side: both identities, two audited identity reads.
    let d = fr.get(&url).await;
    assert_eq!(d.status, 200, "{}", d.body);
    let d = d.json();
    assert!(d["a"]["identity"]["given_name"].as_str().is_some() && d["b"]["identity"]["given_name"].as_str().is_some());
    assert!(d.to_string().contains("Muhammad") && d.to_string().contains("Mohammed"));
    let version = d["version"].as_i64().unwrap().to_string();
    let audit = app.app.recent_audit(&Caller::Console, 50, &RequestMeta::cli()).await.unwrap();
    let reads: Vec<_> =
        audit.iter().filter(|e| e.action == "person.view" && e.purpose.as_deref().is_some_and(|p| p.contains(&id))).collect();
    assert_eq!(reads.len(), 2, "one identity read per record");

    // Refusals name the field and change nothing.
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": "P-1999-000001", "version": version})).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"field\":\"keep\"") && r.body.contains(&r1), "{}", r.body);
    let r = fr.post_json(&url, &json!({"decision": "maybe", "version": version})).await;
    assert!(r.status == 422 && r.body.contains("\"field\":\"decision\""), "{}", r.body);
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": r1})).await;
    assert!(r.status == 422 && r.body.contains("\"field\":\"version\""), "{}", r.body);
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": r1, "version": "999"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = fr.post_json(&url, &json!({"decision": "unmerge", "version": version})).await;
    assert_eq!(r.status, 409, "only a merged pair can be unmerged: {}", r.body);
    assert_eq!(fr.get(&format!("/api/v1/cases/{case2}")).await.json()["person"]["reference"], r2.as_str());

    // Same person: the second record is merged into the first and its case follows. Both records
    // have a case this year: the statistics' persons (docs/STATISTICS.md) count them once after.
    case_of(&mut fr, &w, &r1).await;
    let register = palermo_store::Store::connect(&app.db_url, std::sync::Arc::new(palermo_store::NoWitness)).await.unwrap();
    let year = (time::macros::date!(2026 - 01 - 01), time::macros::date!(2027 - 01 - 01));
    let before = register.victims_detected_persons(year.0, year.1).await.unwrap();
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": r1, "version": version})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = register.victims_detected_persons(year.0, year.1).await.unwrap();
    assert_eq!(
        (after.cases, after.persons, after.more_than_once),
        (before.cases, before.persons - 1, before.more_than_once + 1),
        "one person with two cases: {before:?} -> {after:?}"
    );
    let merged = r.json();
    assert_eq!((merged["status"].as_str(), merged["kept_reference"].as_str()), (Some("merged"), Some(r1.as_str())));
    let case = fr.get(&format!("/api/v1/cases/{case2}")).await;
    assert_eq!(case.json()["person"]["reference"], r1.as_str(), "the case now concerns the record kept");
    assert!(case.body.contains("person_merged"), "on the case's timeline");
    let merged_person = fr.get(&format!("/api/v1/persons/{p2}")).await.json();
    assert_eq!(
        (merged_person["merged_into"].as_str(), merged_person["merged_into_reference"].as_str()),
        (Some(p1.as_str()), Some(r1.as_str()))
    );
    let page = fr.get(&format!("/persons/{p2}")).await;
    assert!(page.body.contains("id=\"merged-into\"") && page.body.contains(&r1), "the merged record's page says where it went");
    let again =
        fr.post_json(&url, &json!({"decision": "same", "keep": r1, "version": merged["version"].as_i64().unwrap().to_string()})).await;
    assert_eq!(again.status, 409, "a pair is merged once");
    // A new search keeps the decision and offers nothing about the merged record.
    refresh(app).await;
    let list = fr.get("/api/v1/duplicates").await.json();
    assert_eq!(pair_of(&list, &r1, &r2).unwrap()["status"], "merged");

    // Unmerge: both records stand again and the case goes back.
    let r = fr.post_json(&url, &json!({"decision": "unmerge", "version": merged["version"].as_i64().unwrap().to_string()})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "open");
    let case = fr.get(&format!("/api/v1/cases/{case2}")).await;
    assert_eq!(case.json()["person"]["reference"], r2.as_str(), "the case is the restored record's again");
    assert!(case.body.contains("person_unmerged"));
    assert!(fr.get(&format!("/api/v1/persons/{p2}")).await.json()["merged_into"].is_null());
    assert_eq!(register.victims_detected_persons(year.0, year.1).await.unwrap(), before, "two persons again");

    // Different people: remembered, not offered again after a new search.
    let nurl = format!("/api/v1/duplicates/{namesakes}");
    let v = fr.get(&nurl).await.json()["version"].as_i64().unwrap().to_string();
    let r = fr.post_json(&nurl, &json!({"decision": "different", "version": v})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    refresh(app).await;
    let list = fr.get("/api/v1/duplicates").await.json();
    assert_eq!(pair_of(&list, &r4, &r5).unwrap()["status"], "different");
    assert_eq!(list.as_array().unwrap().iter().filter(|d| d["status"] == "open").count(), 1, "only the unmerged pair is open: {list}");

    // Need-to-know: once another organisation owns the second record's case (a transfer of
    // ownership), merging that record away would show the new owner the record kept: refused,
    // naming the case; keeping the second record instead moves nothing of the new owner's.
    let mut receiver = app.signed_in("ngo-worker").await;
    let ngo_id = ngo.id.to_string();
    let case2_ref = fr.get(&format!("/api/v1/cases/{case2}")).await.json()["reference"].as_str().unwrap().to_owned();
    let r = fr.post_json(&format!("/api/v1/cases/{case2}/consent"), &crate::coordination::consent(&ngo_id, "given")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = fr
        .post_json(
            &format!("/api/v1/cases/{case2}/transfer"),
            &json!({"to": ngo_id, "reason": "The person moved to the harbour district."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let t = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(receiver.post_json(&format!("/api/v1/transfers/{t}"), &json!({"command": "accept"})).await.status, 200);
    let v = fr.get(&url).await.json()["version"].as_i64().unwrap().to_string();
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": r1, "version": v})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains(&case2_ref) && r.body.contains(&format!("keep {r2} instead")), "{}", r.body);
    let seen = receiver.get(&format!("/api/v1/cases/{case2}")).await.json();
    assert_eq!(seen["person"]["reference"], r2.as_str(), "nothing moved");
    // The same refusal holds inside the merge's transaction: a transfer accepted between the
    // service's check and the write (the moved cases read before it) leaves everything as it was.
    let store = palermo_store::Store::connect(&app.db_url, std::sync::Arc::new(palermo_store::NoWitness)).await.unwrap();
    let mut raced = store.get_duplicate_candidate(id.parse().unwrap()).await.unwrap().unwrap();
    let (kept, gone): (uuid::Uuid, uuid::Uuid) = (p1.parse().unwrap(), p2.parse().unwrap());
    let moved = store.cases_of_person(gone).await.unwrap();
    assert!(!moved.is_empty());
    raced.survivor = Some(kept);
    raced.moved_cases = Some(serde_json::to_string(&moved).unwrap());
    let r = store.merge_duplicate(&raced, gone, &moved, &[], &[]).await;
    assert!(matches!(r, Err(palermo_store::StoreError::Stale(_))), "{r:?}");
    let seen = receiver.get(&format!("/api/v1/cases/{case2}")).await.json();
    assert_eq!(seen["person"]["reference"], r2.as_str(), "nothing moved in the raced merge either");
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": r2, "version": v})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let seen = receiver.get(&format!("/api/v1/cases/{case2}")).await.json();
    assert_eq!(seen["person"]["reference"], r2.as_str(), "the new owner still sees the record it had");

    let audit = app.app.recent_audit(&Caller::Console, 200, &RequestMeta::cli()).await.unwrap();
    for action in ["duplicate.refresh", "duplicate.merge", "duplicate.unmerge", "duplicate.different"] {
        assert!(audit.iter().any(|e| e.action == action && e.outcome == "ok"), "{action} audited");
    }
    assert!(audit.iter().any(|e| e.action == "duplicate.merge" && e.outcome == "denied"), "the outsider's attempt is audited as denied");
    assert!(
        !audit.iter().any(|e| e.purpose.as_deref().is_some_and(|p| p.contains("Mohammed") || p.contains("Muhammad"))),
        "no names in the audit log"
    );

    // The pages: the list links the pair; the review page shows both records and the decision.
    let page = fr.get("/duplicates").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("/duplicates/{id}")));
    let page = fr.get(&format!("/duplicates/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Muhammad") && page.body.contains("id=\"unmerge\""), "merged, so it offers the unmerge: {}", page.body);
    assert!(page.body.contains(&format!("<span id=\"kept\">{r2}</span>")), "{}", page.body);
    assert_eq!(outsider.get(&format!("/duplicates/{id}")).await.status, 404);
}

/// Security goal 19 after a merge: the data-protection officer names either record of a person
/// recorded twice and merged; both records' identities go, and the pair leaves the review.
async fn erasing_a_merged_person_erases_every_record_of_them(app: &TestApp) {
    let w = world(app).await;
    let orgs = app.app.list_organisations(&Caller::Console, &RequestMeta::cli()).await.unwrap();
    let operator = orgs.iter().find(|o| o.name == "Coordination Office").unwrap();
    app.user(operator, "dpo", &["auditor"]).await;
    let mut fr = app.signed_in("responder").await;
    let (_, kept) = person(
        &mut fr,
        json!({"given_name": "Mohammed", "family_name": "Al-Hassan", "sex": "Masculine", "date_of_birth": "1990-03-07", "citizenships": "SYR"}),
    )
    .await;
    let (_, absorbed) = person(
        &mut fr,
        json!({"given_name": "Muhammad", "family_name": "Al Hasan", "sex": "Masculine", "date_of_birth": "1990-07-03", "citizenships": "SYR"}),
    )
    .await;
    let case = case_of(&mut fr, &w, &absorbed).await;
    refresh(app).await;
    let list = fr.get("/api/v1/duplicates").await.json();
    let url = format!("/api/v1/duplicates/{}", pair_of(&list, &kept, &absorbed).expect("the pair is offered")["id"].as_str().unwrap());
    let version = fr.get(&url).await.json()["version"].as_i64().unwrap().to_string();
    let r = fr.post_json(&url, &json!({"decision": "same", "keep": kept, "version": version})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Named by the record that was merged away: the person is the record kept, and both go.
    let mut dpo = app.signed_in("dpo").await;
    let r = dpo.post_json("/api/v1/erasures", &json!({"person": absorbed, "request": "Request 2026/19, art. 17(1)(a)"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["person"], kept.as_str());
    for name in ["Mohammed", "Muhammad", "Al-Hassan"] {
        let r = fr.post_json("/api/v1/persons/search", &json!({"query": name})).await;
        assert_eq!(r.json().as_array().map(|a| a.len()), Some(0), "{name}: {}", r.body);
    }
    let v = fr.get(&format!("/api/v1/cases/{case}")).await.json();
    assert!(v["person"]["identity"]["given_name"].is_null() && v["person"]["reference"] == kept.as_str(), "{v}");
    assert_eq!(fr.get(&url).await.status, 404, "the pair is gone from the review");
    refresh(app).await;
    assert!(fr.get("/api/v1/duplicates").await.json().as_array().unwrap().is_empty(), "and is not found again");
    let erased = dpo.get("/api/v1/erasures").await.json();
    let erased: Vec<&str> = erased.as_array().unwrap().iter().map(|e| e["person"].as_str().unwrap()).collect();
    assert!(erased.contains(&kept.as_str()) && erased.contains(&absorbed.as_str()), "{erased:?}");
}
