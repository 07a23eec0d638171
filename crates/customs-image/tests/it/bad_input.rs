//! Hostile and broken inputs: each ends in one clear error, never a panic,
//! a hang, or a write outside the temp dir.

use customs_image::{open, walk, Error, Limits, OpenOptions, Target, WalkOptions};
use customs_model::analysis::{EntryKind, FileAnalyzer};

use crate::support::{layer_tar, oci_layout, sha, write_blob, Recorder, E};

fn target(dir: &std::path::Path) -> Target {
    Target::parse(&format!("oci-layout:{}", dir.display())).unwrap()
}

fn walk_dir_layout(
    dir: &std::path::Path,
    limits: Limits,
) -> Result<customs_image::WalkResult, Error> {
    let opts = OpenOptions {
        limits: limits.clone(),
        ..OpenOptions::default()
    };
    let image = open(&target(dir), &opts)?;
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(Recorder)];
    walk(
        &image,
        &analyzers,
        &WalkOptions {
            limits,
            ..WalkOptions::default()
        },
    )
}

fn layer_blob_paths(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let md = index["manifests"][0]["digest"].as_str().unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("blobs/sha256").join(&md[7..])).unwrap())
            .unwrap();
    m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            dir.join("blobs/sha256")
                .join(&l["digest"].as_str().unwrap()[7..])
        })
        .collect()
}

#[test]
fn traversal_and_absolute_paths_stay_inside_the_root() {
    let tmp = customs_test::TempDir::new("trav").unwrap();
    let layer = layer_tar(&[
        E::File("../../../escape.txt", b"x"),
        E::File("/abs/file", b"y"),
        E::Symlink("out", "../../../../../tmp"),
        E::Symlink("loop1", "loop2"),
        E::Symlink("loop2", "/loop1"),
        E::Device("dev/null"),
    ]);
    let layer2 = layer_tar(&[E::File("out/evil", b"through a symlink")]);
    let l = oci_layout(&tmp.path().join("layout"), &[layer, layer2]);
    let r = walk_dir_layout(&l.dir, Limits::default()).unwrap();
    assert!(r.tree.exists("escape.txt"));
    assert!(r.tree.exists("abs/file"));
    assert_eq!(
        r.tree.resolve("out", 40).as_deref(),
        None,
        "dangling inside the root: /tmp does not exist in the image"
    );
    assert!(
        r.tree.exists("out/evil"),
        "kept lexically; never resolved on the host"
    );
    assert_eq!(r.tree.resolve("loop1", 40), None);
    assert_eq!(r.tree.get("dev/null").unwrap().kind, EntryKind::Other);
    assert!(
        r.analysis.all("recorder").all(|x| x.path != "dev/null"),
        "device content never read"
    );
    // Nothing was written next to the layout.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("layout")]);
}

#[test]
fn layer_digest_mismatch_names_the_blob() {
    let tmp = customs_test::TempDir::new("dm").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", b"1")])]);
    let blob = &layer_blob_paths(&l.dir)[0];
    let mut bytes = std::fs::read(blob).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0xff; // inside the gzip trailer: still inflates partially
    std::fs::write(blob, &bytes).unwrap();
    let err = walk_dir_layout(&l.dir, Limits::default()).unwrap_err();
    let msg = err.to_string();
    let name = blob.file_name().unwrap().to_string_lossy().to_string();
    assert!(msg.contains(&name), "{msg}");
    assert!(
        matches!(
            err,
            Error::DigestMismatch { .. } | Error::CorruptLayer { .. }
        ),
        "{err:?}"
    );
    assert!(err.hint().is_some());
}

#[test]
fn corrupt_gzip_is_a_corrupt_layer() {
    let tmp = customs_test::TempDir::new("gz").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", &[7u8; 4096])])]);
    // Replace the layer with garbage that claims to be gzip, fix up the digests.
    let garbage = [
        0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3,
    ];
    rewrite_layer(&l.dir, &garbage);
    let err = walk_dir_layout(&l.dir, Limits::default()).unwrap_err();
    assert!(
        matches!(err, Error::CorruptLayer { index: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn truncated_tar_is_reported() {
    let tmp = customs_test::TempDir::new("trunc").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", &[7u8; 100_000])])]);
    let tar = layer_tar(&[E::File("a", &[7u8; 100_000])]);
    let truncated = crate::support::gzip(&tar[..50_000]);
    rewrite_layer(&l.dir, &truncated);
    let err = walk_dir_layout(&l.dir, Limits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::CorruptLayer { .. } | Error::DiffIdMismatch { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn diff_id_mismatch_is_an_error() {
    let tmp = customs_test::TempDir::new("diff").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", b"1")])]);
    // Valid gzip of another tar: blob digest fixed up, diffID in config not.
    let other = crate::support::gzip(&layer_tar(&[E::File("b", b"2")]));
    rewrite_layer(&l.dir, &other);
    let err = walk_dir_layout(&l.dir, Limits::default()).unwrap_err();
    assert!(
        matches!(err, Error::DiffIdMismatch { index: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn missing_blob_is_named() {
    let tmp = customs_test::TempDir::new("miss").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", b"1")])]);
    let blob = layer_blob_paths(&l.dir)[0].clone();
    std::fs::remove_file(&blob).unwrap();
    let err = walk_dir_layout(&l.dir, Limits::default()).unwrap_err();
    assert!(matches!(err, Error::Missing { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains(&blob.file_name().unwrap().to_string_lossy().to_string()));
}

#[test]
fn decompression_bomb_hits_the_cap() {
    let tmp = customs_test::TempDir::new("bomb").unwrap();
    let zeros = vec![0u8; 8 << 20];
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("bomb", &zeros)])]);
    let limits = Limits {
        max_layer_uncompressed: 1 << 20,
        ..Limits::default()
    };
    let err = walk_dir_layout(&l.dir, limits).unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
    assert!(err.to_string().contains("--max-layer-bytes"), "{err}");
    // Per-file cap: the walk goes on, the file is not read, a warning says why.
    let limits = Limits {
        max_file_bytes: 1 << 20,
        ..Limits::default()
    };
    let r = walk_dir_layout(&l.dir, limits).unwrap();
    assert!(r.analysis.all("recorder").all(|x| x.path != "bomb"));
    assert!(r.analysis.warnings.iter().any(|w| w.subject == "/bomb"));
}

#[test]
fn oversized_and_malformed_json_are_refused() {
    let tmp = customs_test::TempDir::new("json").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", b"1")])]);
    let limits = Limits {
        max_manifest_bytes: 64,
        ..Limits::default()
    };
    let err = open(
        &target(&l.dir),
        &OpenOptions {
            limits,
            ..OpenOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
    std::fs::write(l.dir.join("index.json"), b"<html>not json</html>").unwrap();
    let err = open(&target(&l.dir), &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, Error::BadJson { .. }), "{err:?}");
}

#[test]
fn truncated_archive_is_a_bad_archive() {
    let Some(oci) = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar") else {
        return;
    };
    let tmp = customs_test::TempDir::new("tarcut").unwrap();
    let bytes = std::fs::read(oci).unwrap();
    let cut = tmp.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = open(
        &Target::parse(&format!("oci-layout:{}", cut.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::BadArchive { .. } | Error::Missing { .. }),
        "{err:?}"
    );
    let gz = tmp.path().join("cut.tar.gz");
    let docker = std::fs::read(
        customs_test::shared_path("images/debian-bookworm-minbase.docker.tar.gz").unwrap(),
    )
    .unwrap();
    std::fs::write(&gz, &docker[..docker.len() / 3]).unwrap();
    let err = open(
        &Target::parse(&format!("docker-archive:{}", gz.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::BadArchive { .. }), "{err:?}");
}

#[test]
fn schema1_manifest_is_refused_clearly() {
    let tmp = customs_test::TempDir::new("s1").unwrap();
    let l = oci_layout(tmp.path(), &[layer_tar(&[E::File("a", b"1")])]);
    let s1 = br#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#;
    let d = write_blob(&l.dir, s1);
    let index = serde_json::json!({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v1+json","digest":d,"size":s1.len()}]});
    std::fs::write(
        l.dir.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let err = open(&target(&l.dir), &OpenOptions::default()).unwrap_err();
    let chain = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(chain.contains("schema 1"), "{chain}");
}

/// Replaces the only layer blob with `blob`, updating the manifest and index
/// digests so that only the layer content is wrong.
fn rewrite_layer(dir: &std::path::Path, blob: &[u8]) {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let md = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("blobs/sha256").join(&md[7..])).unwrap())
            .unwrap();
    let d = write_blob(dir, blob);
    m["layers"][0]["digest"] = serde_json::json!(d);
    m["layers"][0]["size"] = serde_json::json!(blob.len());
    let mbytes = serde_json::to_vec(&m).unwrap();
    let nd = write_blob(dir, &mbytes);
    assert_eq!(nd, sha(&mbytes));
    let index = serde_json::json!({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":nd,"size":mbytes.len()}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A gzip archive is inflated into a temporary copy whose layer digests are
/// computed on the way; a changed byte inside a layer must still fail the
/// walk's digest check.
#[test]
fn tampered_layer_in_a_gzip_docker_archive_is_a_digest_mismatch() {
    walk_tampered_minbase(true);
}

/// A big layer of a plain archive is read ahead on a thread of its own and
/// handed over in chunks; a changed byte inside it must fail the walk's
/// digest check the same way.
#[test]
fn tampered_big_layer_in_a_plain_docker_archive_is_a_digest_mismatch() {
    walk_tampered_minbase(false);
}

/// Flips one byte in the middle of the minbase image's layer, writes the
/// archive (gzip-compressed or not) and walks it: the walk must fail.
fn walk_tampered_minbase(gzip: bool) {
    let Some(docker) = customs_test::shared_path("images/debian-bookworm-minbase.docker.tar.gz")
    else {
        return;
    };
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(docker).unwrap()),
        &mut plain,
    )
    .unwrap();
    // The biggest member is the layer tar.
    let (offset, size) = {
        let mut ar = tar::Archive::new(std::io::Cursor::new(plain.as_slice()));
        ar.entries_with_seek()
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.raw_file_position(), e.size()))
            .max_by_key(|&(_, size)| size)
            .unwrap()
    };
    // Big enough to be read ahead in many chunks.
    assert!(size > 16 << 20);
    // A byte inside file content far from the start: the tar still parses.
    let at = usize::try_from(offset + size / 2).unwrap();
    plain[at] ^= 0x01;
    let tmp = customs_test::TempDir::new("tamper").unwrap();
    let path = if gzip {
        let path = tmp.path().join("tampered.docker.tar.gz");
        std::fs::write(&path, crate::support::gzip(&plain)).unwrap();
        path
    } else {
        let path = tmp.path().join("tampered.docker.tar");
        std::fs::write(&path, &plain).unwrap();
        path
    };
    let t = Target::parse(&format!("docker-archive:{}", path.display())).unwrap();
    let image = open(&t, &OpenOptions::default()).unwrap();
    let err = walk(&image, &[], &WalkOptions::default()).unwrap_err();
    if gzip {
        assert!(
            matches!(
                err,
                Error::DigestMismatch { .. }
                    | Error::DiffIdMismatch { .. }
                    | Error::CorruptLayer { .. }
            ),
            "{err:?}"
        );
    } else {
        // The blob is the layer tar itself: its digest is checked first.
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    }
}

/// A gzip archive that inflates past the cap stops at the cap with a clear
/// error (the inflating thread must not wait forever for a writer that quit).
#[test]
fn gzip_archive_bomb_stops_at_the_cap() {
    let tmp = customs_test::TempDir::new("gz-bomb").unwrap();
    let zeros = vec![0u8; 64 << 20];
    let path = tmp.path().join("bomb.docker.tar.gz");
    std::fs::write(&path, crate::support::gzip(&zeros)).unwrap();
    let opts = OpenOptions {
        limits: Limits {
            max_total_uncompressed: 1 << 20,
            ..Limits::default()
        },
        ..OpenOptions::default()
    };
    let t = Target::parse(&format!("docker-archive:{}", path.display())).unwrap();
    let err = open(&t, &opts).unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
}
