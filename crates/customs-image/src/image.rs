//! Opening a target into an [`Image`].

use std::io::Read;
use std::path::PathBuf;

use customs_model::Digest;
use customs_oci::{Descriptor, History, ImageConfig, Manifest, ManifestKind, Platform};

use crate::source::{open_docker_archive, open_oci_layout, BlobSource};
use crate::verify::HashingReader;
use crate::{Error, Limits, Target};

/// How to open images.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Wanted platform for multi-platform images; `None` = the host's.
    pub platform: Option<Platform>,
    /// Bounds on untrusted input.
    pub limits: Limits,
    /// Where temporary files may be written (a gzip archive is inflated there).
    pub temp_dir: PathBuf,
    /// Registry client settings (TLS, credentials, insecure hosts).
    pub registry: customs_registry::ClientConfig,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            platform: None,
            limits: Limits::default(),
            temp_dir: std::env::temp_dir(),
            registry: customs_registry::ClientConfig::default(),
        }
    }
}

/// One layer of an image.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    /// Position, 0 = base.
    pub index: usize,
    /// The manifest's descriptor (media type, blob digest, compressed size).
    pub descriptor: Descriptor,
    /// Digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    /// The history entry that created the layer, if the config has one.
    pub history: Option<History>,
}

/// A resolved image: verified manifest and config, and where its blobs are.
pub struct Image {
    /// The target as the user gave it (normalised).
    pub target: Target,
    /// Tags the source associates with the image (`RepoTags`, ref names, the reference's tag).
    pub repo_tags: Vec<String>,
    /// Digest of the manifest, when the source has a real one (not for docker archives or dirs).
    pub manifest_digest: Option<Digest>,
    /// Media type of the manifest.
    pub manifest_media_type: Option<String>,
    /// Digest of the index the manifest was chosen from, if any.
    pub index_digest: Option<Digest>,
    /// The manifest (synthesised for docker archives; `None` for dirs).
    pub manifest: Option<Manifest>,
    /// Digest of the config blob: the image ID (`None` for dirs).
    pub config_digest: Option<Digest>,
    /// The exact config bytes.
    pub config_bytes: Vec<u8>,
    /// The parsed config (default for dirs).
    pub config: ImageConfig,
    /// Layers, base first (empty for dirs).
    pub layers: Vec<LayerInfo>,
    /// Root directory for `dir:` targets.
    pub root_dir: Option<PathBuf>,
    pub(crate) source: Option<Box<dyn BlobSource>>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("target", &self.target)
            .field("manifest_digest", &self.manifest_digest)
            .field("config_digest", &self.config_digest)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

impl Image {
    /// Opens a layer blob as stored (compressed as the descriptor says).
    /// The caller must verify it; [`crate::walk`] does.
    pub fn open_layer_blob(
        &self,
        layer: &LayerInfo,
    ) -> Result<crate::source::BlobReader<'_>, Error> {
        match &self.source {
            Some(s) => s.open_blob(&layer.descriptor),
            None => Err(Error::Missing {
                what: format!("layer {}", layer.index),
                source_name: self.target.to_string(),
            }),
        }
    }

    /// The layer blob's SHA-256 when the source computed it already (see
    /// [`BlobSource::known_sha256`]).
    pub(crate) fn known_layer_sha256(&self, layer: &LayerInfo) -> Option<customs_model::Digest> {
        self.source
            .as_ref()
            .and_then(|s| s.known_sha256(&layer.descriptor))
    }

    /// Whether reading the layer's blob will not wait for a disk or a
    /// network (see [`BlobSource::resident`]).
    pub(crate) fn layer_blob_resident(&self, layer: &LayerInfo) -> bool {
        self.source
            .as_ref()
            .is_some_and(|s| s.resident(&layer.descriptor))
    }

    /// The platform the config states.
    pub fn platform(&self) -> Platform {
        self.config.platform()
    }
}

/// What a source resolves to before it becomes an [`Image`].
pub(crate) struct Resolved {
    pub(crate) source: Box<dyn BlobSource>,
    pub(crate) manifest: Manifest,
    pub(crate) manifest_digest: Option<Digest>,
    pub(crate) manifest_media_type: Option<String>,
    pub(crate) index_digest: Option<Digest>,
    pub(crate) config_bytes: Vec<u8>,
    pub(crate) config_digest: Digest,
    pub(crate) config: ImageConfig,
    pub(crate) repo_tags: Vec<String>,
}

/// Reads a small blob whole, verifying its size and digest.
pub(crate) fn read_verified(
    source: &dyn BlobSource,
    desc: &Descriptor,
    max: u64,
    what: &str,
) -> Result<Vec<u8>, Error> {
    if desc.size > max {
        return Err(Error::LimitExceeded {
            what: format!("{what} {} ({} bytes)", desc.digest, desc.size),
            limit: max,
            unit: "bytes",
            flag: "--max-manifest-bytes",
        });
    }
    let r = source.open_blob(desc)?;
    let mut h = HashingReader::new(r, Some(desc.digest.algorithm()), max);
    let mut out = Vec::new();
    h.read_to_end(&mut out).map_err(|e| {
        if crate::verify::is_limit_breach(&e) {
            Error::LimitExceeded {
                what: format!("{what} {}", desc.digest),
                limit: max,
                unit: "bytes",
                flag: "--max-manifest-bytes",
            }
        } else {
            Error::Io {
                path: PathBuf::from(source.name()),
                source: e,
            }
        }
    })?;
    let (actual, n) = h.drain_and_finish().map_err(|e| Error::Io {
        path: PathBuf::from(source.name()),
        source: e,
    })?;
    if let Some(actual) = actual {
        if actual != desc.digest {
            return Err(Error::DigestMismatch {
                expected: desc.digest.clone(),
                actual,
            });
        }
    }
    // Size 0 in a descriptor we made up means "unknown"; a real mismatch is an error.
    if desc.size != 0 && n != desc.size {
        return Err(Error::SizeMismatch {
            digest: desc.digest.clone(),
            expected: desc.size,
            actual: n,
        });
    }
    Ok(out)
}

/// Parses a config blob and checks it names one diffID per manifest layer.
pub(crate) fn parse_config(
    bytes: &[u8],
    digest: &Digest,
    layers: usize,
) -> Result<ImageConfig, Error> {
    let config: ImageConfig = serde_json::from_slice(bytes).map_err(|source| Error::BadJson {
        what: format!("config {digest}"),
        source,
    })?;
    if config.rootfs.diff_ids.len() != layers {
        return Err(Error::LayerCountMismatch {
            layers,
            diff_ids: config.rootfs.diff_ids.len(),
        });
    }
    Ok(config)
}

/// Follows a descriptor (index or manifest) down to a single image.
pub(crate) fn resolve_descriptor(
    source: Box<dyn BlobSource>,
    desc: Descriptor,
    opts: &OpenOptions,
    depth: usize,
) -> Result<Resolved, Error> {
    let mut desc = desc;
    let mut index_digest = None;
    for level in depth..=opts.limits.max_index_depth {
        let (bytes, kind) = crate::source::oci_layout_read_manifest(source.as_ref(), &desc, opts)?;
        match kind {
            ManifestKind::Index(index) => {
                let wanted = opts.platform.clone().unwrap_or_else(Platform::host);
                index_digest.get_or_insert_with(|| desc.digest.clone());
                desc = index
                    .select(&wanted)
                    .cloned()
                    .ok_or_else(|| Error::NoPlatform {
                        wanted: wanted.to_string(),
                        available: index.platforms().join(", "),
                    })?;
                let _ = level;
            }
            ManifestKind::Manifest(manifest) => {
                drop(bytes);
                let config_bytes = read_verified(
                    source.as_ref(),
                    &manifest.config,
                    opts.limits.max_config_bytes,
                    "config",
                )?;
                let config = parse_config(
                    &config_bytes,
                    &manifest.config.digest,
                    manifest.layers.len(),
                )?;
                let media = manifest
                    .media_type
                    .clone()
                    .or_else(|| Some(desc.media_type.clone()));
                return Ok(Resolved {
                    source,
                    config_digest: manifest.config.digest.clone(),
                    manifest,
                    manifest_digest: Some(desc.digest),
                    manifest_media_type: media,
                    index_digest,
                    config_bytes,
                    config,
                    repo_tags: Vec::new(),
                });
            }
        }
    }
    Err(Error::IndexTooDeep(opts.limits.max_index_depth))
}

fn into_image(target: Target, r: Resolved) -> Image {
    let history = r.config.layer_history();
    let layers = r
        .manifest
        .layers
        .iter()
        .zip(&r.config.rootfs.diff_ids)
        .enumerate()
        .map(|(index, (descriptor, diff_id))| LayerInfo {
            index,
            descriptor: descriptor.clone(),
            diff_id: diff_id.clone(),
            history: history.get(index).copied().flatten().cloned(),
        })
        .collect();
    Image {
        target,
        repo_tags: r.repo_tags,
        manifest_digest: r.manifest_digest,
        manifest_media_type: r.manifest_media_type,
        index_digest: r.index_digest,
        manifest: Some(r.manifest),
        config_digest: Some(r.config_digest),
        config_bytes: r.config_bytes,
        config: r.config,
        layers,
        root_dir: None,
        source: Some(r.source),
    }
}

/// Opens a target: reads and verifies its manifest and config.
pub fn open(target: &Target, opts: &OpenOptions) -> Result<Image, Error> {
    match target {
        Target::DockerArchive { path, selector } => {
            let r = open_docker_archive(path, selector.as_ref(), opts)?;
            Ok(into_image(target.clone(), r))
        }
        Target::OciLayout { path, selector } => {
            let r = open_oci_layout(path, selector.as_ref(), opts)?;
            Ok(into_image(target.clone(), r))
        }
        Target::Dir { path } => {
            if !path.is_dir() {
                return Err(Error::Io {
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
                });
            }
            Ok(Image {
                target: target.clone(),
                repo_tags: Vec::new(),
                manifest_digest: None,
                manifest_media_type: None,
                index_digest: None,
                manifest: None,
                config_digest: None,
                config_bytes: Vec::new(),
                config: ImageConfig::default(),
                layers: Vec::new(),
                root_dir: Some(path.clone()),
                source: None,
            })
        }
        Target::Registry(reference) => {
            let r = crate::source::open_registry(reference, opts)?;
            Ok(into_image(target.clone(), r))
        }
        Target::Sbom { path } => Err(Error::InvalidTarget {
            target: format!("sbom:{}", path.display()),
            reason: "an SBOM is not an image; use it with `customs scan`".into(),
        }),
    }
}
