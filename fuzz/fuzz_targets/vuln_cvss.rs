#![no_main]
//! CVSS v2/v3.x/v4 vector strings from advisories.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(score) = customs_vuln::base_score(s) {
        assert!(
            (0.0..=10.0).contains(&score.base_score),
            "{s:?} scores {} outside 0..=10",
            score.base_score
        );
        let _ = score.severity();
    }
});
