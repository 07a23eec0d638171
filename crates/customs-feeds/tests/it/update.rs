//! `update` against the in-test server with real advisory files.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use customs_feeds::{update, Error, FeedSet, Fetch, Progress, UpdateOptions};
use customs_test::TempDir;
use customs_vuln::matcher::RUST_ECOSYSTEM;
use customs_vuln::Database;

use crate::server::{Server, LAST_MODIFIED};

/// Members of a zip as (name, bytes), in archive order.
fn zip_members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut m = z.by_index(i).unwrap();
            let mut b = Vec::new();
            m.read_to_end(&mut b).unwrap();
            (m.name().unwrap().into_owned(), b)
        })
        .collect()
}

fn build_zip(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, b) in members {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// (records, withdrawn) of OSV JSON members, counted here independently.
fn osv_counts(members: &[(String, Vec<u8>)]) -> (u64, u64) {
    let withdrawn = members
        .iter()
        .filter(|(_, b)| {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            v.get("withdrawn").is_some_and(|w| !w.is_null())
        })
        .count();
    (members.len() as u64, withdrawn as u64)
}

struct Fixture {
    server: Server,
    set: FeedSet,
    db: PathBuf,
    npm_zip: Vec<u8>,
    npm: (u64, u64),
    rust: (u64, u64),
    debian_records: u64,
    alpine_entries: u64,
    _dir: TempDir,
}

const NPM_PATH: &str = "/osv/npm/all.zip";
const DEBIAN_PATH: &str = "/debian/json";
const ALPINE_PATH: &str = "/alpine/v3.11/main.yaml";

fn rust_path() -> String {
    format!("/osv/{RUST_ECOSYSTEM}/all.zip")
}

/// The server with one excerpt of each feed kind: osv.dev's npm `all.zip`
/// as shared, a zip of 40 RustSec records built here, a Debian tracker
/// excerpt and one Alpine secdb file.
fn fixture() -> Option<Fixture> {
    let adv = customs_test::shared_path("advisories")?;
    let npm_zip = std::fs::read(adv.join("osv/npm/all.zip")).unwrap();
    let rust_all = std::fs::read(adv.join("osv/RustSec/all.zip")).unwrap();
    let rust_members: Vec<_> = zip_members(&rust_all).into_iter().take(40).collect();
    let debian =
        std::fs::read(adv.join("debian-tracker/subsets/anchore-vunnel.debian.json")).unwrap();
    let alpine = std::fs::read(adv.join("alpine-secdb/v3.11/main.yaml")).unwrap();

    let dv: serde_json::Value = serde_json::from_slice(&debian).unwrap();
    let debian_records = dv
        .as_object()
        .unwrap()
        .values()
        .map(|cves| cves.as_object().unwrap().len() as u64)
        .sum();
    let alpine_entries = String::from_utf8_lossy(&alpine)
        .lines()
        .filter(|l| l.trim_start().starts_with("- pkg:"))
        .count() as u64;

    let server = Server::start();
    server.put(NPM_PATH, npm_zip.clone());
    server.put(&rust_path(), build_zip(&rust_members));
    server.put(DEBIAN_PATH, debian);
    server.put(ALPINE_PATH, alpine);
    let set = FeedSet {
        osv_base: format!("{}/osv", server.base),
        osv_ecosystems: vec!["npm".into(), RUST_ECOSYSTEM.into()],
        debian_tracker_url: Some(format!("{}{DEBIAN_PATH}", server.base)),
        alpine_base: format!("{}/alpine/", server.base),
        alpine_releases: vec!["v3.11".into()],
        alpine_repos: vec!["main".into()],
    };
    let dir = TempDir::new("feeds-update").unwrap();
    Some(Fixture {
        db: dir.path().join("vuln.db"),
        npm: osv_counts(&zip_members(&npm_zip)),
        rust: osv_counts(&rust_members),
        npm_zip,
        server,
        set,
        debian_records,
        alpine_entries,
        _dir: dir,
    })
}

#[test]
fn update_downloads_imports_then_revalidates_with_304() {
    let Some(f) = fixture() else { return };
    let events = Arc::new(AtomicU64::new(0));
    let ev = Arc::clone(&events);
    let opts = UpdateOptions {
        progress: Some(Arc::new(move |p: &Progress<'_>| {
            if matches!(p, Progress::FeedDone { .. } | Progress::Swapped { .. }) {
                ev.fetch_add(1, Ordering::Relaxed);
            }
        })),
        ..UpdateOptions::default()
    };

    let first = update(&f.db, &f.set, &opts).unwrap();
    assert_eq!(events.load(Ordering::Relaxed), 5, "4 feeds done + swapped");
    assert!(first.feeds.iter().all(|o| o.fetch == Fetch::Downloaded));
    assert_eq!(
        first.downloaded_bytes,
        first.feeds.iter().map(|o| o.bytes).sum::<u64>()
    );
    let seen = f.server.seen();
    let mut paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    paths.sort_unstable();
    let rust = rust_path();
    let mut want = vec![NPM_PATH, rust.as_str(), DEBIAN_PATH, ALPINE_PATH];
    want.sort_unstable();
    assert_eq!(paths, want);
    assert!(seen
        .iter()
        .all(|s| s.status == 200 && s.if_none_match.is_none()));

    // Counts through Database::status of the file on disk, against the
    // counts made in this test from the same bytes.
    let status = Database::open(&f.db).unwrap().status();
    assert_eq!(status, first.status);
    let src = |name: &str| {
        status
            .sources
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no source {name} in {:?}", status.sources))
            .clone()
    };
    let npm = src("osv:npm");
    assert_eq!((npm.records, npm.withdrawn), f.npm);
    assert_eq!((npm.records, npm.withdrawn), (73, 7), "as README.md says");
    assert_eq!(
        npm.inputs,
        [format!("{}{NPM_PATH}", f.server.base)],
        "inputs name the URL"
    );
    let rust = src(&format!("osv:{RUST_ECOSYSTEM}"));
    assert_eq!((rust.records, rust.withdrawn), f.rust);
    let deb = src("debian-tracker");
    assert_eq!(deb.records + deb.malformed, f.debian_records);
    assert!(deb.records > 0);
    let alp = src("alpine-secdb");
    assert_eq!(alp.records, f.alpine_entries);
    assert_eq!(alp.records, 175);
    assert!(status.namespaces.iter().any(|n| n == "alpine:v3.11"));
    assert!(status.namespaces.iter().any(|n| n == "npm"));
    assert!(status.namespaces.iter().any(|n| n == RUST_ECOSYSTEM));
    assert!(status.namespaces.iter().any(|n| n.starts_with("debian:")));

    // Second run: every request is conditional and answered 304; nothing
    // changed, so the database in place is kept as it is.
    let db_bytes = std::fs::read(&f.db).unwrap();
    let second = update(&f.db, &f.set, &opts).unwrap();
    assert!(second.feeds.iter().all(|o| o.fetch == Fetch::NotModified));
    assert_eq!(second.downloaded_bytes, 0);
    assert!(!second.rebuilt);
    assert_eq!(second.status, status);
    assert_eq!(std::fs::read(&f.db).unwrap(), db_bytes);
    let seen = f.server.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert_eq!(s.status, 304, "{s:?}");
        assert!(s.if_none_match.is_some(), "{s:?}");
        assert_eq!(s.if_modified_since.as_deref(), Some(LAST_MODIFIED));
    }

    // Without the database (deleted by hand), the 304s are rebuilt from the
    // cached copies into the same content.
    std::fs::remove_file(&f.db).unwrap();
    let third = update(&f.db, &f.set, &opts).unwrap();
    assert!(third.rebuilt);
    assert!(third.feeds.iter().all(|o| o.fetch == Fetch::NotModified));
    let again = Database::open(&f.db).unwrap().status();
    assert_eq!(again.sources, status.sources);
    assert_eq!(again.advisories, status.advisories);
    assert_eq!(again.keys, status.keys);
}

#[test]
fn a_corrupt_feed_leaves_the_old_database_and_cache_intact() {
    let Some(f) = fixture() else { return };
    let opts = UpdateOptions::default();
    update(&f.db, &f.set, &opts).unwrap();
    let before = std::fs::read(&f.db).unwrap();
    f.server.seen();

    // A truncated zip (a mirror cut off mid-transfer).
    f.server
        .put(NPM_PATH, f.npm_zip[..f.npm_zip.len() / 2].to_vec());
    let err = update(&f.db, &f.set, &opts).unwrap_err();
    assert!(
        matches!(err, Error::Import(customs_vuln::import::Error::Zip { .. })),
        "{err:?}"
    );
    assert!(err.hint().is_some_and(|h| h.contains("unchanged")));
    assert_eq!(std::fs::read(&f.db).unwrap(), before, "database changed");
    Database::open(&f.db).unwrap();

    // Not the format at all: the tracker URL serving an HTML error page.
    f.server.put(NPM_PATH, f.npm_zip.clone());
    f.server
        .put(DEBIAN_PATH, b"<html>502 Bad Gateway</html>".to_vec());
    let err = update(&f.db, &f.set, &opts).unwrap_err();
    match &err {
        Error::FeedUnusable { feed, .. } => assert_eq!(feed, "debian-tracker"),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&f.db).unwrap(), before);

    // The failed runs did not touch the cache or its validators: with the
    // original content back, npm revalidates to 304 against the old ETag.
    let adv = customs_test::shared_path("advisories").unwrap();
    f.server.put(
        DEBIAN_PATH,
        std::fs::read(adv.join("debian-tracker/subsets/anchore-vunnel.debian.json")).unwrap(),
    );
    f.server.seen();
    let ok = update(&f.db, &f.set, &opts).unwrap();
    assert!(ok.feeds.iter().all(|o| o.fetch == Fetch::NotModified));
    assert!(!ok.rebuilt);
    assert_eq!(std::fs::read(&f.db).unwrap(), before);
    assert!(f.server.seen().iter().all(|s| s.status == 304));
}

#[test]
fn limits_missing_feeds_and_offline_fail_without_touching_the_database() {
    let Some(f) = fixture() else { return };
    update(&f.db, &f.set, &UpdateOptions::default()).unwrap();
    let before = std::fs::read(&f.db).unwrap();

    // A fresh database (no cached copies, so full downloads) with a small cap.
    let fresh = f.db.with_file_name("fresh.db");
    let mut small = UpdateOptions::default();
    small.limits.max_feed_bytes = 1000;
    let err = update(&fresh, &f.set, &small).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    assert!(!fresh.exists());
    let mut total = UpdateOptions::default();
    total.limits.max_total_bytes = f.npm_zip.len() as u64 + 10;
    let err = update(&fresh, &f.set, &total).unwrap_err();
    assert!(
        matches!(&err, Error::TooLarge { field, .. } if *field == "max_total_bytes"),
        "{err:?}"
    );
    assert!(!fresh.exists());

    let mut missing = f.set.clone();
    missing.alpine_releases = vec!["v9.99".into()];
    let err = update(&f.db, &missing, &UpdateOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err:?}");

    f.server.seen();
    let offline = UpdateOptions {
        offline: true,
        ..UpdateOptions::default()
    };
    assert!(matches!(
        update(&f.db, &f.set, &offline),
        Err(Error::Offline)
    ));
    assert!(f.server.seen().is_empty(), "offline sent a request");
    assert_eq!(std::fs::read(&f.db).unwrap(), before);
    assert!(!customs_feeds::staging_dir(&f.db).join("incoming").exists());
}
