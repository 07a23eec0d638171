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
            let mut out = File::create(&temp.0).map_err(io_err(&temp.0))?;
            let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, f));
            let mut limited = crate::verify::HashingReader::new(gz, None, max_bytes);
            io::copy(&mut limited, &mut out).map_err(|e| {
                if crate::verify::is_limit_breach(&e) {
                    Error::LimitExceeded {
                        what: format!("decompressed archive {}", path.display()),
                        limit: max_bytes,
                        unit: "bytes",
                        flag: "--max-image-bytes",
                    }
                } else {
                    Error::BadArchive {
                        path: path.to_path_buf(),
                        source: e,
                    }
                }
            })?;
            drop(out);
            let mut index = Self::index_plain(&temp.0, path)?;
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
            _temp: None,
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

    /// Opens a member's content.
    pub(crate) fn open_member(&self, name: &str) -> io::Result<impl Read + Send> {
        let m = self.get(name).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{name} not in archive"))
        })?;
        let f = File::open(&self.path)?;
        Ok(BufReader::with_capacity(
            256 * 1024,
            super::once::ReadOnce::range(f, m.offset, m.size)?,
        ))
    }

    /// Reads a whole member, refusing members larger than `max`.
    pub(crate) fn read(&self, name: &str, max: u64) -> io::Result<Vec<u8>> {
        let m = self.get(name).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{name} not in archive"))
        })?;
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
