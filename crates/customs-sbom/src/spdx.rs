//! SPDX 2.3: one document model, written as JSON or tag-value, read from
//! SPDX 2.2/2.3 JSON and tag-value.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use customs_model::{Catalog, OsRelease, RelationshipKind};
use serde::{Deserialize, Serialize};

use crate::common::{self, Draft};
use crate::{license, purl, Error, Limits, Subject, WriteOptions};

const NOASSERTION: &str = "NOASSERTION";
const IMAGE_ID: &str = "SPDXRef-Image";
const OS_ID: &str = "SPDXRef-OperatingSystem";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
/// The comment of `OTHER` relationships that stand for the model's `Owns`.
const OWNS_COMMENT: &str = "customs:owns";
/// The line that starts the catalog's warnings in the document comment.
const WARNINGS_HEADER: &str = "customs warnings:";
/// The prefix of `sourceInfo` naming a binary package's source, as Trivy
/// also writes it.
const BUILT_FROM: &str = "built package from: ";

#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    #[serde(default)]
    spdx_version: String,
    #[serde(default)]
    data_license: String,
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    document_namespace: String,
    #[serde(default)]
    creation_info: CreationInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(default)]
    packages: Vec<Package>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Serialize, Deserialize, Default, Debug)]
struct CreationInfo {
    #[serde(default)]
    creators: Vec<String>,
    #[serde(default)]
    created: String,
}

#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(default)]
    name: String,
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supplier: Option<String>,
    #[serde(default)]
    download_location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    files_analyzed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license_concluded: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license_declared: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    #[serde(default)]
    reference_category: String,
    #[serde(default)]
    reference_type: String,
    #[serde(default)]
    reference_locator: String,
}

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    #[serde(default)]
    annotator: String,
    #[serde(default)]
    annotation_date: String,
    #[serde(default)]
    annotation_type: String,
    #[serde(default)]
    comment: String,
}

#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    #[serde(default)]
    license_id: String,
    #[serde(default)]
    extracted_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    #[serde(default)]
    spdx_element_id: String,
    #[serde(default)]
    relationship_type: String,
    #[serde(default)]
    related_spdx_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

/// SPDX wants `YYYY-MM-DDThh:mm:ssZ`; callers may pass `+00:00` or
/// fractional seconds.
fn spdx_time(created: &str) -> String {
    let t = created.trim();
    let t = t
        .strip_suffix("+00:00")
        .map_or_else(|| t.to_owned(), |s| format!("{s}Z"));
    match (t.find('.'), t.ends_with('Z')) {
        (Some(dot), true) => format!("{}Z", t.get(..dot).unwrap_or(&t)),
        _ => t,
    }
}

/// A document name made URL-safe for the namespace.
fn url_part(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "image".to_owned()
    } else {
        out
    }
}

fn purl_ref(locator: String) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER".to_owned(),
        reference_type: "purl".to_owned(),
        reference_locator: locator,
    }
}

fn relationship(from: &str, kind: &str, to: &str) -> Relationship {
    Relationship {
        spdx_element_id: from.to_owned(),
        relationship_type: kind.to_owned(),
        related_spdx_element: to.to_owned(),
        comment: None,
    }
}

pub(crate) fn document(catalog: &Catalog, subject: &Subject, opts: &WriteOptions) -> Document {
    let created = spdx_time(&opts.created);
    let annotator = format!(
        "Tool: {}-{}",
        common::one_line(&opts.tool.name),
        common::one_line(&opts.tool.version)
    );
    let annotations = |pairs: Vec<(String, String)>| -> Vec<Annotation> {
        pairs
            .into_iter()
            .map(|(k, v)| Annotation {
                annotator: annotator.clone(),
                annotation_date: created.clone(),
                annotation_type: "OTHER".to_owned(),
                comment: format!("{k}: {v}"),
            })
            .collect()
    };
    let name = if subject.name.is_empty() {
        "image".to_owned()
    } else {
        subject.name.clone()
    };
    let packages_sorted = common::sorted_packages(catalog);
    let ids = common::unique_ids(
        "SPDXRef-Package-",
        packages_sorted.iter().map(|p| p.id.as_str()),
    );

    let mut packages = Vec::new();
    let mut relationships = vec![relationship(DOCUMENT_ID, "DESCRIBES", IMAGE_ID)];
    let manifest = subject.manifest_digest.as_ref().map(ToString::to_string);
    packages.push(Package {
        name: name.clone(),
        spdx_id: IMAGE_ID.to_owned(),
        version_info: manifest
            .clone()
            .or_else(|| subject.image_id.as_ref().map(ToString::to_string)),
        download_location: NOASSERTION.to_owned(),
        files_analyzed: Some(false),
        external_refs: purl::oci(&subject.name, manifest.as_deref())
            .map(purl_ref)
            .into_iter()
            .collect(),
        primary_package_purpose: Some("CONTAINER".to_owned()),
        annotations: annotations(common::subject_props(subject)),
        ..Package::default()
    });
    if let Some(os) = &catalog.os {
        packages.push(Package {
            name: os.id.clone(),
            spdx_id: OS_ID.to_owned(),
            version_info: os.version_id.clone(),
            download_location: NOASSERTION.to_owned(),
            files_analyzed: Some(false),
            primary_package_purpose: Some("OPERATING_SYSTEM".to_owned()),
            annotations: annotations(common::os_props(os)),
            ..Package::default()
        });
        relationships.push(relationship(IMAGE_ID, "CONTAINS", OS_ID));
    }

    let mut refs = BTreeMap::new();
    for p in &packages_sorted {
        let Some(spdx_id) = ids.get(&p.id) else {
            continue;
        };
        let licenses: Vec<String> = p
            .licenses
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect();
        let mut pairs = vec![(format!("{}id", common::PREFIX), p.id.clone())];
        pairs.extend(common::package_props(p, false));
        packages.push(Package {
            name: p.name.clone(),
            spdx_id: spdx_id.clone(),
            version_info: Some(p.version.clone()).filter(|v| !v.is_empty()),
            supplier: Some(
                p.supplier
                    .as_deref()
                    .map_or_else(|| NOASSERTION.to_owned(), common::spdx_actor),
            ),
            download_location: NOASSERTION.to_owned(),
            files_analyzed: Some(false),
            source_info: p.source.as_ref().map(|s| match &s.version {
                Some(v) => format!("{BUILT_FROM}{} {v}", s.name),
                None => format!("{BUILT_FROM}{}", s.name),
            }),
            license_declared: Some(license::spdx_declared(&licenses, &mut refs)),
            external_refs: Some(p.purl.clone())
                .filter(|u| !u.is_empty())
                .map(purl_ref)
                .into_iter()
                .collect(),
            primary_package_purpose: Some("LIBRARY".to_owned()),
            annotations: annotations(pairs),
            ..Package::default()
        });
        let parent = if catalog.os.is_some() && p.package_type.is_os() {
            OS_ID
        } else {
            IMAGE_ID
        };
        relationships.push(relationship(parent, "CONTAINS", spdx_id));
    }
    let mut model_rels: Vec<_> = catalog.relationships.iter().collect();
    model_rels.sort();
    for r in model_rels {
        let (Some(from), Some(to)) = (ids.get(&r.from), ids.get(&r.to)) else {
            continue;
        };
        let mut rel = match r.kind {
            RelationshipKind::DependsOn => relationship(from, "DEPENDS_ON", to),
            RelationshipKind::Contains => relationship(from, "CONTAINS", to),
            _ => relationship(from, "OTHER", to),
        };
        if rel.relationship_type == "OTHER" {
            rel.comment = Some(OWNS_COMMENT.to_owned());
        }
        relationships.push(rel);
    }

    let comment = (!catalog.warnings.is_empty()).then(|| {
        let mut c = WARNINGS_HEADER.to_owned();
        for w in &catalog.warnings {
            c.push('\n');
            c.push_str(&common::one_line(&w.to_string()));
        }
        c
    });
    let uuid = common::content_uuid("spdx", catalog, subject, opts);
    Document {
        spdx_version: "SPDX-2.3".to_owned(),
        data_license: "CC0-1.0".to_owned(),
        spdx_id: DOCUMENT_ID.to_owned(),
        name: common::one_line(&name),
        document_namespace: format!("{}/{}-{uuid}", common::NAMESPACE_BASE, url_part(&name)),
        creation_info: CreationInfo {
            creators: vec![annotator.clone()],
            created,
        },
        comment,
        packages,
        has_extracted_licensing_infos: refs
            .into_iter()
            .map(|(license_id, text)| ExtractedLicense {
                license_id,
                name: Some(common::one_line(&text)),
                extracted_text: text,
            })
            .collect(),
        relationships,
    }
}

/// Free text for tag-value: in `<text>` tags, with a closing tag inside
/// the text defused (tag-value has no escape).
fn text(s: &str) -> String {
    format!("<text>{}</text>", s.replace("</text>", "< /text>"))
}

/// Renders the document as SPDX 2.3 tag-value. Annotations go last, each
/// naming its element with `SPDXREF`, so no parser can attach them to the
/// wrong package.
pub(crate) fn tag_value(doc: &Document) -> String {
    let mut o = String::new();
    let line = |o: &mut String, tag: &str, value: &str| {
        let _ = writeln!(o, "{tag}: {value}");
    };
    line(&mut o, "SPDXVersion", &doc.spdx_version);
    line(&mut o, "DataLicense", &doc.data_license);
    line(&mut o, "SPDXID", &doc.spdx_id);
    line(&mut o, "DocumentName", &doc.name);
    line(&mut o, "DocumentNamespace", &doc.document_namespace);
    for c in &doc.creation_info.creators {
        line(&mut o, "Creator", c);
    }
    line(&mut o, "Created", &doc.creation_info.created);
    if let Some(c) = &doc.comment {
        line(&mut o, "DocumentComment", &text(c));
    }
    for p in &doc.packages {
        o.push('\n');
        line(&mut o, "PackageName", &common::one_line(&p.name));
        line(&mut o, "SPDXID", &p.spdx_id);
        if let Some(v) = &p.version_info {
            line(&mut o, "PackageVersion", &common::one_line(v));
        }
        if let Some(s) = &p.supplier {
            line(&mut o, "PackageSupplier", s);
        }
        line(&mut o, "PackageDownloadLocation", &p.download_location);
        if let Some(f) = p.files_analyzed {
            line(&mut o, "FilesAnalyzed", if f { "true" } else { "false" });
        }
        if let Some(s) = &p.source_info {
            line(&mut o, "PackageSourceInfo", &text(s));
        }
        if let Some(l) = &p.license_concluded {
            line(&mut o, "PackageLicenseConcluded", l);
        }
        if let Some(l) = &p.license_declared {
            line(&mut o, "PackageLicenseDeclared", l);
        }
        for r in &p.external_refs {
            let value = format!(
                "{} {} {}",
                r.reference_category, r.reference_type, r.reference_locator
            );
            line(&mut o, "ExternalRef", &value);
        }
        if let Some(p) = &p.primary_package_purpose {
            // JSON spells the values with `_`, tag-value with `-`.
            line(&mut o, "PrimaryPackagePurpose", &p.replace('_', "-"));
        }
    }
    if !doc.has_extracted_licensing_infos.is_empty() {
        o.push('\n');
    }
    for l in &doc.has_extracted_licensing_infos {
        line(&mut o, "LicenseID", &l.license_id);
        line(&mut o, "ExtractedText", &text(&l.extracted_text));
        if let Some(n) = &l.name {
            line(&mut o, "LicenseName", &common::one_line(n));
        }
    }
    o.push('\n');
    for r in &doc.relationships {
        let value = format!(
            "{} {} {}",
            r.spdx_element_id, r.relationship_type, r.related_spdx_element
        );
        line(&mut o, "Relationship", &value);
        if let Some(c) = &r.comment {
            line(&mut o, "RelationshipComment", &text(c));
        }
    }
    for p in &doc.packages {
        for a in &p.annotations {
            o.push('\n');
            line(&mut o, "Annotator", &a.annotator);
            line(&mut o, "AnnotationDate", &a.annotation_date);
            line(&mut o, "AnnotationType", &a.annotation_type);
            line(&mut o, "SPDXREF", &p.spdx_id);
            line(&mut o, "AnnotationComment", &text(&a.comment));
        }
    }
    o
}

/// Whether the bytes start (after comments and blank lines) like tag-value.
pub(crate) fn looks_like_tag_value(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or(bytes);
    String::from_utf8_lossy(head)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("SPDXVersion:"))
}

/// Parses tag-value into the document model. Only the tags the reader uses
/// are kept; others are skipped.
pub(crate) fn read_tag_value(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Catalog, Option<Subject>), Error> {
    let src = String::from_utf8_lossy(bytes);
    let mut doc = Document::default();
    let mut annotations: Vec<(String, Annotation)> = Vec::new();
    let mut pending: Option<(String, Annotation)> = None;
    let mut lines = src.lines().enumerate();
    let mut count = 0usize;
    // Which list the last `LicenseID`/`Relationship` went to, for the tags
    // that complete them.
    while let Some((n, raw)) = lines.next() {
        count += 1;
        if count > limits.max_values {
            return Err(Error::TooManyValues {
                limit: limits.max_values,
            });
        }
        let l = raw.trim_start();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = l.split_once(':') else {
            return Err(Error::MalformedTagValue {
                line: n + 1,
                reason: "expected TAG: value",
            });
        };
        let mut value = value.trim().to_owned();
        if let Some(rest) = value.strip_prefix("<text>") {
            let mut buf = rest.to_owned();
            while !buf.contains("</text>") {
                let Some((_, next)) = lines.next() else {
                    return Err(Error::MalformedTagValue {
                        line: n + 1,
                        reason: "unterminated <text>",
                    });
                };
                count += 1;
                if count > limits.max_values {
                    return Err(Error::TooManyValues {
                        limit: limits.max_values,
                    });
                }
                buf.push('\n');
                buf.push_str(next);
            }
            value = buf.split("</text>").next().unwrap_or_default().to_owned();
        }
        let v = value;
        match tag.trim() {
            "SPDXVersion" => doc.spdx_version = v,
            "DocumentName" => doc.name = v,
            "DocumentComment" => doc.comment = Some(v),
            "PackageName" => doc.packages.push(Package {
                name: v,
                ..Package::default()
            }),
            "SPDXID" => {
                if let Some(p) = doc.packages.last_mut() {
                    if p.spdx_id.is_empty() {
                        p.spdx_id = v;
                    }
                } else {
                    doc.spdx_id = v;
                }
            }
            "PackageVersion" => set(&mut doc, |p| p.version_info = Some(v)),
            "PackageSupplier" => set(&mut doc, |p| p.supplier = Some(v)),
            "PackageSourceInfo" => set(&mut doc, |p| p.source_info = Some(v)),
            "PackageLicenseDeclared" => set(&mut doc, |p| p.license_declared = Some(v)),
            "PackageLicenseConcluded" => set(&mut doc, |p| p.license_concluded = Some(v)),
            "PrimaryPackagePurpose" => set(&mut doc, |p| p.primary_package_purpose = Some(v)),
            "ExternalRef" => {
                let mut parts = v.splitn(3, char::is_whitespace);
                let (Some(c), Some(t), Some(loc)) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(Error::MalformedTagValue {
                        line: n + 1,
                        reason: "ExternalRef needs three fields",
                    });
                };
                let r = ExternalRef {
                    reference_category: c.to_owned(),
                    reference_type: t.to_owned(),
                    reference_locator: loc.trim().to_owned(),
                };
                set(&mut doc, |p| p.external_refs.push(r));
            }
            "LicenseID" => doc.has_extracted_licensing_infos.push(ExtractedLicense {
                license_id: v,
                ..ExtractedLicense::default()
            }),
            "ExtractedText" => {
                if let Some(l) = doc.has_extracted_licensing_infos.last_mut() {
                    l.extracted_text = v;
                }
            }
            "LicenseName" => {
                if let Some(l) = doc.has_extracted_licensing_infos.last_mut() {
                    l.name = Some(v);
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = v.split_whitespace().collect();
                let [a, kind, b] = parts.as_slice() else {
                    return Err(Error::MalformedTagValue {
                        line: n + 1,
                        reason: "Relationship needs three fields",
                    });
                };
                doc.relationships.push(relationship(a, kind, b));
            }
            "RelationshipComment" => {
                if let Some(r) = doc.relationships.last_mut() {
                    r.comment = Some(v);
                }
            }
            "Annotator" => {
                annotations.extend(pending.take());
                pending = Some((
                    String::new(),
                    Annotation {
                        annotator: v,
                        ..Annotation::default()
                    },
                ));
            }
            "SPDXREF" => {
                if let Some(a) = pending.as_mut() {
                    a.0 = v;
                }
            }
            "AnnotationComment" => {
                if let Some(a) = pending.as_mut() {
                    a.1.comment = v;
                }
            }
            _ => {}
        }
    }
    annotations.extend(pending.take());
    let index: HashMap<String, usize> = doc
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.spdx_id.clone(), i))
        .collect();
    for (target, a) in annotations {
        if let Some(p) = index.get(&target).and_then(|&i| doc.packages.get_mut(i)) {
            p.annotations.push(a);
        }
    }
    from_document(doc)
}

fn set(doc: &mut Document, f: impl FnOnce(&mut Package)) {
    if let Some(p) = doc.packages.last_mut() {
        f(p);
    }
}

pub(crate) fn read_json(bytes: &[u8], version: &str) -> Result<(Catalog, Option<Subject>), Error> {
    check_version(version)?;
    let doc: Document = serde_json::from_slice(bytes).map_err(|source| Error::MalformedJson {
        format: "SPDX",
        source,
    })?;
    from_document(doc)
}

fn check_version(version: &str) -> Result<(), Error> {
    if matches!(version, "SPDX-2.2" | "SPDX-2.3") {
        Ok(())
    } else {
        Err(Error::UnsupportedVersion {
            format: "SPDX",
            version: version.to_owned(),
        })
    }
}

/// The key and value of an annotation comment, with Trivy's bare keys
/// (`LayerDigest: …`) given the prefix its CycloneDX properties use.
fn annotation_pair(a: &Annotation) -> Option<(String, &str)> {
    let (k, v) = a.comment.split_once(": ")?;
    if !k.contains(':') && a.annotator.contains("trivy") {
        return Some((format!("aquasecurity:trivy:{k}"), v));
    }
    Some((k.to_owned(), v))
}

fn from_document(doc: Document) -> Result<(Catalog, Option<Subject>), Error> {
    check_version(&doc.spdx_version)?;
    let mut catalog = Catalog::default();
    if let Some(c) = &doc.comment {
        if let Some(rest) = c.split_once(WARNINGS_HEADER).map(|(_, r)| r) {
            catalog.warnings.extend(
                rest.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(common::parse_warning),
            );
        }
    }
    let refs: HashMap<&str, &str> = doc
        .has_extracted_licensing_infos
        .iter()
        .map(|l| {
            // Trivy puts the licence as found in the name and a sentence
            // around it in the text; ours has the text, on one line, as name.
            let text = match l.name.as_deref() {
                Some(n) if n == common::one_line(&l.extracted_text) => l.extracted_text.as_str(),
                Some(n) if !n.is_empty() && n != NOASSERTION => n,
                _ => l.extracted_text.as_str(),
            };
            (l.license_id.as_str(), text)
        })
        .collect();
    let mut subject = None;
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut skipped = 0usize;
    for p in doc.packages {
        let purl = p
            .external_refs
            .iter()
            .find(|r| r.reference_type == "purl")
            .map(|r| r.reference_locator.clone());
        // Tag-value (and some JSON writers) spell `OPERATING-SYSTEM`.
        let purpose = p
            .primary_package_purpose
            .as_deref()
            .unwrap_or_default()
            .replace('-', "_");
        let is_image = purpose == "CONTAINER"
            || purl
                .as_deref()
                .is_some_and(|u| u.starts_with("pkg:oci/") || u.starts_with("pkg:docker/"));
        if is_image {
            if subject.is_none() {
                let mut s = Subject::named(p.name.clone());
                for a in &p.annotations {
                    if let Some((k, v)) = annotation_pair(a) {
                        common::apply_subject_prop(&mut s, &k, v);
                    }
                }
                s.layers.sort_by_key(|l| l.index);
                subject = Some(s);
            }
            continue;
        }
        if purpose == "OPERATING_SYSTEM" {
            let mut os = OsRelease {
                id: p.name.clone(),
                version_id: p.version_info.clone(),
                ..OsRelease::default()
            };
            for a in &p.annotations {
                if let Some((k, v)) = annotation_pair(a) {
                    common::apply_os_prop(&mut os, &k, v);
                }
            }
            catalog.os = Some(os);
            continue;
        }
        let mut draft = Draft {
            name: Some(p.name.clone()),
            version: p.version_info.clone(),
            purl,
            supplier: p.supplier.as_deref().and_then(common::from_spdx_actor),
            ..Draft::default()
        };
        let declared = [
            p.license_declared.as_deref(),
            p.license_concluded.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find(|l| !matches!(l.trim(), "" | NOASSERTION | "NONE"));
        if let Some(expr) = declared {
            draft.licenses = license::split_and(expr)
                .into_iter()
                .map(|t| refs.get(t.as_str()).map_or(t, |text| (*text).to_owned()))
                .collect();
        }
        if let Some(rest) = p
            .source_info
            .as_deref()
            .and_then(|s| s.strip_prefix(BUILT_FROM))
        {
            let mut parts = rest.trim().splitn(2, ' ');
            if let Some(name) = parts.next().filter(|n| !n.is_empty()) {
                draft.source_name = Some(name.to_owned());
                draft.source_version = parts
                    .next()
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty());
            }
        }
        for a in &p.annotations {
            let Some((k, v)) = annotation_pair(a) else {
                continue;
            };
            if k == "customs:id" {
                draft.id = Some(v.to_owned());
            } else if !k.starts_with("aquasecurity:trivy:Src") {
                // Trivy's source facts are in sourceInfo already.
                draft.apply(&k, v);
            }
        }
        if draft.id.is_none() {
            draft.id = Some(p.spdx_id.clone());
        }
        match draft.finish() {
            Some(pkg) => {
                ids.insert(p.spdx_id.clone(), pkg.id.clone());
                catalog.packages.push(pkg);
            }
            None => skipped += 1,
        }
    }
    for r in doc.relationships {
        let (Some(a), Some(b)) = (
            ids.get(&r.spdx_element_id),
            ids.get(&r.related_spdx_element),
        ) else {
            continue;
        };
        let (from, kind, to) = match r.relationship_type.as_str() {
            "DEPENDS_ON" => (a, RelationshipKind::DependsOn, b),
            "DEPENDENCY_OF" => (b, RelationshipKind::DependsOn, a),
            "CONTAINS" => (a, RelationshipKind::Contains, b),
            "CONTAINED_BY" => (b, RelationshipKind::Contains, a),
            "OTHER"
                if r.comment.as_deref().is_some_and(|c| {
                    c == OWNS_COMMENT || c.contains("ownership-by-file-overlap")
                }) =>
            {
                (a, RelationshipKind::Owns, b)
            }
            _ => continue,
        };
        catalog.relationships.push(customs_model::Relationship {
            from: from.clone(),
            kind,
            to: to.clone(),
        });
    }
    catalog
        .warnings
        .extend(common::skipped_warning("SPDX", skipped));
    Ok((catalog, subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_normalised() {
        assert_eq!(spdx_time("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
        assert_eq!(
            spdx_time("2024-01-02T03:04:05+00:00"),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_time("2024-01-02T03:04:05.123Z"),
            "2024-01-02T03:04:05Z"
        );
    }

    #[test]
    fn tag_value_is_recognised() {
        assert!(looks_like_tag_value(
            b"## comment\n\nSPDXVersion: SPDX-2.3\n"
        ));
        assert!(!looks_like_tag_value(b"{}"));
    }
}
