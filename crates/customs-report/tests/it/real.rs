//! A whole scan of the real ../shared/images/polyglot-app image: catalog
//! (customs-catalog over customs-image's layer walk), vulnerability matching
//! against a database imported from the real OSV PyPI and npm archives in
//! ../shared/advisories, and secrets (customs-secrets over every layer plus
//! the image config), rendered in every format. The SARIF and CycloneDX
//! renderings are validated against the official schemas, and no planted
//! secret value may appear in any output.

use customs_image::{open, walk, OpenOptions, Target, WalkOptions};
use customs_report::{
    secrets_from_analysis, subject_kind, Format, ScanReport, SecretFinding, Subject, Tool,
};
use customs_secrets::{RuleSet, ScanOptions, Scanner, SecretAnalyzer};
use customs_vuln::{match_catalog, Database, ImportOptions, MatchOptions};

use crate::{render_to_vec, schema};

/// The planted FAKE secrets of polyglot-app (../shared/images/README.md).
const PLANTED: [&str; 3] = [
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "glpat-customsTESTfake00001",
];

fn scan_polyglot() -> Option<ScanReport> {
    let image_path = customs_test::shared_path("images/polyglot-app.oci.tar")?;
    let advisories = customs_test::shared_path("advisories/osv")?;
    let work = customs_test::TempDir::new("report-real").unwrap();

    let target = Target::parse(&format!("oci-archive:{}", image_path.display())).unwrap();
    let image = open(&target, &OpenOptions::default()).unwrap();
    let mut analyzers = customs_catalog::analyzers();
    let scanner = Scanner::new(RuleSet::builtin(), ScanOptions::default());
    analyzers.push(Box::new(SecretAnalyzer::new(Scanner::new(
        RuleSet::builtin(),
        ScanOptions::default(),
    ))));
    let walked = walk(&image, &analyzers, &WalkOptions::default()).unwrap();
    let catalog = customs_catalog::assemble(&walked.analysis, &customs_catalog::Options::default());

    let db_path = work.path().join("vuln.db");
    let inputs = vec![
        advisories.join("PyPI/all.zip"),
        advisories.join("npm/all.zip"),
    ];
    let opts = ImportOptions {
        db_path: Some(db_path.clone()),
        ..ImportOptions::default()
    };
    customs_vuln::import_paths(&inputs, &opts).unwrap();
    let db = Database::open(&db_path).unwrap();
    let matched = match_catalog(&db, &catalog, &MatchOptions::default());

    let mut secrets = secrets_from_analysis(&walked.analysis);
    secrets.extend(
        customs_secrets::scan_image_config(&scanner, &image.config)
            .iter()
            .map(SecretFinding::from),
    );

    let mut subject = Subject::new(target.to_string(), subject_kind::IMAGE);
    subject.image_id = image.config_digest.clone();
    subject.manifest_digest = image.manifest_digest.clone();
    subject.platform = Some(image.platform().to_string());
    subject.os = catalog.os.clone();
    subject.layers = walked.analysis.layers;
    let tool = Tool {
        name: "customs".into(),
        version: "0.1.0".into(),
    };
    let mut report = ScanReport::new(tool, "2026-01-02T03:04:05Z", subject);
    report.package_count = catalog.packages.len();
    report.packages = catalog.packages.clone();
    report.warnings.extend(catalog.warnings.iter().cloned());
    report.add_vulnerabilities(matched);
    report.add_secrets(secrets);
    report.database = Some((&db.status()).into());
    Some(report)
}

#[test]
fn polyglot_app_scan_renders_and_validates_in_every_format() {
    let Some(report) = scan_polyglot() else {
        return;
    };
    // Vulnerabilities of the old PyPI and npm packages the image carries.
    let has = |pkg: &str, id: &str| {
        report.vulnerabilities.iter().any(|f| {
            f.package_name.eq_ignore_ascii_case(pkg)
                && (f.id == id || f.aliases.iter().any(|a| a == id))
        })
    };
    assert!(has("requests", "CVE-2018-18074"));
    assert!(has("lodash", "CVE-2020-8203"));
    assert!(has("minimist", "CVE-2021-44906"));
    assert!(
        report.vulnerabilities.len() >= 10,
        "{}",
        report.vulnerabilities.len()
    );
    // Every finding knows its layer (Python packages in layer 1, npm in 3).
    for f in &report.vulnerabilities {
        let layer = f.locations.first().and_then(|l| l.layer_index);
        match f.package_type {
            customs_model::PackageType::Pypi => assert_eq!(layer, Some(1), "{}", f.id),
            customs_model::PackageType::Npm => assert_eq!(layer, Some(3), "{}", f.id),
            _ => {}
        }
    }
    // The deleted deploy key: added by layer 7, removed by layer 8.
    let key = report
        .secrets
        .iter()
        .find(|s| s.path == "/app/config/deploy-key.pem")
        .expect("the deleted deploy key is reported");
    assert_eq!((key.layer_index, key.removed_in_layer), (Some(7), Some(8)));
    assert!(key.layer_digest.is_some());
    // The GitLab token in the config's Env and in the history.
    assert!(report
        .secrets
        .iter()
        .any(|s| s.path.starts_with("config:Env[")));
    assert!(report
        .secrets
        .iter()
        .any(|s| s.path.starts_with("history[")));

    let counts = report.counts();
    eprintln!(
        "polyglot-app: {} packages, {} vulnerabilities ({} critical, {} high, {} medium, {} low, {} unknown), {} unmatched, {} secrets",
        report.package_count,
        counts.vulnerabilities.total(),
        counts.vulnerabilities.critical,
        counts.vulnerabilities.high,
        counts.vulnerabilities.medium,
        counts.vulnerabilities.low,
        counts.vulnerabilities.unknown,
        report.unmatched.len(),
        counts.secrets.total()
    );

    for format in Format::ALL {
        let bytes = render_to_vec(format, &report, false);
        let text = String::from_utf8(bytes.clone()).unwrap();
        for secret in PLANTED {
            assert!(!text.contains(secret), "{format} output contains a secret");
        }
        assert!(text.contains("CVE-2018-18074"), "{format}");
        schema::assert_valid(format, &bytes, "polyglot-app scan");
        eprintln!("polyglot-app {format}: {} bytes", bytes.len());
    }
    // The HTML chart has a row per layer with its history line.
    let html = String::from_utf8(render_to_vec(Format::Html, &report, false)).unwrap();
    assert!(html.contains("#8 "), "layer 8 row");
    // JSON reads back.
    let back: ScanReport =
        serde_json::from_slice(&render_to_vec(Format::Json, &report, false)).unwrap();
    assert_eq!(back.vulnerabilities.len(), report.vulnerabilities.len());
    // In the JSON's canonical order, every finding (CWE ids included) reads back equal.
    let mut sorted = report.clone();
    sorted.sort();
    assert_eq!(back.vulnerabilities, sorted.vulnerabilities);

    // CWE ids: the npm findings' GitHub records carry them (PyPI's do not);
    // they reach SARIF tags and CycloneDX `cwes`.
    let with_cwe: Vec<_> = report
        .vulnerabilities
        .iter()
        .filter(|f| !f.cwe_ids.is_empty())
        .collect();
    eprintln!(
        "polyglot-app: {} of {} vulnerabilities carry CWE ids",
        with_cwe.len(),
        report.vulnerabilities.len()
    );
    assert!(with_cwe
        .iter()
        .all(|f| f.package_type == customs_model::PackageType::Npm));
    let lodash = report
        .vulnerabilities
        .iter()
        .find(|f| f.package_name == "lodash" && f.id == "CVE-2020-8203")
        .unwrap();
    // GHSA-p6mc-m468-83gw: ["CWE-1321", "CWE-770"], sorted by number.
    assert_eq!(lodash.cwe_ids, ["CWE-770", "CWE-1321"]);
    let sarif: serde_json::Value =
        serde_json::from_slice(&render_to_vec(Format::Sarif, &report, false)).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CVE-2020-8203")
        .unwrap();
    let tags = rule["properties"]["tags"].as_array().unwrap();
    assert!(tags.contains(&"external/cwe/cwe-1321".into()), "{tags:?}");
    let cdx: serde_json::Value =
        serde_json::from_slice(&render_to_vec(Format::CycloneDx, &report, false)).unwrap();
    let with_cwes = cdx["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.get("cwes").is_some())
        .count();
    assert!(with_cwes > 0 && with_cwes <= with_cwe.len());
}
