//! Rule-engine throughput on a large real corpus, measured in CPU time of the scanning
//! thread (the build machine is shared, so wall time says more about the neighbours than
//! about the engine).
//!
//! The corpus: every regular, non-binary file of every layer of both fixture images
//! (`../shared/images/*.oci.tar`: Debian copyright files, dpkg metadata, perl modules,
//! Python site-packages, Node modules) under their real paths, plus every OSV advisory
//! of the Go, RustSec, PyPI and AlmaLinux databases in `../shared/advisories/osv`
//! (JSON with prose, URLs, package names; unpacked with the `unzip` command into a temp
//! dir). The planted fixture secrets (and one real Coveralls token) are the only hits.
//!
//! `cargo bench -p customs-secrets --bench corpus` (prints one line per pass).
//! `CUSTOMS_BENCH_PASSES=N` sets the passes (default 5); the best pass is reported.
//! The CPU-time figures come from the scheduler's accounting, which on the build machine
//! advances in 4 ms ticks: a pass of ~75 ms is only good to about 5%.
//!
//! Last figures (one run each, machine shared, load ~2.7-3.2 on 2 cores): 747 MB/s before
//! the confirm checks and slim-only Teddy searchers, 981 MB/s after; then 946 MB/s before
//! rare shared anchors (six searchers, 289,000 anchor hits a pass) and `://` as the one
//! URL keyword, 1,229 MB/s after (five searchers, 98,000 hits); 5 findings every time.

#![allow(missing_docs, clippy::print_stderr)]

use std::time::{Duration, Instant};

use customs_secrets::{RuleSet, ScanOptions, Scanner};

mod common;
use common::image_files;

/// CPU time this thread has used (first field of `/proc/thread-self/schedstat`, ns).
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn osv_files(out: &mut Vec<(String, Vec<u8>)>) -> Option<()> {
    let tmp = customs_test::TempDir::new("secrets-bench").ok()?;
    for db in ["Go", "RustSec", "PyPI", "AlmaLinux"] {
        let zip = customs_test::shared_path(&format!("advisories/osv/{db}/all.zip"))?;
        let dir = tmp.path().join(db);
        let status = std::process::Command::new("unzip")
            .arg("-qq")
            .arg(&zip)
            .arg("-d")
            .arg(&dir)
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        for p in names {
            let data = std::fs::read(&p).ok()?;
            let name = format!("osv/{db}/{}", p.file_name()?.to_string_lossy());
            out.push((name, data));
        }
    }
    Some(())
}

fn main() {
    let mut files = Vec::new();
    if image_files(&mut files).is_none() || osv_files(&mut files).is_none() {
        eprintln!("corpus: shared data missing, nothing measured");
        return;
    }
    let total: usize = files.iter().map(|(_, d)| d.len()).sum();
    let scanner = Scanner::new(RuleSet::builtin(), ScanOptions::default());
    let passes: usize = std::env::var("CUSTOMS_BENCH_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mb = total as f64 / 1e6;
    eprintln!("corpus: {} files, {mb:.1} MB", files.len());
    let mut best = f64::MAX;
    for pass in 0..passes {
        let (c0, w0) = (thread_cpu(), Instant::now());
        let hits: usize = files
            .iter()
            .map(|(p, d)| scanner.scan_bytes(p, d).len())
            .sum();
        let wall = w0.elapsed().as_secs_f64();
        let cpu = match (c0, thread_cpu()) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => wall,
        };
        best = best.min(cpu);
        eprintln!(
            "pass {pass}: {hits} findings, cpu {cpu:.3} s ({:.0} MB/s), wall {wall:.3} s ({:.0} MB/s)",
            mb / cpu,
            mb / wall
        );
    }
    eprintln!("best: {:.0} MB/s per core (CPU time)", mb / best);
}
