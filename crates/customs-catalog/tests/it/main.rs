//! Integration tests of customs-catalog on real data: the peer scanners'
//! fixtures and the two fixture images.

// Per-fixture pass/fail lines and known differences are printed for the report.
#![allow(clippy::print_stderr)]

mod bad_input;
mod dedup;
mod images;
mod peer;
mod support;
