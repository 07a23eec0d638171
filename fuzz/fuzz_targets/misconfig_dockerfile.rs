#![no_main]
//! Dockerfiles from a repository (heredocs, line continuations, parser
//! directives, JSON-form instructions).

use customs_misconfig::{check_dockerfile, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let report = check_dockerfile("Dockerfile", &text, &Options::default());
    let _ = customs_misconfig::to_json(&report);
});
