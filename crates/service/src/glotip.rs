//! The UNODC GLOTIP questionnaire's tables (issue 6, exports): offences recorded, persons
//! investigated, prosecuted and convicted, victims detected, and the value of assets confiscated,
//! for one year, every count through the disclosure gate. Written as a long CSV (one line per
//! published figure) or as an XLSX workbook (one sheet per table). Row labels follow the 2016
//! questionnaire as far as it is known (data-standards.md §4.1) [verify against the current one].

use crate::admin::Caller;
use crate::export::Sheet;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::justice::ExploitationForm;
use palermo_domain::policy::Denied;
use palermo_stats::{Cell, Policy, Released, Suppressed, Table};
use serde::Serialize;

/// The GLOTIP sex × age groups, the columns of every persons table.
pub const GROUPS: &[&str] = &["women", "men", "girls", "boys", "other_or_unknown"];

/// Women, men, girls, boys; other genders (HTCDS `prs_Gender`) and unknown sex or age count
/// together, so no small group stands out.
pub fn group_of(sex: &str, age_group: &str) -> usize {
    match (sex, age_group) {
        ("Feminine", "adult") => 0,
        ("Masculine", "adult") => 1,
        ("Feminine", "child") => 2,
        ("Masculine", "child") => 3,
        _ => 4,
    }
}

/// The first country listed (ISO 3166-1 alpha-3), or `unknown`. A person with several
/// citizenships is counted once, under the first.
fn citizenship(list: &str) -> String {
    list.split(',').map(str::trim).find(|c| !c.is_empty()).unwrap_or("unknown").to_owned()
}

/// The GLOTIP forms of exploitation of the victims tables. Palermo's NRM screening records
/// labour or sexual exploitation; other forms go under "other purposes".
fn victim_form(form: &str) -> usize {
    match form {
        "sexual" => 0,
        "labour" => 1,
        _ => 2,
    }
}

pub const VICTIM_FORMS: &[&str] = &["sexual_exploitation", "forced_labour", "other_purposes"];

/// A GLOTIP release for one year.
#[derive(Debug, Clone, Serialize)]
pub struct GlotipRelease {
    pub year: i32,
    pub generated_at: String,
    pub threshold: u64,
    /// Offences recorded, persons investigated / prosecuted / convicted by citizenship, victims
    /// detected by form and by citizenship: all through the gate.
    pub tables: Vec<Released>,
    /// Value of assets confiscated per currency (ISO 4217, decimal text). Amounts, not persons.
    pub confiscated: Vec<(String, String)>,
}

fn cell_text(c: Cell) -> (String, &'static str) {
    match c {
        Cell::Count(n) => (n.to_string(), "published"),
        Cell::Suppressed(Suppressed::Primary) => ("x".into(), "suppressed_primary"),
        Cell::Suppressed(Suppressed::Complementary) => ("x".into(), "suppressed_complementary"),
    }
}

/// A released table as a sheet: the row label, the cells, the row total; a last row of totals.
pub fn table_sheet(r: &Released, name: &str) -> Sheet {
    let mut header: Vec<&str> = vec![""];
    header.extend(r.col_labels.iter().map(String::as_str));
    header.push("total");
    let mut rows: Vec<Vec<String>> = r
        .row_labels
        .iter()
        .zip(&r.cells)
        .zip(&r.row_totals)
        .map(|((label, cells), total)| {
            let mut row = vec![label.clone()];
            row.extend(cells.iter().map(|c| cell_text(*c).0));
            row.push(cell_text(*total).0);
            row
        })
        .collect();
    let mut last = vec!["total".to_owned()];
    last.extend(r.col_totals.iter().map(|c| cell_text(*c).0));
    last.push(cell_text(r.total).0);
    rows.push(last);
    let numeric: Vec<&str> = header[1..].to_vec();
    let mut s = Sheet::new(name, &header, rows);
    s.header[0] = r.title.clone();
    s.numeric(&numeric)
}

impl GlotipRelease {
    /// One line per published figure: table, row, column, value (empty when suppressed), status.
    pub fn csv(&self) -> Result<String> {
        let mut rows = Vec::new();
        for t in &self.tables {
            let mut push = |row: &str, col: &str, c: Cell| {
                let (v, status) = cell_text(c);
                rows.push(vec![
                    t.title.clone(),
                    row.to_owned(),
                    col.to_owned(),
                    if status == "published" { v } else { String::new() },
                    status.to_owned(),
                ]);
            };
            for (i, label) in t.row_labels.iter().enumerate() {
                for (j, col) in t.col_labels.iter().enumerate() {
                    push(label, col, t.cells[i][j]);
                }
                push(label, "total", t.row_totals[i]);
            }
            for (j, col) in t.col_labels.iter().enumerate() {
                push("total", col, t.col_totals[j]);
            }
            push("total", "total", t.total);
        }
        for (currency, value) in &self.confiscated {
            rows.push(vec![
                format!("Value of assets confiscated, {}", self.year),
                currency.clone(),
                "value".into(),
                value.clone(),
                "published".into(),
            ]);
        }
        crate::export::csv(&["table", "row", "column", "value", "status"], &rows)
    }

    /// The workbook: an "About" sheet (year, when, threshold, what "x" means), then a sheet per table.
    pub fn xlsx(&self) -> Result<Vec<u8>> {
        let names =
            ["Offences", "Investigated", "Prosecuted", "Convicted", "Victims by form", "Victims by citizenship", "Victims by country"];
        let mut sheets: Vec<Sheet> =
            self.tables.iter().enumerate().map(|(i, t)| table_sheet(t, names.get(i).copied().unwrap_or("Table"))).collect();
        sheets.push(
            Sheet::new(
                "Assets confiscated",
                &["currency", "value"],
                self.confiscated.iter().map(|(c, v)| vec![c.clone(), v.clone()]).collect(),
            )
            .numeric(&["value"]),
        );
        let about = vec![
            ("What".to_owned(), format!("UNODC GLOTIP questionnaire tables, {}", self.year)),
            ("Generated".to_owned(), self.generated_at.clone()),
            (
                "Disclosure control".to_owned(),
                format!(
                    "counts from 1 to {} are not published, nor the counts that would let them be recomputed; \"x\" marks a hidden count",
                    self.threshold - 1
                ),
            ),
            (
                "Groups".to_owned(),
                "women and men: 18 or over; girls and boys: under 18; other_or_unknown: other genders, unknown sex or age".to_owned(),
            ),
            ("Citizenship".to_owned(), "ISO 3166-1 alpha-3; a person with several is counted under the first listed".to_owned()),
            ("Country of exploitation".to_owned(), "ISO 3166-1 alpha-3, as recorded at screening; unknown when not recorded".to_owned()),
        ];
        crate::export::xlsx(&sheets, &about)
    }
}

/// Rows by label (sorted, `unknown` last) × the groups.
fn by_label(items: impl IntoIterator<Item = (String, usize, u64)>) -> (Vec<String>, Vec<Vec<u64>>) {
    let mut labels: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<u64>> = Vec::new();
    let mut items: Vec<(String, usize, u64)> = items.into_iter().collect();
    items.sort_by(|a, b| (a.0 == "unknown", &a.0).cmp(&(b.0 == "unknown", &b.0)));
    for (label, group, n) in items {
        let i = match labels.iter().position(|l| *l == label) {
            Some(i) => i,
            None => {
                labels.push(label);
                cells.push(vec![0; GROUPS.len()]);
                labels.len() - 1
            }
        };
        cells[i][group] += n;
    }
    (labels, cells)
}

/// The stages of the persons tables, in order: investigated, prosecuted, convicted.
pub const STAGES: [&str; 3] = ["investigated", "prosecuted", "convicted"];

/// Persons investigated (brought into formal contact as suspects), prosecuted and convicted in
/// the year, one table per stage ([`STAGES`]), by citizenship × group, through the gate. The one
/// release of these people: the GLOTIP file, the justice statistics' `publishable` tables and the
/// implementation report's figures all take theirs from it, so that no two of them, side by
/// side, give away a figure one of them hides.
pub fn persons_tables(policy: &Policy, year: i32, counts: &[palermo_store::JusticeCount]) -> Result<Vec<Released>> {
    let groups: Vec<String> = GROUPS.iter().map(|g| (*g).to_owned()).collect();
    let titles = ["Persons brought into formal contact (suspected)", "Persons prosecuted", "Persons convicted"];
    STAGES
        .iter()
        .zip(titles)
        .map(|(stage, title)| {
            let (row_labels, cells) = by_label(
                counts
                    .iter()
                    .filter(|c| c.stage == *stage)
                    .map(|c| (citizenship(&c.citizenships), group_of(&c.sex, &c.age_group), u64::try_from(c.persons).unwrap_or(0))),
            );
            gate(policy, &Table { title: format!("{title} by citizenship, {year}"), row_labels, col_labels: groups.clone(), cells })
        })
        .collect()
}

fn gate(policy: &Policy, t: &Table) -> Result<Released> {
    palermo_stats::release(t, policy).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Palermo {
    /// Victims detected in `year` by form of exploitation, by citizenship and by country of
    /// exploitation (each × group), released together (they classify the same people). The dashboard shows the same release.
    pub(crate) async fn victims_tables(&self, year: i32, from: time::Date, to: time::Date) -> Result<Vec<Released>> {
        let groups: Vec<String> = GROUPS.iter().map(|g| (*g).to_owned()).collect();
        let mut forms = vec![vec![0u64; GROUPS.len()]; VICTIM_FORMS.len()];
        for (sex, age, form, n) in self.store.victims_detected(from, to).await? {
            forms[victim_form(&form)][group_of(&sex, &age)] += u64::try_from(n).unwrap_or(0);
        }
        let by_country = self.store.victims_by_country(from, to).await?;
        let (cit_labels, cit_cells) = by_label(
            by_country.iter().map(|(sex, age, cits, _, n)| (citizenship(cits), group_of(sex, age), u64::try_from(*n).unwrap_or(0))),
        );
        let (where_labels, where_cells) = by_label(
            by_country.iter().map(|(sex, age, _, country, n)| (citizenship(country), group_of(sex, age), u64::try_from(*n).unwrap_or(0))),
        );
        palermo_stats::release_linked(
            &[
                Table {
                    title: format!("Victims detected by form of exploitation, {year}"),
                    row_labels: VICTIM_FORMS.iter().map(|f| (*f).to_owned()).collect(),
                    col_labels: groups.clone(),
                    cells: forms,
                },
                Table {
                    title: format!("Victims detected by citizenship, {year}"),
                    row_labels: cit_labels,
                    col_labels: groups.clone(),
                    cells: cit_cells,
                },
                Table {
                    title: format!("Victims detected by country of exploitation, {year}"),
                    row_labels: where_labels,
                    col_labels: groups,
                    cells: where_cells,
                },
            ],
            &self.disclosure(),
        )
        .map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

impl Palermo {
    /// The GLOTIP tables for `year` (coordinators and analysts). Audited as a release.
    pub async fn glotip(&self, caller: &Caller, year: i32, meta: &RequestMeta) -> Result<GlotipRelease> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.release", None, Denied::Forbidden).await);
        }
        let (from, to) = crate::statistics::year_range(year)?;
        let policy = self.disclosure();
        let mut tables = Vec::new();

        // 1. Offences recorded: investigations opened, by form of exploitation (ICCS 0204x).
        let mut offences = vec![vec![0u64; 1]; ExploitationForm::ALL.len()];
        for (forms, n) in self.store.investigation_forms(from, to).await? {
            for f in forms.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                if let Some(i) = ExploitationForm::ALL.iter().position(|x| x.code() == f) {
                    offences[i][0] += u64::try_from(n).unwrap_or(0);
                }
            }
        }
        tables.push(gate(
            &policy,
            &Table {
                title: format!("Offences recorded (investigations opened) by form of exploitation, {year}"),
                row_labels: ExploitationForm::ALL.iter().map(|f| format!("{} (ICCS {})", f.code(), f.iccs())).collect(),
                col_labels: vec!["investigations".into()],
                cells: offences,
            },
        )?);

        // 2–4. Persons investigated, prosecuted, convicted: by citizenship × group.
        tables.extend(persons_tables(&policy, year, &self.store.justice_counts(from, to).await?)?);

        // 5–7. Victims detected: by form, by citizenship and by country of exploitation, linked
        // (the same people).
        let linked = self.victims_tables(year, from, to).await?;
        tables.extend(linked);

        let confiscated = self
            .store
            .confiscated_value(from, to)
            .await?
            .into_iter()
            .map(|(cur, v)| {
                let text = crate::prevention::money_text(v, &cur);
                let number = text.trim_end_matches(cur.as_str()).trim().to_owned();
                (cur, number)
            })
            .collect();
        let hidden: usize = tables
            .iter()
            .map(|t| {
                t.cells
                    .iter()
                    .flatten()
                    .chain(&t.row_totals)
                    .chain(&t.col_totals)
                    .chain(std::iter::once(&t.total))
                    .filter(|c| c.count().is_none())
                    .count()
            })
            .sum();
        let mut ev = self.event(Some(actor), meta, "statistics.release", Some(("release", format!("glotip/{year}"))), AuditOutcome::Ok);
        ev.purpose =
            Some(format!("GLOTIP tables, {} tables, {hidden} figures suppressed, threshold {}", tables.len(), self.disclosure().threshold));
        self.audit_read(ev).await?;
        Ok(GlotipRelease {
            year,
            generated_at: self.now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            threshold: self.disclosure().threshold,
            tables,
            confiscated,
        })
    }
}
