//! Bad input: a clear warning with file:line, and the scan goes on.

use customs_misconfig::{check_dockerfile, check_manifests, check_path, Options};

#[test]
fn invalid_yaml_is_a_warning_with_line() {
    let text = std::fs::read_to_string(crate::examples().join("k8s/invalid.yaml")).unwrap();
    let r = check_manifests("invalid.yaml", &text, &Options::default());
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let w = &r.warnings[0];
    assert!(w.subject.starts_with("invalid.yaml:"), "{w}");
    assert!(w.message.contains("invalid YAML at line"), "{w}");
}

#[test]
fn documents_before_a_syntax_error_are_still_checked() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n---\nkey: [unclosed\n";
    let r = check_manifests("m.yaml", text, &Options::default());
    assert!(r.findings.iter().any(|f| f.rule_id == "pss-privileged"));
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].subject.starts_with("m.yaml:"));
}

#[test]
fn yaml_bomb_is_stopped() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let r = check_manifests("bomb.yaml", &text, &Options::default());
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].message.contains("expands to more than"),
        "{}",
        r.warnings[0]
    );
    assert_eq!(r.warnings[0].subject, "bomb.yaml:1");
}

#[test]
fn non_kubernetes_documents_and_unknown_kinds() {
    let text = std::fs::read_to_string(crate::examples().join("k8s/not-kubernetes.yaml")).unwrap();
    let r = check_manifests("not-kubernetes.yaml", &text, &Options::default());
    let msgs: Vec<String> = r.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("not-kubernetes.yaml:2") && msgs[0].contains("not a Kubernetes object"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].contains("not-kubernetes.yaml:6") && msgs[1].contains("unknown kind Widget"),
        "{msgs:?}"
    );
    // A scalar document is not an object either.
    let r = check_manifests("s.yaml", "just a string\n", &Options::default());
    assert!(r.warnings[0].message.contains("not a mapping"));
}

#[test]
fn dockerfile_errors_are_warnings_with_lines() {
    let r = check_dockerfile(
        "Dockerfile",
        "FROM alpine:3\nRUN <<EOF\necho hi\n",
        &Options::default(),
    );
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].subject, "Dockerfile:2");
    assert!(r.warnings[0].message.contains("unterminated heredoc <<EOF"));
    let r = check_dockerfile(
        "Dockerfile",
        "FROM alpine:3\nUSER 1\nRUN apt-get install \\\n",
        &Options::default(),
    );
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].subject, "Dockerfile:3");
    assert!(r.warnings[0]
        .message
        .contains("continuation at end of file"));
    // The incomplete instruction is still checked.
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule_id == "df-apt-install-recommends"));
}

#[test]
fn a_directory_scan_goes_on_past_bad_files() {
    let dir = customs_test::TempDir::new("bad-input").unwrap();
    let p = dir.path();
    std::fs::write(p.join("a-invalid.yaml"), "a: [\n").unwrap();
    std::fs::write(p.join("b-bomb.yaml"), "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n").unwrap();
    std::fs::write(p.join("c-ci.yml"), "steps: [{run: make}]\n").unwrap();
    std::fs::write(p.join("Dockerfile"), "FROM alpine:3\nRUN <<EOF\n").unwrap();
    std::fs::create_dir(p.join("sub")).unwrap();
    std::fs::write(p.join("sub/pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: x}]}\n").unwrap();
    std::fs::write(
        p.join("sub/Dockerfile.prod"),
        "FROM alpine:3\nRUN curl https://example.com | sh\n",
    )
    .unwrap();
    let r = check_path(p, &Options::default());
    let subjects: Vec<_> = r.warnings.iter().map(|w| w.subject.clone()).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.ends_with("a-invalid.yaml:2") || s.ends_with("a-invalid.yaml:1")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("b-bomb.yaml")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with("Dockerfile:2")),
        "{subjects:?}"
    );
    // A YAML file with no Kubernetes object found while walking is not a manifest: no noise.
    assert!(
        !subjects.iter().any(|s| s.contains("c-ci.yml")),
        "{subjects:?}"
    );
    assert!(r.findings.iter().any(|f| f.rule_id == "pss-host-namespaces"
        && f.file.ends_with("sub/pod.yaml")
        && f.line == Some(4)));
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule_id == "df-curl-pipe-shell" && f.file.ends_with("Dockerfile.prod")));
}

#[test]
fn huge_files_are_skipped() {
    let dir = customs_test::TempDir::new("huge").unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, "a: 1\n".repeat(100)).unwrap();
    let mut opts = Options::default();
    opts.limits.max_file_bytes = 100;
    let r = check_path(&path, &opts);
    assert!(r.warnings[0].message.contains("larger than 100 bytes"));
}
