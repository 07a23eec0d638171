//! The scan report and its renderers.
//!
//! A [`ScanReport`] is everything one `customs scan` found about one subject
//! (an image, an SBOM or a directory): the packages, the vulnerabilities
//! (suppressed ones included and flagged, never dropped), the packages that
//! could not be matched, secrets, misconfigurations, warnings and the state of
//! the vulnerability database. Its serde JSON **is** the documented JSON
//! output of customs; `SCHEMA.md` beside this crate describes every field and
//! [`SCHEMA_VERSION`] is bumped on breaking changes.
//!
//! Renderers, each writing to a `&mut dyn Write`:
//!
//! | function | format |
//! |---|---|
//! | [`render_table`] | text for people, optional ANSI colour |
//! | [`render_json`] | the report itself, pretty, in a deterministic order |
//! | [`render_sarif`] | SARIF 2.1.0 for GitHub code scanning |
//! | [`render_cyclonedx`] | CycloneDX 1.6 JSON with vulnerabilities (VDR, and VEX analysis for suppressed ones) |
//! | [`render_html`] | one self-contained HTML file with charts by severity and by layer |
//!
//! [`render`] picks one by [`Format`].
//!
//! Triage helpers: [`ScanReport::counts`] (by severity per scanner,
//! suppressed separately), [`ScanReport::max_severity`] (for `--fail-on`) and
//! [`ScanReport::filter`] (`--severity`, `--ignore-unfixed`).
//!
//! The report may contain text from untrusted images and advisories; every
//! renderer escapes what it writes for its format (HTML entities, terminal
//! control characters in the table), and no secret value ever reaches the
//! report: secrets are carried as a redacted prefix and a SHA-256 only.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cyclonedx;
mod error;
mod html;
mod model;
mod sarif;
mod table;
mod util;

use std::io::Write;
use std::str::FromStr;

pub use cyclonedx::{render_cyclonedx, CYCLONEDX_SPEC_VERSION};
pub use error::Error;
pub use html::render_html;
pub use model::{
    secrets_from_analysis, subject_kind, Counts, DatabaseInfo, DatabaseSource, MisconfigFinding,
    PssRef, ScanReport, Scanner, SecretFinding, SeverityCounts, Subject, Tool, SCHEMA_VERSION,
};
pub use sarif::{render_sarif, SARIF_SCHEMA_URI};
pub use table::render_table;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Text table for people.
    Table,
    /// The report as JSON (see `SCHEMA.md`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6 JSON with vulnerabilities.
    CycloneDx,
    /// A single self-contained HTML file.
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Self; 5] = [
        Self::Table,
        Self::Json,
        Self::Sarif,
        Self::CycloneDx,
        Self::Html,
    ];

    /// The name users type (`table`, `json`, `sarif`, `cyclonedx`, `html`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::CycloneDx => "cyclonedx",
            Self::Html => "html",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "sarif" => Ok(Self::Sarif),
            "cyclonedx" | "cdx" => Ok(Self::CycloneDx),
            "html" => Ok(Self::Html),
            _ => Err(Error::UnknownFormat(s.to_owned())),
        }
    }
}

/// Renders `report` in `format`. `color` asks the table for ANSI colours;
/// the other formats ignore it.
pub fn render(
    format: Format,
    report: &ScanReport,
    color: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        Format::Table => render_table(report, color, out),
        Format::Json => render_json(report, out),
        Format::Sarif => render_sarif(report, out),
        Format::CycloneDx => render_cyclonedx(report, out),
        Format::Html => render_html(report, out),
    }
}

/// Writes the report as pretty JSON, findings in the report's canonical
/// order ([`ScanReport::sort`]: severity descending, then ID, then package),
/// so the same scan always gives the same bytes.
pub fn render_json(report: &ScanReport, out: &mut dyn Write) -> Result<(), Error> {
    let mut sorted = report.clone();
    sorted.sort();
    serde_json::to_writer_pretty(&mut *out, &sorted).map_err(Error::Serialize)?;
    out.write_all(b"\n").map_err(Error::Write)?;
    Ok(())
}
