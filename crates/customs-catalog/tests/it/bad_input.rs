//! Broken real databases: the catalog warns with the path and keeps going.

use customs_catalog::{assemble, Options};
use customs_test::TempDir;

use crate::support::analyze_files;

fn peer_file(rel: &str) -> Option<(TempDir, std::path::PathBuf)> {
    let src = customs_test::shared_path("fixtures/peer-catalogers.tar.gz")?;
    let tmp = TempDir::new("catalog-bad").unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(src).unwrap());
    tar::Archive::new(gz).unpack(tmp.path()).unwrap();
    let p = tmp.path().join("peer-catalogers").join(rel);
    Some((tmp, p))
}

fn write(tmp: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = tmp.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn truncated_status_file() {
    let Some((tmp, p)) = peer_file("trivy-dpkg/var/lib/dpkg/status") else {
        return;
    };
    let data = std::fs::read(p).unwrap();
    let cut = write(&tmp, "status", &data[..data.len() / 2 + 7]);
    let cat = assemble(
        &analyze_files(&[("var/lib/dpkg/status", &cut)]),
        &Options::default(),
    );
    assert!(
        cat.packages.len() > 30 && cat.packages.len() < 90,
        "{}",
        cat.packages.len()
    );
    assert!(cat
        .warnings
        .iter()
        .any(|w| w.subject == "/var/lib/dpkg/status" && w.message.contains("truncated")));
}

#[test]
fn corrupt_rpmdb_pages() {
    for (rel, virt) in [
        (
            "go-rpmdb/cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite",
        ),
        (
            "go-rpmdb/sle15-bci/usr/lib/sysimage/rpm/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db",
        ),
        ("syft-rpm-bdb/var/lib/rpm/Packages", "var/lib/rpm/Packages"),
    ] {
        let Some((tmp, p)) = peer_file(rel) else {
            return;
        };
        let good = std::fs::read(&p).unwrap();
        let whole = assemble(&analyze_files(&[(virt, &p)]), &Options::default())
            .packages
            .len();
        assert!(whole > 0);
        // Overwrite a stretch in the middle with garbage, and separately truncate.
        let mut bad = good.clone();
        let mid = bad.len() / 2;
        for b in &mut bad[mid..(mid + 8192).min(good.len())] {
            *b = 0xA5;
        }
        let trunc = &good[..good.len() * 2 / 3];
        for (i, bytes) in [&bad[..], trunc].into_iter().enumerate() {
            let f = write(&tmp, &format!("db{i}"), bytes);
            let cat = assemble(&analyze_files(&[(virt, &f)]), &Options::default());
            assert!(cat.packages.len() <= whole, "{rel}");
            // Either some headers were lost (and said so), or the damage hit unused space.
            if cat.packages.len() < whole {
                assert!(
                    !cat.warnings.is_empty(),
                    "{rel}: packages lost without a warning"
                );
                assert!(cat.warnings.iter().all(|w| w.subject == format!("/{virt}")));
            }
        }
    }
}

#[test]
fn malformed_and_non_utf8_metadata() {
    let tmp = TempDir::new("catalog-py").unwrap();
    let bad = write(
        &tmp,
        "METADATA",
        b"\xff\xfe garbage \x00\nno headers here\n",
    );
    let latin1 = write(
        &tmp,
        "METADATA2",
        b"Metadata-Version: 2.1\nName: caf\xe9\nVersion: 1.0\nAuthor: J\xf6rg\n",
    );
    let a = analyze_files(&[
        ("usr/lib/python3/dist-packages/x-1.dist-info/METADATA", &bad),
        (
            "usr/lib/python3/dist-packages/y-1.dist-info/METADATA",
            &latin1,
        ),
    ]);
    let cat = assemble(&a, &Options::default());
    assert_eq!(cat.packages.len(), 1);
    assert_eq!(cat.packages[0].version, "1.0");
    assert!(cat
        .warnings
        .iter()
        .any(|w| w.subject.contains("x-1.dist-info")));
}

#[test]
fn stripped_go_binary_is_not_a_package() {
    let tmp = TempDir::new("catalog-go").unwrap();
    // An ELF header and no build info: nothing found, nothing to warn about.
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(4096, 0);
    let f = write(&tmp, "bin", &elf);
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    let a = crate::support::analyze_dir(tmp.path());
    let cat = assemble(&a, &Options::default());
    assert!(cat.packages.is_empty());
}

/// The real `age` binary (Go 1.19, GOPATH build) from the polyglot image.
fn real_go_binary() -> Option<Vec<u8>> {
    use std::io::Read as _;
    let path = customs_test::shared_path("images/polyglot-app.oci.tar")?;
    let mut outer = tar::Archive::new(std::fs::File::open(path).unwrap());
    for e in outer.entries().unwrap() {
        let mut e = e.unwrap();
        let mut blob = Vec::new();
        e.read_to_end(&mut blob).unwrap();
        if !blob.starts_with(&[0x1f, 0x8b]) {
            continue;
        }
        let mut layer = tar::Archive::new(flate2::read::GzDecoder::new(&blob[..]));
        for f in layer.entries().unwrap() {
            let mut f = f.unwrap();
            if f.path().unwrap().to_string_lossy() == "usr/local/bin/age" {
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                return Some(v);
            }
        }
    }
    None
}

#[test]
fn go_binary_with_stripped_or_corrupt_build_info() {
    let Some(good) = real_go_binary() else { return };
    let tmp = TempDir::new("catalog-gobin").unwrap();
    let magic = b"\xff Go buildinf:";
    let at = good.windows(magic.len()).position(|w| w == magic).unwrap();
    let catalog = |bytes: &[u8], name: &str| {
        let f = write(&tmp, name, bytes);
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut a = crate::support::analyze_dir(tmp.path());
        a.records.retain(|r| r.path == name);
        assemble(&a, &Options::default())
    };
    let ok = catalog(&good, "good");
    let names: Vec<_> = ok
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(names, vec!["filippo.io/age/cmd/age@", "stdlib@go1.19.8"]);
    // Stripped: the build info is gone; nothing is reported, nothing breaks.
    let mut stripped = good.clone();
    stripped[at..at + magic.len()].fill(0);
    assert!(catalog(&stripped, "stripped").packages.is_empty());
    // Corrupt: the module-info length runs past the end of the section.
    let mut corrupt = good;
    let vlen = usize::from(corrupt[at + 32]);
    let mi = at + 33 + vlen;
    corrupt[mi..mi + 5].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    let cat = catalog(&corrupt, "corrupt");
    assert!(cat.packages.is_empty());
    assert!(
        cat.warnings
            .iter()
            .any(|w| w.subject == "/corrupt" && w.message.contains("go build info")),
        "{:?}",
        cat.warnings
    );
}
