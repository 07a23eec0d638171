//! Test stand-ins for the layer walker of `customs-image`: build an
//! [`Analysis`] from a folder (one layer) or from an OCI image tar (every
//! layer, with whiteouts and overwrites turned into `removed_in`).

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use customs_model::analysis::{Analysis, EntryKind, FileMeta, FileRecord, Interest, LayerRef};
use customs_model::Digest;

/// Runs every analyzer on one entry.
fn run(
    meta: &FileMeta<'_>,
    content: impl FnOnce() -> Vec<u8>,
    layer: usize,
    out: &mut Vec<FileRecord>,
) {
    let analyzers = customs_catalog::analyzers();
    let wants: Vec<_> = analyzers.iter().map(|a| a.interest(meta)).collect();
    let need = wants.contains(&Interest::Content)
        && matches!(meta.kind, EntryKind::Regular | EntryKind::HardLink);
    let bytes = if need { content() } else { Vec::new() };
    for (a, w) in analyzers.iter().zip(wants) {
        if w == Interest::None {
            continue;
        }
        let c: &[u8] = if w == Interest::Content { &bytes } else { &[] };
        if let Some(value) = a.analyze(meta, c) {
            out.push(FileRecord {
                analyzer: a.id().to_owned(),
                path: meta.path.to_owned(),
                layer,
                removed_in: None,
                value,
            });
        }
    }
}

fn finish(layers: Vec<LayerRef>, mut records: Vec<FileRecord>) -> Analysis {
    records.sort_by(|a, b| (&a.analyzer, &a.path, a.layer).cmp(&(&b.analyzer, &b.path, b.layer)));
    Analysis {
        layers,
        records,
        warnings: Vec::new(),
    }
}

/// Walks a folder as layer 0.
pub(crate) fn analyze_dir(root: &Path) -> Analysis {
    let mut records = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let kind = if md.is_dir() {
                stack.push(p.clone());
                EntryKind::Directory
            } else if md.file_type().is_symlink() {
                EntryKind::Symlink
            } else if md.is_file() {
                EntryKind::Regular
            } else {
                EntryKind::Other
            };
            use std::os::unix::fs::PermissionsExt as _;
            let meta = FileMeta {
                path: &rel,
                kind,
                size: if kind == EntryKind::Regular {
                    md.len()
                } else {
                    0
                },
                mode: md.permissions().mode() & 0o7777,
                uid: 0,
                gid: 0,
                link_target: None,
            };
            run(&meta, || std::fs::read(&p).unwrap(), 0, &mut records);
        }
    }
    finish(
        vec![LayerRef {
            index: 0,
            digest: None,
            diff_id: None,
            created_by: None,
        }],
        records,
    )
}

/// Runs the analyzers on single files placed at virtual paths (layer 0).
pub(crate) fn analyze_files(files: &[(&str, &Path)]) -> Analysis {
    let mut records = Vec::new();
    for (virt, real) in files {
        let content = std::fs::read(real).unwrap();
        let meta = FileMeta {
            path: virt,
            kind: EntryKind::Regular,
            size: content.len() as u64,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: None,
        };
        run(&meta, || content.clone(), 0, &mut records);
    }
    finish(
        vec![LayerRef {
            index: 0,
            digest: None,
            diff_id: None,
            created_by: None,
        }],
        records,
    )
}

fn norm(p: &str) -> String {
    p.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_owned()
}

/// Walks every layer of an OCI image tar (`index.json` → manifest → gzip layers).
pub(crate) fn analyze_oci(tar_path: &Path) -> Analysis {
    let mut blobs: HashMap<String, Vec<u8>> = HashMap::new();
    let mut ar = tar::Archive::new(std::fs::File::open(tar_path).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = norm(&e.path().unwrap().to_string_lossy());
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        blobs.insert(name, v);
    }
    let blob = |d: &str| {
        blobs
            .get(&format!("blobs/sha256/{}", d.trim_start_matches("sha256:")))
            .unwrap()
    };
    let index: serde_json::Value = serde_json::from_slice(&blobs["index.json"]).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let config: serde_json::Value =
        serde_json::from_slice(blob(manifest["config"]["digest"].as_str().unwrap())).unwrap();
    let mut layers = Vec::new();
    let mut records: Vec<FileRecord> = Vec::new();
    for (i, l) in manifest["layers"].as_array().unwrap().iter().enumerate() {
        let digest = l["digest"].as_str().unwrap();
        layers.push(LayerRef {
            index: i,
            digest: Some(digest.parse::<Digest>().unwrap()),
            diff_id: config["rootfs"]["diff_ids"][i]
                .as_str()
                .map(|d| d.parse::<Digest>().unwrap()),
            created_by: None,
        });
        let gz = flate2::read::GzDecoder::new(&blob(digest)[..]);
        let mut ar = tar::Archive::new(gz);
        let mut seen_contents: HashMap<String, Vec<u8>> = HashMap::new();
        let mut layer_records = Vec::new();
        let mut removals: Vec<(String, u8)> = Vec::new(); // (path, 0 exact / 1 whiteout / 2 opaque prefix)
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let path = norm(&e.path().unwrap().to_string_lossy());
            let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
            let dir = path
                .rsplit_once('/')
                .map(|(d, _)| d.to_owned())
                .unwrap_or_default();
            if name == ".wh..wh..opq" {
                removals.push((format!("{dir}/"), 2));
                continue;
            }
            if let Some(target) = name.strip_prefix(".wh.") {
                let t = if dir.is_empty() {
                    target.to_owned()
                } else {
                    format!("{dir}/{target}")
                };
                removals.push((t, 1));
                continue;
            }
            let h = e.header().clone();
            let et = h.entry_type();
            let link = e
                .link_name()
                .ok()
                .flatten()
                .map(|l| norm(&l.to_string_lossy()));
            let (kind, content_from_link) = if et.is_file() {
                (EntryKind::Regular, None)
            } else if et.is_hard_link() {
                // The walker hands a hard link the content of its target.
                (EntryKind::HardLink, link.clone())
            } else if et.is_dir() {
                (EntryKind::Directory, None)
            } else if et.is_symlink() {
                (EntryKind::Symlink, None)
            } else {
                (EntryKind::Other, None)
            };
            let mut content = Vec::new();
            if et.is_file() {
                e.read_to_end(&mut content).unwrap();
            } else if let Some(t) = &content_from_link {
                content = seen_contents.get(t).cloned().unwrap_or_default();
            }
            let meta = FileMeta {
                path: &path,
                kind,
                size: content.len() as u64,
                mode: h.mode().unwrap_or(0o644),
                uid: h.uid().unwrap_or(0),
                gid: h.gid().unwrap_or(0),
                link_target: link.as_deref(),
            };
            removals.push((path.clone(), 0));
            let c2 = content.clone();
            run(&meta, move || c2, i, &mut layer_records);
            if et.is_file() {
                seen_contents.insert(path.clone(), content);
            }
        }
        // Whiteouts, opaque folders and overwrites remove what lower layers had.
        for r in records.iter_mut().filter(|r| r.removed_in.is_none()) {
            let gone = removals.iter().any(|(p, how)| match how {
                0 => r.path == *p,
                1 => r.path == *p || r.path.starts_with(&format!("{p}/")),
                _ => r.path.starts_with(p.as_str()),
            });
            if gone {
                r.removed_in = Some(i);
            }
        }
        records.extend(layer_records);
    }
    finish(layers, records)
}
