//! Exports of the lists a user may see, as CSV or XLSX, safe against formula injection. In CSV a
//! cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or carriage return
//! first; a plain negative number such as `-99` excepted) is written with a leading apostrophe,
//! so it is shown as text and never evaluated. In
//! XLSX every text is written as a string cell (never a formula), and counts as numbers.

use crate::admin::Caller;
use crate::cases::CaseListQuery;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;

/// The most rows one export holds.
pub const MAX_ROWS: usize = 10_000;

/// A cell as it may go into a spreadsheet.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('-') if plain_negative_number(s) => s.to_owned(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// `-99`, `-3.5`: a minus sign and digits with at most one decimal point. A spreadsheet reads it
/// as a number, never as a formula, and CTDC writes a missing value as `-99`.
fn plain_negative_number(s: &str) -> bool {
    let digits = &s[1..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && digits.chars().last().is_some_and(|c| c.is_ascii_digit())
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

/// A list to export: a name (the XLSX sheet), a header and rows of text. Columns listed in
/// `numeric` are written to XLSX as numbers when their text is a number.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<usize>,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Self {
        Sheet { name: name.to_owned(), header: header.iter().map(|h| (*h).to_owned()).collect(), rows, numeric: Vec::new() }
    }

    pub fn numeric(mut self, cols: &[&str]) -> Self {
        self.numeric = self.header.iter().enumerate().filter(|(_, h)| cols.contains(&h.as_str())).map(|(i, _)| i).collect();
        self
    }

    pub fn to_csv(&self) -> Result<String> {
        let header: Vec<&str> = self.header.iter().map(String::as_str).collect();
        csv(&header, &self.rows)
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// An export ready to send: its bytes, content type and file name.
#[derive(Debug, Clone)]
pub struct File {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub name: String,
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl File {
    /// One sheet as CSV or XLSX.
    pub fn of(sheet: &Sheet, format: Format, stem: &str) -> Result<File> {
        match format {
            Format::Csv => {
                Ok(File { bytes: sheet.to_csv()?.into_bytes(), content_type: "text/csv; charset=utf-8", name: format!("{stem}.csv") })
            }
            Format::Xlsx => {
                Ok(File { bytes: xlsx(std::slice::from_ref(sheet), &[])?, content_type: XLSX_TYPE, name: format!("{stem}.xlsx") })
            }
        }
    }
}

/// Excel's limit on a sheet name (31 characters, none of `[]:*?/\`).
fn sheet_name(s: &str, taken: &[String]) -> String {
    let base: String = s.chars().map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c }).take(28).collect();
    let base = if base.trim().is_empty() { "Sheet".to_owned() } else { base.trim().to_owned() };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// Write sheets to an XLSX workbook. `about` (label, value) pairs go first on a sheet of their
/// own: what the file is, when it was made, the disclosure threshold.
pub fn xlsx(sheets: &[Sheet], about: &[(String, String)]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let mut taken: Vec<String> = Vec::new();
    if !about.is_empty() {
        let ws = wb.add_worksheet();
        let name = sheet_name("About", &taken);
        ws.set_name(&name).map_err(err)?;
        taken.push(name);
        for (i, (k, v)) in about.iter().enumerate() {
            let row = u32::try_from(i).map_err(|e| ServiceError::Internal(e.to_string()))?;
            ws.write_string_with_format(row, 0, k, &bold).map_err(err)?;
            ws.write_string(row, 1, v).map_err(err)?;
        }
        ws.set_column_width(0, 28).map_err(err)?;
        ws.set_column_width(1, 80).map_err(err)?;
    }
    for sheet in sheets {
        let ws = wb.add_worksheet();
        let name = sheet_name(&sheet.name, &taken);
        ws.set_name(&name).map_err(err)?;
        taken.push(name);
        for (c, h) in sheet.header.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| ServiceError::Internal(e.to_string()))?;
            ws.write_string_with_format(0, col, h, &bold).map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let rr = u32::try_from(r + 1).map_err(|e| ServiceError::Internal(e.to_string()))?;
            for (c, v) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| ServiceError::Internal(e.to_string()))?;
                match v.parse::<f64>() {
                    Ok(n) if sheet.numeric.contains(&c) && n.is_finite() => ws.write_number(rr, col, n).map_err(err)?,
                    _ if v.is_empty() => ws,
                    _ => ws.write_string(rr, col, v).map_err(err)?,
                };
            }
        }
        if !sheet.header.is_empty() {
            ws.set_freeze_panes(1, 0).map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

impl Palermo {
    /// The cases the caller may list (the same filter and need-to-know as the case list), as CSV:
    /// no identity, codes only. Audited as an export.
    pub async fn export_cases(&self, caller: &Caller, filter: &CaseListQuery, format: Format, meta: &RequestMeta) -> Result<File> {
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
        let kind = if format == Format::Csv { "CSV" } else { "XLSX" };
        ev.purpose = Some(format!("case list as {kind}, {} rows, no identity", rows.len()));
        self.audit_read(ev).await?;
        let sheet = Sheet::new(
            "Cases",
            &["reference", "kind", "stage", "region", "sex", "age_group", "exploitation_form", "referred_on", "deadline", "due"],
            rows,
        );
        File::of(&sheet, format, "cases")
    }

    /// Campaigns, trainings or budgets as CSV or XLSX (every signed-in user may read them).
    pub async fn export_prevention(&self, caller: &Caller, list: &str, format: Format) -> Result<File> {
        let v = self.prevention(caller, "").await?;
        let sheet = match list {
            "campaigns" => Sheet::new(
                "Campaigns",
                &["title", "organisation", "kind", "channels", "audience", "regions", "starts_on", "ends_on", "reach", "cost", "partners"],
                v.campaigns
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
            )
            .numeric(&["reach"]),
            "trainings" => Sheet::new(
                "Trainings",
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
                v.trainings
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
            )
            .numeric(&["participants_female", "participants_male", "participants_other"]),
            "budgets" => Sheet::new(
                "Budgets",
                &["fiscal_year", "programme_area", "allocated", "spent", "currency", "execution", "funder"],
                v.budgets
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
            )
            .numeric(&["fiscal_year"]),
            _ => return Err(ServiceError::NotFound),
        };
        File::of(&sheet, format, list)
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
        assert_eq!(safe_cell("-99"), "-99", "a plain negative number stays a number");
        assert_eq!(safe_cell("-3.5"), "-3.5");
        for risky in ["-", "-.5", "-5.", "-1.2.3", "-1e5", "-1 ", "-0x1", "-١٢"] {
            assert_eq!(safe_cell(risky), format!("'{risky}"));
        }
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
                    let number = c.strip_prefix('-').is_some_and(|d| d.parse::<f64>().is_ok() && d.chars().all(|x| x.is_ascii_digit() || x == '.'));
                    prop_assert!(number || !matches!(c.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')), "{:?}", c);
                }
            }
        }
    }
}
