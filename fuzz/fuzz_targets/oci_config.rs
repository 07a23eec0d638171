#![no_main]
//! The image config blob, and what callers derive from it.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cfg) = serde_json::from_slice::<customs_oci::ImageConfig>(data) {
        let _ = cfg.platform();
        let _ = cfg.layer_history();
        if let Some(rc) = &cfg.config {
            let _ = rc.env_names();
        }
        let _ = serde_json::to_vec(&cfg);
    }
});
