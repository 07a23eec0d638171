//! A small in-memory OCI registry stub WITH the OCI 1.1 referrers API, on
//! 127.0.0.1 (std::net, one thread per connection, `Connection: close`).
//!
//! Used only for the referrers-API path: the real `docker-registry` (2.8)
//! the other tests run against has no referrers API. It implements just
//! what the signing code uses: `/v2/` ping, monolithic blob upload, blob
//! HEAD/GET, manifest PUT/GET/HEAD by tag or digest (answering `OCI-Subject`
//! for manifests with a subject) and `GET /v2/<name>/referrers/<digest>`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

#[derive(Default)]
pub(crate) struct State {
    pub(crate) blobs: HashMap<String, Vec<u8>>,
    /// digest -> (media type, bytes)
    pub(crate) manifests: HashMap<String, (String, Vec<u8>)>,
    /// tag -> digest
    pub(crate) tags: HashMap<String, String>,
    pub(crate) referrers_calls: usize,
}

pub(crate) struct Stub {
    pub(crate) addr: String,
    pub(crate) state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

impl Stub {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = state.clone();
                    std::thread::spawn(move || serve(conn, &state));
                }
            })
        };
        Self {
            addr,
            state,
            stop,
            accept: Some(accept),
        }
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.into(),
    }
}

fn not_found() -> Reply {
    reply(
        404,
        &[("Content-Type", "application/json")],
        r#"{"errors":[{"code":"NOT_FOUND","message":"not found"}]}"#,
    )
}

fn serve(conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    // A TLS ClientHello: hang up so the client falls back to http.
    if reader
        .fill_buf()
        .map(|b| b.first() == Some(&0x16))
        .unwrap_or(true)
    {
        return;
    }
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let r = route(&method, &path, body, state);
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        r.body.len()
    );
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = conn.write_all(&r.body);
    }
    let _ = conn.flush();
}

fn route(method: &str, path: &str, body: Vec<u8>, state: &Mutex<State>) -> Reply {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let Some(rest) = path.strip_prefix("/v2/") else {
        return not_found();
    };
    if rest.is_empty() {
        return reply(200, &[("Content-Type", "application/json")], "{}");
    }
    let mut s = state.lock().unwrap();
    if let Some((name, _)) = rest.split_once("/blobs/uploads/") {
        return match method {
            "POST" => reply(
                202,
                &[("Location", &format!("/v2/{name}/blobs/uploads/u1"))],
                Vec::new(),
            ),
            "PUT" => {
                let digest = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("digest="))
                    .unwrap_or("")
                    .replace("%3A", ":");
                if sha256(&body) != digest {
                    return reply(400, &[], "digest mismatch");
                }
                s.blobs.insert(digest, body);
                reply(201, &[], Vec::new())
            }
            _ => reply(405, &[], Vec::new()),
        };
    }
    if let Some((_, digest)) = rest.split_once("/blobs/") {
        return match s.blobs.get(digest) {
            Some(b) => reply(
                200,
                &[("Content-Type", "application/octet-stream")],
                b.clone(),
            ),
            None => not_found(),
        };
    }
    if let Some((_, digest)) = rest.split_once("/referrers/") {
        s.referrers_calls += 1;
        let mut entries = Vec::new();
        for (d, (mt, bytes)) in &s.manifests {
            let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
            if v["subject"]["digest"] == digest {
                let artifact_type = v["artifactType"]
                    .as_str()
                    .or(v["config"]["mediaType"].as_str())
                    .unwrap_or_default();
                let mut e = serde_json::json!({"mediaType": mt, "digest": d, "size": bytes.len(), "artifactType": artifact_type});
                if let Some(a) = v.get("annotations") {
                    e["annotations"] = a.clone();
                }
                entries.push(e);
            }
        }
        let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries});
        return reply(
            200,
            &[("Content-Type", "application/vnd.oci.image.index.v1+json")],
            serde_json::to_vec(&index).unwrap(),
        );
    }
    if let Some((_, reference)) = rest.split_once("/manifests/") {
        return match method {
            "PUT" => {
                let d = sha256(&body);
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let mt = v["mediaType"].as_str().unwrap_or_default().to_owned();
                let subject = v["subject"]["digest"].as_str().map(str::to_owned);
                s.manifests.insert(d.clone(), (mt, body));
                if !reference.starts_with("sha256:") {
                    s.tags.insert(reference.to_owned(), d.clone());
                }
                let mut headers = vec![("Docker-Content-Digest", d.as_str())];
                if let Some(sub) = &subject {
                    headers.push(("OCI-Subject", sub.as_str()));
                }
                reply(201, &headers, Vec::new())
            }
            _ => {
                let digest = if reference.starts_with("sha256:") {
                    reference.to_owned()
                } else {
                    match s.tags.get(reference) {
                        Some(d) => d.clone(),
                        None => return not_found(),
                    }
                };
                match s.manifests.get(&digest) {
                    Some((mt, b)) => reply(
                        200,
                        &[("Content-Type", mt), ("Docker-Content-Digest", &digest)],
                        b.clone(),
                    ),
                    None => not_found(),
                }
            }
        };
    }
    not_found()
}
