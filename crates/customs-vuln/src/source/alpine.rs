//! Alpine secdb (`<release>/<repo>.yaml` or `.json`).
//!
//! `{distroversion, reponame, packages: [{pkg: {name, secfixes: {<first fixed
//! pkgver-rREL>: [ids]}}}]}`. Everything below the listed version is affected;
//! the key `0` (or `0-r0`) means never affected.

use serde_json::Value;

use crate::version::{self, Scheme};

/// Whether a document is a secdb file.
pub(crate) fn sniff(v: &Value) -> bool {
    v.get("distroversion").is_some() && v.get("packages").is_some()
}

/// One secdb document.
#[derive(Debug, Default)]
pub(crate) struct SecdbDoc {
    /// `v3.4`.
    pub(crate) release: String,
    /// (package, first fixed version, vulnerability id).
    pub(crate) fixes: Vec<(String, String, String)>,
    /// `packages` entries.
    pub(crate) package_entries: u64,
    /// ID list items (strings; nulls not counted).
    pub(crate) fix_references: u64,
    /// ID tokens that are not well-formed IDs (typos, free text).
    pub(crate) rejected_ids: u64,
    /// (`package@version` or `package`, reason) for skipped parts.
    pub(crate) problems: Vec<(String, String)>,
}

/// Parses one secdb document.
pub(crate) fn parse(v: &Value) -> Result<SecdbDoc, String> {
    let release = v
        .get("distroversion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("distroversion is missing")?;
    let mut doc = SecdbDoc {
        release: release.to_owned(),
        ..SecdbDoc::default()
    };
    let packages = match v.get("packages") {
        Some(Value::Array(p)) => p.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err("packages is not a list".to_owned()),
    };
    for p in packages {
        doc.package_entries += 1;
        let pkg = p.get("pkg").unwrap_or(p);
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            doc.problems
                .push(("(unnamed)".to_owned(), "package has no name".to_owned()));
            continue;
        };
        let Some(secfixes) = pkg.get("secfixes").and_then(Value::as_object) else {
            continue;
        };
        for (ver, ids) in secfixes {
            let items: Vec<&str> = match ids {
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                Value::Null => Vec::new(),
                Value::String(s) => vec![s.as_str()],
                _ => {
                    doc.problems
                        .push((format!("{name}@{ver}"), "id list is not a list".into()));
                    continue;
                }
            };
            doc.fix_references += items.len() as u64;
            if ver == "0" || ver == "0-r0" {
                continue;
            }
            if !version::is_valid(Scheme::Apk, ver) {
                doc.problems
                    .push((format!("{name}@{ver}"), "unparseable apk version".into()));
                continue;
            }
            for item in items {
                for token in item.split_whitespace() {
                    if super::is_well_formed_id(token) {
                        doc.fixes
                            .push((name.to_owned(), ver.clone(), token.to_owned()));
                    } else {
                        doc.rejected_ids += 1;
                    }
                }
            }
        }
    }
    Ok(doc)
}
