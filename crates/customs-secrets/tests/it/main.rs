//! Integration tests of customs-secrets: the public scanning API, and the real fixture
//! images.

mod images;
mod scanner;
