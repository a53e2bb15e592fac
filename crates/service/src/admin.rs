//! Organisations and users: the directory and its administration.

use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::org::{OrgType, Region, Sector};
use palermo_domain::policy::{Action, Actor, authorize};
use palermo_domain::role::{Role, Roles};
use palermo_domain::values::{Name, NewPassword, Username};
use palermo_store::{OrgRecord, UserRecord, VaultEntry};
use serde::Serialize;

/// Who is calling a use case: a signed-in user, or the person at the server's console (the
/// `palermo` command line, who already holds the database and the key file). Both are audited.
#[derive(Debug, Clone)]
pub enum Caller {
    User(Actor),
    Console,
}

impl Caller {
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Caller::User(a) => Some(a),
            Caller::Console => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub id: OrgId,
    pub name: String,
    pub org_type: OrgType,
    pub sector: Sector,
    pub region: String,
    pub is_operator: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub organisation_id: OrgId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub second_factor: bool,
}

/// A user with their contact details (decrypted; reading them is audited).
#[derive(Debug, Clone, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserView,
    pub contact: Option<String>,
}

/// A new organisation as typed into a form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub region: String,
}

/// A new user as typed into a form or sent to the API. Roles are codes.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub organisation_id: String,
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub password: String,
    #[serde(default)]
    pub contact: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser").field("username", &self.username).finish_non_exhaustive()
    }
}

fn org_view(r: &OrgRecord) -> Result<OrgView> {
    Ok(OrgView {
        id: r.id,
        name: r.name.clone(),
        org_type: OrgType::from_code(&r.org_type).ok_or_else(|| ServiceError::Internal(format!("organisation {}: org_type", r.id)))?,
        sector: Sector::from_code(&r.sector).ok_or_else(|| ServiceError::Internal(format!("organisation {}: sector", r.id)))?,
        region: r.region.clone(),
        is_operator: r.is_operator,
    })
}

fn user_view(r: &UserRecord) -> Result<UserView> {
    let roles = Roles::from_stored(&r.roles).map_err(|e| ServiceError::Internal(format!("user {}: {e}", r.id)))?;
    Ok(UserView {
        id: r.id,
        organisation_id: r.organisation_id,
        username: r.username.clone(),
        display_name: r.display_name.clone(),
        roles: roles.iter().collect(),
        disabled: r.disabled,
        second_factor: r.mfa_enabled,
    })
}

/// Collect every field error of a form, not just the first.
struct Errors(Vec<ValidationError>);
impl Errors {
    fn take<T>(&mut self, r: std::result::Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
}

pub(crate) const CONTACT_FIELD: &str = "contact";

impl Palermo {
    pub(crate) async fn check(&self, caller: &Caller, action: Action, meta: &RequestMeta, object: Option<(&str, String)>) -> Result<()> {
        match caller {
            Caller::Console => Ok(()),
            Caller::User(actor) => match authorize(actor, action) {
                Ok(()) => Ok(()),
                Err(why) => Err(self.denied(actor, meta, action.code(), object, why).await),
            },
        }
    }

    fn caller_event(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        action: &str,
        object: Option<(&str, String)>,
    ) -> palermo_domain::audit::AuditEvent {
        let mut ev = self.event(caller.actor(), meta, action, object, Outcome::Ok);
        if matches!(caller, Caller::Console) {
            ev.actor_user_id = Some("console".into());
        }
        ev
    }

    pub async fn create_organisation(&self, caller: &Caller, input: &NewOrganisation, meta: &RequestMeta) -> Result<OrgView> {
        self.check(caller, Action::CreateOrganisation, meta, None).await?;
        self.insert_organisation(caller, input, false, meta).await
    }

    pub(crate) async fn insert_organisation(
        &self,
        caller: &Caller,
        input: &NewOrganisation,
        is_operator: bool,
        meta: &RequestMeta,
    ) -> Result<OrgView> {
        let mut errs = Errors(Vec::new());
        let name = errs.take(Name::parse("name", &input.name, 200));
        let org_type = errs.take(OrgType::parse(&input.org_type));
        let sector = errs.take(Sector::parse(&input.sector));
        let region = errs.take(Region::parse("region", &input.region));
        let (Some(name), Some(org_type), Some(sector), Some(region)) = (name, org_type, sector, region) else {
            return Err(ServiceError::Invalid(errs.0));
        };
        let (id, _) = self.new_ids()?;
        let record = OrgRecord {
            id,
            name: name.into_string(),
            org_type: org_type.code().into(),
            sector: sector.code().into(),
            region: region.as_str().into(),
            is_operator,
            created_at: self.now(),
        };
        let ev = self.caller_event(caller, meta, Action::CreateOrganisation.code(), Some(("organisation", id.to_string())));
        self.store.insert_organisation(&record, &[ev]).await?;
        org_view(&record)
    }

    pub async fn list_organisations(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<OrgView>> {
        self.check(caller, Action::ListOrganisations, meta, None).await?;
        self.store.list_organisations().await?.iter().map(org_view).collect()
    }

    /// Parse an id from a path; a malformed id is answered like a missing one.
    fn parse_org(id: &str) -> Result<OrgId> {
        OrgId::parse(id).ok_or(ServiceError::NotFound)
    }

    pub async fn organisation(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<OrgView> {
        let id = Self::parse_org(id)?;
        self.check(caller, Action::ViewOrganisation { org: id }, meta, Some(("organisation", id.to_string()))).await?;
        let org = self.store.get_organisation(id).await?.ok_or(ServiceError::NotFound)?;
        org_view(&org)
    }

    pub async fn create_user(&self, caller: &Caller, input: &NewUser, meta: &RequestMeta) -> Result<UserView> {
        self.create_user_inner(caller, input, false, meta).await
    }

    /// Create the organisation that runs the platform (console only; the first step of a new
    /// installation). Its administrators administer every organisation.
    pub async fn create_operator_organisation(&self, input: &NewOrganisation, meta: &RequestMeta) -> Result<OrgView> {
        self.insert_organisation(&Caller::Console, input, true, meta).await
    }

    pub(crate) async fn create_user_inner(
        &self,
        caller: &Caller,
        input: &NewUser,
        mfa_exempt: bool,
        meta: &RequestMeta,
    ) -> Result<UserView> {
        let mut errs = Errors(Vec::new());
        let org = OrgId::parse(input.organisation_id.trim());
        if org.is_none() {
            errs.0.push(ValidationError::new("organisation_id", "an organisation from the list"));
        }
        if let Some(org) = org {
            self.check(caller, Action::CreateUser { org }, meta, Some(("organisation", org.to_string()))).await?;
        }
        let username = errs.take(Username::parse(&input.username));
        let display = errs.take(Name::parse("display_name", &input.display_name, 120));
        let roles = errs.take(Roles::parse(input.roles.iter().map(String::as_str)));
        let password = errs.take(NewPassword::parse(&input.password));
        let contact = input.contact.trim();
        if contact.chars().count() > 200 || contact.chars().any(char::is_control) {
            errs.0.push(ValidationError::new("contact", "an e-mail address or telephone number of at most 200 characters"));
        }
        let (Some(org), Some(username), Some(display), Some(roles), Some(password)) = (org, username, display, roles, password) else {
            return Err(ServiceError::Invalid(errs.0));
        };
        if !errs.0.is_empty() {
            return Err(ServiceError::Invalid(errs.0));
        }
        for role in roles.iter() {
            self.check(caller, Action::GrantRole { org, role }, meta, Some(("organisation", org.to_string()))).await?;
        }
        if self.store.get_organisation(org).await?.is_none() {
            return Err(ServiceError::Invalid(vec![ValidationError::new("organisation_id", "an organisation from the list")]));
        }
        let hash = self.hash_password(password.expose()).await?;
        let (_, id) = self.new_ids()?;
        let now = self.now();
        let record = UserRecord {
            id,
            organisation_id: org,
            username: username.as_str().into(),
            display_name: display.into_string(),
            roles: roles.to_stored(),
            password_hash: hash,
            locale: None,
            disabled: false,
            mfa_secret: None,
            mfa_enabled: false,
            mfa_last_step: None,
            mfa_exempt,
            password_changed_at: now,
            created_at: now,
            updated_at: now,
        };
        let vault = if contact.is_empty() { Vec::new() } else { vec![self.seal_field("user", id.0, CONTACT_FIELD, contact, true)?] };
        let ev = self.caller_event(caller, meta, Action::CreateUser { org }.code(), Some(("user", id.to_string())));
        self.store.insert_user(&record, &vault, &[ev]).await?;
        user_view(&record)
    }

    /// Encrypt one identity value for the vault, bound to its record and field; optionally with
    /// a blind index for exact search.
    pub(crate) fn seal_field(
        &self,
        record_type: &str,
        record_id: uuid::Uuid,
        field: &str,
        value: &str,
        searchable: bool,
    ) -> Result<VaultEntry> {
        let aad = format!("{record_type}:{field}:{record_id}");
        Ok(VaultEntry {
            record_type: record_type.into(),
            record_id,
            field: field.into(),
            ciphertext: self.keys.seal(value.as_bytes(), aad.as_bytes())?,
            key_id: i64::from(self.keys.active_key_id()),
            blind_index: searchable.then(|| self.keys.blind_index(&format!("{record_type}.{field}"), value)),
            updated_at: self.now(),
        })
    }

    pub async fn list_users(&self, caller: &Caller, org: &str, meta: &RequestMeta) -> Result<Vec<UserView>> {
        let org = Self::parse_org(org)?;
        self.check(caller, Action::ListUsers { org }, meta, Some(("organisation", org.to_string()))).await?;
        if self.store.get_organisation(org).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        self.store.list_users(Some(org)).await?.iter().map(user_view).collect()
    }

    /// Load a user the caller may see for `action`; a missing or hidden user is the same 404,
    /// and both are recorded as denied.
    async fn visible_user(
        &self,
        caller: &Caller,
        id: &str,
        meta: &RequestMeta,
        action: impl Fn(OrgId, UserId) -> Action,
    ) -> Result<UserRecord> {
        let parsed = UserId::parse(id);
        let user = match parsed {
            Some(id) => self.store.get_user(id).await?,
            None => None,
        };
        let Some(user) = user else {
            if let Caller::User(actor) = caller {
                let object = parsed.map(|p| ("user", p.to_string()));
                return Err(self
                    .denied(actor, meta, action(actor.org_id, actor.user_id).code(), object, palermo_domain::policy::Denied::Hidden)
                    .await);
            }
            return Err(ServiceError::NotFound);
        };
        self.check(caller, action(user.organisation_id, user.id), meta, Some(("user", user.id.to_string()))).await?;
        Ok(user)
    }

    /// One user, with their contact details decrypted. The read is audited before anything is
    /// returned; if the audit entry cannot be written, nothing is.
    pub async fn user(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<UserDetail> {
        let user = self.visible_user(caller, id, meta, |org, user| Action::ViewUser { org, user }).await?;
        let vault = self.store.vault_get("user", user.id.0).await?;
        let mut ev = self.caller_event(caller, meta, "user.view", Some(("user", user.id.to_string())));
        ev.section = Some("contact".into());
        self.audit_read(ev).await?;
        let contact = match vault.iter().find(|v| v.field == CONTACT_FIELD) {
            Some(v) => {
                let aad = format!("user:{CONTACT_FIELD}:{}", user.id);
                Some(String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned())
            }
            None => None,
        };
        Ok(UserDetail { user: user_view(&user)?, contact })
    }

    /// Users whose contact equals `contact` (exact match through the blind index).
    pub async fn find_users_by_contact(&self, caller: &Caller, contact: &str, meta: &RequestMeta) -> Result<Vec<UserView>> {
        let index = self.keys.blind_index("user.contact", contact);
        let mut out = Vec::new();
        for id in self.store.vault_find("user", CONTACT_FIELD, &index).await? {
            if let Some(u) = self.store.get_user(UserId(id)).await?
                && let Ok(()) = match caller {
                    Caller::Console => Ok(()),
                    Caller::User(a) => authorize(a, Action::ViewUser { org: u.organisation_id, user: u.id }),
                }
            {
                out.push(user_view(&u)?);
            }
        }
        let ev = self.caller_event(caller, meta, "user.search_by_contact", None);
        self.audit_read(ev).await?;
        Ok(out)
    }

    pub async fn set_user_disabled(&self, caller: &Caller, id: &str, disabled: bool, meta: &RequestMeta) -> Result<UserView> {
        let user = self.visible_user(caller, id, meta, |org, user| Action::ManageUser { org, user }).await?;
        let action = if disabled { "user.disable" } else { "user.enable" };
        let ev = self.caller_event(caller, meta, action, Some(("user", user.id.to_string())));
        self.store.set_user_disabled(user.id, disabled, self.now(), &[ev]).await?;
        let mut view = user_view(&user)?;
        view.disabled = disabled;
        Ok(view)
    }

    pub async fn reset_password(&self, caller: &Caller, id: &str, new_password: &str, meta: &RequestMeta) -> Result<()> {
        let user = self.visible_user(caller, id, meta, |org, user| Action::ManageUser { org, user }).await?;
        let password = NewPassword::parse(new_password)?;
        let hash = self.hash_password(password.expose()).await?;
        let ev = self.caller_event(caller, meta, "user.reset_password", Some(("user", user.id.to_string())));
        self.store.set_password(user.id, &hash, self.now(), &[ev]).await?;
        Ok(())
    }

    /// Forget a user's authenticator; they enrol a new one at their next sign-in. Ends their
    /// sessions.
    pub async fn reset_second_factor(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<()> {
        let user = self.visible_user(caller, id, meta, |org, user| Action::ManageUser { org, user }).await?;
        let ev = self.caller_event(caller, meta, "user.reset_second_factor", Some(("user", user.id.to_string())));
        self.store.set_mfa_secret(user.id, None, false, self.now(), &[ev]).await?;
        Ok(())
    }

    /// All users (console only: `palermo user list`).
    pub async fn all_users(&self) -> Result<Vec<UserView>> {
        self.store.list_users(None).await?.iter().map(user_view).collect()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserView>> {
        self.store.user_by_username(&username.trim().to_lowercase()).await?.as_ref().map(user_view).transpose()
    }

    /// Number of open sessions of a user (for tests and the admin page).
    pub async fn session_count(&self, id: UserId) -> Result<i64> {
        Ok(self.store.sessions_of(id).await?)
    }
}
