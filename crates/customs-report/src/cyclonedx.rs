//! CycloneDX 1.6 JSON: the scanned packages as components and the
//! vulnerabilities as a VDR, with VEX `analysis` for suppressed findings and
//! for findings a VEX statement spoke about.
//!
//! Component `bom-ref`s are package ids, the same ones `customs sbom` writes,
//! so this document's `affects` can be related to the SBOM of the same image.
//! Licences, suppliers and dependency edges are the SBOM's business and are
//! not repeated here.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use customs_model::{PackageType, Severity};
use customs_vuln::{cwe_number, CvssVersion, Finding};
use serde_json::{json, Map, Value};

use crate::util::{hash_parts, is_web_url, severity_lower};
use crate::{Error, ScanReport};

/// The CycloneDX version written.
pub const CYCLONEDX_SPEC_VERSION: &str = "1.6";

/// A component derived from a finding when the report has no package list.
struct Component {
    id: String,
    name: String,
    version: String,
    purl: String,
    ty: PackageType,
}

fn component_json(c: &Component) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!("library"));
    m.insert("bom-ref".into(), json!(c.id));
    m.insert("name".into(), json!(c.name));
    if !c.version.is_empty() {
        m.insert("version".into(), json!(c.version));
    }
    if !c.purl.is_empty() {
        m.insert("purl".into(), json!(c.purl));
    }
    m.insert(
        "properties".into(),
        json!([{ "name": "customs:package:type", "value": c.ty.purl_type() }]),
    );
    Value::Object(m)
}

fn method(v: CvssVersion) -> &'static str {
    match v {
        CvssVersion::V2 => "CVSSv2",
        CvssVersion::V3_0 => "CVSSv3",
        CvssVersion::V3_1 => "CVSSv31",
        CvssVersion::V4_0 => "CVSSv4",
    }
}

/// CycloneDX rating severities: `unknown` stays `unknown`.
fn rating_severity(s: Severity) -> &'static str {
    severity_lower(s)
}

/// Where an ID is published.
fn id_source(id: &str) -> Value {
    if id.starts_with("CVE-") {
        json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}") })
    } else if id.starts_with("GHSA-") {
        json!({ "name": "GitHub", "url": format!("https://github.com/advisories/{id}") })
    } else {
        json!({ "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") })
    }
}

fn ratings(f: &Finding) -> Vec<Value> {
    let source = json!({ "name": f.data_source });
    let mut out: Vec<Value> = f
        .cvss
        .iter()
        .map(|c| {
            json!({
                "source": source,
                "score": c.base_score,
                "severity": rating_severity(c.severity()),
                "method": method(c.version),
                "vector": c.vector,
            })
        })
        .collect();
    // The finding's own severity when no CVSS rating says the same (a
    // distro's urgency, a source's stated severity), so readers see the
    // severity customs used and where it came from.
    if !f.cvss.iter().any(|c| c.severity() == f.severity) {
        out.push(json!({
            "source": { "name": if f.severity_source.is_empty() { &f.data_source } else { &f.severity_source } },
            "severity": rating_severity(f.severity),
            "method": "other",
        }));
    }
    out
}

/// OpenVEX justification → CycloneDX `impactAnalysisJustification`.
fn justification(vex: &str) -> Option<&'static str> {
    Some(match vex {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

/// The VEX `analysis` of a finding, when triage said anything about it.
fn analysis(f: &Finding) -> Option<Value> {
    let mut m = Map::new();
    if let Some(s) = &f.suppressed {
        let state = match s.status.as_str() {
            "not_affected" => "not_affected",
            "fixed" => "resolved",
            // An ignore-file entry accepts the risk: the package is affected
            // and nobody will fix it here.
            _ => "exploitable",
        };
        m.insert("state".into(), json!(state));
        if let Some(j) = s.justification.as_deref().and_then(justification) {
            m.insert("justification".into(), json!(j));
        }
        if state == "exploitable" {
            m.insert("response".into(), json!(["will_not_fix"]));
        }
        m.insert("detail".into(), json!(crate::util::suppression_text(s)));
    } else if let Some(v) = &f.vex_status {
        let state = match v.as_str() {
            "affected" => "exploitable",
            "under_investigation" => "in_triage",
            "not_affected" => "not_affected",
            "fixed" => "resolved",
            _ => return None,
        };
        m.insert("state".into(), json!(state));
    } else {
        return None;
    }
    Some(Value::Object(m))
}

/// Builds the BOM as a JSON value.
pub(crate) fn to_value(report: &ScanReport) -> Value {
    let mut sorted = report.clone();
    sorted.sort();
    let report = &sorted;

    // Components: the package list, plus any package a finding names that
    // the list lacks (the list may be empty when packages were not asked for).
    let mut components: BTreeMap<String, Component> = BTreeMap::new();
    for p in &report.packages {
        components.insert(
            p.id.clone(),
            Component {
                id: p.id.clone(),
                name: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl.clone(),
                ty: p.package_type,
            },
        );
    }
    for f in &report.vulnerabilities {
        components
            .entry(f.package_id.clone())
            .or_insert_with(|| Component {
                id: f.package_id.clone(),
                name: f.package_name.clone(),
                version: f.installed_version.clone(),
                purl: f.package_purl.clone(),
                ty: f.package_type,
            });
    }
    let subject_ref = {
        let mut r = format!("subject:{}", report.subject.name);
        while components.contains_key(&r) {
            r.push('#');
        }
        r
    };

    // One vulnerability per (ID, triage): findings of the same ID in several
    // packages share an entry with several `affects`, unless triage differs.
    let mut groups: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &report.vulnerabilities {
        let key = analysis(f).map(|a| a.to_string()).unwrap_or_default();
        groups.entry((f.id.clone(), key)).or_default().push(f);
    }
    let mut vulns = Vec::new();
    let mut used_refs = BTreeSet::new();
    for ((id, _), findings) in &groups {
        let Some(&first) = findings.first() else {
            continue;
        };
        // The most severe finding of the group speaks for it.
        let lead = findings
            .iter()
            .copied()
            .max_by_key(|f| f.severity)
            .unwrap_or(first);
        let mut bom_ref = format!("vuln:{id}");
        if !used_refs.insert(bom_ref.clone()) {
            let h = hash_parts(&[id, &lead.package_id]);
            bom_ref = format!("vuln:{id}:{}", h.get(..12).unwrap_or(&h));
            used_refs.insert(bom_ref.clone());
        }
        let mut v = Map::new();
        v.insert("bom-ref".into(), json!(bom_ref));
        v.insert("id".into(), json!(id));
        v.insert("source".into(), id_source(id));
        if !lead.aliases.is_empty() {
            let refs: Vec<Value> = lead
                .aliases
                .iter()
                .map(|a| json!({ "id": a, "source": id_source(a) }))
                .collect();
            v.insert("references".into(), json!(refs));
        }
        v.insert("ratings".into(), json!(ratings(lead)));
        // CWE numbers of every finding of the group (CycloneDX wants
        // integers); ids not of the `CWE-<n>` form are left out.
        let cwes: BTreeSet<u32> = findings
            .iter()
            .flat_map(|f| f.cwe_ids.iter().filter_map(|c| cwe_number(c)))
            .collect();
        if !cwes.is_empty() {
            v.insert("cwes".into(), json!(cwes));
        }
        let description = if lead.description.is_empty() {
            &lead.title
        } else {
            &lead.description
        };
        if !description.is_empty() {
            v.insert("description".into(), json!(description));
        }
        if !lead.title.is_empty() && lead.title != *description {
            v.insert("detail".into(), json!(lead.title));
        }
        let fixes: Vec<String> = findings
            .iter()
            .filter(|f| !f.fixed_versions.is_empty())
            .map(|f| format!("{}: {}", f.package_name, f.fixed_versions.join(", ")))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !fixes.is_empty() {
            v.insert(
                "recommendation".into(),
                json!(format!("Upgrade to a fixed version ({})", fixes.join("; "))),
            );
        }
        let advisories: Vec<Value> = lead
            .references
            .iter()
            .filter(|r| is_web_url(r))
            .map(|r| json!({ "url": r }))
            .collect();
        if !advisories.is_empty() {
            v.insert("advisories".into(), json!(advisories));
        }
        if let Some(a) = analysis(lead) {
            v.insert("analysis".into(), a);
        }
        // affects: one entry per package, versions deduplicated.
        let mut affects: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for f in findings {
            affects
                .entry(f.package_id.as_str())
                .or_default()
                .insert(f.installed_version.as_str());
        }
        let affects: Vec<Value> = affects
            .into_iter()
            .map(|(r, versions)| {
                let versions: Vec<Value> = versions
                    .into_iter()
                    .map(|ver| json!({ "version": ver, "status": "affected" }))
                    .collect();
                json!({ "ref": r, "versions": versions })
            })
            .collect();
        v.insert("affects".into(), json!(affects));
        let mut props = vec![
            json!({ "name": "customs:severity", "value": lead.severity.as_str() }),
            json!({ "name": "customs:severity_source", "value": lead.severity_source }),
            json!({ "name": "customs:status", "value": serde_json::to_value(lead.status).ok().and_then(|s| s.as_str().map(str::to_owned)).unwrap_or_default() }),
        ];
        if let Some(layer) = crate::util::finding_layer(lead) {
            props.push(json!({ "name": "customs:layer_index", "value": layer.to_string() }));
        }
        v.insert("properties".into(), json!(props));
        vulns.push(Value::Object(v));
    }

    let components_json: Vec<Value> = components.values().map(component_json).collect();
    let vulns_json = Value::Array(vulns);
    let serial = {
        let h = hash_parts(&[
            "customs-report-cyclonedx",
            &report.tool.name,
            &report.tool.version,
            &report.subject.name,
            &report
                .subject
                .image_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            &serde_json::to_string(&components_json).unwrap_or_default(),
            &vulns_json.to_string(),
        ]);
        uuid_from_hex(&h)
    };

    let mut subject = Map::new();
    subject.insert("type".into(), json!("container"));
    subject.insert("bom-ref".into(), json!(subject_ref));
    subject.insert(
        "name".into(),
        json!(if report.subject.name.is_empty() {
            "subject"
        } else {
            report.subject.name.as_str()
        }),
    );
    if let Some(d) = report
        .subject
        .manifest_digest
        .as_ref()
        .or(report.subject.image_id.as_ref())
    {
        subject.insert("version".into(), json!(d.to_string()));
    }
    let mut subject_props =
        vec![json!({ "name": "customs:subject:kind", "value": report.subject.kind })];
    if let Some(d) = &report.subject.image_id {
        subject_props.push(json!({ "name": "customs:image:id", "value": d.to_string() }));
    }
    if let Some(p) = &report.subject.platform {
        subject_props.push(json!({ "name": "customs:image:platform", "value": p }));
    }
    subject.insert("properties".into(), json!(subject_props));

    let mut doc = Map::new();
    doc.insert(
        "$schema".into(),
        json!("http://cyclonedx.org/schema/bom-1.6.schema.json"),
    );
    doc.insert("bomFormat".into(), json!("CycloneDX"));
    doc.insert("specVersion".into(), json!(CYCLONEDX_SPEC_VERSION));
    doc.insert("serialNumber".into(), json!(format!("urn:uuid:{serial}")));
    doc.insert("version".into(), json!(1));
    doc.insert(
        "metadata".into(),
        json!({
            "timestamp": report.created,
            "tools": { "components": [{ "type": "application", "name": report.tool.name, "version": report.tool.version }] },
            "component": Value::Object(subject),
        }),
    );
    doc.insert("components".into(), json!(components_json));
    doc.insert(
        "dependencies".into(),
        json!([{ "ref": subject_ref, "dependsOn": components.keys().collect::<Vec<_>>() }]),
    );
    doc.insert("vulnerabilities".into(), vulns_json);
    Value::Object(doc)
}

/// A version-4-shaped UUID from 32 hex digits of a content hash, so the
/// same content always gets the same serial number and other content another.
fn uuid_from_hex(h: &str) -> String {
    let mut hex: Vec<char> = h.chars().take(32).collect();
    while hex.len() < 32 {
        hex.push('0');
    }
    if let Some(c) = hex.get_mut(12) {
        *c = '4';
    }
    if let Some(c) = hex.get_mut(16) {
        let n = c.to_digit(16).unwrap_or(0);
        *c = char::from_digit((n & 0x3) | 0x8, 16).unwrap_or('8');
    }
    let s: String = hex.into_iter().collect();
    format!(
        "{}-{}-{}-{}-{}",
        s.get(0..8).unwrap_or_default(),
        s.get(8..12).unwrap_or_default(),
        s.get(12..16).unwrap_or_default(),
        s.get(16..20).unwrap_or_default(),
        s.get(20..32).unwrap_or_default()
    )
}

/// Writes the report as a CycloneDX 1.6 JSON BOM with `vulnerabilities`
/// (pretty JSON).
pub fn render_cyclonedx(report: &ScanReport, out: &mut dyn Write) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report)).map_err(Error::Serialize)?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_from_hex(&hash_parts(&["x"]));
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert!(matches!(u.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn vex_justifications_map() {
        assert_eq!(
            justification("vulnerable_code_not_present"),
            Some("code_not_present")
        );
        assert_eq!(justification("nonsense"), None);
    }
}
