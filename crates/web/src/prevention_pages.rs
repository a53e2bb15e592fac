//! The prevention and capacity page (issue 6): campaigns, trainings, budgets with their
//! execution, and treaty status with its source and as-of date.

use crate::AppState;
use crate::pages::{FieldErrors, FormData, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::prevention as p;
use palermo_service::prevention::{NewBudget, NewCampaign, NewTraining, PreventionView};

fn codes<T: Copy>(all: &'static [T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|c| code(*c)).collect()
}

#[derive(Template)]
#[template(path = "prevention.html")]
struct PreventionPage {
    page: PageCtx,
    v: PreventionView,
    country: String,
    kinds: Vec<&'static str>,
    channels: Vec<&'static str>,
    audiences: Vec<&'static str>,
    professions: Vec<&'static str>,
    areas: Vec<&'static str>,
    form: FormData,
    errors: FieldErrors,
    failed: String,
}

impl PreventionPage {
    fn value(&self, form: &str, key: &str) -> String {
        if self.failed == form { self.form.get(key) } else { String::new() }
    }
    fn error(&self, form: &str, key: &str) -> Option<String> {
        if self.failed == form { self.errors.for_field(key) } else { None }
    }
}

async fn prevention_page(
    state: &AppState,
    ctx: &Ctx,
    country: String,
    form: FormData,
    failed: &str,
    errors: Vec<ValidationError>,
) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = match state.app.prevention(&Caller::User(s.actor.clone()), &country).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = PreventionPage {
        page: page(ctx, "prevention-title"),
        v,
        country,
        kinds: codes(p::CampaignKind::ALL, p::CampaignKind::code),
        channels: codes(p::CampaignChannel::ALL, p::CampaignChannel::code),
        audiences: codes(p::CampaignAudience::ALL, p::CampaignAudience::code),
        professions: codes(p::Profession::ALL, p::Profession::code),
        areas: codes(p::ProgrammeArea::ALL, p::ProgrammeArea::code),
        form,
        errors: FieldErrors(errors),
        failed: failed.to_owned(),
    };
    render(status, &page)
}

/// `GET /prevention[?country=ISO3]`.
pub async fn prevention(State(state): State<AppState>, ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let country = q.get("country").cloned().unwrap_or_default();
    prevention_page(&state, &ctx, country, FormData::parse(b""), "", Vec::new()).await
}

async fn post(state: AppState, ctx: Ctx, body: axum::body::Bytes, what: &'static str) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let m = &ctx.meta;
    let result = match what {
        "campaign" => {
            let input = NewCampaign {
                title: form.get("title"),
                kind: form.get("kind"),
                channels: form.all("channels"),
                audience: form.all("audience"),
                regions: form.get("regions"),
                starts_on: form.get("starts_on"),
                ends_on: form.get("ends_on"),
                reach: form.get("reach"),
                cost: form.get("cost"),
                currency: form.get("currency"),
                partners: form.get("partners"),
            };
            state.app.record_campaign(&caller, &input, m).await
        }
        "training" => {
            let input = NewTraining {
                topic: form.get("topic"),
                audience: form.get("audience"),
                held_on: form.get("held_on"),
                participants_female: form.get("participants_female"),
                participants_male: form.get("participants_male"),
                participants_other: form.get("participants_other"),
                organiser: form.get("organiser"),
            };
            state.app.record_training(&caller, &input, m).await
        }
        "budget" => {
            let input = NewBudget {
                programme_area: form.get("programme_area"),
                fiscal_year: form.get("fiscal_year"),
                allocated: form.get("allocated"),
                spent: form.get("spent"),
                currency: form.get("currency"),
                funder: form.get("funder"),
            };
            state.app.record_budget(&caller, &input, m).await
        }
        _ => Err(ServiceError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to("/prevention").into_response(),
        Err(ServiceError::Invalid(errors)) => prevention_page(&state, &ctx, String::new(), form, what, errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn record_campaign(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    post(state, ctx, body, "campaign").await
}
pub async fn record_training(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    post(state, ctx, body, "training").await
}
pub async fn record_budget(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    post(state, ctx, body, "budget").await
}
