//! Errors of opening and walking images.

use std::path::PathBuf;

use customs_model::Digest;

/// Why an image could not be opened or walked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target string is not a known source syntax.
    #[error("cannot understand image target {target:?}: {reason}")]
    InvalidTarget {
        /// Input.
        target: String,
        /// Why.
        reason: String,
    },
    /// A file of the source could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The archive is not a tar, or is truncated.
    #[error("{} is not a readable tar archive", path.display())]
    BadArchive {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A required file of the image format is missing.
    #[error("{what} not found in {source_name}")]
    Missing {
        /// What (e.g. `manifest.json`, `blob sha256:…`).
        what: String,
        /// Which source.
        source_name: String,
    },
    /// Several images in the source and none selected.
    #[error("{source_name} holds {count} images; pick one with :TAG or @DIGEST ({choices})")]
    Ambiguous {
        /// Which source.
        source_name: String,
        /// How many.
        count: usize,
        /// What can be selected.
        choices: String,
    },
    /// The selector matched nothing.
    #[error("no image {selector} in {source_name} (available: {choices})")]
    NoSuchImage {
        /// Selector text.
        selector: String,
        /// Which source.
        source_name: String,
        /// What is there.
        choices: String,
    },
    /// No index entry for the wanted platform.
    #[error("no image for platform {wanted} in the index (available: {available})")]
    NoPlatform {
        /// Wanted.
        wanted: String,
        /// Offered.
        available: String,
    },
    /// A blob's content does not hash to its digest.
    #[error("blob {expected} does not match its digest (content hashes to {actual})")]
    DigestMismatch {
        /// Expected.
        expected: Digest,
        /// Actual.
        actual: Digest,
    },
    /// A blob's size differs from its descriptor.
    #[error("blob {digest} has {actual} bytes, its descriptor says {expected}")]
    SizeMismatch {
        /// Blob.
        digest: Digest,
        /// Descriptor size.
        expected: u64,
        /// Read size.
        actual: u64,
    },
    /// A layer's uncompressed content does not hash to the config's diffID.
    #[error("layer {index} ({digest}) does not match its diffID {expected} (uncompressed content hashes to {actual})")]
    DiffIdMismatch {
        /// Layer position.
        index: usize,
        /// Layer blob digest.
        digest: Digest,
        /// From the config.
        expected: Digest,
        /// Computed.
        actual: Digest,
    },
    /// The manifest's layer count differs from the config's diffIDs.
    #[error("manifest lists {layers} layers but the config lists {diff_ids} diffIDs")]
    LayerCountMismatch {
        /// Manifest layers.
        layers: usize,
        /// Config diff IDs.
        diff_ids: usize,
    },
    /// JSON of a manifest, index or config is malformed.
    #[error("{what} is not valid")]
    BadJson {
        /// What.
        what: String,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// Manifest kind problem (schema 1, unknown media type).
    #[error("manifest {what} cannot be used")]
    Manifest {
        /// Which manifest.
        what: String,
        /// Cause.
        #[source]
        source: customs_oci::ManifestParseError,
    },
    /// A layer could not be decompressed or parsed as tar.
    #[error("layer {index} ({digest}) is corrupt")]
    CorruptLayer {
        /// Layer position.
        index: usize,
        /// Layer digest.
        digest: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A limit was exceeded.
    #[error(
        "{what} exceeds the limit of {limit} {unit}; raise it with {flag} if the input is trusted"
    )]
    LimitExceeded {
        /// What.
        what: String,
        /// Limit.
        limit: u64,
        /// Unit.
        unit: &'static str,
        /// CLI flag that raises it.
        flag: &'static str,
    },
    /// An index nested inside indexes beyond reason.
    #[error("index nesting deeper than {0} levels")]
    IndexTooDeep(usize),
    /// Registry access failed.
    #[error("registry access failed for {reference}")]
    Registry {
        /// Reference.
        reference: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The layer cache could not be used.
    #[error("layer cache at {} is unusable", path.display())]
    Cache {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A one-line hint for the user, when there is a useful one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::InvalidTarget { .. } => Some(
                "targets are docker-archive:PATH, oci-layout:PATH[:tag|@digest], dir:PATH, registry:REF or a bare image reference",
            ),
            Self::DigestMismatch { .. } | Self::DiffIdMismatch { .. } | Self::SizeMismatch { .. } => {
                Some("the image is corrupt or was tampered with; fetch it again from a trusted source")
            }
            Self::CorruptLayer { .. } | Self::BadArchive { .. } => {
                Some("the file may be truncated; check its size and checksum")
            }
            Self::Ambiguous { .. } | Self::NoSuchImage { .. } => {
                Some("append :TAG or @sha256:DIGEST to the target to pick an image")
            }
            Self::NoPlatform { .. } => Some("choose one with --platform os/arch[/variant]"),
            Self::Cache { .. } => Some("run `customs cache clean` or pass --no-cache"),
            _ => None,
        }
    }
}

pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
