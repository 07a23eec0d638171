//! CWE ids (`database_specific.cwe_ids` of GitHub-reviewed OSV records): from
//! the shared zips into the database and onto findings, checked against an
//! independent reading of the zips in Python.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use customs_model::PackageType;
use customs_vuln::{match_catalog, Database, Limits, MatchOptions};

use crate::common::{catalog, db, pkg};

/// Python's reading of the npm and Maven zips: for every non-withdrawn record
/// with CWE ids, (ID, aliases, CWE ids sorted by number, deduplicated).
const READ_ZIPS: &str = r#"
import json, re, sys, zipfile
out = {}
for path in sys.argv[1:]:
    z = zipfile.ZipFile(path)
    for name in z.namelist():
        if not name.endswith(".json"):
            continue
        d = json.loads(z.read(name))
        if d.get("withdrawn"):
            continue
        cwes = (d.get("database_specific") or {}).get("cwe_ids") or []
        cwes = {int(c[4:]) for c in cwes if isinstance(c, str) and re.fullmatch(r"CWE-[0-9]+", c)}
        if cwes:
            out[d["id"]] = [d.get("aliases") or [], ["CWE-%d" % n for n in sorted(cwes)]]
json.dump(out, sys.stdout)
"#;

type Expected = BTreeMap<String, (Vec<String>, Vec<String>)>;

fn expected() -> Option<Expected> {
    let root = customs_test::shared_path("advisories/osv")?;
    let out = Command::new("python3")
        .args(["-c", READ_ZIPS])
        .arg(root.join("npm/all.zip"))
        .arg(root.join("Maven/all.zip"))
        .output();
    let Some(out) = out.ok().filter(|o| o.status.success()) else {
        customs_test::skip::<()>("python3 zipfile");
        return None;
    };
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn every_github_cwe_id_reaches_the_database() {
    let (Some(built), Some(want)) = (db(), expected()) else {
        return;
    };
    // Six records sit in both zips; the Python map holds each ID once.
    assert_eq!(
        want.len(),
        99,
        "records with CWE ids in the npm and Maven zips"
    );
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in 0..built.db.advisory_count() {
        let a = built.db.advisory(u32::try_from(n).unwrap()).unwrap();
        if !a.cwe_ids.is_empty() {
            assert!(a.data_source.starts_with("osv:"), "{a:?}");
            got.insert(a.id, a.cwe_ids);
        }
    }
    let want: BTreeMap<String, Vec<String>> =
        want.into_iter().map(|(id, (_, cwes))| (id, cwes)).collect();
    assert_eq!(got, want);
}

#[test]
fn findings_carry_the_cwe_ids_of_their_advisories() {
    let (Some(built), Some(want)) = (db(), expected()) else {
        return;
    };
    let cat = catalog(
        None,
        vec![
            pkg(PackageType::Npm, "lodash", "4.17.15"),
            pkg(PackageType::Npm, "jquery", "3.4.1"),
            pkg(
                PackageType::Maven,
                "com.thoughtworks.xstream:xstream",
                "1.4.17",
            ),
            pkg(PackageType::Pypi, "requests", "2.19.1"),
        ],
    );
    let report = match_catalog(&built.db, &cat, &MatchOptions::default());
    let mut with_cwe = 0;
    for f in &report.findings {
        // Independent merge: every record that names one of the finding's IDs.
        let ids: BTreeSet<&str> = std::iter::once(f.id.as_str())
            .chain(f.aliases.iter().map(String::as_str))
            .collect();
        let mut numbers = BTreeSet::new();
        for (id, (aliases, cwes)) in &want {
            if ids.contains(id.as_str()) || aliases.iter().any(|a| ids.contains(a.as_str())) {
                numbers.extend(cwes.iter().map(|c| c[4..].parse::<u32>().unwrap()));
            }
        }
        let merged: Vec<String> = numbers.iter().map(|n| format!("CWE-{n}")).collect();
        assert_eq!(f.cwe_ids, merged, "{} in {}", f.id, f.package_id);
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(json.get("cwe_ids").is_some(), !merged.is_empty(), "{json}");
        with_cwe += usize::from(!merged.is_empty());
    }
    let cwes_of = |pkg: &str, id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.package_name == pkg && f.id == id)
            .unwrap_or_else(|| panic!("no {id} for {pkg}"))
            .cwe_ids
            .clone()
    };
    // GHSA-29mw-wpgm-hmr9 lists ["CWE-1333", "CWE-400"]: sorted by number.
    assert_eq!(cwes_of("lodash", "CVE-2020-28500"), ["CWE-400", "CWE-1333"]);
    assert_eq!(cwes_of("jquery", "CVE-2020-23064"), ["CWE-79"]);
    assert_eq!(
        cwes_of("com.thoughtworks.xstream:xstream", "CVE-2021-39153"),
        ["CWE-502"]
    );
    // PyPI records carry no CWE ids.
    assert!(report
        .findings
        .iter()
        .filter(|f| f.package_name == "requests")
        .all(|f| f.cwe_ids.is_empty()));
    assert!(with_cwe >= 10, "{with_cwe} findings with CWE ids");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn record(id: &str, aliases: &str, cwe_ids: &str) -> String {
    format!(
        r#"{{"id":"{id}","aliases":{aliases},"database_specific":{{"cwe_ids":{cwe_ids}}},
        "affected":[{{"package":{{"ecosystem":"npm","name":"left-pad"}},
        "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"2.0.0"}}]}}]}}]}}"#
    )
}

#[test]
fn malformed_cwe_ids_import_without_them_and_aliases_merge_theirs() {
    let tmp = customs_test::TempDir::new("cwe").unwrap();
    let d = tmp.path();
    let huge: Vec<String> = (1..=100_000).map(|n| format!("\"CWE-{n}\"")).collect();
    write(d, "NUM-1.json", &record("NUM-1", "[]", "79"));
    write(
        d,
        "HUGE-1.json",
        &record("HUGE-1", "[]", &format!("[{}]", huge.join(","))),
    );
    write(
        d,
        "TEXT-1.json",
        &record(
            "TEXT-1",
            "[]",
            r#"["NVD-CWE-noinfo", "cwe-79", "CWE-", "<b>CWE-79</b>", 79]"#,
        ),
    );
    write(d, "OBJ-1.json", &record("OBJ-1", "[]", r#"{"CWE-79": 1}"#));
    // Two records of one vulnerability (shared alias): one finding, CWE ids merged.
    write(
        d,
        "GHSA-A.json",
        &record("GHSA-A", r#"["CVE-2099-1"]"#, r#"["CWE-79", "CWE-1321"]"#),
    );
    write(
        d,
        "OSV-B.json",
        &record("OSV-B", r#"["CVE-2099-1"]"#, r#"["CWE-20", "CWE-079"]"#),
    );
    let (builder, report) =
        customs_vuln::import::build(&[d.to_owned()], &Limits::default()).unwrap();
    assert!(report.malformed.is_empty(), "{:?}", report.malformed);
    assert_eq!(builder.advisory_count(), 6);
    let db = Database::from_bytes(Path::new("t.db"), builder.to_bytes(1).unwrap()).unwrap();
    let mut by_id = BTreeMap::new();
    for n in 0..db.advisory_count() {
        let a = db.advisory(u32::try_from(n).unwrap()).unwrap();
        by_id.insert(a.id, a.cwe_ids);
    }
    for id in ["NUM-1", "HUGE-1", "TEXT-1", "OBJ-1"] {
        assert_eq!(by_id[id], Vec::<String>::new(), "{id}");
    }
    assert_eq!(by_id["OSV-B"], ["CWE-20", "CWE-79"]);
    let cat = catalog(None, vec![pkg(PackageType::Npm, "left-pad", "1.0.0")]);
    let r = match_catalog(&db, &cat, &MatchOptions::default());
    assert_eq!(r.findings.len(), 5, "{:?}", r.findings);
    let merged = r.findings.iter().find(|f| f.id == "CVE-2099-1").unwrap();
    assert_eq!(merged.aliases, ["GHSA-A", "OSV-B"]);
    assert_eq!(merged.cwe_ids, ["CWE-20", "CWE-79", "CWE-1321"]);
    assert!(r
        .findings
        .iter()
        .filter(|f| f.id != "CVE-2099-1")
        .all(|f| f.cwe_ids.is_empty()));
}
