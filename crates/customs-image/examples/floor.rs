//! The physical floor of walking an image on this machine, single core:
//! for an OCI layout tar, the time to inflate every gzip layer with the same
//! inflate library, built the same way, as the walker (the deflate data
//! only: no CRC-32, which the walk does not compute either); for a docker
//! archive, the time to SHA-256 every layer tar (the bytes read on another
//! thread, as the walk does). `scripts/bench-walk.sh` divides by the core
//! count.
//!
//!     cargo run --release -p customs-image --example floor -- oci|docker FILE
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

use std::io::{BufRead as _, Read};
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
            let mut r = std::io::BufReader::with_capacity(256 << 10, blob);
            // Each gzip member: header, deflate data, 8-byte trailer.
            while !r.fill_buf()?.is_empty() {
                skip_gzip_header(&mut r)?;
                let mut inflate = flate2::bufread::DeflateDecoder::new(&mut r);
                loop {
                    let n = inflate.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    bytes += n as u64;
                }
                let mut trailer = [0u8; 8];
                r.read_exact(&mut trailer)?;
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

/// Reads a gzip member header (RFC 1952) up to its deflate data.
fn skip_gzip_header(r: &mut impl Read) -> std::io::Result<()> {
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)?;
    if fixed[..3] != [0x1f, 0x8b, 8] {
        return Err(std::io::Error::other("not a gzip member"));
    }
    let flags = fixed[3];
    if flags & 0x04 != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len)?;
        std::io::copy(
            &mut r.take(u64::from(u16::from_le_bytes(len))),
            &mut std::io::sink(),
        )?;
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            let mut byte = [0u8; 1];
            loop {
                r.read_exact(&mut byte)?;
                if byte[0] == 0 {
                    break;
                }
            }
        }
    }
    if flags & 0x02 != 0 {
        let mut crc16 = [0u8; 2];
        r.read_exact(&mut crc16)?;
    }
    Ok(())
}
