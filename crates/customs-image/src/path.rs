//! Normalisation of paths found in layer tars.

/// Normalises a tar entry path to the form analyzers see: relative to the
/// image root, no leading `/` or `./`, no `.` components, no trailing `/`.
///
/// `..` components are resolved lexically and clamped at the root, which is
/// what a container runtime does when it applies the layer inside the root
/// (so `../../etc/passwd` means `etc/passwd`); `None` means the path names the
/// root itself or is empty.
pub fn normalize_entry_path(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in raw.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// Resolves a symlink target relative to the link's directory, clamped at the
/// root, into a normalised path. Absolute targets start at the image root.
pub(crate) fn resolve_link(link_path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        normalize_entry_path(target)
    } else {
        let parent = link_path.rsplit_once('/').map_or("", |(p, _)| p);
        normalize_entry_path(&format!("{parent}/{target}"))
    }
}

/// Splits `dir/name` into (`dir`, `name`); the root directory is `""`.
pub(crate) fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalize_entry_path("./usr/bin/"), Some("usr/bin".into()));
        assert_eq!(
            normalize_entry_path("/etc//passwd"),
            Some("etc/passwd".into())
        );
        assert_eq!(
            normalize_entry_path("../../etc/passwd"),
            Some("etc/passwd".into())
        );
        assert_eq!(normalize_entry_path("a/../../b"), Some("b".into()));
        assert_eq!(normalize_entry_path("./"), None);
        assert_eq!(normalize_entry_path(".."), None);
    }

    #[test]
    fn resolves_links_inside_root() {
        assert_eq!(
            resolve_link("etc/os-release", "../usr/lib/os-release"),
            Some("usr/lib/os-release".into())
        );
        assert_eq!(resolve_link("bin", "usr/bin"), Some("usr/bin".into()));
        assert_eq!(resolve_link("a/b", "/../../../etc"), Some("etc".into()));
        assert_eq!(resolve_link("a/b", "../../../../x"), Some("x".into()));
    }
}
