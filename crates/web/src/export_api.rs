//! Exports under `/api/v1` (issue 6): the lists a user may see as CSV or XLSX, the GLOTIP
//! questionnaire tables, CTDC-style microdata through the k-anonymity gate, and one case as
//! HTCDS 2.0 JSON for an organisation the person consented to share with.

use crate::AppState;
use crate::api::{case_write, session};
use crate::error::problem;
use crate::session::Ctx;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::export::{File, Format, XLSX_TYPE};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/prevention/campaigns.csv", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "campaigns", Format::Csv).await))
        .route("/prevention/trainings.csv", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "trainings", Format::Csv).await))
        .route("/prevention/budgets.csv", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "budgets", Format::Csv).await))
        .route("/prevention/campaigns.xlsx", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "campaigns", Format::Xlsx).await))
        .route("/prevention/trainings.xlsx", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "trainings", Format::Xlsx).await))
        .route("/prevention/budgets.xlsx", get(async |s: State<AppState>, c: Ctx| prevention(s, c, "budgets", Format::Xlsx).await))
        .route("/cases.csv", get(async |s: State<AppState>, c: Ctx, q: CaseQuery| cases(s, c, q, Format::Csv).await))
        .route("/cases.xlsx", get(async |s: State<AppState>, c: Ctx, q: CaseQuery| cases(s, c, q, Format::Xlsx).await))
        .route("/statistics/glotip.csv", get(async |s: State<AppState>, c: Ctx, q: Query<YearQuery>| glotip(s, c, q, Format::Csv).await))
        .route("/statistics/glotip.xlsx", get(async |s: State<AppState>, c: Ctx, q: Query<YearQuery>| glotip(s, c, q, Format::Xlsx).await))
        .route("/statistics/ctdc.csv", get(ctdc))
        .route("/cases/{id}/htcds", post(htcds))
}

type CaseQuery = Query<palermo_service::cases::CaseListQuery>;

/// A file download: its type, a name, and no caching by shared caches.
pub(crate) fn file_response(ctx: &Ctx, r: Result<File, ServiceError>) -> Response {
    match r {
        Ok(f) => {
            let mut resp = f.bytes.into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.content_type));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Err(e) => problem(&e, &ctx.meta.request_id),
    }
}

async fn prevention(State(state): State<AppState>, ctx: Ctx, list: &str, format: Format) -> Response {
    let s = match session(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = state.app.export_prevention(&Caller::User(s.actor.clone()), list, format).await;
    file_response(&ctx, r)
}

/// The case list (the same filters and need-to-know as `GET /api/v1/cases`; no identity).
async fn cases(State(state): State<AppState>, ctx: Ctx, Query(q): CaseQuery, format: Format) -> Response {
    let s = match session(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = state.app.export_cases(&Caller::User(s.actor.clone()), &q, format, &ctx.meta).await;
    file_response(&ctx, r)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct YearQuery {
    year: Option<String>,
    k: Option<String>,
}

/// The `year` of a query: this year when absent; 0 (refused by the use case, naming `year`)
/// when not a number.
pub(crate) fn year_of(state: &AppState, y: Option<&str>) -> i32 {
    match y.map(str::trim) {
        None | Some("") => state.app.now().year(),
        Some(y) => y.parse::<i32>().unwrap_or(0),
    }
}

async fn glotip(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>, format: Format) -> Response {
    let s = match session(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let year = year_of(&state, q.year.as_deref());
    let r = state.app.glotip(&Caller::User(s.actor.clone()), year, &ctx.meta).await.and_then(|g| {
        Ok(match format {
            Format::Csv => {
                File { bytes: g.csv()?.into_bytes(), content_type: "text/csv; charset=utf-8", name: format!("glotip-{year}.csv") }
            }
            Format::Xlsx => File { bytes: g.xlsx()?, content_type: XLSX_TYPE, name: format!("glotip-{year}.xlsx") },
        })
    });
    file_response(&ctx, r)
}

/// CTDC-style microdata; the gate's figures are in `X-Palermo-*` headers.
async fn ctdc(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> Response {
    let s = match session(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let year = year_of(&state, q.year.as_deref());
    let k = match q.k.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(k.parse::<u64>().unwrap_or(0)),
    };
    match state.app.ctdc_microdata(&Caller::User(s.actor.clone()), year, k, &ctx.meta).await {
        Ok(r) => {
            let mut resp = file_response(
                &ctx,
                Ok(File { bytes: r.csv.into_bytes(), content_type: "text/csv; charset=utf-8", name: format!("ctdc-{year}.csv") }),
            );
            let h = resp.headers_mut();
            for (name, v) in [
                ("x-palermo-k", r.report.k),
                ("x-palermo-released", r.report.released),
                ("x-palermo-suppressed-values", r.report.suppressed_values),
                ("x-palermo-dropped-records", r.report.dropped_records),
                ("x-palermo-without-consent", r.without_consent),
            ] {
                h.insert(name, HeaderValue::from(v));
            }
            resp
        }
        Err(e) => problem(&e, &ctx.meta.request_id),
    }
}

/// One case as HTCDS 2.0 JSON (the case team; body: recipient, purpose, identity).
async fn htcds(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    case_write(&state, &ctx, &headers, &id, &body, StatusCode::OK, async |caller, input: palermo_service::htcds::HtcdsRequest| {
        state.app.htcds_case(&caller, &id, &input, &ctx.meta).await
    })
    .await
}

/// The OpenAPI paths of the exports.
pub fn openapi_paths() -> serde_json::Map<String, serde_json::Value> {
    let problem = json!({"$ref": "#/components/schemas/Problem"});
    let err = |d: &str| json!({"description": d, "content": {"application/problem+json": {"schema": problem}}});
    let mut p = serde_json::Map::new();
    let file_op = |summary: &str, mime: &str| {
        json!({"get": {"summary": summary, "responses": {
            "200": {"description": "The file", "content": {mime: {"schema": {"type": "string", "format": "binary"}}}},
            "400": err("A parameter is not valid"),
            "401": err("Not signed in"),
            "403": err("Not allowed for your role")}}})
    };
    const CSV: &str = "text/csv";
    for list in ["campaigns", "trainings", "budgets"] {
        p.insert(
            format!("/api/v1/prevention/{list}.csv"),
            file_op(&format!("{list} as CSV (cells a spreadsheet would evaluate are prefixed with an apostrophe)"), CSV),
        );
        p.insert(format!("/api/v1/prevention/{list}.xlsx"), file_op(&format!("{list} as XLSX (text as string cells)"), XLSX_TYPE));
    }
    let filters: Vec<serde_json::Value> =
        ["kind", "stage", "region", "age_group", "exploitation_form", "deadline", "organisation", "case_worker"]
            .iter()
            .map(|n| json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"}}))
            .collect();
    for (ext, mime) in [("csv", CSV), ("xlsx", XLSX_TYPE)] {
        let mut op = file_op(
            &format!(
                "The case list as {ext}: the same filters and need-to-know as GET /api/v1/cases, codes only, no identity, at most 10,000 rows; audited as case.export"
            ),
            mime,
        );
        op["get"]["parameters"] = json!(filters);
        p.insert(format!("/api/v1/cases.{ext}"), op);
    }
    let year = json!({"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}});
    for (ext, mime) in [("csv", CSV), ("xlsx", XLSX_TYPE)] {
        let mut op = file_op(
            &format!(
                "UNODC GLOTIP questionnaire tables as {ext}, every count through the disclosure gate (coordinators, analysts; audited)"
            ),
            mime,
        );
        op["get"]["parameters"] = json!([year]);
        p.insert(format!("/api/v1/statistics/glotip.{ext}"), op);
    }
    let mut ctdc = file_op(
        "CTDC-style microdata of the victims detected in a year, k-anonymous over every column (values blanked to -99, lines still unique left out; victims without consent to statistics left out). The gate's figures are in X-Palermo-K, X-Palermo-Released, X-Palermo-Suppressed-Values, X-Palermo-Dropped-Records, X-Palermo-Without-Consent (coordinators, analysts; audited)",
        CSV,
    );
    ctdc["get"]["parameters"] =
        json!([year, {"name": "k", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 11, "maximum": 1000}}]);
    p.insert("/api/v1/statistics/ctdc.csv".into(), ctdc);
    p.insert(
        "/api/v1/cases/{id}/htcds".into(),
        json!({"post": {
            "summary": "One case as HTCDS 2.0 JSON for an organisation the person consented to share with (the child rule for a child); identity only when asked for and readable; audited with the purpose. Schema: docs/schemas/htcds-2.0-case.schema.json",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                           {"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                "required": ["recipient", "purpose"],
                "properties": {"recipient": {"type": "string", "format": "uuid"}, "purpose": {"type": "string", "minLength": 5, "maxLength": 500}, "identity": {"type": "boolean"}}}}}},
            "responses": {
                "200": {"description": "HTCDS 2.0 case", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": err("A field is not valid, or consent does not cover the recipient"),
                "401": err("Not signed in"),
                "403": err("Not the case team, or identity asked for without the right to read it"),
                "404": err("No such case (or not yours to see)")}}}),
    );
    p
}
