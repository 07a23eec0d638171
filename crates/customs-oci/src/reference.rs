//! Image references (`[registry/]repository[:tag][@digest]`), parsed by the
//! grammar of the distribution project and normalised the way Docker does.

use std::fmt;
use std::str::FromStr;

use customs_model::Digest;

/// The canonical name of Docker Hub in references.
pub const DOCKER_HUB_REGISTRY: &str = "docker.io";

/// Host that serves Docker Hub's registry API. Built from parts only because
/// references spell Docker Hub as `docker.io` while its API lives elsewhere.
const DOCKER_HUB_API_HOST: &str = concat!("registry-1", ".docker.io");

/// A parsed, normalised image reference.
///
/// `nginx` becomes `docker.io/library/nginx:latest`; a reference with a digest
/// and no tag keeps no tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// Empty input.
    #[error("image reference is empty")]
    Empty,
    /// Longer than the 255 characters a repository name may have, or absurdly long.
    #[error("image reference {0:?} is too long")]
    TooLong(String),
    /// The repository part breaks the naming rules.
    #[error("image reference {reference:?} has an invalid repository name {repository:?} (lower-case letters, digits and separators . _ __ - only)")]
    InvalidRepository {
        /// Input.
        reference: String,
        /// Offending part.
        repository: String,
    },
    /// The tag breaks the tag rules.
    #[error("image reference {reference:?} has an invalid tag {tag:?}")]
    InvalidTag {
        /// Input.
        reference: String,
        /// Offending tag.
        tag: String,
    },
    /// The digest is malformed.
    #[error("image reference {reference:?} has an invalid digest")]
    InvalidDigest {
        /// Input.
        reference: String,
        /// Why.
        #[source]
        source: customs_model::DigestError,
    },
    /// The registry host part is malformed.
    #[error("image reference {reference:?} has an invalid registry host {registry:?}")]
    InvalidRegistry {
        /// Input.
        reference: String,
        /// Offending host.
        registry: String,
    },
}

fn is_valid_component(c: &str) -> bool {
    // [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
    let b = c.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    let mut expect_alnum = true;
    while i < b.len() {
        let ch = b.get(i).copied().unwrap_or(0);
        if alnum(ch) {
            expect_alnum = false;
            i += 1;
            continue;
        }
        if expect_alnum {
            return false;
        }
        // a separator run
        let start = i;
        while i < b.len() && !alnum(b.get(i).copied().unwrap_or(0)) {
            i += 1;
        }
        let sep = c.get(start..i).unwrap_or("");
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
        expect_alnum = true;
    }
    !expect_alnum
}

fn is_valid_tag(t: &str) -> bool {
    // [\w][\w.-]{0,127}
    let b = t.as_bytes();
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    match b.split_first() {
        Some((first, rest)) => {
            word(*first)
                && rest.len() <= 127
                && rest.iter().all(|&x| word(x) || x == b'.' || x == b'-')
        }
        None => false,
    }
}

fn is_valid_registry(r: &str) -> bool {
    // host[:port], host may be an IPv6 literal in brackets.
    let (host, port) = if let Some(rest) = r.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) => {
                if h.is_empty() || !h.bytes().all(|x| x.is_ascii_hexdigit() || x == b':') {
                    return false;
                }
                (h, tail.strip_prefix(':'))
            }
            None => return false,
        }
    } else {
        match r.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (r, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|x| x.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host
            .bytes()
            .all(|x| x.is_ascii_alphanumeric() || x == b'.' || x == b'-' || x == b':')
}

impl Reference {
    /// Parses and normalises a reference.
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if s.len() > 1024 {
            return Err(ReferenceError::TooLong(s.chars().take(64).collect()));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((name, d)) => {
                let digest =
                    d.parse::<Digest>()
                        .map_err(|source| ReferenceError::InvalidDigest {
                            reference: s.to_owned(),
                            source,
                        })?;
                (name, Some(digest))
            }
            None => (s, None),
        };
        // The tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest.get(last_slash..).and_then(|tail| tail.rfind(':')) {
            Some(i) => {
                let cut = last_slash + i;
                (
                    rest.get(..cut).unwrap_or(""),
                    rest.get(cut + 1..).map(str::to_owned),
                )
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            if !is_valid_tag(t) {
                return Err(ReferenceError::InvalidTag {
                    reference: s.to_owned(),
                    tag: t.clone(),
                });
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.starts_with('[') =>
            {
                (first.to_owned(), remainder.to_owned())
            }
            _ => (DOCKER_HUB_REGISTRY.to_owned(), name.to_owned()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB_REGISTRY.to_owned(),
            _ => registry,
        };
        if !is_valid_registry(&registry) {
            return Err(ReferenceError::InvalidRegistry {
                reference: s.to_owned(),
                registry,
            });
        }
        let repository = if registry == DOCKER_HUB_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.len() > 255 || !repository.split('/').all(is_valid_component) {
            return Err(ReferenceError::InvalidRepository {
                reference: s.to_owned(),
                repository,
            });
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_owned()),
            _ => tag,
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Registry as written in the reference, normalised (`docker.io` for Docker Hub).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The host (and port) to contact for the registry API.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB_REGISTRY {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    /// Repository path, e.g. `library/nginx`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// Digest, if any.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What to ask the registry for: the digest if present, else the tag.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_owned(),
        }
    }

    /// The same repository pinned to a digest (tag dropped).
    pub fn with_digest(&self, digest: Digest) -> Self {
        Self {
            digest: Some(digest),
            tag: None,
            ..self.clone()
        }
    }

    /// The same repository with another tag (digest dropped).
    pub fn with_tag(&self, tag: &str) -> Self {
        Self {
            digest: None,
            tag: Some(tag.to_owned()),
            ..self.clone()
        }
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn docker_hub_normalisation() {
        assert_eq!(norm("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(norm("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(norm("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            norm("index.docker.io/library/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(
            Reference::parse("nginx").unwrap().api_host(),
            DOCKER_HUB_API_HOST
        );
    }

    #[test]
    fn hosts_ports_and_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("host:5000/r@{d}")).unwrap();
        assert_eq!(r.registry(), "host:5000");
        assert_eq!(r.repository(), "r");
        assert_eq!(r.tag(), None);
        assert_eq!(r.manifest_reference(), d);
        let r = Reference::parse("ghcr.io/o/r:tag").unwrap();
        assert_eq!(
            (r.registry(), r.repository(), r.tag()),
            ("ghcr.io", "o/r", Some("tag"))
        );
        let r = Reference::parse("localhost/app").unwrap();
        assert_eq!(r.registry(), "localhost");
        let r = Reference::parse("127.0.0.1:5000/fixtures/polyglot-app:latest").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "fixtures/polyglot-app");
        let r = Reference::parse(&format!("a/b:t@{d}")).unwrap();
        assert_eq!(r.tag(), Some("t"));
        assert_eq!(r.manifest_reference(), d);
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(Reference::parse(""), Err(ReferenceError::Empty));
        assert!(matches!(
            Reference::parse("UPPER"),
            Err(ReferenceError::InvalidRepository { .. })
        ));
        assert!(matches!(
            Reference::parse("a//b"),
            Err(ReferenceError::InvalidRepository { .. })
        ));
        assert!(matches!(
            Reference::parse("a:-x"),
            Err(ReferenceError::InvalidTag { .. })
        ));
        assert!(matches!(
            Reference::parse("a@sha256:xyz"),
            Err(ReferenceError::InvalidDigest { .. })
        ));
        assert!(matches!(
            Reference::parse("a__-b"),
            Err(ReferenceError::InvalidRepository { .. })
        ));
        assert!(Reference::parse(&"a".repeat(5000)).is_err());
        assert!(Reference::parse("host:99999999/x").is_err());
    }

    #[test]
    fn separators() {
        assert!(is_valid_component("a.b_c__d---e"));
        assert!(!is_valid_component("a."));
        assert!(!is_valid_component("-a"));
        assert!(!is_valid_component("a___b"));
    }
}
