#![no_main]
//! Image references: parse, and what a parsed reference prints must parse back
//! to the same reference.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(r) = customs_oci::Reference::parse(s) else {
        return;
    };
    let _ = (
        r.registry(),
        r.api_host(),
        r.repository(),
        r.tag(),
        r.digest(),
    );
    let _ = r.manifest_reference();
    let _ = r.name();
    let printed = r.to_string();
    let again = customs_oci::Reference::parse(&printed).unwrap_or_else(|e| {
        panic!("{s:?} parsed, printed as {printed:?}, which does not parse: {e}")
    });
    assert_eq!(r, again, "{s:?} -> {printed:?} changes on re-parse");
});
