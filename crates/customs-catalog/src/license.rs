//! Licence names to SPDX identifiers: a small table of the names package
//! databases actually use (Debian `copyright` short names, rpm `License:`
//! tags, PyPI classifiers and free text, npm/composer fields).
//!
//! Anything the table does not know is kept as found, so no information is
//! lost; consumers can tell an SPDX id from free text by parsing it.

/// Known names, compared case-insensitively after trimming.
const TABLE: &[(&str, &str)] = &[
    ("mit", "MIT"),
    ("expat", "MIT"),
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("isc", "ISC"),
    ("isc license", "ISC"),
    ("apache", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache2", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("the apache software license, version 2.0", "Apache-2.0"),
    ("bsd", "BSD-3-Clause"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("bsd-4-clause", "BSD-4-Clause"),
    ("bsd license", "BSD-3-Clause"),
    ("0bsd", "0BSD"),
    ("zlib", "Zlib"),
    ("psf", "PSF-2.0"),
    ("psf-2.0", "PSF-2.0"),
    ("python-2.0", "Python-2.0"),
    ("mpl-1.1", "MPL-1.1"),
    ("mpl-2.0", "MPL-2.0"),
    ("mpl 2.0", "MPL-2.0"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    ("artistic", "Artistic-1.0-Perl"),
    ("artistic-2.0", "Artistic-2.0"),
    ("cc0", "CC0-1.0"),
    ("cc0-1.0", "CC0-1.0"),
    ("unlicense", "Unlicense"),
    ("openssl", "OpenSSL"),
    ("curl", "curl"),
    ("epl-1.0", "EPL-1.0"),
    ("epl-2.0", "EPL-2.0"),
    ("gpl", "GPL-1.0-or-later"),
    ("gpl-1", "GPL-1.0-only"),
    ("gpl-1+", "GPL-1.0-or-later"),
    ("gpl-2", "GPL-2.0-only"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl-2.0-only", "GPL-2.0-only"),
    ("gplv2", "GPL-2.0-only"),
    ("gpl-2+", "GPL-2.0-or-later"),
    ("gplv2+", "GPL-2.0-or-later"),
    ("gpl-2.0+", "GPL-2.0-or-later"),
    ("gpl-2.0-or-later", "GPL-2.0-or-later"),
    ("gpl-3", "GPL-3.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("gpl-3.0-only", "GPL-3.0-only"),
    ("gplv3", "GPL-3.0-only"),
    ("gpl-3+", "GPL-3.0-or-later"),
    ("gplv3+", "GPL-3.0-or-later"),
    ("gpl-3.0+", "GPL-3.0-or-later"),
    ("gpl-3.0-or-later", "GPL-3.0-or-later"),
    ("lgpl", "LGPL-2.0-or-later"),
    ("lgpl-2", "LGPL-2.0-only"),
    ("lgpl-2+", "LGPL-2.0-or-later"),
    ("lgpl-2.0", "LGPL-2.0-only"),
    ("lgpl-2.0+", "LGPL-2.0-or-later"),
    ("lgpl-2.1", "LGPL-2.1-only"),
    ("lgpl-2.1+", "LGPL-2.1-or-later"),
    ("lgplv2+", "LGPL-2.0-or-later"),
    ("lgplv2.1+", "LGPL-2.1-or-later"),
    ("lgpl-2.1-only", "LGPL-2.1-only"),
    ("lgpl-2.1-or-later", "LGPL-2.1-or-later"),
    ("lgpl-3", "LGPL-3.0-only"),
    ("lgpl-3+", "LGPL-3.0-or-later"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("lgpl-3.0+", "LGPL-3.0-or-later"),
    ("lgpl-3.0-only", "LGPL-3.0-only"),
    ("lgpl-3.0-or-later", "LGPL-3.0-or-later"),
    ("agpl-3", "AGPL-3.0-only"),
    ("agpl-3+", "AGPL-3.0-or-later"),
    ("agpl-3.0", "AGPL-3.0-only"),
    ("gfdl-1.2", "GFDL-1.2-only"),
    ("gfdl-1.2+", "GFDL-1.2-or-later"),
    ("gfdl-1.3", "GFDL-1.3-only"),
    ("gfdl-1.3+", "GFDL-1.3-or-later"),
    ("x11", "X11"),
    ("ruby", "Ruby"),
    ("wtfpl", "WTFPL"),
    ("bsl-1.0", "BSL-1.0"),
    ("boost", "BSL-1.0"),
    ("ofl-1.1", "OFL-1.1"),
];

/// The SPDX id for a licence name, if the table knows it.
pub(crate) fn spdx_id(name: &str) -> Option<&'static str> {
    let key = name
        .trim()
        .trim_end_matches(['.', ','])
        .to_ascii_lowercase();
    TABLE.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Normalises one licence statement: a single known name, or an expression of
/// names joined by `and`/`or`/`,`/`/` (as rpm and npm write them). Parts the
/// table does not know are kept verbatim.
pub(crate) fn normalize(raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    if let Some(id) = spdx_id(raw) {
        return id.to_owned();
    }
    // Already an SPDX-looking expression: keep it.
    if raw.contains(" AND ") || raw.contains(" OR ") || raw.contains(" WITH ") {
        return raw.to_owned();
    }
    for (sep, op) in [(" and ", " AND "), (" or ", " OR "), (" | ", " OR ")] {
        let lower = raw.to_ascii_lowercase();
        if lower.contains(sep) {
            let mut parts = Vec::new();
            let mut rest = raw;
            while let Some(i) = rest.to_ascii_lowercase().find(sep) {
                parts.push(rest.get(..i).unwrap_or(""));
                rest = rest.get(i + sep.len()..).unwrap_or("");
            }
            parts.push(rest);
            if parts.iter().all(|p| spdx_id(p).is_some()) {
                return parts
                    .iter()
                    .filter_map(|p| spdx_id(p))
                    .collect::<Vec<_>>()
                    .join(op);
            }
        }
    }
    raw.to_owned()
}

/// Normalises a list, dropping empties and duplicates, keeping order.
pub(crate) fn normalize_all<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let n = normalize(item.as_ref());
        if !n.is_empty() && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalize("GPL-2+"), "GPL-2.0-or-later");
        assert_eq!(normalize("Expat"), "MIT");
        assert_eq!(normalize("MIT and BSD"), "MIT AND BSD-3-Clause");
        assert_eq!(normalize("public-domain"), "public-domain");
        assert_eq!(normalize("GPL-2.0 BSD-3-Clause"), "GPL-2.0 BSD-3-Clause");
    }
}
