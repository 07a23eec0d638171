//! Every rule has documentation and at least one failing and one passing fixture.

use customs_misconfig::{
    check_dockerfile, check_image_config, check_manifests, rules, ImageConfigInput, ImageFile,
    ImageFileKind, ImageHistory, Options, Report, RuleTarget,
};

enum Input {
    Docker(&'static str),
    K8s(&'static str),
    Image(fn() -> ImageConfigInput),
}

fn run(input: &Input) -> Report {
    let opts = Options {
        registry_allowlist: vec!["registry.example.com".into()],
        ..Options::default()
    };
    match input {
        Input::Docker(t) => check_dockerfile("Dockerfile", t, &opts),
        Input::K8s(t) => check_manifests("m.yaml", t, &opts),
        Input::Image(f) => check_image_config(&f(), &opts),
    }
}

fn good_image() -> ImageConfigInput {
    ImageConfigInput {
        name: "registry.example.com/app:1".into(),
        user: Some("10001:10001".into()),
        env: vec![
            "PATH=/usr/local/bin:/usr/bin".into(),
            "PASSWORD_FILE=/run/secrets/pw".into(),
        ],
        exposed_ports: vec!["8080/tcp".into()],
        healthcheck: true,
        labels: [
            (
                "org.opencontainers.image.base.name".to_owned(),
                "debian:12".to_owned(),
            ),
            (
                "org.opencontainers.image.base.digest".to_owned(),
                "sha256:00".to_owned(),
            ),
        ]
        .into(),
        history: vec![ImageHistory {
            created_by: "ADD --checksum=sha256:ab https://example.com/x /x # buildkit".into(),
            empty_layer: false,
        }],
        files: vec![
            ImageFile {
                path: "tmp".into(),
                mode: 0o1777,
                kind: ImageFileKind::Directory,
                layer: 0,
            },
            ImageFile {
                path: "usr/bin/passwd".into(),
                mode: 0o4755,
                kind: ImageFileKind::Regular,
                layer: 0,
            },
            ImageFile {
                path: "var/lib/apt/lists/lock".into(),
                mode: 0o640,
                kind: ImageFileKind::Regular,
                layer: 1,
            },
        ],
        base_layers: Some(1),
    }
}

const GOOD_DF: &str = "FROM debian:12.5@sha256:0e4b5c3c6b7f6b3f2a7fd3c1c51bd0f6b1e5b21a0a7e7c1e3b9fd1e1a9d4c7e2
ARG VERSION=1
ENV APP_HOME=/app PASSWORD_FILE=/run/secrets/pw
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --chown=app:app . .
ADD vendor.tar.gz /opt/
RUN curl -fsSLo /tmp/i.sh https://example.com/i.sh && sha256sum -c sums && sh /tmp/i.sh
USER app
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
";

const GOOD_K8S: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: prod}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: web
          image: registry.example.com/web:1.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: pw}}}, {name: MODE, value: fast}]
          resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec: {type: ClusterIP, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: prod}
spec: {tls: [{hosts: [a.example.com], secretName: t}]}
";

/// (rule, failing input); every rule's passing input is the good one of its target.
fn failing() -> Vec<(&'static str, Input)> {
    use Input::{Docker as D, Image as I, K8s as K};
    const BAD_POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
    - name: c
      image: docker.io/library/nginx
      env: [{name: API_TOKEN, value: abc123}]
      securityContext: {readOnlyRootFilesystem: false}
";
    vec![
        ("img-run-as-root", I(|| ImageConfigInput { user: None, ..good_image() })),
        ("img-missing-healthcheck", I(|| ImageConfigInput { healthcheck: false, ..good_image() })),
        ("img-secret-in-env", I(|| ImageConfigInput { env: vec!["AWS_SECRET_ACCESS_KEY=abcd".into()], ..good_image() })),
        ("img-add-remote-url", I(|| ImageConfigInput { history: vec![ImageHistory { created_by: "/bin/sh -c #(nop) ADD https://example.com/a.sh in /a.sh".into(), empty_layer: false }], ..good_image() })),
        ("img-package-cache", I(|| { let mut i = good_image(); i.files.push(ImageFile { path: "root/.cache/pip/http/a/b".into(), mode: 0o644, kind: ImageFileKind::Regular, layer: 1 }); i })),
        ("img-ssh-exposed", I(|| { let mut i = good_image(); i.files.push(ImageFile { path: "usr/sbin/sshd".into(), mode: 0o755, kind: ImageFileKind::Regular, layer: 1 }); i })),
        ("img-setuid-file", I(|| { let mut i = good_image(); i.files.push(ImageFile { path: "opt/x".into(), mode: 0o2755, kind: ImageFileKind::Regular, layer: 1 }); i })),
        ("img-world-writable-dir", I(|| { let mut i = good_image(); i.files.push(ImageFile { path: "var/www".into(), mode: 0o777, kind: ImageFileKind::Directory, layer: 1 }); i })),
        ("img-mutable-base-tag", I(|| { let mut i = good_image(); i.labels.remove("org.opencontainers.image.base.digest"); i })),
        ("df-latest-base-image", D("FROM alpine:latest\nUSER 1\nHEALTHCHECK NONE\n")),
        ("df-base-image-without-digest", D("FROM alpine:3.19\nUSER 1\nHEALTHCHECK NONE\n")),
        ("df-root-user", D("FROM alpine:3.19\nUSER 0:0\n")),
        ("df-add-instead-of-copy", D("FROM alpine:3.19\nADD app /app\n")),
        ("df-apt-install-recommends", D("FROM debian:12\nRUN apt-get install -y curl=1 && rm -rf /var/lib/apt/lists/*\n")),
        ("df-apt-lists-not-cleaned", D("FROM debian:12\nRUN apt-get install -y --no-install-recommends curl=1\n")),
        ("df-unpinned-packages", D("FROM debian:12\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n")),
        ("df-cd-instead-of-workdir", D("FROM debian:12\nRUN cd /src && make\n")),
        ("df-curl-pipe-shell", D("FROM debian:12\nRUN curl -fsSL https://example.com/i | sh\n")),
        ("df-missing-healthcheck", D("FROM debian:12\nUSER 1\n")),
        ("df-secret-in-env", D("FROM debian:12\nENV GITHUB_TOKEN=ghp_abc\n")),
        ("df-chown-layer", D("FROM debian:12\nCOPY . /app\nRUN chown -R 1000 /app\n")),
        ("k8s-missing-resources", K(BAD_POD)),
        ("k8s-writable-root-fs", K(BAD_POD)),
        ("k8s-automount-sa-token", K(BAD_POD)),
        ("k8s-image-not-by-digest", K(BAD_POD)),
        ("k8s-latest-tag", K(BAD_POD)),
        ("k8s-untrusted-registry", K(BAD_POD)),
        ("k8s-namespace-without-default-deny", K(BAD_POD)),
        ("k8s-workload-without-network-policy", K("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n")),
        ("k8s-exposed-service", K("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort}\n")),
        ("k8s-host-network", K("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: true, containers: [{name: c, image: x}]}\n")),
        ("k8s-ingress-without-tls", K("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {rules: []}\n")),
        ("k8s-secret-in-env", K(BAD_POD)),
    ]
}

#[test]
fn good_inputs_pass_every_rule() {
    for (what, input) in [
        ("image", Input::Image(good_image)),
        ("dockerfile", Input::Docker(GOOD_DF)),
        ("kubernetes", Input::K8s(GOOD_K8S)),
    ] {
        let r = run(&input);
        assert!(r.findings.is_empty(), "{what}: {:#?}", r.findings);
        assert!(r.warnings.is_empty(), "{what}: {:?}", r.warnings);
    }
}

#[test]
fn every_rule_has_docs_and_fixtures() {
    let failing = failing();
    let pss = crate::pss::cases();
    for rule in rules() {
        let docs = rule.docs();
        assert!(
            docs.contains("## Why") && docs.contains("## How to fix"),
            "{}",
            rule.id
        );
        if rule.id.starts_with("pss-") {
            // Failing and passing pod specs per control live in the PSS table.
            assert!(
                pss.iter().any(|c| c.rule == rule.id),
                "{} has no PSS cases",
                rule.id
            );
            continue;
        }
        let Some((_, input)) = failing.iter().find(|(id, _)| *id == rule.id) else {
            panic!("{} has no failing fixture", rule.id);
        };
        let r = run(input);
        assert!(
            r.findings.iter().any(|f| f.rule_id == rule.id),
            "{} did not fire: {:#?}",
            rule.id,
            r.findings
        );
        // The passing fixture is the good input of the rule's target (checked above).
        assert!(matches!(
            rule.target,
            RuleTarget::Image | RuleTarget::Dockerfile | RuleTarget::Kubernetes
        ));
    }
}

#[test]
fn disabled_rules_are_not_reported() {
    let mut opts = Options::from_yaml("disabled: [df-curl-pipe-shell]\n").unwrap();
    opts.registry_allowlist.clear();
    let r = check_dockerfile(
        "Dockerfile",
        "FROM debian:12\nRUN curl -fsSL https://example.com/i | sh\n",
        &opts,
    );
    assert!(!r.findings.iter().any(|f| f.rule_id == "df-curl-pipe-shell"));
    assert!(r.findings.iter().any(|f| f.rule_id == "df-root-user"));
}
