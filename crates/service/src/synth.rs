//! The seeded synthetic NRM: persons and cases across every stage, for the demo (a few
//! hundred) and the benchmarks (100k, 1M). Names, dates of birth and nationalities come from
//! the linkage crate's generator (realistic transliterations, and the duplicates a real
//! register has); every stage is reached through the domain's stage machine, so every
//! generated case is legal. The same seed gives the same cases.
//!
//! Written in bulk (multi-row inserts, a few thousand cases per transaction), identity
//! encrypted like any other, one audit entry per batch.

use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::consent::{ChecklistItem, ConsentForm, ConsentGivenBy, ConsentPurpose, ConsentStatus};
use palermo_domain::deadline::Rules;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::indicators::{Catalogue, ExploitationForm, Population, Weight, assess};
use palermo_domain::nrm::{self, CaseState, Command, Decision, DecisionKind, Outcome};
use palermo_domain::person::AgeGroup;
use palermo_linkage::rng::Rng;
use palermo_store::{CaseBundle, CaseEventRecord, CaseRecord, ConsentRecord, PersonRecord, ScreeningRecord};
use std::collections::BTreeSet;
use time::{Date, Duration, OffsetDateTime};

/// Who the generated cases are assigned to: taken from the instance's users.
struct World {
    /// (organisation, user, region) of first responders.
    responders: Vec<(OrgId, UserId, String)>,
    /// (organisation, user) of competent-authority users.
    authorities: Vec<(OrgId, UserId)>,
    case_workers: Vec<UserId>,
}

/// What a generation run wrote.
#[derive(Debug, Clone, Default)]
pub struct GenerateReport {
    pub cases: usize,
    pub notifications: usize,
    pub children: usize,
    pub overdue: usize,
    /// Referrals of a person referred before in the same run (no new person record).
    pub referred_again: usize,
}

const BATCH: usize = 2_000;

/// A person a generated case referred, whom a later case may refer again.
#[derive(Debug, Clone)]
struct Referred {
    person_id: uuid::Uuid,
    /// The organisation, first responder and region that referred them; a person referred again
    /// is referred by the same organisation, which holds their record.
    owner: (OrgId, UserId, String),
    referred_on: Date,
    born: Born,
    date_of_birth: Option<String>,
    sex: &'static str,
}

/// The share of generated referrals that concern a person referred before (in the same run).
/// An assumption, not a measured rate: IOM's 2010 study of its Human Trafficking Database found
/// 79 known cases of re-trafficking among more than 14,000 persons assisted over ten years
/// (0.6 %) and says the real level is likely much higher; a person referred again to the NRM
/// (re-trafficked, or found again before their first case ended) is the closest the NRM sees.
const REFERRED_AGAIN: f64 = 0.02;

/// How many earlier persons a generation run keeps to refer again (about 8 MB).
const REMEMBERED: usize = 50_000;

/// When a generated person was born, and so how old they are at their case: one person's
/// records (the duplicates the generator makes) agree on it, whatever else they disagree on.
/// A share of the persons are children: their dates of birth are moved, the same number of
/// years on every one of their records, so that they are 12 to 17 today.
#[derive(Debug, Clone, Copy)]
struct Born {
    /// The person's true date of birth, moved.
    year: i32,
    month: u8,
    day: u8,
    /// Years added to every date of birth the person's records give.
    shift: i32,
}

impl Born {
    /// Children among the persons referred (not among anonymous notifications, which are adults').
    const CHILDREN: f64 = 0.18;

    fn of(seed: u64, t: &palermo_linkage::generate::Truth, today: Date) -> Born {
        let mut rng = Rng::new(seed ^ 0x0b0f_b1e7 ^ (t.person as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let (year, month, day) = t.born;
        let shift = if rng.chance(Born::CHILDREN) { today.year() - (12 + rng.below(6) as i32) - year } else { 0 };
        Born { year: year + shift, month, day, shift }
    }

    /// The record's date of birth moved with the person, as a person's form stores it
    /// (YYYY-MM-DD, or YYYY when only the year is known: the generator also writes DD/MM/YYYY,
    /// which the application does not accept). None where the record has none, or where it
    /// would be in the future.
    fn recorded(&self, rec: &palermo_linkage::record::Record, today: Date) -> Option<String> {
        let d = rec.date_of_birth.as_deref().and_then(palermo_linkage::record::Dob::parse)?;
        let year = d.year + self.shift;
        let s = match (d.month, d.day) {
            (Some(m), Some(day)) => format!("{year:04}-{m:02}-{day:02}"),
            _ => format!("{year:04}"),
        };
        palermo_domain::person::parse_date_of_birth(&s, today).ok().flatten()
    }

    /// Age in whole years on `on`: from the recorded date of birth if there is one (what the
    /// form would have worked out), else from the true one.
    fn age_on(&self, recorded: Option<&str>, on: Date) -> i32 {
        let dob = recorded.and_then(palermo_linkage::record::Dob::parse);
        let (year, month, day) = match dob {
            Some(d) => (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1)),
            None => (self.year, self.month, self.day),
        };
        let before_birthday = (u8::from(on.month()), on.day()) < (month, day);
        (on.year() - year - i32::from(before_birthday)).max(0)
    }
}

/// A moment during the working day `d`, `secs` seconds after 08:00 (generated events are spread
/// over the day, as real ones are).
fn during(d: Date, secs: u32) -> OffsetDateTime {
    d.midnight().assume_utc() + Duration::hours(8) + Duration::seconds(i64::from(secs % 36_000))
}

impl Palermo {
    async fn synth_world(&self) -> Result<World> {
        let users = self.store.list_users(None).await?;
        let orgs = self.store.list_organisations().await?;
        let region = |o: OrgId| orgs.iter().find(|r| r.id == o).map(|r| r.region.clone()).unwrap_or_default();
        let has = |u: &palermo_store::UserRecord, r: &str| !u.disabled && u.roles.split(',').any(|x| x == r);
        let world = World {
            responders: users
                .iter()
                .filter(|u| has(u, "first_responder"))
                .map(|u| (u.organisation_id, u.id, region(u.organisation_id)))
                .collect(),
            authorities: users.iter().filter(|u| has(u, "competent_authority")).map(|u| (u.organisation_id, u.id)).collect(),
            case_workers: users.iter().filter(|u| has(u, "case_worker")).map(|u| u.id).collect(),
        };
        if world.responders.is_empty() || world.authorities.is_empty() {
            return Err(ServiceError::Setup("generating cases needs at least one first_responder and one competent_authority user".into()));
        }
        Ok(world)
    }

    /// Generate `n` cases with seed `seed`. `progress` is told how many are written so far.
    pub async fn generate_cases(&self, n: usize, seed: u64, progress: &dyn Fn(usize)) -> Result<GenerateReport> {
        let world = self.synth_world().await?;
        let rules = self.rules();
        let catalogue = self.catalogue()?;
        let now = self.now();
        let today = rules.local_date(now);
        let year = today.year();
        let (p_prefix, n_prefix, a_prefix) = (format!("P-{year}"), format!("NRM-{year}"), format!("AN-{year}"));
        let mut p_next = self.store.reference_counter(&p_prefix).await?;
        let mut n_next = self.store.reference_counter(&n_prefix).await?;
        let mut a_next = self.store.reference_counter(&a_prefix).await?;
        let (records, truth) = palermo_linkage::generate::generate(n, seed);
        let mut report = GenerateReport::default();
        let meta = RequestMeta::task("generate");
        let mut referred: Vec<Referred> = Vec::new();
        for (batch_no, chunk) in records.chunks(BATCH).enumerate() {
            let mut bundles = Vec::with_capacity(chunk.len());
            for (k, rec) in chunk.iter().enumerate() {
                let i = batch_no * BATCH + k;
                let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let t = truth.get(i).ok_or_else(|| ServiceError::Internal("generated truth".into()))?;
                // Drawn apart from the case's own stream, so that the rest of the case is the same.
                let mut again_rng = Rng::new(seed ^ 0x000a_6a1a ^ (i as u64).wrapping_mul(0xA076_1D64_78BD_642F));
                let again = if again_rng.chance(REFERRED_AGAIN) { again_rng.pick(&referred).cloned() } else { None };
                let (b, first) = self.synth_case(
                    &mut rng,
                    rec,
                    Born::of(seed, t, today),
                    again.as_ref(),
                    &world,
                    &rules,
                    &catalogue,
                    today,
                    (&mut p_next, &mut n_next, &mut a_next),
                    (&p_prefix, &n_prefix, &a_prefix),
                )?;
                if b.case.kind == "anonymous_notification" {
                    report.notifications += 1;
                }
                if b.person.is_none() && b.case.person_id.is_some() {
                    report.referred_again += 1;
                }
                // The persons a later case may refer again: the last REMEMBERED of them (a bound
                // on memory at a million cases; the IOM study found re-trafficking often within two years).
                if let Some(r) = first {
                    if referred.len() < REMEMBERED { referred.push(r) } else { referred[i % REMEMBERED] = r }
                }
                if b.case.age_group == "child" {
                    report.children += 1;
                }
                if b.case.deadline_on.is_some_and(|d| d < today) {
                    report.overdue += 1;
                }
                bundles.push(b);
            }
            let counters = [(p_prefix.clone(), p_next), (n_prefix.clone(), n_next), (a_prefix.clone(), a_next)];
            let mut ev = self.event(None, &meta, "case.generate", None, AuditOutcome::Ok);
            ev.actor_user_id = Some("console".into());
            ev.purpose = Some(format!("{} synthetic cases (seed {seed}, batch {batch_no})", bundles.len()));
            self.store.bulk_insert_cases(&bundles, &counters, &[ev]).await?;
            report.cases += bundles.len();
            progress(report.cases);
        }
        self.store.analyze().await?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn synth_case(
        &self,
        rng: &mut Rng,
        rec: &palermo_linkage::record::Record,
        born: Born,
        again: Option<&Referred>,
        world: &World,
        rules: &Rules,
        catalogue: &Catalogue,
        today: Date,
        next: (&mut i64, &mut i64, &mut i64),
        prefixes: (&str, &str, &str),
    ) -> Result<(CaseBundle, Option<Referred>)> {
        let (p_next, n_next, a_next) = next;
        let (p_prefix, n_prefix, a_prefix) = prefixes;
        let (_, cid) = self.new_ids()?;
        let case_id = cid.0;
        let notification = rng.chance(0.08);
        // Drawn as they were when a case's age was its own, so that the rest of the case is what
        // it was; the age is now the person's.
        let drawn_child = !notification && rng.chance(0.18);
        let _ = rng.below(if drawn_child { 6 } else { 40 });
        let form = if rng.chance(0.45) { ExploitationForm::Sexual } else { ExploitationForm::Labour };
        let (owner_org, responder, region) =
            rng.pick(&world.responders).cloned().ok_or_else(|| ServiceError::Internal("no responder".into()))?;
        let (authority_org, authority_user) = *rng.pick(&world.authorities).ok_or_else(|| ServiceError::Internal("no authority".into()))?;
        let referred_on = today - Duration::days(rng.below(420) as i64);
        // Referred again: by the organisation that holds the person's record, at least a month
        // after the first referral (not when that was less than a month ago).
        let again = again.filter(|a| !notification && a.referred_on + Duration::days(30) <= today);
        let ((owner_org, responder, region), referred_on, born) = match again {
            Some(a) => (a.owner.clone(), referred_on.max(a.referred_on + Duration::days(30)), a.born),
            None => ((owner_org, responder, region), referred_on, born),
        };
        let date_of_birth = match again {
            Some(a) => a.date_of_birth.clone(),
            None => born.recorded(rec, today),
        };
        let age = born.age_on(date_of_birth.as_deref(), referred_on);
        // An anonymous notification is an adult's (a child is referred whether or not they consent).
        let notification = notification && age >= 18;
        let child = age < 18;
        let population = if child { Population::Child } else { Population::Adult };
        let sex = match (again, rec.sex.as_deref()) {
            (Some(a), _) => a.sex,
            (None, Some("F")) => "Feminine",
            (None, Some("M")) => "Masculine",
            _ => "NonSpecifiedUnknown",
        };
        let age_group = AgeGroup::of(Some(age)).code();

        // The screening: usually the rule is met; sometimes not (a referral on other grounds).
        let list = catalogue.list(population, form).ok_or_else(|| ServiceError::Internal("indicator list".into()))?;
        let mut indicators = BTreeSet::new();
        let strong_rule = rng.chance(0.85);
        for dim in ["DR", "EX", "CD"] {
            let in_dim: Vec<_> = list.indicators.iter().filter(|x| x.code.starts_with(dim)).collect();
            let strong: Vec<_> = in_dim.iter().filter(|x| x.weight == Weight::Strong).collect();
            let medium: Vec<_> = in_dim.iter().filter(|x| x.weight == Weight::Medium).collect();
            if let Some(s) = rng.pick(&strong) {
                indicators.insert(s.code.clone());
            }
            if strong_rule && let Some(m) = rng.pick(&medium) {
                indicators.insert(m.code.clone());
            }
        }
        let assessment = assess(list, &indicators).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let purpose = match form {
            ExploitationForm::Sexual => "exploitation_of_prostitution_of_others",
            ExploitationForm::Labour => "forced_labour_or_services",
        };
        let means = if child || rng.chance(0.2) { "" } else { "deception" };
        let elements_met = !means.is_empty() || child;

        let secs = rng.below(36_000) as u32;
        let at = during(referred_on, secs);
        let mut events = Vec::new();
        let mut version = 1;
        let event =
            |kind: &str, stage: Option<&str>, on: Date, actor: (OrgId, UserId), detail: serde_json::Value| -> Result<CaseEventRecord> {
                let (_, id) = self.new_ids()?;
                Ok(CaseEventRecord {
                    id: id.0,
                    case_id,
                    at: during(on, secs + 7),
                    actor_user_id: Some(actor.1),
                    actor_org_id: Some(actor.0),
                    kind: kind.into(),
                    stage_after: stage.map(str::to_owned),
                    on_date: Some(on),
                    detail: detail.to_string(),
                })
            };
        events.push(event("screened", None, referred_on, (owner_org, responder), serde_json::json!({"elements_met": elements_met, "indicators_suggest": assessment.suggests_victim, "list": list.id, "synthetic": true}))?);
        let mut vault = Vec::new();

        let mut case = CaseRecord {
            id: case_id,
            reference: String::new(),
            kind: "referral".into(),
            person_id: None,
            owner_org_id: owner_org,
            authority_org_id: Some(authority_org),
            case_worker_id: None,
            decision_maker_id: None,
            region,
            stage: None,
            referred_on,
            rg_positive_on: None,
            last_negative_kind: None,
            last_negative_told_on: None,
            ended_from: None,
            deadline_kind: None,
            deadline_on: None,
            sex: sex.into(),
            age_group: age_group.into(),
            exploitation_form: form.code().into(),
            exploitation_country: exploitation_country(secs),
            created_by: responder,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let mut consents = Vec::new();
        let mut person = None;
        let mut first = None;
        if notification {
            *a_next += 1;
            case.reference = format!("{a_prefix}-{:06}", *a_next);
            case.kind = "anonymous_notification".into();
            case.authority_org_id = None;
            events.push(event("notified", None, referred_on, (owner_org, responder), serde_json::json!({}))?);
        } else {
            *n_next += 1;
            case.reference = format!("{n_prefix}-{:06}", *n_next);
            if let Some(a) = again {
                // The person's record is there already.
                let _ = rng.chance(0.6);
                case.person_id = Some(a.person_id);
            } else {
                *p_next += 1;
                let (_, pid) = self.new_ids()?;
                let p = PersonRecord {
                    id: pid.0,
                    reference: format!("{p_prefix}-{:06}", *p_next),
                    organisation_id: owner_org,
                    created_by: responder,
                    sex: sex.into(),
                    age_at_identification: Some(age),
                    age_group: age_group.into(),
                    citizenships: rec.nationality.clone().unwrap_or_default(),
                    languages: String::new(),
                    migration_status: Some(if rng.chance(0.6) { "irregular_migrant" } else { "regular_migrant" }.into()),
                    created_at: at,
                    merged_into: None,
                };
                let full = match (&rec.given_name, &rec.family_name) {
                    (Some(g), Some(f)) => Some(format!("{g} {f}")),
                    _ => None,
                };
                for (field, value, searchable) in [
                    ("given_name", &rec.given_name, true),
                    ("family_name", &rec.family_name, true),
                    ("full_name", &full, true),
                    ("date_of_birth", &date_of_birth, false),
                ] {
                    if let Some(v) = value {
                        vault.push(self.seal_field("person", p.id, field, v, searchable)?);
                    }
                }
                case.person_id = Some(p.id);
                first = Some(Referred {
                    person_id: p.id,
                    owner: (owner_org, responder, case.region.clone()),
                    referred_on,
                    born,
                    date_of_birth: date_of_birth.clone(),
                    sex,
                });
                person = Some(p);
            }
            let (_, kid) = self.new_ids()?;
            consents.push(ConsentRecord {
                id: kid.0,
                case_id,
                purpose: ConsentPurpose::Referral.code().into(),
                recipient_org_id: Some(authority_org),
                status: ConsentStatus::Given.code().into(),
                decided_on: referred_on,
                form: if rng.chance(0.7) { ConsentForm::Written } else { ConsentForm::Oral }.code().into(),
                interpreter_language: None,
                checklist: [ChecklistItem::ConsentToInterview, ChecklistItem::InformedOfPurpose, ChecklistItem::InformedOfWithdrawal]
                    .map(|c| c.code())
                    .join(","),
                given_by: if child { ConsentGivenBy::PersonAndGuardian } else { ConsentGivenBy::Person }.code().into(),
                recorded_by: responder,
                case_version: 1,
                recorded_at: at,
            });
            events.push(event(
                "referred",
                Some("referred"),
                referred_on,
                (owner_org, responder),
                serde_json::json!({"competent_authority": authority_org.to_string()}),
            )?);

            // Walk the stage machine along a plausible path, stopping at today.
            let mut state = CaseState::referred(referred_on);
            let auth = (authority_org, authority_user);
            let fr = (owner_org, responder);
            let mut steps: Vec<(Command, (OrgId, UserId))> = Vec::new();
            let rg_on = rules.add_working_days(referred_on, 2 + rng.below(8) as u32);
            let rg_positive = rng.chance(0.85);
            if rg_positive {
                steps.push((
                    Command::Decide(Decision {
                        kind: DecisionKind::ReasonableGrounds,
                        outcome: Outcome::Positive,
                        decided_on: rg_on,
                        told_on: Some(rg_on),
                    }),
                    auth,
                ));
            } else {
                steps.push((
                    Command::Decide(Decision {
                        kind: DecisionKind::ReasonableGrounds,
                        outcome: Outcome::Negative,
                        decided_on: rg_on,
                        told_on: Some(rg_on),
                    }),
                    auth,
                ));
                if rng.chance(0.4) {
                    let asked = rg_on + Duration::days(5 + rng.below(30) as i64);
                    steps.push((Command::RequestReconsideration { requested_on: asked }, fr));
                    let again = rules.add_working_days(asked, 3 + rng.below(10) as u32);
                    steps.push((
                        Command::Decide(Decision {
                            kind: DecisionKind::ReasonableGrounds,
                            outcome: Outcome::Positive,
                            decided_on: again,
                            told_on: Some(again),
                        }),
                        auth,
                    ));
                }
            }
            let cg_after = rules.earliest_cg_days_after_rg.max(rules.min_recovery_days) as i64 + rng.below(100) as i64;
            let cg_positive = rng.chance(0.9);
            // The CG date is relative to the last positive RG; computed when reached.
            let end_roll = rng.unit();
            let close_after = 60 + rng.below(240) as i64;
            for (cmd, actor) in steps {
                match nrm::apply(&state, cmd, today, rules) {
                    Ok(next) => {
                        events.push(event(cmd.code(), Some(next.stage.code()), cmd.date(), actor, detail_of(cmd, actor.1))?);
                        state = next;
                        version += 1;
                    }
                    Err(_) => break,
                }
            }
            if let Some(rg) = state.rg_positive_on {
                let cg_on = rg + Duration::days(cg_after);
                let outcome = if cg_positive { Outcome::Positive } else { Outcome::Negative };
                let cmd =
                    Command::Decide(Decision { kind: DecisionKind::ConclusiveGrounds, outcome, decided_on: cg_on, told_on: Some(cg_on) });
                if let Ok(next) = nrm::apply(&state, cmd, today, rules) {
                    events.push(event(cmd.code(), Some(next.stage.code()), cg_on, auth, detail_of(cmd, authority_user))?);
                    state = next;
                    version += 1;
                    let later = cg_on + Duration::days(close_after);
                    let end = if end_roll < 0.3 { Some(Command::Close { on: later }) } else { None };
                    if let Some(cmd) = end
                        && let Ok(next) = nrm::apply(&state, cmd, today, rules)
                    {
                        events.push(event(cmd.code(), Some(next.stage.code()), later, fr, serde_json::json!({}))?);
                        state = next;
                        version += 1;
                    }
                }
            }
            if end_roll > 0.95 && !state.stage.is_ended() {
                let on = today.min(referred_on + Duration::days(20 + rng.below(60) as i64));
                let cmd = if end_roll > 0.985 { Command::Transfer { on } } else { Command::Withdraw { on } };
                if let Ok(next) = nrm::apply(&state, cmd, today, rules) {
                    events.push(event(cmd.code(), Some(next.stage.code()), on, fr, serde_json::json!({}))?);
                    state = next;
                    version += 1;
                    if matches!(cmd, Command::Withdraw { .. }) {
                        // The person also withdrew consent to the referral.
                        version += 1;
                        let (_, kid) = self.new_ids()?;
                        consents.push(ConsentRecord {
                            id: kid.0,
                            case_id,
                            purpose: ConsentPurpose::Referral.code().into(),
                            recipient_org_id: Some(authority_org),
                            status: ConsentStatus::Withdrawn.code().into(),
                            decided_on: on,
                            form: ConsentForm::Written.code().into(),
                            interpreter_language: None,
                            checklist: String::new(),
                            given_by: ConsentGivenBy::Person.code().into(),
                            recorded_by: responder,
                            case_version: version,
                            recorded_at: during(on, secs + 11),
                        });
                        events.push(event("consent", None, on, fr, serde_json::json!({"purpose": "referral", "status": "withdrawn"}))?);
                    }
                }
            }
            for e in events.iter().filter(|e| e.kind.starts_with("decide") || e.kind == "request_reconsideration") {
                vault.push(self.seal_field("case_event", e.id, "reasons", "Synthetic reasons (generated data).", false)?);
            }
            if state.rg_positive_on.is_some() {
                case.decision_maker_id = Some(authority_user);
                if rng.chance(0.7) {
                    case.case_worker_id = rng.pick(&world.case_workers).copied();
                }
            } else if state.last_negative.is_some() {
                case.decision_maker_id = Some(authority_user);
            }
            crate::cases::store_state(&mut case, &state, rules);
            case.updated_at = events.last().map(|e| e.at).unwrap_or(at);
        }
        case.version = version;
        let (_, sid) = self.new_ids()?;
        let screening = ScreeningRecord {
            id: sid.0,
            case_id,
            organisation_id: owner_org,
            screened_by: responder,
            screened_on: referred_on,
            population: population.code().into(),
            exploitation_form: form.code().into(),
            catalogue_version: catalogue.version.clone(),
            list_id: list.id.clone(),
            acts: "recruitment,transportation".into(),
            means: means.into(),
            purposes: purpose.into(),
            indicators: indicators.iter().cloned().collect::<Vec<_>>().join(","),
            elements_met,
            indicators_suggest: assessment.suggests_victim,
            created_at: at,
        };
        Ok((CaseBundle { person, case, screening, events, consents, vault }, first))
    }
}

fn detail_of(cmd: Command, actor: UserId) -> serde_json::Value {
    match cmd {
        Command::Decide(d) => {
            serde_json::json!({"decision": d.kind.code(), "outcome": d.outcome.code(), "decision_maker": actor.to_string(), "synthetic": true})
        }
        _ => serde_json::json!({"synthetic": true}),
    }
}

/// Where a synthetic case's person was exploited: mostly in the demo country (Veridia, `XVR`),
/// a third abroad, one in twenty not known. Taken from a number already drawn, so adding it did
/// not change the rest of the generated data.
fn exploitation_country(draw: u32) -> Option<String> {
    const ABROAD: &[&str] = &["ITA", "ITA", "DEU", "TUR", "ARE", "GBR", "POL", "RUS"];
    match draw % 20 {
        0 => None,
        n @ 12..=19 => ABROAD.get(n as usize - 12).map(|c| (*c).to_owned()),
        _ => Some("XVR".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::Born;
    use std::collections::HashMap;

    /// The records the generator makes of one person say the same age group, unless their
    /// dates of birth disagree across the 18th birthday (a year off, as real records are).
    #[test]
    fn one_persons_records_agree_on_the_age_group() {
        let today = time::macros::date!(2026 - 12 - 06);
        let (records, truth) = palermo_linkage::generate::generate(5_000, 11);
        let mut groups: HashMap<usize, Vec<bool>> = HashMap::new();
        for (rec, t) in records.iter().zip(&truth) {
            let born = Born::of(11, t, today);
            let dob = born.recorded(rec, today);
            groups.entry(t.person).or_default().push(born.age_on(dob.as_deref(), today) < 18);
        }
        let several: Vec<&Vec<bool>> = groups.values().filter(|g| g.len() > 1).collect();
        let agree = several.iter().filter(|g| g.iter().all(|c| *c == g[0])).count();
        assert!(agree as f64 >= 0.97 * several.len() as f64, "{agree} of {}", several.len());
        let children = groups.values().filter(|g| g[0]).count();
        let share = children as f64 / groups.len() as f64;
        assert!((0.15..0.25).contains(&share), "children {share}");
    }
}
