//! End to end against a real registry: Debian's `docker-registry` (2.8) on
//! 127.0.0.1 via customs_test (skipped when absent). It has NO referrers
//! API, so the bundle layout goes through the fallback tag for real.
//! `skopeo` (an independent client) shows what was stored. The referrers-API
//! path runs against the in-test stub in `stub.rs` (see
//! `referrers_api_path_uses_no_fallback_tag`).

use std::process::Command;

use customs_attest::bundle::{self, Bundle, Policy};
use customs_attest::dsse::Envelope;
use customs_attest::image::{
    attest_image, sign_image, verify_image, verify_image_attestations, Check, Verification,
    Verifier,
};
use customs_attest::intoto::{self, ResourceDescriptor, Statement};
use customs_attest::keys::{self, SigningKey};
use customs_attest::store::{self, Layout, Location, StoreError, StoreLimits};
use customs_attest::trust_root::TrustedRoot;
use customs_attest::{cosign, slsa, Digest};
use customs_oci::{media_type as mt, Reference};
use customs_registry::blocking::Client;
use customs_registry::ClientConfig;
use customs_test::registry::{Mode, TestRegistry};
use sha2::{Digest as _, Sha256};

fn sha256(b: &[u8]) -> Digest {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
        .parse()
        .unwrap()
}

pub(crate) fn client_for(addr: &str) -> Client {
    Client::new(ClientConfig {
        insecure_registries: vec![addr.to_owned()],
        ..Default::default()
    })
    .unwrap()
}

fn reference(addr: &str, repo_tag: &str) -> Reference {
    Reference::parse(&format!("{addr}/{repo_tag}")).unwrap()
}

/// Pushes a tiny single-layer OCI image made here under `r` (a tag);
/// `salt` makes each one distinct. Returns the manifest digest.
pub(crate) fn push_tiny(client: &Client, r: &Reference, salt: &str) -> Digest {
    let layer = format!("not really a tar: {salt}").into_bytes();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer).to_string()]}
    }))
    .unwrap();
    client.push_blob(r, &layer, &sha256(&layer)).unwrap();
    client.push_blob(r, &config, &sha256(&config)).unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": mt::OCI_MANIFEST,
        "config": {"mediaType": mt::OCI_CONFIG, "digest": sha256(&config).to_string(), "size": config.len()},
        "layers": [{"mediaType": mt::OCI_LAYER_GZIP, "digest": sha256(&layer).to_string(), "size": layer.len()}]
    }))
    .unwrap();
    client
        .push_manifest(r, &manifest, mt::OCI_MANIFEST)
        .unwrap()
}

fn fixture_json(rel: &str) -> Option<serde_json::Value> {
    let p = crate::cosign_fixture(rel)?;
    Some(serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
}

fn provenance() -> serde_json::Value {
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "example/app"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        (
            "GITHUB_WORKFLOW_REF",
            "example/app/.github/workflows/build.yml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_EVENT_NAME", "push"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    slsa::from_ci_env(&env, &[]).unwrap().to_value()
}

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn skopeo_raw(r: &str) -> serde_json::Value {
    serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{r}"),
    ]))
    .unwrap()
}

fn summary(v: &Verification) -> String {
    format!(
        "verified {:?}\nrejected {:#?}\nproblems {:#?}",
        v.verified.iter().map(|x| &x.location).collect::<Vec<_>>(),
        v.rejected,
        v.problems
    )
}

const TYPES: [(&str, &str); 4] = [
    ("slsaprovenance1", "provenance"),
    ("spdxjson", "cosign-testdata/bom-go-mod.spdx.json"),
    ("cyclonedx", "cosign-testdata/bom-go-mod.cyclonedx.json"),
    ("vuln", "cosign-testdata/vuln-predicate.json"),
];

#[test]
fn sign_attest_verify_in_both_layouts_on_a_real_registry() {
    let Some(oci) = customs_test::shared_path("images/polyglot-app.oci.tar") else {
        return;
    };
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let Some(pushed) = reg.push_oci_archive(&oci, "apps/polyglot:1") else {
        return;
    };
    let client = client_for(&reg.addr);
    let tagged = reference(&reg.addr, "apps/polyglot:1");
    let key = keys::generate_p256();
    let vk = key.verifying_key();
    let limits = StoreLimits::default();

    // Signatures, both layouts; the tag is resolved to the digest first.
    let s = sign_image(&client, &tagged, &key, Layout::Bundle, &limits).unwrap();
    assert!(s.image.from_tag);
    assert_eq!(s.image.digest.to_string(), pushed);
    let fallback = cosign::tag_for(&s.image.digest, "");
    assert!(!s.pushed.referrers_api);
    assert!(
        matches!(&s.pushed.location, Location::FallbackTag { tag, .. } if *tag == fallback),
        "{:?}",
        s.pushed
    );
    let l = sign_image(&client, &tagged, &key, Layout::Legacy, &limits).unwrap();
    assert!(matches!(&l.pushed.location, Location::LegacyTag { tag, .. } if tag.ends_with(".sig")));

    // Attestations of four predicate types, both layouts.
    for (t, source) in TYPES {
        let predicate = if source == "provenance" {
            provenance()
        } else {
            let Some(p) = fixture_json(source) else {
                return;
            };
            p
        };
        let uri = intoto::predicate_type_for(t).unwrap();
        for layout in [Layout::Bundle, Layout::Legacy] {
            attest_image(
                &client,
                &tagged,
                &key,
                uri,
                predicate.clone(),
                layout,
                &limits,
            )
            .unwrap();
        }
    }

    // Verification finds both signatures and nothing wrong.
    let v = verify_image(&client, &tagged, Verifier::Key(&vk), &limits).unwrap();
    assert_eq!(v.verified.len(), 2, "{}", summary(&v));
    assert!(
        v.rejected.is_empty() && v.problems.is_empty(),
        "{}",
        summary(&v)
    );
    assert!(!v.referrers_api);
    assert_eq!(v.skipped, 8, "the eight attestations are not signatures");
    let simple: cosign::SimpleSigning = v
        .verified
        .iter()
        .find(|x| x.statement.is_none())
        .map(|x| serde_json::from_slice(&x.payload).unwrap())
        .unwrap();
    assert_eq!(simple.critical.image.docker_manifest_digest, pushed);
    let st = v
        .verified
        .iter()
        .find_map(|x| x.statement.as_ref())
        .unwrap();
    assert_eq!(st.predicate_type, intoto::COSIGN_SIGN_V1);

    // Each attestation type verifies in both layouts, bound to the digest.
    for (t, _) in TYPES {
        let uri = intoto::predicate_type_for(t).unwrap();
        let a = verify_image_attestations(&client, &tagged, Verifier::Key(&vk), Some(uri), &limits)
            .unwrap();
        assert_eq!(a.verified.len(), 2, "{t}: {}", summary(&a));
        assert!(a.rejected.is_empty(), "{t}: {}", summary(&a));
        for x in &a.verified {
            let st = x.statement.as_ref().unwrap();
            assert_eq!(st.predicate_type, uri);
            assert!(st.has_subject(&s.image.digest));
            assert_eq!(st.subject[0].name.as_deref(), Some(s.image.name().as_str()));
        }
    }
    let all =
        verify_image_attestations(&client, &tagged, Verifier::Key(&vk), None, &limits).unwrap();
    assert_eq!(all.verified.len(), 8, "{}", summary(&all));

    // What an independent client sees: tags and media types.
    if customs_test::tool("skopeo", &["--version"]).is_none() {
        return;
    }
    let repo = reg.reference("apps/polyglot");
    let tags: serde_json::Value = serde_json::from_str(&skopeo(&[
        "list-tags",
        "--tls-verify=false",
        &format!("docker://{repo}"),
    ]))
    .unwrap();
    let tags: Vec<&str> = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for want in [
        fallback.clone(),
        format!("{fallback}.sig"),
        format!("{fallback}.att"),
    ] {
        assert!(tags.contains(&want.as_str()), "{want} not in {tags:?}");
    }
    let index = skopeo_raw(&format!("{repo}:{fallback}"));
    assert_eq!(index["mediaType"], mt::OCI_INDEX);
    let entries = index["manifests"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        5,
        "one signature and four attestations: {index:#}"
    );
    for e in entries {
        assert_eq!(e["artifactType"], bundle::MEDIA_TYPE_V03);
        assert_eq!(e["mediaType"], mt::OCI_MANIFEST);
    }
    let referrer = skopeo_raw(&format!(
        "{repo}@{}",
        entries[0]["digest"].as_str().unwrap()
    ));
    assert_eq!(referrer["artifactType"], bundle::MEDIA_TYPE_V03);
    assert_eq!(referrer["config"]["mediaType"], mt::OCI_EMPTY);
    assert_eq!(referrer["config"]["digest"], store::EMPTY_DIGEST);
    assert_eq!(referrer["layers"][0]["mediaType"], bundle::MEDIA_TYPE_V03);
    assert_eq!(referrer["subject"]["digest"], pushed);
    assert_eq!(
        referrer["annotations"][store::BUNDLE_CONTENT_ANNOTATION],
        "dsse-envelope"
    );
    assert_eq!(
        referrer["annotations"][store::BUNDLE_PREDICATE_TYPE_ANNOTATION],
        intoto::COSIGN_SIGN_V1
    );
    let sig = skopeo_raw(&format!("{repo}:{fallback}.sig"));
    assert_eq!(sig["mediaType"], mt::OCI_MANIFEST);
    assert_eq!(
        sig["layers"][0]["mediaType"],
        cosign::SIMPLE_SIGNING_MEDIA_TYPE
    );
    assert!(
        sig["layers"][0]["annotations"][cosign::SIGNATURE_ANNOTATION]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let att = skopeo_raw(&format!("{repo}:{fallback}.att"));
    let layers = att["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 4, "appending keeps the earlier attestations");
    let types: Vec<&str> = layers
        .iter()
        .map(|l| {
            assert_eq!(l["mediaType"], cosign::DSSE_MEDIA_TYPE);
            assert_eq!(l["annotations"][cosign::SIGNATURE_ANNOTATION], "");
            l["annotations"][cosign::PREDICATE_TYPE_ANNOTATION]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        types,
        TYPES.map(|(t, _)| intoto::predicate_type_for(t).unwrap())
    );
}

#[test]
fn second_signer_appends_and_each_key_verifies_only_its_own() {
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let client = client_for(&reg.addr);
    let r = reference(&reg.addr, "app:1");
    let digest = push_tiny(&client, &r, "append");
    let (a, b) = (keys::generate_p256(), keys::generate_p256());
    let limits = StoreLimits::default();
    for layout in [Layout::Legacy, Layout::Bundle] {
        sign_image(&client, &r, &a, layout, &limits).unwrap();
        sign_image(&client, &r, &b, layout, &limits).unwrap();
    }
    // Signing again with the same key makes the same legacy layer (ECDSA
    // signatures here are deterministic, RFC 6979): kept once.
    let again = sign_image(&client, &r, &a, Layout::Legacy, &limits).unwrap();
    assert!(
        matches!(again.pushed.location, Location::LegacyTag { layer: 0, .. }),
        "{:?}",
        again.pushed
    );
    let v = verify_image(&client, &r, Verifier::Key(&a.verifying_key()), &limits).unwrap();
    assert_eq!(v.image.digest, digest);
    assert_eq!(v.verified.len(), 2, "{}", summary(&v));
    assert_eq!(v.rejected.len(), 2, "{}", summary(&v));
    assert!(
        v.rejected.iter().all(|x| x.check == Check::Signature),
        "{}",
        summary(&v)
    );
    let other = keys::generate_p256().verifying_key();
    let none = verify_image(&client, &r, Verifier::Key(&other), &limits).unwrap();
    assert!(!none.is_verified());
    assert_eq!(none.rejected.len(), 4);
    for x in &none.rejected {
        assert_eq!(x.check, Check::Signature, "{}", summary(&none));
        assert!(
            x.message.contains("signature check failed"),
            "{}",
            x.message
        );
    }
}

/// Every bad input of the issue that lives in a registry; each fails with
/// the check named.
#[test]
fn bad_inputs_fail_with_the_check_named() {
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let client = client_for(&reg.addr);
    let limits = StoreLimits::default();
    let key = keys::generate_p256();
    let vk = key.verifying_key();
    let sig_verify = |r: &Reference| verify_image(&client, r, Verifier::Key(&vk), &limits).unwrap();
    let att_verify = |r: &Reference| {
        verify_image_attestations(&client, r, Verifier::Key(&vk), None, &limits).unwrap()
    };
    let resolve = |r: &Reference| store::resolve(&client, r).unwrap();

    // No signatures at all.
    let empty = reference(&reg.addr, "empty:1");
    push_tiny(&client, &empty, "empty");
    let v = sig_verify(&empty);
    assert!(!v.is_verified() && v.rejected.is_empty() && v.problems.is_empty());
    assert!(!att_verify(&empty).is_verified());

    // Tampered payloads: a signature over other bytes, in both layouts.
    let tampered = reference(&reg.addr, "tampered:1");
    let d = push_tiny(&client, &tampered, "tampered");
    let img = resolve(&tampered);
    let payload = cosign::SimpleSigning::new(&img.name(), &d, None)
        .to_json()
        .unwrap();
    let sig = key.sign(&payload).unwrap();
    let mut changed = payload;
    changed.extend_from_slice(b" ");
    store::push_legacy_signature(&client, &img, &changed, &sig, &limits).unwrap();
    let mut b = signed_bundle(&key, &d, intoto::COSIGN_SIGN_V1);
    let env = b.dsse_envelope.as_mut().unwrap();
    env.payload = String::from_utf8(env.payload.clone())
        .unwrap()
        .replace("{}", r#"{"x":1}"#)
        .into_bytes();
    store::push_bundle(
        &client,
        &img,
        &b.to_json().unwrap(),
        intoto::COSIGN_SIGN_V1,
        "2024-01-01T00:00:00Z",
    )
    .unwrap();
    let v = sig_verify(&tampered);
    assert!(!v.is_verified());
    assert_eq!(v.rejected.len(), 2, "{}", summary(&v));
    assert!(
        v.rejected.iter().all(|x| x.check == Check::Signature),
        "{}",
        summary(&v)
    );

    // Subject digest naming another image, both layouts, signature and attestation.
    let victim = reference(&reg.addr, "victim:1");
    push_tiny(&client, &victim, "victim");
    let vimg = resolve(&victim);
    let other = push_tiny(&client, &reference(&reg.addr, "other:1"), "other");
    let payload = cosign::SimpleSigning::new(&vimg.name(), &other, None)
        .to_json()
        .unwrap();
    store::push_legacy_signature(
        &client,
        &vimg,
        &payload,
        &key.sign(&payload).unwrap(),
        &limits,
    )
    .unwrap();
    let b = signed_bundle(&key, &other, intoto::SLSA_PROVENANCE_V1);
    store::push_bundle(
        &client,
        &vimg,
        &b.to_json().unwrap(),
        intoto::SLSA_PROVENANCE_V1,
        "2024-01-01T00:00:00Z",
    )
    .unwrap();
    let env_json = b.dsse_envelope.unwrap().to_json().unwrap();
    store::push_legacy_attestation(
        &client,
        &vimg,
        &env_json,
        intoto::SLSA_PROVENANCE_V1,
        &limits,
    )
    .unwrap();
    let v = sig_verify(&victim);
    assert_eq!(v.rejected.len(), 1, "{}", summary(&v));
    assert_eq!(v.rejected[0].check, Check::DigestBinding);
    assert!(
        v.rejected[0]
            .message
            .contains("digest binding check failed"),
        "{}",
        v.rejected[0].message
    );
    let a = att_verify(&victim);
    assert!(!a.is_verified());
    assert_eq!(a.rejected.len(), 2, "{}", summary(&a));
    for x in &a.rejected {
        assert_eq!(x.check, Check::DigestBinding, "{}", summary(&a));
        assert!(
            x.message.contains("subject digest check failed"),
            "{}",
            x.message
        );
    }

    // Truncated DSSE envelope under .att.
    let trunc = reference(&reg.addr, "truncated:1");
    let td = push_tiny(&client, &trunc, "truncated");
    let timg = resolve(&trunc);
    let good = signed_bundle(&key, &td, intoto::SLSA_PROVENANCE_V1)
        .dsse_envelope
        .unwrap()
        .to_json()
        .unwrap();
    store::push_legacy_attestation(
        &client,
        &timg,
        &good[..good.len() / 2],
        intoto::SLSA_PROVENANCE_V1,
        &limits,
    )
    .unwrap();
    let a = att_verify(&trunc);
    assert_eq!(a.rejected.len(), 1, "{}", summary(&a));
    assert_eq!(a.rejected[0].check, Check::Format);
    assert!(
        a.rejected[0].message.contains("DSSE envelope is malformed"),
        "{}",
        a.rejected[0].message
    );

    // Signature and fallback tags pointing at non-signature manifests:
    // reported, never trusted, never overwritten.
    let hijack = reference(&reg.addr, "hijack:1");
    let hd = push_tiny(&client, &hijack, "hijack");
    let himg = resolve(&hijack);
    for suffix in ["sig", ""] {
        let tag = cosign::tag_for(&hd, suffix);
        push_tiny(
            &client,
            &hijack.with_tag(&tag),
            &format!("not a signature {suffix}"),
        );
    }
    let v = sig_verify(&hijack);
    assert!(!v.is_verified());
    assert_eq!(v.problems.len(), 2, "{}", summary(&v));
    assert!(
        v.problems
            .iter()
            .any(|p| p.what.ends_with(".sig")
                && p.message.contains("not a cosign signature manifest")),
        "{}",
        summary(&v)
    );
    assert!(
        v.problems
            .iter()
            .any(|p| p.message.contains("not an index")),
        "{}",
        summary(&v)
    );
    let e = sign_image(&client, &hijack, &key, Layout::Legacy, &limits).unwrap_err();
    assert!(
        matches!(
            &e,
            customs_attest::image::SignError::Store(StoreError::NotSignatureObject { .. })
        ),
        "{e}"
    );
    let e = store::push_bundle(&client, &himg, b"{}", "x", "2024-01-01T00:00:00Z").unwrap_err();
    assert!(matches!(e, StoreError::NotSignatureObject { .. }), "{e}");

    // A fallback index entry naming a referrer whose subject is another
    // image (copied from that image's index): reported, not used.
    let theirs = reference(&reg.addr, "theirs:1");
    let their_digest = push_tiny(&client, &theirs, "theirs");
    let s = sign_image(&client, &theirs, &key, Layout::Bundle, &limits).unwrap();
    assert_eq!(s.image.digest, their_digest);
    let mine = reference(&reg.addr, "theirs:mine");
    let my_digest = push_tiny(&client, &mine, "mine");
    let their_index = client
        .get_manifest(&theirs.with_tag(&cosign::tag_for(&their_digest, "")), &[])
        .unwrap();
    client
        .push_manifest(
            &mine.with_tag(&cosign::tag_for(&my_digest, "")),
            &their_index.bytes,
            mt::OCI_INDEX,
        )
        .unwrap();
    let v = sig_verify(&mine);
    assert!(!v.is_verified());
    assert_eq!(v.problems.len(), 1, "{}", summary(&v));
    assert!(
        v.problems[0].message.contains("subject is"),
        "{}",
        summary(&v)
    );

    // A key-signed bundle checked against a trusted root (keyless mode):
    // the verification material check names the mismatch.
    let Some(root) = crate::cosign_fixture("cosign-testdata/trusted_root_pgi.json") else {
        return;
    };
    let root = TrustedRoot::from_json(&std::fs::read(root).unwrap()).unwrap();
    let signed = reference(&reg.addr, "signed:1");
    push_tiny(&client, &signed, "signed");
    sign_image(&client, &signed, &key, Layout::Bundle, &limits).unwrap();
    let policy = Policy::default();
    let v = verify_image(
        &client,
        &signed,
        Verifier::Keyless {
            root: &root,
            policy: &policy,
        },
        &limits,
    )
    .unwrap();
    assert_eq!(v.rejected.len(), 1, "{}", summary(&v));
    assert_eq!(v.rejected[0].check, Check::Material);
}

fn signed_bundle(key: &SigningKey, subject: &Digest, predicate_type: &str) -> Bundle {
    let st = Statement::new(
        vec![ResourceDescriptor::for_digest(None, subject)],
        predicate_type,
        serde_json::json!({}),
    );
    let env = Envelope::sign(intoto::PAYLOAD_TYPE, &st.to_json().unwrap(), key).unwrap();
    Bundle::for_dsse_with_key(env, &key.verifying_key()).unwrap()
}

/// The referrers-API path, against the in-test registry stub (`stub.rs`):
/// the real test registry has no referrers API, so this path cannot run
/// against it.
#[test]
fn referrers_api_path_uses_no_fallback_tag() {
    let stub = crate::stub::Stub::start();
    let client = client_for(&stub.addr);
    let r = reference(&stub.addr, "app:1");
    let d = push_tiny(&client, &r, "stub");
    let key = keys::generate_p256();
    let limits = StoreLimits::default();
    let s = sign_image(&client, &r, &key, Layout::Bundle, &limits).unwrap();
    assert!(s.pushed.referrers_api);
    assert!(
        matches!(s.pushed.location, Location::Referrer { .. }),
        "{:?}",
        s.pushed
    );
    let prov = provenance();
    attest_image(
        &client,
        &r,
        &key,
        intoto::SLSA_PROVENANCE_V1,
        prov,
        Layout::Bundle,
        &limits,
    )
    .unwrap();
    {
        let st = stub.state.lock().unwrap();
        assert!(
            !st.tags.contains_key(&cosign::tag_for(&d, "")),
            "no fallback tag with the API"
        );
        assert!(st.referrers_calls >= 2);
    }
    let vk = key.verifying_key();
    let v = verify_image(&client, &r, Verifier::Key(&vk), &limits).unwrap();
    assert!(v.referrers_api);
    assert_eq!(v.verified.len(), 1, "{}", summary(&v));
    assert!(matches!(v.verified[0].location, Location::Referrer { .. }));
    let a = verify_image_attestations(
        &client,
        &r,
        Verifier::Key(&vk),
        Some(intoto::SLSA_PROVENANCE_V1),
        &limits,
    )
    .unwrap();
    assert_eq!(a.verified.len(), 1, "{}", summary(&a));
    let p = slsa::verify_provenance(
        a.verified[0].statement.as_ref().unwrap(),
        &slsa::Expectations {
            builder_id: None,
            source_uri: "github.com/example/app".into(),
            source_digest: Some("0123456789abcdef0123456789abcdef01234567".into()),
        },
    );
    assert!(p.is_ok(), "{p:?}");
}

const STORED_BUNDLE_PARSE: &str = r#"
import sys
from sigstore_models.bundle.v1 import Bundle as Model
b = Model.from_json(open(sys.argv[1], "rb").read())
assert b.verification_material.public_key.hint
print(b.dsse_envelope.payload_type)
"#;

/// What we store (the `.att` layer's DSSE envelope, the referrer's bundle
/// blob), fetched back from the registry, verifies with in-toto /
/// securesystemslib and parses with the sigstore bundle model.
#[test]
fn stored_envelopes_and_bundles_are_read_by_python_implementations() {
    let Some(()) = crate::python::modules(&["securesystemslib", "in_toto", "sigstore_models"])
    else {
        return;
    };
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let client = client_for(&reg.addr);
    let r = reference(&reg.addr, "py:1");
    push_tiny(&client, &r, "python");
    let key = keys::generate_p256();
    let limits = StoreLimits::default();
    for layout in [Layout::Legacy, Layout::Bundle] {
        attest_image(
            &client,
            &r,
            &key,
            intoto::SLSA_PROVENANCE_V1,
            provenance(),
            layout,
            &limits,
        )
        .unwrap();
    }
    let img = store::resolve(&client, &r).unwrap();
    let found = store::discover(&client, &img, &limits).unwrap();
    assert_eq!(found.candidates.len(), 2, "{:?}", found.problems);
    let dir = customs_test::TempDir::new("attest-py-stored").unwrap();
    let pub_path = dir.path().join("k.pub");
    std::fs::write(&pub_path, key.verifying_key().to_pem().unwrap()).unwrap();
    let keyid = key.verifying_key().key_id();
    for c in &found.candidates {
        match &c.artifact {
            store::Artifact::Dsse(bytes) => {
                let p = dir.path().join("env.json");
                std::fs::write(&p, bytes).unwrap();
                let out = crate::python::python(
                    crate::python::DSSE_VERIFY,
                    &[&p, &pub_path, std::path::Path::new(&keyid)],
                );
                assert_eq!(out.trim(), intoto::SLSA_PROVENANCE_V1);
            }
            store::Artifact::Bundle(bytes) => {
                let p = dir.path().join("b.sigstore.json");
                std::fs::write(&p, bytes).unwrap();
                let out = crate::python::python(STORED_BUNDLE_PARSE, &[&p]);
                assert_eq!(out.trim(), intoto::PAYLOAD_TYPE);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
