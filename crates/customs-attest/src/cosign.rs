//! Cosign's legacy signature objects: the simple-signing payload
//! (sigstore/sigstore pkg/signature/payload), the tag names signatures and
//! attestations live under, and the layer annotation keys. Pure: storing
//! and fetching these objects is the registry layer's job.

use serde::{Deserialize, Serialize};

use crate::keys::{SignatureError, VerifyingKey};
use crate::{Digest, Limits};

/// `critical.type` of a cosign image signature payload.
pub const SIMPLE_SIGNING_TYPE: &str = "cosign container image signature";
/// Media type of a signature layer (the payload blob).
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Media type of an attestation layer (a DSSE envelope blob).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation holding the PEM certificate (keyless).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Layer annotation holding the PEM chain (keyless).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Layer annotation holding the Rekor bundle JSON.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// Layer annotation naming an attestation's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";

/// The tag cosign stores an object for `digest` under: `sha256-<hex>.<suffix>`
/// with suffix `sig`, `att` or `sbom` (empty suffix: the referrers fallback tag).
pub fn tag_for(digest: &Digest, suffix: &str) -> String {
    let base = format!("{}-{}", digest.algorithm().name(), digest.hex());
    if suffix.is_empty() {
        base
    } else {
        format!("{base}.{suffix}")
    }
}

/// Why a simple-signing payload was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CosignError {
    /// Larger than [`Limits::max_document_bytes`].
    #[error("signature payload is {size} bytes, more than the {limit} allowed (raise Limits::max_document_bytes)")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// The signature does not verify.
    #[error("signature check failed")]
    Signature(#[source] SignatureError),
    /// Not simple-signing JSON.
    #[error("signature payload is not cosign simple-signing JSON")]
    Malformed(#[source] serde_json::Error),
    /// `critical.type` is wrong.
    #[error("signature payload type check failed: critical.type is {0:?}, expected {SIMPLE_SIGNING_TYPE:?}")]
    WrongType(String),
    /// The payload names another image.
    #[error(
        "digest binding check failed: payload signs {found}, but the image resolved to {expected}"
    )]
    DigestMismatch {
        /// The resolved image digest.
        expected: String,
        /// What the payload names.
        found: String,
    },
    /// Serialising failed.
    #[error("cannot serialise signature payload")]
    Serialize(#[source] serde_json::Error),
}

/// The simple-signing payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleSigning {
    /// The signed claims.
    pub critical: Critical,
    /// `-a key=value` annotations (`null` when none, as cosign writes).
    pub optional: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `critical` of a simple-signing payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critical {
    /// The image reference the signer named (informational).
    pub identity: Identity,
    /// The signed image digest.
    pub image: Image,
    /// Always [`SIMPLE_SIGNING_TYPE`].
    #[serde(rename = "type")]
    pub type_: String,
}

/// `critical.identity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Repository the signer named; verifiers ignore it.
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// `critical.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// `sha256:<hex>` of the signed manifest.
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

impl SimpleSigning {
    /// The payload cosign signs for `docker_reference` at `digest`.
    pub fn new(
        docker_reference: &str,
        digest: &Digest,
        annotations: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        Self {
            critical: Critical {
                identity: Identity {
                    docker_reference: docker_reference.to_owned(),
                },
                image: Image {
                    docker_manifest_digest: digest.to_string(),
                },
                type_: SIMPLE_SIGNING_TYPE.to_owned(),
            },
            optional: annotations,
        }
    }

    /// The payload bytes (field order as cosign writes them).
    pub fn to_json(&self) -> Result<Vec<u8>, CosignError> {
        serde_json::to_vec(self).map_err(CosignError::Serialize)
    }
}

/// Verifies a cosign image signature: the signature over the payload bytes
/// as stored, then `critical.type`, then that the signed digest is
/// `image_digest`. `docker-reference` is not checked, as in cosign.
pub fn verify_payload(
    payload: &[u8],
    signature: &[u8],
    key: &VerifyingKey,
    image_digest: &Digest,
    limits: &Limits,
) -> Result<SimpleSigning, CosignError> {
    if payload.len() > limits.max_document_bytes {
        return Err(CosignError::TooLarge {
            size: payload.len(),
            limit: limits.max_document_bytes,
        });
    }
    key.verify(payload, signature)
        .map_err(CosignError::Signature)?;
    let parsed: SimpleSigning = serde_json::from_slice(payload).map_err(CosignError::Malformed)?;
    if parsed.critical.type_ != SIMPLE_SIGNING_TYPE {
        return Err(CosignError::WrongType(parsed.critical.type_));
    }
    if parsed.critical.image.docker_manifest_digest != image_digest.to_string() {
        return Err(CosignError::DigestMismatch {
            expected: image_digest.to_string(),
            found: parsed.critical.image.docker_manifest_digest,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: &str) -> Digest {
        format!("sha256:{}", c.repeat(64)).parse().unwrap()
    }

    #[test]
    fn payload_bytes_and_checks() {
        let d = digest("a");
        let p = SimpleSigning::new("example.invalid/app", &d, None)
            .to_json()
            .unwrap();
        let want = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"example.invalid/app"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":null}}"#
        );
        assert_eq!(String::from_utf8(p.clone()).unwrap(), want);
        let key = crate::keys::generate_p256();
        let sig = key.sign(&p).unwrap();
        let vk = key.verifying_key();
        let l = Limits::default();
        verify_payload(&p, &sig, &vk, &d, &l).unwrap();
        let e = verify_payload(&p, &sig, &vk, &digest("b"), &l).unwrap_err();
        assert!(matches!(e, CosignError::DigestMismatch { .. }), "{e}");
        assert!(e.to_string().starts_with("digest binding check failed"));
        let other = crate::keys::generate_p256().verifying_key();
        assert!(matches!(
            verify_payload(&p, &sig, &other, &d, &l),
            Err(CosignError::Signature(_))
        ));
        let mut tampered = p;
        tampered[5] ^= 1;
        assert!(matches!(
            verify_payload(&tampered, &sig, &vk, &d, &l),
            Err(CosignError::Signature(_))
        ));
    }

    #[test]
    fn tags() {
        let d = digest("a");
        assert_eq!(tag_for(&d, "sig"), format!("sha256-{}.sig", "a".repeat(64)));
        assert_eq!(tag_for(&d, ""), format!("sha256-{}", "a".repeat(64)));
    }
}
