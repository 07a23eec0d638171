//! The JSON every analyzer returns for one file, and the helpers to build it.
//!
//! All analyzers share one shape, [`Facts`], so that the assembly pass can
//! read any record without knowing which parser wrote it. Fields that a given
//! analyzer does not use stay empty and are not serialised.

use std::collections::BTreeMap;

use customs_model::{OsRelease, PackageType, SourcePackage};
use serde::{Deserialize, Serialize};

/// A package as one parser saw it, before deduplication and id assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawPackage {
    /// Ecosystem.
    #[serde(rename = "type")]
    pub(crate) ty: PackageType,
    /// Name as the ecosystem spells it (Maven `group:artifact`).
    pub(crate) name: String,
    /// Full version, possibly empty.
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) arch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<SourcePackage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) supplier: Option<String>,
    /// Files the package owns, absolute paths.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "compact::lines"
    )]
    pub(crate) files: Vec<String>,
    /// Names (or `name@version` where the source is exact) of the packages it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) depends: Vec<String>,
    /// Only needed for development (lockfiles).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) dev: bool,
    /// Path inside the file (a jar inside a jar: `outer.jar!inner.jar`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inner_path: Option<String>,
    /// Index of the package (in the same record) that contains this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) parent: Option<usize>,
    /// Extra purl qualifiers (e.g. rpm `epoch`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) qualifiers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<String, serde_json::Value>,
}

impl RawPackage {
    /// A package with only type, name and version.
    pub(crate) fn new(
        ty: PackageType,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            ty,
            name: name.into(),
            version: version.into(),
            arch: None,
            source: None,
            licenses: Vec::new(),
            supplier: None,
            files: Vec::new(),
            depends: Vec::new(),
            dev: false,
            inner_path: None,
            parent: None,
            qualifiers: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Adds a metadata entry when the value is non-empty.
    pub(crate) fn meta(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        let value = value.into();
        let empty = match &value {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            self.metadata.insert(key.to_owned(), value);
        }
    }
}

/// What one analyzer found in one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Facts {
    /// Packages defined by the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) packages: Vec<RawPackage>,
    /// For file lists (`info/NAME.list`, `NAME.md5sums`): the package they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    /// For file lists: absolute paths.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "compact::lines"
    )]
    pub(crate) files: Vec<String>,
    /// For file lists with digests: `path -> digest`.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "compact::digests"
    )]
    pub(crate) digests: BTreeMap<String, String>,
    /// For licence files (Debian `copyright`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) licenses: Vec<String>,
    /// For OS release files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) os: Option<OsRelease>,
    /// Free-form facts a later pass needs (e.g. dev dependency names of a `package.json`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) extra: BTreeMap<String, serde_json::Value>,
    /// What could not be read; the path is the record's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) warnings: Vec<String>,
}

impl Facts {
    /// Facts holding only a warning.
    pub(crate) fn warning(message: impl Into<String>) -> Self {
        Self {
            warnings: vec![message.into()],
            ..Self::default()
        }
    }

    /// Whether nothing was found.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Serialises for the walker; `None` when there is nothing to record.
    pub(crate) fn into_value(self) -> Option<serde_json::Value> {
        if self.is_empty() {
            return None;
        }
        serde_json::to_value(self).ok()
    }
}

/// Compact JSON forms of the two big fields, file lists and file digests.
///
/// An image's dpkg file lists, Python `RECORD`s and rpm/apk file lists hold
/// hundreds of thousands of paths. As JSON arrays and objects, every path is a
/// `serde_json::Value` of its own, held by the walk results, written to and
/// read from the layer cache, and parsed again by the assembly: most of the
/// catalog's memory and a good part of its time. As one newline-joined string
/// per record they are one allocation each. Readers accept both forms, so
/// older cache entries still read; the writers fall back to the plain form
/// when an item cannot be joined unambiguously.
pub(crate) mod compact {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{self, MapAccess, SeqAccess, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    /// `Vec<String>` as `"a\nb\nc"`.
    pub(crate) mod lines {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
            if v.iter().any(|p| p.is_empty() || p.contains('\n')) {
                return v.serialize(s);
            }
            s.serialize_str(&v.join("\n"))
        }

        struct V;

        impl<'de> Visitor<'de> for V {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a newline-joined string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(v.split('\n').map(str::to_owned).collect())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(out)
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<String>, D::Error> {
            d.deserialize_any(V)
        }
    }

    /// `BTreeMap<path, digest>` as `"DIGEST PATH\n..."` (digests hold no space).
    pub(crate) mod digests {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            m: &BTreeMap<String, String>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let plain = m
                .iter()
                .any(|(k, v)| k.contains('\n') || v.is_empty() || v.contains([' ', '\n']));
            if plain {
                return m.serialize(s);
            }
            let mut out = String::with_capacity(m.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
            for (k, v) in m {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(v);
                out.push(' ');
                out.push_str(k);
            }
            s.serialize_str(&out)
        }

        struct V;

        impl<'de> Visitor<'de> for V {
            type Value = BTreeMap<String, String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("digest lines or a map of path to digest")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let mut out = BTreeMap::new();
                for line in v.split('\n').filter(|l| !l.is_empty()) {
                    let (digest, path) = line
                        .split_once(' ')
                        .ok_or_else(|| E::custom("digest line without a path"))?;
                    out.insert(path.to_owned(), digest.to_owned());
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<String, String>, D::Error> {
            d.deserialize_any(V)
        }
    }
}

/// Decodes bytes as UTF-8, replacing invalid sequences (fields may be Latin-1).
pub(crate) fn text(content: &[u8]) -> std::borrow::Cow<'_, str> {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    String::from_utf8_lossy(content)
}

/// The last component of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The parent folder of a path (`""` at the root).
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').and_then(|i| path.get(..i)).unwrap_or("")
}

/// Joins a folder and a relative path.
pub(crate) fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Normalises a path to absolute form with `.`/`..` resolved lexically.
pub(crate) fn absolute(path: &str) -> String {
    // Nearly every path (dpkg lists, RECORD files) is clean already: one
    // copy instead of splitting and joining (tens of thousands per image).
    let rel = path.strip_prefix('/').unwrap_or(path);
    if !rel.is_empty() && rel.split('/').all(|p| !matches!(p, "" | "." | "..")) {
        let mut out = String::with_capacity(rel.len() + 1);
        out.push('/');
        out.push_str(rel);
        return out;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether an entry has file content: a regular file, or a hard link (the
/// walker hands a hard link its target's content, so each linked path is
/// analysed like the file it names).
pub(crate) fn is_file(kind: customs_model::analysis::EntryKind) -> bool {
    matches!(
        kind,
        customs_model::analysis::EntryKind::Regular | customs_model::analysis::EntryKind::HardLink
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_resolve_dots_and_empty_parts_lexically() {
        for (input, want) in [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            (".", "/"),
            ("..", "/"),
            ("a", "/a"),
            ("/a", "/a"),
            ("a/b/c", "/a/b/c"),
            ("/a/b/c", "/a/b/c"),
            ("a/b/", "/a/b"),
            ("a//b", "/a/b"),
            ("./a/./b", "/a/b"),
            ("a/../b", "/b"),
            ("../../a", "/a"),
            ("a/b/..", "/a"),
            ("a/.b/..c/...", "/a/.b/..c/..."),
            (
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
            ),
        ] {
            assert_eq!(absolute(input), want, "{input:?}");
        }
    }

    #[test]
    fn file_lists_and_digests_round_trip_in_compact_and_plain_form() {
        let mut f = Facts {
            owner: Some("libc6".into()),
            files: vec!["/lib/a b".into(), "/usr/lib/x".into()],
            ..Facts::default()
        };
        f.digests.insert("/lib/a b".into(), "md5:00ff".into());
        f.digests.insert("/usr/lib/x".into(), "md5:11ee".into());
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["files"], "/lib/a b\n/usr/lib/x");
        assert_eq!(v["digests"], "md5:00ff /lib/a b\nmd5:11ee /usr/lib/x");
        assert_eq!(Facts::deserialize(&v).unwrap(), f);
        // The plain form (older cache entries) still reads.
        let plain = serde_json::json!({
            "owner": "libc6",
            "files": ["/lib/a b", "/usr/lib/x"],
            "digests": {"/lib/a b": "md5:00ff", "/usr/lib/x": "md5:11ee"},
        });
        assert_eq!(Facts::deserialize(&plain).unwrap(), f);
        // A path with a newline cannot be joined: the plain form is written.
        let odd = Facts {
            files: vec!["/a\nb".into()],
            ..Facts::default()
        };
        let v = serde_json::to_value(&odd).unwrap();
        assert!(v["files"].is_array());
        assert_eq!(Facts::deserialize(&v).unwrap(), odd);
        let mut p = RawPackage::new(PackageType::Apk, "musl", "1.2");
        p.files = vec!["/lib/ld-musl-x86_64.so.1".into()];
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["files"], "/lib/ld-musl-x86_64.so.1");
        assert_eq!(RawPackage::deserialize(&v).unwrap(), p);
    }
}
