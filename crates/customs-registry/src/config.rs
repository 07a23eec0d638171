//! Client configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A user name and password (or access token used as a password).
///
/// `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl Credentials {
    /// Builds credentials.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where to read Docker's `config.json` (`auths`, `credHelpers`, `credsStore`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DockerConfigSource {
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; a missing file is fine.
    #[default]
    Default,
    /// This file; it must exist.
    Path(PathBuf),
    /// Don't read any (tests, or `--no-docker-config`).
    Disabled,
}

/// Network timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect plus TLS handshake. Default 10 s.
    pub connect: Duration,
    /// Longest wait for the next bytes of a response (headers or body). Default 30 s.
    pub read_idle: Duration,
    /// Whole-request deadline for small requests (ping, token, manifest,
    /// tags, referrers, uploads of manifests). Blob downloads have none (a
    /// 500 MB layer may take long); they rely on `read_idle`. Default 120 s.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read_idle: Duration::from_secs(30),
            request: Duration::from_secs(120),
        }
    }
}

/// Retry policy for 429, 502, 503, 504 and dropped connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 3.
    pub max_retries: u32,
    /// First backoff; doubled on each retry. Default 500 ms.
    pub base_delay: Duration,
    /// Longest single wait, whether from backoff or `Retry-After`. Default 60 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Everything a [`crate::Client`] needs to know.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Registries (`host` or `host:port`) reached over plain http, or over
    /// https without certificate verification. For these hosts only: https
    /// (unverified) is tried first, then plain http, as Docker does. An entry
    /// without a port matches every port of that host.
    pub insecure_registries: Vec<String>,
    /// Extra PEM CA bundles trusted besides the system roots (`--ca-file`).
    pub ca_files: Vec<PathBuf>,
    /// Credentials per registry (`host[:port]`, as in image references; `docker.io` for Docker Hub).
    /// These win over the Docker config.
    pub credentials: BTreeMap<String, Credentials>,
    /// Docker config to take credentials from.
    pub docker_config: DockerConfigSource,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Retries.
    pub retry: RetryPolicy,
    /// Largest manifest (or index, referrers page) accepted. Default 4 MiB.
    pub max_manifest_bytes: u64,
    /// Largest tag list page accepted. Default 16 MiB.
    pub max_tag_page_bytes: u64,
    /// Most pages followed through `Link` headers (tags, referrers). Default 1000.
    pub max_pages: u32,
    /// Chunk size for chunked blob uploads. Default 8 MiB.
    pub upload_chunk_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            insecure_registries: Vec::new(),
            ca_files: Vec::new(),
            credentials: BTreeMap::new(),
            docker_config: DockerConfigSource::Default,
            user_agent: concat!("customs/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            max_manifest_bytes: 4 * 1024 * 1024,
            max_tag_page_bytes: 16 * 1024 * 1024,
            max_pages: 1000,
            upload_chunk_bytes: 8 * 1024 * 1024,
        }
    }
}

impl ClientConfig {
    /// Whether `registry` (`host[:port]`) is listed as insecure.
    pub fn is_insecure(&self, registry: &str) -> bool {
        is_listed(&self.insecure_registries, registry)
    }
}

/// Host part of `host[:port]` (IPv6 literals keep their brackets).
pub(crate) fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry
            .split_once(']')
            .map_or(registry, |(h, _)| h.get(1..).unwrap_or(h));
    }
    registry.rsplit_once(':').map_or(registry, |(h, _)| h)
}

pub(crate) fn is_listed(list: &[String], registry: &str) -> bool {
    let host = host_of(registry);
    list.iter().any(|entry| {
        let entry = entry.trim().trim_end_matches('/');
        let entry = entry
            .strip_prefix("http://")
            .or_else(|| entry.strip_prefix("https://"))
            .unwrap_or(entry);
        let has_port = if entry.starts_with('[') {
            entry.contains("]:")
        } else {
            entry.contains(':')
        };
        if has_port {
            entry.eq_ignore_ascii_case(registry)
        } else {
            host_of(entry).eq_ignore_ascii_case(host)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_matching() {
        let list = vec!["127.0.0.1:5000".to_owned(), "reg.local".to_owned()];
        assert!(is_listed(&list, "127.0.0.1:5000"));
        assert!(!is_listed(&list, "127.0.0.1:5001"));
        assert!(is_listed(&list, "reg.local:8443"));
        assert!(is_listed(&list, "reg.local"));
        assert!(!is_listed(&list, "other.local"));
        assert_eq!(host_of("[::1]:5000"), "::1");
        assert_eq!(host_of("h:1"), "h");
    }

    #[test]
    fn credentials_debug_redacts() {
        let c = Credentials::new("u", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
