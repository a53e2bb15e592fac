//! The duplicate review pages: the organisation's candidate pairs, one pair side by side with
//! the fields that agreed and disagreed, and the decision (same person → merge, different,
//! undo a merge).

use crate::AppState;
use crate::pages::{FieldErrors, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::duplicates::{DuplicateDecision, DuplicateDetail, DuplicateSide, DuplicateSummary};
use palermo_service::palermo_domain::ValidationError;

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    page: PageCtx,
    open: Vec<DuplicateSummary>,
    decided: Vec<DuplicateSummary>,
}

/// `GET /duplicates`.
pub async fn duplicates(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.duplicates(&Caller::User(s.actor.clone()), &ctx.meta).await {
        Ok(all) => {
            let (open, decided) = all.into_iter().partition(|d| d.status == "open");
            render(StatusCode::OK, &DuplicatesPage { page: page(&ctx, "duplicates-title"), open, decided })
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "duplicate.html")]
struct DuplicatePage {
    page: PageCtx,
    d: DuplicateDetail,
    errors: FieldErrors,
    /// What was typed when a decision was refused.
    keep: String,
}

impl DuplicatePage {
    /// The identity and record fields of both sides, row by row: (label key, a, b).
    fn rows(&self) -> Vec<(&'static str, String, String)> {
        fn identity(s: &DuplicateSide) -> [String; 6] {
            let i = &s.identity;
            let v = |x: &Option<String>| x.clone().unwrap_or_default();
            [v(&i.given_name), v(&i.family_name), v(&i.name_native), v(&i.aliases), v(&i.date_of_birth), v(&i.contacts)]
        }
        let (a, b) = (identity(&self.d.a), identity(&self.d.b));
        let labels = ["given-name", "family-name", "name-native", "aliases", "date-of-birth", "contacts"];
        let mut rows: Vec<(&'static str, String, String)> = labels.iter().zip(a).zip(b).map(|((l, x), y)| (*l, x, y)).collect();
        let t = &self.page.t;
        let (pa, pb) = (&self.d.a.person, &self.d.b.person);
        rows.push(("sex-gender", t.label("sex", &pa.sex), t.label("sex", &pb.sex)));
        rows.push(("age-group", t.label("age-group", &pa.age_group), t.label("age-group", &pb.age_group)));
        rows.push(("citizenships", self.d.a.person.citizenships.join(", "), self.d.b.person.citizenships.join(", ")));
        rows.push(("duplicate-recorded-on", self.d.a.recorded_on.clone(), self.d.b.recorded_on.clone()));
        rows.push(("duplicate-cases", self.d.a.cases.join(", "), self.d.b.cases.join(", ")));
        rows
    }

    fn keep_a(&self) -> bool {
        self.keep.is_empty() || self.keep == self.d.summary.a_reference
    }
}

async fn duplicate_page(state: &AppState, ctx: &Ctx, id: &str, errors: Vec<ValidationError>, keep: String) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.duplicate(&Caller::User(s.actor.clone()), id, &ctx.meta).await {
        Ok(d) => {
            let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            render(status, &DuplicatePage { page: page(ctx, "duplicate-title"), d, errors: FieldErrors(errors), keep })
        }
        Err(e) => error_page(ctx, &e),
    }
}

/// `GET /duplicates/{id}`: both records side by side (two audited identity reads).
pub async fn duplicate(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    duplicate_page(&state, &ctx, &id, Vec::new(), String::new()).await
}

/// `POST /duplicates/{id}`: same person (merge), different, or unmerge.
pub async fn decide(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = crate::pages::FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = DuplicateDecision { decision: form.get("decision"), keep: form.get("keep"), version: form.get("version") };
    match state.app.decide_duplicate(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await {
        Ok(d) => Redirect::to(&format!("/duplicates/{}", d.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => duplicate_page(&state, &ctx, &id, errors, input.keep).await,
        Err(e) => error_page(&ctx, &e),
    }
}
