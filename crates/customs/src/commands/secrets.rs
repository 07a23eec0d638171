//! `customs secrets TARGET`: secrets in a source tree (`dir:PATH`) or in every layer of an
//! image, deleted files, the image config and its history included.

use customs_image::Target;
use customs_model::analysis::FileAnalyzer;

use crate::args::SecretsArgs;
use crate::exit::{ExitStatus, UsageError};
use crate::output::write_report;

pub(crate) fn run(args: SecretsArgs) -> anyhow::Result<ExitStatus> {
    let fail_on = super::scan::parse_severity_opt(args.fail_on.as_deref())?;
    let format = args.format.to_ascii_lowercase();
    if !["table", "json", "sarif"].contains(&format.as_str()) {
        return Err(UsageError(format!(
            "unknown format {:?} (table, json, sarif)",
            args.format
        ))
        .into());
    }
    if matches!(Target::parse(&args.image.target)?, Target::Sbom { .. }) {
        return Err(
            UsageError("an SBOM holds no file contents to search for secrets".into()).into(),
        );
    }
    let secrets = std::sync::Arc::new(customs_secrets::SecretAnalyzer::new(
        super::scan::secret_scanner(args.config.as_deref(), args.scan_binaries)?,
    ));
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(secrets.clone())];
    let mut image_args = args.image.clone();
    // Cached layer results are keyed by analyzer id and version only (see scan).
    image_args.no_cache |= args.config.is_some() || args.scan_binaries;
    let (image, walked) =
        super::catalog::walk_image(&image_args, args.output.quiet, &analyzers, false)?;
    let mut report = super::scan::new_report(super::scan::subject_of_image(&image, None));
    report.add_secrets(super::scan::image_secrets(
        secrets.scanner(),
        &image,
        &walked,
    ));
    report
        .warnings
        .extend(walked.analysis.warnings.iter().cloned());
    let mut bytes = Vec::new();
    match format.as_str() {
        "json" => customs_report::render_json(&report, &mut bytes)?,
        "sarif" => customs_report::render_sarif(&report, &mut bytes)?,
        _ => customs_report::render_table(
            &report,
            args.output.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
            &mut bytes,
        )?,
    }
    write_report(args.output.output.as_deref(), &bytes)?;
    let tripped = fail_on.is_some_and(|t| report.max_severity(false).is_some_and(|m| m >= t));
    Ok(if tripped {
        ExitStatus::GateTripped
    } else {
        ExitStatus::Success
    })
}
