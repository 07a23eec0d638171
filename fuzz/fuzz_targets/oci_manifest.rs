#![no_main]
//! Manifest / index bodies as a registry or a layout hands them over, with the
//! Content-Type picked by the first byte.

use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/vnd.oci.image.manifest.v1+json"),
    Some("application/vnd.oci.image.index.v1+json"),
    Some("application/vnd.docker.distribution.manifest.v2+json"),
    Some("application/vnd.docker.distribution.manifest.list.v2+json"),
    Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let ct = CONTENT_TYPES[usize::from(sel) % CONTENT_TYPES.len()];
    match customs_oci::parse_manifest_kind(body, ct) {
        Ok(customs_oci::ManifestKind::Index(index)) => {
            let _ = index.platforms();
            let _ = index.select(&customs_oci::Platform::host());
            let _ = serde_json::to_vec(&index);
        }
        Ok(customs_oci::ManifestKind::Manifest(m)) => {
            let _ = serde_json::to_vec(&m);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
