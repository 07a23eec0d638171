//! Hashing readers: every blob is hashed while it streams.

use std::io::{self, BufRead, Read};

use customs_model::{Digest, DigestAlgorithm};

use crate::source::{Chunk, ChunkRead};
use sha2::{Digest as _, Sha256, Sha512};

/// An incremental hash of one of the supported algorithms.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub(crate) fn new(alg: DigestAlgorithm) -> Self {
        match alg {
            DigestAlgorithm::Sha256 => Self::Sha256(Sha256::new()),
            DigestAlgorithm::Sha512 => Self::Sha512(Sha512::new()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Digest {
        match self {
            Self::Sha256(h) => Digest::from_bytes(DigestAlgorithm::Sha256, &h.finalize()),
            Self::Sha512(h) => Digest::from_bytes(DigestAlgorithm::Sha512, &h.finalize()),
        }
    }
}

/// Hashes bytes once.
pub(crate) fn digest_of(alg: DigestAlgorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finish()
}

/// A reader that hashes and counts what passes through it, and fails with an
/// error once more than `limit` bytes come through.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    count: u64,
    limit: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, alg: Option<DigestAlgorithm>, limit: u64) -> Self {
        Self {
            inner,
            hasher: alg.map(Hasher::new),
            count: 0,
            limit,
        }
    }

    /// Reads the rest of the stream (so the digest covers all of it) and
    /// returns the digest and total size.
    pub(crate) fn drain_and_finish(mut self) -> io::Result<(Option<Digest>, u64)> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                break;
            }
        }
        Ok((self.hasher.map(Hasher::finish), self.count))
    }
}

/// Marker inside an `io::Error` for a breached byte limit.
#[derive(Debug)]
pub(crate) struct LimitBreached;

impl std::fmt::Display for LimitBreached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("byte limit exceeded")
    }
}

impl std::error::Error for LimitBreached {}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = buf.get(..n).unwrap_or(&[]);
        if let Some(h) = &mut self.hasher {
            h.update(data);
        }
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io::Error::other(LimitBreached));
        }
        Ok(n)
    }
}

/// A buffered reader that hashes (with up to two algorithms) and counts every
/// byte it takes from `inner`, and fails once more than `limit` bytes came.
///
/// It is what the layer walk reads through, for two reasons of speed: the
/// gzip/zstd decoders read their input from its buffer in place
/// ([`BufRead`]), and the tar parser skips file contents nobody asked for by
/// seeking forward ([`Seek`] with `SeekFrom::Current`), which only moves
/// through the buffer. Bytes are hashed once, when they enter the buffer, and
/// never copied again unless somebody reads them.
pub(crate) struct HashingBufReader<R> {
    inner: R,
    buf: Chunk,
    pos: usize,
    filled: usize,
    hashers: Vec<Hasher>,
    count: u64,
    limit: u64,
}

impl<R: ChunkRead> HashingBufReader<R> {
    /// `algs`: the digests to compute over the stream (none, one or two).
    pub(crate) fn new(inner: R, algs: &[DigestAlgorithm], capacity: usize, limit: u64) -> Self {
        Self {
            inner,
            buf: Chunk::heap(capacity.max(512)),
            pos: 0,
            filled: 0,
            hashers: algs.iter().map(|a| Hasher::new(*a)).collect(),
            count: 0,
            limit,
        }
    }

    fn took(&mut self, data: &[u8]) -> io::Result<()> {
        for h in &mut self.hashers {
            h.update(data);
        }
        self.count += data.len() as u64;
        if self.count > self.limit {
            return Err(io::Error::other(LimitBreached));
        }
        Ok(())
    }

    /// Changes the byte limit (before the next read).
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Drops all but the first `n` hashers (the digests not needed after all).
    pub(crate) fn keep_hashers(&mut self, n: usize) {
        self.hashers.truncate(n);
    }

    /// Position in the stream of the next byte a reader gets.
    fn position(&self) -> u64 {
        self.count - (self.filled - self.pos) as u64
    }

    /// Reads the rest of the stream (so the digests cover all of it) and
    /// returns the digests, in the order of `algs`, and the total size.
    pub(crate) fn drain_and_finish(mut self) -> io::Result<(Vec<Digest>, u64)> {
        loop {
            self.pos = self.filled;
            if self.fill_buf()?.is_empty() {
                break;
            }
        }
        Ok((
            self.hashers.into_iter().map(Hasher::finish).collect(),
            self.count,
        ))
    }
}

impl<R: ChunkRead> Read for HashingBufReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.filled && out.len() >= self.buf.len() {
            // Large reads bypass the buffer.
            let n = self.inner.read(out)?;
            self.took(out.get(..n).unwrap_or(&[]))?;
            return Ok(n);
        }
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: ChunkRead> io::BufRead for HashingBufReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            // A read-ahead source swaps in a buffer it filled already.
            let n = self.inner.read_chunk(&mut self.buf)?;
            self.pos = 0;
            self.filled = 0;
            let data = self.buf.get(..n).unwrap_or(&[]);
            // Hashing borrows the buffer; the hashers are a separate field.
            for h in &mut self.hashers {
                h.update(data);
            }
            self.count += n as u64;
            if self.count > self.limit {
                return Err(io::Error::other(LimitBreached));
            }
            self.filled = n;
        }
        Ok(self.buf.get(self.pos..self.filled).unwrap_or(&[]))
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

impl<R: ChunkRead> io::Seek for HashingBufReader<R> {
    /// Only forward skips (`SeekFrom::Current(n)`, `n >= 0`): they read
    /// through the stream, hashing it, without copying it out.
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let io::SeekFrom::Current(delta) = pos else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            ));
        };
        let left = u64::try_from(delta).map_err(|_| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            )
        })?;
        skip_buffered(self, left, "stream ended inside an entry")?;
        Ok(self.position())
    }
}

/// Consumes the next `n` bytes of `r` from its buffer, without copying them;
/// an end of stream before them is an `UnexpectedEof` error saying `what`.
pub(crate) fn skip_buffered(
    r: &mut impl BufRead,
    mut n: u64,
    what: &'static str,
) -> io::Result<()> {
    while n > 0 {
        let avail = r.fill_buf()?.len();
        if avail == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, what));
        }
        let take = usize::try_from(n).map_or(avail, |n| n.min(avail));
        r.consume(take);
        n -= take as u64;
    }
    Ok(())
}

/// Whether an I/O error came from a [`HashingReader`] limit.
pub(crate) fn is_limit_breach(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitBreached>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_reader_hashes_reads_skips_and_limits() {
        use std::io::{Seek, SeekFrom};
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let algs = [DigestAlgorithm::Sha256, DigestAlgorithm::Sha512];
        let mut r = HashingBufReader::new(&data[..], &algs, 512, u64::MAX);
        let mut head = [0u8; 100];
        r.read_exact(&mut head).unwrap();
        assert_eq!(&head[..], &data[..100]);
        assert_eq!(r.seek(SeekFrom::Current(5_000)).unwrap(), 5_100);
        let mut next = [0u8; 3];
        r.read_exact(&mut next).unwrap();
        assert_eq!(&next[..], &data[5_100..5_103]);
        assert!(r.seek(SeekFrom::Start(0)).is_err());
        assert_eq!(r.fill_buf().unwrap().first(), data.get(5_103));
        let mut big = vec![0u8; 2_000];
        r.read_exact(&mut big).unwrap();
        assert_eq!(&big[..], &data[5_103..7_103]);
        let (digests, n) = r.drain_and_finish().unwrap();
        assert_eq!(n, 10_000);
        assert_eq!(digests[0], digest_of(DigestAlgorithm::Sha256, &data));
        assert_eq!(digests[1], digest_of(DigestAlgorithm::Sha512, &data));
        let mut r = HashingBufReader::new(&data[..], &[], 512, 1_000);
        let err = r.seek(SeekFrom::Current(5_000)).unwrap_err();
        assert!(is_limit_breach(&err));
        let mut r = HashingBufReader::new(&data[..100], &[], 512, u64::MAX);
        let err = r.seek(SeekFrom::Current(200)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn hashes_and_limits() {
        let data = b"hello world";
        let mut r = HashingReader::new(&data[..], Some(DigestAlgorithm::Sha256), 100);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        let (d, n) = r.drain_and_finish().unwrap();
        assert_eq!(n, 11);
        assert_eq!(
            d.unwrap().to_string(),
            "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let mut r = HashingReader::new(&data[..], None, 5);
        let err = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(is_limit_breach(&err));
    }
}
