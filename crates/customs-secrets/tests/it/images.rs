//! Runs the scanner over every regular file of every layer (deleted files included) and
//! over the config's Env, labels and history of the fixture images in `../shared/images`.

use std::collections::HashMap;
use std::io::Read;

use customs_model::analysis::{EntryKind, FileAnalyzer, FileMeta, Interest};
use customs_secrets::{RuleSet, ScanOptions, Scanner, SecretAnalyzer, SecretMatch};

/// One finding with where it was found.
#[derive(Debug)]
struct Found {
    /// Layer index (0 = base) or `None` for the config.
    layer: Option<usize>,
    path: String,
    m: SecretMatch,
}

/// Reads an OCI layout tar into memory: blob digest hex → bytes.
fn read_oci(path: &std::path::Path) -> HashMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(file);
    let mut blobs = HashMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        blobs.insert(name.trim_start_matches("blobs/sha256/").to_owned(), data);
    }
    blobs
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn hex_of(digest: &serde_json::Value) -> String {
    digest
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned()
}

/// Scans an image the way the layer walk will: every regular file offered to the
/// analyzer, plus config text through the scanner.
fn scan_image(file: &str) -> Option<(Vec<Found>, usize)> {
    let path = customs_test::shared_path(&format!("images/{file}"))?;
    let blobs = read_oci(&path);
    let index = json(&blobs["index.json"]);
    let manifest = json(&blobs[&hex_of(&index["manifests"][0]["digest"])]);
    let config = json(&blobs[&hex_of(&manifest["config"]["digest"])]);

    let analyzer = SecretAnalyzer::new(Scanner::new(RuleSet::builtin(), ScanOptions::default()));
    let mut found = Vec::new();
    let mut files = 0;
    for (layer, desc) in manifest["layers"].as_array().unwrap().iter().enumerate() {
        let gz = &blobs[&hex_of(&desc["digest"])];
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&gz[..]));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let meta = FileMeta {
                path: &path,
                kind: EntryKind::Regular,
                size: entry.size(),
                mode: entry.header().mode().unwrap(),
                uid: 0,
                gid: 0,
                link_target: None,
            };
            if analyzer.interest(&meta) != Interest::Content {
                continue;
            }
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            files += 1;
            if let Some(value) = analyzer.analyze(&meta, &data) {
                let matches: Vec<SecretMatch> = serde_json::from_value(value).unwrap();
                for m in matches {
                    found.push(Found {
                        layer: Some(layer),
                        path: path.clone(),
                        m,
                    });
                }
            }
        }
    }
    let scanner = analyzer.scanner();
    let cfg = &config["config"];
    let mut texts: Vec<(String, String)> = Vec::new();
    for env in cfg["Env"].as_array().into_iter().flatten() {
        texts.push(("config:Env".into(), env.as_str().unwrap().to_owned()));
    }
    for (k, v) in cfg["Labels"].as_object().into_iter().flatten() {
        texts.push((
            format!("config:Labels:{k}"),
            v.as_str().unwrap_or_default().to_owned(),
        ));
    }
    for key in ["Entrypoint", "Cmd"] {
        if let Some(list) = cfg[key].as_array() {
            let joined: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
            texts.push((format!("config:{key}"), joined.join(" ")));
        }
    }
    for h in config["history"].as_array().into_iter().flatten() {
        if let Some(line) = h["created_by"].as_str() {
            texts.push(("config:history".into(), line.to_owned()));
        }
    }
    for (context, text) in texts {
        for m in scanner.scan_text(&context, &text) {
            found.push(Found {
                layer: None,
                path: context.clone(),
                m,
            });
        }
    }
    Some((found, files))
}

fn describe(found: &[Found]) -> String {
    found
        .iter()
        .map(|f| {
            format!(
                "{:?} {} {}:{} {} {}",
                f.layer, f.path, f.m.line, f.m.column, f.m.rule_id, f.m.redacted
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn polyglot_app_planted_secrets_are_found() {
    let Some((found, files)) = scan_image("polyglot-app.oci.tar") else {
        return;
    };
    eprintln!(
        "polyglot-app: {files} text files scanned, {} findings:\n{}",
        found.len(),
        describe(&found)
    );
    let has = |rule: &str, path: &str, layer: Option<usize>, line: usize, prefix: &str| {
        found.iter().any(|f| {
            f.m.rule_id == rule
                && f.path == path
                && f.layer == layer
                && f.m.line == line
                && f.m.redacted.starts_with(prefix)
        })
    };
    // Layer 8 (index 7) holds the AWS pair and the deleted deploy key.
    assert!(
        has(
            "aws-access-key-id",
            "app/config/aws-credentials",
            Some(7),
            3,
            "AKIA"
        ),
        "{}",
        describe(&found)
    );
    assert!(
        has(
            "aws-secret-access-key",
            "app/config/aws-credentials",
            Some(7),
            4,
            "wJal"
        ),
        "{}",
        describe(&found)
    );
    assert!(
        has(
            "private-key-rsa",
            "app/config/deploy-key.pem",
            Some(7),
            2,
            "MIIE"
        ),
        "{}",
        describe(&found)
    );
    assert!(
        has("gitlab-pat", "config:Env", None, 1, "glpa"),
        "{}",
        describe(&found)
    );
    assert!(
        has("gitlab-pat", "config:history", None, 1, "glpa"),
        "{}",
        describe(&found)
    );
    // The same GitLab token in Env and history hashes the same.
    let gl: Vec<&Found> = found
        .iter()
        .filter(|f| f.m.rule_id == "gitlab-pat")
        .collect();
    assert!(gl.windows(2).all(|w| w[0].m.sha256 == w[1].m.sha256));
    // Nothing is reported in full.
    for f in &found {
        assert!(f.m.redacted.ends_with("****"));
        assert_eq!(f.m.sha256.len(), 64);
    }
    // Beyond the planted five, exactly one more: the Coveralls repository token that the
    // `debug` package really shipped in its npm tarball (`repo_token:` in .coveralls.yml,
    // a dev dependency present only in layer 3). It is a real credential, not a false
    // positive; anything else would be.
    let others: Vec<&Found> = found
        .iter()
        .filter(|f| {
            ![
                "aws-access-key-id",
                "aws-secret-access-key",
                "private-key-rsa",
                "gitlab-pat",
            ]
            .contains(&f.m.rule_id.as_str())
        })
        .collect();
    eprintln!(
        "polyglot-app: {} findings beyond the planted ones",
        others.len()
    );
    assert!(
        others
            .iter()
            .all(|f| f.path == "app/node_modules/debug/.coveralls.yml"
                && f.m.rule_id == "generic-token-assignment"),
        "unexpected findings:\n{}",
        describe(&found)
    );
    assert_eq!(found.len(), 5 + others.len());
    assert!(others.len() <= 1);
}

#[test]
fn debian_base_has_no_findings() {
    let Some((found, files)) = scan_image("debian-bookworm-minbase.oci.tar") else {
        return;
    };
    eprintln!(
        "debian: {files} text files scanned, {} findings",
        found.len()
    );
    assert!(files > 1000, "only {files} files scanned");
    assert!(found.is_empty(), "false positives:\n{}", describe(&found));
}
