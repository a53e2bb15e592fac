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
    /// Set when a duplicate review merged this record into another (the record kept); the
    /// record and its identity stay, so an unmerge restores it.
    pub merged_into: Option<Uuid>,
}

/// An NRM case (or an anonymous notification: `kind = anonymous_notification`, no person, no
/// stage). The stage fields mirror `palermo_domain::nrm::CaseState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: Uuid,
    /// `NRM-2026-000123` / `AN-2026-000045`, assigned by the store; empty before insertion.
    pub reference: String,
    pub kind: String,
    pub person_id: Option<Uuid>,
    pub owner_org_id: OrgId,
    pub authority_org_id: Option<OrgId>,
    pub case_worker_id: Option<UserId>,
    pub decision_maker_id: Option<UserId>,
    pub region: String,
    pub stage: Option<String>,
    pub referred_on: time::Date,
    pub rg_positive_on: Option<time::Date>,
    pub last_negative_kind: Option<String>,
    pub last_negative_told_on: Option<time::Date>,
    pub ended_from: Option<String>,
    pub deadline_kind: Option<String>,
    pub deadline_on: Option<time::Date>,
    pub sex: String,
    pub age_group: String,
    pub exploitation_form: String,
    /// Where the person was exploited (ISO 3166-1 alpha-3), if known.
    pub exploitation_country: Option<String>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// The screening a case was opened from (coded answers only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub organisation_id: OrgId,
    pub screened_by: UserId,
    pub screened_on: time::Date,
    pub population: String,
    pub exploitation_form: String,
    pub catalogue_version: String,
    pub list_id: String,
    /// Codes, comma-separated.
    pub acts: String,
    pub means: String,
    pub purposes: String,
    pub indicators: String,
    pub elements_met: bool,
    pub indicators_suggest: bool,
    pub created_at: OffsetDateTime,
}

/// One entry on a case's timeline. `detail` is JSON of coded facts; free text (reasons, views)
/// is sealed in the identity vault under `case_event:<field>:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEventRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub at: OffsetDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_org_id: Option<OrgId>,
    pub kind: String,
    pub stage_after: Option<String>,
    pub on_date: Option<time::Date>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub purpose: String,
    pub recipient_org_id: Option<OrgId>,
    pub status: String,
    pub decided_on: time::Date,
    pub form: String,
    pub interpreter_language: Option<String>,
    /// The HTCDS/IOM checklist items confirmed, comma-separated codes.
    pub checklist: String,
    pub given_by: String,
    pub recorded_by: UserId,
    /// The version of the case written together with this record: the latest consent for a
    /// purpose and recipient is the one with the highest.
    pub case_version: i64,
    pub recorded_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub reason: String,
    pub granted_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A bulk-read alert (security goal 8): `user_id` opened the identities of `people` outside
/// their caseload from `since` on, and was paused at `raised_at` until `paused_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkReadAlertRecord {
    pub id: Uuid,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub since: OffsetDateTime,
    pub raised_at: OffsetDateTime,
    pub paused_until: OffsetDateTime,
    pub people: Vec<Uuid>,
}

/// A person record whose identity was erased (security goal 19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRecord {
    pub person_id: Uuid,
    pub erased_at: OffsetDateTime,
    /// `None`: erased by the retention schedule.
    pub erased_by: Option<UserId>,
    pub request: String,
}

/// A service an organisation offers (the service directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgServiceRecord {
    pub id: Uuid,
    pub organisation_id: OrgId,
    pub kind: String,
    pub name: String,
    /// Comma-separated region codes.
    pub regions: String,
    /// Comma-separated ISO 639 codes.
    pub languages: String,
    pub ages: String,
    pub sexes: String,
    pub capacity: Option<i64>,
    pub available: Option<i64>,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A referral of a case's person from one organisation to another for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub service_id: Uuid,
    pub kind: String,
    pub sender_org_id: OrgId,
    pub recipient_org_id: OrgId,
    pub sent_by: UserId,
    pub urgent: bool,
    pub basis: String,
    pub override_reason: Option<String>,
    pub status: String,
    pub decline_reason: Option<String>,
    pub sent_at: OffsetDateTime,
    pub responded_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A proposed transfer of a case's ownership to another organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_org_id: OrgId,
    pub to_org_id: OrgId,
    pub proposed_by: UserId,
    /// Why (short operational text; no names).
    pub reason: String,
    /// `consent` or `child_rule`.
    pub basis: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub proposed_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
    pub answered_by: Option<UserId>,
    pub version: i64,
}

/// A service delivered to a case's person, recorded by the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDeliveredRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub organisation_id: OrgId,
    pub kind: String,
    pub delivered_on: time::Date,
    pub delivered_by: UserId,
    pub outcome: String,
    pub recorded_at: OffsetDateTime,
}

/// A residence status record (reflection period, permit, asylum claim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub status: String,
    pub applied_on: Option<time::Date>,
    pub valid_from: Option<time::Date>,
    pub valid_until: Option<time::Date>,
    pub authority: String,
    pub linked_decision: Option<String>,
    pub recorded_by: UserId,
    pub organisation_id: OrgId,
    pub recorded_at: OffsetDateTime,
}

/// A child's protection record (guardian, best interests, age assessment, family tracing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub on_date: time::Date,
    pub organisation_id: OrgId,
    /// JSON of coded facts.
    pub detail: String,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// A compensation or restitution claim; money in integer minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub status: String,
    pub currency: String,
    pub claimed_minor: i64,
    pub awarded_minor: Option<i64>,
    pub paid_minor: Option<i64>,
    pub filed_on: Option<time::Date>,
    pub decided_on: Option<time::Date>,
    pub paid_on: Option<time::Date>,
    pub recorded_by: UserId,
    pub organisation_id: OrgId,
    pub recorded_at: OffsetDateTime,
}

/// A risk assessment and its safety plan (coded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub assessed_on: time::Date,
    pub level: String,
    pub risk_to: String,
    pub safety_measures: String,
    pub review_on: time::Date,
    pub recorded_by: UserId,
    pub organisation_id: OrgId,
    pub recorded_at: OffsetDateTime,
}

/// A planned follow-up contact (reintegration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub path: String,
    pub due_on: time::Date,
    pub done_on: Option<time::Date>,
    pub outcome: Option<String>,
    pub organisation_id: OrgId,
    pub planned_by: UserId,
    pub created_at: OffsetDateTime,
    pub version: i64,
}

/// A support plan (HTCDS `spl_Type`); its objectives are sealed in the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportPlanRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    pub plan_type: String,
    pub status: String,
    pub organisation_id: OrgId,
    pub created_by: UserId,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub version: i64,
}

/// A support plan's action, its owner and due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTaskRecord {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub case_id: Uuid,
    pub action: String,
    pub owner_id: UserId,
    pub due_on: time::Date,
    pub done_on: Option<time::Date>,
    pub created_at: OffsetDateTime,
}

/// Which cases a list may contain: the union of the relations the caller has (see
/// `palermo_domain::access`). An empty scope matches nothing.
#[derive(Debug, Clone, Default)]
pub struct CaseScope {
    pub user: Option<Uuid>,
    /// Cases referred by this organisation.
    pub owner_org: Option<Uuid>,
    /// Cases before this competent authority.
    pub authority_org: Option<Uuid>,
    /// Cases in this region (coordinators); `all_regions` for the national operator's.
    pub region: Option<String>,
    pub all_regions: bool,
    /// Cases shared with this organisation by a live referral whose basis stands.
    pub shared_org: Option<Uuid>,
}

/// A case list counts matches up to this many; beyond it the list says "more than".
pub const CASE_COUNT_CAP: i64 = 1_000;

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub kind: Option<String>,
    pub stage: Option<String>,
    pub region: Option<String>,
    pub age_group: Option<String>,
    pub exploitation_form: Option<String>,
    /// Only cases whose deadline is on or before this date (due or overdue).
    pub deadline_by: Option<time::Date>,
    /// Only cases of this organisation (as referrer or authority).
    pub organisation: Option<Uuid>,
    /// Only cases assigned to this case worker.
    pub case_worker: Option<Uuid>,
    /// Keyset paging: only cases after this one in list order.
    pub after: Option<CaseCursor>,
}

/// Where a page of the case list ends (the list order's key of its last case). Every page
/// costs the same as the first, however deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseCursor {
    /// Most recently changed first: (updated_at, id) descending.
    Updated(OffsetDateTime, Uuid),
    /// Soonest deadline first: (deadline_on, id) ascending.
    Deadline(time::Date, Uuid),
}

/// Everything the case page reads, in one go (one pooled connection): the case, the person's
/// non-identifying row, the need-to-know facts (consents, break-glass grants), the screening,
/// the timeline, and the *ciphertexts* of the person's identity and of the decisions' reasons.
/// Nothing here is decrypted: the service decides what may be read, audits it, and only then
/// opens what it may.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: CaseRecord,
    pub person: Option<PersonRecord>,
    pub consents: Vec<ConsentRecord>,
    pub break_glass: Vec<BreakGlassRecord>,
    pub screening: Option<ScreeningRecord>,
    pub events: Vec<CaseEventRecord>,
    /// `person` entries of the case's person, `case_event` entries of its events and
    /// `support_plan` entries of its plans.
    pub sealed: Vec<VaultEntry>,
    pub referrals: Vec<ReferralRecord>,
    pub services: Vec<ServiceDeliveredRecord>,
    pub permits: Vec<PermitRecord>,
    pub child_records: Vec<ChildRecord>,
    pub claims: Vec<ClaimRecord>,
    pub risks: Vec<RiskRecord>,
    pub follow_ups: Vec<FollowUpRecord>,
    pub plans: Vec<SupportPlanRecord>,
    pub tasks: Vec<PlanTaskRecord>,
    /// Whether the case has disclosures to investigations (read with their hearings by the
    /// justice module, only when there are some).
    pub has_disclosures: bool,
}

/// Everything one generated case writes (the synthetic generator's bulk path).
#[derive(Debug, Clone)]
pub struct CaseBundle {
    pub person: Option<PersonRecord>,
    pub case: CaseRecord,
    pub screening: ScreeningRecord,
    pub events: Vec<CaseEventRecord>,
    pub consents: Vec<ConsentRecord>,
    pub vault: Vec<VaultEntry>,
}

/// A pair of persons of one organisation that the linkage crate found may be the same person,
/// and what a reviewer decided.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateCandidateRecord {
    pub id: Uuid,
    pub organisation_id: OrgId,
    /// The smaller id of the two.
    pub person_a: Uuid,
    pub person_b: Uuid,
    /// Match probability (0..1).
    pub probability: f64,
    /// The comparison levels (JSON array, one per comparison; null where a value is missing).
    pub levels: String,
    /// `open`, `merged` or `different`.
    pub status: String,
    pub found_at: OffsetDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<OffsetDateTime>,
    /// Merged: the record kept.
    pub survivor: Option<Uuid>,
    /// Merged: the cases moved from the other record to the one kept (JSON array of ids).
    pub moved_cases: Option<String>,
    pub version: i64,
}

/// An e-mail notification waiting to be sent (or sent). Names the recipient user, never an
/// address; subject and body hold no identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: Uuid,
    pub recipient_user_id: UserId,
    /// `referral_received`, `referral_answered`, `transfer_offered`.
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent`, `failed` (gave up after retries) or `no_address`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}
