//! Every JSON document we write validates against the official schemas in
//! ../shared/schemas (SPDX 2.3, CycloneDX 1.5 and 1.6).

use std::path::{Path, PathBuf};

use customs_sbom::{write, CycloneDxVersion, Format};
use serde_json::Value;

use crate::{fixture, outputs};

/// Resolves the CycloneDX schemas' `$ref`s (`spdx.SNAPSHOT.schema.json`,
/// `jsf-0.82.SNAPSHOT.schema.json`, …) to the files beside them, by the last
/// path segment of the URI; nothing is fetched from the network.
struct FolderRetriever(PathBuf);

impl jsonschema::Retrieve for FolderRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        // The schemas' $ids drop ".SNAPSHOT"; the files keep it.
        let file = if name.contains(".SNAPSHOT.") {
            name.to_owned()
        } else {
            name.replace(".schema.json", ".SNAPSHOT.schema.json")
        };
        let text = std::fs::read_to_string(self.0.join(file))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validator(schema: &Path) -> jsonschema::Validator {
    let folder = schema.parent().unwrap().to_path_buf();
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    jsonschema::options()
        .with_retriever(FolderRetriever(folder))
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &[u8], what: &str) {
    let doc: Value = serde_json::from_slice(doc).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

/// Validates a document against the shared schema for its format (a no-op
/// with a skip message when the schemas are absent).
pub(crate) fn assert_valid_against_shared(format: Format, version: CycloneDxVersion, doc: &[u8]) {
    let file = match (format, version) {
        (Format::SpdxJson, _) => "schemas/spdx-2.3-schema.json",
        (Format::CycloneDxJson, CycloneDxVersion::V1_5) => {
            "schemas/cyclonedx/bom-1.5.SNAPSHOT.schema.json"
        }
        (Format::CycloneDxJson, _) => "schemas/cyclonedx/bom-1.6.SNAPSHOT.schema.json",
        _ => return,
    };
    let Some(schema) = customs_test::shared_path(file) else {
        return;
    };
    assert_valid(&validator(&schema), doc, file);
}

#[test]
fn spdx_json_validates() {
    let Some(schema) = customs_test::shared_path("schemas/spdx-2.3-schema.json") else {
        return;
    };
    let v = validator(&schema);
    let out = outputs()
        .into_iter()
        .find(|o| o.format == Format::SpdxJson)
        .unwrap();
    assert_valid(&v, &out.bytes, out.file);
    // An empty catalog too.
    let mut empty = Vec::new();
    let opts = fixture::opts(CycloneDxVersion::V1_6);
    write(
        Format::SpdxJson,
        &Default::default(),
        &Default::default(),
        &opts,
        &mut empty,
    )
    .unwrap();
    assert_valid(&v, &empty, "empty SPDX");
}

#[test]
fn cyclonedx_validates() {
    for (version, file) in [
        (
            CycloneDxVersion::V1_6,
            "schemas/cyclonedx/bom-1.6.SNAPSHOT.schema.json",
        ),
        (
            CycloneDxVersion::V1_5,
            "schemas/cyclonedx/bom-1.5.SNAPSHOT.schema.json",
        ),
    ] {
        let Some(schema) = customs_test::shared_path(file) else {
            return;
        };
        let v = validator(&schema);
        let mut doc = Vec::new();
        write(
            Format::CycloneDxJson,
            &fixture::catalog(),
            &fixture::subject(),
            &fixture::opts(version),
            &mut doc,
        )
        .unwrap();
        assert_valid(&v, &doc, file);
        let mut empty = Vec::new();
        write(
            Format::CycloneDxJson,
            &Default::default(),
            &Default::default(),
            &fixture::opts(version),
            &mut empty,
        )
        .unwrap();
        assert_valid(&v, &empty, "empty CycloneDX");
    }
}

#[test]
fn schema_check_catches_errors() {
    // The validator is not vacuous: a broken document fails.
    let Some(schema) = customs_test::shared_path("schemas/cyclonedx/bom-1.6.SNAPSHOT.schema.json")
    else {
        return;
    };
    let v = validator(&schema);
    let out = outputs()
        .into_iter()
        .find(|o| o.file == "sample.cdx-1.6.json")
        .unwrap();
    let mut doc: Value = serde_json::from_slice(&out.bytes).unwrap();
    doc["components"][1]["licenses"][0]["license"]["id"] = "Not-A-License".into();
    assert!(!v.is_valid(&doc));
    doc["components"][1]["licenses"] = serde_json::json!([]);
    doc["serialNumber"] = "urn:uuid:nope".into();
    assert!(!v.is_valid(&doc));
}
