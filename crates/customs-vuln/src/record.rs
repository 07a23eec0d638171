//! What the database stores: advisories and, per (namespace, package), the
//! affected-version facts that point at them.
//!
//! These types are serialised with `postcard` inside the database file; any
//! change to them is a schema change ([`crate::db::SCHEMA_VERSION`]).

use customs_model::Severity;
use serde::{Deserialize, Serialize};

use crate::cvss::CvssScore;

/// Whether an advisory is about a vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdvisoryKind {
    /// A vulnerability.
    Vulnerability,
    /// Not a vulnerability: RustSec `informational` (unmaintained, unsound,
    /// notice), AlmaLinux bug-fix (ALBA) and enhancement (ALEA) errata. Not
    /// reported unless asked for.
    Informational(String),
}

/// One advisory (an OSV record, a Debian tracker CVE, an Alpine secfix ID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Identifier as the source spells it.
    pub id: String,
    /// Other identifiers of the same vulnerability (OSV `aliases`).
    pub aliases: Vec<String>,
    /// Vulnerability or not.
    pub kind: AdvisoryKind,
    /// One-line summary.
    pub title: String,
    /// Longer description, truncated at import.
    pub description: String,
    /// CVSS vectors with computed base scores.
    pub cvss: Vec<CvssScore>,
    /// A textual severity the source states (GitHub's `database_specific.severity`).
    pub stated_severity: Option<Severity>,
    /// Reference URLs (capped at import).
    pub references: Vec<String>,
    /// CWE ids (`CWE-79`) the source states (GitHub's
    /// `database_specific.cwe_ids`), canonical, deduplicated, sorted by number.
    pub cwe_ids: Vec<String>,
    /// Publication time as the source writes it.
    pub published: Option<String>,
    /// Data source name (`osv:PyPI`, `debian-tracker`, `alpine-secdb`).
    pub data_source: String,
}

/// Kind of an OSV range we evaluate (GIT ranges are skipped at import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// `SEMVER`.
    Semver,
    /// `ECOSYSTEM`.
    Ecosystem,
}

/// An OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `introduced` (`"0"` = from the beginning).
    Introduced(String),
    /// `fixed`.
    Fixed(String),
    /// `last_affected`.
    LastAffected(String),
    /// `limit` (`"*"` = no limit).
    Limit(String),
}

impl Event {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }
}

/// An OSV range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Range type.
    pub kind: RangeKind,
    /// Events in source order (sorted at match time with the ecosystem's order).
    pub events: Vec<Event>,
}

/// Debian tracker status of one (source package, CVE, release).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DebianStatus {
    /// `resolved` with a fixed version (never `"0"`: those are not stored).
    Resolved {
        /// First fixed source version.
        fixed_version: String,
    },
    /// `open`: affected, no fix.
    Open {
        /// `nodsa_reason` when given (`ignored`, `postponed`).
        nodsa_reason: Option<String>,
    },
    /// `undetermined`.
    Undetermined,
}

/// How one package is affected by one advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Affected {
    /// OSV `affected[]` entry.
    Osv {
        /// SEMVER and ECOSYSTEM ranges.
        ranges: Vec<Range>,
        /// Explicit affected versions.
        versions: Vec<String>,
    },
    /// Debian tracker release entry.
    Debian {
        /// Status.
        status: DebianStatus,
        /// Urgency without the `**` suffix (`low`, `end-of-life`, ...).
        urgency: String,
    },
    /// Alpine secdb secfix: everything below `fixed` is affected.
    Alpine {
        /// First fixed `pkgver-rREL`.
        fixed: String,
    },
}

/// An index entry: advisory number (position in the advisory table) and how
/// the package is affected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Index into the advisory table.
    pub advisory: u32,
    /// Affected facts.
    pub affected: Affected,
}
