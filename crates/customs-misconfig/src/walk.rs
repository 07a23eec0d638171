//! Reading files and walking directories for [`crate::check_path`].

use std::io::Read;
use std::path::{Path, PathBuf};

use customs_model::Warning;

use crate::{dockerfile, k8s, Options, Report};

/// What a file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FileType {
    Dockerfile,
    Yaml,
}

fn detect(path: &Path) -> Option<FileType> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return Some(FileType::Dockerfile);
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return Some(FileType::Yaml);
    }
    None
}

/// A file named without a known pattern but passed explicitly: a Dockerfile
/// if its first instruction is FROM/ARG, else YAML.
fn sniff(text: &str) -> FileType {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default()
        .to_ascii_uppercase();
    if first.starts_with("FROM ") || first.starts_with("ARG ") {
        FileType::Dockerfile
    } else {
        FileType::Yaml
    }
}

fn read(path: &Path, opts: &Options, report: &mut Report) -> Option<String> {
    let shown = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            report.warnings.push(Warning::new(
                "config",
                shown,
                format!("cannot read file: {e}"),
            ));
            return None;
        }
    };
    let mut buf = Vec::new();
    let limit = opts.limits.max_file_bytes;
    if let Err(e) = file.take(limit + 1).read_to_end(&mut buf) {
        report.warnings.push(Warning::new(
            "config",
            shown,
            format!("cannot read file: {e}"),
        ));
        return None;
    }
    if buf.len() as u64 > limit {
        report.warnings.push(Warning::new(
            "config",
            shown,
            format!("file is larger than {limit} bytes, skipped (raise Limits::max_file_bytes)"),
        ));
        return None;
    }
    match String::from_utf8(buf) {
        Ok(s) => Some(s),
        Err(_) => {
            report.warnings.push(Warning::new(
                "config",
                shown,
                "file is not UTF-8 text, skipped",
            ));
            None
        }
    }
}

pub(crate) fn check_path(path: &Path, opts: &Options) -> Report {
    let mut report = Report::default();
    let mut set = k8s::ManifestSet::default();
    if path.is_dir() {
        let mut files = Vec::new();
        collect(path, 0, opts, &mut files, &mut report);
        files.sort();
        for (file, ty) in files {
            check_file(&file, Some(ty), false, opts, &mut set, &mut report);
        }
    } else {
        check_file(path, detect(path), true, opts, &mut set, &mut report);
    }
    report.merge(k8s::check_network(&set, opts));
    report.sort();
    report
}

fn check_file(
    path: &Path,
    ty: Option<FileType>,
    explicit: bool,
    opts: &Options,
    set: &mut k8s::ManifestSet,
    report: &mut Report,
) {
    let Some(text) = read(path, opts, report) else {
        return;
    };
    let name = path.display().to_string();
    match ty.unwrap_or_else(|| sniff(&text)) {
        FileType::Dockerfile => report.merge(dockerfile::check(&name, &text, opts)),
        FileType::Yaml => report.merge(k8s::check_file(&name, &text, opts, set, explicit)),
    }
}

fn collect(
    dir: &Path,
    depth: usize,
    opts: &Options,
    out: &mut Vec<(PathBuf, FileType)>,
    report: &mut Report,
) {
    if depth > opts.limits.max_dir_depth {
        report.warnings.push(Warning::new(
            "config",
            dir.display().to_string(),
            "directory nesting too deep, not entered (raise Limits::max_dir_depth)",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            report.warnings.push(Warning::new(
                "config",
                dir.display().to_string(),
                format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= opts.limits.max_files {
            report.warnings.push(Warning::new(
                "config",
                dir.display().to_string(),
                "too many files, the rest were not checked (raise Limits::max_files)",
            ));
            return;
        }
        let path = entry.path();
        let hidden = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with('.'));
        // symlink_metadata: never follow links, so loops cannot trap the walk.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if !hidden && entry.file_name() != "target" && entry.file_name() != "node_modules" {
                collect(&path, depth + 1, opts, out, report);
            }
        } else if meta.is_file() {
            if let Some(ty) = detect(&path) {
                out.push((path, ty));
            }
        }
    }
}
