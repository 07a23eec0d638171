//! Hostile input: errors or deterministic order, never a panic.

use std::cmp::Ordering;

use customs_version::{compare, maven, Scheme, Version, VersionError, MAX_VERSION_LEN};

fn weird() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "\t",
        "0",
        "v",
        "=",
        "-",
        ".",
        "..",
        "~",
        "^",
        "+",
        ":",
        "1:",
        ":1",
        "-1",
        "1-",
        "１.２.３",
        "1.0\u{0}",
        "💥",
        "1.0-\u{202e}rc",
        "\u{feff}1.0",
        "e\u{301}",
        "1.0-é",
        "1..2",
        "1.2.3-",
        "1.2.3+",
        "v1.2.3-0.2019",
        "9999999999999999999999999.0",
        "1.0_alpha_beta_rc_p",
        "1.0.0",
        "1.0.0-é",
        "1!2!3",
        "1.0+a+b",
        "dev-main",
        "1.x-dev",
        "1-r-r-r",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("1".repeat(MAX_VERSION_LEN));
    v.push("1.".repeat(MAX_VERSION_LEN / 2));
    v.push("1-".repeat(MAX_VERSION_LEN / 2));
    v.push("a1".repeat(MAX_VERSION_LEN / 2));
    v.push("~".repeat(MAX_VERSION_LEN));
    v.push("0".repeat(MAX_VERSION_LEN));
    v
}

#[test]
fn never_panics_and_orders_deterministically() {
    let inputs = weird();
    for scheme in Scheme::ALL {
        let parsed: Vec<Version> = inputs
            .iter()
            .filter_map(|s| Version::parse(scheme, s).ok())
            .collect();
        assert!(!parsed.is_empty(), "{scheme}");
        for a in &parsed {
            for b in &parsed {
                let ab = a.cmp(b);
                assert_eq!(ab, a.cmp(b), "{scheme}: {a:?} vs {b:?}");
                assert_eq!(ab, b.cmp(a).reverse(), "{scheme}: {a:?} vs {b:?}");
            }
        }
        if scheme == Scheme::Maven {
            // Not a total order (see the maven module docs): no sort.
            continue;
        }
        let mut sorted = parsed.clone();
        sorted.sort();
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "{scheme}");
    }
}

#[test]
fn huge_strings_are_rejected_cheaply() {
    let mb = 1 << 20;
    for s in [
        "1".repeat(mb),
        "a".repeat(mb),
        ".".repeat(mb),
        "1-".repeat(mb / 2),
    ] {
        for scheme in Scheme::ALL {
            let err = Version::parse(scheme, &s).unwrap_err();
            assert!(
                matches!(err, VersionError::TooLong { len, .. } if len == s.len()),
                "{err}"
            );
            assert!(compare(scheme, "1", &s).is_err());
        }
    }
}

#[test]
fn empty_is_an_error_everywhere() {
    for scheme in Scheme::ALL {
        assert!(matches!(
            Version::parse(scheme, ""),
            Err(VersionError::Empty { .. })
        ));
    }
}

#[test]
fn maven_nesting_is_bounded() {
    let deep = "1-".repeat(maven::MAX_DEPTH + 1);
    let err = Version::parse(Scheme::Maven, &deep).unwrap_err();
    assert!(matches!(err, VersionError::Invalid { .. }), "{err}");
    let deep = "a1".repeat(MAX_VERSION_LEN / 2);
    assert!(Version::parse(Scheme::Maven, &deep).is_err());
}

#[test]
fn error_messages() {
    let err = Version::parse(Scheme::Dpkg, "a:1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid dpkg version \"a:1\": epoch in version is not number"
    );
    let err = Version::parse(Scheme::Go, "").unwrap_err();
    assert_eq!(err.to_string(), "empty go version");
    let err = Version::parse(Scheme::Rpm, &"1".repeat(5000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rpm version of 5000 bytes is longer than the limit of 4096 bytes"
    );
    assert_eq!(compare(Scheme::Apk, "💥", "💥").unwrap(), Ordering::Equal);
}
