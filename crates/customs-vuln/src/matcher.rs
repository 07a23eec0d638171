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
use std::time::Duration;

use customs_model::{Catalog, Location, OsRelease, Package, PackageType, Severity, Warning};
use serde::{Deserialize, Serialize};

use crate::cvss::{CvssScore, CvssVersion};
use crate::db::{now_secs, Database};
#[cfg(test)]
use crate::record::RangeKind;
use crate::record::{Advisory, AdvisoryKind, Affected, DebianStatus, Event, Range};
use crate::source::osv::{index_name, range_scheme};
use crate::version::{self, Scheme};

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
            }
        }
    };
    if !db.has_namespace(&lookup.namespace) {
        return Err(UnmatchedReason::NoData {
            namespace: lookup.namespace,
        });
    }
    if !version::is_valid(lookup.scheme, &lookup.version) {
        return Err(UnmatchedReason::UnparseableVersion {
            version: lookup.version,
        });
    }
    Ok(lookup)
}

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
    let mut cache: HashMap<u32, Advisory> = HashMap::new();
    // Identical (namespace, name, version) lookups (the same library in many
    // places) are evaluated once.
    let mut memo: HashMap<(String, String, String), Vec<Hit>> = HashMap::new();
    for pkg in &catalog.packages {
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
        let mut hits = match memo.get(&key) {
            Some(h) => h.clone(),
            None => {
                let entries = match db.entries(&lookup.namespace, &lookup.name) {
                    Ok(e) => e,
                    Err(e) => {
                        let message = e.to_string();
                        report
                            .unmatched
                            .push(unmatched(UnmatchedReason::DatabaseError { message }));
                        continue;
                    }
                };
                let hits: Vec<Hit> = entries
                    .iter()
                    .filter_map(|e| evaluate(&lookup, e.advisory, &e.affected, opts))
                    .collect();
                memo.insert(key, hits.clone());
                hits
            }
        };
        if hits.is_empty() {
            continue;
        }
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
        report.findings.extend(merge(pkg, &lookup, hits, &cache));
    }
    report
        .findings
        .sort_by(|a, b| (&a.package_id, &a.id).cmp(&(&b.package_id, &b.id)));
    report
}

fn evaluate(l: &Lookup, advisory: u32, affected: &Affected, opts: &MatchOptions) -> Option<Hit> {
    match affected {
        Affected::Osv { ranges, versions } => {
            let fixed = osv_affected(l.scheme, &l.version, ranges, versions)?;
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
        Affected::Debian { status, urgency } => {
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
                    if version::compare(Scheme::Dpkg, &l.version, fixed_version)? != Ordering::Less
                    {
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
        Affected::Alpine { fixed } => {
            if version::compare(Scheme::Apk, &l.version, fixed)? != Ordering::Less {
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
pub(crate) fn osv_affected(
    eco_scheme: Scheme,
    installed: &str,
    ranges: &[Range],
    versions: &[String],
) -> Option<Vec<String>> {
    let mut affected = versions.iter().any(|v| {
        v == installed || version::compare(eco_scheme, v, installed) == Some(Ordering::Equal)
    });
    let mut fixed = Vec::new();
    for r in ranges {
        let Some(scheme) = range_scheme(r.kind, Some(eco_scheme)) else {
            continue;
        };
        if let Some(fix) = in_range(scheme, installed, &r.events) {
            affected = true;
            fixed.extend(fix);
        }
    }
    affected.then_some(fixed)
}

/// `Some(first fix above installed)` when `installed` is inside the range.
/// Each version is parsed once; events that do not parse (validated at
/// import, so only from a foreign database) are ignored.
fn in_range(scheme: Scheme, installed: &str, events: &[Event]) -> Option<Option<String>> {
    let installed = version::parse(scheme, installed)?;
    // (rank, parsed, event): rank 0 = introduced "0", 2 = limit "*".
    let mut sorted: Vec<(u8, Option<customs_version::Version>, &Event)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Introduced(v) if v == "0" => Some((0, None, e)),
            Event::Limit(v) if v == "*" => Some((2, None, e)),
            _ => version::parse(scheme, e.version()).map(|p| (1, Some(p), e)),
        })
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut vulnerable = false;
    let mut limits = Vec::new();
    for (rank, parsed, e) in &sorted {
        let ge = parsed.as_ref().is_some_and(|p| installed >= *p);
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
                if parsed.as_ref().is_some_and(|p| installed > *p) {
                    vulnerable = false;
                }
            }
            Event::Limit(_) => limits.push((*rank, ge)),
        }
    }
    if !vulnerable {
        return None;
    }
    // `limit`: versions at or above every limit are outside the range.
    if !limits.is_empty() && limits.iter().all(|(rank, ge)| *rank == 1 && *ge) {
        return None;
    }
    let fix = sorted.iter().find_map(|(_, parsed, e)| match e {
        Event::Fixed(v) if parsed.as_ref().is_some_and(|p| installed < *p) => Some(v.clone()),
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

fn merge(
    pkg: &Package,
    l: &Lookup,
    hits: Vec<Hit>,
    cache: &HashMap<u32, Advisory>,
) -> Vec<Finding> {
    // Group hits whose ID sets overlap (union by repeated merging; groups are small).
    let mut groups: Vec<(BTreeSet<String>, Vec<Hit>)> = Vec::new();
    for h in hits {
        let Some(a) = cache.get(&h.advisory) else {
            continue;
        };
        let mut ids: BTreeSet<String> = a.aliases.iter().cloned().collect();
        ids.insert(a.id.clone());
        let mut members = vec![h];
        let mut i = 0;
        while i < groups.len() {
            if groups.get(i).is_some_and(|(g, _)| !g.is_disjoint(&ids)) {
                let (g, hs) = groups.swap_remove(i);
                ids.extend(g);
                members.extend(hs);
            } else {
                i += 1;
            }
        }
        groups.push((ids, members));
    }
    let mut out = Vec::new();
    for (ids, hits) in groups {
        let Some(primary) = ids
            .iter()
            .min_by_key(|id| (id_rank(id), (*id).clone()))
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
        fixed.sort_by(|a, b| version::compare(l.scheme, a, b).unwrap_or_else(|| a.cmp(b)));
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
        });
    }
    out
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
