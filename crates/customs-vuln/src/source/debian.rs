//! The Debian security tracker export (`tracker/data/json`).
//!
//! `{ source package: { CVE or TEMP id: { description, scope, debianbug,
//! releases: { codename: { status, fixed_version, urgency, repositories,
//! nodsa, nodsa_reason } } } } }`.

use serde_json::Value;

use crate::record::{Advisory, AdvisoryKind, Affected, DebianStatus};

/// Whether a JSON document looks like the tracker export: an object whose
/// first value is an object whose first value is an object with `releases`.
pub(crate) fn sniff(v: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    if obj.contains_key("id") {
        return false;
    }
    obj.values()
        .next()
        .and_then(Value::as_object)
        .and_then(|cves| cves.values().next())
        .and_then(Value::as_object)
        .is_some_and(|rec| rec.contains_key("releases") || rec.contains_key("description"))
}

/// One (source package, CVE) record.
#[derive(Debug)]
pub(crate) struct DebianRecord {
    pub(crate) package: String,
    pub(crate) advisory: Advisory,
    /// (codename, affected facts); releases where the package is not affected
    /// (`resolved` with `fixed_version` `"0"`) are left out.
    pub(crate) releases: Vec<(String, Affected)>,
}

/// Malformed parts: (id, reason).
pub(crate) type Problems = Vec<(String, String)>;

/// Parses the whole export. Records that do not fit the format are reported
/// in the problems list and skipped.
pub(crate) fn parse(v: &Value, description_chars: usize) -> (Vec<DebianRecord>, Problems) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let Some(obj) = v.as_object() else {
        problems.push(("(document)".to_owned(), "not a json object".to_owned()));
        return (out, problems);
    };
    for (package, cves) in obj {
        let Some(cves) = cves.as_object() else {
            problems.push((package.clone(), "package entry is not an object".to_owned()));
            continue;
        };
        for (cve, rec) in cves {
            let id = format!("{package}/{cve}");
            match parse_record(package, cve, rec, description_chars) {
                Ok(r) => out.push(r),
                Err(reason) => problems.push((id, reason)),
            }
        }
    }
    (out, problems)
}

fn parse_record(
    package: &str,
    cve: &str,
    rec: &Value,
    description_chars: usize,
) -> Result<DebianRecord, String> {
    let rec = rec.as_object().ok_or("record is not an object")?;
    let mut releases = Vec::new();
    match rec.get("releases") {
        // `"releases": []` occurs in the real export (no release data).
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(Value::Object(rels)) => {
            for (codename, r) in rels {
                let r = r
                    .as_object()
                    .ok_or_else(|| format!("release {codename} is not an object"))?;
                let urgency = r
                    .get("urgency")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim_end_matches('*')
                    .trim()
                    .to_owned();
                let status = match r.get("status").and_then(Value::as_str) {
                    Some("resolved") => {
                        let fixed = r
                            .get("fixed_version")
                            .and_then(Value::as_str)
                            .ok_or_else(|| format!("{codename}: resolved without fixed_version"))?;
                        if fixed == "0" {
                            continue;
                        }
                        DebianStatus::Resolved {
                            fixed_version: fixed.to_owned(),
                        }
                    }
                    Some("open") => DebianStatus::Open {
                        nodsa_reason: r
                            .get("nodsa_reason")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                    },
                    Some("undetermined") => DebianStatus::Undetermined,
                    Some(other) => return Err(format!("{codename}: unknown status {other:?}")),
                    None => return Err(format!("{codename}: no status")),
                };
                releases.push((codename.clone(), Affected::Debian { status, urgency }));
            }
        }
        Some(_) => return Err("releases is neither an object nor an empty list".to_owned()),
    }
    let description = rec
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let advisory = Advisory {
        id: cve.to_owned(),
        aliases: Vec::new(),
        kind: AdvisoryKind::Vulnerability,
        title: super::truncate(description, 300),
        description: super::truncate(description, description_chars),
        cvss: Vec::new(),
        stated_severity: None,
        references: Vec::new(),
        cwe_ids: Vec::new(),
        published: None,
        data_source: "debian-tracker".to_owned(),
    };
    Ok(DebianRecord {
        package: package.to_owned(),
        advisory,
        releases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_and_quirks() {
        let v = json!({
            "pkg": {
                "CVE-2020-1": {"description": "d", "releases": {
                    "bookworm": {"status": "resolved", "fixed_version": "1.2-1", "urgency": "high**"},
                    "bullseye": {"status": "resolved", "fixed_version": "0", "urgency": "low"},
                    "sid": {"status": "open", "urgency": "unimportant", "nodsa_reason": "ignored"},
                    "trixie": {"status": "undetermined", "urgency": "not yet assigned"}
                }},
                "CVE-2020-2": {"releases": []},
                "CVE-2020-3": {"releases": {"bookworm": {"status": "weird"}}}
            }
        });
        assert!(sniff(&v));
        let (recs, problems) = parse(&v, 100);
        assert_eq!(recs.len(), 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "pkg/CVE-2020-3");
        let r1 = recs.iter().find(|r| r.advisory.id == "CVE-2020-1").unwrap();
        assert_eq!(r1.releases.len(), 3);
        let bw = &r1.releases.iter().find(|(c, _)| c == "bookworm").unwrap().1;
        assert_eq!(
            bw,
            &Affected::Debian {
                status: DebianStatus::Resolved {
                    fixed_version: "1.2-1".into()
                },
                urgency: "high".into()
            }
        );
    }
}
