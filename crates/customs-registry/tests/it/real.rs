//! Against a real `docker-registry` (distribution 2.8) on 127.0.0.1 in the
//! three set-ups of `customs_test::registry`: every image of
//! `../shared/images` is pushed with skopeo from its OCI archive, then pulled
//! back with this client and checked against the archive's `index.json` and
//! blobs.
#![allow(clippy::print_stderr)] // progress lines with timings, in helpers

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use customs_model::{Digest, DigestAlgorithm};
use customs_oci::{media_type as mt, ManifestKind, Reference};
use customs_registry::{blocking::Client, ClientConfig, Credentials, DockerConfigSource, Error};
use customs_test::registry::{Mode, TestRegistry};
use sha2::Digest as _;

use crate::test_config;

fn sha256(data: &[u8]) -> Digest {
    Digest::from_bytes(DigestAlgorithm::Sha256, &sha2::Sha256::digest(data))
}

/// The shared OCI archives, sorted.
fn oci_archives() -> Option<Vec<PathBuf>> {
    let dir = customs_test::shared_path("images")?;
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".oci.tar"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 2,
        "expected the shared OCI archives, found {v:?}"
    );
    Some(v)
}

/// One member of a tar, read with the `tar` command.
fn tar_member(tar: &Path, member: &str) -> Vec<u8> {
    let out = Command::new("tar")
        .arg("-xOf")
        .arg(tar)
        .arg(member)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tar -xOf {} {member}: {}",
        tar.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn base_config(reg: &TestRegistry) -> ClientConfig {
    let mut cfg = test_config();
    cfg.upload_chunk_bytes = 1 << 20;
    match reg.mode {
        Mode::Plain => cfg.insecure_registries.push(reg.addr.clone()),
        Mode::BasicTls | Mode::TokenTls => {
            cfg.ca_files.push(reg.ca_cert.clone().unwrap());
            let (u, p) = reg.creds.clone().unwrap();
            cfg.credentials
                .insert(reg.addr.clone(), Credentials::new(u, p));
        }
    }
    cfg
}

/// A writer that hashes and counts.
struct HashSink(sha2::Sha256, u64);

impl Write for HashSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.update(b);
        self.1 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Pushes every shared image, pulls manifest, config and every layer back
/// and checks them against the archive. Returns bytes pulled.
fn pull_every_image(reg: &TestRegistry, c: &Client) -> u64 {
    let Some(archives) = oci_archives() else {
        return 0;
    };
    let mut total = 0;
    for tar in archives {
        let name = tar
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".oci.tar")
            .to_owned();
        let index: serde_json::Value =
            serde_json::from_slice(&tar_member(&tar, "index.json")).unwrap();
        let want: Digest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let Some(pushed) = reg.push_oci_archive(&tar, &format!("fixtures/{name}:latest")) else {
            return 0;
        };
        assert_eq!(
            pushed,
            want.to_string(),
            "skopeo pushed another manifest digest"
        );

        let r = Reference::parse(&reg.reference(&format!("fixtures/{name}:latest"))).unwrap();
        let started = std::time::Instant::now();
        let m = c
            .get_manifest(&r, &[])
            .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", e.hint(), reg.log()));
        assert_eq!(
            m.digest, want,
            "{name}: manifest digest differs from index.json"
        );
        assert_eq!(m.media_type, mt::OCI_MANIFEST);
        assert_eq!(
            m.bytes,
            tar_member(&tar, &format!("blobs/sha256/{}", want.hex()))
        );
        let head = c.head_manifest(&r, &[]).unwrap().unwrap();
        assert_eq!(head.digest.as_ref(), Some(&want));
        assert_eq!(head.size, Some(m.bytes.len() as u64));
        let by_digest = c
            .get_manifest(&r.with_digest(want.clone()), &[mt::OCI_MANIFEST])
            .unwrap();
        assert_eq!(by_digest.bytes, m.bytes);

        let ManifestKind::Manifest(manifest) = m.parse().unwrap() else {
            panic!("{name}: not an image manifest")
        };
        let config = c
            .get_blob_bytes(&r, &manifest.config.digest, 1 << 20)
            .unwrap();
        assert_eq!(
            config,
            tar_member(
                &tar,
                &format!("blobs/sha256/{}", manifest.config.digest.hex())
            )
        );
        assert!(c.blob_exists(&r, &manifest.config.digest).unwrap());
        total += config.len() as u64 + m.bytes.len() as u64;
        for layer in &manifest.layers {
            let mut reader = c.get_blob_for(&r, layer).unwrap();
            let mut sink = HashSink(sha2::Sha256::new(), 0);
            let n = std::io::copy(&mut reader, &mut sink).unwrap();
            assert_eq!(n, layer.size);
            assert_eq!(sink.1, layer.size);
            // Checked independently of the client's own verification.
            assert_eq!(
                Digest::from_bytes(DigestAlgorithm::Sha256, &sink.0.finalize()),
                layer.digest
            );
            total += n;
        }
        eprintln!(
            "{:?} {name}: pulled and verified manifest, config and {} layers in {:?}",
            reg.mode,
            manifest.layers.len(),
            started.elapsed()
        );
        // The streaming writer form gives the same bytes for the smallest layer.
        let smallest = manifest.layers.iter().min_by_key(|l| l.size).unwrap();
        let mut buf = Vec::new();
        assert_eq!(
            c.fetch_blob_to(&r, &smallest.digest, Some(smallest.size), &mut buf)
                .unwrap(),
            smallest.size
        );
        assert_eq!(sha256(&buf), smallest.digest);
    }
    total
}

/// Pushes a small image (blobs monolithic and chunked, manifest by tag and
/// by digest), reads it back, lists tags, mounts across repositories and
/// asks for referrers.
fn push_round_trip(reg: &TestRegistry, c: &Client) {
    let repo = Reference::parse(&reg.reference("customs/pushed:v1")).unwrap();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = sha256(config);
    // 3 MiB of non-repeating bytes, uploaded in 1 MiB chunks.
    let layer: Vec<u8> = (0..3u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let layer_digest = sha256(&layer);
    assert!(!c.blob_exists(&repo, &layer_digest).unwrap());
    c.push_blob(&repo, config, &config_digest).unwrap();
    c.push_blob_reader(&repo, &layer[..], &layer_digest)
        .unwrap();
    assert!(c.blob_exists(&repo, &layer_digest).unwrap());
    // Pushing again is a no-op.
    c.push_blob(&repo, config, &config_digest).unwrap();
    let mut back = Vec::new();
    c.get_blob(&repo, &layer_digest, Some(layer.len() as u64))
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert!(back == layer, "layer read back differs");

    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{layer_digest}","size":{}}}]}}"#,
        mt::OCI_MANIFEST,
        mt::OCI_CONFIG,
        config.len(),
        mt::OCI_LAYER_TAR,
        layer.len()
    );
    let digest = c
        .push_manifest(&repo, manifest.as_bytes(), mt::OCI_MANIFEST)
        .unwrap();
    assert_eq!(digest, sha256(manifest.as_bytes()));
    let got = c.get_manifest(&repo, &[]).unwrap();
    assert_eq!(got.bytes, manifest.as_bytes());
    assert_eq!(got.digest, digest);
    // Another tag, and a push by digest (which must match the bytes).
    c.push_manifest(&repo.with_tag("v2"), manifest.as_bytes(), mt::OCI_MANIFEST)
        .unwrap();
    c.push_manifest(
        &repo.with_digest(digest.clone()),
        manifest.as_bytes(),
        mt::OCI_MANIFEST,
    )
    .unwrap();
    let wrong = repo.with_digest(sha256(b"not it"));
    assert!(matches!(
        c.push_manifest(&wrong, manifest.as_bytes(), mt::OCI_MANIFEST),
        Err(Error::DigestMismatch { .. })
    ));
    let mut tags = c.list_tags(&repo).unwrap();
    tags.sort();
    assert_eq!(tags, ["v1", "v2"]);

    // Cross-repository mount.
    let other = Reference::parse(&reg.reference("customs/mounted:v1")).unwrap();
    assert!(!c.blob_exists(&other, &layer_digest).unwrap());
    assert!(c.mount_blob(&repo, &other, &layer_digest).unwrap());
    assert!(c.blob_exists(&other, &layer_digest).unwrap());
    // A blob the source does not have is not mounted (the registry opens an upload, which is closed).
    assert!(!c.mount_blob(&repo, &other, &sha256(b"absent")).unwrap());

    // distribution 2.8 has no referrers API: None, so callers use the tag scheme.
    assert_eq!(c.referrers(&repo, &digest, None).unwrap(), None);

    // Missing things are NotFound with the reference in the message.
    let err = c.get_manifest(&repo.with_tag("missing"), &[]).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("customs/pushed:missing"), "{err}");
    let err = c
        .list_tags(&Reference::parse(&reg.reference("customs/nothing:x")).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[test]
fn plain_http_registry() {
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let c = Client::new(base_config(&reg)).unwrap();
    let pulled = pull_every_image(&reg, &c);
    push_round_trip(&reg, &c);
    eprintln!("plain: pulled {pulled} bytes");
    // Not listed as insecure: https only, which a plain-http server cannot speak.
    let strict = Client::new(test_config()).unwrap();
    let r = Reference::parse(&reg.reference("customs/pushed:v1")).unwrap();
    let err = strict.get_manifest(&r, &[]).unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(err.hint().unwrap().contains("insecure"));
}

#[test]
fn basic_auth_over_tls_registry() {
    let Some(reg) = TestRegistry::start(Mode::BasicTls) else {
        return;
    };
    let c = Client::new(base_config(&reg)).unwrap();
    let pulled = pull_every_image(&reg, &c);
    push_round_trip(&reg, &c);
    eprintln!("basic+tls: pulled {pulled} bytes");
    let r = Reference::parse(&reg.reference("customs/pushed:v1")).unwrap();

    let mut cfg = base_config(&reg);
    cfg.credentials
        .insert(reg.addr.clone(), Credentials::new("fixtures", "wrong"));
    let err = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: false,
                ..
            }
        ),
        "{err:?}"
    );

    let mut cfg = base_config(&reg);
    cfg.credentials.clear();
    let err = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: true,
                ..
            }
        ),
        "{err:?}"
    );

    // Without the test CA the certificate is not trusted.
    let mut cfg = base_config(&reg);
    cfg.ca_files.clear();
    let err = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    // Listed as insecure, https works without verification.
    let mut cfg = base_config(&reg);
    cfg.ca_files.clear();
    cfg.insecure_registries.push(reg.addr.clone());
    Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap();

    // Credentials from a Docker config file.
    let dir = customs_test::TempDir::new("docker-config").unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("fixtures:s3cret-test");
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"auths":{{"https://{}/":{{"auth":"{auth}"}}}}}}"#,
            reg.addr
        ),
    )
    .unwrap();
    let mut cfg = base_config(&reg);
    cfg.credentials.clear();
    cfg.docker_config = DockerConfigSource::Path(path);
    let m = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap();
    assert_eq!(m.media_type, mt::OCI_MANIFEST);
}

#[test]
fn token_auth_over_tls_registry() {
    let Some(reg) = TestRegistry::start(Mode::TokenTls) else {
        return;
    };
    let c = Client::new(base_config(&reg)).unwrap();
    let pulled = pull_every_image(&reg, &c);
    push_round_trip(&reg, &c);
    eprintln!("token+tls: pulled {pulled} bytes");
    let r = Reference::parse(&reg.reference("customs/pushed:v1")).unwrap();

    let mut cfg = base_config(&reg);
    cfg.credentials
        .insert(reg.addr.clone(), Credentials::new("fixtures", "wrong"));
    let err = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: false,
                ..
            }
        ),
        "{err:?}"
    );

    // Anonymous: the issuer hands out a token without access; the registry refuses it.
    let mut cfg = base_config(&reg);
    cfg.credentials.clear();
    let err = Client::new(cfg).unwrap().get_manifest(&r, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: true,
                ..
            }
        ),
        "{err:?}"
    );
}
