//! The parts of X.509 a Fulcio chain check needs: raw TBS bytes, validity,
//! names, SANs, the Fulcio OIDC-issuer extensions and ECDSA signatures.

use der::{Decode as _, Encode as _, Reader as _};
use spki::ObjectIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::keys::{HashAlgorithm, VerifyingKey};

const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// Fulcio's deprecated issuer extension: the raw issuer URL bytes.
pub(crate) const OID_FULCIO_ISSUER_V1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's issuer extension: a DER UTF8String.
pub(crate) const OID_FULCIO_ISSUER_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// A certificate reduced to what verification reads.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    tbs: Vec<u8>,
    sig_alg: ObjectIdentifier,
    signature: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    spki: Vec<u8>,
    pub(crate) sans: Vec<String>,
    pub(crate) oidc_issuer: Option<String>,
    pub(crate) code_signing: Option<bool>,
    pub(crate) digital_signature: Option<bool>,
    pub(crate) is_ca: bool,
}

fn secs(t: x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

impl Cert {
    pub(crate) fn parse(der: &[u8]) -> Result<Self, String> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| format!("certificate does not parse: {e}"))?;
        // The signed bytes are the TBS exactly as encoded, not a re-encoding.
        let mut r = der::SliceReader::new(der).map_err(|e| e.to_string())?;
        let _outer = der::Header::decode(&mut r).map_err(|e| e.to_string())?;
        let tbs = r.tlv_bytes().map_err(|e| e.to_string())?.to_vec();
        let t = &cert.tbs_certificate;
        let enc = |r: der::Result<Vec<u8>>| r.map_err(|e| e.to_string());
        let mut out = Self {
            tbs,
            sig_alg: cert.signature_algorithm.oid,
            signature: cert.signature.raw_bytes().to_vec(),
            not_before: secs(t.validity.not_before),
            not_after: secs(t.validity.not_after),
            issuer: enc(t.issuer.to_der())?,
            subject: enc(t.subject.to_der())?,
            spki: enc(t.subject_public_key_info.to_der())?,
            sans: Vec::new(),
            oidc_issuer: None,
            code_signing: None,
            digital_signature: None,
            is_ca: false,
        };
        let mut issuer_v1 = None;
        for ext in t.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            let bad = |what: &str, e: der::Error| {
                format!("certificate {what} extension does not parse: {e}")
            };
            if ext.extn_id == OID_SAN {
                let san = SubjectAltName::from_der(value).map_err(|e| bad("subjectAltName", e))?;
                for name in san.0 {
                    match name {
                        GeneralName::Rfc822Name(s)
                        | GeneralName::UniformResourceIdentifier(s)
                        | GeneralName::DnsName(s) => {
                            out.sans.push(s.to_string());
                        }
                        GeneralName::OtherName(o) => {
                            if let Ok(s) = o.value.decode_as::<der::asn1::Utf8StringRef<'_>>() {
                                out.sans.push(s.to_string());
                            }
                        }
                        _ => {}
                    }
                }
            } else if ext.extn_id == OID_KEY_USAGE {
                out.digital_signature = Some(
                    KeyUsage::from_der(value)
                        .map_err(|e| bad("keyUsage", e))?
                        .digital_signature(),
                );
            } else if ext.extn_id == OID_EKU {
                let eku =
                    ExtendedKeyUsage::from_der(value).map_err(|e| bad("extendedKeyUsage", e))?;
                out.code_signing = Some(eku.0.contains(&OID_CODE_SIGNING));
            } else if ext.extn_id == OID_BASIC_CONSTRAINTS {
                out.is_ca = BasicConstraints::from_der(value)
                    .map_err(|e| bad("basicConstraints", e))?
                    .ca;
            } else if ext.extn_id == OID_FULCIO_ISSUER_V2 {
                let s = der::asn1::Utf8StringRef::from_der(value)
                    .map_err(|e| bad("Fulcio issuer", e))?;
                out.oidc_issuer = Some(s.to_string());
            } else if ext.extn_id == OID_FULCIO_ISSUER_V1 {
                issuer_v1 = Some(String::from_utf8_lossy(value).into_owned());
            }
        }
        // Prefer the DER-encoded extension; fall back to the deprecated one.
        if out.oidc_issuer.is_none() {
            out.oidc_issuer = issuer_v1;
        }
        Ok(out)
    }

    pub(crate) fn public_key(&self) -> Result<VerifyingKey, String> {
        VerifyingKey::from_spki_der(&self.spki).map_err(|e| format!("certificate public key: {e}"))
    }

    /// Checks that `issuer` issued and signed this certificate.
    pub(crate) fn verify_issued_by(&self, issuer: &Self) -> Result<(), String> {
        if self.issuer != issuer.subject {
            return Err("issuer name does not match the CA certificate's subject".into());
        }
        let hash = if self.sig_alg == OID_ECDSA_SHA256 {
            HashAlgorithm::Sha256
        } else if self.sig_alg == OID_ECDSA_SHA384 {
            HashAlgorithm::Sha384
        } else {
            return Err(format!(
                "unsupported certificate signature algorithm {}",
                self.sig_alg
            ));
        };
        issuer
            .public_key()?
            .verify_with_hash(&self.tbs, hash, &self.signature)
            .map_err(|e| format!("certificate signature: {e}"))
    }

    pub(crate) fn valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }
}

/// Whether a PEM text holds exactly the certificate `der`.
pub(crate) fn pem_is(pem: &[u8], der: &[u8]) -> bool {
    crate::keys::decode_pem(pem).is_ok_and(|(label, d)| label == "CERTIFICATE" && d == der)
}
