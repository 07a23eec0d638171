//! The bad-input cases of the attestation verifier, each with its message.

use customs_attest::dsse::{DsseError, Envelope};
use customs_attest::intoto::{self, ResourceDescriptor, Statement};
use customs_attest::verify::{verify_attestation, VerifyError};
use customs_attest::{keys, Digest, Limits};

fn digest(c: &str) -> Digest {
    format!("sha256:{}", c.repeat(32)).parse().unwrap()
}

fn signed(image: &Digest, key: &keys::SigningKey) -> Envelope {
    let st = Statement::new(
        vec![ResourceDescriptor::for_digest(
            Some("registry.invalid/app"),
            image,
        )],
        intoto::predicate_type_for("vuln").unwrap(),
        serde_json::json!({"scanner": {"uri": "customs"}}),
    );
    Envelope::sign(intoto::PAYLOAD_TYPE, &st.to_json().unwrap(), key).unwrap()
}

#[test]
fn good_attestation_verifies_and_returns_payload_as_signed() {
    let key = keys::generate_p256();
    let env = signed(&digest("ab"), &key);
    let v = verify_attestation(&env, &key.verifying_key(), &digest("ab")).unwrap();
    assert_eq!(v.payload, env.payload);
    assert_eq!(
        v.statement.predicate_type,
        "https://cosign.sigstore.dev/attestation/vuln/v1"
    );
}

#[test]
fn tampered_payload_fails_signature_check() {
    let key = keys::generate_p256();
    let mut env = signed(&digest("ab"), &key);
    let pos = env.payload.iter().position(|&b| b == b'a').unwrap();
    env.payload[pos] = b'b';
    let e = verify_attestation(&env, &key.verifying_key(), &digest("ab")).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Signature(DsseError::SignatureMismatch { .. })
        ),
        "{e}"
    );
    assert!(e.to_string().starts_with("signature check failed"), "{e}");
}

#[test]
fn signature_by_another_key_fails() {
    let env = signed(&digest("ab"), &keys::generate_p256());
    let other = keys::generate_p256().verifying_key();
    let e = verify_attestation(&env, &other, &digest("ab")).unwrap_err();
    assert!(e.to_string().starts_with("signature check failed"), "{e}");
}

#[test]
fn subject_naming_another_image_fails() {
    let key = keys::generate_p256();
    let env = signed(&digest("ab"), &key);
    let e = verify_attestation(&env, &key.verifying_key(), &digest("cd")).unwrap_err();
    assert!(matches!(e, VerifyError::SubjectDigest { .. }), "{e}");
    assert!(
        e.to_string().starts_with("subject digest check failed"),
        "{e}"
    );
    assert!(e.to_string().contains(&"ab".repeat(32)), "{e}");
}

#[test]
fn truncated_envelope_fails_to_parse() {
    let key = keys::generate_p256();
    let json = signed(&digest("ab"), &key).to_json().unwrap();
    for cut in [1, json.len() / 3, json.len() - 1] {
        let e = Envelope::from_json(&json[..cut], &Limits::default()).unwrap_err();
        assert!(matches!(e, DsseError::Malformed(_)), "{e}");
        assert_eq!(e.to_string(), "DSSE envelope is malformed");
    }
    let small = Limits {
        max_document_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        Envelope::from_json(&json, &small),
        Err(DsseError::TooLarge { .. })
    ));
}

#[test]
fn wrong_payload_type_is_named() {
    let key = keys::generate_p256();
    let env = Envelope::sign("text/plain", b"{}", &key).unwrap();
    let e = verify_attestation(&env, &key.verifying_key(), &digest("ab")).unwrap_err();
    assert!(
        e.to_string().starts_with("payload type check failed"),
        "{e}"
    );
}

#[test]
fn ed25519_and_rsa_keys_sign_attestations_too() {
    // Keys from fixtures are covered in keys.rs; here a generated P-256 and
    // the fixture Ed25519 key, if present.
    let Some(path) = crate::cosign_fixture("keys/ed25519_private.key") else {
        return;
    };
    let key = keys::SigningKey::from_pem(&std::fs::read(path).unwrap(), None).unwrap();
    let env = signed(&digest("ab"), &key);
    verify_attestation(&env, &key.verifying_key(), &digest("ab")).unwrap();
}

#[test]
fn key_bundle_round_trip() {
    use customs_attest::bundle::{Bundle, BundleError};
    let key = keys::generate_p256();
    let env = signed(&digest("ab"), &key);
    let b = Bundle::for_dsse_with_key(env, &key.verifying_key()).unwrap();
    let json = b.to_json().unwrap();
    let back = Bundle::from_json(&json, &Limits::default()).unwrap();
    let v = back.verify_with_key(&key.verifying_key()).unwrap();
    customs_attest::verify::check_statement(&v.payload, &digest("ab"), &Limits::default()).unwrap();
    let e = back
        .verify_with_key(&keys::generate_p256().verifying_key())
        .unwrap_err();
    assert!(matches!(e, BundleError::DsseSignature(_)), "{e}");
    // A key bundle is not a keyless one.
    let root = customs_attest::trust_root::TrustedRoot::default();
    let e = back.verify(&root, &Default::default()).unwrap_err();
    assert!(matches!(e, BundleError::Material(_)), "{e}");
}
