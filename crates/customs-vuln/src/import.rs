//! `customs db import PATH…`: read advisory files, build the database.
//!
//! Each path is sniffed: a `.zip` (osv.dev's `<Ecosystem>/all.zip`), a folder
//! (walked recursively), a `.json` file (one OSV record, the Debian tracker
//! export or an Alpine secdb JSON) or a `.yaml`/`.yml` file (one OSV record or
//! an Alpine secdb file). Malformed records are counted, reported with their
//! IDs and skipped; the import goes on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::{Database, DbBuilder, DbError, DbStatus};
use crate::record::{Advisory, AdvisoryKind, Affected, Entry};
use crate::source::{alpine, debian, osv};

/// Bounds on untrusted advisory input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file read (the Debian tracker export is the big one).
    /// Default 1 GiB.
    pub max_file_bytes: u64,
    /// Largest single OSV record (file or zip member). Default 16 MiB.
    pub max_record_bytes: u64,
    /// Most zip members read from one archive. Default 500,000.
    pub max_zip_members: usize,
    /// Most files visited in folders. Default 1,000,000.
    pub max_files: usize,
    /// Deepest folder nesting walked. Default 16.
    pub max_depth: usize,
    /// Most `affected` entries in one record. Default 20,000.
    pub max_affected: usize,
    /// Most ranges in one `affected` entry. Default 1,000.
    pub max_ranges: usize,
    /// Most events in one range. Default 10,000.
    pub max_events: usize,
    /// Most explicit versions in one `affected` entry. Default 100,000.
    pub max_versions: usize,
    /// Aliases kept per record. Default 256.
    pub max_aliases: usize,
    /// References kept per record. Default 16.
    pub max_references: usize,
    /// Description characters kept. Default 1,000.
    pub max_description_chars: usize,
    /// Most entries in a record's `database_specific.cwe_ids`. Default 64; a
    /// longer list is not credible data and is ignored as a whole.
    pub max_cwe_ids: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 1 << 30,
            max_record_bytes: 16 << 20,
            max_zip_members: 500_000,
            max_files: 1_000_000,
            max_depth: 16,
            max_affected: 20_000,
            max_ranges: 1_000,
            max_events: 10_000,
            max_versions: 100_000,
            max_aliases: 256,
            max_references: 16,
            max_description_chars: 1_000,
            max_cwe_ids: 64,
        }
    }
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Where to write the database (atomically). `None`: build only.
    pub db_path: Option<PathBuf>,
    /// Input bounds.
    pub limits: Limits,
}

/// A record or file that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    /// Source it belonged to (or the format sniffed).
    pub source: String,
    /// File (and zip member) it came from.
    pub location: String,
    /// Record ID when known (`pkg/CVE` for Debian, `pkg@version` for secdb).
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    /// Per-source counts.
    pub sources: Vec<crate::db::SourceStatus>,
    /// Malformed records, with IDs.
    pub malformed: Vec<Malformed>,
    /// Files in folders that were not advisory files.
    pub ignored_files: Vec<String>,
    /// Advisories stored.
    pub advisories: u64,
    /// Status of the written database, when one was written.
    pub status: Option<DbStatus>,
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input path could not be read.
    #[error("cannot read {path}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be opened.
    #[error("cannot read zip archive {path}")]
    Zip {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: zip::result::ZipError,
    },
    /// An input path is not a format we know.
    #[error("{path} is not an advisory file (expected .zip, .json, .yaml or a folder)")]
    UnknownInput {
        /// Path.
        path: PathBuf,
    },
    /// A limit was reached.
    #[error("{what} in {path} exceeds the limit of {limit}; raise `Limits::{field}` to import it")]
    LimitExceeded {
        /// Path.
        path: PathBuf,
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: u64,
        /// Limits field to raise.
        field: &'static str,
    },
    /// The database could not be written.
    #[error("cannot write the vulnerability database")]
    Write(#[source] DbError),
}

/// Imports `paths` and, when `opts.db_path` is set, writes the database there
/// atomically.
pub fn import_paths(paths: &[PathBuf], opts: &ImportOptions) -> Result<ImportReport, Error> {
    let (builder, mut report) = build(paths, &opts.limits)?;
    if let Some(path) = &opts.db_path {
        report.status = Some(Database::write(&builder, path).map_err(Error::Write)?);
    }
    Ok(report)
}

/// Imports `paths` into a [`DbBuilder`] without writing anything.
pub fn build(paths: &[PathBuf], limits: &Limits) -> Result<(DbBuilder, ImportReport), Error> {
    let mut imp = Importer::new(limits);
    for p in paths {
        imp.path(p, 0, true)?;
    }
    imp.finish()
}

struct Importer<'a> {
    limits: &'a Limits,
    builder: DbBuilder,
    malformed: Vec<Malformed>,
    ignored: Vec<String>,
    files_seen: usize,
    /// Debian: distinct (package, CVE) and source packages.
    debian_records: HashSet<(String, String)>,
    debian_packages: HashSet<String>,
    alpine_releases: HashSet<String>,
    /// Per source: IDs seen (to count duplicates inside a source).
    osv_ids: HashMap<String, HashSet<String>>,
    dates: BTreeMap<String, String>,
}

impl<'a> Importer<'a> {
    fn new(limits: &'a Limits) -> Self {
        Self {
            limits,
            builder: DbBuilder::new(),
            malformed: Vec::new(),
            ignored: Vec::new(),
            files_seen: 0,
            debian_records: HashSet::new(),
            debian_packages: HashSet::new(),
            alpine_releases: HashSet::new(),
            osv_ids: HashMap::new(),
            dates: BTreeMap::new(),
        }
    }

    fn path(&mut self, path: &Path, depth: usize, top: bool) -> Result<(), Error> {
        let read_err = |source| Error::Read {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if meta.is_dir() {
            if depth >= self.limits.max_depth {
                return Err(Error::LimitExceeded {
                    path: path.to_owned(),
                    what: "folder nesting",
                    limit: self.limits.max_depth as u64,
                    field: "max_depth",
                });
            }
            let mut children: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_err)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            children.sort();
            for c in children {
                self.path(&c, depth + 1, false)?;
            }
            return Ok(());
        }
        self.files_seen += 1;
        if self.files_seen > self.limits.max_files {
            return Err(Error::LimitExceeded {
                path: path.to_owned(),
                what: "number of files",
                limit: self.limits.max_files as u64,
                field: "max_files",
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "zip" => self.zip(path),
            "json" | "yaml" | "yml" => {
                if meta.len() > self.limits.max_file_bytes {
                    return Err(Error::LimitExceeded {
                        path: path.to_owned(),
                        what: "file size",
                        limit: self.limits.max_file_bytes,
                        field: "max_file_bytes",
                    });
                }
                let bytes = std::fs::read(path).map_err(read_err)?;
                let location = path.display().to_string();
                let default_source = osv_source_from_dir(path);
                self.document(&bytes, ext != "json", &location, default_source.as_deref());
                Ok(())
            }
            _ if top => Err(Error::UnknownInput {
                path: path.to_owned(),
            }),
            _ => {
                self.ignored.push(path.display().to_string());
                Ok(())
            }
        }
    }

    fn zip(&mut self, path: &Path) -> Result<(), Error> {
        let zerr = |source| Error::Zip {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zerr)?;
        if archive.len() > self.limits.max_zip_members {
            return Err(Error::LimitExceeded {
                path: path.to_owned(),
                what: "zip members",
                limit: self.limits.max_zip_members as u64,
                field: "max_zip_members",
            });
        }
        // osv.dev publishes `<Ecosystem>/all.zip`: the folder names the source.
        let source = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| format!("osv:{}", n.to_string_lossy()))
            .filter(|_| path.file_name().is_some_and(|n| n == "all.zip"))
            .or_else(|| {
                path.file_stem()
                    .map(|s| format!("osv:{}", s.to_string_lossy()))
            });
        let mut buf = Vec::new();
        for i in 0..archive.len() {
            let mut member = archive.by_index(i).map_err(zerr)?;
            if member.is_dir() {
                continue;
            }
            let name = member.name().map_err(zerr)?.into_owned();
            let location = format!("{}!{}", path.display(), name);
            let lower = name.to_lowercase();
            let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
            if !(yaml || lower.ends_with(".json")) {
                self.ignored.push(location);
                continue;
            }
            let stem = name.rsplit('/').next().unwrap_or(&name);
            let stem = stem
                .rsplit_once('.')
                .map(|(s, _)| s)
                .unwrap_or(stem)
                .to_owned();
            // Read at most one byte past the limit, whatever the header claims.
            buf.clear();
            let limit = self.limits.max_record_bytes;
            let read = (&mut member).take(limit + 1).read_to_end(&mut buf);
            if let Err(e) = read {
                self.bad(
                    source.as_deref().unwrap_or("osv"),
                    &location,
                    Some(stem),
                    format!("cannot inflate: {e}"),
                );
                continue;
            }
            if buf.len() as u64 > limit {
                self.bad(
                    source.as_deref().unwrap_or("osv"),
                    &location,
                    Some(stem),
                    format!("record is larger than {limit} bytes"),
                );
                continue;
            }
            let bytes = std::mem::take(&mut buf);
            self.osv_bytes(&bytes, yaml, &location, source.as_deref(), Some(stem));
            buf = bytes;
        }
        Ok(())
    }

    fn bad(&mut self, source: &str, location: &str, id: Option<String>, reason: String) {
        // Count it against a real source; "unknown"/"osv" (format not known
        // yet) only appear in the list.
        if source.contains(':') || source == "debian-tracker" || source == "alpine-secdb" {
            let kind = source.split(':').next().unwrap_or(source).to_owned();
            self.builder.source_mut(source, &kind).malformed += 1;
        }
        self.malformed.push(Malformed {
            source: source.to_owned(),
            location: location.to_owned(),
            id,
            reason,
        });
    }

    /// A standalone file: sniff its format.
    fn document(&mut self, bytes: &[u8], yaml: bool, location: &str, default_source: Option<&str>) {
        let stem = Path::new(location)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let value = match parse_bytes(bytes, yaml) {
            Ok(v) => v,
            Err(reason) => {
                self.bad(default_source.unwrap_or("unknown"), location, stem, reason);
                return;
            }
        };
        if alpine::sniff(&value) {
            self.alpine(&value, location);
        } else if debian::sniff(&value) {
            self.debian(&value, location);
        } else if value.get("id").is_some() {
            if bytes.len() as u64 > self.limits.max_record_bytes {
                let reason = format!(
                    "record is larger than {} bytes",
                    self.limits.max_record_bytes
                );
                self.bad(
                    default_source.unwrap_or("osv"),
                    location,
                    osv::record_id(&value),
                    reason,
                );
                return;
            }
            self.osv_value(&value, location, default_source, stem);
        } else {
            self.bad(
                "unknown",
                location,
                stem,
                "not an OSV record, Debian tracker export or Alpine secdb file".into(),
            );
        }
    }

    fn osv_bytes(
        &mut self,
        bytes: &[u8],
        yaml: bool,
        location: &str,
        source: Option<&str>,
        stem: Option<String>,
    ) {
        match parse_bytes(bytes, yaml) {
            Ok(v) => self.osv_value(&v, location, source, stem),
            Err(reason) => self.bad(source.unwrap_or("osv"), location, stem, reason),
        }
    }

    fn osv_value(&mut self, v: &Value, location: &str, source: Option<&str>, stem: Option<String>) {
        let parsed = osv::parse(v, source.unwrap_or("osv"), self.limits);
        let rec = match parsed {
            Ok(r) => r,
            Err(reason) => {
                let id = osv::record_id(v).or(stem);
                let src = source
                    .map(str::to_owned)
                    .unwrap_or_else(|| "osv".to_owned());
                self.builder.source_mut(&src, "osv");
                self.bad(&src, location, id, reason);
                return;
            }
        };
        let source = match source {
            Some(s) => s.to_owned(),
            None => format!(
                "osv:{}",
                rec.first_ecosystem
                    .as_deref()
                    .map(|e| e.split(':').next().unwrap_or(e))
                    .unwrap_or("unknown")
            ),
        };
        let first_in_source = self
            .osv_ids
            .entry(source.clone())
            .or_default()
            .insert(rec.advisory.id.clone());
        {
            let st = self.builder.source_mut(&source, "osv");
            if !st.inputs.iter().any(|i| location.starts_with(i.as_str())) {
                let input = location.split('!').next().unwrap_or(location).to_owned();
                st.inputs.push(input);
            }
            if !first_in_source {
                st.duplicates += 1;
                return;
            }
            st.records += 1;
            if rec.withdrawn {
                st.withdrawn += 1;
            }
        }
        if let Some(d) = rec.date {
            let e = self.dates.entry(source.clone()).or_default();
            if d > *e {
                *e = d;
            }
        }
        if rec.withdrawn {
            return;
        }
        let mut advisory = rec.advisory;
        advisory.data_source = source.clone();
        let (n, new) = self
            .builder
            .add_advisory(format!("osv\0{}", advisory.id), advisory);
        if !new {
            // The same record from another source (npm and Maven folders share
            // some GitHub advisories): its entries are already indexed.
            return;
        }
        self.builder
            .source_mut(&source, "osv")
            .counts
            .entry("stored".into())
            .and_modify(|c| *c += 1)
            .or_insert(1);
        for (eco, name, affected) in rec.affected {
            self.builder.add_entry(
                &eco,
                &name,
                Entry {
                    advisory: n,
                    affected,
                },
            );
        }
    }

    fn debian(&mut self, v: &Value, location: &str) {
        const SOURCE: &str = "debian-tracker";
        let (records, problems) = debian::parse(v, self.limits.max_description_chars);
        {
            let st = self.builder.source_mut(SOURCE, SOURCE);
            st.inputs.push(location.to_owned());
        }
        for (id, reason) in problems {
            self.bad(SOURCE, location, Some(id), reason);
        }
        for r in records {
            let new = self
                .debian_records
                .insert((r.package.clone(), r.advisory.id.clone()));
            self.debian_packages.insert(r.package.clone());
            let st = self.builder.source_mut(SOURCE, SOURCE);
            if new {
                st.records += 1;
            } else {
                st.duplicates += 1;
            }
            let (n, _) = self
                .builder
                .add_advisory(format!("{SOURCE}\0{}", r.advisory.id), r.advisory);
            // The same (package, CVE) from two excerpts adds entries twice;
            // matching merges hits by ID, so this never doubles a finding.
            for (codename, affected) in r.releases {
                let ns = format!("debian:{codename}");
                self.builder.add_entry(
                    &ns,
                    &r.package,
                    Entry {
                        advisory: n,
                        affected,
                    },
                );
            }
        }
    }

    fn alpine(&mut self, v: &Value, location: &str) {
        const SOURCE: &str = "alpine-secdb";
        let doc = match alpine::parse(v) {
            Ok(d) => d,
            Err(reason) => {
                self.builder.source_mut(SOURCE, SOURCE);
                self.bad(SOURCE, location, None, reason);
                return;
            }
        };
        self.alpine_releases.insert(doc.release.clone());
        {
            let st = self.builder.source_mut(SOURCE, SOURCE);
            st.inputs.push(location.to_owned());
            st.records += doc.package_entries;
            *st.counts.entry("fix_references".into()).or_default() += doc.fix_references;
            *st.counts.entry("rejected_id_tokens".into()).or_default() += doc.rejected_ids;
        }
        for (id, reason) in doc.problems {
            self.bad(SOURCE, location, Some(id), reason);
        }
        let ns = format!("alpine:{}", doc.release);
        for (pkg, fixed, id) in doc.fixes {
            let advisory = Advisory {
                id: id.clone(),
                aliases: Vec::new(),
                kind: AdvisoryKind::Vulnerability,
                title: String::new(),
                description: String::new(),
                cvss: Vec::new(),
                stated_severity: None,
                references: Vec::new(),
                cwe_ids: Vec::new(),
                published: None,
                data_source: SOURCE.to_owned(),
            };
            let (n, _) = self
                .builder
                .add_advisory(format!("{SOURCE}\0{id}"), advisory);
            self.builder.add_entry(
                &ns,
                &pkg,
                Entry {
                    advisory: n,
                    affected: Affected::Alpine { fixed },
                },
            );
        }
    }

    fn finish(mut self) -> Result<(DbBuilder, ImportReport), Error> {
        if !self.debian_packages.is_empty() {
            let st = self.builder.source_mut("debian-tracker", "debian-tracker");
            st.counts
                .insert("source_packages".into(), self.debian_packages.len() as u64);
        }
        if !self.alpine_releases.is_empty() {
            let st = self.builder.source_mut("alpine-secdb", "alpine-secdb");
            st.counts
                .insert("releases".into(), self.alpine_releases.len() as u64);
        }
        for (src, date) in std::mem::take(&mut self.dates) {
            self.builder.source_mut(&src, "osv").data_date = Some(date);
        }
        let report = ImportReport {
            sources: self.builder.sources().cloned().collect(),
            malformed: self.malformed,
            ignored_files: self.ignored,
            advisories: self.builder.advisory_count() as u64,
            status: None,
        };
        Ok((self.builder, report))
    }
}

/// For a standalone OSV file inside `<Ecosystem>/` nothing tells the source;
/// the record's first ecosystem names it instead (see `osv_value`).
fn osv_source_from_dir(_path: &Path) -> Option<String> {
    None
}

fn parse_bytes(bytes: &[u8], yaml: bool) -> Result<Value, String> {
    if yaml {
        let text = std::str::from_utf8(bytes).map_err(|_| "yaml is not utf-8".to_owned())?;
        crate::source::parse_yaml(text)
    } else {
        serde_json::from_slice(bytes).map_err(|e| format!("bad json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_files_are_reported_and_skipped() {
        let dir = std::env::temp_dir().join(format!("customs-vuln-imp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("GOOD-1.json"), r#"{"id":"GOOD-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#).unwrap();
        std::fs::write(dir.join("BAD-1.json"), "{not json").unwrap();
        std::fs::write(dir.join("BAD-2.yaml"), "id: BAD-2\naffected: [ {").unwrap();
        std::fs::write(dir.join("BAD-3.json"), r#"{"id":"BAD-3","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"WEIRD","events":[]}]}]}"#).unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        let (b, report) = build(std::slice::from_ref(&dir), &Limits::default()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(b.advisory_count(), 1);
        let ids: Vec<_> = report
            .malformed
            .iter()
            .filter_map(|m| m.id.clone())
            .collect();
        assert_eq!(ids, ["BAD-1", "BAD-2", "BAD-3"]);
        assert_eq!(report.ignored_files.len(), 1);
    }
}
