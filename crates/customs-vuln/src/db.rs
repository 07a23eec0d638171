//! The database file: one file, versioned, checksummed, decoded lazily.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic      8 bytes  "CSTMVULN"
//! schema     u32      SCHEMA_VERSION
//! body_len   u64      bytes after the 52-byte preamble
//! sha256     32 bytes of the body
//! body:
//!   u32 header_len, header (postcard Header: build time, sources, namespaces)
//!   u32 index_len,  index  (postcard Index: sorted "namespace\0package" keys
//!                           with (offset, len) into data; advisory offsets)
//!   data: postcard Vec<Entry> per key, postcard Advisory per advisory
//! ```
//!
//! Opening reads the file, checks length and checksum (so a truncated or
//! damaged file is refused as a whole, never half-read), and decodes only the
//! header and the index. Entries and advisories are decoded when a lookup
//! needs them. Writing goes to a temporary file in the same folder, is
//! fsynced and renamed over the target, so readers see the old or the new
//! database, never a mix (and `db update` can swap in a downloaded file the
//! same way).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::record::{Advisory, Entry};

/// Version of the file layout and of the stored types. Bump on any change to
/// [`crate::record`] or the layout; older files are refused with a hint to
/// rebuild or update.
///
/// History: 2 added [`Advisory::cwe_ids`](crate::record::Advisory::cwe_ids).
pub const SCHEMA_VERSION: u32 = 2;

const MAGIC: &[u8; 8] = b"CSTMVULN";
const PREAMBLE: usize = 8 + 4 + 8 + 32;

/// Hint appended to errors about an unusable database.
const HINT: &str = "run `customs db update` (or `customs db import`) to get a fresh database";

/// Why a database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The file could not be read or written.
    #[error("cannot access vulnerability database {path}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the database magic.
    #[error("{path} is not a customs vulnerability database; {HINT}")]
    NotADatabase {
        /// File.
        path: PathBuf,
    },
    /// The file was written with another schema version.
    #[error(
        "vulnerability database {path} has schema version {found}, this customs reads {expected}; {HINT}"
    )]
    SchemaMismatch {
        /// File.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The file is truncated or damaged.
    #[error("vulnerability database {path} is corrupt: {reason}; {HINT}")]
    Corrupt {
        /// File.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },
    /// The data does not fit the format's 32-bit offsets.
    #[error("vulnerability database would exceed 4 GiB")]
    TooLarge,
    /// Serialisation failed (a bug: stored types always serialise).
    #[error("cannot encode vulnerability database")]
    Encode(#[source] postcard::Error),
}

/// What one source contributed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceStatus {
    /// Source name (`osv:Go`, `debian-tracker`, `alpine-secdb`).
    pub name: String,
    /// Format (`osv`, `debian-tracker`, `alpine-secdb`).
    pub kind: String,
    /// Paths imported from.
    pub inputs: Vec<String>,
    /// Newest date found in the data (`modified`/`published`, secdb: none).
    pub data_date: Option<String>,
    /// Records read (OSV: files; Debian: distinct (package, CVE); Alpine: package entries).
    pub records: u64,
    /// Withdrawn records (read, not stored).
    pub withdrawn: u64,
    /// Malformed records (skipped).
    pub malformed: u64,
    /// Records that duplicated an ID already imported (same record in two inputs).
    pub duplicates: u64,
    /// Further counts per source (`releases`, `fix_references`, `source_packages`, ...).
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    built_at: u64,
    sources: Vec<SourceStatus>,
    namespaces: Vec<String>,
    advisories: u64,
    keys: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Index {
    /// Sorted `namespace\0package` keys with (offset, len) into the data section.
    keys: Vec<(String, u32, u32)>,
    /// (offset, len) of each advisory in the data section.
    advisories: Vec<(u32, u32)>,
}

/// What `customs db status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStatus {
    /// Schema version of the file.
    pub schema_version: u32,
    /// Build time, seconds since the Unix epoch.
    pub built_at: u64,
    /// Build time as RFC 3339 (UTC).
    pub built_at_rfc3339: String,
    /// Sources with their counts.
    pub sources: Vec<SourceStatus>,
    /// Namespaces (OSV ecosystems, `debian:<codename>`, `alpine:<vX.Y>`).
    pub namespaces: Vec<String>,
    /// Advisories stored.
    pub advisories: u64,
    /// (namespace, package) keys stored.
    pub keys: u64,
    /// File size in bytes.
    pub file_bytes: u64,
}

/// Collects advisories and index entries, then writes a database file.
#[derive(Debug, Default)]
pub struct DbBuilder {
    advisories: Vec<Advisory>,
    by_key: HashMap<String, u32>,
    index: BTreeMap<String, Vec<Entry>>,
    sources: BTreeMap<String, SourceStatus>,
}

fn index_key(namespace: &str, package: &str) -> String {
    let mut k = String::with_capacity(namespace.len() + 1 + package.len());
    k.push_str(namespace);
    k.push('\0');
    k.push_str(package);
    k
}

/// `key.cmp(&index_key(namespace, package))` without building the key.
fn cmp_index_key(key: &str, namespace: &str, package: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let key = key.as_bytes();
    let head = key
        .get(..namespace.len().min(key.len()))
        .unwrap_or_default();
    match head.cmp(namespace.as_bytes()) {
        Ordering::Equal => {}
        other => return other,
    }
    match key.get(namespace.len()..).unwrap_or_default().split_first() {
        None => Ordering::Less,
        Some((sep, rest)) => sep.cmp(&0).then_with(|| rest.cmp(package.as_bytes())),
    }
}

impl DbBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an advisory under a deduplication key (OSV: the ID; distro feeds:
    /// source and ID). Returns its number and whether it was new; an existing
    /// advisory is kept as it is.
    pub fn add_advisory(&mut self, dedup_key: String, advisory: Advisory) -> (u32, bool) {
        if let Some(n) = self.by_key.get(&dedup_key) {
            return (*n, false);
        }
        let n = u32::try_from(self.advisories.len()).unwrap_or(u32::MAX);
        self.advisories.push(advisory);
        self.by_key.insert(dedup_key, n);
        (n, true)
    }

    /// Mutable access to an advisory added before.
    pub fn advisory_mut(&mut self, n: u32) -> Option<&mut Advisory> {
        self.advisories.get_mut(n as usize)
    }

    /// Adds an index entry for (namespace, package).
    pub fn add_entry(&mut self, namespace: &str, package: &str, entry: Entry) {
        self.index
            .entry(index_key(namespace, package))
            .or_default()
            .push(entry);
    }

    /// The status record of a source, created on first use.
    pub fn source_mut(&mut self, name: &str, kind: &str) -> &mut SourceStatus {
        self.sources
            .entry(name.to_owned())
            .or_insert_with(|| SourceStatus {
                name: name.to_owned(),
                kind: kind.to_owned(),
                ..SourceStatus::default()
            })
    }

    /// Sources recorded so far.
    pub fn sources(&self) -> impl Iterator<Item = &SourceStatus> {
        self.sources.values()
    }

    /// Number of advisories.
    pub fn advisory_count(&self) -> usize {
        self.advisories.len()
    }

    /// Encodes the whole file.
    pub fn to_bytes(&self, built_at: u64) -> Result<Vec<u8>, DbError> {
        let mut data = Vec::new();
        let mut index = Index::default();
        let mut namespaces = BTreeSet::new();
        let off = |data: &Vec<u8>| u32::try_from(data.len()).map_err(|_| DbError::TooLarge);
        for (key, entries) in &self.index {
            if let Some((ns, _)) = key.split_once('\0') {
                namespaces.insert(ns.to_owned());
            }
            let start = off(&data)?;
            data = postcard::to_extend(entries, data).map_err(DbError::Encode)?;
            let len = off(&data)? - start;
            index.keys.push((key.clone(), start, len));
        }
        for adv in &self.advisories {
            let start = off(&data)?;
            data = postcard::to_extend(adv, data).map_err(DbError::Encode)?;
            let len = off(&data)? - start;
            index.advisories.push((start, len));
        }
        let header = Header {
            built_at,
            sources: self.sources.values().cloned().collect(),
            namespaces: namespaces.into_iter().collect(),
            advisories: self.advisories.len() as u64,
            keys: index.keys.len() as u64,
        };
        let header_bytes = postcard::to_allocvec(&header).map_err(DbError::Encode)?;
        let index_bytes = postcard::to_allocvec(&index).map_err(DbError::Encode)?;
        let mut body = Vec::with_capacity(8 + header_bytes.len() + index_bytes.len() + data.len());
        let len32 = |n: usize| u32::try_from(n).map_err(|_| DbError::TooLarge);
        body.extend_from_slice(&len32(header_bytes.len())?.to_le_bytes());
        body.extend_from_slice(&header_bytes);
        body.extend_from_slice(&len32(index_bytes.len())?.to_le_bytes());
        body.extend_from_slice(&index_bytes);
        body.extend_from_slice(&data);
        let mut out = Vec::with_capacity(PREAMBLE + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        Ok(out)
    }
}

/// An open database: the checked file bytes plus the decoded index.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    bytes: Vec<u8>,
    data_start: usize,
    header: Header,
    index: Index,
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A little-endian u32 from 4 bytes (0 from any other length).
fn le32(b: &[u8]) -> u32 {
    b.try_into().map(u32::from_le_bytes).unwrap_or(0)
}

/// Checks a database's preamble (the first bytes of `head`) against the
/// file's total length: magic, schema version, and body length.
fn check_preamble(path: &Path, head: &[u8], total_len: u64) -> Result<(), DbError> {
    let corrupt = |reason: &str| DbError::Corrupt {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if head.len() < 8 || head.get(..8) != Some(MAGIC.as_slice()) {
        return Err(
            if head.len() < 8 && MAGIC.starts_with(head) && !head.is_empty() {
                corrupt("file is truncated")
            } else {
                DbError::NotADatabase {
                    path: path.to_owned(),
                }
            },
        );
    }
    let Some(preamble) = head.get(..PREAMBLE) else {
        return Err(corrupt("file is truncated"));
    };
    let schema = le32(preamble.get(8..12).unwrap_or_default());
    if schema != SCHEMA_VERSION {
        return Err(DbError::SchemaMismatch {
            path: path.to_owned(),
            found: schema,
            expected: SCHEMA_VERSION,
        });
    }
    let body_len = preamble
        .get(12..20)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(u64::MAX);
    let have = total_len.saturating_sub(PREAMBLE as u64);
    if have < body_len {
        return Err(corrupt("file is truncated"));
    }
    if have != body_len {
        return Err(corrupt("file has trailing bytes"));
    }
    Ok(())
}

impl Database {
    /// Writes the builder's content to `path` atomically (temporary file in the
    /// same folder, fsync, rename, fsync of the folder) and returns its status.
    pub fn write(builder: &DbBuilder, path: &Path) -> Result<DbStatus, DbError> {
        let bytes = builder.to_bytes(now_secs())?;
        write_atomically(path, &bytes)?;
        let db = Self::from_bytes(path, bytes)?;
        Ok(db.status())
    }

    /// Opens and verifies a database file.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let bytes = std::fs::read(path).map_err(|source| DbError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Checks what can be checked cheaply without reading the whole file:
    /// that it is a database, of this schema, and neither truncated nor
    /// extended. `open` does the same and also verifies the checksum and
    /// the index; a caller about to do long work first (a scan walks the
    /// image) can learn of the common failures at once this way.
    pub fn probe(path: &Path) -> Result<(), DbError> {
        use std::io::Read as _;
        let io = |source| DbError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut preamble = Vec::with_capacity(PREAMBLE);
        file.take(PREAMBLE as u64)
            .read_to_end(&mut preamble)
            .map_err(io)?;
        check_preamble(path, &preamble, len).map(|_| ())
    }

    /// Verifies and indexes database bytes (`path` is only used in errors).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, DbError> {
        let corrupt = |reason: &str| DbError::Corrupt {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        check_preamble(path, &bytes, bytes.len() as u64)?;
        let preamble = bytes.get(..PREAMBLE).unwrap_or_default();
        let body = bytes.get(PREAMBLE..).unwrap_or_default();
        if preamble.get(20..52) != Some(Sha256::digest(body).as_slice()) {
            return Err(corrupt("checksum mismatch"));
        }
        let mut pos = 0usize;
        let mut section = |what: &str| -> Result<(usize, usize), DbError> {
            let len = body
                .get(pos..pos + 4)
                .map(le32)
                .ok_or_else(|| corrupt(what))? as usize;
            let start = pos + 4;
            let end = start.checked_add(len).filter(|e| *e <= body.len());
            let end = end.ok_or_else(|| corrupt(what))?;
            pos = end;
            Ok((start, end))
        };
        let (hs, he) = section("header is truncated")?;
        let (is, ie) = section("index is truncated")?;
        let header: Header = body
            .get(hs..he)
            .and_then(|b| postcard::from_bytes(b).ok())
            .ok_or_else(|| corrupt("header does not decode"))?;
        let index: Index = body
            .get(is..ie)
            .and_then(|b| postcard::from_bytes(b).ok())
            .ok_or_else(|| corrupt("index does not decode"))?;
        let data_start = PREAMBLE + ie;
        let data_len = bytes.len() - data_start;
        let fits = |(o, l): (u32, u32)| {
            (o as usize)
                .checked_add(l as usize)
                .is_some_and(|e| e <= data_len)
        };
        if !index.keys.iter().all(|(_, o, l)| fits((*o, *l)))
            || !index.advisories.iter().copied().all(fits)
        {
            return Err(corrupt("index points outside the file"));
        }
        Ok(Self {
            path: path.to_owned(),
            bytes,
            data_start,
            header,
            index,
        })
    }

    /// What the database holds.
    pub fn status(&self) -> DbStatus {
        DbStatus {
            schema_version: SCHEMA_VERSION,
            built_at: self.header.built_at,
            built_at_rfc3339: rfc3339(self.header.built_at),
            sources: self.header.sources.clone(),
            namespaces: self.header.namespaces.clone(),
            advisories: self.header.advisories,
            keys: self.header.keys,
            file_bytes: self.bytes.len() as u64,
        }
    }

    /// Build time, seconds since the Unix epoch.
    pub fn built_at(&self) -> u64 {
        self.header.built_at
    }

    /// Whether any data exists for a namespace.
    pub fn has_namespace(&self, namespace: &str) -> bool {
        self.header
            .namespaces
            .binary_search_by(|n| n.as_str().cmp(namespace))
            .is_ok()
    }

    /// Namespaces present.
    pub fn namespaces(&self) -> &[String] {
        &self.header.namespaces
    }

    fn slice(&self, off: u32, len: u32) -> Option<&[u8]> {
        let start = self.data_start + off as usize;
        self.bytes.get(start..start + len as usize)
    }

    /// Index entries for a package in a namespace (empty when none).
    pub fn entries(&self, namespace: &str, package: &str) -> Result<Vec<Entry>, DbError> {
        // Compared in place: a scan looks up every package, most of them
        // absent, and building each key string cost an allocation.
        let Ok(i) = self
            .index
            .keys
            .binary_search_by(|(k, _, _)| cmp_index_key(k, namespace, package))
        else {
            return Ok(Vec::new());
        };
        let (_, off, len) = self
            .index
            .keys
            .get(i)
            .ok_or_else(|| self.corrupt("index"))?;
        self.slice(*off, *len)
            .and_then(|b| postcard::from_bytes(b).ok())
            .ok_or_else(|| self.corrupt(&format!("entries of {namespace}/{package} do not decode")))
    }

    /// Advisory by number.
    pub fn advisory(&self, n: u32) -> Result<Advisory, DbError> {
        let (off, len) = self
            .index
            .advisories
            .get(n as usize)
            .copied()
            .ok_or_else(|| self.corrupt(&format!("advisory #{n} is missing")))?;
        self.slice(off, len)
            .and_then(|b| postcard::from_bytes(b).ok())
            .ok_or_else(|| self.corrupt(&format!("advisory #{n} does not decode")))
    }

    /// Number of advisories.
    pub fn advisory_count(&self) -> usize {
        self.index.advisories.len()
    }

    fn corrupt(&self, reason: &str) -> DbError {
        DbError::Corrupt {
            path: self.path.clone(),
            reason: reason.to_owned(),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DbError> {
    let io = |source| DbError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // Make the rename durable; not every platform can open a folder.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AdvisoryKind, Affected};

    #[test]
    fn index_keys_compare_in_place_as_built() {
        let parts = ["", "a", "ab", "a\u{1}", "b", "PyPI", "PyPI\u{0}x", "é"];
        for k1 in parts {
            for k2 in parts {
                let key = index_key(k1, k2);
                for ns in parts {
                    for pkg in parts {
                        assert_eq!(
                            cmp_index_key(&key, ns, pkg),
                            key.cmp(&index_key(ns, pkg)),
                            "{key:?} vs {ns:?}/{pkg:?}"
                        );
                    }
                }
            }
        }
    }

    fn sample() -> DbBuilder {
        let mut b = DbBuilder::new();
        let (n, new) = b.add_advisory(
            "X-1".into(),
            Advisory {
                id: "X-1".into(),
                aliases: vec!["CVE-2020-1".into()],
                kind: AdvisoryKind::Vulnerability,
                title: "t".into(),
                description: "d".into(),
                cvss: vec![],
                stated_severity: None,
                references: vec![],
                cwe_ids: vec!["CWE-79".into()],
                published: None,
                data_source: "osv:test".into(),
            },
        );
        assert!(new);
        b.add_entry(
            "PyPI",
            "foo",
            Entry {
                advisory: n,
                affected: Affected::Alpine { fixed: "1".into() },
            },
        );
        b.source_mut("osv:test", "osv").records = 1;
        b
    }

    #[test]
    fn round_trip_and_lookup() {
        let bytes = sample().to_bytes(1_700_000_000).unwrap();
        let db = Database::from_bytes(Path::new("x.db"), bytes).unwrap();
        assert_eq!(db.entries("PyPI", "foo").unwrap().len(), 1);
        assert!(db.entries("PyPI", "bar").unwrap().is_empty());
        assert!(db.entries("PyPI\0foo", "").unwrap().is_empty());
        assert_eq!(db.advisory(0).unwrap().id, "X-1");
        assert!(db.has_namespace("PyPI"));
        assert!(!db.has_namespace("npm"));
        assert_eq!(db.status().built_at_rfc3339, "2023-11-14T22:13:20Z");
        assert_eq!(db.status().sources[0].records, 1);
    }

    #[test]
    fn cwe_ids_round_trip() {
        let bytes = sample().to_bytes(1).unwrap();
        let db = Database::from_bytes(Path::new("x.db"), bytes).unwrap();
        assert_eq!(db.advisory(0).unwrap().cwe_ids, ["CWE-79"]);
    }

    #[test]
    fn a_database_of_the_previous_schema_is_refused_with_the_update_hint() {
        // Schema 1 advisories had no `cwe_ids`: postcard would misread them,
        // so the version check must refuse the file before any decoding.
        assert_eq!(SCHEMA_VERSION, 2);
        let mut bytes = sample().to_bytes(1).unwrap();
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        let err = Database::from_bytes(Path::new("old.db"), bytes).unwrap_err();
        assert!(
            matches!(
                err,
                DbError::SchemaMismatch {
                    found: 1,
                    expected: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("schema version 1"), "{msg}");
        assert!(msg.contains("customs db update"), "{msg}");
    }

    #[test]
    fn every_truncation_and_bit_flip_is_refused() {
        let bytes = sample().to_bytes(1).unwrap();
        for len in 0..bytes.len() {
            let r = Database::from_bytes(Path::new("x.db"), bytes[..len].to_vec());
            assert!(r.is_err(), "truncated at {len} accepted");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            let r = Database::from_bytes(Path::new("x.db"), b);
            assert!(r.is_err(), "flip at {i} accepted");
        }
        let err = Database::from_bytes(Path::new("x.db"), bytes[..bytes.len() - 1].to_vec())
            .unwrap_err()
            .to_string();
        assert!(err.contains("customs db update"), "{err}");
        assert!(err.contains("corrupt"), "{err}");
    }
}
