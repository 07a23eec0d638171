//! Parsers for the advisory formats. Each turns one parsed document
//! (`serde_json::Value`; YAML is converted first) into database records.

pub mod alpine;
pub mod debian;
pub mod osv;

use serde_json::Value;

/// Converts a YAML document into a JSON value. Scalars become strings (YAML
/// `1.10` must stay the version `"1.10"`, not a float), except booleans and
/// null. Aliases are refused, so nothing expands; depth is bounded.
pub(crate) fn yaml_to_json(y: &yaml_rust2::Yaml, depth: usize) -> Result<Value, String> {
    use yaml_rust2::Yaml;
    if depth > 64 {
        return Err("yaml nesting is too deep".to_owned());
    }
    Ok(match y {
        Yaml::Real(s) | Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null => Value::Null,
        Yaml::Array(a) => Value::Array(
            a.iter()
                .map(|v| yaml_to_json(v, depth + 1))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Yaml::Hash(h) => {
            let mut m = serde_json::Map::new();
            for (k, v) in h {
                let key = match yaml_to_json(k, depth + 1)? {
                    Value::String(s) => s,
                    Value::Bool(b) => b.to_string(),
                    Value::Null => "null".to_owned(),
                    _ => return Err("yaml mapping key is not a scalar".to_owned()),
                };
                m.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(m)
        }
        Yaml::Alias(_) => return Err("yaml aliases are not supported".to_owned()),
        Yaml::BadValue => return Err("invalid yaml value".to_owned()),
    })
}

/// Pre-scan of YAML events: refuses aliases (which the loader would expand
/// by copying: "billion laughs") and nesting deeper than 64 before any tree
/// is built.
#[derive(Default)]
struct Scan {
    depth: usize,
    problem: Option<&'static str>,
}

impl yaml_rust2::parser::EventReceiver for Scan {
    fn on_event(&mut self, ev: yaml_rust2::Event) {
        use yaml_rust2::Event;
        match ev {
            Event::Alias(_) => self.problem = Some("yaml aliases are not supported"),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                self.depth += 1;
                if self.depth > 64 {
                    self.problem = Some("yaml nesting is too deep");
                }
            }
            Event::SequenceEnd | Event::MappingEnd => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Parses YAML text (first document) into a JSON value.
pub(crate) fn parse_yaml(text: &str) -> Result<Value, String> {
    let mut scan = Scan::default();
    yaml_rust2::parser::Parser::new_from_str(text)
        .load(&mut scan, true)
        .map_err(|e| format!("bad yaml: {e}"))?;
    if let Some(p) = scan.problem {
        return Err(p.to_owned());
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("bad yaml: {e}"))?;
    match docs.first() {
        Some(d) => yaml_to_json(d, 0),
        None => Err("empty yaml document".to_owned()),
    }
}

/// Truncates to at most `max` characters, on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => {
            let mut t = s.get(..i).unwrap_or_default().to_owned();
            t.push('…');
            t
        }
        None => s.to_owned(),
    }
}

/// Whether `s` looks like a vulnerability identifier: `CVE-YYYY-NNNN+` exactly,
/// or `PREFIX-PART[-PART...]` with an alphabetic prefix (XSA-123,
/// wnpa-sec-2019-01, TALOS-2019-0844, GHSA-xxxx-xxxx-xxxx).
pub(crate) fn is_well_formed_id(s: &str) -> bool {
    if s.len() > 128 {
        return false;
    }
    if let Some(rest) = s.strip_prefix("CVE-") {
        let mut parts = rest.split('-');
        let (Some(year), Some(num), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        return year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && num.len() >= 4
            && num.bytes().all(|b| b.is_ascii_digit());
    }
    let mut parts = s.split('-');
    let prefix = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    prefix.len() >= 2
        && prefix.bytes().all(|b| b.is_ascii_alphabetic())
        && !rest.is_empty()
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in [
            "CVE-2019-5060",
            "XSA-123",
            "wnpa-sec-2019-01",
            "TALOS-2019-0844",
            "ZBX-1234",
        ] {
            assert!(is_well_formed_id(ok), "{ok}");
        }
        for bad in [
            "CVE_2019-2426",
            "CVE",
            "CVE-2017-17434-1",
            "CVE-19-1",
            "(fix",
            "x",
            "2018-1",
        ] {
            assert!(!is_well_formed_id(bad), "{bad}");
        }
    }

    #[test]
    fn yaml_scalars_stay_text() {
        let v = parse_yaml("a: 1.10\nb: 0\nc: [x, ~]\n").unwrap();
        assert_eq!(v["a"], "1.10");
        assert_eq!(v["b"], "0");
        assert_eq!(v["c"][1], Value::Null);
        assert!(parse_yaml("a: &x [1]\nb: *x\n").is_err());
        assert!(parse_yaml(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).is_err());
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 5), "hi");
    }
}
