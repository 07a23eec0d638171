#![no_main]
//! Docker's `config.json` (`auths` with base64 `user:password`,
//! `identitytoken`, `credHelpers`, `credsStore`), read when a client is made.
//! (The `WWW-Authenticate` parser is crate-private and needs a server to
//! reach; it is not fuzzed here.)

use customs_registry::{Client, ClientConfig, DockerConfigSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(path) = customs_fuzz::write_scratch("config.json", data) else {
        return;
    };
    let cfg = ClientConfig {
        docker_config: DockerConfigSource::Path(path),
        ..ClientConfig::default()
    };
    let _ = Client::new(cfg);
});
