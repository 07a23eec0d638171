#![no_main]
//! A whole archive as the user hands it over: the bytes become a file that is
//! opened as a docker-archive or an OCI-layout tar (first byte, bit 0) and
//! walked with no analyzers under small limits. With bit 1 set the bytes are
//! gzip-compressed first, so the fuzzer explores tar structure inside a gzip
//! archive too (inflated into a temporary copy while its members are hashed).

use customs_image::{open, walk, Limits, OpenOptions, Target, WalkOptions};
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let gzipped;
    let body = if sel & 2 != 0 {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if gz.write_all(body).is_err() {
            return;
        }
        let Ok(bytes) = gz.finish() else {
            return;
        };
        gzipped = bytes;
        gzipped.as_slice()
    } else {
        body
    };
    let Some(path) = customs_fuzz::write_scratch("archive.tar", body) else {
        return;
    };
    let target = if sel & 1 == 0 {
        Target::DockerArchive {
            path,
            selector: None,
        }
    } else {
        Target::OciLayout {
            path,
            selector: None,
        }
    };
    let opts = OpenOptions {
        platform: Some("linux/amd64".parse().unwrap_or_default()),
        limits: small_limits(),
        temp_dir: customs_fuzz::scratch_dir(),
        registry: Default::default(),
    };
    let Ok(image) = open(&target, &opts) else {
        return;
    };
    let _ = image.platform();
    let wopts = WalkOptions {
        limits: small_limits(),
        threads: 1,
        ..WalkOptions::default()
    };
    let _ = walk(&image, &[], &wopts);
});
