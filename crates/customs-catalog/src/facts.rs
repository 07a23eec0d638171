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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) files: Vec<String>,
    /// For file lists with digests: `path -> digest`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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
