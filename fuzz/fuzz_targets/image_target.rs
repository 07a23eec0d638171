#![no_main]
//! Target strings (`docker-archive:PATH[:TAG|@DIGEST]`, `oci-layout:`, `dir:`,
//! `registry:`, bare references), as typed on the command line.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // Parsing probes the file system for bare paths; keep inputs short.
    if s.len() > 512 || s.contains('\0') {
        return;
    }
    if let Ok(t) = customs_image::Target::parse(s) {
        let _ = t.to_string();
    }
});
