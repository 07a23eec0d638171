//! `customs scan TARGET`: one pass over the image (or an SBOM) that catalogs packages,
//! matches them against the vulnerability database, finds secrets and checks the image
//! config, then renders one report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use customs_image::Target;
use customs_model::analysis::FileAnalyzer;
use customs_model::{Catalog, Severity};

use crate::args::{ScanArgs, ScannerKind};
use crate::exit::{ExitStatus, UsageError};
use crate::output::write_report;

/// Largest SBOM file `scan sbom:FILE` reads.
const MAX_SBOM_BYTES: u64 = 256 << 20;

/// What was scanned, before findings are filtered and rendered.
struct Gathered {
    subject: customs_report::Subject,
    catalog: Catalog,
    walked: Option<(customs_image::Image, customs_image::WalkResult)>,
}

pub(crate) fn run(args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let scanners: BTreeSet<ScannerKind> = args.scanners.iter().copied().collect();
    let severities = parse_severities(&args.severity)?;
    let fail_on = parse_severity_opt(args.fail_on.as_deref())?;
    let format = args.format.to_ascii_lowercase();
    if !["table", "json", "sarif", "cyclonedx", "html"].contains(&format.as_str()) {
        return Err(UsageError(format!(
            "unknown format {:?} (table, json, sarif, cyclonedx, html)",
            args.format
        ))
        .into());
    }
    let target = Target::parse(&args.image.target)?;

    // A missing, truncated or outdated database fails before the long walk.
    // Its checksum and index (16 ms for the shared advisories) are read on a
    // thread of its own once the image is walked, while the catalog is
    // assembled on one core and the other would wait.
    let db_path = if scanners.contains(&ScannerKind::Vuln) {
        let path = super::db::db_path(args.db.as_ref(), args.image.cache.cache_dir.as_ref());
        if !path.exists() && !args.image.offline && !args.skip_db_update {
            // As Trivy does on a first scan: fetch the public feeds once, then reuse them.
            download_db(&path, args.output.quiet)?;
        }
        probe_db(&path)?;
        Some(path)
    } else {
        None
    };
    let mut db_opening = None;
    let secret_scanner = if scanners.contains(&ScannerKind::Secret) {
        Some(std::sync::Arc::new(customs_secrets::SecretAnalyzer::new(
            secret_scanner(args.secret_config.as_deref(), args.scan_binaries)?,
        )))
    } else {
        None
    };
    let misconfig_opts = match &args.misconfig_config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            customs_misconfig::Options::from_yaml(&text)
                .with_context(|| format!("invalid misconfiguration config {}", p.display()))?
        }
        None => customs_misconfig::Options::default(),
    };

    let mut warnings = Vec::new();
    let gathered = match &target {
        Target::Sbom { path } => {
            for s in [ScannerKind::Secret, ScannerKind::Misconfig] {
                if args.scanners.contains(&s) {
                    warnings.push(customs_model::Warning::new(
                        "scan",
                        path.display().to_string(),
                        format!(
                            "the {} scanner needs an image; an SBOM lists packages only",
                            scanner_name(s)
                        ),
                    ));
                }
            }
            gather_sbom(path)?
        }
        _ => {
            let need_catalog = db_path.is_some() || args.list_all_pkgs;
            let mut analyzers: Vec<Box<dyn FileAnalyzer>> = if need_catalog {
                customs_catalog::analyzers()
            } else {
                Vec::new()
            };
            if let Some(secrets) = &secret_scanner {
                analyzers.push(Box::new(secrets.clone()));
            }
            let mut image_args = args.image.clone();
            // Cached layer results are keyed by analyzer id and version only, so results
            // made with other secret rules must not be read back (nor written).
            image_args.no_cache |= args.secret_config.is_some() || args.scan_binaries;
            let (image, walked) = super::catalog::walk_image(
                &image_args,
                args.output.quiet,
                &analyzers,
                scanners.contains(&ScannerKind::Misconfig),
            )?;
            db_opening = db_path
                .clone()
                .map(|path| std::thread::spawn(move || open_db(&path)));
            let catalog = if need_catalog {
                super::catalog::assemble_catalog(&walked)
            } else {
                Catalog::default()
            };
            Gathered {
                subject: subject_of_image(&image, catalog.os.clone()),
                catalog,
                walked: Some((image, walked)),
            }
        }
    };

    let db =
        match (db_opening, &db_path) {
            (Some(opening), _) => Some(opening.join().unwrap_or_else(|_| {
                Err(anyhow::anyhow!("the thread opening the database stopped"))
            })?),
            (None, Some(path)) => Some(open_db(path)?),
            (None, None) => None,
        };

    let mut report = new_report(gathered.subject);
    report.package_count = gathered.catalog.packages.len();
    report
        .warnings
        .extend(gathered.catalog.warnings.iter().cloned());
    report.warnings.extend(warnings);

    if let Some(db) = &db {
        let opts = customs_vuln::MatchOptions {
            max_db_age: Some(Duration::from_secs(args.db_max_age.saturating_mul(3600))),
            ..Default::default()
        };
        let mut matched = customs_vuln::match_catalog(db, &gathered.catalog, &opts);
        let vex = read_vex(&args.vex)?;
        let ignore = read_ignore(args.ignorefile.as_deref())?;
        customs_vuln::triage::apply(
            &mut matched,
            &vex,
            ignore.as_ref(),
            customs_vuln::triage::Date::today(),
        );
        report.database = Some(customs_report::DatabaseInfo::from(&db.status()));
        report.add_vulnerabilities(matched);
    }
    if args.list_all_pkgs {
        report.packages = gathered.catalog.packages.clone();
    }
    if let Some((image, walked)) = &gathered.walked {
        if let Some(secrets) = &secret_scanner {
            report.add_secrets(image_secrets(secrets.scanner(), image, walked));
        }
        if scanners.contains(&ScannerKind::Misconfig) {
            let input = misconfig_input(image, walked);
            report.add_misconfigurations(&customs_misconfig::check_image_config(
                &input,
                &misconfig_opts,
            ));
        }
    }

    report.filter(&severities, args.ignore_unfixed);
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => args.output.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let mut bytes = Vec::new();
    match format.as_str() {
        "json" => customs_report::render_json(&report, &mut bytes)?,
        "sarif" => customs_report::render_sarif(&report, &mut bytes)?,
        "cyclonedx" => customs_report::render_cyclonedx(&report, &mut bytes)?,
        "html" => customs_report::render_html(&report, &mut bytes)?,
        _ => customs_report::render_table(&report, color, &mut bytes)?,
    }
    write_report(args.output.output.as_deref(), &bytes)?;

    let tripped = fail_on.is_some_and(|t| report.max_severity(false).is_some_and(|m| m >= t))
        || (args.strict && !gathered.catalog.warnings.is_empty());
    super::free_in_background((gathered.catalog, gathered.walked, report, db, bytes));
    Ok(if tripped {
        ExitStatus::GateTripped
    } else {
        ExitStatus::Success
    })
}

/// Catalog and vulnerability match of an image, for `attest --from-scan --type vuln`.
pub(crate) fn vulnerability_report(
    image_args: &crate::args::ImageArgs,
    db: Option<&PathBuf>,
    quiet: bool,
) -> anyhow::Result<customs_report::ScanReport> {
    let path = super::db::db_path(db, image_args.cache.cache_dir.as_ref());
    let db = open_db(&path)?;
    let (image, walked) =
        super::catalog::walk_image(image_args, quiet, &customs_catalog::analyzers(), false)?;
    let catalog = super::catalog::assemble_catalog(&walked);
    let mut report = new_report(subject_of_image(&image, catalog.os.clone()));
    report.package_count = catalog.packages.len();
    report.warnings.extend(catalog.warnings.iter().cloned());
    report.database = Some(customs_report::DatabaseInfo::from(&db.status()));
    report.add_vulnerabilities(customs_vuln::match_catalog(
        &db,
        &catalog,
        &customs_vuln::MatchOptions::default(),
    ));
    report.sort();
    Ok(report)
}

fn scanner_name(s: ScannerKind) -> &'static str {
    match s {
        ScannerKind::Vuln => "vuln",
        ScannerKind::Secret => "secret",
        ScannerKind::Misconfig => "misconfig",
    }
}

/// Secrets in every layer (deleted and replaced files included) and, for images, in the
/// config and history.
pub(crate) fn image_secrets(
    scanner: &customs_secrets::Scanner,
    image: &customs_image::Image,
    walked: &customs_image::WalkResult,
) -> Vec<customs_report::SecretFinding> {
    let mut found: Vec<customs_report::SecretFinding> =
        customs_secrets::image_findings(&walked.analysis)
            .iter()
            .map(customs_report::SecretFinding::from)
            .collect();
    if !matches!(image.target, Target::Dir { .. }) {
        found.extend(
            customs_secrets::scan_image_config(scanner, &image.config)
                .iter()
                .map(customs_report::SecretFinding::from),
        );
    }
    found
}

pub(crate) fn parse_severity_opt(s: Option<&str>) -> anyhow::Result<Option<Severity>> {
    s.map(|s| {
        s.parse::<Severity>()
            .map_err(|e| UsageError(e.to_string()).into())
    })
    .transpose()
}

fn parse_severities(list: &[String]) -> anyhow::Result<Vec<Severity>> {
    list.iter()
        .map(|s| {
            s.trim()
                .parse::<Severity>()
                .map_err(|e| UsageError(e.to_string()).into())
        })
        .collect()
}

/// Opens the database, turning "absent" into a message that says how to get one.
fn open_db(path: &Path) -> anyhow::Result<customs_vuln::Database> {
    if !path.exists() {
        return Err(MissingDb(path.to_owned()).into());
    }
    Ok(customs_vuln::Database::open(path)?)
}

/// The cheap checks of [`customs_vuln::Database::probe`], with the same
/// error as [`open_db`] for a missing file.
fn probe_db(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        return Err(MissingDb(path.to_owned()).into());
    }
    Ok(customs_vuln::Database::probe(path)?)
}

fn download_db(path: &Path, quiet: bool) -> anyhow::Result<()> {
    if !quiet {
        eprintln!(
            "no vulnerability database at {}; downloading the advisory feeds (`customs db update`)",
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bar = crate::progress::FeedBar::new(quiet);
    let opts = customs_feeds::UpdateOptions {
        progress: bar.as_ref().map(|b| b.callback()),
        ..Default::default()
    };
    customs_feeds::update(path, &customs_feeds::FeedSet::default(), &opts)
        .context("cannot download the vulnerability database")?;
    Ok(())
}

/// No vulnerability database where the scan looked for one.
#[derive(Debug)]
pub(crate) struct MissingDb(pub(crate) PathBuf);

impl std::fmt::Display for MissingDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no vulnerability database at {}", self.0.display())
    }
}

impl std::error::Error for MissingDb {}

/// Builds the secret scanner from the built-in rules and an optional YAML config.
pub(crate) fn secret_scanner(
    config: Option<&Path>,
    scan_binaries: bool,
) -> anyhow::Result<customs_secrets::Scanner> {
    let rules = match config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let cfg = customs_secrets::Config::from_yaml(&text)
                .with_context(|| format!("invalid secret config {}", p.display()))?;
            customs_secrets::RuleSet::from_config(&cfg)
                .with_context(|| format!("invalid secret config {}", p.display()))?
        }
        None => customs_secrets::RuleSet::builtin(),
    };
    let opts = customs_secrets::ScanOptions {
        scan_binaries,
        ..Default::default()
    };
    Ok(customs_secrets::Scanner::new(rules, opts))
}

pub(crate) fn read_bounded(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > max {
        return Err(UsageError(format!(
            "{} is {} bytes, more than the {max} this command reads",
            path.display(),
            meta.len()
        ))
        .into());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_vex(paths: &[PathBuf]) -> anyhow::Result<Vec<customs_vuln::triage::OpenVex>> {
    paths
        .iter()
        .map(|p| {
            let bytes = read_bounded(p, 64 << 20)?;
            customs_vuln::triage::OpenVex::parse(&bytes, &Default::default())
                .with_context(|| format!("invalid OpenVEX document {}", p.display()))
        })
        .collect()
}

fn read_ignore(
    explicit: Option<&Path>,
) -> anyhow::Result<Option<customs_vuln::triage::IgnoreFile>> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => {
            let default = PathBuf::from(".customsignore");
            if !default.is_file() {
                return Ok(None);
            }
            default
        }
    };
    let bytes = read_bounded(&path, 16 << 20)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut file = customs_vuln::triage::IgnoreFile::parse(&text)
        .with_context(|| format!("invalid ignore file {}", path.display()))?;
    file.path = Some(path.display().to_string());
    Ok(Some(file))
}

/// Reads an SBOM file (any format customs-sbom knows), bounded in size.
pub(crate) fn read_sbom(path: &Path) -> anyhow::Result<(Catalog, Option<customs_sbom::Subject>)> {
    let bytes = read_bounded(path, MAX_SBOM_BYTES)?;
    customs_sbom::read(&bytes).with_context(|| format!("cannot read SBOM {}", path.display()))
}

fn gather_sbom(path: &Path) -> anyhow::Result<Gathered> {
    let (catalog, subject) = read_sbom(path)?;
    let mut s = customs_report::Subject {
        name: format!("sbom:{}", path.display()),
        kind: "sbom".into(),
        os: catalog.os.clone(),
        ..Default::default()
    };
    if let Some(sub) = subject {
        s.image_id = sub.image_id;
        s.manifest_digest = sub.manifest_digest;
        s.platform = sub.platform;
        s.layers = sub.layers;
    }
    Ok(Gathered {
        subject: s,
        catalog,
        walked: None,
    })
}

/// An empty report by this program, created now.
pub(crate) fn new_report(subject: customs_report::Subject) -> customs_report::ScanReport {
    customs_report::ScanReport::new(
        customs_report::Tool {
            name: "customs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        super::catalog::now_rfc3339(),
        subject,
    )
}

/// The report subject of an opened image (its SBOM subject, plus the detected OS).
pub(crate) fn subject_of_image(
    image: &customs_image::Image,
    os: Option<customs_model::OsRelease>,
) -> customs_report::Subject {
    let sbom_subject = super::catalog::subject(image);
    customs_report::Subject {
        name: sbom_subject.name,
        kind: if matches!(image.target, Target::Dir { .. }) {
            "dir".into()
        } else {
            "image".into()
        },
        image_id: sbom_subject.image_id,
        manifest_digest: sbom_subject.manifest_digest,
        platform: sbom_subject.platform,
        os,
        layers: sbom_subject.layers,
    }
}

/// What the image-config checks need: the config, history, and the files of the final
/// filesystem that matter to them (setuid/setgid, world-writable directories, package caches).
fn misconfig_input(
    image: &customs_image::Image,
    walked: &customs_image::WalkResult,
) -> customs_misconfig::ImageConfigInput {
    use customs_misconfig::{ImageFile, ImageFileKind, ImageHistory};
    let rc = image.config.config.clone().unwrap_or_default();
    let exposed_ports = rc
        .exposed_ports
        .as_ref()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let healthcheck = rc.healthcheck.is_some();
    let files = walked
        .tree
        .present()
        .filter(|(path, e)| {
            e.mode & 0o6000 != 0
                || (e.kind == customs_model::analysis::EntryKind::Directory && e.mode & 0o002 != 0)
                || customs_misconfig::is_cache_path(path)
        })
        .map(|(path, e)| ImageFile {
            path: path.to_owned(),
            mode: e.mode,
            kind: match e.kind {
                customs_model::analysis::EntryKind::Regular
                | customs_model::analysis::EntryKind::HardLink => ImageFileKind::Regular,
                customs_model::analysis::EntryKind::Directory => ImageFileKind::Directory,
                customs_model::analysis::EntryKind::Symlink => ImageFileKind::Symlink,
                customs_model::analysis::EntryKind::Other => ImageFileKind::Other,
            },
            layer: e.layer,
        })
        .collect();
    customs_misconfig::ImageConfigInput {
        name: image.target.to_string(),
        user: rc.user,
        env: rc.env.unwrap_or_default(),
        exposed_ports,
        healthcheck,
        labels: rc.labels.unwrap_or_default(),
        history: image
            .config
            .history
            .iter()
            .map(|h| ImageHistory {
                created_by: h.created_by.clone().unwrap_or_default(),
                empty_layer: h.empty_layer,
            })
            .collect(),
        files,
        base_layers: None,
    }
}
