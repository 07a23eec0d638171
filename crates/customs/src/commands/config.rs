//! `customs config PATH…`: misconfiguration checks of Dockerfiles and Kubernetes manifests.

use std::fmt::Write as _;

use anyhow::Context as _;
use customs_model::Severity;

use crate::args::ConfigArgs;
use crate::exit::{ExitStatus, UsageError};
use crate::output::write_report;

pub(crate) fn run(args: ConfigArgs) -> anyhow::Result<ExitStatus> {
    let opts = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            customs_misconfig::Options::from_yaml(&text)
                .with_context(|| format!("invalid misconfiguration config {}", p.display()))?
        }
        None => customs_misconfig::Options::default(),
    };
    let fail_on = match &args.fail_on {
        Some(s) => Some(
            s.parse::<Severity>()
                .map_err(|e| UsageError(e.to_string()))?,
        ),
        None => None,
    };
    let mut report = customs_misconfig::Report::default();
    for path in &args.paths {
        if !path.exists() {
            return Err(UsageError(format!("{} does not exist", path.display())).into());
        }
        let r = customs_misconfig::check_path(path, &opts);
        report.findings.extend(r.findings);
        report.warnings.extend(r.warnings);
    }
    let bytes = match args.format.as_str() {
        "json" => serde_json::to_vec_pretty(&customs_misconfig::to_json(&report))?,
        "sarif" => serde_json::to_vec_pretty(&customs_misconfig::to_sarif(
            &report,
            env!("CARGO_PKG_VERSION"),
        ))?,
        "table" => table(&report).into_bytes(),
        other => {
            return Err(UsageError(format!("unknown format {other:?} (table, json, sarif)")).into())
        }
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    let tripped = fail_on.is_some_and(|t| report.at_or_above(t).next().is_some());
    Ok(if tripped {
        ExitStatus::GateTripped
    } else {
        ExitStatus::Success
    })
}

fn table(report: &customs_misconfig::Report) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let at = f
            .line
            .map_or_else(|| f.file.clone(), |l| format!("{}:{l}", f.file));
        let _ = writeln!(
            s,
            "{:<8} {:<28} {at}\n         {}",
            f.severity, f.rule_id, f.message
        );
    }
    let _ = writeln!(s, "\n{} findings", report.findings.len());
    for w in &report.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}
