//! Reading a blob once, front to back, without flooding the page cache.
//!
//! A scan reads each layer blob exactly once (results are kept per diffID in
//! the layer cache, so a second scan does not read it again). Through the
//! page cache, a 2 GiB archive would evict 2 GiB of the user's working set for
//! data nobody reads twice, and on virtual machines whose freed memory goes
//! back to the hypervisor, filling fresh page-cache pages cost as much system
//! time as hashing the bytes (measured: `dd` of the 2 GiB bench image, cold,
//! 1.7-3.6 s with 0.7-3.4 s of system time through the cache; 1.1-1.2 s with
//! 0.1-0.3 s when the pages behind the reader are dropped). So, like
//! `dd iflag=nocache`, the reader asks for sequential read-ahead and tells the
//! kernel every few MiB that the pages behind it are no longer needed. Both
//! are advice: errors are ignored, dirty pages stay, and other readers of the
//! same pages only pay a re-read.
//!
//! A range found in the page cache before the first read (sampled with
//! non-blocking reads) is left there: it is the user's working set already,
//! typically an archive `docker save` just wrote, and dropping it would cost
//! time now (a tenth of a second of system time on the bench image) and a
//! re-read later.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Pages are dropped in steps of this many bytes behind the reader.
const DROP_STRIDE: u64 = 8 << 20;

/// A byte range of a file, read once.
#[derive(Debug)]
pub(crate) struct ReadOnce {
    file: File,
    /// Next offset to read.
    pos: u64,
    /// End of the range (exclusive).
    end: u64,
    /// Pages before this offset have been dropped.
    dropped: u64,
    /// Whether pages behind the reader are dropped (the range was not cached).
    drop_behind: bool,
}

impl ReadOnce {
    /// The `size` bytes of `file` from `offset`.
    pub(crate) fn range(mut file: File, offset: u64, size: u64) -> io::Result<Self> {
        file.seek(SeekFrom::Start(offset))?;
        let end = offset.saturating_add(size);
        let drop_behind = !cached(&file, offset, size);
        advise_sequential(&file, offset, size);
        Ok(Self {
            file,
            pos: offset,
            end,
            dropped: offset,
            drop_behind,
        })
    }

    fn drop_behind(&mut self, force: bool) {
        if !self.drop_behind {
            return;
        }
        if self.pos.saturating_sub(self.dropped) >= DROP_STRIDE
            || (force && self.pos > self.dropped)
        {
            advise_dont_need(&self.file, self.dropped, self.pos - self.dropped);
            self.dropped = self.pos;
        }
    }
}

impl Read for ReadOnce {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if want == 0 {
            self.drop_behind(true);
            return Ok(0);
        }
        let n = self.file.read(buf.get_mut(..want).unwrap_or_default())?;
        self.pos += n as u64;
        self.drop_behind(n == 0 || self.pos == self.end);
        Ok(n)
    }
}

/// Whether the range is in the page cache: one byte at each of a few evenly
/// spread offsets is read without waiting for the disk (`RWF_NOWAIT`, which
/// fails instead of reading the disk). A file system that does not support
/// it counts as not cached.
#[cfg(target_os = "linux")]
pub(crate) fn cached(file: &File, offset: u64, size: u64) -> bool {
    const PROBES: u64 = 8;
    let mut byte = [0u8; 1];
    let last = size.saturating_sub(1);
    (0..PROBES).all(|i| {
        let at = offset.saturating_add(last / (PROBES - 1) * i);
        let mut bufs = [io::IoSliceMut::new(&mut byte)];
        matches!(
            rustix::io::preadv2(file, &mut bufs, at, rustix::io::ReadWriteFlags::NOWAIT),
            Ok(1)
        )
    })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn cached(_file: &File, _offset: u64, _size: u64) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn advise(file: &File, offset: u64, len: u64, advice: rustix::fs::Advice) {
    let _ = rustix::fs::fadvise(file, offset, std::num::NonZeroU64::new(len), advice);
}

#[cfg(target_os = "linux")]
fn advise_sequential(file: &File, offset: u64, len: u64) {
    advise(file, offset, len, rustix::fs::Advice::Sequential);
}

#[cfg(target_os = "linux")]
fn advise_dont_need(file: &File, offset: u64, len: u64) {
    advise(file, offset, len, rustix::fs::Advice::DontNeed);
}

#[cfg(not(target_os = "linux"))]
fn advise_sequential(_file: &File, _offset: u64, _len: u64) {}

#[cfg(not(target_os = "linux"))]
fn advise_dont_need(_file: &File, _offset: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn reads_exactly_the_range_across_drop_strides() {
        let dir = customs_test::TempDir::new("read-once").unwrap();
        let path = dir.path().join("blob");
        let data: Vec<u8> = (0..(DROP_STRIDE as usize * 2 + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        File::create(&path).unwrap().write_all(&data).unwrap();

        let mut whole = Vec::new();
        ReadOnce::range(File::open(&path).unwrap(), 0, data.len() as u64)
            .unwrap()
            .read_to_end(&mut whole)
            .unwrap();
        assert_eq!(whole, data);

        let (offset, size) = (1_000_u64, DROP_STRIDE + 777);
        let mut part = Vec::new();
        ReadOnce::range(File::open(&path).unwrap(), offset, size)
            .unwrap()
            .read_to_end(&mut part)
            .unwrap();
        assert_eq!(part, data[1_000..1_000 + size as usize]);

        // A range running past the end of the file yields what is there.
        let mut tail = Vec::new();
        ReadOnce::range(File::open(&path).unwrap(), data.len() as u64 - 10, 100)
            .unwrap()
            .read_to_end(&mut tail)
            .unwrap();
        assert_eq!(tail, data[data.len() - 10..]);
    }
}
