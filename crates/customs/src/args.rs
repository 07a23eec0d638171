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
