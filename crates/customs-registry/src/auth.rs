//! `WWW-Authenticate` challenges, token scopes and token responses.

use std::time::{Duration, Instant};

use serde::Deserialize;

/// Longest `WWW-Authenticate` value parsed; longer ones are cut (a sane
/// challenge is a few hundred bytes).
const MAX_CHALLENGE_LEN: usize = 8192;

/// One authentication challenge: a scheme (lower-cased) and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter, by case-insensitive name.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a registry wants to be authenticated, from its 401 challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthScheme {
    /// No challenge seen (anonymous access works).
    None,
    /// HTTP Basic auth with the registry itself.
    Basic,
    /// Bearer tokens from a token service.
    Bearer {
        realm: String,
        service: Option<String>,
        /// Scope named in the challenge, if any.
        scope: Option<String>,
    },
}

/// Picks the scheme to use from all challenges in the `WWW-Authenticate`
/// headers: Bearer wins over Basic (as in Docker); unknown schemes are ignored.
pub(crate) fn scheme_from_headers<'a>(values: impl Iterator<Item = &'a str>) -> Option<AuthScheme> {
    let mut basic = false;
    for v in values {
        for ch in parse_challenges(v) {
            match ch.scheme.as_str() {
                "bearer" => {
                    if let Some(realm) = ch.param("realm") {
                        return Some(AuthScheme::Bearer {
                            realm: realm.to_owned(),
                            service: ch.param("service").map(str::to_owned),
                            scope: ch.param("scope").map(str::to_owned),
                        });
                    }
                }
                "basic" => basic = true,
                _ => {}
            }
        }
    }
    basic.then_some(AuthScheme::Basic)
}

/// Parses one `WWW-Authenticate` value, which may hold several challenges:
/// `Basic realm="a, b", Bearer realm="x",service="y"`. Scheme names are
/// case-insensitive (lower-cased here); quoted strings may hold commas and
/// backslash escapes.
pub(crate) fn parse_challenges(value: &str) -> Vec<Challenge> {
    let s: Vec<char> = value.chars().take(MAX_CHALLENGE_LEN).collect();
    let mut out: Vec<Challenge> = Vec::new();
    let mut i = 0;
    let at = |i: usize| s.get(i).copied();
    let is_tchar = |c: char| !c.is_whitespace() && c != ',' && c != '=' && c != '"';
    while i < s.len() {
        // Skip separators.
        while at(i).is_some_and(|c| c.is_whitespace() || c == ',') {
            i += 1;
        }
        let start = i;
        while at(i).is_some_and(is_tchar) {
            i += 1;
        }
        if start == i {
            // A stray '=' or '"': skip it so the loop always advances.
            i += 1;
            continue;
        }
        let token: String = s.get(start..i).unwrap_or_default().iter().collect();
        let mut j = i;
        while at(j).is_some_and(|c| c == ' ' || c == '\t') {
            j += 1;
        }
        if at(j) == Some('=') && !(at(j + 1) == Some('=') || at(j + 1).is_none()) {
            // key=value
            j += 1;
            while at(j).is_some_and(|c| c == ' ' || c == '\t') {
                j += 1;
            }
            let mut val = String::new();
            if at(j) == Some('"') {
                j += 1;
                while let Some(c) = at(j) {
                    j += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = at(j) {
                                val.push(n);
                                j += 1;
                            }
                        }
                        _ => val.push(c),
                    }
                }
            } else {
                while let Some(c) = at(j).filter(|&c| c != ',' && !c.is_whitespace()) {
                    val.push(c);
                    j += 1;
                }
            }
            if let Some(last) = out.last_mut() {
                last.params.push((token.to_ascii_lowercase(), val));
            }
            i = j;
        } else if at(j) == Some('=') {
            // token68 (`Negotiate abc==`): skip the padding, keep nothing.
            while at(j) == Some('=') {
                j += 1;
            }
            i = j;
        } else {
            out.push(Challenge {
                scheme: token.to_ascii_lowercase(),
                params: Vec::new(),
            });
            i = j;
        }
    }
    out
}

/// The scopes a request needs, e.g. `repository:fixtures/app:pull`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Scopes(pub(crate) Vec<String>);

impl Scopes {
    pub(crate) fn pull(repo: &str) -> Self {
        Self(vec![format!("repository:{repo}:pull")])
    }

    pub(crate) fn push(repo: &str) -> Self {
        Self(vec![format!("repository:{repo}:pull,push")])
    }

    /// Push to `to` while reading `from` (cross-repository mount).
    pub(crate) fn mount(to: &str, from: &str) -> Self {
        let mut s = Self::push(to);
        if from != to {
            s.0.push(format!("repository:{from}:pull"));
        }
        s
    }

    /// Adds a scope the registry named in its challenge.
    pub(crate) fn with(mut self, extra: Option<&str>) -> Self {
        if let Some(extra) = extra {
            for sc in extra.split(' ').filter(|s| !s.is_empty()) {
                if !self.0.iter().any(|x| x == sc) {
                    self.0.push(sc.to_owned());
                }
            }
        }
        self.0.sort();
        self
    }

    pub(crate) fn key(&self) -> String {
        self.0.join(" ")
    }
}

/// A token service's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// A token ready to use, with its expiry.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: String,
    pub(crate) expires: Instant,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"<redacted>")
            .finish()
    }
}

impl TokenResponse {
    /// The token, if it is usable in a header. Expiry: `expires_in`, at
    /// least 60 s as the token spec says, minus a safety margin.
    pub(crate) fn into_cached(self, now: Instant) -> Option<CachedToken> {
        let token = self.token.filter(|t| !t.is_empty()).or(self.access_token)?;
        let header_safe = !token.is_empty()
            && token.len() <= 64 * 1024
            && token.bytes().all(|b| b.is_ascii_graphic());
        if !header_safe {
            return None;
        }
        let secs = self.expires_in.unwrap_or(60).clamp(60, 24 * 3600);
        // Refresh a little early so a token never expires mid-request.
        let lifetime = Duration::from_secs(secs - secs / 10);
        Some(CachedToken {
            token,
            expires: now + lifetime,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_with_quoted_commas() {
        let v = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#;
        let c = parse_challenges(v);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.example/token"));
        assert_eq!(c[0].param("scope"), Some("repository:a/b:pull,push"));
    }

    #[test]
    fn parses_several_challenges_case_insensitively() {
        let v = r#"BASIC realm="a, \"b\"" , bEaReR Realm=http://x/t, service=s"#;
        let c = parse_challenges(v);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some(r#"a, "b""#));
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].param("REALM"), Some("http://x/t"));
        assert_eq!(c[1].param("service"), Some("s"));
        let s = scheme_from_headers([v].into_iter()).unwrap();
        assert!(matches!(s, AuthScheme::Bearer { ref realm, .. } if realm == "http://x/t"));
    }

    #[test]
    fn garbage_does_not_panic() {
        for v in [
            "",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            "a=b",
            "x ==== ,,, \"",
            "Negotiate abc==",
        ] {
            let _ = parse_challenges(v);
        }
        assert_eq!(scheme_from_headers(["Negotiate abc=="].into_iter()), None);
        assert_eq!(
            scheme_from_headers(["Basic realm=x"].into_iter()),
            Some(AuthScheme::Basic)
        );
        let long = "Bearer ".to_owned() + &"a=b,".repeat(100_000);
        assert!(parse_challenges(&long)[0].params.len() < 3000);
    }

    #[test]
    fn scopes_and_tokens() {
        let s = Scopes::mount("a/b", "c/d").with(Some("repository:a/b:pull"));
        assert_eq!(
            s.key(),
            "repository:a/b:pull repository:a/b:pull,push repository:c/d:pull"
        );
        let now = Instant::now();
        let t: TokenResponse =
            serde_json::from_str(r#"{"access_token":"abc","expires_in":300}"#).unwrap();
        let c = t.into_cached(now).unwrap();
        assert_eq!(c.token, "abc");
        assert!(c.expires > now + Duration::from_secs(200));
        let bad: TokenResponse = serde_json::from_str(r#"{"token":"a b"}"#).unwrap();
        assert!(bad.into_cached(now).is_none());
        assert!(!format!("{c:?}").contains("abc"));
    }
}
