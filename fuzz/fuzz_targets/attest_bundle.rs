#![no_main]
//! Sigstore bundles: `TRUSTED-ROOT-LEN:u16le TRUSTED-ROOT BUNDLE`. The bundle
//! is parsed, verified with a key (must fail), and verified keylessly
//! against the trusted root (certificate chain, Rekor entry and inclusion
//! proof, SET, checkpoint parsing); then a JSON round trip.

use std::sync::OnceLock;

use customs_attest::bundle::{Bundle, Policy};
use customs_attest::keys::{generate_p256, SigningKey};
use customs_attest::trust_root::TrustedRoot;
use customs_attest::Limits;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(generate_p256)
}

fuzz_target!(|data: &[u8]| {
    let (root, bundle) = customs_fuzz::take_prefixed(data);
    let root = TrustedRoot::from_json(root).ok();
    let limits = Limits::default();
    let Ok(b) = Bundle::from_json(bundle, &limits) else {
        return;
    };
    assert!(
        b.verify_with_key(&key().verifying_key()).is_err(),
        "a fuzzed bundle verified with a fresh key"
    );
    if let Some(root) = &root {
        let policy = Policy {
            identity: None,
            issuer: None,
        };
        let _ = b.verify(root, &policy);
    }
    if let Ok(json) = b.to_json() {
        Bundle::from_json(&json, &limits)
            .unwrap_or_else(|e| panic!("a bundle we wrote does not read back: {e}"));
    }
});
