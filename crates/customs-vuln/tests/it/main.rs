//! Integration tests of customs-vuln on the real advisory data in ../shared.

mod common;
mod cwe;
mod import;
mod matching;
mod proofs;
mod triage;
