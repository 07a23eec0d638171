//! Pod Security Standards, control by control: for each control, pod specs
//! that pass and fail it, built from the rules as the Kubernetes "Pod
//! Security Standards" page states them, checked at both levels.

use customs_misconfig::{check_manifests, Options, PssLevel};
use serde_json::{json, Value};

use PssLevel::{Baseline as B, Restricted as R};

/// A pod that meets the restricted level (and so the baseline level).
pub(crate) fn compliant_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "c",
                "image": "registry.example.com/app:1.0",
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"]}
                }
            }],
            "volumes": []
        }
    })
}

fn spec(p: &mut Value) -> &mut Value {
    &mut p["spec"]
}
fn psc(p: &mut Value) -> &mut Value {
    &mut p["spec"]["securityContext"]
}
fn c0(p: &mut Value) -> &mut Value {
    &mut p["spec"]["containers"][0]
}
fn csc(p: &mut Value) -> &mut Value {
    &mut p["spec"]["containers"][0]["securityContext"]
}
fn add_init(p: &mut Value, sc: Value) {
    p["spec"]["initContainers"] =
        json!([{"name": "init", "image": "registry.example.com/init:1", "securityContext": sc}]);
}
fn restricted_sc() -> Value {
    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
}

/// One case: a change to the compliant pod and the PSS finding expected at
/// each level (`None`: the pod passes that level).
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) rule: &'static str,
    pub(crate) mutate: fn(&mut Value),
    pub(crate) baseline: Option<(&'static str, PssLevel)>,
    pub(crate) restricted: Option<(&'static str, PssLevel)>,
}

macro_rules! case {
    ($name:literal, $rule:literal, $b:expr, $r:expr, $f:expr) => {
        Case {
            name: $name,
            rule: $rule,
            mutate: $f,
            baseline: $b,
            restricted: $r,
        }
    };
}

pub(crate) fn cases() -> Vec<Case> {
    vec![
        // HostProcess
        case!(
            "hostProcess on pod",
            "pss-host-process",
            Some(("HostProcess", B)),
            Some(("HostProcess", B)),
            |p| psc(p)["windowsOptions"] = json!({"hostProcess": true})
        ),
        case!(
            "hostProcess on container",
            "pss-host-process",
            Some(("HostProcess", B)),
            Some(("HostProcess", B)),
            |p| csc(p)["windowsOptions"] = json!({"hostProcess": true})
        ),
        case!("hostProcess false", "pss-host-process", None, None, |p| {
            csc(p)["windowsOptions"] = json!({"hostProcess": false})
        }),
        // Host Namespaces
        case!(
            "hostNetwork",
            "pss-host-namespaces",
            Some(("Host Namespaces", B)),
            Some(("Host Namespaces", B)),
            |p| spec(p)["hostNetwork"] = json!(true)
        ),
        case!(
            "hostPID",
            "pss-host-namespaces",
            Some(("Host Namespaces", B)),
            Some(("Host Namespaces", B)),
            |p| spec(p)["hostPID"] = json!(true)
        ),
        case!(
            "hostIPC",
            "pss-host-namespaces",
            Some(("Host Namespaces", B)),
            Some(("Host Namespaces", B)),
            |p| spec(p)["hostIPC"] = json!(true)
        ),
        case!(
            "host namespaces false",
            "pss-host-namespaces",
            None,
            None,
            |p| {
                spec(p)["hostNetwork"] = json!(false);
                spec(p)["hostPID"] = json!(false);
                spec(p)["hostIPC"] = json!(false);
            }
        ),
        // Privileged Containers
        case!(
            "privileged",
            "pss-privileged",
            Some(("Privileged Containers", B)),
            Some(("Privileged Containers", B)),
            |p| csc(p)["privileged"] = json!(true)
        ),
        case!(
            "privileged init container",
            "pss-privileged",
            Some(("Privileged Containers", B)),
            Some(("Privileged Containers", B)),
            |p| {
                let mut sc = restricted_sc();
                sc["privileged"] = json!(true);
                add_init(p, sc);
            }
        ),
        case!(
            "privileged ephemeral container",
            "pss-privileged",
            Some(("Privileged Containers", B)),
            Some(("Privileged Containers", B)),
            |p| p["spec"]["ephemeralContainers"] = json!([{"name": "dbg", "image": "registry.example.com/dbg:1",
                "securityContext": {"privileged": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}])
        ),
        case!("privileged false", "pss-privileged", None, None, |p| csc(
            p
        )["privileged"] =
            json!(false)),
        // Capabilities (baseline, and restricted's stricter rule)
        case!(
            "add SYS_ADMIN",
            "pss-capabilities-baseline",
            Some(("Capabilities", B)),
            Some(("Capabilities", R)),
            |p| csc(p)["capabilities"]["add"] = json!(["SYS_ADMIN"])
        ),
        case!(
            "add NET_RAW",
            "pss-capabilities-baseline",
            Some(("Capabilities", B)),
            Some(("Capabilities", R)),
            |p| csc(p)["capabilities"]["add"] = json!(["NET_RAW"])
        ),
        case!(
            "add CHOWN (baseline default set)",
            "pss-capabilities-restricted",
            None,
            Some(("Capabilities", R)),
            |p| csc(p)["capabilities"]["add"] = json!(["CHOWN", "KILL"])
        ),
        case!(
            "add NET_BIND_SERVICE",
            "pss-capabilities-baseline",
            None,
            None,
            |p| csc(p)["capabilities"]["add"] = json!(["NET_BIND_SERVICE"])
        ),
        case!(
            "no drop ALL",
            "pss-capabilities-restricted",
            None,
            Some(("Capabilities", R)),
            |p| csc(p)["capabilities"] = json!({"drop": ["NET_RAW"]})
        ),
        case!(
            "no capabilities at all",
            "pss-capabilities-restricted",
            None,
            Some(("Capabilities", R)),
            |p| {
                csc(p).as_object_mut().unwrap().remove("capabilities");
            }
        ),
        case!(
            "windows pod need not drop ALL",
            "pss-capabilities-restricted",
            None,
            None,
            |p| {
                spec(p)["os"] = json!({"name": "windows"});
                csc(p).as_object_mut().unwrap().remove("capabilities");
            }
        ),
        // HostPath Volumes (restricted reports it under Volume Types)
        case!(
            "hostPath volume",
            "pss-host-path",
            Some(("HostPath Volumes", B)),
            Some(("Volume Types", R)),
            |p| spec(p)["volumes"] =
                json!([{"name": "h", "hostPath": {"path": "/var/run/docker.sock"}}])
        ),
        case!("no hostPath volume", "pss-host-path", None, None, |p| {
            spec(p)["volumes"] = json!([{"name": "e", "emptyDir": {}}, {"name": "n", "hostPath": null, "secret": {"secretName": "s"}}])
        }),
        // Host Ports
        case!(
            "hostPort",
            "pss-host-ports",
            Some(("Host Ports", B)),
            Some(("Host Ports", B)),
            |p| c0(p)["ports"] = json!([{"containerPort": 80, "hostPort": 8080}])
        ),
        case!("hostPort 0", "pss-host-ports", None, None, |p| c0(p)
            ["ports"] =
            json!([{"containerPort": 80, "hostPort": 0}])),
        // Host Probes / Lifecycle Hooks
        case!(
            "probe host",
            "pss-host-probes",
            Some(("Host Probes / Lifecycle Hooks", B)),
            Some(("Host Probes / Lifecycle Hooks", B)),
            |p| c0(p)["livenessProbe"] = json!({"httpGet": {"host": "10.0.0.1", "port": 80}})
        ),
        case!(
            "preStop tcpSocket host",
            "pss-host-probes",
            Some(("Host Probes / Lifecycle Hooks", B)),
            Some(("Host Probes / Lifecycle Hooks", B)),
            |p| c0(p)["lifecycle"] =
                json!({"preStop": {"tcpSocket": {"host": "db.internal", "port": 5432}}})
        ),
        case!("probe without host", "pss-host-probes", None, None, |p| {
            c0(p)["readinessProbe"] = json!({"httpGet": {"host": "", "path": "/", "port": 80}})
        }),
        // AppArmor
        case!(
            "appArmorProfile Unconfined",
            "pss-apparmor",
            Some(("AppArmor", B)),
            Some(("AppArmor", B)),
            |p| csc(p)["appArmorProfile"] = json!({"type": "Unconfined"})
        ),
        case!(
            "pod appArmorProfile Unconfined",
            "pss-apparmor",
            Some(("AppArmor", B)),
            Some(("AppArmor", B)),
            |p| psc(p)["appArmorProfile"] = json!({"type": "Unconfined"})
        ),
        case!(
            "appArmor annotation unconfined",
            "pss-apparmor",
            Some(("AppArmor", B)),
            Some(("AppArmor", B)),
            |p| p["metadata"]["annotations"] =
                json!({"container.apparmor.security.beta.kubernetes.io/c": "unconfined"})
        ),
        case!("appArmor allowed values", "pss-apparmor", None, None, |p| {
            csc(p)["appArmorProfile"] = json!({"type": "Localhost", "localhostProfile": "k8s-app"});
            psc(p)["appArmorProfile"] = json!({"type": "RuntimeDefault"});
            p["metadata"]["annotations"] =
                json!({"container.apparmor.security.beta.kubernetes.io/c": "localhost/k8s-app"});
        }),
        // SELinux
        case!(
            "seLinux type spc_t",
            "pss-selinux",
            Some(("SELinux", B)),
            Some(("SELinux", B)),
            |p| psc(p)["seLinuxOptions"] = json!({"type": "spc_t"})
        ),
        case!(
            "seLinux user",
            "pss-selinux",
            Some(("SELinux", B)),
            Some(("SELinux", B)),
            |p| csc(p)["seLinuxOptions"] = json!({"user": "sysadm_u"})
        ),
        case!(
            "seLinux role",
            "pss-selinux",
            Some(("SELinux", B)),
            Some(("SELinux", B)),
            |p| csc(p)["seLinuxOptions"] = json!({"role": "sysadm_r"})
        ),
        case!(
            "seLinux allowed type and level",
            "pss-selinux",
            None,
            None,
            |p| {
                csc(p)["seLinuxOptions"] =
                    json!({"type": "container_init_t", "level": "s0:c123,c456"});
                psc(p)["seLinuxOptions"] = json!({"type": "container_engine_t", "user": ""});
            }
        ),
        // /proc Mount Type
        case!(
            "procMount Unmasked",
            "pss-proc-mount",
            Some(("/proc Mount Type", B)),
            Some(("/proc Mount Type", B)),
            |p| csc(p)["procMount"] = json!("Unmasked")
        ),
        case!("procMount Default", "pss-proc-mount", None, None, |p| csc(
            p
        )["procMount"] =
            json!("Default")),
        // Seccomp
        case!(
            "seccomp Unconfined on container",
            "pss-seccomp-baseline",
            Some(("Seccomp", B)),
            Some(("Seccomp", R)),
            |p| csc(p)["seccompProfile"] = json!({"type": "Unconfined"})
        ),
        case!(
            "seccomp Unconfined on pod",
            "pss-seccomp-baseline",
            Some(("Seccomp", B)),
            Some(("Seccomp", R)),
            |p| psc(p)["seccompProfile"] = json!({"type": "Unconfined"})
        ),
        case!(
            "seccomp Localhost",
            "pss-seccomp-baseline",
            None,
            None,
            |p| csc(p)["seccompProfile"] =
                json!({"type": "Localhost", "localhostProfile": "profiles/audit.json"})
        ),
        case!(
            "seccomp unset everywhere",
            "pss-seccomp-restricted",
            None,
            Some(("Seccomp", R)),
            |p| {
                psc(p).as_object_mut().unwrap().remove("seccompProfile");
            }
        ),
        case!(
            "seccomp set on every container only",
            "pss-seccomp-restricted",
            None,
            None,
            |p| {
                psc(p).as_object_mut().unwrap().remove("seccompProfile");
                csc(p)["seccompProfile"] = json!({"type": "RuntimeDefault"});
            }
        ),
        case!(
            "seccomp missing on init container",
            "pss-seccomp-restricted",
            None,
            Some(("Seccomp", R)),
            |p| {
                psc(p).as_object_mut().unwrap().remove("seccompProfile");
                csc(p)["seccompProfile"] = json!({"type": "RuntimeDefault"});
                add_init(p, restricted_sc());
            }
        ),
        case!(
            "windows pod without seccomp",
            "pss-seccomp-restricted",
            None,
            None,
            |p| {
                spec(p)["os"] = json!({"name": "windows"});
                psc(p).as_object_mut().unwrap().remove("seccompProfile");
            }
        ),
        // Sysctls
        case!(
            "unsafe sysctl",
            "pss-sysctls",
            Some(("Sysctls", B)),
            Some(("Sysctls", B)),
            |p| psc(p)["sysctls"] = json!([{"name": "kernel.msgmax", "value": "65536"}])
        ),
        case!("safe sysctls", "pss-sysctls", None, None, |p| psc(p)
            ["sysctls"] = json!([{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"},
                                           {"name": "net.ipv4.tcp_keepalive_probes", "value": "5"}])),
        // Volume Types
        case!(
            "nfs volume",
            "pss-volume-types",
            None,
            Some(("Volume Types", R)),
            |p| spec(p)["volumes"] = json!([{"name": "n", "nfs": {"server": "nfs", "path": "/"}}])
        ),
        case!(
            "gitRepo volume",
            "pss-volume-types",
            None,
            Some(("Volume Types", R)),
            |p| spec(p)["volumes"] =
                json!([{"name": "g", "gitRepo": {"repository": "https://example.com/r.git"}}])
        ),
        case!(
            "allowed volume types",
            "pss-volume-types",
            None,
            None,
            |p| spec(p)["volumes"] = json!([
                {"name": "a", "configMap": {"name": "x"}}, {"name": "b", "csi": {"driver": "d"}},
                {"name": "c", "downwardAPI": {"items": []}}, {"name": "d", "emptyDir": {}},
                {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
                {"name": "f", "persistentVolumeClaim": {"claimName": "x"}},
                {"name": "g", "projected": {"sources": []}}, {"name": "h", "secret": {"secretName": "x"}}])
        ),
        // Privilege Escalation
        case!(
            "allowPrivilegeEscalation unset",
            "pss-privilege-escalation",
            None,
            Some(("Privilege Escalation", R)),
            |p| {
                csc(p)
                    .as_object_mut()
                    .unwrap()
                    .remove("allowPrivilegeEscalation");
            }
        ),
        case!(
            "allowPrivilegeEscalation true",
            "pss-privilege-escalation",
            None,
            Some(("Privilege Escalation", R)),
            |p| csc(p)["allowPrivilegeEscalation"] = json!(true)
        ),
        case!(
            "windows pod may escalate",
            "pss-privilege-escalation",
            None,
            None,
            |p| {
                spec(p)["os"] = json!({"name": "windows"});
                csc(p)
                    .as_object_mut()
                    .unwrap()
                    .remove("allowPrivilegeEscalation");
            }
        ),
        // Running as Non-root
        case!(
            "runAsNonRoot unset",
            "pss-run-as-non-root",
            None,
            Some(("Running as Non-root", R)),
            |p| {
                psc(p).as_object_mut().unwrap().remove("runAsNonRoot");
            }
        ),
        case!(
            "runAsNonRoot only on containers",
            "pss-run-as-non-root",
            None,
            None,
            |p| {
                psc(p).as_object_mut().unwrap().remove("runAsNonRoot");
                csc(p)["runAsNonRoot"] = json!(true);
            }
        ),
        case!(
            "container runAsNonRoot false",
            "pss-run-as-non-root",
            None,
            Some(("Running as Non-root", R)),
            |p| csc(p)["runAsNonRoot"] = json!(false)
        ),
        case!(
            "pod runAsNonRoot false",
            "pss-run-as-non-root",
            None,
            Some(("Running as Non-root", R)),
            |p| {
                psc(p)["runAsNonRoot"] = json!(false);
                csc(p)["runAsNonRoot"] = json!(true);
            }
        ),
        // Running as Non-root user
        case!(
            "pod runAsUser 0",
            "pss-run-as-non-root-user",
            None,
            Some(("Running as Non-root user", R)),
            |p| psc(p)["runAsUser"] = json!(0)
        ),
        case!(
            "container runAsUser 0",
            "pss-run-as-non-root-user",
            None,
            Some(("Running as Non-root user", R)),
            |p| csc(p)["runAsUser"] = json!(0)
        ),
        case!(
            "runAsUser non-zero",
            "pss-run-as-non-root-user",
            None,
            None,
            |p| {
                psc(p)["runAsUser"] = json!(1000);
                csc(p)["runAsUser"] = json!(65534);
            }
        ),
    ]
}

fn pss_findings(pod: &Value, level: PssLevel) -> Vec<(&'static str, PssLevel)> {
    let opts = Options {
        pss_level: level,
        ..Options::default()
    };
    let text = serde_json::to_string_pretty(pod).unwrap();
    let report = check_manifests("pod.json", &text, &opts);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let mut v: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.pss.as_ref())
        .map(|p| (p.control, p.level))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn compliant_pod_passes_both_levels() {
    assert_eq!(pss_findings(&compliant_pod(), R), vec![]);
    assert_eq!(pss_findings(&compliant_pod(), B), vec![]);
}

#[test]
fn every_control_passes_and_fails_as_documented() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut pod = compliant_pod();
        (case.mutate)(&mut pod);
        for (level, want) in [(B, case.baseline), (R, case.restricted)] {
            let got = pss_findings(&pod, level);
            let want: Vec<_> = want.into_iter().collect();
            if got != want {
                failures.push(format!(
                    "{} at {level}: want {want:?}, got {got:?}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_pss_control_has_passing_and_failing_cases() {
    let controls: std::collections::BTreeSet<_> = cases()
        .iter()
        .flat_map(|c| c.baseline.into_iter().chain(c.restricted))
        .collect();
    // The controls of the Pod Security Standards page: 12 baseline, 6 restricted.
    let expected = [
        ("HostProcess", B),
        ("Host Namespaces", B),
        ("Privileged Containers", B),
        ("Capabilities", B),
        ("HostPath Volumes", B),
        ("Host Ports", B),
        ("Host Probes / Lifecycle Hooks", B),
        ("AppArmor", B),
        ("SELinux", B),
        ("/proc Mount Type", B),
        ("Seccomp", B),
        ("Sysctls", B),
        ("Volume Types", R),
        ("Privilege Escalation", R),
        ("Running as Non-root", R),
        ("Running as Non-root user", R),
        ("Seccomp", R),
        ("Capabilities", R),
    ];
    for c in expected {
        assert!(controls.contains(&c), "no failing case for {c:?}");
    }
    for rule in customs_misconfig::rules()
        .iter()
        .filter(|r| r.id.starts_with("pss-"))
    {
        let cs: Vec<_> = cases().into_iter().filter(|c| c.rule == rule.id).collect();
        assert!(
            cs.iter()
                .any(|c| c.baseline.is_none() && c.restricted.is_none()),
            "no passing case for {}",
            rule.id
        );
        assert!(
            cs.iter()
                .any(|c| c.baseline.is_some() || c.restricted.is_some()),
            "no failing case for {}",
            rule.id
        );
    }
}

#[test]
fn every_workload_kind_is_checked_with_all_container_lists() {
    let pod_spec = json!({
        "containers": [{"name": "a", "image": "x:1", "securityContext": {"privileged": true}}],
        "initContainers": [{"name": "b", "image": "x:1", "securityContext": {"privileged": true}}],
        "ephemeralContainers": [{"name": "c", "image": "x:1", "securityContext": {"privileged": true}}],
    });
    let template = json!({"metadata": {"labels": {"app": "x"}}, "spec": pod_spec});
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w"}, "spec": pod_spec}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "w"}, "spec": {"template": template}}),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "w"}, "spec": {"jobTemplate": {"spec": {"template": template}}}}),
    ];
    for obj in objects {
        let kind = obj["kind"].as_str().unwrap().to_owned();
        let report = check_manifests("w.json", &obj.to_string(), &Options::default());
        let privileged: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == "pss-privileged")
            .collect();
        assert_eq!(privileged.len(), 3, "{kind}: {privileged:#?}");
        assert_eq!(
            privileged[0].resource.as_deref(),
            Some(format!("{kind}/default/w").as_str())
        );
    }
}
