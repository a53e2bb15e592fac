//! What each fuzz target checks, one function per target. libFuzzer calls them from
//! `fuzz_targets/` (the coverage-guided runs, by hand: docs/LINKAGE.md), and the service crate's
//! test `fuzz_replay` calls the same functions over the seed corpora in `corpus/`, the files in
//! `regressions/` and mutations of both on every test run — so a harness that no longer compiles
//! or no longer holds on its own seeds fails the build's tests, not the next fuzzing session.

// Each fuzz target uses one of these functions.
#![allow(dead_code)]

use palermo_domain::deadline::Rules;
use palermo_domain::ids::OrgId;
use palermo_linkage::compare::{COMPARISONS, compare};
use palermo_linkage::record::Prepared;
use palermo_service::import::{Mapping, PlanContext, plan, read_csv};

/// Any bytes as a CSV register: reading and checking must never panic, and every planned row
/// must be a data row of the file.
pub fn import_csv(data: &[u8]) {
    if let Ok(table) = read_csv(data) {
        let authorities = [(OrgId(uuid::Uuid::from_bytes([1; 16])), "Victim Directorate".to_owned())];
        let rules = Rules::default();
        let ctx = PlanContext { authorities: &authorities, today: time::macros::date!(2026 - 11 - 28), rules: &rules };
        let (cases, _) = plan(&table, &Mapping::default(), &ctx);
        assert!(cases.iter().all(|c| c.row >= 2 && c.row <= table.rows.len() + 1));
    }
}

/// Any bytes as an XLSX register: reading must never panic (zip and XML parsing included);
/// `read_xlsx` itself turns a panic inside the XLSX library into a refusal of the file.
pub fn import_xlsx(data: &[u8]) {
    let _ = palermo_service::import::read_xlsx(data);
}

/// Any bytes as a linkage input file (`palermo link dedupe --in`): reading must never panic, and
/// every record read must prepare, compare with every other and encode as a CLK without
/// panicking, whatever its Unicode. The same bytes as a CLK file (`palermo link match --a`):
/// reading never panics, and the filters read match against themselves without panicking.
pub fn link_csv(data: &[u8]) {
    if let Ok(records) = palermo_linkage::csvio::read_records("fuzz.csv", data) {
        let prepared: Vec<Prepared> = records.iter().take(50).map(Prepared::of).collect();
        for a in &prepared {
            for b in &prepared {
                let v = compare(a, b);
                // Every level is one the comparison defines (the model has a weight for it).
                for (level, (_, levels)) in v.iter().zip(COMPARISONS) {
                    assert!(level.is_none_or(|l| usize::from(l) < levels.len()), "{v:?}");
                }
            }
        }
        let salted: Vec<_> = records
            .iter()
            .take(50)
            .map(|r| {
                let _ = palermo_linkage::clk::encode(r, b"fuzz secret");
                palermo_linkage::clk::encode_salted(r, b"fuzz secret", palermo_linkage::clk::Salt::BirthYear)
            })
            .collect();
        let _ = palermo_linkage::clk_match::match_salted(&salted, &salted, 0.5, palermo_linkage::clk::Salt::BirthYear);
    }
    if let Ok((salt, clks)) = palermo_linkage::csvio::read_clks("fuzz.csv", data) {
        let filters: Vec<_> = clks.into_iter().take(50).map(|(_, c)| c).collect();
        let _ = palermo_linkage::clk_match::match_salted(&filters, &filters, 0.5, salt);
    }
}
