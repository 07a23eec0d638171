//! Base64 helpers: DSSE and protobuf JSON accept standard and URL-safe
//! alphabets, padded or not.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Standard base64 with padding, the encoding every peer writes.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard or URL-safe base64, padded or not. Non-canonical
/// trailing bits are rejected so one string has one meaning.
pub(crate) fn decode(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let url = s.contains(['-', '_']);
    let padded = s.ends_with('=');
    match (url, padded) {
        (false, true) => STANDARD.decode(s),
        (false, false) => STANDARD_NO_PAD.decode(s),
        (true, true) => URL_SAFE.decode(s),
        (true, false) => URL_SAFE_NO_PAD.decode(s),
    }
}

/// A byte string carried as base64 in JSON (protobuf `bytes`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Base64Bytes(pub(crate) Vec<u8>);

impl serde::Serialize for Base64Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Base64Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        decode(&s)
            .map(Base64Bytes)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_alphabets() {
        assert_eq!(decode("+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode("+/9=").is_err(), "non-zero trailing bits");
    }
}

/// Serde for `Vec<u8>` fields carried as base64 strings.
pub(crate) mod bytes {
    use serde::Deserialize as _;

    pub(crate) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode(v))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::decode(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for `Vec<Vec<u8>>` fields carried as arrays of base64 strings.
pub(crate) mod bytes_vec {
    use serde::Deserialize as _;

    pub(crate) fn serialize<S: serde::Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| super::encode(b)))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| super::decode(s).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Serde for protobuf JSON int64 fields: written as strings, read from
/// strings or numbers.
pub(crate) mod int64 {
    pub(crate) fn serialize<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            S(String),
            N(i64),
        }
        match <Either as serde::Deserialize>::deserialize(d)? {
            Either::N(n) => Ok(n),
            Either::S(s) if !s.starts_with('+') => s.parse().map_err(serde::de::Error::custom),
            Either::S(s) => Err(serde::de::Error::custom(format!("bad int64 {s:?}"))),
        }
    }
}
