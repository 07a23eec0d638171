//! Integration tests of customs-report: golden files for every format,
//! schema validation of SARIF and CycloneDX (and cyclonedx-python-lib when
//! installed), the model's triage helpers, HTML escaping, suppressed
//! findings shown rather than dropped, and a whole scan of the real
//! polyglot-app image against the real advisories.

mod behaviour;
mod fixture;
mod golden;
mod real;
mod schema;

use customs_report::{render, Format, ScanReport};

/// One rendering: golden file name and bytes.
pub(crate) struct Output {
    pub(crate) file: &'static str,
    pub(crate) format: Format,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) fn render_to_vec(format: Format, report: &ScanReport, color: bool) -> Vec<u8> {
    let mut out = Vec::new();
    render(format, report, color, &mut out).unwrap();
    out
}

/// The fixture in every format (the table twice: plain and coloured).
pub(crate) fn outputs() -> Vec<Output> {
    let report = fixture::report();
    let cases = [
        ("report.txt", Format::Table, false),
        ("report.color.txt", Format::Table, true),
        ("report.json", Format::Json, false),
        ("report.sarif.json", Format::Sarif, false),
        ("report.cdx.json", Format::CycloneDx, false),
        ("report.html", Format::Html, false),
    ];
    cases
        .into_iter()
        .map(|(file, format, color)| Output {
            file,
            format,
            bytes: render_to_vec(format, &report, color),
        })
        .collect()
}
