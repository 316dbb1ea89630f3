//! The pure rules of MedicalEdu: identifiers, time, and the vocabulary shared by
//! the store and the API. Nothing here touches the network, the disk or a database;
//! the one thing taken from outside is randomness from the operating system, for
//! password salts and session tokens.

mod id;
mod identity;
#[cfg(feature = "sqlx")]
mod sql;
mod time;

pub use id::{Id, ParseIdError};
pub use identity::{
    Argon2Params, Bio, Credentials, Email, FieldIssue, FullName, HashError, Headline, Locale,
    LockoutPolicy, Password, PasswordHasher, Phone, Role, SessionToken, Specialty, TimeZone,
    UserStatus,
};
pub use time::Timestamp;
