//! Pages of the NRM: case list, screening and referral form, case page with its timeline and
//! forms (decision, command, consent, team, conversion), break-glass and its review.

use crate::AppState;
use crate::pages::{FieldErrors, FormData, PageCtx, error_page, page, render, require, require_post};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::Caller;
use palermo_service::auth::Session;
use palermo_service::cases::{BreakGlassView, CaseList, CaseListQuery, CaseView, CommandInput, ConsentInput, DecisionInput, NewCase};
use palermo_service::coordination::{NewReferral, NewServiceDelivered, ServiceSearch, ServiceView};
use palermo_service::jurisdiction::JurisdictionInput;
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::consent::{ChecklistItem, ConsentPurpose};
use palermo_service::palermo_domain::coordination::{ServiceKind, ServiceOutcome};
use palermo_service::palermo_domain::indicators::{Catalogue, Dimension, ExploitationForm, Indicator, Population};
use palermo_service::palermo_domain::nrm::Stage;
use palermo_service::palermo_domain::screening::{Act, Means, Purpose};

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    page: PageCtx,
    list: CaseList,
    q: CaseListQuery,
    stages: &'static [Stage],
    errors: FieldErrors,
    prev: Option<String>,
    next: Option<String>,
}

fn page_link(q: &CaseListQuery, after: Option<&str>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("kind", &q.kind),
        ("stage", &q.stage),
        ("region", &q.region),
        ("age_group", &q.age_group),
        ("exploitation_form", &q.exploitation_form),
        ("deadline", &q.deadline),
        ("organisation", &q.organisation),
        ("case_worker", &q.case_worker),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if let Some(a) = after {
        s.append_pair("after", a);
    }
    format!("/cases?{}", s.finish())
}

pub async fn cases(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CaseListQuery>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (list, errors, status) = match state.app.list_cases(&Caller::User(s.actor.clone()), &q, &ctx.meta).await {
        Ok(l) => (l, Vec::new(), StatusCode::OK),
        Err(ServiceError::Invalid(e)) => {
            (CaseList { rows: Vec::new(), total: 0, more: false, per_page: 50, next: None }, e, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return error_page(&ctx, &e),
    };
    // Keyset paging: "first page" and "next"; the browser's Back goes to the previous one.
    let prev = (!q.after.is_empty()).then(|| page_link(&q, None));
    let next = list.next.as_deref().map(|a| page_link(&q, Some(a)));
    render(status, &CasesPage { page: page(&ctx, "cases-title"), list, q, stages: Stage::ALL, errors: FieldErrors(errors), prev, next })
}

pub struct DimensionGroup {
    pub code: &'static str,
    pub indicators: Vec<Indicator>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct CaseNewPage {
    page: PageCtx,
    form: FormData,
    population: String,
    exploitation_form: String,
    list_status: String,
    catalogue_version: String,
    groups: Vec<DimensionGroup>,
    acts: &'static [Act],
    means: &'static [Means],
    purposes: &'static [Purpose],
    checklist: &'static [ChecklistItem],
    authorities: Vec<(String, String)>,
    countries: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

impl CaseNewPage {
    fn checked(&self, key: &str, value: &str) -> bool {
        self.form.all(key).iter().any(|v| v == value)
    }
}

async fn case_form(state: &AppState, ctx: &Ctx, form: FormData, errors: Vec<ValidationError>, status: StatusCode) -> Response {
    let population = Population::from_code(form.get("population").trim()).unwrap_or(Population::Adult);
    let exploitation = ExploitationForm::from_code(form.get("exploitation_form").trim()).unwrap_or(ExploitationForm::Labour);
    let catalogue = match Catalogue::builtin() {
        Ok(c) => c,
        Err(e) => return error_page(ctx, &ServiceError::Internal(e.to_string())),
    };
    let Some(list) = catalogue.list(population, exploitation) else {
        return error_page(ctx, &ServiceError::Internal("indicator list missing".into()));
    };
    let groups = Dimension::ALL
        .iter()
        .map(|d| DimensionGroup { code: d.code(), indicators: list.indicators.iter().filter(|i| i.dimension == *d).cloned().collect() })
        .collect();
    let authorities = match state.app.competent_authorities().await {
        Ok(a) => a.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        Err(e) => return error_page(ctx, &e),
    };
    let p = CaseNewPage {
        page: page(ctx, "case-new-title"),
        population: population.code().into(),
        exploitation_form: exploitation.code().into(),
        list_status: list.status.clone(),
        catalogue_version: catalogue.version.clone(),
        groups,
        acts: Act::ALL,
        means: Means::ALL,
        purposes: Purpose::ALL,
        checklist: ChecklistItem::ALL,
        authorities,
        countries: palermo_domain::country::names().collect(),
        errors: FieldErrors(errors),
        form,
    };
    render(status, &p)
}

/// The screening form. The query string chooses the indicator list (adult/child ×
/// labour/sexual) and may name the person; choosing again keeps nothing else, by design.
pub async fn new_case(State(state): State<AppState>, ctx: Ctx, axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    if let Err(r) = require(&ctx) {
        return r;
    }
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    case_form(&state, &ctx, form, Vec::new(), StatusCode::OK).await
}

pub fn new_case_input(form: &FormData) -> NewCase {
    NewCase {
        kind: form.get("kind"),
        person: form.get("person"),
        screened_on: form.get("screened_on"),
        population: form.get("population"),
        exploitation_form: form.get("exploitation_form"),
        exploitation_country: form.get("exploitation_country"),
        acts: form.all("acts"),
        means: form.all("means"),
        purposes: form.all("purposes"),
        indicators: form.all("indicators"),
        competent_authority: form.get("competent_authority"),
        referral_consent: form.get("referral_consent"),
        consent_form: form.get("consent_form"),
        interpreter_language: form.get("interpreter_language"),
        checklist: form.all("checklist"),
        views: form.get("views"),
        sex: form.get("sex"),
        age_group: form.get("age_group"),
    }
}

pub async fn create_case(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match state.app.open_case(&Caller::User(s.actor.clone()), &new_case_input(&form), &ctx.meta).await {
        Ok(c) => Redirect::to(&format!("/cases/{}", c.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => case_form(&state, &ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: PageCtx,
    c: CaseView,
    form: FormData,
    errors: FieldErrors,
    /// Which form the errors belong to.
    failed: String,
    purposes: &'static [ConsentPurpose],
    checklist: &'static [ChecklistItem],
    organisations: Vec<(String, String)>,
    today: String,
    directory: Vec<ServiceView>,
    service_kinds: &'static [ServiceKind],
    outcomes: &'static [ServiceOutcome],
    may_record_service: bool,
    permit_kinds: &'static [palermo_service::palermo_domain::assistance::PermitKind],
    permit_statuses: &'static [palermo_service::palermo_domain::assistance::PermitStatus],
    child_kinds: &'static [palermo_service::palermo_domain::assistance::ChildRecordKind],
    age_methods: &'static [palermo_service::palermo_domain::assistance::AgeAssessmentMethod],
    tracing_statuses: &'static [palermo_service::palermo_domain::assistance::FamilyTracingStatus],
    claim_kinds: &'static [palermo_service::palermo_domain::assistance::ClaimKind],
    claim_statuses: &'static [palermo_service::palermo_domain::assistance::ClaimStatus],
    safety_measures: &'static [palermo_service::palermo_domain::assistance::SafetyMeasure],
    closure_reasons: &'static [palermo_service::palermo_domain::assistance::ClosureReason],
    paths: &'static [palermo_service::palermo_domain::assistance::ReintegrationPath],
    follow_up_outcomes: &'static [palermo_service::palermo_domain::assistance::FollowUpOutcome],
    plan_types: &'static [palermo_service::palermo_domain::assistance::SupportPlanType],
}

impl CasePage {
    fn can(&self, command: &str) -> bool {
        self.c.commands.iter().any(|c| c == command)
    }
    fn value(&self, form: &str, key: &str) -> String {
        if self.failed == form { self.form.get(key) } else { String::new() }
    }
}

async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    form: FormData,
    failed: &str,
    errors: Vec<ValidationError>,
    status: StatusCode,
) -> Response {
    let s = match require(ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match state.app.case(&Caller::User(s.actor.clone()), id, &ctx.meta).await {
        Ok(c) => c,
        Err(e) => return error_page(ctx, &e),
    };
    let organisations = match state.app.list_organisations(&Caller::User(s.actor.clone()), &ctx.meta).await {
        Ok(o) => o.into_iter().map(|o| (o.id.to_string(), o.name)).collect(),
        Err(e) => return error_page(ctx, &e),
    };
    let today = state.app.rules().local_date(state.app.now());
    let directory = if c.can_manage {
        match state.app.search_services(&Caller::User(s.actor.clone()), &ServiceSearch::default()).await {
            Ok(d) => d,
            Err(e) => return error_page(ctx, &e),
        }
    } else {
        Vec::new()
    };
    // The case worker, or a provider holding an accepted referral for this case.
    let may_record_service = c.sections.iter().any(|x| x == "health" || x == "counselling")
        || c.referrals.iter().any(|r| r.recipient_org_id == s.actor.org_id && r.status == "accepted");
    let mut pg = page(ctx, "case-title");
    pg.title = format!("{} {}", pg.title, c.reference);
    let p = CasePage {
        page: pg,
        c,
        form,
        errors: FieldErrors(errors),
        failed: failed.to_owned(),
        purposes: ConsentPurpose::ALL,
        checklist: ChecklistItem::ALL,
        organisations,
        today: today.to_string(),
        directory,
        service_kinds: ServiceKind::ALL,
        outcomes: ServiceOutcome::ALL,
        may_record_service,
        permit_kinds: palermo_service::palermo_domain::assistance::PermitKind::ALL,
        permit_statuses: palermo_service::palermo_domain::assistance::PermitStatus::ALL,
        child_kinds: palermo_service::palermo_domain::assistance::ChildRecordKind::ALL,
        age_methods: palermo_service::palermo_domain::assistance::AgeAssessmentMethod::ALL,
        tracing_statuses: palermo_service::palermo_domain::assistance::FamilyTracingStatus::ALL,
        claim_kinds: palermo_service::palermo_domain::assistance::ClaimKind::ALL,
        claim_statuses: palermo_service::palermo_domain::assistance::ClaimStatus::ALL,
        safety_measures: palermo_service::palermo_domain::assistance::SafetyMeasure::ALL,
        closure_reasons: palermo_service::palermo_domain::assistance::ClosureReason::ALL,
        paths: palermo_service::palermo_domain::assistance::ReintegrationPath::ALL,
        follow_up_outcomes: palermo_service::palermo_domain::assistance::FollowUpOutcome::ALL,
        plan_types: palermo_service::palermo_domain::assistance::SupportPlanType::ALL,
    };
    render(status, &p)
}

pub async fn case(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    case_page(&state, &ctx, &id, FormData::parse(b""), "", Vec::new(), StatusCode::OK).await
}

async fn case_post(state: AppState, ctx: Ctx, id: String, body: axum::body::Bytes, what: &'static str) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let app = &state.app;
    let result: Result<(), ServiceError> = match what {
        "decision" => app
            .decide(
                &caller,
                &id,
                &DecisionInput {
                    decision: form.get("decision"),
                    outcome: form.get("outcome"),
                    decided_on: form.get("decided_on"),
                    told_on: form.get("told_on"),
                    reasons: form.get("reasons"),
                },
                &ctx.meta,
            )
            .await
            .map(|_| ()),
        "command" => app
            .case_command(
                &caller,
                &id,
                &CommandInput {
                    command: form.get("command"),
                    on: form.get("on"),
                    reasons: form.get("reasons"),
                    country: form.get("country"),
                    closure_reason: form.get("closure_reason"),
                },
                &ctx.meta,
            )
            .await
            .map(|_| ()),
        "consent" => {
            app.record_consent(
                &caller,
                &id,
                &ConsentInput {
                    purpose: form.get("purpose"),
                    recipient: form.get("recipient"),
                    status: form.get("status"),
                    decided_on: form.get("decided_on"),
                    form: form.get("form"),
                    given_by: form.get("given_by"),
                    interpreter_language: form.get("interpreter_language"),
                    checklist: form.all("checklist"),
                },
                &ctx.meta,
            )
            .await
        }
        "assign" => app.assign_case_worker(&caller, &id, &form.get("case_worker"), &ctx.meta).await,
        "transfer" => {
            let input = palermo_service::transfer::NewTransfer { to: form.get("to"), reason: form.get("reason") };
            app.propose_transfer(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "referral" => {
            let reason = form.get("emergency_reason");
            let input = NewReferral {
                service: form.get("service"),
                urgent: form.get("urgent") == "true",
                emergency_reason: if reason.trim().is_empty() { None } else { Some(reason) },
            };
            app.send_referral(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "residence" => {
            let input = palermo_service::assistance::PermitInput {
                kind: form.get("kind"),
                status: form.get("status"),
                applied_on: form.get("applied_on"),
                valid_from: form.get("valid_from"),
                valid_until: form.get("valid_until"),
                authority: form.get("authority"),
                linked_decision: form.get("linked_decision"),
            };
            app.record_permit(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "child" => {
            let input = palermo_service::assistance::ChildRecordInput {
                kind: form.get("kind"),
                on_date: form.get("on_date"),
                guardian_organisation: form.get("guardian_organisation"),
                method: form.get("method"),
                estimated_age: form.get("estimated_age"),
                disputed: form.get("disputed") == "true",
                tracing_status: form.get("tracing_status"),
            };
            app.record_child_protection(&caller, &id, &input, &ctx.meta).await
        }
        "claim" => {
            let input = palermo_service::assistance::ClaimInput {
                kind: form.get("kind"),
                status: form.get("status"),
                currency: form.get("currency"),
                claimed: form.get("claimed"),
                awarded: form.get("awarded"),
                paid: form.get("paid"),
                filed_on: form.get("filed_on"),
                decided_on: form.get("decided_on"),
                paid_on: form.get("paid_on"),
            };
            app.record_claim(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "risk" => {
            let input = palermo_service::assistance::RiskInput {
                assessed_on: form.get("assessed_on"),
                level: form.get("level"),
                risk_to: form.all("risk_to"),
                safety_measures: form.all("safety_measures"),
                review_on: form.get("review_on"),
            };
            app.record_risk(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "plan-follow-ups" => {
            let input = palermo_service::assistance::FollowUpPlanInput {
                path: form.get("path"),
                start_on: form.get("start_on"),
                every_days: form.get("every_days"),
                times: form.get("times"),
            };
            app.plan_follow_ups(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "follow-up" => {
            let input = palermo_service::assistance::FollowUpDoneInput {
                follow_up: form.get("follow_up"),
                done_on: form.get("done_on"),
                outcome: form.get("outcome"),
            };
            app.record_follow_up(&caller, &id, &input, &ctx.meta).await
        }
        "plan" => {
            let tasks = (1..=3)
                .map(|k| palermo_service::assistance::PlanTaskInput {
                    action: form.get(&format!("action_{k}")),
                    owner: form.get(&format!("owner_{k}")),
                    due_on: form.get(&format!("due_on_{k}")),
                })
                .collect();
            let input = palermo_service::assistance::SupportPlanInput {
                plan_type: form.get("plan_type"),
                objectives: form.get("objectives"),
                tasks,
            };
            app.create_support_plan(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "approve-plan" => app.approve_support_plan(&caller, &id, &form.get("plan"), &ctx.meta).await,
        "task" => app.complete_task(&caller, &id, &form.get("task"), &form.get("done_on"), &ctx.meta).await,
        "service" => {
            let input =
                NewServiceDelivered { kind: form.get("kind"), delivered_on: form.get("delivered_on"), outcome: form.get("outcome") };
            app.record_service(&caller, &id, &input, &ctx.meta).await
        }
        "disclose" => {
            let input = palermo_service::justice::NewDisclosure {
                investigation: form.get("investigation"),
                basis: form.get("basis"),
                legal_obligation: form.get("legal_obligation"),
            };
            app.disclose_case(&caller, &id, &input, &ctx.meta).await.map(|_| ())
        }
        "end-disclosure" => app.end_disclosure(&caller, &id, &form.get("disclosure"), &ctx.meta).await,
        "convert" => {
            app.convert_notification(&caller, &id, &form.get("person"), &form.get("competent_authority"), &ctx.meta).await.map(|_| ())
        }
        _ => Err(ServiceError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(ServiceError::Invalid(errors)) => case_page(&state, &ctx, &id, form, what, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn decision(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "decision").await
}
pub async fn command(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "command").await
}
pub async fn consent(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "consent").await
}
pub async fn assign(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "assign").await
}
pub async fn convert(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "convert").await
}
pub async fn record_permit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "residence").await
}
pub async fn record_child_protection(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "child").await
}
pub async fn record_claim(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "claim").await
}
pub async fn record_risk(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "risk").await
}
pub async fn plan_follow_ups(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "plan-follow-ups").await
}
pub async fn record_follow_up(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "follow-up").await
}
pub async fn create_support_plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "plan").await
}
pub async fn approve_support_plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "approve-plan").await
}
pub async fn complete_task(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "task").await
}
pub async fn send_referral(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "referral").await
}
pub async fn propose_transfer(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "transfer").await
}
pub async fn record_service(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "service").await
}

#[derive(Template)]
#[template(path = "erasure.html")]
struct ErasurePage {
    page: PageCtx,
    form: FormData,
    errors: FieldErrors,
    rows: Vec<palermo_service::erasure::ErasureView>,
    done: Option<String>,
    held: Option<String>,
    retention: String,
}

async fn erasure_form(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    form: FormData,
    errors: Vec<ValidationError>,
    outcome: (Option<String>, Option<String>),
    status: StatusCode,
) -> Response {
    let rows = match state.app.erasures(&Caller::User(s.actor.clone()), &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    let (done, held) = outcome;
    let years = state.app.config().retention.identity_years;
    let retention = if years == 0 {
        ctx.tr.get("erasure-retention-off")
    } else {
        match state.app.retention_due().await {
            Ok(due) => ctx.tr.get_with("erasure-retention", &[("years", years.to_string().as_str()), ("due", due.to_string().as_str())]),
            Err(e) => return error_page(ctx, &e),
        }
    };
    render(status, &ErasurePage { page: page(ctx, "erasure-title"), form, errors: FieldErrors(errors), rows, done, held, retention })
}

/// The data-protection officer's erasure page: the form and the erasures made.
pub async fn erasure_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    erasure_form(&state, &ctx, &s, FormData::parse(b""), Vec::new(), (None, None), StatusCode::OK).await
}

pub async fn erase_person(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = palermo_service::erasure::ErasureInput { person: form.get("person"), request: form.get("request") };
    match state.app.erase_person(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(done) => erasure_form(&state, &ctx, &s, FormData::parse(b""), Vec::new(), (Some(done.person), None), StatusCode::OK).await,
        Err(ServiceError::Invalid(errors)) => {
            erasure_form(&state, &ctx, &s, form, errors, (None, None), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict(why)) => erasure_form(&state, &ctx, &s, form, Vec::new(), (None, Some(why)), StatusCode::CONFLICT).await,
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    page: PageCtx,
    form: FormData,
    errors: FieldErrors,
    minutes: i64,
}

fn break_glass_form(state: &AppState, ctx: &Ctx, form: FormData, errors: Vec<ValidationError>, status: StatusCode) -> Response {
    let minutes = state.app.jurisdiction().settings.break_glass_minutes;
    render(status, &BreakGlassPage { page: page(ctx, "break-glass-title"), form, errors: FieldErrors(errors), minutes })
}

pub async fn break_glass_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require(&ctx) {
        return r;
    }
    break_glass_form(&state, &ctx, FormData::parse(b""), Vec::new(), StatusCode::OK)
}

pub async fn break_glass(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match state.app.break_glass(&Caller::User(s.actor.clone()), &form.get("reference"), &form.get("reason"), &ctx.meta).await {
        Ok(id) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(ServiceError::Invalid(errors)) => break_glass_form(&state, &ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "break_glass_review.html")]
struct BreakGlassReviewPage {
    page: PageCtx,
    rows: Vec<BreakGlassView>,
    bulk_reads: Vec<palermo_service::bulk_read::BulkReadAlertView>,
    bulk_read_explained: String,
}

pub async fn break_glass_review(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let rows = match state.app.break_glass_review(&caller, &ctx.meta).await {
        Ok(rows) => rows,
        Err(e) => return error_page(&ctx, &e),
    };
    let bulk_reads = match state.app.bulk_read_alerts(&caller, &ctx.meta).await {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, &e),
    };
    let security = &state.app.config().security;
    let bulk_read_explained = ctx.tr.get_with(
        "bulk-read-explained",
        &[("minutes", security.bulk_read_window_minutes.to_string().as_str()), ("people", security.bulk_read_people.to_string().as_str())],
    );
    render(StatusCode::OK, &BreakGlassReviewPage { page: page(&ctx, "break-glass-review-title"), rows, bulk_reads, bulk_read_explained })
}

#[derive(Template)]
#[template(path = "jurisdiction.html")]
struct JurisdictionPage {
    page: PageCtx,
    v: palermo_service::jurisdiction::JurisdictionView,
    fields: &'static [&'static str],
    form: FormData,
    errors: FieldErrors,
    saved: bool,
}

fn jurisdiction_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    form: Option<FormData>,
    errors: Vec<ValidationError>,
    saved: bool,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    match state.app.jurisdiction_view(&Caller::User(s.actor.clone())) {
        Ok(v) => {
            let form = form.unwrap_or_else(|| {
                let i = JurisdictionInput::from_settings(&v.settings);
                FormData::from_pairs(
                    palermo_service::jurisdiction::FIELDS
                        .iter()
                        .zip([
                            i.name,
                            i.time_zone,
                            i.rg_target_working_days,
                            i.min_recovery_days,
                            i.earliest_cg_days_after_rg,
                            i.cg_target_days_after_rg,
                            i.reconsideration_window_days,
                            i.reconsideration_target_working_days,
                            i.weekend,
                            i.holidays,
                            i.break_glass_minutes,
                            i.step_up_minutes,
                            i.urgent_referral_hours,
                            i.permit_expiry_alert_days,
                            i.support_plan_approval,
                        ])
                        .map(|(k, v)| ((*k).to_owned(), v))
                        .collect(),
                )
            });
            let p = JurisdictionPage {
                page: page(ctx, "jurisdiction-title"),
                v,
                fields: palermo_service::jurisdiction::FIELDS,
                form,
                errors: FieldErrors(errors),
                saved,
            };
            render(status, &p)
        }
        Err(e) => error_page(ctx, &e),
    }
}

/// The jurisdiction's NRM clocks: shown to everyone signed in, editable by the operator's
/// administrators.
pub async fn jurisdiction(State(state): State<AppState>, ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    jurisdiction_page(&state, &ctx, &s, None, Vec::new(), q.contains_key("saved"))
}

pub async fn save_jurisdiction(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let input = JurisdictionInput {
        name: form.get("name"),
        time_zone: form.get("time_zone"),
        rg_target_working_days: form.get("rg_target_working_days"),
        min_recovery_days: form.get("min_recovery_days"),
        earliest_cg_days_after_rg: form.get("earliest_cg_days_after_rg"),
        cg_target_days_after_rg: form.get("cg_target_days_after_rg"),
        reconsideration_window_days: form.get("reconsideration_window_days"),
        reconsideration_target_working_days: form.get("reconsideration_target_working_days"),
        weekend: form.get("weekend"),
        holidays: form.get("holidays"),
        break_glass_minutes: form.get("break_glass_minutes"),
        step_up_minutes: form.get("step_up_minutes"),
        urgent_referral_hours: form.get("urgent_referral_hours"),
        permit_expiry_alert_days: form.get("permit_expiry_alert_days"),
        support_plan_approval: form.get("support_plan_approval"),
    };
    match state.app.update_jurisdiction(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(()) => Redirect::to("/jurisdiction?saved=1").into_response(),
        Err(ServiceError::Invalid(errors)) => jurisdiction_page(&state, &ctx, &s, Some(form), errors, false),
        Err(e) => error_page(&ctx, &e),
    }
}
pub async fn disclose(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "disclose").await
}
pub async fn end_disclosure(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    case_post(state, ctx, id, body, "end-disclosure").await
}
