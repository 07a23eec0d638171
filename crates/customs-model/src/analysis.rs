//! The contract between the layer walker (`customs-image`) and the analyzers
//! that plug into it (catalogers, secret rules, misconfiguration checks).
//!
//! The walker reads every layer once, concurrently, and offers each tar entry
//! to every registered [`FileAnalyzer`]. An analyzer says from the entry's
//! metadata alone whether it wants it ([`Interest`]); the walker reads the
//! content only if some analyzer asked for it, and hands the same bytes to all
//! of them. An analyzer returns a JSON value per file (or nothing). Results are
//! per layer, so they can be cached by the layer's diffID and reused by any
//! image that shares the layer.
//!
//! After the walk, the results of all layers are merged into an [`Analysis`]:
//! each [`FileRecord`] says in which layer the file was added and, if a later
//! layer deleted or replaced it, in which layer that happened. Post-passes
//! (e.g. the catalog's assembly of packages) read only this, never layer bytes.

use serde::{Deserialize, Serialize};

use crate::Digest;

/// The kind of a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Regular file.
    Regular,
    /// Directory.
    Directory,
    /// Symbolic link.
    Symlink,
    /// Hard link to an earlier entry.
    HardLink,
    /// Device, FIFO or other special file.
    Other,
}

/// What the walker knows about an entry before reading its content.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    /// Normalised path relative to the image root, no leading `/`, no `.` or
    /// `..` components (e.g. `var/lib/dpkg/status`).
    pub path: &'a str,
    /// Entry kind.
    pub kind: EntryKind,
    /// Size of the content in bytes (0 for non-regular entries).
    pub size: u64,
    /// Permission and special bits (`0o4755` for a setuid binary).
    pub mode: u32,
    /// Owner user ID.
    pub uid: u64,
    /// Owner group ID.
    pub gid: u64,
    /// Target of a symbolic or hard link, as stored.
    pub link_target: Option<&'a str>,
}

/// What an analyzer wants of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interest {
    /// Nothing.
    None,
    /// Only the metadata; `analyze` is called with empty content.
    Metadata,
    /// The whole content (regular files only, up to the walker's per-file cap).
    Content,
}

/// An analyzer plugged into the layer walk.
///
/// Implementations must be cheap in [`FileAnalyzer::interest`] (it runs for
/// every entry of every layer) and must never panic on any content.
pub trait FileAnalyzer: Send + Sync {
    /// Stable identifier, e.g. `dpkg-status`. Part of the layer-cache key.
    fn id(&self) -> &'static str;

    /// Version of the analyzer's output; bump it when the output changes so
    /// cached layer results are recomputed.
    fn version(&self) -> u32;

    /// Whether the analyzer wants this entry.
    fn interest(&self, meta: &FileMeta<'_>) -> Interest;

    /// Analyses one entry. `content` is empty unless [`Interest::Content`] was
    /// returned for a regular file. `None` means nothing worth recording.
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value>;
}

/// A shared analyzer is an analyzer: one instance can serve the walk and, through the
/// other handle, work outside it (the secret scanner also scans the image config).
impl<T: FileAnalyzer + ?Sized> FileAnalyzer for std::sync::Arc<T> {
    fn id(&self) -> &'static str {
        (**self).id()
    }

    fn version(&self) -> u32 {
        (**self).version()
    }

    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        (**self).interest(meta)
    }

    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        (**self).analyze(meta, content)
    }
}

/// A layer as the post-passes see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position in the manifest, 0 = base.
    pub index: usize,
    /// Digest of the layer blob as the manifest lists it (absent for `dir:` sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Digest of the uncompressed tar (absent for `dir:` sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
    /// The history `created_by` line that made the layer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// One analyzer's result for one file in one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// [`FileAnalyzer::id`] of the analyzer that produced it.
    pub analyzer: String,
    /// Normalised path relative to the image root (no leading `/`).
    pub path: String,
    /// Index of the layer that added this version of the file.
    pub layer: usize,
    /// Index of the later layer that deleted or replaced it; `None` if it is
    /// in the final filesystem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<usize>,
    /// The analyzer's output.
    pub value: serde_json::Value,
}

impl FileRecord {
    /// Whether this version of the file is in the final filesystem.
    pub fn is_present(&self) -> bool {
        self.removed_in.is_none()
    }

    /// The path with a leading `/`, as reports show it.
    pub fn absolute_path(&self) -> String {
        format!("/{}", self.path)
    }
}

/// The merged results of a walk over all layers of one image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The image's layers, base first.
    pub layers: Vec<LayerRef>,
    /// Every record of every analyzer, sorted by (analyzer, path, layer).
    pub records: Vec<FileRecord>,
    /// Problems met during the walk that did not stop it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::Warning>,
}

impl Analysis {
    /// Records of one analyzer for files in the final filesystem.
    pub fn present<'a>(&'a self, analyzer: &'a str) -> impl Iterator<Item = &'a FileRecord> + 'a {
        self.records
            .iter()
            .filter(move |r| r.analyzer == analyzer && r.is_present())
    }

    /// Records of one analyzer in every layer, deleted and replaced files included.
    pub fn all<'a>(&'a self, analyzer: &'a str) -> impl Iterator<Item = &'a FileRecord> + 'a {
        self.records.iter().filter(move |r| r.analyzer == analyzer)
    }

    /// The layer with this index.
    pub fn layer(&self, index: usize) -> Option<&LayerRef> {
        self.layers.get(index)
    }

    /// A [`crate::Location`] for a record: its absolute path and its layer.
    pub fn location(&self, record: &FileRecord) -> crate::Location {
        let layer = self.layer(record.layer);
        crate::Location {
            path: record.absolute_path(),
            layer_index: Some(record.layer),
            layer_digest: layer.and_then(|l| l.digest.clone()),
            layer_diff_id: layer.and_then(|l| l.diff_id.clone()),
        }
    }
}
