//! Problems that let the work continue.

use serde::{Deserialize, Serialize};

/// A problem that did not stop the work: an unreadable package database entry,
/// a malformed manifest inside a jar, an unknown media type in an index.
///
/// Warnings travel next to results (`(T, Vec<Warning>)`) and are listed in
/// reports and SBOMs, so a user sees what was skipped and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// Which part of customs raised it (`dpkg`, `python`, `layer-walk`, ...).
    pub source: String,
    /// What it is about: a path inside the image, a digest, a record ID.
    pub subject: String,
    /// What went wrong, lower-case, no trailing period.
    pub message: String,
}

impl Warning {
    /// Builds a warning.
    pub fn new(
        source: impl Into<String>,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            source: source.into(),
            subject: subject.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.subject, self.message)
    }
}
