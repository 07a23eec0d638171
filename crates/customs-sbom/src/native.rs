//! customs' own JSON: the catalog and subject as the model serialises them,
//! with a format tag and a version so readers can tell it apart and evolve.

use customs_model::Catalog;
use serde::{Deserialize, Serialize};

use crate::{Error, Subject, ToolInfo, WriteOptions};

/// The `format` field's value.
pub(crate) const FORMAT: &str = "customs-sbom";
/// The `version` field's value. Bump it when the layout changes in a way
/// older readers would misread (new optional fields do not count).
pub(crate) const VERSION: u64 = 1;

#[derive(Serialize)]
pub(crate) struct Document<'a> {
    format: &'static str,
    version: u64,
    created: &'a str,
    tool: &'a ToolInfo,
    subject: &'a Subject,
    catalog: &'a Catalog,
}

pub(crate) fn document<'a>(
    catalog: &'a Catalog,
    subject: &'a Subject,
    opts: &'a WriteOptions,
) -> Document<'a> {
    Document {
        format: FORMAT,
        version: VERSION,
        created: &opts.created,
        tool: &opts.tool,
        subject,
        catalog,
    }
}

#[derive(Deserialize)]
struct Input {
    #[serde(default)]
    subject: Option<Subject>,
    catalog: Catalog,
}

pub(crate) fn read(bytes: &[u8], version: u64) -> Result<(Catalog, Option<Subject>), Error> {
    if version != VERSION {
        return Err(Error::UnsupportedVersion {
            format: "customs",
            version: version.to_string(),
        });
    }
    let input: Input = serde_json::from_slice(bytes).map_err(|source| Error::MalformedJson {
        format: "customs",
        source,
    })?;
    Ok((input.catalog, input.subject))
}
