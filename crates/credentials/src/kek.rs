//! The key-encryption key from the configuration, and signing keys sealed
//! under it for storage.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::CredentialError;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;
/// The stored form's version: a later scheme gets `v2` and both can be read
/// during a migration.
const VERSION: &str = "v1";
/// Prefixed to the key id in the associated data, so that a ciphertext made
/// for another purpose under the same key-encryption key can never pass as a
/// signing key.
const AAD_CONTEXT: &[u8] = b"medicaledu-credentials/signing-key/v1\0";

/// The symmetric key that encrypts signing keys at rest, read from the
/// configuration (an environment variable or a secrets file), never stored
/// beside the keys it protects.
///
/// Its text is 32 random bytes in base64, standard or URL-safe, with or
/// without padding (`openssl rand -base64 32` makes one). Its bytes are wiped
/// from memory when it is dropped, and `Debug` does not show them.
pub struct KeyEncryptionKey {
    cipher: XChaCha20Poly1305,
}

impl KeyEncryptionKey {
    /// Reads the key from configuration text. Surrounding whitespace (a
    /// trailing newline in a secrets file) is ignored; anything that is not
    /// base64 of exactly 32 bytes is refused, as a shorter key would be
    /// weaker than it looks and a longer one a sign of the wrong value.
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        // Accept both alphabets and either padding by normalising to the
        // standard alphabet without padding; the two alphabets differ only in
        // these two symbols.
        let normalised: Zeroizing<String> = Zeroizing::new(
            text.trim()
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    other => other,
                })
                .collect(),
        );
        let bytes =
            Zeroizing::new(STANDARD_NO_PAD.decode(normalised.as_bytes()).map_err(|_| {
                CredentialError::InvalidKeyEncryptionKey("the text is not base64".into())
            })?);
        let key: Zeroizing<[u8; KEY_BYTES]> =
            Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                CredentialError::InvalidKeyEncryptionKey(format!(
                    "it decodes to {} bytes, not {KEY_BYTES}",
                    bytes.len()
                ))
            })?);
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&Key::from(*key)),
        })
    }

    /// Seals `plaintext` for the key `kid`.
    pub(crate) fn seal(
        &self,
        kid: &str,
        plaintext: &[u8],
    ) -> Result<EncryptedKey, CredentialError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| CredentialError::Random(e.to_string()))?;
        let aad = associated_data(kid);
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Only an over-long message or AAD fails to encrypt; 32 bytes and
            // a key id are far below the limits, but an error beats a panic.
            .map_err(|_| CredentialError::Encryption { kid: kid.into() })?;
        Ok(EncryptedKey(format!(
            "{VERSION}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )))
    }

    /// Opens what [`seal`](Self::seal) made for the same `kid`.
    pub(crate) fn open(
        &self,
        kid: &str,
        sealed: &EncryptedKey,
    ) -> Result<Zeroizing<Vec<u8>>, CredentialError> {
        let (nonce, ciphertext) = sealed.parts()?;
        let aad = associated_data(kid);
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CredentialError::Decryption { kid: kid.into() })
    }
}

impl fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyEncryptionKey(<redacted>)")
    }
}

impl FromStr for KeyEncryptionKey {
    type Err = CredentialError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

fn associated_data(kid: &str) -> Vec<u8> {
    let mut aad = AAD_CONTEXT.to_vec();
    aad.extend_from_slice(kid.as_bytes());
    aad
}

/// A signing key's private half, encrypted, as stored in a TEXT column:
/// `v1.<base64url nonce>.<base64url ciphertext and tag>`.
///
/// It reveals nothing without the [`KeyEncryptionKey`], so it may be shown
/// and logged; only [`SigningKey::decrypt`](crate::SigningKey::decrypt) with
/// the right key id opens it.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedKey(String);

impl EncryptedKey {
    /// Reads the stored text, checking its shape (not its authenticity,
    /// which only decryption can tell).
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        let key = Self(text.trim().to_owned());
        key.parts()?;
        Ok(key)
    }

    /// The text to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn parts(&self) -> Result<([u8; NONCE_BYTES], Vec<u8>), CredentialError> {
        let mut parts = self.0.split('.');
        let (Some(version), Some(nonce), Some(ciphertext), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CredentialError::MalformedEncryptedKey(
                "expected three parts separated by dots",
            ));
        };
        if version != VERSION {
            return Err(CredentialError::MalformedEncryptedKey("unknown version"));
        }
        let nonce: [u8; NONCE_BYTES] = URL_SAFE_NO_PAD
            .decode(nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(CredentialError::MalformedEncryptedKey(
                "the nonce is not 24 bytes of base64url",
            ))?;
        let ciphertext = URL_SAFE_NO_PAD
            .decode(ciphertext)
            .ok()
            .filter(|bytes| bytes.len() == KEY_BYTES + TAG_BYTES)
            .ok_or(CredentialError::MalformedEncryptedKey(
                "the ciphertext is not 48 bytes of base64url",
            ))?;
        Ok((nonce, ciphertext))
    }
}

impl fmt::Display for EncryptedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EncryptedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptedKey({})", self.0)
    }
}

impl FromStr for EncryptedKey {
    type Err = CredentialError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    use super::*;

    const BYTES: [u8; 32] = [
        0xfb, 0xff, 0x3e, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
        0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0xfe,
        0xff, 0xfc,
    ];

    /// What is sealed: a signing key's 32 bytes.
    const SECRET: [u8; 32] = [9; 32];

    fn kek() -> KeyEncryptionKey {
        KeyEncryptionKey::parse(&STANDARD.encode(BYTES)).expect("valid")
    }

    #[test]
    fn every_base64_spelling_of_the_same_bytes_is_the_same_key() {
        let sealed = kek().seal("k1", &SECRET).expect("sealed");
        for text in [
            STANDARD.encode(BYTES),
            STANDARD_NO_PAD.encode(BYTES),
            URL_SAFE.encode(BYTES),
            URL_SAFE_NO_PAD.encode(BYTES),
            format!("  {}\n", STANDARD.encode(BYTES)),
        ] {
            // The test bytes use both symbols on which the alphabets differ.
            let key = KeyEncryptionKey::parse(&text).expect(&text);
            let opened = key.open("k1", &sealed).expect("same key");
            assert_eq!(opened.as_slice(), SECRET, "{text}");
        }
    }

    #[test]
    fn keys_of_another_length_or_not_base64_are_refused() {
        for text in [
            STANDARD.encode([7u8; 16]),
            STANDARD.encode([7u8; 31]),
            STANDARD.encode([7u8; 33]),
            STANDARD.encode([7u8; 64]),
            String::new(),
            "not base64 at all!".into(),
        ] {
            let error = KeyEncryptionKey::parse(&text).expect_err(&text);
            assert!(
                matches!(error, CredentialError::InvalidKeyEncryptionKey(_)),
                "{error}"
            );
        }
        let error = KeyEncryptionKey::parse(&STANDARD.encode([7u8; 16])).expect_err("short");
        assert!(error.to_string().contains("16 bytes, not 32"), "{error}");
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let shown = format!("{:?}", kek());
        assert_eq!(shown, "KeyEncryptionKey(<redacted>)");
        for text in [STANDARD.encode(BYTES), URL_SAFE_NO_PAD.encode(BYTES)] {
            assert!(!shown.contains(&text[..8]));
        }
    }

    #[test]
    fn each_encryption_has_its_own_nonce() {
        let kek = kek();
        let a = kek.seal("k1", &SECRET).expect("sealed");
        let b = kek.seal("k1", &SECRET).expect("sealed");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("v1."));
        assert_eq!(EncryptedKey::parse(a.as_str()).expect("parses"), a);
    }

    #[test]
    fn malformed_stored_text_is_refused_before_decryption() {
        let good = kek().seal("k1", &SECRET).expect("sealed");
        let parts: Vec<&str> = good.as_str().split('.').collect();
        for text in [
            String::new(),
            "v1".into(),
            format!("v2.{}.{}", parts[1], parts[2]),
            format!("v1.{}", parts[1]),
            format!("v1.{}.{}.x", parts[1], parts[2]),
            format!("v1.{}.{}", &parts[1][2..], parts[2]),
            format!("v1.{}.{}", parts[1], &parts[2][4..]),
            format!("v1.{}.{}!", parts[1], parts[2]),
        ] {
            assert!(
                matches!(
                    EncryptedKey::parse(&text),
                    Err(CredentialError::MalformedEncryptedKey(_))
                ),
                "{text}"
            );
        }
    }
}
