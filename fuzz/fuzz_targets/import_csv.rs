//! Any bytes as a CSV register: reading and checking must never panic, and every planned row
//! must be a data row of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palermo_domain::deadline::Rules;
use palermo_domain::ids::OrgId;
use palermo_service::import::{Mapping, PlanContext, plan, read_csv};

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = read_csv(data) {
        let authorities = [(OrgId(uuid::Uuid::from_bytes([1; 16])), "Victim Directorate".to_owned())];
        let rules = Rules::default();
        let ctx = PlanContext { authorities: &authorities, today: time::macros::date!(2026 - 11 - 28), rules: &rules };
        let (cases, _) = plan(&table, &Mapping::default(), &ctx);
        assert!(cases.iter().all(|c| c.row >= 2 && c.row <= table.rows.len() + 1));
    }
});
