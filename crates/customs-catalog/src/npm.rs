//! Node.js: installed `node_modules/**/package.json`, project `package.json`,
//! and the lockfiles `package-lock.json` (v1, v2, v3), `yarn.lock` (v1 and
//! berry) and `pnpm-lock.yaml` (v5, v6, v9).

use std::collections::BTreeMap;

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::PackageType;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::facts::{file_name, text, Facts, RawPackage};
use crate::license;
use crate::Limits;

/// What a `package.json` path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonRole {
    /// `…/node_modules/NAME/package.json` or `…/node_modules/@S/NAME/package.json`.
    Installed,
    /// Any other `package.json`: a project root (or a file inside a package).
    Project,
}

/// Classifies a `package.json` path.
pub(crate) fn json_role(path: &str) -> JsonRole {
    let parts: Vec<&str> = path.split('/').collect();
    let n = parts.len();
    let at = |i: usize| n.checked_sub(i).and_then(|j| parts.get(j)).copied();
    if at(3) == Some("node_modules") {
        return JsonRole::Installed;
    }
    if at(4) == Some("node_modules") && at(3).is_some_and(|s| s.starts_with('@')) {
        return JsonRole::Installed;
    }
    JsonRole::Project
}

/// Whether a path lies inside an installed package (a lockfile there is the
/// package's own, not the image's).
pub(crate) fn inside_node_modules(path: &str) -> bool {
    path.starts_with("node_modules/") || path.contains("/node_modules/")
}

/// Node.js analyzer.
pub(crate) struct NpmAnalyzer {
    pub(crate) limits: Limits,
}

impl FileAnalyzer for NpmAnalyzer {
    fn id(&self) -> &'static str {
        "npm"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if !crate::facts::is_file(meta.kind) {
            return Interest::None;
        }
        match file_name(meta.path) {
            "package.json" => Interest::Content,
            "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml"
                if !inside_node_modules(meta.path) =>
            {
                Interest::Content
            }
            _ => Interest::None,
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let name = file_name(meta.path);
        if name != "package.json" && content.len() as u64 > self.limits.max_lockfile_bytes {
            return Facts::warning(format!(
                "lockfile of {} bytes exceeds the limit of {} bytes",
                content.len(),
                self.limits.max_lockfile_bytes
            ))
            .into_value();
        }
        let facts = match name {
            "package.json" => parse_package_json(content),
            "package-lock.json" | "npm-shrinkwrap.json" => parse_package_lock(content),
            "yarn.lock" => parse_yarn_lock(&text(content)),
            "pnpm-lock.yaml" => parse_pnpm_lock(&text(content)),
            _ => return None,
        };
        facts.into_value()
    }
}

fn licenses_of(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut one = |l: &Value| match l {
        Value::String(s) => out.push(s.clone()),
        Value::Object(o) => {
            if let Some(Value::String(t)) = o.get("type") {
                out.push(t.clone());
            }
        }
        _ => {}
    };
    if let Some(l) = v.get("license") {
        match l {
            Value::Array(a) => a.iter().for_each(&mut one),
            other => one(other),
        }
    }
    if let Some(Value::Array(a)) = v.get("licenses") {
        a.iter().for_each(&mut one);
    }
    license::normalize_all(out)
}

fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Parses a `package.json`.
///
/// Only a few of its fields matter, and node_modules trees hold thousands of
/// these files: they are read in one pass into the fields we use, borrowing
/// strings from the input and skipping the rest (scripts, READMEs, ...)
/// without building it (a `serde_json::Value` tree cost twice the time on the
/// bench image). A field of another type than expected counts as absent, and
/// of a key given twice the last counts, as with a `Value`. Two differences,
/// both in fields that are skipped: invalid UTF-8 inside a string is not an
/// error, and neither is nesting deeper than serde_json's recursion limit
/// (skipping does not recurse, and keeps one byte per level).
pub(crate) fn parse_package_json(content: &[u8]) -> Facts {
    let v: package_json::PackageJson<'_> = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Facts::warning(format!("package.json is not JSON: {e}")),
    };
    let mut facts = Facts::default();
    let deps = v.dependencies;
    if !v.dev_dependencies.is_empty() {
        facts
            .extra
            .insert("devDependencies".into(), v.dev_dependencies.into());
    }
    let mut prod = deps.clone();
    prod.extend(v.optional_dependencies);
    if !prod.is_empty() {
        facts.extra.insert("dependencies".into(), prod.into());
    }
    let name = v.name.as_deref().unwrap_or("");
    let version = v.version.as_deref().unwrap_or("");
    if !name.is_empty() && !version.is_empty() {
        let mut p = RawPackage::new(PackageType::Npm, name, version);
        let mut licenses = v.license;
        licenses.extend(v.licenses);
        p.licenses = license::normalize_all(licenses);
        p.supplier = v.author.map(std::borrow::Cow::into_owned);
        p.depends = deps;
        if let Some(h) = v.homepage.as_deref() {
            p.meta("homepage", h);
        }
        facts.packages.push(p);
    }
    facts
}

/// The fields of a `package.json` that the catalog reads (see
/// [`parse_package_json`]).
mod package_json {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{
        self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use serde::Deserialize;

    #[derive(Default)]
    pub(super) struct PackageJson<'a> {
        pub(super) name: Option<Cow<'a, str>>,
        pub(super) version: Option<Cow<'a, str>>,
        /// From `license`: a string, `{"type": ...}`, or a list of those.
        pub(super) license: Vec<String>,
        /// From the old `licenses` list.
        pub(super) licenses: Vec<String>,
        /// `author` as a string, or its `name`.
        pub(super) author: Option<Cow<'a, str>>,
        pub(super) homepage: Option<Cow<'a, str>>,
        /// Names of each dependency map, sorted, each once.
        pub(super) dependencies: Vec<String>,
        pub(super) dev_dependencies: Vec<String>,
        pub(super) optional_dependencies: Vec<String>,
    }

    impl<'de> Deserialize<'de> for PackageJson<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Top)
        }
    }

    /// Reads any value, skipping it, and returns `T::default()` (for values
    /// of a type the field does not take).
    macro_rules! skip_other_values {
        () => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
        };
    }

    fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    struct Top;

    impl<'de> Visitor<'de> for Top {
        type Value = PackageJson<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON document")
        }
        skip_other_values!();
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(PackageJson::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq)?;
            Ok(PackageJson::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut p = PackageJson::default();
            while let Some(Key(key)) = map.next_key()? {
                match key.as_ref() {
                    "name" => p.name = map.next_value_seed(StrOr(None))?,
                    "version" => p.version = map.next_value_seed(StrOr(None))?,
                    "license" => p.license = map.next_value_seed(Licenses { single: true })?,
                    "licenses" => p.licenses = map.next_value_seed(Licenses { single: false })?,
                    "author" => p.author = map.next_value_seed(StrOr(Some("name")))?,
                    "homepage" => p.homepage = map.next_value_seed(StrOr(None))?,
                    "dependencies" => p.dependencies = map.next_value::<Keys>()?.0,
                    "devDependencies" => p.dev_dependencies = map.next_value::<Keys>()?.0,
                    "optionalDependencies" => {
                        p.optional_dependencies = map.next_value::<Keys>()?.0;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(p)
        }
    }

    /// An object key, borrowed from the input when it holds no escapes.
    struct Key<'a>(Cow<'a, str>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            // JSON keys are strings: `StrOr` never gives `None` here.
            let key = d.deserialize_str(StrOr(None))?;
            Ok(Key(key.unwrap_or_default()))
        }
    }

    /// A string; or, given a key, an object's string under that key (the
    /// last one). Anything else is `None`.
    #[derive(Clone, Copy)]
    struct StrOr(Option<&'static str>);

    impl<'de> DeserializeSeed<'de> for StrOr {
        type Value = Option<Cow<'de, str>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for StrOr {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }
        skip_other_values!();
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq)?;
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let Some(wanted) = self.0 else {
                drain_map(map)?;
                return Ok(None);
            };
            let mut found = None;
            while let Some(Key(key)) = map.next_key()? {
                if key == wanted {
                    found = map.next_value_seed(StrOr(None))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }

    /// Licence names: each a string or an object's `type`. `single`: the
    /// `license` field, which may also be one such item alone; otherwise a
    /// list is the only form taken.
    struct Licenses {
        single: bool,
    }

    impl<'de> DeserializeSeed<'de> for Licenses {
        type Value = Vec<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Licenses {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }
        skip_other_values!();
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(if self.single {
                vec![v.to_owned()]
            } else {
                Vec::new()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            if !self.single {
                drain_map(map)?;
                return Ok(Vec::new());
            }
            let item = StrOr(Some("type")).visit_map(map)?;
            Ok(item.map(Cow::into_owned).into_iter().collect())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element_seed(StrOr(Some("type")))? {
                out.extend(item.map(Cow::into_owned));
            }
            Ok(out)
        }
    }

    /// The keys of an object, sorted, each once; anything else gives none.
    #[derive(Default)]
    struct Keys(Vec<String>);

    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(KeysVisitor)
        }
    }

    struct KeysVisitor;

    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = Keys;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }
        skip_other_values!();
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Keys::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq)?;
            Ok(Keys::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            while let Some(Key(key)) = map.next_key()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key.into_owned());
            }
            keys.sort_unstable();
            keys.dedup();
            Ok(Keys(keys))
        }
    }
}

/// The package name in a lockfile key `node_modules/a/node_modules/@s/b`.
fn name_from_key(key: &str) -> &str {
    match key.rfind("node_modules/") {
        Some(i) => key.get(i + "node_modules/".len()..).unwrap_or(key),
        None => key,
    }
}

/// Parses `package-lock.json` / `npm-shrinkwrap.json`.
pub(crate) fn parse_package_lock(content: &[u8]) -> Facts {
    let v: Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Facts::warning(format!("lockfile is not JSON: {e}")),
    };
    let mut facts = Facts::default();
    if let Some(pkgs) = v.get("packages").and_then(Value::as_object) {
        // v2/v3: flat map keyed by install path.
        for (key, e) in pkgs {
            if e.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = if key.is_empty() {
                e.get("name")
                    .and_then(Value::as_str)
                    .or_else(|| v.get("name").and_then(Value::as_str))
                    .unwrap_or("")
            } else {
                // An alias (`node_modules/case-alias` with `"name": "case"`) is the real package.
                e.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| name_from_key(key))
            };
            let version = e.get("version").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() || version.is_empty() {
                continue;
            }
            let mut p = RawPackage::new(PackageType::Npm, name, version);
            p.dev = e.get("dev").and_then(Value::as_bool) == Some(true);
            p.licenses = licenses_of(e);
            p.depends = keys(e.get("dependencies"));
            p.depends.extend(keys(e.get("optionalDependencies")));
            if let Some(r) = e.get("resolved").and_then(Value::as_str) {
                p.meta("resolved", r);
            }
            if !key.is_empty() {
                p.inner_path = Some(key.clone());
            }
            facts.packages.push(p);
        }
        return facts;
    }
    // v1: nested `dependencies`.
    fn walk(
        deps: &serde_json::Map<String, Value>,
        depth: usize,
        parent_dev: bool,
        out: &mut Vec<RawPackage>,
    ) {
        if depth > 64 {
            return;
        }
        for (name, e) in deps {
            let version = e.get("version").and_then(Value::as_str).unwrap_or("");
            // Aliases: `"case-alias": {"version": "npm:case@1.6.3"}`.
            let (name, version) = match version
                .strip_prefix("npm:")
                .and_then(|s| s.rsplit_once('@'))
            {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None => (name.clone(), version.to_owned()),
            };
            // What only a dev dependency needs is dev too.
            let dev = parent_dev || e.get("dev").and_then(Value::as_bool) == Some(true);
            if !version.is_empty() {
                let mut p = RawPackage::new(PackageType::Npm, name, version);
                p.dev = dev;
                p.depends = keys(e.get("requires"));
                out.push(p);
            }
            if let Some(d) = e.get("dependencies").and_then(Value::as_object) {
                walk(d, depth + 1, dev, out);
            }
        }
    }
    if let Some(d) = v.get("dependencies").and_then(Value::as_object) {
        walk(d, 0, false, &mut facts.packages);
    }
    facts
}

/// The name in a yarn descriptor `name@range` / `@scope/name@npm:range`.
fn descriptor_name(d: &str) -> &str {
    let d = d.trim().trim_matches('"');
    let start = usize::from(d.starts_with('@'));
    match d.get(start..).and_then(|r| r.find('@')) {
        Some(i) => d.get(..i + start).unwrap_or(d),
        None => d,
    }
}

/// The real name behind a `resolved` URL `…/NAME/-/NAME-1.0.tgz` (aliases).
fn name_from_resolved(url: &str) -> Option<String> {
    let (before, _) = url.split_once("/-/")?;
    let mut segs = before.rsplit('/');
    let last = segs.next()?;
    let prev = segs.next().unwrap_or("");
    if prev.starts_with('@') {
        Some(format!("{prev}/{last}"))
    } else {
        Some(last.to_owned())
    }
}

/// Parses `yarn.lock`, v1 and berry.
pub(crate) fn parse_yarn_lock(content: &str) -> Facts {
    let mut facts = Facts::default();
    let mut seen = std::collections::BTreeSet::new();
    let mut header: Option<String> = None;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut deps: Vec<String> = Vec::new();
    let mut in_deps = false;
    let mut flush = |header: &Option<String>,
                     fields: &BTreeMap<String, String>,
                     deps: &[String],
                     facts: &mut Facts| {
        let Some(h) = header else { return };
        if h.starts_with("__metadata") {
            return;
        }
        let first = h.split(',').next().unwrap_or(h);
        let mut name = descriptor_name(first).to_owned();
        // An alias names the real package in its tarball URL (`…/@4lolo/x/-/x-1.tgz`).
        if let Some(n) = fields.get("resolved").and_then(|r| name_from_resolved(r)) {
            if !first.contains("@npm:") {
                name = n;
            }
        } else if let Some(n) = fields.get("name") {
            name = n.clone();
        }
        let Some(version) = fields.get("version") else {
            return;
        };
        if name.is_empty() || !seen.insert((name.clone(), version.clone())) {
            return;
        }
        let mut p = RawPackage::new(PackageType::Npm, name, version.clone());
        p.depends = deps.to_vec();
        if let Some(r) = fields.get("resolved").or_else(|| fields.get("resolution")) {
            p.meta("resolved", r.as_str());
        }
        if h.contains("@workspace:") {
            p.meta("workspace", true);
        }
        facts.packages.push(p);
    };
    for line in content.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let l = line.trim();
        if indent == 0 {
            flush(&header, &fields, &deps, &mut facts);
            header = Some(l.trim_end_matches(':').to_owned());
            fields.clear();
            deps.clear();
            in_deps = false;
        } else if indent <= 2 {
            in_deps = matches!(l, "dependencies:" | "optionalDependencies:");
            let (k, v) = match l.split_once(": ") {
                Some((k, v)) => (k, v),
                None => match l.split_once(' ') {
                    Some((k, v)) => (k, v),
                    None => continue,
                },
            };
            fields.insert(
                k.trim_matches('"').to_owned(),
                v.trim().trim_matches('"').to_owned(),
            );
        } else if in_deps {
            let k = l.split([':', ' ']).next().unwrap_or("");
            let k = if l.starts_with('"') {
                l.get(1..).and_then(|r| r.split('"').next()).unwrap_or(k)
            } else {
                k
            };
            if !k.is_empty() {
                deps.push(k.to_owned());
            }
        }
    }
    flush(&header, &fields, &deps, &mut facts);
    facts
}

fn ystr(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Splits a pnpm package key into name and version: `/a/1.0.0_peer` (v5),
/// `/a@1.0.0(peer)` (v6), `a@1.0.0(peer)` (v9), scopes included.
fn pnpm_key(key: &str, v5: bool) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let (name, ver) = if v5 {
        let i = k.rfind('/')?;
        (k.get(..i)?, k.get(i + 1..)?)
    } else {
        let start = usize::from(k.starts_with('@'));
        let i = k.get(start..)?.find('@')? + start;
        (k.get(..i)?, k.get(i + 1..)?)
    };
    let ver = ver.split(['(', '_']).next().unwrap_or(ver);
    (!name.is_empty() && !ver.is_empty()).then(|| (name.to_owned(), ver.to_owned()))
}

/// Parses `pnpm-lock.yaml` (every YAML document in it).
pub(crate) fn parse_pnpm_lock(content: &str) -> Facts {
    let docs = match YamlLoader::load_from_str(content) {
        Ok(d) => d,
        Err(e) => return Facts::warning(format!("pnpm-lock.yaml is not YAML: {e}")),
    };
    let mut facts = Facts::default();
    let mut seen = std::collections::BTreeSet::new();
    for doc in &docs {
        let version = ystr(&doc["lockfileVersion"]).unwrap_or_default();
        let v5 = version.starts_with('5') || version.starts_with('4') || version.starts_with('3');
        let major9 = !v5 && !version.starts_with('6');
        // v9 keeps dev-ness in the importers; collect the dev-only roots.
        let mut dev_roots: Vec<String> = Vec::new();
        let mut prod_roots: Vec<String> = Vec::new();
        if let Yaml::Hash(imps) = &doc["importers"] {
            for (_, imp) in imps {
                for sect in ["devDependencies", "dependencies", "optionalDependencies"] {
                    if let Yaml::Hash(h) = &imp[sect] {
                        let list = if sect == "devDependencies" {
                            &mut dev_roots
                        } else {
                            &mut prod_roots
                        };
                        list.extend(h.keys().filter_map(ystr));
                    }
                }
            }
        }
        // Direct dependencies (v5/v6 top level, v6+/v9 importers) name packages
        // that a trimmed `packages` section may lack.
        let mut roots: Vec<(String, String, bool)> = Vec::new();
        let mut importer_docs: Vec<&Yaml> = vec![doc];
        if let Yaml::Hash(imps) = &doc["importers"] {
            importer_docs.extend(imps.values());
        }
        for imp in importer_docs {
            for sect in ["dependencies", "optionalDependencies", "devDependencies"] {
                if let Yaml::Hash(h) = &imp[sect] {
                    for (n, v) in h {
                        let v = match v {
                            Yaml::Hash(_) => ystr(&v["version"]),
                            other => ystr(other),
                        };
                        if let (Some(n), Some(v)) = (ystr(n), v) {
                            let v = v.split(['(', '_']).next().unwrap_or("").to_owned();
                            if !v.is_empty() && !v.starts_with("link:") && !v.starts_with("file:") {
                                roots.push((n, v, sect == "devDependencies"));
                            }
                        }
                    }
                }
            }
        }
        let empty = yaml_rust2::yaml::Hash::new();
        let pkgs = doc["packages"].as_hash().unwrap_or(&empty);
        for (k, e) in pkgs {
            let Some(key) = ystr(k) else { continue };
            let Some((name, ver)) = pnpm_key(&key, v5) else {
                facts
                    .warnings
                    .push(format!("package key {key:?} not understood"));
                continue;
            };
            if !seen.insert((name.clone(), ver.clone())) {
                continue;
            }
            let mut p = RawPackage::new(PackageType::Npm, name.clone(), ver.clone());
            p.dev = matches!(e["dev"], Yaml::Boolean(true));
            let snap = if major9 {
                doc["snapshots"].as_hash().and_then(|h| {
                    h.iter()
                        .find(|(sk, _)| {
                            ystr(sk).is_some_and(|s| {
                                pnpm_key(&s, false).is_some_and(|(n, v)| n == name && v == ver)
                            })
                        })
                        .map(|(_, v)| v)
                })
            } else {
                None
            };
            for src in [Some(e), snap].into_iter().flatten() {
                for sect in ["dependencies", "optionalDependencies"] {
                    if let Yaml::Hash(h) = &src[sect] {
                        p.depends.extend(h.keys().filter_map(ystr));
                    }
                }
            }
            facts.packages.push(p);
        }
        for (n, v, dev) in roots {
            if seen.insert((n.clone(), v.clone())) {
                let mut p = RawPackage::new(PackageType::Npm, n, v);
                p.dev = dev;
                facts.packages.push(p);
            }
        }
        if major9 && !dev_roots.is_empty() {
            mark_dev_by_roots(&mut facts.packages, &prod_roots);
        }
    }
    facts
}

/// Marks as dev every package not reachable (by name) from `prod_roots`.
pub(crate) fn mark_dev_by_roots(pkgs: &mut [RawPackage], prod_roots: &[String]) {
    let mut reach: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut stack: Vec<String> = prod_roots.to_vec();
    while let Some(n) = stack.pop() {
        if !reach.insert(n.clone()) {
            continue;
        }
        for p in pkgs.iter().filter(|p| p.name == n) {
            stack.extend(p.depends.iter().cloned());
        }
    }
    for p in pkgs.iter_mut() {
        if !reach.contains(&p.name) && !p.metadata.contains_key("workspace") {
            p.dev = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_model::analysis::EntryKind;

    /// What `parse_package_json` gave when it read a `serde_json::Value`:
    /// the reference its one-pass reader must agree with.
    fn package_json_through_value(content: &[u8]) -> Facts {
        let v: Value = match serde_json::from_slice(content) {
            Ok(v) => v,
            Err(e) => return Facts::warning(format!("package.json is not JSON: {e}")),
        };
        let mut facts = Facts::default();
        let deps = keys(v.get("dependencies"));
        let dev = keys(v.get("devDependencies"));
        let opt = keys(v.get("optionalDependencies"));
        if !dev.is_empty() {
            facts.extra.insert("devDependencies".into(), dev.into());
        }
        let mut prod = deps.clone();
        prod.extend(opt);
        if !prod.is_empty() {
            facts.extra.insert("dependencies".into(), prod.into());
        }
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        let version = v.get("version").and_then(Value::as_str).unwrap_or("");
        if !name.is_empty() && !version.is_empty() {
            let mut p = RawPackage::new(PackageType::Npm, name, version);
            p.licenses = licenses_of(&v);
            p.supplier = match v.get("author") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Object(o)) => o.get("name").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            p.depends = deps;
            if let Some(h) = v.get("homepage").and_then(Value::as_str) {
                p.meta("homepage", h);
            }
            facts.packages.push(p);
        }
        facts
    }

    #[test]
    fn package_json_read_in_one_pass_agrees_with_a_value_tree() {
        let cases: &[&str] = &[
            r#"{"name":"a","version":"1.0.0"}"#,
            r#"{"name":"@s/b","version":"2.0.0","license":"MIT","author":"Jo <jo@x>","homepage":"https://x"}"#,
            r#"{"name":"c","version":"1","license":{"type":"ISC","url":"u"},"licenses":[{"type":"MIT"},"Apache-2.0",5,{"url":"u"}]}"#,
            r#"{"name":"d","version":"1","license":["MIT",{"type":"BSD-3-Clause"},null,[1]]}"#,
            r#"{"name":"e","version":"1","licenses":"MIT","license":7}"#,
            r#"{"name":"f","version":"1","author":{"email":"e","name":"Ann","name":"Bea"}}"#,
            r#"{"name":"g","version":"1","author":{"name":5}}"#,
            r#"{"name":"g2","version":"1","author":["x"]}"#,
            r#"{"name":"h","version":"1","dependencies":{"z":"1","a":"2","a":"3"},"optionalDependencies":{"m":"1"},"devDependencies":{"t":"1"}}"#,
            r#"{"name":"i","version":"1","dependencies":["x"],"devDependencies":"y","optionalDependencies":null}"#,
            r#"{"name":"j","name":"k","version":"1","version":2}"#,
            r#"{"name":"l","version":"1","name":"m"}"#,
            r#"{"name":5,"version":"1"}"#,
            r#"{"name":"","version":"1","dependencies":{"x":"1"}}"#,
            r#"{"na\u006de":"esc","version":"1","name":"n\"q\\u","homepage":"a\/b"}"#,
            r#"{"name":"o","version":"1","scripts":{"a":"b"},"readme":"long\ntext","nested":[{"a":[1,2,{"b":null}]}],"x":1.5e3,"y":true}"#,
            r#"{"devDependencies":{"only":"dev"}}"#,
            r#"[]"#,
            r#""just a string""#,
            r#"42"#,
            r#"null"#,
            r#"{}"#,
            "{\"name\":\"p\",\"version\":\"1\"} \n",
            r#"{"name":"q","version":"1""#,
            r#"{"name":"q","version":"1"} x"#,
            r#"{"name":"r","version":"1",}"#,
            r#""#,
            "\u{feff}{\"name\":\"s\",\"version\":\"1\"}",
        ];
        for case in cases {
            let ours = serde_json::to_value(parse_package_json(case.as_bytes())).unwrap();
            let reference =
                serde_json::to_value(package_json_through_value(case.as_bytes())).unwrap();
            assert_eq!(ours, reference, "{case}");
        }
        // A skipped value nested deeper than a Value tree may be (serde_json
        // skips it without recursion) is no reason to lose the package.
        let deep = format!(
            r#"{{"name":"t","version":"1","x":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let facts = parse_package_json(deep.as_bytes());
        assert_eq!(facts.packages.len(), 1);
        assert!(facts.warnings.is_empty());
        assert_eq!(
            package_json_through_value(deep.as_bytes()).warnings.len(),
            1
        );
        // Invalid UTF-8 in a skipped string, likewise.
        let latin1 = b"{\"name\":\"u\",\"version\":\"1\",\"description\":\"caf\xe9\"}";
        assert_eq!(parse_package_json(latin1).packages.len(), 1);
        // In a field that is read, it is an error.
        let bad_name = b"{\"name\":\"caf\xe9\",\"version\":\"1\"}";
        assert_eq!(parse_package_json(bad_name).warnings.len(), 1);
    }

    #[test]
    fn roles() {
        assert_eq!(
            json_role("app/node_modules/a/package.json"),
            JsonRole::Installed
        );
        assert_eq!(
            json_role("app/node_modules/@s/a/package.json"),
            JsonRole::Installed
        );
        assert_eq!(
            json_role("app/node_modules/a/lib/package.json"),
            JsonRole::Project
        );
        assert_eq!(json_role("app/package.json"), JsonRole::Project);
    }

    #[test]
    fn keys_and_names() {
        assert_eq!(
            pnpm_key("/@babel/core@7.21.4", false),
            Some(("@babel/core".into(), "7.21.4".into()))
        );
        assert_eq!(
            pnpm_key("/acorn-jsx/5.3.2_acorn@8.8.0", true),
            Some(("acorn-jsx".into(), "5.3.2".into()))
        );
        assert_eq!(
            pnpm_key("a@1.0.0(b@2)", false),
            Some(("a".into(), "1.0.0".into()))
        );
        assert_eq!(
            descriptor_name("\"@babel/code-frame@npm:7.10.4\""),
            "@babel/code-frame"
        );
        assert_eq!(
            name_from_resolved("https://r/@4lolo/resize-observer-polyfill/-/x.tgz#a").as_deref(),
            Some("@4lolo/resize-observer-polyfill")
        );
    }

    #[test]
    fn huge_lockfile() {
        let mut s = String::from(
            "{\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"root\",\"version\":\"1.0.0\"}",
        );
        for i in 0..50_000 {
            s.push_str(&format!(
                ",\"node_modules/p{i}\":{{\"version\":\"1.0.{i}\"}}"
            ));
        }
        s.push_str("}}");
        let f = parse_package_lock(s.as_bytes());
        assert_eq!(f.packages.len(), 50_001);
        let a = NpmAnalyzer {
            limits: Limits {
                max_lockfile_bytes: 1000,
                ..Limits::default()
            },
        };
        let meta = FileMeta {
            path: "package-lock.json",
            kind: EntryKind::Regular,
            size: s.len() as u64,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: None,
        };
        let v = a.analyze(&meta, s.as_bytes()).unwrap();
        assert!(v["warnings"][0].as_str().unwrap().contains("exceeds"));
    }
}
