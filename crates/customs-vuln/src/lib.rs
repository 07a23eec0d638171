//! Vulnerability data and matching for customs.
//!
//! - [`import`]: reads OSV records (single files, folders, osv.dev's
//!   `all.zip`), the Debian security tracker export and Alpine secdb files
//!   into a [`DbBuilder`]; malformed records are counted, reported by ID and
//!   skipped.
//! - [`Database`]: one checksummed, versioned file, written atomically and
//!   opened cheaply (header and index only; records decode on demand). A
//!   truncated or damaged file is refused with [`DbError::Corrupt`].
//! - [`match_catalog`]: matches a [`customs_model::Catalog`] against the
//!   database and returns findings (one per vulnerability, all IDs merged),
//!   the packages that could not be matched and why, and warnings.
//! - [`triage`]: OpenVEX documents and the `.customsignore` file mark
//!   findings as suppressed (never dropped).
//! - [`cvss`]: base scores of CVSS v2, v3.0, v3.1 and v4.0 vectors.
//!
//! All version comparisons go through `customs-version`.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod cvss;
pub mod db;
pub mod import;
pub mod matcher;
pub mod record;
pub mod source;
pub mod triage;
mod version;

pub use cvss::{base_score, CvssError, CvssScore, CvssVersion};
pub use db::{Database, DbBuilder, DbError, DbStatus, SourceStatus, SCHEMA_VERSION};
pub use import::{import_paths, ImportOptions, ImportReport, Limits, Malformed};
pub use matcher::{
    match_catalog, Finding, MatchOptions, MatchReport, Status, Suppression, SuppressionSource,
    Unmatched, UnmatchedReason,
};
pub use source::osv::cwe_number;
pub use triage::{Date, IgnoreFile, OpenVex, TriageError};
