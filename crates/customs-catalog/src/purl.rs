//! package-url construction, per the purl specification for each type.
//!
//! Encoding: every character outside `A-Z a-z 0-9 . - _ ~` is
//! percent-encoded (UTF-8 bytes, upper-case hex), except `:` which the spec
//! leaves as is. `+` is encoded (`%2B`) because some decoders read it as a
//! space. Qualifiers are sorted by key, empty values dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use customs_model::PackageType;

/// Percent-encodes one purl component.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Builds a purl from parts. `namespace` may contain `/` separators, each
/// segment is encoded separately.
pub(crate) fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &BTreeMap<String, String>,
    subpath: Option<&str>,
) -> String {
    let mut out = format!("pkg:{ty}/");
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        let segs: Vec<String> = ns
            .split('/')
            .filter(|s| !s.is_empty())
            .map(encode)
            .collect();
        if !segs.is_empty() {
            out.push_str(&segs.join("/"));
            out.push('/');
        }
    }
    out.push_str(&encode(name));
    if !version.is_empty() {
        out.push('@');
        out.push_str(&encode(version));
    }
    let q: Vec<String> = qualifiers
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", k.to_ascii_lowercase(), encode(v)))
        .collect();
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q.join("&"));
    }
    if let Some(sp) = subpath.filter(|s| !s.is_empty()) {
        let segs: Vec<String> = sp
            .split('/')
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
            .map(encode)
            .collect();
        out.push('#');
        out.push_str(&segs.join("/"));
    }
    out
}

/// PyPI name normalisation per the purl spec: lower case, `_` to `-`.
pub(crate) fn pypi_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The purl of a package. `distro` is `(id, version_id)` of the image's OS,
/// used for OS package namespaces and the `distro` qualifier.
pub(crate) fn for_package(
    ty: PackageType,
    name: &str,
    version: &str,
    arch: Option<&str>,
    extra: &BTreeMap<String, String>,
    distro: Option<(&str, Option<&str>)>,
) -> String {
    let mut q = extra.clone();
    let distro_q = distro.map(|(id, v)| match v {
        Some(v) if !v.is_empty() => format!("{id}-{v}"),
        _ => id.to_owned(),
    });
    match ty {
        PackageType::Deb | PackageType::Rpm | PackageType::Apk => {
            if let Some(a) = arch.filter(|a| !a.is_empty()) {
                q.insert("arch".into(), a.to_owned());
            }
            if let Some(d) = &distro_q {
                q.insert("distro".into(), d.clone());
            }
            let default_ns = match ty {
                PackageType::Deb => "debian",
                PackageType::Apk => "alpine",
                _ => "",
            };
            let ns = distro
                .map(|(id, _)| id)
                .unwrap_or(default_ns)
                .to_ascii_lowercase();
            let name = if ty == PackageType::Apk {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            };
            // rpm: the spec keeps the epoch in a qualifier, the version is `version-release`.
            let version = if ty == PackageType::Rpm {
                match version.split_once(':') {
                    Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => {
                        q.insert("epoch".into(), e.to_owned());
                        rest.to_owned()
                    }
                    _ => version.to_owned(),
                }
            } else {
                version.to_owned()
            };
            build(ty.purl_type(), Some(&ns), &name, &version, &q, None)
        }
        PackageType::Pypi => build("pypi", None, &pypi_name(name), version, &q, None),
        PackageType::Npm => match name.split_once('/') {
            Some((scope, n)) if scope.starts_with('@') => {
                build("npm", Some(scope), n, version, &q, None)
            }
            _ => build("npm", None, name, version, &q, None),
        },
        PackageType::Golang => match name.rsplit_once('/') {
            Some((ns, n)) => build("golang", Some(ns), n, version, &q, None),
            None => build("golang", None, name, version, &q, None),
        },
        PackageType::Maven => match name.split_once(':') {
            Some((g, a)) => build("maven", Some(g), a, version, &q, None),
            None => build("maven", None, name, version, &q, None),
        },
        PackageType::Composer => match name.split_once('/') {
            Some((v, n)) => build(
                "composer",
                Some(&v.to_ascii_lowercase()),
                &n.to_ascii_lowercase(),
                version,
                &q,
                None,
            ),
            None => build(
                "composer",
                None,
                &name.to_ascii_lowercase(),
                version,
                &q,
                None,
            ),
        },
        other => build(other.purl_type(), None, name, version, &q, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(ty: PackageType, name: &str, version: &str) -> String {
        for_package(ty, name, version, None, &BTreeMap::new(), None)
    }

    #[test]
    fn types() {
        assert_eq!(
            p(PackageType::Npm, "@4lolo/resize-observer-polyfill", "1.5.2"),
            "pkg:npm/%404lolo/resize-observer-polyfill@1.5.2"
        );
        assert_eq!(
            p(PackageType::Pypi, "Jinja2", "2.10"),
            "pkg:pypi/jinja2@2.10"
        );
        assert_eq!(
            p(PackageType::Pypi, "typing_extensions", "4"),
            "pkg:pypi/typing-extensions@4"
        );
        assert_eq!(
            p(PackageType::Golang, "golang.org/x/sys", "v0.1.0"),
            "pkg:golang/golang.org/x/sys@v0.1.0"
        );
        assert_eq!(
            p(PackageType::Maven, "org.yaml:snakeyaml", "1.33"),
            "pkg:maven/org.yaml/snakeyaml@1.33"
        );
        assert_eq!(
            p(PackageType::Composer, "Behat/Mink", "v1.8.1"),
            "pkg:composer/behat/mink@v1.8.1"
        );
        assert_eq!(p(PackageType::Cargo, "nom", "4.2.3"), "pkg:cargo/nom@4.2.3");
        assert_eq!(
            p(PackageType::Golang, "stdlib", "go1.20.4"),
            "pkg:golang/stdlib@go1.20.4"
        );
    }

    #[test]
    fn os_packages() {
        let d = Some(("debian", Some("12")));
        assert_eq!(
            for_package(
                PackageType::Deb,
                "bsdutils",
                "1:2.38.1-5+deb12u3",
                Some("amd64"),
                &BTreeMap::new(),
                d
            ),
            "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
        );
        let r = Some(("rhel", Some("8.1")));
        assert_eq!(
            for_package(
                PackageType::Rpm,
                "libuuid",
                "1:2.32.1-22.el8",
                Some("x86_64"),
                &BTreeMap::new(),
                r
            ),
            "pkg:rpm/rhel/libuuid@2.32.1-22.el8?arch=x86_64&distro=rhel-8.1&epoch=1"
        );
    }
}
