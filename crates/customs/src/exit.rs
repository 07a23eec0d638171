//! Exit codes (documented in docs/exit-codes.md) and error reporting.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// 0: success, nothing at or above the gate.
    Success,
    /// 1: the gate tripped (findings at or above `--fail-on`, policy denied).
    GateTripped,
    /// 2: usage error (bad flags or target syntax); clap uses it too.
    Usage,
    /// 3: runtime error: the input could not be read, verified or fetched.
    Failure,
    /// 4: verification found no valid signature or attestation.
    Unverified,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::GateTripped => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Failure => 3,
            ExitStatus::Unverified => 4,
        })
    }
}

/// A usage problem found after argument parsing (bad target syntax, ...).
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Prints `error: …`, its causes and a hint; returns the exit status.
pub(crate) fn report_error(err: &anyhow::Error) -> ExitStatus {
    // A closed pipe (`customs … | head`) is not an error.
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return ExitStatus::Success;
        }
    }
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(h) = hint(err) {
        eprintln!("hint: {h}");
    }
    let usage = err.downcast_ref::<UsageError>().is_some()
        || matches!(
            err.downcast_ref::<customs_image::Error>(),
            Some(customs_image::Error::InvalidTarget { .. })
        );
    if usage {
        ExitStatus::Usage
    } else {
        ExitStatus::Failure
    }
}

fn hint(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        if cause.downcast_ref::<crate::commands::MissingDb>().is_some() {
            return Some(
                "run `customs db update` to download it, `customs db pull REF` from a registry mirror, \
                 or `customs db import PATH…` from advisory files; `--scanners secret,misconfig` scans without it"
                    .into(),
            );
        }
        if let Some(e) = cause.downcast_ref::<customs_vuln::DbError>() {
            if matches!(
                e,
                customs_vuln::DbError::Corrupt { .. }
                    | customs_vuln::DbError::NotADatabase { .. }
                    | customs_vuln::DbError::SchemaMismatch { .. }
            ) {
                return Some(
                    "run `customs db update` (or `customs db import PATH…`) to rebuild it".into(),
                );
            }
        }
        if let Some(e) = cause.downcast_ref::<customs_image::Error>() {
            if let Some(h) = e.hint() {
                return Some(h.to_owned());
            }
        }
        if let Some(e) = cause.downcast_ref::<customs_feeds::Error>() {
            if let Some(h) = e.hint() {
                return Some(h.to_owned());
            }
        }
        if let Some(e) = cause.downcast_ref::<customs_registry::Error>() {
            if let Some(h) = e.hint() {
                return Some(h.to_string());
            }
        }
    }
    None
}
