//! `bodies::link_csv` under libFuzzer: any bytes as a linkage input file and as a CLK file.
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::link_csv(data));
