//! Bounds on untrusted image input.

/// Bounds applied while opening and walking an image. Every limit breach is an
/// error that names the limit and the flag that raises it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest manifest or index document (bytes). Default 4 MiB.
    pub max_manifest_bytes: u64,
    /// Largest image config (bytes). Default 16 MiB.
    pub max_config_bytes: u64,
    /// Largest total of uncompressed layer bytes in one image. Default 64 GiB.
    pub max_total_uncompressed: u64,
    /// Largest uncompressed layer. Default 32 GiB.
    pub max_layer_uncompressed: u64,
    /// Largest file whose content is handed to analyzers; larger files are
    /// walked but not read (a warning says so). Default 512 MiB.
    pub max_file_bytes: u64,
    /// Most entries in one layer. Default 5,000,000.
    pub max_entries_per_layer: u64,
    /// Deepest nesting of indexes. Default 4.
    pub max_index_depth: usize,
    /// Most symlinks followed when resolving one path. Default 40 (as Linux).
    pub max_symlink_hops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 4 << 20,
            max_config_bytes: 16 << 20,
            max_total_uncompressed: 64 << 30,
            max_layer_uncompressed: 32 << 30,
            max_file_bytes: 512 << 20,
            max_entries_per_layer: 5_000_000,
            max_index_depth: 4,
            max_symlink_hops: 40,
        }
    }
}
