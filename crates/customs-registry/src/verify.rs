//! Streaming digest verification.

use customs_model::{Digest, DigestAlgorithm};
use sha2::Digest as _;

use crate::Error;

/// An incremental hash of one of the algorithms a [`Digest`] may use.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub(crate) fn new(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
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

/// The digest of `data` in `algorithm`.
pub(crate) fn digest_of(algorithm: DigestAlgorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish()
}

/// Checks content as it streams past: counts bytes against the expected
/// size (failing as soon as there are too many, so an endless body stops)
/// and compares the digest at the end.
pub(crate) struct Verifier {
    what: String,
    hasher: Option<Hasher>,
    expected: Digest,
    expected_size: Option<u64>,
    seen: u64,
}

impl Verifier {
    pub(crate) fn new(what: String, expected: Digest, expected_size: Option<u64>) -> Self {
        Self {
            what,
            hasher: Some(Hasher::new(expected.algorithm())),
            expected,
            expected_size,
            seen: 0,
        }
    }

    /// Feeds bytes; fails when they go past the expected size.
    pub(crate) fn update(&mut self, data: &[u8]) -> Result<(), Error> {
        self.seen = self.seen.saturating_add(data.len() as u64);
        if let Some(size) = self.expected_size {
            if self.seen > size {
                return Err(Error::SizeMismatch {
                    what: self.what.clone(),
                    expected: size,
                    actual: self.seen,
                });
            }
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(data);
        }
        Ok(())
    }

    /// Bytes seen so far.
    pub(crate) fn seen(&self) -> u64 {
        self.seen
    }

    /// Ends the content: checks size and digest.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if let Some(size) = self.expected_size {
            if self.seen != size {
                return Err(Error::SizeMismatch {
                    what: self.what.clone(),
                    expected: size,
                    actual: self.seen,
                });
            }
        }
        let Some(h) = self.hasher.take() else {
            return Ok(());
        };
        let actual = h.finish();
        if actual != self.expected {
            return Err(Error::DigestMismatch {
                what: self.what.clone(),
                expected: self.expected.clone(),
                actual,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_sha256_and_sha512() {
        let d256 = digest_of(DigestAlgorithm::Sha256, b"");
        assert_eq!(
            d256.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let d512 = digest_of(DigestAlgorithm::Sha512, b"abc");
        assert!(d512.to_string().starts_with("sha512:ddaf35a193617aba"));
        let mut v = Verifier::new("blob".into(), d512.clone(), Some(3));
        v.update(b"ab").unwrap();
        v.update(b"c").unwrap();
        v.finish().unwrap();
        let mut v = Verifier::new("blob".into(), d512, None);
        v.update(b"abd").unwrap();
        assert!(matches!(v.finish(), Err(Error::DigestMismatch { .. })));
    }

    #[test]
    fn size_is_enforced_early_and_at_the_end() {
        let d = digest_of(DigestAlgorithm::Sha256, b"abc");
        let mut v = Verifier::new("blob".into(), d.clone(), Some(2));
        assert!(matches!(
            v.update(b"abc"),
            Err(Error::SizeMismatch { actual: 3, .. })
        ));
        let mut v = Verifier::new("blob".into(), d, Some(4));
        v.update(b"abc").unwrap();
        assert!(matches!(
            v.finish(),
            Err(Error::SizeMismatch {
                expected: 4,
                actual: 3,
                ..
            })
        ));
    }
}
