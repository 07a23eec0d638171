//! RPM versions: `[epoch:]version[-release]` (EVR), ordered as rpm 4.18 does.
//!
//! [`vercmp`] is rpm's `rpmvercmp`: the strings are split into runs of ASCII
//! digits and runs of ASCII letters; everything else separates runs and is
//! otherwise ignored (`1.0 == 1_0`, and non-ASCII characters are
//! separators). Digit runs compare as integers (leading zeros ignored), letter
//! runs byte-wise, and a digit run is newer than a letter run. `~` sorts
//! before anything, even the end of the string (`1.0~rc1 < 1.0`); `^` sorts
//! after the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`). When
//! all runs are equal, the string with runs left over is newer.
//!
//! [`Scheme::Rpm`](crate::Scheme::Rpm) parses a whole EVR as rpm's
//! `rpmverParse` does: leading digits followed by `:` are the epoch (an empty
//! epoch is `0`; anything else before a `:` is part of the version), the text
//! after the last `-` is the release. It compares epochs (missing = `0`),
//! then versions, then releases with [`vercmp`]; a version with a release is
//! newer than the same version without one (rpm 4.18 `rpmverCmp`). This is
//! also what rpm's Lua `rpm.vercmp` does, so `1.2.3.4 < 1-2-3-4` there
//! although a bare `rpmvercmp` calls them equal. Every non-empty string parses.

use std::cmp::Ordering;

/// A parsed rpm EVR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Evr {
    epoch: Option<Box<str>>,
    version: Box<str>,
    release: Option<Box<str>>,
}

impl Evr {
    pub(crate) fn parse(s: &str) -> Evr {
        let digits = crate::num::digit_run(s.as_bytes());
        let after_digits = s.get(digits..).unwrap_or("");
        let (epoch, rest) = match after_digits.strip_prefix(':') {
            Some(rest) => {
                let e = s.get(..digits).unwrap_or("");
                (Some(if e.is_empty() { "0" } else { e }), rest)
            }
            None => (None, s),
        };
        let (version, release) = match rest.rfind('-') {
            Some(at) => (
                rest.get(..at).unwrap_or(""),
                Some(rest.get(at + 1..).unwrap_or("")),
            ),
            None => (rest, None),
        };
        Evr {
            epoch: epoch.map(Into::into),
            version: version.into(),
            release: release.map(Into::into),
        }
    }
}

impl Ord for Evr {
    fn cmp(&self, other: &Self) -> Ordering {
        let ea = self.epoch.as_deref().unwrap_or("0");
        let eb = other.epoch.as_deref().unwrap_or("0");
        vercmp(ea, eb)
            .then_with(|| vercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => vercmp(a, b),
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (None, None) => Ordering::Equal,
            })
    }
}

impl PartialOrd for Evr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// rpm's `rpmvercmp` on two version (or release) strings, without EVR
/// parsing. Accepts any string, the empty one included.
pub fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let is_sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    loop {
        while a.get(i).is_some_and(is_sep) {
            i += 1;
        }
        while b.get(j).is_some_and(is_sep) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return Ordering::Equal;
        }
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            // One string ran out: the one with something left is newer.
            return if ca.is_none() {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let seg_a = run(a, i, class);
        let seg_b = run(b, j, class);
        i += seg_a.len();
        j += seg_b.len();
        if seg_b.is_empty() {
            // Different kinds of run: numbers are newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            let sa = strip_zeros(seg_a);
            let sb = strip_zeros(seg_b);
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            seg_a.cmp(seg_b)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

fn run(s: &[u8], from: usize, class: impl Fn(&u8) -> bool) -> &[u8] {
    let rest = s.get(from..).unwrap_or(&[]);
    let n = rest.iter().take_while(|c| class(c)).count();
    rest.get(..n).unwrap_or(&[])
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| **c == b'0').count();
    s.get(n..).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpmvercmp_basics() {
        assert_eq!(vercmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(vercmp("2.0", "2_0"), Ordering::Equal);
        assert_eq!(vercmp("10.0001", "10.1"), Ordering::Equal);
        assert_eq!(vercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(vercmp("1.0^", "1.0"), Ordering::Greater);
        assert_eq!(vercmp("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(vercmp("1.0a", "1.0.1"), Ordering::Less);
        assert_eq!(vercmp("1", ""), Ordering::Greater);
        assert_eq!(vercmp("~", ""), Ordering::Less);
    }

    #[test]
    fn evr_parse() {
        let e = Evr::parse("1:2.3-4.el9");
        assert_eq!(e.epoch.as_deref(), Some("1"));
        assert_eq!(&*e.version, "2.3");
        assert_eq!(e.release.as_deref(), Some("4.el9"));
        let e = Evr::parse("a:1");
        assert_eq!(e.epoch, None);
        assert_eq!(&*e.version, "a:1");
        assert!(Evr::parse("1") < Evr::parse("1-0"));
        assert_eq!(
            Evr::parse("0:1.0-1").cmp(&Evr::parse("1.0-1")),
            Ordering::Equal
        );
    }
}
