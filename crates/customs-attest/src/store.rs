//! Signatures and attestations in a registry, in the three layouts users
//! have today (facts: the OCI distribution and image specs, cosign v2 and v3):
//!
//! * **bundle** (cosign v3 default): a Sigstore bundle v0.3 blob as the one
//!   layer of an OCI 1.1 artifact manifest (`artifactType` = the bundle media
//!   type, empty config, `subject` = the image), found through the referrers
//!   API;
//! * **fallback tag**: on a registry without the referrers API the client
//!   keeps the image index under tag `sha256-<hex>` itself (fetch, dedupe,
//!   append, push), as the distribution spec says;
//! * **legacy** (cosign v2, Kyverno's `Cosign` verifier): one manifest per
//!   image under `sha256-<hex>.sig` (simple-signing payload layers, signature
//!   in a layer annotation) and `sha256-<hex>.att` (DSSE envelope layers);
//!   adding one appends a layer and keeps the others.
//!
//! Writing picks one layout; [`discover`] always reads all three. Nothing
//! here trusts what it reads: candidates are handed to the verifier in
//! [`crate::image`], and a tag or referrer that is not a signature object
//! is reported as a [`Problem`], never silently used or dropped.
//!
//! The read-modify-write of tags is racy, as it is for cosign: two writers
//! at once may lose one entry (the spec recommends ETags, which the
//! registry client does not expose).

use std::collections::BTreeMap;
use std::fmt;

use customs_model::DigestAlgorithm;
use customs_oci::{media_type as mt, Descriptor, Index, Manifest, ManifestKind, Reference};
use customs_registry::blocking::Client;
use customs_registry::Error as RegistryError;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::bundle::{MEDIA_TYPES as BUNDLE_MEDIA_TYPES, MEDIA_TYPE_V03 as BUNDLE_MEDIA_TYPE};
use crate::cosign::{
    tag_for, DSSE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING_MEDIA_TYPE,
};
use crate::{Digest, Limits};

/// Digest of the OCI empty descriptor's content (`{}`).
pub const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
/// Manifest annotation: when the referrer was made.
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// Manifest annotation cosign sets on bundle referrers: what the bundle holds.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// Manifest annotation cosign sets on bundle referrers: the predicate type.
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// Artifact type of in-toto referrers written by other tools (Docker, Trivy);
/// their DSSE layers are read too.
pub const IN_TOTO_ARTIFACT_TYPE: &str = "application/vnd.in-toto+json";

/// Which layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Sigstore bundle v0.3 as an OCI 1.1 referrer (fallback tag when the
    /// registry has no referrers API). cosign v3's default.
    #[default]
    Bundle,
    /// cosign v2's `.sig` / `.att` tags.
    Legacy,
}

/// Bounds on what discovery reads from a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Bounds on each document (bundle, envelope, payload).
    pub document: Limits,
    /// Most referrers (or fallback-index entries) looked at. Default 256.
    pub max_referrers: usize,
    /// Most layers read from one signature manifest. Default 256.
    pub max_layers: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            document: Limits::default(),
            max_referrers: 256,
            max_layers: 256,
        }
    }
}

/// Why a registry operation on signatures failed as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A registry request failed (not a plain "not found" where one is fine).
    #[error("cannot {action}")]
    Registry {
        /// What was being done.
        action: String,
        /// The registry client's error.
        #[source]
        source: RegistryError,
    },
    /// The image reference names an index or manifest the client cannot parse.
    #[error("{what} is not a manifest or index customs can read")]
    NotAManifest {
        /// What was fetched.
        what: String,
        /// The parse error.
        #[source]
        source: customs_oci::ManifestParseError,
    },
    /// A tag meant for signatures holds something else; overwriting it
    /// would destroy it.
    #[error("tag {tag} holds a {found}, not a {expected}; refusing to overwrite it")]
    NotSignatureObject {
        /// The tag.
        tag: String,
        /// What was expected there.
        expected: &'static str,
        /// What is there.
        found: String,
    },
    /// A signature manifest would get more layers than allowed.
    #[error("{what} already has {count} entries, the limit is {limit}")]
    TooMany {
        /// What is full.
        what: String,
        /// Entries now.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Serialising a manifest or index failed.
    #[error("cannot serialise {0}")]
    Serialize(&'static str, #[source] serde_json::Error),
}

fn registry(action: impl Into<String>) -> impl FnOnce(RegistryError) -> StoreError {
    let action = action.into();
    move |source| StoreError::Registry { action, source }
}

fn is_not_found(e: &RegistryError) -> bool {
    matches!(e, RegistryError::NotFound { .. })
}

/// An image resolved to the digest of the manifest (or index) its
/// reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference pinned to the digest.
    pub reference: Reference,
    /// The digest of the manifest bytes, computed here.
    pub digest: Digest,
    /// The manifest's media type.
    pub media_type: String,
    /// The manifest's size in bytes.
    pub size: u64,
    /// Whether the reference had to be resolved from a tag.
    pub from_tag: bool,
}

impl ResolvedImage {
    /// The descriptor a referrer's `subject` names.
    pub fn descriptor(&self) -> Descriptor {
        descriptor(&self.media_type, self.digest.clone(), self.size)
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        self.reference.name()
    }
}

fn descriptor(media_type: &str, digest: Digest, size: u64) -> Descriptor {
    Descriptor {
        media_type: media_type.to_owned(),
        digest,
        size,
        platform: None,
        annotations: BTreeMap::new(),
        artifact_type: None,
        urls: Vec::new(),
    }
}

fn sha256(bytes: &[u8]) -> Digest {
    Digest::from_bytes(DigestAlgorithm::Sha256, &Sha256::digest(bytes))
}

/// Fetches the manifest `reference` names and pins it to its digest (a
/// digest reference is verified against the bytes by the client).
pub fn resolve(client: &Client, reference: &Reference) -> Result<ResolvedImage, StoreError> {
    let fetched = client
        .get_manifest(reference, &[])
        .map_err(registry(format!("resolve {reference}")))?;
    fetched.parse().map_err(|source| StoreError::NotAManifest {
        what: reference.to_string(),
        source,
    })?;
    Ok(ResolvedImage {
        reference: reference.with_digest(fetched.digest.clone()),
        digest: fetched.digest,
        media_type: fetched.media_type,
        size: fetched.bytes.len() as u64,
        from_tag: reference.digest().is_none(),
    })
}

/// Where a signature object was written or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A referrer listed by the registry's referrers API.
    Referrer {
        /// The referrer manifest.
        manifest: Digest,
    },
    /// A referrer listed in the fallback tag's index.
    FallbackTag {
        /// The tag (`sha256-<hex>`).
        tag: String,
        /// The referrer manifest.
        manifest: Digest,
    },
    /// A layer of a legacy `.sig` or `.att` manifest.
    LegacyTag {
        /// The tag (`sha256-<hex>.sig` / `.att`).
        tag: String,
        /// The manifest under the tag.
        manifest: Digest,
        /// The layer's position.
        layer: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Referrer { manifest } => write!(f, "referrer {manifest}"),
            Self::FallbackTag { tag, manifest } => {
                write!(f, "referrer {manifest} (fallback tag {tag})")
            }
            Self::LegacyTag { tag, layer, .. } => write!(f, "tag {tag} layer {layer}"),
        }
    }
}

// ---------------------------------------------------------------- writing

/// The referrer (or legacy) manifest as written. Field order follows the
/// image spec; `data` on the empty config lets readers skip a fetch.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireManifest<'a> {
    schema_version: u32,
    media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    config: WireDescriptor<'a>,
    layers: Vec<WireDescriptor<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<WireDescriptor<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireDescriptor<'a> {
    media_type: &'a str,
    digest: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

impl<'a> WireDescriptor<'a> {
    fn of(d: &'a Descriptor) -> Self {
        Self {
            media_type: &d.media_type,
            digest: d.digest.to_string(),
            size: d.size,
            data: None,
            artifact_type: d.artifact_type.as_deref(),
            annotations: d.annotations.clone(),
        }
    }

    fn empty() -> Self {
        Self {
            media_type: mt::OCI_EMPTY,
            digest: EMPTY_DIGEST.to_owned(),
            size: 2,
            data: Some("e30="),
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Where the object now lives.
    pub location: Location,
    /// Whether the registry has the referrers API (bundle layout only;
    /// `false` for legacy writes, which do not ask).
    pub referrers_api: bool,
}

fn push_blob(client: &Client, repo: &Reference, bytes: &[u8]) -> Result<Digest, StoreError> {
    let digest = sha256(bytes);
    client
        .push_blob(repo, bytes, &digest)
        .map_err(registry(format!("push blob {digest} to {}", repo.name())))?;
    Ok(digest)
}

/// Pushes `bundle_json` as an OCI 1.1 referrer of `image`, then, when the
/// registry has no referrers API, adds it to the fallback tag's index.
/// `created` is an RFC 3339 time for the manifest annotation.
pub fn push_bundle(
    client: &Client,
    image: &ResolvedImage,
    bundle_json: &[u8],
    predicate_type: &str,
    created: &str,
) -> Result<Pushed, StoreError> {
    let repo = &image.reference;
    let layer_digest = push_blob(client, repo, bundle_json)?;
    push_blob(client, repo, b"{}")?;
    let annotations = BTreeMap::from([
        (CREATED_ANNOTATION.to_owned(), created.to_owned()),
        (
            BUNDLE_CONTENT_ANNOTATION.to_owned(),
            "dsse-envelope".to_owned(),
        ),
        (
            BUNDLE_PREDICATE_TYPE_ANNOTATION.to_owned(),
            predicate_type.to_owned(),
        ),
    ]);
    let layer = descriptor(BUNDLE_MEDIA_TYPE, layer_digest, bundle_json.len() as u64);
    let subject = image.descriptor();
    let manifest = WireManifest {
        schema_version: 2,
        media_type: mt::OCI_MANIFEST,
        artifact_type: Some(BUNDLE_MEDIA_TYPE),
        config: WireDescriptor::empty(),
        layers: vec![WireDescriptor::of(&layer)],
        subject: Some(WireDescriptor::of(&subject)),
        annotations: annotations.clone(),
    };
    let bytes =
        serde_json::to_vec(&manifest).map_err(|e| StoreError::Serialize("referrer manifest", e))?;
    let digest = sha256(&bytes);
    client
        .push_manifest(&repo.with_digest(digest.clone()), &bytes, mt::OCI_MANIFEST)
        .map_err(registry(format!(
            "push referrer manifest to {}",
            repo.name()
        )))?;
    // The registry client does not expose the OCI-Subject header, so ask
    // the referrers API directly whether the registry tracks subjects.
    let api = client
        .referrers(repo, &image.digest, None)
        .map_err(registry(format!("list referrers of {}", image.digest)))?;
    if api.is_some() {
        return Ok(Pushed {
            location: Location::Referrer { manifest: digest },
            referrers_api: true,
        });
    }
    let mut entry = descriptor(mt::OCI_MANIFEST, digest.clone(), bytes.len() as u64);
    entry.artifact_type = Some(BUNDLE_MEDIA_TYPE.to_owned());
    entry.annotations = annotations;
    let tag = add_to_fallback_index(client, image, entry)?;
    Ok(Pushed {
        location: Location::FallbackTag {
            tag,
            manifest: digest,
        },
        referrers_api: false,
    })
}

/// Fetches the fallback index of `image` (none yet: a new one), drops any
/// entry with the same digest, appends `entry` and pushes it back.
fn add_to_fallback_index(
    client: &Client,
    image: &ResolvedImage,
    entry: Descriptor,
) -> Result<String, StoreError> {
    let tag = tag_for(&image.digest, "");
    let tagged = image.reference.with_tag(&tag);
    // Accept every kind: see push_legacy_layer.
    let mut index = match client.get_manifest(&tagged, &[]) {
        Ok(fetched) => match fetched.parse() {
            Ok(ManifestKind::Index(i)) => i,
            Ok(ManifestKind::Manifest(_)) => {
                return Err(StoreError::NotSignatureObject {
                    tag,
                    expected: "referrers index",
                    found: format!("manifest ({})", fetched.media_type),
                })
            }
            Err(source) => {
                return Err(StoreError::NotAManifest {
                    what: tagged.to_string(),
                    source,
                })
            }
        },
        Err(e) if is_not_found(&e) => Index {
            schema_version: 2,
            media_type: Some(mt::OCI_INDEX.to_owned()),
            artifact_type: None,
            manifests: Vec::new(),
            subject: None,
            annotations: BTreeMap::new(),
        },
        Err(e) => return Err(registry(format!("fetch {tagged}"))(e)),
    };
    index.manifests.retain(|d| d.digest != entry.digest);
    index.manifests.push(entry);
    index.media_type = Some(mt::OCI_INDEX.to_owned());
    let bytes =
        serde_json::to_vec(&index).map_err(|e| StoreError::Serialize("referrers index", e))?;
    client
        .push_manifest(&tagged, &bytes, mt::OCI_INDEX)
        .map_err(registry(format!("push {tagged}")))?;
    Ok(tag)
}

/// Adds a cosign v2 signature (simple-signing `payload`, raw `signature`)
/// as a layer of `sha256-<hex>.sig`, keeping the layers already there.
pub fn push_legacy_signature(
    client: &Client,
    image: &ResolvedImage,
    payload: &[u8],
    signature: &[u8],
    limits: &StoreLimits,
) -> Result<Pushed, StoreError> {
    let annotations = BTreeMap::from([(
        SIGNATURE_ANNOTATION.to_owned(),
        crate::b64::encode(signature),
    )]);
    push_legacy_layer(
        client,
        image,
        "sig",
        SIMPLE_SIGNING_MEDIA_TYPE,
        payload,
        annotations,
        limits,
    )
}

/// Adds a cosign v2 attestation (DSSE envelope JSON) as a layer of
/// `sha256-<hex>.att`, keeping the layers already there.
pub fn push_legacy_attestation(
    client: &Client,
    image: &ResolvedImage,
    envelope_json: &[u8],
    predicate_type: &str,
    limits: &StoreLimits,
) -> Result<Pushed, StoreError> {
    let annotations = BTreeMap::from([
        (SIGNATURE_ANNOTATION.to_owned(), String::new()),
        (
            PREDICATE_TYPE_ANNOTATION.to_owned(),
            predicate_type.to_owned(),
        ),
    ]);
    push_legacy_layer(
        client,
        image,
        "att",
        DSSE_MEDIA_TYPE,
        envelope_json,
        annotations,
        limits,
    )
}

fn push_legacy_layer(
    client: &Client,
    image: &ResolvedImage,
    suffix: &str,
    layer_media_type: &'static str,
    blob: &[u8],
    annotations: BTreeMap<String, String>,
    limits: &StoreLimits,
) -> Result<Pushed, StoreError> {
    let tag = tag_for(&image.digest, suffix);
    let tagged = image.reference.with_tag(&tag);
    let expected = if suffix == "sig" {
        "cosign signature manifest"
    } else {
        "cosign attestation manifest"
    };
    // Accept every kind, so a tag holding something else is seen as such
    // (a registry may answer 404 for a kind the client did not accept).
    let mut layers = match client.get_manifest(&tagged, &[]) {
        Ok(fetched) => match fetched.parse() {
            Ok(ManifestKind::Manifest(m))
                if m.layers.iter().all(|l| l.media_type == layer_media_type) =>
            {
                m.layers
            }
            Ok(ManifestKind::Manifest(m)) => {
                return Err(StoreError::NotSignatureObject {
                    tag,
                    expected,
                    found: format!(
                        "manifest with layers of type {}",
                        other_types(&m, layer_media_type)
                    ),
                })
            }
            Ok(ManifestKind::Index(_)) => {
                return Err(StoreError::NotSignatureObject {
                    tag,
                    expected,
                    found: "image index".to_owned(),
                })
            }
            Err(source) => {
                return Err(StoreError::NotAManifest {
                    what: tagged.to_string(),
                    source,
                })
            }
        },
        Err(e) if is_not_found(&e) => Vec::new(),
        Err(e) => return Err(registry(format!("fetch {tagged}"))(e)),
    };
    let digest = push_blob(client, &image.reference, blob)?;
    let mut layer = descriptor(layer_media_type, digest, blob.len() as u64);
    layer.annotations = annotations;
    // Re-signing the same payload with the same signature adds nothing.
    let position = match layers.iter().position(|l| *l == layer) {
        Some(p) => p,
        None if layers.len() >= limits.max_layers => {
            return Err(StoreError::TooMany {
                what: tag,
                count: layers.len(),
                limit: limits.max_layers,
            })
        }
        None => {
            layers.push(layer);
            layers.len() - 1
        }
    };
    // The config is an image config whose rootfs lists the layers, as the
    // go-containerregistry code behind cosign writes it.
    let config = serde_json::json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": layers.iter().map(|_| serde_json::json!({"created": "0001-01-01T00:00:00Z"})).collect::<Vec<_>>(),
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.digest.to_string()).collect::<Vec<_>>()},
        "config": {}
    });
    let config_bytes =
        serde_json::to_vec(&config).map_err(|e| StoreError::Serialize("signature config", e))?;
    let config_digest = push_blob(client, &image.reference, &config_bytes)?;
    let config_desc = descriptor(mt::OCI_CONFIG, config_digest, config_bytes.len() as u64);
    let manifest = WireManifest {
        schema_version: 2,
        media_type: mt::OCI_MANIFEST,
        artifact_type: None,
        config: WireDescriptor::of(&config_desc),
        layers: layers.iter().map(WireDescriptor::of).collect(),
        subject: None,
        annotations: BTreeMap::new(),
    };
    let bytes = serde_json::to_vec(&manifest)
        .map_err(|e| StoreError::Serialize("signature manifest", e))?;
    let manifest_digest = client
        .push_manifest(&tagged, &bytes, mt::OCI_MANIFEST)
        .map_err(registry(format!("push {tagged}")))?;
    Ok(Pushed {
        location: Location::LegacyTag {
            tag,
            manifest: manifest_digest,
            layer: position,
        },
        referrers_api: false,
    })
}

fn other_types(m: &Manifest, wanted: &str) -> String {
    let mut types: Vec<&str> = m
        .layers
        .iter()
        .map(|l| l.media_type.as_str())
        .filter(|t| *t != wanted)
        .collect();
    types.dedup();
    types.join(", ")
}

// ---------------------------------------------------------------- reading

/// A signature object as found, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// A Sigstore bundle (JSON bytes).
    Bundle(Vec<u8>),
    /// A cosign v2 signature: the simple-signing payload and the
    /// base64 signature from the layer annotation.
    SimpleSigning {
        /// The payload blob.
        payload: Vec<u8>,
        /// The annotation's value (base64).
        signature: String,
        /// Whether a certificate annotation is present (keyless).
        keyless: bool,
    },
    /// A DSSE envelope (JSON bytes) from a legacy `.att` layer or an
    /// in-toto referrer.
    Dsse(Vec<u8>),
}

/// One signature object found for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it was found.
    pub location: Location,
    /// What it is.
    pub artifact: Artifact,
    /// The predicate type the storage claims (annotation); unverified,
    /// used only to route candidates.
    pub predicate_type_hint: Option<String>,
}

/// Something found where signatures live that is not a usable signature
/// object (a tag pointing at an image, a referrer with another subject, a
/// blob that could not be fetched). Reported, never trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The tag or referrer concerned.
    pub what: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.message)
    }
}

/// Everything found for one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Signature objects to verify.
    pub candidates: Vec<Candidate>,
    /// Things that looked like signature storage but are not usable.
    pub problems: Vec<Problem>,
    /// Whether the registry answered the referrers API.
    pub referrers_api: bool,
}

/// Reads every signature object stored for `image`: referrers (API, else
/// the fallback tag), then the legacy `.sig` and `.att` tags.
pub fn discover(
    client: &Client,
    image: &ResolvedImage,
    limits: &StoreLimits,
) -> Result<Discovery, StoreError> {
    let mut out = Discovery::default();
    let repo = &image.reference;
    let listed = client
        .referrers(repo, &image.digest, None)
        .map_err(registry(format!("list referrers of {}", image.digest)))?;
    let (entries, fallback_tag) = match listed {
        Some(index) => {
            out.referrers_api = true;
            (index.manifests, None)
        }
        None => {
            let tag = tag_for(&image.digest, "");
            (
                fetch_fallback_index(client, image, &tag, &mut out)?,
                Some(tag),
            )
        }
    };
    if entries.len() > limits.max_referrers {
        out.problems.push(Problem {
            what: format!("referrers of {}", image.digest),
            message: format!(
                "{} referrers, only the first {} are read (raise StoreLimits::max_referrers)",
                entries.len(),
                limits.max_referrers
            ),
        });
    }
    for entry in entries.iter().take(limits.max_referrers) {
        let location = match &fallback_tag {
            Some(tag) => Location::FallbackTag {
                tag: tag.clone(),
                manifest: entry.digest.clone(),
            },
            None => Location::Referrer {
                manifest: entry.digest.clone(),
            },
        };
        read_referrer(client, image, entry, location, limits, &mut out);
    }
    for (suffix, layer_type) in [("sig", SIMPLE_SIGNING_MEDIA_TYPE), ("att", DSSE_MEDIA_TYPE)] {
        read_legacy(client, image, suffix, layer_type, limits, &mut out)?;
    }
    Ok(out)
}

fn fetch_fallback_index(
    client: &Client,
    image: &ResolvedImage,
    tag: &str,
    out: &mut Discovery,
) -> Result<Vec<Descriptor>, StoreError> {
    let tagged = image.reference.with_tag(tag);
    match client.get_manifest(&tagged, &[]) {
        Ok(fetched) => match fetched.parse() {
            Ok(ManifestKind::Index(i)) => Ok(i.manifests),
            // The spec: a missing or invalid index means no referrers.
            Ok(ManifestKind::Manifest(_)) => {
                out.problems.push(Problem {
                    what: format!("tag {tag}"),
                    message: format!(
                        "the referrers fallback tag holds a manifest ({}), not an index; ignored",
                        fetched.media_type
                    ),
                });
                Ok(Vec::new())
            }
            Err(e) => {
                out.problems.push(Problem {
                    what: format!("tag {tag}"),
                    message: format!(
                        "the referrers fallback tag is not a valid index ({e}); ignored"
                    ),
                });
                Ok(Vec::new())
            }
        },
        Err(e) if is_not_found(&e) => Ok(Vec::new()),
        Err(e) => Err(registry(format!("fetch {tagged}"))(e)),
    }
}

fn read_referrer(
    client: &Client,
    image: &ResolvedImage,
    entry: &Descriptor,
    location: Location,
    limits: &StoreLimits,
    out: &mut Discovery,
) {
    let what = location.to_string();
    let mut problem = |message: String| {
        out.problems.push(Problem {
            what: what.clone(),
            message,
        })
    };
    // Never trust the index entry's artifactType alone (Kyverno saw
    // fallback entries typed as the empty media type): fetch the manifest.
    let fetched = match client.get_manifest(&image.reference.with_digest(entry.digest.clone()), &[])
    {
        Ok(f) => f,
        Err(e) => return problem(format!("cannot fetch the referrer manifest: {e}")),
    };
    let manifest = match fetched.parse() {
        Ok(ManifestKind::Manifest(m)) => m,
        Ok(ManifestKind::Index(_)) => return, // an index referrer is not a signature
        Err(e) => return problem(format!("the referrer manifest is unreadable: {e}")),
    };
    let artifact_type = manifest
        .artifact_type
        .clone()
        .unwrap_or_else(|| manifest.config.media_type.clone());
    let is_bundle = BUNDLE_MEDIA_TYPES.contains(&artifact_type.as_str());
    let is_in_toto = artifact_type == IN_TOTO_ARTIFACT_TYPE;
    if !is_bundle && !is_in_toto {
        return; // SBOMs, Notation signatures...: other tools' referrers
    }
    match &manifest.subject {
        Some(s) if s.digest == image.digest => {}
        Some(s) => {
            return problem(format!(
                "the referrer's subject is {}, not the image {}; ignored",
                s.digest, image.digest
            ))
        }
        None => return problem("the referrer has no subject; ignored".to_owned()),
    }
    let hint = manifest
        .annotations
        .get(BUNDLE_PREDICATE_TYPE_ANNOTATION)
        .or_else(|| manifest.annotations.get("in-toto.io/predicate-type"))
        .cloned();
    let mut found = false;
    for layer in manifest.layers.iter().take(limits.max_layers) {
        let kind_bundle = BUNDLE_MEDIA_TYPES.contains(&layer.media_type.as_str());
        let kind_dsse = layer.media_type == DSSE_MEDIA_TYPE
            || (is_in_toto && layer.media_type.starts_with("application/vnd.in-toto"));
        if !kind_bundle && !kind_dsse {
            continue;
        }
        match fetch_blob(client, image, layer, limits) {
            Ok(bytes) => {
                found = true;
                out.candidates.push(Candidate {
                    location: location.clone(),
                    artifact: if kind_bundle {
                        Artifact::Bundle(bytes)
                    } else {
                        Artifact::Dsse(bytes)
                    },
                    predicate_type_hint: hint.clone(),
                });
            }
            Err(e) => problem(format!("cannot fetch layer {}: {e}", layer.digest)),
        }
    }
    if !found {
        problem(format!(
            "the referrer of type {artifact_type} has no bundle or DSSE layer"
        ));
    }
}

fn fetch_blob(
    client: &Client,
    image: &ResolvedImage,
    layer: &Descriptor,
    limits: &StoreLimits,
) -> Result<Vec<u8>, RegistryError> {
    let max = limits.document.max_document_bytes as u64;
    client.get_blob_bytes(&image.reference, &layer.digest, max.min(layer.size.max(1)))
}

fn read_legacy(
    client: &Client,
    image: &ResolvedImage,
    suffix: &str,
    layer_type: &str,
    limits: &StoreLimits,
    out: &mut Discovery,
) -> Result<(), StoreError> {
    let tag = tag_for(&image.digest, suffix);
    let tagged = image.reference.with_tag(&tag);
    let fetched = match client.get_manifest(&tagged, &[]) {
        Ok(f) => f,
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(
            e @ (RegistryError::NotAManifest { .. } | RegistryError::UnsupportedMediaType { .. }),
        ) => {
            out.problems.push(Problem {
                what: format!("tag {tag}"),
                message: format!("not a signature manifest: {e}"),
            });
            return Ok(());
        }
        Err(e) => return Err(registry(format!("fetch {tagged}"))(e)),
    };
    let what = format!("tag {tag}");
    let manifest = match fetched.parse() {
        Ok(ManifestKind::Manifest(m)) => m,
        Ok(ManifestKind::Index(_)) => {
            out.problems.push(Problem {
                what,
                message: "points to an image index, not a cosign signature manifest; ignored"
                    .to_owned(),
            });
            return Ok(());
        }
        Err(e) => {
            out.problems.push(Problem {
                what,
                message: format!("not a readable manifest ({e}); ignored"),
            });
            return Ok(());
        }
    };
    let wanted: Vec<(usize, &Descriptor)> = manifest
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.media_type == layer_type)
        .collect();
    if wanted.is_empty() {
        out.problems.push(Problem {
            what,
            message: format!(
                "points to a manifest without {layer_type} layers (layer types: {}), not a cosign {} manifest; ignored",
                if manifest.layers.is_empty() { "none".to_owned() } else { other_types(&manifest, layer_type) },
                if suffix == "sig" { "signature" } else { "attestation" }
            ),
        });
        return Ok(());
    }
    if wanted.len() > limits.max_layers {
        out.problems.push(Problem {
            what,
            message: format!(
                "{} signature layers, only the first {} are read (raise StoreLimits::max_layers)",
                wanted.len(),
                limits.max_layers
            ),
        });
    }
    for (i, layer) in wanted.into_iter().take(limits.max_layers) {
        let location = Location::LegacyTag {
            tag: tag.clone(),
            manifest: fetched.digest.clone(),
            layer: i,
        };
        let bytes = match fetch_blob(client, image, layer, limits) {
            Ok(b) => b,
            Err(e) => {
                out.problems.push(Problem {
                    what: location.to_string(),
                    message: format!("cannot fetch the layer: {e}"),
                });
                continue;
            }
        };
        let artifact = if suffix == "sig" {
            match layer.annotations.get(SIGNATURE_ANNOTATION) {
                Some(sig) => Artifact::SimpleSigning {
                    payload: bytes,
                    signature: sig.clone(),
                    keyless: layer
                        .annotations
                        .contains_key(crate::cosign::CERTIFICATE_ANNOTATION),
                },
                None => {
                    out.problems.push(Problem {
                        what: location.to_string(),
                        message: format!("the layer has no {SIGNATURE_ANNOTATION} annotation"),
                    });
                    continue;
                }
            }
        } else {
            Artifact::Dsse(bytes)
        };
        out.candidates.push(Candidate {
            location,
            artifact,
            predicate_type_hint: layer.annotations.get(PREDICATE_TYPE_ANNOTATION).cloned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_descriptor_is_the_specs() {
        assert_eq!(sha256(b"{}").to_string(), EMPTY_DIGEST);
        let json = serde_json::to_string(&WireDescriptor::empty()).unwrap();
        assert_eq!(
            json,
            r#"{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}"#
        );
    }

    #[test]
    fn locations_read_well() {
        let d = sha256(b"x");
        let l = Location::LegacyTag {
            tag: "sha256-ab.sig".into(),
            manifest: d.clone(),
            layer: 2,
        };
        assert_eq!(l.to_string(), "tag sha256-ab.sig layer 2");
        assert!(Location::Referrer { manifest: d }
            .to_string()
            .starts_with("referrer sha256:"));
    }
}
