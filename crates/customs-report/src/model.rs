//! The report model. Its serde JSON is the documented schema (`SCHEMA.md`).

use std::cmp::Reverse;

use customs_model::analysis::{Analysis, LayerRef};
use customs_model::{Digest, OsRelease, Package, Severity, Warning};
use customs_secrets::{ConfigSecret, LayerSecret, SecretMatch};
use customs_vuln::{DbStatus, Finding, MatchReport, Unmatched};
use serde::{Deserialize, Serialize};

/// Version of the JSON document; bumped on any change that breaks readers
/// (removed or renamed fields, changed meaning). Added optional fields do not
/// bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `customs`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Values of [`Subject::kind`].
pub mod subject_kind {
    /// A container image (any source).
    pub const IMAGE: &str = "image";
    /// An SBOM file (`sbom:FILE`): packages only, no layers or files.
    pub const SBOM: &str = "sbom";
    /// A directory (`dir:PATH`).
    pub const DIR: &str = "dir";
}

/// What was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The target as the user named it (`oci-layout:app.tar`, `sbom:bom.json`).
    pub name: String,
    /// `image`, `sbom` or `dir` (see [`subject_kind`]).
    pub kind: String,
    /// Image ID (config digest), for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<Digest>,
    /// Manifest digest, when the source has a manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    /// Platform (`linux/amd64`), for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Operating system, when detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsRelease>,
    /// Layers, base first (empty for SBOMs; one digest-less layer for directories).
    #[serde(default)]
    pub layers: Vec<LayerRef>,
}

impl Subject {
    /// A subject with only a name and a kind.
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            ..Self::default()
        }
    }
}

/// A scanner that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scanner {
    /// Vulnerability matching.
    Vuln,
    /// Secret scanning.
    Secret,
    /// Misconfiguration checks.
    Misconfig,
}

impl Scanner {
    /// `vuln`, `secret` or `misconfig`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vuln => "vuln",
            Self::Secret => "secret",
            Self::Misconfig => "misconfig",
        }
    }
}

/// One secret, where it is, and a redacted form of it. Never the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Rule id (`aws-access-key-id`).
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Absolute path in the image, or a config location: `config:Env[3]`,
    /// `config:Labels[KEY]`, `config:Entrypoint`, `history[5]`.
    pub path: String,
    /// Layer that added this version of the file (`None` for config text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// Digest of that layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<Digest>,
    /// Later layer that deleted or replaced the file; the secret is still in
    /// the image for anyone who pulls it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_in_layer: Option<usize>,
    /// Later layers that added the same secret at the same path again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in_layers: Vec<usize>,
    /// 1-based line of the secret's first byte, for files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// A few leading characters then `****`.
    pub redacted: String,
    /// Hex SHA-256 of the secret, to deduplicate across files and images.
    pub sha256: String,
}

impl std::fmt::Debug for SecretFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Like SecretMatch's: written by hand so a new field never leaks by accident.
        f.debug_struct("SecretFinding")
            .field("rule_id", &self.rule_id)
            .field("severity", &self.severity)
            .field("path", &self.path)
            .field("layer_index", &self.layer_index)
            .field("removed_in_layer", &self.removed_in_layer)
            .field("line", &self.line)
            .field("redacted", &self.redacted)
            .finish_non_exhaustive()
    }
}

impl SecretFinding {
    /// A finding in a file; the layer fields are left empty.
    pub fn in_file(m: &SecretMatch, path: impl Into<String>) -> Self {
        Self {
            rule_id: m.rule_id.clone(),
            title: m.title.clone(),
            severity: m.severity,
            path: path.into(),
            layer_index: None,
            layer_digest: None,
            removed_in_layer: None,
            also_in_layers: Vec::new(),
            line: u64::try_from(m.line).ok(),
            redacted: m.redacted.clone(),
            sha256: m.sha256.clone(),
        }
    }

    /// A finding in image-config text (`config:Env[3]`, `history[5]`): no
    /// layer, no line.
    pub fn in_config(m: &SecretMatch, context: impl Into<String>) -> Self {
        let mut f = Self::in_file(m, context);
        f.line = None;
        f
    }

    /// Whether the file holding it was deleted or replaced by a later layer.
    pub fn is_removed(&self) -> bool {
        self.removed_in_layer.is_some()
    }
}

impl From<&LayerSecret> for SecretFinding {
    /// A secret in a layer file, as customs-secrets' `image_findings` reports
    /// it (deduplicated across layers, deleted files included).
    fn from(s: &LayerSecret) -> Self {
        let mut f = Self::in_file(&s.secret, s.path.clone());
        f.layer_index = Some(s.layer_index);
        f.layer_digest = s.layer_digest.clone();
        f.removed_in_layer = s.removed_in;
        f.also_in_layers = s.also_in.clone();
        f
    }
}

impl From<&ConfigSecret> for SecretFinding {
    /// A secret in the image config or history, as customs-secrets'
    /// `scan_image_config` reports it; the path is its location
    /// (`config:Env[2]`, `history[5]`).
    fn from(s: &ConfigSecret) -> Self {
        Self::in_config(&s.secret, s.location.clone())
    }
}

/// The secret findings of a layer walk: customs-secrets' `image_findings`
/// (every record of its analyzer, deleted and replaced files included, one
/// finding per secret and path) as report findings.
pub fn secrets_from_analysis(analysis: &Analysis) -> Vec<SecretFinding> {
    customs_secrets::image_findings(analysis)
        .iter()
        .map(SecretFinding::from)
        .collect()
}

/// The Pod Security Standards control of a misconfiguration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PssRef {
    /// Control title as the Pod Security Standards page has it (`Seccomp`).
    pub control: String,
    /// `baseline` or `restricted`.
    pub level: String,
}

/// One misconfiguration: the fields of `customs_misconfig::Finding`, owned so
/// that a report can be read back from JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MisconfigFinding {
    /// Rule id (`df-curl-pipe-shell`); its documentation is in customs-misconfig's rule table.
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// File (or image reference) the finding is in.
    pub file: String,
    /// 1-based line when the input has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What is wrong here.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
    /// Pod Security Standards control, for PSS findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssRef>,
    /// Kubernetes object (`Kind/namespace/name`) or Dockerfile stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl From<&customs_misconfig::Finding> for MisconfigFinding {
    fn from(f: &customs_misconfig::Finding) -> Self {
        Self {
            rule_id: f.rule_id.to_owned(),
            title: f.title.to_owned(),
            severity: f.severity,
            file: f.file.clone(),
            line: f.line.and_then(|l| u64::try_from(l).ok()),
            message: f.message.clone(),
            remediation: f.remediation.to_owned(),
            pss: f.pss.as_ref().map(|p| PssRef {
                control: p.control.to_owned(),
                level: p.level.as_str().to_owned(),
            }),
            resource: f.resource.clone(),
        }
    }
}

/// One advisory source of the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseSource {
    /// Source name (`osv:PyPI`, `debian-tracker`, `alpine-secdb`).
    pub name: String,
    /// Newest date found in its data, when the source has dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Records imported from it.
    pub count: u64,
}

/// The vulnerability database the scan matched against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    /// Schema version of the database file.
    pub schema_version: u32,
    /// When the database was built, RFC 3339 UTC.
    pub built: String,
    /// Its sources.
    pub sources: Vec<DatabaseSource>,
}

impl From<&DbStatus> for DatabaseInfo {
    fn from(s: &DbStatus) -> Self {
        Self {
            schema_version: s.schema_version,
            built: s.built_at_rfc3339.clone(),
            sources: s
                .sources
                .iter()
                .map(|src| DatabaseSource {
                    name: src.name.clone(),
                    date: src.data_date.clone(),
                    count: src.records,
                })
                .collect(),
        }
    }
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// `CRITICAL`.
    pub critical: usize,
    /// `HIGH`.
    pub high: usize,
    /// `MEDIUM`.
    pub medium: usize,
    /// `LOW`.
    pub low: usize,
    /// `UNKNOWN`.
    pub unknown: usize,
}

impl SeverityCounts {
    /// Counts one finding.
    pub fn add(&mut self, s: Severity) {
        *self.slot(s) += 1;
    }

    /// The count for one severity.
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Unknown => self.unknown,
        }
    }

    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Unknown => &mut self.unknown,
        }
    }

    /// All findings.
    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.unknown
    }

    /// The sum of two counts.
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            critical: self.critical + other.critical,
            high: self.high + other.high,
            medium: self.medium + other.medium,
            low: self.low + other.low,
            unknown: self.unknown + other.unknown,
        }
    }
}

/// Counts per scanner. Suppressed vulnerabilities are counted apart and not
/// in `vulnerabilities`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Vulnerabilities that are not suppressed.
    pub vulnerabilities: SeverityCounts,
    /// Suppressed vulnerabilities (VEX, ignore file).
    pub suppressed: SeverityCounts,
    /// Secrets.
    pub secrets: SeverityCounts,
    /// Misconfigurations.
    pub misconfigurations: SeverityCounts,
}

impl Counts {
    /// All unsuppressed findings of all scanners.
    pub fn active(&self) -> SeverityCounts {
        self.vulnerabilities
            .plus(&self.secrets)
            .plus(&self.misconfigurations)
    }
}

/// Everything one scan found about one subject. See `SCHEMA.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// [`SCHEMA_VERSION`] of this document.
    pub schema_version: u32,
    /// The program that wrote it.
    pub tool: Tool,
    /// When the scan ran, RFC 3339 UTC.
    pub created: String,
    /// What was scanned.
    pub subject: Subject,
    /// Scanners that ran (an empty section of a scanner that did not run
    /// means "not checked", not "nothing found").
    pub scanners: Vec<Scanner>,
    /// Packages found (also when `packages` is left empty).
    pub package_count: usize,
    /// The packages, when requested; may be empty.
    #[serde(default)]
    pub packages: Vec<Package>,
    /// Vulnerabilities, suppressed ones included (with `suppressed` set).
    #[serde(default)]
    pub vulnerabilities: Vec<Finding>,
    /// Packages that could not be matched, and why.
    #[serde(default)]
    pub unmatched: Vec<Unmatched>,
    /// Secrets.
    #[serde(default)]
    pub secrets: Vec<SecretFinding>,
    /// Misconfigurations.
    #[serde(default)]
    pub misconfigurations: Vec<MisconfigFinding>,
    /// Problems that did not stop the scan.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// The vulnerability database used, when the vuln scanner ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseInfo>,
}

impl ScanReport {
    /// An empty report.
    pub fn new(tool: Tool, created: impl Into<String>, subject: Subject) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool,
            created: created.into(),
            subject,
            scanners: Vec::new(),
            package_count: 0,
            packages: Vec::new(),
            vulnerabilities: Vec::new(),
            unmatched: Vec::new(),
            secrets: Vec::new(),
            misconfigurations: Vec::new(),
            warnings: Vec::new(),
            database: None,
        }
    }

    fn ran(&mut self, s: Scanner) {
        if !self.scanners.contains(&s) {
            self.scanners.push(s);
            self.scanners.sort();
        }
    }

    /// Adds the result of vulnerability matching and marks the scanner as run.
    pub fn add_vulnerabilities(&mut self, m: MatchReport) {
        self.ran(Scanner::Vuln);
        self.vulnerabilities.extend(m.findings);
        self.unmatched.extend(m.unmatched);
        self.warnings.extend(m.warnings);
    }

    /// Adds secrets and marks the scanner as run.
    pub fn add_secrets(&mut self, secrets: Vec<SecretFinding>) {
        self.ran(Scanner::Secret);
        self.secrets.extend(secrets);
    }

    /// Adds a misconfiguration report and marks the scanner as run.
    pub fn add_misconfigurations(&mut self, r: &customs_misconfig::Report) {
        self.ran(Scanner::Misconfig);
        self.misconfigurations
            .extend(r.findings.iter().map(MisconfigFinding::from));
        self.warnings.extend(r.warnings.iter().cloned());
    }

    /// Findings per severity and scanner; suppressed vulnerabilities apart.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.vulnerabilities {
            if f.suppressed.is_some() {
                c.suppressed.add(f.severity);
            } else {
                c.vulnerabilities.add(f.severity);
            }
        }
        for s in &self.secrets {
            c.secrets.add(s.severity);
        }
        for m in &self.misconfigurations {
            c.misconfigurations.add(m.severity);
        }
        c
    }

    /// The highest severity of any finding of any scanner, for `--fail-on`.
    /// Suppressed vulnerabilities count only when `include_suppressed`.
    pub fn max_severity(&self, include_suppressed: bool) -> Option<Severity> {
        let vulns = self
            .vulnerabilities
            .iter()
            .filter(|f| include_suppressed || f.suppressed.is_none())
            .map(|f| f.severity);
        let secrets = self.secrets.iter().map(|s| s.severity);
        let misconfigs = self.misconfigurations.iter().map(|m| m.severity);
        vulns.chain(secrets).chain(misconfigs).max()
    }

    /// Keeps findings (all scanners) whose severity is in `severities`
    /// (`--severity CRITICAL,HIGH`; empty keeps every severity) and, with
    /// `ignore_unfixed`, only vulnerabilities that have a fixed version.
    /// Suppressed findings are filtered like the others, not dropped for
    /// being suppressed.
    pub fn filter(&mut self, severities: &[Severity], ignore_unfixed: bool) {
        let keep = |s: Severity| severities.is_empty() || severities.contains(&s);
        self.retain(keep, ignore_unfixed);
    }

    /// Like [`ScanReport::filter`] with every severity at or above `min`.
    pub fn filter_min_severity(&mut self, min: Severity, ignore_unfixed: bool) {
        self.retain(|s| s >= min, ignore_unfixed);
    }

    fn retain(&mut self, keep: impl Fn(Severity) -> bool, ignore_unfixed: bool) {
        self.vulnerabilities
            .retain(|f| keep(f.severity) && (!ignore_unfixed || !f.fixed_versions.is_empty()));
        self.secrets.retain(|s| keep(s.severity));
        self.misconfigurations.retain(|m| keep(m.severity));
    }

    /// Puts everything in the canonical order: findings by severity
    /// (highest first), then ID, then package or path; packages by type,
    /// name, version and id; warnings sorted.
    pub fn sort(&mut self) {
        self.vulnerabilities.sort_by(|a, b| {
            (
                Reverse(a.severity),
                &a.id,
                &a.package_name,
                &a.installed_version,
                &a.package_id,
            )
                .cmp(&(
                    Reverse(b.severity),
                    &b.id,
                    &b.package_name,
                    &b.installed_version,
                    &b.package_id,
                ))
        });
        self.secrets.sort_by(|a, b| {
            (
                Reverse(a.severity),
                &a.rule_id,
                &a.path,
                a.layer_index,
                a.line,
                &a.sha256,
            )
                .cmp(&(
                    Reverse(b.severity),
                    &b.rule_id,
                    &b.path,
                    b.layer_index,
                    b.line,
                    &b.sha256,
                ))
        });
        self.misconfigurations.sort_by(|a, b| {
            (Reverse(a.severity), &a.rule_id, &a.file, a.line, &a.message).cmp(&(
                Reverse(b.severity),
                &b.rule_id,
                &b.file,
                b.line,
                &b.message,
            ))
        });
        self.packages.sort_by(|a, b| {
            (a.package_type, &a.name, &a.version, &a.id).cmp(&(
                b.package_type,
                &b.name,
                &b.version,
                &b.id,
            ))
        });
        self.unmatched
            .sort_by(|a, b| a.package_id.cmp(&b.package_id));
        self.warnings.sort();
        self.warnings.dedup();
    }

    /// The layer with this index, from the subject.
    pub fn layer(&self, index: usize) -> Option<&LayerRef> {
        self.subject.layers.iter().find(|l| l.index == index)
    }
}
