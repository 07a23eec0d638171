//! The physical floor of walking an image on this machine, single core:
//! for an OCI layout tar, the time to inflate every gzip layer with the same
//! inflate library the walker uses; for a docker archive, the time to SHA-256
//! every layer tar (the bytes read on another thread, as the walk does). `scripts/bench-walk.sh` divides by the core count.
//!
//!     cargo run --release -p customs-image --example floor -- oci|docker FILE
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

use std::io::Read;
use std::time::Instant;

use customs_image::source::{Chunk, ChunkRead as _};
use customs_image::{open, OpenOptions, Target};
use sha2::Digest as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (kind, file) = match args.as_slice() {
        [_, k, f] => (k.clone(), f.clone()),
        _ => return Err("usage: floor oci|docker FILE".into()),
    };
    let target = match kind.as_str() {
        "oci" => Target::parse(&format!("oci-layout:{file}"))?,
        _ => Target::parse(&format!("docker-archive:{file}"))?,
    };
    let image = open(&target, &OpenOptions::default())?;
    let mut buf = vec![0u8; 1 << 20];
    let start = Instant::now();
    let mut bytes = 0u64;
    for layer in &image.layers {
        let blob = image.open_layer_blob(layer)?;
        if kind == "oci" {
            let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(
                256 << 10,
                blob,
            ));
            loop {
                let n = gz.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                bytes += n as u64;
            }
        } else {
            // Big blobs are read ahead on another thread and handed over
            // without a copy (as the walk reads them), so this times the
            // hashing alone.
            let mut r = blob;
            let mut chunk = Chunk::heap(1 << 20);
            let mut h = sha2::Sha256::new();
            loop {
                let n = r.read_chunk(&mut chunk)?;
                if n == 0 {
                    break;
                }
                h.update(chunk.get(..n).unwrap_or(&[]));
                bytes += n as u64;
            }
            let _ = h.finalize();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{secs:.3} {bytes}");
    Ok(())
}
