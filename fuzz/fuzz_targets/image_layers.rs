#![no_main]
//! Layer tars behind a valid docker-archive: the fuzzed bytes are split into
//! up to three layers (at `\n--layer--\n`), each a tar (or gzip/zstd of one)
//! as an image author could write it, and wrapped in a manifest and config
//! whose digests match, so every run gets past verification into the layer
//! walk: tar parsing, whiteouts, path normalisation, links, the merge.
//! Analyzers: all catalogers plus secrets, as in a real scan.

use std::sync::OnceLock;

use customs_image::{open, walk, Limits, OpenOptions, Target, WalkOptions};
use customs_model::analysis::FileAnalyzer;
use libfuzzer_sys::fuzz_target;

fn analyzers() -> &'static Vec<Box<dyn FileAnalyzer>> {
    static A: OnceLock<Vec<Box<dyn FileAnalyzer>>> = OnceLock::new();
    A.get_or_init(|| {
        let mut a = customs_catalog::analyzers();
        let scanner = customs_secrets::Scanner::new(
            customs_secrets::RuleSet::builtin(),
            customs_secrets::ScanOptions::default(),
        );
        a.push(Box::new(customs_secrets::SecretAnalyzer::new(scanner)));
        a
    })
}

fn small_limits() -> Limits {
    Limits {
        max_manifest_bytes: 64 << 10,
        max_config_bytes: 64 << 10,
        max_total_uncompressed: 4 << 20,
        max_layer_uncompressed: 2 << 20,
        max_file_bytes: 64 << 10,
        max_entries_per_layer: 1000,
        max_index_depth: 4,
        max_symlink_hops: 40,
    }
}

fn build_archive(layers: &[&[u8]]) -> Vec<u8> {
    let mut diff_ids = Vec::new();
    let mut names = Vec::new();
    let mut out = tar::Builder::new(Vec::new());
    for (i, layer) in layers.iter().enumerate() {
        // The diffID is of the uncompressed tar; for a compressed fuzzed layer
        // it will not match, which is a (correctly) failing open.
        diff_ids.push(customs_fuzz::sha256_digest(layer));
        let name = format!("layer{i}.tar");
        customs_fuzz::tar_append(&mut out, &name, layer);
        names.push(name);
    }
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": layers.iter().map(|_| serde_json::json!({"created_by": "RUN fuzz"})).collect::<Vec<_>>(),
    });
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let config_hex = customs_fuzz::sha256_digest(&config);
    let config_name = format!("{}.json", config_hex.trim_start_matches("sha256:"));
    customs_fuzz::tar_append(&mut out, &config_name, &config);
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["fuzz:latest"],
        "Layers": names,
    }]);
    let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
    customs_fuzz::tar_append(&mut out, "manifest.json", &manifest);
    out.into_inner().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let mut layers: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while layers.len() < 2 {
        let (a, b) = customs_fuzz::split2(rest, b"\n--layer--\n");
        layers.push(a);
        if b.is_empty() {
            rest = b;
            break;
        }
        rest = b;
    }
    if !rest.is_empty() {
        layers.push(rest);
    }
    let archive = build_archive(&layers);
    let Some(path) = customs_fuzz::write_scratch("layers.tar", &archive) else {
        return;
    };
    let opts = OpenOptions {
        platform: None,
        limits: small_limits(),
        temp_dir: customs_fuzz::scratch_dir(),
        registry: Default::default(),
    };
    let image = match open(
        &Target::DockerArchive {
            path,
            selector: None,
        },
        &opts,
    ) {
        Ok(i) => i,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let wopts = WalkOptions {
        limits: small_limits(),
        threads: 1,
        ..WalkOptions::default()
    };
    if let Ok(result) = walk(&image, analyzers(), &wopts) {
        let _ = customs_catalog::assemble(&result.analysis, &customs_catalog::Options::default());
    }
});
