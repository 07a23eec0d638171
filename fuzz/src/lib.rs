//! Helpers shared by the fuzz targets.
//!
//! Targets that can only reach a parser through a file path write the input
//! to one scratch file per process (reused on every run, removed by nobody:
//! it lives in the temp dir and is overwritten next time).

use std::path::PathBuf;

/// A scratch directory unique to this fuzzing process.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("customs-fuzz-{}", std::process::id()));
    // An existing directory is fine; a failure shows up at the first write.
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Writes `bytes` to `name` inside the scratch directory and returns its path.
pub fn write_scratch(name: &str, bytes: &[u8]) -> Option<PathBuf> {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).ok()?;
    Some(path)
}

/// Splits `data` at the first `sep` byte sequence (no separator: all of it
/// goes to the first part).
pub fn split2<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], &data[i + sep.len()..]),
        None => (data, &[]),
    }
}

/// Takes a little-endian u16 length prefix and that many bytes; the rest follows.
pub fn take_prefixed(data: &[u8]) -> (&[u8], &[u8]) {
    if data.len() < 2 {
        return (&[], data);
    }
    let n = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let rest = &data[2..];
    let n = n.min(rest.len());
    rest.split_at(n)
}

/// Standard base64 with padding (the encrypted-key target wraps fuzzed JSON
/// the way cosign does; no dependency needed for that).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A sha256 digest in `sha256:HEX` form.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(bytes);
    let mut s = String::from("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Appends one regular-file entry to a tar being built.
pub fn tar_append(builder: &mut tar::Builder<Vec<u8>>, path: &str, bytes: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    let _ = builder.append_data(&mut header, path, bytes);
}

/// A small CycloneDX SBOM whose packages span the ecosystems the matcher
/// handles, so a fuzzed database is matched against something.
const SAMPLE_SBOM: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "container", "name": "fuzz"}},
  "components": [
    {"type": "operating-system", "name": "debian", "version": "12"},
    {"type": "library", "name": "openssl", "version": "3.0.11-1~deb12u2", "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"},
    {"type": "library", "name": "musl", "version": "1.2.4-r2", "purl": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18"},
    {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
    {"type": "library", "name": "requests", "version": "2.19.0", "purl": "pkg:pypi/requests@2.19.0"},
    {"type": "library", "name": "serde", "version": "1.0.0", "purl": "pkg:cargo/serde@1.0.0"},
    {"type": "library", "name": "golang.org/x/net", "version": "v0.1.0", "purl": "pkg:golang/golang.org/x/net@v0.1.0"},
    {"type": "library", "name": "jackson-databind", "version": "2.9.0", "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.0"},
    {"type": "library", "name": "bash", "version": "4.4.20-4.el8", "purl": "pkg:rpm/almalinux/bash@4.4.20-4.el8?arch=x86_64&distro=almalinux-8"}
  ]
}"#;

/// The catalog of [`SAMPLE_SBOM`], read once.
pub fn sample_catalog() -> &'static customs_model::Catalog {
    static C: std::sync::OnceLock<customs_model::Catalog> = std::sync::OnceLock::new();
    C.get_or_init(|| match customs_sbom::read(SAMPLE_SBOM.as_bytes()) {
        Ok((c, _)) => {
            assert!(!c.packages.is_empty(), "the sample SBOM yields no packages");
            c
        }
        Err(e) => panic!("the sample SBOM does not read: {e}"),
    })
}

/// Matches [`sample_catalog`] against `db` (any outcome is fine; no panic).
pub fn match_sample_catalog(db: &customs_vuln::Database) {
    let opts = customs_vuln::MatchOptions {
        now: Some(0),
        include_informational: true,
        include_undetermined: true,
        ..Default::default()
    };
    let _ = customs_vuln::match_catalog(db, sample_catalog(), &opts);
}

/// An OSV record that affects the sample catalog's `lodash`.
const SAMPLE_OSV: &str = r#"{
  "schema_version": "1.6.0", "id": "GHSA-fuzz-fuzz-fuzz", "modified": "2024-01-01T00:00:00Z",
  "aliases": ["CVE-2021-23337"], "summary": "Command injection in lodash",
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]
}"#;

/// A match report with a finding for the sample catalog, built once.
pub fn sample_report() -> &'static customs_vuln::MatchReport {
    static R: std::sync::OnceLock<customs_vuln::MatchReport> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let dir = scratch_dir().join("sample-osv");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("GHSA-fuzz.json");
        std::fs::write(&path, SAMPLE_OSV).unwrap_or_else(|e| panic!("scratch write: {e}"));
        let (builder, _) = customs_vuln::import::build(&[path], &Default::default())
            .unwrap_or_else(|e| panic!("sample OSV import: {e}"));
        let bytes = builder
            .to_bytes(0)
            .unwrap_or_else(|e| panic!("sample db: {e}"));
        let db = customs_vuln::Database::from_bytes(std::path::Path::new("sample.db"), bytes)
            .unwrap_or_else(|e| panic!("sample db open: {e}"));
        let opts = customs_vuln::MatchOptions {
            now: Some(0),
            ..Default::default()
        };
        let report = customs_vuln::match_catalog(&db, sample_catalog(), &opts);
        assert!(
            !report.findings.is_empty(),
            "the sample report has no finding"
        );
        report
    })
}

/// Every catalog analyzer, under small limits, built once per process.
pub fn catalog_analyzers() -> &'static Vec<Box<dyn customs_model::analysis::FileAnalyzer>> {
    use std::sync::OnceLock;
    static A: OnceLock<Vec<Box<dyn customs_model::analysis::FileAnalyzer>>> = OnceLock::new();
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

/// The walker's view of a regular file of `size` bytes at `path`, owned by root.
pub fn regular_file(path: &str, mode: u32, size: usize) -> customs_model::analysis::FileMeta<'_> {
    customs_model::analysis::FileMeta {
        path,
        kind: customs_model::analysis::EntryKind::Regular,
        size: size as u64,
        mode,
        uid: 0,
        gid: 0,
        link_target: None,
    }
}

/// Offers `data` as the content of the regular file `path` (with `mode`) to
/// every catalog analyzer that wants its content, and serialises what they
/// record: one cataloger alone, through the `FileAnalyzer` trait.
pub fn catalog_one_file(path: &str, mode: u32, data: &[u8]) {
    use customs_model::analysis::Interest;
    let meta = regular_file(path, mode, data.len());
    for a in catalog_analyzers() {
        if a.interest(&meta) == Interest::Content {
            if let Some(v) = a.analyze(&meta, data) {
                let _ = serde_json::to_vec(&v);
            }
        }
    }
}
