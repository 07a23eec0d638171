//! One module per subcommand; shared plumbing to open and walk images.

use std::io::BufRead;

use anyhow::Context as _;
use customs_image::{Image, LayerCache, Limits, OpenOptions, Target};

use crate::args::{CacheAction, Cli, Command, DbAction, ImageArgs};
use crate::exit::{ExitStatus, UsageError};

pub(crate) mod attest;
mod cache;
pub(crate) use scan::MissingDb;
mod catalog;
mod config;
mod db;
mod inspect;
mod scan;
mod secrets;

/// Runs the parsed command.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Sbom(args) => catalog::sbom(args),
        Command::Packages(args) => catalog::packages(args),
        Command::Config(args) => config::run(args),
        Command::Scan(args) => scan::run(*args),
        Command::Secrets(args) => secrets::run(*args),
        Command::Db { action } => match action {
            DbAction::Import(args) => db::import(args),
            DbAction::Status(args) => db::status(args),
            DbAction::Update(args) => db::update(args),
            DbAction::Push(args) => db::push(args),
            DbAction::Pull(args) => db::pull(args),
        },
        Command::Key { action } => attest::key(action),
        Command::Sign(args) => attest::sign(args),
        Command::Attest(args) => attest::attest(args),
        Command::Verify(args) => attest::verify(args),
        Command::VerifyAttestation(args) => attest::verify_attestation(args),
        Command::Provenance { action } => attest::provenance(action),
        Command::Cache {
            action: CacheAction::Clean(args),
        } => cache::clean(&args),
    }
}

/// Frees `value` on a thread of its own, off the path to the command's exit.
///
/// A walk's records and a catalog are tens of thousands of allocations:
/// freeing them on the main thread took 15 ms of a 1.0 s scan of the bench
/// image, after its report was written. At the end of a command the process
/// usually exits before that thread is done, and the system takes the memory
/// back at once; in a longer-lived caller it is freed all the same.
pub(crate) fn free_in_background<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure, and the value with it, is
    // dropped here.
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

/// Limits from the flags.
pub(crate) fn limits(args: &ImageArgs) -> Limits {
    let mut l = Limits::default();
    let a = &args.limits;
    if let Some(v) = a.max_image_bytes {
        l.max_total_uncompressed = v;
    }
    if let Some(v) = a.max_layer_bytes {
        l.max_layer_uncompressed = v;
    }
    if let Some(v) = a.max_file_bytes {
        l.max_file_bytes = v;
    }
    if let Some(v) = a.max_manifest_bytes {
        l.max_manifest_bytes = v;
    }
    if let Some(v) = a.max_layer_entries {
        l.max_entries_per_layer = v;
    }
    l
}

/// Registry client settings from the flags.
pub(crate) fn registry_config(args: &ImageArgs) -> anyhow::Result<customs_registry::ClientConfig> {
    registry_config_for(&args.registry, &args.target)
}

/// Registry client settings from the registry flags, with `--password-stdin` credentials
/// bound to the registry of `target`.
pub(crate) fn registry_config_for(
    r: &crate::args::RegistryArgs,
    target: &str,
) -> anyhow::Result<customs_registry::ClientConfig> {
    let mut cfg = customs_registry::ClientConfig {
        insecure_registries: r.insecure_registries.clone(),
        ca_files: r.ca_files.clone(),
        ..Default::default()
    };
    if let Some(p) = &r.docker_config {
        cfg.docker_config = customs_registry::DockerConfigSource::Path(p.clone());
    }
    if r.password_stdin {
        let user = r
            .username
            .clone()
            .ok_or_else(|| UsageError("--password-stdin needs --username".into()))?;
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if let Ok(Target::Registry(reference)) = Target::parse(target) {
            cfg.credentials.insert(
                reference.registry().to_owned(),
                customs_registry::Credentials::new(user, password),
            );
        }
    } else if r.username.is_some() {
        return Err(UsageError(
            "--username needs --password-stdin (passwords are never taken as arguments)".into(),
        )
        .into());
    }
    Ok(cfg)
}

/// Opens the target named by the flags.
pub(crate) fn open_image(args: &ImageArgs) -> anyhow::Result<Image> {
    let target = Target::parse(&args.target)?;
    if args.offline && matches!(target, Target::Registry(_)) {
        return Err(UsageError(format!(
            "{} is a registry image and --offline forbids the network",
            args.target
        ))
        .into());
    }
    let platform = match &args.platform {
        Some(p) => Some(
            p.parse::<customs_oci::Platform>()
                .map_err(|e| UsageError(e.to_string()))?,
        ),
        None => None,
    };
    let opts = OpenOptions {
        platform,
        limits: limits(args),
        registry: registry_config(args)?,
        ..OpenOptions::default()
    };
    Ok(customs_image::open(&target, &opts)?)
}

/// The layer cache the flags ask for.
pub(crate) fn layer_cache(args: &ImageArgs) -> anyhow::Result<Option<LayerCache>> {
    if args.no_cache {
        return Ok(None);
    }
    let dir = args
        .cache
        .cache_dir
        .clone()
        .unwrap_or_else(LayerCache::default_dir);
    Ok(Some(LayerCache::open(&dir)?))
}
