#![no_main]
//! The catalog's npm parser alone (`app/package-lock.json`), with its own seed corpus,
//! through the `FileAnalyzer` trait.

use std::sync::OnceLock;

use customs_model::analysis::{EntryKind, FileAnalyzer, FileMeta, Interest};
use libfuzzer_sys::fuzz_target;

fn analyzers() -> &'static Vec<Box<dyn FileAnalyzer>> {
    static A: OnceLock<Vec<Box<dyn FileAnalyzer>>> = OnceLock::new();
    A.get_or_init(|| {
        customs_catalog::analyzers_with(&customs_catalog::Limits {
            max_lockfile_bytes: 1 << 20,
            max_archive_entries: 1000,
            max_archive_entry_bytes: 1 << 20,
            max_archive_total_bytes: 4 << 20,
            max_archive_depth: 3,
            max_decompressed_bytes: 1 << 20,
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let meta = FileMeta {
        path: "app/package-lock.json",
        kind: EntryKind::Regular,
        size: data.len() as u64,
        mode: 0o644,
        uid: 0,
        gid: 0,
        link_target: None,
    };
    for a in analyzers() {
        if a.interest(&meta) == Interest::Content {
            if let Some(v) = a.analyze(&meta, data) {
                let _ = serde_json::to_vec(&v);
            }
        }
    }
});
