//! Packages found in an image, where they were found, and how they relate.
//!
//! The catalog crate fills these types; SBOM writers, the vulnerability matcher
//! and policies read them. Ownership of this module: the catalog work. Other
//! crates treat it as read-only vocabulary.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Digest;

/// The kind of package, named as the package-url spec names its types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PackageType {
    /// Debian package (dpkg).
    Deb,
    /// RPM package.
    Rpm,
    /// Alpine package (apk).
    Apk,
    /// Python distribution.
    Pypi,
    /// npm package.
    Npm,
    /// Go module (including the `stdlib` pseudo-module).
    Golang,
    /// Maven artifact (jar, war, ear, ...).
    Maven,
    /// Rust crate.
    Cargo,
    /// Ruby gem.
    Gem,
    /// PHP Composer package.
    Composer,
    /// .NET NuGet package.
    Nuget,
}

impl PackageType {
    /// The package-url type string.
    pub fn purl_type(self) -> &'static str {
        match self {
            Self::Deb => "deb",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pypi => "pypi",
            Self::Npm => "npm",
            Self::Golang => "golang",
            Self::Maven => "maven",
            Self::Cargo => "cargo",
            Self::Gem => "gem",
            Self::Composer => "composer",
            Self::Nuget => "nuget",
        }
    }

    /// Whether this is an operating-system package type.
    pub fn is_os(self) -> bool {
        matches!(self, Self::Deb | Self::Rpm | Self::Apk)
    }
}

impl fmt::Display for PackageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.purl_type())
    }
}

/// The source package an OS package was built from (`Source:` in dpkg,
/// `o:` origin in apk, `SOURCERPM` in rpm).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source version when it differs from the binary's or is stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Where a package was found: a path inside the image and the layer that
/// introduced the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Path inside the image, absolute (starting with `/`).
    pub path: String,
    /// Position of the layer in the manifest (0 = base), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// Digest of the layer blob as the manifest lists it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<Digest>,
    /// Digest of the uncompressed layer tar (`rootfs.diff_ids`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_diff_id: Option<Digest>,
}

impl Location {
    /// A location with only a path.
    pub fn path(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            layer_index: None,
            layer_digest: None,
            layer_diff_id: None,
        }
    }
}

/// One package, from any ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Identifier unique within one [`Catalog`] and stable across runs over the
    /// same image (derived from type, name, version and first location).
    pub id: String,
    /// Ecosystem.
    #[serde(rename = "type")]
    pub package_type: PackageType,
    /// Name as the ecosystem spells it (Maven: `group:artifact`).
    pub name: String,
    /// Full version string (dpkg: `[epoch:]upstream[-revision]`; rpm: `[epoch:]version-release`).
    pub version: String,
    /// package-url, exactly per the purl spec for the type.
    pub purl: String,
    /// CPU architecture, when the source states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Source package, for OS packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    /// Licences: SPDX expressions where they could be normalised, else the text found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Maintainer, author or vendor, as stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// Where the package was found, first the one that defines it.
    pub locations: Vec<Location>,
    /// Files the package owns (OS packages), absolute paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Extra facts per ecosystem (installed size, apk commit, go main module, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

/// How two catalog entries relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RelationshipKind {
    /// `from` (an OS package) owns the files in which `to` was found.
    Owns,
    /// `from` depends on `to`, as the source states.
    DependsOn,
    /// `from` contains `to` (a jar in a jar, a binary's embedded modules).
    Contains,
}

/// An edge between two packages of a [`Catalog`], by [`Package::id`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    /// Source package id.
    pub from: String,
    /// Kind of edge.
    pub kind: RelationshipKind,
    /// Target package id.
    pub to: String,
}

/// The operating system of an image, from `os-release` and friends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`, `rhel`, ...).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.18.4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// Everything the catalog found in one image or directory.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Operating system, if detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsRelease>,
    /// Packages, sorted by (type, name, version, id), each exactly once.
    pub packages: Vec<Package>,
    /// Edges between packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// What could not be read, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::Warning>,
}
