#![no_main]
//! The catalog's java parser alone (`app/lib/foo.jar`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("app/lib/foo.jar", 0o644, data);
});
