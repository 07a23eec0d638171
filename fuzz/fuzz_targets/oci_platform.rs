#![no_main]
//! `os/arch[/variant]` platform strings (the `--platform` flag), and matching.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = s.split_once('\n').unwrap_or((s, "linux/amd64"));
    let Ok(pa) = a.parse::<customs_oci::Platform>() else {
        return;
    };
    let printed = pa.to_string();
    let again = printed
        .parse::<customs_oci::Platform>()
        .unwrap_or_else(|e| {
            panic!("{a:?} parsed, printed as {printed:?}, which does not parse: {e}")
        });
    assert_eq!(pa, again, "{a:?} -> {printed:?} changes on re-parse");
    assert!(pa.matches(&pa), "{a:?} does not match itself");
    if let Ok(pb) = b.parse::<customs_oci::Platform>() {
        let _ = pa.matches(&pb);
    }
});
