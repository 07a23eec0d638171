//! Java archives (jar, war, ear, par, sar, jpi, hpi), nested archives
//! included up to a depth limit.
//!
//! Identity, in order of evidence: `META-INF/maven/G/A/pom.properties`
//! (`groupId:artifactId`, `version`); else `MANIFEST.MF`
//! (`Implementation-Vendor-Id` or `Bundle-SymbolicName` as group, the file
//! name's artifact part as artifact, `Implementation-Version` /
//! `Bundle-Version` as version); else the file name (`name-1.2.3.jar`,
//! artifact used as group too). An archive with several `pom.properties`
//! (a shaded jar) yields the one whose artifact matches the file name as the
//! archive's package and the others as packages it contains.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::PackageType;

use crate::facts::{file_name, text, Facts, RawPackage};
use crate::zip;
use crate::Limits;

const EXTS: &[&str] = &[".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi"];

fn is_archive_name(name: &str) -> bool {
    let lower = name.len() >= 4
        && name
            .get(name.len() - 4..)
            .is_some_and(|e| EXTS.iter().any(|x| x.eq_ignore_ascii_case(e)));
    lower
}

/// Java archive analyzer.
pub(crate) struct JavaAnalyzer {
    pub(crate) limits: Limits,
}

impl FileAnalyzer for JavaAnalyzer {
    fn id(&self) -> &'static str {
        "java"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind) && is_archive_name(meta.path) {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let mut facts = Facts::default();
        let mut budget = self.limits.max_archive_total_bytes;
        archive(
            content,
            file_name(meta.path),
            None,
            None,
            0,
            &self.limits,
            &mut budget,
            &mut facts,
        );
        facts.into_value()
    }
}

fn props(content: &str) -> Vec<(String, String)> {
    content
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// MANIFEST.MF main section (continuation lines start with a space).
fn manifest(content: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in content.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(rest);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// `commons-text-1.10.0.jar` → (`commons-text`, `1.10.0`).
pub(crate) fn split_file_name(name: &str) -> (String, String) {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let bytes = stem.as_bytes();
    for (i, _) in stem.match_indices('-') {
        if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return (
                stem.get(..i).unwrap_or(stem).to_owned(),
                stem.get(i + 1..).unwrap_or("").to_owned(),
            );
        }
    }
    (stem.to_owned(), String::new())
}

#[allow(clippy::too_many_arguments)]
fn archive(
    data: &[u8],
    name: &str,
    inner: Option<&str>,
    parent: Option<usize>,
    depth: usize,
    limits: &Limits,
    budget: &mut u64,
    facts: &mut Facts,
) {
    let here = inner.unwrap_or(name);
    let entries = match zip::entries(data, limits.max_archive_entries) {
        Ok(e) => e,
        Err(e) => {
            facts.warnings.push(format!("{here}: {e}"));
            return;
        }
    };
    let read = |e: &zip::Entry, facts: &mut Facts, budget: &mut u64| -> Option<Vec<u8>> {
        let max = limits.max_archive_entry_bytes.min(*budget);
        match zip::read(data, e, max) {
            Ok(b) => {
                *budget = budget.saturating_sub(b.len() as u64);
                Some(b)
            }
            Err(err) => {
                facts.warnings.push(format!("{here}!{}: {err}", e.name));
                None
            }
        }
    };
    let mut poms: Vec<(String, String, String)> = Vec::new();
    let mut mf: Vec<(String, String)> = Vec::new();
    let mut nested: Vec<&zip::Entry> = Vec::new();
    for e in &entries {
        if e.name.starts_with("META-INF/maven/") && e.name.ends_with("/pom.properties") {
            if let Some(b) = read(e, facts, budget) {
                let p = props(&text(&b));
                let get = |k: &str| {
                    p.iter()
                        .find(|(a, _)| a == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let (g, a, v) = (get("groupId"), get("artifactId"), get("version"));
                if !a.is_empty() {
                    poms.push((g, a, v));
                }
            }
        } else if e.name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            if let Some(b) = read(e, facts, budget) {
                mf = manifest(&text(&b));
            }
        } else if is_archive_name(&e.name) {
            nested.push(e);
        }
    }
    let (file_artifact, file_version) = split_file_name(file_name(name));
    let mget = |k: &str| {
        mf.iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let main_pom = poms
        .iter()
        .position(|(_, a, _)| *a == file_artifact)
        .or_else(|| (poms.len() == 1).then_some(0));
    let make = |g: &str, a: &str, v: &str, source: &str| {
        let mut p = RawPackage::new(
            PackageType::Maven,
            if g.is_empty() {
                a.to_owned()
            } else {
                format!("{g}:{a}")
            },
            v,
        );
        p.inner_path = inner.map(str::to_owned);
        p.meta("java_evidence", source);
        p
    };
    let main = match main_pom.and_then(|i| poms.get(i)) {
        Some((g, a, v)) => {
            let mut p = make(g, a, v, "pom.properties");
            p.parent = parent;
            Some(p)
        }
        None => {
            let version = mget("Implementation-Version")
                .or_else(|| mget("Bundle-Version"))
                .or_else(|| mget("Specification-Version"))
                .unwrap_or(file_version);
            if file_artifact.is_empty() {
                None
            } else {
                let group = mget("Implementation-Vendor-Id")
                    .or_else(|| {
                        mget("Bundle-SymbolicName")
                            .map(|s| s.split(';').next().unwrap_or("").trim().to_owned())
                    })
                    .unwrap_or_else(|| file_artifact.clone());
                let src = if mf.is_empty() {
                    "file-name"
                } else {
                    "manifest"
                };
                let mut p = make(&group, &file_artifact, &version, src);
                p.parent = parent;
                if let Some(t) = mget("Implementation-Title") {
                    p.meta("implementation_title", t);
                }
                Some(p)
            }
        }
    };
    let main_index = main.map(|p| {
        facts.packages.push(p);
        facts.packages.len() - 1
    });
    for (i, (g, a, v)) in poms.iter().enumerate() {
        if Some(i) != main_pom {
            let mut p = make(g, a, v, "pom.properties");
            p.parent = main_index.or(parent);
            facts.packages.push(p);
        }
    }
    for e in nested {
        if depth + 1 > limits.max_archive_depth {
            facts.warnings.push(format!(
                "{here}!{}: nesting deeper than {} archives skipped",
                e.name, limits.max_archive_depth
            ));
            continue;
        }
        if let Some(b) = read(e, facts, budget) {
            let inner_path = format!("{here}!/{}", e.name);
            archive(
                &b,
                &e.name,
                Some(&inner_path),
                main_index.or(parent),
                depth + 1,
                limits,
                budget,
                facts,
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write as _;

    /// Writes a zip with the given (name, content, deflate?) entries.
    pub(crate) fn make_zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, content, deflate) in entries {
            let data = if *deflate {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(content).unwrap();
                e.finish().unwrap()
            } else {
                content.to_vec()
            };
            let off = out.len() as u32;
            let method: u16 = if *deflate { 8 } else { 0 };
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(content.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&data);
            cd.extend_from_slice(b"PK\x01\x02");
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
            cd.extend_from_slice(&method.to_le_bytes());
            cd.extend_from_slice(&[0; 8]);
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(content.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn run(name: &str, data: &[u8], limits: Limits) -> Facts {
        let mut f = Facts::default();
        let mut budget = limits.max_archive_total_bytes;
        archive(data, name, None, None, 0, &limits, &mut budget, &mut f);
        f
    }

    #[test]
    fn pom_and_nested() {
        let inner = make_zip(&[(
            "META-INF/maven/org.x/inner/pom.properties",
            b"groupId=org.x\nartifactId=inner\nversion=2\n",
            true,
        )]);
        let outer = make_zip(&[
            (
                "META-INF/maven/org.x/app/pom.properties",
                b"groupId=org.x\nartifactId=app\nversion=1\n",
                false,
            ),
            ("WEB-INF/lib/inner-2.jar", &inner, false),
        ]);
        let f = run("app-1.war", &outer, Limits::default());
        let names: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.parent))
            .collect();
        assert_eq!(
            names,
            vec![("org.x:app", "1", None), ("org.x:inner", "2", Some(0))]
        );
    }

    #[test]
    fn manifest_and_file_name_fallback() {
        let z = make_zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nImplementation-Vendor-Id: org.apache\nImplementation-Version: 3.2.2\n", true)]);
        let f = run("commons-collections-3.2.2.jar", &z, Limits::default());
        assert_eq!(f.packages[0].name, "org.apache:commons-collections");
        assert_eq!(f.packages[0].version, "3.2.2");
        let f = run(
            "foo-1.0.jar",
            &make_zip(&[("a.txt", b"x", false)]),
            Limits::default(),
        );
        assert_eq!(
            (f.packages[0].name.as_str(), f.packages[0].version.as_str()),
            ("foo:foo", "1.0")
        );
    }

    #[test]
    fn zip_bomb_is_cut() {
        let big = vec![0u8; 5_000_000];
        let z = make_zip(&[("META-INF/MANIFEST.MF", &big, true)]);
        let f = run(
            "bomb-1.jar",
            &z,
            Limits {
                max_archive_entry_bytes: 1_000_000,
                ..Limits::default()
            },
        );
        assert!(f.warnings.iter().any(|w| w.contains("inflates beyond")));
        assert_eq!(
            f.packages.len(),
            1,
            "file-name fallback still reports the jar"
        );
    }

    #[test]
    fn deep_nesting_is_cut() {
        let mut z = make_zip(&[(
            "META-INF/maven/g/a/pom.properties",
            b"groupId=g\nartifactId=a\nversion=0\n",
            false,
        )]);
        for i in 0..10 {
            z = make_zip(&[(&format!("lib/l{i}-1.jar"), &z, false)]);
        }
        let f = run("top-1.jar", &z, Limits::default());
        assert!(f.warnings.iter().any(|w| w.contains("nesting deeper")));
        assert!(f.packages.len() <= Limits::default().max_archive_depth + 1);
    }

    #[test]
    fn garbage_archive_warns() {
        let f = run("x-1.jar", b"PK\x03\x04 garbage", Limits::default());
        assert!(f.packages.is_empty());
        assert!(!f.warnings.is_empty());
    }
}
