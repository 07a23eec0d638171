//! Errors of the renderers.

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The output could not be written.
    #[error("cannot write the report")]
    Write(#[source] std::io::Error),
    /// The report could not be serialised.
    #[error("cannot serialise the report")]
    Serialize(#[source] serde_json::Error),
    /// A format name that is not one of ours.
    #[error("unknown report format {0:?} (expected table, json, sarif, cyclonedx or html)")]
    UnknownFormat(String),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Write(e)
    }
}
