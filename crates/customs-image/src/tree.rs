//! The merged filesystem of an image, with every path's history.

use std::collections::{BTreeMap, HashSet};

use customs_model::analysis::EntryKind;
use serde::{Deserialize, Serialize};

use crate::path::{normalize_entry_path, resolve_link};
use crate::walk::{LayerEntry, LayerEntryKind};

/// What a layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The path appeared.
    Added,
    /// The path was replaced by a new version.
    Modified,
    /// The path was deleted (whiteout, opaque directory, or replaced parent).
    Deleted,
}

/// One change to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Layer index.
    pub layer: usize,
    /// What happened.
    pub kind: ChangeKind,
}

/// A path of the merged filesystem (present or deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeEntry {
    /// Kind of the current (or last) version.
    pub kind: EntryKind,
    /// Size of the current version.
    pub size: u64,
    /// Mode bits.
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Link target (symlinks: as stored; hard links: normalised path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Layer of the current (or last) version.
    pub layer: usize,
    /// Whether the path exists in the final filesystem.
    pub present: bool,
    /// Every change, in layer order.
    pub changes: Vec<Change>,
}

/// The merged filesystem of an image: every path ever seen, with its history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTree {
    entries: BTreeMap<String, TreeEntry>,
}

impl FileTree {
    /// Applies layer `index`: its whiteouts and opaque markers first (they
    /// hide what lower layers put there, not the layer's own entries), then
    /// its entries in tar order.
    pub(crate) fn apply_layer(&mut self, index: usize, entries: Vec<LayerEntry>) {
        // Each path's deletion once per layer: a repeated whiteout changes
        // nothing, and each one would walk the whole subtree again.
        let mut done: HashSet<(&str, bool)> = HashSet::new();
        for e in &entries {
            let include_self = match e.kind {
                LayerEntryKind::Whiteout => true,
                LayerEntryKind::Opaque => false,
                LayerEntryKind::File(_) => continue,
            };
            if done.insert((e.path.as_str(), include_self)) {
                self.delete(index, &e.path, include_self);
            }
        }
        for e in entries {
            let LayerEntryKind::File(kind) = e.kind else {
                continue;
            };
            let existing = self
                .entries
                .get(&e.path)
                .filter(|x| x.present)
                .map(|x| x.kind);
            if existing == Some(EntryKind::Directory) && kind == EntryKind::Directory {
                if let Some(x) = self.entries.get_mut(&e.path) {
                    if x.mode != e.mode || x.uid != e.uid || x.gid != e.gid {
                        x.mode = e.mode;
                        x.uid = e.uid;
                        x.gid = e.gid;
                        x.layer = index;
                        x.changes.push(Change {
                            layer: index,
                            kind: ChangeKind::Modified,
                        });
                    }
                }
                continue;
            }
            if kind != EntryKind::Directory && existing.is_none_or(|k| k == EntryKind::Directory) {
                // A non-directory where a directory was (stated in a lower
                // layer's tar or only implied by paths below it): the whole
                // subtree goes.
                self.delete(index, &e.path, false);
            }
            let change = if existing.is_some() {
                ChangeKind::Modified
            } else {
                ChangeKind::Added
            };
            let slot = self.entries.entry(e.path).or_insert_with(|| TreeEntry {
                kind,
                size: 0,
                mode: 0,
                uid: 0,
                gid: 0,
                link: None,
                layer: index,
                present: true,
                changes: Vec::new(),
            });
            slot.kind = kind;
            slot.size = e.size;
            slot.mode = e.mode;
            slot.uid = e.uid;
            slot.gid = e.gid;
            slot.link = e.link;
            slot.layer = index;
            slot.present = true;
            slot.changes.push(Change {
                layer: index,
                kind: change,
            });
        }
    }

    /// Marks what is below `path` (and `path` itself when `include_self`)
    /// deleted by layer `index`.
    fn delete(&mut self, index: usize, path: &str, include_self: bool) {
        let lo = format!("{path}/");
        let hi = format!("{path}0");
        let deleted = Change {
            layer: index,
            kind: ChangeKind::Deleted,
        };
        for (_, e) in self.entries.range_mut(lo..hi) {
            if e.present {
                e.present = false;
                e.changes.push(deleted);
            }
        }
        if include_self {
            if let Some(e) = self.entries.get_mut(path).filter(|e| e.present) {
                e.present = false;
                e.changes.push(deleted);
            }
        }
    }

    /// Looks a path up without following symlinks (present or deleted).
    pub fn get(&self, path: &str) -> Option<&TreeEntry> {
        let p = normalize_entry_path(path)?;
        self.entries.get(&p)
    }

    /// Whether a path exists in the final filesystem (without following symlinks).
    pub fn exists(&self, path: &str) -> bool {
        self.get(path).is_some_and(|e| e.present)
    }

    /// All paths ever seen, sorted, with their entries.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TreeEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Paths present in the final filesystem.
    pub fn present(&self) -> impl Iterator<Item = (&str, &TreeEntry)> {
        self.iter().filter(|(_, e)| e.present)
    }

    /// Paths deleted by a later layer.
    pub fn deleted(&self) -> impl Iterator<Item = (&str, &TreeEntry)> {
        self.iter().filter(|(_, e)| !e.present)
    }

    /// Resolves a path, following symlinks in every component, never leaving
    /// the image root (`..` stops at `/`, absolute targets start at the root).
    /// Returns the final path, or `None` for a loop, more than `max_hops`
    /// links, or a dangling link.
    pub fn resolve(&self, path: &str, max_hops: usize) -> Option<String> {
        let mut pending: Vec<String> = normalize_entry_path(path)?
            .split('/')
            .rev()
            .map(str::to_owned)
            .collect();
        let mut resolved = String::new();
        let mut hops = 0usize;
        while let Some(comp) = pending.pop() {
            let candidate = if resolved.is_empty() {
                comp.clone()
            } else {
                format!("{resolved}/{comp}")
            };
            match self.entries.get(&candidate) {
                Some(e) if e.present && e.kind == EntryKind::Symlink => {
                    hops += 1;
                    if hops > max_hops {
                        return None;
                    }
                    let target = e.link.as_deref().unwrap_or("");
                    // Resolve the target relative to the link's directory.
                    let base = resolve_link(&candidate, target).unwrap_or_default();
                    let mut rest: Vec<String> = base
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .rev()
                        .map(str::to_owned)
                        .collect();
                    // Restart from the root with the target's components.
                    rest.reverse();
                    for c in rest.into_iter().rev() {
                        pending.push(c);
                    }
                    resolved.clear();
                }
                Some(e) if e.present => resolved = candidate,
                _ => {
                    // Missing component: only acceptable as the very last one.
                    if pending.is_empty() {
                        return None;
                    }
                    return None;
                }
            }
        }
        Some(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, link: Option<&str>) -> TreeEntry {
        TreeEntry {
            kind,
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            link: link.map(str::to_owned),
            layer: 0,
            present: true,
            changes: vec![],
        }
    }

    #[test]
    fn resolves_inside_root() {
        let mut t = FileTree::default();
        let e = &mut t.entries;
        e.insert("usr".into(), entry(EntryKind::Directory, None));
        e.insert("usr/lib".into(), entry(EntryKind::Directory, None));
        e.insert("usr/lib/os-release".into(), entry(EntryKind::Regular, None));
        e.insert("etc".into(), entry(EntryKind::Directory, None));
        e.insert(
            "etc/os-release".into(),
            entry(EntryKind::Symlink, Some("../usr/lib/os-release")),
        );
        e.insert("lib".into(), entry(EntryKind::Symlink, Some("usr/lib")));
        e.insert(
            "escape".into(),
            entry(EntryKind::Symlink, Some("../../../../usr/lib")),
        );
        e.insert("loop1".into(), entry(EntryKind::Symlink, Some("loop2")));
        e.insert("loop2".into(), entry(EntryKind::Symlink, Some("/loop1")));
        assert_eq!(
            t.resolve("/etc/os-release", 40).as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(
            t.resolve("lib/os-release", 40).as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(
            t.resolve("escape/os-release", 40).as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(t.resolve("loop1", 40), None);
        assert_eq!(t.resolve("missing/x", 40), None);
    }
}
