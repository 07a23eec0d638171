//! SHA-256 of every member of a tar stream, computed while the stream goes by.
//!
//! A gzip-compressed archive is inflated into a temporary file once (random
//! access needs it). Hashing each member's bytes on the way costs one pass the
//! walk would otherwise make again over the same bytes when it verifies the
//! layer digests; the walk then takes the digest from here for the members it
//! reads from our own temporary copy.
//!
//! The digests are keyed by the absolute byte range they cover, and a range is
//! hashed exactly as it lies in the stream, so a digest is right for the bytes
//! at that range whatever the parse believed; a lookup uses it only when the
//! archive index later names the very same range. A header whose checksum does
//! not add up stops the hashing (the walk then hashes as usual).

use std::collections::HashMap;

use customs_model::{Digest, DigestAlgorithm};
use sha2::{Digest as _, Sha256};

/// Most member digests kept (as many as an archive may have members).
const MAX_MEMBERS: usize = 1_000_000;

enum State {
    /// Collecting a 512-byte header.
    Header,
    /// Inside a member's content.
    Data {
        start: u64,
        size: u64,
        left: u64,
        hasher: Box<Sha256>,
    },
    /// Skipping the padding to the next 512-byte block.
    Padding { left: u64 },
    /// The end-of-archive block, a bad header, or too many members.
    Stopped,
}

/// Hashes the members of a tar stream fed to it in pieces.
pub(crate) struct MemberHasher {
    /// Absolute offset of the next byte fed.
    pos: u64,
    state: State,
    header: [u8; 512],
    header_len: usize,
    digests: HashMap<u64, (u64, [u8; 32])>,
}

impl MemberHasher {
    pub(crate) fn new() -> Self {
        Self {
            pos: 0,
            state: State::Header,
            header: [0; 512],
            header_len: 0,
            digests: HashMap::new(),
        }
    }

    /// Feeds the next bytes of the stream.
    pub(crate) fn feed(&mut self, mut buf: &[u8]) {
        while !buf.is_empty() {
            let taken = match &mut self.state {
                State::Stopped => return,
                State::Header => {
                    let take = (512 - self.header_len).min(buf.len());
                    if let (Some(dst), Some(src)) = (
                        self.header.get_mut(self.header_len..self.header_len + take),
                        buf.get(..take),
                    ) {
                        dst.copy_from_slice(src);
                    }
                    self.header_len += take;
                    take
                }
                State::Data { left, hasher, .. } => {
                    let take = usize::try_from(*left).unwrap_or(usize::MAX).min(buf.len());
                    hasher.update(buf.get(..take).unwrap_or_default());
                    *left -= take as u64;
                    take
                }
                State::Padding { left } => {
                    let take = usize::try_from(*left).unwrap_or(usize::MAX).min(buf.len());
                    *left -= take as u64;
                    take
                }
            };
            self.pos += taken as u64;
            buf = buf.get(taken..).unwrap_or_default();
            self.advance();
        }
    }

    /// Moves to the next state when the current one is complete.
    fn advance(&mut self) {
        match &self.state {
            State::Header if self.header_len == 512 => {
                self.header_len = 0;
                self.state = self.after_header();
            }
            State::Data { left: 0, .. } => {
                let State::Data {
                    start,
                    size,
                    hasher,
                    ..
                } = std::mem::replace(&mut self.state, State::Stopped)
                else {
                    return;
                };
                if self.digests.len() < MAX_MEMBERS {
                    self.digests.insert(start, (size, hasher.finalize().into()));
                    let pad = (512 - size % 512) % 512;
                    self.state = if pad == 0 {
                        State::Header
                    } else {
                        State::Padding { left: pad }
                    };
                }
            }
            State::Padding { left: 0 } => self.state = State::Header,
            _ => {}
        }
    }

    fn after_header(&self) -> State {
        let h = &self.header;
        if h.iter().all(|&b| b == 0) || !checksum_ok(h) {
            return State::Stopped;
        }
        match header_size(h) {
            Some(0) => State::Header,
            Some(size) => State::Data {
                start: self.pos,
                size,
                left: size,
                hasher: Box::new(Sha256::new()),
            },
            None => State::Stopped,
        }
    }

    /// The digests by range: start offset → (size, SHA-256).
    pub(crate) fn finish(self) -> HashMap<u64, (u64, [u8; 32])> {
        self.digests
    }
}

/// The SHA-256 recorded for exactly `size` bytes at `offset`, if any.
pub(crate) fn lookup(
    digests: &HashMap<u64, (u64, [u8; 32])>,
    offset: u64,
    size: u64,
) -> Option<Digest> {
    let (recorded, hash) = digests.get(&offset)?;
    (*recorded == size).then(|| Digest::from_bytes(DigestAlgorithm::Sha256, hash))
}

/// The header checksum: the byte sum with the checksum field read as spaces.
fn checksum_ok(h: &[u8; 512]) -> bool {
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    h.get(148..156)
        .and_then(parse_octal)
        .is_some_and(|stored| stored == sum)
}

/// The size field: octal text, or GNU base-256 for big members.
fn header_size(h: &[u8; 512]) -> Option<u64> {
    let field = h.get(124..136)?;
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut n: u64 = 0;
        for &b in field.get(1..)? {
            n = n.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(n);
    }
    parse_octal(field)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| b != b' ' && b != 0);
    let mut n: u64 = 0;
    let mut any = false;
    for b in text {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        n = n.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
        any = true;
    }
    if any {
        Some(n)
    } else {
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::digest_of;

    fn archive(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, data.as_slice()).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn every_member_range_gets_the_digest_of_its_bytes_in_any_piece_sizes() {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        let members = [
            ("a/layer.tar", big),
            ("empty", Vec::new()),
            ("manifest.json", b"[{}]".to_vec()),
            ("exact", vec![7u8; 1024]),
        ];
        let bytes = archive(&members);
        for piece in [1usize, 7, 511, 512, 4096, 1 << 20] {
            let mut m = MemberHasher::new();
            for chunk in bytes.chunks(piece) {
                m.feed(chunk);
            }
            let digests = m.finish();
            let mut ar = tar::Archive::new(std::io::Cursor::new(bytes.as_slice()));
            let mut seen = 0;
            for entry in ar.entries_with_seek().unwrap() {
                let e = entry.unwrap();
                let (off, size) = (e.raw_file_position(), e.size());
                let data = &members
                    .iter()
                    .find(|(n, _)| *n == e.path().unwrap().to_str().unwrap())
                    .unwrap()
                    .1;
                if size == 0 {
                    assert!(lookup(&digests, off, size).is_none());
                    continue;
                }
                assert_eq!(
                    lookup(&digests, off, size),
                    Some(digest_of(DigestAlgorithm::Sha256, data)),
                    "piece {piece}"
                );
                // A different size at the same offset is not the same range.
                assert!(lookup(&digests, off, size + 1).is_none());
                seen += 1;
            }
            assert_eq!(seen, 3);
        }
    }

    #[test]
    fn a_corrupt_header_stops_hashing_and_garbage_never_panics() {
        let mut bytes = archive(&[("one", vec![1u8; 600]), ("two", vec![2u8; 600])]);
        // Corrupt the second header's name: its checksum no longer adds up.
        let second = 512 + 1024;
        bytes[second] ^= 0x55;
        let mut m = MemberHasher::new();
        m.feed(&bytes);
        let digests = m.finish();
        assert_eq!(digests.len(), 1);
        assert!(lookup(&digests, 512, 600).is_some());

        let mut m = MemberHasher::new();
        let noise: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        m.feed(&noise);
        assert!(m.finish().len() <= 1);
    }
}
