//! Operating-system detection from `os-release` and the older release files.

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::OsRelease;

use crate::facts::{text, Facts};

/// Release files, in order of preference (first wins in assembly).
pub(crate) const RELEASE_FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/lsb-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/fedora-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/oracle-release",
    "etc/system-release",
    "etc/SuSE-release",
];

/// Reads the release files.
pub(crate) struct OsAnalyzer;

impl FileAnalyzer for OsAnalyzer {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind)
            && meta.size < 64 * 1024
            && meta.path.starts_with(['e', 'u'])
            && RELEASE_FILES.contains(&meta.path)
        {
            Interest::Content
        } else {
            Interest::None
        }
    }

    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let os = parse(meta.path, &text(content));
        let facts = match os {
            Some(os) => Facts {
                os: Some(os),
                ..Facts::default()
            },
            None => Facts::warning("release file not understood"),
        };
        facts.into_value()
    }
}

/// Parses `KEY=value` lines with shell-style quoting.
fn key_values(content: &str) -> Vec<(String, String)> {
    content
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_owned(), v.replace("\\\"", "\"")))
        })
        .collect()
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Parses one release file by its path.
pub(crate) fn parse(path: &str, content: &str) -> Option<OsRelease> {
    let file = crate::facts::file_name(path);
    match file {
        "os-release" => {
            let kv = key_values(content);
            let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
            let id = get("ID").and_then(|s| opt(&s.to_ascii_lowercase()))?;
            Some(OsRelease {
                id,
                version_id: get("VERSION_ID").and_then(|s| opt(&s)),
                codename: get("VERSION_CODENAME").and_then(|s| opt(&s)),
                pretty_name: get("PRETTY_NAME").and_then(|s| opt(&s)),
                id_like: get("ID_LIKE")
                    .map(|s| s.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
        }
        "lsb-release" => {
            let kv = key_values(content);
            let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
            Some(OsRelease {
                id: get("DISTRIB_ID").and_then(|s| opt(&s.to_ascii_lowercase()))?,
                version_id: get("DISTRIB_RELEASE").and_then(|s| opt(&s)),
                codename: get("DISTRIB_CODENAME").and_then(|s| opt(&s)),
                pretty_name: get("DISTRIB_DESCRIPTION").and_then(|s| opt(&s)),
                id_like: Vec::new(),
            })
        }
        "alpine-release" => Some(OsRelease {
            id: "alpine".into(),
            version_id: opt(content.lines().next().unwrap_or("")),
            ..OsRelease::default()
        }),
        "debian_version" => {
            let v = content.lines().next().unwrap_or("").trim();
            // `12.15` → major `12`; testing/sid say `trixie/sid`.
            let major = v.split('.').next().unwrap_or(v);
            Some(OsRelease {
                id: "debian".into(),
                version_id: major
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| major.to_owned())
                    .filter(|s| !s.is_empty()),
                codename: (!major.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_owned()),
                ..OsRelease::default()
            })
        }
        _ => {
            // redhat-release family: "CentOS Linux release 7.9.2009 (Core)".
            let line = content.lines().next().unwrap_or("").trim();
            let lower = line.to_ascii_lowercase();
            let id = [
                ("centos", "centos"),
                ("red hat", "rhel"),
                ("fedora", "fedora"),
                ("rocky", "rocky"),
                ("almalinux", "almalinux"),
                ("oracle", "ol"),
                ("amazon", "amzn"),
                ("suse", "sles"),
            ]
            .iter()
            .find(|(k, _)| lower.contains(k))
            .map(|(_, v)| (*v).to_owned())?;
            let version = lower
                .split_once("release ")
                .map(|(_, r)| r.split_whitespace().next().unwrap_or("").to_owned())
                .filter(|v| !v.is_empty());
            Some(OsRelease {
                id,
                version_id: version,
                pretty_name: opt(line),
                ..OsRelease::default()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release() {
        let os = parse(
            "usr/lib/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.codename.as_deref(), Some("bookworm"));
    }

    #[test]
    fn legacy() {
        assert_eq!(
            parse("etc/debian_version", "12.15\n")
                .unwrap()
                .version_id
                .as_deref(),
            Some("12")
        );
        let c = parse(
            "etc/centos-release",
            "CentOS Linux release 7.9.2009 (Core)\n",
        )
        .unwrap();
        assert_eq!(
            (c.id.as_str(), c.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        assert_eq!(
            parse("etc/alpine-release", "3.18.4\n").unwrap().id,
            "alpine"
        );
        assert!(parse("etc/os-release", "garbage\n\u{0}").is_none());
    }
}
