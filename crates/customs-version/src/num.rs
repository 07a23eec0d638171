//! Decimal numbers of any length, compared by value without overflow.

use std::cmp::Ordering;

/// A non-negative integer parsed from ASCII digits. Most are small and kept
/// as `u64`; longer ones (20+ significant digits) keep their digits, which
/// still compare by value: more significant digits means larger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    Small(u64),
    /// Significant digits (no leading zeros), at least 20 of them.
    Big(Box<str>),
}

impl Num {
    pub(crate) const ZERO: Num = Num::Small(0);

    /// Parses a run of ASCII digits (leading zeros allowed and ignored).
    /// The caller guarantees `digits` is non-empty and all ASCII digits.
    pub(crate) fn from_digits(digits: &str) -> Num {
        let sig = digits.trim_start_matches('0');
        if sig.len() <= 19 {
            let mut v: u64 = 0;
            for b in sig.bytes() {
                v = v * 10 + u64::from(b - b'0');
            }
            Num::Small(v)
        } else {
            Num::Big(sig.into())
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }

    /// The value if it fits in `u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Num::Small(v) => Some(*v),
            Num::Big(_) => None,
        }
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Length of the run of ASCII digits at the start of `s`.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_value() {
        let n = |s: &str| Num::from_digits(s);
        assert_eq!(n("007"), n("7"));
        assert!(n("9999999999999999999") < n("10000000000000000000"));
        assert!(n("10000000000000000000") < n("10000000000000000001"));
        assert!(n("99999999999999999999") < n("100000000000000000000"));
        assert!(n("0").is_zero());
        assert_eq!(n("18").as_u64(), Some(18));
    }
}
