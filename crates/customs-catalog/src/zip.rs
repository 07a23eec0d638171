//! A small, bounded, read-only zip reader (stored and deflate entries) for
//! Java archives.
//!
//! Written by hand rather than taken from the `zip` crate because we need only
//! the central directory and two methods, and every size must be bounded by
//! our [`crate::Limits`] (zip bombs: the compressed size says nothing about
//! what inflating produces, so inflation is cut at the limit).

use std::io::Read as _;

/// One central-directory entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    method: u16,
    compressed: u64,
    pub(crate) size: u64,
    local_offset: u64,
}

/// Why an archive or entry could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ZipError {
    /// No end-of-central-directory record.
    #[error("no end of central directory record")]
    NoDirectory,
    /// A structure runs past the end of the data.
    #[error("truncated archive")]
    Truncated,
    /// A compression method other than stored or deflate.
    #[error("unsupported compression method {0}")]
    Method(u16),
    /// Inflating produced more than allowed.
    #[error("entry inflates beyond {0} bytes")]
    TooLarge(u64),
    /// Inflating failed.
    #[error("corrupt deflate data")]
    Inflate(#[source] std::io::Error),
}

fn u16le(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn u32le(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Reads the central directory, at most `max_entries` entries.
pub(crate) fn entries(data: &[u8], max_entries: usize) -> Result<Vec<Entry>, ZipError> {
    let min = data.len().saturating_sub(22 + 65_535);
    let eocd = (min..data.len().saturating_sub(21))
        .rev()
        .find(|&i| data.get(i..i + 4) == Some(b"PK\x05\x06"))
        .ok_or(ZipError::NoDirectory)?;
    let count = usize::from(u16le(data, eocd + 10).ok_or(ZipError::Truncated)?);
    let cd_off = u32le(data, eocd + 16).ok_or(ZipError::Truncated)? as usize;
    let mut out = Vec::with_capacity(count.min(max_entries));
    let mut pos = cd_off;
    while out.len() < max_entries {
        if data.get(pos..pos + 4) != Some(b"PK\x01\x02") {
            break;
        }
        let method = u16le(data, pos + 10).ok_or(ZipError::Truncated)?;
        let compressed = u64::from(u32le(data, pos + 20).ok_or(ZipError::Truncated)?);
        let size = u64::from(u32le(data, pos + 24).ok_or(ZipError::Truncated)?);
        let n = usize::from(u16le(data, pos + 28).ok_or(ZipError::Truncated)?);
        let e = usize::from(u16le(data, pos + 30).ok_or(ZipError::Truncated)?);
        let c = usize::from(u16le(data, pos + 32).ok_or(ZipError::Truncated)?);
        let local_offset = u64::from(u32le(data, pos + 42).ok_or(ZipError::Truncated)?);
        let name = data
            .get(pos + 46..pos + 46 + n)
            .ok_or(ZipError::Truncated)?;
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            compressed,
            size,
            local_offset,
        });
        pos += 46 + n + e + c;
    }
    Ok(out)
}

/// Reads one entry's content, inflating at most `max_bytes`.
pub(crate) fn read(data: &[u8], entry: &Entry, max_bytes: u64) -> Result<Vec<u8>, ZipError> {
    let lo = usize::try_from(entry.local_offset).map_err(|_| ZipError::Truncated)?;
    if data.get(lo..lo + 4) != Some(b"PK\x03\x04") {
        return Err(ZipError::Truncated);
    }
    let n = usize::from(u16le(data, lo + 26).ok_or(ZipError::Truncated)?);
    let e = usize::from(u16le(data, lo + 28).ok_or(ZipError::Truncated)?);
    let start = lo + 30 + n + e;
    let len = usize::try_from(entry.compressed).map_err(|_| ZipError::Truncated)?;
    let raw = data
        .get(start..start.saturating_add(len))
        .ok_or(ZipError::Truncated)?;
    if entry.size > max_bytes {
        return Err(ZipError::TooLarge(max_bytes));
    }
    match entry.method {
        0 => {
            if raw.len() as u64 > max_bytes {
                return Err(ZipError::TooLarge(max_bytes));
            }
            Ok(raw.to_vec())
        }
        8 => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(raw)
                .take(max_bytes + 1)
                .read_to_end(&mut out)
                .map_err(ZipError::Inflate)?;
            if out.len() as u64 > max_bytes {
                return Err(ZipError::TooLarge(max_bytes));
            }
            Ok(out)
        }
        m => Err(ZipError::Method(m)),
    }
}
