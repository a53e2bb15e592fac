//! CSV exports of the lists a user may see, safe against formula injection: a cell that a
//! spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or carriage return first) is
//! written with a leading apostrophe, so it is shown as text and never evaluated.

use crate::admin::Caller;
use crate::cases::CaseListQuery;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;

/// The most rows one export holds.
pub const MAX_ROWS: usize = 10_000;

/// A cell as it may go into a spreadsheet.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// Write a CSV file (UTF-8, header first) with every cell made safe.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| ServiceError::Internal(e.to_string());
    w.write_record(header.iter().map(|h| safe_cell(h))).map_err(err)?;
    for r in rows {
        w.write_record(r.iter().map(|c| safe_cell(c))).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Palermo {
    /// The cases the caller may list (the same filter and need-to-know as the case list), as CSV:
    /// no identity, codes only. Audited as an export.
    pub async fn export_cases_csv(&self, caller: &Caller, filter: &CaseListQuery, meta: &RequestMeta) -> Result<String> {
        let actor = Self::user_of(caller)?;
        let mut rows = Vec::new();
        let mut q = filter.clone();
        q.after = String::new();
        loop {
            let page = self.list_cases(caller, &q, meta).await?;
            for c in &page.rows {
                rows.push(vec![
                    c.reference.clone(),
                    c.kind.clone(),
                    c.stage.clone().unwrap_or_default(),
                    c.region.clone(),
                    c.sex.clone(),
                    c.age_group.clone(),
                    c.exploitation_form.clone(),
                    c.referred_on.clone(),
                    c.deadline.as_ref().map(|d| d.kind.clone()).unwrap_or_default(),
                    c.deadline.as_ref().map(|d| d.due.clone()).unwrap_or_default(),
                ]);
            }
            match page.next {
                Some(next) if rows.len() < MAX_ROWS => q.after = next,
                _ => break,
            }
        }
        rows.truncate(MAX_ROWS);
        let mut ev = self.event(Some(actor), meta, "case.export", None, AuditOutcome::Ok);
        ev.purpose = Some(format!("case list as CSV, {} rows, no identity", rows.len()));
        self.audit_read(ev).await?;
        csv(&["reference", "kind", "stage", "region", "sex", "age_group", "exploitation_form", "referred_on", "deadline", "due"], &rows)
    }

    /// Campaigns, trainings or budgets as CSV (every signed-in user may read them).
    pub async fn export_prevention_csv(&self, caller: &Caller, list: &str) -> Result<String> {
        let v = self.prevention(caller, "").await?;
        match list {
            "campaigns" => csv(
                &["title", "organisation", "kind", "channels", "audience", "regions", "starts_on", "ends_on", "reach", "cost", "partners"],
                &v.campaigns
                    .iter()
                    .map(|c| {
                        vec![
                            c.title.clone(),
                            c.organisation.clone(),
                            c.kind.clone(),
                            c.channels.join(";"),
                            c.audience.join(";"),
                            c.regions.join(";"),
                            c.starts_on.clone(),
                            c.ends_on.clone().unwrap_or_default(),
                            c.reach.map(|r| r.to_string()).unwrap_or_default(),
                            c.cost.clone().unwrap_or_default(),
                            c.partners.clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            "trainings" => csv(
                &[
                    "topic",
                    "organisation",
                    "audience",
                    "held_on",
                    "participants_female",
                    "participants_male",
                    "participants_other",
                    "organiser",
                ],
                &v.trainings
                    .iter()
                    .map(|t| {
                        vec![
                            t.topic.clone(),
                            t.organisation.clone(),
                            t.audience.clone(),
                            t.held_on.clone(),
                            t.participants_female.to_string(),
                            t.participants_male.to_string(),
                            t.participants_other.to_string(),
                            t.organiser.clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            "budgets" => csv(
                &["fiscal_year", "programme_area", "allocated", "spent", "currency", "execution", "funder"],
                &v.budgets
                    .iter()
                    .map(|b| {
                        vec![
                            b.fiscal_year.to_string(),
                            b.programme_area.clone(),
                            b.allocated.clone(),
                            b.spent.clone(),
                            b.currency.clone(),
                            b.execution.clone().unwrap_or_default(),
                            b.funder.clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => Err(ServiceError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(safe_cell("-2+3"), "'-2+3");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Know your rights"), "Know your rights");
        let out = csv(&["a", "b"], &[vec!["=1+1".into(), "x,y".into()]]).unwrap();
        assert_eq!(out, "a,b\n'=1+1,\"x,y\"\n");
    }

    proptest! {
        /// No exported cell starts with a character a spreadsheet would evaluate.
        #[test]
        fn no_cell_starts_a_formula(cells in proptest::collection::vec("\\PC*", 1..6)) {
            let out = csv(&["h"; 1].repeat(cells.len()), std::slice::from_ref(&cells)).unwrap();
            let mut r = ::csv::ReaderBuilder::new().has_headers(true).from_reader(out.as_bytes());
            for rec in r.records() {
                for c in rec.unwrap().iter() {
                    prop_assert!(!matches!(c.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')), "{:?}", c);
                }
            }
        }
    }
}
