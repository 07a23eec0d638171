//! Reading a file-backed blob ahead of its consumer, on a thread of its own.
//!
//! The layer walk alternates between asking for bytes and hashing/parsing
//! them. While it computes, nobody asks the kernel for more, and the
//! kernel's own read-ahead (at most twice the device's window with
//! `POSIX_FADV_SEQUENTIAL`) is too shallow to keep a virtual disk busy: on
//! the 2 GiB bench archive, cold, two threads hashing its layers took
//! 1.28-1.40 s where the disk alone delivers them in 0.92-1.0 s; with a
//! reader thread per layer staying 16 MiB ahead, 1.12-1.28 s (scratch
//! program, 4 interleaved rounds). `customs inspect` of it, cold, two
//! walkers: 1.42-1.66 s without, 1.26-1.36 s with.
//!
//! The chunks are handed over, not copied: [`ChunkRead::read_chunk`] swaps
//! the consumer's buffer with a filled one, and the emptied buffer goes back
//! to the reader thread.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use super::{Chunk, ChunkRead};

/// Bytes per chunk.
pub(crate) const CHUNK: usize = 1 << 20;
/// Chunks in flight per blob (filled or being filled): 8 MiB of memory per
/// blob being read. 16 were no faster on the bench image (cold catalog,
/// 4 interleaved rounds) and took 10-15 MB more memory.
pub(crate) const DEPTH: usize = 8;

type Filled = io::Result<(Chunk, usize)>;

/// A blob read ahead by a thread of its own.
pub(crate) struct Prefetch {
    filled: Receiver<Filled>,
    empty: Sender<Chunk>,
    stop: Arc<AtomicBool>,
    /// The chunk being read through [`Read`], and the range of it not yet read.
    current: Option<Chunk>,
    pos: usize,
    len: usize,
    /// End of the stream (or an error) was seen.
    done: bool,
}

impl Prefetch {
    /// Starts reading `inner` on a new thread.
    pub(crate) fn spawn<R: Read + Send + 'static>(inner: R) -> io::Result<Self> {
        let (filled_tx, filled) = channel::<Filled>();
        let (empty, empty_rx) = channel::<Chunk>();
        for _ in 0..DEPTH {
            // The receiver is alive: this cannot fail.
            let _ = empty.send(Chunk::mapped(CHUNK));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("blob-prefetch".into())
            .spawn(move || read_ahead(inner, &empty_rx, &filled_tx, &stopped))?;
        Ok(Self {
            filled,
            empty,
            stop,
            current: None,
            pos: 0,
            len: 0,
            done: false,
        })
    }

    /// The next filled chunk; `Ok(None)` at the end of the stream.
    fn next_chunk(&mut self) -> io::Result<Option<(Chunk, usize)>> {
        if self.done {
            return Ok(None);
        }
        match self.filled.recv() {
            Ok(Ok((_, 0))) => {
                self.done = true;
                Ok(None)
            }
            Ok(Ok(chunk)) => Ok(Some(chunk)),
            Ok(Err(e)) => {
                self.done = true;
                Err(e)
            }
            Err(_) => {
                self.done = true;
                Err(io::Error::other("blob reader thread ended early"))
            }
        }
    }

    fn recycle(&self, buf: Chunk) {
        // The reader thread may have ended (end of stream): then the buffer
        // is just freed.
        let _ = self.empty.send(buf);
    }
}

/// The reader thread: fills each empty buffer completely (or to the end of
/// the stream) and passes it on, until the end, an error, or the consumer
/// is gone.
fn read_ahead<R: Read>(
    mut inner: R,
    empty: &Receiver<Chunk>,
    filled: &Sender<Filled>,
    stop: &AtomicBool,
) {
    while let Ok(mut buf) = empty.recv() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let mut n = 0;
        while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
            match inner.read(rest) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = filled.send(Err(e));
                    return;
                }
            }
        }
        let end = n == 0;
        if filled.send(Ok((buf, n))).is_err() || end {
            return;
        }
    }
}

impl Read for Prefetch {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len {
            if let Some(old) = self.current.take() {
                self.recycle(old);
            }
            let Some((chunk, n)) = self.next_chunk()? else {
                return Ok(0);
            };
            self.current = Some(chunk);
            self.pos = 0;
            self.len = n;
        }
        let avail = self
            .current
            .as_deref()
            .and_then(|c| c.get(self.pos..self.len))
            .unwrap_or(&[]);
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

impl ChunkRead for Prefetch {
    fn read_chunk(&mut self, buf: &mut Chunk) -> io::Result<usize> {
        if self.pos < self.len {
            // Bytes left over from plain reads go first, copied.
            return self.read(buf);
        }
        if let Some(old) = self.current.take() {
            self.recycle(old);
        }
        let Some((mut chunk, n)) = self.next_chunk()? else {
            return Ok(0);
        };
        std::mem::swap(buf, &mut chunk);
        self.recycle(chunk);
        Ok(n)
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // The thread sees the flag before its next read, or a closed channel;
        // it is not joined, so that dropping never waits on a slow disk.
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle(std::io::Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn chunks_and_plain_reads_yield_the_stream_in_order() {
        let want = data(CHUNK * 3 + 12_345);
        // Swapped chunks only.
        let mut p = Prefetch::spawn(Trickle(std::io::Cursor::new(want.clone()), 70_000)).unwrap();
        let mut got = Vec::new();
        let mut buf = Chunk::heap(4096);
        loop {
            let n = p.read_chunk(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, want);
        // Plain reads, then chunks, then plain reads again.
        let mut p = Prefetch::spawn(std::io::Cursor::new(want.clone())).unwrap();
        let mut got = vec![0u8; 1000];
        p.read_exact(&mut got).unwrap();
        let mut buf = Chunk::heap(10);
        let n = p.read_chunk(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
        p.read_to_end(&mut got).unwrap();
        assert_eq!(got, want);
        assert_eq!(p.read(&mut [0u8; 8]).unwrap(), 0);
    }

    #[test]
    fn an_error_reaches_the_consumer_after_the_bytes_before_it() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad sector"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(7);
                self.0 -= n;
                Ok(n)
            }
        }
        let mut p = Prefetch::spawn(Failing(CHUNK + 10)).unwrap();
        let mut got = Vec::new();
        let err = p.read_to_end(&mut got).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(got.len(), CHUNK);
        // Once failed, the stream stays ended.
        assert_eq!(p.read(&mut [0u8; 8]).unwrap(), 0);
    }

    #[test]
    fn dropping_the_consumer_early_stops_the_thread() {
        use std::sync::atomic::AtomicUsize;
        /// An endless source that counts its reads.
        struct Endless(Arc<AtomicUsize>);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.fetch_add(1, Ordering::Relaxed);
                buf.fill(1);
                Ok(buf.len())
            }
        }
        let reads = Arc::new(AtomicUsize::new(0));
        let mut p = Prefetch::spawn(Endless(Arc::clone(&reads))).unwrap();
        let mut buf = Chunk::heap(16);
        assert!(p.read_chunk(&mut buf).unwrap() > 0);
        drop(p);
        // The thread stops within one chunk of the drop: the count settles.
        let settled = |reads: &AtomicUsize| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            reads.load(Ordering::Relaxed)
        };
        let before = settled(&reads);
        assert_eq!(settled(&reads), before);
        assert!(before <= DEPTH + 2, "{before} reads");
    }
}
