//! The implementation report (¶17): the page, the coordinator's texts, and the standalone HTML
//! document (download, and `palermo report implementation`).

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{FieldErrors, FormData, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::admin::Caller;
use palermo_service::report::ImplementationReport;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    page: PageCtx,
    r: ImplementationReport,
    editable: bool,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "report_standalone.html")]
struct ReportDocument {
    page: PageCtx,
    r: ImplementationReport,
    editable: bool,
}

/// The report as one self-contained HTML document (no scripts, styles inline).
pub fn report_document(r: ImplementationReport, lang: &str) -> Result<String, askama::Error> {
    let t = Tr::new(lang);
    let page = PageCtx { title: t.get("report-title"), t, demo: false, user: None, csrf: String::new() };
    ReportDocument { page, r, editable: false }.render()
}

fn year_of(state: &AppState, q: &HashMap<String, String>) -> i32 {
    crate::export_api::year_of(state, q.get("year").map(String::as_str))
}

/// `GET /report?year=2026&country=XVR`.
pub async fn report(State(state): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let country = q.get("country").cloned().unwrap_or_default();
    match state.app.implementation_report(&Caller::User(s.actor.clone()), year_of(&state, &q), &country, &ctx.meta).await {
        Ok(r) => {
            render(StatusCode::OK, &ReportPage { page: page(&ctx, "report-title"), r, editable: true, errors: FieldErrors(Vec::new()) })
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// `GET /report/download?year=…`: the standalone HTML document.
pub async fn download(State(state): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let country = q.get("country").cloned().unwrap_or_default();
    let year = year_of(&state, &q);
    match state.app.implementation_report(&Caller::User(s.actor.clone()), year, &country, &ctx.meta).await {
        Ok(r) => match report_document(r, ctx.tr.code) {
            Ok(html) => {
                let mut resp = html.into_response();
                resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
                if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"implementation-report-{year}.html\"")) {
                    resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
                }
                resp
            }
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
        },
        Err(e) => error_page(&ctx, &e),
    }
}

/// `POST /report/narrative`: the coordinator's text for one paragraph.
pub async fn narrative(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let year: i32 = form.get("year").trim().parse().unwrap_or(0);
    let paragraph = form.get("paragraph");
    match state.app.write_report_narrative(&Caller::User(s.actor.clone()), year, &paragraph, &form.get("text"), &ctx.meta).await {
        Ok(()) => {
            let country: String = form.get("country").chars().filter(|c| c.is_ascii_alphabetic()).take(3).collect();
            let para: String = paragraph.chars().filter(char::is_ascii_digit).take(2).collect();
            Redirect::to(&format!("/report?year={year}&country={country}#paragraph-{para}")).into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    page: PageCtx,
    d: palermo_service::statistics::Dashboard,
}

/// `GET /statistics?year=…`: coordinators' and analysts' dashboard (through the gate).
pub async fn statistics(State(state): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.statistics_dashboard(&Caller::User(s.actor.clone()), year_of(&state, &q), &ctx.meta).await {
        Ok(d) => render(StatusCode::OK, &StatisticsPage { page: page(&ctx, "statistics-title"), d }),
        Err(e) => error_page(&ctx, &e),
    }
}
