#![no_main]
//! The misconfiguration settings file of a repository.

use customs_misconfig::Options;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Options::from_yaml(text);
});
