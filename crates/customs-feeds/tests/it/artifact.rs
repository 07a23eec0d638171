//! `push` / `pull` against a real `docker-registry` on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use customs_feeds::artifact::{
    ANNOTATION_DATA_DATE, ANNOTATION_SCHEMA_VERSION, ARTIFACT_TYPE, LAYER_MEDIA_TYPE,
    LAYER_MEDIA_TYPE_ZSTD,
};
use customs_feeds::{pull, push, push_with, Error, PushOptions};
use customs_oci::{media_type as mt, Reference};
use customs_registry::{ClientConfig, DockerConfigSource, RetryPolicy};
use customs_test::registry::{Mode, TestRegistry};
use customs_test::TempDir;
use customs_vuln::import::{import_paths, ImportOptions};
use customs_vuln::{Database, SCHEMA_VERSION};

fn config(reg: &TestRegistry) -> ClientConfig {
    let mut cfg = ClientConfig {
        docker_config: DockerConfigSource::Disabled,
        retry: RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(1),
        },
        upload_chunk_bytes: 256 * 1024,
        ..ClientConfig::default()
    };
    cfg.insecure_registries.push(reg.addr.clone());
    cfg
}

/// A database built from real Alpine secdb files and the npm OSV zip.
fn real_db(dir: &Path) -> Option<PathBuf> {
    let adv = customs_test::shared_path("advisories")?;
    let db = dir.join("vuln.db");
    let opts = ImportOptions {
        db_path: Some(db.clone()),
        ..ImportOptions::default()
    };
    import_paths(
        &[adv.join("alpine-secdb/v3.11"), adv.join("osv/npm/all.zip")],
        &opts,
    )
    .unwrap();
    Some(db)
}

fn skopeo_raw(reference: &str) -> Option<Vec<u8>> {
    customs_test::tool("skopeo", &["--version"])?;
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo inspect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn push_then_pull_round_trips_through_a_real_registry() {
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let dir = TempDir::new("feeds-artifact").unwrap();
    let Some(db) = real_db(dir.path()) else {
        return;
    };
    let original = std::fs::read(&db).unwrap();
    let cfg = config(&reg);
    let tag = reg.reference("customs/vulndb:1");
    let r = Reference::parse(&tag).unwrap();

    let digest = push(&db, &r, &cfg).unwrap();

    // The registry holds an OCI 1.1 artifact manifest, as skopeo sees it.
    if let Some(raw) = skopeo_raw(&tag) {
        let sha = <sha2::Sha256 as sha2::Digest>::digest(&raw);
        let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(format!("sha256:{hex}"), digest.to_string());
        let m: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(m["mediaType"], mt::OCI_MANIFEST);
        assert_eq!(m["artifactType"], ARTIFACT_TYPE);
        assert_eq!(m["config"]["mediaType"], mt::OCI_EMPTY);
        assert_eq!(m["config"]["size"], 2);
        assert_eq!(m["layers"].as_array().unwrap().len(), 1);
        assert_eq!(m["layers"][0]["mediaType"], LAYER_MEDIA_TYPE_ZSTD);
        assert!(m["layers"][0]["size"].as_u64().unwrap() < original.len() as u64);
        assert_eq!(
            m["annotations"][ANNOTATION_SCHEMA_VERSION],
            SCHEMA_VERSION.to_string()
        );
        assert!(m["annotations"][ANNOTATION_DATA_DATE].is_string());
    }

    // Pull over an existing (different) database: it is replaced whole.
    let target = dir.path().join("pulled.db");
    std::fs::write(&target, b"old").unwrap();
    let pulled = pull(&r, &target, &cfg).unwrap();
    assert_eq!(pulled.manifest_digest, digest);
    assert_eq!(std::fs::read(&target).unwrap(), original);
    assert_eq!(
        pulled.status,
        Database::open(&db).unwrap().status(),
        "same database"
    );

    // Uncompressed layers work too, and by digest.
    let plain = Reference::parse(&reg.reference("customs/vulndb:plain")).unwrap();
    let opts = PushOptions {
        compress: false,
        ..PushOptions::default()
    };
    let s = push_with(&db, &plain, &cfg, &opts).unwrap();
    assert_eq!(s.layer.media_type, LAYER_MEDIA_TYPE);
    assert_eq!(s.layer.size, original.len() as u64);
    let by_digest = plain.with_digest(s.manifest_digest.clone());
    let target2 = dir.path().join("plain.db");
    let got = pull(&by_digest, &target2, &cfg).unwrap();
    assert_eq!(got.manifest_digest, s.manifest_digest);
    assert_eq!(got.layer_digest, s.layer.digest);
    assert_eq!(std::fs::read(&target2).unwrap(), original);
    // No temporary files are left beside the databases.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn pull_refuses_what_is_not_a_vulnerability_database() {
    let Some(reg) = TestRegistry::start(Mode::Plain) else {
        return;
    };
    let dir = TempDir::new("feeds-artifact-bad").unwrap();
    let Some(db) = real_db(dir.path()) else {
        return;
    };
    let before = std::fs::read(&db).unwrap();
    let cfg = config(&reg);
    let client = customs_registry::blocking::Client::new(cfg.clone()).unwrap();

    // An artifact of another type (the empty config, one small layer).
    let other = Reference::parse(&reg.reference("customs/other:1")).unwrap();
    let cfg_digest: customs_model::Digest =
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
            .parse()
            .unwrap();
    client.push_blob(&other, b"{}", &cfg_digest).unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": mt::OCI_MANIFEST,
        "artifactType": "application/vnd.example.other",
        "config": {"mediaType": mt::OCI_EMPTY, "digest": cfg_digest.to_string(), "size": 2},
        "layers": [{"mediaType": mt::OCI_EMPTY, "digest": cfg_digest.to_string(), "size": 2}],
    });
    client
        .push_manifest(
            &other,
            &serde_json::to_vec(&manifest).unwrap(),
            mt::OCI_MANIFEST,
        )
        .unwrap();
    let err = pull(&other, &db, &cfg).unwrap_err();
    assert!(matches!(err, Error::NotAVulnDb { .. }), "{err:?}");
    assert!(err.hint().is_some());

    // A tag that does not exist: the registry error and its hint come through.
    let missing = Reference::parse(&reg.reference("customs/vulndb:nope")).unwrap();
    let err = pull(&missing, &db, &cfg).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Registry {
                source: customs_registry::Error::NotFound { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.hint().is_some());
    assert_eq!(std::fs::read(&db).unwrap(), before, "database changed");
}
