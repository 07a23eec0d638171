//! The two fixture images, walked layer by layer, against the ground truth in
//! `images/README.md`.

use std::collections::BTreeSet;

use customs_catalog::{assemble, Options};
use customs_model::{Catalog, PackageType, RelationshipKind};

use crate::support::analyze_oci;

fn catalog(name: &str) -> Option<Catalog> {
    let path = customs_test::shared_path(&format!("images/{name}.oci.tar"))?;
    Some(assemble(&analyze_oci(&path), &Options::default()))
}

fn set(cat: &Catalog, t: PackageType) -> BTreeSet<(String, String)> {
    cat.packages
        .iter()
        .filter(|p| p.package_type == t)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn debian_bookworm_minbase() {
    let Some(cat) = catalog("debian-bookworm-minbase") else {
        return;
    };
    let os = cat.os.as_ref().unwrap();
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("debian", Some("12"))
    );
    let debs: Vec<_> = cat
        .packages
        .iter()
        .filter(|p| p.package_type == PackageType::Deb)
        .collect();
    assert_eq!(debs.len(), 106);
    assert_eq!(cat.packages.len(), 106, "no language packages");
    assert!(
        !debs.iter().any(|p| p.name == "curl"),
        "curl was purged in layer 3"
    );
    let by = |n: &str| debs.iter().find(|p| p.name == n).unwrap();
    assert_eq!(by("libcurl4").version, "7.88.1-10+deb12u15");
    assert_eq!(by("libssl3").source.as_ref().unwrap().name, "openssl");
    assert_eq!(by("zlib1g").version, "1:1.2.13.dfsg-1");
    let bsd = by("bsdutils");
    assert_eq!(bsd.version, "1:2.38.1-5+deb12u3");
    assert_eq!(bsd.source.as_ref().unwrap().name, "util-linux");
    assert_eq!(
        bsd.source.as_ref().unwrap().version.as_deref(),
        Some("2.38.1-5+deb12u3")
    );
    let sources: BTreeSet<_> = debs
        .iter()
        .map(|p| {
            p.source
                .as_ref()
                .map_or(p.name.as_str(), |s| s.name.as_str())
        })
        .collect();
    assert_eq!(sources.len(), 76);
    assert_eq!(debs.iter().filter(|p| p.version.contains(':')).count(), 11);
    // Locations: the layer that installed the package, though layer 3 rewrote `status`.
    let layers = |n: &str| by(n).locations[0].layer_index;
    assert_eq!(layers("libc6"), Some(0));
    assert_eq!(layers("libcurl4"), Some(1));
    assert_eq!(by("libcurl4").locations[0].path, "/var/lib/dpkg/status");
    assert!(by("libcurl4").locations[0]
        .layer_digest
        .as_ref()
        .unwrap()
        .hex()
        .starts_with("ef78a0614135"));
    // Files and licences from info/*.list and copyright.
    assert!(by("libc6").files.iter().any(|f| f.ends_with("/libc.so.6")));
    assert!(
        by("libssl3")
            .licenses
            .iter()
            .any(|l| l.contains("Apache-2.0")),
        "{:?}",
        by("libssl3").licenses
    );
    assert!(
        by("libssl3")
            .purl
            .starts_with("pkg:deb/debian/libssl3@3.0."),
        "{}",
        by("libssl3").purl
    );
    // Dependencies from Depends.
    let libcurl = &by("libcurl4").id;
    assert!(cat
        .relationships
        .iter()
        .any(|r| &r.from == libcurl && r.kind == RelationshipKind::DependsOn));
    eprintln!(
        "debian: {} packages, {} relationships, {} warnings",
        cat.packages.len(),
        cat.relationships.len(),
        cat.warnings.len()
    );
    for w in &cat.warnings {
        eprintln!("  warning: {w}");
    }
}

#[test]
fn polyglot_app() {
    let Some(cat) = catalog("polyglot-app") else {
        return;
    };
    let os = cat.os.as_ref().unwrap();
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("debian", Some("12"))
    );
    assert_eq!(
        set(&cat, PackageType::Deb),
        pairs(&[
            ("base-files", "12.4+deb12u15"),
            ("netbase", "6.4"),
            ("tzdata", "2026f-0+deb12u1"),
            ("media-types", "10.0.0"),
            ("libc6", "2.36-9+deb12u14"),
            ("libgcc-s1", "12.2.0-14+deb12u1"),
            ("gcc-12-base", "12.2.0-14+deb12u1"),
        ])
    );
    assert_eq!(
        set(&cat, PackageType::Pypi),
        pairs(&[
            ("requests", "2.19.1"),
            ("urllib3", "1.23"),
            ("chardet", "3.0.4"),
            ("idna", "2.7"),
            ("certifi", "2018.4.16"),
            ("Jinja2", "2.10"),
            ("MarkupSafe", "2.0.1"),
            ("PyYAML", "5.3"),
        ])
    );
    assert_eq!(
        set(&cat, PackageType::Npm),
        pairs(&[
            ("axios", "0.21.0"),
            ("follow-redirects", "1.16.3"),
            ("lodash", "4.17.15"),
            ("minimist", "1.2.0"),
            ("mkdirp", "0.5.1"),
            ("minimist", "0.0.8"),
            ("esbuild", "0.17.19"),
            ("@esbuild/linux-x64", "0.17.19"),
            ("polyglot-web", "1.4.2"),
        ])
    );
    assert_eq!(
        set(&cat, PackageType::Golang),
        pairs(&[
            ("filippo.io/age/cmd/age", ""),
            ("filippo.io/age/cmd/age-keygen", ""),
            ("stdlib", "go1.19.8"),
            ("github.com/evanw/esbuild", ""),
            ("stdlib", "go1.20.4"),
            ("golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8"),
        ])
    );
    assert_eq!(
        set(&cat, PackageType::Maven),
        pairs(&[
            ("com.fasterxml.jackson.core:jackson-databind", "2.14.0"),
            ("com.fasterxml.jackson.core:jackson-core", "2.14.1"),
            ("com.fasterxml.jackson.core:jackson-annotations", "2.14.0"),
            ("org.apache.logging.log4j:log4j-api", "2.19.0"),
            ("org.apache.logging.log4j:log4j-core", "2.19.0"),
            ("org.yaml:snakeyaml", "1.33"),
            ("org.apache.commons:commons-text", "1.10.0"),
            ("com.thoughtworks.xstream:xstream", "1.4.20"),
            ("org.apache:commons-collections", "3.2.2"),
        ])
    );
    assert_eq!(
        set(&cat, PackageType::Cargo),
        pairs(&[
            ("hello-auditable", "0.1.0"),
            ("libc", "0.2.191"),
            ("smallvec", "1.6.0"),
            ("time", "0.1.43")
        ])
    );
    assert_eq!(cat.packages.len(), 7 + 8 + 9 + 6 + 9 + 4);
    // The esbuild binary is one package at both hard-linked paths.
    let esb = cat
        .packages
        .iter()
        .find(|p| p.name == "github.com/evanw/esbuild")
        .unwrap();
    assert_eq!(esb.locations.len(), 2);
    assert_eq!(esb.metadata["go_main_version"], "(devel)");
    let xsys = cat
        .packages
        .iter()
        .find(|p| p.name == "golang.org/x/sys")
        .unwrap();
    assert!(cat
        .relationships
        .iter()
        .any(|r| r.from == esb.id && r.kind == RelationshipKind::Contains && r.to == xsys.id));
    // stdlib go1.19.8 is shared by age and age-keygen.
    let std119 = cat
        .packages
        .iter()
        .find(|p| p.name == "stdlib" && p.version == "go1.19.8")
        .unwrap();
    assert_eq!(std119.locations.len(), 2);
    assert_eq!(std119.purl, "pkg:golang/stdlib@go1.19.8");
    // npm: nested minimist and the dependency edge mkdirp → its own minimist.
    let mkdirp = cat.packages.iter().find(|p| p.name == "mkdirp").unwrap();
    let m008 = cat
        .packages
        .iter()
        .find(|p| p.name == "minimist" && p.version == "0.0.8")
        .unwrap();
    assert!(cat
        .relationships
        .iter()
        .any(|r| r.from == mkdirp.id && r.to == m008.id && r.kind == RelationshipKind::DependsOn));
    let scoped = cat
        .packages
        .iter()
        .find(|p| p.name == "@esbuild/linux-x64")
        .unwrap();
    assert_eq!(scoped.purl, "pkg:npm/%40esbuild/linux-x64@0.17.19");
    // Python purls are normalised, files come from RECORD.
    let jinja = cat.packages.iter().find(|p| p.name == "Jinja2").unwrap();
    assert_eq!(jinja.purl, "pkg:pypi/jinja2@2.10");
    assert!(!jinja.files.is_empty());
    // distroless status.d: files from NAME.md5sums, location in the base layer.
    let libc = cat.packages.iter().find(|p| p.name == "libc6").unwrap();
    assert_eq!(libc.locations[0].path, "/var/lib/dpkg/status.d/libc6");
    assert_eq!(libc.locations[0].layer_index, Some(0));
    let base_files = cat
        .packages
        .iter()
        .find(|p| p.name == "base-files")
        .unwrap();
    assert!(
        base_files.files.iter().any(|f| f == "/usr/lib/os-release"),
        "{:?}",
        base_files.files
    );
    // Java locations point into the layer that added the jars.
    let snake = cat
        .packages
        .iter()
        .find(|p| p.name == "org.yaml:snakeyaml")
        .unwrap();
    assert_eq!(snake.locations[0].layer_index, Some(5));
    eprintln!(
        "polyglot: {} packages, {} relationships, {} warnings",
        cat.packages.len(),
        cat.relationships.len(),
        cat.warnings.len()
    );
    for w in &cat.warnings {
        eprintln!("  warning: {w}");
    }
}
