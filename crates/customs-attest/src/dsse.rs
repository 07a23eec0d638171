//! DSSE envelopes (secure-systems-lab/dsse v1.0.2).
//!
//! The signature covers the PAE encoding of the payload type and the payload
//! bytes exactly as carried; a verified payload is returned as those bytes
//! and is never re-serialised.

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::keys::{SignatureError, SigningKey, VerifyingKey};
use crate::Limits;

/// Why an envelope could not be read, made or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DsseError {
    /// The document is larger than [`Limits::max_document_bytes`].
    #[error("DSSE envelope is {size} bytes, more than the {limit} allowed (raise Limits::max_document_bytes)")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// Not JSON of the envelope shape (truncated, wrong types, missing fields).
    #[error("DSSE envelope is malformed")]
    Malformed(#[source] serde_json::Error),
    /// `payload` or a `sig` is not base64.
    #[error("DSSE envelope field {0} is not valid base64")]
    Base64(&'static str),
    /// More signatures than [`Limits::max_signatures`].
    #[error("DSSE envelope has {count} signatures, more than the {limit} allowed (raise Limits::max_signatures)")]
    TooManySignatures {
        /// Count seen.
        count: usize,
        /// Limit.
        limit: usize,
    },
    /// The envelope carries no signature.
    #[error("signature check failed: DSSE envelope has no signatures")]
    NoSignatures,
    /// No signature verified with the key.
    #[error(
        "signature check failed: none of the {count} DSSE signatures verifies with key {key_id}"
    )]
    SignatureMismatch {
        /// Signatures tried.
        count: usize,
        /// The key's identifier.
        key_id: String,
        /// The last failure.
        #[source]
        source: SignatureError,
    },
    /// Signing failed.
    #[error("cannot sign DSSE envelope")]
    Sign(#[source] SignatureError),
    /// Serialising failed.
    #[error("cannot serialise DSSE envelope")]
    Serialize(#[source] serde_json::Error),
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Optional key hint; unauthenticated, only used to pick a key.
    pub keyid: Option<String>,
    /// The raw signature bytes (base64 in JSON).
    pub sig: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload media type, e.g. `application/vnd.in-toto+json`.
    pub payload_type: String,
    /// The payload bytes (base64 in JSON).
    pub payload: Vec<u8>,
    /// The signatures.
    pub signatures: Vec<Signature>,
}

#[derive(Serialize, Deserialize)]
struct WireEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<WireSignature>,
}

#[derive(Serialize, Deserialize)]
struct WireSignature {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    keyid: String,
    sig: String,
}

/// The DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// Signs `payload` with `key`. The signature's `keyid` is the key's
    /// [`VerifyingKey::key_id`].
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Result<Self, DsseError> {
        let sig = key
            .sign(&pae(payload_type, payload))
            .map_err(DsseError::Sign)?;
        Ok(Self {
            payload_type: payload_type.to_owned(),
            payload: payload.to_vec(),
            signatures: vec![Signature {
                keyid: Some(key.verifying_key().key_id()),
                sig,
            }],
        })
    }

    /// Adds one more signature by `key` over the same payload.
    pub fn add_signature(&mut self, key: &SigningKey) -> Result<(), DsseError> {
        let sig = key.sign(&self.pae()).map_err(DsseError::Sign)?;
        self.signatures.push(Signature {
            keyid: Some(key.verifying_key().key_id()),
            sig,
        });
        Ok(())
    }

    /// The bytes the signatures cover.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// Returns the payload if at least one signature verifies with `key`.
    /// Key ids are hints only and are not required to match.
    pub fn verify(&self, key: &VerifyingKey) -> Result<&[u8], DsseError> {
        let Some(first) = self.signatures.first() else {
            return Err(DsseError::NoSignatures);
        };
        let msg = self.pae();
        let mut last = match key.verify(&msg, &first.sig) {
            Ok(()) => return Ok(&self.payload),
            Err(e) => e,
        };
        for s in self.signatures.iter().skip(1) {
            match key.verify(&msg, &s.sig) {
                Ok(()) => return Ok(&self.payload),
                Err(e) => last = e,
            }
        }
        Err(DsseError::SignatureMismatch {
            count: self.signatures.len(),
            key_id: key.key_id(),
            source: last,
        })
    }

    /// Parses envelope JSON within `limits`. Standard and URL-safe base64
    /// are accepted; unknown fields are ignored.
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<Self, DsseError> {
        if bytes.len() > limits.max_document_bytes {
            return Err(DsseError::TooLarge {
                size: bytes.len(),
                limit: limits.max_document_bytes,
            });
        }
        let wire: WireEnvelope = serde_json::from_slice(bytes).map_err(DsseError::Malformed)?;
        Self::from_wire(wire, limits)
    }

    fn from_wire(wire: WireEnvelope, limits: &Limits) -> Result<Self, DsseError> {
        if wire.signatures.len() > limits.max_signatures {
            return Err(DsseError::TooManySignatures {
                count: wire.signatures.len(),
                limit: limits.max_signatures,
            });
        }
        let payload = b64::decode(&wire.payload).map_err(|_| DsseError::Base64("payload"))?;
        let signatures = wire
            .signatures
            .into_iter()
            .map(|s| {
                Ok(Signature {
                    keyid: (!s.keyid.is_empty()).then_some(s.keyid),
                    sig: b64::decode(&s.sig).map_err(|_| DsseError::Base64("signatures[].sig"))?,
                })
            })
            .collect::<Result<_, DsseError>>()?;
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    fn to_wire(&self) -> WireEnvelope {
        WireEnvelope {
            payload: b64::encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone().unwrap_or_default(),
                    sig: b64::encode(&s.sig),
                })
                .collect(),
        }
    }

    /// The envelope JSON (`payload`, `payloadType`, `signatures`).
    pub fn to_json(&self) -> Result<Vec<u8>, DsseError> {
        serde_json::to_vec(&self.to_wire()).map_err(DsseError::Serialize)
    }
}

impl Serialize for Envelope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Envelope {
    /// Deserialises with default [`Limits`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = WireEnvelope::deserialize(d)?;
        Self::from_wire(wire, &Limits::default()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_spec_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn sign_round_trip_and_tamper() {
        let key = crate::keys::generate_p256();
        let env = Envelope::sign("application/vnd.in-toto+json", b"{}", &key).unwrap();
        let json = env.to_json().unwrap();
        let back = Envelope::from_json(&json, &Limits::default()).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.verify(&key.verifying_key()).unwrap(), b"{}");
        let mut bad = back;
        bad.payload_type.push('x');
        assert!(matches!(
            bad.verify(&key.verifying_key()),
            Err(DsseError::SignatureMismatch { .. })
        ));
        let truncated = &json[..json.len() / 2];
        assert!(matches!(
            Envelope::from_json(truncated, &Limits::default()),
            Err(DsseError::Malformed(_))
        ));
        let none = Envelope {
            signatures: vec![],
            ..env
        };
        assert!(matches!(
            none.verify(&key.verifying_key()),
            Err(DsseError::NoSignatures)
        ));
    }
}
