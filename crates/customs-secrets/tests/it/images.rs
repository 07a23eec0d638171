//! Acceptance on the fixture images of `../shared/images` (README there): the real layer
//! walk of `customs-image` with [`SecretAnalyzer`], then [`image_findings`] and
//! [`scan_image_config`]. Every finding is accounted for: the planted secrets, each in
//! its layer with its deleted/present state, and one known extra that is a real secret.

use customs_image::{open, walk, OpenOptions, Target, WalkOptions, WalkResult};
use customs_model::analysis::FileAnalyzer;
use customs_secrets::{
    image_findings, scan_image_config, ConfigSecret, LayerSecret, RuleSet, ScanOptions, Scanner,
    SecretAnalyzer,
};

fn scanner() -> Scanner {
    Scanner::new(RuleSet::builtin(), ScanOptions::default())
}

/// Every path scanned: the built-in third-party allowlist switched off.
fn scanner_everything() -> Scanner {
    let cfg = customs_secrets::Config::from_yaml("default_allow_paths: false").unwrap();
    Scanner::new(RuleSet::from_config(&cfg).unwrap(), ScanOptions::default())
}

/// Opens and walks a fixture with the secret analyzer; `None` when the data is absent.
fn scan(
    file: &str,
    form: &str,
) -> Option<(
    customs_image::Image,
    WalkResult,
    Vec<LayerSecret>,
    Vec<ConfigSecret>,
)> {
    scan_with(file, form, scanner())
}

fn scan_with(
    file: &str,
    form: &str,
    file_scanner: Scanner,
) -> Option<(
    customs_image::Image,
    WalkResult,
    Vec<LayerSecret>,
    Vec<ConfigSecret>,
)> {
    let path = customs_test::shared_path(&format!("images/{file}"))?;
    let target = Target::parse(&format!("{form}:{}", path.display())).unwrap();
    let image = open(&target, &OpenOptions::default()).unwrap();
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(SecretAnalyzer::new(file_scanner))];
    let walked = walk(&image, &analyzers, &WalkOptions::default()).unwrap();
    let files = image_findings(&walked.analysis);
    let config = scan_image_config(&scanner(), &image.config);
    Some((image, walked, files, config))
}

fn describe(files: &[LayerSecret], config: &[ConfigSecret]) -> String {
    let mut out: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{} layer {} removed_in {:?} line {} {} {}",
                f.path,
                f.layer_index,
                f.removed_in,
                f.secret.line,
                f.secret.rule_id,
                f.secret.redacted
            )
        })
        .collect();
    out.extend(
        config
            .iter()
            .map(|c| format!("{} {} {}", c.location, c.secret.rule_id, c.secret.redacted)),
    );
    out.join("\n")
}

/// (path, rule, layer index, removed_in, line, redacted prefix)
type Expected = (
    &'static str,
    &'static str,
    usize,
    Option<usize>,
    usize,
    &'static str,
);

/// What the README plants in polyglot-app (layer numbers there are 1-based). With the
/// built-in third-party allowlist switched off there is one extra ([`COVERALLS`]).
const POLYGLOT: &[Expected] = &[
    (
        "/app/config/aws-credentials",
        "aws-access-key-id",
        7,
        None,
        3,
        "AKIA",
    ),
    (
        "/app/config/aws-credentials",
        "aws-secret-access-key",
        7,
        None,
        4,
        "wJal",
    ),
    (
        "/app/config/deploy-key.pem",
        "private-key-rsa",
        7,
        Some(8),
        2,
        "MIIE",
    ),
];

/// The Coveralls repository token that the `debug` 2.6.8 package really shipped in its
/// npm tarball (`repo_token:` in `.coveralls.yml`): a real credential, not a false
/// positive, but third-party code under `node_modules`, which the default allowlist skips.
/// `debug` is a dev dependency, so it exists only in layer 3 (index 2) and layer 4's
/// opaque whiteout of `app/node_modules` (index 3) removes it.
const COVERALLS: Expected = (
    "/app/node_modules/debug/.coveralls.yml",
    "generic-token-assignment",
    2,
    Some(3),
    1,
    "",
);

fn check_polyglot(form: &str, file: &str) {
    let Some((image, walked, files, config)) = scan(file, form) else {
        return;
    };
    let all = describe(&files, &config);
    assert_eq!(files.len(), POLYGLOT.len(), "{all}");
    for (f, &(path, rule, layer, removed_in, line, prefix)) in files.iter().zip(POLYGLOT) {
        assert_eq!(f.path, path, "{all}");
        assert_eq!(f.secret.rule_id, rule, "{all}");
        assert_eq!(f.layer_index, layer, "{path}");
        assert_eq!(f.removed_in, removed_in, "{path}");
        assert_eq!(f.is_present(), removed_in.is_none());
        assert_eq!(f.secret.line, line, "{path}");
        assert!(
            f.secret.redacted.starts_with(prefix),
            "{}",
            f.secret.redacted
        );
        assert!(f.secret.redacted.ends_with("****"));
        assert!(f.also_in.is_empty());
        // The finding names the layer as the image lists it.
        let info = &image.layers[layer];
        assert_eq!(f.layer_digest.as_ref(), Some(&info.descriptor.digest));
        assert_eq!(f.layer_diff_id.as_ref(), Some(&info.diff_id));
        assert_eq!(walked.analysis.layers[layer].index, layer);
    }
    // README's short layer ids (diffIDs are the same in both forms).
    assert!(files[0]
        .layer_diff_id
        .as_ref()
        .unwrap()
        .to_string()
        .starts_with("sha256:5c5145f5cfba"));
    if form == "oci-layout" {
        assert!(files[0]
            .layer_digest
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("sha256:49f2df56df54"));
    }

    // Config: the GitLab token in Env (fifth entry) and in its ENV history line.
    assert_eq!(config.len(), 2, "{all}");
    assert_eq!(config[0].location, "config:Env[4]");
    assert_eq!(config[0].history_index, None);
    let h = config[1].history_index.unwrap();
    assert_eq!(config[1].location, format!("history[{h}]"));
    assert!(image.config.history[h]
        .created_by
        .as_deref()
        .unwrap()
        .contains("ENV GITLAB_TOKEN="));
    for c in &config {
        assert_eq!(c.secret.rule_id, "gitlab-pat");
        assert_eq!(c.secret.redacted, "glpa****");
    }
    assert_eq!(config[0].secret.sha256, config[1].secret.sha256);
    // Nothing anywhere holds a secret in full.
    let json = serde_json::to_string(&(&files, &config)).unwrap();
    assert!(!json.contains("customsTESTfake00001"));
    assert!(!json.contains("EXAMPLEKEY"));
}

#[test]
fn third_party_paths_are_scanned_when_the_default_allowlist_is_off() {
    let Some((_, _, files, _)) =
        scan_with("polyglot-app.oci.tar", "oci-layout", scanner_everything())
    else {
        return;
    };
    let all = describe(&files, &[]);
    assert_eq!(files.len(), POLYGLOT.len() + 1, "{all}");
    let (path, rule, layer, removed_in, line, _) = COVERALLS;
    let f = files
        .iter()
        .find(|f| f.path == path)
        .expect("coveralls token");
    assert_eq!(
        (
            f.secret.rule_id.as_str(),
            f.layer_index,
            f.removed_in,
            f.secret.line
        ),
        (rule, layer, removed_in, line)
    );
    // README's short diffID of layer 3.
    assert!(f
        .layer_diff_id
        .as_ref()
        .unwrap()
        .to_string()
        .starts_with("sha256:ce05081f791d"));
}

#[test]
fn polyglot_app_oci_planted_secrets_exactly() {
    check_polyglot("oci-layout", "polyglot-app.oci.tar");
}

#[test]
fn polyglot_app_docker_archive_planted_secrets_exactly() {
    check_polyglot("docker-archive", "polyglot-app.docker.tar.gz");
}

#[test]
fn debian_base_has_no_findings() {
    let Some((_, walked, files, config)) = scan("debian-bookworm-minbase.oci.tar", "oci-layout")
    else {
        return;
    };
    let entries: u64 = walked.layers.iter().map(|l| l.entries).sum();
    assert!(entries > 4000, "only {entries} entries walked");
    assert!(
        files.is_empty() && config.is_empty(),
        "false positives:\n{}",
        describe(&files, &config)
    );
}
