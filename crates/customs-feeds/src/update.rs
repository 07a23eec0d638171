//! `customs db update`: download the feeds, import them, swap the database.
//!
//! Downloads are staged in `<db file name>.feeds/` next to the database:
//!
//! ```text
//! vuln.db.feeds/
//!   state.json            ETag / Last-Modified / size per feed
//!   cache/<feed path>     the last download of every feed that went into the database
//!   incoming/<feed path>  this run's fresh downloads, until the import succeeded
//! ```
//!
//! A feed whose cached copy is intact is requested with `If-None-Match` /
//! `If-Modified-Since`; on `304 Not Modified` the cached copy is imported
//! again. Fresh downloads stay in `incoming/` until the new database is
//! written: if anything fails (a download, a truncated feed, the import), the
//! incoming files are dropped and the cache, its validators and the database
//! stay as they were, so the next run starts from a consistent state.
//! The database itself is written to a temporary file in its folder and
//! renamed over the old one, so readers see the old or the new file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use customs_vuln::import::{ImportReport, Limits as ImportLimits};
use customs_vuln::{Database, DbStatus};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::feeds::{Feed, FeedSet};
use crate::Error;

/// Bounds on what an update downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest single feed download. Default 2 GiB (the Debian tracker
    /// export and osv.dev's biggest `all.zip` are a few hundred MiB).
    pub max_feed_bytes: u64,
    /// Largest sum of fresh downloads in one update. Default 8 GiB.
    pub max_total_bytes: u64,
    /// Most redirects followed per request. Default 5.
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_feed_bytes: 2 << 30,
            max_total_bytes: 8 << 30,
            max_redirects: 5,
        }
    }
}

/// An event reported while an update runs (for a progress bar).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A request for a feed is about to be sent.
    FeedStarted {
        /// The feed.
        feed: &'a Feed,
        /// Its position, from 0.
        index: usize,
        /// Number of feeds.
        count: usize,
    },
    /// Bytes of a fresh download arrived.
    Bytes {
        /// The feed.
        feed: &'a Feed,
        /// Bytes received so far.
        received: u64,
        /// `Content-Length`, when the server sent one.
        total: Option<u64>,
    },
    /// A feed is done (downloaded or not modified).
    FeedDone {
        /// The feed.
        feed: &'a Feed,
        /// What happened.
        outcome: &'a FeedOutcome,
    },
    /// Every feed is at hand; the import starts.
    Importing {
        /// Number of feeds imported.
        feeds: usize,
    },
    /// The new database is in place.
    Swapped {
        /// Its status.
        status: &'a DbStatus,
    },
}

/// A progress callback. Called on the updating thread; keep it cheap
/// (`Bytes` comes for every chunk received).
pub type ProgressFn = dyn Fn(&Progress<'_>) + Send + Sync;

/// Options of [`update`].
#[derive(Clone)]
pub struct UpdateOptions {
    /// Called with [`Progress`] events.
    pub progress: Option<Arc<ProgressFn>>,
    /// Never touch the network: [`update`] fails with [`Error::Offline`].
    pub offline: bool,
    /// Download bounds.
    pub limits: Limits,
    /// Bounds on the advisory data itself, passed to the importer.
    pub import_limits: ImportLimits,
    /// TCP connect plus TLS handshake. Default 15 s.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response. Default 60 s.
    pub read_timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        Self {
            progress: None,
            offline: false,
            limits: Limits::default(),
            import_limits: ImportLimits::default(),
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
            user_agent: concat!("customs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl std::fmt::Debug for UpdateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateOptions")
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .field("offline", &self.offline)
            .field("limits", &self.limits)
            .field("import_limits", &self.import_limits)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// How a feed was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fetch {
    /// Downloaded in full (200).
    Downloaded,
    /// The server said the cached copy is current (304).
    NotModified,
}

/// What happened to one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedOutcome {
    /// Feed name.
    pub name: String,
    /// URL fetched.
    pub url: String,
    /// How.
    pub fetch: Fetch,
    /// Size of the copy imported.
    pub bytes: u64,
}

/// What [`update`] did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateSummary {
    /// One entry per feed, in [`FeedSet::feeds`] order.
    pub feeds: Vec<FeedOutcome>,
    /// Bytes downloaded in this run (304s count 0).
    pub downloaded_bytes: u64,
    /// The importer's report (malformed records with their IDs, counts).
    /// When nothing was rebuilt, only its `sources` and `status` are set.
    pub import: ImportReport,
    /// Whether a new database was built. `false` when every feed was not
    /// modified and the database in place was built from exactly these feeds.
    pub rebuilt: bool,
    /// Status of the database now in place.
    pub status: DbStatus,
}

/// Conditional-request state of one feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FeedState {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// Size of the cached copy; a cache file of another size is not trusted.
    bytes: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    feeds: BTreeMap<String, FeedState>,
}

const STATE_VERSION: u32 = 1;
/// Largest state file read (it holds a few lines per feed).
const MAX_STATE_BYTES: u64 = 1 << 20;

/// The staging folder of a database: `<db file name>.feeds` beside it.
pub fn staging_dir(db_path: &Path) -> PathBuf {
    let name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vuln.db".to_owned());
    parent_dir(db_path).join(format!("{name}.feeds"))
}

pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// Downloads every feed of `feeds`, imports them into a new database and
/// swaps it in at `db_path` atomically. On any error the database at
/// `db_path` is left as it was.
pub fn update(
    db_path: &Path,
    feeds: &FeedSet,
    opts: &UpdateOptions,
) -> Result<UpdateSummary, Error> {
    if opts.offline {
        return Err(Error::Offline);
    }
    let feeds = feeds.feeds()?;
    let staging = staging_dir(db_path);
    let cache = staging.join("cache");
    let incoming = staging.join("incoming");
    let state_path = staging.join("state.json");
    // Leftovers of a run that crashed are never trusted.
    remove_dir_if_exists(&incoming)?;
    std::fs::create_dir_all(&cache).map_err(io_err(&cache))?;
    let mut state = load_state(&state_path);

    let result = fetch_and_import(db_path, &feeds, opts, &cache, &incoming, &mut state);
    let (summary, fresh) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&incoming);
            return Err(e);
        }
    };
    // The new database is in place: promote the fresh downloads to the cache
    // and remember their validators.
    for name in &fresh {
        let Some(feed) = feeds.iter().find(|f| &f.name == name) else {
            continue;
        };
        let rel = feed.staged_path();
        let (from, to) = (incoming.join(&rel), cache.join(&rel));
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        if let Err(e) = std::fs::rename(&from, &to) {
            // The cached copy no longer matches its validators: forget them.
            state.feeds.remove(name);
            let _ = save_state(&state_path, &state);
            return Err(io_err(&to)(e));
        }
    }
    // Feeds no longer configured keep no validators.
    state
        .feeds
        .retain(|name, _| feeds.iter().any(|f| &f.name == name));
    save_state(&state_path, &state)?;
    let _ = std::fs::remove_dir_all(&incoming);
    Ok(summary)
}

fn fetch_and_import(
    db_path: &Path,
    feeds: &[Feed],
    opts: &UpdateOptions,
    cache: &Path,
    incoming: &Path,
    state: &mut State,
) -> Result<(UpdateSummary, Vec<String>), Error> {
    let progress = |p: Progress<'_>| {
        if let Some(cb) = &opts.progress {
            cb(&p);
        }
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Setup(
            "customs_feeds::update was called from inside an async runtime".into(),
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(Box::new(e)))?;
    let client = {
        let _guard = rt.enter();
        http_client(opts)?
    };

    let mut outcomes = Vec::with_capacity(feeds.len());
    let mut paths = Vec::with_capacity(feeds.len());
    let mut fresh = Vec::new();
    let mut budget = opts.limits.max_total_bytes;
    let mut downloaded = 0u64;
    for (index, feed) in feeds.iter().enumerate() {
        progress(Progress::FeedStarted {
            feed,
            index,
            count: feeds.len(),
        });
        let rel = feed.staged_path();
        let cached = cache.join(&rel);
        let target = incoming.join(&rel);
        let prior = state.feeds.get(&feed.name).filter(|s| {
            s.url == feed.url
                && std::fs::metadata(&cached).is_ok_and(|m| m.is_file() && m.len() == s.bytes)
        });
        let got = rt.block_on(fetch(
            &client,
            feed,
            prior,
            &target,
            opts.limits.max_feed_bytes.min(budget),
            budget < opts.limits.max_feed_bytes,
            &progress,
        ))?;
        let outcome = match got {
            Fetched::NotModified => {
                let bytes = prior.map_or(0, |s| s.bytes);
                paths.push(cached);
                FeedOutcome {
                    name: feed.name.clone(),
                    url: feed.url.clone(),
                    fetch: Fetch::NotModified,
                    bytes,
                }
            }
            Fetched::Downloaded(new_state) => {
                budget = budget.saturating_sub(new_state.bytes);
                downloaded += new_state.bytes;
                let bytes = new_state.bytes;
                state.feeds.insert(feed.name.clone(), new_state);
                fresh.push(feed.name.clone());
                paths.push(target);
                FeedOutcome {
                    name: feed.name.clone(),
                    url: feed.url.clone(),
                    fetch: Fetch::Downloaded,
                    bytes,
                }
            }
        };
        progress(Progress::FeedDone {
            feed,
            outcome: &outcome,
        });
        outcomes.push(outcome);
    }
    drop(client);
    drop(rt);

    if fresh.is_empty() {
        if let Some(status) = current_if_same_feeds(db_path, feeds) {
            let import = ImportReport {
                sources: status.sources.clone(),
                advisories: status.advisories,
                status: Some(status.clone()),
                ..ImportReport::default()
            };
            return Ok((
                UpdateSummary {
                    feeds: outcomes,
                    downloaded_bytes: 0,
                    import,
                    rebuilt: false,
                    status,
                },
                fresh,
            ));
        }
    }

    progress(Progress::Importing { feeds: paths.len() });
    let (mut builder, mut report) =
        customs_vuln::import::build(&paths, &opts.import_limits).map_err(Error::Import)?;
    check_every_feed_used(feeds, &paths, &report)?;
    // `db status` shows where the data came from: the URLs, not the
    // staging paths (which change between runs).
    let by_path: BTreeMap<String, &str> = paths
        .iter()
        .zip(feeds)
        .map(|(p, f)| (p.display().to_string(), f.url.as_str()))
        .collect();
    let sources: Vec<(String, String)> = builder
        .sources()
        .map(|s| (s.name.clone(), s.kind.clone()))
        .collect();
    for (name, kind) in sources {
        let st = builder.source_mut(&name, &kind);
        for input in &mut st.inputs {
            if let Some(url) = by_path.get(input.as_str()) {
                (*url).clone_into(input);
            }
        }
    }
    report.sources = builder.sources().cloned().collect();
    let status = Database::write(&builder, db_path).map_err(Error::Database)?;
    report.status = Some(status.clone());
    progress(Progress::Swapped { status: &status });
    Ok((
        UpdateSummary {
            feeds: outcomes,
            downloaded_bytes: downloaded,
            import: report,
            rebuilt: true,
            status,
        },
        fresh,
    ))
}

/// The status of the database in place when it opens cleanly and was built
/// from exactly these feed URLs (its sources name them as inputs): then
/// nothing changed and there is nothing to rebuild.
fn current_if_same_feeds(db_path: &Path, feeds: &[Feed]) -> Option<DbStatus> {
    let status = Database::open(db_path).ok()?.status();
    let inputs: std::collections::BTreeSet<&str> = status
        .sources
        .iter()
        .flat_map(|s| s.inputs.iter().map(String::as_str))
        .collect();
    let urls: std::collections::BTreeSet<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
    (inputs == urls).then_some(status)
}

/// A feed that contributed nothing (not the format, truncated, every record
/// malformed) fails the update rather than silently dropping a source.
fn check_every_feed_used(
    feeds: &[Feed],
    paths: &[PathBuf],
    report: &ImportReport,
) -> Result<(), Error> {
    for (feed, path) in feeds.iter().zip(paths) {
        let p = path.display().to_string();
        let used = report.sources.iter().any(|s| s.inputs.contains(&p));
        if !used {
            let reason = report
                .malformed
                .iter()
                .find(|m| m.location.starts_with(&p))
                .map_or_else(|| "no records found".to_owned(), |m| m.reason.clone());
            return Err(Error::FeedUnusable {
                feed: feed.name.clone(),
                url: feed.url.clone(),
                reason,
            });
        }
    }
    Ok(())
}

fn http_client(opts: &UpdateOptions) -> Result<reqwest::Client, Error> {
    let max = opts.limits.max_redirects;
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max {
            return attempt.error(format!("more than {max} redirects"));
        }
        let downgrade = attempt
            .previous()
            .last()
            .is_some_and(|p| p.scheme() == "https")
            && attempt.url().scheme() != "https";
        if downgrade {
            return attempt.error("redirect from https to plain http");
        }
        attempt.follow()
    });
    reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(opts.user_agent.clone())
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .redirect(redirect)
        .build()
        .map_err(|e| Error::Setup(Box::new(e)))
}

enum Fetched {
    NotModified,
    Downloaded(FeedState),
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .map(str::to_owned)
}

async fn fetch(
    client: &reqwest::Client,
    feed: &Feed,
    prior: Option<&FeedState>,
    target: &Path,
    limit: u64,
    limited_by_total: bool,
    progress: &impl Fn(Progress<'_>),
) -> Result<Fetched, Error> {
    let dl_err = |source| Error::Download {
        feed: feed.name.clone(),
        url: feed.url.clone(),
        source,
    };
    let too_large = || Error::TooLarge {
        what: format!("feed {}", feed.name),
        limit,
        field: if limited_by_total {
            "max_total_bytes"
        } else {
            "max_feed_bytes"
        },
    };
    let mut req = client.get(&feed.url);
    if let Some(p) = prior {
        if let Some(v) = p
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = p
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(header::IF_MODIFIED_SINCE, v);
        }
    }
    let mut resp = req.send().await.map_err(dl_err)?;
    let status = resp.status();
    if status == StatusCode::NOT_MODIFIED && prior.is_some() {
        return Ok(Fetched::NotModified);
    }
    if status != StatusCode::OK {
        return Err(Error::Status {
            feed: feed.name.clone(),
            url: feed.url.clone(),
            status: status.as_u16(),
        });
    }
    let total = resp.content_length();
    if total.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let etag = header_str(resp.headers(), header::ETAG);
    let last_modified = header_str(resp.headers(), header::LAST_MODIFIED);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let file = std::fs::File::create(target).map_err(io_err(target))?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
    let mut received = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(dl_err)? {
        received += chunk.len() as u64;
        if received > limit {
            return Err(too_large());
        }
        out.write_all(&chunk).map_err(io_err(target))?;
        progress(Progress::Bytes {
            feed,
            received,
            total,
        });
    }
    let file = out
        .into_inner()
        .map_err(|e| io_err(target)(e.into_error()))?;
    file.sync_all().map_err(io_err(target))?;
    Ok(Fetched::Downloaded(FeedState {
        url: feed.url.clone(),
        etag,
        last_modified,
        bytes: received,
    }))
}

/// A missing, unreadable or foreign state file means "no validators": every
/// feed is downloaded in full, which is always correct.
fn load_state(path: &Path) -> State {
    let ok = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_STATE_BYTES);
    let state = ok
        .then(|| std::fs::read(path).ok())
        .flatten()
        .and_then(|b| serde_json::from_slice::<State>(&b).ok());
    match state {
        Some(s) if s.version == STATE_VERSION => s,
        _ => State {
            version: STATE_VERSION,
            feeds: BTreeMap::new(),
        },
    }
}

fn save_state(path: &Path, state: &State) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| io_err(path)(e.into()))?;
    customs_vuln::db::write_atomically(path, &bytes).map_err(Error::Database)
}

fn remove_dir_if_exists(dir: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(dir)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_never_touches_anything() {
        let opts = UpdateOptions {
            offline: true,
            ..UpdateOptions::default()
        };
        let db = std::env::temp_dir()
            .join(format!("customs-feeds-offline-{}", std::process::id()))
            .join("vuln.db");
        let err = update(&db, &FeedSet::default(), &opts).unwrap_err();
        assert!(matches!(err, Error::Offline));
        assert!(!staging_dir(&db).exists());
    }

    #[test]
    fn staging_is_beside_the_database() {
        assert_eq!(
            staging_dir(Path::new("/var/lib/customs/vuln.db")),
            PathBuf::from("/var/lib/customs/vuln.db.feeds")
        );
        assert_eq!(
            staging_dir(Path::new("vuln.db")),
            PathBuf::from("./vuln.db.feeds")
        );
    }

    #[test]
    fn a_bad_state_file_means_no_validators() {
        let dir = std::env::temp_dir().join(format!("customs-feeds-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("state.json");
        std::fs::write(&p, "{not json").unwrap();
        assert!(load_state(&p).feeds.is_empty());
        let mut s = load_state(&p);
        s.feeds.insert(
            "osv:Go".into(),
            FeedState {
                url: "u".into(),
                etag: Some("\"x\"".into()),
                last_modified: None,
                bytes: 3,
            },
        );
        save_state(&p, &s).unwrap();
        assert_eq!(load_state(&p).feeds, s.feeds);
        std::fs::write(&p, r#"{"version":99,"feeds":{}}"#).unwrap();
        assert_eq!(load_state(&p).version, STATE_VERSION);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
