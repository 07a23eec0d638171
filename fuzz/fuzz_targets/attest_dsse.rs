#![no_main]
//! DSSE envelopes fetched from a registry: parse, PAE, verify against a key
//! (which must fail: nobody but us holds it), and a JSON round trip.

use std::sync::OnceLock;

use customs_attest::dsse::Envelope;
use customs_attest::keys::{generate_p256, SigningKey};
use customs_attest::Limits;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(generate_p256)
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(env) = Envelope::from_json(data, &limits) else {
        return;
    };
    let _ = env.pae();
    let vk = key().verifying_key();
    assert!(
        env.verify(&vk).is_err(),
        "a fuzzed envelope verified with a fresh key"
    );
    let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
        .parse()
        .unwrap_or_else(|e| panic!("digest: {e}"));
    let _ = customs_attest::verify::verify_attestation(&env, &vk, &digest);
    if let Ok(json) = env.to_json() {
        let again = Envelope::from_json(&json, &limits)
            .unwrap_or_else(|e| panic!("an envelope we wrote does not read back: {e}"));
        assert_eq!(env.payload, again.payload);
        assert_eq!(env.payload_type, again.payload_type);
    }
});
