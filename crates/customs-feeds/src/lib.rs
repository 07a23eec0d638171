//! Getting advisory data onto a machine: `customs db update` and
//! `customs db push` / `customs db pull`.
//!
//! - [`FeedSet`] names the public feeds (osv.dev's per-ecosystem `all.zip`,
//!   the Debian security tracker export, Alpine secdb per release and
//!   repository) with overridable base URLs for mirrors and tests.
//! - [`update()`] downloads them with conditional requests (ETag and
//!   Last-Modified kept per feed), bounded sizes and no network at all in
//!   offline mode, imports them with `customs-vuln` and renames the new
//!   database over the old one: readers never see a half-written file, and a
//!   failed update leaves the old database (and the download cache) as it was.
//! - [`push()`] / [`pull()`] carry the database through any OCI registry as an
//!   OCI 1.1 artifact ([`artifact::ARTIFACT_TYPE`]), for air-gapped clusters;
//!   pull checks the artifact type, schema version and digests before the
//!   swap.
//!
//! HTTP goes through the same stack as `customs-registry` (reqwest with
//! rustls on a small tokio runtime), behind a blocking API.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod artifact;
mod error;
pub mod feeds;
pub mod update;

pub use artifact::{
    pull, pull_with, push, push_with, PullOptions, PullSummary, PushOptions, PushSummary,
};
pub use error::Error;
pub use feeds::{Feed, FeedKind, FeedSet};
pub use update::{
    staging_dir, update, FeedOutcome, Fetch, Limits, Progress, ProgressFn, UpdateOptions,
    UpdateSummary,
};
