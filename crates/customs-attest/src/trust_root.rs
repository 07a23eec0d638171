//! The Sigstore trusted root (`trusted_root.json`,
//! `application/vnd.dev.sigstore.trustedroot+json;version=0.1`): the
//! certificate authorities, transparency logs, CT logs and timestamp
//! authorities a verifier trusts, each with a validity window.

use serde::Deserialize;

use crate::b64::Base64Bytes;
use crate::keys::{KeyError, VerifyingKey};
use crate::time::{parse_rfc3339, TimeError};

/// Why a trusted root could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustRootError {
    /// Not trusted-root JSON.
    #[error("trusted root is not valid trusted_root.json")]
    Malformed(#[source] serde_json::Error),
    /// A `validFor` timestamp does not parse.
    #[error("trusted root has a bad validFor timestamp")]
    Time(#[source] TimeError),
    /// A log key does not parse.
    #[error("trusted root log {0} has an unreadable public key")]
    LogKey(String, #[source] KeyError),
}

/// A validity window in Unix seconds; `end` open when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start (inclusive).
    pub start: Option<i64>,
    /// End (inclusive).
    pub end: Option<i64>,
}

impl Validity {
    /// Whether `t` lies inside the window.
    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

/// A transparency log (Rekor) or CT log.
#[derive(Debug, Clone)]
pub struct LogInstance {
    /// Base URL (informational).
    pub base_url: String,
    /// The log ID (SHA-256 of the log's DER public key).
    pub log_id: Vec<u8>,
    /// The log's key.
    pub key: VerifyingKey,
    /// When the key may be used.
    pub valid_for: Validity,
}

/// A certificate authority (Fulcio) or timestamp authority.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    /// URI (informational).
    pub uri: String,
    /// DER certificates, the issuing certificate first, the root last.
    pub chain: Vec<Vec<u8>>,
    /// When the CA may have issued certificates.
    pub valid_for: Validity,
}

/// A parsed trusted root.
#[derive(Debug, Clone, Default)]
pub struct TrustedRoot {
    /// Rekor instances.
    pub tlogs: Vec<LogInstance>,
    /// Certificate transparency logs.
    pub ctlogs: Vec<LogInstance>,
    /// Fulcio instances.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    tlogs: Vec<WireLog>,
    #[serde(default)]
    ctlogs: Vec<WireLog>,
    #[serde(default)]
    certificate_authorities: Vec<WireCa>,
    #[serde(default)]
    timestamp_authorities: Vec<WireCa>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLog {
    #[serde(default)]
    base_url: String,
    public_key: WireKey,
    log_id: WireLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireKey {
    raw_bytes: Base64Bytes,
    #[serde(default)]
    valid_for: Option<WireValidity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLogId {
    key_id: Base64Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCa {
    #[serde(default)]
    uri: String,
    cert_chain: WireChain,
    #[serde(default)]
    valid_for: Option<WireValidity>,
}

#[derive(Deserialize)]
struct WireChain {
    certificates: Vec<WireRaw>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRaw {
    raw_bytes: Base64Bytes,
}

#[derive(Deserialize)]
struct WireValidity {
    start: Option<String>,
    end: Option<String>,
}

fn validity(v: Option<WireValidity>) -> Result<Validity, TrustRootError> {
    let Some(v) = v else {
        return Ok(Validity {
            start: None,
            end: None,
        });
    };
    let t = |s: Option<String>| {
        s.map(|s| parse_rfc3339(&s))
            .transpose()
            .map_err(TrustRootError::Time)
    };
    Ok(Validity {
        start: t(v.start)?,
        end: t(v.end)?,
    })
}

fn log(w: WireLog) -> Result<LogInstance, TrustRootError> {
    let key = VerifyingKey::from_spki_der(&w.public_key.raw_bytes.0)
        .map_err(|e| TrustRootError::LogKey(w.base_url.clone(), e))?;
    Ok(LogInstance {
        base_url: w.base_url,
        log_id: w.log_id.key_id.0,
        key,
        valid_for: validity(w.public_key.valid_for)?,
    })
}

fn ca(w: WireCa) -> Result<CertificateAuthority, TrustRootError> {
    Ok(CertificateAuthority {
        uri: w.uri,
        chain: w
            .cert_chain
            .certificates
            .into_iter()
            .map(|c| c.raw_bytes.0)
            .collect(),
        valid_for: validity(w.valid_for)?,
    })
}

impl TrustedRoot {
    /// Parses `trusted_root.json`. The file is configuration the user chose
    /// to trust, so unknown fields are ignored.
    pub fn from_json(bytes: &[u8]) -> Result<Self, TrustRootError> {
        let w: Wire = serde_json::from_slice(bytes).map_err(TrustRootError::Malformed)?;
        Ok(Self {
            tlogs: w.tlogs.into_iter().map(log).collect::<Result<_, _>>()?,
            ctlogs: w.ctlogs.into_iter().map(log).collect::<Result<_, _>>()?,
            certificate_authorities: w
                .certificate_authorities
                .into_iter()
                .map(ca)
                .collect::<Result<_, _>>()?,
            timestamp_authorities: w
                .timestamp_authorities
                .into_iter()
                .map(ca)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The transparency log with `log_id`.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&LogInstance> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }
}
