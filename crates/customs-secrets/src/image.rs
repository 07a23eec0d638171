//! Secrets of a whole image: its config (Env, Labels, Entrypoint/Cmd, healthcheck,
//! history) and the per-file records the layer walk produced with [`SecretAnalyzer`].
//!
//! [`SecretAnalyzer`]: crate::SecretAnalyzer

use std::collections::HashMap;

use customs_model::analysis::Analysis;
use customs_model::Digest;
use customs_oci::ImageConfig;
use serde::{Deserialize, Serialize};

use crate::{Scanner, SecretMatch};

/// The analyzer id whose records [`image_findings`] reads.
pub const ANALYZER_ID: &str = "secrets";

/// A secret in an image config. `location` says where:
///
/// - `config:Env[2]`: the third `Env` entry. The whole `NAME=value` text is scanned, so
///   rules gated on the name (`DB_PASSWORD=…`, `GITLAB_TOKEN=…`) apply as in a `.env` file;
/// - `config:Labels[key]`: a label, scanned as `key=value`;
/// - `config:Entrypoint`, `config:Cmd`, `config:Healthcheck`: the arguments joined by spaces;
/// - `history[5]`: the `created_by` line of the sixth history entry (build-time `ARG`s
///   show up there as `|1 TOKEN=… /bin/sh -c …`, `ENV` steps as `ENV X=…`), with
///   [`ConfigSecret::history_index`] set.
///
/// Line and column in [`ConfigSecret::secret`] are relative to that text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSecret {
    /// Where in the config.
    pub location: String,
    /// Index into the config's `history` for `history[N]` locations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_index: Option<usize>,
    /// The finding (redacted).
    pub secret: SecretMatch,
}

/// Scans an image config's `Env`, `Labels`, `Entrypoint`, `Cmd`, healthcheck test and
/// every history `created_by` line. Takes the parsed [`ImageConfig`] (what
/// `customs-image` opens) so callers do not re-parse the config JSON.
///
/// Findings come in config order (Env, Labels, Entrypoint, Cmd, Healthcheck, history).
/// The same secret in several places (an `ENV` step shows up both in `Env` and in its
/// history line) is reported at each place, with the same [`SecretMatch::sha256`].
pub fn scan_image_config(scanner: &Scanner, config: &ImageConfig) -> Vec<ConfigSecret> {
    let mut texts: Vec<(String, Option<usize>, String)> = Vec::new();
    if let Some(rc) = &config.config {
        for (i, env) in rc.env.iter().flatten().enumerate() {
            texts.push((format!("config:Env[{i}]"), None, env.clone()));
        }
        for (k, v) in rc.labels.iter().flatten() {
            texts.push((format!("config:Labels[{k}]"), None, format!("{k}={v}")));
        }
        for (name, args) in [("Entrypoint", &rc.entrypoint), ("Cmd", &rc.cmd)] {
            if let Some(args) = args {
                texts.push((format!("config:{name}"), None, args.join(" ")));
            }
        }
        if let Some(test) = rc.healthcheck.as_ref().and_then(|h| h.test.as_ref()) {
            texts.push(("config:Healthcheck".to_owned(), None, test.join(" ")));
        }
    }
    for (i, h) in config.history.iter().enumerate() {
        if let Some(line) = &h.created_by {
            texts.push((format!("history[{i}]"), Some(i), line.clone()));
        }
    }
    let mut out = Vec::new();
    for (location, history_index, text) in texts {
        for secret in scanner.scan_text(&location, &text) {
            out.push(ConfigSecret {
                location: location.clone(),
                history_index,
                secret,
            });
        }
    }
    out
}

/// A secret in a file of an image layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSecret {
    /// Absolute path in the image (`/app/config/aws-credentials`).
    pub path: String,
    /// Index of the layer that added the file version holding the secret (0 = base);
    /// the earliest such layer when later layers re-add the same secret at the same path.
    pub layer_index: usize,
    /// Digest of that layer's blob, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<Digest>,
    /// DiffID of that layer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_diff_id: Option<Digest>,
    /// The history `created_by` line of that layer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Later layers that added the same secret at the same path again (a file copied
    /// unchanged, or rewritten with the secret kept), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<usize>,
    /// `None` when a file holding the secret is in the final filesystem; otherwise the
    /// layer that deleted or replaced the last version holding it. A secret in a deleted
    /// file is still in the image: anyone who pulls it gets the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<usize>,
    /// The finding (redacted; line and column in the earliest version).
    pub secret: SecretMatch,
}

impl LayerSecret {
    /// Whether the secret is in the final filesystem.
    pub fn is_present(&self) -> bool {
        self.removed_in.is_none()
    }
}

/// Turns the walk's records of the [`ANALYZER_ID`] analyzer into findings, deleted and
/// replaced files included.
///
/// Deduplication: one finding per (path, rule, secret hash, occurrence in the file).
/// Every layer of an image is pulled, so a secret leaks through the first layer that
/// holds it; later layers that add the same file (or the same secret in a new version
/// of it) again are listed in [`LayerSecret::also_in`] instead of making new findings,
/// so one leaked key at one path is one line of a report. The same secret at another
/// path is another finding (a separate copy to remove). The finding is present if any
/// version holding it is. Like Trivy, the finding names the layer (digest, diffID and
/// `created_by`) that introduced it.
///
/// Records whose value is not a list of [`SecretMatch`] (another analyzer version) are
/// skipped. Findings are sorted by path, then line.
pub fn image_findings(analysis: &Analysis) -> Vec<LayerSecret> {
    let mut out: Vec<LayerSecret> = Vec::new();
    let mut seen: HashMap<(String, String, String, usize), usize> = HashMap::new();
    let mut records: Vec<_> = analysis.all(ANALYZER_ID).collect();
    records.sort_by(|a, b| (&a.path, a.layer).cmp(&(&b.path, b.layer)));
    for record in records {
        let Ok(matches) = serde_json::from_value::<Vec<SecretMatch>>(record.value.clone()) else {
            continue;
        };
        let mut ordinal: HashMap<(String, String), usize> = HashMap::new();
        for m in matches {
            let n = ordinal
                .entry((m.rule_id.clone(), m.sha256.clone()))
                .or_default();
            *n += 1;
            let key = (record.path.clone(), m.rule_id.clone(), m.sha256.clone(), *n);
            if let Some(&i) = seen.get(&key) {
                if let Some(f) = out.get_mut(i) {
                    if f.layer_index != record.layer && !f.also_in.contains(&record.layer) {
                        f.also_in.push(record.layer);
                    }
                    // Records come in layer order: the latest version decides presence.
                    f.removed_in = record.removed_in;
                }
                continue;
            }
            let location = analysis.location(record);
            seen.insert(key, out.len());
            out.push(LayerSecret {
                path: location.path,
                layer_index: record.layer,
                layer_digest: location.layer_digest,
                layer_diff_id: location.layer_diff_id,
                created_by: analysis
                    .layer(record.layer)
                    .and_then(|l| l.created_by.clone()),
                also_in: Vec::new(),
                removed_in: record.removed_in,
                secret: m,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.path, a.secret.line, a.secret.column).cmp(&(&b.path, b.secret.line, b.secret.column))
    });
    out
}

#[cfg(test)]
mod tests {
    use customs_model::analysis::{FileRecord, LayerRef};

    use super::*;
    use crate::{RuleSet, ScanOptions};

    fn scanner() -> Scanner {
        Scanner::new(RuleSet::builtin(), ScanOptions::default())
    }

    fn token() -> String {
        ["gl", "pat-", "customsTESTfake00001"].concat()
    }

    #[test]
    fn config_env_labels_commands_and_history() {
        let t = token();
        let json = serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "config": {
                "Env": ["PATH=/usr/bin", format!("GITLAB_TOKEN={t}"), "DB_PASSWORD=Zq8NotReal9Lp2x"],
                "Labels": {"ci.token": t, "maintainer": "someone"},
                "Cmd": ["sh", "-c", format!("curl -H 'PRIVATE-TOKEN: {t}' x")],
            },
            "history": [
                {"created_by": "/bin/sh -c #(nop) ADD file:abc in /"},
                {"created_by": format!("|1 GITLAB_TOKEN={t} /bin/sh -c make"), "empty_layer": false},
                {"created_by": "/bin/sh -c apt-get install -y curl"},
            ],
        });
        let config: ImageConfig = serde_json::from_value(json).unwrap();
        let found = scan_image_config(&scanner(), &config);
        let at: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.location.as_str(), f.secret.rule_id.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                ("config:Env[1]", "gitlab-pat"),
                ("config:Env[2]", "generic-password-assignment"),
                ("config:Labels[ci.token]", "gitlab-pat"),
                ("config:Cmd", "gitlab-pat"),
                ("history[1]", "gitlab-pat"),
            ]
        );
        assert_eq!(found[4].history_index, Some(1));
        assert!(found.iter().all(|f| !format!("{f:?}").contains(&t)));
        assert_eq!(found[0].secret.sha256, found[4].secret.sha256);
    }

    fn record(path: &str, layer: usize, removed_in: Option<usize>, text: &str) -> FileRecord {
        let found = scanner().scan_bytes(path, text.as_bytes());
        FileRecord {
            analyzer: ANALYZER_ID.to_owned(),
            path: path.to_owned(),
            layer,
            removed_in,
            value: serde_json::to_value(found).unwrap(),
        }
    }

    #[test]
    fn findings_dedup_across_layers_and_keep_deleted_files() {
        let t = token();
        let line = format!("token = {t}\n");
        let layers = (0..4)
            .map(|index| LayerRef {
                index,
                digest: None,
                diff_id: None,
                created_by: Some(format!("step {index}")),
            })
            .collect();
        let analysis = Analysis {
            layers,
            records: vec![
                // Added in 1, copied unchanged in 2 (replacing it), deleted in 3.
                record("app/.env", 1, Some(2), &line),
                record("app/.env", 2, Some(3), &format!("# moved\n{line}")),
                // Same secret at another path, present.
                record("etc/app.conf", 2, None, &line),
                // Another analyzer's record is ignored.
                FileRecord {
                    analyzer: "dpkg".into(),
                    path: "x".into(),
                    layer: 0,
                    removed_in: None,
                    value: serde_json::json!([]),
                },
            ],
            warnings: Vec::new(),
        };
        let found = image_findings(&analysis);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].path, "/app/.env");
        assert_eq!(found[0].layer_index, 1);
        assert_eq!(found[0].also_in, vec![2]);
        assert_eq!(found[0].removed_in, Some(3));
        assert_eq!(found[0].secret.line, 1);
        assert_eq!(found[0].created_by.as_deref(), Some("step 1"));
        assert_eq!(found[1].path, "/etc/app.conf");
        assert!(found[1].is_present());
        assert_eq!(found[1].layer_index, 2);
    }
}
