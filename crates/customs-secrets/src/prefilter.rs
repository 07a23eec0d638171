//! The keyword prefilter: finds every occurrence of every rule keyword, ASCII
//! case-insensitively, in one pass over the buffer.
//!
//! The fast path lower-cases the buffer in 32 KiB chunks (a copy that stays in cache and
//! that the compiler vectorises) and runs SIMD Teddy searchers (aho-corasick's `packed`
//! module) over the lowered bytes for the *anchors*: one window of three or four bytes of
//! every keyword, chosen to be rare and shared (see [`choose_anchors`]), not its prefix:
//! `github_pat_` is found by `ub_p` (its prefix `gith` is in every advisory), the Slack
//! family by `xox`. Every Teddy searcher is one pass over the chunk and every anchor hit
//! a stop, so the choice trades both: on the corpus bench, 289,000 hits per pass over six
//! searchers with prefix anchors became 98,000 over five (four slim searchers of 30-31
//! four-byte anchors, one of 15 three-byte ones). Searchers hold at most 32 anchors, so
//! Teddy runs its slim (32 bytes a step) variant, which measured faster than fewer fat
//! (16-bucket) searchers, and far faster than slim ones of 50-64 anchors (more false
//! candidates). Each anchor hit is then checked against the keywords that contain it at
//! their offsets, in full, and, for keywords the rule spells in an exact case (a
//! case-sensitive regex that contains the keyword literally, like `AKIA` or `SG.`),
//! against the original bytes. Searching restarts one byte after every anchor hit, so
//! overlapping keywords are all found, as an overlapping Aho-Corasick search would.
//!
//! Keywords shorter than three bytes, and every keyword when Teddy is not available on
//! the CPU, go through a case-insensitive Aho-Corasick DFA in overlapping mode over the
//! original bytes: same results, about three times slower on real text.

use std::collections::{BTreeMap, BTreeSet};

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

/// A Teddy searcher over anchors; `groups[pattern]` lists the keywords with that anchor,
/// each with the anchor's offset in the keyword.
#[derive(Debug, Clone)]
struct Teddy {
    searcher: packed::Searcher,
    groups: Vec<Vec<Placed>>,
}

/// A keyword with an anchor: `(keyword, offset of the anchor in it)`.
type Placed = (usize, usize);

/// Every keyword of a rule set, ready to search.
#[derive(Debug, Clone)]
pub(crate) struct KeywordIndex {
    pub(crate) keywords: Vec<Keyword>,
    teddies: Vec<Teddy>,
    /// Keywords the Teddy searchers do not cover, and the automaton over them.
    slow: Option<(AhoCorasick, Vec<usize>)>,
    /// Longest keyword, for the chunk overlap.
    max_len: usize,
    /// Largest anchor offset in a keyword: anchor hits up to this far past a chunk's
    /// body may still start a keyword in it.
    max_off: usize,
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
        let mut anchors: Vec<(Vec<u8>, Vec<Placed>)> = Vec::new();
        let mut slow_ids = Vec::new();
        let mut max_off = 0;
        let lowers: Vec<&[u8]> = keywords.iter().map(|k| k.lower.as_slice()).collect();
        for (i, choice) in choose_anchors(&lowers).into_iter().enumerate() {
            let (Some((off, len)), Some(k)) = (choice, keywords.get(i)) else {
                slow_ids.push(i);
                continue;
            };
            let anchor = k.lower.get(off..off + len).unwrap_or_default();
            max_off = max_off.max(off);
            match anchors.iter_mut().find(|(a, _)| a == anchor) {
                Some((_, ids)) => ids.push((i, off)),
                None => anchors.push((anchor.to_vec(), vec![(i, off)])),
            }
        }
        // Sorted, so that similar anchors (`ghp_`, `gho_`, `ghr_`) are neighbours.
        anchors.sort();
        let mut teddies = Vec::new();
        let mut uncovered = Vec::new();
        for len in [4, 3] {
            let class: Vec<&(Vec<u8>, Vec<Placed>)> =
                anchors.iter().filter(|(a, _)| a.len() == len).collect();
            // Balanced parts: 123 anchors make four searchers of 30-31, not 3 x 32 + 27.
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
                    None => uncovered
                        .extend(part.iter().flat_map(|(_, ids)| ids.iter().map(|&(k, _)| k))),
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
            max_off,
        })
    }

    /// Calls `hit(keyword, start, end)` for every occurrence of every keyword in `buf`
    /// (case-insensitive; the exact-case check is the caller's, per rule).
    pub(crate) fn for_each(&self, buf: &[u8], hit: impl FnMut(usize, usize, usize)) {
        self.for_each_chunked(buf, CHUNK, hit);
    }

    /// [`Self::for_each`] lowering `chunk` bytes at a time (tests use small chunks, so
    /// that keywords and their anchors straddle many chunk boundaries).
    fn for_each_chunked(&self, buf: &[u8], chunk: usize, mut hit: impl FnMut(usize, usize, usize)) {
        if !self.teddies.is_empty() {
            self.teddy_pass(buf, chunk.max(1), &mut hit);
        }
        if let Some((ac, ids)) = &self.slow {
            for m in ac.find_overlapping_iter(buf) {
                if let Some(&k) = ids.get(m.pattern().as_usize()) {
                    hit(k, m.start(), m.end());
                }
            }
        }
    }

    fn teddy_pass(&self, buf: &[u8], chunk: usize, hit: &mut impl FnMut(usize, usize, usize)) {
        let overlap = self.max_len.saturating_sub(1);
        let mut lowered: Vec<u8> = Vec::with_capacity(buf.len().min(chunk + overlap));
        let mut base = 0;
        while base < buf.len() {
            let body_end = buf.len().min(base + chunk);
            let end = buf.len().min(body_end + overlap);
            lowered.clear();
            lowered.extend(buf.get(base..end).unwrap_or_default());
            lowered.make_ascii_lowercase();
            let body = body_end - base;
            for teddy in &self.teddies {
                let mut at = 0;
                while at < body + self.max_off {
                    let Some(m) = teddy
                        .searcher
                        .find_in(&lowered, Span::from(at..lowered.len()))
                    else {
                        break;
                    };
                    let p = m.start();
                    if p >= body + self.max_off {
                        break;
                    }
                    for &(k, off) in teddy
                        .groups
                        .get(m.pattern().as_usize())
                        .into_iter()
                        .flatten()
                    {
                        // The keyword starts `off` bytes before its anchor; one that
                        // starts outside this chunk's body is the other chunk's.
                        let Some(s) = p.checked_sub(off).filter(|&s| s < body) else {
                            continue;
                        };
                        let Some(kw) = self.keywords.get(k) else {
                            continue;
                        };
                        let kend = s + kw.lower.len();
                        if lowered.get(s..kend) == Some(kw.lower.as_slice()) {
                            hit(k, base + s, base + kend);
                        }
                    }
                    at = p + 1;
                }
            }
            base = body_end;
        }
    }
}

/// Roughly how often a (lower-cased) byte occurs in the text we scan (source, config,
/// JSON, prose), in per mille; a guess, only used to rank a keyword's windows.
fn byte_freq(b: u8) -> f64 {
    match b {
        b' ' => 150.0,
        b'e' => 90.0,
        b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 60.0,
        b'h' | b'l' | b'd' | b'c' | b'u' => 35.0,
        b'm' | b'p' | b'f' | b'g' | b'w' | b'y' => 18.0,
        b'b' | b'v' | b'k' | b'"' | b'.' | b'/' => 12.0,
        b':' | b',' | b'\n' => 10.0,
        b'_' | b'-' | b'=' | b'x' | b'0'..=b'9' => 5.0,
        b'j' | b'q' | b'z' => 1.5,
        _ => 2.0,
    }
}

fn window_score(w: &[u8]) -> f64 {
    w.iter().map(|&b| byte_freq(b)).product()
}

/// Offset of the keyword's rarest window of `len` bytes (by [`byte_freq`]); ties go to
/// the earliest.
fn rarest_window(kw: &[u8], len: usize) -> usize {
    let mut best = (0, f64::MAX);
    for (off, w) in kw.windows(len).enumerate() {
        let score = window_score(w);
        if score < best.1 {
            best = (off, score);
        }
    }
    best.0
}

/// Three-byte anchors per searcher at most, and how common one may be (a product of
/// [`byte_freq`]s: `xox` is 1,500, `shp` 37,800, `the` 189,000).
const MAX_THREE: usize = 32;
const RARE_THREE: f64 = 40_000.0;
/// Distinct four-byte anchors the three-byte class tries to bring the rest down to:
/// three slim searchers.
const FOUR_TARGET: usize = 4 * PER_SEARCHER;

/// Chooses each keyword's anchor, `(offset, length)` in the lower-cased keyword (`None`
/// for keywords under three bytes). Each Teddy searcher is a pass over the buffer and
/// each anchor hit a stop, so anchors are chosen to be few and rare:
/// - a keyword's rarest four-byte window (by [`byte_freq`]), not its prefix:
///   `github_pat_` is found by `ub_p`, not by `gith`, which is in every advisory;
/// - a window another keyword already uses, when it is not much more common
///   (`sk_live_` and `rk_live_` share `k_li`);
/// - then, while there are more four-byte anchors than three searchers hold, rare
///   three-byte windows that several keywords share (`xox` for the Slack family), best
///   ratio of anchors saved to commonness first, into the (one) three-byte searcher.
fn choose_anchors(kws: &[&[u8]]) -> Vec<Option<(usize, usize)>> {
    let mut choice: Vec<Option<(usize, usize)>> = kws
        .iter()
        .map(|k| match k.len() {
            0..=2 => None,
            3 => Some((0, 3)),
            _ => Some((rarest_window(k, 4), 4)),
        })
        .collect();
    let anchors = |choice: &[Option<(usize, usize)>]| -> Vec<Option<&[u8]>> {
        kws.iter()
            .zip(choice)
            .map(|(k, c)| c.and_then(|(off, len)| k.get(off..off + len)))
            .collect()
    };
    // Sharing: adopt an anchor another keyword chose if at most 4x as common as our own.
    let first = anchors(&choice);
    for (i, kw) in kws.iter().enumerate() {
        let Some(own) = first.get(i).copied().flatten().filter(|a| a.len() == 4) else {
            continue;
        };
        let own_score = window_score(own);
        let mut best: Option<(usize, f64)> = None;
        for other in first
            .iter()
            .flatten()
            .filter(|a| a.len() == 4 && **a != own)
        {
            let score = window_score(other);
            if score > 4.0 * own_score || best.is_some_and(|(_, b)| b <= score) {
                continue;
            }
            if let Some(off) = kw.windows(4).position(|w| w == *other) {
                best = Some((off, score));
            }
        }
        if let (Some((off, _)), Some(c)) = (best, choice.get_mut(i)) {
            *c = Some((off, 4));
        }
    }
    // Three-byte windows shared by four-byte keywords.
    loop {
        let current = anchors(&choice);
        // Four-byte anchor -> its keywords; and the three-byte anchors in use.
        let mut fours: BTreeMap<&[u8], Vec<usize>> = BTreeMap::new();
        let mut threes: BTreeSet<&[u8]> = BTreeSet::new();
        for (i, a) in current.iter().enumerate() {
            match a {
                Some(a) if a.len() == 4 => fours.entry(a).or_default().push(i),
                Some(a) => {
                    threes.insert(a);
                }
                None => {}
            }
        }
        if fours.len() <= FOUR_TARGET {
            break;
        }
        // For each rare three-byte window, how many four-byte anchors would vanish if
        // their keywords used it instead: those whose keywords all contain it.
        let mut saved: BTreeMap<&[u8], usize> = BTreeMap::new();
        for ids in fours.values() {
            let mut common: BTreeSet<&[u8]> = BTreeSet::new();
            for (n, &i) in ids.iter().enumerate() {
                let mine: BTreeSet<&[u8]> = kws
                    .get(i)
                    .map(|k| {
                        k.windows(3)
                            .filter(|w| window_score(w) <= RARE_THREE)
                            .collect()
                    })
                    .unwrap_or_default();
                common = if n == 0 {
                    mine
                } else {
                    common.intersection(&mine).copied().collect()
                };
            }
            for w in common {
                if threes.contains(w) || threes.len() < MAX_THREE {
                    *saved.entry(w).or_default() += 1;
                }
            }
        }
        let best = saved
            .iter()
            .map(|(w, &n)| (*w, n as f64 / window_score(w)))
            .fold(None::<(&[u8], f64)>, |best, (w, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((w, v)),
            });
        let Some((w, _)) = best else { break };
        let w = w.to_vec();
        for (i, k) in kws.iter().enumerate() {
            let four = matches!(choice.get(i), Some(Some((_, 4))));
            if let (true, Some(off)) = (four, k.windows(3).position(|x| x == w.as_slice())) {
                if let Some(c) = choice.get_mut(i) {
                    *c = Some((off, 3));
                }
            }
        }
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyword index of every built-in rule's keywords.
    fn builtin_index(set: &crate::RuleSet) -> KeywordIndex {
        let entries: Vec<(String, usize, bool)> = set
            .rules()
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.keywords.iter().map(move |k| (k.clone(), i, false)))
            .collect();
        KeywordIndex::new(&entries).unwrap()
    }

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
        let index = builtin_index(&set);
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
        // Small chunks put keywords, and anchors in their middle, across many chunk
        // boundaries.
        // Chunks shorter than the longest keyword (44 bytes) too, on part of the buffer
        // (debug builds are slow at that).
        for (chunk, len) in [
            (CHUNK, buf.len()),
            (4096, buf.len()),
            (61, buf.len()),
            (7, 8192),
        ] {
            let mut got = Vec::new();
            index.for_each_chunked(&buf[..len], chunk, |k, s, e| got.push((k, s, e)));
            got.sort_unstable();
            let want: Vec<_> = want.iter().filter(|h| h.2 <= len).copied().collect();
            assert_eq!(got, want, "chunk {chunk}");
        }
    }

    #[test]
    fn builtin_anchors_are_few_rare_windows() {
        let set = crate::RuleSet::builtin();
        let lowers: Vec<Vec<u8>> = set
            .rules()
            .iter()
            .flat_map(|r| {
                r.keywords
                    .iter()
                    .map(|k| k.to_ascii_lowercase().into_bytes())
            })
            .collect();
        let kws: Vec<&[u8]> = lowers.iter().map(Vec::as_slice).collect();
        let choice = choose_anchors(&kws);
        let anchor = |kw: &str| {
            let i = kws.iter().position(|k| *k == kw.as_bytes()).unwrap();
            let (off, len) = choice[i].unwrap();
            String::from_utf8(kws[i][off..off + len].to_vec()).unwrap()
        };
        // Not the prefix `gith`, in every advisory that links to GitHub.
        assert_eq!(anchor("github_pat_"), "ub_p");
        assert_eq!(anchor("pypi-ag"), "ypi-");
        assert_eq!(anchor("xoxb-"), anchor("xoxp-"));
        assert_eq!(anchor("://"), "://");
        // The layout the module docs describe: four slim searchers of four-byte anchors
        // and one of three-byte anchors.
        let index = builtin_index(&set);
        assert_eq!(index.teddies.len(), 5);
        assert!(index.teddies.iter().all(|t| t.groups.len() <= PER_SEARCHER));
        assert!(index.slow.is_some(), "`Q~` goes to the automaton");
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
