//! The Dockerfile parser round-trips real Dockerfiles, and the rules fire
//! where they should.

use std::path::{Path, PathBuf};

use customs_misconfig::dockerfile::{Dockerfile, ItemKind};
use customs_misconfig::{check_dockerfile, Options, Report};

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate::examples().join("dockerfiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn round_trip(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let Ok(text) = String::from_utf8(bytes) else {
        return 0;
    };
    let (df, _) = Dockerfile::parse(&text);
    assert_eq!(df.to_text(), text, "{} does not round-trip", path.display());
    // Items tile the file: each starts where the previous one ended.
    let mut next = 1;
    for item in &df.items {
        assert_eq!(
            item.line,
            next,
            "{}: gap before line {}",
            path.display(),
            item.line
        );
        next = item.end_line + 1;
    }
    df.instructions().count()
}

#[test]
fn shipped_corpus_round_trips() {
    let files = corpus();
    assert!(
        files.len() >= 20,
        "expected 20+ example Dockerfiles, found {}",
        files.len()
    );
    let mut instructions = 0;
    for f in &files {
        let n = round_trip(f);
        assert!(n > 0, "{} has no instructions", f.display());
        instructions += n;
    }
    assert!(instructions > 150, "{instructions}");
}

/// Dockerfiles found on this machine (outside our own examples), read in place.
#[test]
fn system_dockerfiles_round_trip() {
    let roots = [
        "/usr/share",
        "/usr/lib",
        "/opt",
        "/root/.cargo/registry/src",
        "/usr/local",
    ];
    let mut found = Vec::new();
    for root in roots {
        walk(Path::new(root), 0, &mut found);
    }
    if found.is_empty() {
        customs_test::skip::<()>("Dockerfiles on this machine");
        return;
    }
    for f in &found {
        round_trip(f);
    }
    eprintln!(
        "round-tripped {} Dockerfiles found on this machine",
        found.len()
    );
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 8 || out.len() >= 500 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, depth + 1, out);
        } else if meta.is_file() && meta.len() < 1 << 20 {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            if name == "dockerfile"
                || name.starts_with("dockerfile.")
                || name.ends_with(".dockerfile")
            {
                out.push(p);
            }
        }
    }
}

fn ids(r: &Report) -> Vec<&'static str> {
    let mut v: Vec<_> = r.findings.iter().map(|f| f.rule_id).collect();
    v.sort();
    v.dedup();
    v
}

fn check_example(name: &str) -> Report {
    let path = crate::examples().join("dockerfiles").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    check_dockerfile(name, &text, &Options::default())
}

#[test]
fn clean_dockerfile_has_no_findings() {
    let r = check_example("01-simple.Dockerfile");
    assert_eq!(ids(&r), Vec::<&str>::new(), "{:#?}", r.findings);
}

#[test]
fn bad_dockerfile_trips_the_rules() {
    let r = check_example("07-bad-everything.Dockerfile");
    assert_eq!(
        ids(&r),
        vec![
            "df-add-instead-of-copy",
            "df-apt-install-recommends",
            "df-apt-lists-not-cleaned",
            "df-base-image-without-digest",
            "df-cd-instead-of-workdir",
            "df-chown-layer",
            "df-curl-pipe-shell",
            "df-latest-base-image",
            "df-missing-healthcheck",
            "df-root-user",
            "df-secret-in-env",
            "df-unpinned-packages",
        ]
    );
    let line = |id: &str| r.findings.iter().find(|f| f.rule_id == id).unwrap().line;
    assert_eq!(line("df-curl-pipe-shell"), Some(6));
    assert_eq!(line("df-root-user"), Some(10));
    assert_eq!(line("df-add-instead-of-copy"), Some(7));
}

#[test]
fn arg_expansion_multi_stage_and_inheritance() {
    // FROM ${REGISTRY}/${BASE}:${TAG} expands to a pinned tag; USER ${APP_USER} is nginx.
    let r = check_example("09-arg-expansion.Dockerfile");
    assert_eq!(
        ids(&r),
        vec!["df-base-image-without-digest"],
        "{:#?}",
        r.findings
    );
    assert!(r.findings[0]
        .message
        .contains("docker.io/library/nginx:1.25.4"));
    // The final stage inherits USER and HEALTHCHECK from `base`.
    let r = check_example("18-stage-inherit.Dockerfile");
    assert_eq!(
        ids(&r),
        vec!["df-base-image-without-digest"],
        "{:#?}",
        r.findings
    );
    // Stage references are not base images; distroless with a tag but no digest.
    let r = check_example("02-multistage-go.Dockerfile");
    assert_eq!(
        ids(&r),
        vec!["df-base-image-without-digest", "df-missing-healthcheck"],
        "{:#?}",
        r.findings
    );
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule_id == "df-base-image-without-digest")
            .count(),
        2
    );
}

#[test]
fn heredoc_scripts_are_checked() {
    let r = check_example("23-heredoc-python.Dockerfile");
    let cd: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "df-cd-instead-of-workdir")
        .collect();
    assert_eq!(cd.len(), 1);
    assert_eq!(cd[0].line, Some(6));
}

#[test]
fn package_pins() {
    let r = check_example("20-apk-pip-pins.Dockerfile");
    let msgs: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "df-unpinned-packages")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(msgs
        .iter()
        .any(|m| m.contains("apk add") && m.contains("gcc") && !m.contains("musl-dev")));
    assert!(msgs
        .iter()
        .any(|m| m.contains("pip install") && m.contains("requests>=2") && !m.contains("numpy")));
    assert!(msgs.iter().any(|m| m.contains("uvicorn")));
}

#[test]
fn inline_ignores() {
    let r = check_example("21-ignores.Dockerfile");
    assert_eq!(ids(&r), vec!["df-curl-pipe-shell"]);
    assert_eq!(r.findings[0].line, Some(5));
}

#[test]
fn secrets_in_env_and_arg() {
    let r = check_example("22-arg-secret-and-env-legacy.Dockerfile");
    let secrets: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "df-secret-in-env")
        .collect();
    assert_eq!(secrets.len(), 2, "{secrets:#?}");
    assert!(secrets.iter().any(|f| f.message.contains("NPM_TOKEN")));
    assert!(secrets.iter().any(|f| f.message.contains("API_KEY")));
}

#[test]
fn add_rules() {
    let r = check_example("14-add-archive-url.Dockerfile");
    let add: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "df-add-instead-of-copy")
        .collect();
    assert_eq!(add.len(), 1);
    assert_eq!(add[0].line, Some(5));
}

#[test]
fn directives_are_recognised() {
    let text =
        std::fs::read_to_string(crate::examples().join("dockerfiles/04-windows-escape.Dockerfile"))
            .unwrap();
    let (df, issues) = Dockerfile::parse(&text);
    assert!(issues.is_empty());
    assert_eq!(df.escape, '`');
    assert!(
        matches!(&df.items[0].kind, ItemKind::Directive { name, value } if name == "escape" && value == "`")
    );
}
