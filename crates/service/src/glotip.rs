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
    group_of_index(sex_index(sex), age_index(age_group))
}

/// The first country listed (ISO 3166-1 alpha-3), or `unknown`. A person with several
/// citizenships is counted once, under the first.
pub(crate) fn citizenship(list: &str) -> String {
    list.split(',').map(str::trim).find(|c| !c.is_empty()).unwrap_or("unknown").to_owned()
}

/// The GLOTIP forms of exploitation of the victims tables. Palermo's NRM screening records
/// labour or sexual exploitation; other forms go under "other purposes".
pub(crate) fn victim_form(form: &str) -> usize {
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
pub(crate) fn by_label(items: impl IntoIterator<Item = (String, usize, u64)>) -> (Vec<String>, Vec<Vec<u64>>) {
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

/// The GLOTIP victims tables (the first by form of exploitation) and the SDG 16.2.2 observations,
/// released together: the tables through `release_linked`, then every figure of the first table
/// and every SDG observation as a sum of `atoms` ([`victim_atom`]) through
/// [`palermo_stats::joint::protect`]; a GLOTIP column total hidden there is hidden in all three
/// tables and the round starts again, until nothing more is hidden.
pub fn joint_victims_release(tables: &[Table], atoms: &[u64], policy: &Policy) -> Result<VictimsRelease> {
    let internal = |e: palermo_stats::GateError| ServiceError::Internal(e.to_string());
    let of = |forms: &[usize], cells: &[(usize, usize)]| -> Vec<usize> {
        forms.iter().flat_map(|&f| cells.iter().map(move |&(s, a)| victim_atom(f, s, a))).collect()
    };
    let value = |figure: &[usize]| figure.iter().map(|&a| atoms.get(a).copied().unwrap_or(0)).sum::<u64>();
    let mut forced: Vec<usize> = Vec::new();
    loop {
        let mut out = palermo_stats::release_linked_hiding(tables, policy, &forced).map_err(internal)?;
        let Some(by_form) = out.first_mut() else { return Err(ServiceError::Internal("no victims table".into())) };
        let (rows, cols) = (by_form.cells.len(), GROUPS.len());
        // The first table's figures, in `figures_of` order: cells, row totals, column totals, total.
        let (mut figures, mut hidden) = palermo_stats::figures_over(by_form, |f, g| of(&[f], &group_cells(g)));
        let glotip_figures = figures.len();
        for (_, form) in crate::statistics::SDG_SERIES {
            for (sex, age) in SDG_OBSERVATIONS {
                let (forms, cells) = sdg_cells(*form, sex, age);
                let f = of(&forms, &cells);
                let v = value(&f);
                hidden.push(v > 0 && v < policy.threshold);
                figures.push(f);
            }
        }
        let values: Vec<u64> = figures.iter().map(|f| value(f)).collect();
        palermo_stats::joint::protect(&figures, &values, &mut hidden, 27);
        let needed: Vec<usize> = (0..=cols).filter(|&j| hidden[rows * cols + rows + j] && !forced.contains(&j)).collect();
        if !needed.is_empty() {
            forced.extend(needed);
            continue;
        }
        // What the joint check hid in the first table (its column totals are hidden already: the
        // release above forced them).
        palermo_stats::hide_figures(by_form, &hidden[..glotip_figures]);
        let hide = palermo_stats::Cell::Suppressed(Suppressed::Complementary);
        let round = |v: u64| policy.round_to.map_or(v, |k| v / k * k);
        let sdg = hidden[glotip_figures..]
            .chunks(SDG_OBSERVATIONS.len())
            .zip(figures[glotip_figures..].chunks(SDG_OBSERVATIONS.len()))
            .map(|(h, f)| {
                let mut obs = [hide; 9];
                for (k, o) in obs.iter_mut().enumerate() {
                    if !h[k] {
                        *o = Cell::Count(round(value(&f[k])));
                    } else if value(&f[k]) > 0 && value(&f[k]) < policy.threshold {
                        *o = Cell::Suppressed(Suppressed::Primary);
                    }
                }
                obs
            })
            .collect();
        return Ok(VictimsRelease { tables: out, sdg });
    }
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

/// The SDG 16.2.2 series (all forms, sexual exploitation, forced labour: rows of the victims'
/// forms, `None` for all) and, for each, the observations published: (SEX, AGE) in this order.
pub const SDG_OBSERVATIONS: [(&str, &str); 9] =
    [("F", "<18"), ("F", "18+"), ("F", "_T"), ("M", "<18"), ("M", "18+"), ("M", "_T"), ("_T", "<18"), ("_T", "18+"), ("_T", "_T")];

/// The finest cells an SDG observation counts: the victims' forms of its series (all for the
/// total series, `None`) and the (sex, age) cells of its SEX and AGE codes (`_T`: all).
pub(crate) fn sdg_cells(form: Option<&str>, sex: &str, age: &str) -> (Vec<usize>, Vec<(usize, usize)>) {
    let forms = form.map_or_else(|| (0..VICTIM_FORMS.len()).collect(), |f| vec![victim_form(f)]);
    let sexes: Vec<usize> = match sex {
        "F" => vec![0],
        "M" => vec![1],
        _ => vec![0, 1, 2],
    };
    let ages: Vec<usize> = match age {
        "<18" => vec![0],
        "18+" => vec![1],
        _ => vec![0, 1, 2],
    };
    (forms, sexes.iter().flat_map(|&s| ages.iter().map(move |&a| (s, a))).collect())
}

/// The victims detected in a year, released once for every place that publishes them: the GLOTIP
/// tables by form, citizenship and country of exploitation (linked), which the dashboard and the
/// report show, and the SDG 16.2.2 observations per series.
#[derive(Debug, Clone)]
pub struct VictimsRelease {
    pub tables: Vec<Released>,
    /// Per series of [`crate::statistics::SDG_SERIES`], the [`SDG_OBSERVATIONS`].
    pub sdg: Vec<[Cell; 9]>,
}

/// The finest cells the victims' releases add up: form (sexual, labour, other) × sex (female,
/// male, other or unknown) × age (child, adult, unknown).
fn victim_atom(form: usize, sex: usize, age: usize) -> usize {
    form * 9 + sex * 3 + age
}

/// A person's sex as the published tables' row: female, male, other or unknown.
pub(crate) fn sex_index(sex: &str) -> usize {
    match sex {
        "Feminine" => 0,
        "Masculine" => 1,
        _ => 2,
    }
}

/// A person's age group as the published tables' column: child, adult, unknown.
pub(crate) fn age_index(age: &str) -> usize {
    match age {
        "child" => 0,
        "adult" => 1,
        _ => 2,
    }
}

/// The (sex, age) cells of a GLOTIP group: women, men, girls, boys, other or unknown.
pub(crate) fn group_cells(group: usize) -> Vec<(usize, usize)> {
    (0..3).flat_map(|s| (0..3).map(move |a| (s, a))).filter(|&(s, a)| group_of_index(s, a) == group).collect()
}

fn group_of_index(sex: usize, age: usize) -> usize {
    match (sex, age) {
        (0, 1) => 0,
        (1, 1) => 1,
        (0, 0) => 2,
        (1, 0) => 3,
        _ => 4,
    }
}

impl Palermo {
    /// Victims detected in `year` by form of exploitation, by citizenship and by country of
    /// exploitation (each × group), released together (they classify the same people). The dashboard shows the same release.
    pub(crate) async fn victims_tables(&self, year: i32) -> Result<Vec<Released>> {
        Ok(self.victims_release(year).await?.tables)
    }

    /// [`VictimsRelease`]: the GLOTIP victims tables (linked) and the SDG 16.2.2 observations,
    /// checked together by [`palermo_stats::joint`] over form × sex × age — the SDG file classifies
    /// the same people by sex and age, so a figure it publishes could otherwise give away one the
    /// GLOTIP tables hide, or the other way round. Where a hidden figure of one follows from the
    /// published ones of both, more are hidden (a column total of the GLOTIP tables in all three).
    /// Part of the year's one release of the cases ([`crate::cases_release`]), checked with the
    /// cases per month and the referrals' tables.
    pub(crate) async fn victims_release(&self, year: i32) -> Result<VictimsRelease> {
        Ok(self.cases_release(year).await?.victims)
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
        let linked = self.victims_tables(year).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The first table's figures and the SDG observations as sums of the atoms, with whether
    /// each is hidden and its published value.
    fn everything(r: &VictimsRelease) -> (Vec<Vec<usize>>, Vec<bool>, Vec<Option<u64>>) {
        let all: Vec<(usize, usize)> = (0..3).flat_map(|s| (0..3).map(move |a| (s, a))).collect();
        let of = |forms: &[usize], cells: &[(usize, usize)]| -> Vec<usize> {
            forms.iter().flat_map(|&f| cells.iter().map(move |&(s, a)| victim_atom(f, s, a))).collect()
        };
        let t = &r.tables[0];
        let mut figures = Vec::new();
        let mut shown = Vec::new();
        for f in 0..3 {
            for g in 0..5 {
                figures.push(of(&[f], &group_cells(g)));
                shown.push(t.cells[f][g].count());
            }
        }
        for f in 0..3 {
            figures.push(of(&[f], &all));
            shown.push(t.row_totals[f].count());
        }
        for g in 0..5 {
            figures.push(of(&[0, 1, 2], &group_cells(g)));
            shown.push(t.col_totals[g].count());
        }
        figures.push(of(&[0, 1, 2], &all));
        shown.push(t.total.count());
        let series = [vec![0, 1, 2], vec![0], vec![1]];
        for (forms, obs) in series.iter().zip(&r.sdg) {
            for ((sex, age), cell) in SDG_OBSERVATIONS.iter().zip(obs) {
                let sexes = match *sex {
                    "F" => vec![0],
                    "M" => vec![1],
                    _ => vec![0, 1, 2],
                };
                let ages = match *age {
                    "<18" => vec![0],
                    "18+" => vec![1],
                    _ => vec![0, 1, 2],
                };
                let cells: Vec<(usize, usize)> = sexes.iter().flat_map(|&s| ages.iter().map(move |&a| (s, a))).collect();
                figures.push(of(forms, &cells));
                shown.push(cell.count());
            }
        }
        let hidden = shown.iter().map(Option::is_none).collect();
        (figures, hidden, shown)
    }

    fn tables_of(atoms: &[u64]) -> Vec<Table> {
        let mut forms = vec![vec![0u64; 5]; 3];
        let mut by_sex = vec![vec![0u64; 5]; 3];
        for f in 0..3 {
            for s in 0..3 {
                for a in 0..3 {
                    forms[f][group_of_index(s, a)] += atoms[victim_atom(f, s, a)];
                    by_sex[s][group_of_index(s, a)] += atoms[victim_atom(f, s, a)];
                }
            }
        }
        let t = |rows: Vec<Vec<u64>>| Table {
            title: "t".into(),
            row_labels: (0..3).map(|i| i.to_string()).collect(),
            col_labels: GROUPS.iter().map(|g| (*g).to_owned()).collect(),
            cells: rows,
        };
        vec![t(forms), t(by_sex)]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Whatever the victims: the GLOTIP tables and the SDG observations together publish no
        /// figure from 1 to the threshold − 1, publish the truth, and no hidden figure of either
        /// is a combination of the published figures of both; the linked tables still agree.
        #[test]
        fn the_victims_releases_hold_the_gate_together(
            atoms in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(0u64), 1u64..6, 6u64..40], 27),
            threshold in 3u64..15,
        ) {
            let policy = Policy { threshold, round_to: None };
            let r = joint_victims_release(&tables_of(&atoms), &atoms, &policy).unwrap();
            let (figures, hidden, shown) = everything(&r);
            for (f, v) in figures.iter().zip(&shown) {
                if let Some(v) = v {
                    proptest::prop_assert!(*v == 0 || *v >= threshold, "{} published under {}", v, threshold);
                    proptest::prop_assert_eq!(*v, f.iter().map(|&a| atoms[a]).sum::<u64>());
                }
            }
            proptest::prop_assert!(palermo_stats::joint::recomputable(&figures, &hidden, 27).is_empty());
            proptest::prop_assert_eq!(&r.tables[0].col_totals, &r.tables[1].col_totals);
            proptest::prop_assert_eq!(r.tables[0].total, r.tables[1].total);
        }
    }

    /// Before the joint release, the SDG file's girls (F, under 18) in the sexual-exploitation
    /// series was published while the GLOTIP table hid the same figure: a small group in one
    /// file, out in the open in the other. The same number now reads the same in both.
    #[test]
    fn a_figure_in_both_files_is_hidden_in_both_or_in_neither() {
        let mut atoms = vec![0u64; 27];
        atoms[victim_atom(0, 0, 0)] = 4; // girls, sexual exploitation
        atoms[victim_atom(0, 0, 1)] = 30;
        atoms[victim_atom(1, 1, 1)] = 50;
        atoms[victim_atom(1, 0, 1)] = 12;
        let r = joint_victims_release(&tables_of(&atoms), &atoms, &Policy { threshold: 11, round_to: None }).unwrap();
        assert_eq!(r.tables[0].cells[0][2].count(), None, "girls in sexual exploitation: 4, hidden");
        assert_eq!(r.sdg[1][0].count(), None, "the same girls in the SDG sexual series");
        let (figures, hidden, _) = everything(&r);
        assert!(palermo_stats::joint::recomputable(&figures, &hidden, 27).is_empty());
    }
}
