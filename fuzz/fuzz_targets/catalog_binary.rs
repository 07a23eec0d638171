#![no_main]
//! The catalog's binary parser alone (`usr/bin/app`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("usr/bin/app", 0o755, data);
});
