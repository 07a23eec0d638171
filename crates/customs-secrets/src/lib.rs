//! Secret scanning for customs: a rule engine that finds credentials in file content and
//! in image-config text, and reports them redacted.
//!
//! Rules ([`Rule`]) have an id, a title, a severity, literal keywords, a regex, the
//! capture group that holds the secret, an optional entropy gate and allow patterns. The
//! built-ins (over 80: cloud providers, code hosts, chat, payment, package and container
//! registries, Vault/Terraform, Kubernetes, JWTs, private keys, credential files, database
//! URLs, generic assignments) live as data in `rules/builtin.rs`; a YAML [`Config`] adds
//! rules, disables some and allowlists paths, patterns and hashes.
//!
//! A [`Scanner`] finds every keyword of every rule, ASCII case-insensitively, in one
//! prefilter pass (SIMD Teddy searchers over the buffer lower-cased in cache-sized chunks,
//! looking for a rare three- or four-byte window of each keyword, shared where keywords
//! allow; a case-insensitive Aho-Corasick DFA where Teddy is unavailable), then runs each
//! rule's regex only in a window around its keywords' hits (the line, or a bounded span for
//! multi-line rules such as PEM keys), so text without keywords costs the prefilter pass.
//! Keywords that a built-in rule's case-sensitive regex spells literally (`AKIA`, `SG.`)
//! only count in that exact case.
//!
//! Whole images: the layer walk of `customs-image` runs [`SecretAnalyzer`] over every
//! regular file of every layer (deleted and replaced ones included, binaries skipped by
//! content sniffing unless [`ScanOptions::scan_binaries`], files over
//! [`ScanOptions::max_file_size`] not read); [`image_findings`] turns the walk's records
//! into [`LayerSecret`]s (path, line, layer index, digest and diffID, removed-in layer);
//! [`scan_image_config`] scans the config's Env, Labels, Entrypoint/Cmd and history into
//! [`ConfigSecret`]s.
//!
//! Findings ([`SecretMatch`]) never hold the secret: only a short redacted prefix and the
//! SHA-256 of the secret bytes (to deduplicate across files and images). A line containing
//! `customs:ignore-secret` produces no findings.
//!
//! ```
//! use customs_secrets::{RuleSet, ScanOptions, Scanner};
//!
//! let scanner = Scanner::new(RuleSet::builtin(), ScanOptions::default());
//! let line = ["aws_access_key_id = ", "AKIA", "FAKEFAKEFAKEFAKE"].concat();
//! let found = scanner.scan_bytes("home/app/.aws/credentials", line.as_bytes());
//! assert_eq!(found[0].rule_id, "aws-access-key-id");
//! assert_eq!(found[0].redacted, "AKIA****");
//! ```
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod analyzer;
mod config;
mod error;
mod image;
mod prefilter;
mod rule;
mod rules;
mod scan;

pub use analyzer::SecretAnalyzer;
pub use config::{Allowlist, Config, CustomRule};
pub use error::Error;
pub use image::{image_findings, scan_image_config, ConfigSecret, LayerSecret, ANALYZER_ID};
pub use rule::{Rule, RuleSet, DEFAULT_ALLOW_PATHS};
pub use scan::{
    is_binary, redact, sha256_hex, shannon_entropy, ScanOptions, Scanner, SecretMatch,
    IGNORE_MARKER,
};

/// Bounds on what a configuration may ask for (it may come from an untrusted repository).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Custom rules at most. Default 512.
    pub max_custom_rules: usize,
    /// Keywords per custom rule at most. Default 64.
    pub max_keywords_per_rule: usize,
    /// Allow paths + regexes + hashes at most. Default 10,000.
    pub max_allow_patterns: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_custom_rules: 512,
            max_keywords_per_rule: 64,
            max_allow_patterns: 10_000,
        }
    }
}
