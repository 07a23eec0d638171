use std::collections::BTreeMap;

use customs_attest::intoto::{ResourceDescriptor, Statement, SLSA_PROVENANCE_V1};
use customs_attest::slsa::{self, Expectations, SlsaError};
use customs_attest::{dsse::Envelope, keys, verify, Digest, Limits};

const SHA: &str = "2a6b879b7a5ef59d7fb348d0b5d14314538ac0a6";

fn github_env() -> BTreeMap<String, String> {
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/app"),
        ("GITHUB_SHA", SHA),
        ("GITHUB_REF", "refs/tags/v1.2.3"),
        (
            "GITHUB_WORKFLOW_REF",
            "acme/app/.github/workflows/release.yml@refs/tags/v1.2.3",
        ),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("GITHUB_EVENT_NAME", "push"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn image() -> Digest {
    format!("sha256:{}", "ab".repeat(32)).parse().unwrap()
}

#[test]
fn github_provenance_is_built_signed_and_verified() {
    let base: Digest = format!("sha256:{}", "cd".repeat(32)).parse().unwrap();
    let material = ResourceDescriptor {
        uri: Some("pkg:docker/debian@12".into()),
        ..ResourceDescriptor::for_digest(None, &base)
    };
    let mut p = slsa::from_ci_env(&github_env(), &[material]).unwrap();
    p.run_details.metadata.as_mut().unwrap().finished_on =
        Some(customs_attest::time::format_rfc3339(1_740_770_291));
    let v = p.to_value();
    assert_eq!(v["buildDefinition"]["buildType"], slsa::GITHUB_BUILD_TYPE);
    assert_eq!(
        v["buildDefinition"]["externalParameters"]["workflow"]["path"],
        ".github/workflows/release.yml"
    );
    assert_eq!(
        v["buildDefinition"]["resolvedDependencies"][0]["uri"],
        "git+https://github.com/acme/app@refs/tags/v1.2.3"
    );
    assert_eq!(
        v["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"],
        SHA
    );
    assert_eq!(
        v["buildDefinition"]["resolvedDependencies"][1]["digest"]["sha256"],
        "cd".repeat(32)
    );
    assert_eq!(
        v["runDetails"]["builder"]["id"],
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3"
    );
    assert_eq!(
        v["runDetails"]["metadata"]["invocationId"],
        "https://github.com/acme/app/actions/runs/42/attempts/2"
    );
    assert_eq!(
        v["runDetails"]["metadata"]["finishedOn"],
        "2025-02-28T19:18:11Z"
    );

    // Sign as an attestation, verify, then check expectations.
    let key = keys::generate_p256();
    let st = Statement::new(
        vec![ResourceDescriptor::for_digest(
            Some("registry.invalid/acme/app"),
            &image(),
        )],
        SLSA_PROVENANCE_V1,
        v,
    );
    let env = Envelope::sign(
        customs_attest::intoto::PAYLOAD_TYPE,
        &st.to_json().unwrap(),
        &key,
    )
    .unwrap();
    let verified = verify::verify_attestation(&env, &key.verifying_key(), &image()).unwrap();
    let good = Expectations {
        builder_id: Some("https://github.com/acme/app/.github/workflows/release.yml".into()),
        source_uri: "github.com/acme/app".into(),
        source_digest: Some(SHA.into()),
    };
    slsa::verify_provenance(&verified.statement, &good).unwrap();
    let exact = Expectations {
        builder_id: Some(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3".into(),
        ),
        ..good.clone()
    };
    slsa::verify_provenance(&verified.statement, &exact).unwrap();

    let e = slsa::verify_provenance(
        &verified.statement,
        &Expectations {
            builder_id: Some("https://github.com/evil/x".into()),
            ..good.clone()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SlsaError::BuilderId { .. }), "{e}");
    let e = slsa::verify_provenance(
        &verified.statement,
        &Expectations {
            builder_id: Some(
                "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v9".into(),
            ),
            ..good.clone()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SlsaError::BuilderId { .. }), "{e}");
    let e = slsa::verify_provenance(
        &verified.statement,
        &Expectations {
            source_uri: "github.com/acme/other".into(),
            ..good.clone()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SlsaError::SourceUri { .. }), "{e}");
    assert!(e.to_string().starts_with("source uri check failed"));
    let e = slsa::verify_provenance(
        &verified.statement,
        &Expectations {
            source_digest: Some("sha1:0000".into()),
            ..good.clone()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SlsaError::SourceDigest { .. }), "{e}");
    let wrong_type = Statement {
        predicate_type: "https://slsa.dev/provenance/v0.2".into(),
        ..verified.statement
    };
    assert!(matches!(
        slsa::verify_provenance(&wrong_type, &good),
        Err(SlsaError::PredicateType(_))
    ));
    let _ = Limits::default();
}

#[test]
fn gitlab_provenance() {
    let env: BTreeMap<String, String> = [
        ("GITLAB_CI", "true"),
        ("CI_SERVER_URL", "https://gitlab.example.invalid"),
        ("CI_PROJECT_PATH", "acme/app"),
        ("CI_PROJECT_URL", "https://gitlab.example.invalid/acme/app"),
        ("CI_COMMIT_SHA", SHA),
        ("CI_COMMIT_REF_NAME", "main"),
        (
            "CI_JOB_URL",
            "https://gitlab.example.invalid/acme/app/-/jobs/7",
        ),
        ("CI_JOB_STARTED_AT", "2025-02-28T19:18:11Z"),
        ("CI_RUNNER_ID", "12"),
        ("CI_PIPELINE_ID", "99"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let p = slsa::from_ci_env(&env, &[]).unwrap();
    assert_eq!(
        p.run_details.builder.id,
        "https://gitlab.example.invalid/acme/app/-/runners/12"
    );
    assert_eq!(
        p.run_details
            .metadata
            .as_ref()
            .unwrap()
            .started_on
            .as_deref(),
        Some("2025-02-28T19:18:11Z")
    );
    assert_eq!(
        p.build_definition.resolved_dependencies[0].uri.as_deref(),
        Some("git+https://gitlab.example.invalid/acme/app@main")
    );
    let st = Statement::new(
        vec![ResourceDescriptor::for_digest(None, &image())],
        SLSA_PROVENANCE_V1,
        p.to_value(),
    );
    let exp = Expectations {
        builder_id: None,
        source_uri: "gitlab.example.invalid/acme/app".into(),
        source_digest: Some(format!("gitCommit:{SHA}")),
    };
    slsa::verify_provenance(&st, &exp).unwrap();
}

#[test]
fn missing_ci_variables_are_named() {
    assert!(matches!(
        slsa::from_ci_env(&BTreeMap::new(), &[]),
        Err(SlsaError::UnknownCi)
    ));
    let mut env = github_env();
    env.remove("GITHUB_SHA");
    let e = slsa::from_ci_env(&env, &[]).unwrap_err();
    assert_eq!(e.to_string(), "CI variable GITHUB_SHA is not set");
}
