//! The request context every handler starts from: the language, the audit facts (request id,
//! client address), and the session if the browser sent a valid one.

use crate::AppState;
use crate::i18n::Tr;
use crate::middleware::RequestId;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, header, request::Parts};
use palermo_service::RequestMeta;
use palermo_service::auth::{Session, Stage};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

pub const LANG_COOKIE: &str = "palermo_lang";

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy.
fn client_ip(parts: &Parts, trusted: &[IpAddr]) -> IpAddr {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    forwarded.split(',').rev().filter_map(|s| s.trim().parse::<IpAddr>().ok()).find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

pub struct Ctx {
    pub tr: Tr,
    pub meta: RequestMeta,
    pub demo: bool,
    pub session: Option<Session>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let mut meta = RequestMeta { request_id, client_ip: client_ip(parts, &state.web.trusted_proxies), reauthenticated_at: None };
        let session = match cookie(&parts.headers, state.web.session_cookie()) {
            Some(token) if !token.is_empty() => state.app.authenticate(token).await.ok(),
            _ => None,
        };
        meta.reauthenticated_at = session.as_ref().and_then(|s| s.reauth_at);
        let user_lang = session.as_ref().and_then(|s| s.locale.clone());
        let lang_cookie = cookie(&parts.headers, LANG_COOKIE).map(str::to_owned).or(user_lang);
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let tr = Tr::negotiate(lang_cookie.as_deref(), accept);
        let demo = state.app.is_demo();
        Ok(Ctx { tr, meta, demo, session })
    }
}

impl Ctx {
    /// The session if it is fully signed in.
    pub fn complete(&self) -> Option<&Session> {
        self.session.as_ref().filter(|s| s.stage == Stage::Complete)
    }

    pub fn csrf(&self) -> String {
        self.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default()
    }

    /// Whether a submitted CSRF token matches this session's.
    pub fn csrf_ok(&self, submitted: Option<&str>) -> bool {
        match (&self.session, submitted) {
            (Some(s), Some(t)) => palermo_crypto::token::constant_time_eq(s.csrf_token.as_bytes(), t.as_bytes()),
            _ => false,
        }
    }
}

/// `Set-Cookie` for the session token (empty token and `Max-Age=0` to clear it).
pub fn session_cookie(state: &AppState, token: &str) -> String {
    let name = state.web.session_cookie();
    let secure = if state.web.cookie_secure { "; Secure" } else { "" };
    let max_age = if token.is_empty() { "; Max-Age=0" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict{secure}{max_age}")
}

pub fn lang_cookie(state: &AppState, code: &str) -> String {
    let secure = if state.web.cookie_secure { "; Secure" } else { "" };
    format!("{LANG_COOKIE}={code}; Path=/; SameSite=Strict; Max-Age=31536000{secure}")
}
