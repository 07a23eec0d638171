//! The analysis pass: every layer streamed once, concurrently, each entry
//! offered to the analyzers, results merged in layer order.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use customs_model::analysis::{
    Analysis, EntryKind, FileAnalyzer, FileMeta, FileRecord, Interest, LayerRef,
};
use customs_model::Warning;
use customs_oci::media_type::{self as mt, Compression};
use serde::{Deserialize, Serialize};

use crate::cache::LayerCache;
use crate::path::{normalize_entry_path, split_parent};
use crate::source::{BlobReader, ChunkRead};
use crate::tree::FileTree;
use crate::verify::{is_limit_breach, HashingBufReader};
use crate::{Error, Image, LayerInfo, Limits};

/// Receives progress of a walk; called from worker threads.
pub trait Progress: Sync {
    /// A layer starts streaming; `total` is its blob size.
    fn layer_started(&self, _index: usize, _total: u64) {}
    /// More bytes of a layer blob were read.
    fn layer_advanced(&self, _index: usize, _bytes: u64) {}
    /// A layer is done (`cached`: its results came from the cache).
    fn layer_finished(&self, _index: usize, _cached: bool) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// How to walk.
pub struct WalkOptions<'a> {
    /// Bounds.
    pub limits: Limits,
    /// Layer cache (`None` = no cache).
    pub cache: Option<&'a LayerCache>,
    /// Progress sink.
    pub progress: &'a dyn Progress,
    /// Worker threads (0 = one per core, two when some layer blob is not in
    /// memory).
    pub threads: usize,
    /// Whether to build [`WalkResult::tree`] (every path of every layer in
    /// one ordered map; its cost is in the serial part of a walk). The
    /// analysis carries the deletion facts of its records either way.
    pub tree: bool,
}

impl Default for WalkOptions<'_> {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cache: None,
            progress: &NoProgress,
            threads: 0,
            tree: true,
        }
    }
}

/// Facts about one walked layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerStats {
    /// Bytes of the uncompressed tar.
    pub uncompressed_size: u64,
    /// Tar entries.
    pub entries: u64,
    /// Whether the results came from the cache.
    pub cached: bool,
}

/// Everything a walk produces.
#[derive(Debug, Clone, Default)]
pub struct WalkResult {
    /// Analyzer records of all layers, merged, with deletion facts.
    pub analysis: Analysis,
    /// The merged filesystem with per-path history; empty unless
    /// [`WalkOptions::tree`] asked for it.
    pub tree: FileTree,
    /// Per-layer facts, by layer index.
    pub layers: Vec<LayerStats>,
}

/// The kind of a layer entry, whiteouts included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LayerEntryKind {
    File(EntryKind),
    Whiteout,
    Opaque,
}

/// One tar entry as the merge needs it.
///
/// In the layer cache an entry is a JSON array `[path, kind, size, mode,
/// uid, gid, link]` with `kind` a small number (see [`LayerEntry::code`]):
/// a layer has up to hundreds of thousands of entries, and arrays are much
/// smaller and faster to read back than objects with field names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayerEntry {
    pub(crate) path: String,
    pub(crate) kind: LayerEntryKind,
    pub(crate) size: u64,
    pub(crate) mode: u32,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    pub(crate) link: Option<String>,
}

impl LayerEntry {
    fn code(kind: LayerEntryKind) -> u8 {
        match kind {
            LayerEntryKind::File(EntryKind::Regular) => 0,
            LayerEntryKind::File(EntryKind::Directory) => 1,
            LayerEntryKind::File(EntryKind::Symlink) => 2,
            LayerEntryKind::File(EntryKind::HardLink) => 3,
            LayerEntryKind::File(EntryKind::Other) => 4,
            LayerEntryKind::Whiteout => 5,
            LayerEntryKind::Opaque => 6,
        }
    }

    fn kind_of(code: u8) -> Option<LayerEntryKind> {
        Some(match code {
            0 => LayerEntryKind::File(EntryKind::Regular),
            1 => LayerEntryKind::File(EntryKind::Directory),
            2 => LayerEntryKind::File(EntryKind::Symlink),
            3 => LayerEntryKind::File(EntryKind::HardLink),
            4 => LayerEntryKind::File(EntryKind::Other),
            5 => LayerEntryKind::Whiteout,
            6 => LayerEntryKind::Opaque,
            _ => return None,
        })
    }
}

impl Serialize for LayerEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (
            &self.path,
            Self::code(self.kind),
            self.size,
            self.mode,
            self.uid,
            self.gid,
            &self.link,
        )
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for LayerEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        type Row = (String, u8, u64, u32, u64, u64, Option<String>);
        let (path, code, size, mode, uid, gid, link) = Row::deserialize(d)?;
        let kind = Self::kind_of(code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown entry kind {code}")))?;
        Ok(Self {
            path,
            kind,
            size,
            mode,
            uid,
            gid,
            link,
        })
    }
}

/// What walking one layer yields; cached per diffID.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LayerResult {
    pub(crate) entries: Vec<LayerEntry>,
    /// (analyzer id, path, value)
    pub(crate) records: Vec<(String, String, serde_json::Value)>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) stats: LayerStats,
}

/// Walks every layer of an image (or the directory of a `dir:` image) and
/// merges the results.
pub fn walk(
    image: &Image,
    analyzers: &[Box<dyn FileAnalyzer>],
    opts: &WalkOptions<'_>,
) -> Result<WalkResult, Error> {
    if let Some(root) = &image.root_dir {
        let layer = walk_dir(root, analyzers, &opts.limits)?;
        let refs = vec![LayerRef {
            index: 0,
            digest: None,
            diff_id: None,
            created_by: None,
        }];
        return Ok(merge(refs, vec![layer], opts.tree));
    }
    let signature = analyzer_signature(analyzers, &opts.limits);
    // Read-ahead buffers of finished layers serve the next ones.
    let _chunk_reuse = crate::source::ChunkReuse::start();
    let n = image.layers.len();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // One walker per core while the walk is bound by the CPU alone. A walker
    // waits for its blob's bytes part of the time when they come from a
    // network, or raw (uncompressed) from a disk; two walkers per core then
    // keep the CPU busy. A compressed blob from a local file is inflated far
    // slower than the disk delivers it: no waiting. Measured on the 2-core
    // bench machine, interleaved cold runs (5-7 rounds): inspect of the bench
    // docker-archive 1.41 s with 2 walkers, 1.22 s with 4, its catalog 1.60 s
    // and 1.48 s, its secrets 1.65 s and 1.47 s; with the file cached, the
    // catalog took 1.11 s with 2 walkers and 1.18 s with 4; the OCI form
    // (gzip), secrets 2.85 s with 2 and 2.93 s with 4.
    // (Probed only when the caller leaves the count to us.)
    let waits = || {
        matches!(image.target, crate::Target::Registry(_))
            || image
                .layers
                .iter()
                .any(|l| declared_plain(&l.descriptor.media_type) && !image.layer_blob_resident(l))
    };
    let threads = match opts.threads {
        0 if waits() => 2 * cores,
        0 => cores,
        n => n,
    };
    // A walker keeps a big content buffer for the rest of its layer only when
    // there are no more walkers than cores: four walkers keeping them took
    // the bench catalog's peak memory from 112 MB to 154 MB.
    let keep_buffer = if threads <= cores {
        KEEP_BUFFER
    } else {
        SMALL_BUFFER
    };
    // Largest layers first, so the last layer to finish is a small one.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(image.layers.get(i).map_or(0, |l| l.descriptor.size)));
    let next = AtomicUsize::new(0);
    let total = AtomicU64::new(0);
    let results: Mutex<Vec<Option<Result<LayerResult, Error>>>> =
        Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(n.max(1)) {
            scope.spawn(|| loop {
                let slot = next.fetch_add(1, Ordering::Relaxed);
                let Some(&index) = order.get(slot) else { break };
                let Some(layer) = image.layers.get(index) else {
                    break;
                };
                let result = walk_one(
                    image,
                    layer,
                    analyzers,
                    opts,
                    &signature,
                    &total,
                    keep_buffer,
                );
                if let Ok(mut guard) = results.lock() {
                    if let Some(cell) = guard.get_mut(index) {
                        *cell = Some(result);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut layers = Vec::with_capacity(n);
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok(l)) => layers.push(l),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(Error::Missing {
                    what: format!("results of layer {i}"),
                    source_name: image.target.to_string(),
                })
            }
        }
    }
    let refs = image
        .layers
        .iter()
        .map(|l| LayerRef {
            index: l.index,
            digest: Some(l.descriptor.digest.clone()),
            diff_id: Some(l.diff_id.clone()),
            created_by: l.history.as_ref().and_then(|h| h.created_by.clone()),
        })
        .collect();
    Ok(merge(refs, layers, opts.tree))
}

fn analyzer_signature(analyzers: &[Box<dyn FileAnalyzer>], limits: &Limits) -> String {
    let mut ids: Vec<String> = analyzers
        .iter()
        .map(|a| format!("{}@{}", a.id(), a.version()))
        .collect();
    ids.sort();
    let text = format!("{}|max_file={}", ids.join(","), limits.max_file_bytes);
    crate::verify::digest_of(customs_model::DigestAlgorithm::Sha256, text.as_bytes())
        .short()
        .to_owned()
}

fn walk_one(
    image: &Image,
    layer: &LayerInfo,
    analyzers: &[Box<dyn FileAnalyzer>],
    opts: &WalkOptions<'_>,
    signature: &str,
    total: &AtomicU64,
    keep_buffer: usize,
) -> Result<LayerResult, Error> {
    if let Some(cache) = opts.cache {
        if let Some(mut cached) = cache.get(signature, &layer.diff_id) {
            cached.stats.cached = true;
            opts.progress.layer_finished(layer.index, true);
            return Ok(cached);
        }
    }
    opts.progress
        .layer_started(layer.index, layer.descriptor.size);
    let blob = image.open_layer_blob(layer)?;
    let known = image.known_layer_sha256(layer);
    let result = stream_layer(blob, known, layer, analyzers, opts, total, keep_buffer)?;
    if let Some(cache) = opts.cache {
        // A cache that cannot be written only costs speed next time.
        let _ = cache.put(signature, &layer.diff_id, &result);
    }
    opts.progress.layer_finished(layer.index, false);
    Ok(result)
}

/// Counts bytes for progress reports.
struct ProgressReader<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
    index: usize,
    pending: u64,
}

impl<R> ProgressReader<'_, R> {
    fn advanced(&mut self, n: usize) {
        self.pending += n as u64;
        if self.pending >= 4 << 20 || n == 0 {
            self.progress.layer_advanced(self.index, self.pending);
            self.pending = 0;
        }
    }
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.advanced(n);
        Ok(n)
    }
}

impl<R: ChunkRead> ChunkRead for ProgressReader<'_, R> {
    fn read_chunk(&mut self, buf: &mut crate::source::Chunk) -> io::Result<usize> {
        let n = self.inner.read_chunk(buf)?;
        self.advanced(n);
        Ok(n)
    }
}

fn corrupt(layer: &LayerInfo, source: io::Error) -> Error {
    Error::CorruptLayer {
        index: layer.index,
        digest: layer.descriptor.digest.to_string(),
        source,
    }
}

/// Buffer of a layer blob as read from its source.
const BLOB_BUFFER: usize = 512 * 1024;
/// Buffer of a decompressed layer tar: big enough for few decoder calls,
/// small enough to stay in the core's cache while it is hashed and parsed.
const TAR_BUFFER: usize = 256 * 1024;

fn stream_layer(
    blob: BlobReader<'_>,
    known_sha256: Option<customs_model::Digest>,
    layer: &LayerInfo,
    analyzers: &[Box<dyn FileAnalyzer>],
    opts: &WalkOptions<'_>,
    total: &AtomicU64,
    keep_buffer: usize,
) -> Result<LayerResult, Error> {
    let limits = &opts.limits;
    let digest = &layer.descriptor.digest;
    let progress = ProgressReader {
        inner: blob,
        progress: opts.progress,
        index: layer.index,
        pending: 0,
    };
    // The blob digest is computed as the blob enters this buffer; the
    // decoders read their input from it in place. An uncompressed blob is
    // the tar itself: its diffID is hashed here too (once when they agree).
    // A blob the source hashed already (its own copy of an uncompressed layer,
    // see `BlobSource::known_sha256`) is not hashed again; that digest is
    // still compared with the descriptor and the diffID below. Only a layer
    // declared uncompressed qualifies (a source sets Docker's plain type after
    // sniffing the bytes), and it is then read as such: a digest taken from
    // the source must never meet the compressed path, where the blob digest
    // would go unchecked.
    let media_type = layer.descriptor.media_type.as_str();
    let known = known_sha256.filter(|_| digest == &layer.diff_id && declared_plain(media_type));
    let mut algs = Vec::new();
    if known.is_none() {
        algs.push(digest.algorithm());
        if digest != &layer.diff_id {
            algs.push(layer.diff_id.algorithm());
        }
    }
    let mut compressed = HashingBufReader::new(progress, &algs, BLOB_BUFFER, u64::MAX);
    let compression = match mt::layer_compression(media_type) {
        _ if known.is_some() => Compression::None,
        Some(c) => c,
        None => {
            // Unknown media type: sniff the magic bytes.
            let head = io::BufRead::fill_buf(&mut compressed).map_err(|e| corrupt(layer, e))?;
            mt::sniff_compression(head)
        }
    };
    let mut result = LayerResult::default();
    let (compressed_digest, compressed_size, diff_digest, uncompressed_size) = match compression {
        Compression::None => {
            // The tar parser reads the blob buffer itself.
            let mut r = compressed;
            r.set_limit(limits.max_layer_uncompressed);
            read_tar(&mut r, layer, analyzers, limits, keep_buffer, &mut result)?;
            let (digests, n) = r
                .drain_and_finish()
                .map_err(|e| map_stream_err(layer, e, limits))?;
            let blob_digest = known.or_else(|| digests.first().cloned());
            let diff = digests.get(1).cloned().or_else(|| blob_digest.clone());
            (blob_digest, n, diff, n)
        }
        Compression::Gzip | Compression::Zstd => {
            compressed.keep_hashers(1);
            let (diff_digest, uncompressed_size) = {
                let decoded: Box<dyn Read + '_> = match compression {
                    Compression::Zstd => Box::new(
                        zstd::stream::read::Decoder::with_buffer(&mut compressed)
                            .map_err(|e| corrupt(layer, e))?,
                    ),
                    // No CRC-32: the diffID hash below covers every byte.
                    _ => Box::new(crate::gzip::GzipNoCrc::new(&mut compressed)),
                };
                let mut r = HashingBufReader::new(
                    decoded,
                    &[layer.diff_id.algorithm()],
                    TAR_BUFFER,
                    limits.max_layer_uncompressed,
                );
                read_tar(&mut r, layer, analyzers, limits, keep_buffer, &mut result)?;
                let (digests, n) = r
                    .drain_and_finish()
                    .map_err(|e| map_stream_err(layer, e, limits))?;
                (digests.into_iter().next(), n)
            };
            let (digests, n) = compressed
                .drain_and_finish()
                .map_err(|e| corrupt(layer, e))?;
            (
                digests.into_iter().next(),
                n,
                diff_digest,
                uncompressed_size,
            )
        }
    };
    if let Some(actual) = compressed_digest {
        if &actual != digest {
            return Err(Error::DigestMismatch {
                expected: digest.clone(),
                actual,
            });
        }
    }
    if layer.descriptor.size != 0 && compressed_size != layer.descriptor.size {
        return Err(Error::SizeMismatch {
            digest: digest.clone(),
            expected: layer.descriptor.size,
            actual: compressed_size,
        });
    }
    if let Some(actual) = diff_digest {
        if actual != layer.diff_id {
            return Err(Error::DiffIdMismatch {
                index: layer.index,
                digest: digest.clone(),
                expected: layer.diff_id.clone(),
                actual,
            });
        }
    }
    let sum = total.fetch_add(uncompressed_size, Ordering::Relaxed) + uncompressed_size;
    if sum > limits.max_total_uncompressed {
        return Err(Error::LimitExceeded {
            what: "uncompressed image size".into(),
            limit: limits.max_total_uncompressed,
            unit: "bytes",
            flag: "--max-image-bytes",
        });
    }
    result.stats.uncompressed_size = uncompressed_size;
    Ok(result)
}

/// Whether a layer's media type says it is an uncompressed tar (Docker's
/// plain type, which a source sets after sniffing the bytes, or OCI's).
fn declared_plain(media_type: &str) -> bool {
    media_type == crate::source::DOCKER_LAYER_TAR
        || mt::layer_compression(media_type) == Some(Compression::None)
}

fn map_stream_err(layer: &LayerInfo, e: io::Error, limits: &Limits) -> Error {
    if is_limit_breach(&e) {
        Error::LimitExceeded {
            what: format!(
                "uncompressed layer {} ({})",
                layer.index, layer.descriptor.digest
            ),
            limit: limits.max_layer_uncompressed,
            unit: "bytes",
            flag: "--max-layer-bytes",
        }
    } else {
        corrupt(layer, e)
    }
}

/// Offers one entry to the analyzers; reads its content once if asked.
struct EntryDispatcher<'a> {
    analyzers: &'a [Box<dyn FileAnalyzer>],
    limits: &'a Limits,
    /// Content buffers up to this size are kept between entries.
    keep_buffer: usize,
    buf: Vec<u8>,
    wants: Vec<Interest>,
}

impl<'a> EntryDispatcher<'a> {
    fn new(analyzers: &'a [Box<dyn FileAnalyzer>], limits: &'a Limits, keep_buffer: usize) -> Self {
        Self {
            analyzers,
            limits,
            keep_buffer,
            buf: Vec::new(),
            wants: Vec::with_capacity(analyzers.len()),
        }
    }

    /// Returns the records for one entry. `read` puts the content at the
    /// start of the buffer and returns its length; bytes after it are stale
    /// content of earlier entries (the buffer is not cleared between entries,
    /// so that reusing it costs no zeroing).
    fn dispatch(
        &mut self,
        meta: &FileMeta<'_>,
        read: impl FnOnce(&mut Vec<u8>) -> io::Result<usize>,
        result: &mut LayerResult,
    ) -> io::Result<()> {
        self.wants.clear();
        let mut any_content = false;
        let mut any = false;
        for a in self.analyzers {
            let w = a.interest(meta);
            any |= w != Interest::None;
            any_content |= w == Interest::Content;
            self.wants.push(w);
        }
        if !any {
            return Ok(());
        }
        let mut have_content = false;
        let mut content_len = 0;
        if any_content && meta.kind == EntryKind::Regular {
            if meta.size <= self.limits.max_file_bytes {
                let size = usize::try_from(meta.size).unwrap_or(usize::MAX);
                if size > self.buf.capacity() {
                    // Free the old buffer before the bigger one is allocated
                    // (growing would hold both, and double the capacity).
                    self.buf = Vec::new();
                    if size > SMALL_BUFFER {
                        self.buf = Vec::with_capacity(size.max(BIG_BUFFER));
                    }
                }
                content_len = read(&mut self.buf)?;
                have_content = true;
            } else {
                result.warnings.push(Warning::new(
                    "layer-walk",
                    format!("/{}", meta.path),
                    format!(
                        "file of {} bytes exceeds the per-file limit of {} bytes; content not analysed",
                        meta.size, self.limits.max_file_bytes
                    ),
                ));
            }
        }
        for (a, w) in self.analyzers.iter().zip(&self.wants) {
            let content: &[u8] = match w {
                Interest::None => continue,
                Interest::Content if have_content => self.buf.get(..content_len).unwrap_or(&[]),
                Interest::Content if meta.kind == EntryKind::Regular => continue,
                _ => &[],
            };
            if let Some(value) = a.analyze(meta, content) {
                result
                    .records
                    .push((a.id().to_owned(), meta.path.to_owned(), value));
            }
        }
        if self.buf.len() > self.keep_buffer {
            // A very big file: do not hold its memory for the rest of the
            // layer.
            self.buf = Vec::new();
        }
        Ok(())
    }
}

/// Content buffers up to this size are kept, with their pages, for the
/// rest of the layer (the dispatcher lives as long as one layer's walk)
/// when there are no more walkers than cores. Big files come in groups (a compiler's executables, a runtime's
/// libraries): every fresh buffer cost a page fault per 4 KiB and zeroing,
/// 7% of the CPU time of cataloguing the bench image, where reusing one
/// costs nothing. Files bigger than this get a buffer of their own, freed
/// after use.
const KEEP_BUFFER: usize = 64 << 20;

/// Files up to this size share one buffer grown as needed.
const SMALL_BUFFER: usize = 4 << 20;

/// Smallest capacity of a buffer for a big file. Above the largest mmap
/// threshold of common allocators (glibc: 32 MiB), such a buffer is mapped
/// on its own and returned to the system when freed, instead of staying in
/// a thread's heap for the rest of the process; only the pages the file's
/// bytes fill become resident.
const BIG_BUFFER: usize = 40 << 20;

/// Reads a layer tar. The reader's forward seek skips the contents nobody
/// asked for without copying them (see [`HashingBufReader`]).
fn read_tar<R: Read + io::Seek>(
    reader: R,
    layer: &LayerInfo,
    analyzers: &[Box<dyn FileAnalyzer>],
    limits: &Limits,
    keep_buffer: usize,
    result: &mut LayerResult,
) -> Result<(), Error> {
    let mut archive = tar::Archive::new(reader);
    let mut dispatcher = EntryDispatcher::new(analyzers, limits, keep_buffer);
    let entries = archive
        .entries_with_seek()
        .map_err(|e| map_stream_err(layer, e, limits))?;
    // Records by path in this layer, for hard links to copy.
    let mut first_record: HashMap<String, (usize, usize)> = HashMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| map_stream_err(layer, e, limits))?;
        result.stats.entries += 1;
        if result.stats.entries > limits.max_entries_per_layer {
            return Err(Error::LimitExceeded {
                what: format!("entries in layer {}", layer.index),
                limit: limits.max_entries_per_layer,
                unit: "entries",
                flag: "--max-layer-entries",
            });
        }
        let raw = entry.path_bytes();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let Some(path) = normalize_entry_path(&raw) else {
            continue;
        };
        let header = entry.header();
        let etype = header.entry_type();
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = entry.size();
        let (dir, name) = split_parent(&path);
        if name == ".wh..wh..opq" {
            result.entries.push(LayerEntry {
                path: dir.to_owned(),
                kind: LayerEntryKind::Opaque,
                size: 0,
                mode: 0,
                uid: 0,
                gid: 0,
                link: None,
            });
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let target = if dir.is_empty() {
                hidden.to_owned()
            } else {
                format!("{dir}/{hidden}")
            };
            result.entries.push(LayerEntry {
                path: target,
                kind: LayerEntryKind::Whiteout,
                size: 0,
                mode: 0,
                uid: 0,
                gid: 0,
                link: None,
            });
            continue;
        }
        let kind = if etype.is_file() || etype == tar::EntryType::Continuous {
            EntryKind::Regular
        } else if etype.is_dir() {
            EntryKind::Directory
        } else if etype.is_symlink() {
            EntryKind::Symlink
        } else if etype.is_hard_link() {
            EntryKind::HardLink
        } else if etype.is_pax_global_extensions()
            || etype.is_pax_local_extensions()
            || etype.is_gnu_longname()
            || etype.is_gnu_longlink()
        {
            continue;
        } else {
            EntryKind::Other
        };
        let link = match kind {
            EntryKind::Symlink => entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned()),
            EntryKind::HardLink => entry
                .link_name_bytes()
                .and_then(|l| normalize_entry_path(&String::from_utf8_lossy(&l))),
            _ => None,
        };
        let content_size = if kind == EntryKind::Regular { size } else { 0 };
        let meta = FileMeta {
            path: &path,
            kind,
            size: content_size,
            mode,
            uid,
            gid,
            link_target: link.as_deref(),
        };
        let before = result.records.len();
        dispatcher
            .dispatch(
                &meta,
                |buf| {
                    // Exactly the entry's bytes: only they touch memory, and
                    // the buffer is zeroed only where it grows.
                    let n = usize::try_from(content_size).unwrap_or(0);
                    if buf.len() < n {
                        buf.resize(n, 0);
                    }
                    let dest = buf.get_mut(..n).ok_or_else(|| {
                        io::Error::new(io::ErrorKind::OutOfMemory, "content buffer")
                    })?;
                    entry.read_exact(dest)?;
                    Ok(n)
                },
                result,
            )
            .map_err(|e| map_stream_err(layer, e, limits))?;
        if result.records.len() > before {
            first_record.insert(path.clone(), (before, result.records.len()));
        }
        if kind == EntryKind::HardLink {
            // A hard link is the same file under another name: it carries the
            // target's analyzer results (e.g. one Go binary at two paths).
            if let Some(&(from, to)) = link.as_ref().and_then(|t| first_record.get(t)) {
                let copies: Vec<_> = result
                    .records
                    .get(from..to)
                    .unwrap_or(&[])
                    .iter()
                    .map(|(a, _, v)| (a.clone(), path.clone(), v.clone()))
                    .collect();
                let start = result.records.len();
                result.records.extend(copies);
                first_record.insert(path.clone(), (start, result.records.len()));
            }
        }
        result.entries.push(LayerEntry {
            path,
            kind: LayerEntryKind::File(kind),
            size: content_size,
            mode,
            uid,
            gid,
            link,
        });
    }
    Ok(())
}

/// Walks a directory as one layer, never following symlinks.
fn walk_dir(
    root: &Path,
    analyzers: &[Box<dyn FileAnalyzer>],
    limits: &Limits,
) -> Result<LayerResult, Error> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut result = LayerResult::default();
    let mut dispatcher = EntryDispatcher::new(analyzers, limits, KEEP_BUFFER);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                result.warnings.push(Warning::new(
                    "layer-walk",
                    dir.display().to_string(),
                    e.to_string(),
                ));
                continue;
            }
        };
        let mut children: Vec<_> = rd.filter_map(Result::ok).collect();
        children.sort_by_key(std::fs::DirEntry::file_name);
        for child in children {
            let p = child.path();
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let Some(path) = normalize_entry_path(&rel.to_string_lossy()) else {
                continue;
            };
            let md = match std::fs::symlink_metadata(&p) {
                Ok(m) => m,
                Err(e) => {
                    result.warnings.push(Warning::new(
                        "layer-walk",
                        format!("/{path}"),
                        e.to_string(),
                    ));
                    continue;
                }
            };
            let ft = md.file_type();
            let kind = if ft.is_file() {
                EntryKind::Regular
            } else if ft.is_dir() {
                EntryKind::Directory
            } else if ft.is_symlink() {
                EntryKind::Symlink
            } else {
                EntryKind::Other
            };
            let link = if ft.is_symlink() {
                std::fs::read_link(&p)
                    .ok()
                    .map(|l| l.to_string_lossy().into_owned())
            } else {
                None
            };
            let size = if kind == EntryKind::Regular {
                md.len()
            } else {
                0
            };
            let mode = md.permissions().mode() & 0o7777;
            result.stats.entries += 1;
            let meta = FileMeta {
                path: &path,
                kind,
                size,
                mode,
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                link_target: link.as_deref(),
            };
            let read_path = p.clone();
            if let Err(e) = dispatcher.dispatch(
                &meta,
                |buf| {
                    // Opened without following a symlink: `kind` is Regular here.
                    let f = std::fs::File::open(&read_path)?;
                    buf.clear();
                    f.take(limits.max_file_bytes).read_to_end(buf)
                },
                &mut result,
            ) {
                result.warnings.push(Warning::new(
                    "layer-walk",
                    format!("/{path}"),
                    e.to_string(),
                ));
            }
            if kind == EntryKind::Directory {
                stack.push(p.clone());
            }
            result.stats.uncompressed_size += size;
            result.entries.push(LayerEntry {
                path,
                kind: LayerEntryKind::File(kind),
                size,
                mode,
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                link,
            });
        }
    }
    Ok(result)
}

/// Applies the layers in order: the analysis records of every layer, each
/// with the layer that removed it (see [`removals`]), and, when
/// `build_tree`, the merged file tree.
pub(crate) fn merge(refs: Vec<LayerRef>, layers: Vec<LayerResult>, build_tree: bool) -> WalkResult {
    let removed = removals(&layers);
    let mut tree = FileTree::default();
    let mut records: Vec<FileRecord> =
        Vec::with_capacity(layers.iter().map(|l| l.records.len()).sum());
    let mut warnings = Vec::new();
    let mut stats = Vec::with_capacity(layers.len());
    for ((index, layer), removed) in layers.into_iter().enumerate().zip(removed) {
        let LayerResult {
            entries,
            records: layer_records,
            warnings: w,
            stats: s,
        } = layer;
        warnings.extend(w);
        stats.push(s);
        if build_tree {
            tree.apply_layer(index, entries);
        }
        for ((analyzer, path, value), removed_in) in layer_records.into_iter().zip(removed) {
            records.push(FileRecord {
                analyzer,
                path,
                layer: index,
                removed_in,
                value,
            });
        }
    }
    records.sort_by(|a, b| {
        (a.analyzer.as_str(), a.path.as_str(), a.layer).cmp(&(
            b.analyzer.as_str(),
            b.path.as_str(),
            b.layer,
        ))
    });
    WalkResult {
        analysis: Analysis {
            layers: refs,
            records,
            warnings,
        },
        tree,
        layers: stats,
    }
}

/// What the layers did to one path that matters to [`removals`]: the
/// layers of each kind of change, ascending, each layer at most once (a
/// layer may repeat an entry any number of times; the answers stay one
/// binary search per list).
#[derive(Debug, Default)]
struct PathHistory {
    /// Layers with a whiteout of the path: it and everything below it go.
    whiteouts: Vec<usize>,
    /// Layers with an opaque marker in the directory: what lower layers
    /// put below it goes.
    opaque: Vec<usize>,
    /// Layers that wrote a directory at the path.
    directories: Vec<usize>,
    /// Layers that wrote something else at the path.
    others: Vec<usize>,
    /// Per layer that wrote the path, the kind of its last entry there.
    last_kind: Vec<(usize, EntryKind)>,
}

/// Appends `layer` unless it is already the last one.
fn note_layer(layers: &mut Vec<usize>, layer: usize) {
    if layers.last() != Some(&layer) {
        layers.push(layer);
    }
}

/// The first of the ascending `layers` after `layer`.
fn first_after(layers: &[usize], layer: usize) -> Option<usize> {
    layers.get(layers.partition_point(|&l| l <= layer)).copied()
}

impl PathHistory {
    fn note(&mut self, layer: usize, kind: LayerEntryKind) {
        match kind {
            LayerEntryKind::Whiteout => note_layer(&mut self.whiteouts, layer),
            LayerEntryKind::Opaque => note_layer(&mut self.opaque, layer),
            LayerEntryKind::File(kind) => {
                if kind == EntryKind::Directory {
                    note_layer(&mut self.directories, layer);
                } else {
                    note_layer(&mut self.others, layer);
                }
                match self.last_kind.last_mut() {
                    Some(last) if last.0 == layer => last.1 = kind,
                    _ => self.last_kind.push((layer, kind)),
                }
            }
        }
    }

    /// The first layer after `layer` that removed the version of this path
    /// that `layer` wrote: a whiteout of it, or any entry written over it
    /// (a directory over a directory only changes its metadata).
    fn removes_itself(&self, layer: usize) -> Option<usize> {
        let own = self
            .last_kind
            .get(self.last_kind.partition_point(|&(l, _)| l < layer))
            .filter(|&&(l, _)| l == layer)
            .map(|&(_, kind)| kind);
        let mut first = min_some(
            first_after(&self.whiteouts, layer),
            first_after(&self.others, layer),
        );
        if own != Some(EntryKind::Directory) {
            first = min_some(first, first_after(&self.directories, layer));
        }
        first
    }

    /// The first layer after `layer` that removed what was below this
    /// directory: a whiteout of it, an opaque marker in it, or a
    /// non-directory written over it.
    fn removes_below(&self, layer: usize) -> Option<usize> {
        min_some(
            min_some(
                first_after(&self.whiteouts, layer),
                first_after(&self.opaque, layer),
            ),
            first_after(&self.others, layer),
        )
    }
}

fn min_some(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// For each layer's records (in their order), the first later layer that
/// removed that version of the file: it whites out the path or a directory
/// above it, makes a directory above it opaque, writes any entry at the path
/// (a directory over a directory only changes its metadata), or writes a
/// non-directory where a directory above it was.
///
/// Only the paths that carry records, and the directories above them, are
/// looked at: one hash lookup per tar entry, then binary searches per
/// record and directory above it. Building the whole merged tree for this
/// (hundreds of thousands of paths in an ordered map) took 60 ms of the
/// serial tail of a catalog of the bench image, for 4,200 records.
fn removals(layers: &[LayerResult]) -> Vec<Vec<Option<usize>>> {
    let mut watched: HashSet<&str> = HashSet::new();
    for layer in layers {
        for (_, path, _) in &layer.records {
            let mut p = path.as_str();
            // Once a path is watched, so are the directories above it.
            while watched.insert(p) {
                match p.rsplit_once('/') {
                    Some((parent, _)) => p = parent,
                    None => break,
                }
            }
        }
    }
    let mut history: HashMap<&str, PathHistory> = HashMap::new();
    if !watched.is_empty() {
        for (index, layer) in layers.iter().enumerate() {
            for e in &layer.entries {
                if let Some(&p) = watched.get(e.path.as_str()) {
                    history.entry(p).or_default().note(index, e.kind);
                }
            }
        }
    }
    layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            layer
                .records
                .iter()
                .map(|(_, path, _)| removed_in(&history, path, index))
                .collect()
        })
        .collect()
}

/// The first layer after `layer` that removed the version of `path` that
/// `layer` wrote (see [`removals`]).
fn removed_in(history: &HashMap<&str, PathHistory>, path: &str, layer: usize) -> Option<usize> {
    let mut first = history.get(path).and_then(|h| h.removes_itself(layer));
    let mut p = path;
    while let Some((parent, _)) = p.rsplit_once('/') {
        p = parent;
        first = min_some(first, history.get(p).and_then(|h| h.removes_below(layer)));
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_entries_round_trip_as_compact_rows() {
        let kinds = [
            LayerEntryKind::File(EntryKind::Regular),
            LayerEntryKind::File(EntryKind::Directory),
            LayerEntryKind::File(EntryKind::Symlink),
            LayerEntryKind::File(EntryKind::HardLink),
            LayerEntryKind::File(EntryKind::Other),
            LayerEntryKind::Whiteout,
            LayerEntryKind::Opaque,
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            let e = LayerEntry {
                path: format!("usr/bin/x{i}"),
                kind,
                size: 7,
                mode: 0o4755,
                uid: 1,
                gid: 2,
                link: (i == 2).then(|| "../lib/y".to_owned()),
            };
            let json = serde_json::to_string(&e).unwrap();
            assert!(
                json.starts_with(&format!("[\"usr/bin/x{i}\",{i},7,")),
                "{json}"
            );
            assert_eq!(serde_json::from_str::<LayerEntry>(&json).unwrap(), e);
        }
        assert!(serde_json::from_str::<LayerEntry>(r#"["a",9,0,0,0,0,null]"#).is_err());
    }

    /// A synthetic layer: `(path, kind)` entries, and a record on each path
    /// in `records`.
    fn layer(entries: &[(&str, LayerEntryKind)], records: &[&str]) -> LayerResult {
        LayerResult {
            entries: entries
                .iter()
                .map(|&(path, kind)| LayerEntry {
                    path: path.to_owned(),
                    kind,
                    size: 0,
                    mode: 0o644,
                    uid: 0,
                    gid: 0,
                    link: None,
                })
                .collect(),
            records: records
                .iter()
                .map(|p| ("t".to_owned(), (*p).to_owned(), serde_json::Value::Null))
                .collect(),
            ..LayerResult::default()
        }
    }

    /// `n` layers without digests or history.
    fn refs(n: usize) -> Vec<LayerRef> {
        (0..n)
            .map(|index| LayerRef {
                index,
                digest: None,
                diff_id: None,
                created_by: None,
            })
            .collect()
    }

    #[test]
    fn records_are_removed_by_the_first_later_layer_that_hides_them() {
        use LayerEntryKind::{File, Opaque, Whiteout};
        const DIR: LayerEntryKind = File(EntryKind::Directory);
        const REG: LayerEntryKind = File(EntryKind::Regular);
        let layers = vec![
            layer(
                &[
                    ("a", DIR),
                    ("a/f", REG),
                    ("d", DIR),
                    ("d/g", REG),
                    ("h", REG),
                    // "k" has no directory entry of its own
                    ("k/x", REG),
                    ("o", DIR),
                    ("o/p", REG),
                    ("z", DIR),
                    // a whiteout hides lower layers only, not its own layer's file
                    ("same", Whiteout),
                    ("same", REG),
                    ("kept", REG),
                ],
                &["a/f", "d/g", "h", "k/x", "o/p", "z", "same", "kept"],
            ),
            layer(
                &[
                    ("a", Whiteout),
                    ("o", Opaque),
                    ("o/q", REG),
                    ("k", REG),
                    // a directory over a directory changes metadata only
                    ("z", DIR),
                    // a directory over a file replaces it
                    ("h", DIR),
                ],
                &["o/q"],
            ),
            layer(
                &[("d", REG), ("a", DIR), ("a/f", REG), ("o/q", REG)],
                &["a/f", "o/q"],
            ),
        ];
        let refs = refs(layers.len());
        let with_tree = merge(refs.clone(), layers.clone(), true);
        let without = merge(refs, layers, false);
        assert_eq!(with_tree.analysis, without.analysis);
        assert_eq!(without.tree, FileTree::default());
        let got: Vec<(&str, usize, Option<usize>)> = without
            .analysis
            .records
            .iter()
            .map(|r| (r.path.as_str(), r.layer, r.removed_in))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a/f", 0, Some(1)),
                ("a/f", 2, None),
                ("d/g", 0, Some(2)),
                ("h", 0, Some(1)),
                ("k/x", 0, Some(1)),
                ("kept", 0, None),
                ("o/p", 0, Some(1)),
                ("o/q", 1, Some(2)),
                ("o/q", 2, None),
                ("same", 0, None),
                ("z", 0, None),
            ]
        );
        // The tree tells the same story for every file.
        let tree = &with_tree.tree;
        for r in &with_tree.analysis.records {
            let e = tree.get(&r.path).unwrap();
            if e.kind != EntryKind::Directory {
                assert_eq!(
                    r.is_present(),
                    e.present && e.layer == r.layer,
                    "{} of layer {}",
                    r.path,
                    r.layer
                );
            }
        }
        assert!(!tree.exists("k/x"), "a file replaced the implied directory");
        assert!(tree.exists("z") && tree.exists("h") && tree.exists("o/q"));
    }

    #[test]
    fn repeated_entries_over_many_records_stay_linear() {
        use LayerEntryKind::{File, Whiteout};
        const DIR: LayerEntryKind = File(EntryKind::Directory);
        const REG: LayerEntryKind = File(EntryKind::Regular);
        // 20,000 records below `a`, then a layer that writes `a` again
        // 50,000 times (a directory over a directory: nothing goes) and
        // whites out `b` 50,000 times. Scanning every later entry of a
        // directory for every record below it would be 10^9 steps.
        let names: Vec<String> = (0..20_000).map(|i| format!("a/f{i}")).collect();
        let mut first: Vec<(&str, LayerEntryKind)> = vec![("a", DIR), ("b", DIR)];
        first.extend(names.iter().map(|n| (n.as_str(), REG)));
        let records: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut second: Vec<(&str, LayerEntryKind)> = vec![("a", DIR); 50_000];
        second.extend(std::iter::repeat_n(("b", Whiteout), 50_000));
        let layers = vec![layer(&first, &records), layer(&second, &[])];
        let merged = merge(refs(2), layers, true);
        assert_eq!(merged.analysis.records.len(), 20_000);
        assert!(merged.analysis.records.iter().all(FileRecord::is_present));
        assert!(merged.tree.exists("a/f19999") && !merged.tree.exists("b"));
    }
}
