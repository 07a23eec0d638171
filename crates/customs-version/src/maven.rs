//! Maven versions, ordered as maven-artifact 3.8.x `ComparableVersion`.
//!
//! Any string is a Maven version. It is lower-cased and split into items:
//! `.` separates items, `-` starts a nested list, and a switch between
//! digits and letters starts a nested list too (`1.0alpha1` is
//! `[1, 0, [alpha, [1]]]`). Digit runs are numbers of any size; letter runs
//! are qualifiers, ordered `alpha < beta < milestone < rc = cr < snapshot <
//! "" = ga = final = release < sp < any other (alphabetically)`, where `a`,
//! `b` and `m` directly followed by a digit mean alpha, beta and milestone.
//! Empty items are `0`. Trailing "null" items (`0`, `""`, empty lists) are
//! dropped from each list, so `1.0 == 1 == 1-ga == 1.0.0-final`.
//!
//! Items compare pairwise, padding the shorter list: a number is newer than
//! a qualifier and than a list; a list is newer than a qualifier; a missing
//! item equals `0` (for numbers) or the release qualifier `""` (for
//! qualifiers, so `1-alpha < 1 < 1-sp`).
//!
//! This is Maven 3.8.7, the reference the test vectors were checked with.
//! Later Maven releases (3.9) changed some of these rules, e.g. they make
//! `1-1 == 1-ga-1`; 3.8.7 says `1-1 > 1-ga-1`, and so do we. Only ASCII
//! digits are digits (Java's `Character.isDigit` also takes other scripts'
//! digits). Lists nest at most [`MAX_DEPTH`] deep; deeper is an error.
//!
//! Like Maven 3.8's, this ordering is not transitive: a list is older than
//! a number and newer than a qualifier, but compared with nothing it counts
//! as its first item, so `0-xyz < 0.cr2 < 0 < 0-xyz` and `0 < v1 < 0-alpha
//! < 0` (Maven 3.9 fixed some of these, MNG-7644). We keep Maven 3.8's
//! answers, which is what the vectors check. Code that sorts untrusted Maven
//! versions should not rely on `sort` (Rust's sort may panic on an order
//! that is not total); pairwise comparisons against range bounds, which is
//! what a matcher does, are unaffected.

use std::cmp::Ordering;

use crate::num::Num;
use crate::Reject;

/// Deepest nesting of lists accepted (each `-` or digit/letter switch nests
/// one level). Real versions stay under 10.
pub const MAX_DEPTH: usize = 64;

/// The index of `""` (release) among the known qualifiers.
const RELEASE: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    /// alpha, beta, milestone, rc, snapshot, "", sp.
    Known(u8),
    /// Anything else, after all known ones, in string order.
    Other(Box<str>),
}

impl Qualifier {
    fn new(text: &str, followed_by_digit: bool) -> Qualifier {
        let text = match text {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            t => t,
        };
        match text {
            "alpha" => Qualifier::Known(0),
            "beta" => Qualifier::Known(1),
            "milestone" => Qualifier::Known(2),
            "rc" => Qualifier::Known(3),
            "snapshot" => Qualifier::Known(4),
            "" => Qualifier::Known(RELEASE),
            "sp" => Qualifier::Known(6),
            t => Qualifier::Other(t.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Number(Num),
    Text(Qualifier),
    List(Vec<Item>),
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => n.is_zero(),
            Item::Text(q) => *q == Qualifier::Known(RELEASE),
            Item::List(l) => l.is_empty(),
        }
    }

    /// Compares with a missing item (the other list ran out).
    fn cmp_missing(&self) -> Ordering {
        match self {
            Item::Number(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Text(q) => q.cmp(&Qualifier::Known(RELEASE)),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_missing),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Number(a), Item::Number(b)) => a.cmp(b),
            (Item::Number(_), _) => Ordering::Greater,
            (Item::Text(a), Item::Text(b)) => a.cmp(b),
            (Item::Text(_), _) => Ordering::Less,
            (Item::List(_), Item::Number(_)) => Ordering::Less,
            (Item::List(_), Item::Text(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for k in 0..n {
        let ord = match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => x.cmp_item(y),
            (Some(x), None) => x.cmp_missing(),
            (None, Some(y)) => y.cmp_missing().reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// A parsed Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

/// Builds the item tree: a stack of open lists, innermost last.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn add(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn open(&mut self) -> Result<(), Reject> {
        if self.stack.len() > MAX_DEPTH {
            return Err(Reject::Invalid("lists nest too deep"));
        }
        self.stack.push(Vec::new());
        Ok(())
    }

    /// Closes every list, innermost first, normalising each.
    fn finish(mut self) -> Vec<Item> {
        let mut inner: Option<Vec<Item>> = None;
        while let Some(mut list) = self.stack.pop() {
            if let Some(child) = inner.take() {
                list.push(Item::List(child));
            }
            normalize(&mut list);
            inner = Some(list);
        }
        inner.unwrap_or_default()
    }
}

/// Drops trailing null items, looking past (non-null) lists as Maven does.
fn normalize(list: &mut Vec<Item>) {
    let mut k = list.len();
    while k > 0 {
        k -= 1;
        let (null, is_list) = match list.get(k) {
            Some(item) => (item.is_null(), matches!(item, Item::List(_))),
            None => break,
        };
        if null {
            list.remove(k);
        } else if !is_list {
            break;
        }
    }
}

fn number_or_text(text: &str, is_digit: bool) -> Item {
    if is_digit {
        Item::Number(Num::from_digits(text))
    } else {
        Item::Text(Qualifier::new(text, false))
    }
}

impl MavenVersion {
    pub(crate) fn parse(s: &str) -> Result<MavenVersion, Reject> {
        let v = s.to_lowercase();
        // Lists are kept open on a stack; a child list is attached to its
        // parent when closed, which keeps the order Maven builds them in
        // because a child is always the parent's last item when opened.
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0usize;
        for (i, c) in v.char_indices() {
            let piece = v.get(start..i).unwrap_or("");
            if c == '.' || c == '-' {
                if piece.is_empty() {
                    b.add(Item::Number(Num::ZERO));
                } else {
                    b.add(number_or_text(piece, is_digit));
                }
                start = i + 1;
                if c == '-' {
                    b.open()?;
                }
            } else if c.is_ascii_digit() {
                if !is_digit && !piece.is_empty() {
                    b.add(Item::Text(Qualifier::new(piece, true)));
                    start = i;
                    b.open()?;
                }
                is_digit = true;
            } else {
                if is_digit && !piece.is_empty() {
                    b.add(number_or_text(piece, true));
                    start = i;
                    b.open()?;
                }
                is_digit = false;
            }
        }
        let last = v.get(start..).unwrap_or("");
        if !last.is_empty() {
            b.add(number_or_text(last, is_digit));
        }
        Ok(MavenVersion { items: b.finish() })
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a)
            .unwrap()
            .cmp(&MavenVersion::parse(b).unwrap())
    }

    #[test]
    fn qualifiers() {
        let asc = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-abd",
            "1-1",
            "1.1",
        ];
        for w in asc.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1-ga", "1.0.0-final"), Ordering::Equal);
        assert_eq!(cmp("1cr1", "1rc1"), Ordering::Equal);
        assert_eq!(cmp("1a1", "1-alpha-1"), Ordering::Equal);
        assert_eq!(cmp("1-1", "1-ga-1"), Ordering::Greater);
        assert_eq!(cmp("1.0-1", "1-1"), Ordering::Equal);
        assert_eq!(cmp("1.0.RELEASE", "1"), Ordering::Equal);
    }

    #[test]
    fn depth_bound() {
        assert!(MavenVersion::parse(&"1-".repeat(MAX_DEPTH + 2)).is_err());
        assert!(MavenVersion::parse(&"1-".repeat(MAX_DEPTH - 1)).is_ok());
    }
}
