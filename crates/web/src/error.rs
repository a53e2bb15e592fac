//! One mapping from use-case errors to HTTP: a readable page for people, RFC 9457
//! problem+json for the API. Internal causes are logged, never shown; a missing record and a
//! record the user may not see get byte-identical answers.

use crate::i18n::Tr;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use palermo_service::ServiceError;
use serde_json::json;

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::Forbidden => StatusCode::FORBIDDEN,
        ServiceError::Unauthenticated | ServiceError::SignInFailed | ServiceError::BadCode | ServiceError::SecondFactorRequired => {
            StatusCode::UNAUTHORIZED
        }
        ServiceError::Locked(_) | ServiceError::ReadsPaused(_) => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::AuditUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Setup(_) | ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message a person reads, in their language.
pub fn message_of(e: &ServiceError, tr: &Tr) -> String {
    match e {
        ServiceError::NotFound => tr.get("not-found"),
        ServiceError::Forbidden => tr.get("forbidden"),
        ServiceError::SignInFailed | ServiceError::Unauthenticated => tr.get("sign-in-failed"),
        ServiceError::BadCode | ServiceError::SecondFactorRequired => tr.get("bad-code"),
        ServiceError::Locked(until) => tr.get1("sign-in-locked", "until", &format_time(*until)),
        ServiceError::ReadsPaused(until) => tr.get1("reads-paused", "until", &format_time(*until)),
        ServiceError::AuditUnavailable => tr.get("audit-unavailable"),
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => e.to_string(),
        ServiceError::Setup(_) | ServiceError::Internal(_) => tr.get("internal-error"),
    }
}

pub fn format_time(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&f).unwrap_or_default()
}

pub fn log_if_internal(e: &ServiceError, request_id: &str) {
    if let ServiceError::Internal(cause) | ServiceError::Setup(cause) = e {
        tracing::error!(request_id, cause = %cause, "internal error");
    }
}

/// An RFC 9457 problem document.
pub fn problem(e: &ServiceError, request_id: &str) -> Response {
    log_if_internal(e, request_id);
    let status = status_of(e);
    let tr = Tr::new("en");
    let mut body = json!({
        "type": format!("https://palermo.invalid/problems/{}", problem_type(e)),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": message_of(e, &tr),
    });
    if let ServiceError::Invalid(errors) = e {
        body["errors"] = json!(errors.iter().map(|v| json!({"field": v.field, "expected": v.expected})).collect::<Vec<_>>());
    }
    if !matches!(e, ServiceError::NotFound) {
        body["request_id"] = json!(request_id);
    }
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

fn problem_type(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::Invalid(_) => "validation",
        ServiceError::NotFound => "not-found",
        ServiceError::Forbidden => "forbidden",
        ServiceError::Unauthenticated | ServiceError::SecondFactorRequired => "unauthenticated",
        ServiceError::SignInFailed | ServiceError::BadCode => "sign-in-failed",
        ServiceError::Locked(_) => "locked",
        ServiceError::ReadsPaused(_) => "reads-paused",
        ServiceError::Conflict(_) => "conflict",
        ServiceError::AuditUnavailable => "audit-unavailable",
        ServiceError::Setup(_) | ServiceError::Internal(_) => "internal",
    }
}

/// A problem for a failed CSRF check.
pub fn csrf_problem() -> Response {
    let body = json!({"type": "https://palermo.invalid/problems/csrf", "title": "Forbidden", "status": 403,
        "detail": "missing or wrong X-CSRF-Token header"});
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}
