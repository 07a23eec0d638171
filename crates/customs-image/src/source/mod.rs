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

    /// A buffer mapped from the system on its own (from the allocator if
    /// that fails): a spare one of the same length while a walk is under way
    /// (its content is stale), otherwise a new, zeroed mapping. Read-ahead
    /// buffers are allocated on one thread and freed on another; from the
    /// allocator, they would stay in the first thread's arena after the walk,
    /// resident and unused (measured: +30 MB of peak memory for a catalog of
    /// the bench image). A mapping is returned to the system when dropped
    /// outside a walk, or when the last walk ends.
    pub fn mapped(len: usize) -> Self {
        let spare = SPARE_CHUNKS.lock().ok().and_then(|mut spare| {
            let at = spare.iter().position(|m| m.len() == len)?;
            Some(spare.swap_remove(at))
        });
        if let Some(m) = spare {
            return Self(ChunkMemory::Mapped(m));
        }
        match memmap2::MmapMut::map_anon(len) {
            Ok(m) => Self(ChunkMemory::Mapped(m)),
            Err(_) => Self::heap(len),
        }
    }
}

/// Mapped chunks of finished blobs, kept for the next blob of a walk.
///
/// Each big blob is read ahead through [`prefetch::DEPTH`] chunks of its own.
/// Fresh mappings cost a page fault per 4 KiB on first touch, a fifth of
/// the walk's page faults on the bench image (48 MiB of chunks for its six
/// layers, where two walkers at a time need 16 MiB). Only mappings are kept:
/// they are what read-ahead allocates.
static SPARE_CHUNKS: std::sync::Mutex<Vec<memmap2::MmapMut>> = std::sync::Mutex::new(Vec::new());

/// Walks under way; spare chunks are kept only while there is one.
static WALKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// At most this many spare chunks are kept: as many as four walkers keep in
/// flight.
const SPARE_CHUNKS_MAX: usize = 4 * prefetch::DEPTH;

/// Keeps the chunks of finished blobs for reuse while it lives; the last
/// one dropped returns them to the system.
pub(crate) struct ChunkReuse(());

impl ChunkReuse {
    pub(crate) fn start() -> Self {
        WALKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(())
    }
}

impl Drop for ChunkReuse {
    fn drop(&mut self) {
        if WALKS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            let spare = SPARE_CHUNKS
                .lock()
                .map(|mut spare| std::mem::take(&mut *spare));
            drop(spare);
        }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if WALKS.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            return;
        }
        if let ChunkMemory::Mapped(m) =
            std::mem::replace(&mut self.0, ChunkMemory::Heap(Box::default()))
        {
            if let Ok(mut spare) = SPARE_CHUNKS.lock() {
                if spare.len() >= SPARE_CHUNKS_MAX {
                    // The oldest goes: the newest is the likeliest to be
                    // asked for (same length) and has its pages in cache.
                    spare.remove(0);
                }
                spare.push(m);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_reuses_the_mapped_chunks_of_finished_blobs() {
        // A length no other test asks for, so no other walk takes it.
        const LEN: usize = 3 * 4096 + 17;
        let reuse = ChunkReuse::start();
        let mut first = Chunk::mapped(LEN);
        assert!(first.iter().all(|&b| b == 0), "a new mapping is zeroed");
        first[0] = 0xA5;
        drop(first);
        let second = Chunk::mapped(LEN);
        assert_eq!(second.len(), LEN);
        assert_eq!(second[0], 0xA5, "the spare chunk was handed out again");
        drop(second);
        drop(reuse);
    }
}
