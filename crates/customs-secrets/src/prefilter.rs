//! The keyword prefilter: finds every occurrence of every rule keyword, ASCII
//! case-insensitively, in one pass over the buffer.
//!
//! The fast path lower-cases the buffer in 32 KiB chunks (a copy that stays in cache and
//! that the compiler vectorises) and runs SIMD Teddy searchers (aho-corasick's `packed`
//! module) over the lowered bytes for the *anchors*: the first four bytes of every keyword
//! (three for three-byte keywords). Searchers hold at most 32 anchors, so Teddy runs its
//! slim (32 bytes a step) variant: the built-in set makes five slim searchers of four-byte
//! anchors and one of three-byte anchors, which measured faster than three fat
//! (16-bucket) searchers of ~50. Each anchor hit is then checked against the keywords
//! that start with it, in full, and, for keywords the rule spells in an exact case (a
//! case-sensitive regex that contains the keyword literally, like `AKIA` or `SG.`),
//! against the original bytes. Searching restarts one byte after every anchor hit, so
//! overlapping keywords are all found, as an overlapping Aho-Corasick search would.
//!
//! Keywords shorter than three bytes, and every keyword when Teddy is not available on
//! the CPU, go through a case-insensitive Aho-Corasick DFA in overlapping mode over the
//! original bytes: same results, about three times slower on real text.

use aho_corasick::packed::{self, MatchKind};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Span};

/// Bytes lower-cased and searched at a time.
const CHUNK: usize = 32 * 1024;
/// Anchors per Teddy searcher: past 32, Teddy goes "fat" (16 buckets, half the bytes per
/// step; measured 6x slower than a slim one on the corpus bench), and more per bucket make
/// each fingerprint coarser and hits costlier to check.
const PER_SEARCHER: usize = 32;

/// One distinct keyword (by its lower-cased bytes).
#[derive(Debug, Clone)]
pub(crate) struct Keyword {
    /// Lower-cased bytes.
    lower: Vec<u8>,
    /// The exact spelling, for rules that need it.
    exact: Vec<u8>,
    /// `(rule index, exact case required)`.
    pub(crate) rules: Vec<(usize, bool)>,
}

impl Keyword {
    /// Whether the rule entry applies to a hit at `start` in `buf` (exact case when asked).
    pub(crate) fn case_ok(&self, buf: &[u8], start: usize, exact: bool) -> bool {
        !exact
            || buf
                .get(start..start.saturating_add(self.exact.len()))
                .is_some_and(|s| s == self.exact.as_slice())
    }
}

/// A Teddy searcher over anchors; `groups[pattern]` lists the keywords with that anchor.
#[derive(Debug, Clone)]
struct Teddy {
    searcher: packed::Searcher,
    groups: Vec<Vec<usize>>,
}

/// Every keyword of a rule set, ready to search.
#[derive(Debug, Clone)]
pub(crate) struct KeywordIndex {
    pub(crate) keywords: Vec<Keyword>,
    teddies: Vec<Teddy>,
    /// Keywords the Teddy searchers do not cover, and the automaton over them.
    slow: Option<(AhoCorasick, Vec<usize>)>,
    /// Longest keyword, for the chunk overlap.
    max_len: usize,
}

impl KeywordIndex {
    /// Builds the index. `keywords` is `(spelling, rule, exact case)` per rule keyword.
    /// `None` when there are no keywords or an automaton cannot be built (past
    /// aho-corasick's size limits): the caller then runs every rule everywhere.
    pub(crate) fn new(entries: &[(String, usize, bool)]) -> Option<Self> {
        let mut keywords: Vec<Keyword> = Vec::new();
        for (kw, rule, exact) in entries {
            if kw.is_empty() {
                continue;
            }
            let lower = kw.to_ascii_lowercase().into_bytes();
            match keywords.iter_mut().find(|k| k.lower == lower) {
                Some(k) => {
                    // Two rules may spell a shared keyword differently; an exact check
                    // is then only right for the spelling it was given with.
                    let exact = *exact && k.exact == kw.as_bytes();
                    k.rules.push((*rule, exact));
                }
                None => keywords.push(Keyword {
                    lower,
                    exact: kw.as_bytes().to_vec(),
                    rules: vec![(*rule, *exact)],
                }),
            }
        }
        if keywords.is_empty() {
            return None;
        }
        let max_len = keywords.iter().map(|k| k.lower.len()).max().unwrap_or(0);

        // Anchors by length class: a Teddy searcher fingerprints as many leading bytes
        // as its shortest pattern has, so three-byte anchors get searchers of their own.
        let mut anchors: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
        let mut slow_ids = Vec::new();
        for (i, k) in keywords.iter().enumerate() {
            if k.lower.len() < 3 {
                slow_ids.push(i);
                continue;
            }
            let anchor = k.lower.get(..k.lower.len().min(4)).unwrap_or_default();
            match anchors.iter_mut().find(|(a, _)| a == anchor) {
                Some((_, ids)) => ids.push(i),
                None => anchors.push((anchor.to_vec(), vec![i])),
            }
        }
        // Sorted, so that similar anchors (`ghp_`, `gho_`, `ghr_`) are neighbours.
        anchors.sort();
        let mut teddies = Vec::new();
        let mut uncovered = Vec::new();
        for len in [4, 3] {
            let class: Vec<&(Vec<u8>, Vec<usize>)> =
                anchors.iter().filter(|(a, _)| a.len() == len).collect();
            // Balanced parts: 146 anchors make five searchers of 29-30, not 4 x 32 + 18.
            let parts = class.len().div_ceil(PER_SEARCHER).max(1);
            for part in class.chunks(class.len().div_ceil(parts).max(1)) {
                // Teddy puts pattern `id` in bucket `id % buckets` and fingerprints a
                // bucket by the union of its patterns' nibbles: neighbours (similar
                // anchors) in one bucket keep the fingerprint tight, and candidate
                // checks rare. A searcher of up to 32 patterns has 8 buckets.
                let buckets = if part.len() > 32 { 16 } else { 8 };
                let per = part.len().div_ceil(buckets);
                let mut order: Vec<usize> = Vec::with_capacity(part.len());
                for slot in 0..per {
                    for bucket in 0..buckets {
                        let i = bucket * per + slot;
                        if i < part.len() {
                            order.push(i);
                        }
                    }
                }
                let mut cfg = packed::Config::new();
                cfg.match_kind(MatchKind::LeftmostFirst)
                    .heuristic_pattern_limits(PER_SEARCHER <= 64);
                let mut builder = cfg.builder();
                for &i in &order {
                    if let Some((a, _)) = part.get(i) {
                        builder.add(a);
                    }
                }
                match builder.build() {
                    Some(searcher) => teddies.push(Teddy {
                        searcher,
                        groups: order
                            .iter()
                            .filter_map(|&i| part.get(i).map(|(_, ids)| ids.clone()))
                            .collect(),
                    }),
                    None => uncovered.extend(part.iter().flat_map(|(_, ids)| ids.iter().copied())),
                }
            }
        }
        slow_ids.extend(uncovered);
        slow_ids.sort_unstable();
        let slow = if slow_ids.is_empty() {
            None
        } else {
            let patterns: Vec<&[u8]> = slow_ids
                .iter()
                .filter_map(|&i| keywords.get(i).map(|k| k.lower.as_slice()))
                .collect();
            // A full DFA: with ~190 case-insensitive keywords, the default choice (a
            // contiguous NFA) measured 3.5x slower.
            let ac = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .ok()?;
            Some((ac, slow_ids))
        };
        Some(Self {
            keywords,
            teddies,
            slow,
            max_len,
        })
    }

    /// Calls `hit(keyword, start, end)` for every occurrence of every keyword in `buf`
    /// (case-insensitive; the exact-case check is the caller's, per rule).
    pub(crate) fn for_each(&self, buf: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        if !self.teddies.is_empty() {
            self.teddy_pass(buf, &mut hit);
        }
        if let Some((ac, ids)) = &self.slow {
            for m in ac.find_overlapping_iter(buf) {
                if let Some(&k) = ids.get(m.pattern().as_usize()) {
                    hit(k, m.start(), m.end());
                }
            }
        }
    }

    fn teddy_pass(&self, buf: &[u8], hit: &mut impl FnMut(usize, usize, usize)) {
        let overlap = self.max_len.saturating_sub(1);
        let mut lowered: Vec<u8> = Vec::with_capacity(buf.len().min(CHUNK + overlap));
        let mut base = 0;
        while base < buf.len() {
            let body_end = buf.len().min(base + CHUNK);
            let end = buf.len().min(body_end + overlap);
            lowered.clear();
            lowered.extend(buf.get(base..end).unwrap_or_default());
            lowered.make_ascii_lowercase();
            let body = body_end - base;
            for teddy in &self.teddies {
                let mut at = 0;
                while at < body {
                    let Some(m) = teddy
                        .searcher
                        .find_in(&lowered, Span::from(at..lowered.len()))
                    else {
                        break;
                    };
                    let p = m.start();
                    if p >= body {
                        break;
                    }
                    for &k in teddy
                        .groups
                        .get(m.pattern().as_usize())
                        .into_iter()
                        .flatten()
                    {
                        let Some(kw) = self.keywords.get(k) else {
                            continue;
                        };
                        let kend = p + kw.lower.len();
                        if lowered.get(p..kend) == Some(kw.lower.as_slice()) {
                            hit(k, base + p, base + kend);
                        }
                    }
                    at = p + 1;
                }
            }
            base = body_end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(index: &KeywordIndex, buf: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        index.for_each(buf, |k, s, e| out.push((k, s, e)));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_overlapping_keywords_across_chunks_in_any_case() {
        let words = ["token", "session_token", "Q~", "sg.", "aws_sec", "secret"];
        let entries: Vec<(String, usize, bool)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| ((*w).to_owned(), i, false))
            .collect();
        let index = KeywordIndex::new(&entries).unwrap();
        let mut buf = vec![b'x'; CHUNK - 6];
        buf.extend_from_slice(b"SESSION_TOKEN aws_SECRET q~ msg.\n");
        let found = all(&index, &buf);
        let at = |w: &str| {
            let k = index
                .keywords
                .iter()
                .position(|k| k.lower == w.as_bytes())
                .unwrap();
            found
                .iter()
                .filter(|h| h.0 == k)
                .map(|h| h.1)
                .collect::<Vec<_>>()
        };
        let o = CHUNK - 6;
        assert_eq!(at("session_token"), vec![o]);
        assert_eq!(at("token"), vec![o + 8]);
        assert_eq!(at("aws_sec"), vec![o + 14]);
        assert_eq!(at("secret"), vec![o + 18]);
        assert_eq!(at("q~"), vec![o + 25]);
        assert_eq!(at("sg."), vec![o + 29]);
    }

    #[test]
    fn teddy_path_finds_what_an_overlapping_automaton_finds() {
        // Every built-in keyword, in mixed case, glued to each other and to filler, over
        // several chunks: the fast path must report exactly the overlapping matches of a
        // case-insensitive Aho-Corasick automaton (the previous prefilter).
        let set = crate::RuleSet::builtin();
        let entries: Vec<(String, usize, bool)> = set
            .rules()
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.keywords.iter().map(move |k| (k.clone(), i, false)))
            .collect();
        let index = KeywordIndex::new(&entries).unwrap();
        assert!(index.teddies.len() >= 2, "the fast path is not in use");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let filler = b"ab_-.:/= \n\"x9Q~";
        let mut buf = Vec::new();
        while buf.len() < 3 * CHUNK {
            let kw = &index.keywords[(next() % index.keywords.len() as u64) as usize];
            for &b in &kw.exact {
                buf.push(if next() % 2 == 0 {
                    b.to_ascii_uppercase()
                } else {
                    b
                });
            }
            for _ in 0..next() % 4 {
                buf.push(filler[(next() % filler.len() as u64) as usize]);
            }
        }
        let got = all(&index, &buf);
        let lowers: Vec<&[u8]> = index.keywords.iter().map(|k| k.lower.as_slice()).collect();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&lowers)
            .unwrap();
        let mut want: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(&buf)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        want.sort_unstable();
        assert!(want.len() > 1000);
        assert_eq!(got, want);
    }

    #[test]
    fn exact_case_is_checked_against_the_original() {
        let index = KeywordIndex::new(&[("AKIA".to_owned(), 0, true)]).unwrap();
        let kw = &index.keywords[0];
        assert!(kw.case_ok(b"xAKIA", 1, true));
        assert!(!kw.case_ok(b"xakia", 1, true));
        assert!(kw.case_ok(b"xakia", 1, false));
        assert!(!kw.case_ok(b"xAKI", 1, true));
    }
}
