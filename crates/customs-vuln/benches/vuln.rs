//! Benchmarks (not tests): import of all of ../shared/advisories, database
//! open, matching 10,000 packages. Bytes per advisory are printed once.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use customs_model::{Catalog, Location, OsRelease, Package, PackageType};
use customs_vuln::{match_catalog, Database, ImportOptions, MatchOptions};

fn inputs() -> Option<Vec<PathBuf>> {
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
fn catalog() -> Catalog {
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

fn benches(c: &mut Criterion) {
    let Some(inputs) = inputs() else { return };
    let dir = customs_test::TempDir::new("vuln-bench").unwrap();
    let path = dir.path().join("vuln.db");
    let opts = ImportOptions {
        db_path: Some(path.clone()),
        ..ImportOptions::default()
    };
    let report = customs_vuln::import_paths(&inputs, &opts).unwrap();
    let st = report.status.unwrap();
    let records: u64 = st.sources.iter().map(|s| s.records).sum();
    eprintln!(
        "db: {} bytes, {} advisories, {:.0} bytes/advisory, {} records read",
        st.file_bytes,
        st.advisories,
        st.file_bytes as f64 / st.advisories as f64,
        records
    );

    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records));
    g.bench_function("all-shared-advisories", |b| {
        b.iter(|| customs_vuln::import::build(&inputs, &Default::default()).unwrap())
    });
    g.finish();

    c.bench_function("open", |b| b.iter(|| Database::open(&path).unwrap()));

    let db = Database::open(&path).unwrap();
    let cat = catalog();
    c.bench_function("match-10000-packages", |b| {
        // Freeing the report is the caller's business, not matching.
        b.iter_with_large_drop(|| match_catalog(&db, &cat, &MatchOptions::default()))
    });
}

criterion_group!(all, benches);
criterion_main!(all);
