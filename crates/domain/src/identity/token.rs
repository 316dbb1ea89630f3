use std::fmt;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// The bearer secret of a login session: 256 random bits, written in
/// URL-safe base64 without padding (43 characters), so it fits a header or a
/// cookie unescaped.
///
/// The client gets the token once, at login; the server keeps only its
/// [`hash`](Self::hash). A plain SHA-256 suffices there (unlike passwords)
/// because the token is random: there is no dictionary to try.
///
/// No `Display`, `Clone`, `PartialEq` or serde: `Debug` hides the value and
/// sessions are found by hash, never by comparing tokens.
pub struct SessionToken(String);

const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

impl SessionToken {
    /// A fresh token from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes, which on the
    /// platforms this runs on means the machine is unusable; issuing a weaker
    /// token instead would be worse.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only the shape [`generate`](Self::generate) produces, so that
    /// junk in an `Authorization` header is refused before any lookup. `None`
    /// needs no explanation: the caller answers "unauthenticated" either way.
    pub fn parse(input: &str) -> Option<Self> {
        if input.len() != TOKEN_CHARS {
            return None;
        }
        // Decoding also rejects a last character with stray low bits, which
        // would otherwise give two spellings of one token.
        let decoded = URL_SAFE_NO_PAD.decode(input).ok()?;
        (decoded.len() == TOKEN_BYTES).then(|| Self(input.to_owned()))
    }

    /// The token itself, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lowercase hex SHA-256 of the token's text, as stored in
    /// `user_sessions.token_hash`.
    pub fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes())
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let token = SessionToken::generate();
        assert_eq!(token.expose().len(), 43);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            SessionToken::parse(token.expose())
                .expect("own shape")
                .hash(),
            token.hash()
        );
    }

    #[test]
    fn generated_tokens_differ() {
        assert_ne!(
            SessionToken::generate().expose(),
            SessionToken::generate().expose()
        );
    }

    #[test]
    fn hash_is_lowercase_hex_sha256_of_the_text() {
        let token = SessionToken::parse(&"A".repeat(43)).expect("valid shape");
        let hash = token.hash();
        assert_eq!(hash.len(), 64);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(hash, token.hash());
        // sha256("AAA…A" × 43), computed independently.
        assert_eq!(
            hash,
            "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a"
        );
    }

    #[test]
    fn parse_refuses_other_shapes() {
        let good = SessionToken::generate();
        let good = good.expose();
        assert!(SessionToken::parse(&good[..42]).is_none());
        assert!(SessionToken::parse(&format!("{good}A")).is_none());
        assert!(SessionToken::parse(&format!("{good}=")).is_none());
        assert!(SessionToken::parse(&format!("{}+", &good[..42])).is_none());
        assert!(SessionToken::parse(&format!("{}/", &good[..42])).is_none());
        assert!(SessionToken::parse(&format!(" {}", &good[..42])).is_none());
        assert!(SessionToken::parse("").is_none());
        // 'B' leaves a stray bit after the 256th: not a canonical encoding.
        assert!(SessionToken::parse(&format!("{}B", "A".repeat(42))).is_none());
    }

    #[test]
    fn debug_does_not_reveal_the_token() {
        let token = SessionToken::generate();
        let debug = format!("{token:?}");
        assert_eq!(debug, "SessionToken(***)");
        assert!(!debug.contains(token.expose()));
    }
}
