//! Where the time of a catalog run goes: opens an image, walks it with the
//! catalog's analyzers (each one timed), assembles the catalog and prints one
//! line per phase and per analyzer. Run under `/usr/bin/time -v` for the peak
//! memory.
//!
//!     cargo run --release -p customs-catalog --example catalog_walk -- TARGET [CACHE_DIR]
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use customs_image::{open, walk, LayerCache, OpenOptions, Target, WalkOptions};
use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};

#[derive(Default)]
struct Stats {
    nanos: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

struct Timed {
    inner: Box<dyn FileAnalyzer>,
    stats: Arc<Stats>,
}

impl FileAnalyzer for Timed {
    fn id(&self) -> &'static str {
        self.inner.id()
    }
    fn version(&self) -> u32 {
        self.inner.version()
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        self.inner.interest(meta)
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        let t = Instant::now();
        let v = self.inner.analyze(meta, content);
        let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.stats.nanos.fetch_add(ns, Ordering::Relaxed);
        self.stats.files.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes
            .fetch_add(content.len() as u64, Ordering::Relaxed);
        v
    }
}

/// Peak resident memory so far (Linux), in KB.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = Target::parse(
        args.first()
            .ok_or("usage: catalog_walk TARGET [CACHE_DIR]")?,
    )?;
    let cache = match args.get(1) {
        Some(d) => Some(LayerCache::open(std::path::Path::new(d))?),
        None => None,
    };
    let t0 = Instant::now();
    let image = open(&target, &OpenOptions::default())?;
    let t_open = t0.elapsed();
    let mut stats = Vec::new();
    // CATALOG_WALK_SKIP=binary,java leaves analyzers out (to see what they cost).
    let skip = std::env::var("CATALOG_WALK_SKIP").unwrap_or_default();
    let analyzers: Vec<Box<dyn FileAnalyzer>> = customs_catalog::analyzers()
        .into_iter()
        .filter(|a| !skip.split(',').any(|s| s == a.id()))
        .map(|inner| {
            let s = Arc::new(Stats::default());
            stats.push((inner.id(), Arc::clone(&s)));
            Box::new(Timed { inner, stats: s }) as Box<dyn FileAnalyzer>
        })
        .collect();
    let opts = WalkOptions {
        cache: cache.as_ref(),
        ..WalkOptions::default()
    };
    let t1 = Instant::now();
    let walked = walk(&image, &analyzers, &opts)?;
    let t_walk = t1.elapsed();
    let hwm_walk = peak_kb();
    let t2 = Instant::now();
    let catalog = customs_catalog::assemble(&walked.analysis, &customs_catalog::Options::default());
    let t_assemble = t2.elapsed();
    let t3 = Instant::now();
    let json = serde_json::to_vec(&catalog)?;
    let t_json = t3.elapsed();
    // CATALOG_WALK_OUT=FILE writes the catalog (to compare two builds).
    if let Ok(out) = std::env::var("CATALOG_WALK_OUT") {
        std::fs::write(out, &json)?;
    }
    println!(
        "peak RSS  after walk {} KB, after assembly {} KB",
        hwm_walk,
        peak_kb()
    );
    println!("open      {:8.3} s", t_open.as_secs_f64());
    println!("walk      {:8.3} s", t_walk.as_secs_f64());
    println!("assemble  {:8.3} s", t_assemble.as_secs_f64());
    println!(
        "to json   {:8.3} s ({} bytes)",
        t_json.as_secs_f64(),
        json.len()
    );
    println!(
        "packages {} records {} cached layers {}",
        catalog.packages.len(),
        walked.analysis.records.len(),
        walked.layers.iter().filter(|l| l.cached).count()
    );
    for (id, s) in stats {
        println!(
            "  {id:<16} {:8.3} s cpu {:7} files {:12} bytes",
            s.nanos.load(Ordering::Relaxed) as f64 / 1e9,
            s.files.load(Ordering::Relaxed),
            s.bytes.load(Ordering::Relaxed)
        );
    }
    Ok(())
}
