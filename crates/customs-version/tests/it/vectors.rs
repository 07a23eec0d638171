//! Table tests over the shared version-ordering vectors
//! (`fixtures/version-vectors/*.json`, see the README there).

use std::cmp::Ordering;

use customs_version::{compare, rpm, Scheme};
use serde_json::Value;

fn load(name: &str) -> Option<Vec<Value>> {
    let path = customs_test::shared_path(&format!("fixtures/version-vectors/{name}"))?;
    let text = std::fs::read_to_string(&path).unwrap();
    Some(serde_json::from_str::<Vec<Value>>(&text).unwrap())
}

fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn expected(v: &Value, key: &str) -> Ordering {
    match v.get(key).and_then(Value::as_i64).unwrap() {
        -1 => Ordering::Less,
        0 => Ordering::Equal,
        1 => Ordering::Greater,
        other => panic!("bad expect {other}"),
    }
}

#[derive(Default, Debug)]
struct Tally {
    passed: usize,
    lenient: usize,
    rejected: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, scheme: Scheme, v: &Value) {
        let (a, b) = (field(v, "a"), field(v, "b"));
        match compare(scheme, a, b) {
            Ok(got) if got == expected(v, "expect") => self.passed += 1,
            Ok(got) => self.failures.push(format!(
                "{scheme}: {a:?} vs {b:?}: got {got:?}, want {:?}",
                expected(v, "expect")
            )),
            Err(e) => self.failures.push(format!("{scheme}: {a:?} vs {b:?}: {e}")),
        }
    }

    fn finish(self, name: &str, min: usize) {
        eprintln!(
            "{name}: {} passed ({} of them lenient), {} rejected as documented",
            self.passed, self.lenient, self.rejected
        );
        assert!(
            self.failures.is_empty(),
            "{name}:\n{}",
            self.failures.join("\n")
        );
        assert!(
            self.passed >= min,
            "{name}: only {} vectors ran",
            self.passed
        );
    }
}

fn simple(file: &str, scheme: Scheme, min: usize) {
    let Some(vectors) = load(file) else { return };
    let mut t = Tally::default();
    for v in &vectors {
        t.check(scheme, v);
    }
    t.finish(file, min);
}

#[test]
fn dpkg() {
    simple("dpkg.json", Scheme::Dpkg, 490);
}

#[test]
fn go() {
    simple("go.json", Scheme::Go, 271);
}

#[test]
fn maven() {
    simple("maven.json", Scheme::Maven, 399);
}

/// The one Maven disagreement: we follow Maven 3.8.7 (`reference_says`).
#[test]
fn maven_disagreements_follow_maven_3_8() {
    let Some(vectors) = load("maven.disagreements.json") else {
        return;
    };
    for v in &vectors {
        let got = compare(Scheme::Maven, field(v, "a"), field(v, "b")).unwrap();
        assert_eq!(got, expected(v, "reference_says"), "{v}");
    }
    assert_eq!(vectors.len(), 1);
}

/// Every vector's reference was rpm's EVR comparison (`rpm.vercmp` in Lua
/// parses EVRs in rpm 4.18), for `kind: rpmvercmp` as well as `kind: evr`.
/// The 133 vectors rpm could not parse compare an empty string: a bare
/// `rpmvercmp` takes it (asserted through [`rpm::vercmp`]), `Scheme::Rpm`
/// rejects it as every scheme does.
#[test]
fn rpm() {
    let Some(vectors) = load("rpm.json") else {
        return;
    };
    let mut t = Tally::default();
    let mut raw_same = 0;
    for v in &vectors {
        let (a, b) = (field(v, "a"), field(v, "b"));
        if field(v, "check") == "reference-could-not-parse" {
            assert!(a.is_empty() || b.is_empty(), "{v}");
            assert!(compare(Scheme::Rpm, a, b).is_err());
            assert_eq!(rpm::vercmp(a, b), expected(v, "expect"), "{v}");
            t.lenient += 1;
            t.rejected += 1;
            continue;
        }
        t.check(Scheme::Rpm, v);
        // Without `-` or `:` there is nothing for EVR parsing to split, so
        // the bare comparison must agree too.
        if field(v, "kind") == "rpmvercmp" && !(a.contains(['-', ':']) || b.contains(['-', ':'])) {
            assert_eq!(rpm::vercmp(a, b), expected(v, "expect"), "{v}");
            raw_same += 1;
        }
    }
    eprintln!("rpm: {raw_same} rpmvercmp vectors also checked with the bare rpm::vercmp");
    assert_eq!(t.rejected, 133);
    t.finish("rpm.json", 4505);
}

/// go-rpm-version's view of `1-2-3-4` disagrees with rpm; we follow rpm.
#[test]
fn rpm_disagreements_follow_rpm() {
    let Some(vectors) = load("rpm.disagreements.json") else {
        return;
    };
    for v in &vectors {
        let got = compare(Scheme::Rpm, field(v, "a"), field(v, "b")).unwrap();
        assert_eq!(got, expected(v, "reference_says"), "{v}");
    }
    assert_eq!(vectors.len(), 6);
}

/// The 14 strings that are not PEP 440 are compared with the legacy
/// fallback; they all pass as lenient behaviour.
#[test]
fn pep440() {
    let Some(vectors) = load("pep440.json") else {
        return;
    };
    let mut t = Tally::default();
    for v in &vectors {
        if field(v, "check") == "reference-could-not-parse" {
            t.lenient += 1;
        }
        t.check(Scheme::Pep440, v);
    }
    assert_eq!(t.lenient, 14);
    t.finish("pep440.json", 399);
}

/// Of the 3 vectors node-semver could not parse, one uses three numbers
/// above 2^53 (we compare them by value: lenient, asserted); the other two,
/// a bare number and five components (`1.1.3.4.5`), are not SemVer and are
/// asserted rejected.
#[test]
fn semver() {
    let Some(vectors) = load("semver.json") else {
        return;
    };
    let mut t = Tally::default();
    for v in &vectors {
        let (a, b) = (field(v, "a"), field(v, "b"));
        if field(v, "check") == "reference-could-not-parse" {
            if !a.contains('.') || a == "1.1.3.4.5" {
                assert!(compare(Scheme::Semver, a, b).is_err(), "{v}");
                t.rejected += 1;
                continue;
            }
            t.lenient += 1;
        }
        t.check(Scheme::Semver, v);
        // npm's loose parser accepts everything strict SemVer does.
        assert_eq!(
            compare(Scheme::Npm, a, b).unwrap(),
            expected(v, "expect"),
            "npm: {v}"
        );
    }
    assert_eq!((t.lenient, t.rejected), (1, 2));
    t.finish("semver.json", 84);
}

/// apk: no reference tool. 707 vectors come from apk-tools' own test data,
/// 243 from osv-scanner. One osv-scanner vector (`1-r0-1 == 1-r-2`) on
/// strings apk-tools calls invalid contradicts apk-tools' algorithm (which
/// stops reading `1-r-2` at the `-r` without a number, making it older);
/// we follow apk-tools and assert that documented answer.
#[test]
fn apk() {
    let Some(vectors) = load("apk.json") else {
        return;
    };
    let mut t = Tally::default();
    let mut documented = 0;
    for v in &vectors {
        let (a, b) = (field(v, "a"), field(v, "b"));
        if (a, b) == ("1-r0-1", "1-r-2") {
            assert_eq!(compare(Scheme::Apk, a, b).unwrap(), Ordering::Greater);
            documented += 1;
            continue;
        }
        t.check(Scheme::Apk, v);
    }
    assert_eq!(documented, 1);
    t.finish("apk.json", 949);
}
