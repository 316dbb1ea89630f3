//! Accounts. Email uniqueness (case-insensitive, among live accounts) and the
//! failed-login counter are enforced by the database, so concurrent requests on
//! several replicas cannot create twins or lose a failed attempt.

use medicaledu_domain::{Id, Role, Timestamp, UserStatus};

use crate::{Db, Tx, on_db, on_tx};

const USER_COLUMNS: &str = "id, email, password_hash, full_name, role, status, phone, timezone, locale, \
     headline, bio, specialty, credentials, email_verified_at, failed_login_attempts, locked_until, \
     last_login_at, password_changed_at, rating_sum, rating_count, created_at, updated_at, deleted_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Id,
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub phone: Option<String>,
    pub timezone: String,
    pub locale: String,
    pub headline: Option<String>,
    pub bio: Option<String>,
    pub specialty: Option<String>,
    pub credentials: Option<String>,
    pub email_verified_at: Option<Timestamp>,
    pub failed_login_attempts: i64,
    pub locked_until: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub password_changed_at: Option<Timestamp>,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub id: Id,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    pub timezone: &'a str,
    pub locale: &'a str,
    pub now: Timestamp,
}

/// Profile fields a user may change; `None` leaves a field as it is, and
/// `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    pub full_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
    pub headline: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub specialty: Option<Option<String>>,
    pub credentials: Option<Option<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("a live account already uses this email")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The counter and lock after a failed login.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct FailedLogin {
    pub failed_login_attempts: i64,
    pub locked_until: Option<Timestamp>,
}

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Case-insensitive substring of email or name.
    pub query: Option<String>,
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

pub async fn insert(tx: &mut Tx, user: &NewUser<'_>) -> Result<UserRow, InsertUserError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (id, email, password_hash, full_name, role, timezone, locale, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING {USER_COLUMNS}"
    ));
    let inserted = on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(user.id)
            .bind(user.email)
            .bind(user.password_hash)
            .bind(user.full_name)
            .bind(user.role)
            .bind(user.timezone)
            .bind(user.locale)
            .bind(user.now)
            .fetch_one(conn)
            .await
    });
    inserted.map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertUserError::EmailTaken,
        other => InsertUserError::Database(other),
    })
}

/// How many accounts exist, deleted ones included.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await)
}

pub async fn find_live_by_id(db: &Db, id: Id) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// The account even if deleted: history (a course, a booking) still names it.
pub async fn find_by_id_any(db: &Db, id: Id) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// Reads the account inside a write transaction (after its lock is held on
/// SQLite; PostgreSQL callers that need the row stable use the conditional
/// updates below instead).
pub async fn find_live_by_id_tx(tx: &mut Tx, id: Id) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// Looks an account up by email, ignoring case, among live accounts.
/// Holds the user's row until commit, serializing decisions about what the
/// user holds (such as their pending bookings). SQLite's write transaction
/// already holds the database's only write lock.
pub async fn lock(tx: &mut Tx, id: Id) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(drop),
        Tx::Sqlite(_) => Ok(()),
    }
}

pub async fn find_live_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(email).fetch_optional(pool).await)
}

/// Claims one password attempt before the password is checked, in a single
/// conditional statement: it is counted as failed up front (a success resets
/// the count) and refused while the account is locked, so concurrent guesses
/// cannot all be checked at once. The claim that brings the count to
/// `max_attempts` (0: never) locks the account until `lock_until` itself, so
/// no further attempt is claimed while it is checked. `None` when the
/// account is locked or gone.
pub async fn claim_password_attempt(
    tx: &mut Tx,
    id: Id,
    max_attempts: i64,
    lock_until: Timestamp,
    now: Timestamp,
) -> Result<Option<FailedLogin>, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_as(
            "UPDATE users SET failed_login_attempts = failed_login_attempts + 1, \
                 locked_until = CASE WHEN $2 > 0 AND failed_login_attempts + 1 >= $2 THEN $3 ELSE locked_until END, \
                 updated_at = $4 \
             WHERE id = $1 AND deleted_at IS NULL AND (locked_until IS NULL OR locked_until <= $4) \
             RETURNING failed_login_attempts, locked_until",
        )
        .bind(id)
        .bind(max_attempts)
        .bind(lock_until)
        .bind(now)
        .fetch_optional(conn)
        .await
    })
}

/// Takes back one claimed attempt that turned out right without ending in a
/// sign-in (the second factor is still to come), and lifts the lock it set,
/// if any (`own_lock`); other failures and locks stay.
pub async fn release_password_attempt(
    tx: &mut Tx,
    id: Id,
    own_lock: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET \
                 failed_login_attempts = CASE WHEN failed_login_attempts > 0 THEN failed_login_attempts - 1 ELSE 0 END, \
                 locked_until = CASE WHEN locked_until = $2 THEN NULL ELSE locked_until END, \
                 updated_at = $3 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(own_lock)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

pub async fn record_successful_login(
    tx: &mut Tx,
    id: Id,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = $2, updated_at = $2 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

pub async fn update_profile(
    tx: &mut Tx,
    id: Id,
    changes: &ProfileChanges,
    now: Timestamp,
) -> Result<Option<UserRow>, sqlx::Error> {
    // CASE on a flag keeps one statement for every combination of fields and
    // still lets a caller set an optional field to NULL.
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE users SET \
             full_name = COALESCE($2, full_name), \
             phone = CASE WHEN $3 THEN $4 ELSE phone END, \
             timezone = COALESCE($5, timezone), \
             locale = COALESCE($6, locale), \
             headline = CASE WHEN $7 THEN $8 ELSE headline END, \
             bio = CASE WHEN $9 THEN $10 ELSE bio END, \
             specialty = CASE WHEN $11 THEN $12 ELSE specialty END, \
             credentials = CASE WHEN $13 THEN $14 ELSE credentials END, \
             updated_at = $15 \
         WHERE id = $1 AND deleted_at IS NULL RETURNING {USER_COLUMNS}"
    ));
    let optional = |field: &Option<Option<String>>| (field.is_some(), field.clone().flatten());
    let (set_phone, phone) = optional(&changes.phone);
    let (set_headline, headline) = optional(&changes.headline);
    let (set_bio, bio) = optional(&changes.bio);
    let (set_specialty, specialty) = optional(&changes.specialty);
    let (set_credentials, credentials) = optional(&changes.credentials);
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(changes.full_name.as_deref())
            .bind(set_phone)
            .bind(phone)
            .bind(changes.timezone.as_deref())
            .bind(changes.locale.as_deref())
            .bind(set_headline)
            .bind(headline)
            .bind(set_bio)
            .bind(bio)
            .bind(set_specialty)
            .bind(specialty)
            .bind(set_credentials)
            .bind(credentials)
            .bind(now)
            .fetch_optional(conn)
            .await
    })
}

/// Replaces the password hash only while it is still `current_hash` (the one
/// the caller verified), so two concurrent changes cannot both win; false when
/// it changed meanwhile.
pub async fn set_password(
    tx: &mut Tx,
    id: Id,
    current_hash: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET password_hash = $3, password_changed_at = $4, updated_at = $4 \
             WHERE id = $1 AND password_hash = $2 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(current_hash)
        .bind(password_hash)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Soft delete: the row stays for the history that points at it, and the email
/// becomes free because the unique index covers live rows only.
pub async fn soft_delete(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

pub async fn unlock(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET failed_login_attempts = 0, locked_until = NULL, updated_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

pub async fn set_role_and_status(
    tx: &mut Tx,
    id: Id,
    role: Option<Role>,
    status: Option<UserStatus>,
    now: Timestamp,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE users SET role = COALESCE($2, role), status = COALESCE($3, status), updated_at = $4 \
         WHERE id = $1 AND deleted_at IS NULL RETURNING {USER_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).bind(role).bind(status).bind(now).fetch_optional(conn).await
    })
}

/// Stores the hash of a new calendar feed token, replacing the old one, or
/// clears it (`None`) so that no token opens the feed.
pub async fn set_calendar_token(
    tx: &mut Tx,
    id: Id,
    token_hash: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET calendar_token_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(token_hash)
            .bind(now)
            .execute(conn)
            .await
            .map(drop)
    })
}

pub async fn find_by_calendar_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE calendar_token_hash = $1 AND deleted_at IS NULL AND status = 'active'"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(token_hash).fetch_optional(pool).await)
}

/// Live accounts, newest first, for administrators.
pub async fn list(db: &Db, filter: &UserFilter) -> Result<Vec<UserRow>, sqlx::Error> {
    let (before_at, before_id) = filter.before.unzip();
    let pattern = filter
        .query
        .as_ref()
        .map(|q| crate::params::like_contains(&q.to_lowercase()));
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users \
         WHERE deleted_at IS NULL \
           AND ($1 IS NULL OR role = $1) \
           AND ($2 IS NULL OR status = $2) \
           AND ($3 IS NULL OR lower(email) LIKE $3 ESCAPE '\\' OR lower(full_name) LIKE $3 ESCAPE '\\') \
           AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5)) \
         ORDER BY created_at DESC, id DESC LIMIT $6"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql)
            .bind(filter.role)
            .bind(filter.status)
            .bind(pattern.as_deref())
            .bind(before_at)
            .bind(before_id)
            .bind(filter.limit)
            .fetch_all(pool)
            .await
    })
}
