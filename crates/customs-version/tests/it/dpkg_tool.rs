//! dpkg's ordering checked against the real `dpkg --compare-versions`.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::process::Command;

use customs_version::{compare, Scheme};

/// What `dpkg --compare-versions` says: `Some(ordering)` or `None` when dpkg
/// rejects one of the versions (exit status 2 with an error).
fn dpkg_says(a: &str, b: &str) -> Option<Ordering> {
    let run = |op: &str| {
        Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .output()
            .unwrap()
            .status
            .code()
    };
    match run("lt") {
        Some(0) => Some(Ordering::Less),
        Some(1) => match run("eq") {
            Some(0) => Some(Ordering::Equal),
            Some(1) => Some(Ordering::Greater),
            _ => None,
        },
        _ => None,
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn generated(n: usize) -> Vec<String> {
    const PIECES: [&str; 20] = [
        "0", "1", "2", "9", "10", "01", "007", ".", ".", "+", "~", "~", "a", "b", "z", "A", "Z",
        "-", "rc", "é",
    ];
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut out = BTreeSet::new();
    while out.len() < n {
        let mut s = String::new();
        if rng.next().is_multiple_of(4) {
            s.push_str(rng.pick(&["0:", "1:", "2:", "10:", "a:", ":"]));
        }
        s.push_str(rng.pick(&["0", "1", "2", "10"]));
        for _ in 0..(rng.next() % 6) {
            s.push_str(rng.pick(&PIECES));
        }
        out.insert(s);
    }
    out.into_iter().collect()
}

#[test]
fn matches_real_dpkg() {
    if customs_test::tool("dpkg", &["--version"]).is_none() {
        return;
    }
    let versions = generated(120);
    let mut rng = Rng(42);
    let mut pairs: Vec<(String, String)> = Vec::new();
    // Neighbours in generation order (close strings) and random pairs.
    for w in versions.windows(2) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    for _ in 0..200 {
        let a = &versions[(rng.next() % versions.len() as u64) as usize];
        let b = &versions[(rng.next() % versions.len() as u64) as usize];
        pairs.push((a.clone(), b.clone()));
    }
    // Derived pairs: a version against its neighbours with `~`, `+`, `-0`.
    for v in versions.iter().take(60) {
        for suffix in ["~", "+", "-0", "-1", ".0", "a", "~~"] {
            pairs.push((v.clone(), format!("{v}{suffix}")));
        }
    }
    let (mut compared, mut both_reject) = (0, 0);
    for (a, b) in &pairs {
        let ours = compare(Scheme::Dpkg, a, b).ok();
        let theirs = dpkg_says(a, b);
        assert_eq!(ours, theirs, "{a:?} vs {b:?}");
        if ours.is_some() {
            compared += 1;
        } else {
            both_reject += 1;
        }
    }
    eprintln!(
        "dpkg: {compared} pairs agree with dpkg --compare-versions, {both_reject} rejected by both"
    );
    assert!(compared >= 300, "only {compared} pairs compared");
}
