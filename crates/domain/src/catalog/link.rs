//! Links to content hosted elsewhere (a video platform, a journal article).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

/// An absolute `https://` URL with a host, in the normalized form the `url`
/// crate prints (`https://Example.com` is `https://example.com/`).
///
/// Plain `http` is refused: students open these from a page served over
/// HTTPS, and browsers block or warn about insecure content. Credentials in
/// the URL are refused because every student would see them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct HttpsUrl(String);

impl HttpsUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        if s.len() > Self::MAX_CHARS {
            return Err(FieldIssue::too_long(Self::MAX_CHARS));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FieldIssue::invalid("must not contain spaces"));
        }
        let not_https = || FieldIssue::invalid("must be an https:// address");
        // The parser forgives `https:example.com` and backslashes; what was
        // typed should already look like what will be stored.
        let prefix = s.get(.."https://".len()).ok_or_else(not_https)?;
        if !prefix.eq_ignore_ascii_case("https://") {
            return Err(not_https());
        }
        if s[prefix.len()..].starts_with(['/', '\\']) {
            return Err(FieldIssue::invalid("must name a host"));
        }
        let url = url::Url::parse(s).map_err(|_| FieldIssue::invalid("must be a valid URL"))?;
        if url.scheme() != "https" {
            return Err(not_https());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(FieldIssue::invalid("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldIssue::invalid(
                "must not contain a user name or password",
            ));
        }
        // Normalizing percent-encodes and punycodes, which can lengthen it.
        if url.as_str().len() > Self::MAX_CHARS {
            return Err(FieldIssue::too_long(Self::MAX_CHARS));
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for HttpsUrl {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for HttpsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for HttpsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpsUrl({})", self.0)
    }
}

impl From<HttpsUrl> for String {
    fn from(url: HttpsUrl) -> Self {
        url.0
    }
}

impl TryFrom<String> for HttpsUrl {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(input: &str) -> String {
        HttpsUrl::parse(input).expect(input).0
    }

    #[test]
    fn accepts_and_normalizes_https() {
        assert_eq!(
            url(" https://videos.example.com/watch?v=abc#t=30 "),
            "https://videos.example.com/watch?v=abc#t=30"
        );
        assert_eq!(url("HTTPS://Example.COM"), "https://example.com/");
        assert_eq!(
            url("https://example.com:8443/a"),
            "https://example.com:8443/a"
        );
        assert_eq!(
            url("https://bücher.example/"),
            "https://xn--bcher-kva.example/"
        );
        assert_eq!(url("https://192.0.2.1/x"), "https://192.0.2.1/x");
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(HttpsUrl::parse("  ").expect_err("blank").code, "required");
        for bad in [
            "http://example.com/",
            "ftp://example.com/file.pdf",
            "javascript:alert(1)",
            "//example.com/",
            "example.com",
            "https:example.com",
            "https:\\\\example.com",
            "https://",
            "https:///path",
            "https://user:pass@example.com/",
            "https://user@example.com/",
            "https://example.com/a b",
            "https://exa mple.com/",
            "https://example.com/\tx",
            "https://exa[mple.com/",
        ] {
            assert_eq!(
                HttpsUrl::parse(bad).expect_err(bad).code,
                "invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn length_is_limited() {
        let base = "https://example.com/";
        let fits = format!("{base}{}", "a".repeat(2048 - base.len()));
        assert_eq!(url(&fits).len(), 2048);
        let long = format!("{fits}a");
        assert_eq!(HttpsUrl::parse(&long).expect_err("long").code, "too_long");
        // Fits as typed, but not once its non-ASCII path is percent-encoded.
        let grows = format!("{base}{}", "é".repeat(1000));
        assert_eq!(HttpsUrl::parse(&grows).expect_err("grows").code, "too_long");
    }
}
