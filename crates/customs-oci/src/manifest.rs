//! Manifests, indexes, descriptors and image configs.

use std::collections::BTreeMap;

use customs_model::Digest;
use serde::{Deserialize, Serialize};

use crate::media_type as mt;
use crate::Platform;

/// A content descriptor: what a blob is, how big, and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    pub media_type: String,
    /// Digest of the referenced content.
    pub digest: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Platform, in index entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Artifact type (OCI 1.1), in referrers index entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Alternative download locations (foreign layers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

/// An image manifest (OCI v1 or Docker v2 schema 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// Media type, when stated (required by Docker, optional in OCI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Artifact type (OCI 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// Layers, base first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// Subject (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index (OCI) or manifest list (Docker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Always 2.
    pub schema_version: u32,
    /// Media type, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Artifact type (OCI 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Entries.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Subject (OCI 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Index {
    /// The entry for a platform, skipping attestation manifests (BuildKit's
    /// `unknown/unknown` entries).
    pub fn select(&self, wanted: &Platform) -> Option<&Descriptor> {
        self.manifests
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| wanted.matches(p)))
    }

    /// Platforms offered, for error messages.
    pub fn platforms(&self) -> Vec<String> {
        self.manifests
            .iter()
            .filter_map(|d| d.platform.as_ref())
            .filter(|p| p.os != "unknown")
            .map(ToString::to_string)
            .collect()
    }
}

/// What kind of document a manifest body is.
// One value per fetched document, never stored in bulk: the size difference
// between the variants costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestKind {
    /// A single-image manifest.
    Manifest(Manifest),
    /// An index / manifest list.
    Index(Index),
}

/// A manifest body could not be understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestParseError {
    /// Docker schema 1, which customs does not read.
    #[error("manifest is Docker schema 1, which is deprecated and unsupported")]
    Schema1,
    /// A media type that is neither a manifest nor an index.
    #[error("unsupported manifest media type {0:?}")]
    UnsupportedMediaType(String),
    /// Not valid JSON of the expected shape.
    #[error("manifest is not valid JSON of a known shape")]
    Json(#[source] serde_json::Error),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    config: Option<serde::de::IgnoredAny>,
}

/// Parses a manifest or index. `content_type` is the HTTP `Content-Type` or the
/// descriptor's media type, when known; the body's own `mediaType` wins.
pub fn parse_manifest_kind(
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<ManifestKind, ManifestParseError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(ManifestParseError::Json)?;
    let media = probe.media_type.as_deref().or(content_type).map(|m| {
        // Content-Type may carry parameters.
        m.split(';').next().unwrap_or("").trim().to_owned()
    });
    if probe.schema_version == Some(1)
        || matches!(
            media.as_deref(),
            Some(mt::DOCKER_SCHEMA1 | mt::DOCKER_SCHEMA1_SIGNED)
        )
    {
        return Err(ManifestParseError::Schema1);
    }
    let is_index = match media.as_deref() {
        Some(mt::OCI_INDEX | mt::DOCKER_MANIFEST_LIST) => true,
        Some(mt::OCI_MANIFEST | mt::DOCKER_MANIFEST) => false,
        Some(other) if !other.is_empty() && other != "application/json" => {
            // An unknown type: decide by shape, like containerd does for OCI
            // artifacts, but refuse clearly unrelated types.
            if probe.manifests.is_some() {
                true
            } else if probe.config.is_some() {
                false
            } else {
                return Err(ManifestParseError::UnsupportedMediaType(other.to_owned()));
            }
        }
        _ => probe.manifests.is_some() && probe.config.is_none(),
    };
    if is_index {
        serde_json::from_slice(bytes)
            .map(ManifestKind::Index)
            .map_err(ManifestParseError::Json)
    } else {
        serde_json::from_slice(bytes)
            .map(ManifestKind::Manifest)
            .map_err(ManifestParseError::Json)
    }
}

/// The image config blob (OCI image config / Docker container config).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImageConfig {
    /// Creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// Architecture variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Runtime defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RuntimeConfig>,
    /// Layer diffIDs.
    #[serde(default)]
    pub rootfs: RootFs,
    /// Build history, oldest first.
    #[serde(default)]
    pub history: Vec<History>,
}

impl ImageConfig {
    /// The platform the config states.
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            os_version: None,
        }
    }

    /// For each layer (by index), the history entry that created it: entries
    /// with `empty_layer: true` have no layer.
    pub fn layer_history(&self) -> Vec<Option<&History>> {
        let mut out = Vec::with_capacity(self.rootfs.diff_ids.len());
        let mut non_empty = self.history.iter().filter(|h| !h.empty_layer);
        for _ in &self.rootfs.diff_ids {
            out.push(non_empty.next());
        }
        out
    }
}

/// `rootfs` of a config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Digests of the uncompressed layer tars, base first.
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct History {
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The build step (`/bin/sh -c apt-get install …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the step made no layer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Runtime defaults of a config (`config` in OCI, `config` in Docker).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeConfig {
    /// `USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ENV`, as `NAME=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// `ENTRYPOINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `CMD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `WORKDIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `EXPOSE`, keys like `8080/tcp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    /// `VOLUME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// `LABEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `STOPSIGNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// `HEALTHCHECK` (Docker extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheck>,
}

impl RuntimeConfig {
    /// Names of the environment variables, without values (values may hold secrets).
    pub fn env_names(&self) -> Vec<String> {
        self.env
            .iter()
            .flatten()
            .map(|e| e.split_once('=').map_or(e.as_str(), |(n, _)| n).to_owned())
            .collect()
    }
}

/// Docker's `HEALTHCHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthCheck {
    /// `["CMD", …]`, `["CMD-SHELL", …]` or `["NONE"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Vec<String>>,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinds() {
        let m = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":2},"layers":[]}"#;
        assert!(matches!(
            parse_manifest_kind(m, None),
            Ok(ManifestKind::Manifest(_))
        ));
        let i = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(matches!(
            parse_manifest_kind(i, None),
            Ok(ManifestKind::Index(_))
        ));
        let s1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            parse_manifest_kind(s1, None),
            Err(ManifestParseError::Schema1)
        ));
        assert!(matches!(
            parse_manifest_kind(b"<html>", None),
            Err(ManifestParseError::Json(_))
        ));
        let weird = br#"{"schemaVersion":2,"mediaType":"text/plain"}"#;
        assert!(matches!(
            parse_manifest_kind(weird, None),
            Err(ManifestParseError::UnsupportedMediaType(_))
        ));
    }

    #[test]
    fn layer_history_skips_empty() {
        let cfg: ImageConfig = serde_json::from_str(r#"{"architecture":"amd64","os":"linux",
          "rootfs":{"type":"layers","diff_ids":["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]},
          "history":[{"created_by":"ENV A=1","empty_layer":true},{"created_by":"RUN x"}],
          "config":{"Env":["A=1","SECRET=x"]}}"#).unwrap();
        let h = cfg.layer_history();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].unwrap().created_by.as_deref(), Some("RUN x"));
        assert_eq!(cfg.config.unwrap().env_names(), vec!["A", "SECRET"]);
    }
}
