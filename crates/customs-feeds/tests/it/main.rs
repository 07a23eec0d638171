//! Integration tests of customs-feeds: `update` against an HTTP server
//! started in the test on 127.0.0.1 serving real advisory files from
//! `../shared/advisories`, and `push`/`pull` against a real
//! `docker-registry` started by `customs_test::registry`. No public network.

mod artifact;
mod server;
mod update;
