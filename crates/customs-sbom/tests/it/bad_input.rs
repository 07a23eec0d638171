//! Hostile and broken input fails with an error, never a panic or a hang.

use customs_sbom::{read, read_with_limits, Error, Limits};

use crate::outputs;

#[test]
fn truncated_documents_fail() {
    for out in outputs() {
        for cut in [
            1,
            out.bytes.len() / 3,
            out.bytes.len() / 2,
            out.bytes.len() - 3,
        ] {
            let r = read(&out.bytes[..cut]);
            // Tag-value may legitimately end after any complete line.
            if out.file.ends_with(".spdx") {
                continue;
            }
            assert!(r.is_err(), "{} cut at {cut} was accepted", out.file);
        }
    }
}

#[test]
fn every_prefix_is_handled_without_panic() {
    // Cheap fuzzing: every prefix of the smaller documents, at a stride.
    for out in outputs() {
        for cut in (0..out.bytes.len()).step_by(97) {
            let _ = read(&out.bytes[..cut]);
        }
    }
}

#[test]
fn wrong_types_fail() {
    let cases = [
        r#"{"spdxVersion":"SPDX-2.3","packages":{"a":1}}"#,
        r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":5}]}"#,
        r#"{"spdxVersion":"SPDX-2.3","packages":[{"externalRefs":"pkg:npm/a@1"}]}"#,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":["x"]}]}"#,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"x"}"#,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","dependencies":[{"ref":1}]}"#,
        r#"{"format":"customs-sbom","version":1,"catalog":{"packages":[{"id":1}]}}"#,
    ];
    for c in cases {
        let err = read(c.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::MalformedJson { .. }), "{c}: {err}");
    }
    assert!(matches!(
        read(br#"{"spdxVersion":5}"#),
        Err(Error::UnknownFormat)
    ));
    assert!(matches!(read(b"[1,2]"), Err(Error::UnknownFormat)));
    assert!(matches!(read(b"hello"), Err(Error::UnknownFormat)));
    assert!(matches!(read(b""), Err(Error::UnknownFormat)));
    assert!(matches!(
        read(br#"{"spdxVersion":"SPDX-3.0","packages":[]}"#),
        Err(Error::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        read(br#"{"bomFormat":"CycloneDX","specVersion":"2.0"}"#),
        Err(Error::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        read(br#"{"format":"customs-sbom","version":99,"catalog":{"packages":[]}}"#),
        Err(Error::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        read(b"SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: only-two fields\n"),
        Err(Error::MalformedTagValue { line: 3, .. })
    ));
    assert!(matches!(
        read(b"SPDXVersion: SPDX-2.3\nDocumentComment: <text>never closed\n"),
        Err(Error::MalformedTagValue { .. })
    ));
}

#[test]
fn deep_nesting_fails_fast() {
    let deep = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(
        read(deep.as_bytes()),
        Err(Error::TooDeep { limit: 64 })
    ));
    // Nested components within the limit are flattened.
    let mut nested = String::from(r#"{"type":"library","name":"leaf","purl":"pkg:npm/leaf@1"}"#);
    for i in 0..20 {
        nested = format!(
            r#"{{"type":"library","name":"n{i}","purl":"pkg:npm/n{i}@1","components":[{nested}]}}"#
        );
    }
    let doc = format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{nested}]}}"#);
    let (c, _) = read(doc.as_bytes()).unwrap();
    assert_eq!(c.packages.len(), 21);
}

#[test]
fn huge_arrays_are_capped() {
    let many = format!(
        r#"{{"spdxVersion":"SPDX-2.3","packages":[{}{{}}]}}"#,
        "{},".repeat(2_000)
    );
    let limits = Limits {
        max_values: 1_000,
        ..Limits::default()
    };
    assert!(matches!(
        read_with_limits(many.as_bytes(), &limits),
        Err(Error::TooManyValues { .. })
    ));
    let pkgs: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"type":"library","name":"p{i}","purl":"pkg:npm/p{i}@1"}}"#))
        .collect();
    let doc = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{}]}}"#,
        pkgs.join(",")
    );
    let limits = Limits {
        max_packages: 10,
        ..Limits::default()
    };
    assert!(matches!(
        read_with_limits(doc.as_bytes(), &limits),
        Err(Error::TooManyPackages { limit: 10 })
    ));
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        read_with_limits(doc.as_bytes(), &limits),
        Err(Error::TooLarge { .. })
    ));
    assert_eq!(read(doc.as_bytes()).unwrap().0.packages.len(), 50);
    // Tag-value lines count as values.
    let tv = format!(
        "SPDXVersion: SPDX-2.3\n{}",
        "PackageName: x\n".repeat(2_000)
    );
    let limits = Limits {
        max_values: 1_000,
        ..Limits::default()
    };
    assert!(matches!(
        read_with_limits(tv.as_bytes(), &limits),
        Err(Error::TooManyValues { .. })
    ));
}

#[test]
fn unknown_ecosystems_are_left_out_with_a_warning() {
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
        {"type":"library","name":"a","purl":"pkg:npm/a@1"},
        {"type":"library","name":"b","purl":"pkg:generic/b@1"},
        {"type":"file","name":"c"}]}"#;
    let (c, s) = read(doc).unwrap();
    assert!(s.is_none());
    assert_eq!(c.packages.len(), 1);
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].message.starts_with("2 entries"),
        "{}",
        c.warnings[0]
    );
}
