//! RPM databases in their three on-disk formats, read in pure Rust:
//! Berkeley DB hash (`Packages`), NDB (`Packages.db`) and SQLite
//! (`rpmdb.sqlite`). Each yields RPM header blobs, parsed by [`header`].
//!
//! SQLite is read by a small hand-written page reader for the one table we
//! need (`Packages`, its `blob` column) instead of linking the C library: it
//! keeps the build pure Rust and fast on the 2-core CI, and a read-only walk
//! of one table b-tree is about 150 lines with every size bounded.

use std::collections::BTreeSet;

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::{PackageType, SourcePackage};

use crate::facts::{file_name, Facts, RawPackage};
use crate::license;

/// Most header blobs read from one database.
const MAX_BLOBS: usize = 100_000;
/// Largest single header blob.
const MAX_BLOB_BYTES: usize = 64 << 20;

/// RPM database analyzer.
pub(crate) struct RpmAnalyzer;

fn is_rpmdb(path: &str) -> bool {
    let dir = crate::facts::parent(path);
    matches!(
        dir,
        "var/lib/rpm" | "usr/lib/sysimage/rpm" | "usr/share/rpm"
    ) && matches!(file_name(path), "Packages" | "Packages.db" | "rpmdb.sqlite")
}

impl FileAnalyzer for RpmAnalyzer {
    fn id(&self) -> &'static str {
        "rpm-db"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind) && is_rpmdb(meta.path) {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        parse_db(file_name(meta.path), content).into_value()
    }
}

/// Parses a database by its format (detected from the content).
pub(crate) fn parse_db(name: &str, content: &[u8]) -> Facts {
    let mut facts = Facts::default();
    let blobs = if content.starts_with(b"SQLite format 3\0") {
        sqlite::blobs(content, &mut facts.warnings)
    } else if content.starts_with(b"RpmP") {
        ndb::blobs(content, &mut facts.warnings)
    } else if content.len() >= 16 && bdb::is_hash(content) {
        bdb::blobs(content, &mut facts.warnings)
    } else {
        facts
            .warnings
            .push(format!("{name}: not a known rpm database format"));
        return facts;
    };
    for (i, blob) in blobs.iter().enumerate() {
        match header::parse(blob) {
            Ok(h) => {
                if let Some(p) = package(&h) {
                    facts.packages.push(p);
                }
            }
            Err(e) => facts.warnings.push(format!("header {i}: {e}")),
        }
    }
    facts
}

fn package(h: &header::Header) -> Option<RawPackage> {
    let name = h.string(header::NAME)?;
    if name == "gpg-pubkey" {
        return None; // imported signing keys, not software
    }
    let version = h.string(header::VERSION).unwrap_or_default();
    let release = h.string(header::RELEASE).unwrap_or_default();
    let epoch = h.int(header::EPOCH);
    let mut evr = if release.is_empty() {
        version
    } else {
        format!("{version}-{release}")
    };
    if let Some(e) = epoch {
        evr = format!("{e}:{evr}");
    }
    let mut p = RawPackage::new(PackageType::Rpm, name, evr);
    p.arch = h.string(header::ARCH);
    if let Some(srpm) = h.string(header::SOURCERPM) {
        p.source = source_from_srpm(&srpm);
        p.meta("source_rpm", srpm);
    }
    if let Some(l) = h.string(header::LICENSE) {
        p.licenses = license::normalize_all([l]);
    }
    p.supplier = h.string(header::VENDOR);
    if let Some(m) = h.string(header::MODULARITYLABEL) {
        p.meta("modularity_label", m);
    }
    if let Some(s) = h.int(header::SIZE) {
        p.meta("installed_size", s);
    }
    if let Some(e) = epoch {
        p.meta("epoch", e);
    }
    let dirs = h.strings(header::DIRNAMES);
    let bases = h.strings(header::BASENAMES);
    let idx = h.ints(header::DIRINDEXES);
    for (i, b) in bases.iter().enumerate() {
        let d = idx
            .get(i)
            .and_then(|&j| dirs.get(usize::try_from(j).ok()?))
            .map_or("", String::as_str);
        p.files.push(format!("{d}{b}"));
    }
    if p.files.is_empty() {
        p.files = h.strings(header::OLDFILENAMES);
    }
    p.depends = h
        .strings(header::REQUIRENAME)
        .into_iter()
        .filter(|r| !r.starts_with("rpmlib(") && !r.starts_with('/'))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let provides: Vec<String> = h.strings(header::PROVIDENAME);
    p.meta("provides", provides);
    Some(p)
}

/// `util-linux-2.32.1-42.el8_8.src.rpm` → `util-linux` `2.32.1-42.el8_8`.
fn source_from_srpm(srpm: &str) -> Option<SourcePackage> {
    let stem = srpm.strip_suffix(".rpm")?;
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s); // drop arch (src/nosrc)
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    Some(SourcePackage {
        name: name.to_owned(),
        version: Some(format!("{version}-{release}")),
    })
}

/// RPM header blobs (the form stored in the databases: no lead, no magic).
pub(crate) mod header {
    /// Tag numbers.
    pub(crate) const NAME: u32 = 1000;
    pub(crate) const VERSION: u32 = 1001;
    pub(crate) const RELEASE: u32 = 1002;
    pub(crate) const EPOCH: u32 = 1003;
    pub(crate) const SIZE: u32 = 1009;
    pub(crate) const VENDOR: u32 = 1011;
    pub(crate) const LICENSE: u32 = 1014;
    pub(crate) const ARCH: u32 = 1022;
    pub(crate) const OLDFILENAMES: u32 = 1027;
    pub(crate) const SOURCERPM: u32 = 1044;
    pub(crate) const PROVIDENAME: u32 = 1047;
    pub(crate) const REQUIRENAME: u32 = 1049;
    pub(crate) const DIRINDEXES: u32 = 1116;
    pub(crate) const BASENAMES: u32 = 1117;
    pub(crate) const DIRNAMES: u32 = 1118;
    pub(crate) const MODULARITYLABEL: u32 = 5096;

    const WANTED: &[u32] = &[
        NAME,
        VERSION,
        RELEASE,
        EPOCH,
        SIZE,
        VENDOR,
        LICENSE,
        ARCH,
        OLDFILENAMES,
        SOURCERPM,
        PROVIDENAME,
        REQUIRENAME,
        DIRINDEXES,
        BASENAMES,
        DIRNAMES,
        MODULARITYLABEL,
    ];

    /// A value of a tag.
    #[derive(Debug, Clone)]
    pub(crate) enum Value {
        Ints(Vec<i64>),
        Strings(Vec<String>),
    }

    /// The tags we read from one header.
    #[derive(Debug, Default)]
    pub(crate) struct Header {
        tags: Vec<(u32, Value)>,
    }

    impl Header {
        pub(crate) fn string(&self, tag: u32) -> Option<String> {
            self.strings(tag)
                .into_iter()
                .next()
                .filter(|s| !s.is_empty())
        }
        pub(crate) fn strings(&self, tag: u32) -> Vec<String> {
            match self.tags.iter().find(|(t, _)| *t == tag) {
                Some((_, Value::Strings(s))) => s.clone(),
                _ => Vec::new(),
            }
        }
        pub(crate) fn ints(&self, tag: u32) -> Vec<i64> {
            match self.tags.iter().find(|(t, _)| *t == tag) {
                Some((_, Value::Ints(s))) => s.clone(),
                _ => Vec::new(),
            }
        }
        pub(crate) fn int(&self, tag: u32) -> Option<i64> {
            self.ints(tag).first().copied()
        }
    }

    fn be32(d: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
    }

    /// Parses a header blob.
    pub(crate) fn parse(blob: &[u8]) -> Result<Header, String> {
        let il = be32(blob, 0).ok_or("blob truncated")? as usize;
        let dl = be32(blob, 4).ok_or("blob truncated")? as usize;
        if il > 65_536 || dl > super::MAX_BLOB_BYTES {
            return Err(format!(
                "implausible header sizes ({il} entries, {dl} bytes)"
            ));
        }
        let data_start = 8 + il * 16;
        let data = blob
            .get(data_start..data_start + dl)
            .ok_or("header data truncated")?;
        let mut h = Header::default();
        for i in 0..il {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(off), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err("index truncated".into());
            };
            if !WANTED.contains(&tag) {
                continue;
            }
            let off = off as usize;
            let count = (count as usize).min(1_000_000);
            let v = match ty {
                // INT32 and INT16
                4 | 3 => {
                    let w = if ty == 4 { 4 } else { 2 };
                    let raw = data
                        .get(off..off + count * w)
                        .ok_or("int value outside data")?;
                    Value::Ints(
                        raw.chunks_exact(w)
                            .map(|c| match c {
                                [a, b, c2, d] => i64::from(u32::from_be_bytes([*a, *b, *c2, *d])),
                                [a, b] => i64::from(u16::from_be_bytes([*a, *b])),
                                _ => 0,
                            })
                            .collect(),
                    )
                }
                // STRING, STRING_ARRAY, I18NSTRING
                6 | 8 | 9 => {
                    let n = if ty == 6 { 1 } else { count };
                    let mut out = Vec::with_capacity(n.min(4096));
                    let mut pos = off;
                    for _ in 0..n {
                        let rest = data.get(pos..).ok_or("string outside data")?;
                        let end = rest
                            .iter()
                            .position(|&b| b == 0)
                            .ok_or("unterminated string")?;
                        out.push(
                            String::from_utf8_lossy(rest.get(..end).unwrap_or_default())
                                .into_owned(),
                        );
                        pos += end + 1;
                    }
                    Value::Strings(out)
                }
                _ => continue,
            };
            h.tags.push((tag, v));
        }
        Ok(h)
    }
}

/// Berkeley DB hash databases (`Packages`, rpm < 4.16).
mod bdb {
    const HASH_MAGIC: u32 = 0x0006_1561;
    const PAGE_HEADER: usize = 26;

    fn u32_at(d: &[u8], at: usize, swap: bool) -> Option<u32> {
        let b: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
        Some(if swap {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u16_at(d: &[u8], at: usize, swap: bool) -> Option<u16> {
        let b: [u8; 2] = d.get(at..at + 2)?.try_into().ok()?;
        Some(if swap {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(super) fn is_hash(d: &[u8]) -> bool {
        u32_at(d, 12, false) == Some(HASH_MAGIC) || u32_at(d, 12, true) == Some(HASH_MAGIC)
    }

    pub(super) fn blobs(d: &[u8], warnings: &mut Vec<String>) -> Vec<Vec<u8>> {
        let swap = u32_at(d, 12, false) != Some(HASH_MAGIC);
        let page_size = u32_at(d, 20, swap).unwrap_or(0) as usize;
        if !(512..=65_536).contains(&page_size) {
            warnings.push(format!("berkeley db: bad page size {page_size}"));
            return Vec::new();
        }
        let last = u32_at(d, 32, swap).unwrap_or(0) as usize;
        let pages = d.len() / page_size;
        if last + 1 > pages {
            warnings.push(format!(
                "berkeley db: {} pages expected, file holds {pages}",
                last + 1
            ));
        }
        let mut out = Vec::new();
        let mut bad = 0usize;
        for pgno in 0..=last.min(pages.saturating_sub(1)) {
            let Some(page) = d.get(pgno * page_size..(pgno + 1) * page_size) else {
                break;
            };
            let ty = page.get(25).copied().unwrap_or(0);
            if ty != 13 && ty != 2 {
                // Free, duplicate, overflow and meta pages are expected; anything else is damage.
                if !matches!(ty, 0 | 1 | 7 | 8) {
                    bad += 1;
                }
                continue;
            }
            let entries = usize::from(u16_at(page, 20, swap).unwrap_or(0));
            // Key/value pairs: every odd entry is a value.
            for i in (1..entries).step_by(2) {
                let Some(off) = u16_at(page, PAGE_HEADER + 2 * i, swap).map(usize::from) else {
                    break;
                };
                if page.get(off) != Some(&3) {
                    continue; // not an off-page item (keys and small items)
                }
                let (Some(mut next), Some(total)) =
                    (u32_at(page, off + 4, swap), u32_at(page, off + 8, swap))
                else {
                    bad += 1;
                    continue;
                };
                let total = total as usize;
                if total > super::MAX_BLOB_BYTES {
                    bad += 1;
                    continue;
                }
                let mut value = Vec::with_capacity(total);
                let mut hops = 0usize;
                while next != 0 && value.len() < total {
                    hops += 1;
                    let p = next as usize;
                    let Some(op) = d.get(p * page_size..(p + 1) * page_size) else {
                        break;
                    };
                    if op.get(25) != Some(&7) || hops > pages {
                        break;
                    }
                    let n = u32_at(op, 16, swap).unwrap_or(0);
                    let len = if n == 0 {
                        usize::from(u16_at(op, 22, swap).unwrap_or(0))
                    } else {
                        page_size - PAGE_HEADER
                    };
                    value.extend_from_slice(
                        op.get(PAGE_HEADER..(PAGE_HEADER + len).min(page_size))
                            .unwrap_or_default(),
                    );
                    next = n;
                }
                if value.len() < total {
                    bad += 1;
                    continue;
                }
                value.truncate(total);
                out.push(value);
                if out.len() >= super::MAX_BLOBS {
                    return out;
                }
            }
        }
        if bad > 0 {
            warnings.push(format!(
                "berkeley db: {bad} damaged pages or overflow chains skipped"
            ));
        }
        out
    }
}

/// NDB databases (`Packages.db`, SUSE).
mod ndb {
    const SLOT_MAGIC: &[u8] = b"Slot";
    const BLOB_MAGIC: &[u8] = b"BlbS";

    fn le32(d: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
    }

    pub(super) fn blobs(d: &[u8], warnings: &mut Vec<String>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if le32(d, 4) != Some(0) {
            warnings.push("ndb: unsupported version".into());
            return out;
        }
        let slot_pages = le32(d, 12).unwrap_or(0) as usize;
        if slot_pages == 0 || d.len() < 32 {
            warnings.push("ndb: header truncated or without slot pages".into());
            return out;
        }
        let slots_end = (slot_pages * 4096).min(d.len());
        let mut pos = 32;
        let mut bad = 0usize;
        while pos + 16 <= slots_end {
            let slot = pos;
            pos += 16;
            if d.get(slot..slot + 4) != Some(SLOT_MAGIC) {
                bad += 1;
                continue;
            }
            let pkg = le32(d, slot + 4).unwrap_or(0);
            if pkg == 0 {
                continue;
            }
            let off = le32(d, slot + 8).unwrap_or(0) as usize * 16;
            if d.get(off..off + 4) != Some(BLOB_MAGIC) || le32(d, off + 4) != Some(pkg) {
                bad += 1;
                continue;
            }
            let len = le32(d, off + 12).unwrap_or(0) as usize;
            match d.get(off + 16..off + 16 + len.min(super::MAX_BLOB_BYTES)) {
                Some(b) if len <= super::MAX_BLOB_BYTES => out.push(b.to_vec()),
                _ => bad += 1,
            }
            if out.len() >= super::MAX_BLOBS {
                break;
            }
        }
        if bad > 0 {
            warnings.push(format!("ndb: {bad} bad slots or blobs skipped"));
        }
        out
    }
}

/// SQLite databases (`rpmdb.sqlite`, rpm ≥ 4.16): a read-only walk of the
/// `Packages` table b-tree.
mod sqlite {
    use std::collections::BTreeSet;

    fn be16(d: &[u8], at: usize) -> Option<usize> {
        Some(usize::from(u16::from_be_bytes(
            d.get(at..at + 2)?.try_into().ok()?,
        )))
    }
    fn be32(d: &[u8], at: usize) -> Option<usize> {
        Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
    }

    fn varint(d: &[u8], pos: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for i in 0..9 {
            let b = *d.get(*pos)?;
            *pos += 1;
            if i == 8 {
                return Some((v << 8) | u64::from(b));
            }
            v = (v << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        Some(v)
    }

    struct Db<'a> {
        d: &'a [u8],
        page_size: usize,
        usable: usize,
    }

    impl<'a> Db<'a> {
        fn page(&self, n: usize) -> Option<&'a [u8]> {
            let start = n.checked_sub(1)?.checked_mul(self.page_size)?;
            self.d.get(start..start + self.page_size)
        }

        /// Payloads of every row of the table rooted at `root`.
        fn rows(&self, root: usize, warnings: &mut Vec<String>) -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            let mut stack = vec![root];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if !seen.insert(n) || seen.len() > 1_000_000 {
                    warnings.push("sqlite: page cycle or too many pages".into());
                    break;
                }
                let Some(page) = self.page(n) else {
                    warnings.push(format!("sqlite: page {n} outside the file"));
                    continue;
                };
                let hdr = if n == 1 { 100 } else { 0 };
                let ty = page.get(hdr).copied().unwrap_or(0);
                let cells = be16(page, hdr + 3).unwrap_or(0);
                match ty {
                    0x05 => {
                        for i in 0..cells {
                            if let Some(child) =
                                be16(page, hdr + 12 + 2 * i).and_then(|c| be32(page, c))
                            {
                                stack.push(child);
                            }
                        }
                        if let Some(right) = be32(page, hdr + 8) {
                            stack.push(right);
                        }
                    }
                    0x0d => {
                        for i in 0..cells {
                            match be16(page, hdr + 8 + 2 * i).and_then(|c| self.cell(page, c)) {
                                Some(p) => out.push(p),
                                None => warnings.push(format!("sqlite: bad cell {i} on page {n}")),
                            }
                            if out.len() >= super::MAX_BLOBS {
                                return out;
                            }
                        }
                    }
                    _ => warnings.push(format!("sqlite: page {n} is not a table b-tree page")),
                }
            }
            out
        }

        /// The payload of a table leaf cell, overflow pages followed.
        fn cell(&self, page: &[u8], at: usize) -> Option<Vec<u8>> {
            let mut pos = at;
            let total = usize::try_from(varint(page, &mut pos)?).ok()?;
            let _rowid = varint(page, &mut pos)?;
            if total > super::MAX_BLOB_BYTES {
                return None;
            }
            let u = self.usable;
            let x = u - 35;
            let local = if total <= x {
                total
            } else {
                let m = ((u - 12) * 32 / 255) - 23;
                let k = m + ((total - m) % (u - 4));
                if k <= x {
                    k
                } else {
                    m
                }
            };
            let mut payload = page.get(pos..pos + local)?.to_vec();
            if local < total {
                let mut next = be32(page, pos + local)?;
                let mut hops = 0;
                while payload.len() < total && next != 0 {
                    hops += 1;
                    if hops > self.d.len() / self.page_size + 1 {
                        return None;
                    }
                    let op = self.page(next)?;
                    next = be32(op, 0)?;
                    let take = (total - payload.len()).min(u - 4);
                    payload.extend_from_slice(op.get(4..4 + take)?);
                }
                if payload.len() < total {
                    return None;
                }
            }
            Some(payload)
        }
    }

    /// The values of one record, as byte slices (`None` for NULL / numbers).
    /// A column value that is text or blob: (serial type, bytes).
    type Column<'a> = Option<(u64, &'a [u8])>;

    fn record(p: &[u8]) -> Option<Vec<Column<'_>>> {
        let mut pos = 0;
        let hlen = usize::try_from(varint(p, &mut pos)?).ok()?;
        let mut types = Vec::new();
        while pos < hlen {
            types.push(varint(p, &mut pos)?);
        }
        let mut body = hlen;
        let mut out = Vec::new();
        for t in types {
            let len = match t {
                0 | 8 | 9 => 0,
                1 => 1,
                2 => 2,
                3 => 3,
                4 => 4,
                5 => 6,
                6 | 7 => 8,
                n if n >= 12 => usize::try_from((n - 12) / 2).ok()?,
                _ => return None,
            };
            let v = p.get(body..body + len)?;
            body += len;
            out.push((t >= 12).then_some((t, v)));
        }
        Some(out)
    }

    pub(super) fn blobs(d: &[u8], warnings: &mut Vec<String>) -> Vec<Vec<u8>> {
        let ps = be16(d, 16).unwrap_or(0);
        let page_size = if ps == 1 { 65_536 } else { ps };
        let reserved = usize::from(d.get(20).copied().unwrap_or(0));
        if !(512..=65_536).contains(&page_size)
            || !page_size.is_power_of_two()
            || page_size <= reserved + 480
        {
            warnings.push(format!("sqlite: bad page size {page_size}"));
            return Vec::new();
        }
        let db = Db {
            d,
            page_size,
            usable: page_size - reserved,
        };
        // sqlite_master: (type, name, tbl_name, rootpage, sql).
        let mut root = None;
        for row in db.rows(1, warnings) {
            let Some(cols) = record(&row) else { continue };
            let text = |i: usize| {
                cols.get(i)
                    .copied()
                    .flatten()
                    .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            };
            if text(0).as_deref() == Some("table") && text(1).as_deref() == Some("Packages") {
                // rootpage is an integer column; re-read it from the raw record.
                root = root_page(&row);
            }
        }
        let Some(root) = root else {
            warnings.push("sqlite: no Packages table".into());
            return Vec::new();
        };
        let mut out = Vec::new();
        for row in db.rows(root, warnings) {
            match record(&row) {
                Some(cols) => {
                    if let Some((_, blob)) = cols.into_iter().flatten().find(|(t, _)| t % 2 == 0) {
                        out.push(blob.to_vec());
                    }
                }
                None => warnings.push("sqlite: malformed record".into()),
            }
        }
        out
    }

    /// The integer in column 3 of a sqlite_master record.
    fn root_page(p: &[u8]) -> Option<usize> {
        let mut pos = 0;
        let hlen = usize::try_from(varint(p, &mut pos)?).ok()?;
        let mut types = Vec::new();
        while pos < hlen {
            types.push(varint(p, &mut pos)?);
        }
        let mut body = hlen;
        for (i, t) in types.iter().enumerate() {
            let len = match *t {
                0 | 8 | 9 => 0,
                1 => 1,
                2 => 2,
                3 => 3,
                4 => 4,
                5 => 6,
                6 | 7 => 8,
                n if n >= 12 => usize::try_from((n - 12) / 2).ok()?,
                _ => return None,
            };
            if i == 3 {
                let v = p.get(body..body + len)?;
                return Some(v.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)));
            }
            body += len;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srpm() {
        let s = source_from_srpm("util-linux-2.32.1-42.el8_8.src.rpm").unwrap();
        assert_eq!(
            (s.name.as_str(), s.version.as_deref()),
            ("util-linux", Some("2.32.1-42.el8_8"))
        );
    }

    #[test]
    fn garbage_databases_warn() {
        for data in [
            &b"SQLite format 3\0garbage"[..],
            b"RpmP\0\0\0\0",
            b"nothing here at all, not a db",
        ] {
            let f = parse_db("x", data);
            assert!(f.packages.is_empty());
            assert!(!f.warnings.is_empty(), "{data:?}");
        }
        assert!(header::parse(&[0, 0, 0, 200, 0, 0, 0, 4]).is_err());
    }
}
