//! Where blobs come from: archives, layouts, directories and registries.
//!
//! Every source implements [`BlobSource`]: given a descriptor it opens the
//! blob as a stream. Digest verification happens in the caller, on the
//! stream, so no source can skip it.

use std::io::{self, Read};

use customs_oci::Descriptor;

use crate::Error;

mod docker_archive;
mod member_hash;
mod oci_layout;
mod once;
mod prefetch;
pub(crate) mod tar_index;

pub(crate) use docker_archive::{open_docker_archive, DOCKER_LAYER_TAR};
pub(crate) use oci_layout::{open_oci_layout, read_manifest as oci_layout_read_manifest};
pub(crate) use registry::open_registry;

mod registry;

/// A stream that can hand over whole buffers instead of copying into them.
///
/// The layer walk reads blobs through this: a source that reads ahead into
/// buffers of its own (see `prefetch`) swaps a filled one for the caller's,
/// so the bytes are never copied between the two. Every other reader keeps
/// the default, a plain [`Read::read`].
pub trait ChunkRead: Read {
    /// Puts the next bytes at the start of `buf` and returns how many. It
    /// may replace `buf` with another buffer (of any length) that already
    /// holds them. `Ok(0)` is the end of the stream, as with [`Read::read`].
    fn read_chunk(&mut self, buf: &mut Chunk) -> io::Result<usize> {
        self.read(buf)
    }
}

/// A buffer that a [`ChunkRead`] fills or replaces.
pub struct Chunk(ChunkMemory);

enum ChunkMemory {
    Heap(Box<[u8]>),
    Mapped(memmap2::MmapMut),
}

impl Chunk {
    /// A zeroed buffer from the allocator.
    pub fn heap(len: usize) -> Self {
        Self(ChunkMemory::Heap(vec![0u8; len].into_boxed_slice()))
    }

    /// A zeroed buffer mapped from the system on its own (from the
    /// allocator if that fails). Read-ahead buffers are allocated on one
    /// thread and freed on another; from the allocator, they would stay in
    /// the first thread's arena after the walk, resident and unused (measured:
    /// +30 MB of peak memory for a catalog of the bench image). A mapping is
    /// returned to the system when dropped.
    pub fn mapped(len: usize) -> Self {
        match memmap2::MmapMut::map_anon(len) {
            Ok(m) => Self(ChunkMemory::Mapped(m)),
            Err(_) => Self::heap(len),
        }
    }
}

impl std::ops::Deref for Chunk {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            ChunkMemory::Heap(b) => b,
            ChunkMemory::Mapped(m) => m,
        }
    }
}

impl std::ops::DerefMut for Chunk {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            ChunkMemory::Heap(b) => b,
            ChunkMemory::Mapped(m) => m,
        }
    }
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk").field("len", &self.len()).finish()
    }
}

impl ChunkRead for &[u8] {}

impl ChunkRead for Box<dyn Read + '_> {}

impl ChunkRead for Box<dyn ChunkRead + Send + '_> {
    fn read_chunk(&mut self, buf: &mut Chunk) -> io::Result<usize> {
        (**self).read_chunk(buf)
    }
}

impl<R: Read> ChunkRead for io::BufReader<R> {}

/// A blob stream as sources return it.
pub type BlobReader<'a> = Box<dyn ChunkRead + Send + 'a>;

/// Blobs at least this big are read ahead on a thread of their own; for
/// smaller ones (manifests, configs, small layers) a thread costs more than
/// it saves.
const PREFETCH_MIN: u64 = 4 << 20;

/// Opens `size` bytes of `file` from `offset` as a blob stream: read once
/// (see `once`), and read ahead when big (see `prefetch`).
pub(crate) fn open_file_range(
    file: std::fs::File,
    offset: u64,
    size: u64,
) -> io::Result<BlobReader<'static>> {
    let once = once::ReadOnce::range(file, offset, size)?;
    if size >= PREFETCH_MIN {
        Ok(Box::new(prefetch::Prefetch::spawn(once)?))
    } else {
        Ok(Box::new(io::BufReader::with_capacity(256 * 1024, once)))
    }
}

/// Opens blobs of one image source.
pub trait BlobSource: Send + Sync {
    /// A stream of the blob's bytes, as stored (compressed layers stay compressed).
    fn open_blob(&self, descriptor: &Descriptor) -> Result<BlobReader<'_>, Error>;

    /// The blob's SHA-256 when the source already computed it from the very
    /// bytes `open_blob` will return (a copy it made itself), so the reader
    /// need not hash them again. The reader still compares it with the
    /// descriptor. `None` (the default): hash while reading.
    fn known_sha256(&self, _descriptor: &Descriptor) -> Option<customs_model::Digest> {
        None
    }

    /// Whether reading the blob will not wait for a disk or a network: it
    /// is a range of a file that is in the page cache. The walk runs more
    /// walkers than cores when some uncompressed blob is not (see `walk`).
    /// `false` (the default) when unknown.
    fn resident(&self, _descriptor: &Descriptor) -> bool {
        false
    }

    /// A human-readable name of the source, for messages.
    fn name(&self) -> String;
}
