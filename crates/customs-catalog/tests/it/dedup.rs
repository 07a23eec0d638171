//! The deduplication and ownership rules, on small synthetic trees.

use customs_catalog::{assemble, Options};
use customs_model::analysis::{Analysis, LayerRef};
use customs_model::{PackageType, RelationshipKind};
use customs_test::TempDir;

use crate::support::analyze_files;

fn write(tmp: &TempDir, name: &str, bytes: &str) -> std::path::PathBuf {
    let p = tmp.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn python_from_a_deb_is_one_package_owned_by_it() {
    let tmp = TempDir::new("catalog-own").unwrap();
    let status = write(
        &tmp,
        "status",
        "Package: python3-idna\nStatus: install ok installed\nVersion: 3.3-1\nArchitecture: all\nSource: python-idna\n\n",
    );
    let list = write(&tmp, "list", "/.\n/usr\n/usr/lib/python3/dist-packages/idna-3.3.dist-info\n/usr/lib/python3/dist-packages/idna-3.3.dist-info/METADATA\n/usr/lib/python3/dist-packages/idna/__init__.py\n");
    let meta = write(
        &tmp,
        "METADATA",
        "Metadata-Version: 2.1\nName: idna\nVersion: 3.3\n",
    );
    let os = write(&tmp, "os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    let a = analyze_files(&[
        ("var/lib/dpkg/status", &status),
        ("var/lib/dpkg/info/python3-idna.list", &list),
        (
            "usr/lib/python3/dist-packages/idna-3.3.dist-info/METADATA",
            &meta,
        ),
        // The same distribution seen again through a second metadata copy.
        (
            "usr/local/lib/python3.11/dist-packages/idna-3.3.dist-info/METADATA",
            &meta,
        ),
        ("usr/lib/os-release", &os),
    ]);
    let cat = assemble(&a, &Options::default());
    let deb = cat
        .packages
        .iter()
        .find(|p| p.package_type == PackageType::Deb)
        .unwrap();
    let py: Vec<_> = cat
        .packages
        .iter()
        .filter(|p| p.package_type == PackageType::Pypi)
        .collect();
    assert_eq!(py.len(), 1, "found twice, reported once");
    assert_eq!(py[0].locations.len(), 2);
    assert_eq!(
        py[0].locations[0].path,
        "/usr/lib/python3/dist-packages/idna-3.3.dist-info/METADATA"
    );
    assert_eq!(
        deb.files,
        vec![
            "/usr/lib/python3/dist-packages/idna-3.3.dist-info/METADATA",
            "/usr/lib/python3/dist-packages/idna/__init__.py"
        ]
    );
    assert!(cat
        .relationships
        .iter()
        .any(|r| r.from == deb.id && r.kind == RelationshipKind::Owns && r.to == py[0].id));
    assert_eq!(
        deb.purl,
        "pkg:deb/debian/python3-idna@3.3-1?arch=all&distro=debian-12"
    );
    // Ids are stable across runs.
    assert_eq!(assemble(&a, &Options::default()), cat);
}

#[test]
fn deleted_files_are_not_installed() {
    let tmp = TempDir::new("catalog-del").unwrap();
    let meta = write(
        &tmp,
        "METADATA",
        "Metadata-Version: 2.1\nName: gone\nVersion: 1\n",
    );
    let mut a = analyze_files(&[(
        "usr/lib/python3/site-packages/gone-1.dist-info/METADATA",
        &meta,
    )]);
    a.layers.push(LayerRef {
        index: 1,
        digest: None,
        diff_id: None,
        created_by: None,
    });
    for r in &mut a.records {
        r.removed_in = Some(1);
    }
    assert!(assemble(&a, &Options::default()).packages.is_empty());
    assert!(assemble(&Analysis::default(), &Options::default())
        .packages
        .is_empty());
}

#[test]
fn lockfile_only_without_installed_packages() {
    let tmp = TempDir::new("catalog-lock").unwrap();
    let lock = write(
        &tmp,
        "lock",
        r#"{"lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/a":{"version":"1.0.0"},"node_modules/d":{"version":"2.0.0","dev":true}}}"#,
    );
    let pj = write(&tmp, "pj", r#"{"name":"a","version":"1.0.1"}"#);
    // Without node_modules: the lockfile's non-dev entries (and the app).
    let cat = assemble(
        &analyze_files(&[("srv/package-lock.json", &lock)]),
        &Options::default(),
    );
    let names: Vec<_> = cat
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(names, vec!["a@1.0.0", "app@1.0.0"]);
    // With installed packages: they are the truth, the lockfile is not read.
    let cat = assemble(
        &analyze_files(&[
            ("srv/package-lock.json", &lock),
            ("srv/node_modules/a/package.json", &pj),
        ]),
        &Options::default(),
    );
    let names: Vec<_> = cat
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(names, vec!["a@1.0.1"]);
    // A published package's own lockfile is never read.
    let cat = assemble(
        &analyze_files(&[("srv/node_modules/x/package-lock.json", &lock)]),
        &Options::default(),
    );
    assert!(cat.packages.is_empty());
}
