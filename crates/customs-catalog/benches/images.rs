//! Time of the catalog's analyzers and assembly over the fixture images.
//!
//! The layers are read and decompressed into memory first (the walker's
//! work, not timed); then every entry is offered to every analyzer as the
//! walker would, and the results are assembled. Run with
//! `cargo bench -p customs-catalog --bench images`.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::collections::HashMap;
use std::io::Read as _;
use std::time::Instant;

use customs_model::analysis::{Analysis, EntryKind, FileMeta, FileRecord, Interest, LayerRef};

struct Entry {
    path: String,
    kind: EntryKind,
    mode: u32,
    content: Vec<u8>,
}

fn layers(tar_path: &std::path::Path) -> Vec<Vec<Entry>> {
    let mut blobs: HashMap<String, Vec<u8>> = HashMap::new();
    let mut ar = tar::Archive::new(std::fs::File::open(tar_path).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        blobs.insert(name, v);
    }
    let blob = |d: &str| &blobs[&format!("blobs/sha256/{}", d.trim_start_matches("sha256:"))];
    let index: serde_json::Value = serde_json::from_slice(&blobs["index.json"]).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let mut out = Vec::new();
    for l in manifest["layers"].as_array().unwrap() {
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(
            &blob(l["digest"].as_str().unwrap())[..],
        ));
        let mut entries = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches('/')
                .to_owned();
            let t = e.header().entry_type();
            let kind = if t.is_file() {
                EntryKind::Regular
            } else if t.is_dir() {
                EntryKind::Directory
            } else {
                EntryKind::Other
            };
            let mode = e.header().mode().unwrap_or(0);
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            entries.push(Entry {
                path,
                kind,
                mode,
                content,
            });
        }
        out.push(entries);
    }
    out
}

fn main() {
    for name in ["debian-bookworm-minbase", "polyglot-app"] {
        let Some(path) = customs_test::shared_path(&format!("images/{name}.oci.tar")) else {
            continue;
        };
        let layers = layers(&path);
        let analyzers = customs_catalog::analyzers();
        let runs = 5;
        let mut per_analyzer: HashMap<&'static str, std::time::Duration> = HashMap::new();
        let start = Instant::now();
        let mut read_bytes = 0u64;
        let mut packages = 0;
        for _ in 0..runs {
            let mut records = Vec::new();
            read_bytes = 0;
            for (i, entries) in layers.iter().enumerate() {
                for e in entries {
                    let meta = FileMeta {
                        path: &e.path,
                        kind: e.kind,
                        size: e.content.len() as u64,
                        mode: e.mode,
                        uid: 0,
                        gid: 0,
                        link_target: None,
                    };
                    let wants: Vec<Interest> =
                        analyzers.iter().map(|a| a.interest(&meta)).collect();
                    if wants.contains(&Interest::Content) {
                        read_bytes += e.content.len() as u64;
                    }
                    for (a, w) in analyzers.iter().zip(wants) {
                        if w == Interest::None {
                            continue;
                        }
                        let t = Instant::now();
                        let out = a.analyze(&meta, &e.content);
                        *per_analyzer.entry(a.id()).or_default() += t.elapsed();
                        if let Some(value) = out {
                            records.push(FileRecord {
                                analyzer: a.id().into(),
                                path: e.path.clone(),
                                layer: i,
                                removed_in: None,
                                value,
                            });
                        }
                    }
                }
            }
            let analysis = Analysis {
                layers: (0..layers.len())
                    .map(|index| LayerRef {
                        index,
                        digest: None,
                        diff_id: None,
                        created_by: None,
                    })
                    .collect(),
                records,
                warnings: Vec::new(),
            };
            let t = Instant::now();
            packages = customs_catalog::assemble(&analysis, &customs_catalog::Options::default())
                .packages
                .len();
            *per_analyzer.entry("(assemble)").or_default() += t.elapsed();
        }
        let per = start.elapsed() / runs;
        let entries: usize = layers.iter().map(Vec::len).sum();
        let mut v: Vec<_> = per_analyzer.into_iter().collect();
        v.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
        for (a, d) in v {
            println!("  {a}: {:?} per run", d / runs);
        }
        println!("{name}: {entries} entries, {read_bytes} bytes wanted, {packages} packages (no whiteouts applied): {per:?} per run");
    }
}
