//! The Pod Security Standards, control by control.
//!
//! Written from the "Pod Security Standards" page of the Kubernetes
//! documentation: each function is one control of the page, with the
//! restricted fields and allowed values it lists. Where the page gives a
//! restricted control that supersedes a baseline one (Seccomp, Capabilities,
//! and Volume Types over HostPath Volumes), only the restricted control is
//! evaluated at the restricted level, as the built-in Pod Security admission
//! does, so each violation is reported once.

use super::{container_label, Containers, PodCtx};
use crate::yaml::Node;
use crate::{PssLevel, Sink};

/// Capabilities the baseline level allows adding.
const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// SELinux types the baseline level allows (empty string included).
const SELINUX_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// The safe sysctls the baseline level allows.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Volume sources the restricted level allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Evaluates every control of `level` (baseline controls included at restricted).
pub(super) fn check(sink: &mut Sink<'_>, pod: &PodCtx<'_>, level: PssLevel) {
    let restricted = level == PssLevel::Restricted;
    host_process(sink, pod);
    host_namespaces(sink, pod);
    privileged(sink, pod);
    if !restricted {
        capabilities_baseline(sink, pod);
        host_path(sink, pod);
        seccomp_baseline(sink, pod);
    }
    host_ports(sink, pod);
    host_probes(sink, pod);
    apparmor(sink, pod);
    selinux(sink, pod);
    proc_mount(sink, pod);
    sysctls(sink, pod);
    if restricted {
        volume_types(sink, pod);
        privilege_escalation(sink, pod);
        run_as_non_root(sink, pod);
        run_as_non_root_user(sink, pod);
        seccomp_restricted(sink, pod);
        capabilities_restricted(sink, pod);
    }
}

fn sc(c: &Node) -> Option<&Node> {
    c.get("securityContext")
}

fn pod_sc<'a>(pod: &PodCtx<'a>) -> Option<&'a Node> {
    pod.spec.get("securityContext")
}

fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

/// Linux-only restricted controls do not apply to pods that declare Windows.
fn windows(pod: &PodCtx<'_>) -> bool {
    pod.spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows")
}

fn host_process(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let id = "pss-host-process";
    if let Some(n) = pod_sc(pod).and_then(|s| s.path(&["windowsOptions", "hostProcess"])) {
        if is_true(Some(n)) {
            pod.add(
                sink,
                id,
                n.line,
                "the pod sets securityContext.windowsOptions.hostProcess: true".into(),
            );
        }
    }
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = sc(c).and_then(|s| s.path(&["windowsOptions", "hostProcess"])) {
            if is_true(Some(n)) {
                let msg = format!(
                    "{} sets securityContext.windowsOptions.hostProcess: true",
                    container_label(kind, c)
                );
                pod.add(sink, id, n.line, msg);
            }
        }
    }
}

fn host_namespaces(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(n) = pod.spec.get(field) {
            if is_true(Some(n)) {
                pod.add(
                    sink,
                    "pss-host-namespaces",
                    n.line,
                    format!("the pod sets {field}: true"),
                );
            }
        }
    }
}

fn privileged(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = sc(c).and_then(|s| s.get("privileged")) {
            if is_true(Some(n)) {
                let msg = format!(
                    "{} sets securityContext.privileged: true",
                    container_label(kind, c)
                );
                pod.add(sink, "pss-privileged", n.line, msg);
            }
        }
    }
}

fn caps_add(c: &Node) -> impl Iterator<Item = &Node> {
    sc(c)
        .and_then(|s| s.path(&["capabilities", "add"]))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
}

fn capabilities_baseline(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for (kind, c) in Containers::all(pod.spec) {
        for cap in caps_add(c) {
            let name = cap.as_str().unwrap_or_default();
            if !BASELINE_CAPS.contains(&name) {
                let msg = format!("{} adds capability {name}", container_label(kind, c));
                pod.add(sink, "pss-capabilities-baseline", cap.line, msg);
            }
        }
    }
}

fn capabilities_restricted(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    if windows(pod) {
        return;
    }
    let id = "pss-capabilities-restricted";
    for (kind, c) in Containers::all(pod.spec) {
        let label = container_label(kind, c);
        let drop = sc(c).and_then(|s| s.path(&["capabilities", "drop"]));
        let drops_all = drop.is_some_and(|d| d.items().iter().any(|i| i.as_str() == Some("ALL")));
        if !drops_all {
            let line = drop.map_or(c.line, |d| d.line);
            pod.add(
                sink,
                id,
                line,
                format!("{label} does not drop ALL capabilities"),
            );
        }
        for cap in caps_add(c) {
            let name = cap.as_str().unwrap_or_default();
            if name != "NET_BIND_SERVICE" {
                pod.add(
                    sink,
                    id,
                    cap.line,
                    format!("{label} adds capability {name}"),
                );
            }
        }
    }
}

fn volumes<'a>(pod: &PodCtx<'a>) -> &'a [Node] {
    pod.spec.get("volumes").map(Node::items).unwrap_or_default()
}

fn volume_name(v: &Node) -> &str {
    v.get("name").and_then(Node::as_str).unwrap_or("?")
}

fn host_path(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for v in volumes(pod) {
        if let Some(h) = v.get("hostPath").filter(|h| !h.is_null()) {
            let path = h.get("path").and_then(Node::as_str).unwrap_or("?");
            let msg = format!("volume {:?} mounts hostPath {path}", volume_name(v));
            pod.add(sink, "pss-host-path", h.line, msg);
        }
    }
}

fn volume_types(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for v in volumes(pod) {
        for (k, val) in v.entries() {
            let key = k.as_str().unwrap_or_default();
            if key == "name" || val.is_null() || RESTRICTED_VOLUMES.contains(&key) {
                continue;
            }
            let msg = format!("volume {:?} uses the {key} volume type", volume_name(v));
            pod.add(sink, "pss-volume-types", k.line, msg);
        }
    }
}

fn host_ports(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for (kind, c) in Containers::all(pod.spec) {
        for p in c.get("ports").map(Node::items).unwrap_or_default() {
            if let Some(h) = p.get("hostPort") {
                if h.as_i64().unwrap_or(1) != 0 && !h.is_null() {
                    let port = h.as_str().unwrap_or("?");
                    let msg = format!("{} binds host port {port}", container_label(kind, c));
                    pod.add(sink, "pss-host-ports", h.line, msg);
                }
            }
        }
    }
}

fn host_probes(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    const HANDLERS: &[(&str, &str)] = &[
        ("livenessProbe", ""),
        ("readinessProbe", ""),
        ("startupProbe", ""),
        ("lifecycle", "postStart"),
        ("lifecycle", "preStop"),
    ];
    for (kind, c) in Containers::all(pod.spec) {
        for (field, sub) in HANDLERS {
            let handler = if sub.is_empty() {
                c.get(field)
            } else {
                c.path(&[field, sub])
            };
            let Some(handler) = handler else { continue };
            for action in ["httpGet", "tcpSocket"] {
                if let Some(h) = handler.path(&[action, "host"]) {
                    let host = h.as_str().unwrap_or_default();
                    if !host.is_empty() {
                        let what = if sub.is_empty() {
                            (*field).to_owned()
                        } else {
                            format!("{field}.{sub}")
                        };
                        let msg = format!(
                            "{} {what}.{action} targets host {host}",
                            container_label(kind, c)
                        );
                        pod.add(sink, "pss-host-probes", h.line, msg);
                    }
                }
            }
        }
    }
}

fn apparmor(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let id = "pss-apparmor";
    let ok = |t: &str| matches!(t, "RuntimeDefault" | "Localhost");
    if let Some(n) = pod_sc(pod).and_then(|s| s.path(&["appArmorProfile", "type"])) {
        if let Some(t) = n.as_str().filter(|t| !ok(t)) {
            pod.add(
                sink,
                id,
                n.line,
                format!("the pod sets appArmorProfile.type: {t}"),
            );
        }
    }
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = sc(c).and_then(|s| s.path(&["appArmorProfile", "type"])) {
            if let Some(t) = n.as_str().filter(|t| !ok(t)) {
                let msg = format!(
                    "{} sets appArmorProfile.type: {t}",
                    container_label(kind, c)
                );
                pod.add(sink, id, n.line, msg);
            }
        }
    }
    if let Some(ann) = pod.meta.and_then(|m| m.get("annotations")) {
        for (k, v) in ann.entries() {
            let key = k.as_str().unwrap_or_default();
            if !key.starts_with(APPARMOR_ANNOTATION) {
                continue;
            }
            let val = v.as_str().unwrap_or_default();
            if !(val == "runtime/default" || val.starts_with("localhost/")) {
                pod.add(
                    sink,
                    id,
                    k.line,
                    format!("annotation {key} sets AppArmor profile {val:?}"),
                );
            }
        }
    }
}

fn selinux(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let one = |sink: &mut Sink<'_>, opts: Option<&Node>, who: &str| {
        let Some(o) = opts else { return };
        if let Some(t) = o.get("type") {
            let v = t.as_str().unwrap_or_default();
            if !SELINUX_TYPES.contains(&v) {
                pod.add(
                    sink,
                    "pss-selinux",
                    t.line,
                    format!("{who} sets seLinuxOptions.type: {v}"),
                );
            }
        }
        for field in ["user", "role"] {
            if let Some(n) = o.get(field) {
                let v = n.as_str().unwrap_or_default();
                if !v.is_empty() {
                    pod.add(
                        sink,
                        "pss-selinux",
                        n.line,
                        format!("{who} sets seLinuxOptions.{field}: {v}"),
                    );
                }
            }
        }
    };
    one(
        sink,
        pod_sc(pod).and_then(|s| s.get("seLinuxOptions")),
        "the pod",
    );
    for (kind, c) in Containers::all(pod.spec) {
        one(
            sink,
            sc(c).and_then(|s| s.get("seLinuxOptions")),
            &container_label(kind, c),
        );
    }
}

fn proc_mount(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = sc(c).and_then(|s| s.get("procMount")) {
            if let Some(v) = n.as_str().filter(|v| *v != "Default") {
                let msg = format!("{} sets procMount: {v}", container_label(kind, c));
                pod.add(sink, "pss-proc-mount", n.line, msg);
            }
        }
    }
}

fn seccomp_type(sc: Option<&Node>) -> Option<&Node> {
    sc.and_then(|s| s.path(&["seccompProfile", "type"]))
        .filter(|n| !n.is_null())
}

fn seccomp_ok(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

fn seccomp_baseline(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let id = "pss-seccomp-baseline";
    if let Some(n) = seccomp_type(pod_sc(pod)) {
        let t = n.as_str().unwrap_or_default();
        if !seccomp_ok(t) {
            pod.add(
                sink,
                id,
                n.line,
                format!("the pod sets seccompProfile.type: {t}"),
            );
        }
    }
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = seccomp_type(sc(c)) {
            let t = n.as_str().unwrap_or_default();
            if !seccomp_ok(t) {
                let msg = format!("{} sets seccompProfile.type: {t}", container_label(kind, c));
                pod.add(sink, id, n.line, msg);
            }
        }
    }
}

fn seccomp_restricted(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    if windows(pod) {
        return;
    }
    let id = "pss-seccomp-restricted";
    let pod_type = seccomp_type(pod_sc(pod));
    let pod_ok = pod_type.and_then(Node::as_str).is_some_and(seccomp_ok);
    if let Some(n) = pod_type {
        let t = n.as_str().unwrap_or_default();
        if !pod_ok {
            pod.add(
                sink,
                id,
                n.line,
                format!("the pod sets seccompProfile.type: {t}"),
            );
        }
    }
    for (kind, c) in Containers::all(pod.spec) {
        let label = container_label(kind, c);
        match seccomp_type(sc(c)) {
            Some(n) => {
                let t = n.as_str().unwrap_or_default();
                if !seccomp_ok(t) {
                    pod.add(
                        sink,
                        id,
                        n.line,
                        format!("{label} sets seccompProfile.type: {t}"),
                    );
                }
            }
            // Undefined on the container is fine only when the pod sets an allowed profile.
            None if !pod_ok && pod_type.is_none() => {
                pod.add(
                    sink,
                    id,
                    c.line,
                    format!("{label} has no seccompProfile and the pod sets none"),
                );
            }
            None => {}
        }
    }
}

fn sysctls(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let list = pod_sc(pod)
        .and_then(|s| s.get("sysctls"))
        .map(Node::items)
        .unwrap_or_default();
    for s in list {
        let name = s.get("name").and_then(Node::as_str).unwrap_or_default();
        if !SAFE_SYSCTLS.contains(&name) {
            pod.add(
                sink,
                "pss-sysctls",
                s.line,
                format!("the pod sets unsafe sysctl {name}"),
            );
        }
    }
}

fn privilege_escalation(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    if windows(pod) {
        return;
    }
    for (kind, c) in Containers::all(pod.spec) {
        let n = sc(c).and_then(|s| s.get("allowPrivilegeEscalation"));
        if n.and_then(Node::as_bool) != Some(false) {
            let msg = match n.and_then(Node::as_bool) {
                Some(true) => format!(
                    "{} sets allowPrivilegeEscalation: true",
                    container_label(kind, c)
                ),
                _ => format!(
                    "{} does not set allowPrivilegeEscalation: false",
                    container_label(kind, c)
                ),
            };
            pod.add(
                sink,
                "pss-privilege-escalation",
                n.map_or(c.line, |n| n.line),
                msg,
            );
        }
    }
}

fn run_as_non_root(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let id = "pss-run-as-non-root";
    let pod_node = pod_sc(pod).and_then(|s| s.get("runAsNonRoot"));
    let pod_val = pod_node.and_then(Node::as_bool);
    if let (Some(false), Some(n)) = (pod_val, pod_node) {
        pod.add(sink, id, n.line, "the pod sets runAsNonRoot: false".into());
    }
    for (kind, c) in Containers::all(pod.spec) {
        let n = sc(c).and_then(|s| s.get("runAsNonRoot"));
        match n.and_then(Node::as_bool) {
            Some(true) => {}
            Some(false) => {
                let line = n.map_or(c.line, |n| n.line);
                pod.add(
                    sink,
                    id,
                    line,
                    format!("{} sets runAsNonRoot: false", container_label(kind, c)),
                );
            }
            None if pod_val != Some(true) => {
                let msg = format!(
                    "{} does not set runAsNonRoot: true (nor does the pod)",
                    container_label(kind, c)
                );
                pod.add(sink, id, c.line, msg);
            }
            None => {}
        }
    }
}

fn run_as_non_root_user(sink: &mut Sink<'_>, pod: &PodCtx<'_>) {
    let id = "pss-run-as-non-root-user";
    if let Some(n) = pod_sc(pod).and_then(|s| s.get("runAsUser")) {
        if n.as_i64() == Some(0) {
            pod.add(sink, id, n.line, "the pod sets runAsUser: 0".into());
        }
    }
    for (kind, c) in Containers::all(pod.spec) {
        if let Some(n) = sc(c).and_then(|s| s.get("runAsUser")) {
            if n.as_i64() == Some(0) {
                pod.add(
                    sink,
                    id,
                    n.line,
                    format!("{} sets runAsUser: 0", container_label(kind, c)),
                );
            }
        }
    }
}
