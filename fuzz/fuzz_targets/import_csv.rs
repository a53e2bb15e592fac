//! `bodies::import_csv` under libFuzzer: any bytes as a CSV register.
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::import_csv(data));
