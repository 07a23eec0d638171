//! Sigstore bundles (protobuf-specs `sigstore_bundle.proto`, JSON form):
//! the model, building a key-signed bundle around a DSSE envelope, parsing,
//! and offline verification of keyless bundles against a [`TrustedRoot`].
//!
//! Offline keyless verification checks, in order: the transparency-log
//! entry (known log, entry kind, body consistent with the bundle, signed
//! entry timestamp, Merkle inclusion proof and signed checkpoint), the
//! Fulcio certificate chain at the log's integrated time, the certificate's
//! validity window, the identity (SAN) and issuer (Fulcio extension
//! 1.3.6.1.4.1.57264.1.8, else .1.1), and finally the signature.
//! Not checked: embedded SCTs (CT log inclusion) and RFC 3161 timestamps; a
//! bundle needs a signed entry timestamp to establish the signing time.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::dsse::{DsseError, Envelope};
use crate::keys::{SignatureError, VerifyingKey};
use crate::rekor;
use crate::trust_root::TrustedRoot;
use crate::x509::{pem_is, Cert};
use crate::Limits;

/// Media type written: bundle v0.3.
pub const MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// All media types read.
pub const MEDIA_TYPES: [&str; 4] = [
    MEDIA_TYPE_V03,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
];

/// A Sigstore bundle. Unknown fields are rejected: a verifier that ignored
/// a field it does not understand could be shown one thing and trust another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    /// One of [`MEDIA_TYPES`].
    pub media_type: String,
    /// Key or certificate, transparency-log entries, timestamps.
    pub verification_material: VerificationMaterial,
    /// A DSSE envelope (attestations, cosign v3 signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
    /// A plain signature over an artifact digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
}

/// `verificationMaterial`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerificationMaterial {
    /// A hint naming a key known out of band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// A certificate chain, leaf first (bundle v0.1/v0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<CertificateChain>,
    /// The leaf certificate (bundle v0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawCertificate>,
    /// Transparency-log entries. Always written, even empty: the sigstore
    /// Python model requires the field.
    #[serde(default)]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    /// RFC 3161 timestamps (parsed, not verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

/// `publicKey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyIdentifier {
    /// The key hint.
    pub hint: String,
}

/// `x509CertificateChain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateChain {
    /// Leaf first.
    pub certificates: Vec<RawCertificate>,
}

/// A DER certificate (`rawBytes`, base64 in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawCertificate {
    /// DER bytes.
    #[serde(with = "crate::b64::bytes")]
    pub raw_bytes: Vec<u8>,
}

/// `timestampVerificationData`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimestampVerificationData {
    /// RFC 3161 signed timestamps.
    #[serde(default)]
    pub rfc3161_timestamps: Vec<Rfc3161Timestamp>,
}

/// One RFC 3161 timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rfc3161Timestamp {
    /// The DER TimeStampResponse.
    #[serde(with = "crate::b64::bytes")]
    pub signed_timestamp: Vec<u8>,
}

/// A Rekor entry with its proofs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransparencyLogEntry {
    /// Global log index.
    #[serde(with = "crate::b64::int64")]
    pub log_index: i64,
    /// Which log.
    pub log_id: LogId,
    /// Entry kind and version (`dsse`/`0.0.1`, `hashedrekord`/`0.0.1`).
    pub kind_version: KindVersion,
    /// When the log integrated the entry (Unix seconds).
    #[serde(with = "crate::b64::int64")]
    pub integrated_time: i64,
    /// The signed entry timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    /// The Merkle inclusion proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// The entry body as the log stored it.
    #[serde(with = "crate::b64::bytes")]
    pub canonicalized_body: Vec<u8>,
}

/// `logId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogId {
    /// SHA-256 of the log's public key.
    #[serde(with = "crate::b64::bytes")]
    pub key_id: Vec<u8>,
}

/// `kindVersion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindVersion {
    /// Entry kind.
    pub kind: String,
    /// Entry version.
    pub version: String,
}

/// `inclusionPromise`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionPromise {
    /// The log's signature over the entry and its integrated time.
    #[serde(with = "crate::b64::bytes")]
    pub signed_entry_timestamp: Vec<u8>,
}

/// `inclusionProof`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionProof {
    /// Index in the log shard's tree.
    #[serde(with = "crate::b64::int64")]
    pub log_index: i64,
    /// Tree root at `tree_size`.
    #[serde(with = "crate::b64::bytes")]
    pub root_hash: Vec<u8>,
    /// Tree size.
    #[serde(with = "crate::b64::int64")]
    pub tree_size: i64,
    /// Audit path, leaf to root.
    #[serde(with = "crate::b64::bytes_vec")]
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint for the root.
    pub checkpoint: Checkpoint,
}

/// `checkpoint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The signed note text.
    pub envelope: String,
}

/// `messageSignature`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageSignature {
    /// Digest of the signed artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    /// Signature over the artifact.
    #[serde(with = "crate::b64::bytes")]
    pub signature: Vec<u8>,
}

/// `messageDigest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashOutput {
    /// `SHA2_256`, ...
    pub algorithm: String,
    /// Raw digest bytes.
    #[serde(with = "crate::b64::bytes")]
    pub digest: Vec<u8>,
}

/// What a keyless bundle must show about its signer. `None` skips a check;
/// callers should set both (cosign requires them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Exact certificate identity: an e-mail, URI or other SAN value.
    pub identity: Option<String>,
    /// Exact OIDC issuer URL.
    pub issuer: Option<String>,
}

/// What a verified bundle established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The DSSE payload type (empty for a message signature).
    pub payload_type: String,
    /// The verified payload bytes exactly as signed (the message digest for
    /// a message signature).
    pub payload: Vec<u8>,
    /// The certificate's SAN values (empty for key-signed bundles).
    pub identities: Vec<String>,
    /// The OIDC issuer from the certificate.
    pub issuer: Option<String>,
    /// The log's integrated time, if a log entry was verified.
    pub integrated_time: Option<i64>,
    /// The log index, if a log entry was verified.
    pub log_index: Option<i64>,
}

/// Why a bundle was rejected; the message names the failed check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Larger than [`Limits::max_document_bytes`].
    #[error(
        "bundle is {size} bytes, more than the {limit} allowed (raise Limits::max_document_bytes)"
    )]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// A repeated element over its limit.
    #[error("bundle has {count} {what}, more than the {limit} allowed (raise Limits::{field})")]
    TooMany {
        /// What.
        what: &'static str,
        /// Count seen.
        count: usize,
        /// Limit.
        limit: usize,
        /// The `Limits` field.
        field: &'static str,
    },
    /// Not bundle JSON.
    #[error("bundle is not valid Sigstore bundle JSON")]
    Malformed(#[source] serde_json::Error),
    /// Unknown `mediaType`.
    #[error("bundle media type {0:?} is not a supported Sigstore bundle version")]
    MediaType(String),
    /// Structure rules of the bundle spec.
    #[error("bundle structure check failed: {0}")]
    Structure(&'static str),
    /// A keyless check was asked of a key-signed bundle or the reverse.
    #[error("bundle verification material check failed: {0}")]
    Material(&'static str),
    /// Hint and DSSE keyid disagree.
    #[error("key hint check failed: bundle hint {hint:?} differs from DSSE keyid {keyid:?}")]
    KeyHint {
        /// The bundle's hint.
        hint: String,
        /// The envelope's keyid.
        keyid: String,
    },
    /// No transparency-log entry.
    #[error("transparency log check failed: the bundle has no tlog entry")]
    NoTlogEntry,
    /// The entry's log is not trusted.
    #[error("transparency log check failed: log {0} is not in the trusted root")]
    UnknownLog(String),
    /// The log key was not valid at the entry's time.
    #[error("transparency log check failed: the log key was not valid at the integrated time {0}")]
    LogKeyValidity(i64),
    /// Unsupported entry kind.
    #[error("transparency log check failed: entry kind {kind}/{version} is not supported for this content")]
    TlogKind {
        /// Kind.
        kind: String,
        /// Version.
        version: String,
    },
    /// The log body does not describe this signature.
    #[error("transparency log body check failed: {0}")]
    TlogBody(String),
    /// The signed entry timestamp does not verify.
    #[error("signed entry timestamp (SET) check failed")]
    Set(#[source] SignatureError),
    /// The Merkle inclusion proof does not verify.
    #[error("inclusion proof check failed: {0}")]
    InclusionProof(String),
    /// The checkpoint does not verify or does not match the proof.
    #[error("tlog checkpoint check failed: {0}")]
    Checkpoint(String),
    /// Nothing establishes the signing time.
    #[error("trusted time check failed: no signed entry timestamp in the bundle (RFC 3161 timestamps are not supported)")]
    NoTrustedTime,
    /// The certificate does not chain to a trusted CA.
    #[error("certificate chain check failed: {0}")]
    CertificateChain(String),
    /// The certificate was not valid at the signing time.
    #[error("certificate validity window check failed: the certificate is valid from {not_before} to {not_after}, but was used at {time}")]
    ValidityWindow {
        /// Not before (RFC 3339).
        not_before: String,
        /// Not after (RFC 3339).
        not_after: String,
        /// Signing time (RFC 3339).
        time: String,
    },
    /// Key usage / EKU unsuitable for code signing.
    #[error("certificate usage check failed: {0}")]
    Usage(&'static str),
    /// Identity mismatch.
    #[error("identity check failed: expected {expected:?}, certificate names {found:?}")]
    Identity {
        /// Policy value.
        expected: String,
        /// SAN values.
        found: Vec<String>,
    },
    /// Issuer mismatch.
    #[error("issuer check failed: expected {expected:?}, certificate names {found:?}")]
    Issuer {
        /// Policy value.
        expected: String,
        /// Issuer extension value.
        found: Option<String>,
    },
    /// The DSSE signature does not verify.
    #[error("signature check failed")]
    DsseSignature(#[source] DsseError),
    /// The message signature does not verify.
    #[error("signature check failed")]
    Signature(#[source] SignatureError),
    /// Serialising failed.
    #[error("cannot serialise bundle")]
    Serialize(#[source] serde_json::Error),
}

impl Bundle {
    /// Parses and checks bundle JSON within `limits`.
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<Self, BundleError> {
        if bytes.len() > limits.max_document_bytes {
            return Err(BundleError::TooLarge {
                size: bytes.len(),
                limit: limits.max_document_bytes,
            });
        }
        let b: Self = serde_json::from_slice(bytes).map_err(BundleError::Malformed)?;
        b.check_structure(limits)?;
        Ok(b)
    }

    fn check_structure(&self, limits: &Limits) -> Result<(), BundleError> {
        if !MEDIA_TYPES.contains(&self.media_type.as_str()) {
            return Err(BundleError::MediaType(self.media_type.clone()));
        }
        let too_many = |what, count, limit, field| BundleError::TooMany {
            what,
            count,
            limit,
            field,
        };
        match (&self.dsse_envelope, &self.message_signature) {
            (Some(env), None) => {
                if env.signatures.len() != 1 {
                    return Err(BundleError::Structure(
                        "a bundle's DSSE envelope must carry exactly one signature",
                    ));
                }
            }
            (None, Some(_)) => {}
            _ => {
                return Err(BundleError::Structure(
                    "a bundle must carry exactly one of dsseEnvelope or messageSignature",
                ))
            }
        }
        let vm = &self.verification_material;
        let kinds = usize::from(vm.public_key.is_some())
            + usize::from(vm.x509_certificate_chain.is_some())
            + usize::from(vm.certificate.is_some());
        if kinds != 1 {
            return Err(BundleError::Structure(
                "verificationMaterial must carry exactly one of publicKey, x509CertificateChain or certificate",
            ));
        }
        if let Some(chain) = &vm.x509_certificate_chain {
            if chain.certificates.is_empty() {
                return Err(BundleError::Structure("x509CertificateChain is empty"));
            }
            if chain.certificates.len() > limits.max_chain_certificates {
                return Err(too_many(
                    "certificates",
                    chain.certificates.len(),
                    limits.max_chain_certificates,
                    "max_chain_certificates",
                ));
            }
        }
        if vm.tlog_entries.len() > limits.max_tlog_entries {
            return Err(too_many(
                "tlog entries",
                vm.tlog_entries.len(),
                limits.max_tlog_entries,
                "max_tlog_entries",
            ));
        }
        for e in &vm.tlog_entries {
            if let Some(p) = &e.inclusion_proof {
                if p.hashes.len() > limits.max_proof_hashes {
                    return Err(too_many(
                        "inclusion proof hashes",
                        p.hashes.len(),
                        limits.max_proof_hashes,
                        "max_proof_hashes",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A v0.3 bundle for a key-signed DSSE envelope: verification material
    /// is a `publicKey` hint equal to the key's [`VerifyingKey::key_id`] (and
    /// to the envelope's keyid when set). No transparency-log entry.
    pub fn for_dsse_with_key(envelope: Envelope, key: &VerifyingKey) -> Result<Self, BundleError> {
        if envelope.signatures.len() != 1 {
            return Err(BundleError::Structure(
                "a bundle's DSSE envelope must carry exactly one signature",
            ));
        }
        Ok(Self {
            media_type: MEDIA_TYPE_V03.to_owned(),
            verification_material: VerificationMaterial {
                public_key: Some(PublicKeyIdentifier { hint: key.key_id() }),
                ..VerificationMaterial::default()
            },
            dsse_envelope: Some(envelope),
            message_signature: None,
        })
    }

    /// The bundle JSON (protobuf JSON field names).
    pub fn to_json(&self) -> Result<Vec<u8>, BundleError> {
        serde_json::to_vec(self).map_err(BundleError::Serialize)
    }

    /// Verifies a key-signed bundle's DSSE signature with `key`. The key
    /// hint, when the envelope also names a keyid, must match it.
    /// Transparency-log entries, if any, are not checked here.
    pub fn verify_with_key(&self, key: &VerifyingKey) -> Result<VerifiedBundle, BundleError> {
        let hint = self
            .verification_material
            .public_key
            .as_ref()
            .ok_or(BundleError::Material(
                "bundle carries a certificate; verify it against a trusted root",
            ))?;
        let env = self.dsse_envelope.as_ref().ok_or(BundleError::Structure(
            "key-signed message signatures are not supported; expected a DSSE envelope",
        ))?;
        for keyid in env.signatures.iter().filter_map(|s| s.keyid.as_deref()) {
            if keyid != hint.hint {
                return Err(BundleError::KeyHint {
                    hint: hint.hint.clone(),
                    keyid: keyid.to_owned(),
                });
            }
        }
        let payload = env.verify(key).map_err(BundleError::DsseSignature)?;
        Ok(VerifiedBundle {
            payload_type: env.payload_type.clone(),
            payload: payload.to_vec(),
            identities: Vec::new(),
            issuer: None,
            integrated_time: None,
            log_index: None,
        })
    }

    fn leaf_der(&self) -> Result<&[u8], BundleError> {
        let vm = &self.verification_material;
        if let Some(c) = &vm.certificate {
            return Ok(&c.raw_bytes);
        }
        if let Some(first) = vm
            .x509_certificate_chain
            .as_ref()
            .and_then(|c| c.certificates.first())
        {
            return Ok(&first.raw_bytes);
        }
        Err(BundleError::Material(
            "bundle is key-signed (publicKey hint); verify it with the public key",
        ))
    }

    /// The signature bytes and what the log body must hash.
    fn signature(&self) -> Result<&[u8], BundleError> {
        match (&self.dsse_envelope, &self.message_signature) {
            (Some(env), _) => {
                env.signatures
                    .first()
                    .map(|s| s.sig.as_slice())
                    .ok_or(BundleError::Structure(
                        "a bundle's DSSE envelope must carry exactly one signature",
                    ))
            }
            (None, Some(m)) => Ok(&m.signature),
            (None, None) => Err(BundleError::Structure(
                "a bundle must carry exactly one of dsseEnvelope or messageSignature",
            )),
        }
    }

    /// Verifies a keyless bundle offline against `root` and `policy`.
    /// Returns the verified payload; the caller then checks what it says
    /// (for attestations: [`crate::verify::check_statement`] against the
    /// image digest).
    pub fn verify(
        &self,
        root: &TrustedRoot,
        policy: &Policy,
    ) -> Result<VerifiedBundle, BundleError> {
        self.check_structure(&Limits::default())?;
        let leaf_der = self.leaf_der()?;
        let leaf = Cert::parse(leaf_der).map_err(BundleError::CertificateChain)?;
        let signature = self.signature()?;

        // 1. Transparency log: establishes the trusted signing time.
        let mut trusted_time = None;
        let mut log_index = None;
        if self.verification_material.tlog_entries.is_empty() {
            return Err(BundleError::NoTlogEntry);
        }
        let needs_proof = self.media_type != MEDIA_TYPES[3];
        for entry in &self.verification_material.tlog_entries {
            self.check_tlog_body(entry, leaf_der, signature)?;
            let log = root
                .tlog(&entry.log_id.key_id)
                .ok_or_else(|| BundleError::UnknownLog(crate::b64::encode(&entry.log_id.key_id)))?;
            if !log.valid_for.contains(entry.integrated_time) {
                return Err(BundleError::LogKeyValidity(entry.integrated_time));
            }
            match &entry.inclusion_proof {
                Some(proof) => check_proof(entry, proof, log)?,
                None if needs_proof => {
                    return Err(BundleError::InclusionProof(
                        "the tlog entry has no inclusion proof".into(),
                    ))
                }
                None => {}
            }
            if let Some(promise) = &entry.inclusion_promise {
                let payload = rekor::set_payload(
                    &entry.canonicalized_body,
                    entry.integrated_time,
                    &entry.log_id.key_id,
                    entry.log_index,
                );
                log.key
                    .verify(&payload, &promise.signed_entry_timestamp)
                    .map_err(BundleError::Set)?;
                trusted_time = Some(entry.integrated_time);
                log_index = Some(entry.log_index);
            }
        }
        let time = trusted_time.ok_or(BundleError::NoTrustedTime)?;

        // 2. Certificate chain to a CA valid at that time.
        check_chain(&leaf, root, time)?;

        // 3. Validity window and usage of the leaf.
        if !leaf.valid_at(time) {
            return Err(BundleError::ValidityWindow {
                not_before: crate::time::format_rfc3339(leaf.not_before),
                not_after: crate::time::format_rfc3339(leaf.not_after),
                time: crate::time::format_rfc3339(time),
            });
        }
        if leaf.digital_signature == Some(false) {
            return Err(BundleError::Usage("key usage lacks digitalSignature"));
        }
        if leaf.code_signing != Some(true) {
            return Err(BundleError::Usage("extended key usage lacks codeSigning"));
        }

        // 4. Identity and issuer.
        if let Some(expected) = &policy.identity {
            if !leaf.sans.iter().any(|s| s == expected) {
                return Err(BundleError::Identity {
                    expected: expected.clone(),
                    found: leaf.sans,
                });
            }
        }
        if let Some(expected) = &policy.issuer {
            if leaf.oidc_issuer.as_deref() != Some(expected.as_str()) {
                return Err(BundleError::Issuer {
                    expected: expected.clone(),
                    found: leaf.oidc_issuer,
                });
            }
        }

        // 5. The signature itself.
        let key = leaf.public_key().map_err(BundleError::CertificateChain)?;
        let (payload_type, payload) = match (&self.dsse_envelope, &self.message_signature) {
            (Some(env), _) => (
                env.payload_type.clone(),
                env.verify(&key)
                    .map_err(BundleError::DsseSignature)?
                    .to_vec(),
            ),
            (None, Some(m)) => {
                let digest = message_digest(m)?;
                key.verify_prehash(digest, &m.signature)
                    .map_err(BundleError::Signature)?;
                (String::new(), digest.to_vec())
            }
            (None, None) => {
                return Err(BundleError::Structure(
                    "a bundle must carry exactly one of dsseEnvelope or messageSignature",
                ))
            }
        };
        Ok(VerifiedBundle {
            payload_type,
            payload,
            identities: leaf.sans,
            issuer: leaf.oidc_issuer,
            integrated_time: Some(time),
            log_index,
        })
    }

    /// Checks that the log entry body records this very signature, signer
    /// and content.
    fn check_tlog_body(
        &self,
        entry: &TransparencyLogEntry,
        leaf_der: &[u8],
        signature: &[u8],
    ) -> Result<(), BundleError> {
        let bad = |m: &str| BundleError::TlogBody(m.to_owned());
        let kv = &entry.kind_version;
        let body: serde_json::Value = serde_json::from_slice(&entry.canonicalized_body)
            .map_err(|_| bad("the body is not JSON"))?;
        let at = |p: &str| body.pointer(p).unwrap_or(&NULL);
        if at("/kind") != kv.kind.as_str() || at("/apiVersion") != kv.version.as_str() {
            return Err(bad(
                "the body's kind or apiVersion differs from kindVersion",
            ));
        }
        let b64_is = |v: &serde_json::Value, want: &[u8]| {
            v.as_str()
                .and_then(|s| crate::b64::decode(s).ok())
                .is_some_and(|d| d == want)
        };
        let pem_matches = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|s| crate::b64::decode(s).ok())
                .is_some_and(|pem| pem_is(&pem, leaf_der))
        };
        match (
            &self.dsse_envelope,
            &self.message_signature,
            kv.kind.as_str(),
            kv.version.as_str(),
        ) {
            (Some(env), None, "dsse", "0.0.1") => {
                let payload_hash = hex::encode(Sha256::digest(&env.payload));
                if at("/spec/payloadHash/algorithm") != "sha256"
                    || at("/spec/payloadHash/value") != payload_hash.as_str()
                {
                    return Err(bad("payloadHash does not match the DSSE payload"));
                }
                let sigs = at("/spec/signatures")
                    .as_array()
                    .ok_or_else(|| bad("no signatures"))?;
                if !sigs.iter().any(|s| {
                    b64_is(s.pointer("/signature").unwrap_or(&NULL), signature)
                        && pem_matches(s.pointer("/verifier").unwrap_or(&NULL))
                }) {
                    return Err(bad(
                        "no logged signature matches the bundle's signature and certificate",
                    ));
                }
            }
            (None, Some(m), "hashedrekord", "0.0.1") => {
                let digest = message_digest(m)?;
                if at("/spec/data/hash/algorithm") != "sha256"
                    || at("/spec/data/hash/value") != hex::encode(digest).as_str()
                {
                    return Err(bad("the logged hash does not match the message digest"));
                }
                if !b64_is(at("/spec/signature/content"), signature) {
                    return Err(bad(
                        "the logged signature does not match the bundle's signature",
                    ));
                }
                if !pem_matches(at("/spec/signature/publicKey/content")) {
                    return Err(bad(
                        "the logged certificate does not match the bundle's certificate",
                    ));
                }
            }
            _ => {
                return Err(BundleError::TlogKind {
                    kind: kv.kind.clone(),
                    version: kv.version.clone(),
                })
            }
        }
        Ok(())
    }
}

const NULL: serde_json::Value = serde_json::Value::Null;

fn message_digest(m: &MessageSignature) -> Result<&[u8], BundleError> {
    match &m.message_digest {
        Some(d) if d.algorithm == "SHA2_256" && d.digest.len() == 32 => Ok(&d.digest),
        _ => Err(BundleError::Structure(
            "messageSignature needs a SHA2_256 messageDigest",
        )),
    }
}

fn check_proof(
    entry: &TransparencyLogEntry,
    proof: &InclusionProof,
    log: &crate::trust_root::LogInstance,
) -> Result<(), BundleError> {
    let ip = |m: String| BundleError::InclusionProof(m);
    let index = u64::try_from(proof.log_index).map_err(|_| ip("negative log index".into()))?;
    let size = u64::try_from(proof.tree_size).map_err(|_| ip("negative tree size".into()))?;
    rekor::verify_inclusion(
        index,
        size,
        rekor::leaf_hash(&entry.canonicalized_body),
        &proof.hashes,
        &proof.root_hash,
    )
    .map_err(ip)?;
    let cp = |m: &str| BundleError::Checkpoint(m.to_owned());
    let c = rekor::parse_checkpoint(&proof.checkpoint.envelope).map_err(BundleError::Checkpoint)?;
    if c.size != size || c.root != proof.root_hash {
        return Err(cp(
            "the checkpoint's tree size or root hash differs from the inclusion proof",
        ));
    }
    let hint = log.log_id.get(..4).unwrap_or_default();
    let mut tried = false;
    for (name, key_hint, sig) in &c.signatures {
        if *name != c.origin.split(' ').next().unwrap_or_default() || key_hint.as_slice() != hint {
            continue;
        }
        tried = true;
        if log.key.verify(c.text.as_bytes(), sig).is_ok() {
            return Ok(());
        }
    }
    Err(cp(if tried {
        "the checkpoint signature does not verify with the log key"
    } else {
        "no checkpoint signature by the trusted log"
    }))
}

fn check_chain(leaf: &Cert, root: &TrustedRoot, time: i64) -> Result<(), BundleError> {
    let mut reasons = Vec::new();
    for ca in root
        .certificate_authorities
        .iter()
        .filter(|ca| ca.valid_for.contains(time))
    {
        match chain_to(leaf, &ca.chain, time) {
            Ok(()) => return Ok(()),
            Err(r) => reasons.push(format!("{}: {r}", ca.uri)),
        }
    }
    if reasons.is_empty() {
        return Err(BundleError::CertificateChain(format!(
            "no trusted certificate authority was valid at {}",
            crate::time::format_rfc3339(time)
        )));
    }
    Err(BundleError::CertificateChain(reasons.join("; ")))
}

fn chain_to(leaf: &Cert, chain: &[Vec<u8>], time: i64) -> Result<(), String> {
    let certs = chain
        .iter()
        .map(|d| Cert::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = certs.first().ok_or("empty CA chain")?;
    leaf.verify_issued_by(first)?;
    for (i, c) in certs.iter().enumerate() {
        if !c.is_ca {
            return Err(format!("chain certificate {i} is not a CA"));
        }
        if !c.valid_at(time) {
            return Err(format!(
                "chain certificate {i} was not valid at {}",
                crate::time::format_rfc3339(time)
            ));
        }
        // The last certificate is the trust anchor itself.
        if let Some(parent) = certs.get(i + 1) {
            c.verify_issued_by(parent)?;
        }
    }
    Ok(())
}
