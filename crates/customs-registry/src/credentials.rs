//! Credentials from Docker's `config.json`: `auths` entries, per-registry
//! `credHelpers` and the default `credsStore`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use crate::config::{Credentials, DockerConfigSource};
use crate::Error;

/// Largest config file read.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// Longest a credential helper may run.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest helper output read.
const MAX_HELPER_OUTPUT: usize = 1024 * 1024;

/// What the Docker config knows for one registry.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// User name and password.
    Basic(Credentials),
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token service.
    IdentityToken { username: String, token: String },
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Basic(c) => c.fmt(f),
            Self::IdentityToken { username, .. } => f
                .debug_struct("IdentityToken")
                .field("username", username)
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl std::fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthEntry(<redacted>)")
    }
}

/// Parsed Docker config.
#[derive(Debug, Default)]
pub(crate) struct DockerAuth {
    /// Keys normalised to `host[:port]`.
    auths: BTreeMap<String, Stored>,
    creds_store: Option<String>,
    cred_helpers: BTreeMap<String, String>,
}

/// The names Docker Hub goes by in config keys. Built from parts because
/// references call it `docker.io` while Docker's config keys use the legacy
/// index host.
const HUB_ALIASES: [&str; 3] = [
    customs_oci::DOCKER_HUB_REGISTRY,
    concat!("index", ".docker.io"),
    concat!("registry-1", ".docker.io"),
];

/// The server URL Docker passes to credential helpers for Docker Hub.
const HUB_HELPER_URL: &str = concat!("https://index", ".docker.io/v1/");

/// `https://host:port/v1/` → `host:port`; Docker Hub aliases → `docker.io`.
fn normalise_key(key: &str) -> String {
    let k = key.trim();
    let k = k
        .strip_prefix("https://")
        .or_else(|| k.strip_prefix("http://"))
        .unwrap_or(k);
    let k = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    if HUB_ALIASES.contains(&k.as_str()) {
        customs_oci::DOCKER_HUB_REGISTRY.to_owned()
    } else {
        k
    }
}

fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker/config.json"))
}

impl DockerAuth {
    /// Loads the config the source names. A missing default file is empty; a
    /// missing explicit file or a malformed one is an error.
    pub(crate) fn load(source: &DockerConfigSource) -> Result<Self, Error> {
        let (path, must_exist) = match source {
            DockerConfigSource::Disabled => return Ok(Self::default()),
            DockerConfigSource::Path(p) => (p.clone(), true),
            DockerConfigSource::Default => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Self::default()),
            },
        };
        if !must_exist && !path.exists() {
            return Ok(Self::default());
        }
        Self::read(&path)
    }

    fn read(path: &Path) -> Result<Self, Error> {
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| Error::DockerConfig {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(|e| fail(e.into()))?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(fail(
                format!("file is larger than {MAX_CONFIG_BYTES} bytes").into(),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(e.into()))?;
        Self::parse(&bytes).map_err(|e| fail(e.into()))
    }

    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        let file: ConfigFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut auths = BTreeMap::new();
        for (key, entry) in file.auths {
            let name = normalise_key(&key);
            if let Some(stored) = entry
                .into_stored()
                .map_err(|e| format!("auths[{key:?}]: {e}"))?
            {
                auths.insert(name, stored);
            }
        }
        let cred_helpers = file
            .cred_helpers
            .into_iter()
            .map(|(k, v)| (normalise_key(&k), v))
            .collect();
        Ok(Self {
            auths,
            creds_store: file.creds_store.filter(|s| !s.is_empty()),
            cred_helpers,
        })
    }

    /// The helper to ask for `registry`, if any: a `credHelpers` entry wins
    /// over `credsStore`, as in Docker. When an `auths` entry holds inline
    /// credentials, those are used and no helper is asked.
    pub(crate) fn lookup_inline(&self, registry: &str) -> Option<&Stored> {
        self.auths.get(&normalise_key(registry))
    }

    pub(crate) fn helper_for(&self, registry: &str) -> Option<&str> {
        let key = normalise_key(registry);
        self.cred_helpers
            .get(&key)
            .or(self.creds_store.as_ref())
            .map(String::as_str)
    }
}

impl AuthEntry {
    fn into_stored(self) -> Result<Option<Stored>, String> {
        if let Some(token) = self.identitytoken.filter(|t| !t.is_empty()) {
            let username = self
                .username
                .or_else(|| {
                    self.auth
                        .as_deref()
                        .and_then(|a| decode_auth(a).ok())
                        .map(|c| c.username)
                })
                .unwrap_or_default();
            return Ok(Some(Stored::IdentityToken { username, token }));
        }
        if let Some(auth) = self.auth.filter(|a| !a.is_empty()) {
            return decode_auth(&auth).map(|c| Some(Stored::Basic(c)));
        }
        match (self.username, self.password) {
            (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Stored::Basic(Credentials::new(u, p)))),
            _ => Ok(None),
        }
    }
}

/// Decodes `base64(user:password)`. The error never holds the secret.
fn decode_auth(auth: &str) -> Result<Credentials, String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| "`auth` is not valid base64".to_owned())?;
    let s = String::from_utf8(raw).map_err(|_| "`auth` is not UTF-8".to_owned())?;
    match s.split_once(':') {
        Some((u, p)) if !u.is_empty() => Ok(Credentials::new(u, p)),
        _ => Err("`auth` is not `user:password`".to_owned()),
    }
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Runs `docker-credential-<helper> get` for `registry`. `Ok(None)` when the
/// helper has nothing for it. Blocking: call it off the async threads.
pub(crate) fn run_helper(helper: &str, registry: &str) -> Result<Option<Stored>, Error> {
    let fail = |detail: String| Error::CredentialHelper {
        helper: helper.to_owned(),
        registry: registry.to_owned(),
        detail,
    };
    if helper.is_empty()
        || !helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(fail("invalid helper name".to_owned()));
    }
    let server = if normalise_key(registry) == customs_oci::DOCKER_HUB_REGISTRY {
        HUB_HELPER_URL.to_owned()
    } else {
        registry.to_owned()
    };
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading gives a broken pipe: its exit status tells more.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        use std::io::Read as _;
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(MAX_HELPER_OUTPUT as u64).read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if start.elapsed() > HELPER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "no answer within {}s",
                    HELPER_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(fail(format!("cannot wait for it: {e}"))),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        // Docker's helpers say "credentials not found in native keychain" on
        // stdout; any failure means "nothing stored" for anonymous fallback.
        let text = String::from_utf8_lossy(&out);
        if text.to_ascii_lowercase().contains("not found") || out.is_empty() {
            return Ok(None);
        }
        return Err(fail(format!("exit status {status}")));
    }
    let parsed: HelperOutput = serde_json::from_slice(&out)
        .map_err(|_| fail("output is not the expected JSON".to_owned()))?;
    if parsed.secret.is_empty() {
        return Ok(None);
    }
    if parsed.username == "<token>" {
        return Ok(Some(Stored::IdentityToken {
            username: String::new(),
            token: parsed.secret,
        }));
    }
    Ok(Some(Stored::Basic(Credentials::new(
        parsed.username,
        parsed.secret,
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auths_helpers_and_store() {
        let cfg = br#"{
          "auths": {
            "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNzOndpdGg6Y29sb25z"},
            "reg.local:5000": {"username": "a", "password": "b"},
            "https://tok.local/v2/": {"auth": "dTpw", "identitytoken": "refresh-me"},
            "empty.local": {}
          },
          "credsStore": "desktop",
          "credHelpers": {"gcr.local": "gcloud"}
        }"#;
        let d = DockerAuth::parse(cfg).unwrap();
        assert_eq!(
            d.lookup_inline("docker.io"),
            Some(&Stored::Basic(Credentials::new("user", "pass:with:colons")))
        );
        assert_eq!(
            d.lookup_inline("reg.local:5000"),
            Some(&Stored::Basic(Credentials::new("a", "b")))
        );
        assert_eq!(
            d.lookup_inline("tok.local"),
            Some(&Stored::IdentityToken {
                username: "u".into(),
                token: "refresh-me".into()
            })
        );
        assert_eq!(d.lookup_inline("empty.local"), None);
        assert_eq!(d.helper_for("gcr.local"), Some("gcloud"));
        assert_eq!(d.helper_for("other.local"), Some("desktop"));
    }

    #[test]
    fn bad_configs_are_errors_without_secrets() {
        assert!(DockerAuth::parse(b"not json").is_err());
        let e = DockerAuth::parse(br#"{"auths":{"x":{"auth":"!!!secret!!!"}}}"#).unwrap_err();
        assert!(!e.contains("secret"));
        let e = DockerAuth::parse(br#"{"auths":{"x":{"auth":"bm9jb2xvbg=="}}}"#).unwrap_err();
        assert!(e.contains("user:password"));
    }

    #[test]
    fn missing_helper_is_an_error_and_bad_names_are_refused() {
        assert!(matches!(
            run_helper("customs-test-no-such-helper", "r"),
            Err(Error::CredentialHelper { .. })
        ));
        assert!(run_helper("../evil", "r").is_err());
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let p = DockerConfigSource::Path(PathBuf::from("/nonexistent/customs/config.json"));
        assert!(matches!(
            DockerAuth::load(&p),
            Err(Error::DockerConfig { .. })
        ));
        assert!(DockerAuth::load(&DockerConfigSource::Disabled).is_ok());
    }
}
