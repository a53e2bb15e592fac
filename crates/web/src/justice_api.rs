//! The justice track's JSON API (issue 5) under `/api/v1`: reports received, investigations,
//! MLA, suspects, charges and verdicts, proceeds, victims in proceedings, and the UNODC numbers;
//! and the programme's (issue 6): prevention, trainings, budgets, treaty status, SDG 16.2.2.
//! Exports of lists and statistics files are in `export_api`.
//! Access to a named record is checked before its body is read, so a refusal is the same 404
//! whatever was sent.

use crate::AppState;
use crate::api::{case_write, json_ok, parse_body, session, session_for_write};
use crate::error::problem;
use crate::session::Ctx;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::justice::{self as j, JusticeObject};
use serde::Serialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/justice/reports", get(reports).post(record_report))
        .route("/justice/reports/{id}", get(report).post(act_on_report))
        .route("/justice/investigations", get(investigations).post(open_investigation))
        .route("/justice/investigations/{id}", get(investigation).post(investigation_command))
        .route("/justice/investigations/{id}/mla", post(add_mla))
        .route("/justice/investigations/{id}/suspects", post(add_suspect))
        .route("/justice/investigations/{id}/assets", post(add_asset))
        .route("/justice/investigations/{id}/notes", post(add_note))
        .route("/justice/investigations/{id}/investigators", post(assign_investigator))
        .route("/justice/investigations/{id}/hearings", post(add_case_hearing))
        .route("/justice/mla/{id}", post(update_mla))
        .route("/justice/suspects/{id}/charges", post(add_charge))
        .route("/justice/suspects/{id}/arrest", post(record_arrest))
        .route("/justice/charges/{id}/verdict", post(record_verdict))
        .route("/justice/assets/{id}", post(asset_step))
        .route("/justice/disclosures/{id}", post(record_proceedings))
        .route("/justice/disclosures/{id}/hearings", post(add_hearing))
        .route("/justice/statistics", get(statistics))
        .route("/statistics/sdg-16-2-2", get(sdg_16_2_2))
        .route("/statistics/dp-budget", post(set_dp_budget))
        .route("/statistics/waiting-times", get(waiting_times))
        .route("/statistics/referrals", get(referral_statistics))
        .route("/statistics/dp-ledger", get(dp_ledger))
        .route("/statistics/dp-release", post(dp_release))
        .route("/cases/{id}/disclosures", get(case_disclosures).post(disclose_case))
        .route("/cases/{id}/disclosures/end", post(end_disclosure))
        .route("/hearings/upcoming", get(hearing_alerts))
        .route("/prevention", get(prevention))
        .route("/prevention/campaigns", post(record_campaign))
        .route("/prevention/trainings", post(record_training))
        .route("/prevention/budgets", post(record_budget))
        .route("/prevention/treaty-status", post(import_treaty_status))
}

fn answer<T: Serialize>(ctx: &Ctx, status: StatusCode, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(v) => json_ok(status, &v),
        Err(e) => problem(&e, &ctx.meta.request_id),
    }
}

/// A read by a signed-in user.
async fn read<O: Serialize>(ctx: &Ctx, run: impl AsyncFnOnce(Caller) -> Result<O, ServiceError>) -> Response {
    let s = match session(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    answer(ctx, StatusCode::OK, run(Caller::User(s.actor.clone())).await)
}

/// A write: session and CSRF; for a named record, the right to work on it before the body is
/// read; then the use case.
#[allow(clippy::too_many_arguments)]
async fn write<I: serde::de::DeserializeOwned, O: Serialize>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    target: Option<(JusticeObject, &str)>,
    body: &[u8],
    status: StatusCode,
    run: impl AsyncFnOnce(Caller, I) -> Result<O, ServiceError>,
) -> Response {
    let s = match session_for_write(ctx, headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    if let Some((object, id)) = target
        && let Err(e) = state.app.ensure_justice_access(&caller, object, id, &ctx.meta).await
    {
        return problem(&e, &ctx.meta.request_id);
    }
    let input: I = match parse_body(body) {
        Ok(i) => i,
        Err(e) => return problem(&e, &ctx.meta.request_id),
    };
    answer(ctx, status, run(caller, input).await)
}

async fn reports(State(state): State<AppState>, ctx: Ctx) -> Response {
    read(&ctx, async |c| state.app.reports(&c, &ctx.meta).await).await
}

async fn record_report(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: j::NewReport| {
        state.app.record_report(&c, &i, &ctx.meta).await
    })
    .await
}

async fn report(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    read(&ctx, async |c| state.app.report(&c, &id, &ctx.meta).await).await
}

async fn act_on_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Report, &id)), &body, StatusCode::OK, async |c, i: j::ReportAction| {
        state.app.act_on_report(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn investigations(State(state): State<AppState>, ctx: Ctx) -> Response {
    read(&ctx, async |c| state.app.investigations(&c, &ctx.meta).await).await
}

async fn open_investigation(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: j::NewInvestigation| {
        state.app.open_investigation(&c, &i, &ctx.meta).await
    })
    .await
}

async fn investigation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    read(&ctx, async |c| state.app.investigation(&c, &id, &ctx.meta).await).await
}

async fn investigation_command(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::OK, async |c, i: j::InvestigationAction| {
        state.app.investigation_command(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn add_mla(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::CREATED, async |c, i: j::NewMla| {
        state.app.add_mla(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn update_mla(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Mla, &id)), &body, StatusCode::OK, async |c, i: j::MlaUpdate| {
        state.app.update_mla(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn add_suspect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::CREATED, async |c, i: j::NewSuspect| {
        state.app.add_suspect(&c, &id, &i, &ctx.meta).await.map(|id| json!({"id": id}))
    })
    .await
}

async fn add_asset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::CREATED, async |c, i: j::NewAsset| {
        state.app.add_asset(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn add_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::CREATED, async |c, i: j::NewNote| {
        state.app.add_note(&c, &id, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UsernameBody {
    username: String,
}

async fn assign_investigator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::OK, async |c, i: UsernameBody| {
        state.app.assign_investigator(&c, &id, &i.username, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn add_case_hearing(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Investigation, &id)), &body, StatusCode::CREATED, async |c, i: j::NewHearing| {
        state.app.add_case_hearing(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn add_charge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Suspect, &id)), &body, StatusCode::CREATED, async |c, i: j::NewCharge| {
        state.app.add_charge(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn record_arrest(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Suspect, &id)), &body, StatusCode::OK, async |c, i: j::ArrestInput| {
        state.app.record_arrest(&c, &id, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn record_verdict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Charge, &id)), &body, StatusCode::OK, async |c, i: j::VerdictInput| {
        state.app.record_verdict(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn asset_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Asset, &id)), &body, StatusCode::OK, async |c, i: j::AssetStep| {
        state.app.asset_step(&c, &id, &i, &ctx.meta).await
    })
    .await
}

async fn record_proceedings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Disclosure, &id)), &body, StatusCode::OK, async |c, i: j::ProceedingsInput| {
        state.app.record_proceedings(&c, &id, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn add_hearing(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    write(&state, &ctx, &headers, Some((JusticeObject::Disclosure, &id)), &body, StatusCode::CREATED, async |c, i: j::NewHearing| {
        state.app.add_hearing(&c, &id, &i, &ctx.meta).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct YearQuery {
    year: Option<String>,
}

async fn statistics(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> Response {
    read(&ctx, async |c| {
        let year = crate::export_api::year_of(&state, q.year.as_deref());
        state.app.justice_statistics(&c, year, &ctx.meta).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SdgQuery {
    year: Option<String>,
    ref_area: Option<String>,
}

/// SDG 16.2.2 as SDMX-CSV, through the disclosure gate.
async fn sdg_16_2_2(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SdgQuery>) -> Response {
    let s = match session(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let year = crate::export_api::year_of(&state, q.year.as_deref());
    let area = q.ref_area.unwrap_or_default();
    let r = state.app.sdg_16_2_2(&Caller::User(s.actor.clone()), year, &area, &ctx.meta).await.map(|r| palermo_service::export::File {
        bytes: r.csv.into_bytes(),
        content_type: "text/csv; charset=utf-8",
        name: format!("sdg-16-2-2-{year}.csv"),
    });
    crate::export_api::file_response(&ctx, r)
}

async fn waiting_times(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> Response {
    read(&ctx, async |c| {
        let year = crate::export_api::year_of(&state, q.year.as_deref());
        state.app.waiting_times(&c, year, &ctx.meta).await
    })
    .await
}

async fn referral_statistics(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> Response {
    read(&ctx, async |c| {
        let year = crate::export_api::year_of(&state, q.year.as_deref());
        state.app.referral_statistics(&c, year, &ctx.meta).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DpBudgetBody {
    series: String,
    epsilon: f64,
}

async fn set_dp_budget(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::OK, async |c, i: DpBudgetBody| {
        state.app.set_dp_budget(&c, &i.series, i.epsilon, &ctx.meta).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesQuery {
    series: Option<String>,
}

async fn dp_ledger(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SeriesQuery>) -> Response {
    read(&ctx, async |c| state.app.dp_ledger(&c, q.series.as_deref().unwrap_or(""), &ctx.meta).await).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DpReleaseBody {
    year: i32,
    epsilon: f64,
}

async fn dp_release(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: DpReleaseBody| {
        state.app.dp_release_victims(&c, i.year, i.epsilon, &ctx.meta).await
    })
    .await
}

async fn case_disclosures(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    read(&ctx, async |c| state.app.case_disclosures(&c, &id, &ctx.meta).await).await
}

async fn disclose_case(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::CREATED, async |c, i: j::NewDisclosure| {
        state.app.disclose_case(&c, &id, &i, &ctx.meta).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DisclosureRef {
    disclosure: String,
}

async fn end_disclosure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::OK, async |c, i: DisclosureRef| {
        state.app.end_disclosure(&c, &id, &i.disclosure, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn hearing_alerts(State(state): State<AppState>, ctx: Ctx) -> Response {
    read(&ctx, async |c| state.app.hearing_alerts(&c, 30).await).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryQuery {
    country: Option<String>,
}

async fn prevention(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CountryQuery>) -> Response {
    read(&ctx, async |c| state.app.prevention(&c, q.country.as_deref().unwrap_or("")).await).await
}

async fn record_campaign(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: palermo_service::prevention::NewCampaign| {
        state.app.record_campaign(&c, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn record_training(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: palermo_service::prevention::NewTraining| {
        state.app.record_training(&c, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

async fn record_budget(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    write(&state, &ctx, &headers, None, &body, StatusCode::CREATED, async |c, i: palermo_service::prevention::NewBudget| {
        state.app.record_budget(&c, &i, &ctx.meta).await.map(|()| json!({"ok": true}))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TreatyQuery {
    source: Option<String>,
    as_of: Option<String>,
}

/// The body is the CSV file itself.
async fn import_treaty_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TreatyQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = match session_for_write(&ctx, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = state
        .app
        .import_treaty_status(
            &Caller::User(s.actor.clone()),
            &body,
            q.source.as_deref().unwrap_or(""),
            q.as_of.as_deref().unwrap_or(""),
            &ctx.meta,
        )
        .await;
    answer(&ctx, StatusCode::OK, r)
}

/// The OpenAPI paths of the justice track, merged into `/api/v1/openapi.json`.
pub fn openapi_paths() -> serde_json::Map<String, serde_json::Value> {
    let problem = json!({"$ref": "#/components/schemas/Problem"});
    let err = |d: &str| json!({"description": d, "content": {"application/problem+json": {"schema": problem}}});
    let ok = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"type": "object"}}}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}});
    let csrf = json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}});
    let codes = |all: Vec<&'static str>| json!({"type": "string", "enum": all});
    use palermo_service::palermo_domain::justice as d;
    let body = |props: serde_json::Value, required: &[&str]| json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": required, "properties": props}}}});
    let get_op = |summary: &str, with_id: bool| {
        let params = if with_id { json!([id.clone()]) } else { json!([]) };
        json!({"get": {"summary": summary, "parameters": params, "responses": {"200": ok("OK"), "401": err("Not signed in"), "403": err("Role does not allow"), "404": err("Absent, or not yours to see")}}})
    };
    let post_op = |summary: &str, with_id: bool, b: serde_json::Value, created: bool| {
        let params = if with_id { json!([id.clone(), csrf.clone()]) } else { json!([csrf.clone()]) };
        let code = if created { "201" } else { "200" };
        json!({"summary": summary, "parameters": params, "requestBody": b,
            "responses": {code: ok("Done"), "401": err("Not signed in"), "403": err("Role does not allow or no CSRF token"), "404": err("Absent, or not yours to see"), "409": err("Changed meanwhile, or already done"), "422": err("Invalid fields, each named")}})
    };
    let all = |xs: &'static [&'static str]| xs.to_vec();
    let date = json!({"type": "string", "format": "date"});
    let text = json!({"type": "string"});
    let list = json!({"type": "array", "items": {"type": "string"}});
    let mut p = serde_json::Map::new();
    let mut both = |path: &str, get: serde_json::Value, post: serde_json::Value| {
        let mut v = get;
        v["post"] = post;
        p.insert(path.into(), v);
    };
    let channel: Vec<_> = d::ReportChannel::ALL.iter().map(|c| c.code()).collect();
    both(
        "/api/v1/justice/reports",
        get_op("Reports received by your organisation (investigators, prosecutors)", false),
        post_op(
            "Log a report received; what was reported is sealed",
            false,
            body(
                json!({"channel": codes(channel), "received_on": date, "risk": codes(all(&["low", "medium", "high"])), "summary": text}),
                &["channel", "received_on", "summary"],
            ),
            true,
        ),
    );
    both(
        "/api/v1/justice/reports/{id}",
        get_op("One report with what it says (audited)", true),
        post_op(
            "Investigate (into a new investigation, or an existing one by reference), close with a reason, or reopen",
            true,
            body(
                json!({"command": codes(d::ReportCommand::ALL.iter().map(|c| c.code()).collect()), "reason": codes(d::ReportClosure::ALL.iter().map(|c| c.code()).collect()), "investigation": text, "forms": list}),
                &["command"],
            ),
            false,
        ),
    );
    let forms = json!({"type": "array", "items": codes(d::ExploitationForm::ALL.iter().map(|c| c.code()).collect())});
    both(
        "/api/v1/justice/investigations",
        get_op("Investigations your organisation leads or prosecutes", false),
        post_op(
            "Open an investigation (forms of exploitation map to ICCS 0204x)",
            false,
            body(
                json!({"opened_on": date, "forms": forms, "origin_countries": text, "transit_countries": text, "destination_countries": text, "joint_team": {"type": "boolean"}, "jit_countries": text}),
                &["forms"],
            ),
            true,
        ),
    );
    both(
        "/api/v1/justice/investigations/{id}",
        get_op("The investigation file; suspects' identity and victims' minimal views are audited reads", true),
        post_op(
            "Refer to prosecution, close with a reason, or reopen",
            true,
            body(
                json!({"command": codes(d::InvestigationCommand::ALL.iter().map(|c| c.code()).collect()), "prosecution_office": text, "reason": codes(d::InvestigationClosure::ALL.iter().map(|c| c.code()).collect()), "on": date}),
                &["command"],
            ),
            false,
        ),
    );
    let mut post = |path: &str, op: serde_json::Value| {
        p.insert(path.into(), json!({"post": op}));
    };
    post(
        "/api/v1/justice/investigations/{id}/mla",
        post_op(
            "Record a mutual legal assistance request sent or received",
            true,
            body(
                json!({"direction": codes(all(&["sent", "received"])), "country": text, "requested_on": date, "subject": text}),
                &["direction", "country", "requested_on", "subject"],
            ),
            true,
        ),
    );
    post(
        "/api/v1/justice/investigations/{id}/notes",
        post_op(
            "Add a note or an evidence reference (the text is sealed; no evidence files are stored)",
            true,
            body(json!({"kind": codes(all(&["note", "evidence_reference"])), "text": text}), &["kind", "text"]),
            true,
        ),
    );
    post(
        "/api/v1/justice/investigations/{id}/investigators",
        post_op(
            "Assign an investigator or prosecutor of the lead agency or the prosecution office",
            true,
            body(json!({"username": text}), &["username"]),
            false,
        ),
    );
    post(
        "/api/v1/justice/investigations/{id}/hearings",
        post_op(
            "Add a hearing of the whole case (every disclosed victim's case worker is reminded)",
            true,
            body(
                json!({"held_on": date, "kind": codes(d::HearingKind::ALL.iter().map(|c| c.code()).collect()), "court": text}),
                &["held_on", "kind", "court"],
            ),
            true,
        ),
    );
    post(
        "/api/v1/justice/mla/{id}",
        post_op(
            "Record the answer to an MLA request",
            true,
            body(json!({"status": codes(d::MlaStatus::ALL.iter().map(|c| c.code()).collect()), "answered_on": date}), &["status"]),
            false,
        ),
    );
    post(
        "/api/v1/justice/investigations/{id}/suspects",
        post_op(
            "Add a suspect (identity sealed; HTCDS per_RoleInProcess)",
            true,
            body(
                json!({"given_name": text, "family_name": text, "date_of_birth": text, "sex": text, "age": text, "citizenships": text,
                    "roles": {"type": "array", "items": codes(d::RoleInProcess::ALL.iter().map(|c| c.code()).collect())},
                    "relation_to_victims": codes(d::RelationToVictims::ALL.iter().map(|c| c.code()).collect()), "suspected_on": date, "arrested_on": date}),
                &[],
            ),
            true,
        ),
    );
    post(
        "/api/v1/justice/investigations/{id}/assets",
        post_op(
            "Record an asset frozen or seized (value in the currency's units, kept exactly in minor units)",
            true,
            body(
                json!({"kind": codes(d::AssetKind::ALL.iter().map(|c| c.code()).collect()), "status": codes(all(&["frozen", "seized"])), "value": text, "currency": text, "authority": text, "on": date, "charge": text}),
                &["kind", "status", "value", "currency", "authority", "on"],
            ),
            true,
        ),
    );
    post(
        "/api/v1/justice/suspects/{id}/charges",
        post_op(
            "Charge a suspect (national provision and ICCS code)",
            true,
            body(
                json!({"offence": codes(d::Offence::ALL.iter().map(|c| c.code()).collect()), "iccs": text, "legal_provision": text, "charged_on": date}),
                &["offence", "legal_provision", "charged_on"],
            ),
            true,
        ),
    );
    post(
        "/api/v1/justice/suspects/{id}/arrest",
        post_op("Record a suspect's arrest", true, body(json!({"arrested_on": date}), &["arrested_on"]), false),
    );
    post(
        "/api/v1/justice/charges/{id}/verdict",
        post_op(
            "Record the verdict (and sentence)",
            true,
            body(
                json!({"verdict": codes(d::Verdict::ALL.iter().map(|c| c.code()).collect()), "verdict_on": date, "sentence_months": text, "fine": text, "currency": text}),
                &["verdict", "verdict_on"],
            ),
            false,
        ),
    );
    post(
        "/api/v1/justice/assets/{id}",
        post_op(
            "Move an asset a step (seized, confiscated, returned, used for compensation, released)",
            true,
            body(json!({"status": codes(d::AssetStatus::ALL.iter().map(|c| c.code()).collect()), "on": date}), &["status", "on"]),
            false,
        ),
    );
    post(
        "/api/v1/justice/disclosures/{id}",
        post_op(
            "Record how the victim takes part, protection measures (phase:measure), interpreter and legal representative; only while the disclosure stands",
            true,
            body(json!({"participation": list, "protection": list, "interpreter_language": text, "legal_representative": text}), &[]),
            false,
        ),
    );
    post(
        "/api/v1/justice/disclosures/{id}/hearings",
        post_op(
            "Add a hearing date (the victim's case worker is reminded)",
            true,
            body(
                json!({"held_on": date, "kind": codes(d::HearingKind::ALL.iter().map(|c| c.code()).collect()), "court": text}),
                &["held_on", "kind", "court"],
            ),
            true,
        ),
    );
    post(
        "/api/v1/cases/{id}/disclosures/end",
        post_op("End a disclosure of this case (the case team)", true, body(json!({"disclosure": text}), &["disclosure"]), false),
    );
    let mut stats = get_op(
        "Persons investigated, prosecuted and convicted by sex, age group and citizenship, and the value of assets confiscated, for a year (coordinators, analysts; exact counts, not for publication)",
        false,
    );
    stats["get"]["parameters"] = json!([{"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}}]);
    p.insert("/api/v1/justice/statistics".into(), stats);
    let mut sdg = get_op(
        "SDG 16.2.2 (victims detected by sex and age, total and per form of exploitation) as SDMX-CSV; every observation through the disclosure gate, suppressed ones empty with CONF_STATUS C (coordinators, analysts; audited)",
        false,
    );
    sdg["get"]["parameters"] = json!([{"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}}, {"name": "ref_area", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{3}$"}, "description": "UN M49 numeric code"}]);
    sdg["get"]["responses"]["200"] = json!({"description": "SDMX-CSV", "content": {"text/csv": {"schema": {"type": "string"}}}});
    p.insert("/api/v1/statistics/sdg-16-2-2".into(), sdg);
    let mut waiting = get_op(
        "NRM decision waiting times (median and 90th percentile, days) by sex, age group and nationality for a year's referrals; groups under the threshold not published (coordinators, analysts)",
        false,
    );
    waiting["get"]["parameters"] = json!([{"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}}]);
    p.insert("/api/v1/statistics/waiting-times".into(), waiting);
    let mut referrals = get_op(
        "Referrals between organisations sent in a year: accepted, declined, revoked, not answered per service kind through the disclosure gate, and the median and 90th-percentile hours to an answer (not published under the threshold) (coordinators, analysts)",
        false,
    );
    referrals["get"]["parameters"] = json!([{"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}}]);
    p.insert("/api/v1/statistics/referrals".into(), referrals);
    let num = json!({"type": "number"});
    p.insert(
        "/api/v1/statistics/dp-budget".into(),
        json!({"post": post_op("Set the ε budget of a series of differentially private releases (coordinators)", false, body(json!({"series": text, "epsilon": num}), &["series", "epsilon"]), false)}),
    );
    let mut ledger = get_op("A series' ε budget, what was spent, and every release (ε, δ, what, when, by whom)", false);
    ledger["get"]["parameters"] = json!([{"name": "series", "in": "query", "required": true, "schema": {"type": "string"}}]);
    p.insert("/api/v1/statistics/dp-ledger".into(), ledger);
    p.insert(
        "/api/v1/statistics/dp-release".into(),
        json!({"post": post_op("Victims detected in a year by sex × age with Laplace noise, charged against the series sdg-16-2-2-<year>; 409 when the budget is spent (coordinators, analysts)", false, body(json!({"year": {"type": "integer"}, "epsilon": num}), &["year", "epsilon"]), true)}),
    );
    let mut v = get_op("Disclosures of this case to investigations, with hearing dates and protection measures (the case team)", true);
    v["post"] = post_op(
        "Disclose this case to an investigation, on the person's consent to law enforcement for its lead agency or a recorded legal obligation",
        true,
        body(
            json!({"investigation": text, "basis": codes(d::DisclosureBasis::ALL.iter().map(|c| c.code()).collect()), "legal_obligation": text}),
            &["investigation", "basis"],
        ),
        true,
    );
    p.insert("/api/v1/cases/{id}/disclosures".into(), v);
    let mut prev = get_op(
        "Campaigns, trainings, budgets (with execution) and treaty status with its source and as-of date; ?country=ISO3 narrows the treaty status",
        false,
    );
    prev["get"]["parameters"] = json!([{"name": "country", "in": "query", "required": false, "schema": {"type": "string"}}]);
    p.insert("/api/v1/prevention".into(), prev);
    p.insert(
        "/api/v1/prevention/campaigns".into(),
        json!({"post": post_op("Record a campaign (prevention officers, coordinators)", false, body(json!({"title": text, "kind": codes(palermo_service::palermo_domain::prevention::CampaignKind::ALL.iter().map(|c| c.code()).collect()), "channels": list, "audience": list, "regions": text, "starts_on": date, "ends_on": date, "reach": text, "cost": text, "currency": text, "partners": text}), &["title", "kind", "channels", "audience", "regions", "starts_on"]), true)}),
    );
    p.insert(
        "/api/v1/prevention/trainings".into(),
        json!({"post": post_op("Record a training of officials, participants by sex (prevention officers, coordinators)", false, body(json!({"topic": text, "audience": codes(palermo_service::palermo_domain::prevention::Profession::ALL.iter().map(|c| c.code()).collect()), "held_on": date, "participants_female": text, "participants_male": text, "participants_other": text, "organiser": text}), &["topic", "audience", "held_on", "organiser"]), true)}),
    );
    p.insert(
        "/api/v1/prevention/budgets".into(),
        json!({"post": post_op("Record a budget line (coordinators)", false, body(json!({"programme_area": codes(palermo_service::palermo_domain::prevention::ProgrammeArea::ALL.iter().map(|c| c.code()).collect()), "fiscal_year": text, "allocated": text, "spent": text, "currency": text, "funder": text}), &["programme_area", "fiscal_year", "allocated", "currency", "funder"]), true)}),
    );
    let mut treaty = post_op(
        "Import treaty status from CSV (the body); all or nothing (coordinators)",
        false,
        json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}}),
        false,
    );
    if let Some(params) = treaty["parameters"].as_array_mut() {
        params.push(json!({"name": "source", "in": "query", "required": true, "schema": {"type": "string"}}));
        params.push(json!({"name": "as_of", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}));
    }
    p.insert("/api/v1/prevention/treaty-status".into(), json!({"post": treaty}));
    p.insert("/api/v1/hearings/upcoming".into(), get_op("Hearings in the next 30 days in your cases (case workers)", false));
    p
}
