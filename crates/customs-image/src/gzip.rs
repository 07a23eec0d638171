//! Multi-member gzip decoding without the CRC-32.
//!
//! Why by hand: every decompressed byte of a layer is already hashed for the
//! diffID check (SHA-256, compared with the config), which proves far more
//! than gzip's CRC-32 does, and computing the CRC as well was about 3% of the
//! CPU of walking a gzip-layered image. flate2's gzip decoders always compute
//! and check it, so this module reads the gzip framing (RFC 1952) itself and
//! leaves the deflate data to flate2's raw decoder (same inflate library).
//! The trailer's length field is still checked, so a member cut short or
//! padded is an error even before the diffID comparison.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const RESERVED: u8 = 0xE0;

enum State {
    /// Before a member's header.
    Header,
    /// Inside a member's deflate data.
    Body,
    /// After a member's deflate data: the 8-byte trailer.
    Trailer,
    /// After the last member.
    End,
}

/// Decodes concatenated gzip members from a buffered reader.
pub(crate) struct GzipNoCrc<R: BufRead> {
    inner: DeflateDecoder<R>,
    state: State,
    /// Decompressed bytes of the current member (for the trailer's ISIZE).
    member_out: u64,
}

impl<R: BufRead> GzipNoCrc<R> {
    pub(crate) fn new(r: R) -> Self {
        Self {
            inner: DeflateDecoder::new(r),
            state: State::Header,
            member_out: 0,
        }
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("gzip: {what}"))
}

/// Reads exactly `buf.len()` bytes; running out is a truncated stream.
fn read_exact_or_truncated(r: &mut impl Read, buf: &mut [u8], what: &str) -> io::Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("gzip: truncated {what}"),
            )
        } else {
            e
        }
    })
}

/// Skips a zero-terminated header field (file name, comment).
fn skip_zero_terminated(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "gzip: truncated header",
            ));
        }
        match buf.iter().position(|&b| b == 0) {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

/// Skips `n` bytes of the header.
fn skip(r: &mut impl BufRead, n: usize) -> io::Result<()> {
    crate::verify::skip_buffered(r, n as u64, "gzip: truncated header")
}

/// Reads one member header (RFC 1952, 2.3).
fn read_header(r: &mut impl BufRead) -> io::Result<()> {
    let mut fixed = [0u8; 10];
    read_exact_or_truncated(r, &mut fixed, "header")?;
    let [id1, id2, cm, flags, ..] = fixed;
    if id1 != 0x1f || id2 != 0x8b {
        return Err(corrupt("not a gzip stream (bad magic)"));
    }
    if cm != 8 {
        return Err(corrupt("unknown compression method"));
    }
    if flags & RESERVED != 0 {
        return Err(corrupt("reserved header flags set"));
    }
    if flags & FEXTRA != 0 {
        let mut len = [0u8; 2];
        read_exact_or_truncated(r, &mut len, "header")?;
        skip(r, usize::from(u16::from_le_bytes(len)))?;
    }
    if flags & FNAME != 0 {
        skip_zero_terminated(r)?;
    }
    if flags & FCOMMENT != 0 {
        skip_zero_terminated(r)?;
    }
    if flags & FHCRC != 0 {
        skip(r, 2)?;
    }
    Ok(())
}

impl<R: BufRead> Read for GzipNoCrc<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                State::End => return Ok(0),
                State::Header => {
                    read_header(self.inner.get_mut())?;
                    self.inner.reset_data();
                    self.member_out = 0;
                    self.state = State::Body;
                }
                State::Body => {
                    if buf.is_empty() {
                        return Ok(0);
                    }
                    match self.inner.read(buf)? {
                        0 => self.state = State::Trailer,
                        n => {
                            self.member_out += n as u64;
                            return Ok(n);
                        }
                    }
                }
                State::Trailer => {
                    let mut trailer = [0u8; 8];
                    read_exact_or_truncated(self.inner.get_mut(), &mut trailer, "member")?;
                    let [_, _, _, _, s0, s1, s2, s3] = trailer;
                    // ISIZE is the member's length modulo 2^32.
                    if u32::from_le_bytes([s0, s1, s2, s3]) != self.member_out as u32 {
                        return Err(corrupt("member length does not match its trailer"));
                    }
                    let more = !self.inner.get_mut().fill_buf()?.is_empty();
                    self.state = if more { State::Header } else { State::End };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gz(data: &[u8], name: Option<&str>) -> Vec<u8> {
        let mut b = flate2::GzBuilder::new();
        if let Some(n) = name {
            b = b.filename(n).comment("a comment").extra(vec![1, 2, 3]);
        }
        let mut e = b.write(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzipNoCrc::new(io::BufReader::with_capacity(7, bytes)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_what_flate2_decodes_members_and_header_fields_included() {
        let a: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
        let b = b"second member".to_vec();
        let mut two = gz(&a, Some("layer.tar"));
        two.extend(gz(&b, None));
        two.extend(gz(b"", None));
        let mut expected = Vec::new();
        flate2::read::MultiGzDecoder::new(two.as_slice())
            .read_to_end(&mut expected)
            .unwrap();
        assert_eq!(decode(&two).unwrap(), expected);
        assert_eq!(expected.len(), a.len() + b.len());
    }

    #[test]
    fn broken_streams_are_errors_never_short_reads() {
        let whole = gz(&vec![5u8; 100_000], Some("x"));
        // Cut anywhere: header, deflate data, trailer.
        for cut in [
            0,
            5,
            12,
            40,
            whole.len() / 2,
            whole.len() - 6,
            whole.len() - 1,
        ] {
            assert!(decode(&whole[..cut]).is_err(), "cut at {cut}");
        }
        // A wrong length in the trailer.
        let mut bad = whole.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(decode(&bad).is_err());
        // Bad magic, method and reserved flags.
        for (at, v) in [(0, 0u8), (2, 7), (3, 0x20)] {
            let mut b = whole.clone();
            b[at] = v;
            assert!(decode(&b).is_err(), "byte {at}");
        }
        // Garbage after a member is not a member.
        let mut trailing = whole;
        trailing.extend_from_slice(b"garbage");
        assert!(decode(&trailing).is_err());
    }
}
