//! Small helpers shared by the renderers.

use customs_model::Severity;
use customs_vuln::Finding;
use sha2::{Digest as _, Sha256};

/// Hex SHA-256 of the parts, each followed by a NUL so `("ab","c")` and
/// `("a","bc")` differ.
pub(crate) fn hash_parts(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let out = h.finalize();
    let mut s = String::with_capacity(64);
    for b in out {
        s.push(hex_digit(b >> 4));
        s.push(hex_digit(b & 0x0f));
    }
    s
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

/// A score for the severity when no CVSS score fits it: the middle of the
/// CVSS v3 band, which is how code-scanning tools bucket `security-severity`.
pub(crate) fn default_score(s: Severity) -> f64 {
    match s {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 3.0,
        Severity::Unknown => 0.0,
    }
}

/// The highest CVSS score whose own rating agrees with the finding's
/// severity, else the severity's default, so the number and the label never
/// disagree (a distro may rate a CVE lower than its CVSS vector does).
pub(crate) fn security_score(f: &Finding) -> f64 {
    f.cvss
        .iter()
        .filter(|c| c.severity() == f.severity)
        .map(|c| c.base_score)
        .fold(None, |acc: Option<f64>, s| {
            Some(acc.map_or(s, |a| a.max(s)))
        })
        .unwrap_or_else(|| default_score(f.severity))
}

/// A path or config location as a relative URI reference: no leading `/`,
/// everything outside the unreserved set and `/` percent-encoded (so
/// `config:Env[3]` does not read as a URI scheme).
pub(crate) fn relative_uri(path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    let mut out = String::with_capacity(trimmed.len());
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4).to_ascii_uppercase());
            out.push(hex_digit(b & 0x0f).to_ascii_uppercase());
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether a reference looks like an absolute http(s) URL that schema
/// validators accept as `format: uri` (advisory data is untrusted).
pub(crate) fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 8
        && s.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'"' | b'<' | b'>' | b'\\' | b'`' | b'{' | b'}' | b'|' | b'^'
                )
        })
}

/// The layer of a finding's first location.
pub(crate) fn finding_layer(f: &Finding) -> Option<usize> {
    f.locations.first().and_then(|l| l.layer_index)
}

/// A one-line text for a suppression: `not_affected (vulnerable_code_not_present): reason [doc]`.
pub(crate) fn suppression_text(s: &customs_vuln::matcher::Suppression) -> String {
    let mut t = s.status.clone();
    if let Some(j) = &s.justification {
        t.push_str(" (");
        t.push_str(j);
        t.push(')');
    }
    if let Some(r) = &s.reason {
        t.push_str(": ");
        t.push_str(r);
    }
    let by = match s.source {
        customs_vuln::matcher::SuppressionSource::Vex => "VEX",
        customs_vuln::matcher::SuppressionSource::IgnoreFile => "ignore file",
    };
    match &s.document {
        Some(d) => t.push_str(&format!(" [{by} {d}]")),
        None => t.push_str(&format!(" [{by}]")),
    }
    t
}

/// Severity in lower case (CycloneDX, CSS classes).
pub(crate) fn severity_lower(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

/// Severities, most severe first.
pub(crate) const SEVERITIES_DESC: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(relative_uri("/usr/lib/x.so"), "usr/lib/x.so");
        assert_eq!(relative_uri("config:Env[3]"), "config%3AEnv%5B3%5D");
        assert_eq!(relative_uri("/a b#c"), "a%20b%23c");
        assert_eq!(relative_uri("/"), ".");
    }

    #[test]
    fn hashes_separate_parts() {
        assert_ne!(hash_parts(&["ab", "c"]), hash_parts(&["a", "bc"]));
        assert_eq!(hash_parts(&["x"]).len(), 64);
    }

    #[test]
    fn web_urls() {
        assert!(is_web_url("https://example.invalid/a?b=c"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x/<script>"));
        assert!(!is_web_url("https://"));
    }
}
