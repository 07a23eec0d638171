//! What the formats share: deterministic identifiers, the properties that
//! carry image and package facts the formats have no field for, and the
//! package assembly the readers use.

use std::collections::{BTreeMap, BTreeSet};

use customs_model::analysis::LayerRef;
use customs_model::{Catalog, Location, OsRelease, Package, SourcePackage, Warning};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::purl::Purl;
use crate::{Error, Subject, WriteOptions};

/// Where SPDX document namespaces of customs live. SPDX wants a URI unique
/// to the document; it need not resolve. The project's repository URL is
/// the base; the document name and a content-derived UUID make it unique.
pub(crate) const NAMESPACE_BASE: &str = "https://example.invalid/customs/spdxdocs";

/// The prefix of every property and annotation key customs writes.
pub(crate) const PREFIX: &str = "customs:";

/// Pretty JSON with a trailing newline.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = serde_json::to_vec_pretty(value).map_err(Error::Serialize)?;
    out.push(b'\n');
    Ok(out)
}

/// A UUID derived from the document's content: SHA-256 over the subject, the
/// catalog, the tool and the format, laid out as a version-5 (name-based)
/// UUID. Two runs over one image give the same UUID; any change in what the
/// SBOM says gives another. (Version 5 proper uses SHA-1; the layout is what
/// schemas check, and a name-based UUID is what this is.)
pub(crate) fn content_uuid(
    format: &str,
    catalog: &Catalog,
    subject: &Subject,
    opts: &WriteOptions,
) -> String {
    let mut h = Sha256::new();
    for part in [format, &opts.tool.name, &opts.tool.version] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    // Serialising the model's own types cannot fail (string keys only).
    h.update(serde_json::to_vec(subject).unwrap_or_default());
    h.update([0]);
    // The model's order, whatever order the caller used.
    let mut relationships: Vec<_> = catalog.relationships.iter().collect();
    relationships.sort();
    let mut warnings: Vec<_> = catalog.warnings.iter().collect();
    warnings.sort();
    let canonical = serde_json::json!({
        "os": catalog.os,
        "packages": sorted_packages(catalog),
        "relationships": relationships,
        "warnings": warnings,
    });
    h.update(serde_json::to_vec(&canonical).unwrap_or_default());
    let d = h.finalize();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(d.iter()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..).unwrap_or_default()
    )
}

/// Eight hex characters of SHA-256, to tell apart identifiers that sanitise
/// to the same string.
pub(crate) fn short_hash(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `s` with every character outside `[A-Za-z0-9.-]` replaced by `-`.
pub(crate) fn sanitise(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "x".to_owned()
    } else {
        out
    }
}

/// Identifiers made from `prefix` + sanitised package id, unique within one
/// document: a clash after sanitising gets a hash of the original id.
pub(crate) fn unique_ids<'a>(
    prefix: &str,
    ids: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    let mut map = BTreeMap::new();
    for id in ids {
        if map.contains_key(id) {
            continue;
        }
        let mut candidate = format!("{prefix}{}", sanitise(id));
        if taken.contains(&candidate) {
            candidate = format!("{candidate}-{}", short_hash(id));
        }
        let mut n = 2u32;
        let base = candidate.clone();
        while taken.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        map.insert(id.to_owned(), candidate);
    }
    map
}

/// Packages in the order the model promises (type, name, version, id), so
/// output does not depend on how the caller sorted them.
pub(crate) fn sorted_packages(catalog: &Catalog) -> Vec<&Package> {
    let mut v: Vec<&Package> = catalog.packages.iter().collect();
    v.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.id).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.id,
        ))
    });
    v
}

/// Replaces line breaks and other control characters, for single-line fields.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Facts about the image as `(key, value)` pairs, in a fixed order:
/// CycloneDX properties and SPDX annotations of the image.
pub(crate) fn subject_props(subject: &Subject) -> Vec<(String, String)> {
    let mut props = vec![(format!("{PREFIX}reference"), subject.name.clone())];
    if let Some(d) = &subject.image_id {
        props.push((format!("{PREFIX}image_id"), d.to_string()));
    }
    if let Some(d) = &subject.manifest_digest {
        props.push((format!("{PREFIX}manifest_digest"), d.to_string()));
    }
    for r in &subject.repo_digests {
        props.push((format!("{PREFIX}repo_digest"), r.clone()));
    }
    if let Some(p) = &subject.platform {
        props.push((format!("{PREFIX}platform"), p.clone()));
    }
    for l in &subject.layers {
        let i = l.index;
        if let Some(d) = &l.digest {
            props.push((format!("{PREFIX}layer:{i}:digest"), d.to_string()));
        }
        if let Some(d) = &l.diff_id {
            props.push((format!("{PREFIX}layer:{i}:diff_id"), d.to_string()));
        }
        if let Some(c) = &l.created_by {
            props.push((format!("{PREFIX}layer:{i}:created_by"), c.clone()));
        }
        if l.digest.is_none() && l.diff_id.is_none() && l.created_by.is_none() {
            props.push((format!("{PREFIX}layer:{i}:present"), "true".to_owned()));
        }
    }
    props
}

/// Takes one image property back into a subject; other tools' keys for the
/// same facts (Trivy's) are understood too. Unknown keys are ignored.
pub(crate) fn apply_subject_prop(subject: &mut Subject, key: &str, value: &str) {
    let key = key.strip_prefix("aquasecurity:trivy:").map_or(key, |k| k);
    match key {
        "customs:reference" => value.clone_into(&mut subject.name),
        "customs:image_id" | "ImageID" => subject.image_id = value.parse().ok(),
        "customs:manifest_digest" => subject.manifest_digest = value.parse().ok(),
        "customs:repo_digest" | "RepoDigest" => subject.repo_digests.push(value.to_owned()),
        "customs:platform" => subject.platform = Some(value.to_owned()),
        _ => {
            let Some(rest) = key.strip_prefix("customs:layer:") else {
                return;
            };
            let Some((index, field)) = rest.split_once(':') else {
                return;
            };
            let Ok(index) = index.parse::<usize>() else {
                return;
            };
            // Layers come in index order from our writers; anything else is
            // appended in the order met, and sorted by the caller.
            let pos = match subject.layers.iter().position(|l| l.index == index) {
                Some(p) => p,
                None => {
                    subject.layers.push(LayerRef {
                        index,
                        digest: None,
                        diff_id: None,
                        created_by: None,
                    });
                    subject.layers.len() - 1
                }
            };
            let Some(layer) = subject.layers.get_mut(pos) else {
                return;
            };
            match field {
                "digest" => layer.digest = value.parse().ok(),
                "diff_id" => layer.diff_id = value.parse().ok(),
                "created_by" => layer.created_by = Some(value.to_owned()),
                _ => {}
            }
        }
    }
}

/// Facts about the OS that the formats have no field for.
pub(crate) fn os_props(os: &OsRelease) -> Vec<(String, String)> {
    let mut props = Vec::new();
    if let Some(c) = &os.codename {
        props.push((format!("{PREFIX}os:codename"), c.clone()));
    }
    if let Some(p) = &os.pretty_name {
        props.push((format!("{PREFIX}os:pretty_name"), p.clone()));
    }
    for l in &os.id_like {
        props.push((format!("{PREFIX}os:id_like"), l.clone()));
    }
    props
}

/// Takes one OS property back.
pub(crate) fn apply_os_prop(os: &mut OsRelease, key: &str, value: &str) {
    match key {
        "customs:os:codename" => os.codename = Some(value.to_owned()),
        "customs:os:pretty_name" => os.pretty_name = Some(value.to_owned()),
        "customs:os:id_like" => os.id_like.push(value.to_owned()),
        _ => {}
    }
}

/// Facts about a package that the formats have no field for, in a fixed
/// order. Each location starts with `customs:path`, so readers can group the
/// layer facts that follow it. `with_metadata` adds the model's metadata map
/// (`customs:metadata:KEY`, non-string values as JSON).
pub(crate) fn package_props(p: &Package, with_metadata: bool) -> Vec<(String, String)> {
    let mut props = Vec::new();
    for l in &p.locations {
        props.push((format!("{PREFIX}path"), l.path.clone()));
        if let Some(i) = l.layer_index {
            props.push((format!("{PREFIX}layer_index"), i.to_string()));
        }
        if let Some(d) = &l.layer_digest {
            props.push((format!("{PREFIX}layer_digest"), d.to_string()));
        }
        if let Some(d) = &l.layer_diff_id {
            props.push((format!("{PREFIX}layer_diff_id"), d.to_string()));
        }
    }
    if let Some(s) = &p.source {
        props.push((format!("{PREFIX}source_name"), s.name.clone()));
        if let Some(v) = &s.version {
            props.push((format!("{PREFIX}source_version"), v.clone()));
        }
    }
    if let Some(a) = &p.arch {
        props.push((format!("{PREFIX}arch"), a.clone()));
    }
    if with_metadata {
        for (k, v) in &p.metadata {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            props.push((format!("{PREFIX}metadata:{k}"), value));
        }
    }
    props
}

/// A package being assembled from one SBOM entry.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) purl: Option<String>,
    pub(crate) licenses: Vec<String>,
    pub(crate) supplier: Option<String>,
    pub(crate) locations: Vec<Location>,
    pub(crate) source_name: Option<String>,
    pub(crate) source_version: Option<String>,
    /// Trivy splits the source version into epoch, version and release.
    pub(crate) trivy_src: (Option<String>, Option<String>, Option<String>),
    pub(crate) arch: Option<String>,
    pub(crate) metadata: BTreeMap<String, serde_json::Value>,
}

impl Draft {
    fn last_location(&mut self) -> &mut Location {
        if self.locations.is_empty() {
            self.locations.push(Location::path(""));
        }
        let last = self.locations.len() - 1;
        #[allow(clippy::indexing_slicing)] // not empty: pushed above
        &mut self.locations[last]
    }

    fn location_at(&mut self, index: usize) -> Option<&mut Location> {
        // Syft numbers its locations; cap the index so a hostile number
        // cannot allocate.
        if index > 1024 {
            return None;
        }
        while self.locations.len() <= index {
            self.locations.push(Location::path(""));
        }
        self.locations.get_mut(index)
    }

    /// Takes one property (CycloneDX) or annotation (SPDX) into the draft:
    /// customs' keys, Trivy's and Syft's.
    pub(crate) fn apply(&mut self, key: &str, value: &str) {
        let v = || Some(value.to_owned());
        match key {
            "customs:path" => self.locations.push(Location::path(value)),
            "customs:layer_index" => self.last_location().layer_index = value.parse().ok(),
            "customs:layer_digest" => self.last_location().layer_digest = value.parse().ok(),
            "customs:layer_diff_id" => self.last_location().layer_diff_id = value.parse().ok(),
            "customs:source_name" => self.source_name = v(),
            "customs:source_version" => self.source_version = v(),
            "customs:arch" => self.arch = v(),
            "aquasecurity:trivy:FilePath" => value.clone_into(&mut self.last_location().path),
            "aquasecurity:trivy:LayerDigest" => {
                self.last_location().layer_digest = value.parse().ok()
            }
            "aquasecurity:trivy:LayerDiffID" => {
                self.last_location().layer_diff_id = value.parse().ok()
            }
            "aquasecurity:trivy:SrcName" => self.source_name = v(),
            "aquasecurity:trivy:SrcEpoch" => self.trivy_src.0 = v(),
            "aquasecurity:trivy:SrcVersion" => self.trivy_src.1 = v(),
            "aquasecurity:trivy:SrcRelease" => self.trivy_src.2 = v(),
            _ => {
                if let Some(k) = key.strip_prefix("customs:metadata:") {
                    let parsed = if value.starts_with(['{', '['])
                        || value.parse::<f64>().is_ok()
                        || value == "true"
                        || value == "false"
                        || value == "null"
                    {
                        serde_json::from_str(value)
                            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()))
                    } else {
                        serde_json::Value::String(value.to_owned())
                    };
                    self.metadata.insert(k.to_owned(), parsed);
                } else if let Some(rest) = key.strip_prefix("syft:location:") {
                    let Some((i, field)) = rest.split_once(':') else {
                        return;
                    };
                    let Ok(i) = i.parse::<usize>() else { return };
                    let Some(loc) = self.location_at(i) else {
                        return;
                    };
                    match field {
                        "path" => value.clone_into(&mut loc.path),
                        "layerID" => loc.layer_diff_id = value.parse().ok(),
                        _ => {}
                    }
                }
            }
        }
    }

    /// The package, or `None` when its ecosystem is unknown to the model.
    pub(crate) fn finish(self) -> Option<Package> {
        let purl_text = self.purl?;
        let purl = Purl::parse(&purl_text)?;
        let ty = purl.package_type()?;
        let name = match self.name.as_deref() {
            // Other tools split group and name differently; the purl is the
            // one spelling they agree on.
            _ if !purl.namespace.is_empty() && !ty.is_os() => purl.model_name(ty),
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => purl.model_name(ty),
        };
        let version = self
            .version
            .filter(|v| !v.is_empty())
            .or_else(|| purl.model_version(ty))
            .unwrap_or_default();
        let source = self.source_name.map(|name| {
            let version = self.source_version.or_else(|| {
                let (epoch, ver, rel) = self.trivy_src;
                let ver = ver?;
                let mut s = String::new();
                if let Some(e) = epoch.filter(|e| !e.is_empty() && e != "0") {
                    s.push_str(&e);
                    s.push(':');
                }
                s.push_str(&ver);
                if let Some(r) = rel.filter(|r| !r.is_empty()) {
                    s.push('-');
                    s.push_str(&r);
                }
                Some(s)
            });
            SourcePackage { name, version }
        });
        let arch = self
            .arch
            .or_else(|| purl.qualifier("arch").map(str::to_owned));
        let id = self.id.unwrap_or_else(|| format!("{ty}:{name}@{version}"));
        Some(Package {
            id,
            package_type: ty,
            name,
            version,
            purl: purl_text,
            arch,
            source,
            licenses: self.licenses,
            supplier: self.supplier,
            locations: self.locations,
            files: Vec::new(),
            metadata: self.metadata,
        })
    }
}

/// The kind of document, told from its top-level fields.
pub(crate) enum Kind {
    /// `spdxVersion`.
    Spdx(String),
    /// `bomFormat: CycloneDX` and `specVersion`.
    CycloneDx(String),
    /// `format: customs-sbom` and `version`.
    Customs(u64),
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "spdxVersion", default)]
    spdx_version: Option<serde_json::Value>,
    #[serde(rename = "bomFormat", default)]
    bom_format: Option<serde_json::Value>,
    #[serde(rename = "specVersion", default)]
    spec_version: Option<serde_json::Value>,
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

/// Tells the JSON formats apart from their top-level fields.
pub(crate) fn sniff(bytes: &[u8]) -> Result<Kind, Error> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|source| Error::MalformedJson {
        format: "JSON",
        source,
    })?;
    let text =
        |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_str()).map(str::to_owned);
    if let Some(v) = text(&probe.spdx_version) {
        return Ok(Kind::Spdx(v));
    }
    if text(&probe.bom_format).as_deref() == Some("CycloneDX") {
        return Ok(Kind::CycloneDx(
            text(&probe.spec_version).unwrap_or_default(),
        ));
    }
    if text(&probe.format).as_deref() == Some(crate::native::FORMAT) {
        let version = probe
            .version
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        return Ok(Kind::Customs(version));
    }
    Err(Error::UnknownFormat)
}

/// Puts a catalog read from any SBOM in the model's order: packages sorted by
/// (type, name, version, id) with unique ids, relationships between known
/// packages only, sorted and without duplicates.
pub(crate) fn normalise(catalog: &mut Catalog) {
    let mut seen = BTreeSet::new();
    for p in &mut catalog.packages {
        if !seen.insert(p.id.clone()) {
            let base = p.id.clone();
            let mut n = 2u32;
            while seen.contains(&format!("{base}#{n}")) {
                n += 1;
            }
            p.id = format!("{base}#{n}");
            seen.insert(p.id.clone());
        }
    }
    catalog.packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.id).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.id,
        ))
    });
    catalog
        .relationships
        .retain(|r| seen.contains(&r.from) && seen.contains(&r.to));
    catalog.relationships.sort();
    catalog.relationships.dedup();
}

/// A warning that some entries were left out of the catalog.
pub(crate) fn skipped_warning(format: &str, skipped: usize) -> Option<Warning> {
    (skipped > 0).then(|| {
        Warning::new(
            "sbom",
            format,
            format!("{skipped} entries without a package-url of a known ecosystem were left out"),
        )
    })
}

/// `source: subject: message`, as [`Warning`] displays, parsed back.
pub(crate) fn parse_warning(s: &str) -> Warning {
    let mut parts = s.splitn(3, ": ");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c)) => Warning::new(a, b, c),
        _ => Warning::new("sbom", "", s),
    }
}

/// A supplier as SPDX wants it: `Organization: NAME (EMAIL)` or
/// `Person: NAME (EMAIL)`, from the `NAME <EMAIL>` form package databases use.
/// Names that look like teams, lists or companies are organisations.
pub(crate) fn spdx_actor(supplier: &str) -> String {
    let s = one_line(supplier.trim());
    if s.starts_with("Person: ") || s.starts_with("Organization: ") {
        return s;
    }
    let (name, email) = match s.rsplit_once('<') {
        Some((n, e)) if e.ends_with('>') => (
            n.trim().to_owned(),
            Some(e.trim_end_matches('>').trim().to_owned()),
        ),
        _ => (s.clone(), None),
    };
    const ORG_WORDS: [&str; 16] = [
        "team",
        "developers",
        "maintainers",
        "packagers",
        "project",
        "group",
        "foundation",
        "inc",
        "ltd",
        "llc",
        "corporation",
        "community",
        "committee",
        "authors",
        "contributors",
        "org",
    ];
    let lower = name.to_ascii_lowercase();
    let is_org = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ORG_WORDS.contains(&w))
        || email
            .as_deref()
            .is_some_and(|e| e.contains("lists.") || e.contains("@packages."));
    let kind = if is_org { "Organization" } else { "Person" };
    let name = if name.is_empty() {
        email.clone().unwrap_or_default()
    } else {
        name
    };
    match email.filter(|e| !e.is_empty()) {
        Some(e) => format!("{kind}: {name} ({e})"),
        None => format!("{kind}: {name}"),
    }
}

/// The inverse of [`spdx_actor`]: `NAME <EMAIL>`, or `None` for NOASSERTION.
pub(crate) fn from_spdx_actor(actor: &str) -> Option<String> {
    let a = actor.trim();
    if a.is_empty() || a == "NOASSERTION" || a == "NONE" {
        return None;
    }
    let a = ["Person:", "Organization:", "Tool:"]
        .iter()
        .find_map(|p| a.strip_prefix(p))
        .map_or(a, str::trim);
    if let Some((name, email)) = a.strip_suffix(')').and_then(|r| r.rsplit_once('(')) {
        if email.contains('@') {
            return Some(format!("{} <{}>", name.trim(), email.trim()));
        }
    }
    Some(a.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitised_and_unique() {
        let m = unique_ids(
            "SPDXRef-Package-",
            ["npm:@a/b@1", "npm:@a-b@1", "npm:@a/b@1"].into_iter(),
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m["npm:@a/b@1"], "SPDXRef-Package-npm--a-b-1");
        assert!(m["npm:@a-b@1"].starts_with("SPDXRef-Package-npm--a-b-1-"));
    }

    #[test]
    fn actors() {
        assert_eq!(
            spdx_actor("APT Development Team <deity@lists.example.org>"),
            "Organization: APT Development Team (deity@lists.example.org)"
        );
        assert_eq!(
            spdx_actor("Jane Doe <jane@example.org>"),
            "Person: Jane Doe (jane@example.org)"
        );
        assert_eq!(spdx_actor("Jane Doe"), "Person: Jane Doe");
        assert_eq!(
            from_spdx_actor("Person: Jane Doe (jane@example.org)").unwrap(),
            "Jane Doe <jane@example.org>"
        );
        assert_eq!(from_spdx_actor("Organization: X <x@y>").unwrap(), "X <x@y>");
        assert_eq!(from_spdx_actor("NOASSERTION"), None);
    }

    #[test]
    fn warnings_round_trip() {
        let w = Warning::new("dpkg", "/var/lib/dpkg/status", "bad: entry");
        assert_eq!(parse_warning(&w.to_string()), w);
    }
}
