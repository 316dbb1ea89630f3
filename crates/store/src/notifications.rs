//! The notifications outbox. Rows are queued in the transaction of the change
//! they announce, so a notification exists exactly when the change committed;
//! dispatchers then claim due rows with a lease and record each outcome.
//!
//! A claim is fenced by its lease: every outcome is written only while the row
//! is still `sending` under the same `lease_expires_at`, so a dispatcher that
//! stalled past its lease cannot overwrite the work of the one that took over.

use medicaledu_domain::{
    Channel, Id, NotificationKind, NotificationStatus, Preferences, Timestamp,
};
use serde_json::Value;
use sqlx::types::Json;

use crate::params::{Param, Params, bind_params};
use crate::{Backend, Db, Tx, on_db, on_tx};

/// What the outbox needs to know about a recipient to pick channels.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub phone: Option<String>,
    pub timezone: String,
    pub preferences: Preferences,
}

/// The recipient's channel settings, read in the transaction that queues; `None`
/// for an account that is gone.
pub async fn recipient(tx: &mut Tx, user_id: Id) -> Result<Option<Recipient>, sqlx::Error> {
    let row: Option<(Option<String>, String, Json<Value>)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT phone, timezone, notification_preferences FROM users \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(conn)
        .await
    })?;
    Ok(row.map(|(phone, timezone, Json(preferences))| Recipient {
        phone,
        timezone,
        preferences: parse_preferences(user_id, preferences),
    }))
}

/// Stored preferences that no longer parse (a kind renamed by hand, say) fall
/// back to the defaults rather than silencing the user.
fn parse_preferences(user_id: Id, value: Value) -> Preferences {
    serde_json::from_value(value).unwrap_or_else(|e| {
        tracing::warn!(%user_id, error = %e, "unreadable notification preferences; using defaults");
        Preferences::default()
    })
}

pub async fn preferences(db: &Db, user_id: Id) -> Result<Option<Preferences>, sqlx::Error> {
    let row: Option<Json<Value>> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT notification_preferences FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|Json(value)| parse_preferences(user_id, value)))
}

pub async fn set_preferences(
    tx: &mut Tx,
    user_id: Id,
    preferences: &Preferences,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET notification_preferences = $2, updated_at = $3 \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .bind(Json(preferences))
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// One notification on one channel.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    pub user_id: Id,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub title: &'a str,
    pub body: &'a str,
    pub data: &'a Value,
    pub send_after: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// Queuing a second row with the same key does nothing.
    pub dedupe_key: Option<String>,
}

/// Queues one row. An in-app notice due now is delivered by being stored, so it
/// is `sent` at once; anything else waits for a dispatcher.
pub async fn queue(tx: &mut Tx, row: &Outgoing<'_>, now: Timestamp) -> Result<(), sqlx::Error> {
    let delivered = row.channel == Channel::InApp && row.send_after <= now;
    let (status, sent_at) = if delivered {
        ("sent", Some(now))
    } else {
        ("queued", None)
    };
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, channel, kind, title, body, data, status, send_after, \
                 expires_at, sent_at, dedupe_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
             ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        )
        .bind(Id::generate())
        .bind(row.user_id)
        .bind(row.channel.as_str())
        .bind(row.kind.as_str())
        .bind(row.title)
        .bind(row.body)
        .bind(Json(row.data))
        .bind(status)
        .bind(row.send_after)
        .bind(row.expires_at)
        .bind(sent_at)
        .bind(&row.dedupe_key)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Cancels the rows with these dedupe keys that have not gone out yet; returns
/// how many.
pub async fn cancel_keys(tx: &mut Tx, keys: &[String], now: Timestamp) -> Result<u64, sqlx::Error> {
    if keys.is_empty() {
        return Ok(0);
    }
    let mut params = Params::default();
    let at = params.push(Param::Time(now));
    let list = keys
        .iter()
        .map(|key| params.push(Param::Text(key.clone())))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET status = 'cancelled', last_error = 'cancelled: no longer relevant', \
             updated_at = {at} \
         WHERE dedupe_key IN ({list}) AND status = 'queued'"
    ));
    on_tx!(tx, conn => {
        bind_params!(sqlx::query(sql), params.0)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
}

const NOTIFICATION_COLUMNS: &str = "id, user_id, channel, kind, title, body, data, status, send_after, \
     expires_at, attempts, last_error, sent_at, read_at, dedupe_key, created_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Id,
    pub user_id: Id,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub data: Json<Value>,
    pub status: NotificationStatus,
    pub send_after: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub read_at: Option<Timestamp>,
    pub dedupe_key: Option<String>,
    pub created_at: Timestamp,
}

/// A user's inbox: in-app notifications that have been delivered, newest
/// delivery first (a reminder appears when it is due, not when it was queued).
pub async fn inbox(
    db: &Db,
    user_id: Id,
    unread_only: bool,
    before: Option<(Timestamp, Id)>,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
         WHERE user_id = $1 AND channel = 'in_app' AND status = 'sent' \
           AND ($2 = FALSE OR read_at IS NULL) \
           AND ($3 IS NULL OR (send_after, id) < ($3, $4)) \
         ORDER BY send_after DESC, id DESC LIMIT $5"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql).bind(user_id).bind(unread_only).bind(before_at).bind(before_id).bind(limit).fetch_all(pool).await
    })
}

pub async fn unread_count(db: &Db, user_id: Id) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications \
             WHERE user_id = $1 AND channel = 'in_app' AND status = 'sent' AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })
}

/// Marks one of the user's delivered in-app notifications read (the first time
/// only); `None` when it is not theirs.
pub async fn mark_read(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    now: Timestamp,
) -> Result<Option<NotificationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET read_at = COALESCE(read_at, $3), updated_at = $3 \
         WHERE id = $1 AND user_id = $2 AND channel = 'in_app' AND status = 'sent' \
         RETURNING {NOTIFICATION_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(user_id).bind(now).fetch_optional(conn).await)
}

/// Marks all the user's unread in-app notifications read; returns how many.
pub async fn mark_all_read(tx: &mut Tx, user_id: Id, now: Timestamp) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE notifications SET read_at = $2, updated_at = $2 \
             WHERE user_id = $1 AND channel = 'in_app' AND status = 'sent' AND read_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
}

/// What operators look for in the outbox.
#[derive(Clone, Debug, Default)]
pub struct OutboxFilter {
    pub status: Option<NotificationStatus>,
    pub channel: Option<Channel>,
    pub kind: Option<NotificationKind>,
    pub user_id: Option<Id>,
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

/// Notifications on every channel, newest first, for operators.
pub async fn outbox(db: &Db, filter: &OutboxFilter) -> Result<Vec<NotificationRow>, sqlx::Error> {
    let (before_at, before_id) = filter.before.unzip();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
         WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2) \
           AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR user_id = $4) \
           AND ($5 IS NULL OR (created_at, id) < ($5, $6)) \
         ORDER BY created_at DESC, id DESC LIMIT $7"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql)
            .bind(filter.status)
            .bind(filter.channel)
            .bind(filter.kind)
            .bind(filter.user_id)
            .bind(before_at)
            .bind(before_id)
            .bind(filter.limit)
            .fetch_all(pool)
            .await
    })
}

/// Reads a notification inside a write transaction, to decide on it there.
pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<NotificationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// Puts a failed notification back in the queue with a fresh set of attempts;
/// `None` unless it is failed and still useful (a reminder of a session that
/// has started stays failed).
pub async fn requeue(
    tx: &mut Tx,
    id: Id,
    now: Timestamp,
) -> Result<Option<NotificationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET status = 'queued', attempts = 0, send_after = $2, \
             lease_expires_at = NULL, updated_at = $2 \
         WHERE id = $1 AND status = 'failed' AND (expires_at IS NULL OR expires_at > $2) \
         RETURNING {NOTIFICATION_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(now).fetch_optional(conn).await)
}

/// A claimed notification with what delivery needs to know of its recipient.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: Id,
    pub user_id: Id,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub data: Json<Value>,
    pub attempts: i64,
    /// When it became due: its delivery latency counts from here.
    pub send_after: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub lease_expires_at: Timestamp,
    pub email: String,
    pub phone: Option<String>,
    pub full_name: String,
    pub locale: String,
}

/// Claims up to `limit` due notifications for delivery until `lease_until`.
///
/// In the same transaction it delivers due in-app rows (stored is delivered),
/// cancels rows whose usefulness has expired, and drops rows of deleted
/// accounts. On PostgreSQL the candidate rows are locked with `SKIP LOCKED`, so
/// concurrent dispatchers take disjoint batches; on SQLite the write
/// transaction is already exclusive.
pub async fn claim(
    db: &Db,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let due = "status IN ('queued', 'sending') AND send_after <= $1 \
               AND (status = 'queued' OR lease_expires_at < $1)";
    let housekeeping = [
        format!(
            "UPDATE notifications SET status = 'cancelled', lease_expires_at = NULL, \
                 last_error = 'expired before it could be delivered', updated_at = $1 \
             WHERE {due} AND expires_at <= $1"
        ),
        format!(
            "UPDATE notifications SET status = 'sent', sent_at = send_after, updated_at = $1 \
             WHERE {due} AND channel = 'in_app'"
        ),
        format!(
            "UPDATE notifications SET status = 'cancelled', lease_expires_at = NULL, \
                 last_error = 'the account was deleted', updated_at = $1 \
             WHERE {due} AND user_id IN (SELECT id FROM users WHERE deleted_at IS NOT NULL)"
        ),
    ];
    for sql in housekeeping {
        on_tx!(&mut tx, conn => {
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).execute(conn).await.map(drop)
        })?;
    }
    let claim = sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET status = 'sending', lease_expires_at = $2, attempts = attempts + 1, \
             updated_at = $1 \
         WHERE id IN (SELECT id FROM notifications WHERE {due} AND channel <> 'in_app' \
                      ORDER BY send_after, id LIMIT $3 {lock}) \
         RETURNING id"
    ));
    let ids: Vec<Id> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(claim).bind(now).bind(lease_until).bind(limit).fetch_all(conn).await
    })?;
    if ids.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let mut params = Params::default();
    let list = ids
        .iter()
        .map(|&id| params.push(Param::Id(id)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT n.id, n.user_id, n.channel, n.kind, n.title, n.body, n.data, n.attempts, n.send_after, \
             n.expires_at, n.lease_expires_at, u.email, u.phone, u.full_name, u.locale \
         FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.id IN ({list}) ORDER BY n.send_after, n.id"
    ));
    let claimed = on_tx!(&mut tx, conn => {
        bind_params!(sqlx::query_as(sql), params.0).fetch_all(conn).await
    })?;
    tx.commit().await?;
    Ok(claimed)
}

/// How one delivery attempt ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Sent,
    RetryAt {
        at: Timestamp,
        error: String,
    },
    Failed {
        error: String,
    },
    /// Not attempted (the dispatcher is stopping): back to the queue as it was.
    Released,
}

/// Records an outcome if the claim still holds; `false` when the lease had
/// expired and the row was taken over.
pub async fn settle(
    db: &Db,
    row: &Claimed,
    outcome: &Outcome,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    const CLAIM_HOLDS: &str = "WHERE id = $1 AND status = 'sending' AND lease_expires_at = $2";
    let affected = on_db!(db, pool => {
        match outcome {
            Outcome::Sent => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE notifications SET status = 'sent', sent_at = $3, lease_expires_at = NULL, \
                     last_error = NULL, updated_at = $3 {CLAIM_HOLDS}"
            )))
            .bind(row.id)
            .bind(row.lease_expires_at)
            .bind(now)
            .execute(pool)
            .await,
            Outcome::RetryAt { at, error } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE notifications SET status = 'queued', send_after = $4, lease_expires_at = NULL, \
                     last_error = $5, updated_at = $3 {CLAIM_HOLDS}"
            )))
            .bind(row.id)
            .bind(row.lease_expires_at)
            .bind(now)
            .bind(*at)
            .bind(error)
            .execute(pool)
            .await,
            Outcome::Failed { error } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE notifications SET status = 'failed', lease_expires_at = NULL, last_error = $4, \
                     updated_at = $3 {CLAIM_HOLDS}"
            )))
            .bind(row.id)
            .bind(row.lease_expires_at)
            .bind(now)
            .bind(error)
            .execute(pool)
            .await,
            Outcome::Released => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE notifications SET status = 'queued', lease_expires_at = NULL, \
                     attempts = attempts - 1, updated_at = $3 {CLAIM_HOLDS}"
            )))
            .bind(row.id)
            .bind(row.lease_expires_at)
            .bind(now)
            .execute(pool)
            .await,
        }
        .map(|done| done.rows_affected() == 1)
    })?;
    Ok(affected)
}

/// Notifications still in the outbox's care, per status and channel.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxDepth {
    pub status: NotificationStatus,
    pub channel: Channel,
    pub count: i64,
}

/// How many notifications wait in the outbox (queued), are being delivered
/// (sending) or failed for good, per channel: an index-only count
/// (`ix_notifications_outbox_depth`), however many sent ones the table keeps.
pub async fn outbox_depth(db: &Db) -> Result<Vec<OutboxDepth>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT status, channel, count(*) AS count FROM notifications \
             WHERE status IN ('queued', 'sending', 'failed') \
             GROUP BY status, channel ORDER BY status, channel",
        )
        .fetch_all(pool)
        .await
    })
}
