//! `customs db`, `customs scan` and `customs secrets` as whole processes, on the shared
//! images and the shared advisory data.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::customs;

/// A database imported once per test run from every advisory source in `../shared`.
pub(crate) fn test_db() -> Option<PathBuf> {
    static DB: OnceLock<Option<(customs_test::TempDir, PathBuf)>> = OnceLock::new();
    DB.get_or_init(|| {
        let adv = customs_test::shared_path("advisories")?;
        let dir = customs_test::TempDir::new("customs-scan-db").unwrap();
        let db = dir.path().join("customs.db");
        let mut args: Vec<String> = vec!["db".into(), "import".into(), "--db".into()];
        args.push(db.display().to_string());
        for eco in ["Go", "RustSec", "PyPI", "npm", "Maven", "AlmaLinux"] {
            args.push(
                adv.join("osv")
                    .join(eco)
                    .join("all.zip")
                    .display()
                    .to_string(),
            );
        }
        args.push(adv.join("debian-tracker").display().to_string());
        args.push(adv.join("alpine-secdb").display().to_string());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = customs(&refs);
        assert_eq!(code, 0, "db import failed: {err}");
        Some((dir, db))
    })
    .as_ref()
    .map(|(_, p)| p.clone())
}

fn scan_json(target: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let db = test_db().unwrap();
    let db = db.display().to_string();
    let mut args = vec!["scan", "--db", &db, "--format", "json", "--no-cache", "-q"];
    args.extend_from_slice(extra);
    args.push(target);
    let (code, out, err) = customs(&args);
    assert!(
        code == 0 || code == 1,
        "scan {target} failed ({code}): {err}"
    );
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

fn vuln_ids(report: &serde_json::Value) -> std::collections::BTreeSet<String> {
    report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} {} {}",
                v["packageName"]
                    .as_str()
                    .or(v["package_name"].as_str())
                    .unwrap_or("?"),
                v["installedVersion"]
                    .as_str()
                    .or(v["installed_version"].as_str())
                    .unwrap_or("?"),
                v["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn db_status_counts_what_was_imported() {
    let Some(db) = test_db() else { return };
    let (code, out, err) = customs(&[
        "db",
        "status",
        "--db",
        &db.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["schema_version"], customs_vuln::SCHEMA_VERSION, "{st}");
    let sources: Vec<&str> = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for want in ["debian-tracker", "alpine-secdb", "osv:Go", "osv:PyPI"] {
        assert!(sources.contains(&want), "{want} missing from {sources:?}");
    }
    // The advisories README: Go has 4,291 records (17 withdrawn).
    let go = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "osv:Go")
        .unwrap();
    assert_eq!(go["records"], 4291);
    assert_eq!(go["withdrawn"], 17);
}

#[test]
fn missing_or_corrupt_database_fails_with_a_hint() {
    let Some(img) = customs_test::shared_path("images/debian-bookworm-minbase.docker.tar.gz")
    else {
        return;
    };
    let dir = customs_test::TempDir::new("customs-scan-nodb").unwrap();
    let missing = dir.path().join("none.db");
    let target = format!("docker-archive:{}", img.display());
    let (code, _, err) = customs(&[
        "scan",
        "--offline",
        "--db",
        &missing.display().to_string(),
        "-q",
        &target,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no vulnerability database"), "{err}");
    assert!(err.contains("hint:") && err.contains("customs db"), "{err}");

    let corrupt = dir.path().join("corrupt.db");
    let Some(db) = test_db() else { return };
    let bytes = std::fs::read(db).unwrap();
    // Scans with `db_bytes` as the database; it must be refused with the
    // update hint and no partial results. Returns the error output.
    let refused = |db_bytes: &[u8]| {
        std::fs::write(&corrupt, db_bytes).unwrap();
        let (code, out, err) = customs(&[
            "scan",
            "--db",
            &corrupt.display().to_string(),
            "-q",
            &target,
        ]);
        assert_eq!(code, 3, "{err}");
        assert!(out.is_empty(), "no partial results: {out}");
        assert!(
            err.contains("hint:") && err.contains("customs db update"),
            "{err}"
        );
        err
    };
    refused(&bytes[..bytes.len() / 2]);

    // A changed byte in the body passes the checks made before the walk; the
    // checksum, read beside the catalog's assembly, still refuses it.
    let mut flipped = bytes;
    let at = flipped.len() - 100;
    flipped[at] ^= 1;
    let err = refused(&flipped);
    assert!(err.contains("checksum"), "{err}");
}

#[test]
fn scan_finds_vulnerabilities_secrets_and_misconfigurations_in_one_pass() {
    let Some(img) = customs_test::shared_path("images/polyglot-app.docker.tar.gz") else {
        return;
    };
    let target = format!("docker-archive:{}", img.display());
    let (_, report) = scan_json(&target, &[]);
    // images/README.md: 43 packages in polyglot-app.
    assert_eq!(report["package_count"], 43);
    assert!(
        !vuln_ids(&report).is_empty(),
        "expected findings in polyglot-app"
    );

    // Secrets: the planted ones from images/README.md, in their layers.
    let secrets = report["secrets"].as_array().unwrap();
    let text = serde_json::to_string(secrets).unwrap();
    assert!(
        !text.contains("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        "a secret printed in full"
    );
    assert!(
        !text.contains("glpat-customsTESTfake00001"),
        "a secret printed in full"
    );
    let has = |rule_part: &str, path_part: &str| {
        secrets.iter().any(|s| {
            s["rule_id"]
                .as_str()
                .or(s["ruleId"].as_str())
                .unwrap_or("")
                .contains(rule_part)
                && s["path"].as_str().unwrap_or("").contains(path_part)
        })
    };
    assert!(
        has("aws-access-key-id", "app/config/aws-credentials"),
        "{text}"
    );
    assert!(
        has("aws-secret-access-key", "app/config/aws-credentials"),
        "{text}"
    );
    assert!(has("private-key", "app/config/deploy-key.pem"), "{text}");
    // Layer 8 of images/README.md (1-based) is index 7; the key was deleted by the next one.
    for s in secrets
        .iter()
        .filter(|s| s["path"].as_str().unwrap().starts_with("/app/config/"))
    {
        assert_eq!(s["layer_index"], 7, "{s}");
        let removed = s["path"].as_str().unwrap().ends_with("deploy-key.pem");
        assert_eq!(
            s["removed_in_layer"],
            if removed {
                8.into()
            } else {
                serde_json::Value::Null
            },
            "{s}"
        );
    }
    assert!(has("gitlab", "Env"), "{text}");
    assert!(has("gitlab", "history"), "{text}");

    // Misconfig: the image config has no HEALTHCHECK and a secret-looking ENV name.
    let mis = serde_json::to_string(&report["misconfigurations"]).unwrap();
    assert!(mis.contains("healthcheck"), "{mis}");
    assert!(mis.contains("GITLAB_TOKEN"), "{mis}");
}

#[test]
fn scanning_the_sbom_finds_what_scanning_the_image_finds() {
    let Some(img) = customs_test::shared_path("images/polyglot-app.oci.tar") else {
        return;
    };
    let target = format!("oci-layout:{}", img.display());
    let (_, direct) = scan_json(&target, &["--scanners", "vuln"]);
    let dir = customs_test::TempDir::new("customs-scan-sbom").unwrap();
    for format in ["cyclonedx-json", "spdx-json"] {
        let sbom = dir.path().join(format!("{format}.json"));
        let (code, _, err) = customs(&[
            "sbom",
            "--no-cache",
            "-q",
            "--format",
            format,
            "-o",
            &sbom.display().to_string(),
            &target,
        ]);
        assert_eq!(code, 0, "{err}");
        let (_, via) = scan_json(&format!("sbom:{}", sbom.display()), &["--scanners", "vuln"]);
        assert_eq!(vuln_ids(&via), vuln_ids(&direct), "{format}");
    }
}

#[test]
fn fail_on_severity_and_ignore_file_gate_the_exit_code() {
    let Some(img) = customs_test::shared_path("images/polyglot-app.docker.tar.gz") else {
        return;
    };
    let target = format!("docker-archive:{}", img.display());
    let (_, all) = scan_json(&target, &["--scanners", "vuln"]);
    let vulns = all["vulnerabilities"].as_array().unwrap();
    let worst = vulns
        .iter()
        .filter_map(|v| v["severity"].as_str())
        .max_by_key(|s| {
            ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
                .iter()
                .position(|x| x == s)
        })
        .unwrap()
        .to_owned();
    let (code, _) = scan_json(&target, &["--scanners", "vuln", "--fail-on", &worst]);
    assert_eq!(code, 1, "--fail-on {worst} must trip");

    // Ignore every ID with that severity: the gate no longer trips, and the findings are
    // kept as suppressed rather than dropped.
    let dir = customs_test::TempDir::new("customs-scan-ignore").unwrap();
    let ignore = dir.path().join(".customsignore");
    let ids: Vec<String> = vulns
        .iter()
        .filter(|v| v["severity"] == worst.as_str())
        .map(|v| format!("{}  # accepted in test", v["id"].as_str().unwrap()))
        .collect();
    std::fs::write(&ignore, ids.join("\n")).unwrap();
    let (code, triaged) = scan_json(
        &target,
        &[
            "--scanners",
            "vuln",
            "--fail-on",
            &worst,
            "--ignorefile",
            &ignore.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "suppressed findings must not trip the gate");
    let kept = triaged["vulnerabilities"].as_array().unwrap();
    assert_eq!(
        kept.len(),
        vulns.len(),
        "suppressed findings are shown, not dropped"
    );
    assert!(kept.iter().any(|v| !v["suppressed"].is_null()));
}

#[test]
fn secrets_command_scans_a_source_tree_and_honours_inline_ignores() {
    let dir = customs_test::TempDir::new("customs-secrets-dir").unwrap();
    let key = ["ghp_", "0123456789abcdefghijABCDEFGHIJ012345"].concat();
    std::fs::write(
        dir.path().join("deploy.sh"),
        format!("export GITHUB_TOKEN={key}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ignored.sh"),
        format!("export GITHUB_TOKEN={key} # customs:ignore-secret\n"),
    )
    .unwrap();
    let target = format!("dir:{}", dir.path().display());
    let (code, out, err) = customs(&["secrets", "--no-cache", "-q", "--format", "json", &target]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(&key), "secret printed in full");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("deploy.sh")), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.ends_with("ignored.sh")),
        "{paths:?}"
    );
    let (code, _, _) = customs(&["secrets", "--no-cache", "-q", "--fail-on", "high", &target]);
    assert_eq!(code, 1);
}

#[test]
fn misconfig_scan_checks_the_files_of_the_final_filesystem() {
    use std::os::unix::fs::PermissionsExt;
    let dir = customs_test::TempDir::new("customs-misconfig-dir").unwrap();
    let root = dir.path();
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    std::fs::write(root.join("usr/local/bin/helper"), b"#!/bin/sh\n").unwrap();
    mode(&root.join("usr/local/bin/helper"), 0o4755);
    std::fs::create_dir_all(root.join("var/lib/apt/lists")).unwrap();
    std::fs::write(root.join("var/lib/apt/lists/deb_bookworm_Packages"), b"x").unwrap();
    std::fs::create_dir_all(root.join("srv/drop")).unwrap();
    mode(&root.join("srv/drop"), 0o777);
    let target = format!("dir:{}", root.display());
    let (code, out, err) = customs(&[
        "scan",
        "--scanners",
        "misconfig",
        "--no-cache",
        "-q",
        "--format",
        "json",
        &target,
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, String)> = report["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["rule_id"].as_str().unwrap().to_owned(),
                m["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |rule: &str, text: &str| found.iter().any(|(r, m)| r == rule && m.contains(text));
    assert!(has("img-setuid-file", "/usr/local/bin/helper"), "{found:?}");
    assert!(has("img-world-writable-dir", "/srv/drop"), "{found:?}");
    assert!(has("img-package-cache", "apt lists"), "{found:?}");
}

#[test]
fn database_travels_through_a_registry_as_an_oci_artifact() {
    use customs_test::registry::{Mode, TestRegistry};
    let Some(db) = test_db() else { return };
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let reference = reg.reference("customs/vulndb:1");
    let db_arg = db.display().to_string();
    let (code, out, err) = customs(&[
        "db",
        "push",
        "-q",
        "--insecure-registry",
        &reg.addr,
        "--db",
        &db_arg,
        &reference,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().starts_with("sha256:"), "{out}");

    let dir = customs_test::TempDir::new("customs-db-pull").unwrap();
    let pulled = dir.path().join("pulled.db").display().to_string();
    let (code, _, err) = customs(&[
        "db",
        "pull",
        "-q",
        "--insecure-registry",
        &reg.addr,
        "--db",
        &pulled,
        &reference,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), std::fs::read(&pulled).unwrap());

    // --offline forbids the registry round trip.
    let (code, _, _) = customs(&["db", "pull", "--offline", "--db", &pulled, &reference]);
    assert_eq!(code, 2);
}

#[test]
fn every_report_format_renders_and_vex_suppresses_without_dropping() {
    let Some(img) = customs_test::shared_path("images/polyglot-app.docker.tar.gz") else {
        return;
    };
    let Some(db) = test_db() else { return };
    let db = db.display().to_string();
    let target = format!("docker-archive:{}", img.display());
    let dir = customs_test::TempDir::new("customs-scan-formats").unwrap();

    // An OpenVEX statement that lodash's command injection does not affect this image.
    let vex = dir.path().join("app.openvex.json");
    std::fs::write(
        &vex,
        serde_json::json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.invalid/vex/1",
            "author": "customs tests",
            "timestamp": "2026-01-01T00:00:00Z",
            "version": 1,
            "statements": [{
                "vulnerability": {"name": "CVE-2021-23337"},
                "products": [{"@id": "pkg:npm/lodash@4.17.15"}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path"
            }]
        })
        .to_string(),
    )
    .unwrap();
    let vex_arg = vex.display().to_string();

    for format in ["json", "sarif", "cyclonedx", "html", "table"] {
        let out_file = dir.path().join(format!("report.{format}"));
        let out_arg = out_file.display().to_string();
        let (code, _, err) = customs(&[
            "scan",
            "--db",
            &db,
            "--no-cache",
            "-q",
            "--vex",
            &vex_arg,
            "--format",
            format,
            "-o",
            &out_arg,
            &target,
        ]);
        assert_eq!(code, 0, "{format}: {err}");
        let text = std::fs::read_to_string(&out_file).unwrap();
        assert!(
            !text.contains("glpat-customsTESTfake00001"),
            "{format} prints a secret"
        );
        match format {
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let lodash = v["vulnerabilities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["id"] == "CVE-2021-23337")
                    .expect("the suppressed finding is kept");
                assert_eq!(lodash["suppressed"]["status"], "not_affected", "{lodash}");
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["version"], "2.1.0");
                assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
            }
            "cyclonedx" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["bomFormat"], "CycloneDX");
                assert!(!v["vulnerabilities"].as_array().unwrap().is_empty());
            }
            "html" => assert!(text.contains("<html") && text.contains("CVE-2021-23337")),
            _ => assert!(text.contains("CVE-2021-23337")),
        }
    }
}
