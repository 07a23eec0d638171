//! Ruby gem versions, ordered as `Gem::Version#<=>`.
//!
//! Accepted: `N(.X)*(-X(.X)*)?` where `N` is digits and `X` alphanumerics
//! (`-` allowed after the first `-`), surrounding whitespace ignored, as
//! `Gem::Version.correct?`. A `-` means `.pre.` (`1.0-1 == 1.0.pre.1`).
//! The version splits into segments, digit runs and letter runs
//! (`1.0.b1` is `[1, 0, "b", 1]`); any letter makes it a pre-release.
//!
//! Comparison uses the canonical segments: the numeric head and the tail from
//! the first letter segment each lose their trailing zeros (`1.0 == 1`,
//! `1.0.a == 1.a`). Segments compare pairwise with missing ones as `0`: a
//! letter segment is older than any number (`1.a < 1 < 1.0.1`), letter
//! segments compare byte-wise, numbers by value.

use std::cmp::Ordering;

use crate::num::Num;
use crate::Reject;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    /// Letters sort before numbers.
    Text(Box<str>),
    Number(Num),
}

/// A parsed gem version: its canonical segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GemVersion {
    segments: Vec<Segment>,
}

fn valid(s: &str) -> bool {
    let (main, pre) = match s.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (s, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

impl GemVersion {
    pub(crate) fn parse(s: &str) -> Result<GemVersion, Reject> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Reject::Empty);
        }
        if !valid(t) {
            return Err(Reject::Invalid("expected N(.X)*(-X(.X)*)?"));
        }
        // `-` becomes `.pre.`, then digit and letter runs are the segments.
        let mut raw = Vec::new();
        let expanded = t.replace('-', ".pre.");
        let b = expanded.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let digit = b.get(i).is_some_and(u8::is_ascii_digit);
            let alpha = b.get(i).is_some_and(u8::is_ascii_alphabetic);
            if !digit && !alpha {
                i += 1;
                continue;
            }
            let len = b
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|c| {
                    if digit {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count();
            let text = expanded.get(i..i + len).unwrap_or("");
            raw.push(if digit {
                Segment::Number(Num::from_digits(text))
            } else {
                Segment::Text(text.into())
            });
            i += len;
        }
        // Canonical: strip trailing zeros from the numeric head and the tail.
        let split = raw
            .iter()
            .position(|s| matches!(s, Segment::Text(_)))
            .unwrap_or(raw.len());
        let tail = raw.split_off(split);
        let mut segments = strip_zeros(raw);
        segments.extend(strip_zeros(tail));
        Ok(GemVersion { segments })
    }
}

fn strip_zeros(mut v: Vec<Segment>) -> Vec<Segment> {
    while v
        .last()
        .is_some_and(|s| matches!(s, Segment::Number(n) if n.is_zero()))
    {
        v.pop();
    }
    v
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number(Num::ZERO);
        let n = self.segments.len().max(other.segments.len());
        for k in 0..n {
            let a = self.segments.get(k).unwrap_or(&zero);
            let b = other.segments.get(k).unwrap_or(&zero);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
