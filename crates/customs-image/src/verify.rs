//! Hashing readers: every blob is hashed while it streams.

use std::io::{self, Read};

use customs_model::{Digest, DigestAlgorithm};
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

    pub(crate) fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
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

/// Whether an I/O error came from a [`HashingReader`] limit.
pub(crate) fn is_limit_breach(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitBreached>())
}

#[cfg(test)]
mod tests {
    use super::*;

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
