//! CTDC-style de-identified microdata (issue 6, exports): one line per victim detected in a
//! year, in the column names of the CTDC global dataset (data dictionary 20210825 [verify]),
//! multi-value facts both as one-hot 0/1 columns and as a `;`-joined column, age in the CTDC
//! bands. Nothing leaves without the k-anonymity gate (`palermo_stats::k_anonymise`): every
//! released line shares all its values with at least k − 1 others; values are blanked to `-99`
//! group by group, lines still alone are left out. Victims who refused or withdrew consent to
//! statistics are not in the file at all.

use crate::admin::Caller;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::policy::Denied;
use palermo_stats::KReport;

/// The CTDC missing-value marker.
pub const MISSING: &str = "-99";

/// The means of control columns Palermo can fill from the Protocol's means recorded at
/// screening (threat of force → Threats; use of force → PhysicalAbuse; fraud, deception →
/// FalsePromises; coercion, abuse of power or of vulnerability, payments → Other) [verify the
/// mapping with CTDC]. Abduction has its own column, `isAbduction`.
const MEANS: &[(&str, &[&str])] = &[
    ("meansOfControlThreats", &["threat_of_force"]),
    ("meansOfControlPhysicalAbuse", &["use_of_force"]),
    ("meansOfControlFalsePromises", &["fraud", "deception"]),
    (
        "meansOfControlOther",
        &["other_forms_of_coercion", "abuse_of_power", "abuse_of_position_of_vulnerability", "payments_to_person_having_control"],
    ),
];

/// The type of exploitation columns and the Protocol purposes (or the NRM form) behind them.
const EXPLOITATION: &[(&str, &[&str])] = &[
    ("isForcedLabour", &["forced_labour_or_services"]),
    ("isSexualExploit", &["exploitation_of_prostitution_of_others", "other_forms_of_sexual_exploitation"]),
    ("isOtherExploit", &["other"]),
    ("isSexAndLabour", &[]),
    ("isForcedMarriage", &[]),
    ("isForcedMilitary", &[]),
    ("isOrganRemoval", &["removal_of_organs"]),
    ("isSlaveryAndPractices", &["slavery", "practices_similar_to_slavery", "servitude"]),
];

/// The columns, in order.
pub fn columns() -> Vec<&'static str> {
    let mut c = vec![
        "yearOfRegistration",
        "Datasource",
        "gender",
        "ageBroad",
        "majorityStatus",
        "majorityStatusAtExploit",
        "majorityEntry",
        "citizenship",
    ];
    c.extend(MEANS.iter().map(|m| m.0));
    c.push("meansOfControlNotSpecified");
    c.push("meansOfControlConcatenated");
    c.extend(EXPLOITATION.iter().map(|e| e.0));
    c.push("typeOfExploitConcatenated");
    c.push("isAbduction");
    c.push("CountryOfExploitation");
    c
}

/// CTDC `ageBroad` bands.
pub fn age_broad(age: Option<i32>) -> &'static str {
    match age {
        Some(a) if (0..=8).contains(&a) => "0--8",
        Some(a) if (9..=17).contains(&a) => "9--17",
        Some(a) if (18..=20).contains(&a) => "18--20",
        Some(a) if (21..=23).contains(&a) => "21--23",
        Some(a) if (24..=26).contains(&a) => "24--26",
        Some(a) if (27..=29).contains(&a) => "27--29",
        Some(a) if (30..=38).contains(&a) => "30--38",
        Some(a) if (39..=47).contains(&a) => "39--47",
        Some(a) if a >= 48 => "48+",
        _ => MISSING,
    }
}

fn gender(sex: &str) -> &'static str {
    match sex {
        "Feminine" => "Female",
        "Masculine" => "Male",
        "TransgenderFeminine" | "TransgenderMasculine" | "NonConforming" => "Transgender/NonConforming",
        _ => MISSING,
    }
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// One line from the coded facts of a case.
fn line(src: &palermo_store::CtdcSource) -> Vec<String> {
    let (referred_on, sex, age_group, age, citizenships, form, means, purposes, _, exploited_in) = src;
    let means: Vec<&str> = means.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    let purposes: Vec<&str> = purposes.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    let mut out = vec![
        referred_on.year().to_string(),
        "Case Management".to_owned(),
        gender(sex).to_owned(),
        age_broad(*age).to_owned(),
        match age_group.as_str() {
            "child" => "Minor",
            "adult" => "Adult",
            _ => MISSING,
        }
        .to_owned(),
        MISSING.to_owned(),
        MISSING.to_owned(),
        country_code(citizenships.split(',').map(str::trim).find(|c| !c.is_empty()).unwrap_or("")),
    ];
    let mut named = Vec::new();
    for (col, codes) in MEANS {
        let on = means.iter().any(|m| codes.contains(m));
        if on {
            named.push(col.trim_start_matches("meansOfControl"));
        }
        out.push(flag(on));
    }
    let unspecified = means.iter().all(|m| *m == "abduction");
    out.push(flag(unspecified));
    out.push(if unspecified { "NotSpecified".to_owned() } else { named.join(";") });
    let mut types: Vec<&str> = Vec::new();
    let sexual = form == "sexual" || purposes.iter().any(|p| EXPLOITATION[1].1.contains(p));
    let labour = form == "labour" || purposes.iter().any(|p| EXPLOITATION[0].1.contains(p));
    for (col, codes) in EXPLOITATION {
        let on = match *col {
            "isForcedLabour" => labour,
            "isSexualExploit" => sexual,
            "isSexAndLabour" => sexual && labour,
            _ => purposes.iter().any(|p| codes.contains(p)),
        };
        if on {
            types.push(col.trim_start_matches("is"));
        }
        out.push(flag(on));
    }
    out.push(types.join(";"));
    out.push(flag(means.contains(&"abduction")));
    out.push(country_code(exploited_in));
    out
}

/// A country as CTDC writes it: ISO 3166-1 alpha-2 where ISO has one; a user-assigned alpha-3
/// code (the demo's `XVR`) as recorded; nothing recorded: `-99`.
fn country_code(alpha3: &str) -> String {
    match alpha3.trim() {
        "" => MISSING.to_owned(),
        c => palermo_domain::country::alpha2(c).unwrap_or(c).to_owned(),
    }
}

/// The columns blanked together, most identifying first: means of control, citizenship, country
/// of exploitation, age band, type of exploitation, sex and majority, year.
fn suppression_groups() -> Vec<Vec<usize>> {
    let cols = columns();
    let at = |names: &[&str]| -> Vec<usize> { names.iter().filter_map(|n| cols.iter().position(|c| c == n)).collect() };
    let mut means: Vec<&str> = MEANS.iter().map(|m| m.0).collect();
    means.extend(["meansOfControlNotSpecified", "meansOfControlConcatenated", "isAbduction"]);
    let mut exploitation: Vec<&str> = EXPLOITATION.iter().map(|e| e.0).collect();
    exploitation.push("typeOfExploitConcatenated");
    vec![
        at(&means),
        at(&["citizenship"]),
        at(&["CountryOfExploitation"]),
        at(&["ageBroad"]),
        at(&exploitation),
        at(&["gender", "majorityStatus"]),
        at(&["yearOfRegistration"]),
    ]
}

/// A microdata release: the file and what the gate did.
#[derive(Debug, Clone)]
pub struct CtdcRelease {
    pub csv: String,
    pub report: KReport,
    /// Victims left out because they refused or withdrew consent to statistics.
    pub without_consent: usize,
}

/// Gate lines for release: k-anonymity over every column.
pub fn gate(mut lines: Vec<Vec<String>>, k: usize) -> (Vec<Vec<String>>, KReport) {
    let report = palermo_stats::k_anonymise(&mut lines, &suppression_groups(), k, MISSING);
    (lines, report)
}

impl Palermo {
    /// CTDC-style microdata of the victims detected in `year` (coordinators and analysts), with
    /// k at least the publication threshold. Audited as a release with the gate's figures.
    pub async fn ctdc_microdata(&self, caller: &Caller, year: i32, k: Option<u64>, meta: &RequestMeta) -> Result<CtdcRelease> {
        let actor = Self::user_of(caller)?;
        if !Self::may_release(actor) {
            return Err(self.denied(actor, meta, "statistics.release", None, Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        if !(1990..=2100).contains(&year) {
            errs.push(ValidationError::new("year", "a year from 1990 to 2100"));
        }
        let th = self.disclosure().threshold;
        let k = k.unwrap_or(th);
        if !(th..=1000).contains(&k) {
            errs.push(ValidationError::new("k", format!("a whole number from {th} to 1000")));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let (from, to) = crate::statistics::year_range(year)?;
        let sources = self.store.ctdc_sources(from, to).await?;
        let total = sources.len();
        let lines: Vec<Vec<String>> = sources.iter().filter(|s| !matches!(s.8.as_str(), "refused" | "withdrawn")).map(line).collect();
        let without_consent = total - lines.len();
        let (lines, report) = gate(lines, usize::try_from(k).unwrap_or(usize::MAX));
        let csv = crate::export::csv(&columns(), &lines)?;
        let mut ev = self.event(Some(actor), meta, "statistics.release", Some(("release", format!("ctdc/{year}"))), AuditOutcome::Ok);
        ev.purpose = Some(format!(
            "CTDC microdata, k = {k}: {} lines released, {} values blanked, {} lines left out, {without_consent} without consent to statistics",
            report.released, report.suppressed_values, report.dropped_records
        ));
        self.audit_read(ev).await?;
        Ok(CtdcRelease { csv, report, without_consent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(sex: &str, age: Option<i32>, cit: &str, form: &str, means: &str) -> palermo_store::CtdcSource {
        (
            time::macros::date!(2026 - 03 - 01),
            sex.into(),
            if age.is_some_and(|a| a < 18) { "child" } else { "adult" }.into(),
            age,
            cit.into(),
            form.into(),
            means.into(),
            String::new(),
            String::new(),
            "ITA".into(),
        )
    }

    #[test]
    fn a_line_has_every_column_and_codes_only() {
        let l = line(&src("Feminine", Some(16), "ROU,MDA", "sexual", "deception,abduction"));
        let cols = columns();
        assert_eq!(l.len(), cols.len());
        let get = |c: &str| l[cols.iter().position(|x| *x == c).unwrap()].clone();
        assert_eq!(get("gender"), "Female");
        assert_eq!(get("ageBroad"), "9--17");
        assert_eq!(get("majorityStatus"), "Minor");
        assert_eq!(get("citizenship"), "RO", "alpha-2, as CTDC writes it");
        assert_eq!(get("CountryOfExploitation"), "IT");
        assert_eq!(get("meansOfControlFalsePromises"), "1");
        assert_eq!(get("meansOfControlConcatenated"), "FalsePromises");
        assert_eq!(get("isAbduction"), "1");
        assert_eq!(get("isSexualExploit"), "1");
        assert_eq!(get("typeOfExploitConcatenated"), "SexualExploit");
    }

    #[test]
    fn a_unique_person_never_leaves_as_they_are() {
        let mut lines: Vec<Vec<String>> = (0..30).map(|_| line(&src("Feminine", Some(25), "ROU", "sexual", "fraud"))).collect();
        lines.push(line(&src("Masculine", Some(61), "ISL", "labour", "use_of_force")));
        let (out, report) = gate(lines, 11);
        assert_eq!(report.released + report.dropped_records, 31);
        let cols = columns();
        let cit = cols.iter().position(|c| *c == "citizenship").unwrap();
        assert!(out.iter().all(|l| l[cit] != "IS"), "the only Icelandic victim's citizenship is not released");
    }
}
