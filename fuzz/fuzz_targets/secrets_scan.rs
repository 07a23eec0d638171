#![no_main]
//! File content scanned by the built-in secret rules (the first byte picks
//! the path, since some rules apply to certain paths only).

use std::sync::OnceLock;

use customs_secrets::{RuleSet, ScanOptions, Scanner};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "app/config.env",
    "home/user/.aws/credentials",
    "root/.ssh/id_rsa",
    "app/settings.py",
    "app/.npmrc",
    "app/.git-credentials",
    "etc/docker/config.json",
    "app/data.bin",
];

fn scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| {
        Scanner::new(
            RuleSet::builtin(),
            ScanOptions {
                scan_binaries: true,
                ..ScanOptions::default()
            },
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    for m in scanner().scan_bytes(path, content) {
        let _ = serde_json::to_string(&m);
    }
});
