//! OCI distribution-spec registry client: the only customs crate that talks
//! to the network.
//!
//! [`Client`] is async (tokio + reqwest with rustls); [`blocking::Client`]
//! wraps it for synchronous callers and hands out layer blobs as
//! `std::io::Read`.
//!
//! What it does:
//! - `/v2/` ping; Basic auth and the bearer-token flow from `WWW-Authenticate`
//!   (anonymous, with a password, or with an identity token), with a token
//!   cache per registry, service and scope;
//! - credentials from [`ClientConfig::credentials`], then Docker's
//!   `config.json` (`auths`, `credHelpers`, `credsStore`);
//! - TLS with the system roots plus [`ClientConfig::ca_files`]; plain http,
//!   and https without verification, only for registries listed in
//!   [`ClientConfig::insecure_registries`];
//! - redirects (to blob storage) with the `Authorization` header dropped when
//!   the host changes, and no https → http downgrade;
//! - retries with backoff and `Retry-After` on 429, 500, 502, 503, 504 and
//!   dropped connections; connect and read-idle timeouts;
//! - manifests of Docker v2 schema 2 and OCI v1, lists and indexes (schema 1
//!   refused), capped in size, digest computed from the exact bytes and checked
//!   when fetched by digest (`Docker-Content-Digest` is never trusted);
//! - blobs streamed and verified (sha256, sha512): end of stream is reported
//!   only after the digest matched;
//! - push: blobs (monolithic and chunked), cross-repository mounts, manifests
//!   and tags; OCI 1.1 referrers (`None` when the registry lacks the API);
//!   tag listing with `Link` pagination.
//!
//! Credentials policy: Basic credentials go to the registry itself, and to the
//! token realm the registry names (as Docker does), but to a plain-http realm
//! only when it is on a loopback address or the registry (or realm host) is
//! listed as insecure; otherwise [`Error::InsecureRealm`]. Registry
//! credentials are never sent to a different host (upload locations, `Link`
//! targets, redirects). Nothing here logs, and errors never hold credentials
//! or tokens.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod auth;
pub mod blocking;
mod client;
mod config;
mod credentials;
mod error;
mod verify;

pub use client::{BlobStream, Client, FetchedManifest, ManifestHead};
pub use config::{ClientConfig, Credentials, DockerConfigSource, RetryPolicy, Timeouts};
pub use error::{BoxError, Error};

pub(crate) use client::classify_body as client_body_error;

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    /// The image crate shares one client between rayon workers and boxes
    /// readers as `dyn Read + Send`.
    #[test]
    fn clients_are_shareable_and_readers_movable() {
        send_sync::<crate::Client>();
        send_sync::<crate::blocking::Client>();
        send::<crate::blocking::BlobReader>();
        send::<crate::BlobStream>();
        send_sync::<crate::Error>();
    }
}
