//! A minimal HTTP/1.1 file server for the update tests: serves byte strings
//! by path with `ETag` and `Last-Modified`, answers conditional requests with
//! 304, and records the conditional headers of every request.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::Digest as _;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) if_none_match: Option<String>,
    pub(crate) if_modified_since: Option<String>,
    pub(crate) status: u16,
}

#[derive(Default)]
struct Inner {
    files: HashMap<String, (Vec<u8>, String)>,
    seen: Vec<Seen>,
}

pub(crate) struct Server {
    pub(crate) base: String,
    inner: Arc<Mutex<Inner>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
}

pub(crate) const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

impl Server {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (i, s) = (Arc::clone(&inner), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(c) = conn {
                    serve(c, &i);
                }
            }
        });
        Self {
            base: format!("http://{addr}"),
            inner,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// Serves `bytes` at `path`; the ETag is a hash of the content, so
    /// putting the same bytes back gives the same ETag.
    pub(crate) fn put(&self, path: &str, bytes: Vec<u8>) {
        let etag = format!("\"{}\"", &hex(&sha2::Sha256::digest(&bytes))[..16]);
        self.inner
            .lock()
            .unwrap()
            .files
            .insert(path.to_owned(), (bytes, etag));
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.inner.lock().unwrap().seen)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, inner: &Mutex<Inner>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let (mut inm, mut ims) = (None, None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let v = v.trim().to_owned();
            match k.to_ascii_lowercase().as_str() {
                "if-none-match" => inm = Some(v),
                "if-modified-since" => ims = Some(v),
                _ => {}
            }
        }
    }
    let mut g = inner.lock().unwrap();
    let (status, body, etag) = match g.files.get(&path) {
        None => (404, Vec::new(), None),
        Some((_, etag)) if inm.as_deref() == Some(etag.as_str()) => {
            (304, Vec::new(), Some(etag.clone()))
        }
        Some((b, etag)) => (200, b.clone(), Some(etag.clone())),
    };
    g.seen.push(Seen {
        path,
        if_none_match: inm,
        if_modified_since: ims,
        status,
    });
    drop(g);
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        _ => "Not Found",
    };
    let mut out = conn;
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
    if let Some(e) = etag {
        head.push_str(&format!("ETag: {e}\r\nLast-Modified: {LAST_MODIFIED}\r\n"));
    }
    if status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&body);
    let _ = out.flush();
}
