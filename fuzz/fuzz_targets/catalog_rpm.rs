#![no_main]
//! The catalog's rpm parser alone (`var/lib/rpm/Packages`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("var/lib/rpm/Packages", 0o644, data);
});
