//! Just enough of the package-url spec to read other tools' SBOMs and to name
//! the image: parse a purl into its parts, and build `pkg:oci/…`.

use customs_model::PackageType;

/// A parsed package-url, components percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Purl {
    /// Lower-cased type.
    pub(crate) ty: String,
    /// Namespace segments joined with `/`, empty when absent.
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) version: Option<String>,
    pub(crate) qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// Parses a purl; `None` when it is not one.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("pkg:")?;
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let rest = rest.trim_matches('/');
        let (ty, rest) = rest.split_once('/')?;
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(&b))
        {
            return None;
        }
        let (path, version) = match rest.rsplit_once('@') {
            Some((p, v)) => (p, Some(decode(v))),
            None => (rest, None),
        };
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => {
                let ns: Vec<String> = ns
                    .split('/')
                    .filter(|seg| !seg.is_empty())
                    .map(decode)
                    .collect();
                (ns.join("/"), decode(n))
            }
            None => (String::new(), decode(path)),
        };
        if name.is_empty() {
            return None;
        }
        let qualifiers = query
            .map(|q| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_ascii_lowercase(), decode(v)))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            ty: ty.to_ascii_lowercase(),
            namespace,
            name,
            version,
            qualifiers,
        })
    }

    /// A qualifier's value.
    pub(crate) fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The model's package type, when the model knows this purl type. The
    /// model names its types after purl types, so its serde names are used:
    /// types the model gains later are picked up without a change here.
    pub(crate) fn package_type(&self) -> Option<PackageType> {
        serde_json::from_value(serde_json::Value::String(self.ty.clone())).ok()
    }

    /// The package name as the model spells it for this type.
    pub(crate) fn model_name(&self, ty: PackageType) -> String {
        if self.namespace.is_empty() || ty.is_os() {
            return self.name.clone();
        }
        match ty {
            PackageType::Maven => format!("{}:{}", self.namespace, self.name),
            _ => format!("{}/{}", self.namespace, self.name),
        }
    }

    /// The version as the model spells it: OS package purls carry the epoch
    /// as a qualifier, the model puts it in front.
    pub(crate) fn model_version(&self, ty: PackageType) -> Option<String> {
        let version = self.version.clone()?;
        match self.qualifier("epoch") {
            Some(epoch) if ty.is_os() && epoch != "0" && !version.contains(':') => {
                Some(format!("{epoch}:{version}"))
            }
            _ => Some(version),
        }
    }
}

/// Percent-decodes a purl component. Invalid escapes are kept as they are.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a purl component: everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits an image reference into repository, tag and digest, after dropping
/// a transport prefix such as `docker://` or `oci-archive:`.
pub(crate) fn split_reference(reference: &str) -> (String, Option<String>, Option<String>) {
    let mut r = reference.trim();
    if let Some((scheme, rest)) = r.split_once("://") {
        if !scheme.contains('/') {
            r = rest;
        }
    }
    let (r, digest) = match r.split_once('@') {
        Some((r, d)) => (r, Some(d.to_owned())),
        None => (r, None),
    };
    let last_slash = r.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match r.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(i) => {
            let at = last_slash + i;
            (r.get(..at).unwrap_or(r), r.get(at + 1..).map(str::to_owned))
        }
        None => (r, None),
    };
    (repo.to_owned(), tag, digest)
}

/// `pkg:oci/NAME@DIGEST?repository_url=…&tag=…` for an image, or `None` when
/// the reference is no registry reference (a path, an archive) and no digest
/// is known.
pub(crate) fn oci(reference: &str, digest: Option<&str>) -> Option<String> {
    const PATH_TRANSPORTS: [&str; 5] = ["oci:", "oci-archive:", "docker-archive:", "dir:", "sbom:"];
    let reference = ["registry:", "docker:"]
        .iter()
        .find_map(|t| reference.strip_prefix(t))
        .unwrap_or(reference);
    let is_path = PATH_TRANSPORTS.iter().any(|t| reference.starts_with(t));
    let (repo, tag, ref_digest) = split_reference(reference);
    let valid_repo = !is_path
        && !repo.is_empty()
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:".contains(&b))
        && !repo.starts_with('/')
        && !repo.contains("..");
    let digest = digest.map(str::to_owned).or(ref_digest);
    if !valid_repo && digest.is_none() {
        return None;
    }
    let name = if valid_repo {
        repo.rsplit('/')
            .next()
            .unwrap_or(&repo)
            .to_ascii_lowercase()
    } else {
        "image".to_owned()
    };
    let mut purl = format!("pkg:oci/{}", encode(&name));
    if let Some(d) = &digest {
        purl.push('@');
        purl.push_str(&encode(d));
    }
    let mut quals = Vec::new();
    if valid_repo && repo.contains('/') {
        quals.push(format!(
            "repository_url={}",
            encode(&repo.to_ascii_lowercase())
        ));
    }
    if let Some(t) = tag.filter(|_| valid_repo) {
        quals.push(format!("tag={}", encode(&t)));
    }
    if !quals.is_empty() {
        purl.push('?');
        purl.push_str(&quals.join("&"));
    }
    Some(purl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_purls() {
        let p =
            Purl::parse("pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u3?arch=amd64&epoch=1").unwrap();
        assert_eq!(p.package_type(), Some(PackageType::Deb));
        assert_eq!(p.model_name(PackageType::Deb), "bsdutils");
        assert_eq!(
            p.model_version(PackageType::Deb).unwrap(),
            "1:2.38.1-5+deb12u3"
        );
        let p = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(p.model_name(PackageType::Npm), "@babel/core");
        let p = Purl::parse("pkg:maven/org.apache/commons-io@2.5").unwrap();
        assert_eq!(p.model_name(PackageType::Maven), "org.apache:commons-io");
        let p = Purl::parse("pkg:golang/github.com/a/b@v1.0.0").unwrap();
        assert_eq!(p.model_name(PackageType::Golang), "github.com/a/b");
        assert_eq!(Purl::parse("pkg:generic/x@1").unwrap().package_type(), None);
        assert!(Purl::parse("pkg:").is_none());
        assert!(Purl::parse("pkg:deb/").is_none());
        assert!(Purl::parse("nope").is_none());
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn builds_oci_purls() {
        assert_eq!(
            oci("docker.io/library/debian:bookworm", Some("sha256:ab")).unwrap(),
            "pkg:oci/debian@sha256%3Aab?repository_url=docker.io%2Flibrary%2Fdebian&tag=bookworm"
        );
        assert_eq!(
            oci("localhost:5000/app", None).unwrap(),
            "pkg:oci/app?repository_url=localhost%3A5000%2Fapp"
        );
        assert_eq!(oci("/tmp/x.tar", None), None);
        assert_eq!(oci("oci-archive:x.tar", None), None);
        assert_eq!(
            oci("registry:a/b:1", None).unwrap(),
            "pkg:oci/b?repository_url=a%2Fb&tag=1"
        );
        assert_eq!(
            oci("/tmp/x.tar", Some("sha256:ab")).unwrap(),
            "pkg:oci/image@sha256%3Aab"
        );
    }
}
