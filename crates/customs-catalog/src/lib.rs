//! Package catalogers for customs: what is installed in an image.
//!
//! The catalog runs in two steps that match the layer walker of
//! `customs-image`:
//!
//! 1. **During the walk**, the [`analyzers`] look at every entry of every
//!    layer. Each one decides from the path and mode alone whether it wants a
//!    file (a few string comparisons), parses it and returns a JSON value with
//!    its facts: the packages of a dpkg `status` file, the file list of
//!    `info/NAME.list`, the build info of a Go executable, the
//!    `pom.properties` of a jar. Parsers never panic and never fail the walk;
//!    what they cannot read becomes a warning inside their output.
//! 2. **After the walk**, [`assemble`] reads the merged
//!    [`Analysis`] and builds one [`Catalog`]: it keeps only files present in
//!    the final filesystem, deduplicates, assigns locations, purls,
//!    deterministic ids and relationships, and sorts.
//!
//! # What counts as installed
//!
//! - Only records of files in the final filesystem count. A package whose
//!   database entry or metadata file was deleted or replaced by a later layer
//!   is not installed.
//! - An OS package's location is its database file, with the **earliest
//!   layer from which that package (same name and version) was continuously
//!   listed** in it: for `libssl3` installed in layer 2 and still there after
//!   layer 3 rewrote `status`, the location names layer 2.
//! - What is installed is the truth. A lockfile (`package-lock.json`,
//!   `yarn.lock`, `pnpm-lock.yaml`, `composer.lock`) adds packages only for a
//!   project that has nothing installed (no `node_modules/*/package.json`
//!   under the lockfile's folder, no `vendor/composer/installed.json`), and
//!   then without its dev-only entries. Lockfiles inside installed packages
//!   (`node_modules/**`, `vendor/**`, Cargo/Go module caches, installed gems)
//!   are never read as the image's packages.
//! - A project's own `package.json` outside `node_modules` is reported as a
//!   package when it has a name and a version (the application itself).
//!
//! # One package, many places (deduplication rule)
//!
//! A package is identified by its purl (type, namespace, name, version and
//! qualifiers). Everything found with the same purl is **one** package whose
//! `locations` list every place it was found, the defining one first (the
//! first in path order): `stdlib go1.19.8` embedded in two binaries is one
//! package with two locations; a hard-linked binary is one package with both
//! paths. A language package installed by an OS package (a Python
//! distribution from a `.deb`, a jar from an `.rpm`) appears once, as the
//! language package, and the OS package **owns** it: a
//! [`RelationshipKind::Owns`] edge from the OS package to it, found through
//! the OS package's file list (dpkg `info/*.list` and `*.md5sums`, apk `R:`
//! lines, rpm dirnames/basenames; merged-`/usr` aliases included).
//!
//! # Relationships
//!
//! - `Owns`: OS package → language package whose defining file it lists.
//! - `DependsOn`: where the source states dependencies (dpkg `Depends` and
//!   `Pre-Depends`, first alternative that is installed, `Provides` honoured;
//!   apk `D:`; rpm requires; npm `dependencies` by Node's resolution; lockfile
//!   graphs; Python `Requires-Dist` without extras; Cargo.lock and
//!   cargo-auditable graphs; composer `require`; .NET deps.json).
//! - `Contains`: a Go main module contains `stdlib` and its dependency
//!   modules; a jar contains the jars nested in it and shaded artifacts.
//!
//! # Go binaries
//!
//! See the `binary` module: `stdlib` carries the Go version as Go prints it
//! (`go1.20.4`); a `(devel)` main module gets the version from a
//! `-X main.version=` link flag or stays empty; a GOPATH-mode build (no `mod`
//! line) is reported by its main package path with an empty version.
//!
//! # Limits
//!
//! Every parser of untrusted bytes is bounded by [`Limits`].
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod apk;
mod assemble;
mod binary;
mod dpkg;
mod facts;
mod facts_view;
mod java;
mod license;
mod lockfiles;
mod npm;
mod os;
mod purl;
mod python;
mod rpm;
mod zip;

use customs_model::analysis::{Analysis, FileAnalyzer};
use customs_model::Catalog;
#[cfg(doc)]
use customs_model::RelationshipKind;

/// Bounds on what the parsers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest lockfile parsed (package-lock, yarn, pnpm, Cargo.lock, ...). Default 64 MiB.
    pub max_lockfile_bytes: u64,
    /// Most central-directory entries read from one zip archive. Default 100,000.
    pub max_archive_entries: usize,
    /// Most bytes inflated from one zip entry. Default 64 MiB.
    pub max_archive_entry_bytes: u64,
    /// Most bytes inflated from one top-level archive, nested ones included. Default 512 MiB.
    pub max_archive_total_bytes: u64,
    /// Deepest nesting of archives inside archives. Default 3.
    pub max_archive_depth: usize,
    /// Most bytes inflated from a compressed section (cargo-auditable). Default 8 MiB.
    pub max_decompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_lockfile_bytes: 64 << 20,
            max_archive_entries: 100_000,
            max_archive_entry_bytes: 64 << 20,
            max_archive_total_bytes: 512 << 20,
            max_archive_depth: 3,
            max_decompressed_bytes: 8 << 20,
        }
    }
}

/// Options of [`assemble`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Fill [`customs_model::Package::files`] (and file digests in metadata). Default true.
    pub include_files: bool,
    /// Keep lockfile entries marked as development-only. Default false.
    pub include_dev: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            include_files: true,
            include_dev: false,
        }
    }
}

/// Every analyzer of the catalog, with default [`Limits`], for the layer walker to run.
pub fn analyzers() -> Vec<Box<dyn FileAnalyzer>> {
    analyzers_with(&Limits::default())
}

/// Every analyzer of the catalog, with the given limits.
pub fn analyzers_with(limits: &Limits) -> Vec<Box<dyn FileAnalyzer>> {
    let limits = *limits;
    vec![
        Box::new(os::OsAnalyzer),
        Box::new(dpkg::StatusAnalyzer),
        Box::new(dpkg::FileListAnalyzer),
        Box::new(dpkg::CopyrightAnalyzer),
        Box::new(apk::ApkAnalyzer),
        Box::new(rpm::RpmAnalyzer),
        Box::new(python::PythonAnalyzer),
        Box::new(npm::NpmAnalyzer { limits }),
        Box::new(binary::BinaryAnalyzer { limits }),
        Box::new(java::JavaAnalyzer { limits }),
        Box::new(lockfiles::LockfileAnalyzer { limits }),
    ]
}

/// Builds the catalog from the merged walk results (only present files count as installed).
pub fn assemble(analysis: &Analysis, opts: &Options) -> Catalog {
    assemble::assemble(analysis, opts)
}
