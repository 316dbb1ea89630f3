//! How accounts are shown. Everyone sees the public profile; only
//! administrators see security state such as failed logins and locks.

use medicaledu_domain::{Id, Role, Timestamp, UserStatus};
use medicaledu_store::users::UserRow;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub email: String,
    pub full_name: String,
    /// `student`, `instructor` or `admin`.
    #[schema(value_type = String)]
    pub role: Role,
    /// `active` or `suspended`.
    #[schema(value_type = String)]
    pub status: UserStatus,
    /// E.164, e.g. `+14155550123`.
    pub phone: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub locale: String,
    pub headline: Option<String>,
    pub bio: Option<String>,
    pub specialty: Option<String>,
    pub credentials: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// An account as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    #[serde(flatten)]
    pub user: User,
    pub failed_login_attempts: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub password_changed_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            role: row.role,
            status: row.status,
            phone: row.phone,
            timezone: row.timezone,
            locale: row.locale,
            headline: row.headline,
            bio: row.bio,
            specialty: row.specialty,
            credentials: row.credentials,
            created_at: row.created_at,
        }
    }
}

impl From<UserRow> for AdminUser {
    fn from(row: UserRow) -> Self {
        AdminUser {
            failed_login_attempts: row.failed_login_attempts,
            locked_until: row.locked_until,
            last_login_at: row.last_login_at,
            password_changed_at: row.password_changed_at,
            updated_at: row.updated_at,
            user: User::from(row),
        }
    }
}
