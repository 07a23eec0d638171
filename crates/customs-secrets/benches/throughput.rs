//! Rule-engine throughput, single thread:
//!
//! - `image-text-files`: the real corpus. Every regular, non-binary file of every layer of
//!   both fixture images (`../shared/images/*.oci.tar`: Debian copyright files, dpkg
//!   metadata, perl modules, Python site-packages, Node modules, configs), each scanned
//!   under its real path, once (about 60 MB, no repetition). The planted secrets and the
//!   Coveralls token are in it, so it has 6 hits in 60 MB: "text without hits" for the
//!   engine's purposes.
//! - `image-text-files-app-path`: the same files all scanned under one application path,
//!   so that path-gated rules (generic assignments skip docs and tests) run everywhere:
//!   the worst case for the same bytes.
//! - `generated-source-100MB`: generated source-like text with rule keywords sprinkled in.
//! - `debian-text-files-100MB`: the Debian image's text files repeated to 100 MB.
//! - `dense-hits-10MB`: every line has a keyword, every other line a secret.
//!
//! `cargo bench -p customs-secrets --bench throughput`; `-- image-text` for the corpus only.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::io::Read;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use customs_secrets::{is_binary, RuleSet, ScanOptions, Scanner};

mod common;
use common::image_files;

const TARGET: usize = 100 << 20;

/// Deterministic source-like text: identifiers, keywords, comments, string literals, with
/// the odd word that is also a rule keyword (`token`, `password`, `key`) as real code has.
fn generated() -> Vec<u8> {
    const WORDS: &[&str] = &[
        "let", "fn", "return", "if", "else", "for", "while", "match", "struct", "impl", "self",
        "value", "result", "buffer", "config", "path", "index", "count", "error", "parse",
        "reader", "writer", "layer", "image", "digest", "package", "version", "name", "string",
        "vector", "options", "default", "the", "of", "and", "to", "is", "in", "that", "with",
        "handle", "request", "response", "client", "server", "session", "user", "account", "token",
        "password", "key", "cache", "limit", "offset", "length", "width", "height",
    ];
    let mut out = Vec::with_capacity(TARGET + 200);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    while out.len() < TARGET {
        let indent = (next() % 4) as usize * 4;
        out.extend(std::iter::repeat_n(b' ', indent));
        let n = 3 + (next() % 9) as usize;
        match next() % 5 {
            0 => out.extend_from_slice(b"// "),
            1 => out.extend_from_slice(b"let "),
            _ => {}
        }
        for i in 0..n {
            let w = WORDS[(next() % WORDS.len() as u64) as usize];
            out.extend_from_slice(w.as_bytes());
            out.extend_from_slice(match (i + 1 == n, next() % 7) {
                (true, _) => b";",
                (false, 0) => b"(",
                (false, 1) => b".",
                (false, 2) => b", ",
                (false, 3) => b"_",
                _ => b" ",
            });
        }
        out.push(b'\n');
    }
    out
}

/// The text files of the Debian fixture image, concatenated and repeated to ~100 MB.
fn debian_text() -> Option<Vec<Vec<u8>>> {
    let path = customs_test::shared_path("images/debian-bookworm-minbase.oci.tar")?;
    let mut outer = tar::Archive::new(std::fs::File::open(path).ok()?);
    let mut files = Vec::new();
    for entry in outer.entries().ok()? {
        let mut entry = entry.ok()?;
        let mut blob = Vec::new();
        entry.read_to_end(&mut blob).ok()?;
        if !blob.starts_with(&[0x1f, 0x8b]) {
            continue;
        }
        let mut layer = tar::Archive::new(flate2::read::GzDecoder::new(&blob[..]));
        for e in layer.entries().ok()? {
            let mut e = e.ok()?;
            if e.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let mut data = Vec::new();
            e.read_to_end(&mut data).ok()?;
            if !data.is_empty() && !is_binary(&data) {
                files.push(data);
            }
        }
    }
    let one: usize = files.iter().map(Vec::len).sum();
    let mut all = Vec::new();
    while all.iter().map(Vec::len).sum::<usize>() < TARGET && one > 0 {
        all.extend(files.iter().cloned());
    }
    Some(all)
}

/// Every regular non-binary file of every layer of both fixture images, with its path.
fn image_text() -> Option<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    image_files(&mut files)?;
    Some(files)
}

/// 1000 files of ~10 KB where every line has a keyword and every other line a secret.
fn dense() -> Vec<Vec<u8>> {
    let gh = ["gh", "p_", "FAKE0fake1NotReal2TEST3test4FAKE0fak"].concat();
    let aws = ["AK", "IA", "FAKEKEY2TEST3NOT"].concat();
    (0..1000)
        .map(|i| {
            let mut f = String::new();
            let mut n = 0;
            while f.len() < 10_000 {
                n += 1;
                match n % 4 {
                    0 => f.push_str(&format!("token_{i} = {gh}\n")),
                    1 => f.push_str("password = get_password_from_the_environment()\n"),
                    2 => f.push_str(&format!("aws_access_key_id = {aws}\n")),
                    _ => f.push_str("secret = settings.secret_value_name\n"),
                }
            }
            f.into_bytes()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let opts = ScanOptions {
        max_matches_per_file: usize::MAX,
        ..ScanOptions::default()
    };
    let scanner = Scanner::new(RuleSet::builtin(), opts);
    let mut group = c.benchmark_group("secrets");
    group
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(8));

    if let Some(files) = image_text() {
        let total: usize = files.iter().map(|(_, d)| d.len()).sum();
        // The fixture secrets: AWS pair and RSA key (polyglot layer 8), Coveralls token.
        let hits: usize = files
            .iter()
            .map(|(p, d)| scanner.scan_bytes(p, d).len())
            .sum();
        assert_eq!(hits, 4);
        group.throughput(Throughput::Bytes(total as u64));
        group.bench_function("image-text-files", |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|(p, d)| scanner.scan_bytes(p, d).len())
                    .sum::<usize>()
            });
        });
        group.bench_function("image-text-files-app-path", |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|(_, d)| scanner.scan_bytes("app/main.py", d).len())
                    .sum::<usize>()
            });
        });
    }

    let text = generated();
    assert!(scanner.scan_bytes("src/gen.rs", &text).is_empty());
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("generated-source-100MB", |b| {
        b.iter(|| scanner.scan_bytes("src/gen.rs", &text).len());
    });

    if let Some(files) = debian_text() {
        let total: usize = files.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(total as u64));
        group.bench_function("debian-text-files-100MB", |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|f| scanner.scan_bytes("usr/share/x", f).len())
                    .sum::<usize>()
            });
        });
    }

    let files = dense();
    let total: usize = files.iter().map(Vec::len).sum();
    let hits: usize = files
        .iter()
        .map(|f| scanner.scan_bytes("app/x.py", f).len())
        .sum();
    assert!(hits > 1000);
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("dense-hits-10MB", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| scanner.scan_bytes("app/x.py", f).len())
                .sum::<usize>()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
