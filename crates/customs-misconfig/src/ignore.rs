//! Inline ignores: `# customs:ignore=ID[,ID…]`.
//!
//! A comment applies to findings on its own line (a trailing YAML comment) and
//! to the first line after the block of comment lines it belongs to (a comment
//! above a Dockerfile instruction or a YAML key).

use std::collections::{BTreeMap, BTreeSet};

const MARKER: &str = "customs:ignore=";

/// Ignore comments of one file, by line.
#[derive(Debug, Default)]
pub(crate) struct Ignores {
    by_line: BTreeMap<usize, Vec<String>>,
    comment_lines: BTreeSet<usize>,
}

impl Ignores {
    /// Finds the ignore comments in a text. `#` starts a comment in both
    /// Dockerfiles (whole lines) and YAML.
    pub(crate) fn scan(text: &str) -> Self {
        let mut out = Self::default();
        if !text.contains(MARKER) {
            return out;
        }
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim_start().starts_with('#') {
                out.comment_lines.insert(n);
            }
            let Some(pos) = line.find(MARKER) else {
                continue;
            };
            let Some(before) = line.get(..pos) else {
                continue;
            };
            if !before.contains('#') {
                continue;
            }
            let rest = line.get(pos + MARKER.len()..).unwrap_or_default();
            let ids = rest
                .split(|c: char| c == ',' || c.is_whitespace())
                .take_while(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>();
            out.by_line.entry(n).or_default().extend(ids);
        }
        out
    }

    /// Whether rule `id` is ignored at `line`.
    pub(crate) fn ignored(&self, line: Option<usize>, id: &str) -> bool {
        let Some(line) = line else { return false };
        if self.by_line.is_empty() {
            return false;
        }
        let hit = |n: usize| {
            self.by_line
                .get(&n)
                .is_some_and(|ids| ids.iter().any(|i| i == id))
        };
        if hit(line) {
            return true;
        }
        let mut n = line.saturating_sub(1);
        while n > 0 && self.comment_lines.contains(&n) {
            if hit(n) {
                return true;
            }
            n -= 1;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_to_next_line_and_same_line() {
        let text = "# customs:ignore=a,b\n# other\nRUN x\nkey: v # customs:ignore=c\nnext\n";
        let ig = Ignores::scan(text);
        assert!(ig.ignored(Some(3), "a"));
        assert!(ig.ignored(Some(3), "b"));
        assert!(!ig.ignored(Some(3), "c"));
        assert!(ig.ignored(Some(4), "c"));
        assert!(!ig.ignored(Some(5), "c"));
    }
}
