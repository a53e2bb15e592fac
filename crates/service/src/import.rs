//! Importing today's cases from a spreadsheet (CSV or XLSX): read the table, map its columns
//! (HTCDS field names by default, a mapping file otherwise), check every row — reporting every
//! problem by row and column — and only then write everything in one transaction, identity
//! encrypted on the way in, audited.
//!
//! Reading and checking ([`read_csv`], [`read_xlsx`], [`plan`]) are pure functions of their
//! input, fuzzed and property-tested; nothing is written unless the whole file is clean.

use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::consent::{ConsentForm, ConsentGivenBy, ConsentPurpose, ConsentStatus};
use palermo_domain::deadline::Rules;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::indicators::{Catalogue, ExploitationForm, Population};
use palermo_domain::nrm::{self, CaseState, Command, Decision, DecisionKind, Outcome, Stage};
use palermo_domain::person::{AgeGroup, Gender, parse_age, parse_citizenships, parse_date_of_birth, parse_languages};
use palermo_domain::values::Name;
use palermo_store::{CaseBundle, CaseEventRecord, CaseRecord, ConsentRecord, PersonRecord, ScreeningRecord};
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};

/// Files larger than this are refused (a national register of today's cases fits easily).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Rows per file.
pub const MAX_ROWS: usize = 200_000;

/// A table read from a file: the header row and the data rows, all cells as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A problem with the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// A problem with one cell (or row): the spreadsheet row number (the header is row 1), the
/// column as named in the file, and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

fn check_size(rows: usize) -> std::result::Result<(), FileError> {
    if rows > MAX_ROWS { Err(FileError(format!("{rows} rows; at most {MAX_ROWS} per file (split it)"))) } else { Ok(()) }
}

/// Read a UTF-8 CSV file with a header row (a byte-order mark is allowed).
pub fn read_csv(bytes: &[u8]) -> std::result::Result<Table, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError(format!("the file is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024)));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let headers: Vec<String> =
        r.headers().map_err(|e| FileError(format!("the header row cannot be read: {e}")))?.iter().map(|h| h.trim().to_owned()).collect();
    if headers.iter().all(String::is_empty) {
        return Err(FileError("the file has no header row".into()));
    }
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| FileError(format!("row {}: {}", i + 2, e)))?;
        rows.push(rec.iter().map(str::to_owned).collect());
        check_size(rows.len())?;
    }
    Ok(Table { headers, rows })
}

/// Excel stores dates as days since 1899-12-30.
fn excel_date(serial: f64) -> Option<Date> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = time::macros::date!(1899 - 12 - 30);
    base.checked_add(Duration::days(serial.floor() as i64))
}

/// Columns a spreadsheet register may span.
pub const MAX_COLUMNS: u32 = 1_000;
/// Filled cells per spreadsheet (a register of `MAX_ROWS` rows with 25 filled columns).
pub const MAX_CELLS: usize = MAX_ROWS * 25;

/// Read the first worksheet of an XLSX file; the first row is the header.
///
/// The worksheet is read cell by cell and refused as soon as it spans more than [`MAX_ROWS`]
/// rows, [`MAX_COLUMNS`] columns or [`MAX_CELLS`] filled cells, so that memory follows what the
/// file holds (reading it as one rectangle, a single cell at XFD200000 asked for billions of
/// cells). The parser is a library reading untrusted bytes: a panic inside it (fuzzing found
/// an arithmetic overflow on a malformed cell reference, in builds with overflow checks) refuses
/// the file instead of ending the request.
pub fn read_xlsx(bytes: &[u8]) -> std::result::Result<Table, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError(format!("the file is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024)));
    }
    std::panic::catch_unwind(|| read_xlsx_cells(bytes))
        .unwrap_or_else(|_| Err(FileError("not a readable XLSX file: the worksheet is malformed".into())))
}

fn read_xlsx_cells(bytes: &[u8]) -> std::result::Result<Table, FileError> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| FileError(format!("not a readable XLSX file: {e}")))?;
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return Err(FileError("the workbook has no worksheet".into()));
    };
    let unreadable = |e: calamine::XlsxError| FileError(format!("the first worksheet cannot be read: {e}"));
    let mut reader = wb.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let cell = |d: Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s,
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => excel_date(dt.as_f64()).map(|d| d.to_string()).unwrap_or_default(),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s,
            Data::Error(e) => format!("#ERROR {e:?}"),
        }
    };
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    while let Some(c) = reader.next_cell().map_err(unreadable)? {
        let (row, col) = c.get_position();
        let value = cell(Data::from(c.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        (top, bottom, left, right) = (top.min(row), bottom.max(row), left.min(col), right.max(col));
        check_size((bottom - top) as usize + 1)?;
        if right - left >= MAX_COLUMNS {
            return Err(FileError(format!("the first worksheet spans more than {MAX_COLUMNS} columns")));
        }
        if cells.len() >= MAX_CELLS {
            return Err(FileError(format!("more than {MAX_CELLS} filled cells; split the file")));
        }
        cells.push((row, col, value));
    }
    cells.sort_unstable_by_key(|&(row, col, _)| (row, col));
    // Rows from the first filled one; each as long as its last filled cell (readers of the
    // table take a missing cell as empty, as for a CSV row that stops early).
    let mut grid: Vec<Vec<String>> = vec![Vec::new(); if cells.is_empty() { 0 } else { (bottom - top) as usize + 1 }];
    for (row, col, value) in cells {
        if let Some(r) = grid.get_mut((row - top) as usize) {
            let at = (col - left) as usize;
            if r.len() <= at {
                r.resize(at + 1, String::new());
            }
            r[at] = value;
        }
    }
    let mut rows = grid.into_iter();
    let headers: Vec<String> = rows.next().map(|r| r.into_iter().map(|c| c.trim().to_owned()).collect()).unwrap_or_default();
    if headers.iter().all(String::is_empty) {
        return Err(FileError("the first worksheet has no header row".into()));
    }
    Ok(Table { headers, rows: rows.collect() })
}

/// Palermo's import fields and the column each is read from by default (HTCDS 2.0 names where
/// the standard has the field, Palermo's own otherwise).
pub const FIELDS: &[(&str, &str, bool)] = &[
    // (field, default column, required)
    ("given_name", "prs_FirstName", false),
    ("family_name", "prs_SecondName", false),
    ("date_of_birth", "prs_Birthdate", false),
    ("sex", "prs_Gender", true),
    ("citizenships", "prs_Citizenship", false),
    ("languages", "prs_PrimaryLanguage", false),
    ("age_at_identification", "age_at_identification", false),
    ("exploitation", "vic_TypeOfExploitation", true),
    ("exploitation_country", "CountryOfExploitation", false),
    ("referred_on", "cas_IncomingReferralDate", true),
    ("competent_authority", "competent_authority", true),
    ("referral_consent", "con_Consent", false),
    ("rg_outcome", "rg_outcome", false),
    ("rg_decided_on", "rg_decided_on", false),
    ("cg_outcome", "cg_outcome", false),
    ("cg_decided_on", "cg_decided_on", false),
];

/// Which column each field is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping(pub BTreeMap<String, String>);

impl Default for Mapping {
    fn default() -> Self {
        Mapping(FIELDS.iter().map(|(f, c, _)| ((*f).to_owned(), (*c).to_owned())).collect())
    }
}

impl Mapping {
    /// A mapping file: TOML with a `[columns]` table, `field = "column header"`. Fields not
    /// named keep their default column.
    pub fn parse(text: &str) -> std::result::Result<Mapping, FileError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            columns: BTreeMap<String, String>,
        }
        let f: File = toml::from_str(text).map_err(|e| FileError(format!("mapping file: {}", e.message())))?;
        let mut m = Mapping::default();
        for (field, column) in f.columns {
            if !FIELDS.iter().any(|(name, _, _)| *name == field) {
                let known: Vec<&str> = FIELDS.iter().map(|(n, _, _)| *n).collect();
                return Err(FileError(format!("mapping file: unknown field {field:?}; the fields are {}", known.join(", "))));
            }
            m.0.insert(field, column);
        }
        Ok(m)
    }

    fn column<'a>(&'a self, field: &'a str) -> &'a str {
        self.0.get(field).map(String::as_str).unwrap_or(field)
    }
}

/// One checked row, ready to be written.
#[derive(Clone, PartialEq, Eq)]
pub struct PlannedCase {
    pub row: usize,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Gender,
    pub age: Option<i32>,
    pub citizenships: Vec<String>,
    pub languages: Vec<String>,
    pub form: ExploitationForm,
    /// ISO 3166-1 alpha-3, if known.
    pub exploitation_country: Option<String>,
    pub authority: OrgId,
    pub consent_given: bool,
    pub state: CaseState,
    /// The commands applied after the referral, with the stage each led to, for the timeline.
    pub applied: Vec<(Command, Stage)>,
}

impl std::fmt::Debug for PlannedCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlannedCase(row {}, {})", self.row, self.state.stage)
    }
}

/// What the checks need to know about the instance.
pub struct PlanContext<'a> {
    /// Organisations that may receive referrals: (id, name).
    pub authorities: &'a [(OrgId, String)],
    pub today: Date,
    pub rules: &'a Rules,
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "given" | "x" => Some(true),
        "0" | "false" | "no" | "n" | "refused" | "" => Some(false),
        _ => None,
    }
}

/// HTCDS `vic_TypeOfExploitation` (one or several, `;`-separated) → Palermo's list choice.
fn exploitation(s: &str) -> Option<ExploitationForm> {
    let mut sexual = false;
    let mut any = false;
    for v in s.split([';', ',']).map(str::trim).filter(|v| !v.is_empty()) {
        any = true;
        match v {
            "SexualExploitation" | "sexual" => sexual = true,
            "ForcedLabour"
            | "ChildLabour"
            | "ForcedMarriage"
            | "Servitude"
            | "ForcedMilitaryByNonStateActors"
            | "OrganRemoval"
            | "ForcedBegging"
            | "ForcedAdoption"
            | "Surrogacy"
            | "Other"
            | "labour" => {}
            _ => return None,
        }
    }
    if !any {
        return None;
    }
    Some(if sexual { ExploitationForm::Sexual } else { ExploitationForm::Labour })
}

/// Check every row; return the cases to write and every problem found.
pub fn plan(table: &Table, mapping: &Mapping, ctx: &PlanContext<'_>) -> (Vec<PlannedCase>, Vec<RowProblem>) {
    let mut problems = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in table.headers.iter().enumerate() {
        index.entry(h.as_str()).or_insert(i);
    }
    for (field, _, required) in FIELDS {
        let col = mapping.column(field);
        if *required && !index.contains_key(col) {
            problems.push(RowProblem { row: 1, column: col.to_owned(), message: format!("missing: the column for {field} is required") });
        }
    }
    if !index.contains_key(mapping.column("given_name")) && !index.contains_key(mapping.column("family_name")) {
        problems.push(RowProblem {
            row: 1,
            column: mapping.column("family_name").to_owned(),
            message: "missing: a given-name or family-name column is required".into(),
        });
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }
    let mut out = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let row = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |field: &str| -> &str { index.get(mapping.column(field)).and_then(|&c| cells.get(c)).map(|s| s.trim()).unwrap_or("") };
        let mut bad = |field: &str, message: String| problems.push(RowProblem { row, column: mapping.column(field).to_owned(), message });
        let text = |field: &'static str, bad: &mut dyn FnMut(&str, String)| -> Option<String> {
            let v = get(field);
            if v.is_empty() {
                return None;
            }
            match Name::parse(field, v, 200) {
                Ok(n) => Some(n.into_string()),
                Err(e) => {
                    bad(field, e.expected);
                    None
                }
            }
        };
        let given = text("given_name", &mut bad);
        let family = text("family_name", &mut bad);
        if given.is_none() && family.is_none() && get("given_name").is_empty() && get("family_name").is_empty() {
            bad("family_name", "at least one name (given or family)".into());
        }
        let dob = parse_date_of_birth(get("date_of_birth"), ctx.today).unwrap_or_else(|e| {
            bad("date_of_birth", e.expected);
            None
        });
        let sex = Gender::parse(get("sex")).map_err(|e| bad("sex", e.expected)).ok();
        let age = parse_age(get("age_at_identification")).unwrap_or_else(|e| {
            bad("age_at_identification", e.expected);
            None
        });
        let citizenships = parse_citizenships(&get("citizenships").replace(';', ",")).unwrap_or_else(|e| {
            bad("citizenships", e.expected);
            Vec::new()
        });
        let languages = parse_languages(&get("languages").replace(';', ",")).unwrap_or_else(|e| {
            bad("languages", e.expected);
            Vec::new()
        });
        let form = exploitation(get("exploitation"));
        if form.is_none() {
            bad(
                "exploitation",
                "HTCDS vic_TypeOfExploitation values (SexualExploitation, ForcedLabour, ChildLabour, …), `;`-separated".into(),
            );
        }
        let exploitation_country = palermo_domain::country::parse_country("exploitation_country", get("exploitation_country"))
            .unwrap_or_else(|e| {
                bad("exploitation_country", e.expected);
                None
            });
        let date = |field: &'static str, bad: &mut dyn FnMut(&str, String)| -> Option<Date> {
            let v = get(field);
            if v.is_empty() {
                return None;
            }
            match Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) if d <= ctx.today => Some(d),
                Ok(_) => {
                    bad(field, format!("a date not after today ({})", ctx.today));
                    None
                }
                Err(_) => {
                    bad(field, "a date as YYYY-MM-DD".into());
                    None
                }
            }
        };
        let referred_on = date("referred_on", &mut bad);
        if referred_on.is_none() && get("referred_on").is_empty() {
            bad("referred_on", "the date of the referral, YYYY-MM-DD".into());
        }
        let authority_name = get("competent_authority");
        let authority = ctx.authorities.iter().find(|(_, n)| n.eq_ignore_ascii_case(authority_name)).map(|(id, _)| *id);
        if authority.is_none() {
            let names: Vec<&str> = ctx.authorities.iter().map(|(_, n)| n.as_str()).collect();
            bad("competent_authority", format!("the name of a competent authority: {}", names.join("; ")));
        }
        let consent = yes_no(get("referral_consent"));
        if consent.is_none() {
            bad("referral_consent", "yes or no (true/false, 1/0)".into());
        }
        let child = age.is_some_and(|a| a < 18);
        if !child && consent == Some(false) && sex.is_some() {
            bad("referral_consent", "yes: an adult is referred only with consent (import those without as anonymous notifications)".into());
        }
        let decision = |kind: DecisionKind, o: &'static str, d: &'static str, bad: &mut dyn FnMut(&str, String)| -> Option<Command> {
            let outcome = get(o);
            if outcome.is_empty() && get(d).is_empty() {
                return None;
            }
            let outcome = match Outcome::parse(outcome) {
                Ok(x) => Some(x),
                Err(e) => {
                    bad(o, e.expected);
                    None
                }
            };
            let on = date(d, bad);
            if on.is_none() && get(d).is_empty() {
                bad(d, "the date of the decision, YYYY-MM-DD".into());
            }
            Some(Command::Decide(Decision { kind, outcome: outcome?, decided_on: on?, told_on: on }))
        };
        let rg = decision(DecisionKind::ReasonableGrounds, "rg_outcome", "rg_decided_on", &mut bad);
        let cg = decision(DecisionKind::ConclusiveGrounds, "cg_outcome", "cg_decided_on", &mut bad);
        let (Some(sex), Some(form), Some(referred_on), Some(authority), Some(consent)) = (sex, form, referred_on, authority, consent)
        else {
            continue;
        };
        let mut state = CaseState::referred(referred_on);
        let mut applied = Vec::new();
        let mut ok = true;
        for (cmd, field) in [(rg, "rg_decided_on"), (cg, "cg_decided_on")] {
            let Some(cmd) = cmd else { continue };
            match nrm::apply(&state, cmd, ctx.today, ctx.rules) {
                Ok(next) => {
                    applied.push((cmd, next.stage));
                    state = next;
                }
                Err(refusal) => {
                    bad(field, refusal.to_string());
                    ok = false;
                    break;
                }
            }
        }
        if !ok || problems.last().is_some_and(|p| p.row == row) {
            continue;
        }
        out.push(PlannedCase {
            row,
            given_name: given,
            family_name: family,
            date_of_birth: dob,
            sex,
            age,
            citizenships,
            languages,
            form,
            exploitation_country,
            authority,
            consent_given: consent,
            state,
            applied,
        });
    }
    (out, problems)
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub rows: usize,
    pub cases: usize,
    pub problems: Vec<RowProblem>,
    pub written: bool,
}

impl Palermo {
    /// Import cases from a table. Every row is checked first; with any problem nothing is
    /// written and the report lists them all. `as_user` is the first responder or case worker
    /// the cases are recorded by (their organisation becomes the referring organisation).
    pub async fn import_cases(
        &self,
        table: &Table,
        mapping: &Mapping,
        as_user: &str,
        dry_run: bool,
        source: &str,
        progress: &dyn Fn(&str, usize, usize),
    ) -> Result<ImportReport> {
        let user = self
            .store
            .user_by_username(&as_user.trim().to_lowercase())
            .await?
            .filter(|u| !u.disabled && u.roles.split(',').any(|r| r == "first_responder" || r == "case_worker"))
            .ok_or_else(|| ServiceError::Setup(format!("--as {as_user}: the username of an active first_responder or case_worker")))?;
        let authorities = self.competent_authorities().await?;
        let rules = self.rules();
        let today = rules.local_date(self.now());
        let (planned, problems) = plan(table, mapping, &PlanContext { authorities: &authorities, today, rules: &rules });
        let mut report = ImportReport { rows: table.rows.len(), cases: planned.len(), problems, written: false };
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        let org = self.store.get_organisation(user.organisation_id).await?.ok_or(ServiceError::NotFound)?;
        let catalogue = self.catalogue()?;
        let year = today.year();
        let (p_prefix, n_prefix) = (format!("P-{year}"), format!("NRM-{year}"));
        let mut p_next = self.store.reference_counter(&p_prefix).await?;
        let mut n_next = self.store.reference_counter(&n_prefix).await?;
        let now = self.now();
        let mut bundles = Vec::with_capacity(planned.len());
        for (i, p) in planned.iter().enumerate() {
            p_next += 1;
            n_next += 1;
            bundles.push(self.import_bundle(
                p,
                &catalogue,
                (user.organisation_id, user.id, &org.region),
                &rules,
                now,
                (&p_prefix, p_next),
                (&n_prefix, n_next),
            )?);
            if i % 500 == 0 {
                progress("encrypting", i, planned.len());
            }
        }
        progress("writing", planned.len(), planned.len());
        let meta = RequestMeta::task("import");
        let mut ev = self.event(None, &meta, "case.import", None, AuditOutcome::Ok);
        ev.actor_user_id = Some(user.id.to_string());
        ev.actor_org_id = Some(user.organisation_id.to_string());
        ev.purpose = Some(format!("{} cases from {source}", bundles.len()));
        self.store.bulk_insert_cases(&bundles, &[(p_prefix, p_next), (n_prefix, n_next)], &[ev]).await?;
        report.written = true;
        self.store.analyze().await?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn import_bundle(
        &self,
        p: &PlannedCase,
        catalogue: &Catalogue,
        by: (OrgId, UserId, &str),
        rules: &Rules,
        now: OffsetDateTime,
        person_ref: (&str, i64),
        case_ref: (&str, i64),
    ) -> Result<CaseBundle> {
        let (org, user, region) = by;
        let (_, cid) = self.new_ids()?;
        let (_, pid) = self.new_ids()?;
        let (_, sid) = self.new_ids()?;
        let (_, kid) = self.new_ids()?;
        let case_id = cid.0;
        let age_group = AgeGroup::of(p.age);
        let population = if age_group == AgeGroup::Child { Population::Child } else { Population::Adult };
        let list = catalogue.list(population, p.form).ok_or_else(|| ServiceError::Internal("indicator list".into()))?;
        let person = PersonRecord {
            id: pid.0,
            reference: format!("{}-{:06}", person_ref.0, person_ref.1),
            organisation_id: org,
            created_by: user,
            sex: p.sex.code().into(),
            age_at_identification: p.age,
            age_group: age_group.code().into(),
            citizenships: p.citizenships.join(","),
            languages: p.languages.join(","),
            migration_status: None,
            created_at: now,
            merged_into: None,
        };
        let full = match (&p.given_name, &p.family_name) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            _ => None,
        };
        let mut vault = Vec::new();
        for (field, value, searchable) in [
            ("given_name", &p.given_name, true),
            ("family_name", &p.family_name, true),
            ("full_name", &full, true),
            ("date_of_birth", &p.date_of_birth, false),
        ] {
            if let Some(v) = value {
                vault.push(self.seal_field("person", person.id, field, v, searchable)?);
            }
        }
        let mut events = Vec::new();
        let mut event = |kind: &str, stage: Option<&str>, on: Date, detail: serde_json::Value| -> Result<()> {
            let (_, id) = self.new_ids()?;
            events.push(CaseEventRecord {
                id: id.0,
                case_id,
                at: now,
                actor_user_id: Some(user),
                actor_org_id: Some(org),
                kind: kind.into(),
                stage_after: stage.map(str::to_owned),
                on_date: Some(on),
                detail: detail.to_string(),
            });
            Ok(())
        };
        let referred_on = p.state.referred_on;
        event("imported", Some("referred"), referred_on, serde_json::json!({"row": p.row}))?;
        let mut version = 1;
        for (cmd, stage) in &p.applied {
            if let Command::Decide(d) = cmd {
                event(
                    cmd.code(),
                    Some(stage.code()),
                    d.decided_on,
                    serde_json::json!({"decision": d.kind.code(), "outcome": d.outcome.code(), "imported": true}),
                )?;
                version += 1;
            }
        }
        let mut case = CaseRecord {
            id: case_id,
            reference: format!("{}-{:06}", case_ref.0, case_ref.1),
            kind: "referral".into(),
            person_id: Some(person.id),
            owner_org_id: org,
            authority_org_id: Some(p.authority),
            case_worker_id: None,
            decision_maker_id: None,
            region: region.to_owned(),
            stage: None,
            referred_on,
            rg_positive_on: None,
            last_negative_kind: None,
            last_negative_told_on: None,
            ended_from: None,
            deadline_kind: None,
            deadline_on: None,
            sex: p.sex.code().into(),
            age_group: age_group.code().into(),
            exploitation_form: p.form.code().into(),
            exploitation_country: p.exploitation_country.clone(),
            created_by: user,
            created_at: now,
            updated_at: now,
            version,
        };
        crate::cases::store_state(&mut case, &p.state, rules);
        let consents = if p.consent_given {
            vec![ConsentRecord {
                id: kid.0,
                case_id,
                purpose: ConsentPurpose::Referral.code().into(),
                recipient_org_id: Some(p.authority),
                status: ConsentStatus::Given.code().into(),
                decided_on: referred_on,
                form: ConsentForm::Written.code().into(),
                interpreter_language: None,
                checklist: String::new(),
                given_by: if age_group == AgeGroup::Child { ConsentGivenBy::PersonAndGuardian } else { ConsentGivenBy::Person }
                    .code()
                    .into(),
                recorded_by: user,
                case_version: 1,
                recorded_at: now,
            }]
        } else {
            Vec::new()
        };
        let screening = ScreeningRecord {
            id: sid.0,
            case_id,
            organisation_id: org,
            screened_by: user,
            screened_on: referred_on,
            population: population.code().into(),
            exploitation_form: p.form.code().into(),
            catalogue_version: format!("{} (imported: no screening answers)", catalogue.version),
            list_id: list.id.clone(),
            acts: String::new(),
            means: String::new(),
            purposes: String::new(),
            indicators: String::new(),
            elements_met: false,
            indicators_suggest: false,
            created_at: now,
        };
        Ok(CaseBundle { person: Some(person), case, screening, events, consents, vault })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn org(n: u8) -> OrgId {
        OrgId(uuid::Uuid::from_bytes([n; 16]))
    }

    fn ctx_rules() -> Rules {
        Rules::default()
    }

    const GOOD: &str = "prs_FirstName,prs_SecondName,prs_Gender,prs_Birthdate,prs_Citizenship,age_at_identification,vic_TypeOfExploitation,CountryOfExploitation,cas_IncomingReferralDate,competent_authority,con_Consent,rg_outcome,rg_decided_on\n\
        Amina,Diallo,Feminine,1998-04-02,GIN,28,SexualExploitation,ita,2026-10-01,Victim Directorate,yes,positive,2026-10-05\n\
        Ivan,Petrov,Masculine,,UKR;MDA,41,ForcedLabour,,2026-11-02,victim directorate,1,,\n\
        Sami,,Masculine,,,15,ChildLabour;ForcedBegging,XVR,2026-11-10,Victim Directorate,no,,\n";

    #[test]
    fn a_clean_file_plans_every_row() {
        let t = read_csv(GOOD.as_bytes()).unwrap();
        let authorities = [(org(1), "Victim Directorate".to_owned())];
        let rules = ctx_rules();
        let (cases, problems) =
            plan(&t, &Mapping::default(), &PlanContext { authorities: &authorities, today: date!(2026 - 11 - 28), rules: &rules });
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].state.stage, palermo_domain::nrm::Stage::RecoveryPeriod);
        assert_eq!(cases[1].citizenships, vec!["UKR".to_owned(), "MDA".to_owned()]);
        let exploited_in: Vec<Option<&str>> = cases.iter().map(|c| c.exploitation_country.as_deref()).collect();
        assert_eq!(exploited_in, [Some("ITA"), None, Some("XVR")]);
        assert!(!cases[2].consent_given, "a child is referred without consent");
    }

    #[test]
    fn every_problem_is_reported_by_row_and_column() {
        let bad = "prs_FirstName,prs_Gender,vic_TypeOfExploitation,cas_IncomingReferralDate,competent_authority,con_Consent,age_at_identification,cg_outcome,cg_decided_on,CountryOfExploitation\n\
            Amina,Female,SexualExploitation,2026-10-01,Victim Directorate,yes,30,,,\n\
            Ivan,Masculine,Fishing,01/11/2026,Nobody,maybe,200,,,Atlantis\n\
            Olga,Feminine,ForcedLabour,2026-11-01,Victim Directorate,no,30,,,\n\
            Lena,Feminine,ForcedLabour,2026-11-01,Victim Directorate,yes,30,positive,2026-11-02,\n";
        let t = read_csv(bad.as_bytes()).unwrap();
        let authorities = [(org(1), "Victim Directorate".to_owned())];
        let rules = ctx_rules();
        let (_, problems) =
            plan(&t, &Mapping::default(), &PlanContext { authorities: &authorities, today: date!(2026 - 11 - 28), rules: &rules });
        let at: Vec<(usize, &str)> = problems.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert!(at.contains(&(2, "prs_Gender")), "{at:?}");
        for col in [
            "vic_TypeOfExploitation",
            "cas_IncomingReferralDate",
            "competent_authority",
            "con_Consent",
            "age_at_identification",
            "CountryOfExploitation",
        ] {
            assert!(at.contains(&(3, col)), "row 3 {col}: {at:?}");
        }
        assert!(at.contains(&(4, "con_Consent")), "adult without consent: {at:?}");
        assert!(at.contains(&(5, "cg_decided_on")), "CG without RG is an illegal transition: {at:?}");
        let rg_msg = problems.iter().find(|p| p.row == 5).map(|p| p.message.clone()).unwrap_or_default();
        assert!(rg_msg.contains("cannot decide_conclusive_grounds"), "{rg_msg}");
    }

    #[test]
    fn missing_columns_and_mapping_files() {
        let t = read_csv(b"name,when\nA,2026-01-01\n").unwrap();
        let authorities = [(org(1), "X".to_owned())];
        let rules = ctx_rules();
        let ctx = PlanContext { authorities: &authorities, today: date!(2026 - 11 - 28), rules: &rules };
        let (_, problems) = plan(&t, &Mapping::default(), &ctx);
        assert!(problems.iter().all(|p| p.row == 1) && problems.len() >= 4, "{problems:?}");
        let m = Mapping::parse("[columns]\nfamily_name = \"name\"\nreferred_on = \"when\"\n").unwrap();
        assert_eq!(m.column("family_name"), "name");
        assert!(Mapping::parse("[columns]\nshoe_size = \"x\"\n").unwrap_err().0.contains("unknown field"));
        assert!(read_csv(b"").is_err());
    }

    #[test]
    fn xlsx_garbage_is_a_clear_error() {
        assert!(read_xlsx(b"PK\x03\x04 not really a zip").unwrap_err().0.contains("XLSX"));
        assert_eq!(excel_date(45_000.0), Some(date!(2023 - 03 - 15)));
        // Found by fuzzing: a malformed cell reference overflowed inside the XLSX library.
        let found = include_bytes!("../../../fuzz/regressions/import_xlsx_cell_reference_overflow.xlsx");
        assert!(read_xlsx(found).is_err());
    }

    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for (row, col, text) in cells {
            sheet.write_string(*row, *col, *text).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    /// A spreadsheet is read as the cells it holds: one far cell is refused with the limit it
    /// crosses, not read as a rectangle of billions of cells.
    #[test]
    fn xlsx_is_read_cell_by_cell_within_limits() {
        let t = read_xlsx(&workbook(&[(0, 1, "prs_FirstName"), (0, 2, "prs_Gender"), (1, 1, "Amina"), (3, 2, "Feminine")])).unwrap();
        assert_eq!(t.headers, ["prs_FirstName", "prs_Gender"]);
        assert_eq!(
            t.rows,
            [vec!["Amina".to_owned()], vec![], vec![String::new(), "Feminine".to_owned()]],
            "rows from the header on, ragged"
        );
        let wide = read_xlsx(&workbook(&[(0, 0, "a"), (1, 16_383, "far right")])).unwrap_err();
        assert!(wide.0.contains("more than 1000 columns"), "{wide}");
        let tall = read_xlsx(&workbook(&[(0, 0, "a"), (1_048_575, 0, "far down")])).unwrap_err();
        assert!(tall.0.contains("at most 200000"), "{tall}");
    }

    proptest! {
        /// Fuzzing the reader and the checks: any bytes give a table or a file error, and any
        /// table gives cases and problems — never a panic; every planned row is a data row.
        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            if let Ok(t) = read_csv(&bytes) {
                let authorities = [(org(1), "A".to_owned())];
                let rules = ctx_rules();
                let (cases, _) = plan(&t, &Mapping::default(), &PlanContext { authorities: &authorities, today: date!(2026 - 11 - 28), rules: &rules });
                prop_assert!(cases.iter().all(|c| c.row >= 2 && c.row <= t.rows.len() + 1));
            }
            let _ = read_xlsx(&bytes);
        }

        /// Rows built from valid and invalid cell values: a row is planned if and only if it has
        /// no problem.
        #[test]
        fn a_row_is_planned_iff_it_has_no_problem(
            rows in proptest::collection::vec((
                proptest::sample::select(vec!["Amina", "", "Ivan\u{0}"]),
                proptest::sample::select(vec!["Feminine", "Masculine", "F", ""]),
                proptest::sample::select(vec!["SexualExploitation", "ForcedLabour;Other", "Fishing", ""]),
                proptest::sample::select(vec!["2026-10-01", "2027-01-01", "yesterday", ""]),
                proptest::sample::select(vec!["A", "B"]),
                proptest::sample::select(vec!["yes", "no", "maybe"]),
                proptest::sample::select(vec!["30", "15", "", "-1"]),
            ), 1..8)
        ) {
            let mut csv = String::from("prs_FirstName,prs_Gender,vic_TypeOfExploitation,cas_IncomingReferralDate,competent_authority,con_Consent,age_at_identification\n");
            for r in &rows {
                csv.push_str(&format!("{},{},\"{}\",{},{},{},{}\n", r.0, r.1, r.2, r.3, r.4, r.5, r.6));
            }
            let t = read_csv(csv.as_bytes()).unwrap();
            let authorities = [(org(1), "A".to_owned())];
            let rules = ctx_rules();
            let (cases, problems) = plan(&t, &Mapping::default(), &PlanContext { authorities: &authorities, today: date!(2026 - 11 - 28), rules: &rules });
            for row in 2..rows.len() + 2 {
                let planned = cases.iter().any(|c| c.row == row);
                let blank = t.rows[row - 2].iter().all(|c| c.trim().is_empty());
                let troubled = problems.iter().any(|p| p.row == row);
                prop_assert!(blank || planned != troubled, "row {row}: planned {planned}, problems {problems:?}");
            }
        }
    }
}
