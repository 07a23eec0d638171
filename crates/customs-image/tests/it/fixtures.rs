//! The real images of ../shared/images, in both forms.

use customs_image::{open, walk, ChangeKind, OpenOptions, Target, WalkOptions, WalkResult};
use customs_model::analysis::{EntryKind, FileAnalyzer};

use crate::support::Recorder;

fn walk_target(target: &str) -> (customs_image::Image, WalkResult) {
    let t = Target::parse(target).unwrap();
    let image = open(&t, &OpenOptions::default()).unwrap();
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(Recorder)];
    let result = walk(&image, &analyzers, &WalkOptions::default()).unwrap();
    (image, result)
}

/// Both forms of an image: same config, diffIDs, history, file tree and file contents.
fn check_forms_agree(name: &str, config: &str, manifest: &str) -> Option<(WalkResult, WalkResult)> {
    let oci = customs_test::shared_path(&format!("images/{name}.oci.tar"))?;
    let docker = customs_test::shared_path(&format!("images/{name}.docker.tar.gz"))?;
    let (oi, or) = walk_target(&format!("oci-layout:{}", oci.display()));
    let (di, dr) = walk_target(&format!("docker-archive:{}", docker.display()));
    assert_eq!(oi.config_digest.as_ref().unwrap().to_string(), config);
    assert_eq!(di.config_digest.as_ref().unwrap().to_string(), config);
    assert_eq!(oi.manifest_digest.as_ref().unwrap().to_string(), manifest);
    assert_eq!(
        di.manifest_digest, None,
        "docker archives have no registry manifest"
    );
    assert_eq!(oi.config_bytes, di.config_bytes);
    let o_diff: Vec<_> = oi.layers.iter().map(|l| l.diff_id.clone()).collect();
    let d_diff: Vec<_> = di.layers.iter().map(|l| l.diff_id.clone()).collect();
    assert_eq!(o_diff, d_diff);
    // docker-archive layers are the uncompressed tars: digest == diffID
    for l in &di.layers {
        assert_eq!(l.descriptor.digest, l.diff_id);
    }
    assert_eq!(or.tree, dr.tree);
    assert_eq!(or.analysis.records, dr.analysis.records);
    // Without the tree, the records carry the same deletion facts, and they
    // agree with the tree's: a file's record is present exactly when the
    // tree's path is, at the record's layer.
    let image = open(
        &Target::parse(&format!("docker-archive:{}", docker.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(Recorder)];
    let opts = WalkOptions {
        tree: false,
        ..WalkOptions::default()
    };
    let treeless = walk(&image, &analyzers, &opts).unwrap();
    assert_eq!(treeless.analysis, dr.analysis);
    assert_eq!(treeless.tree, customs_image::FileTree::default());
    let mut removed = 0;
    for r in &dr.analysis.records {
        let e = dr.tree.get(&r.path).unwrap();
        assert_eq!(
            r.is_present(),
            e.present && e.layer == r.layer,
            "{} of layer {}",
            r.path,
            r.layer
        );
        removed += usize::from(!r.is_present());
    }
    assert!(removed > 0, "{name}: some file is replaced or deleted");
    let o_sizes: Vec<_> = or
        .layers
        .iter()
        .map(|s| (s.uncompressed_size, s.entries))
        .collect();
    let d_sizes: Vec<_> = dr
        .layers
        .iter()
        .map(|s| (s.uncompressed_size, s.entries))
        .collect();
    assert_eq!(o_sizes, d_sizes);
    assert!(di
        .repo_tags
        .iter()
        .any(|t| t.ends_with(&format!("{name}:latest"))));
    Some((or, dr))
}

#[test]
fn debian_minbase_forms_agree_and_whiteouts_apply() {
    let Some((r, _)) = check_forms_agree(
        "debian-bookworm-minbase",
        "sha256:a3fb77e83b582b23c6827880378fcdb98e965c875a06d5d9b8bec926f5f03e4b",
        "sha256:e5411f2327cf81266497168f06408d4a8f7a3a212cc38b2d00562b873100260e",
    ) else {
        return;
    };
    let sizes: Vec<_> = r
        .layers
        .iter()
        .map(|s| (s.uncompressed_size, s.entries))
        .collect();
    assert_eq!(
        sizes,
        vec![(77_588_480, 4249), (15_257_600, 707), (204_800, 26)]
    );
    let t = &r.tree;
    // curl purged in layer 3 (index 2)
    let curl = t.get("usr/bin/curl").unwrap();
    assert!(!curl.present);
    assert_eq!(curl.changes.last().unwrap().kind, ChangeKind::Deleted);
    assert_eq!(curl.changes.last().unwrap().layer, 2);
    assert_eq!(curl.changes[0].layer, 1);
    assert!(!t.exists("usr/share/zsh"));
    assert!(!t.exists("usr/share/doc/curl"));
    assert!(!t.exists("var/lib/dpkg/info/curl.list"));
    assert!(!t.exists("var/lib/dpkg/info/curl.md5sums"));
    assert!(!t.exists("var/cache/debconf/config.dat-old"));
    // deleted by layer 2's whiteout, created again by apt in layer 3
    let lock = t.get("var/lib/apt/lists/lock").unwrap();
    assert_eq!(
        lock.changes
            .iter()
            .map(|c| (c.layer, c.kind))
            .collect::<Vec<_>>(),
        vec![
            (0, ChangeKind::Added),
            (1, ChangeKind::Deleted),
            (2, ChangeKind::Added)
        ]
    );
    // opaque /var/log: the directory stays, all it had below is gone
    assert!(t.exists("var/log"));
    let log_children: Vec<_> = t
        .present()
        .filter(|(p, _)| p.starts_with("var/log/"))
        .collect();
    assert!(log_children.is_empty(), "{log_children:?}");
    for p in [
        "var/log/btmp",
        "var/log/faillog",
        "var/log/lastlog",
        "var/log/wtmp",
        "var/log/dpkg.log",
        "var/log/apt/history.log",
        "var/log/apt/term.log",
        "var/log/apt/eipp.log.xz",
    ] {
        let e = t.get(p).unwrap_or_else(|| panic!("{p} never seen"));
        assert!(!e.present, "{p}");
        assert_eq!(e.changes.last().unwrap().layer, 2, "{p}");
    }
    // status rewritten in layer 3: the old versions are kept as removed records
    let status: Vec<_> = r
        .analysis
        .all("recorder")
        .filter(|x| x.path == "var/lib/dpkg/status")
        .collect();
    assert_eq!(status.len(), 3);
    assert_eq!(status.iter().filter(|x| x.is_present()).count(), 1);
    assert_eq!(status.iter().find(|x| x.is_present()).unwrap().layer, 2);
    // merged /usr symlinks and os-release resolution inside the root
    assert_eq!(t.get("bin").unwrap().kind, EntryKind::Symlink);
    assert_eq!(
        t.resolve("/etc/os-release", 40).as_deref(),
        Some("usr/lib/os-release")
    );
    assert_eq!(t.resolve("/bin/bash", 40).as_deref(), Some("usr/bin/bash"));
    // hard links kept
    assert_eq!(
        t.get("usr/bin/perl5.36.0").unwrap().kind,
        EntryKind::HardLink
    );
}

#[test]
fn polyglot_forms_agree_and_deleted_files_stay_reachable() {
    let Some((r, _)) = check_forms_agree(
        "polyglot-app",
        "sha256:c3608f3f8c98c42f5acd36506eacb49254fed8d56bfab44a2dfa9b67bd86dfec",
        "sha256:ccef40dbc32337d8cf927d56a563b338c83e28e1cb029b48c54321718b7d19f7",
    ) else {
        return;
    };
    assert_eq!(r.layers.len(), 9);
    let entries: Vec<_> = r.layers.iter().map(|s| s.entries).collect();
    assert_eq!(entries, vec![1732, 254, 1223, 1198, 5, 11, 4, 4, 3]);
    let t = &r.tree;
    let key = t.get("app/config/deploy-key.pem").unwrap();
    assert!(!key.present);
    assert_eq!(
        key.changes
            .iter()
            .map(|c| (c.layer, c.kind))
            .collect::<Vec<_>>(),
        vec![(7, ChangeKind::Added), (8, ChangeKind::Deleted)]
    );
    let rec = r
        .analysis
        .all("recorder")
        .find(|x| x.path == "app/config/deploy-key.pem")
        .unwrap();
    assert_eq!((rec.layer, rec.removed_in), (7, Some(8)));
    assert!(
        rec.value["read"].as_u64().unwrap() > 1000,
        "content of the deleted key was analysed"
    );
    // the opaque node_modules of layer 4 hides dev dependencies of layer 3
    assert!(!t.exists("app/node_modules/debug/package.json"));
    assert!(!t.exists("app/node_modules/ms/package.json"));
    assert_eq!(
        t.get("app/node_modules/debug/package.json")
            .unwrap()
            .changes
            .last()
            .unwrap()
            .layer,
        3
    );
    assert!(t.exists("app/node_modules/axios/package.json"));
    assert_eq!(
        t.get("app/node_modules/axios/package.json").unwrap().layer,
        3
    );
    assert!(t.exists("app/node_modules/mkdirp/node_modules/minimist/package.json"));
    // hard-linked esbuild: both paths carry the binary's record
    let esb: Vec<_> = r
        .analysis
        .present("recorder")
        .filter(|x| x.path.ends_with("bin/esbuild"))
        .map(|x| (x.path.clone(), x.value["sha256"].clone()))
        .collect();
    assert_eq!(esb.len(), 2, "{esb:?}");
    assert_eq!(esb[0].1, esb[1].1);
    assert!(t.exists("etc/os-release"));
}

#[test]
fn cache_reuses_layers_and_gives_identical_results() {
    let Some(oci) = customs_test::shared_path("images/polyglot-app.oci.tar") else {
        return;
    };
    let dir = customs_test::TempDir::new("cache").unwrap();
    let cache = customs_image::LayerCache::open(dir.path()).unwrap();
    let t = Target::parse(&format!("oci-layout:{}", oci.display())).unwrap();
    let image = open(&t, &OpenOptions::default()).unwrap();
    let analyzers: Vec<Box<dyn FileAnalyzer>> = vec![Box::new(Recorder)];
    let opts = WalkOptions {
        cache: Some(&cache),
        ..WalkOptions::default()
    };
    let cold = walk(&image, &analyzers, &opts).unwrap();
    assert!(cold.layers.iter().all(|l| !l.cached));
    let warm = walk(&image, &analyzers, &opts).unwrap();
    assert!(warm.layers.iter().all(|l| l.cached));
    assert_eq!(cold.tree, warm.tree);
    assert_eq!(cold.analysis, warm.analysis);
    // The docker-archive form shares diffIDs, so it hits the same entries.
    let Some(docker) = customs_test::shared_path("images/polyglot-app.docker.tar.gz") else {
        return;
    };
    let d = open(
        &Target::parse(&format!("docker-archive:{}", docker.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let shared = walk(&d, &analyzers, &opts).unwrap();
    assert!(shared.layers.iter().all(|l| l.cached));
    assert!(cache.clean().unwrap() > 0);
}

#[test]
fn selects_by_tag_and_reports_missing_tags() {
    let Some(oci) = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar") else {
        return;
    };
    let ok = Target::parse(&format!("oci-layout:{}:latest", oci.display())).unwrap();
    assert!(open(&ok, &OpenOptions::default()).is_ok());
    let bad = Target::parse(&format!("oci-layout:{}:nope", oci.display())).unwrap();
    let err = open(&bad, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, customs_image::Error::NoSuchImage { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(":latest"), "{err}");
}
