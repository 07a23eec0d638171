//! Kubernetes manifests: objects, pod templates and the checks over them.

mod pss;

use std::collections::{BTreeMap, BTreeSet};

use crate::yaml::{self, Node};
use crate::{secrets, Options, Report, Sink};

/// Kinds whose objects hold a pod spec, and the path to the pod template
/// (`metadata` and `spec` under it). An empty path is the object itself.
const WORKLOADS: &[(&str, &[&str])] = &[
    ("Pod", &[]),
    ("Deployment", &["spec", "template"]),
    ("ReplicaSet", &["spec", "template"]),
    ("StatefulSet", &["spec", "template"]),
    ("DaemonSet", &["spec", "template"]),
    ("Job", &["spec", "template"]),
    ("ReplicationController", &["spec", "template"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template"]),
    ("PodTemplate", &["template"]),
];

/// Built-in kinds we know and have nothing (more) to check in.
const KNOWN_KINDS: &[&str] = &[
    "Namespace",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "StorageClass",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "LimitRange",
    "ResourceQuota",
    "Endpoints",
    "EndpointSlice",
    "IngressClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "Lease",
    "RuntimeClass",
    "CSIDriver",
    "VolumeAttachment",
    "Event",
    "Service",
    "Ingress",
    "NetworkPolicy",
    "ControllerRevision",
    "CertificateSigningRequest",
    "Binding",
    "ComponentStatus",
    "Node",
];

/// A workload's pod labels, for network-policy coverage.
#[derive(Debug, Clone)]
pub(crate) struct WorkloadRef {
    namespace: String,
    labels: BTreeMap<String, String>,
    resource: String,
    file: String,
    line: usize,
}

/// A label selector (`matchLabels` and `matchExpressions`).
#[derive(Debug, Clone, Default)]
struct Selector {
    labels: BTreeMap<String, String>,
    exprs: Vec<(String, String, Vec<String>)>,
    /// A selector we could not read matches nothing, so it never hides a gap.
    invalid: bool,
}

impl Selector {
    fn from_node(n: Option<&Node>) -> Self {
        let mut s = Self::default();
        let Some(n) = n.filter(|n| !n.is_null()) else {
            return s;
        };
        if !n.is_map() {
            s.invalid = true;
            return s;
        }
        for (k, v) in n.get("matchLabels").map(Node::entries).unwrap_or_default() {
            match (k.as_str(), v.as_str()) {
                (Some(k), Some(v)) => {
                    s.labels.insert(k.to_owned(), v.to_owned());
                }
                _ => s.invalid = true,
            }
        }
        for e in n
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or_default()
        {
            let key = e
                .get("key")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned();
            let op = e
                .get("operator")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned();
            let values = e
                .get("values")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            s.exprs.push((key, op, values));
        }
        s
    }

    fn is_empty(&self) -> bool {
        !self.invalid && self.labels.is_empty() && self.exprs.is_empty()
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        if self.invalid {
            return false;
        }
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.exprs.iter().all(|(k, op, vals)| match op.as_str() {
                "In" => labels.get(k).is_some_and(|v| vals.contains(v)),
                "NotIn" => labels.get(k).is_none_or(|v| !vals.contains(v)),
                "Exists" => labels.contains_key(k),
                "DoesNotExist" => !labels.contains_key(k),
                _ => false,
            })
    }
}

/// A NetworkPolicy, for coverage.
#[derive(Debug, Clone)]
struct PolicyRef {
    namespace: String,
    selector: Selector,
    default_deny_ingress: bool,
}

/// Workloads and network policies seen across files.
#[derive(Debug, Default)]
pub(crate) struct ManifestSet {
    workloads: Vec<WorkloadRef>,
    policies: Vec<PolicyRef>,
}

/// A pod template being checked.
pub(crate) struct PodCtx<'a> {
    pub(crate) meta: Option<&'a Node>,
    pub(crate) spec: &'a Node,
    pub(crate) resource: &'a str,
}

impl PodCtx<'_> {
    pub(crate) fn add(&self, sink: &mut Sink<'_>, id: &'static str, line: usize, message: String) {
        sink.add(id, Some(line), Some(self.resource), message);
    }
}

/// Kind of container list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerKind {
    Regular,
    Init,
    Ephemeral,
}

/// Iterates the containers, init containers and ephemeral containers of a pod spec.
pub(crate) struct Containers;

impl Containers {
    pub(crate) fn all(spec: &Node) -> impl Iterator<Item = (ContainerKind, &Node)> {
        [
            ("containers", ContainerKind::Regular),
            ("initContainers", ContainerKind::Init),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ]
        .into_iter()
        .flat_map(move |(field, kind)| {
            spec.get(field)
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(move |c| (kind, c))
        })
    }
}

/// `container "app"`, `init container "setup"`.
pub(crate) fn container_label(kind: ContainerKind, c: &Node) -> String {
    let name = c.get("name").and_then(Node::as_str).unwrap_or("?");
    match kind {
        ContainerKind::Regular => format!("container {name:?}"),
        ContainerKind::Init => format!("init container {name:?}"),
        ContainerKind::Ephemeral => format!("ephemeral container {name:?}"),
    }
}

/// Checks one YAML stream, recording workloads and policies into `set`.
/// With `explicit` false (a file found while walking a directory), a stream
/// with no Kubernetes object at all is not reported on: it is some other YAML.
pub(crate) fn check_file(
    name: &str,
    text: &str,
    opts: &Options,
    set: &mut ManifestSet,
    explicit: bool,
) -> Report {
    let mut sink = Sink::with_ignores(opts, name, text);
    let (docs, err) = yaml::parse_stream(text, &opts.limits);
    let mut objects = 0usize;
    let mut local = ManifestSet::default();
    for doc in &docs {
        let Some(root) = &doc.root else { continue };
        objects += check_object(&mut sink, root, doc.line, name, opts, &mut local, 0);
    }
    let broken = err.is_some();
    if let Some(e) = err {
        let line = e.line();
        sink.warn(
            "kubernetes",
            line,
            format!("{e}; documents after this point were not checked"),
        );
    }
    // A file that cannot be read is reported even when walking: it may be a manifest.
    if objects == 0 && !explicit && !broken {
        return Report::default();
    }
    set.workloads.extend(local.workloads);
    set.policies.extend(local.policies);
    sink.finish()
}

/// Checks one document (or a `List`'s item). Returns how many Kubernetes
/// objects it held.
fn check_object(
    sink: &mut Sink<'_>,
    obj: &Node,
    line: usize,
    file: &str,
    opts: &Options,
    set: &mut ManifestSet,
    depth: usize,
) -> usize {
    let kind = obj.get("kind").and_then(Node::as_str);
    let api = obj.get("apiVersion").and_then(Node::as_str);
    let (Some(kind), Some(_api)) = (kind, api) else {
        let what = if obj.is_map() {
            "has no apiVersion and kind"
        } else {
            "is not a mapping"
        };
        sink.warn(
            "kubernetes",
            Some(line.max(obj.line)),
            format!("document {what}: not a Kubernetes object, skipped"),
        );
        return 0;
    };
    if kind == "List" || (kind.ends_with("List") && obj.get("items").is_some()) {
        if depth > 4 {
            sink.warn(
                "kubernetes",
                Some(obj.line),
                "Lists nested too deeply, skipped",
            );
            return 0;
        }
        return 1 + obj
            .get("items")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|item| check_object(sink, item, item.line, file, opts, set, depth + 1))
            .sum::<usize>();
    }
    let meta = obj.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("?");
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or("default");
    let resource = format!("{kind}/{namespace}/{name}");
    if let Some((_, path)) = WORKLOADS.iter().find(|(k, _)| *k == kind) {
        let template = if path.is_empty() {
            Some(obj)
        } else {
            obj.path(path)
        };
        let spec = template.and_then(|t| t.get("spec")).filter(|s| s.is_map());
        let Some(spec) = spec else {
            sink.warn(
                "kubernetes",
                Some(obj.line),
                format!("{resource} has no pod template spec, skipped"),
            );
            return 1;
        };
        let pod_meta = template.and_then(|t| t.get("metadata"));
        let pod = PodCtx {
            meta: pod_meta,
            spec,
            resource: &resource,
        };
        check_pod(sink, &pod, opts);
        let labels = pod_meta
            .and_then(|m| m.get("labels"))
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
            .collect();
        if spec.get("hostNetwork").and_then(Node::as_bool) != Some(true) {
            set.workloads.push(WorkloadRef {
                namespace: namespace.to_owned(),
                labels,
                resource: resource.clone(),
                file: file.to_owned(),
                line: obj.line,
            });
        }
        return 1;
    }
    match kind {
        "Service" => {
            let t = obj.path(&["spec", "type"]);
            if let Some(t) = t.filter(|t| matches!(t.as_str(), Some("NodePort" | "LoadBalancer"))) {
                let ty = t.as_str().unwrap_or_default();
                sink.add(
                    "k8s-exposed-service",
                    Some(t.line),
                    Some(&resource),
                    format!("Service {name} is of type {ty}"),
                );
            }
        }
        "Ingress" => {
            let tls = obj.path(&["spec", "tls"]);
            if tls.is_none_or(|t| t.items().is_empty()) {
                sink.add(
                    "k8s-ingress-without-tls",
                    Some(obj.line),
                    Some(&resource),
                    format!("Ingress {name} has no tls section"),
                );
            }
        }
        "NetworkPolicy" => {
            let spec = obj.get("spec");
            let selector = Selector::from_node(spec.and_then(|s| s.get("podSelector")));
            let types = spec.and_then(|s| s.get("policyTypes"));
            let ingress_type =
                types.is_none_or(|t| t.items().iter().any(|i| i.as_str() == Some("Ingress")));
            let no_rules = spec
                .and_then(|s| s.get("ingress"))
                .is_none_or(|i| i.items().is_empty() && !i.is_map());
            set.policies.push(PolicyRef {
                namespace: namespace.to_owned(),
                default_deny_ingress: selector.is_empty() && ingress_type && no_rules,
                selector,
            });
        }
        k if KNOWN_KINDS.contains(&k) => {}
        k => sink.warn(
            "kubernetes",
            Some(obj.line),
            format!(
                "unknown kind {k} ({}), not checked",
                api.unwrap_or_default()
            ),
        ),
    }
    1
}

fn check_pod(sink: &mut Sink<'_>, pod: &PodCtx<'_>, opts: &Options) {
    pss::check(sink, pod, opts.pss_level);
    let spec = pod.spec;
    if spec
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool)
        != Some(false)
    {
        let line = spec
            .get("automountServiceAccountToken")
            .map_or(spec.line, |n| n.line);
        pod.add(
            sink,
            "k8s-automount-sa-token",
            line,
            "the pod does not set automountServiceAccountToken: false".into(),
        );
    }
    if let Some(n) = spec
        .get("hostNetwork")
        .filter(|n| n.as_bool() == Some(true))
    {
        pod.add(
            sink,
            "k8s-host-network",
            n.line,
            "the pod sets hostNetwork: true".into(),
        );
    }
    for (kind, c) in Containers::all(spec) {
        let label = container_label(kind, c);
        if kind != ContainerKind::Ephemeral {
            let mut missing = Vec::new();
            for section in ["requests", "limits"] {
                for res in ["cpu", "memory"] {
                    if c.path(&["resources", section, res])
                        .is_none_or(Node::is_null)
                    {
                        missing.push(format!("{section}.{res}"));
                    }
                }
            }
            if !missing.is_empty() {
                pod.add(
                    sink,
                    "k8s-missing-resources",
                    c.line,
                    format!("{label} has no {}", missing.join(", ")),
                );
            }
            let ro = c.path(&["securityContext", "readOnlyRootFilesystem"]);
            if ro.and_then(Node::as_bool) != Some(true) {
                let msg = format!("{label} does not set readOnlyRootFilesystem: true");
                pod.add(
                    sink,
                    "k8s-writable-root-fs",
                    ro.map_or(c.line, |n| n.line),
                    msg,
                );
            }
        }
        if let Some(img) = c.get("image") {
            check_image(sink, pod, &label, img, opts);
        }
        for e in c.get("env").map(Node::items).unwrap_or_default() {
            let name = e.get("name").and_then(Node::as_str).unwrap_or_default();
            if let Some(v) = e.get("value") {
                if secrets::secret_name(name) && v.as_str().is_some_and(secrets::literal_value) {
                    let msg = format!("{label} sets {name} to a literal value");
                    pod.add(sink, "k8s-secret-in-env", v.line, msg);
                }
            }
        }
    }
}

/// The registry of an image reference, as the container runtime resolves it.
fn registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

fn allowed(image: &str, allowlist: &[String]) -> bool {
    let reg = registry(image);
    let full = if reg == "docker.io" && !image.starts_with("docker.io/") {
        if image.contains('/') {
            format!("docker.io/{image}")
        } else {
            // Docker Hub's official images live under library/.
            format!("docker.io/library/{image}")
        }
    } else {
        image.to_owned()
    };
    allowlist.iter().any(|a| {
        let a = a.trim_end_matches('/');
        a == reg || full.starts_with(&format!("{a}/"))
    })
}

fn check_image(sink: &mut Sink<'_>, pod: &PodCtx<'_>, label: &str, img: &Node, opts: &Options) {
    let Some(image) = img.as_str() else { return };
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    if digest.is_none() {
        pod.add(
            sink,
            "k8s-image-not-by-digest",
            img.line,
            format!("{label} uses image {image} by tag"),
        );
        if matches!(tag, None | Some("latest")) {
            pod.add(
                sink,
                "k8s-latest-tag",
                img.line,
                format!("{label} uses image {image} without a version tag"),
            );
        }
    }
    if !opts.registry_allowlist.is_empty() && !allowed(image, &opts.registry_allowlist) {
        let msg = format!(
            "{label} pulls {image} from {}, which is not in the registry allowlist",
            registry(image)
        );
        pod.add(sink, "k8s-untrusted-registry", img.line, msg);
    }
}

/// Network segmentation over every workload and policy seen.
pub(crate) fn check_network(set: &ManifestSet, opts: &Options) -> Report {
    let mut report = Report::default();
    let namespaces: BTreeSet<&str> = set.workloads.iter().map(|w| w.namespace.as_str()).collect();
    for ns in namespaces {
        let deny = set
            .policies
            .iter()
            .any(|p| p.namespace == ns && p.default_deny_ingress);
        if !deny {
            if let Some(w) = set.workloads.iter().find(|w| w.namespace == ns) {
                let mut sink = Sink::new(opts, &w.file);
                sink.add(
                    "k8s-namespace-without-default-deny",
                    Some(w.line),
                    Some(&format!("Namespace/{ns}")),
                    format!("namespace {ns} runs workloads but has no default-deny ingress NetworkPolicy"),
                );
                report.merge(sink.finish());
            }
        }
    }
    for w in &set.workloads {
        let covered = set
            .policies
            .iter()
            .any(|p| p.namespace == w.namespace && p.selector.matches(&w.labels));
        if !covered {
            let mut sink = Sink::new(opts, &w.file);
            sink.add(
                "k8s-workload-without-network-policy",
                Some(w.line),
                Some(&w.resource),
                format!(
                    "no NetworkPolicy in namespace {} selects {}",
                    w.namespace, w.resource
                ),
            );
            report.merge(sink.finish());
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries() {
        assert_eq!(registry("nginx"), "docker.io");
        assert_eq!(registry("library/nginx:1"), "docker.io");
        assert_eq!(registry("ghcr.io/a/b"), "ghcr.io");
        assert_eq!(registry("localhost:5000/x"), "localhost:5000");
        let list = vec!["ghcr.io/acme".to_owned(), "docker.io/library".to_owned()];
        assert!(allowed("ghcr.io/acme/app:1", &list));
        assert!(!allowed("ghcr.io/evil/app:1", &list));
        assert!(allowed("nginx:1", &["docker.io".to_owned()]));
        assert!(allowed("docker.io/library/nginx", &list));
        assert!(!allowed("quay.io/x/y", &list));
    }
}
