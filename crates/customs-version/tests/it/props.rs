//! Property tests: every scheme's ordering is a total order on what it parses,
//! and `Display` gives back the input.

use std::cmp::Ordering;

use customs_version::{Scheme, Version};
use proptest::prelude::*;

fn pieces(scheme: Scheme) -> &'static [&'static str] {
    match scheme {
        Scheme::Dpkg => &[
            "0", "1", "10", "01", ".", "+", "~", "a", "z", "A", "-", "1:", "é",
        ],
        Scheme::Rpm => &[
            "0", "1", "10", "01", ".", "_", "~", "^", "a", "b", "-", "1:", "+", "é",
        ],
        Scheme::Apk => &[
            "0", "1", "10", "01", ".", "a", "b", "_alpha", "_rc", "_p", "_git", "~ab", "-r", "-r1",
            "x", "-", "_",
        ],
        Scheme::Pep440 => &[
            "0", "1", "10", ".", "a", "b", "rc", "post", "dev", "-", "+", "local", "!", "_", "x",
        ],
        Scheme::Semver | Scheme::Npm | Scheme::Cargo | Scheme::Go => &[
            ".0.0", ".2.3", ".10.1", "-alpha", ".1", "-1", "-0", ".beta", "-a-b", "+b1", "+x.7",
        ],
        Scheme::Maven => &[
            ".0",
            ".1",
            ".10",
            "-1",
            "-alpha",
            "-alpha-1",
            "-beta-1",
            "-sp",
            "-rc1",
            ".final",
            "-snapshot",
            "-xyz",
            "-ga",
            ".cr2",
            "-m1",
        ],
        Scheme::RubyGems => &["0", "1", "10", ".", ".", "-", "a", "b", "pre", "rc"],
        Scheme::NuGet => &[
            "0", "1", "10", ".", ".", "-", "alpha", "Beta", "+", "x", "01",
        ],
        Scheme::Composer => &[
            "0", "1", "10", ".", "-", "alpha", "beta", "RC", "b", "patch", "p", "dev", "stable",
        ],
        _ => &["0", "1", "."],
    }
}

fn version_text(scheme: Scheme) -> impl Strategy<Value = String> {
    let p = pieces(scheme);
    (
        prop::sample::select(if scheme == Scheme::Maven {
            &["0", "1", "2", "10", "1.2.3", "0.0.0"][..]
        } else {
            &["0", "1", "2", "10", "v1", "1.2.3", "0.0.0", "v1.0.0"][..]
        }),
        prop::collection::vec(prop::sample::select(p), 0..8),
    )
        .prop_map(|(head, rest)| {
            let mut s = head.to_string();
            for r in rest {
                s.push_str(r);
            }
            s
        })
}

/// Maven's `ComparableVersion` (3.8.x) is not transitive (`0-xyz < 0.cr2 <
/// 0 < 0-xyz`); we keep its answers, so transitivity is not asserted for it.
fn transitive(scheme: Scheme) -> bool {
    scheme != Scheme::Maven
}

fn check_scheme(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let parsed: Vec<Version> = [a, b, c]
        .iter()
        .filter_map(|s| Version::parse(scheme, s).ok())
        .collect();
    for v in &parsed {
        prop_assert_eq!(v.to_string(), v.as_str());
        prop_assert_eq!(v.cmp(v), Ordering::Equal);
        prop_assert_eq!(v.scheme(), scheme);
    }
    for x in &parsed {
        for y in &parsed {
            prop_assert_eq!(x.cmp(y), y.cmp(x).reverse(), "{} vs {}", x, y);
            prop_assert_eq!(x == y, x.cmp(y) == Ordering::Equal);
            for z in parsed.iter().filter(|_| transitive(scheme)) {
                if x <= y && y <= z {
                    prop_assert!(x <= z, "{} <= {} <= {} but not {} <= {}", x, y, z, x, z);
                }
            }
        }
    }
    Ok(())
}

macro_rules! scheme_props {
    ($($name:ident => $scheme:expr),* $(,)?) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn $name(a in version_text($scheme), b in version_text($scheme), c in version_text($scheme)) {
                check_scheme($scheme, &a, &b, &c)?;
            }
        }
    )*};
}

scheme_props! {
    dpkg => Scheme::Dpkg,
    rpm => Scheme::Rpm,
    apk => Scheme::Apk,
    pep440 => Scheme::Pep440,
    semver => Scheme::Semver,
    npm => Scheme::Npm,
    cargo => Scheme::Cargo,
    go => Scheme::Go,
    maven => Scheme::Maven,
    rubygems => Scheme::RubyGems,
    nuget => Scheme::NuGet,
    composer => Scheme::Composer,
}

/// Each generator must produce parseable versions, or the properties above
/// test nothing.
#[test]
fn generators_produce_versions() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    for scheme in Scheme::ALL {
        let mut runner = TestRunner::deterministic();
        let strategy = version_text(scheme);
        let ok = (0..200)
            .filter(|_| {
                let s = strategy.new_tree(&mut runner).unwrap().current();
                Version::parse(scheme, &s).is_ok()
            })
            .count();
        assert!(
            ok >= 20,
            "{scheme}: only {ok} of 200 generated strings parse"
        );
    }
}
