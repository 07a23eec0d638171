//! The scanner through its public API: positions, inline markers, configuration,
//! allowlists, binaries, limits, redaction.

use customs_secrets::{sha256_hex, Config, RuleSet, ScanOptions, Scanner};

fn builtin() -> Scanner {
    Scanner::new(RuleSet::builtin(), ScanOptions::default())
}

fn gh() -> String {
    ["gh", "p_", "FAKE0fake1NotReal2TEST3test4FAKE0fak"].concat()
}

fn with_config(yaml: &str) -> Scanner {
    Scanner::new(
        RuleSet::from_config(&Config::from_yaml(yaml).unwrap()).unwrap(),
        ScanOptions::default(),
    )
}

#[test]
fn reports_lines_columns_and_hashes_without_the_secret() {
    let token = gh();
    let text = format!("first line\n\n  token_a = {token}\nagain {token}\n");
    let found = builtin().scan_bytes("app/x.conf", text.as_bytes());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].line, found[0].column), (3, 13));
    assert_eq!((found[1].line, found[1].column), (4, 7));
    assert_eq!(found[0].rule_id, "github-pat");
    assert_eq!(found[0].redacted, "ghp_****");
    assert_eq!(found[0].sha256, sha256_hex(token.as_bytes()));
    assert_eq!(found[0].sha256, found[1].sha256);
    let shown = format!("{found:?} {}", serde_json::to_string(&found).unwrap());
    assert!(!shown.contains(&token));
}

#[test]
fn inline_marker_suppresses_only_its_line() {
    let token = gh();
    let text = format!("a = {token} # customs:ignore-secret\nb = {token}\n");
    let found = builtin().scan_bytes("src/main.py", text.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 2);
}

#[test]
fn inline_marker_on_a_pem_begin_line() {
    let body = "FAKE0fake1NotReal+TEST/test".repeat(3);
    let pem = format!(
        "-----BEGIN RSA PRIV{}ATE KEY----- customs:ignore-secret\n{body}\n-----END RSA PRIVATE KEY-----\n",
        ""
    );
    // The marker is on the BEGIN line; the secret starts on the next line.
    assert!(builtin().scan_bytes("k.pem", pem.as_bytes()).is_empty());
}

#[test]
fn binaries_are_skipped_unless_asked() {
    let mut content = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    content.extend_from_slice(gh().as_bytes());
    assert!(builtin().scan_bytes("usr/bin/x", &content).is_empty());
    let opts = ScanOptions {
        scan_binaries: true,
        ..ScanOptions::default()
    };
    let found = Scanner::new(RuleSet::builtin(), opts).scan_bytes("usr/bin/x", &content);
    assert_eq!(found.len(), 1);
}

#[test]
fn size_cap_and_match_cap_bound_the_work() {
    let line = format!("{}\n", gh());
    let text = line.repeat(50);
    let opts = ScanOptions {
        max_matches_per_file: 7,
        ..ScanOptions::default()
    };
    assert_eq!(
        Scanner::new(RuleSet::builtin(), opts)
            .scan_bytes("a", text.as_bytes())
            .len(),
        7
    );
    let opts = ScanOptions {
        max_file_size: line.len() * 2,
        ..ScanOptions::default()
    };
    assert_eq!(
        Scanner::new(RuleSet::builtin(), opts)
            .scan_bytes("a", text.as_bytes())
            .len(),
        2
    );
}

#[test]
fn config_custom_rule_disable_and_allowlists() {
    let acme = ["ac", "me_", "fake0test1notreal2zz9fake0test1n"].concat();
    let yaml = r#"
rules:
  - id: acme-token
    title: ACME token
    severity: critical
    keywords: [acme_]
    regex: '\b(acme_[a-z0-9]{32})\b'
    secret_group: 1
disable: [github-pat]
"#;
    let s = with_config(yaml);
    let found = s.scan_bytes("app/.env", format!("ACME={acme}\nGH={}\n", gh()).as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule_id, "acme-token");
    assert_eq!(found[0].severity, customs_model::Severity::Critical);

    // Allow by path, by regex, by hash.
    let s = with_config("allow:\n  paths: ['(^|/)fixtures/']\n");
    assert!(s
        .scan_bytes("src/fixtures/creds.txt", gh().as_bytes())
        .is_empty());
    assert_eq!(s.scan_bytes("src/creds.txt", gh().as_bytes()).len(), 1);
    let s = with_config("allow:\n  regexes: ['NotReal2TEST']\n");
    assert!(s.scan_bytes("a", gh().as_bytes()).is_empty());
    let hash = sha256_hex(gh().as_bytes());
    let s = with_config(&format!("allow:\n  sha256: ['{}']\n", hash.to_uppercase()));
    assert!(s.scan_bytes("a", gh().as_bytes()).is_empty());
}

#[test]
fn custom_rule_without_keywords_scans_whole_file() {
    let s = with_config("rules:\n  - id: magic\n    regex: 'MAGIC-[0-9]{6}'\n");
    let found = s.scan_bytes("a", b"x\ny MAGIC-123456 z\n");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column), (2, 3));
}

#[test]
fn certificates_are_not_private_keys() {
    let body = "FAKE0fake1NotReal+TEST/test".repeat(3);
    let mut bundle = String::new();
    for _ in 0..3 {
        bundle.push_str(&format!(
            "-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
        ));
    }
    assert!(builtin()
        .scan_bytes("etc/ssl/certs/ca-certificates.crt", bundle.as_bytes())
        .is_empty());
}

#[test]
fn specific_rule_wins_over_generic_on_the_same_bytes() {
    let text = format!("GITHUB_TOKEN={}\n", gh());
    let found = builtin().scan_text("config:Env", &text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule_id, "github-pat");
}

#[test]
fn text_without_keywords_or_with_broken_bytes_gives_nothing() {
    assert!(builtin().scan_bytes("a", b"").is_empty());
    assert!(builtin()
        .scan_bytes("a", b"just some prose about nothing in particular\n")
        .is_empty());
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 | 0x80)
        .collect();
    assert!(builtin().scan_bytes("a", &junk).is_empty());
}
