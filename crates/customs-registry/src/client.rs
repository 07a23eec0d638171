//! The async client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use customs_model::{Digest, DigestAlgorithm};
use customs_oci::{media_type as mt, parse_manifest_kind, Descriptor, Index, ManifestKind};
use customs_oci::{ManifestParseError, Reference};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use crate::auth::{scheme_from_headers, AuthScheme, CachedToken, Scopes, TokenResponse};
use crate::config::{host_of, is_listed, ClientConfig, Credentials};
use crate::credentials::{run_helper, DockerAuth, Stored};
use crate::verify::{digest_of, Hasher, Verifier};
use crate::Error;

/// Largest error body read to extract the registry's message.
const MAX_ERROR_BODY: u64 = 64 * 1024;
/// Largest token service answer.
const MAX_TOKEN_BODY: u64 = 1024 * 1024;
/// Redirects followed per request.
const MAX_REDIRECTS: usize = 10;
/// Authentication round trips per request before giving up.
const MAX_AUTH_ROUNDS: u32 = 4;

/// A manifest (or index) as fetched: the exact bytes, their media type and
/// the digest computed from the bytes (never taken from `Docker-Content-Digest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// The exact bytes the registry sent.
    pub bytes: Vec<u8>,
    /// Media type: the body's `mediaType`, else `Content-Type`, else by shape.
    pub media_type: String,
    /// Digest of `bytes` (in the algorithm of the requested digest, else sha256).
    pub digest: Digest,
}

impl FetchedManifest {
    /// Parses the bytes as a manifest or index.
    pub fn parse(&self) -> Result<ManifestKind, ManifestParseError> {
        parse_manifest_kind(&self.bytes, Some(&self.media_type))
    }
}

/// What a `HEAD` of a manifest tells, without the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHead {
    /// `Docker-Content-Digest`, advisory: the registry's word, not verified.
    pub digest: Option<Digest>,
    /// `Content-Type`.
    pub media_type: Option<String>,
    /// `Content-Length`.
    pub size: Option<u64>,
}

/// An OCI distribution client. Cheap to clone; clones share connections and
/// the token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct RegistryState {
    /// `https://host:port/` or `http://host:port/`.
    base: Url,
    scheme: AuthScheme,
}

struct Inner {
    cfg: ClientConfig,
    /// Verifies certificates against the system roots plus `--ca-file`s. Built on first
    /// use: loading the system roots reads every file of the certificate directory, tens
    /// of milliseconds that a command talking only to insecure (local) registries
    /// should not pay.
    http: std::sync::OnceLock<reqwest::Client>,
    /// The `--ca-file` certificates, for building `http`.
    roots: Vec<reqwest::Certificate>,
    /// Skips certificate verification; used only for hosts listed as insecure. It
    /// loads no root store at all.
    http_insecure: reqwest::Client,
    docker: DockerAuth,
    registries: Mutex<HashMap<String, RegistryState>>,
    tokens: Mutex<HashMap<String, CachedToken>>,
    helper_cache: Mutex<HashMap<String, Option<Stored>>>,
}

/// One request, rebuilt for each attempt.
struct Req {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    insecure: bool,
    /// Apply the whole-request deadline (everything but blob downloads).
    deadline: bool,
    /// Safe to send again (PATCH chunks are not).
    retry: bool,
}

impl Req {
    fn new(method: Method, url: Url, insecure: bool) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            insecure,
            deadline: true,
            retry: true,
        }
    }

    fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }
}

/// How the last attempt was authenticated, to tell a wrong password from a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthUsed {
    Nothing,
    Basic,
    CachedToken,
    FreshToken,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn host_port(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Credentials go to the token realm the registry names (as Docker does),
/// but over plain http only to a loopback realm, or when the registry or the
/// realm's host is listed as insecure.
fn may_send_credentials(realm: &Url, registry_insecure: bool, realm_insecure: bool) -> bool {
    realm.scheme() == "https"
        || registry_insecure
        || realm_insecure
        || is_loopback(host_of(&host_port(realm)))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Walks an error's causes. `io::Error::source` skips the error it wraps,
/// so for those the wrapped error itself is the next link (TLS errors hide
/// two `io::Error`s deep in hyper's connect errors).
fn any_cause(
    e: &(dyn std::error::Error + 'static),
    pred: impl Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut depth = 0;
    while let Some(err) = cur {
        if pred(err) {
            return true;
        }
        depth += 1;
        if depth > 32 {
            break;
        }
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
}

fn has_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    any_cause(e, |err| err.downcast_ref::<rustls::Error>().is_some())
}

fn io_kind_in_chain(e: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    any_cause(e, |err| {
        err.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// Maps a transport error; the flag says whether another attempt may help.
fn classify(e: reqwest::Error, host: &str, what: &str) -> (Error, bool) {
    if e.is_timeout() {
        return (
            Error::Timeout {
                what: what.to_owned(),
                source: Box::new(e),
            },
            false,
        );
    }
    if has_tls_error(&e) {
        return (
            Error::Tls {
                host: host.to_owned(),
                source: Box::new(e),
            },
            false,
        );
    }
    if e.is_redirect() {
        return (
            Error::Protocol {
                what: what.to_owned(),
                detail: format!("redirect refused: {e}"),
            },
            false,
        );
    }
    if e.is_builder() {
        return (
            Error::Setup {
                source: Box::new(e),
            },
            false,
        );
    }
    if e.is_connect() {
        // A refused connection will be refused again: fail fast.
        let retry = !io_kind_in_chain(&e, std::io::ErrorKind::ConnectionRefused);
        return (
            Error::Connect {
                host: host.to_owned(),
                source: Box::new(e),
            },
            retry,
        );
    }
    (
        Error::Interrupted {
            what: what.to_owned(),
            source: Box::new(e),
        },
        true,
    )
}

/// Errors while reading a body after the headers came.
pub(crate) fn classify_body(e: reqwest::Error, what: &str) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            what: what.to_owned(),
            source: Box::new(e),
        }
    } else {
        Error::Interrupted {
            what: what.to_owned(),
            source: Box::new(e),
        }
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `Content-Type` without parameters, lower-cased.
fn content_type(h: &HeaderMap) -> String {
    header_str(h, header::CONTENT_TYPE)
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = header_str(h, header::RETRY_AFTER)?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The `rel="next"` target of a `Link` header.
fn next_link(h: &HeaderMap) -> Option<String> {
    for value in h.get_all(header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        // Links are `<url>; rel="next"`, several separated by commas.
        for part in value.split(',') {
            let part = part.trim();
            let Some(rest) = part.strip_prefix('<') else {
                continue;
            };
            let Some((url, params)) = rest.split_once('>') else {
                continue;
            };
            let is_next = params.split(';').any(|p| {
                let p = p.trim();
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split(' ')
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
            });
            if is_next {
                return Some(url.trim().to_owned());
            }
        }
    }
    None
}

/// Keeps printable characters of a registry-provided message, bounded.
fn sanitize(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(300).collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(serde::Deserialize)]
struct ErrorItem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

fn looks_like_html(ct: &str, body: &[u8]) -> bool {
    if ct.contains("html") {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start..).is_some_and(|b| b.starts_with(b"<"))
}

/// Reads a whole body, refusing more than `limit` bytes.
async fn read_capped(
    mut resp: reqwest::Response,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, Error> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(Error::TooLarge {
            what: what.to_owned(),
            limit,
        });
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify_body(e, what))? {
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(Error::TooLarge {
                what: what.to_owned(),
                limit,
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Turns an unexpected status into an error, with the registry's message.
async fn status_error(resp: reqwest::Response, registry: &str, what: &str) -> Error {
    let status = resp.status();
    let body = read_capped(resp, MAX_ERROR_BODY, what)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .and_then(|b| b.errors.into_iter().next())
        .map(|e| sanitize(&format!("{}: {}", e.code, e.message)))
        .unwrap_or_default();
    match status {
        StatusCode::NOT_FOUND => Error::NotFound {
            what: what.to_owned(),
            message,
        },
        StatusCode::FORBIDDEN => Error::Denied {
            registry: registry.to_owned(),
            what: what.to_owned(),
            message,
        },
        StatusCode::UNAUTHORIZED => Error::Unauthorized {
            registry: registry.to_owned(),
            what: what.to_owned(),
            anonymous: false,
        },
        s => Error::UnexpectedStatus {
            what: what.to_owned(),
            status: s.as_u16(),
            message,
        },
    }
}

/// Validates a manifest body and works out its media type.
fn check_manifest(bytes: &[u8], ct: &str, what: &str) -> Result<String, Error> {
    if looks_like_html(ct, bytes) {
        return Err(Error::NotAManifest {
            what: what.to_owned(),
            content_type: ct.to_owned(),
            html: true,
        });
    }
    let ct_opt = (!ct.is_empty()).then_some(ct);
    let kind = parse_manifest_kind(bytes, ct_opt).map_err(|e| match e {
        ManifestParseError::Schema1 => Error::Schema1 {
            what: what.to_owned(),
        },
        ManifestParseError::UnsupportedMediaType(media_type) => Error::UnsupportedMediaType {
            what: what.to_owned(),
            media_type,
        },
        _ => Error::NotAManifest {
            what: what.to_owned(),
            content_type: ct.to_owned(),
            html: false,
        },
    })?;
    let known = [
        mt::OCI_MANIFEST,
        mt::OCI_INDEX,
        mt::DOCKER_MANIFEST,
        mt::DOCKER_MANIFEST_LIST,
    ];
    let from_ct = known.iter().find(|k| **k == ct).map(|k| (*k).to_owned());
    Ok(match kind {
        ManifestKind::Manifest(m) => m
            .media_type
            .or(from_ct)
            .unwrap_or_else(|| mt::OCI_MANIFEST.to_owned()),
        ManifestKind::Index(i) => i
            .media_type
            .or(from_ct)
            .unwrap_or_else(|| mt::OCI_INDEX.to_owned()),
    })
}

/// One HTTP stack: rustls, the redirect policy (at most [`MAX_REDIRECTS`], never from
/// https down to plain http unless the target host is listed as insecure), timeouts.
/// `insecure` skips certificate verification and loads no root store.
fn build_http(
    cfg: &ClientConfig,
    roots: &[reqwest::Certificate],
    insecure: bool,
) -> Result<reqwest::Client, Error> {
    let list = cfg.insecure_registries.clone();
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let downgrade = attempt
            .previous()
            .last()
            .is_some_and(|p| p.scheme() == "https")
            && attempt.url().scheme() == "http";
        if downgrade && !is_listed(&list, &host_port(attempt.url())) {
            return attempt.error("redirect from https to plain http");
        }
        attempt.follow()
    });
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(cfg.user_agent.clone())
        .connect_timeout(cfg.timeouts.connect)
        .read_timeout(cfg.timeouts.read_idle)
        .redirect(redirect)
        .https_only(false);
    if insecure {
        b = b
            .danger_accept_invalid_certs(true)
            .tls_built_in_native_certs(false);
    } else {
        for r in roots {
            b = b.add_root_certificate(r.clone());
        }
    }
    b.build().map_err(|e| Error::Setup {
        source: Box::new(e),
    })
}

fn backoff(policy: &crate::RetryPolicy, attempt: u32) -> Duration {
    let exp = policy.base_delay.saturating_mul(1u32 << attempt.min(16));
    // Spread retries of parallel clients a little (±25 %), without a RNG dependency.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let factor = 0.75 + f64::from(nanos % 1000) / 2000.0;
    exp.mul_f64(factor).min(policy.max_delay)
}

impl Client {
    /// Builds a client: HTTP stacks, CA files, the Docker config.
    pub fn new(cfg: ClientConfig) -> Result<Self, Error> {
        let docker = DockerAuth::load(&cfg.docker_config)?;
        let mut roots = Vec::new();
        for path in &cfg.ca_files {
            let fail = |source: crate::error::BoxError| Error::CaFile {
                path: path.clone(),
                source,
            };
            let pem = std::fs::read(path).map_err(|e| fail(e.into()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| fail(e.into()))?;
            if certs.is_empty() {
                return Err(fail("no PEM certificate in the file".into()));
            }
            roots.extend(certs);
        }
        let http_insecure = build_http(&cfg, &roots, true)?;
        Ok(Self {
            inner: Arc::new(Inner {
                cfg,
                http: std::sync::OnceLock::new(),
                roots,
                http_insecure,
                docker,
                registries: Mutex::new(HashMap::new()),
                tokens: Mutex::new(HashMap::new()),
                helper_cache: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    /// The certificate-verifying HTTP client, built on first use.
    fn verifying_http(&self) -> Result<&reqwest::Client, Error> {
        if let Some(c) = self.inner.http.get() {
            return Ok(c);
        }
        let built = build_http(&self.inner.cfg, &self.inner.roots, false)?;
        // Another thread may have won the race; either client is the same.
        let _ = self.inner.http.set(built);
        self.inner.http.get().ok_or_else(|| Error::Protocol {
            what: "HTTP client".to_owned(),
            detail: "could not be initialised".to_owned(),
        })
    }

    fn insecure(&self, r: &Reference) -> bool {
        self.inner.cfg.is_insecure(r.registry()) || self.inner.cfg.is_insecure(r.api_host())
    }

    /// Sends one request with retries (429, 5xx, dropped connections) but no auth logic.
    async fn execute(
        &self,
        req: &Req,
        auth: Option<&HeaderValue>,
        what: &str,
    ) -> Result<reqwest::Response, Error> {
        let policy = self.inner.cfg.retry;
        let host = host_port(&req.url);
        let client = if req.insecure {
            &self.inner.http_insecure
        } else {
            self.verifying_http()?
        };
        let max = if req.retry { policy.max_retries } else { 0 };
        let mut attempt = 0u32;
        loop {
            let mut rb = client
                .request(req.method.clone(), req.url.clone())
                .headers(req.headers.clone());
            if let Some(a) = auth {
                let mut a = a.clone();
                a.set_sensitive(true);
                rb = rb.header(header::AUTHORIZATION, a);
            }
            if let Some(body) = &req.body {
                rb = rb.body(body.clone());
            }
            if req.deadline {
                rb = rb.timeout(self.inner.cfg.timeouts.request);
            }
            let (err, wait) = match rb.send().await {
                Ok(resp) => {
                    let s = resp.status();
                    let transient = s == StatusCode::TOO_MANY_REQUESTS
                        || s == StatusCode::INTERNAL_SERVER_ERROR
                        || s == StatusCode::BAD_GATEWAY
                        || s == StatusCode::SERVICE_UNAVAILABLE
                        || s == StatusCode::GATEWAY_TIMEOUT;
                    if !transient {
                        return Ok(resp);
                    }
                    let wait = retry_after(resp.headers());
                    (
                        Error::Unavailable {
                            what: what.to_owned(),
                            status: s.as_u16(),
                        },
                        wait,
                    )
                }
                Err(e) => {
                    let (err, retryable) = classify(e, &host, what);
                    if !retryable {
                        return Err(err);
                    }
                    (err, None)
                }
            };
            if attempt >= max {
                if attempt == 0 {
                    return Err(err);
                }
                return Err(Error::TooManyRetries {
                    what: what.to_owned(),
                    attempts: attempt + 1,
                    source: Box::new(err),
                });
            }
            let delay = wait.map_or_else(|| backoff(&policy, attempt), |w| w.min(policy.max_delay));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The registry's base URL and auth scheme, pinging `/v2/` the first time.
    async fn state(&self, r: &Reference) -> Result<RegistryState, Error> {
        let key = r.api_host().to_owned();
        if let Some(s) = lock(&self.inner.registries).get(&key) {
            return Ok(s.clone());
        }
        let state = self.ping(r).await?;
        lock(&self.inner.registries).insert(key, state.clone());
        Ok(state)
    }

    async fn ping(&self, r: &Reference) -> Result<RegistryState, Error> {
        let host = r.api_host();
        let insecure = self.insecure(r);
        let schemes: &[&str] = if insecure {
            &["https", "http"]
        } else {
            &["https"]
        };
        let mut last = None;
        for scheme in schemes {
            let base = Url::parse(&format!("{scheme}://{host}/")).map_err(|e| Error::Protocol {
                what: format!("registry {host}"),
                detail: format!("invalid registry address: {e}"),
            })?;
            let Ok(url) = base.join("v2/") else { continue };
            let what = format!("ping of {url}");
            let req = Req::new(Method::GET, url.clone(), insecure);
            match self.execute(&req, None, &what).await {
                Ok(resp) => {
                    let status = resp.status();
                    let scheme = if status.is_success() {
                        AuthScheme::None
                    } else if status == StatusCode::UNAUTHORIZED {
                        let values = resp.headers().get_all(header::WWW_AUTHENTICATE);
                        scheme_from_headers(values.iter().filter_map(|v| v.to_str().ok()))
                            .ok_or_else(|| Error::Protocol {
                                what: what.clone(),
                                detail: "401 without a Basic or Bearer challenge".to_owned(),
                            })?
                    } else {
                        return Err(Error::NotARegistry {
                            url: url.to_string(),
                            status: status.as_u16(),
                        });
                    };
                    return Ok(RegistryState { base, scheme });
                }
                // An insecure registry may speak plain http: try that next.
                Err(
                    e @ (Error::Tls { .. }
                    | Error::Connect { .. }
                    | Error::Interrupted { .. }
                    | Error::TooManyRetries { .. }),
                ) if insecure => {
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Protocol {
            what: format!("registry {host}"),
            detail: "no usable scheme".to_owned(),
        }))
    }

    /// Credentials for a registry: explicit ones, then the Docker config
    /// (`auths`, then `credHelpers` / `credsStore`).
    async fn credentials(&self, r: &Reference) -> Result<Option<Stored>, Error> {
        let reg = r.registry();
        if let Some(c) = self.inner.cfg.credentials.get(reg) {
            return Ok(Some(Stored::Basic(c.clone())));
        }
        if let Some(s) = self.inner.docker.lookup_inline(reg) {
            return Ok(Some(s.clone()));
        }
        let Some(helper) = self.inner.docker.helper_for(reg).map(str::to_owned) else {
            return Ok(None);
        };
        if let Some(c) = lock(&self.inner.helper_cache).get(reg) {
            return Ok(c.clone());
        }
        let reg_owned = reg.to_owned();
        let found = tokio::task::spawn_blocking(move || run_helper(&helper, &reg_owned))
            .await
            .map_err(|e| Error::Setup {
                source: Box::new(e),
            })??;
        lock(&self.inner.helper_cache).insert(reg.to_owned(), found.clone());
        Ok(found)
    }

    fn token_key(r: &Reference, realm: &str, service: Option<&str>, scopes: &Scopes) -> String {
        format!(
            "{}\n{realm}\n{}\n{}",
            r.api_host(),
            service.unwrap_or(""),
            scopes.key()
        )
    }

    /// The `Authorization` value for a request under `scheme`.
    async fn authorization(
        &self,
        r: &Reference,
        scheme: &AuthScheme,
        scopes: &Scopes,
    ) -> Result<(Option<HeaderValue>, AuthUsed), Error> {
        match scheme {
            AuthScheme::None => Ok((None, AuthUsed::Nothing)),
            AuthScheme::Basic => match self.credentials(r).await? {
                Some(Stored::Basic(c)) => Ok((Some(basic_header(&c)), AuthUsed::Basic)),
                _ => Ok((None, AuthUsed::Nothing)),
            },
            AuthScheme::Bearer {
                realm,
                service,
                scope,
            } => {
                let scopes = scopes.clone().with(scope.as_deref());
                let key = Self::token_key(r, realm, service.as_deref(), &scopes);
                let cached = lock(&self.inner.tokens).get(&key).cloned();
                if let Some(t) = cached.filter(|t| t.expires > Instant::now()) {
                    return Ok((bearer_header(&t.token), AuthUsed::CachedToken));
                }
                let token = self
                    .fetch_token(r, realm, service.as_deref(), &scopes)
                    .await?;
                let header = bearer_header(&token.token);
                lock(&self.inner.tokens).insert(key, token);
                Ok((header, AuthUsed::FreshToken))
            }
        }
    }

    async fn fetch_token(
        &self,
        r: &Reference,
        realm: &str,
        service: Option<&str>,
        scopes: &Scopes,
    ) -> Result<CachedToken, Error> {
        let what = format!("token for {}", r.name());
        let mut url = Url::parse(realm).map_err(|e| Error::Protocol {
            what: what.clone(),
            detail: format!("token realm {realm:?} is not a URL: {e}"),
        })?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(Error::Protocol {
                what,
                detail: format!("token realm {realm:?} is not http(s)"),
            });
        }
        let realm_host = host_port(&url);
        let registry_insecure = self.insecure(r);
        let realm_insecure = self.inner.cfg.is_insecure(&realm_host)
            || (registry_insecure
                && host_of(&realm_host).eq_ignore_ascii_case(host_of(r.api_host())));
        let creds = self.credentials(r).await?;
        if creds.is_some() && !may_send_credentials(&url, registry_insecure, realm_insecure) {
            let mut shown = url.clone();
            shown.set_query(None);
            return Err(Error::InsecureRealm {
                realm: shown.to_string(),
            });
        }
        let anonymous = creds.is_none();
        let mut req;
        let mut auth = None;
        match &creds {
            Some(Stored::IdentityToken { token, .. }) => {
                // OAuth2 refresh-token grant, as Docker does with identity tokens.
                let mut form = Url::parse("http://form.invalid/").map_err(|e| Error::Setup {
                    source: Box::new(e),
                })?;
                {
                    let mut q = form.query_pairs_mut();
                    q.append_pair("grant_type", "refresh_token");
                    q.append_pair("refresh_token", token);
                    q.append_pair("client_id", "customs");
                    q.append_pair("scope", &scopes.key());
                    if let Some(s) = service {
                        q.append_pair("service", s);
                    }
                }
                req = Req::new(Method::POST, url.clone(), realm_insecure);
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                req.body = Some(Bytes::from(form.query().unwrap_or("").to_owned()));
            }
            other => {
                {
                    let mut q = url.query_pairs_mut();
                    if let Some(s) = service {
                        q.append_pair("service", s);
                    }
                    for sc in &scopes.0 {
                        q.append_pair("scope", sc);
                    }
                }
                if let Some(Stored::Basic(c)) = other {
                    auth = Some(basic_header(c));
                }
                req = Req::new(Method::GET, url.clone(), realm_insecure);
            }
        }
        let resp = self.execute(&req, auth.as_ref(), &what).await?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Error::Unauthorized {
                registry: r.registry().to_owned(),
                what,
                anonymous,
            });
        }
        if !status.is_success() {
            return Err(status_error(resp, r.registry(), &what).await);
        }
        let body = read_capped(resp, MAX_TOKEN_BODY, &what).await?;
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| Error::Protocol {
            what: what.clone(),
            detail: "token service answer is not token JSON".to_owned(),
        })?;
        parsed
            .into_cached(Instant::now())
            .ok_or_else(|| Error::Protocol {
                what,
                detail: "token service answer has no usable token".to_owned(),
            })
    }

    /// Sends a registry request, authenticating as the registry asks.
    async fn send(
        &self,
        r: &Reference,
        scopes: &Scopes,
        req: Req,
        what: &str,
    ) -> Result<reqwest::Response, Error> {
        let state = self.state(r).await?;
        let mut scheme = state.scheme.clone();
        // Never hand registry credentials to another host (an upload Location elsewhere).
        let same_host = same_origin(&state.base, &req.url);
        let mut rounds = 0u32;
        loop {
            let (auth, used) = if same_host {
                self.authorization(r, &scheme, scopes).await?
            } else {
                (None, AuthUsed::Nothing)
            };
            let resp = self.execute(&req, auth.as_ref(), what).await?;
            if resp.status() != StatusCode::UNAUTHORIZED || !same_host {
                if scheme != state.scheme {
                    let mut map = lock(&self.inner.registries);
                    if let Some(s) = map.get_mut(r.api_host()) {
                        s.scheme = scheme;
                    }
                }
                return Ok(resp);
            }
            rounds += 1;
            let values = resp.headers().get_all(header::WWW_AUTHENTICATE);
            let challenged = scheme_from_headers(values.iter().filter_map(|v| v.to_str().ok()));
            drop(resp);
            let anonymous = self.credentials(r).await?.is_none();
            let unauthorized = || Error::Unauthorized {
                registry: r.registry().to_owned(),
                what: what.to_owned(),
                anonymous,
            };
            let Some(next) = challenged else {
                return Err(unauthorized());
            };
            if rounds >= MAX_AUTH_ROUNDS {
                return Err(if anonymous {
                    unauthorized()
                } else {
                    Error::AuthLoop {
                        registry: r.registry().to_owned(),
                        what: what.to_owned(),
                    }
                });
            }
            match (&next, used) {
                (AuthScheme::Basic, AuthUsed::Basic) => return Err(unauthorized()),
                (AuthScheme::Basic, _) if anonymous => return Err(unauthorized()),
                (AuthScheme::Bearer { .. }, AuthUsed::FreshToken) => {
                    return Err(if anonymous {
                        unauthorized()
                    } else {
                        Error::AuthLoop {
                            registry: r.registry().to_owned(),
                            what: what.to_owned(),
                        }
                    });
                }
                (
                    AuthScheme::Bearer {
                        realm,
                        service,
                        scope,
                    },
                    AuthUsed::CachedToken,
                ) => {
                    // The cached token may have been revoked: drop it and fetch anew.
                    let scopes = scopes.clone().with(scope.as_deref());
                    let key = Self::token_key(r, realm, service.as_deref(), &scopes);
                    lock(&self.inner.tokens).remove(&key);
                }
                _ => {}
            }
            scheme = next;
        }
    }

    fn base(&self, state: &RegistryState, path: &str, what: &str) -> Result<Url, Error> {
        state.base.join(path).map_err(|e| Error::Protocol {
            what: what.to_owned(),
            detail: format!("bad URL: {e}"),
        })
    }

    async fn url(&self, r: &Reference, path: &str, what: &str) -> Result<Url, Error> {
        let state = self.state(r).await?;
        self.base(&state, path, what)
    }

    /// Sends a GET or HEAD for a manifest with the `Accept` list (empty:
    /// every manifest kind customs reads), authenticated for pull.
    async fn manifest_request(
        &self,
        method: Method,
        reference: &Reference,
        accept: &[&str],
        what: &str,
    ) -> Result<reqwest::Response, Error> {
        let path = format!(
            "v2/{}/manifests/{}",
            reference.repository(),
            reference.manifest_reference()
        );
        let url = self.url(reference, &path, what).await?;
        let accept = if accept.is_empty() {
            mt::MANIFEST_ACCEPT
        } else {
            accept
        };
        let req = Req::new(method, url, self.insecure(reference))
            .header(header::ACCEPT, &accept.join(", "));
        self.send(reference, &Scopes::pull(reference.repository()), req, what)
            .await
    }

    /// Fetches a manifest or index. `accept` lists the media types wanted
    /// (empty: every manifest kind customs reads). The body is capped at
    /// `max_manifest_bytes`; when `reference` has a digest, the bytes are
    /// verified against it.
    pub async fn get_manifest(
        &self,
        reference: &Reference,
        accept: &[&str],
    ) -> Result<FetchedManifest, Error> {
        let what = format!("manifest {reference}");
        let resp = self
            .manifest_request(Method::GET, reference, accept, &what)
            .await?;
        if resp.status() != StatusCode::OK {
            return Err(status_error(resp, reference.registry(), &what).await);
        }
        let ct = content_type(resp.headers());
        let limit = self.inner.cfg.max_manifest_bytes;
        let bytes = read_capped(resp, limit, &what).await?;
        let media_type = check_manifest(&bytes, &ct, &what)?;
        let digest = match reference.digest() {
            Some(expected) => {
                let actual = digest_of(expected.algorithm(), &bytes);
                if &actual != expected {
                    return Err(Error::DigestMismatch {
                        what,
                        expected: expected.clone(),
                        actual,
                    });
                }
                actual
            }
            None => digest_of(DigestAlgorithm::Sha256, &bytes),
        };
        Ok(FetchedManifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// `HEAD` of a manifest: `None` when it does not exist.
    pub async fn head_manifest(
        &self,
        reference: &Reference,
        accept: &[&str],
    ) -> Result<Option<ManifestHead>, Error> {
        let what = format!("manifest {reference}");
        let resp = self
            .manifest_request(Method::HEAD, reference, accept, &what)
            .await?;
        match resp.status() {
            StatusCode::OK => {
                let h = resp.headers();
                Ok(Some(ManifestHead {
                    digest: header_str(h, header::HeaderName::from_static("docker-content-digest"))
                        .and_then(|d| d.trim().parse().ok()),
                    media_type: Some(content_type(h)).filter(|c| !c.is_empty()),
                    size: header_str(h, header::CONTENT_LENGTH).and_then(|n| n.trim().parse().ok()),
                }))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(status_error(resp, reference.registry(), &what).await),
        }
    }

    fn blob_what(repo: &Reference, digest: &Digest) -> String {
        format!("blob {digest} of {}", repo.name())
    }

    /// Opens a blob download: the response with status 200, redirects followed.
    pub(crate) async fn open_blob(
        &self,
        repo: &Reference,
        digest: &Digest,
        size: Option<u64>,
    ) -> Result<reqwest::Response, Error> {
        let what = Self::blob_what(repo, digest);
        let url = self
            .url(
                repo,
                &format!("v2/{}/blobs/{digest}", repo.repository()),
                &what,
            )
            .await?;
        let mut req = Req::new(Method::GET, url, self.insecure(repo));
        req.deadline = false;
        let resp = self
            .send(repo, &Scopes::pull(repo.repository()), req, &what)
            .await?;
        if resp.status() != StatusCode::OK {
            return Err(status_error(resp, repo.registry(), &what).await);
        }
        if let (Some(expected), Some(actual)) = (size, resp.content_length()) {
            if expected != actual {
                return Err(Error::SizeMismatch {
                    what,
                    expected,
                    actual,
                });
            }
        }
        Ok(resp)
    }

    /// Starts downloading a blob. The stream hashes what passes and its last
    /// chunk call fails with [`Error::DigestMismatch`] (or
    /// [`Error::SizeMismatch`], as soon as too many bytes come) when the
    /// content is not what `digest` and `size` say.
    pub async fn get_blob(
        &self,
        repo: &Reference,
        digest: &Digest,
        size: Option<u64>,
    ) -> Result<BlobStream, Error> {
        let resp = self.open_blob(repo, digest, size).await?;
        let what = Self::blob_what(repo, digest);
        Ok(BlobStream {
            resp,
            verifier: Verifier::new(what.clone(), digest.clone(), size),
            what,
            done: false,
        })
    }

    /// [`Client::get_blob`] for a descriptor (digest and size from it).
    pub async fn get_blob_for(
        &self,
        repo: &Reference,
        desc: &Descriptor,
    ) -> Result<BlobStream, Error> {
        self.get_blob(repo, &desc.digest, Some(desc.size)).await
    }

    /// Downloads a whole blob into memory, verified; more than `max` bytes is [`Error::TooLarge`].
    pub async fn get_blob_bytes(
        &self,
        repo: &Reference,
        digest: &Digest,
        max: u64,
    ) -> Result<Vec<u8>, Error> {
        let what = Self::blob_what(repo, digest);
        let mut stream = self.get_blob(repo, digest, None).await?;
        if stream.resp.content_length().is_some_and(|n| n > max) {
            return Err(Error::TooLarge { what, limit: max });
        }
        let mut out = Vec::new();
        while let Some(chunk) = stream.chunk().await? {
            if (out.len() + chunk.len()) as u64 > max {
                return Err(Error::TooLarge { what, limit: max });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Streams a blob into `writer`; returns the byte count only after the
    /// digest (and size, when given) checked out. On a mismatch the writer has
    /// received unverified bytes: discard them.
    pub async fn fetch_blob_to<W: AsyncWrite + Unpin>(
        &self,
        repo: &Reference,
        digest: &Digest,
        size: Option<u64>,
        writer: &mut W,
    ) -> Result<u64, Error> {
        let what = Self::blob_what(repo, digest);
        let mut stream = self.get_blob(repo, digest, size).await?;
        let mut n = 0u64;
        while let Some(chunk) = stream.chunk().await? {
            writer
                .write_all(&chunk)
                .await
                .map_err(|source| Error::Write {
                    what: what.clone(),
                    source,
                })?;
            n += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|source| Error::Write { what, source })?;
        Ok(n)
    }

    /// Whether the repository has the blob (`HEAD`).
    pub async fn blob_exists(&self, repo: &Reference, digest: &Digest) -> Result<bool, Error> {
        self.blob_exists_scoped(repo, digest, &Scopes::pull(repo.repository()))
            .await
    }

    async fn blob_exists_scoped(
        &self,
        repo: &Reference,
        digest: &Digest,
        scopes: &Scopes,
    ) -> Result<bool, Error> {
        let what = Self::blob_what(repo, digest);
        let url = self
            .url(
                repo,
                &format!("v2/{}/blobs/{digest}", repo.repository()),
                &what,
            )
            .await?;
        let req = Req::new(Method::HEAD, url, self.insecure(repo));
        let resp = self.send(repo, scopes, req, &what).await?;
        match resp.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(status_error(resp, repo.registry(), &what).await),
        }
    }

    fn location(resp: &reqwest::Response, what: &str) -> Result<Url, Error> {
        let loc = header_str(resp.headers(), header::LOCATION).ok_or_else(|| Error::Protocol {
            what: what.to_owned(),
            detail: "upload response has no Location header".to_owned(),
        })?;
        resp.url().join(loc).map_err(|e| Error::Protocol {
            what: what.to_owned(),
            detail: format!("upload Location is not a URL: {e}"),
        })
    }

    /// Opens an upload session (`POST /v2/<name>/blobs/uploads/`).
    pub(crate) async fn start_upload(
        &self,
        repo: &Reference,
        digest: &Digest,
    ) -> Result<Upload, Error> {
        let what = format!("upload of {}", Self::blob_what(repo, digest));
        let url = self
            .url(
                repo,
                &format!("v2/{}/blobs/uploads/", repo.repository()),
                &what,
            )
            .await?;
        let req =
            Req::new(Method::POST, url, self.insecure(repo)).header(header::CONTENT_LENGTH, "0");
        let resp = self
            .send(repo, &Scopes::push(repo.repository()), req, &what)
            .await?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(status_error(resp, repo.registry(), &what).await);
        }
        let location = Self::location(&resp, &what)?;
        Ok(Upload {
            location,
            offset: 0,
            what,
        })
    }

    /// Sends one chunk (`PATCH` with `Content-Range`).
    pub(crate) async fn upload_chunk(
        &self,
        repo: &Reference,
        up: &mut Upload,
        data: Bytes,
    ) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        let end = up.offset + data.len() as u64 - 1;
        let mut req = Req::new(Method::PATCH, up.location.clone(), self.insecure(repo))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_RANGE, &format!("{}-{end}", up.offset));
        req.retry = false;
        req.body = Some(data);
        let resp = self
            .send(repo, &Scopes::push(repo.repository()), req, &up.what)
            .await?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(status_error(resp, repo.registry(), &up.what).await);
        }
        up.location = Self::location(&resp, &up.what)?;
        up.offset = end + 1;
        Ok(())
    }

    /// Completes an upload (`PUT ?digest=`), with a last chunk if any.
    pub(crate) async fn finish_upload(
        &self,
        repo: &Reference,
        up: Upload,
        digest: &Digest,
        last: Option<Bytes>,
    ) -> Result<(), Error> {
        let mut url = up.location.clone();
        url.query_pairs_mut()
            .append_pair("digest", &digest.to_string());
        let mut req = Req::new(Method::PUT, url, self.insecure(repo))
            .header(header::CONTENT_TYPE, "application/octet-stream");
        let body = last.unwrap_or_default();
        req = req.header(header::CONTENT_LENGTH, &body.len().to_string());
        req.body = Some(body);
        let resp = self
            .send(repo, &Scopes::push(repo.repository()), req, &up.what)
            .await?;
        if resp.status() != StatusCode::CREATED {
            return Err(status_error(resp, repo.registry(), &up.what).await);
        }
        Ok(())
    }

    /// Abandons an upload session; failures are ignored (the registry expires it anyway).
    pub(crate) async fn cancel_upload(&self, repo: &Reference, up: Upload) {
        let req = Req::new(Method::DELETE, up.location, self.insecure(repo));
        let _ = self
            .send(repo, &Scopes::push(repo.repository()), req, &up.what)
            .await;
    }

    /// Pushes a blob held in memory (monolithic upload: `POST` then one `PUT`).
    /// The digest is checked before anything is sent; a blob the repository
    /// already has is not sent again.
    pub async fn push_blob(
        &self,
        repo: &Reference,
        data: Bytes,
        digest: &Digest,
    ) -> Result<(), Error> {
        let actual = digest_of(digest.algorithm(), &data);
        if &actual != digest {
            return Err(Error::DigestMismatch {
                what: format!("blob to push to {}", repo.name()),
                expected: digest.clone(),
                actual,
            });
        }
        if self
            .blob_exists_scoped(repo, digest, &Scopes::push(repo.repository()))
            .await?
        {
            return Ok(());
        }
        let up = self.start_upload(repo, digest).await?;
        self.finish_upload(repo, up, digest, Some(data)).await
    }

    /// Pushes a blob from a reader in chunks of `upload_chunk_bytes`
    /// (chunked upload: `POST`, `PATCH`..., `PUT`). The content is hashed on
    /// the way; on a mismatch the upload is cancelled and nothing is committed.
    pub async fn push_blob_from<R: AsyncRead + Unpin>(
        &self,
        repo: &Reference,
        mut reader: R,
        digest: &Digest,
    ) -> Result<(), Error> {
        if self
            .blob_exists_scoped(repo, digest, &Scopes::push(repo.repository()))
            .await?
        {
            return Ok(());
        }
        let chunk_size = self.inner.cfg.upload_chunk_bytes.max(1);
        let mut up = self.start_upload(repo, digest).await?;
        let mut hasher = Hasher::new(digest.algorithm());
        loop {
            let mut buf = Vec::with_capacity(chunk_size);
            let read = (&mut reader)
                .take(chunk_size as u64)
                .read_to_end(&mut buf)
                .await;
            let n = match read {
                Ok(n) => n,
                Err(source) => {
                    let what = up.what.clone();
                    self.cancel_upload(repo, up).await;
                    return Err(Error::Read { what, source });
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf);
            if let Err(e) = self.upload_chunk(repo, &mut up, Bytes::from(buf)).await {
                self.cancel_upload(repo, up).await;
                return Err(e);
            }
        }
        let actual = hasher.finish();
        if &actual != digest {
            let what = up.what.clone();
            self.cancel_upload(repo, up).await;
            return Err(Error::DigestMismatch {
                what,
                expected: digest.clone(),
                actual,
            });
        }
        self.finish_upload(repo, up, digest, None).await
    }

    /// Asks the registry to mount a blob from another repository of the same
    /// registry. `Ok(true)` when mounted; `Ok(false)` when the registry
    /// declined (push the blob instead) or the repositories are on different registries.
    pub async fn mount_blob(
        &self,
        from: &Reference,
        to: &Reference,
        digest: &Digest,
    ) -> Result<bool, Error> {
        if from.registry() != to.registry() {
            return Ok(false);
        }
        let what = format!("mount of {digest} from {} into {}", from.name(), to.name());
        let mut url = self
            .url(to, &format!("v2/{}/blobs/uploads/", to.repository()), &what)
            .await?;
        url.query_pairs_mut()
            .append_pair("mount", &digest.to_string())
            .append_pair("from", from.repository());
        let req =
            Req::new(Method::POST, url, self.insecure(to)).header(header::CONTENT_LENGTH, "0");
        let resp = self
            .send(
                to,
                &Scopes::mount(to.repository(), from.repository()),
                req,
                &what,
            )
            .await?;
        match resp.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::ACCEPTED => {
                // The registry opened an ordinary upload instead: close it.
                if let Ok(location) = Self::location(&resp, &what) {
                    self.cancel_upload(
                        to,
                        Upload {
                            location,
                            offset: 0,
                            what,
                        },
                    )
                    .await;
                }
                Ok(false)
            }
            _ => Err(status_error(resp, to.registry(), &what).await),
        }
    }

    /// Pushes a manifest under the reference's tag (or, without a tag, its
    /// digest) and returns the digest of the bytes. When the reference has a
    /// digest, the bytes must match it.
    pub async fn push_manifest(
        &self,
        reference: &Reference,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, Error> {
        let what = format!("manifest {reference}");
        let limit = self.inner.cfg.max_manifest_bytes;
        if bytes.len() as u64 > limit {
            return Err(Error::TooLarge { what, limit });
        }
        let algorithm = reference
            .digest()
            .map_or(DigestAlgorithm::Sha256, Digest::algorithm);
        let digest = digest_of(algorithm, bytes);
        if let Some(expected) = reference.digest() {
            if expected != &digest {
                return Err(Error::DigestMismatch {
                    what,
                    expected: expected.clone(),
                    actual: digest,
                });
            }
        }
        let target = reference
            .tag()
            .map_or_else(|| digest.to_string(), str::to_owned);
        let url = self
            .url(
                reference,
                &format!("v2/{}/manifests/{target}", reference.repository()),
                &what,
            )
            .await?;
        let mut req = Req::new(Method::PUT, url, self.insecure(reference))
            .header(header::CONTENT_TYPE, media_type);
        req.body = Some(Bytes::copy_from_slice(bytes));
        let resp = self
            .send(reference, &Scopes::push(reference.repository()), req, &what)
            .await?;
        if !matches!(
            resp.status(),
            StatusCode::CREATED | StatusCode::OK | StatusCode::ACCEPTED
        ) {
            return Err(status_error(resp, reference.registry(), &what).await);
        }
        Ok(digest)
    }

    /// The OCI 1.1 referrers of `subject` in the reference's repository,
    /// optionally only those of one artifact type (filtered here when the
    /// registry did not). `Ok(None)` when the registry has no referrers API
    /// (404): fall back to the `sha256-<hex>` tag scheme.
    pub async fn referrers(
        &self,
        repo: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Index>, Error> {
        let what = format!("referrers of {subject} in {}", repo.name());
        let mut url = self
            .url(
                repo,
                &format!("v2/{}/referrers/{subject}", repo.repository()),
                &what,
            )
            .await?;
        if let Some(t) = artifact_type {
            url.query_pairs_mut().append_pair("artifactType", t);
        }
        let first = url.clone();
        let mut index: Option<Index> = None;
        let mut pages = 0u32;
        let mut next = Some(url);
        while let Some(url) = next.take() {
            pages += 1;
            if pages > self.inner.cfg.max_pages {
                return Err(Error::TooLarge {
                    what,
                    limit: u64::from(self.inner.cfg.max_pages),
                });
            }
            let req = Req::new(Method::GET, url.clone(), self.insecure(repo))
                .header(header::ACCEPT, mt::OCI_INDEX);
            let resp = self
                .send(repo, &Scopes::pull(repo.repository()), req, &what)
                .await?;
            match resp.status() {
                StatusCode::OK => {}
                StatusCode::NOT_FOUND if pages == 1 => return Ok(None),
                _ => return Err(status_error(resp, repo.registry(), &what).await),
            }
            let filtered = resp
                .headers()
                .get_all("oci-filters-applied")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            let link = next_link(resp.headers());
            let ct = content_type(resp.headers());
            let body = read_capped(resp, self.inner.cfg.max_manifest_bytes, &what).await?;
            if looks_like_html(&ct, &body) {
                return Err(Error::NotAManifest {
                    what,
                    content_type: ct,
                    html: true,
                });
            }
            let mut page: Index = serde_json::from_slice(&body).map_err(|_| Error::Protocol {
                what: what.clone(),
                detail: "referrers answer is not an OCI image index".to_owned(),
            })?;
            if let (Some(t), false) = (artifact_type, filtered) {
                page.manifests
                    .retain(|d| d.artifact_type.as_deref() == Some(t));
            }
            match index.as_mut() {
                None => index = Some(page),
                Some(acc) => acc.manifests.extend(page.manifests),
            }
            next = self.follow_link(&first, link, &what)?;
        }
        Ok(index)
    }

    fn follow_link(
        &self,
        first: &Url,
        link: Option<String>,
        what: &str,
    ) -> Result<Option<Url>, Error> {
        let Some(link) = link else { return Ok(None) };
        let next = first.join(&link).map_err(|e| Error::Protocol {
            what: what.to_owned(),
            detail: format!("Link header is not a URL: {e}"),
        })?;
        // A Link to another host would carry our token elsewhere: refuse it.
        if !same_origin(first, &next) {
            return Err(Error::Protocol {
                what: what.to_owned(),
                detail: "Link header points to another host".to_owned(),
            });
        }
        Ok(Some(next))
    }

    /// Every tag of the repository, following `Link` pagination.
    pub async fn list_tags(&self, repo: &Reference) -> Result<Vec<String>, Error> {
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let what = format!("tags of {}", repo.name());
        let first = self
            .url(repo, &format!("v2/{}/tags/list", repo.repository()), &what)
            .await?;
        let mut tags = Vec::new();
        let mut pages = 0u32;
        let mut next = Some(first.clone());
        while let Some(url) = next.take() {
            pages += 1;
            if pages > self.inner.cfg.max_pages {
                return Err(Error::TooLarge {
                    what,
                    limit: u64::from(self.inner.cfg.max_pages),
                });
            }
            let req = Req::new(Method::GET, url, self.insecure(repo))
                .header(header::ACCEPT, "application/json");
            let resp = self
                .send(repo, &Scopes::pull(repo.repository()), req, &what)
                .await?;
            if resp.status() != StatusCode::OK {
                return Err(status_error(resp, repo.registry(), &what).await);
            }
            let link = next_link(resp.headers());
            let ct = content_type(resp.headers());
            let body = read_capped(resp, self.inner.cfg.max_tag_page_bytes, &what).await?;
            if looks_like_html(&ct, &body) {
                return Err(Error::NotAManifest {
                    what,
                    content_type: ct,
                    html: true,
                });
            }
            let page: Page = serde_json::from_slice(&body).map_err(|_| Error::Protocol {
                what: what.clone(),
                detail: "tag list is not the expected JSON".to_owned(),
            })?;
            tags.extend(page.tags.unwrap_or_default());
            next = self.follow_link(&first, link, &what)?;
        }
        Ok(tags)
    }
}

fn basic_header(c: &Credentials) -> HeaderValue {
    let raw = format!("{}:{}", c.username, c.password);
    let enc = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut v = HeaderValue::from_str(&format!("Basic {enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

fn bearer_header(token: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// An open upload session.
pub(crate) struct Upload {
    location: Url,
    offset: u64,
    what: String,
}

/// A blob download in progress, verified as it streams.
pub struct BlobStream {
    resp: reqwest::Response,
    verifier: Verifier,
    what: String,
    done: bool,
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl BlobStream {
    /// The next chunk; `Ok(None)` at the end, which is reached only when the
    /// whole content matched its digest (and size).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.done {
            return Ok(None);
        }
        match self.resp.chunk().await {
            Ok(Some(b)) => {
                self.verifier.update(&b)?;
                Ok(Some(b))
            }
            Ok(None) => {
                self.verifier.finish()?;
                self.done = true;
                Ok(None)
            }
            Err(e) => Err(classify_body(e, &self.what)),
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.verifier.seen()
    }

    /// The raw response, for the blocking reader (which verifies on its side).
    pub(crate) fn into_response(self) -> reqwest::Response {
        self.resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            HeaderValue::from_static(r#"</v2/a/tags/list?n=2&last=b>; rel="next""#),
        );
        assert_eq!(next_link(&h).as_deref(), Some("/v2/a/tags/list?n=2&last=b"));
        h.insert(
            header::LINK,
            HeaderValue::from_static(r#"<x>; rel="prev", <y>; rel=next"#),
        );
        assert_eq!(next_link(&h).as_deref(), Some("y"));
        h.insert(header::LINK, HeaderValue::from_static("garbage"));
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn manifest_checks() {
        let m = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":2},"layers":[]}"#;
        assert_eq!(
            check_manifest(m, mt::DOCKER_MANIFEST, "m").unwrap(),
            mt::DOCKER_MANIFEST
        );
        assert_eq!(
            check_manifest(m, "application/json", "m").unwrap(),
            mt::OCI_MANIFEST
        );
        assert!(matches!(
            check_manifest(b"  <html>", "", "m"),
            Err(Error::NotAManifest { html: true, .. })
        ));
        assert!(matches!(
            check_manifest(b"{}", "text/html; charset=utf-8", "m"),
            Err(Error::NotAManifest { html: true, .. })
        ));
        assert!(matches!(
            check_manifest(b"{\"errors\":[]}", "application/json", "m"),
            Err(Error::NotAManifest { html: false, .. })
        ));
        let s1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            check_manifest(s1, mt::DOCKER_SCHEMA1_SIGNED, "m"),
            Err(Error::Schema1 { .. })
        ));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = crate::RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert!(backoff(&p, 0) <= Duration::from_millis(125));
        assert!(backoff(&p, 2) >= Duration::from_millis(300));
        assert_eq!(backoff(&p, 10), Duration::from_millis(500));
    }

    #[test]
    fn credentials_only_to_trusted_realms() {
        let https = Url::parse("https://auth.example/token").unwrap();
        let http_remote = Url::parse("http://auth.example/token").unwrap();
        let http_loop = Url::parse("http://127.0.0.1:5001/token").unwrap();
        let http_loop6 = Url::parse("http://[::1]:5001/token").unwrap();
        assert!(may_send_credentials(&https, false, false));
        assert!(!may_send_credentials(&http_remote, false, false));
        assert!(may_send_credentials(&http_remote, true, false));
        assert!(may_send_credentials(&http_remote, false, true));
        assert!(may_send_credentials(&http_loop, false, false));
        assert!(may_send_credentials(&http_loop6, false, false));
    }

    #[test]
    fn hosts() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("10.0.0.1"));
        let u = Url::parse("http://[::1]:5000/x").unwrap();
        assert_eq!(host_port(&u), "[::1]:5000");
    }
}
