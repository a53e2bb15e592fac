//! Persons: recording a presumed victim with a pseudonymous reference, reading the record
//! (identity reads audited), and exact search by reference or name through the blind index.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::person::{AgeGroup, Gender, MigrationStatus, parse_age, parse_citizenships, parse_date_of_birth, parse_languages};
use palermo_domain::policy::Action;
use palermo_domain::values::Name;
use palermo_store::PersonRecord;
use serde::Serialize;
use uuid::Uuid;

/// Identity fields searchable by exact value through a keyed blind index (all identity fields are
/// encrypted in the identity vault; aliases, date of birth, documents, contacts and address are not
/// searchable).
const SEARCHABLE: [&str; 4] = ["given_name", "family_name", "full_name", "name_native"];

/// A new person as typed into a form or sent to the API.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewPerson {
    pub given_name: String,
    pub family_name: String,
    pub name_native: String,
    pub aliases: String,
    pub date_of_birth: String,
    pub documents: String,
    pub contacts: String,
    pub address: String,
    pub sex: String,
    pub age_at_identification: String,
    pub citizenships: String,
    pub languages: String,
    pub migration_status: String,
}

impl std::fmt::Debug for NewPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPerson(…)")
    }
}

/// What anyone allowed to see the record sees without reading identity.
#[derive(Debug, Clone, Serialize)]
pub struct PersonSummary {
    pub id: Uuid,
    pub reference: String,
    pub sex: String,
    pub age_at_identification: Option<i32>,
    pub age_group: String,
    pub citizenships: Vec<String>,
    pub languages: Vec<String>,
    pub migration_status: Option<String>,
    /// Set when a duplicate review merged this record into another (the record kept).
    pub merged_into: Option<Uuid>,
    /// That record's reference (filled where a person's page is read).
    pub merged_into_reference: Option<String>,
}

/// The identity values (decrypted for this read, which is audited).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Identity {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub name_native: Option<String>,
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub documents: Option<String>,
    pub contacts: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub summary: PersonSummary,
    pub identity: Identity,
    /// When the identity was erased on request (docs/SECURITY.md, goal 19), if it was.
    pub identity_erased_on: Option<String>,
    /// The cases about this person that the reader may open (need-to-know per case), in the
    /// order they were referred: the person's history in the NRM.
    pub cases: Vec<PersonCase>,
}

/// A case about a person, as the person's record lists it (no identity).
#[derive(Debug, Clone, Serialize)]
pub struct PersonCase {
    pub id: Uuid,
    pub reference: String,
    pub kind: String,
    pub stage: Option<String>,
    pub referred_on: String,
}

fn split(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn summary(p: &PersonRecord) -> PersonSummary {
    PersonSummary {
        id: p.id,
        reference: p.reference.clone(),
        sex: p.sex.clone(),
        age_at_identification: p.age_at_identification,
        age_group: p.age_group.clone(),
        citizenships: split(&p.citizenships),
        languages: split(&p.languages),
        migration_status: p.migration_status.clone(),
        merged_into: p.merged_into,
        merged_into_reference: None,
    }
}

fn optional_text(field: &'static str, s: &str, max: usize, errs: &mut Vec<ValidationError>) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match Name::parse(field, t, max) {
        Ok(n) => Some(n.into_string()),
        Err(e) => {
            errs.push(e);
            None
        }
    }
}

/// A reference as people write it: `P-2026-000123` (case and spaces forgiven).
fn as_reference(q: &str) -> Option<String> {
    let r = q.trim().to_uppercase();
    let parts: Vec<&str> = r.split('-').collect();
    match parts.as_slice() {
        ["P", y, n] if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            Some(r)
        }
        _ => None,
    }
}

impl Palermo {
    pub async fn create_person(&self, caller: &Caller, input: &NewPerson, meta: &RequestMeta) -> Result<PersonSummary> {
        self.check(caller, Action::CreatePerson, meta, None).await?;
        let Caller::User(actor) = caller else { return Err(ServiceError::Forbidden) };
        let mut errs = Vec::new();
        let given = optional_text("given_name", &input.given_name, 200, &mut errs);
        let family = optional_text("family_name", &input.family_name, 200, &mut errs);
        let native = optional_text("name_native", &input.name_native, 200, &mut errs);
        let aliases = optional_text("aliases", &input.aliases, 500, &mut errs);
        let documents = optional_text("documents", &input.documents, 500, &mut errs);
        let contacts = optional_text("contacts", &input.contacts, 500, &mut errs);
        let address = optional_text("address", &input.address, 500, &mut errs);
        if given.is_none() && family.is_none() && native.is_none() && errs.is_empty() {
            errs.push(ValidationError::new("family_name", "at least one name (given, family or in the person's own script)"));
        }
        let dob = parse_date_of_birth(&input.date_of_birth, self.now().date()).map_err(|e| errs.push(e)).ok().flatten();
        let sex = Gender::parse(&input.sex).map_err(|e| errs.push(e)).ok();
        let age = parse_age(&input.age_at_identification).map_err(|e| errs.push(e)).ok().flatten();
        let citizenships = parse_citizenships(&input.citizenships).map_err(|e| errs.push(e)).unwrap_or_default();
        let languages = parse_languages(&input.languages).map_err(|e| errs.push(e)).unwrap_or_default();
        let migration = if input.migration_status.trim().is_empty() {
            None
        } else {
            MigrationStatus::parse(&input.migration_status).map_err(|e| errs.push(e)).ok()
        };
        let Some(sex) = sex else { return Err(ServiceError::Invalid(errs)) };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let (_, uid) = self.new_ids()?;
        let id = uid.0;
        let record = PersonRecord {
            id,
            reference: String::new(),
            organisation_id: actor.org_id,
            created_by: actor.user_id,
            sex: sex.code().into(),
            age_at_identification: age,
            age_group: AgeGroup::of(age).code().into(),
            citizenships: citizenships.join(","),
            languages: languages.join(","),
            migration_status: migration.map(|m| m.code().to_owned()),
            created_at: self.now(),
            merged_into: None,
        };
        let full = match (&given, &family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            _ => None,
        };
        let values: [(&str, &Option<String>); 9] = [
            ("given_name", &given),
            ("family_name", &family),
            ("full_name", &full),
            ("name_native", &native),
            ("aliases", &aliases),
            ("date_of_birth", &dob),
            ("documents", &documents),
            ("contacts", &contacts),
            ("address", &address),
        ];
        let mut vault = Vec::new();
        for (field, value) in values {
            if let Some(v) = value {
                vault.push(self.seal_field("person", id, field, v, SEARCHABLE.contains(&field))?);
            }
        }
        let prefix = format!("P-{}", self.now().year());
        let mut ev = self.event(
            Some(actor),
            meta,
            Action::CreatePerson.code(),
            Some(("person", id.to_string())),
            palermo_domain::audit::Outcome::Ok,
        );
        ev.section = Some("identity".into());
        let reference = self.store.insert_person(&record, &prefix, &vault, &[ev]).await?;
        Ok(summary(&PersonRecord { reference, ..record }))
    }

    /// A person's record with identity. Missing and not-allowed are the same 404, both audited
    /// as denied; an allowed read is audited before anything is returned.
    pub async fn person(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<PersonDetail> {
        let Caller::User(actor) = caller else { return Err(ServiceError::Forbidden) };
        let parsed = Uuid::parse_str(id.trim()).ok();
        let record = match parsed {
            Some(u) => self.store.get_person(u).await?,
            None => None,
        };
        let object = parsed.map(|u| ("person", u.to_string()));
        let Some(record) = record else {
            return Err(self.denied(actor, meta, "person.view", object, palermo_domain::policy::Denied::Hidden).await);
        };
        self.check(caller, Action::ViewPerson { org: record.organisation_id }, meta, object).await?;
        let cases = self.store.get_cases(&self.store.cases_of_person(record.id).await?).await?;
        let me = Some(actor.user_id);
        // Within the caseload: the person was registered by the reader, or one of their cases
        // is the reader's own (assigned, decided or referred by them).
        let within = Some(record.created_by) == me
            || cases.iter().any(|c| c.case_worker_id == me || c.decision_maker_id == me || Some(c.created_by) == me);
        self.watch_identity_read(actor, record.id, within, "person.view", ("person", record.id.to_string()), meta).await?;
        let mut ev =
            self.event(Some(actor), meta, "person.view", Some(("person", record.id.to_string())), palermo_domain::audit::Outcome::Ok);
        ev.section = Some("identity".into());
        self.audit_read(ev).await?;
        let mut detail = self.person_detail(&record).await?;
        detail.identity_erased_on = self.erased_on(record.id).await?;
        if let Some(kept) = record.merged_into {
            detail.summary.merged_into_reference = self.store.get_person(kept).await?.map(|k| k.reference);
        }
        detail.cases = self.cases_of_person_for(actor, cases).await?;
        Ok(detail)
    }

    /// The cases about a person that `actor` may read the summary of, oldest referral first.
    /// Each is checked as the case page checks it (a case handed to another organisation, or
    /// out of the reader's region, is left out); nothing is audited, as a case list is not.
    async fn cases_of_person_for(
        &self,
        actor: &palermo_domain::policy::Actor,
        mut cases: Vec<palermo_store::CaseRecord>,
    ) -> Result<Vec<PersonCase>> {
        use palermo_domain::access::{CaseOp, Section};
        cases.sort_by(|a, b| (a.referred_on, &a.reference).cmp(&(b.referred_on, &b.reference)));
        let mut out = Vec::with_capacity(cases.len());
        let region = self.org_region(actor).await?;
        for c in cases {
            let (facts, _) = self.facts(&c).await?;
            if Self::case_allows_in(actor, &region, &facts, CaseOp::Read(Section::Summary)).is_ok() {
                out.push(PersonCase {
                    id: c.id,
                    reference: c.reference,
                    kind: c.kind,
                    stage: c.stage,
                    referred_on: crate::cases::fmt_date(c.referred_on),
                });
            }
        }
        Ok(out)
    }

    async fn person_detail(&self, record: &PersonRecord) -> Result<PersonDetail> {
        let sealed = self.store.vault_get("person", record.id).await?;
        self.person_detail_from(record, &sealed)
    }

    /// Open a person's identity from its vault entries (the caller has audited the read).
    pub(crate) fn person_detail_from(&self, record: &PersonRecord, sealed: &[palermo_store::VaultEntry]) -> Result<PersonDetail> {
        let mut identity = Identity::default();
        for v in sealed.iter().filter(|v| v.record_id == record.id) {
            let aad = format!("person:{}:{}", v.field, record.id);
            let plain = String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned();
            match v.field.as_str() {
                "given_name" => identity.given_name = Some(plain),
                "family_name" => identity.family_name = Some(plain),
                "name_native" => identity.name_native = Some(plain),
                "aliases" => identity.aliases = Some(plain),
                "date_of_birth" => identity.date_of_birth = Some(plain),
                "documents" => identity.documents = Some(plain),
                "contacts" => identity.contacts = Some(plain),
                "address" => identity.address = Some(plain),
                _ => {}
            }
        }
        Ok(PersonDetail { summary: summary(record), identity, identity_erased_on: None, cases: Vec::new() })
    }

    /// Persons matching a reference (`P-2026-000123`) or an exact name (given, family, both, or
    /// in the person's own script; case and accents ignored), among those the caller may see.
    /// The search is audited; the searched text is not written anywhere.
    pub async fn search_persons(&self, caller: &Caller, query: &str, meta: &RequestMeta) -> Result<Vec<PersonSummary>> {
        self.check(caller, Action::SearchPersons, meta, None).await?;
        let Caller::User(actor) = caller else { return Err(ServiceError::Forbidden) };
        let q = query.trim();
        if q.chars().count() < 2 || q.chars().count() > 200 {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "query",
                "a reference such as P-2026-000123, or a full given or family name",
            )]));
        }
        let mut ids: Vec<Uuid> = Vec::new();
        if let Some(reference) = as_reference(q) {
            if let Some(p) = self.store.person_by_reference(&reference).await? {
                ids.push(p.id);
            }
        } else {
            for field in SEARCHABLE {
                let index = self.keys.blind_index(&format!("person.{field}"), q);
                for id in self.store.vault_find("person", field, &index).await? {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(p) = self.store.get_person(id).await?
                && palermo_domain::policy::authorize(actor, Action::ViewPerson { org: p.organisation_id }).is_ok()
            {
                out.push(summary(&p));
            }
        }
        let mut ev = self.event(Some(actor), meta, "person.search", None, palermo_domain::audit::Outcome::Ok);
        ev.purpose = Some(format!("{} result(s)", out.len()));
        self.audit_read(ev).await?;
        Ok(out)
    }

    /// The newest persons recorded by the caller's organisation (no identity).
    pub async fn recent_persons(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<PersonSummary>> {
        self.check(caller, Action::SearchPersons, meta, None).await?;
        let Caller::User(actor) = caller else { return Err(ServiceError::Forbidden) };
        Ok(self.store.persons_of(actor.org_id, 50).await?.iter().map(summary).collect())
    }
}
