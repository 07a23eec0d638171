//! Rule data: the [`Spec`] shape of a built-in rule, and the built-in table.

use customs_model::Severity;

pub(crate) mod builtin;
#[cfg(test)]
mod cases;

/// How many bytes after a keyword hit a single-line rule looks at by default.
pub(crate) const DEFAULT_AFTER: usize = 512;
/// How many bytes before a keyword hit a rule looks at (the match may start before
/// the keyword, e.g. `aws_secret_access_key` when the keyword is `secret`).
pub(crate) const DEFAULT_BEFORE: usize = 256;

/// Paths where generic assignment rules do not apply: documentation, examples and tests
/// are full of sample credentials (`password: 'rapunz3l'` in a README). Provider-specific
/// rules still apply there.
pub(crate) const DOCS_AND_TESTS: &str = r"(?i)(?:\.(?:md|markdown|rst|adoc|txt|html?|ipynb)$|(?:^|/)(?:docs?|examples?|samples?|tests?|testdata|test_data|fixtures?|__tests__|spec)/|(?:^|/)(?:README|CHANGELOG|CHANGES|HISTORY|NEWS)[^/]*$|_test\.go$|\.test\.[jt]s$|(?:^|/)test_[^/]*\.py$)";

/// A cheap necessary condition on the bytes at a keyword hit, checked before the rule's
/// regex gets a window there. Each variant is exact for the regexes it is used with: a
/// hit that fails it cannot be part of a match, so skipping its window loses nothing.
/// It exists because some keywords are everywhere in ordinary text (`https://` in every
/// advisory, `password` in prose) while their rules almost never match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirm {
    /// No check: every hit gets a window.
    Always,
    /// URL with a password: from the hit, scheme characters (`[A-Za-z0-9+.-]`, such as
    /// `postgresql+psycopg2`), then `://`, then a `:` and an `@` before any `/` or
    /// whitespace (`://user:pass@host`). For keywords that start the scheme or are `://`.
    UrlUserinfo,
    /// Assignment: after the keyword at most this many `[A-Za-z0-9_.-]`, an optional
    /// quote, blanks, then `:` or `=`. For keywords that are the literal the regex puts
    /// right before `[\w.\-]{0,N}?["']?\s*(?::=|=>|[:=])`.
    Assignment(usize),
}

/// A built-in rule as data. Built with [`r`] and the `const` modifiers below, so the
/// table in [`builtin`] reads as one line per property.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) severity: Severity,
    pub(crate) keywords: &'static [&'static str],
    pub(crate) regex: &'static str,
    pub(crate) group: usize,
    pub(crate) entropy: Option<f64>,
    pub(crate) allow: &'static [&'static str],
    pub(crate) path: Option<&'static str>,
    pub(crate) after: usize,
    pub(crate) multiline: bool,
    pub(crate) generic: bool,
    pub(crate) placeholders: bool,
    pub(crate) confirm: Confirm,
}

/// A rule with the defaults: whole match is the secret, no entropy gate, single line.
pub(crate) const fn r(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    regex: &'static str,
) -> Spec {
    Spec {
        id,
        title,
        severity,
        keywords,
        regex,
        group: 0,
        entropy: None,
        allow: &[],
        path: None,
        after: DEFAULT_AFTER,
        multiline: false,
        generic: false,
        placeholders: false,
        confirm: Confirm::Always,
    }
}

impl Spec {
    /// The secret is this capture group.
    pub(crate) const fn group(mut self, group: usize) -> Self {
        self.group = group;
        self
    }
    /// The secret must have at least this Shannon entropy (bits per character).
    pub(crate) const fn entropy(mut self, bits: f64) -> Self {
        self.entropy = Some(bits);
        self
    }
    /// Secrets matching one of these patterns are documented examples or placeholders.
    pub(crate) const fn allow(mut self, allow: &'static [&'static str]) -> Self {
        self.allow = allow;
        self
    }
    /// The rule applies only to paths matching this pattern.
    pub(crate) const fn path(mut self, path: &'static str) -> Self {
        self.path = Some(path);
        self
    }
    /// The match spans lines; look this many bytes past the keyword.
    pub(crate) const fn multiline(mut self, after: usize) -> Self {
        self.multiline = true;
        self.after = after;
        self
    }
    /// A generic assignment rule: placeholders (`changeme`, `${VAR}`, `<...>`) and
    /// identifier-shaped values (`get_password`) are rejected.
    pub(crate) const fn generic(mut self) -> Self {
        self.generic = true;
        self.placeholders = true;
        self
    }
    /// Placeholders (`changeme`, `${VAR}`, `<...>`) are rejected.
    pub(crate) const fn placeholders(mut self) -> Self {
        self.placeholders = true;
        self
    }
    /// Keyword hits must pass this check before the regex runs (see [`Confirm`]).
    pub(crate) const fn confirm(mut self, confirm: Confirm) -> Self {
        self.confirm = confirm;
        self
    }
    /// A single-line rule whose lines may be long: look this many bytes past the keyword.
    pub(crate) const fn reach(mut self, after: usize) -> Self {
        self.after = after;
        self
    }
}
