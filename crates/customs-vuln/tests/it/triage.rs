//! Triage on real findings: hand-written OpenVEX documents (each checked
//! against ../shared/schemas/openvex-schema.json with Python `jsonschema`
//! when it is installed) and `.customsignore` files applied to findings from
//! the shared advisories.

use customs_model::PackageType;
use customs_vuln::triage::{self, Date, IgnoreFile, Limits, OpenVex, VexStatus};
use customs_vuln::{match_catalog, Finding, MatchOptions, MatchReport, SuppressionSource};

use crate::common::{self, catalog, os, pkg, with_source};

/// Validates each argument (a JSON document) against the OpenVEX schema and
/// prints `valid` or `invalid` per line.
const VALIDATE: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema)
for doc in sys.argv[2:]:
    print("valid" if v.is_valid(json.loads(doc)) else "invalid")
"#;

/// Schema verdicts for `docs`; `None` when `jsonschema` is not installed.
fn schema_valid(docs: &[&str]) -> Option<Vec<bool>> {
    customs_test::python_module("jsonschema")?;
    let schema = customs_test::shared_path("schemas/openvex-schema.json")?;
    let mut args = vec![schema.to_str().unwrap()];
    args.extend(docs);
    let out = common::python(VALIDATE, &args);
    Some(out.lines().map(|l| l == "valid").collect())
}

/// A document issued at `ts` with `statements` (a JSON array).
fn doc(id: &str, ts: &str, statements: &str) -> String {
    format!(
        r#"{{"@context":"https://openvex.dev/ns/v0.2.0","@id":"{id}","author":"Customs Test <test@example.invalid>","timestamp":"{ts}","version":1,"statements":{statements}}}"#
    )
}

/// VEX for the test image `example.invalid/app`: requests, lodash, PyYAML and
/// the Debian prototypejs findings.
fn vex_docs() -> Vec<String> {
    vec![
        doc(
            "https://example.invalid/vex/app-1",
            "2024-01-01T00:00:00Z",
            r#"[
              {"vulnerability":{"name":"CVE-2018-18074"},
               "products":[{"@id":"pkg:pypi/requests"}],
               "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
              {"vulnerability":{"name":"GHSA-p6mc-m468-83gw","aliases":["not-this-one"]},
               "products":[{"@id":"pkg:oci/app?repository_url=example.invalid/app",
                            "subcomponents":[{"identifiers":{"purl":"pkg:npm/lodash@4.17.15"}}]}],
               "status":"fixed"},
              {"vulnerability":{"name":"CVE-2020-14343"},
               "products":[{"@id":"pkg:pypi/pyyaml"}],
               "status":"not_affected","impact_statement":"yaml.load is never called",
               "timestamp":"2024-01-02T00:00:00Z"},
              {"vulnerability":{"name":"CVE-2008-7220"},
               "products":[{"@id":"example.invalid/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}],
               "status":"not_affected","justification":"component_not_present"},
              {"vulnerability":{"name":"CVE-2018-18074"},
               "products":[{"@id":"pkg:pypi/urllib3"}],
               "status":"fixed"}
            ]"#,
        ),
        // A later document: PyYAML is affected after all (later wins), and
        // under investigation for another vulnerability of requests.
        doc(
            "https://example.invalid/vex/app-2",
            "2024-03-01T00:00:00+01:00",
            r#"[
              {"vulnerability":{"name":"CVE-2020-14343"},
               "products":[{"identifiers":{"purl":"pkg:pypi/PyYAML@5.3"}}],
               "status":"affected","action_statement":"upgrade to 5.4"},
              {"vulnerability":{"name":"CVE-2023-32681"},
               "products":[{"@id":"pkg:pypi/requests@2.19.1"}],
               "status":"under_investigation"}
            ]"#,
        ),
        // Older than app-2's statement: loses, even though it comes last.
        doc(
            "https://example.invalid/vex/app-0",
            "2023-06-01T00:00:00Z",
            r#"[
              {"vulnerability":{"name":"CVE-2020-14343"},
               "products":[{"@id":"pkg:pypi/pyyaml@5.3"}],
               "status":"fixed"}
            ]"#,
        ),
    ]
}

fn findings() -> Option<MatchReport> {
    let built = common::db()?;
    let mut pk = vec![
        pkg(PackageType::Pypi, "requests", "2.19.1"),
        pkg(PackageType::Pypi, "PyYAML", "5.3"),
        pkg(PackageType::Npm, "lodash", "4.17.15"),
        with_source(
            pkg(PackageType::Deb, "libjs-prototype", "1.6.0.1-1"),
            "prototypejs",
            None,
        ),
    ];
    pk[0].locations[0].path =
        "/usr/lib/python3/dist-packages/requests-2.19.1.dist-info/METADATA".into();
    pk[3].purl = "pkg:deb/debian/libjs-prototype@1.6.0.1-1?arch=all&distro=debian-10".into();
    let report = match_catalog(
        &built.db,
        &catalog(Some(os("debian", "10")), pk),
        &MatchOptions::default(),
    );
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    Some(report)
}

fn find<'a>(r: &'a MatchReport, pkg: &str, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.package_name == pkg && (f.id == id || f.aliases.iter().any(|a| a == id)))
        .unwrap_or_else(|| panic!("no finding {id} in {pkg}"))
}

#[test]
fn vex_documents_follow_the_schema() {
    let docs = vex_docs();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    for d in &refs {
        OpenVex::parse(d.as_bytes(), &Limits::default()).unwrap();
    }
    // Documents the schema refuses are refused by the parser too.
    let bad = [
        // not_affected without justification or impact statement
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/a"}],"status":"not_affected"}]"#,
        ),
        // affected without action statement
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"name":"CVE-1"},"status":"affected"}]"#,
        ),
        // unknown status
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"name":"CVE-1"},"status":"maybe"}]"#,
        ),
        // unknown justification
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"name":"CVE-1"},"status":"not_affected","justification":"trust_me"}]"#,
        ),
        // no statements
        doc("x", "2024-01-01T00:00:00Z", "[]"),
        // vulnerability without a name
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"aliases":["CVE-1"]},"status":"fixed"}]"#,
        ),
        // product without @id or identifiers
        doc(
            "x",
            "2024-01-01T00:00:00Z",
            r#"[{"vulnerability":{"name":"CVE-1"},"products":[{"hashes":{"md5":"00"}}],"status":"fixed"}]"#,
        ),
        // no author
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-1"},"status":"fixed"}]}"#.to_owned(),
        // version 0
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":0,"statements":[{"vulnerability":{"name":"CVE-1"},"status":"fixed"}]}"#.to_owned(),
    ];
    for d in &bad {
        assert!(
            OpenVex::parse(d.as_bytes(), &Limits::default()).is_err(),
            "accepted {d}"
        );
    }
    let mut all = refs.clone();
    all.extend(bad.iter().map(String::as_str));
    if let Some(verdicts) = schema_valid(&all) {
        let expected: Vec<bool> = (0..all.len()).map(|i| i < refs.len()).collect();
        assert_eq!(verdicts, expected, "schema and parser disagree");
    }
}

#[test]
fn vex_limits_and_garbage() {
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let big = vex_docs().remove(0);
    assert!(matches!(
        OpenVex::parse(big.as_bytes(), &limits),
        Err(triage::TriageError::TooLarge { .. })
    ));
    let limits = Limits {
        max_statements: 2,
        ..Limits::default()
    };
    assert!(matches!(
        OpenVex::parse(big.as_bytes(), &limits),
        Err(triage::TriageError::TooMany { .. })
    ));
    for junk in [
        &b""[..],
        b"{",
        b"[]",
        b"null",
        b"{\"statements\":1}",
        &[0xff, 0xfe, 0x00],
    ] {
        assert!(OpenVex::parse(junk, &Limits::default()).is_err());
    }
    let deep = "[".repeat(10_000);
    assert!(OpenVex::parse(deep.as_bytes(), &Limits::default()).is_err());
    // Every prefix of a valid document fails cleanly (never panics).
    for i in 0..big.len() {
        let _ = OpenVex::parse(&big.as_bytes()[..i], &Limits::default());
    }
}

#[test]
fn vex_suppresses_real_findings_and_latest_statement_wins() {
    let Some(mut report) = findings() else { return };
    let before = report.findings.len();
    let vex: Vec<OpenVex> = vex_docs()
        .iter()
        .map(|d| OpenVex::parse(d.as_bytes(), &Limits::default()).unwrap())
        .collect();
    assert_eq!(vex[0].statements[0].status, VexStatus::NotAffected);
    triage::apply(&mut report, &vex, None, Date::parse("2024-06-01").unwrap());
    // Never dropped.
    assert_eq!(report.findings.len(), before);

    // Matched by name; product without version covers the installed one.
    let f = find(&report, "requests", "CVE-2018-18074");
    let s = f.suppressed.as_ref().unwrap();
    assert_eq!(s.source, SuppressionSource::Vex);
    assert_eq!(s.status, "not_affected");
    assert_eq!(
        s.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert_eq!(
        s.document.as_deref(),
        Some("https://example.invalid/vex/app-1")
    );

    // Matched through the finding's alias (the GHSA) and a subcomponent of
    // the image product.
    let f = find(&report, "lodash", "CVE-2020-8203");
    assert_eq!(f.id, "CVE-2020-8203");
    assert_eq!(f.suppressed.as_ref().unwrap().status, "fixed");
    assert_eq!(f.vex_status.as_deref(), Some("fixed"));
    // Other lodash findings are not named by the statement.
    assert!(report
        .findings
        .iter()
        .filter(|f| f.package_name == "lodash" && f.id != "CVE-2020-8203")
        .all(|f| f.suppressed.is_none()));

    // PyYAML: app-1 (2024-01-02) says not_affected, app-0 (2023) fixed,
    // app-2 (2024-02-29T23:00Z) affected: the latest wins, the finding stays.
    let f = find(&report, "PyYAML", "CVE-2020-14343");
    assert_eq!(f.vex_status.as_deref(), Some("affected"));
    assert!(f.suppressed.is_none());

    // An image product without subcomponents covers the Debian package.
    let f = find(&report, "libjs-prototype", "CVE-2008-7220");
    assert_eq!(
        f.suppressed.as_ref().unwrap().justification.as_deref(),
        Some("component_not_present")
    );

    // under_investigation is recorded, nothing suppressed.
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| f.package_name == "requests" && f.id == "CVE-2023-32681")
    {
        assert_eq!(f.vex_status.as_deref(), Some("under_investigation"));
        assert!(f.suppressed.is_none());
    }

    // Statements for other packages (urllib3) leave everything else alone.
    let untouched = report
        .findings
        .iter()
        .filter(|f| f.vex_status.is_none())
        .count();
    assert!(untouched > 0);

    // The serialised form carries the suppression; unsuppressed ones omit it.
    let json = serde_json::to_value(&report).unwrap();
    let arr = json["findings"].as_array().unwrap();
    assert!(arr.iter().any(|f| f["suppressed"]["source"] == "vex"));
    assert!(arr.iter().any(|f| f.get("suppressed").is_none()));
    let back: MatchReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);

    // Applying again gives the same result.
    let again = report.clone();
    triage::apply(&mut report, &vex, None, Date::parse("2024-06-01").unwrap());
    assert_eq!(report, again);
}

#[test]
fn ignore_file_with_expiry_package_and_path() {
    let Some(mut report) = findings() else { return };
    let before = report.findings.len();
    let text = "\
# reviewed 2024-05
CVE-2018-18074 path:usr/lib/python3/**/METADATA exp:2025-01-01 # proxy never used
GHSA-p6mc-m468-83gw pkg:left-pad   # wrong package: no effect
CVE-2020-14343 exp:2024-01-01 # expired
CVE-2008-7220 pkg:deb/debian/libjs-prototype?distro=debian-11 # other release: no effect
";
    let ignore = IgnoreFile::parse(text).unwrap().with_path(".customsignore");
    triage::apply(
        &mut report,
        &[],
        Some(&ignore),
        Date::parse("2024-06-01").unwrap(),
    );
    assert_eq!(report.findings.len(), before);
    let f = find(&report, "requests", "CVE-2018-18074");
    let s = f.suppressed.as_ref().unwrap();
    assert_eq!(s.source, SuppressionSource::IgnoreFile);
    assert_eq!(s.status, "ignored");
    assert_eq!(s.reason.as_deref(), Some("proxy never used"));
    assert!(find(&report, "lodash", "CVE-2020-8203")
        .suppressed
        .is_none());
    assert!(find(&report, "PyYAML", "CVE-2020-14343")
        .suppressed
        .is_none());
    assert!(find(&report, "libjs-prototype", "CVE-2008-7220")
        .suppressed
        .is_none());
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].message.contains("expired on 2024-01-01"));
    assert_eq!(report.warnings[0].subject, ".customsignore:4");

    // Past the first entry's expiry it no longer applies; purl entries and
    // the YAML form.
    let yaml = "\
vulnerabilities:
  - id: CVE-2020-8203
    purls: [\"pkg:npm/lodash\"]
    statement: accepted
  - id: CVE-2008-7220
    packages: [\"pkg:deb/debian/libjs-prototype?distro=debian-10\"]
  - id: CVE-2018-18074
    expired_at: 2024-12-31
";
    let ignore = IgnoreFile::parse(yaml).unwrap();
    let mut r2 = findings().unwrap();
    triage::apply(
        &mut r2,
        &[],
        Some(&ignore),
        Date::parse("2025-01-01").unwrap(),
    );
    assert!(find(&r2, "requests", "CVE-2018-18074").suppressed.is_none());
    assert_eq!(
        find(&r2, "lodash", "GHSA-p6mc-m468-83gw")
            .suppressed
            .as_ref()
            .unwrap()
            .reason
            .as_deref(),
        Some("accepted")
    );
    assert!(find(&r2, "libjs-prototype", "CVE-2008-7220")
        .suppressed
        .is_some());
    assert_eq!(r2.warnings.len(), 1);

    // VEX wins over the ignore file where both apply.
    let vex: Vec<OpenVex> = vex_docs()
        .iter()
        .map(|d| OpenVex::parse(d.as_bytes(), &Limits::default()).unwrap())
        .collect();
    triage::apply(
        &mut r2,
        &vex,
        Some(&ignore),
        Date::parse("2024-06-01").unwrap(),
    );
    assert_eq!(
        find(&r2, "lodash", "CVE-2020-8203")
            .suppressed
            .as_ref()
            .unwrap()
            .source,
        SuppressionSource::Vex
    );
    // Re-applying does not repeat the expiry warning.
    assert_eq!(r2.warnings.len(), 1);
}
