//! Matching a [`Catalog`] against an open [`Database`].
//!
//! Distro packages are looked up by source package where the feed is keyed by
//! source (Debian tracker: `Source:` name and source version; Alpine secdb:
//! origin), in the namespace of the image's release (`debian:bookworm`,
//! `alpine:v3.18`, `AlmaLinux:8`). Language packages are looked up in their
//! OSV ecosystem. Hits whose IDs or aliases overlap become one [`Finding`].

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

/// How to look one package up.
struct Lookup {
    namespace: String,
    name: String,
    version: String,
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

fn lookup_for(
    pkg: &Package,
    os: Option<&OsRelease>,
    db: &Database,
) -> Result<Lookup, UnmatchedReason> {
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
                        namespace: format!("debian:{codename}"),
                        name: source.map_or_else(|| pkg.name.clone(), |s| s.name.clone()),
                        version: source
                            .and_then(|s| s.version.clone())
                            .unwrap_or_else(|| pkg.version.clone()),
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
                        namespace: format!("alpine:{rel}"),
                        name: pkg
                            .source
                            .as_ref()
                            .map_or_else(|| pkg.name.clone(), |s| s.name.clone()),
                        version: pkg.version.clone(),
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
                        namespace: format!("AlmaLinux:{major}"),
                        name: pkg.name.clone(),
                        version: pkg.version.clone(),
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
                namespace: eco.to_owned(),
                name: index_name(eco, &pkg.name),
                version: pkg.version.clone(),
                scheme,
                os: false,
                parsed: None,
            }
        }
    };
    if !db.has_namespace(&lookup.namespace) {
        return Err(UnmatchedReason::NoData {
            namespace: lookup.namespace,
        });
    }
    let mut lookup = lookup;
    match version::parse(lookup.scheme, &lookup.version) {
        Some(v) => lookup.parsed = Some(v),
        None => {
            return Err(UnmatchedReason::UnparseableVersion {
                version: lookup.version,
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

/// A raw hit before alias merging.
#[derive(Clone)]
struct Hit {
    advisory: u32,
    status: Status,
    fixed: Vec<String>,
    distro_severity: Option<(Severity, String)>,
}

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
    let mut cache: FxMap<u32, Advisory> = FxMap::default();
    // Identical (namespace, name, version) lookups (the same library in many
    // places) are evaluated once.
    let mut memo: HashMap<(String, String, String), Vec<Hit>> = HashMap::new();
    // Each (namespace, package) key is decoded and its versions parsed once
    // per call: a catalog often holds many versions of one package (and the
    // same package in many places), and parsing dominated matching.
    let mut prepared: HashMap<(String, String), PreparedKey> = HashMap::new();
    // (position in the catalog, its findings sorted by ID).
    let mut per_package: Vec<(usize, Vec<Finding>)> = Vec::new();
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
        let key = (
            lookup.namespace.clone(),
            lookup.name.clone(),
            lookup.version.clone(),
        );
        let hits = match memo.entry(key) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let pkey = (lookup.namespace.clone(), lookup.name.clone());
                let entries = match prepared.entry(pkey) {
                    std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        match db.entries(&lookup.namespace, &lookup.name) {
                            Ok(e) => v.insert(prepare(lookup.scheme, e)),
                            Err(e) => {
                                let message = e.to_string();
                                report
                                    .unmatched
                                    .push(unmatched(UnmatchedReason::DatabaseError { message }));
                                continue;
                            }
                        }
                    }
                };
                let mut installed = Installed::new(&lookup, &entries.tables);
                let mut hits: Vec<Hit> = entries
                    .entries
                    .iter()
                    .filter_map(|e| evaluate(&lookup, &mut installed, e, opts))
                    .collect();
                let mut failed = None;
                for h in &hits {
                    if let std::collections::hash_map::Entry::Vacant(v) = cache.entry(h.advisory) {
                        match db.advisory(h.advisory) {
                            Ok(a) => {
                                v.insert(a);
                            }
                            Err(e) => failed = Some(e.to_string()),
                        }
                    }
                }
                if let Some(message) = failed {
                    report
                        .unmatched
                        .push(unmatched(UnmatchedReason::DatabaseError { message }));
                    continue;
                }
                hits.retain(|h| {
                    cache.get(&h.advisory).is_some_and(|a| {
                        opts.include_informational || a.kind == AdvisoryKind::Vulnerability
                    })
                });
                slot.insert(hits)
            }
        };
        if hits.is_empty() {
            continue;
        }
        let mut found = merge(pkg, &lookup, hits, &cache);
        found.sort_by(|a, b| a.id.cmp(&b.id));
        per_package.push((pkg_index, found));
    }
    // Sort by (package ID, finding ID) without moving the large findings
    // around: order packages, then concatenate (each is sorted by ID; equal
    // package IDs are merged and re-sorted).
    per_package.sort_by(|(a, _), (b, _)| {
        let id = |i: &usize| catalog.packages.get(*i).map(|p| p.id.as_str());
        id(a).cmp(&id(b)).then(a.cmp(b))
    });
    let total = per_package.iter().map(|(_, f)| f.len()).sum();
    report.findings.reserve(total);
    let mut run_start = 0;
    let mut run_id: Option<&str> = None;
    for (i, found) in per_package {
        let id = catalog.packages.get(i).map(|p| p.id.as_str());
        if id != run_id {
            run_start = report.findings.len();
            run_id = id;
            report.findings.extend(found);
        } else {
            report.findings.extend(found);
            if let Some(run) = report.findings.get_mut(run_start..) {
                run.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
    }
    report
}

/// A stable merge sort that never panics whatever `cmp` answers. The standard
/// sorts may panic when a comparison is not a total order, and Maven's
/// `ComparableVersion`, which `customs-version` follows exactly, is not
/// transitive on odd strings (found by the `version_compare` fuzz target):
/// advisory data must not be able to crash a scan. On a total order the result
/// is the usual sorted order.
fn sort_any_order<T>(items: Vec<T>, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    let mut runs: Vec<Vec<T>> = items.into_iter().map(|x| vec![x]).collect();
    while runs.len() > 1 {
        let mut merged = Vec::with_capacity(runs.len().div_ceil(2));
        let mut it = runs.into_iter();
        while let Some(a) = it.next() {
            merged.push(match it.next() {
                Some(b) => merge_runs(a, b, cmp),
                None => a,
            });
        }
        runs = merged;
    }
    runs.pop().unwrap_or_default()
}

fn merge_runs<T>(a: Vec<T>, b: Vec<T>, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_b = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => cmp(y, x) == std::cmp::Ordering::Less,
            (Some(_), None) => {
                out.extend(a);
                return out;
            }
            (None, _) => {
                out.extend(b);
                return out;
            }
        };
        let next = if take_b { b.next() } else { a.next() };
        out.extend(next);
    }
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
    lookup: &'a Lookup,
    tables: &'a [(Scheme, Vec<Version>)],
    positions: Vec<(Scheme, Option<Pos>)>,
}

impl<'a> Installed<'a> {
    fn new(lookup: &'a Lookup, tables: &'a [(Scheme, Vec<Version>)]) -> Self {
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
            parsed = version::parse(scheme, &self.lookup.version);
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
    l: &Lookup,
    installed: &mut Installed<'_>,
    entry: &Prepared,
    opts: &MatchOptions,
) -> Option<Hit> {
    let advisory = entry.advisory;
    match &entry.affected {
        PreparedAffected::Osv { ranges, versions } => {
            let fixed = osv_affected_prepared(l.scheme, installed, ranges, versions)?;
            let status = if fixed.is_empty() {
                Status::Unfixed
            } else {
                Status::Fixed
            };
            Some(Hit {
                advisory,
                status,
                fixed,
                distro_severity: None,
            })
        }
        PreparedAffected::Debian {
            status,
            urgency,
            fixed,
        } => {
            let severity = match urgency.as_str() {
                "" | "not yet assigned" | "end-of-life" => Severity::Unknown,
                u => u.parse().unwrap_or(Severity::Unknown),
            };
            let distro_severity = Some((
                severity,
                format!(
                    "debian-tracker urgency ({})",
                    if urgency.is_empty() { "none" } else { urgency }
                ),
            ));
            let (status, fixed) = match status {
                DebianStatus::Resolved { fixed_version } => {
                    let (Some(fixed), Some(inst)) = (fixed, installed.get(Scheme::Dpkg)) else {
                        return None;
                    };
                    if inst >= *fixed {
                        return None;
                    }
                    (Status::Fixed, vec![fixed_version.clone()])
                }
                DebianStatus::Open { nodsa_reason } => {
                    let st = if urgency == "end-of-life" {
                        Status::EndOfLife
                    } else if nodsa_reason.as_deref() == Some("ignored") {
                        Status::WontFix
                    } else {
                        Status::Unfixed
                    };
                    (st, Vec::new())
                }
                DebianStatus::Undetermined => {
                    if !opts.include_undetermined {
                        return None;
                    }
                    (Status::Undetermined, Vec::new())
                }
            };
            Some(Hit {
                advisory,
                status,
                fixed,
                distro_severity,
            })
        }
        PreparedAffected::Alpine { fixed, pos } => {
            let (Some(p), Some(inst)) = (pos, installed.get(Scheme::Apk)) else {
                return None;
            };
            if inst >= *p {
                return None;
            }
            Some(Hit {
                advisory,
                status: Status::Fixed,
                fixed: vec![fixed.clone()],
                distro_severity: None,
            })
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
        namespace: String::new(),
        name: String::new(),
        version: installed.to_owned(),
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
    osv_affected_prepared(
        eco_scheme,
        &mut Installed::new(&l, &key.tables),
        ranges,
        versions,
    )
}

fn osv_affected_prepared(
    eco_scheme: Scheme,
    installed: &mut Installed<'_>,
    ranges: &[PreparedRange],
    versions: &[Pos],
) -> Option<Vec<String>> {
    let mut affected = !versions.is_empty()
        && installed
            .get(eco_scheme)
            .is_some_and(|i| versions.binary_search(&i).is_ok());
    let mut fixed = Vec::new();
    for r in ranges {
        let Some(inst) = installed.get(r.scheme) else {
            continue;
        };
        if let Some(fix) = in_range(inst, &r.events) {
            affected = true;
            fixed.extend(fix);
        }
    }
    affected.then_some(fixed)
}

/// `Some(first fix above installed)` when `installed` is inside the range
/// (events sorted by [`prepare`]). Events are in ascending order, so the
/// walk stops at the first version above `installed`: no later event can
/// change the verdict.
fn in_range(installed: Pos, sorted: &[PreparedEvent]) -> Option<Option<String>> {
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
    let fix = rest.iter().find_map(|(_, pos, e)| match e {
        Event::Fixed(v) if pos.is_some() => Some(v.clone()),
        _ => None,
    });
    Some(fix)
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

fn merge(pkg: &Package, l: &Lookup, hits: &[Hit], cache: &FxMap<u32, Advisory>) -> Vec<Finding> {
    // Hits whose advisories share an ID (directly or through others) are one
    // vulnerability: union-find over the hits, keyed by ID.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            // Path halving.
            let gp = parent.get(p).copied().unwrap_or(p);
            if let Some(x) = parent.get_mut(i) {
                *x = gp;
            }
            i = gp;
        }
        i
    }
    let mut owner: FxMap<&str, usize> = FxMap::default();
    for (i, h) in hits.iter().enumerate() {
        let Some(a) = cache.get(&h.advisory) else {
            continue;
        };
        for id in std::iter::once(&a.id).chain(a.aliases.iter()) {
            match owner.entry(id.as_str()) {
                std::collections::hash_map::Entry::Occupied(o) => {
                    let (x, y) = (root(&mut parent, i), root(&mut parent, *o.get()));
                    if x != y {
                        if let Some(px) = parent.get_mut(x.max(y)) {
                            *px = x.min(y);
                        }
                    }
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                }
            }
        }
    }
    // Groups in order of their first hit; members in hit order.
    let mut group_of: FxMap<usize, usize> = FxMap::default();
    let mut groups: Vec<(BTreeSet<String>, Vec<&Hit>)> = Vec::new();
    for (i, h) in hits.iter().enumerate() {
        let Some(a) = cache.get(&h.advisory) else {
            continue;
        };
        let r = root(&mut parent, i);
        let g = *group_of.entry(r).or_insert_with(|| {
            groups.push((BTreeSet::new(), Vec::new()));
            groups.len() - 1
        });
        if let Some((ids, members)) = groups.get_mut(g) {
            ids.insert(a.id.clone());
            ids.extend(a.aliases.iter().cloned());
            members.push(h);
        }
    }
    let mut out = Vec::new();
    for (ids, hits) in groups {
        let Some(primary) = ids
            .iter()
            // Sorted set: the first of the best rank is the smallest.
            .min_by_key(|id| id_rank(id))
            .cloned()
        else {
            continue;
        };
        let aliases: Vec<String> = ids.iter().filter(|i| **i != primary).cloned().collect();
        let advisories: Vec<&Advisory> =
            hits.iter().filter_map(|h| cache.get(&h.advisory)).collect();
        let status = hits
            .iter()
            .map(|h| h.status)
            .min()
            .unwrap_or(Status::Unfixed);
        let mut fixed: Vec<String> = Vec::new();
        for h in &hits {
            for f in &h.fixed {
                if !fixed.contains(f) {
                    fixed.push(f.clone());
                }
            }
        }
        let fixed = sort_any_order(fixed, &|a: &String, b: &String| {
            version::compare(l.scheme, a, b).unwrap_or_else(|| a.cmp(b))
        });
        let mut cvss: Vec<CvssScore> = Vec::new();
        for a in &advisories {
            for c in &a.cvss {
                if !cvss.iter().any(|x| x.vector == c.vector) {
                    cvss.push(c.clone());
                }
            }
        }
        let distro = hits.iter().find_map(|h| h.distro_severity.clone());
        let best_cvss = cvss.iter().min_by(|a, b| {
            cvss_rank(a.version).cmp(&cvss_rank(b.version)).then(
                b.base_score
                    .partial_cmp(&a.base_score)
                    .unwrap_or(Ordering::Equal),
            )
        });
        let cvss_source = |c: &CvssScore| {
            let src = advisories
                .iter()
                .find(|a| a.cvss.iter().any(|x| x.vector == c.vector))
                .map(|a| a.data_source.as_str())
                .unwrap_or("");
            format!("CVSS {} base score {:.1} ({src})", c.version, c.base_score)
        };
        let stated = advisories
            .iter()
            .find_map(|a| a.stated_severity.map(|s| (s, a.data_source.clone())));
        let (severity, severity_source) = match (&distro, best_cvss, &stated) {
            (Some((s, src)), _, _) if l.os && *s != Severity::Unknown => (*s, src.clone()),
            (_, Some(c), _) => (c.severity(), cvss_source(c)),
            (_, None, Some((s, src))) => (*s, format!("database_specific.severity ({src})")),
            (Some((s, src)), None, None) => (*s, src.clone()),
            _ => (Severity::Unknown, "none".to_owned()),
        };
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
        let sources: BTreeSet<&str> = advisories.iter().map(|a| a.data_source.as_str()).collect();
        out.push(Finding {
            id: primary,
            aliases,
            package_id: pkg.id.clone(),
            package_name: pkg.name.clone(),
            package_type: pkg.package_type,
            package_purl: pkg.purl.clone(),
            installed_version: pkg.version.clone(),
            fixed_versions: fixed,
            status,
            severity,
            severity_source,
            cvss,
            title: first(|a| &a.title),
            description: first(|a| &a.description),
            references,
            locations: pkg.locations.clone(),
            data_source: sources.into_iter().collect::<Vec<_>>().join(","),
            suppressed: None,
            vex_status: None,
        });
    }
    out
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
