#![no_main]
//! Signed payloads past the signature check: the fuzzed bytes are signed with
//! a key the verifier trusts, so the in-toto Statement parser (then SLSA
//! provenance) and the cosign simple-signing payload parser see them, as they
//! would see a payload from a legitimate but buggy or hostile signer.

use std::sync::OnceLock;

use customs_attest::dsse::Envelope;
use customs_attest::intoto::PAYLOAD_TYPE;
use customs_attest::keys::{generate_p256, SigningKey};
use customs_attest::{slsa, Digest, Limits};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(generate_p256)
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let sk = key();
    let vk = sk.verifying_key();
    let digest: Digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
        .parse()
        .unwrap_or_else(|e| panic!("digest: {e}"));
    if let Ok(env) = Envelope::sign(PAYLOAD_TYPE, data, sk) {
        if let Ok(v) = customs_attest::verify::verify_attestation(&env, &vk, &digest) {
            let expect = slsa::Expectations {
                builder_id: Some("https://github.com/actions/runner".to_owned()),
                source_uri: "github.com/owner/repo".to_owned(),
                source_digest: None,
            };
            let _ = slsa::verify_provenance(&v.statement, &expect);
        }
    }
    if let Ok(sig) = sk.sign(data) {
        let _ = customs_attest::cosign::verify_payload(data, &sig, &vk, &digest, &limits);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(t) = customs_attest::time::parse_rfc3339(s) {
            let printed = customs_attest::time::format_rfc3339(t);
            let again = customs_attest::time::parse_rfc3339(&printed)
                .unwrap_or_else(|e| panic!("{s:?} -> {printed:?} does not parse: {e}"));
            assert_eq!(t, again, "{s:?} -> {printed:?}");
        }
    }
});
