//! The post-walk pass: records of present files → one deduplicated catalog.
//!
//! This is the serial step after the parallel layer walk, so it is written
//! for speed on big images (tens of thousands of listed files):
//!
//! - Every record is parsed at most once, into a [`FactsView`] that borrows
//!   its strings from the record's JSON instead of copying them (see
//!   [`crate::facts_view`]); file lists and digests are copied once,
//!   straight into the catalog.
//! - Lookups that used to scan or rebuild (the earlier versions of a package
//!   database, the owners of every listed file) go through indexes built once.
//!
//! The output is the same as reading every record with `Facts::deserialize`.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use customs_model::analysis::{Analysis, FileRecord};
use customs_model::{
    Catalog, Location, OsRelease, Package, PackageType, Relationship, RelationshipKind, Warning,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::facts::{file_name, parent, RawPackage};
use crate::facts_view::{strings, FactsView, Normalised, PackageView, Parsed};
use crate::{npm, purl, Options};

/// The OS package database analyzers.
const DATABASES: [&str; 3] = ["dpkg-db", "apk-db", "rpm-db"];

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

/// A present record of ours with its facts.
type Present<'p, 'a> = (usize, &'a FileRecord, &'p FactsView<'a>);

fn os_of(present: &[Present<'_, '_>]) -> Option<OsRelease> {
    let mut found: Vec<(usize, OsRelease)> = present
        .iter()
        .filter(|(_, r, _)| r.analyzer == "os-release")
        .filter_map(|(_, r, f)| {
            let rank = crate::os::RELEASE_FILES.iter().position(|p| *p == r.path)?;
            Some((rank, OsRelease::clone(f.os.as_ref()?)))
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
/// in the database file at `present`'s path. `versions` are the records of
/// the same analyzer and path (every layer's version of the file), in record
/// order.
fn introduced_in<'a>(
    parsed: &mut Parsed<'a>,
    versions: &[usize],
    present: &FileRecord,
) -> HashMap<(&'a str, &'a str), usize> {
    let records = parsed.records;
    let mut versions: Vec<(usize, usize)> = versions
        .iter()
        .filter_map(|&i| Some((i, records.get(i)?.layer)))
        .filter(|&(_, layer)| layer <= present.layer)
        .collect();
    versions.sort_by_key(|&(_, layer)| Reverse(layer));
    let mut intro: HashMap<(&'a str, &'a str), usize> = HashMap::new();
    let mut alive: HashSet<(&'a str, &'a str)> = HashSet::new();
    for (n, &(i, layer)) in versions.iter().enumerate() {
        let pkgs = parsed
            .get(i)
            .map(|f| f.packages.iter().map(|p| (p.name, p.version)));
        if n == 0 {
            alive = pkgs.into_iter().flatten().collect();
        } else {
            let set: HashSet<(&str, &str)> = pkgs.into_iter().flatten().collect();
            alive.retain(|k| set.contains(k));
        }
        if alive.is_empty() {
            break;
        }
        for k in &alive {
            intro.insert(*k, layer);
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

/// Merges a dpkg package's side files (`info/NAME.list`, `NAME.md5sums`) as
/// `Facts` would be: the union of the listed paths, sorted, and for each
/// path the digest of the last record naming it. The buffers are reused from
/// one package to the next.
#[derive(Default)]
struct SideBufs<'a> {
    files: Vec<&'a str>,
    digests: Vec<(&'a str, &'a str)>,
}

impl<'a> SideBufs<'a> {
    fn merge(
        &mut self,
        lists: &[&FactsView<'a>],
        with_digests: bool,
    ) -> (Vec<String>, Option<Map<String, Value>>) {
        let files = &mut self.files;
        files.clear();
        for f in lists {
            f.files.push_to(files);
        }
        // Stable: lists are mostly sorted runs, which a merge sort takes as they are.
        files.sort();
        files.dedup();
        let owned = strings(files);
        if !with_digests {
            return (owned, None);
        }
        let digests = &mut self.digests;
        digests.clear();
        for f in lists {
            f.digests.push_to(digests);
        }
        if digests.is_empty() {
            return (owned, None);
        }
        // Stable: equal paths stay in record order, and the last one wins.
        digests.sort_by(|a, b| a.0.cmp(b.0));
        let mut kept = 0;
        for i in 0..digests.len() {
            let next_same = match (digests.get(i), digests.get(i + 1)) {
                (Some(a), Some(b)) => a.0 == b.0,
                _ => false,
            };
            if !next_same {
                digests.swap(kept, i);
                kept += 1;
            }
        }
        digests.truncate(kept);
        // Sorted and unique: `collect` builds the map in one pass.
        let map: Map<String, Value> = digests
            .iter()
            .map(|(path, digest)| ((*path).to_owned(), Value::String((*digest).to_owned())))
            .collect();
        (owned, Some(map))
    }
}

pub(crate) fn assemble(analysis: &Analysis, opts: &Options) -> Catalog {
    let records = analysis.records.as_slice();
    // Other features' analyzers (secrets, ...) share the walk and the Analysis;
    // their records are not ours to read.
    let ours: Vec<&'static str> = crate::analyzers().iter().map(|a| a.id()).collect();
    let normalised = Normalised::new(records, &ours);
    let mut parsed = Parsed::new(records, &normalised);

    // Parse every present record once; every stage below reads these views.
    let mut present_ids: Vec<usize> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.is_present() && ours.contains(&r.analyzer.as_str()) {
            parsed.get(i);
            present_ids.push(i);
        }
    }
    // Where each package of a present OS database came from: earlier versions
    // of the file, found through an index by (analyzer, path) built once.
    let mut db_versions: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if DATABASES.contains(&r.analyzer.as_str()) {
            db_versions
                .entry((r.analyzer.as_str(), r.path.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut intros: HashMap<usize, HashMap<(&str, &str), usize>> = HashMap::new();
    for &i in &present_ids {
        let Some(r) = records.get(i) else { continue };
        if !DATABASES.contains(&r.analyzer.as_str()) || parsed.view(i).is_none() {
            continue;
        }
        let versions = db_versions
            .get(&(r.analyzer.as_str(), r.path.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        intros.insert(i, introduced_in(&mut parsed, versions, r));
    }
    // Earlier versions were only needed for that.
    for (slot, r) in parsed.slots.iter_mut().zip(records) {
        if !r.is_present() {
            *slot = None;
        }
    }

    let mut warnings: BTreeSet<Warning> = BTreeSet::new();
    let mut present: Vec<Present<'_, '_>> = Vec::new();
    for &i in &present_ids {
        let Some(r) = records.get(i) else { continue };
        let Some(f) = parsed.view(i) else {
            warnings.insert(Warning::new(
                r.analyzer.clone(),
                r.absolute_path(),
                "analyzer output not understood",
            ));
            continue;
        };
        for w in &f.warnings {
            warnings.insert(Warning::new(r.analyzer.clone(), r.absolute_path(), *w));
        }
        present.push((i, r, f));
    }
    let os = os_of(&present);
    let distro_owned = os.as_ref().map(|o| (o.id.clone(), o.version_id.clone()));
    let distro = distro_owned
        .as_ref()
        .map(|(i, v)| (i.as_str(), v.as_deref()));
    let by = |a: &'static str| present.iter().filter(move |(_, r, _)| r.analyzer == a);
    // Sized once: candidates are big, and growing copies them.
    let mut cands: Vec<Cand> =
        Vec::with_capacity(present.iter().map(|(_, _, f)| f.packages.len()).sum());

    // Language packages are gathered on a second thread while the OS
    // databases take their side files here: the two read the same views and
    // write separate lists, and the walk has left the other core idle.
    let wanted = std::thread::scope(|scope| {
        let languages = scope.spawn(|| language_candidates(analysis, &present, opts));
        // dpkg side files: file lists, digests, copyright licences. Only the
        // records are noted here; a package's lists are merged when it takes them.
        let mut dpkg_files: HashMap<&str, Vec<&FactsView<'_>>> = HashMap::new();
        for &(_, _, f) in by("dpkg-files") {
            if let Some(o) = f.owner {
                dpkg_files.entry(o).or_default().push(f);
            }
        }
        let mut copyright: HashMap<&str, &FactsView<'_>> = HashMap::new();
        for &(_, _, f) in by("dpkg-copyright") {
            if let Some(o) = f.owner {
                copyright.insert(o, f);
            }
        }
        let mut side_bufs = SideBufs::default();
        // Every place a language package may be found: present records with packages.
        let wanted = Wanted::new(
            present
                .iter()
                .filter(|(_, _, f)| !f.packages.is_empty())
                .map(|(_, r, _)| r.absolute_path()),
        );

        // OS package databases. Every deb package takes the side files of its
        // name (one listed in several databases, e.g. `status.d` and `status`,
        // gets copies).
        for analyzer in DATABASES {
            for &(ri, r, f) in by(analyzer) {
                let intro = intros.get(&ri);
                for (pi, pv) in f.packages.iter().enumerate() {
                    let mut p = pv.to_raw();
                    if p.ty == PackageType::Deb {
                        if let Some(lists) = dpkg_files.get(pv.name) {
                            let (files, digests) = side_bufs.merge(lists, opts.include_files);
                            p.files = files;
                            if let Some(map) = digests {
                                p.meta("file_digests", Value::Object(map));
                            }
                        }
                        if p.licenses.is_empty() {
                            if let Some(c) = copyright.get(pv.name) {
                                p.licenses = c.licenses().map(str::to_owned).collect();
                            }
                        }
                    }
                    let layer = intro
                        .and_then(|m| m.get(&(pv.name, pv.version)))
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
        let languages = languages
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        cands.extend(languages);
        wanted
    });

    build(cands, &wanted, os, distro, warnings, opts)
}

/// Candidates from language packages (Python, npm, other lockfiles and
/// manifests, executables and archives), in that order.
fn language_candidates(
    analysis: &Analysis,
    present: &[Present<'_, '_>],
    opts: &Options,
) -> Vec<Cand> {
    let by = |a: &'static str| present.iter().filter(move |(_, r, _)| r.analyzer == a);
    let mut cands: Vec<Cand> = Vec::new();
    // Python: metadata joined with RECORD / direct_url.json of the same folder.
    // Folder -> (files in record order, the last `direct_url`).
    let mut py_side: HashMap<&str, (Vec<&str>, Option<&Value>)> = HashMap::new();
    for &(_, r, f) in by("python") {
        if f.packages.is_empty() && (!f.files.is_empty() || f.has_extra()) {
            let side = py_side.entry(parent(&r.path)).or_default();
            f.files.push_to(&mut side.0);
            if let Some(d) = f.extra("direct_url") {
                side.1 = Some(d);
            }
        }
    }
    for &(ri, r, f) in by("python") {
        let is_dir_form = matches!(file_name(&r.path), "METADATA" | "PKG-INFO");
        let side = py_side.get(parent(&r.path)).filter(|_| is_dir_form);
        for (pi, pv) in f.packages.iter().enumerate() {
            let mut p = pv.to_raw();
            if let Some((files, direct_url)) = side {
                p.files = strings(files);
                if let Some(d) = direct_url {
                    p.meta("direct_url", (*d).clone());
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
    // Project folder -> the facts of its package.json.
    let mut project_json: HashMap<&str, &FactsView<'_>> = HashMap::new();
    // Each package.json's role, worked out once.
    let npm_records: Vec<(Present<'_, '_>, Option<npm::JsonRole>)> = by("npm")
        .map(|&(ri, r, f)| {
            let role = (file_name(&r.path) == "package.json").then(|| npm::json_role(&r.path));
            ((ri, r, f), role)
        })
        .collect();
    for &((_, r, f), role) in &npm_records {
        match role {
            Some(npm::JsonRole::Installed) => installed_dirs.push(parent(&r.path)),
            Some(npm::JsonRole::Project) => {
                project_json.insert(parent(&r.path), f);
            }
            None => {}
        }
    }
    for &((ri, r, f), role) in &npm_records {
        let dir = parent(&r.path);
        let name = file_name(&r.path);
        if let Some(role) = role {
            if role == npm::JsonRole::Project && npm::inside_node_modules(&r.path) {
                continue; // a file inside an installed package, not a project
            }
            for (pi, pv) in f.packages.iter().enumerate() {
                let npm_dir = (role == npm::JsonRole::Installed).then(|| dir.to_owned());
                cands.push(Cand {
                    raw: pv.to_raw(),
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
        let mut pkgs: Vec<RawPackage> = f.packages.iter().map(PackageView::to_raw).collect();
        if name == "yarn.lock" {
            if let Some(pj) = project_json.get(dir) {
                if pj.extra("devDependencies").is_some() {
                    let roots: Vec<String> = pj
                        .extra("dependencies")
                        .and_then(|v| Vec::<String>::deserialize(v).ok())
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
    let composer_installed: BTreeSet<&str> = by("lockfile")
        .filter(|(_, r, _)| r.path.ends_with("vendor/composer/installed.json"))
        .map(|(_, r, _)| r.path.as_str())
        .collect();
    for &(ri, r, f) in by("lockfile") {
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
        for (pi, pv) in f.packages.iter().enumerate() {
            if lockfile && pv.dev && !opts.include_dev {
                continue;
            }
            cands.push(Cand {
                raw: pv.to_raw(),
                loc: analysis.location(r),
                record: ri,
                index: pi,
                npm_dir: None,
            });
        }
    }

    // Executables and archives.
    for analyzer in ["binary", "java"] {
        for &(ri, r, f) in by(analyzer) {
            for (pi, pv) in f.packages.iter().enumerate() {
                cands.push(Cand {
                    raw: pv.to_raw(),
                    loc: analysis.location(r),
                    record: ri,
                    index: pi,
                    npm_dir: None,
                });
            }
        }
    }
    cands
}

/// FNV-1a, fed piece by piece (the same hash as over the pieces joined).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, s: &str) {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Sorts like `sort_by` (stable), moving each element once: candidates and
/// packages are a few hundred bytes each, and a merge sort moves them often.
fn sort_big<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| match (v.get(a), v.get(b)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => Ordering::Equal,
    });
    // Position `k` takes the element now at `order[k]`: follow each cycle.
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut cur = start;
        while let Some(next) = order.get_mut(cur).map(|o| std::mem::replace(o, DONE)) {
            if next == DONE || next == start {
                break;
            }
            v.swap(cur, next);
            cur = next;
        }
    }
}

/// Moves a location out, leaving an empty one (candidates are not read again).
fn take_location(loc: &mut Location) -> Location {
    std::mem::replace(
        loc,
        Location {
            path: String::new(),
            layer_index: None,
            layer_digest: None,
            layer_diff_id: None,
        },
    )
}

/// Every spelling (see [`aliases`]) of every path where a language package
/// may be found, numbered. OS packages' file lists (most of an image's
/// paths) are only looked up here, each path once.
struct Wanted {
    ids: HashMap<String, usize>,
    filter: TailFilter,
}

impl Wanted {
    fn new(paths: impl Iterator<Item = String>) -> Self {
        let mut ids = HashMap::new();
        let mut filter = TailFilter::default();
        for p in paths {
            for a in aliases(&p) {
                filter.insert(&a);
                let n = ids.len();
                ids.entry(a).or_insert(n);
            }
        }
        Self { ids, filter }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn id(&self, path: &str) -> Option<usize> {
        if !self.filter.may_contain(path) {
            return None;
        }
        self.ids.get(path).copied()
    }
}

/// A set of 16-bit fingerprints of paths (length and last bytes): a cheap
/// test that rules out most listed files before they are hashed.
struct TailFilter(Vec<u64>);

impl Default for TailFilter {
    fn default() -> Self {
        Self(vec![0; 1 << 10])
    }
}

impl TailFilter {
    fn key(s: &str) -> usize {
        let b = s.as_bytes();
        let n = b.len().min(8);
        let mut tail = [0; 8];
        if let (Some(to), Some(from)) = (tail.get_mut(8 - n..), b.get(b.len() - n..)) {
            to.copy_from_slice(from);
        }
        let x = u64::from_le_bytes(tail) ^ (b.len() as u64).rotate_left(29);
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48) as usize
    }

    fn insert(&mut self, s: &str) {
        let k = Self::key(s);
        if let Some(w) = self.0.get_mut(k >> 6) {
            *w |= 1 << (k & 63);
        }
    }

    fn may_contain(&self, s: &str) -> bool {
        let k = Self::key(s);
        self.0.get(k >> 6).is_some_and(|w| w & (1 << (k & 63)) != 0)
    }
}

fn build(
    mut cands: Vec<Cand>,
    wanted: &Wanted,
    os: Option<OsRelease>,
    distro: Option<(&str, Option<&str>)>,
    warnings: BTreeSet<Warning>,
    opts: &Options,
) -> Catalog {
    // Defining location first: sort candidates by path, then layer.
    sort_big(&mut cands, |a, b| {
        (&a.loc.path, a.loc.layer_index, a.record, a.index).cmp(&(
            &b.loc.path,
            b.loc.layer_index,
            b.record,
            b.index,
        ))
    });
    let mut by_purl: HashMap<String, usize> = HashMap::with_capacity(cands.len());
    let mut packages: Vec<Package> = Vec::with_capacity(cands.len());
    let mut cand_pkg: Vec<usize> = Vec::with_capacity(cands.len());
    let mut files_of: Vec<Vec<String>> = Vec::with_capacity(cands.len());
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
                        pkg.locations.push(take_location(&mut c.loc));
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
                    arch: p.arch.take(),
                    source: p.source.take(),
                    licenses: std::mem::take(&mut p.licenses),
                    supplier: p.supplier.take(),
                    locations: vec![take_location(&mut c.loc)],
                    files: Vec::new(),
                    metadata,
                });
                files_of.push(std::mem::take(&mut p.files));
                idx
            }
        };
        cand_pkg.push(idx);
    }
    // Deterministic ids: `TYPE-FNV(type\0name\0version\0first path)`, with
    // `-2`, `-3`, ... after a clash.
    let mut used: HashSet<String> = HashSet::with_capacity(packages.len());
    for p in &mut packages {
        let first = p.locations.first().map_or("", |l| l.path.as_str());
        let ty = p.package_type.purl_type();
        let mut h = Fnv::new();
        for (n, part) in [ty, &p.name, &p.version, first].into_iter().enumerate() {
            if n > 0 {
                h.write("\0");
            }
            h.write(part);
        }
        let base = format!("{ty}-{:016x}", h.0);
        let mut id = base.clone();
        let mut n = 2;
        while used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        used.insert(id.clone());
        p.id = id;
    }

    // Edges by package index; turned into id strings once, at the end.
    let mut edges: Vec<(usize, RelationshipKind, usize)> = Vec::new();
    let mut edge = |from: usize, kind: RelationshipKind, to: usize| {
        if from != to {
            edges.push((from, kind, to));
        }
    };

    // Owns: OS package files → language packages found in them.
    // The first OS package listing a path owns it; a location matches a
    // listed path under any merged-/usr spelling (`aliases` is symmetric, so
    // looking up the location's aliases finds the same owner as indexing
    // every listed path's aliases would). Every spelling of a language
    // package's location is in `wanted`; OS packages' listed files (most of
    // an image's paths) are only looked up in it, never indexed.
    {
        let mut owner: Vec<Option<usize>> = vec![None; wanted.len()];
        for (i, (p, files)) in packages.iter().zip(&files_of).enumerate() {
            if p.package_type.is_os() {
                for w in files.iter().filter_map(|f| wanted.id(f)) {
                    if let Some(o) = owner.get_mut(w) {
                        o.get_or_insert(i);
                    }
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
                    .filter_map(|a| owner.get(wanted.id(a)?).copied().flatten())
                    .min();
                if let Some(o) = o {
                    edge(o, RelationshipKind::Owns, i);
                }
            }
        }
    }

    // Contains: parent indexes inside one record (few records have any).
    let mut by_record: HashMap<(usize, usize), usize> = HashMap::new();
    if cands.iter().any(|c| c.raw.parent.is_some()) {
        for (ci, c) in cands.iter().enumerate() {
            if let Some(&pi) = cand_pkg.get(ci) {
                by_record.insert((c.record, c.index), pi);
            }
        }
    }
    for (ci, c) in cands.iter().enumerate() {
        if let (Some(parent), Some(&me)) = (c.raw.parent, cand_pkg.get(ci)) {
            if let Some(&pp) = by_record.get(&(c.record, parent)) {
                edge(pp, RelationshipKind::Contains, me);
            }
        }
    }

    // DependsOn.
    let mut os_names: HashMap<(PackageType, &str), usize> = HashMap::new();
    let mut os_provides: HashMap<(PackageType, &str), usize> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        if p.package_type.is_os() {
            os_names
                .entry((p.package_type, p.name.as_str()))
                .or_insert(i);
            if let Some(Value::Array(a)) = p.metadata.get("provides") {
                for v in a.iter().filter_map(|v| v.as_str()) {
                    os_provides.entry((p.package_type, v)).or_insert(i);
                }
            }
        }
    }
    let mut npm_dirs: HashMap<&str, usize> = HashMap::new();
    let mut record_names: HashMap<(usize, &str), usize> = HashMap::new();
    // `RECORD\0NAME@VERSION` -> package (the record number ends at the `\0`).
    let mut record_exact: HashMap<String, usize> = HashMap::with_capacity(cands.len());
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
        record_exact.insert(
            format!("{}\0{}@{}", c.record, c.raw.name, c.raw.version),
            pi,
        );
        if c.raw.ty == PackageType::Pypi {
            pypi.entry(purl::pypi_name(&c.raw.name)).or_insert(pi);
        }
    }
    let mut nm_path = String::new();
    let mut exact_key = String::new();
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
                        .or_else(|| os_provides.get(&(c.raw.ty, alt)))
                        .copied();
                    if let Some(t) = t {
                        edge(me, RelationshipKind::DependsOn, t);
                    }
                }
                continue;
            }
            let target = if let Some(dir) = &c.npm_dir {
                // Node's resolution: nearest node_modules up the tree.
                let mut base = dir.as_str();
                let mut found = None;
                loop {
                    nm_path.clear();
                    nm_path.push_str(base);
                    nm_path.push_str("/node_modules/");
                    nm_path.push_str(dep);
                    if let Some(&t) = npm_dirs.get(nm_path.trim_start_matches('/')) {
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
                exact_key.clear();
                let _ = write!(exact_key, "{}\0{dep}", c.record);
                record_exact
                    .get(exact_key.as_str())
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
                edge(me, RelationshipKind::DependsOn, t);
            }
        }
    }

    // Relationships sorted as (from id, kind, to id), without duplicates:
    // ids are unique, so ordering packages by id once and edges by those
    // ranks gives the same order as comparing the id strings.
    let mut by_id: Vec<usize> = (0..packages.len()).collect();
    by_id.sort_by(|&a, &b| {
        let id = |i: usize| packages.get(i).map_or("", |p| p.id.as_str());
        id(a).cmp(id(b))
    });
    let mut rank = vec![0; packages.len()];
    for (r, &i) in by_id.iter().enumerate() {
        if let Some(slot) = rank.get_mut(i) {
            *slot = r;
        }
    }
    let rank_of = |i: usize| rank.get(i).copied().unwrap_or_default();
    edges.sort_unstable_by_key(|&(from, kind, to)| (rank_of(from), kind, rank_of(to)));
    edges.dedup();
    let id = |i: usize| packages.get(i).map(|p| p.id.clone()).unwrap_or_default();
    let relationships: Vec<Relationship> = edges
        .into_iter()
        .map(|(from, kind, to)| Relationship {
            from: id(from),
            kind,
            to: id(to),
        })
        .collect();

    if opts.include_files {
        for (p, f) in packages.iter_mut().zip(files_of) {
            p.files = f;
        }
    }
    sort_big(&mut packages, |a, b| {
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
        relationships,
        warnings: warnings.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dpkg_side_files_merge_like_facts() {
        let a = json!({"owner": "x", "files": "/b\n/a\n/c", "digests": "m:1 /a\nm:2 /c\nm:3 /a"});
        let b = json!({"owner": "x", "files": ["/c", "/d", "/a"], "digests": {"/c": "m:4"}});
        let (va, vb) = (FactsView::read(&a).unwrap(), FactsView::read(&b).unwrap());
        let (files, digests) = SideBufs::default().merge(&[&va, &vb], true);
        assert_eq!(files, ["/a", "/b", "/c", "/d"]);
        assert_eq!(
            Value::Object(digests.unwrap()),
            json!({"/a": "m:3", "/c": "m:4"})
        );
        let (files, digests) = SideBufs::default().merge(&[&vb], false);
        assert_eq!(files, ["/a", "/c", "/d"]);
        assert!(digests.is_none());
    }

    #[test]
    fn sort_big_is_a_stable_sort() {
        let mut seed = 7u64;
        for len in [0, 1, 2, 3, 10, 100, 1000] {
            let mut v: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (seed >> 60, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|e| e.0);
            sort_big(&mut v, |a, b| a.0.cmp(&b.0));
            assert_eq!(v, want, "{len}");
        }
    }

    #[test]
    fn tail_filter_keeps_every_inserted_path() {
        let mut f = TailFilter::default();
        let paths = ["", "/", "/a", "/usr/lib/python3/dist-packages/x/METADATA"];
        for p in paths {
            f.insert(p);
        }
        assert!(paths.iter().all(|p| f.may_contain(p)));
    }

    #[test]
    fn fnv_pieces_hash_like_the_joined_string() {
        let mut h = Fnv::new();
        h.write("deb");
        h.write("\0");
        h.write("bash");
        let mut joined = Fnv::new();
        joined.write("deb\0bash");
        assert_eq!(h.0, joined.0);
        assert_eq!(Fnv::new().0, 0xcbf2_9ce4_8422_2325);
    }
}
