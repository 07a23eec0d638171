//! The rule table: every check with its id, severity and documentation.
//!
//! Ids are stable kebab-case codes with a family prefix: `img-` (image
//! config), `df-` (Dockerfile), `k8s-` (Kubernetes) and `pss-` (Pod Security
//! Standards controls). They are what users write in `disabled:` and in
//! `# customs:ignore=ID` comments, so they never change once released.

use customs_model::Severity;
use serde::Serialize;

use crate::PssLevel;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleTarget {
    /// An image's config, history and layer files.
    Image,
    /// A Dockerfile.
    Dockerfile,
    /// Kubernetes manifests.
    Kubernetes,
}

/// A rule and its documentation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable id.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it checks.
    pub target: RuleTarget,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
    /// The Pod Security Standards control and level, for PSS rules.
    #[serde(skip)]
    pub pss: Option<(&'static str, PssLevel)>,
}

impl RuleInfo {
    /// The rule's documentation page as Markdown.
    pub fn docs(&self) -> String {
        let mut s = format!(
            "# {}: {}\n\nSeverity: {}\n\n",
            self.id, self.title, self.severity
        );
        if let Some((control, level)) = self.pss {
            s.push_str(&format!(
                "Pod Security Standards control: **{control}** ({level} level)\n\n"
            ));
        }
        s.push_str(&format!(
            "## Why\n\n{}\n\n## How to fix\n\n{}\n\n",
            self.why, self.remediation
        ));
        s.push_str(&format!(
            "To accept a finding, disable the rule in the configuration (`disabled: [{0}]`) or put `# customs:ignore={0}` on the line before it.\n",
            self.id
        ));
        s
    }
}

/// The rule with this id.
pub(crate) fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// All rules, grouped by target.
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

use RuleTarget::{Dockerfile as D, Image as I, Kubernetes as K};
use Severity::{Critical, High, Low, Medium};

const fn r(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    target: RuleTarget,
    why: &'static str,
    remediation: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity,
        target,
        why,
        remediation,
        pss: None,
    }
}

const fn pss(
    id: &'static str,
    control: &'static str,
    level: PssLevel,
    severity: Severity,
    why: &'static str,
    remediation: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        title: control,
        severity,
        target: K,
        why,
        remediation,
        pss: Some((control, level)),
    }
}

const B: PssLevel = PssLevel::Baseline;
const R: PssLevel = PssLevel::Restricted;

static RULES: &[RuleInfo] = &[
    // ---- image configuration ----
    r("img-run-as-root", "Image runs as root", High, I,
      "The image config sets no USER, or USER 0/root, so every container started from it runs as root unless the runtime overrides it. A process escaping the application then holds root inside the container, which is one kernel bug away from root on the host.",
      "Create an unprivileged user in the image and end the Dockerfile with `USER <name or uid>` (a numeric UID lets Kubernetes verify `runAsNonRoot`)."),
    r("img-missing-healthcheck", "Image has no HEALTHCHECK", Low, I,
      "Without a HEALTHCHECK, Docker and Compose cannot tell a hung process from a healthy one and will not restart it.",
      "Add `HEALTHCHECK CMD <probe>` to the Dockerfile (Kubernetes ignores it: define liveness and readiness probes there)."),
    r("img-secret-in-env", "Secret-looking environment variable in image config", High, I,
      "Environment variables baked into an image config are readable by anyone who can pull the image (`docker inspect`), and live forever in every copy of it.",
      "Pass secrets at run time (mounted files, a secret manager, Kubernetes Secrets); for build-time secrets use `RUN --mount=type=secret`."),
    r("img-add-remote-url", "ADD of a remote URL", Medium, I,
      "`ADD <url>` downloads at build time without verifying the content, so a compromised or changed server changes the image silently.",
      "Download with a pinned checksum (`ADD --checksum=sha256:… <url>`, or `curl` then `sha256sum -c`) or vendor the file."),
    r("img-package-cache", "Package-manager cache left in the image", Low, I,
      "Caches (apt lists and archives, apk, yum/dnf, pip, npm) make the image larger and expose package metadata that is stale the day after the build.",
      "Clean in the same RUN that installs (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`, `dnf clean all`), or use a cache mount."),
    r("img-ssh-exposed", "SSH daemon or port 22 in image", High, I,
      "An SSH server in a container adds a network-reachable login service and keys to manage; containers are entered with `exec`, not SSH.",
      "Remove the SSH server package and `EXPOSE 22`; use `docker exec` / `kubectl exec` for debugging."),
    r("img-setuid-file", "Setuid or setgid file added by the image", Medium, I,
      "Setuid/setgid binaries let an unprivileged process gain the file owner's privileges; each one added by the image's own layers is attack surface its authors chose to add.",
      "Remove the file or its special bits (`chmod u-s,g-s <file>`) in the layer that adds it, or run containers with `allowPrivilegeEscalation: false`."),
    r("img-world-writable-dir", "World-writable directory outside /tmp", Medium, I,
      "A world-writable directory lets any user in the container plant or replace files there, for example binaries or configuration another process trusts.",
      "Give the directory to the user that needs it (`chown`) with mode 0755 or 0775; keep scratch space under /tmp."),
    r("img-mutable-base-tag", "Base image referenced by a mutable tag", Low, I,
      "The image's labels or history show it was built from a base image by tag; the tag can move, so the same Dockerfile builds a different image tomorrow and the provenance of this one cannot be checked.",
      "Pin the base image by digest (`FROM image:tag@sha256:…`) and record it (`org.opencontainers.image.base.digest`)."),
    // ---- Dockerfile ----
    r("df-latest-base-image", "Base image without a tag or with latest", Medium, D,
      "`FROM image` or `FROM image:latest` builds on whatever the tag points to at build time: builds are not reproducible and a broken or malicious push is picked up silently.",
      "Name an explicit version tag and a digest: `FROM debian:12.5@sha256:…`."),
    r("df-base-image-without-digest", "Base image not pinned by digest", Low, D,
      "Tags are mutable; only a digest names exactly the bytes the image was built and reviewed on.",
      "Append the digest to the reference: `FROM image:tag@sha256:…` (tools like Renovate keep it current)."),
    r("df-root-user", "Final stage runs as root", High, D,
      "The last USER of the final stage decides who the container runs as. When it is root or missing, the application runs as root.",
      "Add `USER <non-root user or uid>` after the last step that needs root in the final stage."),
    r("df-add-instead-of-copy", "ADD used where COPY does", Low, D,
      "ADD also fetches URLs and unpacks archives; using it for plain local files hides that magic from reviewers and can unpack archives unexpectedly.",
      "Use `COPY` for local files and directories; keep `ADD` for local tar archives that must be unpacked."),
    r("df-apt-install-recommends", "apt-get install without --no-install-recommends", Low, D,
      "Recommended packages are not needed to run the program; they grow the image and its vulnerability surface.",
      "Use `apt-get install -y --no-install-recommends <packages>`."),
    r("df-apt-lists-not-cleaned", "apt lists not removed after install", Low, D,
      "`/var/lib/apt/lists` holds tens of megabytes of package indexes that stay in the layer unless deleted in the same RUN.",
      "End the RUN with `&& rm -rf /var/lib/apt/lists/*` (in the same RUN as `apt-get update` and `install`)."),
    r("df-unpinned-packages", "Package installed without a version pin", Low, D,
      "Unpinned `apt-get install`, `apk add` or `pip install` installs whatever version is current at build time, so rebuilds differ and a bad release slips in unnoticed.",
      "Pin versions: `apt-get install pkg=1.2.3-1`, `apk add pkg=1.2.3-r0`, `pip install pkg==1.2.3` (or a hashed requirements file)."),
    r("df-cd-instead-of-workdir", "cd used instead of WORKDIR", Low, D,
      "`cd` in a RUN only lasts for that RUN; later instructions silently run elsewhere, and the build is harder to read.",
      "Use `WORKDIR /path` to change directory for the following instructions."),
    r("df-curl-pipe-shell", "Remote script piped into a shell", High, D,
      "`curl … | sh` runs whatever the server returns at build time, unverified; a compromised server or a truncated download runs in your build.",
      "Download to a file, verify its checksum or signature, then run it."),
    r("df-missing-healthcheck", "Final stage has no HEALTHCHECK", Low, D,
      "Without a HEALTHCHECK, Docker and Compose cannot tell a hung process from a healthy one.",
      "Add `HEALTHCHECK CMD <probe>` to the final stage, or `HEALTHCHECK NONE` to state that none applies."),
    r("df-secret-in-env", "Secret-looking ENV or ARG", High, D,
      "ENV values are stored in the image config and ARG values in its history: anyone who can pull the image can read them.",
      "Use build secrets (`RUN --mount=type=secret,id=…`) at build time and runtime secrets (files, secret managers) when running."),
    r("df-chown-layer", "chown in a separate RUN", Low, D,
      "`RUN chown -R` after a COPY duplicates every file it touches in a new layer, doubling their size in the image.",
      "Set ownership while copying: `COPY --chown=user:group src dst`."),
    // ---- Kubernetes: Pod Security Standards ----
    pss("pss-host-process", "HostProcess", B, High,
        "Windows HostProcess containers run directly on the host with privileged access to it.",
        "Remove `windowsOptions.hostProcess: true` from the pod and container security contexts."),
    pss("pss-host-namespaces", "Host Namespaces", B, High,
        "Sharing the host's network, PID or IPC namespace lets the pod see and talk to host processes and traffic.",
        "Remove `hostNetwork`, `hostPID` and `hostIPC` or set them to false."),
    pss("pss-privileged", "Privileged Containers", B, Critical,
        "Privileged containers disable most security mechanisms and have full access to the host's devices.",
        "Remove `securityContext.privileged: true`; grant the specific capability needed instead."),
    pss("pss-capabilities-baseline", "Capabilities", B, High,
        "Adding capabilities beyond the default set (for example SYS_ADMIN or NET_ADMIN) hands the container powers that lead to host compromise.",
        "Add only capabilities from the allowed list (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)."),
    pss("pss-host-path", "HostPath Volumes", B, High,
        "hostPath volumes give the pod access to the node's filesystem, including credentials and the container runtime socket.",
        "Use persistentVolumeClaim, emptyDir, configMap or secret volumes instead of hostPath."),
    pss("pss-host-ports", "Host Ports", B, Medium,
        "Host ports bind directly on the node, bypassing Services and network policy, and limit scheduling.",
        "Remove `hostPort` (or set 0) and expose the container through a Service."),
    pss("pss-host-probes", "Host Probes / Lifecycle Hooks", B, Medium,
        "A probe or lifecycle hook with a `host` field makes the kubelet connect to an arbitrary address, which can be used to reach services on the node network.",
        "Remove `host` from httpGet and tcpSocket probes and lifecycle handlers (they then target the pod IP)."),
    pss("pss-apparmor", "AppArmor", B, High,
        "Overriding or disabling the default AppArmor profile removes a layer of confinement.",
        "Use `appArmorProfile.type: RuntimeDefault` or `Localhost` (annotations: `runtime/default` or `localhost/<profile>`)."),
    pss("pss-selinux", "SELinux", B, High,
        "Custom SELinux users, roles or types can disable SELinux confinement of the container.",
        "Remove `seLinuxOptions.user` and `.role`; set `type` only to container_t, container_init_t, container_kvm_t or container_engine_t."),
    pss("pss-proc-mount", "/proc Mount Type", B, High,
        "An Unmasked /proc exposes kernel interfaces that the default masking hides from containers.",
        "Remove `procMount` or set it to `Default`."),
    pss("pss-seccomp-baseline", "Seccomp", B, High,
        "The Unconfined seccomp profile lets the container make every system call, including ones used in kernel exploits.",
        "Set `seccompProfile.type` to `RuntimeDefault` or `Localhost`."),
    pss("pss-sysctls", "Sysctls", B, High,
        "Sysctls outside the safe, namespaced set change kernel settings for the whole node.",
        "Use only the safe sysctls listed by the Pod Security Standards, or none."),
    pss("pss-volume-types", "Volume Types", R, Medium,
        "The restricted profile allows only volume types that do not reach outside the pod's own storage; others are defined through PersistentVolumes by administrators.",
        "Use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes."),
    pss("pss-privilege-escalation", "Privilege Escalation", R, Medium,
        "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its parent through setuid binaries or file capabilities.",
        "Set `securityContext.allowPrivilegeEscalation: false` on every container."),
    pss("pss-run-as-non-root", "Running as Non-root", R, Medium,
        "Containers must be required to run as non-root users; `runAsNonRoot: true` makes the kubelet refuse to start a container whose user is root.",
        "Set `securityContext.runAsNonRoot: true` on the pod (or on every container) and never `false` on a container."),
    pss("pss-run-as-non-root-user", "Running as Non-root user", R, Medium,
        "`runAsUser: 0` runs the container as root whatever the image says.",
        "Set `runAsUser` to a non-zero UID or leave it unset."),
    pss("pss-seccomp-restricted", "Seccomp", R, Medium,
        "The restricted profile requires an explicit seccomp profile; with none set, many runtimes run containers unconfined.",
        "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost`) on the pod or on every container."),
    pss("pss-capabilities-restricted", "Capabilities", R, Medium,
        "The restricted profile requires containers to drop ALL capabilities and add back at most NET_BIND_SERVICE.",
        "Set `securityContext.capabilities.drop: [ALL]` and add only `NET_BIND_SERVICE` if needed."),
    // ---- Kubernetes: other checks ----
    r("k8s-missing-resources", "CPU or memory requests or limits missing", Medium, K,
      "A container without limits can starve its neighbours (denial of service); without requests the scheduler cannot place it sensibly.",
      "Set `resources.requests` and `resources.limits` for `cpu` and `memory` on every container."),
    r("k8s-writable-root-fs", "Root filesystem is writable", Low, K,
      "A writable root filesystem lets an attacker modify binaries and configuration of the running container; immutable containers are easier to reason about.",
      "Set `securityContext.readOnlyRootFilesystem: true` and mount emptyDir volumes where the program must write."),
    r("k8s-automount-sa-token", "Service account token mounted automatically", Low, K,
      "Unless disabled, every pod gets a token for its service account; a compromised container can use it against the API server.",
      "Set `automountServiceAccountToken: false` in the pod spec (or on its ServiceAccount) unless the pod calls the API."),
    r("k8s-image-not-by-digest", "Image not referenced by digest", Low, K,
      "Tags are mutable: the image that runs can change without any change to the manifest.",
      "Reference images by digest: `image: registry/name:tag@sha256:…`."),
    r("k8s-latest-tag", "Image uses latest or no tag", Medium, K,
      "`latest` (or no tag) pulls whatever was pushed last; rollbacks and audits cannot tell which image ran.",
      "Use an explicit version tag, preferably with a digest."),
    r("k8s-untrusted-registry", "Image from a registry outside the allowlist", High, K,
      "Images from registries the organisation does not control bypass its scanning and signing.",
      "Mirror the image into an allowed registry, or add the registry to `registry-allowlist`."),
    r("k8s-namespace-without-default-deny", "Namespace has no default-deny NetworkPolicy", Medium, K,
      "Without a default-deny policy every pod in the namespace accepts traffic from anywhere in the cluster, so one compromised pod can reach them all.",
      "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` (and Egress) and no rules, then allow the flows you need."),
    r("k8s-workload-without-network-policy", "Workload selected by no NetworkPolicy", Low, K,
      "A workload no NetworkPolicy selects accepts all traffic: it is not segmented.",
      "Add a NetworkPolicy whose `podSelector` matches the workload's pod labels."),
    r("k8s-exposed-service", "Service of type NodePort or LoadBalancer", Medium, K,
      "NodePort and LoadBalancer Services open the workload to traffic from outside the cluster network.",
      "Use ClusterIP behind an Ingress or gateway with TLS and authentication, or restrict `loadBalancerSourceRanges`."),
    r("k8s-host-network", "Pod uses the host network", High, K,
      "A pod on the host network bypasses NetworkPolicy and can reach every service listening on the node.",
      "Remove `hostNetwork: true`."),
    r("k8s-ingress-without-tls", "Ingress without TLS", Medium, K,
      "An Ingress without a `tls` section serves plain HTTP: credentials and data cross the network in clear text.",
      "Add `spec.tls` with the hosts and a certificate Secret (for example from cert-manager)."),
    r("k8s-secret-in-env", "Secret-looking literal env value", High, K,
      "A literal `value` for a secret-looking variable puts the secret in the manifest, in version control and in every `kubectl get -o yaml`.",
      "Use `valueFrom.secretKeyRef` with a Secret, or mount the Secret as a file."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for r in rules() {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                r.id
            );
            assert!(
                r.why.len() > 40 && r.remediation.len() > 20,
                "{} lacks docs",
                r.id
            );
            assert!(r.docs().contains("## How to fix"));
        }
    }
}
