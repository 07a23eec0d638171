#![no_main]
//! The catalog's one-pass `package.json` reader alone (an installed package's
//! `node_modules/x/package.json`), with its own seed corpus, through the
//! `FileAnalyzer` trait.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    customs_fuzz::catalog_one_file("app/node_modules/x/package.json", 0o644, data);
});
