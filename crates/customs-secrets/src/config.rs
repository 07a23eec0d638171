//! User configuration: custom rules, disabled rules and allowlists, read from YAML.
//!
//! ```yaml
//! rules:
//!   - id: acme-api-token
//!     title: ACME API token
//!     severity: high
//!     keywords: [acme_]
//!     regex: '\b(acme_[a-z0-9]{32})\b'
//!     secret_group: 1
//!     entropy: 3.0
//!     allow: ['acme_0{32}']
//!     path: '\.env$'
//! disable: [jwt, generic-password-assignment]
//! allow:
//!   paths: ['(^|/)testdata/']
//!   regexes: ['^dummy']
//!   sha256: ['<64 hex digits of a known non-secret>']
//! ```

use serde::Deserialize;

use crate::Error;

/// The secret-scanning configuration (all fields optional).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rules added to the built-in ones.
    #[serde(default)]
    pub rules: Vec<CustomRule>,
    /// Ids of built-in (or custom) rules to switch off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// What never counts as a secret.
    #[serde(default)]
    pub allow: Allowlist,
    /// Also skip the built-in third-party paths ([`crate::DEFAULT_ALLOW_PATHS`]: installed
    /// language packages, vendored code, documentation, examples and tests). Default true;
    /// set `default_allow_paths: false` to scan everything.
    #[serde(default = "default_true")]
    pub default_allow_paths: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            disable: Vec::new(),
            allow: Allowlist::default(),
            default_allow_paths: true,
        }
    }
}

fn default_true() -> bool {
    true
}

impl Config {
    /// Reads a configuration from YAML text. An empty document is the default configuration.
    pub fn from_yaml(text: &str) -> Result<Self, Error> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_norway::from_str(text).map_err(|source| Error::MalformedConfig { source })
    }
}

/// A user-defined rule. Fields mean the same as in [`crate::Rule`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    /// Stable kebab-case id.
    pub id: String,
    /// Human title; defaults to the id.
    #[serde(default)]
    pub title: Option<String>,
    /// `low`, `medium`, `high`, `critical` (any case); defaults to `high`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Literal keywords (matched case-insensitively). Without keywords the regex runs over
    /// whole files, which is much slower.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The pattern (Rust `regex` syntax, matched on bytes).
    pub regex: String,
    /// Which capture group is the secret (0 = the whole match).
    #[serde(default)]
    pub secret_group: usize,
    /// Minimal Shannon entropy (bits per character) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Patterns that, matching the secret, make it not a finding.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Only files whose path matches this pattern are checked.
    #[serde(default)]
    pub path: Option<String>,
}

/// Global allowlists.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Patterns on the file path (without a leading `/`, as layers store it; patterns
    /// should use `(^|/)` rather than `^/`). Matching files are not scanned.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Patterns that, matching a secret or the whole matched text, make it not a finding.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Hex SHA-256 of secrets (as [`crate::SecretMatch::sha256`] reports them) to ignore.
    #[serde(default)]
    pub sha256: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_full_config() {
        let cfg = Config::from_yaml(
            "rules:\n  - id: acme-token\n    severity: medium\n    keywords: [acme_]\n    regex: 'acme_[a-z]{8}'\ndisable: [jwt]\nallow:\n  paths: ['^tests/']\n",
        )
        .unwrap();
        assert_eq!(cfg.rules.len(), 1);
        assert_eq!(cfg.rules[0].keywords, vec!["acme_"]);
        assert_eq!(cfg.disable, vec!["jwt"]);
        assert_eq!(cfg.allow.paths, vec!["^tests/"]);
    }

    #[test]
    fn empty_is_default() {
        assert_eq!(Config::from_yaml("").unwrap(), Config::default());
        assert_eq!(Config::from_yaml("{}").unwrap(), Config::default());
    }

    #[test]
    fn unknown_field_is_an_error() {
        let err = Config::from_yaml("disabled: [jwt]\n").unwrap_err();
        assert!(matches!(err, Error::MalformedConfig { .. }));
    }
}
