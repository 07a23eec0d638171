//! OCI image layouts, as a directory or a tar of one.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use customs_model::Digest;
use customs_oci::{media_type as mt, Descriptor, Index, ManifestKind};

use super::tar_index::TarIndex;
use super::BlobSource;
use crate::error::io_err;
use crate::image::{read_verified, Resolved};
use crate::{Error, OpenOptions, Selector};

/// Annotation naming a tag in `index.json`.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Blob storage of a layout.
pub(crate) enum OciStore {
    /// A layout directory.
    Dir(PathBuf),
    /// A layout inside a tar archive.
    Tar(TarIndex, PathBuf),
}

impl OciStore {
    fn blob_path(d: &Digest) -> String {
        format!("blobs/{}/{}", d.algorithm().name(), d.hex())
    }

    fn read_file(&self, name: &str, max: u64) -> Result<Vec<u8>, Error> {
        match self {
            Self::Dir(root) => {
                let p = root.join(name);
                let f = File::open(&p).map_err(io_err(&p))?;
                let mut out = Vec::new();
                f.take(max + 1).read_to_end(&mut out).map_err(io_err(&p))?;
                if out.len() as u64 > max {
                    return Err(Error::LimitExceeded {
                        what: format!("{}", p.display()),
                        limit: max,
                        unit: "bytes",
                        flag: "--max-manifest-bytes",
                    });
                }
                Ok(out)
            }
            Self::Tar(index, path) => index.read(name, max).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::Missing {
                        what: name.to_owned(),
                        source_name: path.display().to_string(),
                    }
                } else {
                    Error::Io {
                        path: path.clone(),
                        source: e,
                    }
                }
            }),
        }
    }

    fn exists(&self, name: &str) -> bool {
        match self {
            Self::Dir(root) => root.join(name).is_file(),
            Self::Tar(index, _) => index.contains(name),
        }
    }
}

impl BlobSource for OciStore {
    fn open_blob(&self, descriptor: &Descriptor) -> Result<super::BlobReader<'_>, Error> {
        let name = Self::blob_path(&descriptor.digest);
        let missing = || Error::Missing {
            what: format!("blob {}", descriptor.digest),
            source_name: self.name(),
        };
        match self {
            Self::Dir(root) => {
                let p = root.join(&name);
                let f = File::open(&p).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        missing()
                    } else {
                        Error::Io {
                            path: p.clone(),
                            source: e,
                        }
                    }
                })?;
                let size = f.metadata().map_err(io_err(&p))?.len();
                super::open_file_range(f, 0, size).map_err(io_err(&p))
            }
            Self::Tar(index, path) => {
                if !index.contains(&name) {
                    return Err(missing());
                }
                index.open_member(&name).map_err(io_err(path))
            }
        }
    }

    fn resident(&self, descriptor: &Descriptor) -> bool {
        let name = Self::blob_path(&descriptor.digest);
        match self {
            Self::Dir(root) => File::open(root.join(&name)).is_ok_and(|f| {
                f.metadata()
                    .is_ok_and(|m| super::once::cached(&f, 0, m.len()))
            }),
            Self::Tar(index, _) => index.resident(&name),
        }
    }

    fn known_sha256(&self, descriptor: &Descriptor) -> Option<customs_model::Digest> {
        match self {
            Self::Dir(_) => None,
            Self::Tar(index, _) => index.known_sha256(&Self::blob_path(&descriptor.digest)),
        }
    }

    fn name(&self) -> String {
        match self {
            Self::Dir(p) | Self::Tar(_, p) => format!("oci-layout:{}", p.display()),
        }
    }
}

fn ref_names(index: &Index) -> String {
    let names: Vec<String> = index
        .manifests
        .iter()
        .map(|d| match d.annotations.get(REF_NAME) {
            Some(n) => format!(":{n}"),
            None => format!("@{}", d.digest),
        })
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn tag_matches(annotation: &str, tag: &str) -> bool {
    annotation == tag || annotation.rsplit_once(':').is_some_and(|(_, t)| t == tag)
}

/// Opens a layout directory or tar and resolves the selected image.
pub(crate) fn open_oci_layout(
    path: &Path,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<Resolved, Error> {
    let store = if path.is_dir() {
        OciStore::Dir(path.to_path_buf())
    } else {
        OciStore::Tar(
            TarIndex::open(path, &opts.temp_dir, opts.limits.max_total_uncompressed)?,
            path.to_path_buf(),
        )
    };
    open_store(store, path, selector, opts)
}

pub(crate) fn open_store(
    store: OciStore,
    path: &Path,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<Resolved, Error> {
    let source_name = store.name();
    if !store.exists("index.json") {
        return Err(Error::Missing {
            what: "index.json".into(),
            source_name,
        });
    }
    let index_bytes = store.read_file("index.json", opts.limits.max_manifest_bytes)?;
    let index: Index = serde_json::from_slice(&index_bytes).map_err(|source| Error::BadJson {
        what: format!("{}/index.json", path.display()),
        source,
    })?;
    let chosen: Descriptor = match selector {
        Some(Selector::Tag(tag)) => index
            .manifests
            .iter()
            .find(|d| {
                d.annotations
                    .get(REF_NAME)
                    .is_some_and(|n| tag_matches(n, tag))
            })
            .cloned()
            .ok_or_else(|| Error::NoSuchImage {
                selector: format!(":{tag}"),
                source_name: source_name.clone(),
                choices: ref_names(&index),
            })?,
        Some(Selector::Digest(d)) => match index.manifests.iter().find(|m| &m.digest == d) {
            Some(m) => m.clone(),
            // A platform manifest inside a nested index may be named directly.
            None => Descriptor {
                media_type: mt::OCI_MANIFEST.to_owned(),
                digest: d.clone(),
                size: 0,
                platform: None,
                annotations: Default::default(),
                artifact_type: None,
                urls: Vec::new(),
            },
        },
        None => match index.manifests.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Error::Missing {
                    what: "any image in index.json".into(),
                    source_name,
                })
            }
            many if many.iter().all(|d| d.platform.is_some()) => {
                // The top index is itself a multi-platform index.
                let wanted = opts
                    .platform
                    .clone()
                    .unwrap_or_else(customs_oci::Platform::host);
                index
                    .select(&wanted)
                    .cloned()
                    .ok_or_else(|| Error::NoPlatform {
                        wanted: wanted.to_string(),
                        available: index.platforms().join(", "),
                    })?
            }
            many => {
                return Err(Error::Ambiguous {
                    source_name,
                    count: many.len(),
                    choices: ref_names(&index),
                })
            }
        },
    };
    let store: Box<dyn BlobSource> = Box::new(store);
    let mut resolved = crate::image::resolve_descriptor(store, chosen, opts, 0)?;
    if let Some(Selector::Tag(t)) = selector {
        resolved.repo_tags.push(t.clone());
    }
    Ok(resolved)
}

/// Reads and classifies a manifest blob.
pub(crate) fn read_manifest(
    source: &dyn BlobSource,
    desc: &Descriptor,
    opts: &OpenOptions,
) -> Result<(Vec<u8>, ManifestKind), Error> {
    let bytes = read_verified(source, desc, opts.limits.max_manifest_bytes, "manifest")?;
    let kind =
        customs_oci::parse_manifest_kind(&bytes, Some(&desc.media_type)).map_err(|source| {
            Error::Manifest {
                what: desc.digest.to_string(),
                source,
            }
        })?;
    Ok((bytes, kind))
}
