//! `customs db …`: build and describe the vulnerability database.

use std::fmt::Write as _;
use std::path::PathBuf;

use customs_image::LayerCache;

use crate::args::{
    DbImportArgs, DbPathArgs, DbStatusArgs, DbTransferArgs, DbUpdateArgs, TableOrJson,
};
use crate::exit::{ExitStatus, UsageError};
use crate::output::{human_bytes, write_report};

/// The database file the flags name, or the default under the cache directory.
pub(crate) fn db_path(explicit: Option<&PathBuf>, cache_dir: Option<&PathBuf>) -> PathBuf {
    explicit.cloned().unwrap_or_else(|| {
        cache_dir
            .cloned()
            .unwrap_or_else(LayerCache::default_dir)
            .join("db")
            .join("customs.db")
    })
}

fn path_of(args: &DbPathArgs) -> PathBuf {
    db_path(args.db.as_ref(), args.cache.cache_dir.as_ref())
}

pub(crate) fn import(args: DbImportArgs) -> anyhow::Result<ExitStatus> {
    let path = path_of(&args.db);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let opts = customs_vuln::ImportOptions {
        db_path: Some(path.clone()),
        ..Default::default()
    };
    let report = customs_vuln::import_paths(&args.paths, &opts)?;
    let bytes = match args.format {
        TableOrJson::Json => {
            let mut v = serde_json::to_vec_pretty(&report)?;
            v.push(b'\n');
            v
        }
        TableOrJson::Table => {
            let mut s = String::new();
            let _ = writeln!(
                s,
                "{:<24} {:>9} {:>9} {:>9} {:>10}",
                "SOURCE", "RECORDS", "WITHDRAWN", "MALFORMED", "DUPLICATES"
            );
            for src in &report.sources {
                let _ = writeln!(
                    s,
                    "{:<24} {:>9} {:>9} {:>9} {:>10}",
                    src.name, src.records, src.withdrawn, src.malformed, src.duplicates
                );
            }
            for m in &report.malformed {
                let _ = writeln!(
                    s,
                    "skipped {} ({}): {}",
                    m.id.as_deref().unwrap_or("?"),
                    m.location,
                    m.reason
                );
            }
            let _ = writeln!(
                s,
                "\n{} advisories written to {}",
                report.advisories,
                path.display()
            );
            s.into_bytes()
        }
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    Ok(ExitStatus::Success)
}

pub(crate) fn status(args: DbStatusArgs) -> anyhow::Result<ExitStatus> {
    let path = path_of(&args.db);
    let db = customs_vuln::Database::open(&path)?;
    let st = db.status();
    let bytes = match args.format {
        TableOrJson::Json => {
            let mut v = serde_json::to_vec_pretty(&st)?;
            v.push(b'\n');
            v
        }
        TableOrJson::Table => {
            let mut s = String::new();
            let _ = writeln!(s, "database:        {}", path.display());
            let _ = writeln!(s, "schema version:  {}", st.schema_version);
            let _ = writeln!(s, "built:           {}", st.built_at_rfc3339);
            let _ = writeln!(
                s,
                "advisories:      {} ({} package keys, {})",
                st.advisories,
                st.keys,
                human_bytes(st.file_bytes)
            );
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{:<24} {:<12} {:>9} {:>9} {:>9}",
                "SOURCE", "DATA DATE", "RECORDS", "WITHDRAWN", "MALFORMED"
            );
            for src in &st.sources {
                let _ = writeln!(
                    s,
                    "{:<24} {:<12} {:>9} {:>9} {:>9}",
                    src.name,
                    src.data_date
                        .as_deref()
                        .map_or("-", |d| d.get(..10).unwrap_or(d)),
                    src.records,
                    src.withdrawn,
                    src.malformed
                );
            }
            s.into_bytes()
        }
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    Ok(ExitStatus::Success)
}

pub(crate) fn update(args: DbUpdateArgs) -> anyhow::Result<ExitStatus> {
    if args.offline {
        return Err(UsageError("`db update` downloads the feeds and --offline forbids the network; use `customs db import PATH…` with local files".into()).into());
    }
    let path = path_of(&args.db);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut feeds = customs_feeds::FeedSet::default();
    if let Some(u) = args.osv_base {
        feeds.osv_base = u;
    }
    if !args.osv_ecosystems.is_empty() {
        feeds.osv_ecosystems = args.osv_ecosystems;
    }
    if let Some(u) = args.debian_tracker_url {
        feeds.debian_tracker_url = Some(u);
    }
    if args.no_debian {
        feeds.debian_tracker_url = None;
    }
    if let Some(u) = args.alpine_base {
        feeds.alpine_base = u;
    }
    if !args.alpine_releases.is_empty() {
        feeds.alpine_releases = args.alpine_releases;
    }
    let bar = crate::progress::FeedBar::new(args.output.quiet);
    let opts = customs_feeds::UpdateOptions {
        progress: bar.as_ref().map(|b| b.callback()),
        ..Default::default()
    };
    let summary = customs_feeds::update(&path, &feeds, &opts)?;
    drop(bar);
    let bytes = match args.format {
        TableOrJson::Json => {
            let mut v = serde_json::to_vec_pretty(&summary)?;
            v.push(b'\n');
            v
        }
        TableOrJson::Table => {
            let mut s = String::new();
            let _ = writeln!(s, "{:<32} {:<14} {:>10}", "FEED", "FETCH", "BYTES");
            for f in &summary.feeds {
                let fetch = match f.fetch {
                    customs_feeds::Fetch::Downloaded => "downloaded",
                    customs_feeds::Fetch::NotModified => "not modified",
                };
                let _ = writeln!(
                    s,
                    "{:<32} {:<14} {:>10}",
                    f.name,
                    fetch,
                    human_bytes(f.bytes)
                );
            }
            for m in &summary.import.malformed {
                let _ = writeln!(
                    s,
                    "skipped {} ({}): {}",
                    m.id.as_deref().unwrap_or("?"),
                    m.location,
                    m.reason
                );
            }
            let _ = writeln!(
                s,
                "\n{} downloaded; {} ({} advisories, built {}) at {}",
                human_bytes(summary.downloaded_bytes),
                if summary.rebuilt {
                    "database rebuilt"
                } else {
                    "database unchanged"
                },
                summary.status.advisories,
                summary.status.built_at_rfc3339,
                path.display()
            );
            s.into_bytes()
        }
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    Ok(ExitStatus::Success)
}

fn transfer_reference(args: &DbTransferArgs) -> anyhow::Result<customs_oci::Reference> {
    if args.offline {
        return Err(UsageError(format!(
            "{} is in a registry and --offline forbids the network",
            args.reference
        ))
        .into());
    }
    match customs_image::Target::parse(&args.reference)? {
        customs_image::Target::Registry(r) => Ok(r),
        _ => Err(UsageError(format!(
            "{} is not a registry reference (host/repository:tag)",
            args.reference
        ))
        .into()),
    }
}

pub(crate) fn push(args: DbTransferArgs) -> anyhow::Result<ExitStatus> {
    let reference = transfer_reference(&args)?;
    let path = path_of(&args.db);
    let config = super::registry_config_for(&args.registry, &args.reference)?;
    let digest = customs_feeds::push(&path, &reference, &config)?;
    if !args.output.quiet {
        eprintln!("pushed {} as {}@{digest}", path.display(), reference);
    }
    write_report(
        args.output.output.as_deref(),
        format!("{digest}\n").as_bytes(),
    )?;
    Ok(ExitStatus::Success)
}

pub(crate) fn pull(args: DbTransferArgs) -> anyhow::Result<ExitStatus> {
    let reference = transfer_reference(&args)?;
    let path = path_of(&args.db);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let config = super::registry_config_for(&args.registry, &args.reference)?;
    let summary = customs_feeds::pull(&reference, &path, &config)?;
    if !args.output.quiet {
        eprintln!(
            "pulled {}@{} into {} ({} advisories, built {})",
            reference,
            summary.manifest_digest,
            path.display(),
            summary.status.advisories,
            summary.status.built_at_rfc3339
        );
    }
    let mut v = serde_json::to_vec_pretty(&summary)?;
    v.push(b'\n');
    write_report(args.output.output.as_deref(), &v)?;
    Ok(ExitStatus::Success)
}
