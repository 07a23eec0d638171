//! Bounds on what the readers accept.

use crate::Error;

/// Bounds for reading untrusted SBOMs. The defaults take SBOMs of very large
/// images (hundreds of thousands of packages and files) while keeping memory
/// proportional to the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input in bytes. Default 256 MiB.
    pub max_bytes: usize,
    /// Deepest nesting of JSON arrays and objects. Default 64: real SBOMs
    /// nest fewer than 15 levels, and serde_json stops at 128 anyway.
    pub max_depth: usize,
    /// Most JSON values (or tag-value lines) in one document. Default 20
    /// million; it bounds the memory the parsed document takes.
    pub max_values: usize,
    /// Most packages in the resulting catalog. Default 1 million.
    pub max_packages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 64,
            max_values: 20_000_000,
            max_packages: 1_000_000,
        }
    }
}

impl Limits {
    /// Checks nesting depth and value count of a JSON text in one pass over
    /// its bytes, before any of it is parsed, so a hostile document fails
    /// fast and without allocating. Syntax errors are left to the parser.
    pub(crate) fn check_json(&self, bytes: &[u8]) -> Result<(), Error> {
        let mut depth = 0usize;
        // One value per container plus one per separator is an upper bound
        // on the number of values.
        let mut values = 1usize;
        let mut in_string = false;
        let mut escaped = false;
        for &b in bytes {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > self.max_depth {
                        return Err(Error::TooDeep {
                            limit: self.max_depth,
                        });
                    }
                    values += 1;
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                b',' => values += 1,
                _ => continue,
            }
            if values > self.max_values {
                return Err(Error::TooManyValues {
                    limit: self.max_values,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_only_outside_strings() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(limits.check_json(br#"{"a":[{"b":"[[[[[[\"[["}]}"#).is_ok());
        assert!(matches!(
            limits.check_json(b"[[[[1]]]]"),
            Err(Error::TooDeep { limit: 3 })
        ));
    }

    #[test]
    fn value_count_is_bounded() {
        let limits = Limits {
            max_values: 10,
            ..Limits::default()
        };
        assert!(limits.check_json(b"[1,2,3]").is_ok());
        let many = format!("[{}0]", "0,".repeat(20));
        assert!(matches!(
            limits.check_json(many.as_bytes()),
            Err(Error::TooManyValues { .. })
        ));
    }
}
