//! Errors of building a rule set from built-ins and configuration.

/// Building a [`crate::RuleSet`] or reading a [`crate::Config`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is not valid YAML or does not have the expected shape.
    #[error("cannot read secret-scanning configuration")]
    MalformedConfig {
        /// The YAML parser's error.
        #[source]
        source: serde_norway::Error,
    },
    /// A rule's pattern (or one of its allow patterns or its path filter) does not compile.
    #[error("rule {rule_id}: invalid {what} pattern")]
    InvalidPattern {
        /// The rule whose pattern is broken (`config` for global allowlists).
        rule_id: String,
        /// Which pattern: `regex`, `allow`, `path`.
        what: &'static str,
        /// The regex compiler's error.
        #[source]
        source: regex::Error,
    },
    /// A rule's `secret_group` names a capture group its regex does not have.
    #[error("rule {rule_id}: secret_group {group} but the regex has only {available} groups")]
    MissingSecretGroup {
        /// The rule.
        rule_id: String,
        /// The group asked for.
        group: usize,
        /// Number of capture groups in the regex (excluding group 0).
        available: usize,
    },
    /// Two rules share an id.
    #[error("rule id {rule_id} is defined twice")]
    DuplicateRuleId {
        /// The id.
        rule_id: String,
    },
    /// A rule id is not in kebab-case ASCII (`[a-z0-9-]+`).
    #[error("rule id {rule_id:?} is not lower-case kebab-case")]
    InvalidRuleId {
        /// The id.
        rule_id: String,
    },
    /// `disable` names a rule that does not exist.
    #[error("cannot disable unknown rule {rule_id}")]
    UnknownRule {
        /// The id.
        rule_id: String,
    },
    /// An allowlisted hash is not 64 hex digits.
    #[error("allowlisted hash {hash:?} is not a hex SHA-256")]
    InvalidHash {
        /// The text given.
        hash: String,
    },
    /// A severity name is not known.
    #[error("rule {rule_id}: unknown severity {severity:?}")]
    UnknownSeverity {
        /// The rule.
        rule_id: String,
        /// The text given.
        severity: String,
    },
    /// The configuration asks for more than [`crate::Limits`] allows.
    #[error("configuration has {count} {what}, more than the limit of {limit}")]
    TooMany {
        /// What was counted (`rules`, `keywords`, `allow patterns`).
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        limit: usize,
    },
}
