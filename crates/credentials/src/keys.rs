//! Ed25519 signing keys, their public halves, and the JWKS that publishes
//! them.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SECRET_KEY_LENGTH, Signer as _};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::{CredentialError, EncryptedKey, KeyEncryptionKey};

/// The JOSE algorithm name of Ed25519 signatures (RFC 8037).
pub(crate) const ALG: &str = "EdDSA";

/// An Ed25519 key that signs credentials, named by its key id.
///
/// The key id is what a token's header names and what the JWKS lists; it is
/// also bound to the encrypted form, so it must not change once the key is
/// stored. `Debug` shows the key id and public key, never the private key,
/// which is wiped from memory when the value is dropped.
pub struct SigningKey {
    kid: String,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// A new key from the operating system's random number generator.
    pub fn generate(kid: impl Into<String>) -> Result<Self, CredentialError> {
        let kid = key_id(kid.into())?;
        let mut secret = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        getrandom::fill(secret.as_mut_slice())
            .map_err(|e| CredentialError::Random(e.to_string()))?;
        Ok(Self {
            kid,
            key: ed25519_dalek::SigningKey::from_bytes(&secret),
        })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, to store beside the encrypted private half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// The public half with its key id, as the JWKS lists it.
    pub fn published(&self) -> PublishedKey {
        PublishedKey {
            kid: self.kid.clone(),
            public: self.public_key(),
        }
    }

    /// The public key as a JWK (RFC 8037):
    /// `{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"alg":"EdDSA","use":"sig"}`.
    pub fn public_jwk(&self) -> Value {
        self.public_key().to_jwk(&self.kid)
    }

    /// The private key sealed under `kek`, for storage. Each call uses a new
    /// random nonce, so two encryptions of one key differ.
    pub fn encrypt(&self, kek: &KeyEncryptionKey) -> Result<EncryptedKey, CredentialError> {
        let secret = Zeroizing::new(self.key.to_bytes());
        kek.seal(&self.kid, secret.as_slice())
    }

    /// The key stored as `sealed` for the key id `kid`. Another
    /// key-encryption key, another key id (the text copied from another row)
    /// or any altered character is refused with
    /// [`CredentialError::Decryption`].
    pub fn decrypt(
        kid: &str,
        sealed: &EncryptedKey,
        kek: &KeyEncryptionKey,
    ) -> Result<Self, CredentialError> {
        let kid = key_id(kid.to_owned())?;
        let plaintext = kek.open(&kid, sealed)?;
        let secret: Zeroizing<[u8; SECRET_KEY_LENGTH]> = Zeroizing::new(
            plaintext
                .as_slice()
                .try_into()
                // Authenticated plaintext of another length was not made by
                // `encrypt`; treat it like any other undecryptable text.
                .map_err(|_| CredentialError::Decryption { kid: kid.clone() })?,
        );
        Ok(Self {
            kid,
            key: ed25519_dalek::SigningKey::from_bytes(&secret),
        })
    }

    /// The Ed25519 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

fn key_id(kid: String) -> Result<String, CredentialError> {
    if kid.is_empty() {
        Err(CredentialError::EmptyKeyId)
    } else {
        Ok(kid)
    }
}

/// An Ed25519 public key. Its text form, for a TEXT column, is the 32 bytes
/// in base64url without padding: the same as the JWK's `x`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Reads the text form. Refuses anything but 32 bytes of unpadded
    /// base64url that encode a point on the curve.
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        let bytes: [u8; 32] = URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                CredentialError::InvalidPublicKey("expected 32 bytes of unpadded base64url".into())
            })?;
        Self::from_bytes(&bytes)
    }

    /// The key of these 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CredentialError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| CredentialError::InvalidPublicKey("not a point on the curve".into()))
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The text form to store.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }

    /// The key as a JWK named `kid`.
    pub fn to_jwk(&self, kid: &str) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.to_text(),
            "kid": kid,
            "alg": ALG,
            "use": "sig",
        })
    }

    /// Whether `signature` is this key's signature of `message`. Strict
    /// verification refuses the malleable and small-order forms that plain
    /// Ed25519 verification lets through.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.0
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

impl FromStr for PublicKey {
    type Err = CredentialError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// A public key with its key id: one entry of the JWKS, and what
/// [`verify_credential`](crate::verify_credential) checks tokens against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    pub kid: String,
    pub public: PublicKey,
}

impl PublishedKey {
    /// The entry as a JWK.
    pub fn to_jwk(&self) -> Value {
        self.public.to_jwk(&self.kid)
    }

    /// Reads one Ed25519 JWK. Refuses other key types, another `alg`, a key
    /// without `kid`, and any JWK carrying a private part (`d`), which has no
    /// business in a published set.
    pub fn from_jwk(jwk: &Value) -> Result<Self, CredentialError> {
        let invalid = |why: &str| CredentialError::InvalidPublicKey(why.into());
        let field = |name: &str| jwk.get(name).and_then(Value::as_str);
        if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
            return Err(invalid("the JWK is not an Ed25519 (OKP) key"));
        }
        if jwk.get("alg").is_some_and(|alg| alg != ALG) {
            return Err(invalid("the JWK is for another algorithm"));
        }
        if jwk.get("d").is_some() {
            return Err(invalid("the JWK holds a private key"));
        }
        let kid = field("kid")
            .filter(|kid| !kid.is_empty())
            .ok_or_else(|| invalid("the JWK has no kid"))?;
        let x = field("x").ok_or_else(|| invalid("the JWK has no x"))?;
        Ok(Self {
            kid: kid.to_owned(),
            public: PublicKey::parse(x)?,
        })
    }
}

/// The JSON Web Key Set `{"keys":[…]}` to publish: every key not yet
/// retired, the signing key and the ones before it, so that credentials
/// signed before a rotation keep verifying.
pub fn jwks(keys: &[PublishedKey]) -> Value {
    json!({ "keys": keys.iter().map(PublishedKey::to_jwk).collect::<Vec<_>>() })
}

/// The keys of a JWKS as [`jwks`] writes it. Entries that are not Ed25519
/// signing keys are an error rather than skipped, since our own set never
/// holds any.
pub fn parse_jwks(set: &Value) -> Result<Vec<PublishedKey>, CredentialError> {
    set.get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| CredentialError::InvalidPublicKey("a JWKS has a \"keys\" array".into()))?
        .iter()
        .map(PublishedKey::from_jwk)
        .collect()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn kek(byte: u8) -> KeyEncryptionKey {
        KeyEncryptionKey::parse(&STANDARD.encode([byte; 32])).expect("valid")
    }

    #[test]
    fn an_encrypted_key_decrypts_to_the_same_key() {
        let key = SigningKey::generate("0190f2c4-7a00-7000-8000-000000000001").expect("key");
        let sealed = key.encrypt(&kek(1)).expect("sealed");
        let stored = sealed.to_string();

        let back = SigningKey::decrypt(
            key.kid(),
            &EncryptedKey::parse(&stored).expect("parses"),
            &kek(1),
        )
        .expect("decrypts");
        assert_eq!(back.kid(), key.kid());
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(back.sign(b"message"), key.sign(b"message"));
    }

    #[test]
    fn another_key_encryption_key_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let sealed = key.encrypt(&kek(1)).expect("sealed");
        let error = SigningKey::decrypt("k1", &sealed, &kek(2)).expect_err("wrong KEK");
        assert!(
            matches!(error, CredentialError::Decryption { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_key_copied_onto_another_row_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let sealed = key.encrypt(&kek(1)).expect("sealed");
        let error = SigningKey::decrypt("k2", &sealed, &kek(1)).expect_err("other kid");
        assert!(
            matches!(error, CredentialError::Decryption { .. }),
            "{error}"
        );
    }

    #[test]
    fn any_altered_character_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let sealed = key.encrypt(&kek(1)).expect("sealed").to_string();
        // Every position after the version: nonce, separator and ciphertext.
        for at in 3..sealed.len() {
            let mut altered = sealed.clone().into_bytes();
            altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(altered).expect("ascii");
            let result = EncryptedKey::parse(&altered)
                .and_then(|text| SigningKey::decrypt("k1", &text, &kek(1)));
            assert!(result.is_err(), "altered at {at}: {altered}");
        }
    }

    #[test]
    fn debug_shows_neither_private_key_nor_its_encryption_key() {
        let key = SigningKey::generate("k1").expect("key");
        let secret = key.key.to_bytes();
        let shown = format!("{key:?}");
        assert!(shown.contains("k1"), "{shown}");
        assert!(shown.contains(&key.public_key().to_text()), "{shown}");
        for text in [URL_SAFE_NO_PAD.encode(secret), STANDARD.encode(secret)] {
            assert!(!shown.contains(&text[..10]), "{shown}");
        }
    }

    #[test]
    fn empty_key_ids_are_refused() {
        assert!(matches!(
            SigningKey::generate(""),
            Err(CredentialError::EmptyKeyId)
        ));
    }

    #[test]
    fn the_public_jwk_is_an_rfc_8037_ed25519_key() {
        let key = SigningKey::generate("k1").expect("key");
        let jwk = key.public_jwk();
        assert_eq!(
            jwk,
            json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": key.public_key().to_text(),
                "kid": "k1",
                "alg": "EdDSA",
                "use": "sig",
            })
        );
        let x = jwk["x"].as_str().unwrap_or_default();
        assert_eq!(x.len(), 43, "32 bytes, base64url without padding");
        assert!(!x.contains('='));
        assert_eq!(
            URL_SAFE_NO_PAD.decode(x).expect("base64url"),
            key.public_key().to_bytes()
        );
    }

    #[test]
    fn public_keys_round_trip_through_their_text() {
        let public = SigningKey::generate("k1").expect("key").public_key();
        let text = public.to_string();
        assert_eq!(PublicKey::parse(&text).expect("parses"), public);
        assert_eq!(text.parse::<PublicKey>().expect("parses"), public);
        assert!(PublicKey::parse(&STANDARD.encode([1u8; 32])).is_err());
        assert!(PublicKey::parse(&URL_SAFE_NO_PAD.encode([1u8; 31])).is_err());
        assert!(PublicKey::parse("").is_err());
    }

    #[test]
    fn the_jwks_lists_every_key_given_and_reads_back() {
        let old = SigningKey::generate("old").expect("key");
        let new = SigningKey::generate("new").expect("key");
        let set = jwks(&[new.published(), old.published()]);
        assert_eq!(set, json!({ "keys": [new.public_jwk(), old.public_jwk()] }));
        assert_eq!(
            parse_jwks(&set).expect("parses"),
            vec![new.published(), old.published()]
        );
        assert_eq!(jwks(&[]), json!({ "keys": [] }));
    }

    #[test]
    fn jwks_entries_that_are_not_ed25519_public_keys_are_refused() {
        let jwk = SigningKey::generate("k1").expect("key").public_jwk();
        let with = |name: &str, value: Value| {
            let mut changed = jwk.clone();
            changed[name] = value;
            json!({ "keys": [changed] })
        };
        for set in [
            with("kty", json!("RSA")),
            with("crv", json!("X25519")),
            with("alg", json!("ES256")),
            with("kid", json!("")),
            with("x", json!("AAAA")),
            with("d", json!("secret")),
            json!({ "keys": "none" }),
            json!([]),
        ] {
            assert!(parse_jwks(&set).is_err(), "{set}");
        }
    }
}
