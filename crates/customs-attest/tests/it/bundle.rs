use customs_attest::bundle::{Bundle, BundleError, Policy};
use customs_attest::trust_root::TrustedRoot;
use customs_attest::{verify, Digest, Limits};

use crate::cosign_fixture;

const IDENTITY: &str = "cody@soyland.com";
const ISSUER: &str = "https://github.com/login/oauth";
/// The empty OCI image the cosign test attests (subject of the statement).
const SUBJECT: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

fn load() -> Option<(Vec<u8>, TrustedRoot, Vec<u8>)> {
    let bundle = std::fs::read(cosign_fixture(
        "cosign-testdata/oci-attestation.sigstore.json",
    )?)
    .unwrap();
    let root_json =
        std::fs::read(cosign_fixture("cosign-testdata/trusted_root_pgi.json")?).unwrap();
    let root = TrustedRoot::from_json(&root_json).unwrap();
    Some((bundle, root, root_json))
}

fn policy() -> Policy {
    Policy {
        identity: Some(IDENTITY.into()),
        issuer: Some(ISSUER.into()),
    }
}

fn verify_bytes(
    bytes: &[u8],
    root: &TrustedRoot,
    policy: &Policy,
) -> Result<customs_attest::bundle::VerifiedBundle, BundleError> {
    Bundle::from_json(bytes, &Limits::default())?.verify(root, policy)
}

#[test]
fn real_cosign_bundle_verifies_offline() {
    let Some((bytes, root, _)) = load() else {
        return;
    };
    let v = verify_bytes(&bytes, &root, &policy()).unwrap();
    assert_eq!(v.payload_type, "application/vnd.in-toto+json");
    assert_eq!(v.identities, vec![IDENTITY.to_owned()]);
    assert_eq!(v.issuer.as_deref(), Some(ISSUER));
    assert_eq!(v.integrated_time, Some(1_740_770_291));
    assert_eq!(v.log_index, Some(175_508_996));
    // The statement binds to the attested image, and only to it.
    let digest: Digest = SUBJECT.parse().unwrap();
    let st = verify::check_statement(&v.payload, &digest, &Limits::default()).unwrap();
    assert_eq!(
        st.predicate_type,
        "https://cosign.sigstore.dev/attestation/v1"
    );
    let other: Digest = format!("sha256:{}", "0".repeat(64)).parse().unwrap();
    let err = verify::check_statement(&v.payload, &other, &Limits::default()).unwrap_err();
    assert!(
        err.to_string().starts_with("subject digest check failed"),
        "{err}"
    );
}

#[test]
fn every_flipped_byte_of_the_real_bundle_fails() {
    let Some((bytes, root, _)) = load() else {
        return;
    };
    let policy = policy();
    let mut accepted = Vec::new();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        if verify_bytes(&b, &root, &policy).is_ok() {
            accepted.push(i);
        }
    }
    assert!(
        accepted.is_empty(),
        "flips accepted at offsets {accepted:?}"
    );
}

#[test]
fn wrong_identity_and_issuer_fail_with_named_checks() {
    let Some((bytes, root, _)) = load() else {
        return;
    };
    let p = Policy {
        identity: Some("someone@example.invalid".into()),
        issuer: Some(ISSUER.into()),
    };
    let e = verify_bytes(&bytes, &root, &p).unwrap_err();
    assert!(matches!(e, BundleError::Identity { .. }), "{e}");
    assert!(e.to_string().starts_with("identity check failed"));
    let p = Policy {
        identity: Some(IDENTITY.into()),
        issuer: Some("https://accounts.example.invalid".into()),
    };
    let e = verify_bytes(&bytes, &root, &p).unwrap_err();
    assert!(matches!(e, BundleError::Issuer { .. }), "{e}");
    assert!(e.to_string().starts_with("issuer check failed"));
}

#[test]
fn ca_outside_its_validity_fails_the_chain_check() {
    let Some((bytes, _, root_json)) = load() else {
        return;
    };
    // Trust only the 2021 Fulcio CA, whose window closed before the signature.
    let mut j: serde_json::Value = serde_json::from_slice(&root_json).unwrap();
    j["certificateAuthorities"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let root = TrustedRoot::from_json(&serde_json::to_vec(&j).unwrap()).unwrap();
    let e = verify_bytes(&bytes, &root, &policy()).unwrap_err();
    assert!(matches!(e, BundleError::CertificateChain(_)), "{e}");
    assert!(
        e.to_string()
            .contains("no trusted certificate authority was valid"),
        "{e}"
    );
    // A root without tlogs fails the log check.
    let mut j: serde_json::Value = serde_json::from_slice(&root_json).unwrap();
    j["tlogs"] = serde_json::json!([]);
    let root = TrustedRoot::from_json(&serde_json::to_vec(&j).unwrap()).unwrap();
    let e = verify_bytes(&bytes, &root, &policy()).unwrap_err();
    assert!(matches!(e, BundleError::UnknownLog(_)), "{e}");
}

#[test]
fn sigstore_rs_bundle_parses_and_verifies() {
    let Some(path) = cosign_fixture("sigstore-rs-bundle_v03.json") else {
        return;
    };
    let Some((_, root, _)) = load() else { return };
    let bytes = std::fs::read(path).unwrap();
    let b = Bundle::from_json(&bytes, &Limits::default()).unwrap();
    assert!(b.dsse_envelope.is_some());
    let v = b.verify(&root, &Policy::default()).unwrap();
    assert_eq!(
        v.issuer.as_deref(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert!(
        v.identities[0].starts_with("https://github.com/kubewarden/kubewarden-controller/"),
        "{:?}",
        v.identities
    );
}

#[test]
fn round_trip_keeps_bytes_meaningful() {
    let Some((bytes, root, _)) = load() else {
        return;
    };
    let b = Bundle::from_json(&bytes, &Limits::default()).unwrap();
    let again = Bundle::from_json(&b.to_json().unwrap(), &Limits::default()).unwrap();
    assert_eq!(again, b);
    again.verify(&root, &policy()).unwrap();
}

#[test]
fn structural_errors() {
    let l = Limits::default();
    assert!(matches!(
        Bundle::from_json(b"{", &l),
        Err(BundleError::Malformed(_))
    ));
    let wrong_media = br#"{"mediaType":"application/json","verificationMaterial":{"publicKey":{"hint":"x"}},"messageSignature":{"signature":"AA=="}}"#;
    assert!(matches!(
        Bundle::from_json(wrong_media, &l),
        Err(BundleError::MediaType(_))
    ));
    let no_content = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}}}"#;
    assert!(matches!(
        Bundle::from_json(no_content, &l),
        Err(BundleError::Structure(_))
    ));
    let unknown = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}},"messageSignature":{"signature":"AA=="},"extra":1}"#;
    assert!(matches!(
        Bundle::from_json(unknown, &l),
        Err(BundleError::Malformed(_))
    ));
}
