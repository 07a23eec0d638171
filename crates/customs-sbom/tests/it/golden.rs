//! Byte-for-byte comparison with the files in tests/golden. Regenerate them
//! with `UPDATE_GOLDEN=1 cargo test -p customs-sbom`, then review the diff.

use std::path::PathBuf;

use customs_sbom::{write, Format};

use crate::{fixture, outputs};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn outputs_match_golden_files() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    for out in outputs() {
        let path = golden_dir().join(out.file);
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&path, &out.bytes).unwrap();
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
        assert!(
            want == out.bytes,
            "{} differs from the golden file (run with UPDATE_GOLDEN=1 and review the diff)",
            out.file
        );
    }
}

#[test]
fn output_depends_only_on_content_and_time() {
    // Packages given in another order give the same document.
    let mut shuffled = fixture::catalog();
    shuffled.packages.reverse();
    shuffled.relationships.reverse();
    let opts = fixture::opts(Default::default());
    for format in [
        Format::SpdxJson,
        Format::SpdxTagValue,
        Format::CycloneDxJson,
    ] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write(
            format,
            &fixture::catalog(),
            &fixture::subject(),
            &opts,
            &mut a,
        )
        .unwrap();
        write(format, &shuffled, &fixture::subject(), &opts, &mut b).unwrap();
        assert!(a == b, "{format} depends on the catalog's order");
    }
    // A later creation time changes only the time stamps.
    let mut later = opts.clone();
    later.created = "2030-06-07T08:09:10Z".into();
    for format in [Format::SpdxJson, Format::CycloneDxJson, Format::CustomsJson] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write(
            format,
            &fixture::catalog(),
            &fixture::subject(),
            &opts,
            &mut a,
        )
        .unwrap();
        write(
            format,
            &fixture::catalog(),
            &fixture::subject(),
            &later,
            &mut b,
        )
        .unwrap();
        let a = String::from_utf8(a)
            .unwrap()
            .replace("2026-01-02T03:04:05Z", "T");
        let b = String::from_utf8(b)
            .unwrap()
            .replace("2030-06-07T08:09:10Z", "T");
        assert!(a == b, "{format} differs in more than the time");
    }
    // Another catalog gets another namespace and serial number.
    let mut other = fixture::catalog();
    other.packages.pop();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write(
        Format::CycloneDxJson,
        &fixture::catalog(),
        &fixture::subject(),
        &opts,
        &mut a,
    )
    .unwrap();
    write(
        Format::CycloneDxJson,
        &other,
        &fixture::subject(),
        &opts,
        &mut b,
    )
    .unwrap();
    let serial = |v: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(v).unwrap()["serialNumber"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(serial(&a), serial(&b));
}
