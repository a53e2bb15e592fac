//! Published statistics (issue 6, first part): tables built from the records, passed through
//! the disclosure gate of `palermo-stats`, written in the field's formats. Every release is
//! audited (who, what, when).

use crate::admin::Caller;
use crate::report::{StatTable, Words};
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::Denied;
use palermo_domain::role::Role;
use palermo_stats::{Cell, Released, Table};
use serde::Serialize;
use std::collections::HashMap;

/// The SDG 16.2.2 series of detected victims: the total and one per form of exploitation.
/// Palermo's screening forms are labour and sexual exploitation; other forms have no series of
/// their own here yet. Codes from the SDG SDMX DSD (`IAEG-SDGs:DF_SDG_GLH`) [verify].
pub const SDG_SERIES: &[(&str, Option<&str>)] =
    &[("VC_HTF_DETV", None), ("VC_HTF_DETVSX", Some("sexual")), ("VC_HTF_DETVFL", Some("labour"))];

/// The columns of the SDMX-CSV file (SDMX-CSV 1.0: the dataflow, the dimensions, the time
/// period, the value, then attributes) [verify against DF_SDG_GLH 1.12].
pub const SDMX_COLUMNS: &[&str] =
    &["DATAFLOW", "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "CONF_STATUS"];

/// An SDMX-CSV release.
#[derive(Debug, Clone)]
pub struct SdmxRelease {
    pub csv: String,
    pub observations: usize,
    pub suppressed: usize,
}

impl Palermo {
    /// SDG 16.2.2 — victims of trafficking detected in `year`, by sex and age, total and per
    /// form of exploitation — as SDMX-CSV, every observation through the disclosure gate.
    /// Coordinators and analysts; the release is audited.
    pub async fn sdg_16_2_2(&self, caller: &Caller, year: i32, ref_area: &str, meta: &RequestMeta) -> Result<SdmxRelease> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.release", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        if !(1990..=2100).contains(&year) {
            errs.push(ValidationError::new("year", "a year from 1990 to 2100"));
        }
        let area = ref_area.trim();
        if area.len() != 3 || !area.chars().all(|c| c.is_ascii_digit()) {
            errs.push(ValidationError::new("ref_area", "the country's UN M49 numeric code, three digits such as 642"));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        // The observations of the one release of these people (with the GLOTIP tables).
        let release = self.victims_release(year).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let w = |out: &mut csv::Writer<Vec<u8>>, rec: &[&str]| out.write_record(rec).map_err(|e| ServiceError::Internal(e.to_string()));
        w(&mut out, SDMX_COLUMNS)?;
        let (mut observations, mut suppressed) = (0, 0);
        let year_s = year.to_string();
        for ((series, _), obs) in SDG_SERIES.iter().zip(&release.sdg) {
            for ((sex, age), cell) in crate::glotip::SDG_OBSERVATIONS.iter().zip(obs) {
                let (value, conf) = match cell {
                    Cell::Count(n) => (n.to_string(), "F"),
                    Cell::Suppressed(_) => {
                        suppressed += 1;
                        (String::new(), "C")
                    }
                };
                w(&mut out, &["IAEG-SDGs:DF_SDG_GLH(1.12)", "A", "N", series, area, sex, age, &year_s, &value, "NUMBER", conf])?;
                observations += 1;
            }
        }
        let csv = String::from_utf8(out.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))?)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut ev =
            self.event(Some(actor), meta, "statistics.release", Some(("release", format!("sdg-16.2.2/{year}/{area}"))), AuditOutcome::Ok);
        ev.purpose = Some(format!(
            "SDG 16.2.2 SDMX-CSV, {observations} observations, {suppressed} suppressed, threshold {}",
            self.disclosure().threshold
        ));
        self.audit_read(ev).await?;
        Ok(SdmxRelease { csv, observations, suppressed })
    }
}

/// A series' differential-privacy budget and what was released against it.
#[derive(Debug, Clone, Serialize)]
pub struct DpLedgerView {
    pub series: String,
    pub epsilon_budget: f64,
    pub epsilon_spent: f64,
    pub releases: Vec<DpReleaseView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DpReleaseView {
    pub epsilon: f64,
    pub delta: String,
    pub what: String,
    pub released_by: String,
    pub released_at: String,
}

/// A differentially private table: victims detected by sex × age, Laplace noise on every cell
/// (each person is in one cell: the whole table costs ε once), totals added from the noisy cells.
#[derive(Debug, Clone, Serialize)]
pub struct DpTable {
    pub series: String,
    pub epsilon: f64,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    pub cells: Vec<Vec<u64>>,
    pub row_totals: Vec<u64>,
    pub col_totals: Vec<u64>,
    pub total: u64,
    pub ledger: DpLedgerView,
}

/// The first day of `year` and of the next: the range of a yearly release (1990–2100).
pub(crate) fn year_range(year: i32) -> Result<(time::Date, time::Date)> {
    let bad = || ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]);
    if !(1990..=2100).contains(&year) {
        return Err(bad());
    }
    let from = time::Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| bad())?;
    let to = time::Date::from_calendar_date(year + 1, time::Month::January, 1).map_err(|_| bad())?;
    Ok((from, to))
}

fn micro(epsilon: f64) -> i64 {
    (epsilon * 1_000_000.0).round() as i64
}

fn valid_series(s: &str) -> bool {
    (1..=80).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

fn uniform() -> Result<f64> {
    let b = palermo_crypto::random_bytes::<8>().map_err(|e| ServiceError::Internal(e.to_string()))?;
    // 53 random bits in (0, 1).
    let x = u64::from_le_bytes(b) >> 11;
    Ok((x as f64 + 0.5) / (1u64 << 53) as f64)
}

impl Palermo {
    pub(crate) fn may_release(actor: &palermo_domain::policy::Actor) -> bool {
        actor.roles.has(Role::Coordinator) || actor.roles.has(Role::Analyst)
    }

    /// Set the ε budget of a series of releases (coordinators). Lowering it below what was spent
    /// stops further releases; it never undoes one.
    pub async fn set_dp_budget(&self, caller: &Caller, series: &str, epsilon: f64, meta: &RequestMeta) -> Result<DpLedgerView> {
        let actor = Self::user_of(caller)?;
        if !actor.roles.has(Role::Coordinator) {
            return Err(self.denied(actor, meta, "statistics.dp_budget", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let series = series.trim();
        if !valid_series(series) {
            errs.push(ValidationError::new("series", "a series name of 1 to 80 characters: a-z, 0-9, '-' and '.'"));
        }
        if !(epsilon.is_finite() && epsilon > 0.0 && epsilon <= 100.0) {
            errs.push(ValidationError::new("epsilon", "a number greater than 0 and at most 100"));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let now = self.now();
        let rec = match self.store.dp_budget(series).await? {
            Some(mut b) => {
                b.epsilon_budget_micro = micro(epsilon);
                b.set_by = actor.user_id.0;
                b.updated_at = now;
                b.version += 1;
                b
            }
            None => palermo_store::DpBudgetRecord {
                id: self.new_ids()?.1.0,
                series: series.to_owned(),
                epsilon_budget_micro: micro(epsilon),
                set_by: actor.user_id.0,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        };
        let mut ev = self.event(Some(actor), meta, "statistics.dp_budget", Some(("dp_series", series.to_owned())), AuditOutcome::Ok);
        ev.purpose = Some(format!("ε budget {epsilon}"));
        self.store.set_dp_budget(&rec, &[ev]).await?;
        self.ledger(series).await
    }

    async fn ledger(&self, series: &str) -> Result<DpLedgerView> {
        let budget = self.store.dp_budget(series).await?;
        let releases = self.store.dp_releases(series).await?;
        let mut names = HashMap::new();
        for r in &releases {
            if let std::collections::hash_map::Entry::Vacant(e) = names.entry(r.released_by)
                && let Some(u) = self.store.get_user(palermo_domain::ids::UserId(r.released_by)).await?
            {
                e.insert(u.display_name);
            }
        }
        Ok(DpLedgerView {
            series: series.to_owned(),
            epsilon_budget: budget.map_or(0.0, |b| b.epsilon_budget_micro as f64 / 1e6),
            epsilon_spent: releases.iter().map(|r| r.epsilon_micro).sum::<i64>() as f64 / 1e6,
            releases: releases
                .iter()
                .map(|r| DpReleaseView {
                    epsilon: r.epsilon_micro as f64 / 1e6,
                    delta: r.delta.clone(),
                    what: r.what.clone(),
                    released_by: names.get(&r.released_by).cloned().unwrap_or_default(),
                    released_at: r.released_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The ledger of a series (coordinators, analysts).
    pub async fn dp_ledger(&self, caller: &Caller, series: &str, meta: &RequestMeta) -> Result<DpLedgerView> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.dp_ledger", None, Denied::Forbidden).await);
        }
        if !valid_series(series.trim()) {
            return Err(ServiceError::Invalid(vec![ValidationError::new("series", "a series name: a-z, 0-9, '-' and '.'")]));
        }
        self.ledger(series.trim()).await
    }

    /// Victims detected in `year` by sex × age with Laplace noise, charged against the budget of
    /// the series `sdg-16-2-2-<year>` before anything is computed; refused when it would overspend.
    pub async fn dp_release_victims(&self, caller: &Caller, year: i32, epsilon: f64, meta: &RequestMeta) -> Result<DpTable> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.dp_release", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        if !(1990..=2100).contains(&year) {
            errs.push(ValidationError::new("year", "a year from 1990 to 2100"));
        }
        if !(epsilon.is_finite() && (0.01..=10.0).contains(&epsilon)) {
            errs.push(ValidationError::new("epsilon", "a number from 0.01 to 10"));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let series = format!("sdg-16-2-2-{year}");
        let Some(budget) = self.store.dp_budget(&series).await? else {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "year",
                format!("a year whose series {series} has a privacy budget (a coordinator sets it first)"),
            )]));
        };
        let spent: i64 = self.store.dp_releases(&series).await?.iter().map(|r| r.epsilon_micro).sum();
        let mut ledger =
            palermo_stats::Ledger { epsilon_budget: budget.epsilon_budget_micro as f64 / 1e6, epsilon_spent: spent as f64 / 1e6 };
        if let Err(e) = ledger.charge(epsilon) {
            return Err(ServiceError::Conflict(e.to_string()));
        }
        let now = self.now();
        let what = format!("victims detected {year} by sex × age, Laplace noise");
        let rec = palermo_store::DpReleaseRecord {
            id: self.new_ids()?.1.0,
            series: series.clone(),
            epsilon_micro: micro(epsilon),
            delta: "0".into(),
            what: what.clone(),
            released_by: actor.user_id.0,
            released_at: now,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut ev = self.event(Some(actor), meta, "statistics.dp_release", Some(("dp_series", series.clone())), AuditOutcome::Ok);
        ev.purpose = Some(format!("ε {epsilon}: {what}"));
        // The charge is checked again inside the transaction (two analysts at once cannot both spend the last ε).
        if !self.store.charge_dp_release(&rec, &[ev]).await? {
            return Err(ServiceError::Conflict(format!("the privacy budget of {series} is spent; nothing was released")));
        }
        let (from, to) = year_range(year)?;
        let mut cells = vec![vec![0u64; 3]; 3];
        for (sex, age, _, n) in self.store.victims_detected(from, to).await? {
            cells[crate::glotip::sex_index(&sex)][crate::glotip::age_index(&age)] += u64::try_from(n).unwrap_or(0);
        }
        for row in cells.iter_mut() {
            for c in row.iter_mut() {
                *c = palermo_stats::laplace(*c, epsilon, uniform()?);
            }
        }
        let row_totals: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
        let col_totals: Vec<u64> = (0..3).map(|j| cells.iter().map(|r| r[j]).sum()).collect();
        Ok(DpTable {
            series: series.clone(),
            epsilon,
            row_labels: vec!["F".into(), "M".into(), "unknown".into()],
            col_labels: vec!["<18".into(), "18+".into(), "unknown".into()],
            total: row_totals.iter().sum(),
            cells,
            row_totals,
            col_totals,
            ledger: self.ledger(&series).await?,
        })
    }
}

/// Waiting times in one group: referrals (gated) and days from referral to the first
/// reasonable-grounds decision and from it to the first conclusive-grounds decision, as median
/// and 90th percentile — each only over at least the threshold's number of decisions.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingRow {
    /// `all`, `sex`, `age_group` or `nationality`.
    pub dimension: String,
    pub group: String,
    pub referrals: String,
    pub rg_median_days: Option<i64>,
    pub rg_p90_days: Option<i64>,
    pub cg_median_days: Option<i64>,
    pub cg_p90_days: Option<i64>,
}

impl WaitingRow {
    /// The group as one code, `all` or `dimension:group` (`sex:female`, `nationality:ROU`): what
    /// the pages label with the lists `stat-dimension` and `stat-group`.
    pub fn code(&self) -> String {
        if self.dimension == "all" { "all".to_owned() } else { format!("{}:{}", self.dimension, self.group) }
    }
}

/// A group's durations in days (to RG, RG to CG), one per referral; its count of referrals is
/// the referral release's ([`joint_referral_release`]).
type Durations = (Vec<i64>, Vec<i64>);

#[derive(Debug, Clone, Serialize)]
pub struct WaitingTimes {
    pub year: i32,
    pub threshold: u64,
    pub rows: Vec<WaitingRow>,
}

impl Palermo {
    /// NRM decision waiting times by sex, age group and nationality (process equity, ¶8), for
    /// the referrals of `year` (small groups are not published), and the year's one release of
    /// the cases they take their referral counts from ([`crate::cases_release`]).
    pub(crate) async fn waiting_and_release(&self, year: i32) -> Result<(Vec<WaitingRow>, crate::cases_release::CasesRelease)> {
        let (from, to) = year_range(year)?;
        let th = self.disclosure().threshold;
        let (rows, cases) =
            tokio::try_join!(async { self.store.decision_waits(from, to).await.map_err(ServiceError::from) }, self.cases_release(year))?;
        let release = &cases.referrals;
        // (dimension, group) → (RG days, CG days), in order; a group's durations repeated once per referral.
        let mut groups: std::collections::BTreeMap<(&'static str, String), Durations> = std::collections::BTreeMap::new();
        for (sex, age, citizenships, rg_days, cg_days, n) in rows {
            let sex_group = crate::report::SEX_ROWS[crate::glotip::sex_index(&sex)];
            let nationality = crate::glotip::citizenship(&citizenships);
            let rg_days = rg_days.filter(|d| *d >= 0);
            let cg_days = cg_days.filter(|d| *d >= 0 && rg_days.is_some());
            let times = usize::try_from(n).unwrap_or(0);
            for key in [("all", "all"), ("sex", sex_group), ("age_group", age.as_str()), ("nationality", nationality.as_str())] {
                let g = groups.entry((key.0, key.1.to_owned())).or_default();
                if let Some(d) = rg_days {
                    g.0.extend(std::iter::repeat_n(d, times));
                }
                if let Some(d) = cg_days {
                    g.1.extend(std::iter::repeat_n(d, times));
                }
            }
        }
        let enough = |xs: Vec<i64>| if xs.len() as u64 >= th { palermo_stats::median_and_p90(xs) } else { None };
        let published = &release.counts;
        let rows = groups
            .into_iter()
            .map(|((dimension, group), (rg, cg))| {
                let rgs = enough(rg);
                let cgs = enough(cg);
                let referrals = published.get(&(dimension, group.clone())).map_or_else(|| "x".to_owned(), ToString::to_string);
                WaitingRow {
                    dimension: dimension.to_owned(),
                    group,
                    referrals,
                    rg_median_days: rgs.map(|s| s.0),
                    rg_p90_days: rgs.map(|s| s.1),
                    cg_median_days: cgs.map(|s| s.0),
                    cg_p90_days: cgs.map(|s| s.1),
                }
            })
            .collect();
        Ok((rows, cases))
    }

    /// `GET /api/v1/statistics/waiting-times?year=…` (coordinators, analysts).
    pub async fn waiting_times(&self, caller: &Caller, year: i32, meta: &RequestMeta) -> Result<WaitingTimes> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.waiting_times", None, Denied::Forbidden).await);
        }
        if !(1990..=2100).contains(&year) {
            return Err(ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]));
        }
        Ok(WaitingTimes { year, threshold: self.disclosure().threshold, rows: self.waiting_and_release(year).await?.0 })
    }
}

/// The referrals of a year as they are published: the table by sex × reasonable-grounds decision
/// (the report's ¶8) and the referral counts of the waiting-times table per group (sex, age group,
/// nationality; each dimension's groups add up to all the referrals). They count the same
/// referrals — the waiting times' sex groups are the ¶8 table's row totals — so they are released
/// together: every figure a sum of the finest cells (sex × age group × decision × nationality),
/// the ¶8 table through the gate, each small count hidden, then
/// [`palermo_stats::joint::protect`] until no hidden figure of either is a combination of the
/// published ones of both. Each count gated on its own (as before 2026-12-06) let a small group
/// be all the referrals minus the others.
#[derive(Debug, Clone)]
pub struct ReferralRelease {
    pub decisions: Released,
    /// (dimension, group) → the count as published; `("all", "all")` for every referral.
    pub counts: std::collections::HashMap<(&'static str, String), Cell>,
}

/// [`ReferralRelease`] from the referrals by (sex, age group, nationality, referrals, of them
/// with a positive reasonable-grounds decision).
pub fn joint_referral_release(
    rows: &[(String, String, String, i64, i64)],
    year: i32,
    policy: &palermo_stats::Policy,
) -> Result<ReferralRelease> {
    use crate::report::SEX_ROWS;
    let nationality = crate::glotip::citizenship;
    let mut ages: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    ages.sort();
    ages.dedup();
    let mut nats: Vec<String> = rows.iter().map(|r| nationality(&r.2)).collect();
    nats.sort();
    nats.dedup();
    let (na, nn) = (ages.len(), nats.len());
    // Atom of (sex, age, decision: 1 positive / 0 not, nationality).
    let atom = |s: usize, a: usize, r: usize, k: usize| ((s * na + a) * 2 + r) * nn + k;
    let atoms_n = 3 * na * 2 * nn;
    let mut atoms = vec![0u64; atoms_n];
    for (sex, age, nat, n, positive) in rows {
        let a = ages.iter().position(|x| x == age).unwrap_or(0);
        let k = nats.iter().position(|x| *x == nationality(nat)).unwrap_or(0);
        let s = crate::glotip::sex_index(sex);
        let positive = (*positive).clamp(0, *n);
        for (r, count) in [(1, positive), (0, *n - positive)] {
            if let Some(x) = atoms.get_mut(atom(s, a, r, k)) {
                *x += u64::try_from(count).unwrap_or(0);
            }
        }
    }
    let select = |s: &dyn Fn(usize) -> bool, a: &dyn Fn(usize) -> bool, r: &dyn Fn(usize) -> bool, k: &dyn Fn(usize) -> bool| {
        let mut out = Vec::new();
        for si in (0..3).filter(|&x| s(x)) {
            for ai in (0..na).filter(|&x| a(x)) {
                for ri in (0..2).filter(|&x| r(x)) {
                    for ki in (0..nn).filter(|&x| k(x)) {
                        out.push(atom(si, ai, ri, ki));
                    }
                }
            }
        }
        out
    };
    let any = |_: usize| true;
    let value = |f: &[usize]| f.iter().map(|&i| atoms[i]).sum::<u64>();
    // The ¶8 table: sex × (positive, not (yet) positive), through the gate first.
    let cells: Vec<Vec<u64>> = (0..3)
        .map(|s| vec![value(&select(&|x| x == s, &any, &|r| r == 1, &any)), value(&select(&|x| x == s, &any, &|r| r == 0, &any))])
        .collect();
    let mut decisions = palermo_stats::release(
        &Table {
            title: format!("Referrals into the NRM, {year}, by sex and reasonable-grounds decision"),
            row_labels: SEX_ROWS.iter().map(|s| (*s).to_owned()).collect(),
            col_labels: vec!["positive".into(), "not_positive".into()],
            cells,
        },
        policy,
    )
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    // Column 0 is the positive decisions (r = 1), column 1 the others (r = 0).
    let (mut figures, mut hidden) = palermo_stats::figures_over(&decisions, |s, c| select(&|x| x == s, &any, &|r| r == 1 - c, &any));
    let table_figures = figures.len();
    // The waiting times' groups that have referrals, then all of them.
    let mut groups: Vec<(&'static str, String)> = Vec::new();
    for (s, label) in SEX_ROWS.iter().enumerate() {
        let f = select(&|x| x == s, &any, &any, &any);
        if value(&f) > 0 {
            groups.push(("sex", (*label).to_owned()));
            figures.push(f);
        }
    }
    for (a, label) in ages.iter().enumerate() {
        groups.push(("age_group", label.clone()));
        figures.push(select(&any, &|x| x == a, &any, &any));
    }
    for (k, label) in nats.iter().enumerate() {
        groups.push(("nationality", label.clone()));
        figures.push(select(&any, &any, &any, &|x| x == k));
    }
    groups.push(("all", "all".to_owned()));
    figures.push(select(&any, &any, &any, &any));
    let values: Vec<u64> = figures.iter().map(|f| value(f)).collect();
    hidden.extend(values[table_figures..].iter().map(|&v| v > 0 && v < policy.threshold));
    palermo_stats::joint::protect(&figures, &values, &mut hidden, atoms_n);
    // What the joint check hid in the ¶8 table.
    palermo_stats::hide_figures(&mut decisions, &hidden[..table_figures]);
    let hide = Cell::Suppressed(palermo_stats::Suppressed::Complementary);
    let round = |v: u64| policy.round_to.map_or(v, |k| v / k * k);
    let counts = groups
        .into_iter()
        .zip(&hidden[table_figures..])
        .zip(&values[table_figures..])
        .map(|((g, h), v)| {
            let cell = if !*h {
                Cell::Count(round(*v))
            } else if *v > 0 && *v < policy.threshold {
                Cell::Suppressed(palermo_stats::Suppressed::Primary)
            } else {
                hide
            };
            (g, cell)
        })
        .collect();
    Ok(ReferralRelease { decisions, counts })
}

/// How fast referrals between organisations were answered, per service kind.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRow {
    /// The service kind, or `all`.
    pub kind: String,
    /// Hours from sending to the answer (accepted or declined), median and 90th percentile;
    /// none where fewer referrals than the threshold were answered.
    pub median_hours: Option<i64>,
    pub p90_hours: Option<i64>,
}

/// Referrals between organisations sent in a year (¶6, ¶9): what became of them, through the
/// gate, and how fast they were answered. The numbers answered per kind are not published
/// beside the gated table: with a published cell of the same row they would give a hidden
/// one away.
#[derive(Debug, Clone, Serialize)]
pub struct ReferralResponses {
    pub year: i32,
    pub threshold: u64,
    /// Service kind × accepted (or completed), declined, revoked by the sender, not answered
    /// (with totals), through the gate.
    pub outcomes: StatTable,
    pub times: Vec<ResponseRow>,
}

/// Seconds to whole hours, rounded.
fn hours(seconds: i64) -> i64 {
    (seconds + 1800).div_euclid(3600)
}

impl Palermo {
    /// The referral statistics of `year` (for the dashboard, the report and the API).
    pub(crate) async fn referral_responses(&self, year: i32) -> Result<ReferralResponses> {
        let (from, to) = year_range(year)?;
        let (from_at, to_at) = (from.midnight().assume_utc(), to.midnight().assume_utc());
        let th = self.disclosure().threshold;
        let mut kinds: std::collections::BTreeMap<String, ([u64; 4], Vec<i64>)> = std::collections::BTreeMap::new();
        let mut all = Vec::new();
        for (kind, status, sent_at, responded_at) in self.store.referral_responses(from_at, to_at).await? {
            let k = kinds.entry(kind).or_default();
            let col = match status.as_str() {
                "accepted" | "completed" => 0,
                "declined" => 1,
                "revoked" => 2,
                _ => 3,
            };
            k.0[col] += 1;
            if let Some(at) = responded_at {
                let secs = (at - sent_at).whole_seconds().max(0);
                k.1.push(secs);
                all.push(secs);
            }
        }
        let mut times = Vec::new();
        let timing = |kind: String, xs: Vec<i64>| {
            let stats = if xs.len() as u64 >= th { palermo_stats::median_and_p90(xs) } else { None };
            ResponseRow { kind, median_hours: stats.map(|s| hours(s.0)), p90_hours: stats.map(|s| hours(s.1)) }
        };
        let mut row_labels = Vec::new();
        let mut cells = Vec::new();
        for (kind, (counts, secs)) in kinds {
            row_labels.push(kind.clone());
            cells.push(counts.to_vec());
            times.push(timing(kind, secs));
        }
        times.push(timing("all".into(), all));
        let outcomes = palermo_stats::release(
            &Table {
                title: format!("Referrals between organisations, {year}, by service and answer"),
                row_labels,
                col_labels: vec!["accepted".into(), "declined".into(), "revoked".into(), "not_answered".into()],
                cells,
            },
            &self.disclosure(),
        )
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let outcomes = StatTable::new(outcomes, Words::new("referral-outcomes", year, "service-kind", "stat-answer"));
        Ok(ReferralResponses { year, threshold: th, outcomes, times })
    }

    /// `GET /api/v1/statistics/referrals?year=…` (coordinators, analysts).
    pub async fn referral_statistics(&self, caller: &Caller, year: i32, meta: &RequestMeta) -> Result<ReferralResponses> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.referrals", None, Denied::Forbidden).await);
        }
        self.referral_responses(year).await
    }
}

/// The response-time chart: median hours per service kind (small groups: no bar).
pub(crate) fn response_chart(r: &ReferralResponses) -> crate::report::Chart {
    crate::report::Chart {
        title: format!("Median hours from sending a referral to its answer, {}", r.year),
        words: Words::new("response-chart", r.year, "service-kind", ""),
        unit: "hours".into(),
        bars: r.times.iter().map(|t| (t.kind.clone(), t.median_hours.and_then(|h| u64::try_from(h).ok()))).collect(),
    }
}

/// The statistics dashboard of coordinators and analysts: victims detected per month (through
/// the gate, as one table so a hidden month cannot be found from the year's total) with its
/// chart, victims by form of exploitation (the GLOTIP release), the waiting times with a chart of
/// the medians, and budget execution per programme area.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub year: i32,
    pub by_month: StatTable,
    pub chart: crate::report::Chart,
    pub waiting: Vec<WaitingRow>,
    /// The persons the year's cases concern: detected once, detected more than once, and in all
    /// ([`persons_release`]).
    pub persons: StatTable,
    /// Victims detected by form of exploitation × group: the same release as the GLOTIP table.
    pub by_form: StatTable,
    /// The same people by citizenship and by country of exploitation (linked with `by_form`).
    pub by_place: Vec<StatTable>,
    pub form_chart: crate::report::Chart,
    /// Median days from referral to the reasonable-grounds decision, per group (small groups
    /// not published).
    pub waiting_chart: crate::report::Chart,
    /// Budget execution in the year per programme area and currency: spent / allocated, in per cent.
    pub budget_chart: crate::report::Chart,
    /// Referrals between organisations: answers (gated) and response times.
    pub referrals: ReferralResponses,
    pub response_chart: crate::report::Chart,
}

/// The persons the year's cases concern, through the gate: one row, detected once and detected
/// more than once, with their total (the distinct persons). The cases counted everywhere else
/// are referrals; this says how many people they are, so that a person referred twice — or
/// recorded twice and merged in the duplicate review — is not counted as two. The cases' total
/// is published elsewhere on the page, so the persons' total would give away the cases of
/// persons detected more than once by subtraction: wherever a figure here is hidden, the total
/// is hidden too.
pub fn persons_release(year: i32, d: palermo_store::DetectedPersons, policy: &palermo_stats::Policy) -> Result<Released> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let table = Table {
        title: format!("Persons the cases concern, {year}"),
        row_labels: vec!["persons".into()],
        col_labels: vec!["once".into(), "more_than_once".into()],
        cells: vec![vec![count(d.persons - d.more_than_once), count(d.more_than_once)]],
    };
    let mut released = palermo_stats::release(&table, policy).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if released.cells.iter().flatten().any(|c| matches!(c, Cell::Suppressed(_))) {
        let hidden = Cell::Suppressed(palermo_stats::Suppressed::Complementary);
        released.total = hidden;
        released.row_totals.iter_mut().for_each(|c| *c = hidden);
    }
    Ok(released)
}

impl Palermo {
    pub async fn statistics_dashboard(&self, caller: &Caller, year: i32, meta: &RequestMeta) -> Result<Dashboard> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.dashboard", None, Denied::Forbidden).await);
        }
        let (from, to) = year_range(year)?;
        // The year's cases, released once: per month, by form and place, the referrals' counts.
        let (waiting, cases) = self.waiting_and_release(year).await?;
        let by_month = cases.by_month;
        let labels = by_month.col_labels.clone();
        let chart = crate::report::Chart {
            title: format!("Victims detected per month, {year}"),
            words: Words::new("victims-per-month", year, "", ""),
            unit: "cases".into(),
            bars: labels.into_iter().zip(by_month.cells.first().cloned().unwrap_or_default().into_iter().map(Cell::count)).collect(),
        };
        let by_month = StatTable::new(by_month, Words::new("victims-per-month", year, "stat-row", ""));
        let persons = persons_release(year, self.store.victims_detected_persons(from, to).await?, &self.disclosure())?;
        let persons = StatTable::new(persons, Words::new("persons", year, "stat-row", "stat-detected"));
        let mut by_place = cases.victims.tables.into_iter();
        let (Some(by_form), Some(by_citizenship), Some(by_country)) = (by_place.next(), by_place.next(), by_place.next()) else {
            return Err(ServiceError::Internal("the victims tables are three".into()));
        };
        let by_form = StatTable::new(by_form, Words::new("victims-by-form", year, "stat-victim-form", "stat-glotip-group"));
        let by_place = vec![
            StatTable::new(by_citizenship, Words::new("victims-by-citizenship", year, "", "stat-glotip-group")),
            StatTable::new(by_country, Words::new("victims-by-country", year, "", "stat-glotip-group")),
        ];
        let form_chart = crate::report::Chart {
            title: format!("Victims detected by form of exploitation, {year}"),
            words: Words::new("victims-by-form", year, "stat-victim-form", ""),
            unit: "cases".into(),
            bars: by_form.table.row_labels.iter().cloned().zip(by_form.table.row_totals.iter().map(|c| c.count())).collect(),
        };
        let waiting_chart = crate::report::Chart {
            title: format!("Median days from referral to the reasonable-grounds decision, {year}"),
            words: Words::new("waiting-chart", year, "stat-dimension:stat-group", ""),
            unit: "days".into(),
            bars: waiting
                .iter()
                .filter(|w| w.dimension != "nationality")
                .map(|w| (w.code(), w.rg_median_days.and_then(|d| u64::try_from(d).ok())))
                .collect(),
        };
        let mut areas: Vec<(String, i64, i64)> = Vec::new();
        for b in self.prevention(caller, "").await?.budgets.into_iter().filter(|b| b.fiscal_year == i64::from(year)) {
            let key = format!("{}:{}", b.programme_area, b.currency);
            match areas.iter_mut().find(|a| a.0 == key) {
                Some(a) => {
                    a.1 += b.allocated_minor;
                    a.2 += b.spent_minor;
                }
                None => areas.push((key, b.allocated_minor, b.spent_minor)),
            }
        }
        areas.sort();
        let budget_chart = crate::report::Chart {
            title: format!("Budget execution, {year} (spent as a share of allocated)"),
            words: Words::new("budget-execution", year, "programme-area:currency", ""),
            unit: "percent".into(),
            bars: areas
                .into_iter()
                .map(|(k, allocated, spent)| {
                    let pct = if allocated > 0 { u64::try_from(spent.saturating_mul(100) / allocated).ok() } else { None };
                    (k, pct)
                })
                .collect(),
        };
        let referrals = self.referral_responses(year).await?;
        let response_chart = response_chart(&referrals);
        Ok(Dashboard {
            year,
            by_month,
            persons,
            chart,
            waiting,
            by_form,
            by_place,
            form_chart,
            waiting_chart,
            budget_chart,
            referrals,
            response_chart,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palermo_stats::Policy;
    use palermo_store::DetectedPersons;

    fn published(r: &Released) -> (Vec<Option<u64>>, Option<u64>) {
        (r.cells.iter().flatten().map(|c| c.count()).collect(), r.total.count())
    }

    #[test]
    fn persons_are_published_only_when_no_figure_gives_away_a_few() {
        let policy = Policy { threshold: 11, round_to: None };
        let release =
            |cases, persons, more_than_once| persons_release(2026, DetectedPersons { cases, persons, more_than_once }, &policy).unwrap();
        // Nobody detected twice: every case is one person.
        assert_eq!(published(&release(120, 120, 0)), (vec![Some(120), Some(0)], Some(120)));
        // Enough persons detected more than once: all published (130 cases are 118 persons).
        assert_eq!(published(&release(130, 118, 11)), (vec![Some(107), Some(11)], Some(118)));
        // Two persons detected twice: that figure, its partner and the total are hidden (the
        // total would give the two away by subtraction from the cases).
        assert_eq!(published(&release(122, 120, 2)), (vec![None, None], None));
        let r = release(122, 120, 2);
        assert!(r.row_totals.iter().all(|c| c.count().is_none()));
        // A handful of cases in all: nothing to publish.
        assert_eq!(published(&release(5, 4, 1)), (vec![None, None], None));
    }

    /// `n` referrals, all with a positive reasonable-grounds decision (`positive` = 1) or none.
    fn referral(sex: &str, age: &str, nat: &str, positive: i64, n: i64) -> (String, String, String, i64, i64) {
        (sex.into(), age.into(), nat.into(), n, positive * n)
    }

    /// Three referrals of other or unknown sex: hidden, and so is a second sex group — else the
    /// year's referrals minus women and men would give them away, as the waiting times published
    /// them before (each count gated on its own); and the waiting times' sex groups are the ¶8
    /// table's row totals, hidden or published alike.
    #[test]
    fn a_small_group_of_the_referrals_is_not_the_total_minus_the_others() {
        let rows = vec![
            referral("Feminine", "adult", "UKR", 1, 12),
            referral("Feminine", "child", "UKR", 0, 8),
            referral("Masculine", "adult", "UKR", 1, 30),
            referral("Other", "child", "UKR", 0, 3),
        ];
        let r = joint_referral_release(&rows, 2026, &Policy { threshold: 11, round_to: None }).unwrap();
        let shown = |d: &'static str, g: &str| r.counts[&(d, g.to_owned())].count();
        assert_eq!(shown("all", "all"), Some(53));
        assert_eq!(shown("sex", "other_or_unknown"), None);
        assert!(shown("sex", "female").is_none() || shown("sex", "male").is_none(), "a second sex group hidden too");
        for (s, label) in crate::report::SEX_ROWS.iter().enumerate() {
            if let Some(c) = r.counts.get(&("sex", (*label).to_owned())) {
                assert_eq!(c.count(), r.decisions.row_totals[s].count(), "{label}: the same figure in both");
            }
        }
        assert!(joint_referral_release(&[], 2026, &Policy { threshold: 11, round_to: None }).is_ok(), "nobody: nothing fails");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Whatever the referrals: nothing published from 1 to the threshold − 1, the published
        /// figures true, a dimension never with exactly one group hidden beside a published total,
        /// and the waiting times' sex groups the ¶8 table's row totals, hidden or published alike.
        #[test]
        fn the_referral_release_holds_the_gate(
            people in proptest::collection::vec((0usize..3, 0usize..3, 0usize..4, 0i64..2, 1i64..25), 0..30),
            threshold in 3u64..15,
        ) {
            let sexes = ["Feminine", "Masculine", "Other"];
            let ages = ["adult", "child", "unknown"];
            let nats = ["UKR", "NGA", "", "SYR"];
            let rows: Vec<_> = people.iter().map(|(s, a, k, p, n)| referral(sexes[*s], ages[*a], nats[*k], *p, *n)).collect();
            let r = joint_referral_release(&rows, 2026, &Policy { threshold, round_to: None }).unwrap();
            let mut shown: Vec<u64> = r.counts.values().filter_map(|c| c.count()).collect();
            shown.extend(r.decisions.cells.iter().flatten().chain(&r.decisions.row_totals).chain(&r.decisions.col_totals).filter_map(|c| c.count()));
            for n in shown {
                proptest::prop_assert!(n == 0 || n >= threshold, "{} published under {}", n, threshold);
            }
            let all: u64 = rows.iter().map(|r| r.3 as u64).sum();
            if let Some(c) = r.counts.get(&("all", "all".to_owned())) {
                proptest::prop_assert!(c.count().is_none_or(|n| n == all));
                for d in ["sex", "age_group", "nationality"] {
                    let hidden = r.counts.iter().filter(|((dim, _), c)| *dim == d && c.count().is_none()).count();
                    proptest::prop_assert!(hidden != 1 || c.count().is_none(), "{}: one group hidden alone", d);
                }
            }
            for (s, label) in crate::report::SEX_ROWS.iter().enumerate() {
                if let Some(c) = r.counts.get(&("sex", (*label).to_owned())) {
                    proptest::prop_assert_eq!(c.count(), r.decisions.row_totals[s].count());
                }
            }
        }

        /// Whatever the counts: no published figure from 1 to the threshold − 1; where a figure is
        /// hidden the total is too; where everything is published it adds up to the persons.
        #[test]
        fn the_persons_release_holds_the_gate(persons in 0i64..400, repeated in 0i64..60, threshold in 3u64..30) {
            let more_than_once = repeated.min(persons);
            let policy = Policy { threshold, round_to: None };
            let d = DetectedPersons { cases: persons + more_than_once, persons, more_than_once };
            let r = persons_release(2026, d, &policy).unwrap();
            let (cells, total) = published(&r);
            for n in cells.iter().flatten().chain(total.iter()) {
                proptest::prop_assert!(*n == 0 || *n >= threshold, "{n} published under {threshold}");
            }
            if cells.iter().any(Option::is_none) {
                proptest::prop_assert_eq!(total, None);
            } else {
                proptest::prop_assert_eq!(total, Some(persons as u64));
                proptest::prop_assert_eq!(cells, vec![Some((persons - more_than_once) as u64), Some(more_than_once as u64)]);
            }
        }
    }
}
