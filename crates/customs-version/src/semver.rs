//! SemVer 2.0.0 and the ecosystems built on it: plain SemVer, npm, Cargo
//! and Go modules.
//!
//! All four order by SemVer precedence: major, minor, patch as numbers, then
//! a version with a pre-release is older than the same version without;
//! pre-release identifiers compare left to right, numeric ones as numbers,
//! others byte-wise (ASCII), numeric before alphanumeric, and a shorter list
//! before a longer one it starts. Build metadata (`+...`) is ignored, so
//! `1.0.0+a == 1.0.0+b`. Numbers of any length compare by value (node-semver
//! would reject numbers above 2^53; we compare them instead).
//!
//! What each flavour accepts:
//!
//! - [`Scheme::Semver`](crate::Scheme::Semver): SemVer 2.0.0 with an optional
//!   leading `v` (as node-semver's strict parser and OSV `SEMVER` ranges).
//! - [`Scheme::Npm`](crate::Scheme::Npm): node-semver's *loose* parser:
//!   surrounding whitespace and any leading `v`, `=` and spaces are skipped,
//!   numbers may have leading zeros, the `-` before the pre-release may be
//!   left out (`1.2.3beta`), and numeric pre-release identifiers compare as
//!   numbers even with leading zeros.
//! - [`Scheme::Cargo`](crate::Scheme::Cargo): strict SemVer 2.0.0 as the
//!   Rust `semver` crate parses it (no `v`, no leading zeros, numbers fit in
//!   64 bits). Unlike that crate's `Ord` we ignore build metadata, as its
//!   `VersionReq` matching does.
//! - [`Scheme::Go`](crate::Scheme::Go): `golang.org/x/mod/semver`: `v`,
//!   then `MAJOR[.MINOR[.PATCH]]` (the short forms `v1` and `v1.2` mean
//!   `v1.0.0` and `v1.2.0` and allow nothing after them), no leading zeros.
//!   `+incompatible` is build metadata and so ignored; pseudo-versions
//!   (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019...`,
//!   `v1.2.3-pre.0.2019...`) are pre-releases and order as such. The `v` may
//!   be left out, because OSV's Go ranges leave it out.

use std::cmp::Ordering;

use crate::num::{digit_run, Num};
use crate::Reject;

/// Which parser to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Semver,
    Npm,
    Cargo,
    Go,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    Numeric(Num),
    Alphanumeric(Box<str>),
}

/// A parsed SemVer-family version (build metadata dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SemVersion {
    major: Num,
    minor: Num,
    patch: Num,
    pre: Vec<Identifier>,
}

impl Ord for SemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for SemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

const INVALID_NUMBER: Reject = Reject::Invalid("expected a number without leading zeros");

impl SemVersion {
    pub(crate) fn parse(s: &str, flavor: Flavor) -> Result<SemVersion, Reject> {
        let mut t = s;
        match flavor {
            Flavor::Npm => {
                t = t
                    .trim()
                    .trim_start_matches(|c: char| c == 'v' || c == '=' || c.is_whitespace());
            }
            Flavor::Semver | Flavor::Go => t = t.strip_prefix('v').unwrap_or(t),
            Flavor::Cargo => {}
        }
        if t.is_empty() {
            return Err(Reject::Empty);
        }
        let loose = flavor == Flavor::Npm;
        let (main, build) = match t.split_once('+') {
            Some((m, b)) => (m, Some(b)),
            None => (t, None),
        };
        if let Some(build) = build {
            if !build.split('.').all(is_identifier) {
                return Err(Reject::Invalid("malformed build metadata"));
            }
        }
        let b = main.as_bytes();
        let mut i = 0usize;
        let mut numbers = [Num::ZERO, Num::ZERO, Num::ZERO];
        let mut parts = 0;
        for (k, slot) in numbers.iter_mut().enumerate() {
            if k > 0 {
                if b.get(i) != Some(&b'.') {
                    // Go's short forms: `v1`, `v1.2`, with nothing after.
                    if flavor == Flavor::Go && i == b.len() {
                        break;
                    }
                    return Err(Reject::Invalid("expected MAJOR.MINOR.PATCH"));
                }
                i += 1;
            }
            let rest = b.get(i..).unwrap_or(&[]);
            let n = digit_run(rest);
            if n == 0 {
                return Err(Reject::Invalid("expected MAJOR.MINOR.PATCH"));
            }
            let digits = main.get(i..i + n).unwrap_or("0");
            if !loose && n > 1 && digits.starts_with('0') {
                return Err(INVALID_NUMBER);
            }
            *slot = Num::from_digits(digits);
            if flavor == Flavor::Cargo && slot.as_u64().is_none() {
                return Err(Reject::Invalid("number does not fit in 64 bits"));
            }
            i += n;
            parts += 1;
        }
        let rest = main.get(i..).unwrap_or("");
        let pre_text = if let Some(p) = rest.strip_prefix('-') {
            Some(p)
        } else if rest.is_empty() {
            None
        } else if loose {
            Some(rest)
        } else {
            return Err(Reject::Invalid("unexpected text after MAJOR.MINOR.PATCH"));
        };
        if parts < 3 && build.is_some() {
            return Err(Reject::Invalid("short Go version with a suffix"));
        }
        let mut pre = Vec::new();
        if let Some(p) = pre_text {
            for id in p.split('.') {
                if !is_identifier(id) {
                    return Err(Reject::Invalid("malformed pre-release"));
                }
                if id.bytes().all(|c| c.is_ascii_digit()) {
                    if !loose && id.len() > 1 && id.starts_with('0') {
                        return Err(INVALID_NUMBER);
                    }
                    pre.push(Identifier::Numeric(Num::from_digits(id)));
                } else {
                    pre.push(Identifier::Alphanumeric(id.into()));
                }
            }
        }
        let [major, minor, patch] = numbers;
        Ok(SemVersion {
            major,
            minor,
            patch,
            pre,
        })
    }
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, f: Flavor) -> Result<SemVersion, Reject> {
        SemVersion::parse(s, f)
    }

    #[test]
    fn flavours() {
        assert!(p("v1.2.3", Flavor::Semver).is_ok());
        assert!(p("v1.2.3", Flavor::Cargo).is_err());
        assert!(p("01.2.3", Flavor::Semver).is_err());
        assert!(p("=v01.2.3", Flavor::Npm).is_ok());
        assert!(p("1.2.3beta", Flavor::Npm).is_ok());
        assert!(p("1.2.3beta", Flavor::Semver).is_err());
        assert!(p("v1", Flavor::Go).is_ok());
        assert!(p("v1.2", Flavor::Go).is_ok());
        assert!(p("v1.2-pre", Flavor::Go).is_err());
        assert!(p("v1+build", Flavor::Go).is_err());
        assert!(p("v1.2", Flavor::Semver).is_err());
        assert!(p("1.2.3-", Flavor::Semver).is_err());
        assert!(p("1.2.3-a..b", Flavor::Semver).is_err());
        assert!(p("1.2.3+", Flavor::Semver).is_err());
        assert!(p("18446744073709551616.0.0", Flavor::Cargo).is_err());
        assert_eq!(p("v1", Flavor::Go), p("v1.0.0", Flavor::Go));
    }
}
