//! Server-rendered pages. They work without JavaScript; every form carries the session's CSRF
//! token; no GET changes state.

use crate::AppState;
use crate::error::{log_if_internal, message_of, status_of};
use crate::i18n::Tr;
use crate::session::{Ctx, lang_cookie, session_cookie};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use palermo_service::ServiceError;
use palermo_service::admin::{Caller, NewOrganisation, NewUser, OrgView, UserView};
use palermo_service::audit::AuditRow;
use palermo_service::auth::{Session, Stage};
use palermo_service::palermo_domain::ValidationError;
use palermo_service::palermo_domain::org::{OrgType, Sector};
use palermo_service::palermo_domain::policy::{Action, authorize};
use palermo_service::palermo_domain::role::Role;

pub struct NavUser {
    pub display_name: String,
    pub can_audit: bool,
    /// The operator's auditors: the erasure page.
    pub can_erase: bool,
    /// Investigators and prosecutors: the justice track.
    pub justice: bool,
}

pub struct PageCtx {
    pub t: Tr,
    pub title: String,
    pub demo: bool,
    pub user: Option<NavUser>,
    pub csrf: String,
}

pub(crate) fn page(ctx: &Ctx, title_key: &str) -> PageCtx {
    let user = ctx.complete().map(|s| NavUser {
        display_name: s.display_name.clone(),
        can_audit: authorize(&s.actor, Action::ViewAuditLog).is_ok(),
        can_erase: palermo_domain::erasure::may_erase(&s.actor),
        justice: palermo_service::palermo_domain::justice::justice_track(&s.actor),
    });
    PageCtx { t: ctx.tr.clone(), title: ctx.tr.get(title_key), demo: ctx.demo, user, csrf: ctx.csrf() }
}

pub(crate) fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    message: String,
}

/// The page for a use-case error. Identical for a missing record and a hidden one.
pub(crate) fn error_page(ctx: &Ctx, e: &ServiceError) -> Response {
    log_if_internal(e, &ctx.meta.request_id);
    let message = message_of(e, &ctx.tr);
    render(status_of(e), &ErrorPage { page: page(ctx, "error-title"), message })
}

fn csrf_page(ctx: &Ctx) -> Response {
    render(StatusCode::FORBIDDEN, &ErrorPage { page: page(ctx, "error-title"), message: ctx.tr.get("csrf-failed") })
}

/// The signed-in session, or where the browser should go instead.
pub(crate) fn require(ctx: &Ctx) -> Result<&Session, Response> {
    match &ctx.session {
        Some(s) if s.stage == Stage::Complete => Ok(s),
        Some(s) if s.stage == Stage::SecondFactor => Err(Redirect::to("/sign-in/second-factor").into_response()),
        Some(_) => Err(Redirect::to("/second-factor/enrol").into_response()),
        None => Err(Redirect::to("/sign-in").into_response()),
    }
}

/// The field errors of a submitted form, shown next to each field and listed at the top.
pub struct FieldErrors(pub(crate) Vec<ValidationError>);

impl FieldErrors {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.0.iter()
    }
    /// What is expected of `field`, if it was wrong.
    pub(crate) fn for_field(&self, field: &str) -> Option<String> {
        self.0.iter().find(|e| e.field == field).map(|e| e.expected.clone())
    }
}

/// A parsed `application/x-www-form-urlencoded` body, keeping repeated keys.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub(crate) fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
    pub(crate) fn get(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }
}

/// The session and a checked CSRF token for a form post.
pub(crate) fn require_post<'a>(ctx: &'a Ctx, form: &FormData) -> Result<&'a Session, Response> {
    let s = require(ctx)?;
    if !ctx.csrf_ok(Some(&form.get("csrf"))) {
        return Err(csrf_page(ctx));
    }
    Ok(s)
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.ready().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "palermo.css" => (include_bytes!("../static/palermo.css"), "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

pub async fn not_found(ctx: Ctx) -> Response {
    error_page(&ctx, &ServiceError::NotFound)
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: PageCtx,
    message: Option<String>,
    username: String,
}

pub async fn sign_in_form(ctx: Ctx) -> Response {
    if ctx.complete().is_some() {
        return Redirect::to("/").into_response();
    }
    render(StatusCode::OK, &SignInPage { page: page(&ctx, "sign-in-title"), message: None, username: String::new() })
}

pub async fn sign_in(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let username = form.get("username");
    match state.app.sign_in(&username, &form.get("password"), &ctx.meta).await {
        Ok(signed) => {
            let next = match signed.stage {
                Stage::Complete => "/",
                Stage::SecondFactor => "/sign-in/second-factor",
                Stage::Enrol => "/second-factor/enrol",
            };
            ([(header::SET_COOKIE, session_cookie(&state, &signed.token))], Redirect::to(next)).into_response()
        }
        Err(e) => {
            log_if_internal(&e, &ctx.meta.request_id);
            let message = Some(message_of(&e, &ctx.tr));
            render(status_of(&e), &SignInPage { page: page(&ctx, "sign-in-title"), message, username })
        }
    }
}

pub struct EnrolView {
    pub qr_svg: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    page: PageCtx,
    heading: String,
    message: Option<String>,
    enrolment: Option<EnrolView>,
    action: &'static str,
}

async fn second_factor_page(state: &AppState, ctx: &Ctx, enrol: bool, message: Option<String>, status: StatusCode) -> Response {
    let Some(session) = &ctx.session else {
        return Redirect::to("/sign-in").into_response();
    };
    let enrolment = if enrol {
        match state.app.enrolment(session, &ctx.meta).await {
            Ok(e) => {
                let qr_svg = qrcode::QrCode::new(e.otpauth_uri.as_bytes())
                    .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
                    .unwrap_or_default();
                Some(EnrolView { qr_svg, secret: e.secret_base32 })
            }
            Err(e) => return error_page(ctx, &e),
        }
    } else {
        None
    };
    let (title, action) = if enrol { ("enrol-title", "/second-factor/enrol") } else { ("second-factor-title", "/sign-in/second-factor") };
    let mut p = page(ctx, title);
    p.csrf = session.csrf_token.clone();
    render(status, &SecondFactorPage { heading: ctx.tr.get(title), page: p, message, enrolment, action })
}

pub async fn second_factor_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    match ctx.session.as_ref().map(|s| s.stage) {
        Some(Stage::SecondFactor) => second_factor_page(&state, &ctx, false, None, StatusCode::OK).await,
        Some(Stage::Enrol) => Redirect::to("/second-factor/enrol").into_response(),
        Some(Stage::Complete) => Redirect::to("/").into_response(),
        None => Redirect::to("/sign-in").into_response(),
    }
}

pub async fn enrol_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    match ctx.session.as_ref().map(|s| s.stage) {
        Some(Stage::Enrol) => second_factor_page(&state, &ctx, true, None, StatusCode::OK).await,
        Some(Stage::SecondFactor) => Redirect::to("/sign-in/second-factor").into_response(),
        Some(Stage::Complete) => Redirect::to("/").into_response(),
        None => Redirect::to("/sign-in").into_response(),
    }
}

async fn check_code(state: AppState, ctx: Ctx, body: axum::body::Bytes, enrol: bool) -> Response {
    let form = FormData::parse(&body);
    let Some(session) = &ctx.session else {
        return Redirect::to("/sign-in").into_response();
    };
    if !ctx.csrf_ok(Some(&form.get("csrf"))) {
        return csrf_page(&ctx);
    }
    match state.app.second_factor(session, &form.get("code"), &ctx.meta).await {
        Ok(token) => ([(header::SET_COOKIE, session_cookie(&state, &token))], Redirect::to("/")).into_response(),
        Err(e) => {
            let message = Some(message_of(&e, &ctx.tr));
            second_factor_page(&state, &ctx, enrol, message, status_of(&e)).await
        }
    }
}

pub async fn second_factor(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    check_code(state, ctx, body, false).await
}

pub async fn enrol(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    check_code(state, ctx, body, true).await
}

pub async fn sign_out(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    if let Some(s) = &ctx.session {
        if !ctx.csrf_ok(Some(&form.get("csrf"))) {
            return csrf_page(&ctx);
        }
        if let Err(e) = state.app.sign_out(s, &ctx.meta).await {
            return error_page(&ctx, &e);
        }
    }
    ([(header::SET_COOKIE, session_cookie(&state, ""))], Redirect::to("/sign-in")).into_response()
}

pub async fn language(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    if ctx.session.is_some() && !ctx.csrf_ok(Some(&form.get("csrf"))) {
        return csrf_page(&ctx);
    }
    let code = Tr::new(&form.get("lang")).code;
    ([(header::SET_COOKIE, lang_cookie(&state, code))], Redirect::to("/")).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    welcome: String,
    org_id: String,
    org_name: String,
    roles: Vec<&'static str>,
    deadlines: palermo_service::cases::DeadlineSummary,
    permits: Vec<palermo_service::assistance::PermitAlert>,
    follow_ups: Vec<palermo_service::assistance::FollowUpAlert>,
    tasks: Vec<palermo_service::assistance::TaskAlert>,
    hearings: Vec<palermo_service::justice::HearingAlert>,
    victim_reports_waiting: Option<i64>,
    bulk_read_alerts: i64,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let org = match state.app.organisation(&caller, &s.actor.org_id.to_string(), &ctx.meta).await {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, &e),
    };
    let roles = s.actor.roles.iter().map(|r| r.code()).collect::<Vec<_>>();
    let deadlines = match state.app.deadline_summary(&caller).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, &e),
    };
    let permits = match state.app.permit_alerts(&caller).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let follow_ups = match state.app.follow_up_alerts(&caller).await {
        Ok(f) => f,
        Err(e) => return error_page(&ctx, &e),
    };
    let tasks = match state.app.task_alerts(&caller).await {
        Ok(t) => t,
        Err(e) => return error_page(&ctx, &e),
    };
    let hearings = match state.app.hearing_alerts(&caller, 30).await {
        Ok(h) => h,
        Err(e) => return error_page(&ctx, &e),
    };
    let victim_reports_waiting = match state.app.victim_reports_waiting(&caller).await {
        Ok(n) => n,
        Err(e) => return error_page(&ctx, &e),
    };
    let bulk_read_alerts = match state.app.bulk_read_alerts_this_week(&caller).await {
        Ok(n) => n,
        Err(e) => return error_page(&ctx, &e),
    };
    render(
        StatusCode::OK,
        &HomePage {
            welcome: ctx.tr.get1("home-welcome", "name", &s.display_name),
            page: page(&ctx, "home-title"),
            org_id: org.id.to_string(),
            org_name: org.name,
            roles,
            deadlines,
            permits,
            follow_ups,
            tasks,
            hearings,
            victim_reports_waiting,
            bulk_read_alerts,
        },
    )
}

#[derive(Default)]
struct OrgForm {
    name: String,
    org_type: String,
    sector: String,
    region: String,
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    page: PageCtx,
    orgs: Vec<OrgView>,
    can_create: bool,
    form: OrgForm,
    errors: FieldErrors,
    org_types: &'static [OrgType],
    sectors: &'static [Sector],
}

async fn organisations_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    form: OrgForm,
    errors: Vec<ValidationError>,
    status: StatusCode,
) -> Response {
    let caller = Caller::User(s.actor.clone());
    let orgs = match state.app.list_organisations(&caller, &ctx.meta).await {
        Ok(o) => o,
        Err(e) => return error_page(ctx, &e),
    };
    let can_create = authorize(&s.actor, Action::CreateOrganisation).is_ok();
    render(
        status,
        &OrganisationsPage {
            page: page(ctx, "organisations-title"),
            orgs,
            can_create,
            form,
            errors: FieldErrors(errors),
            org_types: OrgType::ALL,
            sectors: Sector::ALL,
        },
    )
}

pub async fn organisations(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    organisations_page(&state, &ctx, s, OrgForm::default(), Vec::new(), StatusCode::OK).await
}

pub async fn create_organisation(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input =
        NewOrganisation { name: form.get("name"), org_type: form.get("org_type"), sector: form.get("sector"), region: form.get("region") };
    match state.app.create_organisation(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(org) => Redirect::to(&format!("/organisations/{}", org.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => {
            let kept = OrgForm { name: input.name, org_type: input.org_type, sector: input.sector, region: input.region };
            organisations_page(&state, &ctx, s, kept, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict(msg)) => {
            let kept = OrgForm { name: input.name, org_type: input.org_type, sector: input.sector, region: input.region };
            organisations_page(&state, &ctx, s, kept, vec![ValidationError::new("name", msg)], StatusCode::CONFLICT).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// Role codes; pages show them as words (`c-role-…`).
    pub roles: Vec<&'static str>,
    pub disabled: bool,
    pub second_factor: bool,
}

impl From<UserView> for UserRow {
    fn from(u: UserView) -> Self {
        UserRow {
            id: u.id.to_string(),
            roles: u.roles.iter().map(|r| r.code()).collect(),
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            second_factor: u.second_factor,
        }
    }
}

#[derive(Default)]
struct UserForm {
    username: String,
    display_name: String,
    roles: Vec<String>,
    contact: String,
}

impl UserForm {
    fn has_role(&self, code: &str) -> bool {
        self.roles.iter().any(|r| r == code)
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    page: PageCtx,
    org: OrgView,
    users: Option<Vec<UserRow>>,
    form: UserForm,
    errors: FieldErrors,
    all_roles: &'static [Role],
}

async fn organisation_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    form: UserForm,
    errors: Vec<ValidationError>,
    status: StatusCode,
) -> Response {
    let caller = Caller::User(s.actor.clone());
    let org = match state.app.organisation(&caller, id, &ctx.meta).await {
        Ok(o) => o,
        Err(e) => return error_page(ctx, &e),
    };
    let users = if authorize(&s.actor, Action::ListUsers { org: org.id }).is_ok() {
        match state.app.list_users(&caller, id, &ctx.meta).await {
            Ok(u) => Some(u.into_iter().map(UserRow::from).collect()),
            Err(e) => return error_page(ctx, &e),
        }
    } else {
        None
    };
    let title = org.name.clone();
    let mut p = page(ctx, "organisations-title");
    p.title = title;
    render(status, &OrganisationPage { page: p, org, users, form, errors: FieldErrors(errors), all_roles: Role::ALL })
}

pub async fn organisation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    organisation_page(&state, &ctx, s, &id, UserForm::default(), Vec::new(), StatusCode::OK).await
}

pub async fn create_user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input = NewUser {
        organisation_id: id.clone(),
        username: form.get("username"),
        display_name: form.get("display_name"),
        roles: form.all("roles"),
        password: form.get("password"),
        contact: form.get("contact"),
    };
    let kept = || UserForm {
        username: input.username.clone(),
        display_name: input.display_name.clone(),
        roles: input.roles.clone(),
        contact: input.contact.clone(),
    };
    match state.app.create_user(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(u) => Redirect::to(&format!("/users/{}", u.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => {
            organisation_page(&state, &ctx, s, &id, kept(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict(msg)) => {
            organisation_page(&state, &ctx, s, &id, kept(), vec![ValidationError::new("username", msg)], StatusCode::CONFLICT).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    page: PageCtx,
    user: UserRow,
    contact: String,
    can_manage: bool,
}

pub async fn user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let detail = match state.app.user(&Caller::User(s.actor.clone()), &id, &ctx.meta).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, &e),
    };
    let can_manage = authorize(&s.actor, Action::ManageUser { org: detail.user.organisation_id, user: detail.user.id }).is_ok();
    let contact = detail.contact.unwrap_or_default();
    let row = UserRow::from(detail.user);
    let mut p = page(&ctx, "user-title");
    p.title = format!("{} {}", p.title, row.username);
    render(StatusCode::OK, &UserPage { page: p, user: row, contact, can_manage })
}

async fn manage(state: AppState, ctx: Ctx, id: String, body: axum::body::Bytes, what: &'static str) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let r = match what {
        "disable" => state.app.set_user_disabled(&caller, &id, true, &ctx.meta).await.map(|_| ()),
        "enable" => state.app.set_user_disabled(&caller, &id, false, &ctx.meta).await.map(|_| ()),
        _ => state.app.reset_second_factor(&caller, &id, &ctx.meta).await,
    };
    match r {
        Ok(()) => Redirect::to(&format!("/users/{id}")).into_response(),
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn disable_user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    manage(state, ctx, id, body, "disable").await
}

pub async fn enable_user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    manage(state, ctx, id, body, "enable").await
}

pub async fn reset_second_factor(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    manage(state, ctx, id, body, "reset").await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: PageCtx,
    verification: String,
    verified_ok: bool,
    rows: Vec<AuditRow>,
}

pub async fn audit(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let caller = Caller::User(s.actor.clone());
    let verified = match state.app.verify_audit_as(&caller, &ctx.meta).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let rows = match state.app.recent_audit(&caller, 200, &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, &e),
    };
    let (verification, verified_ok) = match verified {
        Ok(v) => (ctx.tr.get_with("audit-ok", &[("entries", &v.entries.to_string()), ("head", &v.head_hash)]), true),
        Err(e) => (ctx.tr.get1("audit-broken", "error", &e.to_string()), false),
    };
    render(StatusCode::OK, &AuditPage { page: page(&ctx, "audit-title"), verification, verified_ok, rows })
}

use palermo_service::persons::{NewPerson, PersonDetail, PersonSummary};

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    page: PageCtx,
    results: Option<Vec<PersonSummary>>,
    recent: Vec<PersonSummary>,
    errors: FieldErrors,
}

async fn persons_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    results: Option<Vec<PersonSummary>>,
    errors: Vec<ValidationError>,
    status: StatusCode,
) -> Response {
    let recent = match state.app.recent_persons(&Caller::User(s.actor.clone()), &ctx.meta).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    render(status, &PersonsPage { page: page(ctx, "persons-title"), results, recent, errors: FieldErrors(errors) })
}

pub async fn persons(State(state): State<AppState>, ctx: Ctx) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    persons_page(&state, &ctx, s, None, Vec::new(), StatusCode::OK).await
}

/// Search is a POST: a name must never travel in a URL.
pub async fn search_persons(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.search_persons(&Caller::User(s.actor.clone()), &form.get("query"), &ctx.meta).await {
        Ok(found) => persons_page(&state, &ctx, s, Some(found), Vec::new(), StatusCode::OK).await,
        Err(ServiceError::Invalid(errors)) => persons_page(&state, &ctx, s, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => error_page(&ctx, &e),
    }
}

pub struct FieldRow {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

const PERSON_FIELDS: [(&str, &str); 13] = [
    ("given_name", "given-name"),
    ("family_name", "family-name"),
    ("name_native", "name-native"),
    ("aliases", "aliases"),
    ("date_of_birth", "date-of-birth"),
    ("sex", "sex-gender"),
    ("age_at_identification", "age-at-identification"),
    ("citizenships", "citizenships"),
    ("languages", "languages"),
    ("migration_status", "migration-status"),
    ("documents", "documents"),
    ("contacts", "contacts"),
    ("address", "address"),
];

#[derive(Template)]
#[template(path = "person_new.html")]
struct PersonNewPage {
    page: PageCtx,
    fields: Vec<FieldRow>,
    errors: FieldErrors,
    genders: &'static [palermo_service::palermo_domain::person::Gender],
    statuses: &'static [palermo_service::palermo_domain::person::MigrationStatus],
}

fn person_form_page(ctx: &Ctx, form: Option<&FormData>, errors: Vec<ValidationError>, status: StatusCode) -> Response {
    let fields =
        PERSON_FIELDS.iter().map(|(name, label)| FieldRow { name, label, value: form.map(|f| f.get(name)).unwrap_or_default() }).collect();
    render(
        status,
        &PersonNewPage {
            page: page(ctx, "new-person"),
            fields,
            errors: FieldErrors(errors),
            genders: palermo_service::palermo_domain::person::Gender::ALL,
            statuses: palermo_service::palermo_domain::person::MigrationStatus::ALL,
        },
    )
}

pub async fn new_person_form(ctx: Ctx) -> Response {
    if let Err(r) = require(&ctx) {
        return r;
    }
    person_form_page(&ctx, None, Vec::new(), StatusCode::OK)
}

pub async fn create_person(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let form = FormData::parse(&body);
    let s = match require_post(&ctx, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input = NewPerson {
        given_name: form.get("given_name"),
        family_name: form.get("family_name"),
        name_native: form.get("name_native"),
        aliases: form.get("aliases"),
        date_of_birth: form.get("date_of_birth"),
        documents: form.get("documents"),
        contacts: form.get("contacts"),
        address: form.get("address"),
        sex: form.get("sex"),
        age_at_identification: form.get("age_at_identification"),
        citizenships: form.get("citizenships"),
        languages: form.get("languages"),
        migration_status: form.get("migration_status"),
    };
    match state.app.create_person(&Caller::User(s.actor.clone()), &input, &ctx.meta).await {
        Ok(p) => Redirect::to(&format!("/persons/{}", p.id)).into_response(),
        Err(ServiceError::Invalid(errors)) => person_form_page(&ctx, Some(&form), errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    page: PageCtx,
    p: PersonDetail,
    identity: Vec<(&'static str, String)>,
}

pub async fn person(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let s = match require(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = match state.app.person(&Caller::User(s.actor.clone()), &id, &ctx.meta).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let i = &p.identity;
    let identity: Vec<(&'static str, String)> = [
        ("given-name", &i.given_name),
        ("family-name", &i.family_name),
        ("name-native", &i.name_native),
        ("aliases", &i.aliases),
        ("date-of-birth", &i.date_of_birth),
        ("documents", &i.documents),
        ("contacts", &i.contacts),
        ("address", &i.address),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.clone().map(|v| (label, v)))
    .collect();
    let mut pg = page(&ctx, "person-title");
    pg.title = format!("{} {}", pg.title, p.summary.reference);
    render(StatusCode::OK, &PersonPage { page: pg, p, identity })
}
