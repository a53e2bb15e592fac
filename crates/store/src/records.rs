//! What the store reads and writes. Plain data; the service turns it into domain types.

use palermo_domain::ids::{OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub region: String,
    pub is_operator: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub organisation_id: OrgId,
    pub username: String,
    pub display_name: String,
    /// Role codes, comma-separated.
    pub roles: String,
    pub password_hash: String,
    pub locale: Option<String>,
    pub disabled: bool,
    /// The TOTP secret, encrypted with the key ring (associated data `user:mfa_secret:<id>`).
    pub mfa_secret: Option<Vec<u8>>,
    pub mfa_enabled: bool,
    pub mfa_last_step: Option<i64>,
    /// Set only on demo instances, so demo users can sign in without an authenticator.
    pub mfa_exempt: bool,
    pub password_changed_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("organisation_id", &self.organisation_id)
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("disabled", &self.disabled)
            .field("mfa_enabled", &self.mfa_enabled)
            .finish_non_exhaustive()
    }
}

/// One encrypted identity value of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultEntry {
    pub record_type: String,
    pub record_id: Uuid,
    pub field: String,
    pub ciphertext: Vec<u8>,
    pub key_id: i64,
    pub blind_index: Option<Vec<u8>>,
    pub updated_at: OffsetDateTime,
}

/// Where a ciphertext lives, for key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiphertextPlace {
    Vault { record_type: String, record_id: Uuid, field: String },
    MfaSecret { user: UserId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ciphertext {
    pub place: CiphertextPlace,
    pub ciphertext: Vec<u8>,
    pub key_id: i64,
}

impl CiphertextPlace {
    /// The associated data the ciphertext is bound to.
    pub fn aad(&self) -> String {
        match self {
            CiphertextPlace::Vault { record_type, record_id, field } => format!("{record_type}:{field}:{record_id}"),
            CiphertextPlace::MfaSecret { user } => format!("user:mfa_secret:{user}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleRecord {
    pub failures: i64,
    pub last_failure_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the session token; the token itself is only in the browser's cookie.
    pub token_hash: Vec<u8>,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Whether the second factor was completed (or is not required) for this session.
    pub mfa_done: bool,
    pub csrf_token: String,
    pub reauth_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRecord").field("user_id", &self.user_id).field("mfa_done", &self.mfa_done).finish_non_exhaustive()
    }
}

/// A session with its user and the user's organisation flag, read in one query per request.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub org_is_operator: bool,
}

/// A person's non-identifying fields (identity values live in the identity vault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: Uuid,
    /// Pseudonymous reference (`P-2026-000123`), assigned by the store; empty before insertion.
    pub reference: String,
    pub organisation_id: OrgId,
    pub created_by: UserId,
    pub sex: String,
    pub age_at_identification: Option<i32>,
    pub age_group: String,
    /// ISO 3166-1 alpha-3 codes, comma-separated.
    pub citizenships: String,
    /// ISO 639 codes, comma-separated.
    pub languages: String,
    pub migration_status: Option<String>,
    pub created_at: OffsetDateTime,
}
