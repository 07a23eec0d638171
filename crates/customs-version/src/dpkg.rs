//! Debian versions: `[epoch:]upstream[-revision]`, ordered as dpkg does.
//!
//! Parsing follows dpkg's `parseversion`: leading and trailing whitespace is
//! ignored; embedded whitespace, a non-numeric, negative or too big
//! (> 2^31-1) epoch, an empty upstream version, an empty revision after a
//! `-`, and nothing after the epoch's `:` are errors. What dpkg only warns
//! about (an upstream version not starting with a digit, characters outside
//! `[A-Za-z0-9.+~:-]`) is accepted and compared as dpkg compares it.
//!
//! Comparison: epoch as a number, then upstream and revision with
//! `verrevcmp`: alternating non-digit and digit runs; non-digit runs compare
//! character by character where `~` sorts before everything (even the end of
//! the string), then the end, then letters, then everything else; digit runs
//! compare as integers. A missing revision compares like `0`. Bytes outside
//! ASCII sort between letters and ASCII punctuation, as they do in dpkg
//! built where `char` is signed (x86, the reference machines).

use std::cmp::Ordering;

use crate::Reject;

/// A parsed dpkg version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DpkgVersion {
    epoch: u32,
    upstream: Box<str>,
    revision: Box<str>,
}

impl DpkgVersion {
    pub(crate) fn parse(s: &str) -> Result<DpkgVersion, Reject> {
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        if s.is_empty() {
            return Err(Reject::Empty);
        }
        if s.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(Reject::Invalid("version string has embedded spaces"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                let epoch = parse_epoch(e)?;
                if rest.is_empty() {
                    return Err(Reject::Invalid("nothing after colon in version number"));
                }
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(Reject::Invalid("revision number is empty")),
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(Reject::Invalid("version number is empty"));
        }
        Ok(DpkgVersion {
            epoch,
            upstream: upstream.into(),
            revision: revision.into(),
        })
    }
}

/// dpkg reads the epoch with `strtol`: an optional sign, then digits, all of
/// the text before the colon.
fn parse_epoch(e: &str) -> Result<u32, Reject> {
    let (negative, digits) = match e.as_bytes().first() {
        Some(b'-') => (true, e.get(1..).unwrap_or("")),
        Some(b'+') => (false, e.get(1..).unwrap_or("")),
        _ => (false, e),
    };
    if digits.is_empty() {
        return Err(Reject::Invalid("epoch in version is empty"));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reject::Invalid("epoch in version is not number"));
    }
    let sig = digits.trim_start_matches('0');
    if sig.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err(Reject::Invalid("epoch in version is negative"));
    }
    match sig.parse::<u32>() {
        Ok(v) if v <= i32::MAX as u32 => Ok(v),
        _ => Err(Reject::Invalid("epoch in version is too big")),
    }
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Weight of one character in a non-digit run; `None` is the end of string.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        // Signed `char`: bytes >= 0x80 are negative, plus 256 gives the byte.
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision.
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    let nondigit = |s: &[u8], k: usize| s.get(k).is_some_and(|c| !c.is_ascii_digit());
    while i < a.len() || j < b.len() {
        while nondigit(a, i) || nondigit(b, j) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a.get(i).cmp(&b.get(j));
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a)
            .unwrap()
            .cmp(&DpkgVersion::parse(b).unwrap())
    }

    #[test]
    fn policy_examples() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.10", "1.9"), Ordering::Greater);
        assert_eq!(cmp(" 1.0 ", "1.0"), Ordering::Equal);
    }

    #[test]
    fn errors() {
        for bad in [
            "a:1",
            ":1",
            "1:",
            "1-",
            "-1",
            "1 2",
            "2147483648:1",
            "-1:1",
            "   ",
        ] {
            assert!(DpkgVersion::parse(bad).is_err(), "{bad}");
        }
        assert!(DpkgVersion::parse("2147483647:1").is_ok());
        assert!(DpkgVersion::parse("-0:1").is_ok());
        assert!(DpkgVersion::parse("abc").is_ok(), "dpkg only warns");
    }
}
