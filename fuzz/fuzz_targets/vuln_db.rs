#![no_main]
//! The database file a user downloads or is handed (`customs db open`).
//!
//! First byte even: the rest is the database body, wrapped in a preamble with
//! the right magic, length and checksum so decoding is reached. Odd: the rest
//! is `PATCHES\n--db--\nOSV-RECORD`; the record is imported into a valid
//! database and the patches (`offset:u16le, byte` triples) are applied to its
//! body before the checksum is recomputed, so decoding sees near-valid data.

use customs_vuln::import::build;
use customs_vuln::{Database, Limits};
use libfuzzer_sys::fuzz_target;
use sha2::Digest as _;

const PREAMBLE: usize = 8 + 4 + 8 + 32;

fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() < PREAMBLE {
        return bytes;
    }
    let body_len = (bytes.len() - PREAMBLE) as u64;
    bytes[12..20].copy_from_slice(&body_len.to_le_bytes());
    let sum = sha2::Sha256::digest(&bytes[PREAMBLE..]);
    bytes[20..52].copy_from_slice(&sum);
    bytes
}

fn exercise(bytes: Vec<u8>) {
    let Ok(db) = Database::from_bytes(std::path::Path::new("fuzz.db"), bytes) else {
        return;
    };
    let _ = db.status();
    for ns in db.namespaces().to_vec() {
        for pkg in [
            "openssl",
            "lodash",
            "requests",
            "musl",
            "serde",
            "golang.org/x/net",
        ] {
            let _ = db.entries(&ns, pkg);
        }
    }
    for n in 0..db.advisory_count().min(256) {
        let _ = db.advisory(n as u32);
    }
    customs_fuzz::match_sample_catalog(&db);
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel & 1 == 0 {
        let mut bytes = Vec::with_capacity(PREAMBLE + rest.len());
        bytes.extend_from_slice(b"CSTMVULN");
        bytes.extend_from_slice(&customs_vuln::SCHEMA_VERSION.to_le_bytes());
        bytes.extend_from_slice(&[0; 8 + 32]);
        bytes.extend_from_slice(rest);
        exercise(seal(bytes));
        return;
    }
    let (patches, record) = customs_fuzz::split2(rest, b"\n--db--\n");
    let Some(path) = customs_fuzz::write_scratch("record.json", record) else {
        return;
    };
    let Ok((builder, _)) = build(&[path], &Limits::default()) else {
        return;
    };
    let Ok(mut bytes) = builder.to_bytes(0) else {
        return;
    };
    let body = bytes.len() - PREAMBLE;
    if body == 0 {
        return;
    }
    for p in patches.chunks_exact(3) {
        let off = usize::from(u16::from_le_bytes([p[0], p[1]])) % body;
        bytes[PREAMBLE + off] = p[2];
    }
    exercise(seal(bytes));
});
