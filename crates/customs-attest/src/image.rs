//! Signing, attesting and verifying images in a registry: the operations
//! behind `customs sign`, `attest`, `verify` and `verify-attestation`.
//!
//! Verification reads every layout ([`crate::store::discover`]), checks
//! every candidate on its own and reports, per candidate, the check that
//! failed ([`Check`]). An image is verified when at least one candidate
//! passes every check, including the digest binding to the manifest the
//! reference resolved to here.

use customs_oci::Reference;
use customs_registry::blocking::Client;

use crate::bundle::{Bundle, BundleError, Policy};
use crate::cosign::{self, CosignError, SimpleSigning};
use crate::dsse::Envelope;
use crate::intoto::{ResourceDescriptor, Statement, COSIGN_SIGN_V1, PAYLOAD_TYPE};
use crate::keys::{SigningKey, VerifyingKey};
use crate::store::{
    self, Artifact, Candidate, Layout, Location, Problem, Pushed, ResolvedImage, StoreError,
    StoreLimits,
};
use crate::trust_root::TrustedRoot;
use crate::verify::{check_statement, VerifyError};
use crate::Limits;

/// Why signing or attesting failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// Reading or writing the registry failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The statement could not be built.
    #[error("cannot build the in-toto statement")]
    Statement(#[source] crate::intoto::StatementError),
    /// Signing failed.
    #[error("cannot sign")]
    Dsse(#[source] crate::dsse::DsseError),
    /// Signing the simple-signing payload failed.
    #[error("cannot sign")]
    Key(#[source] crate::keys::SignatureError),
    /// The simple-signing payload could not be built.
    #[error("cannot build the signature payload")]
    Payload(#[source] CosignError),
    /// The bundle could not be built.
    #[error("cannot build the Sigstore bundle")]
    Bundle(#[source] BundleError),
}

/// What a sign or attest call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The image as resolved (sign the digest, never a moving tag).
    pub image: ResolvedImage,
    /// Where the signature went.
    pub pushed: Pushed,
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    crate::time::format_rfc3339(secs)
}

/// Signs the image `reference` resolves to with `key`, in `layout`:
/// a bundle holding a DSSE-signed statement of predicate
/// [`COSIGN_SIGN_V1`] (cosign v3), or a simple-signing payload under the
/// `.sig` tag (cosign v2).
pub fn sign_image(
    client: &Client,
    reference: &Reference,
    key: &SigningKey,
    layout: Layout,
    limits: &StoreLimits,
) -> Result<Signed, SignError> {
    let image = store::resolve(client, reference)?;
    let pushed = match layout {
        Layout::Bundle => {
            // cosign v3 names no subject for plain signatures: the digest is
            // the binding.
            let statement = Statement::new(
                vec![ResourceDescriptor::for_digest(None, &image.digest)],
                COSIGN_SIGN_V1,
                serde_json::json!({}),
            );
            push_statement(client, &image, &statement, key)?
        }
        Layout::Legacy => {
            let payload = SimpleSigning::new(&image.name(), &image.digest, None)
                .to_json()
                .map_err(SignError::Payload)?;
            let sig = key.sign(&payload).map_err(SignError::Key)?;
            store::push_legacy_signature(client, &image, &payload, &sig, limits)?
        }
    };
    Ok(Signed { image, pushed })
}

/// Attests `predicate` of `predicate_type` about the image `reference`
/// resolves to: an in-toto Statement v1 (subject: the repository name and
/// the manifest digest) in a DSSE envelope signed by `key`, stored as a
/// bundle referrer or under the `.att` tag.
pub fn attest_image(
    client: &Client,
    reference: &Reference,
    key: &SigningKey,
    predicate_type: &str,
    predicate: serde_json::Value,
    layout: Layout,
    limits: &StoreLimits,
) -> Result<Signed, SignError> {
    let image = store::resolve(client, reference)?;
    let statement = Statement::new(
        vec![ResourceDescriptor::for_digest(
            Some(&image.name()),
            &image.digest,
        )],
        predicate_type,
        predicate,
    );
    let pushed = match layout {
        Layout::Bundle => push_statement(client, &image, &statement, key)?,
        Layout::Legacy => {
            let json = statement.to_json().map_err(SignError::Statement)?;
            let env = Envelope::sign(PAYLOAD_TYPE, &json, key).map_err(SignError::Dsse)?;
            let env_json = env.to_json().map_err(SignError::Dsse)?;
            store::push_legacy_attestation(client, &image, &env_json, predicate_type, limits)?
        }
    };
    Ok(Signed { image, pushed })
}

fn push_statement(
    client: &Client,
    image: &ResolvedImage,
    statement: &Statement,
    key: &SigningKey,
) -> Result<Pushed, SignError> {
    let json = statement.to_json().map_err(SignError::Statement)?;
    let env = Envelope::sign(PAYLOAD_TYPE, &json, key).map_err(SignError::Dsse)?;
    let bundle = Bundle::for_dsse_with_key(env, &key.verifying_key()).map_err(SignError::Bundle)?;
    let bytes = bundle.to_json().map_err(SignError::Bundle)?;
    Ok(store::push_bundle(
        client,
        image,
        &bytes,
        &statement.predicate_type,
        &now(),
    )?)
}

/// Who must have signed.
#[derive(Debug, Clone, Copy)]
pub enum Verifier<'a> {
    /// A public key known out of band.
    Key(&'a VerifyingKey),
    /// Keyless bundles: a Fulcio certificate with this identity and issuer,
    /// logged in a transparency log of this trusted root.
    Keyless {
        /// The trusted root (Fulcio CAs, Rekor keys).
        root: &'a TrustedRoot,
        /// Identity and issuer the certificate must name.
        policy: &'a Policy,
    },
}

/// The check a candidate failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// The object could not be parsed (bundle, envelope, base64).
    Format,
    /// The bundle's verification material does not fit the verifier (a
    /// certificate where a key was given, or the reverse).
    Material,
    /// The signature does not verify with the key or certificate.
    Signature,
    /// The transparency-log entry, its proof or its timestamp failed.
    TransparencyLog,
    /// The certificate chain or validity window failed.
    Certificate,
    /// The certificate's identity or issuer is not the expected one.
    Identity,
    /// The payload is not of the expected type (DSSE payload type,
    /// simple-signing `critical.type`).
    PayloadType,
    /// The signed payload is not a valid in-toto Statement.
    Statement,
    /// The signed payload is about another image digest.
    DigestBinding,
    /// This kind of signature is not verified by customs yet.
    Unsupported,
}

impl Check {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::Material => "verification material",
            Self::Signature => "signature",
            Self::TransparencyLog => "transparency log",
            Self::Certificate => "certificate",
            Self::Identity => "identity",
            Self::PayloadType => "payload type",
            Self::Statement => "statement",
            Self::DigestBinding => "digest binding",
            Self::Unsupported => "supported format",
        }
    }
}

/// A candidate that failed a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where it was found.
    pub location: Location,
    /// The check that failed.
    pub check: Check,
    /// The reason, with its causes.
    pub message: String,
}

/// A candidate that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Where it was found.
    pub location: Location,
    /// The verified payload bytes exactly as signed (simple-signing JSON or
    /// an in-toto Statement).
    pub payload: Vec<u8>,
    /// The Statement, for bundles and attestations.
    pub statement: Option<Statement>,
    /// Certificate identities (keyless).
    pub identities: Vec<String>,
}

/// The outcome of verifying one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The image as resolved.
    pub image: ResolvedImage,
    /// Candidates that passed.
    pub verified: Vec<Verified>,
    /// Candidates that failed, with the failed check.
    pub rejected: Vec<Rejection>,
    /// Storage that is not a usable signature object.
    pub problems: Vec<Problem>,
    /// Candidates of the other kind (attestations when verifying
    /// signatures and the reverse, or another predicate type), not checked.
    pub skipped: usize,
    /// Whether the registry has the referrers API.
    pub referrers_api: bool,
}

impl Verification {
    /// Whether at least one candidate verified.
    pub fn is_verified(&self) -> bool {
        !self.verified.is_empty()
    }
}

/// The error and its causes on one line. A cause that repeats its parent's
/// message and adds detail (`signature check failed` → `signature check
/// failed: none of …`) replaces it instead of being appended.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = String::new();
    let mut last = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let msg = c.to_string();
        if !msg.starts_with(&last) {
            s.push_str(&last);
            s.push_str(": ");
        }
        last = msg;
        cur = c.source();
    }
    s.push_str(&last);
    s
}

fn bundle_check(e: &BundleError) -> Check {
    use BundleError as B;
    match e {
        B::TooLarge { .. }
        | B::TooMany { .. }
        | B::Malformed(_)
        | B::MediaType(_)
        | B::Structure(_) => Check::Format,
        B::Material(_) | B::KeyHint { .. } => Check::Material,
        B::NoTlogEntry
        | B::UnknownLog(_)
        | B::LogKeyValidity(_)
        | B::TlogKind { .. }
        | B::TlogBody(_)
        | B::Set(_)
        | B::InclusionProof(_)
        | B::Checkpoint(_)
        | B::NoTrustedTime => Check::TransparencyLog,
        B::CertificateChain(_) | B::ValidityWindow { .. } | B::Usage(_) => Check::Certificate,
        B::Identity { .. } | B::Issuer { .. } => Check::Identity,
        _ => Check::Signature,
    }
}

fn statement_check(e: &VerifyError) -> Check {
    match e {
        VerifyError::PayloadType(_) => Check::PayloadType,
        VerifyError::Signature(_) => Check::Signature,
        VerifyError::Statement(_) => Check::Statement,
        VerifyError::SubjectDigest { .. } => Check::DigestBinding,
    }
}

/// What kind of claim a candidate carries, read from unverified bytes to
/// route it; everything is checked again after the signature verified.
fn peek_predicate_type(c: &Candidate, limits: &Limits) -> Option<String> {
    let payload = match &c.artifact {
        Artifact::SimpleSigning { .. } => return None,
        Artifact::Bundle(b) => Bundle::from_json(b, limits)
            .ok()
            .and_then(|b| b.dsse_envelope.map(|e| e.payload)),
        Artifact::Dsse(d) => Envelope::from_json(d, limits).ok().map(|e| e.payload),
    };
    payload
        .and_then(|p| Statement::from_slice(&p, limits).ok())
        .map(|s| s.predicate_type)
        .or_else(|| c.predicate_type_hint.clone())
}

type Outcome = Result<Verified, (Check, String)>;

fn verify_candidate(
    c: &Candidate,
    verifier: Verifier<'_>,
    image: &ResolvedImage,
    limits: &Limits,
) -> Outcome {
    match &c.artifact {
        Artifact::SimpleSigning {
            payload,
            signature,
            keyless,
        } => {
            let Verifier::Key(key) = verifier else {
                return Err((
                    Check::Unsupported,
                    "legacy keyless signatures (certificate annotations) are not verified; use the bundle layout".to_owned(),
                ));
            };
            let sig = crate::b64::decode(signature).map_err(|e| {
                (
                    Check::Format,
                    format!("the signature annotation is not base64: {e}"),
                )
            })?;
            match cosign::verify_payload(payload, &sig, key, &image.digest, limits) {
                Ok(_) => Ok(Verified {
                    location: c.location.clone(),
                    payload: payload.clone(),
                    statement: None,
                    identities: Vec::new(),
                }),
                Err(e) => {
                    let check = match &e {
                        CosignError::Signature(_) => Check::Signature,
                        CosignError::WrongType(_) => Check::PayloadType,
                        CosignError::DigestMismatch { .. } => Check::DigestBinding,
                        _ => Check::Format,
                    };
                    let extra = if *keyless {
                        " (the layer carries a certificate: it was signed keyless)"
                    } else {
                        ""
                    };
                    Err((check, format!("{}{extra}", chain(&e))))
                }
            }
        }
        Artifact::Bundle(bytes) => {
            let bundle =
                Bundle::from_json(bytes, limits).map_err(|e| (bundle_check(&e), chain(&e)))?;
            let vb = match verifier {
                Verifier::Key(key) => bundle.verify_with_key(key),
                Verifier::Keyless { root, policy } => bundle.verify(root, policy),
            }
            .map_err(|e| (bundle_check(&e), chain(&e)))?;
            if vb.payload_type != PAYLOAD_TYPE {
                let e = VerifyError::PayloadType(vb.payload_type);
                return Err((Check::PayloadType, chain(&e)));
            }
            let statement = check_statement(&vb.payload, &image.digest, limits)
                .map_err(|e| (statement_check(&e), chain(&e)))?;
            Ok(Verified {
                location: c.location.clone(),
                payload: vb.payload,
                statement: Some(statement),
                identities: vb.identities,
            })
        }
        Artifact::Dsse(bytes) => {
            let Verifier::Key(key) = verifier else {
                return Err((
                    Check::Unsupported,
                    "legacy keyless attestations (certificate annotations) are not verified; use the bundle layout".to_owned(),
                ));
            };
            let env = Envelope::from_json(bytes, limits).map_err(|e| (Check::Format, chain(&e)))?;
            let v = crate::verify::verify_attestation_with(&env, key, &image.digest, limits)
                .map_err(|e| (statement_check(&e), chain(&e)))?;
            Ok(Verified {
                location: c.location.clone(),
                payload: v.payload,
                statement: Some(v.statement),
                identities: Vec::new(),
            })
        }
    }
}

fn run(
    client: &Client,
    reference: &Reference,
    verifier: Verifier<'_>,
    limits: &StoreLimits,
    wanted: impl Fn(&Candidate, Option<&str>) -> bool,
) -> Result<Verification, StoreError> {
    let image = store::resolve(client, reference)?;
    let found = store::discover(client, &image, limits)?;
    let mut out = Verification {
        image,
        verified: Vec::new(),
        rejected: Vec::new(),
        problems: found.problems,
        skipped: 0,
        referrers_api: found.referrers_api,
    };
    for c in &found.candidates {
        let peeked = peek_predicate_type(c, &limits.document);
        if !wanted(c, peeked.as_deref()) {
            out.skipped += 1;
            continue;
        }
        match verify_candidate(c, verifier, &out.image, &limits.document) {
            Ok(v) => out.verified.push(v),
            Err((check, message)) => out.rejected.push(Rejection {
                location: c.location.clone(),
                check,
                message,
            }),
        }
    }
    Ok(out)
}

/// Verifies the signatures of the image `reference` resolves to: cosign v2
/// `.sig` layers and cosign v3 bundles of predicate [`COSIGN_SIGN_V1`],
/// wherever they are stored. Attestations are skipped.
pub fn verify_image(
    client: &Client,
    reference: &Reference,
    verifier: Verifier<'_>,
    limits: &StoreLimits,
) -> Result<Verification, StoreError> {
    run(client, reference, verifier, limits, |c, peeked| {
        matches!(c.artifact, Artifact::SimpleSigning { .. })
            || (matches!(c.artifact, Artifact::Bundle(_))
                && peeked.is_none_or(|p| p == COSIGN_SIGN_V1))
    })
}

/// Verifies the attestations of the image `reference` resolves to (bundles
/// other than plain signatures, `.att` layers, in-toto referrers). With
/// `predicate_type`, only attestations claiming that type are checked; a
/// verified one whose signed Statement has another type is rejected.
pub fn verify_image_attestations(
    client: &Client,
    reference: &Reference,
    verifier: Verifier<'_>,
    predicate_type: Option<&str>,
    limits: &StoreLimits,
) -> Result<Verification, StoreError> {
    let mut v = run(client, reference, verifier, limits, |c, peeked| {
        let attestation = match c.artifact {
            Artifact::SimpleSigning { .. } => false,
            Artifact::Bundle(_) => peeked != Some(COSIGN_SIGN_V1),
            Artifact::Dsse(_) => true,
        };
        attestation && predicate_type.is_none_or(|want| peeked.is_none_or(|p| p == want))
    })?;
    if let Some(want) = predicate_type {
        let (keep, wrong): (Vec<_>, Vec<_>) = v.verified.into_iter().partition(|x| {
            x.statement
                .as_ref()
                .is_some_and(|s| s.predicate_type == want)
        });
        v.verified = keep;
        v.rejected.extend(wrong.into_iter().map(|x| Rejection {
            location: x.location,
            check: Check::PayloadType,
            message: format!(
                "predicate type check failed: the signed statement has predicate type {:?}, expected {want:?}",
                x.statement.map(|s| s.predicate_type).unwrap_or_default()
            ),
        }));
    }
    Ok(v)
}
