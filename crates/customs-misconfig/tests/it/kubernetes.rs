//! Kubernetes checks on the shipped example manifests.

use customs_misconfig::{check_manifests, check_path, Options, PssLevel, Report};

fn example(name: &str) -> Report {
    let path = crate::examples().join("k8s").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    check_manifests(name, &text, &Options::default())
}

fn has(r: &Report, id: &str) -> bool {
    r.findings.iter().any(|f| f.rule_id == id)
}

#[test]
fn good_manifests_have_no_findings() {
    let r = example("good-restricted.yaml");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn privileged_daemonset_breaks_baseline_controls_with_lines() {
    let opts = Options {
        pss_level: PssLevel::Baseline,
        ..Options::default()
    };
    let text = std::fs::read_to_string(crate::examples().join("k8s/bad-privileged.yaml")).unwrap();
    let r = check_manifests("bad-privileged.yaml", &text, &opts);
    let mut controls: Vec<_> = r
        .findings
        .iter()
        .filter_map(|f| f.pss.as_ref().map(|p| p.control))
        .collect();
    controls.sort();
    controls.dedup();
    assert_eq!(
        controls,
        vec![
            "/proc Mount Type",
            "AppArmor",
            "Capabilities",
            "Host Namespaces",
            "Host Ports",
            "Host Probes / Lifecycle Hooks",
            "HostPath Volumes",
            "Privileged Containers",
            "SELinux",
            "Seccomp",
            "Sysctls",
        ]
    );
    let privileged = r
        .findings
        .iter()
        .find(|f| f.rule_id == "pss-privileged")
        .unwrap();
    assert_eq!(privileged.line, Some(46));
    assert_eq!(
        privileged.resource.as_deref(),
        Some("DaemonSet/monitoring/node-agent")
    );
    let host_port = r
        .findings
        .iter()
        .find(|f| f.rule_id == "pss-host-ports")
        .unwrap();
    assert_eq!(host_port.line, Some(36));
    // Restricted adds its own controls; nfs becomes a Volume Types finding.
    let r = example("bad-privileged.yaml");
    let volume: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "pss-volume-types")
        .collect();
    assert_eq!(volume.len(), 2, "{volume:#?}");
    assert!(has(&r, "k8s-secret-in-env"));
    assert!(has(&r, "k8s-latest-tag"));
}

#[test]
fn lists_services_ingress_and_cronjobs() {
    let r = example("bad-exposed.yaml");
    for id in [
        "k8s-exposed-service",
        "k8s-ingress-without-tls",
        "k8s-host-network",
        "pss-host-namespaces",
        "pss-run-as-non-root",
        "pss-privilege-escalation",
    ] {
        assert!(has(&r, id), "{id}: {:#?}", r.findings);
    }
    let cron = r
        .findings
        .iter()
        .find(|f| f.rule_id == "pss-run-as-non-root")
        .unwrap();
    assert_eq!(cron.resource.as_deref(), Some("CronJob/tools/report"));
    assert_eq!(cron.line, Some(40));
}

#[test]
fn yaml_ignores() {
    let r = example("ignores.yaml");
    assert!(!has(&r, "k8s-latest-tag"));
    assert!(!has(&r, "k8s-image-not-by-digest"));
    assert!(has(&r, "k8s-namespace-without-default-deny"));
}

#[test]
fn network_policy_coverage_across_files() {
    let dir = customs_test::TempDir::new("netpol").unwrap();
    std::fs::write(
        dir.path().join("app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: x}\nspec:\n  template:\n    metadata: {labels: {app: a, tier: be}}\n    spec: {containers: [{name: c, image: i}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: x}\nspec:\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: i}]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policy.yml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: be, namespace: x}\nspec:\n  podSelector:\n    matchExpressions: [{key: tier, operator: In, values: [be]}]\n  ingress: [{}]\n",
    )
    .unwrap();
    let r = check_path(dir.path(), &Options::default());
    let uncovered: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "k8s-workload-without-network-policy")
        .collect();
    assert_eq!(uncovered.len(), 1, "{uncovered:#?}");
    assert_eq!(uncovered[0].resource.as_deref(), Some("Deployment/x/b"));
    assert_eq!(uncovered[0].line, Some(9));
    // The policy has rules and a selector: it is not a default deny.
    assert!(has(&r, "k8s-namespace-without-default-deny"));
    std::fs::write(
        dir.path().join("deny.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}}\n",
    )
    .unwrap();
    let r = check_path(dir.path(), &Options::default());
    assert!(!has(&r, "k8s-namespace-without-default-deny"));
    assert!(!has(&r, "k8s-workload-without-network-policy"));
}

#[test]
fn registry_allowlist() {
    let opts = Options::from_yaml("registry-allowlist: [registry.example.com]\n").unwrap();
    let text = std::fs::read_to_string(crate::examples().join("k8s/bad-exposed.yaml")).unwrap();
    let r = check_manifests("bad-exposed.yaml", &text, &opts);
    assert!(!has(&r, "k8s-untrusted-registry"));
    let text = std::fs::read_to_string(crate::examples().join("k8s/bad-privileged.yaml")).unwrap();
    let r = check_manifests("bad-privileged.yaml", &text, &opts);
    let bad: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "k8s-untrusted-registry")
        .collect();
    assert_eq!(bad.len(), 2, "{bad:#?}");
}
