//! The scanner: keyword prefilter over the whole buffer, regexes in windows around
//! keyword hits, then entropy, allowlist, placeholder and inline-marker checks.

use std::fmt;

use customs_model::Severity;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::prefilter::KeywordIndex;
use crate::rule::{Rule, RuleSet};
use crate::rules::Confirm;

/// A line containing this text is not scanned for findings (source trees).
pub const IGNORE_MARKER: &str = "customs:ignore-secret";

/// How many leading bytes decide whether content is binary.
const SNIFF_LEN: usize = 8 * 1024;

/// Knobs of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Scan content that looks binary (NUL bytes or many control bytes in the first
    /// 8 KiB). Default `false`.
    pub scan_binaries: bool,
    /// Only the first this many bytes of a file are scanned; the analyzer does not ask
    /// for larger files at all. Default 10 MiB.
    pub max_file_size: usize,
    /// At most this many findings per file or text. Default 1000.
    pub max_matches_per_file: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            scan_binaries: false,
            max_file_size: 10 << 20,
            max_matches_per_file: 1000,
        }
    }
}

/// One secret found. Holds no secret bytes: only a redacted prefix and a hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMatch {
    /// Id of the rule that matched.
    pub rule_id: String,
    /// Title of the rule.
    pub title: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// 1-based line of the secret's first byte.
    pub line: usize,
    /// 1-based byte column of the secret's first byte.
    pub column: usize,
    /// A few leading characters then `****` (never more than a third of the secret).
    pub redacted: String,
    /// Hex SHA-256 of the secret's bytes, to deduplicate across files and images.
    pub sha256: String,
}

impl fmt::Debug for SecretMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that adding a field never leaks it by accident.
        f.debug_struct("SecretMatch")
            .field("rule_id", &self.rule_id)
            .field("severity", &self.severity)
            .field("line", &self.line)
            .field("column", &self.column)
            .field("redacted", &self.redacted)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// Scans bytes and text with a [`RuleSet`]. Cheap to share between threads.
pub struct Scanner {
    set: RuleSet,
    opts: ScanOptions,
    /// Every distinct keyword; `None` when no rule has keywords.
    keywords: Option<KeywordIndex>,
    /// Rules without keywords: their regex runs over the whole buffer.
    full_rules: Vec<usize>,
}

impl fmt::Debug for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.set.rules.len())
            .field(
                "keywords",
                &self.keywords.as_ref().map_or(0, |k| k.keywords.len()),
            )
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// A candidate before line numbers are known.
struct Hit {
    rule: usize,
    /// Span of the whole match (for the inline marker).
    whole_start: usize,
    start: usize,
    end: usize,
}

fn sub(buf: &[u8], start: usize, end: usize) -> &[u8] {
    buf.get(start..end).unwrap_or_default()
}

impl Scanner {
    /// Compiles the keyword prefilter of a rule set.
    pub fn new(rules: RuleSet, opts: ScanOptions) -> Self {
        let mut entries = Vec::new();
        let mut full_rules = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                full_rules.push(i);
            }
            for (k, kw) in rule.keywords.iter().enumerate() {
                let exact = rule.keyword_exact.get(k).copied().unwrap_or(false);
                entries.push((kw.clone(), i, exact));
            }
        }
        // Keywords come from our table or the user's configuration; a build failure
        // (only possible past aho-corasick's size limits) degrades to running every
        // rule over the whole buffer rather than failing the scan.
        let keywords = KeywordIndex::new(&entries);
        if keywords.is_none() {
            full_rules = (0..rules.rules.len()).collect();
        }
        Self {
            set: rules,
            opts,
            keywords,
            full_rules,
        }
    }

    /// The rule set in use.
    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// The options in use.
    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    /// Scans a file's content. Binary content is skipped unless
    /// [`ScanOptions::scan_binaries`]; allowlisted paths give nothing.
    pub fn scan_bytes(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        if self.set.is_path_allowed(path) {
            return Vec::new();
        }
        if !self.opts.scan_binaries && is_binary(content) {
            return Vec::new();
        }
        self.scan(path, content)
    }

    /// Scans a piece of text that is not a file: an image config's `Env` entry, a label,
    /// a history `created_by` line. `context` stands in for the path (path-filtered rules
    /// match it like a path).
    pub fn scan_text(&self, context: &str, text: &str) -> Vec<SecretMatch> {
        self.scan(context, text.as_bytes())
    }

    fn scan(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        let buf = content.get(..self.opts.max_file_size).unwrap_or(content);
        let rules = &self.set.rules;
        // Whether a rule applies to this path: 0 = not asked yet, 1 = yes, 2 = no. Asked
        // only for rules that have a keyword hit (path filters are regexes).
        let mut applies: Vec<u8> = vec![0; rules.len()];
        let mut applies_to = |ri: usize| match applies.get(ri).copied() {
            Some(1) => true,
            Some(0) => {
                let yes = rules.get(ri).is_some_and(|r| r.applies_to(path));
                if let Some(a) = applies.get_mut(ri) {
                    *a = if yes { 1 } else { 2 };
                }
                yes
            }
            _ => false,
        };
        // (rule, start, end) of the spans each rule's regex must look at. One flat list,
        // not a list per rule: most files have no keyword hit at all, and a per-rule
        // table cost a visible share of the scan of small files.
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();

        if let Some(index) = &self.keywords {
            index.for_each(buf, |k, start, end| {
                let Some(kw) = index.keywords.get(k) else {
                    return;
                };
                // Rules sharing a keyword often share its check too (`://` for URLs with
                // a password in three rules): run it once per hit.
                let mut checked: Option<(Confirm, bool)> = None;
                for &(ri, exact) in &kw.rules {
                    let Some(rule) = rules.get(ri) else {
                        continue;
                    };
                    if let Some(&(lr, ls, le)) = windows.last() {
                        // Still inside the previous window: nothing new to look at.
                        if lr == ri && start >= ls && end <= le {
                            continue;
                        }
                    }
                    if !kw.case_ok(buf, start, exact) {
                        continue;
                    }
                    let pass = match checked {
                        Some((c, pass)) if c == rule.confirm => pass,
                        _ => {
                            let pass = confirmed(rule.confirm, buf, start, end);
                            checked = Some((rule.confirm, pass));
                            pass
                        }
                    };
                    if !pass || !applies_to(ri) {
                        continue;
                    }
                    let w = window(buf, start, end, rule);
                    match windows.last_mut() {
                        Some(last) if last.0 == ri && w.0 <= last.2 && w.0 >= last.1 => {
                            last.2 = last.2.max(w.1);
                        }
                        _ => windows.push((ri, w.0, w.1)),
                    }
                }
            });
        }
        for &ri in &self.full_rules {
            if applies_to(ri) {
                windows.retain(|w| w.0 != ri);
                windows.push((ri, 0, buf.len()));
            }
        }
        if windows.is_empty() {
            return Vec::new();
        }
        merge(&mut windows);

        // Rules in table order (earlier rules win on the same bytes), windows in order.
        let cap = self.opts.max_matches_per_file;
        let mut hits: Vec<Hit> = Vec::new();
        'windows: for &(ri, ws_start, ws_end) in &windows {
            let Some(rule) = rules.get(ri) else {
                continue;
            };
            let hay = sub(buf, ws_start, ws_end);
            for caps in rule.regex.captures_iter(hay) {
                let (Some(whole), Some(secret)) = (caps.get(0), caps.get(rule.secret_group)) else {
                    continue;
                };
                let (start, end) = (ws_start + secret.start(), ws_start + secret.end());
                if hits.iter().any(|h| start < h.end && h.start < end) {
                    continue;
                }
                if !self.accept(rule, secret.as_bytes(), whole.as_bytes()) {
                    continue;
                }
                hits.push(Hit {
                    rule: ri,
                    whole_start: ws_start + whole.start(),
                    start,
                    end,
                });
                if hits.len() >= cap {
                    break 'windows;
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_by_key(|h| (h.start, h.rule));
        self.report(buf, &hits)
    }

    /// Turns hits into findings: line numbers, inline markers, redaction, hashes.
    fn report(&self, buf: &[u8], hits: &[Hit]) -> Vec<SecretMatch> {
        let marker = memchr::memmem::Finder::new(IGNORE_MARKER);
        let mut out = Vec::with_capacity(hits.len());
        let mut line = 1;
        let mut counted_to = 0;
        for hit in hits {
            if hit.start >= counted_to {
                line += memchr::memchr_iter(b'\n', sub(buf, counted_to, hit.start)).count();
                counted_to = hit.start;
            }
            let line_start = line_start(buf, hit.start);
            // The marker may sit on the line of the match's start (a PEM's BEGIN line) or
            // on the line of the secret itself.
            let ignored = [hit.whole_start, hit.start].iter().any(|&at| {
                let from = line_start_of(buf, at);
                let to =
                    memchr::memchr(b'\n', sub(buf, at, buf.len())).map_or(buf.len(), |i| at + i);
                marker.find(sub(buf, from, to)).is_some()
            });
            if ignored {
                continue;
            }
            let Some(rule) = self.set.rules.get(hit.rule) else {
                continue;
            };
            let secret = sub(buf, hit.start, hit.end);
            out.push(SecretMatch {
                rule_id: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity,
                line,
                column: hit.start - line_start + 1,
                redacted: redact(secret),
                sha256: sha256_hex(secret),
            });
        }
        out
    }

    fn accept(&self, rule: &Rule, secret: &[u8], whole: &[u8]) -> bool {
        if secret.is_empty() {
            return false;
        }
        if let Some(min) = rule.entropy {
            if shannon_entropy(secret) < min {
                return false;
            }
        }
        if rule.allow.iter().any(|a| a.is_match(secret)) {
            return false;
        }
        if self
            .set
            .allow_regexes
            .iter()
            .any(|a| a.is_match(secret) || a.is_match(whole))
        {
            return false;
        }
        if rule.placeholders && is_placeholder(secret) {
            return false;
        }
        if rule.generic && looks_like_identifier(secret) {
            return false;
        }
        if !self.set.allow_hashes.is_empty() && self.set.allow_hashes.contains(&sha256_hex(secret))
        {
            return false;
        }
        true
    }
}

/// Whether a keyword hit at `start..end` passes the rule's [`Confirm`] check. Every scan
/// below is bounded, and a bound reached counts as a pass (the regex decides).
fn confirmed(confirm: Confirm, buf: &[u8], start: usize, end: usize) -> bool {
    match confirm {
        Confirm::Always => true,
        Confirm::UrlUserinfo => {
            let rest = sub(buf, start, buf.len());
            let scheme = rest
                .iter()
                .take(256)
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
                .count();
            if scheme == 256 {
                return true;
            }
            let Some(after) = rest.get(scheme..).and_then(|r| r.strip_prefix(b"://")) else {
                return false;
            };
            let mut colon = false;
            for (i, &b) in after.iter().enumerate() {
                match b {
                    b'@' => return colon,
                    b':' => colon = true,
                    b'/' => return false,
                    _ if b.is_ascii_whitespace() || b == 0x0b => return false,
                    _ if i >= 1024 => return true,
                    _ => {}
                }
            }
            false
        }
        Confirm::Assignment(max) => {
            let rest = sub(buf, end, buf.len());
            let run = rest
                .iter()
                .take(max + 1)
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
                .count();
            if run > max {
                return false;
            }
            let mut rest = rest.get(run..).unwrap_or_default();
            if let [b'"' | b'\'', tail @ ..] = rest {
                rest = tail;
            }
            for (i, &b) in rest.iter().enumerate() {
                match b {
                    b':' | b'=' => return true,
                    b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c if i < 256 => {}
                    _ if i >= 256 => return true,
                    _ => return false,
                }
            }
            false
        }
    }
}

/// Sorts `(rule, start, end)` windows and merges overlapping ones of the same rule.
fn merge(ws: &mut Vec<(usize, usize, usize)>) {
    if ws.len() < 2 {
        return;
    }
    ws.sort_unstable();
    let mut out: Vec<(usize, usize, usize)> = Vec::with_capacity(ws.len());
    for &(r, s, e) in ws.iter() {
        match out.last_mut() {
            Some(last) if last.0 == r && s <= last.2 => last.2 = last.2.max(e),
            _ => out.push((r, s, e)),
        }
    }
    *ws = out;
}

fn line_start_of(buf: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', sub(buf, 0, at)).map_or(0, |i| i + 1)
}

fn line_start(buf: &[u8], at: usize) -> usize {
    line_start_of(buf, at)
}

/// The bytes a rule's regex looks at for a keyword hit: back to the line start (at most
/// `before` bytes), forward to the line end (at most `after` bytes), or just `after`
/// bytes for multi-line rules.
fn window(buf: &[u8], hit_start: usize, hit_end: usize, rule: &Rule) -> (usize, usize) {
    let lo = hit_start.saturating_sub(rule.before);
    let start = memchr::memrchr(b'\n', sub(buf, lo, hit_start)).map_or(lo, |i| lo + i + 1);
    let hi = buf.len().min(hit_end.saturating_add(rule.after));
    let end = if rule.multiline {
        hi
    } else {
        memchr::memchr(b'\n', sub(buf, hit_end, hi)).map_or(hi, |i| hit_end + i)
    };
    (start, end)
}

/// Whether content looks binary: a NUL byte, or more than 10% control bytes, in the first
/// 8 KiB.
pub fn is_binary(content: &[u8]) -> bool {
    let head = content.get(..SNIFF_LEN).unwrap_or(content);
    // One branch-free pass, counted in u8 lanes per 255-byte chunk, so the compiler
    // vectorises it: this runs on every file, and a byte-at-a-time count measured a
    // quarter of the whole scan on small text files (a separate `memchr` for the NUL
    // was a second pass over the same bytes).
    let mut control = 0usize;
    for chunk in head.chunks(255) {
        let mut n: u8 = 0;
        let mut nul: u8 = 0;
        for &b in chunk {
            let c =
                (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0c) & (b != 0x1b)
                    | (b == 0x7f);
            n = n.wrapping_add(u8::from(c));
            nul |= u8::from(b == 0);
        }
        if nul != 0 {
            return true;
        }
        control += usize::from(n);
    }
    control * 10 > head.len()
}

/// Shannon entropy of bytes, in bits per byte.
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let len = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// A few leading characters of a secret, then `****`: at most 4, and never more than a
/// third of the secret's characters.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let chars = text.chars().count();
    let keep = (chars / 3).min(4);
    let mut out: String = text.chars().take(keep).collect();
    out.push_str("****");
    out
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    use fmt::Write as _;
    let digest = Sha256::digest(data);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Values that stand for a secret rather than being one.
fn is_placeholder(secret: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(secret).to_ascii_lowercase();
    let s = lower.trim();
    if s.starts_with('$') || s.starts_with('%') || s.starts_with('@') {
        return true;
    }
    const WORDS: &[&str] = &[
        "${",
        "{{",
        "$(",
        "%(",
        "<",
        ">",
        "***",
        "...",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "example",
        "xxxx",
        "placeholder",
        "your_",
        "your-",
        "yourpass",
        "redacted",
        "dummy",
        "sample",
        "replace",
        "password",
        "passwd",
        "secret_here",
        "token_here",
    ];
    if WORDS.iter().any(|w| s.contains(w)) {
        return true;
    }
    if matches!(
        s,
        "null" | "none" | "nil" | "true" | "false" | "undefined" | "empty"
    ) {
        return true;
    }
    // `true|false`, `on|off|auto`: documentation listing the values a setting
    // takes (e.g. `password.toHashes = true|false` in the JDK's
    // management.properties), not a value.
    if s.contains('|')
        && s.split('|')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return true;
    }
    let mut distinct = [false; 256];
    let mut n = 0;
    for &b in s.as_bytes() {
        if let Some(seen) = distinct.get_mut(usize::from(b)) {
            if !*seen {
                *seen = true;
                n += 1;
            }
        }
    }
    n < 3
}

/// Values that are names rather than secrets: no digit and only letters and `_ . -`
/// (`get_password`, `DB_PASSWORD_FILE`, `os.environ`), paths and URLs.
fn looks_like_identifier(secret: &[u8]) -> bool {
    if secret.starts_with(b"/") || secret.starts_with(b"./") || secret.starts_with(b"http") {
        return true;
    }
    secret
        .iter()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_at_most_a_third_and_four() {
        assert_eq!(redact(b"abcdefghijklmnop"), "abcd****");
        assert_eq!(redact(b"abcdef"), "ab****");
        assert_eq!(redact(b"ab"), "****");
        assert_eq!(redact("ééééééé".as_bytes()), "éé****");
    }

    #[test]
    fn entropy_is_bits_per_byte() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon_entropy(b""), 0.0);
    }

    #[test]
    fn binary_sniffing() {
        assert!(is_binary(b"ELF\0\x01\x02"));
        assert!(!is_binary(b"plain text\n\twith tabs\r\n"));
        assert!(is_binary(&[1u8, 2, 3, 4, 5, 6, 7, 8, b'a']));
        assert!(!is_binary(b""));
    }

    #[test]
    fn placeholders_and_identifiers() {
        for p in [
            "${DB_PASS}",
            "changeme",
            "<your-token>",
            "xxxxxxxx",
            "00000000",
            "$PASSWORD",
            "true|false",
            "on|off|auto",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        assert!(!is_placeholder(b"Zq8-NotReal-Lp2x"));
        // A real password may hold `|`: only lists of plain words are skipped.
        assert!(!is_placeholder(b"Tr0ub4|dor&3x"));
        assert!(!is_placeholder(b"pass|w0rd|x9"));
        assert!(looks_like_identifier(b"get_password"));
        assert!(looks_like_identifier(b"os.environ"));
        assert!(!looks_like_identifier(b"Zq8-NotReal-Lp2x"));
    }

    #[test]
    fn url_userinfo_confirm() {
        let ok = |text: &str, kw: &str| {
            let start = text.find(kw).unwrap();
            confirmed(
                Confirm::UrlUserinfo,
                text.as_bytes(),
                start,
                start + kw.len(),
            )
        };
        assert!(ok("x https://u:p4ss@host/y", "https://"));
        assert!(ok("postgresql+psycopg2://app:Zq8@db:5432/x", "postgres"));
        assert!(ok("MONGODB+SRV://a:b@c", "MONGODB"));
        assert!(ok("https://u:p@h", "://"));
        assert!(!ok("see https://example.invalid/a@b", "https://"));
        assert!(!ok("https://user@host", "https://"));
        assert!(!ok("https://u:p", "https://"));
        assert!(!ok("postgres is a database", "postgres"));
        assert!(!ok("http://a b:c@d", "http://"));
    }

    #[test]
    fn assignment_confirm() {
        let ok = |text: &str, kw: &str| {
            let start = text.find(kw).unwrap();
            confirmed(
                Confirm::Assignment(20),
                text.as_bytes(),
                start,
                start + kw.len(),
            )
        };
        assert!(ok("password = x", "password"));
        assert!(ok("DB_PASSWORD_FILE:\"x\"", "PASSWORD"));
        assert!(ok("'token' : x", "token"));
        assert!(ok("token=>x", "token"));
        assert!(!ok("the password is wrong", "password"));
        assert!(!ok("token_aaaaaaaaaaaaaaaaaaaaa = x", "token"));
        assert!(!ok("token", "token"));
    }

    /// The confirm checks must be necessary conditions: wherever a rule's regex matches
    /// at a keyword, the check passes. Checked on every match of every confirmed rule's
    /// regex in text built to match it in many ways.
    #[test]
    fn confirm_checks_never_reject_a_regex_match() {
        let set = RuleSet::builtin();
        let lines = [
            "a=https://u:Zq8NotReal9@h.invalid/x",
            "postgresql+psycopg2://app:Zq8NotReal9@db.invalid:5432/app",
            "mysql://root:Zq8NotReal9@db.invalid",
            "https://fake:Zq8NotReal9@git.fake.invalid",
            "DB_PASSWORD=\"Zq8NotReal9Lp2x\"",
            "client_secret = 'Zq8-NotReal9-Lp2x-77'",
            "auth_token: Zq8NotReal9Lp2x7731",
            "API_KEY=Zq8NotReal9Lp2x7731",
            "my.pwd.value\t :  Zq8NotReal9Lp2x",
            "secret_token_password='Zq8NotReal9Lp2x7731'",
        ];
        let mut checked = 0;
        for rule in set.rules().iter().filter(|r| r.confirm != Confirm::Always) {
            for line in lines {
                let buf = line.as_bytes();
                if !rule.regex.is_match(buf) {
                    continue;
                }
                let lower = line.to_ascii_lowercase();
                let passed = rule.keywords.iter().any(|kw| {
                    let kw = kw.to_ascii_lowercase();
                    lower
                        .match_indices(&kw)
                        .any(|(at, _)| confirmed(rule.confirm, buf, at, at + kw.len()))
                });
                assert!(passed, "{} rejects {line:?}", rule.id);
                checked += 1;
            }
        }
        assert!(checked >= 10, "{checked}");
    }

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
