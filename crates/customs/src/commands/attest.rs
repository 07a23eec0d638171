//! `customs key generate`, `sign`, `attest`, `verify`, `verify-attestation`
//! and `provenance generate|verify`: cosign-compatible signatures and
//! attestations in registries (logic in customs-attest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use customs_attest::bundle::Policy;
use customs_attest::image::{self as ops, Verification, Verifier};
use customs_attest::intoto::{self, ResourceDescriptor};
use customs_attest::keys::{self, KeyError, SigningKey, VerifyingKey};
use customs_attest::slsa;
use customs_attest::store::{Layout, Location, StoreLimits};
use customs_attest::trust_root::TrustedRoot;
use customs_image::Target;
use customs_oci::Reference;

use crate::args::ImageArgs;
use crate::exit::{ExitStatus, UsageError};

/// `customs key …`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeyAction {
    /// Write an ECDSA P-256 key pair: PREFIX.key (encrypted as cosign does,
    /// mode 0600) and PREFIX.pub. Password from CUSTOMS_PASSWORD or
    /// COSIGN_PASSWORD, else asked on the terminal.
    Generate {
        /// File name prefix (may include a folder).
        #[arg(long, default_value = "customs", value_name = "PREFIX")]
        output_key_prefix: String,
    },
}

/// `customs sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// Private key file (cosign's encrypted PEM, or PKCS#8/SEC1/PKCS#1).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Write cosign v2's `sha256-<hex>.sig` tag instead of a bundle referrer.
    #[arg(long)]
    pub(crate) legacy: bool,
    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

/// `customs attest`.
#[derive(Debug, Args)]
pub(crate) struct AttestArgs {
    /// Private key file.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, spdx,
    /// spdxjson, cyclonedx, vuln, openvex, link, custom, or a URI.
    #[arg(long = "type", default_value = "custom", value_name = "TYPE")]
    pub(crate) predicate_type: String,
    /// The predicate (JSON file).
    #[arg(long, value_name = "FILE", required_unless_present = "from_scan")]
    pub(crate) predicate: Option<PathBuf>,
    /// Build the predicate from customs' own analysis of the image (SBOM
    /// types: spdx, spdxjson, cyclonedx).
    #[arg(long, conflicts_with = "predicate")]
    pub(crate) from_scan: bool,
    /// Vulnerability database for `--from-scan --type vuln` [default: CACHE_DIR/db/customs.db].
    #[arg(long = "db", env = "CUSTOMS_DB", value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// Write cosign v2's `sha256-<hex>.att` tag instead of a bundle referrer.
    #[arg(long)]
    pub(crate) legacy: bool,
    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

/// Who must have signed.
#[derive(Debug, Args, Clone)]
pub(crate) struct VerifierArgs {
    /// Public key file (PEM `PUBLIC KEY`).
    #[arg(long, value_name = "FILE", required_unless_present = "trusted_root")]
    pub(crate) key: Option<PathBuf>,
    /// Verify keyless Sigstore bundles offline against this trusted root
    /// (JSON) instead of a key.
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    pub(crate) trusted_root: Option<PathBuf>,
    /// Keyless: the certificate identity (SAN) required.
    #[arg(long, value_name = "IDENTITY", requires = "trusted_root")]
    pub(crate) certificate_identity: Option<String>,
    /// Keyless: the OIDC issuer required.
    #[arg(long, value_name = "URL", requires = "trusted_root")]
    pub(crate) certificate_oidc_issuer: Option<String>,
}

/// `customs verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) verifier: VerifierArgs,
    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

/// `customs verify-attestation`.
#[derive(Debug, Args)]
pub(crate) struct VerifyAttestationArgs {
    #[command(flatten)]
    pub(crate) verifier: VerifierArgs,
    /// Only attestations of this predicate type (same names as `attest
    /// --type`); all when absent.
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) predicate_type: Option<String>,
    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

/// `customs provenance …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProvenanceAction {
    /// Print a SLSA provenance v1 predicate built from the CI environment
    /// (GitHub Actions or GitLab CI variables) and --material flags.
    Generate {
        /// A resolved dependency, `URI@ALG:HEX` (e.g. a base image
        /// `pkg:docker/debian@sha256:…`); repeatable.
        #[arg(long = "material", value_name = "URI@ALG:HEX")]
        materials: Vec<String>,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a signed SLSA v1 provenance attestation of an image against
    /// the expected builder and source, as slsa-verifier does.
    Verify(Box<ProvenanceVerifyArgs>),
}

/// `customs provenance verify`.
#[derive(Debug, Args)]
pub(crate) struct ProvenanceVerifyArgs {
    #[command(flatten)]
    pub(crate) verifier: VerifierArgs,
    /// Builder id required (without `@ref`: any ref of it).
    #[arg(long, value_name = "ID")]
    pub(crate) builder_id: Option<String>,
    /// Source repository required, e.g. github.com/owner/repo.
    #[arg(long, value_name = "URI")]
    pub(crate) source_uri: String,
    /// Source commit required (`HEX` or `sha1:HEX`).
    #[arg(long, value_name = "DIGEST")]
    pub(crate) source_digest: Option<String>,
    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

fn password(confirm: bool) -> anyhow::Result<String> {
    if let Some(p) = keys::password_from_env(|k| std::env::var(k).ok()) {
        return Ok(p);
    }
    let p = keys::prompt_password("Enter password for private key: ").context(
        "no terminal to ask for the key password: set CUSTOMS_PASSWORD or COSIGN_PASSWORD",
    )?;
    if confirm {
        let again = keys::prompt_password("Enter password for private key again: ")
            .context("cannot read the password confirmation")?;
        if again != p {
            return Err(UsageError("the passwords do not match".into()).into());
        }
    }
    Ok(p)
}

fn load_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = read_small(path, "private key")?;
    match SigningKey::from_pem(&pem, None) {
        Err(KeyError::PasswordRequired) => {
            let p = password(false)?;
            SigningKey::from_pem(&pem, Some(p.as_bytes()))
        }
        other => other,
    }
    .with_context(|| format!("cannot load private key {}", path.display()))
}

fn read_small(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))?;
    if bytes.len() > keys::MAX_KEY_FILE_BYTES * 256 {
        anyhow::bail!("{what} {} is too large", path.display());
    }
    Ok(bytes)
}

fn registry_reference(args: &ImageArgs) -> anyhow::Result<Reference> {
    match Target::parse(&args.target)? {
        Target::Registry(r) => Ok(r),
        _ => Err(UsageError(format!(
            "{} is not a registry image: signatures live in registries (use registry:REF or a bare reference)",
            args.target
        ))
        .into()),
    }
}

fn client(args: &ImageArgs) -> anyhow::Result<customs_registry::blocking::Client> {
    if args.offline {
        return Err(UsageError(
            "signatures live in registries and --offline forbids the network".into(),
        )
        .into());
    }
    let mut cfg = super::registry_config(args)?;
    if let Some(m) = args.limits.max_manifest_bytes {
        cfg.max_manifest_bytes = m;
    }
    Ok(customs_registry::blocking::Client::new(cfg)?)
}

fn store_limits() -> StoreLimits {
    StoreLimits::default()
}

fn describe(location: &Location) -> String {
    match location {
        Location::Referrer { manifest } => format!("OCI referrer {manifest}"),
        Location::FallbackTag { tag, manifest } => {
            format!("referrer {manifest}, listed in fallback tag {tag} (no referrers API)")
        }
        Location::LegacyTag { tag, .. } => format!("tag {tag}"),
    }
}

pub(crate) fn key(action: KeyAction) -> anyhow::Result<ExitStatus> {
    let KeyAction::Generate { output_key_prefix } = action;
    let prefix = Path::new(&output_key_prefix);
    let dir = match prefix.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = prefix.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        UsageError(format!(
            "--output-key-prefix {output_key_prefix:?} names no file"
        ))
    })?;
    let password = password(true)?;
    let (private, public) = keys::write_key_pair(&dir, name, password.as_bytes())?;
    eprintln!(
        "Private key written to {}\nPublic key written to {}",
        private.display(),
        public.display()
    );
    Ok(ExitStatus::Success)
}

pub(crate) fn sign(args: SignArgs) -> anyhow::Result<ExitStatus> {
    let reference = registry_reference(&args.image)?;
    let client = client(&args.image)?;
    let key = load_signing_key(&args.key)?;
    let layout = if args.legacy {
        Layout::Legacy
    } else {
        Layout::Bundle
    };
    let signed = ops::sign_image(&client, &reference, &key, layout, &store_limits())
        .with_context(|| format!("cannot sign {reference}"))?;
    report_signed(&reference, &signed, "signature");
    Ok(ExitStatus::Success)
}

fn report_signed(reference: &Reference, signed: &ops::Signed, what: &str) {
    if signed.image.from_tag {
        eprintln!(
            "Resolved {reference} to {}; signing the digest, not the tag",
            signed.image.digest
        );
    }
    eprintln!(
        "Pushed {what} for {}@{} as {}",
        signed.image.name(),
        signed.image.digest,
        describe(&signed.pushed.location)
    );
}

pub(crate) fn attest(args: AttestArgs) -> anyhow::Result<ExitStatus> {
    let reference = registry_reference(&args.image)?;
    let predicate_type = intoto::predicate_type_for(&args.predicate_type)
        .ok_or_else(|| {
            UsageError(format!(
                "unknown --type {:?}: use slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, vuln, openvex, link, custom or a URI",
                args.predicate_type
            ))
        })?
        .to_owned();
    let predicate: serde_json::Value = match (&args.predicate, args.from_scan) {
        (Some(path), _) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read predicate {}", path.display()))?;
            serde_json::from_slice(&bytes)
                .with_context(|| format!("predicate {} is not JSON", path.display()))?
        }
        (None, _) => predicate_from_scan(&args)?,
    };
    let client = client(&args.image)?;
    let key = load_signing_key(&args.key)?;
    let layout = if args.legacy {
        Layout::Legacy
    } else {
        Layout::Bundle
    };
    let signed = ops::attest_image(
        &client,
        &reference,
        &key,
        &predicate_type,
        predicate,
        layout,
        &store_limits(),
    )
    .with_context(|| format!("cannot attest {reference}"))?;
    report_signed(
        &reference,
        &signed,
        &format!("attestation ({predicate_type})"),
    );
    Ok(ExitStatus::Success)
}

/// The SBOM or vulnerability predicate from customs' own scan of the image.
fn predicate_from_scan(args: &AttestArgs) -> anyhow::Result<serde_json::Value> {
    let format = match args.predicate_type.as_str() {
        "spdx" | "spdxjson" => customs_sbom::Format::SpdxJson,
        "cyclonedx" => customs_sbom::Format::CycloneDxJson,
        "vuln" => return vuln_predicate(args),
        other => {
            return Err(UsageError(format!(
                "--from-scan builds SBOM and vulnerability predicates (--type spdx, spdxjson, cyclonedx or vuln), not {other}: pass --predicate FILE"
            ))
            .into())
        }
    };
    let (image, walked) =
        super::catalog::walk_image(&args.image, true, &customs_catalog::analyzers(), false)?;
    let catalog = super::catalog::assemble_catalog(&walked);
    let opts = customs_sbom::WriteOptions {
        created: super::catalog::now_rfc3339(),
        tool: customs_sbom::ToolInfo {
            name: "customs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        cyclonedx_version: customs_sbom::CycloneDxVersion::V1_6,
    };
    let mut bytes = Vec::new();
    customs_sbom::write(
        format,
        &catalog,
        &super::catalog::subject(&image),
        &opts,
        &mut bytes,
    )?;
    serde_json::from_slice(&bytes).context("the SBOM written is not JSON")
}

/// cosign's vulnerability predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`):
/// scanner, database and timing, with our JSON scan report as the `result`.
fn vuln_predicate(args: &AttestArgs) -> anyhow::Result<serde_json::Value> {
    let started = super::catalog::now_rfc3339();
    let report = super::scan::vulnerability_report(&args.image, args.db.as_ref(), true)?;
    let finished = super::catalog::now_rfc3339();
    let db_version = report
        .database
        .as_ref()
        .map(|d| d.built.clone())
        .unwrap_or_default();
    Ok(serde_json::json!({
        "invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": "pkg:generic/customs",
            "version": env!("CARGO_PKG_VERSION"),
            "db": {"uri": "customs-vulndb", "version": db_version},
            "result": serde_json::to_value(&report)?,
        },
        "metadata": {"scanStartedOn": started, "scanFinishedOn": finished},
    }))
}

/// The verifier the flags name; the loaded material is kept in `held`.
enum Held {
    Key(VerifyingKey),
    Keyless(Box<TrustedRoot>, Policy),
}

impl Held {
    fn load(args: &VerifierArgs) -> anyhow::Result<Self> {
        if let Some(path) = &args.trusted_root {
            // As cosign: a keyless signature proves nothing without saying whose.
            if args.certificate_identity.is_none() || args.certificate_oidc_issuer.is_none() {
                return Err(UsageError(
                    "--trusted-root needs --certificate-identity and --certificate-oidc-issuer"
                        .into(),
                )
                .into());
            }
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read trusted root {}", path.display()))?;
            let root = TrustedRoot::from_json(&bytes)
                .with_context(|| format!("cannot load trusted root {}", path.display()))?;
            return Ok(Self::Keyless(
                Box::new(root),
                Policy {
                    identity: args.certificate_identity.clone(),
                    issuer: args.certificate_oidc_issuer.clone(),
                },
            ));
        }
        let path = args
            .key
            .as_ref()
            .ok_or_else(|| UsageError("--key or --trusted-root is required".into()))?;
        let pem = read_small(path, "public key")?;
        let key = VerifyingKey::from_pem(&pem)
            .with_context(|| format!("cannot load public key {}", path.display()))?;
        Ok(Self::Key(key))
    }

    fn verifier(&self) -> Verifier<'_> {
        match self {
            Self::Key(k) => Verifier::Key(k),
            Self::Keyless(root, policy) => Verifier::Keyless { root, policy },
        }
    }
}

/// Prints verified payloads (one JSON document per line) on stdout and the
/// rest on stderr; exit 4 when nothing verified.
fn finish(v: &Verification, what: &str, payloads: &[Vec<u8>]) -> anyhow::Result<ExitStatus> {
    for p in &v.problems {
        eprintln!("warning: {p}");
    }
    for r in &v.rejected {
        eprintln!(
            "rejected {} ({} check): {}",
            describe(&r.location),
            r.check.name(),
            r.message
        );
    }
    let name = format!("{}@{}", v.image.name(), v.image.digest);
    if payloads.is_empty() {
        eprintln!(
            "error: no valid {what} for {name} ({} rejected, {} storage problems)",
            v.rejected.len(),
            v.problems.len()
        );
        return Ok(ExitStatus::Unverified);
    }
    let mut out = Vec::new();
    for p in payloads {
        out.extend_from_slice(p.trim_ascii());
        out.push(b'\n');
    }
    crate::output::write_report(None, &out)?;
    eprintln!("Verified {} {what}(s) for {name}", payloads.len());
    Ok(ExitStatus::Success)
}

pub(crate) fn verify(args: VerifyArgs) -> anyhow::Result<ExitStatus> {
    let reference = registry_reference(&args.image)?;
    let held = Held::load(&args.verifier)?;
    let client = client(&args.image)?;
    let v = ops::verify_image(&client, &reference, held.verifier(), &store_limits())
        .with_context(|| format!("cannot verify {reference}"))?;
    let payloads: Vec<Vec<u8>> = v.verified.iter().map(|x| x.payload.clone()).collect();
    finish(&v, "signature", &payloads)
}

fn wanted_type(t: &str) -> anyhow::Result<String> {
    Ok(intoto::predicate_type_for(t)
        .ok_or_else(|| UsageError(format!("unknown --type {t:?}")))?
        .to_owned())
}

pub(crate) fn verify_attestation(args: VerifyAttestationArgs) -> anyhow::Result<ExitStatus> {
    let reference = registry_reference(&args.image)?;
    let want = args
        .predicate_type
        .as_deref()
        .map(wanted_type)
        .transpose()?;
    let held = Held::load(&args.verifier)?;
    let client = client(&args.image)?;
    let v = ops::verify_image_attestations(
        &client,
        &reference,
        held.verifier(),
        want.as_deref(),
        &store_limits(),
    )
    .with_context(|| format!("cannot verify attestations of {reference}"))?;
    let payloads: Vec<Vec<u8>> = v.verified.iter().map(|x| x.payload.clone()).collect();
    finish(&v, "attestation", &payloads)
}

pub(crate) fn provenance(action: ProvenanceAction) -> anyhow::Result<ExitStatus> {
    match action {
        ProvenanceAction::Generate { materials, output } => {
            let materials = materials
                .iter()
                .map(|m| parse_material(m))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let env: BTreeMap<String, String> = std::env::vars().collect();
            let mut p = slsa::from_ci_env(&env, &materials)?;
            let now = super::catalog::now_rfc3339();
            let meta = p.run_details.metadata.get_or_insert_with(Default::default);
            meta.started_on.get_or_insert_with(|| now.clone());
            meta.finished_on = Some(now);
            let mut bytes = serde_json::to_vec_pretty(&p.to_value())?;
            bytes.push(b'\n');
            crate::output::write_report(output.as_deref(), &bytes)?;
            Ok(ExitStatus::Success)
        }
        ProvenanceAction::Verify(args) => provenance_verify(*args),
    }
}

fn parse_material(m: &str) -> anyhow::Result<ResourceDescriptor> {
    let bad = || UsageError(format!("--material {m:?} is not URI@ALG:HEX"));
    let (uri, digest) = m.rsplit_once('@').ok_or_else(bad)?;
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    if uri.is_empty() || alg.is_empty() || hex.is_empty() {
        return Err(bad().into());
    }
    Ok(ResourceDescriptor {
        uri: Some(uri.to_owned()),
        digest: BTreeMap::from([(alg.to_owned(), hex.to_owned())]),
        ..ResourceDescriptor::default()
    })
}

fn provenance_verify(args: ProvenanceVerifyArgs) -> anyhow::Result<ExitStatus> {
    let reference = registry_reference(&args.image)?;
    let held = Held::load(&args.verifier)?;
    let client = client(&args.image)?;
    let mut v = ops::verify_image_attestations(
        &client,
        &reference,
        held.verifier(),
        Some(intoto::SLSA_PROVENANCE_V1),
        &store_limits(),
    )
    .with_context(|| format!("cannot verify provenance of {reference}"))?;
    let expect = slsa::Expectations {
        builder_id: args.builder_id,
        source_uri: args.source_uri,
        source_digest: args.source_digest,
    };
    let mut payloads = Vec::new();
    let verified = std::mem::take(&mut v.verified);
    for x in verified {
        let Some(st) = &x.statement else { continue };
        match slsa::verify_provenance(st, &expect) {
            Ok(_) => payloads.push(x.payload.clone()),
            Err(e) => v.rejected.push(ops::Rejection {
                location: x.location.clone(),
                check: ops::Check::Statement,
                message: format!("provenance expectations: {e}"),
            }),
        }
    }
    finish(&v, "provenance attestation", &payloads)
}
