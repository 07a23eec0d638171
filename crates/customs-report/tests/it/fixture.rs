//! A hand-built report with real advisory IDs, versions and CVSS vectors for
//! packages that really are in ../shared/images/polyglot-app (requests
//! 2.19.1, urllib3 1.23, lodash 4.17.15, minimist 1.2.0, axios 0.21.0, libc6
//! 2.36-9+deb12u14), one finding suppressed by an OpenVEX statement and one by
//! the ignore file, the image's planted FAKE secrets, and misconfigurations
//! produced by customs-misconfig's real rules from a Dockerfile and a Pod.

use std::collections::BTreeMap;

use customs_model::analysis::LayerRef;
use customs_model::{Digest, Location, OsRelease, Package, PackageType, Severity, Warning};
use customs_report::{
    subject_kind, DatabaseInfo, DatabaseSource, ScanReport, SecretFinding, Subject, Tool,
};
use customs_vuln::matcher::{Suppression, SuppressionSource};
use customs_vuln::{base_score, Finding, MatchReport, Status, Unmatched, UnmatchedReason};

pub(crate) const CREATED: &str = "2026-01-02T03:04:05Z";

pub(crate) fn digest(c: char) -> Digest {
    format!("sha256:{}", c.to_string().repeat(64))
        .parse()
        .unwrap()
}

fn layer_digest(i: usize) -> Digest {
    digest(char::from_digit(u32::try_from(i).unwrap() + 1, 16).unwrap())
}

fn loc(path: &str, layer: usize) -> Location {
    Location {
        path: path.to_owned(),
        layer_index: Some(layer),
        layer_digest: Some(layer_digest(layer)),
        layer_diff_id: None,
    }
}

pub(crate) fn package(
    ty: PackageType,
    name: &str,
    version: &str,
    path: &str,
    layer: usize,
) -> Package {
    let purl = match ty {
        PackageType::Deb => format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
        _ => format!("pkg:{}/{name}@{version}", ty.purl_type()),
    };
    Package {
        id: format!("{ty}:{name}@{version}"),
        package_type: ty,
        name: name.to_owned(),
        version: version.to_owned(),
        purl,
        arch: None,
        source: None,
        licenses: Vec::new(),
        supplier: None,
        locations: vec![loc(path, layer)],
        files: Vec::new(),
        metadata: BTreeMap::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    p: &Package,
    id: &str,
    aliases: &[&str],
    fixed: &[&str],
    vectors: &[&str],
    title: &str,
    source: &str,
) -> Finding {
    let cvss: Vec<_> = vectors.iter().map(|v| base_score(v).unwrap()).collect();
    let (severity, severity_source) = match cvss
        .iter()
        .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
    {
        Some(c) => (
            c.severity(),
            format!("CVSS {} ({source})", c.version.as_str()),
        ),
        None => (Severity::Unknown, format!("{source} urgency")),
    };
    Finding {
        id: id.to_owned(),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        package_id: p.id.clone(),
        package_name: p.name.clone(),
        package_type: p.package_type,
        package_purl: p.purl.clone(),
        installed_version: p.version.clone(),
        fixed_versions: fixed.iter().map(|s| (*s).to_owned()).collect(),
        status: if fixed.is_empty() {
            Status::Unfixed
        } else {
            Status::Fixed
        },
        severity,
        severity_source,
        cvss,
        title: title.to_owned(),
        description: format!("{title}. (Description abridged for the test.)"),
        references: vec![format!("https://nvd.nist.gov/vuln/detail/{id}")],
        locations: p.locations.clone(),
        data_source: source.to_owned(),
        cwe_ids: Vec::new(),
        suppressed: None,
        vex_status: None,
    }
}

pub(crate) fn packages() -> Vec<Package> {
    use PackageType::*;
    let site = "/usr/local/lib/python3.11/site-packages";
    vec![
        package(
            Deb,
            "libc6",
            "2.36-9+deb12u14",
            "/var/lib/dpkg/status.d/libc6",
            0,
        ),
        package(
            Pypi,
            "requests",
            "2.19.1",
            &format!("{site}/requests-2.19.1.dist-info/METADATA"),
            1,
        ),
        package(
            Pypi,
            "urllib3",
            "1.23",
            &format!("{site}/urllib3-1.23.dist-info/METADATA"),
            1,
        ),
        package(
            Npm,
            "axios",
            "0.21.0",
            "/app/node_modules/axios/package.json",
            3,
        ),
        package(
            Npm,
            "lodash",
            "4.17.15",
            "/app/node_modules/lodash/package.json",
            3,
        ),
        package(
            Npm,
            "minimist",
            "1.2.0",
            "/app/node_modules/minimist/package.json",
            3,
        ),
        package(Gem, "rake", "13.0.6", "/usr/lib/ruby/gems/rake.gemspec", 0),
    ]
}

fn find<'a>(ps: &'a [Package], name: &str) -> &'a Package {
    ps.iter().find(|p| p.name == name).unwrap()
}

pub(crate) fn match_report(ps: &[Package]) -> MatchReport {
    let mut findings = vec![
        finding(
            find(ps, "requests"),
            "CVE-2018-18074",
            &["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"],
            &["2.20.0"],
            &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"],
            "Requests sends an HTTP Authorization header to an http URI upon receiving a same-hostname https-to-http redirect",
            "osv:PyPI",
        ),
        finding(
            find(ps, "urllib3"),
            "CVE-2019-11236",
            &["GHSA-r64q-w8jr-g9qp", "PYSEC-2019-133"],
            &["1.24.3"],
            &["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"],
            "CRLF injection in urllib3",
            "osv:PyPI",
        ),
        finding(
            find(ps, "urllib3"),
            "CVE-2019-11324",
            &["GHSA-mh33-7rrq-662w", "PYSEC-2019-132"],
            &["1.24.2"],
            &["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"],
            "Improper certificate validation in urllib3",
            "osv:PyPI",
        ),
        finding(
            find(ps, "lodash"),
            "CVE-2020-8203",
            &["GHSA-p6mc-m468-83gw"],
            &["4.17.19"],
            &["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"],
            "Prototype Pollution in lodash",
            "osv:npm",
        ),
        finding(
            find(ps, "lodash"),
            "CVE-2021-23337",
            &["GHSA-35jh-r3h4-6jhm"],
            &["4.17.21"],
            &["CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"],
            "Command Injection in lodash",
            "osv:npm",
        ),
        finding(
            find(ps, "axios"),
            "CVE-2020-28168",
            &["GHSA-4w2v-q235-vp99"],
            &["0.21.1"],
            &["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"],
            "Server-Side Request Forgery in Axios",
            "osv:npm",
        ),
        finding(
            find(ps, "minimist"),
            "CVE-2021-44906",
            &["GHSA-xvch-5gv4-984h"],
            &["1.2.6", "0.2.4"],
            &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
            "Prototype Pollution in minimist",
            "osv:npm",
        ),
        finding(
            find(ps, "libc6"),
            "CVE-2019-1010022",
            &[],
            &[],
            &[],
            "GNU Libc stack guard protection bypass",
            "debian-tracker",
        ),
    ];
    // CWE ids as the GitHub records in ../shared/advisories/osv/npm state them
    // (GHSA-p6mc-m468-83gw, GHSA-35jh-r3h4-6jhm, GHSA-4w2v-q235-vp99,
    // GHSA-xvch-5gv4-984h); the PyPI and Debian findings have none.
    for (id, cwes) in [
        ("CVE-2020-8203", &["CWE-770", "CWE-1321"][..]),
        ("CVE-2021-23337", &["CWE-77", "CWE-94"][..]),
        ("CVE-2020-28168", &["CWE-918"][..]),
        ("CVE-2021-44906", &["CWE-1321"][..]),
    ] {
        let f = findings.iter_mut().find(|f| f.id == id).unwrap();
        f.cwe_ids = cwes.iter().map(|c| (*c).to_owned()).collect();
    }
    // The minimist finding: an OpenVEX statement says the code is never run.
    let m = findings
        .iter_mut()
        .find(|f| f.id == "CVE-2021-44906")
        .unwrap();
    m.suppressed = Some(Suppression {
        source: SuppressionSource::Vex,
        status: "not_affected".into(),
        justification: Some("vulnerable_code_not_in_execute_path".into()),
        reason: Some("minimist is only used by the build scripts".into()),
        document: Some("https://example.invalid/vex/polyglot-app.json".into()),
    });
    m.vex_status = Some("not_affected".into());
    // The glibc finding: accepted in the ignore file.
    let g = findings
        .iter_mut()
        .find(|f| f.id == "CVE-2019-1010022")
        .unwrap();
    g.status = Status::WontFix;
    g.suppressed = Some(Suppression {
        source: SuppressionSource::IgnoreFile,
        status: "ignored".into(),
        justification: None,
        reason: Some("disputed upstream; not a vulnerability in glibc".into()),
        document: Some(".customsignore".into()),
    });
    MatchReport {
        findings,
        unmatched: vec![Unmatched {
            package_id: find(ps, "rake").id.clone(),
            package_name: "rake".into(),
            version: "13.0.6".into(),
            package_type: PackageType::Gem,
            reason: UnmatchedReason::NoData {
                namespace: "RubyGems".into(),
            },
        }],
        warnings: vec![Warning::new(
            "vuln-db",
            "vuln.db",
            "the database is 9 days old (limit 7 days)",
        )],
        packages_matched: ps.len(),
    }
}

#[allow(clippy::too_many_arguments)]
fn secret(
    rule: &str,
    title: &str,
    severity: Severity,
    path: &str,
    layer: Option<usize>,
    removed: Option<usize>,
    line: Option<u64>,
    redacted: &str,
    sha: char,
) -> SecretFinding {
    SecretFinding {
        rule_id: rule.into(),
        title: title.into(),
        severity,
        path: path.into(),
        layer_index: layer,
        layer_digest: layer.map(layer_digest),
        removed_in_layer: removed,
        also_in_layers: Vec::new(),
        line,
        redacted: redacted.into(),
        sha256: sha.to_string().repeat(64),
    }
}

pub(crate) fn secrets() -> Vec<SecretFinding> {
    vec![
        secret(
            "aws-access-key-id",
            "AWS access key ID",
            Severity::Critical,
            "/app/config/aws-credentials",
            Some(7),
            None,
            Some(3),
            "AKIA****",
            'a',
        ),
        secret(
            "private-key",
            "Private key (PEM)",
            Severity::High,
            "/app/config/deploy-key.pem",
            Some(7),
            Some(8),
            Some(1),
            "-----BEGIN RSA PRIVATE KEY-----****",
            'b',
        ),
        secret(
            "gitlab-pat",
            "GitLab personal access token",
            Severity::Critical,
            "config:Env[4]",
            None,
            None,
            None,
            "glpat-****",
            'c',
        ),
    ]
}

const DOCKERFILE: &str = "FROM debian:latest\nRUN curl -fsSL https://example.invalid/install.sh | sh\nADD https://example.invalid/app.tar.gz /app/\nENV GITLAB_TOKEN=glpat-customsTESTfake00001\n";

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: registry.example.invalid/app:latest\n    securityContext:\n      privileged: true\n";

pub(crate) fn misconfig() -> customs_misconfig::Report {
    let opts = customs_misconfig::Options::default();
    let mut r = customs_misconfig::check_dockerfile("Dockerfile", DOCKERFILE, &opts);
    r.merge(customs_misconfig::check_manifests(
        "k8s/pod.yaml",
        POD,
        &opts,
    ));
    r.sort();
    r
}

pub(crate) fn subject() -> Subject {
    let created = [
        "/bin/sh -c #(nop) ADD distroless-style base",
        "RUN pip install --no-deps --target /usr/local/lib/python3.11/site-packages requests==2.19.1 …",
        "COPY app /app && npm ci",
        "RUN rm -rf node_modules && npm ci --omit=dev",
        "COPY age age-keygen /usr/local/bin/",
        "COPY lib/*.jar /app/lib/",
        "COPY hello-auditable /usr/local/bin/",
        "COPY config /app/config",
        "RUN rm /app/config/deploy-key.pem",
    ];
    Subject {
        name: "oci-archive:polyglot-app.oci.tar".into(),
        kind: subject_kind::IMAGE.into(),
        image_id: Some(digest('e')),
        manifest_digest: Some(digest('f')),
        platform: Some("linux/amd64".into()),
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: Vec::new(),
        }),
        layers: created
            .iter()
            .enumerate()
            .map(|(i, c)| LayerRef {
                index: i,
                digest: Some(layer_digest(i)),
                diff_id: None,
                created_by: Some((*c).to_owned()),
            })
            .collect(),
    }
}

/// The whole fixture report.
pub(crate) fn report() -> ScanReport {
    let tool = Tool {
        name: "customs".into(),
        version: "0.1.0".into(),
    };
    let mut r = ScanReport::new(tool, CREATED, subject());
    let ps = packages();
    r.package_count = ps.len();
    r.add_vulnerabilities(match_report(&ps));
    r.packages = ps;
    r.add_secrets(secrets());
    r.add_misconfigurations(&misconfig());
    r.database = Some(DatabaseInfo {
        schema_version: 1,
        built: "2025-12-24T00:00:00Z".into(),
        sources: vec![
            DatabaseSource {
                name: "osv:PyPI".into(),
                date: Some("2025-12-23T18:00:00Z".into()),
                count: 17_000,
            },
            DatabaseSource {
                name: "debian-tracker".into(),
                date: None,
                count: 42,
            },
        ],
    });
    r
}
