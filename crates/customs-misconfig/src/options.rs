//! What to check and how much untrusted input to accept.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::yaml::{self, Kind, Node};

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PssLevel {
    /// The Baseline profile: prevents known privilege escalations.
    Baseline,
    /// The Restricted profile: Baseline plus current hardening practice.
    #[default]
    Restricted,
}

impl PssLevel {
    /// Lower-case name, as Kubernetes namespace labels spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

impl fmt::Display for PssLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PssLevel {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "baseline" => Ok(Self::Baseline),
            "restricted" => Ok(Self::Restricted),
            _ => Err(ConfigError::UnknownPssLevel {
                value: s.to_owned(),
                line: None,
            }),
        }
    }
}

/// Bounds on untrusted input. Each default is generous for real files and
/// small enough that a hostile file cannot exhaust memory or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read by [`crate::check_path`]: 16 MiB.
    pub max_file_bytes: u64,
    /// Most nodes in one YAML document, aliases expanded: 200,000.
    pub max_yaml_nodes: usize,
    /// Most nodes in one YAML file, aliases expanded: 4,000,000.
    pub max_total_yaml_nodes: usize,
    /// Deepest YAML nesting: 64 levels (real manifests use about 15).
    pub max_yaml_depth: usize,
    /// Most documents in one YAML file: 100,000.
    pub max_documents: usize,
    /// Most files visited under one directory: 100,000.
    pub max_files: usize,
    /// Deepest directory recursion: 32 levels.
    pub max_dir_depth: usize,
    /// Most heredocs in one Dockerfile instruction: 16.
    pub max_heredocs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 16 << 20,
            max_yaml_nodes: 200_000,
            max_total_yaml_nodes: 4_000_000,
            max_yaml_depth: 64,
            max_documents: 100_000,
            max_files: 100_000,
            max_dir_depth: 32,
            max_heredocs: 16,
        }
    }
}

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// The Pod Security Standards level manifests must meet (default: restricted).
    pub pss_level: PssLevel,
    /// Rule ids not to report.
    pub disabled: BTreeSet<String>,
    /// Registries images may come from (`ghcr.io`, `registry.example.com/team`).
    /// Empty: any registry.
    pub registry_allowlist: Vec<String>,
    /// Input bounds.
    pub limits: Limits,
}

/// Why a configuration file is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not YAML.
    #[error("misconfiguration config is not valid YAML")]
    InvalidYaml(#[source] crate::YamlError),
    /// The top level is not a mapping.
    #[error("misconfiguration config must be a mapping of settings")]
    NotAMapping,
    /// A key we do not know (a typo would otherwise silently do nothing).
    #[error(
        "unknown setting {key:?} at line {line} (expected pss-level, disabled, registry-allowlist)"
    )]
    UnknownSetting {
        /// The key.
        key: String,
        /// Its line.
        line: usize,
    },
    /// A PSS level other than baseline or restricted.
    #[error("unknown Pod Security Standards level {value:?}{} (expected baseline or restricted)", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    UnknownPssLevel {
        /// The value.
        value: String,
        /// Its line, when read from a file.
        line: Option<usize>,
    },
    /// A rule id that no rule has.
    #[error("unknown rule {id:?} at line {line} in disabled")]
    UnknownRule {
        /// The id.
        id: String,
        /// Its line.
        line: usize,
    },
    /// A value of the wrong type.
    #[error("setting {key:?} at line {line} must be {expected}")]
    WrongType {
        /// The key.
        key: String,
        /// Its line.
        line: usize,
        /// What was expected.
        expected: &'static str,
    },
}

impl Options {
    /// Reads options from YAML:
    ///
    /// ```yaml
    /// pss-level: baseline          # or restricted (default)
    /// disabled: [df-missing-healthcheck, k8s-latest-tag]
    /// registry-allowlist: [ghcr.io/acme, registry.example.com]
    /// ```
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        let limits = Limits::default();
        let (docs, err) = yaml::parse_stream(text, &limits);
        if let Some(e) = err {
            return Err(ConfigError::InvalidYaml(e));
        }
        let mut opts = Self::default();
        let Some(root) = docs.into_iter().find_map(|d| d.root) else {
            return Ok(opts);
        };
        if !root.is_map() {
            return Err(ConfigError::NotAMapping);
        }
        let known = crate::rule_ids();
        for (k, v) in root.entries() {
            let key = k.as_str().unwrap_or_default();
            match key {
                "pss-level" | "pss_level" | "pssLevel" => {
                    let s = v
                        .as_str()
                        .ok_or_else(|| wrong(key, v, "baseline or restricted"))?;
                    opts.pss_level = s.parse().map_err(|_| ConfigError::UnknownPssLevel {
                        value: s.to_owned(),
                        line: Some(v.line),
                    })?;
                }
                "disabled" | "disable" => {
                    for id in strings(key, v)? {
                        if !known.contains(id.0.as_str()) {
                            return Err(ConfigError::UnknownRule {
                                id: id.0,
                                line: id.1,
                            });
                        }
                        opts.disabled.insert(id.0);
                    }
                }
                "registry-allowlist" | "registry_allowlist" | "registryAllowlist" => {
                    opts.registry_allowlist = strings(key, v)?.into_iter().map(|s| s.0).collect();
                }
                _ => {
                    return Err(ConfigError::UnknownSetting {
                        key: key.to_owned(),
                        line: k.line,
                    })
                }
            }
        }
        Ok(opts)
    }
}

fn wrong(key: &str, v: &Node, expected: &'static str) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        line: v.line,
        expected,
    }
}

fn strings(key: &str, v: &Node) -> Result<Vec<(String, usize)>, ConfigError> {
    match &v.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| (s.to_owned(), i.line))
                    .ok_or_else(|| wrong(key, i, "a string"))
            })
            .collect(),
        _ if v.is_null() => Ok(Vec::new()),
        _ => Err(wrong(key, v, "a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_config() {
        let o = Options::from_yaml(
            "pss-level: baseline\ndisabled: [df-missing-healthcheck]\nregistry-allowlist:\n  - ghcr.io\n",
        )
        .unwrap();
        assert_eq!(o.pss_level, PssLevel::Baseline);
        assert!(o.disabled.contains("df-missing-healthcheck"));
        assert_eq!(o.registry_allowlist, vec!["ghcr.io".to_owned()]);
    }

    #[test]
    fn rejects_bad_config() {
        assert!(matches!(
            Options::from_yaml("pss-level: privileged\n"),
            Err(ConfigError::UnknownPssLevel { line: Some(1), .. })
        ));
        assert!(matches!(
            Options::from_yaml("disabled: [no-such-rule]\n"),
            Err(ConfigError::UnknownRule { line: 1, .. })
        ));
        assert!(matches!(
            Options::from_yaml("pss: baseline\n"),
            Err(ConfigError::UnknownSetting { .. })
        ));
        assert!(matches!(
            Options::from_yaml("a: [\n"),
            Err(ConfigError::InvalidYaml(_))
        ));
        assert_eq!(Options::from_yaml("").unwrap(), Options::default());
    }
}
