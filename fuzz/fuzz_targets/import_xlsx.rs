//! Any bytes as an XLSX register: reading must never panic (zip and XML parsing included).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palermo_service::import::read_xlsx(data);
});
