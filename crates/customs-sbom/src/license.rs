//! Licence strings of the model as SPDX expressions, ids or free text.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

/// What a licence string of the model is, as SBOM formats distinguish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum License<'a> {
    /// One license-list identifier, no `+`, no `WITH`.
    Id(&'a str),
    /// A valid SPDX expression of more than one identifier (or with `+`/`WITH`).
    Expression(&'a str),
    /// Anything else: text as found in the package metadata.
    Text(&'a str),
}

/// Classifies a licence string. Valid means valid against the SPDX licence
/// list in strict mode: deprecated identifiers and `LicenseRef-`s (which would
/// need their text in the document) count as text.
pub(crate) fn classify(s: &str) -> License<'_> {
    let trimmed = s.trim();
    let Ok(expr) = spdx::Expression::parse_mode(trimmed, spdx::ParseMode::STRICT) else {
        return License::Text(s);
    };
    let mut reqs = 0usize;
    let mut simple = true;
    for r in expr.requirements() {
        reqs += 1;
        match &r.req.license {
            spdx::LicenseItem::Spdx { or_later, .. } => simple &= !or_later,
            spdx::LicenseItem::Other(_) => return License::Text(s),
        }
        simple &= r.req.addition.is_none();
    }
    if reqs == 1 && simple && spdx::license_id(trimmed).is_some() {
        License::Id(trimmed)
    } else {
        License::Expression(trimmed)
    }
}

/// `LicenseRef-<16 hex>` for a licence text: derived from the text, so the
/// same text gets the same reference in every document.
pub(crate) fn license_ref(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("LicenseRef-{hex}")
}

/// An SPDX `licenseDeclared` value for a package's licences: all of them
/// joined with `AND`, text replaced by a `LicenseRef-` recorded in `refs`
/// (reference → text), or `NOASSERTION` when there are none.
pub(crate) fn spdx_declared(licenses: &[String], refs: &mut BTreeMap<String, String>) -> String {
    let terms: Vec<String> = licenses
        .iter()
        .map(|l| match classify(l) {
            License::Id(id) => id.to_owned(),
            License::Expression(e) if licenses.len() == 1 => e.to_owned(),
            License::Expression(e) => format!("({e})"),
            License::Text(t) => {
                let r = license_ref(t);
                refs.insert(r.clone(), t.to_owned());
                r
            }
        })
        .collect();
    if terms.is_empty() {
        "NOASSERTION".to_owned()
    } else {
        terms.join(" AND ")
    }
}

/// Splits an SPDX licence expression at its top-level `AND`s, removing one
/// pair of parentheses around each term: the inverse of [`spdx_declared`],
/// applied to any writer's output.
pub(crate) fn split_and(expr: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let words: Vec<&str> = expr.split_whitespace().collect();
    for w in words {
        if depth == 0 && w.eq_ignore_ascii_case("AND") && !current.is_empty() {
            terms.push(std::mem::take(&mut current));
            continue;
        }
        depth += i32::try_from(w.matches('(').count()).unwrap_or(0);
        depth -= i32::try_from(w.matches(')').count()).unwrap_or(0);
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(w);
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms.into_iter().map(|t| strip_parens(&t)).collect()
}

/// Removes parentheses around the whole of `t`, if they match each other.
fn strip_parens(t: &str) -> String {
    let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return t.to_owned();
    };
    let mut depth = 0i32;
    for c in inner.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return t.to_owned();
                }
            }
            _ => {}
        }
    }
    inner.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("MIT"), License::Id("MIT"));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0")
        );
        assert_eq!(classify("Apache-2.0+"), License::Expression("Apache-2.0+"));
        assert_eq!(
            classify("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            License::Expression("GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
        assert_eq!(classify("GPL-2.0+"), License::Text("GPL-2.0+"));
        assert_eq!(
            classify("BSD-3-clause-JANET"),
            License::Text("BSD-3-clause-JANET")
        );
        assert_eq!(classify("LicenseRef-x"), License::Text("LicenseRef-x"));
        assert_eq!(classify("mit"), License::Text("mit"));
    }

    #[test]
    fn declared_and_split_are_inverse() {
        let mut refs = BTreeMap::new();
        let lics = vec![
            "MIT OR Apache-2.0".to_owned(),
            "BSD-2-Clause".to_owned(),
            "PD".to_owned(),
        ];
        let d = spdx_declared(&lics, &mut refs);
        let r = license_ref("PD");
        assert_eq!(d, format!("(MIT OR Apache-2.0) AND BSD-2-Clause AND {r}"));
        assert_eq!(refs.get(&r).unwrap(), "PD");
        assert_eq!(
            split_and(&d),
            vec!["MIT OR Apache-2.0".to_owned(), "BSD-2-Clause".into(), r]
        );
        assert_eq!(split_and("(A OR B) AND (C)"), vec!["A OR B", "C"]);
        assert_eq!(split_and("(A) OR (B)"), vec!["(A) OR (B)"]);
        assert_eq!(spdx_declared(&[], &mut refs), "NOASSERTION");
    }
}
