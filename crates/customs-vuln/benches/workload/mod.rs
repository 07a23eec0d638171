//! The workload shared by the criterion bench and the `measure` example: the
//! advisory inputs of ../shared and a 10,000-package catalog of real package names.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use customs_model::{Catalog, Location, OsRelease, Package, PackageType};

pub fn inputs() -> Option<Vec<PathBuf>> {
    let root = customs_test::shared_path("advisories")?;
    let mut v: Vec<PathBuf> = ["AlmaLinux", "Go", "Maven", "PyPI", "RustSec", "npm"]
        .iter()
        .map(|e| root.join("osv").join(e).join("all.zip"))
        .collect();
    v.push(root.join("alpine-secdb"));
    v.push(root.join("debian-tracker/subsets"));
    Some(v)
}

fn pkg(t: PackageType, name: &str, version: &str, i: usize) -> Package {
    Package {
        id: format!("{t}:{name}@{version}#{i}"),
        package_type: t,
        name: name.into(),
        version: version.into(),
        purl: String::new(),
        arch: None,
        source: None,
        licenses: vec![],
        supplier: None,
        locations: vec![Location::path("/x")],
        files: vec![],
        metadata: Default::default(),
    }
}

/// Makes the version of the i-th package.
type VersionFn = fn(usize) -> String;

/// 10,000 packages: a third with real names that have advisories (PyPI,
/// npm, Go, crates, AlmaLinux rpms), each with its own version so no lookup
/// repeats, the rest with names that have none, as an image's catalog would.
pub fn catalog() -> Catalog {
    let real: &[(PackageType, &str, VersionFn)] = &[
        (PackageType::Pypi, "requests", |i| format!("2.{}.1", i % 40)),
        (PackageType::Pypi, "Jinja2", |i| format!("2.{}", i)),
        (PackageType::Pypi, "django", |i| {
            format!("{}.{}.0", 1 + i % 4, i)
        }),
        (PackageType::Npm, "lodash", |i| format!("4.17.{i}")),
        (PackageType::Npm, "axios", |i| format!("0.{}.0", i)),
        (PackageType::Golang, "stdlib", |i| {
            format!("go1.{}.{}", 10 + i % 12, i)
        }),
        (PackageType::Golang, "golang.org/x/net", |i| {
            format!("v0.{i}.0")
        }),
        (PackageType::Cargo, "smallvec", |i| format!("1.{i}.0")),
        (PackageType::Rpm, "openssl-libs", |i| {
            format!("1:1.1.1c-{i}.el8")
        }),
        (PackageType::Rpm, "kernel", |i| format!("4.18.0-{i}.el8")),
    ];
    let mut packages = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let (t, n, v) = real[i % real.len()];
        if i % 3 == 0 {
            packages.push(pkg(t, n, &v(i), i));
        } else {
            packages.push(pkg(t, &format!("{n}-nothing-{i}"), &v(i), i));
        }
    }
    Catalog {
        os: Some(OsRelease {
            id: "almalinux".into(),
            version_id: Some("8.9".into()),
            ..Default::default()
        }),
        packages,
        relationships: vec![],
        warnings: vec![],
    }
}
