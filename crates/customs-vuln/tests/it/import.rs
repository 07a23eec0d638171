//! Import of every source in ../shared/advisories, counts against its
//! README, malformed input, and damaged database files.

use std::path::PathBuf;

use customs_vuln::{Database, DbError, ImportOptions, Limits};

use crate::common;

#[test]
fn counts_match_the_advisories_readme() {
    let Some(built) = common::db() else { return };
    let st = built.db.status();
    let src = |name: &str| {
        st.sources
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no source {name}"))
    };
    // (source, records, withdrawn) from advisories/README.md.
    for (name, records, withdrawn) in [
        ("osv:Go", 4291, 17),
        ("osv:RustSec", 1206, 13),
        ("osv:PyPI", 2661, 10),
        ("osv:AlmaLinux", 5637, 0),
        ("osv:npm", 73, 7),
        ("osv:Maven", 42, 0),
    ] {
        let s = src(name);
        assert_eq!(
            (s.records + s.malformed, s.withdrawn),
            (records, withdrawn),
            "{name}: {s:?}"
        );
        assert_eq!(s.malformed, 0, "{name}: {:?}", built.report.malformed);
        assert!(s.data_date.is_some(), "{name}");
    }
    let alpine = src("alpine-secdb");
    assert_eq!(alpine.records, 1652);
    assert_eq!(alpine.counts["fix_references"], 12_028);
    assert_eq!(alpine.counts["releases"], 9);
    let debian = src("debian-tracker");
    assert_eq!(debian.records, 13);
    // The README's "11 source packages" counts prototypejs once per excerpt
    // file it appears in (6 + 2 + 2 + 1); distinct source packages are 10.
    assert_eq!(debian.counts["source_packages"], 10);
    assert_eq!(debian.duplicates, 2);
    assert_eq!(debian.malformed, 0);
    assert_eq!(st.schema_version, customs_vuln::SCHEMA_VERSION);
    assert!(st.namespaces.iter().any(|n| n == "debian:bookworm"));
    assert!(st.namespaces.iter().any(|n| n == "alpine:v3.4"));
    assert!(st.namespaces.iter().any(|n| n == "AlmaLinux:9"));
    // Six GitHub advisories sit in both the npm and Maven zips: stored once
    // (Maven is imported first here); withdrawn records are not stored.
    assert_eq!(src("osv:Maven").counts["stored"], 42);
    assert_eq!(src("osv:npm").counts["stored"], 73 - 7 - 6);
    assert_eq!(src("osv:Go").counts["stored"], 4291 - 17);
    // Secdb malformed parts are reported with package@version IDs.
    for m in built
        .report
        .malformed
        .iter()
        .filter(|m| m.source == "alpine-secdb")
    {
        assert!(m.id.as_deref().is_some_and(|i| i.contains('@')), "{m:?}");
    }
    eprintln!(
        "advisories {} keys {} bytes {} ({:.0} bytes/advisory); secdb skipped: {:?}",
        st.advisories,
        st.keys,
        st.file_bytes,
        st.file_bytes as f64 / st.advisories as f64,
        built
            .report
            .malformed
            .iter()
            .filter(|m| m.source == "alpine-secdb")
            .collect::<Vec<_>>()
    );
}

#[test]
fn osv_folder_import_equals_zip_import() {
    // One-file-per-advisory folders (as in the source repositories): the npm
    // zip extracted into a temp dir gives the same records.
    let Some(root) = customs_test::shared_path("advisories/osv/npm/all.zip") else {
        return;
    };
    let tmp = customs_test::TempDir::new("npm-dir").unwrap();
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&root)
        .arg(tmp.path())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        customs_test::skip::<()>("python3 zipfile");
        return;
    }
    let (_, report) =
        customs_vuln::import::build(&[tmp.path().to_owned()], &Limits::default()).unwrap();
    let npm = report.sources.iter().find(|s| s.name == "osv:npm").unwrap();
    // Records are named by their first ecosystem when no all.zip folder names
    // the source; two records of the npm zip list a NuGet/RubyGems... package
    // first, so count over every source.
    let total: u64 = report.sources.iter().map(|s| s.records).sum();
    let withdrawn: u64 = report.sources.iter().map(|s| s.withdrawn).sum();
    assert_eq!((total, withdrawn), (73, 7), "{:?}", report.sources);
    assert!(npm.records > 0);
    assert!(report.malformed.is_empty());
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn malformed_advisories_are_counted_reported_and_skipped() {
    let tmp = customs_test::TempDir::new("bad").unwrap();
    let d = tmp.path().join("osv");
    std::fs::create_dir_all(&d).unwrap();
    let rec = |id: &str, eco: &str, range: &str| {
        format!(
            r#"{{"id":"{id}","affected":[{{"package":{{"ecosystem":"{eco}","name":"p"}},"ranges":[{range}]}}]}}"#
        )
    };
    write(
        &d,
        "OK-1.json",
        &rec(
            "OK-1",
            "PyPI",
            r#"{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}"#,
        ),
    );
    write(&d, "BADJSON-1.json", "{\"id\": \"BADJSON-1\", ");
    write(
        &d,
        "BADYAML-1.yaml",
        "id: BADYAML-1\naffected:\n  - package: {name: [\n",
    );
    write(
        &d,
        "RANGE-1.json",
        &rec(
            "RANGE-1",
            "PyPI",
            r#"{"type":"DATE","events":[{"introduced":"0"}]}"#,
        ),
    );
    write(
        &d,
        "VERSION-1.json",
        &rec(
            "VERSION-1",
            "npm",
            r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"not a version!"}]}"#,
        ),
    );
    let huge_versions: Vec<String> = (0..200_000).map(|i| format!("\"1.{i}\"")).collect();
    write(
        &d,
        "HUGE-1.json",
        &format!(
            r#"{{"id":"HUGE-1","affected":[{{"package":{{"ecosystem":"PyPI","name":"p"}},"versions":[{}]}}]}}"#,
            huge_versions.join(",")
        ),
    );
    let limits = Limits {
        max_record_bytes: 1 << 20,
        ..Limits::default()
    };
    let (builder, report) = customs_vuln::import::build(&[d], &limits).unwrap();
    assert_eq!(builder.advisory_count(), 1, "{:?}", report.malformed);
    let mut ids: Vec<(String, String)> = report
        .malformed
        .iter()
        .map(|m| (m.id.clone().unwrap(), m.reason.clone()))
        .collect();
    ids.sort();
    let names: Vec<&str> = ids.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        names,
        ["BADJSON-1", "BADYAML-1", "HUGE-1", "RANGE-1", "VERSION-1"],
        "{ids:?}"
    );
    assert!(ids[2].1.contains("larger than"), "{ids:?}");
    assert!(ids[3].1.contains("unknown range type"), "{ids:?}");
    assert!(ids[4].1.contains("unparseable version"), "{ids:?}");
    // A record with too many versions (under the byte limit) hits the count limit.
    let small = Limits {
        max_versions: 10,
        ..Limits::default()
    };
    let tmp2 = customs_test::TempDir::new("bad2").unwrap();
    write(
        tmp2.path(),
        "MANY-1.json",
        &format!(
            r#"{{"id":"MANY-1","affected":[{{"package":{{"ecosystem":"PyPI","name":"p"}},"versions":[{}]}}]}}"#,
            huge_versions[..20].join(",")
        ),
    );
    let (_, r2) = customs_vuln::import::build(&[tmp2.path().to_owned()], &small).unwrap();
    assert_eq!(r2.malformed[0].id.as_deref(), Some("MANY-1"));
}

#[test]
fn unknown_top_level_input_is_an_error() {
    let tmp = customs_test::TempDir::new("unk").unwrap();
    let p = tmp.path().join("x.txt");
    std::fs::write(&p, "x").unwrap();
    let err = customs_vuln::import_paths(&[p], &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not an advisory file"), "{err}");
    let missing = customs_vuln::import_paths(
        &[PathBuf::from("/nonexistent/x.zip")],
        &ImportOptions::default(),
    );
    assert!(missing.is_err());
}

#[test]
fn truncated_or_corrupt_database_is_refused_with_a_hint() {
    let Some(built) = common::db() else { return };
    let _ = built;
    let Some(inputs) = common::advisory_inputs() else {
        return;
    };
    let tmp = customs_test::TempDir::new("corrupt").unwrap();
    let path = tmp.path().join("vuln.db");
    // A small database (npm only) keeps this quick.
    let opts = ImportOptions {
        db_path: Some(path.clone()),
        ..ImportOptions::default()
    };
    let npm: Vec<PathBuf> = inputs
        .into_iter()
        .filter(|p| p.ends_with("npm/all.zip"))
        .collect();
    customs_vuln::import_paths(&npm, &opts).unwrap();
    let good = std::fs::read(&path).unwrap();
    assert!(Database::open(&path).is_ok());
    assert!(Database::probe(&path).is_ok());
    // No temporary file is left next to it.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    for (what, bytes) in [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("truncated header", good[..30].to_vec()),
        ("flipped byte", {
            let mut b = good.clone();
            let i = b.len() - 100;
            b[i] ^= 1;
            b
        }),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        let err = Database::open(&path).unwrap_err();
        assert!(matches!(err, DbError::Corrupt { .. }), "{what}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains("customs db update"), "{what}: {msg}");
        // The cheap probe sees the same, except a changed byte inside the
        // body, which only the checksum reveals.
        match Database::probe(&path) {
            Ok(()) => assert_eq!(what, "flipped byte"),
            Err(e) => assert_eq!(e.to_string(), msg, "{what}"),
        }
    }
    let mut longer = good.clone();
    longer.extend_from_slice(b"extra");
    std::fs::write(&path, &longer).unwrap();
    for err in [
        Database::open(&path).unwrap_err(),
        Database::probe(&path).unwrap_err(),
    ] {
        assert!(err.to_string().contains("trailing bytes"), "{err}");
    }
    std::fs::write(&path, b"hello world, not a database").unwrap();
    assert!(matches!(
        Database::open(&path).unwrap_err(),
        DbError::NotADatabase { .. }
    ));
    assert!(matches!(
        Database::probe(&path).unwrap_err(),
        DbError::NotADatabase { .. }
    ));
    let mut other_schema = good;
    other_schema[8] = 99;
    std::fs::write(&path, &other_schema).unwrap();
    assert!(matches!(
        Database::open(&path).unwrap_err(),
        DbError::SchemaMismatch { found: 99, .. }
    ));
    assert!(matches!(
        Database::probe(&path).unwrap_err(),
        DbError::SchemaMismatch { found: 99, .. }
    ));
    assert!(matches!(
        Database::probe(&tmp.path().join("absent.db")).unwrap_err(),
        DbError::Io { .. }
    ));
}
