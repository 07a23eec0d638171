//! Key pairs in the files cosign reads and writes.
//!
//! A private key file is PEM. Cosign encrypts it: the PEM label is
//! `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign: `ENCRYPTED COSIGN PRIVATE
//! KEY`), the body is the JSON envelope of go-securesystemslib's `encrypted`
//! package (scrypt key derivation, NaCl secretbox), and the plaintext is a
//! PKCS#8 DER private key. Unencrypted `PRIVATE KEY` (PKCS#8), `EC PRIVATE
//! KEY` (SEC1) and `RSA PRIVATE KEY` (PKCS#1) files are read as cosign's
//! `import-key-pair` does. Public keys are SubjectPublicKeyInfo `PUBLIC KEY`
//! PEM.
//!
//! Signatures: ECDSA is DER-encoded over SHA-256 (what cosign writes), Ed25519
//! is pure Ed25519 (what DSSE and in-toto use; cosign's Ed25519ph is not
//! produced), RSA signs PKCS#1 v1.5 with SHA-256 and verifies v1.5 or PSS.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use der::Decode as _;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use spki::ObjectIdentifier;

use crate::b64;

/// PEM label cosign writes for encrypted private keys.
pub const SIGSTORE_PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label older cosign versions wrote; still read.
pub const COSIGN_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// PEM label of a SubjectPublicKeyInfo public key.
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

/// scrypt cost parameter written by current cosign (`N = 2^16`).
pub const SCRYPT_LOG_N: u8 = 16;
/// Largest scrypt `N` accepted when reading (2^16: 64 MiB with `r = 8`);
/// a hostile key file could otherwise ask for gigabytes.
pub const MAX_SCRYPT_LOG_N: u8 = 16;

/// Largest key file read, in bytes (an RSA-8192 key is well under this).
pub const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// Environment variables holding the key password, in order of preference.
/// The library never reads the environment; the CLI passes the value in.
pub const PASSWORD_ENV_VARS: [&str; 2] = ["CUSTOMS_PASSWORD", "COSIGN_PASSWORD"];

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Picks the password from environment-like lookups: `CUSTOMS_PASSWORD`,
/// then `COSIGN_PASSWORD`. Pass `|k| std::env::var(k).ok()` from the CLI.
pub fn password_from_env(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    PASSWORD_ENV_VARS.iter().find_map(|k| lookup(k))
}

/// Asks for a password on the controlling terminal without echo (used by
/// the CLI when neither password variable is set). Fails when there is no
/// terminal, so a pipeline never hangs waiting for one.
pub fn prompt_password(prompt: &str) -> std::io::Result<String> {
    rpassword::prompt_password(prompt)
}

/// Why a key could not be read, written or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file is larger than [`MAX_KEY_FILE_BYTES`].
    #[error("key file is {0} bytes, more than the {MAX_KEY_FILE_BYTES} accepted")]
    TooLarge(usize),
    /// Not PEM at all, or a broken PEM block.
    #[error("key file is not valid PEM: {0}")]
    Pem(&'static str),
    /// A PEM block of a kind this crate does not read.
    #[error("unsupported PEM label {0:?}")]
    UnsupportedLabel(String),
    /// The key is encrypted and no password was given.
    #[error("private key is encrypted but no password was given")]
    PasswordRequired,
    /// The encrypted envelope is not the JSON cosign writes.
    #[error("encrypted private key envelope is not valid JSON")]
    Envelope(#[source] serde_json::Error),
    /// A KDF other than scrypt.
    #[error("unsupported key derivation function {0:?} (expected scrypt)")]
    UnsupportedKdf(String),
    /// A cipher other than NaCl secretbox.
    #[error("unsupported cipher {0:?} (expected nacl/secretbox)")]
    UnsupportedCipher(String),
    /// scrypt parameters that are not a power-of-two `N` within bounds.
    #[error("scrypt parameters N={n} r={r} p={p} are outside the accepted range (N a power of two up to 2^{MAX_SCRYPT_LOG_N}, r <= 8, p <= 4)")]
    KdfParams {
        /// `N`.
        n: u64,
        /// `r`.
        r: u32,
        /// `p`.
        p: u32,
    },
    /// A base64 field of the envelope does not decode.
    #[error("encrypted private key field {0} is not valid base64")]
    Base64(&'static str),
    /// Salt or nonce of the wrong length.
    #[error("encrypted private key field {field} is {actual} bytes, expected {expected}")]
    FieldLength {
        /// Which field.
        field: &'static str,
        /// Required length.
        expected: usize,
        /// Length found.
        actual: usize,
    },
    /// The secretbox authenticator did not match.
    #[error("cannot decrypt private key: wrong password or corrupted key file")]
    WrongPassword,
    /// The (decrypted) private key DER does not parse.
    #[error("private key is not a valid {format} key")]
    MalformedPrivateKey {
        /// PKCS#8, SEC1 or PKCS#1.
        format: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The public key does not parse.
    #[error("public key is not a valid SubjectPublicKeyInfo")]
    MalformedPublicKey(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A key algorithm (or curve) this crate does not handle.
    #[error("unsupported key algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// Encoding a key failed (should not happen for keys made here).
    #[error("cannot encode {what}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Writing a key file failed.
    #[error("cannot write key file {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Why a signature did not verify or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature bytes are not an encoding the key type accepts.
    #[error("signature is not a well-formed {0} signature")]
    Malformed(KeyAlgorithm),
    /// The signature is well formed but does not match the message and key.
    #[error("signature does not verify with the {0} public key")]
    Mismatch(KeyAlgorithm),
    /// Signing failed.
    #[error("cannot sign with the {0} key")]
    Sign(KeyAlgorithm),
    /// Verifying a pre-hashed message is not supported for this key type.
    #[error("pre-hashed verification is not supported for {0} keys")]
    PrehashUnsupported(KeyAlgorithm),
}

/// The kind of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256 (cosign's default).
    EcdsaP256,
    /// ECDSA on NIST P-384 (Fulcio CA certificates).
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA.
    Rsa,
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Ed25519 => "Ed25519",
            Self::Rsa => "RSA",
        })
    }
}

/// A hash for pre-hashed (digest-only) ECDSA verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

enum Private {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// A private key that signs.
pub struct SigningKey(Private);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Public {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

/// A public key that verifies.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey(Public);

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id())
            .finish()
    }
}

/// Generates a new ECDSA P-256 key, the kind `cosign generate-key-pair` makes.
pub fn generate_p256() -> SigningKey {
    SigningKey(Private::P256(p256::ecdsa::SigningKey::random(&mut OsRng)))
}

#[derive(Serialize, Deserialize)]
struct EncryptedKey {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn malformed(
    format: &'static str,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> KeyError {
    move |source| KeyError::MalformedPrivateKey { format, source }
}

fn derive_key(password: &[u8], salt: &[u8], n: u64, r: u32, p: u32) -> Result<[u8; 32], KeyError> {
    let bad = || KeyError::KdfParams { n, r, p };
    // cosign writes N = 2^15 or 2^16, r = 8, p = 1. A hostile key file must not buy
    // more than 4x that work (r = 32, p = 16 took 26 s and 325 MB under the fuzzer).
    if !n.is_power_of_two() || n < 2 || r == 0 || r > 8 || p == 0 || p > 4 {
        return Err(bad());
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| bad())?;
    if log_n > MAX_SCRYPT_LOG_N {
        return Err(bad());
    }
    let params = scrypt::Params::new(log_n, r, p, 32).map_err(|_| bad())?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|_| bad())?;
    Ok(key)
}

fn decrypt_envelope(body: &[u8], password: &[u8]) -> Result<Vec<u8>, KeyError> {
    let env: EncryptedKey = serde_json::from_slice(body).map_err(KeyError::Envelope)?;
    if env.kdf.name != "scrypt" {
        return Err(KeyError::UnsupportedKdf(env.kdf.name));
    }
    if env.cipher.name != "nacl/secretbox" {
        return Err(KeyError::UnsupportedCipher(env.cipher.name));
    }
    let salt = b64::decode(&env.kdf.salt).map_err(|_| KeyError::Base64("kdf.salt"))?;
    let nonce = b64::decode(&env.cipher.nonce).map_err(|_| KeyError::Base64("cipher.nonce"))?;
    let ciphertext = b64::decode(&env.ciphertext).map_err(|_| KeyError::Base64("ciphertext"))?;
    let nonce: [u8; 24] = nonce
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::FieldLength {
            field: "cipher.nonce",
            expected: 24,
            actual: nonce.len(),
        })?;
    let ScryptParams { n, r, p } = env.kdf.params;
    let key = derive_key(password, &salt, n, r, p)?;
    XSalsa20Poly1305::new(&key.into())
        .decrypt(&nonce.into(), ciphertext.as_slice())
        .map_err(|_| KeyError::WrongPassword)
}

fn encrypt_envelope(plaintext: &[u8], password: &[u8]) -> Result<String, KeyError> {
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let (n, r, p) = (1u64 << SCRYPT_LOG_N, 8, 1);
    let key = derive_key(password, &salt, n, r, p)?;
    let ciphertext = XSalsa20Poly1305::new(&key.into())
        .encrypt(&nonce.into(), plaintext)
        .map_err(|_| KeyError::Encode {
            what: "encrypted private key",
            source: "secretbox encryption failed".into(),
        })?;
    let env = EncryptedKey {
        kdf: Kdf {
            name: "scrypt".into(),
            params: ScryptParams { n, r, p },
            salt: b64::encode(&salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".into(),
            nonce: b64::encode(&nonce),
        },
        ciphertext: b64::encode(&ciphertext),
    };
    let json = serde_json::to_vec(&env).map_err(|e| KeyError::Encode {
        what: "encrypted private key",
        source: e.into(),
    })?;
    pem_rfc7468::encode_string(
        SIGSTORE_PRIVATE_KEY_LABEL,
        pem_rfc7468::LineEnding::LF,
        &json,
    )
    .map_err(|e| KeyError::Encode {
        what: "PEM",
        source: e.into(),
    })
}

/// Decodes the first PEM block. Lenient like Go's `pem.Decode` (any line
/// length, CRLF, text before the block, RFC 1421 headers) because cosign
/// users hand-edit and paste keys.
pub(crate) fn decode_pem(pem: &[u8]) -> Result<(String, Vec<u8>), KeyError> {
    if pem.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyError::TooLarge(pem.len()));
    }
    let text = std::str::from_utf8(pem).map_err(|_| KeyError::Pem("not UTF-8 text"))?;
    let start = text
        .find("-----BEGIN ")
        .ok_or(KeyError::Pem("no BEGIN line"))?;
    let rest = text.get(start + 11..).unwrap_or_default();
    let (label, rest) = rest
        .split_once("-----")
        .ok_or(KeyError::Pem("unterminated BEGIN line"))?;
    let end_line = format!("-----END {label}-----");
    let end = rest
        .find(&end_line)
        .ok_or(KeyError::Pem("no matching END line"))?;
    let body: String = rest
        .get(..end)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    let der = b64::decode(&body).map_err(|_| KeyError::Pem("body is not base64"))?;
    if der.is_empty() {
        return Err(KeyError::Pem("empty body"));
    }
    Ok((label.to_owned(), der))
}

impl SigningKey {
    /// Reads a private key file. Encrypted cosign keys need `password`
    /// (`Some(b"")` for an empty password); unencrypted keys ignore it.
    pub fn from_pem(pem: &[u8], password: Option<&[u8]>) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            SIGSTORE_PRIVATE_KEY_LABEL | COSIGN_PRIVATE_KEY_LABEL => {
                let password = password.ok_or(KeyError::PasswordRequired)?;
                let plain = decrypt_envelope(&der, password)?;
                Self::from_pkcs8_der(&plain)
            }
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => {
                // Check the curve first so a P-384 SEC1 key gets a clear error.
                let info =
                    sec1::EcPrivateKey::from_der(&der).map_err(|e| malformed("SEC1")(e.into()))?;
                match info.parameters.and_then(|p| p.named_curve()) {
                    Some(oid) if oid == OID_P256 => {}
                    None => {}
                    Some(oid) => {
                        return Err(KeyError::UnsupportedAlgorithm(format!("EC curve {oid}")))
                    }
                }
                let sk = p256::SecretKey::from_sec1_der(&der)
                    .map_err(|e| malformed("SEC1")(e.to_string().into()))?;
                Ok(Self(Private::P256(sk.into())))
            }
            "RSA PRIVATE KEY" => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                let k = rsa::RsaPrivateKey::from_pkcs1_der(&der)
                    .map_err(|e| malformed("PKCS#1")(e.into()))?;
                Ok(Self(Private::Rsa(Box::new(k))))
            }
            _ => Err(KeyError::UnsupportedLabel(label)),
        }
    }

    /// Reads an unencrypted PKCS#8 DER private key (P-256, Ed25519 or RSA).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info =
            pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| malformed("PKCS#8")(e.into()))?;
        let oid = info.algorithm.oid;
        if oid == OID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| malformed("PKCS#8")(e.into()))?;
            if curve != OID_P256 {
                return Err(KeyError::UnsupportedAlgorithm(format!("EC curve {curve}")));
            }
            let sk =
                p256::SecretKey::from_pkcs8_der(der).map_err(|e| malformed("PKCS#8")(e.into()))?;
            Ok(Self(Private::P256(sk.into())))
        } else if oid == OID_ED25519 {
            let sk = ed25519_dalek::SigningKey::from_pkcs8_der(der)
                .map_err(|e| malformed("PKCS#8")(e.into()))?;
            Ok(Self(Private::Ed25519(sk)))
        } else if oid == OID_RSA {
            let k = rsa::RsaPrivateKey::from_pkcs8_der(der)
                .map_err(|e| malformed("PKCS#8")(e.into()))?;
            Ok(Self(Private::Rsa(Box::new(k))))
        } else {
            Err(KeyError::UnsupportedAlgorithm(oid.to_string()))
        }
    }

    /// The PKCS#8 DER encoding (unencrypted; handle with care).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, KeyError> {
        let doc = match &self.0 {
            Private::P256(k) => p256::SecretKey::from(k).to_pkcs8_der(),
            Private::Ed25519(k) => k.to_pkcs8_der(),
            Private::Rsa(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| KeyError::Encode {
            what: "PKCS#8 private key",
            source: e.into(),
        })?;
        Ok(doc.as_bytes().to_vec())
    }

    /// Encrypts the key as cosign does (`ENCRYPTED SIGSTORE PRIVATE KEY`,
    /// scrypt N=2^16 r=8 p=1, NaCl secretbox) and returns the PEM text.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<String, KeyError> {
        encrypt_envelope(&self.to_pkcs8_der()?, password)
    }

    /// The key type.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.0 {
            Private::P256(_) => KeyAlgorithm::EcdsaP256,
            Private::Ed25519(_) => KeyAlgorithm::Ed25519,
            Private::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(match &self.0 {
            Private::P256(k) => Public::P256(*k.verifying_key()),
            Private::Ed25519(k) => Public::Ed25519(k.verifying_key()),
            Private::Rsa(k) => Public::Rsa(Box::new(k.to_public_key())),
        })
    }

    /// Signs `msg` (ECDSA: DER over SHA-256; Ed25519: pure; RSA: PKCS#1 v1.5
    /// over SHA-256).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
        use signature::Signer as _;
        match &self.0 {
            Private::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Private::Ed25519(k) => Ok(k.sign(msg).to_bytes().to_vec()),
            Private::Rsa(k) => {
                use signature::SignatureEncoding as _;
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                let sig = signer
                    .try_sign(msg)
                    .map_err(|_| SignatureError::Sign(KeyAlgorithm::Rsa))?;
                Ok(sig.to_vec())
            }
        }
    }
}

impl VerifyingKey {
    /// Reads a `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY`
    /// (PKCS#1) PEM file.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            PUBLIC_KEY_LABEL => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => {
                use rsa::pkcs1::DecodeRsaPublicKey as _;
                let k = rsa::RsaPublicKey::from_pkcs1_der(&der)
                    .map_err(|e| KeyError::MalformedPublicKey(e.into()))?;
                Ok(Self(Public::Rsa(Box::new(k))))
            }
            _ => Err(KeyError::UnsupportedLabel(label)),
        }
    }

    /// Reads a DER SubjectPublicKeyInfo (P-256, P-384, Ed25519 or RSA).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let bad = |e: Box<dyn std::error::Error + Send + Sync>| KeyError::MalformedPublicKey(e);
        let info = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| bad(e.into()))?;
        let oid = info.algorithm.oid;
        let point = info
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad("unaligned key bits".into()))?;
        if oid == OID_EC_PUBLIC_KEY {
            let curve = info.algorithm.parameters_oid().map_err(|e| bad(e.into()))?;
            if curve == OID_P256 {
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|e| bad(e.to_string().into()))?;
                Ok(Self(Public::P256(k)))
            } else if curve == OID_P384 {
                let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|e| bad(e.to_string().into()))?;
                Ok(Self(Public::P384(k)))
            } else {
                Err(KeyError::UnsupportedAlgorithm(format!("EC curve {curve}")))
            }
        } else if oid == OID_ED25519 {
            let bytes: [u8; 32] = point
                .try_into()
                .map_err(|_| bad("Ed25519 key is not 32 bytes".into()))?;
            let k = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|e| bad(e.to_string().into()))?;
            Ok(Self(Public::Ed25519(k)))
        } else if oid == OID_RSA {
            use rsa::pkcs8::DecodePublicKey as _;
            let k = rsa::RsaPublicKey::from_public_key_der(der).map_err(|e| bad(e.into()))?;
            Ok(Self(Public::Rsa(Box::new(k))))
        } else {
            Err(KeyError::UnsupportedAlgorithm(oid.to_string()))
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        let doc = match &self.0 {
            Public::P256(k) => p256::PublicKey::from(k).to_public_key_der(),
            Public::P384(k) => p384::PublicKey::from(k).to_public_key_der(),
            Public::Ed25519(k) => k.to_public_key_der(),
            Public::Rsa(k) => k.to_public_key_der(),
        }
        .map_err(|e| KeyError::Encode {
            what: "public key",
            source: e.into(),
        })?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The `PUBLIC KEY` PEM text cosign writes to `cosign.pub`.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        pem_rfc7468::encode_string(PUBLIC_KEY_LABEL, LineEnding::LF, &self.to_spki_der()?).map_err(
            |e| KeyError::Encode {
                what: "PEM",
                source: e.into(),
            },
        )
    }

    /// A stable key identifier: lower-case hex SHA-256 of the DER
    /// SubjectPublicKeyInfo. Used as DSSE `keyid` and bundle key hint.
    pub fn key_id(&self) -> String {
        self.to_spki_der()
            .map(|der| hex::encode(Sha256::digest(der)))
            .unwrap_or_default()
    }

    /// The key type.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.0 {
            Public::P256(_) => KeyAlgorithm::EcdsaP256,
            Public::P384(_) => KeyAlgorithm::EcdsaP384,
            Public::Ed25519(_) => KeyAlgorithm::Ed25519,
            Public::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// Verifies `sig` over `msg`. ECDSA accepts DER (what cosign writes) or
    /// the fixed-size `r || s` form; P-384 hashes with SHA-384.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        use signature::Verifier as _;
        let alg = self.algorithm();
        let mismatch = |_| SignatureError::Mismatch(alg);
        match &self.0 {
            Public::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| SignatureError::Malformed(alg))?;
                k.verify(msg, &s).map_err(mismatch)
            }
            Public::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p384::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| SignatureError::Malformed(alg))?;
                k.verify(msg, &s).map_err(mismatch)
            }
            Public::Ed25519(k) => {
                let s = ed25519_dalek::Signature::from_slice(sig)
                    .map_err(|_| SignatureError::Malformed(alg))?;
                k.verify_strict(msg, &s).map_err(mismatch)
            }
            Public::Rsa(k) => {
                let v15 = rsa::pkcs1v15::Signature::try_from(sig)
                    .map_err(|_| SignatureError::Malformed(alg))?;
                if rsa::pkcs1v15::VerifyingKey::<Sha256>::new((**k).clone())
                    .verify(msg, &v15)
                    .is_ok()
                {
                    return Ok(());
                }
                let pss = rsa::pss::Signature::try_from(sig)
                    .map_err(|_| SignatureError::Malformed(alg))?;
                rsa::pss::VerifyingKey::<Sha256>::new((**k).clone())
                    .verify(msg, &pss)
                    .map_err(mismatch)
            }
        }
    }

    /// Verifies an ECDSA signature over an already computed digest (used for
    /// certificate chains and Sigstore message signatures, where only the
    /// digest is known).
    pub fn verify_prehash(&self, digest: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        use signature::hazmat::PrehashVerifier as _;
        let alg = self.algorithm();
        match &self.0 {
            Public::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::Malformed(alg))?;
                k.verify_prehash(digest, &s)
                    .map_err(|_| SignatureError::Mismatch(alg))
            }
            Public::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::Malformed(alg))?;
                k.verify_prehash(digest, &s)
                    .map_err(|_| SignatureError::Mismatch(alg))
            }
            Public::Ed25519(_) | Public::Rsa(_) => Err(SignatureError::PrehashUnsupported(alg)),
        }
    }

    /// Verifies `sig` over `msg` hashed with `hash` (ECDSA only).
    pub(crate) fn verify_with_hash(
        &self,
        msg: &[u8],
        hash: HashAlgorithm,
        sig: &[u8],
    ) -> Result<(), SignatureError> {
        let digest = match hash {
            HashAlgorithm::Sha256 => Sha256::digest(msg).to_vec(),
            HashAlgorithm::Sha384 => sha2::Sha384::digest(msg).to_vec(),
        };
        self.verify_prehash(&digest, sig)
    }
}

/// Generates a P-256 key pair and writes `<prefix>.key` (encrypted with
/// `password`, mode 0600) and `<prefix>.pub` into `dir`, refusing to
/// overwrite existing files. Returns (private path, public path).
pub fn write_key_pair(
    dir: &Path,
    prefix: &str,
    password: &[u8],
) -> Result<(PathBuf, PathBuf), KeyError> {
    let key = generate_p256();
    let private_path = dir.join(format!("{prefix}.key"));
    let public_path = dir.join(format!("{prefix}.pub"));
    let private_pem = key.to_encrypted_pem(password)?;
    let public_pem = key.verifying_key().to_pem()?;
    write_new(&private_path, private_pem.as_bytes(), 0o600)?;
    write_new(&public_path, public_pem.as_bytes(), 0o644)?;
    Ok((private_path, public_path))
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Set at creation so the private key is never readable by others.
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let write = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = opts.open(path).map_err(write)?;
    f.write_all(bytes).map_err(write)?;
    f.sync_all().map_err(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrypt_work_beyond_four_times_cosign_is_refused_before_deriving() {
        // r = 32, p = 16 at N = 2^16 took 26 s under the fuzzer; it must fail at once.
        for (n, r, p) in [
            (1u64 << 16, 32u32, 16u32),
            (1 << 16, 9, 1),
            (1 << 16, 8, 5),
            (1 << 17, 8, 1),
        ] {
            assert!(matches!(
                derive_key(b"pw", &[0; 32], n, r, p),
                Err(KeyError::KdfParams { .. })
            ));
        }
    }

    #[test]
    fn p256_sign_verify_and_encrypted_round_trip() {
        let key = generate_p256();
        let sig = key.sign(b"hello").unwrap();
        let vk = key.verifying_key();
        vk.verify(b"hello", &sig).unwrap();
        assert_eq!(
            vk.verify(b"hellO", &sig),
            Err(SignatureError::Mismatch(KeyAlgorithm::EcdsaP256))
        );
        let pem = key.to_encrypted_pem(b"pw").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let back = SigningKey::from_pem(pem.as_bytes(), Some(b"pw")).unwrap();
        assert_eq!(back.verifying_key(), vk);
        assert!(matches!(
            SigningKey::from_pem(pem.as_bytes(), Some(b"pX")),
            Err(KeyError::WrongPassword)
        ));
        assert!(matches!(
            SigningKey::from_pem(pem.as_bytes(), None),
            Err(KeyError::PasswordRequired)
        ));
        let pub_pem = vk.to_pem().unwrap();
        assert_eq!(VerifyingKey::from_pem(pub_pem.as_bytes()).unwrap(), vk);
        assert_eq!(vk.key_id().len(), 64);
    }

    #[test]
    fn password_lookup_prefers_customs() {
        let env = |k: &str| match k {
            "CUSTOMS_PASSWORD" => Some("a".to_owned()),
            "COSIGN_PASSWORD" => Some("b".to_owned()),
            _ => None,
        };
        assert_eq!(password_from_env(env).as_deref(), Some("a"));
        assert_eq!(
            password_from_env(|k| (k == "COSIGN_PASSWORD").then(|| "b".to_owned())).as_deref(),
            Some("b")
        );
        assert_eq!(password_from_env(|_| None), None);
    }

    #[test]
    fn hostile_scrypt_parameters_are_refused() {
        assert!(matches!(
            derive_key(b"", b"", 1 << 30, 8, 1),
            Err(KeyError::KdfParams { .. })
        ));
        assert!(matches!(
            derive_key(b"", b"", 1000, 8, 1),
            Err(KeyError::KdfParams { .. })
        ));
    }
}
