//! SARIF 2.1.0, shaped for GitHub code scanning: one run; one rule per
//! vulnerability ID, secret rule and misconfiguration rule that has results;
//! every result with a location, a region (line 1 when no line is known, as
//! code scanning requires one) and a stable partial fingerprint; suppressed
//! findings as results with `suppressions`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use customs_model::Severity;
use customs_vuln::{cwe_number, Finding};
use serde_json::{json, Map, Value};

use crate::util::{
    default_score, hash_parts, is_web_url, relative_uri, security_score, severity_lower,
    suppression_text,
};
use crate::{Error, MisconfigFinding, ScanReport, SecretFinding};

/// The `$schema` written into SARIF logs.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of our partial fingerprint (versioned: changing how it is computed
/// must change the key, or code scanning would reopen every alert).
const FINGERPRINT_KEY: &str = "customsFindingHash/v1";

/// Results per run at most: GitHub code scanning refuses runs with more than
/// 25,000 results. The rest are counted in a notification.
const MAX_RESULTS: usize = 25_000;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

fn score_text(score: f64) -> String {
    format!("{score:.1}")
}

/// Rules in insertion order, with their index.
#[derive(Default)]
struct Rules {
    index: BTreeMap<String, usize>,
    list: Vec<Value>,
}

impl Rules {
    fn get_or_insert(&mut self, id: &str, make: impl FnOnce() -> Value) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.list.len();
        self.list.push(make());
        self.index.insert(id.to_owned(), i);
        i
    }
}

fn location(path: &str, line: Option<u64>, logical: Option<&str>) -> Value {
    let mut loc = Map::new();
    loc.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": { "uri": relative_uri(path) },
            "region": { "startLine": line.unwrap_or(1).max(1) },
        }),
    );
    if let Some(name) = logical {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": name }]),
        );
    }
    Value::Object(loc)
}

/// GitHub code scanning's tag for a CWE (`external/cwe/cwe-79`), for CWE ids
/// in the canonical form only (the report may come from elsewhere).
fn cwe_tags(ids: &BTreeSet<u32>) -> impl Iterator<Item = Value> + '_ {
    ids.iter().map(|n| json!(format!("external/cwe/cwe-{n}")))
}

fn vuln_rule(f: &Finding, max_sev: Severity, score: f64, cwes: &BTreeSet<u32>) -> Value {
    let short = if f.title.is_empty() { &f.id } else { &f.title };
    let full = if f.description.is_empty() {
        short
    } else {
        &f.description
    };
    let mut md = format!("**Vulnerability {}**\n\n", f.id);
    let mut text = format!("Vulnerability {}\n", f.id);
    if !f.aliases.is_empty() {
        md.push_str(&format!("Also known as: {}\n\n", f.aliases.join(", ")));
        text.push_str(&format!("Also known as: {}\n", f.aliases.join(", ")));
    }
    md.push_str(&format!(
        "Severity: {} ({})\n\n{}\n",
        max_sev, f.severity_source, full
    ));
    text.push_str(&format!(
        "Severity: {} ({})\n{}\n",
        max_sev, f.severity_source, full
    ));
    let refs: Vec<&String> = f.references.iter().filter(|r| is_web_url(r)).collect();
    if !refs.is_empty() {
        md.push_str("\n| Reference |\n| --- |\n");
        text.push_str("References:\n");
        for r in &refs {
            md.push_str(&format!("| {r} |\n"));
            text.push_str(&format!("- {r}\n"));
        }
    }
    let tags: Vec<Value> = ["vulnerability", "security", max_sev.as_str()]
        .into_iter()
        .map(Value::from)
        .chain(cwe_tags(cwes))
        .collect();
    let mut rule = json!({
        "id": f.id,
        "name": "Vulnerability",
        "shortDescription": { "text": format!("{}: {}", f.id, short) },
        "fullDescription": { "text": full },
        "help": { "text": text, "markdown": md },
        "defaultConfiguration": { "level": level(max_sev) },
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": score_text(score),
        },
    });
    if let Some(r) = refs.first() {
        if let Some(obj) = rule.as_object_mut() {
            obj.insert("helpUri".into(), json!(r));
        }
    }
    rule
}

fn secret_rule(s: &SecretFinding, max_sev: Severity) -> Value {
    let why = format!(
        "The secret scanner's rule {} ({}) matched. A credential in an image can be read by \
         anyone who can pull the image, also when a later layer deletes the file, and build \
         arguments and environment variables stay in the image config and history.",
        s.rule_id, s.title
    );
    let fix = "Revoke and rotate the credential, then rebuild the image without it: pass \
               secrets at run time (mounted files, a secret store) or as build secrets, \
               never through COPY, ENV or ARG.";
    json!({
        "id": s.rule_id,
        "name": "Secret",
        "shortDescription": { "text": s.title },
        "fullDescription": { "text": why },
        "help": {
            "text": format!("{why}\n\nHow to fix: {fix}"),
            "markdown": format!("# {}: {}\n\n{why}\n\n## How to fix\n\n{fix}\n", s.rule_id, s.title),
        },
        "defaultConfiguration": { "level": level(max_sev) },
        "properties": {
            "tags": ["secret", "security", max_sev.as_str()],
            "precision": "high",
            "security-severity": score_text(default_score(max_sev)),
        },
    })
}

/// A misconfiguration rule from customs-misconfig's rule table (its title,
/// why, remediation, documentation page and PSS control), or from the
/// finding itself when the table does not know the id (a report written by
/// another version).
fn misconfig_rule(m: &MisconfigFinding) -> Value {
    let info = customs_misconfig::rules()
        .iter()
        .find(|r| r.id == m.rule_id);
    let (title, why, fix, docs, severity, target) = match info {
        Some(r) => (
            r.title.to_owned(),
            r.why.to_owned(),
            r.remediation.to_owned(),
            r.docs(),
            r.severity,
            format!("{:?}", r.target).to_lowercase(),
        ),
        None => (
            m.title.clone(),
            m.title.clone(),
            m.remediation.clone(),
            format!("# {}: {}\n\n{}\n", m.rule_id, m.title, m.remediation),
            m.severity,
            "config".to_owned(),
        ),
    };
    let mut props = Map::new();
    props.insert(
        "tags".into(),
        json!(["misconfiguration", "security", target]),
    );
    props.insert("precision".into(), json!("very-high"));
    props.insert(
        "security-severity".into(),
        json!(score_text(default_score(severity))),
    );
    let pss = info
        .and_then(|r| r.pss.map(|(c, l)| (c.to_owned(), l.as_str().to_owned())))
        .or_else(|| m.pss.as_ref().map(|p| (p.control.clone(), p.level.clone())));
    if let Some((control, level)) = pss {
        props.insert("pssControl".into(), json!(control));
        props.insert("pssLevel".into(), json!(level));
    }
    json!({
        "id": m.rule_id,
        "name": "Misconfiguration",
        "shortDescription": { "text": title },
        "fullDescription": { "text": why },
        "help": { "text": format!("{why}\n\nHow to fix: {fix}"), "markdown": docs },
        "defaultConfiguration": { "level": level(severity) },
        "properties": props,
    })
}

fn vuln_result(f: &Finding, rule_index: usize) -> Value {
    let fixed = if f.fixed_versions.is_empty() {
        "no fixed version".to_owned()
    } else {
        format!("fixed in {}", f.fixed_versions.join(", "))
    };
    let first = f.locations.first();
    let path = first.map_or("", |l| l.path.as_str());
    let layer = first.and_then(|l| l.layer_index);
    let mut msg = format!(
        "{} {} is affected by {} ({}); {}.",
        f.package_name, f.installed_version, f.id, f.severity, fixed
    );
    if let Some(i) = layer {
        msg.push_str(&format!(" Installed by layer {i}."));
    }
    let locations: Vec<Value> = if f.locations.is_empty() {
        vec![location(&f.package_name, None, Some(&f.package_id))]
    } else {
        f.locations
            .iter()
            .take(10)
            .map(|l| location(&l.path, None, Some(&f.package_id)))
            .collect()
    };
    let purl_or_id = if f.package_purl.is_empty() {
        &f.package_id
    } else {
        &f.package_purl
    };
    let mut props = Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("package".into(), json!(purl_or_id));
    props.insert("installedVersion".into(), json!(f.installed_version));
    props.insert("fixedVersions".into(), json!(f.fixed_versions));
    props.insert("status".into(), json!(f.status));
    if let Some(i) = layer {
        props.insert("layerIndex".into(), json!(i));
    }
    if let Some(d) = first.and_then(|l| l.layer_digest.as_ref()) {
        props.insert("layerDigest".into(), json!(d.to_string()));
    }
    if let Some(v) = &f.vex_status {
        props.insert("vexStatus".into(), json!(v));
    }
    let mut r = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": msg },
        "locations": locations,
        "partialFingerprints": {
            FINGERPRINT_KEY: hash_parts(&["vuln", &f.id, purl_or_id, &f.installed_version, path]),
        },
        "properties": props,
    });
    if let Some(s) = &f.suppressed {
        let suppressions = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": suppression_text(s),
        }]);
        if let Some(obj) = r.as_object_mut() {
            obj.insert("suppressions".into(), suppressions);
        }
    }
    r
}

fn secret_result(s: &SecretFinding, rule_index: usize) -> Value {
    let mut msg = format!("{} ({}) in {}", s.title, s.redacted, s.path);
    if let Some(i) = s.layer_index {
        msg.push_str(&format!(", added by layer {i}"));
    }
    if let Some(i) = s.removed_in_layer {
        msg.push_str(&format!(", deleted in layer {i} but still in the image"));
    }
    msg.push('.');
    let mut props = Map::new();
    props.insert("severity".into(), json!(s.severity.as_str()));
    props.insert("redacted".into(), json!(s.redacted));
    props.insert("sha256".into(), json!(s.sha256));
    if let Some(i) = s.layer_index {
        props.insert("layerIndex".into(), json!(i));
    }
    if let Some(d) = &s.layer_digest {
        props.insert("layerDigest".into(), json!(d.to_string()));
    }
    if let Some(i) = s.removed_in_layer {
        props.insert("removedInLayer".into(), json!(i));
    }
    if !s.also_in_layers.is_empty() {
        props.insert("alsoInLayers".into(), json!(s.also_in_layers));
    }
    let layer = s.layer_index.map(|i| i.to_string()).unwrap_or_default();
    json!({
        "ruleId": s.rule_id,
        "ruleIndex": rule_index,
        "level": level(s.severity),
        "message": { "text": msg },
        "locations": [location(&s.path, s.line, None)],
        "partialFingerprints": {
            FINGERPRINT_KEY: hash_parts(&["secret", &s.rule_id, &s.path, &layer, &s.sha256]),
        },
        "properties": props,
    })
}

fn misconfig_result(m: &MisconfigFinding, rule_index: usize) -> Value {
    let mut props = Map::new();
    props.insert("severity".into(), json!(m.severity.as_str()));
    if let Some(p) = &m.pss {
        props.insert("pssControl".into(), json!(p.control));
        props.insert("pssLevel".into(), json!(p.level));
    }
    let line = m.line.map(|l| l.to_string()).unwrap_or_default();
    json!({
        "ruleId": m.rule_id,
        "ruleIndex": rule_index,
        "level": level(m.severity),
        "message": { "text": format!("{} Fix: {}", m.message, m.remediation) },
        "locations": [location(&m.file, m.line, m.resource.as_deref())],
        "partialFingerprints": {
            FINGERPRINT_KEY: hash_parts(&[
                "misconfig",
                &m.rule_id,
                &m.file,
                m.resource.as_deref().unwrap_or(""),
                &m.message,
                &line,
            ]),
        },
        "properties": props,
    })
}

/// Builds the SARIF log as a JSON value.
pub(crate) fn to_value(report: &ScanReport) -> Value {
    let mut sorted = report.clone();
    sorted.sort();
    let report = &sorted;

    // A rule's level is that of its most severe result.
    let mut vuln_max: BTreeMap<&str, (Severity, f64)> = BTreeMap::new();
    for f in &report.vulnerabilities {
        let e = vuln_max
            .entry(f.id.as_str())
            .or_insert((f.severity, security_score(f)));
        if f.severity > e.0 || (f.severity == e.0 && security_score(f) > e.1) {
            *e = (f.severity, security_score(f));
        }
    }
    // A rule's CWE tags: those of every finding of its ID (findings of one
    // ID in different packages may merge different advisories).
    let mut vuln_cwes: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for f in &report.vulnerabilities {
        vuln_cwes
            .entry(f.id.as_str())
            .or_default()
            .extend(f.cwe_ids.iter().filter_map(|c| cwe_number(c)));
    }
    let mut secret_max: BTreeMap<&str, Severity> = BTreeMap::new();
    for s in &report.secrets {
        let e = secret_max.entry(s.rule_id.as_str()).or_insert(s.severity);
        *e = (*e).max(s.severity);
    }

    let mut rules = Rules::default();
    let mut results = Vec::new();
    for f in &report.vulnerabilities {
        let (sev, score) = vuln_max
            .get(f.id.as_str())
            .copied()
            .unwrap_or((f.severity, 0.0));
        let no_cwes = BTreeSet::new();
        let cwes = vuln_cwes.get(f.id.as_str()).unwrap_or(&no_cwes);
        let i = rules.get_or_insert(&f.id, || vuln_rule(f, sev, score, cwes));
        results.push(vuln_result(f, i));
    }
    for s in &report.secrets {
        let sev = secret_max
            .get(s.rule_id.as_str())
            .copied()
            .unwrap_or(s.severity);
        let i = rules.get_or_insert(&s.rule_id, || secret_rule(s, sev));
        results.push(secret_result(s, i));
    }
    for m in &report.misconfigurations {
        let i = rules.get_or_insert(&m.rule_id, || misconfig_rule(m));
        results.push(misconfig_result(m, i));
    }

    let mut notifications: Vec<Value> = report
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
    for u in &report.unmatched {
        notifications.push(json!({
            "level": "note",
            "message": { "text": format!("{} {} not matched: {}", u.package_name, u.version, u.reason) },
            "descriptor": { "id": "unmatched-package" },
        }));
    }
    if results.len() > MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{} results left out: code scanning accepts at most {MAX_RESULTS} per run; see the JSON report",
                results.len() - MAX_RESULTS
            ) },
            "descriptor": { "id": "results-truncated" },
        }));
        results.truncate(MAX_RESULTS);
    }

    let mut run_props = Map::new();
    run_props.insert("subject".into(), json!(report.subject.name));
    run_props.insert("subjectKind".into(), json!(report.subject.kind));
    if let Some(d) = &report.subject.image_id {
        run_props.insert("imageId".into(), json!(d.to_string()));
    }
    if let Some(d) = &report.subject.manifest_digest {
        run_props.insert("manifestDigest".into(), json!(d.to_string()));
    }
    run_props.insert(
        "scanners".into(),
        json!(report
            .scanners
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()),
    );
    let counts = report.counts();
    let mut by_sev = Map::new();
    for s in Severity::ALL {
        by_sev.insert(severity_lower(s).into(), json!(counts.active().get(s)));
    }
    run_props.insert("counts".into(), Value::Object(by_sev));

    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "informationUri": "https://example.invalid/customs",
                "rules": rules.list,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": report.created,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": run_props,
        }],
    })
}

/// Writes the report as a SARIF 2.1.0 log (pretty JSON) for GitHub code
/// scanning. Suppressed vulnerabilities are results with an external,
/// accepted suppression carrying the VEX or ignore-file justification.
pub fn render_sarif(report: &ScanReport, out: &mut dyn Write) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report)).map_err(Error::Serialize)?;
    out.write_all(b"\n")?;
    Ok(())
}
