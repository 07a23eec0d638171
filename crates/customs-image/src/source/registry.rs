//! Images in registries (through `customs-registry`).

use customs_oci::{media_type as mt, ManifestKind, Platform, Reference};
use customs_registry::blocking::Client;

use super::BlobSource;
use crate::image::Resolved;
use crate::{Error, OpenOptions};

// A download arrives in the network's own chunks; nothing to swap.
impl super::ChunkRead for customs_registry::blocking::BlobReader {}

/// Blobs of one repository.
struct RegistryBlobs {
    client: Client,
    repo: Reference,
}

impl BlobSource for RegistryBlobs {
    fn open_blob(
        &self,
        descriptor: &customs_oci::Descriptor,
    ) -> Result<super::BlobReader<'_>, Error> {
        let r = self
            .client
            .get_blob_for(&self.repo, descriptor)
            .map_err(|e| registry_err(&self.repo, e))?;
        Ok(Box::new(r))
    }

    fn name(&self) -> String {
        format!("registry:{}", self.repo.name())
    }
}

fn registry_err(reference: &Reference, e: customs_registry::Error) -> Error {
    Error::Registry {
        reference: reference.to_string(),
        source: Box::new(e),
    }
}

/// Resolves a registry reference to an image: manifest (through an index for
/// the wanted platform), then the config; every document digest-verified.
pub(crate) fn open_registry(reference: &Reference, opts: &OpenOptions) -> Result<Resolved, Error> {
    let mut cfg = opts.registry.clone();
    cfg.max_manifest_bytes = cfg.max_manifest_bytes.min(opts.limits.max_manifest_bytes);
    let client = Client::new(cfg).map_err(|e| registry_err(reference, e))?;
    let mut current = reference.clone();
    let mut index_digest = None;
    for _ in 0..=opts.limits.max_index_depth {
        let fetched = client
            .get_manifest(&current, mt::MANIFEST_ACCEPT)
            .map_err(|e| registry_err(&current, e))?;
        let kind = customs_oci::parse_manifest_kind(&fetched.bytes, Some(&fetched.media_type))
            .map_err(|source| Error::Manifest {
                what: current.to_string(),
                source,
            })?;
        match kind {
            ManifestKind::Index(index) => {
                let wanted = opts.platform.clone().unwrap_or_else(Platform::host);
                index_digest.get_or_insert_with(|| fetched.digest.clone());
                let entry = index.select(&wanted).ok_or_else(|| Error::NoPlatform {
                    wanted: wanted.to_string(),
                    available: index.platforms().join(", "),
                })?;
                current = reference.with_digest(entry.digest.clone());
            }
            ManifestKind::Manifest(manifest) => {
                let config_bytes = client
                    .get_blob_bytes(
                        &current,
                        &manifest.config.digest,
                        opts.limits.max_config_bytes,
                    )
                    .map_err(|e| registry_err(&current, e))?;
                let config = crate::image::parse_config(
                    &config_bytes,
                    &manifest.config.digest,
                    manifest.layers.len(),
                )?;
                let repo_tags = reference
                    .tag()
                    .map(|t| vec![format!("{}:{t}", reference.name())])
                    .unwrap_or_default();
                return Ok(Resolved {
                    source: Box::new(RegistryBlobs {
                        client,
                        repo: current,
                    }),
                    config_digest: manifest.config.digest.clone(),
                    manifest_media_type: manifest.media_type.clone().or(Some(fetched.media_type)),
                    manifest,
                    manifest_digest: Some(fetched.digest),
                    index_digest,
                    config_bytes,
                    config,
                    repo_tags,
                });
            }
        }
    }
    Err(Error::IndexTooDeep(opts.limits.max_index_depth))
}
