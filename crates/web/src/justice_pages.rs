//! Pages of the justice track (issue 5): reports received and investigations (`/justice`), a
//! report, and an investigation file with its forms (suspects, charges, verdicts, proceeds,
//! MLA, victims in proceedings). Only investigators and prosecutors of the organisations
//! concerned reach them; everyone else gets the page of a missing record.

use crate::AppState;
use crate::pages::{FieldErrors, FormData, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::justice::{self as j, InvestigationRow, InvestigationView, ReportView};
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::justice as d;
use uuid::Uuid;

fn codes<T: Copy>(all: &'static [T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|c| code(*c)).collect()
}

/// The code lists the forms offer.
pub struct Lists {
    pub channels: Vec<&'static str>,
    pub closures: Vec<&'static str>,
    pub forms: Vec<&'static str>,
    pub roles: Vec<&'static str>,
    pub relations: Vec<&'static str>,
    pub offences: Vec<&'static str>,
    pub verdicts: Vec<&'static str>,
    pub asset_kinds: Vec<&'static str>,
    pub investigation_closures: Vec<&'static str>,
    pub mla_statuses: Vec<&'static str>,
    pub participation: Vec<&'static str>,
    pub protection: Vec<String>,
    pub hearing_kinds: Vec<&'static str>,
    pub sexes: Vec<&'static str>,
}

fn lists() -> Lists {
    let mut protection = Vec::new();
    for p in d::ProtectionPhase::ALL {
        for m in d::ProtectionMeasure::ALL {
            protection.push(format!("{}:{}", p.code(), m.code()));
        }
    }
    Lists {
        channels: codes(d::ReportChannel::ALL, d::ReportChannel::code),
        closures: codes(d::ReportClosure::ALL, d::ReportClosure::code),
        forms: codes(d::ExploitationForm::ALL, d::ExploitationForm::code),
        roles: codes(d::RoleInProcess::ALL, d::RoleInProcess::code),
        relations: codes(d::RelationToVictims::ALL, d::RelationToVictims::code),
        offences: codes(d::Offence::ALL, d::Offence::code),
        verdicts: codes(d::Verdict::ALL, d::Verdict::code),
        asset_kinds: codes(d::AssetKind::ALL, d::AssetKind::code),
        investigation_closures: codes(d::InvestigationClosure::ALL, d::InvestigationClosure::code),
        mla_statuses: codes(d::MlaStatus::ALL, d::MlaStatus::code),
        participation: codes(d::Participation::ALL, d::Participation::code),
        protection,
        hearing_kinds: codes(d::HearingKind::ALL, d::HearingKind::code),
        sexes: codes(palermo_service::palermo_domain::person::Gender::ALL, palermo_service::palermo_domain::person::Gender::code),
    }
}

#[derive(Template)]
#[template(path = "justice.html")]
struct JusticePage {
    page: PageCtx,
    reports: Vec<ReportView>,
    investigations: Vec<InvestigationRow>,
    l: Lists,
    form: FormData,
    errors: FieldErrors,
    failed: String,
}

impl JusticePage {
    fn value(&self, form: &str, key: &str) -> String {
        if self.failed == form { self.form.get(key) } else { String::new() }
    }
    fn error(&self, form: &str, key: &str) -> Option<String> {
        if self.failed == form { self.errors.for_field(key) } else { None }
    }
}

async fn justice_page(state: &AppState, ctx: &Ctx, form: FormData, failed: &str, errors: Vec<ValidationError>) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let reports = match state.app.reports(&caller, &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    let investigations = match state.app.investigations(&caller, &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = JusticePage {
        page: page(ctx, "justice-title"),
        reports,
        investigations,
        l: lists(),
        form,
        errors: FieldErrors(errors),
        failed: failed.to_owned(),
    };
    render(status, &p)
}

/// `GET /justice`.
pub async fn justice(State(state): State<AppState>, ctx: Ctx) -> Response {
    justice_page(&state, &ctx, FormData::parse(b""), "", Vec::new()).await
}

/// `POST /justice/reports`: log a report.
pub async fn record_report(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = j::NewReport {
        channel: form.get("channel"),
        received_on: form.get("received_on"),
        risk: form.get("risk"),
        summary: form.get("summary"),
    };
    match state.app.record_report(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(r) => Redirect::to(&format!("/justice/reports/{}", r.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => justice_page(&state, &ctx, form, "report", errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

fn new_investigation(form: &FormData) -> j::NewInvestigation {
    j::NewInvestigation {
        opened_on: form.get("opened_on"),
        forms: form.all("forms"),
        origin_countries: form.get("origin_countries"),
        transit_countries: form.get("transit_countries"),
        destination_countries: form.get("destination_countries"),
        joint_team: form.get("joint_team") == "true",
        jit_countries: form.get("jit_countries"),
    }
}

/// `POST /justice/investigations`: open an investigation.
pub async fn open_investigation(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match state.app.open_investigation(&Caller::User(s.actor.clone()), &new_investigation(&form), &ctx.meta).await {
        Ok(i) => Redirect::to(&format!("/justice/investigations/{}", i.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => justice_page(&state, &ctx, form, "investigation", errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "justice_report.html")]
struct ReportPage {
    page: PageCtx,
    r: ReportView,
    l: Lists,
    errors: FieldErrors,
}

async fn report_page(state: &AppState, ctx: &Ctx, id: &str, errors: Vec<ValidationError>) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = match state.app.report(&Caller::User(s.actor.clone()), id, &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, &ReportPage { page: page(ctx, "justice-report"), r, l: lists(), errors: FieldErrors(errors) })
}

/// `GET /justice/reports/{id}`.
pub async fn report(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    report_page(&state, &ctx, &id, Vec::new()).await
}

/// `POST /justice/reports/{id}`: investigate, close, reopen.
pub async fn act_on_report(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = j::ReportAction {
        command: form.get("command"),
        reason: form.get("reason"),
        investigation: form.get("investigation"),
        forms: form.all("forms"),
    };
    match state.app.act_on_report(&Caller::User(s.actor.clone()), &id, &input, &ctx.meta).await {
        Ok(r) => match r.investigation_id {
            Some(i) if r.status == "investigated" => Redirect::to(&format!("/justice/investigations/{i}")).into_response(),
            _ => Redirect::to(&format!("/justice/reports/{}", r.id)).into_response(),
        },
        Err(ServiceError::Invalid(errors)) => report_page(&state, &ctx, &id, errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "justice_investigation.html")]
struct InvestigationPage {
    page: PageCtx,
    i: InvestigationView,
    l: Lists,
    offices: Vec<(String, String)>,
    today: String,
    form: FormData,
    errors: FieldErrors,
    failed: String,
}

impl InvestigationPage {
    fn value(&self, form: &str, key: &str) -> String {
        if self.failed == form { self.form.get(key) } else { String::new() }
    }
    fn error(&self, form: &str, key: &str) -> Option<String> {
        if self.failed == form { self.errors.for_field(key) } else { None }
    }
}

async fn investigation_page(state: &AppState, ctx: &Ctx, id: &str, form: FormData, failed: &str, errors: Vec<ValidationError>) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let i = match state.app.investigation(&Caller::User(s.actor.clone()), id, &ctx.meta).await {
        Ok(i) => i,
        Err(e) => return error_page(ctx, &e),
    };
    let offices = match state.app.prosecution_offices().await {
        Ok(o) => o.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        Err(e) => return error_page(ctx, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = InvestigationPage {
        page: page(ctx, "justice-investigation"),
        i,
        l: lists(),
        offices,
        today: state.app.today_local().to_string(),
        form,
        errors: FieldErrors(errors),
        failed: failed.to_owned(),
    };
    render(status, &p)
}

/// `GET /justice/investigations/{id}`.
pub async fn investigation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    investigation_page(&state, &ctx, &id, FormData::parse(b""), "", Vec::new()).await
}

/// Every form of the investigation page posts here through a route naming what it records; the
/// page comes back with the errors next to the fields of the form that failed.
async fn investigation_post(state: AppState, ctx: Ctx, id: String, body: axum::body::Bytes, what: &'static str) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    // The investigation the page belongs to (records under it name it in `investigation`).
    let back = if matches!(what, "command" | "suspect" | "asset" | "mla" | "note" | "assign" | "case-hearing") {
        id.clone()
    } else {
        match Uuid::parse_str(form.get("investigation").trim()) {
            Ok(u) => u.to_string(),
            Err(_) => return error_page(&ctx, &ServiceError::NotFound),
        }
    };
    let caller = Caller::User(s.actor.clone());
    let app = &state.app;
    let m = &ctx.meta;
    let result: Result<(), ServiceError> = match what {
        "command" => app
            .investigation_command(
                &caller,
                &id,
                &j::InvestigationAction {
                    command: form.get("command"),
                    prosecution_office: form.get("prosecution_office"),
                    reason: form.get("reason"),
                    on: form.get("on"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "suspect" => app
            .add_suspect(
                &caller,
                &id,
                &j::NewSuspect {
                    given_name: form.get("given_name"),
                    family_name: form.get("family_name"),
                    date_of_birth: form.get("date_of_birth"),
                    sex: form.get("sex"),
                    age: form.get("age"),
                    citizenships: form.get("citizenships"),
                    roles: form.all("roles"),
                    relation_to_victims: form.get("relation_to_victims"),
                    suspected_on: form.get("suspected_on"),
                    arrested_on: form.get("arrested_on"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "asset" => app
            .add_asset(
                &caller,
                &id,
                &j::NewAsset {
                    kind: form.get("kind"),
                    status: form.get("status"),
                    value: form.get("value"),
                    currency: form.get("currency"),
                    authority: form.get("authority"),
                    on: form.get("on"),
                    charge: form.get("charge"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "mla" => app
            .add_mla(
                &caller,
                &id,
                &j::NewMla {
                    direction: form.get("direction"),
                    country: form.get("country"),
                    requested_on: form.get("requested_on"),
                    subject: form.get("subject"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "note" => app.add_note(&caller, &id, &j::NewNote { kind: form.get("kind"), text: form.get("text") }, m).await,
        "assign" => app.assign_investigator(&caller, &id, &form.get("username"), m).await,
        "case-hearing" => app
            .add_case_hearing(
                &caller,
                &id,
                &j::NewHearing { held_on: form.get("held_on"), kind: form.get("kind"), court: form.get("court") },
                m,
            )
            .await
            .map(|_| ()),
        "mla-update" => app
            .update_mla(&caller, &id, &j::MlaUpdate { status: form.get("status"), answered_on: form.get("answered_on") }, m)
            .await
            .map(|_| ()),
        "charge" => app
            .add_charge(
                &caller,
                &id,
                &j::NewCharge {
                    offence: form.get("offence"),
                    iccs: form.get("iccs"),
                    legal_provision: form.get("legal_provision"),
                    charged_on: form.get("charged_on"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "verdict" => app
            .record_verdict(
                &caller,
                &id,
                &j::VerdictInput {
                    verdict: form.get("verdict"),
                    verdict_on: form.get("verdict_on"),
                    sentence_months: form.get("sentence_months"),
                    fine: form.get("fine"),
                    currency: form.get("currency"),
                },
                m,
            )
            .await
            .map(|_| ()),
        "asset-step" => app.asset_step(&caller, &id, &j::AssetStep { status: form.get("status"), on: form.get("on") }, m).await.map(|_| ()),
        "proceedings" => {
            app.record_proceedings(
                &caller,
                &id,
                &j::ProceedingsInput {
                    participation: form.all("participation"),
                    protection: form.all("protection"),
                    interpreter_language: form.get("interpreter_language"),
                    legal_representative: form.get("legal_representative"),
                },
                m,
            )
            .await
        }
        "hearing" => app
            .add_hearing(&caller, &id, &j::NewHearing { held_on: form.get("held_on"), kind: form.get("kind"), court: form.get("court") }, m)
            .await
            .map(|_| ()),
        _ => Err(ServiceError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/justice/investigations/{back}")).into_response(),
        Err(ServiceError::Invalid(errors)) => investigation_page(&state, &ctx, &back, form, what, errors).await,
        Err(e) => error_page(&ctx, &e),
    }
}

macro_rules! investigation_routes {
    ($($name:ident => $what:literal),* $(,)?) => {
        $(
            pub async fn $name(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
                investigation_post(state, ctx, id, body, $what).await
            }
        )*
    };
}

investigation_routes! {
    investigation_command => "command",
    add_suspect => "suspect",
    add_asset => "asset",
    add_mla => "mla",
    add_note => "note",
    assign_investigator => "assign",
    add_case_hearing => "case-hearing",
    update_mla => "mla-update",
    add_charge => "charge",
    record_verdict => "verdict",
    asset_step => "asset-step",
    record_proceedings => "proceedings",
    add_hearing => "hearing",
}

/// Whether a list of codes holds `code` (for checked boxes).
pub fn has(list: &[String], code: &str) -> bool {
    list.iter().any(|x| x == code)
}
