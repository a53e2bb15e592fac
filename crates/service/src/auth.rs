//! Sign-in, the second factor, sessions and sign-out.
//!
//! - Passwords: Argon2id; an unknown user is checked against a dummy hash, so the answer and its
//!   timing are the same as for a wrong password.
//! - Guessing: a progressive delay, then a soft lock per account and client address
//!   ([`palermo_domain::signin`]).
//! - Second factor: TOTP, required for every role that can read a person's identity; a code is
//!   accepted once. Completing it replaces the session with a new id.
//! - Sessions live in the database (several servers can share them), with idle and absolute
//!   lifetimes; the browser holds only a random token, the database only its hash.

use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_crypto::token::{new_token, token_hash};
use palermo_crypto::totp;
use palermo_domain::audit::Outcome;
use palermo_domain::ids::UserId;
use palermo_domain::policy::Actor;
use palermo_domain::role::Roles;
use palermo_domain::signin::{ThrottleState, after_failure, may_attempt};
use palermo_store::{SessionRecord, ThrottleRecord, UserRecord};
use time::Duration;

/// A session that has not completed its second factor lasts this long.
const PENDING_SESSION: Duration = Duration::minutes(10);
/// `last_seen_at` is refreshed at most this often (a write per request would be wasteful).
const TOUCH_EVERY: Duration = Duration::seconds(30);

/// Where a signed-in person goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Fully signed in.
    Complete,
    /// Must type a code from their authenticator.
    SecondFactor,
    /// Must set up an authenticator first (their role requires one).
    Enrol,
}

/// A resolved session, as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub actor: Actor,
    pub username: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub csrf_token: String,
    pub stage: Stage,
    /// The last time the password was entered on this session (sign-in or step-up).
    pub reauth_at: Option<time::OffsetDateTime>,
}

/// The result of a first-factor sign-in: the new session's token (for the cookie) and the stage.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub stage: Stage,
}

/// What a person needs to set up an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub otpauth_uri: String,
    pub secret_base32: String,
}

/// The throttle key: a hash of the normalised username and client address, so attempted
/// usernames (sometimes a password typed into the wrong box) are not stored.
fn throttle_key(username: &str, ip: std::net::IpAddr) -> String {
    let material = format!("palermo-throttle\0{}\0{}", username.trim().to_lowercase(), ip);
    hex::encode(token_hash(&material))
}

fn to_state(r: &ThrottleRecord) -> ThrottleState {
    ThrottleState { failures: r.failures, last_failure_at: r.last_failure_at, locked_until: r.locked_until }
}

fn actor_of(user: &UserRecord, org_is_operator: bool) -> Result<Actor> {
    let roles = Roles::from_stored(&user.roles).map_err(|e| ServiceError::Internal(format!("stored roles of user {}: {e}", user.id)))?;
    Ok(Actor { user_id: user.id, org_id: user.organisation_id, org_is_operator, roles })
}

impl Palermo {
    fn needs_second_factor(&self, user: &UserRecord, roles: &Roles, demo: bool) -> bool {
        roles.requires_mfa() && !(demo && user.mfa_exempt)
    }

    fn new_session(&self, user: UserId, mfa_done: bool) -> Result<(String, SessionRecord)> {
        let token = new_token()?;
        let now = self.now();
        let lifetime = if mfa_done { Duration::hours(self.config.security.session_absolute_hours) } else { PENDING_SESSION };
        let record = SessionRecord {
            token_hash: token_hash(&token),
            user_id: user,
            created_at: now,
            last_seen_at: now,
            expires_at: now + lifetime,
            mfa_done,
            csrf_token: new_token()?,
            reauth_at: Some(now),
        };
        Ok((token, record))
    }

    async fn fail(
        &self,
        key: &str,
        prior: Option<&ThrottleState>,
        meta: &RequestMeta,
        user: Option<&UserRecord>,
        action: &str,
    ) -> ServiceError {
        let now = self.now();
        let next = after_failure(prior, now);
        let state = ThrottleRecord { failures: next.failures, last_failure_at: next.last_failure_at, locked_until: next.locked_until };
        let mut ev = self.event(None, meta, action, user.map(|u| ("user", u.id.to_string())), Outcome::Denied);
        if let Some(u) = user {
            ev.actor_user_id = Some(u.id.to_string());
            ev.actor_org_id = Some(u.organisation_id.to_string());
        }
        if next.failures > palermo_domain::signin::FREE_FAILURES {
            tracing::warn!(failures = next.failures, "repeated failed sign-in attempts from one address");
        }
        match self.store.record_failed_sign_in(key, &state, &[ev]).await {
            Ok(()) => ServiceError::SignInFailed,
            Err(e) => e.into(),
        }
    }

    /// Check a username and password. On success a new session starts (its stage says whether a
    /// second factor is still needed).
    pub async fn sign_in(&self, username: &str, password: &str, meta: &RequestMeta) -> Result<SignedIn> {
        let key = throttle_key(username, meta.client_ip);
        let prior = self.store.get_throttle(&key).await?.map(|r| to_state(&r));
        if let Err(until) = may_attempt(prior.as_ref(), self.now()) {
            return Err(ServiceError::Locked(until));
        }
        let user = match palermo_domain::values::Username::parse(username) {
            Ok(u) => self.store.user_by_username(u.as_str()).await?,
            Err(_) => None,
        };
        let ok = self.verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            other => {
                return Err(self.fail(&key, prior.as_ref(), meta, other.as_ref(), "auth.sign_in").await);
            }
        };
        let org = self.store.get_organisation(user.organisation_id).await?.ok_or(ServiceError::NotFound)?;
        let actor = actor_of(&user, org.is_operator)?;
        let demo = self.is_demo();
        let second = self.needs_second_factor(&user, &actor.roles, demo);
        let stage = match (second, user.mfa_enabled) {
            (false, _) => Stage::Complete,
            (true, true) => Stage::SecondFactor,
            (true, false) => Stage::Enrol,
        };
        let (token, session) = self.new_session(user.id, stage == Stage::Complete)?;
        let rehash = if self.hasher.needs_rehash(&user.password_hash) { Some(self.hash_password(password).await?) } else { None };
        let ev = self.event(Some(&actor), meta, "auth.sign_in", Some(("user", user.id.to_string())), Outcome::Ok);
        self.store.complete_sign_in(&key, user.id, rehash.as_deref(), &session, &[ev]).await?;
        Ok(SignedIn { token, stage })
    }

    /// Resolve a session token. Expired, idle, disabled or unknown sessions are refused alike.
    pub async fn authenticate(&self, token: &str) -> Result<Session> {
        let hash = token_hash(token);
        let now = self.now();
        let idle = Duration::minutes(self.config.security.session_idle_minutes);
        let refused =
            |c: &palermo_store::SessionContext| c.user.disabled || now >= c.session.expires_at || now - c.session.last_seen_at >= idle;
        // The session may come from the server's memory (PostgreSQL): one that looks refused is
        // read again before it is ended (a kept copy's last-seen time can be older than the row).
        let mut ctx = self.store.session_context(&hash).await?;
        if ctx.as_ref().is_some_and(refused) {
            ctx = self.store.session_context_fresh(&hash).await?;
        }
        let ctx = ctx.ok_or(ServiceError::Unauthenticated)?;
        if refused(&ctx) {
            let _ = self.store.end_session(&hash, &[]).await;
            return Err(ServiceError::Unauthenticated);
        }
        if now - ctx.session.last_seen_at >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        let actor = actor_of(&ctx.user, ctx.org_is_operator)?;
        let stage = if ctx.session.mfa_done {
            Stage::Complete
        } else if ctx.user.mfa_enabled {
            Stage::SecondFactor
        } else {
            Stage::Enrol
        };
        Ok(Session {
            token_hash: hash,
            actor,
            username: ctx.user.username,
            display_name: ctx.user.display_name,
            locale: ctx.user.locale,
            csrf_token: ctx.session.csrf_token,
            stage,
            reauth_at: ctx.session.reauth_at,
        })
    }

    fn mfa_aad(user: UserId) -> String {
        format!("user:mfa_secret:{user}")
    }

    /// The authenticator set-up for a session at the enrolment stage. The same secret is shown
    /// until it is confirmed with a code.
    pub async fn enrolment(&self, session: &Session, meta: &RequestMeta) -> Result<Enrolment> {
        if session.stage != Stage::Enrol {
            return Err(ServiceError::Forbidden);
        }
        let user = self.store.get_user(session.actor.user_id).await?.ok_or(ServiceError::Unauthenticated)?;
        let aad = Self::mfa_aad(user.id);
        let secret = match &user.mfa_secret {
            Some(ct) => self.keys.open(ct, aad.as_bytes())?.to_vec(),
            None => {
                let secret = totp::new_secret()?;
                let ct = self.keys.seal(&secret, aad.as_bytes())?;
                let ev =
                    self.event(Some(&session.actor), meta, "auth.mfa_enrolment_started", Some(("user", user.id.to_string())), Outcome::Ok);
                self.store.set_mfa_secret(user.id, Some(&ct), false, self.now(), &[ev]).await?;
                secret
            }
        };
        Ok(Enrolment { otpauth_uri: totp::otpauth_uri("Palermo", &user.username, &secret), secret_base32: totp::secret_base32(&secret) })
    }

    /// Check a one-time code for a session at the second-factor or enrolment stage. On success
    /// the session is replaced by a new, fully signed-in one; returns its token.
    pub async fn second_factor(&self, session: &Session, code: &str, meta: &RequestMeta) -> Result<String> {
        if session.stage == Stage::Complete {
            return Err(ServiceError::Forbidden);
        }
        let key = throttle_key(&session.username, meta.client_ip);
        let prior = self.store.get_throttle(&key).await?.map(|r| to_state(&r));
        if let Err(until) = may_attempt(prior.as_ref(), self.now()) {
            return Err(ServiceError::Locked(until));
        }
        let user = self.store.get_user(session.actor.user_id).await?.ok_or(ServiceError::Unauthenticated)?;
        let Some(ct) = &user.mfa_secret else {
            return Err(ServiceError::SecondFactorRequired);
        };
        let secret = self.keys.open(ct, Self::mfa_aad(user.id).as_bytes())?;
        let Some(step) = totp::verify(&secret, code, self.now().unix_timestamp(), user.mfa_last_step) else {
            let _ = self.fail(&key, prior.as_ref(), meta, Some(&user), "auth.second_factor").await;
            return Err(ServiceError::BadCode);
        };
        let (token, new) = self.new_session(user.id, true)?;
        let action = if user.mfa_enabled { "auth.second_factor" } else { "auth.mfa_enrolled" };
        let ev = self.event(Some(&session.actor), meta, action, Some(("user", user.id.to_string())), Outcome::Ok);
        match self.store.complete_mfa(user.id, step, !user.mfa_enabled, &session.token_hash, &new, &[ev]).await {
            Ok(()) => Ok(token),
            Err(palermo_store::StoreError::Replay) => Err(ServiceError::BadCode),
            Err(e) => Err(e.into()),
        }
    }

    /// Step-up: enter the password again (and a second-factor code when the account has one) to
    /// read what needs a recent authentication (the shelter location). Failures count towards
    /// the sign-in throttle and are audited.
    pub async fn reauthenticate(&self, session: &Session, password: &str, code: &str, meta: &RequestMeta) -> Result<()> {
        if session.stage != Stage::Complete {
            return Err(ServiceError::Unauthenticated);
        }
        let key = throttle_key(&session.username, meta.client_ip);
        let prior = self.store.get_throttle(&key).await?.map(|r| to_state(&r));
        if let Err(until) = may_attempt(prior.as_ref(), self.now()) {
            return Err(ServiceError::Locked(until));
        }
        let user = self.store.get_user(session.actor.user_id).await?.ok_or(ServiceError::Unauthenticated)?;
        if !self.verify_password(password, Some(user.password_hash.clone())).await? {
            let _ = self.fail(&key, prior.as_ref(), meta, Some(&user), "auth.reauthenticate").await;
            return Err(ServiceError::Invalid(vec![palermo_domain::ValidationError::new("password", "your current password")]));
        }
        let step = match (&user.mfa_secret, user.mfa_enabled) {
            (Some(ct), true) => {
                let secret = self.keys.open(ct, Self::mfa_aad(user.id).as_bytes())?;
                match totp::verify(&secret, code, self.now().unix_timestamp(), user.mfa_last_step) {
                    Some(step) => Some(step),
                    None => {
                        let _ = self.fail(&key, prior.as_ref(), meta, Some(&user), "auth.reauthenticate").await;
                        return Err(ServiceError::Invalid(vec![palermo_domain::ValidationError::new(
                            "code",
                            "the 6-digit code your authenticator app shows now (each code works once)",
                        )]));
                    }
                }
            }
            _ => None,
        };
        let ev = self.event(Some(&session.actor), meta, "auth.reauthenticate", Some(("user", user.id.to_string())), Outcome::Ok);
        match self.store.reauthenticate(&session.token_hash, user.id, step, self.now(), &[ev]).await {
            Ok(()) => Ok(()),
            Err(palermo_store::StoreError::Replay) => Err(ServiceError::Invalid(vec![palermo_domain::ValidationError::new(
                "code",
                "a code not used before: wait for the next one",
            )])),
            Err(e) => Err(e.into()),
        }
    }

    /// End a session.
    pub async fn sign_out(&self, session: &Session, meta: &RequestMeta) -> Result<()> {
        let ev = self.event(Some(&session.actor), meta, "auth.sign_out", Some(("user", session.actor.user_id.to_string())), Outcome::Ok);
        self.store.end_session(&session.token_hash, &[ev]).await?;
        Ok(())
    }
}

impl Palermo {
    /// Console enrolment (`palermo user enrol-mfa`): a new authenticator secret for `username`,
    /// stored unconfirmed. Returns what to show; confirm with [`Palermo::console_confirm_mfa`].
    pub async fn console_start_mfa(&self, username: &str) -> Result<Enrolment> {
        let user = self.store.user_by_username(&username.trim().to_lowercase()).await?.ok_or(ServiceError::NotFound)?;
        let secret = totp::new_secret()?;
        let ct = self.keys.seal(&secret, Self::mfa_aad(user.id).as_bytes())?;
        let mut ev = self.event(None, &RequestMeta::cli(), "auth.mfa_enrolment_started", Some(("user", user.id.to_string())), Outcome::Ok);
        ev.actor_user_id = Some("console".into());
        self.store.set_mfa_secret(user.id, Some(&ct), false, self.now(), &[ev]).await?;
        Ok(Enrolment { otpauth_uri: totp::otpauth_uri("Palermo", &user.username, &secret), secret_base32: totp::secret_base32(&secret) })
    }

    /// Confirm a console enrolment with a code from the authenticator.
    pub async fn console_confirm_mfa(&self, username: &str, code: &str) -> Result<()> {
        let user = self.store.user_by_username(&username.trim().to_lowercase()).await?.ok_or(ServiceError::NotFound)?;
        let Some(ct) = &user.mfa_secret else {
            return Err(ServiceError::SecondFactorRequired);
        };
        let secret = self.keys.open(ct, Self::mfa_aad(user.id).as_bytes())?;
        let step = totp::verify(&secret, code, self.now().unix_timestamp(), user.mfa_last_step).ok_or(ServiceError::BadCode)?;
        let mut ev = self.event(None, &RequestMeta::cli(), "auth.mfa_enrolled", Some(("user", user.id.to_string())), Outcome::Ok);
        ev.actor_user_id = Some("console".into());
        self.store.confirm_mfa(user.id, step, &[ev]).await.map_err(|e| match e {
            palermo_store::StoreError::Replay => ServiceError::BadCode,
            other => other.into(),
        })
    }
}
