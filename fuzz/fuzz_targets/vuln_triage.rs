#![no_main]
//! Triage input from a repository: OpenVEX JSON (first byte even) or a
//! `.customsignore` file (odd), then applied to a match report.

use customs_vuln::triage::Limits;
use customs_vuln::{Date, IgnoreFile, MatchReport, OpenVex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let limits = Limits::default();
    let today = Date::parse("2025-01-01").unwrap_or_else(Date::today);
    let mut report: MatchReport = customs_fuzz::sample_report().clone();
    if sel & 1 == 0 {
        if let Ok(vex) = OpenVex::parse(body, &limits) {
            customs_vuln::triage::apply(&mut report, &[vex], None, today);
        }
    } else {
        let Ok(text) = std::str::from_utf8(body) else {
            return;
        };
        if let Ok(ignore) = IgnoreFile::parse_with(text, &limits) {
            customs_vuln::triage::apply(&mut report, &[], Some(&ignore), today);
        }
    }
});
