//! OSV records (JSON, or YAML converted to JSON).

use std::str::FromStr;

use customs_model::Severity;
use serde_json::Value;

use crate::cvss;
use crate::import::Limits;
use crate::record::{Advisory, AdvisoryKind, Affected, Event, Range, RangeKind};
use crate::version::{self, Scheme};

/// A parsed OSV record.
#[derive(Debug)]
pub(crate) struct OsvRecord {
    pub(crate) advisory: Advisory,
    /// (ecosystem, package name as indexed, affected facts).
    pub(crate) affected: Vec<(String, String, Affected)>,
    pub(crate) withdrawn: bool,
    /// Newest of `modified`/`published` (ignoring the `0001-` placeholder).
    pub(crate) date: Option<String>,
    /// Ecosystem of the first affected package.
    pub(crate) first_ecosystem: Option<String>,
}

/// The record's ID, if it has a string one (for error reports).
pub(crate) fn record_id(v: &Value) -> Option<String> {
    v.get("id")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(128).collect())
}

/// PEP 503 name normalisation: lower-case, runs of `-`, `_`, `.` become `-`.
pub fn normalize_pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Package name as indexed for an ecosystem.
pub fn index_name(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        normalize_pypi_name(name)
    } else {
        name.to_owned()
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The scheme a range's versions are compared with.
pub(crate) fn range_scheme(kind: RangeKind, ecosystem_scheme: Option<Scheme>) -> Option<Scheme> {
    match kind {
        RangeKind::Semver => match ecosystem_scheme {
            Some(Scheme::Go) => Some(Scheme::Go),
            _ => Some(Scheme::Semver),
        },
        RangeKind::Ecosystem => ecosystem_scheme,
    }
}

/// The number of a CWE id written `CWE-` and 1 to 9 ASCII digits, not 0
/// (`CWE-079` is 79); `None` for anything else. Renderers use it to write
/// CWE ids in numeric forms (CycloneDX `cwes`, SARIF tags).
pub fn cwe_number(s: &str) -> Option<u32> {
    let digits = s.strip_prefix("CWE-")?;
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// Sorts CWE ids by number (then text, for ids that are not canonical) and
/// removes duplicates.
pub(crate) fn sort_cwe_ids(ids: &mut Vec<String>) {
    ids.sort_by(|a, b| cwe_number(a).cmp(&cwe_number(b)).then_with(|| a.cmp(b)));
    ids.dedup();
}

/// GitHub's `database_specific.cwe_ids`: the `CWE-<digits>` strings,
/// canonical (`CWE-79`), deduplicated and sorted by number. A value that is
/// not a list, or a list longer than `max`, gives none: the field is
/// informative, never a reason to skip the record.
fn cwe_ids(v: &Value, max: usize) -> Vec<String> {
    let Some(list) = v.as_array().filter(|l| l.len() <= max) else {
        return Vec::new();
    };
    let mut numbers: Vec<u32> = list
        .iter()
        .filter_map(Value::as_str)
        .filter_map(cwe_number)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers.into_iter().map(|n| format!("CWE-{n}")).collect()
}

/// Parses one OSV record. `Err` is the reason it is malformed.
pub(crate) fn parse(v: &Value, source: &str, limits: &Limits) -> Result<OsvRecord, String> {
    let id = str_field(v, "id")
        .filter(|s| !s.is_empty())
        .ok_or("record has no string id")?;
    if id.len() > 256 {
        return Err("id is too long".to_owned());
    }
    let withdrawn = v.get("withdrawn").is_some_and(|w| !w.is_null());
    let strings = |key: &str, max: usize| -> Result<Vec<String>, String> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a
                .iter()
                .filter_map(Value::as_str)
                .take(max)
                .map(str::to_owned)
                .collect()),
            Some(_) => Err(format!("{key} is not a list")),
        }
    };
    let aliases = strings("aliases", limits.max_aliases)?;

    let mut cvss_scores = Vec::new();
    if let Some(Value::Array(sev)) = v.get("severity") {
        for s in sev.iter().take(16) {
            let ty = str_field(s, "type").unwrap_or_default();
            if matches!(ty, "CVSS_V2" | "CVSS_V3" | "CVSS_V4") {
                // A vector we cannot score is dropped, not the record: the
                // affected ranges are still worth matching.
                if let Some(Ok(score)) = str_field(s, "score").map(cvss::base_score) {
                    cvss_scores.push(score);
                }
            }
        }
    }
    let db_specific = v.get("database_specific");
    let stated_severity = db_specific
        .and_then(|d| str_field(d, "severity"))
        .and_then(|s| Severity::from_str(s).ok());
    let cwe_ids = db_specific
        .and_then(|d| d.get("cwe_ids"))
        .map(|c| cwe_ids(c, limits.max_cwe_ids))
        .unwrap_or_default();
    let informational = db_specific
        .and_then(|d| d.get("informational"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            if id.starts_with("ALBA-") {
                Some("bugfix".to_owned())
            } else if id.starts_with("ALEA-") {
                Some("enhancement".to_owned())
            } else {
                None
            }
        });

    let references = match v.get("references") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|r| str_field(r, "url"))
            .take(limits.max_references)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };

    let mut affected_out = Vec::new();
    let mut first_ecosystem = None;
    match v.get("affected") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            if list.len() > limits.max_affected {
                return Err(format!(
                    "{} affected entries exceed the limit of {}",
                    list.len(),
                    limits.max_affected
                ));
            }
            for a in list {
                // Entries without a package (GIT-only) cannot be matched by name.
                let Some(pkg) = a.get("package") else {
                    continue;
                };
                let (Some(eco), Some(name)) = (str_field(pkg, "ecosystem"), str_field(pkg, "name"))
                else {
                    continue;
                };
                if first_ecosystem.is_none() {
                    first_ecosystem = Some(eco.to_owned());
                }
                let eco_scheme = version::scheme_for_ecosystem(eco);
                let mut ranges = Vec::new();
                if let Some(rs) = a.get("ranges") {
                    let rs = rs.as_array().ok_or("ranges is not a list")?;
                    if rs.len() > limits.max_ranges {
                        return Err(format!("{} ranges exceed the limit", rs.len()));
                    }
                    for r in rs {
                        let kind = match str_field(r, "type") {
                            Some("SEMVER") => RangeKind::Semver,
                            Some("ECOSYSTEM") => RangeKind::Ecosystem,
                            // Commit ranges are not versions.
                            Some("GIT") => continue,
                            Some(other) => return Err(format!("unknown range type {other:?}")),
                            None => return Err("range has no type".to_owned()),
                        };
                        let events = r
                            .get("events")
                            .and_then(Value::as_array)
                            .ok_or("range has no events list")?;
                        if events.len() > limits.max_events {
                            return Err(format!("{} events exceed the limit", events.len()));
                        }
                        let scheme = range_scheme(kind, eco_scheme);
                        let mut evs = Vec::with_capacity(events.len());
                        for e in events {
                            let obj = e.as_object().ok_or("event is not an object")?;
                            let mut it = obj.iter();
                            let (Some((k, val)), None) = (it.next(), it.next()) else {
                                return Err("event must have exactly one key".to_owned());
                            };
                            let val = val.as_str().ok_or("event version is not a string")?;
                            let ev = match k.as_str() {
                                "introduced" => Event::Introduced(val.to_owned()),
                                "fixed" => Event::Fixed(val.to_owned()),
                                "last_affected" => Event::LastAffected(val.to_owned()),
                                "limit" => Event::Limit(val.to_owned()),
                                other => return Err(format!("unknown event {other:?}")),
                            };
                            let special = matches!(&ev, Event::Introduced(v) if v == "0")
                                || matches!(&ev, Event::Limit(v) if v == "*");
                            if let Some(scheme) = scheme {
                                if !special && !version::is_valid(scheme, val) {
                                    return Err(format!(
                                        "unparseable version {val:?} for {eco} package {name}"
                                    ));
                                }
                            }
                            evs.push(ev);
                        }
                        ranges.push(Range { kind, events: evs });
                    }
                }
                let versions = match a.get("versions") {
                    Some(Value::Array(vs)) => {
                        if vs.len() > limits.max_versions {
                            return Err(format!("{} versions exceed the limit", vs.len()));
                        }
                        vs.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    }
                    _ => Vec::new(),
                };
                if ranges.is_empty() && versions.is_empty() {
                    continue;
                }
                affected_out.push((
                    eco.to_owned(),
                    index_name(eco, name),
                    Affected::Osv { ranges, versions },
                ));
            }
        }
        Some(_) => return Err("affected is not a list".to_owned()),
    }

    let date = ["modified", "published"]
        .iter()
        .filter_map(|k| str_field(v, k))
        .filter(|d| !d.starts_with("0001-"))
        .max()
        .map(str::to_owned);
    let advisory = Advisory {
        id: id.to_owned(),
        aliases,
        kind: informational.map_or(AdvisoryKind::Vulnerability, AdvisoryKind::Informational),
        title: str_field(v, "summary")
            .map(|s| super::truncate(s, 300))
            .unwrap_or_default(),
        description: str_field(v, "details")
            .map(|s| super::truncate(s, limits.max_description_chars))
            .unwrap_or_default(),
        cvss: cvss_scores,
        stated_severity,
        references,
        cwe_ids,
        published: str_field(v, "published").map(str::to_owned),
        data_source: source.to_owned(),
    };
    Ok(OsvRecord {
        advisory,
        affected: affected_out,
        withdrawn,
        date,
        first_ecosystem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pep503() {
        assert_eq!(normalize_pypi_name("Jinja2"), "jinja2");
        assert_eq!(normalize_pypi_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_pypi_name("zope.interface__x"), "zope-interface-x");
    }

    #[test]
    fn rejects_unknown_range_type_and_bad_events() {
        let l = Limits::default();
        let rec = |range: Value| {
            json!({"id": "X-1", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                   "ranges": [range]}]})
        };
        let e = parse(&rec(json!({"type": "FOO", "events": []})), "s", &l).unwrap_err();
        assert!(e.contains("unknown range type"), "{e}");
        let e = parse(
            &rec(json!({"type": "SEMVER", "events": [{"bogus": "1"}]})),
            "s",
            &l,
        )
        .unwrap_err();
        assert!(e.contains("unknown event"), "{e}");
        assert!(parse(&json!({"aliases": []}), "s", &l).is_err());
        let ok = parse(
            &rec(json!({"type": "GIT", "events": [{"introduced": "abc"}]})),
            "s",
            &l,
        )
        .unwrap();
        assert!(ok.affected.is_empty());
    }

    #[test]
    fn cwe_ids_are_canonical_bounded_and_never_fatal() {
        let l = Limits::default();
        let rec = |cwe: Value| {
            json!({"id": "X-1", "database_specific": {"cwe_ids": cwe},
                   "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]})
        };
        let cwes = |cwe: Value| parse(&rec(cwe), "s", &l).unwrap().advisory.cwe_ids;
        assert_eq!(
            cwes(json!(["CWE-1321", "CWE-79", "CWE-079", "CWE-79"])),
            ["CWE-79", "CWE-1321"]
        );
        assert_eq!(
            cwes(
                json!(["NVD-CWE-Other", "CWE-", "CWE-0", "cwe-20", "CWE-20a", " CWE-20", 20, null, {"id": "CWE-20"}, "CWE-1234567890", "CWE-94"])
            ),
            ["CWE-94"]
        );
        assert!(cwes(json!(79)).is_empty());
        assert!(cwes(json!("CWE-79")).is_empty());
        assert!(cwes(json!({"CWE-79": true})).is_empty());
        let huge: Vec<String> = (1..=l.max_cwe_ids + 1)
            .map(|n| format!("CWE-{n}"))
            .collect();
        assert!(cwes(json!(huge)).is_empty());
        assert_eq!(cwes(json!(huge[..l.max_cwe_ids])).len(), l.max_cwe_ids);
    }

    #[test]
    fn cwe_ids_sort_by_number() {
        let mut ids: Vec<String> = ["CWE-770", "CWE-1321", "CWE-79", "x", "CWE-79"]
            .map(str::to_owned)
            .to_vec();
        sort_cwe_ids(&mut ids);
        assert_eq!(ids, ["x", "CWE-79", "CWE-770", "CWE-1321"]);
    }
}
