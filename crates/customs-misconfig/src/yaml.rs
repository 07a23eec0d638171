//! A small YAML tree with line numbers, built from `saphyr-parser` events.
//!
//! We build the tree ourselves (instead of using a YAML-to-serde crate) for
//! two reasons: findings need the line of every node, and untrusted YAML can
//! hold alias bombs ("billion laughs"). Every alias is expanded by copying the
//! anchored subtree, and the copy is charged to a node budget *before* it is
//! made, so a bomb is stopped after a bounded amount of work and memory.

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::Limits;

/// A YAML node with the line (1-based) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    /// Number of nodes in this subtree, itself included (the cost of copying it).
    size: usize,
    pub(crate) kind: Kind,
}

/// The shape of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A scalar: its text and whether it was plain (unquoted, so `true` or
    /// `12` resolve to booleans and numbers).
    Scalar { text: String, plain: bool },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

/// Why a YAML stream could not be read (completely).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// The text is not valid YAML.
    #[error("invalid YAML at line {line}: {message}")]
    Syntax {
        /// Line of the error (1-based).
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// Aliases would expand to more nodes than allowed (a YAML bomb, or a huge document).
    #[error("document at line {line} expands to more than {limit} nodes (aliases included); raise Limits::max_yaml_nodes to read it")]
    TooManyNodes {
        /// Line where the document starts.
        line: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Nesting deeper than allowed.
    #[error("nesting deeper than {limit} levels at line {line}; raise Limits::max_yaml_depth to read it")]
    TooDeep {
        /// Line of the node that went too deep.
        line: usize,
        /// The limit in force.
        limit: usize,
    },
    /// More documents than allowed in one stream.
    #[error("more than {limit} documents in one file; raise Limits::max_documents to read it")]
    TooManyDocuments {
        /// The limit in force.
        limit: usize,
    },
    /// An alias names an anchor that was not defined before it.
    #[error("unknown alias at line {line}")]
    UnknownAlias {
        /// Line of the alias.
        line: usize,
    },
}

impl YamlError {
    /// The line the error is about, when known.
    pub(crate) fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. }
            | Self::TooManyNodes { line, .. }
            | Self::TooDeep { line, .. }
            | Self::UnknownAlias { line } => Some(*line),
            Self::TooManyDocuments { .. } => None,
        }
    }
}

/// One document of a stream: its root (None for an empty document) and the
/// line where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) line: usize,
    pub(crate) root: Option<Node>,
}

enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
        size: usize,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        size: usize,
    },
}

/// Parses a multi-document stream. Returns the documents read before any
/// error, and the error that stopped reading, if any.
pub(crate) fn parse_stream(text: &str, limits: &Limits) -> (Vec<Document>, Option<YamlError>) {
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut doc_line = 1;
    let mut doc_nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut total_nodes = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let err = YamlError::Syntax {
                    line: e.marker().line(),
                    message: e.info().to_owned(),
                };
                return (docs, Some(err));
            }
        };
        let line = span.start.line().max(1);
        let node = match event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if docs.len() >= limits.max_documents {
                    return (
                        docs,
                        Some(YamlError::TooManyDocuments {
                            limit: limits.max_documents,
                        }),
                    );
                }
                doc_line = line;
                doc_nodes = 0;
                anchors.clear();
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(Document {
                    line: doc_line,
                    root: root.take(),
                });
                continue;
            }
            Event::Alias(id) => {
                let Some(target) = anchors.iter().rev().find(|(a, _)| *a == id).map(|(_, n)| n)
                else {
                    return (docs, Some(YamlError::UnknownAlias { line }));
                };
                // Charge the copy before making it: this is what stops bombs.
                doc_nodes = doc_nodes.saturating_add(target.size);
                total_nodes = total_nodes.saturating_add(target.size);
                if doc_nodes > limits.max_yaml_nodes || total_nodes > limits.max_total_yaml_nodes {
                    let limit = limits.max_yaml_nodes.min(limits.max_total_yaml_nodes);
                    return (
                        docs,
                        Some(YamlError::TooManyNodes {
                            line: doc_line,
                            limit,
                        }),
                    );
                }
                let mut copy = target.clone();
                copy.line = line;
                copy
            }
            Event::Scalar(text, style, anchor, _tag) => {
                doc_nodes += 1;
                total_nodes += 1;
                let plain = matches!(style, ScalarStyle::Plain);
                let node = Node {
                    line,
                    size: 1,
                    kind: Kind::Scalar {
                        text: text.into_owned(),
                        plain,
                    },
                };
                if anchor != 0 {
                    anchors.push((anchor, node.clone()));
                }
                node
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                doc_nodes += 1;
                total_nodes += 1;
                if stack.len() >= limits.max_yaml_depth {
                    return (
                        docs,
                        Some(YamlError::TooDeep {
                            line,
                            limit: limits.max_yaml_depth,
                        }),
                    );
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq {
                        line,
                        anchor,
                        items: Vec::new(),
                        size: 1,
                    });
                } else {
                    stack.push(Frame::Map {
                        line,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        size: 1,
                    });
                }
                if doc_nodes > limits.max_yaml_nodes || total_nodes > limits.max_total_yaml_nodes {
                    let limit = limits.max_yaml_nodes.min(limits.max_total_yaml_nodes);
                    return (
                        docs,
                        Some(YamlError::TooManyNodes {
                            line: doc_line,
                            limit,
                        }),
                    );
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else { continue };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        line,
                        anchor,
                        items,
                        size,
                    } => (
                        Node {
                            line,
                            size,
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ),
                    Frame::Map {
                        line,
                        anchor,
                        entries,
                        size,
                        ..
                    } => (
                        Node {
                            line,
                            size,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ),
                };
                if anchor != 0 {
                    anchors.push((anchor, node.clone()));
                }
                node
            }
        };
        if doc_nodes > limits.max_yaml_nodes || total_nodes > limits.max_total_yaml_nodes {
            let limit = limits.max_yaml_nodes.min(limits.max_total_yaml_nodes);
            return (
                docs,
                Some(YamlError::TooManyNodes {
                    line: doc_line,
                    limit,
                }),
            );
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, size, .. }) => {
                *size += node.size;
                items.push(node);
            }
            Some(Frame::Map {
                entries, key, size, ..
            }) => {
                *size += node.size;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
    (docs, None)
}

impl Node {
    /// The scalar's text, if this is a scalar that is not null.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// Whether this is a null scalar (`~`, `null`, empty), as the core schema resolves it.
    pub(crate) fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar { text, plain: true } => {
                matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// A boolean. Kubernetes reads YAML as YAML 1.1, so `yes`/`on` count too.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On"
                | "ON" => Some(true),
                "false" | "False" | "FALSE" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off"
                | "OFF" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer (plain decimal, or `0x`/`0o` forms).
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => {
                let t = text.trim_start_matches('+');
                if let Some(h) = t.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).ok()
                } else if let Some(o) = t.strip_prefix("0o") {
                    i64::from_str_radix(o, 8).ok()
                } else {
                    t.parse().ok()
                }
            }
            _ => None,
        }
    }

    /// The value for `key` in a mapping. The last duplicate wins (as in the
    /// JSON the API server sees); `<<` merge keys are followed.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.get_depth(key, 0)
    }

    fn get_depth(&self, key: &str, depth: usize) -> Option<&Node> {
        let Kind::Map(entries) = &self.kind else {
            return None;
        };
        // One pass from the end: the last duplicate wins. Keys are compared as
        // text (hot path: every check looks fields up), merges noted on the way.
        let mut has_merge = false;
        for (k, v) in entries.iter().rev() {
            if let Kind::Scalar { text, plain } = &k.kind {
                if text == key {
                    return Some(v);
                }
                has_merge |= *plain && text == "<<";
            }
        }
        if !has_merge || depth > 8 {
            return None;
        }
        for (k, v) in entries.iter().rev() {
            if matches!(&k.kind, Kind::Scalar { text, plain: true } if text == "<<") {
                match &v.kind {
                    Kind::Map(_) => {
                        if let Some(found) = v.get_depth(key, depth + 1) {
                            return Some(found);
                        }
                    }
                    Kind::Seq(items) => {
                        for m in items {
                            if let Some(found) = m.get_depth(key, depth + 1) {
                                return Some(found);
                            }
                        }
                    }
                    Kind::Scalar { .. } => {}
                }
            }
        }
        None
    }

    /// Follows a path of keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for k in keys {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    /// The items of a sequence (empty for anything else).
    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    /// Whether this is a mapping.
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_values() {
        let (docs, err) = parse_stream(
            "a: 1\nb:\n  c: true\n  d: [x, 'y']\n---\n- z\n",
            &Limits::default(),
        );
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("a").unwrap().as_i64(), Some(1));
        assert_eq!(root.path(&["b", "c"]).unwrap().as_bool(), Some(true));
        assert_eq!(root.path(&["b", "c"]).unwrap().line, 3);
        assert_eq!(
            root.path(&["b", "d"]).unwrap().items()[1].as_str(),
            Some("y")
        );
        assert_eq!(docs[1].line, 5);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let text = "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n";
        let (docs, err) = parse_stream(text, &Limits::default());
        assert!(err.is_none());
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.path(&["other", "x"]).unwrap().as_i64(), Some(1));
    }

    #[test]
    fn billion_laughs_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, err) = parse_stream(&text, &Limits::default());
        assert!(
            matches!(err, Some(YamlError::TooManyNodes { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let text = "- ".repeat(1000) + "x\n";
        let (_, err) = parse_stream(&text, &Limits::default());
        assert!(
            matches!(err, Some(YamlError::TooDeep { line: 1, limit: 64 })),
            "{err:?}"
        );
        // The parser bounds flow nesting itself.
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let (_, err) = parse_stream(&text, &Limits::default());
        assert!(err.is_some());
    }

    #[test]
    fn syntax_error_has_line() {
        let (_, err) = parse_stream("a: 1\nb: [1, 2\nc: 3\n", &Limits::default());
        let err = err.unwrap();
        assert!(matches!(err, YamlError::Syntax { .. }));
        assert!(err.line().unwrap() >= 2);
    }
}
