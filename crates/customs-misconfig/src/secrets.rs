//! Whether a variable name looks like it holds a secret.

/// Name fragments that mark a secret. Matched on the upper-cased name split at
/// `_`, `-` and `.`, so `DB_PASSWORD` and `api-key` match but `PASSWORDLESS_MODE` does not.
const WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PWD",
    "SECRET",
    "TOKEN",
    "CREDENTIALS",
    "CREDENTIAL",
];
/// Adjacent word pairs that mark a secret.
const PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("ACCESS", "KEY"),
    ("PRIVATE", "KEY"),
    ("SECRET", "KEY"),
    ("AUTH", "KEY"),
    ("CLIENT", "SECRET"),
];
/// Names that contain a secret word but are not secrets themselves.
const NOT_SECRETS: &[&str] = &["PWD", "OLDPWD"];
/// Words that say the variable points at a secret rather than holding one.
const POINTERS: &[&str] = &[
    "FILE", "PATH", "DIR", "NAME", "REF", "ID", "URL", "ENDPOINT", "LENGTH", "TTL", "EXPIRY",
    "TYPE",
];

/// Whether `name` looks like a variable holding a secret.
pub(crate) fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_SECRETS.contains(&upper.as_str()) {
        return false;
    }
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.last().is_some_and(|w| POINTERS.contains(w)) {
        return false;
    }
    words.iter().any(|w| WORDS.contains(w))
        || words
            .windows(2)
            .any(|p| matches!(p, [a, b] if PAIRS.contains(&(*a, *b))))
        || upper.ends_with("APIKEY")
        || upper.ends_with("PASSWORD")
}

/// Whether a literal value is worth reporting: not empty, not a reference to
/// another variable (`$(VAR)`, `${VAR}`), not an obvious placeholder.
pub(crate) fn literal_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    let reference =
        v.starts_with("$(") || v.starts_with("${") || (v.starts_with('$') && !v.contains(' '));
    let placeholder = matches!(
        v.to_ascii_lowercase().as_str(),
        "changeme" | "<secret>" | "xxx" | "none" | "null"
    );
    !(v.is_empty() || reference || placeholder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "api-key",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "MYAPIKEY",
            "client.secret",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PWD",
            "PATH",
            "PASSWORD_FILE",
            "TOKEN_PATH",
            "HOME",
            "KEYBOARD",
            "SECRET_NAME",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        assert!(literal_value("hunter2"));
        assert!(!literal_value("$(DB_PASS)"));
        assert!(!literal_value(""));
    }
}
