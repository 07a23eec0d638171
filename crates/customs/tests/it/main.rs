//! Whole-process tests of the `customs` binary.

mod attest;

use std::process::Command;

use customs_test::registry::{Mode, TestRegistry};

mod scan;

fn customs(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_customs"))
        .args(args)
        .env(
            "CUSTOMS_CACHE_DIR",
            std::env::temp_dir().join("customs-cli-test-cache"),
        )
        .output()
        .expect("run customs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn inspect_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["inspect", "--format", "json", "--no-cache", "-q"];
    all.extend_from_slice(args);
    let (code, out, err) = customs(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// The facts every form of one image must agree on.
fn essence(v: &serde_json::Value) -> serde_json::Value {
    let layers: Vec<_> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            serde_json::json!([
                l["diffId"],
                l["uncompressedSize"],
                l["entries"],
                l["createdBy"]
            ])
        })
        .collect();
    serde_json::json!({"imageId": v["imageId"], "platform": v["platform"], "config": v["config"],
        "layers": layers, "history": v["historyEntries"]})
}

#[test]
fn every_image_inspects_identically_from_archive_layout_and_registries() {
    for name in ["debian-bookworm-minbase", "polyglot-app"] {
        let Some(oci) = customs_test::shared_path(&format!("images/{name}.oci.tar")) else {
            return;
        };
        let Some(docker) = customs_test::shared_path(&format!("images/{name}.docker.tar.gz"))
        else {
            return;
        };
        let from_oci = inspect_json(&[&format!("oci-layout:{}", oci.display())]);
        let from_docker = inspect_json(&[&format!("docker-archive:{}", docker.display())]);
        assert_eq!(essence(&from_oci), essence(&from_docker), "{name}");
        for mode in [Mode::Plain, Mode::BasicTls, Mode::TokenTls] {
            let Some(reg) = TestRegistry::start(mode) else {
                return;
            };
            let Some(digest) = reg.push_oci_archive(&oci, &format!("fixtures/{name}:latest"))
            else {
                return;
            };
            assert_eq!(digest, from_oci["manifestDigest"].as_str().unwrap());
            let reference = reg.reference(&format!("fixtures/{name}:latest"));
            let mut args: Vec<String> = vec![format!("registry:{reference}")];
            if mode == Mode::Plain {
                args.extend(["--insecure-registry".into(), reg.addr.clone()]);
            }
            if let Some(ca) = &reg.ca_cert {
                args.extend(["--ca-file".into(), ca.display().to_string()]);
            }
            let stdin_password = reg.creds.clone();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_customs"));
            cmd.args(["inspect", "--format", "json", "--no-cache", "-q"])
                .args(&args);
            if let Some((user, _)) = &stdin_password {
                cmd.args(["--username", user, "--password-stdin"]);
            }
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            {
                use std::io::Write;
                let mut stdin = child.stdin.take().unwrap();
                if let Some((_, pw)) = &stdin_password {
                    writeln!(stdin, "{pw}").unwrap();
                }
            }
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{mode:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["manifestDigest"], from_oci["manifestDigest"], "{mode:?}");
            assert_eq!(essence(&v), essence(&from_oci), "{name} {mode:?}");
        }
    }
}

#[test]
fn packages_of_both_images_match_the_ground_truth_counts() {
    let Some(deb) = customs_test::shared_path("images/debian-bookworm-minbase.docker.tar.gz")
    else {
        return;
    };
    let (code, out, err) = customs(&[
        "packages",
        "--format",
        "json",
        "-q",
        &format!("docker-archive:{}", deb.display()),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(pkgs.iter().filter(|p| p["type"] == "deb").count(), 106);
    assert!(!pkgs.iter().any(|p| p["name"] == "curl"));
}

#[test]
fn sbom_is_written_to_a_file() {
    let Some(oci) = customs_test::shared_path("images/polyglot-app.oci.tar") else {
        return;
    };
    let dir = customs_test::TempDir::new("cli-sbom").unwrap();
    let out = dir.path().join("sbom.cdx.json");
    let (code, _, err) = customs(&[
        "sbom",
        "-q",
        "--format",
        "cyclonedx-json",
        "-o",
        out.to_str().unwrap(),
        &format!("oci-layout:{}", oci.display()),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["specVersion"], "1.6");
    assert!(v["components"].as_array().unwrap().len() >= 43);
}

#[test]
fn errors_have_documented_exit_codes() {
    let (code, _, err) = customs(&["inspect", "BAD REF"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("hint: "), "{err}");
    let dir = customs_test::TempDir::new("cli-bad").unwrap();
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar archive at all").unwrap();
    let (code, _, err) = customs(&["inspect", &format!("docker-archive:{}", junk.display())]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{err}"
    );
    let (code, _, err) = customs(&["inspect", "--offline", "registry:127.0.0.1:1/x:y"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn config_checks_the_shipped_examples_and_gates_on_severity() {
    let examples = customs_test::workspace_root().join("crates/customs-misconfig/examples");
    let dir = customs_test::TempDir::new("cli-config").unwrap();
    let out = dir.path().join("report.sarif");
    let (code, _, err) = customs(&[
        "config",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        examples.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    let (code, _, err) = customs(&["config", "--fail-on", "low", examples.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = customs(&["config", "--fail-on", "bogus", examples.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
}
