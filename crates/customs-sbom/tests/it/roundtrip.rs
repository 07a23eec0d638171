//! What we write reads back into the same model.

use std::collections::BTreeSet;

use customs_model::{Catalog, PackageType};
use customs_sbom::{read, Format};

use crate::{fixture, outputs};

type Key = (PackageType, String, String, String);

fn keys(c: &Catalog) -> BTreeSet<Key> {
    c.packages
        .iter()
        .map(|p| {
            (
                p.package_type,
                p.name.clone(),
                p.version.clone(),
                p.purl.clone(),
            )
        })
        .collect()
}

#[test]
fn every_format_reads_back_the_same_packages() {
    let want = fixture::catalog();
    for out in outputs() {
        let (got, subject) = read(&out.bytes).unwrap_or_else(|e| panic!("{}: {e}", out.file));
        assert_eq!(keys(&got), keys(&want), "{}", out.file);
        assert_eq!(got.packages.len(), want.packages.len(), "{}", out.file);
        let subject = subject.unwrap();
        assert_eq!(subject, fixture::subject(), "{}", out.file);
        assert_eq!(got.os, want.os, "{}", out.file);
        assert_eq!(got.warnings, want.warnings, "{}", out.file);
    }
}

#[test]
fn package_details_survive_the_round_trip() {
    let want = fixture::catalog();
    for out in outputs() {
        let (got, _) = read(&out.bytes).unwrap();
        for (g, w) in got.packages.iter().zip(&want.packages) {
            let f = out.file;
            assert_eq!(g.id, w.id, "{f}");
            assert_eq!(g.licenses, w.licenses, "{f} {}", w.id);
            assert_eq!(g.supplier, w.supplier, "{f} {}", w.id);
            assert_eq!(g.source, w.source, "{f} {}", w.id);
            assert_eq!(g.arch, w.arch, "{f} {}", w.id);
            assert_eq!(g.locations, w.locations, "{f} {}", w.id);
            if out.format != Format::SpdxJson && out.format != Format::SpdxTagValue {
                // SPDX has no place for ecosystem metadata.
                assert_eq!(g.metadata, w.metadata, "{f} {}", w.id);
            }
            if out.format == Format::CustomsJson {
                assert_eq!(g, w);
            }
        }
        let mut want_rels = want.relationships.clone();
        want_rels.sort();
        assert_eq!(got.relationships, want_rels, "{}", out.file);
    }
}
