//! Shared helpers: the database built from all of ../shared/advisories,
//! package builders and the independent checkers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use customs_model::{Catalog, Location, OsRelease, Package, PackageType, SourcePackage};
use customs_vuln::{Database, ImportOptions, ImportReport};

/// Every input in ../shared/advisories.
pub(crate) fn advisory_inputs() -> Option<Vec<PathBuf>> {
    let root = customs_test::shared_path("advisories")?;
    let mut v: Vec<PathBuf> = ["AlmaLinux", "Go", "Maven", "PyPI", "RustSec", "npm"]
        .iter()
        .map(|e| root.join("osv").join(e).join("all.zip"))
        .collect();
    v.push(root.join("alpine-secdb"));
    v.push(root.join("debian-tracker/subsets"));
    Some(v)
}

pub(crate) struct Built {
    pub(crate) db: Database,
    pub(crate) report: ImportReport,
    pub(crate) _dir: customs_test::TempDir,
}

/// The database built once per test binary from all shared advisories.
pub(crate) fn db() -> Option<&'static Built> {
    static DB: OnceLock<Option<Built>> = OnceLock::new();
    DB.get_or_init(|| {
        let inputs = advisory_inputs()?;
        let dir = customs_test::TempDir::new("vuln-db").unwrap();
        let path = dir.path().join("vuln.db");
        let opts = ImportOptions {
            db_path: Some(path.clone()),
            ..ImportOptions::default()
        };
        let report = customs_vuln::import_paths(&inputs, &opts).unwrap();
        let db = Database::open(&path).unwrap();
        Some(Built {
            db,
            report,
            _dir: dir,
        })
    })
    .as_ref()
}

pub(crate) fn os(id: &str, version_id: &str) -> OsRelease {
    OsRelease {
        id: id.into(),
        version_id: Some(version_id.into()),
        ..OsRelease::default()
    }
}

pub(crate) fn pkg(t: PackageType, name: &str, version: &str) -> Package {
    Package {
        id: format!("{t}:{name}@{version}"),
        package_type: t,
        name: name.into(),
        version: version.into(),
        purl: format!("pkg:{}/{name}@{version}", t.purl_type()),
        arch: None,
        source: None,
        licenses: vec![],
        supplier: None,
        locations: vec![Location::path("/x")],
        files: vec![],
        metadata: Default::default(),
    }
}

pub(crate) fn with_source(mut p: Package, name: &str, version: Option<&str>) -> Package {
    p.source = Some(SourcePackage {
        name: name.into(),
        version: version.map(Into::into),
    });
    p
}

pub(crate) fn catalog(os: Option<OsRelease>, packages: Vec<Package>) -> Catalog {
    Catalog {
        os,
        packages,
        relationships: vec![],
        warnings: vec![],
    }
}

/// `dpkg --compare-versions a lt b`.
pub(crate) fn dpkg_lt(a: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .map(|s| s.success())
        .unwrap()
}

/// Extracts one file from every layer of an OCI layout tar, bottom first:
/// returns (layer index, bytes) for each layer that has it.
pub(crate) fn file_per_layer(oci_tar: &Path, member: &str) -> Vec<(usize, Vec<u8>)> {
    let tmp = customs_test::TempDir::new("oci").unwrap();
    let ok = Command::new("tar")
        .args(["-xf"])
        .arg(oci_tar)
        .arg("-C")
        .arg(tmp.path())
        .args(["index.json", "blobs"])
        .status()
        .unwrap()
        .success();
    assert!(ok, "cannot unpack {}", oci_tar.display());
    let blob = |d: &str| {
        tmp.path()
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("index.json")).unwrap()).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    for (i, layer) in manifest["layers"].as_array().unwrap().iter().enumerate() {
        let dest = tmp.path().join(format!("layer{i}"));
        std::fs::create_dir_all(&dest).unwrap();
        let _ = Command::new("tar")
            .arg("-xzf")
            .arg(blob(layer["digest"].as_str().unwrap()))
            .arg("-C")
            .arg(&dest)
            .arg(member)
            .stderr(std::process::Stdio::null())
            .status();
        if let Ok(b) = std::fs::read(dest.join(member)) {
            out.push((i, b));
        }
    }
    out
}

/// Minimal dpkg status parser: (Package, Version, Source name, Source version).
pub(crate) fn parse_dpkg_status(
    text: &str,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
        };
        let (Some(name), Some(version)) = (field("Package:"), field("Version:")) else {
            continue;
        };
        if field("Status:").is_some_and(|s| !s.ends_with(" installed")) {
            continue;
        }
        let (sname, sver) = match field("Source:") {
            Some(s) => match s.split_once(' ') {
                Some((n, v)) => (
                    Some(n.to_owned()),
                    Some(v.trim_matches(['(', ')']).to_owned()),
                ),
                None => (Some(s), None),
            },
            None => (None, None),
        };
        out.push((name, version, sname, sver));
    }
    out
}

/// Runs a Python script with arguments; `None` (skip) when python3 is absent.
pub(crate) fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
