//! Errors of the SBOM writers and readers.

/// Why an SBOM could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A format name that [`crate::Format`] does not know.
    #[error("unknown SBOM format {0:?} (expected spdx-json, spdx, cyclonedx-json or json)")]
    UnknownFormatName(String),
    /// The output could not be written.
    #[error("cannot write the SBOM")]
    Write(#[source] std::io::Error),
    /// The document could not be serialised.
    #[error("cannot serialise the SBOM")]
    Serialize(#[source] serde_json::Error),
    /// The input is larger than [`crate::Limits::max_bytes`].
    #[error("SBOM is {size} bytes, over the limit of {limit} bytes (raise Limits::max_bytes to read it)")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The JSON nests deeper than [`crate::Limits::max_depth`].
    #[error("SBOM nests deeper than {limit} levels (raise Limits::max_depth to read it)")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// The JSON holds more values than [`crate::Limits::max_values`].
    #[error("SBOM holds more than {limit} JSON values (raise Limits::max_values to read it)")]
    TooManyValues {
        /// The limit in force.
        limit: usize,
    },
    /// More packages than [`crate::Limits::max_packages`].
    #[error("SBOM lists more than {limit} packages (raise Limits::max_packages to read it)")]
    TooManyPackages {
        /// The limit in force.
        limit: usize,
    },
    /// Neither SPDX, CycloneDX nor customs JSON.
    #[error("input is not an SPDX, CycloneDX or customs SBOM")]
    UnknownFormat,
    /// A known format in a version this reader does not take.
    #[error("{format} version {version:?} is not supported")]
    UnsupportedVersion {
        /// `SPDX`, `CycloneDX` or `customs`.
        format: &'static str,
        /// The version the document states.
        version: String,
    },
    /// The JSON is malformed or has the wrong shape for its format.
    #[error("malformed {format} document")]
    MalformedJson {
        /// `SPDX`, `CycloneDX`, `customs` or `JSON`.
        format: &'static str,
        /// The parser's complaint (line and column included).
        #[source]
        source: serde_json::Error,
    },
    /// A line of an SPDX tag-value document that cannot be read.
    #[error("malformed SPDX tag-value document at line {line}: {reason}")]
    MalformedTagValue {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}
