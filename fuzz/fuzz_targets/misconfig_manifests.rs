#![no_main]
//! Kubernetes manifests (multi-document YAML: anchors, aliases, merge keys,
//! deep nesting; alias expansion is bounded against YAML bombs). The first
//! byte picks the Pod Security level.

use customs_misconfig::{check_manifests, Limits, Options, PssLevel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let opts = Options {
        pss_level: if sel & 1 == 0 {
            PssLevel::Restricted
        } else {
            PssLevel::Baseline
        },
        registry_allowlist: vec!["registry.example.com/team".to_owned()],
        limits: Limits {
            max_yaml_nodes: 20_000,
            max_total_yaml_nodes: 100_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let report = check_manifests("deploy.yaml", &text, &opts);
    let _ = customs_misconfig::to_json(&report);
    let _ = customs_misconfig::to_sarif(&report, "0.0.0");
});
