//! Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` (or a
//! single-file `*.egg-info`), their `RECORD` / `installed-files.txt` file
//! lists and `direct_url.json`.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::PackageType;

use crate::facts::{file_name, parent, text, Facts, RawPackage};
use crate::license;

/// Most RECORD lines kept.
const MAX_RECORD_LINES: usize = 100_000;

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

/// The kind of Python metadata file at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Metadata,
    Record,
    DirectUrl,
}

pub(crate) fn kind(path: &str) -> Option<Kind> {
    let name = file_name(path);
    let dir = file_name(parent(path));
    let in_dist = ends_with_ci(dir, "dist-info") || ends_with_ci(dir, "egg-info");
    match name {
        "METADATA" | "PKG-INFO" if in_dist => Some(Kind::Metadata),
        "RECORD" | "installed-files.txt" if in_dist => Some(Kind::Record),
        "direct_url.json" if in_dist => Some(Kind::DirectUrl),
        _ if ends_with_ci(name, ".egg-info") => Some(Kind::Metadata),
        _ => None,
    }
}

/// Python metadata analyzer.
pub(crate) struct PythonAnalyzer;

impl FileAnalyzer for PythonAnalyzer {
    fn id(&self) -> &'static str {
        "python"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind) && kind(meta.path).is_some() {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let facts = match kind(meta.path)? {
            Kind::Metadata => parse_metadata(content),
            Kind::Record => parse_record(meta.path, content),
            Kind::DirectUrl => match serde_json::from_slice::<serde_json::Value>(content) {
                Ok(v) => {
                    let mut f = Facts::default();
                    f.extra.insert("direct_url".into(), v);
                    f
                }
                Err(e) => Facts::warning(format!("direct_url.json is not JSON: {e}")),
            },
        };
        facts.into_value()
    }
}

/// Parses METADATA / PKG-INFO headers (RFC 822 style, up to the first blank line).
pub(crate) fn parse_metadata(content: &[u8]) -> Facts {
    let content = text(content);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut bad = 0usize;
    for line in content.lines() {
        if line.trim().is_empty() {
            if headers.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.contains(' ') => {
                headers.push((k.trim().to_owned(), v.trim().to_owned()))
            }
            _ => bad += 1,
        }
    }
    let get = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let all = |k: &'static str| {
        headers
            .iter()
            .filter(move |(h, _)| h.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let mut facts = Facts::default();
    if bad > 0 {
        facts
            .warnings
            .push(format!("{bad} malformed header lines skipped"));
    }
    let Some(name) = get("Name").filter(|n| !n.is_empty()) else {
        if !content.trim().is_empty() {
            facts.warnings.push("metadata without a Name header".into());
        }
        return facts;
    };
    // The interpreter registers itself (`Python-2.7.egg-info`): not a distribution.
    if name == "Python" {
        return facts;
    }
    let mut p = RawPackage::new(PackageType::Pypi, name, get("Version").unwrap_or(""));
    let mut lic: Vec<String> = Vec::new();
    if let Some(e) = get("License-Expression") {
        lic.push(e.to_owned());
    } else if let Some(l) = get("License")
        .filter(|l| !l.is_empty() && *l != "UNKNOWN" && !l.contains('\n') && l.len() < 100)
    {
        lic.push(l.to_owned());
    } else {
        for c in all("Classifier") {
            if let Some(rest) = c.strip_prefix("License :: ") {
                let last = rest.rsplit(" :: ").next().unwrap_or(rest);
                if last != "OSI Approved" {
                    lic.push(last.to_owned());
                }
            }
        }
    }
    p.licenses = license::normalize_all(lic);
    let author = get("Author")
        .filter(|a| !a.is_empty() && *a != "UNKNOWN")
        .or_else(|| get("Author-email"));
    p.supplier = author.filter(|a| !a.is_empty()).map(str::to_owned);
    p.depends = all("Requires-Dist")
        .filter(|r| !r.contains("extra =="))
        .filter_map(|r| {
            let n: String = r
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            (!n.is_empty()).then_some(n)
        })
        .collect();
    if let Some(h) = get("Home-page") {
        p.meta("homepage", h);
    }
    facts.packages.push(p);
    facts
}

/// RECORD (`path,hash,size`, relative to site-packages) or
/// `installed-files.txt` (relative to the egg-info folder).
fn parse_record(path: &str, content: &[u8]) -> Facts {
    let content = text(content);
    let dir = parent(path);
    let base = if file_name(path) == "RECORD" {
        parent(dir)
    } else {
        dir
    };
    let mut facts = Facts::default();
    let mut bad = 0usize;
    for line in content.lines().take(MAX_RECORD_LINES) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut cols = line.split(',');
        let p = cols.next().unwrap_or("").trim_matches('"');
        if p.is_empty()
            || line.starts_with("<<<<<<<")
            || line.starts_with("=======")
            || line.starts_with(">>>>>>>")
        {
            bad += 1;
            continue;
        }
        let abs = crate::facts::absolute(&crate::facts::join(base, p));
        if let Some(h) = cols.next().filter(|h| !h.is_empty()) {
            facts.digests.insert(abs.clone(), h.replacen('=', ":", 1));
        }
        facts.files.push(abs);
    }
    if bad > 0 {
        facts
            .warnings
            .push(format!("{bad} malformed RECORD lines skipped"));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata() {
        let f = parse_metadata(b"Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\nLicense: BSD\nRequires-Dist: MarkupSafe (>=0.23)\nRequires-Dist: Babel ; extra == 'i18n'\n\nbody");
        let p = &f.packages[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("Jinja2", "2.10"));
        assert_eq!(p.licenses, vec!["BSD-3-Clause"]);
        assert_eq!(p.depends, vec!["MarkupSafe"]);
    }

    #[test]
    fn malformed_metadata_warns() {
        let f = parse_metadata(b"this is not\x00 metadata\n\xff\xfe");
        assert!(f.packages.is_empty());
        assert!(!f.warnings.is_empty());
        assert!(parse_metadata(b"").is_empty());
    }

    #[test]
    fn kinds() {
        assert_eq!(
            kind("x/site-packages/a-1.dist-info/METADATA"),
            Some(Kind::Metadata)
        );
        assert_eq!(
            kind("x/uppercase/dist-name/DIST-INFO/METADATA"),
            Some(Kind::Metadata)
        );
        assert_eq!(kind("x/a-1.egg-info"), Some(Kind::Metadata));
        assert_eq!(kind("x/a-1.dist-info/RECORD"), Some(Kind::Record));
        assert_eq!(kind("x/METADATA"), None);
    }
}
