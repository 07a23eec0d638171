//! Integration tests for customs-attest: real key files and Sigstore
//! bundles from ../shared, and interop with independent Python
//! implementations (skipped when the Python modules are absent).

mod bundle;
mod keys;
mod python;
mod registry;
mod slsa;
mod stub;
mod verify;

use std::path::PathBuf;

/// A file under ../shared/fixtures/cosign, or None (skip).
#[track_caller]
pub(crate) fn cosign_fixture(rel: &str) -> Option<PathBuf> {
    customs_test::shared_path(&format!("fixtures/cosign/{rel}"))
}
