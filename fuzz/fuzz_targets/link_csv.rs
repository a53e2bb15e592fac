//! Any bytes as a linkage input file (`palermo link dedupe --in`): reading must never panic, and
//! every record read must prepare, compare with every other and encode as a CLK without
//! panicking, whatever its Unicode. The same bytes as a CLK file (`palermo link match --a`):
//! reading never panics, and the filters read match against themselves without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palermo_linkage::compare::{COMPARISONS, compare};
use palermo_linkage::record::Prepared;

fuzz_target!(|data: &[u8]| {
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
});
