use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// What an account may do. The strings are what the database stores and the
/// API shows; its `ck_users_role` constraint lists the same three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Student,
    Instructor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Student, Role::Instructor, Role::Admin];

    pub const fn as_str(&self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    /// Whether someone may pick this role when signing up. Administrators are
    /// made by other administrators (or the command line), never by themselves.
    pub const fn self_registrable(&self) -> bool {
        matches!(self, Role::Student | Role::Instructor)
    }
}

/// Whether an account may sign in. Suspension keeps the account and its history
/// (enrolments, certificates, payments) but ends its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    #[default]
    Active,
    Suspended,
}

impl UserStatus {
    pub const ALL: [UserStatus; 2] = [UserStatus::Active, UserStatus::Suspended];

    pub const fn as_str(&self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }
}

/// Matching is exact: these come from programs (clients, the database), which
/// have no excuse for other spellings, and an exact match keeps the stored
/// values canonical.
macro_rules! text_enum {
    ($name:ident, $expected:literal) => {
        impl FromStr for $name {
            type Err = FieldIssue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| FieldIssue::invalid(concat!("must be one of: ", $expected)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Role, "student, instructor, admin");
text_enum!(UserStatus, "active, suspended");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_serde() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().expect("round trip"), role);
            assert_eq!(
                serde_json::to_string(&role).expect("serializable"),
                format!("\"{role}\"")
            );
        }
        for status in UserStatus::ALL {
            assert_eq!(
                status.as_str().parse::<UserStatus>().expect("round trip"),
                status
            );
            assert_eq!(
                serde_json::to_string(&status).expect("serializable"),
                format!("\"{status}\"")
            );
        }
        assert_eq!(
            serde_json::from_str::<Role>("\"instructor\"").expect("valid"),
            Role::Instructor
        );
        assert_eq!(UserStatus::default(), UserStatus::Active);
    }

    #[test]
    fn refuses_unknown_and_miscased_values() {
        assert_eq!(
            "teacher".parse::<Role>().expect_err("unknown").code,
            "invalid"
        );
        assert!("Admin".parse::<Role>().is_err());
        assert!("banned".parse::<UserStatus>().is_err());
        assert!(serde_json::from_str::<Role>("\"ADMIN\"").is_err());
    }

    #[test]
    fn only_students_and_instructors_sign_themselves_up() {
        assert!(Role::Student.self_registrable());
        assert!(Role::Instructor.self_registrable());
        assert!(!Role::Admin.self_registrable());
    }
}
