//! Executables: Go build info (ELF, PE, Mach-O) and Rust `cargo auditable`
//! dependency lists (`.dep-v0`, zlib-compressed JSON).
//!
//! How Go binaries are reported:
//! - the toolchain is the package `stdlib` with the version as Go prints it
//!   (`go1.20.4`);
//! - the main module is a package named by its module path; its version is the
//!   `mod` line's version, except `(devel)` (a build from a checkout), which
//!   becomes the `-X main.version=…` link flag when one is set and an empty
//!   version otherwise (the raw value is kept in metadata `go_main_version`);
//! - a GOPATH-mode build has no `mod` line: the package is named by the
//!   `path` line (the main package's import path) with an empty version;
//! - `dep` lines are packages with their versions; a `=>` replacement replaces
//!   the module's path and version (the original is kept in metadata).

use std::io::Read as _;

use customs_model::analysis::{FileAnalyzer, FileMeta, Interest};
use customs_model::PackageType;
use object::{Object, ObjectSection, ObjectSegment};

use crate::facts::{Facts, RawPackage};
use crate::Limits;

const GO_MAGIC: &[u8] = b"\xff Go buildinf:";

/// Executable analyzer.
pub(crate) struct BinaryAnalyzer {
    pub(crate) limits: Limits,
}

fn looks_executable(content: &[u8]) -> bool {
    content.starts_with(b"\x7fELF")
        || content.starts_with(b"MZ")
        || matches!(
            content.get(..4),
            Some(
                [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                    | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                    | [0xca, 0xfe, 0xba, 0xbe]
            )
        )
}

impl FileAnalyzer for BinaryAnalyzer {
    fn id(&self) -> &'static str {
        "binary"
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self, meta: &FileMeta<'_>) -> Interest {
        if crate::facts::is_file(meta.kind)
            && meta.size >= 512
            && (meta.mode & 0o111 != 0 || meta.path.ends_with(".exe"))
        {
            Interest::Content
        } else {
            Interest::None
        }
    }
    fn analyze(&self, _meta: &FileMeta<'_>, content: &[u8]) -> Option<serde_json::Value> {
        if !looks_executable(content) {
            return None;
        }
        analyze_binary(content, &self.limits).into_value()
    }
}

/// Finds Go and Rust dependency facts in an executable.
pub(crate) fn analyze_binary(content: &[u8], limits: &Limits) -> Facts {
    let mut facts = Facts::default();
    let file = object::File::parse(content).ok();
    // Go.
    let go_section = file.as_ref().and_then(|f| {
        f.section_by_name(".go.buildinfo")
            .or_else(|| f.section_by_name("__go_buildinfo"))
            .and_then(|s| s.data().ok())
            .filter(|d| d.starts_with(GO_MAGIC))
    });
    // ELF and Mach-O Go binaries name the section; only a binary without a
    // section table (or a PE file, where the data sits in `.data`) is searched.
    let search = match &file {
        Some(f)
            if matches!(
                f.format(),
                object::BinaryFormat::Elf | object::BinaryFormat::MachO
            ) =>
        {
            f.sections().next().is_none()
        }
        _ => true,
    };
    let go_data = go_section.or_else(|| {
        if !search {
            return None;
        }
        memchr::memmem::find_iter(content, GO_MAGIC)
            .find(|off| off % 16 == 0)
            .and_then(|off| content.get(off..))
    });
    if let Some(data) = go_data {
        match go_buildinfo(data, file.as_ref()) {
            Ok((version, modinfo)) => go_packages(&version, &modinfo, &mut facts),
            Err(e) => facts.warnings.push(format!("go build info: {e}")),
        }
    }
    // Rust cargo-auditable.
    if let Some(f) = &file {
        let sect = f
            .section_by_name(".dep-v0")
            .or_else(|| f.section_by_name("__dep_v0"));
        if let Some(data) = sect.and_then(|s| s.data().ok()) {
            match auditable(data, limits) {
                Ok(pkgs) => facts.packages.extend(pkgs),
                Err(e) => facts.warnings.push(format!("cargo auditable data: {e}")),
            }
        }
    }
    facts
}

fn uvarint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        x |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(x);
        }
    }
    None
}

fn inline_bytes<'a>(data: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(uvarint(data, pos)?).ok()?;
    let s = data.get(*pos..pos.checked_add(len)?)?;
    *pos += len;
    Some(s)
}

fn read_ptr(data: &[u8], size: usize, big: bool) -> Option<u64> {
    let b = data.get(..size)?;
    Some(match (size, big) {
        (4, false) => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
        (4, true) => u64::from(u32::from_be_bytes(b.try_into().ok()?)),
        (8, false) => u64::from_le_bytes(b.try_into().ok()?),
        (8, true) => u64::from_be_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

/// Reads a Go string header at virtual address `addr` (pointer format, Go < 1.18).
fn go_string(file: &object::File<'_>, addr: u64, ptr: usize, big: bool) -> Option<Vec<u8>> {
    let read = |a: u64, n: u64| -> Option<&[u8]> {
        file.segments()
            .find_map(|s| s.data_range(a, n).ok().flatten())
    };
    let hdr = read(addr, (2 * ptr) as u64)?;
    let data_addr = read_ptr(hdr, ptr, big)?;
    let len = read_ptr(hdr.get(ptr..)?, ptr, big)?;
    if len > 16 << 20 {
        return None;
    }
    Some(read(data_addr, len)?.to_vec())
}

/// Returns (Go version, module info text).
fn go_buildinfo(data: &[u8], file: Option<&object::File<'_>>) -> Result<(String, String), String> {
    let hdr = data.get(..32).ok_or("header truncated")?;
    let ptr = usize::from(*hdr.get(14).ok_or("header truncated")?);
    let flags = *hdr.get(15).ok_or("header truncated")?;
    let (version, mut modinfo): (Vec<u8>, Vec<u8>) = if flags & 2 != 0 {
        let mut pos = 32;
        let v = inline_bytes(data, &mut pos).ok_or("version string truncated")?;
        let m = inline_bytes(data, &mut pos).ok_or("module info truncated")?;
        (v.to_vec(), m.to_vec())
    } else {
        if ptr != 4 && ptr != 8 {
            return Err(format!("pointer size {ptr} not supported"));
        }
        let big = flags & 1 != 0;
        let file = file.ok_or("pointer-format build info needs a parsable executable")?;
        let va = read_ptr(data.get(16..).ok_or("truncated")?, ptr, big).ok_or("truncated")?;
        let ma = read_ptr(data.get(16 + ptr..).ok_or("truncated")?, ptr, big).ok_or("truncated")?;
        let v = go_string(file, va, ptr, big).ok_or("version pointer outside the file")?;
        let m = go_string(file, ma, ptr, big).unwrap_or_default();
        (v, m)
    };
    let version = String::from_utf8_lossy(&version).into_owned();
    if !version.starts_with("go") && !version.starts_with("devel") {
        return Err(format!("unexpected go version {version:?}"));
    }
    // The module info is framed by 16-byte sentinels (binary bytes, so strip
    // them before any text decoding).
    if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        modinfo = modinfo
            .get(16..modinfo.len() - 16)
            .unwrap_or_default()
            .to_vec();
    }
    Ok((version, String::from_utf8_lossy(&modinfo).into_owned()))
}

/// Turns `go version -m` facts into packages: main (index 0), stdlib, deps.
pub(crate) fn go_packages(version: &str, modinfo: &str, facts: &mut Facts) {
    let mut path = None;
    let mut main: Option<(String, String)> = None;
    let mut deps: Vec<RawPackage> = Vec::new();
    let mut settings: Vec<(String, String)> = Vec::new();
    for line in modinfo.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["path", p, ..] => path = Some((*p).to_owned()),
            ["mod", p, v, ..] => main = Some(((*p).to_owned(), (*v).to_owned())),
            ["dep", p, v, rest @ ..] => {
                let mut d = RawPackage::new(PackageType::Golang, *p, *v);
                if let Some(sum) = rest.first() {
                    d.meta("h1_digest", *sum);
                }
                deps.push(d);
            }
            ["=>", p, v, ..] => {
                if let Some(d) = deps.last_mut() {
                    d.meta("replaced", format!("{} {}", d.name, d.version));
                    d.name = (*p).to_owned();
                    d.version = (*v).to_owned();
                }
            }
            ["build", kv, ..] => {
                if let Some((k, v)) = kv.split_once('=') {
                    settings.push((k.to_owned(), v.to_owned()));
                }
            }
            _ => {}
        }
    }
    let (main_name, raw_version) = match (main, path) {
        (Some((n, v)), _) => (n, v),
        (None, Some(p)) => (p, String::new()),
        (None, None) => {
            facts
                .warnings
                .push("go build info without module path".into());
            (String::new(), String::new())
        }
    };
    let main_version = if raw_version == "(devel)" || raw_version.is_empty() {
        ldflags_version(&settings).unwrap_or_default()
    } else {
        raw_version.clone()
    };
    let base = facts.packages.len();
    if !main_name.is_empty() {
        let mut m = RawPackage::new(PackageType::Golang, main_name, main_version);
        m.meta("go_main_version", raw_version);
        m.meta("go_version", version);
        m.meta("go_main", true);
        let s: serde_json::Map<String, serde_json::Value> = settings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        m.meta("go_build_settings", serde_json::Value::Object(s));
        if let Some(a) = settings.iter().find(|(k, _)| k == "GOARCH") {
            m.arch = Some(a.1.clone());
        }
        facts.packages.push(m);
    }
    let parent = (!facts.packages.is_empty() && facts.packages.len() > base).then_some(base);
    let mut std = RawPackage::new(PackageType::Golang, "stdlib", version);
    std.parent = parent;
    facts.packages.push(std);
    for mut d in deps {
        d.parent = parent;
        facts.packages.push(d);
    }
}

/// `-X main.version=v1.0.0` (or `main.Version`) in the `-ldflags` build setting.
fn ldflags_version(settings: &[(String, String)]) -> Option<String> {
    let flags = &settings.iter().find(|(k, _)| k == "-ldflags")?.1;
    let flags = flags.trim_matches(['"', '\'']);
    let mut it = flags.split_whitespace();
    while let Some(tok) = it.next() {
        let assign = if tok == "-X" {
            it.next()?
        } else if let Some(r) = tok.strip_prefix("-X=") {
            r
        } else {
            continue;
        };
        if let Some((k, v)) = assign.split_once('=') {
            let k = k.to_ascii_lowercase();
            if k.ends_with("main.version") || k.ends_with("/version.version") {
                return Some(v.trim_matches(['"', '\'']).to_owned());
            }
        }
    }
    None
}

/// Parses the `.dep-v0` section: zlib-compressed JSON.
pub(crate) fn auditable(data: &[u8], limits: &Limits) -> Result<Vec<RawPackage>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(limits.max_decompressed_bytes + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("not zlib data ({e})"))?;
    if json.len() as u64 > limits.max_decompressed_bytes {
        return Err("decompressed data exceeds the limit".into());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| format!("not JSON ({e})"))?;
    let list = v
        .get("packages")
        .and_then(|p| p.as_array())
        .ok_or("no packages list")?;
    let mut out = Vec::new();
    for e in list {
        let name = e.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let version = e.get("version").and_then(|n| n.as_str()).unwrap_or("");
        if name.is_empty() {
            continue;
        }
        let mut p = RawPackage::new(PackageType::Cargo, name, version);
        if let Some(s) = e.get("source").and_then(|n| n.as_str()) {
            p.meta("cargo_source", s);
        }
        if let Some(k) = e.get("kind").and_then(|n| n.as_str()) {
            p.meta("cargo_kind", k);
        }
        if e.get("root").and_then(serde_json::Value::as_bool) == Some(true) {
            p.meta("root", true);
        }
        // Indices into the same list; resolved to names here.
        p.depends = e
            .get("dependencies")
            .and_then(|d| d.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.as_u64())
                    .filter_map(|i| list.get(usize::try_from(i).ok()?))
                    .filter_map(|d| {
                        Some(format!(
                            "{}@{}",
                            d.get("name")?.as_str()?,
                            d.get("version")?.as_str()?
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gopath_build() {
        let mut f = Facts::default();
        go_packages(
            "go1.19.8",
            "path\tfilippo.io/age/cmd/age\nbuild\tGOARCH=amd64\n",
            &mut f,
        );
        let names: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![("filippo.io/age/cmd/age", ""), ("stdlib", "go1.19.8")]
        );
    }

    #[test]
    fn module_build_with_replacement_and_ldflags() {
        let mut f = Facts::default();
        go_packages(
            "go1.20.4",
            "path\tx/cmd\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:x\n=>\tb\tv2.0.0\th1:y\nbuild\t-ldflags=\"-X main.version=v1.2.3\"\n",
            &mut f,
        );
        let names: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![("x", "v1.2.3"), ("stdlib", "go1.20.4"), ("b", "v2.0.0")]
        );
    }

    #[test]
    fn corrupt_go_buildinfo_warns() {
        let mut bin = b"\x7fELF".to_vec();
        bin.resize(64, 0);
        bin.extend_from_slice(GO_MAGIC);
        bin.extend_from_slice(&[8, 2]);
        bin.extend_from_slice(&[0; 16]);
        bin.extend_from_slice(&[0xff, 0xff, 0xff]); // varint running off the end
        let f = analyze_binary(&bin, &Limits::default());
        assert!(f.packages.is_empty());
        assert!(f.warnings[0].contains("go build info"));
        // Stripped: no magic at all, nothing found, no warning.
        assert!(analyze_binary(b"\x7fELF\x02\x01\x01", &Limits::default()).is_empty());
    }

    #[test]
    fn auditable_bounds() {
        use std::io::Write as _;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b' '; 2_000_000]).unwrap();
        let data = enc.finish().unwrap();
        let limits = Limits {
            max_decompressed_bytes: 1_000_000,
            ..Limits::default()
        };
        assert!(auditable(&data, &limits).unwrap_err().contains("limit"));
        assert!(auditable(b"not zlib", &limits).is_err());
    }
}
