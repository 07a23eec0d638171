//! Verifying an attestation: the DSSE signature, then the Statement, then
//! that the Statement is about the image digest that was actually resolved.

use crate::dsse::{DsseError, Envelope};
use crate::intoto::{Statement, StatementError, PAYLOAD_TYPE};
use crate::keys::VerifyingKey;
use crate::{Digest, Limits};

/// Why an attestation was rejected; each variant names the failed check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The envelope does not carry an in-toto payload.
    #[error("payload type check failed: DSSE payloadType is {0:?}, expected {PAYLOAD_TYPE:?}")]
    PayloadType(String),
    /// No signature verified.
    #[error(transparent)]
    Signature(DsseError),
    /// The signed payload is not a valid Statement.
    #[error("statement check failed")]
    Statement(#[source] StatementError),
    /// No subject carries the image digest.
    #[error("subject digest check failed: no subject of the statement has digest {expected} (subjects: {found})")]
    SubjectDigest {
        /// The resolved image digest.
        expected: Digest,
        /// The subject digests found, comma-separated.
        found: String,
    },
}

/// A verified attestation.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedStatement {
    /// The payload bytes exactly as signed.
    pub payload: Vec<u8>,
    /// The parsed Statement.
    pub statement: Statement,
}

/// Verifies `envelope` with `key` and checks that its Statement is about
/// `image_digest`. Returns the verified payload and its Statement.
pub fn verify_attestation(
    envelope: &Envelope,
    key: &VerifyingKey,
    image_digest: &Digest,
) -> Result<VerifiedStatement, VerifyError> {
    verify_attestation_with(envelope, key, image_digest, &Limits::default())
}

/// [`verify_attestation`] with explicit limits.
pub fn verify_attestation_with(
    envelope: &Envelope,
    key: &VerifyingKey,
    image_digest: &Digest,
    limits: &Limits,
) -> Result<VerifiedStatement, VerifyError> {
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType(envelope.payload_type.clone()));
    }
    let payload = envelope.verify(key).map_err(VerifyError::Signature)?;
    let statement = check_statement(payload, image_digest, limits)?;
    Ok(VerifiedStatement {
        payload: payload.to_vec(),
        statement,
    })
}

/// Parses a verified payload as a Statement and checks the subject digest.
pub fn check_statement(
    payload: &[u8],
    image_digest: &Digest,
    limits: &Limits,
) -> Result<Statement, VerifyError> {
    let statement = Statement::from_slice(payload, limits).map_err(VerifyError::Statement)?;
    if !statement.has_subject(image_digest) {
        let found = statement
            .subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(a, h)| format!("{a}:{h}")))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(VerifyError::SubjectDigest {
            expected: image_digest.clone(),
            found,
        });
    }
    Ok(statement)
}
