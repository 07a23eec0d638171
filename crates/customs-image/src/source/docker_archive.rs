//! `docker save` archives: `manifest.json` + config + one tar per layer
//! (or, from newer Docker, an OCI layout inside the tar).

use std::path::{Path, PathBuf};

use customs_model::{Digest, DigestAlgorithm};
use customs_oci::{media_type as mt, Descriptor, Manifest};
use serde::Deserialize;

use super::oci_layout::{open_store, OciStore};
use super::tar_index::TarIndex;
use super::BlobSource;
use crate::image::Resolved;
use crate::verify::{digest_of, HashingReader};
use crate::{Error, OpenOptions, Selector};

/// Media type of an uncompressed Docker layer (as `docker save` stores it).
pub(crate) const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArchiveEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

/// Blobs of a docker archive, by their member names.
struct ArchiveBlobs {
    index: std::sync::Arc<TarIndex>,
    path: PathBuf,
    /// digest → member name
    names: Vec<(Digest, String)>,
}

impl ArchiveBlobs {
    /// The archive member holding the blob.
    fn member(&self, descriptor: &Descriptor) -> Option<&str> {
        self.names
            .iter()
            .find(|(d, _)| d == &descriptor.digest)
            .map(|(_, n)| n.as_str())
    }
}

impl BlobSource for ArchiveBlobs {
    fn open_blob(&self, descriptor: &Descriptor) -> Result<super::BlobReader<'_>, Error> {
        let name = self.member(descriptor).ok_or_else(|| Error::Missing {
            what: format!("blob {}", descriptor.digest),
            source_name: self.name(),
        })?;
        self.index.open_member(name).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn known_sha256(&self, descriptor: &Descriptor) -> Option<Digest> {
        self.index.known_sha256(self.member(descriptor)?)
    }

    fn resident(&self, descriptor: &Descriptor) -> bool {
        self.member(descriptor)
            .is_some_and(|name| self.index.resident(name))
    }

    fn name(&self) -> String {
        format!("docker-archive:{}", self.path.display())
    }
}

fn tag_matches(repo_tag: &str, wanted: &str) -> bool {
    if repo_tag == wanted {
        return true;
    }
    // `:latest` matches `docker.io/x/y:latest`; `y:latest` matches it too.
    let tag_part = |s: &str| {
        s.rsplit_once(':')
            .map(|(n, t)| (n.to_owned(), t.to_owned()))
    };
    match (tag_part(repo_tag), wanted.contains(':')) {
        (Some((_, t)), false) => t == wanted,
        (Some((n, t)), true) => tag_part(wanted)
            .is_some_and(|(wn, wt)| wt == t && (n == wn || n.ends_with(&format!("/{wn}")))),
        _ => false,
    }
}

/// Opens a docker archive and resolves the selected image.
pub(crate) fn open_docker_archive(
    path: &Path,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<Resolved, Error> {
    let index = TarIndex::open(path, &opts.temp_dir, opts.limits.max_total_uncompressed)?;
    let source_name = format!("docker-archive:{}", path.display());
    if !index.contains("manifest.json") {
        if index.contains("index.json") {
            // Newer `docker save` writes an OCI layout; read it as one.
            return open_store(
                OciStore::Tar(index, path.to_path_buf()),
                path,
                selector,
                opts,
            );
        }
        return Err(Error::Missing {
            what: "manifest.json".into(),
            source_name,
        });
    }
    let manifest_bytes = index
        .read("manifest.json", opts.limits.max_manifest_bytes)
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    let entries: Vec<ArchiveEntry> =
        serde_json::from_slice(&manifest_bytes).map_err(|source| Error::BadJson {
            what: format!("{}: manifest.json", path.display()),
            source,
        })?;
    let choices = || {
        entries
            .iter()
            .flat_map(|e| {
                e.repo_tags
                    .clone()
                    .unwrap_or_else(|| vec![format!("config {}", e.config)])
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Config digests, needed for digest selection and the image ID.
    let mut configs = Vec::with_capacity(entries.len());
    for e in &entries {
        let bytes = index
            .read(&e.config, opts.limits.max_config_bytes)
            .map_err(|err| {
                if err.kind() == std::io::ErrorKind::NotFound {
                    Error::Missing {
                        what: format!("config {}", e.config),
                        source_name: source_name.clone(),
                    }
                } else {
                    Error::Io {
                        path: path.to_path_buf(),
                        source: err,
                    }
                }
            })?;
        let digest = digest_of(DigestAlgorithm::Sha256, &bytes);
        // A config named by its digest must hash to that name.
        let stem = e
            .config
            .trim_start_matches("blobs/sha256/")
            .trim_end_matches(".json");
        if stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && stem != digest.hex() {
            let expected =
                format!("sha256:{stem}")
                    .parse::<Digest>()
                    .map_err(|_| Error::Missing {
                        what: "a valid config name".into(),
                        source_name: source_name.clone(),
                    })?;
            return Err(Error::DigestMismatch {
                expected,
                actual: digest,
            });
        }
        configs.push((bytes, digest));
    }
    let pick = match selector {
        None => match entries.len() {
            0 => {
                return Err(Error::Missing {
                    what: "any image in manifest.json".into(),
                    source_name,
                })
            }
            1 => 0,
            n => {
                return Err(Error::Ambiguous {
                    source_name,
                    count: n,
                    choices: choices(),
                })
            }
        },
        Some(Selector::Tag(t)) => entries
            .iter()
            .position(|e| e.repo_tags.iter().flatten().any(|rt| tag_matches(rt, t)))
            .ok_or_else(|| Error::NoSuchImage {
                selector: format!(":{t}"),
                source_name: source_name.clone(),
                choices: choices(),
            })?,
        Some(Selector::Digest(d)) => {
            configs
                .iter()
                .position(|(_, cd)| cd == d)
                .ok_or_else(|| Error::NoSuchImage {
                    selector: format!("@{d} (docker archives are selected by image ID)"),
                    source_name: source_name.clone(),
                    choices: choices(),
                })?
        }
    };
    let entry = entries.get(pick).ok_or_else(|| Error::Missing {
        what: "selected image".into(),
        source_name: source_name.clone(),
    })?;
    let (config_bytes, config_digest) = configs.swap_remove(pick);
    let config = crate::image::parse_config(&config_bytes, &config_digest, entry.layers.len())?;
    let mut names = vec![(config_digest.clone(), entry.config.clone())];
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (layer_name, diff_id) in entry.layers.iter().zip(&config.rootfs.diff_ids) {
        let member = index.get(layer_name).ok_or_else(|| Error::Missing {
            what: format!("layer {layer_name}"),
            source_name: source_name.clone(),
        })?;
        let size = member.size;
        let mut head = [0u8; 4];
        let got = index
            .read_head(layer_name, &mut head)
            .map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
        let compression = mt::sniff_compression(head.get(..got).unwrap_or(&[]));
        let (media_type, digest) = match compression {
            mt::Compression::None => (DOCKER_LAYER_TAR.to_owned(), diff_id.clone()),
            // Compressed layers in an archive: the blob digest is not the
            // diffID; name it by its content (hashed once, here, unless the
            // archive was inflated into our copy and hashed on the way).
            other => {
                let mtype = if other == mt::Compression::Zstd {
                    mt::OCI_LAYER_ZSTD
                } else {
                    mt::DOCKER_LAYER_GZIP
                };
                let digest = match index.known_sha256(layer_name) {
                    Some(known) => known,
                    None => {
                        let io = |e| Error::Io {
                            path: path.to_path_buf(),
                            source: e,
                        };
                        let r = index.open_member(layer_name).map_err(io)?;
                        let mut h = HashingReader::new(r, Some(DigestAlgorithm::Sha256), u64::MAX);
                        std::io::copy(&mut h, &mut std::io::sink()).map_err(io)?;
                        let (d, _) = h.drain_and_finish().map_err(io)?;
                        d.unwrap_or_else(|| diff_id.clone())
                    }
                };
                (mtype.to_owned(), digest)
            }
        };
        names.push((digest.clone(), layer_name.clone()));
        layers.push(Descriptor {
            media_type,
            digest,
            size,
            platform: None,
            annotations: Default::default(),
            artifact_type: None,
            urls: Vec::new(),
        });
    }
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(mt::DOCKER_MANIFEST.to_owned()),
        artifact_type: None,
        config: Descriptor {
            media_type: mt::DOCKER_CONFIG.to_owned(),
            digest: config_digest.clone(),
            size: config_bytes.len() as u64,
            platform: None,
            annotations: Default::default(),
            artifact_type: None,
            urls: Vec::new(),
        },
        layers,
        subject: None,
        annotations: Default::default(),
    };
    let source = ArchiveBlobs {
        index: std::sync::Arc::new(index),
        path: path.to_path_buf(),
        names,
    };
    Ok(Resolved {
        source: Box::new(source),
        manifest,
        manifest_digest: None,
        manifest_media_type: None,
        index_digest: None,
        config_bytes,
        config_digest,
        config,
        repo_tags: entry.repo_tags.clone().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::tag_matches;

    #[test]
    fn tags() {
        let rt = "docker.io/customs-fixtures/polyglot-app:latest";
        assert!(tag_matches(rt, "latest"));
        assert!(tag_matches(rt, "polyglot-app:latest"));
        assert!(tag_matches(rt, rt));
        assert!(!tag_matches(rt, "v1"));
        assert!(!tag_matches(rt, "other:latest"));
    }
}
