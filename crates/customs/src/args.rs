//! Command-line definitions only; no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// customs: inspect container images, check their papers, admit or hold them.
#[derive(Debug, Parser)]
#[command(name = "customs", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show an image's manifest, config and layers (verifying every blob).
    Inspect(InspectArgs),
    /// Write the image's SBOM (SPDX 2.3 or CycloneDX 1.6 JSON, SPDX tag-value, or customs JSON).
    Sbom(SbomArgs),
    /// List the packages installed in an image.
    Packages(PackagesArgs),
    /// Check Dockerfiles and Kubernetes manifests for misconfigurations.
    Config(ConfigArgs),
    /// Scan an image or SBOM for vulnerabilities, secrets and misconfigurations.
    Scan(Box<ScanArgs>),
    /// Find secrets in a source tree or an image (every layer, deleted files included).
    Secrets(Box<SecretsArgs>),
    /// Manage the vulnerability database.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Manage signing keys (cosign-compatible).
    Key {
        #[command(subcommand)]
        action: crate::commands::attest::KeyAction,
    },
    /// Sign an image in a registry (cosign v3 bundle referrer, or v2 `.sig` tag with --legacy).
    Sign(crate::commands::attest::SignArgs),
    /// Sign an in-toto attestation (SLSA provenance, SBOM, vulnerabilities, …) about an image.
    Attest(crate::commands::attest::AttestArgs),
    /// Verify an image's signatures (every layout); exit 4 when none is valid.
    Verify(crate::commands::attest::VerifyArgs),
    /// Verify an image's attestations (every layout); exit 4 when none is valid.
    VerifyAttestation(crate::commands::attest::VerifyAttestationArgs),
    /// Generate or verify SLSA provenance v1.
    Provenance {
        #[command(subcommand)]
        action: crate::commands::attest::ProvenanceAction,
    },
    /// Manage the layer cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheAction {
    /// Remove every cached layer result.
    Clean(CacheDirArgs),
}

/// Where cached layer results live.
#[derive(Debug, Args, Clone)]
pub(crate) struct CacheDirArgs {
    /// Cache directory [default: $XDG_CACHE_HOME/customs or ~/.cache/customs].
    #[arg(long, env = "CUSTOMS_CACHE_DIR", global = true)]
    pub(crate) cache_dir: Option<PathBuf>,
}

/// Output format of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableOrJson {
    /// Human-readable table.
    Table,
    /// JSON.
    Json,
}

/// Options every command that writes a report takes.
#[derive(Debug, Args, Clone)]
pub(crate) struct OutputArgs {
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// No progress bars or informational messages.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// How to reach and read an image.
#[derive(Debug, Args, Clone)]
pub(crate) struct ImageArgs {
    /// The image: docker-archive:PATH, oci-layout:PATH[:tag|@digest], dir:PATH,
    /// registry:REF, or a bare reference such as nginx:1.25 or host:5000/app@sha256:…
    pub(crate) target: String,
    /// Platform to pick from a multi-platform image [default: the host's].
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub(crate) platform: Option<String>,
    /// Never use the network (registry targets fail).
    #[arg(long)]
    pub(crate) offline: bool,
    #[command(flatten)]
    pub(crate) cache: CacheDirArgs,
    /// Do not read or write the layer cache.
    #[arg(long)]
    pub(crate) no_cache: bool,
    #[command(flatten)]
    pub(crate) registry: RegistryArgs,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// Registry connection options.
#[derive(Debug, Args, Clone)]
pub(crate) struct RegistryArgs {
    /// Reach this registry (HOST[:PORT]) over plain http or unverified TLS; repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub(crate) insecure_registries: Vec<String>,
    /// Trust the CA certificates in this PEM file as well as the system roots; repeatable.
    #[arg(long = "ca-file", value_name = "FILE")]
    pub(crate) ca_files: Vec<PathBuf>,
    /// Registry user name (with --password-stdin).
    #[arg(long, env = "CUSTOMS_USERNAME")]
    pub(crate) username: Option<String>,
    /// Read the registry password from standard input.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Docker config file with credentials [default: $DOCKER_CONFIG/config.json or ~/.docker/config.json].
    #[arg(long, value_name = "FILE")]
    pub(crate) docker_config: Option<PathBuf>,
}

/// Bounds on untrusted input.
#[derive(Debug, Args, Clone)]
pub(crate) struct LimitArgs {
    /// Largest total of uncompressed layer bytes [default: 64 GiB].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_image_bytes: Option<u64>,
    /// Largest uncompressed layer [default: 32 GiB].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_layer_bytes: Option<u64>,
    /// Largest file handed to analyzers [default: 512 MiB].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_file_bytes: Option<u64>,
    /// Largest manifest or index document [default: 4 MiB].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_manifest_bytes: Option<u64>,
    /// Most entries in one layer [default: 5,000,000].
    #[arg(long, value_name = "N")]
    pub(crate) max_layer_entries: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub(crate) format: TableOrJson,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    /// SBOM format: spdx-json, spdx (tag-value), cyclonedx-json, json.
    #[arg(short, long, default_value = "spdx-json")]
    pub(crate) format: String,
    /// CycloneDX spec version: 1.6 or 1.5.
    #[arg(long, value_name = "VERSION")]
    pub(crate) cyclonedx_version: Option<String>,
    /// Exit with code 1 when a cataloger left a warning (an unreadable package database,
    /// a corrupt binary, a skipped archive).
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PackagesArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub(crate) format: TableOrJson,
    /// Exit with code 1 when a cataloger left a warning (an unreadable package database,
    /// a corrupt binary, a skipped archive).
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Files or directories (Dockerfiles and Kubernetes YAML are detected).
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Report format: table, json, sarif.
    #[arg(short, long, default_value = "table")]
    pub(crate) format: String,
    /// Exit with code 1 when a finding has this severity or higher (low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<String>,
    /// YAML file that disables checks, sets the PSS level or the registry allowlist.
    #[arg(long = "config", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Where the vulnerability database lives.
#[derive(Debug, Args, Clone)]
pub(crate) struct DbPathArgs {
    /// Vulnerability database file [default: CACHE_DIR/db/customs.db].
    #[arg(long = "db", env = "CUSTOMS_DB", value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) cache: CacheDirArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbAction {
    /// Build the database from advisory files: OSV JSON/YAML files, folders of them or osv.dev
    /// `all.zip` archives, the Debian security tracker JSON, Alpine secdb YAML.
    Import(DbImportArgs),
    /// Show the database's sources, data dates, counts and schema version.
    Status(DbStatusArgs),
    /// Download the advisory feeds (osv.dev, Debian security tracker, Alpine secdb) with
    /// conditional requests and swap a freshly built database in atomically.
    Update(DbUpdateArgs),
    /// Push the database to a registry as an OCI artifact (for air-gapped clusters).
    Push(DbTransferArgs),
    /// Pull a database artifact from a registry and swap it in atomically.
    Pull(DbTransferArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DbUpdateArgs {
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Never use the network (the update fails).
    #[arg(long)]
    pub(crate) offline: bool,
    /// Base URL of the OSV exports (`<URL>/<Ecosystem>/all.zip`), for mirrors.
    #[arg(long, value_name = "URL")]
    pub(crate) osv_base: Option<String>,
    /// OSV ecosystems to fetch, comma-separated [default: those customs catalogs].
    #[arg(long, value_delimiter = ',', value_name = "ECOSYSTEM")]
    pub(crate) osv_ecosystems: Vec<String>,
    /// URL of the Debian security tracker JSON export, for mirrors.
    #[arg(long, value_name = "URL")]
    pub(crate) debian_tracker_url: Option<String>,
    /// Leave the Debian security tracker out.
    #[arg(long)]
    pub(crate) no_debian: bool,
    /// Base URL of Alpine secdb (`<URL>/<release>/<repo>.yaml`), for mirrors.
    #[arg(long, value_name = "URL")]
    pub(crate) alpine_base: Option<String>,
    /// Alpine releases to fetch, comma-separated (v3.20,v3.21).
    #[arg(long, value_delimiter = ',', value_name = "RELEASE")]
    pub(crate) alpine_releases: Vec<String>,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub(crate) format: TableOrJson,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DbTransferArgs {
    /// Registry reference of the artifact (host/repo:tag).
    pub(crate) reference: String,
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Never use the network (the command fails).
    #[arg(long)]
    pub(crate) offline: bool,
    #[command(flatten)]
    pub(crate) registry: RegistryArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DbImportArgs {
    /// Advisory files or folders.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub(crate) format: TableOrJson,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DbStatusArgs {
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub(crate) format: TableOrJson,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// What `customs scan` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub(crate) enum ScannerKind {
    /// Known vulnerabilities in packages.
    Vuln,
    /// Secrets in layers, the image config and history.
    Secret,
    /// Misconfiguration of the image config.
    Misconfig,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    /// Scanners to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [ScannerKind::Vuln, ScannerKind::Secret, ScannerKind::Misconfig])]
    pub(crate) scanners: Vec<ScannerKind>,
    /// Report format: table, json, sarif, cyclonedx (with vulnerabilities), html.
    #[arg(short, long, default_value = "table")]
    pub(crate) format: String,
    /// Only report findings of these severities, comma-separated (e.g. HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "SEVERITY")]
    pub(crate) severity: Vec<String>,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,
    /// Exit with code 1 when an unsuppressed finding has this severity or higher.
    #[arg(long, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<String>,
    /// Exit with code 1 when a cataloger or the matcher left a warning (unreadable package
    /// databases, unmatched packages are not counted).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Ignore file (IDs, optional package/path, expiry, reason) [default: .customsignore if present].
    #[arg(long, value_name = "FILE")]
    pub(crate) ignorefile: Option<PathBuf>,
    /// OpenVEX documents whose statements suppress findings; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Vec<PathBuf>,
    /// Secret-scanning configuration (custom rules, disabled rules, allowlists).
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_config: Option<PathBuf>,
    /// Also scan binary files for secrets.
    #[arg(long)]
    pub(crate) scan_binaries: bool,
    /// Misconfiguration configuration (disabled checks, PSS level, registry allowlist).
    #[arg(long = "misconfig-config", value_name = "FILE")]
    pub(crate) misconfig_config: Option<PathBuf>,
    /// Warn when the vulnerability database is older than this many hours.
    #[arg(long, value_name = "HOURS", default_value_t = 72)]
    pub(crate) db_max_age: u64,
    /// Vulnerability database file [default: CACHE_DIR/db/customs.db].
    #[arg(long = "db", env = "CUSTOMS_DB", value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// Do not download the vulnerability database when it is missing.
    #[arg(long)]
    pub(crate) skip_db_update: bool,
    /// Include the package list in JSON and CycloneDX reports.
    #[arg(long)]
    pub(crate) list_all_pkgs: bool,
    /// Colour the table [default: when standard output is a terminal].
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: String,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SecretsArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    /// Report format: table, json, sarif.
    #[arg(short, long, default_value = "table")]
    pub(crate) format: String,
    /// Secret-scanning configuration (custom rules, disabled rules, allowlists).
    #[arg(long = "config", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Also scan binary files.
    #[arg(long)]
    pub(crate) scan_binaries: bool,
    /// Exit with code 1 when a finding has this severity or higher.
    #[arg(long, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<String>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}
