//! The pure core of signing and attestation for customs.
//!
//! Everything except [`store`] and [`image`] works on bytes handed in by
//! the caller: no network, no registry, no environment variables. The modules follow the formats that
//! cosign, the Sigstore clients and in-toto write, so keys and signatures
//! made here are read by those tools and the other way round.
//!
//! * [`keys`]: ECDSA P-256 key pairs, cosign's encrypted private key files
//!   (scrypt + NaCl secretbox), unencrypted PKCS#8/SEC1/PKCS#1 keys and
//!   SubjectPublicKeyInfo public keys.
//! * [`dsse`]: DSSE envelopes and the PAE encoding they sign.
//! * [`intoto`]: in-toto Statements and cosign's `--type` predicate URIs.
//! * [`cosign`]: cosign's simple-signing payload and tag names.
//! * [`verify`]: checks an attestation envelope against a key and the image
//!   digest that was actually resolved.
//! * [`bundle`]: Sigstore bundle v0.3 model, building key-signed bundles and
//!   offline verification of keyless bundles against a [`trust_root`].
//! * [`slsa`]: SLSA provenance v1 predicates built from CI variables and
//!   checked against expectations as slsa-verifier does.
//! * [`store`]: the registry side: writing and discovering signatures in
//!   the three layouts (bundle referrers, the referrers fallback tag, cosign
//!   v2 `.sig`/`.att` tags) through customs-registry's blocking client.
//! * [`image`]: sign, attest and verify an image in a registry, with a
//!   per-candidate report of the check that failed.
//!
//! Untrusted input is bounded by the [`Limits`] each parser takes.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod b64;
pub mod bundle;
pub mod cosign;
pub mod dsse;
pub mod image;
pub mod intoto;
pub mod keys;
mod rekor;
pub mod slsa;
pub mod store;
pub mod time;
pub mod trust_root;
pub mod verify;
mod x509;

pub use customs_model::Digest;

/// Bounds on untrusted input, shared by the parsers in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest DSSE envelope, bundle or statement accepted, in bytes.
    /// Default 16 MiB (an SBOM predicate can be large).
    pub max_document_bytes: usize,
    /// Most signatures read from one DSSE envelope. Default 16.
    pub max_signatures: usize,
    /// Most transparency-log entries read from one bundle. Default 8.
    pub max_tlog_entries: usize,
    /// Most hashes in one Merkle inclusion proof (a tree of 2^64 leaves needs
    /// 64). Default 64.
    pub max_proof_hashes: usize,
    /// Most certificates in one chain. Default 10.
    pub max_chain_certificates: usize,
    /// Most subjects in one in-toto Statement. Default 10 000.
    pub max_subjects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_document_bytes: 16 << 20,
            max_signatures: 16,
            max_tlog_entries: 8,
            max_proof_hashes: 64,
            max_chain_certificates: 10,
            max_subjects: 10_000,
        }
    }
}
