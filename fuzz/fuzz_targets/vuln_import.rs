#![no_main]
//! Advisory files as `customs db import` reads them: the first byte picks the
//! file name (OSV JSON/YAML record, Debian tracker JSON, Alpine secdb JSON or
//! YAML all sniff from `.json`/`.yaml`; `all.zip` is an osv.dev archive). What
//! imports is written as a database, read back, and matched against a catalog.

use customs_vuln::import::build;
use customs_vuln::{Database, Limits};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["record.json", "record.yaml", "all.zip", "secdb.yml"];

fn limits() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        max_record_bytes: 1 << 20,
        max_zip_members: 64,
        max_files: 16,
        max_depth: 4,
        max_affected: 256,
        max_ranges: 64,
        max_events: 256,
        max_versions: 1024,
        max_aliases: 32,
        max_references: 8,
        max_description_chars: 200,
        max_cwe_ids: 8,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(sel) % NAMES.len()];
    let Some(path) = customs_fuzz::write_scratch(name, body) else {
        return;
    };
    let Ok((builder, report)) = build(&[path], &limits()) else {
        return;
    };
    let _ = serde_json::to_vec(&report);
    let Ok(bytes) = builder.to_bytes(0) else {
        return;
    };
    let db = Database::from_bytes(std::path::Path::new("fuzz.db"), bytes)
        .unwrap_or_else(|e| panic!("a database we just built does not open: {e}"));
    for n in 0..db.advisory_count().min(64) {
        db.advisory(n as u32)
            .unwrap_or_else(|e| panic!("advisory {n} of a database we just built: {e}"));
    }
    customs_fuzz::match_sample_catalog(&db);
});
