//! Test support for customs crates. A dev-dependency only.
//!
//! Real data lives outside the repository, in `../shared` beside the project
//! (or wherever `CUSTOMS_SHARED` points). Tests read it through [`shared`] or
//! [`shared_path`]: when the data is absent they print a skip message and get
//! `None`, unless `CUSTOMS_REQUIRE_SHARED=1` is set (as `.ci/run` does), in
//! which case they fail, so nothing passes silently in CI.
#![allow(clippy::print_stderr)]

pub mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // crates/customs-test -> crates -> root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn required() -> bool {
    std::env::var("CUSTOMS_REQUIRE_SHARED").is_ok_and(|v| v == "1" || v == "true")
}

/// Reports that `what` is missing: returns `None` after printing a skip line,
/// or panics when `CUSTOMS_REQUIRE_SHARED=1`.
#[track_caller]
pub fn skip<T>(what: &str) -> Option<T> {
    let caller = std::panic::Location::caller();
    if required() {
        panic!("{what} is required (CUSTOMS_REQUIRE_SHARED=1) but absent ({caller})");
    }
    eprintln!("skipped: {caller}: {what} not found");
    None
}

/// The shared data folder: `CUSTOMS_SHARED` (relative paths are taken from the
/// workspace root) or `../shared` beside the workspace.
#[track_caller]
pub fn shared() -> Option<PathBuf> {
    let dir = match std::env::var_os("CUSTOMS_SHARED") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        }
        None => workspace_root().join("../shared"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!("shared data folder {}", dir.display()))
    }
}

/// A file or folder inside the shared data folder, if it exists.
#[track_caller]
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = shared()?.join(relative);
    if path.exists() {
        Some(path)
    } else {
        skip(&format!("shared data {}", path.display()))
    }
}

/// Whether an external program runs (`PROGRAM --version` or the given probe
/// arguments exit successfully). Missing tools skip like missing data.
#[track_caller]
pub fn tool(program: &str, probe_args: &[&str]) -> Option<PathBuf> {
    let ok = Command::new(program)
        .args(probe_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(PathBuf::from(program))
    } else {
        skip(&format!("tool `{program}`"))
    }
}

/// Whether a Python module imports (`python3 -c "import MODULE"`).
#[track_caller]
pub fn python_module(module: &str) -> Option<()> {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(())
    } else {
        skip(&format!("python module `{module}`"))
    }
}

/// A fresh temporary directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates one with a name that starts with `prefix`.
    pub fn new(prefix: &str) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "customs-{prefix}-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
