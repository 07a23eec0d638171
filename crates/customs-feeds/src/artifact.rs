//! `customs db push REF` / `customs db pull REF`: the database as an OCI
//! artifact, so air-gapped clusters can take it from any registry (as Trivy
//! does with its database).
//!
//! The artifact is an OCI 1.1 image manifest:
//!
//! ```text
//! artifactType  application/vnd.customs.vulndb.v1
//! config        the empty descriptor (application/vnd.oci.empty.v1+json, `{}`)
//! layers        one: the database file, zstd-compressed
//!               (application/vnd.customs.vulndb.layer.v1+zstd) or as is
//!               (application/vnd.customs.vulndb.layer.v1)
//! annotations   schema version, data date, build time
//! ```
//!
//! Pull checks the artifact type and schema version before downloading,
//! verifies the blob digest (the registry client does, before end of stream),
//! decompresses with a size bound, opens the result as a database (which
//! checks its own checksum) and only then renames it over the old file.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use customs_model::{Digest, DigestAlgorithm};
use customs_oci::{media_type as mt, Descriptor, Manifest, Reference};
use customs_registry::{blocking::Client, ClientConfig};
use customs_vuln::{Database, DbStatus, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::update::{io_err, parent_dir};
use crate::Error;

/// `artifactType` of the manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.customs.vulndb.v1";
/// Media type of the layer when zstd-compressed.
pub const LAYER_MEDIA_TYPE_ZSTD: &str = "application/vnd.customs.vulndb.layer.v1+zstd";
/// Media type of the layer when stored as is.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.customs.vulndb.layer.v1";
/// Annotation holding the database schema version ([`SCHEMA_VERSION`]).
pub const ANNOTATION_SCHEMA_VERSION: &str = "dev.customs.vulndb.schema-version";
/// Annotation holding the newest data date of any source (or the build time).
pub const ANNOTATION_DATA_DATE: &str = "dev.customs.vulndb.data-date";
/// Standard annotation: when the database was built (RFC 3339).
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";
/// Standard annotation: the layer's file name.
pub const ANNOTATION_TITLE: &str = "org.opencontainers.image.title";

/// The empty JSON config blob (`{}`) the OCI 1.1 artifact guidance uses.
const EMPTY_CONFIG: &[u8] = b"{}";

/// Options of [`push_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOptions {
    /// Compress the layer with zstd. Default true.
    pub compress: bool,
    /// zstd level (1-19). Default 9: the database is pushed once and pulled
    /// many times.
    pub zstd_level: i32,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            compress: true,
            zstd_level: 9,
        }
    }
}

/// What [`push_with`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSummary {
    /// Digest of the manifest pushed.
    pub manifest_digest: Digest,
    /// The layer descriptor.
    pub layer: Descriptor,
    /// Size of the database file.
    pub db_bytes: u64,
}

/// Options of [`pull_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullOptions {
    /// Largest layer blob and largest database file accepted. Default
    /// 4 GiB, the format's own limit.
    pub max_db_bytes: u64,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            max_db_bytes: 4 << 30,
        }
    }
}

/// What [`pull_with`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullSummary {
    /// Digest of the manifest pulled.
    pub manifest_digest: Digest,
    /// Digest of the layer blob (verified).
    pub layer_digest: Digest,
    /// Status of the database now in place.
    pub status: DbStatus,
}

/// Pushes the database at `db_path` to `reference` (zstd-compressed) and
/// returns the manifest digest.
pub fn push(db_path: &Path, reference: &Reference, config: &ClientConfig) -> Result<Digest, Error> {
    push_with(db_path, reference, config, &PushOptions::default()).map(|s| s.manifest_digest)
}

/// The newest data date of any source, else the build time.
fn data_date(status: &DbStatus) -> String {
    status
        .sources
        .iter()
        .filter_map(|s| s.data_date.clone())
        .max()
        .unwrap_or_else(|| status.built_at_rfc3339.clone())
}

fn sha256(bytes: &[u8]) -> Digest {
    Digest::from_bytes(DigestAlgorithm::Sha256, &sha2::Sha256::digest(bytes))
}

/// A temporary file beside `target`, removed on drop unless kept.
struct TempFile(PathBuf);

impl TempFile {
    fn beside(target: &Path, what: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self(parent_dir(target).join(format!(
            ".{name}.{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A writer that hashes what passes through.
struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        self.hasher.update(done);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Pushes the database at `db_path` to `reference` as an OCI artifact.
pub fn push_with(
    db_path: &Path,
    reference: &Reference,
    config: &ClientConfig,
    opts: &PushOptions,
) -> Result<PushSummary, Error> {
    let reg_err = |source| Error::Registry {
        reference: reference.to_string(),
        source,
    };
    // Open (and so verify) the exact bytes that are pushed: a concurrent
    // `db update` renames a new file in, it never rewrites this one.
    let mut file = std::fs::File::open(db_path).map_err(io_err(db_path))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io_err(db_path))?;
    let db_bytes = bytes.len() as u64;
    let status = Database::from_bytes(db_path, bytes)
        .map_err(Error::Database)?
        .status();
    // Stream the layer from the same open file (the same bytes, even if a
    // new database was renamed over the path meanwhile).
    file.seek(SeekFrom::Start(0)).map_err(io_err(db_path))?;

    let client = Client::new(config.clone()).map_err(reg_err)?;
    let tmp = TempFile::beside(db_path, "push");
    let (layer_digest, layer_size, media_type) = if opts.compress {
        let out = std::fs::File::create(&tmp.0).map_err(io_err(&tmp.0))?;
        let mut hw = HashingWriter {
            inner: std::io::BufWriter::new(out),
            hasher: sha2::Sha256::new(),
            bytes: 0,
        };
        zstd::stream::copy_encode(&mut file, &mut hw, opts.zstd_level).map_err(io_err(&tmp.0))?;
        hw.flush().map_err(io_err(&tmp.0))?;
        let digest = Digest::from_bytes(DigestAlgorithm::Sha256, &hw.hasher.finalize());
        let reader = std::fs::File::open(&tmp.0).map_err(io_err(&tmp.0))?;
        client
            .push_blob_reader(reference, std::io::BufReader::new(reader), &digest)
            .map_err(reg_err)?;
        (digest, hw.bytes, LAYER_MEDIA_TYPE_ZSTD)
    } else {
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(io_err(db_path))?;
        let digest = Digest::from_bytes(DigestAlgorithm::Sha256, &hasher.finalize());
        file.seek(SeekFrom::Start(0)).map_err(io_err(db_path))?;
        client
            .push_blob_reader(reference, std::io::BufReader::new(file), &digest)
            .map_err(reg_err)?;
        (digest, db_bytes, LAYER_MEDIA_TYPE)
    };
    drop(tmp);

    let config_digest = sha256(EMPTY_CONFIG);
    client
        .push_blob(reference, EMPTY_CONFIG, &config_digest)
        .map_err(reg_err)?;
    let title = db_path.file_name().map_or_else(
        || "vuln.db".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let layer = Descriptor {
        media_type: media_type.to_owned(),
        digest: layer_digest,
        size: layer_size,
        platform: None,
        annotations: BTreeMap::from([(ANNOTATION_TITLE.to_owned(), title)]),
        artifact_type: None,
        urls: Vec::new(),
    };
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(mt::OCI_MANIFEST.to_owned()),
        artifact_type: Some(ARTIFACT_TYPE.to_owned()),
        config: Descriptor {
            media_type: mt::OCI_EMPTY.to_owned(),
            digest: config_digest,
            size: EMPTY_CONFIG.len() as u64,
            platform: None,
            annotations: BTreeMap::new(),
            artifact_type: None,
            urls: Vec::new(),
        },
        layers: vec![layer.clone()],
        subject: None,
        annotations: BTreeMap::from([
            (
                ANNOTATION_SCHEMA_VERSION.to_owned(),
                status.schema_version.to_string(),
            ),
            (ANNOTATION_DATA_DATE.to_owned(), data_date(&status)),
            (
                ANNOTATION_CREATED.to_owned(),
                status.built_at_rfc3339.clone(),
            ),
        ]),
    };
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| Error::BadArtifact {
        reference: reference.to_string(),
        detail: format!("cannot encode the manifest: {e}"),
    })?;
    let manifest_digest = client
        .push_manifest(reference, &manifest_bytes, mt::OCI_MANIFEST)
        .map_err(reg_err)?;
    Ok(PushSummary {
        manifest_digest,
        layer,
        db_bytes,
    })
}

/// Pulls the database artifact at `reference` and swaps it in at `db_path`.
pub fn pull(
    reference: &Reference,
    db_path: &Path,
    config: &ClientConfig,
) -> Result<PullSummary, Error> {
    pull_with(reference, db_path, config, &PullOptions::default())
}

/// Checks a fetched manifest and returns its layer descriptor.
fn check_manifest(reference: &Reference, bytes: &[u8], max: u64) -> Result<Descriptor, Error> {
    let r = reference.to_string();
    let bad = |detail: String| Error::BadArtifact {
        reference: r.clone(),
        detail,
    };
    let m: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("the manifest is not an OCI image manifest: {e}")))?;
    if m.artifact_type.as_deref() != Some(ARTIFACT_TYPE) {
        return Err(Error::NotAVulnDb {
            reference: r,
            found: m.artifact_type.or(Some(m.config.media_type)),
        });
    }
    let found = m
        .annotations
        .get(ANNOTATION_SCHEMA_VERSION)
        .ok_or_else(|| bad(format!("annotation {ANNOTATION_SCHEMA_VERSION} is missing")))?;
    if found.trim() != SCHEMA_VERSION.to_string() {
        return Err(Error::SchemaMismatch {
            reference: r,
            found: found.clone(),
            expected: SCHEMA_VERSION,
        });
    }
    let [layer] = m.layers.as_slice() else {
        return Err(bad(format!("{} layers, expected 1", m.layers.len())));
    };
    if layer.media_type != LAYER_MEDIA_TYPE_ZSTD && layer.media_type != LAYER_MEDIA_TYPE {
        return Err(bad(format!("layer media type {:?}", layer.media_type)));
    }
    if layer.size > max {
        return Err(Error::TooLarge {
            what: format!("layer of {r}"),
            limit: max,
            field: "max_db_bytes",
        });
    }
    Ok(layer.clone())
}

/// Pulls the database artifact at `reference` and swaps it in at `db_path`.
pub fn pull_with(
    reference: &Reference,
    db_path: &Path,
    config: &ClientConfig,
    opts: &PullOptions,
) -> Result<PullSummary, Error> {
    let reg_err = |source| Error::Registry {
        reference: reference.to_string(),
        source,
    };
    let client = Client::new(config.clone()).map_err(reg_err)?;
    let fetched = client
        .get_manifest(reference, &[mt::OCI_MANIFEST])
        .map_err(reg_err)?;
    let layer = check_manifest(reference, &fetched.bytes, opts.max_db_bytes)?;

    // The blob goes to a file first: the client reports end of stream only
    // after the digest and size matched, so nothing unverified is decoded.
    let blob = TempFile::beside(db_path, "blob");
    {
        let f = std::fs::File::create(&blob.0).map_err(io_err(&blob.0))?;
        let mut w = std::io::BufWriter::new(f);
        client
            .fetch_blob_to(reference, &layer.digest, Some(layer.size), &mut w)
            .map_err(reg_err)?;
    }
    let db_tmp = TempFile::beside(db_path, "pull");
    if layer.media_type == LAYER_MEDIA_TYPE_ZSTD {
        let src = std::fs::File::open(&blob.0).map_err(io_err(&blob.0))?;
        let dec = zstd::stream::read::Decoder::new(src).map_err(io_err(&blob.0))?;
        let out = std::fs::File::create(&db_tmp.0).map_err(io_err(&db_tmp.0))?;
        let mut w = std::io::BufWriter::new(out);
        let n = std::io::copy(&mut dec.take(opts.max_db_bytes + 1), &mut w).map_err(|e| {
            Error::BadArtifact {
                reference: reference.to_string(),
                detail: format!("the layer does not decompress: {e}"),
            }
        })?;
        if n > opts.max_db_bytes {
            return Err(Error::TooLarge {
                what: format!("database in {reference}"),
                limit: opts.max_db_bytes,
                field: "max_db_bytes",
            });
        }
        let f = w
            .into_inner()
            .map_err(|e| io_err(&db_tmp.0)(e.into_error()))?;
        f.sync_all().map_err(io_err(&db_tmp.0))?;
    } else {
        std::fs::rename(&blob.0, &db_tmp.0).map_err(io_err(&db_tmp.0))?;
    }
    drop(blob);
    // The database checks its own header, schema and checksum.
    let status = Database::open(&db_tmp.0).map_err(Error::Database)?.status();
    std::fs::rename(&db_tmp.0, db_path).map_err(io_err(db_path))?;
    if let Ok(d) = std::fs::File::open(parent_dir(db_path)) {
        let _ = d.sync_all();
    }
    Ok(PullSummary {
        manifest_digest: fetched.digest,
        layer_digest: layer.digest,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        Reference::parse("127.0.0.1:5000/customs/db:1").unwrap()
    }

    fn manifest(artifact: Option<&str>, schema: &str, layers: usize) -> Vec<u8> {
        let layer = serde_json::json!({
            "mediaType": LAYER_MEDIA_TYPE_ZSTD,
            "digest": format!("sha256:{}", "a".repeat(64)),
            "size": 10,
        });
        let mut m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": mt::OCI_MANIFEST,
            "config": {"mediaType": mt::OCI_EMPTY, "digest": sha256(EMPTY_CONFIG).to_string(), "size": 2},
            "layers": vec![layer; layers],
            "annotations": {ANNOTATION_SCHEMA_VERSION: schema},
        });
        if let Some(a) = artifact {
            m["artifactType"] = a.into();
        }
        serde_json::to_vec(&m).unwrap()
    }

    #[test]
    fn manifests_are_checked_before_any_download() {
        let r = reference();
        let ok = manifest(Some(ARTIFACT_TYPE), &SCHEMA_VERSION.to_string(), 1);
        assert_eq!(check_manifest(&r, &ok, 100).unwrap().size, 10);
        assert!(matches!(
            check_manifest(&r, &ok, 5),
            Err(Error::TooLarge { .. })
        ));
        let image = manifest(None, "1", 1);
        assert!(matches!(
            check_manifest(&r, &image, 100),
            Err(Error::NotAVulnDb { found: Some(f), .. }) if f == mt::OCI_EMPTY
        ));
        let other = manifest(Some("application/vnd.other"), "1", 1);
        assert!(matches!(
            check_manifest(&r, &other, 100),
            Err(Error::NotAVulnDb { .. })
        ));
        let newer = manifest(Some(ARTIFACT_TYPE), "999", 1);
        assert!(matches!(
            check_manifest(&r, &newer, 100),
            Err(Error::SchemaMismatch { .. })
        ));
        let two = manifest(Some(ARTIFACT_TYPE), &SCHEMA_VERSION.to_string(), 2);
        assert!(matches!(
            check_manifest(&r, &two, 100),
            Err(Error::BadArtifact { .. })
        ));
        assert!(matches!(
            check_manifest(&r, b"[]", 100),
            Err(Error::BadArtifact { .. })
        ));
    }

    #[test]
    fn empty_config_digest_is_the_well_known_one() {
        assert_eq!(
            sha256(EMPTY_CONFIG).to_string(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
