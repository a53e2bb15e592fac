//! HTTP: server-rendered pages (askama), the JSON API under `/api/v1`, and the middleware that
//! every request passes (request id, security headers, cross-origin refusal).
//!
//! Handlers only translate: they extract and parse input, call one service use case (which
//! authorizes and audits), and render HTML or JSON. Errors map to HTTP in one place
//! ([`error`]).

// Handlers return a ready response as their error (a redirect or an error page) by design.
#![allow(clippy::result_large_err)]
// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]

mod api;
mod case_pages;
pub mod charts;
mod coordination_pages;
mod duplicate_pages;
mod error;
mod export_api;
pub mod i18n;
mod justice_api;
mod justice_pages;
mod middleware;
mod pages;
mod prevention_pages;
pub mod published;
mod report_pages;
pub use report_pages::report_document;
mod session;

use axum::Router;
use axum::routing::{get, post};
use palermo_service::Palermo;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: Palermo,
    pub web: Arc<WebSettings>,
}

/// Settings of the HTTP edge, taken from the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub cookie_secure: bool,
    pub hsts: bool,
    pub trusted_proxies: Vec<IpAddr>,
}

impl WebSettings {
    pub fn from_config(c: &palermo_service::Config) -> Self {
        Self {
            cookie_secure: c.server.cookie_secure,
            hsts: c.server.hsts,
            trusted_proxies: c.server.trusted_proxies.iter().filter_map(|p| p.parse().ok()).collect(),
        }
    }

    /// The session cookie's name: `__Host-` prefixed when cookies are `Secure`.
    pub fn session_cookie(&self) -> &'static str {
        if self.cookie_secure { "__Host-palermo" } else { "palermo" }
    }
}

/// The whole application as an axum router.
pub fn router(app: Palermo) -> Router {
    let web = Arc::new(WebSettings::from_config(app.config()));
    let state = AppState { app, web };
    let routes = Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/static/{file}", get(pages::static_file))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-in/second-factor", get(pages::second_factor_form).post(pages::second_factor))
        .route("/second-factor/enrol", get(pages::enrol_form).post(pages::enrol))
        .route("/sign-out", post(pages::sign_out))
        .route("/language", post(pages::language))
        .route("/", get(pages::home))
        .route("/organisations", get(pages::organisations).post(pages::create_organisation))
        .route("/organisations/{id}", get(pages::organisation))
        .route("/organisations/{id}/users", post(pages::create_user))
        .route("/users/{id}", get(pages::user))
        .route("/users/{id}/disable", post(pages::disable_user))
        .route("/users/{id}/enable", post(pages::enable_user))
        .route("/users/{id}/reset-second-factor", post(pages::reset_second_factor))
        .route("/audit", get(pages::audit))
        .route("/persons", get(pages::persons).post(pages::create_person))
        .route("/persons/new", get(pages::new_person_form))
        .route("/persons/search", post(pages::search_persons))
        .route("/persons/{id}", get(pages::person))
        .route("/cases", get(case_pages::cases).post(case_pages::create_case))
        .route("/cases/new", get(case_pages::new_case))
        .route("/cases/{id}", get(case_pages::case))
        .route("/cases/{id}/decision", post(case_pages::decision))
        .route("/cases/{id}/command", post(case_pages::command))
        .route("/cases/{id}/consent", post(case_pages::consent))
        .route("/cases/{id}/assign", post(case_pages::assign))
        .route("/cases/{id}/convert", post(case_pages::convert))
        .route("/cases/{id}/referrals", post(case_pages::send_referral))
        .route("/cases/{id}/services", post(case_pages::record_service))
        .route("/cases/{id}/residence", post(case_pages::record_permit))
        .route("/cases/{id}/child-protection", post(case_pages::record_child_protection))
        .route("/cases/{id}/compensation", post(case_pages::record_claim))
        .route("/cases/{id}/risk", post(case_pages::record_risk))
        .route("/cases/{id}/disclosures", post(case_pages::disclose))
        .route("/cases/{id}/disclosures/end", post(case_pages::end_disclosure))
        .route("/justice", get(justice_pages::justice))
        .route("/prevention", get(prevention_pages::prevention))
        .route("/report", get(report_pages::report))
        .route("/statistics", get(report_pages::statistics))
        .route("/report/download", get(report_pages::download))
        .route("/report/narrative", post(report_pages::narrative))
        .route("/prevention/campaigns", post(prevention_pages::record_campaign))
        .route("/prevention/trainings", post(prevention_pages::record_training))
        .route("/prevention/budgets", post(prevention_pages::record_budget))
        .route("/justice/reports", post(justice_pages::record_report))
        .route("/justice/reports/{id}", get(justice_pages::report).post(justice_pages::act_on_report))
        .route("/justice/investigations", post(justice_pages::open_investigation))
        .route("/justice/investigations/{id}", get(justice_pages::investigation).post(justice_pages::investigation_command))
        .route("/justice/investigations/{id}/suspects", post(justice_pages::add_suspect))
        .route("/justice/investigations/{id}/assets", post(justice_pages::add_asset))
        .route("/justice/investigations/{id}/mla", post(justice_pages::add_mla))
        .route("/justice/investigations/{id}/notes", post(justice_pages::add_note))
        .route("/justice/investigations/{id}/investigators", post(justice_pages::assign_investigator))
        .route("/justice/investigations/{id}/hearings", post(justice_pages::add_case_hearing))
        .route("/justice/mla/{id}", post(justice_pages::update_mla))
        .route("/justice/suspects/{id}/charges", post(justice_pages::add_charge))
        .route("/justice/charges/{id}/verdict", post(justice_pages::record_verdict))
        .route("/justice/assets/{id}", post(justice_pages::asset_step))
        .route("/justice/disclosures/{id}", post(justice_pages::record_proceedings))
        .route("/justice/disclosures/{id}/hearings", post(justice_pages::add_hearing))
        .route("/cases/{id}/follow-ups", post(case_pages::plan_follow_ups))
        .route("/cases/{id}/follow-ups/done", post(case_pages::record_follow_up))
        .route("/cases/{id}/support-plans", post(case_pages::create_support_plan))
        .route("/cases/{id}/support-plans/approve", post(case_pages::approve_support_plan))
        .route("/cases/{id}/tasks/done", post(case_pages::complete_task))
        .route("/referrals/{id}", post(coordination_pages::act_on_referral))
        .route("/cases/{id}/transfer", post(case_pages::propose_transfer))
        .route("/transfers/{id}", post(coordination_pages::act_on_transfer))
        .route("/duplicates", get(duplicate_pages::duplicates))
        .route("/duplicates/{id}", get(duplicate_pages::duplicate).post(duplicate_pages::decide))
        .route("/services", get(coordination_pages::services).post(coordination_pages::add_service))
        .route("/services/{id}/availability", post(coordination_pages::set_availability))
        .route("/coordination", get(coordination_pages::coordination))
        .route("/reauthenticate", get(coordination_pages::reauthenticate_page).post(coordination_pages::reauthenticate))
        .route("/break-glass", get(case_pages::break_glass_page).post(case_pages::break_glass))
        .route("/break-glass/review", get(case_pages::break_glass_review))
        .route("/erasure", get(case_pages::erasure_page).post(case_pages::erase_person))
        .route("/jurisdiction", get(case_pages::jurisdiction).post(case_pages::save_jurisdiction))
        .nest("/api/v1", api::routes().merge(justice_api::routes()).merge(export_api::routes()))
        .fallback(pages::not_found);
    routes
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::edge))
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .with_state(state)
}

/// Every route that takes a record id, for the authorization sweep in the tests:
/// (method, path with `{id}`).
pub const ID_ROUTES: &[(&str, &str)] = &[
    ("GET", "/organisations/{id}"),
    ("POST", "/organisations/{id}/users"),
    ("GET", "/users/{id}"),
    ("POST", "/users/{id}/disable"),
    ("POST", "/users/{id}/enable"),
    ("POST", "/users/{id}/reset-second-factor"),
    ("GET", "/api/v1/organisations/{id}"),
    ("GET", "/api/v1/organisations/{id}/users"),
    ("POST", "/api/v1/organisations/{id}/users"),
    ("GET", "/api/v1/users/{id}"),
    ("POST", "/api/v1/users/{id}/disable"),
    ("GET", "/persons/{id}"),
    ("GET", "/api/v1/persons/{id}"),
    ("GET", "/cases/{id}"),
    ("POST", "/cases/{id}/decision"),
    ("POST", "/cases/{id}/command"),
    ("POST", "/cases/{id}/consent"),
    ("POST", "/cases/{id}/assign"),
    ("POST", "/cases/{id}/convert"),
    ("POST", "/cases/{id}/referrals"),
    ("POST", "/cases/{id}/services"),
    ("POST", "/cases/{id}/residence"),
    ("POST", "/cases/{id}/child-protection"),
    ("POST", "/api/v1/cases/{id}/residence"),
    ("POST", "/api/v1/cases/{id}/child-protection"),
    ("POST", "/api/v1/cases/{id}/compensation"),
    ("POST", "/api/v1/cases/{id}/risk"),
    ("POST", "/api/v1/cases/{id}/follow-ups"),
    ("POST", "/api/v1/cases/{id}/follow-ups/done"),
    ("POST", "/api/v1/cases/{id}/support-plans"),
    ("POST", "/api/v1/cases/{id}/support-plans/approve"),
    ("POST", "/api/v1/cases/{id}/tasks/done"),
    ("POST", "/cases/{id}/support-plans"),
    ("POST", "/cases/{id}/support-plans/approve"),
    ("POST", "/cases/{id}/tasks/done"),
    ("POST", "/cases/{id}/compensation"),
    ("POST", "/cases/{id}/risk"),
    ("POST", "/cases/{id}/follow-ups"),
    ("POST", "/cases/{id}/follow-ups/done"),
    ("POST", "/referrals/{id}"),
    ("POST", "/services/{id}/availability"),
    ("GET", "/api/v1/cases/{id}"),
    ("POST", "/api/v1/cases/{id}/decision"),
    ("POST", "/api/v1/cases/{id}/command"),
    ("POST", "/api/v1/cases/{id}/consent"),
    ("POST", "/api/v1/cases/{id}/referrals"),
    ("POST", "/api/v1/cases/{id}/services"),
    ("POST", "/api/v1/referrals/{id}"),
    ("POST", "/api/v1/cases/{id}/transfer"),
    ("POST", "/api/v1/transfers/{id}"),
    ("POST", "/cases/{id}/transfer"),
    ("POST", "/transfers/{id}"),
    ("GET", "/duplicates/{id}"),
    ("POST", "/duplicates/{id}"),
    ("GET", "/api/v1/duplicates/{id}"),
    ("POST", "/api/v1/duplicates/{id}"),
    ("POST", "/api/v1/services/{id}/availability"),
    ("POST", "/cases/{id}/disclosures"),
    ("POST", "/cases/{id}/disclosures/end"),
    ("GET", "/justice/reports/{id}"),
    ("POST", "/justice/reports/{id}"),
    ("GET", "/justice/investigations/{id}"),
    ("POST", "/justice/investigations/{id}"),
    ("POST", "/justice/investigations/{id}/suspects"),
    ("POST", "/justice/investigations/{id}/assets"),
    ("POST", "/justice/investigations/{id}/mla"),
    ("POST", "/justice/investigations/{id}/notes"),
    ("POST", "/api/v1/justice/investigations/{id}/notes"),
    ("POST", "/api/v1/justice/investigations/{id}/investigators"),
    ("POST", "/api/v1/justice/investigations/{id}/hearings"),
    ("POST", "/justice/investigations/{id}/investigators"),
    ("POST", "/justice/investigations/{id}/hearings"),
    ("POST", "/justice/mla/{id}"),
    ("POST", "/justice/suspects/{id}/charges"),
    ("POST", "/justice/charges/{id}/verdict"),
    ("POST", "/justice/assets/{id}"),
    ("POST", "/justice/disclosures/{id}"),
    ("POST", "/justice/disclosures/{id}/hearings"),
    ("GET", "/api/v1/justice/reports/{id}"),
    ("POST", "/api/v1/justice/reports/{id}"),
    ("GET", "/api/v1/justice/investigations/{id}"),
    ("POST", "/api/v1/justice/investigations/{id}"),
    ("POST", "/api/v1/justice/investigations/{id}/mla"),
    ("POST", "/api/v1/justice/investigations/{id}/suspects"),
    ("POST", "/api/v1/justice/investigations/{id}/assets"),
    ("POST", "/api/v1/justice/mla/{id}"),
    ("POST", "/api/v1/justice/suspects/{id}/charges"),
    ("POST", "/api/v1/justice/charges/{id}/verdict"),
    ("POST", "/api/v1/justice/suspects/{id}/arrest"),
    ("POST", "/api/v1/justice/assets/{id}"),
    ("POST", "/api/v1/justice/disclosures/{id}"),
    ("POST", "/api/v1/justice/disclosures/{id}/hearings"),
    ("GET", "/api/v1/cases/{id}/disclosures"),
    ("POST", "/api/v1/cases/{id}/disclosures"),
    ("POST", "/api/v1/cases/{id}/disclosures/end"),
    ("POST", "/api/v1/cases/{id}/htcds"),
];

/// Every route that needs a signed-in user (no id): (method, path).
pub const SESSION_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/organisations"),
    ("POST", "/organisations"),
    ("GET", "/audit"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/organisations"),
    ("POST", "/api/v1/organisations"),
    ("GET", "/api/v1/audit/verify"),
    ("GET", "/persons"),
    ("GET", "/persons/new"),
    ("POST", "/persons"),
    ("POST", "/persons/search"),
    ("POST", "/api/v1/persons"),
    ("POST", "/api/v1/persons/search"),
    ("GET", "/cases"),
    ("GET", "/cases/new"),
    ("POST", "/cases"),
    ("GET", "/break-glass"),
    ("POST", "/break-glass"),
    ("GET", "/break-glass/review"),
    ("GET", "/erasure"),
    ("POST", "/erasure"),
    ("GET", "/api/v1/erasures"),
    ("POST", "/api/v1/erasures"),
    ("GET", "/jurisdiction"),
    ("POST", "/jurisdiction"),
    ("GET", "/api/v1/jurisdiction"),
    ("PATCH", "/api/v1/jurisdiction"),
    ("GET", "/services"),
    ("POST", "/services"),
    ("GET", "/coordination"),
    ("GET", "/reauthenticate"),
    ("POST", "/reauthenticate"),
    ("GET", "/api/v1/services"),
    ("POST", "/api/v1/services"),
    ("GET", "/api/v1/coordination"),
    ("GET", "/api/v1/referrals/overrides"),
    ("GET", "/api/v1/residence/alerts"),
    ("GET", "/api/v1/follow-ups/due"),
    ("GET", "/api/v1/tasks/overdue"),
    ("GET", "/api/v1/cases"),
    ("POST", "/api/v1/cases"),
    ("POST", "/api/v1/break-glass"),
    ("GET", "/justice"),
    ("POST", "/justice/reports"),
    ("POST", "/justice/investigations"),
    ("GET", "/api/v1/justice/reports"),
    ("POST", "/api/v1/justice/reports"),
    ("GET", "/api/v1/justice/investigations"),
    ("POST", "/api/v1/justice/investigations"),
    ("GET", "/api/v1/justice/statistics"),
    ("GET", "/api/v1/statistics/sdg-16-2-2"),
    ("POST", "/api/v1/statistics/dp-budget"),
    ("GET", "/api/v1/statistics/waiting-times"),
    ("GET", "/api/v1/statistics/referrals"),
    ("GET", "/api/v1/transfers"),
    ("GET", "/duplicates"),
    ("GET", "/api/v1/duplicates"),
    ("GET", "/api/v1/statistics/dp-ledger"),
    ("POST", "/api/v1/statistics/dp-release"),
    ("GET", "/api/v1/prevention"),
    ("POST", "/api/v1/prevention/campaigns"),
    ("POST", "/api/v1/prevention/trainings"),
    ("POST", "/api/v1/prevention/budgets"),
    ("POST", "/api/v1/prevention/treaty-status"),
    ("GET", "/api/v1/prevention/campaigns.csv"),
    ("GET", "/api/v1/prevention/trainings.csv"),
    ("GET", "/api/v1/prevention/budgets.csv"),
    ("GET", "/api/v1/cases.csv"),
    ("GET", "/api/v1/prevention/campaigns.xlsx"),
    ("GET", "/api/v1/prevention/trainings.xlsx"),
    ("GET", "/api/v1/prevention/budgets.xlsx"),
    ("GET", "/api/v1/cases.xlsx"),
    ("GET", "/api/v1/statistics/glotip.csv"),
    ("GET", "/api/v1/statistics/glotip.xlsx"),
    ("GET", "/api/v1/statistics/ctdc.csv"),
    ("GET", "/prevention"),
    ("GET", "/report"),
    ("GET", "/statistics"),
    ("GET", "/report/download"),
    ("POST", "/report/narrative"),
    ("POST", "/prevention/campaigns"),
    ("POST", "/prevention/trainings"),
    ("POST", "/prevention/budgets"),
    ("GET", "/api/v1/hearings/upcoming"),
];

/// Serve until `shutdown` resolves. The listener is already bound (so tests can use port 0).
pub async fn serve(
    app: Palermo,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(palermo_service::jurisdiction::REFRESH);
        loop {
            tick.tick().await;
            if let Err(e) = refresher.refresh_jurisdiction().await {
                tracing::warn!(error = %e, "could not re-read the jurisdiction settings");
            }
        }
    });
    if app.config().smtp.enabled() {
        let sender = app.clone();
        let every = std::time::Duration::from_secs(u64::from(app.config().smtp.poll_seconds));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match sender.send_due_notifications().await {
                    Ok(r) if r.sent + r.retry + r.failed + r.no_address > 0 => {
                        tracing::info!(sent = r.sent, retry = r.retry, failed = r.failed, no_address = r.no_address, "e-mail notifications")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not send e-mail notifications"),
                }
            }
        });
    }
    if app.config().retention.identity_years > 0 {
        let keeper = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
            loop {
                tick.tick().await;
                let meta = palermo_service::RequestMeta::task("retention");
                match keeper.apply_retention(&meta).await {
                    Ok(r) if r.erased + r.held > 0 => tracing::info!(erased = r.erased, held = r.held, "retention: identities erased"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "the retention schedule failed"),
                }
            }
        });
    }
    let hours = app.config().linkage.refresh_hours;
    if hours > 0 {
        let linker = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(u64::from(hours) * 3600));
            tick.tick().await;
            loop {
                tick.tick().await;
                let meta = palermo_service::RequestMeta::task("duplicates-refresh");
                match linker.refresh_duplicates(&meta).await {
                    Ok(r) => tracing::info!(candidates = r.candidates, persons = r.persons, "searched for duplicates"),
                    Err(e) => tracing::warn!(error = %e, "the search for duplicates failed"),
                }
            }
        });
    }
    let router = router(app);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await
}
