//! Ordering rules of the schemes without shared vectors (RubyGems, NuGet,
//! Composer, Cargo, npm), from their documentation.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use customs_version::{compare, Scheme, Version};

fn cmp(scheme: Scheme, a: &str, b: &str) -> Ordering {
    compare(scheme, a, b).unwrap_or_else(|e| panic!("{a:?} vs {b:?}: {e}"))
}

fn ascending(scheme: Scheme, list: &[&str]) {
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            assert_eq!(cmp(scheme, a, b), Less, "{scheme}: {a} < {b}");
            assert_eq!(cmp(scheme, b, a), Greater, "{scheme}: {b} > {a}");
        }
    }
}

fn invalid(scheme: Scheme, list: &[&str]) {
    for s in list {
        assert!(
            Version::parse(scheme, s).is_err(),
            "{scheme}: {s:?} should be rejected"
        );
    }
}

#[test]
fn rubygems() {
    let s = Scheme::RubyGems;
    // Gem::Version docs: prereleases sort before the release.
    ascending(
        s,
        &[
            "0.9", "1.0.a", "1.0.a.2", "1.0.a10", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.1", "2",
        ],
    );
    assert_eq!(cmp(s, "1.0", "1"), Equal);
    assert_eq!(cmp(s, "1.0.0", "1"), Equal);
    assert_eq!(cmp(s, "1.0.a", "1.a"), Equal);
    assert_eq!(cmp(s, "1.0-1", "1.0.pre.1"), Equal);
    assert_eq!(cmp(s, "1.0.b1", "1.0.b.1"), Equal);
    assert_eq!(cmp(s, " 1.2 ", "1.2"), Equal);
    assert_eq!(cmp(s, "1.10", "1.9"), Greater);
    invalid(s, &["junk", "1..2", "1.2.", "-1", "1.2 3", ".1"]);
}

#[test]
fn nuget() {
    let s = Scheme::NuGet;
    ascending(
        s,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.1",
            "2.0.0",
        ],
    );
    assert_eq!(cmp(s, "1.0", "1.0.0.0"), Equal);
    assert_eq!(cmp(s, "1.0.0-BETA", "1.0.0-beta"), Equal);
    assert_eq!(cmp(s, "1.0.0+build.1", "1.0.0+other"), Equal);
    assert_eq!(cmp(s, "01.2.3", "1.2.3"), Equal);
    invalid(
        s,
        &[
            "v1.0",
            "1.0.0.0.0",
            "1.0-",
            "1.0.0-a..b",
            "a.b",
            "1.0 ",
            "2147483648.0",
        ],
    );
}

#[test]
fn composer() {
    let s = Scheme::Composer;
    ascending(
        s,
        &[
            "1.0.0-dev",
            "1.0.0-alpha1-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta",
            "1.0.0-beta1",
            "1.0.0-beta.2",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-patch1",
            "1.0.0.1",
            "1.0.1",
            "v1.1",
        ],
    );
    assert_eq!(cmp(s, "v1.0", "1.0.0.0"), Equal);
    assert_eq!(cmp(s, "1.0.0-stable", "1.0.0"), Equal);
    assert_eq!(cmp(s, "1.0.0-b2", "1.0.0-beta2"), Equal);
    assert_eq!(cmp(s, "1.0.0-a2", "1.0.0alpha2"), Equal);
    assert_eq!(cmp(s, "1.0.0-pl1", "1.0.0-patch1"), Equal);
    assert_eq!(cmp(s, "1.0.0+build", "1.0.0"), Equal);
    invalid(s, &["dev-main", "1.x-dev", "1.0.0.0.0", "foo", "1.0-gamma"]);
}

#[test]
fn cargo() {
    let s = Scheme::Cargo;
    ascending(
        s,
        &[
            "0.1.0",
            "0.9.9",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
        ],
    );
    assert_eq!(
        cmp(s, "1.0.0+a", "1.0.0+b"),
        Equal,
        "build metadata is ignored"
    );
    invalid(
        s,
        &[
            "v1.0.0", "1.0", "01.0.0", "1.0.0-01", "1.0.0-", " 1.0.0", "1.0.0.0",
        ],
    );
}

#[test]
fn npm() {
    let s = Scheme::Npm;
    assert_eq!(cmp(s, "v1.2.3", "1.2.3"), Equal);
    assert_eq!(cmp(s, "=1.2.3", "1.2.3"), Equal);
    assert_eq!(cmp(s, " =v1.2.3 ", "1.2.3"), Equal);
    assert_eq!(cmp(s, "01.02.03", "1.2.3"), Equal);
    assert_eq!(cmp(s, "1.2.3beta", "1.2.3-beta"), Equal);
    assert_eq!(cmp(s, "1.2.3-beta.01", "1.2.3-beta.1"), Equal);
    assert_eq!(cmp(s, "1.2.3-beta", "1.2.3"), Less);
    invalid(s, &["1.2", "latest", "1.2.x"]);
}

#[test]
fn go_pseudo_versions() {
    let s = Scheme::Go;
    ascending(
        s,
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-000000000000",
            "v0.1.0",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4-pre",
            "v1.2.4-pre.0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0+incompatible",
        ],
    );
    assert_eq!(cmp(s, "1.2.3", "v1.2.3"), Equal, "OSV leaves out the v");
    assert_eq!(cmp(s, "v2.0.0+incompatible", "v2.0.0"), Equal);
    invalid(s, &["v1.2.3.4", "v01.2.3", "v1.2-pre", "vx"]);
}
