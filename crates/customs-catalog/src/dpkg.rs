//! Debian packages: `var/lib/dpkg/status`, distroless `status.d/NAME` files,
//! opkg `status`, the file lists `info/*.list` / `*.md5sums`, and licences
//! from `/usr/share/doc/NAME/copyright`.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::{PackageType, SourcePackage};

use crate::facts::{text, Facts, RawPackage};
use crate::license;

/// Most stanzas read from one status file (a Debian system has a few thousand).
const MAX_STANZAS: usize = 200_000;

/// Suffixes of status.d and info/ files that are not control files.
const NON_CONTROL: &[&str] = &[
    ".md5sums",
    ".preinst",
    ".postinst",
    ".prerm",
    ".postrm",
    ".conffiles",
    ".list",
    ".triggers",
    ".shlibs",
    ".symbols",
    ".templates",
    ".config",
    ".sha256sums",
];

/// One stanza as `(field, value)` pairs; continuation lines joined with `\n`.
pub(crate) type Stanza = Vec<(String, String)>;

/// Splits a control file into stanzas. Lines that are neither `Field: value`
/// nor continuations are reported in `bad_lines`.
pub(crate) fn stanzas(content: &str, bad_lines: &mut usize) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut cur: Stanza = Vec::new();
    for line in content.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                if out.len() >= MAX_STANZAS {
                    return out;
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            } else {
                *bad_lines += 1;
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                cur.push((k.to_owned(), v.trim().to_owned()))
            }
            _ => *bad_lines += 1,
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn field<'a>(s: &'a Stanza, name: &str) -> Option<&'a str> {
    s.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Names in a `Depends:`-style field: first alternative of each group,
/// without version constraints or `:arch` qualifiers.
pub(crate) fn dep_names(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter_map(|group| {
            // Keep every alternative; assembly picks the first that exists.
            let alts: Vec<String> = group
                .split('|')
                .filter_map(|alt| {
                    let n = alt.trim().split([' ', '(', '[']).next().unwrap_or("");
                    let n = n.split(':').next().unwrap_or(n);
                    (!n.is_empty()).then(|| n.to_owned())
                })
                .collect();
            (!alts.is_empty()).then(|| alts.join("|"))
        })
        .collect()
}

/// Builds the package of one stanza; `Err` says why it is not one.
fn package(s: &Stanza, require_status: bool) -> Result<Option<RawPackage>, String> {
    let Some(name) = field(s, "Package") else {
        return Err("stanza without a Package field".into());
    };
    if name.is_empty() {
        return Ok(None);
    }
    match field(s, "Status") {
        // `want flag status`: only `installed` counts (not config-files, half-installed, ...).
        Some(st) if st.split_whitespace().nth(2) != Some("installed") => return Ok(None),
        Some(_) => {}
        None if require_status => return Ok(None),
        None => {}
    }
    let version = field(s, "Version").unwrap_or("");
    let mut p = RawPackage::new(PackageType::Deb, name, version);
    p.arch = field(s, "Architecture")
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let source = field(s, "Source").map(|src| match src.split_once('(') {
        Some((n, v)) => SourcePackage {
            name: n.trim().to_owned(),
            version: Some(v.trim_end_matches(')').trim().to_owned()),
        },
        None => SourcePackage {
            name: src.trim().to_owned(),
            version: None,
        },
    });
    p.source = source.filter(|s| !s.name.is_empty()).map(|mut s| {
        if s.version.is_none() && !version.is_empty() {
            s.version = Some(version.to_owned());
        }
        s
    });
    p.supplier = field(s, "Maintainer")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    if let Some(size) = field(s, "Installed-Size").and_then(|v| v.trim().parse::<u64>().ok()) {
        p.meta("installed_size_kib", size);
    }
    if let Some((epoch, _)) = version.split_once(':') {
        if let Ok(e) = epoch.parse::<u64>() {
            p.meta("epoch", e);
        }
    }
    let mut deps = Vec::new();
    for f in ["Pre-Depends", "Depends"] {
        if let Some(v) = field(s, f) {
            deps.extend(dep_names(v));
        }
    }
    p.depends = deps;
    if let Some(prov) = field(s, "Provides") {
        let names: Vec<String> = dep_names(prov);
        p.meta("provides", names);
    }
    // opkg writes the licence into the status file.
    if let Some(l) = field(s, "License") {
        p.licenses = license::normalize_all([l]);
    }
    Ok(Some(p))
}

/// Parses a status file (many stanzas) or a status.d file (one, no Status).
pub(crate) fn parse_status(content: &[u8], is_status_d: bool) -> Facts {
    let content = text(content);
    let mut facts = Facts::default();
    let mut bad = 0;
    let st = stanzas(&content, &mut bad);
    for s in &st {
        match package(s, false) {
            Ok(Some(p)) => facts.packages.push(p),
            Ok(None) => {}
            Err(e) => facts.warnings.push(e),
        }
    }
    if bad > 0 {
        facts
            .warnings
            .push(format!("{bad} malformed lines skipped"));
    }
    if !content.is_empty() && !content.ends_with('\n') && !is_status_d {
        facts
            .warnings
            .push("file does not end with a newline, the last stanza may be truncated".into());
    }
    if st.len() >= MAX_STANZAS {
        facts
            .warnings
            .push(format!("stopped after {MAX_STANZAS} stanzas"));
    }
    facts
}

/// Whether a path is a status database.
fn is_status(path: &str) -> Option<bool> {
    if matches!(
        path,
        "var/lib/dpkg/status" | "var/lib/opkg/status" | "usr/lib/opkg/status"
    ) {
        return Some(false);
    }
    let name = path.strip_prefix("var/lib/dpkg/status.d/")?;
    (!name.contains('/')
        && !name.starts_with('.')
        && !NON_CONTROL.iter().any(|s| name.ends_with(s)))
    .then_some(true)
}

/// dpkg/opkg status databases.
pub(crate) struct StatusAnalyzer;

impl FileAnalyzer for StatusAnalyzer {
    fn id(&self) -> &'static str {
        "dpkg-db"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind)
            && meta.path.starts_with(['v', 'u'])
            && is_status(meta.path).is_some()
        {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let status_d = is_status(meta.path).unwrap_or(false);
        parse_status(content, status_d).into_value()
    }
}

/// `info/NAME[:ARCH].list`, `info/NAME.md5sums`, `status.d/NAME.md5sums`.
pub(crate) struct FileListAnalyzer;

fn list_owner(path: &str) -> Option<(&str, bool)> {
    let name = path
        .strip_prefix("var/lib/dpkg/info/")
        .or_else(|| path.strip_prefix("var/lib/dpkg/status.d/"))?;
    if name.contains('/') {
        return None;
    }
    if let Some(n) = name.strip_suffix(".list") {
        return Some((n, false));
    }
    name.strip_suffix(".md5sums").map(|n| (n, true))
}

impl FileAnalyzer for FileListAnalyzer {
    fn id(&self) -> &'static str {
        "dpkg-files"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind)
            && meta.path.starts_with("var/lib/dpkg/")
            && list_owner(meta.path).is_some()
        {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let (owner, md5) = list_owner(meta.path)?;
        let owner = owner.split(':').next().unwrap_or(owner);
        let content = text(content);
        let mut facts = Facts {
            owner: Some(owner.to_owned()),
            ..Facts::default()
        };
        if md5 {
            let mut digests = Vec::new();
            for line in content.lines() {
                let Some((digest, path)) = line.split_once(char::is_whitespace) else {
                    continue;
                };
                let path = crate::facts::absolute(path.trim());
                let mut tagged = String::with_capacity(4 + digest.len());
                tagged.push_str("md5:");
                tagged.push_str(digest.trim());
                digests.push((path.clone(), tagged));
                facts.files.push(path);
            }
            // Built from all pairs at once (sorted in bulk; the last digest
            // of a path listed twice wins, as with one insert per line).
            facts.digests = digests.into_iter().collect();
        } else {
            let mut v: Vec<&str> = content
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with('/'))
                .collect();
            v.sort_unstable();
            v.dedup();
            // A line followed (in sorted order) by one of its children is a folder.
            for (i, p) in v.iter().enumerate() {
                let is_dir = *p == "/."
                    || v.get(i + 1).is_some_and(|next| {
                        next.len() > p.len()
                            && next.starts_with(p)
                            && next.as_bytes().get(p.len()) == Some(&b'/')
                    });
                if !is_dir {
                    facts.files.push((*p).to_owned());
                }
            }
        }
        serde_json::to_value(facts).ok()
    }
}

/// `usr/share/doc/NAME/copyright`.
pub(crate) struct CopyrightAnalyzer;

impl FileAnalyzer for CopyrightAnalyzer {
    fn id(&self) -> &'static str {
        "dpkg-copyright"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind)
            && meta.path.ends_with("/copyright")
            && meta.path.starts_with("usr/share/doc/")
            && meta.path.matches('/').count() == 4
        {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let owner = meta.path.split('/').nth(3)?.to_owned();
        let licenses = copyright_licenses(&text(content));
        Facts {
            owner: Some(owner),
            licenses,
            ..Facts::default()
        }
        .into_value()
    }
}

/// Licences of a Debian copyright file: `License:` short names of a DEP-5
/// file; otherwise the `/usr/share/common-licenses/NAME` references.
pub(crate) fn copyright_licenses(content: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in content.lines() {
        if let Some(v) = line.strip_prefix("License:") {
            let v = v.trim();
            // `GPL-2+ or Artistic`, `GPL-2 with OpenSSL exception`: keep each name.
            for part in v.split([' ', ',']).filter(|p| !p.is_empty()) {
                let lower = part.to_ascii_lowercase();
                if matches!(lower.as_str(), "or" | "and" | "with" | "exception")
                    || part.contains('(')
                {
                    continue;
                }
                if !names.iter().any(|n| n == part) {
                    names.push(part.to_owned());
                }
            }
        }
    }
    {
        for (i, _) in content.match_indices("/usr/share/common-licenses/") {
            let rest = content
                .get(i + "/usr/share/common-licenses/".len()..)
                .unwrap_or("");
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+'))
                .collect();
            let name = name.trim_end_matches('.').to_owned();
            // `GPL` alone names the folder's symlink to the newest version; keep versioned names only.
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    license::normalize_all(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_list_facts(path: &str, content: &[u8]) -> serde_json::Value {
        let meta = FileMeta {
            path,
            kind: customs_model::analysis::EntryKind::Regular,
            size: content.len() as u64,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: None,
        };
        assert_eq!(FileListAnalyzer.interest(&meta), Interest::Content);
        FileListAnalyzer.analyze(&meta, content).unwrap()
    }

    #[test]
    fn file_lists_keep_files_not_folders_sorted_once() {
        let v = file_list_facts(
            "var/lib/dpkg/info/libc6:amd64.list",
            b"/.\n/usr\n/usr/lib/b.so\n/usr/lib\n  /usr/lib/a.so  \n/usr/lib/b.so\nnot/absolute\n/etc/x/\n",
        );
        assert_eq!(v["owner"], "libc6");
        assert_eq!(v["files"], "/etc/x/\n/usr/lib/a.so\n/usr/lib/b.so");
    }

    #[test]
    fn md5sums_give_digests_by_absolute_path_the_last_line_winning() {
        let v = file_list_facts(
            "var/lib/dpkg/info/zlib1g.md5sums",
            b"aa11  usr/lib/z.so\nbb22  ./usr/share/doc/z/../z/copyright\nno-path-line\ncc33  usr/lib/z.so\n",
        );
        assert_eq!(v["owner"], "zlib1g");
        assert_eq!(
            v["files"],
            "/usr/lib/z.so\n/usr/share/doc/z/copyright\n/usr/lib/z.so"
        );
        assert_eq!(
            v["digests"],
            "md5:cc33 /usr/lib/z.so\nmd5:bb22 /usr/share/doc/z/copyright"
        );
    }

    #[test]
    fn status_fields() {
        let f = parse_status(
            b"Package: bsdutils\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5+deb12u3)\nVersion: 1:2.38.1-5+deb12u3\nDepends: libc6 (>= 2.34), foo | bar\nDescription: x\n multi\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
            false,
        );
        assert_eq!(f.packages.len(), 1);
        let p = &f.packages[0];
        assert_eq!(p.version, "1:2.38.1-5+deb12u3");
        assert_eq!(p.source.as_ref().unwrap().name, "util-linux");
        assert_eq!(
            p.source.as_ref().unwrap().version.as_deref(),
            Some("2.38.1-5+deb12u3")
        );
        assert_eq!(p.depends, vec!["libc6", "foo|bar"]);
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn truncated_status_keeps_going() {
        let f = parse_status(b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok inst", false);
        assert_eq!(f.packages.len(), 1);
        assert!(f.warnings.iter().any(|w| w.contains("truncated")));
    }

    #[test]
    fn non_utf8_fields() {
        let f = parse_status(b"Package: a\nVersion: 1\nMaintainer: J\xf6rg <j@x>\n", true);
        assert_eq!(f.packages.len(), 1);
        assert!(f.packages[0].supplier.as_ref().unwrap().starts_with('J'));
    }

    #[test]
    fn copyright() {
        let l = copyright_licenses(
            "Format: x\n\nFiles: *\nLicense: GPL-2+ or Artistic\n\nLicense: GPL-2+\n text\n",
        );
        assert_eq!(l, vec!["GPL-2.0-or-later", "Artistic-1.0-Perl"]);
        let l = copyright_licenses("see /usr/share/common-licenses/GPL-3.\n");
        assert_eq!(l, vec!["GPL-3.0-only"]);
    }
}
