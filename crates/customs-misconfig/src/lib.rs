//! Misconfiguration checks for customs.
//!
//! Three inputs, one kind of output:
//!
//! * **Image configuration** ([`check_image_config`]): the user, environment,
//!   exposed ports, healthcheck, labels and history of an OCI image config, and
//!   the files its layers add (setuid bits, world-writable directories,
//!   package-manager caches). The caller fills an [`ImageConfigInput`].
//! * **Dockerfiles** ([`check_dockerfile`]): a lossless hand-written parser
//!   ([`dockerfile::Dockerfile`]) that keeps every byte of the input, so
//!   printing the parse reproduces the file exactly, and rules in the spirit
//!   of hadolint's most-used ones.
//! * **Kubernetes manifests** ([`check_manifests`]): multi-document YAML with
//!   line numbers and alias-bomb protection; the Pod Security Standards
//!   (baseline and restricted, control by control as the Kubernetes
//!   documentation defines them), resources, immutability, image provenance,
//!   network segmentation and literal secrets.
//!
//! Every check is a rule in [`rules()`] with an id, a severity and a page of
//! docs. Findings carry file and line; problems with the input (invalid YAML,
//! an unterminated heredoc) become [`customs_model::Warning`]s and the check
//! goes on with the rest. [`to_json`] and [`to_sarif`] render a [`Report`].
//!
//! Everything here is synchronous and takes its input as arguments, except
//! [`check_path`], which reads files and walks directories.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::Path;

use customs_model::{Severity, Warning};
use serde::Serialize;

pub mod dockerfile;
mod ignore;
mod image;
mod k8s;
mod options;
mod render;
mod rules;
mod secrets;
mod walk;
mod yaml;

pub use image::{is_cache_path, ImageConfigInput, ImageFile, ImageFileKind, ImageHistory};
pub use options::{ConfigError, Limits, Options, PssLevel};
pub use render::{to_json, to_sarif};
pub use rules::{rules, RuleInfo, RuleTarget};
pub use yaml::YamlError;

/// Which Pod Security Standards control a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PssRef {
    /// The control's title exactly as the Pod Security Standards page has it
    /// (e.g. `Running as Non-root`, `Seccomp`).
    pub control: &'static str,
    /// The level that defines the control.
    pub level: PssLevel,
}

/// One misconfiguration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `df-curl-pipe-shell` (see [`rules()`]).
    pub rule_id: &'static str,
    /// The rule's title.
    pub title: &'static str,
    /// Severity.
    pub severity: Severity,
    /// File (or image reference) the finding is in.
    pub file: String,
    /// Line (1-based) when the input has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What is wrong here, naming the subject (container, instruction, path).
    pub message: String,
    /// How to fix it.
    pub remediation: &'static str,
    /// The Pod Security Standards control, for PSS findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssRef>,
    /// The Kubernetes object (`Kind/namespace/name`) or Dockerfile stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// Findings and the problems met while producing them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Findings, sorted by file, line and rule.
    pub findings: Vec<Finding>,
    /// Inputs or parts of inputs that could not be checked, and why.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Adds another report's findings and warnings.
    pub fn merge(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.warnings.extend(other.warnings);
    }

    /// Sorts findings by (file, line, rule, message) and drops exact duplicates.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.rule_id, &a.message).cmp(&(&b.file, b.line, b.rule_id, &b.message))
        });
        self.findings.dedup();
    }

    /// The highest severity among the findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Findings at or above `threshold` (for `--fail-on`).
    pub fn at_or_above(&self, threshold: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.severity >= threshold)
    }
}

/// Collects findings for one input, dropping disabled rules.
pub(crate) struct Sink<'a> {
    pub(crate) opts: &'a Options,
    pub(crate) file: &'a str,
    pub(crate) report: Report,
    ignores: ignore::Ignores,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(opts: &'a Options, file: &'a str) -> Self {
        Self {
            opts,
            file,
            report: Report::default(),
            ignores: ignore::Ignores::default(),
        }
    }

    /// A sink that honours `# customs:ignore=ID` comments in `text`.
    pub(crate) fn with_ignores(opts: &'a Options, file: &'a str, text: &str) -> Self {
        Self {
            opts,
            file,
            report: Report::default(),
            ignores: ignore::Ignores::scan(text),
        }
    }

    /// Records a finding of rule `id` unless the rule is disabled.
    pub(crate) fn add(
        &mut self,
        id: &'static str,
        line: Option<usize>,
        resource: Option<&str>,
        message: String,
    ) {
        if self.opts.disabled.contains(id) || self.ignores.ignored(line, id) {
            return;
        }
        let Some(rule) = rules::rule(id) else { return };
        self.report.findings.push(Finding {
            rule_id: rule.id,
            title: rule.title,
            severity: rule.severity,
            file: self.file.to_owned(),
            line,
            message,
            remediation: rule.remediation,
            pss: rule.pss.map(|(control, level)| PssRef { control, level }),
            resource: resource.map(str::to_owned),
        });
    }

    /// Records a warning about this input.
    pub(crate) fn warn(&mut self, source: &str, line: Option<usize>, message: impl Into<String>) {
        let subject = match line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.to_owned(),
        };
        self.report
            .warnings
            .push(Warning::new(source, subject, message));
    }

    pub(crate) fn finish(mut self) -> Report {
        self.report.sort();
        self.report
    }
}

/// Checks a Dockerfile. `name` is the path shown in findings.
pub fn check_dockerfile(name: &str, text: &str, opts: &Options) -> Report {
    dockerfile::check(name, text, opts)
}

/// Checks a stream of Kubernetes manifests (multi-document YAML). Network
/// segmentation checks see only the objects of this one stream; use
/// [`check_path`] on a directory to check them across files.
pub fn check_manifests(name: &str, yaml: &str, opts: &Options) -> Report {
    let mut set = k8s::ManifestSet::default();
    let mut report = k8s::check_file(name, yaml, opts, &mut set, true);
    report.merge(k8s::check_network(&set, opts));
    report.sort();
    report
}

/// Checks an image configuration and the files its layers add.
pub fn check_image_config(input: &ImageConfigInput, opts: &Options) -> Report {
    image::check(input, opts)
}

/// Checks a file or a directory tree, detecting Dockerfiles and Kubernetes
/// YAML by name and content. Unreadable files become warnings.
pub fn check_path(path: &Path, opts: &Options) -> Report {
    walk::check_path(path, opts)
}

/// Ids of all rules, for validating configuration.
pub(crate) fn rule_ids() -> BTreeSet<&'static str> {
    rules().iter().map(|r| r.id).collect()
}
