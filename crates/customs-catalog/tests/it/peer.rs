//! The peer scanners' package databases (`fixtures/peer-catalogers.tar.gz`),
//! one test per group, compared with each fixture's `expected.json`.
//!
//! Every fixture must match, except those listed in the group's `known`
//! table, each with the reason we differ on purpose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use customs_catalog::{assemble, Options};
use customs_model::{Catalog, PackageType, RelationshipKind};
use customs_test::TempDir;
use serde_json::Value;

use crate::support::{analyze_dir, analyze_files};

fn extract() -> Option<(TempDir, PathBuf)> {
    let src = customs_test::shared_path("fixtures/peer-catalogers.tar.gz")?;
    let tmp = TempDir::new("catalog-peer").unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(src).unwrap());
    tar::Archive::new(gz).unpack(tmp.path()).unwrap();
    let root = tmp.path().join("peer-catalogers");
    Some((tmp, root))
}

/// Where a fixture file would live in an image.
fn virtual_path(group: &str, rel: &str, real: &Path) -> String {
    for marker in [
        "var/lib/",
        "usr/lib/sysimage/",
        "usr/lib/opkg/",
        "lib/apk/db/",
    ] {
        if let Some(i) = rel.find(marker) {
            return rel[i..].to_owned();
        }
    }
    let name = real.file_name().unwrap().to_string_lossy().to_string();
    if group == "syft-apk" {
        return "lib/apk/db/installed".into();
    }
    if name.contains("package-lock") {
        return "package-lock.json".into();
    }
    if name == "installed.json" {
        return "vendor/composer/installed.json".into();
    }
    if name.starts_with("Cargo.lock") {
        return "Cargo.lock".into();
    }
    if name.ends_with(".egg-info") {
        return rel.to_owned();
    }
    name
}

fn norm_name(t: PackageType, n: &str) -> String {
    if t == PackageType::Pypi {
        n.to_ascii_lowercase().replace('_', "-")
    } else {
        n.to_owned()
    }
}

/// Multiset of (name, version).
type Set = BTreeMap<(String, String), usize>;

fn expected_set(list: &[Value], pypi: bool) -> Set {
    let mut s = Set::new();
    for p in list {
        let name = p["name"].as_str().unwrap_or_default();
        let name = if pypi {
            norm_name(PackageType::Pypi, name)
        } else {
            name.to_owned()
        };
        let v = p
            .get("evr")
            .or_else(|| p.get("version"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        *s.entry((name, v.to_owned())).or_default() += 1;
    }
    s
}

fn got_set(cat: &Catalog, only_path: Option<&str>) -> Set {
    let mut s = Set::new();
    for p in &cat.packages {
        if let Some(path) = only_path {
            if p.locations[0].path != path {
                continue;
            }
        }
        *s.entry((norm_name(p.package_type, &p.name), p.version.clone()))
            .or_default() += 1;
    }
    s
}

fn diff(want: &Set, got: &Set) -> String {
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| got.get(*k) < Some(n))
        .map(|(k, _)| k)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.get(*k) < Some(n))
        .map(|(k, _)| k)
        .collect();
    format!("missing {missing:?}, extra {extra:?}")
}

/// Catalogs one fixture: a folder as a root, or a file at its virtual path.
fn catalog_of(group: &str, gdir: &Path, rel: &str) -> (Catalog, Option<String>) {
    let real = gdir.join(rel);
    if real.is_dir() && rel.ends_with(".dist-info") {
        // The metadata folder itself: place its files under its own name.
        let name = real.file_name().unwrap().to_string_lossy().to_string();
        let files: Vec<(String, PathBuf)> = std::fs::read_dir(&real)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    format!("{name}/{}", p.file_name().unwrap().to_string_lossy()),
                    p,
                )
            })
            .collect();
        let refs: Vec<(&str, &Path)> = files
            .iter()
            .map(|(v, p)| (v.as_str(), p.as_path()))
            .collect();
        return (assemble(&analyze_files(&refs), &Options::default()), None);
    }
    if real.is_dir() {
        return (assemble(&analyze_dir(&real), &Options::default()), None);
    }
    // A root folder named in the path (`image-dpkg/var/...`) is scanned whole.
    for root in ["image-dpkg", "image-distroless-deb"] {
        if rel.starts_with(&format!("{root}/")) {
            let c = assemble(&analyze_dir(&gdir.join(root)), &Options::default());
            return (c, None);
        }
    }
    let virt = virtual_path(group, rel, &real);
    let mut files: Vec<(String, PathBuf)> = vec![(virt.clone(), real.clone())];
    let sibling = real.parent().unwrap().join("package.json");
    if sibling.exists() && (virt == "yarn.lock" || virt == "pnpm-lock.yaml") {
        files.push(("package.json".into(), sibling));
    }
    let refs: Vec<(&str, &Path)> = files
        .iter()
        .map(|(v, p)| (v.as_str(), p.as_path()))
        .collect();
    (
        assemble(&analyze_files(&refs), &Options::default()),
        Some(format!("/{virt}")),
    )
}

/// Runs a group; returns (passed, failed) and fails on unexplained differences.
fn run_group(group: &str, known: &[(&str, &str)]) {
    let Some((_tmp, root)) = extract() else {
        return;
    };
    let gdir = root.join(group);
    let exp: Value =
        serde_json::from_slice(&std::fs::read(gdir.join("expected.json")).unwrap()).unwrap();
    let (mut pass, mut fail) = (0, 0);
    let mut unexplained = Vec::new();
    let mut seen_paths = BTreeMap::<String, usize>::new();
    for fx in exp["fixtures"].as_array().unwrap() {
        let rel = fx["path"].as_str().unwrap();
        let n = seen_paths.entry(rel.to_owned()).or_default();
        *n += 1;
        let label = if *n > 1 {
            format!("{rel}#{n}")
        } else {
            rel.to_owned()
        };
        let (cat, only) = catalog_of(group, &gdir, rel);
        let pypi = group == "syft-python";
        let outcome: Result<(), String> =
            if let Some(deps) = fx.get("depends_on").filter(|d| d.is_object()) {
                check_deps(&cat, deps)
            } else {
                let list = fx
                    .get("reference_listing")
                    .and_then(|r| r.get("packages"))
                    .or_else(|| fx.get("packages_excluding_dev"))
                    .or_else(|| fx.get("packages"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let want = expected_set(&list, pypi);
                let got = got_set(&cat, only.as_deref());
                if want == got {
                    Ok(())
                } else {
                    Err(diff(&want, &got))
                }
            };
        match outcome {
            Ok(()) => {
                pass += 1;
                eprintln!("{group}: pass: {label}");
            }
            Err(d) => {
                fail += 1;
                match known.iter().find(|(k, _)| *k == label) {
                    Some((_, why)) => eprintln!("{group}: known difference: {label}: {d} ({why})"),
                    None => unexplained.push(format!("{label}: {d}")),
                }
            }
        }
    }
    eprintln!("{group}: {pass} passed, {fail} differ");
    assert!(
        unexplained.is_empty(),
        "{group}: unexplained differences:\n{}",
        unexplained.join("\n")
    );
    assert!(pass > 0, "{group}: nothing passed");
}

fn check_deps(cat: &Catalog, deps: &Value) -> Result<(), String> {
    let name_of = |id: &str| {
        cat.packages
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &cat.relationships {
        if r.kind == RelationshipKind::DependsOn {
            got.entry(name_of(&r.from))
                .or_default()
                .push(name_of(&r.to));
        }
    }
    for v in got.values_mut() {
        v.sort();
        v.dedup();
    }
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in deps.as_object().unwrap() {
        let mut l: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        l.sort();
        want.insert(k.clone(), l);
    }
    // Some peer tests assert only part of the map: compare the packages they name.
    got.retain(|k, _| want.contains_key(k));
    if want == got {
        Ok(())
    } else {
        Err(format!("depends_on: want {want:?}, got {got:?}"))
    }
}

#[test]
fn syft_dpkg() {
    run_group("syft-dpkg", &[]);
}

#[test]
fn trivy_dpkg() {
    run_group("trivy-dpkg", &[]);
}

#[test]
fn syft_apk() {
    run_group(
        "syft-apk",
        &[(
            "corrupt/lib/apk/db/installed",
            "the peer fails the whole file on its first garbage line; we warn about the line and keep the valid package that follows it",
        )],
    );
}

#[test]
fn trivy_apk() {
    run_group("trivy-apk", &[]);
}

#[test]
fn rpm_databases() {
    run_group("go-rpmdb", &[]);
    run_group("syft-rpm-bdb", &[]);
}

#[test]
fn syft_python() {
    run_group(
        "syft-python",
        &[(
            "site-packages/license",
            "two dist-info folders of the same distribution (pygments 2.6.1) are one package with two locations by our deduplication rule; the peer reports two",
        )],
    );
}

#[test]
fn syft_npm() {
    run_group("syft-npm", &[]);
}

#[test]
fn syft_yarn_pnpm() {
    run_group(
        "syft-yarn-pnpm",
        &[(
            "pnpm/pnpm-lock.yaml",
            "this entry expects dev dependencies included; by the lockfile rule we drop dev-only entries (the second entry for the same file, without dev, passes)",
        )],
    );
}

#[test]
fn syft_cargo() {
    run_group("syft-cargo", &[]);
}

#[test]
fn syft_composer() {
    run_group("syft-composer", &[]);
}

#[test]
fn syft_gemfile() {
    run_group("syft-gemfile", &[]);
}

/// Syft's whole-system tree: a minimum set per package type. Types we do not
/// catalog (alpm, portage, nix, conan, dart, hackage, hex, erlang, swift,
/// cocoapods, opam, lua, pear, terraform, jenkins, github actions) and
/// Python `requirements.txt` / standalone `pom.xml` (source manifests, not
/// installed packages) are reported, not asserted.
#[test]
fn syft_image_pkg_coverage() {
    let Some((_tmp, root)) = extract() else {
        return;
    };
    let gdir = root.join("syft-image-pkg-coverage");
    let exp: Value =
        serde_json::from_slice(&std::fs::read(gdir.join("expected.json")).unwrap()).unwrap();
    // OS databases are read only at their place under the root: the tree keeps
    // them under `pkgs/`, which the upstream image build copies to `/`. Scan
    // both the tree and `pkgs/` as a root, as the image would have it.
    let mut cat = assemble(&analyze_dir(&gdir), &Options::default());
    cat.packages
        .extend(assemble(&analyze_dir(&gdir.join("pkgs")), &Options::default()).packages);
    let ours = |t: &str| match t {
        "RpmPkg" => Some(PackageType::Rpm),
        "DebPkg" => Some(PackageType::Deb),
        "ApkPkg" => Some(PackageType::Apk),
        "GemPkg" => Some(PackageType::Gem),
        "NpmPkg" => Some(PackageType::Npm),
        "PythonPkg" => Some(PackageType::Pypi),
        "GoModulePkg" => Some(PackageType::Golang),
        "RustPkg" => Some(PackageType::Cargo),
        "PhpComposerPkg" => Some(PackageType::Composer),
        "DotnetPkg" => Some(PackageType::Nuget),
        "JavaPkg" => Some(PackageType::Maven),
        _ => None,
    };
    // Expectations met only by source manifests we do not read.
    let not_installed = |t: &str, n: &str| match t {
        "PythonPkg" => !matches!(n, "somerequests" | "someotherpkg"),
        "JavaPkg" => true,
        _ => false,
    };
    let (mut pass, mut skipped) = (0, 0);
    let mut missing = Vec::new();
    for case in exp["fixtures"][0]["expected_by_type"].as_array().unwrap() {
        let t = case["pkg_type"].as_str().unwrap();
        let Some(ty) = ours(t) else {
            skipped += 1;
            continue;
        };
        for (name, version) in case["packages"].as_object().unwrap() {
            let found = cat.packages.iter().any(|p| {
                p.package_type == ty
                    && norm_name(ty, &p.name) == norm_name(ty, name)
                    && p.version == version.as_str().unwrap()
            });
            if found {
                pass += 1;
            } else if not_installed(t, name) {
                skipped += 1;
            } else {
                missing.push(format!("{t} {name} {version}"));
            }
        }
    }
    eprintln!("syft-image-pkg-coverage: {pass} expected packages found, {skipped} skipped (unsupported type or source manifest)");
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert!(pass > 50);
}

#[test]
fn dpkg_details() {
    let Some((_tmp, root)) = extract() else {
        return;
    };
    let cat = assemble(
        &analyze_dir(&root.join("syft-dpkg/image-dpkg")),
        &Options::default(),
    );
    assert_eq!(cat.os.as_ref().unwrap().id, "debian");
    let p = &cat.packages[0];
    assert_eq!(p.name, "libpam-runtime");
    assert_eq!(p.source.as_ref().unwrap().name, "pam");
    assert_eq!(
        p.purl,
        "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12"
    );
    let mut l = p.licenses.clone();
    l.sort();
    assert_eq!(l, vec!["GPL-1.0-only", "GPL-2.0-only", "LGPL-2.1-only"]);
    assert!(!p.files.is_empty(), "md5sums give the owned files");
}

#[test]
fn rpm_details() {
    let Some((_tmp, root)) = extract() else {
        return;
    };
    let a = analyze_files(&[(
        "var/lib/rpm/Packages",
        &root.join("go-rpmdb/libuuid/var/lib/rpm/Packages"),
    )]);
    let cat = assemble(&a, &Options::default());
    let p = &cat.packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.arch.as_deref()),
        ("libuuid", "2.32.1-42.el8_8", Some("x86_64"))
    );
    assert_eq!(p.source.as_ref().unwrap().name, "util-linux");
    assert_eq!(p.supplier.as_deref(), Some("Red Hat, Inc."));
    assert!(
        p.files
            .iter()
            .any(|f| f.starts_with("/usr/lib64/libuuid.so")),
        "{:?}",
        p.files
    );
    assert_eq!(p.purl, "pkg:rpm/libuuid@2.32.1-42.el8_8?arch=x86_64");
}
