//! SBOM writers and readers for customs.
//!
//! [`write`] turns a [`Catalog`] and the image it came from ([`Subject`]) into
//! one of four documents ([`Format`]): SPDX 2.3 JSON, SPDX 2.3 tag-value,
//! CycloneDX 1.6 (or 1.5) JSON, or customs' own JSON. Output is
//! deterministic: identifiers (SPDXIDs, `bom-ref`s, the document namespace and
//! the CycloneDX serial number) are derived from the content, and every list
//! is written in a stable order, so two runs over one image differ only in the
//! creation time the caller passes in [`WriteOptions::created`].
//!
//! [`read`] takes SPDX 2.2/2.3 JSON, SPDX tag-value, CycloneDX 1.2–1.6 JSON or
//! customs JSON, whoever wrote it (customs, Trivy, Syft, …), and returns the
//! same model. It is meant for untrusted input: size, nesting depth and value
//! and package counts are bounded by [`Limits`].
//!
//! ```
//! use customs_model::Catalog;
//! use customs_sbom::{read, write, Format, Subject, ToolInfo, WriteOptions};
//!
//! let subject = Subject::named("registry.example/app:1.0");
//! let opts = WriteOptions::new("2024-01-01T00:00:00Z", ToolInfo::new("customs", "0.1.0"));
//! let mut out = Vec::new();
//! write(Format::CycloneDxJson, &Catalog::default(), &subject, &opts, &mut out).unwrap();
//! let (catalog, subject) = read(&out).unwrap();
//! assert!(catalog.packages.is_empty());
//! assert_eq!(subject.unwrap().name, "registry.example/app:1.0");
//! ```
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod cyclonedx;
mod error;
mod license;
mod limits;
mod native;
mod purl;
mod spdx;

use std::fmt;
use std::str::FromStr;

use customs_model::analysis::LayerRef;
use customs_model::{Catalog, Digest};
use serde::{Deserialize, Serialize};

pub use error::Error;
pub use limits::Limits;

/// The image (or directory) an SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subject {
    /// The reference as the user gave it (`debian:bookworm`, `oci:./img.tar`).
    pub name: String,
    /// The config digest (image ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<Digest>,
    /// The manifest digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    /// `repository@digest` references the image is known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_digests: Vec<String>,
    /// Layers, base first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerRef>,
    /// `os/arch[/variant]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

impl Subject {
    /// A subject known only by name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// The program that wrote an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Program name (`customs`).
    pub name: String,
    /// Program version.
    pub version: String,
}

impl ToolInfo {
    /// Builds one.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// Which CycloneDX specification version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CycloneDxVersion {
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6 (the default).
    #[default]
    V1_6,
}

impl CycloneDxVersion {
    /// The `specVersion` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_5 => "1.5",
            Self::V1_6 => "1.6",
        }
    }
}

/// How to write an SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Creation time, RFC 3339 (`2024-01-01T00:00:00Z`). The caller supplies
    /// it so that output is reproducible in tests.
    pub created: String,
    /// The program writing the SBOM.
    pub tool: ToolInfo,
    /// CycloneDX version for [`Format::CycloneDxJson`].
    pub cyclonedx_version: CycloneDxVersion,
}

impl WriteOptions {
    /// Options with the default CycloneDX version.
    pub fn new(created: impl Into<String>, tool: ToolInfo) -> Self {
        Self {
            created: created.into(),
            tool,
            cyclonedx_version: CycloneDxVersion::default(),
        }
    }
}

/// An SBOM document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// SPDX 2.3 JSON (`spdx-json`).
    SpdxJson,
    /// SPDX 2.3 tag-value (`spdx`).
    SpdxTagValue,
    /// CycloneDX JSON (`cyclonedx-json`).
    CycloneDxJson,
    /// customs' own JSON (`json`): the catalog and subject as they are.
    CustomsJson,
}

impl Format {
    /// The name [`FromStr`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::SpdxJson => "spdx-json",
            Self::SpdxTagValue => "spdx",
            Self::CycloneDxJson => "cyclonedx-json",
            Self::CustomsJson => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "spdx-json" => Ok(Self::SpdxJson),
            "spdx" | "spdx-tag-value" | "spdx-tv" => Ok(Self::SpdxTagValue),
            "cyclonedx-json" | "cyclonedx" => Ok(Self::CycloneDxJson),
            "json" | "customs-json" => Ok(Self::CustomsJson),
            _ => Err(Error::UnknownFormatName(s.to_owned())),
        }
    }
}

/// Writes `catalog`, found in `subject`, as an SBOM in `format`.
pub fn write(
    format: Format,
    catalog: &Catalog,
    subject: &Subject,
    opts: &WriteOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let bytes = match format {
        Format::SpdxJson => common::to_json(&spdx::document(catalog, subject, opts))?,
        Format::SpdxTagValue => {
            spdx::tag_value(&spdx::document(catalog, subject, opts)).into_bytes()
        }
        Format::CycloneDxJson => common::to_json(&cyclonedx::document(catalog, subject, opts))?,
        Format::CustomsJson => common::to_json(&native::document(catalog, subject, opts))?,
    };
    out.write_all(&bytes).map_err(Error::Write)?;
    out.flush().map_err(Error::Write)
}

/// Reads an SBOM with the default [`Limits`]; see [`read_with_limits`].
pub fn read(bytes: &[u8]) -> Result<(Catalog, Option<Subject>), Error> {
    read_with_limits(bytes, &Limits::default())
}

/// Reads an SBOM in any format this crate knows, telling them apart by
/// content. Packages whose ecosystem the model does not know (no purl, or a
/// purl type such as `generic`) are left out, with a [`customs_model::Warning`]
/// in the catalog saying how many. Packages come back sorted by
/// (type, name, version, id).
pub fn read_with_limits(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Catalog, Option<Subject>), Error> {
    if bytes.len() > limits.max_bytes {
        return Err(Error::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    let (mut catalog, subject) = if first == Some(b'{') {
        limits.check_json(bytes)?;
        match common::sniff(bytes)? {
            common::Kind::Spdx(version) => spdx::read_json(bytes, &version)?,
            common::Kind::CycloneDx(version) => cyclonedx::read(bytes, &version)?,
            common::Kind::Customs(version) => native::read(bytes, version)?,
        }
    } else if bytes.starts_with(b"SPDXVersion:") || spdx::looks_like_tag_value(bytes) {
        spdx::read_tag_value(bytes, limits)?
    } else {
        return Err(Error::UnknownFormat);
    };
    if catalog.packages.len() > limits.max_packages {
        return Err(Error::TooManyPackages {
            limit: limits.max_packages,
        });
    }
    common::normalise(&mut catalog);
    Ok((catalog, subject))
}
