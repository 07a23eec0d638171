//! The one place that talks to `customs-version`: ecosystem → scheme, and
//! comparisons that never panic or guess.

use std::cmp::Ordering;

pub(crate) use customs_version::Scheme;

/// The scheme of an OSV ecosystem (`AlmaLinux:8` falls back to `AlmaLinux`).
pub(crate) fn scheme_for_ecosystem(ecosystem: &str) -> Option<Scheme> {
    Scheme::for_osv_ecosystem(ecosystem).or_else(|| {
        ecosystem
            .split_once(':')
            .and_then(|(base, _)| Scheme::for_osv_ecosystem(base))
    })
}

/// Go versions appear with and without the `v`, and the toolchain as
/// `go1.21.3` / `go1.21rc2`: bring them to the module form `v1.21.3`,
/// `v1.21.0-rc.2`.
pub(crate) fn normalize(scheme: Scheme, v: &str) -> String {
    if scheme != Scheme::Go {
        return v.to_owned();
    }
    let v = v.trim();
    if let Some(rest) = v.strip_prefix("go") {
        return format!("v{}", go_toolchain(rest));
    }
    if v.starts_with('v') {
        v.to_owned()
    } else {
        format!("v{v}")
    }
}

/// `1.21.3` → `1.21.3`; `1.21` → `1.21.0`; `1.21rc2` → `1.21.0-rc.2`;
/// `1.21beta1` → `1.21.0-beta.1`.
fn go_toolchain(rest: &str) -> String {
    let split = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (num, pre) = rest.split_at(split);
    let mut parts: Vec<&str> = num.split('.').collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    let base = parts.join(".");
    if pre.is_empty() {
        return base;
    }
    let digits = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
    let (word, n) = pre.split_at(digits);
    if n.is_empty() {
        format!("{base}-{word}")
    } else {
        format!("{base}-{word}.{n}")
    }
}

/// Whether `v` parses in `scheme`.
pub(crate) fn is_valid(scheme: Scheme, v: &str) -> bool {
    customs_version::Version::parse(scheme, &normalize(scheme, v)).is_ok()
}

/// Parses a version (after normalisation), `None` when it does not parse.
pub(crate) fn parse(scheme: Scheme, v: &str) -> Option<customs_version::Version> {
    customs_version::Version::parse(scheme, &normalize(scheme, v)).ok()
}

/// Compares two versions; `None` when either does not parse.
pub(crate) fn compare(scheme: Scheme, a: &str, b: &str) -> Option<Ordering> {
    customs_version::compare(scheme, &normalize(scheme, a), &normalize(scheme, b)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_toolchain_versions() {
        assert_eq!(normalize(Scheme::Go, "go1.20.4"), "v1.20.4");
        assert_eq!(normalize(Scheme::Go, "go1.21rc2"), "v1.21.0-rc.2");
        assert_eq!(normalize(Scheme::Go, "go1.21"), "v1.21.0");
        assert_eq!(normalize(Scheme::Go, "1.19.8"), "v1.19.8");
        assert_eq!(normalize(Scheme::Go, "v0.1.0"), "v0.1.0");
    }
}
