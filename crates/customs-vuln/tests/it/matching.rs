//! Matching on real data, each result checked against an independent
//! implementation: `dpkg --compare-versions` for Debian, a Python apk
//! comparator for Alpine, Python `packaging` for PyPI, and a Python OSV
//! evaluator (SemVer/Maven comparators written for the test) for the rest.

use std::collections::{BTreeMap, BTreeSet};

use customs_model::{PackageType, Severity};
use customs_vuln::{match_catalog, MatchOptions, Status, UnmatchedReason};

use crate::common::{self, catalog, dpkg_lt, os, pkg, with_source};

const OSV_CHECK: &str = include_str!("osv_check.py");

fn all_ids(f: &customs_vuln::Finding) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = f.aliases.iter().cloned().collect();
    s.insert(f.id.clone());
    s
}

#[test]
fn debian_bookworm_minbase_real_dpkg_against_tracker_excerpts() {
    let Some(built) = common::db() else { return };
    let Some(image) = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar") else {
        return;
    };
    if customs_test::tool("dpkg", &["--version"]).is_none() {
        return;
    }
    let layers = common::file_per_layer(&image, "var/lib/dpkg/status");
    let (_, last) = layers.last().unwrap();
    let installed = common::parse_dpkg_status(std::str::from_utf8(last).unwrap());
    assert_eq!(installed.len(), 106);
    assert!(!installed.iter().any(|p| p.0 == "curl"));
    let mut packages = Vec::new();
    for (name, version, sname, sver) in &installed {
        // Layer = first layer whose status lists the package.
        let layer = layers
            .iter()
            .find(|(_, b)| {
                common::parse_dpkg_status(std::str::from_utf8(b).unwrap())
                    .iter()
                    .any(|p| &p.0 == name)
            })
            .map(|(i, _)| *i);
        let mut p = pkg(PackageType::Deb, name, version);
        p.locations[0].path = "/var/lib/dpkg/status".into();
        p.locations[0].layer_index = layer;
        if let Some(s) = sname {
            p = with_source(p, s, sver.as_deref());
        }
        packages.push(p);
    }
    let cat = catalog(Some(os("debian", "12")), packages.clone());
    let report = match_catalog(&built.db, &cat, &MatchOptions::default());
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    assert_eq!(report.packages_matched, 106);

    // Independent check: read the excerpts here and decide with dpkg itself.
    let expected = debian_expected(&packages, "bookworm");
    let got: BTreeSet<(String, String, Status)> = report
        .findings
        .iter()
        .map(|f| (f.package_name.clone(), f.id.clone(), f.status))
        .collect();
    assert_eq!(got, expected);
    eprintln!("bookworm minbase: {} findings from the excerpts (none of the excerpt packages is installed)", got.len());
}

/// What the tracker excerpts say for these packages in `codename`, decided
/// with `dpkg --compare-versions` (undetermined excluded, as by default).
pub(crate) fn debian_expected(
    packages: &[customs_model::Package],
    codename: &str,
) -> BTreeSet<(String, String, Status)> {
    let dir = customs_test::shared_path("advisories/debian-tracker/subsets").unwrap();
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        for p in packages {
            let (src, ver) = match &p.source {
                Some(s) => (
                    s.name.as_str(),
                    s.version.clone().unwrap_or(p.version.clone()),
                ),
                None => (p.name.as_str(), p.version.clone()),
            };
            let Some(cves) = v.get(src).and_then(|c| c.as_object()) else {
                continue;
            };
            for (cve, rec) in cves {
                let Some(r) = rec["releases"].get(codename) else {
                    continue;
                };
                let urgency = r["urgency"].as_str().unwrap_or("");
                let status = match r["status"].as_str().unwrap() {
                    "resolved" => {
                        let fixed = r["fixed_version"].as_str().unwrap();
                        if fixed == "0" || !dpkg_lt(&ver, fixed) {
                            continue;
                        }
                        Status::Fixed
                    }
                    "open" if urgency == "end-of-life" => Status::EndOfLife,
                    "open" if r["nodsa_reason"] == "ignored" => Status::WontFix,
                    "open" => Status::Unfixed,
                    _ => continue,
                };
                out.insert((p.name.clone(), cve.clone(), status));
            }
        }
    }
    out
}

#[test]
fn debian_excerpts_every_release_and_status() {
    // Every (source package, release) of the excerpts, with installed versions
    // just below, at and above each fixed version, decided by dpkg.
    let Some(built) = common::db() else { return };
    if customs_test::tool("dpkg", &["--version"]).is_none() {
        return;
    }
    let releases = [
        ("jessie", "8"),
        ("stretch", "9"),
        ("buster", "10"),
        ("bullseye", "11"),
        ("bookworm", "12"),
        ("trixie", "13"),
    ];
    let base: &[(&str, &[&str])] = &[
        ("prototypejs", &["1.6.0.2-1~", "1.6.0.2-1", "1.7.3-1"]),
        ("txt2man", &["1.5.5-4", "1.5.5-4.1"]),
        ("backupninja", &["0.7-1", "1.2.1-1"]),
        (
            "chromium",
            &[
                "90.0.4430.212-1",
                "98.0.4758.80-1~deb11u1",
                "98.0.4758.80-1",
            ],
        ),
        (
            "sope",
            &["5.8.0-1", "5.8.0-1+deb12u1", "5.0.1-2", "5.12.1-2"],
        ),
        ("busybox", &["1:1.35.0-4"]),
        ("apparmor", &["3.0.8-3", "3.0.12-1", "2.10-1"]),
        (
            "opensmtpd",
            &["6.0.3p1-5+deb10u2", "6.0.3p1-5+deb10u3", "6.6.1p1-1"],
        ),
        ("python-scipy", &["0.11.0-1", "1.1.0-7"]),
        ("chromium-browser", &["1.0-1"]),
    ];
    let mut total = 0;
    let mut statuses = BTreeSet::new();
    for (codename, number) in releases {
        let mut packages = Vec::new();
        for (src, versions) in base {
            for v in *versions {
                // A binary package with another name, so the source mapping is used.
                let p = pkg(
                    PackageType::Deb,
                    &format!("bin-{src}-{v}"),
                    &format!("9:{v}"),
                );
                packages.push(with_source(p, src, Some(v)));
            }
        }
        let cat = catalog(Some(os("debian", number)), packages.clone());
        let report = match_catalog(&built.db, &cat, &MatchOptions::default());
        assert!(
            report.unmatched.is_empty(),
            "{codename}: {:?}",
            report.unmatched
        );
        let got: BTreeSet<_> = report
            .findings
            .iter()
            .map(|f| (f.package_name.clone(), f.id.clone(), f.status))
            .collect();
        let expected = debian_expected(&packages, codename);
        assert_eq!(got, expected, "{codename}");
        for f in &report.findings {
            // Distro severity is shown with its source; fixed versions are source versions.
            assert!(
                f.severity_source.starts_with("debian-tracker urgency"),
                "{f:?}"
            );
            if f.status == Status::Fixed {
                assert_eq!(f.fixed_versions.len(), 1);
            }
            statuses.insert(f.status);
        }
        total += got.len();
    }
    assert!(statuses.contains(&Status::Fixed) && statuses.contains(&Status::Unfixed));
    assert!(statuses.contains(&Status::EndOfLife));
    assert!(total > 10, "{total}");

    // prototypejs is in two excerpts: still one finding; `high**` maps to High.
    let p = with_source(
        pkg(PackageType::Deb, "libjs-prototype", "1.6.0.1-1"),
        "prototypejs",
        None,
    );
    let r = match_catalog(
        &built.db,
        &catalog(Some(os("debian", "10")), vec![p]),
        &MatchOptions::default(),
    );
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert_eq!(r.findings[0].id, "CVE-2008-7220");
    assert_eq!(r.findings[0].severity, Severity::High);
    assert_eq!(r.findings[0].fixed_versions, ["1.6.0.2-1"]);
}

#[test]
fn alpine_secdb_against_real_apk_database() {
    let Some(built) = common::db() else { return };
    let Some(tgz) = customs_test::shared_path("fixtures/peer-catalogers.tar.gz") else {
        return;
    };
    let Some(secdb) = customs_test::shared_path("advisories/alpine-secdb/v3.4") else {
        return;
    };
    let tmp = customs_test::TempDir::new("apk").unwrap();
    let ok = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .arg("peer-catalogers/trivy-apk/lib/apk/db/installed")
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let text = std::fs::read_to_string(
        tmp.path()
            .join("peer-catalogers/trivy-apk/lib/apk/db/installed"),
    )
    .unwrap();
    let mut packages = Vec::new();
    for stanza in text.split("\n\n") {
        let f = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(k).map(str::to_owned))
        };
        let (Some(name), Some(version)) = (f("P:"), f("V:")) else {
            continue;
        };
        let mut p = pkg(PackageType::Apk, &name, &version);
        if let Some(o) = f("o:") {
            p = with_source(p, &o, None);
        }
        packages.push(p);
    }
    assert_eq!(packages.len(), 15);
    let cat = catalog(Some(os("alpine", "3.4.6")), packages.clone());
    let report = match_catalog(&built.db, &cat, &MatchOptions::default());
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    let got: BTreeSet<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.package_name.clone(), f.id.clone()))
        .collect();

    // Independent: Python reads the secdb YAML and compares with its own apk
    // version order.
    let args: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "{}={}={}",
                p.name,
                p.source
                    .as_ref()
                    .map_or(p.name.as_str(), |s| s.name.as_str()),
                p.version
            )
        })
        .collect();
    let mut argv: Vec<&str> = vec![secdb.to_str().unwrap()];
    argv.extend(args.iter().map(String::as_str));
    let out = common::python(APK_CHECK, &argv);
    let expected: BTreeSet<(String, String)> = out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    assert_eq!(got, expected);
    assert!(!got.is_empty());
    eprintln!("alpine 3.4 apk db: {} findings", got.len());
}

const APK_CHECK: &str = r#"
import sys, os, re, yaml
secdb, pkgs = sys.argv[1], [a.split("=") for a in sys.argv[2:]]
SUF = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "": 4, "cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9}
def key(v):
    v, _, rel = v.partition("-r")
    m = re.match(r"^([0-9.]+)([a-z]?)((?:_[a-z]+[0-9]*)*)$", v)
    nums = [int(x) for x in m.group(1).split(".")]
    sufs = [(SUF[s.rstrip("0123456789")], int(s.lstrip("abcdefghijklmnopqrstuvwxyz") or 0))
            for s in m.group(3).split("_")[1:]] or [(4, 0)]
    return (nums, m.group(2), sufs, int(rel or 0))
def lt(a, b):
    ka, kb = key(a), key(b)
    # numbers: component-wise, more components is newer when the rest is equal
    return ka < kb
fixes = []
for f in ("main.yaml", "community.yaml"):
    d = yaml.safe_load(open(os.path.join(secdb, f)))
    for p in d.get("packages") or []:
        for ver, ids in (p["pkg"].get("secfixes") or {}).items():
            if str(ver) in ("0", "0-r0"):
                continue
            for s in ids or []:
                for tok in str(s).split():
                    if re.fullmatch(r"CVE-\d{4}-\d{4,}", tok) or (not tok.startswith("CVE-") and re.fullmatch(r"[A-Za-z]{2,}(-[A-Za-z0-9]+)+", tok)):
                        fixes.append((p["pkg"]["name"], str(ver), tok))
seen = set()
for name, origin, ver in pkgs:
    for fname, fver, fid in fixes:
        if fname == origin and lt(ver, fver) and (name, fid) not in seen:
            seen.add((name, fid))
            print(name, fid)
"#;

pub(crate) fn osv_check(
    eco: &str,
    zip: &str,
    pkgs: &[(&str, &str)],
) -> BTreeMap<String, BTreeSet<String>> {
    let zip = customs_test::shared_path(&format!("advisories/osv/{zip}/all.zip")).unwrap();
    let args: Vec<String> = pkgs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let mut argv = vec![zip.to_str().unwrap(), eco];
    argv.extend(args.iter().map(String::as_str));
    let out = common::python(OSV_CHECK, &argv);
    let v: BTreeMap<String, Vec<String>> = serde_json::from_str(&out).unwrap();
    v.into_iter()
        .map(|(k, ids)| (k, ids.into_iter().collect()))
        .collect()
}

/// Matches packages and compares, per package, the record IDs of one source
/// (`prefixes`) with the independent evaluator.
fn cross_check(
    t: PackageType,
    eco: &str,
    zip: &str,
    prefixes: &[&str],
    pkgs: &[(&str, &str)],
) -> Vec<customs_vuln::Finding> {
    let Some(built) = common::db() else {
        return vec![];
    };
    let packages: Vec<_> = pkgs.iter().map(|(n, v)| pkg(t, n, v)).collect();
    let opts = MatchOptions {
        include_informational: true,
        ..MatchOptions::default()
    };
    let report = match_catalog(&built.db, &catalog(None, packages), &opts);
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    let mut got: BTreeMap<String, BTreeSet<String>> = pkgs
        .iter()
        .map(|(n, v)| (format!("{n}@{v}"), BTreeSet::new()))
        .collect();
    for f in &report.findings {
        let key = format!("{}@{}", f.package_name, f.installed_version);
        let ids = all_ids(f)
            .into_iter()
            .filter(|i| prefixes.iter().any(|p| i.starts_with(p)));
        got.get_mut(&key).unwrap().extend(ids);
        // Every finding says where and what.
        assert!(!f.locations.is_empty());
        assert!(!f.data_source.is_empty());
    }
    let expected = osv_check(eco, zip, pkgs);
    assert_eq!(got, expected);
    report.findings
}

#[test]
fn pypi_polyglot_packages_against_python_packaging() {
    if common::db().is_none() || customs_test::python_module("packaging").is_none() {
        return;
    }
    let findings = cross_check(
        PackageType::Pypi,
        "PyPI",
        "PyPI",
        &["PYSEC-"],
        &[
            ("requests", "2.19.1"),
            ("urllib3", "1.23"),
            ("chardet", "3.0.4"),
            ("idna", "2.7"),
            ("certifi", "2018.4.16"),
            ("Jinja2", "2.10"),
            ("MarkupSafe", "2.0.1"),
            ("PyYAML", "5.3"),
        ],
    );
    // requests 2.19.1 has CVE-2018-18074 (fixed 2.20.0); PyYAML 5.3 CVE-2020-14343.
    let ids: BTreeSet<String> = findings.iter().flat_map(all_ids).collect();
    assert!(ids.contains("CVE-2018-18074"));
    assert!(ids.contains("CVE-2020-14343"));
    let req = findings.iter().find(|f| f.id == "CVE-2018-18074").unwrap();
    assert_eq!(req.fixed_versions, ["2.20.0"]);
    assert_eq!(req.status, Status::Fixed);
}

#[test]
fn npm_packages_against_independent_semver() {
    if common::db().is_none() || customs_test::tool("python3", &["--version"]).is_none() {
        return;
    }
    let findings = cross_check(
        PackageType::Npm,
        "npm",
        "npm",
        &["GHSA-"],
        &[
            ("lodash", "4.17.15"),
            ("minimist", "1.2.0"),
            ("minimist", "0.0.8"),
            ("axios", "0.21.0"),
            ("follow-redirects", "1.16.3"),
            ("mkdirp", "0.5.1"),
            ("esbuild", "0.17.19"),
            ("debug", "2.6.8"),
            ("ms", "2.0.0"),
            ("jquery", "3.0.0-rc.1"),
        ],
    );
    // Aliases merged: lodash's prototype pollution is one finding with its CVE
    // as primary and the GHSA as alias; CVSS-based severity names its source.
    let f = findings.iter().find(|f| f.id == "CVE-2020-8203").unwrap();
    assert!(f.aliases.contains(&"GHSA-p6mc-m468-83gw".to_owned()));
    assert!(f.severity_source.contains("CVSS") || f.severity_source.contains("database_specific"));
    // Withdrawn GHSA-7fhm-mqm4-2wp7 (minimist < 1.2.2) is never reported.
    assert!(!findings
        .iter()
        .any(|f| all_ids(f).contains("GHSA-7fhm-mqm4-2wp7")));
}

#[test]
fn maven_packages_against_independent_comparator() {
    if common::db().is_none() || customs_test::tool("python3", &["--version"]).is_none() {
        return;
    }
    cross_check(
        PackageType::Maven,
        "Maven",
        "Maven",
        &["GHSA-"],
        &[
            ("com.fasterxml.jackson.core:jackson-databind", "2.14.0"),
            ("com.fasterxml.jackson.core:jackson-core", "2.14.1"),
            ("org.apache.logging.log4j:log4j-core", "2.19.0"),
            ("org.apache.logging.log4j:log4j-core", "2.14.1"),
            ("org.yaml:snakeyaml", "1.33"),
            ("org.apache.commons:commons-text", "1.9"),
            ("com.thoughtworks.xstream:xstream", "1.4.20"),
            ("com.thoughtworks.xstream:xstream", "1.4.14"),
            ("commons-collections:commons-collections", "3.2.1"),
        ],
    );
}

#[test]
fn rust_crates_against_independent_semver() {
    if common::db().is_none() || customs_test::tool("python3", &["--version"]).is_none() {
        return;
    }
    let findings = cross_check(
        PackageType::Cargo,
        customs_vuln::matcher::RUST_ECOSYSTEM,
        "RustSec",
        &["RUSTSEC-"],
        &[
            ("smallvec", "1.6.0"),
            ("time", "0.1.43"),
            ("libc", "0.2.191"),
        ],
    );
    let ids: BTreeSet<String> = findings.iter().flat_map(all_ids).collect();
    assert!(ids.contains("RUSTSEC-2021-0003"), "{ids:?}");
    assert!(ids.contains("RUSTSEC-2020-0071"), "{ids:?}");
}

#[test]
fn go_modules_and_stdlib_against_independent_semver() {
    if common::db().is_none() || customs_test::tool("python3", &["--version"]).is_none() {
        return;
    }
    let findings = cross_check(
        PackageType::Golang,
        "Go",
        "Go",
        &["GO-"],
        &[
            ("golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8"),
            ("golang.org/x/sys", "v0.0.0-20210101000000-000000000000"),
            ("stdlib", "go1.20.4"),
            ("stdlib", "go1.19.8"),
            ("golang.org/x/net", "v0.7.0"),
        ],
    );
    assert!(findings
        .iter()
        .any(|f| f.package_name == "stdlib" && f.installed_version == "go1.19.8"));
    // The pseudo-version of esbuild's x/sys is after the fix of GO-2022-0493.
    assert!(!findings.iter().any(
        |f| f.installed_version == "v0.0.0-20220715151400-c0bba94af5f8"
            && all_ids(f).contains("GO-2022-0493")
    ));
    assert!(findings.iter().any(
        |f| f.installed_version == "v0.0.0-20210101000000-000000000000"
            && all_ids(f).contains("GO-2022-0493")
    ));
}

#[test]
fn unmatched_packages_say_why() {
    let Some(built) = common::db() else { return };
    let pk = vec![
        pkg(PackageType::Composer, "laravel/framework", "7.0.0"),
        pkg(PackageType::Npm, "left-pad", "not a version"),
        pkg(PackageType::Golang, "example.com/app", "(devel)"),
        pkg(PackageType::Deb, "bash", "5.2-1"),
        pkg(PackageType::Rpm, "bash", "5.1-1.el9"),
    ];
    let r = match_catalog(
        &built.db,
        &catalog(Some(os("ubuntu", "22.04")), pk.clone()),
        &MatchOptions::default(),
    );
    let reasons: BTreeMap<&str, &UnmatchedReason> = r
        .unmatched
        .iter()
        .map(|u| (u.package_id.as_str(), &u.reason))
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    // The npm/Maven subsets name RubyGems and NuGet packages too, but no Packagist ones.
    assert!(
        matches!(reasons["composer:laravel/framework@7.0.0"], UnmatchedReason::NoData { namespace } if namespace == "Packagist")
    );
    assert!(matches!(
        reasons["npm:left-pad@not a version"],
        UnmatchedReason::UnparseableVersion { .. }
    ));
    assert!(
        matches!(reasons["deb:bash@5.2-1"], UnmatchedReason::UnsupportedDistro { distro } if distro == "ubuntu")
    );
    assert!(reasons.values().all(|r| !r.to_string().is_empty()));
    // Unknown releases.
    let r = match_catalog(
        &built.db,
        &catalog(Some(os("debian", "42")), vec![pk[3].clone()]),
        &MatchOptions::default(),
    );
    assert!(
        matches!(
            &r.unmatched[0].reason,
            UnmatchedReason::UnknownRelease { .. }
        ),
        "{:?}",
        r.unmatched
    );
    let r = match_catalog(
        &built.db,
        &catalog(
            Some(os("alpine", "3.99.1")),
            vec![pkg(PackageType::Apk, "musl", "1.0-r0")],
        ),
        &MatchOptions::default(),
    );
    assert!(
        matches!(&r.unmatched[0].reason, UnmatchedReason::NoData { namespace } if namespace == "alpine:v3.99")
    );
    let r = match_catalog(
        &built.db,
        &catalog(None, vec![pk[3].clone()]),
        &MatchOptions::default(),
    );
    assert_eq!(r.unmatched[0].reason, UnmatchedReason::NoOsRelease);
}

#[test]
fn almalinux_binary_rpm_names_and_age_warning() {
    let Some(built) = common::db() else { return };
    // An old openssl-libs on AlmaLinux 8 is hit by many ALSA errata; ALBA/ALEA
    // (bug fix, enhancement) are informational and left out by default.
    let p = pkg(PackageType::Rpm, "openssl-libs", "1:1.1.1c-1.el8");
    let opts = MatchOptions {
        max_db_age: Some(std::time::Duration::from_secs(86_400)),
        now: Some(built.db.built_at() + 3 * 86_400),
        ..MatchOptions::default()
    };
    let r = match_catalog(
        &built.db,
        &catalog(Some(os("almalinux", "8.9")), vec![p.clone()]),
        &opts,
    );
    assert!(r.unmatched.is_empty(), "{:?}", r.unmatched);
    assert!(!r.findings.is_empty());
    assert!(
        r.findings.iter().all(|f| f.id.starts_with("ALSA-")),
        "{:?}",
        r.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.status == Status::Fixed && !f.fixed_versions.is_empty()));
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].message.contains("customs db update"));
    let r2 = match_catalog(
        &built.db,
        &catalog(Some(os("almalinux", "8.9")), vec![p]),
        &MatchOptions {
            include_informational: true,
            ..MatchOptions::default()
        },
    );
    assert!(r2.findings.len() >= r.findings.len());
    assert!(r2.warnings.is_empty());
}
