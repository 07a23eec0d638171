//! The one error type of the registry client.

use std::path::PathBuf;

use customs_model::Digest;

/// A boxed cause, for errors from the HTTP and TLS stacks whose types are not
/// part of this crate's API.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a registry operation failed.
///
/// Every variant names what was being fetched or pushed (`what`: a manifest
/// reference, a blob digest in a repository, a URL) and [`Error::hint`] says
/// what the user can do about it. Messages never contain credentials or tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry or its token service refused the request for lack of (valid) credentials.
    #[error("registry {registry} refused access to {what}: {}", if *.anonymous { "authentication required" } else { "credentials rejected" })]
    Unauthorized {
        /// Registry host.
        registry: String,
        /// What was requested.
        what: String,
        /// Whether the request was made without credentials.
        anonymous: bool,
    },
    /// Authenticated, but the account may not do this (HTTP 403).
    #[error("registry {registry} denied access to {what}")]
    Denied {
        /// Registry host.
        registry: String,
        /// What was requested.
        what: String,
        /// The registry's error message, if it sent one.
        message: String,
    },
    /// The registry kept answering 401 after a token was issued for exactly what it asked.
    #[error("registry {registry} keeps refusing {what} after authenticating (401 loop)")]
    AuthLoop {
        /// Registry host.
        registry: String,
        /// What was requested.
        what: String,
    },
    /// The token service is on plain http on a host that is not trusted with credentials.
    #[error("refusing to send credentials to token service {realm} over plain http")]
    InsecureRealm {
        /// The realm URL (no credentials in it).
        realm: String,
    },
    /// The manifest, blob, repository or tag does not exist (HTTP 404).
    #[error("{what} not found")]
    NotFound {
        /// What was requested.
        what: String,
        /// The registry's error code and message, if it sent one.
        message: String,
    },
    /// Content did not hash to the digest it was asked for by.
    #[error("{what}: content has digest {actual}, expected {expected}")]
    DigestMismatch {
        /// What was fetched or pushed.
        what: String,
        /// The digest asked for.
        expected: Digest,
        /// The digest of the bytes received.
        actual: Digest,
    },
    /// Content was longer or shorter than its descriptor says.
    #[error("{what}: content is {actual} bytes, expected {expected}")]
    SizeMismatch {
        /// What was fetched.
        what: String,
        /// Size from the descriptor.
        expected: u64,
        /// Bytes received (a lower bound when the body was cut off for being too long).
        actual: u64,
    },
    /// The body is not a manifest at all (an HTML page, a JSON error, garbage).
    #[error("{what}: the registry answered with something that is not a manifest (content type {content_type:?})")]
    NotAManifest {
        /// What was requested.
        what: String,
        /// The `Content-Type` header, or empty.
        content_type: String,
        /// Whether the body looks like HTML.
        html: bool,
    },
    /// A Docker schema 1 manifest, which customs refuses.
    #[error("{what} is a Docker schema 1 manifest, which is deprecated and not supported")]
    Schema1 {
        /// The manifest reference.
        what: String,
    },
    /// A JSON manifest of a media type that is neither an image manifest nor an index.
    #[error("{what} has unsupported manifest media type {media_type:?}")]
    UnsupportedMediaType {
        /// The manifest reference.
        what: String,
        /// Its media type.
        media_type: String,
    },
    /// A body over the configured limit.
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// What was requested.
        what: String,
        /// The limit that was hit.
        limit: u64,
    },
    /// The `/v2/` endpoint does not behave like a registry.
    #[error("{url} does not look like an OCI registry (HTTP {status} from /v2/)")]
    NotARegistry {
        /// The ping URL.
        url: String,
        /// Status received.
        status: u16,
    },
    /// TLS failed: unknown CA, wrong host name, or a server that does not speak TLS.
    #[error("TLS connection to {host} failed")]
    Tls {
        /// Host and port.
        host: String,
        /// The TLS stack's error.
        #[source]
        source: BoxError,
    },
    /// The TCP connection could not be made.
    #[error("cannot connect to {host}")]
    Connect {
        /// Host and port.
        host: String,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The connection broke while a request or response was in flight.
    #[error("connection dropped during {what}")]
    Interrupted {
        /// What was being transferred.
        what: String,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// Connecting or waiting for data took longer than the configured timeout.
    #[error("timed out during {what}")]
    Timeout {
        /// What was being transferred.
        what: String,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The registry answered 429 or 5xx (or the connection dropped) on every attempt.
    #[error("gave up on {what} after {attempts} attempts")]
    TooManyRetries {
        /// What was requested.
        what: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: Box<Error>,
    },
    /// The registry answered 429 or 5xx (on its own: the last failure inside [`Error::TooManyRetries`]).
    #[error("registry answered HTTP {status} to {what}")]
    Unavailable {
        /// What was requested.
        what: String,
        /// HTTP status.
        status: u16,
    },
    /// An HTTP status the protocol does not allow here.
    #[error("unexpected HTTP {status} for {what}{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    UnexpectedStatus {
        /// What was requested.
        what: String,
        /// HTTP status.
        status: u16,
        /// The registry's error code and message, if it sent one.
        message: String,
    },
    /// A response that breaks the distribution protocol (missing `Location`, bad token JSON...).
    #[error("protocol error during {what}: {detail}")]
    Protocol {
        /// What was requested.
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// A CA file could not be read or holds no certificate.
    #[error("cannot use CA file {path}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The Docker config file could not be read or parsed.
    #[error("cannot read docker config {path}")]
    DockerConfig {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// A `docker-credential-*` helper failed.
    #[error("credential helper docker-credential-{helper} failed for {registry}: {detail}")]
    CredentialHelper {
        /// Helper name (suffix after `docker-credential-`).
        helper: String,
        /// Registry asked for.
        registry: String,
        /// What went wrong (never the secret).
        detail: String,
    },
    /// Writing fetched content to the caller's writer failed.
    #[error("cannot write {what}")]
    Write {
        /// What was being written.
        what: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Reading content to push from the caller's reader failed.
    #[error("cannot read the content for {what}")]
    Read {
        /// What was being pushed.
        what: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client or the async runtime could not be set up.
    #[error("cannot set up the registry client")]
    Setup {
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// A blocking method was called from inside an async runtime.
    #[error("the blocking registry client was called from inside an async runtime")]
    BlockingInAsync,
}

impl Error {
    /// What the user can do about it, for the CLI's `hint:` line.
    pub fn hint(&self) -> Option<&str> {
        Some(match self {
            Self::Unauthorized { anonymous: true, .. } => {
                "the registry needs credentials: run `docker login`, or pass --username and --password-stdin"
            }
            Self::Unauthorized { anonymous: false, .. } => {
                "check the username and password (or run `docker login` again)"
            }
            Self::Denied { .. } => "the account lacks permission for this repository",
            Self::AuthLoop { .. } => {
                "the token issued does not grant this access: check the account's permissions for the repository, or the registry's token service"
            }
            Self::InsecureRealm { .. } => {
                "list the token service's host as an insecure registry to allow sending credentials there"
            }
            Self::NotFound { .. } => {
                "check the repository name, tag and digest; the image may have been deleted"
            }
            Self::DigestMismatch { .. } | Self::SizeMismatch { .. } => {
                "the registry, a proxy or the network altered the content: do not trust it"
            }
            Self::NotAManifest { html: true, .. } => {
                "the server answered with a web page: check the registry address and any proxy or captive portal"
            }
            Self::NotAManifest { html: false, .. } => {
                "check the registry address; the server is not speaking the registry protocol"
            }
            Self::Schema1 { .. } => {
                "re-push the image with a current Docker, BuildKit or skopeo (schema 2 or OCI manifest)"
            }
            Self::UnsupportedMediaType { .. } => {
                "this is probably an OCI artifact rather than a container image"
            }
            Self::TooLarge { .. } => {
                "raise the limit (ClientConfig::max_manifest_bytes) if the content is legitimate"
            }
            Self::NotARegistry { .. } => "check the registry address (host and port)",
            Self::Tls { .. } => {
                "pass the registry's CA with --ca-file; if the registry speaks plain http (a test registry), list it as insecure"
            }
            Self::Connect { .. } => {
                "check the registry address and that it is running; for a plain-http registry, list it as insecure"
            }
            Self::Interrupted { .. } | Self::Timeout { .. } => {
                "the registry or the network is slow or unreliable: retry, or raise the timeouts"
            }
            Self::TooManyRetries { .. } | Self::Unavailable { .. } => {
                "the registry is overloaded, rate-limiting or failing: retry later"
            }
            Self::CaFile { .. } => "the CA file must hold PEM certificates",
            Self::DockerConfig { .. } => {
                "fix or move the docker config file (~/.docker/config.json or $DOCKER_CONFIG/config.json)"
            }
            Self::CredentialHelper { .. } => {
                "check that the credential helper is installed and logged in, or pass credentials explicitly"
            }
            Self::BlockingInAsync => "use customs_registry::Client (async) from async code",
            Self::UnexpectedStatus { .. }
            | Self::Protocol { .. }
            | Self::Write { .. }
            | Self::Read { .. }
            | Self::Setup { .. } => return None,
        })
    }

    /// The registry error carried by an `io::Error` from a blob reader
    /// ([`crate::blocking::BlobReader`]), if it is one.
    pub fn from_io(err: &std::io::Error) -> Option<&Self> {
        err.get_ref().and_then(|e| e.downcast_ref::<Self>())
    }

    /// Wraps this error in an `io::Error` of a fitting kind, keeping it
    /// reachable through [`Error::from_io`].
    pub fn into_io(self) -> std::io::Error {
        let kind = match &self {
            Self::DigestMismatch { .. } | Self::SizeMismatch { .. } => {
                std::io::ErrorKind::InvalidData
            }
            Self::Timeout { .. } => std::io::ErrorKind::TimedOut,
            Self::Interrupted { .. } => std::io::ErrorKind::ConnectionAborted,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_and_io_round_trip() {
        let e = Error::NotFound {
            what: "manifest r:t".into(),
            message: String::new(),
        };
        assert_eq!(e.to_string(), "manifest r:t not found");
        assert!(e.hint().is_some());
        let io = e.into_io();
        assert!(matches!(Error::from_io(&io), Some(Error::NotFound { .. })));
        let u = Error::Unauthorized {
            registry: "r".into(),
            what: "x".into(),
            anonymous: true,
        };
        assert_eq!(
            u.to_string(),
            "registry r refused access to x: authentication required"
        );
        assert!(u.hint().is_some_and(|h| h.contains("docker login")));
    }
}
