//! Where blobs come from: archives, layouts, directories and registries.
//!
//! Every source implements [`BlobSource`]: given a descriptor it opens the
//! blob as a stream. Digest verification happens in the caller, on the
//! stream, so no source can skip it.

use std::io::Read;

use customs_oci::Descriptor;

use crate::Error;

mod docker_archive;
mod member_hash;
mod oci_layout;
mod once;
pub(crate) mod tar_index;

pub(crate) use docker_archive::{open_docker_archive, DOCKER_LAYER_TAR};
pub(crate) use oci_layout::{open_oci_layout, read_manifest as oci_layout_read_manifest};
pub(crate) use registry::open_registry;

mod registry;

/// Opens blobs of one image source.
pub trait BlobSource: Send + Sync {
    /// A stream of the blob's bytes, as stored (compressed layers stay compressed).
    fn open_blob(&self, descriptor: &Descriptor) -> Result<Box<dyn Read + Send + '_>, Error>;

    /// The blob's SHA-256 when the source already computed it from the very
    /// bytes `open_blob` will return (a copy it made itself), so the reader
    /// need not hash them again. The reader still compares it with the
    /// descriptor. `None` (the default): hash while reading.
    fn known_sha256(&self, _descriptor: &Descriptor) -> Option<customs_model::Digest> {
        None
    }

    /// A human-readable name of the source, for messages.
    fn name(&self) -> String;
}
