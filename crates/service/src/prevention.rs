//! Prevention and capacity (issue 6): campaigns, trainings of officials, budgets, and treaty
//! status imported from a CSV file (all or nothing). These are records about the programme, not
//! about persons: every signed-in user may read them; prevention officers and coordinators
//! record campaigns and trainings, coordinators budgets and the treaty status.

use crate::admin::Caller;
use crate::assistance::date;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::assistance::Money;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::{Actor, Denied};
use palermo_domain::prevention::{
    self, CampaignAudience, CampaignChannel, CampaignKind, ConsentType, Instrument, Profession, ProgrammeArea,
};
use palermo_domain::role::Role;
use palermo_store::{BudgetRecord, CampaignRecord, PreventionRecord, TrainingRecord, TreatyStatusRecord};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCampaign {
    pub title: String,
    pub kind: String,
    pub channels: Vec<String>,
    pub audience: Vec<String>,
    pub regions: String,
    pub starts_on: String,
    pub ends_on: String,
    pub reach: String,
    pub cost: String,
    pub currency: String,
    pub partners: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTraining {
    pub topic: String,
    pub audience: String,
    pub held_on: String,
    pub participants_female: String,
    pub participants_male: String,
    pub participants_other: String,
    pub organiser: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewBudget {
    pub programme_area: String,
    pub fiscal_year: String,
    pub allocated: String,
    pub spent: String,
    pub currency: String,
    pub funder: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub title: String,
    pub organisation: String,
    pub kind: String,
    pub channels: Vec<String>,
    pub audience: Vec<String>,
    pub regions: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub reach: Option<i64>,
    pub cost: Option<String>,
    pub partners: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainingView {
    pub topic: String,
    pub organisation: String,
    pub audience: String,
    pub held_on: String,
    pub participants_female: i64,
    pub participants_male: i64,
    pub participants_other: i64,
    pub participants: i64,
    pub organiser: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetView {
    pub programme_area: String,
    pub fiscal_year: i64,
    pub allocated: String,
    pub spent: String,
    pub allocated_minor: i64,
    pub spent_minor: i64,
    pub currency: String,
    /// Spent / allocated, in per cent with one decimal.
    pub execution: Option<String>,
    pub funder: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TreatyView {
    pub country: String,
    pub iso3: String,
    pub instrument: String,
    pub signature_date: Option<String>,
    pub consent_date: Option<String>,
    pub consent_type: Option<String>,
    pub source: String,
    /// The status is as of this date (the source's snapshot).
    pub as_of: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreventionView {
    pub campaigns: Vec<CampaignView>,
    pub trainings: Vec<TrainingView>,
    pub budgets: Vec<BudgetView>,
    pub treaties: Vec<TreatyView>,
    pub may_record: bool,
    pub may_budget: bool,
}

/// What a treaty-status import did.
#[derive(Debug, Clone, Serialize)]
pub struct TreatyImport {
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
}

pub(crate) fn money_text(minor: i64, currency: &str) -> String {
    let digits = palermo_domain::assistance::minor_digits(currency);
    if digits == 0 {
        return format!("{minor} {currency}");
    }
    let scale = 10i64.pow(digits);
    format!("{}.{:0width$} {currency}", minor / scale, (minor % scale).abs(), width = digits as usize)
}

fn text(field: &'static str, s: &str, max: usize, required: bool, errs: &mut Vec<ValidationError>) -> String {
    let t = s.trim();
    if (required && t.is_empty()) || t.chars().count() > max || t.chars().any(char::is_control) {
        errs.push(ValidationError::new(field, format!("text of {} to {max} characters", usize::from(required))));
        return String::new();
    }
    t.to_owned()
}

fn codes<T: Copy>(
    field: &'static str,
    items: &[String],
    parse: fn(&str) -> std::result::Result<T, ValidationError>,
    code: fn(T) -> &'static str,
    errs: &mut Vec<ValidationError>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        match parse(i) {
            Ok(v) if !out.iter().any(|c| c == code(v)) => out.push(code(v).to_owned()),
            Ok(_) => {}
            Err(mut e) => {
                e.field = field;
                errs.push(e);
                return out;
            }
        }
    }
    if out.is_empty() {
        let mut e = parse("").err().unwrap_or_else(|| ValidationError::new(field, "at least one"));
        e.field = field;
        e.expected = format!("at least one of: {}", e.expected.trim_start_matches("one of: "));
        errs.push(e);
    }
    out
}

fn count(field: &'static str, s: &str, errs: &mut Vec<ValidationError>) -> Option<i64> {
    match s.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) if (0..=1_000_000_000).contains(&n) => Some(n),
            _ => {
                errs.push(ValidationError::new(field, "a whole number from 0, or empty"));
                None
            }
        },
    }
}

fn records_programme(actor: &Actor) -> bool {
    actor.roles.has(Role::PreventionOfficer) || actor.roles.has(Role::Coordinator)
}

impl Palermo {
    /// Record a campaign (prevention officers, coordinators).
    pub async fn record_campaign(&self, caller: &Caller, input: &NewCampaign, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        if !records_programme(actor) {
            return Err(self.denied(actor, meta, "campaign.create", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let title = text("title", &input.title, 200, true, &mut errs);
        let kind = CampaignKind::parse(&input.kind).map_err(|e| errs.push(e)).ok();
        let channels = codes("channels", &input.channels, CampaignChannel::parse, CampaignChannel::code, &mut errs);
        let audience = codes("audience", &input.audience, CampaignAudience::parse, CampaignAudience::code, &mut errs);
        let regions: Vec<String> = input.regions.split(',').map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty()).collect();
        if regions.is_empty()
            || regions.iter().any(|r| r.len() > 40 || !r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            errs.push(ValidationError::new("regions", "one or more region codes (a-z, 0-9, -), separated by commas, or national"));
        }
        let starts_on = date("starts_on", &input.starts_on, true, &mut errs);
        let ends_on = date("ends_on", &input.ends_on, false, &mut errs);
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            errs.push(ValidationError::new("ends_on", format!("a date not before the start ({s})")));
        }
        let reach = count("reach", &input.reach, &mut errs);
        let cost = if input.cost.trim().is_empty() {
            None
        } else {
            Money::parse("cost", &input.cost, &input.currency).map_err(|e| errs.push(e)).ok()
        };
        let partners = text("partners", &input.partners, 500, false, &mut errs);
        let (Some(kind), Some(starts_on), true) = (kind, starts_on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = CampaignRecord {
            id: id.0,
            org_id: actor.org_id.0,
            title,
            kind: kind.code().into(),
            channels: channels.join(","),
            audience: audience.join(","),
            regions: regions.join(","),
            starts_on,
            ends_on,
            reach,
            cost_minor: cost.map(|m| m.minor),
            currency: cost.map(|m| m.currency().to_owned()),
            partners,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let ev = self.event(Some(actor), meta, "campaign.create", Some(("campaign", rec.id.to_string())), AuditOutcome::Ok);
        self.store.save_prevention(&[PreventionRecord::Campaign(rec)], &[ev]).await?;
        Ok(())
    }

    /// Record a training of officials (prevention officers, coordinators).
    pub async fn record_training(&self, caller: &Caller, input: &NewTraining, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        if !records_programme(actor) {
            return Err(self.denied(actor, meta, "training.create", None, Denied::Forbidden).await);
        }
        let today = self.rules().local_date(self.now());
        let mut errs = Vec::new();
        let topic = text("topic", &input.topic, 200, true, &mut errs);
        let audience = Profession::parse(&input.audience).map_err(|e| errs.push(e)).ok();
        let held_on = date("held_on", &input.held_on, true, &mut errs);
        if held_on.is_some_and(|d| d > today) {
            errs.push(ValidationError::new("held_on", format!("a date not after today ({today}): record a training once it was held")));
        }
        let f = count("participants_female", &input.participants_female, &mut errs).unwrap_or(0);
        let m = count("participants_male", &input.participants_male, &mut errs).unwrap_or(0);
        let o = count("participants_other", &input.participants_other, &mut errs).unwrap_or(0);
        if f + m + o == 0 && !errs.iter().any(|e| e.field.starts_with("participants")) {
            errs.push(ValidationError::new(
                "participants_female",
                "the number of participants (female, male, other or not stated), at least one in all",
            ));
        }
        let organiser = text("organiser", &input.organiser, 200, true, &mut errs);
        let (Some(audience), Some(held_on), true) = (audience, held_on, errs.is_empty()) else { return Err(ServiceError::Invalid(errs)) };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = TrainingRecord {
            id: id.0,
            org_id: actor.org_id.0,
            topic,
            audience: audience.code().into(),
            held_on,
            participants_female: f,
            participants_male: m,
            participants_other: o,
            organiser,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let ev = self.event(Some(actor), meta, "training.create", Some(("training", rec.id.to_string())), AuditOutcome::Ok);
        self.store.save_prevention(&[PreventionRecord::Training(rec)], &[ev]).await?;
        Ok(())
    }

    /// Record a budget line (coordinators).
    pub async fn record_budget(&self, caller: &Caller, input: &NewBudget, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        if !actor.roles.has(Role::Coordinator) {
            return Err(self.denied(actor, meta, "budget.create", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let area = ProgrammeArea::parse(&input.programme_area).map_err(|e| errs.push(e)).ok();
        let year = match input.fiscal_year.trim().parse::<i64>() {
            Ok(y) if (1990..=2100).contains(&y) => Some(y),
            _ => {
                errs.push(ValidationError::new("fiscal_year", "a year from 1990 to 2100"));
                None
            }
        };
        let allocated = Money::parse("allocated", &input.allocated, &input.currency).map_err(|e| errs.push(e)).ok();
        let spent = if input.spent.trim().is_empty() {
            Money::parse("spent", "0", &input.currency).ok()
        } else {
            Money::parse("spent", &input.spent, &input.currency).map_err(|e| errs.push(e)).ok()
        };
        let funder = text("funder", &input.funder, 200, true, &mut errs);
        errs.dedup_by(|a, b| a.field == b.field);
        let (Some(area), Some(year), Some(allocated), Some(spent), true) = (area, year, allocated, spent, errs.is_empty()) else {
            return Err(ServiceError::Invalid(errs));
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let rec = BudgetRecord {
            id: id.0,
            org_id: actor.org_id.0,
            programme_area: area.code().into(),
            fiscal_year: year,
            allocated_minor: allocated.minor,
            spent_minor: spent.minor,
            currency: allocated.currency().to_owned(),
            funder,
            created_by: actor.user_id.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let ev = self.event(Some(actor), meta, "budget.create", Some(("budget", rec.id.to_string())), AuditOutcome::Ok);
        self.store.save_prevention(&[PreventionRecord::Budget(rec)], &[ev]).await?;
        Ok(())
    }

    /// Import treaty status from CSV (`country,iso3,instrument,signature_date,consent_date,consent_type`, as the
    /// UN Treaty Collection lists it), all or nothing: any invalid row names its line and field
    /// and nothing is written. Rows for a (country, instrument) already held are replaced.
    /// Coordinators, or the console.
    pub async fn import_treaty_status(
        &self,
        caller: &Caller,
        csv_text: &[u8],
        source: &str,
        as_of: &str,
        meta: &RequestMeta,
    ) -> Result<TreatyImport> {
        let actor = match caller {
            Caller::User(a) => {
                if !a.roles.has(Role::Coordinator) {
                    return Err(self.denied(a, meta, "treaty_status.import", None, Denied::Forbidden).await);
                }
                Some(a)
            }
            Caller::Console => None,
        };
        let mut errs = Vec::new();
        let source = text("source", source, 500, true, &mut errs);
        let as_of = date("as_of", as_of, true, &mut errs);
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv_text);
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
            Err(_) => Vec::new(),
        };
        let need = ["country", "iso3", "instrument", "signature_date", "consent_date", "consent_type"];
        let pos: Vec<Option<usize>> = need.iter().map(|n| header.iter().position(|h| h == n)).collect();
        if pos.iter().any(Option::is_none) {
            errs.push(ValidationError::new("file", format!("a CSV file with the columns {}", need.join(", "))));
            return Err(ServiceError::Invalid(errs));
        }
        let (Some(source), Some(as_of)) = (Some(source), as_of) else { return Err(ServiceError::Invalid(errs)) };
        let existing = self.store.treaty_status().await?;
        let now = self.now();
        let mut records = Vec::new();
        let (mut added, mut updated) = (0, 0);
        for (n, row) in reader.records().enumerate() {
            let line = n + 2;
            let row = match row {
                Ok(r) => r,
                Err(_) => {
                    errs.push(ValidationError::new("file", format!("line {line}: a row of six comma-separated values")));
                    continue;
                }
            };
            let get = |i: usize| pos[i].and_then(|p| row.get(p)).unwrap_or("").trim().to_owned();
            let mut row_err =
                |field: &'static str, expected: String| errs.push(ValidationError::new(field, format!("line {line}: {expected}")));
            let country = get(0);
            if country.is_empty() || country.chars().count() > 120 || country.chars().any(char::is_control) {
                row_err("country", "the participant's name, 1 to 120 characters".into());
            }
            let iso3 = get(1);
            if !(iso3.is_empty() || (iso3.len() == 3 && iso3.chars().all(|c| c.is_ascii_uppercase()))) {
                row_err("iso3", "an ISO 3166-1 alpha-3 code, or empty".into());
            }
            let instrument = Instrument::parse(&get(2)).map_err(|e| row_err("instrument", e.expected)).ok();
            let mut dates = Vec::new();
            for (i, field) in [(3usize, "signature_date"), (4, "consent_date")] {
                let v = get(i);
                let mut e = Vec::new();
                dates.push(date(field, &v, false, &mut e));
                if !e.is_empty() {
                    row_err(field, "a date as YYYY-MM-DD, or empty".into());
                }
            }
            let consent_type = match get(5).as_str() {
                "" => None,
                c => ConsentType::parse(c).map_err(|e| row_err("consent_type", e.expected)).ok().map(|t| t.code().to_owned()),
            };
            if dates[1].is_some() != consent_type.is_some() {
                row_err("consent_type", "given exactly when consent_date is".into());
            }
            let Some(instrument) = instrument else { continue };
            let prior = existing.iter().find(|t| t.country == country && t.instrument == instrument.code());
            let (id, version, created_at) = match prior {
                Some(p) => {
                    updated += 1;
                    (p.id, p.version + 1, p.created_at)
                }
                None => {
                    added += 1;
                    (self.new_ids()?.1.0, 1, now)
                }
            };
            records.push(PreventionRecord::Treaty(TreatyStatusRecord {
                id,
                country,
                iso3,
                instrument: instrument.code().into(),
                signature_date: dates[0],
                consent_date: dates[1],
                consent_type,
                source: source.clone(),
                as_of,
                created_at,
                updated_at: now,
                version,
            }));
        }
        if !errs.is_empty() {
            errs.truncate(50);
            return Err(ServiceError::Invalid(errs));
        }
        let rows = records.len();
        let mut ev = self.event(actor, meta, "treaty_status.import", None, AuditOutcome::Ok);
        if actor.is_none() {
            ev.actor_user_id = Some("console".into());
        }
        ev.purpose = Some(format!("{rows} rows as of {as_of}"));
        self.store.save_prevention(&records, &[ev]).await?;
        Ok(TreatyImport { rows, added, updated })
    }

    /// Campaigns, trainings, budgets and treaty status (`country`: only that ISO3's rows).
    pub async fn prevention(&self, caller: &Caller, country: &str) -> Result<PreventionView> {
        let actor = Self::user_of(caller)?;
        self.prevention_view(country, records_programme(actor), actor.roles.has(Role::Coordinator)).await
    }

    /// The programme's records (not about persons), for a page or the report.
    pub(crate) async fn prevention_view(&self, country: &str, may_record: bool, may_budget: bool) -> Result<PreventionView> {
        let orgs = self.org_names().await?;
        let org = |id: uuid::Uuid| orgs.get(&palermo_domain::ids::OrgId(id)).cloned().unwrap_or_default();
        let split = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let country = country.trim().to_uppercase();
        Ok(PreventionView {
            campaigns: self
                .store
                .campaigns()
                .await?
                .into_iter()
                .map(|c| CampaignView {
                    organisation: org(c.org_id),
                    kind: c.kind,
                    channels: split(&c.channels),
                    audience: split(&c.audience),
                    regions: split(&c.regions),
                    starts_on: c.starts_on.to_string(),
                    ends_on: c.ends_on.map(|d| d.to_string()),
                    reach: c.reach,
                    cost: match (c.cost_minor, &c.currency) {
                        (Some(m), Some(cur)) => Some(money_text(m, cur)),
                        _ => None,
                    },
                    partners: c.partners,
                    title: c.title,
                })
                .collect(),
            trainings: self
                .store
                .trainings()
                .await?
                .into_iter()
                .map(|t| TrainingView {
                    organisation: org(t.org_id),
                    audience: t.audience,
                    held_on: t.held_on.to_string(),
                    participants: t.participants_female + t.participants_male + t.participants_other,
                    participants_female: t.participants_female,
                    participants_male: t.participants_male,
                    participants_other: t.participants_other,
                    organiser: t.organiser,
                    topic: t.topic,
                })
                .collect(),
            budgets: self
                .store
                .budgets()
                .await?
                .into_iter()
                .map(|b| BudgetView {
                    allocated: money_text(b.allocated_minor, &b.currency),
                    spent: money_text(b.spent_minor, &b.currency),
                    execution: prevention::execution_per_mille(b.allocated_minor, b.spent_minor).map(|p| format!("{}.{}%", p / 10, p % 10)),
                    programme_area: b.programme_area,
                    fiscal_year: b.fiscal_year,
                    allocated_minor: b.allocated_minor,
                    spent_minor: b.spent_minor,
                    currency: b.currency,
                    funder: b.funder,
                })
                .collect(),
            treaties: self
                .store
                .treaty_status()
                .await?
                .into_iter()
                .filter(|t| country.is_empty() || t.iso3 == country)
                .map(|t| TreatyView {
                    country: t.country,
                    iso3: t.iso3,
                    instrument: t.instrument,
                    signature_date: t.signature_date.map(|d| d.to_string()),
                    consent_date: t.consent_date.map(|d| d.to_string()),
                    consent_type: t.consent_type,
                    source: t.source,
                    as_of: t.as_of.to_string(),
                })
                .collect(),
            may_record,
            may_budget,
        })
    }
}
