//! Alpine packages: `lib/apk/db/installed`.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::{PackageType, SourcePackage};

use crate::facts::{text, Facts, RawPackage};
use crate::license;

/// Most files listed for one package.
const MAX_FILES: usize = 1_000_000;

/// apk database analyzer.
pub(crate) struct ApkAnalyzer;

impl FileAnalyzer for ApkAnalyzer {
    fn id(&self) -> &'static str {
        "apk-db"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind) && meta.path == "lib/apk/db/installed" {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, _meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        parse(content).into_value()
    }
}

fn dep_name(tok: &str) -> Option<String> {
    let t = tok.trim_start_matches('!');
    if tok.starts_with('!') {
        return None; // a conflict, not a dependency
    }
    let n = t.split(['>', '<', '=', '~']).next().unwrap_or(t);
    (!n.is_empty()).then(|| n.to_owned())
}

/// Parses the installed database.
pub(crate) fn parse(content: &[u8]) -> Facts {
    let content = text(content);
    let mut facts = Facts::default();
    let mut cur: Option<RawPackage> = None;
    let mut dir = String::new();
    let mut bad = 0usize;
    let finish = |p: Option<RawPackage>, facts: &mut Facts| {
        if let Some(p) = p {
            if p.name.is_empty() {
                facts
                    .warnings
                    .push("entry without a P: name skipped".into());
            } else if p.version.is_empty() {
                facts
                    .warnings
                    .push(format!("entry {} without a V: version skipped", p.name));
            } else {
                facts.packages.push(p);
            }
        }
    };
    for line in content.lines() {
        if line.trim().is_empty() {
            finish(cur.take(), &mut facts);
            dir.clear();
            continue;
        }
        let Some((k, v)) = line.split_once(':').filter(|(k, _)| k.len() == 1) else {
            bad += 1;
            continue;
        };
        let p = cur.get_or_insert_with(|| RawPackage::new(PackageType::Apk, "", ""));
        match k {
            "P" => p.name = v.to_owned(),
            "V" => p.version = v.to_owned(),
            "A" => p.arch = Some(v.to_owned()),
            "L" => {
                let toks: Vec<&str> = v.split_whitespace().collect();
                p.licenses = if toks.iter().any(|t| matches!(*t, "AND" | "OR" | "WITH")) {
                    vec![v.trim().to_owned()]
                } else {
                    license::normalize_all(toks)
                };
            }
            "o" => {
                p.source = Some(SourcePackage {
                    name: v.to_owned(),
                    version: None,
                })
            }
            "m" => p.supplier = Some(v.to_owned()),
            "t" => {
                if let Ok(t) = v.parse::<u64>() {
                    p.meta("build_time", t);
                }
            }
            "c" => p.meta("commit", v),
            "I" => {
                if let Ok(s) = v.parse::<u64>() {
                    p.meta("installed_size", s);
                }
            }
            "U" => p.meta("url", v),
            "D" => p.depends = v.split_whitespace().filter_map(dep_name).collect(),
            "p" => {
                let provides: Vec<String> = v.split_whitespace().filter_map(dep_name).collect();
                p.meta("provides", provides);
            }
            "F" => dir = v.to_owned(),
            "R" if p.files.len() < MAX_FILES => {
                p.files
                    .push(crate::facts::absolute(&crate::facts::join(&dir, v)));
            }
            _ => {}
        }
    }
    finish(cur.take(), &mut facts);
    // The origin's version is the package's (apk builds all subpackages at once).
    for p in &mut facts.packages {
        if let Some(s) = &mut p.source {
            s.version = Some(p.version.clone()).filter(|v| !v.is_empty());
        }
    }
    if bad > 0 {
        facts
            .warnings
            .push(format!("{bad} malformed lines skipped"));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files() {
        let f = parse(b"P:musl-utils\nV:1.1.24-r2\nA:x86_64\nL:MIT BSD GPL2+\no:musl\nD:scanelf so:libc.musl-x86_64.so.1\nF:sbin\nR:ldconfig\n\nP:b\nV:1\n");
        assert_eq!(f.packages.len(), 2);
        let p = &f.packages[0];
        assert_eq!(p.files, vec!["/sbin/ldconfig"]);
        assert_eq!(p.licenses, vec!["MIT", "BSD-3-Clause", "GPL2+"]);
        assert_eq!(p.source.as_ref().unwrap().name, "musl");
    }

    #[test]
    fn corrupt_lines_warn() {
        let f = parse(b"this is a corrupt db\n\nP:a\nV:1\n");
        assert_eq!(f.packages.len(), 1);
        assert!(!f.warnings.is_empty());
    }
}
