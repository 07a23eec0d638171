//! Integration tests for customs-version: shared vectors, the real dpkg,
//! properties, hand-written rules and hostile input.
// The vector tests print their per-scheme counts on purpose.
#![allow(clippy::print_stderr)]

mod bad_input;
mod dpkg_tool;
mod handwritten;
mod props;
mod vectors;
