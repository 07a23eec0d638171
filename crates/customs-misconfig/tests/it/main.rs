//! Integration tests for customs-misconfig: one binary, one module per area.

mod bad_input;
mod dockerfile;
mod fixtures;
mod kubernetes;
mod pss;
mod sarif;

use std::path::PathBuf;

/// The crate's shipped examples.
pub(crate) fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}
