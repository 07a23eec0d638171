//! The post-walk pass: records of present files → one deduplicated catalog.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use customs_model::analysis::{Analysis, FileRecord};
use customs_model::{
    Catalog, Location, OsRelease, Package, PackageType, Relationship, RelationshipKind, Warning,
};
use serde::Deserialize as _;

use crate::facts::{file_name, parent, Facts, RawPackage};
use crate::{npm, purl, Options};

/// A package found in one record, before deduplication.
struct Cand {
    raw: RawPackage,
    loc: Location,
    /// Index of the record (in `analysis.records`) and of the package in it.
    record: usize,
    index: usize,
    /// For installed npm packages: the package folder.
    npm_dir: Option<String>,
}

fn facts_of(r: &FileRecord) -> Option<Facts> {
    Facts::deserialize(&r.value).ok()
}

fn os_of(analysis: &Analysis) -> Option<OsRelease> {
    let mut found: Vec<(usize, OsRelease)> = analysis
        .present("os-release")
        .filter_map(|r| {
            let rank = crate::os::RELEASE_FILES.iter().position(|p| *p == r.path)?;
            Some((rank, facts_of(r)?.os?))
        })
        .collect();
    found.sort_by_key(|(rank, _)| *rank);
    let mut it = found.into_iter().map(|(_, os)| os);
    let mut best = it.next()?;
    // `debian_version` is more precise than os-release's VERSION_ID on testing.
    if best.version_id.is_none() {
        if let Some(other) = it.find(|o| o.id == best.id && o.version_id.is_some()) {
            best.version_id = other.version_id;
        }
    }
    Some(best)
}

/// The layer from which the package (same name and version) was continuously
/// in the database file at `present`'s path.
fn introduced_in(
    analysis: &Analysis,
    analyzer: &str,
    present: &FileRecord,
    parsed: &mut HashMap<usize, Vec<(String, String)>>,
) -> HashMap<(String, String), usize> {
    let mut versions: Vec<(usize, &FileRecord)> = analysis
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.analyzer == analyzer && r.path == present.path && r.layer <= present.layer
        })
        .collect();
    versions.sort_by_key(|(_, r)| std::cmp::Reverse(r.layer));
    let mut intro: HashMap<(String, String), usize> = HashMap::new();
    let mut alive: BTreeSet<(String, String)> = BTreeSet::new();
    for (n, (i, r)) in versions.iter().enumerate() {
        let pkgs = parsed
            .entry(*i)
            .or_insert_with(|| {
                facts_of(r)
                    .map(|f| {
                        f.packages
                            .into_iter()
                            .map(|p| (p.name, p.version))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .clone();
        let set: BTreeSet<(String, String)> = pkgs.into_iter().collect();
        if n == 0 {
            alive = set;
        } else {
            alive = alive.intersection(&set).cloned().collect();
        }
        if alive.is_empty() {
            break;
        }
        for k in &alive {
            intro.insert(k.clone(), r.layer);
        }
    }
    intro
}

fn location_at(analysis: &Analysis, record: &FileRecord, layer: usize) -> Location {
    let mut loc = analysis.location(record);
    if layer != record.layer {
        let l = analysis.layer(layer);
        loc.layer_index = Some(layer);
        loc.layer_digest = l.and_then(|l| l.digest.clone());
        loc.layer_diff_id = l.and_then(|l| l.diff_id.clone());
    }
    loc
}

/// Paths under merged-/usr have two spellings.
fn aliases(path: &str) -> Vec<String> {
    let mut out = vec![path.to_owned()];
    for (a, b) in [
        ("/bin/", "/usr/bin/"),
        ("/sbin/", "/usr/sbin/"),
        ("/lib/", "/usr/lib/"),
        ("/lib64/", "/usr/lib64/"),
    ] {
        if let Some(rest) = path.strip_prefix(a) {
            out.push(format!("{b}{rest}"));
        } else if let Some(rest) = path.strip_prefix(b) {
            out.push(format!("{a}{rest}"));
        }
    }
    out
}

fn is_vendored(path: &str) -> bool {
    [
        "/vendor/",
        "/.cargo/registry/",
        "/.cargo/git/",
        "/pkg/mod/",
        "/gems/",
        "/node_modules/",
    ]
    .iter()
    .any(|m| path.contains(m) || path.starts_with(m.trim_start_matches('/')))
}

pub(crate) fn assemble(analysis: &Analysis, opts: &Options) -> Catalog {
    let os = os_of(analysis);
    let distro_owned = os.as_ref().map(|o| (o.id.clone(), o.version_id.clone()));
    let distro = distro_owned
        .as_ref()
        .map(|(i, v)| (i.as_str(), v.as_deref()));
    let mut warnings: BTreeSet<Warning> = BTreeSet::new();
    let mut cands: Vec<Cand> = Vec::new();
    let mut parsed_cache: HashMap<usize, Vec<(String, String)>> = HashMap::new();

    // Parse every present record once.
    // Each stage below takes (moves) what it uses out of these facts: file
    // lists are the bulk of an image's records and are never copied.
    let mut present: Vec<(usize, &FileRecord, Facts)> = Vec::new();
    // Other features' analyzers (secrets, ...) share the walk and the Analysis;
    // their records are not ours to read.
    let ours: Vec<&'static str> = crate::analyzers().iter().map(|a| a.id()).collect();
    for (i, r) in analysis.records.iter().enumerate() {
        if !r.is_present() || !ours.contains(&r.analyzer.as_str()) {
            continue;
        }
        let Some(f) = facts_of(r) else {
            warnings.insert(Warning::new(
                r.analyzer.clone(),
                r.absolute_path(),
                "analyzer output not understood",
            ));
            continue;
        };
        for w in &f.warnings {
            warnings.insert(Warning::new(
                r.analyzer.clone(),
                r.absolute_path(),
                w.clone(),
            ));
        }
        present.push((i, r, f));
    }
    fn by<'p, 'r>(
        present: &'p [(usize, &'r FileRecord, Facts)],
        a: &'static str,
    ) -> impl Iterator<Item = &'p (usize, &'r FileRecord, Facts)> + 'p {
        present.iter().filter(move |(_, r, _)| r.analyzer == a)
    }
    fn by_mut<'p, 'r>(
        present: &'p mut [(usize, &'r FileRecord, Facts)],
        a: &'static str,
    ) -> impl Iterator<Item = &'p mut (usize, &'r FileRecord, Facts)> + 'p {
        present.iter_mut().filter(move |(_, r, _)| r.analyzer == a)
    }

    // dpkg side files: file lists, digests, copyright licences.
    let mut dpkg_files: HashMap<String, (BTreeSet<String>, BTreeMap<String, String>)> =
        HashMap::new();
    for (_, _, f) in by_mut(&mut present, "dpkg-files") {
        if let Some(o) = &f.owner {
            let e = dpkg_files.entry(o.clone()).or_default();
            e.0.extend(std::mem::take(&mut f.files));
            let digests = std::mem::take(&mut f.digests);
            if e.1.is_empty() {
                e.1 = digests;
            } else {
                e.1.extend(digests);
            }
        }
    }
    let mut copyright: HashMap<String, Vec<String>> = HashMap::new();
    for (_, _, f) in by_mut(&mut present, "dpkg-copyright") {
        if let Some(o) = &f.owner {
            copyright.insert(o.clone(), std::mem::take(&mut f.licenses));
        }
    }
    // A deb name listed once (the usual case) takes its file list; one listed
    // in several databases (e.g. `status.d` and `status`) gets copies.
    let mut deb_names: HashMap<String, usize> = HashMap::new();
    for analyzer in ["dpkg-db", "apk-db", "rpm-db"] {
        for (_, _, f) in by(&present, analyzer) {
            for p in f.packages.iter().filter(|p| p.ty == PackageType::Deb) {
                *deb_names.entry(p.name.clone()).or_default() += 1;
            }
        }
    }

    // OS package databases.
    for analyzer in ["dpkg-db", "apk-db", "rpm-db"] {
        for &mut (ri, r, ref mut f) in by_mut(&mut present, analyzer) {
            let intro = introduced_in(analysis, analyzer, r, &mut parsed_cache);
            for (pi, mut p) in std::mem::take(&mut f.packages).into_iter().enumerate() {
                if p.ty == PackageType::Deb {
                    let side = if deb_names.get(&p.name) == Some(&1) {
                        dpkg_files.remove(&p.name)
                    } else {
                        dpkg_files.get(&p.name).cloned()
                    };
                    if let Some((files, digests)) = side {
                        p.files = files.into_iter().collect();
                        if opts.include_files && !digests.is_empty() {
                            let map: serde_json::Map<String, serde_json::Value> = digests
                                .into_iter()
                                .map(|(k, v)| (k, serde_json::Value::String(v)))
                                .collect();
                            p.meta("file_digests", serde_json::Value::Object(map));
                        }
                    }
                    if p.licenses.is_empty() {
                        if let Some(l) = copyright.get(&p.name) {
                            p.licenses = l.clone();
                        }
                    }
                }
                let layer = intro
                    .get(&(p.name.clone(), p.version.clone()))
                    .copied()
                    .unwrap_or(r.layer);
                cands.push(Cand {
                    raw: p,
                    loc: location_at(analysis, r, layer),
                    record: ri,
                    index: pi,
                    npm_dir: None,
                });
            }
        }
    }

    // Python: metadata joined with RECORD / direct_url.json of the same folder.
    let mut py_side: HashMap<&str, Facts> = HashMap::new();
    for &mut (_, r, ref mut f) in by_mut(&mut present, "python") {
        if f.packages.is_empty() && (!f.files.is_empty() || !f.extra.is_empty()) {
            let side = py_side.entry(parent(&r.path)).or_default();
            side.files.extend(std::mem::take(&mut f.files));
            side.extra.append(&mut f.extra);
        }
    }
    // Folders with one package (the usual case) take the side facts' file list.
    let mut py_users: HashMap<&str, usize> = HashMap::new();
    for (_, r, f) in by(&present, "python") {
        if matches!(file_name(&r.path), "METADATA" | "PKG-INFO") {
            *py_users.entry(parent(&r.path)).or_default() += f.packages.len();
        }
    }
    for &mut (ri, r, ref mut f) in by_mut(&mut present, "python") {
        for (pi, mut p) in std::mem::take(&mut f.packages).into_iter().enumerate() {
            let is_dir_form = matches!(file_name(&r.path), "METADATA" | "PKG-INFO");
            let dir = parent(&r.path);
            if let Some(side) = py_side.get_mut(dir).filter(|_| is_dir_form) {
                if py_users.get(dir) == Some(&1) {
                    p.files = std::mem::take(&mut side.files);
                } else {
                    p.files.clone_from(&side.files);
                }
                if let Some(d) = side.extra.get("direct_url") {
                    p.meta("direct_url", d.clone());
                }
            }
            cands.push(Cand {
                raw: p,
                loc: analysis.location(r),
                record: ri,
                index: pi,
                npm_dir: None,
            });
        }
    }

    // npm: installed package.json first; projects and lockfiles after the rule.
    let mut installed_dirs: Vec<&str> = Vec::new();
    // Project folder -> the `extra` facts of its package.json (small).
    let mut project_json: HashMap<&str, BTreeMap<String, serde_json::Value>> = HashMap::new();
    for (_, r, f) in by(&present, "npm") {
        if file_name(&r.path) == "package.json" {
            match npm::json_role(&r.path) {
                npm::JsonRole::Installed => installed_dirs.push(parent(&r.path)),
                npm::JsonRole::Project => {
                    project_json.insert(parent(&r.path), f.extra.clone());
                }
            }
        }
    }
    for &mut (ri, r, ref mut f) in by_mut(&mut present, "npm") {
        let dir = parent(&r.path);
        let name = file_name(&r.path);
        if name == "package.json" {
            let role = npm::json_role(&r.path);
            if role == npm::JsonRole::Project && npm::inside_node_modules(&r.path) {
                continue; // a file inside an installed package, not a project
            }
            for (pi, p) in std::mem::take(&mut f.packages).into_iter().enumerate() {
                let npm_dir = (role == npm::JsonRole::Installed).then(|| dir.to_owned());
                cands.push(Cand {
                    raw: p,
                    loc: analysis.location(r),
                    record: ri,
                    index: pi,
                    npm_dir,
                });
            }
            continue;
        }
        let nm = if dir.is_empty() {
            "node_modules/".to_owned()
        } else {
            format!("{dir}/node_modules/")
        };
        if installed_dirs.iter().any(|d| d.starts_with(&nm)) {
            continue; // installed packages are the truth for this project
        }
        let mut pkgs = std::mem::take(&mut f.packages);
        if name == "yarn.lock" {
            if let Some(pj) = project_json.get(dir) {
                if pj.contains_key("devDependencies") {
                    let roots: Vec<String> = pj
                        .get("dependencies")
                        .and_then(|v| serde_json::from_value(v.clone()).ok())
                        .unwrap_or_default();
                    npm::mark_dev_by_roots(&mut pkgs, &roots);
                }
            }
        }
        for (pi, p) in pkgs.into_iter().enumerate() {
            if p.dev && !opts.include_dev {
                continue;
            }
            cands.push(Cand {
                raw: p,
                loc: analysis.location(r),
                record: ri,
                index: pi,
                npm_dir: None,
            });
        }
    }

    // Other lockfiles and manifests.
    let composer_installed: BTreeSet<&str> = by(&present, "lockfile")
        .filter(|(_, r, _)| r.path.ends_with("vendor/composer/installed.json"))
        .map(|(_, r, _)| r.path.as_str())
        .collect();
    for &mut (ri, r, ref mut f) in by_mut(&mut present, "lockfile") {
        let name = file_name(&r.path);
        let dir = parent(&r.path);
        let lockfile = matches!(
            name,
            "Cargo.lock" | "go.mod" | "Gemfile.lock" | "composer.lock"
        );
        if lockfile && is_vendored(&format!("/{}", r.path)) {
            continue;
        }
        if name == "composer.lock" {
            let inst = crate::facts::join(dir, "vendor/composer/installed.json");
            if composer_installed.contains(inst.as_str()) {
                continue;
            }
        }
        for (pi, p) in std::mem::take(&mut f.packages).into_iter().enumerate() {
            if lockfile && p.dev && !opts.include_dev {
                continue;
            }
            cands.push(Cand {
                raw: p,
                loc: analysis.location(r),
                record: ri,
                index: pi,
                npm_dir: None,
            });
        }
    }

    // Executables and archives.
    for analyzer in ["binary", "java"] {
        for &mut (ri, r, ref mut f) in by_mut(&mut present, analyzer) {
            for (pi, p) in std::mem::take(&mut f.packages).into_iter().enumerate() {
                cands.push(Cand {
                    raw: p,
                    loc: analysis.location(r),
                    record: ri,
                    index: pi,
                    npm_dir: None,
                });
            }
        }
    }

    build(cands, os, distro, warnings, opts)
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn build(
    mut cands: Vec<Cand>,
    os: Option<OsRelease>,
    distro: Option<(&str, Option<&str>)>,
    warnings: BTreeSet<Warning>,
    opts: &Options,
) -> Catalog {
    // Defining location first: sort candidates by path, then layer.
    cands.sort_by(|a, b| {
        (&a.loc.path, a.loc.layer_index, a.record, a.index).cmp(&(
            &b.loc.path,
            b.loc.layer_index,
            b.record,
            b.index,
        ))
    });
    let mut by_purl: HashMap<String, usize> = HashMap::new();
    let mut packages: Vec<Package> = Vec::new();
    let mut cand_pkg: Vec<usize> = Vec::with_capacity(cands.len());
    let mut files_of: Vec<Vec<String>> = Vec::new();
    for c in &mut cands {
        let p = &mut c.raw;
        let purl = purl::for_package(
            p.ty,
            &p.name,
            &p.version,
            p.arch.as_deref(),
            &p.qualifiers,
            distro,
        );
        let idx = match by_purl.get(&purl) {
            Some(&i) => {
                if let Some(pkg) = packages.get_mut(i) {
                    if !pkg.locations.contains(&c.loc) {
                        pkg.locations.push(c.loc.clone());
                    }
                }
                i
            }
            None => {
                let idx = packages.len();
                by_purl.insert(purl.clone(), idx);
                let mut metadata = std::mem::take(&mut p.metadata);
                if let Some(ip) = &p.inner_path {
                    metadata.insert("inner_path".into(), ip.clone().into());
                }
                if !opts.include_files {
                    metadata.remove("file_digests");
                }
                packages.push(Package {
                    id: String::new(),
                    package_type: p.ty,
                    name: p.name.clone(),
                    version: p.version.clone(),
                    purl,
                    arch: p.arch.clone(),
                    source: p.source.clone(),
                    licenses: p.licenses.clone(),
                    supplier: p.supplier.clone(),
                    locations: vec![c.loc.clone()],
                    files: Vec::new(),
                    metadata,
                });
                files_of.push(std::mem::take(&mut p.files));
                idx
            }
        };
        cand_pkg.push(idx);
    }
    // Deterministic ids.
    let mut used: BTreeSet<String> = BTreeSet::new();
    for p in &mut packages {
        let first = p.locations.first().map_or("", |l| l.path.as_str());
        let base = format!(
            "{}-{:016x}",
            p.package_type,
            fnv(&format!(
                "{}\0{}\0{}\0{}",
                p.package_type, p.name, p.version, first
            ))
        );
        let mut id = base.clone();
        let mut n = 2;
        while used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        used.insert(id.clone());
        p.id = id;
    }

    let mut rels: BTreeSet<Relationship> = BTreeSet::new();
    let id = |i: usize| packages.get(i).map(|p| p.id.clone()).unwrap_or_default();
    let edge =
        |from: usize, kind: RelationshipKind, to: usize, rels: &mut BTreeSet<Relationship>| {
            if from != to {
                rels.insert(Relationship {
                    from: id(from),
                    kind,
                    to: id(to),
                });
            }
        };

    // Owns: OS package files → language packages found in them.
    // The first OS package listing a path owns it; a location matches a
    // listed path under any merged-/usr spelling (`aliases` is symmetric, so
    // looking up the location's aliases finds the same owner as indexing
    // every listed path's aliases would, without copying the lists).
    {
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            if p.package_type.is_os() {
                for f in files_of.get(i).map(Vec::as_slice).unwrap_or_default() {
                    owner.entry(f.as_str()).or_insert(i);
                }
            }
        }
        for (i, p) in packages.iter().enumerate() {
            if p.package_type.is_os() {
                continue;
            }
            for l in &p.locations {
                let o = aliases(&l.path)
                    .iter()
                    .filter_map(|a| owner.get(a.as_str()).copied())
                    .min();
                if let Some(o) = o {
                    edge(o, RelationshipKind::Owns, i, &mut rels);
                }
            }
        }
    }

    // Contains: parent indexes inside one record.
    let mut by_record: HashMap<(usize, usize), usize> = HashMap::new();
    for (ci, c) in cands.iter().enumerate() {
        if let Some(&pi) = cand_pkg.get(ci) {
            by_record.insert((c.record, c.index), pi);
        }
    }
    for (ci, c) in cands.iter().enumerate() {
        if let (Some(parent), Some(&me)) = (c.raw.parent, cand_pkg.get(ci)) {
            if let Some(&pp) = by_record.get(&(c.record, parent)) {
                edge(pp, RelationshipKind::Contains, me, &mut rels);
            }
        }
    }

    // DependsOn.
    let mut os_names: HashMap<(PackageType, &str), usize> = HashMap::new();
    let mut os_provides: HashMap<(PackageType, String), usize> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        if p.package_type.is_os() {
            os_names
                .entry((p.package_type, p.name.as_str()))
                .or_insert(i);
            if let Some(serde_json::Value::Array(a)) = p.metadata.get("provides") {
                for v in a.iter().filter_map(|v| v.as_str()) {
                    os_provides
                        .entry((p.package_type, v.to_owned()))
                        .or_insert(i);
                }
            }
        }
    }
    let mut npm_dirs: HashMap<&str, usize> = HashMap::new();
    let mut record_names: HashMap<(usize, &str), usize> = HashMap::new();
    let mut record_exact: HashMap<(usize, String), usize> = HashMap::new();
    let mut pypi: HashMap<String, usize> = HashMap::new();
    for (ci, c) in cands.iter().enumerate() {
        let Some(&pi) = cand_pkg.get(ci) else {
            continue;
        };
        if let Some(d) = &c.npm_dir {
            npm_dirs.insert(d.as_str(), pi);
        }
        record_names
            .entry((c.record, c.raw.name.as_str()))
            .or_insert(pi);
        record_exact.insert((c.record, format!("{}@{}", c.raw.name, c.raw.version)), pi);
        if c.raw.ty == PackageType::Pypi {
            pypi.entry(purl::pypi_name(&c.raw.name)).or_insert(pi);
        }
    }
    for (ci, c) in cands.iter().enumerate() {
        let Some(&me) = cand_pkg.get(ci) else {
            continue;
        };
        for dep in &c.raw.depends {
            if c.raw.ty.is_os() {
                // Every installed alternative satisfies `a | b`: link them all.
                for alt in dep.split('|') {
                    let t = os_names
                        .get(&(c.raw.ty, alt))
                        .copied()
                        .or_else(|| os_provides.get(&(c.raw.ty, alt.to_owned())).copied());
                    if let Some(t) = t {
                        edge(me, RelationshipKind::DependsOn, t, &mut rels);
                    }
                }
                continue;
            }
            let target = if let Some(dir) = &c.npm_dir {
                // Node's resolution: nearest node_modules up the tree.
                let mut base = dir.as_str();
                let mut found = None;
                loop {
                    let cand = format!("{}/node_modules/{dep}", base);
                    if let Some(&t) = npm_dirs.get(cand.trim_start_matches('/')) {
                        found = Some(t);
                        break;
                    }
                    if base.is_empty() {
                        break;
                    }
                    base = parent(base);
                }
                found
            } else if c.raw.ty == PackageType::Pypi {
                pypi.get(&purl::pypi_name(dep)).copied()
            } else {
                record_exact
                    .get(&(c.record, dep.clone()))
                    .copied()
                    .or_else(|| {
                        record_names
                            .get(&(
                                c.record,
                                dep.split('@')
                                    .next()
                                    .filter(|s| !s.is_empty())
                                    .unwrap_or(dep),
                            ))
                            .copied()
                    })
                    .or_else(|| {
                        // Scoped names: `@s/n@1.0`.
                        dep.rsplit_once('@')
                            .and_then(|(n, _)| record_names.get(&(c.record, n)).copied())
                    })
            };
            if let Some(t) = target {
                edge(me, RelationshipKind::DependsOn, t, &mut rels);
            }
        }
    }

    if opts.include_files {
        for (p, f) in packages.iter_mut().zip(files_of) {
            p.files = f;
        }
    }
    packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.id).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.id,
        ))
    });
    Catalog {
        os,
        packages,
        relationships: rels.into_iter().collect(),
        warnings: warnings.into_iter().collect(),
    }
}
