//! Python versions: PEP 440, ordered as `packaging.version.Version`.
//!
//! Accepted (case-insensitively, surrounding whitespace ignored) with the
//! spellings `packaging` normalises: an optional `v`, `N!` epoch, release
//! `N(.N)*`, pre-release `a|alpha|b|beta|c|rc|pre|preview` with optional
//! separators and number (`1.0RC1 == 1.0rc1`, `1.0-pre.2 == 1.0rc2`),
//! post-release `.postN`, `-N`, `rev`, `r` (`1.0-post1 == 1.0.post1 ==
//! 1.0-1`), `.devN`, and a `+local` label. Missing numbers are `0`.
//!
//! Ordering: epoch, release (trailing zeros ignored), then `.devN` <
//! `aN` < `bN` < `rcN` < release < `.postN` (a dev release of a
//! pre-release or post-release sorts just before it), then local labels (none
//! < any; segments compared numerically when both are numbers, letters before
//! numbers).
//!
//! Strings that are not PEP 440 (OSV still lists some, like `0.9-eevee` or
//! `2013-08-12T21:48:56+0200`) are kept as *legacy* versions, ordered among
//! themselves as `packaging` < 22 ordered `LegacyVersion` (setuptools'
//! historical scheme) and below every PEP 440 version, as that
//! `LegacyVersion` did. Only empty strings are rejected.

use std::cmp::Ordering;

use crate::num::{digit_run, Num};
use crate::Reject;

/// A parsed Python version: PEP 440 or the legacy fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pep440Version {
    /// Not PEP 440: the legacy comparison key.
    Legacy(Vec<Box<str>>),
    /// A PEP 440 version.
    Pep440(Box<Release>),
}

/// Pre-release kinds in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    Alpha,
    Beta,
    Rc,
}

/// Sort position of the pre-release slot, as `packaging`'s `_cmpkey`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PreKey {
    /// `1.0.dev1`: a dev release with neither pre nor post sorts before `1.0a0`.
    DevOnly,
    Pre(PreKind, Num),
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalSegment {
    Text(Box<str>),
    Number(Num),
}

/// The comparison key of a PEP 440 version; field order is comparison order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Release {
    epoch: Num,
    /// Release numbers with trailing zeros removed.
    release: Vec<Num>,
    pre: PreKey,
    /// `None` (no post release) sorts first.
    post: Option<Num>,
    /// `None` (not a dev release) must sort last: stored as (is_final, n).
    dev: (bool, Num),
    /// `None` (no local label) sorts first.
    local: Option<Vec<LocalSegment>>,
}

impl Pep440Version {
    pub(crate) fn parse(s: &str) -> Result<Pep440Version, Reject> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Reject::Empty);
        }
        let lower = t.to_ascii_lowercase();
        Ok(match parse_pep440(lower.as_bytes()) {
            Some(r) => Pep440Version::Pep440(Box::new(r)),
            None => Pep440Version::Legacy(legacy_key(&t.to_lowercase())),
        })
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Pep440Version::Legacy(a), Pep440Version::Legacy(b)) => a.cmp(b),
            (Pep440Version::Legacy(_), Pep440Version::Pep440(_)) => Ordering::Less,
            (Pep440Version::Pep440(_), Pep440Version::Legacy(_)) => Ordering::Greater,
            (Pep440Version::Pep440(a), Pep440Version::Pep440(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A cursor over the lower-cased version.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }
    fn rest(&self) -> &[u8] {
        self.s.get(self.i..).unwrap_or(&[])
    }
    fn number(&mut self) -> Option<Num> {
        let n = digit_run(self.rest());
        if n == 0 {
            return None;
        }
        let digits = std::str::from_utf8(self.rest().get(..n)?).ok()?;
        let v = Num::from_digits(digits);
        self.i += n;
        Some(v)
    }
    /// Matches the first of `words` that the text continues with.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = self.rest();
        let k = words.iter().position(|w| rest.starts_with(w.as_bytes()))?;
        self.i += words.get(k)?.len();
        Some(k)
    }
    fn is_sep(c: Option<u8>) -> bool {
        matches!(c, Some(b'-' | b'_' | b'.'))
    }
    /// `[-_.]?LABEL` where LABEL is one of `words`; consumes nothing on failure.
    fn sep_word(&mut self, words: &[&str]) -> Option<usize> {
        let start = self.i;
        if Self::is_sep(self.peek()) {
            self.i += 1;
        }
        match self.word(words) {
            Some(k) => Some(k),
            None => {
                self.i = start;
                None
            }
        }
    }
    /// `[-_.]?N?` after a label: the separator only counts if a number follows.
    fn sep_number(&mut self) -> Option<Num> {
        if Self::is_sep(self.peek()) && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.number()
    }
}

fn parse_pep440(s: &[u8]) -> Option<Release> {
    let mut c = Cursor { s, i: 0 };
    if c.peek() == Some(b'v') {
        c.i += 1;
    }
    let first = c.number()?;
    let (epoch, first) = if c.peek() == Some(b'!') {
        c.i += 1;
        (first, c.number()?)
    } else {
        (Num::ZERO, first)
    };
    let mut release = vec![first];
    while c.peek() == Some(b'.') && c.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
        c.i += 1;
        release.push(c.number()?);
    }
    while release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    const PRE: [&str; 8] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"];
    let pre = c.sep_word(&PRE).map(|k| {
        let kind = match k {
            0 | 1 => PreKind::Alpha,
            2 | 3 => PreKind::Beta,
            _ => PreKind::Rc,
        };
        (kind, c.sep_number().unwrap_or(Num::ZERO))
    });
    let post = if c.peek() == Some(b'-') && c.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
        c.i += 1;
        c.number()
    } else {
        c.sep_word(&["post", "rev", "r"])
            .map(|_| c.sep_number().unwrap_or(Num::ZERO))
    };
    let dev = c
        .sep_word(&["dev"])
        .map(|_| c.sep_number().unwrap_or(Num::ZERO));
    let local = if c.peek() == Some(b'+') {
        c.i += 1;
        let text = std::str::from_utf8(c.rest()).ok()?;
        let mut segments = Vec::new();
        for seg in text.split(['-', '_', '.']) {
            if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            segments.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                LocalSegment::Number(Num::from_digits(seg))
            } else {
                LocalSegment::Text(seg.into())
            });
        }
        c.i = s.len();
        Some(segments)
    } else {
        None
    };
    if c.i != s.len() {
        return None;
    }
    let pre_key = match (&pre, &post, &dev) {
        (None, None, Some(_)) => PreKey::DevOnly,
        (None, _, _) => PreKey::Final,
        (Some((k, n)), _, _) => PreKey::Pre(*k, n.clone()),
    };
    Some(Release {
        epoch,
        release,
        pre: pre_key,
        post,
        dev: match dev {
            Some(n) => (false, n),
            None => (true, Num::ZERO),
        },
        local,
    })
}

/// `packaging` < 22 `LegacyVersion` key: runs of digits (zero-padded to 8),
/// runs of letters and other text (prefixed `*`), with pre-release words
/// mapped so they sort before `*final`, and trailing zeros and `*final-`
/// dropped before each text part.
fn legacy_key(s: &str) -> Vec<Box<str>> {
    let mut parts: Vec<Box<str>> = Vec::new();
    for raw in legacy_split(s) {
        let part = match raw {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if part.is_empty() || part == "." {
            continue;
        }
        if part.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            parts.push(format!("{part:0>8}").into());
        } else {
            let text = format!("*{part}");
            if text.as_str() < "*final" {
                while parts.last().is_some_and(|p| &**p == "*final-") {
                    parts.pop();
                }
                while parts.last().is_some_and(|p| &**p == "00000000") {
                    parts.pop();
                }
            }
            parts.push(text.into());
        }
    }
    parts.push("*final".into());
    parts
}

/// `re.split(r"(\d+|[a-z]+|\.|-)", s)`: the matches and the text between.
fn legacy_split(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut gap_start) = (0usize, 0usize);
    while i < b.len() {
        let len = match b.get(i) {
            Some(c) if c.is_ascii_digit() => digit_run(b.get(i..).unwrap_or(&[])),
            Some(c) if c.is_ascii_lowercase() => b
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count(),
            Some(b'.' | b'-') => 1,
            _ => 0,
        };
        if len == 0 {
            // Not a token: part of the text between tokens. Step over a
            // whole UTF-8 character so slicing stays on boundaries.
            i += s
                .get(i..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
            continue;
        }
        out.push(s.get(gap_start..i).unwrap_or(""));
        out.push(s.get(i..i + len).unwrap_or(""));
        i += len;
        gap_start = i;
    }
    out.push(s.get(gap_start..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Pep440Version::parse(a)
            .unwrap()
            .cmp(&Pep440Version::parse(b).unwrap())
    }

    fn is_pep440(s: &str) -> bool {
        matches!(Pep440Version::parse(s), Ok(Pep440Version::Pep440(_)))
    }

    #[test]
    fn normalisation() {
        assert_eq!(cmp("1.0RC1", "1.0rc1"), Ordering::Equal);
        assert_eq!(cmp("1.0-post1", "1.0.post1"), Ordering::Equal);
        assert_eq!(cmp("1.0-1", "1.0.post1"), Ordering::Equal);
        assert_eq!(cmp("1.0c1", "1.0rc1"), Ordering::Equal);
        assert_eq!(cmp("v1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0a", "1.0a0"), Ordering::Equal);
        assert_eq!(cmp("1.0-dev", "1.0.dev0"), Ordering::Equal);
        assert_eq!(cmp("1.0+ubuntu-1", "1.0+ubuntu.1"), Ordering::Equal);
        assert!(is_pep440("1!2.0.post1.dev3+abc.5"));
        assert!(!is_pep440("1.0-foo"));
        assert!(!is_pep440("1.0+"));
        assert!(!is_pep440("1.0+a..b"));
    }

    #[test]
    fn ordering() {
        let asc = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
        ];
        for w in asc.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(
            cmp("0.9-eevee", "0.1"),
            Ordering::Less,
            "legacy below PEP 440"
        );
    }
}
