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
