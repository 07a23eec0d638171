#![no_main]
//! SBOMs handed to `customs scan sbom:` (SPDX JSON, SPDX tag-value,
//! CycloneDX JSON, customs JSON, told apart by content). What reads must also
//! write back out in every format.

use customs_sbom::{Format, Limits, ToolInfo, WriteOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_values: 100_000,
        max_packages: 10_000,
    };
    let Ok((catalog, subject)) = customs_sbom::read_with_limits(data, &limits) else {
        return;
    };
    let subject = subject.unwrap_or_default();
    let opts = WriteOptions::new("2025-01-01T00:00:00Z", ToolInfo::new("customs", "0.0.0"));
    for f in [
        Format::SpdxJson,
        Format::SpdxTagValue,
        Format::CycloneDxJson,
        Format::CustomsJson,
    ] {
        let mut out = Vec::new();
        let _ = customs_sbom::write(f, &catalog, &subject, &opts, &mut out);
    }
});
