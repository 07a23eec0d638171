//! Benchmarks (not tests): import of all of ../shared/advisories, database
//! open, matching 10,000 packages. Bytes per advisory are printed once.
#![allow(clippy::print_stderr)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use customs_vuln::{match_catalog, Database, ImportOptions, MatchOptions};

#[path = "workload/mod.rs"]
mod workload;
use workload::{catalog, inputs};

fn benches(c: &mut Criterion) {
    let Some(inputs) = inputs() else { return };
    let dir = customs_test::TempDir::new("vuln-bench").unwrap();
    let path = dir.path().join("vuln.db");
    let opts = ImportOptions {
        db_path: Some(path.clone()),
        ..ImportOptions::default()
    };
    let report = customs_vuln::import_paths(&inputs, &opts).unwrap();
    let st = report.status.unwrap();
    let records: u64 = st.sources.iter().map(|s| s.records).sum();
    eprintln!(
        "db: {} bytes, {} advisories, {:.0} bytes/advisory, {} records read",
        st.file_bytes,
        st.advisories,
        st.file_bytes as f64 / st.advisories as f64,
        records
    );

    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records));
    g.bench_function("all-shared-advisories", |b| {
        b.iter(|| customs_vuln::import::build(&inputs, &Default::default()).unwrap())
    });
    g.finish();

    c.bench_function("open", |b| b.iter(|| Database::open(&path).unwrap()));

    let db = Database::open(&path).unwrap();
    let cat = catalog();
    c.bench_function("match-10000-packages", |b| {
        // Freeing the report is the caller's business, not matching.
        b.iter_with_large_drop(|| match_catalog(&db, &cat, &MatchOptions::default()))
    });
}

criterion_group!(all, benches);
criterion_main!(all);
