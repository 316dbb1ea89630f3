//! The second factor: a TOTP secret shared with the user's authenticator app
//! (RFC 6238 with the parameters every app uses: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of clock skew either way), the one-time recovery codes that
//! stand in for it, and the challenge token that carries a sign-in from the
//! password to the code.

use std::fmt;
use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp, TotpError};

use super::token::SessionToken;

/// The issuer authenticator apps show next to the account.
pub const TOTP_ISSUER: &str = "MedicalEdu";

/// 160 bits, the length RFC 4226 recommends for the shared secret.
const SECRET_BYTES: usize = 20;
const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;
const SKEW_STEPS: u16 = 1;

/// The secret an authenticator app derives its codes from. Stored as RFC 4648
/// base32 (what apps accept when typed in); `Debug` hides it.
pub struct TotpSecret(Secret);

impl TotpSecret {
    /// A fresh secret from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes (see
    /// [`SessionToken::generate`]).
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        Self(Secret::from(bytes))
    }

    /// A stored secret; `None` when it is not base32 of at least 128 bits.
    pub fn from_base32(text: &str) -> Option<Self> {
        let secret = Secret::try_from_base32(text).ok()?;
        (secret.as_bytes().len() >= 16).then_some(Self(secret))
    }

    /// RFC 4648 base32 without padding, as stored and as shown for typing.
    pub fn to_base32(&self) -> String {
        self.0.to_base32()
    }

    fn totp(&self, account: &str) -> Result<Totp, TotpError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_issuer(Some(TOTP_ISSUER))
            // The label separates issuer and account with a colon, so the
            // account name may not contain one.
            .with_account_name(account.replace(':', " "))
            .build()
    }

    /// The `otpauth://totp/…` address an authenticator app reads from the QR
    /// code: issuer, account, secret and the parameters above.
    pub fn otpauth_uri(&self, account: &str) -> Result<String, TotpError> {
        self.totp(account)?.to_url()
    }

    /// The time step (Unix seconds / 30) whose code `code` is, at
    /// `unix_seconds` give or take one step; `None` when it is none of them.
    /// The caller accepts a step once: RFC 6238 §5.2 forbids accepting a code
    /// twice.
    pub fn matching_step(&self, code: &str, unix_seconds: u64) -> Option<u64> {
        self.totp("")
            .ok()
            .and_then(|totp| totp.check(code, unix_seconds))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

/// 80 random bits in 16 base32 characters, shown as four groups of four.
const RECOVERY_BYTES: usize = 10;
const RECOVERY_CHARS: usize = 16;
const BASE32_LOWER: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A one-time code that signs in in place of the authenticator's code.
///
/// Stored as a plain SHA-256 (unlike passwords, which need Argon2): the code
/// is 80 random bits, not something a person chose, so there is no
/// dictionary to try and 2^80 guesses are out of reach even offline.
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// A fresh code from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes.
    pub fn generate() -> Self {
        let mut bytes = [0u8; RECOVERY_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        // 80 bits are 16 groups of 5 bits, read from the most significant.
        let value = bytes
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
        let text = (0..RECOVERY_CHARS)
            .rev()
            .map(|i| char::from(BASE32_LOWER[((value >> (5 * i)) & 31) as usize]))
            .collect();
        Self(text)
    }

    /// What a person typed: case, spaces and dashes do not matter. `None`
    /// when it cannot be a recovery code.
    pub fn parse(input: &str) -> Option<Self> {
        let text: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        (text.len() == RECOVERY_CHARS && text.bytes().all(|b| BASE32_LOWER.contains(&b)))
            .then_some(Self(text))
    }

    /// `abcd-efgh-ijkl-mnop`, the way it is shown once to the user.
    pub fn display(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Lowercase hex SHA-256 of the canonical text, as stored.
    pub fn hash(&self) -> String {
        hex_sha256(&self.0)
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(***)")
    }
}

/// What a person typed at the second step of signing in: the authenticator's
/// six digits, or one of their recovery codes.
#[derive(Debug)]
pub enum SecondFactorCode {
    Totp(String),
    Recovery(RecoveryCode),
}

impl SecondFactorCode {
    /// `None` when it is neither shape (so it cannot be right).
    pub fn parse(input: &str) -> Option<Self> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == usize::from(DIGITS) && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Self::Totp(compact));
        }
        RecoveryCode::parse(input).map(Self::Recovery)
    }
}

/// The bearer secret between a right password and the second factor: the
/// same shape and strength as a session token, and likewise stored only as
/// its hash. It opens nothing but the second step of that one sign-in.
pub struct ChallengeToken(SessionToken);

impl ChallengeToken {
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes.
    pub fn generate() -> Self {
        Self(SessionToken::generate())
    }

    /// Only the shape [`generate`](Self::generate) produces.
    pub fn parse(input: &str) -> Option<Self> {
        SessionToken::parse(input).map(Self)
    }

    /// The token itself, handed to the client once.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Lowercase hex SHA-256 of the token's text, as stored.
    pub fn hash(&self) -> String {
        self.0.hash()
    }
}

impl fmt::Debug for ChallengeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChallengeToken(***)")
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the 20-byte ASCII secret "12345678901234567890".
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = TotpSecret(Secret::from(b"12345678901234567890".to_vec()));
        // The RFC's 8-digit 94287082 at T = 59 is 287082 in six digits.
        assert_eq!(secret.matching_step("287082", 59), Some(1));
        // One step of skew either way, no more.
        assert_eq!(secret.matching_step("287082", 59 + 30), Some(1));
        assert_eq!(secret.matching_step("287082", 59 + 60), None);
        assert_eq!(secret.matching_step("000000", 59), None);
        assert_eq!(secret.matching_step("28708", 59), None);
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let secret = TotpSecret::generate();
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        let back = TotpSecret::from_base32(&text).expect("own encoding");
        assert_eq!(back.to_base32(), text);
        assert!(TotpSecret::from_base32("not base32!").is_none());
        assert!(TotpSecret::from_base32("GEZDGNBV").is_none(), "too short");
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
    }

    #[test]
    fn the_otpauth_uri_names_issuer_account_and_secret() {
        let secret = TotpSecret::generate();
        let uri = secret
            .otpauth_uri("ada@example.org")
            .expect("a valid account");
        assert!(
            uri.starts_with("otpauth://totp/MedicalEdu:ada%40example.org?"),
            "{uri}"
        );
        assert!(
            uri.contains(&format!("secret={}", secret.to_base32())),
            "{uri}"
        );
        assert!(uri.contains("issuer=MedicalEdu"), "{uri}");
    }

    #[test]
    fn recovery_codes_are_typed_loosely_and_hashed_canonically() {
        let code = RecoveryCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.matches('-').count(), 3);
        let typed = RecoveryCode::parse(&format!(" {} ", shown.to_uppercase())).expect("typed");
        assert_eq!(typed.hash(), code.hash());
        assert_eq!(code.hash().len(), 64);
        assert!(RecoveryCode::parse("abcd-efgh-ijkl-mno").is_none());
        assert!(
            RecoveryCode::parse("abcd-efgh-ijkl-mno1").is_none(),
            "1 is not base32"
        );
        assert_ne!(RecoveryCode::generate().hash(), code.hash());
    }

    #[test]
    fn a_second_step_code_is_six_digits_or_a_recovery_code() {
        assert!(
            matches!(SecondFactorCode::parse("123 456"), Some(SecondFactorCode::Totp(c)) if c == "123456")
        );
        let recovery = RecoveryCode::generate().display();
        assert!(matches!(
            SecondFactorCode::parse(&recovery),
            Some(SecondFactorCode::Recovery(_))
        ));
        assert!(SecondFactorCode::parse("12345").is_none());
        assert!(SecondFactorCode::parse("").is_none());
    }
}
