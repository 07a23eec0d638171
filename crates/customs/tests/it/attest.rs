//! Whole-process tests of `customs key generate`, `sign`, `attest`,
//! `verify`, `verify-attestation` and `provenance`, against Debian's
//! `docker-registry` on 127.0.0.1 (no referrers API: the bundle layout
//! goes through the fallback tag).

use std::path::Path;
use std::process::Command;

use customs_test::registry::{Mode, TestRegistry};

const PASSWORD: &str = "correct horse";

fn run(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_customs"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("CUSTOMS_PASSWORD")
        .env_remove("COSIGN_PASSWORD")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run customs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn github_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "example/app"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        (
            "GITHUB_WORKFLOW_REF",
            "example/app/.github/workflows/build.yml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_EVENT_NAME", "push"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ]
}

#[test]
fn key_sign_attest_verify_and_provenance_end_to_end() {
    let Some(oci) = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar") else {
        return;
    };
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let Some(digest) = reg.push_oci_archive(&oci, "base/debian:12") else {
        return;
    };
    let Some(_) = reg.push_oci_archive(&oci, "base/unsigned:12") else {
        return;
    };
    let dir = customs_test::TempDir::new("cli-attest").unwrap();
    let cwd = dir.path();
    let pw = [("CUSTOMS_PASSWORD", PASSWORD)];
    let image = reg.reference("base/debian:12");
    let insecure = ["--insecure-registry", reg.addr.as_str()];
    let with = |pre: &[&str], target: &str| -> Vec<String> {
        pre.iter()
            .copied()
            .chain([target])
            .chain(insecure)
            .map(str::to_owned)
            .collect()
    };
    let call = |env: &[(&str, &str)], args: &[String]| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        run(cwd, env, &a)
    };

    // Keys: default names in the working directory, private file 0600.
    let (code, _, err) = run(cwd, &pw, &["key", "generate"]);
    assert_eq!(code, 0, "{err}");
    assert!(cwd.join("customs.key").is_file() && cwd.join("customs.pub").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(cwd.join("customs.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key_pem = std::fs::read_to_string(cwd.join("customs.key")).unwrap();
    assert!(key_pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
    let (code, _, err) = run(
        cwd,
        &[("COSIGN_PASSWORD", "other")],
        &["key", "generate", "--output-key-prefix", "keys/other"],
    );
    assert_ne!(code, 0, "the keys folder does not exist yet: {err}");
    std::fs::create_dir(cwd.join("keys")).unwrap();
    let (code, _, err) = run(
        cwd,
        &[("COSIGN_PASSWORD", "other")],
        &["key", "generate", "--output-key-prefix", "keys/other"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(cwd.join("keys/other.pub").is_file());

    // Sign by tag: resolved to the digest, said on stderr; both layouts.
    let (code, out, err) = call(&pw, &with(&["sign", "--key", "customs.key"], &image));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("Resolved {image} to {digest}")),
        "{err}"
    );
    assert!(err.contains("fallback tag sha256-"), "{err}");
    assert!(out.is_empty());
    let (code, _, err) = call(
        &pw,
        &with(&["sign", "--key", "customs.key", "--legacy"], &image),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(".sig"), "{err}");

    // Verify: both payloads printed as JSON lines.
    let (code, out, err) = call(&[], &with(&["verify", "--key", "customs.pub"], &image));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines
        .iter()
        .any(|l| l["critical"]["image"]["docker-manifest-digest"] == digest.as_str()));
    assert!(lines.iter().any(
        |l| l["predicateType"] == "https://sigstore.dev/cosign/sign/v1"
            && l["subject"][0]["digest"]["sha256"] == digest.trim_start_matches("sha256:")
    ));

    // Another key: exit 4, each candidate's failed check on stderr.
    let (code, out, err) = call(&[], &with(&["verify", "--key", "keys/other.pub"], &image));
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty());
    let rejected: Vec<&str> = err.lines().filter(|l| l.starts_with("rejected ")).collect();
    assert_eq!(rejected.len(), 2, "{err}");
    assert!(
        rejected
            .iter()
            .all(|l| l.contains("(signature check): signature check failed")),
        "{err}"
    );
    assert!(err.contains("no valid signature"), "{err}");

    // No signatures at all: exit 4.
    let unsigned = reg.reference("base/unsigned:12");
    let (code, _, err) = call(&[], &with(&["verify", "--key", "customs.pub"], &unsigned));
    assert_eq!(code, 4, "{err}");

    // Wrong password, corrupt PEM: runtime errors (exit 3) that say so.
    let (code, _, err) = call(
        &[("CUSTOMS_PASSWORD", "wrong")],
        &with(&["sign", "--key", "customs.key"], &image),
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.to_lowercase().contains("password"), "{err}");
    std::fs::write(cwd.join("corrupt.key"), key_pem.replace('A', "*")).unwrap();
    let (code, _, err) = call(&pw, &with(&["sign", "--key", "corrupt.key"], &image));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot load private key"), "{err}");

    // Keyless verification without saying whose identity: usage error.
    let (code, _, err) = call(
        &[],
        &with(&["verify", "--trusted-root", "customs.pub"], &image),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--certificate-identity"), "{err}");

    // A target that is not in a registry: usage error.
    let (code, _, err) = run(cwd, &[], &["verify", "--key", "customs.pub", "dir:/tmp"]);
    assert_eq!(code, 2, "{err}");

    // Provenance: generated from CI variables, attested, verified.
    let gh = github_env();
    let (code, prov, err) = run(
        cwd,
        &gh,
        &[
            "provenance",
            "generate",
            "--material",
            "pkg:docker/debian@sha256:abcd",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value = serde_json::from_str(&prov).unwrap();
    assert!(p["runDetails"]["metadata"]["finishedOn"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    assert_eq!(
        p["buildDefinition"]["resolvedDependencies"][1]["digest"]["sha256"],
        "abcd"
    );
    std::fs::write(cwd.join("prov.json"), &prov).unwrap();
    for legacy in [false, true] {
        let mut pre = vec![
            "attest",
            "--key",
            "customs.key",
            "--type",
            "slsaprovenance1",
            "--predicate",
            "prov.json",
        ];
        if legacy {
            pre.push("--legacy");
        }
        let (code, _, err) = call(&pw, &with(&pre, &image));
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = call(
        &[],
        &with(
            &[
                "verify-attestation",
                "--key",
                "customs.pub",
                "--type",
                "slsaprovenance1",
            ],
            &image,
        ),
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    for l in &lines {
        assert_eq!(l["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(l["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(l["predicate"], p);
    }
    let (code, _, err) = call(
        &[],
        &with(
            &[
                "verify-attestation",
                "--key",
                "customs.pub",
                "--type",
                "spdx",
            ],
            &image,
        ),
    );
    assert_eq!(code, 4, "no SPDX attestation yet: {err}");
    let (code, out, err) = call(
        &[],
        &with(
            &[
                "provenance",
                "verify",
                "--key",
                "customs.pub",
                "--source-uri",
                "github.com/example/app",
                "--source-digest",
                "0123456789abcdef0123456789abcdef01234567",
            ],
            &image,
        ),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2);
    let (code, _, err) = call(
        &[],
        &with(
            &[
                "provenance",
                "verify",
                "--key",
                "customs.pub",
                "--source-uri",
                "github.com/evil/app",
            ],
            &image,
        ),
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("source"), "{err}");

    // `attest --from-scan` of one predicate type, then the first verified statement of it.
    let attest_from_scan = |kind: &str, extra: &[&str]| {
        let mut args = vec![
            "attest",
            "--key",
            "customs.key",
            "--type",
            kind,
            "--from-scan",
        ];
        args.extend_from_slice(extra);
        call(&pw, &with(&args, &image))
    };
    let verified_statement = |kind: &str| -> serde_json::Value {
        let (code, out, err) = call(
            &[],
            &with(
                &["verify-attestation", "--key", "customs.pub", "--type", kind],
                &image,
            ),
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(out.lines().next().unwrap()).unwrap()
    };

    // SBOM predicate from our own catalog of the image.
    let (code, _, err) = attest_from_scan("cyclonedx", &["--no-cache"]);
    assert_eq!(code, 0, "{err}");
    let st = verified_statement("cyclonedx");
    assert_eq!(st["predicate"]["bomFormat"], "CycloneDX");
    assert!(st["predicate"]["components"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    // cosign's vulnerability predicate from our own scan, against the shared advisories.
    let Some(db) = super::scan::test_db() else {
        return;
    };
    let db = db.display().to_string();
    let (code, _, err) = attest_from_scan("vuln", &["--no-cache", "--db", db.as_str()]);
    assert_eq!(code, 0, "{err}");
    let st = verified_statement("vuln");
    assert_eq!(
        st["predicateType"],
        "https://cosign.sigstore.dev/attestation/vuln/v1"
    );
    let result = &st["predicate"]["scanner"]["result"];
    assert!(result["package_count"].as_u64().unwrap() > 0, "{result}");
    assert!(result["vulnerabilities"].is_array(), "{result}");
    assert!(!st["predicate"]["metadata"]["scanFinishedOn"].is_null());

    // OpenVEX documents are the user's statements, not something a scan can make.
    let (code, _, err) = attest_from_scan("openvex", &[]);
    assert_eq!(code, 2, "{err}");
}
