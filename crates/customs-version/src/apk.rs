//! Alpine versions: `N{.N}[a-z]{_suffix[N]}[~hash][-rN]`, ordered as
//! apk-tools does.
//!
//! The algorithm is apk-tools' token comparison (`version.c` as rewritten for
//! apk-tools 2.14/3.x). A version is read as a sequence of tokens: the first
//! number, `.`-numbers, one lower-case letter, `_` suffixes (`alpha`,
//! `beta`, `pre`, `rc`, `cvs`, `svn`, `git`, `hg`, `p`) each with an
//! optional number, a `~` commit hash and a `-r` package revision. Two
//! versions compare token by token while the token kinds agree: numbers by
//! value, except that a `.`-number with a leading zero compares as a string
//! (`1.01 < 1.1`, as in Gentoo); letters, suffixes (in the order above) and
//! hashes by value. When the kinds differ, a pre-release suffix (`_alpha`
//! .. `_rc`) is older than anything; otherwise the version whose token comes
//! earlier in the grammar is newer (`1.0 < 1.0.1 < 1.0_p1`... and
//! `1.0 < 1.0-r0`). Numbers of any length compare by value.
//!
//! apk-tools compares invalid versions too: at the first character that does
//! not fit the grammar it stops with an "invalid" token, which sorts below the
//! end of a valid version; two versions that become invalid at the same
//! token compare equal. We do the same, with three lenient extensions (each
//! what older apk-tools or OSV tooling does with such strings, and each only
//! affects strings apk-tools calls invalid):
//!
//! - a trailing `-r` with no number is `-r0`;
//! - digits right after the letter continue the version (`6.6.2p1 <
//!   6.6.2p2`), as apk-tools before 2.12 read them;
//! - strings that do not start with a digit sort below every other version
//!   and among themselves byte-wise.
//!
//! Every non-empty string parses.

use std::cmp::Ordering;

use crate::num::{digit_run, Num};

/// Token kinds in grammar order; the order decides comparisons between
/// versions whose token kinds differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Initial,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    Hash,
    Revision,
    End,
    Invalid,
}

/// Suffix order: the pre-release ones sort before a plain release.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// Index in [`SUFFIXES`] of the first post-release suffix.
const FIRST_POST_SUFFIX: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Initial(Num),
    /// Raw digits: a leading zero switches to string comparison.
    Digit(Box<str>),
    Letter(u8),
    Suffix(u8),
    SuffixNo(Num),
    Hash(Box<str>),
    Revision(Num),
    End,
    Invalid,
}

impl Token {
    fn kind(&self) -> Kind {
        match self {
            Token::Initial(_) => Kind::Initial,
            Token::Digit(_) => Kind::Digit,
            Token::Letter(_) => Kind::Letter,
            Token::Suffix(_) => Kind::Suffix,
            Token::SuffixNo(_) => Kind::SuffixNo,
            Token::Hash(_) => Kind::Hash,
            Token::Revision(_) => Kind::Revision,
            Token::End => Kind::End,
            Token::Invalid => Kind::Invalid,
        }
    }
}

/// A parsed apk version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApkVersion {
    /// Tokens, ending with `End` or `Invalid`.
    Tokens(Vec<Token>),
    /// Does not start with a digit: compared byte-wise, below all others.
    NoDigits(Box<str>),
}

impl ApkVersion {
    pub(crate) fn parse(s: &str) -> ApkVersion {
        let b = s.as_bytes();
        let n = digit_run(b);
        if n == 0 {
            return ApkVersion::NoDigits(s.into());
        }
        let mut tokens = vec![Token::Initial(Num::from_digits(s.get(..n).unwrap_or("0")))];
        let mut kind = Kind::Initial;
        let mut i = n;
        loop {
            let Some(&c) = b.get(i) else {
                tokens.push(Token::End);
                return ApkVersion::Tokens(tokens);
            };
            let token = match c {
                b'a'..=b'z' if kind <= Kind::Digit => {
                    i += 1;
                    Some(Token::Letter(c))
                }
                b'.' | b'0'..=b'9' => {
                    let start = if c == b'.' { i + 1 } else { i };
                    let allowed = match (c, kind) {
                        (b'.', Kind::Initial | Kind::Digit) => true,
                        // Digits straight after the letter: pre-2.12 leniency.
                        (_, Kind::Letter) if c != b'.' => true,
                        (_, Kind::Suffix) if c != b'.' => true,
                        _ => false,
                    };
                    let run = digit_run(b.get(start..).unwrap_or(&[]));
                    if allowed && run > 0 {
                        let digits = s.get(start..start + run).unwrap_or("0");
                        i = start + run;
                        Some(if kind == Kind::Suffix {
                            Token::SuffixNo(Num::from_digits(digits))
                        } else {
                            Token::Digit(digits.into())
                        })
                    } else {
                        None
                    }
                }
                b'_' if kind <= Kind::SuffixNo => {
                    let rest = b.get(i + 1..).unwrap_or(&[]);
                    let len = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
                    let word = rest.get(..len).unwrap_or(&[]);
                    SUFFIXES
                        .iter()
                        .position(|s| s.as_bytes() == word)
                        .and_then(|p| u8::try_from(p).ok())
                        .map(|p| {
                            i += 1 + len;
                            Token::Suffix(p)
                        })
                }
                b'~' if kind < Kind::Hash => {
                    let rest = b.get(i + 1..).unwrap_or(&[]);
                    let len = rest
                        .iter()
                        .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(*c))
                        .count();
                    (len > 0).then(|| {
                        let hash = s.get(i + 1..i + 1 + len).unwrap_or("");
                        i += 1 + len;
                        Token::Hash(hash.into())
                    })
                }
                b'-' if kind < Kind::Revision && b.get(i + 1) == Some(&b'r') => {
                    let rest = b.get(i + 2..).unwrap_or(&[]);
                    let run = digit_run(rest);
                    if run > 0 {
                        let digits = s.get(i + 2..i + 2 + run).unwrap_or("0");
                        i += 2 + run;
                        Some(Token::Revision(Num::from_digits(digits)))
                    } else if rest.is_empty() {
                        // Trailing `-r`: older apk-tools read it as `-r0`.
                        i += 2;
                        Some(Token::Revision(Num::ZERO))
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match token {
                Some(t) => {
                    kind = t.kind();
                    tokens.push(t);
                }
                None => {
                    tokens.push(Token::Invalid);
                    return ApkVersion::Tokens(tokens);
                }
            }
        }
    }
}

/// Compares two tokens of the same kind.
fn same_kind_cmp(a: &Token, b: &Token) -> Ordering {
    match (a, b) {
        (Token::Initial(x), Token::Initial(y))
        | (Token::SuffixNo(x), Token::SuffixNo(y))
        | (Token::Revision(x), Token::Revision(y)) => x.cmp(y),
        (Token::Digit(x), Token::Digit(y)) => {
            if x.starts_with('0') || y.starts_with('0') {
                x.as_bytes().cmp(y.as_bytes())
            } else {
                // No leading zeros: longer is larger, else digit-wise.
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
        }
        (Token::Letter(x), Token::Letter(y)) | (Token::Suffix(x), Token::Suffix(y)) => x.cmp(y),
        (Token::Hash(x), Token::Hash(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

fn is_pre_release(t: &Token) -> bool {
    matches!(t, Token::Suffix(s) if *s < FIRST_POST_SUFFIX)
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = match (self, other) {
            (ApkVersion::NoDigits(x), ApkVersion::NoDigits(y)) => {
                return x.as_bytes().cmp(y.as_bytes())
            }
            (ApkVersion::NoDigits(_), ApkVersion::Tokens(_)) => return Ordering::Less,
            (ApkVersion::Tokens(_), ApkVersion::NoDigits(_)) => return Ordering::Greater,
            (ApkVersion::Tokens(a), ApkVersion::Tokens(b)) => (a, b),
        };
        for (ta, tb) in a.iter().zip(b.iter()) {
            let (ka, kb) = (ta.kind(), tb.kind());
            if ka != kb {
                if is_pre_release(ta) {
                    return Ordering::Less;
                }
                if is_pre_release(tb) {
                    return Ordering::Greater;
                }
                // The version that ends (or goes invalid) first is older.
                return kb.cmp(&ka);
            }
            if ka >= Kind::End {
                return Ordering::Equal;
            }
            let ord = same_kind_cmp(ta, tb);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        ApkVersion::parse(a).cmp(&ApkVersion::parse(b))
    }

    #[test]
    fn ordering() {
        assert_eq!(cmp("1.0_alpha1", "1.0_beta"), Ordering::Less);
        assert_eq!(cmp("1.0_rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0_p1"), Ordering::Less);
        assert_eq!(cmp("1.0_cvs", "1.0_p"), Ordering::Less);
        assert_eq!(cmp("1.0-r1", "1.0-r10"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-r0"), Ordering::Less);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0b"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0.1"), Ordering::Less);
        assert_eq!(cmp("1.0~abc-r1", "1.0~abd-r0"), Ordering::Less);
        assert_eq!(cmp("1-r", "1-r0"), Ordering::Equal);
        assert_eq!(cmp("abc", "1"), Ordering::Less);
    }
}
