//! Byte-for-byte comparison with the files in tests/golden. Regenerate them
//! with `UPDATE_GOLDEN=1 cargo test -p customs-report`, then review the diff.

use std::path::PathBuf;

use crate::outputs;

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
fn output_does_not_depend_on_input_order() {
    let a = crate::fixture::report();
    let mut b = a.clone();
    b.vulnerabilities.reverse();
    b.secrets.reverse();
    b.misconfigurations.reverse();
    b.packages.reverse();
    b.warnings.reverse();
    for format in customs_report::Format::ALL {
        assert!(
            crate::render_to_vec(format, &a, false) == crate::render_to_vec(format, &b, false),
            "{format} depends on the order of the findings"
        );
    }
}
