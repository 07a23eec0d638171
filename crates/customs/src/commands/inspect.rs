//! `customs inspect TARGET`: what an image is made of.

use std::fmt::Write as _;

use customs_image::{walk, WalkOptions};
use serde::Serialize;

use crate::args::{InspectArgs, TableOrJson};
use crate::exit::ExitStatus;
use crate::output::{human_bytes, write_report};

/// The JSON shape of `customs inspect` (stable: documented in README).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Inspection {
    target: String,
    repo_tags: Vec<String>,
    manifest_digest: Option<String>,
    manifest_media_type: Option<String>,
    index_digest: Option<String>,
    image_id: Option<String>,
    platform: String,
    created: Option<String>,
    layers: Vec<LayerView>,
    config: ConfigView,
    history_entries: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerView {
    index: usize,
    digest: String,
    media_type: String,
    size: u64,
    uncompressed_size: u64,
    diff_id: String,
    entries: u64,
    created_by: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigView {
    user: Option<String>,
    /// Names only: values may hold secrets.
    env: Vec<String>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    working_dir: Option<String>,
    exposed_ports: Vec<String>,
    labels: std::collections::BTreeMap<String, String>,
    healthcheck: Option<Vec<String>>,
}

pub(crate) fn run(args: InspectArgs) -> anyhow::Result<ExitStatus> {
    let image = super::open_image(&args.image)?;
    let cache = super::layer_cache(&args.image)?;
    let sizes: Vec<u64> = image.layers.iter().map(|l| l.descriptor.size).collect();
    let bars = crate::progress::Bars::new(&sizes, args.output.quiet);
    let opts = WalkOptions {
        limits: super::limits(&args.image),
        cache: cache.as_ref(),
        progress: bars.as_ref().map_or(
            &customs_image::NoProgress as &dyn customs_image::Progress,
            |b| b,
        ),
        threads: 0,
        tree: false,
    };
    // No analyzers: the walk verifies every digest and diffID and measures layers.
    let walked = walk(&image, &[], &opts)?;
    drop(bars);
    let rc = image.config.config.clone().unwrap_or_default();
    let view = Inspection {
        target: image.target.to_string(),
        repo_tags: image.repo_tags.clone(),
        manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
        manifest_media_type: image.manifest_media_type.clone(),
        index_digest: image.index_digest.as_ref().map(ToString::to_string),
        image_id: image.config_digest.as_ref().map(ToString::to_string),
        platform: image.platform().to_string(),
        created: image.config.created.clone(),
        layers: image
            .layers
            .iter()
            .zip(&walked.layers)
            .map(|(l, s)| LayerView {
                index: l.index,
                digest: l.descriptor.digest.to_string(),
                media_type: l.descriptor.media_type.clone(),
                size: l.descriptor.size,
                uncompressed_size: s.uncompressed_size,
                diff_id: l.diff_id.to_string(),
                entries: s.entries,
                created_by: l.history.as_ref().and_then(|h| h.created_by.clone()),
            })
            .collect(),
        config: ConfigView {
            user: rc.user.clone().filter(|u| !u.is_empty()),
            env: rc.env_names(),
            entrypoint: rc.entrypoint.clone(),
            cmd: rc.cmd.clone(),
            working_dir: rc.working_dir.clone().filter(|w| !w.is_empty()),
            exposed_ports: rc
                .exposed_ports
                .iter()
                .flat_map(|m| m.keys().cloned())
                .collect(),
            labels: rc.labels.clone().unwrap_or_default(),
            healthcheck: rc.healthcheck.as_ref().and_then(|h| h.test.clone()),
        },
        history_entries: image.config.history.len(),
    };
    let bytes = match args.format {
        TableOrJson::Json => {
            let mut v = serde_json::to_vec_pretty(&view)?;
            v.push(b'\n');
            v
        }
        TableOrJson::Table => table(&view).into_bytes(),
    };
    write_report(args.output.output.as_deref(), &bytes)?;
    Ok(ExitStatus::Success)
}

fn table(v: &Inspection) -> String {
    let mut s = String::new();
    let none = || "-".to_owned();
    let _ = writeln!(s, "Target:        {}", v.target);
    if !v.repo_tags.is_empty() {
        let _ = writeln!(s, "Tags:          {}", v.repo_tags.join(", "));
    }
    let _ = writeln!(
        s,
        "Manifest:      {}",
        v.manifest_digest.clone().unwrap_or_else(none)
    );
    if let Some(m) = &v.manifest_media_type {
        let _ = writeln!(s, "Media type:    {m}");
    }
    if let Some(i) = &v.index_digest {
        let _ = writeln!(s, "Index:         {i}");
    }
    let _ = writeln!(
        s,
        "Image ID:      {}",
        v.image_id.clone().unwrap_or_else(none)
    );
    let _ = writeln!(s, "Platform:      {}", v.platform);
    if let Some(c) = &v.created {
        let _ = writeln!(s, "Created:       {c}");
    }
    let c = &v.config;
    let _ = writeln!(
        s,
        "User:          {}",
        c.user.clone().unwrap_or_else(|| "(root)".into())
    );
    if let Some(e) = &c.entrypoint {
        let _ = writeln!(
            s,
            "Entrypoint:    {}",
            serde_json::to_string(e).unwrap_or_default()
        );
    }
    if let Some(cmd) = &c.cmd {
        let _ = writeln!(
            s,
            "Cmd:           {}",
            serde_json::to_string(cmd).unwrap_or_default()
        );
    }
    if let Some(w) = &c.working_dir {
        let _ = writeln!(s, "Workdir:       {w}");
    }
    if !c.env.is_empty() {
        let _ = writeln!(s, "Env (names):   {}", c.env.join(", "));
    }
    if !c.exposed_ports.is_empty() {
        let _ = writeln!(s, "Ports:         {}", c.exposed_ports.join(", "));
    }
    let _ = writeln!(
        s,
        "Healthcheck:   {}",
        c.healthcheck
            .as_ref()
            .map_or("none".to_owned(), |h| h.join(" "))
    );
    for (k, val) in &c.labels {
        let _ = writeln!(s, "Label:         {k}={val}");
    }
    let _ = writeln!(s, "\nLayers ({}):", v.layers.len());
    let _ = writeln!(
        s,
        "  #  {:<19} {:>10} {:>10} {:>7}  {:<19} CREATED BY",
        "DIGEST", "SIZE", "UNPACKED", "FILES", "DIFF ID"
    );
    for l in &v.layers {
        let created = l.created_by.clone().unwrap_or_default();
        let created: String = created.chars().take(60).collect();
        let _ = writeln!(
            s,
            "  {:<2} {:<19} {:>10} {:>10} {:>7}  {:<19} {}",
            l.index,
            short(&l.digest),
            human_bytes(l.size),
            human_bytes(l.uncompressed_size),
            l.entries,
            short(&l.diff_id),
            created
        );
    }
    s
}

fn short(d: &str) -> String {
    let (alg, hex) = d.split_once(':').unwrap_or(("", d));
    format!("{alg}:{}", hex.get(..12).unwrap_or(hex))
}
