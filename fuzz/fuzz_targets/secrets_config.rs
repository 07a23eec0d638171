#![no_main]
//! A repository's secret-scanning configuration (YAML with custom rules,
//! regexes and allowlists, before `\n---scan---\n`), compiled and run over
//! the text after it.

use customs_secrets::{Config, RuleSet, ScanOptions, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cfg, content) = customs_fuzz::split2(data, b"\n---scan---\n");
    let Ok(cfg) = std::str::from_utf8(cfg) else {
        return;
    };
    let Ok(cfg) = Config::from_yaml(cfg) else {
        return;
    };
    let Ok(rules) = RuleSet::from_config(&cfg) else {
        return;
    };
    let scanner = Scanner::new(rules, ScanOptions::default());
    let _ = scanner.scan_bytes("app/config.yaml", content);
});
