//! The JSON API under `/api/v1`. Same use cases as the pages; errors are RFC 9457
//! problem+json. Calls made with a browser session must carry the session's CSRF token in
//! `X-CSRF-Token` when they change anything. Unknown fields in a request body are refused
//! (no mass assignment).

use crate::AppState;
use crate::error::{csrf_problem, problem};
use crate::session::Ctx;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use palermo_service::ServiceError;
use palermo_service::admin::{Caller, NewOrganisation, NewUser};
use palermo_service::auth::Session;
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::access::CaseOp;
use serde::Serialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/organisations", get(list_organisations).post(create_organisation))
        .route("/organisations/{id}", get(organisation))
        .route("/organisations/{id}/users", get(list_users).post(create_user))
        .route("/users/{id}", get(user))
        .route("/users/{id}/disable", post(disable_user))
        .route("/audit/verify", get(verify_audit))
        .route("/persons", post(create_person))
        .route("/persons/search", post(search_persons))
        .route("/persons/{id}", get(person))
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(case))
        .route("/cases/{id}/decision", post(case_decision))
        .route("/cases/{id}/command", post(case_command))
        .route("/cases/{id}/consent", post(case_consent))
        .route("/break-glass", post(break_glass))
        .route("/erasures", get(list_erasures).post(erase_person))
        .route("/jurisdiction", get(jurisdiction).patch(update_jurisdiction))
        .route("/services", get(search_services).post(add_service))
        .route("/services/{id}/availability", post(set_availability))
        .route("/cases/{id}/referrals", post(send_referral))
        .route("/cases/{id}/services", post(record_service))
        .route("/referrals/{id}", post(act_on_referral))
        .route("/cases/{id}/transfer", post(propose_transfer))
        .route("/transfers", get(transfers))
        .route("/transfers/{id}", post(act_on_transfer))
        .route("/duplicates", get(duplicates))
        .route("/duplicates/{id}", get(duplicate).post(decide_duplicate))
        .route("/coordination", get(coordination_dashboard))
        .route("/referrals/overrides", get(referral_overrides))
        .route("/cases/{id}/residence", post(record_permit))
        .route("/cases/{id}/child-protection", post(record_child_protection))
        .route("/residence/alerts", get(permit_alerts))
        .route("/cases/{id}/compensation", post(record_claim))
        .route("/cases/{id}/risk", post(record_risk))
        .route("/cases/{id}/follow-ups", post(plan_follow_ups))
        .route("/cases/{id}/follow-ups/done", post(record_follow_up))
        .route("/follow-ups/due", get(follow_up_alerts))
        .route("/cases/{id}/support-plans", post(create_support_plan))
        .route("/cases/{id}/support-plans/approve", post(approve_support_plan))
        .route("/cases/{id}/tasks/done", post(complete_task))
        .route("/tasks/overdue", get(task_alerts))
}

pub(crate) fn json_ok<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => problem(&ServiceError::Internal(e.to_string()), ""),
    }
}

pub(crate) fn session(ctx: &Ctx) -> Result<&Session, Response> {
    ctx.complete().ok_or_else(|| problem(&ServiceError::Unauthenticated, &ctx.meta.request_id))
}

pub(crate) fn session_for_write<'a>(ctx: &'a Ctx, headers: &HeaderMap) -> Result<&'a Session, Response> {
    let s = session(ctx)?;
    if !ctx.csrf_ok(headers.get("x-csrf-token").and_then(|v| v.to_str().ok())) {
        return Err(csrf_problem());
    }
    Ok(s)
}

pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(body).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line").next().unwrap_or(&msg).to_owned();
        ServiceError::Invalid(vec![ValidationError::new("body", format!("a JSON object as documented in /api/v1/openapi.json ({msg})"))])
    })
}

macro_rules! try_api {
    ($ctx:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => return problem(&err, &$ctx.meta.request_id),
        }
    };
}

macro_rules! try_resp {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

async fn me(ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    json_ok(
        StatusCode::OK,
        &json!({
            "user_id": s.actor.user_id, "organisation_id": s.actor.org_id, "username": s.username,
            "display_name": s.display_name, "roles": s.actor.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
            "csrf_token": s.csrf_token,
        }),
    )
}

async fn list_organisations(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let orgs = try_api!(ctx, state.app.list_organisations(&Caller::User(s.actor.clone()), &ctx.meta).await);
    json_ok(StatusCode::OK, &orgs)
}

async fn create_organisation(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let input: NewOrganisation = try_api!(ctx, parse_body(&body));
    let org = try_api!(ctx, state.app.create_organisation(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &org)
}

async fn organisation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let org = try_api!(ctx, state.app.organisation(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &org)
}

async fn list_users(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let users = try_api!(ctx, state.app.list_users(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &users)
}

/// The body of `POST /organisations/{id}/users`: the organisation comes from the path.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    username: String,
    display_name: String,
    #[serde(default)]
    roles: Vec<String>,
    password: String,
    #[serde(default)]
    contact: String,
}

async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let b: NewUserBody = try_api!(ctx, parse_body(&body));
    let input = NewUser {
        organisation_id: id,
        username: b.username,
        display_name: b.display_name,
        roles: b.roles,
        password: b.password,
        contact: b.contact,
    };
    let user = try_api!(ctx, state.app.create_user(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &user)
}

async fn user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let user = try_api!(ctx, state.app.user(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &user)
}

async fn disable_user(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let user = try_api!(ctx, state.app.set_user_disabled(&Caller::User(s.actor.clone()), &id, true, &ctx.meta).await);
    json_ok(StatusCode::OK, &user)
}

async fn verify_audit(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let result = try_api!(ctx, state.app.verify_audit_as(&Caller::User(s.actor.clone()), &ctx.meta).await);
    match result {
        Ok(v) => json_ok(StatusCode::OK, &json!({"intact": true, "verification": v})),
        Err(e) => json_ok(StatusCode::OK, &json!({"intact": false, "error": e.to_string()})),
    }
}

async fn create_person(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let input: palermo_service::persons::NewPerson = try_api!(ctx, parse_body(&body));
    let p = try_api!(ctx, state.app.create_person(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &p)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchBody {
    query: String,
}

/// A POST, so that a searched name never appears in a URL or an access log.
async fn search_persons(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let b: SearchBody = try_api!(ctx, parse_body(&body));
    let found = try_api!(ctx, state.app.search_persons(&Caller::User(s.actor.clone()), &b.query, &ctx.meta).await);
    json_ok(StatusCode::OK, &found)
}

async fn person(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let p = try_api!(ctx, state.app.person(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &p)
}

async fn list_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<palermo_service::cases::CaseListQuery>,
) -> Response {
    let s = try_resp!(session(&ctx));
    let list = try_api!(ctx, state.app.list_cases(&Caller::User(s.actor.clone()), &q, &ctx.meta).await);
    json_ok(StatusCode::OK, &list)
}

async fn create_case(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let input: palermo_service::cases::NewCase = try_api!(ctx, parse_body(&body));
    let c = try_api!(ctx, state.app.open_case(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &c)
}

async fn case(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let c = try_api!(ctx, state.app.case(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &c)
}

async fn case_decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    try_api!(ctx, state.app.ensure_case_access(&Caller::User(s.actor.clone()), &id, CaseOp::Decide, &ctx.meta).await);
    let input: palermo_service::cases::DecisionInput = try_api!(ctx, parse_body(&body));
    let c = try_api!(ctx, state.app.decide(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await);
    json_ok(StatusCode::OK, &c)
}

async fn case_command(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    try_api!(
        ctx,
        state
            .app
            .ensure_case_access(
                &Caller::User(s.actor.clone()),
                &id,
                CaseOp::Read(palermo_service::palermo_domain::access::Section::Summary),
                &ctx.meta
            )
            .await
    );
    let input: palermo_service::cases::CommandInput = try_api!(ctx, parse_body(&body));
    let c = try_api!(ctx, state.app.case_command(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await);
    json_ok(StatusCode::OK, &c)
}

async fn case_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    try_api!(ctx, state.app.ensure_case_access(&Caller::User(s.actor.clone()), &id, CaseOp::Manage, &ctx.meta).await);
    let input: palermo_service::cases::ConsentInput = try_api!(ctx, parse_body(&body));
    try_api!(ctx, state.app.record_consent(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await);
    json_ok(StatusCode::OK, &json!({"recorded": true}))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassBody {
    reference: String,
    reason: String,
}

async fn break_glass(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let b: BreakGlassBody = try_api!(ctx, parse_body(&body));
    let id = try_api!(ctx, state.app.break_glass(&Caller::User(s.actor.clone()), &b.reference, &b.reason, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &json!({"case_id": id}))
}

async fn erase_person(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let input: palermo_service::erasure::ErasureInput = try_api!(ctx, parse_body(&body));
    let done = try_api!(ctx, state.app.erase_person(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &done)
}

async fn list_erasures(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let rows = try_api!(ctx, state.app.erasures(&Caller::User(s.actor.clone()), &ctx.meta).await);
    json_ok(StatusCode::OK, &rows)
}

/// The OpenAPI 3.1 description of this API.
async fn openapi() -> Response {
    json_ok(StatusCode::OK, &openapi_document())
}

pub fn openapi_document() -> serde_json::Value {
    let mut doc = openapi_core();
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(crate::justice_api::openapi_paths());
        paths.extend(crate::export_api::openapi_paths());
    }
    doc
}

fn openapi_core() -> serde_json::Value {
    let problem = json!({"$ref": "#/components/schemas/Problem"});
    let err = |d: &str| json!({"description": d, "content": {"application/problem+json": {"schema": problem}}});
    let ok = |d: &str, schema: serde_json::Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id_param = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]);
    let csrf = json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"},
        "description": "The session's CSRF token (from GET /api/v1/me)."});
    let list_params: Vec<serde_json::Value> =
        ["kind", "stage", "region", "age_group", "exploitation_form", "deadline", "organisation", "case_worker", "after"]
            .iter()
            .map(|n| match *n {
                "after" => json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"},
                    "description": "The `next` of the previous page (keyset paging). It carries the total counted for the first page after a `~`, so later pages are not counted again; without it the total is counted anew."}),
                _ => json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"}}),
            })
            .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Palermo API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "National Referral Mechanism and anti-trafficking coordination. Authenticate with a browser session (sign in at /sign-in); send X-CSRF-Token on every state-changing call. A record that does not exist and one you may not see both answer 404."},
        "paths": {
            "/api/v1/me": {"get": {"summary": "The signed-in user", "responses": {"200": ok("The user", json!({"type": "object"})), "401": err("Not signed in")}}},
            "/api/v1/organisations": {
                "get": {"summary": "The directory of organisations", "responses": {"200": ok("Organisations", json!({"type": "array", "items": {"$ref": "#/components/schemas/Organisation"}})), "401": err("Not signed in")}},
                "post": {"summary": "Add an organisation (operator administrators)", "parameters": [csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewOrganisation"}}}},
                    "responses": {"201": ok("Created", json!({"$ref": "#/components/schemas/Organisation"})), "401": err("Not signed in"), "403": err("Role does not allow"), "409": err("Name taken"), "422": err("Invalid fields")}}
            },
            "/api/v1/organisations/{id}": {"get": {"summary": "One organisation", "parameters": id_param, "responses": {"200": ok("Organisation", json!({"$ref": "#/components/schemas/Organisation"})), "404": err("Not found")}}},
            "/api/v1/organisations/{id}/users": {
                "get": {"summary": "Users of an organisation (its administrators)", "parameters": id_param, "responses": {"200": ok("Users", json!({"type": "array", "items": {"$ref": "#/components/schemas/User"}})), "404": err("Not found")}},
                "post": {"summary": "Add a user", "parameters": [id_param[0].clone(), csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}}},
                    "responses": {"201": ok("Created", json!({"$ref": "#/components/schemas/User"})), "403": err("Role does not allow"), "404": err("Not found"), "409": err("Username taken"), "422": err("Invalid fields")}}
            },
            "/api/v1/users/{id}": {"get": {"summary": "One user, with contact details (audited read)", "parameters": id_param, "responses": {"200": ok("User", json!({"$ref": "#/components/schemas/User"})), "404": err("Not found"), "503": err("Audit log unavailable: nothing returned")}}},
            "/api/v1/users/{id}/disable": {"post": {"summary": "Disable an account; ends its sessions", "parameters": [id_param[0].clone(), csrf], "responses": {"200": ok("User", json!({"$ref": "#/components/schemas/User"})), "404": err("Not found")}}},
            "/api/v1/persons": {"post": {"summary": "Record a person (first responders, case workers, competent authorities); identity encrypted at rest", "parameters": [csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["sex"],
                    "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"}, "name_native": {"type": "string"}, "aliases": {"type": "string"},
                        "date_of_birth": {"type": "string", "description": "YYYY-MM-DD or YYYY"}, "documents": {"type": "string"}, "contacts": {"type": "string"}, "address": {"type": "string"},
                        "sex": {"type": "string", "enum": palermo_service::palermo_domain::person::Gender::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                        "age_at_identification": {"type": "string"}, "citizenships": {"type": "string", "description": "ISO 3166-1 alpha-3, comma-separated"},
                        "languages": {"type": "string", "description": "ISO 639, comma-separated"},
                        "migration_status": {"type": "string", "enum": palermo_service::palermo_domain::person::MigrationStatus::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}}}}}},
                "responses": {"201": ok("Created, with its reference", json!({"type": "object"})), "403": err("Role does not allow"), "422": err("Invalid fields")}}},
            "/api/v1/persons/search": {"post": {"summary": "Find persons by reference or exact name (POST: names never go in URLs); audited", "parameters": [csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["query"], "properties": {"query": {"type": "string"}}}}}},
                "responses": {"200": ok("Persons the caller may see", json!({"type": "array"})), "422": err("Query too short")}}},
            "/api/v1/persons/{id}": {"get": {"summary": "A person with identity (audited read; need-to-know), and the cases about them the caller may open (`cases`: id, reference, kind, stage, referred_on; oldest first)", "parameters": id_param, "responses": {"200": ok("Person", json!({"type": "object"})), "404": err("Not found"), "429": err("Identity reads outside the caller's caseload are paused (bulk-read watch, docs/SECURITY.md)"), "503": err("Audit log unavailable: nothing returned")}}},
            "/api/v1/cases": {
                "get": {"summary": "NRM cases the caller may see (need-to-know), soonest deadline first, 50 per page; audited",
                    "parameters": list_params,
                    "responses": {"200": ok("A page of cases", json!({"type": "object"})), "401": err("Not signed in"), "422": err("Invalid filter")}},
                "post": {"summary": "Screen a person and refer them into the NRM, or file an anonymous notification", "parameters": [csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                        "required": ["kind", "screened_on", "population", "exploitation_form"],
                        "properties": {"kind": {"type": "string", "enum": ["referral", "anonymous_notification"]}, "person": {"type": "string", "description": "person id or P-YYYY-NNNNNN reference (referrals)"},
                            "screened_on": {"type": "string", "format": "date"}, "population": {"type": "string", "enum": ["adult", "child"]}, "exploitation_form": {"type": "string", "enum": ["labour", "sexual"]},
                            "exploitation_country": {"type": "string", "pattern": "^([A-Z]{3})?$", "description": "where the person was exploited, ISO 3166-1 alpha-3; empty if not known"},
                            "acts": {"type": "array", "items": {"type": "string", "enum": palermo_service::palermo_domain::screening::Act::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                            "means": {"type": "array", "items": {"type": "string", "enum": palermo_service::palermo_domain::screening::Means::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                            "purposes": {"type": "array", "items": {"type": "string", "enum": palermo_service::palermo_domain::screening::Purpose::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                            "indicators": {"type": "array", "items": {"type": "string", "description": "codes of the chosen ILO/EC list, e.g. DR.01"}},
                            "competent_authority": {"type": "string", "format": "uuid"}, "referral_consent": {"type": "string", "enum": ["given", "refused", ""]},
                            "consent_form": {"type": "string", "enum": ["written", "oral", ""]}, "interpreter_language": {"type": "string"},
                            "checklist": {"type": "array", "items": {"type": "string", "enum": palermo_service::palermo_domain::consent::ChecklistItem::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                            "views": {"type": "string"}, "sex": {"type": "string"}, "age_group": {"type": "string"}}}}}},
                    "responses": {"201": ok("Opened, with its reference and next deadline", json!({"type": "object"})), "403": err("Role does not allow"), "422": err("Invalid fields")}}
            },
            "/api/v1/cases/{id}": {"get": {"summary": "A case: the sections the caller may read, timeline, consents, next deadline (audited read)", "parameters": id_param, "responses": {"200": ok("Case", json!({"type": "object"})), "404": err("Not found (or no relation to the case)"), "429": err("Identity reads outside the caller's caseload are paused (bulk-read watch, docs/SECURITY.md)"), "503": err("Audit log unavailable: nothing returned")}}},
            "/api/v1/cases/{id}/decision": {"post": {"summary": "Take a reasonable-grounds or conclusive-grounds decision (competent authority)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["decision", "outcome", "decided_on", "reasons"],
                    "properties": {"decision": {"type": "string", "enum": ["reasonable_grounds", "conclusive_grounds"]}, "outcome": {"type": "string", "enum": ["positive", "negative"]},
                        "decided_on": {"type": "string", "format": "date"}, "told_on": {"type": "string", "format": "date"}, "reasons": {"type": "string", "minLength": 10}}}}}},
                "responses": {"200": ok("The case after the decision", json!({"type": "object"})), "403": err("Not a decision-maker on this case"), "404": err("Not found"), "409": err("The case changed meanwhile"), "422": err("Invalid, or not allowed at this stage")}}},
            "/api/v1/cases/{id}/command": {"post": {"summary": "Request reconsideration, withdraw, transfer, close or reopen", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["command", "on", "reasons"],
                    "properties": {"command": {"type": "string", "enum": ["request_reconsideration", "withdraw", "transfer", "close", "reopen"]}, "on": {"type": "string", "format": "date"}, "reasons": {"type": "string"}, "country": {"type": "string"},
                        "closure_reason": {"type": "string", "description": "required to close", "enum": palermo_service::palermo_domain::assistance::ClosureReason::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}}}}}},
                "responses": {"200": ok("The case after the command", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid, or not allowed at this stage")}}},
            "/api/v1/cases/{id}/consent": {"post": {"summary": "Record consent given, refused or withdrawn (takes effect on the next request)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["purpose", "status", "decided_on", "form", "given_by"],
                    "properties": {"purpose": {"type": "string", "enum": palermo_service::palermo_domain::consent::ConsentPurpose::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}, "recipient": {"type": "string", "format": "uuid"},
                        "status": {"type": "string", "enum": ["given", "refused", "withdrawn"]}, "decided_on": {"type": "string", "format": "date"}, "form": {"type": "string", "enum": ["written", "oral"]},
                        "given_by": {"type": "string", "enum": ["person", "guardian", "person_and_guardian"]}, "interpreter_language": {"type": "string"}, "checklist": {"type": "array", "items": {"type": "string"}}}}}}},
                "responses": {"200": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/erasures": {
                "get": {"summary": "Erasures of persons' identities, newest first (the operator's auditors)", "responses": {"200": ok("Erasures", json!({"type": "array"})), "403": err("Role does not allow")}},
                "post": {"summary": "Erase a person's identity on request (the operator's auditors): the identity values of the person and of records merged into it, the free text sealed on their cases and their duplicate candidates; refused under a legal hold (a case disclosed to an investigation the person is still part of)", "parameters": [csrf.clone()],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["person", "request"],
                        "properties": {"person": {"type": "string", "description": "the person's reference, P-YYYY-NNNNNN"}, "request": {"type": "string", "minLength": 10, "maxLength": 1000, "description": "the request and its ground, without the person's name"}}}}}},
                    "responses": {"201": ok("Erased", json!({"type": "object"})), "403": err("Role does not allow"), "409": err("Legal hold, or already erased (the reason is given)"), "422": err("Invalid (the field is named)")}}},
            "/api/v1/break-glass": {"post": {"summary": "Emergency access to a case by reference, with a written reason; time-boxed, shown to the case owner and on the review page", "parameters": [csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["reference", "reason"], "properties": {"reference": {"type": "string"}, "reason": {"type": "string", "minLength": 10}}}}}},
                "responses": {"201": ok("Granted", json!({"type": "object"})), "403": err("Role does not allow"), "404": err("No such case"), "422": err("Reason missing")}}},
            "/api/v1/jurisdiction": {
                "get": {"summary": "The NRM clocks and calendar in force, where they come from (file or page), and whether the caller may change them", "responses": {"200": ok("Settings", json!({"type": "object"})), "401": err("Not signed in")}},
                "patch": {"summary": "Change the NRM clocks (operator's administrators; audited). Fields not given keep their value; new deadlines are counted under the new settings", "parameters": [csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {
                        "name": {"type": "string", "maxLength": 100}, "time_zone": {"type": "string", "description": "IANA name"},
                        "rg_target_working_days": {"type": "integer", "minimum": 0, "maximum": 60}, "min_recovery_days": {"type": "integer", "minimum": 0, "maximum": 365},
                        "earliest_cg_days_after_rg": {"type": "integer", "minimum": 0, "maximum": 365}, "cg_target_days_after_rg": {"type": "integer", "minimum": 0, "maximum": 730},
                        "reconsideration_window_days": {"type": "integer", "minimum": 0, "maximum": 365}, "reconsideration_target_working_days": {"type": "integer", "minimum": 0, "maximum": 120},
                        "weekend": {"type": "array", "maxItems": 6, "items": {"type": "integer", "minimum": 1, "maximum": 7}}, "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
                        "break_glass_minutes": {"type": "integer", "minimum": 1, "maximum": 60}, "step_up_minutes": {"type": "integer", "minimum": 1, "maximum": 15},
                        "urgent_referral_hours": {"type": "integer", "minimum": 1, "maximum": 168}, "permit_expiry_alert_days": {"type": "integer", "minimum": 0, "maximum": 365}}}}}},
                    "responses": {"200": ok("The settings now in force", json!({"type": "object"})), "403": err("Role does not allow"), "422": err("Invalid fields")}}},
            "/api/v1/services": {
                "get": {"summary": "Search the service directory", "parameters": [
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": palermo_service::palermo_domain::coordination::ServiceKind::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                    {"name": "region", "in": "query", "schema": {"type": "string"}}, {"name": "language", "in": "query", "schema": {"type": "string", "description": "ISO 639"}},
                    {"name": "age", "in": "query", "schema": {"type": "integer"}}, {"name": "sex", "in": "query", "schema": {"type": "string", "enum": ["female", "male"]}},
                    {"name": "free", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {"200": ok("Services, most free places first", json!({"type": "array"})), "422": err("Invalid filter")}},
                "post": {"summary": "Add a service to the caller's organisation's directory entry", "parameters": [csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind", "name", "regions"], "properties": {
                        "kind": {"type": "string"}, "name": {"type": "string"}, "regions": {"type": "string", "description": "comma-separated"}, "languages": {"type": "string", "description": "comma-separated ISO 639"},
                        "ages": {"type": "string", "enum": ["adults", "children", "all"]}, "sexes": {"type": "string", "enum": ["any", "female", "male"]}, "capacity": {"type": "string"}, "available": {"type": "string"}}}}}},
                    "responses": {"201": ok("Added", json!({"type": "object"})), "403": err("Role does not allow"), "422": err("Invalid fields")}}},
            "/api/v1/services/{id}/availability": {"post": {"summary": "Set a service's free places", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["available"], "properties": {"available": {"type": "integer", "minimum": 0}}}}}},
                "responses": {"200": ok("Updated", json!({"type": "object"})), "404": err("Not found"), "422": err("Out of range")}}},
            "/api/v1/cases/{id}/referrals": {"post": {"summary": "Refer the person to a service; refused without the person's consent to that recipient unless a child or an emergency reason is given", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["service"], "properties": {
                    "service": {"type": "string", "format": "uuid"}, "urgent": {"type": "boolean"}, "emergency_reason": {"type": "string", "minLength": 10}}}}}},
                "responses": {"201": ok("Sent", json!({"type": "object"})), "404": err("Not found"), "422": err("Consent missing, or invalid")}}},
            "/api/v1/cases/{id}/services": {"post": {"summary": "Record a service delivered (the provider through an accepted referral, or the case worker)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind", "delivered_on", "outcome"], "properties": {
                    "kind": {"type": "string"}, "delivered_on": {"type": "string", "format": "date"}, "outcome": {"type": "string", "enum": ["provided", "partly_provided", "ongoing", "not_taken_up"]}}}}}},
                "responses": {"201": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/referrals/{id}": {"post": {"summary": "Accept, decline (with a reason) or complete a referral received; revoke one sent", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["command"], "properties": {
                    "command": {"type": "string", "enum": ["accept", "decline", "complete", "revoke"]}, "reason": {"type": "string"}}}}}},
                "responses": {"200": ok("The referral now", json!({"type": "object"})), "404": err("Not found"), "422": err("Not allowed in this status")}}},
            "/api/v1/cases/{id}/transfer": {"post": {"summary": "Propose to hand the case's ownership to another organisation (the owner organisation's case team); needs the person's consent to a referral to it (children: the child rule)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["to", "reason"],
                    "properties": {"to": {"type": "string", "format": "uuid"}, "reason": {"type": "string", "minLength": 10, "maxLength": 500}}}}}},
                "responses": {"201": ok("The proposed transfer", json!({"type": "object"})), "403": err("Not the owner organisation's case team"), "404": err("Not found"), "422": err("Invalid, or the consent is missing (named)")}}},
            "/api/v1/duplicates": {"get": {"summary": "Possible duplicates among the caller's organisation's persons (references, match probability, which fields agreed; no identity): open pairs first, then decided ones", "responses": {"200": ok("Candidate pairs", json!({"type": "array"}))}}},
            "/api/v1/duplicates/{id}": {"get": {"summary": "Both records of a candidate pair side by side, identity included (two audited identity reads)", "parameters": [id_param[0].clone()],
                    "responses": {"200": ok("The pair", json!({"type": "object"})), "404": err("Not found"), "429": err("Identity reads outside the caller's caseload are paused (bulk-read watch, docs/SECURITY.md)")}},
                "post": {"summary": "Decide on a pair: same (merge into the record named by keep), different (remembered), or unmerge a merged pair", "parameters": [id_param[0].clone(), csrf],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["decision", "version"],
                        "properties": {"decision": {"type": "string", "enum": ["same", "different", "unmerge"]}, "keep": {"type": "string", "description": "same: the reference of the record to keep"}, "version": {"type": "string"}}}}}},
                    "responses": {"200": ok("The pair now", json!({"type": "object"})), "404": err("Not found"), "409": err("Already decided, or changed meanwhile"), "422": err("Invalid (the field is named)")}}},
            "/api/v1/transfers": {"get": {"summary": "Transfers of case ownership the caller's organisation proposed or was offered, newest first", "responses": {"200": ok("Transfers", json!({"type": "array"}))}}},
            "/api/v1/transfers/{id}": {"post": {"summary": "Accept or decline (with a reason) a transfer offered to your organisation; cancel one your organisation proposed", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["command"],
                    "properties": {"command": {"type": "string", "enum": ["accept", "decline", "cancel"]}, "reason": {"type": "string"}}}}}},
                "responses": {"200": ok("The transfer now", json!({"type": "object"})), "404": err("Not found"), "422": err("Not allowed in this status")}}},
            "/api/v1/coordination": {"get": {"summary": "The caller's organisation's dashboard: open referrals, median response time, services delivered this month, free places, inbox", "responses": {"200": ok("Dashboard", json!({"type": "object"}))}}},
            "/api/v1/referrals/overrides": {"get": {"summary": "Referrals sent on an emergency override in the last 90 days (coordinators, auditors; audited)", "responses": {"200": ok("Referrals", json!({"type": "array"})), "403": err("Role does not allow")}}},
            "/api/v1/cases/{id}/residence": {"post": {"summary": "Record a residence status (reflection period, permit, asylum claim); on the timeline; granted permits raise an expiry alert ahead of their end", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind", "status", "authority"], "properties": {
                    "kind": {"type": "string", "enum": palermo_service::palermo_domain::assistance::PermitKind::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "status": {"type": "string", "enum": palermo_service::palermo_domain::assistance::PermitStatus::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "applied_on": {"type": "string", "format": "date"}, "valid_from": {"type": "string", "format": "date"}, "valid_until": {"type": "string", "format": "date"},
                    "authority": {"type": "string"}, "linked_decision": {"type": "string", "enum": ["", "reasonable_grounds", "conclusive_grounds"]}}}}}},
                "responses": {"201": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/cases/{id}/child-protection": {"post": {"summary": "Record a child's guardian appointment, best-interests assessment or determination, age assessment or family tracing", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind", "on_date"], "properties": {
                    "kind": {"type": "string", "enum": palermo_service::palermo_domain::assistance::ChildRecordKind::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "on_date": {"type": "string", "format": "date"}, "guardian_organisation": {"type": "string", "format": "uuid"},
                    "method": {"type": "string"}, "estimated_age": {"type": "string"}, "disputed": {"type": "boolean"}, "tracing_status": {"type": "string"}}}}}},
                "responses": {"201": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields, or not a child's case")}}},
            "/api/v1/residence/alerts": {"get": {"summary": "Granted permits on the caller's cases ending within jurisdiction.permit_expiry_alert_days", "responses": {"200": ok("Alerts", json!({"type": "array"}))}}},
            "/api/v1/cases/{id}/compensation": {"post": {"summary": "Record a compensation or restitution claim; amounts as decimal text in the currency, stored as integer minor units (ISO 4217)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind", "status", "currency", "claimed"], "properties": {
                    "kind": {"type": "string", "enum": palermo_service::palermo_domain::assistance::ClaimKind::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "status": {"type": "string", "enum": palermo_service::palermo_domain::assistance::ClaimStatus::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "claimed": {"type": "string", "example": "1500.00"}, "awarded": {"type": "string"}, "paid": {"type": "string"},
                    "filed_on": {"type": "string", "format": "date"}, "decided_on": {"type": "string", "format": "date"}, "paid_on": {"type": "string", "format": "date"}}}}}},
                "responses": {"201": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/cases/{id}/risk": {"post": {"summary": "Record a risk assessment and its safety plan; a high level highlights the case and keeps the location from break-glass", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["assessed_on", "level", "risk_to", "review_on"], "properties": {
                    "assessed_on": {"type": "string", "format": "date"}, "level": {"type": "string", "enum": ["low", "medium", "high"]},
                    "risk_to": {"type": "array", "items": {"type": "string", "enum": ["person", "family", "staff"]}},
                    "safety_measures": {"type": "array", "items": {"type": "string", "enum": palermo_service::palermo_domain::assistance::SafetyMeasure::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                    "review_on": {"type": "string", "format": "date"}}}}}},
                "responses": {"201": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/cases/{id}/follow-ups": {"post": {"summary": "Plan reintegration follow-up contacts: `times` contacts every `every_days` days from `start_on`", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["path", "start_on", "every_days", "times"], "properties": {
                    "path": {"type": "string", "enum": palermo_service::palermo_domain::assistance::ReintegrationPath::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "start_on": {"type": "string", "format": "date"}, "every_days": {"type": "string", "description": "7 to 365"}, "times": {"type": "string", "description": "1 to 24"}}}}}},
                "responses": {"201": ok("The planned contacts", json!({"type": "array"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/cases/{id}/follow-ups/done": {"post": {"summary": "Record a follow-up contact as made", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["follow_up", "done_on", "outcome"], "properties": {
                    "follow_up": {"type": "string", "format": "uuid"}, "done_on": {"type": "string", "format": "date"},
                    "outcome": {"type": "string", "enum": palermo_service::palermo_domain::assistance::FollowUpOutcome::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}}}}}},
                "responses": {"200": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/follow-ups/due": {"get": {"summary": "Follow-ups due today or overdue on the caller's cases", "responses": {"200": ok("Follow-ups", json!({"type": "array"}))}}},
            "/api/v1/cases/{id}/support-plans": {"post": {"summary": "Write a support plan (HTCDS spl_Type) with objectives (sealed) and 1 to 20 actions with owners and due dates; awaits a supervisor's approval where the jurisdiction requires it", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["plan_type", "objectives", "tasks"], "properties": {
                    "plan_type": {"type": "string", "enum": palermo_service::palermo_domain::assistance::SupportPlanType::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "objectives": {"type": "string", "maxLength": 2000},
                    "tasks": {"type": "array", "items": {"type": "object", "additionalProperties": false, "properties": {"action": {"type": "string", "maxLength": 200}, "owner": {"type": "string", "description": "username"}, "due_on": {"type": "string", "format": "date"}}}}}}}}},
                "responses": {"201": ok("The plan's id", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/cases/{id}/support-plans/approve": {"post": {"summary": "Approve a plan awaiting approval (another case worker or coordinator of the plan's organisation)", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["plan"], "properties": {"plan": {"type": "string", "format": "uuid"}}}}}},
                "responses": {"200": ok("Approved", json!({"type": "object"})), "404": err("Not found"), "422": err("Not awaiting approval, or not a second person")}}},
            "/api/v1/cases/{id}/tasks/done": {"post": {"summary": "Record a support plan's action as done", "parameters": [id_param[0].clone(), csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["task", "done_on"], "properties": {"task": {"type": "string", "format": "uuid"}, "done_on": {"type": "string", "format": "date"}}}}}},
                "responses": {"200": ok("Recorded", json!({"type": "object"})), "404": err("Not found"), "422": err("Invalid fields")}}},
            "/api/v1/tasks/overdue": {"get": {"summary": "The caller's support-plan actions past their due date", "responses": {"200": ok("Tasks", json!({"type": "array"}))}}},
            "/api/v1/audit/verify": {"get": {"summary": "Verify the audit hash chain (auditors)", "responses": {"200": ok("Result", json!({"type": "object"})), "403": err("Role does not allow")}}}
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "description": "RFC 9457", "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "expected": {"type": "string"}}}}}},
            "Organisation": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "org_type": {"type": "string", "description": "HTCDS org_Type"}, "sector": {"type": "string"}, "region": {"type": "string"}, "is_operator": {"type": "boolean"}}},
            "NewOrganisation": {"type": "object", "additionalProperties": false, "required": ["name", "org_type", "sector", "region"],
                "properties": {"name": {"type": "string", "maxLength": 200}, "org_type": {"type": "string", "enum": palermo_service::palermo_domain::org::OrgType::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()},
                    "sector": {"type": "string", "enum": palermo_service::palermo_domain::org::Sector::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}, "region": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"}}},
            "User": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "organisation_id": {"type": "string", "format": "uuid"}, "username": {"type": "string"}, "display_name": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}}, "disabled": {"type": "boolean"}, "second_factor": {"type": "boolean"}, "contact": {"type": ["string", "null"]}}},
            "NewUser": {"type": "object", "additionalProperties": false, "required": ["username", "display_name", "roles", "password"],
                "properties": {"username": {"type": "string", "pattern": "^[a-z0-9._-]{3,64}$"}, "display_name": {"type": "string", "maxLength": 120},
                    "roles": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": palermo_service::palermo_domain::role::Role::ALL.iter().map(|c| c.code()).collect::<Vec<_>>()}},
                    "password": {"type": "string", "minLength": 12, "maxLength": 1024}, "contact": {"type": "string", "maxLength": 200}}}
        }}
    })
}

async fn jurisdiction(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.jurisdiction_view(&Caller::User(s.actor.clone())));
    json_ok(StatusCode::OK, &v)
}

/// `PATCH /api/v1/jurisdiction`: the fields given replace the settings in force; the others keep
/// their value. Checked as the page's form is.
async fn update_jurisdiction(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let caller = Caller::User(s.actor.clone());
    let patch: serde_json::Map<String, serde_json::Value> = try_api!(ctx, parse_body(&body));
    let mut merged =
        try_api!(ctx, serde_json::to_value(state.app.jurisdiction().settings).map_err(|e| ServiceError::Internal(e.to_string())));
    for (k, v) in patch {
        let Some(field) = palermo_service::jurisdiction::FIELDS.iter().find(|f| **f == k) else {
            return problem(
                &ServiceError::Invalid(vec![ValidationError::new(
                    "body",
                    format!("only the fields {}", palermo_service::jurisdiction::FIELDS.join(", ")),
                )]),
                &ctx.meta.request_id,
            );
        };
        merged[*field] = v;
    }
    let settings: palermo_service::config::JurisdictionConfig = try_api!(
        ctx,
        serde_json::from_value(merged).map_err(|e| ServiceError::Invalid(vec![ValidationError::new(
            "body",
            format!("numbers for counts of days and minutes, lists for weekend and holidays ({e})")
        )]))
    );
    let input = palermo_service::jurisdiction::JurisdictionInput::from_settings(&settings);
    try_api!(ctx, state.app.update_jurisdiction(&caller, &input, &ctx.meta).await);
    let v = try_api!(ctx, state.app.jurisdiction_view(&caller));
    json_ok(StatusCode::OK, &v)
}

async fn search_services(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<palermo_service::coordination::ServiceSearch>,
) -> Response {
    let s = try_resp!(session(&ctx));
    let rows = try_api!(ctx, state.app.search_services(&Caller::User(s.actor.clone()), &q).await);
    json_ok(StatusCode::OK, &rows)
}

async fn add_service(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let input: palermo_service::coordination::NewService = try_api!(ctx, parse_body(&body));
    let v = try_api!(ctx, state.app.add_service(&Caller::User(s.actor.clone()), &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &v)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityBody {
    available: i64,
}

async fn set_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let caller = Caller::User(s.actor.clone());
    let available = match parse_body::<AvailabilityBody>(&body) {
        Ok(b) => b.available.to_string(),
        Err(e) => {
            if let Err(ServiceError::NotFound) = state.app.set_availability(&caller, &id, "", &ctx.meta).await {
                return problem(&ServiceError::NotFound, &ctx.meta.request_id);
            }
            return problem(&e, &ctx.meta.request_id);
        }
    };
    let v = try_api!(ctx, state.app.set_availability(&caller, &id, &available, &ctx.meta).await);
    json_ok(StatusCode::OK, &v)
}

async fn send_referral(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(
        &state,
        &ctx,
        &headers,
        &id,
        &body,
        StatusCode::CREATED,
        async |caller, input: palermo_service::coordination::NewReferral| state.app.send_referral(&caller, &id, &input, &ctx.meta).await,
    )
    .await
}

async fn record_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = try_resp!(session_for_write(&ctx, &headers));
    let caller = Caller::User(s.actor.clone());
    // Who may not record on this case learns nothing from a body that does not parse: the
    // relation is checked first (on empty input, which is refused before anything is written).
    let input: palermo_service::coordination::NewServiceDelivered = match parse_body(&body) {
        Ok(i) => i,
        Err(e) => {
            if let Err(ServiceError::NotFound) = state.app.record_service(&caller, &id, &Default::default(), &ctx.meta).await {
                return problem(&ServiceError::NotFound, &ctx.meta.request_id);
            }
            return problem(&e, &ctx.meta.request_id);
        }
    };
    try_api!(ctx, state.app.record_service(&caller, &id, &input, &ctx.meta).await);
    json_ok(StatusCode::CREATED, &json!({"recorded": true}))
}

async fn propose_transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::CREATED, async |caller, input: palermo_service::transfer::NewTransfer| {
        state.app.propose_transfer(&caller, &id, &input, &ctx.meta).await
    })
    .await
}

/// A command posted on a record (`{"command": …}` or a decision): an outsider gets the same 404
/// whether or not the body parses, so a malformed body reveals nothing about the record.
macro_rules! record_command {
    ($name:ident, $input:ty, $use_case:ident) => {
        async fn $name(
            State(state): State<AppState>,
            ctx: Ctx,
            Path(id): Path<String>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> Response {
            let s = try_resp!(session_for_write(&ctx, &headers));
            let caller = Caller::User(s.actor.clone());
            let input: $input = match parse_body(&body) {
                Ok(i) => i,
                Err(e) => {
                    if let Err(ServiceError::NotFound) = state.app.$use_case(&caller, &id, &Default::default(), &ctx.meta).await {
                        return problem(&ServiceError::NotFound, &ctx.meta.request_id);
                    }
                    return problem(&e, &ctx.meta.request_id);
                }
            };
            let v = try_api!(ctx, state.app.$use_case(&caller, &id, &input, &ctx.meta).await);
            json_ok(StatusCode::OK, &v)
        }
    };
}

record_command!(act_on_referral, palermo_service::coordination::ReferralAction, act_on_referral);
record_command!(act_on_transfer, palermo_service::transfer::TransferAction, act_on_transfer);
record_command!(decide_duplicate, palermo_service::duplicates::DuplicateDecision, decide_duplicate);

async fn duplicates(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.duplicates(&Caller::User(s.actor.clone()), &ctx.meta).await);
    json_ok(StatusCode::OK, &v)
}

async fn duplicate(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.duplicate(&Caller::User(s.actor.clone()), &id, &ctx.meta).await);
    json_ok(StatusCode::OK, &v)
}

async fn transfers(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.transfers(&Caller::User(s.actor.clone())).await);
    json_ok(StatusCode::OK, &v)
}

async fn coordination_dashboard(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.org_dashboard(&Caller::User(s.actor.clone())).await);
    json_ok(StatusCode::OK, &v)
}

async fn referral_overrides(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.referral_overrides(&Caller::User(s.actor.clone()), &ctx.meta).await);
    json_ok(StatusCode::OK, &v)
}

async fn record_permit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::CREATED, async |caller, input: palermo_service::assistance::PermitInput| {
        state.app.record_permit(&caller, &id, &input, &ctx.meta).await
    })
    .await
}

async fn record_child_protection(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(
        &state,
        &ctx,
        &headers,
        &id,
        &body,
        StatusCode::CREATED,
        async |caller, input: palermo_service::assistance::ChildRecordInput| {
            state.app.record_child_protection(&caller, &id, &input, &ctx.meta).await.map(|()| json!({"recorded": true}))
        },
    )
    .await
}

async fn permit_alerts(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.permit_alerts(&Caller::User(s.actor.clone())).await);
    json_ok(StatusCode::OK, &v)
}

async fn record_claim(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::CREATED, async |caller, input: palermo_service::assistance::ClaimInput| {
        state.app.record_claim(&caller, &id, &input, &ctx.meta).await
    })
    .await
}

async fn record_risk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::CREATED, async |caller, input: palermo_service::assistance::RiskInput| {
        state.app.record_risk(&caller, &id, &input, &ctx.meta).await
    })
    .await
}

async fn plan_follow_ups(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(
        &state,
        &ctx,
        &headers,
        &id,
        &body,
        StatusCode::CREATED,
        async |caller, input: palermo_service::assistance::FollowUpPlanInput| {
            state.app.plan_follow_ups(&caller, &id, &input, &ctx.meta).await
        },
    )
    .await
}

async fn record_follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::OK, async |caller, input: palermo_service::assistance::FollowUpDoneInput| {
        state.app.record_follow_up(&caller, &id, &input, &ctx.meta).await.map(|()| json!({"recorded": true}))
    })
    .await
}

async fn follow_up_alerts(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.follow_up_alerts(&Caller::User(s.actor.clone())).await);
    json_ok(StatusCode::OK, &v)
}

/// A write on a case by its team: the session and CSRF token, then the caller's right to manage
/// the case (so an outsider's malformed body still gets the 404 of a case that does not exist),
/// then the body, then the use case.
pub(crate) async fn case_write<I, O>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
    status: StatusCode,
    run: impl AsyncFnOnce(Caller, I) -> Result<O, ServiceError>,
) -> Response
where
    I: serde::de::DeserializeOwned,
    O: Serialize,
{
    let s = try_resp!(session_for_write(ctx, headers));
    let caller = Caller::User(s.actor.clone());
    try_api!(ctx, state.app.ensure_case_access(&caller, id, CaseOp::Manage, &ctx.meta).await);
    let input: I = try_api!(ctx, parse_body(body));
    let v = try_api!(ctx, run(caller, input).await);
    json_ok(status, &v)
}

async fn create_support_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(
        &state,
        &ctx,
        &headers,
        &id,
        &body,
        StatusCode::CREATED,
        async |caller, input: palermo_service::assistance::SupportPlanInput| {
            state.app.create_support_plan(&caller, &id, &input, &ctx.meta).await.map(|plan| json!({"id": plan}))
        },
    )
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanRef {
    plan: String,
}

async fn approve_support_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::OK, async |caller, input: PlanRef| {
        state.app.approve_support_plan(&caller, &id, &input.plan, &ctx.meta).await.map(|()| json!({"approved": true}))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskDone {
    task: String,
    done_on: String,
}

async fn complete_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::OK, async |caller, input: TaskDone| {
        state.app.complete_task(&caller, &id, &input.task, &input.done_on, &ctx.meta).await.map(|()| json!({"recorded": true}))
    })
    .await
}

async fn task_alerts(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = try_resp!(session(&ctx));
    let v = try_api!(ctx, state.app.task_alerts(&Caller::User(s.actor.clone())).await);
    json_ok(StatusCode::OK, &v)
}
