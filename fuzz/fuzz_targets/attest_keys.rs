#![no_main]
//! Key files given to `customs sign` / `verify` (`--key`): the first byte
//! picks PEM private key, PEM public key, SPKI DER or PKCS#8 DER. A private
//! key that parses must sign something its own public key verifies; a public
//! key must survive a PEM round trip.

use customs_attest::keys::{SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;

fn check_public(vk: &VerifyingKey) {
    let _ = vk.algorithm();
    let id = vk.key_id();
    if let Ok(pem) = vk.to_pem() {
        let again = VerifyingKey::from_pem(pem.as_bytes())
            .unwrap_or_else(|e| panic!("a public key we wrote does not read back: {e}"));
        assert_eq!(id, again.key_id(), "public key changes on a PEM round trip");
    }
}

fn check_private(sk: &SigningKey) {
    let vk = sk.verifying_key();
    if let Ok(sig) = sk.sign(b"customs fuzz") {
        vk.verify(b"customs fuzz", &sig)
            .unwrap_or_else(|e| panic!("a parsed key does not verify its own signature: {e}"));
    }
    check_public(&vk);
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    match sel % 4 {
        0 => {
            if let Ok(sk) = SigningKey::from_pem(body, Some(b"")) {
                check_private(&sk);
            }
        }
        1 => {
            if let Ok(vk) = VerifyingKey::from_pem(body) {
                check_public(&vk);
            }
        }
        2 => {
            if let Ok(vk) = VerifyingKey::from_spki_der(body) {
                check_public(&vk);
            }
        }
        _ => {
            if let Ok(sk) = SigningKey::from_pkcs8_der(body) {
                check_private(&sk);
            }
        }
    }
});
