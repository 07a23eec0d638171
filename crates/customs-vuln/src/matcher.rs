//! Matching a [`Catalog`] against an open [`Database`].
//!
//! Distro packages are looked up by source package where the feed is keyed by
//! source (Debian tracker: `Source:` name and source version; Alpine secdb:
//! origin), in the namespace of the image's release (`debian:bookworm`,
//! `alpine:v3.18`, `AlmaLinux:8`). Language packages are looked up in their
//! OSV ecosystem. Hits whose IDs or aliases overlap become one [`Finding`].

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use customs_model::{Catalog, Location, OsRelease, Package, PackageType, Severity, Warning};
use serde::{Deserialize, Serialize};

use crate::cvss::{CvssScore, CvssVersion};
use crate::db::{now_secs, Database};
use crate::record::{Advisory, AdvisoryKind, Affected, DebianStatus, Event};
#[cfg(test)]
use crate::record::{Range, RangeKind};
use crate::source::osv::{index_name, range_scheme};
use crate::version::{self, Scheme};
use customs_version::Version;

/// The OSV ecosystem name of the Rust crate registry. Built from parts
/// because house rules keep registry host names out of the source; OSV uses
/// the host name as the ecosystem identifier.
pub const RUST_ECOSYSTEM: &str = concat!("crates", ".", "io");

/// Matching options.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Warn when the database was built longer ago than this.
    pub max_db_age: Option<Duration>,
    /// "Now" in seconds since the epoch, for the age check (`None`: the clock).
    pub now: Option<u64>,
    /// Also report informational advisories (RustSec unmaintained/unsound,
    /// AlmaLinux bug-fix and enhancement errata).
    pub include_informational: bool,
    /// Also report Debian `undetermined` entries.
    pub include_undetermined: bool,
}

/// Whether and how a finding can be fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A fixed version exists.
    Fixed,
    /// Affected, no fix yet (Debian `open`, OSV range without `fixed`).
    Unfixed,
    /// The distro decided not to fix it (Debian `open` with `nodsa_reason: ignored`).
    WontFix,
    /// The release is out of security support for this package (`end-of-life`).
    EndOfLife,
    /// The distro has not decided yet (Debian `undetermined`).
    Undetermined,
}

/// One vulnerability in one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Primary ID: a CVE when one is known, else a GHSA, else the source's ID.
    pub id: String,
    /// Every other ID of the same vulnerability, sorted.
    pub aliases: Vec<String>,
    /// [`Package::id`].
    pub package_id: String,
    /// Package name.
    pub package_name: String,
    /// Package type.
    pub package_type: PackageType,
    /// Package URL ([`Package::purl`]); VEX statements name products by purl.
    #[serde(default)]
    pub package_purl: String,
    /// Installed version (binary version; Debian matching used the source version).
    pub installed_version: String,
    /// Fixed versions, lowest first (Debian: source versions).
    pub fixed_versions: Vec<String>,
    /// Fix status.
    pub status: Status,
    /// Severity.
    pub severity: Severity,
    /// Where the severity comes from (`CVSS 3.1 (osv:PyPI)`, `debian-tracker urgency`, ...).
    pub severity_source: String,
    /// CVSS vectors with base scores.
    pub cvss: Vec<CvssScore>,
    /// Title.
    pub title: String,
    /// Description (truncated).
    pub description: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// CWE ids (`CWE-79`) of the weakness, from every advisory merged into
    /// the finding, sorted by number, without duplicates. Empty (and left out
    /// of JSON) when no source names one: only GitHub-reviewed OSV records
    /// carry them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<String>,
    /// Where the package was found (path and layer).
    pub locations: Vec<Location>,
    /// Data sources that reported it, comma-separated.
    pub data_source: String,
    /// Set when triage (a VEX statement or the ignore file) suppressed the
    /// finding. Suppressed findings stay in the report so they can be shown
    /// as such instead of silently disappearing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// The OpenVEX status of the statement that applies to this finding
    /// (`affected`, `under_investigation`, `not_affected`, `fixed`), also
    /// when it does not suppress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_status: Option<String>,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// What suppressed it.
    pub source: SuppressionSource,
    /// `not_affected` or `fixed` (VEX), `ignored` (ignore file).
    pub status: String,
    /// VEX `justification` (`vulnerable_code_not_present`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Free text: VEX `impact_statement`, or the ignore file's reason/statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The document that said so: VEX `@id` (or its file path), ignore file path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// Where a [`Suppression`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionSource {
    /// An OpenVEX statement.
    Vex,
    /// A `.customsignore` entry.
    IgnoreFile,
}

/// Why a package could not be matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum UnmatchedReason {
    /// An OS package, but the image's OS was not detected.
    NoOsRelease,
    /// The distro has no advisory source here.
    UnsupportedDistro {
        /// `os-release` `ID`.
        distro: String,
    },
    /// The release could not be mapped to a feed release.
    UnknownRelease {
        /// Distro.
        distro: String,
        /// `VERSION_ID` or codename, as found.
        release: String,
    },
    /// The database has no data for the namespace.
    NoData {
        /// Namespace (`debian:bookworm`, `RubyGems`, ...).
        namespace: String,
    },
    /// The package type has no advisory ecosystem.
    UnsupportedEcosystem {
        /// Package type.
        package_type: PackageType,
    },
    /// The installed version does not parse in the ecosystem's scheme.
    UnparseableVersion {
        /// Version as found.
        version: String,
    },
    /// A database record could not be read.
    DatabaseError {
        /// What failed.
        message: String,
    },
}

impl fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoOsRelease => f.write_str("the operating system of the image is unknown"),
            Self::UnsupportedDistro { distro } => {
                write!(f, "no advisory source for distro {distro:?}")
            }
            Self::UnknownRelease { distro, release } => {
                write!(f, "unknown {distro} release {release:?}")
            }
            Self::NoData { namespace } => {
                write!(f, "the vulnerability database has no data for {namespace}")
            }
            Self::UnsupportedEcosystem { package_type } => {
                write!(f, "no advisory ecosystem for {package_type} packages")
            }
            Self::UnparseableVersion { version } => write!(f, "version {version:?} does not parse"),
            Self::DatabaseError { message } => write!(f, "database record unreadable: {message}"),
        }
    }
}

/// A package that could not be matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    /// [`Package::id`].
    pub package_id: String,
    /// Name.
    pub package_name: String,
    /// Version.
    pub version: String,
    /// Type.
    pub package_type: PackageType,
    /// Why.
    pub reason: UnmatchedReason,
}

/// Result of matching a catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    /// Findings, sorted by package then ID.
    pub findings: Vec<Finding>,
    /// Packages that could not be matched, with reasons.
    pub unmatched: Vec<Unmatched>,
    /// Problems that did not stop matching (database age, ...).
    pub warnings: Vec<Warning>,
    /// Packages looked up.
    pub packages_matched: usize,
}

/// How to look one package up (borrowing from the package where it can:
/// a catalog makes one lookup per package).
struct Lookup<'a> {
    namespace: Cow<'static, str>,
    name: Cow<'a, str>,
    version: &'a str,
    scheme: Scheme,
    os: bool,
    /// `version` parsed in `scheme` (set by [`lookup_for`]).
    parsed: Option<Version>,
}

/// OSV ecosystem of a language package type.
pub fn osv_ecosystem(t: PackageType) -> Option<&'static str> {
    Some(match t {
        PackageType::Pypi => "PyPI",
        PackageType::Npm => "npm",
        PackageType::Golang => "Go",
        PackageType::Maven => "Maven",
        PackageType::Cargo => RUST_ECOSYSTEM,
        PackageType::Gem => "RubyGems",
        PackageType::Composer => "Packagist",
        PackageType::Nuget => "NuGet",
        _ => return None,
    })
}

/// Debian release number → codename.
pub fn debian_codename(version_id: &str) -> Option<&'static str> {
    let major = version_id.split('.').next().unwrap_or(version_id);
    Some(match major {
        "7" => "wheezy",
        "8" => "jessie",
        "9" => "stretch",
        "10" => "buster",
        "11" => "bullseye",
        "12" => "bookworm",
        "13" => "trixie",
        "14" => "forky",
        _ => return None,
    })
}

/// Alpine `VERSION_ID` → secdb release (`3.18.4` → `v3.18`; `_alpha` builds → `edge`).
pub fn alpine_release(version_id: &str) -> Option<String> {
    if version_id.contains("_alpha") || version_id == "edge" {
        return Some("edge".to_owned());
    }
    let mut parts = version_id.split('.');
    let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
        return None;
    };
    if major.is_empty()
        || minor.is_empty()
        || !major.bytes().all(|b| b.is_ascii_digit())
        || !minor.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(format!("v{major}.{minor}"))
}

fn lookup_for<'a>(
    pkg: &'a Package,
    os: Option<&OsRelease>,
    db: &Database,
) -> Result<Lookup<'a>, UnmatchedReason> {
    let lookup = match pkg.package_type {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => {
            let os = os.ok_or(UnmatchedReason::NoOsRelease)?;
            let distro = os.id.to_ascii_lowercase();
            let release = || {
                os.version_id
                    .clone()
                    .or_else(|| os.codename.clone())
                    .unwrap_or_default()
            };
            match (pkg.package_type, distro.as_str()) {
                (PackageType::Deb, "debian") => {
                    let codename = os
                        .version_id
                        .as_deref()
                        .and_then(debian_codename)
                        .map(str::to_owned)
                        .or_else(|| os.codename.clone().filter(|c| !c.is_empty()))
                        .ok_or_else(|| UnmatchedReason::UnknownRelease {
                            distro: distro.clone(),
                            release: release(),
                        })?;
                    let source = pkg.source.as_ref();
                    Lookup {
                        namespace: format!("debian:{codename}").into(),
                        name: source.map_or(pkg.name.as_str(), |s| s.name.as_str()).into(),
                        version: source
                            .and_then(|s| s.version.as_deref())
                            .unwrap_or(pkg.version.as_str()),
                        scheme: Scheme::Dpkg,
                        os: true,
                        parsed: None,
                    }
                }
                (PackageType::Apk, "alpine") => {
                    let rel = os
                        .version_id
                        .as_deref()
                        .and_then(alpine_release)
                        .ok_or_else(|| UnmatchedReason::UnknownRelease {
                            distro: distro.clone(),
                            release: release(),
                        })?;
                    Lookup {
                        namespace: format!("alpine:{rel}").into(),
                        name: pkg
                            .source
                            .as_ref()
                            .map_or(pkg.name.as_str(), |s| s.name.as_str())
                            .into(),
                        version: &pkg.version,
                        scheme: Scheme::Apk,
                        os: true,
                        parsed: None,
                    }
                }
                (PackageType::Rpm, "almalinux") => {
                    let major = os
                        .version_id
                        .as_deref()
                        .and_then(|v| v.split('.').next())
                        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| UnmatchedReason::UnknownRelease {
                            distro: distro.clone(),
                            release: release(),
                        })?;
                    Lookup {
                        namespace: format!("AlmaLinux:{major}").into(),
                        name: pkg.name.as_str().into(),
                        version: &pkg.version,
                        scheme: Scheme::Rpm,
                        os: true,
                        parsed: None,
                    }
                }
                _ => return Err(UnmatchedReason::UnsupportedDistro { distro }),
            }
        }
        t => {
            let eco = osv_ecosystem(t)
                .ok_or(UnmatchedReason::UnsupportedEcosystem { package_type: t })?;
            let scheme = version::scheme_for_ecosystem(eco)
                .ok_or(UnmatchedReason::UnsupportedEcosystem { package_type: t })?;
            Lookup {
                namespace: eco.into(),
                name: if eco == "PyPI" {
                    index_name(eco, &pkg.name).into()
                } else {
                    pkg.name.as_str().into()
                },
                version: &pkg.version,
                scheme,
                os: false,
                parsed: None,
            }
        }
    };
    if !db.has_namespace(&lookup.namespace) {
        return Err(UnmatchedReason::NoData {
            namespace: lookup.namespace.into_owned(),
        });
    }
    let mut lookup = lookup;
    match version::parse(lookup.scheme, lookup.version) {
        Some(v) => lookup.parsed = Some(v),
        None => {
            return Err(UnmatchedReason::UnparseableVersion {
                version: lookup.version.to_owned(),
            })
        }
    }
    Ok(lookup)
}

/// The rustc "Fx" hash: a multiply-rotate mix, much cheaper than SipHash.
/// Used only for maps keyed by database content (advisory numbers, IDs),
/// never by catalog content, so crafted package names cannot flood it.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, v: u64) {
        self.hash = (self.hash.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A raw hit before alias merging. Hits of all lookups live in one
/// [`Arena`]; texts stay in the [`PreparedKey`] and are cloned only into
/// findings.
#[derive(Clone, Copy)]
struct Hit {
    advisory: u32,
    /// Index of the entry in its [`PreparedKey`].
    entry: u32,
    status: Status,
    /// Range of this hit's fixes in [`Arena::fixes`].
    fixes: (u32, u32),
}

/// Where a fixed version's text is: (range, event) of an OSV entry, `(0, 0)`
/// for the one fixed version of a Debian or Alpine entry.
type Fix = (u32, u32);

/// A vulnerability of one lookup: its [`GroupInfo`] number and the range of
/// its hits (absolute indices into [`Arena::hits`]) in [`Arena::members`].
#[derive(Clone, Copy)]
struct Group {
    info: usize,
    members: (usize, usize),
}

/// Hits, fixes and groups of every lookup of one call, in flat vectors: a
/// catalog makes tens of thousands of hits, and a few large vectors cost far
/// less to fill and free than small ones per lookup.
#[derive(Default)]
struct Arena {
    hits: Vec<Hit>,
    fixes: Vec<Fix>,
    groups: Vec<Group>,
    members: Vec<u32>,
}

/// The outcome of one (namespace, name, version) lookup, shared by every
/// package that makes the same lookup.
struct Eval {
    /// Index into the prepared keys.
    key: usize,
    /// Range in [`Arena::groups`], sorted by ID.
    groups: (usize, usize),
}

/// A decoded advisory with its IDs (own ID, then aliases) interned as
/// numbers, so alias merging compares integers instead of hashing strings.
struct CachedAdvisory {
    advisory: Advisory,
    ids: Vec<u32>,
}

/// What a finding says that depends only on its advisories (in hit order):
/// computed once per distinct advisory list and cloned into each finding,
/// instead of re-deriving IDs, scores and text for every package.
struct GroupInfo {
    id: String,
    aliases: Vec<String>,
    cvss: Vec<CvssScore>,
    /// Severity of the preferred CVSS score and where it comes from.
    cvss_severity: Option<(Severity, String)>,
    /// The first severity an advisory states, with its source text.
    stated: Option<(Severity, String)>,
    title: String,
    description: String,
    references: Vec<String>,
    cwe_ids: Vec<String>,
    data_source: String,
}

/// Per-call state shared by all lookups: decoded advisories, interned IDs,
/// the per-advisory-list finding data and scratch buffers.
#[derive(Default)]
struct Shared {
    cache: FxMap<u32, CachedAdvisory>,
    /// Advisory IDs and aliases → number (keys come from the database).
    interned: FxMap<String, u32>,
    infos: Vec<GroupInfo>,
    info_of: FxMap<Vec<u32>, usize>,
    pairs: Vec<(u32, u32)>,
    parent: Vec<u32>,
    group_of: Vec<u32>,
    counts: Vec<u32>,
    gid: Vec<u32>,
    offsets: Vec<usize>,
    fill: Vec<usize>,
    key: Vec<u32>,
}

/// `u32` from a count that the database's 32-bit offsets already bound.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Shared {
    /// Decodes advisory `n` into the cache unless it is there already.
    fn load(&mut self, db: &Database, n: u32) -> Result<(), crate::db::DbError> {
        if self.cache.contains_key(&n) {
            return Ok(());
        }
        let advisory = db.advisory(n)?;
        let mut ids = Vec::with_capacity(1 + advisory.aliases.len());
        for id in std::iter::once(&advisory.id).chain(advisory.aliases.iter()) {
            let next = to_u32(self.interned.len());
            let k = match self.interned.get(id.as_str()) {
                Some(k) => *k,
                None => {
                    self.interned.insert(id.clone(), next);
                    next
                }
            };
            ids.push(k);
        }
        self.cache.insert(n, CachedAdvisory { advisory, ids });
        Ok(())
    }

    fn advisory(&self, n: u32) -> Option<&Advisory> {
        self.cache.get(&n).map(|c| &c.advisory)
    }

    /// Groups the hits `start..` of the arena: hits whose advisories share an
    /// ID (directly or through others) are one vulnerability. Groups are
    /// appended to the arena, sorted by primary ID; returns their range.
    fn group(&mut self, arena: &mut Arena, start: usize) -> (usize, usize) {
        fn root(parent: &mut [u32], mut i: u32) -> u32 {
            while let Some(&p) = parent.get(i as usize) {
                if p == i {
                    break;
                }
                // Path halving.
                let gp = parent.get(p as usize).copied().unwrap_or(p);
                if let Some(x) = parent.get_mut(i as usize) {
                    *x = gp;
                }
                i = gp;
            }
            i
        }
        let hits = arena.hits.get(start..).unwrap_or_default();
        let n = hits.len();
        // Union-find: hits listing the same interned ID are adjacent once
        // the (ID, hit) pairs are sorted.
        self.pairs.clear();
        for (i, h) in hits.iter().enumerate() {
            if let Some(a) = self.cache.get(&h.advisory) {
                self.pairs.extend(a.ids.iter().map(|id| (*id, to_u32(i))));
            }
        }
        self.pairs.sort_unstable();
        self.parent.clear();
        self.parent.extend((0..n).map(to_u32));
        for w in self.pairs.windows(2) {
            if let [(a, i), (b, j)] = w {
                if a == b {
                    let (x, y) = (root(&mut self.parent, *i), root(&mut self.parent, *j));
                    if x != y {
                        if let Some(px) = self.parent.get_mut(x.max(y) as usize) {
                            *px = x.min(y);
                        }
                    }
                }
            }
        }
        // Groups numbered in order of their first hit; members in hit order
        // (a counting sort by group number).
        const NONE: u32 = u32::MAX;
        self.group_of.clear();
        self.group_of.resize(n, NONE);
        self.counts.clear();
        self.gid.clear();
        for (i, h) in hits.iter().enumerate() {
            if !self.cache.contains_key(&h.advisory) {
                self.gid.push(NONE);
                continue;
            }
            let r = root(&mut self.parent, to_u32(i));
            let g = match self.group_of.get_mut(r as usize) {
                Some(slot) if *slot == NONE => {
                    *slot = to_u32(self.counts.len());
                    self.counts.push(0);
                    *slot
                }
                Some(slot) => *slot,
                None => NONE,
            };
            if let Some(c) = self.counts.get_mut(g as usize) {
                *c += 1;
            }
            self.gid.push(g);
        }
        let mut total = arena.members.len();
        self.offsets.clear();
        for c in &self.counts {
            self.offsets.push(total);
            total += *c as usize;
        }
        arena.members.resize(total, 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.offsets);
        for (i, g) in self.gid.iter().enumerate() {
            if let Some(at) = self.fill.get_mut(*g as usize) {
                if let Some(m) = arena.members.get_mut(*at) {
                    *m = to_u32(start + i);
                }
                *at += 1;
            }
        }
        let first_group = arena.groups.len();
        for (g, from) in self.offsets.iter().enumerate() {
            let to = self.fill.get(g).copied().unwrap_or(*from);
            let members = arena.members.get(*from..to).unwrap_or_default();
            self.key.clear();
            self.key.extend(
                members
                    .iter()
                    .filter_map(|m| arena.hits.get(*m as usize))
                    .map(|h| h.advisory),
            );
            let info = match self.info_of.get(self.key.as_slice()) {
                Some(i) => *i,
                None => {
                    let Some(info) = self.group_info(&self.key) else {
                        continue;
                    };
                    self.infos.push(info);
                    self.info_of.insert(self.key.clone(), self.infos.len() - 1);
                    self.infos.len() - 1
                }
            };
            arena.groups.push(Group {
                info,
                members: (*from, to),
            });
        }
        // IDs are unique per lookup (groups sharing one would be one group).
        if let Some(groups) = arena.groups.get_mut(first_group..) {
            groups.sort_unstable_by(|a, b| self.info_id(a.info).cmp(self.info_id(b.info)));
        }
        (first_group, arena.groups.len())
    }

    fn info_id(&self, i: usize) -> &str {
        self.infos.get(i).map_or("", |g| g.id.as_str())
    }

    /// The advisory-only part of a finding for these advisories (hit order).
    fn group_info(&self, advisories: &[u32]) -> Option<GroupInfo> {
        let advisories: Vec<&Advisory> = advisories
            .iter()
            .filter_map(|n| self.advisory(*n))
            .collect();
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for a in &advisories {
            ids.insert(&a.id);
            ids.extend(a.aliases.iter().map(String::as_str));
        }
        // Sorted set: the first of the best rank is the smallest.
        let primary = ids.iter().copied().min_by_key(|id| id_rank(id))?;
        let aliases: Vec<String> = ids
            .iter()
            .filter(|i| **i != primary)
            .map(|i| (*i).to_owned())
            .collect();
        let mut cvss: Vec<CvssScore> = Vec::new();
        for a in &advisories {
            for c in &a.cvss {
                if !cvss.iter().any(|x| x.vector == c.vector) {
                    cvss.push(c.clone());
                }
            }
        }
        let best_cvss = cvss.iter().min_by(|a, b| {
            cvss_rank(a.version).cmp(&cvss_rank(b.version)).then(
                b.base_score
                    .partial_cmp(&a.base_score)
                    .unwrap_or(Ordering::Equal),
            )
        });
        let cvss_severity = best_cvss.map(|c| {
            let src = advisories
                .iter()
                .find(|a| a.cvss.iter().any(|x| x.vector == c.vector))
                .map(|a| a.data_source.as_str())
                .unwrap_or("");
            (
                c.severity(),
                format!("CVSS {} base score {:.1} ({src})", c.version, c.base_score),
            )
        });
        let stated = advisories.iter().find_map(|a| {
            a.stated_severity
                .map(|s| (s, format!("database_specific.severity ({})", a.data_source)))
        });
        let first = |f: fn(&Advisory) -> &str| {
            advisories
                .iter()
                .map(|a| f(a))
                .find(|s| !s.is_empty())
                .unwrap_or_default()
                .to_owned()
        };
        let mut references: Vec<String> = Vec::new();
        for a in &advisories {
            for r in &a.references {
                if references.len() < 16 && !references.contains(r) {
                    references.push(r.clone());
                }
            }
        }
        let mut cwe_ids: Vec<String> = advisories
            .iter()
            .flat_map(|a| a.cwe_ids.iter().cloned())
            .collect();
        crate::source::osv::sort_cwe_ids(&mut cwe_ids);
        let sources: BTreeSet<&str> = advisories.iter().map(|a| a.data_source.as_str()).collect();
        Some(GroupInfo {
            id: primary.to_owned(),
            aliases,
            cvss,
            cvss_severity,
            stated,
            title: first(|a| &a.title),
            description: first(|a| &a.description),
            references,
            cwe_ids,
            data_source: sources.into_iter().collect::<Vec<_>>().join(","),
        })
    }
}

/// Writes a hash-map key for several strings into `k` (a reused buffer, so
/// lookups that hit allocate nothing): each part but the last is
/// length-prefixed, so no two different tuples make the same key.
fn tuple_key<'k>(k: &'k mut String, parts: &[&str]) -> &'k str {
    use std::fmt::Write as _;
    k.clear();
    let (last, init) = parts.split_last().unwrap_or((&"", &[]));
    for p in init {
        let _ = write!(k, "{}:", p.len());
        k.push_str(p);
    }
    k.push_str(last);
    k
}

/// Keeps the elements of `v[start..]` for which `keep` holds, in order.
fn retain_from<T: Copy>(v: &mut Vec<T>, start: usize, keep: impl Fn(&T) -> bool) {
    let mut w = start;
    for r in start..v.len() {
        let Some(x) = v.get(r).copied() else { break };
        if keep(&x) {
            if let Some(slot) = v.get_mut(w) {
                *slot = x;
            }
            w += 1;
        }
    }
    v.truncate(w);
}

/// A package with findings: (position in the catalog, index of its
/// [`Eval`], version scheme, whether it is an OS package).
type Planned = (usize, usize, Scheme, bool);

/// Matches every package of `catalog` against `db`.
pub fn match_catalog(db: &Database, catalog: &Catalog, opts: &MatchOptions) -> MatchReport {
    let mut report = MatchReport::default();
    if let Some(max) = opts.max_db_age {
        let now = opts.now.unwrap_or_else(now_secs);
        let age = now.saturating_sub(db.built_at());
        if age > max.as_secs() {
            report.warnings.push(Warning::new(
                "vuln-db",
                "vulnerability database",
                format!(
                    "the database was built {} days ago ({}), more than the allowed {} days; run `customs db update`",
                    age / 86_400,
                    crate::db::rfc3339(db.built_at()),
                    max.as_secs() / 86_400
                ),
            ));
        }
    }
    let packages = catalog.packages.len();
    let mut shared = Shared::default();
    let mut arena = Arena::default();
    // Identical (namespace, name, version) lookups (the same library in many
    // places) are evaluated once: key → index into `evals`.
    let mut memo: HashMap<String, usize> = HashMap::with_capacity(packages);
    let mut evals: Vec<Eval> = Vec::with_capacity(packages);
    // Each (namespace, package) key is decoded and its versions parsed once
    // per call: a catalog often holds many versions of one package (and the
    // same package in many places), and parsing dominated matching.
    let mut key_of: HashMap<String, usize> = HashMap::with_capacity(packages);
    let mut keys: Vec<PreparedKey> = Vec::new();
    // Packages with findings: (position in the catalog, eval, scheme, OS package).
    let mut planned: Vec<Planned> = Vec::new();
    let (mut memo_buf, mut key_buf) = (String::new(), String::new());
    for (pkg_index, pkg) in catalog.packages.iter().enumerate() {
        let unmatched = |reason| Unmatched {
            package_id: pkg.id.clone(),
            package_name: pkg.name.clone(),
            version: pkg.version.clone(),
            package_type: pkg.package_type,
            reason,
        };
        let lookup = match lookup_for(pkg, catalog.os.as_ref(), db) {
            Ok(l) => l,
            Err(reason) => {
                report.unmatched.push(unmatched(reason));
                continue;
            }
        };
        report.packages_matched += 1;
        let memo_key = tuple_key(
            &mut memo_buf,
            &[&lookup.namespace, &lookup.name, lookup.version],
        );
        let eval = match memo.get(memo_key) {
            Some(e) => *e,
            None => {
                let pkey = tuple_key(&mut key_buf, &[&lookup.namespace, &lookup.name]);
                let k = match key_of.get(pkey) {
                    Some(k) => *k,
                    None => match db.entries(&lookup.namespace, &lookup.name) {
                        Ok(e) => {
                            keys.push(prepare(lookup.scheme, e));
                            key_of.insert(pkey.to_owned(), keys.len() - 1);
                            keys.len() - 1
                        }
                        Err(e) => {
                            let message = e.to_string();
                            report
                                .unmatched
                                .push(unmatched(UnmatchedReason::DatabaseError { message }));
                            continue;
                        }
                    },
                };
                let Some(key) = keys.get(k) else {
                    continue;
                };
                let start = arena.hits.len();
                let mut installed = Installed::new(&lookup, &key.tables);
                for (i, e) in key.entries.iter().enumerate() {
                    if let Some(h) = evaluate(&lookup, &mut installed, i, e, opts, &mut arena.fixes)
                    {
                        arena.hits.push(h);
                    }
                }
                let mut failed = None;
                for h in arena.hits.get(start..).unwrap_or_default() {
                    if let Err(e) = shared.load(db, h.advisory) {
                        failed = Some(e.to_string());
                    }
                }
                if let Some(message) = failed {
                    arena.hits.truncate(start);
                    report
                        .unmatched
                        .push(unmatched(UnmatchedReason::DatabaseError { message }));
                    continue;
                }
                retain_from(&mut arena.hits, start, |h| {
                    shared.advisory(h.advisory).is_some_and(|a| {
                        opts.include_informational || a.kind == AdvisoryKind::Vulnerability
                    })
                });
                let groups = shared.group(&mut arena, start);
                evals.push(Eval { key: k, groups });
                memo.insert(memo_key.to_owned(), evals.len() - 1);
                evals.len() - 1
            }
        };
        if evals.get(eval).is_some_and(|e| e.groups.1 > e.groups.0) {
            planned.push((pkg_index, eval, lookup.scheme, lookup.os));
        }
    }
    // Findings sorted by (package ID, finding ID), planned before any is
    // built so each is built once, in place: order the packages, then list
    // their vulnerabilities (each package's are sorted by ID; packages with
    // equal IDs are merged and re-sorted, stably).
    let package_id = |i: usize| catalog.packages.get(i).map(|p| p.id.as_str());
    planned.sort_by(|a, b| package_id(a.0).cmp(&package_id(b.0)).then(a.0.cmp(&b.0)));
    let groups_of = |eval: usize| {
        evals
            .get(eval)
            .and_then(|e| arena.groups.get(e.groups.0..e.groups.1))
            .unwrap_or_default()
    };
    let mut order: Vec<(&Planned, &Group)> = Vec::new();
    for run in planned.chunk_by(|a, b| package_id(a.0) == package_id(b.0)) {
        let start = order.len();
        for p in run {
            order.extend(groups_of(p.1).iter().map(|g| (p, g)));
        }
        if run.len() > 1 {
            if let Some(tail) = order.get_mut(start..) {
                tail.sort_by(|(_, a), (_, b)| shared.info_id(a.info).cmp(shared.info_id(b.info)));
            }
        }
    }
    report.findings.reserve_exact(order.len());
    for ((pkg_index, eval, scheme, os), group) in order {
        let (Some(pkg), Some(key), Some(info), Some(members)) = (
            catalog.packages.get(*pkg_index),
            evals.get(*eval).and_then(|e| keys.get(e.key)),
            shared.infos.get(group.info),
            arena.members.get(group.members.0..group.members.1),
        ) else {
            continue;
        };
        let hits = members.iter().filter_map(|m| arena.hits.get(*m as usize));
        report
            .findings
            .push(finding(pkg, info, key, hits, &arena.fixes, *scheme, *os));
    }
    report
}

/// The text of a fixed version a hit refers to.
fn fix_text(key: &PreparedKey, entry: u32, (range, event): Fix) -> Option<&str> {
    match &key.entries.get(entry as usize)?.affected {
        PreparedAffected::Osv { ranges, .. } => {
            match ranges.get(range as usize)?.events.get(event as usize)? {
                (_, _, Event::Fixed(v)) => Some(v),
                _ => None,
            }
        }
        PreparedAffected::Debian {
            status: DebianStatus::Resolved { fixed_version },
            ..
        } => Some(fixed_version),
        PreparedAffected::Debian { .. } => None,
        PreparedAffected::Alpine { fixed, .. } => Some(fixed),
    }
}

/// The Debian urgency of a hit's entry as a severity, and the urgency text.
fn distro_severity(key: &PreparedKey, entry: u32) -> Option<(Severity, &str)> {
    match &key.entries.get(entry as usize)?.affected {
        PreparedAffected::Debian { urgency, .. } => {
            let severity = match urgency.as_str() {
                "" | "not yet assigned" | "end-of-life" => Severity::Unknown,
                u => u.parse().unwrap_or(Severity::Unknown),
            };
            Some((severity, urgency))
        }
        _ => None,
    }
}

/// Builds one finding of `pkg` from its advisory data and the hits merged into it.
fn finding<'a>(
    pkg: &Package,
    info: &GroupInfo,
    key: &PreparedKey,
    mut hits: impl Iterator<Item = &'a Hit> + Clone,
    fixes: &[Fix],
    scheme: Scheme,
    os: bool,
) -> Finding {
    let status = hits
        .clone()
        .map(|h| h.status)
        .min()
        .unwrap_or(Status::Unfixed);
    // Sized for the usual case of no duplicates (most findings have one fix).
    let count = hits
        .clone()
        .map(|h| h.fixes.1.saturating_sub(h.fixes.0))
        .sum::<u32>();
    let mut fixed: Vec<String> = Vec::with_capacity(count as usize);
    for h in hits.clone() {
        let mine = fixes
            .get(h.fixes.0 as usize..h.fixes.1 as usize)
            .unwrap_or_default();
        for f in mine.iter().filter_map(|f| fix_text(key, h.entry, *f)) {
            if !fixed.iter().any(|x| x == f) {
                fixed.push(f.to_owned());
            }
        }
    }
    let fixed = sort_any_order(fixed, &|a: &String, b: &String| {
        version::compare(scheme, a, b).unwrap_or_else(|| a.cmp(b))
    });
    let distro = hits
        .find_map(|h| distro_severity(key, h.entry))
        .map(|(s, urgency)| {
            let urgency = if urgency.is_empty() { "none" } else { urgency };
            (s, format!("debian-tracker urgency ({urgency})"))
        });
    let (severity, severity_source) = match (distro, &info.cvss_severity, &info.stated) {
        (Some((s, src)), _, _) if os && s != Severity::Unknown => (s, src),
        (_, Some((s, src)), _) => (*s, src.clone()),
        (_, None, Some((s, src))) => (*s, src.clone()),
        (Some((s, src)), None, None) => (s, src),
        _ => (Severity::Unknown, "none".to_owned()),
    };
    Finding {
        id: info.id.clone(),
        aliases: info.aliases.clone(),
        package_id: pkg.id.clone(),
        package_name: pkg.name.clone(),
        package_type: pkg.package_type,
        package_purl: pkg.purl.clone(),
        installed_version: pkg.version.clone(),
        fixed_versions: fixed,
        status,
        severity,
        severity_source,
        cvss: info.cvss.clone(),
        title: info.title.clone(),
        description: info.description.clone(),
        references: info.references.clone(),
        cwe_ids: info.cwe_ids.clone(),
        locations: pkg.locations.clone(),
        data_source: info.data_source.clone(),
        suppressed: None,
        vex_status: None,
    }
}

/// A stable merge sort that never panics whatever `cmp` answers. The standard
/// sorts may panic when a comparison is not a total order, and Maven's
/// `ComparableVersion`, which `customs-version` follows exactly, is not
/// transitive on odd strings (found by the `version_compare` fuzz target):
/// advisory data must not be able to crash a scan. On a total order the result
/// is the usual sorted order.
fn sort_any_order<T>(items: Vec<T>, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    if items.len() < 2 {
        return items;
    }
    let swap = match items.as_slice() {
        [a, b] => Some(cmp(b, a) == std::cmp::Ordering::Less),
        _ => None,
    };
    if let Some(swap) = swap {
        // The usual case past one item (two fixed versions): one comparison.
        let mut items = items;
        if swap {
            items.swap(0, 1);
        }
        return items;
    }
    // Bottom-up: runs of width 1, 2, 4, ... merged pairwise (a last odd run
    // is carried up as it is), over positions so nothing is cloned and each
    // level reuses one buffer.
    let n = items.len();
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst: Vec<usize> = Vec::with_capacity(n);
    let at = |i: &usize| items.get(*i);
    let mut width = 1;
    while width < n {
        dst.clear();
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let mut a = src.get(lo..mid).unwrap_or_default().iter().peekable();
            let mut b = src.get(mid..hi).unwrap_or_default().iter().peekable();
            loop {
                let take_b = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) => match (at(y), at(x)) {
                        (Some(y), Some(x)) => cmp(y, x) == std::cmp::Ordering::Less,
                        _ => false,
                    },
                    (Some(_), None) => {
                        dst.extend(a);
                        break;
                    }
                    (None, _) => {
                        dst.extend(b);
                        break;
                    }
                };
                dst.extend(if take_b { b.next() } else { a.next() });
            }
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    // `src` is a permutation of 0..n: move each item to its place.
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    src.iter()
        .filter_map(|i| slots.get_mut(*i).and_then(Option::take))
        .collect()
}

/// The entries of one (namespace, package) key, prepared once per
/// [`match_catalog`] call: every version in them is parsed once and interned
/// into a sorted table per scheme, so evaluating an installed version costs
/// one binary search per scheme, and events compare as integers.
struct PreparedKey {
    /// Per scheme: distinct versions, ascending.
    tables: Vec<(Scheme, Vec<Version>)>,
    entries: Vec<Prepared>,
}

/// Position of a version in its scheme's table: `2·i + 1` for the table's
/// `i`-th version; an installed version between `i-1` and `i` is `2·i`. Keys
/// order exactly as the versions do.
type Pos = u32;

/// One index entry with its versions interned.
struct Prepared {
    advisory: u32,
    affected: PreparedAffected,
}

enum PreparedAffected {
    Osv {
        ranges: Vec<PreparedRange>,
        /// Explicit versions (ecosystem scheme), sorted.
        versions: Vec<Pos>,
    },
    Debian {
        status: DebianStatus,
        urgency: String,
        /// `fixed_version` of a `resolved` status.
        fixed: Option<Pos>,
    },
    Alpine {
        fixed: String,
        pos: Option<Pos>,
    },
}

/// A range event: rank (0 = introduced "0", 1 = a version, 2 = limit "*"),
/// its position (rank 1 only) and the event.
type PreparedEvent = (u8, Option<Pos>, Event);

/// An OSV range with its events interned and sorted.
struct PreparedRange {
    scheme: Scheme,
    events: Vec<PreparedEvent>,
}

/// Builds a [`PreparedKey`]: versions are first pushed into per-scheme lists
/// (positions are list indices), then sorted, deduplicated and renumbered.
fn prepare(eco_scheme: Scheme, entries: Vec<crate::record::Entry>) -> PreparedKey {
    let mut raw: Vec<(Scheme, Vec<Version>)> = Vec::new();
    let mut intern = |scheme: Scheme, text: &str| -> Option<Pos> {
        // Versions that do not parse (validated at import, so only from a
        // foreign database) are left out.
        let v = version::parse(scheme, text)?;
        let i = match raw.iter().position(|(s, _)| *s == scheme) {
            Some(i) => i,
            None => {
                raw.push((scheme, Vec::new()));
                raw.len() - 1
            }
        };
        let list = &mut raw.get_mut(i)?.1;
        list.push(v);
        Pos::try_from(list.len() - 1).ok()
    };
    let mut prepared: Vec<Prepared> = Vec::with_capacity(entries.len());
    for e in entries {
        let affected = match e.affected {
            Affected::Osv { ranges, versions } => PreparedAffected::Osv {
                ranges: ranges
                    .into_iter()
                    .filter_map(|r| {
                        let scheme = range_scheme(r.kind, Some(eco_scheme))?;
                        let events = r
                            .events
                            .into_iter()
                            .filter_map(|e| match &e {
                                Event::Introduced(v) if v == "0" => Some((0, None, e)),
                                Event::Limit(v) if v == "*" => Some((2, None, e)),
                                _ => intern(scheme, e.version()).map(|p| (1, Some(p), e)),
                            })
                            .collect();
                        Some(PreparedRange { scheme, events })
                    })
                    .collect(),
                versions: versions
                    .iter()
                    .filter_map(|v| intern(eco_scheme, v))
                    .collect(),
            },
            Affected::Debian { status, urgency } => PreparedAffected::Debian {
                fixed: match &status {
                    DebianStatus::Resolved { fixed_version } => intern(Scheme::Dpkg, fixed_version),
                    _ => None,
                },
                status,
                urgency,
            },
            Affected::Alpine { fixed } => PreparedAffected::Alpine {
                pos: intern(Scheme::Apk, &fixed),
                fixed,
            },
        };
        prepared.push(Prepared {
            advisory: e.advisory,
            affected,
        });
    }
    // Sort each list, give equal versions one number, renumber everything.
    let mut tables = Vec::with_capacity(raw.len());
    let mut renumber: Vec<(Scheme, Vec<Pos>)> = Vec::with_capacity(raw.len());
    for (scheme, list) in raw {
        let order = sort_any_order((0..list.len()).collect(), &|a: &usize, b: &usize| {
            list.get(*a).cmp(&list.get(*b))
        });
        let mut map = vec![0; list.len()];
        let mut table: Vec<Version> = Vec::new();
        for i in order {
            let Some(v) = list.get(i) else { continue };
            if table.last() != Some(v) {
                table.push(v.clone());
            }
            if let Some(m) = map.get_mut(i) {
                *m = Pos::try_from(2 * (table.len() - 1) + 1).unwrap_or(Pos::MAX);
            }
        }
        tables.push((scheme, table));
        renumber.push((scheme, map));
    }
    let pos = |scheme: Scheme, p: Pos| -> Pos {
        renumber
            .iter()
            .find(|(s, _)| *s == scheme)
            .and_then(|(_, m)| m.get(p as usize).copied())
            .unwrap_or(Pos::MAX)
    };
    for e in &mut prepared {
        match &mut e.affected {
            PreparedAffected::Osv { ranges, versions } => {
                for r in ranges {
                    for (_, p, _) in &mut r.events {
                        if let Some(p) = p {
                            *p = pos(r.scheme, *p);
                        }
                    }
                    r.events
                        .sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                }
                for p in versions.iter_mut() {
                    *p = pos(eco_scheme, *p);
                }
                versions.sort_unstable();
            }
            PreparedAffected::Debian { fixed, .. } => {
                if let Some(p) = fixed {
                    *p = pos(Scheme::Dpkg, *p);
                }
            }
            PreparedAffected::Alpine { pos: p, .. } => {
                if let Some(p) = p {
                    *p = pos(Scheme::Apk, *p);
                }
            }
        }
    }
    PreparedKey {
        tables,
        entries: prepared,
    }
}

/// The installed version's position per scheme, computed on first use (an
/// ecosystem's SEMVER ranges use another scheme than its ECOSYSTEM ranges).
struct Installed<'a> {
    lookup: &'a Lookup<'a>,
    tables: &'a [(Scheme, Vec<Version>)],
    positions: Vec<(Scheme, Option<Pos>)>,
}

impl<'a> Installed<'a> {
    fn new(lookup: &'a Lookup<'a>, tables: &'a [(Scheme, Vec<Version>)]) -> Self {
        Self {
            lookup,
            tables,
            positions: Vec::with_capacity(2),
        }
    }

    fn get(&mut self, scheme: Scheme) -> Option<Pos> {
        if let Some((_, p)) = self.positions.iter().find(|(s, _)| *s == scheme) {
            return *p;
        }
        let parsed;
        let v = if scheme == self.lookup.scheme {
            self.lookup.parsed.as_ref()
        } else {
            parsed = version::parse(scheme, self.lookup.version);
            parsed.as_ref()
        };
        let table = self
            .tables
            .iter()
            .find(|(s, _)| *s == scheme)
            .map(|(_, t)| t.as_slice())
            .unwrap_or_default();
        let p = v.and_then(|v| {
            let raw = match table.binary_search(v) {
                Ok(i) => 2 * i + 1,
                Err(i) => 2 * i,
            };
            Pos::try_from(raw).ok()
        });
        self.positions.push((scheme, p));
        p
    }
}

fn evaluate(
    l: &Lookup<'_>,
    installed: &mut Installed<'_>,
    index: usize,
    entry: &Prepared,
    opts: &MatchOptions,
    fixes: &mut Vec<Fix>,
) -> Option<Hit> {
    let advisory = entry.advisory;
    let first_fix = to_u32(fixes.len());
    let hit = |status, fixes: &Vec<Fix>| Hit {
        advisory,
        entry: to_u32(index),
        status,
        fixes: (first_fix, to_u32(fixes.len())),
    };
    match &entry.affected {
        PreparedAffected::Osv { ranges, versions } => {
            if !osv_affected_prepared(l.scheme, installed, ranges, versions, fixes) {
                return None;
            }
            let status = if to_u32(fixes.len()) == first_fix {
                Status::Unfixed
            } else {
                Status::Fixed
            };
            Some(hit(status, fixes))
        }
        PreparedAffected::Debian {
            status,
            urgency,
            fixed,
        } => {
            let status = match status {
                DebianStatus::Resolved { .. } => {
                    let (Some(fixed), Some(inst)) = (fixed, installed.get(Scheme::Dpkg)) else {
                        return None;
                    };
                    if inst >= *fixed {
                        return None;
                    }
                    fixes.push((0, 0));
                    Status::Fixed
                }
                DebianStatus::Open { nodsa_reason } => {
                    if urgency == "end-of-life" {
                        Status::EndOfLife
                    } else if nodsa_reason.as_deref() == Some("ignored") {
                        Status::WontFix
                    } else {
                        Status::Unfixed
                    }
                }
                DebianStatus::Undetermined => {
                    if !opts.include_undetermined {
                        return None;
                    }
                    Status::Undetermined
                }
            };
            Some(hit(status, fixes))
        }
        PreparedAffected::Alpine { pos, .. } => {
            let (Some(p), Some(inst)) = (pos, installed.get(Scheme::Apk)) else {
                return None;
            };
            if inst >= *p {
                return None;
            }
            fixes.push((0, 0));
            Some(hit(Status::Fixed, fixes))
        }
    }
}

/// OSV evaluation: `Some(fixed versions)` when `installed` is affected.
#[cfg(test)]
pub(crate) fn osv_affected(
    eco_scheme: Scheme,
    installed: &str,
    ranges: &[Range],
    versions: &[String],
) -> Option<Vec<String>> {
    let l = Lookup {
        namespace: "".into(),
        name: "".into(),
        version: installed,
        scheme: eco_scheme,
        os: false,
        parsed: version::parse(eco_scheme, installed),
    };
    let key = prepare(
        eco_scheme,
        vec![crate::record::Entry {
            advisory: 0,
            affected: Affected::Osv {
                ranges: ranges.to_vec(),
                versions: versions.to_vec(),
            },
        }],
    );
    let Some(Prepared {
        affected: PreparedAffected::Osv { ranges, versions },
        ..
    }) = key.entries.first()
    else {
        return None;
    };
    let mut fixes = Vec::new();
    osv_affected_prepared(
        eco_scheme,
        &mut Installed::new(&l, &key.tables),
        ranges,
        versions,
        &mut fixes,
    )
    .then(|| {
        fixes
            .iter()
            .filter_map(|f| fix_text(&key, 0, *f).map(str::to_owned))
            .collect()
    })
}

/// Whether `installed` is affected; pushes the fixes (range, event) of the
/// ranges that contain it.
fn osv_affected_prepared(
    eco_scheme: Scheme,
    installed: &mut Installed<'_>,
    ranges: &[PreparedRange],
    versions: &[Pos],
    fixes: &mut Vec<Fix>,
) -> bool {
    let mut affected = !versions.is_empty()
        && installed
            .get(eco_scheme)
            .is_some_and(|i| versions.binary_search(&i).is_ok());
    for (i, r) in ranges.iter().enumerate() {
        let Some(inst) = installed.get(r.scheme) else {
            continue;
        };
        if let Some(fix) = in_range(inst, &r.events) {
            affected = true;
            fixes.extend(fix.map(|e| (to_u32(i), to_u32(e))));
        }
    }
    affected
}

/// `Some(index of the first fix above installed)` when `installed` is
/// inside the range (events sorted by [`prepare`]). Events are in ascending order, so the
/// walk stops at the first version above `installed`: no later event can
/// change the verdict.
fn in_range(installed: Pos, sorted: &[PreparedEvent]) -> Option<Option<usize>> {
    let mut vulnerable = false;
    // Whether a `limit` exists, and whether installed is at or above all of them.
    let mut any_limit = false;
    let mut above_all_limits = true;
    let mut rest = sorted;
    while let Some(((rank, pos, e), tail)) = rest.split_first() {
        let ord = pos.map(|p| installed.cmp(&p));
        if ord == Some(Ordering::Less) {
            break;
        }
        rest = tail;
        let ge = ord.is_some();
        match e {
            Event::Introduced(_) => {
                if *rank == 0 || ge {
                    vulnerable = true;
                }
            }
            Event::Fixed(_) => {
                if ge {
                    vulnerable = false;
                }
            }
            Event::LastAffected(_) => {
                if ord == Some(Ordering::Greater) {
                    vulnerable = false;
                }
            }
            Event::Limit(_) => {
                any_limit = true;
                // `limit: "*"` (rank 2) never bounds.
                above_all_limits &= *rank == 1 && ge;
            }
        }
    }
    if !vulnerable {
        return None;
    }
    // Events left are above `installed` (or unbounded limits).
    if rest.iter().any(|(_, _, e)| matches!(e, Event::Limit(_))) {
        any_limit = true;
        above_all_limits = false;
    }
    // `limit`: versions at or above every limit are outside the range.
    if any_limit && above_all_limits {
        return None;
    }
    let skipped = sorted.len() - rest.len();
    let fix = rest
        .iter()
        .position(|(_, pos, e)| matches!(e, Event::Fixed(_)) && pos.is_some());
    Some(fix.map(|i| skipped + i))
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    }
}

fn cvss_rank(v: CvssVersion) -> u8 {
    // NVD and most feeds publish v3.x; prefer it, then v4.0, then v2.
    match v {
        CvssVersion::V3_1 => 0,
        CvssVersion::V3_0 => 1,
        CvssVersion::V4_0 => 2,
        CvssVersion::V2 => 3,
    }
}

#[cfg(test)]
mod sort_tests {
    use super::sort_any_order;

    #[test]
    fn sorts_like_the_standard_sort_on_a_total_order() {
        let v: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1013).collect();
        let mut want = v.clone();
        want.sort();
        assert_eq!(sort_any_order(v, &|a: &u32, b: &u32| a.cmp(b)), want);
    }

    /// The sort as it was before it worked on positions (one vector per
    /// run): the new one must merge in exactly the same pattern, so that
    /// even on a comparison that is not an order (Maven) the version tables,
    /// and so the findings, stay as they were.
    fn sort_by_runs<T>(items: Vec<T>, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
        let mut runs: Vec<Vec<T>> = items.into_iter().map(|x| vec![x]).collect();
        while runs.len() > 1 {
            let mut merged = Vec::new();
            let mut it = runs.into_iter();
            while let Some(a) = it.next() {
                merged.push(match it.next() {
                    Some(b) => {
                        let mut out = Vec::new();
                        let mut a = a.into_iter().peekable();
                        let mut b = b.into_iter().peekable();
                        loop {
                            let take_b = match (a.peek(), b.peek()) {
                                (Some(x), Some(y)) => cmp(y, x) == std::cmp::Ordering::Less,
                                (Some(_), None) => {
                                    out.extend(a);
                                    break;
                                }
                                (None, _) => {
                                    out.extend(b);
                                    break;
                                }
                            };
                            out.extend(if take_b { b.next() } else { a.next() });
                        }
                        out
                    }
                    None => a,
                });
            }
            runs = merged;
        }
        runs.pop().unwrap_or_default()
    }

    #[test]
    fn merges_in_the_same_pattern_as_the_run_sort() {
        // A comparison that is no order at all, on every length up to 70.
        let noisy = |a: &u32, b: &u32| {
            if (a.wrapping_mul(31) ^ b.wrapping_mul(17)).is_multiple_of(3) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        };
        for n in 0..70u32 {
            let v: Vec<u32> = (0..n).map(|i| (i * 7919) % 101).collect();
            assert_eq!(
                sort_any_order(v.clone(), &noisy),
                sort_by_runs(v.clone(), &noisy)
            );
            let total = |a: &u32, b: &u32| a.cmp(b);
            assert_eq!(sort_any_order(v.clone(), &total), sort_by_runs(v, &total));
        }
        let maven = [
            "9",
            "9.0.0nal",
            "9.0.0.CR0.37-02",
            "1.0",
            "1.0-SNAPSHOT",
            "1.0.RC1",
            "1-1",
            "1.0.0.0",
        ];
        let cmp = |a: &&str, b: &&str| {
            crate::version::compare(customs_version::Scheme::Maven, a, b)
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        assert_eq!(
            sort_any_order(maven.to_vec(), &cmp),
            sort_by_runs(maven.to_vec(), &cmp)
        );
    }

    #[test]
    fn survives_a_comparison_that_is_not_an_order() {
        // Maven's order is not transitive on these (fuzz finding); a "comparison" that
        // answers at random is worse still. Neither may panic or lose items.
        let maven = ["9", "9.0.0nal", "9.0.0.CR0.37-02"];
        let sorted = sort_any_order(maven.to_vec(), &|a: &&str, b: &&str| {
            crate::version::compare(customs_version::Scheme::Maven, a, b)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        assert_eq!(sorted.len(), 3);
        let noisy = sort_any_order((0..500u32).collect(), &|a: &u32, b: &u32| {
            if (a ^ b).is_multiple_of(3) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        let mut seen = noisy;
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: &[(&str, &str)]) -> Vec<Event> {
        i.iter()
            .map(|(k, v)| match *k {
                "i" => Event::Introduced((*v).into()),
                "f" => Event::Fixed((*v).into()),
                "l" => Event::LastAffected((*v).into()),
                _ => Event::Limit((*v).into()),
            })
            .collect()
    }

    #[test]
    fn osv_ranges() {
        let r = |e: Vec<Event>| {
            vec![Range {
                kind: RangeKind::Ecosystem,
                events: e,
            }]
        };
        let s = Scheme::Pep440;
        // Unsorted events with two intervals.
        let ranges = r(ev(&[("i", "2.0"), ("f", "2.5"), ("i", "0"), ("f", "1.5")]));
        assert_eq!(
            osv_affected(s, "1.0", &ranges, &[]),
            Some(vec!["1.5".into()])
        );
        assert_eq!(osv_affected(s, "1.7", &ranges, &[]), None);
        assert_eq!(
            osv_affected(s, "2.1", &ranges, &[]),
            Some(vec!["2.5".into()])
        );
        assert_eq!(osv_affected(s, "2.5", &ranges, &[]), None);
        let la = r(ev(&[("i", "1.0"), ("l", "1.2")]));
        assert_eq!(osv_affected(s, "1.2", &la, &[]), Some(vec![]));
        assert_eq!(osv_affected(s, "1.3", &la, &[]), None);
        assert_eq!(osv_affected(s, "0.9", &la, &[]), None);
        let lim = r(ev(&[("i", "0"), ("x", "3.0")]));
        assert_eq!(osv_affected(s, "2.0", &lim, &[]), Some(vec![]));
        assert_eq!(osv_affected(s, "3.0", &lim, &[]), None);
        assert_eq!(osv_affected(s, "9.0", &[], &["9.0".into()]), Some(vec![]));
        // Equal under PEP 440, different text; versions between table entries.
        assert_eq!(
            osv_affected(s, "9.0.0", &[], &["8".into(), "9.0".into()]),
            Some(vec![])
        );
        assert_eq!(
            osv_affected(s, "8.5", &[], &["8".into(), "9.0".into()]),
            None
        );
        // Several ranges and lists in one record, duplicates across them.
        let multi = vec![
            Range {
                kind: RangeKind::Ecosystem,
                events: ev(&[("i", "1.0"), ("f", "1.4"), ("i", "2.0"), ("f", "2.0.3")]),
            },
            Range {
                kind: RangeKind::Ecosystem,
                events: ev(&[("i", "1.0.0"), ("l", "1.5"), ("x", "1.9")]),
            },
        ];
        assert_eq!(osv_affected(s, "0.9", &multi, &[]), None);
        assert_eq!(
            osv_affected(s, "1.0", &multi, &[]),
            Some(vec!["1.4".into()])
        );
        assert_eq!(osv_affected(s, "1.4", &multi, &[]), Some(vec![]));
        assert_eq!(osv_affected(s, "1.5.0", &multi, &[]), Some(vec![]));
        assert_eq!(osv_affected(s, "1.6", &multi, &[]), None);
        assert_eq!(
            osv_affected(s, "2.0.2", &multi, &[]),
            Some(vec!["2.0.3".into()])
        );
        assert_eq!(osv_affected(s, "2.0.3", &multi, &[]), None);
        // A limit below installed closes the range; "*" does not.
        let lim2 = r(ev(&[("i", "1.0"), ("x", "1.2")]));
        assert_eq!(osv_affected(s, "1.1", &lim2, &[]), Some(vec![]));
        assert_eq!(osv_affected(s, "1.2", &lim2, &[]), None);
        let star = r(ev(&[("i", "1.0"), ("x", "*")]));
        assert_eq!(osv_affected(s, "7.0", &star, &[]), Some(vec![]));
    }

    #[test]
    fn release_mapping() {
        assert_eq!(debian_codename("12"), Some("bookworm"));
        assert_eq!(debian_codename("11"), Some("bullseye"));
        assert_eq!(debian_codename("13"), Some("trixie"));
        assert_eq!(alpine_release("3.18.4").as_deref(), Some("v3.18"));
        assert_eq!(alpine_release("3.4.6").as_deref(), Some("v3.4"));
        assert_eq!(alpine_release("x"), None);
    }
}
