//! Integration tests of customs-registry: a misbehaving in-test HTTP server
//! (`fake`), and real `docker-registry` instances on 127.0.0.1 started by
//! `customs_test::registry` (`real`). No public network.

mod bad_input;
mod fake;
mod real;

use std::time::Duration;

use customs_registry::{ClientConfig, DockerConfigSource, RetryPolicy, Timeouts};

/// A config for tests: no Docker config, short timeouts and retry delays.
pub(crate) fn test_config() -> ClientConfig {
    ClientConfig {
        docker_config: DockerConfigSource::Disabled,
        timeouts: Timeouts {
            connect: Duration::from_secs(5),
            read_idle: Duration::from_secs(10),
            request: Duration::from_secs(60),
        },
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
        },
        ..ClientConfig::default()
    }
}
