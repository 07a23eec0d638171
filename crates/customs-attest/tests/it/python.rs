//! Interop with independent Python implementations. Each test skips (via
//! customs_test::python_module) when a module is missing. pip names:
//! `cryptography pynacl securesystemslib in-toto in-toto-attestation sigstore`.

use std::path::Path;
use std::process::Command;

use customs_attest::bundle::Bundle;
use customs_attest::dsse::Envelope;
use customs_attest::intoto::{self, ResourceDescriptor, Statement};
use customs_attest::keys::{self, SigningKey, VerifyingKey};
use customs_attest::{Digest, Limits};

pub(crate) fn python(script: &str, args: &[&Path]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) fn modules(names: &[&str]) -> Option<()> {
    for n in names {
        customs_test::python_module(n)?;
    }
    Some(())
}

fn image() -> Digest {
    format!("sha256:{}", "ab".repeat(32)).parse().unwrap()
}

/// Decrypts our key file with hashlib.scrypt + PyNaCl, loads the PKCS#8 DER
/// with `cryptography`, checks it matches our public key and signs a message
/// we then verify.
const DECRYPT: &str = r#"
import base64, hashlib, json, sys
import nacl.secret
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key_path, pub_path, password = sys.argv[1], sys.argv[2], sys.argv[3].encode()
lines = open(key_path).read().strip().splitlines()
assert lines[0] == "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", lines[0]
env = json.loads(base64.b64decode("".join(lines[1:-1])))
assert env["kdf"]["name"] == "scrypt" and env["cipher"]["name"] == "nacl/secretbox"
p = env["kdf"]["params"]
k = hashlib.scrypt(password, salt=base64.b64decode(env["kdf"]["salt"]), n=p["N"], r=p["r"], p=p["p"], maxmem=256 * 1024 * 1024, dklen=32)
der = nacl.secret.SecretBox(k).decrypt(base64.b64decode(env["ciphertext"]), base64.b64decode(env["cipher"]["nonce"]))
priv = serialization.load_der_private_key(der, password=None)
pub = serialization.load_pem_public_key(open(pub_path, "rb").read())
fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
assert priv.public_key().public_bytes(*fmt) == pub.public_bytes(*fmt)
print(priv.sign(b"signed in python", ec.ECDSA(hashes.SHA256())).hex())
"#;

#[test]
fn python_decrypts_keys_we_generate() {
    let Some(()) = modules(&["nacl", "cryptography"]) else {
        return;
    };
    let dir = customs_test::TempDir::new("attest-py").unwrap();
    let (key, public) = keys::write_key_pair(dir.path(), "customs", b"s3cret").unwrap();
    let sig_hex = python(DECRYPT, &[&key, &public, Path::new("s3cret")]);
    let vk = VerifyingKey::from_pem(&std::fs::read(&public).unwrap()).unwrap();
    vk.verify(b"signed in python", &hex::decode(sig_hex.trim()).unwrap())
        .unwrap();
}

/// Encrypts a fresh key the way cosign does, in Python.
const ENCRYPT: &str = r#"
import base64, hashlib, json, os, sys
import nacl.secret
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
out_dir, password = sys.argv[1], sys.argv[2].encode()
priv = ec.generate_private_key(ec.SECP256R1())
der = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
salt, nonce = os.urandom(32), os.urandom(24)
k = hashlib.scrypt(password, salt=salt, n=32768, r=8, p=1, maxmem=256 * 1024 * 1024, dklen=32)
ct = nacl.secret.SecretBox(k).encrypt(der, nonce).ciphertext
env = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
       "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
       "ciphertext": base64.b64encode(ct).decode()}
body = base64.b64encode(json.dumps(env).encode()).decode()
pem = "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n"
open(out_dir + "/py.key", "w").write(pem)
open(out_dir + "/py.pub", "wb").write(priv.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
"#;

#[test]
fn we_decrypt_keys_python_encrypts() {
    let Some(()) = modules(&["nacl", "cryptography"]) else {
        return;
    };
    let dir = customs_test::TempDir::new("attest-py").unwrap();
    python(ENCRYPT, &[dir.path(), Path::new("pw")]);
    let sk = SigningKey::from_pem(
        &std::fs::read(dir.path().join("py.key")).unwrap(),
        Some(b"pw"),
    )
    .unwrap();
    let vk = VerifyingKey::from_pem(&std::fs::read(dir.path().join("py.pub")).unwrap()).unwrap();
    assert_eq!(sk.verifying_key(), vk);
    assert!(SigningKey::from_pem(
        &std::fs::read(dir.path().join("py.key")).unwrap(),
        Some(b"px")
    )
    .is_err());
}

/// Verifies our DSSE envelope with in-toto's Envelope (securesystemslib
/// DSSE), then checks that a tampered copy fails there too.
pub(crate) const DSSE_VERIFY: &str = r#"
import json, sys
from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import SSlibKey
from in_toto.models.metadata import Envelope
env_path, pub_path, keyid = sys.argv[1], sys.argv[2], sys.argv[3]
pub = serialization.load_pem_public_key(open(pub_path, "rb").read())
key = SSlibKey.from_crypto(pub, keyid=keyid)
data = json.load(open(env_path))
env = Envelope.from_dict(json.loads(json.dumps(data)))
assert keyid in env.verify([key], 1)
statement = json.loads(env.payload)
print(statement["predicateType"])
data["payloadType"] = "application/vnd.in-toto+jsoN"
bad = Envelope.from_dict(data)
try:
    bad.verify([key], 1)
    raise SystemExit("tampered envelope verified")
except Exception as e:
    if isinstance(e, SystemExit):
        raise
"#;

fn signed_statement(key: &SigningKey) -> Envelope {
    let st = Statement::new(
        vec![ResourceDescriptor::for_digest(
            Some("registry.invalid/app"),
            &image(),
        )],
        intoto::SLSA_PROVENANCE_V1,
        serde_json::json!({"buildDefinition": {"buildType": "x", "externalParameters": {}}, "runDetails": {"builder": {"id": "y"}}}),
    );
    Envelope::sign(intoto::PAYLOAD_TYPE, &st.to_json().unwrap(), key).unwrap()
}

#[test]
fn securesystemslib_verifies_our_dsse_envelopes() {
    let Some(()) = modules(&["securesystemslib", "in_toto", "cryptography"]) else {
        return;
    };
    let dir = customs_test::TempDir::new("attest-py").unwrap();
    let key = keys::generate_p256();
    let env = signed_statement(&key);
    std::fs::write(dir.path().join("env.json"), env.to_json().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("k.pub"),
        key.verifying_key().to_pem().unwrap(),
    )
    .unwrap();
    let keyid = key.verifying_key().key_id();
    let out = python(
        DSSE_VERIFY,
        &[
            &dir.path().join("env.json"),
            &dir.path().join("k.pub"),
            Path::new(&keyid),
        ],
    );
    assert_eq!(out.trim(), intoto::SLSA_PROVENANCE_V1);
}

const STATEMENT_VALIDATE: &str = r#"
import sys
from google.protobuf import json_format
from in_toto_attestation.v1 import statement, statement_pb2
pb = json_format.Parse(open(sys.argv[1]).read(), statement_pb2.Statement())
st = statement.Statement.copy_from_pb(pb)
st.validate()
print(pb.subject[0].digest["sha256"])
"#;

#[test]
fn in_toto_attestation_validates_our_statements() {
    let Some(()) = modules(&["in_toto_attestation"]) else {
        return;
    };
    let dir = customs_test::TempDir::new("attest-py").unwrap();
    let env = signed_statement(&keys::generate_p256());
    std::fs::write(dir.path().join("st.json"), &env.payload).unwrap();
    let out = python(STATEMENT_VALIDATE, &[&dir.path().join("st.json")]);
    assert_eq!(out.trim(), image().hex());
}

const BUNDLE_PARSE: &str = r#"
import sys
from sigstore_models.bundle.v1 import Bundle as Model
from sigstore.models import Bundle
key_bundle = Model.from_json(open(sys.argv[1], "rb").read())
assert key_bundle.verification_material.public_key.hint
assert key_bundle.dsse_envelope.payload_type == "application/vnd.in-toto+json"
full = Bundle.from_json(open(sys.argv[2], "rb").read())
print(full.signing_certificate.serial_number)
"#;

#[test]
fn sigstore_python_parses_our_bundles() {
    let Some(()) = modules(&["sigstore", "sigstore_models"]) else {
        return;
    };
    let Some(real) = crate::cosign_fixture("cosign-testdata/oci-attestation.sigstore.json") else {
        return;
    };
    let dir = customs_test::TempDir::new("attest-py").unwrap();
    let key = keys::generate_p256();
    let b = Bundle::for_dsse_with_key(signed_statement(&key), &key.verifying_key()).unwrap();
    std::fs::write(dir.path().join("key.sigstore.json"), b.to_json().unwrap()).unwrap();
    // A keyless bundle as we serialise it (parsed from the real one): the
    // sigstore package's full Bundle model requires certificate + tlog entry.
    let keyless = Bundle::from_json(&std::fs::read(real).unwrap(), &Limits::default()).unwrap();
    std::fs::write(
        dir.path().join("keyless.sigstore.json"),
        keyless.to_json().unwrap(),
    )
    .unwrap();
    let out = python(
        BUNDLE_PARSE,
        &[
            &dir.path().join("key.sigstore.json"),
            &dir.path().join("keyless.sigstore.json"),
        ],
    );
    assert!(!out.trim().is_empty());
}
