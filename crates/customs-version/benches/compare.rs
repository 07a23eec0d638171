//! Comparing pre-parsed versions: the matcher's hot path.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use customs_version::{Scheme, Version};

const CASES: &[(Scheme, &str, &str)] = &[
    (Scheme::Dpkg, "1:2.36.1-8+deb12u1", "1:2.36.1-8+deb12u2"),
    (Scheme::Rpm, "0:3.10.0-229.1.2.el7", "0:3.10.0-229.4.2.el7"),
    (Scheme::Apk, "1.36.1-r29", "1.36.1-r30"),
    (Scheme::Pep440, "2.31.0", "2.32.0rc1"),
    (Scheme::Semver, "1.2.3-beta.11", "1.2.3-beta.2"),
    (Scheme::Go, "v0.0.0-20220722155217-630584e8d5aa", "v0.1.0"),
    (Scheme::Maven, "5.3.20.RELEASE", "5.3.21"),
    (Scheme::RubyGems, "7.0.4.3", "7.0.5.rc1"),
    (Scheme::NuGet, "6.0.0-preview.4", "6.0.0"),
    (Scheme::Composer, "v5.4.10", "5.4.11-beta1"),
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare");
    for (scheme, a, b) in CASES {
        let (a, b) = (
            Version::parse(*scheme, a).unwrap(),
            Version::parse(*scheme, b).unwrap(),
        );
        group.bench_function(scheme.name(), |bench| {
            bench.iter(|| black_box(&a).cmp(black_box(&b)))
        });
    }
    group.finish();
    c.bench_function("parse/dpkg", |bench| {
        bench.iter(|| Version::parse(Scheme::Dpkg, black_box("1:2.36.1-8+deb12u1")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
