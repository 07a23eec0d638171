//! NuGet versions, ordered as `NuGetVersion` with `VersionComparer.Default`.
//!
//! Accepted: 1 to 4 dot-separated numbers (each at most 2^31-1, leading
//! zeros allowed; missing ones are `0`, so `1.0 == 1.0.0 == 1.0.0.0`), an
//! optional `-` pre-release of dot-separated `[0-9A-Za-z-]+` labels and an
//! optional `+` metadata part, which is ignored. No `v` prefix, no spaces.
//!
//! Ordering: major, minor, patch, revision; a release is newer than its
//! pre-releases; labels compare left to right, numeric labels as numbers and
//! before non-numeric ones, others case-insensitively (`1.0.0-BETA ==
//! 1.0.0-beta`); a shorter label list is older than a longer one it starts.

use std::cmp::Ordering;

use crate::Reject;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Numeric(u64),
    /// Lower-cased: the comparison is case-insensitive.
    Text(Box<str>),
}

/// A parsed NuGet version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NuGetVersion {
    numbers: [u32; 4],
    pre: Vec<Label>,
}

impl NuGetVersion {
    pub(crate) fn parse(s: &str) -> Result<NuGetVersion, Reject> {
        let main = s.split_once('+').map_or(
            s,
            |(m, meta)| {
                if meta.split('.').all(is_label) {
                    m
                } else {
                    ""
                }
            },
        );
        if main.is_empty() {
            return Err(Reject::Invalid("expected N[.N[.N[.N]]][-pre][+meta]"));
        }
        let (nums, pre) = match main.split_once('-') {
            Some((n, p)) => (n, Some(p)),
            None => (main, None),
        };
        let mut numbers = [0u32; 4];
        for (count, part) in nums.split('.').enumerate() {
            let slot = numbers
                .get_mut(count)
                .ok_or(Reject::Invalid("more than four version numbers"))?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Reject::Invalid("expected N[.N[.N[.N]]][-pre][+meta]"));
            }
            *slot = part
                .parse::<u32>()
                .ok()
                .filter(|v| *v <= i32::MAX as u32)
                .ok_or(Reject::Invalid("version number above 2147483647"))?;
        }
        let mut labels = Vec::new();
        if let Some(p) = pre {
            for label in p.split('.') {
                if !is_label(label) {
                    return Err(Reject::Invalid("malformed pre-release label"));
                }
                labels.push(match label.parse::<u64>() {
                    Ok(n) if label.bytes().all(|b| b.is_ascii_digit()) => Label::Numeric(n),
                    _ => Label::Text(label.to_ascii_lowercase().into()),
                });
            }
        }
        Ok(NuGetVersion {
            numbers,
            pre: labels,
        })
    }
}

fn is_label(l: &str) -> bool {
    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
