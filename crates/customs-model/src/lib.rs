//! Vocabulary shared by every customs crate.
//!
//! This crate is pure: no I/O, no async, few dependencies. It names the things
//! the other crates exchange: [`Digest`]s of blobs, [`Package`]s found in an
//! image, where they were found ([`Location`]), how bad a finding is
//! ([`Severity`]), problems that let the work go on ([`Warning`]), and the
//! contract between the image layer walker and the analyzers that plug into it
//! ([`analysis`]).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod analysis;
mod digest;
mod package;
mod severity;
mod warning;

pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use package::{
    Catalog, Location, OsRelease, Package, PackageType, Relationship, RelationshipKind,
    SourcePackage,
};
pub use severity::Severity;
pub use warning::Warning;
