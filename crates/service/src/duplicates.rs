//! Duplicate review (issue 7, in the application): the linkage crate looks for pairs of persons
//! within each organisation's register who may be the same person; a reviewer of that
//! organisation sees both records side by side with the fields that agreed and disagreed and
//! decides: "same person" merges them (the other record's cases move to the record kept; both
//! records and their identities stay, so an unmerge restores them exactly), "different" is
//! remembered and not offered again. Every step is audited; opening a pair reads both
//! identities and is audited as such.
//!
//! Need-to-know: candidates never cross organisations (a person's identity is the recording
//! organisation's to read); cross-border and cross-organisation matching without sharing names
//! is the privacy-preserving CLK mode (`palermo link encode` / `link match`).

use crate::admin::Caller;
use crate::minute_utc as stamp;
use crate::persons::{Identity, PersonSummary};
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::{Action, Actor};
use palermo_linkage::compare::{COMPARISONS, Vector, compare};
use palermo_linkage::record::{Prepared, Record};
use palermo_store::{DuplicateCandidateRecord, PersonRecord};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// From this many persons in a register the model is learned from the register itself; below,
/// the shipped model is used (EM needs enough pairs to separate matches from non-matches).
pub const LEARN_FROM: usize = 20_000;

/// Candidate pairs shown on one page at most (open, and decided).
const LIST_LIMIT: i64 = 200;

/// How one field of the pair compared.
#[derive(Debug, Clone, Serialize)]
pub struct FieldComparison {
    /// The linkage field name (`given_name`, `date_of_birth`, …).
    pub field: &'static str,
    /// The comparison level's label (`exact`, `day and month swapped`, …); none when a value is
    /// missing on either side.
    pub level: Option<&'static str>,
    /// `agrees`, `close`, `differs` or `missing`.
    pub verdict: &'static str,
}

/// A candidate pair as listed (no identity).
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateSummary {
    pub id: Uuid,
    /// Match probability in percent, rounded down.
    pub probability_percent: u32,
    /// `open`, `merged` or `different`.
    pub status: String,
    pub a_reference: String,
    pub b_reference: String,
    /// Merged: the reference of the record kept.
    pub kept_reference: Option<String>,
    pub comparisons: Vec<FieldComparison>,
    pub found_at: String,
    pub decided_at: Option<String>,
    pub version: i64,
}

/// One record of the pair, as the reviewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateSide {
    #[serde(flatten)]
    pub person: PersonSummary,
    pub identity: Identity,
    pub recorded_on: String,
    /// References of the cases about this person.
    pub cases: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DuplicateDetail {
    #[serde(flatten)]
    pub summary: DuplicateSummary,
    pub a: DuplicateSide,
    pub b: DuplicateSide,
    /// The names were compared crossed: one record has the given and family name the other way
    /// round, so "given name agrees" means one's given name agrees with the other's family name.
    pub names_crossed: bool,
}

/// A reviewer's decision, from the form or the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicateDecision {
    /// `same` (merge), `different`, or `unmerge`.
    pub decision: String,
    /// For `same`: the reference of the record to keep (the other is merged into it).
    pub keep: String,
    /// The version of the pair the reviewer saw.
    pub version: String,
}

/// What one search for duplicates did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshReport {
    pub organisations: usize,
    pub persons: usize,
    pub candidates: usize,
}

/// The date-of-birth levels of pairs stored before the linkage model's format 2 (stored levels
/// are a plain JSON array then; since, an object with the format): a decision's record keeps
/// reading as the reviewer saw it.
const DATE_OF_BIRTH_LEVELS_V1: &[&str] = &["exact", "day and month swapped", "same year, month or day differ", "year +/- 1", "different"];

/// The stored form of a pair's comparison levels.
#[derive(Serialize, Deserialize)]
struct StoredLevels {
    format: u8,
    levels: Vec<Option<u8>>,
}

fn stored_levels(v: &Vector) -> String {
    serde_json::to_string(&StoredLevels { format: 2, levels: v.to_vec() }).unwrap_or_else(|_| "[]".into())
}

fn labels_of(field: usize, format: u8) -> &'static [&'static str] {
    match (field, format) {
        (palermo_linkage::compare::DOB, 1) => DATE_OF_BIRTH_LEVELS_V1,
        _ => COMPARISONS.get(field).map(|c| c.1).unwrap_or(&[]),
    }
}

fn verdict(field: usize, level: Option<u8>, labels: &[&str]) -> &'static str {
    let last = labels.len().saturating_sub(1);
    let name = field == palermo_linkage::compare::GIVEN || field == palermo_linkage::compare::FAMILY;
    match level.map(usize::from) {
        None => "missing",
        // names: exact or transliteration-equal agree (Mohammed / Muhammad)
        Some(0) => "agrees",
        Some(1) if name => "agrees",
        Some(l) if l < last => "close",
        Some(_) => "differs",
    }
}

fn comparisons_of(levels: &str) -> Vec<FieldComparison> {
    let (format, parsed) = match serde_json::from_str::<StoredLevels>(levels) {
        Ok(s) => (s.format, s.levels),
        Err(_) => (1, serde_json::from_str::<Vec<Option<u8>>>(levels).unwrap_or_default()),
    };
    COMPARISONS
        .iter()
        .enumerate()
        .filter(|(i, _)| parsed.len() > *i)
        .map(|(i, (field, _))| {
            let labels = labels_of(i, format);
            let level = parsed.get(i).copied().flatten();
            FieldComparison { field, level: level.and_then(|l| labels.get(usize::from(l)).copied()), verdict: verdict(i, level, labels) }
        })
        .collect()
}

/// The linkage record of a person: the identity's names (the own-script name split into given
/// and family when no Latin-script name was recorded), date of birth, sex, first citizenship and
/// the contacts' phone number.
fn linkage_record(p: &PersonRecord, identity: &Identity) -> Record {
    let (mut given, mut family) = (identity.given_name.clone(), identity.family_name.clone());
    if given.is_none()
        && family.is_none()
        && let Some(native) = &identity.name_native
    {
        let mut words = native.split_whitespace();
        given = words.next().map(str::to_owned);
        let rest: Vec<&str> = words.collect();
        family = (!rest.is_empty()).then(|| rest.join(" "));
    }
    Record {
        id: p.id.to_string(),
        given_name: given,
        family_name: family,
        sex: Some(p.sex.clone()),
        date_of_birth: identity.date_of_birth.clone(),
        nationality: p.citizenships.split(',').next().filter(|c| !c.is_empty()).map(str::to_owned),
        place_of_birth: None,
        phone: identity.contacts.clone(),
    }
}

impl Palermo {
    /// Search every organisation's register for possible duplicates and replace its open
    /// candidates (decided pairs stay decided). Run by the server on a schedule, after imports
    /// and by `palermo duplicates refresh`; one audit entry per organisation.
    pub async fn refresh_duplicates(&self, meta: &RequestMeta) -> Result<RefreshReport> {
        let floor = f64::from(self.config.linkage.review_from_percent) / 100.0;
        let mut report = RefreshReport::default();
        for org in self.store.organisations_with_persons().await? {
            let persons = self.store.persons_for_linkage(org).await?;
            let ids: Vec<Uuid> = persons.iter().map(|p| p.id).collect();
            let mut sealed: HashMap<Uuid, Vec<palermo_store::VaultEntry>> = HashMap::new();
            for v in self.store.vault_get_many("person", &ids).await? {
                sealed.entry(v.record_id).or_default().push(v);
            }
            let mut records = Vec::with_capacity(persons.len());
            for p in &persons {
                let detail = self.person_detail_from(p, sealed.get(&p.id).map(Vec::as_slice).unwrap_or(&[]))?;
                records.push(linkage_record(p, &detail.identity));
            }
            drop(sealed);
            let n = records.len();
            let model = if n >= LEARN_FROM {
                None
            } else {
                Some(palermo_linkage::model::default_model(n).map_err(|e| ServiceError::Internal(e.to_string()))?)
            };
            let options = palermo_linkage::dedupe::Options { floor, model, keep_scored: true, ..Default::default() };
            let found = tokio::task::spawn_blocking(move || -> Vec<(Uuid, Uuid, f64, Vector)> {
                let outcome = palermo_linkage::dedupe::run(&records, &options, &|_, _, _| {});
                outcome
                    .scored
                    .iter()
                    .filter(|(_, _, p)| *p >= floor)
                    .filter_map(|&(a, b, p)| {
                        let (ra, rb) = (records.get(a as usize)?, records.get(b as usize)?);
                        let (ia, ib) = (Uuid::parse_str(&ra.id).ok()?, Uuid::parse_str(&rb.id).ok()?);
                        let v = compare(&Prepared::of(ra), &Prepared::of(rb));
                        Some(if ia < ib { (ia, ib, p, v) } else { (ib, ia, p, v) })
                    })
                    .collect()
            })
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let now = self.now();
            let mut rows = Vec::with_capacity(found.len());
            for (a, b, p, v) in found {
                let (_, id) = self.new_ids()?;
                rows.push(DuplicateCandidateRecord {
                    id: id.0,
                    organisation_id: org,
                    person_a: a,
                    person_b: b,
                    probability: p,
                    levels: stored_levels(&v),
                    status: "open".into(),
                    found_at: now,
                    decided_by: None,
                    decided_at: None,
                    survivor: None,
                    moved_cases: None,
                    version: 1,
                });
            }
            let mut ev = self.event(None, meta, "duplicate.refresh", Some(("organisation", org.to_string())), AuditOutcome::Ok);
            ev.actor_user_id = Some("console".into());
            ev.section = Some("identity".into());
            ev.purpose = Some(format!("duplicate search: {n} persons, {} candidate pairs", rows.len()));
            self.store.replace_duplicate_candidates(org, &rows, now, &[ev]).await?;
            report.organisations += 1;
            report.persons += n;
            report.candidates += rows.len();
        }
        Ok(report)
    }

    async fn reference_of(&self, id: Uuid, cache: &mut HashMap<Uuid, PersonRecord>) -> Result<String> {
        if let Some(p) = cache.get(&id) {
            return Ok(p.reference.clone());
        }
        let p = self.store.get_person(id).await?.ok_or(ServiceError::NotFound)?;
        let r = p.reference.clone();
        cache.insert(id, p);
        Ok(r)
    }

    async fn duplicate_summary(&self, d: &DuplicateCandidateRecord, cache: &mut HashMap<Uuid, PersonRecord>) -> Result<DuplicateSummary> {
        let kept_reference = match d.survivor {
            Some(s) => Some(self.reference_of(s, cache).await?),
            None => None,
        };
        Ok(DuplicateSummary {
            id: d.id,
            probability_percent: (d.probability * 100.0).floor().clamp(0.0, 100.0) as u32,
            status: d.status.clone(),
            a_reference: self.reference_of(d.person_a, cache).await?,
            b_reference: self.reference_of(d.person_b, cache).await?,
            kept_reference,
            comparisons: comparisons_of(&d.levels),
            found_at: stamp(d.found_at),
            decided_at: d.decided_at.map(stamp),
            version: d.version,
        })
    }

    /// The caller's organisation's candidate pairs: open ones (most probable first), then
    /// decided ones. No identity is shown, so the list is not an identity read.
    pub async fn duplicates(&self, caller: &Caller, meta: &RequestMeta) -> Result<Vec<DuplicateSummary>> {
        let actor = Self::user_of(caller)?;
        self.check(caller, Action::ReviewDuplicates { org: actor.org_id }, meta, None).await?;
        let pairs = self.store.duplicate_candidates_of(actor.org_id, LIST_LIMIT).await?;
        // Every reference the page names, read in one statement rather than one per pair.
        let ids: Vec<Uuid> =
            pairs.iter().flat_map(|d| [d.person_a, d.person_b]).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let mut cache: HashMap<Uuid, PersonRecord> = self.store.get_persons(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut out = Vec::with_capacity(pairs.len());
        for d in &pairs {
            out.push(self.duplicate_summary(d, &mut cache).await?);
        }
        Ok(out)
    }

    /// A candidate the caller may review, or the same 404 as a missing one (audited as denied).
    async fn reviewable(&self, actor: &Actor, id: &str, action: &str, meta: &RequestMeta) -> Result<DuplicateCandidateRecord> {
        let parsed = Uuid::parse_str(id.trim()).ok();
        let found = match parsed {
            Some(u) => self.store.get_duplicate_candidate(u).await?,
            None => None,
        };
        let object = parsed.map(|u| ("duplicate", u.to_string()));
        match found {
            Some(d) if palermo_domain::policy::authorize(actor, Action::ReviewDuplicates { org: d.organisation_id }).is_ok() => Ok(d),
            _ => Err(self.denied(actor, meta, action, object, palermo_domain::policy::Denied::Hidden).await),
        }
    }

    /// Both records of a pair side by side, identity included: two audited identity reads.
    pub async fn duplicate(&self, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<DuplicateDetail> {
        let actor = Self::user_of(caller)?;
        let d = self.reviewable(actor, id, "person.view", meta).await?;
        let mut cache = HashMap::new();
        let summary = self.duplicate_summary(&d, &mut cache).await?;
        for person in [d.person_a, d.person_b] {
            self.watch_identity_read(actor, person, false, "person.view", ("person", person.to_string()), meta).await?;
        }
        for person in [d.person_a, d.person_b] {
            let mut ev = self.event(Some(actor), meta, "person.view", Some(("person", person.to_string())), AuditOutcome::Ok);
            ev.section = Some("identity".into());
            ev.purpose = Some(format!("duplicate review {}", d.id));
            self.audit_read(ev).await?;
        }
        let sealed = self.store.vault_get_many("person", &[d.person_a, d.person_b]).await?;
        let mut sides = Vec::with_capacity(2);
        for person in [d.person_a, d.person_b] {
            let p = cache.get(&person).cloned().ok_or(ServiceError::NotFound)?;
            let detail = self.person_detail_from(&p, &sealed)?;
            let ids = self.store.cases_of_person(person).await?;
            let cases = self.store.get_cases(&ids).await?.into_iter().map(|c| c.reference).collect();
            sides.push(DuplicateSide { person: detail.summary, identity: detail.identity, recorded_on: stamp(p.created_at), cases });
        }
        let b = sides.pop().ok_or(ServiceError::NotFound)?;
        let a = sides.pop().ok_or(ServiceError::NotFound)?;
        let prepared = |side: &DuplicateSide, id: Uuid| {
            cache.get(&id).map(|p| palermo_linkage::record::Prepared::of(&linkage_record(p, &side.identity)))
        };
        let names_crossed = match (prepared(&a, d.person_a), prepared(&b, d.person_b)) {
            (Some(x), Some(y)) => palermo_linkage::compare::name_levels(&x, &y).1,
            _ => false,
        };
        Ok(DuplicateDetail { summary, a, b, names_crossed })
    }

    /// A merge moves the absorbed record's cases to the record kept, so everyone who may read
    /// those cases reads the kept record's identity from then on. A case another organisation
    /// owns (after a transfer of ownership) would show that organisation a record it never
    /// had: refused, naming the cases, and saying whether keeping the other record would do.
    async fn merge_keeps_need_to_know(&self, d: &DuplicateCandidateRecord, moved: &[Uuid], survivor: Uuid, gone_ref: &str) -> Result<()> {
        let foreign: Vec<String> =
            self.store.get_cases(moved).await?.into_iter().filter(|c| c.owner_org_id != d.organisation_id).map(|c| c.reference).collect();
        if foreign.is_empty() {
            return Ok(());
        }
        let kept_cases = self.store.cases_of_person(survivor).await?;
        let other_way = self.store.get_cases(&kept_cases).await?.iter().all(|c| c.owner_org_id == d.organisation_id);
        let advice = if other_way {
            format!("keep {gone_ref} instead (the other record's cases are all your organisation's), or leave the pair open")
        } else {
            "both records have cases another organisation owns, so leave the pair open".to_owned()
        };
        Err(ServiceError::Conflict(format!(
            "{} owned by another organisation, whose staff would then see the record kept; nothing was merged — {advice}",
            if foreign.len() == 1 { format!("case {} is", foreign[0]) } else { format!("cases {} are", foreign.join(", ")) }
        )))
    }

    /// Decide on a pair: merge (`same`, keeping the record named by `keep`), `different`, or
    /// `unmerge` a merged pair. Returns the pair as it now stands.
    pub async fn decide_duplicate(
        &self,
        caller: &Caller,
        id: &str,
        input: &DuplicateDecision,
        meta: &RequestMeta,
    ) -> Result<DuplicateSummary> {
        let actor = Self::user_of(caller)?;
        let action = match input.decision.trim() {
            "same" => "duplicate.merge",
            "different" => "duplicate.different",
            "unmerge" => "duplicate.unmerge",
            _ => "duplicate.decide",
        };
        let mut d = self.reviewable(actor, id, action, meta).await?;
        let mut errs = Vec::new();
        let version = input.version.trim().parse::<i64>().ok();
        if version.is_none() {
            errs.push(ValidationError::new("version", "the version of the pair you reviewed (a whole number)"));
        }
        let mut cache = HashMap::new();
        let (ra, rb) = (self.reference_of(d.person_a, &mut cache).await?, self.reference_of(d.person_b, &mut cache).await?);
        let decision = input.decision.trim();
        let keep = input.keep.trim().to_uppercase();
        match decision {
            "same" | "different" if d.status != "open" => {
                return Err(ServiceError::Conflict(format!(
                    "this pair was already decided ({}); undo a merge first to decide again",
                    d.status
                )));
            }
            "unmerge" if d.status != "merged" => {
                return Err(ServiceError::Conflict("only a merged pair can be unmerged".into()));
            }
            "same" if keep != ra && keep != rb => {
                errs.push(ValidationError::new("keep", format!("the reference of the record to keep: {ra} or {rb}")));
            }
            "same" | "different" | "unmerge" => {}
            _ => errs.push(ValidationError::new("decision", "one of same, different, unmerge")),
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        if version != Some(d.version) {
            return Err(ServiceError::Conflict(
                "someone changed this pair while you were reviewing it; nothing was saved — reload and try again".into(),
            ));
        }
        let now = self.now();
        d.decided_by = Some(actor.user_id);
        d.decided_at = Some(now);
        match decision {
            "different" => {
                let ev = self.event(Some(actor), meta, action, Some(("duplicate", d.id.to_string())), AuditOutcome::Ok);
                self.store.decide_duplicate_different(&d, &[ev]).await?;
                d.status = "different".into();
            }
            "same" => {
                let (survivor, absorbed) = if keep == ra { (d.person_a, d.person_b) } else { (d.person_b, d.person_a) };
                let (kept_ref, gone_ref) = if keep == ra { (&ra, &rb) } else { (&rb, &ra) };
                let moved = self.store.cases_of_person(absorbed).await?;
                self.merge_keeps_need_to_know(&d, &moved, survivor, gone_ref).await?;
                d.survivor = Some(survivor);
                d.moved_cases = Some(serde_json::to_string(&moved).unwrap_or_else(|_| "[]".into()));
                let detail = serde_json::json!({"merged": gone_ref, "into": kept_ref});
                let events = moved
                    .iter()
                    .map(|c| self.case_event(actor, *c, "person_merged", None, None, detail.clone()))
                    .collect::<Result<Vec<_>>>()?;
                let mut ev = self.event(Some(actor), meta, action, Some(("person", absorbed.to_string())), AuditOutcome::Ok);
                ev.purpose = Some(format!("{gone_ref} merged into {kept_ref} (pair {}, {} case(s) moved)", d.id, moved.len()));
                self.store.merge_duplicate(&d, absorbed, &moved, &events, &[ev]).await?;
                d.status = "merged".into();
            }
            _ => {
                let survivor = d.survivor.ok_or_else(|| ServiceError::Internal("merged pair without survivor".into()))?;
                let absorbed = if survivor == d.person_a { d.person_b } else { d.person_a };
                let moved: Vec<Uuid> = d.moved_cases.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
                let (kept_ref, gone_ref) = if survivor == d.person_a { (&ra, &rb) } else { (&rb, &ra) };
                let detail = serde_json::json!({"restored": gone_ref, "from": kept_ref});
                let events = moved
                    .iter()
                    .map(|c| self.case_event(actor, *c, "person_unmerged", None, None, detail.clone()))
                    .collect::<Result<Vec<_>>>()?;
                let mut ev = self.event(Some(actor), meta, action, Some(("person", absorbed.to_string())), AuditOutcome::Ok);
                ev.purpose = Some(format!("{gone_ref} restored from {kept_ref} (pair {}, {} case(s) moved back)", d.id, moved.len()));
                self.store.unmerge_duplicate(&d, absorbed, &moved, &events, &[ev]).await?;
                d.status = "open".into();
                d.survivor = None;
                d.moved_cases = None;
            }
        }
        d.version += 1;
        self.duplicate_summary(&d, &mut cache).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_back_as_verdicts() {
        let v: Vector = [Some(1), Some(0), Some(5), Some(0), None, None, Some(1)];
        let c = comparisons_of(&stored_levels(&v));
        assert_eq!(c[0].field, "given_name");
        assert_eq!(c[0].verdict, "agrees");
        assert_eq!(c[0].level, Some("transliteration-equal"));
        assert_eq!(c[2].verdict, "close");
        assert_eq!(c[2].level, Some("year only: +/- 1"));
        assert_eq!(c[4].verdict, "missing");
        assert_eq!(c[6].verdict, "differs");
        // a pair stored before format 2 reads as the reviewer saw it
        let old = comparisons_of("[1,0,1,0,null,null,1]");
        assert_eq!(old[2].level, Some("day and month swapped"));
        assert_eq!(comparisons_of("[1,0,4,0,null,null,1]")[2].verdict, "differs");
        assert_eq!(comparisons_of("[1,0,3,0,null,null,1]")[2].level, Some("year +/- 1"));
        // anything unreadable gives no comparisons, never a panic
        assert!(comparisons_of("not json").is_empty());
    }
}
