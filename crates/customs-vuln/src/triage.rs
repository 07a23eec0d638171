//! Triage: OpenVEX documents and the `.customsignore` file applied to a
//! [`MatchReport`].
//!
//! Nothing is dropped: [`apply`] marks findings with
//! [`Finding::suppressed`] (and [`Finding::vex_status`]) so reports can show
//! them as suppressed, with who said so and why.
//!
//! - [`OpenVex::parse`] reads OpenVEX 0.2.0 documents (the shape of
//!   `openvex-schema.json`): the fields the schema requires are required,
//!   statuses and justifications must be the schema's values, `not_affected`
//!   needs a justification or an impact statement and `affected` an action
//!   statement. Unknown extra fields are tolerated so newer documents still
//!   load.
//! - [`IgnoreFile::parse`] reads `.customsignore`, either one entry per line
//!   (`ID [pkg:NAME|pkg:PURL|path:GLOB]… [exp:YYYY-MM-DD] [# reason]`) or the
//!   YAML form Trivy uses for `.trivyignore.yaml`
//!   (`vulnerabilities: [{id, packages|purls, paths, expired_at, statement}]`).
//!
//! Precedence: a VEX statement that suppresses wins over the ignore file (it
//! carries a justification); the ignore file only suppresses what VEX left.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use customs_model::Warning;
use serde::Deserialize;
use serde_json::Value;

use crate::matcher::{Finding, MatchReport, Suppression, SuppressionSource};

/// Bounds for untrusted triage input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document (VEX JSON or ignore file). Default 16 MiB.
    pub max_bytes: usize,
    /// Most statements in one VEX document. Default 100,000.
    pub max_statements: usize,
    /// Most products plus subcomponents in one statement. Default 10,000.
    pub max_products: usize,
    /// Most entries in one ignore file. Default 100,000.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 16 << 20,
            max_statements: 100_000,
            max_products: 10_000,
            max_entries: 100_000,
        }
    }
}

/// Why a VEX document or an ignore file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TriageError {
    /// The input is larger than [`Limits::max_bytes`].
    #[error("triage document is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Size found.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// The VEX document is not JSON of the expected shape.
    #[error("not an OpenVEX document")]
    Json(#[source] serde_json::Error),
    /// A field the OpenVEX schema requires is missing or empty.
    #[error("OpenVEX document lacks the required field {field:?}")]
    MissingField {
        /// Field name.
        field: &'static str,
    },
    /// A statement breaks the OpenVEX rules.
    #[error("OpenVEX statement #{index}: {problem}")]
    InvalidStatement {
        /// Position in `statements` (0-based).
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// A timestamp is not RFC 3339.
    #[error("OpenVEX timestamp {value:?} is not an RFC 3339 date-time")]
    InvalidTimestamp {
        /// Value found.
        value: String,
    },
    /// More statements, products or ignore entries than the limits allow.
    #[error("{what}: {count} exceeds the limit of {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// Count found.
        count: usize,
        /// Limit.
        limit: usize,
    },
    /// A line of the ignore file does not parse.
    #[error("ignore file line {line}: {problem}")]
    IgnoreLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The YAML form of the ignore file does not parse or has the wrong shape.
    #[error("ignore file: {problem}")]
    IgnoreYaml {
        /// What is wrong.
        problem: String,
    },
}

// ---------------------------------------------------------------- dates --

/// A calendar date (UTC), for ignore-file expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar date).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            t.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| t.parse().ok())?
        };
        let year = i32::try_from(num(0..4)?).ok()?;
        let month = u8::try_from(num(5..7)?).ok()?;
        let day = u8::try_from(num(8..10)?).ok()?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(Self { year, month, day })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The date `days` days after 1970-01-01 (H. Hinnant's civil-from-days).
    fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Self {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month: u8::try_from(m).unwrap_or(1),
            day: u8::try_from(d).unwrap_or(1),
        }
    }

    /// Days since 1970-01-01 (H. Hinnant's days-from-civil).
    fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// RFC 3339 date-time → nanoseconds since the epoch, for ordering statements.
fn parse_rfc3339(s: &str) -> Option<i128> {
    let date = Date::parse(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let num = |t: Option<&str>| -> Option<i64> {
        let t = t?;
        (t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (h, mi, se) = (
        num(rest.get(0..2))?,
        num(rest.get(3..5))?,
        num(rest.get(6..8))?,
    );
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut tail = rest.get(8..)?;
    let mut nanos: i128 = 0;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let mut scale: i128 = 100_000_000;
        for c in frac.bytes().take(digits) {
            nanos += i128::from(c - b'0') * scale;
            scale /= 10;
        }
        tail = frac.get(digits..)?;
    }
    let offset = match tail {
        "Z" | "z" => 0,
        _ => {
            let sign = match tail.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if tail.len() != 6 || tail.get(3..4) != Some(":") {
                return None;
            }
            let (oh, om) = (num(tail.get(1..3))?, num(tail.get(4..6))?);
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = date.to_days() * 86_400 + h * 3600 + mi * 60 + se - offset;
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

// ----------------------------------------------------------------- purl --

/// The parts of a package URL that matching looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Purl {
    ty: String,
    namespace: String,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |j: usize| b.get(j).and_then(|h| (*h as char).to_digit(16));
        if c == b'%' {
            if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Purl {
    fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("pkg:")?.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((a, q)) => (a, q),
            None => (rest, ""),
        };
        // The version follows the last `@` after the last `/` (npm scopes
        // are sometimes written with a literal `@`).
        let last_slash = rest.rfind('/').unwrap_or(0);
        let (path, version) = match rest.rfind('@').filter(|at| *at > last_slash) {
            Some(at) => (rest.get(..at)?, rest.get(at + 1..).map(percent_decode)),
            None => (rest, None),
        };
        let (ty, path) = path.split_once('/')?;
        let ty = ty.to_ascii_lowercase();
        let path = path.trim_end_matches('/');
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => (percent_decode(ns), percent_decode(n)),
            None => (String::new(), percent_decode(path)),
        };
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        let qualifiers = qualifiers
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), percent_decode(v)))
            .collect();
        let fold = |s: String| match ty.as_str() {
            // PEP 503 name normalisation.
            "pypi" => s.to_ascii_lowercase().replace(['_', '.'], "-"),
            // Module paths and generic names are case-sensitive.
            "golang" | "generic" | "oci" => s,
            _ => s.to_ascii_lowercase(),
        };
        Some(Self {
            namespace: fold(namespace),
            name: fold(name),
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            ty,
        })
    }

    /// Whether `self` (from a VEX statement or ignore entry) names `pkg`: type,
    /// namespace and name equal; version and each qualifier only when given.
    fn covers(&self, pkg: &Self) -> bool {
        self.ty == pkg.ty
            && self.namespace == pkg.namespace
            && self.name == pkg.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| pkg.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| pkg.qualifiers.iter().any(|(pk, pv)| pk == k && pv == v))
    }
}

// ---------------------------------------------------------------- OpenVEX --

/// An OpenVEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexStatus {
    /// `not_affected`: suppresses.
    NotAffected,
    /// `affected`: kept, status recorded.
    Affected,
    /// `fixed`: suppresses.
    Fixed,
    /// `under_investigation`: kept, status recorded.
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAffected => "not_affected",
            Self::Affected => "affected",
            Self::Fixed => "fixed",
            Self::UnderInvestigation => "under_investigation",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "not_affected" => Self::NotAffected,
            "affected" => Self::Affected,
            "fixed" => Self::Fixed,
            "under_investigation" => Self::UnderInvestigation,
            _ => return None,
        })
    }

    /// Whether findings with this status are suppressed.
    pub fn suppresses(self) -> bool {
        matches!(self, Self::NotAffected | Self::Fixed)
    }
}

const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// A product (or subcomponent) of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexProduct {
    /// `@id` (an IRI: often a purl, an image reference or digest).
    pub id: Option<String>,
    /// `identifiers.purl`.
    pub purl: Option<String>,
    /// Subcomponents (`@id` or `identifiers.purl` of each).
    pub subcomponents: Vec<String>,
}

/// One OpenVEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// `vulnerability.name`.
    pub vulnerability: String,
    /// `vulnerability.aliases`.
    pub aliases: Vec<String>,
    /// Products the statement is about.
    pub products: Vec<VexProduct>,
    /// Status.
    pub status: VexStatus,
    /// Justification (`not_affected`).
    pub justification: Option<String>,
    /// Impact statement (`not_affected`).
    pub impact_statement: Option<String>,
    /// Action statement (`affected`).
    pub action_statement: Option<String>,
    /// Statement timestamp, else the document's.
    pub timestamp: String,
    /// `timestamp` in nanoseconds since the epoch, for "latest wins".
    time: i128,
}

/// An OpenVEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVex {
    /// `@id`.
    pub id: String,
    /// `author`.
    pub author: String,
    /// `timestamp`.
    pub timestamp: String,
    /// `version`.
    pub version: u64,
    /// Statements.
    pub statements: Vec<VexStatement>,
}

#[derive(Deserialize)]
struct WireDoc {
    #[serde(rename = "@context")]
    context: Option<String>,
    #[serde(rename = "@id")]
    id: Option<String>,
    author: Option<String>,
    timestamp: Option<String>,
    version: Option<u64>,
    statements: Option<Vec<WireStatement>>,
}

#[derive(Deserialize)]
struct WireStatement {
    vulnerability: Option<WireVuln>,
    #[serde(default)]
    products: Vec<WireComponent>,
    status: Option<String>,
    justification: Option<String>,
    impact_statement: Option<String>,
    action_statement: Option<String>,
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct WireVuln {
    name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct WireComponent {
    #[serde(rename = "@id")]
    id: Option<String>,
    identifiers: Option<WireIdentifiers>,
    #[serde(default)]
    subcomponents: Vec<WireComponent>,
}

#[derive(Deserialize)]
struct WireIdentifiers {
    purl: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl OpenVex {
    /// Parses and checks an OpenVEX document.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, TriageError> {
        if bytes.len() > limits.max_bytes {
            return Err(TriageError::TooLarge {
                size: bytes.len(),
                limit: limits.max_bytes,
            });
        }
        // serde_json bounds nesting itself (128 levels).
        let doc: WireDoc = serde_json::from_slice(bytes).map_err(TriageError::Json)?;
        let missing = |field| TriageError::MissingField { field };
        let context = non_empty(doc.context).ok_or(missing("@context"))?;
        if !context.contains("openvex") {
            return Err(TriageError::InvalidStatement {
                index: 0,
                problem: format!("@context {context:?} is not an OpenVEX context"),
            });
        }
        let id = non_empty(doc.id).ok_or(missing("@id"))?;
        let author = non_empty(doc.author).ok_or(missing("author"))?;
        let timestamp = non_empty(doc.timestamp).ok_or(missing("timestamp"))?;
        let doc_time = parse_rfc3339(&timestamp).ok_or_else(|| TriageError::InvalidTimestamp {
            value: timestamp.clone(),
        })?;
        let version = doc.version.ok_or(missing("version"))?;
        if version < 1 {
            return Err(missing("version"));
        }
        let wire = doc.statements.ok_or(missing("statements"))?;
        if wire.is_empty() {
            return Err(missing("statements"));
        }
        if wire.len() > limits.max_statements {
            return Err(TriageError::TooMany {
                what: "OpenVEX statements",
                count: wire.len(),
                limit: limits.max_statements,
            });
        }
        let mut statements = Vec::with_capacity(wire.len());
        for (index, s) in wire.into_iter().enumerate() {
            statements.push(Self::statement(index, s, &timestamp, doc_time, limits)?);
        }
        Ok(Self {
            id,
            author,
            timestamp,
            version,
            statements,
        })
    }

    fn statement(
        index: usize,
        s: WireStatement,
        doc_timestamp: &str,
        doc_time: i128,
        limits: &Limits,
    ) -> Result<VexStatement, TriageError> {
        let bad = |problem: String| TriageError::InvalidStatement { index, problem };
        let vuln = s
            .vulnerability
            .ok_or_else(|| bad("no vulnerability".into()))?;
        let name = non_empty(vuln.name).ok_or_else(|| bad("vulnerability has no name".into()))?;
        let status_text = s.status.ok_or_else(|| bad("no status".into()))?;
        let status = VexStatus::parse(&status_text)
            .ok_or_else(|| bad(format!("unknown status {status_text:?}")))?;
        if let Some(j) = &s.justification {
            if !JUSTIFICATIONS.contains(&j.as_str()) {
                return Err(bad(format!("unknown justification {j:?}")));
            }
        }
        let justification = non_empty(s.justification);
        let impact_statement = non_empty(s.impact_statement);
        let action_statement = non_empty(s.action_statement);
        if status == VexStatus::NotAffected && justification.is_none() && impact_statement.is_none()
        {
            return Err(bad(
                "not_affected needs a justification or an impact_statement".into(),
            ));
        }
        if status == VexStatus::Affected && action_statement.is_none() {
            return Err(bad("affected needs an action_statement".into()));
        }
        let count: usize = s.products.iter().map(|p| 1 + p.subcomponents.len()).sum();
        if count > limits.max_products {
            return Err(TriageError::TooMany {
                what: "OpenVEX products in one statement",
                count,
                limit: limits.max_products,
            });
        }
        let mut products = Vec::with_capacity(s.products.len());
        for p in s.products {
            let purl = p.identifiers.and_then(|i| non_empty(i.purl));
            let id = non_empty(p.id);
            if id.is_none() && purl.is_none() {
                return Err(bad("product has neither @id nor identifiers".into()));
            }
            let mut subcomponents = Vec::with_capacity(p.subcomponents.len());
            for c in p.subcomponents {
                let cid = c
                    .identifiers
                    .and_then(|i| non_empty(i.purl))
                    .or_else(|| non_empty(c.id))
                    .ok_or_else(|| bad("subcomponent has neither @id nor a purl".into()))?;
                subcomponents.push(cid);
            }
            products.push(VexProduct {
                id,
                purl,
                subcomponents,
            });
        }
        let (timestamp, time) = match non_empty(s.timestamp) {
            Some(t) => {
                let time = parse_rfc3339(&t)
                    .ok_or_else(|| TriageError::InvalidTimestamp { value: t.clone() })?;
                (t, time)
            }
            None => (doc_timestamp.to_owned(), doc_time),
        };
        Ok(VexStatement {
            vulnerability: name,
            aliases: vuln.aliases,
            products,
            status,
            justification,
            impact_statement,
            action_statement,
            timestamp,
            time,
        })
    }
}

impl VexProduct {
    /// The product names the image as a whole: an `oci` purl or an `@id`
    /// that is not a package URL (an image reference or digest).
    fn is_image(&self) -> bool {
        match self.purl.as_deref().or(self.id.as_deref()) {
            Some(p) => match Purl::parse(p) {
                Some(purl) => purl.ty == "oci",
                None => true,
            },
            None => true,
        }
    }

    /// Whether the statement applies to the package with this purl. A
    /// product with subcomponents applies to those; without, a package
    /// product applies to that package and an image product to all of the
    /// image's packages (the caller passed VEX for the image it scans).
    fn covers(&self, pkg: Option<&Purl>) -> bool {
        let names = |s: &str| pkg.is_some_and(|pkg| Purl::parse(s).is_some_and(|p| p.covers(pkg)));
        if !self.subcomponents.is_empty() {
            return self.subcomponents.iter().any(|s| names(s));
        }
        if self.is_image() {
            return true;
        }
        self.purl.iter().chain(self.id.iter()).any(|s| names(s))
    }
}

impl VexStatement {
    fn names(&self, f: &Finding) -> bool {
        let ids = || std::iter::once(&f.id).chain(f.aliases.iter());
        std::iter::once(&self.vulnerability)
            .chain(self.aliases.iter())
            .any(|v| ids().any(|i| i.eq_ignore_ascii_case(v)))
    }

    fn applies(&self, f: &Finding, purl: Option<&Purl>) -> bool {
        // A statement without products says nothing about any package.
        self.names(f) && self.products.iter().any(|p| p.covers(purl))
    }
}

// ----------------------------------------------------------- ignore file --

/// One `.customsignore` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// Vulnerability ID; matches a finding's ID or any alias.
    pub id: String,
    /// Packages (names, or purls) it is limited to; empty = any.
    pub packages: Vec<String>,
    /// Path globs (`*`, `?`, `**`) it is limited to; empty = any.
    pub paths: Vec<String>,
    /// The entry applies before this date, not on or after it.
    pub expires: Option<Date>,
    /// Why it is ignored.
    pub reason: Option<String>,
    /// Line (1-based) in the file; 0 for YAML entries.
    pub line: usize,
}

/// A parsed `.customsignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    /// Entries in file order.
    pub entries: Vec<IgnoreEntry>,
    /// Where it was read from, for [`Suppression::document`].
    pub path: Option<String>,
}

impl IgnoreFile {
    /// Parses with default [`Limits`].
    pub fn parse(text: &str) -> Result<Self, TriageError> {
        Self::parse_with(text, &Limits::default())
    }

    /// Parses the line form or, when a line starts with `vulnerabilities:`,
    /// the YAML form.
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Self, TriageError> {
        if text.len() > limits.max_bytes {
            return Err(TriageError::TooLarge {
                size: text.len(),
                limit: limits.max_bytes,
            });
        }
        let yaml = text
            .lines()
            .any(|l| l.starts_with("vulnerabilities:") || l.starts_with("misconfigurations:"));
        let entries = if yaml {
            parse_ignore_yaml(text, limits)?
        } else {
            parse_ignore_lines(text, limits)?
        };
        Ok(Self {
            entries,
            path: None,
        })
    }

    /// Records the file's path (shown as the suppressing document).
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

fn parse_ignore_lines(text: &str, limits: &Limits) -> Result<Vec<IgnoreEntry>, TriageError> {
    let mut entries = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let (body, reason) = match raw.split_once('#') {
            Some((b, r)) => (b, Some(r.trim().to_owned()).filter(|r| !r.is_empty())),
            None => (raw, None),
        };
        let mut tokens = body.split_whitespace();
        let Some(id) = tokens.next() else { continue };
        let bad = |problem: String| TriageError::IgnoreLine { line, problem };
        let mut e = IgnoreEntry {
            id: id.to_owned(),
            packages: Vec::new(),
            paths: Vec::new(),
            expires: None,
            reason,
            line,
        };
        for t in tokens {
            if let Some(p) = t.strip_prefix("pkg:") {
                // `pkg:npm/lodash@4.17.15` is a purl; `pkg:lodash` a name.
                e.packages.push(if p.contains('/') {
                    t.to_owned()
                } else {
                    p.to_owned()
                });
            } else if let Some(p) = t.strip_prefix("path:") {
                e.paths.push(p.to_owned());
            } else if let Some(d) = t.strip_prefix("exp:") {
                e.expires = Some(Date::parse(d).ok_or_else(|| bad(format!("bad date {d:?}")))?);
            } else {
                return Err(bad(format!(
                    "unexpected {t:?} (expected pkg:, path:, exp: or # reason)"
                )));
            }
        }
        if entries.len() >= limits.max_entries {
            return Err(TriageError::TooMany {
                what: "ignore file entries",
                count: entries.len() + 1,
                limit: limits.max_entries,
            });
        }
        entries.push(e);
    }
    Ok(entries)
}

fn parse_ignore_yaml(text: &str, limits: &Limits) -> Result<Vec<IgnoreEntry>, TriageError> {
    let bad = |problem: String| TriageError::IgnoreYaml { problem };
    let doc = crate::source::parse_yaml(text).map_err(bad)?;
    let list = match doc.get("vulnerabilities") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad("`vulnerabilities` is not a list".into())),
    };
    if list.len() > limits.max_entries {
        return Err(TriageError::TooMany {
            what: "ignore file entries",
            count: list.len(),
            limit: limits.max_entries,
        });
    }
    let strings = |v: Option<&Value>, key: &str| -> Result<Vec<String>, TriageError> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("`{key}` holds a non-string")))
                })
                .collect(),
            Some(_) => Err(bad(format!("`{key}` is not a list"))),
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("an entry has no `id`".into()))?;
        let mut packages = strings(item.get("packages"), "packages")?;
        packages.extend(strings(item.get("purls"), "purls")?);
        let expires = match item.get("expired_at").and_then(Value::as_str) {
            Some(d) => Some(
                Date::parse(d.get(..10).unwrap_or(d))
                    .ok_or_else(|| bad(format!("bad date {d:?} in `expired_at` of {id}")))?,
            ),
            None => None,
        };
        out.push(IgnoreEntry {
            id: id.to_owned(),
            packages,
            paths: strings(item.get("paths"), "paths")?,
            expires,
            reason: item
                .get("statement")
                .and_then(Value::as_str)
                .map(str::to_owned),
            line: 0,
        });
    }
    Ok(out)
}

/// Glob match: `**` crosses `/`, `*` and `?` do not, `**/` may also match
/// nothing. A leading `/` is ignored on both sides (image paths are written
/// with and without it).
fn glob_match(pattern: &str, path: &str) -> bool {
    enum Tok {
        Lit(char),
        One,
        Star,
        Any,
        AnyDir,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.trim_start_matches('/').chars().peekable();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '?' => Tok::One,
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                    Tok::AnyDir
                } else {
                    Tok::Any
                }
            }
            '*' => Tok::Star,
            c => Tok::Lit(c),
        });
    }
    let s: Vec<char> = path.trim_start_matches('/').chars().collect();
    let n = s.len();
    // cur[j]: the tokens so far match s[..j]. O(tokens·len), no backtracking
    // blow-up on hostile patterns.
    let mut cur = vec![false; n + 1];
    if let Some(c) = cur.first_mut() {
        *c = true;
    }
    for t in &toks {
        let mut next = vec![false; n + 1];
        let mut seen = false;
        for j in 0..=n {
            let here = cur.get(j).copied().unwrap_or(false);
            let prev_char = j.checked_sub(1).and_then(|k| s.get(k)).copied();
            let prev_next = j
                .checked_sub(1)
                .and_then(|k| next.get(k))
                .copied()
                .unwrap_or(false);
            let v = match t {
                Tok::Lit(c) => {
                    prev_char == Some(*c)
                        && j.checked_sub(1)
                            .and_then(|k| cur.get(k))
                            .copied()
                            .unwrap_or(false)
                }
                Tok::One => {
                    prev_char.is_some_and(|p| p != '/')
                        && j.checked_sub(1)
                            .and_then(|k| cur.get(k))
                            .copied()
                            .unwrap_or(false)
                }
                Tok::Star => here || (prev_next && prev_char != Some('/')),
                Tok::Any => here || prev_next,
                Tok::AnyDir => here || (seen && prev_char == Some('/')),
            };
            seen |= here;
            if let Some(x) = next.get_mut(j) {
                *x = v;
            }
        }
        cur = next;
    }
    cur.get(n).copied().unwrap_or(false)
}

impl IgnoreEntry {
    fn names(&self, f: &Finding) -> bool {
        f.id.eq_ignore_ascii_case(&self.id)
            || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(&self.id))
    }

    fn applies(&self, f: &Finding, purl: Option<&Purl>) -> bool {
        if !self.names(f) {
            return false;
        }
        let pkg_ok = self.packages.is_empty()
            || self.packages.iter().any(|p| {
                if p.starts_with("pkg:") {
                    Purl::parse(p).is_some_and(|e| purl.is_some_and(|pk| e.covers(pk)))
                } else {
                    p == &f.package_name
                }
            });
        let path_ok = self.paths.is_empty()
            || self
                .paths
                .iter()
                .any(|g| f.locations.iter().any(|l| glob_match(g, &l.path)));
        pkg_ok && path_ok
    }
}

// ----------------------------------------------------------------- apply --

/// Marks findings of `report` as suppressed by VEX statements and the ignore
/// file, and records the VEX status of each finding a statement covers.
///
/// Among the statements about a finding, the latest (statement timestamp,
/// else the document's; on a tie the one given later) wins. Ignore entries
/// expired on `today` do not apply; each yields a warning in the report.
/// Calling it again re-evaluates from scratch.
pub fn apply(report: &mut MatchReport, vex: &[OpenVex], ignore: Option<&IgnoreFile>, today: Date) {
    let live: Vec<&IgnoreEntry> = match ignore {
        Some(file) => {
            let (live, expired): (Vec<_>, Vec<_>) = file
                .entries
                .iter()
                .partition(|e| e.expires.is_none_or(|d| today < d));
            for e in expired {
                let where_ = match (&file.path, e.line) {
                    (Some(p), 0) => p.clone(),
                    (Some(p), n) => format!("{p}:{n}"),
                    (None, 0) => ".customsignore".to_owned(),
                    (None, n) => format!(".customsignore:{n}"),
                };
                let w = Warning::new(
                    "ignore-file",
                    where_,
                    format!(
                        "the entry for {} expired on {} and no longer applies",
                        e.id,
                        e.expires.map(|d| d.to_string()).unwrap_or_default()
                    ),
                );
                // Re-application must not repeat it.
                if !report.warnings.contains(&w) {
                    report.warnings.push(w);
                }
            }
            live
        }
        None => Vec::new(),
    };
    for f in &mut report.findings {
        f.suppressed = None;
        f.vex_status = None;
        let purl = Purl::parse(&f.package_purl);
        let mut best: Option<(&OpenVex, &VexStatement)> = None;
        for doc in vex {
            for s in &doc.statements {
                if s.applies(f, purl.as_ref()) && best.is_none_or(|(_, b)| s.time >= b.time) {
                    best = Some((doc, s));
                }
            }
        }
        if let Some((doc, s)) = best {
            f.vex_status = Some(s.status.as_str().to_owned());
            if s.status.suppresses() {
                f.suppressed = Some(Suppression {
                    source: SuppressionSource::Vex,
                    status: s.status.as_str().to_owned(),
                    justification: s.justification.clone(),
                    reason: s.impact_statement.clone(),
                    document: Some(doc.id.clone()),
                });
                continue;
            }
        }
        if let Some(e) = live.iter().find(|e| e.applies(f, purl.as_ref())) {
            f.suppressed = Some(Suppression {
                source: SuppressionSource::IgnoreFile,
                status: "ignored".to_owned(),
                justification: None,
                reason: e.reason.clone(),
                document: Some(
                    ignore
                        .and_then(|i| i.path.clone())
                        .unwrap_or_else(|| ".customsignore".to_owned()),
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("2023-1-01"), None);
        let d = Date::parse("2026-11-29").unwrap();
        assert_eq!(Date::from_days(d.to_days()), d);
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert!(Date::today().year >= 2024);
    }

    #[test]
    fn timestamps() {
        let a = parse_rfc3339("2023-01-01T00:00:00Z").unwrap();
        let b = parse_rfc3339("2023-01-01T01:00:00+02:00").unwrap();
        assert!(b < a);
        let c = parse_rfc3339("2023-01-01T00:00:00.5Z").unwrap();
        assert_eq!(c - a, 500_000_000);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert!(parse_rfc3339("2023-01-01").is_none());
        assert!(parse_rfc3339("2023-01-01T00:00:00").is_none());
        assert!(parse_rfc3339("2023-01-01T25:00:00Z").is_none());
    }

    #[test]
    fn purls() {
        let p = Purl::parse("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
            .unwrap();
        assert_eq!(
            (p.ty.as_str(), p.namespace.as_str(), p.name.as_str()),
            ("deb", "debian", "libssl3")
        );
        let bare = Purl::parse("pkg:deb/debian/libssl3").unwrap();
        assert!(bare.covers(&p));
        assert!(!p.covers(&bare));
        let arch = Purl::parse("pkg:deb/debian/libssl3?arch=arm64").unwrap();
        assert!(!arch.covers(&p));
        let py = Purl::parse("pkg:pypi/Py_YAML@5.3").unwrap();
        assert!(py.covers(&Purl::parse("pkg:pypi/py-yaml@5.3").unwrap()));
        let scoped = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(scoped.namespace, "@babel");
        assert_eq!(Purl::parse("pkg:npm/@babel/core").unwrap().name, "core");
        let epoch = Purl::parse("pkg:deb/debian/bash@1%3A5.2-1").unwrap();
        assert_eq!(epoch.version.as_deref(), Some("1:5.2-1"));
        assert!(Purl::parse("not a purl").is_none());
        assert!(Purl::parse("pkg:").is_none());
    }

    #[test]
    fn globs() {
        assert!(glob_match("usr/lib/*.so", "/usr/lib/a.so"));
        assert!(!glob_match("usr/lib/*.so", "/usr/lib/x/a.so"));
        assert!(glob_match("usr/**/a.so", "/usr/lib/x/a.so"));
        assert!(glob_match("usr/**/a.so", "usr/a.so"));
        assert!(glob_match("**", "anything/at/all"));
        assert!(glob_match("/app/requirements.tx?", "app/requirements.txt"));
        assert!(!glob_match("app/*", "app/x/y"));
        assert!(glob_match("app/**", "app/x/y"));
        // No exponential backtracking.
        let p = "*a".repeat(50);
        assert!(!glob_match(&p, &"a".repeat(40)));
    }

    #[test]
    fn ignore_lines() {
        let f = IgnoreFile::parse(
            "# comment\n\nCVE-2020-1 pkg:openssl exp:2030-01-01 # not exploitable here\nGHSA-x path:usr/**\nCVE-3 pkg:npm/lodash\n",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 3);
        assert_eq!(f.entries[0].packages, ["openssl"]);
        assert_eq!(f.entries[0].reason.as_deref(), Some("not exploitable here"));
        assert_eq!(f.entries[0].line, 3);
        assert_eq!(f.entries[2].packages, ["pkg:npm/lodash"]);
        let e = IgnoreFile::parse("CVE-1 exp:2023-02-30").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(IgnoreFile::parse("CVE-1 bogus").is_err());
    }

    #[test]
    fn ignore_yaml() {
        let f = IgnoreFile::parse(
            "vulnerabilities:\n  - id: CVE-2022-40897\n    paths:\n      - \"usr/local/lib/**\"\n    statement: Accept the risk\n  - id: CVE-2023-3446\n    expired_at: 2023-09-01\n    purls:\n      - \"pkg:deb/debian/libssl1.1\"\n",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].reason.as_deref(), Some("Accept the risk"));
        assert_eq!(f.entries[1].expires, Date::parse("2023-09-01"));
        assert_eq!(f.entries[1].packages, ["pkg:deb/debian/libssl1.1"]);
        assert!(IgnoreFile::parse("vulnerabilities:\n  - foo: 1\n").is_err());
        assert!(IgnoreFile::parse("vulnerabilities: &a [*a]\n").is_err());
    }
}
