//! SLSA provenance v1 (`https://slsa.dev/provenance/v1`): building the
//! predicate from CI variables and checking one against expectations the
//! way slsa-verifier does (`--builder-id`, `--source-uri`, `--source-digest`).
//!
//! The CI variables are passed in as a map; the library never reads the
//! process environment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::intoto::{ResourceDescriptor, Statement, SLSA_PROVENANCE_V1};

/// Build type for GitHub Actions workflows (as actions/attest-build-provenance writes).
pub const GITHUB_BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";
/// Build type for GitLab CI jobs. customs' own URI: GitLab documents no
/// stable one for self-made provenance.
pub const GITLAB_BUILD_TYPE: &str = "https://customs.invalid/buildtypes/gitlab-ci/v1";

/// The SLSA v1 predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// What was built and from what.
    pub build_definition: BuildDefinition,
    /// Who built it and when.
    pub run_details: RunDetails,
}

/// `buildDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// URI of the build template.
    pub build_type: String,
    /// Parameters under the user's control.
    pub external_parameters: serde_json::Value,
    /// Parameters set by the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_parameters: Option<serde_json::Value>,
    /// Sources and materials, the source first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// `runDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The build platform.
    pub builder: Builder,
    /// Invocation id and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    /// Other outputs (logs, SBOMs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

/// `builder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    /// The builder identity slsa-verifier matches with `--builder-id`.
    pub id: String,
    /// Builder dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
    /// Component versions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
}

/// `metadata`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    /// Unique run id (a URL on GitHub/GitLab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

/// Why provenance could not be built or did not match.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlsaError {
    /// Neither GitHub Actions nor GitLab CI variables are present.
    #[error("no supported CI environment found (need GITHUB_ACTIONS=true or GITLAB_CI=true)")]
    UnknownCi,
    /// A required CI variable is missing.
    #[error("CI variable {0} is not set")]
    MissingVariable(&'static str),
    /// The statement is not SLSA v1 provenance.
    #[error("predicate type check failed: {0:?} is not {SLSA_PROVENANCE_V1}")]
    PredicateType(String),
    /// The predicate does not have the v1 shape.
    #[error("provenance predicate is malformed")]
    Malformed(#[source] serde_json::Error),
    /// Builder id mismatch.
    #[error("builder id check failed: expected {expected:?}, provenance names {found:?}")]
    BuilderId {
        /// Expected.
        expected: String,
        /// Found.
        found: String,
    },
    /// Source URI mismatch.
    #[error("source uri check failed: expected {expected:?}, provenance sources are {found:?}")]
    SourceUri {
        /// Expected.
        expected: String,
        /// Source URIs found.
        found: Vec<String>,
    },
    /// Source digest mismatch.
    #[error("source digest check failed: expected {expected:?}, the source has digests {found:?}")]
    SourceDigest {
        /// Expected.
        expected: String,
        /// Digests found on the matching source.
        found: Vec<String>,
    },
}

fn var<'a>(env: &'a BTreeMap<String, String>, key: &'static str) -> Result<&'a str, SlsaError> {
    env.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or(SlsaError::MissingVariable(key))
}

fn opt<'a>(env: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    env.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// Builds provenance from CI variables (GitHub Actions or GitLab CI) plus
/// `materials` (extra resolved dependencies, e.g. base images with their
/// digests). Set `run_details.metadata.finished_on` (and `started_on` on
/// GitHub, which exposes no start time) with [`crate::time::format_rfc3339`].
pub fn from_ci_env(
    env: &BTreeMap<String, String>,
    materials: &[ResourceDescriptor],
) -> Result<Provenance, SlsaError> {
    let mut p = if opt(env, "GITHUB_ACTIONS") == Some("true") {
        github(env)?
    } else if opt(env, "GITLAB_CI") == Some("true") {
        gitlab(env)?
    } else {
        return Err(SlsaError::UnknownCi);
    };
    p.build_definition
        .resolved_dependencies
        .extend_from_slice(materials);
    Ok(p)
}

fn git_source(repo_url: &str, git_ref: &str, sha: &str) -> ResourceDescriptor {
    ResourceDescriptor {
        uri: Some(format!("git+{repo_url}@{git_ref}")),
        digest: BTreeMap::from([("gitCommit".to_owned(), sha.to_owned())]),
        ..ResourceDescriptor::default()
    }
}

fn github(env: &BTreeMap<String, String>) -> Result<Provenance, SlsaError> {
    let server = opt(env, "GITHUB_SERVER_URL").unwrap_or("https://github.com");
    let repo = var(env, "GITHUB_REPOSITORY")?;
    let sha = var(env, "GITHUB_SHA")?;
    let git_ref = var(env, "GITHUB_REF")?;
    let workflow_ref = var(env, "GITHUB_WORKFLOW_REF")?;
    let run_id = var(env, "GITHUB_RUN_ID")?;
    let attempt = opt(env, "GITHUB_RUN_ATTEMPT").unwrap_or("1");
    // GITHUB_WORKFLOW_REF = owner/repo/.github/workflows/file.yml@refs/heads/main
    let (workflow, wf_ref) = workflow_ref
        .rsplit_once('@')
        .unwrap_or((workflow_ref, git_ref));
    let path = workflow
        .strip_prefix(repo)
        .map(|p| p.trim_start_matches('/'))
        .unwrap_or(workflow);
    let repo_url = format!("{server}/{repo}");
    let mut internal = serde_json::Map::new();
    for (k, v) in [
        ("event_name", "GITHUB_EVENT_NAME"),
        ("repository_id", "GITHUB_REPOSITORY_ID"),
        ("repository_owner_id", "GITHUB_REPOSITORY_OWNER_ID"),
        ("runner_environment", "RUNNER_ENVIRONMENT"),
    ] {
        if let Some(val) = opt(env, v) {
            internal.insert(k.to_owned(), val.into());
        }
    }
    Ok(Provenance {
        build_definition: BuildDefinition {
            build_type: GITHUB_BUILD_TYPE.to_owned(),
            external_parameters: serde_json::json!({
                "workflow": { "ref": wf_ref, "repository": repo_url, "path": path }
            }),
            internal_parameters: Some(serde_json::json!({ "github": internal })),
            resolved_dependencies: vec![git_source(&repo_url, git_ref, sha)],
        },
        run_details: RunDetails {
            builder: Builder {
                id: format!("{server}/{workflow_ref}"),
                builder_dependencies: vec![],
                version: BTreeMap::new(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: Some(format!(
                    "{repo_url}/actions/runs/{run_id}/attempts/{attempt}"
                )),
                started_on: None,
                finished_on: None,
            }),
            byproducts: vec![],
        },
    })
}

fn gitlab(env: &BTreeMap<String, String>) -> Result<Provenance, SlsaError> {
    let project_url = var(env, "CI_PROJECT_URL")?;
    let sha = var(env, "CI_COMMIT_SHA")?;
    let git_ref = var(env, "CI_COMMIT_REF_NAME")?;
    let job_url = var(env, "CI_JOB_URL")?;
    let server = var(env, "CI_SERVER_URL")?;
    let project = var(env, "CI_PROJECT_PATH")?;
    let mut internal = serde_json::Map::new();
    for (k, v) in [
        ("pipeline_id", "CI_PIPELINE_ID"),
        ("pipeline_source", "CI_PIPELINE_SOURCE"),
        ("job_id", "CI_JOB_ID"),
        ("runner_id", "CI_RUNNER_ID"),
        ("runner_description", "CI_RUNNER_DESCRIPTION"),
    ] {
        if let Some(val) = opt(env, v) {
            internal.insert(k.to_owned(), val.into());
        }
    }
    let builder_id = match opt(env, "CI_RUNNER_ID") {
        Some(runner) => format!("{server}/{project}/-/runners/{runner}"),
        None => format!("{server}/{project}"),
    };
    Ok(Provenance {
        build_definition: BuildDefinition {
            build_type: GITLAB_BUILD_TYPE.to_owned(),
            external_parameters: serde_json::json!({
                "source": project_url,
                "ref": git_ref,
                "entryPoint": opt(env, "CI_CONFIG_PATH").unwrap_or(".gitlab-ci.yml"),
                "job": opt(env, "CI_JOB_NAME"),
            }),
            internal_parameters: Some(serde_json::json!({ "gitlab": internal })),
            resolved_dependencies: vec![git_source(project_url, git_ref, sha)],
        },
        run_details: RunDetails {
            builder: Builder {
                id: builder_id,
                builder_dependencies: vec![],
                version: BTreeMap::new(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: Some(job_url.to_owned()),
                started_on: opt(env, "CI_JOB_STARTED_AT").map(str::to_owned),
                finished_on: None,
            }),
            byproducts: vec![],
        },
    })
}

impl Provenance {
    /// The predicate as JSON for an in-toto Statement.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// What a verifier expects of provenance (slsa-verifier's flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `--builder-id`: exact, or without the `@ref` part to accept any ref.
    pub builder_id: Option<String>,
    /// `--source-uri`, e.g. `github.com/owner/repo`; scheme, `git+`,
    /// `.git` and `@ref` are ignored on both sides.
    pub source_uri: String,
    /// `--source-digest`: the commit the source must be at.
    pub source_digest: Option<String>,
}

fn normalize_source(uri: &str) -> String {
    let u = uri.strip_prefix("git+").unwrap_or(uri);
    let u = u.split_once("://").map_or(u, |(_, rest)| rest);
    let u = u.split_once('@').map_or(u, |(a, _)| a);
    u.trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

/// Checks a verified Statement's SLSA v1 provenance against `expect`:
/// predicate type, builder id, source URI (the first resolved dependency
/// with a URI matching), source digest. Returns the parsed provenance.
pub fn verify_provenance(
    statement: &Statement,
    expect: &Expectations,
) -> Result<Provenance, SlsaError> {
    if statement.predicate_type != SLSA_PROVENANCE_V1 {
        return Err(SlsaError::PredicateType(statement.predicate_type.clone()));
    }
    let predicate = statement
        .predicate
        .clone()
        .unwrap_or(serde_json::Value::Null);
    let p: Provenance = serde_json::from_value(predicate).map_err(SlsaError::Malformed)?;
    if let Some(expected) = &expect.builder_id {
        let found = &p.run_details.builder.id;
        let base = found.split_once('@').map_or(found.as_str(), |(b, _)| b);
        if found != expected && (expected.contains('@') || base != expected) {
            return Err(SlsaError::BuilderId {
                expected: expected.clone(),
                found: found.clone(),
            });
        }
    }
    let want = normalize_source(&expect.source_uri);
    let source = p
        .build_definition
        .resolved_dependencies
        .iter()
        .find(|d| {
            d.uri
                .as_deref()
                .is_some_and(|u| normalize_source(u) == want)
        })
        .ok_or_else(|| SlsaError::SourceUri {
            expected: expect.source_uri.clone(),
            found: p
                .build_definition
                .resolved_dependencies
                .iter()
                .filter_map(|d| d.uri.clone())
                .collect(),
        })?;
    if let Some(expected) = &expect.source_digest {
        let (alg, value) = expected
            .split_once(':')
            .map_or((None, expected.as_str()), |(a, v)| (Some(a), v));
        let ok = source.digest.iter().any(|(a, v)| {
            v.eq_ignore_ascii_case(value)
                && alg.is_none_or(|want| want == a || (want == "sha1" && a == "gitCommit"))
        });
        if !ok {
            return Err(SlsaError::SourceDigest {
                expected: expected.clone(),
                found: source
                    .digest
                    .iter()
                    .map(|(a, v)| format!("{a}:{v}"))
                    .collect(),
            });
        }
    }
    Ok(p)
}
