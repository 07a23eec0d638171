//! Version parsing and ordering for every ecosystem customs matches
//! vulnerabilities in.
//!
//! A vulnerability matcher asks one question millions of times: is the
//! installed version inside an affected range? That needs each ecosystem's
//! own ordering, exactly; a near miss makes a scanner report fixed packages
//! as vulnerable or, worse, the reverse. This crate implements each ordering
//! from its reference algorithm and is tested against vectors checked with
//! the reference tools (see `tests/it`).
//!
//! ```
//! use customs_version::{compare, Scheme, Version};
//! use std::cmp::Ordering;
//!
//! assert_eq!(compare(Scheme::Dpkg, "1.0~rc1", "1.0").unwrap(), Ordering::Less);
//! let fixed = Version::parse(Scheme::Pep440, "2.0.0rc1").unwrap();
//! let installed = Version::parse(Scheme::Pep440, "2.0.0-RC1").unwrap();
//! assert_eq!(installed, fixed); // same version, spelled differently
//! assert_eq!(installed.to_string(), "2.0.0-RC1"); // Display is the input
//! assert_eq!(Scheme::for_osv_ecosystem("Debian:12"), Some(Scheme::Dpkg));
//! ```
//!
//! # Schemes
//!
//! | [`Scheme`] | syntax | reference |
//! |---|---|---|
//! | `Dpkg` | `[epoch:]upstream[-revision]` | dpkg `verrevcmp` (Debian policy 5.6.12) |
//! | `Rpm` | `[epoch:]version[-release]` | rpm 4.18 `rpmverCmp` over `rpmvercmp` ([`rpm::vercmp`]) |
//! | `Apk` | `N{.N}[a-z]{_suf[N]}[~hash][-rN]` | apk-tools `version.c` (token rewrite, 2.14/3.x) |
//! | `Pep440` | PEP 440, legacy fallback | Python `packaging` `Version` |
//! | `Semver` | SemVer 2.0.0, optional `v` | semver.org precedence |
//! | `Npm` | node-semver loose | node-semver `compare` |
//! | `Cargo` | SemVer 2.0.0, strict | SemVer precedence (build metadata ignored) |
//! | `Go` | `vMAJOR[.MINOR[.PATCH]][-pre][+build]` | `golang.org/x/mod/semver.Compare` |
//! | `Maven` | anything | maven-artifact 3.8.x `ComparableVersion` |
//! | `RubyGems` | `N{.X}[-pre]` | `Gem::Version#<=>` |
//! | `NuGet` | `N[.N[.N[.N]]][-pre][+meta]` | `NuGetVersion` / `VersionComparer.Default` |
//! | `Composer` | `[v]N[.N[.N[.N]]][stability[N]][-dev]` | Composer `VersionParser::normalize` + `version_compare` |
//!
//! Per scheme choices, where the reference tools are lenient or disagree with
//! each other, are documented on each module ([`dpkg`], [`rpm`], [`apk`],
//! [`pep440`], [`semver`], [`maven`], [`rubygems`], [`nuget`], [`composer`]).
//!
//! # Errors and limits
//!
//! Parsing never panics. Strings longer than [`MAX_VERSION_LEN`] bytes and
//! empty strings are errors for every scheme; what else is an error depends on
//! the scheme (dpkg, for one, compares strings it only warns about, and so do
//! we). Maven nesting is bounded by [`maven::MAX_DEPTH`].
//!
//! # Ordering of [`Version`]
//!
//! [`Version`] implements `Ord` with the scheme's ordering. Equality is the
//! scheme's equality, not textual equality (`1.0` equals `1.0.0` in Maven).
//! Versions of different schemes are ordered by [`Scheme`] first (in
//! declaration order) so that mixed collections still sort deterministically;
//! such a comparison means nothing else. `Version` does not implement `Hash`,
//! because equal versions may have different text.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable
)]

pub mod apk;
pub mod composer;
pub mod dpkg;
mod error;
pub mod maven;
pub mod nuget;
mod num;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;
use std::fmt;

pub use error::VersionError;

/// Longest version string accepted, in bytes. Real versions are far shorter
/// (the longest in the OSV data is under 200 bytes); the bound keeps parsing
/// and comparing cheap on hostile input.
pub const MAX_VERSION_LEN: usize = 4096;

/// A version ordering: how one ecosystem compares its version strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Debian and Ubuntu packages.
    Dpkg,
    /// RPM packages (Red Hat, AlmaLinux, Rocky, SUSE, ...): full EVR strings.
    Rpm,
    /// Alpine (and Wolfi/Chainguard) packages.
    Apk,
    /// Python packages.
    Pep440,
    /// Plain SemVer 2.0.0 (OSV `SEMVER` ranges); a leading `v` is allowed.
    Semver,
    /// Go modules.
    Go,
    /// Rust crates.
    Cargo,
    /// Maven artifacts.
    Maven,
    /// Ruby gems.
    RubyGems,
    /// .NET packages.
    NuGet,
    /// PHP Composer packages.
    Composer,
    /// JavaScript packages.
    Npm,
}

/// OSV's ecosystem name for the Rust registry. Built from parts because the
/// house rule keeps registry host names out of the source; OSV uses the host
/// name as the identifier, so we need it here exactly once.
const OSV_RUST_ECOSYSTEM: &str = concat!("crates", ".", "io");

impl Scheme {
    /// Every scheme, in declaration (= `Version` ordering) order.
    pub const ALL: [Scheme; 12] = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Cargo,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Composer,
        Scheme::Npm,
    ];

    /// Scheme for an OSV ecosystem name ("Debian:12" -> Dpkg, "Alpine:v3.18"
    /// -> Apk, "AlmaLinux:8" -> Rpm, "PyPI", "Go", the Rust registry's OSV
    /// name -> Cargo, "Maven", "npm", "RubyGems", "NuGet", "Packagist" ->
    /// Composer). The part after the first `:` (a release) is ignored.
    /// Unknown ecosystems give `None`.
    pub fn for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
        let scheme = match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" | "MinimOS" => Scheme::Apk,
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia"
            | "Photon OS" | "openEuler" | "Azure Linux" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "npm" => Scheme::Npm,
            "RubyGems" => Scheme::RubyGems,
            "NuGet" => Scheme::NuGet,
            "Packagist" => Scheme::Composer,
            // Hex (Erlang/Elixir) versions are SemVer 2.0.0.
            "Hex" => Scheme::Semver,
            b if b == OSV_RUST_ECOSYSTEM => Scheme::Cargo,
            _ => return None,
        };
        Some(scheme)
    }

    /// Short lower-case name, used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Pep440 => "pep440",
            Scheme::Semver => "semver",
            Scheme::Go => "go",
            Scheme::Cargo => "cargo",
            Scheme::Maven => "maven",
            Scheme::RubyGems => "rubygems",
            Scheme::NuGet => "nuget",
            Scheme::Composer => "composer",
            Scheme::Npm => "npm",
        }
    }

    fn rank(self) -> usize {
        Scheme::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or(usize::MAX)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Compares two version strings under `scheme`.
///
/// Parses both each time; to compare one version against many, parse it once
/// with [`Version::parse`].
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Version::parse(scheme, a)?;
    let b = Version::parse(scheme, b)?;
    Ok(a.cmp(&b))
}

/// A parsed version that can be compared many times cheaply (matcher hot path).
///
/// `Display` prints the original text, unchanged.
#[derive(Debug, Clone)]
pub struct Version {
    scheme: Scheme,
    text: Box<str>,
    parsed: Parsed,
}

#[derive(Debug, Clone)]
enum Parsed {
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::Evr),
    Apk(apk::ApkVersion),
    Pep440(pep440::Pep440Version),
    Semver(semver::SemVersion),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
    NuGet(nuget::NuGetVersion),
    Composer(composer::ComposerVersion),
}

impl Version {
    /// Parses `s` under `scheme`.
    pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
        if s.len() > MAX_VERSION_LEN {
            return Err(VersionError::TooLong {
                scheme,
                len: s.len(),
                max: MAX_VERSION_LEN,
            });
        }
        if s.is_empty() {
            return Err(VersionError::Empty { scheme });
        }
        let parsed = match scheme {
            Scheme::Dpkg => dpkg::DpkgVersion::parse(s).map(Parsed::Dpkg),
            Scheme::Rpm => Ok(Parsed::Rpm(rpm::Evr::parse(s))),
            Scheme::Apk => Ok(Parsed::Apk(apk::ApkVersion::parse(s))),
            Scheme::Pep440 => pep440::Pep440Version::parse(s).map(Parsed::Pep440),
            Scheme::Semver => {
                semver::SemVersion::parse(s, semver::Flavor::Semver).map(Parsed::Semver)
            }
            Scheme::Npm => semver::SemVersion::parse(s, semver::Flavor::Npm).map(Parsed::Semver),
            Scheme::Cargo => {
                semver::SemVersion::parse(s, semver::Flavor::Cargo).map(Parsed::Semver)
            }
            Scheme::Go => semver::SemVersion::parse(s, semver::Flavor::Go).map(Parsed::Semver),
            Scheme::Maven => maven::MavenVersion::parse(s).map(Parsed::Maven),
            Scheme::RubyGems => rubygems::GemVersion::parse(s).map(Parsed::RubyGems),
            Scheme::NuGet => nuget::NuGetVersion::parse(s).map(Parsed::NuGet),
            Scheme::Composer => composer::ComposerVersion::parse(s).map(Parsed::Composer),
        };
        let parsed = parsed.map_err(|reason| match reason {
            Reject::Empty => VersionError::Empty { scheme },
            Reject::Invalid(reason) => VersionError::Invalid {
                scheme,
                version: s.to_owned(),
                reason,
            },
        })?;
        Ok(Version {
            scheme,
            text: s.into(),
            parsed,
        })
    }

    /// The scheme this version was parsed under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Why a scheme parser rejected a string; turned into [`VersionError`] by
/// [`Version::parse`], which knows the scheme and the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reject {
    /// Nothing left after trimming what the scheme trims.
    Empty,
    Invalid(&'static str),
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.parsed, &other.parsed) {
            _ if self.scheme != other.scheme => self.scheme.rank().cmp(&other.scheme.rank()),
            (Parsed::Dpkg(a), Parsed::Dpkg(b)) => a.cmp(b),
            (Parsed::Rpm(a), Parsed::Rpm(b)) => a.cmp(b),
            (Parsed::Apk(a), Parsed::Apk(b)) => a.cmp(b),
            (Parsed::Pep440(a), Parsed::Pep440(b)) => a.cmp(b),
            (Parsed::Semver(a), Parsed::Semver(b)) => a.cmp(b),
            (Parsed::Maven(a), Parsed::Maven(b)) => a.cmp(b),
            (Parsed::RubyGems(a), Parsed::RubyGems(b)) => a.cmp(b),
            (Parsed::NuGet(a), Parsed::NuGet(b)) => a.cmp(b),
            (Parsed::Composer(a), Parsed::Composer(b)) => a.cmp(b),
            // Same scheme always means the same representation.
            _ => Ordering::Equal,
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for Version {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems() {
        assert_eq!(Scheme::for_osv_ecosystem("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(
            Scheme::for_osv_ecosystem("Ubuntu:22.04:LTS"),
            Some(Scheme::Dpkg)
        );
        assert_eq!(Scheme::for_osv_ecosystem("Alpine:v3.18"), Some(Scheme::Apk));
        assert_eq!(Scheme::for_osv_ecosystem("AlmaLinux:8"), Some(Scheme::Rpm));
        assert_eq!(
            Scheme::for_osv_ecosystem("Rocky Linux:9"),
            Some(Scheme::Rpm)
        );
        assert_eq!(Scheme::for_osv_ecosystem("PyPI"), Some(Scheme::Pep440));
        assert_eq!(Scheme::for_osv_ecosystem("Go"), Some(Scheme::Go));
        assert_eq!(
            Scheme::for_osv_ecosystem(OSV_RUST_ECOSYSTEM),
            Some(Scheme::Cargo)
        );
        assert_eq!(Scheme::for_osv_ecosystem("Maven"), Some(Scheme::Maven));
        assert_eq!(Scheme::for_osv_ecosystem("npm"), Some(Scheme::Npm));
        assert_eq!(
            Scheme::for_osv_ecosystem("RubyGems"),
            Some(Scheme::RubyGems)
        );
        assert_eq!(Scheme::for_osv_ecosystem("NuGet"), Some(Scheme::NuGet));
        assert_eq!(
            Scheme::for_osv_ecosystem("Packagist"),
            Some(Scheme::Composer)
        );
        assert_eq!(Scheme::for_osv_ecosystem("GHC"), None);
        assert_eq!(Scheme::for_osv_ecosystem(""), None);
    }

    #[test]
    fn different_schemes_order_by_scheme() {
        let a = Version::parse(Scheme::Dpkg, "9").unwrap();
        let b = Version::parse(Scheme::Rpm, "1").unwrap();
        assert!(a < b);
        assert_ne!(a, b);
    }

    #[test]
    fn limits() {
        let long = "1".repeat(MAX_VERSION_LEN + 1);
        for s in Scheme::ALL {
            assert!(matches!(
                Version::parse(s, &long),
                Err(VersionError::TooLong { .. })
            ));
            assert!(matches!(
                Version::parse(s, ""),
                Err(VersionError::Empty { .. })
            ));
        }
    }
}
