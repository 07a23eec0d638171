//! Inputs shared by the secret-scanning benchmarks.
#![allow(dead_code, unreachable_pub)]

use std::io::Read;

use customs_secrets::is_binary;

/// Every regular non-binary file (up to 10 MiB) of every layer of both fixture images,
/// with its path, appended to `out`; `None` when the images are absent.
pub fn image_files(out: &mut Vec<(String, Vec<u8>)>) -> Option<()> {
    for image in ["debian-bookworm-minbase.oci.tar", "polyglot-app.oci.tar"] {
        let path = customs_test::shared_path(&format!("images/{image}"))?;
        let mut outer = tar::Archive::new(std::fs::File::open(path).ok()?);
        for entry in outer.entries().ok()? {
            let mut entry = entry.ok()?;
            let mut blob = Vec::new();
            entry.read_to_end(&mut blob).ok()?;
            if !blob.starts_with(&[0x1f, 0x8b]) {
                continue;
            }
            let mut layer = tar::Archive::new(flate2::read::GzDecoder::new(&blob[..]));
            for e in layer.entries().ok()? {
                let mut e = e.ok()?;
                if e.header().entry_type() != tar::EntryType::Regular {
                    continue;
                }
                let name = e.path().ok()?.to_string_lossy().into_owned();
                let mut data = Vec::new();
                e.read_to_end(&mut data).ok()?;
                if !data.is_empty() && data.len() <= 10 << 20 && !is_binary(&data) {
                    out.push((name, data));
                }
            }
        }
    }
    Some(())
}
