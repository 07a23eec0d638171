//! A blocking facade over the async [`crate::Client`], for synchronous
//! callers (the image crate's rayon workers).
//!
//! The client owns a small tokio runtime (two worker threads). Every method
//! blocks the calling thread until the operation ends; calling one from inside
//! an async runtime returns [`Error::BlockingInAsync`] instead of panicking.
//! Blob downloads come back as a [`BlobReader`] (`std::io::Read`) fed through a
//! bounded channel, so a large layer never sits in memory; the reader hashes
//! on the caller's thread and reports end-of-file only after the digest matched.
//!
//! Drop the client outside async code too: dropping its runtime inside one panics
//! (a tokio rule). A [`BlobReader`] keeps the runtime alive until it is dropped.

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::{Buf as _, Bytes};
use customs_model::Digest;
use customs_oci::{Descriptor, Index, Reference};
use tokio::sync::mpsc;

use crate::client::{FetchedManifest, ManifestHead};
use crate::verify::{Hasher, Verifier};
use crate::{ClientConfig, Error};

/// Chunks buffered between the network task and the reader (each at most a
/// few tens of KiB, as the HTTP stack delivers them).
const CHANNEL_CHUNKS: usize = 16;

/// The blocking client. `Send + Sync`: share one between threads.
#[derive(Debug)]
pub struct Client {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::Client,
}

impl Client {
    /// Builds the client and its runtime.
    pub fn new(cfg: ClientConfig) -> Result<Self, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("customs-registry")
            .enable_all()
            .build()
            .map_err(|e| Error::Setup {
                source: Box::new(e),
            })?;
        let inner = {
            let _guard = rt.enter();
            crate::Client::new(cfg)?
        };
        Ok(Self {
            rt: Arc::new(rt),
            inner,
        })
    }

    /// The async client inside (shares connections and tokens).
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    fn run<F: std::future::Future>(&self, f: F) -> Result<F::Output, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsync);
        }
        Ok(self.rt.block_on(f))
    }

    /// See [`crate::Client::get_manifest`].
    pub fn get_manifest(
        &self,
        reference: &Reference,
        accept: &[&str],
    ) -> Result<FetchedManifest, Error> {
        self.run(self.inner.get_manifest(reference, accept))?
    }

    /// See [`crate::Client::head_manifest`].
    pub fn head_manifest(
        &self,
        reference: &Reference,
        accept: &[&str],
    ) -> Result<Option<ManifestHead>, Error> {
        self.run(self.inner.head_manifest(reference, accept))?
    }

    /// Opens a blob for reading. The reader's last `read` fails with an
    /// `io::Error` wrapping [`Error::DigestMismatch`] (see [`Error::from_io`])
    /// when the content does not match `digest`; with a `size`, too many
    /// bytes fail as soon as they arrive.
    pub fn get_blob(
        &self,
        repo: &Reference,
        digest: &Digest,
        size: Option<u64>,
    ) -> Result<BlobReader, Error> {
        let stream = self.run(self.inner.get_blob(repo, digest, size))??;
        let what = format!("blob {digest} of {}", repo.name());
        let mut resp = stream.into_response();
        let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
        let task_what = what.clone();
        let task = self.rt.spawn(async move {
            loop {
                let msg = match resp.chunk().await {
                    Ok(Some(b)) => Msg::Data(b),
                    Ok(None) => Msg::End,
                    Err(e) => Msg::Failed(crate::client_body_error(e, &task_what)),
                };
                let last = !matches!(msg, Msg::Data(_));
                if tx.send(msg).await.is_err() || last {
                    return;
                }
            }
        });
        Ok(BlobReader {
            rx,
            buf: Bytes::new(),
            verifier: Verifier::new(what.clone(), digest.clone(), size),
            state: State::Open,
            what,
            task,
            _rt: Arc::clone(&self.rt),
        })
    }

    /// [`Client::get_blob`] for a descriptor.
    pub fn get_blob_for(&self, repo: &Reference, desc: &Descriptor) -> Result<BlobReader, Error> {
        self.get_blob(repo, &desc.digest, Some(desc.size))
    }

    /// See [`crate::Client::get_blob_bytes`].
    pub fn get_blob_bytes(
        &self,
        repo: &Reference,
        digest: &Digest,
        max: u64,
    ) -> Result<Vec<u8>, Error> {
        self.run(self.inner.get_blob_bytes(repo, digest, max))?
    }

    /// Streams a blob into `writer` and returns the byte count once the
    /// digest (and size) checked out. On error the writer may hold
    /// unverified bytes: discard them.
    pub fn fetch_blob_to<W: Write + ?Sized>(
        &self,
        repo: &Reference,
        digest: &Digest,
        size: Option<u64>,
        writer: &mut W,
    ) -> Result<u64, Error> {
        let mut reader = self.get_blob(repo, digest, size)?;
        let what = reader.what.clone();
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            let got = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(into_registry_error(e, &what)),
            };
            let chunk = buf.get(..got).unwrap_or_default();
            writer.write_all(chunk).map_err(|source| Error::Write {
                what: what.clone(),
                source,
            })?;
            n += got as u64;
        }
        writer
            .flush()
            .map_err(|source| Error::Write { what, source })?;
        Ok(n)
    }

    /// See [`crate::Client::blob_exists`].
    pub fn blob_exists(&self, repo: &Reference, digest: &Digest) -> Result<bool, Error> {
        self.run(self.inner.blob_exists(repo, digest))?
    }

    /// See [`crate::Client::push_blob`] (monolithic upload).
    pub fn push_blob(&self, repo: &Reference, data: &[u8], digest: &Digest) -> Result<(), Error> {
        self.run(
            self.inner
                .push_blob(repo, Bytes::copy_from_slice(data), digest),
        )?
    }

    /// Pushes a blob from a reader in chunks (chunked upload), reading on
    /// the calling thread; see [`crate::Client::push_blob_from`].
    pub fn push_blob_reader<R: Read>(
        &self,
        repo: &Reference,
        mut reader: R,
        digest: &Digest,
    ) -> Result<(), Error> {
        if self.blob_exists(repo, digest)? {
            return Ok(());
        }
        let chunk_size = self.inner.config().upload_chunk_bytes.max(1);
        let mut up = self.run(self.inner.start_upload(repo, digest))??;
        let mut hasher = Hasher::new(digest.algorithm());
        loop {
            let mut buf = Vec::with_capacity(chunk_size);
            let n = match (&mut reader).take(chunk_size as u64).read_to_end(&mut buf) {
                Ok(n) => n,
                Err(source) => {
                    let what = format!("blob {digest} to push to {}", repo.name());
                    self.run(self.inner.cancel_upload(repo, up))?;
                    return Err(Error::Read { what, source });
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf);
            if let Err(e) = self.run(self.inner.upload_chunk(repo, &mut up, Bytes::from(buf)))? {
                self.run(self.inner.cancel_upload(repo, up))?;
                return Err(e);
            }
        }
        let actual = hasher.finish();
        if &actual != digest {
            self.run(self.inner.cancel_upload(repo, up))?;
            return Err(Error::DigestMismatch {
                what: format!("blob to push to {}", repo.name()),
                expected: digest.clone(),
                actual,
            });
        }
        self.run(self.inner.finish_upload(repo, up, digest, None))?
    }

    /// See [`crate::Client::mount_blob`].
    pub fn mount_blob(
        &self,
        from: &Reference,
        to: &Reference,
        digest: &Digest,
    ) -> Result<bool, Error> {
        self.run(self.inner.mount_blob(from, to, digest))?
    }

    /// See [`crate::Client::push_manifest`].
    pub fn push_manifest(
        &self,
        reference: &Reference,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, Error> {
        self.run(self.inner.push_manifest(reference, bytes, media_type))?
    }

    /// See [`crate::Client::referrers`].
    pub fn referrers(
        &self,
        repo: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Index>, Error> {
        self.run(self.inner.referrers(repo, subject, artifact_type))?
    }

    /// See [`crate::Client::list_tags`].
    pub fn list_tags(&self, repo: &Reference) -> Result<Vec<String>, Error> {
        self.run(self.inner.list_tags(repo))?
    }
}

fn into_registry_error(e: std::io::Error, what: &str) -> Error {
    match e.into_inner().map(|inner| inner.downcast::<Error>()) {
        Some(Ok(err)) => *err,
        Some(Err(other)) => Error::Interrupted {
            what: what.to_owned(),
            source: other,
        },
        None => Error::Interrupted {
            what: what.to_owned(),
            source: "blob stream failed".into(),
        },
    }
}

enum Msg {
    Data(Bytes),
    End,
    Failed(Error),
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Open,
    Verified,
    Failed,
}

/// A blob being downloaded, as `std::io::Read`. Bytes are hashed as they are
/// read; `Ok(0)` (end of file) comes only after the digest and size matched,
/// otherwise the final read fails with an `io::Error` whose inner error is a
/// [`crate::Error`] ([`Error::from_io`] gets it back). Dropping the reader
/// early cancels the download.
pub struct BlobReader {
    rx: mpsc::Receiver<Msg>,
    buf: Bytes,
    verifier: Verifier,
    state: State,
    what: String,
    task: tokio::task::JoinHandle<()>,
    /// Keeps the runtime alive while the download task runs.
    _rt: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl BlobReader {
    /// Bytes received and hashed so far.
    pub fn received(&self) -> u64 {
        self.verifier.seen()
    }

    fn fail(&mut self, e: Error) -> std::io::Error {
        self.state = State::Failed;
        self.buf = Bytes::new();
        e.into_io()
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if !self.buf.is_empty() {
                let n = out.len().min(self.buf.len());
                let (dst, src) = (out.get_mut(..n), self.buf.get(..n));
                if let (Some(dst), Some(src)) = (dst, src) {
                    dst.copy_from_slice(src);
                }
                self.buf.advance(n);
                return Ok(n);
            }
            match self.state {
                State::Verified => return Ok(0),
                State::Failed => {
                    return Err(std::io::Error::other(format!(
                        "{} failed earlier",
                        self.what
                    )));
                }
                State::Open => {}
            }
            if out.is_empty() {
                return Ok(0);
            }
            if tokio::runtime::Handle::try_current().is_ok() {
                return Err(self.fail(Error::BlockingInAsync));
            }
            match self.rx.blocking_recv() {
                Some(Msg::Data(b)) => {
                    if let Err(e) = self.verifier.update(&b) {
                        return Err(self.fail(e));
                    }
                    self.buf = b;
                }
                Some(Msg::End) => {
                    if let Err(e) = self.verifier.finish() {
                        return Err(self.fail(e));
                    }
                    self.state = State::Verified;
                }
                Some(Msg::Failed(e)) => return Err(self.fail(e)),
                None => {
                    let e = Error::Interrupted {
                        what: self.what.clone(),
                        source: "download task ended early".into(),
                    };
                    return Err(self.fail(e));
                }
            }
        }
    }
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}
