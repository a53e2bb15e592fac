//! `bodies::import_xlsx` under libFuzzer: any bytes as an XLSX register.
//!
//! `read_xlsx` turns a panic inside the XLSX library into a refusal of the file (calamine
//! overflows on some malformed cell references where overflow checks are on: the file in
//! `fuzz/regressions/`). libFuzzer's panic hook aborts before any unwinding, so this target
//! replaces it with one that lets the library's panics unwind to that catch and still aborts on
//! a panic anywhere else — ours included.
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

fn abort_unless_in_the_xlsx_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                previous(info);
                std::process::abort();
            }
        }));
    });
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    abort_unless_in_the_xlsx_library();
    bodies::import_xlsx(data);
});
