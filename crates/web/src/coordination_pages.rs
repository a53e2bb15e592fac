//! Pages of coordination: the service directory (search, an organisation's own entries and
//! free places), working a referral (accept, decline, complete, revoke), and the organisation's
//! dashboard with the coordinator's view of emergency overrides.

use crate::AppState;
use crate::pages::{FieldErrors, FormData, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::coordination::{NewService, OrgDashboard, ReferralAction, ReferralView, ServiceSearch, ServiceView};
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::coordination::ServiceKind;
use palermo_service::palermo_domain::role::Role;

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    page: PageCtx,
    q: ServiceSearch,
    results: Vec<ServiceView>,
    searched: bool,
    own: Vec<ServiceView>,
    kinds: &'static [ServiceKind],
    may_keep: bool,
    form: FormData,
    errors: FieldErrors,
    failed: String,
}

impl ServicesPage {
    fn value(&self, form: &str, key: &str) -> String {
        if self.failed == form { self.form.get(key) } else { String::new() }
    }
}

async fn services_page(
    state: &AppState,
    ctx: &Ctx,
    q: ServiceSearch,
    searched: bool,
    form: FormData,
    failed: &str,
    errors: Vec<ValidationError>,
) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let (results, mut errors) = if searched {
        match state.app.search_services(&caller, &q).await {
            Ok(r) => (r, errors),
            Err(ServiceError::Invalid(e)) => (Vec::new(), e),
            Err(e) => return error_page(ctx, &e),
        }
    } else {
        (Vec::new(), errors)
    };
    let own = match state.app.search_services(&caller, &ServiceSearch::default()).await {
        Ok(all) => all.into_iter().filter(|v| v.organisation_id == s.actor.org_id).collect(),
        Err(e) => return error_page(ctx, &e),
    };
    let may_keep = [Role::ServiceProvider, Role::CaseWorker, Role::Administrator].iter().any(|r| s.actor.roles.has(*r));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    errors.dedup_by(|a, b| a.field == b.field);
    let p = ServicesPage {
        page: page(ctx, "services-title"),
        q,
        results,
        searched,
        own,
        kinds: ServiceKind::ALL,
        may_keep,
        form,
        errors: FieldErrors(errors),
        failed: failed.to_owned(),
    };
    render(status, &p)
}

/// `GET /services[?kind=…&region=…&language=…&age=…&sex=…&free=true]`.
pub async fn services(State(state): State<AppState>, ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let searched = q.contains_key("kind");
    let search = ServiceSearch {
        kind: get("kind"),
        region: get("region"),
        language: get("language"),
        age: get("age"),
        sex: get("sex"),
        free: get("free") == "true",
    };
    services_page(&state, &ctx, search, searched, FormData::parse(b""), "", Vec::new()).await
}

/// `POST /services`: add a service to the caller's organisation.
pub async fn add_service(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = NewService {
        kind: form.get("kind"),
        name: form.get("name"),
        regions: form.get("regions"),
        languages: form.get("languages"),
        ages: form.get("ages"),
        sexes: form.get("sexes"),
        capacity: form.get("capacity"),
        available: form.get("available"),
    };
    match state.app.add_service(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(_) => Redirect::to("/services").into_response(),
        Err(ServiceError::Invalid(errors)) => services_page(&state, &ctx, ServiceSearch::default(), false, form, "add", errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

/// `POST /services/{id}/availability`.
pub async fn set_availability(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match state.app.set_availability(&Caller::User(s.actor.clone()), &id, &form.get("available"), &ctx.meta).await {
        Ok(_) => Redirect::to("/services").into_response(),
        Err(ServiceError::Invalid(errors)) => {
            services_page(&state, &ctx, ServiceSearch::default(), false, form, "availability", errors).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// `POST /referrals/{id}`: a command on a referral, from the case page or the dashboard.
pub async fn act_on_referral(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = ReferralAction { command: form.get("command"), reason: form.get("reason") };
    match state.app.act_on_referral(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await {
        Ok(r) => {
            // Back where the form was, if that is one of ours; a recipient who declined no longer
            // sees the case, so the dashboard.
            let back = form.get("back");
            let to_case = back.strip_prefix("/cases/").is_some_and(|rest| uuid::Uuid::parse_str(rest).is_ok());
            let target = if to_case && (input.command == "revoke" || !matches!(r.status.as_str(), "declined" | "completed")) {
                back
            } else {
                "/coordination".to_owned()
            };
            Redirect::to(&target).into_response()
        }
        Err(ServiceError::Invalid(errors)) => dashboard_page(&state, &ctx, errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

/// `POST /transfers/{id}`: accept, decline or cancel a transfer of case ownership, from the
/// dashboard. An accepted case opens for its new owner; otherwise back to the dashboard.
pub async fn act_on_transfer(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = palermo_service::transfer::TransferAction { command: form.get("command"), reason: form.get("reason") };
    match state.app.act_on_transfer(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await {
        Ok(t) if t.status == "accepted" => Redirect::to(&format!("/cases/{}", t.case_id)).into_response(),
        Ok(_) => Redirect::to("/coordination").into_response(),
        Err(ServiceError::Invalid(errors)) => dashboard_page(&state, &ctx, errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "coordination.html")]
struct CoordinationPage {
    page: PageCtx,
    d: OrgDashboard,
    overrides: Option<Vec<ReferralView>>,
    transfers: Vec<palermo_service::transfer::TransferView>,
    errors: FieldErrors,
}

/// The organisation's median response time per service kind as an SVG bar chart (minutes).
pub fn response_chart(d: &OrgDashboard, t: &crate::i18n::Tr) -> String {
    let chart = palermo_service::report::Chart {
        title: format!("Median response time to referrals received, by service: {}", d.organisation),
        words: palermo_service::report::Words::new("org-response", 0, "service-kind", "").with("organisation", &d.organisation),
        unit: "minutes".into(),
        bars: d
            .response_by_kind
            .iter()
            .map(|(kind, _, median)| (kind.clone(), median.and_then(|s| u64::try_from((s + 59) / 60).ok())))
            .collect(),
    };
    crate::charts::bar_chart(&chart, 5, t)
}

async fn dashboard_page(state: &AppState, ctx: &Ctx, errors: Vec<ValidationError>) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let d = match state.app.org_dashboard(&caller).await {
        Ok(d) => d,
        Err(e) => return error_page(ctx, &e),
    };
    let overrides = if s.actor.roles.has(Role::Coordinator) || s.actor.roles.has(Role::Auditor) {
        match state.app.referral_overrides(&caller, &ctx.meta).await {
            Ok(o) => Some(o),
            Err(e) => return error_page(ctx, &e),
        }
    } else {
        None
    };
    let transfers = match state.app.transfers(&caller).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, &CoordinationPage { page: page(ctx, "coordination-title"), d, overrides, transfers, errors: FieldErrors(errors) })
}

/// `GET /coordination`: the organisation's referrals and services at a glance.
pub async fn coordination(State(state): State<AppState>, ctx: Ctx) -> Response {
    dashboard_page(&state, &ctx, Vec::new()).await
}

/// Seconds as hours and minutes for people.
pub(crate) fn duration(seconds: &i64) -> String {
    let m = seconds / 60;
    if m < 60 { format!("{m} min") } else { format!("{} h {:02} min", m / 60, m % 60) }
}

#[derive(Template)]
#[template(path = "reauthenticate.html")]
struct ReauthPage {
    page: PageCtx,
    back: String,
    minutes: i64,
    errors: FieldErrors,
}

/// Only our own case pages are followed back to (no open redirect).
fn safe_back(back: &str) -> String {
    match back.strip_prefix("/cases/") {
        Some(rest) if uuid::Uuid::parse_str(rest).is_ok() => back.to_owned(),
        _ => "/".to_owned(),
    }
}

fn reauth_page(state: &AppState, ctx: &Ctx, back: &str, errors: Vec<ValidationError>) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let minutes = state.app.jurisdiction().settings.step_up_minutes;
    render(status, &ReauthPage { page: page(ctx, "reauth-title"), back: safe_back(back), minutes, errors: FieldErrors(errors) })
}

/// `GET /reauthenticate?back=/cases/{id}`: step-up before reading the shelter location.
pub async fn reauthenticate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(r) = require(&ctx) {
        return r;
    }
    reauth_page(&state, &ctx, q.get("back").map(String::as_str).unwrap_or("/"), Vec::new())
}

pub async fn reauthenticate(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match state.app.reauthenticate(&s, &form.get("password"), &form.get("code"), &ctx.meta).await {
        Ok(()) => Redirect::to(&safe_back(&form.get("back"))).into_response(),
        Err(ServiceError::Invalid(errors)) => reauth_page(&state, &ctx, &form.get("back"), errors),
        Err(e) => error_page(&ctx, &e),
    }
}
