//! Which advisory feeds `customs db update` downloads, and from where.

use std::path::PathBuf;

use crate::Error;

/// osv.dev's bucket of per-ecosystem exports (`<base>/<Ecosystem>/all.zip`).
pub const OSV_BASE: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The Debian security tracker's JSON export of every (source package, CVE).
pub const DEBIAN_TRACKER_URL: &str = "https://security-tracker.debian.org/tracker/data/json";
/// Alpine's secdb (`<base>/<release>/<repo>.yaml`).
pub const ALPINE_SECDB_BASE: &str = "https://secdb.alpinelinux.org";

/// OSV ecosystems downloaded by default: those the catalogers produce
/// packages for (see `customs_vuln::matcher::osv_ecosystem`), plus AlmaLinux
/// for rpm-based images.
pub const DEFAULT_OSV_ECOSYSTEMS: &[&str] = &[
    "Go",
    "PyPI",
    "npm",
    "Maven",
    customs_vuln::matcher::RUST_ECOSYSTEM,
    "RubyGems",
    "Packagist",
    "NuGet",
    "AlmaLinux",
];

/// Alpine releases downloaded by default (the matcher maps Alpine 3.20 to `v3.20`).
pub const DEFAULT_ALPINE_RELEASES: &[&str] = &[
    "v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "v3.22",
];

/// Alpine repositories downloaded per release by default.
pub const DEFAULT_ALPINE_REPOS: &[&str] = &["main", "community"];

/// The feeds to download. Base URLs are fields so tests and air-gapped
/// mirrors can point them elsewhere; [`FeedSet::default`] is the public set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSet {
    /// Base of the OSV exports; `<osv_base>/<Ecosystem>/all.zip` is fetched.
    pub osv_base: String,
    /// OSV ecosystems to fetch (as osv.dev spells them).
    pub osv_ecosystems: Vec<String>,
    /// URL of the Debian tracker export; `None` leaves Debian out.
    pub debian_tracker_url: Option<String>,
    /// Base of Alpine secdb; `<alpine_base>/<release>/<repo>.yaml` is fetched.
    pub alpine_base: String,
    /// Alpine releases (`v3.20`).
    pub alpine_releases: Vec<String>,
    /// Alpine repositories per release (`main`, `community`).
    pub alpine_repos: Vec<String>,
}

impl Default for FeedSet {
    fn default() -> Self {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Self {
            osv_base: OSV_BASE.to_owned(),
            osv_ecosystems: owned(DEFAULT_OSV_ECOSYSTEMS),
            debian_tracker_url: Some(DEBIAN_TRACKER_URL.to_owned()),
            alpine_base: ALPINE_SECDB_BASE.to_owned(),
            alpine_releases: owned(DEFAULT_ALPINE_RELEASES),
            alpine_repos: owned(DEFAULT_ALPINE_REPOS),
        }
    }
}

/// What a feed holds, which decides where it is staged (the importer names
/// OSV sources after the folder holding `all.zip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    /// osv.dev's `all.zip` of one ecosystem.
    Osv {
        /// Ecosystem (`PyPI`).
        ecosystem: String,
    },
    /// The Debian security tracker export.
    DebianTracker,
    /// One Alpine secdb file.
    AlpineSecdb {
        /// Release (`v3.20`).
        release: String,
        /// Repository (`main`).
        repo: String,
    },
}

/// One file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Stable name (`osv:PyPI`, `debian-tracker`, `alpine:v3.20/main`), the
    /// key of the conditional-request state.
    pub name: String,
    /// What it holds.
    pub kind: FeedKind,
    /// Where it is downloaded from.
    pub url: String,
}

impl Feed {
    /// Path of the download inside the staging folder.
    pub fn staged_path(&self) -> PathBuf {
        match &self.kind {
            FeedKind::Osv { ecosystem } => ["osv", ecosystem, "all.zip"].iter().collect(),
            FeedKind::DebianTracker => ["debian", "tracker.json"].iter().collect(),
            FeedKind::AlpineSecdb { release, repo } => ["alpine", release, &format!("{repo}.yaml")]
                .iter()
                .collect(),
        }
    }
}

impl FeedSet {
    /// Every feed to download, checked: http(s) URLs, and names that are
    /// plain file names (they become staging paths).
    pub fn feeds(&self) -> Result<Vec<Feed>, Error> {
        let mut out = Vec::new();
        let base = |b: &str| b.trim_end_matches('/').to_owned();
        for eco in &self.osv_ecosystems {
            let name = format!("osv:{eco}");
            check_component(&name, eco)?;
            out.push(Feed {
                url: format!("{}/{eco}/all.zip", base(&self.osv_base)),
                name,
                kind: FeedKind::Osv {
                    ecosystem: eco.clone(),
                },
            });
        }
        if let Some(url) = &self.debian_tracker_url {
            out.push(Feed {
                name: "debian-tracker".to_owned(),
                kind: FeedKind::DebianTracker,
                url: url.clone(),
            });
        }
        for release in &self.alpine_releases {
            for repo in &self.alpine_repos {
                let name = format!("alpine:{release}/{repo}");
                check_component(&name, release)?;
                check_component(&name, repo)?;
                out.push(Feed {
                    url: format!("{}/{release}/{repo}.yaml", base(&self.alpine_base)),
                    name,
                    kind: FeedKind::AlpineSecdb {
                        release: release.clone(),
                        repo: repo.clone(),
                    },
                });
            }
        }
        for f in &out {
            let lower = f.url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(Error::InvalidFeed {
                    feed: f.name.clone(),
                    reason: format!("URL {:?} is not http(s)", f.url),
                });
            }
        }
        let mut names: Vec<&str> = out.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(Error::InvalidFeed {
                feed: w.first().copied().unwrap_or_default().to_owned(),
                reason: "listed twice".to_owned(),
            });
        }
        Ok(out)
    }
}

/// A name that becomes one path component must not escape the staging folder.
fn check_component(feed: &str, part: &str) -> Result<(), Error> {
    let bad = part.is_empty()
        || part == "."
        || part == ".."
        || part.len() > 128
        || part
            .chars()
            .any(|c| c == '/' || c == '\\' || c == '\0' || c.is_control());
    if bad {
        return Err(Error::InvalidFeed {
            feed: feed.to_owned(),
            reason: format!("{part:?} is not a plain name"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_lists_public_feeds() {
        let feeds = FeedSet::default().feeds().unwrap();
        assert_eq!(
            feeds.len(),
            DEFAULT_OSV_ECOSYSTEMS.len()
                + 1
                + DEFAULT_ALPINE_RELEASES.len() * DEFAULT_ALPINE_REPOS.len()
        );
        let pypi = feeds.iter().find(|f| f.name == "osv:PyPI").unwrap();
        assert_eq!(pypi.url, format!("{OSV_BASE}/PyPI/all.zip"));
        assert_eq!(pypi.staged_path(), PathBuf::from("osv/PyPI/all.zip"));
        let alp = feeds
            .iter()
            .find(|f| f.name == "alpine:v3.20/community")
            .unwrap();
        assert_eq!(alp.url, format!("{ALPINE_SECDB_BASE}/v3.20/community.yaml"));
        assert!(feeds.iter().any(|f| f.kind == FeedKind::DebianTracker));
    }

    #[test]
    fn names_that_escape_the_staging_folder_are_refused() {
        for bad in ["..", "a/b", "", "x\\y"] {
            let set = FeedSet {
                osv_ecosystems: vec![bad.to_owned()],
                ..FeedSet::default()
            };
            assert!(
                matches!(set.feeds(), Err(Error::InvalidFeed { .. })),
                "{bad:?}"
            );
        }
        let set = FeedSet {
            osv_base: "file:///etc".into(),
            ..FeedSet::default()
        };
        assert!(matches!(set.feeds(), Err(Error::InvalidFeed { .. })));
        let set = FeedSet {
            osv_ecosystems: vec!["Go".into(), "Go".into()],
            ..FeedSet::default()
        };
        assert!(matches!(set.feeds(), Err(Error::InvalidFeed { .. })));
    }
}
