//! The one target syntax every command accepts.

use std::fmt;
use std::path::{Path, PathBuf};

use customs_model::Digest;
use customs_oci::Reference;

use crate::Error;

/// Picks one image inside a multi-image archive or layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// By tag (`RepoTags` entry or `org.opencontainers.image.ref.name`).
    Tag(String),
    /// By manifest digest.
    Digest(Digest),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tag(t) => write!(f, ":{t}"),
            Self::Digest(d) => write!(f, "@{d}"),
        }
    }
}

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `docker save` tarball (plain or gzip-compressed).
    DockerArchive {
        /// Archive path.
        path: PathBuf,
        /// Which image, for multi-image archives.
        selector: Option<Selector>,
    },
    /// OCI image layout, as a directory or a tar of one.
    OciLayout {
        /// Directory or tar path.
        path: PathBuf,
        /// Which image.
        selector: Option<Selector>,
    },
    /// An unpacked root filesystem.
    Dir {
        /// Root directory.
        path: PathBuf,
    },
    /// An image in a registry.
    Registry(Reference),
    /// An existing SBOM (SPDX or CycloneDX JSON).
    Sbom {
        /// SBOM path.
        path: PathBuf,
    },
}

fn split_selector(rest: &str) -> Result<(PathBuf, Option<Selector>), String> {
    // The whole string names an existing path: no selector (paths may hold ':').
    if Path::new(rest).exists() {
        return Ok((PathBuf::from(rest), None));
    }
    if let Some((p, d)) = rest.rsplit_once('@') {
        if let Ok(d) = d.parse::<Digest>() {
            return Ok((PathBuf::from(p), Some(Selector::Digest(d))));
        }
    }
    if let Some((p, t)) = rest.rsplit_once(':') {
        // A tag cannot contain '/', so `./a:b/c` is a path.
        if !t.is_empty() && !t.contains('/') && !p.is_empty() {
            return Ok((PathBuf::from(p), Some(Selector::Tag(t.to_owned()))));
        }
    }
    Ok((PathBuf::from(rest), None))
}

impl Target {
    /// Parses a target string.
    ///
    /// A bare string that names an existing file or directory is detected by
    /// content (OCI layout has `index.json`/`oci-layout`; any other tar is a
    /// docker-archive; any other directory is a root filesystem). Anything
    /// else is an image reference.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidTarget {
            target: input.to_owned(),
            reason,
        };
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            let (path, selector) = split_selector(rest).map_err(invalid)?;
            return Ok(Self::DockerArchive { path, selector });
        }
        if let Some(rest) = input
            .strip_prefix("oci-layout:")
            .or_else(|| input.strip_prefix("oci:"))
        {
            let (path, selector) = split_selector(rest).map_err(invalid)?;
            return Ok(Self::OciLayout { path, selector });
        }
        if let Some(rest) = input.strip_prefix("oci-archive:") {
            let (path, selector) = split_selector(rest).map_err(invalid)?;
            return Ok(Self::OciLayout { path, selector });
        }
        if let Some(rest) = input.strip_prefix("dir:") {
            return Ok(Self::Dir {
                path: PathBuf::from(rest),
            });
        }
        if let Some(rest) = input.strip_prefix("sbom:") {
            return Ok(Self::Sbom {
                path: PathBuf::from(rest),
            });
        }
        let reference = input
            .strip_prefix("registry:")
            .or_else(|| input.strip_prefix("docker://"))
            .map(|r| (r, true))
            .unwrap_or((input, false));
        if !reference.1 {
            let p = Path::new(input);
            if p.is_dir() {
                return Ok(
                    if p.join("index.json").is_file() && p.join("oci-layout").is_file() {
                        Self::OciLayout {
                            path: p.to_path_buf(),
                            selector: None,
                        }
                    } else {
                        Self::Dir {
                            path: p.to_path_buf(),
                        }
                    },
                );
            }
            if p.is_file() {
                return Ok(Self::DockerArchive {
                    path: p.to_path_buf(),
                    selector: None,
                });
            }
        }
        Reference::parse(reference.0)
            .map(Self::Registry)
            .map_err(|e| invalid(e.to_string()))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sel = |s: &Option<Selector>| s.as_ref().map(ToString::to_string).unwrap_or_default();
        match self {
            Self::DockerArchive { path, selector } => {
                write!(f, "docker-archive:{}{}", path.display(), sel(selector))
            }
            Self::OciLayout { path, selector } => {
                write!(f, "oci-layout:{}{}", path.display(), sel(selector))
            }
            Self::Dir { path } => write!(f, "dir:{}", path.display()),
            Self::Registry(r) => write!(f, "registry:{r}"),
            Self::Sbom { path } => write!(f, "sbom:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            Target::parse("docker-archive:/nonexistent/x.tar:v1").unwrap(),
            Target::DockerArchive {
                path: "/nonexistent/x.tar".into(),
                selector: Some(Selector::Tag("v1".into()))
            }
        );
        let d = format!("sha256:{}", "b".repeat(64));
        assert_eq!(
            Target::parse(&format!("oci-layout:/nonexistent/l@{d}")).unwrap(),
            Target::OciLayout {
                path: "/nonexistent/l".into(),
                selector: Some(Selector::Digest(d.parse().unwrap()))
            }
        );
        assert_eq!(
            Target::parse("dir:/x").unwrap(),
            Target::Dir { path: "/x".into() }
        );
        match Target::parse("nginx").unwrap() {
            Target::Registry(r) => assert_eq!(r.to_string(), "docker.io/library/nginx:latest"),
            other => panic!("{other:?}"),
        }
        match Target::parse("registry:host:5000/r:t").unwrap() {
            Target::Registry(r) => assert_eq!(r.registry(), "host:5000"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Target::parse("NOT A REF"),
            Err(Error::InvalidTarget { .. })
        ));
    }
}
