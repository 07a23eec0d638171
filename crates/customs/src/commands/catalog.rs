//! `customs sbom` and `customs packages`: the package catalog of an image.

use std::fmt::Write as _;

use customs_image::{walk, WalkOptions};
use customs_model::Catalog;

use crate::args::{PackagesArgs, SbomArgs, TableOrJson};
use crate::exit::ExitStatus;
use crate::output::write_report;

/// Opens the image and walks every layer once with `analyzers`, showing
/// progress bars on a terminal unless `quiet`; builds the merged file tree
/// only when `tree` (the image-config checks read it; it costs serial time).
pub(crate) fn walk_image(
    image_args: &crate::args::ImageArgs,
    quiet: bool,
    analyzers: &[Box<dyn customs_model::analysis::FileAnalyzer>],
    tree: bool,
) -> anyhow::Result<(customs_image::Image, customs_image::WalkResult)> {
    let image = super::open_image(image_args)?;
    let cache = super::layer_cache(image_args)?;
    let sizes: Vec<u64> = image.layers.iter().map(|l| l.descriptor.size).collect();
    let bars = crate::progress::Bars::new(&sizes, quiet);
    let opts = WalkOptions {
        limits: super::limits(image_args),
        cache: cache.as_ref(),
        progress: bars.as_ref().map_or(
            &customs_image::NoProgress as &dyn customs_image::Progress,
            |b| b,
        ),
        threads: 0,
        tree,
    };
    let walked = walk(&image, analyzers, &opts)?;
    drop(bars);
    Ok((image, walked))
}

/// The catalog of a walked image, with the walk's warnings.
pub(crate) fn assemble_catalog(walked: &customs_image::WalkResult) -> Catalog {
    let mut catalog =
        customs_catalog::assemble(&walked.analysis, &customs_catalog::Options::default());
    catalog
        .warnings
        .extend(walked.analysis.warnings.iter().cloned());
    catalog
}

/// Walks the image with the catalog's analyzers and assembles the catalog.
fn catalog_of(
    image_args: &crate::args::ImageArgs,
    quiet: bool,
) -> anyhow::Result<(customs_image::Image, Catalog)> {
    let (image, walked) = walk_image(image_args, quiet, &customs_catalog::analyzers(), false)?;
    let catalog = assemble_catalog(&walked);
    super::free_in_background(walked);
    Ok((image, catalog))
}

/// The exit status of a catalog command: warnings trip the gate only under `--strict`.
fn strict_status(strict: bool, catalog: &Catalog) -> ExitStatus {
    if strict && !catalog.warnings.is_empty() {
        ExitStatus::GateTripped
    } else {
        ExitStatus::Success
    }
}

pub(crate) fn subject(image: &customs_image::Image) -> customs_sbom::Subject {
    customs_sbom::Subject {
        name: image.target.to_string(),
        image_id: image.config_digest.clone(),
        manifest_digest: image.manifest_digest.clone(),
        repo_digests: Vec::new(),
        layers: image
            .layers
            .iter()
            .map(|l| customs_model::analysis::LayerRef {
                index: l.index,
                digest: Some(l.descriptor.digest.clone()),
                diff_id: Some(l.diff_id.clone()),
                created_by: l.history.as_ref().and_then(|h| h.created_by.clone()),
            })
            .collect(),
        platform: image
            .manifest
            .as_ref()
            .map(|_| image.platform().to_string()),
    }
}

/// RFC 3339 UTC time of now, or of `SOURCE_DATE_EPOCH` for reproducible output.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub(crate) fn sbom(args: SbomArgs) -> anyhow::Result<ExitStatus> {
    let format: customs_sbom::Format = args
        .format
        .parse()
        .map_err(|e: customs_sbom::Error| crate::exit::UsageError(e.to_string()))?;
    let (image, catalog) = catalog_of(&args.image, args.output.quiet)?;
    let opts = customs_sbom::WriteOptions {
        created: now_rfc3339(),
        tool: customs_sbom::ToolInfo {
            name: "customs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        cyclonedx_version: if args.cyclonedx_version.as_deref() == Some("1.5") {
            customs_sbom::CycloneDxVersion::V1_5
        } else {
            customs_sbom::CycloneDxVersion::V1_6
        },
    };
    let mut bytes = Vec::new();
    customs_sbom::write(format, &catalog, &subject(&image), &opts, &mut bytes)?;
    write_report(args.output.output.as_deref(), &bytes)?;
    let status = strict_status(args.strict, &catalog);
    super::free_in_background((image, catalog, bytes));
    Ok(status)
}

pub(crate) fn packages(args: PackagesArgs) -> anyhow::Result<ExitStatus> {
    // `packages sbom:FILE` lists what an SBOM (ours or another tool's) declares.
    let catalog = if let customs_image::Target::Sbom { path } =
        customs_image::Target::parse(&args.image.target)?
    {
        super::scan::read_sbom(&path)?.0
    } else {
        catalog_of(&args.image, args.output.quiet)?.1
    };
    let bytes = match args.format {
        TableOrJson::Json => {
            let mut v = serde_json::to_vec_pretty(&catalog)?;
            v.push(b'\n');
            v
        }
        TableOrJson::Table => {
            let mut s = String::new();
            let _ = writeln!(s, "{:<8} {:<48} {:<36} LAYER", "TYPE", "NAME", "VERSION");
            for p in &catalog.packages {
                let layer = p
                    .locations
                    .first()
                    .and_then(|l| l.layer_index)
                    .map_or_else(|| "-".to_owned(), |i| i.to_string());
                let _ = writeln!(
                    s,
                    "{:<8} {:<48} {:<36} {layer}",
                    p.package_type, p.name, p.version
                );
            }
            let _ = writeln!(s, "\n{} packages", catalog.packages.len());
            for w in &catalog.warnings {
                let _ = writeln!(s, "warning: {w}");
            }
            s.into_bytes()
        }
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    let status = strict_status(args.strict, &catalog);
    super::free_in_background((catalog, bytes));
    Ok(status)
}
