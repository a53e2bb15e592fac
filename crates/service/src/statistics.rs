//! Published statistics (issue 6, first part): tables built from the records, passed through
//! the disclosure gate of `palermo-stats`, written in the field's formats. Every release is
//! audited (who, what, when).

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::Denied;
use palermo_domain::role::Role;
use palermo_stats::{Cell, Policy, Released, Table};

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
    pub tables: Vec<Released>,
}

fn sex_row(sex: &str) -> usize {
    match sex {
        "Feminine" => 0,
        "Masculine" => 1,
        _ => 2,
    }
}

fn age_col(group: &str) -> usize {
    match group {
        "child" => 0,
        "adult" => 1,
        _ => 2,
    }
}

impl Palermo {
    /// SDG 16.2.2 — victims of trafficking detected in `year`, by sex and age, total and per
    /// form of exploitation — as SDMX-CSV, every observation through the disclosure gate.
    /// Coordinators and analysts; the release is audited.
    pub async fn sdg_16_2_2(&self, caller: &Caller, year: i32, ref_area: &str, meta: &RequestMeta) -> Result<SdmxRelease> {
        let actor = Self::user_of(caller)?;
        if !(actor.roles.has(Role::Coordinator) || actor.roles.has(Role::Analyst)) {
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
        let bad = || ServiceError::Invalid(vec![ValidationError::new("year", "a year from 1990 to 2100")]);
        let from = time::Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| bad())?;
        let to = time::Date::from_calendar_date(year + 1, time::Month::January, 1).map_err(|_| bad())?;
        let rows = self.store.victims_detected(from, to).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let w = |out: &mut csv::Writer<Vec<u8>>, rec: &[&str]| out.write_record(rec).map_err(|e| ServiceError::Internal(e.to_string()));
        w(&mut out, SDMX_COLUMNS)?;
        let (mut observations, mut suppressed) = (0, 0);
        let mut tables = Vec::new();
        for (series, form) in SDG_SERIES {
            let mut cells = vec![vec![0u64; 3]; 3];
            for (sex, age, _, n) in rows.iter().filter(|r| form.is_none_or(|f| r.2 == f)) {
                cells[sex_row(sex)][age_col(age)] += u64::try_from(*n).unwrap_or(0);
            }
            let table = Table {
                title: format!("{series} {year}"),
                row_labels: vec!["F".into(), "M".into(), "unknown".into()],
                col_labels: vec!["<18".into(), "18+".into(), "unknown".into()],
                cells,
            };
            let r = palermo_stats::release(&table, &Policy::default()).map_err(|e| ServiceError::Internal(e.to_string()))?;
            // (SEX, AGE, cell): the unknown row and column are only in the totals.
            let obs = [
                ("F", "<18", r.cells[0][0]),
                ("F", "18+", r.cells[0][1]),
                ("F", "_T", r.row_totals[0]),
                ("M", "<18", r.cells[1][0]),
                ("M", "18+", r.cells[1][1]),
                ("M", "_T", r.row_totals[1]),
                ("_T", "<18", r.col_totals[0]),
                ("_T", "18+", r.col_totals[1]),
                ("_T", "_T", r.total),
            ];
            let year_s = year.to_string();
            for (sex, age, cell) in obs {
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
            tables.push(r);
        }
        let csv = String::from_utf8(out.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))?)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut ev =
            self.event(Some(actor), meta, "statistics.release", Some(("release", format!("sdg-16.2.2/{year}/{area}"))), AuditOutcome::Ok);
        ev.purpose = Some(format!(
            "SDG 16.2.2 SDMX-CSV, {observations} observations, {suppressed} suppressed, threshold {}",
            palermo_stats::DEFAULT_THRESHOLD
        ));
        self.audit_read(ev).await?;
        Ok(SdmxRelease { csv, observations, suppressed, tables })
    }
}
