//! OCI and Docker image wire types.
//!
//! Pure data: [`Reference`] parsing with Docker Hub normalisation, the
//! [`media_type`] constants, [`Descriptor`], [`Manifest`], [`Index`],
//! [`ImageConfig`] and [`Platform`]. Parsing is bounded by the caller (callers
//! read at most a few MiB before handing bytes here) and never panics.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod manifest;
pub mod media_type;
mod platform;
mod reference;

pub use manifest::{
    parse_manifest_kind, Descriptor, HealthCheck, History, ImageConfig, Index, Manifest,
    ManifestKind, ManifestParseError, RootFs, RuntimeConfig,
};
pub use platform::{Platform, PlatformParseError};
pub use reference::{Reference, ReferenceError, DOCKER_HUB_REGISTRY};
