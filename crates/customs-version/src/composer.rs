//! PHP Composer versions, ordered as Composer does: normalised by
//! `VersionParser::normalize`, then compared with PHP's `version_compare`.
//!
//! Accepted (case-insensitive): an optional `v`, 1 to 4 dot-separated
//! numbers (missing ones are `0`: `1.2 == 1.2.0.0`), then optionally a
//! stability modifier `stable|beta|b|RC|alpha|a|patch|pl|p` with optional
//! numbers (`1.0.0-beta2`, `1.0.0beta.2`), then optionally `-dev`, then an
//! ignored `+build`. Branch names (`dev-main`, `1.x-dev`) are rejected: they
//! have no order.
//!
//! Ordering: the four numbers, then stability `dev < alpha < beta < RC <
//! stable < patch` (`stable` is the plain release), then the stability's
//! numbers, with a missing number older than any number (`1.0.0-beta <
//! 1.0.0-beta1`), and a trailing `-dev` makes the version older than the
//! same version without it (`1.0.0-beta2-dev < 1.0.0-beta2`).

use std::cmp::Ordering;

use crate::num::{digit_run, Num};
use crate::Reject;

/// One position of the normalised version, in `version_compare` order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Dev,
    Alpha,
    Beta,
    Rc,
    /// Past the end of the shorter version: after pre-releases, before
    /// numbers and `patch`.
    Missing,
    Number(Num),
    Patch,
}

/// A parsed Composer version: its normalised parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComposerVersion {
    parts: Vec<Part>,
}

const SHAPE: &str = "expected [v]N[.N[.N[.N]]][stability[N]][-dev]";

impl ComposerVersion {
    pub(crate) fn parse(s: &str) -> Result<ComposerVersion, Reject> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Reject::Empty);
        }
        let lower = t.to_ascii_lowercase();
        let t = lower.split_once('+').map_or(lower.as_str(), |(m, _)| m);
        if t.starts_with("dev-") || t.ends_with(".x-dev") || t.ends_with(".*-dev") {
            return Err(Reject::Invalid("branch versions have no order"));
        }
        let t = t.strip_prefix('v').unwrap_or(t);
        let b = t.as_bytes();
        let mut i = 0usize;
        let mut parts = Vec::new();
        for k in 0..4 {
            if k > 0 {
                if b.get(i) != Some(&b'.') || !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    break;
                }
                i += 1;
            }
            let n = digit_run(b.get(i..).unwrap_or(&[]));
            if n == 0 {
                return Err(Reject::Invalid(SHAPE));
            }
            parts.push(Part::Number(Num::from_digits(
                t.get(i..i + n).unwrap_or("0"),
            )));
            i += n;
        }
        while parts.len() < 4 {
            parts.push(Part::Number(Num::ZERO));
        }
        let mut rest = t.get(i..).unwrap_or("");
        // `[._-]?(stability)((?:[.-]?\d+)*)?`
        let after_sep = rest.strip_prefix(['.', '_', '-']).unwrap_or(rest);
        const WORDS: [(&str, Option<Part>); 9] = [
            ("stable", None),
            ("beta", Some(Part::Beta)),
            ("b", Some(Part::Beta)),
            ("rc", Some(Part::Rc)),
            ("alpha", Some(Part::Alpha)),
            ("a", Some(Part::Alpha)),
            ("patch", Some(Part::Patch)),
            ("pl", Some(Part::Patch)),
            ("p", Some(Part::Patch)),
        ];
        if let Some((word, part)) = WORDS.iter().find(|(w, _)| after_sep.starts_with(w)) {
            rest = after_sep.get(word.len()..).unwrap_or("");
            let mut numbers = Vec::new();
            loop {
                let body = rest.strip_prefix(['.', '-']).unwrap_or(rest);
                let n = digit_run(body.as_bytes());
                if n == 0 {
                    break;
                }
                numbers.push(Part::Number(Num::from_digits(body.get(..n).unwrap_or("0"))));
                rest = body.get(n..).unwrap_or("");
            }
            if let Some(p) = part {
                parts.push(p.clone());
                parts.extend(numbers);
            }
        }
        // `([.-]?dev)?`
        let dev = rest.strip_prefix(['.', '-']).unwrap_or(rest);
        if dev == "dev" {
            parts.push(Part::Dev);
            rest = "";
        }
        if !rest.is_empty() {
            return Err(Reject::Invalid(SHAPE));
        }
        Ok(ComposerVersion { parts })
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for k in 0..n {
            let a = self.parts.get(k).unwrap_or(&Part::Missing);
            let b = other.parts.get(k).unwrap_or(&Part::Missing);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
