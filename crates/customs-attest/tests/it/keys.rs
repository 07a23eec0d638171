use customs_attest::keys::{self, KeyAlgorithm, KeyError, SigningKey, VerifyingKey};

use crate::cosign_fixture;

/// (file, password, algorithm) as documented in fixtures/cosign/README.md.
const KEYS: &[(&str, Option<&[u8]>, KeyAlgorithm)] = &[
    (
        "cosign_generated_encrypted_empty_private.key",
        Some(b""),
        KeyAlgorithm::EcdsaP256,
    ),
    (
        "ecdsa_encrypted_private.key",
        Some(b"123"),
        KeyAlgorithm::EcdsaP256,
    ),
    (
        "ed25519_encrypted_private.key",
        Some(b"123"),
        KeyAlgorithm::Ed25519,
    ),
    ("rsa_encrypted_private.key", Some(b"123"), KeyAlgorithm::Rsa),
    ("ecdsa_private.key", None, KeyAlgorithm::EcdsaP256),
    ("ed25519_private.key", None, KeyAlgorithm::Ed25519),
    ("rsa_private.key", None, KeyAlgorithm::Rsa),
];

#[test]
fn every_fixture_key_loads_signs_and_verifies() {
    let Some(dir) = cosign_fixture("keys") else {
        return;
    };
    let mut loaded = 0;
    for (file, password, alg) in KEYS {
        let pem = std::fs::read(dir.join(file)).unwrap();
        let key = SigningKey::from_pem(&pem, *password).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.algorithm(), *alg, "{file}");
        let sig = key.sign(b"payload").unwrap();
        let vk = key.verifying_key();
        vk.verify(b"payload", &sig).unwrap();
        assert!(vk.verify(b"payloaD", &sig).is_err(), "{file}");
        // The public key survives a PEM round trip.
        let back = VerifyingKey::from_pem(vk.to_pem().unwrap().as_bytes()).unwrap();
        assert_eq!(back, vk);
        // Re-encrypting with our scheme and reading back gives the same key.
        let ours = key.to_encrypted_pem(b"new").unwrap();
        assert_eq!(
            SigningKey::from_pem(ours.as_bytes(), Some(b"new"))
                .unwrap()
                .verifying_key(),
            vk
        );
        loaded += 1;
    }
    assert_eq!(loaded, KEYS.len());
}

#[test]
fn encrypted_and_plain_ecdsa_fixtures_differ_but_both_load() {
    let Some(dir) = cosign_fixture("keys") else {
        return;
    };
    let a = SigningKey::from_pem(
        &std::fs::read(dir.join("ecdsa_encrypted_private.key")).unwrap(),
        Some(b"123"),
    )
    .unwrap();
    let b =
        SigningKey::from_pem(&std::fs::read(dir.join("ecdsa_private.key")).unwrap(), None).unwrap();
    assert_eq!(a.algorithm(), b.algorithm());
}

#[test]
fn wrong_password_is_reported() {
    let Some(dir) = cosign_fixture("keys") else {
        return;
    };
    for (file, password, _) in KEYS {
        if password.is_none() {
            continue;
        }
        let pem = std::fs::read(dir.join(file)).unwrap();
        let err = SigningKey::from_pem(&pem, Some(b"wrong")).unwrap_err();
        assert!(matches!(err, KeyError::WrongPassword), "{file}: {err}");
        assert!(err.to_string().contains("wrong password"));
        assert!(matches!(
            SigningKey::from_pem(&pem, None),
            Err(KeyError::PasswordRequired)
        ));
    }
}

#[test]
fn corrupt_pem_is_reported() {
    let key = keys::generate_p256();
    let pem = key.to_encrypted_pem(b"pw").unwrap();
    // Not PEM at all.
    assert!(matches!(
        SigningKey::from_pem(b"hello", Some(b"pw")),
        Err(KeyError::Pem(_))
    ));
    // A broken base64 body.
    let broken = pem.replacen('e', "*", 1);
    assert!(SigningKey::from_pem(broken.as_bytes(), Some(b"pw")).is_err());
    // Truncated: END line missing.
    let truncated = &pem[..pem.len() / 2];
    assert!(matches!(
        SigningKey::from_pem(truncated.as_bytes(), Some(b"pw")),
        Err(KeyError::Pem(_))
    ));
    // Valid PEM, unknown label.
    let other = pem.replace("ENCRYPTED SIGSTORE PRIVATE KEY", "CERTIFICATE");
    assert!(matches!(
        SigningKey::from_pem(other.as_bytes(), Some(b"pw")),
        Err(KeyError::UnsupportedLabel(_))
    ));
    // Valid PEM, garbage DER.
    let garbage = pem_of("PRIVATE KEY", b"\x30\x03\x02\x01\x00");
    assert!(matches!(
        SigningKey::from_pem(garbage.as_bytes(), None),
        Err(KeyError::MalformedPrivateKey { .. })
    ));
    // A flipped ciphertext byte fails authentication, not parsing.
    let flipped = flip_ciphertext(&pem);
    assert!(matches!(
        SigningKey::from_pem(flipped.as_bytes(), Some(b"pw")),
        Err(KeyError::WrongPassword)
    ));
    assert!(matches!(
        VerifyingKey::from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        Err(KeyError::MalformedPublicKey(_))
    ));
}

fn pem_of(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

fn flip_ciphertext(pem: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut json: serde_json::Value = serde_json::from_slice(&b64.decode(body).unwrap()).unwrap();
    let mut ct = b64.decode(json["ciphertext"].as_str().unwrap()).unwrap();
    ct[20] ^= 1;
    json["ciphertext"] = b64.encode(ct).into();
    pem_of(
        "ENCRYPTED SIGSTORE PRIVATE KEY",
        &serde_json::to_vec(&json).unwrap(),
    )
}

#[test]
fn write_key_pair_creates_private_file_0600() {
    let dir = customs_test::TempDir::new("attest-keys").unwrap();
    let (private, public) = keys::write_key_pair(dir.path(), "customs", b"secret").unwrap();
    assert_eq!(private.file_name().unwrap(), "customs.key");
    assert_eq!(public.file_name().unwrap(), "customs.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&private).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let sk = SigningKey::from_pem(&std::fs::read(&private).unwrap(), Some(b"secret")).unwrap();
    let vk = VerifyingKey::from_pem(&std::fs::read(&public).unwrap()).unwrap();
    assert_eq!(sk.verifying_key(), vk);
    // Never overwrites.
    assert!(matches!(
        keys::write_key_pair(dir.path(), "customs", b"x"),
        Err(KeyError::Write { .. })
    ));
}
