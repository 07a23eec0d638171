//! JSON and SARIF 2.1.0 renderings of a [`Report`].

use customs_model::Severity;
use serde_json::{json, Map, Value};

use crate::{rules, Report};

/// Version of the JSON document [`to_json`] writes; bump on breaking changes.
const JSON_VERSION: u32 = 1;

/// The report as JSON: `{"version", "findings": [...], "warnings": [...]}`.
/// PSS findings carry `pss: {"control", "level"}`.
pub fn to_json(report: &Report) -> Value {
    json!({
        "version": JSON_VERSION,
        "findings": report.findings,
        "warnings": report.warnings,
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// The numeric score code-scanning tools read from `security-severity`.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Unknown => "0.0",
    }
}

/// A relative path or reference as a SARIF `uri` (forward slashes, spaces escaped).
fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for c in file.replace('\\', "/").chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// The report as a SARIF 2.1.0 log with one run. Every rule is listed in
/// `tool.driver.rules` with its documentation; PSS rules carry `pssControl`
/// and `pssLevel` in their `properties`, and so do their results.
pub fn to_sarif(report: &Report, tool_version: &str) -> Value {
    let all = rules::rules();
    let sarif_rules: Vec<Value> = all
        .iter()
        .map(|r| {
            let mut props = Map::new();
            props.insert("tags".into(), json!(["security", format!("{:?}", r.target).to_lowercase()]));
            props.insert("security-severity".into(), json!(security_severity(r.severity)));
            props.insert("severity".into(), json!(r.severity.as_str()));
            if let Some((control, level)) = r.pss {
                props.insert("pssControl".into(), json!(control));
                props.insert("pssLevel".into(), json!(level.as_str()));
            }
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.why },
                "help": { "text": format!("{}\n\nHow to fix: {}", r.why, r.remediation), "markdown": r.docs() },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": props,
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = all.iter().position(|r| r.id == f.rule_id).unwrap_or(0);
            let mut physical = Map::new();
            physical.insert("artifactLocation".into(), json!({ "uri": uri(&f.file) }));
            if let Some(line) = f.line {
                physical.insert("region".into(), json!({ "startLine": line.max(1) }));
            }
            let mut location = Map::new();
            location.insert("physicalLocation".into(), Value::Object(physical));
            if let Some(res) = &f.resource {
                location.insert(
                    "logicalLocations".into(),
                    json!([{ "fullyQualifiedName": res }]),
                );
            }
            let mut props = Map::new();
            props.insert("severity".into(), json!(f.severity.as_str()));
            if let Some(p) = &f.pss {
                props.insert("pssControl".into(), json!(p.control));
                props.insert("pssLevel".into(), json!(p.level.as_str()));
            }
            json!({
                "ruleId": f.rule_id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": format!("{} Fix: {}", f.message, f.remediation) },
                "locations": [Value::Object(location)],
                "properties": props,
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .warnings
        .iter()
        .map(|w| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", w.subject, w.message) },
                "descriptor": { "id": w.source },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "customs",
                "version": tool_version,
                "informationUri": "https://example.invalid/customs",
                "rules": sarif_rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}
