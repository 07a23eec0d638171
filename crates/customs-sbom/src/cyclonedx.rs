//! CycloneDX 1.5/1.6 JSON: writer, and reader for 1.2–1.6.

use std::collections::{BTreeMap, BTreeSet};

use customs_model::{Catalog, OsRelease, Package, PackageType, Relationship, RelationshipKind};
use serde::{Deserialize, Serialize};

use crate::common::{self, Draft};
use crate::license::{self, License};
use crate::{purl, Error, Subject, WriteOptions};

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    schema: Option<String>,
    #[serde(default)]
    bom_format: String,
    #[serde(default)]
    spec_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    #[serde(default)]
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    /// Written in the 1.5+ object form; read and ignored in any form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tools: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<Component>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Component {
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type", default)]
    ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supplier: Option<Entity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    /// Nested components (read only; this writer keeps the list flat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize, Deserialize, Default)]
struct Entity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct LicenseChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license: Option<LicenseObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expression: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct LicenseObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Property {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

fn props(pairs: Vec<(String, String)>) -> Vec<Property> {
    pairs
        .into_iter()
        .map(|(name, value)| Property {
            name,
            value: Some(value),
        })
        .collect()
}

/// The `licenses` of a component. CycloneDX takes either a list of
/// licences (by id or name) or one expression, not both.
fn licenses(list: &[String]) -> Vec<LicenseChoice> {
    let list: Vec<&String> = list.iter().filter(|l| !l.trim().is_empty()).collect();
    let classes: Vec<License<'_>> = list.iter().map(|l| license::classify(l)).collect();
    let any_expression = classes.iter().any(|c| matches!(c, License::Expression(_)));
    let any_text = classes.iter().any(|c| matches!(c, License::Text(_)));
    if any_expression && !any_text {
        let mut refs = BTreeMap::new();
        let owned: Vec<String> = list.iter().map(|s| (*s).clone()).collect();
        let expression = license::spdx_declared(&owned, &mut refs);
        return vec![LicenseChoice {
            license: None,
            expression: Some(expression),
        }];
    }
    classes
        .into_iter()
        .map(|c| {
            let obj = match c {
                License::Id(id) => LicenseObject {
                    id: Some(id.to_owned()),
                    name: None,
                },
                License::Expression(t) | License::Text(t) => LicenseObject {
                    id: None,
                    name: Some(t.to_owned()),
                },
            };
            LicenseChoice {
                license: Some(obj),
                expression: None,
            }
        })
        .collect()
}

/// Maven and scoped npm names split into CycloneDX's group and name.
fn group_and_name(p: &Package) -> (Option<String>, String) {
    match p.package_type {
        PackageType::Maven => match p.name.split_once(':') {
            Some((g, n)) => (Some(g.to_owned()), n.to_owned()),
            None => (None, p.name.clone()),
        },
        PackageType::Npm if p.name.starts_with('@') => match p.name.split_once('/') {
            Some((g, n)) => (Some(g.to_owned()), n.to_owned()),
            None => (None, p.name.clone()),
        },
        _ => (None, p.name.clone()),
    }
}

/// A `bom-ref` for the image or OS that no package id takes.
fn free_ref(wanted: String, taken: &BTreeSet<&str>) -> String {
    let mut r = wanted;
    while taken.contains(r.as_str()) {
        r.push('#');
    }
    r
}

pub(crate) fn document(catalog: &Catalog, subject: &Subject, opts: &WriteOptions) -> Bom {
    let packages = common::sorted_packages(catalog);
    let taken: BTreeSet<&str> = packages.iter().map(|p| p.id.as_str()).collect();
    let digest = subject
        .manifest_digest
        .as_ref()
        .or(subject.image_id.as_ref())
        .map(ToString::to_string);
    let image_purl = purl::oci(
        &subject.name,
        subject
            .manifest_digest
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
    );
    let image_ref = free_ref(
        image_purl
            .clone()
            .unwrap_or_else(|| format!("image:{}", subject.name)),
        &taken,
    );
    let image = Component {
        bom_ref: Some(image_ref.clone()),
        ty: "container".to_owned(),
        name: if subject.name.is_empty() {
            "image".to_owned()
        } else {
            subject.name.clone()
        },
        version: digest,
        purl: image_purl,
        properties: props(common::subject_props(subject)),
        ..Component::default()
    };

    let mut components = Vec::new();
    let os_ref = catalog.os.as_ref().map(|os| {
        let version = os.version_id.clone().unwrap_or_default();
        let r = free_ref(format!("os:{}@{}", os.id, version), &taken);
        components.push(Component {
            bom_ref: Some(r.clone()),
            ty: "operating-system".to_owned(),
            name: os.id.clone(),
            version: os.version_id.clone(),
            description: os.pretty_name.clone(),
            properties: props(common::os_props(os)),
            ..Component::default()
        });
        r
    });

    let mut owners: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut has_parent: BTreeSet<&str> = BTreeSet::new();
    let mut rels: Vec<&Relationship> = catalog.relationships.iter().collect();
    rels.sort();
    for r in rels {
        if !taken.contains(r.from.as_str()) || !taken.contains(r.to.as_str()) {
            continue;
        }
        match r.kind {
            RelationshipKind::DependsOn => {
                deps.entry(r.from.as_str())
                    .or_default()
                    .insert(r.to.as_str());
                has_parent.insert(r.to.as_str());
            }
            RelationshipKind::Contains => owners
                .entry(r.to.as_str())
                .or_default()
                .push((format!("{}contained_by", common::PREFIX), r.from.clone())),
            RelationshipKind::Owns => owners
                .entry(r.to.as_str())
                .or_default()
                .push((format!("{}owned_by", common::PREFIX), r.from.clone())),
            _ => {}
        }
    }

    for p in &packages {
        let (group, name) = group_and_name(p);
        let mut pairs = common::package_props(p, true);
        pairs.extend(owners.remove(p.id.as_str()).unwrap_or_default());
        components.push(Component {
            bom_ref: Some(p.id.clone()),
            ty: "library".to_owned(),
            supplier: p.supplier.as_ref().map(|s| Entity {
                name: Some(s.clone()),
            }),
            group,
            name,
            version: Some(p.version.clone()).filter(|v| !v.is_empty()),
            licenses: licenses(&p.licenses),
            purl: Some(p.purl.clone()).filter(|v| !v.is_empty()),
            properties: props(pairs),
            ..Component::default()
        });
    }

    let top = |os_pkg: bool| -> Vec<String> {
        packages
            .iter()
            .filter(|p| p.package_type.is_os() == os_pkg && !has_parent.contains(p.id.as_str()))
            .map(|p| p.id.clone())
            .collect()
    };
    let mut image_deps: Vec<String> = Vec::new();
    let mut dependencies = Vec::new();
    match &os_ref {
        Some(os) => {
            image_deps.push(os.clone());
            image_deps.extend(top(false));
            dependencies.push(Dependency {
                reference: os.clone(),
                depends_on: top(true),
            });
        }
        None => {
            image_deps.extend(top(true));
            image_deps.extend(top(false));
        }
    }
    dependencies.insert(
        0,
        Dependency {
            reference: image_ref,
            depends_on: image_deps,
        },
    );
    for p in &packages {
        let depends_on = deps
            .get(p.id.as_str())
            .map(|s| s.iter().map(|d| (*d).to_owned()).collect());
        dependencies.push(Dependency {
            reference: p.id.clone(),
            depends_on: depends_on.unwrap_or_default(),
        });
    }

    let mut doc_props = Vec::new();
    for w in &catalog.warnings {
        doc_props.push((format!("{}warning", common::PREFIX), w.to_string()));
    }
    let tool = serde_json::json!({
        "components": [{ "type": "application", "name": opts.tool.name, "version": opts.tool.version }]
    });
    let version = opts.cyclonedx_version.as_str();
    Bom {
        schema: Some(format!(
            "http://cyclonedx.org/schema/bom-{version}.schema.json"
        )),
        bom_format: "CycloneDX".to_owned(),
        spec_version: version.to_owned(),
        serial_number: Some(format!(
            "urn:uuid:{}",
            common::content_uuid("cyclonedx", catalog, subject, opts)
        )),
        version: 1,
        metadata: Some(Metadata {
            timestamp: Some(opts.created.clone()),
            tools: Some(tool),
            component: Some(image),
            properties: props(doc_props),
        }),
        components,
        dependencies,
    }
}

fn prop_pairs(props: &[Property]) -> impl Iterator<Item = (&str, &str)> {
    props
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_deref().unwrap_or_default()))
}

/// Flattens nested components, depth first, parents before children.
fn flatten(components: Vec<Component>, out: &mut Vec<Component>) {
    for mut c in components {
        let children = std::mem::take(&mut c.components);
        out.push(c);
        flatten(children, out);
    }
}

pub(crate) fn read(bytes: &[u8], version: &str) -> Result<(Catalog, Option<Subject>), Error> {
    if !matches!(version, "1.2" | "1.3" | "1.4" | "1.5" | "1.6") {
        return Err(Error::UnsupportedVersion {
            format: "CycloneDX",
            version: version.to_owned(),
        });
    }
    let bom: Bom = serde_json::from_slice(bytes).map_err(|source| Error::MalformedJson {
        format: "CycloneDX",
        source,
    })?;
    let mut catalog = Catalog::default();
    let mut subject = None;
    if let Some(meta) = bom.metadata {
        if let Some(c) = meta.component {
            let mut s = Subject::named(c.name.clone());
            for (k, v) in prop_pairs(&c.properties) {
                common::apply_subject_prop(&mut s, k, v);
            }
            s.layers.sort_by_key(|l| l.index);
            subject = Some(s);
        }
        for (k, v) in prop_pairs(&meta.properties) {
            if k == "customs:warning" {
                catalog.warnings.push(common::parse_warning(v));
            }
        }
    }
    let mut all = Vec::new();
    flatten(bom.components, &mut all);
    let mut skipped = 0usize;
    let mut refs = BTreeSet::new();
    for c in all {
        if c.ty == "operating-system" {
            let mut os = OsRelease {
                id: c.name.clone(),
                version_id: c.version.clone(),
                pretty_name: c.description.clone(),
                ..OsRelease::default()
            };
            for (k, v) in prop_pairs(&c.properties) {
                common::apply_os_prop(&mut os, k, v);
            }
            catalog.os = Some(os);
            continue;
        }
        let mut draft = Draft {
            id: c.bom_ref.clone(),
            // The purl decides group/name splits (see Draft::finish).
            name: Some(c.name.clone()),
            version: c.version.clone(),
            purl: c.purl.clone(),
            supplier: c.supplier.and_then(|s| s.name),
            ..Draft::default()
        };
        for l in c.licenses {
            if let Some(e) = l.expression {
                draft.licenses.extend(license::split_and(&e));
            } else if let Some(obj) = l.license {
                if let Some(t) = obj.id.or(obj.name) {
                    draft.licenses.push(t);
                }
            }
        }
        let mut owned = Vec::new();
        for (k, v) in prop_pairs(&c.properties) {
            match k {
                "customs:contained_by" => owned.push((v.to_owned(), RelationshipKind::Contains)),
                "customs:owned_by" => owned.push((v.to_owned(), RelationshipKind::Owns)),
                _ => draft.apply(k, v),
            }
        }
        match draft.finish() {
            Some(p) => {
                for (from, kind) in owned {
                    catalog.relationships.push(Relationship {
                        from,
                        kind,
                        to: p.id.clone(),
                    });
                }
                refs.insert(p.id.clone());
                catalog.packages.push(p);
            }
            None if c.ty == "container" => {}
            None => skipped += 1,
        }
    }
    for d in bom.dependencies {
        if !refs.contains(&d.reference) {
            continue;
        }
        for to in d.depends_on {
            if refs.contains(&to) {
                catalog.relationships.push(Relationship {
                    from: d.reference.clone(),
                    kind: RelationshipKind::DependsOn,
                    to,
                });
            }
        }
    }
    catalog
        .warnings
        .extend(common::skipped_warning("CycloneDX", skipped));
    Ok((catalog, subject))
}
