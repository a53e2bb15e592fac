//! The national implementation report on resolution 58/137 (¶17), operative paragraph by
//! operative paragraph: the paragraph's text, the figures that answer it from the data (counts
//! of persons through the disclosure gate), tables and charts where they help, and the text the
//! coordinator writes. Rendering (HTML, PDF) is the web crate's.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::Denied;
use palermo_domain::role::Role;
use palermo_stats::{Policy, Released, Table};
use serde::Serialize;
use std::collections::HashMap;

/// The resolution's text, as published (source in `docs/reference/README.md`).
pub const RESOLUTION: &str = include_str!("../../../docs/reference/A-RES-58-137.txt");

/// How the pages say a published table or chart in the reader's language. `key` names the
/// message `st-<key>` of the web's locale files, given `$year` and the `args`; `rows` and
/// `cols` name the code lists of the row and column labels (of a chart: its bars),
/// `c-<list>-<code>` — `first:second` for two-part codes such as `sex:female`, "" for labels
/// shown as they are (months, country codes, campaign titles). A label its list has no words
/// for is looked up among the general ones (`c-stat-<code>`: all, unknown), else shown as it
/// is. The English `title` beside it is what the API and the exported files carry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Words {
    pub key: &'static str,
    pub year: i32,
    pub args: Vec<(&'static str, String)>,
    pub rows: &'static str,
    pub cols: &'static str,
}

impl Words {
    pub fn new(key: &'static str, year: i32, rows: &'static str, cols: &'static str) -> Self {
        Self { key, year, args: Vec::new(), rows, cols }
    }

    /// One more argument of the message.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// A table through the disclosure gate, with the words the pages say it in.
#[derive(Debug, Clone, Serialize)]
pub struct StatTable {
    pub words: Words,
    #[serde(flatten)]
    pub table: Released,
}

impl StatTable {
    pub fn new(table: Released, words: Words) -> Self {
        Self { words, table }
    }
}

/// A bar chart: labels and values (`None`: not published). `unit` is a code (`cases`,
/// `days`, `%`), said by the pages as `st-unit-<unit>`.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub title: String,
    pub words: Words,
    pub unit: String,
    pub bars: Vec<(String, Option<u64>)>,
}

/// A table of programme data (not counts of persons), published as it is: its words, the
/// message key of each column's header (`st-col-<key>`), the code list of each column's values
/// ("" for text, dates and numbers), and the rows.
#[derive(Debug, Clone, Serialize)]
pub struct PlainTable {
    pub words: Words,
    pub header: Vec<&'static str>,
    pub lists: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// A figure of a paragraph: what it counts (the message `rf-<key>`) and its value as
/// published; where `rule` is set the value is the argument `$n` of that message instead.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub value: String,
    pub rule: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportParagraph {
    pub number: u32,
    pub text: String,
    pub figures: Vec<Figure>,
    pub tables: Vec<StatTable>,
    pub plain_tables: Vec<PlainTable>,
    pub chart: Option<Chart>,
    /// The coordinator's text for this paragraph.
    pub narrative: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImplementationReport {
    pub year: i32,
    pub country: String,
    pub generated_at: String,
    pub threshold: u64,
    pub paragraphs: Vec<ReportParagraph>,
    pub may_write: bool,
}

/// The operative paragraphs 1–17 with their sub-items.
pub fn operative_paragraphs() -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut started = false;
    for line in RESOLUTION.lines() {
        let t = line.trim_start_matches('\t');
        let number = t.split_once(".\t").and_then(|(n, _)| n.parse::<u32>().ok());
        match number {
            Some(n) if n == out.last().map_or(1, |p| p.0 + 1) => {
                started = true;
                out.push((n, t.split_once(".\t").map(|(_, rest)| rest.trim().to_owned()).unwrap_or_default()));
            }
            _ if started && (t.starts_with('(')) => {
                if let Some(last) = out.last_mut() {
                    last.1.push('\n');
                    last.1.push_str(&t.replace('\t', " "));
                }
            }
            _ if started && out.len() == 17 => break,
            _ => {}
        }
    }
    out
}

fn gated(n: i64, policy: Policy) -> String {
    match u64::try_from(n) {
        Ok(v) if v > 0 && v < policy.threshold => "x".into(),
        Ok(v) => policy.round_to.map_or(v, |k| v / k * k).to_string(),
        Err(_) => "0".into(),
    }
}

/// A table of one row (`row`, a code of the list `stat-row`) through the gate.
fn one_row(policy: &Policy, title: &str, words: Words, row: &str, labels: &[&str], counts: &[i64]) -> Result<StatTable> {
    let t = Table {
        title: title.into(),
        row_labels: vec![row.into()],
        col_labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        cells: vec![counts.iter().map(|c| u64::try_from(*c).unwrap_or(0)).collect()],
    };
    let released = palermo_stats::release(&t, policy).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(StatTable::new(released, words))
}

/// The rows of the published tables by sex (female, male, other or unknown: HTCDS `prs_Gender`,
/// other genders counted with unknown sex so no small group stands out), the list `stat-sex`;
/// a person's row is `glotip::sex_index`.
pub const SEX_ROWS: [&str; 3] = ["female", "male", "other_or_unknown"];

fn money(minor: i64, currency: &str) -> String {
    crate::prevention::money_text(minor, currency)
}

impl Palermo {
    /// Build the report for `year`. Every signed-in user may read it (it holds only publishable
    /// figures); the console may build it too. Audited as a release.
    pub async fn implementation_report(
        &self,
        caller: &Caller,
        year: i32,
        country: &str,
        meta: &RequestMeta,
    ) -> Result<ImplementationReport> {
        let actor = match caller {
            Caller::User(a) => Some(a),
            Caller::Console => None,
        };
        if !(1990..=2100).contains(&year) {
            return Err(ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]));
        }
        let iso3 = country.trim().to_uppercase();
        if !(iso3.is_empty() || (iso3.len() == 3 && iso3.chars().all(|c| c.is_ascii_uppercase()))) {
            return Err(ServiceError::Invalid(vec![ValidationError::new("country", "an ISO 3166-1 alpha-3 code such as ROU, or empty")]));
        }
        let policy = self.disclosure();
        let th = policy.threshold;
        let bad = || ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]);
        let from = time::Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| bad())?;
        let to = time::Date::from_calendar_date(year + 1, time::Month::January, 1).map_err(|_| bad())?;
        let (from_at, to_at) = (from.midnight().assume_utc(), to.midnight().assume_utc());
        // The figures' reads are independent: run them at once (each on its own pooled reader).
        let (n, counts, confiscated, services, prevention, (waiting, cases), referrals) = tokio::try_join!(
            async { self.store.report_numbers(from, to, from_at, to_at).await.map_err(ServiceError::from) },
            async { self.store.justice_counts(from, to).await.map_err(ServiceError::from) },
            async { self.store.confiscated_value(from, to).await.map_err(ServiceError::from) },
            async { self.store.services_by_kind(from, to).await.map_err(ServiceError::from) },
            self.prevention_view(&iso3, false, false),
            self.waiting_and_release(year),
            self.referral_responses(year),
        )?;
        // The year's cases, released once (crate::cases_release): the victims tables and the
        // referrals by sex × reasonable-grounds decision, whose counts the waiting times share.
        let (victims, decisions) = (cases.victims.tables, cases.referrals.decisions);
        let n: HashMap<String, i64> = n.into_iter().collect();
        let get = |k: &str| n.get(k).copied().unwrap_or(0);
        // Persons investigated, prosecuted, convicted and victims detected: the figures and tables
        // of the one release the GLOTIP file, the justice statistics and the dashboard publish too
        // (a figure gated on its own could give away one those tables hide).
        let persons = crate::glotip::persons_tables(&policy, year, &counts)?;
        let stage = |i: usize| persons.get(i).map_or_else(|| "x".to_owned(), |t| t.total.to_string());
        let Some(by_form) = victims.into_iter().next() else {
            return Err(ServiceError::Internal("the victims tables are three".into()));
        };
        // The GLOTIP forms' first row is sexual exploitation.
        let sexual = by_form.row_totals.first().map_or_else(|| "x".to_owned(), ToString::to_string);
        let victims = StatTable::new(by_form, Words::new("victims-by-form", year, "stat-victim-form", "stat-glotip-group"));
        let in_year = |d: &str| d.starts_with(&year.to_string());
        let campaigns: Vec<_> = prevention.campaigns.iter().filter(|c| in_year(&c.starts_on)).collect();
        let trainings: Vec<_> = prevention.trainings.iter().filter(|t| in_year(&t.held_on)).collect();
        let budgets: Vec<_> = prevention.budgets.iter().filter(|b| b.fiscal_year == i64::from(year)).collect();

        // The referrals by sex × reasonable-grounds decision: the release the waiting times count
        // from too (their sex groups are this table's row totals).
        let decisions_table = StatTable::new(decisions, Words::new("referrals-by-rg", year, "stat-sex", "stat-rg"));
        let services_table = one_row(
            &policy,
            &format!("Services delivered to victims, {year}, by kind"),
            Words::new("services-by-kind", year, "stat-row", "service-kind"),
            "services",
            &services.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            &services.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        )?;
        let services_chart = Chart {
            title: format!("Services delivered, {year}"),
            words: Words::new("services-chart", year, "service-kind", ""),
            unit: "services".into(),
            bars: services_table
                .table
                .col_labels
                .iter()
                .cloned()
                .zip(services_table.table.cells.first().cloned().unwrap_or_default().into_iter().map(|c| c.count()))
                .collect(),
        };
        let budget_rows: Vec<Vec<String>> = budgets
            .iter()
            .map(|b| {
                vec![
                    b.programme_area.clone(),
                    b.allocated.clone(),
                    b.spent.clone(),
                    b.execution.clone().unwrap_or_default(),
                    b.funder.clone(),
                ]
            })
            .collect();
        let budget_chart = Chart {
            title: format!("Budget execution, {year} (per cent of the allocation spent)"),
            words: Words::new("budget-execution", year, "programme-area", ""),
            unit: "percent".into(),
            bars: budgets
                .iter()
                .map(|b| {
                    (
                        b.programme_area.clone(),
                        palermo_domain::prevention::execution_per_mille(b.allocated_minor, b.spent_minor).map(|p| (p / 10) as u64),
                    )
                })
                .collect(),
        };
        let treaty_rows: Vec<Vec<String>> = prevention
            .treaties
            .iter()
            .map(|t| {
                let (bound_on, how) = match (&t.consent_date, &t.consent_type) {
                    (Some(d), Some(k)) => (d.clone(), k.clone()),
                    _ => ("—".into(), "not_bound".into()),
                };
                vec![
                    t.instrument.clone(),
                    t.signature_date.clone().unwrap_or_else(|| "—".into()),
                    bound_on,
                    how,
                    format!("{} — {}", t.as_of, t.source),
                ]
            })
            .collect();
        let mut by_profession: Vec<(String, i64, i64, i64)> = Vec::new();
        for t in &trainings {
            match by_profession.iter_mut().find(|p| p.0 == t.audience) {
                Some(p) => {
                    p.1 += t.participants_female;
                    p.2 += t.participants_male;
                    p.3 += t.participants_other;
                }
                None => by_profession.push((t.audience.clone(), t.participants_female, t.participants_male, t.participants_other)),
            }
        }
        let reach: i64 = campaigns.iter().filter_map(|c| c.reach).sum();
        let demand: Vec<_> = campaigns.iter().filter(|c| c.kind == "demand_reduction").collect();
        let narratives = self.report_narratives(year).await?;

        let mut paragraphs = Vec::new();
        for (number, text) in operative_paragraphs() {
            let mut p = ReportParagraph {
                number,
                text,
                figures: Vec::new(),
                tables: Vec::new(),
                plain_tables: Vec::new(),
                chart: None,
                narrative: narratives.get(&number).cloned().unwrap_or_default(),
            };
            let fig = |p: &mut ReportParagraph, key: &'static str, value: String| p.figures.push(Figure { key, value, rule: None });
            match number {
                1 => {
                    fig(&mut p, "investigations-opened", get("investigations_opened").to_string());
                    fig(&mut p, "persons-investigated", stage(0));
                    fig(&mut p, "persons-prosecuted", stage(1));
                    fig(&mut p, "persons-convicted", stage(2));
                    let value = if confiscated.is_empty() {
                        "0".into()
                    } else {
                        confiscated.iter().map(|(c, v)| money(*v, c)).collect::<Vec<_>>().join("; ")
                    };
                    fig(&mut p, "assets-confiscated", value);
                }
                2 => {
                    fig(&mut p, "campaigns-started", campaigns.len().to_string());
                    fig(&mut p, "campaign-reach", reach.to_string());
                    p.plain_tables.push(PlainTable {
                        words: Words::new("campaigns", year, "", ""),
                        header: vec!["campaign", "kind", "audience", "reach"],
                        lists: vec!["", "campaign-kind", "campaign-audience", ""],
                        rows: campaigns
                            .iter()
                            .map(|c| {
                                vec![
                                    c.title.clone(),
                                    c.kind.clone(),
                                    c.audience.join(","),
                                    c.reach.map(|r| r.to_string()).unwrap_or_default(),
                                ]
                            })
                            .collect(),
                    });
                    p.chart = Some(Chart {
                        title: format!("Campaign reach, {year}"),
                        words: Words::new("campaign-reach", year, "", ""),
                        unit: "people".into(),
                        bars: campaigns.iter().map(|c| (c.title.clone(), c.reach.and_then(|r| u64::try_from(r).ok()))).collect(),
                    });
                }
                3 => {
                    fig(&mut p, "mla-sent", get("mla_sent").to_string());
                    fig(&mut p, "mla-received", get("mla_received").to_string());
                    fig(&mut p, "joint-teams", get("joint_teams").to_string());
                }
                4 => {
                    p.plain_tables.push(PlainTable {
                        words: if iso3.is_empty() {
                            Words::new("treaty-status", year, "", "")
                        } else {
                            Words::new("treaty-status-of", year, "", "").with("country", &iso3)
                        },
                        header: vec!["instrument", "signature", "bound-on", "consent-type", "as-of-source"],
                        lists: vec!["instrument", "", "", "consent-type", ""],
                        rows: treaty_rows.clone(),
                    });
                    fig(&mut p, "money-laundering-4c", gated(get("money_laundering_persons"), policy));
                }
                5 => {
                    p.tables.push(one_row(
                        &policy,
                        &format!("Reports received from victims, {year}"),
                        Words::new("victim-reports", year, "stat-row", "stat-victim-report"),
                        "reports",
                        &["investigated", "closed", "waiting"],
                        &[get("victim_reports_investigated"), get("victim_reports_closed"), get("victim_reports_waiting")],
                    )?);
                    fig(&mut p, "other-reports", get("other_reports").to_string());
                    p.plain_tables.push(PlainTable {
                        words: Words::new("officials-trained", year, "", ""),
                        header: vec!["profession", "female", "male", "other-or-not-stated"],
                        lists: vec!["profession", "", "", ""],
                        rows: by_profession
                            .iter()
                            .map(|(k, f, m, o)| vec![k.clone(), f.to_string(), m.to_string(), o.to_string()])
                            .collect(),
                    });
                }
                6 => {
                    p.tables.push(victims.clone());
                    p.tables.push(services_table.clone());
                    p.chart = Some(services_chart.clone());
                }
                7 => {
                    p.tables.push(one_row(
                        &policy,
                        &format!("Victims taking part in criminal proceedings, {year}"),
                        Words::new("proceedings", year, "stat-row", "stat-proceedings"),
                        "victims",
                        &["with_protection", "without"],
                        &[get("victims_with_protection"), get("victims_in_proceedings") - get("victims_with_protection")],
                    )?);
                }
                8 => {
                    p.tables.push(decisions_table.clone());
                    let days = |d: Option<i64>| d.map_or_else(|| "x".to_owned(), |d| d.to_string());
                    p.plain_tables.push(PlainTable {
                        words: Words::new("waiting-days", year, "", ""),
                        header: vec!["group", "referrals", "rg-median", "rg-p90", "cg-median", "cg-p90"],
                        lists: vec!["stat-dimension:stat-group", "", "", "", "", ""],
                        rows: waiting
                            .iter()
                            .filter(|w| w.dimension != "nationality" || w.referrals != "x")
                            .map(|w| {
                                vec![
                                    w.code(),
                                    w.referrals.clone(),
                                    days(w.rg_median_days),
                                    days(w.rg_p90_days),
                                    days(w.cg_median_days),
                                    days(w.cg_p90_days),
                                ]
                            })
                            .collect(),
                    });
                }
                9 => {
                    p.tables.push(referrals.outcomes.clone());
                    let hours = |h: Option<i64>| h.map(|h| h.to_string()).unwrap_or_else(|| "x".into());
                    p.plain_tables.push(PlainTable {
                        words: Words::new("answer-hours", year, "", "").with("n", th),
                        header: vec!["service", "median", "p90"],
                        lists: vec!["service-kind", "", ""],
                        rows: referrals.times.iter().map(|t| vec![t.kind.clone(), hours(t.median_hours), hours(t.p90_hours)]).collect(),
                    });
                    p.chart = Some(crate::statistics::response_chart(&referrals));
                    fig(&mut p, "organisations", self.org_names().await?.len().to_string());
                }
                10 => {
                    p.plain_tables.push(PlainTable {
                        words: Words::new("budgets", year, "", ""),
                        header: vec!["programme-area", "allocated", "spent", "execution", "funder"],
                        lists: vec!["programme-area", "", "", "", ""],
                        rows: budget_rows.clone(),
                    });
                    p.chart = Some(budget_chart.clone());
                }
                11 => fig(&mut p, "victims-sexual", sexual.clone()),
                12 | 13 => {
                    fig(&mut p, "demand-campaigns", demand.len().to_string());
                    fig(&mut p, "demand-reach", demand.iter().filter_map(|c| c.reach).sum::<i64>().to_string());
                }
                14 => fig(&mut p, "money-laundering", gated(get("money_laundering_persons"), policy)),
                17 => p.figures.push(Figure { key: "disclosure", value: (th - 1).to_string(), rule: Some("disclosure-rule") }),
                _ => {}
            }
            paragraphs.push(p);
        }
        let generated_at = self.now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let mut ev = self.event(actor, meta, "report.release", Some(("report", format!("implementation/{year}"))), AuditOutcome::Ok);
        if actor.is_none() {
            ev.actor_user_id = Some("console".into());
        }
        self.audit_read(ev).await?;
        Ok(ImplementationReport {
            year,
            country: iso3,
            generated_at,
            threshold: th,
            paragraphs,
            may_write: actor.is_some_and(|a| a.roles.has(Role::Coordinator)),
        })
    }

    async fn report_narratives(&self, year: i32) -> Result<HashMap<u32, String>> {
        let mut out = HashMap::new();
        if let Some(json) = self.store.get_setting(&format!("report.{year}")).await? {
            let map: HashMap<u32, String> = serde_json::from_str(&json).unwrap_or_default();
            out = map;
        }
        Ok(out)
    }

    /// The coordinator writes the text of one paragraph of the year's report.
    pub async fn write_report_narrative(&self, caller: &Caller, year: i32, paragraph: &str, text: &str, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        if !actor.roles.has(Role::Coordinator) {
            return Err(self.denied(actor, meta, "report.write", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        if !(1990..=2100).contains(&year) {
            errs.push(ValidationError::new("year", "a year from 1990 to 2100"));
        }
        let number = match paragraph.trim().parse::<u32>() {
            Ok(n) if (1..=17).contains(&n) => n,
            _ => {
                errs.push(ValidationError::new("paragraph", "an operative paragraph from 1 to 17"));
                0
            }
        };
        if text.chars().count() > 20_000 || text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            errs.push(ValidationError::new("text", "text of at most 20000 characters"));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let mut map = self.report_narratives(year).await?;
        let text = text.trim().replace("\r\n", "\n");
        if text.is_empty() {
            map.remove(&number);
        } else {
            map.insert(number, text);
        }
        let json = serde_json::to_string(&map).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let ev =
            self.event(Some(actor), meta, "report.write", Some(("report", format!("implementation/{year}/{number}"))), AuditOutcome::Ok);
        self.store.put_setting(&format!("report.{year}"), &json, &[ev]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_operative_paragraphs_with_their_items() {
        let p = operative_paragraphs();
        assert_eq!(p.len(), 17);
        assert!(p[0].1.starts_with("Urges Member States to employ a comprehensive approach"));
        assert!(
            p[4].1.contains("(b) To raise awareness") && p[4].1.contains("(i) Investigating all cases reported by victims"),
            "{}",
            p[4].1
        );
        assert!(p[16].1.starts_with("Requests the Secretary-General to report"));
        let p = Policy::default();
        assert_eq!(gated(4, p), "x");
        assert_eq!(gated(0, p), "0");
        assert_eq!(gated(11, p), "11");
        assert_eq!(gated(14, Policy { threshold: 11, round_to: Some(5) }), "10");
    }
}
