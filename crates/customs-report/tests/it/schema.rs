//! SARIF and CycloneDX outputs validate against the official schemas in
//! ../shared/schemas (with format checks on), and the CycloneDX BOM is
//! accepted by cyclonedx-python-lib's strict validator when it is installed.
//! The same approach as customs-sbom's tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use customs_report::Format;
use serde_json::Value;

use crate::{fixture, outputs, render_to_vec};

/// Resolves the CycloneDX schemas' `$ref`s (`spdx.SNAPSHOT.schema.json`,
/// `jsf-0.82.SNAPSHOT.schema.json`) to the files beside them, by the last
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

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

const SARIF: &str = "schemas/sarif-schema-2.1.0.json";
const CDX: &str = "schemas/cyclonedx/bom-1.6.SNAPSHOT.schema.json";

/// Validates a rendering against the shared schema of its format (no-op for
/// other formats; skips with a message when the schemas are absent).
pub(crate) fn assert_valid(format: Format, bytes: &[u8], what: &str) {
    let file = match format {
        Format::Sarif => SARIF,
        Format::CycloneDx => CDX,
        _ => return,
    };
    let Some(schema) = customs_test::shared_path(file) else {
        return;
    };
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    let errs = errors(&validator(&schema), &doc);
    assert!(
        errs.is_empty(),
        "{what} ({format}) is invalid:\n{}",
        errs.join("\n")
    );
    if format == Format::CycloneDx {
        assert_accepted_by_cyclonedx_python(bytes, what);
    }
}

#[test]
fn sarif_and_cyclonedx_validate() {
    for out in outputs() {
        assert_valid(out.format, &out.bytes, out.file);
    }
}

#[test]
fn empty_reports_validate() {
    let r = customs_report::ScanReport::new(
        customs_report::Tool {
            name: "customs".into(),
            version: "0.1.0".into(),
        },
        fixture::CREATED,
        customs_report::Subject::new("sbom:empty.json", customs_report::subject_kind::SBOM),
    );
    for format in [Format::Sarif, Format::CycloneDx] {
        assert_valid(format, &render_to_vec(format, &r, false), "empty report");
    }
}

#[test]
fn schema_checks_are_not_vacuous() {
    let Some(sarif) = customs_test::shared_path(SARIF) else {
        return;
    };
    let Some(cdx) = customs_test::shared_path(CDX) else {
        return;
    };
    let report = fixture::report();
    let mut doc: Value =
        serde_json::from_slice(&render_to_vec(Format::Sarif, &report, false)).unwrap();
    let v = validator(&sarif);
    assert!(errors(&v, &doc).is_empty());
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!v.is_valid(&doc));

    let mut doc: Value =
        serde_json::from_slice(&render_to_vec(Format::CycloneDx, &report, false)).unwrap();
    let v = validator(&cdx);
    assert!(errors(&v, &doc).is_empty());
    doc["vulnerabilities"][0]["ratings"][0]["method"] = "CVSSv5".into();
    assert!(!v.is_valid(&doc));
}

const CDX_SCRIPT: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
with open(sys.argv[1]) as f:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(f.read())
if errors is not None:
    print(errors)
    sys.exit(1)
"#;

fn cyclonedx_python(bytes: &[u8]) -> (bool, String) {
    let dir = customs_test::TempDir::new("report-cdx").unwrap();
    let path = dir.path().join("bom.json");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("python3")
        .args(["-c", CDX_SCRIPT])
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn assert_accepted_by_cyclonedx_python(bytes: &[u8], what: &str) {
    let Some(()) = customs_test::python_module("cyclonedx.validation.json") else {
        return;
    };
    let (ok, text) = cyclonedx_python(bytes);
    assert!(ok, "cyclonedx-python-lib rejected {what}:\n{text}");
}

#[test]
fn cyclonedx_python_lib_rejects_a_broken_bom() {
    // Guards against a validator run that passes everything.
    let Some(()) = customs_test::python_module("cyclonedx.validation.json") else {
        return;
    };
    let mut doc: Value =
        serde_json::from_slice(&render_to_vec(Format::CycloneDx, &fixture::report(), false))
            .unwrap();
    doc["vulnerabilities"][0]["analysis"] = serde_json::json!({ "state": "shrugged" });
    let (ok, _) = cyclonedx_python(&serde_json::to_vec(&doc).unwrap());
    assert!(!ok);
}
