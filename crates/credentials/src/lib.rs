//! Certificates as signed Open Badges 3.0 credentials.
//!
//! The domain builds the unsigned credential
//! (`medicaledu_domain::cme::open_badge_credential`); this crate turns it into
//! something a third party can check without asking us: a compact JWS signed
//! with Ed25519, a JWKS to check it against, and the 1EdTech revocation list
//! that its `credentialStatus` points to. It keeps no state and does no I/O:
//! the application stores the rows, serves the documents and calls in here.
//!
//! # Keys and how they are stored
//!
//! A [`SigningKey`] is an Ed25519 key pair named by a key id (`kid`), which
//! the application chooses (a UUIDv7 as text) and which never changes. Its
//! private half is stored only encrypted, as an [`EncryptedKey`]: one line of
//! text (`v1.<nonce>.<ciphertext>`) for a TEXT column, sealed with
//! XChaCha20-Poly1305 under a [`KeyEncryptionKey`] that lives in the
//! configuration, never in the database. A copy of the database therefore
//! holds no usable signing key. The key id is authenticated with the
//! ciphertext, so an encrypted key moved onto another key's row does not
//! decrypt. The public half is a [`PublicKey`], 32 bytes stored as base64url
//! text, which needs no protection.
//!
//! # Rotation
//!
//! Exactly one key signs at a time: rotating generates a new key, which signs
//! every credential from then on. The old key is not deleted: it stays in the
//! published [`jwks`] so that every credential it signed still verifies, and
//! the application drops it from the JWKS only when it retires it (for
//! instance after a compromise, when the credentials it signed should stop
//! verifying and be re-issued). The key-encryption key rotates separately:
//! decrypt each stored key with the old one and encrypt it with the new one.
//!
//! # What verifiers do
//!
//! A verifier (Open Badges 3.0 §8.2.6, or any JWT library) reads the `kid`
//! from the token's header, finds that key in the issuer's JWKS, checks the
//! Ed25519 signature, and then reads the credential from the payload: its
//! claims `iss`, `jti` and `nbf` repeat the credential's `issuer.id`, `id`
//! and `validFrom`. It then fetches the credential's `credentialStatus.id`,
//! the [`revocation_list`], and treats the credential as revoked when its
//! `id` is listed there. [`verify_credential`] is the same check for the
//! application's own use.
//!
//! Open Badges describes the header's `kid` as a URI that dereferences to the
//! JWK. Verifiers that insist on that need key ids that are URLs (the JWKS's
//! URL with the key's UUID as fragment, say); whatever the application
//! chooses must never change afterwards, as the key id is bound to the
//! encrypted key.

mod jws;
mod kek;
mod keys;
mod revocation;

pub use jws::{sign_credential, verify_credential};
pub use kek::{EncryptedKey, KeyEncryptionKey};
pub use keys::{PublicKey, PublishedKey, SigningKey, jwks, parse_jwks};
pub use revocation::{Revoked, revocation_list};

/// Everything that can go wrong here. None of the messages repeat secret
/// material, so they can be logged.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The configured key-encryption key is not 32 bytes of base64.
    #[error("the key-encryption key must be 32 random bytes in base64: {0}")]
    InvalidKeyEncryptionKey(String),
    /// A stored encrypted key is not in the `v1.<nonce>.<ciphertext>` form.
    #[error("not an encrypted signing key: {0}")]
    MalformedEncryptedKey(&'static str),
    /// Sealing a signing key failed (the AEAD refuses only absurd lengths).
    #[error("the signing key {kid:?} could not be encrypted")]
    Encryption { kid: String },
    /// Authentication failed: another key-encryption key, another key id, or
    /// altered text. The three are indistinguishable by design.
    #[error(
        "the signing key {kid:?} does not decrypt: wrong key-encryption key, another key's row, or altered text"
    )]
    Decryption { kid: String },
    /// A key id must name the key; an empty one cannot.
    #[error("a key id must not be empty")]
    EmptyKeyId,
    /// A public key's text or JWK is not an Ed25519 public key.
    #[error("not an Ed25519 public key: {0}")]
    InvalidPublicKey(String),
    /// The operating system could not supply random bytes.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The unsigned credential lacks what the JWT claims are taken from.
    #[error("the credential cannot be signed: {0}")]
    UnsignableCredential(String),
    /// A token is not a well-formed compact JWS of ours.
    #[error("not a credential token: {0}")]
    MalformedToken(String),
    /// The token names a key that is not (or no longer) published.
    #[error("no published key has the id {0:?}")]
    UnknownKey(String),
    /// The signature does not match the header and payload.
    #[error("the credential's signature does not verify")]
    BadSignature,
    /// The claims contradict the credential they carry.
    #[error("the token's claims do not match its credential: {0}")]
    ClaimMismatch(String),
}
