//! Opens container images from any source and walks their layers.
//!
//! A [`Target`] names a source (`docker-archive:PATH`, `oci-layout:PATH`,
//! `dir:PATH`, `registry:REF` or a bare reference). [`open`] resolves it to an
//! [`Image`]: the manifest, the config and the layer list, every one of them
//! digest-verified before a byte of it is interpreted. [`walk`] then streams
//! every layer once, on all cores, verifying each layer's digest and diffID,
//! and offers each tar entry to the registered
//! [`FileAnalyzer`](customs_model::analysis::FileAnalyzer)s. The merged result
//! is an [`customs_model::analysis::Analysis`] (every record knows the layer
//! that removed its file, if one did) plus, on request, a [`FileTree`] that
//! knows, for every path, which layers added, changed or deleted it.
//!
//! Nothing here writes outside the cache directory it is given, and nothing
//! follows a path or symlink out of the image root.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cache;
mod error;
mod gzip;
mod image;
mod limits;
mod path;
pub mod source;
mod target;
mod tree;
mod verify;
mod walk;

pub use cache::LayerCache;
pub use error::Error;
pub use image::{open, Image, LayerInfo, OpenOptions};
pub use limits::Limits;
pub use path::normalize_entry_path;
pub use target::{Selector, Target};
pub use tree::{Change, ChangeKind, FileTree, TreeEntry};
pub use walk::{walk, LayerStats, NoProgress, Progress, WalkOptions, WalkResult};
