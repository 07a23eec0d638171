//! Integration tests of customs-image: real images from ../shared, and
//! hostile synthetic ones built in temp dirs.

mod bad_input;
mod fixtures;
mod support;
