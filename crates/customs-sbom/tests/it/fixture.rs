//! A hand-built catalog that covers every package type, epochs, a scoped npm
//! name, a Maven group, SPDX and non-SPDX licences, relationships and
//! warnings, and the image it came from.

use std::collections::BTreeMap;

use customs_model::analysis::LayerRef;
use customs_model::{
    Catalog, Digest, Location, OsRelease, Package, PackageType, Relationship, RelationshipKind,
    SourcePackage, Warning,
};
use customs_sbom::{CycloneDxVersion, Subject, ToolInfo, WriteOptions};

pub(crate) fn digest(c: char) -> Digest {
    format!("sha256:{}", c.to_string().repeat(64))
        .parse()
        .unwrap()
}

fn loc(path: &str, layer: usize) -> Location {
    let (d, diff) = if layer == 0 { ('a', 'b') } else { ('c', 'd') };
    Location {
        path: path.to_owned(),
        layer_index: Some(layer),
        layer_digest: Some(digest(d)),
        layer_diff_id: Some(digest(diff)),
    }
}

#[allow(clippy::too_many_arguments)]
fn pkg(
    ty: PackageType,
    name: &str,
    version: &str,
    purl: &str,
    licenses: &[&str],
    supplier: Option<&str>,
    path: &str,
    layer: usize,
) -> Package {
    Package {
        id: format!("{ty}:{name}@{version}"),
        package_type: ty,
        name: name.to_owned(),
        version: version.to_owned(),
        purl: purl.to_owned(),
        arch: None,
        source: None,
        licenses: licenses.iter().map(|s| (*s).to_owned()).collect(),
        supplier: supplier.map(str::to_owned),
        locations: vec![loc(path, layer)],
        files: Vec::new(),
        metadata: BTreeMap::new(),
    }
}

pub(crate) fn catalog() -> Catalog {
    use PackageType::*;
    let mut bsdutils = pkg(
        Deb,
        "bsdutils",
        "1:2.38.1-5+deb12u3",
        "pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&epoch=1",
        &["GPL-2.0-or-later", "BSD-4-Clause", "public-domain"],
        Some("util-linux packagers <util-linux@lists.example.org>"),
        "/var/lib/dpkg/status",
        0,
    );
    bsdutils.arch = Some("amd64".into());
    bsdutils.source = Some(SourcePackage {
        name: "util-linux".into(),
        version: Some("2.38.1-5+deb12u3".into()),
    });
    bsdutils.files = vec!["/usr/bin/logger".into()];
    bsdutils
        .metadata
        .insert("installed_size".into(), serde_json::json!(356));
    bsdutils
        .metadata
        .insert("status".into(), serde_json::json!("install ok installed"));
    let mut libssl = pkg(
        Deb,
        "libssl3",
        "3.0.22-1~deb12u2",
        "pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12",
        &["Apache-2.0"],
        Some("Debian OpenSSL Team <pkg-openssl-devel@lists.example.net>"),
        "/var/lib/dpkg/status",
        1,
    );
    libssl.arch = Some("amd64".into());
    libssl.source = Some(SourcePackage {
        name: "openssl".into(),
        version: None,
    });
    let mut python = pkg(
        Deb,
        "python3.11-minimal",
        "3.11.2-6+deb12u6",
        "pkg:deb/debian/python3.11-minimal@3.11.2-6%2Bdeb12u6?arch=amd64&distro=debian-12",
        &[],
        None,
        "/var/lib/dpkg/status",
        1,
    );
    python.arch = Some("amd64".into());
    python.source = Some(SourcePackage {
        name: "python3.11".into(),
        version: None,
    });
    let mut rpm = pkg(
        Rpm,
        "openssl-libs",
        "1:3.0.7-27.el9",
        "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1",
        &["Apache-2.0"],
        Some("Red Hat, Inc."),
        "/var/lib/rpm/rpmdb.sqlite",
        0,
    );
    let mut apk = pkg(
        Apk,
        "musl",
        "1.2.4-r2",
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.18.4",
        &["MIT"],
        Some("Timo Teräs <timo.teras@iki.fi>"),
        "/lib/apk/db/installed",
        0,
    );
    rpm.arch = Some("x86_64".into());
    apk.arch = Some("x86_64".into());
    let pypi = pkg(
        Pypi,
        "PyYAML",
        "6.0.1",
        "pkg:pypi/pyyaml@6.0.1",
        &["MIT"],
        Some("Kirill Simonov <xi@resolvent.net>"),
        "/usr/local/lib/python3.11/site-packages/PyYAML-6.0.1.dist-info/METADATA",
        1,
    );
    let requests = pkg(
        Pypi,
        "requests",
        "2.31.0",
        "pkg:pypi/requests@2.31.0",
        &["Apache-2.0"],
        None,
        "/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
        1,
    );
    let npm = pkg(
        Npm,
        "@babel/core",
        "7.23.2",
        "pkg:npm/%40babel/core@7.23.2",
        &["MIT"],
        Some("The Babel Team (https://babel.dev/team)"),
        "/app/node_modules/@babel/core/package.json",
        1,
    );
    let lodash = pkg(
        Npm,
        "lodash",
        "4.17.21",
        "pkg:npm/lodash@4.17.21",
        &["MIT OR Apache-2.0", "Custom: see LICENSE file\nsecond line"],
        None,
        "/app/node_modules/lodash/package.json",
        1,
    );
    let go = pkg(
        Golang,
        "filippo.io/age",
        "v1.1.1",
        "pkg:golang/filippo.io/age@v1.1.1",
        &["BSD-3-Clause"],
        None,
        "/usr/bin/age",
        1,
    );
    let stdlib = pkg(
        Golang,
        "stdlib",
        "go1.21.4",
        "pkg:golang/stdlib@go1.21.4",
        &["BSD-3-Clause"],
        None,
        "/usr/bin/age",
        1,
    );
    let maven = pkg(
        Maven,
        "org.apache.commons:commons-lang3",
        "3.12.0",
        "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
        &["Apache-2.0"],
        Some("The Apache Software Foundation"),
        "/app/lib/app.jar",
        1,
    );
    let mut shaded = pkg(
        Maven,
        "com.google.guava:guava",
        "32.1.3-jre",
        "pkg:maven/com.google.guava/guava@32.1.3-jre",
        &["Apache-2.0"],
        None,
        "/app/lib/app.jar:BOOT-INF/lib/guava-32.1.3-jre.jar",
        1,
    );
    shaded
        .locations
        .push(loc("/app/lib/guava-32.1.3-jre.jar", 1));
    let cargo = pkg(
        Cargo,
        "serde",
        "1.0.193",
        "pkg:cargo/serde@1.0.193",
        &["MIT OR Apache-2.0"],
        None,
        "/usr/local/bin/hello-auditable",
        1,
    );
    let gem = pkg(
        Gem,
        "rack",
        "3.0.8",
        "pkg:gem/rack@3.0.8",
        &["MIT"],
        None,
        "/usr/lib/ruby/gems/3.1.0/specifications/rack-3.0.8.gemspec",
        1,
    );
    let composer = pkg(
        Composer,
        "monolog/monolog",
        "3.5.0",
        "pkg:composer/monolog/monolog@3.5.0",
        &["MIT"],
        None,
        "/app/vendor/composer/installed.json",
        1,
    );
    let nuget = pkg(
        Nuget,
        "Newtonsoft.Json",
        "13.0.3",
        "pkg:nuget/Newtonsoft.Json@13.0.3",
        &["MIT", "GPL-2.0-or-later WITH Classpath-exception-2.0"],
        None,
        "/app/app.deps.json",
        1,
    );
    let rels = vec![
        Relationship {
            from: pypi.id.clone(),
            kind: RelationshipKind::DependsOn,
            to: python.id.clone(),
        },
        Relationship {
            from: requests.id.clone(),
            kind: RelationshipKind::DependsOn,
            to: pypi.id.clone(),
        },
        Relationship {
            from: maven.id.clone(),
            kind: RelationshipKind::Contains,
            to: shaded.id.clone(),
        },
        Relationship {
            from: python.id.clone(),
            kind: RelationshipKind::Owns,
            to: pypi.id.clone(),
        },
        Relationship {
            from: go.id.clone(),
            kind: RelationshipKind::Contains,
            to: stdlib.id.clone(),
        },
    ];
    let mut packages = vec![
        bsdutils, libssl, python, rpm, apk, pypi, requests, npm, lodash, go, stdlib, maven, shaded,
        cargo, gem, composer, nuget,
    ];
    packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.id).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.id,
        ))
    });
    Catalog {
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: vec![],
        }),
        packages,
        relationships: rels,
        warnings: vec![Warning::new(
            "python",
            "/usr/lib/python3/dist-packages/broken.dist-info/METADATA",
            "no Name field",
        )],
    }
}

pub(crate) fn subject() -> Subject {
    Subject {
        name: "docker.io/customs-fixtures/sample:latest".into(),
        image_id: Some(digest('e')),
        manifest_digest: Some(digest('f')),
        repo_digests: vec![format!("docker.io/customs-fixtures/sample@{}", digest('f'))],
        layers: vec![
            LayerRef {
                index: 0,
                digest: Some(digest('a')),
                diff_id: Some(digest('b')),
                created_by: Some("mmdebstrap".into()),
            },
            LayerRef {
                index: 1,
                digest: Some(digest('c')),
                diff_id: Some(digest('d')),
                created_by: Some("RUN apt-get install -y openssl".into()),
            },
        ],
        platform: Some("linux/amd64".into()),
    }
}

pub(crate) fn opts(version: CycloneDxVersion) -> WriteOptions {
    WriteOptions {
        created: "2026-01-02T03:04:05Z".into(),
        tool: ToolInfo::new("customs", "0.1.0"),
        cyclonedx_version: version,
    }
}
