#![no_main]
//! Encrypted cosign key files: the fuzzed bytes are the JSON envelope
//! (`kdf` scrypt parameters and salt, `cipher` nonce, `ciphertext`), wrapped
//! in base64 and the PEM label as cosign writes it, so the envelope parser
//! and the KDF bounds are what gets exercised. Password: empty.

use customs_attest::keys::{SigningKey, SIGSTORE_PRIVATE_KEY_LABEL};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pem = format!(
        "-----BEGIN {SIGSTORE_PRIVATE_KEY_LABEL}-----\n{}\n-----END {SIGSTORE_PRIVATE_KEY_LABEL}-----\n",
        customs_fuzz::base64(data)
    );
    if let Ok(sk) = SigningKey::from_pem(pem.as_bytes(), Some(b"")) {
        let _ = sk.algorithm();
    }
});
