//! The [`FileAnalyzer`] that plugs the scanner into the layer walk.

use customs_model::analysis::{EntryKind, FileAnalyzer, FileMeta, Interest};

use crate::Scanner;

/// Runs a [`Scanner`] over every regular file of every layer (deleted ones included, as
/// the walker offers them) up to the scanner's per-file size cap. The value per file is
/// the JSON of a `Vec<SecretMatch>`.
///
/// No directory is skipped wholesale: CA bundles under `/etc/ssl/certs` or
/// `/usr/share/ca-certificates` hold certificates, which no private-key rule matches.
#[derive(Debug)]
pub struct SecretAnalyzer {
    scanner: Scanner,
}

impl SecretAnalyzer {
    /// Wraps a scanner.
    pub fn new(scanner: Scanner) -> Self {
        Self { scanner }
    }

    /// The wrapped scanner (for the image config's `Env`, labels and history).
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }
}

impl FileAnalyzer for SecretAnalyzer {
    fn id(&self) -> &'static str {
        "secrets"
    }

    fn version(&self) -> u32 {
        // 2: built-in keywords spelled exactly by a case-sensitive regex only count in
        // that case (cached layer results of version 1 may differ).
        // 3: third-party paths (DEFAULT_ALLOW_PATHS) are skipped by default.
        // 4: lists of allowed values (`true|false`) are placeholders, not secrets.
        4
    }

    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        let cap = u64::try_from(self.scanner.options().max_file_size).unwrap_or(u64::MAX);
        if meta.kind != EntryKind::Regular
            || meta.size == 0
            || meta.size > cap
            || is_whiteout(meta.path)
            || self.scanner.rules().is_path_allowed(meta.path)
        {
            return Interest::None;
        }
        Interest::Content
    }

    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let found = self.scanner.scan_bytes(meta.path, content);
        if found.is_empty() {
            return None;
        }
        serde_json::to_value(found).ok()
    }
}

fn is_whiteout(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with(".wh."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RuleSet, ScanOptions};

    fn meta(path: &str, size: u64, kind: EntryKind) -> FileMeta<'_> {
        FileMeta {
            path,
            kind,
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: None,
        }
    }

    #[test]
    fn interest_and_analysis() {
        let a = SecretAnalyzer::new(Scanner::new(RuleSet::builtin(), ScanOptions::default()));
        assert_eq!(a.id(), "secrets");
        assert_eq!(
            a.interest(&meta("etc/app.conf", 10, EntryKind::Regular)),
            Interest::Content
        );
        assert_eq!(
            a.interest(&meta("etc", 0, EntryKind::Directory)),
            Interest::None
        );
        assert_eq!(
            a.interest(&meta("big", 11 << 20, EntryKind::Regular)),
            Interest::None
        );
        assert_eq!(
            a.interest(&meta("app/.wh.x", 0, EntryKind::Regular)),
            Interest::None
        );

        let token = ["gl", "pat-", "customsTESTfake00001"].concat();
        let text = format!("GITLAB_TOKEN={token}\n");
        let m = meta("app/.env", text.len() as u64, EntryKind::Regular);
        let value = a.analyze(&m, text.as_bytes()).unwrap();
        assert_eq!(value[0]["rule_id"], "gitlab-pat");
        assert_eq!(value[0]["line"], 1);
        assert!(!value.to_string().contains(&token));
        assert!(a.analyze(&m, b"nothing here\n").is_none());
    }
}
