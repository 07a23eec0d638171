//! in-toto Statements (attestation framework v1) and predicate type URIs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Digest, Limits};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of the older Statement v0.1, still written by cosign's legacy
/// attestations; read, never written.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// DSSE `payloadType` of an in-toto Statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Predicate type of SLSA provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// Predicate type of SLSA provenance v0.2.
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// Predicate type cosign uses for `cosign sign` in the bundle format.
pub const COSIGN_SIGN_V1: &str = "https://sigstore.dev/cosign/sign/v1";

/// Maps cosign's `attest --type` value to its predicate type URI
/// (cosign cmd/cosign/cli/options/predicate.go). A value containing `://`
/// is taken as a URI already, as cosign does.
pub fn predicate_type_for(cosign_type: &str) -> Option<&str> {
    Some(match cosign_type {
        "slsaprovenance" | "slsaprovenance02" => SLSA_PROVENANCE_V02,
        "slsaprovenance1" => SLSA_PROVENANCE_V1,
        "spdx" | "spdxjson" => "https://spdx.dev/Document",
        "cyclonedx" => "https://cyclonedx.org/bom",
        "link" => "https://in-toto.io/Link/v1",
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex" => "https://openvex.dev/ns",
        "custom" => "https://cosign.sigstore.dev/attestation/v1",
        uri if uri.contains("://") => uri,
        _ => return None,
    })
}

/// Why a payload is not a usable Statement.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// Larger than [`Limits::max_document_bytes`].
    #[error("statement is {size} bytes, more than the {limit} allowed (raise Limits::max_document_bytes)")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// Not JSON of the Statement shape.
    #[error("statement is not valid in-toto Statement JSON")]
    Malformed(#[source] serde_json::Error),
    /// `_type` is not a known Statement version.
    #[error("statement _type {0:?} is not {STATEMENT_V1} or {STATEMENT_V01}")]
    UnknownType(String),
    /// No subjects.
    #[error("statement has no subject")]
    NoSubject,
    /// More subjects than [`Limits::max_subjects`].
    #[error("statement has {count} subjects, more than the {limit} allowed (raise Limits::max_subjects)")]
    TooManySubjects {
        /// Count seen.
        count: usize,
        /// Limit.
        limit: usize,
    },
    /// A subject without digests.
    #[error("statement subject {index} has no digest")]
    SubjectWithoutDigest {
        /// Position in `subject`.
        index: usize,
    },
    /// `predicateType` is empty.
    #[error("statement has an empty predicateType")]
    NoPredicateType,
    /// Serialising failed.
    #[error("cannot serialise statement")]
    Serialize(#[source] serde_json::Error),
}

/// An in-toto ResourceDescriptor (subjects, materials, byproducts).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    /// Name, e.g. the image repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm name (`sha256`, `gitCommit`, ...), hex values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// Inline content, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Where to download it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_location: Option<String>,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ResourceDescriptor {
    /// A descriptor naming `name` with one OCI digest.
    pub fn for_digest(name: Option<&str>, digest: &Digest) -> Self {
        Self {
            name: name.map(str::to_owned),
            digest: BTreeMap::from([(
                digest.algorithm().name().to_owned(),
                digest.hex().to_owned(),
            )]),
            ..Self::default()
        }
    }

    /// Whether this descriptor carries `digest` (same algorithm, same hex,
    /// hex compared case-insensitively).
    pub fn matches(&self, digest: &Digest) -> bool {
        self.digest
            .get(digest.algorithm().name())
            .is_some_and(|h| h.eq_ignore_ascii_case(digest.hex()))
    }
}

/// An in-toto Statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// `_type`: [`STATEMENT_V1`] (or [`STATEMENT_V01`] when read).
    #[serde(rename = "_type")]
    pub type_: String,
    /// What the statement is about.
    pub subject: Vec<ResourceDescriptor>,
    /// URI of the predicate's type.
    pub predicate_type: String,
    /// The predicate; consumers ignore unknown fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<serde_json::Value>,
}

impl Statement {
    /// A v1 Statement.
    pub fn new(
        subject: Vec<ResourceDescriptor>,
        predicate_type: &str,
        predicate: serde_json::Value,
    ) -> Self {
        Self {
            type_: STATEMENT_V1.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate: Some(predicate),
        }
    }

    /// Parses and checks a Statement: known `_type`, at least one subject,
    /// every subject with a digest, a predicate type.
    pub fn from_slice(bytes: &[u8], limits: &Limits) -> Result<Self, StatementError> {
        if bytes.len() > limits.max_document_bytes {
            return Err(StatementError::TooLarge {
                size: bytes.len(),
                limit: limits.max_document_bytes,
            });
        }
        let st: Self = serde_json::from_slice(bytes).map_err(StatementError::Malformed)?;
        if st.type_ != STATEMENT_V1 && st.type_ != STATEMENT_V01 {
            return Err(StatementError::UnknownType(st.type_));
        }
        if st.subject.is_empty() {
            return Err(StatementError::NoSubject);
        }
        if st.subject.len() > limits.max_subjects {
            return Err(StatementError::TooManySubjects {
                count: st.subject.len(),
                limit: limits.max_subjects,
            });
        }
        if let Some(index) = st.subject.iter().position(|s| s.digest.is_empty()) {
            return Err(StatementError::SubjectWithoutDigest { index });
        }
        if st.predicate_type.is_empty() {
            return Err(StatementError::NoPredicateType);
        }
        Ok(st)
    }

    /// The JSON bytes to sign.
    pub fn to_json(&self) -> Result<Vec<u8>, StatementError> {
        serde_json::to_vec(self).map_err(StatementError::Serialize)
    }

    /// Whether any subject carries `digest`.
    pub fn has_subject(&self, digest: &Digest) -> bool {
        self.subject.iter().any(|s| s.matches(digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_cosign_type() {
        for (t, uri) in [
            ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
            ("spdx", "https://spdx.dev/Document"),
            ("spdxjson", "https://spdx.dev/Document"),
            ("cyclonedx", "https://cyclonedx.org/bom"),
            ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
            ("openvex", "https://openvex.dev/ns"),
            ("custom", "https://cosign.sigstore.dev/attestation/v1"),
            ("link", "https://in-toto.io/Link/v1"),
            ("https://example.com/p/v1", "https://example.com/p/v1"),
        ] {
            assert_eq!(predicate_type_for(t), Some(uri), "{t}");
        }
        assert_eq!(predicate_type_for("nope"), None);
    }

    #[test]
    fn statement_checks() {
        let d: Digest = format!("sha256:{}", "ab".repeat(32)).parse().unwrap();
        let st = Statement::new(
            vec![ResourceDescriptor::for_digest(Some("r"), &d)],
            SLSA_PROVENANCE_V1,
            serde_json::json!({}),
        );
        let json = st.to_json().unwrap();
        assert!(json.starts_with(br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"r","digest":{"sha256":"abab"#));
        let back = Statement::from_slice(&json, &Limits::default()).unwrap();
        assert!(back.has_subject(&d));
        let other: Digest = format!("sha256:{}", "cd".repeat(32)).parse().unwrap();
        assert!(!back.has_subject(&other));
        let no_subject =
            br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x"}"#;
        assert!(matches!(
            Statement::from_slice(no_subject, &Limits::default()),
            Err(StatementError::NoSubject)
        ));
        let no_digest = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"x"}"#;
        assert!(matches!(
            Statement::from_slice(no_digest, &Limits::default()),
            Err(StatementError::SubjectWithoutDigest { index: 0 })
        ));
        let bad_type =
            br#"{"_type":"x","subject":[{"digest":{"sha256":"aa"}}],"predicateType":"x"}"#;
        assert!(matches!(
            Statement::from_slice(bad_type, &Limits::default()),
            Err(StatementError::UnknownType(_))
        ));
    }
}
