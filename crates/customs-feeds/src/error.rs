//! The one error type of this crate.

use std::path::PathBuf;

/// Why an update, push or pull failed.
///
/// Whenever one of these is returned, the database at the target path is
/// the one that was there before (or still absent): nothing is swapped in
/// unless the whole operation succeeded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `--offline` was given to an operation that needs the network.
    #[error("refusing to download advisory feeds in offline mode")]
    Offline,
    /// A feed is misconfigured (URL not http(s), a name that is not a
    /// plain file name).
    #[error("feed {feed} is invalid: {reason}")]
    InvalidFeed {
        /// Feed name.
        feed: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client or the async runtime could not be set up.
    #[error("cannot set up the HTTP client")]
    Setup(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The request failed before a complete response arrived (connect,
    /// TLS, timeout, redirect refused, connection dropped).
    #[error("cannot download feed {feed} from {url}")]
    Download {
        /// Feed name.
        feed: String,
        /// The URL.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status other than 200 or 304.
    #[error("feed {feed}: {url} answered HTTP {status}")]
    Status {
        /// Feed name.
        feed: String,
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// A download (feed, artifact layer, decompressed database) was larger
    /// than allowed.
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// What was downloaded (`feed osv:PyPI`, an artifact reference).
        what: String,
        /// The limit that was hit.
        limit: u64,
        /// Limits field to raise.
        field: &'static str,
    },
    /// A local file or folder could not be read or written.
    #[error("cannot access {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The downloaded feeds could not be imported as a whole.
    #[error("cannot import the downloaded feeds")]
    Import(#[source] customs_vuln::import::Error),
    /// A feed downloaded fine but yielded no usable records (truncated,
    /// not the expected format, or every record malformed).
    #[error("feed {feed} ({url}) holds no advisory data customs can read: {reason}")]
    FeedUnusable {
        /// Feed name.
        feed: String,
        /// The URL.
        url: String,
        /// What the importer said about it.
        reason: String,
    },
    /// The database could not be opened, verified or written.
    #[error("vulnerability database error")]
    Database(#[source] customs_vuln::DbError),
    /// A registry operation failed.
    #[error("registry operation on {reference} failed")]
    Registry {
        /// The artifact reference.
        reference: String,
        /// Cause.
        #[source]
        source: customs_registry::Error,
    },
    /// The manifest is not a customs vulnerability database artifact.
    #[error("{reference} is not a customs vulnerability database (artifact type {found:?})")]
    NotAVulnDb {
        /// The artifact reference.
        reference: String,
        /// The artifact type found, if any.
        found: Option<String>,
    },
    /// The artifact holds a database of another schema version.
    #[error(
        "{reference} holds a database of schema version {found}, this customs reads {expected}"
    )]
    SchemaMismatch {
        /// The artifact reference.
        reference: String,
        /// Version in the artifact's annotations.
        found: String,
        /// Version this build reads.
        expected: u32,
    },
    /// The artifact is of our type but its layout is wrong.
    #[error("{reference} is a malformed vulnerability database artifact: {detail}")]
    BadArtifact {
        /// The artifact reference.
        reference: String,
        /// What was wrong.
        detail: String,
    },
}

impl Error {
    /// What the user can do about it, for the CLI's `hint:` line.
    pub fn hint(&self) -> Option<&str> {
        Some(match self {
            Self::Offline => {
                "drop --offline, or bring a database in with `customs db pull` from a local registry or `customs db import` from files"
            }
            Self::InvalidFeed { .. } => "check the feed base URLs, ecosystems and releases (mirror settings)",
            Self::Download { .. } => {
                "check the network, proxy and feed URLs; behind an air gap use `customs db pull` from a local registry"
            }
            Self::Status { .. } => "the feed server or mirror is failing or the URL is wrong: retry later or check the mirror",
            Self::TooLarge { .. } => "raise the download limit if the feed legitimately grew",
            Self::FeedUnusable { .. } | Self::Import(_) => {
                "the previous database is unchanged; retry later (a mirror may have served a truncated file)"
            }
            Self::Database(_) => "run `customs db update` (or `customs db import`) to get a fresh database",
            Self::Registry { source, .. } => return source.hint(),
            Self::NotAVulnDb { .. } => "check the reference: it must point at an artifact made by `customs db push`",
            Self::SchemaMismatch { .. } => {
                "push a database built by this customs version, or upgrade customs to read it"
            }
            Self::BadArtifact { .. } => "re-push the database with `customs db push`",
            Self::Setup(_) | Self::Io { .. } => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_hints() {
        let e = Error::Offline;
        assert!(e.to_string().contains("offline"));
        assert!(e.hint().is_some_and(|h| h.contains("db pull")));
        let e = Error::Registry {
            reference: "r/x:1".into(),
            source: customs_registry::Error::NotFound {
                what: "manifest r/x:1".into(),
                message: String::new(),
            },
        };
        assert_eq!(e.to_string(), "registry operation on r/x:1 failed");
        assert!(e.hint().is_some_and(|h| h.contains("repository name")));
    }
}
