//! Login sessions. The database keeps only a SHA-256 hash of each token, so a
//! leaked backup or log of this table cannot be replayed as a login.

use medicaledu_domain::{Id, Timestamp};

use crate::users::UserRow;
use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Id,
    pub user_id: Id,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub last_seen_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub id: Id,
    pub user_id: Id,
    pub token_hash: &'a str,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub now: Timestamp,
    pub idle_expires_at: Timestamp,
    pub expires_at: Timestamp,
}

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.ip_address, s.user_agent, s.last_seen_at, s.idle_expires_at, s.expires_at, s.revoked_at, s.created_at";

pub async fn insert(tx: &mut Tx, session: &NewSession<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO user_sessions \
             (id, user_id, token_hash, ip_address, user_agent, last_seen_at, idle_expires_at, expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6, $6)",
        )
        .bind(session.id)
        .bind(session.user_id)
        .bind(session.token_hash)
        .bind(session.ip_address)
        .bind(session.user_agent)
        .bind(session.now)
        .bind(session.idle_expires_at)
        .bind(session.expires_at)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// The live session for a token hash and its account, if the session is
/// neither revoked nor expired and the account is live and active.
pub async fn authenticate(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(SessionRow, UserRow)>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM user_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.idle_expires_at > $2 \
           AND u.deleted_at IS NULL AND u.status = 'active'"
    ));
    let session: Option<SessionRow> = on_db!(db, pool => sqlx::query_as(sql).bind(token_hash).bind(now).fetch_optional(pool).await)?;
    let Some(session) = session else {
        return Ok(None);
    };
    let user = crate::users::find_live_by_id(db, session.user_id).await?;
    Ok(user.map(|user| (session, user)))
}

/// Records activity at most once per `granularity`: the condition lives in the
/// statement, so busy clients and many replicas do not write on every request.
pub async fn touch(
    db: &Db,
    id: Id,
    now: Timestamp,
    stale_before: Timestamp,
    idle_expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query(
            "UPDATE user_sessions SET last_seen_at = $2, updated_at = $2, \
                 idle_expires_at = CASE WHEN $4 < expires_at THEN $4 ELSE expires_at END \
             WHERE id = $1 AND last_seen_at < $3 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(stale_before)
        .bind(idle_expires_at)
        .execute(pool)
        .await
        .map(drop)
    })
}

/// Revokes one of `user_id`'s live sessions; false when there is none.
pub async fn revoke(tx: &mut Tx, id: Id, user_id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE user_sessions SET revoked_at = $3, updated_at = $3 \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Revokes every live session of the user except `keep`; returns how many.
pub async fn revoke_all(
    tx: &mut Tx,
    user_id: Id,
    keep: Option<Id>,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE user_sessions SET revoked_at = $3, updated_at = $3 \
             WHERE user_id = $1 AND revoked_at IS NULL AND ($2 IS NULL OR id <> $2)",
        )
        .bind(user_id)
        .bind(keep)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
}

/// The user's sessions that can still be used, newest first.
pub async fn list_live(
    db: &Db,
    user_id: Id,
    now: Timestamp,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM user_sessions s \
         WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.idle_expires_at > $2 \
         ORDER BY s.created_at DESC, s.id DESC"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).bind(now).fetch_all(pool).await)
}

/// Whether the user signed in before from this user agent; a first sign-in
/// from a new one is worth telling them about.
pub async fn seen_user_agent(
    tx: &mut Tx,
    user_id: Id,
    user_agent: &str,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM user_sessions WHERE user_id = $1 AND user_agent = $2)")
            .bind(user_id)
            .bind(user_agent)
            .fetch_one(conn)
            .await
    })
}
