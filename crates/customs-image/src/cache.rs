//! Per-layer analysis results, kept under the user's cache directory and
//! keyed by the layer's diffID and the analyzer set, so an image that shares
//! base layers with one scanned before only analyses its new layers.
//!
//! The store is a directory of files, one per (analyzer set, layer), written
//! atomically (temporary file + rename): readers never see a half-written
//! entry, and concurrent scans can share one cache.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use customs_model::Digest;

use crate::walk::LayerResult;
use crate::Error;

/// Format version of cache entries; bump when `LayerResult` changes shape.
const CACHE_FORMAT: u32 = 2;

/// Most bytes of one cache entry read back (a corrupt or foreign file must
/// not exhaust memory).
const MAX_ENTRY_BYTES: u64 = 2 << 30;

/// A layer cache rooted in a directory.
#[derive(Debug, Clone)]
pub struct LayerCache {
    root: PathBuf,
}

impl LayerCache {
    /// Opens (creating) a cache under `dir`.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        let root = dir.join("layers");
        std::fs::create_dir_all(&root).map_err(|source| Error::Cache {
            path: root.clone(),
            source,
        })?;
        Ok(Self { root })
    }

    /// The default cache directory: `$XDG_CACHE_HOME/customs` or `~/.cache/customs`.
    pub fn default_dir() -> PathBuf {
        if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(x).join("customs");
        }
        if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(h).join(".cache").join("customs");
        }
        std::env::temp_dir().join("customs-cache")
    }

    fn entry_path(&self, signature: &str, diff_id: &Digest) -> PathBuf {
        self.root
            .join(format!("v{CACHE_FORMAT}-{signature}"))
            .join(format!(
                "{}-{}.json.zst",
                diff_id.algorithm().name(),
                diff_id.hex()
            ))
    }

    pub(crate) fn get(&self, signature: &str, diff_id: &Digest) -> Option<LayerResult> {
        let path = self.entry_path(signature, diff_id);
        let f = std::fs::File::open(path).ok()?;
        let mut bytes = Vec::new();
        zstd::stream::read::Decoder::new(f)
            .ok()?
            .take(MAX_ENTRY_BYTES)
            .read_to_end(&mut bytes)
            .ok()?;
        // An unreadable entry is a miss, never an error: it is recomputed.
        serde_json::from_slice(&bytes).ok()
    }

    pub(crate) fn put(
        &self,
        signature: &str,
        diff_id: &Digest,
        result: &LayerResult,
    ) -> std::io::Result<()> {
        let path = self.entry_path(signature, diff_id);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        std::fs::create_dir_all(&dir)?;
        let tmp = crate::source::tar_index::TempFile::create(&dir, "cache")?;
        {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&tmp.0)?;
            let mut enc = zstd::stream::write::Encoder::new(f, 1)?;
            serde_json::to_writer(&mut enc, result)?;
            enc.finish()?.flush()?;
        }
        std::fs::rename(&tmp.0, &path)?;
        Ok(())
    }

    /// Removes every cached entry.
    pub fn clean(&self) -> Result<u64, Error> {
        let mut removed = 0u64;
        let rd = match std::fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(source) => {
                return Err(Error::Cache {
                    path: self.root.clone(),
                    source,
                })
            }
        };
        for entry in rd.flatten() {
            let p = entry.path();
            // Only our own entries: a symlink planted here is removed, never followed.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let r = if is_dir {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            r.map_err(|source| Error::Cache {
                path: p.clone(),
                source,
            })?;
            removed += 1;
        }
        Ok(removed)
    }
}
