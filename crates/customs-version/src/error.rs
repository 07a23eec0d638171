//! The one error type of this crate.

use crate::Scheme;

/// Why a version string could not be parsed (and so not compared).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The string is empty (or only whitespace where the scheme trims it).
    #[error("empty {scheme} version")]
    Empty {
        /// Scheme the string was parsed under.
        scheme: Scheme,
    },
    /// The string is longer than [`crate::MAX_VERSION_LEN`]; no real version is.
    #[error("{scheme} version of {len} bytes is longer than the limit of {max} bytes")]
    TooLong {
        /// Scheme the string was parsed under.
        scheme: Scheme,
        /// Length of the rejected string in bytes.
        len: usize,
        /// The limit, [`crate::MAX_VERSION_LEN`].
        max: usize,
    },
    /// The string is not a version of the scheme.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    Invalid {
        /// Scheme the string was parsed under.
        scheme: Scheme,
        /// The rejected string.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
