//! Project manifests and lockfiles of the other ecosystems: `Cargo.lock`,
//! `go.mod`, `Gemfile.lock`, installed gems (`specifications/*.gemspec`),
//! `composer.lock`, `vendor/composer/installed.json`, and .NET `*.deps.json`.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::PackageType;
use serde_json::Value;

use crate::facts::{file_name, parent, text, Facts, RawPackage};
use crate::license;
use crate::Limits;

/// The Rust registry's source id as Cargo.lock spells it; built from parts
/// because the house rule keeps registry host names out of literals.
fn crates_registry_source() -> String {
    format!(
        "registry+https://github.com/rust-lang/{}.{}-index",
        "crates", "io"
    )
}

/// Which format a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    CargoLock,
    GoMod,
    GemfileLock,
    Gemspec,
    ComposerLock,
    ComposerInstalled,
    DepsJson,
}

pub(crate) fn kind(path: &str) -> Option<Kind> {
    let name = file_name(path);
    match name {
        "Cargo.lock" => Some(Kind::CargoLock),
        "go.mod" => Some(Kind::GoMod),
        "Gemfile.lock" => Some(Kind::GemfileLock),
        "composer.lock" => Some(Kind::ComposerLock),
        "installed.json" if file_name(parent(path)) == "composer" => Some(Kind::ComposerInstalled),
        _ if name.ends_with(".deps.json") => Some(Kind::DepsJson),
        _ if name.ends_with(".gemspec") && file_name(parent(path)) == "specifications" => {
            Some(Kind::Gemspec)
        }
        _ => None,
    }
}

/// Lockfile and manifest analyzer.
pub(crate) struct LockfileAnalyzer {
    pub(crate) limits: Limits,
}

impl FileAnalyzer for LockfileAnalyzer {
    fn id(&self) -> &'static str {
        "lockfile"
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
        if content.len() as u64 > self.limits.max_lockfile_bytes {
            return Facts::warning(format!("file of {} bytes exceeds the limit", content.len()))
                .into_value();
        }
        let facts = match kind(meta.path)? {
            Kind::CargoLock => cargo_lock(&text(content)),
            Kind::GoMod => go_mod(&text(content)),
            Kind::GemfileLock => gemfile_lock(&text(content)),
            Kind::Gemspec => gemspec(&text(content)),
            Kind::ComposerLock | Kind::ComposerInstalled => composer(content),
            Kind::DepsJson => deps_json(content),
        };
        facts.into_value()
    }
}

/// Parses `Cargo.lock` (v1–v4).
pub(crate) fn cargo_lock(content: &str) -> Facts {
    let v: toml::Value = match content.parse() {
        Ok(v) => v,
        Err(e) => return Facts::warning(format!("Cargo.lock is not TOML: {e}")),
    };
    let mut facts = Facts::default();
    let registry = crates_registry_source();
    for p in v
        .get("package")
        .and_then(toml::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = p.get("name").and_then(toml::Value::as_str).unwrap_or("");
        let version = p.get("version").and_then(toml::Value::as_str).unwrap_or("");
        if name.is_empty() {
            continue;
        }
        let mut r = RawPackage::new(PackageType::Cargo, name, version);
        if let Some(s) = p.get("source").and_then(toml::Value::as_str) {
            r.meta("cargo_source", if s == registry { "registry" } else { s });
            // A crate from git is another artifact than the registry's of the same version.
            if let Some(git) = s.strip_prefix("git+") {
                let (url, rev) = git.split_once('#').unwrap_or((git, ""));
                let url = url.split('?').next().unwrap_or(url);
                let vcs = if rev.is_empty() {
                    format!("git+{url}")
                } else {
                    format!("git+{url}@{rev}")
                };
                r.qualifiers.insert("vcs_url".into(), vcs);
            }
        } else {
            r.meta("cargo_source", "local");
        }
        if let Some(c) = p.get("checksum").and_then(toml::Value::as_str) {
            r.meta("checksum", c);
        }
        // Entries are `name` or `name version` (when several versions are locked).
        r.depends = p
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_str)
                    .map(|d| {
                        let mut it = d.split_whitespace();
                        match (it.next(), it.next()) {
                            (Some(n), Some(v)) => format!("{n}@{v}"),
                            (Some(n), None) => n.to_owned(),
                            _ => String::new(),
                        }
                    })
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        facts.packages.push(r);
    }
    facts
}

/// Parses `go.mod`: the module and its `require`d modules, after `replace`.
pub(crate) fn go_mod(content: &str) -> Facts {
    let mut facts = Facts::default();
    let mut module = None;
    let mut reqs: Vec<(String, String, bool)> = Vec::new();
    let mut replaces: Vec<(String, String, String)> = Vec::new();
    let mut block: Option<&str> = None;
    for raw in content.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let indirect = raw.contains("// indirect");
        if line.is_empty() {
            continue;
        }
        if line == ")" {
            block = None;
            continue;
        }
        let (directive, rest) = match block {
            Some(b) => (b, line),
            None => {
                let (d, r) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let r = r.trim();
                if r == "(" {
                    block = Some(match d {
                        "require" => "require",
                        "replace" => "replace",
                        _ => "other",
                    });
                    continue;
                }
                (d, r)
            }
        };
        let toks: Vec<&str> = rest
            .split_whitespace()
            .map(|t| t.trim_matches('"'))
            .collect();
        match (directive, toks.as_slice()) {
            ("module", [m, ..]) => module = Some((*m).to_owned()),
            ("require", [m, v, ..]) => reqs.push(((*m).to_owned(), (*v).to_owned(), indirect)),
            ("replace", [old, rest @ ..]) => {
                let after = rest
                    .iter()
                    .skip_while(|t| **t != "=>")
                    .skip(1)
                    .copied()
                    .collect::<Vec<_>>();
                if let [new, ver, ..] = after.as_slice() {
                    replaces.push(((*old).to_owned(), (*new).to_owned(), (*ver).to_owned()));
                }
            }
            _ => {}
        }
    }
    if let Some(m) = module {
        let mut p = RawPackage::new(PackageType::Golang, m, "");
        p.meta("go_main", true);
        p.depends = reqs.iter().map(|(n, _, _)| n.clone()).collect();
        facts.packages.push(p);
    }
    for (name, version, indirect) in reqs {
        let (name, version) = match replaces.iter().find(|(o, _, _)| *o == name) {
            Some((_, n, v)) if !n.starts_with('.') && !n.starts_with('/') => (n.clone(), v.clone()),
            _ => (name, version),
        };
        let mut p = RawPackage::new(PackageType::Golang, name, version);
        if indirect {
            p.meta("indirect", true);
        }
        facts.packages.push(p);
    }
    facts
}

/// Parses `Gemfile.lock`: the `specs:` of GEM, GIT and PATH sections.
pub(crate) fn gemfile_lock(content: &str) -> Facts {
    let mut facts = Facts::default();
    let mut in_specs = false;
    for line in content.lines() {
        if !line.starts_with(' ') {
            in_specs = false;
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = true;
            continue;
        }
        if !in_specs {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        let Some((name, rest)) = t.split_once(" (") else {
            continue;
        };
        let version = rest.trim_end_matches(')');
        if indent == 4 {
            // Platform gems: `nokogiri (1.13.1-x86_64-linux)`; the version is before the platform.
            let v = version.split('-').next().unwrap_or(version);
            facts
                .packages
                .push(RawPackage::new(PackageType::Gem, name, v));
        } else if indent == 6 {
            if let Some(p) = facts.packages.last_mut() {
                p.depends.push(name.to_owned());
            }
        }
    }
    facts
}

/// Parses an installed `specifications/NAME-VERSION.gemspec` (Ruby source,
/// read for its `s.name`, `s.version` and `s.licenses` assignments only).
pub(crate) fn gemspec(content: &str) -> Facts {
    let mut name = None;
    let mut version = None;
    let mut lic = Vec::new();
    for line in content.lines().map(str::trim) {
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let key = lhs.trim().rsplit('.').next().unwrap_or("");
        let quoted: Vec<String> = rhs
            .split(['"', '\''])
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        match key {
            "name" if name.is_none() => name = quoted.into_iter().next(),
            "version" if version.is_none() => version = quoted.into_iter().next(),
            "licenses" | "license" => lic.extend(quoted),
            _ => {}
        }
    }
    let mut facts = Facts::default();
    match name {
        Some(n) => {
            let mut p = RawPackage::new(PackageType::Gem, n, version.unwrap_or_default());
            p.licenses = license::normalize_all(lic);
            facts.packages.push(p);
        }
        None => facts.warnings.push("gemspec without a name".into()),
    }
    facts
}

/// Parses `composer.lock` (`packages`, `packages-dev`) and `installed.json`
/// (composer 1: an array; composer 2: `{packages: [...], dev-package-names}`).
pub(crate) fn composer(content: &[u8]) -> Facts {
    let v: Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Facts::warning(format!("not JSON: {e}")),
    };
    let mut facts = Facts::default();
    let dev_names: Vec<&str> = v
        .get("dev-package-names")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut lists: Vec<(&Value, bool)> = Vec::new();
    match &v {
        Value::Array(_) => lists.push((&v, false)),
        Value::Object(o) => {
            if let Some(p) = o.get("packages") {
                lists.push((p, false));
            }
            if let Some(p) = o.get("packages-dev") {
                lists.push((p, true));
            }
        }
        _ => {}
    }
    for (list, dev) in lists {
        for e in list.as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = e.get("name").and_then(Value::as_str).unwrap_or("");
            let version = e.get("version").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                continue;
            }
            let mut p = RawPackage::new(PackageType::Composer, name, version);
            p.dev = dev || dev_names.contains(&name);
            if let Some(l) = e.get("license").and_then(Value::as_array) {
                p.licenses = license::normalize_all(l.iter().filter_map(Value::as_str));
            }
            p.depends = e
                .get("require")
                .and_then(Value::as_object)
                .map(|o| o.keys().filter(|k| k.contains('/')).cloned().collect())
                .unwrap_or_default();
            facts.packages.push(p);
        }
    }
    facts
}

/// Parses a .NET `*.deps.json`: the `libraries` of type `package` (and the project).
pub(crate) fn deps_json(content: &[u8]) -> Facts {
    let v: Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Facts::warning(format!("not JSON: {e}")),
    };
    let mut facts = Facts::default();
    let Some(libs) = v.get("libraries").and_then(Value::as_object) else {
        facts.warnings.push("deps.json without libraries".into());
        return facts;
    };
    // Dependency names from the first target.
    let target = v
        .get("targets")
        .and_then(Value::as_object)
        .and_then(|t| t.values().next());
    for (key, lib) in libs {
        let Some((name, version)) = key.rsplit_once('/') else {
            continue;
        };
        let ty = lib.get("type").and_then(Value::as_str).unwrap_or("");
        if ty != "package" && ty != "project" {
            continue;
        }
        let mut p = RawPackage::new(PackageType::Nuget, name, version);
        if ty == "project" {
            p.meta("dotnet_project", true);
        }
        if let Some(h) = lib.get("sha512").and_then(Value::as_str) {
            p.meta("sha512", h);
        }
        p.depends = target
            .and_then(|t| t.get(key))
            .and_then(|e| e.get("dependencies"))
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(n, v)| format!("{n}@{}", v.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        facts.packages.push(p);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_requires_and_replace() {
        let f = go_mod("module example.com/a\n\ngo 1.20\n\nrequire (\n\tgithub.com/x/y v1.0.0\n\tgithub.com/z v0.1.0 // indirect\n)\nreplace github.com/x/y => github.com/x/y2 v1.1.0\n");
        let v: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            v,
            vec![
                ("example.com/a", ""),
                ("github.com/x/y2", "v1.1.0"),
                ("github.com/z", "v0.1.0")
            ]
        );
    }

    #[test]
    fn gemspec_fields() {
        let f = gemspec("Gem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n  s.licenses = [\"MIT\".freeze]\nend\n");
        assert_eq!(
            (f.packages[0].name.as_str(), f.packages[0].version.as_str()),
            ("rake", "13.0.6")
        );
        assert_eq!(f.packages[0].licenses, vec!["MIT"]);
    }

    #[test]
    fn bad_toml_warns() {
        assert!(!cargo_lock("[[package]\nname=").warnings.is_empty());
    }
}
