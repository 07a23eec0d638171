#![no_main]
//! Version strings of every scheme (the first byte picks it), three at a time:
//! parsing never panics, and comparison is a total order (antisymmetric,
//! transitive, consistent with equality), since the matcher sorts and
//! binary-searches by it.

use std::cmp::Ordering;

use customs_version::{Scheme, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let scheme = Scheme::ALL[usize::from(sel) % Scheme::ALL.len()];
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(3, '\n');
    let strs: Vec<&str> = (0..3).map(|_| parts.next().unwrap_or("")).collect();
    let vs: Vec<Version> = strs
        .iter()
        .filter_map(|s| Version::parse(scheme, s).ok())
        .collect();
    for v in &vs {
        assert_eq!(v.cmp(v), Ordering::Equal, "{scheme}: {v} != itself");
        let _ = v.to_string();
    }
    for a in &vs {
        for b in &vs {
            let ab = a.cmp(b);
            assert_eq!(
                ab,
                b.cmp(a).reverse(),
                "{scheme}: {a} vs {b} is not antisymmetric"
            );
            assert_eq!(
                ab == Ordering::Equal,
                a == b,
                "{scheme}: {a} vs {b}: cmp and eq disagree"
            );
            // Maven's ComparableVersion (followed exactly) is not transitive on odd
            // strings; callers never rely on it (customs-vuln sorts with a sort that
            // tolerates it). Every other scheme is a total order.
            if scheme == Scheme::Maven {
                continue;
            }
            for c in &vs {
                if ab != Ordering::Greater && b.cmp(c) != Ordering::Greater {
                    assert_ne!(
                        a.cmp(c),
                        Ordering::Greater,
                        "{scheme}: {a} <= {b} <= {c} but {a} > {c}"
                    );
                }
            }
        }
    }
    if let [a, b, ..] = strs.as_slice() {
        let _ = customs_version::compare(scheme, a, b);
    }
});
