//! The real validators: `pyspdxtools` (PyPI spdx-tools) for SPDX JSON and
//! tag-value, and cyclonedx-python-lib's strict JSON validator for CycloneDX
//! 1.5 and 1.6. Skipped when the tools are absent.

use std::process::Command;

use customs_sbom::{CycloneDxVersion, Format};

use crate::outputs;

/// Runs pyspdxtools on a document; the file ending tells it the format.
fn pyspdxtools(file_name: &str, bytes: &[u8]) -> (bool, String) {
    let dir = customs_test::TempDir::new("sbom-pyspdx").unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pyspdxtools")
        .arg("-i")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // pyspdxtools exits 0 on some failures; it always names issues.
    let ok = out.status.success() && !text.contains("invalid") && !text.contains("Error");
    (ok, text)
}

#[test]
fn pyspdxtools_accepts_spdx_json_and_tag_value() {
    let Some(_) = customs_test::tool("pyspdxtools", &["--help"]) else {
        return;
    };
    for out in outputs() {
        let name = match out.format {
            Format::SpdxJson => "doc.spdx.json",
            Format::SpdxTagValue => "doc.spdx",
            _ => continue,
        };
        let (ok, text) = pyspdxtools(name, &out.bytes);
        assert!(ok, "pyspdxtools rejected {}:\n{text}", out.file);
    }
}

#[test]
fn pyspdxtools_rejects_a_broken_document() {
    // Guards against a validator run that passes everything.
    let Some(_) = customs_test::tool("pyspdxtools", &["--help"]) else {
        return;
    };
    let out = outputs()
        .into_iter()
        .find(|o| o.format == Format::SpdxJson)
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    doc["relationships"][0]["relatedSpdxElement"] = "SPDXRef-Missing".into();
    let (ok, _) = pyspdxtools("bad.spdx.json", &serde_json::to_vec(&doc).unwrap());
    assert!(!ok);
}

const CDX_SCRIPT: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
version = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}[sys.argv[2]]
with open(sys.argv[1]) as f:
    errors = JsonStrictValidator(version).validate_str(f.read())
if errors is not None:
    print(errors)
    sys.exit(1)
"#;

fn cyclonedx_python(bytes: &[u8], version: &str) -> (bool, String) {
    let dir = customs_test::TempDir::new("sbom-cdx").unwrap();
    let path = dir.path().join("bom.json");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("python3")
        .args(["-c", CDX_SCRIPT])
        .arg(&path)
        .arg(version)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn cyclonedx_python_lib_accepts_cyclonedx() {
    let Some(()) = customs_test::python_module("cyclonedx.validation.json") else {
        return;
    };
    for out in outputs() {
        let version = match out.file {
            "sample.cdx-1.6.json" => "1.6",
            "sample.cdx-1.5.json" => "1.5",
            _ => continue,
        };
        let (ok, text) = cyclonedx_python(&out.bytes, version);
        assert!(ok, "cyclonedx-python-lib rejected {}:\n{text}", out.file);
    }
    // And rejects a broken one.
    let out = outputs()
        .into_iter()
        .find(|o| o.file == "sample.cdx-1.6.json")
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    doc["components"][0]["type"] = "no-such-type".into();
    let (ok, _) = cyclonedx_python(&serde_json::to_vec(&doc).unwrap(), "1.6");
    assert!(!ok);
}

/// Runs the real validator for a document's format, when it is installed.
pub(crate) fn assert_accepted_by_python_validators(
    format: Format,
    version: CycloneDxVersion,
    doc: &[u8],
) {
    match format {
        Format::SpdxJson | Format::SpdxTagValue => {
            let Some(_) = customs_test::tool("pyspdxtools", &["--help"]) else {
                return;
            };
            let name = if format == Format::SpdxJson {
                "doc.spdx.json"
            } else {
                "doc.spdx"
            };
            let (ok, text) = pyspdxtools(name, doc);
            assert!(ok, "pyspdxtools rejected it:\n{text}");
        }
        Format::CycloneDxJson => {
            let Some(()) = customs_test::python_module("cyclonedx.validation.json") else {
                return;
            };
            let (ok, text) = cyclonedx_python(doc, version.as_str());
            assert!(ok, "cyclonedx-python-lib rejected it:\n{text}");
        }
        _ => {}
    }
}
