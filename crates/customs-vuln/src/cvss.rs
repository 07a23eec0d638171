//! CVSS base scores from vector strings: v2, v3.0, v3.1 and v4.0.
//!
//! Advisories carry vectors, never trustworthy numbers, so the score is
//! always computed here. v2 and v3.x follow the equations of their FIRST
//! specifications (including v3.1's `Roundup` with integer arithmetic);
//! v4.0 follows the FIRST specification's MacroVector method: look up the
//! MacroVector score, then interpolate by the severity distance to the
//! MacroVector's highest-severity vectors.

use std::collections::BTreeMap;

use customs_model::Severity;
use serde::{Deserialize, Serialize};

/// The CVSS version a vector is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CvssVersion {
    /// CVSS v2 (no prefix, `AV:N/AC:L/Au:N/...`).
    V2,
    /// CVSS v3.0 (`CVSS:3.0/...`).
    V3_0,
    /// CVSS v3.1 (`CVSS:3.1/...`).
    V3_1,
    /// CVSS v4.0 (`CVSS:4.0/...`).
    V4_0,
}

impl CvssVersion {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

impl std::fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vector with its computed base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// Version of the vector.
    pub version: CvssVersion,
    /// The vector as written in the advisory.
    pub vector: String,
    /// Base score, 0.0 to 10.0, one decimal.
    pub base_score: f64,
}

impl CvssScore {
    /// The qualitative rating of the score, per the version's specification
    /// (v2 has no `Critical`: 7.0 and up is `High`).
    pub fn severity(&self) -> Severity {
        let s = self.base_score;
        match self.version {
            CvssVersion::V2 => {
                if s >= 7.0 {
                    Severity::High
                } else if s >= 4.0 {
                    Severity::Medium
                } else {
                    Severity::Low
                }
            }
            _ => {
                if s >= 9.0 {
                    Severity::Critical
                } else if s >= 7.0 {
                    Severity::High
                } else if s >= 4.0 {
                    Severity::Medium
                } else if s > 0.0 {
                    Severity::Low
                } else {
                    Severity::Unknown
                }
            }
        }
    }
}

/// Why a vector could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    /// The vector is longer than any valid vector could be.
    #[error("cvss vector is too long ({0} bytes)")]
    TooLong(usize),
    /// The `CVSS:x.y/` prefix names a version we do not know.
    #[error("unknown cvss version {0:?}")]
    UnknownVersion(String),
    /// A part is not `METRIC:VALUE`.
    #[error("malformed cvss vector part {0:?}")]
    MalformedPart(String),
    /// A metric name is not defined for the version.
    #[error("unknown cvss metric {0:?}")]
    UnknownMetric(String),
    /// A metric value is not defined for the metric.
    #[error("invalid value {value:?} for cvss metric {metric}")]
    InvalidValue {
        /// Metric name.
        metric: String,
        /// Value found.
        value: String,
    },
    /// A metric appears twice.
    #[error("cvss metric {0} appears twice")]
    DuplicateMetric(String),
    /// A mandatory base metric is absent.
    #[error("cvss vector lacks base metric {0}")]
    MissingMetric(&'static str),
}

/// Longest vector accepted: a v4.0 vector with every metric is about 300 bytes.
const MAX_VECTOR_LEN: usize = 1024;

/// Computes the base score of a CVSS v2, v3.0, v3.1 or v4.0 vector.
///
/// v2 vectors may carry a `(...)` wrapper or a `CVSS:2.0/` prefix; temporal and
/// environmental metrics are accepted and ignored for v2/v3 (the base score
/// does not use them). For v4.0 the score uses every metric present (threat
/// and environmental included), as FIRST's calculator does; with base
/// metrics only it is the CVSS-B score.
pub fn base_score(vector: &str) -> Result<CvssScore, CvssError> {
    let vector = vector.trim();
    if vector.len() > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong(vector.len()));
    }
    let (version, body) = if let Some(rest) = vector.strip_prefix("CVSS:") {
        let (ver, body) = rest.split_once('/').unwrap_or((rest, ""));
        let version = match ver {
            "2.0" => CvssVersion::V2,
            "3.0" => CvssVersion::V3_0,
            "3.1" => CvssVersion::V3_1,
            "4.0" => CvssVersion::V4_0,
            other => return Err(CvssError::UnknownVersion(other.to_owned())),
        };
        (version, body)
    } else {
        let inner = vector
            .strip_prefix('(')
            .and_then(|v| v.strip_suffix(')'))
            .unwrap_or(vector);
        (CvssVersion::V2, inner)
    };
    let metrics = parse_metrics(body)?;
    let score = match version {
        CvssVersion::V2 => v2(&metrics)?,
        CvssVersion::V3_0 | CvssVersion::V3_1 => v3(&metrics, version)?,
        CvssVersion::V4_0 => v4(&metrics)?,
    };
    Ok(CvssScore {
        version,
        vector: vector.to_owned(),
        base_score: score,
    })
}

fn parse_metrics(body: &str) -> Result<BTreeMap<&str, &str>, CvssError> {
    let mut out = BTreeMap::new();
    for part in body.split('/') {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| CvssError::MalformedPart(part.to_owned()))?;
        if k.is_empty() || v.is_empty() {
            return Err(CvssError::MalformedPart(part.to_owned()));
        }
        if out.insert(k, v).is_some() {
            return Err(CvssError::DuplicateMetric(k.to_owned()));
        }
    }
    Ok(out)
}

fn get<'a>(
    m: &BTreeMap<&str, &'a str>,
    name: &'static str,
    allowed: &[&str],
) -> Result<&'a str, CvssError> {
    let v = *m.get(name).ok_or(CvssError::MissingMetric(name))?;
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(CvssError::InvalidValue {
            metric: name.to_owned(),
            value: v.to_owned(),
        })
    }
}

/// Checks that every metric is known and its value allowed.
fn check_known(m: &BTreeMap<&str, &str>, known: &[(&str, &[&str])]) -> Result<(), CvssError> {
    for (k, v) in m {
        let Some((_, allowed)) = known.iter().find(|(name, _)| name == k) else {
            return Err(CvssError::UnknownMetric((*k).to_owned()));
        };
        if !allowed.contains(v) {
            return Err(CvssError::InvalidValue {
                metric: (*k).to_owned(),
                value: (*v).to_owned(),
            });
        }
    }
    Ok(())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

const V2_KNOWN: &[(&str, &[&str])] = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];

fn v2(m: &BTreeMap<&str, &str>) -> Result<f64, CvssError> {
    check_known(m, V2_KNOWN)?;
    let av = match get(m, "AV", &["L", "A", "N"])? {
        "L" => 0.395,
        "A" => 0.646,
        _ => 1.0,
    };
    let ac = match get(m, "AC", &["H", "M", "L"])? {
        "H" => 0.35,
        "M" => 0.61,
        _ => 0.71,
    };
    let au = match get(m, "Au", &["M", "S", "N"])? {
        "M" => 0.45,
        "S" => 0.56,
        _ => 0.704,
    };
    let imp = |name: &'static str| -> Result<f64, CvssError> {
        Ok(match get(m, name, &["N", "P", "C"])? {
            "N" => 0.0,
            "P" => 0.275,
            _ => 0.660,
        })
    };
    let (c, i, a) = (imp("C")?, imp("I")?, imp("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    Ok(round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f))
}

const V3_KNOWN: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];

/// v3.1 `Roundup`: the smallest number with one decimal that is >= x, computed
/// on integers to avoid floating-point artefacts (spec Appendix A). v3.0 used
/// a plain ceiling, which the v3.1 definition reproduces except for those
/// artefacts, so both versions use it here.
fn roundup(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

fn v3(m: &BTreeMap<&str, &str>, _version: CvssVersion) -> Result<f64, CvssError> {
    check_known(m, V3_KNOWN)?;
    let scope_changed = get(m, "S", &["U", "C"])? == "C";
    let av = match get(m, "AV", &["N", "A", "L", "P"])? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2,
    };
    let ac = match get(m, "AC", &["L", "H"])? {
        "L" => 0.77,
        _ => 0.44,
    };
    let pr = match (get(m, "PR", &["N", "L", "H"])?, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let ui = match get(m, "UI", &["N", "R"])? {
        "N" => 0.85,
        _ => 0.62,
    };
    let cia = |name: &'static str| -> Result<f64, CvssError> {
        Ok(match get(m, name, &["H", "L", "N"])? {
            "H" => 0.56,
            "L" => 0.22,
            _ => 0.0,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let iss = 1.0 - ((1.0 - c) * (1.0 - i) * (1.0 - a));
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Ok(0.0);
    }
    let raw = if scope_changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Ok(roundup(raw))
}

const V4_KNOWN: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

const V4_BASE: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

/// Effective metric values of a v4.0 vector (modified metrics override base
/// ones; unset threat/requirement metrics take their worst case).
struct V4<'a>(&'a BTreeMap<&'a str, &'a str>);

impl V4<'_> {
    fn m(&self, name: &str) -> &str {
        let get = |k: &str| self.0.get(k).copied().filter(|v| *v != "X");
        match name {
            "E" => get("E").unwrap_or("A"),
            "CR" | "IR" | "AR" => get(name).unwrap_or("H"),
            _ => {
                let modified = format!("M{name}");
                get(&modified).or_else(|| get(name)).unwrap_or("X")
            }
        }
    }

    fn macro_vector(&self) -> [u8; 6] {
        let m = |k| self.m(k);
        let eq1 = if m("AV") == "N" && m("PR") == "N" && m("UI") == "N" {
            0
        } else if (m("AV") == "N" || m("PR") == "N" || m("UI") == "N") && m("AV") != "P" {
            1
        } else {
            2
        };
        let eq2 = if m("AC") == "L" && m("AT") == "N" {
            0
        } else {
            1
        };
        let eq3 = if m("VC") == "H" && m("VI") == "H" {
            0
        } else if m("VC") == "H" || m("VI") == "H" || m("VA") == "H" {
            1
        } else {
            2
        };
        // Only the modified subsequent-system metrics can take `S` (safety).
        let msi = self.0.get("MSI").copied().unwrap_or("X");
        let msa = self.0.get("MSA").copied().unwrap_or("X");
        let eq4 = if msi == "S" || msa == "S" {
            0
        } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
            1
        } else {
            2
        };
        let eq5 = match m("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = if (m("CR") == "H" && m("VC") == "H")
            || (m("IR") == "H" && m("VI") == "H")
            || (m("AR") == "H" && m("VA") == "H")
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// Value used for the severity distance: for SI/SA the `S` of MSI/MSA counts.
    fn level_value(&self, name: &str) -> &str {
        match name {
            "SI" | "SA" => {
                let modified = if name == "SI" { "MSI" } else { "MSA" };
                match self.0.get(modified).copied() {
                    Some(v) if v != "X" => v,
                    _ => self.0.get(name).copied().unwrap_or("N"),
                }
            }
            _ => self.m(name),
        }
    }
}

/// Severity level of a metric value, in tenths (FIRST reference levels).
fn v4_level(metric: &str, value: &str) -> Option<i32> {
    Some(match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 2,
        ("AV", "P") => 3,
        ("VC" | "VI" | "VA", "H") => 0,
        ("VC" | "VI" | "VA", "L") => 1,
        ("VC" | "VI" | "VA", "N") => 2,
        ("SC", "H") => 1,
        ("SC", "L") => 2,
        ("SC", "N") => 3,
        ("SI" | "SA", "S") => 0,
        ("SI" | "SA", "H") => 1,
        ("SI" | "SA", "L") => 2,
        ("SI" | "SA", "N") => 3,
        ("CR" | "IR" | "AR", "H") => 0,
        ("CR" | "IR" | "AR", "M") => 1,
        ("CR" | "IR" | "AR", "L") => 2,
        _ => return None,
    })
}

/// Highest-severity vectors of each EQ level (FIRST spec, "max_composed").
fn eq_maxes(eq: usize, level: u8, eq6: u8) -> &'static [&'static str] {
    match (eq, level, eq6) {
        (1, 0, _) => &["AV:N/PR:N/UI:N/"],
        (1, 1, _) => &["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
        (1, 2, _) => &["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"],
        (2, 0, _) => &["AC:L/AT:N/"],
        (2, 1, _) => &["AC:H/AT:N/", "AC:L/AT:P/"],
        (3, 0, 0) => &["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
        (3, 0, 1) => &[
            "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/",
            "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/",
        ],
        (3, 1, 0) => &[
            "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/",
            "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/",
        ],
        (3, 1, 1) => &[
            "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/",
            "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/",
            "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/",
        ],
        (3, 2, 1) => &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"],
        (4, 0, _) => &["SC:H/SI:S/SA:S/"],
        (4, 1, _) => &["SC:H/SI:H/SA:H/"],
        (4, 2, _) => &["SC:L/SI:L/SA:L/"],
        (5, 0, _) => &["E:A/"],
        (5, 1, _) => &["E:P/"],
        (5, 2, _) => &["E:U/"],
        _ => &[],
    }
}

/// Depth of each EQ level in severity steps, plus one (FIRST spec, "max_severity").
fn max_severity(eq: usize, level: u8, eq6: u8) -> f64 {
    let steps = match (eq, level, eq6) {
        (1, 0, _) => 1,
        (1, 1, _) => 4,
        (1, 2, _) => 5,
        (2, 0, _) => 1,
        (2, 1, _) => 2,
        (3, 0, 0) => 7,
        (3, 0, 1) => 6,
        (3, 1, _) => 8,
        (3, 2, _) => 10,
        (4, 0, _) => 6,
        (4, 1, _) => 5,
        (4, 2, _) => 4,
        _ => 1,
    };
    f64::from(steps) * 0.1
}

fn v4(m: &BTreeMap<&str, &str>) -> Result<f64, CvssError> {
    check_known(m, V4_KNOWN)?;
    for name in V4_BASE {
        if !m.contains_key(name) {
            return Err(CvssError::MissingMetric(name));
        }
    }
    let v = V4(m);
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|k| v.m(k) == "N")
    {
        return Ok(0.0);
    }
    let mv = v.macro_vector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
    let Some(value) = v4_lookup(mv) else {
        return Ok(0.0);
    };
    let lower = |d: [u8; 6]| v4_lookup(d);
    let next_eq1 = lower([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
    let next_eq2 = lower([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
    let next_eq3eq6 = match (eq3, eq6) {
        (1, 1) | (0, 1) => lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        (1, 0) => lower([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        (0, 0) => {
            let left = lower([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
            let right = lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
            match (left, right) {
                (Some(l), Some(r)) => Some(if l > r { l } else { r }),
                (l, r) => l.or(r),
            }
        }
        _ => lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]),
    };
    let next_eq4 = lower([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
    let next_eq5 = lower([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

    // Find the first highest-severity vector of this MacroVector that is at
    // least as severe as the scored vector in every metric.
    const DIST_METRICS: [&str; 14] = [
        "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR",
    ];
    let mut distances: BTreeMap<&str, i32> = BTreeMap::new();
    'outer: for a in eq_maxes(1, eq1, 0) {
        for b in eq_maxes(2, eq2, 0) {
            for c in eq_maxes(3, eq3, eq6) {
                for d in eq_maxes(4, eq4, 0) {
                    for e in eq_maxes(5, eq5, 0) {
                        let max = format!("{a}{b}{c}{d}{e}");
                        let max_metrics: BTreeMap<&str, &str> =
                            max.split('/').filter_map(|p| p.split_once(':')).collect();
                        let mut dist = BTreeMap::new();
                        for name in DIST_METRICS {
                            let mine = v4_level(name, v.level_value(name)).unwrap_or(0);
                            let theirs = max_metrics
                                .get(name)
                                .and_then(|val| v4_level(name, val))
                                .unwrap_or(0);
                            dist.insert(name, mine - theirs);
                        }
                        let ok = dist.values().all(|d| *d >= 0);
                        distances = dist;
                        if ok {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    let d = |names: &[&str]| -> f64 {
        f64::from(
            names
                .iter()
                .map(|n| distances.get(n).copied().unwrap_or(0))
                .sum::<i32>(),
        ) * 0.1
    };
    let cur_eq1 = d(&["AV", "PR", "UI"]);
    let cur_eq2 = d(&["AC", "AT"]);
    let cur_eq3eq6 = d(&["VC", "VI", "VA", "CR", "IR", "AR"]);
    let cur_eq4 = d(&["SC", "SI", "SA"]);

    let mut n_lower = 0u32;
    let mut sum = 0.0;
    let mut add = |next: Option<f64>, current: f64, max: f64| {
        if let Some(next) = next {
            n_lower += 1;
            sum += (value - next) * (current / max);
        }
    };
    add(next_eq1, cur_eq1, max_severity(1, eq1, 0));
    add(next_eq2, cur_eq2, max_severity(2, eq2, 0));
    add(next_eq3eq6, cur_eq3eq6, max_severity(3, eq3, eq6));
    add(next_eq4, cur_eq4, max_severity(4, eq4, 0));
    // EQ5's proportion is always 0, but an existing lower MacroVector still
    // counts in the mean.
    add(next_eq5, 0.0, 1.0);
    let mean = if n_lower == 0 {
        0.0
    } else {
        sum / f64::from(n_lower)
    };
    let score = (value - mean).clamp(0.0, 10.0);
    Ok(round1(score))
}

/// MacroVector scores from the CVSS v4.0 specification (FIRST), keyed by the
/// six EQ levels written as a number (EQ1 as the most significant digit).
const V4_LOOKUP: &[(u32, f64)] = &[
    (0, 10.0),
    (1, 9.9),
    (10, 9.8),
    (11, 9.5),
    (20, 9.5),
    (21, 9.2),
    (100, 10.0),
    (101, 9.6),
    (110, 9.3),
    (111, 8.7),
    (120, 9.1),
    (121, 8.1),
    (200, 9.3),
    (201, 9.0),
    (210, 8.9),
    (211, 8.0),
    (220, 8.1),
    (221, 6.8),
    (1000, 9.8),
    (1001, 9.5),
    (1010, 9.5),
    (1011, 9.2),
    (1020, 9.0),
    (1021, 8.4),
    (1100, 9.3),
    (1101, 9.2),
    (1110, 8.9),
    (1111, 8.1),
    (1120, 8.1),
    (1121, 6.5),
    (1200, 8.8),
    (1201, 8.0),
    (1210, 7.8),
    (1211, 7.0),
    (1220, 6.9),
    (1221, 4.8),
    (2001, 9.2),
    (2011, 8.2),
    (2021, 7.2),
    (2101, 7.9),
    (2111, 6.9),
    (2121, 5.0),
    (2201, 6.9),
    (2211, 5.5),
    (2221, 2.7),
    (10000, 9.9),
    (10001, 9.7),
    (10010, 9.5),
    (10011, 9.2),
    (10020, 9.2),
    (10021, 8.5),
    (10100, 9.5),
    (10101, 9.1),
    (10110, 9.0),
    (10111, 8.3),
    (10120, 8.4),
    (10121, 7.1),
    (10200, 9.2),
    (10201, 8.1),
    (10210, 8.2),
    (10211, 7.1),
    (10220, 7.2),
    (10221, 5.3),
    (11000, 9.5),
    (11001, 9.3),
    (11010, 9.2),
    (11011, 8.5),
    (11020, 8.5),
    (11021, 7.3),
    (11100, 9.2),
    (11101, 8.2),
    (11110, 8.0),
    (11111, 7.2),
    (11120, 7.0),
    (11121, 5.9),
    (11200, 8.4),
    (11201, 7.0),
    (11210, 7.1),
    (11211, 5.2),
    (11220, 5.0),
    (11221, 3.0),
    (12001, 8.6),
    (12011, 7.5),
    (12021, 5.2),
    (12101, 7.1),
    (12111, 5.2),
    (12121, 2.9),
    (12201, 6.3),
    (12211, 2.9),
    (12221, 1.7),
    (100000, 9.8),
    (100001, 9.5),
    (100010, 9.4),
    (100011, 8.7),
    (100020, 9.1),
    (100021, 8.1),
    (100100, 9.4),
    (100101, 8.9),
    (100110, 8.6),
    (100111, 7.4),
    (100120, 7.7),
    (100121, 6.4),
    (100200, 8.7),
    (100201, 7.5),
    (100210, 7.4),
    (100211, 6.3),
    (100220, 6.3),
    (100221, 4.9),
    (101000, 9.4),
    (101001, 8.9),
    (101010, 8.8),
    (101011, 7.7),
    (101020, 7.6),
    (101021, 6.7),
    (101100, 8.6),
    (101101, 7.6),
    (101110, 7.4),
    (101111, 5.8),
    (101120, 5.9),
    (101121, 5.0),
    (101200, 7.2),
    (101201, 5.7),
    (101210, 5.7),
    (101211, 5.2),
    (101220, 5.2),
    (101221, 2.5),
    (102001, 8.3),
    (102011, 7.0),
    (102021, 5.4),
    (102101, 6.5),
    (102111, 5.8),
    (102121, 2.6),
    (102201, 5.3),
    (102211, 2.1),
    (102221, 1.3),
    (110000, 9.5),
    (110001, 9.0),
    (110010, 8.8),
    (110011, 7.6),
    (110020, 7.6),
    (110021, 7.0),
    (110100, 9.0),
    (110101, 7.7),
    (110110, 7.5),
    (110111, 6.2),
    (110120, 6.1),
    (110121, 5.3),
    (110200, 7.7),
    (110201, 6.6),
    (110210, 6.8),
    (110211, 5.9),
    (110220, 5.2),
    (110221, 3.0),
    (111000, 8.9),
    (111001, 7.8),
    (111010, 7.6),
    (111011, 6.7),
    (111020, 6.2),
    (111021, 5.8),
    (111100, 7.4),
    (111101, 5.9),
    (111110, 5.7),
    (111111, 5.7),
    (111120, 4.7),
    (111121, 2.3),
    (111200, 6.1),
    (111201, 5.2),
    (111210, 5.7),
    (111211, 2.9),
    (111220, 2.4),
    (111221, 1.6),
    (112001, 7.1),
    (112011, 5.9),
    (112021, 3.0),
    (112101, 5.8),
    (112111, 2.6),
    (112121, 1.5),
    (112201, 2.3),
    (112211, 1.3),
    (112221, 0.6),
    (200000, 9.3),
    (200001, 8.7),
    (200010, 8.6),
    (200011, 7.2),
    (200020, 7.5),
    (200021, 5.8),
    (200100, 8.6),
    (200101, 7.4),
    (200110, 7.4),
    (200111, 6.1),
    (200120, 5.6),
    (200121, 3.4),
    (200200, 7.0),
    (200201, 5.4),
    (200210, 5.2),
    (200211, 4.0),
    (200220, 4.0),
    (200221, 2.2),
    (201000, 8.5),
    (201001, 7.5),
    (201010, 7.4),
    (201011, 5.5),
    (201020, 6.2),
    (201021, 5.1),
    (201100, 7.2),
    (201101, 5.7),
    (201110, 5.5),
    (201111, 4.1),
    (201120, 4.6),
    (201121, 1.9),
    (201200, 5.3),
    (201201, 3.6),
    (201210, 3.4),
    (201211, 1.9),
    (201220, 1.9),
    (201221, 0.8),
    (202001, 6.4),
    (202011, 5.1),
    (202021, 2.0),
    (202101, 4.7),
    (202111, 2.1),
    (202121, 1.1),
    (202201, 2.4),
    (202211, 0.9),
    (202221, 0.4),
    (210000, 8.8),
    (210001, 7.5),
    (210010, 7.3),
    (210011, 5.3),
    (210020, 6.0),
    (210021, 5.0),
    (210100, 7.3),
    (210101, 5.5),
    (210110, 5.9),
    (210111, 4.0),
    (210120, 4.1),
    (210121, 2.0),
    (210200, 5.4),
    (210201, 4.3),
    (210210, 4.5),
    (210211, 2.2),
    (210220, 2.0),
    (210221, 1.1),
    (211000, 7.5),
    (211001, 5.5),
    (211010, 5.8),
    (211011, 4.5),
    (211020, 4.0),
    (211021, 2.1),
    (211100, 6.1),
    (211101, 5.1),
    (211110, 4.8),
    (211111, 1.8),
    (211120, 2.0),
    (211121, 0.9),
    (211200, 4.6),
    (211201, 1.8),
    (211210, 1.7),
    (211211, 0.7),
    (211220, 0.8),
    (211221, 0.2),
    (212001, 5.3),
    (212011, 2.4),
    (212021, 1.4),
    (212101, 2.4),
    (212111, 1.2),
    (212121, 0.5),
    (212201, 1.0),
    (212211, 0.3),
    (212221, 0.1),
];

fn v4_lookup(mv: [u8; 6]) -> Option<f64> {
    let key = mv.iter().fold(0u32, |acc, d| acc * 10 + u32::from(*d));
    if mv.iter().any(|d| *d > 3) {
        return None;
    }
    V4_LOOKUP
        .binary_search_by_key(&key, |(k, _)| *k)
        .ok()
        .and_then(|i| V4_LOOKUP.get(i))
        .map(|e| e.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(v: &str) -> f64 {
        base_score(v).unwrap().base_score
    }

    #[test]
    fn lookup_table_is_sorted_and_complete() {
        assert_eq!(V4_LOOKUP.len(), 270);
        assert!(V4_LOOKUP.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn v2_examples() {
        assert_eq!(score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 7.5);
        assert_eq!(score("AV:N/AC:L/Au:N/C:C/I:C/A:C"), 10.0);
        assert_eq!(score("(AV:N/AC:M/Au:N/C:N/I:P/A:N)"), 4.3);
        assert_eq!(score("AV:L/AC:L/Au:N/C:N/I:N/A:N"), 0.0);
        // CVE-2002-0392 from the v2 specification: base 7.8.
        assert_eq!(score("AV:N/AC:L/Au:N/C:N/I:N/A:C"), 7.8);
        // CVE-2003-0818 from the v2 specification: base 10.0.
        assert_eq!(score("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C"), 10.0);
        assert_eq!(
            base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap().severity(),
            Severity::High
        );
    }

    #[test]
    fn v3_examples() {
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
        assert_eq!(score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
        assert_eq!(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 5.5);
        assert_eq!(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"), 7.5);
        assert_eq!(score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), 1.6);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
        // Temporal metrics are accepted and do not change the base score.
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C"),
            9.8
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .unwrap()
                .severity(),
            Severity::Critical
        );
    }

    #[test]
    fn v4_examples() {
        // Scores as FIRST's reference calculator computes them (cross-checked
        // with the Python `cvss` package, which implements the same method).
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"),
            10.0
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            9.3
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"),
            6.9
        );
        assert_eq!(
            score("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            8.5
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"),
            5.1
        );
        assert_eq!(
            score("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"),
            1.0
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"),
            0.0
        );
        // With threat metrics (CVSS-BT): E:U lowers the score.
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"),
            8.1
        );
        assert_eq!(
            score("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:H/SI:L/SA:N"),
            5.7
        );
        // Environmental: safety impact on the subsequent system.
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/CR:L"),
            10.0
        );
        assert_eq!(
            score("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            8.5
        );
    }

    #[test]
    fn rejects_bad_vectors() {
        assert!(matches!(
            base_score("CVSS:9.9/AV:N"),
            Err(CvssError::UnknownVersion(_))
        ));
        assert!(matches!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            Err(CvssError::MissingMetric("A"))
        ));
        assert!(matches!(
            base_score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::InvalidValue { .. })
        ));
        assert!(matches!(
            base_score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::DuplicateMetric(_))
        ));
        assert!(matches!(
            base_score("CVSS:3.1/AV"),
            Err(CvssError::MalformedPart(_))
        ));
        assert!(matches!(
            base_score(&"A".repeat(5000)),
            Err(CvssError::TooLong(_))
        ));
        assert!(matches!(
            base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/ZZ:1"),
            Err(CvssError::UnknownMetric(_))
        ));
    }
}
