#![no_main]
//! The catalog's dpkg parser alone (`var/lib/dpkg/status`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("var/lib/dpkg/status", 0o644, data);
});
