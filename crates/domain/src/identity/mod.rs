//! Accounts and sessions: the values a user types (checked once, at the edge, and
//! carried as types afterwards), the roles they hold, and the rules for passwords,
//! lockout, session tokens and the second factor.
//!
//! Parsers return a [`FieldIssue`] without a field name: the same type can be
//! parsed from several fields (an email on sign-up, on login, on a change), and
//! only the caller knows which one it was.

mod email;
mod hashing;
mod issue;
mod locale;
mod lockout;
mod password;
mod phone;
mod profile;
mod role;
mod second_factor;
mod timezone;
mod token;

pub use email::Email;
pub use hashing::{Argon2Params, HashError, PasswordHasher};
pub use issue::FieldIssue;
pub use locale::Locale;
pub use lockout::LockoutPolicy;
pub use password::Password;
pub use phone::Phone;
pub use profile::{Bio, Credentials, FullName, Headline, Specialty};
pub use role::{Role, UserStatus};
pub use second_factor::{ChallengeToken, RecoveryCode, SecondFactorCode, TOTP_ISSUER, TotpSecret};
pub use timezone::TimeZone;
pub use token::SessionToken;
