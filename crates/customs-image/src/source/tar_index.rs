//! Random access into a plain tar archive: one pass over the headers (seeking
//! over content), then each member can be opened as a slice of the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::io_err;
use crate::path::{normalize_entry_path, resolve_link};
use crate::Error;

/// One member of the archive.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) offset: u64,
    pub(crate) size: u64,
    /// Symlink or hard-link target, normalised relative to the archive root.
    pub(crate) link: Option<String>,
}

/// An index of a tar archive on disk.
#[derive(Debug)]
pub(crate) struct TarIndex {
    path: PathBuf,
    members: HashMap<String, Member>,
    /// SHA-256 of member ranges, computed while a gzip archive was inflated
    /// into the temporary copy (see [`super::member_hash`]); empty otherwise.
    digests: HashMap<u64, (u64, [u8; 32])>,
    /// Keeps a decompressed temporary copy alive as long as the index.
    _temp: Option<TempFile>,
}

/// Most members an image archive may have before we call it hostile.
const MAX_ARCHIVE_MEMBERS: usize = 1_000_000;

impl TarIndex {
    /// Indexes a plain or gzip-compressed tar. A gzip file is first inflated
    /// into a temporary file under `temp_dir` (random access needs it).
    pub(crate) fn open(path: &Path, temp_dir: &Path, max_bytes: u64) -> Result<Self, Error> {
        let mut f = File::open(path).map_err(io_err(path))?;
        let mut magic = [0u8; 2];
        let n = f.read(&mut magic).map_err(io_err(path))?;
        f.seek(SeekFrom::Start(0)).map_err(io_err(path))?;
        if n == 2 && magic == [0x1f, 0x8b] {
            let temp = TempFile::create(temp_dir, "archive").map_err(|e| Error::Io {
                path: temp_dir.to_path_buf(),
                source: e,
            })?;
            let out = File::create(&temp.0).map_err(io_err(&temp.0))?;
            let digests = inflate_into(f, out, max_bytes).map_err(|e| match e {
                InflateError::Limit => Error::LimitExceeded {
                    what: format!("decompressed archive {}", path.display()),
                    limit: max_bytes,
                    unit: "bytes",
                    flag: "--max-image-bytes",
                },
                InflateError::Read(e) => Error::BadArchive {
                    path: path.to_path_buf(),
                    source: e,
                },
                InflateError::Write(e) => Error::Io {
                    path: temp.0.clone(),
                    source: e,
                },
            })?;
            let mut index = Self::index_plain(&temp.0, path)?;
            index.digests = digests;
            index._temp = Some(temp);
            return Ok(index);
        }
        Self::index_plain(path, path)
    }

    fn index_plain(file: &Path, shown: &Path) -> Result<Self, Error> {
        let bad = |e: io::Error| Error::BadArchive {
            path: shown.to_path_buf(),
            source: e,
        };
        let f = File::open(file).map_err(io_err(file))?;
        let len = f.metadata().map_err(io_err(file))?.len();
        let mut archive = tar::Archive::new(f);
        let mut members = HashMap::new();
        for entry in archive.entries_with_seek().map_err(bad)? {
            let entry = entry.map_err(bad)?;
            let raw_path = entry.path().map_err(bad)?.to_string_lossy().into_owned();
            let Some(name) = normalize_entry_path(&raw_path) else {
                continue;
            };
            let header = entry.header();
            let kind = header.entry_type();
            let link = if kind.is_symlink() {
                entry
                    .link_name()
                    .map_err(bad)?
                    .and_then(|l| resolve_link(&name, &l.to_string_lossy()))
            } else if kind.is_hard_link() {
                entry
                    .link_name()
                    .map_err(bad)?
                    .and_then(|l| normalize_entry_path(&l.to_string_lossy()))
            } else {
                None
            };
            let offset = entry.raw_file_position();
            let size = entry.size();
            if offset.saturating_add(size) > len {
                return Err(bad(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("member {name} runs past the end of the archive (truncated)"),
                )));
            }
            if members.len() >= MAX_ARCHIVE_MEMBERS {
                return Err(bad(io::Error::other(
                    "too many members for an image archive",
                )));
            }
            members.insert(name, Member { offset, size, link });
        }
        Ok(Self {
            path: file.to_path_buf(),
            members,
            digests: HashMap::new(),
            _temp: None,
        })
    }

    /// The SHA-256 of a member's content when it was computed on the way into
    /// our temporary copy (gzip archives), so readers need not hash it again.
    pub(crate) fn known_sha256(&self, name: &str) -> Option<customs_model::Digest> {
        let m = self.get(name)?;
        super::member_hash::lookup(&self.digests, m.offset, m.size)
    }

    /// Looks a member up; a missing one is a `NotFound` error naming it.
    fn require(&self, name: &str) -> io::Result<&Member> {
        self.get(name).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{name} not in archive"))
        })
    }

    /// Looks a member up, following symlinks and hard links inside the archive.
    pub(crate) fn get(&self, name: &str) -> Option<&Member> {
        let mut current = normalize_entry_path(name)?;
        for _ in 0..16 {
            let m = self.members.get(&current)?;
            match &m.link {
                Some(target) => current = target.clone(),
                None => return Some(m),
            }
        }
        None
    }

    /// Whether a member exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Opens a member's content (read ahead on a thread of its own when it
    /// is big, see [`super::open_file_range`]).
    pub(crate) fn open_member(&self, name: &str) -> io::Result<super::BlobReader<'static>> {
        let m = self.require(name)?;
        super::open_file_range(File::open(&self.path)?, m.offset, m.size)
    }

    /// Whether a member's bytes are in the page cache (see
    /// [`super::BlobSource::resident`]).
    pub(crate) fn resident(&self, name: &str) -> bool {
        self.get(name).is_some_and(|m| {
            File::open(&self.path).is_ok_and(|f| super::once::cached(&f, m.offset, m.size))
        })
    }

    /// Reads the first bytes of a member (to sniff its format), without
    /// reading ahead: the member is read in full later.
    pub(crate) fn read_head(&self, name: &str, out: &mut [u8]) -> io::Result<usize> {
        let m = self.require(name)?;
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(m.offset))?;
        let want = usize::try_from(m.size).map_or(out.len(), |s| s.min(out.len()));
        f.take(want as u64).read(out)
    }

    /// Reads a whole member, refusing members larger than `max`.
    pub(crate) fn read(&self, name: &str, max: u64) -> io::Result<Vec<u8>> {
        let m = self.require(name)?;
        if m.size > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name} has {} bytes, more than the {max} allowed", m.size),
            ));
        }
        let mut out = Vec::with_capacity(usize::try_from(m.size).unwrap_or(0));
        self.open_member(name)?.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// Why inflating an archive failed.
enum InflateError {
    Limit,
    Read(io::Error),
    Write(io::Error),
}

/// Bytes per piece handed from the inflating thread to the writing one.
const PIECE: usize = 1 << 20;

/// Inflates a gzip stream into `out`, hashing the tar members on the way.
///
/// Two threads: one inflates, the other writes and hashes, so a one-layer
/// archive keeps both cores busy (inflating is the larger half). Pieces go
/// back to the inflating thread for reuse, so the copy allocates a handful of
/// buffers whatever the size.
fn inflate_into(
    input: File,
    mut out: File,
    max_bytes: u64,
) -> Result<HashMap<u64, (u64, [u8; 32])>, InflateError> {
    use std::io::Write as _;
    use std::sync::mpsc;

    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(4);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        let inflater = scope.spawn(move || {
            let mut gz =
                flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, input));
            loop {
                let mut piece = empty_rx.try_recv().unwrap_or_else(|_| vec![0u8; PIECE]);
                let mut filled = 0;
                let read = loop {
                    match gz.read(piece.get_mut(filled..).unwrap_or_default()) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == piece.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                let done = filled < piece.len();
                let message = match read {
                    Ok(()) => Ok((piece, filled)),
                    Err(e) => Err(e),
                };
                let failed = message.is_err();
                // The writer gone (limit, write error) ends this thread too.
                if full_tx.send(message).is_err() || failed || done {
                    return;
                }
            }
        });
        let mut hasher = super::member_hash::MemberHasher::new();
        let mut total: u64 = 0;
        let written = full_rx.iter().try_for_each(|message| {
            let (piece, filled) = message.map_err(InflateError::Read)?;
            let bytes = piece.get(..filled).unwrap_or_default();
            total += filled as u64;
            if total > max_bytes {
                return Err(InflateError::Limit);
            }
            out.write_all(bytes).map_err(InflateError::Write)?;
            hasher.feed(bytes);
            let _ = empty_tx.send(piece);
            Ok(())
        });
        // A writer that stopped early (limit, write error) hangs up first, so
        // the inflating thread's next send fails and it ends; then it is
        // joined whole (thread-local teardown included) before we return.
        drop(full_rx);
        drop(empty_tx);
        let joined = inflater.join();
        written?;
        // A panic there would look like the end of the stream here.
        joined.map_err(|_| InflateError::Read(io::Error::other("the inflating thread failed")))?;
        Ok(hasher.finish())
    })
}

/// A temporary file removed on drop.
#[derive(Debug)]
pub(crate) struct TempFile(pub(crate) PathBuf);

impl TempFile {
    pub(crate) fn create(dir: &Path, prefix: &str) -> io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir)?;
        let name = format!(
            "customs-{prefix}-{}-{}.tmp",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        // create_new: never clobber a file somebody placed there.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
