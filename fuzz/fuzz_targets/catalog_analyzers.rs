#![no_main]
//! Every catalog analyzer through the `FileAnalyzer` trait, the way the layer
//! walker drives it: the first byte picks the path (and so the parser), the
//! rest is the file content. Whatever the analyzers record then goes through
//! `assemble`, which must cope with any analyzer output.

use customs_model::analysis::{Analysis, FileRecord, Interest, LayerRef};
use libfuzzer_sys::fuzz_target;

/// (path, mode). Executables get mode 0o755 so the binary analyzer looks.
const PATHS: &[(&str, u32)] = &[
    ("var/lib/dpkg/status", 0o644),
    ("var/lib/dpkg/status.d/libfoo", 0o644),
    ("var/lib/dpkg/info/libfoo:amd64.list", 0o644),
    ("var/lib/dpkg/info/libfoo.md5sums", 0o644),
    ("usr/share/doc/libfoo/copyright", 0o644),
    ("var/lib/opkg/status", 0o644),
    ("lib/apk/db/installed", 0o644),
    ("var/lib/rpm/Packages", 0o644),
    ("var/lib/rpm/rpmdb.sqlite", 0o644),
    ("usr/lib/sysimage/rpm/Packages.db", 0o644),
    ("etc/os-release", 0o644),
    ("etc/lsb-release", 0o644),
    ("etc/alpine-release", 0o644),
    ("etc/debian_version", 0o644),
    ("etc/redhat-release", 0o644),
    (
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA",
        0o644,
    ),
    (
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/RECORD",
        0o644,
    ),
    (
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/direct_url.json",
        0o644,
    ),
    ("usr/lib/python3/dist-packages/foo-1.0.egg-info", 0o644),
    ("usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO", 0o644),
    ("app/node_modules/foo/package.json", 0o644),
    ("app/package.json", 0o644),
    ("app/package-lock.json", 0o644),
    ("app/npm-shrinkwrap.json", 0o644),
    ("app/yarn.lock", 0o644),
    ("app/pnpm-lock.yaml", 0o644),
    ("app/Cargo.lock", 0o644),
    ("app/go.mod", 0o644),
    ("app/Gemfile.lock", 0o644),
    (
        "usr/lib/ruby/gems/3.1.0/specifications/foo-1.0.gemspec",
        0o644,
    ),
    ("app/composer.lock", 0o644),
    ("app/vendor/composer/installed.json", 0o644),
    ("app/app.deps.json", 0o644),
    ("usr/bin/app", 0o755),
    ("app/app.exe", 0o644),
    ("app/lib/foo.jar", 0o644),
    ("app/foo.war", 0o644),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else {
        return;
    };
    let (path, mode) = PATHS[usize::from(sel) % PATHS.len()];
    let meta = customs_fuzz::regular_file(path, mode, content.len());
    let mut records = Vec::new();
    for a in customs_fuzz::catalog_analyzers() {
        let value = match a.interest(&meta) {
            Interest::None => continue,
            Interest::Metadata => a.analyze(&meta, &[]),
            Interest::Content => a.analyze(&meta, content),
        };
        if let Some(value) = value {
            records.push(FileRecord {
                analyzer: a.id().to_owned(),
                path: path.to_owned(),
                layer: 0,
                removed_in: None,
                value,
            });
        }
    }
    records.sort_by(|a, b| (&a.analyzer, &a.path).cmp(&(&b.analyzer, &b.path)));
    let analysis = Analysis {
        layers: vec![LayerRef {
            index: 0,
            digest: None,
            diff_id: None,
            created_by: None,
        }],
        records,
        warnings: Vec::new(),
    };
    let catalog = customs_catalog::assemble(&analysis, &customs_catalog::Options::default());
    let _ = serde_json::to_vec(&catalog);
});
