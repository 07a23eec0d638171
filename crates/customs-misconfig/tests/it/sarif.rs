//! `to_sarif` over the shipped examples validates against the SARIF 2.1.0 schema.

use customs_misconfig::{check_path, to_json, to_sarif, Options};

#[test]
fn examples_produce_valid_sarif() {
    let Some(schema_path) = customs_test::shared_path("schemas/sarif-schema-2.1.0.json") else {
        return;
    };
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let report = check_path(&crate::examples(), &Options::default());
    assert!(report.findings.len() > 50, "{}", report.findings.len());
    assert!(!report.warnings.is_empty());
    let sarif = to_sarif(&report, "0.1.0");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    assert_eq!(
        run["results"].as_array().unwrap().len(),
        report.findings.len()
    );
    // PSS rules name their control and level.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let seccomp = rules
        .iter()
        .filter(|r| r["properties"]["pssControl"] == "Seccomp")
        .count();
    assert_eq!(seccomp, 2);
    let run_as = rules
        .iter()
        .find(|r| r["id"] == "pss-run-as-non-root")
        .unwrap();
    assert_eq!(run_as["properties"]["pssControl"], "Running as Non-root");
    assert_eq!(run_as["properties"]["pssLevel"], "restricted");
    // Results point at a file and line.
    let with_line = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64())
        .count();
    assert_eq!(with_line, report.findings.len());
}

#[test]
fn json_names_pss_controls() {
    let report = check_path(
        &crate::examples().join("k8s/bad-privileged.yaml"),
        &Options::default(),
    );
    let json = to_json(&report);
    let findings = json["findings"].as_array().unwrap();
    let pss = findings
        .iter()
        .find(|f| f["rule_id"] == "pss-host-namespaces")
        .unwrap();
    assert_eq!(pss["pss"]["control"], "Host Namespaces");
    assert_eq!(pss["pss"]["level"], "baseline");
    assert_eq!(pss["severity"], "HIGH");
    assert!(pss["line"].is_u64());
    assert_eq!(json["version"], 1);
}
