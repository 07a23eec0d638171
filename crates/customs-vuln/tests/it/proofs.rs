//! Findings for the packages really present in ../shared/images/polyglot-app
//! and in the peer fixtures (../shared/fixtures/peer-catalogers.tar.gz),
//! with catalogs built here from the files themselves (dist-info METADATA,
//! node_modules package.json, jar pom.properties, dpkg status.d, the peers'
//! expected package lists), each decided again by an independent evaluator:
//! Python `packaging` for PyPI, the test's own SemVer/Maven comparators for
//! npm, Maven and crates (`osv_check.py`), `dpkg --compare-versions` for
//! Debian.
//!
//! Differences between customs and the evaluators, all explained:
//! - Record vs finding IDs: the evaluator returns the IDs of affected
//!   records; customs merges records that share an alias into one finding.
//!   The check is therefore both ways: every affected record appears in a
//!   finding of that package, and every finding contains at least one
//!   affected record (no finding without an affected record behind it).
//! - Versions customs cannot parse (an egg-info without a version) are not
//!   matched; they are listed as unmatched with the reason, never silently
//!   dropped (asserted below).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use customs_model::{Package, PackageType};
use customs_vuln::{match_catalog, Finding, MatchOptions, UnmatchedReason};

use crate::common::{self, catalog, os, pkg, with_source};
use crate::matching::osv_check;

/// Extracts layers of an OCI layout tar into `dir/layerN` (bottom = 0).
fn extract_layers(oci_tar: &Path, dir: &Path, wanted: &[usize]) -> Vec<PathBuf> {
    let ok = Command::new("tar")
        .arg("-xf")
        .arg(oci_tar)
        .arg("-C")
        .arg(dir)
        .args(["index.json", "blobs"])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let blob = |d: &str| {
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    let mut out = Vec::new();
    for i in wanted {
        let dest = dir.join(format!("layer{i}"));
        std::fs::create_dir_all(&dest).unwrap();
        let ok = Command::new("tar")
            .arg("-xzf")
            .arg(blob(layers[*i]["digest"].as_str().unwrap()))
            .arg("-C")
            .arg(&dest)
            .status()
            .unwrap()
            .success();
        assert!(ok, "layer {i}");
        out.push(dest);
    }
    out
}

fn read_dir_sorted(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// `Name:`/`Version:` of every `*.dist-info/METADATA` in `site`.
fn python_packages(site: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in read_dir_sorted(site) {
        if !d.to_string_lossy().ends_with(".dist-info") {
            continue;
        }
        let text = std::fs::read_to_string(d.join("METADATA")).unwrap();
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
                .unwrap()
        };
        out.push((field("Name:"), field("Version:")));
    }
    out
}

/// (name, version) of every package.json under node_modules, recursively.
fn npm_packages(node_modules: &Path, out: &mut BTreeSet<(String, String)>) {
    for d in read_dir_sorted(node_modules) {
        if !d.is_dir() {
            continue;
        }
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('@') {
            npm_packages(&d, out);
            continue;
        }
        if name.starts_with('.') {
            continue;
        }
        if let Ok(b) = std::fs::read(d.join("package.json")) {
            let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
            if let (Some(n), Some(ver)) = (v["name"].as_str(), v["version"].as_str()) {
                out.insert((n.to_owned(), ver.to_owned()));
            }
        }
        let nested = d.join("node_modules");
        if nested.is_dir() {
            npm_packages(&nested, out);
        }
    }
}

/// `groupId:artifactId` and version from each jar's pom.properties.
fn maven_packages(lib: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for jar in read_dir_sorted(lib) {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&jar).unwrap()).unwrap();
        let names: Vec<String> = z.file_names().map(|n| n.unwrap().into_owned()).collect();
        for n in names {
            if !(n.starts_with("META-INF/maven/") && n.ends_with("/pom.properties")) {
                continue;
            }
            let mut text = String::new();
            z.by_name(&n).unwrap().read_to_string(&mut text).unwrap();
            let prop = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
                    .unwrap()
            };
            out.push((
                format!("{}:{}", prop("groupId="), prop("artifactId=")),
                prop("version="),
            ));
        }
    }
    out
}

fn ids(f: &Finding) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = f.aliases.iter().cloned().collect();
    s.insert(f.id.clone());
    s
}

/// Matches `pkgs` in ecosystem `eco` and checks the findings both ways
/// against the independent evaluator on `zip`. Returns the number of
/// findings.
fn check(t: PackageType, eco: &str, zip: &str, pkgs: &[(String, String)]) -> usize {
    let Some(built) = common::db() else { return 0 };
    let packages: Vec<Package> = pkgs.iter().map(|(n, v)| pkg(t, n, v)).collect();
    let opts = MatchOptions {
        include_informational: true,
        ..MatchOptions::default()
    };
    let report = match_catalog(&built.db, &catalog(None, packages), &opts);
    // Only versions that do not parse may stay unmatched, each with its reason.
    let unmatched: BTreeSet<(String, String)> = report
        .unmatched
        .iter()
        .map(|u| {
            assert!(
                matches!(u.reason, UnmatchedReason::UnparseableVersion { .. }),
                "{u:?}"
            );
            (u.package_name.clone(), u.version.clone())
        })
        .collect();
    let checked: Vec<(&str, &str)> = pkgs
        .iter()
        .filter(|p| !unmatched.contains(*p))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let expected = osv_check(eco, zip, &checked);
    let mut by_pkg: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_pkg
            .entry(format!("{}@{}", f.package_name, f.installed_version))
            .or_default()
            .push(f);
    }
    for (key, records) in &expected {
        let found = by_pkg.get(key).map(Vec::as_slice).unwrap_or_default();
        for r in records {
            assert!(
                found.iter().any(|f| ids(f).contains(r)),
                "{eco} {key}: affected record {r} is in no finding"
            );
        }
        for f in found {
            assert!(
                ids(f).iter().any(|i| records.contains(i)),
                "{eco} {key}: finding {} ({:?}) has no affected record behind it",
                f.id,
                f.aliases
            );
        }
    }
    for key in by_pkg.keys() {
        assert!(expected.contains_key(key), "{eco}: finding for {key}");
    }
    report.findings.len()
}

#[test]
fn polyglot_image_packages_against_independent_checks() {
    if common::db().is_none()
        || customs_test::python_module("packaging").is_none()
        || customs_test::tool("dpkg", &["--version"]).is_none()
    {
        return;
    }
    let Some(image) = customs_test::shared_path("images/polyglot-app.oci.tar") else {
        return;
    };
    let tmp = customs_test::TempDir::new("polyglot").unwrap();
    // Layers: 0 distroless-style Debian base, 1 Python, 3 production
    // node_modules (the opaque whiteout hides layer 2's), 5 jars.
    let l = extract_layers(&image, tmp.path(), &[0, 1, 3, 5]);

    let py = python_packages(&l[1].join("usr/local/lib/python3.11/site-packages"));
    assert_eq!(py.len(), 8, "{py:?}");
    let n_py = check(PackageType::Pypi, "PyPI", "PyPI", &py);

    let mut npm = BTreeSet::new();
    npm_packages(&l[2].join("app/node_modules"), &mut npm);
    assert!(npm.len() > 5, "{npm:?}");
    let npm: Vec<_> = npm.into_iter().collect();
    let n_npm = check(PackageType::Npm, "npm", "npm", &npm);

    let mut mvn = maven_packages(&l[3].join("app/lib"));
    // Difference: 8 of the 9 jars carry pom.properties. Debian's
    // commons-collections-3.2.2.jar was built with Ant and has none; its
    // manifest says `Implementation-Vendor-Id: org.apache`, which is not the
    // Maven groupId the advisories use. Its published coordinates are
    // commons-collections:commons-collections, added here by hand so the
    // jar (with its deserialisation advisories fixed in 3.2.2) is checked too.
    assert_eq!(mvn.len(), 8, "{mvn:?}");
    assert!(l[3].join("app/lib/commons-collections-3.2.2.jar").is_file());
    mvn.push((
        "commons-collections:commons-collections".to_owned(),
        "3.2.2".to_owned(),
    ));
    let n_mvn = check(PackageType::Maven, "Maven", "Maven", &mvn);

    // The base's dpkg status.d stanzas against the tracker excerpts, by dpkg.
    let mut debs = Vec::new();
    for f in read_dir_sorted(&l[0].join("var/lib/dpkg/status.d")) {
        if f.extension().is_some() {
            continue; // .md5sums and friends
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (name, version, sname, sver) in common::parse_dpkg_status(&text) {
            let mut p = pkg(PackageType::Deb, &name, &version);
            if let Some(s) = sname {
                p = with_source(p, &s, sver.as_deref());
            }
            debs.push(p);
        }
    }
    assert!(!debs.is_empty());
    let built = common::db().unwrap();
    let report = match_catalog(
        &built.db,
        &catalog(Some(os("debian", "12")), debs.clone()),
        &MatchOptions::default(),
    );
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    let got: BTreeSet<_> = report
        .findings
        .iter()
        .map(|f| (f.package_name.clone(), f.id.clone(), f.status))
        .collect();
    assert_eq!(got, crate::matching::debian_expected(&debs, "bookworm"));

    // The image was built with old, vulnerable releases on purpose.
    assert!(n_py > 0 && n_npm > 0 && n_mvn > 0, "{n_py} {n_npm} {n_mvn}");
    eprintln!(
        "polyglot-app: {} PyPI, {} npm, {} Maven packages, {} debs: {n_py}/{n_npm}/{n_mvn}/{} findings",
        py.len(),
        npm.len(),
        mvn.len(),
        debs.len(),
        got.len()
    );
}

/// `packages` of every fixture in a peer group's expected.json.
fn peer_packages(root: &Path, group: &str) -> Vec<(String, String)> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(group).join("expected.json")).unwrap())
            .unwrap();
    let mut out = BTreeSet::new();
    for f in v["fixtures"].as_array().unwrap() {
        for p in f["packages"].as_array().into_iter().flatten() {
            let (Some(n), Some(ver)) = (p["name"].as_str(), p["version"].as_str()) else {
                continue;
            };
            out.insert((n.to_owned(), ver.to_owned()));
        }
    }
    out.into_iter().collect()
}

#[test]
fn peer_fixture_packages_against_independent_checks() {
    if common::db().is_none() || customs_test::python_module("packaging").is_none() {
        return;
    }
    let Some(tgz) = customs_test::shared_path("fixtures/peer-catalogers.tar.gz") else {
        return;
    };
    let tmp = customs_test::TempDir::new("peers").unwrap();
    let ok = Command::new("tar")
        .arg("-xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let root = tmp.path().join("peer-catalogers");

    // syft-python includes an egg-info without a version: unmatched, with why.
    let py = peer_packages(&root, "syft-python");
    assert!(py.iter().any(|(_, v)| v.is_empty()));
    let n_py = check(PackageType::Pypi, "PyPI", "PyPI", &py);
    let built = common::db().unwrap();
    let r = match_catalog(
        &built.db,
        &catalog(None, vec![pkg(PackageType::Pypi, "no-version", "")]),
        &MatchOptions::default(),
    );
    assert!(
        matches!(
            &r.unmatched[0].reason,
            UnmatchedReason::UnparseableVersion { .. }
        ),
        "{:?}",
        r.unmatched
    );

    let mut npm = peer_packages(&root, "syft-npm");
    npm.extend(peer_packages(&root, "syft-yarn-pnpm"));
    npm.sort();
    npm.dedup();
    let n_npm = check(PackageType::Npm, "npm", "npm", &npm);

    let cargo = peer_packages(&root, "syft-cargo");
    let n_cargo = check(
        PackageType::Cargo,
        customs_vuln::matcher::RUST_ECOSYSTEM,
        "RustSec",
        &cargo,
    );
    // requests 2.22.0 (syft-python) has CVE-2023-32681 and friends; the old
    // minimist/optimist of the npm fixtures are vulnerable too.
    assert!(n_py > 0 && n_npm > 0, "{n_py} {n_npm} {n_cargo}");
    eprintln!(
        "peer fixtures: {} PyPI, {} npm, {} crates: {n_py}/{n_npm}/{n_cargo} findings",
        py.len(),
        npm.len(),
        cargo.len()
    );
}
