//! Checks over an image's config, history and the files its layers add.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{secrets, Options, Report, Sink};

/// The kind of a file in an image layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFileKind {
    /// Regular file.
    Regular,
    /// Directory.
    Directory,
    /// Symbolic link.
    Symlink,
    /// Anything else.
    Other,
}

/// A file of the image's final filesystem, with the layer that added it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFile {
    /// Path relative to the root, no leading `/` (`usr/bin/passwd`).
    pub path: String,
    /// Permission and special bits (`0o4755`).
    pub mode: u32,
    /// Kind.
    pub kind: ImageFileKind,
    /// Index of the layer that added this version (0 = base).
    pub layer: usize,
}

/// One history entry of the image config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageHistory {
    /// `created_by`.
    pub created_by: String,
    /// `empty_layer`: the step made no layer.
    pub empty_layer: bool,
}

/// What [`crate::check_image_config`] looks at, filled by the caller from the
/// OCI image config and a walk over the layers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageConfigInput {
    /// The image reference, used as the findings' `file`.
    pub name: String,
    /// `config.User` (None or empty: not set).
    pub user: Option<String>,
    /// `config.Env`, `NAME=value` each.
    pub env: Vec<String>,
    /// `config.ExposedPorts` keys (`22/tcp`).
    pub exposed_ports: Vec<String>,
    /// Whether `config.Healthcheck` is set (`NONE` counts as set: it is a decision).
    pub healthcheck: bool,
    /// `config.Labels`.
    pub labels: BTreeMap<String, String>,
    /// `history`, oldest first.
    pub history: Vec<ImageHistory>,
    /// Files of the final filesystem that are worth checking (setuid/setgid
    /// files, world-writable directories, package-cache files; all files is fine too).
    pub files: Vec<ImageFile>,
    /// Number of layers that come from the base image, when the caller knows;
    /// otherwise it is inferred from the history (the last `CMD`/`ENTRYPOINT`
    /// step followed by layers marks the end of the base).
    pub base_layers: Option<usize>,
}

/// Where package managers leave caches, and the manager's name.
const CACHES: &[(&str, &str)] = &[
    ("var/lib/apt/lists/", "apt lists"),
    ("var/cache/apt/archives/", "apt archives"),
    ("var/cache/apk/", "apk"),
    ("var/cache/yum/", "yum"),
    ("var/cache/dnf/", "dnf"),
    ("root/.cache/pip/", "pip"),
    ("root/.npm/_cacache/", "npm"),
    ("usr/local/share/.cache/yarn/", "yarn"),
];

/// Whether `path` (relative, no leading `/`) lies in a package manager's cache folder,
/// so callers can pass only such files (and setuid/world-writable ones) in
/// [`ImageConfigInput::files`] instead of the whole filesystem.
pub fn is_cache_path(path: &str) -> bool {
    CACHES.iter().any(|(dir, _)| path.starts_with(dir))
}

/// Files in cache folders that are expected in clean images.
fn cache_noise(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "lock" || name == "partial" || name.is_empty() || path.ends_with("/partial/")
}

const TMP_DIRS: &[&str] = &["tmp", "var/tmp", "dev/shm", "run/lock", "var/lock"];

/// How many paths to name in one message.
const MAX_LISTED: usize = 10;

pub(crate) fn check(input: &ImageConfigInput, opts: &Options) -> Report {
    let mut sink = Sink::new(opts, &input.name);
    let user = input.user.as_deref().map(str::trim).unwrap_or_default();
    let uname = user.split(':').next().unwrap_or_default();
    if uname.is_empty() || uname == "root" || uname == "0" {
        let msg = if uname.is_empty() {
            "the image config sets no user, so containers run as root".to_owned()
        } else {
            format!("the image config sets user {user}")
        };
        sink.add("img-run-as-root", None, None, msg);
    }
    if !input.healthcheck {
        sink.add(
            "img-missing-healthcheck",
            None,
            None,
            "the image config has no healthcheck".to_owned(),
        );
    }
    for e in &input.env {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        if secrets::secret_name(k) && secrets::literal_value(v) {
            sink.add(
                "img-secret-in-env",
                None,
                None,
                format!("environment variable {k} looks like a secret"),
            );
        }
    }
    for h in &input.history {
        check_history_line(&mut sink, &h.created_by);
    }
    for p in &input.exposed_ports {
        let port = p.split('/').next().unwrap_or_default();
        if port == "22" {
            sink.add(
                "img-ssh-exposed",
                None,
                None,
                format!("the image exposes port {p}"),
            );
        }
    }
    if let Some(f) = input.files.iter().find(|f| {
        matches!(
            f.path.as_str(),
            "usr/sbin/sshd" | "usr/bin/sshd" | "sbin/sshd"
        )
    }) {
        sink.add(
            "img-ssh-exposed",
            None,
            None,
            format!("the image contains an SSH daemon (/{})", f.path),
        );
    }
    check_mutable_base(&mut sink, input);
    check_files(&mut sink, input);
    sink.finish()
}

fn check_history_line(sink: &mut Sink<'_>, created_by: &str) {
    // BuildKit writes `ADD <src>… <dst> # buildkit`; the classic builder
    // `/bin/sh -c #(nop) ADD <src> in <dst>`.
    let Some(pos) = created_by.find("ADD ") else {
        return;
    };
    let before = created_by.get(..pos).unwrap_or_default();
    if !(before.trim().is_empty() || before.trim_end().ends_with("#(nop)")) {
        return;
    }
    let rest = created_by.get(pos + 4..).unwrap_or_default();
    if rest.contains("--checksum") {
        return;
    }
    if let Some(url) = rest
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
    {
        sink.add(
            "img-add-remote-url",
            None,
            None,
            format!("a layer was made by ADD {url} without a checksum"),
        );
    }
}

fn check_mutable_base(sink: &mut Sink<'_>, input: &ImageConfigInput) {
    let base_name = input.labels.get("org.opencontainers.image.base.name");
    let base_digest = input.labels.get("org.opencontainers.image.base.digest");
    if let Some(name) = base_name {
        if base_digest.is_none() && !name.contains('@') {
            sink.add(
                "img-mutable-base-tag",
                None,
                None,
                format!("label org.opencontainers.image.base.name names {name} by tag, and no base digest is recorded"),
            );
        }
        return;
    }
    for h in &input.history {
        let line = h.created_by.trim();
        if let Some(rest) = line.strip_prefix("FROM ") {
            let image = rest.split_whitespace().next().unwrap_or_default();
            if !image.contains('@') && !image.eq_ignore_ascii_case("scratch") {
                sink.add(
                    "img-mutable-base-tag",
                    None,
                    None,
                    format!("the history shows the image was built FROM {image}, a mutable tag"),
                );
            }
        }
    }
}

/// Layers that belong to the base image.
fn base_layers(input: &ImageConfigInput) -> usize {
    if let Some(n) = input.base_layers {
        return n;
    }
    // Walk the history: after a CMD/ENTRYPOINT step, later layer-making steps
    // belong to a new image built on top.
    let mut layers = 0;
    let mut base = 0;
    let mut after_cmd = false;
    for h in &input.history {
        let c = &h.created_by;
        if c.contains("CMD [") || c.contains("CMD \"") || c.contains("ENTRYPOINT [") {
            after_cmd = true;
        }
        if !h.empty_layer {
            if after_cmd {
                base = layers;
                after_cmd = false;
            }
            layers += 1;
        }
    }
    base
}

fn check_files(sink: &mut Sink<'_>, input: &ImageConfigInput) {
    let base = base_layers(input);
    let mut setuid = Vec::new();
    let mut writable = Vec::new();
    let mut caches: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &input.files {
        let path = f.path.trim_start_matches('/');
        if f.kind == ImageFileKind::Regular && f.mode & 0o6000 != 0 && f.layer >= base {
            setuid.push(f);
        }
        if f.kind == ImageFileKind::Directory
            && f.mode & 0o002 != 0
            && !TMP_DIRS
                .iter()
                .any(|t| path == *t || path.starts_with(&format!("{t}/")))
        {
            writable.push(path);
        }
        if f.kind == ImageFileKind::Regular && !cache_noise(path) {
            if let Some((_, name)) = CACHES.iter().find(|(dir, _)| path.starts_with(dir)) {
                *caches.entry(name).or_default() += 1;
            }
        }
    }
    for f in setuid.iter().take(MAX_LISTED * 5) {
        let bits = match (f.mode & 0o4000 != 0, f.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        sink.add(
            "img-setuid-file",
            None,
            None,
            format!(
                "/{} is {bits} (mode {:o}), added in layer {}",
                f.path.trim_start_matches('/'),
                f.mode & 0o7777,
                f.layer
            ),
        );
    }
    if !writable.is_empty() {
        let listed: Vec<String> = writable
            .iter()
            .take(MAX_LISTED)
            .map(|p| format!("/{p}"))
            .collect();
        let more = writable.len().saturating_sub(MAX_LISTED);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        sink.add(
            "img-world-writable-dir",
            None,
            None,
            format!("world-writable directories: {}{tail}", listed.join(", ")),
        );
    }
    for (name, count) in caches {
        sink.add(
            "img-package-cache",
            None,
            None,
            format!("{name} cache left in the image ({count} files)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule_id).collect()
    }

    #[test]
    fn clean_image_passes() {
        let input = ImageConfigInput {
            name: "example/app:1".into(),
            user: Some("10001".into()),
            env: vec!["PATH=/usr/bin".into()],
            healthcheck: true,
            labels: [
                (
                    "org.opencontainers.image.base.name".to_owned(),
                    "debian:12".to_owned(),
                ),
                (
                    "org.opencontainers.image.base.digest".to_owned(),
                    "sha256:abc".to_owned(),
                ),
            ]
            .into(),
            files: vec![ImageFile {
                path: "tmp".into(),
                mode: 0o1777,
                kind: ImageFileKind::Directory,
                layer: 0,
            }],
            ..Default::default()
        };
        assert_eq!(ids(&check(&input, &Options::default())), Vec::<&str>::new());
    }

    #[test]
    fn bad_image_fails_each_rule() {
        let input = ImageConfigInput {
            name: "example/bad:latest".into(),
            user: Some("root".into()),
            env: vec!["DB_PASSWORD=hunter2".into()],
            exposed_ports: vec!["22/tcp".into()],
            healthcheck: false,
            labels: [(
                "org.opencontainers.image.base.name".to_owned(),
                "debian:bookworm".to_owned(),
            )]
            .into(),
            history: vec![
                ImageHistory {
                    created_by: "/bin/sh -c #(nop) ADD file:123 in /".into(),
                    empty_layer: false,
                },
                ImageHistory {
                    created_by: "/bin/sh -c #(nop)  CMD [\"bash\"]".into(),
                    empty_layer: true,
                },
                ImageHistory {
                    created_by: "ADD https://example.com/x.sh /x.sh # buildkit".into(),
                    empty_layer: false,
                },
            ],
            files: vec![
                ImageFile {
                    path: "usr/bin/passwd".into(),
                    mode: 0o4755,
                    kind: ImageFileKind::Regular,
                    layer: 0,
                },
                ImageFile {
                    path: "usr/local/bin/helper".into(),
                    mode: 0o4755,
                    kind: ImageFileKind::Regular,
                    layer: 1,
                },
                ImageFile {
                    path: "srv/upload".into(),
                    mode: 0o777,
                    kind: ImageFileKind::Directory,
                    layer: 1,
                },
                ImageFile {
                    path: "var/lib/apt/lists/deb_dists_InRelease".into(),
                    mode: 0o644,
                    kind: ImageFileKind::Regular,
                    layer: 1,
                },
            ],
            ..Default::default()
        };
        let r = check(&input, &Options::default());
        let got = ids(&r);
        for id in [
            "img-run-as-root",
            "img-missing-healthcheck",
            "img-secret-in-env",
            "img-add-remote-url",
            "img-package-cache",
            "img-ssh-exposed",
            "img-setuid-file",
            "img-world-writable-dir",
            "img-mutable-base-tag",
        ] {
            assert!(got.contains(&id), "{id} missing from {got:?}");
        }
        // The base image's passwd (layer 0) is not the image's own doing.
        let setuid: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == "img-setuid-file")
            .collect();
        assert_eq!(setuid.len(), 1);
        assert!(setuid[0].message.contains("/usr/local/bin/helper"));
    }
}
