//! Compiled rules and rule sets.

use std::collections::HashSet;
use std::fmt;

use customs_model::Severity;
use regex::bytes::{Regex, RegexBuilder};

use crate::config::{Config, CustomRule};
use crate::rules::{
    builtin::BUILTIN, Confirm, Spec, DEFAULT_AFTER, DEFAULT_BEFORE, DOCS_AND_TESTS,
};
use crate::{Error, Limits};

/// One compiled secret rule.
#[derive(Clone)]
pub struct Rule {
    /// Stable kebab-case id (`github-pat`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Severity of a finding.
    pub severity: Severity,
    /// Literal keywords, matched case-insensitively over the whole buffer; the regex runs
    /// only near a hit. Empty: the regex runs over the whole buffer (path-filtered rules).
    pub keywords: Vec<String>,
    /// Per keyword: whether only its exact spelling can lead to a match (see
    /// [`exact_keyword`]); such hits in another case are skipped.
    pub(crate) keyword_exact: Vec<bool>,
    /// The pattern, compiled without Unicode (ASCII classes, `.` matches any byte).
    pub regex: Regex,
    /// Capture group holding the secret (0 = the whole match).
    pub secret_group: usize,
    /// Minimal Shannon entropy of the secret, in bits per character.
    pub entropy: Option<f64>,
    /// Secrets matching one of these are documented examples or placeholders.
    pub allow: Vec<Regex>,
    /// Only paths matching this are checked (paths have no leading `/`).
    pub path_filter: Option<regex::Regex>,
    /// Paths matching this are not checked (generic rules skip documentation and tests).
    pub path_exclude: Option<regex::Regex>,
    /// Bytes past a keyword hit the regex may reach.
    pub(crate) after: usize,
    /// Bytes before a keyword hit the regex may start.
    pub(crate) before: usize,
    /// Whether the window follows `after` regardless of line ends.
    pub(crate) multiline: bool,
    /// Generic assignment: reject identifier-shaped values.
    pub(crate) generic: bool,
    /// Reject placeholder values.
    pub(crate) placeholders: bool,
    /// Cheap check of a keyword hit before its window is scanned.
    pub(crate) confirm: Confirm,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("severity", &self.severity)
            .field("keywords", &self.keywords)
            .field("regex", &self.regex.as_str())
            .field("secret_group", &self.secret_group)
            .field("entropy", &self.entropy)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Whether the rule applies to a file at `path`.
    pub fn applies_to(&self, path: &str) -> bool {
        self.path_filter.as_ref().is_none_or(|p| p.is_match(path))
            && !self.path_exclude.as_ref().is_some_and(|p| p.is_match(path))
    }
}

/// A set of compiled rules plus global allowlists. Built once, shared by all scans
/// (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) allow_paths: Vec<regex::Regex>,
    pub(crate) allow_regexes: Vec<Regex>,
    pub(crate) allow_hashes: HashSet<String>,
}

fn compile(rule_id: &str, what: &'static str, pattern: &str) -> Result<Regex, Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(4 << 20)
        .dfa_size_limit(4 << 20)
        .build()
        .map_err(|source| Error::InvalidPattern {
            rule_id: rule_id.to_owned(),
            what,
            source,
        })
}

fn compile_path(rule_id: &str, pattern: &str) -> Result<regex::Regex, Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|source| Error::InvalidPattern {
            rule_id: rule_id.to_owned(),
            what: "path",
            source,
        })
}

/// Whether a built-in rule's keyword can only lead to a match when spelled exactly: the
/// regex has no case-insensitive flag and contains the keyword literally (escapes of
/// punctuation removed), so every match contains these exact bytes. `AKIA` is exact for
/// `\b((?:AKIA|ASIA)…)`; `twilio` is not for `\bSK[0-9a-f]{32}` (it is context, any case).
fn exact_keyword(regex: &str, keyword: &str) -> bool {
    if regex.contains("(?i") || keyword.is_empty() {
        return false;
    }
    let mut plain = String::with_capacity(regex.len());
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if n.is_ascii_punctuation() || n == ' ' => plain.push(n),
                // `\b`, `\d`, `\s`…: not literal text.
                Some(_) => plain.push('\0'),
                None => {}
            }
        } else {
            plain.push(c);
        }
    }
    plain.contains(keyword)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Rule {
    fn from_spec(spec: &Spec) -> Result<Self, Error> {
        let rule = Self {
            id: spec.id.to_owned(),
            title: spec.title.to_owned(),
            severity: spec.severity,
            keywords: spec.keywords.iter().map(|k| (*k).to_owned()).collect(),
            keyword_exact: spec
                .keywords
                .iter()
                .map(|k| exact_keyword(spec.regex, k))
                .collect(),
            regex: compile(spec.id, "regex", spec.regex)?,
            secret_group: spec.group,
            entropy: spec.entropy,
            allow: spec
                .allow
                .iter()
                .map(|a| compile(spec.id, "allow", a))
                .collect::<Result<_, _>>()?,
            path_filter: spec.path.map(|p| compile_path(spec.id, p)).transpose()?,
            path_exclude: if spec.generic {
                Some(compile_path(spec.id, DOCS_AND_TESTS)?)
            } else {
                None
            },
            after: spec.after,
            before: DEFAULT_BEFORE,
            multiline: spec.multiline,
            generic: spec.generic,
            placeholders: spec.placeholders,
            confirm: spec.confirm,
        };
        rule.check_group()?;
        Ok(rule)
    }

    fn from_custom(custom: &CustomRule, limits: &Limits) -> Result<Self, Error> {
        let id = custom.id.as_str();
        if !valid_id(id) {
            return Err(Error::InvalidRuleId {
                rule_id: id.to_owned(),
            });
        }
        if custom.keywords.len() > limits.max_keywords_per_rule {
            return Err(Error::TooMany {
                what: "keywords in one rule",
                count: custom.keywords.len(),
                limit: limits.max_keywords_per_rule,
            });
        }
        let severity = match &custom.severity {
            None => Severity::High,
            Some(s) => s.parse().map_err(|_| Error::UnknownSeverity {
                rule_id: id.to_owned(),
                severity: s.clone(),
            })?,
        };
        let rule = Self {
            id: id.to_owned(),
            title: custom.title.clone().unwrap_or_else(|| id.to_owned()),
            severity,
            keywords: custom
                .keywords
                .iter()
                .filter(|k| !k.is_empty())
                .cloned()
                .collect(),
            // Users' keywords stay case-insensitive: their regexes are not ours to read.
            keyword_exact: vec![false; custom.keywords.iter().filter(|k| !k.is_empty()).count()],
            regex: compile(id, "regex", &custom.regex)?,
            secret_group: custom.secret_group,
            entropy: custom.entropy,
            allow: custom
                .allow
                .iter()
                .map(|a| compile(id, "allow", a))
                .collect::<Result<_, _>>()?,
            path_filter: custom
                .path
                .as_deref()
                .map(|p| compile_path(id, p))
                .transpose()?,
            path_exclude: None,
            after: DEFAULT_AFTER,
            before: DEFAULT_BEFORE,
            multiline: false,
            generic: false,
            placeholders: false,
            confirm: Confirm::Always,
        };
        rule.check_group()?;
        Ok(rule)
    }

    fn check_group(&self) -> Result<(), Error> {
        let available = self.regex.captures_len().saturating_sub(1);
        if self.secret_group > available {
            return Err(Error::MissingSecretGroup {
                rule_id: self.id.clone(),
                group: self.secret_group,
                available,
            });
        }
        Ok(())
    }
}

impl RuleSet {
    /// The built-in rules, no allowlists.
    ///
    /// The built-in table is checked by the test suite, so compiling it cannot fail at run
    /// time; should it ever, the broken rule is left out rather than panicking.
    pub fn builtin() -> Self {
        Self {
            rules: BUILTIN
                .iter()
                .filter_map(|s| Rule::from_spec(s).ok())
                .collect(),
            allow_paths: default_allow_paths(),
            allow_regexes: Vec::new(),
            allow_hashes: HashSet::new(),
        }
    }

    /// Built-in rules plus the configuration's custom rules, less disabled ones, with the
    /// configuration's allowlists, under the default [`Limits`].
    pub fn from_config(cfg: &Config) -> Result<Self, Error> {
        Self::from_config_with_limits(cfg, &Limits::default())
    }

    /// Like [`RuleSet::from_config`] with explicit limits.
    pub fn from_config_with_limits(cfg: &Config, limits: &Limits) -> Result<Self, Error> {
        if cfg.rules.len() > limits.max_custom_rules {
            return Err(Error::TooMany {
                what: "custom rules",
                count: cfg.rules.len(),
                limit: limits.max_custom_rules,
            });
        }
        let allow_count = cfg.allow.paths.len() + cfg.allow.regexes.len() + cfg.allow.sha256.len();
        if allow_count > limits.max_allow_patterns {
            return Err(Error::TooMany {
                what: "allow patterns",
                count: allow_count,
                limit: limits.max_allow_patterns,
            });
        }
        let mut rules = BUILTIN
            .iter()
            .map(Rule::from_spec)
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen: HashSet<String> = rules.iter().map(|r| r.id.clone()).collect();
        for custom in &cfg.rules {
            let rule = Rule::from_custom(custom, limits)?;
            if !seen.insert(rule.id.clone()) {
                return Err(Error::DuplicateRuleId { rule_id: rule.id });
            }
            rules.push(rule);
        }
        let mut disabled = HashSet::new();
        for id in &cfg.disable {
            if !seen.contains(id.as_str()) {
                return Err(Error::UnknownRule {
                    rule_id: id.clone(),
                });
            }
            disabled.insert(id.as_str());
        }
        rules.retain(|r| !disabled.contains(r.id.as_str()));
        let mut allow_paths: Vec<regex::Regex> = cfg
            .allow
            .paths
            .iter()
            .map(|p| compile_path("config", p))
            .collect::<Result<_, _>>()?;
        if cfg.default_allow_paths {
            allow_paths.extend(default_allow_paths());
        }
        let allow_regexes = cfg
            .allow
            .regexes
            .iter()
            .map(|p| compile("config", "allow", p))
            .collect::<Result<_, _>>()?;
        let mut allow_hashes = HashSet::new();
        for h in &cfg.allow.sha256 {
            let h = h.trim().to_ascii_lowercase();
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::InvalidHash { hash: h });
            }
            allow_hashes.insert(h);
        }
        Ok(Self {
            rules,
            allow_paths,
            allow_regexes,
            allow_hashes,
        })
    }

    /// The rules, in precedence order (earlier rules win when two match the same bytes).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether the configuration (or the built-in third-party allowlist) allowlists this
    /// path (such files are not scanned).
    pub fn is_path_allowed(&self, path: &str) -> bool {
        self.allow_paths.iter().any(|p| p.is_match(path))
    }
}

/// Paths whose files are third-party code, documentation, examples or tests, skipped by
/// default as Trivy's built-in allow rules do: their "keys" are documentation examples and
/// test fixtures (hundreds of false alarms on an ordinary Python/Node image) and a secret
/// leaked by the image's own build is not there. Matched against the path with or without
/// its leading `/`.
pub const DEFAULT_ALLOW_PATHS: &[&str] = &[
    r"(^|/)node_modules/",
    r"(^|/)(site|dist)-packages/",
    r"(^|/)vendor/",
    r"(^|/)go/pkg/mod/",
    r"(^|/)\.cargo/registry/",
    r"(^|/)gems/[^/]+/gems/",
    // Files the distribution's packages install (libraries, shared data, headers).
    r"^/?usr/(local/)?(share|include|lib|lib64)/",
    r"(^|/)(tests?|testdata|__tests__|examples?|docs?)/",
];

fn default_allow_paths() -> Vec<regex::Regex> {
    DEFAULT_ALLOW_PATHS
        .iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compiles_with_a_valid_unique_id() {
        let mut ids = HashSet::new();
        for spec in BUILTIN {
            assert!(valid_id(spec.id), "{}", spec.id);
            assert!(ids.insert(spec.id), "duplicate {}", spec.id);
            Rule::from_spec(spec).unwrap_or_else(|e| panic!("{}: {e:?}", spec.id));
            assert!(
                !spec.keywords.is_empty() || spec.path.is_some(),
                "{} needs keywords or a path filter",
                spec.id
            );
        }
        assert_eq!(RuleSet::builtin().rules().len(), BUILTIN.len());
        assert!(BUILTIN.len() >= 80, "only {} rules", BUILTIN.len());
    }

    #[test]
    fn exact_keywords_are_literal_in_case_sensitive_regexes() {
        assert!(exact_keyword(r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b", "AKIA"));
        assert!(exact_keyword(r"\b(SG\.[0-9A-Za-z_\-]{22})", "SG."));
        assert!(!exact_keyword(r"\bSK[0-9a-fA-F]{32}\b", "twilio"));
        assert!(!exact_keyword(r"(?i)\bxapp-\d-[A-Z0-9]+", "xapp-"));
        assert!(!exact_keyword(r"\b[sr]k_test_[0-9A-Za-z]{24}", "sk_test_"));
        // `\b` is not the letter b.
        assert!(!exact_keyword(r"\bar", "bar"));
        let set = RuleSet::builtin();
        let exact: usize = set
            .rules()
            .iter()
            .map(|r| r.keyword_exact.iter().filter(|e| **e).count())
            .sum();
        assert!(exact > 80, "{exact}");
    }

    #[test]
    fn config_adds_disables_and_rejects() {
        let cfg = Config::from_yaml(
            "rules:\n  - id: acme-token\n    keywords: [acme_]\n    regex: 'acme_([a-z]{8})'\n    secret_group: 1\ndisable: [jwt]\n",
        )
        .unwrap();
        let set = RuleSet::from_config(&cfg).unwrap();
        assert!(set.rules().iter().any(|r| r.id == "acme-token"));
        assert!(!set.rules().iter().any(|r| r.id == "jwt"));

        let bad = |yaml: &str| RuleSet::from_config(&Config::from_yaml(yaml).unwrap()).unwrap_err();
        assert!(matches!(
            bad("disable: [no-such-rule]"),
            Error::UnknownRule { .. }
        ));
        assert!(matches!(
            bad("rules:\n  - id: jwt\n    regex: 'x'\n"),
            Error::DuplicateRuleId { .. }
        ));
        assert!(matches!(
            bad("rules:\n  - id: a\n    regex: '('\n"),
            Error::InvalidPattern { .. }
        ));
        assert!(matches!(
            bad("rules:\n  - id: a\n    regex: 'x'\n    secret_group: 2\n"),
            Error::MissingSecretGroup { .. }
        ));
        assert!(matches!(
            bad("rules:\n  - id: Bad_Id\n    regex: 'x'\n"),
            Error::InvalidRuleId { .. }
        ));
        assert!(matches!(
            bad("rules:\n  - id: a\n    severity: dire\n    regex: 'x'\n"),
            Error::UnknownSeverity { .. }
        ));
        assert!(matches!(
            bad("allow:\n  sha256: [abc]\n"),
            Error::InvalidHash { .. }
        ));
    }

    #[test]
    fn limits_bound_the_configuration() {
        let limits = Limits {
            max_custom_rules: 1,
            ..Limits::default()
        };
        let cfg =
            Config::from_yaml("rules:\n  - id: a\n    regex: 'x'\n  - id: b\n    regex: 'y'\n")
                .unwrap();
        assert!(matches!(
            RuleSet::from_config_with_limits(&cfg, &limits),
            Err(Error::TooMany { .. })
        ));
    }
}
