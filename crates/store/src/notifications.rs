//! The notifications outbox. Rows are queued in the transaction of the change
//! they announce, so a notification exists exactly when the change committed.

use medicaledu_domain::{Id, Timestamp};
use serde_json::Value;
use sqlx::types::Json;

use crate::{Tx, on_tx};

#[derive(Clone, Debug)]
pub struct InApp<'a> {
    pub user_id: Id,
    pub kind: &'a str,
    pub title: String,
    pub body: String,
    pub data: Value,
}

/// Stores an in-app notification; there is nothing to deliver, so it is sent
/// as soon as it exists.
pub async fn in_app(
    tx: &mut Tx,
    notification: &InApp<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, channel, kind, title, body, data, status, send_after, sent_at, \
                 created_at, updated_at) \
             VALUES ($1, $2, 'in_app', $3, $4, $5, $6, 'sent', $7, $7, $7, $7)",
        )
        .bind(Id::generate())
        .bind(notification.user_id)
        .bind(notification.kind)
        .bind(&notification.title)
        .bind(&notification.body)
        .bind(Json(&notification.data))
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

const NOTIFICATION_COLUMNS: &str = "id, user_id, channel, kind, title, body, data, status, send_after, sent_at, read_at, created_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Id,
    pub user_id: Id,
    pub channel: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: Json<Value>,
    pub status: String,
    pub send_after: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub read_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A user's in-app inbox, newest first; only unread ones when `unread_only`.
pub async fn inbox(
    db: &crate::Db,
    user_id: Id,
    unread_only: bool,
    before: Option<(Timestamp, Id)>,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
         WHERE user_id = $1 AND channel = 'in_app' AND ($2 = FALSE OR read_at IS NULL) \
           AND ($3 IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4)) \
         ORDER BY created_at DESC, id DESC LIMIT $5"
    ));
    crate::on_db!(db, pool => {
        sqlx::query_as(sql).bind(user_id).bind(unread_only).bind(before_at).bind(before_id).bind(limit).fetch_all(pool).await
    })
}

pub async fn unread_count(db: &crate::Db, user_id: Id) -> Result<i64, sqlx::Error> {
    crate::on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND channel = 'in_app' AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })
}

/// Marks one of the user's in-app notifications read (the first time only);
/// `None` when it is not theirs.
pub async fn mark_read(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    now: Timestamp,
) -> Result<Option<NotificationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET read_at = COALESCE(read_at, $3), updated_at = $3 \
         WHERE id = $1 AND user_id = $2 AND channel = 'in_app' RETURNING {NOTIFICATION_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(user_id).bind(now).fetch_optional(conn).await)
}

/// Marks all the user's unread in-app notifications read; returns how many.
pub async fn mark_all_read(tx: &mut Tx, user_id: Id, now: Timestamp) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE notifications SET read_at = $2, updated_at = $2 \
             WHERE user_id = $1 AND channel = 'in_app' AND read_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
}
