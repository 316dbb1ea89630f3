//! The second factor: a user's TOTP secret, their one-time recovery codes and
//! the short-lived challenges of a sign-in between the password and the code.
//! Everything that may happen once (a time step's code, a recovery code, a
//! challenge) is claimed by a conditional UPDATE, so concurrent requests on
//! any number of replicas cannot use it twice.

use medicaledu_domain::{Id, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

/// A TOTP factor, confirmed (in use) or still being set up.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SecondFactorRow {
    pub id: Id,
    pub user_id: Id,
    /// RFC 4648 base32, stored as it is (see the README on encryption at rest).
    pub secret: String,
    /// The last time step whose code was accepted; only later ones are.
    pub last_used_step: Option<i64>,
    pub confirmed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const FACTOR_COLUMNS: &str = "id, user_id, secret, last_used_step, confirmed_at, created_at";

/// The user's factor in use, if any.
pub async fn find_confirmed(db: &Db, user_id: Id) -> Result<Option<SecondFactorRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {FACTOR_COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await)
}

/// The user's factor in use, read in the transaction that acts on it.
pub async fn find_confirmed_tx(
    tx: &mut Tx,
    user_id: Id,
) -> Result<Option<SecondFactorRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {FACTOR_COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(user_id).fetch_optional(conn).await)
}

/// The factor the user is setting up, if any.
pub async fn find_pending(db: &Db, user_id: Id) -> Result<Option<SecondFactorRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {FACTOR_COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await)
}

pub async fn find_pending_tx(
    tx: &mut Tx,
    user_id: Id,
) -> Result<Option<SecondFactorRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {FACTOR_COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(user_id).fetch_optional(conn).await)
}

/// Starts setting a factor up, replacing one the user began before and never
/// confirmed (its secret was never used).
pub async fn insert_pending(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    secret: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO second_factors (id, user_id, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id)
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Puts a pending factor in use, remembering the step of the code that
/// confirmed it (that code cannot sign in afterwards). False when it is no
/// longer pending; the unique index refuses a second factor in use.
pub async fn confirm(tx: &mut Tx, id: Id, step: i64, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE second_factors SET confirmed_at = $3, last_used_step = $2, updated_at = $3 \
             WHERE id = $1 AND confirmed_at IS NULL",
        )
        .bind(id)
        .bind(step)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Accepts the code of time step `step` for the factor in use: only a step
/// later than every step accepted before, so a code is good once. False for a
/// replayed (or older) step.
pub async fn accept_step(
    tx: &mut Tx,
    id: Id,
    step: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE second_factors SET last_used_step = $2, updated_at = $3 \
             WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)",
        )
        .bind(id)
        .bind(step)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Removes the user's factors (in use and pending) and recovery codes;
/// whether there was a factor in use.
pub async fn remove(tx: &mut Tx, user_id: Id) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(user_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() > 0)
    })
}

/// Replaces the user's recovery codes with new ones (their hashes).
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    user_id: Id,
    code_hashes: &[String],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        for hash in code_hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(Id::generate())
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

/// Uses one of the user's recovery codes: true for exactly one caller, however
/// many present the same code at once.
pub async fn use_recovery_code(
    tx: &mut Tx,
    user_id: Id,
    code_hash: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// How many of the user's recovery codes are left.
pub async fn unused_recovery_codes(db: &Db, user_id: Id) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(pool)
            .await
    })
}

/// A sign-in waiting for its second factor.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct ChallengeRow {
    pub id: Id,
    pub user_id: Id,
    pub expires_at: Timestamp,
}

/// Stores a new challenge; the user's spent and expired ones go, so the table
/// holds a handful of rows per account at most.
pub async fn insert_challenge(
    tx: &mut Tx,
    challenge: &ChallengeRow,
    token_hash: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1 AND (used_at IS NOT NULL OR expires_at <= $2)")
            .bind(challenge.user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_challenges (id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(challenge.id)
        .bind(challenge.user_id)
        .bind(token_hash)
        .bind(challenge.expires_at)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// The unused, unexpired challenge with this token hash.
pub async fn find_live_challenge(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<ChallengeRow>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, user_id, expires_at FROM sign_in_challenges \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await
    })
}

/// Spends a challenge: true for exactly one caller, and only before it expires.
pub async fn consume_challenge(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE sign_in_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Whether the user has a factor in use.
pub async fn has_confirmed(db: &Db, user_id: Id) -> Result<bool, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })
}

/// Whether the user has a factor in use, read in the transaction that acts on it.
pub async fn has_confirmed_tx(tx: &mut Tx, user_id: Id) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)",
        )
        .bind(user_id)
        .fetch_one(conn)
        .await
    })
}
