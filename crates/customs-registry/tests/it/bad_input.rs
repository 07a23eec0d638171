//! Bad input from a registry: each case ends in one clear error, quickly.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use customs_model::{Digest, DigestAlgorithm};
use customs_oci::Reference;
use customs_registry::{blocking::Client, ClientConfig, Credentials, Error};
use sha2::Digest as _;

use crate::fake::{reply, Action, FakeServer};
use crate::test_config;

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn sha256(data: &[u8]) -> Digest {
    Digest::from_bytes(DigestAlgorithm::Sha256, &sha2::Sha256::digest(data))
}

fn client(server: &FakeServer, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut cfg = test_config();
    cfg.insecure_registries = vec![server.addr.clone()];
    tweak(&mut cfg);
    Client::new(cfg).unwrap()
}

fn with_creds(server: &FakeServer) -> impl FnOnce(&mut ClientConfig) + '_ {
    move |c: &mut ClientConfig| {
        c.credentials
            .insert(server.addr.clone(), Credentials::new("user", "pw"));
    }
}

fn reference(server: &FakeServer, rest: &str) -> Reference {
    Reference::parse(&format!("{}/{rest}", server.addr)).unwrap()
}

fn manifest_reply() -> Action {
    reply(200, &[("Content-Type", OCI_MANIFEST)], MANIFEST)
}

fn ok_ping_or(req: &crate::fake::Request, other: impl FnOnce() -> Action) -> Action {
    if req.path == "/v2/" {
        reply(200, &[], "{}")
    } else {
        other()
    }
}

#[test]
fn html_page_is_not_a_manifest() {
    let server = FakeServer::start(|_, _| {
        reply(
            200,
            &[("Content-Type", "text/html")],
            "<html><body>Please log in</body></html>",
        )
    });
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(err, Error::NotAManifest { html: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("app:1"), "{err}");
    assert!(err.hint().unwrap().contains("web page"));
    // HTML without a content type is caught by its first byte.
    let server =
        FakeServer::start(|req, _| ok_ping_or(req, || reply(200, &[], "\n <!DOCTYPE html>")));
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(err, Error::NotAManifest { html: true, .. }),
        "{err:?}"
    );
}

#[test]
fn html_on_ping_with_error_status_is_not_a_registry() {
    let server =
        FakeServer::start(|_, _| reply(404, &[("Content-Type", "text/html")], "<html>nope</html>"));
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(err, Error::NotARegistry { status: 404, .. }),
        "{err:?}"
    );
}

fn looping_server() -> FakeServer {
    FakeServer::start(|req, _| {
        if req.path.starts_with("/token") {
            return reply(
                200,
                &[("Content-Type", "application/json")],
                r#"{"token":"t0k3n","expires_in":300}"#,
            );
        }
        // The realm is this server; the address is in the Host header.
        let host = req.header("host").unwrap_or("").to_owned();
        let challenge = format!(
            r#"Bearer realm="http://{host}/token",service="fake",scope="repository:app:pull""#
        );
        reply(
            401,
            &[("WWW-Authenticate", challenge.as_str())],
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}"#,
        )
    })
}

#[test]
fn endless_401_with_credentials_is_an_auth_loop() {
    let server = looping_server();
    let c = client(&server, with_creds(&server));
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(matches!(err, Error::AuthLoop { .. }), "{err:?}");
    assert!(err.hint().is_some());
    // ping, token, manifest (401): bounded, no loop.
    assert!(server.hits() <= 6, "{} requests", server.hits());
    // The token went to the registry as a bearer token; the password went to the realm only.
    let reqs = server.requests();
    let manifest_req = reqs
        .iter()
        .find(|r| r.path.contains("/manifests/"))
        .unwrap();
    assert_eq!(manifest_req.header("authorization"), Some("Bearer t0k3n"));
    let token_req = reqs.iter().find(|r| r.path.starts_with("/token")).unwrap();
    assert!(token_req
        .header("authorization")
        .unwrap()
        .starts_with("Basic "));
    assert!(
        token_req.path.contains("scope=repository%3Aapp%3Apull"),
        "{}",
        token_req.path
    );
    assert!(token_req.path.contains("service=fake"));
}

#[test]
fn endless_401_without_credentials_is_unauthorized() {
    let server = looping_server();
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.hint().unwrap().contains("docker login"));
}

#[test]
fn token_service_refusing_credentials_is_unauthorized() {
    let server = FakeServer::start(|req, _| {
        if req.path.starts_with("/token") {
            return reply(401, &[("WWW-Authenticate", "Basic realm=\"x\"")], "");
        }
        let host = req.header("host").unwrap_or("").to_owned();
        let challenge = format!(r#"Bearer realm="http://{host}/token",service="fake""#);
        reply(401, &[("WWW-Authenticate", challenge.as_str())], "")
    });
    let c = client(&server, with_creds(&server));
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn basic_auth_rejected_is_unauthorized() {
    let server =
        FakeServer::start(|_, _| reply(401, &[("WWW-Authenticate", "Basic realm=\"reg\"")], ""));
    let c = client(&server, with_creds(&server));
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                anonymous: false,
                ..
            }
        ),
        "{err:?}"
    );
    let sent = server
        .requests()
        .into_iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .count();
    assert!(sent >= 1);
    // The credentials never appear in the error text.
    assert!(!format!("{err} {err:?}").contains("pw"));
}

#[test]
fn retry_after_on_429_then_success() {
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            static FIRST: AtomicBool = AtomicBool::new(true);
            if FIRST.swap(false, Ordering::SeqCst) {
                reply(429, &[("Retry-After", "1")], "slow down")
            } else {
                manifest_reply()
            }
        })
    });
    let c = client(&server, |_| {});
    let m = c.get_manifest(&reference(&server, "app:1"), &[]).unwrap();
    assert_eq!(m.bytes, MANIFEST.as_bytes());
    assert_eq!(m.media_type, OCI_MANIFEST);
    assert_eq!(m.digest, sha256(MANIFEST.as_bytes()));
    let manifest_hits = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/manifests/"))
        .count();
    assert_eq!(manifest_hits, 2);
}

#[test]
fn persistent_503_gives_up_after_retries() {
    let server = FakeServer::start(|req, _| ok_ping_or(req, || reply(503, &[], "down")));
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    match &err {
        Error::TooManyRetries {
            attempts: 3,
            source,
            ..
        } => {
            assert!(
                matches!(**source, Error::Unavailable { status: 503, .. }),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.hint().is_some());
}

#[test]
fn dropped_connections_give_up_after_retries() {
    let server = FakeServer::start(|req, _| ok_ping_or(req, || Action::Close));
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    match &err {
        Error::TooManyRetries { source, .. } => {
            assert!(matches!(**source, Error::Interrupted { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn silent_server_times_out() {
    let server = FakeServer::start(|_, _| Action::Hang);
    let c = client(&server, |cfg| {
        cfg.timeouts.read_idle = Duration::from_millis(300)
    });
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // A body that stalls halfway is caught by the same read-idle timeout.
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            if req.path.contains("/blobs/") {
                Action::Hang
            } else {
                manifest_reply()
            }
        })
    });
    let c = client(&server, |cfg| {
        cfg.timeouts.read_idle = Duration::from_millis(300)
    });
    let d = sha256(b"x");
    let err = c
        .get_blob(&reference(&server, "app:1"), &d, Some(1))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = customs_test::registry::free_port();
    let mut cfg = test_config();
    cfg.insecure_registries = vec![format!("127.0.0.1:{port}")];
    let c = Client::new(cfg).unwrap();
    let r = Reference::parse(&format!("127.0.0.1:{port}/app:1")).unwrap();
    let err = c.get_manifest(&r, &[]).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&port.to_string()));
}

#[test]
fn oversized_manifest_is_refused() {
    let big = {
        let mut s = String::from(r#"{"schemaVersion":2,"annotations":{"pad":""#);
        s.push_str(&"x".repeat(5 * 1024 * 1024));
        s.push_str(r#""},"manifests":[]}"#);
        s
    };
    let big = Arc::new(big);
    for until_close in [false, true] {
        let body = big.clone();
        let server = FakeServer::start(move |req, _| {
            ok_ping_or(req, || {
                let headers = vec![(
                    "Content-Type".to_owned(),
                    "application/vnd.oci.image.index.v1+json".to_owned(),
                )];
                if until_close {
                    Action::ReplyUntilClose {
                        status: 200,
                        headers,
                        body: body.as_bytes().to_vec(),
                    }
                } else {
                    Action::Reply {
                        status: 200,
                        headers,
                        body: body.as_bytes().to_vec(),
                    }
                }
            })
        });
        let c = client(&server, |_| {});
        let err = c
            .get_manifest(&reference(&server, "app:1"), &[])
            .unwrap_err();
        assert!(
            matches!(err, Error::TooLarge { limit: 4194304, .. }),
            "{err:?}"
        );
        // A larger cap lets it through (and it parses as an index).
        let c = client(&server, |cfg| cfg.max_manifest_bytes = 8 << 20);
        let m = c.get_manifest(&reference(&server, "app:1"), &[]).unwrap();
        assert_eq!(m.media_type, "application/vnd.oci.image.index.v1+json");
    }
}

#[test]
fn schema1_is_refused() {
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            reply(
                200,
                &[(
                    "Content-Type",
                    "application/vnd.docker.distribution.manifest.v1+prettyjws",
                )],
                r#"{"schemaVersion":1,"name":"app","tag":"1","fsLayers":[],"signatures":[]}"#,
            )
        })
    });
    let c = client(&server, |_| {});
    let err = c
        .get_manifest(&reference(&server, "app:1"), &[])
        .unwrap_err();
    assert!(matches!(err, Error::Schema1 { .. }), "{err:?}");
    assert!(err.to_string().contains("schema 1"));
}

#[test]
fn not_found_names_what() {
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            reply(
                404,
                &[("Content-Type", "application/json")],
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            )
        })
    });
    let c = client(&server, |_| {});
    let r = reference(&server, "app:nope");
    let err = c.get_manifest(&r, &[]).unwrap_err();
    match &err {
        Error::NotFound { what, message } => {
            assert!(what.contains("app:nope"), "{what}");
            assert_eq!(message, "MANIFEST_UNKNOWN: manifest unknown");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.head_manifest(&r, &[]).unwrap(), None);
    assert!(!c.blob_exists(&r, &sha256(b"x")).unwrap());
    let err = c.get_blob_bytes(&r, &sha256(b"x"), 10).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[test]
fn manifest_fetched_by_digest_is_verified() {
    let server = FakeServer::start(|req, _| ok_ping_or(req, manifest_reply));
    let c = client(&server, |_| {});
    let good = sha256(MANIFEST.as_bytes());
    let m = c
        .get_manifest(&reference(&server, &format!("app@{good}")), &[])
        .unwrap();
    assert_eq!(m.digest, good);
    let other = sha256(b"something else");
    let err = c
        .get_manifest(&reference(&server, &format!("app@{other}")), &[])
        .unwrap_err();
    match err {
        Error::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, other);
            assert_eq!(actual, good);
        }
        other => panic!("{other:?}"),
    }
    // sha512 references are verified in sha512.
    let d512 = Digest::from_bytes(
        DigestAlgorithm::Sha512,
        &sha2::Sha512::digest(MANIFEST.as_bytes()),
    );
    let m = c
        .get_manifest(&reference(&server, &format!("app@{d512}")), &[])
        .unwrap();
    assert_eq!(m.digest, d512);
}

fn blob_server(content: &'static [u8]) -> FakeServer {
    FakeServer::start(move |req, _| {
        ok_ping_or(req, || {
            reply(
                200,
                &[("Content-Type", "application/octet-stream")],
                content,
            )
        })
    })
}

#[test]
fn blob_with_wrong_content_fails_on_the_final_read() {
    let server = blob_server(b"tampered content");
    let c = client(&server, |_| {});
    let r = reference(&server, "app:1");
    let expected = sha256(b"original content");
    let mut reader = c.get_blob(&r, &expected, Some(16)).unwrap();
    let mut out = Vec::new();
    let err = reader.read_to_end(&mut out).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    match Error::from_io(&err) {
        Some(Error::DigestMismatch {
            expected: e,
            actual,
            ..
        }) => {
            assert_eq!(e, &expected);
            assert_eq!(actual, &sha256(b"tampered content"));
        }
        other => panic!("{other:?}"),
    }
    let err = c.get_blob_bytes(&r, &expected, 1024).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    let mut sink = Vec::new();
    let err = c.fetch_blob_to(&r, &expected, None, &mut sink).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    // The right digest reads through to a clean end of file.
    let good = sha256(b"tampered content");
    let mut reader = c.get_blob(&r, &good, Some(16)).unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(out, b"tampered content");
    assert_eq!(
        c.fetch_blob_to(&r, &good, Some(16), &mut Vec::new())
            .unwrap(),
        16
    );
}

#[test]
fn blob_longer_than_its_descriptor_fails() {
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || Action::ReplyUntilClose {
            status: 200,
            headers: vec![],
            body: vec![7u8; 100_000],
        })
    });
    let c = client(&server, |_| {});
    let r = reference(&server, "app:1");
    let d = sha256(&[7u8; 10]);
    let mut reader = c.get_blob(&r, &d, Some(10)).unwrap();
    let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            Error::from_io(&err),
            Some(Error::SizeMismatch { expected: 10, .. })
        ),
        "{err:?}"
    );
    // Content-Length disagreeing with the descriptor fails before any byte is read.
    let server = blob_server(b"12345");
    let c = client(&server, |_| {});
    let err = c
        .get_blob(&reference(&server, "app:1"), &sha256(b"12345"), Some(4))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SizeMismatch {
                expected: 4,
                actual: 5,
                ..
            }
        ),
        "{err:?}"
    );
    // get_blob_bytes caps what it holds in memory.
    let err = c
        .get_blob_bytes(&reference(&server, "app:1"), &sha256(b"12345"), 3)
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 3, .. }), "{err:?}");
}

#[test]
fn redirect_to_blob_storage_drops_authorization() {
    let content: &'static [u8] = b"layer bytes from storage";
    let storage = FakeServer::start(move |_, _| reply(200, &[], content));
    let storage_addr = storage.addr.clone();
    let server = FakeServer::start(move |req, _| {
        if req.header("authorization").is_none() {
            return reply(401, &[("WWW-Authenticate", "Basic realm=\"reg\"")], "");
        }
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        let location = format!("http://{storage_addr}/bucket/blob?sig=abc");
        reply(307, &[("Location", location.as_str())], "")
    });
    let c = client(&server, |cfg| {
        cfg.credentials
            .insert(server.addr.clone(), Credentials::new("user", "pw"));
        cfg.insecure_registries.push(storage.addr.clone());
    });
    let mut out = Vec::new();
    let n = c
        .fetch_blob_to(
            &reference(&server, "app:1"),
            &sha256(content),
            Some(content.len() as u64),
            &mut out,
        )
        .unwrap();
    assert_eq!(n, content.len() as u64);
    assert_eq!(out, content);
    let at_storage = storage.requests();
    assert_eq!(at_storage.len(), 1);
    assert_eq!(at_storage[0].path, "/bucket/blob?sig=abc");
    // Different port = different origin: the registry's credentials stay home.
    assert_eq!(at_storage[0].header("authorization"), None);
}

#[test]
fn tags_follow_link_pagination() {
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            if req.path.contains("last=b") {
                reply(200, &[], r#"{"name":"app","tags":["c"]}"#)
            } else {
                reply(
                    200,
                    &[("Link", r#"</v2/app/tags/list?n=2&last=b>; rel="next""#)],
                    r#"{"name":"app","tags":["a","b"]}"#,
                )
            }
        })
    });
    let c = client(&server, |_| {});
    assert_eq!(
        c.list_tags(&reference(&server, "app:1")).unwrap(),
        ["a", "b", "c"]
    );
    // A Link to another host is refused rather than followed with our token.
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || {
            reply(
                200,
                &[(
                    "Link",
                    r#"<http://elsewhere.invalid/v2/app/tags/list?last=b>; rel="next""#,
                )],
                r#"{"tags":["a"]}"#,
            )
        })
    });
    let c = client(&server, |_| {});
    let err = c.list_tags(&reference(&server, "app:1")).unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
}

#[test]
fn referrers_are_filtered_and_404_means_unsupported() {
    let subject = sha256(MANIFEST.as_bytes());
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":10,"artifactType":"application/vnd.in-toto+json"}},
        {{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":11,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}}]}}"#,
        sha256(b"a"),
        sha256(b"b")
    );
    let body = Arc::new(index);
    let server = FakeServer::start(move |req, _| {
        ok_ping_or(req, || {
            reply(
                200,
                &[("Content-Type", "application/vnd.oci.image.index.v1+json")],
                body.as_bytes().to_vec(),
            )
        })
    });
    let c = client(&server, |_| {});
    let r = reference(&server, "app:1");
    let all = c.referrers(&r, &subject, None).unwrap().unwrap();
    assert_eq!(all.manifests.len(), 2);
    let only = c
        .referrers(&r, &subject, Some("application/vnd.in-toto+json"))
        .unwrap()
        .unwrap();
    assert_eq!(only.manifests.len(), 1);
    assert_eq!(only.manifests[0].digest, sha256(b"a"));
    assert!(server.requests().iter().any(|q| q
        .path
        .contains("artifactType=application%2Fvnd.in-toto%2Bjson")));
    let server =
        FakeServer::start(|req, _| ok_ping_or(req, || reply(404, &[], "404 page not found")));
    let c = client(&server, |_| {});
    assert_eq!(
        c.referrers(&reference(&server, "app:1"), &subject, None)
            .unwrap(),
        None
    );
}

#[test]
fn push_protocol_monolithic_and_chunked() {
    // A fake that accepts uploads and records the protocol steps.
    let server = FakeServer::start(|req, _| {
        ok_ping_or(req, || match req.method.as_str() {
            "HEAD" => reply(404, &[], ""),
            "POST" => reply(
                202,
                &[("Location", "/v2/app/blobs/uploads/u1?_state=s0")],
                "",
            ),
            "PATCH" => {
                let range = req.header("content-range").unwrap_or("").to_owned();
                let loc = format!("/v2/app/blobs/uploads/u1?_state={range}");
                reply(202, &[("Location", loc.as_str()), ("Range", "0-0")], "")
            }
            "PUT" if req.path.contains("/blobs/") => reply(201, &[], ""),
            "PUT" => reply(201, &[], ""),
            "DELETE" => reply(204, &[], ""),
            _ => reply(400, &[], ""),
        })
    });
    let mut cfg_chunk = 0;
    let c = client(&server, |cfg| {
        cfg.upload_chunk_bytes = 4;
        cfg_chunk = cfg.upload_chunk_bytes;
    });
    assert_eq!(cfg_chunk, 4);
    let r = reference(&server, "app:1");
    let data = b"0123456789";
    let d = sha256(data);
    c.push_blob(&r, data, &d).unwrap();
    c.push_blob_reader(&r, &data[..], &d).unwrap();
    let reqs = server.requests();
    let patches: Vec<_> = reqs.iter().filter(|q| q.method == "PATCH").collect();
    assert_eq!(
        patches
            .iter()
            .map(|q| q.header("content-range").unwrap())
            .collect::<Vec<_>>(),
        ["0-3", "4-7", "8-9"]
    );
    // Each PATCH goes to the Location the previous step returned.
    assert!(
        patches[1].path.ends_with("_state=0-3"),
        "{}",
        patches[1].path
    );
    let puts: Vec<_> = reqs.iter().filter(|q| q.method == "PUT").collect();
    assert_eq!(puts.len(), 2);
    assert!(puts
        .iter()
        .all(|q| q.path.contains(&format!("digest=sha256%3A{}", d.hex()))));
    // A reader whose content does not match is not committed.
    let before = server
        .requests()
        .iter()
        .filter(|q| q.method == "PUT")
        .count();
    let err = c.push_blob_reader(&r, &b"9876543210"[..], &d).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|q| q.method == "PUT")
            .count(),
        before
    );
    assert!(server.requests().iter().any(|q| q.method == "DELETE"));
    // Pushing bytes that do not match their digest sends nothing.
    let n = server.hits();
    assert!(matches!(
        c.push_blob(&r, b"other", &d),
        Err(Error::DigestMismatch { .. })
    ));
    assert_eq!(server.hits(), n);
}

#[test]
fn blocking_client_refuses_to_run_inside_a_runtime() {
    let server = FakeServer::start(|req, _| ok_ping_or(req, manifest_reply));
    let c = client(&server, |_| {});
    let r = reference(&server, "app:1");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(async { c.get_manifest(&r, &[]) }).unwrap_err();
    assert!(matches!(err, Error::BlockingInAsync), "{err:?}");
    // The async client does the job there.
    let m = rt.block_on(c.async_client().get_manifest(&r, &[])).unwrap();
    assert_eq!(m.bytes, MANIFEST.as_bytes());
    assert!(matches!(
        m.parse().unwrap(),
        customs_oci::ManifestKind::Manifest(_)
    ));
}

#[test]
fn tokens_are_cached_per_scope() {
    let server = FakeServer::start(|req, _| {
        if req.path.starts_with("/token") {
            return reply(200, &[], r#"{"access_token":"good","expires_in":300}"#);
        }
        if req.header("authorization") == Some("Bearer good") {
            return if req.path == "/v2/" {
                reply(200, &[], "{}")
            } else {
                manifest_reply()
            };
        }
        let host = req.header("host").unwrap_or("").to_owned();
        let challenge = format!(r#"Bearer realm="http://{host}/token",service="fake""#);
        reply(401, &[("WWW-Authenticate", challenge.as_str())], "")
    });
    let c = client(&server, |_| {});
    for _ in 0..3 {
        c.get_manifest(&reference(&server, "app:1"), &[]).unwrap();
    }
    c.get_manifest(&reference(&server, "other:1"), &[]).unwrap();
    let token_paths: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/token"))
        .map(|r| r.path)
        .collect();
    // One token per repository scope, reused while valid; anonymous (no Authorization).
    assert_eq!(token_paths.len(), 2, "{token_paths:?}");
    assert!(token_paths[0].contains("repository%3Aapp%3Apull"));
    assert!(token_paths[1].contains("repository%3Aother%3Apull"));
    assert!(server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/token"))
        .all(|r| r.header("authorization").is_none()));
}
