//! A local registry for tests: Debian's `docker-registry` (distribution 2.8)
//! on 127.0.0.1, in one of three set-ups ([`Mode`]), with images pushed by
//! `skopeo copy oci-archive:…`.
//!
//! Each [`TestRegistry`] gets free ports (bound to port 0 to find one), keeps
//! its config, certificates and storage in its own [`TempDir`], waits (bounded)
//! until it accepts connections, and kills its processes on drop, so parallel
//! tests don't collide. When a needed program is absent, [`TestRegistry::start`]
//! returns `None` after a skip message ([`crate::skip`]).
//!
//! TLS modes use a test CA made with `openssl` (EC P-256): `ca_cert` is the CA
//! to trust; the server certificate is for `IP:127.0.0.1` and `DNS:localhost`.
//! Token mode runs the shared `images/token-server.py` (Python standard
//! library + `openssl`) as the token issuer on a plain-http loopback port,
//! like `images/registry-check.sh` does.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::TempDir;

/// User name the BasicTls and TokenTls registries accept.
pub const USER: &str = "fixtures";
/// Its password.
pub const PASSWORD: &str = "s3cret-test";
/// The `service` the token registry announces.
pub const TOKEN_SERVICE: &str = "customs-registry";

/// How long to wait for a process to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Which registry set-up to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain http, no auth.
    Plain,
    /// https with a test CA, htpasswd (bcrypt) basic auth.
    BasicTls,
    /// https with a test CA, bearer tokens from a local token issuer.
    TokenTls,
}

/// A running registry; dropped = stopped and its files removed.
pub struct TestRegistry {
    /// `127.0.0.1:PORT`, the registry part of image references.
    pub addr: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The CA certificate (PEM) that signed the server certificate (TLS modes).
    pub ca_cert: Option<PathBuf>,
    /// Credentials the registry accepts (BasicTls, TokenTls).
    pub creds: Option<(String, String)>,
    /// The set-up.
    pub mode: Mode,
    /// Token issuer address (TokenTls): `http://ADDR/token` is the realm.
    pub token_addr: Option<String>,
    /// Folder with `ca.crt`, for skopeo's `--dest-cert-dir`.
    cert_dir: Option<PathBuf>,
    children: Vec<(String, Child)>,
    dir: TempDir,
}

impl std::fmt::Debug for TestRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRegistry")
            .field("addr", &self.addr)
            .field("scheme", &self.scheme)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// A port that was free a moment ago (the OS picks it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot bind a free port on 127.0.0.1: {e}"))
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn path_str(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("temp path {} is not UTF-8", p.display()))
}

/// Makes a test CA and a server certificate for 127.0.0.1/localhost signed by it.
/// Returns (ca.crt, server.crt, server.key, certs.d folder holding ca.crt).
fn make_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-days",
        "3650",
        "-subj",
        "/CN=customs test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    run(dir, "openssl", &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    run(dir, "openssl", &csr);
    write(
        &dir.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n\
         subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    let serial = format!(
        "0x{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(1)
    );
    run(
        dir,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial,
            "-days",
            "3650",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
    let certs_d = dir.join("certs.d");
    fs::create_dir_all(&certs_d).unwrap_or_else(|e| panic!("cannot create certs.d: {e}"));
    fs::copy(dir.join("ca.crt"), certs_d.join("ca.crt"))
        .unwrap_or_else(|e| panic!("cannot copy ca.crt: {e}"));
    (
        dir.join("ca.crt"),
        dir.join("server.crt"),
        dir.join("server.key"),
        certs_d,
    )
}

fn wait_ready(name: &str, child: &mut Child, addr: &str, log: &Path) -> Result<(), String> {
    let sock: SocketAddr = addr
        .parse()
        .map_err(|e| format!("bad address {addr}: {e}"))?;
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = fs::read_to_string(log).unwrap_or_default();
            return Err(format!(
                "{name} exited ({status}) before listening on {addr}:\n{log}"
            ));
        }
        if TcpStream::connect_timeout(&sock, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if start.elapsed() > READY_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let log = fs::read_to_string(log).unwrap_or_default();
            return Err(format!(
                "{name} did not listen on {addr} within {READY_TIMEOUT:?}:\n{log}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn spawn_logged(program: &str, args: &[&str], log: &Path) -> Child {
    let out =
        fs::File::create(log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot clone log handle: {e}"));
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"))
}

impl TestRegistry {
    /// Starts a registry in `mode`; `None` (with a skip message) when
    /// `docker-registry`, `openssl`, `htpasswd`, `python3` or the shared
    /// token server are absent. Panics when they are present but fail.
    #[track_caller]
    pub fn start(mode: Mode) -> Option<Self> {
        crate::tool("docker-registry", &["--version"])?;
        let token_script = match mode {
            Mode::Plain => None,
            Mode::BasicTls => {
                crate::tool("openssl", &["version"])?;
                crate::tool("htpasswd", &["-nbB", "probe", "probe"])?;
                None
            }
            Mode::TokenTls => {
                crate::tool("openssl", &["version"])?;
                crate::tool("python3", &["--version"])?;
                Some(crate::shared_path("images/token-server.py")?)
            }
        };
        let dir =
            TempDir::new("registry").unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
        let d = dir.path().to_path_buf();
        let mut reg = Self {
            addr: String::new(),
            scheme: if mode == Mode::Plain { "http" } else { "https" },
            ca_cert: None,
            creds: None,
            mode,
            token_addr: None,
            cert_dir: None,
            children: Vec::new(),
            dir,
        };
        let mut tls_lines = String::new();
        let mut auth_lines = String::new();
        if mode != Mode::Plain {
            let (ca, crt, key, certs_d) = make_certs(&d);
            tls_lines = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                path_str(&crt),
                path_str(&key)
            );
            reg.ca_cert = Some(ca);
            reg.cert_dir = Some(certs_d);
            reg.creds = Some((USER.to_owned(), PASSWORD.to_owned()));
        }
        if mode == Mode::BasicTls {
            let out = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .unwrap_or_else(|e| panic!("cannot run htpasswd: {e}"));
            assert!(out.status.success(), "htpasswd failed");
            let htpasswd = d.join("htpasswd");
            fs::write(&htpasswd, &out.stdout)
                .unwrap_or_else(|e| panic!("cannot write htpasswd: {e}"));
            auth_lines = format!(
                "auth:\n  htpasswd:\n    realm: customs-fixtures\n    path: {}\n",
                path_str(&htpasswd)
            );
        }
        if let Some(script) = token_script {
            run(
                &d,
                "openssl",
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "3650",
                    "-subj",
                    "/CN=customs-token-issuer",
                    "-keyout",
                    "token.key",
                    "-out",
                    "token.crt",
                ],
            );
            let token_addr = reg.start_token_server(&script);
            auth_lines = format!(
                "auth:\n  token:\n    realm: http://{token_addr}/token\n    service: {TOKEN_SERVICE}\n    issuer: customs-token-issuer\n    rootcertbundle: {}\n",
                path_str(&d.join("token.crt"))
            );
            reg.token_addr = Some(token_addr);
        }
        // The port may be taken between finding it and the registry binding
        // it: try a few.
        let mut last_err = String::new();
        for attempt in 0..3 {
            let addr = format!("127.0.0.1:{}", free_port());
            let config = d.join("config.yml");
            write(
                &config,
                &format!(
                    "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n{auth_lines}http:\n  addr: {addr}\n{tls_lines}",
                    path_str(&d.join("storage"))
                ),
            );
            let log = d.join(format!("registry-{attempt}.log"));
            let mut child = spawn_logged("docker-registry", &["serve", path_str(&config)], &log);
            match wait_ready("docker-registry", &mut child, &addr, &log) {
                Ok(()) => {
                    reg.children.push(("docker-registry".to_owned(), child));
                    reg.addr = addr;
                    return Some(reg);
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_err = e;
                }
            }
        }
        panic!("cannot start docker-registry: {last_err}");
    }

    fn start_token_server(&mut self, script: &Path) -> String {
        let d = self.dir.path().to_path_buf();
        let mut last_err = String::new();
        for attempt in 0..3 {
            let addr = format!("127.0.0.1:{}", free_port());
            let log = d.join(format!("token-server-{attempt}.log"));
            let mut child = spawn_logged(
                "python3",
                &[
                    path_str(script),
                    "--key",
                    path_str(&d.join("token.key")),
                    "--cert",
                    path_str(&d.join("token.crt")),
                    "--issuer",
                    "customs-token-issuer",
                    "--service",
                    TOKEN_SERVICE,
                    "--user",
                    USER,
                    "--password",
                    PASSWORD,
                    "--listen",
                    &addr,
                ],
                &log,
            );
            match wait_ready("token-server.py", &mut child, &addr, &log) {
                Ok(()) => {
                    self.children.push(("token-server.py".to_owned(), child));
                    return addr;
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_err = e;
                }
            }
        }
        panic!("cannot start the token server: {last_err}");
    }

    /// `ADDR/REPO[:TAG]`, an image reference on this registry.
    pub fn reference(&self, repo_tag: &str) -> String {
        format!("{}/{repo_tag}", self.addr)
    }

    /// The registry's logs so far (for failure messages).
    pub fn log(&self) -> String {
        let mut out = String::new();
        if let Ok(entries) = fs::read_dir(self.dir.path()) {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect();
            paths.sort();
            for p in paths {
                out.push_str(&format!("== {}\n", p.display()));
                out.push_str(&fs::read_to_string(&p).unwrap_or_default());
            }
        }
        out
    }

    /// Pushes the single image of an OCI archive (`*.oci.tar`) to
    /// `REPO:TAG` here with `skopeo copy`, and returns the manifest digest
    /// skopeo reports. `None` (skip) when skopeo is absent; panics when the
    /// copy fails.
    #[track_caller]
    pub fn push_oci_archive(&self, oci_tar: &Path, repo_tag: &str) -> Option<String> {
        crate::tool("skopeo", &["--version"])?;
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let digest_file = self
            .dir
            .path()
            .join(format!("digest-{}", N.fetch_add(1, Ordering::Relaxed)));
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--quiet", "--digestfile", path_str(&digest_file)]);
        match &self.cert_dir {
            Some(d) => cmd.args(["--dest-cert-dir", path_str(d)]),
            None => cmd.arg("--dest-tls-verify=false"),
        };
        if let Some((u, p)) = &self.creds {
            cmd.args(["--dest-creds", &format!("{u}:{p}")]);
        }
        cmd.arg(format!("oci-archive:{}", oci_tar.display()));
        cmd.arg(format!("docker://{}", self.reference(repo_tag)));
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run skopeo: {e}"));
        assert!(
            out.status.success(),
            "skopeo copy {} to {} failed: {}\nregistry log:\n{}",
            oci_tar.display(),
            self.reference(repo_tag),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        let digest = fs::read_to_string(&digest_file)
            .unwrap_or_else(|e| panic!("skopeo wrote no digest file: {e}"));
        Some(digest.trim().to_owned())
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_unprivileged_ports_the_os_chose() {
        // Whether the port is still free a moment later is racy under a
        // parallel test run, so only what the OS guarantees is checked.
        let a = free_port();
        assert!(a >= 1024, "{a}");
    }

    #[test]
    fn plain_registry_starts_answers_and_stops() {
        let Some(reg) = TestRegistry::start(Mode::Plain) else {
            return;
        };
        assert_eq!(reg.scheme, "http");
        let addr: SocketAddr = reg.addr.parse().unwrap();
        let mut s = TcpStream::connect(addr).unwrap();
        use std::io::{Read, Write};
        s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(
            resp.starts_with("HTTP/1.0 200") || resp.starts_with("HTTP/1.1 200"),
            "{resp}"
        );
        drop(reg);
        assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    }
}
