#![no_main]
//! The catalog's npm parser alone (`app/package-lock.json`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("app/package-lock.json", 0o644, data);
});
