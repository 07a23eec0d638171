//! Analyzer records' facts read in place from their JSON.
//!
//! The post-walk pass ([`assemble`](mod@crate::assemble)) is serial and
//! reads every present record, so on big images (tens of thousands of listed
//! files) it must not copy what it only checks. Every record is parsed at
//! most once ([`Parsed`]), into a [`FactsView`] that borrows its strings from
//! the record's JSON instead of copying them: the file lists and digests of
//! dpkg/Python records are most of an image's facts, and are copied once,
//! straight into the catalog (what is only checked or compared, like earlier
//! versions of a database, is never copied).
//!
//! Contract: a record reads as a view if and only if it reads with
//! `Facts::deserialize`, and what is read from the view is the same as what
//! `Facts` holds (the tests below compare the two over accepted and rejected
//! JSON shapes).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use customs_model::analysis::FileRecord;
use customs_model::{OsRelease, PackageType, SourcePackage};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::facts::{Facts, RawPackage};

/// [`Facts`] read in place from a record's JSON.
///
/// Same fields in the same order with the same serde attributes, and types
/// that accept exactly the JSON the owned ones accept (`&str` for `String`,
/// [`StrList`] for `Vec<String>`, [`AnyMap`] for a map of JSON values), so a
/// record reads as a view if and only if it reads as `Facts`. Strings borrow
/// from the JSON (a `serde_json::Value` always hands out borrowed strings);
/// lists and maps are only checked by serde, and read from the JSON object
/// (kept by [`FactsView::read`]) when needed. Reading a view allocates
/// little: most records are read only to be checked, or for a few fields.
#[derive(Deserialize)]
pub(crate) struct FactsView<'a> {
    #[serde(default, borrow)]
    pub(crate) packages: Vec<PackageView<'a>>,
    #[serde(default, borrow)]
    pub(crate) owner: Option<&'a str>,
    #[serde(default, borrow)]
    pub(crate) files: Lines<'a>,
    #[serde(default, borrow)]
    pub(crate) digests: DigestLines<'a>,
    #[serde(default)]
    #[expect(dead_code, reason = "only checked here; read through `licenses()`")]
    licenses: StrList,
    /// Boxed: few records have one, and every record's view is kept.
    #[serde(default)]
    pub(crate) os: Option<Box<OsRelease>>,
    #[serde(default)]
    #[expect(dead_code, reason = "only checked here; read through `extra()`")]
    extra: AnyMap,
    #[serde(default, borrow)]
    pub(crate) warnings: Vec<&'a str>,
    /// The record's JSON object.
    #[serde(skip)]
    object: Option<&'a Map<String, Value>>,
}

/// [`RawPackage`] read in place; see [`FactsView`].
#[derive(Deserialize)]
pub(crate) struct PackageView<'a> {
    #[serde(rename = "type")]
    ty: PackageType,
    pub(crate) name: &'a str,
    #[serde(default)]
    pub(crate) version: &'a str,
    #[serde(default, borrow)]
    arch: Option<&'a str>,
    #[serde(default, borrow)]
    source: Option<SourceView<'a>>,
    #[serde(default)]
    #[expect(dead_code, reason = "only checked here; read through `to_raw`")]
    licenses: StrList,
    #[serde(default, borrow)]
    supplier: Option<&'a str>,
    #[serde(default, borrow)]
    files: Lines<'a>,
    #[serde(default)]
    #[expect(dead_code, reason = "only checked here; read through `to_raw`")]
    depends: StrList,
    #[serde(default)]
    pub(crate) dev: bool,
    #[serde(default, borrow)]
    inner_path: Option<&'a str>,
    #[serde(default)]
    parent: Option<usize>,
    #[serde(default, borrow)]
    qualifiers: BTreeMap<&'a str, &'a str>,
    #[serde(default)]
    #[expect(dead_code, reason = "only checked here; read through `to_raw`")]
    metadata: AnyMap,
    /// The package's JSON object.
    #[serde(skip)]
    object: Option<&'a Map<String, Value>>,
}

/// [`SourcePackage`] read in place; see [`FactsView`].
#[derive(Deserialize)]
struct SourceView<'a> {
    name: &'a str,
    #[serde(default, borrow)]
    version: Option<&'a str>,
}

impl<'a> FactsView<'a> {
    /// Reads a record's JSON, which must be an object whose packages are
    /// objects (see [`Normalised`]); `None` when `Facts` would not read it.
    pub(crate) fn read(value: &'a Value) -> Option<Self> {
        let mut view = Self::deserialize(value).ok()?;
        view.object = value.as_object();
        if let Some(Value::Array(pkgs)) = value.get("packages") {
            for (p, v) in view.packages.iter_mut().zip(pkgs) {
                p.object = v.as_object();
            }
        }
        Some(view)
    }

    /// The value of `key` in the record's `extra` map.
    pub(crate) fn extra(&self, key: &str) -> Option<&'a Value> {
        self.extra_map().and_then(|m| m.get(key))
    }

    /// Whether the record's `extra` map has any entry.
    pub(crate) fn has_extra(&self) -> bool {
        self.extra_map().is_some_and(|m| !m.is_empty())
    }

    fn extra_map(&self) -> Option<&'a Map<String, Value>> {
        self.object?.get("extra")?.as_object()
    }

    /// The record's licences (a dpkg copyright file's).
    pub(crate) fn licenses(&self) -> impl Iterator<Item = &'a str> {
        str_list(self.object, "licenses")
    }
}

/// The strings of the list `key` of a JSON object (checked when read).
fn str_list<'a>(
    object: Option<&'a Map<String, Value>>,
    key: &str,
) -> impl Iterator<Item = &'a str> {
    object
        .and_then(|o| o.get(key))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Owned copies of borrowed strings.
pub(crate) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl PackageView<'_> {
    /// The owned package, equal to what `RawPackage` reads from the same JSON.
    pub(crate) fn to_raw(&self) -> RawPackage {
        RawPackage {
            ty: self.ty,
            name: self.name.to_owned(),
            version: self.version.to_owned(),
            arch: self.arch.map(str::to_owned),
            source: self.source.as_ref().map(|s| SourcePackage {
                name: s.name.to_owned(),
                version: s.version.map(str::to_owned),
            }),
            licenses: str_list(self.object, "licenses")
                .map(str::to_owned)
                .collect(),
            supplier: self.supplier.map(str::to_owned),
            files: self.files.to_strings(),
            depends: str_list(self.object, "depends")
                .map(str::to_owned)
                .collect(),
            dev: self.dev,
            inner_path: self.inner_path.map(str::to_owned),
            parent: self.parent,
            qualifiers: self
                .qualifiers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            metadata: self
                .object
                .and_then(|o| o.get("metadata"))
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }
    }
}

/// `s.split('\n')`, with `memchr`'s faster search (file lists are long).
fn split_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', s.as_bytes())
        .chain(std::iter::once(s.len()))
        .map(move |end| {
            let line = s.get(start..end).unwrap_or_default();
            start = end + 1;
            line
        })
}

/// `compact::lines` read in place: a newline-joined string (split when
/// read: most file lists are read once) or a list of strings.
pub(crate) enum Lines<'a> {
    Joined(&'a str),
    List(Vec<&'a str>),
}

impl Default for Lines<'_> {
    fn default() -> Self {
        Self::Joined("")
    }
}

impl<'a> Lines<'a> {
    /// Whether there is no line at all.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Self::Joined(s) => s.is_empty(),
            Self::List(v) => v.is_empty(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        let (joined, list): (Option<&'a str>, &[&'a str]) = match self {
            Self::Joined(s) => (Some(*s).filter(|s| !s.is_empty()), &[]),
            Self::List(v) => (None, v),
        };
        joined
            .into_iter()
            .flat_map(split_lines)
            .chain(list.iter().copied())
    }

    fn to_strings(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// Appends the lines in the order written.
    pub(crate) fn push_to(&self, out: &mut Vec<&'a str>) {
        match self {
            Self::Joined("") => {}
            Self::Joined(s) => out.extend(split_lines(s)),
            Self::List(v) => out.extend_from_slice(v),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Lines<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Lines<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a newline-joined string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lines::Joined(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<&'de str>()? {
                    out.push(item);
                }
                Ok(Lines::List(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `compact::digests` read in place: digest lines (checked here, split when
/// read: most are read once) or a map of path to digest.
pub(crate) enum DigestLines<'a> {
    Joined(&'a str),
    Map(Vec<(&'a str, &'a str)>),
}

impl Default for DigestLines<'_> {
    fn default() -> Self {
        Self::Joined("")
    }
}

impl<'a> DigestLines<'a> {
    /// Appends `(path, digest)` in the order written (where a path repeats,
    /// the last one is the one `Facts` keeps).
    pub(crate) fn push_to(&self, out: &mut Vec<(&'a str, &'a str)>) {
        match self {
            Self::Joined(s) => {
                // Every non-empty line has a space (checked when read).
                for line in split_lines(s) {
                    if let Some(i) = memchr::memchr(b' ', line.as_bytes()) {
                        if let (Some(digest), Some(path)) = (line.get(..i), line.get(i + 1..)) {
                            out.push((path, digest));
                        }
                    }
                }
            }
            Self::Map(m) => out.extend_from_slice(m),
        }
    }
}

/// Whether every non-empty line has a space (`DIGEST PATH`), in one pass.
fn digest_lines_ok(s: &str) -> bool {
    let mut line_start = 0;
    let mut has_space = false;
    for i in memchr::memchr2_iter(b' ', b'\n', s.as_bytes()) {
        if s.as_bytes().get(i) == Some(&b' ') {
            has_space = true;
        } else {
            if i > line_start && !has_space {
                return false;
            }
            line_start = i + 1;
            has_space = false;
        }
    }
    s.len() == line_start || has_space
}

impl<'de: 'a, 'a> Deserialize<'de> for DigestLines<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = DigestLines<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("digest lines or a map of path to digest")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                if !digest_lines_ok(v) {
                    return Err(E::custom("digest line without a path"));
                }
                Ok(DigestLines::Joined(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<&'de str, &'de str>()? {
                    out.push((k, v));
                }
                Ok(DigestLines::Map(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list of strings, checked as `Vec<String>` would be, not kept.
#[derive(Default)]
struct StrList;

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<&'de str>()?.is_some() {}
                Ok(StrList)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A JSON object of any values, checked as `BTreeMap<String, Value>` would be, not kept.
#[derive(Default)]
struct AnyMap;

impl<'de> Deserialize<'de> for AnyMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AnyMap)
            }
        }
        d.deserialize_map(V)
    }
}

/// The JSON each record is read from.
///
/// Analyzers write `Facts` as a JSON object, which [`FactsView::read`] reads
/// in place. Serde also reads a struct from an array of its fields; such a
/// record (only a hand-made or damaged cache entry could hold one) is read as
/// `Facts` and written back as an object, so that it reads the same way.
pub(crate) struct Normalised(HashMap<usize, Option<Value>>);

impl Normalised {
    /// Normalises the odd-shaped records of the analyzers `ours`.
    pub(crate) fn new(records: &[FileRecord], ours: &[&str]) -> Self {
        let odd = |v: &Value| {
            !v.is_object()
                || v.get("packages")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|p| !p.is_object()))
        };
        Self(
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| ours.contains(&r.analyzer.as_str()) && odd(&r.value))
                .map(|(i, r)| {
                    let v = Facts::deserialize(&r.value)
                        .ok()
                        .and_then(|f| serde_json::to_value(f).ok());
                    (i, v)
                })
                .collect(),
        )
    }
}

/// Every record's facts, each parsed at most once and shared by all stages.
pub(crate) struct Parsed<'a> {
    /// Every record of the analysis.
    pub(crate) records: &'a [FileRecord],
    normalised: &'a Normalised,
    /// `None`: not parsed yet; `Some(None)`: not understood.
    pub(crate) slots: Vec<Option<Option<FactsView<'a>>>>,
}

impl<'a> Parsed<'a> {
    /// Nothing parsed yet.
    pub(crate) fn new(records: &'a [FileRecord], normalised: &'a Normalised) -> Self {
        Self {
            records,
            normalised,
            slots: std::iter::repeat_with(|| None)
                .take(records.len())
                .collect(),
        }
    }

    /// Parses record `i` if not done yet.
    pub(crate) fn get(&mut self, i: usize) -> Option<&FactsView<'a>> {
        let slot = self.slots.get_mut(i)?;
        if slot.is_none() {
            let value = match self.normalised.0.get(&i) {
                Some(v) => v.as_ref(),
                None => self.records.get(i).map(|r| &r.value),
            };
            *slot = Some(value.and_then(FactsView::read));
        }
        slot.as_ref().and_then(Option::as_ref)
    }

    /// Record `i`, when parsed and understood.
    pub(crate) fn view(&self, i: usize) -> Option<&FactsView<'a>> {
        self.slots.get(i)?.as_ref()?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The view as owned `Facts` (every field: a new `Facts` field breaks this).
    fn to_facts(v: &FactsView<'_>) -> Facts {
        let mut digests = BTreeMap::new();
        let mut pairs = Vec::new();
        v.digests.push_to(&mut pairs);
        for (path, digest) in pairs {
            digests.insert(path.to_owned(), digest.to_owned());
        }
        Facts {
            packages: v.packages.iter().map(PackageView::to_raw).collect(),
            owner: v.owner.map(str::to_owned),
            files: v.files.to_strings(),
            digests,
            licenses: v.licenses().map(str::to_owned).collect(),
            os: v.os.as_deref().cloned(),
            extra: v
                .extra_map()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            warnings: v.warnings.iter().map(|w| (*w).to_owned()).collect(),
        }
    }

    /// Reads a record as `assemble` does (normalising odd shapes first).
    fn read_like_assemble(value: &Value) -> Option<Facts> {
        let records = [FileRecord {
            analyzer: "dpkg-db".into(),
            path: "var/lib/dpkg/status".into(),
            layer: 0,
            removed_in: None,
            value: value.clone(),
        }];
        let normalised = Normalised::new(&records, &["dpkg-db"]);
        let mut parsed = Parsed::new(&records, &normalised);
        parsed.get(0).map(to_facts)
    }

    fn full_package() -> Value {
        json!({
            "type": "rpm",
            "name": "bash",
            "version": "5.1-2",
            "arch": "x86_64",
            "source": {"name": "bash-src", "version": "5.1"},
            "licenses": ["GPL-3.0-or-later", "MIT"],
            "supplier": "Example",
            "files": "/bin/bash\n/usr/bin/bash",
            "depends": ["libc", "ncurses@6"],
            "dev": true,
            "inner_path": "a.jar!b.jar",
            "parent": 0,
            "qualifiers": {"epoch": "1", "z": "y"},
            "metadata": {"n": 1, "f": 1.5, "neg": -3, "o": {"a": [null, true]}, "s": "x"},
            "unknown": {"ignored": 1},
        })
    }

    #[test]
    fn views_read_what_facts_reads() {
        let cases = [
            json!({}),
            json!({"packages": [full_package(), {"type": "deb", "name": "x"}]}),
            json!({"packages": [{"type": "npm", "name": "a", "files": ["/a", "", "/b\nc"]}]}),
            json!({"owner": "libc6", "files": "/a\n\n/b\n", "digests": "md5:1 /a\n\nmd5:2 /b c\nmd5:3 /a"}),
            json!({"owner": "libc6", "files": "", "digests": ""}),
            json!({"owner": null, "files": [], "digests": {"/a": "md5:1", "/b": "md5:2"}}),
            json!({"licenses": ["MIT"], "warnings": ["odd"], "extra": {"direct_url": {"url": "x"}}}),
            json!({"os": {"id": "debian", "version_id": "12", "id_like": ["x"]}}),
            json!({"extra": {}, "other": [1, 2]}),
            // Serde also reads structs from arrays of their fields.
            json!([[{"type": "deb", "name": "y", "version": "1"}], "owner", "/f"]),
            json!({"packages": [["deb", "z", "2"]]}),
        ];
        for v in &cases {
            let want = Facts::deserialize(v).unwrap();
            assert_eq!(read_like_assemble(v).as_ref(), Some(&want), "{v}");
        }
    }

    #[test]
    fn views_reject_what_facts_rejects() {
        let cases = [
            json!(null),
            json!("text"),
            json!({"files": null}),
            json!({"files": [1]}),
            json!({"files": {"a": "b"}}),
            json!({"digests": "md5:1 /a\nno-space"}),
            json!({"digests": "no-space"}),
            json!({"digests": {"/a": 1}}),
            json!({"digests": ["x"]}),
            json!({"owner": 1}),
            json!({"licenses": "MIT"}),
            json!({"licenses": [1]}),
            json!({"os": {"version_id": "12"}}),
            json!({"extra": []}),
            json!({"warnings": [null]}),
            json!({"packages": {}}),
            json!({"packages": [{"name": "x"}]}),
            json!({"packages": [{"type": "nope", "name": "x"}]}),
            json!({"packages": [{"type": "deb"}]}),
            json!({"packages": [{"type": "deb", "name": "x", "version": null}]}),
            json!({"packages": [{"type": "deb", "name": "x", "source": "s"}]}),
            json!({"packages": [{"type": "deb", "name": "x", "source": {"version": "1"}}]}),
            json!({"packages": [{"type": "deb", "name": "x", "licenses": [2]}]}),
            json!({"packages": [{"type": "deb", "name": "x", "depends": "a"}]}),
            json!({"packages": [{"type": "deb", "name": "x", "files": null}]}),
            json!({"packages": [{"type": "deb", "name": "x", "dev": 1}]}),
            json!({"packages": [{"type": "deb", "name": "x", "parent": -1}]}),
            json!({"packages": [{"type": "deb", "name": "x", "qualifiers": {"a": 1}}]}),
            json!({"packages": [{"type": "deb", "name": "x", "metadata": []}]}),
            json!({"packages": [["deb"]]}),
            json!([1]),
        ];
        for v in &cases {
            assert!(Facts::deserialize(v).is_err(), "Facts reads {v}");
            assert_eq!(read_like_assemble(v), None, "{v}");
        }
    }

    #[test]
    fn analyzer_output_round_trips_through_views() {
        let mut f = Facts {
            owner: Some("libc6".into()),
            files: vec!["/lib/a b".into(), "/usr/lib/x".into()],
            licenses: vec!["LGPL-2.1".into()],
            ..Facts::default()
        };
        f.digests.insert("/lib/a b".into(), "md5:00ff".into());
        f.digests.insert("/usr/lib/x".into(), "md5:11ee".into());
        let mut p = RawPackage::new(PackageType::Apk, "musl", "1.2");
        p.files = vec!["/lib/ld-musl-x86_64.so.1".into()];
        p.meta("k", "v");
        f.packages.push(p);
        let v = f.clone().into_value().unwrap();
        assert_eq!(read_like_assemble(&v), Some(f));
    }

    #[test]
    fn split_lines_is_split_on_newlines() {
        for s in ["", "a", "a\n", "\n", "a\n\nb", "\n\na\nbc\n"] {
            let want: Vec<&str> = s.split('\n').collect();
            assert_eq!(split_lines(s).collect::<Vec<_>>(), want, "{s:?}");
        }
    }

    #[test]
    fn digest_lines_check_matches_facts() {
        for (s, ok) in [
            ("", true),
            ("\n\n", true),
            ("d p", true),
            ("d p\n", true),
            ("d p\nd2 p2", true),
            ("d p\nx", false),
            ("x\nd p", false),
            ("d p\n\nd q r", true),
        ] {
            assert_eq!(digest_lines_ok(s), ok, "{s:?}");
            let facts = Facts::deserialize(&json!({ "digests": s }));
            assert_eq!(facts.is_ok(), ok, "{s:?}");
        }
    }
}
