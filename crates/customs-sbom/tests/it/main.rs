//! Integration tests of customs-sbom: golden files, schemas, real
//! validators, round trips, other tools' SBOMs and hostile input.

mod bad_input;
mod fixture;
mod golden;
mod interop;
mod roundtrip;
mod schema;
mod validators;

use customs_sbom::{write, CycloneDxVersion, Format};

/// One written document of the fixture.
pub(crate) struct Output {
    /// Golden file name.
    pub(crate) file: &'static str,
    pub(crate) format: Format,
    pub(crate) bytes: Vec<u8>,
}

/// The fixture written in every format and CycloneDX version.
pub(crate) fn outputs() -> Vec<Output> {
    let cases = [
        ("sample.spdx.json", Format::SpdxJson, CycloneDxVersion::V1_6),
        ("sample.spdx", Format::SpdxTagValue, CycloneDxVersion::V1_6),
        (
            "sample.cdx-1.6.json",
            Format::CycloneDxJson,
            CycloneDxVersion::V1_6,
        ),
        (
            "sample.cdx-1.5.json",
            Format::CycloneDxJson,
            CycloneDxVersion::V1_5,
        ),
        (
            "sample.customs.json",
            Format::CustomsJson,
            CycloneDxVersion::V1_6,
        ),
    ];
    cases
        .into_iter()
        .map(|(file, format, version)| {
            let mut bytes = Vec::new();
            write(
                format,
                &fixture::catalog(),
                &fixture::subject(),
                &fixture::opts(version),
                &mut bytes,
            )
            .unwrap();
            Output {
                file,
                format,
                bytes,
            }
        })
        .collect()
}
